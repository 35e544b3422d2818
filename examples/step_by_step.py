"""Backpropagation worked step by step: the classic 2-2-2 sigmoid network, one update.

The textbook example: inputs 0.05 and 0.10, targets 0.01 and 0.99, weights w1..w8 =
0.15, 0.20, ..., 0.55, biases 0.35 (hidden) and 0.60 (output), error
E = 1/2 * sum (target - out)^2 and learning rate 0.5. `tinygrad_dk.explain.worked_example`
runs it through the engine; this script walks through what it found, in the order a
textbook does: forward pass, error, chain rule for each weight, update.

What it teaches: a weight's gradient is a product of local derivatives (the chain rule),
``dE/dw5 = dE/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5``, and a hidden weight collects the
error through every output it feeds. The engine stores each local derivative on an edge
of the graph; multiplying them along the paths gives exactly what backward() computes.

Run it (a few seconds):

    python examples/step_by_step.py [OUT_DIR]

It prints the steps and writes the network before (with gradients) and after the update
as SVG diagrams to OUT_DIR (default: ./examples_out). ``tinygrad-dk explain`` prints the
whole derivation, every weight in full.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from tinygrad_dk.explain import draw_worked_example, worked_example

# --- settings ---------------------------------------------------------------------------
OUT_DIR = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("examples_out")

example = worked_example()  # no randomness: every number is fixed by the textbook

# --- 1. forward pass ---------------------------------------------------------------------
# Each neuron: net = sum of weight * input + bias, then out = sigmoid(net) = 1 / (1 + e^-net).
print("1. Forward pass")
for n in example.neurons:
    terms = " + ".join(f"{w:.2f} * {x:.9g}" for (_, w), (_, x) in zip(n.weights, n.inputs, strict=True))
    print(f"   net_{n.name} = {terms} + {n.bias[1]:.2f} = {n.net:.9f}")
    print(f"   out_{n.name} = sigmoid({n.net:.9f}) = {n.out:.9f}")

# --- 2. error ----------------------------------------------------------------------------
# E_total = 1/2 (t_o1 - out_o1)^2 + 1/2 (t_o2 - out_o2)^2. The 1/2 cancels the 2 of the square
# in the derivative, so dE/dout = out - target.
print("\n2. Error")
for e in example.errors:
    print(f"   E_{e.name} = 1/2 * ({e.target} - {e.out:.9f})^2 = {e.error:.9f}")
print(f"   E_total = {example.total_error:.9f}")

# --- 3. backward pass: the chain rule for w5, factor by factor ---------------------------
# w5 connects h1 to o1, so it reaches E_total along one path: w5 -> net_o1 -> out_o1 -> E.
# The three factors, read off the graph's edges, and the same factors by the textbook's
# formulas, computed here by hand from the forward pass:
#     dE_total/dout_o1  = out_o1 - target_o1
#     dout_o1/dnet_o1   = out_o1 * (1 - out_o1)          (the sigmoid's derivative)
#     dnet_o1/dw5       = out_h1                          (net_o1 = w5 * out_h1 + ...)
print("\n3. Backward pass, w5 in full")
w5 = example.weight("w5")
out = {n.name: n.out for n in example.neurons}
target_o1 = example.sample.targets[0]
by_hand = (out["o1"] - target_o1, out["o1"] * (1.0 - out["o1"]), out["h1"])
for factor, formula in zip(w5.factors, by_hand, strict=True):
    print(f"   {factor.name:<20} from the graph's edges {factor.value:+.9f}, by the formula {formula:+.9f}")
print(f"   dE_total/dw5 = product of the three = {w5.grad:.9f}; backward() says {w5.engine_grad:.9f}")

# A hidden weight such as w1 (i1 -> h1) reaches E_total through both outputs, so its first
# factor is a sum: dE_total/dout_h1 = dE_o1/dout_h1 + dE_o2/dout_h1.
w1 = example.weight("w1")
shares = " + ".join(f"{term.value:+.9f} ({term.output})" for term in w1.through)
print(f"   for w1: dE_total/dout_h1 = {shares} = {w1.factors[0].value:+.9f}")

# Every weight: the product of its factors against backward()'s .grad.
print("\n   weight   dE_total/dw (chain)   .grad (backward)")
agree = True
for step in sorted(example.weights, key=lambda s: s.name):
    agree = agree and math.isclose(step.grad, step.engine_grad, rel_tol=1e-12, abs_tol=1e-15)
    print(f"   {step.name:<8} {step.grad:+.12f}      {step.engine_grad:+.12f}")
print(f"   the chain rule products agree with backward(): {agree}")

# --- 4. the update -----------------------------------------------------------------------
# Gradient descent moves each weight against its gradient: w <- w - lr * dE/dw, all at once
# (every gradient was taken at the old weights). As in the textbook, the biases stay put.
print(f"\n4. Update with lr = {example.lr}")
for step in sorted(example.weights, key=lambda s: s.name):
    print(f"   {step.name}: {step.before:.2f} - {example.lr} * ({step.grad:+.9f}) = {step.after:.8f}")
print(f"   E_total before {example.total_error:.9f}, after one update {example.total_error_after:.9f}")

# --- pictures: the network before (weights and gradients) and after ----------------------
OUT_DIR.mkdir(parents=True, exist_ok=True)
for path in draw_worked_example(example, OUT_DIR):
    print(f"wrote {path}")
