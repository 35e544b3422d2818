"""The worked example against an independent hand calculation, the published numbers and its formats."""

from __future__ import annotations

import dataclasses
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from support import need_svg_renderer

import tinygrad_dk.explain as explain_module
from tinygrad_dk._explain_doc import to_markdown, to_text
from tinygrad_dk._explain_story import document
from tinygrad_dk.explain import (
    FORMATS,
    Sample,
    WorkedExample,
    compare_batch_sgd,
    explain,
    make_samples,
    worked_example,
)

TOL = 1e-12
START = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55}
LR = 0.5
# The textbook's published results (to the digits it publishes).
PUBLISHED_TOTAL_ERROR = "0.298371109"
PUBLISHED_UPDATES = {"w5": "0.35891648", "w6": "0.408666186", "w7": "0.511301270", "w8": "0.561370121",
                     "w1": "0.149780716", "w2": "0.19956143", "w3": "0.24975114", "w4": "0.29950229"}
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]\d+)?")


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def hand(w: dict[str, float], x: tuple[float, float], t: tuple[float, float],
         b_hidden: float = 0.35, b_output: float = 0.60) -> dict[str, float]:
    """Every number of the example, by hand: the textbook's chain rule in plain floats."""
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
    r["dE_total/db_h1"] = r["dE_total/dout_h1"] * r["dout_h1/dnet_h1"]
    r["dE_total/db_h2"] = r["dE_total/dout_h2"] * r["dout_h2/dnet_h2"]
    r["dE_total/db_o1"], r["dE_total/db_o2"] = delta_o1, delta_o2
    return r


def grads(w: dict[str, float], sample: Sample) -> dict[str, float]:
    r = hand(w, sample.inputs, sample.targets)
    return {name: r[f"dE_total/d{name}"] for name in w}


def total_error(w: dict[str, float], samples: tuple[Sample, ...]) -> float:
    return sum(hand(w, s.inputs, s.targets)["E_total"] for s in samples)


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
    assert [b.value for b in example.biases] == [0.35, 0.35, 0.60, 0.60]


def test_factor_names_follow_the_textbook(example: WorkedExample) -> None:
    w5, w1 = example.weight("w5"), example.weight("w1")
    assert [f.name for f in w5.factors] == ["dE_total/dout_o1", "dout_o1/dnet_o1", "dnet_o1/dw5"]
    assert [f.name for f in w1.factors] == ["dE_total/dout_h1", "dout_h1/dnet_h1", "dnet_h1/dw1"]
    assert [t.name for t in w1.through] == ["dE_o1/dout_h1", "dE_o2/dout_h1"]
    assert [f.name for f in w1.through[1].factors] == ["dE_total/dout_o2", "dout_o2/dnet_o2", "dnet_o2/dout_h1"]
    with pytest.raises(KeyError, match="no weight named 'w9'"):
        example.weight("w9")


def test_each_gradient_is_the_parameters_grad_after_backward(example: WorkedExample) -> None:
    params = dict(example.model.named_parameters())
    for step in example.weights:
        assert step.engine_grad == params[step.param].grad != 0.0
        assert step.grad == pytest.approx(params[step.param].grad, abs=TOL)
    for bias in example.biases:
        assert bias.grad == params[bias.param].grad
    assert example.weight("w1").param == "layers.0.neurons.0.w.0"
    assert example.weight("w7").param == "layers.1.neurons.1.w.0"


def test_factors_are_products_of_the_graphs_local_derivatives(example: WorkedExample) -> None:
    for step in example.weights:
        for factor in (*step.factors, *(f for term in step.through for f in term.factors)):
            assert factor.paths, factor.name
            assert factor.value == pytest.approx(sum(math.prod(e.local for e in path) for path in factor.paths),
                                                 abs=TOL)
        d_error, d_out, d_net = step.factors
        assert [e.op for e in d_out.paths[0]] == ["sigmoid"]
        assert d_net.paths[0][-1].op == "mul" and d_net.paths[0][-1].local == d_net.value  # w * input
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


