"""Training a classifier: `fit` runs gradient descent and returns a `History`; `predict`, `accuracy`, `scores`.

`fit` is the loop a learner writes by hand (forward, loss, ``zero_grad``, ``backward``,
``step``) with the checks and records around it: labels mapped to what the loss needs,
shuffled batches from an explicit seed, a progress bar, per-epoch callbacks, and a
`TrainingDiverged` error that leaves the model at its last finite parameters.

>>> from tinygrad_dk.nn import MLP
>>> X, y = [[-1.0], [-0.5], [0.5], [1.0]], [0, 0, 1, 1]
>>> model = MLP(1, [1], seed=0)
>>> history = fit(model, X, y, loss="hinge", lr=0.5, epochs=20, progress=False)
>>> history.epochs, history.accuracy[-1], predict(model, X)
(20, 1.0, [0, 0, 1, 1])
"""

from __future__ import annotations

import dataclasses
import functools
import math
import random
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from tinygrad_dk import advice, losses
from tinygrad_dk._checks import (
    check_batch_size,
    check_callbacks,
    check_count,
    check_flag,
    check_l2,
    check_labels,
    check_model,
    check_samples,
    check_seed,
)
from tinygrad_dk._lang import check_lang
from tinygrad_dk.advice import Anomaly, TrainingWarning
from tinygrad_dk.engine import Value
from tinygrad_dk.optim import SGD, Adam, AdamW, Optimizer

__all__ = [
    "BLOWUP",
    "ENGINES",
    "LOSSES",
    "OPTIMIZERS",
    "History",
    "MatrixFallbackWarning",
    "Model",
    "Task",
    "TrainingDiverged",
    "accuracy",
    "fit",
    "predict",
    "scores",
    "task_for",
    "threshold_for",
]

_LOSS_FUNCTIONS = (
    (losses.hinge, "hinge"),
    (losses.mse, "mse"),
    (losses.bce_with_logits, "bce"),
    (losses.cross_entropy, "cross_entropy"),
)
LOSSES = tuple(name for _, name in _LOSS_FUNCTIONS)  # the loss names `fit` understands
OPTIMIZERS: dict[str, tuple[type[Optimizer], float]] = {  # name -> (class, default lr in `fit`)
    "sgd": (SGD, 0.1),
    "adam": (Adam, 0.01),
    "adamw": (AdamW, 0.01),
}
ENGINES = ("scalar", "compiled", "matrix")  # how `fit` runs a step: Values, a compiled graph, or matrices


class MatrixFallbackWarning(UserWarning):
    """``fit(engine="matrix")`` met a model, activation or loss with no matrix form and ran another engine."""


class Model(Protocol):
    """What `fit` needs of a model (a `tinygrad_dk.nn.Module` has it): call it on a list of floats; `parameters`."""

    def __call__(self, x: Any) -> Any: ...  # one Value, or a list of Values (one per class)
    def parameters(self) -> list[Value]: ...


@dataclass
class History:
    """What `fit` records per epoch; ``history.loss[-1]`` is the last epoch's mean training loss.

    ``loss``: the mean loss over the epoch's updates (weighted by batch size), including the
    ``l2`` penalty; ``accuracy``: the training accuracy after the epoch's updates; ``lr``: the
    learning rate used; ``seconds``: wall time; ``updates``: optimizer steps. ``threshold``:
    the score above which a one-output model predicts class 1, as fit decided it from the
    loss (`threshold_for`); pass it on, as in ``predict(model, X, threshold=history.threshold)``.
    ``warnings``: the run's `TrainingWarning` objects, in the order they started (each has its
    ``epoch``), recorded whether or not fit issued them (``warn=False``).
    Two histories compare equal when everything but the timings is equal.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list, compare=False)  # timings differ from run to run
    updates: list[int] = field(default_factory=list)
    label: str = ""
    batch_size: int | None = None
    threshold: float = 0.0
    warnings: list[TrainingWarning] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """How many epochs are recorded."""
        return len(self.loss)

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain lists, numbers and strings (ready for ``json.dumps``); a warning as its `to_dict`."""
        record = dataclasses.asdict(dataclasses.replace(self, warnings=[]))
        record["warnings"] = [w.to_dict() for w in self.warnings]
        return record


