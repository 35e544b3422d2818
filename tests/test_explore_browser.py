"""The explorer page in headless Chromium: offline, no errors, the controls work, the numbers are the engine's.

Run ``python tests/test_explore_browser.py`` to write the documentation's screenshots
(docs/images/explorer.png and explorer_backprop.png) from the default demo run.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support import CHROMIUM_ARGS, need_module, need_program

from tinygrad_dk import explore as ex
from tinygrad_dk.data import make_blobs, make_moons
from tinygrad_dk.engine import Value
from tinygrad_dk.losses import hinge
from tinygrad_dk.nn import MLP

pytestmark = pytest.mark.browser

NUMBER = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"
Data = tuple[list[list[float]], list[int]]
TIMES = "\u00d7"  # the multiplication sign the page writes


# --- pages, built once ---


class Built:
    """A written page with the runs in it and a way to rebuild each run's model at any recorded epoch."""

    def __init__(self, path: Path, runs: list[ex.Run], makers: list[Callable[[], MLP]]) -> None:
        self.path, self.runs, self.makers = path, runs, makers

    def model(self, r: int, epoch: int) -> MLP:
        model = self.makers[r]()
        model.load_state_dict(self.runs[r].state(epoch))
        return model


def build(path: Path, X: Any, y: Any, makers: list[Callable[[], MLP]], options: list[dict[str, Any]]) -> Built:
    runs = [ex.record_run(make(), X, y, progress=False, **opts) for make, opts in zip(makers, options, strict=True)]
    ex.write_explorer(runs, path, title="test page")
    return Built(path, runs, makers)


@pytest.fixture(scope="module", autouse=True)
def _words_in_english_unless_asked() -> Iterator[None]:
    """The page's language comes from TINYGRAD_DK_LANG when not given: keep the developer's own out (module-wide,
    before the module's pages are written)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("TINYGRAD_DK_LANG", raising=False)
        yield


@pytest.fixture(scope="module")
def moons() -> Data:
    return make_moons(24, noise=0.1, seed=3)


@pytest.fixture(scope="module")
def compare(tmp_path_factory: pytest.TempPathFactory, moons: Data) -> Built:
    """Full batch and SGD on MLP(2, [3, 1]) from the same start: its whole graph (39 nodes) is shown."""

    def make() -> MLP:
        return MLP(2, [3, 1], seed=1)

    return build(
        tmp_path_factory.mktemp("compare") / "compare.html",
        *moons,
        [make, make],
        [{"epochs": 6, "lr": 0.3}, {"epochs": 6, "lr": 0.05, "batch_size": 1}],
    )


@pytest.fixture(scope="module")
def activations(tmp_path_factory: pytest.TempPathFactory, moons: Data) -> Built:
    """One run per activation, and a sigmoid output trained with mse (class 1 above 0.5)."""
    acts = ["tanh", "sigmoid", "softplus", "leaky_relu", "step"]
    makers: list[Callable[[], MLP]] = [functools.partial(MLP, 2, [3, 1], activation=a, seed=2) for a in acts]
    makers.append(lambda: MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=2))
    makers.append(lambda: MLP(2, [3, 1], activation=Value.tanh, seed=2))  # known as tanh by what it is
    options = [{"epochs": 2, "lr": 0.2, "label": a} for a in acts] + [{"epochs": 2, "loss": "mse", "label": "mse"}]
    options.append({"epochs": 2, "lr": 0.2, "label": "Value.tanh"})
    return build(tmp_path_factory.mktemp("acts") / "acts.html", *moons, makers, options)


@pytest.fixture(scope="module")
def blobs(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Three classes: three outputs, cross-entropy, argmax; graphs for 5 of the 18 samples only."""
    X, y = make_blobs(18, 3, seed=4)
    return build(
        tmp_path_factory.mktemp("blobs") / "blobs.html",
        X,
        y,
        [lambda: MLP(2, [5, 3], seed=3)],
        [{"epochs": 3, "loss": "cross_entropy", "lr": 0.1, "max_graph_samples": 5}],
    )


@pytest.fixture(scope="module")
def deep(tmp_path_factory: pytest.TempPathFactory, moons: Data) -> Built:
    """The demo's network, MLP(2, [16, 16, 1]): its 982-node graphs are shown folded, one box per neuron."""
    return build(
        tmp_path_factory.mktemp("deep") / "deep.html",
        *moons,
        [lambda: MLP(2, [16, 16, 1], seed=2)],
        [{"epochs": 2, "lr": 0.05, "max_graph_samples": 4}],
    )


@pytest.fixture(scope="module")
def advised(tmp_path_factory: pytest.TempPathFactory, moons: Data) -> dict[str, tuple[Path, list[str]]]:
    """A run fit warns about twice, beside a healthy SGD run, in English and Danish: each page and fit's messages.

    A step activation passes no gradient to layer 1 (said at epoch 1), and at lr 1e-9 the loss
    cannot fall (said at epoch 21).
    """
    folder, pages = tmp_path_factory.mktemp("advised"), {}
    for lang in ("en", "da"):
        stuck = MLP(2, [3, 1], activation="step", seed=1)
        runs = [
            ex.record_run(stuck, *moons, epochs=25, lr=1e-9, progress=False, lang=lang),
            ex.record_run(MLP(2, [3, 1], seed=1), *moons, epochs=25, lr=0.05, batch_size=1, progress=False, lang=lang),
        ]
        messages = [str(w) for w in runs[0].history.warnings]
        pages[lang] = (ex.write_explorer(runs, folder / f"{lang}.html", lang=lang), messages)
    return pages


