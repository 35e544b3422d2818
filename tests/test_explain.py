"""The worked example against an independent hand calculation, Mazur's published numbers and its formats.

Every expected number here is computed in this file with plain floats and math.exp (`hand`),
never copied from the output; Mazur's published digits are the one outside check.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support import need_svg_renderer

import tinygrad_dk.explain as explain_module
from tinygrad_dk.cli import main
from tinygrad_dk.engine import Value, topological_order
from tinygrad_dk.explain import (
    MAX_SAMPLES,
    Sample,
    WorkedExample,
    compare_batch_sgd,
    draw_worked_graph,
    explain,
    make_samples,
    worked_example,
)
from tinygrad_dk.explain._doc import to_markdown, to_text
from tinygrad_dk.explain._story import document
from tinygrad_dk.viz import render

TOL = 1e-12
START = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55}
BIASES = {"b_h1": 0.35, "b_h2": 0.35, "b_o1": 0.60, "b_o2": 0.60}
LR = 0.5
MAZUR = Sample((0.05, 0.10), (0.01, 0.99))
# Mazur's published results (to the digits he publishes).
PUBLISHED_TOTAL_ERROR = "0.298371109"
PUBLISHED_UPDATES = {
    "w5": "0.35891648",
    "w6": "0.408666186",
    "w7": "0.511301270",
    "w8": "0.561370121",
    "w1": "0.149780716",
    "w2": "0.19956143",
    "w3": "0.24975114",
    "w4": "0.29950229",
}
PUBLISHED_ERROR_AFTER = "0.291027924"
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]\d+)?")
VALUE = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]\d+)?")  # a number on its own, not the 5 of w5


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The language comes from TINYGRAD_DK_LANG when not given: keep the developer's own out of the tests."""
    monkeypatch.delenv("TINYGRAD_DK_LANG", raising=False)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def hand(
    w: dict[str, float], x: tuple[float, float], t: tuple[float, float], b_hidden: float = 0.35, b_output: float = 0.60
) -> dict[str, float]:
    """Every number of the example, by hand: Mazur's chain rule in plain floats."""
    i1, i2 = x
    t1, t2 = t
    r: dict[str, float] = {}
    # forward
    r["net_h1"] = w["w1"] * i1 + w["w2"] * i2 + b_hidden
    r["net_h2"] = w["w3"] * i1 + w["w4"] * i2 + b_hidden
    r["out_h1"], r["out_h2"] = sigmoid(r["net_h1"]), sigmoid(r["net_h2"])
    r["net_o1"] = w["w5"] * r["out_h1"] + w["w6"] * r["out_h2"] + b_output
    r["net_o2"] = w["w7"] * r["out_h1"] + w["w8"] * r["out_h2"] + b_output
    r["out_o1"], r["out_o2"] = sigmoid(r["net_o1"]), sigmoid(r["net_o2"])
    r["E_o1"] = 0.5 * (t1 - r["out_o1"]) ** 2
    r["E_o2"] = 0.5 * (t2 - r["out_o2"]) ** 2
    r["E_total"] = r["E_o1"] + r["E_o2"]
    # output layer: dE/dout = -(target - out), dout/dnet = out (1 - out), dnet/dw = the input of the weight
    r["dE_total/dout_o1"] = -(t1 - r["out_o1"])
    r["dE_total/dout_o2"] = -(t2 - r["out_o2"])
    r["dout_o1/dnet_o1"] = r["out_o1"] * (1 - r["out_o1"])
    r["dout_o2/dnet_o2"] = r["out_o2"] * (1 - r["out_o2"])
    r["dnet_o1/dw5"], r["dnet_o1/dw6"] = r["out_h1"], r["out_h2"]
    r["dnet_o2/dw7"], r["dnet_o2/dw8"] = r["out_h1"], r["out_h2"]
    delta_o1 = r["dE_total/dout_o1"] * r["dout_o1/dnet_o1"]
    delta_o2 = r["dE_total/dout_o2"] * r["dout_o2/dnet_o2"]
    r["dE_total/dw5"] = delta_o1 * r["out_h1"]
    r["dE_total/dw6"] = delta_o1 * r["out_h2"]
    r["dE_total/dw7"] = delta_o2 * r["out_h1"]
    r["dE_total/dw8"] = delta_o2 * r["out_h2"]
    # hidden layer: dE/dout_h sums over both outputs; dnet_o/dout_h is the weight from h to o
    r["dnet_o1/dout_h1"], r["dnet_o2/dout_h1"] = w["w5"], w["w7"]
    r["dnet_o1/dout_h2"], r["dnet_o2/dout_h2"] = w["w6"], w["w8"]
    r["dE_o1/dout_h1"] = delta_o1 * w["w5"]
    r["dE_o2/dout_h1"] = delta_o2 * w["w7"]
    r["dE_o1/dout_h2"] = delta_o1 * w["w6"]
    r["dE_o2/dout_h2"] = delta_o2 * w["w8"]
    r["dE_total/dout_h1"] = r["dE_o1/dout_h1"] + r["dE_o2/dout_h1"]
    r["dE_total/dout_h2"] = r["dE_o1/dout_h2"] + r["dE_o2/dout_h2"]
    r["dout_h1/dnet_h1"] = r["out_h1"] * (1 - r["out_h1"])
    r["dout_h2/dnet_h2"] = r["out_h2"] * (1 - r["out_h2"])
    r["dnet_h1/dw1"], r["dnet_h1/dw2"], r["dnet_h2/dw3"], r["dnet_h2/dw4"] = i1, i2, i1, i2
    r["dE_total/dw1"] = r["dE_total/dout_h1"] * r["dout_h1/dnet_h1"] * i1
    r["dE_total/dw2"] = r["dE_total/dout_h1"] * r["dout_h1/dnet_h1"] * i2
    r["dE_total/dw3"] = r["dE_total/dout_h2"] * r["dout_h2/dnet_h2"] * i1
    r["dE_total/dw4"] = r["dE_total/dout_h2"] * r["dout_h2/dnet_h2"] * i2
    # biases (each neuron's own): dnet/db = 1
    for neuron in ("h1", "h2", "o1", "o2"):
        r[f"dnet_{neuron}/db_{neuron}"] = 1.0
    r["dE_total/db_h1"] = r["dE_total/dout_h1"] * r["dout_h1/dnet_h1"]
    r["dE_total/db_h2"] = r["dE_total/dout_h2"] * r["dout_h2/dnet_h2"]
    r["dE_total/db_o1"], r["dE_total/db_o2"] = delta_o1, delta_o2
    return r


def grads(w: dict[str, float], sample: Sample) -> dict[str, float]:
    """Every parameter's gradient for one sample, by hand: w1 ... w8, then b_h1 ... b_o2."""
    r = hand(w, sample.inputs, sample.targets)
    return {name: r[f"dE_total/d{name}"] for name in (*START, *BIASES)}


