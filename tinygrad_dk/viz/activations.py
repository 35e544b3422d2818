"""`plot_activations`: the activation functions next to their derivatives, as the engine computes them.

Each derivative is one `backward()` per point through the engine's own op, so the picture
also shows the engine's choices at the kinks (ReLU'(0) = 0, as in PyTorch).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tinygrad_dk._checks import check_count
from tinygrad_dk.engine import Value
from tinygrad_dk.viz._figure import check_path, new_figure, save_figure
from tinygrad_dk.viz._style import NEGATIVE, NEUTRAL, POSITIVE

LEAKY_SLOPE = 0.1  # ten times the engine's default, so the slope is visible

# (title, formula, function of a Value)
ACTIVATIONS: list[tuple[str, str, Callable[[Value], Value]]] = [
    ("step", r"$1$ if $x > 0$ else $0$", lambda v: v.step()),
    ("sigmoid", r"$\sigma(x) = 1 / (1 + e^{-x})$", lambda v: v.sigmoid()),
    ("tanh", r"$\tanh(x)$", lambda v: v.tanh()),
    ("ReLU", r"$\max(0,\ x)$", lambda v: v.relu()),
    (f"leaky ReLU (slope {LEAKY_SLOPE})", rf"$\max({LEAKY_SLOPE}x,\ x)$", lambda v: v.leaky_relu(LEAKY_SLOPE)),
    ("softplus", r"$\log(1 + e^{x})$", lambda v: v.softplus()),
]


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


def plot_activations(path: str | os.PathLike[str], *, x_range: tuple[float, float] = (-4.0, 4.0),
                     points: int = 401) -> Path:
    """Draw step, sigmoid, tanh, ReLU, leaky ReLU and softplus with their derivatives to ``path``."""
    target = check_path(path, "plot_activations")
    low, high = (float(x) for x in x_range)
    if not low < high:
        raise ValueError(f"plot_activations: x_range must be (low, high) with low < high, got {x_range!r}")
    check_count(points, "plot_activations: points", 3)
    xs = np.linspace(low, high, points)
    figure = new_figure(11, 6.2)
    axes = figure.subplots(2, 3)
    for ax, (title, formula, f) in zip(axes.flat, ACTIVATIONS, strict=True):
        ys, ds = value_and_derivative(f, xs)
        ax.axhline(0, color=NEUTRAL, linewidth=0.6)
        ax.axvline(0, color=NEUTRAL, linewidth=0.6)
        ax.plot(*_break_jumps(xs, ys), color=POSITIVE, linewidth=2.2, label="f(x)")
        ax.plot(*_break_jumps(xs, ds), color=NEGATIVE, linewidth=1.8, linestyle="--",
                label="f'(x), one backward() per point")
        zero = value_and_derivative(f, np.array([0.0]))[1][0]  # the engine's choice at a kink
        ax.plot([0.0], [zero], "o", color=NEGATIVE, markersize=4, label="f'(0)")
        ax.set_title(f"{title}:  {formula}", fontsize=11)
        ax.set_xlim(low, high)
        ax.set_ylim(min(-0.25, np.nanmin(ys) - 0.2), max(1.25, np.nanmax(ys) + 0.2))
        ax.grid(alpha=0.3)
        ax.set_xlabel("x")
    figure.suptitle("Activation functions and their derivatives, computed by the engine", fontsize=12)
    figure.legend(*axes.flat[0].get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize=10,
                  frameon=False)
    return save_figure(figure, target, "plot_activations")