# --- the browser ---


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = need_program("chromium")
    need_module("playwright")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Tab:
    """A page opened from disk with every other request blocked, and what went wrong on it."""

    def __init__(self, browser: Any, path: Path, width: int = 1360, height: int = 900) -> None:
        self.url = path.resolve().as_uri()
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.page.set_default_timeout(10_000)  # a missing element fails in seconds, not half a minute
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.page.on(
            "console",
            lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None,
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.route("**/*", self._route)
        self.page.goto(self.url)

    def _route(self, route: Any) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def js(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)

    def pixels(self, canvas: str) -> str:
        return str(self.js("(id) => document.getElementById(id).toDataURL()", canvas))

    def close(self) -> None:
        """Close the page, after checking that nothing was fetched and nothing went wrong."""
        try:
            assert self.blocked == [], f"the page tried to fetch {self.blocked}"
            assert self.errors == []
        finally:
            self.page.close()


Opener = Callable[..., Tab]  # tab(path, width=..., height=...): a Tab, closed and checked after the test


@pytest.fixture
def tab(browser: Any) -> Iterator[Opener]:
    opened: list[Tab] = []

    def open_(path: Path, **size: int) -> Tab:
        opened.append(Tab(browser, path, **size))
        return opened[-1]

    yield open_
    for t in opened:
        t.close()


# --- tests ---


def test_the_page_loads_offline_and_draws_the_last_epoch(tab: Opener, compare: Built, tmp_path: Path) -> None:
    t = tab(compare.path)
    assert t.page.title() == "test page"
    assert t.page.text_content("#epoch-label") == "epoch 6 of 6"
    assert t.js("() => document.getElementById('epoch-slider').max") == "6"
    assert t.page.text_content("#run-0") == "full batch" and t.page.text_content("#run-1") == "SGD (batch 1)"
    t.page.screenshot(path=str(tmp_path / "training.png"), full_page=True)
    assert (tmp_path / "training.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_page_that_fetches_is_caught(tab: Opener, browser: Any, compare: Built, tmp_path: Path) -> None:
    # the guard itself: a page with an external image must show up in `blocked`
    evil = tmp_path / "evil.html"
    evil.write_text('<img src="https://example.com/x.png"><script>fetch("http://example.com/")</script>')
    t = Tab(browser, evil)
    t.page.wait_for_function("() => true")
    assert any("example.com" in url for url in t.blocked)
    t.page.close()


def test_the_slider_moves_the_boundary_and_the_marker(tab: Opener, compare: Built) -> None:
    t = tab(compare.path)
    last = t.pixels("boundary")
    x_last = float(t.page.get_attribute("#loss-marker", "x1"))
    assert t.page.get_attribute("#loss-marker", "data-epoch") == "6"
    t.page.fill("#epoch-slider", "0")
    assert t.page.text_content("#epoch-label") == "epoch 0 of 6 (before training)"
    assert t.page.get_attribute("#boundary", "data-epoch") == "0"
    assert t.pixels("boundary") != last
    assert t.page.get_attribute("#loss-marker", "data-epoch") == "0"
    assert t.page.get_attribute("#loss-dot", "visibility") == "hidden"  # no loss before the first epoch
    t.page.fill("#epoch-slider", "3")
    assert t.page.get_attribute("#loss-marker", "data-epoch") == "3"
    assert t.page.get_attribute("#accuracy-marker", "data-epoch") == "3"
    x3 = float(t.page.get_attribute("#loss-marker", "x1"))
    assert 0 < x3 < x_last
    assert t.page.text_content("#epoch-stats").startswith(f"loss {round(compare.runs[0].history.loss[2], 4)}")
    t.page.click("#step-fwd")
    assert t.page.get_attribute("#loss-marker", "data-epoch") == "4"
    t.page.click("#play")  # plays to the end and stops
    t.page.wait_for_function("() => document.getElementById('play').textContent === 'Play'")
    assert t.page.text_content("#epoch-label") == "epoch 6 of 6"
    assert t.pixels("boundary") == last


def test_the_run_selector_switches_runs(tab: Opener, compare: Built) -> None:
    t = tab(compare.path)
    full = t.pixels("boundary")
    t.page.click("#run-1")
    assert t.page.get_attribute("#run-1", "aria-pressed") == "true"
    assert t.pixels("boundary") != full
    assert t.page.get_attribute("#thumb-1", "aria-pressed") == "true"
    t.page.click("#thumb-0")
    assert t.pixels("boundary") == full


@pytest.mark.parametrize("which", ["compare", "activations", "blobs"])
def test_the_pages_forward_pass_is_the_engines(tab: Opener, request: pytest.FixtureRequest, which: str) -> None:
    built: Built = request.getfixturevalue(which)
    t = tab(built.path)
    X = built.runs[0].X
    probes = [*X[::5], [0.0, 0.0], [2.5, -1.75], [-3.0, 4.0]]
    for r, run in enumerate(built.runs):
        exact = all(act in ("relu", "linear", "leaky_relu", "step") for _, _, act in run.layers)
        for f, epoch in enumerate(run.epochs):
            model = built.model(r, epoch)
            got = t.js("([r, f, xs]) => xs.map((x) => window.tinygradExplorer.forward(r, f, x))", [r, f, probes])
            for x, js in zip(probes, got, strict=True):
                out = model(x)
                py = [out.data] if isinstance(out, Value) else [v.data for v in out]
                if exact:  # sums and products in the same order: the same doubles
                    assert js == py, (run.label, epoch, x)
                else:  # tanh, exp, log1p: the browser's libm may differ from C's in the last bit
                    assert js == pytest.approx(py, rel=1e-14, abs=1e-300), (run.label, epoch, x)


def engine_grads(built: Built, r: int, epoch: int, i: int) -> dict[str, float]:
    """One sample's gradients by the engine, without the explorer: the model layer by layer, hinge, backward.

    Named as the page names them: every weight and bias, x1 and x2, each neuron's output
    (``L1.n3.out``; the one output is the ``score``) and the sum under its activation (``L1.n3.sum``).
    """
    model = built.model(r, epoch)
    x = [Value(v) for v in built.runs[r].X[i]]
    named = {"x1": x[0], "x2": x[1]}
    h = x
    for k, layer in enumerate(model.layers, 1):
        h = [neuron(h) for neuron in layer.neurons]
        for j, (neuron, out) in enumerate(zip(layer.neurons, h, strict=True), 1):
            if neuron.activation != "linear":
                named[f"L{k}.n{j}.sum"] = out.children[0]
            named[f"L{k}.n{j}.out" if k < len(model.layers) else "score"] = out
    loss = hinge(h[0], 2.0 * built.runs[r].classes[i] - 1.0)
    model.zero_grad()
    loss.backward()
    return {"loss": 1.0} | {name: v.grad for name, v in named.items()} | {p.label: p.grad for p in model.parameters()}


SHOWN = """() => {
    const s = document.getElementById('bp-sum'), cur = document.querySelectorAll('#bp-graph .node.current');
    const line = (el) => ({node: el.dataset.node, label: el.dataset.label, grad: el.dataset.grad, sum: el.dataset.sum,
                           terms: JSON.parse(el.dataset.terms || '[]'), text: el.textContent});
    return {...line(s), text: s.firstChild ? s.firstChild.textContent : s.textContent,
            current: Array.from(cur).map((el) => el.id),
            box: cur.length ? cur[0].querySelector('text.grad').textContent : null,
            active: document.querySelectorAll('#bp-graph .edge.active').length,
            parents: document.querySelectorAll('#bp-graph .node.parent').length,
            neuron: Array.from(document.querySelectorAll('#bp-graph .neuron.active')).map((el) => el.dataset.label),
            weights: Array.from(document.querySelectorAll('#bp-weights .bp-line')).map(line)};
}"""  # what the page shows after a step: the sum's hooks and text, the highlighted node, edges and parents


def check_sum(shown: dict[str, Any], expected: float) -> float:
    """A written-out sum: the page's sum of its terms is the expected grad, and so is the number it prints."""
    grad = float(shown["grad"])
    assert float(shown["sum"]) == grad  # the page's sum of local x parent grad, in the engine's order
    assert grad == expected, shown["label"]
    if shown["node"] != "0":
        assert sum(a * b for a, b in shown["terms"]) == pytest.approx(grad, rel=1e-12, abs=1e-300)
        # "grad(name) = a TIMES b + c TIMES (-d) = total", each number rounded to 4 digits
        sum_text, _, total_text = shown["text"].partition(" = ")[2].partition("  ")[0].rpartition(" = ")
        assert float(total_text) == pytest.approx(grad, rel=1e-3, abs=1e-9)
        terms = re.findall(rf"\(?({NUMBER})\)? {TIMES} \(?({NUMBER})\)?", sum_text)
        assert len(terms) == len(shown["terms"]) >= 1
        for (a, b), (x, y) in zip(terms, shown["terms"], strict=True):
            assert float(a) == pytest.approx(x, rel=1e-3) and float(b) == pytest.approx(y, rel=1e-3)
    return grad


def test_stepping_the_backward_pass_shows_the_engines_gradients(tab: Opener, compare: Built, tmp_path: Path) -> None:
    run = compare.runs[0]
    B = run.backprop
    last = len(B["epochs"]) - 1
    losses = [g["loss"] for g in B["graphs"][last]]
    # a sample with a non-zero loss that is not the one selected at first (the largest loss)
    i = next(
        s
        for s, loss in sorted(zip(B["samples"], losses, strict=True), key=lambda p: p[1])
        if loss > 0 and loss != max(losses)
    )
    t = tab(compare.path)
    t.page.click("#tab-backprop")
    assert t.js("() => window.tinygradExplorer.state.sample") != i
    x, y = t.js("(i) => window.tinygradExplorer.pointOnCanvas('bp-picker', i)", i)
    t.page.mouse.click(x, y)
    assert t.js("() => window.tinygradExplorer.state.sample") == i
    assert t.page.text_content("#bp-info-sample") == f"#{i}"
    engine = engine_grads(compare, 0, B["epochs"][last], i)
    st = B["structures"][B["graphs"][last][B["samples"].index(i)]["s"]]
    n = len(st["nodes"])
    assert t.page.text_content("#bp-progress") == f"0 of {n} gradients final"
    seen = set()
    for step in range(n):
        t.page.click("#bp-step")
        shown = t.js("""() => {
            const s = document.getElementById('bp-sum'), cur = document.querySelectorAll('#bp-graph .node.current');
            return {node: s.dataset.node, label: s.dataset.label, grad: s.dataset.grad, sum: s.dataset.sum,
                    text: s.textContent, current: Array.from(cur).map((el) => el.id),
                    box: cur.length ? cur[0].querySelector('text.grad').textContent : null,
                    active: document.querySelectorAll('#bp-graph .edge.active').length,
                    parents: document.querySelectorAll('#bp-graph .node.parent').length};
        }""")
        assert shown["node"] == str(step) and shown["current"] == [f"bp-node-{step}"]
        grad = float(shown["grad"])
        assert float(shown["sum"]) == grad  # the page's sum of local x parent grad, in the engine's order
        label = shown["label"]
        if label in engine:
            assert grad == engine[label], label  # the engine's gradient, computed here without the explorer
            seen.add(label)
        # the written-out sum: "grad(#k name) = a TIMES b + c TIMES d = total", rounded to 4 digits
        head, _, rest = shown["text"].partition(" = ")
        assert head == (f"grad(#{step} {label})" if label else head) and head.startswith(f"grad(#{step} ")
        if step == 0:
            assert rest == "1: the start, d loss / d loss = 1"
            continue
        sum_text, _, total_text = rest.rpartition(" = ")  # "a TIMES b + c TIMES (-d)", "total"
        assert float(total_text) == pytest.approx(grad, rel=1e-3, abs=1e-9)  # rounded to 4 digits
        assert shown["box"] == f"grad {total_text}"  # the node's box shows the same number
        terms = re.findall(rf"\(?({NUMBER})\)? {TIMES} \(?({NUMBER})\)?", sum_text)
        assert len(terms) == shown["active"] == shown["parents"] >= 1  # one term per highlighted edge
        products = sum(float(a) * float(b) for a, b in terms)
        assert products == pytest.approx(grad, rel=1e-2, abs=1e-6)
        if label == "x1":  # used by all three hidden neurons: three terms
            assert shown["active"] == 3
            t.page.screenshot(path=str(tmp_path / "backprop.png"))
    assert {"loss", "x1", "x2", "L1.n1.w1", "L2.n1.b"} <= seen and len(seen) == len(engine)
    assert t.page.text_content("#bp-progress") == f"{n} of {n} gradients final: the backward pass is done."
    assert t.page.is_disabled("#bp-step")
    t.page.click("#bp-undo")
    assert t.page.get_attribute("#bp-sum", "data-node") == str(n - 2)
    assert (tmp_path / "backprop.png").stat().st_size > 10_000


def test_stepping_the_folded_view_reaches_a_first_layer_weight(tab: Opener, deep: Built, tmp_path: Path) -> None:
    """From the loss, step by step through both hidden layers to the first layer's weights and the inputs."""
    run = deep.runs[0]
    B = run.backprop
    assert B["scope"] == "neurons"
    t = tab(deep.path, width=1280, height=800)
    t.page.click("#tab-backprop")
    i = t.js("() => window.tinygradExplorer.state.sample")
    k = B["samples"].index(i)
    st = B["structures"][B["graphs"][-1][k]["s"]]
    engine = engine_grads(deep, 0, B["epochs"][-1], i)
    exported, checked = B["graphs"][-1][k]["grad"], 0
    labels = [node["label"] for node in st["nodes"]]
    owner = {j: nr for nr in st["neurons"] for j in (nr["out"], nr["sum"])}
    n = st["steps"]
    assert n == 70 and t.page.text_content("#bp-progress").startswith(f"0 of {n} steps: 0 of 407 gradients final")
    assert "One box per neuron" in t.page.text_content("#bp-scope-short")
    assert "folded" in t.page.text_content("#bp-scope")
    first_layer: dict[str, float] = {}
    for step in range(n):
        t.page.click("#bp-step")
        shown = t.js(SHOWN)
        assert shown["node"] == str(step) and shown["label"] == labels[step]
        assert shown["current"] == [f"bp-node-{step}"]
        # the engine's grad, computed here without the explorer; the loss's unnamed + and * nodes: the exported one
        grad = check_sum(shown, engine.get(labels[step], exported[step]))
        checked += labels[step] in engine
        if step:
            assert shown["box"] == (fmt_page(grad) if step in owner else f"grad {fmt_page(grad)}")
            drawn = sum(
                1
                for a, b in (st["edges"][e] for e, (_, c) in enumerate(st["edges"]) if c == step)
                if not (a in owner and owner[a] is owner.get(b))
            )  # the edge out -> sum is inside a box
            assert shown["active"] == drawn and shown["parents"] == len(shown["terms"])
        nr = owner.get(step)
        assert shown["neuron"] == ([nr["label"]] if nr else [])
        if nr and step == nr["sum"]:  # the neuron's weights and bias: final now, one term each
            assert [w["label"] for w in shown["weights"]] == [labels[p] for p in nr["params"]]
            for w in shown["weights"]:
                assert len(w["terms"]) == 1 and w["terms"][0][1] == grad
                check_sum(w, engine[w["label"]])
                if nr["layer"] == 1:
                    first_layer[w["label"]] = float(w["grad"])
            if nr["layer"] == 1 and not (tmp_path / "folded.png").exists() and grad:
                t.page.screenshot(path=str(tmp_path / "folded.png"))
        else:
            assert shown["weights"] == []
    assert len(first_layer) == 16 * 3 and any(first_layer.values())  # every first-layer weight and bias, not all 0
    assert checked == n - 2  # all but the loss's + 1 and * (-t)
    assert t.page.text_content("#bp-progress") == (
        f"{n} of {n} steps: 407 of 407 gradients final, the weights' included: the backward pass is done."
    )
    assert t.page.is_disabled("#bp-step")
    assert (tmp_path / "folded.png").stat().st_size > 10_000


def fmt_page(v: float) -> str:
    """The page's number format (``fmt`` in explorer.js): 4 significant digits, scientific when tiny or huge."""
    if v == 0:
        return "0"
    if v.is_integer() and abs(v) < 1e6:
        return str(int(v))
    if 1e-3 <= abs(v) < 1e5:
        return repr(float(f"{v:.4g}")).removesuffix(".0")
    mantissa, exponent = f"{v:.3e}".split("e")  # JavaScript writes 1.234e-5 and 1.234e+7, not e-05
    return re.sub(r"\.?0+e", "e", f"{mantissa}e{int(exponent):+d}")


def test_clicking_a_neuron_steps_to_its_sum(tab: Opener, deep: Built) -> None:
    t = tab(deep.path)
    t.page.click("#tab-backprop")
    st = deep.runs[0].backprop["structures"][0]
    target = next(nr for nr in st["neurons"] if nr["label"] == "L1.n5")
    t.page.click("#bp-neuron-4", position={"x": 12, "y": 10})  # L1.n5's name: the whole pass up to its sum
    assert t.page.get_attribute("#bp-sum", "data-node") == str(target["sum"])
    assert t.js("() => window.tinygradExplorer.state.bpStep") == target["sum"] + 1
    assert t.page.get_attribute("#bp-neuron-4", "class") == "neuron active"
    t.page.click(f"#bp-node-{target['out']}")  # its out row: one step back
    assert t.page.get_attribute("#bp-sum", "data-node") == str(target["out"])
    t.page.click("#bp-node-3")  # the score: back up the pass
    assert t.page.get_attribute("#bp-sum", "data-node") == "3"
    assert t.page.text_content("#bp-node-4 text.grad") == "?"


@pytest.mark.parametrize("which", ["deep", "compare"])
@pytest.mark.parametrize(("width", "height"), [(1280, 800), (700, 900), (420, 800)])
def test_the_graph_is_not_cut_at_the_panels_edge(
    tab: Opener, request: pytest.FixtureRequest, which: str, width: int, height: int, tmp_path: Path
) -> None:
    built: Built = request.getfixturevalue(which)
    t = tab(built.path, width=width, height=height)
    t.page.click("#tab-backprop")
    t.page.click("#bp-all")
    got = t.js("""() => {
        const svg = document.getElementById('bp-graph'), wrap = document.getElementById('bp-graph-wrap');
        const view = svg.viewBox.baseVal, box = svg.getBBox(), panel = wrap.closest('.panel').getBoundingClientRect();
        return {page: document.documentElement.scrollWidth, panel: panel.right, scale: Number(svg.dataset.scale),
                wrap: wrap.clientWidth, content: wrap.scrollWidth, style: getComputedStyle(wrap).overflowX,
                inside: box.x >= 0 && box.y >= 0 && box.x + box.width <= view.width
                    && box.y + box.height <= view.height,
                width: Number(svg.getAttribute('width')), natural: view.width};
    }""")
    assert got["page"] <= width and got["panel"] <= width  # no panel runs off the window
    assert got["inside"]  # every box, edge and label is inside the drawing: nothing clipped
    if got["scale"] > 0.7:  # scaled to fit the panel
        assert got["width"] <= got["wrap"] and got["content"] <= got["wrap"]
    else:  # as small as it gets: the panel scrolls
        assert got["scale"] == 0.7 and got["style"] == "auto" and got["content"] >= got["width"]
    if which == "deep" and width == 1280:
        assert got["scale"] >= 0.85  # the demo's network, readable at a typical window size
        t.page.screenshot(path=str(tmp_path / f"fit-{width}.png"))


def test_a_point_clicked_on_the_training_tab_is_followed(tab: Opener, blobs: Built) -> None:
    samples = blobs.runs[0].backprop["samples"]
    assert samples == [0, 4, 8, 13, 17]
    t = tab(blobs.path)
    state = "() => window.tinygradExplorer.state.sample"
    first = t.js(state)
    i = next(s for s in samples if s != first)
    t.page.mouse.click(*t.js("(i) => window.tinygradExplorer.pointOnCanvas('boundary', i)", i))
    assert t.js(state) == i
    assert t.page.text_content("#selected-sample") == (
        f"Sample #{i} selected: see its backward pass on the Backpropagation tab."
    )
    t.page.mouse.click(*t.js("(i) => window.tinygradExplorer.pointOnCanvas('boundary', i)", 2))
    assert t.js(state) in samples and t.js(state) != 2  # no graph for sample 2: it cannot be followed
    followed = t.js(state)
    t.page.click("#tab-backprop")
    assert t.page.text_content("#bp-info-sample") == f"#{followed}"
    assert t.page.text_content("#bp-title").startswith(f"Computation graph of sample #{followed}'s loss")
    assert "Graphs were kept for 5 of the 18 samples." in t.page.text_content("#bp-scope")


def test_the_backprop_epoch_can_be_chosen(tab: Opener, compare: Built) -> None:
    run = compare.runs[0]
    t = tab(compare.path)
    t.page.click("#tab-backprop")
    i = t.js("() => window.tinygradExplorer.state.sample")
    t.page.select_option("#bp-epoch", "0")
    k = run.backprop["samples"].index(i)
    assert t.page.text_content("#bp-info-loss") == fmt_page(run.backprop["graphs"][0][k]["loss"])
    assert "weights after epoch 0" in t.page.text_content("#bp-title")
    t.page.click("#bp-all")
    g = run.backprop["graphs"][0][k]
    shown = t.js("() => Array.from(document.querySelectorAll('#bp-graph .node text.grad')).map((e) => e.textContent)")
    assert len(shown) == len(g["grad"]) and all(s != "grad ?" for s in shown)
    t.page.click("#tab-train")
    assert t.page.text_content("#epoch-label") == "epoch 0 of 6 (before training)"


# --- the page in Danish: the same numbers in other words ---

Pair = dict[str, Path]  # language -> the page in it, from the same model, data and seed


def pair(folder: Path, make: Callable[[], MLP], X: Any, y: Any, **options: Any) -> Pair:
    return {
        lang: ex.explore(make(), X, y, out=folder / f"{lang}.html", progress=False, lang=lang, **options)
        for lang in ("en", "da")
    }


@pytest.fixture(scope="module")
def compare_pair(tmp_path_factory: pytest.TempPathFactory, moons: Data) -> Pair:
    """Full batch and SGD on MLP(2, [3, 1]): the whole graph, two runs."""
    return pair(
        tmp_path_factory.mktemp("pair"),
        lambda: MLP(2, [3, 1], seed=1),
        *moons,
        batch_sizes=[None, 1],
        epochs=6,
        lr=0.05,
        optimizer="sgd",
    )


@pytest.fixture(scope="module")
def deep_pair(tmp_path_factory: pytest.TempPathFactory, moons: Data) -> Pair:
    """MLP(2, [16, 16, 1]): the folded view, graphs for 4 of the 24 samples."""
    return pair(
        tmp_path_factory.mktemp("deep_pair"),
        lambda: MLP(2, [16, 16, 1], seed=2),
        *moons,
        epochs=2,
        lr=0.05,
        max_graph_samples=4,
    )


SNAPSHOT = """() => {
    const texts = [], tips = [], hooks = [];
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        if (!n.parentElement.closest('script, style') && n.textContent.trim()) texts.push(n.textContent);
    }
    for (const el of document.body.querySelectorAll('*')) {
        for (const a of ['title', 'aria-label']) if (el.hasAttribute(a)) tips.push(el.getAttribute(a));
        for (const a of el.attributes) {
            if (a.name.startsWith('data-') || ['id', 'class', 'hidden', 'disabled', 'aria-pressed'].includes(a.name)) {
                hooks.push(`${el.tagName} ${a.name}=${a.value}`);
            }
        }
    }
    const canvases = Array.from(document.querySelectorAll('canvas')).map((c) => c.toDataURL());
    return {texts, tips, hooks, canvases, title: document.title, lang: document.documentElement.lang};
}"""  # every word the page shows (text, tooltips, ARIA labels), every test hook, every picture
# English words the Danish page must not show: "loss", "grad", "data", "sum", "out", "input" are the names of
# the graph's nodes and fields, the same on both pages
ENGLISH = re.compile(
    r"\b(the|of|and|epoch|samples?|training|weights?|steps?|backward|undo|reset|all|click|pick|"
    r"accuracy|gradients?|final|before|runs?|computation|graph|boundary|decision|network|more|terms?|"
    r"selected|followed|press|nodes?|box|folded|blue|positive|negative|rings?|"
    r"larger|point|play|previous|next|recorded|updates?|its|each|per|number|edge|local|derivative|"
    r"parents?|highlighted|done|so far|wider)\b",
    re.I,
)


def numbers(text: str) -> list[str]:
    return re.findall(NUMBER, text)


def same_but_words(en: dict[str, Any], da: dict[str, Any], where: str) -> list[str]:
    """Check two snapshots: the same hooks, pictures and numbers, and Danish words only; the Danish texts."""
    assert (en["lang"], da["lang"]) == ("en", "da"), where
    assert da["hooks"] == en["hooks"], where  # ids, classes, data-* hooks: language-independent
    assert da["canvases"] == en["canvases"], where  # the same pictures, pixel for pixel
    for kind in ("texts", "tips"):
        assert len(da[kind]) == len(en[kind]), where
        for e, d in zip(en[kind], da[kind], strict=True):
            assert numbers(d) == numbers(e), (where, e, d)  # the same numbers, in the same order
    english = [t for t in [da["title"], *da["texts"], *da["tips"]] if ENGLISH.search(t)]
    assert english == [], where
    assert [t for t in en["texts"] if ENGLISH.search(t)], where  # the check can fail
    return [da["title"], *da["texts"], *da["tips"]]


def opened(t: Tab) -> None:
    """As the page opens: nothing done yet."""


def both(tab: Opener, pages: Pair, actions: list[tuple[str, Callable[[Tab], None]]]) -> list[str]:
    """Do the same actions on both pages, comparing them after each; every Danish text seen."""
    tabs = {lang: tab(path) for lang, path in pages.items()}
    seen: list[str] = []
    for where, act in [("opened", opened), *actions]:
        for t in tabs.values():
            act(t)
        seen += same_but_words(tabs["en"].js(SNAPSHOT), tabs["da"].js(SNAPSHOT), where)
    return seen


def clicks(selector: str, times: int) -> Callable[[Tab], None]:
    def act(t: Tab) -> None:
        for _ in range(times):
            t.page.click(selector)

    return act


def play_to_the_end(t: Tab) -> None:
    t.page.click("#play")
    t.page.wait_for_function(
        "() => document.getElementById('play').textContent === window.tinygradExplorer.data.words.play"
    )


def test_a_danish_page_shows_the_english_pages_numbers_in_danish(
    tab: Opener, compare_pair: Pair, tmp_path: Path
) -> None:
    def pick(t: Tab) -> None:
        samples = t.js("() => window.tinygradExplorer.data.runs[0].backprop.samples")
        t.page.mouse.click(*t.js("(i) => window.tinygradExplorer.pointOnCanvas('bp-picker', i)", samples[5]))

    seen = both(
        tab,
        compare_pair,
        [
            ("epoch 0", lambda t: t.page.fill("#epoch-slider", "0")),
            ("one epoch on", lambda t: t.page.click("#step-fwd")),
            ("SGD", lambda t: t.page.click("#run-1")),
            ("played", play_to_the_end),
            (
                "a point on the boundary",
                lambda t: t.page.mouse.click(*t.js("() => window.tinygradExplorer.pointOnCanvas('boundary', 3)")),
            ),
            ("backpropagation tab", lambda t: t.page.click("#tab-backprop")),
            ("one step", lambda t: t.page.click("#bp-step")),
            ("three steps", clicks("#bp-step", 2)),
            ("another sample", pick),
            ("epoch 0's weights", lambda t: t.page.select_option("#bp-epoch", "0")),
            ("all steps", lambda t: t.page.click("#bp-all")),
            ("undo", lambda t: t.page.click("#bp-undo")),
            ("back to training", lambda t: t.page.click("#tab-train")),
        ],
    )
    text = "\n".join(seen)
    for danish in (
        "tinygrad_dk-udforskeren",
        "Træning",
        "Tilbagepropagering",
        "Træningskørsel",
        "Afspil",
        "◀ Epoke",
        "Forrige gemte epoke",
        "Data og beslutningsgrænse",
        "Alle kørsler ved denne epoke",
        "Tab pr. epoke",
        "Nøjagtighed",
        "Netværkets vægte",
        "Skridt baglæns",
        "Fortryd",
        "Forfra",
        "Vælg et eksempel",
        "Vægte efter epoke",
        "24 eksempler · MLP(2, [3, 1]) · hinge-tab · fuld batch over for SGD, batchstørrelse 1",
        "Kørsel:",
        "epoke 0 af 6 (før træningen)",
        "epoke 6 af 6",
        "fuld batch: baggrunden er modellens forudsigelse efter epoke 0",
        "opdateringer indtil nu",
        "Startvægtene: ingen opdatering endnu.",
        "Eksempel #3 er valgt",
        "Blå: positiv vægt",
        "grad færdig nu",
        "dens forældre",
        "tal på en kant: lokal afledt",
        "eksempel ",
        "klasse ",
        "Beregningsgrafen for tabet på eksempel #",
        ": starten, d loss / d loss = 1",
        "gradienter færdige",
        ": tilbagepropageringen er færdig.",
        "Tryk på Skridt baglæns",
        "Hele grafen: alle 39 knuder",
        "0 (start)",
    ):
        assert danish in text, danish


def test_a_danish_folded_page_shows_the_same_numbers(tab: Opener, deep_pair: Pair, tmp_path: Path) -> None:
    seen = both(
        tab,
        deep_pair,
        [
            ("backpropagation tab", lambda t: t.page.click("#tab-backprop")),
            ("the score's sum and its weights", clicks("#bp-step", 4)),
            ("a first-layer neuron", lambda t: t.page.click("#bp-neuron-4", position={"x": 12, "y": 10})),
            ("all steps", lambda t: t.page.click("#bp-all")),
        ],
    )
    text = "\n".join(seen)
    for danish in (
        f"summens input, færdige nu: grad(w) = input {TIMES} grad(sum)",
        "en neuron: out = aktivering(sum)",
        "tal på en fremhævet kant: d sum / d input, inputtets vægt",
        f"Færdige sammen med den: grad for vægtene og bias i L3.n1, hver er sit input {TIMES} grad(score).",
        "  bias",
        "  input L2.n1.out",
        "0 af 70 skridt: 0 af 407 gradienter færdige, vægtenes medregnet",
        "Ét eksempels hele graf har 982 knuder",
        "Der blev gemt grafer for 4 af de 24 eksempler.",
        "Én boks pr. neuron",
        "L1.n5: out = relu(sum)",
        "Klik: kør tilbagepropageringen frem til summen.",
        f"+- og {TIMES}-knuderne i motorens graf",
    ):
        assert danish in text, danish


# --- fit's warnings ---

WARNINGS = """() => ({
    hidden: document.getElementById('warnings').hidden,
    items: Array.from(document.querySelectorAll('#warnings .warning')).map((li) => [li.dataset.epoch,
        li.dataset.cause, li.classList.contains('new'), li.querySelector('b').textContent,
        li.querySelector('.message').textContent]),
})"""  # the banner: hidden or not, and each warning in it: where it started, its cause, new or not, its words


def test_a_warning_shows_from_the_epoch_where_it_started(
    tab: Opener, advised: dict[str, tuple[Path, list[str]]], tmp_path: Path
) -> None:
    page, (stuck, flat) = advised["en"]
    t = tab(page)
    for epoch, items in [
        (0, []),
        (1, [["1", "no_gradient", True, "From epoch 1:", stuck]]),
        (2, [["1", "no_gradient", False, "From epoch 1:", stuck]]),
        (20, [["1", "no_gradient", False, "From epoch 1:", stuck]]),
        (
            21,
            [
                ["1", "no_gradient", False, "From epoch 1:", stuck],
                ["21", "loss_not_falling", True, "From epoch 21:", flat],
            ],
        ),
    ]:
        t.page.fill("#epoch-slider", str(epoch))
        assert t.js(WARNINGS) == {"hidden": not items, "items": items}, epoch
    assert t.page.is_visible("#warnings") and t.page.is_visible("#warnings .badge")
    t.page.screenshot(path=str(tmp_path / "warnings.png"))
    t.page.click("#run-1")  # the healthy run: no banner
    assert t.js(WARNINGS) == {"hidden": True, "items": []}
    assert not t.page.is_visible("#warnings")
    t.page.click("#run-0")
    t.page.click("#play")  # to the end: both warnings, neither new
    t.page.wait_for_function("() => document.getElementById('play').textContent === 'Play'")
    assert [item[:3] for item in t.js(WARNINGS)["items"]] == [
        ["1", "no_gradient", False],
        ["21", "loss_not_falling", False],
    ]


def test_a_healthy_run_shows_no_warnings(tab: Opener, compare: Built) -> None:
    t = tab(compare.path)
    for epoch in range(7):
        t.page.fill("#epoch-slider", str(epoch))
        assert t.js(WARNINGS) == {"hidden": True, "items": []}, epoch


def test_the_warnings_banner_speaks_the_pages_language(tab: Opener, advised: dict[str, tuple[Path, list[str]]]) -> None:
    page, (stuck, _) = advised["da"]
    t = tab(page)
    t.page.fill("#epoch-slider", "1")
    assert t.page.text_content("#warnings h2") == "\u26a0 Advarsler fra træningen"
    # fit wrote its message in the page's language (record_run passes lang on); the words around it too
    assert t.js(WARNINGS)["items"] == [["1", "no_gradient", True, "Fra epoke 1:", stuck]]
    assert t.page.text_content("#warnings .badge") == "ny"
    assert stuck != advised["en"][1][0]  # Danish, not the English text


# --- the documentation's screenshots (not a test: run this file) ---


def photograph(page: Path, out: Path) -> None:
    """Screenshots of a page for the documentation: the training tab mid-run, a backward pass under way."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=need_program("chromium"), args=CHROMIUM_ARGS)
        t = Tab(b, page, width=1360, height=860)
        t.page.fill("#epoch-slider", "40")
        t.page.locator("#epoch-slider").blur()
        t.page.screenshot(path=str(out / "explorer.png"))
        t.page.click("#tab-backprop")
        # down to the sum of a first-layer neuron, its weights' grads written out (a whole graph: the first leaf)
        stop = """() => {
            if (!document.querySelector('#bp-graph .neuron')) return !!document.querySelector('.current.leaf');
            const active = document.querySelector('#bp-graph .neuron.active');
            return !!active && active.dataset.label.startsWith('L1.') && !!document.getElementById('bp-weights');
        }"""
        while not t.js(stop):
            t.page.click("#bp-step")
        t.page.screenshot(path=str(out / "explorer_backprop.png"))
        t.close()
        b.close()


def write_doc_screenshots(out: Path) -> None:
    """Train the default demo (MLP(2, [16, 16, 1]) on make_moons(100), 100 epochs) and photograph its page."""
    import tempfile

    X, y = make_moons(100)
    with tempfile.TemporaryDirectory() as tmp:
        page = ex.explore(MLP(2, [16, 16, 1]), X, y, out=Path(tmp) / "explorer.html", epochs=100)
        photograph(page, out)
        print(
            f"wrote {out / 'explorer.png'} and {out / 'explorer_backprop.png'} from a {page.stat().st_size:,} byte page"
        )


if __name__ == "__main__":
    write_doc_screenshots(Path(__file__).resolve().parents[1] / "docs" / "images")
