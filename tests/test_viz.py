"""Tests for tinygrad_dk.viz: graphs and network diagrams read back from SVG, both render paths, plots."""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import graphviz
import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.text import Text
from support import CHROMIUM_ARGS, IN_CI, need_module, need_program, need_wasm_graphviz

from tinygrad_dk.engine import Value, topological_order
from tinygrad_dk.explain import worked_example
from tinygrad_dk.nn import MLP, Neuron, Perceptron
from tinygrad_dk.train import History, fit
from tinygrad_dk.viz import (
    Diagram,
    RenderError,
    draw_dot,
    draw_network,
    plot_activations,
    plot_decision_boundary,
    plot_history,
    render,
    to_svg,
)
from tinygrad_dk.viz._figure import save_figure
from tinygrad_dk.viz._style import FONT
from tinygrad_dk.viz.graph import find_neurons, labelled_parameters, node_kind

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _words_in_english_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pictures' language comes from TINYGRAD_DK_LANG when not given: keep the developer's own out."""
    monkeypatch.delenv("TINYGRAD_DK_LANG", raising=False)


# --- helpers ---


def svg_texts(svg: str) -> list[str]:
    """Every text element of an SVG, stripped."""
    root = ET.fromstring(svg)
    return [(t.text or "").strip() for t in root.iter(f"{SVG}text")]


def svg_groups(svg: str, kind: str) -> dict[str, list[str]]:
    """Graphviz's node or edge groups: title ("v0", "v0->v2op") -> its texts."""
    groups = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("class") == kind:
            title = g.find(f"{SVG}title")
            assert title is not None and title.text is not None
            groups[title.text] = [(t.text or "").strip() for t in g.iter(f"{SVG}text")]
    return groups


def square_of_product() -> tuple[Value, Value, Value, Value]:
    """d = (a * b) ** 2 at a = 2, b = -3, after backward.

    By hand: c = -6, d = 36; dd/dc = 2c = -12; a.grad = -12 * b = 36; b.grad = -12 * a = -24.
    Local derivatives: dc/da = b = -3, dc/db = a = 2, dd/dc = -12.
    """
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = a * b
    c.label = "c"
    d = c**2
    d.label = "d"
    d.backward()
    return a, b, c, d


@pytest.fixture(params=["system dot", "wasm"])
def renderer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Run the test once with Graphviz's `dot` and once with `dot` hidden (Graphviz in WebAssembly)."""
    if request.param == "system dot":
        need_program("dot")
    else:
        empty = tmp_path / "empty-bin"
        empty.mkdir()
        monkeypatch.setenv("PATH", str(empty))
        need_wasm_graphviz()
    return str(request.param)


@pytest.fixture
def no_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Hide Graphviz's `dot` from PATH."""
    empty = tmp_path / "empty-bin"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(empty))


# --- draw_dot: what the SVG shows ---


def test_graph_svg_shows_labels_data_grads_and_local_derivatives(renderer: str, tmp_path: Path) -> None:
    d = square_of_product()[3]
    svg = render(draw_dot(d), tmp_path / "graph.svg").read_text(encoding="utf-8")
    nodes = svg_groups(svg, "node")
    records = {texts[0]: texts[1:] for texts in nodes.values() if texts and texts[0] in "abcd"}
    assert records == {
        "a": ["data 2.0000", "grad 36.0000"],
        "b": ["data -3.0000", "grad -24.0000"],
        "c": ["data -6.0000", "grad -12.0000"],
        "d": ["data 36.0000", "grad 1.0000"],
    }
    ops = sorted(texts[0] for texts in nodes.values() if texts and texts[0] in ("*", "** 2"))
    assert ops == ["*", "** 2"]

    # each operand's edge into its op carries d result / d operand
    by_id = {title: texts for title, texts in nodes.items()}
    derivative_from = {}
    for title, texts in svg_groups(svg, "edge").items():
        source, _, target = title.partition("->")
        if target.endswith("op") and by_id[source] and by_id[source][0] in "abc":
            derivative_from[by_id[source][0]] = texts
    assert derivative_from == {"a": ["∂=-3.0000"], "b": ["∂=2.0000"], "c": ["∂=-12.0000"]}


def test_graph_has_a_key_naming_the_kinds_present(renderer: str, tmp_path: Path) -> None:
    x, w = Value(1.5, "x1"), Value(-0.5, "w1")
    y = x * w + 2.0
    y.backward()
    texts = svg_texts(render(draw_dot(y), tmp_path / "graph.svg").read_text(encoding="utf-8"))
    for name in ("key", "parameter", "input", "result of an op", "output"):
        assert name in texts
    assert "constant" not in texts  # no unlabelled leaf in this graph
    assert any(t.startswith("∂ on an edge = d result / d operand") for t in texts)


def dot_labels(graph: Any) -> list[str]:
    """Every label in a graph's DOT source, unescaped enough to read: node names, edge labels, the caption."""
    found = re.findall(r'label=(?:"((?:[^"\\]|\\.)*)"|([^\s\]"]+))', graph.source)  # quoted only when needed
    return [(quoted or bare).replace("\\l", "\n") for quoted, bare in found]


def test_graph_key_and_notes_speak_danish_with_the_same_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    x, w = Value(1.5, "x1"), Value(-0.5, "w1")
    y = (x * w + Value(2.0)).relu()  # an unlabelled Value: a constant
    y.backward()
    english, danish = draw_dot(y), draw_dot(y, lang="da")
    for word in ("forklaring", "parameter", "input", "konstant", "resultat af en operation", "output"):
        assert word in dot_labels(danish), word
    assert "∂ på en kant = d resultat / d operand, gemt da operationen kørte" in danish.source
    assert "en knudes grad = summen, over kanterne ud fra den, af ∂ gange resultatets grad" in danish.source
    for word in ("key", "constant", "result of an op"):
        assert word in dot_labels(english) and word not in dot_labels(danish), word
    for words in ("∂ on an edge", "a node's grad"):
        assert words in english.source and words not in danish.source, words
    numbers = [re.findall(r"-?\d+\.\d+", label) for label in dot_labels(english)]
    assert numbers == [re.findall(r"-?\d+\.\d+", label) for label in dot_labels(danish)]  # only the words differ
    # condensed, with too many lines to label: every note of draw_dot's own is Danish
    big = MLP(2, [8, 8, 1], seed=0)
    out = big([Value(0.5, "x1"), Value(-0.2, "x2")])
    assert isinstance(out, Value)
    out.backward()
    folded = draw_dot(out, params=big.parameters(), condensed=True, lang="da").source
    assert "sammenfoldet: hver af de 17 afrundede kasser er én neuron" in folded
    assert "∂ står ikke på de 88 linjer ind i neuronerne, for mange til at læse (flere end 40)" in folded
    assert "neuron (w·x + b,\naktiveringsfunktion)" in folded  # two lines: one would widen a rank
    monkeypatch.setenv("TINYGRAD_DK_LANG", "da")
    assert "forklaring" in dot_labels(draw_dot(y)) and "key" in dot_labels(draw_dot(y, lang="en"))  # lang= wins
    with pytest.raises(ValueError, match=r"^draw_dot: unknown language 'sv': use one of 'en', 'da'$"):
        draw_dot(y, lang="sv")


