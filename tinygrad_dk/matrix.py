"""The network as matrices: an `MLP`'s forward and backward pass over a whole batch at once, by hand, in numpy.

Read this after the scalar engine. It computes exactly what the engine's graph computes,
but one layer at a time for every sample at once instead of one node at a time:

- forward, per layer: ``Z = A_prev @ W.T + b`` and ``A = f(Z)``. Row ``i`` of ``W`` is neuron
  ``i``'s weights ``w1, w2, ...``; ``b[i]`` its bias; row ``s`` of ``A_prev`` is sample ``s``'s
  inputs to the layer. So ``Z[s, i]`` is the number the scalar graph calls neuron ``i``'s net
  (``net_h1`` in the worked example) for sample ``s``.
- backward, per layer, last first: ``dZ = dA * f'(Z)``, ``dW = dZ.T @ A_prev``,
  ``db = dZ.sum(0)``, ``dA_prev = dZ @ W``. Each is the chain rule of the scalar graph,
  ``child.grad += local * node.grad``, summed over the samples by the matrix product.

The weights are the model's own Values, read (``p.data``) at every call and never copied
into a second model that could drift; the gradients come back in ``model.parameters()``
order. The activations' numpy forms are the ``numpy`` column of the op table's rows
(`tinygrad_dk.ops`), so an activation added with ``define_op(..., numpy=...)`` works here too.

>>> from tinygrad_dk.nn import MLP
>>> model = MLP(2, [3, 1], seed=0)
>>> loss, grads = loss_and_grads(model, [[1.0, 2.0], [-1.0, 0.5]], [1, 0], loss="hinge")
>>> len(grads) == len(model.parameters())
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from tinygrad_dk import losses
from tinygrad_dk._checks import check_l2, check_labels, check_samples
from tinygrad_dk.compile import numpy_functions
from tinygrad_dk.engine import Value
from tinygrad_dk.nn import ACTIVATIONS, Layer, linear
from tinygrad_dk.ops import SIGMOID, SOFTPLUS, activation_rows

__all__ = ["CHUNK", "MATRIX_LOSSES", "MatrixForm", "NoMatrixForm", "loss_and_grads"]

Array = Any  # a numpy array: rows are samples
CHUNK = 65_536  # samples per pass: a million samples run in chunks, so memory stays flat


class NoMatrixForm(TypeError):
    """A model, activation or loss with no matrix form here (a function of your own, say); fit falls back."""


# --- activations: read from the op table's rows ---


class Activation(NamedTuple):
    """One layer's activation as numpy: ``forward(Z) -> A`` and ``local(Z, A) -> f'(Z)`` (None: linear)."""

    name: str
    forward: Callable[[Array], Array] | None
    local: Callable[[Array, Array], Array] | None


def activation(name: str, fn: Callable[[Value], Value]) -> Activation:
    """The numpy form of the activation ``name``, from its row's ``numpy`` column: ``(forward, local)``."""
    if name == "linear" and fn is linear:
        return Activation("linear", None, None)  # A = Z, f'(Z) = 1: nothing to compute
    row = activation_rows().get(name)
    if row is None or ACTIVATIONS[name] is not fn:
        raise NoMatrixForm(
            f"the activation {name!r} is a function of your own: it has no matrix form; "
            f"use one of {', '.join(ACTIVATIONS)}"
        )
    if row.numpy is None:
        raise NoMatrixForm(
            f"the activation {name!r} has no numpy expressions in its op-table row: give define_op "
            "numpy=(forward, local) to run it as matrices"
        )
    # the row's own numpy code with its constant (leaky ReLU's slope), made into functions by the compiler
    forward, local = numpy_functions(row, row.constant)
    return Activation(name, forward, local)


# --- losses: per sample, summed over the chunk, and d(sum)/d(outputs) ---
# S holds the outputs (one row per sample, one column per output); T the targets as `fit`
# maps the labels (`tinygrad_dk.train.task_for`). The batch mean is taken by the caller.


def _hinge(S: Array, T: Array) -> tuple[float, Array]:
    margin = S * -T + 1.0  # 1 - y * s, labels -1/+1, as losses.hinge builds it
    loss = np.maximum(margin, 0.0)  # relu(margin): nan stays nan
    return float(loss.sum()), -T * np.sign(loss)  # relu' = sign(relu): 0 at 0, nan at nan


def _mse(S: Array, T: Array) -> tuple[float, Array]:
    error, k = S - T, S.shape[1]  # one-hot targets for k outputs: the mean over them per sample
    return float((error * error).sum()) / k, error * (2.0 / k)


