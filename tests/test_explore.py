"""The explorer page without a browser: what it records, what it exports, how it is written."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path

import pytest

from tinygrad_dk import explore as ex
from tinygrad_dk.data import make_blobs, make_moons
from tinygrad_dk.engine import OPS, Value
from tinygrad_dk.losses import cross_entropy, hinge
from tinygrad_dk.nn import MLP
from tinygrad_dk.optim import SGD
from tinygrad_dk.train import History


def embedded(page: str) -> dict:
    """The JSON the page carries, read back as the browser would (after un-escaping)."""
    found = re.findall(r'<script type="application/json" id="explorer-data">(.*?)</script>', page, re.S)
    assert len(found) == 1
    return json.loads(found[0])


@pytest.fixture(scope="module")
def moons() -> tuple[list[list[float]], list[int]]:
    return make_moons(24, noise=0.1, seed=3)


@pytest.fixture(scope="module")
def small_run(moons):  # MLP(2, [3, 1]): 39 nodes a sample, so the whole graph is exported
    X, y = moons
    states: dict[int, dict[str, float]] = {}
    model = MLP(2, [3, 1], seed=1)
    states[0] = model.state_dict()
    run = ex.record_run(model, X, y, epochs=7, max_frames=4, graph_epochs=2, lr=0.3, progress=False,
                        callbacks=[lambda epoch, m, h: states.__setitem__(epoch, m.state_dict())])
    return run, states, model


# --- recording ---

def test_frames_are_the_model_state_after_each_kept_epoch(small_run):
    run, states, _ = small_run
    # 7 epochs into at most 4 frames: every ceil(7 / 3) = 3rd epoch, and the last one
    assert run.epochs == [0, 3, 6, 7]
    for epoch in run.epochs:
        assert run.state(epoch) == states[epoch]
    assert states[3] != states[6]  # training moved the weights: the comparison can fail


def test_a_run_keeps_fits_history(small_run):
    run, _, _ = small_run
    assert isinstance(run.history, History)
    assert len(run.history.loss) == 7 and run.history.updates == [1] * 7
    assert run.label == "full batch" and run.loss == "hinge"


def test_every_epoch_is_kept_in_a_short_run(moons):
    X, y = moons
    run = ex.record_run(MLP(2, [2, 1]), X, y, epochs=3, progress=False, max_graph_samples=2)
    assert run.epochs == [0, 1, 2, 3]
    assert run.backprop["epochs"] == [0, 3]  # graph_epochs=2: the first and the last
    assert run.backprop["samples"] == [0, 23]


def test_graph_epochs_and_samples_are_evenly_spread(moons):
    X, y = moons
    run = ex.record_run(MLP(2, [2, 1]), X, y, epochs=4, graph_epochs=3, max_graph_samples=4, progress=False)
    assert run.backprop["epochs"] == [0, 2, 4]
    assert run.backprop["samples"] == [0, 8, 15, 23]
    assert [len(per_epoch) for per_epoch in run.backprop["graphs"]] == [4, 4, 4]


# --- the exported graphs equal the engine's numbers ---

def structure_of(run, epoch_index, k):
    g = run.backprop["graphs"][epoch_index][k]
    return run.backprop["structures"][g["s"]], g


def fresh_grads(run, epoch, x, target):
    """The engine's gradients for one sample, computed without the explorer: model(x), hinge, backward."""
    model = MLP(2, [layer[1] for layer in run.layers])
    model.load_state_dict(run.state(epoch))
    xs = [Value(x[0]), Value(x[1])]
    loss = hinge(model(xs), target)
    model.zero_grad()
    loss.backward()
    return loss, {p.label: p.grad for p in model.parameters()} | {"x1": xs[0].grad, "x2": xs[1].grad}


