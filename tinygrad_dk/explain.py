"""The textbook backpropagation example, worked step by step with the library's own Values.

The network is the classic 2-2-2 one with sigmoid neurons: inputs 0.05 and 0.10, targets
0.01 and 0.99, weights w1..w8 = 0.15 ... 0.55, learning rate 0.5. It is built as an
``MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid")`` with those weights
loaded, and every number shown comes out of the engine: the forward pass from the nodes'
``data``, and each gradient as products of the local derivatives stored on the graph's edges
(``Value.local_grads``), grouped into the textbook's factors
``dE/dout * dout/dnet * dnet/dw`` and checked against the ``.grad`` that ``backward()`` leaves.

The textbook shares one bias per layer (b1 = 0.35, b2 = 0.60) and never updates it. Our
MLP gives every neuron its own bias, so both hidden biases start at 0.35 and both output
biases at 0.60; like the textbook, the update here moves the weights only.

This module owns the numbers: it computes them into frozen dataclasses (`WorkedExample`,
`BatchComparison`), each quantity under its textbook name. Putting words around them is
`tinygrad_dk._explain_story`'s job, and `tinygrad_dk._explain_doc` renders that as text or Markdown.

>>> example = worked_example()
>>> f"{example.total_error:.9f}"
'0.298371109'
>>> f"{example.weight('w5').after:.8f}"
'0.35891648'
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from tinygrad_dk._checks import check_count, check_seed
from tinygrad_dk._explain_doc import to_markdown, to_text
from tinygrad_dk._explain_story import document
from tinygrad_dk.engine import Value, topological_order
from tinygrad_dk.losses import half_sse
from tinygrad_dk.nn import MLP

FORMATS = ("text", "markdown")
INPUTS = (0.05, 0.10)  # i1, i2
TARGETS = (0.01, 0.99)  # for o1, o2
LEARNING_RATE = 0.5
HIDDEN_BIAS = 0.35  # the textbook's b1, on h1 and h2
OUTPUT_BIAS = 0.60  # the textbook's b2, on o1 and o2


class _Wire(NamedTuple):
    name: str  # the textbook's name
    param: str  # our MLP's parameter name
    source: str
    target: str
    start: float


# The textbook's weights, where each goes in our MLP, and its starting value.
_WIRES = (
    _Wire("w1", "layers.0.neurons.0.w.0", "i1", "h1", 0.15),
    _Wire("w2", "layers.0.neurons.0.w.1", "i2", "h1", 0.20),
    _Wire("w3", "layers.0.neurons.1.w.0", "i1", "h2", 0.25),
    _Wire("w4", "layers.0.neurons.1.w.1", "i2", "h2", 0.30),
    _Wire("w5", "layers.1.neurons.0.w.0", "h1", "o1", 0.40),
    _Wire("w6", "layers.1.neurons.0.w.1", "h2", "o1", 0.45),
    _Wire("w7", "layers.1.neurons.1.w.0", "h1", "o2", 0.50),
    _Wire("w8", "layers.1.neurons.1.w.1", "h2", "o2", 0.55),
)
# Every neuron's own bias: (our name, parameter name, starting value).
_BIASES = (
    ("b_h1", "layers.0.neurons.0.b", HIDDEN_BIAS),
    ("b_h2", "layers.0.neurons.1.b", HIDDEN_BIAS),
    ("b_o1", "layers.1.neurons.0.b", OUTPUT_BIAS),
    ("b_o2", "layers.1.neurons.1.b", OUTPUT_BIAS),
)
_HIDDEN = ("h1", "h2")
_OUTPUTS = ("o1", "o2")


# --- what the example is made of --------------------------------------------------------

@dataclass(frozen=True)
class Sample:
    """One training example: two inputs and the two targets."""

    inputs: tuple[float, float]
    targets: tuple[float, float]


@dataclass(frozen=True)
class Edge:
    """One edge of the graph, read downwards: the parent's op and ``d parent / d child``."""

    op: str
    local: float


@dataclass(frozen=True)
class Factor:
    """A derivative between two nodes: the sum over every path of the product of its edges."""

    name: str
    paths: tuple[tuple[Edge, ...], ...]
    value: float


@dataclass(frozen=True)
class Term:
    """One output's share of a hidden neuron's ``dE_total/dout_h``: three factors multiplied."""

    name: str  # e.g. "dE_o1/dout_h1"
    output: str
    factors: tuple[Factor, Factor, Factor]  # dE_total/dout_o, dout_o/dnet_o, dnet_o/dout_h
    value: float


