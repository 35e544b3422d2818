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

Then ``write_explorer([run], "explorer.html")`` writes the page.

What the page shows, and why:

- Training: the data and the decision boundary after each recorded epoch (the page runs
  the forward pass itself, with the same sums in the same order as `tinygrad_dk.nn`), the
  loss and accuracy curves of every run, and the weights on a network diagram.
- Backpropagation: the graph of one sample's loss, with the numbers from the engine. A
  sample's whole graph is shown when it has at most `WHOLE_GRAPH_LIMIT` nodes (MLP(2, [4, 1])
  has 50); for a larger network it would be unreadable, so the page shows the last layer and
  the loss, with the previous layer's outputs as inputs (MLP(2, [16, 16, 1]): the output
  neuron and its 16 inputs, 68 of the sample's 982 nodes). Their gradients are exact: the whole
  graph was built and backpropagated. The page says which of the two it shows. Graphs are
  kept at ``graph_epochs`` of the recorded epochs (the first and the last by default) and for
  at most ``max_graph_samples`` samples: graphs at all 101 epochs would make the demo's page
  24 MB; with two it is about 1.2 MB and opens in well under a second.
- "Step backward" finalizes one node's gradient at a time, in the engine's order (reverse
  topological), and writes its sum out: ``grad = local * parent grad + ...``.

Hooks for tests and tools: ``#bp-sum`` carries ``data-node`` (the node's index),
``data-label``, ``data-grad`` (the engine's grad), ``data-sum`` (the page's own sum of the
terms) and ``data-terms``; the highlighted node is ``#bp-graph .node.current`` with id
``bp-node-<index>``; ``#epoch-slider``, ``#boundary`` (with ``data-epoch``) and
``#loss-marker`` / ``#accuracy-marker`` (with ``data-epoch``) drive and show the training
tab; ``window.tinygradExplorer.forward(run, frame, [x1, x2])`` runs the page's forward pass.
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
from tinygrad_dk.engine import Value, topological_order
from tinygrad_dk.ops import OPS, Op, activation_rows
from tinygrad_dk.train import History, fit, task_for

__all__ = ["GRAPH_SCOPES", "WHOLE_GRAPH_LIMIT", "Run", "explore", "page_activations", "record_run", "render_html",
           "write_explorer"]

GRAPH_SCOPES = ("auto", "whole", "last_layer")  # which part of a sample's graph the page shows
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
            raise ValueError(f"Run.state: epoch {epoch!r} was not recorded; recorded epochs: "
                             f"{_span(self.epochs)}")
        return dict(zip(self.names, self.frames[self.epochs.index(epoch)], strict=True))


def _span(values: Sequence[int]) -> str:
    shown = ", ".join(map(str, values[:6]))
    return shown + (f", ..., {values[-1]}" if len(values) > 6 else "")


def page_activations() -> dict[str, Op]:
    """The activations the page can evaluate: every activation row of the op table with a JavaScript form."""
    return {name: op for name, op in activation_rows().items() if op.js}


def _page_ops() -> dict[str, dict[str, Any]]:
    """What the page needs of each op: the symbol its boxes show; for an activation its JavaScript and constant."""
    return {name: {"symbol": op.shown, "activation": op.activation, "js": op.js, "constant": op.constant}
            for name, op in OPS.items()}


# --- checks where the input enters ---

def _structure(model: Any, who: str) -> list[tuple[int, int, str]]:
    """(inputs, neurons, activation) per layer of an MLP-like model; what the page can draw."""
    layers = getattr(model, "layers", None)
    if not isinstance(layers, (list, tuple)) or not layers:
        raise TypeError(f"{who}: model must be a tinygrad_dk.nn.MLP (with .layers of neurons), not "
                        f"{type(model).__name__}")
    shape = []
    for k, layer in enumerate(layers, 1):
        neurons = getattr(layer, "neurons", None)
        if not isinstance(neurons, (list, tuple)) or not neurons:
            raise TypeError(f"{who}: layer {k} of the model has no .neurons list: build the model with tinygrad_dk.nn")
        acts = {getattr(n, "activation", None) for n in neurons}
        if len(acts) != 1:
            raise ValueError(f"{who}: the neurons of layer {k} use different activations {sorted(map(str, acts))}; "
                             "the page draws one activation per layer")
        act = acts.pop()
        if act != "linear" and act not in page_activations():
            raise ValueError(f"{who}: layer {k} uses activation {act!r}, which the page cannot evaluate: use one of "
                             f"{', '.join([*page_activations(), 'linear'])}")
        shape.append((len(neurons[0].w), len(neurons), str(act)))
    if shape[0][0] != 2:
        raise ValueError(f"{who}: the explorer draws two-dimensional data, but the model has {shape[0][0]} inputs: "
                         "use a model with 2 inputs, as MLP(2, [16, 16, 1])")
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

