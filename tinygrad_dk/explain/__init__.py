"""Matt Mazur's backpropagation example, worked step by step with the library's own Values, on a batch.

The network is the 2-2-2 one with sigmoid neurons of Matt Mazur's "A Step by Step
Backpropagation Example" (https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/):
inputs 0.05 and 0.10, targets 0.01 and 0.99, weights w1..w8 = 0.15 ... 0.55, learning rate 0.5.
It is built as an ``MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid")`` with
those weights loaded, and every number shown comes out of the engine: the forward pass from
the nodes' ``data``, and each gradient as products of the local derivatives stored on the
graph's edges (``Value.local_grads``), grouped into Mazur's factors
``dE/dout * dout/dnet * dnet/dw`` and checked against the ``.grad`` that ``backward()`` leaves.

A batch of samples (Mazur's alone by default) is trained two ways from the same weights:
one full-batch update, whose cost is the mean of the samples' E_total (so its gradient is
the mean of theirs), and SGD, one update per sample in order.

Mazur shares one bias per layer (b1 = 0.35, b2 = 0.60) and never updates it. Our MLP gives
every neuron its own bias, so both hidden biases start at 0.35 and both output biases at
0.60; like Mazur, the updates here move the weights only.

This module owns the numbers: it computes them into frozen dataclasses (`WorkedExample`,
`BatchComparison`), each quantity under Mazur's name. Putting words around them (English or
Danish) is `tinygrad_dk.explain._story`'s job, `tinygrad_dk.explain._doc` renders that as
text or Markdown, and `tinygrad_dk.explain._json` writes the numbers as JSON.

>>> example = worked_example()
>>> f"{example.total_error:.9f}"
'0.298371109'
>>> f"{example.weight('w5').after:.8f}"
'0.35891648'
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from tinygrad_dk._checks import check_count, check_seed
from tinygrad_dk._lang import LANG_ENV as LANG_ENV  # the language's names, for explain's users too
from tinygrad_dk._lang import LANGUAGES as LANGUAGES
from tinygrad_dk._lang import check_lang
from tinygrad_dk.engine import Value, topological_order
from tinygrad_dk.nn import MLP

if TYPE_CHECKING:  # the pictures are imported only when drawn
    from tinygrad_dk.viz import Diagram

FORMATS = ("text", "markdown", "json")
MAX_SAMPLES = 100  # every number of every sample is printed: more is no longer an explanation
INPUTS = (0.05, 0.10)  # i1, i2
TARGETS = (0.01, 0.99)  # for o1, o2
LEARNING_RATE = 0.5
HIDDEN_BIAS = 0.35  # Mazur's b1, on h1 and h2
OUTPUT_BIAS = 0.60  # Mazur's b2, on o1 and o2
SOURCE = (
    "Matt Mazur",
    "A Step by Step Backpropagation Example",
    "https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/",
)
PUBLISHED_ERROR_AFTER = 0.291027924  # the error after the first update, as Mazur's post prints it
_MAZUR = ((0.05, 0.10), (0.01, 0.99), 0.5)  # his sample and learning rate, for the note on that number


class _Wire(NamedTuple):
    name: str  # Mazur's name
    param: str  # our MLP's parameter name
    source: str
    target: str
    start: float


# Mazur's weights, where each goes in our MLP, and its starting value.
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
# Every neuron's own bias: (our name, parameter name, starting value), in neuron order.
_BIASES = (
    ("b_h1", "layers.0.neurons.0.b", HIDDEN_BIAS),
    ("b_h2", "layers.0.neurons.1.b", HIDDEN_BIAS),
    ("b_o1", "layers.1.neurons.0.b", OUTPUT_BIAS),
    ("b_o2", "layers.1.neurons.1.b", OUTPUT_BIAS),
)
_HIDDEN = ("h1", "h2")
_OUTPUTS = ("o1", "o2")


# --- what the example is made of --------------------------------------------------------


def _pair(values: object, what: str) -> tuple[float, float]:
    if (
        isinstance(values, (str, bytes))
        or not isinstance(values, Sequence)
        or len(values) != 2
        or not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values)
    ):
        raise TypeError(f"Sample: {what} must be two numbers, got {values!r}")
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"Sample: {what} must be finite numbers, got {values!r}")
    return float(values[0]), float(values[1])


@dataclass(frozen=True)
class Sample:
    """One training example: the two inputs (i1, i2) and the two targets (for o1, o2).

    >>> Sample((0.05, 0.1), (0.01, 0.99))
    Sample(inputs=(0.05, 0.1), targets=(0.01, 0.99))
    """

    inputs: tuple[float, float]
    targets: tuple[float, float]

    def __post_init__(self) -> None:
        # frozen: set the checked floats the way dataclasses do
        object.__setattr__(self, "inputs", _pair(self.inputs, "inputs (i1, i2)"))
        object.__setattr__(self, "targets", _pair(self.targets, "targets (for o1, o2)"))


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
    """The chain rule for one weight, its gradient and its one-sample update ``w - lr * grad``."""

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
    """The chain rule for one neuron's bias and its gradient; the updates leave biases alone, as Mazur does."""

    name: str
    param: str
    value: float
    grad: float  # the product of the factors
    target: str  # the neuron the bias belongs to
    factors: tuple[Factor, Factor, Factor]  # dE_total/dout, dout/dnet, dnet/db
    through: tuple[Term, ...]  # as for a weight: hidden biases reach E_total through every output
    engine_grad: float  # the parameter's .grad after backward()