def cost(w: dict[str, float], samples: tuple[Sample, ...]) -> float:
    """The batch's cost: the mean of E_total over the samples."""
    return sum(hand(w, s.inputs, s.targets)["E_total"] for s in samples) / len(samples)


def full_batch(samples: tuple[Sample, ...]) -> tuple[dict[str, float], dict[str, float]]:
    """The mean gradients (weights and biases) and the weights after one full-batch update, by hand."""
    per_sample = [grads(START, s) for s in samples]
    mean = {name: sum(g[name] for g in per_sample) / len(samples) for name in per_sample[0]}
    return mean, {name: START[name] - LR * mean[name] for name in START}


def sgd(samples: tuple[Sample, ...]) -> list[tuple[dict[str, float], dict[str, float]]]:
    """Each SGD step's gradients and the weights after it, by hand: one update per sample, in order."""
    steps, w = [], dict(START)
    for s in samples:
        g = grads(w, s)
        w = {name: w[name] - LR * g[name] for name in w}
        steps.append((g, w))
    return steps


def g9(x: float) -> str:
    """A number as the output prints it."""
    return f"{x:.9g}"


def term(x: float) -> str:
    """A number inside a printed formula: negative ones in brackets."""
    return f"({g9(x)})" if x < 0 else g9(x)


def computed_lines(text: str) -> list[str]:
    """The indented lines of the text format: formulas and tables, the numbers without the prose."""
    return [line for line in text.splitlines() if line.startswith("    ")]


@pytest.fixture(scope="module")
def example() -> WorkedExample:
    return worked_example()


@pytest.fixture(scope="module")
def expected() -> dict[str, float]:
    return hand(START, (0.05, 0.10), (0.01, 0.99))


# --- the numbers, against the hand calculation ---


def test_forward_pass_matches_hand(example: WorkedExample, expected: dict[str, float]) -> None:
    assert [n.name for n in example.neurons] == ["h1", "h2", "o1", "o2"]
    for n in example.neurons:
        assert n.net == pytest.approx(expected[f"net_{n.name}"], abs=TOL)
        assert n.out == pytest.approx(expected[f"out_{n.name}"], abs=TOL)
    h1, _, o1, _ = example.neurons
    assert h1.weights == (("w1", 0.15), ("w2", 0.20)) and h1.inputs == (("i1", 0.05), ("i2", 0.10))
    assert h1.bias == ("b_h1", 0.35)
    assert o1.weights == (("w5", 0.40), ("w6", 0.45)) and o1.bias == ("b_o1", 0.60)
    assert [name for name, _ in o1.inputs] == ["out_h1", "out_h2"]
    assert o1.inputs[0][1] == pytest.approx(expected["out_h1"], abs=TOL)


def test_errors_match_hand(example: WorkedExample, expected: dict[str, float]) -> None:
    assert [(e.name, e.target) for e in example.errors] == [("o1", 0.01), ("o2", 0.99)]
    for e in example.errors:
        assert e.out == pytest.approx(expected[f"out_{e.name}"], abs=TOL)
        assert e.error == pytest.approx(expected[f"E_{e.name}"], abs=TOL)
    assert example.total_error == pytest.approx(expected["E_total"], abs=TOL)
    assert example.loss.data == example.total_error


def test_every_factor_gradient_and_update_matches_hand(example: WorkedExample, expected: dict[str, float]) -> None:
    assert [s.name for s in example.weights] == ["w5", "w6", "w7", "w8", "w1", "w2", "w3", "w4"]
    for step in example.weights:
        assert step.before == START[step.name]
        for factor in step.factors:
            assert factor.value == pytest.approx(expected[factor.name], abs=TOL), factor.name
        for term in step.through:
            assert term.value == pytest.approx(expected[term.name], abs=TOL), term.name
            for factor in term.factors:
                assert factor.value == pytest.approx(expected[factor.name], abs=TOL), factor.name
        assert len(step.through) == (2 if step.target in ("h1", "h2") else 0)
        assert step.grad == pytest.approx(expected[f"dE_total/d{step.name}"], abs=TOL)
        assert step.after == pytest.approx(START[step.name] - LR * expected[f"dE_total/d{step.name}"], abs=TOL)
    for bias in example.biases:
        assert bias.grad == pytest.approx(expected[f"dE_total/d{bias.name}"], abs=TOL)
        for factor in (*bias.factors, *(f for t in bias.through for f in t.factors)):
            assert factor.value == pytest.approx(expected[factor.name], abs=TOL), factor.name
        assert len(bias.through) == (2 if bias.target in ("h1", "h2") else 0)
    assert [b.value for b in example.biases] == [0.35, 0.35, 0.60, 0.60]
    assert [b.target for b in example.biases] == ["h1", "h2", "o1", "o2"]


def test_factor_names_follow_mazur(example: WorkedExample) -> None:
    w5, w1 = example.weight("w5"), example.weight("w1")
    assert [f.name for f in w5.factors] == ["dE_total/dout_o1", "dout_o1/dnet_o1", "dnet_o1/dw5"]
    assert [f.name for f in w1.factors] == ["dE_total/dout_h1", "dout_h1/dnet_h1", "dnet_h1/dw1"]
    assert [t.name for t in w1.through] == ["dE_o1/dout_h1", "dE_o2/dout_h1"]
    assert [f.name for f in w1.through[1].factors] == ["dE_total/dout_o2", "dout_o2/dnet_o2", "dnet_o2/dout_h1"]
    b_h1 = example.biases[0]
    assert [f.name for f in b_h1.factors] == ["dE_total/dout_h1", "dout_h1/dnet_h1", "dnet_h1/db_h1"]
    assert [t.name for t in b_h1.through] == ["dE_o1/dout_h1", "dE_o2/dout_h1"]
    with pytest.raises(KeyError, match="no weight named 'w9'"):
        example.weight("w9")
    assert [s.name for s in example.steps()] == [
        "w5",
        "w6",
        "w7",
        "w8",
        "w1",
        "w2",
        "w3",
        "w4",
        "b_h1",
        "b_h2",
        "b_o1",
        "b_o2",
    ]


def test_each_gradient_is_the_parameters_grad_after_backward(example: WorkedExample) -> None:
    params = dict(example.model.named_parameters())
    for step in example.weights:
        assert step.engine_grad == params[step.param].grad != 0.0
        assert step.grad == pytest.approx(params[step.param].grad, abs=TOL)
    for bias in example.biases:
        assert bias.engine_grad == params[bias.param].grad != 0.0
        assert bias.grad == pytest.approx(params[bias.param].grad, abs=TOL)
    assert example.weight("w1").param == "layers.0.neurons.0.w.0"
    assert example.weight("w7").param == "layers.1.neurons.1.w.0"


