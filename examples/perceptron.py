"""The perceptron: a single threshold unit that learns AND and OR, and cannot learn XOR.

Rosenblatt's perceptron has three inputs x1, x2, x3, a weight for each, a bias b and a
threshold at 0: it answers 1 when ``w1*x1 + w2*x2 + w3*x3 + b > 0`` and 0 otherwise. Its
learning rule needs no gradients: after each example it adds ``lr * (target - output)``
times the input to the weights (and ``lr * (target - output)`` to the bias), so a wrong
answer pulls the weights towards the right side and a right answer changes nothing.

What it teaches: the rule finds weights for AND and OR (a plane separates the 1s from the
0s), but for XOR (odd parity) it keeps making mistakes for ever, because no plane does.

Run it (takes about a second):

    python examples/perceptron.py [OUT_DIR]

It prints the truth tables, the learned weights and the errors per epoch, and writes a
diagram of each trained perceptron to OUT_DIR (default: ./examples_out).
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

from tinygrad_dk.nn import Perceptron
from tinygrad_dk.viz import draw_network, render

# --- settings ---------------------------------------------------------------------------
OUT_DIR = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("examples_out")
SEED = 0  # the perceptron draws its starting weights from random.Random(SEED)
LR = 0.1
EPOCHS = 20  # enough for AND and OR; XOR would never finish

# --- the data: all 8 rows of a 3-input truth table --------------------------------------
ROWS = [list(bits) for bits in itertools.product([0, 1], repeat=3)]  # 000, 001, ..., 111
TARGETS = {
    "AND": [int(all(row)) for row in ROWS],  # 1 only for 111
    "OR": [int(any(row)) for row in ROWS],  # 0 only for 000
    "XOR": [sum(row) % 2 for row in ROWS],  # 1 when an odd number of inputs is on
}


def show_table(p: Perceptron, targets: list[int]) -> None:
    """Print each row with the perceptron's weighted sum, its answer and the target."""
    print("    x1 x2 x3 | w.x + b  | output target")
    for row, target in zip(ROWS, targets, strict=True):
        total = sum(w.data * x for w, x in zip(p.w, row, strict=True)) + p.b.data
        output = p.predict(row)
        mark = "" if output == target else "   <- wrong"
        print(f"    {row[0]}  {row[1]}  {row[2]}  | {total:+.3f}   |   {output}      {target}{mark}")


def show_weights(p: Perceptron) -> None:
    """Print the learned weights and bias: the plane w.x + b = 0 that splits the cube of inputs."""
    weights = ", ".join(f"{w.label} = {w.data:+.2f}" for w in p.w)
    print(f"    weights: {weights}; bias b = {p.b.data:+.2f}")


# --- train one perceptron per function ---------------------------------------------------
OUT_DIR.mkdir(parents=True, exist_ok=True)
written: list[Path] = []
for name, targets in TARGETS.items():
    # Every perceptron starts from the same weights (same seed), so the only difference
    # between the three runs is the function they are asked to learn.
    p = Perceptron(3, lr=LR, seed=SEED)
    errors = p.fit(ROWS, targets, epochs=EPOCHS)  # mistakes per epoch; stops after a clean epoch
    learned = errors[-1] == 0
    print(f"\n{name}: {'learned' if learned else 'not learned'}", end="")
    if learned:
        print(f" in {len(errors)} epochs (errors per epoch: {errors})")
    else:
        wrong = sum(p.predict(row) != t for row, t in zip(ROWS, targets, strict=True))
        print(f": {errors[-1]} errors during epoch {len(errors)}, {wrong} wrong with the final weights")
        print(f"    errors per epoch (counted while the weights move): {errors}")
    show_table(p, targets)
    show_weights(p)
    if learned:  # a diagram of the weights that work
        written.append(render(draw_network(p), OUT_DIR / f"perceptron_{name.lower()}.svg"))

# --- why XOR fails -----------------------------------------------------------------------
# A perceptron answers 1 on one side of the plane w.x + b = 0 and 0 on the other, so it can
# only learn a function whose 1s and 0s a plane can separate ("linearly separable").
# XOR is not: look at the rows with x3 = 0. They would need
#     b <= 0            (0 0 -> 0)        w1 + b > 0   (1 0 -> 1)
#     w2 + b > 0        (0 1 -> 1)        w1 + w2 + b <= 0   (1 1 -> 0)
# Adding the two middle inequalities gives w1 + w2 + 2b > 0, so w1 + w2 + b > -b >= 0,
# which contradicts the last one. No weights exist, so every epoch has a mistake and the
# rule never settles: the weights keep moving in a cycle. (The perceptron convergence
# theorem promises an end only when a separating plane exists.) A hidden layer fixes
# this: see examples/xor.py.
print("\nWhy XOR is not learned: it is not linearly separable. With x3 = 0 the rows need b <= 0,")
print("w1 + b > 0, w2 + b > 0 and w1 + w2 + b <= 0; the middle two add up to w1 + w2 + b > -b >= 0,")
print("contradicting the last. No plane splits the 1s from the 0s, so some row is always wrong.")

# --- what was written --------------------------------------------------------------------
for path in written:
    print(f"wrote {path}")
