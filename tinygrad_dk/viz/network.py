"""`draw_network`: an MLP as the textbook draws it, one circle per neuron, one line per weight.

Inputs on the left, then one column per layer. Each neuron shows its activation and bias
``b``; each line is a weight, blue when positive, orange when negative, thicker the larger
its size, and labelled with its value while the network is small enough to read them. The
caption's words are English or Danish (``lang``); the numbers are the same.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from tinygrad_dk._checks import check_count
from tinygrad_dk._lang import check_lang
from tinygrad_dk.engine import Value
from tinygrad_dk.viz._style import FONT, KIND_COLOURS, NEUTRAL, sign_colour
from tinygrad_dk.viz.rendering import Diagram

MAX_EDGE_LABELS = 24  # above this many weights (a 4 x 4 layer, say) the labels crowd each other out

# The caption's own words per language (a caller's caption is the caller's): how to read the
# picture ({nin}, {sizes}, {weights}), the two labels on a line, and weights left unwritten.
_WORDS = {
    "en": {
        "summary": "{nin} inputs, layers of {sizes} neurons, {weights} weights; blue = positive, orange = negative, "
        "thicker = larger |w|; b = bias (the border shows its sign)",
        "spread": "on a line: its weight near the neuron it feeds, its grad where it starts",
        "unwritten": "weight values not written: {weights} is more than max_edge_labels={most}",
    },
    "da": {
        "summary": "{nin} input, lag med {sizes} neuroner, {weights} vægte; blå = positiv, orange = negativ, "
        "tykkere = større |w|; b = bias (randen viser dens fortegn)",
        "spread": "på en linje: vægten ved den neuron, den fører ind i, og dens grad, hvor linjen begynder",
        "unwritten": "vægtenes værdier er udeladt: {weights} er flere end max_edge_labels={most}",
    },
}


def number(x: float, digits: int = 2) -> str:
    """A weight, bias or gradient, short: ``digits`` decimals, or scientific below 0.01.

    >>> number(0.4213), number(-1.0), number(0.0), number(-0.00213), number(0.149780716, 4)
    ('0.42', '-1.00', '0.00', '-2.1e-03', '0.1498')
    """
    return f"{x:.{digits}f}" if x == 0 or abs(x) >= 0.01 else f"{x:.1e}"


def _layers(model: Any) -> list[list[Any]]:
    """The model's neurons, layer by layer: an MLP's layers, a Layer, or one Neuron or Perceptron."""
    if hasattr(model, "layers"):
        layers = model.layers
    elif hasattr(model, "neurons"):
        layers = [model]
    elif hasattr(model, "w") and hasattr(model, "b"):
        layers = [SimpleNamespace(neurons=[model])]
    else:
        raise TypeError(
            f"draw_network needs an MLP, Layer, Neuron or Perceptron (an object with .layers, "
            f".neurons or .w and .b), got {type(model).__name__}"
        )
    if not isinstance(layers, Sequence) or not layers:
        raise ValueError(f"draw_network: the model's .layers must be a non-empty list, got {layers!r}")
    result = []
    for i, layer in enumerate(layers):
        neurons = getattr(layer, "neurons", None)
        if not isinstance(neurons, Sequence) or not neurons:
            raise ValueError(f"draw_network: layer {i + 1} of the model has no neurons (.neurons is {neurons!r})")
        for neuron in neurons:
            w, b = getattr(neuron, "w", None), getattr(neuron, "b", None)
            if not (isinstance(b, Value) and isinstance(w, Sequence) and all(isinstance(wi, Value) for wi in w)):
                raise TypeError(
                    f"draw_network: every neuron of layer {i + 1} needs .w (a list of Values) "
                    f"and .b (a Value); got {type(neuron).__name__}"
                )
        result.append(list(neurons))
    return result


def _keep_in_order(column: Any, names: list[str]) -> None:
    """Invisible edges down a column, so x1 is drawn above x2 and neuron 1 above neuron 2."""
    for upper, lower in itertools.pairwise(names):
        column.edge(upper, lower, style="invis")


def _named(p: Value, fallback: str, digits: int) -> str:
    """A weight's or bias's value, after its own name when it has a short one (w5 = 0.40, b_h1 = 0.35)."""
    name = p.label if p.label and "." not in p.label else fallback  # not the long L1.n1.w1 of an MLP
    return f"{name} = {number(p.data, digits)}" if name else number(p.data, digits)


def draw_network(
    model: Any,
    *,
    show_weights: bool = True,
    show_grads: bool = False,
    max_edge_labels: int = MAX_EDGE_LABELS,
    inputs: Sequence[str] | None = None,
    caption: str | Sequence[str] = (),
    digits: int = 2,
    lang: str | None = None,
) -> Diagram:
    """The neuron-level picture of an MLP (or Layer, Neuron, Perceptron); `render` writes it to a file.

    Each weight sits on its line and each bias in its neuron, after its name when the
    parameter has a short label (``w5 = 0.40``; an MLP's own L1.n1.w1 is left out).
    Weights are labelled while there are at most ``max_edge_labels`` of them (the graph's
    caption says when they are left out); ``show_grads`` adds each weight's and bias's grad.
    ``inputs`` names the input nodes (default x1, x2, ...); ``caption``'s lines open the caption;
    ``digits`` is how many decimals each number gets (4 shows an update of 0.0002 that 2 hide).
    ``lang`` is "en" or "da", the language of the caption's own words (default: the environment
    variable TINYGRAD_DK_LANG, else "en").
    """
    words = _WORDS[check_lang(lang, "draw_network")]
    check_count(digits, "draw_network: digits", 0)
    check_count(max_edge_labels, "draw_network: max_edge_labels", 0)
    layers = _layers(model)
    nin = len(layers[0][0].w)
    shown = _input_names(inputs, nin)
    weights = [w.data for layer in layers for neuron in layer for w in neuron.w]
    label_edges = show_weights and len(weights) <= max_edge_labels
    largest = max((abs(w) for w in weights if math.isfinite(w)), default=0.0) or 1.0

    graph = Diagram("network")
    spread = label_edges and show_grads  # two labels per line
    graph.attr(
        rankdir="LR",
        bgcolor="white",
        fontname=FONT,
        fontsize="11",  # labels need room between lines
        ranksep="3.0" if label_edges else "1.4",
        nodesep="1.4" if label_edges else "0.06",
        splines="line",
        ordering="out",
        outputorder="edgesfirst",
    )  # neurons drawn over the lines
    graph.attr(
        "node",
        fontname=FONT,
        fontsize="10",
        shape="ellipse",
        style="filled",
        fixedsize="true",
        width="1.0",
        height="0.75" if show_grads else "0.6",
    )
    # A weight's number sits beside its line, near the neuron it feeds, where the lines into one
    # neuron have spread apart; in the middle they would cross, and so would their labels. At 30
    # degrees off the line, "w6 = 0.45" clears both its own line and its neighbour's.
    graph.attr(
        "edge",
        fontname=FONT,
        arrowsize="0.4",
        dir="none",
        labelfontname=FONT,
        labelfontsize="9",
        labeldistance="4",
        labelangle="30",
    )

    # 1. the inputs, then each layer's neurons, one column (rank) each
    previous = [f"x{i + 1}" for i in range(nin)]
    with graph.subgraph() as column:
        column.attr(rank="same")
        for name, text in zip(previous, shown, strict=True):
            column.node(name, text, fillcolor=KIND_COLOURS["input"], width="0.5", height="0.5")
        _keep_in_order(column, previous)
    for depth, layer in enumerate(layers):
        last = depth == len(layers) - 1
        names = [f"L{depth + 1}N{j + 1}" for j in range(len(layer))]
        with graph.subgraph() as column:
            column.attr(rank="same")
            for name, neuron in zip(names, layer, strict=True):
                text = f"{getattr(neuron, 'activation', '')}\n{_named(neuron.b, 'b', digits)}"
                if show_grads:
                    text += f"\ngrad {number(neuron.b.grad, digits)}"
                column.node(
                    name,
                    text,
                    fillcolor=KIND_COLOURS["output" if last else "inner"],
                    color=sign_colour(neuron.b.data),
                    penwidth="1.5",
                )
            _keep_in_order(column, names)
        # 2. one line per weight, into the neuron it feeds
        for name, neuron in zip(names, layer, strict=True):
            if len(neuron.w) != len(previous):
                raise ValueError(
                    f"draw_network: neuron {name} has {len(neuron.w)} weights but the layer before it "
                    f"has {len(previous)} outputs"
                )
            for source, w in zip(previous, neuron.w, strict=True):
                size = abs(w.data) / largest if math.isfinite(w.data) else 1.0  # 0 to 1; a diverged weight: 1
                alpha = "" if label_edges else f"{int(60 + 195 * size):02x}"  # faint small weights in a crowd
                attrs = {"color": sign_colour(w.data) + alpha, "penwidth": f"{0.4 + 2.6 * size:.2f}"}
                if label_edges:  # the weight near the neuron it feeds, its grad near where the line starts
                    attrs.update(headlabel=_named(w, "", digits), labelfontcolor=sign_colour(w.data))
                    if show_grads:
                        attrs.update(taillabel=f"grad {number(w.grad, digits)}")
                graph.edge(source, name, **attrs)
        previous = names

    # 3. the caption: how to read it, and what was left out
    lines = [caption] if isinstance(caption, str) else list(caption)
    sizes = ", ".join(str(len(layer)) for layer in layers)
    lines.append(words["summary"].format(nin=nin, sizes=sizes, weights=len(weights)))
    if spread:
        lines.append(words["spread"])
    if show_weights and not label_edges:
        lines.append(words["unwritten"].format(weights=len(weights), most=max_edge_labels))
    graph.attr(label="\\l".join(lines) + "\\l", labelloc="b", labeljust="l", fontcolor=NEUTRAL)
    return graph


def _input_names(inputs: Sequence[str] | None, nin: int) -> list[str]:
    """What the input nodes show: ``inputs``, checked, or x1, x2, ..."""
    if inputs is None:
        return [f"x{i + 1}" for i in range(nin)]
    if isinstance(inputs, str) or len(inputs) != nin or not all(isinstance(name, str) for name in inputs):
        raise ValueError(f"draw_network: inputs must be {nin} names, one per input, got {inputs!r}")
    return list(inputs)
