"""Loss functions, each a composition of `Value` ops: no derivative code lives here.

Every loss takes one sample or a batch. One sample is a `Value` (or a plain number) and its
target; a batch is a list of them and a list of targets, and the loss is the mean over the
batch (``half_sse`` and ``l2`` are sums by definition). ``cross_entropy`` takes a list of
logits per sample: one list and one class index, or a list of lists and a list of indices.

>>> from tinygrad_dk import Value
>>> s = Value(0.5)
>>> hinge(s, -1).data  # max(0, 1 - (-1) * 0.5)
1.5
>>> round(mse([Value(1.0), Value(3.0)], [0.0, 1.0]).data, 6)  # (1 + 4) / 2
2.5
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

from tinygrad_dk.engine import Value

__all__ = ["bce_with_logits", "binary_cross_entropy", "cross_entropy", "half_sse", "hinge", "l2", "mse"]


# --- checking what comes in ---

def _is_batch(x: Any) -> bool:
    """A list, tuple or numpy array with at least one axis (a Value or a number is one sample)."""
    return isinstance(x, (list, tuple)) or getattr(x, "ndim", 0) >= 1


def _value(x: Any, loss: str, what: str) -> Value:
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real) or getattr(x, "shape", None) == ():  # numpy scalars too
        return Value(float(x))
    raise TypeError(f"{loss}: each {what} must be a Value or a number, not {type(x).__name__}: {x!r}")


def _number(x: Any, loss: str, what: str) -> float:
    if isinstance(x, Value):
        raise TypeError(f"{loss}: each {what} must be a plain number, not a Value: pass {what}.data")
    if isinstance(x, numbers.Real) or getattr(x, "shape", None) == ():
        return float(x)
    raise TypeError(f"{loss}: each {what} must be a number, not {type(x).__name__}: {x!r}")


def _plural(word: str) -> str:
    return word[:-5] + "indices" if word.endswith("index") else word + "s"


def _pairs(pred: Any, target: Any, loss: str,
           what: tuple[str, str] = ("prediction", "target")) -> list[tuple[Any, Any]]:
    """(prediction, target) pairs of one sample or a batch; length mismatches and empty batches raise."""
    (p1, t1), (ps, ts) = what, (_plural(what[0]), _plural(what[1]))
    if not _is_batch(pred):
        if _is_batch(target):
            raise ValueError(f"{loss}: one {p1} but {len(target)} {ts}: give a list of {ps} for a batch, "
                             f"or one {t1} for one sample")
        return [(pred, target)]
    if not _is_batch(target):
        raise ValueError(f"{loss}: {len(pred)} {ps} but one {t1} ({target!r}): give one {t1} per {p1}")
    if len(pred) != len(target):
        raise ValueError(f"{loss}: {len(pred)} {ps} but {len(target)} {ts}: give one {t1} per {p1}")
    if len(pred) == 0:
        raise ValueError(f"{loss}: empty batch: give at least one {p1}")
    return list(zip(pred, target, strict=True))


def _total(terms: Sequence[Value]) -> Value:
    """``terms[0] + terms[1] + ...`` without the extra ``0 + ...`` node that `sum` would add."""
    out = terms[0]
    for term in terms[1:]:
        out = out + term
    return out


def _mean(terms: Sequence[Value]) -> Value:
    return _total(terms) if len(terms) == 1 else _total(terms) * (1.0 / len(terms))


# --- regression-style losses ---

def _squared_errors(pred: Any, target: Any, loss: str) -> list[Value]:
    errors = []
    for p, t in _pairs(pred, target, loss):
        # one level of nesting: a batch of multi-output predictions against a batch of target lists
        inner = _pairs(p, t, loss) if _is_batch(p) or _is_batch(t) else [(p, t)]
        for q, u in inner:
            diff = _value(q, loss, "prediction") - (u if isinstance(u, Value) else _number(u, loss, "target"))
            errors.append(diff**2)
    return errors


def mse(pred: Any, target: Any) -> Value:
    """Mean squared error ``mean((pred - target)**2)`` over every output of every sample.

    ``pred`` is a Value, a list of Values (a batch, or one multi-output sample) or a list of
    lists (a batch of multi-output samples); ``target`` has the same shape (numbers or Values).

    >>> mse(Value(3.0), 1.0).data
    4.0
    """
    return _mean(_squared_errors(pred, target, "mse"))


def half_sse(pred: Any, target: Any) -> Value:
    """The textbook ``1/2 * sum((target - out)**2)``: a sum over samples and outputs, not a mean.

    Shapes as in `mse`. The 1/2 makes the gradient with respect to ``out`` just ``out - target``.

    >>> half_sse([Value(3.0), Value(0.0)], [1.0, 1.0]).data  # (4 + 1) / 2
    2.5
    """
    return _total(_squared_errors(pred, target, "half_sse")) * 0.5


# --- binary classification ---

def _unit_interval(x: float, loss: str, what: str, hint: str = "") -> float:
    if not 0.0 <= x <= 1.0:  # also rejects nan
        raise ValueError(f"{loss}: {what} {x!r} is outside [0, 1]{hint}")
    return x


def binary_cross_entropy(prob: Any, target: Any, *, eps: float = 1e-7) -> Value:
    """Mean of ``-(t * log(p) + (1 - t) * log(1 - p))`` for probabilities ``p`` in [0, 1].

    ``prob`` is a Value (a sigmoid output, say) or a list of them; ``target`` a number in
    [0, 1] or a list of them. ``p`` is clamped to ``[eps, 1 - eps]`` by shifting its value
    only, so the gradient still flows: a confident wrong prediction (p = 0, t = 1) gets a
    large finite gradient towards the right answer, not 0 and not inf. On raw scores use
    `bce_with_logits`, which is exact and stable.

    >>> round(binary_cross_entropy(Value(0.5), 1.0).data, 6)  # log 2
    0.693147
    """
    if not 0.0 < eps < 0.5:
        raise ValueError(f"binary_cross_entropy: eps must be in (0, 0.5), got {eps!r}")
    terms = []
    for p, t in _pairs(prob, target, "binary_cross_entropy", ("probability", "target")):
        p = _value(p, "binary_cross_entropy", "probability")
        _unit_interval(p.data, "binary_cross_entropy", "probability", ": pass sigmoid outputs, or use bce_with_logits "
                       "on raw scores")
        t = _unit_interval(_number(t, "binary_cross_entropy", "target"), "binary_cross_entropy", "target")
        clamped = min(max(p.data, eps), 1.0 - eps)
        p = p if clamped == p.data else p + (clamped - p.data)  # moves the value, keeps d p / d prob = 1
        terms.append(-(p.log() * t + (1.0 - p).log() * (1.0 - t)))
    return _mean(terms)


def bce_with_logits(logit: Any, target: Any) -> Value:
    """Binary cross-entropy on a raw score ``x``: ``mean(log(1 + exp(x)) - x * t)``, stable for any ``x``.

    Equal to ``binary_cross_entropy(sigmoid(x), t)``. It is computed as ``softplus(x) - x * t``
    where the engine's softplus is ``max(x, 0) + log(1 + exp(-|x|))``, so logits of +-1000 give
    finite losses and gradients ``sigmoid(x) - t``. (Composing relu and abs instead would give
    the wrong subgradient at x = 0: -t rather than 1/2 - t.) Shapes as in `hinge`.

    >>> round(bce_with_logits(Value(0.0), 1.0).data, 6)  # log 2
    0.693147
    >>> bce_with_logits(Value(-1000.0), 1.0).data
    1000.0
    """
    terms = []
    for x, t in _pairs(logit, target, "bce_with_logits", ("logit", "target")):
        x = _value(x, "bce_with_logits", "logit")
        t = _unit_interval(_number(t, "bce_with_logits", "target"), "bce_with_logits", "target")
        terms.append(x.softplus() - x * t)
    return _mean(terms)


def hinge(score: Any, label: Any) -> Value:
    """Max-margin loss ``mean(max(0, 1 - y * s))`` for scores ``s`` and labels ``y`` in {-1, +1}.

    ``score`` is a Value or a list of them, ``label`` -1/+1 or a list of them. The loss is 0
    once a sample is on the right side with margin 1; at exactly the margin the gradient is 0
    (relu'(0) = 0).

    >>> hinge([Value(2.0), Value(0.5)], [1, 1]).data  # (0 + 0.5) / 2
    0.25
    """
    terms = []
    for s, y in _pairs(score, label, "hinge", ("score", "label")):
        y = _number(y, "hinge", "label")
        if y not in (-1.0, 1.0):
            raise ValueError(f"hinge: label {y!r} is not -1 or +1: map 0/1 labels with 2 * y - 1")
        terms.append((_value(s, "hinge", "score") * -y + 1.0).relu())  # 1 - y * s
    return _mean(terms)


# --- multi-class classification ---

def _class_index(t: Any, k: int) -> int:
    if isinstance(t, bool) or not isinstance(t, numbers.Integral):  # numpy integers are Integral too
        raise TypeError(f"cross_entropy: a target must be an int class index, not {type(t).__name__}: {t!r}")
    index = int(t)
    if not 0 <= index < k:
        raise ValueError(f"cross_entropy: target index {index} is out of range for {k} logits: use 0..{k - 1}")
    return index


def _log_softmax_at(row: Any, index: int) -> Value:
    """``-log softmax(row)[index] = logsumexp(row) - row[index]``, stable for huge logits."""
    logits = [_value(v, "cross_entropy", "logit") for v in row]
    bad = next((v.data for v in logits if not math.isfinite(v.data)), None)
    if bad is not None:
        raise ValueError(f"cross_entropy: a logit is {bad!r}: logits must be finite")
    # logsumexp(x) = m + log(sum(exp(x - m))) for any m; m = max(x) keeps every exp <= 1. The max is
    # built in the graph (max(a, b) = relu(b - a) + a) rather than read off as a number, so a compiled
    # graph recomputes it for new weights; its gradient cancels, since d logsumexp / d m = 0.
    m = logits[0]
    for v in logits[1:]:
        m = (v - m).relu() + m
    lse = _total([(v - m).exp() for v in logits]).log() + m  # the sum is >= 1: log is safe
    return lse - logits[index]


def cross_entropy(logits: Any, target_index: Any) -> Value:
    """Softmax cross-entropy ``-log(softmax(logits)[target])``, averaged over a batch.

    One sample: ``logits`` is a list of k Values and ``target_index`` an int in 0..k-1.
    A batch: a list of such lists and a list of ints. The softmax uses the log-sum-exp
    trick (the largest logit is subtracted first), so logits of +-1000 give a finite loss and
    gradients ``softmax - onehot``.

    >>> round(cross_entropy([Value(1.0), Value(1.0)], 0).data, 6)  # log 2
    0.693147
    """
    if not _is_batch(logits):
        raise TypeError(f"cross_entropy: logits must be a list of Values (one per class) or a list of such "
                        f"lists, not {type(logits).__name__}")
    if len(logits) == 0:
        raise ValueError("cross_entropy: logits is empty: give one logit per class (or a non-empty batch)")
    if not _is_batch(target_index):  # one sample
        if _is_batch(logits[0]):
            raise ValueError(f"cross_entropy: a batch of {len(logits)} logit lists but one target index "
                             f"({target_index!r}): give one index per sample")
        return _log_softmax_at(logits, _class_index(target_index, len(logits)))
    if not all(_is_batch(row) for row in logits):
        raise ValueError("cross_entropy: a list of target indices needs a list of logit lists, one per sample")
    terms = []
    for row, t in _pairs(logits, target_index, "cross_entropy", ("logit list", "target index")):
        if len(row) == 0:
            raise ValueError("cross_entropy: a sample has no logits: give one logit per class")
        terms.append(_log_softmax_at(row, _class_index(t, len(row))))
    return _mean(terms)


# --- regularisation ---

def l2(params: Iterable[Value]) -> Value:
    """The sum of squares ``sum(p**2)`` of some parameters (0 for none): add ``lam * l2(...)`` to a loss.

    >>> l2([Value(1.0), Value(-2.0)]).data
    5.0
    """
    squares = []
    for p in params:
        if not isinstance(p, Value):
            raise TypeError(f"l2: params must be Values (model.parameters()), not {type(p).__name__}: {p!r}")
        squares.append(p**2)
    return _total(squares) if squares else Value(0.0)
