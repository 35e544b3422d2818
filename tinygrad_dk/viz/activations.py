"""`plot_activations`: the activation functions next to their derivatives, as the engine computes them.

Each derivative is one `backward()` per point through the engine's own op, so the picture
also shows the engine's choices at the kinks (ReLU'(0) = 0, as in PyTorch). The words are
English or Danish (``lang``); the activations keep the names the package gives them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinygrad_dk._checks import check_count
from tinygrad_dk._lang import check_lang
from tinygrad_dk.engine import Value
from tinygrad_dk.ops import Op, activation_rows
from tinygrad_dk.viz._figure import check_path, new_figure, save_figure
from tinygrad_dk.viz._style import NEGATIVE, NEUTRAL, POSITIVE

LEAKY_SLOPE = 0.1  # ten times the engine's default, so the slope is visible


@dataclass(frozen=True)
class _Words:
    """The picture's words in one language."""

    function: str
    derivative: str
    at_zero: str
    suptitle: str


_WORDS = {
    "en": _Words(
        function="f(x)",
        derivative="f'(x), one backward() per point",
        at_zero="f'(0)",
        suptitle="Activation functions and their derivatives, computed by the engine",
    ),
    "da": _Words(
        function="f(x)",
        derivative="f'(x), ét backward() pr. punkt",
        at_zero="f'(0)",
        suptitle="Aktiveringsfunktioner og deres afledte, beregnet af motoren",
    ),
}


def activations() -> list[tuple[str, str, Callable[[Value], Value]]]:
    """(title, formula, function of a Value) for each activation row of the op table that has a formula."""
    drawn: list[tuple[str, str, Callable[[Value], Value]]] = []
    for name, op in activation_rows().items():
        if op.formula is None:
            continue
        k = LEAKY_SLOPE if op.constant is not None else None  # a constant large enough to see
        title = name if k is None else f"{name} (k = {k})"
        drawn.append((title, op.formula, _applying(op, k)))
    return drawn


def _applying(op: Op, k: float | None) -> Callable[[Value], Value]:
    """The function that applies ``op`` (with constant ``k``) to a Value."""
    return lambda v: v._apply(op, k)


def value_and_derivative(f: Callable[[Value], Value], xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``f(x)`` and ``f'(x)`` at each x, the derivative by the engine's ``backward``.

    >>> ys, ds = value_and_derivative(lambda v: v * v, np.array([3.0]))
    >>> float(ys[0]), float(ds[0])
    (9.0, 6.0)
    """
    ys, ds = [], []
    for x in xs:
        v = Value(float(x))
        out = f(v)
        out.backward()
        ys.append(out.data)
        ds.append(v.grad)
    return np.array(ys), np.array(ds)


def _break_jumps(xs: np.ndarray, ys: np.ndarray, tol: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    """Insert a gap where the curve jumps, so a step is not drawn as a steep line."""
    jumps = np.nonzero(np.abs(np.diff(ys)) > tol)[0] + 1
    return np.insert(xs, jumps, np.nan), np.insert(ys, jumps, np.nan)


def plot_activations(
    path: str | os.PathLike[str],
    *,
    x_range: tuple[float, float] = (-4.0, 4.0),
    points: int = 401,
    lang: str | None = None,
) -> Path:
    """Draw every activation of the op table (step, sigmoid, tanh, ReLU, leaky ReLU, softplus) and its derivative.

    ``lang``: "en" or "da" for the legend and the title (default: the environment variable
    TINYGRAD_DK_LANG, else "en").
    """
    target = check_path(path, "plot_activations")
    words = _WORDS[check_lang(lang, "plot_activations")]
    low, high = (float(x) for x in x_range)
    if not low < high:
        raise ValueError(f"plot_activations: x_range must be (low, high) with low < high, got {x_range!r}")
    check_count(points, "plot_activations: points", 3)
    xs = np.linspace(low, high, points)
    drawn = activations()
    rows = -(-len(drawn) // 3)  # three plots a row
    figure = new_figure(11, 3.1 * rows)
    axes = figure.subplots(rows, 3, squeeze=False)
    for ax in axes.flat[len(drawn) :]:
        ax.set_visible(False)
    for ax, (title, formula, f) in zip(axes.flat, drawn, strict=False):
        ys, ds = value_and_derivative(f, xs)
        ax.axhline(0, color=NEUTRAL, linewidth=0.6)
        ax.axvline(0, color=NEUTRAL, linewidth=0.6)
        ax.plot(*_break_jumps(xs, ys), color=POSITIVE, linewidth=2.2, label=words.function)
        ax.plot(*_break_jumps(xs, ds), color=NEGATIVE, linewidth=1.8, linestyle="--", label=words.derivative)
        zero = value_and_derivative(f, np.array([0.0]))[1][0]  # the engine's choice at a kink
        ax.plot([0.0], [zero], "o", color=NEGATIVE, markersize=4, label=words.at_zero)
        ax.set_title(f"{title}:  {formula}", fontsize=11)
        ax.set_xlim(low, high)
        ax.set_ylim(min(-0.25, np.nanmin(ys) - 0.2), max(1.25, np.nanmax(ys) + 0.2))
        ax.grid(alpha=0.3)
        ax.set_xlabel("x")
    figure.suptitle(words.suptitle, fontsize=12)
    figure.legend(
        *axes.flat[0].get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize=10, frameon=False
    )
    return save_figure(figure, target, "plot_activations")