def test_updated_model_holds_the_new_weights_and_old_biases(example: WorkedExample, expected: dict[str, float]
                                                           ) -> None:
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
    assert f"= {r['E_total']:.9g}\n" in explain()


# --- the published numbers in the output ---

def _appears(published: str, text: str) -> bool:
    """Some number in ``text`` equals ``published`` when rounded to the digits published."""
    decimals = len(published.split(".")[1])
    return any(f"{float(token):.{decimals}f}" == published for token in NUMBER.findall(text))


@pytest.mark.parametrize("fmt", FORMATS)
def test_published_values_appear_in_the_output(fmt: str) -> None:
    text = explain(format=fmt)
    assert f"E_total = E_o1 + E_o2 = {PUBLISHED_TOTAL_ERROR}" in text
    for name, published in PUBLISHED_UPDATES.items():
        row = re.search(rf"^.*\b{name} - lr \* dE_total/d{name}\b.*$", text, re.MULTILINE)
        assert row is not None, name
        assert _appears(published, NUMBER.findall(row.group())[-1]), (name, row.group())


def test_no_number_is_lost_between_formats() -> None:
    text, markdown = explain(format="text"), explain(format="markdown")
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


def test_markdown_format_has_headings_tables_and_code_blocks() -> None:
    markdown = explain(format="markdown")
    lines = markdown.splitlines()
    assert lines[0] == "# Backpropagation, worked step by step"
    for heading in ("## 1. Forward pass", "## 2. Error", "## 3. Backward pass: the chain rule along the graph's edges",
                    "## 4. The update", "### Output layer", "### Hidden layer"):
        assert heading in lines
    assert markdown.count("```text") == 3 and markdown.count("```") == 6  # forward, error, update
    tables = 0
    for k, line in enumerate(lines):
        if re.fullmatch(r"\|( --- \|)+", line):  # a separator: header above, rows below, same width
            tables += 1
            width = lines[k - 1].count(" | ")
            assert lines[k - 1].startswith("| ") and line.count("---") == width + 1
            rows = [row for row in lines[k + 1:] if row.startswith("|")][:1]
            assert rows and rows[0].count(" | ") == width
    assert tables == 1 + 8 + 2  # the setting, one per weight, the update and the biases
    assert "| `dE_total/dw5` | `0.74136507 * 0.186815602 * 0.593269992` | 0.0821670406 |" in lines


def test_the_renderers_only_format_the_computed_result(example: WorkedExample) -> None:
    # a result with one number changed: both renderers show the change, and compute nothing of their own
    changed = dataclasses.replace(example, total_error=0.123456789)
    blocks = document(changed)
    for text in (to_text(blocks), to_markdown(blocks)):
        assert "E_total = E_o1 + E_o2 = 0.123456789" in text and "0.298371109" not in text
    assert to_text(document(example)) == explain(format="text")
    assert to_markdown(document(example)) == explain(format="markdown")


# --- full batch versus SGD ---

def test_samples_are_deterministic_and_start_with_the_textbook() -> None:
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
    assert comparison.samples == samples and len(samples) == n
    per_sample = [grads(START, s) for s in samples]
    mean = {name: sum(g[name] for g in per_sample) / n for name in START}
    full = {name: START[name] - LR * mean[name] for name in START}
    sgd = dict(START)
    for s in samples:  # one update per sample, each at the weights the last one left
        g = grads(sgd, s)
        sgd = {name: sgd[name] - LR * g[name] for name in sgd}
    assert [row.name for row in comparison.weights] == list(START)
    for row in comparison.weights:
        assert row.start == START[row.name]
        assert row.mean_grad == pytest.approx(mean[row.name], abs=TOL)
        assert row.full_batch == pytest.approx(full[row.name], abs=TOL)
        assert row.sgd == pytest.approx(sgd[row.name], abs=TOL)
    assert comparison.error_start == pytest.approx(total_error(START, samples), abs=TOL)
    assert comparison.error_full_batch == pytest.approx(total_error(full, samples), abs=TOL)
    assert comparison.error_sgd == pytest.approx(total_error(sgd, samples), abs=TOL)


