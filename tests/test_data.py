"""Data sets: shapes, labels, balance, determinism, geometry, and the global random state left alone."""

from __future__ import annotations

import math
import random
from collections import Counter
from typing import Any, cast

import pytest

from tinygrad_dk.data import (
    MAX_NOISE,
    MAX_SAMPLES,
    make_blobs,
    make_circles,
    make_moons,
    make_spiral,
    make_xor,
    train_test_split,
)

MAKERS = [  # (function, extra arguments, number of classes)
    (make_moons, {}, 2),
    (make_circles, {}, 2),
    (make_blobs, {}, 3),
    (make_blobs, {"centers": 5}, 5),
    (make_xor, {}, 2),
    (make_spiral, {}, 3),
    (make_spiral, {"classes": 4}, 4),
]
IDS = [f"{f.__name__}{kw or ''}" for f, kw, _ in MAKERS]


@pytest.mark.parametrize(("make", "kwargs", "k"), MAKERS, ids=IDS)
@pytest.mark.parametrize("n", [20, 101, 7])
def test_shapes_labels_and_balance(make: Any, kwargs: dict[str, Any], k: int, n: int) -> None:
    X, y = make(n, **kwargs)
    assert len(X) == len(y) == n
    assert all(isinstance(row, list) and len(row) == 2 and all(type(v) is float for v in row) for row in X)
    assert all(type(label) is int for label in y)
    counts = Counter(y)
    assert set(counts) == set(range(k))
    assert max(counts.values()) - min(counts.values()) <= 1
    assert all(math.isfinite(v) and abs(v) < 5 for row in X for v in row)


@pytest.mark.parametrize(("make", "kwargs", "k"), MAKERS, ids=IDS)
def test_deterministic_seeded_and_shuffled(make: Any, kwargs: dict[str, Any], k: int) -> None:
    state = random.getstate()
    a, b = make(60, seed=3, **kwargs), make(60, seed=3, **kwargs)
    assert random.getstate() == state  # the global generator was not used
    assert a == b
    c = make(60, seed=4, **kwargs)
    assert c[0] != a[0]
    assert a[1] != sorted(a[1])  # shuffled, not grouped by class


def test_global_random_state_does_not_change_the_data() -> None:
    saved = random.getstate()
    try:
        random.seed(1)
        a = make_moons(30)
        random.seed(2)
        assert make_moons(30) == a
    finally:
        random.setstate(saved)


@pytest.mark.parametrize("seed", [None, 1.5, "0"])
def test_a_seed_that_would_not_reproduce_is_refused(seed: object) -> None:
    with pytest.raises(TypeError, match=r"make_moons: seed must be an int such as 0, not"):
        make_moons(10, seed=seed)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"train_test_split: seed must be an int"):
        train_test_split([1, 2, 3, 4], [0, 1, 0, 1], seed=seed)  # type: ignore[arg-type]


def test_moons_geometry() -> None:
    X, y = make_moons(50, noise=0.0)
    for (x0, x1), label in zip(X, y, strict=True):
        if label == 0:  # the upper arc: the unit circle, y >= 0
            assert math.hypot(x0, x1) == pytest.approx(1.0) and x1 >= -1e-12
        else:  # the lower arc: centre (1, 0.5), below its centre
            assert math.hypot(x0 - 1.0, x1 - 0.5) == pytest.approx(1.0) and x1 <= 0.5 + 1e-12
    assert [-1.0, 0.0] in [[round(a, 12), round(b, 12)] for a, b in X]  # both ends of each arc are there
    assert [2.0, 0.5] in [[round(a, 12), round(b, 12)] for a, b in X]
    Xn, yn = make_moons(400, noise=0.1)
    mean_y = [sum(x[1] for x, c in zip(Xn, yn, strict=True) if c == k) / 200 for k in (0, 1)]
    # the mean of sin t over [0, pi] is 2 / pi: the upper moon's mean height, and 0.5 - 2 / pi the lower's
    assert mean_y == pytest.approx([2 / math.pi, 0.5 - 2 / math.pi], abs=0.03)
    assert min(x[0] for x in Xn) > -1.5 and max(x[0] for x in Xn) < 2.5