def test_factors_are_products_of_the_graphs_local_derivatives(example: WorkedExample) -> None:
    for step in example.steps():
        for factor in (*step.factors, *(f for term in step.through for f in term.factors)):
            assert factor.paths, factor.name
            assert factor.value == pytest.approx(
                sum(math.prod(e.local for e in path) for path in factor.paths), abs=TOL
            )
        d_error, d_out, d_net = step.factors
        assert [e.op for e in d_out.paths[0]] == ["sigmoid"]
        if step.name.startswith("w"):
            assert d_net.paths[0][-1].op == "mul" and d_net.paths[0][-1].local == d_net.value  # w * input
        else:  # net = ... + b: only additions between net and b
            assert {e.op for e in d_net.paths[0]} == {"add"} and d_net.value == 1.0
        if not step.through:
            assert "powk" in [e.op for e in d_error.paths[0]]  # the square of half_sse
        else:  # dE_total/dout_h: one path through each output
            assert len(d_error.paths) == 2
            assert d_error.value == pytest.approx(sum(t.value for t in step.through), abs=TOL)
    # the edges of the graph itself: the sigmoid edge below out_o1 carries out_o1 * (1 - out_o1)
    out_o1 = example.loss  # E_total's first operand leads to out_o1 (its first output's error)
    while out_o1.op != "sigmoid":
        out_o1 = out_o1.children[0]
    assert example.weight("w5").factors[1].paths[0][0].local == out_o1.local_grads[0]
    # reading the paths left the graph as backward() made it: inner nodes keep their gradients
    assert out_o1.grad == pytest.approx(example.weight("w5").factors[0].value, abs=TOL) != 0.0


def test_updated_model_holds_the_new_weights_and_old_biases(example: WorkedExample, expected: dict[str, float]) -> None:
    state = example.updated.state_dict()
    for step in example.weights:
        assert state[step.param] == step.after
    assert [state[b.param] for b in example.biases] == [0.35, 0.35, 0.60, 0.60]
    new = {name: START[name] - LR * expected[f"dE_total/d{name}"] for name in START}
    assert example.total_error_after == pytest.approx(hand(new, (0.05, 0.10), (0.01, 0.99))["E_total"], abs=TOL)
    assert example.total_error_after < example.total_error


def test_the_example_is_computed_not_written_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(explain_module, "INPUTS", (0.3, 0.7))
    monkeypatch.setattr(explain_module, "TARGETS", (0.9, 0.2))
    monkeypatch.setattr(explain_module, "LEARNING_RATE", 0.1)
    other, r = worked_example(), hand(START, (0.3, 0.7), (0.9, 0.2))
    assert other.total_error == pytest.approx(r["E_total"], abs=TOL)
    for step in other.weights:
        assert step.after == pytest.approx(START[step.name] - 0.1 * r[f"dE_total/d{step.name}"], abs=TOL)
    text = explain()
    assert f"= {r['E_total']:.9g}\n" in text
    assert "Mazur's own sample" in text and PUBLISHED_ERROR_AFTER not in text  # the note is about 0.5 and his sample


def test_a_sample_is_given_as_four_numbers_or_a_sample() -> None:
    given = (0.3, 0.7, 0.9, 0.2)
    other, r = worked_example(given), hand(START, (0.3, 0.7), (0.9, 0.2))
    assert other.sample == Sample((0.3, 0.7), (0.9, 0.2)) and other.sample.inputs == (0.3, 0.7)
    assert other.total_error == pytest.approx(r["E_total"], abs=TOL)
    assert worked_example(MAZUR).total_error == worked_example().total_error
    assert Sample((1, 0), (0, 1)).inputs == (1.0, 0.0)  # ints become floats, as in the engine


# --- the published numbers in the output ---


def _appears(published: str, text: str) -> bool:
    """Some number in ``text`` equals ``published`` when rounded to the digits published."""
    decimals = len(published.split(".")[1])
    return any(f"{float(token):.{decimals}f}" == published for token in NUMBER.findall(text))


@pytest.mark.parametrize("fmt", ["text", "markdown"])
@pytest.mark.parametrize("lang", ["en", "da"])
def test_published_values_appear_in_the_output(fmt: str, lang: str) -> None:
    text = explain(format=fmt, lang=lang)
    assert f"E_total = E_o1 + E_o2 = {PUBLISHED_TOTAL_ERROR}" in text
    for name, published in PUBLISHED_UPDATES.items():
        rows = re.findall(rf"^.*\b{name} - lr \* dE_total/d{name}\b.*$", text, re.MULTILINE)
        assert len(rows) == 2, name  # in the chain rule's table and in the full-batch update
        for row in rows:
            assert _appears(published, NUMBER.findall(row)[-1]), (name, row)


def test_published_values_in_the_json() -> None:
    data = json.loads(explain(format="json"))
    assert f"{data['error_before']:.9f}" == PUBLISHED_TOTAL_ERROR
    for name, published in PUBLISHED_UPDATES.items():
        assert _appears(published, repr(data["weights_after"][name])), name


def test_no_number_is_lost_between_formats() -> None:
    for samples in (None, 3):
        text, markdown = explain(format="text", samples=samples), explain(format="markdown", samples=samples)
        assert NUMBER.findall(text) and sorted(NUMBER.findall(text)) == sorted(NUMBER.findall(markdown))


def test_text_format_reads_as_plain_text() -> None:
    text = explain(format="text")
    lines = text.splitlines()
    assert lines[0] == "Backpropagation, worked step by step" and set(lines[1]) == {"="}
    index = lines.index("1. Forward pass")
    assert set(lines[index + 1]) == {"-"} and len(lines[index + 1]) == len(lines[index])
    assert "|" not in text and "```" not in text and not any(line.startswith("#") for line in lines)
    assert "    net_h1 = w1 * i1 + w2 * i2 + b_h1 = 0.15 * 0.05 + 0.2 * 0.1 + 0.35 = 0.3775" in lines
    assert max(map(len, lines)) < 140


def _tables(lines: list[str]) -> int:
    """How many Markdown tables, each checked: a header above its separator and rows as wide below."""
    tables = 0
    for k, line in enumerate(lines):
        if re.fullmatch(r"\|( --- \|)+", line):
            tables += 1
            width = lines[k - 1].count(" | ")
            assert lines[k - 1].startswith("| ") and line.count("---") == width + 1
            rows = [row for row in lines[k + 1 :] if row.startswith("|")][:1]
            assert rows and rows[0].count(" | ") == width
    return tables