def test_op_nodes_show_their_constants() -> None:
    x = Value(3.0, "x")
    y = ((x * 2.0 + 1.0) ** 2).leaky_relu(0.01) - x.exp()
    source = draw_dot(y).source
    for text in ('"* 2.0"', '"+ 1.0"', '"** 2"', '"leaky_relu 0.01"', "exp", '"* -1.0"'):
        assert f"label={text}" in source


def test_kinds_parameters_inputs_constants_output() -> None:
    model = MLP(2, [2, 1], seed=0)
    x = [Value(0.5, "x1"), Value(-1.0, "x2")]
    out = model(x)
    assert isinstance(out, Value)
    loss = (out - 1.0) ** 2
    nodes = topological_order(loss)
    found = labelled_parameters(nodes)
    assert found == set(model.parameters())  # labels L1.n1.w1, ..., L2.n1.b
    kinds = {v: node_kind(v, loss, found) for v in nodes}
    assert kinds[loss] == "output" and kinds[x[0]] == "input" and kinds[x[1]] == "input"
    # a bare Neuron labels its bias "b": a parameter next to weights w1, w2
    neuron = Neuron(2)
    assert labelled_parameters(topological_order(neuron([1.0, 2.0]))) == {*neuron.w, neuron.b}
    # without weights, "b" is just an input's name (the README's a and b)
    a, b = Value(-4.0, "a"), Value(2.0, "b")
    assert labelled_parameters(topological_order(a * b + Value(1.0))) == set()