def test_noise_is_gaussian_with_the_given_std() -> None:
    X, _ = make_blobs(4000, 1, std=0.3, seed=5)  # one blob at (2, 0)
    for axis, centre in ((0, 2.0), (1, 0.0)):
        xs = [row[axis] for row in X]
        mean = sum(xs) / len(xs)
        std = math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1))
        assert mean == pytest.approx(centre, abs=0.03)  # about 6 standard errors
        assert std == pytest.approx(0.3, rel=0.05)


def test_circles_geometry() -> None:
    X, y = make_circles(40, noise=0.0, factor=0.3)
    for row, label in zip(X, y, strict=True):
        assert math.hypot(*row) == pytest.approx(1.0 if label == 0 else 0.3)
    with pytest.raises(ValueError, match=r"make_circles: factor \(inner radius / outer radius\) must be in \(0, 1\)"):
        make_circles(10, factor=1.0)


def test_blobs_centres() -> None:
    X, y = make_blobs(12, 4, std=0.0)
    for row, label in zip(X, y, strict=True):
        angle = 2 * math.pi * label / 4
        assert row == pytest.approx([2 * math.cos(angle), 2 * math.sin(angle)], abs=1e-12)
    assert set(make_blobs(5, 1)[1]) == {0}


def test_xor_labels_follow_the_quadrants() -> None:
    X, y = make_xor(200, noise=0.1)
    assert all(label == int((x0 > 0) != (x1 > 0)) for (x0, x1), label in zip(X, y, strict=True))
    X4, y4 = make_xor(4, noise=0.0)
    assert sorted(zip(map(tuple, X4), y4, strict=True)) == [
        ((-1.0, -1.0), 0),
        ((-1.0, 1.0), 1),
        ((1.0, -1.0), 1),
        ((1.0, 1.0), 0),
    ]


def test_spiral_radius_and_arms() -> None:
    X, y = make_spiral(90, 3, noise=0.0)
    radii = [math.hypot(*row) for row in X]
    assert min(radii) == pytest.approx(0.1) and max(radii) == pytest.approx(1.0)
    for row, label, r in zip(X, y, radii, strict=True):  # on arm k: angle = 2 pi k / 3 + 1.5 pi r
        angle = 2 * math.pi * label / 3 + 1.5 * math.pi * r
        assert row == pytest.approx([r * math.cos(angle), r * math.sin(angle)], abs=1e-12)


# --- train_test_split ---


def test_train_test_split_partitions_the_data() -> None:
    X, y = make_moons(40)
    X_train, X_test, y_train, y_test = train_test_split(X, y, 0.25, seed=1)
    assert (len(X_train), len(X_test), len(y_train), len(y_test)) == (30, 10, 30, 10)
    pairs = sorted(zip(map(tuple, X), y, strict=True))
    assert sorted(zip(map(tuple, X_train + X_test), y_train + y_test, strict=True)) == pairs  # rows keep labels
    assert train_test_split(X, y, 0.25, seed=1) == (X_train, X_test, y_train, y_test)
    assert train_test_split(X, y, 0.25, seed=2)[1] != X_test
    assert len(train_test_split(X, y, 0.01)[1]) == 1  # ceil(0.4)