@dataclass(frozen=True)
class NeuronStep:
    """The forward pass of one neuron: its weighted sum plus bias (``net``) and ``sigmoid(net)``."""

    name: str
    weights: tuple[tuple[str, float], ...]  # (weight name, value)
    inputs: tuple[tuple[str, float], ...]  # (input name, value), in the same order
    bias: tuple[str, float]
    net: float
    out: float


@dataclass(frozen=True)
class OutputError:
    """One output's error ``1/2 * (target - out)^2``."""

    name: str
    target: float
    out: float
    error: float


@dataclass(frozen=True)
class WeightStep:
    """The chain rule for one weight, its gradient and its update ``w - lr * grad``."""

    name: str
    param: str
    source: str
    target: str
    before: float
    factors: tuple[Factor, Factor, Factor]  # dE_total/dout, dout/dnet, dnet/dw
    through: tuple[Term, ...]  # how dE_total/dout_h sums over the outputs (hidden weights only)
    grad: float  # the product of the factors
    engine_grad: float  # the parameter's .grad after backward()
    after: float


@dataclass(frozen=True)
class BiasStep:
    """A bias: its value and the gradient backward() gives it (the update leaves it alone)."""

    name: str
    param: str
    value: float
    grad: float


@dataclass(frozen=True)
class WorkedExample:
    """Everything the worked example computes; `model` holds the gradients of its backward pass."""

    model: MLP
    updated: MLP
    loss: Value
    sample: Sample
    lr: float
    neurons: tuple[NeuronStep, ...]
    errors: tuple[OutputError, ...]
    total_error: float
    weights: tuple[WeightStep, ...]  # w5..w8, then w1..w4: the order backpropagation reaches them
    biases: tuple[BiasStep, ...]
    total_error_after: float

    def weight(self, name: str) -> WeightStep:
        """The step for the textbook's weight ``name`` ("w1" ... "w8")."""
        for step in self.weights:
            if step.name == name:
                return step
        raise KeyError(f"no weight named {name!r}: the weights are w1 ... w8")


@dataclass(frozen=True)
class WeightComparison:
    """One weight after one full-batch update and after N one-sample (SGD) updates."""

    name: str
    start: float
    mean_grad: float
    full_batch: float
    sgd: float


@dataclass(frozen=True)
class BatchComparison:
    """Full batch versus SGD from the textbook's weights; errors are sums of E_total over the samples."""

    samples: tuple[Sample, ...]
    seed: int
    lr: float
    weights: tuple[WeightComparison, ...]
    error_start: float
    error_full_batch: float
    error_sgd: float


# --- building and running the network ---------------------------------------------------

class _Pass(NamedTuple):
    inputs: list[Value]
    hidden: list[Value]
    outputs: list[Value]
    loss: Value


def _as_list(out: Value | list[Value]) -> list[Value]:
    return [out] if isinstance(out, Value) else list(out)


def _build(weights: Mapping[str, float]) -> MLP:
    """The 2-2-2 sigmoid MLP with the textbook's weights replaced by ``weights`` (by textbook name)."""
    model = MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid")
    state = {wire.param: weights[wire.name] for wire in _WIRES}
    state.update({param: value for _, param, value in _BIASES})
    model.load_state_dict(state)
    names = dict(model.named_parameters())
    for wire in _WIRES:  # the textbook's names in the graphs too: w5 is w5 in the text and the picture
        names[wire.param].label = wire.name
    for name, param, _ in _BIASES:
        names[param].label = name
    return model


def _forward(model: MLP, sample: Sample) -> _Pass:
    inputs = [Value(x, f"i{k}") for k, x in enumerate(sample.inputs, start=1)]
    hidden = _as_list(model.layers[0](inputs))
    outputs = _as_list(model.layers[1](hidden))
    return _Pass(inputs, hidden, outputs, half_sse(outputs, list(sample.targets)))


def _parameters(model: MLP) -> dict[str, Value]:
    return dict(model.named_parameters())


def _paths(top: Value, bottom: Value) -> tuple[tuple[Edge, ...], ...]:
    """Every path from ``top`` down to ``bottom``, each as the edges (local derivatives) along it."""
    reaches = {bottom}  # the nodes with a path down to bottom
    for node in topological_order(top):  # children first, so one sweep is enough
        if any(child in reaches for child in node.children):
            reaches.add(node)
    paths: list[tuple[Edge, ...]] = []
    stack: list[tuple[Value, tuple[Edge, ...]]] = [(top, ())] if top in reaches else []
    while stack:
        node, edges = stack.pop()
        if node is bottom:
            paths.append(edges)
            continue
        pairs = list(zip(node.children, node.local_grads, strict=True))
        for child, local in reversed(pairs):  # reversed: the first child's paths come out first
            if child in reaches:
                stack.append((child, (*edges, Edge(node.op, local))))
    return tuple(paths)