@dataclass(frozen=True)
class WorkedExample:
    """One sample through the network: forward, error, the chain rule for every parameter, one update.

    `model` holds the gradients of its backward pass; `updated` has the weights after the
    update ``w - lr * grad`` from this sample alone (Mazur's update, and one step of SGD).
    """

    model: MLP
    updated: MLP
    loss: Value
    sample: Sample
    lr: float
    neurons: tuple[NeuronStep, ...]
    errors: tuple[OutputError, ...]
    total_error: float
    weights: tuple[WeightStep, ...]  # w5..w8, then w1..w4: the order backpropagation reaches them
    biases: tuple[BiasStep, ...]  # b_h1, b_h2, b_o1, b_o2
    total_error_after: float

    def weight(self, name: str) -> WeightStep:
        """The step for Mazur's weight ``name`` ("w1" ... "w8")."""
        for step in self.weights:
            if step.name == name:
                return step
        raise KeyError(f"no weight named {name!r}: the weights are w1 ... w8")

    def steps(self) -> tuple[WeightStep | BiasStep, ...]:
        """The chain rule of every parameter: the weights (w5..w8, w1..w4), then the biases."""
        return (*self.weights, *self.biases)


@dataclass(frozen=True)
class WeightComparison:
    """One parameter's gradient per sample, their mean, and where the two algorithms leave it.

    A bias keeps its value in both (``full_batch == sgd == start``): the updates move the weights only.
    """

    name: str
    start: float
    mean_grad: float  # the .grad backward() of the batch's cost leaves: the mean of `grads`
    full_batch: float  # start - lr * mean_grad
    sgd: float  # after one update per sample, in order
    grads: tuple[float, ...]  # each sample's gradient at the starting weights (its .grad)


@dataclass(frozen=True)
class BatchComparison:
    """Full batch versus SGD on a batch, from Mazur's weights; the errors are the cost, the mean of E_total.

    `passes` has every sample worked through at the starting weights (forward, error, chain
    rule); `sgd` has the SGD steps, step k being sample k at the weights step k - 1 left.
    `model` holds the starting weights with the mean gradients, `updated` the weights after
    the one full-batch update, and `cost` the graph backward() ran on: each sample's nodes
    carry its number (net_h1[2], E_total[2]) and the root, E, is their mean.
    """

    samples: tuple[Sample, ...]
    seed: int | None  # the seed that drew samples 2, 3, ...; None when the samples were given
    lr: float
    weights: tuple[WeightComparison, ...]  # w1 ... w8
    error_start: float
    error_full_batch: float
    error_sgd: float
    biases: tuple[WeightComparison, ...]  # b_h1 ... b_o2: their gradients; no update moves them
    passes: tuple[WorkedExample, ...]
    sgd: tuple[WorkedExample, ...]
    sgd_errors: tuple[float, ...]  # the cost after each SGD step
    model: MLP
    updated: MLP
    cost: Value  # the root of the full-batch graph: E (E_total for one sample), its nodes named per sample


# --- building and running the network ---------------------------------------------------


class _Pass(NamedTuple):
    inputs: list[Value]
    hidden: list[Value]
    outputs: list[Value]
    errors: list[Value]  # E_o1, E_o2
    loss: Value  # E_total


def _as_list(out: Value | list[Value]) -> list[Value]:
    return [out] if isinstance(out, Value) else list(out)


