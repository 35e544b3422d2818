"""What `tinygrad_dk.explain` says about its numbers: the worked example as a document.

The numbers come computed, in a `BatchComparison`; this module only formats them (9
significant digits) and puts the words of one language (`tinygrad_dk.explain._words`) around
them, as blocks of `tinygrad_dk.explain._doc` that render as text or Markdown.
"""

from __future__ import annotations

from pathlib import Path

import tinygrad_dk.explain as _numbers
from tinygrad_dk.explain import (
    PUBLISHED_ERROR_AFTER,
    SOURCE,
    BatchComparison,
    BiasStep,
    Factor,
    WeightStep,
)
from tinygrad_dk.explain._doc import Block, Heading, Lines, Para, Table
from tinygrad_dk.explain._words import WORDS, Words


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


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _cost(c: BatchComparison) -> str:
    """The cost's name: a sample's E_total when the batch is that sample, else E, the mean of the E_total."""
    return "E_total" if len(c.samples) == 1 else "E"


def _first_is_mazurs(c: BatchComparison) -> bool:
    sample = c.samples[0]  # INPUTS and TARGETS read now, not at import: a test changes them
    return (sample.inputs, sample.targets) == (tuple(_numbers.INPUTS), tuple(_numbers.TARGETS))


def _introduction(c: BatchComparison, w: Words) -> list[Block]:
    n, first = len(c.samples), c.passes[0]
    author, title, url = SOURCE
    if n > 1:
        batch = (
            w.batch_many.format(n=n) + " " + (w.given if c.seed is None else w.drawn.format(others=n - 1, seed=c.seed))
        )
    else:
        batch = w.batch_one_mazur if _first_is_mazurs(c) else w.batch_one
    cost = "E_total = 1/2 * sum (target - out)^2" if n == 1 else f"E = (E_total[1] + ... + E_total[{n}]) / {n}"
    hidden_bias, output_bias = first.biases[0].value, first.biases[2].value
    return [
        Heading(1, w.title),
        Para(w.intro.format(author=author, title=title, url=url)),
        Para(w.terms),
        Para(batch),
        Table(
            (w.quantity, w.value),
            (
                *(
                    (f"{s.name} ({s.source} -> {s.target})", num(s.before))
                    for s in sorted(first.weights, key=lambda s: s.name)
                ),
                *((f"{b.name} ({b.param})", num(b.value)) for b in first.biases),
                (w.cost_function, cost),
                (w.learning_rate, num(c.lr)),
            ),
        ),
        Table(
            (w.sample, "i1", "i2", "target_o1", "target_o2"),
            tuple((str(k), *map(num, s.inputs), *map(num, s.targets)) for k, s in enumerate(c.samples, start=1)),
        ),
        Para(w.biases.format(b1=num(hidden_bias), b2=num(output_bias))),
    ]


def _sample_heading(c: BatchComparison, w: Words, k: int) -> list[Block]:
    """A heading naming sample k, when there is more than one."""
    if len(c.samples) == 1:
        return []
    (i1, i2), (t1, t2) = c.samples[k - 1].inputs, c.samples[k - 1].targets
    return [Heading(3, w.sample_heading.format(k=k, i1=num(i1), i2=num(i2), t1=num(t1), t2=num(t2)))]


def _forward(c: BatchComparison, w: Words) -> list[Block]:
    blocks: list[Block] = [Heading(2, w.forward_heading), Para(w.forward)]
    for k, example in enumerate(c.passes, start=1):
        lines: list[str] = []
        for n in example.neurons:
            pairs = list(zip(n.weights, n.inputs, strict=True))
            symbols = " + ".join(f"{wn} * {xn}" for (wn, _), (xn, _) in pairs)
            numbers = " + ".join(f"{term(wv)} * {term(xv)}" for (_, wv), (_, xv) in pairs)
            lines.append(f"net_{n.name} = {symbols} + {n.bias[0]} = {numbers} + {term(n.bias[1])} = {num(n.net)}")
            lines.append(f"out_{n.name} = sigmoid(net_{n.name}) = 1 / (1 + exp(-{term(n.net)})) = {num(n.out)}")
        blocks += [*_sample_heading(c, w, k), Lines(tuple(lines))]
    return blocks