def test_markdown_format_has_headings_tables_and_code_blocks() -> None:
    markdown = explain(format="markdown")
    lines = markdown.splitlines()
    assert lines[0] == "# Backpropagation, worked step by step"
    for heading in (
        "## 1. Forward pass",
        "## 2. Error",
        "## 3. Backward pass: the chain rule along the graph's edges",
        "## 4. Averaging over the batch",
        "## 5. The full-batch update",
        "## 6. SGD: the same samples, one at a time",
        "### Output layer",
        "### Hidden layer",
        "#### w5: h1 -> o1 (parameter layers.1.neurons.0.w.0) = 0.4",
        "#### b_o1: bias of o1 (parameter layers.1.neurons.0.b) = 0.6",
        "### Step 1: sample 1",
    ):
        assert heading in lines, heading
    assert not any(line.startswith("## 7.") for line in lines)  # one sample: SGD made the full batch's update
    # code blocks: forward, error, 12 chains, averaging, update, costs, the SGD step
    assert markdown.count("```text") == 18 and markdown.count("```") == 36
    assert _tables(lines) == 2 + 12 + 1  # the setting and the sample, one per parameter, the SGD step
    assert "| `dE_total/dw5` | `0.74136507 * 0.186815602 * 0.593269992` | 0.0821670406 |" in lines
    assert _tables(explain(format="markdown", samples=3).splitlines()) == 2 + 3 * 12 + 3 + 2


def test_the_renderers_only_format_the_computed_result() -> None:
    # a result with one number changed: both renderers show the change, and compute nothing of their own
    comparison = compare_batch_sgd()
    changed = dataclasses.replace(
        comparison, passes=(dataclasses.replace(comparison.passes[0], total_error=0.123456789),)
    )
    blocks = document(changed)
    for text in (to_text(blocks), to_markdown(blocks)):
        assert "E_total = E_o1 + E_o2 = 0.123456789" in text and "E_total = E_o1 + E_o2 = 0.298371109" not in text
    assert to_text(document(comparison)) == explain(format="text").replace(_mazur_note(), "")
    assert to_markdown(document(comparison, "da")) == explain(format="markdown", lang="da").replace(
        _mazur_note("da"), ""
    )


def _mazur_note(lang: str = "en") -> str:
    """The paragraph on the number Mazur's post prints, as explain() writes it after a blank line."""
    text = explain(format="markdown" if lang == "da" else "text", lang=lang)
    start = text.index("\n\nMazur")
    return text[start : text.index("\n\n", start + 2)]


# --- the chain rule, the average and the update, line by line against the hand calculation ---


@pytest.mark.parametrize("samples", [(MAZUR,), make_samples(3, seed=2)], ids=["one", "three"])
def test_every_printed_gradient_average_and_update_is_the_hand_calculation(samples: tuple[Sample, ...]) -> None:
    text, n = explain(samples=list(samples)), len(samples)
    cost_name = "E_total" if n == 1 else "E"
    for s in samples:  # each sample's chain for w5 and for the hidden bias b_h1, in one line
        r = hand(START, s.inputs, s.targets)
        chain = [r["dE_total/dout_o1"], r["dout_o1/dnet_o1"], r["dnet_o1/dw5"]]
        assert (
            f"    dE_total/dw5 = dE_total/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5 = "
            f"{' * '.join(map(term, chain))} = {g9(r['dE_total/dw5'])}"
        ) in text
        shares = [r["dE_o1/dout_h1"], r["dE_o2/dout_h1"]]
        assert (
            f"    dE_total/dout_h1 = dE_o1/dout_h1 + dE_o2/dout_h1 = {' + '.join(map(term, shares))} = "
            f"{g9(r['dE_total/dout_h1'])}"
        ) in text
        assert (
            f"    dE_total/db_h1 = dE_total/dout_h1 * dout_h1/dnet_h1 * dnet_h1/db_h1 = "
            f"{term(r['dE_total/dout_h1'])} * {term(r['dout_h1/dnet_h1'])} * 1 = "
            f"{g9(r['dE_total/db_h1'])}"
        ) in text
    per_sample = [grads(START, s) for s in samples]
    mean, after = full_batch(samples)
    for name in (*START, *BIASES):  # the average, parameter by parameter
        added = " + ".join(term(g[name]) for g in per_sample)
        added = added if n == 1 else f"({added})"
        assert f"    d{cost_name}/d{name} = {added} / {n} = {g9(mean[name])}\n" in text, name
    for name in START:  # the one full-batch update, against the gradient
        assert (
            f"    {name} - lr * d{cost_name}/d{name} = {term(START[name])} - 0.5 * {term(mean[name])} = "
            f"{g9(after[name])}\n"
        ) in text, name
    assert f"{cost_name} before the update = {g9(cost(START, samples))}\n" in text
    assert f"{cost_name} after the update  = {g9(cost(after, samples))}\n" in text
    for k, (g, w) in enumerate(sgd(samples), start=1):  # SGD, one sample at a time
        step = text.split(f"Step {k}: sample {k}\n")[1].split("\n\n\n")[0]
        for name in START:
            assert re.search(
                rf"^    {name} +\S+ +{re.escape(g9(g[name]))} +{re.escape(g9(w[name]))}$", step, re.MULTILINE
            ), (k, name)
        assert f"{cost_name} after step {k} = {g9(cost(w, samples))}\n" in step


def test_gradient_descent_moves_against_the_gradient() -> None:
    for lang in ("en", "da"):
        text = explain(lang=lang, samples=2).lower()
        assert "direction of the gradient" not in text and "in the direction of" not in text
        assert "gradientens retning" not in text and "i retning af" not in text
    assert "against its gradient" in explain() and "modsat sin gradient" in explain(lang="da")


# --- Mazur's number after the update ---


def _mazur_error_after(weights: dict[str, float], rounding: Callable[[float], float] = float) -> float:
    """E_total for Mazur's sample at ``weights``, every value passed through ``rounding``."""
    r, i1, i2 = rounding, 0.05, 0.10
    h1 = r(sigmoid(r(weights["w1"] * i1 + weights["w2"] * i2 + 0.35)))
    h2 = r(sigmoid(r(weights["w3"] * i1 + weights["w4"] * i2 + 0.35)))
    o1 = r(sigmoid(r(weights["w5"] * h1 + weights["w6"] * h2 + 0.60)))
    o2 = r(sigmoid(r(weights["w7"] * h1 + weights["w8"] * h2 + 0.60)))
    return r(r(0.5 * (0.01 - o1) ** 2) + r(0.5 * (0.99 - o2) ** 2))