def test_params_argument_decides_the_parameters() -> None:
    a, b = Value(-4.0, "a"), Value(2.0, "b")
    g = a * b + 3.0
    source = draw_dot(g, params=[a]).source
    assert 'label="{ a | data -4.0000 | grad 0.0000 }" fillcolor="#ffd8a8"' in source  # parameter colour
    assert 'label="{ b | data 2.0000 | grad 0.0000 }" fillcolor="#a5d8ff"' in source  # input colour
    with pytest.raises(TypeError, match=r"params must contain only Values, got float: 2\.0"):
        draw_dot(g, params=[a, 2.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="params must be an iterable of Values"):
        draw_dot(g, params=a)  # type: ignore[arg-type]


def test_labels_with_record_characters_are_escaped(renderer: str, tmp_path: Path) -> None:
    x = Value(1.0, "x{1}|<y>")
    y = x * 3.0
    svg = render(draw_dot(y), tmp_path / "g.svg").read_text(encoding="utf-8")
    assert "x{1}|<y>" in svg_texts(svg)


def test_options_hide_grads_and_edge_labels() -> None:
    _, _, _, d = square_of_product()
    source = draw_dot(d, show_grad=False, edge_labels=False, rankdir="TB").source
    assert "grad " not in source and "∂" not in source
    assert "rankdir=TB" in source
    assert 'label="{ a | data 2.0000 }"' in source  # TB stacks the fields: a narrow box keeps a deep graph narrow


def test_dot_source_is_deterministic_and_drawing_keeps_grads() -> None:
    first = draw_dot(square_of_product()[3]).source
    a, b, c, d = square_of_product()
    assert draw_dot(d).source == first
    assert draw_dot(d).source == first  # drawing twice changes nothing
    assert (a.grad, b.grad, c.grad, d.grad) == (36.0, -24.0, -12.0, 1.0)


def test_too_many_nodes_says_how_many_and_what_to_do() -> None:
    x = Value(1.0, "x")
    for _ in range(600):
        x = x + 1.0
    with pytest.raises(
        ValueError,
        match=r"the graph has 601 nodes, more than max_nodes=500.*one sample's loss.*"
        r"max_nodes=601",
    ):
        draw_dot(x)
    lines = draw_dot(x, max_nodes=601).source.splitlines()
    assert sum("->" in line and "invis" not in line for line in lines) == 2 * 600  # operand -> op -> result


def test_a_huge_graph_is_refused_quickly() -> None:
    x = Value(0.0)
    for _ in range(50_000):  # no recursion: the walk uses an explicit stack
        x = x * 1.0
    with pytest.raises(ValueError, match="the graph has 50001 nodes"):
        draw_dot(x)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"rankdir": "XY"}, ValueError, "rankdir must be one of LR, TB, RL, BT, got 'XY'"),
        ({"max_nodes": 0}, ValueError, "max_nodes must be a positive int, got 0"),
        ({"max_nodes": True}, ValueError, "max_nodes must be a positive int, got True"),
    ],
)
def test_draw_dot_rejects_bad_options(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        draw_dot(Value(1.0), **kwargs)  # type: ignore[arg-type]


def test_a_nodes_first_operand_is_drawn_first() -> None:
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = (a * b) + (b * 2.0)
    c.label = "c"
    records = [line.split("{ ")[1].split()[0] for line in draw_dot(c).source.splitlines() if "data" in line]
    # declared left operand first, so Graphviz draws a above b (LR) or left of it (TB), as in a * b
    assert records == ["a", "b", "data", "data", "c"]


def test_caption_lines_come_first_under_the_drawing(renderer: str, tmp_path: Path) -> None:
    d = square_of_product()[3]
    texts = svg_texts(
        render(draw_dot(d, caption=["first line", "second line"]), tmp_path / "g.svg").read_text(encoding="utf-8")
    )
    first, second = texts.index("first line"), texts.index("second line")
    assert first + 1 == second and texts[second + 1].startswith("∂ on an edge")
    assert "first line" in svg_texts(to_svg(draw_dot(d, caption="first line")))  # one line as a str


# --- draw_dot(condensed=True): one box per neuron ---


def hand_tanh_net() -> tuple[list[Value], Value]:
    """MLP(2, [2, 1]) with tanh hidden neurons and hand-set weights on one sample, its squared error after backward."""
    model = MLP(2, [2, 1], activation="tanh", seed=0)
    model.load_state_dict(
        {
            "layers.0.neurons.0.w.0": 0.5,
            "layers.0.neurons.0.w.1": -1.0,
            "layers.0.neurons.0.b": 0.1,
            "layers.0.neurons.1.w.0": 0.25,
            "layers.0.neurons.1.w.1": 0.75,
            "layers.0.neurons.1.b": 0.0,
            "layers.1.neurons.0.w.0": 1.5,
            "layers.1.neurons.0.w.1": -2.0,
            "layers.1.neurons.0.b": 0.3,
        }
    )
    x = [Value(0.4, "x1"), Value(-0.2, "x2")]
    out = model(x)
    assert isinstance(out, Value)
    out.label = "out"
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    return x, loss


def test_condensed_draws_one_box_per_neuron_with_the_engines_numbers(renderer: str, tmp_path: Path) -> None:
    (x1, x2), loss = hand_tanh_net()
    svg = render(draw_dot(loss, condensed=True), tmp_path / "g.svg").read_text(encoding="utf-8")
    nodes = svg_groups(svg, "node")
    boxes = {texts[0]: texts[1:] for texts in nodes.values() if texts and texts[0].startswith("L")}
    # by hand: net = b + w1 x1 + w2 x2, out = tanh(net)
    net1, net2 = 0.1 + 0.5 * 0.4 - 1.0 * -0.2, 0.25 * 0.4 + 0.75 * -0.2
    h1, h2 = np.tanh(net1), np.tanh(net2)
    score = 0.3 + 1.5 * h1 - 2.0 * h2
    d_score = 2 * (score - 1.0)  # d loss / d out
    assert boxes == {
        "L1.n1": [f"net {net1:.4f}", f"tanh {h1:.4f}", f"grad {d_score * 1.5:.4f}"],
        "L1.n2": [f"net {net2:.4f}", f"tanh {h2:.4f}", f"grad {d_score * -2.0:.4f}"],
        "L2.n1": [f"out {score:.4f}", f"grad {d_score:.4f}"],  # linear: its net is its output, named "out"
    }
    # the weights and biases are folded in: 2 inputs, 3 boxes, the loss's 2 values and 2 ops (and the key)
    assert len([t for t in nodes if not t.startswith("key")]) == 2 + 3 + 2 + 2
    assert not any(texts and texts[0].startswith(("L1.n1.w", "L2.n1.b")) for texts in nodes.values())
    # a line into a neuron carries d out / d input: tanh'(net) * w, through the fold
    by_title = {title: texts[0] for title, texts in nodes.items() if texts}
    into = {
        (by_title[title.split("->")[0]], by_title[title.split("->")[1]]): texts
        for title, texts in svg_groups(svg, "edge").items()
        if "op" not in title
    }
    assert into[("x1", "L1.n1")] == [f"∂={(1 - h1**2) * 0.5:.4f}"]
    assert into[("x2", "L1.n2")] == [f"∂={(1 - h2**2) * 0.75:.4f}"]
    assert into[("L1.n2", "L2.n1")] == ["∂=-2.0000"]  # a linear neuron: its weight
    texts = svg_texts(svg)
    assert any(t.startswith("condensed: each of the 3 rounded boxes is one neuron") for t in texts)
    assert "neuron (w·x + b, activation)" in texts  # in the key
    assert (x1.grad, x2.grad) != (0.0, 0.0)  # drawing left the engine's numbers alone


def test_condensed_folds_only_sums_nothing_else_uses() -> None:
    x, w, b = Value(1.0, "x"), Value(2.0, "w"), Value(0.5, "b")
    product = w * x
    net = b + product
    out = net.tanh() + product  # the product is used twice: folding it would hide a use
    assert find_neurons(topological_order(out), {w, b}) == {}
    alone = (b + w * x).relu()
    (fold,) = find_neurons(topological_order(alone), {w, b}).values()
    assert fold.out is alone and fold.net is alone.children[0] and fold.inputs == ((x, 2.0),)
    assert fold.inside == {alone.children[0], alone.children[0].children[1], w, b}


def test_condensed_big_network_colours_its_lines_and_stays_small(renderer: str, tmp_path: Path) -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    score = model([Value(0.5, "x1"), Value(-0.3, "x2")])
    assert isinstance(score, Value)
    loss = (1.0 - score).relu()
    loss.backward()
    with pytest.raises(ValueError, match=r"more than max_nodes=500.*\(or condensed=True: one box per neuron\)"):
        draw_dot(loss)
    svg = render(draw_dot(loss, condensed=True), tmp_path / "g.svg").read_text(encoding="utf-8")
    root = ET.fromstring(svg)
    assert float(root.get("width", "").removesuffix("pt")) * 4 / 3 < 2000  # px at the SVG's natural size
    nodes = svg_groups(svg, "node")
    assert sum(title.startswith("v") and not title.endswith("op") for title in nodes) == 2 + 33 + 3
    lines = [texts for title, texts in svg_groups(svg, "edge").items() if "op" not in title]  # none through an op
    assert len(lines) == 2 * 16 + 16 * 16 + 16 and all(texts == [] for texts in lines)
    assert (
        "∂ not written on the 304 lines into neurons, too many to read (more than 40): blue = positive, "
        "orange = negative, thicker = larger |∂|" in svg_texts(svg)
    )


def test_draw_dot_needs_a_value() -> None:
    with pytest.raises(TypeError, match=r"draw_dot needs a Value \(the root of a graph\), got float: 1\.5"):
        draw_dot(1.5)  # type: ignore[arg-type]


# --- render: files, formats, failures ---


def test_png_and_pdf_with_system_dot(tmp_path: Path) -> None:
    need_program("dot")
    _, _, _, d = square_of_product()
    png = render(draw_dot(d), tmp_path / "g.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert render(draw_dot(d), tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"


def test_png_without_dot_names_the_fix_and_leaves_no_file(no_dot: None, tmp_path: Path) -> None:
    _, _, _, d = square_of_product()
    target = tmp_path / "out" / "g.png"
    with pytest.raises(
        RenderError,
        match=r"writing \.png needs Graphviz's `dot` program, which is not on PATH: "
        r"install Graphviz \(`apt-get install graphviz`.*or write \.svg instead",
    ):
        render(draw_dot(d), target)
    assert not target.exists()


def test_a_failed_render_keeps_the_old_file(no_dot: None, tmp_path: Path) -> None:
    target = tmp_path / "g.pdf"
    target.write_bytes(b"old picture")
    with pytest.raises(RenderError, match=r"writing \.pdf needs"):
        render(draw_dot(Value(1.0)), target)
    assert target.read_bytes() == b"old picture"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty-bin", "g.pdf"]  # no temporary debris


def test_broken_dot_source_names_the_cause(renderer: str, tmp_path: Path) -> None:
    broken = graphviz.Source("digraph { a -> }")
    match = "failed to make .svg" if renderer == "system dot" else "Graphviz \\(WebAssembly\\) could not render"
    with pytest.raises(RenderError, match=match):
        render(broken, tmp_path / "broken.svg")
    assert not (tmp_path / "broken.svg").exists()


def test_wasm_on_python_3_10_names_the_fix(no_dot: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "version_info", (3, 10, 14, "final", 0))
    with pytest.raises(RenderError, match=r"needs Python >= 3\.11.*install Graphviz"):
        to_svg(draw_dot(Value(1.0)))


def test_dot_suffix_writes_the_source(no_dot: None, tmp_path: Path) -> None:
    graph = draw_dot(square_of_product()[3])
    path = render(graph, tmp_path / "g.dot")
    assert path == tmp_path / "g.dot"
    assert path.read_text(encoding="utf-8") == graph.source


@pytest.mark.parametrize("name", ["g.jpeg", "g"])
def test_unknown_suffix_lists_the_supported_ones(name: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"render cannot write .*name the file with one of \.svg, \.png, \.pdf, \.dot"):
        render(draw_dot(Value(1.0)), tmp_path / name)


def test_render_needs_a_graph(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"expected a graphviz graph .* got str"):
        render("digraph {}", tmp_path / "g.svg")


def test_jupyter_shows_svg_without_system_dot(no_dot: None) -> None:
    need_wasm_graphviz()
    graph = draw_dot(square_of_product()[3])
    assert isinstance(graph, Diagram) and isinstance(graph, graphviz.Digraph)
    bundle = graph._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    svg = bundle["image/svg+xml"]
    assert isinstance(svg, str) and "data 36.0000" in svg_texts(svg)


# --- draw_network ---


def two_two_two() -> MLP:
    """A 2-2-2 network with hand-set, distinct weights and biases."""
    model = MLP(2, [2, 2], activation="tanh", seed=0)
    values = iter([0.25, -0.5, 0.75, -1.25, 1.5, -0.05, 0.35, 2.5, -0.65, 0.9, -0.15, 0.45])
    for layer in model.layers:
        for neuron in layer.neurons:
            for w in neuron.w:
                w.data = next(values)
            neuron.b.data = next(values)
    return model


def test_small_network_shows_every_weight_and_bias(renderer: str, tmp_path: Path) -> None:
    model = two_two_two()
    svg = render(draw_network(model), tmp_path / "net.svg").read_text(encoding="utf-8")
    texts = svg_texts(svg)
    # weights (the numbers on the lines), as set in two_two_two, each once
    for weight in ["0.25", "-0.50", "-1.25", "1.50", "0.35", "2.50", "0.90", "-0.15"]:
        assert texts.count(weight) == 1, weight
    for bias in ["b = 0.75", "b = -0.05", "b = -0.65", "b = 0.45"]:
        assert bias in texts
    assert texts.count("tanh") == 2 and texts.count("linear") == 2
    assert "x1" in texts and "x2" in texts
    edges = svg_groups(svg, "edge")
    assert len(edges) == 8
    assert edges["x1->L1N1"] == ["0.25"] and edges["L1N2->L2N1"] == ["2.50"]


def test_network_names_short_labelled_parameters_inputs_and_caption(renderer: str, tmp_path: Path) -> None:
    model = two_two_two()
    model.layers[1].neurons[0].w[1].label = "w6"  # a name of one's own, as the worked example gives
    model.layers[1].neurons[0].b.label = "b_o1"
    graph = draw_network(model, inputs=["i1", "i2"], caption="Before the update")
    texts = svg_texts(render(graph, tmp_path / "net.svg").read_text(encoding="utf-8"))
    assert "w6 = 2.50" in texts and "b_o1 = -0.65" in texts  # named; the MLP's own L1.n1.w1 is not
    assert "0.25" in texts and "b = 0.75" in texts
    assert "i1" in texts and "i2" in texts and "x1" not in texts
    assert texts.index("Before the update") + 1 == texts.index(next(t for t in texts if t.startswith("2 inputs")))
    assert "w6 = 2.5000" in svg_texts(to_svg(draw_network(model, digits=4)))
    for bad in (["i1"], "i1", ["i1", 2]):
        with pytest.raises(ValueError, match=r"draw_network: inputs must be 2 names, one per input, got"):
            draw_network(model, inputs=bad)  # type: ignore[arg-type]


def test_network_caption_speaks_danish_with_the_same_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    model = two_two_two()
    danish = draw_network(model, show_grads=True, caption="Før opdateringen", lang="da").source
    assert "Før opdateringen\\l2 input, lag med 2, 2 neuroner, 8 vægte; blå = positiv, orange = negativ" in danish
    assert "b = bias (randen viser dens fortegn)" in danish
    assert "på en linje: vægten ved den neuron, den fører ind i, og dens grad, hvor linjen begynder" in danish
    crowded = draw_network(MLP(2, [8, 8, 1], seed=0), lang="da").source
    assert "vægtenes værdier er udeladt: 88 er flere end max_edge_labels=24" in crowded
    for word in ("inputs", "layers of", "weights;", "the border", "on a line", "not written"):
        assert word not in danish + crowded, word
    english = draw_network(model, show_grads=True, caption="Før opdateringen")
    assert re.findall(r"\d+(?:\.\d+)?", english.source) == re.findall(r"\d+(?:\.\d+)?", danish)  # words differ only
    monkeypatch.setenv("TINYGRAD_DK_LANG", "da")
    assert "8 vægte" in draw_network(model).source and "8 weights" in draw_network(model, lang="en").source
    with pytest.raises(ValueError, match=r"^draw_network: unknown language 'no': use one of 'en', 'da'$"):
        draw_network(model, lang="no")


def test_network_colours_by_sign_and_widths_by_size() -> None:
    source = draw_network(two_two_two()).source
    # blue for positive, orange for negative; width 0.4 + 2.6 * |w| / 2.5, 2.5 being the largest |w|
    assert 'x1 -> L1N1 [color="#1c7ed6" headlabel=0.25 labelfontcolor="#1c7ed6" penwidth=0.66]' in source
    assert 'x2 -> L1N1 [color="#e8590c" headlabel=-0.50 labelfontcolor="#e8590c" penwidth=0.92]' in source
    assert 'L1N2 -> L2N1 [color="#1c7ed6" headlabel=2.50 labelfontcolor="#1c7ed6" penwidth=3.00]' in source


def test_network_grads_are_shown_on_request() -> None:
    model = two_two_two()
    out = model([1.0, 0.0])
    assert isinstance(out, list)
    (out[0] * 1.0).backward()  # d out0 / d L2.n1.w1 = the first hidden neuron's output
    source = draw_network(model, show_grads=True).source
    hidden = np.tanh(0.25 * 1.0 + -0.5 * 0.0 + 0.75)
    assert f"grad {hidden:.2f}" in source
    assert "grad 1.00" in source  # the output neuron's bias


def test_big_network_renders_without_weight_labels(renderer: str, tmp_path: Path) -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    svg = render(draw_network(model), tmp_path / "net.svg").read_text(encoding="utf-8")
    assert len(svg_groups(svg, "node")) == 2 + 16 + 16 + 1
    edges = svg_groups(svg, "edge")  # one per weight (invisible edges are not drawn)
    assert len(edges) == 2 * 16 + 16 * 16 + 16
    assert all(texts == [] for texts in edges.values())  # no number on any line
    texts = svg_texts(svg)
    assert "weight values not written: 304 is more than max_edge_labels=24" in texts
    assert sum(t.startswith("b = ") for t in texts) == 33


def test_network_options_and_diverged_weights() -> None:
    model = two_two_two()
    quiet = draw_network(model, show_weights=False).source
    assert "headlabel" not in quiet and "not written" not in quiet
    model.layers[0].neurons[0].w[0].data = float("nan")  # what a diverged training leaves
    model.layers[0].neurons[0].w[1].data = float("-inf")
    source = draw_network(model).source
    assert 'x1 -> L1N1 [color="#868e96" headlabel=nan' in source  # grey: no sign
    assert 'x2 -> L1N1 [color="#e8590c" headlabel="-inf"' in source
    with pytest.raises(ValueError, match="draw_network: max_edge_labels must be >= 0, got -1"):
        draw_network(model, max_edge_labels=-1)


def test_network_accepts_a_neuron_and_rejects_other_things() -> None:
    neuron = Neuron(3, activation="sigmoid")
    source = draw_network(neuron).source
    weights = [line for line in source.splitlines() if "->" in line and "invis" not in line]
    assert len(weights) == 3 and "sigmoid" in source
    with pytest.raises(TypeError, match=r"draw_network needs an MLP, Layer, Neuron or Perceptron .* got int"):
        draw_network(5)
    with pytest.raises(ValueError, match=r"the model's \.layers must be a non-empty list"):
        draw_network(type("Empty", (), {"layers": []})())


# --- every picture's text fits its box, measured in a browser ---

# Graphviz sizes every box by its own estimate of its text's width; the browser then draws the
# text. For every <text>, in SVG units (points): inside the drawing; inside its node's box (in an
# ellipse, inside the chord at the text's middle height); not cut by a line between a record's
# fields, nor over another field; a cluster's label inside the cluster. Returns what fails, in words.
TEXT_OUTSIDE_ITS_BOX = """() => {
  const problems = [], slack = 0.5;
  const across = (t, box) => t.x >= box.x - slack && t.x + t.width <= box.x + box.width + slack;
  const down = (t, box) => t.y >= box.y - slack && t.y + t.height <= box.y + box.height + slack;
  const cuts = (l, t) => l.width < 0.01  // a vertical or horizontal line l through the text's box t
    ? l.x > t.x + slack && l.x < t.x + t.width - slack && l.y < t.y + t.height && l.y + l.height > t.y
    : l.y > t.y + slack && l.y < t.y + t.height - slack && l.x < t.x + t.width && l.x + l.width > t.x;
  const overlap = (a, b) => Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x) > slack &&
                            Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) > 2;
  const drawing = document.querySelector("svg g.graph > polygon").getBBox();
  for (const text of document.querySelectorAll("svg text")) {
    const g = text.closest("g"), t = text.getBBox(), kind = g.getAttribute("class");
    const name = `${g.querySelector("title").textContent}: "${text.textContent}"`;
    if (!across(t, drawing) || !down(t, drawing)) problems.push(`${name} is cut at the edge of the drawing`);
    if (kind === "cluster" && !across(t, g.querySelector("polygon, path").getBBox())) {
      problems.push(`${name} sticks out of its cluster`);
    }
    if (kind !== "node") continue;
    const shape = g.querySelector("polygon, ellipse, path");
    if (shape.tagName === "ellipse") {
      const [cx, cy, rx, ry] = ["cx", "cy", "rx", "ry"].map((a) => Number(shape.getAttribute(a)));
      const half = rx * Math.sqrt(Math.max(0, 1 - ((t.y + t.height / 2 - cy) / ry) ** 2));
      if (!across(t, {x: cx - half, width: 2 * half})) problems.push(`${name} sticks out of its ellipse`);
    } else if (!across(t, shape.getBBox())) {
      problems.push(`${name} sticks out of its box`);
    }
    if ([...g.querySelectorAll("polyline")].some((line) => cuts(line.getBBox(), t))) {
      problems.push(`${name} runs across the line between two fields`);
    }
    for (const other of g.querySelectorAll("text")) {
      if (other === text) break;
      if (overlap(t, other.getBBox())) problems.push(`${name} runs into "${other.textContent}"`);
    }
  }
  return problems;
}"""

# The pictures assume the viewer draws Helvetica with Helvetica's widths (Helvetica, Arial,
# Liberation Sans, Nimbus Sans). "grad 0.0100" in those fonts: g r a d, space, 0 . 0 1 0 0 are
# 1139 + 682 + 1139 + 1139 + 569 + 5 * 1139 + 569 = 10932 units of 2048 per em.
HELVETICA_SAMPLE, HELVETICA_SAMPLE_EM = "grad 0.0100", 10932 / 2048


def test_wasm_graphviz_measures_text_with_helvetica_widths(no_dot: None) -> None:
    # Graphviz without a font library estimates widths from tables it keeps for a few font names
    # only, and falls back to Times's, a tenth narrower: the font the pictures name must be one of them.
    need_wasm_graphviz()
    graph = Diagram()
    graph.node("n", HELVETICA_SAMPLE, fontname=FONT, fontsize="100", shape="box", margin="0")
    box = next(g for g in ET.fromstring(to_svg(graph)).iter(f"{SVG}g") if g.get("class") == "node")
    polygon = box.find(f"{SVG}polygon")
    assert polygon is not None
    xs = [float(point.split(",")[0]) for point in polygon.get("points", "").split()]
    assert max(xs) - min(xs) == pytest.approx(100 * HELVETICA_SAMPLE_EM, rel=0.001)


@pytest.fixture(scope="module")
def svg_page() -> Iterator[Any]:
    """A headless Chromium page (module-wide: found before a test hides `dot` from PATH)."""
    chromium = need_program("chromium")
    need_module("playwright")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page()
        # what Graphviz writes for fontname=Helvetica
        page.set_content(
            f'<svg><text id="sample" font-family="Helvetica,sans-Serif" font-size="100">{HELVETICA_SAMPLE}</text></svg>'
        )
        width = page.evaluate("() => document.getElementById('sample').getComputedTextLength()")
        if abs(width / (100 * HELVETICA_SAMPLE_EM) - 1) > 0.01:
            message = (
                f"this Chromium draws Helvetica {width / (100 * HELVETICA_SAMPLE_EM):.0%} as wide as "
                "Helvetica's widths: install a font with them (Debian: fonts-liberation)"
            )
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
        yield page
        browser.close()


def _graph_of_expression() -> Diagram:
    return draw_dot(square_of_product()[3])


def _graph_of_a_neuron_top_to_bottom() -> Diagram:
    neuron = Neuron(2, activation="tanh")
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 0.25, 0.5, 0.5  # the tutorial's neuron
    out = neuron([Value(2.0, "x1"), Value(-1.0, "x2")])
    out.backward()
    return draw_dot(out, rankdir="TB")


def _worked_example_graph() -> Diagram:  # what `tinygrad-dk graph` draws by default
    example = worked_example()
    return draw_dot(example.loss, params=example.model.parameters())


def _worked_example_network() -> Diagram:  # docs/images/worked_example_before.svg
    return draw_network(worked_example().model, show_grads=True)


def _perceptron() -> Diagram:  # examples/perceptron.py's perceptron_and.svg
    p = Perceptron(3, lr=0.1, seed=0)
    p.fit([[a, b, c] for a in (0, 1) for b in (0, 1) for c in (0, 1)], [0] * 7 + [1])
    return draw_network(p)


PICTURES: dict[str, Callable[[], Diagram]] = {
    "expression": _graph_of_expression,
    "neuron, top to bottom": _graph_of_a_neuron_top_to_bottom,
    "worked example graph": _worked_example_graph,
    "worked example network with grads": _worked_example_network,
    "2-2-2 network": lambda: draw_network(two_two_two()),
    "16-16-1 network": lambda: draw_network(MLP(2, [16, 16, 1], seed=0)),
    "perceptron": _perceptron,
}


@pytest.mark.browser
@pytest.mark.parametrize("picture", PICTURES)
def test_no_text_is_cut_or_runs_together(picture: str, renderer: str, svg_page: Any, tmp_path: Path) -> None:
    path = tmp_path / "picture.svg"
    path.write_text(to_svg(PICTURES[picture]()), encoding="utf-8")
    svg_page.goto(path.as_uri())
    assert svg_page.evaluate(TEXT_OUTSIDE_ITS_BOX) == []


# --- plots ---


def assert_picture(path: Path, min_width: int = 400, min_height: int = 250) -> None:
    """A PNG that exists, has a sensible size and is not one flat colour."""
    image = imread(str(path))
    height, width = image.shape[:2]
    assert width >= min_width and height >= min_height
    assert width <= 2000 and height <= 2000
    assert float(np.var(image[..., :3])) > 0.005  # not blank


def test_decision_boundary_one_output(tmp_path: Path) -> None:
    X = [[-1.0, -1.0], [-0.5, -1.2], [1.0, 1.0], [1.2, 0.4]]
    y = [-1, -1, 1, 1]
    model = MLP(2, [1], seed=0)
    neuron = model.layers[0].neurons[0]
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 1.0, 1.0, 0.0  # the boundary x1 + x2 = 0
    path = plot_decision_boundary(model, X, y, tmp_path / "boundary.png", resolution=12)
    assert path == tmp_path / "boundary.png"
    assert_picture(path)
    image = imread(str(path))
    assert image[..., 2].mean() > 0.5  # blue and orange halves, over white


def test_decision_boundary_splits_one_output_at_the_threshold_fit_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    X, y = [[-1.0, 0.0], [0.2, 0.0], [0.7, 0.0], [1.5, 0.0]], [0, 0, 1, 1]
    model = MLP(2, [1], seed=0)
    neuron = model.layers[0].neurons[0]
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 1.0, 0.0, 0.0  # score = x1
    history = fit(model, X, y, loss="mse", lr=1e-9, epochs=1, progress=False)  # the weights barely move
    titles: list[str] = []

    def keep_title(figure: Any, target: Path, who: str) -> Path:
        titles.append(figure.axes[0].get_title())
        return save_figure(figure, target, who)

    monkeypatch.setattr("tinygrad_dk.viz.boundary.save_figure", keep_title)
    plot_decision_boundary(model, X, y, tmp_path / "mse.png", resolution=8, threshold=history.threshold)
    plot_decision_boundary(model, X, y, tmp_path / "default.png", resolution=8)
    assert history.threshold == 0.5 and history.accuracy == [1.0]
    assert titles == [
        "decision boundary (score > 0.5): 100% of the points right",  # as fit counted
        "decision boundary (score > 0): 75% of the points right",
    ]  # 0.2 > 0: class 1


def test_decision_boundary_takes_numpy_bools_ranges_and_generators(tmp_path: Path) -> None:
    X = np.array([[-1.0, -1.0], [-0.5, -1.2], [1.0, 1.0], [1.2, 0.4]])
    model = MLP(2, [1], seed=0)
    for y in (X[:, 0] > 0, (X[:, 0] > 0).tolist()):  # bool labels are 0 and 1
        path = tmp_path / f"{type(y).__name__}.png"
        assert_picture(plot_decision_boundary(model, X, y, path, resolution=8))
    assert_picture(plot_decision_boundary(MLP(2, [4], seed=0), X, range(4), tmp_path / "r.png", resolution=8))
    with pytest.raises(ValueError, match=r"a model with one output separates two classes, but y holds 4"):
        plot_decision_boundary(model, X, range(4), tmp_path / "four.png", resolution=8)
    assert_picture(
        plot_decision_boundary(model, (row for row in X.tolist()), [0, 0, 1, 1], tmp_path / "g.png", resolution=8)
    )


def test_decision_boundary_several_classes(tmp_path: Path) -> None:
    X = [[0.0, 1.0], [1.0, 0.0], [-1.0, -1.0], [0.5, 0.5]]
    y = [0, 1, 2, 0]
    assert_picture(plot_decision_boundary(MLP(2, [4, 3], seed=1), X, y, tmp_path / "b3.png", resolution=10))
    with pytest.raises(ValueError, match="the model has 3 outputs, so labels must be 0 to 2, but y holds 3"):
        plot_decision_boundary(MLP(2, [4, 3], seed=1), X, [0, 1, 3, 0], tmp_path / "bad.png", resolution=4)


@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        ([[0.0, 1.0]], [0, 1], "plot_decision_boundary: X has 1 sample but y has 2 labels"),
        ([[0.0, 1.0, 2.0]], [0], "X have 3 features, not 2: the picture is of a model with 2 inputs"),
        ([], [], "X is empty: give at least one sample"),
        ([[0.0, float("nan")]], [0], r"X\[0\]\[1\] is nan: features must be finite numbers"),
        ([[0.0, 1.0]], [0.5], r"y\[0\] is 0.5: labels must be whole numbers"),
    ],
)
def test_decision_boundary_checks_its_data(X: list[list[float]], y: list[float], match: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=match):
        plot_decision_boundary(MLP(2, [1]), X, y, tmp_path / "b.png", resolution=4)  # type: ignore[arg-type]
    assert not (tmp_path / "b.png").exists()


