"""Small two-dimensional classification data sets, in pure Python, seeded and deterministic.

Each ``make_*`` returns ``(X, y)``: ``X`` a list of ``[x0, x1]`` lists of floats, ``y`` a list
of int labels (0/1 for two classes, 0..k-1 for k). Classes are balanced (their sizes differ
by at most one) and the points are shuffled. Every random number comes from
``random.Random(seed)``: the same seed gives the same data, and the global ``random``
state is never touched. Sizes are bounded where they enter: at most `MAX_SAMPLES` samples,
and noise of at most `MAX_NOISE`, so that every coordinate is a finite float.

>>> X, y = make_moons(6, noise=0.0)
>>> len(X), sorted(y)
(6, [0, 0, 0, 1, 1, 1])
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import TypeVar

from tinygrad_dk._checks import check_at_most, check_count, check_real, check_same_length, check_seed, check_split

__all__ = [
    "MAX_NOISE",
    "MAX_SAMPLES",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spiral",
    "make_xor",
    "train_test_split",
]

# A sample as Python lists takes about 350 bytes while it is made (a million: 370 MB), and training
# on a million with the matrix engine peaks near 500 MB; ten million would take gigabytes.
MAX_SAMPLES = 1_000_000
# A draw of random.gauss lies within 8.6 standard deviations (its Box-Muller takes the log of
# 1 - random() >= 2**-53: |z| <= sqrt(106 ln 2)), so with this noise every coordinate stays far below
# the largest float, 1.8e308; noise of 1e308 made infinite coordinates.
MAX_NOISE = 1e300

Dataset = tuple[list[list[float]], list[int]]
T = TypeVar("T")
U = TypeVar("U")


# --- helpers ---


def _sizes(n: int, groups: int) -> list[int]:
    """``n`` split into ``groups`` sizes that differ by at most one, the larger first."""
    return [n // groups + (1 if g < n % groups else 0) for g in range(groups)]


def _linspace(start: float, stop: float, count: int, endpoint: bool = True) -> list[float]:
    if count == 1:
        return [start]
    step = (stop - start) / (count - 1 if endpoint else count)
    return [start + i * step for i in range(count)]


def _n_samples(n_samples: object, who: str, minimum: int, why: str) -> int:
    """``n_samples`` checked: at least ``minimum`` (``why``), at most `MAX_SAMPLES`."""
    n = check_count(n_samples, f"{who}: n_samples", minimum, why)
    return check_at_most(n, MAX_SAMPLES, f"{who}: n_samples", " (MAX_SAMPLES: the data must fit in memory)")


def _noise(noise: object, what: str) -> float:
    """A noise level (a standard deviation) from 0 to `MAX_NOISE`."""
    return check_real(noise, what, at_least=0, at_most=MAX_NOISE, why=" (MAX_NOISE: more makes coordinates infinite)")


def _finish(rng: random.Random, points: list[tuple[float, float]], labels: list[int], noise: float) -> Dataset:
    """Add Gaussian noise of standard deviation ``noise`` to every coordinate, then shuffle."""
    X = [[x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)] if noise else [x, y] for x, y in points]
    order = list(range(len(X)))
    rng.shuffle(order)
    return [X[i] for i in order], [labels[i] for i in order]


# --- the data sets ---


def make_moons(n_samples: int = 100, *, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Two interleaving half circles, like scikit-learn's: class 0 is the upper arc, class 1 the lower.

    The upper arc is ``(cos t, sin t)`` and the lower ``(1 - cos t, 0.5 - sin t)`` for ``t``
    evenly spaced in [0, pi]; ``noise`` is the standard deviation of the Gaussian noise on
    each coordinate. Without noise x lies in [-1, 2] and y in [-0.5, 1].
    """
    n = _n_samples(n_samples, "make_moons", 2, " (one per moon)")
    noise = _noise(noise, "make_moons: noise")
    rng = random.Random(check_seed(seed, "make_moons"))
    n_upper, n_lower = _sizes(n, 2)
    points = [(math.cos(t), math.sin(t)) for t in _linspace(0.0, math.pi, n_upper)]
    points += [(1.0 - math.cos(t), 0.5 - math.sin(t)) for t in _linspace(0.0, math.pi, n_lower)]
    return _finish(rng, points, [0] * n_upper + [1] * n_lower, noise)