def _mazur_update(rounding: Callable[[float], float] = float, through_updated: bool = False) -> dict[str, float]:
    """Mazur's one update by hand, every value through ``rounding``; optionally sending the hidden
    gradients back through the already updated w5..w8 instead of the weights of the forward pass."""
    r, w, (i1, i2), (t1, t2) = rounding, START, MAZUR.inputs, MAZUR.targets
    h1, h2 = r(sigmoid(r(w["w1"] * i1 + w["w2"] * i2 + 0.35))), r(sigmoid(r(w["w3"] * i1 + w["w4"] * i2 + 0.35)))
    o1, o2 = r(sigmoid(r(w["w5"] * h1 + w["w6"] * h2 + 0.60))), r(sigmoid(r(w["w7"] * h1 + w["w8"] * h2 + 0.60)))
    d1, d2 = r(r(o1 - t1) * r(o1 * (1 - o1))), r(r(o2 - t2) * r(o2 * (1 - o2)))
    new = {
        "w5": r(w["w5"] - LR * r(d1 * h1)),
        "w6": r(w["w6"] - LR * r(d1 * h2)),
        "w7": r(w["w7"] - LR * r(d2 * h1)),
        "w8": r(w["w8"] - LR * r(d2 * h2)),
    }
    back = new if through_updated else w
    e1 = r(r(r(d1 * back["w5"]) + r(d2 * back["w7"])) * r(h1 * (1 - h1)))
    e2 = r(r(r(d1 * back["w6"]) + r(d2 * back["w8"])) * r(h2 * (1 - h2)))
    new |= {
        "w1": r(w["w1"] - LR * r(e1 * i1)),
        "w2": r(w["w2"] - LR * r(e1 * i2)),
        "w3": r(w["w3"] - LR * r(e2 * i1)),
        "w4": r(w["w4"] - LR * r(e2 * i2)),
    }
    return new


def test_why_mazurs_post_prints_a_different_error_after_the_update() -> None:
    # 1. The claim the text makes, checked with plain floats: rounding does not make 0.291027924 ...
    published = {name: float(value) for name, value in PUBLISHED_UPDATES.items()}
    assert f"{_mazur_error_after(published):.8f}" == "0.29102777"  # from the weights the post prints
    for digits in range(9, 11):  # every value rounded to the digits the post shows (decimals or significant)
        for rounding in (lambda x, d=digits: round(x, d), lambda x, d=digits: float(f"{x:.{d}g}")):
            assert f"{_mazur_error_after(_mazur_update(rounding), rounding):.8f}" == "0.29102777"
    # ... but sending the deltas back through the updated w5..w8 does, to all nine digits, and it
    # changes w1..w4 (while the post's w1..w4 are the correct ones)
    stale = _mazur_update(through_updated=True)
    assert f"{_mazur_error_after(stale):.9f}" == PUBLISHED_ERROR_AFTER
    assert f"{stale['w1']:.9f}" != PUBLISHED_UPDATES["w1"] == f"{_mazur_update()['w1']:.9f}"
    # 2. The engine's numbers in the text and the JSON agree with that
    exact = _mazur_error_after(_mazur_update())
    text, data = explain(), json.loads(explain(format="json"))
    assert f"{exact:.9f}" == "0.291027774" and "Mazur's post prints 0.291027924" in text
    assert f"we print {g9(exact)}." in text and f"after the update is {g9(_mazur_error_after(stale))}." in text
    assert data["mazur"] == {
        "published_error_after": float(PUBLISHED_ERROR_AFTER),
        "error_after": pytest.approx(exact, abs=TOL),
        "error_after_through_updated_w5_w8": pytest.approx(_mazur_error_after(stale), abs=TOL),
    }
    assert "https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/" in text
    assert "A Step by Step Backpropagation Example" in text and "Matt Mazur" in text


@pytest.mark.parametrize("samples", [3, [(0.3, 0.7, 0.9, 0.2)]], ids=["batch", "another-sample"])
def test_the_note_on_mazurs_number_is_only_for_his_sample_alone(samples: Any) -> None:
    text = " ".join(explain(samples=samples).split())
    assert PUBLISHED_ERROR_AFTER not in text and "mazur" not in json.loads(explain(format="json", samples=samples))
    assert "Mazur's own sample" not in text
    assert ("Sample 1 is Mazur's" in text) == (samples == 3)
    assert ("This run is a full batch of size 1: the sample below." in text) == (samples != 3)


# --- the words: the post's terms, one sample as a full batch of size 1, English and Danish ---


def test_the_text_defines_the_posts_terms() -> None:
    text = " ".join(explain().split())  # paragraphs unwrapped
    for phrase in (
        "cost function (also called the loss)",
        "fully connected",
        "activation function",
        "An epoch is, in Meldgaard's post, one forward and one backward iteration, and here one pass over the data",
        "For full batch the two are the same",
        "a full batch of size 1",
        "Forståelse og Kodning af Neuralt Netværk fra bunden i Python",
    ):
        assert phrase in text, phrase
    many = " ".join(explain(samples=3).split())
    assert "a full batch of 3 samples" in many and "the mean of the samples' gradients" in many
    assert "a full batch of size 1" not in many


def test_danish_uses_the_posts_words() -> None:
    text = " ".join(explain(lang="da").split()).lower()
    for word in (
        "vægte",
        "bias",
        "aktiveringsfunktion",
        "fremadrettet propagering",
        "tilbagepropagering",
        "epoke",
        "omkostningsfunktion",
        "fuld batch",
        "fuldt forbundet",
        "en fuld batch af størrelse 1",
    ):
        assert word in text, word
    for english in ("forward pass", "backward pass", "the update", "sample", "weight "):
        assert english not in text, english


@pytest.mark.parametrize("samples", [None, 3])
@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_danish_and_english_print_the_same_numbers(samples: int | None, fmt: str) -> None:
    english, danish = explain(samples=samples, format=fmt), explain(samples=samples, format=fmt, lang="da")
    if fmt == "text":  # the formulas and tables: prose says numbers in its own order
        english, danish = "\n".join(computed_lines(english)), "\n".join(computed_lines(danish))
    else:
        english, danish = (
            "\n".join(re.findall(r"```text\n(.*?)```", english, re.S)),
            "\n".join(re.findall(r"```text\n(.*?)```", danish, re.S)),
        )
    assert VALUE.findall(english) and VALUE.findall(english) == VALUE.findall(danish)


def test_the_language_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINYGRAD_DK_LANG", "da")
    assert explain().startswith("Tilbagepropagering, regnet igennem trin for trin\n")
    assert explain(lang="en").startswith("Backpropagation, worked step by step\n")  # lang= wins
    monkeypatch.setenv("TINYGRAD_DK_LANG", "")
    assert explain().startswith("Backpropagation")
    monkeypatch.setenv("TINYGRAD_DK_LANG", "de")
    with pytest.raises(
        ValueError,
        match=r"TINYGRAD_DK_LANG='de' is not a language explain knows: set it to one "
        r"of 'en', 'da' or unset it",
    ):
        explain()
    with pytest.raises(ValueError, match=r"unknown language 'fr': use one of 'en', 'da'"):
        explain(lang="fr")


# --- the JSON ---