@pytest.mark.parametrize(
    ("draw", "error", "match"),
    [
        (
            lambda p: plot_decision_boundary(MLP(2, [1]), [[0.0, 1.0]], [0], p, resolution=1),
            ValueError,
            r"plot_decision_boundary: resolution must be from 2 to 1000, got 1",
        ),
        (
            lambda p: plot_decision_boundary(MLP(2, [1]), [[0.0, 1.0]], [0], p, resolution=1001),
            ValueError,
            r"resolution must be from 2 to 1000, got 1001",
        ),
        (
            lambda p: plot_decision_boundary(MLP(2, [1]), [[0.0, 1.0]], [0], p, resolution=50.0),  # type: ignore[arg-type]
            TypeError,
            r"plot_decision_boundary: resolution must be an int, not float: 50.0",
        ),
        (lambda p: plot_activations(p, points=2), ValueError, r"plot_activations: points must be >= 3, got 2"),
        (
            lambda p: plot_activations(p, points="401"),  # type: ignore[arg-type]
            TypeError,
            r"plot_activations: points must be an int, not str",
        ),
    ],
)
def test_plot_sizes_are_checked(draw: Any, error: type[Exception], match: str, tmp_path: Path) -> None:
    with pytest.raises(error, match=match):
        draw(tmp_path / "p.png")
    assert not (tmp_path / "p.png").exists()


