"""Compiled graphs equal eager ones: every op of the table, random graphs, a moons training run."""

from __future__ import annotations

import gc
import math
import tracemalloc
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_dk.compile import (
    WHOLE_GRAPH_NODES,
    CompileFallbackWarning,
    compile_batch,
    compile_fit_step,
    compile_graph,
    compile_loss,
)
from tinygrad_dk.data import make_moons
from tinygrad_dk.engine import Value
from tinygrad_dk.losses import hinge, l2
from tinygrad_dk.nn import MLP
from tinygrad_dk.ops import OPS, Op
from tinygrad_dk.testing import Expr, exprs, well_scaled

# How to make each op of the table from Values a and b (unary ops use a only). A new row in
# the op table fails test_every_op_has_a_builder until it gets a line here, and then its
# compiled form is checked against eager like every other op.
BUILDERS: dict[str, list[Callable[[Value, Value], Value]]] = {
    "add": [lambda a, b: a + b, lambda a, b: a + a],
    "mul": [lambda a, b: a * b, lambda a, b: a * a],
    "div": [lambda a, b: a / b, lambda a, b: a / a],
    "divk": [lambda a, b: a / 4.0, lambda a, b: a / -3.0],
    "max": [lambda a, b: a.maximum(b), lambda a, b: a.maximum(a)],
    "pow": [lambda a, b: a**b],
    "addk": [lambda a, b: a + 1.5],
    "mulk": [lambda a, b: a * -2.5],
    "powk": [
        lambda a, b: a**2,
        lambda a, b: a**3,
        lambda a, b: a**-1,
        lambda a, b: a**0.5,
        lambda a, b: a**-1.5,
        lambda a, b: a**0,
    ],
    "exp": [lambda a, b: a.exp()],
    "log": [lambda a, b: a.log()],
    "sqrt": [lambda a, b: a.sqrt()],
    "abs": [lambda a, b: abs(a)],
    "tanh": [lambda a, b: a.tanh()],
    "sigmoid": [lambda a, b: a.sigmoid()],
    "relu": [lambda a, b: a.relu()],
    "leaky_relu": [lambda a, b: a.leaky_relu(0.1)],
    "softplus": [lambda a, b: a.softplus()],
    "sin": [lambda a, b: a.sin()],
    "cos": [lambda a, b: a.cos()],
    "step": [lambda a, b: a.step()],
}
CASES = [(op, k) for op in sorted(OPS) for k in range(len(BUILDERS.get(op, [None])))]

# Ordinary numbers, and the edges: zeros (kinks, poles), overflow, infinities, nan.
SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, 710.0, -710.0, 1e200, -1e200, math.inf, -math.inf, math.nan]
numbers = st.one_of(well_scaled(-3.0, 3.0), st.sampled_from(SPECIAL))


def same(x: float, y: float) -> bool:
    """Equal, or both nan (-0.0 equals 0.0)."""
    return x == y or (math.isnan(x) and math.isnan(y))


def close(x: float, y: float, tol: float = 1e-12) -> bool:
    """Equal to ``tol``, relative to the larger magnitude (or absolute near 0); infinities and nan must match."""
    if math.isinf(x) or math.isinf(y) or math.isnan(x) or math.isnan(y):
        return same(x, y)
    return abs(x - y) <= tol * max(1.0, abs(x), abs(y))


def eager(
    build: Callable[[list[Value]], Value], values: list[float], seed: float = 1.0
) -> tuple[float, list[float]] | BaseException:
    """The eager root value and leaf gradients, or the error building or differentiating it raised."""
    leaves = [Value(v) for v in values]
    try:
        root = build(leaves)
        root.backward(seed)
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        return error
    return root.data, [leaf.grad for leaf in leaves]


def compiled(run: Callable[[], tuple[float, list[float]]]) -> tuple[float, list[float]] | BaseException:
    try:
        return run()
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        return error


def assert_match(
    got: tuple[float, list[float]] | BaseException,
    want: tuple[float, list[float]] | BaseException,
    agree: Callable[[float, float], bool] = same,
) -> None:
    """The same value and gradients, or the same error type and message."""
    if isinstance(want, BaseException) or isinstance(got, BaseException):
        assert type(got) is type(want) and str(got) == str(want), f"compiled {got!r}, eager {want!r}"
        return
    assert agree(got[0], want[0]), f"value: compiled {got[0]!r}, eager {want[0]!r}"
    for i, (g, w) in enumerate(zip(got[1], want[1], strict=True)):
        assert agree(g, w), f"gradient {i}: compiled {g!r}, eager {w!r}"


def test_every_op_has_a_builder() -> None:
    missing = sorted(set(OPS) - set(BUILDERS))
    assert not missing, f"add a way to build op(s) {missing} to BUILDERS in this file"


