"""The explorer: one offline HTML page to step through a training run and one sample's backward pass.

`record_run` trains a model with `tinygrad_dk.train.fit`, with a callback that keeps the
weights after every epoch (every k-th one for long runs, at most ``max_frames``). It then
loads a few of those weight sets into a copy of the model, builds each sample's loss graph
with the engine, runs ``backward`` and keeps every node's data and grad and every edge's
local derivative. `write_explorer` writes one or more runs into one self-contained HTML
file: the script, the style and the numbers (as JSON) are inline, nothing is fetched.
`explore` does both, once per batch size, from copies of one model.

>>> from tinygrad_dk.data import make_moons
>>> from tinygrad_dk.nn import MLP
>>> X, y = make_moons(20)
>>> run = record_run(MLP(2, [4, 1]), X, y, epochs=3, progress=False)
>>> run.epochs, run.backprop["scope"], len(run.backprop["samples"])
([0, 1, 2, 3], 'whole', 20)

Then ``write_explorer([run], "explorer.html")`` writes the page, and
``write_explorer([run], "udforsker.html", lang="da")`` writes it in Danish: every word of
the page is in ``explorer/words.json``, in both languages, and the numbers are the same.

What the page shows, and why:

- Training: the data and the decision boundary after each recorded epoch (the page runs
  the forward pass itself, with the same sums in the same order as `tinygrad_dk.nn`), the
  loss and accuracy curves of every run, and the weights on a network diagram.
- Backpropagation: the graph of one sample's loss, with the numbers from the engine. A
  sample's whole graph is shown when it has at most `WHOLE_GRAPH_LIMIT` nodes (MLP(2, [4, 1])
  has 50). A larger one would be unreadable, so the page folds it per neuron: one box per
  neuron, with a row for its weighted sum (the chain of + and * nodes, folded) and one for its
  activation; an edge from a neuron to one of its inputs carries d sum / d input, the weight.
  MLP(2, [16, 16, 1]): 33 boxes, the inputs and the loss's 3 nodes stand for the sample's 982
  nodes, and the backward pass runs from the loss through both hidden layers to the inputs in
  70 steps. The weights are not drawn: when a neuron's sum is stepped, the grads of its weights
  and bias are written out beside it (each is its input * the sum's grad). Every gradient is
  the engine's: the whole graph was built and backpropagated. The page says which view it
  shows. Graphs are kept at ``graph_epochs`` of the recorded epochs (the first and the last by
  default) and for at most ``max_graph_samples`` samples: the demo's page, with graphs of all
  100 samples at two epochs, is about 1.6 MB and opens in well under a second.
- "Step backward" finalizes one node's gradient at a time, in the engine's order (reverse
  topological), and writes its sum out: ``grad = local * parent grad + ...``. Clicking a box
  steps (forward or back) to it.
- Warnings: fit's advice to the learner (``History.warnings``: a dead ReLU layer, no gradient,
  a loss that stopped falling) is kept for the page instead of printed, and shown above the
  plots from the epoch where each started. Any other warning fit gives is passed on.

An activation is known by the function itself, never by its name: a layer's function must be
the one `tinygrad_dk.nn.ACTIVATIONS` gives for a row of the op table (or `Value`'s method that
applies that row, ``Value.tanh``), so a function of your own called ``relu`` that computes tanh
is not taken for relu. Such a function is refused before training, naming it and the fix. The
page does not record its values instead: it runs the forward pass at 90 x 90 points of the
plane for every frame it shows, and the engine takes about 2.4 s a frame for that with
MLP(2, [16, 16, 1]): four minutes, and some 15 MB of numbers, for the demo's 101 frames.

Hooks for tests and tools: ``#bp-sum`` carries ``data-node`` (the node's index),
``data-label``, ``data-grad`` (the engine's grad), ``data-sum`` (the page's own sum of the
terms) and ``data-terms``, and so does each ``.bp-line`` in it: the first is that sum, the
others (in ``#bp-weights``, after a neuron's sum) its weights' and bias's. The highlighted
node is ``#bp-graph .node.current`` with id ``bp-node-<index>`` (in the folded view, a row of
the neuron's box ``#bp-neuron-<k>``); ``#bp-graph`` has ``data-scale``, its scale to fit the
panel. ``#epoch-slider``, ``#boundary`` (with ``data-epoch``) and ``#loss-marker`` /
``#accuracy-marker`` (with ``data-epoch``) drive and show the training tab;
``window.tinygradExplorer.forward(run, frame, [x1, x2])`` runs the page's forward pass.
``#warnings`` (hidden when no warning has started by the slider's epoch) lists them as
``.warning`` items with ``data-epoch`` and ``data-cause``; the one that started since the
previous epoch shown has the class ``new``.
"""

