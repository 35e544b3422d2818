"""Tests that prove the engine: the op table against central differences, every operator
against hand derivatives, graph shapes (reuse, diamonds, a million-node chain), accumulation,
subgradient conventions, numerical limits, error messages and the plain-number behaviour."""

from __future__ import annotations

import gc
import math
import operator
import re
import sys
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from support import micrograd_readme_expression

from tinygrad_dk import gradcheck
from tinygrad_dk.engine import OPS, Value, topological_order
from tinygrad_dk.testing import Expr, chains, exprs, well_scaled

# --- the op table, row by row -------------------------------------------------------------

STEP = 1e-7  # central-difference step
AWAY = 1e-3  # how far from a kink or a pole a point must be for central differences to hold


def positive(hi: float) -> st.SearchStrategy[float]:
    """Floats in (0, hi]: the domain of log, and of a pow base."""
    return st.floats(0.0, hi, exclude_min=True, allow_nan=False)


def alone(xs: st.SearchStrategy[float]) -> st.SearchStrategy[tuple[float, Any]]:
    """(a, None) for a unary op without a constant."""
    return st.tuples(xs, st.none())


@dataclass(frozen=True)
class Spec:
    """How to test one row of `OPS`."""

    args: st.SearchStrategy[tuple[float, Any]]  # (a, b): b is the second input or the op's constant
    build: Callable[[Value, Any], Value]  # the public method that must make this row's node
    reference: Callable[[float, Any], float]  # the textbook formula, written independently of the engine
    singular: tuple[float, ...] = ()  # kinks and poles of the first input


X = well_scaled(-4.0, 4.0)
INTEGER_POW = st.tuples(X, st.integers(-3, 3).map(float)).filter(lambda ak: ak[0] != 0 or ak[1] >= 0)

SPECS: dict[str, Spec] = {
    "add": Spec(st.tuples(X, X), lambda x, y: x + y, lambda a, b: a + b),
    "mul": Spec(st.tuples(X, X), lambda x, y: x * y, lambda a, b: a * b),
    "div": Spec(st.tuples(X, X).filter(lambda ab: abs(ab[1]) >= AWAY), lambda x, y: x / y, lambda a, b: a / b),
    "max": Spec(  # the kink is where a = b
        st.tuples(X, X).filter(lambda ab: abs(ab[0] - ab[1]) >= AWAY),
        lambda x, y: x.maximum(y),
        lambda a, b: float(np.maximum(a, b)),
    ),
    "pow": Spec(
        st.tuples(positive(4.0), well_scaled(-3.0, 3.0)),
        lambda x, y: x**y,
        lambda a, b: float(np.power(a, b)),
        singular=(0.0,),
    ),
    "addk": Spec(st.tuples(X, X), lambda x, k: x + k, lambda a, k: a + k),
    "mulk": Spec(st.tuples(X, X), lambda x, k: x * k, lambda a, k: a * k),
    "divk": Spec(st.tuples(X, X.filter(lambda k: abs(k) >= AWAY)), lambda x, k: x / k, lambda a, k: a / k),
    "powk": Spec(
        st.one_of(st.tuples(positive(4.0), well_scaled(-3.0, 3.0)), INTEGER_POW),
        lambda x, k: x**k,
        lambda a, k: float(np.power(a, k)),
        singular=(0.0,),
    ),
    "exp": Spec(alone(well_scaled(-10.0, 10.0)), lambda x, _: x.exp(), lambda a, _: float(np.exp(a))),
    "log": Spec(alone(positive(10.0)), lambda x, _: x.log(), lambda a, _: float(np.log(a)), singular=(0.0,)),
    "sqrt": Spec(alone(well_scaled(0.0, 10.0)), lambda x, _: x.sqrt(), lambda a, _: float(np.sqrt(a)), singular=(0.0,)),
    "abs": Spec(alone(X), lambda x, _: abs(x), lambda a, _: float(np.abs(a)), singular=(0.0,)),
    "tanh": Spec(
        alone(well_scaled(-6.0, 6.0)), lambda x, _: x.tanh(), lambda a, _: (math.exp(2 * a) - 1) / (math.exp(2 * a) + 1)
    ),
    "sigmoid": Spec(alone(well_scaled(-6.0, 6.0)), lambda x, _: x.sigmoid(), lambda a, _: 1 / (1 + math.exp(-a))),
    "relu": Spec(alone(X), lambda x, _: x.relu(), lambda a, _: max(a, 0.0), singular=(0.0,)),
    "leaky_relu": Spec(
        st.tuples(X, well_scaled(-1.0, 1.0)),
        lambda x, s: x.leaky_relu(s),
        lambda a, s: a if a >= 0 else s * a,
        singular=(0.0,),
    ),
    "softplus": Spec(alone(well_scaled(-6.0, 6.0)), lambda x, _: x.softplus(), lambda a, _: math.log(1 + math.exp(a))),
    "sin": Spec(alone(well_scaled(-10.0, 10.0)), lambda x, _: x.sin(), lambda a, _: float(np.sin(a))),
    "cos": Spec(alone(well_scaled(-10.0, 10.0)), lambda x, _: x.cos(), lambda a, _: float(np.cos(a))),
    "step": Spec(alone(X), lambda x, _: x.step(), lambda a, _: float(np.heaviside(a, 0.0)), singular=(0.0,)),
}