def _build(weights: Mapping[str, float]) -> MLP:
    """The 2-2-2 sigmoid MLP with ``weights`` (by Mazur's names w1 ... w8) and the biases loaded."""
    model = MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid", seed=0)
    state = {wire.param: weights[wire.name] for wire in _WIRES}
    state.update({param: value for _, param, value in _BIASES})
    model.load_state_dict(state)
    names = dict(model.named_parameters())
    for wire in _WIRES:  # Mazur's names in the graphs too: w5 is w5 in the text and the picture
        names[wire.param].label = wire.name
    for name, param, _ in _BIASES:
        names[param].label = name
    return model


def _forward(model: MLP, sample: Sample, tag: str = "") -> _Pass:
    """``sample`` through ``model`` up to E_total, every node Mazur names labelled with his name.

    ``tag`` follows each name: "" for one sample, "[k]" for sample k of a batch (net_h1[2]).
    So the graph a picture draws speaks the text's words.
    """
    inputs = [Value(x, f"i{k}{tag}") for k, x in enumerate(sample.inputs, start=1)]
    hidden = _as_list(model.layers[0](inputs))
    outputs = _as_list(model.layers[1](hidden))
    for name, out in zip(_HIDDEN + _OUTPUTS, hidden + outputs, strict=True):
        out.label = f"out_{name}{tag}"
        _sigmoid_input(out, name).label = f"net_{name}{tag}"
    errors = []
    for name, out, target in zip(_OUTPUTS, outputs, sample.targets, strict=True):
        # E_o = 1/2 * (target_o - out_o)^2, squared as out - target (the same number) so that the
        # edge into the square carries out - target, the derivative the text shows
        error = (out - Value(target, f"target_{name}{tag}")) ** 2 * 0.5
        error.label = f"E_{name}{tag}"
        errors.append(error)
    loss = errors[0] + errors[1]
    loss.label = f"E_total{tag}"
    return _Pass(inputs, hidden, outputs, errors, loss)


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


class _Graph(NamedTuple):
    """The nodes of one forward pass under Mazur's names, to read the chain rule off."""

    loss: Value  # E_total
    outs: dict[str, Value]  # out_h1 ... out_o2: the neurons' outputs
    nets: dict[str, Value]  # net_h1 ... net_o2: the sigmoids' inputs


def _chain(
    graph: _Graph, name: str, leaf: Value, target: str
) -> tuple[tuple[Factor, Factor, Factor], tuple[Term, ...]]:
    """Mazur's factors dE_total/dout * dout/dnet * dnet/d(name) for a parameter of neuron ``target``.

    A hidden neuron's output reaches E_total through every output neuron, so its first
    factor is the sum of one `Term` per output, each itself three factors.
    """

    def d_error_d_out(neuron: str) -> Factor:
        return _factor(f"dE_total/dout_{neuron}", graph.loss, graph.outs[neuron])

    def d_out_d_net(neuron: str) -> Factor:
        return _factor(f"dout_{neuron}/dnet_{neuron}", graph.outs[neuron], graph.nets[neuron])

    through: list[Term] = []
    if target in _HIDDEN:
        for out in _OUTPUTS:
            parts = (
                d_error_d_out(out),
                d_out_d_net(out),
                _factor(f"dnet_{out}/dout_{target}", graph.nets[out], graph.outs[target]),
            )
            through.append(Term(f"dE_{out}/dout_{target}", out, parts, math.prod(f.value for f in parts)))
    factors = (d_error_d_out(target), d_out_d_net(target), _factor(f"dnet_{target}/d{name}", graph.nets[target], leaf))
    return factors, tuple(through)


def _start() -> dict[str, float]:
    return {wire.name: wire.start for wire in _WIRES}


