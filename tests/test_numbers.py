"""Numbers at the edges (issue 14, "Bad numbers"): NaN goes through every op, division and the
softmax are exact across the float range, huge ints are refused by name, any graph copies and
pickles, and backward passes from two threads add up as if one ran after the other.

Expected numbers come from PyTorch (float64) where it is installed, else from arithmetic."""

from __future__ import annotations

import copy
import math
import pickle
import sys
import threading
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from support import need_module

from tinygrad_dk import Value, define_op
from tinygrad_dk.compile import compile_batch, compile_graph, compile_loss
from tinygrad_dk.engine import topological_order
from tinygrad_dk.losses import cross_entropy, hinge
from tinygrad_dk.matrix import MATRIX_LOSSES, MatrixForm
from tinygrad_dk.nn import MLP
from tinygrad_dk.ops import OPS
from tinygrad_dk.train import TrainingDiverged, fit

NAN = math.nan


def same(x: float, y: float) -> bool:
    """Equal, with NaN equal to NaN."""
    return x == y or (math.isnan(x) and math.isnan(y))


@pytest.fixture
def torch() -> Any:
    return need_module("torch")


# --- 1. NaN goes through every op ---------------------------------------------------------

ORDINARY = (-2.0, -0.5, 0.5, 2.0)  # points in every row's domain but log's, sqrt's and pow's (|a| is used there)


def constant_of(name: str) -> float | None:
    """The constant a unary row is applied with in these tests (its own, or 2.0 for x + k, x * k, x / k, x ** k)."""
    row = OPS[name]
    return row.constant if row.constant is not None or name not in ("addk", "mulk", "divk", "powk") else 2.0


@pytest.mark.parametrize("name", sorted(OPS))
def test_nan_in_is_nan_out_in_every_row(name: str) -> None:
    row = OPS[name]
    if row.arity == 1:
        assert math.isnan(row.forward(NAN, constant_of(name)))
    else:
        assert math.isnan(row.forward(NAN, 1.5)) and math.isnan(row.forward(1.5, NAN))


def ordinary_locals(name: str, edge: int) -> set[float]:
    """Row ``name``'s local derivative along ``edge`` at ordinary points (the other operand fixed at 1.5)."""
    row, found = OPS[name], set()
    for a in ORDINARY:
        a = abs(a) if name in ("log", "sqrt", "pow") else a  # their domain
        args = (a, constant_of(name)) if row.arity == 1 else ((a, 1.5) if edge == 0 else (1.5, a))
        found.add(row.local(*args, row.forward(*args))[edge])
    return found


@pytest.mark.parametrize("name", sorted(OPS))
def test_a_derivative_at_nan_is_nan_unless_it_is_the_same_everywhere(name: str) -> None:
    # relu'(nan) must not be 0 (nor 1): a derivative that depends on the input knows nothing at NaN.
    # One that does not (x + y, x * 2, step) keeps its value: a NaN input still makes a NaN output.
    row = OPS[name]
    for edge in range(row.arity):
        args = (NAN, constant_of(name)) if row.arity == 1 else ((NAN, 1.5) if edge == 0 else (1.5, NAN))
        at_nan = row.local(*args, row.forward(*args))[edge]
        ordinary = ordinary_locals(name, edge)
        if len(ordinary) > 1:
            assert math.isnan(at_nan), f"{name}: d out / d input {edge} at NaN is {at_nan!r}, not NaN"
        else:
            assert same(at_nan, ordinary.pop())


@pytest.mark.parametrize(
    "build",
    [
        lambda x: x.relu(),
        lambda x: x.step(),
        lambda x: x.leaky_relu(),
        lambda x: abs(x),
        lambda x: x.maximum(Value(1.0)),
        lambda x: hinge(x, 1),
        lambda x: hinge(x, -1),
    ],
    ids=["relu", "step", "leaky_relu", "abs", "maximum", "hinge(+1)", "hinge(-1)"],
)
def test_activations_and_hinge_keep_nan(build: Callable[[Value], Value]) -> None:
    x = Value(NAN)
    out = build(x)
    out.backward()
    assert math.isnan(out.data)
    if out.op != "step":  # step' = 0 everywhere
        assert math.isnan(x.grad)


