"""The explorer page without a browser: what it records, what it exports, how it is written."""

from __future__ import annotations

import dataclasses
import html
import json
import math
import os
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tinygrad_dk import explore as ex
from tinygrad_dk.advice import NoGradientWarning, TrainingWarning
from tinygrad_dk.data import make_blobs, make_moons
from tinygrad_dk.engine import OPS, Value
from tinygrad_dk.losses import cross_entropy, hinge
from tinygrad_dk.nn import MLP
from tinygrad_dk.optim import SGD
from tinygrad_dk.train import History

Data = tuple[list[list[float]], list[int]]
SmallRun = tuple[ex.Run, dict[int, dict[str, float]], MLP]  # the run, the weights after each epoch, the model
Page = tuple[Path, str]


def embedded(page: str) -> dict[str, Any]:
    """The JSON the page carries, read back as the browser would (after un-escaping)."""
    found = re.findall(r'<script type="application/json" id="explorer-data">(.*?)</script>', page, re.S)
    assert len(found) == 1
    data: dict[str, Any] = json.loads(found[0])
    return data


@pytest.fixture(scope="module", autouse=True)
def _words_in_english_unless_asked() -> Iterator[None]:
    """The page's language comes from TINYGRAD_DK_LANG when not given: keep the developer's own out (module-wide,
    before the module's runs are recorded)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("TINYGRAD_DK_LANG", raising=False)
        yield


@pytest.fixture(scope="module")
def moons() -> Data:
    return make_moons(24, noise=0.1, seed=3)


@pytest.fixture(scope="module")
def small_run(moons: Data) -> SmallRun:  # MLP(2, [3, 1]): 39 nodes a sample, so the whole graph is exported
    X, y = moons
    states: dict[int, dict[str, float]] = {}
    model = MLP(2, [3, 1], seed=1)
    states[0] = model.state_dict()
    run = ex.record_run(
        model,
        X,
        y,
        epochs=7,
        max_frames=4,
        graph_epochs=2,
        lr=0.3,
        progress=False,
        callbacks=[lambda epoch, m, h: states.__setitem__(epoch, m.state_dict())],
    )
    return run, states, model


# --- recording ---


def test_frames_are_the_model_state_after_each_kept_epoch(small_run: SmallRun) -> None:
    run, states, _ = small_run
    # 7 epochs into at most 4 frames: every ceil(7 / 3) = 3rd epoch, and the last one
    assert run.epochs == [0, 3, 6, 7]
    for epoch in run.epochs:
        assert run.state(epoch) == states[epoch]
    assert states[3] != states[6]  # training moved the weights: the comparison can fail


def test_a_run_keeps_fits_history(small_run: SmallRun) -> None:
    run, _, _ = small_run
    assert isinstance(run.history, History)
    assert len(run.history.loss) == 7 and run.history.updates == [1] * 7
    assert run.label == "full batch" and run.loss == "hinge"


def test_every_epoch_is_kept_in_a_short_run(moons: Data) -> None:
    X, y = moons
    run = ex.record_run(MLP(2, [2, 1]), X, y, epochs=3, progress=False, max_graph_samples=2)
    assert run.epochs == [0, 1, 2, 3]
    assert run.backprop["epochs"] == [0, 3]  # graph_epochs=2: the first and the last
    assert run.backprop["samples"] == [0, 23]


def test_graph_epochs_and_samples_are_evenly_spread(moons: Data) -> None:
    X, y = moons
    run = ex.record_run(MLP(2, [2, 1]), X, y, epochs=4, graph_epochs=3, max_graph_samples=4, progress=False)
    assert run.backprop["epochs"] == [0, 2, 4]
    assert run.backprop["samples"] == [0, 8, 15, 23]
    assert [len(per_epoch) for per_epoch in run.backprop["graphs"]] == [4, 4, 4]


# --- the exported graphs equal the engine's numbers ---

Graph = dict[str, Any]


def structure_of(run: ex.Run, epoch_index: int, k: int) -> tuple[Graph, Graph]:
    g = run.backprop["graphs"][epoch_index][k]
    return run.backprop["structures"][g["s"]], g


def expanded(run: ex.Run, epoch_index: int, k: int) -> tuple[Graph, list[float], list[float], list[float]]:
    """A graph's structure, every node's data and grad and every edge's local derivative, as the page reads them.

    The weights of the folded view take their data from the run's weights; an edge whose local
    derivative is the ``same`` as a node's data takes that node's data.
    """
    st, g = structure_of(run, epoch_index, k)
    weights = run.frames[run.epochs.index(run.backprop["epochs"][epoch_index])]
    data = g["data"] + [weights[node["param"]] for node in st["nodes"][st["steps"] :]]
    own = iter(g["local"])
    local = [data[same] if same >= 0 else next(own) for same in st["same"]]
    assert next(own, None) is None and len(g["grad"]) == len(data) == len(st["nodes"])
    return st, data, g["grad"], local


def fresh_grads(
    run: ex.Run, epoch: int, x: list[float], target: float, activation: str = "relu"
) -> tuple[Value, dict[str, Value]]:
    """The engine's graph of one sample, without the explorer: the loss and its named nodes after backward.

    Layer by layer, as model(x) builds it: each neuron's output and the sum under its
    activation (the output itself when linear), named as the page names them, the weights and
    biases by their labels, and the inputs.
    """
    model = MLP(2, [layer[1] for layer in run.layers], activation=activation)
    model.load_state_dict(run.state(epoch))
    named: dict[str, Value] = {"x1": Value(x[0]), "x2": Value(x[1])}
    h = [named["x1"], named["x2"]]
    for k, layer in enumerate(model.layers, 1):
        h = [neuron(h) for neuron in layer.neurons]
        for j, (neuron, out) in enumerate(zip(layer.neurons, h, strict=True), 1):
            if neuron.activation != "linear":
                named[f"L{k}.n{j}.sum"] = out.children[0]
            named[f"L{k}.n{j}.out" if k < len(model.layers) else "score"] = out  # one output: the score
    loss = hinge(h[0], target)
    model.zero_grad()
    loss.backward()
    return loss, named | {p.label: p for p in model.parameters()}


@pytest.mark.parametrize("epoch_index", [0, 1])
def test_whole_graph_data_and_grads_are_the_engines(small_run: SmallRun, moons: Data, epoch_index: int) -> None:
    run, _, _ = small_run
    X, y = moons
    assert run.backprop["scope"] == "whole"
    epoch = run.backprop["epochs"][epoch_index]
    checked = 0
    for k, i in enumerate(run.backprop["samples"]):
        st, data, grad, _ = expanded(run, epoch_index, k)
        loss, named = fresh_grads(run, epoch, X[i], 2 * y[i] - 1)
        labels = [node["label"] for node in st["nodes"]]
        assert st["steps"] == len(labels)  # the whole graph: every node is a step
        assert labels[0] == "loss" and data[0] == loss.data == structure_of(run, epoch_index, k)[1]["loss"]
        assert grad[0] == 1.0
        for name, v in named.items():  # every weight, bias, input, output and sum is a node, with the engine's grad
            assert grad[labels.index(name)] == v.grad and data[labels.index(name)] == v.data
        checked += any(v.grad for v in named.values())
    assert checked > 0  # some sample has a non-zero gradient


def test_local_derivatives_follow_the_op_table_and_grads_follow_the_chain_rule(small_run: SmallRun) -> None:
    run, _, _ = small_run
    for epoch_index in range(len(run.backprop["epochs"])):
        for k in range(len(run.backprop["samples"])):
            st, data, grad, local = expanded(run, epoch_index, k)
            args = structure_of(run, epoch_index, k)[1]["args"]
            kids: dict[int, list[int]] = {}
            for e, (parent, _child) in enumerate(st["edges"]):
                kids.setdefault(parent, []).append(e)
            for parent, edges in kids.items():  # d parent / d child from the op table, given the exported data
                node = st["nodes"][parent]
                a = data[st["edges"][edges[0]][1]]
                b = data[st["edges"][edges[1]][1]] if len(edges) == 2 else args.get(str(parent))
                expected = OPS[node["op"]].local(a, b, data[parent])
                assert [local[e] for e in edges] == list(expected)
            assert_chain_rule(st, grad, local)


def assert_chain_rule(st: Graph, grad: list[float], local: list[float]) -> None:
    """Each grad but the loss's is the sum of local * parent grad over its edges, in their order, exactly."""
    total = [0.0] * len(st["nodes"])
    for e, (parent, child) in enumerate(st["edges"]):
        assert parent < child and parent < st["steps"]  # the engine's order: parents come first, and are steps
        total[child] += local[e] * grad[parent]  # the engine's arithmetic, term by term
    assert total[1:] == grad[1:]