def test_plots_reject_unknown_suffixes(tmp_path: Path) -> None:
    with pytest.raises(
        ValueError,
        match=r"plot_activations cannot write .*name the file with one of \.png, \.svg, "
        r"\.pdf",
    ):
        plot_activations(tmp_path / "a.gif")


def histories() -> dict[str, History]:
    full = History(
        loss=[0.9, 0.5, 0.3, 0.2],
        accuracy=[0.5, 0.7, 0.8, 0.9],
        lr=[0.1] * 4,
        seconds=[0.1] * 4,
        updates=[1] * 4,
        label="full batch",
    )
    sgd = History(
        loss=[0.8, 0.2, 0.05, 0.01],
        accuracy=[0.6, 0.9, 1.0, 1.0],
        lr=[0.1] * 4,
        seconds=[0.3] * 4,
        updates=[40] * 4,
        label="SGD",
        batch_size=1,
    )
    return {"full batch": full, "SGD": sgd}


def test_history_one_run_list_and_dict(tmp_path: Path) -> None:
    runs = histories()
    assert_picture(plot_history(runs["SGD"], tmp_path / "one.png"))
    assert_picture(plot_history(list(runs.values()), tmp_path / "list.png"))
    assert_picture(plot_history(runs, tmp_path / "dict.png"))