@pytest.mark.parametrize("activation", ["relu", "step", "leaky_relu", "tanh", "sigmoid", "softplus"])
def test_compiled_batched_and_matrix_forms_keep_nan(activation: str) -> None:
    model = MLP(1, [2, 1], activation=activation, seed=0)
    params = model.parameters()
    x = Value(0.5)
    out = model([x])
    assert isinstance(out, Value)
    program = compile_graph(out, params, [x])
    batch = compile_batch(lambda xs: model(xs), params, example=[0.5])
    values = [p.data for p in params]
    value, grads = program.run(values, [NAN])
    assert math.isnan(value) and math.isnan(grads[0])  # the first weight's gradient is d out / d w * x
    assert math.isnan(batch.run(values, [[NAN]])[0][0])
    assert math.isnan(MatrixForm(model, "mse").scores(np.array([[NAN]]))[0, 0])


def nan_score_network(outputs: int = 1) -> MLP:
    """The issue's network: hidden layers of 1 and 2e200, output weights +-1e200, so each score is inf - inf = NaN."""
    model = MLP(2, [2, 2, outputs], seed=0)
    first, second, output = model.layers
    for neuron in first.neurons:
        for w in neuron.w:
            w.data = 0.0
        neuron.b.data = 1.0
    for neuron in second.neurons:
        for w in neuron.w:
            w.data = 1e200
    for neuron in output.neurons:
        neuron.w[0].data, neuron.w[1].data = 1e200, -1e200
    return model


def test_the_issues_network_has_a_nan_hinge_loss() -> None:
    score = nan_score_network()([0.5, -0.5])
    assert isinstance(score, Value) and math.isnan(score.data)
    assert math.isnan(hinge(score, 1).data) and math.isnan(hinge([score], [-1]).data)


@pytest.mark.parametrize("engine", ["scalar", "compiled", "matrix"])
@pytest.mark.filterwarnings("error::RuntimeWarning")  # the error says it all: no numpy overflow warnings beside it
def test_fit_stops_on_the_nan_hinge_loss(engine: str) -> None:
    model = nan_score_network()
    before = [p.data for p in model.parameters()]
    with pytest.raises(TrainingDiverged, match=r"the loss is (nan|inf)"):  # matrix products: inf before inf - inf
        fit(model, [[0.5, -0.5], [1.0, 1.0]], [0, 1], loss="hinge", epochs=2, progress=False, engine=engine)
    assert [p.data for p in model.parameters()] == before


@pytest.mark.parametrize("engine", ["scalar", "compiled", "matrix"])
def test_fit_stops_on_nan_logits_as_divergence_not_a_bad_argument(engine: str) -> None:
    # cross_entropy refused a nan logit Value as bad input (a ValueError), so the eager engines
    # called a diverging run a user's mistake while the matrix engine called it divergence
    logits = nan_score_network(outputs=2)([0.5, -0.5])
    assert isinstance(logits, list) and math.isnan(cross_entropy(logits, 0).data)  # as torch: nan in, nan out
    with pytest.raises(TrainingDiverged, match=r"the loss is (nan|inf)"):
        fit(
            nan_score_network(outputs=2),
            [[0.5, -0.5], [1.0, 1.0]],
            [0, 1],
            loss="cross_entropy",
            epochs=2,
            progress=False,
            engine=engine,
        )


def test_matrix_hinge_gradient_keeps_nan() -> None:
    loss, grad = MATRIX_LOSSES["hinge"](np.array([[NAN], [2.0]]), np.array([[1.0], [1.0]]))
    assert math.isnan(loss)
    assert math.isnan(grad[0, 0]) and grad[1, 0] == 0.0  # relu'(1 - 2) = 0


# --- 2. cross-entropy: log-sum-exp around a max node --------------------------------------