def test_the_samples_losses_are_fits_loss(small_run: SmallRun, moons: Data) -> None:
    run, _, _ = small_run
    # full batch: epoch 1's loss is the mean loss at the starting weights (epoch 0's graphs)
    losses = [g["loss"] for g in run.backprop["graphs"][0]]
    assert len(losses) == len(moons[0])
    assert sum(losses) / len(losses) == pytest.approx(run.history.loss[0], rel=1e-12)


# --- the folded view: one box per neuron ---


@pytest.fixture(scope="module")
def deep_run(moons: Data) -> ex.Run:
    """The demo's network, MLP(2, [16, 16, 1]): 982 nodes a sample, so the page folds it per neuron."""
    X, y = moons
    return ex.record_run(
        MLP(2, [16, 16, 1], seed=2), X, y, epochs=2, graph_epochs=2, max_graph_samples=6, progress=False
    )


def test_a_large_network_is_folded_per_neuron(deep_run: ex.Run) -> None:
    B = deep_run.backprop
    assert B["scope"] == "neurons" and B["size"] == 982
    assert len(B["structures"]) == 1  # every sample's graph has the same shape
    st = B["structures"][0]
    labels = [node["label"] for node in st["nodes"]]
    # the loss's 3 nodes (relu, + 1, * -t), the score, the hidden neurons' outputs and sums, x1 and x2
    assert st["steps"] == 3 + 1 + 2 * 32 + 2 == 70
    assert labels[0] == "loss" and labels[3] == "score" and sorted(labels[68:70]) == ["x1", "x2"]
    assert {f"L{k}.n{j}.{part}" for k in (1, 2) for j in range(1, 17) for part in ("out", "sum")} <= set(labels)
    params = st["nodes"][st["steps"] :]  # then every weight and bias, in state_dict order
    model = MLP(2, [16, 16, 1])
    assert [p["label"] for p in params] == [p.label for p in model.parameters()]
    assert [p["param"] for p in params] == list(range(len(deep_run.names))) and len(params) == 337
    neurons = st["neurons"]
    assert [n["label"] for n in neurons] == [
        f"L{k}.n{j}" for k, size in ((1, 16), (2, 16), (3, 1)) for j in range(1, size + 1)
    ]
    for n in neurons:
        assert labels[n["out"]] == ("score" if n["layer"] == 3 else f"{n['label']}.out")
        assert labels[n["sum"]] == ("score" if n["layer"] == 3 else f"{n['label']}.sum")
        assert [labels[i] for i in n["params"]][-1] == f"{n['label']}.b"
    assert len(json.dumps(B)) < 20_000 * len(B["samples"]) * len(B["epochs"])  # about 5 kB a graph