def spec_for(name: str) -> Spec:
    """The test spec of row ``name``; a row nobody wrote a spec for fails, it is never skipped."""
    if name not in SPECS:
        pytest.fail(
            f"OPS row {name!r} has no entry in SPECS (tests/test_engine.py): add its domain, "
            "method and reference formula so that it is tested"
        )
    return SPECS[name]


def central_difference(f: Callable[[float], float], x: float) -> float:
    """(f(x + h) - f(x - h)) / 2h, dividing by the step actually taken after rounding."""
    hi, lo = x + STEP, x - STEP
    return (f(hi) - f(lo)) / (hi - lo)


def same(xs: tuple[float, ...], ys: tuple[float, ...]) -> bool:
    """Equal, element by element, with NaN equal to NaN."""
    return len(xs) == len(ys) and all(x == y or (math.isnan(x) and math.isnan(y)) for x, y in zip(xs, ys, strict=True))


def test_every_row_has_a_spec_and_every_spec_a_row() -> None:
    assert sorted(SPECS) == sorted(OPS)


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_row_local_derivatives_match_central_differences(name: str, data: st.DataObject) -> None:
    spec, row = spec_for(name), OPS[name]
    a, b = data.draw(spec.args, label="a, b")
    assume(all(abs(a - point) >= AWAY for point in spec.singular))
    local = row.local(a, b, row.forward(a, b))
    numeric = [central_difference(lambda t: row.forward(t, b), a)]
    if row.arity == 2:
        numeric.append(central_difference(lambda t: row.forward(a, t), b))
    assert len(local) == row.arity
    for analytic, approximate in zip(local, numeric, strict=True):
        assert analytic == pytest.approx(approximate, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_method_makes_the_row_and_backward_applies_it(name: str, data: st.DataObject) -> None:
    spec, row = spec_for(name), OPS[name]
    a, b = data.draw(spec.args, label="a, b")
    x = Value(a)
    other = Value(b) if row.arity == 2 else b
    out = spec.build(x, other)
    # the node: made by this row, from these operands, with the row's own numbers
    assert out.op == name
    assert out.children == ((x, other) if row.arity == 2 else (x,))
    assert out.arg == (None if row.arity == 2 else b)
    assert type(out.data) is float
    assert out.data == row.forward(a, b)
    with np.errstate(all="ignore"):
        assert out.data == pytest.approx(spec.reference(a, b), rel=1e-12, abs=1e-12)
    if math.isfinite(out.data):  # a finite result has derivatives, possibly infinite, never NaN
        assert not any(math.isnan(g) for g in out.local_grads), f"NaN derivative: {out.local_grads}"
    assert same(out.local_grads, row.local(a, b, out.data))
    # backward sends each local derivative to its child
    out.backward()
    grads = (x.grad, other.grad) if row.arity == 2 else (x.grad,)
    assert same(grads, out.local_grads)


# --- building Values ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "stored"),
    [
        (3, 3.0),
        (-2.5, -2.5),
        (True, 1.0),
        (False, 0.0),
        (np.float32(0.5), 0.5),
        (np.float64(-1.25), -1.25),
        (np.int64(7), 7.0),
        (np.bool_(True), 1.0),
        (Fraction(1, 4), 0.25),
    ],
    ids=["int", "float", "True", "False", "np.float32", "np.float64", "np.int64", "np.bool_", "Fraction"],
)
def test_value_stores_numbers_as_float(data: Any, stored: float) -> None:
    v = Value(data)
    assert type(v.data) is float
    assert v.data == stored


@pytest.mark.parametrize(
    "number", [3, np.float64(0.5), np.int64(2), Fraction(1, 2)], ids=["int", "np.float64", "np.int64", "Fraction"]
)
def test_an_op_stores_a_float_even_from_a_leaf_set_to_another_number(number: Any) -> None:
    w = Value(1.0)
    w.data = number  # as a user might, after building the leaf
    for node in (w * w, w + 1, (w * 2.0).relu(), w**2):
        assert type(node.data) is float and node.data == float(node.data)