from __future__ import annotations

import copy
import html
import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from tinygrad_dk._checks import check_count, check_labels, check_samples
from tinygrad_dk._files import write_atomic
from tinygrad_dk._lang import check_lang
from tinygrad_dk.engine import Value, topological_order
from tinygrad_dk.nn import ACTIVATIONS, linear
from tinygrad_dk.ops import OPS, Op, activation_rows
from tinygrad_dk.train import History, fit, task_for

__all__ = [
    "GRAPH_SCOPES",
    "WHOLE_GRAPH_LIMIT",
    "Run",
    "explore",
    "page_activations",
    "record_run",
    "render_html",
    "write_explorer",
]

GRAPH_SCOPES = ("auto", "whole", "neurons")  # which part of a sample's graph the page shows
WHOLE_GRAPH_LIMIT = 60  # "auto" shows a sample's whole graph up to this many nodes
FORMAT = "tinygrad_dk.explorer"  # the "format" field of the page's JSON
_NONFINITE = {"nan": "__nan__", "inf": "__inf__", "-inf": "__-inf__"}  # JSON has no NaN: the page maps these back


@dataclass
class Run:
    """One recorded training run: the weights at some epochs, fit's `History`, and backprop graphs.

    ``frames[k]`` holds the weights after epoch ``epochs[k]`` (epoch 0: before training) in
    the order of ``names`` (the model's ``state_dict`` names). ``backprop`` is the exported
    graph data described in `record_run`.
    """

    label: str
    X: list[list[float]]
    classes: list[int]  # each sample's class index (0/1 for one output, as fit counts accuracy)
    layers: list[tuple[int, int, str]]  # (inputs, neurons, activation) per layer
    names: list[str]
    epochs: list[int]
    frames: list[list[float]]
    history: History
    loss: str
    threshold: float  # one output: class 1 when the score is above it (fit's History.threshold)
    backprop: dict[str, Any] = field(repr=False)

    def state(self, epoch: int) -> dict[str, float]:
        """The weights recorded after ``epoch`` as a ``state_dict`` (epoch 0: before training)."""
        if epoch not in self.epochs:
            raise ValueError(f"Run.state: epoch {epoch!r} was not recorded; recorded epochs: {_span(self.epochs)}")
        return dict(zip(self.names, self.frames[self.epochs.index(epoch)], strict=True))


def _words(lang: str) -> dict[str, str]:
    """Every word of the page in ``lang`` ("en" or "da"), from explorer/words.json."""
    return {key: both[lang] for key, both in json.loads(_asset("words.json"))["words"].items()}


def _say(words: dict[str, str], key: str, **values: Any) -> str:
    """The words under ``key`` with their ``{name}`` placeholders filled in."""
    return words[key].format(**values)


def _span(values: Sequence[int]) -> str:
    shown = ", ".join(map(str, values[:6]))
    return shown + (f", ..., {values[-1]}" if len(values) > 6 else "")


def page_activations() -> dict[str, Op]:
    """The activations the page can evaluate: every activation row of the op table with a JavaScript form."""
    return {name: op for name, op in activation_rows().items() if op.js}


def _page_names() -> str:
    return ", ".join([*page_activations(), "linear"])


def _page_ops() -> dict[str, dict[str, Any]]:
    """What the page needs of each op: the symbol its boxes show; for an activation its JavaScript and constant."""
    return {
        name: {"symbol": op.shown, "activation": op.activation, "js": op.js, "constant": op.constant}
        for name, op in OPS.items()
    }


# --- checks where the input enters ---


