"""Three classes at once: a spiral, a network with one output per class, softmax and cross-entropy.

With k classes the network has k outputs (scores, or "logits") z_1..z_k, and softmax turns
them into probabilities p_j = e^{z_j} / sum_i e^{z_i}. The cross-entropy loss of a sample of
class c is -log p_c: near 0 when the model is sure and right, large when it is sure and
wrong. Its gradient with respect to the logits is simply p - onehot(c): every wrong class's
logit is pushed down by its probability, the right one pulled up by 1 - p_c. The predicted
class is the argmax of the logits.

What it teaches: multi-class classification, what cross-entropy measures, and that the
engine's backward() through the loss gives exactly p - onehot.

Run it (a few seconds):

    python examples/spiral_softmax.py [OUT_DIR]

It prints one sample's softmax and gradient, the training accuracy, and writes the
three-class decision boundary to OUT_DIR (default: ./examples_out).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from tinygrad_dk import Value
from tinygrad_dk.data import make_spiral
from tinygrad_dk.losses import cross_entropy
from tinygrad_dk.nn import MLP
from tinygrad_dk.train import accuracy, fit
from tinygrad_dk.viz import plot_decision_boundary

# --- settings ---------------------------------------------------------------------------
OUT_DIR = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("examples_out")
CLASSES = 3
SAMPLES = 60  # 20 per arm
EPOCHS = 60
LR = 0.1
SEED = 0  # data and starting weights


def softmax(logits: list[float]) -> list[float]:
    """e^z / sum e^z, computed as e^(z - max) / sum e^(z - max): same value, no overflow."""
    top = max(logits)
    exps = [math.exp(z - top) for z in logits]
    return [e / sum(exps) for e in exps]


# --- data: three interleaved spiral arms, labels 0, 1, 2 ---------------------------------
X, y = make_spiral(SAMPLES, CLASSES, noise=0.03, seed=SEED)

# --- the model: 2 inputs -> 16 tanh -> 3 linear outputs, one logit per class -------------
model = MLP(2, [16, CLASSES], activation="tanh", seed=SEED)

# --- cross-entropy on one sample, by hand and by the engine ------------------------------
# Before training the model is unsure: a uniform guess (p = 1/3 each) would cost log 3 = 1.0986,
# and the random starting weights give something close to that.
logits = model([Value(v) for v in X[0]])
probs = softmax([z.data for z in logits])
loss = cross_entropy(logits, y[0])
loss.backward()  # d loss / d logit_j lands in logits[j].grad
onehot = [1.0 if j == y[0] else 0.0 for j in range(CLASSES)]
print(f"sample 0 (class {y[0]}) before training:")
print(f"    logits          {[round(z.data, 4) for z in logits]}")
print(f"    softmax p       {[round(p, 4) for p in probs]}")
print(f"    -log p[{y[0]}]       {-math.log(probs[y[0]]):.6f}   cross_entropy() {loss.data:.6f}")
print(f"    p - onehot      {[round(p - t, 4) for p, t in zip(probs, onehot, strict=True)]}")
print(f"    backward() grad {[round(z.grad, 4) for z in logits]}")
gap = max(abs(z.grad - (p - t)) for z, p, t in zip(logits, probs, onehot, strict=True))
print(f"    largest difference between backward() and p - onehot: {gap:.1e}")

# --- training: Adam on the mean cross-entropy of all samples -----------------------------
# Adam scales each parameter's step by a running estimate of its gradient's size, which
# copes better than plain SGD with a spiral's mix of flat and steep directions.
history = fit(model, X, y, loss="cross_entropy", optimizer="adam", lr=LR, epochs=EPOCHS, progress=False)
final = accuracy(model, X, y)  # argmax of the three logits against the label
print(f"\nafter {EPOCHS} epochs: loss {history.loss[-1]:.4f} (chance level log 3 = {math.log(3):.4f})")
print(f"spiral training accuracy: {final:.1%} ({CLASSES} classes, chance is {1 / CLASSES:.0%})")

# --- the decision boundary: each region coloured by the class with the largest logit -----
OUT_DIR.mkdir(parents=True, exist_ok=True)
path = plot_decision_boundary(
    model,
    X,
    y,
    OUT_DIR / "spiral_decision_boundary.png",
    title=f"three-class spiral, softmax + cross-entropy: accuracy {final:.1%}",
)
print(f"wrote {path}")
