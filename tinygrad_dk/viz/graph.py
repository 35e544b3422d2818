"""`draw_dot`: the computation graph of a `Value`, with data, grad and the local derivative on each edge.

Each value is a record ``label | data | grad``; each op is a small node between its result and
its operands; the edge from an operand into an op carries ``∂ = d result / d operand``, the
number `backward` multiplies by. So the chain rule can be read off the picture: a node's grad
is the sum, over the edges leaving it, of ∂ times the grad of the result the edge leads to.
The key and the notes under the drawing are in English or Danish (``lang``); the numbers are the same.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from tinygrad_dk._lang import check_lang
from tinygrad_dk.engine import Value
from tinygrad_dk.ops import OPS
from tinygrad_dk.viz._style import EDGE_LABEL_COLOUR, FONT, KIND_COLOURS, OP_COLOUR, sign_colour
from tinygrad_dk.viz.rendering import Diagram

RANKDIRS = ("LR", "TB", "RL", "BT")
DEFAULT_MAX_NODES = 500
MAX_NEURON_EDGE_LABELS = 40  # above this many lines into neurons (a 4 x 4 layer and more) labels crowd each other

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
    """ "output", "inner", "parameter", "input" or "constant": how `draw_dot` colours ``node``.

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


def _fields(fields: list[str], style: _Style) -> str:
    """A record label from its fields: stacked one above the other, or in one row.

    Graphviz lays a record's fields across the rank direction, and braces turn them: so a row
    needs braces in an LR graph and a stack needs them in a TB one. Plain records, because the
    WebAssembly Graphviz has no HTML-like labels.
    """
    row = " | ".join(fields)
    return "{ " + row + " }" if style.stacked == (style.rankdir in ("TB", "BT")) else row


def _record(node: Value, style: _Style) -> str:
    """A value's record: ``label | data | grad``."""
    fields = [_escape(node.label)] if node.label else []
    fields.append(f"data {node.data:.4f}")
    if style.show_grad:
        fields.append(f"grad {node.grad:.4f}")
    return _fields(fields, style)


@dataclass(frozen=True)
class _Words:
    """The key's and the notes' words in one language (a caller's caption is the caller's)."""

    key: str  # the key's title
    kinds: dict[str, str]  # node kind -> its name in the key, in the key's order
    condensed: str  # {folds}
    condensed_grad: str  # added to `condensed` when grads are shown
    edges: str
    edges_into_neuron: str  # added to `edges` in a condensed graph
    grads: str
    unlabelled: str  # {unlabelled}, {most}


_WORDS = {
    "en": _Words(
        key="key",
        kinds={
            "parameter": "parameter",
            "input": "input",
            "constant": "constant",
            "inner": "result of an op",
            "neuron": "neuron (w·x + b, activation)",
            "output": "output",
        },
        condensed="condensed: each of the {folds} rounded boxes is one neuron, its weighted sum net = w·x + b "
        "(weights and bias folded in, not drawn) and its activation's output",
        condensed_grad=", with that output's grad",
        edges="∂ on an edge = d result / d operand, stored when the op ran",
        edges_into_neuron="; into a neuron: d out / d input, their product through the neuron",
        grads="a node's grad = sum over the edges leaving it of ∂ times the grad of the result",
        unlabelled="∂ not written on the {unlabelled} lines into neurons, too many to read (more than {most}): "
        "blue = positive, orange = negative, thicker = larger |∂|",
    ),
    "da": _Words(
        key="forklaring",
        kinds={
            "parameter": "parameter",
            "input": "input",
            "constant": "konstant",
            "inner": "resultat af en operation",
            "neuron": "neuron (w·x + b,\naktiveringsfunktion)",  # two lines: one would widen a rank of the graph
            "output": "output",
        },
        condensed="sammenfoldet: hver af de {folds} afrundede kasser er én neuron: dens vægtede sum net = w·x + b "
        "(vægte og bias foldet ind, ikke tegnet) og dens aktiveringsfunktions output",
        condensed_grad=", med dets grad",
        edges="∂ på en kant = d resultat / d operand, gemt da operationen kørte",
        edges_into_neuron="; ind i en neuron: d out / d input, produktet gennem neuronen",
        grads="en knudes grad = summen, over kanterne ud fra den, af ∂ gange resultatets grad",
        unlabelled="∂ står ikke på de {unlabelled} linjer ind i neuronerne, for mange til at læse (flere end "
        "{most}): blå = positiv, orange = negativ, tykkere = større |∂|",
    ),
}


