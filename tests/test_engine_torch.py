"""PyTorch (float64) as the reference: every op row at random points, including the kinks
where a convention decides, and random expression graphs, forward values and gradients.

Skipped without PyTorch on a developer's machine; a failure in CI (tests/support.py)."""

from __future__ import annotations

import math
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import micrograd_readme_expression, need_module

from tinygrad_dk.engine import OPS, Value
from tinygrad_dk.testing import Expr, exprs, well_scaled

REL = 1e-9  # both sides compute in float64; only the order of rounding differs
ABS = 1e-12


@pytest.fixture(scope="module")
def torch() -> ModuleType:
    """The torch module, or a skip (a failure in CI)."""
    return need_module("torch")


def positive(hi: float) -> st.SearchStrategy[float]:
    """Floats in (0, hi]."""
    return st.floats(0.0, hi, exclude_min=True, allow_nan=False)


def with_zero(xs: st.SearchStrategy[float]) -> st.SearchStrategy[float]:
    """``xs``, with exactly 0.0 drawn often: the kink where a convention decides the derivative."""
    return st.one_of(st.just(0.0), xs)


def alone(xs: st.SearchStrategy[float]) -> st.SearchStrategy[tuple[float, Any]]:
    """(a, None) for a unary op without a constant."""
    return st.tuples(xs, st.none())


X = well_scaled(-4.0, 4.0)
ANY = st.floats(allow_nan=False, allow_infinity=False)  # from 5e-324 to 1.8e308
BASE = with_zero(positive(4.0))  # a Value exponent needs a base >= 0
NO_POLE: Callable[[tuple[float, float]], bool] = lambda ab: ab[0] != 0 or ab[1] >= 0  # noqa: E731

# name -> (points (a, b), torch counterpart of the row: f(torch, a, b) with b a tensor or the op's constant)
TORCH: dict[str, tuple[st.SearchStrategy[tuple[float, Any]], Callable[[Any, Any, Any], Any]]] = {
    "add": (st.tuples(X, X), lambda torch, a, b: a + b),
    "mul": (st.tuples(X, X), lambda torch, a, b: a * b),
    # and over the whole float range, where a * b**-1 would overflow or underflow
    "div": (st.tuples(st.one_of(X, ANY), st.one_of(X, ANY)).filter(lambda ab: ab[1] != 0), lambda torch, a, b: a / b),
    "max": (st.tuples(with_zero(X), with_zero(X)), lambda torch, a, b: torch.maximum(a, b)),  # ties: 1/2 each
    "pow": (st.tuples(BASE, with_zero(well_scaled(-3.0, 3.0))).filter(NO_POLE), lambda torch, a, b: torch.pow(a, b)),
    "addk": (st.tuples(X, X), lambda torch, a, k: a + k),
    "mulk": (st.tuples(X, X), lambda torch, a, k: a * k),
    "divk": (st.tuples(st.one_of(X, ANY), st.one_of(X, ANY)).filter(lambda ak: ak[1] != 0), lambda torch, a, k: a / k),
    "powk": (
        st.one_of(
            st.tuples(BASE, well_scaled(-3.0, 3.0)),
            st.tuples(with_zero(X), st.integers(-3, 3).map(float)),
            st.tuples(st.just(0.0), st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0])),
        ).filter(NO_POLE),
        lambda torch, a, k: a**k,
    ),
    "exp": (alone(well_scaled(-30.0, 30.0)), lambda torch, a, _: torch.exp(a)),
    "log": (alone(positive(100.0)), lambda torch, a, _: torch.log(a)),
    "sqrt": (alone(with_zero(positive(100.0))), lambda torch, a, _: torch.sqrt(a)),
    "abs": (alone(with_zero(X)), lambda torch, a, _: torch.abs(a)),
    "tanh": (alone(well_scaled(-20.0, 20.0)), lambda torch, a, _: torch.tanh(a)),
    "sigmoid": (alone(well_scaled(-60.0, 60.0)), lambda torch, a, _: torch.sigmoid(a)),
    "relu": (alone(with_zero(X)), lambda torch, a, _: torch.relu(a)),
    "leaky_relu": (
        st.tuples(with_zero(X), well_scaled(0.0, 1.0)),
        lambda torch, a, s: torch.nn.functional.leaky_relu(a, s),
    ),
    # PyTorch's default threshold=20 returns x itself above 20, an approximation of about 2e-9
    # relative; a threshold beyond the drawn points compares the exact function
    "softplus": (alone(well_scaled(-60.0, 60.0)), lambda torch, a, _: torch.nn.functional.softplus(a, threshold=100.0)),
    "sin": (alone(well_scaled(-20.0, 20.0)), lambda torch, a, _: torch.sin(a)),
    "cos": (alone(well_scaled(-20.0, 20.0)), lambda torch, a, _: torch.cos(a)),
    "step": (alone(with_zero(X)), lambda torch, a, _: torch.heaviside(a, torch.zeros_like(a))),
}
NO_TORCH_DERIVATIVE = {"step"}  # "derivative for aten::heaviside is not implemented"; ours is 0


def close(ours: float, theirs: float) -> bool:
    """Equal to REL relative (or ABS absolute); infinities must match exactly."""
    return math.isclose(ours, theirs, rel_tol=REL, abs_tol=ABS)


def test_every_row_has_a_torch_counterpart() -> None:
    assert sorted(TORCH) == sorted(OPS)


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_row_matches_torch(torch: ModuleType, name: str, data: st.DataObject) -> None:
    if name not in TORCH:
        pytest.fail(f"OPS row {name!r} has no PyTorch counterpart in TORCH (tests/test_engine_torch.py): add one")
    points, counterpart = TORCH[name]
    a, b = data.draw(points, label="a, b")
    row = OPS[name]
    # ours, through the engine's table
    out = row.forward(a, b)
    local = row.local(a, b, out)
    # theirs
    ta = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b, dtype=torch.float64, requires_grad=True) if row.arity == 2 else b
    t_out = counterpart(torch, ta, tb)
    assert close(out, t_out.item()), f"forward: ours {out!r}, torch {t_out.item()!r}"
    if name in NO_TORCH_DERIVATIVE:
        assert local == (0.0,)
        return
    t_out.backward()
    theirs = [ta.grad.item()] + ([tb.grad.item()] if row.arity == 2 else [])
    for i, (mine, reference) in enumerate(zip(local, theirs, strict=True)):
        assert close(mine, reference), f"d out / d input {i}: ours {mine!r}, torch {reference!r}"


@given(exprs())
def test_random_graphs_match_torch(torch: ModuleType, expr: Expr) -> None:
    xs = [Value(x) for x in expr.inputs]
    out = expr(xs)
    out.backward()
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in expr.inputs]
    t_out = expr(ts)
    t_out.backward()
    assert close(out.data, t_out.item()), f"forward: ours {out.data!r}, torch {t_out.item()!r}"
    for i, (x, t) in enumerate(zip(xs, ts, strict=True)):
        reference = 0.0 if t.grad is None else t.grad.item()  # an input the result does not use
        assert close(x.grad, reference), f"d out / d x{i}: ours {x.grad!r}, torch {reference!r}"


def test_micrograd_readme_example_matches_torch(torch: ModuleType) -> None:
    build = micrograd_readme_expression
    a, b = Value(-4.0), Value(2.0)
    g = build(a, b)
    g.backward()
    ta = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    tg = build(ta, tb)
    tg.backward()
    assert close(g.data, tg.item())
    assert close(a.grad, ta.grad.item()) and close(b.grad, tb.grad.item())