def _activation_name(fn: Any) -> str | None:
    """The activation ``fn`` is, known by identity: "linear", a row of the op table's name, or None (your own).

    ``fn`` is the row's activation when it is the very function `tinygrad_dk.nn.ACTIVATIONS`
    gives for the row, or `Value`'s method that applies it (``Value.tanh``). Its ``__name__`` is
    never asked: a function of your own called ``relu`` may compute anything.
    """
    if fn is linear:
        return "linear"
    for name in activation_rows():
        if fn is ACTIVATIONS[name] or fn is getattr(Value, name, None):
            return name
    return None


def _not_an_activation(who: str, k: int, neuron: Any) -> ValueError:
    """The error for a layer whose activation is a function of the user's own: what it is, and what to do."""
    fn = getattr(neuron, "_fn", None)
    name = str(getattr(neuron, "activation", "?"))
    if fn is None:
        return ValueError(
            f"{who}: layer {k}'s neurons have no activation function: build the model with tinygrad_dk.nn"
        )
    where = f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', type(fn).__name__)}"
    what = f"not tinygrad_dk's {name}" if name in ACTIVATIONS else "not one of tinygrad_dk's activations"
    return ValueError(
        f"{who}: layer {k} uses the activation {name!r}, the function {where}, which is {what}: the page computes "
        "every neuron in JavaScript and cannot run a Python function. Use an activation by name "
        f"({_page_names()}), or give yours a row of the op table with "
        "define_op(name, forward, local, activation=name, js=...)"
    )


def _structure(model: Any, who: str) -> list[tuple[int, int, str]]:
    """(inputs, neurons, activation) per layer of an MLP-like model; what the page can draw."""
    layers = getattr(model, "layers", None)
    if not isinstance(layers, (list, tuple)) or not layers:
        raise TypeError(
            f"{who}: model must be a tinygrad_dk.nn.MLP (with .layers of neurons), not {type(model).__name__}"
        )
    shape = []
    for k, layer in enumerate(layers, 1):
        neurons = getattr(layer, "neurons", None)
        if not isinstance(neurons, (list, tuple)) or not neurons:
            raise TypeError(f"{who}: layer {k} of the model has no .neurons list: build the model with tinygrad_dk.nn")
        acts = []
        for neuron in neurons:  # each neuron's function, as it computes: nn keeps it in ._fn
            act = _activation_name(getattr(neuron, "_fn", None))
            if act is None:
                raise _not_an_activation(who, k, neuron)
            acts.append(act)
        if len(set(acts)) != 1:
            raise ValueError(
                f"{who}: the neurons of layer {k} use different activations {sorted(set(acts))}; "
                "the page draws one activation per layer"
            )
        if acts[0] != "linear" and acts[0] not in page_activations():
            raise ValueError(
                f"{who}: layer {k} uses activation {acts[0]!r}, whose row in the op table has no JavaScript, so the "
                f"page cannot evaluate it: give define_op js=..., or use one of {_page_names()}"
            )
        shape.append((len(neurons[0].w), len(neurons), acts[0]))
    if shape[0][0] != 2:
        raise ValueError(
            f"{who}: the explorer draws two-dimensional data, but the model has {shape[0][0]} inputs: "
            "use a model with 2 inputs, as MLP(2, [16, 16, 1])"
        )
    return shape


def _evenly(values: Sequence[int], count: int) -> list[int]:
    """``count`` of ``values``, evenly spaced, always with the first and the last."""
    if count >= len(values):
        return list(values)
    if count == 1:
        return [values[-1]]
    picks = sorted({round(k * (len(values) - 1) / (count - 1)) for k in range(count)})
    return [values[i] for i in picks]


# --- one sample's graph, from the engine ---


@dataclass
class _Neuron:
    """One neuron in a sample's graph: its output, its weighted sum (the same node when linear), inputs, weights."""

    label: str  # "L2.n5"
    layer: int
    activation: str
    out: Value
    sum: Value
    inputs: list[Value]
    params: list[Value]  # its weights, then its bias