def test_every_op_has_a_compiled_form() -> None:
    missing = sorted(name for name, row in OPS.items() if row.python is None or row.numpy is None)
    assert not missing, f"op(s) {missing} have no python or numpy expressions in their rows: they fall back to eager"


@pytest.mark.parametrize(("op", "k"), CASES, ids=[f"{op}-{k}" for op, k in CASES])
@settings(max_examples=40)
@given(data=st.data())
def test_each_op_compiled_equals_eager(op: str, k: int, data: st.DataObject) -> None:
    build_op = BUILDERS[op][k]
    a, b = Value(0.7), Value(1.3)  # recording values in every op's domain
    # batch mode: the operands are columns (inputs) plus parameters that stay -0.0 (x + -0.0
    # is x, even for x = -0.0), so the op runs in numpy and the parameters' gradients are its
    # local derivatives
    da, db = Value(-0.0), Value(-0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileFallbackWarning)  # an op without a compiled form fails here
        program = compile_graph(build_op(a, b), params=[a, b])
        batch = compile_batch(lambda xs: build_op(xs[0] + da, xs[1] + db), [da, db], example=[0.7, 1.3])
    values = [data.draw(numbers), data.draw(numbers)]
    want = eager(lambda leaves: build_op(*leaves), values)
    assert_match(compiled(lambda: program.run(values)), want)

    # numpy's functions may differ from math's by an ulp: close, not equal
    def one_sample() -> tuple[float, list[float]]:
        out, grads = batch.run([-0.0, -0.0], [values])
        return float(out[0]), grads

    assert_match(compiled(one_sample), want, close)


@given(exprs(max_inputs=4, max_steps=12), st.data())
def test_random_graphs_compiled_equal_eager(expr: Expr, data: st.DataObject) -> None:
    leaves = [Value(x) for x in expr.inputs]
    n_params = max(1, len(leaves) // 2)  # the first leaves are parameters, the rest inputs
    program = compile_graph(expr(leaves), params=leaves[:n_params], inputs=leaves[n_params:])
    for values in (list(expr.inputs), [data.draw(well_scaled()) for _ in expr.inputs]):
        want = eager(expr, values)
        assert not isinstance(want, BaseException)
        value, grads = program.run(values[:n_params], values[n_params:])
        assert same(value, want[0])
        assert all(same(g, w) for g, w in zip(grads, want[1][:n_params], strict=True))
        assert same(program.forward(values[:n_params], values[n_params:]), want[0])


@given(
    exprs(max_inputs=4, max_steps=12),
    st.lists(st.lists(well_scaled(), min_size=4, max_size=4), min_size=1, max_size=5),
    st.data(),
)
def test_random_graphs_batched_close_to_eager(expr: Expr, samples: list[list[float]], data: st.DataObject) -> None:
    params = [Value(x) for x in expr.inputs]
    n_params = max(1, len(params) // 2)
    params = params[:n_params]
    n_inputs = len(expr.inputs) - n_params
    batch = compile_batch(lambda xs: expr([*params, *xs]), params, example=list(expr.inputs[n_params:]))
    rows = [row[:n_inputs] for row in samples]
    weights = [data.draw(well_scaled()) for _ in rows]
    values, grads = batch.run([p.data for p in params], rows, weights)
    want_grads = [0.0] * n_params
    for row, w, value in zip(rows, weights, values, strict=True):
        result = eager(expr, [p.data for p in params] + row, seed=w)
        assert not isinstance(result, BaseException)
        assert close(float(value), result[0])
        want_grads = [s + g for s, g in zip(want_grads, result[1][:n_params], strict=True)]
    assert all(close(g, w, 1e-9) for g, w in zip(grads, want_grads, strict=True)), (grads, want_grads)


# --- a moons training run: 100 SGD steps, compiled and eager in lockstep ---


def test_moons_100_sgd_steps_compiled_equal_eager() -> None:
    X, labels = make_moons(16, noise=0.1, seed=0)
    y = [2.0 * c - 1.0 for c in labels]  # -1 / +1
    model = MLP(2, [16, 16, 1], seed=1)
    params = model.parameters()

    def loss() -> Value:  # micrograd's demo: hinge loss and L2 regularization
        scores = [model(xi) for xi in X]
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores, strict=True)]  # type: ignore[operator]
        total = sum(losses, Value(0.0)) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)
        return total

    step = compile_loss(loss, params)
    for k in range(100):
        for p in params:
            p.grad = 0.0
        want = loss()
        want.backward()
        want_grads = [p.grad for p in params]
        for p in params:
            p.grad = 0.0
        got = step()
        assert got == want.data, f"step {k}: loss {got!r} != {want.data!r}"
        assert [p.grad for p in params] == want_grads, f"step {k}: gradients differ"
        lr = 1.0 - 0.9 * k / 100
        for p in params:
            p.data -= lr * p.grad
    assert want.data < 0.5  # it learned something, so the steps explored new parameters


