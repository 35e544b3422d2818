"""The matrix form equals the scalar engine: loss and every gradient, for every activation and loss.

`tinygrad_dk.matrix` computes an `MLP` layer by layer over a batch; the scalar engine node by
node. Hypothesis draws random networks and data; the two must agree to 1e-12 (relative to
max(1, |g|)), the difference being only the order of the sums.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_dk import Value, losses
from tinygrad_dk.matrix import MATRIX_LOSSES, MatrixForm, NoMatrixForm, loss_and_grads
from tinygrad_dk.nn import ACTIVATIONS, MLP, Module
from tinygrad_dk.ops import OPS, define_op
from tinygrad_dk.train import LOSSES, _outputs, task_for

NAMES = sorted(ACTIVATIONS)  # every named activation, read from the op table (plus linear)


def scalar_loss_and_grads(
    model: MLP, X: list[list[float]], y: list[int], loss: str, l2: float
) -> tuple[float, list[float]]:
    """What eager `fit` computes: the batch's mean loss graph plus the L2 term, backpropagated."""
    task = task_for(loss, _outputs(model(X[0]), "test"), y)
    total = task.loss([_outputs(model(x), "test") for x in X], task.targets)
    if l2:
        total = total + losses.l2(model.parameters()) * l2
    model.zero_grad()
    total.backward()
    return total.data, [p.grad for p in model.parameters()]


def assert_close(got: list[float], want: list[float], tol: float = 1e-12) -> None:
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert abs(g - w) <= tol * max(1.0, abs(w)), (i, g, w)


@st.composite
def problems(draw: st.DrawFn, loss: str, activation: str) -> tuple[MLP, list[list[float]], list[int], float]:
    """A random MLP (hidden ``activation``, any output activation), random samples, labels the loss accepts."""
    nin = draw(st.integers(1, 3))
    hidden = draw(st.lists(st.integers(1, 4), min_size=0, max_size=2))
    k = draw(st.integers(2, 3)) if loss == "cross_entropy" else draw(st.sampled_from([1, 3])) if loss == "mse" else 1
    model = MLP(
        nin,
        [*hidden, k],
        activation=activation,
        output_activation=draw(st.sampled_from(NAMES)),
        init=draw(st.sampled_from(["uniform", "he"])),
        seed=draw(st.integers(0, 2**16)),
    )
    for p in model.parameters():  # biases too: not only the zeros they start at
        p.data += draw(st.floats(-0.5, 0.5))
    n = draw(st.integers(1, 6))
    X = [[draw(st.floats(-3, 3)) for _ in range(nin)] for _ in range(n)]
    y = [draw(st.integers(0, 1 if k == 1 else k - 1)) for _ in range(n)]
    return model, X, y, draw(st.sampled_from([0.0, 1e-3, 0.1]))


@pytest.mark.parametrize("activation", NAMES)
@pytest.mark.parametrize("loss", LOSSES)
@given(data=st.data())
def test_matrix_gradients_equal_the_scalar_engine(activation: str, loss: str, data: st.DataObject) -> None:
    model, X, y, l2 = data.draw(problems(loss, activation))
    want_loss, want = scalar_loss_and_grads(model, X, y, loss, l2)
    got_loss, got = loss_and_grads(model, X, y, loss=loss, l2=l2)
    assert_close([got_loss], [want_loss])
    assert_close(got, want)


def test_every_loss_fit_knows_has_a_matrix_form() -> None:
    assert set(MATRIX_LOSSES) == set(LOSSES)


def test_the_weights_are_the_models_own_read_at_every_call() -> None:
    model = MLP(2, [3, 1], seed=0)
    X, y = [[1.0, -2.0], [0.5, 0.5]], [1, 0]
    before = loss_and_grads(model, X, y)
    for p in model.parameters():
        p.data *= 2.0
    after = loss_and_grads(model, X, y)
    assert before != after
    assert_close([after[0]], [scalar_loss_and_grads(model, X, y, "hinge", 0.0)[0]])


def test_a_form_takes_the_engines_loss_function_as_its_name() -> None:
    model = MLP(2, [3, 1], seed=0)
    X, T = np.array([[1.0, 2.0], [-1.0, 0.5]]), np.array([[1.0], [0.0]])
    by_function = MatrixForm(model, losses.bce_with_logits)  # what fit's Task holds
    assert by_function.loss_name == "bce"
    assert by_function.loss_and_grads(X, T) == MatrixForm(model, "bce").loss_and_grads(X, T)


