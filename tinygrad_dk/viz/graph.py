"""`draw_dot`: the computation graph of a `Value`, with data, grad and the local derivative on each edge.

Each value is a record ``label | data | grad``; each op is a small node between its result and
its operands; the edge from an operand into an op carries ``∂ = d result / d operand``, the
number `backward` multiplies by. So the chain rule can be read off the picture: a node's grad
is the sum, over the edges leaving it, of ∂ times the grad of the result the edge leads to.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from typing import Any

from tinygrad_dk.engine import Value, topological_order
from tinygrad_dk.ops import OPS
from tinygrad_dk.viz._style import EDGE_LABEL_COLOUR, FONT, KIND_COLOURS, OP_COLOUR
from tinygrad_dk.viz.rendering import Diagram

RANKDIRS = ("LR", "TB", "RL", "BT")
DEFAULT_MAX_NODES = 500

# Without ``params``, a labelled leaf counts as a parameter when its label names a weight or a
# bias: ``w`` or ``b`` and digits (w1, b2, w1_0), or the last dotted part of a name (L1.n2.w1,
# L1.n2.b, as `nn.MLP` labels them); a plain ``b`` counts too when the graph has a weight ``w1``
# (a `nn.Neuron`'s bias). Other labelled leaves (x1, a, b, target) are inputs; unlabelled
# leaves are constants.
PARAMETER_LABEL = re.compile(r"^[wb]\d+(?:[._]\d+)*$|\.[wb]\d*(?:[._]\d+)*$")
_WEIGHT_LABEL = re.compile(r"(?:^|\.)w\d+$")


def labelled_parameters(nodes: Iterable[Value]) -> set[Value]:
    """The leaves among ``nodes`` whose labels mark them as parameters (see `PARAMETER_LABEL`).

    >>> x, w, b = Value(1.0, "x1"), Value(0.5, "w1"), Value(0.1, "b")
    >>> sorted(v.label for v in labelled_parameters([x, w, b]))
    ['b', 'w1']
    >>> sorted(v.label for v in labelled_parameters([Value(1.0, "a"), b]))  # no weight: b is an input
    []
    """
    leaves = [node for node in nodes if not node.children and node.label]
    found = {leaf for leaf in leaves if PARAMETER_LABEL.search(leaf.label)}
    if any(_WEIGHT_LABEL.search(leaf.label) for leaf in found):
        found.update(leaf for leaf in leaves if leaf.label == "b")
    return found


def node_kind(node: Value, root: Value, params: set[Value]) -> str:
    """"output", "inner", "parameter", "input" or "constant": how `draw_dot` colours ``node``.

    >>> x, w = Value(1.0, "x1"), Value(0.5, "w1")
    >>> y = x * w + 2.0
    >>> [node_kind(v, y, {w}) for v in (x, w, y)]
    ['input', 'parameter', 'output']
    """
    if node is root:
        return "output"
    if node.children:
        return "inner"
    if node in params:
        return "parameter"
    return "input" if node.label else "constant"


def op_text(node: Value) -> str:
    """The op as a short formula, with its constant: ``"+"``, ``"* 2.0"``, ``"** 2"``, ``"tanh"``.

    >>> x = Value(3.0)
    >>> [op_text(v) for v in (x + x, x * 2, x**2, x - 1, x.leaky_relu(), x.tanh())]
    ['+', '* 2.0', '** 2', '+ -1.0', 'leaky_relu 0.01', 'tanh']
    """
    symbol = OPS[node.op].shown if node.op in OPS else node.op  # the op table's symbol
    return symbol if node.arg is None else f"{symbol} {_constant(node.op, node.arg)}"


def _constant(op: str, k: Any) -> str:
    k = float(k)
    if k.is_integer() and abs(k) < 1e6:
        return str(int(k)) if op == "powk" else f"{k:.1f}"  # x ** 2, but x * 2.0
    return f"{k:.4g}"


def _escape(text: str) -> str:
    """Backslash the characters that mean something inside a record label."""
    return re.sub(r'([{}|<>\\"])', r"\\\1", text)


def _record(node: Value, show_grad: bool, horizontal_fields: bool) -> str:
    """The node's record label: ``label | data | grad`` (plain records: the WebAssembly
    Graphviz has no HTML-like labels)."""
    fields = [_escape(node.label)] if node.label else []
    fields.append(f"data {node.data:.4f}")
    if show_grad:
        fields.append(f"grad {node.grad:.4f}")
    row = " | ".join(fields)
    return "{ " + row + " }" if horizontal_fields else row  # braces turn the fields across the rank direction


def _add_key(graph: Diagram, kinds: set[str], rankdir: str, show_grad: bool, edge_labels: bool) -> None:
    """A colour key: one swatch per kind present; and, under the drawing, how to read the edges."""
    names = {"parameter": "parameter", "input": "input", "constant": "constant", "inner": "result of an op",
             "output": "output"}
    swatches = [f"key_{kind}" for kind in names if kind in kinds]
    across = rankdir in ("LR", "RL")  # ranks run across the page: consecutive ranks make a row
    with graph.subgraph(name="cluster_key") as key:
        key.attr(label="key", labeljust="l", style="rounded", color="#ced4da", fontsize="10")
        with key.subgraph() as row:
            if not across:
                row.attr(rank="same")  # ranks run down the page: one rank is a row
            for kind, name in names.items():
                if kind in kinds:
                    row.node(f"key_{kind}", name, shape="box", fillcolor=KIND_COLOURS[kind], fontsize="10",
                             height="0.25")
            for left, right in itertools.pairwise(swatches):
                row.edge(left, right, style="invis")  # keep the swatches in order
    # How to read the edges goes in the graph's label, under the drawing: a wide node in the key
    # would share a rank with the graph and stretch it.
    notes = []
    if edge_labels:
        notes.append("∂ on an edge = d result / d operand, stored when the op ran")
    if edge_labels and show_grad:
        notes.append("a node's grad = sum over the edges leaving it of ∂ times the grad of the result")
    if notes:
        graph.attr(label="".join(f"{note}\\l" for note in notes), labelloc="b", labeljust="l",
                   fontcolor=EDGE_LABEL_COLOUR, fontsize="10")


def _param_set(params: Iterable[Value] | None) -> set[Value] | None:
    if params is None:
        return None
    if isinstance(params, Value):
        raise TypeError("draw_dot: params must be an iterable of Values (e.g. model.parameters()), got one Value")
    found = set()
    for p in params:
        if not isinstance(p, Value):
            raise TypeError(f"draw_dot: params must contain only Values, got {type(p).__name__}: {p!r}")
        found.add(p)
    return found


def draw_dot(root: Value, *, rankdir: str = "LR", show_grad: bool = True, edge_labels: bool = True,
             max_nodes: int = DEFAULT_MAX_NODES, params: Iterable[Value] | None = None) -> Diagram:
    """The computation graph below ``root`` as a `graphviz.Digraph`; `render` writes it to a file.

    Colours tell parameters (those in ``params``; without it, leaves labelled like ``w1``,
    ``b2`` or ``L1.n1.w1``: see `PARAMETER_LABEL`), inputs (other labelled leaves),
    constants (unlabelled leaves), results of ops and the output apart, with a key; the
    caption says how to read the edges. A graph with more than ``max_nodes`` values raises
    ValueError instead of making an unreadable picture that takes long to lay out.

    >>> a, b = Value(2.0, "a"), Value(-3.0, "b")
    >>> c = a * b
    >>> c.backward()
    >>> dot = draw_dot(c).source
    >>> "data -6.0000" in dot, "grad -3.0000" in dot, "∂=2.0000" in dot
    (True, True, True)
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot needs a Value (the root of a graph), got {type(root).__name__}: {root!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_dot: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_dot: max_nodes must be a positive int, got {max_nodes!r}")
    given = _param_set(params)
    nodes = topological_order(root)
    if len(nodes) > max_nodes:
        raise ValueError(f"draw_dot: the graph has {len(nodes)} nodes, more than max_nodes={max_nodes}, too many to "
                         "read or lay out quickly: draw a smaller graph (one sample's loss instead of the whole "
                         "batch's, through a small network such as MLP(2, [2, 1])), or pass "
                         f"max_nodes={len(nodes)} to draw it anyway (Graphviz may then take minutes)")

    graph = Diagram("computation_graph")
    graph.attr(rankdir=rankdir, bgcolor="white", fontname=FONT, fontsize="11", nodesep="0.25", ranksep="0.35")
    graph.attr("node", fontname=FONT, fontsize="11", shape="record", style="filled")
    graph.attr("edge", fontname=FONT, fontsize="10", arrowsize="0.6", color="#495057")
    param_set = labelled_parameters(nodes) if given is None else given
    ids = {node: f"v{i}" for i, node in enumerate(nodes)}
    kinds = []
    for node in nodes:
        kind = node_kind(node, root, param_set)
        kinds.append(kind)
        graph.node(ids[node], _record(node, show_grad, rankdir in ("LR", "RL")), fillcolor=KIND_COLOURS[kind])
        if node.children:
            op_id = ids[node] + "op"
            graph.node(op_id, op_text(node), shape="ellipse", fillcolor=OP_COLOUR, fontsize="10",
                       margin="0.05,0.02", height="0.3", width="0.3", color="#868e96")
            graph.edge(op_id, ids[node])
            for child, local in zip(node.children, node.local_grads, strict=True):
                label = {"label": f"∂={local:.4f}", "fontcolor": EDGE_LABEL_COLOUR} if edge_labels else {}
                graph.edge(ids[child], op_id, **label)
    _add_key(graph, set(kinds), rankdir, show_grad, edge_labels)
    return graph