@pytest.mark.parametrize("epoch_index", [0, 1])
def test_whole_graph_data_and_grads_are_the_engines(small_run, moons, epoch_index):
    run, _, _ = small_run
    X, y = moons
    assert run.backprop["scope"] == "whole"
    epoch = run.backprop["epochs"][epoch_index]
    checked = 0
    for k, i in enumerate(run.backprop["samples"]):
        st, g = structure_of(run, epoch_index, k)
        loss, grads = fresh_grads(run, epoch, X[i], 2 * y[i] - 1)
        labels = [node["label"] for node in st["nodes"]]
        assert labels[0] == "loss" and g["data"][0] == loss.data == g["loss"] and g["grad"][0] == 1.0
        for name, grad in grads.items():  # every weight, bias and input is a node, with the engine's grad
            assert g["grad"][labels.index(name)] == grad
        checked += any(grads.values())
    assert checked > 0  # some sample has a non-zero gradient


def test_local_derivatives_follow_the_op_table_and_grads_follow_the_chain_rule(small_run):
    run, _, _ = small_run
    for epoch_index in range(len(run.backprop["epochs"])):
        for k in range(len(run.backprop["samples"])):
            st, g = structure_of(run, epoch_index, k)
            kids: dict[int, list[int]] = {}
            for e, (parent, _child) in enumerate(st["edges"]):
                kids.setdefault(parent, []).append(e)
            for parent, edges in kids.items():  # d parent / d child from the op table, given the exported data
                node = st["nodes"][parent]
                a = g["data"][st["edges"][edges[0]][1]]
                b = g["data"][st["edges"][edges[1]][1]] if len(edges) == 2 else g["args"].get(str(parent))
                expected = OPS[node["op"]].local(a, b, g["data"][parent])
                assert [g["local"][e] for e in edges] == list(expected)
            for child in range(1, len(st["nodes"])):  # each grad: the sum of local * parent grad, in order
                total = 0.0
                for e, (parent, c) in enumerate(st["edges"]):
                    if c == child:
                        assert parent < child  # reverse topological order: parents come first
                        total += g["local"][e] * g["grad"][parent]
                assert total == g["grad"][child]


def test_the_samples_losses_are_fits_loss(small_run, moons):
    run, _, _ = small_run
    # full batch: epoch 1's loss is the mean loss at the starting weights (epoch 0's graphs)
    losses = [g["loss"] for g in run.backprop["graphs"][0]]
    assert len(losses) == len(moons[0])
    assert sum(losses) / len(losses) == pytest.approx(run.history.loss[0], rel=1e-12)


def test_a_large_network_shows_its_last_layer_with_exact_gradients(moons):
    X, y = moons
    run = ex.record_run(MLP(2, [16, 16, 1], seed=2), X, y, epochs=1, graph_epochs=1, max_graph_samples=6,
                        progress=False)
    B = run.backprop
    assert B["scope"] == "last_layer" and "982 nodes" in B["scope_note"]
    model = MLP(2, [16, 16, 1])
    model.load_state_dict(run.state(1))
    w = [v.data for v in model.layers[-1].neurons[0].w]
    for k, i in enumerate(B["samples"]):
        st, g = structure_of(run, 0, k)
        labels = [node["label"] for node in st["nodes"]]
        assert len(labels) == 3 + 16 * 4 + 1  # relu, +1, *(-t); score and 15 more sums; 16 products,
        # weights and hidden outputs; the bias
        assert sorted(labels[c] for c in st["cut"]) == sorted(f"L2.n{j}.out" for j in range(1, 17))
        t = 2 * y[i] - 1
        score = model(X[i]).data
        dscore = -t if 1 - t * score > 0 else 0.0  # hinge: d relu(1 - t s) / d s, by hand
        for j in range(16):
            assert g["grad"][labels.index(f"L2.n{j + 1}.out")] == pytest.approx(w[j] * dscore, abs=1e-15)
        assert g["data"][labels.index("score")] == score


@pytest.mark.parametrize(("nouts", "graph", "scope"), [([4, 1], "auto", "whole"), ([8, 1], "auto", "last_layer"),
                                                       ([8, 1], "whole", "whole"), ([1], "last_layer", "whole")])
def test_graph_scope(moons, nouts, graph, scope):
    X, y = moons
    run = ex.record_run(MLP(2, nouts), X, y, epochs=1, graph=graph, max_graph_samples=1, progress=False)
    assert run.backprop["scope"] == scope