@pytest.mark.parametrize(
    ("data", "type_name"),
    [
        ("a", "str"),
        (None, "NoneType"),
        ([1.0], "list"),
        (1 + 2j, "complex"),
        (Value(1.0), "Value"),
        (np.complex128(1 + 2j), "complex128"),  # float() of it would silently drop the imaginary part
        (np.str_("1.5"), "str_"),  # a string, even if numpy's
    ],
    ids=["str", "None", "list", "complex", "Value", "np.complex128", "np.str_"],
)
def test_value_rejects_non_numbers_naming_the_type(data: Any, type_name: str) -> None:
    with pytest.raises(TypeError, match=rf"Value data must be an int, float, bool or numpy scalar, not {type_name}\b"):
        Value(data)


def test_a_leaf_has_data_zero_grad_label_and_no_op() -> None:
    v = Value(2.0, label="w")
    assert (v.data, v.grad, v.label, v.op, v.arg, v.children, v.local_grads) == (2.0, 0.0, "w", "", None, (), ())
    assert (v._prev, v._op) == (set(), "")
    assert Value(1.0).label == ""


def test_a_node_stores_its_op_children_and_local_derivatives() -> None:
    x, y = Value(3.0), Value(-2.0)
    z = x * y
    assert (z.data, z.op, z.arg) == (-6.0, "mul", None)
    assert z.children == (x, y) and z.children[0] is x and z.children[1] is y
    assert z.local_grads == (-2.0, 3.0)  # d(xy)/dx = y, d(xy)/dy = x
    assert z._prev == {x, y} and z._op == "*"  # micrograd's names: a set, and its symbol


@pytest.mark.parametrize(
    ("build", "op", "arg"),
    [
        (lambda x: x * 2.0, "mulk", 2.0),
        (lambda x: 2.0 * x, "mulk", 2.0),
        (lambda x: x + 1, "addk", 1.0),
        (lambda x: 1 + x, "addk", 1.0),
        (lambda x: x**2, "powk", 2.0),
        (lambda x: -x, "mulk", -1.0),
        (lambda x: x / 4, "divk", 4.0),
        (lambda x: np.float64(3.0) * x, "mulk", 3.0),
    ],
    ids=["x * 2.0", "2.0 * x", "x + 1", "1 + x", "x ** 2", "-x", "x / 4", "np.float64 * x"],
)
def test_a_plain_number_is_the_ops_constant_not_a_leaf(build: Callable[[Value], Value], op: str, arg: float) -> None:
    x = Value(1.5)
    out = build(x)
    assert isinstance(out, Value)
    assert (out.op, out.arg, out.children) == (op, arg, (x,))


def test_subtraction_is_a_composition_and_division_a_row() -> None:
    x, y = Value(6.0), Value(2.0)
    d = x - y  # x + y * -1
    assert d.op == "add" and d.children[0] is x
    assert (d.children[1].op, d.children[1].arg, d.children[1].children) == ("mulk", -1.0, (y,))
    q = x / y  # one node: x * y ** -1 would overflow or lose precision at the edges of the float range
    assert (q.op, q.children, q.local_grads) == ("div", (x, y), (0.5, -1.5))  # 1 / y, -x / y**2
    r = 3 / y  # the dividend becomes a leaf, as the base of 2 ** y does
    assert (r.op, r.children[0].data, r.children[0].op, r.children[1]) == ("div", 3.0, "", y)
    assert (d.data, q.data, r.data) == (4.0, 3.0, 1.5)


@pytest.mark.parametrize(
    ("build", "a", "expected"),
    [
        (lambda x: x.exp(), 1.0, (math.e,)),
        (lambda x: x.log(), 4.0, (0.25,)),
        (lambda x: x.sqrt(), 9.0, (1 / 6,)),
        (lambda x: x**3, 2.0, (12.0,)),
        (lambda x: x.tanh(), 0.5, (4 / (math.exp(0.5) + math.exp(-0.5)) ** 2,)),  # sech^2
        (lambda x: x.sigmoid(), 0.0, (0.25,)),
        (lambda x: x.softplus(), 0.0, (0.5,)),
        (lambda x: x.sin(), math.pi / 3, (0.5,)),
        (lambda x: x.cos(), math.pi / 6, (-0.5,)),
        (lambda x: abs(x), -3.0, (-1.0,)),
        (lambda x: x.leaky_relu(0.1), -2.0, (0.1,)),
        (lambda x: x * 2.5, 7.0, (2.5,)),
    ],
    ids=["exp", "log", "sqrt", "x**3", "tanh", "sigmoid", "softplus", "sin", "cos", "abs", "leaky_relu", "x*2.5"],
)
def test_local_grads_by_hand(build: Callable[[Value], Value], a: float, expected: tuple[float, ...]) -> None:
    assert build(Value(a)).local_grads == pytest.approx(expected, rel=1e-15, abs=1e-15)