def _factor(name: str, top: Value, bottom: Value) -> Factor:
    """d top / d bottom read from the graph: sum over the paths of the product of their edges."""
    paths = _paths(top, bottom)
    return Factor(name, paths, math.fsum(math.prod(edge.local for edge in path) for path in paths))


def _sigmoid_input(out: Value, name: str) -> Value:
    if out.op != "sigmoid":
        raise RuntimeError(f"the worked example needs sigmoid neurons, but {name} was made by op {out.op!r}")
    return out.children[0]


def worked_example() -> WorkedExample:
    """Run the textbook example through the engine: forward, backward, and one update of w1..w8."""
    sample = Sample(INPUTS, TARGETS)
    model = _build({wire.name: wire.start for wire in _WIRES})
    params = _parameters(model)
    run = _forward(model, sample)

    # 1. The nodes the textbook names: out_x is a neuron's output, net_x the sigmoid's input.
    outs = dict(zip(_HIDDEN + _OUTPUTS, run.hidden + run.outputs, strict=True))
    nets = {name: _sigmoid_input(out, name) for name, out in outs.items()}
    sources = dict(zip(("i1", "i2"), run.inputs, strict=True)) | {name: outs[name] for name in _HIDDEN}
    source_names = {"i1": "i1", "i2": "i2"} | {name: f"out_{name}" for name in _HIDDEN}

    # 2. The forward pass, neuron by neuron.
    neurons = []
    for (bias_name, bias_param, _), name in zip(_BIASES, _HIDDEN + _OUTPUTS, strict=True):
        wires = [wire for wire in _WIRES if wire.target == name]
        neurons.append(NeuronStep(
            name=name,
            weights=tuple((wire.name, params[wire.param].data) for wire in wires),
            inputs=tuple((source_names[wire.source], sources[wire.source].data) for wire in wires),
            bias=(bias_name, params[bias_param].data),
            net=nets[name].data,
            out=outs[name].data,
        ))

    # 3. The error of each output on its own; E_total is the root of the graph.
    errors = tuple(OutputError(name, target, outs[name].data, half_sse([outs[name]], [target]).data)
                   for name, target in zip(_OUTPUTS, sample.targets, strict=True))

    # 4. The chain rule, weight by weight, from the local derivatives on the graph's edges.
    def d_error_d_out(name: str) -> Factor:
        return _factor(f"dE_total/dout_{name}", run.loss, outs[name])

    def d_out_d_net(name: str) -> Factor:
        return _factor(f"dout_{name}/dnet_{name}", outs[name], nets[name])

    chains = []
    for wire in sorted(_WIRES, key=lambda wire: wire.target in _HIDDEN):  # output layer first
        through: tuple[Term, ...] = ()
        if wire.target in _HIDDEN:  # its output reaches E_total through every output neuron
            terms = []
            for out_name in _OUTPUTS:
                factors = (d_error_d_out(out_name), d_out_d_net(out_name),
                           _factor(f"dnet_{out_name}/dout_{wire.target}", nets[out_name], outs[wire.target]))
                terms.append(Term(f"dE_{out_name}/dout_{wire.target}", out_name, factors,
                                  math.prod(factor.value for factor in factors)))
            through = tuple(terms)
        factors = (d_error_d_out(wire.target), d_out_d_net(wire.target),
                   _factor(f"dnet_{wire.target}/d{wire.name}", nets[wire.target], params[wire.param]))
        chains.append((wire, factors, through))

    # 5. backward() gives every parameter its gradient, to set beside the products of the factors.
    run.loss.backward()
    steps = []
    for wire, factors, through in chains:
        leaf = params[wire.param]
        grad = math.prod(factor.value for factor in factors)
        steps.append(WeightStep(wire.name, wire.param, wire.source, wire.target, leaf.data, factors, through,
                                grad, leaf.grad, leaf.data - LEARNING_RATE * grad))
    biases = tuple(BiasStep(name, param, params[param].data, params[param].grad) for name, param, _ in _BIASES)

    # 6. The updated network (weights only, as in the textbook) and its error.
    updated = _build({step.name: step.after for step in steps})
    return WorkedExample(model, updated, run.loss, sample, LEARNING_RATE, tuple(neurons), errors, run.loss.data,
                         tuple(steps), biases, _forward(updated, sample).loss.data)


# --- full batch versus SGD --------------------------------------------------------------