def test_compiled_loss_accumulates_like_backward() -> None:
    w = Value(0.3)
    step = compile_loss(lambda: (w * 2.0).tanh() * w, [w])
    w.grad = 0.25
    step()
    step()
    want = Value(0.3)
    want.grad = 0.25
    for _ in range(2):
        ((want * 2.0).tanh() * want).backward()
    assert w.grad == want.grad


def moons_step_inputs(n: int) -> tuple[MLP, list[list[float]], list[float]]:
    """The moons network and ``n`` moons samples with -1/+1 targets, as fit gives them to the hinge loss."""
    X, labels = make_moons(n, noise=0.1, seed=0)
    return MLP(2, [16, 16, 1], seed=1), X, [2.0 * c - 1.0 for c in labels]


def test_a_big_full_batch_compiles_per_sample_so_memory_stays_bounded() -> None:
    model, X, y = moons_step_inputs(1_000)
    gc.collect()
    tracemalloc.start()
    try:
        compile_fit_step(model, hinge, model.parameters(), X, y, l2=1e-4, full_batch=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # one straight-line program of all 1,000 samples (650,000 nodes) peaks near 2 GB while it compiles
    assert peak < 30e6, f"compiling a full batch of 1,000 samples peaked at {peak / 1e6:.0f} MB"


@pytest.mark.parametrize("n", [20, 300])
def test_a_full_batch_step_is_the_eager_step_whole_or_per_sample(n: int) -> None:
    model, X, y = moons_step_inputs(n)
    params = model.parameters()
    assert (n * 645 <= WHOLE_GRAPH_NODES) == (n == 20)  # 645 nodes per sample: 20 is one graph, 300 is not
    for p in params:
        p.grad = 0.0
    want = hinge([model(x) for x in X], y) + l2(params) * 1e-4  # as eager fit builds it
    want.backward()
    want_grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    got = compile_fit_step(model, hinge, params, X, y, l2=1e-4, full_batch=True)(list(range(n)))
    if n == 20:  # one program of the whole graph: the engine's arithmetic to the last bit
        assert (got, [p.grad for p in params]) == (want.data, want_grads)
    else:  # per-sample programs: the same sums, added in another order
        assert got == pytest.approx(want.data, rel=1e-12)
        assert [p.grad for p in params] == pytest.approx(want_grads, rel=1e-12, abs=1e-15)


# --- edges: big graphs, constants, fallbacks, errors ---


def test_long_sums_and_deep_chains_compile() -> None:
    w, c = Value(0.5), Value(0.25)  # c is a constant leaf: neither parameter nor input
    x = w
    for i in range(3000):  # deeper than one expression may nest
        x = (x * 0.999 + c).tanh() if i % 2 else x * 1.001
    total = sum(w * float(i) for i in range(500)) + x  # w feeds 501 gradient terms
    program = compile_graph(total, [w])

    def again(leaves: list[Value]) -> Value:
        x = leaves[0]
        for i in range(3000):
            x = (x * 0.999 + 0.25).tanh() if i % 2 else x * 1.001
        return sum(leaves[0] * float(i) for i in range(500)) + x

    assert_match(program.run([0.7]), eager(again, [0.7]))


def test_constants_and_constant_subgraphs_are_baked_in() -> None:
    w, c = Value(2.0), Value(3.0)
    program = compile_graph(w * (c * c + 1.0).log(), [w])
    value, grads = program.run([5.0])
    assert value == 5.0 * math.log(10.0) and grads == [math.log(10.0)]
    assert "log" not in program.source  # log(c*c + 1) was computed once, at recording


def test_overflow_gives_inf_like_eager() -> None:
    w = Value(1.0)
    program = compile_graph((w * 1000.0).exp(), [w])
    value, grads = program.run([1.0])
    assert value == math.inf and grads == [math.inf]
    batch = compile_batch(lambda xs: (xs[0] * 1000.0).exp(), [], example=[1.0])
    assert batch.forward([], [[1.0], [-1.0]]).tolist() == [math.inf, 0.0]


def test_domain_error_names_op_and_value() -> None:
    w = Value(2.0)
    program = compile_graph(w.log() * 3.0, [w])
    with pytest.raises(ValueError, match=r"log is undefined at -2\.0: its input must be > 0"):
        program.run([-2.0])
    batch = compile_batch(lambda xs: (xs[0] * w).sqrt(), [w], example=[1.0])
    with pytest.raises(ValueError, match=r"sqrt is undefined at -6\.0: its input must be >= 0"):
        batch.run([2.0], [[1.0], [-3.0], [-4.0]])
    with pytest.raises(ZeroDivisionError, match=r"pow: 0\.0 \*\* -1\.0 divides by zero"):
        compile_graph(w**-1, [w]).run([0.0])


def test_op_without_compiled_form_warns_and_matches_eager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(OPS, "sin", OPS["sin"]._replace(python=None, numpy=None))
    w, x = Value(0.4), Value(1.5)
    with pytest.warns(CompileFallbackWarning, match=r"op 'sin' has no compiled form \(python and numpy\)"):
        program = compile_graph((w * x).sin() * w, [w], [x])
    want = eager(lambda v: (v[0] * v[1]).sin() * v[0], [0.9, -2.0])
    assert not isinstance(want, BaseException)
    assert_match(program.run([0.9], [-2.0]), (want[0], want[1][:1]))  # w's gradient only
    with pytest.warns(CompileFallbackWarning, match="'sin'"):
        batch = compile_batch(lambda xs: (w * xs[0]).sin(), [w], example=[1.0])
    values, grads = batch.run([0.9], [[1.0], [-2.0]])
    assert np.allclose(values, [math.sin(0.9), math.sin(-1.8)], rtol=1e-15)
    assert close(grads[0], math.cos(0.9) - 2.0 * math.cos(-1.8))


def test_new_op_in_the_table_falls_back_to_its_row(monkeypatch: pytest.MonkeyPatch) -> None:
    cube = Op("cube", 1, lambda a, _: a * a * a, lambda a, _, out: (3.0 * a * a,))
    monkeypatch.setitem(OPS, "cube", cube)
    w = Value(0.5)
    with pytest.warns(CompileFallbackWarning, match=r"op 'cube' has no compiled form.*OPS\['cube'\]\.forward"):
        program = compile_graph(w._apply(cube) * 2.0, [w])  # _apply: how the engine's method sugar makes a node
    assert program.run([-1.5]) == (2.0 * -3.375, [2.0 * 3.0 * 2.25])
    with pytest.warns(CompileFallbackWarning, match="'cube'"):
        batch = compile_batch(lambda xs: (xs[0] * w)._apply(cube), [w], example=[1.0])
    values, grads = batch.run([2.0], [[1.0], [-0.5]])
    assert values.tolist() == [8.0, -1.0] and grads == [3.0 * 4.0 * 1.0 + 3.0 * 1.0 * -0.5]


def test_batch_with_several_outputs_and_weights() -> None:
    w = Value(1.0)
    batch = compile_batch(lambda xs: [w * xs[0], (w * xs[1]).relu()], [w], example=[1.0, 1.0])
    rows = [[1.0, 2.0], [3.0, -4.0]]
    values, grads = batch.run([2.0], rows, weights=[[1.0, 10.0], [100.0, 1000.0]])
    assert values.tolist() == [[2.0, 4.0], [6.0, 0.0]]
    assert grads == [1.0 * 1.0 + 10.0 * 2.0 + 100.0 * 3.0 + 0.0]
    assert batch.forward([2.0], rows).tolist() == [[2.0, 4.0], [6.0, 0.0]]


def test_bad_arguments_are_named() -> None:
    a, b = Value(1.0), Value(2.0)
    root = a * b
    with pytest.raises(ValueError, match=r"params must be leaf Values .* made by 'mul'"):
        compile_graph(root, [root])
    with pytest.raises(TypeError, match=r"params must be Values, not float: 1\.0"):
        compile_graph(root, [1.0])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="both a parameter and an input"):
        compile_graph(root, [a], [a])
    with pytest.raises(ValueError, match="lists the same Value twice"):
        compile_graph(root, [a, a])
    with pytest.raises(TypeError, match="output must be a Value, not float"):
        compile_graph(2.0, [a])  # type: ignore[arg-type]
    program = compile_graph(root, [a], [b])
    with pytest.raises(ValueError, match=r"expected 1 parameter values, one per compiled leaf, but got 2"):
        program.run([1.0, 2.0], [3.0])
    with pytest.raises(TypeError, match=r"input values must be an int, float"):
        program.run([1.0], ["x"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="build_loss must return a Value, not float"):
        compile_loss(lambda: 1.0, [a])  # type: ignore[arg-type, return-value]
    batch = compile_batch(lambda xs: xs[0] * a, [a], example=[1.0])
    with pytest.raises(ValueError, match=r"rows must be a 2-D array of shape \(samples, 1\).*got shape \(3,\)"):
        batch.run([1.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"weights must have one number per sample and output, shape \(2,\)"):
        batch.run([1.0], [[1.0], [2.0]], weights=[1.0])