def _sample_graph(model: Any, x: Sequence[float], target: Any, task: Any, scope: str
                  ) -> tuple[tuple[Any, ...], dict[str, Any], int]:
    """Build, backpropagate and export one sample's loss graph: (structure key, numbers, full graph size).

    Nodes are exported in reverse topological order (the loss first): the order in which the
    engine's ``backward`` finalizes their gradients. Edges go from a node to each of its
    children, in the node order and then the argument order: the order in which the engine
    adds ``local * grad`` terms into each child.
    """
    inputs = [Value(v, f"x{i + 1}") for i, v in enumerate(x)]
    names: dict[int, str] = {}
    outputs: list[list[Value]] = []
    h: list[Value] = inputs
    for k, layer in enumerate(model.layers, 1):
        h = [neuron(h) for neuron in layer.neurons]  # the same graph as model(x): Neuron.__call__ per neuron
        outputs.append(h)
        for j, v in enumerate(h, 1):
            names[id(v)] = f"L{k}.n{j}.out"
    if len(h) == 1:
        names[id(h[0])] = "score"
    loss = task.loss([h[0] if len(h) == 1 else h], [target])
    names[id(loss)] = "loss"

    order = topological_order(loss)
    for v in order:
        if not v.children:
            v.grad = 0.0  # leaves accumulate over backward calls: start this sample clean
    loss.backward()

    cut: set[int] = set()
    if scope == "last_layer" and len(outputs) > 1:
        cut = {id(v) for v in outputs[-2]}
        keep = {id(loss)}
        stack = [loss]
        while stack:  # everything above the previous layer's outputs
            node = stack.pop()
            if id(node) in cut:
                continue
            for child in node.children:
                if id(child) not in keep:
                    keep.add(id(child))
                    stack.append(child)
        shown = [v for v in reversed(order) if id(v) in keep]
    else:
        shown = order[::-1]
    index = {id(v): i for i, v in enumerate(shown)}
    edges, local = [], []
    for i, v in enumerate(shown):
        if id(v) in cut:
            continue
        for child, d in zip(v.children, v.local_grads, strict=True):
            edges.append((i, index[id(child)]))
            local.append(d)
    nodes = tuple((names.get(id(v), v.label), v.op) for v in shown)
    key = (nodes, tuple(edges), tuple(sorted(index[c] for c in cut)))
    numbers_ = {"data": [v.data for v in shown], "grad": [v.grad for v in shown], "local": local,
                "args": {str(i): v.arg for i, v in enumerate(shown) if v.arg is not None}, "loss": loss.data}
    return key, numbers_, len(order)


def _backprop(model: Any, X: list[list[float]], task: Any, frames: dict[int, list[float]], scope: str,
              max_graph_samples: int) -> dict[str, Any]:
    """The graphs of some samples at some epochs, their structures shared (they rarely differ)."""
    n = len(X)
    samples = _evenly(list(range(n)), max_graph_samples)
    probe = copy.deepcopy(model)  # the caller's model keeps its weights and grads
    names = list(probe.state_dict())
    structures: dict[tuple[Any, ...], int] = {}
    graphs: list[list[dict[str, Any]]] = []
    size = 0
    for weights in frames.values():
        probe.load_state_dict(dict(zip(names, weights, strict=True)))
        per_sample = []
        for i in samples:
            if scope == "auto":  # decided on the first graph: every sample's graph has the same shape
                key, nums, size = _sample_graph(probe, X[i], task.targets[i], task, "whole")
                scope = "whole" if size <= WHOLE_GRAPH_LIMIT else "last_layer"
                if scope == "last_layer":
                    key, nums, size = _sample_graph(probe, X[i], task.targets[i], task, scope)
            else:
                key, nums, size = _sample_graph(probe, X[i], task.targets[i], task, scope)
            nums["s"] = structures.setdefault(key, len(structures))
            per_sample.append(nums)
        graphs.append(per_sample)
    if scope == "last_layer" and len(model.layers) == 1:
        scope = "whole"  # one layer: its inputs are the data, the whole graph
    layers = model.layers
    if scope == "whole":
        note = (f"The whole graph of one sample's loss: {size} nodes, from the inputs x1, x2 and every weight "
                "to the loss.")
        short = f"The whole graph: all {size} nodes, from the inputs and every weight to the loss."
    else:
        last, below = len(layers), len(layers) - 1
        what = "the output neuron" if len(layers[-1].neurons) == 1 else f"the {len(layers[-1].neurons)} output neurons"
        note = (f"One sample's whole graph has {size} nodes, too many to read, so this is its top: {what} "
                f"(layer L{last}) and the loss. Its inputs are the outputs of layer L{below} (dashed boxes); "
                f"their graph continues below, into the layers under L{last}, and is not drawn. Every number is "
                "the engine's: the whole graph was built and backpropagated.")
        shown = len(next(iter(structures))[0]) if structures else 0
        short = (f"The top {shown} of its {size} nodes: {what} and the loss. Dashed: outputs of layer L{below}, "
                 "whose graph is not drawn.")
    note += (" The gradients are those of this sample's loss alone; a training step averages them over its batch"
             + (f". Graphs were kept for {len(samples)} of the {n} samples." if len(samples) < n else "."))
    return {"scope": scope, "scope_note": note, "scope_short": short, "epochs": list(frames), "samples": samples,
            "structures": [{"nodes": [{"label": label, "op": op} for label, op in key[0]],
                            "edges": [list(e) for e in key[1]], "cut": list(key[2])} for key in structures],
            "graphs": graphs}


