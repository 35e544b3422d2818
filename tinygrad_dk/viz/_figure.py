"""Matplotlib figures that never touch pyplot (so the user's backend stays theirs), saved atomically."""

from __future__ import annotations

import io
import os
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from tinygrad_dk._files import suffix_format, write_atomic

PLOT_FORMATS: dict[str, str] = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def new_figure(width: float, height: float) -> Figure:
    """A figure with its own Agg canvas: no pyplot, no global backend switch."""
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def check_path(path: str | os.PathLike[str], what: str) -> Path:
    """``path`` as a Path whose suffix names a format matplotlib writes (checked before slow work)."""
    target = Path(path)
    suffix_format(target, PLOT_FORMATS, what)
    return target


def save_figure(figure: Figure, path: Path, what: str) -> Path:
    """Write ``figure`` in the format ``path``'s suffix names; the file appears whole or not at all."""
    fmt = suffix_format(path, PLOT_FORMATS, what)
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt in ("svg", "pdf") else None  # no timestamps: same plot, same bytes
    with matplotlib.rc_context({"svg.hashsalt": "tinygrad_dk"}):
        figure.savefig(buffer, format=fmt, metadata=metadata, facecolor="white")
    return write_atomic(path, buffer.getvalue())