@pytest.mark.parametrize("epoch_index", [0, 1])
def test_folded_grads_and_data_are_the_engines(deep_run: ex.Run, moons: Data, epoch_index: int) -> None:
    X, y = moons
    epoch = deep_run.backprop["epochs"][epoch_index]
    hidden = 0
    for k, i in enumerate(deep_run.backprop["samples"]):
        st, data, grad, _ = expanded(deep_run, epoch_index, k)
        loss, named = fresh_grads(deep_run, epoch, X[i], 2 * y[i] - 1)
        labels = [node["label"] for node in st["nodes"]]
        assert data[0] == loss.data and grad[0] == 1.0
        assert len(named) == len(labels) - 3  # every node but the loss's own three
        for name, v in named.items():
            assert grad[labels.index(name)] == v.grad, name
            assert data[labels.index(name)] == v.data, name
        hidden += any(named[f"L1.n{j}.w1"].grad for j in range(1, 17))
    assert hidden > 0  # a first-layer weight has a non-zero gradient: the test can fail


@pytest.mark.parametrize(
    ("make", "loss"),
    [
        (lambda: MLP(2, [16, 16, 1], seed=2), "hinge"),
        (lambda: MLP(2, [5, 4, 1], activation="tanh", seed=1), "hinge"),
        (lambda: MLP(2, [4, 3], activation="sigmoid", seed=1), "cross_entropy"),
    ],
)
def test_folded_grads_follow_the_chain_rule_exactly(moons: Data, make: Any, loss: str) -> None:
    X, y = moons
    y = [v if loss == "hinge" else i % 3 for i, v in enumerate(y)]
    run = ex.record_run(make(), X, y, loss=loss, epochs=1, graph="neurons", max_graph_samples=4, progress=False)
    for epoch_index in (0, 1):
        for k in range(4):
            st, _, grad, local = expanded(run, epoch_index, k)
            # the + nodes pass the gradient on unchanged (times 1.0), so the folded sums are the engine's, bit for bit
            assert_chain_rule(st, grad, local)