@pytest.mark.parametrize("samples", [None, 3])
def test_json_holds_every_number_printed_under_stable_names(samples: int | None) -> None:
    data = json.loads(explain(format="json", samples=samples))
    assert {
        "error_before",
        "error_after",
        "weights_after",
        "updated",
        "not_updated",
        "passes",
        "mean_gradients",
        "sgd",
        "samples",
        "learning_rate",
        "weights_before",
        "biases",
        "source",
    } <= set(data)
    assert list(data["weights_after"]) == list(START) and data["updated"] == list(START)
    assert data["not_updated"] == list(BIASES) and data["biases"] == BIASES
    floats: set[str] = set()

    def collect(value: object) -> None:
        if isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            floats.add(g9(abs(value)))  # unsigned: the text writes sigmoid(net) with exp(-net)

    collect(data)
    n = len(data["samples"])
    structural = {str(k) for k in range(n + 1)} | {"2"}  # 1/2, ^2, sample numbers, "/ n"
    for text in (explain(samples=samples), explain(samples=samples, lang="da")):
        printed = {token.lstrip("-") for line in computed_lines(text) for token in VALUE.findall(line)}
        missing = printed - floats - structural
        assert not missing, sorted(missing)


@pytest.mark.parametrize("samples", [(MAZUR,), make_samples(3, seed=0)], ids=["one", "three"])
def test_json_numbers_are_the_hand_calculation(samples: tuple[Sample, ...]) -> None:
    data = json.loads(explain(format="json", samples=list(samples)))
    mean, after = full_batch(samples)
    assert data["error_before"] == pytest.approx(cost(START, samples), abs=TOL)
    assert data["error_after"] == pytest.approx(cost(after, samples), abs=TOL)
    assert data["weights_after"] == pytest.approx(after, abs=TOL)
    assert data["weights_before"] == START and data["learning_rate"] == LR
    for name in (*START, *BIASES):
        assert data["mean_gradients"][name]["mean"] == pytest.approx(mean[name], abs=TOL)
    for s, one in zip(samples, data["passes"], strict=True):
        r = hand(START, s.inputs, s.targets)
        assert one["forward"] == pytest.approx({k: r[k] for k in one["forward"]}, abs=TOL)
        assert list(one["forward"]) == ["net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1", "net_o2", "out_o2"]
        assert one["error"] == pytest.approx({"E_o1": r["E_o1"], "E_o2": r["E_o2"], "E_total": r["E_total"]}, abs=TOL)
        assert list(one["gradients"]) == [*START, *BIASES]
        for name, gradient in one["gradients"].items():
            assert gradient["value"] == pytest.approx(r[f"dE_total/d{name}"], abs=TOL)
            assert gradient["grad"] == pytest.approx(r[f"dE_total/d{name}"], abs=TOL)
            for factor_name, factor in gradient["factors"].items():
                assert factor["value"] == pytest.approx(r[factor_name], abs=TOL), factor_name
                assert factor["value"] == pytest.approx(
                    sum(math.prod(edge["local"] for edge in path) for path in factor["paths"]), abs=TOL
                )
            for term_name, share in gradient["through"].items():
                assert share["value"] == pytest.approx(r[term_name], abs=TOL), term_name
    for (g, w), step in zip(sgd(samples), data["sgd"]["steps"], strict=True):
        assert step["gradients"] == pytest.approx({name: g[name] for name in START}, abs=TOL)
        assert step["weights_after"] == pytest.approx(w, abs=TOL)
        assert step["error_after"] == pytest.approx(cost(w, samples), abs=TOL)
    assert data["sgd"]["error_after"] == pytest.approx(cost(sgd(samples)[-1][1], samples), abs=TOL)


# --- full batch versus SGD ---


def test_samples_are_deterministic_and_start_with_mazurs() -> None:
    samples = make_samples(6, seed=3)
    assert samples == make_samples(6, seed=3) != make_samples(6, seed=4)
    assert samples[0] == Sample((0.05, 0.10), (0.01, 0.99))
    for s in samples:
        assert all(0.0 <= x <= 1.0 and round(x, 2) == x for x in s.inputs)
        assert s.targets == ((0.01, 0.99) if s.inputs[0] < s.inputs[1] else (0.99, 0.01))
    assert make_samples(1) == (samples[0],)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_full_batch_and_sgd_match_independent_updates(n: int) -> None:
    comparison = compare_batch_sgd(n, seed=7)
    samples = make_samples(n, seed=7)
    assert comparison.samples == samples and len(samples) == n and comparison.seed == 7
    per_sample = [grads(START, s) for s in samples]
    mean, full = full_batch(samples)
    steps = sgd(samples)
    assert [row.name for row in comparison.weights] == list(START)
    assert [row.name for row in comparison.biases] == list(BIASES)
    for row in (*comparison.weights, *comparison.biases):
        assert row.start == {**START, **BIASES}[row.name]
        assert row.grads == pytest.approx([g[row.name] for g in per_sample], abs=TOL)
        assert row.mean_grad == pytest.approx(mean[row.name], abs=TOL)
        if row.name in START:
            assert row.full_batch == pytest.approx(full[row.name], abs=TOL)
            assert row.sgd == pytest.approx(steps[-1][1][row.name], abs=TOL)
        else:  # no update moves a bias
            assert row.full_batch == row.sgd == row.start
    assert comparison.error_start == pytest.approx(cost(START, samples), abs=TOL)
    assert comparison.error_full_batch == pytest.approx(cost(full, samples), abs=TOL)
    assert comparison.error_sgd == pytest.approx(cost(steps[-1][1], samples), abs=TOL)
    assert comparison.sgd_errors == pytest.approx([cost(w, samples) for _, w in steps], abs=TOL)
    for sgd_step, (g, w) in zip(comparison.sgd, steps, strict=True):
        for weight in sgd_step.weights:
            assert weight.grad == pytest.approx(g[weight.name], abs=TOL)
            assert weight.after == pytest.approx(w[weight.name], abs=TOL)
    for example, s in zip(comparison.passes, samples, strict=True):  # every sample at the starting weights
        assert example.sample == s and all(step.before == START[step.name] for step in example.weights)
    # the models the pictures draw: the mean gradients before, the full-batch weights after
    before, after = dict(comparison.model.named_parameters()), comparison.updated.state_dict()
    for step in comparison.passes[0].weights:
        assert before[step.param].grad == pytest.approx(mean[step.name], abs=TOL)
        assert after[step.param] == pytest.approx(full[step.name], abs=TOL)


def test_one_sample_makes_full_batch_and_sgd_the_same_update(example: WorkedExample) -> None:
    comparison = compare_batch_sgd(1)
    for row in comparison.weights:
        assert row.full_batch == pytest.approx(row.sgd, abs=TOL)
        assert row.full_batch == pytest.approx(example.weight(row.name).after, abs=TOL)
    assert comparison.error_full_batch == pytest.approx(example.total_error_after, abs=TOL)
    assert compare_batch_sgd().samples == (MAZUR,) and compare_batch_sgd().seed is None