def test_history_labels_every_run(tmp_path: Path) -> None:
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # keep text as text, to read it back
        svg = plot_history(histories(), tmp_path / "h.svg").read_text(encoding="utf-8")
    text = " ".join(svg_texts(svg))
    assert "full batch (final 0.2)" in text and "SGD (final 0.01)" in text
    assert "full batch (final 90%)" in text and "SGD (final 100%)" in text
    assert "(log scale)" in text  # 0.9 down to 0.01 spans two decades


def test_history_marks_divergence(tmp_path: Path) -> None:
    broken = History(loss=[1.0, 3.0, float("inf"), float("nan")], accuracy=[0.5, 0.4], label="lr too high")
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        svg = plot_history(broken, tmp_path / "h.svg").read_text(encoding="utf-8")
    assert "lr too high (diverged at epoch 3)" in " ".join(svg_texts(svg))


@pytest.mark.parametrize(
    ("histories_", "error", "match"),
    [
        ([], ValueError, "plot_history got no histories"),
        (42, TypeError, "plot_history takes a History, a list of Histories or a dict label -> History, not int"),
        ([History()], ValueError, "run 'run 1' has no epochs"),
        ({"a": 3}, TypeError, "run 'a' is a int, not a History with a .loss list"),
    ],
)
def test_history_rejects_bad_input(histories_: object, error: type[Exception], match: str, tmp_path: Path) -> None:
    with pytest.raises(error, match=match):
        plot_history(histories_, tmp_path / "h.png")