def test_folded_edges_carry_the_weights_and_the_inputs(deep_run: ex.Run) -> None:
    """d sum / d input is the input's weight; d sum / d weight is the weight's input; d sum / d bias is 1."""
    state = deep_run.state(deep_run.backprop["epochs"][1])
    st, data, _, local = expanded(deep_run, 1, 2)
    labels = [node["label"] for node in st["nodes"]]
    for n in st["neurons"]:
        edges = [e for e, (parent, _) in enumerate(st["edges"]) if parent == n["sum"]]
        children = [st["edges"][e][1] for e in edges]
        layer, j = n["layer"], int(n["label"].split(".n")[1])
        inputs = ["x1", "x2"] if layer == 1 else [f"L{layer - 1}.n{i}.out" for i in range(1, 17)]
        for i, name in enumerate(inputs):
            weight = f"layers.{layer - 1}.neurons.{j - 1}.w.{i}"
            assert local[edges[children.index(labels.index(name))]] == state[weight]
            assert local[edges[children.index(n["params"][i])]] == data[labels.index(name)]
        assert local[edges[children.index(n["params"][-1])]] == 1.0
        assert len(edges) == 2 * len(inputs) + 1


def test_a_first_layer_weights_grad_is_the_sum_over_its_paths(deep_run: ex.Run, moons: Data) -> None:
    """From the exported local derivatives alone: every path from the loss down to L1.n{j}.w1, multiplied out."""
    X, y = moons
    B = deep_run.backprop
    k = max(range(len(B["samples"])), key=lambda k: B["graphs"][1][k]["loss"])
    st, _, _, local = expanded(deep_run, 1, k)
    _, named = fresh_grads(deep_run, B["epochs"][1], X[B["samples"][k]], 2 * y[B["samples"][k]] - 1)
    labels = [node["label"] for node in st["nodes"]]
    down: dict[int, list[int]] = {}
    for e, (parent, _) in enumerate(st["edges"]):
        down.setdefault(parent, []).append(e)

    def paths(node: int, target: int) -> list[list[int]]:
        if node == target:
            return [[]]
        return [[e, *rest] for e in down.get(node, []) for rest in paths(st["edges"][e][1], target)]

    nonzero = 0
    for j in range(1, 17):
        found = paths(0, labels.index(f"L1.n{j}.w1"))
        assert len(found) == 16  # loss, score, one of the 16 neurons of L2, L1.n{j}, its weight
        total = sum(math.prod(local[e] for e in path) for path in found)
        assert total == pytest.approx(named[f"L1.n{j}.w1"].grad, rel=1e-12, abs=1e-15)
        nonzero += total != 0
    assert nonzero > 0


@pytest.mark.parametrize(
    ("nouts", "graph", "scope"),
    [([4, 1], "auto", "whole"), ([8, 1], "auto", "neurons"), ([8, 1], "whole", "whole"), ([1], "neurons", "neurons")],
)
def test_graph_scope(moons: Data, nouts: list[int], graph: str, scope: str) -> None:
    X, y = moons
    run = ex.record_run(MLP(2, nouts), X, y, epochs=1, graph=graph, max_graph_samples=1, progress=False)
    assert run.backprop["scope"] == scope


def test_multiclass_cross_entropy_graphs_share_structures_per_class() -> None:
    X, y = make_blobs(12, 3, seed=1)
    run = ex.record_run(MLP(2, [4, 3]), X, y, loss="cross_entropy", epochs=1, progress=False)
    B = run.backprop
    assert len(B["structures"]) == 3  # -log softmax picks the target's logit: one shape per class
    for k, i in enumerate(B["samples"]):
        _, g = structure_of(run, 1, k)
        model = MLP(2, [4, 3])
        model.load_state_dict(run.state(1))
        assert g["loss"] == cross_entropy(model(X[i]), y[i]).data


# --- the page ---


@pytest.fixture(scope="module")
def page(small_run: SmallRun, tmp_path_factory: pytest.TempPathFactory) -> Page:
    run, _, _ = small_run
    path = ex.write_explorer([run], tmp_path_factory.mktemp("page") / "explorer.html")
    return path, path.read_text(encoding="utf-8")


def test_the_page_is_self_contained(page: Page) -> None:
    _, text = page
    assert not re.search(r"""(src|href|action)\s*=\s*["']?\s*(https?:)?//""", text, re.I)
    assert not re.search(r"<link|<iframe|<img|@import|url\(", text, re.I)
    scripts = re.findall(r"<script[^>]*>", text)
    assert scripts == ['<script type="application/json" id="explorer-data">', "<script>"]
    for api in ("fetch(", "XMLHttpRequest", "WebSocket", "EventSource", "import(", "sendBeacon"):
        assert api not in text


def test_the_page_embeds_the_runs_numbers(page: Page, small_run: SmallRun) -> None:
    run, states, _ = small_run
    data = embedded(page[1])
    assert data["format"] == "tinygrad_dk.explorer"
    r = data["runs"][0]
    assert r["epochs"] == run.epochs
    for epoch, weights in zip(r["epochs"], r["weights"], strict=True):  # JSON keeps every float exactly
        assert weights == list(states[epoch].values())
    assert r["history"]["loss"] == run.history.loss
    assert {k: v for k, v in r["backprop"].items() if not k.startswith("scope_")} == run.backprop