def _add_key(graph: Diagram, kinds: set[str], rankdir: str, notes: list[str], words: _Words) -> None:
    """A colour key: one swatch per kind present; and, under the drawing, ``notes``: how to read it."""
    names = words.kinds
    swatches = [f"key_{kind}" for kind in names if kind in kinds]
    across = rankdir in ("LR", "RL")  # ranks run across the page: consecutive ranks make a row
    with graph.subgraph(name="cluster_key") as key:
        key.attr(label=words.key, labeljust="l", style="rounded", color="#ced4da", fontsize="10")
        with key.subgraph() as row:
            if not across:
                row.attr(rank="same")  # ranks run down the page: one rank is a row
            for kind, name in names.items():
                if kind in kinds:
                    rounded = {"style": "rounded,filled"} if kind == "neuron" else {}  # as the neurons' boxes
                    row.node(
                        f"key_{kind}",
                        name,
                        shape="box",
                        fillcolor=KIND_COLOURS.get(kind, KIND_COLOURS["inner"]),
                        fontsize="10",
                        height="0.25",
                        **rounded,
                    )
            for left, right in itertools.pairwise(swatches):
                row.edge(left, right, style="invis")  # keep the swatches in order
    # How to read the edges goes in the graph's label, under the drawing: a wide node in the key
    # would share a rank with the graph and stretch it.
    if notes:
        graph.attr(
            label="".join(f"{_label_line(note)}\\l" for note in notes),
            labelloc="b",
            labeljust="l",
            fontcolor=EDGE_LABEL_COLOUR,
            fontsize="10",
        )


def _label_line(text: str) -> str:
    """``text`` as one line of a Graphviz label: its own backslashes kept (Graphviz reads ``\\l`` as an end of line)."""
    return text.replace("\\", "\\\\")


def _notes(caption: str | Sequence[str], style: _Style, folds: int, unlabelled: int, words: _Words) -> list[str]:
    """The lines under the drawing: the caller's caption, then how to read the boxes and the edges."""
    notes = [caption] if isinstance(caption, str) else list(caption)
    if folds:
        notes.append(words.condensed.format(folds=folds) + (words.condensed_grad if style.show_grad else ""))
    if style.edge_labels:
        notes.append(words.edges + (words.edges_into_neuron if folds else ""))
    if style.edge_labels and style.show_grad:
        notes.append(words.grads)
    if unlabelled:
        notes.append(words.unlabelled.format(unlabelled=unlabelled, most=MAX_NEURON_EDGE_LABELS))
    return notes


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


def _drawing_order(root: Value) -> list[Value]:
    """Every node below ``root``, children before parents, a node's first operand and all below it first.

    Graphviz keeps the order nodes are declared in where it can, so ``a * b`` is drawn with ``a``
    above ``b`` (LR) or left of it (TB), and Mazur's h1 and o1 come before h2 and o2. An explicit
    stack, as in the engine's `topological_order`: a deep graph cannot overflow it.
    """
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[Value | None] = [root]  # None marks "every node below the node under me is in order"
    while stack:
        node = stack.pop()
        if node is None:
            order.append(cast(Value, stack.pop()))
        elif node not in seen:
            seen.add(node)
            stack += (node, None)
            stack += [child for child in reversed(node.children) if child not in seen]  # the first pops first
    return order


# --- condensed: one box per neuron --------------------------------------------------------


@dataclass(frozen=True)
class Fold:
    """A neuron found in a graph: its weighted sum ``net = w·x + b`` and activation, drawn as one box.

    ``inputs`` pairs each term's input with ``d out / d input``: the product of the local
    derivatives the engine stored along the path through the fold (activation, additions, product).
    """

    out: Value  # the activation's result, or the sum itself for a linear neuron: the box stands for it
    net: Value  # the weighted sum
    inputs: tuple[tuple[Value, float], ...]
    inside: frozenset[Value]  # the nodes folded into the box (additions, products, weights, bias), not `out`
    name: str