def _worked(sample: Sample, weights: Mapping[str, float]) -> WorkedExample:
    """``sample`` through the network with ``weights`` (w1..w8): forward, backward, one update of w1..w8."""
    model = _build(weights)
    params = _parameters(model)
    run = _forward(model, sample)

    # 1. The nodes Mazur names: out_x is a neuron's output, net_x the sigmoid's input.
    outs = dict(zip(_HIDDEN + _OUTPUTS, run.hidden + run.outputs, strict=True))
    graph = _Graph(run.loss, outs, {name: _sigmoid_input(out, name) for name, out in outs.items()})
    sources = dict(zip(("i1", "i2"), run.inputs, strict=True)) | {name: outs[name] for name in _HIDDEN}
    source_names = {"i1": "i1", "i2": "i2"} | {name: f"out_{name}" for name in _HIDDEN}

    # 2. The forward pass, neuron by neuron.
    neurons = []
    for (bias_name, bias_param, _), name in zip(_BIASES, _HIDDEN + _OUTPUTS, strict=True):
        wires = [wire for wire in _WIRES if wire.target == name]
        neurons.append(
            NeuronStep(
                name=name,
                weights=tuple((wire.name, params[wire.param].data) for wire in wires),
                inputs=tuple((source_names[wire.source], sources[wire.source].data) for wire in wires),
                bias=(bias_name, params[bias_param].data),
                net=graph.nets[name].data,
                out=outs[name].data,
            )
        )

    # 3. The error of each output (the graph's E_o1 and E_o2); E_total, their sum, is the root.
    errors = tuple(
        OutputError(name, target, outs[name].data, error.data)
        for name, target, error in zip(_OUTPUTS, sample.targets, run.errors, strict=True)
    )

    # 4. The chain rule, parameter by parameter, from the local derivatives on the graph's edges
    # (output layer first, the order backpropagation reaches them).
    wires = sorted(_WIRES, key=lambda wire: wire.target in _HIDDEN)
    weight_chains = [_chain(graph, wire.name, params[wire.param], wire.target) for wire in wires]
    bias_chains = [
        _chain(graph, name, params[param], neuron)
        for (name, param, _), neuron in zip(_BIASES, _HIDDEN + _OUTPUTS, strict=True)
    ]

    # 5. backward() gives every parameter its gradient, to set beside the products of the factors.
    run.loss.backward()
    steps = []
    for wire, (factors, through) in zip(wires, weight_chains, strict=True):
        leaf = params[wire.param]
        grad = math.prod(factor.value for factor in factors)
        steps.append(
            WeightStep(
                wire.name,
                wire.param,
                wire.source,
                wire.target,
                leaf.data,
                factors,
                through,
                grad,
                leaf.grad,
                leaf.data - LEARNING_RATE * grad,
            )
        )
    biases = tuple(
        BiasStep(
            name,
            param,
            params[param].data,
            math.prod(f.value for f in factors),
            neuron,
            factors,
            through,
            params[param].grad,
        )
        for (name, param, _), neuron, (factors, through) in zip(_BIASES, _HIDDEN + _OUTPUTS, bias_chains, strict=True)
    )

    # 6. The updated network (weights only, as in Mazur's post) and its error.
    updated = _build({step.name: step.after for step in steps})
    return WorkedExample(
        model,
        updated,
        run.loss,
        sample,
        LEARNING_RATE,
        tuple(neurons),
        errors,
        run.loss.data,
        tuple(steps),
        biases,
        _forward(updated, sample).loss.data,
    )


def worked_example(sample: Sample | Sequence[float] | None = None) -> WorkedExample:
    """Run one sample (default: Mazur's) through the engine: forward, backward, one update of w1..w8.

    ``sample`` is a `Sample` or the four numbers ``(i1, i2, t1, t2)``.
    """
    return _worked(Sample(INPUTS, TARGETS) if sample is None else _as_sample(sample, 1), _start())


# --- a batch: full batch versus SGD -----------------------------------------------------


def _check_seed(seed: object) -> int:
    return check_seed(seed, "explain")


def _check_size(n: object, what: str) -> int:
    why = " (every number of every sample is printed; train on more with tinygrad-dk train)"
    return check_count(n, what, 1, why, maximum=MAX_SAMPLES)


def _as_sample(item: object, k: int) -> Sample:
    """A `Sample`, or one from the four numbers ``(i1, i2, t1, t2)``."""
    if isinstance(item, Sample):
        return item
    if isinstance(item, (str, bytes)) or not isinstance(item, Sequence) or len(item) != 4:
        raise TypeError(f"sample {k} must be a Sample or four numbers (i1, i2, t1, t2), got {item!r}")
    return Sample((item[0], item[1]), (item[2], item[3]))