FAR_APART = [
    ([-1e20, -1000.0], 1),
    ([-1e20, 1000.0], 1),
    ([-1e20, 1000.0], 0),
    ([1000.0, -1000.0, 0.0], 2),
    ([1e300, -1e300], 1),
    ([0.5, 0.5, -3.0], 0),  # a tie for the max: its gradient cancels either way
    ([-1e-300, 5e-324, 0.0], 1),
    # huge and close: the loss is small beside the logits, so it must not pass through a sum with them
    ([1e15, 1e15 - 1], 0),  # log(1 + e^-1), not a multiple of 1e15's spacing, 0.125
    ([5e15, 5e15], 1),  # log 2, not 1.0
    ([1e308, 1e308], 0),
]


def torch_cross_entropy(torch: Any, logits: list[float], target: int) -> tuple[float, list[float]]:
    t = torch.tensor([logits], dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(t, torch.tensor([target]))
    loss.backward()
    return loss.item(), t.grad[0].tolist()


def close(x: float, y: float) -> bool:
    return math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-15)


@pytest.mark.parametrize(("logits", "target"), FAR_APART)
def test_cross_entropy_matches_torch_eager_and_compiled(torch: Any, logits: list[float], target: int) -> None:
    want, want_grads = torch_cross_entropy(torch, logits, target)
    # eager
    values = [Value(v) for v in logits]
    loss = cross_entropy(values, target)
    loss.backward()
    assert close(loss.data, want) and all(close(v.grad, g) for v, g in zip(values, want_grads, strict=True))
    # compiled: recorded at ordinary logits, replayed at these: the max must be recomputed, not baked in
    params = [Value(0.1 * i) for i in range(len(logits))]
    program = compile_graph(cross_entropy(params, target), params)
    value, grads = program.run(logits)
    assert close(value, want) and all(close(g, w) for g, w in zip(grads, want_grads, strict=True))
    step = compile_loss(lambda: cross_entropy(params, target), params)
    for p, v in zip(params, logits, strict=True):
        p.data, p.grad = v, 0.0
    assert close(step(), want) and all(close(p.grad, g) for p, g in zip(params, want_grads, strict=True))


def test_cross_entropy_batched_and_as_matrices_match_torch(torch: Any) -> None:
    rows = [logits for logits, _ in FAR_APART if len(logits) == 2]
    zero = [Value(0.0), Value(0.0)]  # parameters that add nothing, so the inputs are the logits
    for target in (0, 1):

        def build(xs: list[Value], target: int = target) -> Value:
            return cross_entropy([xs[0] + zero[0], xs[1] + zero[1]], target)

        batch = compile_batch(build, zero, [0.1, 0.2])
        values, _ = batch.run([0.0, 0.0], rows)
        for logits, value in zip(rows, values, strict=True):
            assert close(float(value), torch_cross_entropy(torch, logits, target)[0])
        total, grad = MATRIX_LOSSES["cross_entropy"](np.array(rows), np.array([target] * len(rows)))
        want = [torch_cross_entropy(torch, logits, target) for logits in rows]
        assert close(total, sum(w[0] for w in want))
        assert all(
            close(g, w) for row, (_, grads) in zip(grad, want, strict=True) for g, w in zip(row, grads, strict=True)
        )


def test_maximum_is_a_node_with_pytorchs_tie_rule(torch: Any) -> None:
    for a, b in [(2.0, -1.0), (-1.0, 2.0), (3.0, 3.0), (0.0, -0.0), (math.inf, math.inf)]:
        x, y = Value(a), Value(b)
        m = x.maximum(y)
        m.backward()
        ta = torch.tensor(a, dtype=torch.float64, requires_grad=True)
        tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
        torch.maximum(ta, tb).backward()
        assert m.op == "max" and m.children == (x, y)
        assert (m.data, x.grad, y.grad) == (max(a, b), ta.grad.item(), tb.grad.item())
    x = Value(-2.0)
    m = x.maximum(0)  # a plain number becomes a leaf, as the base of 2 ** x does
    assert (m.data, m.children[0], m.children[1].data, m.children[1].op) == (0.0, x, 0.0, "")
    with pytest.raises(TypeError, match=r"Value data must be an int, float, bool or numpy scalar, not str"):
        x.maximum("0")