class TrainingDiverged(ValueError):
    """The loss or a parameter became NaN or infinite, or the loss blew up; the model keeps its last finite parameters.

    ``epoch`` (1-based), ``batch`` (1-based, None for full-batch training) and ``history``
    (the epochs completed before the failure; for a loss that blew up, up to the epoch where
    it did) say where it happened; ``lr`` is the learning rate then. ``anomaly`` is where the
    first NaN or inf of the failing batch's graph was born (`tinygrad_dk.advice.Anomaly`),
    or None when nothing in it was non-finite. An optimizer's own state (momentum, Adam's
    moments) is not rolled back: build a new one to go on.
    """

    def __init__(
        self,
        problem: str,
        *,
        epoch: int,
        batch: tuple[int, int] | None,
        lr: float,
        history: History,
        anomaly: Anomaly | None = None,
    ) -> None:
        where = f"epoch {epoch}" + (f", batch {batch[0]} of {batch[1]}" if batch else "")
        born = f". Where it began: {anomaly}" if anomaly is not None else ""
        super().__init__(
            f"training diverged at {where}: {problem}. Try a smaller learning rate than lr={lr:g}, "
            f"such as lr={lr / 10:g}{born}"
        )
        self.epoch, self.batch, self.history = epoch, batch[0] if batch else None, history
        self.lr, self.anomaly = lr, anomaly


# --- the data, checked where it enters ---


def _binary(labels: list[int], who: str) -> list[int]:
    """Two-class labels 0/1 or -1/+1 as 0/1 (1 is the positive class)."""
    found = set(labels)
    if not (found <= {0, 1} or found <= {-1, 1}):
        raise ValueError(
            f"{who}: a model with one output needs two classes labelled 0/1 or -1/+1, got labels "
            f"{sorted(found)}; for k classes give the model k outputs"
        )
    return [1 if v == 1 else 0 for v in labels]


def _indices(labels: list[int], k: int, who: str) -> list[int]:
    for i, v in enumerate(labels):
        if not 0 <= v < k:
            raise ValueError(f"{who}: y[{i}] is {v}, but a model with {k} outputs needs class labels 0..{k - 1}")
    return labels


def _outputs(out: Any, who: str) -> Value | list[Value]:
    """A model's output for one sample: one Value, or a list of Values (a list of one is unwrapped)."""
    if isinstance(out, Value):
        return out
    if isinstance(out, (list, tuple)) and out and all(isinstance(v, Value) for v in out):
        return out[0] if len(out) == 1 else list(out)
    raise TypeError(f"{who}: the model must return a Value or a list of Values, not {type(out).__name__}: {out!r}")


def _predicted(out: Value | list[Value], threshold: float) -> int:
    """Class of one output: ``score > threshold`` for one output, argmax (first on ties) for several."""
    if isinstance(out, Value):
        return 1 if out.data > threshold else 0
    best = 0
    for j in range(1, len(out)):
        if out[j].data > out[best].data:
            best = j
    return best


def _classes(labels: list[int], out: Value | list[Value], who: str) -> list[int]:
    return _binary(labels, who) if isinstance(out, Value) else _indices(labels, len(out), who)


# --- evaluating a model ---


def scores(model: Model, X: Any) -> list[float] | list[list[float]]:
    """The model's raw outputs (``.data``) per sample: a float each, or a list per sample for several outputs."""
    outs = [_outputs(model(row), "scores") for row in check_samples(X, "scores")]
    return [out.data if isinstance(out, Value) else [v.data for v in out] for out in outs]  # type: ignore[return-value]


def predict(model: Model, X: Any, *, threshold: float = 0.0) -> list[int]:
    """Predicted classes: for one output 1 if ``score > threshold`` else 0; for several, the argmax.

    Pass the threshold fit trained for, ``threshold=history.threshold`` (0.5 after ``loss="mse"``).
    """
    return [_predicted(_outputs(model(row), "predict"), threshold) for row in check_samples(X, "predict")]


def accuracy(model: Model, X: Any, y: Any, *, threshold: float = 0.0) -> float:
    """The fraction of samples whose `predict`-ed class is the label (0/1 or -1/+1 labels for one output).

    ``threshold`` as for `predict`: ``threshold=history.threshold`` after fit.

    >>> from tinygrad_dk.nn import MLP
    >>> model = MLP(1, [1], seed=0)
    >>> model.parameters()[0].data = 1.0  # score = x
    >>> accuracy(model, [[-2.0], [3.0], [4.0]], [-1, 1, -1])
    0.6666666666666666
    """
    rows = check_samples(X, "accuracy")
    labels = check_labels(y, len(rows), "accuracy")
    outs = [_outputs(model(row), "accuracy") for row in rows]
    classes = _classes(labels, outs[0], "accuracy")
    return sum(_predicted(out, threshold) == c for out, c in zip(outs, classes, strict=True)) / len(rows)


# --- what each loss needs ---