def test_one_sample_makes_full_batch_and_sgd_the_same_update(example: WorkedExample) -> None:
    comparison = compare_batch_sgd(1)
    for row in comparison.weights:
        assert row.full_batch == pytest.approx(row.sgd, abs=TOL)
        assert row.full_batch == pytest.approx(example.weight(row.name).after, abs=TOL)
    assert comparison.error_full_batch == pytest.approx(example.total_error_after, abs=TOL)


def test_several_samples_make_the_two_columns_differ() -> None:
    comparison = compare_batch_sgd(4, seed=1)
    assert all(abs(row.full_batch - row.sgd) > 1e-6 for row in comparison.weights)


@pytest.mark.parametrize("fmt", FORMATS)
def test_explain_with_samples_shows_the_comparison(fmt: str) -> None:
    text = explain(format=fmt, samples=3, seed=2)
    comparison = compare_batch_sgd(3, seed=2)
    assert "Full batch versus SGD over 3 samples" in text and "SGD (3 updates)" in text
    for row in comparison.weights:
        cells = [row.name, *(f"{x:.9g}" for x in (row.start, row.mean_grad, row.full_batch, row.sgd))]
        assert re.search(r"[\s|]+".join(map(re.escape, cells)), text), row.name
    for error in (comparison.error_start, comparison.error_full_batch, comparison.error_sgd):
        assert f"{error:.9g}" in text
    assert "random.Random(2)" in text
    assert "Full batch versus SGD" not in explain(format=fmt)


# --- pictures ---

def _svg_texts(path: Path) -> list[str]:
    return [node.text or "" for node in ET.parse(path).iter() if node.tag.endswith("text")]


def test_out_dir_gets_the_network_before_and_after(tmp_path: Path) -> None:
    need_svg_renderer()
    out = tmp_path / "pictures"
    text = explain(out_dir=out)
    before, after = out / "worked_example_before.svg", out / "worked_example_after.svg"
    assert before.is_file() and after.is_file()
    assert str(before) in text and str(after) in text
    before_texts, after_texts = _svg_texts(before), _svg_texts(after)
    # an edge's text starts with its weight, to 2 decimals ("0.40 (grad 0.08)" when grads are shown)
    before_weights = {t.split()[0] for t in before_texts if t}
    after_weights = {t.split()[0] for t in after_texts if t}
    assert "0.40" in before_weights and "0.36" not in before_weights  # w5 = 0.4 before, 0.3589 after
    assert "0.36" in after_weights and "0.40" not in after_weights
    assert {"0.41", "0.51", "0.56"} <= after_weights  # w6, w7, w8 after the update
    assert any("grad " in t for t in before_texts)  # the gradients that drive the update


# --- bad arguments ---

def test_unknown_format_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown format 'html': use one of 'text', 'markdown'"):
        explain(format="html")


@pytest.mark.parametrize("samples", [0, -2])
def test_samples_below_one_are_rejected(samples: int) -> None:
    message = rf"samples must be >= 1 \(at least one training example\), got {samples}"
    with pytest.raises(ValueError, match=message):
        explain(samples=samples)
    with pytest.raises(ValueError, match=message):
        compare_batch_sgd(samples)
    with pytest.raises(ValueError, match=message):
        make_samples(samples)


def test_samples_and_seed_of_the_wrong_type_are_rejected() -> None:
    with pytest.raises(TypeError, match=r"samples must be an int, not float: 2\.5"):
        explain(samples=2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="samples must be an int, not bool"):
        explain(samples=True)
    with pytest.raises(TypeError, match="explain: seed must be an int such as 0, not str: 'a'"):
        explain(samples=2, seed="a")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"seed must be an int such as 0, not float: 1\.5"):
        make_samples(2, seed=1.5)  # type: ignore[arg-type]