def test_each_run_carries_the_threshold_fit_recorded(moons: Data, tmp_path: Path) -> None:
    X, y = moons
    runs = [
        ex.record_run(MLP(2, [3, 1], seed=1), X, y, loss=loss, epochs=2, progress=False, label=loss)
        for loss in ("mse", "hinge")
    ]
    assert [(r.threshold, r.history.threshold) for r in runs] == [(0.5, 0.5), (0.0, 0.0)]
    page = ex.write_explorer(runs, tmp_path / "page.html").read_text(encoding="utf-8")
    assert [r["threshold"] for r in embedded(page)["runs"]] == [0.5, 0.0]  # the number itself, for the page's JS


def test_labels_cannot_break_out_of_the_script(moons: Data, tmp_path: Path) -> None:
    X, y = moons
    evil = "</script><script>alert(1)</script><!--"
    run = ex.record_run(MLP(2, [1]), X, y, epochs=1, label=evil, progress=False)
    text = ex.write_explorer(run, tmp_path / "page.html", title="<b>&</b>").read_text(encoding="utf-8")
    assert text.count("</script>") == 2 and "<!--" not in text and "<b>" not in text
    assert embedded(text)["runs"][0]["label"] == evil
    assert embedded(text)["title"] == "<b>&</b>"
    assert "<title>&lt;b&gt;&amp;&lt;/b&gt;</title>" in text


def test_non_finite_numbers_are_written_as_markers(small_run: SmallRun, tmp_path: Path) -> None:
    run = small_run[0]
    history = dataclasses.replace(run.history, loss=[math.nan, math.inf, -math.inf, *run.history.loss[3:]])
    text = ex.write_explorer(dataclasses.replace(run, history=history), tmp_path / "p.html").read_text()
    assert embedded(text)["runs"][0]["history"]["loss"][:4] == ["__nan__", "__inf__", "__-inf__", run.history.loss[3]]