def _check_seed(seed: object) -> int:
    return check_seed(seed, "explain")


def make_samples(n: int, *, seed: int = 0) -> tuple[Sample, ...]:
    """``n`` training examples: the textbook's first, then random ones from ``random.Random(seed)``.

    The extra inputs are uniform in [0, 1], rounded to 2 decimals so that a table stays
    readable. The targets follow the textbook's example: (0.01, 0.99) when i1 < i2 (as
    in 0.05 < 0.10), otherwise (0.99, 0.01). So the network learns which input is larger.

    >>> make_samples(2, seed=0)[0]
    Sample(inputs=(0.05, 0.1), targets=(0.01, 0.99))
    """
    check_count(n, "samples", 1, " (at least one training example)")
    rng = random.Random(_check_seed(seed))
    samples = [Sample(INPUTS, TARGETS)]
    while len(samples) < n:
        x1, x2 = round(rng.random(), 2), round(rng.random(), 2)
        samples.append(Sample((x1, x2), TARGETS if x1 < x2 else (TARGETS[1], TARGETS[0])))
    return tuple(samples)


def _total_error(weights: Mapping[str, float], samples: Sequence[Sample]) -> float:
    model = _build(weights)
    return math.fsum(_forward(model, sample).loss.data for sample in samples)


def compare_batch_sgd(samples: int, *, seed: int = 0) -> BatchComparison:
    """One full-batch update (gradients averaged over the samples) beside one SGD update per sample.

    Both start from the textbook's weights, use learning rate 0.5 and move the weights
    only (the biases stay as in the textbook). With ``samples=1`` the two agree.
    """
    data = make_samples(samples, seed=seed)
    start = {wire.name: wire.start for wire in _WIRES}

    # 1. Full batch: one graph for the mean error, one backward pass, one update.
    model = _build(start)
    params = _parameters(model)
    losses = [_forward(model, sample).loss for sample in data]
    total = losses[0]
    for loss in losses[1:]:
        total = total + loss
    (total * (1.0 / len(data))).backward()  # d mean / d w = the mean of the per-sample gradients
    mean_grads = {wire.name: params[wire.param].grad for wire in _WIRES}
    full_batch = {name: start[name] - LEARNING_RATE * mean_grads[name] for name in start}

    # 2. SGD: for each sample in order, a fresh gradient and an update.
    model = _build(start)
    params = _parameters(model)
    for sample in data:
        model.zero_grad()
        _forward(model, sample).loss.backward()
        for wire in _WIRES:
            params[wire.param].data -= LEARNING_RATE * params[wire.param].grad
    sgd = {wire.name: params[wire.param].data for wire in _WIRES}

    rows = tuple(WeightComparison(wire.name, start[wire.name], mean_grads[wire.name], full_batch[wire.name],
                                  sgd[wire.name]) for wire in _WIRES)
    return BatchComparison(data, seed, LEARNING_RATE, rows, _total_error(start, data),
                           _total_error(full_batch, data), _total_error(sgd, data))


# --- pictures ---------------------------------------------------------------------------

def draw_worked_example(example: WorkedExample, out_dir: str | Path) -> tuple[Path, Path]:
    """Write the network before (with its gradients) and after the update as SVG files in ``out_dir``."""
    from tinygrad_dk.viz import draw_network, render  # only when pictures are asked for

    directory = Path(out_dir)
    before = render(draw_network(example.model, show_weights=True, show_grads=True),
                    directory / "worked_example_before.svg")
    after = render(draw_network(example.updated, show_weights=True), directory / "worked_example_after.svg")
    return before, after


# --- the whole example, written out ----------------------------------------------------

def explain(*, format: str = "text", samples: int | None = None, out_dir: str | Path | None = None,
            seed: int = 0) -> str:
    """The whole worked example as text or markdown; optionally pictures and full batch versus SGD.

    ``samples=N`` adds one full-batch update beside N one-sample updates on N samples made
    from ``seed`` (see `make_samples`); ``out_dir`` writes the network before and after the
    update as SVG files there.

    >>> "E_total = E_o1 + E_o2 = 0.298371109" in explain()
    True
    """
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}: use one of {', '.join(map(repr, FORMATS))}")
    if samples is not None:
        check_count(samples, "samples", 1, " (at least one training example)")
    _check_seed(seed)
    example = worked_example()
    pictures = None if out_dir is None else draw_worked_example(example, out_dir)
    comparison = None if samples is None else compare_batch_sgd(samples, seed=seed)
    blocks = document(example, comparison, pictures)
    return to_text(blocks) if format == "text" else to_markdown(blocks)