def test_value_exponent_local_grads_by_hand() -> None:
    a, b = Value(2.0), Value(3.0)
    out = a**b
    assert out.data == 8.0
    assert out.local_grads == pytest.approx((12.0, 8.0 * math.log(2.0)), rel=1e-15)  # b a^(b-1), a^b ln a
    x = Value(2.0)
    y = x**x  # one pow node with x on both edges: d/dx = x x^(x-1) + x^x ln x
    assert y.children == (x, x)
    y.backward()
    assert x.grad == pytest.approx(4.0 + 4.0 * math.log(2.0), rel=1e-15)


# --- every operator against hand derivatives ----------------------------------------------

X0, Y0 = 1.5, -0.5
SIG = 1 / (1 + math.exp(-X0))
OPERATORS: list[tuple[str, Callable[[Value, Value], Any], float, float, float]] = [
    # name, expression, value, d/dx, d/dy at x = 1.5, y = -0.5
    ("x + y", lambda x, y: x + y, 1.0, 1.0, 1.0),
    ("x + 2", lambda x, y: x + 2, 3.5, 1.0, 0.0),
    ("2 + x", lambda x, y: 2 + x, 3.5, 1.0, 0.0),
    ("x - y", lambda x, y: x - y, 2.0, 1.0, -1.0),
    ("x - 2", lambda x, y: x - 2, -0.5, 1.0, 0.0),
    ("2 - x", lambda x, y: 2 - x, 0.5, -1.0, 0.0),
    ("x * y", lambda x, y: x * y, -0.75, Y0, X0),
    ("x * 3", lambda x, y: x * 3, 4.5, 3.0, 0.0),
    ("3 * x", lambda x, y: 3 * x, 4.5, 3.0, 0.0),
    ("x / y", lambda x, y: x / y, -3.0, 1 / Y0, -X0 / Y0**2),
    ("x / 4", lambda x, y: x / 4, 0.375, 0.25, 0.0),
    ("3 / x", lambda x, y: 3 / x, 2.0, -3 / X0**2, 0.0),
    ("x ** 2", lambda x, y: x**2, 2.25, 2 * X0, 0.0),
    ("x ** y", lambda x, y: x**y, X0**Y0, Y0 * X0 ** (Y0 - 1), X0**Y0 * math.log(X0)),
    ("2 ** x", lambda x, y: 2**x, 2**X0, 2**X0 * math.log(2), 0.0),
    ("-x", lambda x, y: -x, -1.5, -1.0, 0.0),
    ("abs(y)", lambda x, y: abs(y), 0.5, 0.0, -1.0),
    ("abs(x)", lambda x, y: abs(x), 1.5, 1.0, 0.0),
    ("x.exp()", lambda x, y: x.exp(), math.exp(X0), math.exp(X0), 0.0),
    ("x.log()", lambda x, y: x.log(), math.log(X0), 1 / X0, 0.0),
    ("x.sqrt()", lambda x, y: x.sqrt(), X0**0.5, 0.5 / X0**0.5, 0.0),
    ("x.tanh()", lambda x, y: x.tanh(), math.tanh(X0), 1 / math.cosh(X0) ** 2, 0.0),
    ("x.sigmoid()", lambda x, y: x.sigmoid(), SIG, math.exp(-X0) / (1 + math.exp(-X0)) ** 2, 0.0),
    ("x.relu()", lambda x, y: x.relu(), X0, 1.0, 0.0),
    ("y.relu()", lambda x, y: y.relu(), 0.0, 0.0, 0.0),
    ("y.leaky_relu(0.2)", lambda x, y: y.leaky_relu(0.2), 0.2 * Y0, 0.0, 0.2),
    ("y.leaky_relu()", lambda x, y: y.leaky_relu(), 0.01 * Y0, 0.0, 0.01),  # default slope 0.01
    ("x.leaky_relu(0.2)", lambda x, y: x.leaky_relu(0.2), X0, 1.0, 0.0),
    ("x.softplus()", lambda x, y: x.softplus(), math.log(1 + math.exp(X0)), SIG, 0.0),
    ("x.sin()", lambda x, y: x.sin(), math.sin(X0), math.cos(X0), 0.0),
    ("x.cos()", lambda x, y: x.cos(), math.cos(X0), -math.sin(X0), 0.0),
    ("x.step()", lambda x, y: x.step(), 1.0, 0.0, 0.0),
    ("y.step()", lambda x, y: y.step(), 0.0, 0.0, 0.0),
]


