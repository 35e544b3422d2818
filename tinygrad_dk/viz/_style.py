"""The colours and fonts every picture shares, so a parameter looks the same everywhere."""

from __future__ import annotations

# Helvetica, by that one name: Graphviz lays text out by its width, and without a font library
# (the pip-only WebAssembly Graphviz has none) it knows the widths of a few fonts by name only:
# "Helvetica" gets Arial's widths, while a list such as "Helvetica,Arial,sans-serif" falls back to
# Times, about 10% narrower, and the text overflows its box. In SVG it becomes
# font-family="Helvetica,sans-Serif", which viewers draw with Helvetica or a font of the same
# widths (Arial on Windows, Liberation Sans or Nimbus Sans on Linux desktops).
FONT = "Helvetica"

# Fill colours of the kinds of node (graphs and network diagrams alike).
KIND_COLOURS: dict[str, str] = {
    "parameter": "#ffd8a8",  # orange: what training changes
    "input": "#a5d8ff",  # blue: the data fed in
    "constant": "#e9ecef",  # grey: a number nobody labelled
    "output": "#b2f2bb",  # green: the result
    "inner": "#ffffff",  # white: made by an op along the way
}
OP_COLOUR = "#f1f3f5"
EDGE_LABEL_COLOUR = "#862e9c"  # purple: the local derivatives on the edges

# Signs of weights (and of class scores): blue positive, orange negative.
POSITIVE = "#1c7ed6"
NEGATIVE = "#e8590c"
NEUTRAL = "#868e96"


def sign_colour(x: float) -> str:
    """Blue for a positive number, orange for a negative one, grey for zero."""
    return POSITIVE if x > 0 else NEGATIVE if x < 0 else NEUTRAL