def _errors(c: BatchComparison, w: Words) -> list[Block]:
    n = len(c.samples)
    blocks: list[Block] = [Heading(2, w.error_heading), Para(w.error_one if n == 1 else w.error_many)]
    for k, example in enumerate(c.passes, start=1):
        lines = [
            f"E_{e.name} = 1/2 * (target_{e.name} - out_{e.name})^2 = 1/2 * ({num(e.target)} - {num(e.out)})^2"
            f" = {num(e.error)}"
            for e in example.errors
        ]  # out is in (0, 1): no brackets needed
        lines.append(f"E_total = {' + '.join(f'E_{e.name}' for e in example.errors)} = {num(example.total_error)}")
        blocks += [*_sample_heading(c, w, k), Lines(tuple(lines))]
    if n > 1:
        names = " + ".join(f"E_total[{k}]" for k in range(1, n + 1))
        values = " + ".join(term(example.total_error) for example in c.passes)
        blocks.append(Lines((f"E = ({names}) / {n} = ({values}) / {n} = {num(c.error_start)}",)))
    return blocks


def _formulas(step: WeightStep | BiasStep) -> tuple[str, ...]:
    """The chain rule for one parameter in one line (two for a hidden one: its first factor is a sum)."""
    lines = []
    if step.through:
        first = step.factors[0]
        names = " + ".join(t.name for t in step.through)
        lines.append(f"{first.name} = {names} = {' + '.join(term(t.value) for t in step.through)} = {num(first.value)}")
    names = " * ".join(f.name for f in step.factors)
    values = " * ".join(term(f.value) for f in step.factors)
    lines.append(f"dE_total/d{step.name} = {names} = {values} = {num(step.grad)}")
    return tuple(lines)


def _rows(step: WeightStep | BiasStep, w: Words, lr: float | None) -> tuple[tuple[str, ...], ...]:
    """Every factor with its edges, the product, the engine's .grad and, given ``lr``, the update."""
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
    rows.append((f"{step.name}.grad", w.from_backward, num(step.engine_grad)))
    if lr is not None and isinstance(step, WeightStep):
        update = f"{term(step.before)} - {term(lr)} * {term(step.grad)}"
        rows.append((f"{step.name} - lr * dE_total/d{step.name}", update, num(step.after)))
    return tuple(rows)


def _parameter(step: WeightStep | BiasStep, w: Words, level: int, lr: float | None) -> list[Block]:
    if isinstance(step, WeightStep):
        heading = f"{step.name}: {step.source} -> {step.target} (parameter {step.param}) = {num(step.before)}"
    else:
        heading = w.bias_heading.format(name=step.name, neuron=step.target, param=step.param, value=num(step.value))
    return [
        Heading(level, heading),
        Lines(_formulas(step)),
        Table((w.quantity, w.edges, w.value), _rows(step, w, lr), frozenset({0, 1})),
    ]


def _backward(c: BatchComparison, w: Words) -> list[Block]:
    n = len(c.samples)
    blocks: list[Block] = [Heading(2, w.backward_heading), Para(w.backward + (w.backward_many if n > 1 else ""))]
    # With one sample its update follows each gradient at once, as in Mazur's post: the mean
    # of one gradient is that gradient. With more, the update waits for the mean (step 5).
    lr = c.lr if n == 1 else None
    for k, example in enumerate(c.passes, start=1):
        # an output weight reaches E_total along one output; a hidden one through every output
        for hidden in (False, True):
            if n == 1:
                heading = w.hidden_layer if hidden else w.output_layer
            else:
                heading = (w.hidden_layer_of if hidden else w.output_layer_of).format(k=k)
            blocks.append(Heading(3, heading))
            for step in example.steps():
                if bool(step.through) == hidden:
                    blocks += _parameter(step, w, 4, lr)
    return blocks


def _averaging(c: BatchComparison, w: Words) -> list[Block]:
    n, d = len(c.samples), f"d{_cost(c)}"

    def added(grads: tuple[float, ...]) -> str:
        return term(grads[0]) if len(grads) == 1 else f"({' + '.join(term(g) for g in grads)})"

    lines = [f"{d}/d{p.name} = {added(p.grads)} / {n} = {num(p.mean_grad)}" for p in (*c.weights, *c.biases)]
    return [
        Heading(2, w.averaging_heading),
        Para(w.averaging_one if n == 1 else w.averaging_many.format(n=n)),
        Lines(tuple(lines)),
    ]


