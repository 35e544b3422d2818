"""What `tinygrad_dk.explain` says about its numbers: the worked example as a document.

The numbers come computed (a `WorkedExample`, a `BatchComparison`); this module only
formats them (9 significant digits) and puts words around them, as blocks of
`tinygrad_dk._explain_doc` that render as text or Markdown.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tinygrad_dk._checks import plural
from tinygrad_dk._explain_doc import Block, Heading, Lines, Para, Table

if TYPE_CHECKING:
    from tinygrad_dk.explain import BatchComparison, Factor, WeightStep, WorkedExample


def num(x: float) -> str:
    """9 significant digits: enough to compare with the published numbers."""
    return f"{x:.9g}"


def term(x: float) -> str:
    """A number inside a formula: negative ones in parentheses, ``0.5 * (-0.02)``."""
    return f"({num(x)})" if x < 0 else num(x)


def chain(factor: Factor) -> str:
    """The edges of a factor: ``local (op) * ...`` per path, several paths in brackets joined by ``+``."""
    products = [" * ".join(f"{num(edge.local)} ({edge.op})" for edge in path) or "1" for path in factor.paths]
    if not products:
        return "0 (no path)"
    return products[0] if len(products) == 1 else " + ".join(f"[{product}]" for product in products)


def _introduction(example: WorkedExample) -> list[Block]:
    i1, i2 = example.sample.inputs
    t1, t2 = example.sample.targets
    return [
        Heading(1, "Backpropagation, worked step by step"),
        Para("The classic textbook example: a network with 2 inputs, 2 hidden and 2 output neurons, all "
             "sigmoid, trained on one example by one step of gradient descent. It is built as "
             "MLP(2, [2, 2], activation=\"sigmoid\", output_activation=\"sigmoid\") with the textbook's "
             "weights loaded, and every number below comes from the engine's Values."),
        Table(("quantity", "value"), (
            ("inputs i1, i2", f"{num(i1)}, {num(i2)}"),
            ("targets for o1, o2", f"{num(t1)}, {num(t2)}"),
            *((f"{s.name} ({s.source} -> {s.target})", num(s.before))
              for s in sorted(example.weights, key=lambda s: s.name)),
            *((f"{b.name} ({b.param})", num(b.value)) for b in example.biases),
            ("error", "E = 1/2 * sum (target - out)^2"),
            ("learning rate", num(example.lr)),
        )),
        Para("Biases: the textbook shares one bias per layer (b1 on both hidden neurons, b2 on both "
             "outputs) and does not update it. Our MLP gives every neuron its own bias parameter, so "
             f"b_h1 = b_h2 = {num(example.biases[0].value)} play b1 and b_o1 = b_o2 = "
             f"{num(example.biases[2].value)} play b2; like the textbook, the update moves the weights only."),
    ]


def _forward(example: WorkedExample) -> list[Block]:
    lines: list[str] = []
    for n in example.neurons:
        symbols = " + ".join(f"{w} * {x}" for (w, _), (x, _) in zip(n.weights, n.inputs, strict=True))
        numbers = " + ".join(f"{term(w)} * {term(x)}" for (_, w), (_, x) in zip(n.weights, n.inputs, strict=True))
        lines.append(f"net_{n.name} = {symbols} + {n.bias[0]} = {numbers} + {term(n.bias[1])} = {num(n.net)}")
        lines.append(f"out_{n.name} = sigmoid(net_{n.name}) = 1 / (1 + exp(-{term(n.net)})) = {num(n.out)}")
    return [
        Heading(2, "1. Forward pass"),
        Para("Each neuron adds up its inputs times its weights plus its bias (net), then squashes the sum "
             "with the sigmoid (out). The hidden outputs are the inputs of the output layer."),
        Lines(tuple(lines)),
    ]


def _error(example: WorkedExample) -> list[Block]:
    lines = [f"E_{e.name} = 1/2 * (target_{e.name} - out_{e.name})^2 = 1/2 * ({num(e.target)} - {num(e.out)})^2"
             f" = {num(e.error)}" for e in example.errors]  # target and out are in (0, 1)
    names = " + ".join(f"E_{e.name}" for e in example.errors)
    lines.append(f"E_total = {names} = {num(example.total_error)}")
    return [Heading(2, "2. Error"), Lines(tuple(lines))]


def _weight_rows(step: WeightStep, lr: float) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for t in step.through:
        rows.extend((f.name, chain(f), num(f.value)) for f in t.factors)
        rows.append((t.name, " * ".join(term(f.value) for f in t.factors), num(t.value)))
    first, *rest = step.factors
    if step.through:  # dE_total/dout_h: the error reaches h through every output
        rows.append((first.name, " + ".join(term(t.value) for t in step.through), num(first.value)))
    else:
        rows.append((first.name, chain(first), num(first.value)))
    rows.extend((f.name, chain(f), num(f.value)) for f in rest)
    rows.append((f"dE_total/d{step.name}", " * ".join(term(f.value) for f in step.factors), num(step.grad)))
    rows.append((f"{step.name}.grad", "from backward()", num(step.engine_grad)))
    update = f"{term(step.before)} - {term(lr)} * {term(step.grad)}"
    rows.append((f"{step.name} - lr * dE_total/d{step.name}", update, num(step.after)))
    return rows


def _backward(example: WorkedExample) -> list[Block]:
    blocks: list[Block] = [
        Heading(2, "3. Backward pass: the chain rule along the graph's edges"),
        Para("Every node of the graph stores the local derivative d node / d child on each edge to a child "
             "(Value.local_grads). The derivative of E_total with respect to a weight is the sum, over every "
             "path from E_total down to the weight, of the product of the local derivatives along the path. "
             "Below, each edge is shown as 'local derivative (op of the node above)', and the edges are grouped "
             "into the textbook's factors dE_total/dout * dout/dnet * dnet/dw. A hidden neuron's output "
             "reaches E_total through both outputs, so dE_total/dout_h = dE_o1/dout_h + dE_o2/dout_h. "
             "Each product is checked against the .grad that backward() leaves on the parameter."),
    ]
    # an output weight reaches E_total along one output; a hidden one through every output
    for heading, hidden in (("Output layer", False), ("Hidden layer", True)):
        blocks.append(Heading(3, heading))
        for step in (step for step in example.weights if bool(step.through) == hidden):
            blocks.append(Heading(4, f"{step.name}: {step.source} -> {step.target} (parameter {step.param}) = "
                                     f"{num(step.before)}"))
            blocks.append(Table(("quantity", "local derivatives on the edges", "value"),
                                tuple(_weight_rows(step, example.lr)), frozenset({0, 1})))
    return blocks


def _update(example: WorkedExample) -> list[Block]:
    weights = sorted(example.weights, key=lambda step: step.name)
    return [
        Heading(2, "4. The update"),
        Para(f"Each weight moves against its gradient: w <- w - lr * dE_total/dw with lr = {num(example.lr)}. "
             "All gradients are taken at the starting weights, before any of them changes."),
        Table(("weight", "before", "dE_total/dw", "after"),
              tuple((s.name, num(s.before), num(s.grad), num(s.after)) for s in weights)),
        Lines((f"E_total before the update = {num(example.total_error)}",
               f"E_total after the update  = {num(example.total_error_after)}")),
        Para("The biases get gradients too, but, as in the textbook, they keep their values here "
             "(an optimizer over model.parameters() would move them as well):"),
        Table(("bias", "parameter", "value", "dE_total/db (not applied)"),
              tuple((b.name, b.param, num(b.value), num(b.grad)) for b in example.biases)),
    ]


def _pictures(number: int, before: Path, after: Path) -> list[Block]:
    return [
        Heading(2, f"{number}. Pictures"),
        Para("The network before the update (weights and their gradients) and after it (the new weights):"),
        Table(("picture", "file"), (("before", str(before)), ("after", str(after))), frozenset({1})),
    ]


def _batch(number: int, comparison: BatchComparison) -> list[Block]:
    n = len(comparison.samples)
    samples, updates = plural(n, "sample"), plural(n, "update")
    return [
        Heading(2, f"{number}. Full batch versus SGD over {samples}"),
        Para(f"Both start from the textbook's weights with lr = {num(comparison.lr)} and move the weights only. "
             f"Full batch: one update with the gradients averaged over {samples}. SGD: {updates}, one "
             "per sample in order, each with that sample's gradient at the weights the previous update left. "
             "With one sample the two are the same update. "
             "The first sample is the textbook's; the others have inputs drawn uniformly from [0, 1] by "
             f"random.Random({comparison.seed}) and rounded to 2 decimals, with targets (0.01, 0.99) when "
             "i1 < i2 and (0.99, 0.01) otherwise."),
        Table(("sample", "i1", "i2", "target_o1", "target_o2"),
              tuple((str(k), *map(num, s.inputs), *map(num, s.targets))
                    for k, s in enumerate(comparison.samples, start=1))),
        Table(("weight", "start", f"mean dE_total/dw over {samples}", "full batch (1 update)", f"SGD ({updates})"),
              tuple((w.name, num(w.start), num(w.mean_grad), num(w.full_batch), num(w.sgd))
                    for w in comparison.weights)),
        Table(("weights", f"sum of E_total over {samples}"), (
            ("start", num(comparison.error_start)),
            ("after the full-batch update", num(comparison.error_full_batch)),
            (f"after SGD ({updates})", num(comparison.error_sgd)),
        )),
    ]


def document(example: WorkedExample, comparison: BatchComparison | None = None,
             pictures: tuple[Path, Path] | None = None) -> list[Block]:
    """The worked example, then the pictures and full batch versus SGD when there are any."""
    blocks = [*_introduction(example), *_forward(example), *_error(example), *_backward(example),
              *_update(example)]
    number = 5
    if pictures is not None:
        blocks += _pictures(number, *pictures)
        number += 1
    if comparison is not None:
        blocks += _batch(number, comparison)
    return blocks