# --- 3. division is one rounding ----------------------------------------------------------

EDGES = [(0.0, 1e-310), (1e-300, 1e-310), (1e200, 1e200), (-3.0, 1e-300), (1e308, 0.1), (7.0, -3.0)]


def torch_divide(torch: Any, a: float, b: float) -> tuple[float, float, float]:
    ta = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    out = ta / tb
    out.backward()
    return out.item(), ta.grad.item(), tb.grad.item()


@pytest.mark.parametrize(("a", "b"), EDGES)
def test_division_at_the_edges_matches_torch(torch: Any, a: float, b: float) -> None:
    want = torch_divide(torch, a, b)
    x, y = Value(a), Value(b)
    q = x / y
    q.backward()
    assert (q.data, x.grad, y.grad) == want
    # a constant divisor, and a constant dividend: the same one rounding
    x, y = Value(a), Value(b)
    by_constant, of_constant = x / b, a / y
    by_constant.backward()
    of_constant.backward()
    assert (by_constant.data, x.grad) == want[:2] and (of_constant.data, y.grad) == (want[0], want[2])
    # compiled and batched: the row's python and numpy expressions
    p, r = Value(1.0), Value(2.0)
    assert compile_graph(p / r, [p, r]).run([a, b]) == (want[0], list(want[1:]))
    zero = Value(0.0)
    batch = compile_batch(lambda xs: (xs[0] + zero) / xs[1], [zero], [1.0, 2.0])
    values, grads = batch.run([0.0], [[a, b]])
    assert (values[0], grads[0]) == (want[0], want[1])


def test_division_by_zero_is_still_refused_everywhere() -> None:
    message = r"division by zero: 3\.0 / 0\.0: the divisor must not be 0"
    divisions: list[Callable[[], Value]] = [
        lambda: Value(3.0) / 0.0,
        lambda: Value(3.0) / Value(0.0),
        lambda: 3 / Value(0.0),
    ]
    for divide in divisions:
        with pytest.raises(ZeroDivisionError, match=message):
            divide()
    p, r = Value(3.0), Value(1.0)
    with pytest.raises(ZeroDivisionError, match=message):
        compile_graph(p / r, [p, r]).run([3.0, 0.0])
    zero = Value(0.0)
    batch = compile_batch(lambda xs: (xs[0] + zero) / xs[1], [zero], [1.0, 2.0])
    with pytest.raises(ZeroDivisionError, match=message):
        batch.run([0.0], [[1.0, 2.0], [3.0, 0.0]])


# --- 4. numbers too large for a float -----------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Value(2**1024), r"about 1\.80e\+308, beyond the largest float \(1\.7976931348623157e\+308\)"),
        (lambda: Value(10**400), r"Value data is too large for a float: the int given is about 1\.00e\+400"),
        (lambda: Value(-(10**400)), r"Value data is too large for a float: the int given is about -1\.00e\+400"),
        (lambda: Value(Fraction(10**500, 7)), r"the Fraction given is about 1\.43e\+499"),
        (lambda: Value(1.0) * 10**309, r"\* is too large for a float: the int given is about 1\.00e\+309"),
        (lambda: Value(1.0).backward(grad=10**400), r"grad is too large for a float"),
    ],
    ids=["2**1024", "10**400", "-10**400", "Fraction", "x * 10**309", "backward(grad=10**400)"],
)
def test_a_number_beyond_the_float_range_is_a_value_error_naming_it(build: Callable[[], Any], message: str) -> None:
    with pytest.raises(ValueError, match=message + r".*scale it down .*or use float\('inf'\) for infinity"):
        build()


def test_the_largest_int_that_fits_still_converts() -> None:
    assert Value(2**1023).data == 2.0**1023 and Value(-(10**308)).data == -1e308


