"""Hypothesis strategies that build random `Value` graphs, for property-testing your own code.

An `Expr` is a small random program over some input numbers: each step applies one op to
earlier results, which may be reused (fan-out, diamonds) or chained deep. Call it on a list
of Values to build the graph, or hand it straight to `gradcheck`::

    from hypothesis import given
    from tinygrad_dk import gradcheck
    from tinygrad_dk.testing import exprs

    @given(exprs())
    def test_my_gradients(expr):
        assert gradcheck(expr, expr.inputs)

The steps use only operations that `Value` and `torch.Tensor` share, so the same `Expr`
can build a PyTorch graph for a reference check. Needs ``pip install hypothesis``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tinygrad_dk.engine import Value, topological_order

try:
    from hypothesis import assume
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError("tinygrad_dk.testing needs Hypothesis: pip install 'tinygrad-dk[testing]'") from error

MAX_MAGNITUDE = 1e6  # exprs() keeps every node's value below this, so finite differences stay meaningful

# Smooth steps only, so finite differences are exact enough everywhere on their domain.
UNARY: dict[str, Callable[[Any], Any]] = {
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "sin": lambda a: a.sin(),
    "cos": lambda a: a.cos(),
    "square": lambda a: a**2,
    "cube": lambda a: a**3,
    "scale": lambda a: a * 0.7,
    "shift": lambda a: a + 0.5,
    "exp_tanh": lambda a: a.tanh().exp(),  # exp of a bounded input: never overflows
}
BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "sub": lambda a, b: a - b,
    "div_safe": lambda a, b: a / (b * b + 1.0),  # never divides by zero
}


@dataclass(frozen=True)
class Expr:
    """A random expression: ``steps`` over ``inputs``; each step reads earlier results by index."""

    inputs: tuple[float, ...]
    steps: tuple[tuple[str, int, int], ...]  # (op, index of a, index of b; -1 for unary)

    def __call__(self, xs: Sequence[Any]) -> Any:
        """Build the expression on ``xs`` (Values, or torch tensors); return its last result."""
        nodes = list(xs)
        for name, i, j in self.steps:
            nodes.append(UNARY[name](nodes[i]) if j < 0 else BINARY[name](nodes[i], nodes[j]))
        return nodes[-1]

    def __repr__(self) -> str:
        names = [f"x{i}" for i in range(len(self.inputs))]
        for name, i, j in self.steps:
            names.append(f"{name}({names[i]})" if j < 0 else f"{name}({names[i]}, {names[j]})")
        return f"Expr({names[-1]} at {list(self.inputs)})"


def well_scaled(lo: float = -2.0, hi: float = 2.0) -> st.SearchStrategy[float]:
    """Floats in ``[lo, hi]`` with no NaN or infinity, where finite differences behave."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


@st.composite
def exprs(draw: st.DrawFn, max_inputs: int = 4, max_steps: int = 12, reuse: bool = True) -> Expr:
    """Random expressions with reuse: a step may read any earlier result, so diamonds form."""
    inputs = tuple(draw(st.lists(well_scaled(), min_size=1, max_size=max_inputs)))
    steps: list[tuple[str, int, int]] = []
    for k in range(draw(st.integers(1, max_steps))):
        available = len(inputs) + k
        # without reuse each step reads the latest result, making a chain
        pick = st.integers(0, available - 1) if reuse else st.just(available - 1)
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(sorted(UNARY))), draw(pick), -1))
        else:
            steps.append((draw(st.sampled_from(sorted(BINARY))), draw(pick), draw(pick)))
    expr = Expr(inputs, tuple(steps))
    # Squares and products chained on |x| > 1 can overflow, and a bounded step after a huge one
    # (cos(x ** 27)) has a derivative that finite differences cannot follow; such graphs test
    # overflow, not gradients, so they are rejected (rarely: most steps keep values small).
    nodes = topological_order(expr([Value(x) for x in inputs]))
    assume(all(math.isfinite(node.data) and abs(node.data) < MAX_MAGNITUDE for node in nodes))
    return expr


@st.composite
def chains(draw: st.DrawFn, min_depth: int = 50, max_depth: int = 500) -> Expr:
    """Deep chains of smooth unary steps on one input."""
    depth = draw(st.integers(min_depth, max_depth))
    ops = draw(st.lists(st.sampled_from(("tanh", "sin", "scale", "shift")), min_size=depth, max_size=depth))
    return Expr((draw(well_scaled()),), tuple((name, k, -1) for k, name in enumerate(ops)))