def _product_with_parameter(node: Value, params: set[Value]) -> tuple[Value, Value, float] | None:
    """``(w, x, d node / d x)`` when ``node`` is ``w * x`` with exactly one operand a parameter leaf ``w``."""
    if node.op != "mul":
        return None
    (a, b), (da, db) = node.children, node.local_grads
    if a in params and not a.children and b not in params:
        return a, b, db
    if b in params and not b.children and a not in params:
        return b, a, da
    return None


def _weighted_sum(
    net: Value, params: set[Value], uses: dict[Value, int]
) -> tuple[list[Value], list[tuple[Value, float]]] | None:
    """The nodes and terms of ``net`` if it is a sum of products ``w * x`` and bias parameters, else None.

    Each term is ``(x, d net / d x)``, the product of the stored local derivatives down to it. The
    additions and products inside must be used by nothing else, or folding them would hide a use.
    """
    inside: list[Value] = []
    terms: list[tuple[Value, float]] = []
    stack = [(net, 1.0)]
    while stack:
        node, local = stack.pop()
        product = _product_with_parameter(node, params) if uses[node] == 1 else None
        if node.op == "add" and (node is net or uses[node] == 1):
            inside.append(node)
            stack += [(c, local * d) for c, d in reversed(list(zip(node.children, node.local_grads, strict=True)))]
        elif product is not None:
            weight, x, dx = product
            inside += (node, weight)
            terms.append((x, local * dx))
        elif node in params and not node.children:
            inside.append(node)  # a bias
        else:
            return None
    return (inside, terms) if terms else None


def _fold_name(out: Value, net: Value, inside: list[Value]) -> str:
    """The neuron's name: what its parameters' labels share (L2.n3 from L2.n3.w1, L2.n3.b), and its output's label."""
    owners = {v.label.rpartition(".")[0] for v in inside if not v.children and "." in v.label}
    owner = owners.pop() if len(owners) == 1 else ""
    label = out.label if out is not net else ""  # a linear neuron's label names its net, in the box below
    return f"{owner}: {label}" if owner and label else owner or label


def find_neurons(nodes: Sequence[Value], params: set[Value]) -> dict[Value, Fold]:
    """The neurons of a graph, by the node each one's box stands for: every sum of products of a
    parameter and an input plus a bias, with the activation applied to it when there is one.

    >>> from tinygrad_dk.engine import topological_order
    >>> x1, x2 = Value(1.0, "x1"), Value(2.0, "x2")
    >>> w1, w2, b = Value(0.5, "n.w1"), Value(1.0, "n.w2"), Value(0.0, "n.b")
    >>> out = (b + w1 * x1 + w2 * x2).relu()
    >>> [(f.name, f.net.data, [(x.label, d) for x, d in f.inputs]) for f in find_neurons(topological_order(out),
    ...                                                                                  {w1, w2, b}).values()]
    [('n', 2.5, [('x1', 0.5), ('x2', 1.0)])]
    """
    uses: dict[Value, int] = dict.fromkeys(nodes, 0)
    parent: dict[Value, Value] = {}
    for node in nodes:
        for child in node.children:
            uses[child] += 1
            parent[child] = node
    found: dict[Value, Fold] = {}
    folded: set[Value] = set()
    for net in reversed(nodes):  # results before operands: the whole sum before a part of it
        summed = None if net in folded or net.op != "add" else _weighted_sum(net, params, uses)
        if summed is None:
            continue
        inside, terms = summed
        above = parent.get(net) if uses[net] == 1 else None
        out = above if above is not None and above.op in OPS and OPS[above.op].activation else net
        local = out.local_grads[0] if out is not net else 1.0  # d out / d net
        inside = [v for v in inside if v is not out] + ([net] if out is not net else [])
        found[out] = Fold(
            out, net, tuple((x, local * d) for x, d in terms), frozenset(inside), _fold_name(out, net, inside)
        )
        folded.update(inside)
    return found