# --- 5. copies and pickles of graphs of any depth -----------------------------------------


def tanh_chain(n: int, x: Value) -> Value:
    y = x
    for _ in range(n):
        y = y.tanh()
    return y


def leaves_of(root: Value) -> list[Value]:
    return [node for node in topological_order(root) if not node.children]


def same_graph(a: Value, b: Value) -> bool:
    """The same ops, constants, numbers and shape, node for node (and no node shared)."""
    ours, theirs = topological_order(a), topological_order(b)
    if len(ours) != len(theirs) or set(ours) & set(theirs):
        return False
    place = {node: i for i, node in enumerate(theirs)}
    here = {node: i for i, node in enumerate(ours)}
    return all(
        (m.op, m.arg, m.data, m.grad, m.label, m.local_grads) == (n.op, n.arg, n.data, n.grad, n.label, n.local_grads)
        and [place[c] for c in n.children] == [here[c] for c in m.children]
        for m, n in zip(ours, theirs, strict=True)
    )


@pytest.mark.parametrize(
    "copier",
    [copy.deepcopy, lambda v: pickle.loads(pickle.dumps(v))],
    ids=["deepcopy", "pickle"],
)
def test_a_deep_graph_copies_without_recursion(copier: Callable[[Value], Value]) -> None:
    x = Value(0.5, "x")
    y = tanh_chain(1000, x)  # Python's own recursive copy fails from a depth of about 200
    y.backward()
    copied = copier(y)
    assert same_graph(y, copied)
    (x_copy,) = leaves_of(copied)
    assert x_copy is not x and (x_copy.label, x_copy.grad) == ("x", x.grad)
    copied.backward()  # the copy is a graph of its own: the original's leaf keeps its gradient
    assert x_copy.grad == 2 * x.grad


def test_a_hundred_thousand_node_chain_copies_and_pickles() -> None:
    limit = sys.getrecursionlimit()
    x = Value(1.5)
    y = x
    for _ in range(100_000):
        y = y * 1.000001
    for copied in (copy.deepcopy(y), pickle.loads(pickle.dumps(y, protocol=pickle.HIGHEST_PROTOCOL))):
        assert copied.data == y.data
        assert len(topological_order(copied)) == 100_001
    assert sys.getrecursionlimit() == limit


@pytest.mark.parametrize(
    ("activation", "copier"),
    [("relu", copy.deepcopy), ("relu", lambda v: pickle.loads(pickle.dumps(v)))],
    ids=["deepcopy", "pickle"],
)
def test_a_model_and_its_loss_copied_together_share_the_parameters(
    activation: str, copier: Callable[[Any], Any]
) -> None:
    model = MLP(2, [3, 1], activation=activation, seed=0)
    loss = hinge([model([1.0, -2.0]), model([0.5, 0.5])], [1, -1])  # the parameters are used twice
    model_copy, loss_copy = copier((model, loss))
    params = model_copy.parameters()
    leaves = leaves_of(loss_copy)
    assert {id(p) for p in params} <= {id(leaf) for leaf in leaves}
    assert not {id(p) for p in model.parameters()} & {id(leaf) for leaf in leaves}
    loss.backward()
    loss_copy.backward()
    assert [p.grad for p in params] == [p.grad for p in model.parameters()]


def test_a_shared_node_stays_shared_within_the_copy() -> None:
    x, w = Value(0.5), Value(2.0)
    h = (x * w).tanh()
    y = h * h + h  # h three times
    copied = copy.deepcopy(y)
    product, h_again = copied.children
    assert product.children[0] is product.children[1] is h_again


