"""`plot_decision_boundary`: what a 2-input classifier answers everywhere, with the data on top.

A one-output model is read by which side of the threshold its score is on (the one `fit`
trained it for, ``history.threshold``); a model with k outputs by the largest one (argmax).
The model runs once per grid point in `_grid_scores`, the only slow part, kept apart so it
can be swapped for a compiled evaluation. The words are English or Danish (``lang``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.colors import ListedColormap, Normalize, to_rgb

from tinygrad_dk._checks import check_count, check_labels, check_samples
from tinygrad_dk._lang import check_lang
from tinygrad_dk.engine import Value
from tinygrad_dk.viz._figure import check_path, new_figure, save_figure
from tinygrad_dk.viz._style import NEGATIVE, POSITIVE

DEFAULT_RESOLUTION = 100  # 100 x 100 points, compiled and run with numpy in one pass
_CLASS_COLOURS = [NEGATIVE, POSITIVE, "#2f9e44", "#ae3ec9", "#f59f00", "#1098ad", "#e03131", "#495057"]


@dataclass(frozen=True)
class _Words:
    """The picture's words in one language."""

    title: str  # {how} {accuracy}
    score: str  # the colour bar
    argmax: str  # how a model with several outputs picks its class
    klass: str  # {c}: a legend entry


_WORDS = {
    "en": _Words(
        title="decision boundary ({how}): {accuracy} of the points right",
        score="model score",
        argmax="argmax of the outputs",
        klass="class {c}",
    ),
    "da": _Words(
        title="beslutningsgrænse ({how}): {accuracy} af punkterne rigtige",
        score="modellens score",
        argmax="argmax af outputtene",
        klass="klasse {c}",
    ),
}


def _grid_scores(model: Any, points: np.ndarray) -> np.ndarray:
    """The model's outputs at each of ``points`` (shape (n, 2)), as an array of shape (n, outputs).

    An nn model is compiled once and run on the whole grid with numpy (`compile_batch`);
    anything else callable is evaluated point by point with Values.
    """
    if hasattr(model, "parameters") and getattr(model, "nin", None) == 2:
        from tinygrad_dk.compile import compile_batch

        params = model.parameters()
        program = compile_batch(model, params, [float(v) for v in points[0]])
        return program.forward([p.data for p in params], points).reshape(len(points), -1)
    rows = []
    for x0, x1 in points:
        out = model([float(x0), float(x1)])
        outs = out if isinstance(out, (list, tuple)) else [out]
        rows.append([o.data if isinstance(o, Value) else float(o) for o in outs])
    return np.array(rows, dtype=float).reshape(len(points), -1)