@dataclass(frozen=True)
class Task:
    """What `fit` trains against: the batch loss, per-sample targets and classes, the decision threshold."""

    loss: Callable[[list[Any], list[Any]], Value]  # batch outputs, batch targets -> mean loss
    targets: list[Any]  # per sample, as the loss wants them
    classes: list[int]  # per sample, the right class for accuracy
    threshold: float  # for one output: predicted class 1 if score > threshold


def _loss_name(loss: Any, who: str) -> Any:
    """The name of a built-in loss (``losses.hinge`` is ``"hinge"``); a function of the user's own as it is."""
    name = next((n for f, n in _LOSS_FUNCTIONS if f is loss), loss)
    if not callable(name) and (not isinstance(name, str) or name not in LOSSES):
        raise ValueError(
            f"{who}: unknown loss {loss!r}: use one of {', '.join(LOSSES)}, or a function (outputs, labels) -> Value"
        )
    return name


def _checked_loss(loss: Callable[..., Any]) -> Callable[[list[Any], list[Any]], Value]:
    """A loss function of the user's own, as it is, but with its result checked: backward needs a Value."""

    @functools.wraps(loss)
    def checked(outputs: list[Any], labels: list[Any]) -> Value:
        result = loss(outputs, labels)
        if not isinstance(result, Value):
            raise TypeError(
                f"fit: the loss function {getattr(loss, '__qualname__', loss)!r} returned a "
                f"{type(result).__name__} ({result!r}), not a Value: backward needs the loss as a Value built "
                "from the outputs by Value arithmetic (no .data, no float()), such as "
                "sum((o - t) ** 2 for o, t in zip(outputs, labels)) * (1 / len(outputs))"
            )
        return result

    return checked


def threshold_for(loss: str | Callable[..., Value]) -> float:
    """Where a one-output model trained with ``loss`` switches class: 0.5 for ``"mse"`` (0/1 targets), else 0.

    The one rule `fit` follows (it records the result as ``History.threshold``); use it for a
    model you have no `History` of. A loss function of your own gets 0.

    >>> threshold_for("mse"), threshold_for("hinge"), threshold_for(losses.bce_with_logits)
    (0.5, 0.0, 0.0)
    """
    return 0.5 if _loss_name(loss, "threshold_for") == "mse" else 0.0


def task_for(loss: Any, out: Value | list[Value], labels: list[int]) -> Task:
    """Map the labels to what ``loss`` needs, given the model's output for one sample."""
    name = _loss_name(loss, "fit")
    k = 1 if isinstance(out, Value) else len(out)  # outputs per sample
    single, threshold = k == 1, threshold_for(name)
    if callable(name):  # the user's own loss: labels as given, its result checked
        return Task(_checked_loss(name), labels, _classes(labels, out, "fit"), threshold)
    if name == "cross_entropy":
        if single:
            raise ValueError(
                "fit: loss='cross_entropy' needs a model with one output per class (k >= 2); "
                "with one output use loss='bce' or 'hinge'"
            )
        classes = _indices(labels, k, "fit")
        return Task(losses.cross_entropy, classes, classes, threshold)
    if name == "mse" and not single:  # one-hot targets, argmax prediction
        classes = _indices(labels, k, "fit")
        return Task(losses.mse, [[1.0 if j == c else 0.0 for j in range(k)] for c in classes], classes, threshold)
    if not single:
        raise ValueError(
            f"fit: loss={name!r} needs a model with one output (a score); for k classes use "
            "loss='cross_entropy' with k outputs"
        )
    classes = _binary(labels, "fit")
    if name == "hinge":
        return Task(losses.hinge, [2.0 * c - 1.0 for c in classes], classes, threshold)  # labels -1/+1
    if name == "bce":
        return Task(losses.bce_with_logits, [float(c) for c in classes], classes, threshold)  # on a linear output
    return Task(losses.mse, [float(c) for c in classes], classes, threshold)  # mse on 0/1 targets


def _optimizer(optimizer: Any, params: list[Value], lr: float | None) -> Optimizer:
    if isinstance(optimizer, Optimizer):
        if lr is not None:
            raise ValueError(
                f"fit: lr={lr!r} given with an optimizer instance: set the learning rate on the "
                f"optimizer ({type(optimizer).__name__}(params, lr=...)) instead"
            )
        owned = {id(p) for p in params}
        if not all(id(p) in owned for p in optimizer.params):
            raise ValueError(
                "fit: the optimizer holds Values that are not the model's parameters: build it from model.parameters()"
            )
        return optimizer
    if optimizer is None:
        optimizer = "sgd"
    if not isinstance(optimizer, str) or optimizer.lower() not in OPTIMIZERS:
        raise ValueError(
            f"fit: unknown optimizer {optimizer!r}: use one of {', '.join(OPTIMIZERS)}, or an "
            "Optimizer such as SGD(model.parameters(), lr=0.1)"
        )
    cls, default_lr = OPTIMIZERS[optimizer.lower()]
    return cls(params, lr=default_lr if lr is None else lr)