def make_samples(n: int, *, seed: int = 0) -> tuple[Sample, ...]:
    """``n`` training examples: Mazur's first, then random ones from ``random.Random(seed)``.

    The extra inputs are uniform in [0, 1], rounded to 2 decimals so that a table stays
    readable. The targets follow Mazur's example: (0.01, 0.99) when i1 < i2 (as in
    0.05 < 0.10), otherwise (0.99, 0.01). So the network learns which input is larger.
    ``n`` is at most `MAX_SAMPLES`.

    >>> make_samples(2, seed=0)[0]
    Sample(inputs=(0.05, 0.1), targets=(0.01, 0.99))
    """
    _check_size(n, "samples")
    rng = random.Random(_check_seed(seed))
    samples = [Sample(INPUTS, TARGETS)]
    while len(samples) < n:
        x1, x2 = round(rng.random(), 2), round(rng.random(), 2)
        samples.append(Sample((x1, x2), TARGETS if x1 < x2 else (TARGETS[1], TARGETS[0])))
    return tuple(samples)


def _batch(
    samples: int | Sequence[Sample | Sequence[float]] | None, seed: int
) -> tuple[tuple[Sample, ...], int | None]:
    """The batch and the seed that drew it (None when given): Mazur's sample, N made ones, or those given."""
    if samples is None:
        return (Sample(INPUTS, TARGETS),), None
    if isinstance(samples, numbers.Integral) or not isinstance(samples, Sequence) or isinstance(samples, str):
        return make_samples(samples, seed=seed), seed  # type: ignore[arg-type]  # make_samples checks it
    _check_size(len(samples), "the number of samples")
    return tuple(_as_sample(item, k) for k, item in enumerate(samples, start=1)), None


def _cost(weights: Mapping[str, float], samples: Sequence[Sample]) -> float:
    """The cost: the mean of E_total over the samples, at ``weights``."""
    model = _build(weights)
    return _mean([_forward(model, sample).loss for sample in samples]).data


def _mean(losses: Sequence[Value]) -> Value:
    """The cost E: the mean of the samples' E_total (of one sample, its E_total itself)."""
    if len(losses) == 1:
        return losses[0]
    total = losses[0]
    for loss in losses[1:]:
        total = total + loss
    cost = total * (1.0 / len(losses))
    cost.label = "E"
    return cost


def compare_batch_sgd(
    samples: int | Sequence[Sample | Sequence[float]] | None = None, *, seed: int = 0
) -> BatchComparison:
    """One full-batch update (gradients averaged over the samples) beside one SGD update per sample.

    ``samples`` is None (Mazur's sample alone), a number N (`make_samples` with ``seed``) or
    the samples themselves (each a `Sample` or ``(i1, i2, t1, t2)``). Both algorithms start
    from Mazur's weights, use learning rate 0.5 and move the weights only. With one sample
    they make the same update.
    """
    return _compare(*_batch(samples, _check_seed(seed)))


def _compare(data: tuple[Sample, ...], drawn_by: int | None) -> BatchComparison:
    start = _start()

    # 1. Every sample on its own at the starting weights: forward, error, chain rule, gradient.
    passes = tuple(_worked(sample, start) for sample in data)

    # 2. Full batch: one graph for the cost (the mean error), one backward pass, one update.
    model = _build(start)
    params = _parameters(model)
    tags = [""] if len(data) == 1 else [f"[{k}]" for k in range(1, len(data) + 1)]  # net_h1[2]: sample 2's
    cost = _mean([_forward(model, sample, tag).loss for sample, tag in zip(data, tags, strict=True)])
    cost.backward()  # d mean / d w = the mean of the per-sample gradients
    full_batch = {wire.name: start[wire.name] - LEARNING_RATE * params[wire.param].grad for wire in _WIRES}

    # 3. SGD: for each sample in order, its gradient at the weights the last step left, and an update.
    steps, errors, weights = [], [], start
    for sample in data:
        steps.append(_worked(sample, weights))
        weights = {step.name: step.after for step in steps[-1].weights}
        errors.append(_cost(weights, data))

    def compared(name: str, param: str, after_full: float, after_sgd: float) -> WeightComparison:
        grads = tuple(_engine_grad(example, name) for example in passes)
        return WeightComparison(name, params[param].data, params[param].grad, after_full, after_sgd, grads)

    rows = tuple(compared(w.name, w.param, full_batch[w.name], weights[w.name]) for w in _WIRES)
    bias_rows = tuple(compared(name, param, value, value) for name, param, value in _BIASES)
    return BatchComparison(
        data,
        drawn_by,
        LEARNING_RATE,
        rows,
        cost.data,
        _cost(full_batch, data),
        errors[-1],
        bias_rows,
        passes,
        tuple(steps),
        tuple(errors),
        model,
        _build(full_batch),
        cost,
    )