def test_multiclass_cross_entropy_graphs_share_structures_per_class():
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
def page(small_run, tmp_path_factory) -> tuple[Path, str]:
    run, _, _ = small_run
    path = ex.write_explorer([run], tmp_path_factory.mktemp("page") / "explorer.html")
    return path, path.read_text(encoding="utf-8")


def test_the_page_is_self_contained(page):
    _, text = page
    assert not re.search(r"""(src|href|action)\s*=\s*["']?\s*(https?:)?//""", text, re.I)
    assert not re.search(r"<link|<iframe|<img|@import|url\(", text, re.I)
    scripts = re.findall(r"<script[^>]*>", text)
    assert scripts == ['<script type="application/json" id="explorer-data">', "<script>"]
    for api in ("fetch(", "XMLHttpRequest", "WebSocket", "EventSource", "import(", "sendBeacon"):
        assert api not in text


def test_the_page_embeds_the_runs_numbers(page, small_run):
    run, states, _ = small_run
    data = embedded(page[1])
    assert data["format"] == "tinygrad_dk.explorer"
    r = data["runs"][0]
    assert r["epochs"] == run.epochs
    for epoch, weights in zip(r["epochs"], r["weights"], strict=True):  # JSON keeps every float exactly
        assert weights == list(states[epoch].values())
    assert r["history"]["loss"] == run.history.loss
    assert r["backprop"] == run.backprop


def test_each_run_carries_the_threshold_fit_recorded(moons: tuple[list[list[float]], list[int]],
                                                     tmp_path: Path) -> None:
    X, y = moons
    runs = [ex.record_run(MLP(2, [3, 1], seed=1), X, y, loss=loss, epochs=2, progress=False, label=loss)
            for loss in ("mse", "hinge")]
    assert [(r.threshold, r.history.threshold) for r in runs] == [(0.5, 0.5), (0.0, 0.0)]
    page = ex.write_explorer(runs, tmp_path / "page.html").read_text(encoding="utf-8")
    assert [r["threshold"] for r in embedded(page)["runs"]] == [0.5, 0.0]  # the number itself, for the page's JS


def test_labels_cannot_break_out_of_the_script(moons, tmp_path):
    X, y = moons
    evil = "</script><script>alert(1)</script><!--"
    run = ex.record_run(MLP(2, [1]), X, y, epochs=1, label=evil, progress=False)
    text = ex.write_explorer(run, tmp_path / "page.html", title="<b>&</b>").read_text(encoding="utf-8")
    assert text.count("</script>") == 2 and "<!--" not in text and "<b>" not in text
    assert embedded(text)["runs"][0]["label"] == evil
    assert embedded(text)["title"] == "<b>&</b>"
    assert "<title>&lt;b&gt;&amp;&lt;/b&gt;</title>" in text


def test_non_finite_numbers_are_written_as_markers(small_run, tmp_path):
    run = small_run[0]
    history = dataclasses.replace(run.history, loss=[math.nan, math.inf, -math.inf, *run.history.loss[3:]])
    text = ex.write_explorer(dataclasses.replace(run, history=history), tmp_path / "p.html").read_text()
    assert embedded(text)["runs"][0]["history"]["loss"][:4] == ["__nan__", "__inf__", "__-inf__",
                                                                 run.history.loss[3]]


