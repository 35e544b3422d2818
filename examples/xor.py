"""XOR with one hidden layer: what a single perceptron cannot learn, a 2-4-1 network can.

XOR is 1 when exactly one of two inputs is on. No straight line separates its 1s from its
0s (see examples/perceptron.py), so a single neuron fails. A hidden layer of tanh neurons
first maps the four points to a new space where a line does separate them; the output
neuron draws that line. Training is `tinygrad_dk.train.fit`: full-batch gradient descent
on the logistic loss ("bce": binary cross-entropy on the raw score).

What it teaches: why depth matters, how to train with `fit`, and how to read the model's
scores as classes (score > 0 means class 1).

Run it (a few seconds):

    python examples/xor.py [OUT_DIR]

It prints the loss every 50 epochs, the truth table with the scores and the accuracy, and
writes the decision boundary and the trained network to OUT_DIR (default: ./examples_out).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tinygrad_dk.nn import MLP
from tinygrad_dk.train import History, accuracy, fit, scores
from tinygrad_dk.viz import draw_network, plot_decision_boundary, render

# --- settings ---------------------------------------------------------------------------
OUT_DIR = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("examples_out")
SEED = 0  # the starting weights; a few other seeds get stuck: a small tanh net has local minima
LR = 0.5
EPOCHS = 300

# --- the data: the whole truth table -----------------------------------------------------
X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
y = [0, 1, 1, 0]

# --- the model: 2 inputs -> 4 tanh neurons -> 1 linear output (a score) ------------------
model = MLP(2, [4, 1], activation="tanh", seed=SEED)
print(model.summary())


def report(epoch: int, model: Any, history: History) -> None:
    """A `fit` callback: print the loss and accuracy every 50 epochs."""
    if epoch % 50 == 0:
        print(f"epoch {epoch:3d}  loss {history.loss[-1]:.4f}  accuracy {history.accuracy[-1]:.0%}")


# --- training ----------------------------------------------------------------------------
# loss="bce" is the logistic loss on the raw score s: log(1 + e^s) - t * s for target t in
# {0, 1}, i.e. -log(sigmoid(s)) for class 1 and -log(1 - sigmoid(s)) for class 0. Its
# gradient with respect to s is sigmoid(s) - t: how far the predicted probability is off.
history = fit(model, X, y, loss="bce", lr=LR, epochs=EPOCHS, progress=False, callbacks=[report])

# --- the truth table ---------------------------------------------------------------------
print("\nx1  x2  | score   -> class | XOR")
for row, score, target in zip(X, scores(model, X), y, strict=True):
    print(f"{row[0]:.0f}   {row[1]:.0f}   | {score:+.3f}  -> {int(score > 0)}     |  {target}")
final = accuracy(model, X, y)
print(f"XOR accuracy: {final:.0%} ({'learned' if final == 1.0 else 'not learned'})")

# --- pictures ----------------------------------------------------------------------------
# The boundary is where the score crosses 0: two curves that fence off the class-1 corners,
# something no single line (one neuron) can do. The diagram shows the weights the hidden layer found.
OUT_DIR.mkdir(parents=True, exist_ok=True)
written = [
    plot_decision_boundary(
        model, X, y, OUT_DIR / "xor_decision_boundary.png", title=f"XOR with MLP(2, [4, 1]): accuracy {final:.0%}"
    ),
    render(draw_network(model), OUT_DIR / "xor_network.svg"),
]
for path in written:
    print(f"wrote {path}")