def test_activations_plot_and_the_backend_is_left_alone(tmp_path: Path) -> None:
    backend = matplotlib.get_backend()
    assert_picture(plot_activations(tmp_path / "act.png"), min_width=800)
    assert matplotlib.get_backend() == backend


# --- the pictures in Danish: the same data, other words ---


def drawn(monkeypatch: pytest.MonkeyPatch, module: str, draw: Callable[[], object]) -> Figure:
    """The figure ``draw()`` saves through ``tinygrad_dk.viz.<module>``, kept to read its artists."""
    figures: list[Figure] = []

    def keep(figure: Figure, target: Path, who: str) -> Path:
        figures.append(figure)
        return save_figure(figure, target, who)

    monkeypatch.setattr(f"tinygrad_dk.viz.{module}.save_figure", keep)
    draw()
    assert len(figures) == 1
    return figures[0]


def words_of(figure: Figure) -> dict[str, list[str]]:
    """The figure's words: each axes' title and axis labels, every legend's texts, the suptitle, any notes."""
    axes = figure.get_axes()
    legends = [*figure.legends, *(legend for ax in axes if (legend := ax.get_legend()) is not None)]
    ticks = {id(t) for ax in axes for t in (*ax.get_xticklabels(), *ax.get_yticklabels())}
    return {
        "titles": [ax.get_title() for ax in axes if ax.get_visible()],
        "xlabels": [ax.get_xlabel() for ax in axes if ax.get_visible()],
        "ylabels": [ax.get_ylabel() for ax in axes if ax.get_visible()],
        "legends": [t.get_text() for legend in legends for t in legend.get_texts()],
        "suptitle": [figure.get_suptitle()],
        "all": [t.get_text() for t in figure.findobj(Text) if t.get_text() and id(t) not in ticks],
    }