def _sample_graph(
    model: Any, x: Sequence[float], target: Any, task: Any, scope: str
) -> tuple[dict[str, Any], dict[str, Any], int]:
    """Build and backpropagate one sample's loss graph; export it whole or folded per neuron.

    Returns (structure, numbers, size of the whole graph). See `_export` for the order.
    """
    inputs = [Value(v, f"x{i + 1}") for i, v in enumerate(x)]
    names: dict[int, str] = {}
    neurons: list[_Neuron] = []
    h: list[Value] = inputs
    for k, layer in enumerate(model.layers, 1):
        outs = [neuron(h) for neuron in layer.neurons]  # the same graph as model(x): Neuron.__call__ per neuron
        for j, (neuron, out) in enumerate(zip(layer.neurons, outs, strict=True), 1):
            total = _weighted_sum(out, neuron.activation, f"L{k}.n{j}")
            names[id(out)] = f"L{k}.n{j}.out"
            if total is not out:
                names[id(total)] = f"L{k}.n{j}.sum"
            neurons.append(_Neuron(f"L{k}.n{j}", k, neuron.activation, out, total, h, neuron.parameters()))
        h = outs
    if len(h) == 1:
        names[id(h[0])] = "score"
    loss = task.loss([h[0] if len(h) == 1 else h], [target])
    names[id(loss)] = "loss"

    order = topological_order(loss)
    for v in order:
        if not v.children:
            v.grad = 0.0  # leaves accumulate over backward calls: start this sample clean
    loss.backward()
    if scope == "whole":
        structure, numbers_, _ = _export(order[::-1], [], set(), names)
    else:
        structure, numbers_ = _fold(order[::-1], neurons, names)
    numbers_["loss"] = loss.data
    return structure, numbers_, len(order)


def _weighted_sum(out: Value, activation: str, label: str) -> Value:
    """A neuron's sum ``b + w1 x1 + ...``: the node under its activation, or the output itself when linear."""
    if activation == "linear":
        return out
    op = OPS.get(out.op)
    if op is None or op.activation != activation or len(out.children) != 1:
        raise ValueError(
            f"explorer: neuron {label}'s activation {activation!r} did not make one node of the op "
            "table's row of that name: build the model with named activations (tinygrad_dk.nn)"
        )
    return out.children[0]