# --- recording ---

def record_run(model: Any, X: Any, y: Any, *, loss: Any = "hinge", epochs: int = 100, max_frames: int = 101,
               graph_epochs: int = 2, graph: str = "auto", max_graph_samples: int = 200, label: str = "",
               batch_size: int | None = None, **fit_kwargs: Any) -> Run:
    """Train ``model`` in place with `fit` and record what the explorer shows; return the `Run`.

    The weights are kept after every epoch, or after every k-th one (and the last) so that at
    most ``max_frames`` sets are kept, counting the starting weights. ``graph_epochs`` of those
    (evenly spaced, first and last included) get backprop graphs for at most
    ``max_graph_samples`` samples; ``graph`` is "whole", "last_layer" (the last layer and the
    loss) or "auto" (whole up to `WHOLE_GRAPH_LIMIT` nodes). Other keywords go to `fit`
    (``lr``, ``optimizer``, ``seed``, ``progress``, ``callbacks``, ...); training is compiled
    (``compile=True``: the same numbers, much faster) unless ``compile=False`` is given.

    ``run.backprop`` holds ``epochs`` and ``samples`` (indices into X), ``structures`` (each
    a list of ``nodes`` with label and op in reverse topological order, ``edges`` as
    ``[node, child]`` index pairs, and ``cut``: the nodes shown as inputs), and ``graphs``
    (per epoch, per sample: ``data``, ``grad``, ``local`` per edge, ``args`` (op constants),
    ``loss`` and ``s``, the index of its structure).
    """
    who = "record_run"
    rows = check_samples(X, who, features=2, why=": the explorer draws two-dimensional data; give each sample as "
                                                 "[x1, x2]")
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
    callbacks = list(fit_kwargs.pop("callbacks", ()))
    fit_kwargs.setdefault("compile", True)
    label = label or _batch_label(batch_size)

    every = math.ceil(epochs / (max_frames - 1))  # epochs between two kept weight sets
    kept_epochs, frames = [0], [list(model.state_dict().values())]

    def keep(epoch: int, model: Any, history: History) -> None:
        if epoch % every == 0 or epoch == epochs:
            kept_epochs.append(epoch)
            frames.append(list(model.state_dict().values()))

    history = fit(model, rows, labels, loss=loss, epochs=epochs, batch_size=batch_size, label=label,
                  callbacks=[*callbacks, keep], **fit_kwargs)
    out = model(rows[0])
    task = task_for(loss, out if isinstance(out, Value) else list(out), [int(float(v)) for v in labels])
    chosen = _evenly(kept_epochs, graph_epochs)
    backprop = _backprop(model, rows, task, {e: frames[kept_epochs.index(e)] for e in chosen}, graph,
                         max_graph_samples)
    loss_name = loss if isinstance(loss, str) else getattr(loss, "__name__", type(loss).__name__)
    return Run(label=label, X=rows, classes=list(task.classes), layers=layers,
               names=list(model.state_dict()), epochs=kept_epochs, frames=frames, history=history, loss=loss_name,
               threshold=history.threshold, backprop=backprop)