_softplus, _ = numpy_functions(SOFTPLUS)  # log(1 + e^s) without overflow, as the op table computes it
_sigmoid, _ = numpy_functions(SIGMOID)


def _bce(S: Array, T: Array) -> tuple[float, Array]:
    sp = _softplus(S)  # log(1 + e^s), stable
    return float((sp - S * T).sum()), _sigmoid(S) - T  # d/ds = sigmoid(s) - t


def _cross_entropy(S: Array, T: Array) -> tuple[float, Array]:
    rows = np.arange(len(S))
    shifted = S - S.max(axis=1, keepdims=True)  # the log-sum-exp trick: every exp <= 1
    e = np.exp(shifted)
    total = e.sum(axis=1)
    loss = np.log(total) - shifted[rows, T]  # logsumexp(s) - s[target]
    softmax = e / total[:, None]
    softmax[rows, T] -= 1.0  # d/ds = softmax - onehot
    return float(loss.sum()), softmax


MATRIX_LOSSES: dict[str, Callable[[Array, Array], tuple[float, Array]]] = {
    "hinge": _hinge,
    "mse": _mse,
    "bce": _bce,
    "cross_entropy": _cross_entropy,
}
_ENGINE_LOSSES = {  # the engine's loss each of them computes, as `fit` gets it: by name or as the function
    losses.hinge: "hinge",
    losses.mse: "mse",
    losses.bce_with_logits: "bce",
    losses.cross_entropy: "cross_entropy",
}


# --- one batch, forward and backward ---


def forward_backward(
    layers: Sequence[tuple[Array, Array, Activation]],
    X: Array,
    T: Array,
    loss: Callable[[Array, Array], tuple[float, Array]],
    scale: float,
) -> tuple[float, list[tuple[Array, Array]]]:
    """The loss summed over the rows of ``X`` and, per layer, ``(dW, db)`` of ``scale`` times that sum.

    ``layers`` holds ``(W, b, activation)`` per layer; ``scale`` is ``1 / n`` for the mean over
    ``n`` samples (the scalar graph's ``* (1/n)`` node).
    """
    # forward: keep each layer's input A_prev, net Z and output A for the backward pass
    A, kept = X, []
    for W, b, f in layers:
        Z = A @ W.T + b  # Z[s, i] = b_i + sum_j W[i, j] * A_prev[s, j]: neuron i's net for sample s
        A_prev, A = A, (Z if f.forward is None else f.forward(Z))  # A[s, i] = f(net): the neuron's output
        kept.append((A_prev, Z, A))
    total, dA = loss(A, T)  # dA[s, i] = d loss / d output i of sample s: the output nodes' .grad
    dA = dA * scale
    # backward: the last layer first, as the topological order runs
    grads = []
    for (W, _, f), (A_prev, Z, A) in zip(reversed(layers), reversed(kept), strict=True):
        dZ = dA if f.local is None else dA * f.local(Z, A)  # the activation edge: local derivative times .grad
        dW = dZ.T @ A_prev  # dW[i, j] = sum over samples of dZ[s, i] * A_prev[s, j]: one edge w_ij's chain rule
        db = dZ.sum(axis=0)  # the bias edge's local derivative is 1: its grad is dZ summed over samples
        dA = dZ @ W  # dA_prev[s, j] = sum over neurons i of dZ[s, i] * W[i, j]: every path into input j
        grads.append((dW, db))
    return total, grads[::-1]


# --- the model's own weights, read as matrices ---


def _layers(model: Any) -> list[Layer]:
    """The layers of an `MLP`, or `NoMatrixForm` for a model of another kind."""
    layers = getattr(model, "layers", None)
    if not isinstance(layers, list) or not layers or not all(type(layer) is Layer for layer in layers):
        raise NoMatrixForm(
            f"{type(model).__name__} is not an MLP of tinygrad_dk.nn.Layer layers: it has no matrix form"
        )
    return layers