def data_of(figure: Figure) -> list[Any]:
    """What the figure plots: every line's points, every collection's paths, offsets, values and colours, the axes."""
    out: list[Any] = []
    for ax in figure.get_axes():
        out += [ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale(), ax.get_visible()]
        out += [line.get_xydata() for line in ax.get_lines()]
        for c in ax.collections:
            out += [c.get_offsets(), c.get_facecolor(), c.get_array(), *(p.vertices for p in c.get_paths())]
        out += [[t.get_text() for t in (*ax.get_xticklabels(), *ax.get_yticklabels())]]  # the numbers on the axes
    return out


def assert_same_data(a: list[Any], b: list[Any]) -> None:
    assert len(a) == len(b) > 0
    for x, y in zip(a, b, strict=True):
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            assert np.array_equal(np.ma.filled(x, np.nan), np.ma.filled(y, np.nan), equal_nan=True)
        else:
            assert x == y


ENGLISH = re.compile(
    r"\b(epoch|loss|accuracy|training|final|run|diverged|recorded|log scale|class|decision|boundary|"
    r"points|right|model|outputs|one|point|activation|functions|derivatives|computed|engine)\b",
    re.I,
)


def unlabelled_histories() -> list[History]:
    """Two runs without labels (the picture names them), one of them diverged, one without accuracies."""
    fine = History(loss=[0.9, 0.5, 0.3, 0.01], accuracy=[0.5, 0.7, 0.8, 0.9], updates=[1] * 4)
    broken = History(loss=[0.8, 3.0, float("inf")], updates=[1] * 3)
    return [fine, broken]


def boundary_model() -> MLP:
    """One neuron whose boundary is the line x1 + x2 = 0, between BOUNDARY_DATA's two classes."""
    model = MLP(2, [1], seed=0)
    neuron = model.layers[0].neurons[0]
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 1.0, 1.0, 0.0
    return model


BOUNDARY_DATA = ([[-1.0, -1.0], [-0.5, -1.2], [1.0, 1.0], [1.2, 0.4]], [0, 0, 1, 1])
BLOBS_DATA = ([[0.0, 1.0], [1.0, 0.0], [-1.0, -1.0], [0.5, 0.5]], [0, 1, 2, 0])

PLOTS: dict[str, tuple[str, Callable[[Path, str | None], object], dict[str, list[str]]]] = {
    "history": (
        "history",
        lambda p, lang: plot_history(unlabelled_histories(), p, lang=lang),
        {
            "titles": ["træningstab pr. epoke", "træningsnøjagtighed pr. epoke"],
            "xlabels": ["epoke", "epoke"],
            "ylabels": ["tab (logaritmisk skala)", "nøjagtighed"],  # 0.9 down to 0.01: a log axis
            "legends": ["kørsel 1 (til sidst 0.01)", "kørsel 2 (divergerede i epoke 3)", "kørsel 1 (til sidst 90%)"],
        },
    ),
    "history_no_accuracy": (
        "history",
        lambda p, lang: plot_history(unlabelled_histories()[1], p, lang=lang),
        {
            "titles": ["træningstab pr. epoke", "træningsnøjagtighed pr. epoke"],
            "legends": ["træning (divergerede i epoke 3)"],
            "all": ["ingen nøjagtighed registreret"],
        },
    ),
    "boundary": (
        "boundary",
        lambda p, lang: plot_decision_boundary(boundary_model(), *BOUNDARY_DATA, p, resolution=12, lang=lang),
        {
            "titles": ["beslutningsgrænse (score > 0): 100% af punkterne rigtige", ""],
            "xlabels": ["x1", ""],
            "ylabels": ["x2", "modellens score"],  # the colour bar is an axes of its own
            "legends": ["klasse 0", "klasse 1"],
        },
    ),
    "boundary_classes": (
        "boundary",
        lambda p, lang: plot_decision_boundary(MLP(2, [4, 3], seed=1), *BLOBS_DATA, p, resolution=10, lang=lang),
        {
            "titles": ["beslutningsgrænse (argmax af outputtene): 25% af punkterne rigtige"],
            "legends": ["klasse 0", "klasse 1", "klasse 2"],
        },
    ),
    "activations": (
        "activations",
        lambda p, lang: plot_activations(p, points=41, lang=lang),
        {
            "suptitle": ["Aktiveringsfunktioner og deres afledte, beregnet af motoren"],
            "legends": ["f(x)", "f'(x), ét backward() pr. punkt", "f'(0)"],
            "xlabels": ["x"] * 6,
        },
    ),
}


@pytest.mark.parametrize("name", PLOTS)
def test_pictures_in_danish_show_the_same_data_in_other_words(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, draw, expected = PLOTS[name]
    english = drawn(monkeypatch, module, lambda: draw(tmp_path / "en.png", "en"))
    danish = drawn(monkeypatch, module, lambda: draw(tmp_path / "da.png", "da"))
    words = words_of(danish)
    for where, texts in expected.items():
        if where == "all":
            assert set(texts) <= set(words["all"])
        else:
            assert words[where][: len(texts)] == texts, where
    assert [t for t in words["all"] if ENGLISH.search(t)] == []
    assert [t for t in words_of(english)["all"] if ENGLISH.search(t)] != []  # the check can fail
    assert_same_data(data_of(english), data_of(danish))
    assert_picture(tmp_path / "da.png")


def test_the_pictures_language_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINYGRAD_DK_LANG", "da")
    figure = drawn(monkeypatch, "history", lambda: plot_history(unlabelled_histories(), tmp_path / "h.png"))
    assert words_of(figure)["xlabels"] == ["epoke", "epoke"]
    english = drawn(
        monkeypatch, "history", lambda: plot_history(unlabelled_histories(), tmp_path / "h.png", lang="en")
    )  # lang= wins
    assert words_of(english)["xlabels"] == ["epoch", "epoch"]
    monkeypatch.setenv("TINYGRAD_DK_LANG", "de")
    with pytest.raises(ValueError, match=r"TINYGRAD_DK_LANG='de' is not a language plot_activations knows"):
        plot_activations(tmp_path / "a.png")
    with pytest.raises(ValueError, match=r"^plot_decision_boundary: unknown language 'fr': use one of 'en', 'da'$"):
        plot_decision_boundary(MLP(2, [1]), *BOUNDARY_DATA, tmp_path / "b.png", lang="fr")
    assert not (tmp_path / "a.png").exists() and not (tmp_path / "b.png").exists()