# --- bad arguments ---


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: make_moons(1), ValueError, r"make_moons: n_samples must be >= 2 \(one per moon\), got 1"),
        (lambda: make_moons(0), ValueError, r"make_moons: n_samples must be >= 2"),
        (lambda: make_moons(10.0), TypeError, r"make_moons: n_samples must be an int, not float"),  # type: ignore[arg-type]
        (lambda: make_moons(True), TypeError, r"make_moons: n_samples must be an int, not bool"),
        (lambda: make_moons(10, noise=-0.1), ValueError, r"make_moons: noise must be in \[0, 1e\+300\], got -0.1"),
        (
            lambda: make_moons(10, noise=math.nan),
            ValueError,
            r"make_moons: noise must be a finite number in \[0, 1e\+300\], got nan",
        ),
        (lambda: make_moons(10, noise="a"), TypeError, r"make_moons: noise must be a number, not str"),  # type: ignore[arg-type]
        (lambda: make_circles(1), ValueError, r"make_circles: n_samples must be >= 2 \(one per circle\)"),
        (lambda: make_circles(10, noise=-1), ValueError, r"make_circles: noise must be in \[0, 1e\+300\], got -1"),
        (lambda: make_blobs(2, 3), ValueError, r"make_blobs: n_samples must be >= 3 \(at least one per centre"),
        (lambda: make_blobs(10, 0), ValueError, r"make_blobs: centers must be >= 1, got 0"),
        (lambda: make_blobs(10, std=-1.0), ValueError, r"make_blobs: std must be in \[0, 1e\+300\], got -1.0"),
        (lambda: make_xor(3), ValueError, r"make_xor: n_samples must be >= 4 \(one per corner\), got 3"),
        (lambda: make_xor(10, noise=-0.2), ValueError, r"make_xor: noise must be in \[0, 1e\+300\], got -0.2"),
        (lambda: make_spiral(2, 3), ValueError, r"make_spiral: n_samples must be >= 3 \(at least one per class"),
        (lambda: make_spiral(10, 1), ValueError, r"make_spiral: classes must be >= 2, got 1"),
        (lambda: make_spiral(10, noise=-0.01), ValueError, r"make_spiral: noise must be in \[0, 1e\+300\], got -0.01"),
        (
            lambda: make_circles(10, factor=cast(Any, "0.5")),
            TypeError,
            r"make_circles: factor \(inner radius / outer radius\) must be a number, not str: '0.5'",
        ),
        (lambda: train_test_split([[0.0]] * 3, [0, 1]), ValueError, r"X has 3 samples but y has 2 labels"),
        (
            lambda: train_test_split([[0.0]] * 2, [0]),
            ValueError,
            r"X has 2 samples but y has 1 label: give one label per",
        ),
        (
            lambda: train_test_split([[0.0]] * 4, [0] * 4, cast(Any, "0.5")),
            TypeError,
            r"train_test_split: test_fraction must be a number, not str",
        ),
        (
            lambda: train_test_split([[0.0]] * 4, [0] * 4, 0.0),
            ValueError,
            r"test_fraction must be in \(0, 1\), got 0.0",
        ),
        (lambda: train_test_split([[0.0]] * 4, [0] * 4, 1), ValueError, r"test_fraction must be in \(0, 1\), got 1"),
        (lambda: train_test_split([[0.0]], [0], 0.5), ValueError, r"1 samples with test_fraction=0.5 leave none"),
    ],
)
def test_bad_arguments(call: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()


# --- sizes that cannot fit: refused where they enter ---

NOISE_NAMES = {make_blobs: "std"}  # the others call their noise "noise"


@pytest.mark.parametrize(("make", "kwargs", "k"), MAKERS, ids=IDS)
def test_more_samples_than_fit_in_memory_are_refused_at_once(make: Any, kwargs: dict[str, Any], k: int) -> None:
    with pytest.raises(ValueError, match=rf"{make.__name__}: n_samples must be at most 1,000,000 \(MAX_SAMPLES"):
        make(MAX_SAMPLES + 1, **kwargs)
    with pytest.raises(ValueError, match=r"got 1,000,000,000,000,000,000,000,000,000,000$"):
        make(10**30, **kwargs)  # before a single point is made: this once took 24 GB


@pytest.mark.parametrize(("make", "kwargs", "k"), MAKERS, ids=IDS)
def test_noise_up_to_the_limit_keeps_every_coordinate_finite(make: Any, kwargs: dict[str, Any], k: int) -> None:
    noise = NOISE_NAMES.get(make, "noise")
    for seed in range(5):
        X, _ = make(1000, **kwargs, **{noise: MAX_NOISE}, seed=seed)
        assert all(math.isfinite(v) for row in X for v in row)
    with pytest.raises(
        ValueError, match=rf"{make.__name__}: {noise} must be in \[0, 1e\+300\], got 1e\+308 \(MAX_NOISE"
    ):
        make(100, **kwargs, **{noise: 1e308})  # once: infinite coordinates, found only when training