def test_the_file_is_replaced_atomically(small_run: SmallRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "explorer.html"
    path.write_text("the old page")

    def fail(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)  # the module explore's write_atomic calls
    with pytest.raises(OSError, match="disk full"):
        ex.write_explorer(small_run[0], path)
    assert path.read_text() == "the old page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["explorer.html"]  # no temporary file left
    monkeypatch.undo()
    ex.write_explorer(small_run[0], path)
    assert path.read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["explorer.html"]


def test_the_default_demo_page_is_small(tmp_path: Path) -> None:
    # The demo: MLP(2, [16, 16, 1]) on make_moons(100), 100 epochs, so 101 weight sets and graphs of all
    # 100 samples at 2 epochs. Training 100 epochs takes a minute here, so train 2 and repeat the weights
    # and the history up to 100 epochs: the page holds as many numbers as the demo's.
    X, y = make_moons(100)
    run = ex.record_run(MLP(2, [16, 16, 1]), X, y, epochs=2, progress=False)
    assert len(run.backprop["samples"]) == 100 and run.backprop["epochs"] == [0, 2]
    assert run.backprop["scope"] == "neurons"  # folded per neuron: every gradient down to the first layer's
    h = run.history
    history = dataclasses.replace(h, loss=h.loss * 50, accuracy=h.accuracy * 50, lr=h.lr * 50, updates=h.updates * 50)
    demo = dataclasses.replace(
        run, epochs=list(range(101)), frames=[run.frames[k % 3] for k in range(101)], history=history
    )
    size = ex.write_explorer(demo, tmp_path / "demo.html").stat().st_size
    assert 300_000 < size < 2_000_000  # about 1.7 MB: the weights' grads of 200 graphs are most of it


def test_explore_trains_copies_from_the_same_start(moons: Data, tmp_path: Path) -> None:
    X, y = moons
    model = MLP(2, [3, 1])
    before = model.state_dict()
    path = ex.explore(
        model, X, y, out=tmp_path / "cmp.html", batch_sizes=[None, 8, 1], epochs=2, progress=False, label="moons"
    )
    assert model.state_dict() == before
    runs = embedded(path.read_text())["runs"]
    assert [r["label"] for r in runs] == ["moons: full batch", "moons: mini-batch 8", "moons: SGD (batch 1)"]
    assert runs[0]["weights"][0] == runs[1]["weights"][0] == runs[2]["weights"][0] == list(before.values())
    assert [r["history"]["updates"] for r in runs] == [[1, 1], [3, 3], [24, 24]]


# --- fit's warnings to the learner ---


def test_fits_warnings_reach_the_page_at_their_epochs(moons: Data) -> None:
    # a step activation has no slope, so no gradient reaches layer 1 (from epoch 1), and at
    # lr 1e-9 the loss cannot fall (said after 20 epochs): fit's own warnings, on the page
    model = MLP(2, [3, 1], activation="step", seed=1)
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        run = ex.record_run(model, *moons, epochs=25, lr=1e-9, progress=False, lang="da")
    assert [w.message for w in shown if isinstance(w.message, TrainingWarning)] == []  # on the page, not printed
    page = embedded(ex.render_html([run]))
    found = page["runs"][0]["warnings"]
    assert [(w["epoch"], w["cause"]) for w in found] == [(1, "no_gradient"), (21, "loss_not_falling")]
    assert [w["message"] for w in found] == [str(w) for w in run.history.warnings]
    assert "L1" in found[0]["message"] and "lr" in found[1]["message"]  # which layer, and what to change


def test_the_warnings_are_printed_when_asked(moons: Data) -> None:
    with pytest.warns(NoGradientWarning):
        ex.record_run(MLP(2, [3, 1], activation="step", seed=1), *moons, epochs=2, progress=False, warn=True)


def test_a_healthy_run_has_no_warnings(small_run: SmallRun) -> None:
    assert embedded(ex.render_html([small_run[0]]))["runs"][0]["warnings"] == []


# --- bad arguments ---


def square(v: Value) -> Value:
    return v * v


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"epochs": 0}, ValueError, "record_run: epochs must be >= 1, got 0"),
        ({"max_frames": 1}, ValueError, "record_run: max_frames must be >= 2, got 1"),
        ({"graph_epochs": 0}, ValueError, "record_run: graph_epochs must be >= 1, got 0"),
        ({"max_graph_samples": 2.5}, TypeError, "record_run: max_graph_samples must be an int, not float: 2.5"),
        ({"graph": "all"}, ValueError, "graph must be one of auto, whole, neurons, got 'all'"),
    ],
)
def test_record_run_rejects_bad_options(
    moons: Data, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        ex.record_run(MLP(2, [1]), *moons, progress=False, **kwargs)


def test_record_run_rejects_what_the_page_cannot_draw(moons: Data) -> None:
    X, y = moons
    with pytest.raises(
        ValueError,
        match=r"record_run: the samples in X have 3 features, not 2: the explorer draws "
        r"two-dimensional data; give "
        r"each sample as \[x1, x2\]",
    ):
        ex.record_run(MLP(2, [1]), [[1.0, 2.0, 3.0]], [0])
    with pytest.raises(ValueError, match=r"X\[0\] is 1.0; give each sample as a list of 2 numbers"):
        ex.record_run(MLP(2, [1]), [1.0, 2.0], [0, 1])
    with pytest.raises(ValueError, match="X has 24 samples but y has 3 labels"):
        ex.record_run(MLP(2, [1]), X, [0, 1, 0])
    with pytest.raises(ValueError, match="the model has 3 inputs: use a model with 2 inputs"):
        ex.record_run(MLP(3, [1]), X, y)
    with pytest.raises(
        ValueError, match=r"layer 1 uses the activation 'square', the function [\w.]*square, which is not one of "
    ):
        ex.record_run(MLP(2, [2, 1], activation=square), X, y)
    with pytest.raises(TypeError, match=r"model must be a tinygrad_dk\.nn\.MLP"):
        ex.record_run(object(), X, y)


def tanh_called(name: str) -> Callable[[Value], Value]:
    """A function of the user's own that computes tanh and is called ``name``."""

    def fn(v: Value) -> Value:
        return v.tanh()

    fn.__name__ = fn.__qualname__ = name
    return fn


@pytest.mark.parametrize(("name", "what"), [("relu", "not tinygrad_dk's relu"), ("linear", "not tinygrad_dk's linear")])
def test_an_activation_is_known_by_its_function_not_its_name(moons: Data, name: str, what: str) -> None:
    # issue 14, item 13: a function called relu that computes tanh was drawn, and recomputed, as relu
    model = MLP(2, [3, 1], activation=tanh_called(name), seed=1)
    before = model.state_dict()
    with pytest.raises(
        ValueError,
        match=rf"^record_run: layer 1 uses the activation '{name}', the function [\w.]*{name}, which is {what}: "
        r"the page computes every neuron in JavaScript .* "
        r"define_op\(name, forward, local, activation=name, js=\.\.\.\)$",
    ):
        ex.record_run(model, *moons, epochs=2, progress=False)
    assert model.state_dict() == before  # refused before training: nothing was changed
    with pytest.raises(ValueError, match=rf"^explore: layer 2 uses the activation '{name}'"):
        ex.explore(MLP(2, [3, 1], output_activation=tanh_called(name)), *moons, epochs=1, progress=False)


@pytest.mark.parametrize(("method", "name"), [(Value.tanh, "tanh"), (Value.relu, "relu"), (Value.sigmoid, "sigmoid")])
def test_values_own_activation_methods_are_the_rows_activations(moons: Data, method: Any, name: str) -> None:
    run = ex.record_run(MLP(2, [3, 1], activation=method, seed=1), *moons, epochs=1, progress=False)
    assert [act for _, _, act in run.layers] == [name, "linear"]


def test_write_explorer_rejects_bad_arguments(small_run: SmallRun, moons: Data, tmp_path: Path) -> None:
    run = small_run[0]
    with pytest.raises(ValueError, match="runs is empty"):
        ex.write_explorer([], tmp_path / "a.html")
    with pytest.raises(TypeError, match="runs must be Runs from record_run, not dict"):
        ex.write_explorer([{}], tmp_path / "a.html")  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"give a path ending in \.html"):
        ex.write_explorer(run, tmp_path / "a.txt")
    assert ex.write_explorer(run, tmp_path / "missing" / "a.html").is_file()  # folders are created, as for pictures
    other = dataclasses.replace(run, label="other", X=[[0.0, 0.0]] * len(run.X))
    with pytest.raises(ValueError, match="run 'other' was trained on other data than run 'full batch'"):
        ex.write_explorer([run, other], tmp_path / "a.html")
    with pytest.raises(ValueError, match="epoch 5 was not recorded; recorded epochs: 0, 3, 6, 7"):
        run.state(5)