def test_several_samples_make_the_two_columns_differ() -> None:
    comparison = compare_batch_sgd(4, seed=1)
    assert all(abs(row.full_batch - row.sgd) > 1e-6 for row in comparison.weights)


def test_samples_can_be_given() -> None:
    given: list[Sample | tuple[float, ...]] = [(0.3, 0.7, 0.9, 0.2), Sample((0.6, 0.1), (0.2, 0.8))]
    comparison = compare_batch_sgd(given)
    samples = (Sample((0.3, 0.7), (0.9, 0.2)), Sample((0.6, 0.1), (0.2, 0.8)))
    assert comparison.samples == samples and comparison.seed is None
    _, after = full_batch(samples)
    assert [row.full_batch for row in comparison.weights] == pytest.approx([after[n] for n in START], abs=TOL)
    text = explain(samples=given)
    assert "The samples are the ones given." in " ".join(text.split()) and "random.Random" not in text


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_explain_with_samples_shows_the_comparison(fmt: str) -> None:
    text = explain(format=fmt, samples=3, seed=2)
    comparison = compare_batch_sgd(3, seed=2)
    assert "7. Full batch versus SGD over 3 samples" in text and "SGD (3 updates)" in text
    for row in comparison.weights:
        cells = [row.name, *(g9(x) for x in (row.start, row.mean_grad, row.full_batch, row.sgd))]
        assert re.search(r"[\s|]+".join(map(re.escape, cells)), text), row.name
    for error in (comparison.error_start, comparison.error_full_batch, comparison.error_sgd):
        assert g9(error) in text
    assert "random.Random(2)" in text
    for k, s in enumerate(comparison.samples, start=1):
        assert f"Sample {k}: i1 = {g9(s.inputs[0])}, i2 = {g9(s.inputs[1])}" in text
        assert f"Step {k}: sample {k}" in text


# --- the graph, under the text's names ---

NAMED = ("net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1", "net_o2", "out_o2", "E_o1", "E_o2", "E_total")
LEAVES = ("i1", "i2", "target_o1", "target_o2", *START, *BIASES)


def by_label(root: Value) -> dict[str, Value]:
    """Every labelled node of the graph below ``root``, by its label (each label once)."""
    nodes = [node for node in topological_order(root) if node.label]
    found = {node.label: node for node in nodes}
    assert len(found) == len(nodes), "a label is used twice"
    return found


def test_the_graph_names_every_node_the_text_names(example: WorkedExample, expected: dict[str, float]) -> None:
    nodes = by_label(example.loss)
    assert set(nodes) == {*NAMED, *LEAVES}
    assert nodes["E_total"] is example.loss
    for name in NAMED:  # the named node holds the hand calculation's number, and the text's
        assert nodes[name].data == pytest.approx(expected[name], abs=TOL), name
    for neuron in example.neurons:
        assert (nodes[f"net_{neuron.name}"].data, nodes[f"out_{neuron.name}"].data) == (neuron.net, neuron.out)
    assert [nodes[f"E_{e.name}"].data for e in example.errors] == [e.error for e in example.errors]
    # leaves: the sample and the parameters; grads as backward() left them, dE_total/d(node)
    assert [nodes[n].data for n in ("i1", "i2", "target_o1", "target_o2")] == [0.05, 0.10, 0.01, 0.99]
    assert {n: nodes[n].data for n in START} == START and {n: nodes[n].data for n in BIASES} == BIASES
    for step in example.steps():
        assert nodes[step.name].grad == step.engine_grad
    assert nodes["out_o1"].grad == pytest.approx(expected["dE_total/dout_o1"], abs=TOL)
    assert nodes["out_h1"].grad == pytest.approx(expected["dE_total/dout_h1"], abs=TOL)
    assert nodes["net_o2"].grad == pytest.approx(expected["dE_total/dout_o2"] * expected["dout_o2/dnet_o2"], abs=TOL)


def test_a_batchs_graph_names_each_samples_nodes_and_its_cost_is_the_mean() -> None:
    comparison = compare_batch_sgd(3, seed=1)
    nodes = by_label(comparison.cost)
    assert comparison.cost.label == "E" and nodes["E"] is comparison.cost
    per_sample = {f"{name}[{k}]" for k in (1, 2, 3) for name in (*NAMED, "i1", "i2", "target_o1", "target_o2")}
    assert set(nodes) == {"E", *per_sample, *START, *BIASES}  # the parameters are shared: named once
    for k, example in enumerate(comparison.passes, start=1):
        mine = by_label(example.loss)
        for name in NAMED:
            assert nodes[f"{name}[{k}]"].data == mine[name].data, (name, k)
    totals = [nodes[f"E_total[{k}]"].data for k in (1, 2, 3)]
    assert (
        comparison.cost.data == pytest.approx(sum(totals) / 3, abs=TOL)
        and comparison.error_start == comparison.cost.data
    )
    assert nodes["w5"].grad == comparison.weights[4].mean_grad  # backward() of the mean: the mean gradient
    one = compare_batch_sgd()  # a full batch of one: its cost is its E_total, nodes without [k]
    assert one.cost.label == "E_total" and set(by_label(one.cost)) == {*NAMED, *LEAVES}


def svg_size_pt(path: Path) -> tuple[float, float]:
    """The width and height an SVG from Graphviz declares, in points."""
    root = ET.parse(path).getroot()
    return float(root.get("width", "").removesuffix("pt")), float(root.get("height", "").removesuffix("pt"))


def test_draw_worked_graph_shows_the_names_and_fits_a_screens_width(tmp_path: Path) -> None:
    need_svg_renderer()
    example = worked_example()
    path = render(draw_worked_graph(example), tmp_path / "graph.svg")
    texts = _svg_texts(path)
    assert {*NAMED, *LEAVES} <= set(texts)
    assert "data 0.2984" in texts and "∂=0.5933" in texts  # E_total; dnet_o1/dw5 = out_h1
    assert any(t.startswith("Matt Mazur's 2-2-2 sigmoid network on one sample, i1 = 0.05") for t in texts)
    assert svg_size_pt(path)[0] * 4 / 3 <= 2000  # px at its natural size: no sideways scrolling
    assert draw_worked_graph().source == draw_worked_graph(example).source  # Mazur's sample by default
    batch = _svg_texts(render(draw_worked_graph(compare_batch_sgd(2)), tmp_path / "batch.svg"))
    assert {"E", "E_total[1]", "net_h1[2]", "w5"} <= set(batch)
    assert any(t.startswith("Matt Mazur's 2-2-2 sigmoid network on a full batch of 2 samples") for t in batch)


# --- pictures ---


def _svg_texts(path: Path) -> list[str]:
    return [node.text or "" for node in ET.parse(path).iter() if node.tag.endswith("text")]