@pytest.mark.parametrize(("build", "value", "dx", "dy"), [r[1:] for r in OPERATORS], ids=[r[0] for r in OPERATORS])
def test_operator_value_and_gradient_by_hand(
    build: Callable[[Value, Value], Value], value: float, dx: float, dy: float
) -> None:
    x, y = Value(X0), Value(Y0)
    out = build(x, y)
    out.backward()
    assert out.data == pytest.approx(value, rel=1e-14, abs=1e-15)
    assert x.grad == pytest.approx(dx, rel=1e-14, abs=1e-15)
    assert y.grad == pytest.approx(dy, rel=1e-14, abs=1e-15)


@pytest.mark.parametrize(
    ("build", "bad"),
    [
        (lambda x: x + "a", "+"),
        (lambda x: "a" + x, "+"),
        (lambda x: x * None, "*"),
        (lambda x: x ** [2], "**"),
        (lambda x: x / "a", "/"),
        (lambda x: x.leaky_relu("a"), "slope"),
    ],
    ids=["x + str", "str + x", "x * None", "x ** list", "x / str", "leaky_relu(str)"],
)
def test_operators_reject_non_numbers(build: Callable[[Value], Value], bad: str) -> None:
    with pytest.raises(TypeError, match=rf"{re.escape(bad)} must be an int, float, bool or numpy scalar, not \w+"):
        build(Value(1.0))


# --- graph shapes: every path counts ------------------------------------------------------


def test_reuse_sums_both_edges() -> None:
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0
    a.grad = 0.0
    (a * a).backward()
    assert a.grad == 6.0  # 2a
    a.grad = 0.0
    (a * a * a).backward()
    assert a.grad == 27.0  # 3a^2


def test_diamond() -> None:
    a = Value(0.8)
    b, c = a * 3.0, a.tanh()  # two paths from a to d
    d = b * c
    d.backward()
    t = math.tanh(0.8)
    assert a.grad == pytest.approx(3 * t + 3 * 0.8 * (1 - t * t), rel=1e-14)
    assert (b.grad, c.grad) == pytest.approx((t, 2.4), rel=1e-15)


def test_fan_out_to_three_branches() -> None:
    a = Value(0.3)
    y = a.exp() + a * a + a.sin()
    y.backward()
    assert a.grad == pytest.approx(math.exp(0.3) + 0.6 + math.cos(0.3), rel=1e-14)


def test_fan_in_of_a_weighted_sum() -> None:
    xs = [Value(float(i)) for i in range(10)]
    weights = [0.5 * i - 2.0 for i in range(10)]
    y = sum((w * x for w, x in zip(weights, xs, strict=True)), Value(1.0))  # micrograd's Neuron
    y.backward()
    assert y.data == sum(w * i for i, w in enumerate(weights)) + 1.0
    assert [x.grad for x in xs] == weights


def test_exponentially_many_paths_each_node_visited_once() -> None:
    # y = y + y sixty times: 2**60 paths from x to the root, d/dx = 2**60 exactly
    x = Value(1.0)
    y = x
    for _ in range(60):
        y = y + y
    y.backward()
    assert (y.data, x.grad) == (2.0**60, 2.0**60)
    assert len(topological_order(y)) == 61


def test_million_node_chain_backward_needs_no_recursion() -> None:
    n, c = 1_000_000, 1.000001
    limit = sys.getrecursionlimit()
    assert limit < n  # a recursive walk would have to raise it
    x = Value(1.5)
    y = x
    gc.disable()  # the chain holds no cycles: collector passes while building it would be pure overhead
    try:
        for _ in range(n):
            y = y * c
        y.backward()
    finally:
        gc.enable()
    assert sys.getrecursionlimit() == limit
    assert x.grad == pytest.approx(c**n, rel=1e-9)  # d(x c^n)/dx = c^n
    assert y.data == pytest.approx(1.5 * c**n, rel=1e-9)


@given(exprs())
def test_random_graphs_pass_gradcheck(expr: Expr) -> None:
    assert gradcheck(expr, expr.inputs)


@given(exprs(reuse=False))
def test_random_graphs_without_reuse_pass_gradcheck(expr: Expr) -> None:
    assert gradcheck(expr, expr.inputs)


@given(chains(max_depth=250))  # depth as such is proven by the million-node chain
def test_deep_chains_pass_gradcheck(expr: Expr) -> None:
    assert gradcheck(expr, expr.inputs)


@given(exprs())
def test_topological_order_children_first_each_node_once(expr: Expr) -> None:
    root = expr([Value(x) for x in expr.inputs])
    order = topological_order(root)
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order)  # each node once
    assert order[-1] is root
    for node in order:
        assert all(position[child] < position[node] for child in node.children)
    reachable: set[Value] = set()  # an independent walk: exactly the nodes below root
    stack = [root]
    while stack:
        node = stack.pop()
        if node not in reachable:
            reachable.add(node)
            stack.extend(node.children)
    assert set(order) == reachable