def _fold_record(fold: Fold, style: _Style) -> str:
    """A neuron's box: its name, ``net`` (the weighted sum), the activation's output and the output's grad."""
    fields = [_escape(fold.name)] if fold.name else []
    fields.append(f"{_escape(fold.net.label) if fold.net.label else 'net'} {fold.net.data:.4f}")
    if fold.out is not fold.net:
        fields.append(f"{op_text(fold.out)} {fold.out.data:.4f}")
    if style.show_grad:
        fields.append(f"grad {fold.out.grad:.4f}")
    return _fields(fields, style)


# --- draw_dot -------------------------------------------------------------------------------


def _check_options(root: object, rankdir: object, max_nodes: object) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot needs a Value (the root of a graph), got {type(root).__name__}: {root!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_dot: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_dot: max_nodes must be a positive int, got {max_nodes!r}")


def _too_many(count: int, max_nodes: int, condensed: bool) -> ValueError:
    fold = "" if condensed else " (or condensed=True: one box per neuron)"
    return ValueError(
        f"draw_dot: the graph has {count} nodes, more than max_nodes={max_nodes}, too many to read "
        "or lay out quickly: draw a smaller graph (one sample's loss instead of the whole batch's, "
        f"through a small network such as MLP(2, [2, 1])){fold}, or pass max_nodes={count} to draw "
        "it anyway (Graphviz may then take minutes)"
    )


def _edge_style(local: float, largest: float) -> dict[str, str]:
    """An unlabelled line into a neuron: coloured by the sign of its ∂, thicker and darker the larger |∂|."""
    size = min(abs(local) / largest, 1.0) if math.isfinite(local) else 1.0
    return {"color": sign_colour(local) + f"{int(40 + 215 * size):02x}", "penwidth": f"{0.3 + 2.2 * size:.2f}"}


class _Style(NamedTuple):
    """How `draw_dot` draws this graph: decided once, read by every node."""

    rankdir: str
    show_grad: bool
    stacked: bool  # the fields of a box one above the other: TB, and every condensed graph
    edge_labels: bool  # ∂ on the edges into ops
    fold_labels: bool  # ∂ on the lines into neurons; without, they are coloured by sign and size
    label_attr: str  # "label"; "taillabel" beside many unlabelled lines, which a label would push apart
    largest: float  # the largest |∂| into a neuron, to scale the unlabelled lines by


def _derivative(local: float | None, attr: str = "label") -> dict[str, str]:
    """An edge's ∂, as its label or (``attr="taillabel"``) beside its tail; None: an op made by hand stores none."""
    text = f"∂={local:.4f}" if local is not None else "∂ in its _backward"
    return {attr: text, "fontcolor" if attr == "label" else "labelfontcolor": EDGE_LABEL_COLOUR}


def _draw_fold(graph: Diagram, fold: Fold, ids: dict[Value, str], fill: str, style: _Style) -> None:
    """A neuron's box, and the lines from its inputs straight into it, each with d out / d input."""
    graph.node(ids[fold.out], _fold_record(fold, style), shape="Mrecord", fillcolor=fill, penwidth="1.5")
    for x, local in fold.inputs:
        attrs = _derivative(local) if style.fold_labels else _edge_style(local, style.largest)
        graph.edge(ids[x], ids[fold.out], **attrs)


def _draw_value(graph: Diagram, node: Value, ids: dict[Value, str], fill: str, style: _Style) -> None:
    """A value's record, and for a result its op node, with ∂ = d result / d operand on each operand's edge."""
    graph.node(ids[node], _record(node, style), fillcolor=fill)
    if node.children:
        op_id = ids[node] + "op"
        graph.node(
            op_id,
            op_text(node),
            shape="ellipse",
            fillcolor=OP_COLOUR,
            fontsize="10",
            margin="0.05,0.02",
            height="0.3",
            width="0.3",
            color="#868e96",
        )
        graph.edge(op_id, ids[node])
        stored = node.op in OPS  # not so for an op made by hand, micrograd's way: its chain rule is a closure
        for child, local in zip(node.children, node.local_grads, strict=True):
            attrs = _derivative(local if stored else None, style.label_attr) if style.edge_labels else {}
            graph.edge(ids[child], op_id, **attrs)


def draw_dot(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    edge_labels: bool = True,
    max_nodes: int = DEFAULT_MAX_NODES,
    params: Iterable[Value] | None = None,
    condensed: bool = False,
    caption: str | Sequence[str] = (),
    lang: str | None = None,
) -> Diagram:
    """The computation graph below ``root`` as a `graphviz.Digraph`; `render` writes it to a file.

    Colours tell parameters (those in ``params``; without it, leaves labelled like ``w1``,
    ``b2`` or ``L1.n1.w1``: see `PARAMETER_LABEL`), inputs (other labelled leaves),
    constants (unlabelled leaves), results of ops and the output apart, with a key. Under the
    drawing go ``caption``'s lines, then how to read the edges. In TB a node's fields are
    stacked, so a deep graph stays narrow. A graph with more than ``max_nodes`` values raises
    ValueError instead of making an unreadable picture that takes long to lay out.

    ``condensed=True`` draws each neuron (see `find_neurons`) as one box, its weighted sum
    ``net = w·x + b`` and its activation folded in (the weights and bias are not drawn), and
    writes on each line into it ``∂ = d out / d input``, the product of the local derivatives
    the engine stored through the fold; above `MAX_NEURON_EDGE_LABELS` such lines they are
    coloured by sign and size instead.

    ``lang`` is "en" or "da", the language of the key and of the notes on how to read the
    picture (default: the environment variable TINYGRAD_DK_LANG, else "en").

    >>> a, b = Value(2.0, "a"), Value(-3.0, "b")
    >>> c = a * b
    >>> c.backward()
    >>> dot = draw_dot(c).source
    >>> "data -6.0000" in dot, "grad -3.0000" in dot, "∂=2.0000" in dot
    (True, True, True)
    """
    _check_options(root, rankdir, max_nodes)
    words = _WORDS[check_lang(lang, "draw_dot")]
    given = _param_set(params)
    nodes = _drawing_order(root)
    if len(nodes) > max_nodes and not condensed:
        raise _too_many(len(nodes), max_nodes, condensed)
    param_set = labelled_parameters(nodes) if given is None else given
    folds = find_neurons(nodes, param_set) if condensed else {}
    hidden = set().union(*(fold.inside for fold in folds.values()))
    drawn = [node for node in nodes if node not in hidden]
    if len(drawn) > max_nodes:
        raise _too_many(len(drawn), max_nodes, condensed)

    lines = [local for fold in folds.values() for _, local in fold.inputs]
    crowded = len(lines) > MAX_NEURON_EDGE_LABELS
    style = _Style(
        rankdir,
        show_grad,
        condensed or rankdir in ("TB", "BT"),
        edge_labels,
        edge_labels and not crowded,
        "taillabel" if crowded else "label",
        max((abs(d) for d in lines if math.isfinite(d)), default=0.0) or 1.0,
    )
    graph = Diagram("computation_graph")
    graph.attr(rankdir=rankdir, bgcolor="white", fontname=FONT, fontsize="11", nodesep="0.25", ranksep="0.35")
    if crowded:  # a real label would put a rank of label nodes between every two ranks: one per line
        # straight lines under the boxes, and each neuron's inputs in the order of its terms (n1 above n2)
        graph.attr(ranksep="1.0", splines="line", outputorder="edgesfirst", ordering="in")
    graph.attr("node", fontname=FONT, fontsize="11", shape="record", style="filled")
    graph.attr("edge", fontname=FONT, fontsize="10", arrowsize="0.6", color="#495057")
    ids = {node: f"v{i}" for i, node in enumerate(drawn)}
    kinds = set()
    for node in drawn:
        kind = node_kind(node, root, param_set)
        if node in folds:
            kinds.add("output" if node is root else "neuron")
            _draw_fold(graph, folds[node], ids, KIND_COLOURS[kind], style)
        else:
            kinds.add(kind)
            _draw_value(graph, node, ids, KIND_COLOURS[kind], style)
    unlabelled = len(lines) if edge_labels and crowded else 0
    _add_key(graph, kinds, rankdir, _notes(caption, style, len(folds), unlabelled, words), words)
    return graph