def _light(colour: str, amount: float = 0.65) -> tuple[float, float, float]:
    r, g, b = to_rgb(colour)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def plot_decision_boundary(
    model: Any,
    X: Iterable[Sequence[float]],
    y: Iterable[int],
    path: str | os.PathLike[str],
    *,
    resolution: int = DEFAULT_RESOLUTION,
    threshold: float = 0.0,
    title: str | None = None,
    lang: str | None = None,
) -> Path:
    """Draw the model's answer over the data's range, with the points coloured by class, to ``path``.

    One output: the score's colour (blue above the threshold, orange below) and the boundary
    line; labels may be -1/1 or 0/1, the larger on the blue side. ``threshold``: where the
    score switches class, as fit decided it: pass ``threshold=history.threshold`` (0.5 after
    ``loss="mse"``), or `tinygrad_dk.train.threshold_for` of the loss for a model without one.
    Several outputs: one colour per class (labels 0..k-1), by argmax. ``lang``: "en" or "da"
    for the title, legend and colour bar (default: the environment variable TINYGRAD_DK_LANG,
    else "en"); a ``title`` given is used as it is.
    """
    target = check_path(path, "plot_decision_boundary")
    words = _WORDS[check_lang(lang, "plot_decision_boundary")]
    check_count(resolution, "plot_decision_boundary: resolution", 2, maximum=1000)
    rows = check_samples(X, "plot_decision_boundary", features=2, why=": the picture is of a model with 2 inputs")
    points, labels = np.array(rows), np.array(check_labels(y, len(rows), "plot_decision_boundary"))

    # 1. the grid over the data's range, with a margin, and the model's outputs on it
    low, high = points.min(axis=0), points.max(axis=0)
    pad = np.maximum((high - low) * 0.1, 0.5)
    gx = np.linspace(low[0] - pad[0], high[0] + pad[0], resolution)
    gy = np.linspace(low[1] - pad[1], high[1] + pad[1], resolution)
    xx, yy = np.meshgrid(gx, gy)
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    everywhere = _grid_scores(model, np.vstack([grid, points]))  # one compile for the grid and the points
    scores, at_points = everywhere[: len(grid)], everywhere[len(grid) :]
    outputs = scores.shape[1]

    classes = sorted(set(labels.tolist()))
    if outputs == 1 and len(classes) > 2:
        raise ValueError(
            f"plot_decision_boundary: a model with one output separates two classes, but y holds "
            f"{len(classes)}: {classes}; give a model one output per class"
        )

    figure = new_figure(6.4, 5.2)
    ax = figure.subplots()
    if outputs == 1:
        # 2a. one output: the score, diverging around the threshold, and the line where it crosses
        threshold = float(threshold)
        score = scores[:, 0].reshape(xx.shape)
        span = float(np.nanmax(np.abs(score - threshold))) or 1.0
        cmap = ListedColormap(
            [_light(NEGATIVE, 0.8 - 0.6 * t) for t in np.linspace(0, 1, 64)][::-1]
            + [_light(POSITIVE, 0.8 - 0.6 * t) for t in np.linspace(0, 1, 64)]
        )
        filled = ax.contourf(xx, yy, score, levels=24, cmap=cmap, norm=Normalize(threshold - span, threshold + span))
        figure.colorbar(filled, ax=ax, label=words.score, shrink=0.85)
        if np.nanmin(score) < threshold < np.nanmax(score):
            ax.contour(xx, yy, score, levels=[threshold], colors="black", linewidths=1.5)
        predicted = np.where(at_points[:, 0] > threshold, max(classes), min(classes))
        colour_of = {c: (POSITIVE if c == max(classes) and len(classes) > 1 else NEGATIVE) for c in classes}
        how = f"score > {threshold:g}"
    else:
        # 2b. k outputs: the class with the largest output, one colour each
        if min(classes) < 0 or max(classes) >= outputs:
            raise ValueError(
                f"plot_decision_boundary: the model has {outputs} outputs, so labels must be 0 to "
                f"{outputs - 1}, but y holds {min(classes) if min(classes) < 0 else max(classes)}"
            )
        colours = [_CLASS_COLOURS[k % len(_CLASS_COLOURS)] for k in range(outputs)]
        winner = scores.argmax(axis=1).reshape(xx.shape)  # underneath: no white gaps where regions meet
        ax.pcolormesh(
            xx,
            yy,
            winner,
            cmap=ListedColormap([_light(c) for c in colours]),
            vmin=-0.5,
            vmax=outputs - 0.5,
            shading="nearest",
        )
        for k in range(outputs):
            # class k wins where its output beats the best of the others: margin > 0. Filling each
            # margin's positive side gives smooth region edges, without argmax's staircase.
            margin = (scores[:, k] - np.delete(scores, k, axis=1).max(axis=1)).reshape(xx.shape)
            if np.nanmax(margin) > 0:
                ax.contourf(xx, yy, margin, levels=[0, np.inf], colors=[_light(colours[k])])
                ax.contour(xx, yy, margin, levels=[0], colors="black", linewidths=0.8)
        predicted = at_points.argmax(axis=1)
        colour_of = {c: colours[c] for c in classes}
        how = words.argmax

    # 3. the data, coloured by its true class
    for c in classes:
        mine = labels == c
        ax.scatter(
            points[mine, 0],
            points[mine, 1],
            s=28,
            color=colour_of[c],
            edgecolors="black",
            linewidths=0.6,
            label=words.klass.format(c=c),
            zorder=3,
        )
    accuracy = float(np.mean(predicted == labels))
    ax.set_title(title or words.title.format(how=how, accuracy=f"{accuracy:.0%}"), fontsize=11)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.legend(loc="upper right", fontsize=9, framealpha=0.9)
    return save_figure(figure, target, "plot_decision_boundary")