def test_models_and_leaves_copy_and_pickle_as_objects() -> None:
    model = MLP(2, [4, 1], seed=0)
    twin = copy.deepcopy(model)
    assert [p.data for p in twin.parameters()] == [p.data for p in model.parameters()]
    assert not {id(p) for p in twin.parameters()} & {id(p) for p in model.parameters()}
    linear = MLP(2, [4, 1], activation="linear", seed=0)
    assert [p.data for p in pickle.loads(pickle.dumps(linear)).parameters()] == [p.data for p in linear.parameters()]
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        leaf = Value(2.5, "w")
        leaf.grad, leaf.colour = -1.0, "red"  # type: ignore[attr-defined]  # a user's attribute, as micrograd allows
        node = leaf * 3.0
        node.colour = "blue"  # type: ignore[attr-defined]
        leaf_copy, node_copy = pickle.loads(pickle.dumps((leaf, node), protocol=protocol))
        assert (leaf_copy.data, leaf_copy.grad, leaf_copy.label, leaf_copy.colour) == (2.5, -1.0, "w", "red")
        assert node_copy.children == (leaf_copy,) and (node_copy.op, node_copy.arg, node_copy.colour) == (
            "mulk",
            3.0,
            "blue",
        )


def test_a_node_made_by_hand_is_refused_with_the_reason() -> None:
    a, b = Value(2.0), Value(3.0)
    out = Value(a.data * b.data, (a, b), "*")  # micrograd's way: the chain rule is a closure

    def _backward() -> None:
        a.grad += b.data * out.grad
        b.grad += a.data * out.grad

    out._backward = _backward
    y = out * 2.0
    for copier in (copy.deepcopy, pickle.dumps):
        with pytest.raises(TypeError, match=r"a node made by hand, micrograd's way .* cannot be copied or pickled"):
            copier(y)


def test_a_defined_op_pickles_by_name_and_must_exist_to_load(table: dict[str, Any]) -> None:
    cube = define_op("cube", lambda a, _: a**3, lambda a, _, out: (3 * a * a,))
    x = Value(2.0)
    data = pickle.dumps(cube(x) + 1.0)
    assert pickle.loads(data).data == 9.0
    del table["cube"]
    with pytest.raises(ValueError, match=r"op 'cube', which is not in the op table .* define it"):
        pickle.loads(data)
    define_op("cube", lambda a, _: a**3, lambda a, _, out: (3 * a * a,))  # a new row of that name
    y = cube(x)  # made by the old row
    with pytest.raises(TypeError, match=r"its row is no longer the op table's row 'cube'"):
        copy.deepcopy(y)


# --- 6. threads -----------------------------------------------------------------------------


def test_backward_from_two_threads_on_a_shared_graph_adds_up_as_if_in_turn() -> None:
    # y = x + w + w + ... + w (n times): d y / d x = 1, d y / d w = n, every sum exact. A pass
    # reset by the other thread's pass halfway would send the leaves too little or too much.
    n, calls = 20_000, 10
    x, w = Value(1.0), Value(0.5)
    y = x
    for _ in range(n):
        y = y + w
    start = threading.Barrier(2)

    def passes() -> None:
        start.wait()
        for _ in range(calls):
            y.backward()

    threads = [threading.Thread(target=passes) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (x.grad, w.grad) == (2 * calls * 1.0, 2 * calls * float(n))


def test_one_model_per_thread_trains_as_it_would_alone() -> None:
    # the safe pattern: each thread trains its own copy.deepcopy of the model
    model = MLP(2, [4, 1], seed=0)
    data = {0: ([[1.0, 2.0], [-1.0, 0.5]], [1, 0]), 1: ([[0.5, -1.0], [2.0, 2.0]], [0, 1])}

    def train(copy_of: MLP, k: int) -> list[float]:
        X, y = data[k]
        fit(copy_of, X, y, epochs=20, progress=False, lr=0.05)
        return [p.data for p in copy_of.parameters()]

    alone = [train(copy.deepcopy(model), k) for k in (0, 1)]
    results: dict[int, list[float]] = {}
    copies = [copy.deepcopy(model) for _ in (0, 1)]
    threads = [threading.Thread(target=lambda k=k: results.__setitem__(k, train(copies[k], k))) for k in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[0], results[1]] == alone
    assert alone[0] != alone[1]  # the two runs differ: each thread's model saw only its own data