class MatrixForm:
    """An `MLP` read as matrices, with a loss: `loss_and_grads` and `scores` on numpy arrays of samples.

    ``loss`` is a name of `MATRIX_LOSSES` or the engine's function of that loss
    (``losses.bce_with_logits`` for ``"bce"``). Built once (``fit`` does it before its loop);
    the weights are read from the model's Values at every call, so the form never falls out
    of step with the model.
    """

    def __init__(self, model: Any, loss: str | Callable[..., Value]) -> None:
        layers = _layers(model)
        self.params: list[Value] = model.parameters()
        order = [p for layer in layers for n in layer.neurons for p in (*n.w, n.b)]
        if len(order) != len(self.params) or any(p is not q for p, q in zip(order, self.params, strict=True)):
            raise NoMatrixForm(
                f"{type(model).__name__}'s parameters() are not in the MLP's order (per neuron: "
                "weights, then bias): it has no matrix form"
            )
        name = _ENGINE_LOSSES.get(loss, loss) if callable(loss) else loss  # losses.hinge is "hinge"
        if name not in MATRIX_LOSSES:
            raise NoMatrixForm(
                f"the loss {loss!r} is a function of your own: it has no matrix form; use one of "
                f"{', '.join(MATRIX_LOSSES)}"
            )
        self.shapes = [(layer.nout, layer.nin) for layer in layers]
        self.activations = [activation(layer.activation, layer._fn) for layer in layers]
        self.loss_name: str = str(name)
        self.loss = MATRIX_LOSSES[self.loss_name]

    def weights(self) -> tuple[Array, list[tuple[Array, Array, Activation]]]:
        """Every parameter's value in order, and per layer ``(W, b, activation)``: views of those values."""
        values = np.fromiter((p.data for p in self.params), float, len(self.params))
        layers, start = [], 0
        for (nout, nin), f in zip(self.shapes, self.activations, strict=True):
            block = values[start : start + nout * (nin + 1)].reshape(nout, nin + 1)  # row i: neuron i's w..., b
            layers.append((block[:, :-1], block[:, -1], f))
            start += nout * (nin + 1)
        return values, layers

    def loss_and_grads(self, X: Array, T: Array, l2: float = 0.0) -> tuple[float, list[float]]:
        """The mean loss over the rows of ``X`` plus ``l2 * sum(p**2)``, and its gradient in parameter order."""
        values, layers = self.weights()
        n, total = len(X), 0.0
        blocks = [np.zeros((nout, nin + 1)) for nout, nin in self.shapes]  # per neuron: dW row, then db
        # a blow-up shows as inf or nan in the loss, which fit reports (TrainingDiverged), as the
        # scalar engine does: numpy's own overflow warnings would only repeat it, less clearly
        with np.errstate(over="ignore", invalid="ignore"):
            for start in range(0, n, CHUNK):  # the gradient of a sum is the sum of the chunks' gradients
                part, grads = forward_backward(
                    layers, X[start : start + CHUNK], T[start : start + CHUNK], self.loss, 1.0 / n
                )
                total += part
                for block, (dW, db) in zip(blocks, grads, strict=True):
                    block[:, :-1] += dW
                    block[:, -1] += db
        grad = np.concatenate([block.ravel() for block in blocks])
        loss = total / n
        if l2:  # l2 * sum(p**2): d/dp = 2 * l2 * p
            loss += l2 * float(values @ values)
            grad += (2.0 * l2) * values
        return loss, grad.tolist()

    def scores(self, X: Array) -> Array:
        """The model's outputs for the rows of ``X``: one row per sample, one column per output."""
        _, layers = self.weights()
        parts = []
        for start in range(0, len(X), CHUNK):
            A = X[start : start + CHUNK]
            for W, b, f in layers:
                Z = A @ W.T + b
                A = Z if f.forward is None else f.forward(Z)
            parts.append(A)
        return np.concatenate(parts)


def targets(loss: str, targets: Sequence[Any], outputs: int) -> Array:
    """The per-sample targets `fit` maps the labels to, as an array: class indices, or one row per sample."""
    if loss == "cross_entropy":
        return np.asarray(targets, dtype=np.intp)
    return np.asarray(targets, dtype=float).reshape(len(targets), outputs)


def loss_and_grads(model: Any, X: Any, y: Any, loss: str = "hinge", l2: float = 0.0) -> tuple[float, list[float]]:
    """The mean loss `fit` minimises on ``(X, y)`` (with ``l2 * sum(p**2)``) and its gradients, as matrices.

    ``loss`` is one of ``"hinge"``, ``"mse"``, ``"bce"``, ``"cross_entropy"``, with the labels
    mapped as `fit` maps them (`tinygrad_dk.train.task_for`); the gradients are in
    ``model.parameters()`` order and equal the scalar engine's ``.grad`` after ``backward``.
    """
    from tinygrad_dk.train import task_for

    rows = check_samples(X, "loss_and_grads")
    labels = check_labels(y, len(rows), "loss_and_grads")
    l2 = check_l2(l2, "loss_and_grads")
    k = _layers(model)[-1].nout  # outputs per sample; NoMatrixForm for a model that is no MLP
    out = model(rows[0])  # an MLP's output: one Value, or a list of k
    task = task_for(loss, out, labels)  # the labels as the loss wants them, or a ValueError in the user's words
    form = MatrixForm(model, task.loss)
    return form.loss_and_grads(np.asarray(rows, dtype=float), targets(form.loss_name, task.targets, k), l2)