def test_explore_rejects_bad_arguments(moons: Data, tmp_path: Path) -> None:
    X, y = moons
    with pytest.raises(ValueError, match=r"batch_sizes must be a non-empty list such as \[None, 16, 1\], got \[\]"):
        ex.explore(MLP(2, [1]), X, y, out=tmp_path / "a.html", batch_sizes=[])
    model = MLP(2, [1])
    with pytest.raises(ValueError, match="with several batch sizes give the optimizer by name"):
        ex.explore(model, X, y, out=tmp_path / "a.html", batch_sizes=[None, 1], optimizer=SGD(model.parameters()))
    assert not (tmp_path / "a.html").exists()


def test_record_run_trains_the_callers_model_in_place(small_run: SmallRun) -> None:
    run, _, model = small_run  # as fit does
    assert run.state(7) == model.state_dict()


# --- the page's language ---

WORDS = json.loads((Path(ex.__file__).parent / "explorer" / "words.json").read_text(encoding="utf-8"))["words"]


def sources() -> dict[str, str]:
    folder = Path(ex.__file__).parent
    return {
        name: (folder / name).read_text(encoding="utf-8")
        for name in ("explorer/template.html", "explorer/explorer.js", "explore.py")
    }


def test_every_word_is_in_both_languages_and_used() -> None:
    for key, both in WORDS.items():
        assert sorted(both) == ["da", "en"] and all(isinstance(v, str) and v for v in both.values()), key
        holes = {lang: sorted(re.findall(r"\{(\w+)\}", text)) for lang, text in both.items()}
        assert holes["en"] == holes["da"], key  # the same numbers and names go into both
    code = sources()
    say = re.findall(r'say\((?:\w+ \? )?"(\w+)"(?: : "(\w+)")?', code["explorer/explorer.js"])  # (folded ? a : b)
    used = {
        "template": set(re.findall(r"\{\{(\w+)\}\}", code["explorer/template.html"])),
        "script": {key for pair in say for key in pair if key},
        "python": set(re.findall(r'(?:_say\(words, |words\[)"(\w+)"', code["explore.py"])),
    }
    everywhere = set().union(*used.values())
    assert everywhere - set(WORDS) == set()  # no word is missing
    assert set(WORDS) - everywhere == set()  # and none is left over
    assert len(used["template"]) > 20 and len(used["script"]) > 30 and len(used["python"]) > 5  # the search finds them


def test_the_template_has_no_words_of_its_own() -> None:
    template = sources()["explorer/template.html"]
    without = re.sub(r"<(script|style)\b.*?</\1>", "", template, flags=re.S)
    shown = re.findall(r">([^<]*[A-Za-z][^<]*)<", without) + re.findall(r'(?:title|aria-label)="([^"]*)"', without)
    assert [t.strip() for t in shown if not re.fullmatch(r"\s*(\{\{\w+\}\}|__TITLE__)\s*", t)] == []


