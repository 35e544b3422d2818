"""Activation functions and their derivatives, the derivatives taken by the engine's backward().

A neuron computes a weighted sum and passes it through an activation function f. Training
needs f'(x) at every neuron, and the engine gets it from one row of its op table: the
local derivative, stored when the op runs and multiplied in by ``backward()``. This script
asks the engine for f(x) and f'(x) at a few points, sets them beside the textbook
formulas, and draws all six functions with their derivatives.

What it teaches: the shapes (step, sigmoid, tanh, ReLU, leaky ReLU, softplus), the
derivative formulas (sigmoid' = s(1 - s), tanh' = 1 - tanh^2, ...) and the choices at the
kinks (ReLU'(0) = 0 and step' = 0 everywhere, as in PyTorch).

Run it (a few seconds):

    python examples/activations.py [OUT_DIR]

It prints the table and writes activations.png to OUT_DIR (default: ./examples_out).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path

from tinygrad_dk import Value
from tinygrad_dk.viz import plot_activations

# --- settings ---------------------------------------------------------------------------
OUT_DIR = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("examples_out")
POINTS = [-2.0, -1.0, 0.0, 1.0, 2.0]  # 0 shows what the engine does at a kink
SLOPE = 0.1  # leaky ReLU's slope for x < 0 (the engine's default is 0.01)


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x), for the formulas below."""
    return 1.0 / (1.0 + math.exp(-x))


def row(first: str, cells: list[str]) -> str:
    """One line of the table: the first column, then a 17-wide column per point."""
    return (f"{first:<11}" + "".join(f"  {cell:<17}" for cell in cells)).rstrip()


# --- the activations: (name, f as engine ops, f' by the textbook formula) -----------------
# The formulas are written out by hand so the engine's numbers can be checked against them.
ACTIVATIONS: list[tuple[str, Callable[[Value], Value], Callable[[float], float]]] = [
    # step: 1 if x > 0 else 0. Flat on both sides, so f' = 0 (and undefined at 0: the engine
    # says 0). A zero gradient teaches nothing, which is why networks moved to smooth units.
    ("step", lambda v: v.step(), lambda x: 0.0),
    # sigmoid s(x) = 1 / (1 + e^-x): s'(x) = e^-x / (1 + e^-x)^2 = s(x) * (1 - s(x)), at most 1/4.
    ("sigmoid", lambda v: v.sigmoid(), lambda x: sigmoid(x) * (1.0 - sigmoid(x))),
    # tanh(x) = 2 s(2x) - 1: tanh'(x) = 1 - tanh(x)^2, at most 1.
    ("tanh", lambda v: v.tanh(), lambda x: 1.0 - math.tanh(x) ** 2),
    # ReLU max(0, x): 1 for x > 0, 0 for x < 0; at the kink the engine picks 0, as PyTorch does.
    ("relu", lambda v: v.relu(), lambda x: 1.0 if x > 0 else 0.0),
    # leaky ReLU: x for x > 0 else SLOPE * x, so negative inputs still get a small gradient.
    ("leaky_relu", lambda v: v.leaky_relu(SLOPE), lambda x: 1.0 if x > 0 else SLOPE),
    # softplus log(1 + e^x), a smooth ReLU: its derivative is e^x / (1 + e^x) = sigmoid(x).
    ("softplus", lambda v: v.softplus(), sigmoid),
]

# --- ask the engine: one small graph and one backward() per point -------------------------
# For a leaf x and out = f(x), backward() sets x.grad = d out / d x = f'(x): the local
# derivative on the single edge from out to x.
print(row("", [f"x = {x:+.0f}" for x in POINTS]))
print(row("activation", ["f(x), f'(x)"] * len(POINTS)))
largest = 0.0
for name, f, formula in ACTIVATIONS:
    cells = []
    for x in POINTS:
        leaf = Value(x, "x")
        out = f(leaf)
        out.backward()
        largest = max(largest, abs(leaf.grad - formula(x)))
        cells.append(f"{out.data:+.3f}, {leaf.grad:+.3f}")
    print(row(name, cells))
print(f"\nlargest difference between backward() and the formulas: {largest:.1e}")
print("Note the kinks: relu'(0) = 0 and step'(x) = 0 everywhere (no gradient flows through a step).")

# --- the picture: every function with its derivative --------------------------------------
OUT_DIR.mkdir(parents=True, exist_ok=True)
path = plot_activations(OUT_DIR / "activations.png")
print(f"wrote {path}")