# --- training: what varies is chosen once, before the loop ---

_Step = Callable[[list[int]], float]  # fills .grad for a batch (indices into the rows), returns its loss
_Evaluate = Callable[[], float]  # the training accuracy at the current parameters


def _batch_loss(
    model: Model,
    params: list[Value],
    rows: list[list[float]],
    task: Task,
    l2: float,
    batch: list[int],
    outs: list[Value | list[Value]] | None = None,
) -> Value:
    """The batch's mean loss, plus the l2 penalty, as a graph of Values (on ``outs`` if the outputs are at hand)."""
    if outs is None:
        outs = [_outputs(model(rows[i]), "fit") for i in batch]
    loss = task.loss(outs, [task.targets[i] for i in batch])
    return loss + losses.l2(params) * l2 if l2 else loss


def _eager(
    model: Model, params: list[Value], rows: list[list[float]], task: Task, l2: float, full_batch: bool
) -> tuple[_Step, _Evaluate]:
    """Build the batch's loss graph and run ``backward``, every step; evaluate with Values.

    Full batch: the accuracy pass after an epoch has just run the model on every row at the
    parameters the next step starts from, so that step builds its loss on those outputs
    instead of running the model again (unless a callback changed the parameters in between).
    """
    seen: list[tuple[list[float], list[Value | list[Value]]]] = []  # the last accuracy pass: (params, outputs)

    def step(batch: list[int]) -> float:
        reuse = seen and seen[0][0] == [p.data for p in params]
        loss = _batch_loss(model, params, rows, task, l2, batch, seen[0][1] if reuse else None)
        loss.backward()
        return loss.data

    def evaluate() -> float:
        outs = [_outputs(model(row), "fit") for row in rows]
        if full_batch:
            seen[:] = [([p.data for p in params], outs)]
        right = sum(_predicted(out, task.threshold) == c for out, c in zip(outs, task.classes, strict=True))
        return right / len(rows)

    return step, evaluate


def _compiled(
    model: Model, params: list[Value], rows: list[list[float]], task: Task, l2: float, full_batch: bool
) -> tuple[_Step, _Evaluate]:
    """``fit(compile=True)``: the step `tinygrad_dk.compile.compile_fit_step` builds; evaluate with numpy.

    The accuracy pass runs one sample's recorded graph over every row at once (`compile_batch`).
    """
    from tinygrad_dk.compile import compile_batch, compile_fit_step

    def forward(xs: Any) -> Value | list[Value]:
        return _outputs(model(xs), "fit")

    scorer = compile_batch(forward, params, rows[0])
    step = compile_fit_step(forward, task.loss, params, rows, task.targets, l2=l2, full_batch=full_batch)

    def evaluate() -> float:
        scores = scorer.forward([p.data for p in params], rows)
        predicted = scores.argmax(axis=1) if scores.ndim == 2 else (scores > task.threshold).astype(int)
        return int((predicted == task.classes).sum()) / len(rows)

    return step, evaluate


def _matrix(
    model: Model, params: list[Value], rows: list[list[float]], task: Task, l2: float, full_batch: bool
) -> tuple[_Step, _Evaluate]:
    """``engine="matrix"``: every layer as one matrix product over the batch (`tinygrad_dk.matrix`); evaluate so too.

    The samples become one numpy array, once; a batch is a selection of its rows.
    """
    import numpy as np

    from tinygrad_dk.matrix import MatrixForm, targets

    name = next((n for f, n in _LOSS_FUNCTIONS if f is task.loss), task.loss)  # a loss of your own: no form
    form = MatrixForm(model, name)  # NoMatrixForm for what it cannot write as matrices: _choose falls back
    X = np.asarray(rows, dtype=float)
    T = targets(form.loss_name, task.targets, len(task.targets[0]) if isinstance(task.targets[0], list) else 1)
    classes = np.asarray(task.classes)

    def step(batch: list[int]) -> float:
        loss, grads = form.loss_and_grads(X, T, l2) if full_batch else form.loss_and_grads(X[batch], T[batch], l2)
        for p, g in zip(params, grads, strict=True):
            p.grad += g
        return loss

    def evaluate() -> float:
        scores = form.scores(X)
        predicted = scores.argmax(axis=1) if scores.shape[1] > 1 else (scores[:, 0] > task.threshold)
        return int((predicted == classes).sum()) / len(rows)

    return step, evaluate