def test_the_matrix_form_reads_no_private_name_of_the_core() -> None:
    # a tool uses the core's public names only, so the core can change its insides freely
    source = Path(__file__).resolve().parent.parent / "tinygrad_dk" / "matrix.py"
    private = [
        f"{node.module}.{alias.name}"
        for node in ast.walk(ast.parse(source.read_text("utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tinygrad_dk")
        for alias in node.names
        if alias.name.startswith("_")
    ]
    assert private == []


def test_a_worked_example_entry_of_z_is_the_scalar_net() -> None:
    # Z[s, i] is neuron i's net for sample s; W's row i is neuron i's weights
    model = MLP(2, [2, 2], activation="sigmoid", seed=0)
    form = MatrixForm(model, "mse")
    _, layers = form.weights()
    W, b, _ = layers[0]
    x = np.array([[0.05, 0.10]])
    net = (x @ W.T + b)[0, 1]
    neuron = model.layers[0].neurons[1]
    assert net == pytest.approx(neuron.b.data + sum(w.data * xi for w, xi in zip(neuron.w, x[0], strict=True)))


def test_large_batches_run_in_chunks_with_the_same_gradients(monkeypatch: pytest.MonkeyPatch) -> None:
    import tinygrad_dk.matrix as matrix

    model = MLP(2, [4, 1], activation="tanh", seed=1)
    X = [[math.sin(i), math.cos(3 * i)] for i in range(50)]
    y = [i % 2 for i in range(50)]
    whole = loss_and_grads(model, X, y, l2=1e-3)
    monkeypatch.setattr(matrix, "CHUNK", 7)
    chunked = loss_and_grads(model, X, y, l2=1e-3)
    assert_close([chunked[0]], [whole[0]], 1e-14)
    assert_close(chunked[1], whole[1], 1e-14)


def test_an_activation_row_with_numpy_expressions_is_picked_up_by_itself() -> None:
    define_op(
        "cube",
        lambda a, _: a**3,
        lambda a, _, out: (3 * a * a,),
        numpy=("{a} ** 3", "3 * {a} * {a}"),
        activation="cube",
    )
    try:
        model = MLP(2, [3, 1], activation="cube", seed=0)
        X, y = [[0.3, -0.2], [0.1, 0.4], [-0.5, 0.2]], [1, 0, 1]
        got = loss_and_grads(model, X, y, loss="mse")
        want = scalar_loss_and_grads(model, X, y, "mse", 0.0)
        assert_close([got[0]], [want[0]])
        assert_close(got[1], want[1])
    finally:
        del OPS["cube"]


def test_an_activation_row_without_numpy_expressions_has_no_matrix_form() -> None:
    define_op("square", lambda a, _: a * a, lambda a, _, out: (2 * a,), activation="square")
    try:
        with pytest.raises(NoMatrixForm, match=r"'square' has no numpy expressions in its op-table row"):
            loss_and_grads(MLP(2, [3, 1], activation="square", seed=0), [[1.0, 2.0]], [1])
    finally:
        del OPS["square"]


def test_what_has_no_matrix_form_is_named() -> None:
    def wiggle(v: Value) -> Value:
        return v.tanh() * 2.0

    with pytest.raises(NoMatrixForm, match=r"the activation 'wiggle' is a function of your own"):
        loss_and_grads(MLP(2, [3, 1], activation=wiggle, seed=0), [[1.0, 2.0]], [1])

    def my_loss(outputs: list[Any], labels: list[Any]) -> Value:
        return losses.mse(outputs, [float(v) for v in labels])

    with pytest.raises(NoMatrixForm, match=r"the loss <function .*my_loss.*> is a function of your own"):
        loss_and_grads(MLP(2, [3, 1], seed=0), [[1.0, 2.0]], [1], loss=my_loss)  # type: ignore[arg-type]

    class Own(Module):
        def __call__(self, x: Any) -> Value:
            return Value(1.0) * float(x[0])

    with pytest.raises(NoMatrixForm, match=r"Own is not an MLP"):
        loss_and_grads(Own(), [[1.0, 2.0]], [1])


def test_bad_input_is_named_where_it_enters() -> None:
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match=r"loss_and_grads: l2 must be a finite number >= 0"):
        loss_and_grads(model, [[1.0, 2.0]], [1], l2=-1.0)
    with pytest.raises(ValueError, match=r"unknown loss 'nope'"):
        loss_and_grads(model, [[1.0, 2.0]], [1], loss="nope")
    with pytest.raises(ValueError, match=r"loss='cross_entropy' needs a model with one output per class"):
        loss_and_grads(model, [[1.0, 2.0]], [1], loss="cross_entropy")


@pytest.mark.parametrize(("samples", "engine"), [(100, "compiled"), (2_000, "matrix")])
def test_the_cli_picks_the_engine_by_size_and_says_which(
    samples: int, engine: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from tinygrad_dk.cli import main

    assert main(["train", "--samples", str(samples), "--epochs", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"engine: {engine} (") and f"{samples:,} samples" in out