def _batch_label(batch_size: int | None) -> str:
    if batch_size is None:
        return "full batch"
    return "SGD (batch 1)" if batch_size == 1 else f"mini-batch {batch_size}"


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


def _document(runs: Sequence[Run], title: str) -> dict[str, Any]:
    return {"format": FORMAT, "version": 1, "title": title, "X": runs[0].X, "y": runs[0].classes, "ops": _page_ops(),
            "runs": [{"label": r.label, "loss": r.loss, "batch_size": r.history.batch_size,
                      "threshold": r.threshold,
                      "layers": [{"nin": a, "nout": b, "activation": c} for a, b, c in r.layers],
                      "epochs": r.epochs, "weights": r.frames,
                      "history": {"loss": r.history.loss, "accuracy": r.history.accuracy, "lr": r.history.lr,
                                  "updates": r.history.updates},
                      "backprop": r.backprop} for r in runs]}


def render_html(runs: Sequence[Run], title: str = "tinygrad_dk explorer") -> str:
    """The page for ``runs`` as one HTML string: script, style and data inline."""
    data = json.dumps(_plain(_document(runs, title)), separators=(",", ":"), allow_nan=False)
    # inside <script> only "</script" and "<!--" can end or confuse the element: no "<" survives
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    parts = {"TITLE": html.escape(title), "CSS": _asset("explorer.css"), "JS": _asset("explorer.js"), "DATA": data}
    return re.sub(r"__(TITLE|CSS|JS|DATA)__", lambda m: parts[m.group(1)], _asset("template.html"))  # one pass


def write_explorer(runs: Run | Iterable[Run], path: str | os.PathLike[str], *, title: str = "tinygrad_dk explorer"
                   ) -> Path:
    """Write the explorer page for one run or several (trained on the same data) to ``path``; return it.

    The file is replaced atomically: a failed write leaves the old file as it was.
    """
    runs = [runs] if isinstance(runs, Run) else list(runs)
    if not runs:
        raise ValueError("write_explorer: runs is empty: give at least one Run from record_run")
    for r in runs:
        if not isinstance(r, Run):
            raise TypeError(f"write_explorer: runs must be Runs from record_run, not {type(r).__name__}")
        if r.X != runs[0].X or r.classes != runs[0].classes:
            raise ValueError(f"write_explorer: run {r.label!r} was trained on other data than run "
                             f"{runs[0].label!r}: one page shows runs on the same X and y")
    if not isinstance(title, str):
        raise TypeError(f"write_explorer: title must be a string, not {type(title).__name__}")
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"write_explorer: the page is HTML: give a path ending in .html, not {str(path)!r}")
    text = render_html(runs, title)
    return write_atomic(path, text.encode("utf-8"))


def explore(model: Any, X: Any, y: Any, *, out: str | os.PathLike[str] = "explorer.html",
            batch_sizes: Sequence[int | None] = (None,), title: str = "tinygrad_dk explorer",
            **kwargs: Any) -> Path:
    """Train a copy of ``model`` once per batch size (None: full batch, 1: SGD) and write the page to ``out``.

    Every run starts from the same weights; ``model`` itself is not changed. Other keywords
    go to `record_run` and on to `fit`. ``explore(model, X, y, batch_sizes=[None, 16, 1])``
    compares full batch, mini-batch and SGD on one page; a ``label`` is put before each
    run's batch label.
    """
    if isinstance(batch_sizes, (str, bytes)) or not isinstance(batch_sizes, Sequence) or not batch_sizes:
        raise ValueError(f"explore: batch_sizes must be a non-empty list such as [None, 16, 1], got {batch_sizes!r}")
    if len(batch_sizes) > 1 and not isinstance(kwargs.get("optimizer"), (str, type(None))):
        raise ValueError("explore: with several batch sizes give the optimizer by name ('sgd', 'adam', 'adamw'): "
                         "each run trains its own copy of the model and needs its own optimizer")
    _structure(model, "explore")
    label = kwargs.pop("label", "")
    if not isinstance(label, str):
        raise TypeError(f"explore: label must be a string, not {type(label).__name__}")
    runs = [record_run(copy.deepcopy(model), X, y, batch_size=b, **kwargs,
                       label=(f"{label}: {_batch_label(b)}" if label and len(batch_sizes) > 1 else label))
            for b in batch_sizes]
    return write_explorer(runs, out, title=title)
