"""`plot_history`: loss and accuracy per epoch, for one training run or several side by side.

Several runs share the axes, so full-batch gradient descent, SGD and mini-batches can be
compared in one picture. A run whose loss became nan or inf is drawn up to that epoch and
marked as diverged. The words are English or Danish (``lang``); the curves are the same.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.ticker import MaxNLocator

from tinygrad_dk._lang import check_lang
from tinygrad_dk.viz._figure import check_path, new_figure, save_figure

_RUN_COLOURS = ["#1c7ed6", "#e8590c", "#2f9e44", "#ae3ec9", "#f59f00", "#1098ad", "#e03131", "#495057"]


@dataclass(frozen=True)
class _Words:
    """The picture's words in one language."""

    loss_title: str
    loss: str
    log_scale: str
    accuracy_title: str
    accuracy: str
    epoch: str
    no_accuracy: str
    diverged: str  # {epoch}
    final: str  # {value}
    training: str  # a History without a label
    run: str  # {k}: the k-th unlabelled History of a list


_WORDS = {
    "en": _Words(
        loss_title="training loss per epoch",
        loss="loss",
        log_scale=" (log scale)",
        accuracy_title="training accuracy per epoch",
        accuracy="accuracy",
        epoch="epoch",
        no_accuracy="no accuracy recorded",
        diverged="diverged at epoch {epoch}",
        final="final {value}",
        training="training",
        run="run {k}",
    ),
    "da": _Words(
        loss_title="træningstab pr. epoke",
        loss="tab",
        log_scale=" (logaritmisk skala)",
        accuracy_title="træningsnøjagtighed pr. epoke",
        accuracy="nøjagtighed",
        epoch="epoke",
        no_accuracy="ingen nøjagtighed registreret",
        diverged="divergerede i epoke {epoch}",
        final="til sidst {value}",
        training="træning",
        run="kørsel {k}",
    ),
}


def _runs(histories: Any, words: _Words) -> list[tuple[str, Any]]:
    """``(label, history)`` pairs from one History, a list of them, or a dict label -> History."""
    if isinstance(histories, Mapping):
        runs = [(str(label), h) for label, h in histories.items()]
    elif hasattr(histories, "loss"):
        runs = [(histories.label or words.training, histories)]
    elif isinstance(histories, Sequence) and not isinstance(histories, (str, bytes)):
        runs = [(getattr(h, "label", "") or words.run.format(k=i + 1), h) for i, h in enumerate(histories)]
    else:
        raise TypeError(
            f"plot_history takes a History, a list of Histories or a dict label -> History, "
            f"not {type(histories).__name__}"
        )
    if not runs:
        raise ValueError("plot_history got no histories: pass at least one History from fit()")
    for label, h in runs:
        loss = getattr(h, "loss", None)
        if not isinstance(loss, Sequence) or isinstance(loss, (str, bytes)):
            raise TypeError(f"plot_history: run {label!r} is a {type(h).__name__}, not a History with a .loss list")
        if not loss:
            raise ValueError(f"plot_history: run {label!r} has no epochs (its loss list is empty): train it first")
    return runs


def _finite_prefix(values: Sequence[float]) -> tuple[np.ndarray, int | None]:
    """The values up to the first nan or inf, and that epoch (1-based) if there is one."""
    array = np.asarray(values, dtype=float)
    bad = np.nonzero(~np.isfinite(array))[0]
    return (array, None) if len(bad) == 0 else (array[: bad[0]], int(bad[0]) + 1)


def plot_history(histories: Any, path: str | os.PathLike[str], *, lang: str | None = None) -> Path:
    """Draw loss (left) and accuracy (right) per epoch to ``path``; several runs are overlaid.

    ``histories``: one `History`, a list of them (labelled by their ``label``), or a dict
    label -> History. ``lang``: "en" or "da" for the titles, axes and legends (default: the
    environment variable TINYGRAD_DK_LANG, else "en").
    """
    target = check_path(path, "plot_history")
    words = _WORDS[check_lang(lang, "plot_history")]
    runs = _runs(histories, words)
    figure = new_figure(10, 4.2)
    loss_ax, acc_ax = figure.subplots(1, 2)
    lowest, highest, worst = math.inf, 0.0, 1.0  # loss range; lowest accuracy
    for i, (label, h) in enumerate(runs):
        colour = _RUN_COLOURS[i % len(_RUN_COLOURS)]
        loss, diverged = _finite_prefix(h.loss)
        epochs = np.arange(1, len(loss) + 1)
        note = words.diverged.format(epoch=diverged) if diverged else words.final.format(value=f"{loss[-1]:.4g}")
        if len(loss):
            lowest, highest = min(lowest, float(loss.min())), max(highest, float(loss.max()))
            loss_ax.plot(
                epochs,
                loss,
                color=colour,
                linewidth=1.8,
                marker="o" if len(loss) < 30 else None,
                markersize=3,
                label=f"{label} ({note})",
            )
        accuracy = list(getattr(h, "accuracy", None) or [])
        if accuracy:
            acc, _ = _finite_prefix(accuracy)
            worst = min(worst, float(acc.min(initial=1.0)))
            acc_ax.plot(
                np.arange(1, len(acc) + 1),
                acc,
                color=colour,
                linewidth=1.8,
                marker="o" if len(acc) < 30 else None,
                markersize=3,
                label=f"{label} ({words.final.format(value=f'{acc[-1]:.0%}')})" if len(acc) else label,
            )
    if lowest > 0 and highest / lowest > 20:  # losses that fall by orders of magnitude read better on a log axis
        loss_ax.set_yscale("log")
        loss_ax.yaxis.set_major_formatter(lambda v, _: f"{v:g}")  # 0.01 rather than 10^-2
    loss_ax.set_title(words.loss_title, fontsize=11)
    loss_ax.set_ylabel(words.loss + (words.log_scale if loss_ax.get_yscale() == "log" else ""))
    acc_ax.set_title(words.accuracy_title, fontsize=11)
    acc_ax.set_ylabel(words.accuracy)
    acc_ax.set_ylim(max(0.0, math.floor(worst * 10 - 0.5) / 10) - 0.01, 1.01)  # zoom in on the climb to 100%
    acc_ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    if not acc_ax.lines:
        acc_ax.text(0.5, 0.5, words.no_accuracy, ha="center", va="center", transform=acc_ax.transAxes, color="#868e96")
    for ax in (loss_ax, acc_ax):
        ax.set_xlabel(words.epoch)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no epoch 2.5
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=9)
    return save_figure(figure, target, "plot_history")