def _engine(engine: str | None, compile: bool) -> str:
    """The engine's name: ``engine`` if given, else ``"compiled"`` for ``compile=True`` (its old spelling)."""
    if engine is None:
        return "compiled" if compile else "scalar"
    if engine not in ENGINES:
        raise ValueError(f"fit: unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    return engine


def _choose(
    model: Model, params: list[Value], rows: list[list[float]], task: Task, l2: float, full_batch: bool, engine: str
) -> tuple[_Step, _Evaluate, str]:
    """The step and evaluation of ``engine``, and the engine that runs; what one cannot run falls back, saying so."""
    own_loss = all(task.loss is not f for f, _ in _LOSS_FUNCTIONS)
    if engine == "matrix":
        from tinygrad_dk.matrix import NoMatrixForm

        try:
            return (*_matrix(model, params, rows, task, l2, full_batch), engine)
        except NoMatrixForm as error:  # a function of the user's own: the graph engines run anything
            engine = "scalar" if own_loss else "compiled"
            warnings.warn(
                f"fit(engine='matrix'): {error}; this run uses engine={engine!r}", MatrixFallbackWarning, stacklevel=3
            )
    if engine == "compiled" and own_loss:
        from tinygrad_dk.compile import CompileFallbackWarning

        warnings.warn(
            f"fit(compile=True) compiles the built-in losses ({', '.join(LOSSES)}) only: a loss function "
            "of your own may branch on .data, which a recorded graph would freeze, so this run is eager",
            CompileFallbackWarning,
            stacklevel=3,
        )
        engine = "scalar"
    return (*(_compiled if engine == "compiled" else _eager)(model, params, rows, task, l2, full_batch), engine)


def _batches(order: list[int], size: int, rng: random.Random | None) -> list[list[int]]:
    """An epoch's batches of ``size`` indices, after shuffling ``order`` in place with ``rng`` (None: in order)."""
    if rng is not None and size < len(order):
        rng.shuffle(order)
    return [order[i : i + size] for i in range(0, len(order), size)]


def _step_or_undo(opt: Optimizer, params: list[Value]) -> str | None:
    """``opt.step()``; if that made a parameter NaN or infinite, put every parameter back and say which."""
    before = [p.data for p in params]
    opt.step()
    bad = next((p for p in params if not math.isfinite(p.data)), None)
    if bad is None:
        return None
    name, data = bad.label or f"#{params.index(bad)}", bad.data
    for p, old in zip(params, before, strict=True):
        p.data = old
    return f"the update made parameter {name} {data}; the parameters are restored to their values before it"


# --- what stops a run: TrainingDiverged ---

# A matrix epoch on small data costs about as much as reading every weight and gradient once
# in Python (the moons demo: 260 microseconds an epoch; the watch's look at the weights and
# gradients 110): with it, the watch reads them after epoch 1 and every 10th epoch.
MATRIX_WATCH_EVERY = 10
BLOWUP = 1e4  # an epoch's loss above BLOWUP * max(best loss so far, 1) has blown up
ANOMALY_NODES = 200_000  # parameters times samples: the most of a batch rebuilt as Values (about a second)


def _float_error(error: BaseException) -> bool:
    """Float arithmetic gone wrong: an ArithmeticError (overflow, division by 0), or `_floats`' ValueError (log(0))."""
    if isinstance(error, ArithmeticError):
        return True
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:  # the frame that raised it
        tb = tb.tb_next
    return (
        isinstance(error, ValueError) and tb is not None and tb.tb_frame.f_globals["__name__"] == "tinygrad_dk._floats"
    )


class _Guard:
    """What stops fit with `TrainingDiverged`: each check raises it, naming where it happened and how it began.

    Diverged means: a NaN or inf loss (`loss`; with ``detect_anomaly`` a NaN or inf anywhere
    in the batch's graph); an update that makes a parameter NaN or inf (`step`, which undoes
    it); a float op leaving its domain, such as log(0), once an update has moved the
    parameters (``with guard:``; on the first step it is the model's or loss's own error);
    and an epoch's loss more than `BLOWUP` times the larger of its best so far and 1 (`epoch`).
    That last rule cannot fire on a run that learns: gradient descent lowers the loss on
    average, and the floor of 1 keeps a loss near 0 from counting small rises as growth.
    Four orders of magnitude is what steps that overshoot and grow do, from the lr=100 run's
    1 to its 1e25. The model keeps its parameters of that moment (finite): fit does not keep
    copies of the best ones, so the weights that blew up are there to look at.
    """

    def __init__(
        self,
        model: Model,
        params: list[Value],
        rows: list[list[float]],
        task: Task,
        l2: float,
        history: History,
        detect_anomaly: bool,
    ) -> None:
        self.model, self.params, self.rows, self.task, self.l2, self.history = model, params, rows, task, l2, history
        self.detect_anomaly, self.moved, self.best = detect_anomaly, False, math.inf
        self.where: tuple[int, tuple[int, int] | None, float, list[int]] = (0, None, 0.0, [])

    def batch(self, epoch: int, at: tuple[int, int] | None, lr: float, batch: list[int]) -> None:
        """The step about to run: epoch, (batch, of how many) or None for full batch, learning rate, indices."""
        self.where = (epoch, at, lr, batch)

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, tb: object) -> None:
        if error is not None and self.moved and _float_error(error):
            raise self._diverged(f"{error} (after the updates moved the parameters there)") from error

    def loss(self, value: float) -> None:
        """The batch's loss: not finite, or with ``detect_anomaly`` any non-finite value in its graph, diverged."""
        if not math.isfinite(value):
            raise self._diverged(f"the loss is {value}; the model keeps its last finite parameters")
        if self.detect_anomaly:
            anomaly = self._locate()
            if anomaly is not None:
                raise self._diverged("detect_anomaly found a NaN or inf in the step's graph", anomaly)

    def step(self, opt: Optimizer) -> None:
        """``opt.step()``; an update that makes a parameter non-finite is undone, and training stops."""
        problem = _step_or_undo(opt, self.params)
        if problem is not None:
            raise self._diverged(problem)
        self.moved = True

    def epoch(self, loss: float) -> None:
        """The epoch's mean loss: more than `BLOWUP` times the larger of the best so far and 1, diverged."""
        if loss > BLOWUP * max(self.best, 1.0):
            raise self._diverged(
                f"the loss blew up to {loss:.4g}, more than {BLOWUP:,.0f} times its best so far ({self.best:.4g}); "
                "the model keeps its last parameters, finite but far from any good ones",
                locate=False,
            )
        self.best = min(self.best, loss)

    def _diverged(self, problem: str, anomaly: Anomaly | None = None, locate: bool = True) -> TrainingDiverged:
        epoch, at, lr, _ = self.where
        if anomaly is None and locate:
            anomaly = self._locate()
        return TrainingDiverged(problem, epoch=epoch, batch=at, lr=lr, history=self.history, anomaly=anomaly)

    def _locate(self) -> Anomaly | None:
        """Where the batch's first NaN or inf was born (`advice.find_anomaly`), in its graph rebuilt as Values.

        Whatever the engine: the compiled and matrix engines keep no nodes. A batch larger than
        `ANOMALY_NODES` is searched in its first samples; the gradients fit holds are put back.
        """
        batch = self.where[3][: max(1, ANOMALY_NODES // len(self.params))]
        saved = [p.grad for p in self.params]
        try:
            loss = _batch_loss(self.model, self.params, self.rows, self.task, self.l2, batch)
            for p in self.params:
                p.grad = 0.0
            loss.backward()
            return advice.find_anomaly(loss)
        except (ArithmeticError, ValueError) as error:  # log(0) again: the message fit raises names it
            if not _float_error(error):
                raise
            return None
        finally:
            for p, grad in zip(self.params, saved, strict=True):
                p.grad = grad


def _silence(model: Model, rows: list[list[float]], engine: str) -> advice.Silence | None:
    """How the watch finds silent hidden units: numpy beside the compiled and matrix engines, else plain floats.

    A pass in Python floats costs about what a compiled epoch does, and ten matrix epochs;
    in numpy it is a few matrix products. A function of the user's own has no numpy form.
    """
    in_floats = advice.silence_of(model)
    if engine == "scalar" or in_floats is None:
        return in_floats
    import numpy as np

    from tinygrad_dk.matrix import NoMatrixForm, activation

    hidden = model.layers[:-1]  # type: ignore[attr-defined]  # silence_of found an MLP
    try:
        forms = [activation(layer.activation, layer._fn) for layer in hidden]
    except NoMatrixForm:
        return in_floats
    weights = [p for layer in hidden for p in layer.parameters()]  # per neuron: w..., b (parameters() order)
    arrays: dict[int, Any] = {}  # the watch asks about the same two lists of rows: converted once each

    def silence(some: list[list[float]]) -> list[list[bool]]:
        if id(some) not in arrays:
            arrays[id(some)] = np.asarray(some, dtype=float)
        A, silent, start = arrays[id(some)], [], 0
        values = np.fromiter((p.data for p in weights), float, len(weights))  # one pass over the Values
        for layer, f in zip(hidden, forms, strict=True):
            block = values[start : start + layer.nout * (layer.nin + 1)].reshape(layer.nout, layer.nin + 1)
            start += block.size
            Z = A @ block[:, :-1].T + block[:, -1]  # row j of block: neuron j's weights, then its bias
            A = Z if f.forward is None else f.forward(Z)
            silent.append((A == 0).all(axis=0).tolist())
        return silent

    return silence


class _NoBar:
    """The epochs without a progress bar: what fit needs of tqdm's bar, doing nothing."""

    def __init__(self, epochs: int) -> None:
        self.epochs = range(1, epochs + 1)

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __iter__(self) -> Iterator[int]:
        return iter(self.epochs)

    def set_postfix(self, **values: str) -> None:
        """Nothing to show."""


def _progress_bar(epochs: int, label: str, progress: bool) -> Any:
    """The epochs 1..epochs, under a tqdm progress bar if ``progress`` (tqdm is imported only then)."""
    if not progress:
        return _NoBar(epochs)
    from tqdm import tqdm

    return tqdm(range(1, epochs + 1), desc=label or "fit", unit="epoch")


def fit(
    model: Model,
    X: Any,
    y: Any,
    *,
    loss: str | Callable[[list[Any], list[Any]], Value] = "hinge",
    optimizer: Optimizer | str | None = None,
    lr: float | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int = 0,
    l2: float = 0.0,
    progress: bool = True,
    callbacks: Iterable[Callable[[int, Any, History], object]] = (),
    label: str = "",
    engine: str | None = None,
    compile: bool = False,
    warn: bool = True,
    detect_anomaly: bool = False,
    lang: str | None = None,
) -> History:
    """Train ``model`` on ``X`` (samples) and ``y`` (class labels) by gradient descent; return the `History`.

    How many samples make one update is the difference between the three classic methods:

    - ``batch_size=None``: full-batch gradient descent. Each epoch builds one graph of the
      mean loss over all samples and makes one update: ``updates == 1`` per epoch.
    - ``batch_size=1``: stochastic gradient descent (SGD). One update per sample, so
      ``n`` noisy updates per epoch.
    - ``batch_size=k``: mini-batch gradient descent: ``ceil(n / k)`` updates per epoch, each
      from the mean loss of ``k`` samples (the last batch may be smaller).

    ``loss``: ``"hinge"`` (labels mapped to -1/+1), ``"bce"`` (logistic loss on the raw
    score, `losses.bce_with_logits`; labels 0/1), ``"mse"`` (0/1 targets for one output,
    one-hot for several) or ``"cross_entropy"`` (a model with k outputs, labels 0..k-1); the
    functions of the same names in `tinygrad_dk.losses` are understood too. Any other
    function is called as ``loss(outputs, labels)`` on a batch (labels as given) and must
    return the batch's mean loss as a Value. Labels may be 0/1 or -1/+1 for one output.

    Accuracy counts a sample right when its predicted class is its label: for one output
    the class is 1 if the score is > ``history.threshold`` (0, or 0.5 for ``"mse"``: see
    `threshold_for`), for several the argmax.

    ``optimizer``: None or ``"sgd"`` (lr 0.1 unless ``lr`` is given), ``"adam"`` or
    ``"adamw"`` (lr 0.01), or an `Optimizer` built on ``model.parameters()``. ``l2`` adds
    ``l2 * sum(p**2)`` over the model's parameters to every batch's loss. ``seed`` drives the
    shuffling only (seed the model where you build it); ``shuffle=False`` keeps the order.

    ``callbacks``: each is called as ``callback(epoch, model, history)`` after every epoch
    (``epoch`` counts from 1, ``history`` holds that epoch already), for instance to record
    the weights per epoch with ``model.state_dict()``.

    ``engine`` says how each step computes the loss and its gradients (one of `ENGINES`):

    - ``"scalar"`` (the default): the graph of Values, built and backpropagated every step,
      every node there to look at.
    - ``"compiled"`` (or the older ``compile=True``): the graph recorded once and then run
      as straight-line Python (`tinygrad_dk.compile`), after a second or two of compiling.
      Full batch: the same losses and gradients to the last bit, about a hundred times
      faster per epoch, while one program of every row stays small (`compile.WHOLE_GRAPH_NODES`,
      230 moons samples of ``MLP(2, [16, 16, 1])``); above that, and for mini-batches and SGD,
      one program per sample's target, the batch's gradient their mean (equal to eager's up
      to the order of the sums, about 1e-16), so memory does not grow with the samples. A
      loss function of your own runs eagerly, with a `CompileFallbackWarning`: it may branch
      on ``.data``, which a recorded graph would freeze.
    - ``"matrix"``: every layer as one matrix product over the batch, in numpy
      (`tinygrad_dk.matrix`): equal to the scalar engine up to the order of the sums (about
      1e-16), with no graph at all, so a million samples train in about a second per epoch.
      An `MLP` with named activations and a built-in loss only: anything else (a function of
      your own) runs compiled, or scalar for a loss of your own, with a `MatrixFallbackWarning`.

    ``engine``, when given, decides; otherwise ``compile=True`` means ``"compiled"``.

    A NaN or infinite loss or parameter, a float op out of its domain (log(0)) after the first
    update, or an epoch's loss more than `BLOWUP` (10,000) times the larger of its best so far
    and 1, raises `TrainingDiverged` (a ValueError) naming the epoch, the batch and a smaller
    learning rate to try, and, when a NaN or inf was made, the op and operands that made it
    first (its ``anomaly``). A failing update is undone; the model keeps its last finite
    parameters. ``detect_anomaly=True`` checks every value and gradient of every step's graph,
    as ``torch.autograd.detect_anomaly`` does, and stops at the first NaN or inf even when the
    loss stays finite: slow (it rebuilds each batch's graph of Values), for finding a bug.

    Warnings that teach (`tinygrad_dk.advice`): after each epoch fit looks for what an expert
    would see at once (most of a hidden layer dead, an activation with no gradient, exploding
    or vanishing gradients, a loss that does not fall) and says it, once per cause, as a
    `TrainingWarning` with the epoch it started, in the language ``lang`` ("en" or "da"; None:
    TINYGRAD_DK_LANG, else English). ``warn=False`` keeps them quiet; either way they are in
    ``history.warnings``.
    """
    # 1. the arguments, each checked where it enters
    rows = check_samples(X, "fit")
    labels = check_labels(y, len(rows), "fit")
    params = check_model(model, "fit")
    opt = _optimizer(optimizer, params, lr)
    epochs = check_count(epochs, "fit: epochs")
    batch_size = check_batch_size(batch_size, "fit")
    seed = check_seed(seed, "fit")
    l2 = check_l2(l2, "fit")
    callbacks = check_callbacks(callbacks, "fit")
    warn = check_flag(warn, "fit: warn")
    detect_anomaly = check_flag(detect_anomaly, "fit: detect_anomaly")
    lang = check_lang(lang, "fit")
    task = task_for(loss, _outputs(model(rows[0]), "fit"), labels)  # the labels as the loss wants them
    size = len(rows) if batch_size is None else min(batch_size, len(rows))
    # 2. what varies, chosen once: how a step runs (scalar, compiled or matrix) and how to evaluate;
    # what stops the run (the guard) and what is said about it (the watch)
    step, evaluate, engine = _choose(model, params, rows, task, l2, size == len(rows), _engine(engine, compile))
    history = History(label=label, batch_size=batch_size, threshold=task.threshold)
    guard = _Guard(model, params, rows, task, l2, history, detect_anomaly)
    watch = advice.Watch(
        model,
        params,
        rows,
        silence=_silence(model, rows, engine),
        l2=l2,
        warn=warn,
        lang=lang,
        every=MATRIX_WATCH_EVERY if engine == "matrix" else 1,
    )

    # 3. the epochs
    order, rng = list(range(len(rows))), random.Random(seed)  # the shuffling's own generator, not the global one
    with _progress_bar(epochs, label, progress) as bar:
        for epoch in bar:
            start, total, batches = time.perf_counter(), 0.0, _batches(order, size, rng if shuffle else None)
            for b, batch in enumerate(batches, 1):
                guard.batch(epoch, (b, len(batches)) if batch_size is not None else None, opt.lr, batch)
                for p in params:  # zero the gradients
                    p.grad = 0.0
                with guard:  # log(0) and the like, once the updates have moved the parameters: diverged
                    batch_loss = step(batch)  # forward and backward
                guard.loss(batch_loss)  # NaN or inf: diverged
                guard.step(opt)  # update: opt.step(), undone if it makes a parameter NaN or inf
                total += batch_loss * len(batch)
            history.loss.append(total / len(rows))  # the epoch's record; accuracy after its updates
            history.accuracy.append(evaluate())
            history.lr.append(opt.lr)
            history.updates.append(len(batches))
            history.seconds.append(time.perf_counter() - start)
            guard.epoch(history.loss[-1])  # blown up: diverged
            history.warnings += watch.epoch(epoch, history.loss, opt.lr)  # what an expert would say
            bar.set_postfix(loss=f"{history.loss[-1]:.4f}", accuracy=f"{history.accuracy[-1]:.3f}")
            for cb in callbacks:
                cb(epoch, model, history)
    return history