def test_out_dir_gets_the_network_before_and_after(tmp_path: Path) -> None:
    need_svg_renderer()
    out = tmp_path / "pictures"
    text = explain(out_dir=out)
    before, after = out / "worked_example_before.svg", out / "worked_example_after.svg"
    assert before.is_file() and after.is_file()
    assert str(before) in text and str(after) in text and "7. Pictures" in text
    before_texts, after_texts = _svg_texts(before), _svg_texts(after)
    # each weight on its line under Mazur's name, to 2 decimals; each bias in its neuron
    # to four decimals, so that the hidden weights' small updates show (w1: 0.15 -> 0.149780716)
    assert {"w5 = 0.4000", "w6 = 0.4500", "w1 = 0.1500", "b_h1 = 0.3500", "b_o2 = 0.6000"} <= set(before_texts)
    assert {"w5 = 0.3589", "w6 = 0.4087", "w7 = 0.5113", "w8 = 0.5614", "w1 = 0.1498", "b_h1 = 0.3500"} <= set(
        after_texts
    )
    assert not {"w5 = 0.4000", "w1 = 0.1500"} & set(after_texts)
    assert {"i1", "i2"} <= set(before_texts) & set(after_texts)  # Mazur's names for the inputs
    assert "grad 0.0822" in before_texts  # dE/dw5 = 0.0822, the gradient that drives the update
    assert any(t.startswith("Before the full-batch update") for t in before_texts)
    assert any(t.startswith("After one full-batch update") for t in after_texts)
    data = json.loads(explain(format="json", out_dir=tmp_path / "again"))
    assert data["pictures"] == {"before": "worked_example_before.svg", "after": "worked_example_after.svg"}


# --- bad arguments ---


def test_unknown_format_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown format 'html': use one of 'text', 'markdown', 'json'"):
        explain(format="html")


@pytest.mark.parametrize("samples", [0, -2])
def test_samples_below_one_are_rejected(samples: int) -> None:
    message = rf"samples must be from 1 to {MAX_SAMPLES} \(every number of every sample is printed; .*\), got {samples}"
    with pytest.raises(ValueError, match=message):
        explain(samples=samples)
    with pytest.raises(ValueError, match=message):
        compare_batch_sgd(samples)
    with pytest.raises(ValueError, match=message):
        make_samples(samples)


def _no_work(*args: object, **kwargs: object) -> Any:
    raise AssertionError("explain started working before it checked its arguments")


@pytest.mark.parametrize(
    "samples", [MAX_SAMPLES + 1, 10**12, [(0.1, 0.2, 0.3, 0.4)] * (MAX_SAMPLES + 1)], ids=["limit+1", "absurd", "given"]
)
def test_absurd_batches_are_refused_before_any_work(samples: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(explain_module, "_worked", _no_work)
    monkeypatch.setattr(explain_module, "_build", _no_work)
    started = time.perf_counter()
    with pytest.raises(
        ValueError,
        match=rf"must be from 1 to {MAX_SAMPLES} \(every number of every sample is "
        r"printed; train on more with tinygrad-dk train\), got ",
    ):
        explain(samples=samples)
    assert time.perf_counter() - started < 1.0


def test_samples_and_seed_of_the_wrong_type_are_rejected() -> None:
    with pytest.raises(TypeError, match=r"samples must be an int, not float: 2\.5"):
        explain(samples=2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="samples must be an int, not bool"):
        explain(samples=True)
    with pytest.raises(TypeError, match="explain: seed must be an int such as 0, not str: 'a'"):
        explain(samples=2, seed="a")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"seed must be an int such as 0, not float: 1\.5"):
        make_samples(2, seed=1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sample", "error", "message"),
    [
        (
            (0.1, 0.2, 0.3),
            TypeError,
            r"sample 1 must be a Sample or four numbers \(i1, i2, t1, t2\), got \(0\.1, 0\.2, 0\.3\)",
        ),
        ("abcd", TypeError, r"sample 1 must be a Sample or four numbers"),
        ((0.1, 0.2, "x", 0.4), TypeError, r"Sample: targets \(for o1, o2\) must be two numbers, got \('x', 0\.4\)"),
        ((0.1, math.nan, 0.3, 0.4), ValueError, r"Sample: inputs \(i1, i2\) must be finite numbers, got \(0\.1, nan\)"),
        ((True, 0.2, 0.3, 0.4), TypeError, r"Sample: inputs \(i1, i2\) must be two numbers"),
    ],
)
def test_a_bad_sample_is_rejected(sample: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        explain(samples=[sample])
    with pytest.raises(error, match=message):
        worked_example(sample)


# --- the command: a thin layer over explain() ---


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(["explain", *argv])
    except SystemExit as exit_:  # usage errors
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prints_what_explain_returns(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--sample", "0.05,0.1,0.01,0.99", "--sample", "0.3,0.7,0.9,0.2", "--format", "markdown", "--lang", "da"]
    code, out, _ = run(argv, capsys)
    samples = [(0.05, 0.1, 0.01, 0.99), (0.3, 0.7, 0.9, 0.2)]
    assert code == 0 and out == explain(samples=samples, format="markdown", lang="da") + "\n"
    code, out, _ = run(["--samples", "3", "--seed", "4", "--format", "json"], capsys)
    assert code == 0 and json.loads(out) == json.loads(explain(samples=3, seed=4, format="json"))


def test_cli_language_from_the_environment(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINYGRAD_DK_LANG", "da")
    assert run([], capsys)[1].startswith("Tilbagepropagering")
    assert run(["--lang", "en"], capsys)[1].startswith("Backpropagation")
    monkeypatch.setenv("TINYGRAD_DK_LANG", "klingon")
    code, out, err = run([], capsys)
    assert code == 2 and out == "" and "TINYGRAD_DK_LANG='klingon' is not a language explain knows" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--samples", str(MAX_SAMPLES + 1)], rf"samples must be from 1 to {MAX_SAMPLES} .*, got {MAX_SAMPLES + 1}"),
        (["--samples", "0"], r"argument --samples: must be at least 1, got 0"),
        (
            ["--sample", "1,2,3"],
            r"argument --sample: expected four numbers i1,i2,t1,t2 like 0\.05,0\.1,0\.01,0\.99, "
            r"got '1,2,3'",
        ),
        (["--sample", "1,2,inf,3"], r"argument --sample: Sample: targets \(for o1, o2\) must be finite numbers"),
        (["--sample", "1,2,3,4", "--samples", "2"], r"argument --samples: not allowed with argument --sample"),
        (["--lang", "de"], r"argument --lang: invalid choice: 'de'"),
        (["--format", "yaml"], r"argument --format: invalid choice: 'yaml'"),
    ],
)
def test_cli_refuses_bad_values_with_status_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(argv, capsys)
    assert code == 2 and out == "" and re.search(message, err), err