def test_the_file_is_replaced_atomically(small_run, tmp_path, monkeypatch):
    path = tmp_path / "explorer.html"
    path.write_text("the old page")

    def fail(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(ex.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        ex.write_explorer(small_run[0], path)
    assert path.read_text() == "the old page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["explorer.html"]  # no temporary file left
    monkeypatch.undo()
    ex.write_explorer(small_run[0], path)
    assert path.read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["explorer.html"]


def test_the_default_demo_page_is_small(tmp_path):
    # The demo: MLP(2, [16, 16, 1]) on make_moons(100), 100 epochs, so 101 weight sets and graphs of all
    # 100 samples at 2 epochs. Training 100 epochs takes a minute here, so train 2 and repeat the weights
    # and the history up to 100 epochs: the page holds as many numbers as the demo's.
    X, y = make_moons(100)
    run = ex.record_run(MLP(2, [16, 16, 1]), X, y, epochs=2, progress=False)
    assert len(run.backprop["samples"]) == 100 and run.backprop["epochs"] == [0, 2]
    h = run.history
    history = dataclasses.replace(h, loss=h.loss * 50, accuracy=h.accuracy * 50, lr=h.lr * 50, updates=h.updates * 50)
    demo = dataclasses.replace(run, epochs=list(range(101)), frames=[run.frames[k % 3] for k in range(101)],
                               history=history)
    size = ex.write_explorer(demo, tmp_path / "demo.html").stat().st_size
    assert 300_000 < size < 2_000_000


def test_explore_trains_copies_from_the_same_start(moons, tmp_path):
    X, y = moons
    model = MLP(2, [3, 1])
    before = model.state_dict()
    path = ex.explore(model, X, y, out=tmp_path / "cmp.html", batch_sizes=[None, 8, 1], epochs=2, progress=False,
                      label="moons")
    assert model.state_dict() == before
    runs = embedded(path.read_text())["runs"]
    assert [r["label"] for r in runs] == ["moons: full batch", "moons: mini-batch 8", "moons: SGD (batch 1)"]
    assert runs[0]["weights"][0] == runs[1]["weights"][0] == runs[2]["weights"][0] == list(before.values())
    assert [r["history"]["updates"] for r in runs] == [[1, 1], [3, 3], [24, 24]]


# --- bad arguments ---

def square(v: Value) -> Value:
    return v * v


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"epochs": 0}, ValueError, "record_run: epochs must be >= 1, got 0"),
    ({"max_frames": 1}, ValueError, "record_run: max_frames must be >= 2, got 1"),
    ({"graph_epochs": 0}, ValueError, "record_run: graph_epochs must be >= 1, got 0"),
    ({"max_graph_samples": 2.5}, TypeError, "record_run: max_graph_samples must be an int, not float: 2.5"),
    ({"graph": "all"}, ValueError, "graph must be one of auto, whole, last_layer, got 'all'"),
])
def test_record_run_rejects_bad_options(moons, kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        ex.record_run(MLP(2, [1]), *moons, progress=False, **kwargs)


def test_record_run_rejects_what_the_page_cannot_draw(moons):
    X, y = moons
    with pytest.raises(ValueError, match=r"record_run: the samples in X have 3 features, not 2: the explorer draws "
                                         r"two-dimensional data; give "
                                         r"each sample as \[x1, x2\]"):
        ex.record_run(MLP(2, [1]), [[1.0, 2.0, 3.0]], [0])
    with pytest.raises(ValueError, match=r"X\[0\] is 1.0; give each sample as a list of 2 numbers"):
        ex.record_run(MLP(2, [1]), [1.0, 2.0], [0, 1])
    with pytest.raises(ValueError, match="X has 24 samples but y has 3 labels"):
        ex.record_run(MLP(2, [1]), X, [0, 1, 0])
    with pytest.raises(ValueError, match="the model has 3 inputs: use a model with 2 inputs"):
        ex.record_run(MLP(3, [1]), X, y)
    with pytest.raises(ValueError, match="layer 1 uses activation 'square', which the page cannot evaluate"):
        ex.record_run(MLP(2, [2, 1], activation=square), X, y)
    with pytest.raises(TypeError, match=r"model must be a tinygrad_dk\.nn\.MLP"):
        ex.record_run(object(), X, y)


def test_write_explorer_rejects_bad_arguments(small_run, moons, tmp_path):
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


def test_explore_rejects_bad_arguments(moons, tmp_path):
    X, y = moons
    with pytest.raises(ValueError, match=r"batch_sizes must be a non-empty list such as \[None, 16, 1\], got \[\]"):
        ex.explore(MLP(2, [1]), X, y, out=tmp_path / "a.html", batch_sizes=[])
    model = MLP(2, [1])
    with pytest.raises(ValueError, match="with several batch sizes give the optimizer by name"):
        ex.explore(model, X, y, out=tmp_path / "a.html", batch_sizes=[None, 1], optimizer=SGD(model.parameters()))
    assert not (tmp_path / "a.html").exists()


def test_record_run_trains_the_callers_model_in_place(small_run):
    run, _, model = small_run  # as fit does
    assert run.state(7) == model.state_dict()