def _fold(order: list[Value], neurons: list[_Neuron], names: dict[int, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The graph with one box per neuron: each neuron's + and * nodes folded into its sum.

    Kept: the loss's own nodes, each neuron's output and sum, the inputs x1, x2 and, after
    them, the weights and biases in ``state_dict`` order (the page reads their data from the
    run's weights). Everything else is a + or * node inside a neuron's weighted sum.
    """
    params = [p for n in neurons for p in n.params]
    kept = {id(v) for n in neurons for v in (n.out, n.sum, *n.inputs)} | {id(p) for p in params}
    stack = [order[0]]  # the loss, down to the last layer's outputs: the loss's own nodes
    while stack:
        v = stack.pop()
        if id(v) not in kept:
            kept.add(id(v))
            stack.extend(v.children)
    inner = {id(v) for v in order} - kept
    structure, numbers_, index = _export(order, params, inner, names)
    structure["neurons"] = [
        {
            "label": n.label,
            "layer": n.layer,
            "activation": n.activation,
            "out": index[id(n.out)],
            "sum": index[id(n.sum)],
            "params": [index[id(p)] for p in n.params],
        }
        for n in neurons
    ]
    return structure, numbers_


def _export(
    order: list[Value], params: list[Value], inner: set[int], names: dict[int, str]
) -> tuple[dict[str, Any], dict[str, Any], dict[int, int]]:
    """The structure, the numbers and the node index of a graph whose ``inner`` nodes are folded.

    ``order`` is the engine's: reverse topological, the loss first, the order in which
    ``backward`` finalizes the gradients. Its nodes, but the ``inner`` ones and ``params``,
    are the page's steps; ``params`` come after them. Edges go from a node to each of its
    children, in that order and then the argument order: the order in which the engine adds
    ``local * grad`` into each child. A folded node has one parent: an edge that leaves it
    starts at the kept node above it instead, its local derivative multiplied by those along
    the way (1 through each +: d sum / d input is the input's weight). Such an edge from a
    folded w * h, whose local derivative is the data of the other factor (d(w * h) / dh = w),
    names that node in ``same`` instead of repeating the number (-1: the number is in ``local``).
    """
    skip = inner | {id(p) for p in params}
    steps = [v for v in order if id(v) not in skip]
    kept = steps + params
    index = {id(v): i for i, v in enumerate(kept)}
    fold: dict[int, tuple[int, float]] = {}  # folded node -> (the kept node above it, d that node / d this one)
    edges: list[list[int]] = []
    same: list[int] = []
    local: list[float] = []
    for v in order:  # a node's parents come before it, so its own entry in fold is known
        top, factor = fold.get(id(v)) or (index[id(v)], 1.0)
        children = v.children
        for pos, (child, d) in enumerate(zip(children, v.local_grads, strict=True)):
            d = factor * d  # d top / d child = d top / d v * d v / d child
            if id(child) in inner:
                if id(child) in fold:
                    raise ValueError(
                        "explorer: a neuron's weighted sum is used outside its neuron, so it cannot "
                        "be folded: build the model with tinygrad_dk.nn, or use graph='whole'"
                    )
                fold[id(child)] = (top, d)
                continue
            edges.append([top, index[id(child)]])
            other = children[1 - pos] if len(children) == 2 and id(v) in fold else None  # a folded w * h
            if other is not None and other.data == d and id(other) in index and _same_zero(other.data, d):
                same.append(index[id(other)])
            else:
                same.append(-1)
                local.append(d)
    nodes: list[dict[str, Any]] = [{"label": names.get(id(v), v.label), "op": v.op} for v in steps]
    nodes += [{"label": p.label, "op": p.op, "param": k} for k, p in enumerate(params)]
    structure: dict[str, Any] = {"nodes": nodes, "edges": edges, "same": same, "steps": len(steps)}
    numbers_ = {
        "data": [v.data for v in steps],
        "grad": [v.grad for v in kept],
        "local": local,
        "args": {str(i): v.arg for i, v in enumerate(steps) if v.arg is not None},
    }
    return structure, numbers_, index


def _same_zero(a: float, b: float) -> bool:
    """Whether two equal floats have the same sign (0.0 and -0.0 are equal but print differently)."""
    return a != 0.0 or math.copysign(1.0, a) == math.copysign(1.0, b)


def _backprop(
    model: Any, X: list[list[float]], task: Any, frames: dict[int, list[float]], scope: str, max_graph_samples: int
) -> dict[str, Any]:
    """The graphs of some samples at some epochs, their structures shared (they rarely differ)."""
    n = len(X)
    samples = _evenly(list(range(n)), max_graph_samples)
    probe = copy.deepcopy(model)  # the caller's model keeps its weights and grads
    names = list(probe.state_dict())
    shapes: list[dict[str, Any]] = []
    graphs: list[list[dict[str, Any]]] = []
    size = 0
    for weights in frames.values():
        probe.load_state_dict(dict(zip(names, weights, strict=True)))
        per_sample = []
        for i in samples:
            st, nums, size = _sample_graph(probe, X[i], task.targets[i], task, "whole" if scope == "auto" else scope)
            if scope == "auto":  # decided on the first graph: every sample's graph has the same shape
                scope = "whole" if size <= WHOLE_GRAPH_LIMIT else "neurons"
                if scope == "neurons":
                    st, nums, size = _sample_graph(probe, X[i], task.targets[i], task, scope)
            if st not in shapes:
                shapes.append(st)
            nums["s"] = shapes.index(st)
            per_sample.append(nums)
        graphs.append(per_sample)
    return {
        "scope": scope,
        "size": size,
        "epochs": list(frames),
        "samples": samples,
        "structures": shapes,
        "graphs": graphs,
    }


def _scope_notes(run: Run, words: dict[str, str]) -> tuple[str, str]:
    """What the page says about the view of the graph it shows, in ``words``' language: a long note and a short one."""
    B = run.backprop
    size, st = B["size"], B["structures"][0]
    if B["scope"] == "whole":
        note, short = _say(words, "scope_whole", size=size), _say(words, "scope_whole_short", size=size)
    else:
        inside = {i for nr in st["neurons"] for i in (nr["out"], nr["sum"])}
        loss_nodes = sum(1 for i, nd in enumerate(st["nodes"][: st["steps"]]) if nd["op"] and i not in inside)
        shape = f"MLP({run.layers[0][0]}, [{', '.join(str(nout) for _, nout, _ in run.layers)}])"
        note = _say(words, "scope_folded", size=size, shape=shape, params=len(st["nodes"]) - st["steps"])
        short = _say(words, "scope_folded_short", neurons=len(st["neurons"]), loss_nodes=loss_nodes, size=size)
    note += _say(words, "scope_alone")
    if len(B["samples"]) < len(run.X):
        note += _say(words, "scope_kept", kept=len(B["samples"]), n=len(run.X))
    return note, short


# --- recording ---


def record_run(
    model: Any,
    X: Any,
    y: Any,
    *,
    loss: Any = "hinge",
    epochs: int = 100,
    max_frames: int = 101,
    graph_epochs: int = 2,
    graph: str = "auto",
    max_graph_samples: int = 200,
    label: str = "",
    batch_size: int | None = None,
    lang: str | None = None,
    **fit_kwargs: Any,
) -> Run:
    """Train ``model`` in place with `fit` and record what the explorer shows; return the `Run`.

    The weights are kept after every epoch, or after every k-th one (and the last) so that at
    most ``max_frames`` sets are kept, counting the starting weights. ``graph_epochs`` of those
    (evenly spaced, first and last included) get backprop graphs for at most
    ``max_graph_samples`` samples; ``graph`` is "whole", "neurons" (one box per neuron, its
    weighted sum folded in) or "auto" (whole up to `WHOLE_GRAPH_LIMIT` nodes). Other keywords
    go to `fit` (``lr``, ``optimizer``, ``seed``, ``progress``, ``callbacks``, ...); training is
    compiled (``compile=True``: the same numbers, much faster) unless ``compile=False`` is given.
    Without a ``label`` the run is named by its batch size ("full batch", "SGD (batch 1)",
    "mini-batch 16") in ``lang``, "en" or "da" (default: the environment variable
    TINYGRAD_DK_LANG, else "en"). fit's warnings to the learner (`tinygrad_dk.advice`) are not
    printed (unless ``warn=True`` is given) but kept in ``run.history.warnings``, in ``lang``:
    the page shows each from the epoch where it started.

    ``run.backprop`` holds ``epochs`` and ``samples`` (indices into X), ``structures`` and
    ``graphs`` (per epoch, per sample: ``data``, ``grad``, ``local``, ``args`` (op constants),
    ``loss`` and ``s``, the index of its structure), ``scope`` ("whole" or "neurons") and ``size``
    (the nodes of one sample's whole graph). A structure lists ``nodes`` (label, op)
    in the engine's backward order, ``edges`` as ``[node, child]`` pairs in the order the
    engine adds their terms, and ``steps``: the page steps through that many nodes; the ones
    after them are the weights and biases of the folded view (``param``: their index in
    ``state_dict``), whose data are the run's weights. An edge's local derivative is the
    ``same`` as the data of the node named there, or the next number of ``local`` (-1). The
    folded view also lists its ``neurons`` (label, layer, activation, and the indices of its
    ``out``, ``sum`` and ``params`` nodes). ``data`` holds the data of the first ``steps``
    nodes, ``grad`` every node's gradient.
    """
    who = "record_run"
    rows = check_samples(
        X, who, features=2, why=": the explorer draws two-dimensional data; give each sample as [x1, x2]"
    )
    labels = check_labels(y, len(rows), who)
    layers = _structure(model, who)
    epochs = check_count(epochs, f"{who}: epochs", 1)
    max_frames = check_count(max_frames, f"{who}: max_frames", 2)
    graph_epochs = check_count(graph_epochs, f"{who}: graph_epochs", 1)
    max_graph_samples = check_count(max_graph_samples, f"{who}: max_graph_samples", 1)
    if graph not in GRAPH_SCOPES:
        raise ValueError(f"{who}: graph must be one of {', '.join(GRAPH_SCOPES)}, got {graph!r}")
    if not isinstance(label, str):
        raise TypeError(f"{who}: label must be a string, not {type(label).__name__}")
    lang = check_lang(lang, who)
    words = _words(lang)
    callbacks = list(fit_kwargs.pop("callbacks", ()))
    fit_kwargs.setdefault("compile", True)
    fit_kwargs.setdefault("warn", False)  # fit's warnings to the learner go on the page, at their epochs
    label = label or _batch_label(batch_size, words)

    every = math.ceil(epochs / (max_frames - 1))  # epochs between two kept weight sets
    kept_epochs, frames = [0], [list(model.state_dict().values())]

    def keep(epoch: int, model: Any, history: History) -> None:
        if epoch % every == 0 or epoch == epochs:
            kept_epochs.append(epoch)
            frames.append(list(model.state_dict().values()))

    history = fit(
        model,
        rows,
        labels,
        loss=loss,
        epochs=epochs,
        batch_size=batch_size,
        label=label,
        callbacks=[*callbacks, keep],
        lang=lang,
        **fit_kwargs,
    )
    out = model(rows[0])
    task = task_for(loss, out if isinstance(out, Value) else list(out), [int(float(v)) for v in labels])
    chosen = _evenly(kept_epochs, graph_epochs)
    backprop = _backprop(model, rows, task, {e: frames[kept_epochs.index(e)] for e in chosen}, graph, max_graph_samples)
    loss_name = loss if isinstance(loss, str) else getattr(loss, "__name__", type(loss).__name__)
    return Run(
        label=label,
        X=rows,
        classes=list(task.classes),
        layers=layers,
        names=list(model.state_dict()),
        epochs=kept_epochs,
        frames=frames,
        history=history,
        loss=loss_name,
        threshold=history.threshold,
        backprop=backprop,
    )


def _advice(history: History) -> list[dict[str, Any]]:
    """fit's warnings to the learner, for the page: the epoch where each started, its cause and its message."""
    found = [{"epoch": w.epoch, "cause": w.cause, "message": str(w)} for w in history.warnings]
    return sorted(found, key=lambda advice: advice["epoch"])


def _batch_label(batch_size: int | None, words: dict[str, str]) -> str:
    if batch_size is None:
        return _say(words, "label_full")
    return _say(words, "label_sgd") if batch_size == 1 else _say(words, "label_mini", size=batch_size)


# --- writing ---


def _plain(value: Any) -> Any:
    """``value`` with NaN and infinities replaced by the page's markers (JSON has no such numbers)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else _NONFINITE[repr(value)]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _asset(name: str) -> str:
    return resources.files("tinygrad_dk").joinpath(f"explorer/{name}").read_text(encoding="utf-8")


def _document(runs: Sequence[Run], title: str, lang: str, words: dict[str, str]) -> dict[str, Any]:
    def backprop(r: Run) -> dict[str, Any]:
        note, short = _scope_notes(r, words)
        return {**r.backprop, "scope_note": note, "scope_short": short}

    return {
        "format": FORMAT,
        "version": 1,
        "title": title,
        "lang": lang,
        "words": words,
        "X": runs[0].X,
        "y": runs[0].classes,
        "ops": _page_ops(),
        "runs": [
            {
                "label": r.label,
                "loss": r.loss,
                "batch_size": r.history.batch_size,
                "threshold": r.threshold,
                "layers": [{"nin": a, "nout": b, "activation": c} for a, b, c in r.layers],
                "epochs": r.epochs,
                "weights": r.frames,
                "history": {
                    "loss": r.history.loss,
                    "accuracy": r.history.accuracy,
                    "lr": r.history.lr,
                    "updates": r.history.updates,
                },
                "warnings": _advice(r.history),
                "backprop": backprop(r),
            }
            for r in runs
        ],
    }


def render_html(runs: Sequence[Run], title: str | None = None, *, lang: str | None = None) -> str:
    """The page for ``runs`` as one HTML string: script, style and data inline, the words in ``lang``.

    ``lang`` is "en" or "da" (default: the environment variable TINYGRAD_DK_LANG, else "en");
    ``title`` defaults to the language's "tinygrad_dk explorer".
    """
    lang = check_lang(lang, "render_html")
    words = _words(lang)
    title = words["page_title"] if title is None else title
    data = json.dumps(_plain(_document(runs, title, lang, words)), separators=(",", ":"), allow_nan=False)
    # inside <script> only "</script" and "<!--" can end or confuse the element: no "<" survives
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    parts = {
        "TITLE": html.escape(title),
        "LANG": lang,
        "CSS": _asset("explorer.css"),
        "JS": _asset("explorer.js"),
        "DATA": data,
    }

    def fill(m: re.Match[str]) -> str:  # __PART__ from parts, {{key}} from the words, escaped for HTML
        return parts[m.group(1)] if m.group(1) else html.escape(words[m.group(2)])

    return re.sub(r"__(TITLE|LANG|CSS|JS|DATA)__|\{\{(\w+)\}\}", fill, _asset("template.html"))  # one pass


def write_explorer(
    runs: Run | Iterable[Run], path: str | os.PathLike[str], *, title: str | None = None, lang: str | None = None
) -> Path:
    """Write the explorer page for one run or several (trained on the same data) to ``path``; return it.

    ``lang``: "en" or "da", the language of every word on the page (default: the environment
    variable TINYGRAD_DK_LANG, else "en"); the runs' labels are theirs (see `record_run`).
    ``title`` defaults to the language's "tinygrad_dk explorer". The file is replaced
    atomically: a failed write leaves the old file as it was.
    """
    lang = check_lang(lang, "write_explorer")
    runs = [runs] if isinstance(runs, Run) else list(runs)
    if not runs:
        raise ValueError("write_explorer: runs is empty: give at least one Run from record_run")
    for r in runs:
        if not isinstance(r, Run):
            raise TypeError(f"write_explorer: runs must be Runs from record_run, not {type(r).__name__}")
        if r.X != runs[0].X or r.classes != runs[0].classes:
            raise ValueError(
                f"write_explorer: run {r.label!r} was trained on other data than run "
                f"{runs[0].label!r}: one page shows runs on the same X and y"
            )
    if title is not None and not isinstance(title, str):
        raise TypeError(f"write_explorer: title must be a string, not {type(title).__name__}")
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"write_explorer: the page is HTML: give a path ending in .html, not {str(path)!r}")
    text = render_html(runs, title, lang=lang)
    return write_atomic(path, text.encode("utf-8"))


def explore(
    model: Any,
    X: Any,
    y: Any,
    *,
    out: str | os.PathLike[str] = "explorer.html",
    batch_sizes: Sequence[int | None] = (None,),
    title: str | None = None,
    lang: str | None = None,
    **kwargs: Any,
) -> Path:
    """Train a copy of ``model`` once per batch size (None: full batch, 1: SGD) and write the page to ``out``.

    Every run starts from the same weights; ``model`` itself is not changed. Other keywords
    go to `record_run` and on to `fit`. ``explore(model, X, y, batch_sizes=[None, 16, 1])``
    compares full batch, mini-batch and SGD on one page; a ``label`` is put before each
    run's batch label. ``lang`` ("en" or "da"; default: the environment variable
    TINYGRAD_DK_LANG, else "en") is the language of the page and of the runs' batch labels.
    """
    if isinstance(batch_sizes, (str, bytes)) or not isinstance(batch_sizes, Sequence) or not batch_sizes:
        raise ValueError(f"explore: batch_sizes must be a non-empty list such as [None, 16, 1], got {batch_sizes!r}")
    if len(batch_sizes) > 1 and not isinstance(kwargs.get("optimizer"), (str, type(None))):
        raise ValueError(
            "explore: with several batch sizes give the optimizer by name ('sgd', 'adam', 'adamw'): "
            "each run trains its own copy of the model and needs its own optimizer"
        )
    _structure(model, "explore")
    lang = check_lang(lang, "explore")  # before any training
    label = kwargs.pop("label", "")
    if not isinstance(label, str):
        raise TypeError(f"explore: label must be a string, not {type(label).__name__}")
    words = _words(lang)
    runs = [
        record_run(
            copy.deepcopy(model),
            X,
            y,
            batch_size=b,
            lang=lang,
            **kwargs,
            label=(f"{label}: {_batch_label(b, words)}" if label and len(batch_sizes) > 1 else label),
        )
        for b in batch_sizes
    ]
    return write_explorer(runs, out, title=title, lang=lang)