def test_a_danish_page_has_the_same_numbers_in_other_words(moons: Data, tmp_path: Path) -> None:
    X, y = moons
    pages = {
        lang: ex.explore(
            MLP(2, [3, 1], seed=1),
            X,
            y,
            out=tmp_path / f"{lang}.html",
            batch_sizes=[None, 8, 1],
            epochs=2,
            progress=False,
            lang=lang,
        ).read_text(encoding="utf-8")
        for lang in ("en", "da")
    }
    en, da = embedded(pages["en"]), embedded(pages["da"])
    assert (en["lang"], da["lang"]) == ("en", "da") and '<html lang="da">' in pages["da"]
    assert da["words"] == {key: both["da"] for key, both in WORDS.items()}
    assert da["title"] == "tinygrad_dk-udforskeren" and "<title>tinygrad_dk-udforskeren</title>" in pages["da"]
    assert [r["label"] for r in da["runs"]] == ["fuld batch", "mini-batch på 8", "SGD (batch 1)"]
    assert [r["label"] for r in en["runs"]] == ["full batch", "mini-batch 8", "SGD (batch 1)"]
    for key in ("tab_train", "bp_step", "charts_note", "terms_note", "pick_note"):
        assert f">{html.escape(WORDS[key]['da'])}<" in pages["da"] and WORDS[key]["en"] not in pages["da"]
    for r_en, r_da in zip(en["runs"], da["runs"], strict=True):  # every number, the same
        assert {k: v for k, v in r_en.items() if k not in ("label", "backprop")} == {
            k: v for k, v in r_da.items() if k not in ("label", "backprop")
        }
        drop = ("scope_note", "scope_short")
        assert {k: v for k, v in r_en["backprop"].items() if k not in drop} == {
            k: v for k, v in r_da["backprop"].items() if k not in drop
        }
        assert r_da["backprop"]["scope_note"].startswith("Hele grafen for ét eksempels tab: 39 knuder")
    assert {k: v for k, v in en.items() if k not in ("lang", "words", "title", "runs")} == {
        k: v for k, v in da.items() if k not in ("lang", "words", "title", "runs")
    }


def test_the_notes_on_the_graph_are_in_the_pages_language(deep_run: ex.Run, tmp_path: Path) -> None:
    notes = {}
    for lang in ("en", "da"):
        B = embedded(ex.render_html([deep_run], lang=lang))["runs"][0]["backprop"]
        notes[lang] = (B["scope_note"], B["scope_short"])
    assert notes["en"][0].startswith(
        "One sample's whole graph has 982 nodes, too many to read, so each neuron of the "
        "MLP(2, [16, 16, 1]) is one box."
    )
    assert "337 in all" in notes["en"][0] and notes["en"][0].endswith("Graphs were kept for 6 of the 24 samples.")
    assert (
        notes["en"][1].startswith("One box per neuron")
        and "33 neurons, the inputs and the loss's 3 nodes stand for all 982 nodes" in notes["en"][1]
    )
    assert notes["da"][0].startswith(
        "Ét eksempels hele graf har 982 knuder, for mange til at læse, så hver neuron i MLP(2, [16, 16, 1]) er én boks."
    )
    assert "337 i alt" in notes["da"][0] and notes["da"][0].endswith("Der blev gemt grafer for 6 af de 24 eksempler.")
    assert "33 neuroner, input og tabets 3 knuder står for alle 982 knuder" in notes["da"][1]


def test_the_language_comes_from_the_environment(
    small_run: SmallRun, moons: Data, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = small_run[0]
    monkeypatch.setenv("TINYGRAD_DK_LANG", "da")
    assert embedded(ex.write_explorer(run, tmp_path / "a.html").read_text())["lang"] == "da"
    assert embedded(ex.write_explorer(run, tmp_path / "a.html", lang="en").read_text())["lang"] == "en"  # lang= wins
    assert ex.record_run(MLP(2, [1]), *moons, epochs=1, batch_size=4, progress=False).label == "mini-batch på 4"
    monkeypatch.setenv("TINYGRAD_DK_LANG", "sv")
    with pytest.raises(ValueError, match=r"TINYGRAD_DK_LANG='sv' is not a language write_explorer knows"):
        ex.write_explorer(run, tmp_path / "b.html")
    with pytest.raises(ValueError, match=r"TINYGRAD_DK_LANG='sv' is not a language explore knows"):
        ex.explore(MLP(2, [1]), *moons, out=tmp_path / "b.html", epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"^record_run: unknown language 'dk': use one of 'en', 'da'$"):
        ex.record_run(MLP(2, [1]), *moons, epochs=1, progress=False, lang="dk")
    assert not (tmp_path / "b.html").exists()