def test_topological_order_changes_no_gradient() -> None:
    # drawing and explaining code walks a graph after backward(): the walk must not erase what it shows
    x = Value(0.5)
    h = x * 2.0
    y = h.tanh()
    y.backward()
    before = [x.grad, h.grad, y.grad]
    topological_order(y)
    assert [x.grad, h.grad, y.grad] == before


# --- accumulation: PyTorch semantics ------------------------------------------------------


def test_backward_accumulates_on_leaves_and_inner_nodes_hold_the_latest_pass() -> None:
    # dyadic numbers, so every sum below is exact: y = (x w)^2 + x at x = 0.5, w = 2
    x, w = Value(0.5), Value(2.0)
    h = x * w
    y = h * h + x
    y.backward()
    assert (x.grad, w.grad, h.grad, y.grad) == (5.0, 1.0, 2.0, 1.0)  # 2 h w + 1, 2 h x, 2 h, 1
    y.backward()
    assert (x.grad, w.grad) == (10.0, 2.0)  # leaves: doubled exactly
    assert (h.grad, y.grad) == (2.0, 1.0)  # inner nodes: the latest pass
    x.grad = w.grad = 0.0
    y.backward()
    assert (x.grad, w.grad, h.grad, y.grad) == (5.0, 1.0, 2.0, 1.0)  # a fresh result
    x.grad = w.grad = 0.0
    y.backward(grad=-0.5)
    assert (x.grad, w.grad, h.grad, y.grad) == (-2.5, -0.5, -1.0, -0.5)  # scaled by the seed
    x.grad = w.grad = 0.0
    y.backward(grad=3)
    assert (x.grad, w.grad) == (15.0, 3.0)


def test_backward_on_a_leaf_accumulates() -> None:
    x = Value(2.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_bad_grad_argument_is_rejected_before_anything_changes() -> None:
    x = Value(0.5)
    y = (x * 3.0).tanh()
    y.backward()
    nodes = [x, y.children[0], y]
    before = [node.grad for node in nodes]
    with pytest.raises(TypeError, match=r"grad must be an int, float, bool or numpy scalar, not str: 'a'"):
        y.backward(grad="a")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"grad must be an int, float, bool or numpy scalar, not NoneType"):
        y.backward(grad=None)  # type: ignore[arg-type]
    assert [node.grad for node in nodes] == before


# --- subgradient conventions (PyTorch's) --------------------------------------------------


@pytest.mark.parametrize(
    ("build", "a", "expected"),
    [
        (lambda x: x.relu(), 0.0, 0.0),  # relu'(0) = 0
        (lambda x: abs(x), 0.0, 0.0),  # abs'(0) = sign(0) = 0
        (lambda x: x.step(), 0.0, 0.0),  # step' = 0 everywhere, also at the jump
        (lambda x: x.step(), -1.0, 0.0),
        (lambda x: x.step(), 1.0, 0.0),
        (lambda x: x.leaky_relu(0.2), 0.0, 0.2),  # leaky_relu'(0) = slope: PyTorch takes the x <= 0 branch
        (lambda x: x.leaky_relu(), 0.0, 0.01),
        (lambda x: x.sqrt(), 0.0, math.inf),  # sqrt'(0) = 1 / (2 sqrt 0) = inf
        (lambda x: x**0.5, 0.0, math.inf),
        (lambda x: x**2, 0.0, 0.0),
        (lambda x: x**1, 0.0, 1.0),
        (lambda x: x**0, 0.0, 0.0),
    ],
    ids=[
        "relu(0)",
        "abs(0)",
        "step(0)",
        "step(-1)",
        "step(1)",
        "leaky_relu(0, 0.2)",
        "leaky_relu(0)",
        "sqrt(0)",
        "0**0.5",
        "0**2",
        "0**1",
        "0**0",
    ],
)
def test_subgradient_conventions(build: Callable[[Value], Value], a: float, expected: float) -> None:
    x = Value(a)
    build(x).backward()
    assert x.grad == expected


@pytest.mark.parametrize("a", [5e-324, 1e-310, -1e-310])
def test_power_zero_has_derivative_zero_even_where_one_over_base_overflows(a: float) -> None:
    # d/da a**0 = 0 * a**-1: with a**-1 = inf that must stay 0, not become 0 * inf = NaN (PyTorch gives 0)
    x = Value(a)
    (x**0).backward()
    assert x.grad == 0.0
    if a > 0:
        x, k = Value(a), Value(0.0)
        (x**k).backward()
        assert x.grad == 0.0 and k.grad == pytest.approx(math.log(a))