def _engine_grad(example: WorkedExample, name: str) -> float:
    """The .grad backward() left on the parameter ``name`` (w1 ... w8, b_h1 ... b_o2)."""
    return next(step.engine_grad for step in example.steps() if step.name == name)


def _through_updated_output_weights(example: WorkedExample) -> float:
    """E_total after the update if w1..w4's gradients are taken through the already updated w5..w8.

    Each output's delta dE_total/dout_o * dout_o/dnet_o stays as the backward pass found it,
    but is sent back to a hidden neuron along the weight from after the update instead of the
    one the forward pass used. That is not backpropagation, but it reproduces, to all nine
    digits, the 0.291027924 Mazur's post prints for the error after the first update.
    """
    after = {step.name: step.after for step in example.weights}
    wire = {(w.source, w.target): w.name for w in _WIRES}
    final = dict(after)
    for step in example.weights:
        if step.through:  # a hidden weight: dE_total/dout_h = sum over o of delta_o * w_(h -> o)
            share = math.fsum(
                term.factors[0].value * term.factors[1].value * after[wire[step.target, term.output]]
                for term in step.through
            )
            final[step.name] = step.before - example.lr * share * step.factors[1].value * step.factors[2].value
    return _forward(_build(final), example.sample).loss.data


# --- pictures ---------------------------------------------------------------------------


# The captions the drawing functions put under their pictures, per language; the key and the
# notes on how to read a picture are draw_dot's and draw_network's own words.
_CAPTIONS = {
    "en": {
        "one": "one sample, i1 = {i1:g}, i2 = {i2:g}, targets {t1:g} and {t2:g} (a full batch of size 1)",
        "many": "a full batch of {n} samples: sample k's nodes end in [k], and E, the cost, is the mean of their "
        "E_total",
        "network": "Matt Mazur's 2-2-2 sigmoid network on {what}",
        "read": "data: the forward pass; grad: d {root} / d node, from backward(); the names are those of "
        "tinygrad-dk explain",
        "gradient_one": "dE_total/dw, of the one sample",
        "gradient_many": "dE/dw, the mean over the {n} samples",
        "before": "Before the full-batch update: each weight w and its gradient {gradient}",
        "after": "After one full-batch update, w <- w - lr * dE/dw with lr = {lr:g} (the biases stay, as in "
        "Mazur's post)",
    },
    "da": {
        "one": "ét eksempel, i1 = {i1:g}, i2 = {i2:g}, mål {t1:g} og {t2:g} (en fuld batch af størrelse 1)",
        "many": "en fuld batch af {n} eksempler: eksempel k's knuder ender på [k], og E, omkostningen, er "
        "gennemsnittet af deres E_total",
        "network": "Matt Mazurs 2-2-2-netværk med sigmoid som aktiveringsfunktion på {what}",
        "read": "data: den fremadrettede propagering; grad: d {root} / d knude, fra backward(); navnene er dem "
        "fra tinygrad-dk explain",
        "gradient_one": "dE_total/dw, for det ene eksempel",
        "gradient_many": "dE/dw, gennemsnittet over de {n} eksempler",
        "before": "Før opdateringen med fuld batch: hver vægt w og dens gradient {gradient}",
        "after": "Efter én opdatering med fuld batch, w <- w - lr * dE/dw med lr = {lr:g} (bias forbliver "
        "uændret, som i Mazurs indlæg)",
    },
}