def make_circles(n_samples: int = 100, *, noise: float = 0.05, factor: float = 0.5, seed: int = 0) -> Dataset:
    """A circle of radius 1 (class 0) around a circle of radius ``factor`` (class 1), like scikit-learn's."""
    n = _n_samples(n_samples, "make_circles", 2, " (one per circle)")
    noise = _noise(noise, "make_circles: noise")
    factor = check_real(factor, "make_circles: factor (inner radius / outer radius)", above=0, below=1)
    rng = random.Random(check_seed(seed, "make_circles"))
    n_outer, n_inner = _sizes(n, 2)
    points = [(math.cos(t), math.sin(t)) for t in _linspace(0.0, 2 * math.pi, n_outer, endpoint=False)]
    points += [
        (factor * math.cos(t), factor * math.sin(t)) for t in _linspace(0.0, 2 * math.pi, n_inner, endpoint=False)
    ]
    return _finish(rng, points, [0] * n_outer + [1] * n_inner, noise)


def make_blobs(n_samples: int = 100, centers: int = 3, *, std: float = 0.5, seed: int = 0) -> Dataset:
    """Gaussian blobs of standard deviation ``std``, one per class, centred evenly on a circle of radius 2.

    Class k's centre is ``(2 cos(2 pi k / centers), 2 sin(2 pi k / centers))``.
    """
    k = check_count(centers, "make_blobs: centers", 1)
    n = _n_samples(n_samples, "make_blobs", k, f" (at least one per centre: centers={k})")
    std = _noise(std, "make_blobs: std")
    rng = random.Random(check_seed(seed, "make_blobs"))
    points, labels = [], []
    for label, size in enumerate(_sizes(n, k)):
        angle = 2 * math.pi * label / k
        points += [(2.0 * math.cos(angle), 2.0 * math.sin(angle))] * size
        labels += [label] * size
    return _finish(rng, points, labels, std)


def make_xor(n_samples: int = 100, *, noise: float = 0.2, seed: int = 0) -> Dataset:
    """Four clusters at the corners (+-1, +-1): label 1 where exactly one coordinate is positive (XOR).

    The corners take turns, so n_samples = 4 gives one point per corner. No line separates
    the classes: a network needs a hidden layer.
    """
    n = _n_samples(n_samples, "make_xor", 4, " (one per corner)")
    noise = _noise(noise, "make_xor: noise")
    rng = random.Random(check_seed(seed, "make_xor"))
    corners = [((-1.0, -1.0), 0), ((-1.0, 1.0), 1), ((1.0, 1.0), 0), ((1.0, -1.0), 1)]  # labels alternate
    points, labels = [], []
    for (corner, label), size in zip(corners, _sizes(n, 4), strict=True):
        points += [corner] * size
        labels += [label] * size
    return _finish(rng, points, labels, noise)


def make_spiral(n_samples: int = 100, classes: int = 3, *, noise: float = 0.03, seed: int = 0) -> Dataset:
    """Interleaved spiral arms, one per class, turning outwards from the origin to radius 1.

    Along an arm the radius r grows evenly from 0.1 to 1 while the angle grows by 1.5 pi;
    arm k starts at angle ``2 pi k / classes``.
    """
    k = check_count(classes, "make_spiral: classes", 2)
    n = _n_samples(n_samples, "make_spiral", k, f" (at least one per class: classes={k})")
    noise = _noise(noise, "make_spiral: noise")
    rng = random.Random(check_seed(seed, "make_spiral"))
    points, labels = [], []
    for label, size in enumerate(_sizes(n, k)):
        for r in _linspace(0.1, 1.0, size):
            angle = 2 * math.pi * label / k + 1.5 * math.pi * r
            points.append((r * math.cos(angle), r * math.sin(angle)))
        labels += [label] * size
    return _finish(rng, points, labels, noise)


def train_test_split(
    X: Sequence[T], y: Sequence[U], test_fraction: float = 0.25, *, seed: int = 0
) -> tuple[list[T], list[T], list[U], list[U]]:
    """Shuffle and split into ``(X_train, X_test, y_train, y_test)``; the test set gets ``ceil(n * test_fraction)``.

    >>> X_train, X_test, y_train, y_test = train_test_split([[0.0], [1.0], [2.0], [3.0]], [0, 1, 0, 1])
    >>> len(X_train), len(X_test)
    (3, 1)
    """
    check_same_length(X, y, "train_test_split")
    check_real(test_fraction, "train_test_split: test_fraction", above=0, below=1)
    n = len(X)
    n_test = check_split(n, test_fraction, "train_test_split")
    order = list(range(n))
    random.Random(check_seed(seed, "train_test_split")).shuffle(order)
    test, train = order[:n_test], order[n_test:]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]