def test_value_exponent_at_base_zero() -> None:
    a, b = Value(0.0), Value(2.0)
    (a**b).backward()
    assert (a.grad, b.grad) == (0.0, 0.0)  # d/db = 0^b ln 0 is taken as 0, as PyTorch does for b >= 0
    a, b = Value(0.0), Value(0.5)
    (a**b).backward()
    assert (a.grad, b.grad) == (math.inf, 0.0)


# --- numerical limits ---------------------------------------------------------------------


@pytest.mark.parametrize("a", [1e4, 1e3, 800.0, 40.0])
def test_sigmoid_and_softplus_limits(a: float) -> None:
    for sign, value, slope in ((1.0, 1.0, 1.0), (-1.0, 0.0, 0.0)):
        x = Value(sign * a)
        s = x.sigmoid()
        s.backward()
        assert s.data == pytest.approx(value, abs=1e-17)
        assert x.grad == pytest.approx(0.0, abs=1e-17)  # s (1 - s)
        x = Value(sign * a)
        p = x.softplus()
        p.backward()
        assert p.data == pytest.approx(max(sign * a, 0.0), abs=1e-17)
        assert x.grad == pytest.approx(slope, abs=1e-17)


@given(well_scaled(-1e4, 1e4))
def test_sigmoid_and_softplus_are_finite_everywhere(a: float) -> None:
    x = Value(a)
    (x.sigmoid() + x.softplus()).backward()
    s, p = Value(a).sigmoid().data, Value(a).softplus().data
    assert 0.0 <= s <= 1.0
    assert max(a, 0.0) <= p <= max(a, 0.0) + math.log(2.0) + 1e-15  # log(1 + e^-|a|) <= log 2
    assert math.isfinite(x.grad) and 0.0 <= x.grad <= 1.25  # s (1 - s) + s


def test_overflow_gives_inf_not_an_error() -> None:
    x = Value(1000.0)
    e = x.exp()
    e.backward()
    assert (e.data, x.grad) == (math.inf, math.inf)
    assert (Value(10.0) ** 400).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf
    assert (Value(10.0) ** Value(400.0)).data == math.inf
    assert (10 ** Value(400.0)).data == math.inf
    b = Value(10.0)
    (b**400).backward()
    assert b.grad == math.inf


def test_sin_and_cos_of_inf_are_nan_as_in_ieee_and_pytorch() -> None:
    # exp and pow follow IEEE on overflow; sin(inf) is NaN there, not an unnamed "math domain error"
    assert math.isnan(Value(math.inf).sin().data)
    assert math.isnan(Value(-math.inf).cos().data)