def draw_worked_graph(
    example: WorkedExample | BatchComparison | None = None,
    *,
    rankdir: str = "TB",
    condensed: bool = False,
    lang: str | None = None,
) -> Diagram:
    """The computation graph of the example's error, every node the text names under its name.

    ``example`` defaults to Mazur's sample (`worked_example`); for a `BatchComparison` it is
    the graph of the batch's cost E, each sample's nodes named with its number (net_h1[2]).
    Leaves are i1, i2, the targets, w1..w8 and b_h1..b_o2; inner nodes net_h1 ... out_o2,
    E_o1, E_o2 and E_total; every edge carries the local derivative backward() multiplied by.
    Top to bottom by default, so that the 24 ranks of ops fit a screen's width; ``condensed``
    draws each neuron as one box (see `tinygrad_dk.viz.draw_dot`). ``lang`` is "en" or "da",
    the language of the caption and key (default: the environment variable TINYGRAD_DK_LANG,
    else "en").

    >>> "net_h1" in draw_worked_graph().source
    True
    """
    from tinygrad_dk.viz import draw_dot  # only when pictures are asked for

    language = check_lang(lang, "draw_worked_graph")
    words = _CAPTIONS[language]
    example = worked_example() if example is None else example
    samples: tuple[Sample, ...] = (example.sample,) if isinstance(example, WorkedExample) else example.samples
    root = example.loss if isinstance(example, WorkedExample) else example.cost
    first = samples[0]
    if len(samples) == 1:
        (i1, i2), (t1, t2) = first.inputs, first.targets
        what = words["one"].format(i1=i1, i2=i2, t1=t1, t2=t2)
    else:
        what = words["many"].format(n=len(samples))
    caption = [words["network"].format(what=what), words["read"].format(root=root.label)]
    params = example.model.parameters()
    return draw_dot(root, params=params, rankdir=rankdir, caption=caption, condensed=condensed, lang=language)


def draw_worked_example(
    example: WorkedExample | BatchComparison, out_dir: str | Path, *, lang: str | None = None
) -> tuple[Path, Path]:
    """Write the network before (with its gradients) and after the update as SVG files in ``out_dir``.

    For a `BatchComparison` the gradients are the batch's mean ones and "after" is the full-batch update.
    ``lang`` is "en" or "da", the language of the captions (default: the environment variable
    TINYGRAD_DK_LANG, else "en").
    """
    from tinygrad_dk.viz import draw_network, render  # only when pictures are asked for

    language = check_lang(lang, "draw_worked_example")
    words = _CAPTIONS[language]
    directory = Path(out_dir)
    n = len(example.samples) if isinstance(example, BatchComparison) else 1
    gradient = words["gradient_one"] if n == 1 else words["gradient_many"].format(n=n)
    # four decimals: the hidden weights move by 0.0002, which two would hide (w1 = 0.15 before and after)
    before = render(
        draw_network(
            example.model,
            show_weights=True,
            show_grads=True,
            inputs=("i1", "i2"),
            digits=4,
            caption=words["before"].format(gradient=gradient),
            lang=language,
        ),
        directory / "worked_example_before.svg",
    )
    after = render(
        draw_network(
            example.updated,
            show_weights=True,
            inputs=("i1", "i2"),
            digits=4,
            caption=words["after"].format(lr=example.lr),
            lang=language,
        ),
        directory / "worked_example_after.svg",
    )
    return before, after


# --- the whole example, written out ----------------------------------------------------


def explain(
    *,
    samples: int | Sequence[Sample | Sequence[float]] | None = None,
    format: str = "text",
    lang: str | None = None,
    out_dir: str | Path | None = None,
    seed: int = 0,
) -> str:
    """The worked example, every number, as text, Markdown or JSON: full batch beside SGD on a batch.

    ``samples`` is None (Mazur's sample alone: a full batch of size 1), a number N (Mazur's
    sample and N - 1 drawn from ``seed``, see `make_samples`) or the samples themselves
    (each a `Sample` or ``(i1, i2, t1, t2)``), at most `MAX_SAMPLES`. ``lang`` is "en" or
    "da" (default: the environment variable TINYGRAD_DK_LANG, else "en"); JSON has no words.
    ``out_dir`` writes the network before and after the full-batch update as SVG files there.
    Every argument is checked before any work.

    >>> "E_total = E_o1 + E_o2 = 0.298371109" in explain()
    True
    """
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}: use one of {', '.join(map(repr, FORMATS))}")
    language = check_lang(lang, "explain")
    comparison = _compare(*_batch(samples, _check_seed(seed)))
    pictures = None if out_dir is None else draw_worked_example(comparison, out_dir, lang=language)
    first = comparison.passes[0]  # the note on Mazur's printed error is about his sample alone
    mazur = len(comparison.samples) == 1 and (first.sample.inputs, first.sample.targets, first.lr) == _MAZUR
    stale = _through_updated_output_weights(first) if mazur else None
    if format == "json":
        from tinygrad_dk.explain._json import to_json

        return to_json(comparison, stale, pictures)
    from tinygrad_dk.explain._doc import to_markdown, to_text
    from tinygrad_dk.explain._story import document

    blocks = document(comparison, language, stale, pictures)
    return to_text(blocks) if format == "text" else to_markdown(blocks)