def _update(c: BatchComparison, w: Words, stale: float | None) -> list[Block]:
    cost = _cost(c)
    d = f"d{cost}"
    blocks: list[Block] = [
        Heading(2, w.update_heading),
        Para(w.update_text.format(d=d, lr=num(c.lr))),
        Lines(
            tuple(
                f"{p.name} - lr * {d}/d{p.name} = {term(p.start)} - {term(c.lr)} * {term(p.mean_grad)} = "
                f"{num(p.full_batch)}"
                for p in c.weights
            )
        ),
        Lines(
            (
                w.cost_before.format(cost=cost, value=num(c.error_start)),
                w.cost_after.format(cost=cost, value=num(c.error_full_batch)),
            )
        ),
        Para(w.biases_kept),
    ]
    if stale is not None:
        w1 = c.passes[0].weight("w1").after
        blocks.append(
            Para(
                w.mazur_note.format(
                    published=num(PUBLISHED_ERROR_AFTER),
                    ours=num(c.error_full_batch),
                    stale=num(stale),
                    w1=num(w1),
                    published8=f"{PUBLISHED_ERROR_AFTER:.8f}",
                    ours8=f"{c.error_full_batch:.8f}",
                )
            )
        )
    return blocks


def _sgd(c: BatchComparison, w: Words) -> list[Block]:
    n, cost = len(c.samples), _cost(c)
    blocks: list[Block] = [Heading(2, w.sgd_heading), Para(w.sgd_one if n == 1 else w.sgd_many.format(n=n))]
    for k, (step, error) in enumerate(zip(c.sgd, c.sgd_errors, strict=True), start=1):
        weights = sorted(step.weights, key=lambda s: s.name)
        blocks += [
            Heading(3, w.step_heading.format(k=k)),
            Table(
                (w.weight, w.before, "dE_total/dw", w.after),
                tuple((s.name, num(s.before), num(s.grad), num(s.after)) for s in weights),
            ),
            Lines(
                (
                    w.step_error.format(k=k, value=num(step.total_error)),
                    w.step_cost.format(cost=cost, k=k, value=num(error)),
                )
            ),
        ]
    return blocks


def _versus(c: BatchComparison, w: Words) -> list[Block]:
    n, cost = len(c.samples), _cost(c)
    updates = _count(n, w.update, w.updates)
    return [
        Heading(2, w.versus_heading.format(samples=_count(n, w.sample, w.samples))),
        Para(w.versus.format(updates=updates)),
        Table(
            (w.weight, w.start, f"d{cost}/dw", w.full_batch, w.sgd.format(updates=updates)),
            tuple((p.name, num(p.start), num(p.mean_grad), num(p.full_batch), num(p.sgd)) for p in c.weights),
        ),
        Table(
            (w.weights, w.cost.format(cost=cost)),
            (
                (w.start, num(c.error_start)),
                (w.after_full_batch, num(c.error_full_batch)),
                (w.after_sgd.format(updates=updates), num(c.error_sgd)),
            ),
        ),
    ]


def _pictures(w: Words, number: int, before: Path, after: Path) -> list[Block]:
    return [
        Heading(2, w.pictures_heading.format(number=number)),
        Para(w.pictures),
        Table((w.picture, w.file), ((w.before, str(before)), (w.after, str(after))), frozenset({1})),
    ]


def document(
    comparison: BatchComparison, lang: str = "en", stale: float | None = None, pictures: tuple[Path, Path] | None = None
) -> list[Block]:
    """The worked example in ``lang``: forward, error, backward, averaging, the update, SGD, the two side by side.

    ``stale`` is the error after the update with w1..w4's gradients taken through the updated
    w5..w8, for the note on the number Mazur's post prints (only for his sample alone).
    """
    w = WORDS[lang]
    blocks = [
        *_introduction(comparison, w),
        *_forward(comparison, w),
        *_errors(comparison, w),
        *_backward(comparison, w),
        *_averaging(comparison, w),
        *_update(comparison, w, stale),
        *_sgd(comparison, w),
    ]
    number = 7
    if len(comparison.samples) > 1:  # with one sample, step 6 already says SGD made the same update
        blocks += _versus(comparison, w)
        number += 1
    if pictures is not None:
        blocks += _pictures(w, number, *pictures)
    return blocks
