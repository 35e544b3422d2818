"""Pictures: computation graphs, network diagrams, decision boundaries, training curves, activations.

One concern per module: `graph` (``draw_dot``), `network` (``draw_network``), `rendering`
(``render`` to files and ``to_svg`` for Jupyter, with or without system Graphviz), `boundary`,
`history` and `activations` (matplotlib plots written to files).

>>> from tinygrad_dk import Value
>>> from tinygrad_dk.viz import draw_dot
>>> a = Value(3.0, "a")
>>> b = (a * 2.0).tanh()
>>> b.backward()
>>> "* 2.0" in draw_dot(b).source
True
"""

from tinygrad_dk.viz.activations import plot_activations
from tinygrad_dk.viz.boundary import plot_decision_boundary
from tinygrad_dk.viz.graph import draw_dot
from tinygrad_dk.viz.history import plot_history
from tinygrad_dk.viz.network import draw_network
from tinygrad_dk.viz.rendering import Diagram, RenderError, render, to_svg

__all__ = [
    "Diagram",
    "RenderError",
    "draw_dot",
    "draw_network",
    "plot_activations",
    "plot_decision_boundary",
    "plot_history",
    "render",
    "to_svg",
]
