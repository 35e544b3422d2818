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

from collections.abc import Iterable, Sequence
from typing import Any

from tinygrad_dk._checks import (
    check_logits,
    check_pairs,
    check_probability,
    check_real,
    check_sign_label,
    check_target,
    check_value,
    check_values,
    is_batch,
)
from tinygrad_dk.engine import Value

__all__ = ["bce_with_logits", "binary_cross_entropy", "cross_entropy", "half_sse", "hinge", "l2", "mse"]


# --- sums and means without extra nodes ---


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
    each_prediction, each_target = f"{loss}: each prediction", f"{loss}: each target"  # for the messages
    for p, t in check_pairs(pred, target, loss):
        # one level of nesting: a batch of multi-output predictions against a batch of target lists
        inner = check_pairs(p, t, loss) if is_batch(p) or is_batch(t) else [(p, t)]
        for q, u in inner:
            errors.append((check_value(q, each_prediction) - check_target(u, each_target)) ** 2)
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
    eps = check_real(eps, "binary_cross_entropy: eps", above=0, below=0.5)
    terms = []
    for p, t in check_pairs(prob, target, "binary_cross_entropy", ("probability", "target")):
        p = check_probability(p, "binary_cross_entropy: each probability")
        t = check_real(t, "binary_cross_entropy: each target", at_least=0, at_most=1, bools=True)
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
    for x, t in check_pairs(logit, target, "bce_with_logits", ("logit", "target")):
        x = check_value(x, "bce_with_logits: each logit")
        t = check_real(t, "bce_with_logits: each target", at_least=0, at_most=1, bools=True)
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
    for s, y in check_pairs(score, label, "hinge", ("score", "label")):
        y = check_sign_label(y, "hinge")
        terms.append((check_value(s, "hinge: each score") * -y + 1.0).relu())  # 1 - y * s
    return _mean(terms)


# --- multi-class classification ---


def _log_softmax_at(logits: list[Value], index: int) -> Value:
    """``-log softmax(logits)[index] = logsumexp(logits) - logits[index]``, stable for huge logits."""
    # logsumexp(x) = m + log(sum(exp(x - m))) for any m; m = max(x) keeps every exp <= 1 and one of
    # them = 1. The max is a node of the graph (the op max), not a number read off, so a compiled graph
    # recomputes it for new weights; its gradient cancels, since d logsumexp / d m = 0. (Building it
    # as relu(b - a) + a instead rounds: -1e20 and -1000 would give 0, and every exp 0.)
    m = logits[0]
    for v in logits[1:]:
        m = m.maximum(v)
    # (m - logits[index]) + log(sum), not (log(sum) + m) - logits[index]: at logits of 1e15 a loss of
    # 0.31 added to m first would round to a multiple of m's float spacing, 0.125
    return (m - logits[index]) + _total([(v - m).exp() for v in logits]).log()  # the sum is >= 1: log is safe


def cross_entropy(logits: Any, target_index: Any) -> Value:
    """Softmax cross-entropy ``-log(softmax(logits)[target])``, averaged over a batch.

    One sample: ``logits`` is a list of k Values and ``target_index`` an int in 0..k-1.
    A batch: a list of such lists and a list of ints. The softmax uses the log-sum-exp
    trick (the largest logit is subtracted first), so logits of +-1000 give a finite loss and
    gradients ``softmax - onehot``.

    >>> round(cross_entropy([Value(1.0), Value(1.0)], 0).data, 6)  # log 2
    0.693147
    """
    return _mean([_log_softmax_at(row, index) for row, index in check_logits(logits, target_index)])


# --- regularisation ---


def l2(params: Iterable[Value]) -> Value:
    """The sum of squares ``sum(p**2)`` of some parameters (0 for none): add ``lam * l2(...)`` to a loss.

    >>> l2([Value(1.0), Value(-2.0)]).data
    5.0
    """
    squares = [p**2 for p in check_values(params, "l2: params")]
    return _total(squares) if squares else Value(0.0)