# --- error messages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: Value(0.0).log(), ValueError, r"log is undefined at 0\.0: its input must be > 0"),
        (lambda: Value(-1.0).log(), ValueError, r"log is undefined at -1\.0: its input must be > 0"),
        (lambda: Value(-1.0).sqrt(), ValueError, r"sqrt is undefined at -1\.0: its input must be >= 0"),
        (lambda: Value(0) ** -1, ZeroDivisionError, r"pow: 0\.0 \*\* -1\.0 divides by zero: keep the base away from 0"),
        (lambda: Value(0) ** Value(-1), ZeroDivisionError, r"pow: 0\.0 \*\* -1\.0 divides by zero"),
        (
            lambda: Value(-2) ** 0.5,
            ValueError,
            r"pow: -2\.0 \*\* 0\.5 is undefined: a negative base needs an integer exponent",
        ),
        (
            lambda: (-2) ** Value(2.0),
            ValueError,
            r"pow: -2\.0 \*\* Value is undefined: with a Value exponent the base must be >= 0",
        ),
        (lambda: Value(3.0) / 0, ZeroDivisionError, r"division by zero: 3\.0 / 0\.0: the divisor must not be 0"),
        (lambda: Value(3.0) / Value(0), ZeroDivisionError, r"division by zero: 3\.0 / 0\.0: the divisor must not be 0"),
        (lambda: 1 / Value(0), ZeroDivisionError, r"division by zero: 1\.0 / 0\.0: the divisor must not be 0"),
        (lambda: Value("a"), TypeError, r"Value data must be an int, float, bool or numpy scalar, not str: 'a'"),
        (
            lambda: Value(1.0).backward(grad="a"),  # type: ignore[arg-type]
            TypeError,
            r"grad must be an int, float, bool or numpy scalar, not str: 'a'",
        ),
    ],
    ids=[
        "log(0)",
        "log(-1)",
        "sqrt(-1)",
        "0**-1",
        "0**Value(-1)",
        "(-2)**0.5",
        "(-2)**Value",
        "x/0",
        "x/Value(0)",
        "1/Value(0)",
        "Value('a')",
        "backward(grad='a')",
    ],
)
def test_error_messages(build: Callable[[], Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        build()


# --- plain-number behaviour ---------------------------------------------------------------


def test_the_engine_keeps_its_fields_in_slots_and_a_users_in_a_dict() -> None:
    v = Value(1.0)
    assert "data" in Value.__slots__ and "__dict__" in Value.__slots__
    v.colour = "red"  # type: ignore[attr-defined]  # as micrograd allows: EurekaLabsAI's micrograd colours nodes
    assert v.colour == "red" and v.__dict__ == {"colour": "red"}  # type: ignore[attr-defined]
    assert "data" not in v.__dict__  # the engine's own fields are slots, never in the dict


def test_hash_and_equality_are_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert len({a, b}) == 2
    assert a == a and a != b  # identity, whatever the data
    assert (a == 1.0) is False  # type: ignore[comparison-overlap]
    assert {a: "a"}[a] == "a"


def test_comparisons_use_data() -> None:
    a, b, c = Value(1.0), Value(3.0), Value(2.0)
    assert a < b and a <= b and b > a and b >= a and a <= Value(1.0) and a >= Value(1.0)
    assert not (b < a) and not (a > b)
    assert a < 2 and a <= 1 and b > 2.5 and b >= 3
    assert 2 < b and 0.5 < a and 3 <= b  # noqa: SIM300 - a number on the left: Python asks the Value
    assert max([a, b, c]) is b and min([a, b, c]) is a
    assert sorted([b, a, c]) == [a, c, b]


@pytest.mark.parametrize("compare", [operator.lt, operator.le, operator.gt, operator.ge], ids=["<", "<=", ">", ">="])
def test_comparing_with_a_string_is_a_type_error(compare: Callable[[Any, Any], bool]) -> None:
    # as with float: Value(1.0) < "2" must not parse the string into a number
    with pytest.raises(TypeError, match=r"comparison .*not str: '2'"):
        compare(Value(1.0), "2")


def test_float_and_repr() -> None:
    v = Value(2.5)
    assert float(v) == 2.5 and type(float(v)) is float
    assert repr(v) == "Value(data=2.5, grad=0.0)"
    w = Value(-1.0, label="w")
    (w * 3.0).backward()
    assert repr(w) == "Value(data=-1.0, grad=3.0, label='w')"


def test_micrograd_readme_example() -> None:
    # the expression and its numbers are published in karpathy/micrograd's README
    a = Value(-4.0)
    b = Value(2.0)
    g = micrograd_readme_expression(a, b)
    g.backward()
    assert round(g.data, 4) == 24.7041
    assert round(a.grad, 4) == 138.8338
    assert round(b.grad, 4) == 645.5773


def test_micrograd_training_idiom() -> None:
    w, x = Value(0.5), Value(2.0)
    loss = (w * x - 3.0) ** 2
    loss.backward()
    for p in [w]:
        p.data -= 0.1 * p.grad  # micrograd's update line
    assert w.data == pytest.approx(0.5 - 0.1 * 2 * (0.5 * 2.0 - 3.0) * 2.0, rel=1e-15)


# --- memory -------------------------------------------------------------------------------


class WeakLeaf(Value):
    """A leaf that can be weakly referenced (Value itself has no __weakref__ slot)."""

    __slots__ = ("__weakref__",)


def test_a_dropped_graph_is_freed_by_reference_counting() -> None:
    gc.collect()
    gc.disable()  # so that only reference counting can free the graph
    try:
        leaves = [WeakLeaf(0.1 * i + 0.5) for i in range(4)]
        refs = [weakref.ref(leaf) for leaf in leaves]
        a, b, c, d = leaves
        h = (a * b).tanh()
        y = h * h + (h + c).exp() * d / (a + 1.0) + 2 ** b.sigmoid()  # reuse and diamonds
        y.backward()
        del leaves, a, b, c, d, h
        assert all(ref() is not None for ref in refs)  # the graph still holds every leaf
        del y
        assert all(ref() is None for ref in refs)  # every node above a leaf is gone with it
        assert gc.collect() == 0  # and nothing was left in a reference cycle
    finally:
        gc.enable()


def test_a_label_must_be_a_string() -> None:
    with pytest.raises(TypeError, match=r"Value label must be a str, not int: 5"):
        Value(1.0, label=5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Value label must be a str, not NoneType: None"):
        Value(1.0, label=None)  # type: ignore[arg-type]  # no label is "", not None
    with pytest.raises(
        TypeError,
        match=r"Value's second argument is a label \(a str\) or, as in micrograd, its "
        r"_children \(a tuple of Values\), not int: 5",
    ):
        Value(1.0, 5)
