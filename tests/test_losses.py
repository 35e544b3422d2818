"""Losses: values against independent formulas, gradients by gradcheck, stability, PyTorch."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import need_module

from tinygrad_dk import Value, gradcheck
from tinygrad_dk.losses import bce_with_logits, binary_cross_entropy, cross_entropy, half_sse, hinge, l2, mse


def values(*xs: float) -> list[Value]:
    return [Value(x) for x in xs]


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# --- values against the textbook formulas ---


def test_mse_one_sample_batch_and_multi_output() -> None:
    assert mse(Value(3.0), 1.0).data == 4.0
    assert mse(2.5, 0.5).data == 4.0  # plain numbers are fine
    assert mse(values(1.0, -2.0, 0.5), [0.0, 1.0, 0.5]).data == pytest.approx((1 + 9 + 0) / 3)
    batch = [values(1.0, 2.0), values(0.0, -1.0)]
    assert mse(batch, [[0.0, 0.0], [1.0, 1.0]]).data == pytest.approx((1 + 4 + 1 + 4) / 4)


def test_mse_targets_may_be_values() -> None:
    p, t = Value(2.0), Value(0.5)
    loss = mse(p, t)
    loss.backward()
    assert (loss.data, p.grad, t.grad) == (2.25, 3.0, -3.0)


def test_half_sse_is_half_the_sum_not_the_mean() -> None:
    preds = values(0.2, 0.9, 0.4)
    targets = [0.0, 1.0, 1.0]
    loss = half_sse(preds, targets)
    assert loss.data == pytest.approx(0.5 * ((0 - 0.2) ** 2 + (1 - 0.9) ** 2 + (1 - 0.4) ** 2))
    loss.backward()
    assert [p.grad for p in preds] == pytest.approx([0.2, -0.1, -0.6])  # out - target


def test_binary_cross_entropy_value() -> None:
    probs, targets = [0.9, 0.2, 0.6], [1.0, 0.0, 0.3]
    expected = -sum(t * math.log(p) + (1 - t) * math.log(1 - p) for p, t in zip(probs, targets, strict=True)) / 3
    assert binary_cross_entropy(values(*probs), targets).data == pytest.approx(expected, rel=1e-12)


def test_bce_with_logits_equals_bce_on_the_sigmoid() -> None:
    logits, targets = [2.0, -0.5, 0.0, 3.5], [1.0, 0.0, 1.0, 0.25]
    expected = (
        -sum(
            t * math.log(sigmoid(x)) + (1 - t) * math.log(1 - sigmoid(x)) for x, t in zip(logits, targets, strict=True)
        )
        / 4
    )
    assert bce_with_logits(values(*logits), targets).data == pytest.approx(expected, rel=1e-12)


def test_hinge_value_and_margin() -> None:
    scores, labels = [2.0, 0.5, -0.25, -3.0], [1, 1, 1, 1]
    assert hinge(values(*scores), labels).data == pytest.approx((0 + 0.5 + 1.25 + 4.0) / 4)
    assert hinge(Value(-3.0), -1).data == 0.0  # right side, margin 3
    assert hinge(Value(0.5), -1.0).data == 1.5


def test_bool_and_numpy_targets_are_numbers() -> None:
    np = need_module("numpy")
    assert hinge(Value(0.5), True).data == hinge(Value(0.5), 1).data == 0.5
    assert bce_with_logits(Value(0.0), False).data == bce_with_logits(Value(0.0), 0.0).data
    assert mse(Value(3.0), np.array(1.0)).data == mse(np.float64(3.0), 1).data == 4.0


def test_cross_entropy_value() -> None:
    logits = [1.0, 2.0, 0.5]
    expected = -math.log(math.exp(2.0) / sum(math.exp(v) for v in logits))
    assert cross_entropy(values(*logits), 1).data == pytest.approx(expected, rel=1e-12)
    batch = [values(*logits), values(0.0, 0.0, 0.0)]
    assert cross_entropy(batch, [1, 2]).data == pytest.approx((expected + math.log(3)) / 2, rel=1e-12)


def test_l2_is_the_sum_of_squares() -> None:
    ps = values(1.0, -2.0, 0.5)
    loss = l2(ps)
    loss.backward()
    assert loss.data == 5.25
    assert [p.grad for p in ps] == [2.0, -4.0, 1.0]
    assert l2([]).data == 0.0


# --- gradients ---


@pytest.mark.parametrize(
    ("name", "f", "point"),
    [
        ("mse", lambda v: mse(v, [0.5, -1.0, 2.0]), [0.3, 0.7, -1.1]),
        ("half_sse", lambda v: half_sse(v, [1.0, 0.0, 0.0]), [0.3, 0.7, -1.1]),
        ("bce", lambda v: binary_cross_entropy([v[0].sigmoid(), v[1].sigmoid()], [1.0, 0.2]), [0.4, -1.3]),
        ("bce_with_logits", lambda v: bce_with_logits(v, [1.0, 0.0, 0.7]), [0.4, -1.3, 2.2]),
        ("hinge", lambda v: hinge(v, [1, -1, 1]), [0.4, -1.3, 2.2]),  # off the kink at margin 1
        ("cross_entropy", lambda v: cross_entropy([v[:3], v[3:]], [2, 0]), [0.4, -1.3, 2.2, 0.1, 0.0, -0.5]),
        ("l2", lambda v: l2(v) * 0.1, [0.4, -1.3, 2.2]),
    ],
)
def test_gradcheck(name: str, f: Callable[[list[Value]], Value], point: list[float]) -> None:
    assert gradcheck(f, point), name


def test_bce_with_logits_gradient_at_zero_is_half_minus_target() -> None:
    # the place where a relu/abs composition would give -t instead
    for t in (0.0, 0.3, 1.0):
        x = Value(0.0)
        bce_with_logits(x, t).backward()
        assert x.grad == pytest.approx(0.5 - t, abs=1e-15)


@given(st.lists(st.floats(-30, 30), min_size=2, max_size=6), st.data())
def test_cross_entropy_gradient_is_softmax_minus_onehot(logits: list[float], data: st.DataObject) -> None:
    target = data.draw(st.integers(0, len(logits) - 1))
    xs = values(*logits)
    cross_entropy(xs, target).backward()
    m = max(logits)
    total = sum(math.exp(v - m) for v in logits)
    expected = [math.exp(v - m) / total - (i == target) for i, v in enumerate(logits)]
    assert [x.grad for x in xs] == pytest.approx(expected, abs=1e-12)


# --- stability ---


@pytest.mark.parametrize("x", [1000.0, -1000.0])
@pytest.mark.parametrize("t", [0.0, 1.0])
def test_bce_with_logits_is_stable_at_huge_logits(x: float, t: float) -> None:
    v = Value(x)
    loss = bce_with_logits(v, t)
    loss.backward()
    right = (x > 0) == (t == 1.0)
    assert loss.data == (0.0 if right else 1000.0)  # log(1 + e^-1000) = 0 in floats
    assert v.grad == (0.0 if right else (1.0 if x > 0 else -1.0))  # sigmoid(x) - t


def test_cross_entropy_is_stable_at_huge_logits() -> None:
    xs = values(1000.0, -1000.0, 0.0)
    loss = cross_entropy(xs, 1)
    loss.backward()
    assert loss.data == 2000.0
    assert [x.grad for x in xs] == [1.0, -1.0, 0.0]
    ys = values(1000.0, 999.0)
    cross_entropy(ys, 0).backward()
    assert ys[0].grad == pytest.approx(sigmoid(1.0) - 1.0, rel=1e-12)


@pytest.mark.parametrize(("p", "t", "sign"), [(0.0, 1.0, -1.0), (1.0, 0.0, 1.0), (1.0, 1.0, 0.0), (0.0, 0.0, 0.0)])
def test_binary_cross_entropy_clamp_keeps_gradients_finite(p: float, t: float, sign: float) -> None:
    v = Value(p)
    loss = binary_cross_entropy(v, t)
    loss.backward()
    assert math.isfinite(loss.data) and math.isfinite(v.grad)
    if sign:  # a confident wrong answer: a large loss and a gradient towards the target
        assert loss.data == pytest.approx(-math.log(1e-7))
        assert v.grad * sign > 1e6
    else:
        assert loss.data == pytest.approx(0.0, abs=1e-6)


# --- PyTorch as the reference ---


def test_against_torch() -> None:
    torch = need_module("torch")
    F = torch.nn.functional

    def both(ours: Callable[..., Value], theirs: Callable[..., Any], *inputs: list[float]) -> None:
        vs = [values(*x) for x in inputs]
        ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
        loss, ref = ours(*vs), theirs(*ts)
        loss.backward()
        ref.backward()
        assert loss.data == pytest.approx(ref.item(), rel=1e-9, abs=1e-12)
        for v, t in zip(vs, ts, strict=True):
            assert [x.grad for x in v] == pytest.approx(t.grad.tolist(), rel=1e-9, abs=1e-12)

    y, t01, pm = [0.5, -1.0, 2.0, 0.0], [1.0, 0.0, 0.3, 1.0], [1.0, -1.0, -1.0, 1.0]
    target = torch.tensor(t01, dtype=torch.float64)
    both(lambda p: mse(p, y), lambda p: F.mse_loss(p, torch.tensor(y, dtype=torch.float64)), [0.3, 0.7, -1.1, 4.0])
    both(
        lambda p: half_sse(p, y),
        lambda p: 0.5 * F.mse_loss(p, torch.tensor(y, dtype=torch.float64), reduction="sum"),
        [0.3, 0.7, -1.1, 4.0],
    )
    both(lambda p: binary_cross_entropy(p, t01), lambda p: F.binary_cross_entropy(p, target), [0.9, 0.01, 0.5, 0.999])
    both(
        lambda x: bce_with_logits(x, t01),
        lambda x: F.binary_cross_entropy_with_logits(x, target),
        [2.0, -1000.0, 0.0, 1000.0],
    )
    both(
        lambda s: hinge(s, pm),
        lambda s: F.relu(1 - torch.tensor(pm, dtype=torch.float64) * s).mean(),
        [0.3, 0.7, -2.5, 4.0],
    )
    both(
        lambda x, z: cross_entropy([x, z], [2, 0]),
        lambda x, z: F.cross_entropy(torch.stack([x, z]), torch.tensor([2, 0])),
        [0.4, -1.3, 2.2],
        [1000.0, -1000.0, 3.0],
    )
    both(lambda x: cross_entropy(x, 1), lambda x: F.cross_entropy(x, torch.tensor(1)), [0.4, -1.3, 2.2])
    both(l2, lambda p: (p * p).sum(), [0.3, 0.7, -1.1])


# --- bad input ---


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: mse(values(1.0, 2.0), [1.0]), ValueError, r"mse: 2 predictions but 1 targets"),
        (lambda: mse(Value(1.0), [1.0, 2.0]), ValueError, r"mse: one prediction but 2 targets"),
        (lambda: mse(values(1.0), 1.0), ValueError, r"mse: 1 predictions but one target"),
        (lambda: mse([], []), ValueError, r"mse: empty batch"),
        (lambda: mse(Value(1.0), "a"), TypeError, r"mse: each target must be a number"),
        (lambda: half_sse([values(1.0, 2.0)], [[1.0]]), ValueError, r"half_sse: 2 predictions but 1 targets"),
        (lambda: hinge(Value(1.0), 0), ValueError, r"hinge: label 0.0 is not -1 or \+1: map 0/1 labels"),
        (lambda: hinge(values(1.0, 2.0), [1, 2]), ValueError, r"hinge: label 2.0 is not -1 or \+1"),
        (lambda: hinge([], []), ValueError, r"hinge: empty batch: give at least one score"),
        (lambda: hinge(values(1.0), [1, -1]), ValueError, r"hinge: 1 scores but 2 labels"),
        (
            lambda: binary_cross_entropy(Value(1.5), 1.0),
            ValueError,
            r"binary_cross_entropy: each probability must be in \[0, 1\], got 1.5: pass sigmoid outputs",
        ),
        (
            lambda: binary_cross_entropy(Value(0.5), -0.1),
            ValueError,
            r"binary_cross_entropy: each target must be in \[0, 1\], got -0.1",
        ),
        (lambda: binary_cross_entropy(Value(0.5), 1.0, eps=0.0), ValueError, r"eps must be in \(0, 0.5\)"),
        (
            lambda: binary_cross_entropy(Value(0.5), 1.0, eps=cast(Any, "1e-7")),
            TypeError,
            r"binary_cross_entropy: eps must be a number, not str",
        ),
        (
            lambda: binary_cross_entropy(Value(math.nan), 1.0),
            ValueError,
            r"each probability must be a finite number in \[0, 1\], got nan: pass sigmoid outputs",
        ),
        (lambda: binary_cross_entropy(Value(0.5), Value(1.0)), TypeError, r"plain number, not a Value"),
        (
            lambda: bce_with_logits(Value(0.5), 2.0),
            ValueError,
            r"bce_with_logits: each target must be in \[0, 1\], got 2",
        ),
        (lambda: bce_with_logits([], []), ValueError, r"bce_with_logits: empty batch"),
        (
            lambda: cross_entropy(values(1.0, 2.0), 2),
            ValueError,
            r"cross_entropy: target index 2 is out of range for 2 logits: use 0..1",
        ),
        (lambda: cross_entropy(values(1.0, 2.0), -1), ValueError, r"target index -1 is out of range"),
        (lambda: cross_entropy([values(1.0, 2.0)], [5]), ValueError, r"target index 5 is out of range"),
        (lambda: cross_entropy(values(1.0, 2.0), 1.0), TypeError, r"a target must be an int class index, not float"),
        (lambda: cross_entropy([], 0), ValueError, r"cross_entropy: logits is empty"),
        (lambda: cross_entropy([values(1.0), values(2.0)], 0), ValueError, r"one target index"),
        (lambda: cross_entropy([values(1.0), values(2.0)], [0]), ValueError, r"2 logit lists but 1 target indices"),
        (lambda: cross_entropy(values(1.0, 2.0), [0, 1]), ValueError, r"needs a list of logit lists"),
        (lambda: cross_entropy([[]], [0]), ValueError, r"a sample has no logits"),
        (lambda: cross_entropy(Value(1.0), 0), TypeError, r"logits must be a list of Values"),
        (lambda: cross_entropy([math.inf, Value(1.0)], 0), ValueError, r"a logit is inf: a number given as a logit"),
        (lambda: l2([Value(1.0), 2.0]), TypeError, r"l2: params must be Values"),  # type: ignore[list-item]
    ],
)
def test_bad_input(call: Callable[[], object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()
