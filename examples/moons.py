"""micrograd's demo, unchanged in style: MLP(2, [16, 16, 1]) learns the two moons.

The training loop below uses only names that karpathy/micrograd has (``MLP``, ``Value``,
``model.parameters()``, ``model.zero_grad()``, ``loss.backward()``, ``p.data -= lr * p.grad``),
so the same function trains a micrograd model too. If micrograd is installed
(``pip install micrograd``), the script runs one step on a micrograd MLP with the same
starting weights to show that the two engines compute the same loss and gradients, and
how long each takes.

What it teaches: the whole of training is four lines: forward (scores and loss), zero the
old gradients, backward, step. The loss is micrograd's: the hinge ("max-margin") loss
``max(0, 1 - y * score)`` with labels y = -1/+1, plus an L2 penalty ``alpha * sum(p^2)``.

Run it (about ten seconds):

    python examples/moons.py [OUT_DIR]

It prints the loss and accuracy as it trains and writes the decision boundary to
OUT_DIR/moons_decision_boundary.png (default OUT_DIR: ./examples_out). micrograd's demo
uses 100 points and 100 steps; raise SAMPLES and STEPS below to match it.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from typing import Any

from tinygrad_dk.data import make_moons
from tinygrad_dk.nn import MLP
from tinygrad_dk.viz import plot_decision_boundary

# --- settings ---------------------------------------------------------------------------
OUT_DIR = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("examples_out")
SAMPLES = 60
STEPS = 25
LR_START, LR_END = 1.0, 0.1  # the learning rate falls linearly over the steps
ALPHA = 1e-4  # strength of the L2 penalty
SEED = 0  # data and starting weights: each from its own random.Random(SEED)

# --- data: two interleaving half circles ------------------------------------------------
X, labels = make_moons(SAMPLES, noise=0.1, seed=SEED)
y = [1 if label == 1 else -1 for label in labels]  # the hinge loss wants labels -1/+1

# --- the model: 2 inputs, two hidden ReLU layers of 16, one linear output (a score) ------
model = MLP(2, [16, 16, 1], seed=SEED)
print(f"{model}: {len(model.parameters())} parameters, {SAMPLES} points")


# --- one training step, written with micrograd's API only --------------------------------
def loss_and_accuracy(model: Any, X: list[list[float]], y: list[int]) -> tuple[Any, float]:
    """The mean hinge loss plus the L2 penalty over all points (one graph), and the accuracy."""
    scores = [model(x) for x in X]  # one score per point; both engines take plain numbers
    # max(0, 1 - y * score): 0 once a point is on its side of the boundary with margin 1,
    # growing linearly the further it is on the wrong side.
    margins = [(1 + -yi * score).relu() for yi, score in zip(y, scores, strict=True)]
    data_loss = sum(margins) * (1.0 / len(margins))
    # alpha * sum(p^2): its gradient 2 * alpha * p pulls every weight towards 0 a little,
    # which keeps the boundary smooth.
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    right = sum((yi > 0) == (score.data > 0) for yi, score in zip(y, scores, strict=True))
    return data_loss + reg_loss, right / len(y)


def train_step(model: Any, X: list[list[float]], y: list[int], lr: float) -> tuple[float, float]:
    """Forward, zero_grad, backward, update: one step of full-batch gradient descent."""
    loss, accuracy = loss_and_accuracy(model, X, y)
    model.zero_grad()  # gradients add up over backward() calls: clear the last step's
    loss.backward()  # d loss / d p for every parameter p, by the chain rule
    for p in model.parameters():
        p.data -= lr * p.grad  # a small step downhill
    return loss.data, accuracy


# --- micrograd itself, one step from the same starting weights (only if installed) -------
if importlib.util.find_spec("micrograd") is not None:
    from micrograd import nn as micrograd_nn

    theirs = micrograd_nn.MLP(2, [16, 16, 1])  # it draws weights from the global random module...
    for mine, other in zip(model.parameters(), theirs.parameters(), strict=True):
        other.data = mine.data  # ...which we overwrite: same order, so the same network as ours
    start = time.perf_counter()
    their_loss, _ = train_step(theirs, X, y, LR_START)
    their_seconds = time.perf_counter() - start
    start = time.perf_counter()
    our_loss, _ = train_step(model, X, y, LR_START)
    our_seconds = time.perf_counter() - start
    largest = max(
        abs(mine.grad - other.grad) for mine, other in zip(model.parameters(), theirs.parameters(), strict=True)
    )
    print(
        f"micrograd, same weights, one step: same loss {their_loss == our_loss} ({their_loss:.6f}), "
        f"largest gradient difference {largest:.1e}"
    )
    print(
        f"    one step took {their_seconds:.2f} s in micrograd and {our_seconds:.2f} s here "
        f"({their_seconds / our_seconds:.1f} times faster)"
    )
    first_step = 1  # our model has made its first step
else:
    print("(micrograd is not installed: pip install micrograd to compare one step with it)")
    first_step = 0

# --- the training loop -------------------------------------------------------------------
start = time.perf_counter()
for k in range(first_step, STEPS):
    lr = LR_START - (LR_START - LR_END) * k / STEPS
    loss, accuracy = train_step(model, X, y, lr)
    if k % 5 == 0:
        print(f"step {k:3d}  lr {lr:.2f}  loss {loss:.4f}  accuracy {accuracy:.1%}")
final_loss, final_accuracy = loss_and_accuracy(model, X, y)  # after the last update
print(
    f"final: loss {final_loss.data:.4f}, accuracy {final_accuracy:.1%} "
    f"({STEPS - first_step} steps in {time.perf_counter() - start:.1f} s)"
)

# --- the decision boundary: the model's score over the plane, the points on top ----------
OUT_DIR.mkdir(parents=True, exist_ok=True)
path = plot_decision_boundary(
    model,
    X,
    labels,
    OUT_DIR / "moons_decision_boundary.png",
    title=f"MLP(2, [16, 16, 1]) on two moons: accuracy {final_accuracy:.1%}",
)
print(f"wrote {path}")
