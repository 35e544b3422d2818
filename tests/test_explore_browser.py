"""The explorer page in headless Chromium: offline, no errors, the controls work, the numbers are the engine's.

Run ``python tests/test_explore_browser.py`` to write the documentation's screenshots
(docs/images/explorer.png and explorer_backprop.png) from the default demo run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support import need_module, need_program

from tinygrad_dk import explore as ex
from tinygrad_dk.data import make_blobs, make_moons
from tinygrad_dk.engine import Value
from tinygrad_dk.losses import hinge
from tinygrad_dk.nn import MLP

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
NUMBER = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"
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


@pytest.fixture(scope="module")
def moons() -> tuple[list[list[float]], list[int]]:
    return make_moons(24, noise=0.1, seed=3)


@pytest.fixture(scope="module")
def compare(tmp_path_factory, moons) -> Built:
    """Full batch and SGD on MLP(2, [3, 1]) from the same start: its whole graph (39 nodes) is shown."""
    def make() -> MLP:
        return MLP(2, [3, 1], seed=1)
    return build(tmp_path_factory.mktemp("compare") / "compare.html", *moons, [make, make],
                 [{"epochs": 6, "lr": 0.3}, {"epochs": 6, "lr": 0.05, "batch_size": 1}])


@pytest.fixture(scope="module")
def activations(tmp_path_factory, moons) -> Built:
    """One run per activation, and a sigmoid output trained with mse (class 1 above 0.5)."""
    acts = ["tanh", "sigmoid", "softplus", "leaky_relu", "step"]
    makers: list[Callable[[], MLP]] = [lambda a=a: MLP(2, [3, 1], activation=a, seed=2) for a in acts]
    makers.append(lambda: MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=2))
    options = [{"epochs": 2, "lr": 0.2, "label": a} for a in acts] + [{"epochs": 2, "loss": "mse", "label": "mse"}]
    return build(tmp_path_factory.mktemp("acts") / "acts.html", *moons, makers, options)


@pytest.fixture(scope="module")
def blobs(tmp_path_factory) -> Built:
    """Three classes: three outputs, cross-entropy, argmax; graphs for 5 of the 18 samples only."""
    X, y = make_blobs(18, 3, seed=4)
    return build(tmp_path_factory.mktemp("blobs") / "blobs.html", X, y, [lambda: MLP(2, [5, 3], seed=3)],
                 [{"epochs": 3, "loss": "cross_entropy", "lr": 0.1, "max_graph_samples": 5}])


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
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                     if m.type in ("error", "warning") else None)
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
        return self.js("(id) => document.getElementById(id).toDataURL()", canvas)

    def close(self) -> None:
        """Close the page, after checking that nothing was fetched and nothing went wrong."""
        try:
            assert self.blocked == [], f"the page tried to fetch {self.blocked}"
            assert self.errors == []
        finally:
            self.page.close()


@pytest.fixture
def tab(browser) -> Iterator[Callable[[Path], Tab]]:
    opened: list[Tab] = []

    def open_(path: Path, **size: int) -> Tab:
        opened.append(Tab(browser, path, **size))
        return opened[-1]

    yield open_
    for t in opened:
        t.close()


# --- tests ---

def test_the_page_loads_offline_and_draws_the_last_epoch(tab, compare, tmp_path):
    t = tab(compare.path)
    assert t.page.title() == "test page"
    assert t.page.text_content("#epoch-label") == "epoch 6 of 6"
    assert t.js("() => document.getElementById('epoch-slider').max") == "6"
    assert t.page.text_content("#run-0") == "full batch" and t.page.text_content("#run-1") == "SGD (batch 1)"
    t.page.screenshot(path=str(tmp_path / "training.png"), full_page=True)
    assert (tmp_path / "training.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_page_that_fetches_is_caught(tab, browser, compare, tmp_path):
    # the guard itself: a page with an external image must show up in `blocked`
    evil = tmp_path / "evil.html"
    evil.write_text('<img src="https://example.com/x.png"><script>fetch("http://example.com/")</script>')
    t = Tab(browser, evil)
    t.page.wait_for_function("() => true")
    assert any("example.com" in url for url in t.blocked)
    t.page.close()


def test_the_slider_moves_the_boundary_and_the_marker(tab, compare):
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


def test_the_run_selector_switches_runs(tab, compare):
    t = tab(compare.path)
    full = t.pixels("boundary")
    t.page.click("#run-1")
    assert t.page.get_attribute("#run-1", "aria-pressed") == "true"
    assert t.pixels("boundary") != full
    assert t.page.get_attribute("#thumb-1", "aria-pressed") == "true"
    t.page.click("#thumb-0")
    assert t.pixels("boundary") == full


@pytest.mark.parametrize("which", ["compare", "activations", "blobs"])
def test_the_pages_forward_pass_is_the_engines(tab, request, which):
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
    """One sample's gradients by the engine, without the explorer: model(x), hinge, backward."""
    model = built.model(r, epoch)
    x = [Value(v) for v in built.runs[r].X[i]]
    loss = hinge(model(x), 2.0 * built.runs[r].classes[i] - 1.0)
    model.zero_grad()
    loss.backward()
    return {"loss": 1.0, "x1": x[0].grad, "x2": x[1].grad} | {p.label: p.grad for p in model.parameters()}


def test_stepping_the_backward_pass_shows_the_engines_gradients(tab, compare, tmp_path):
    run = compare.runs[0]
    B = run.backprop
    last = len(B["epochs"]) - 1
    losses = [g["loss"] for g in B["graphs"][last]]
    # a sample with a non-zero loss that is not the one selected at first (the largest loss)
    i = next(s for s, loss in sorted(zip(B["samples"], losses, strict=True), key=lambda p: p[1])
             if loss > 0 and loss != max(losses))
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


def test_a_point_clicked_on_the_training_tab_is_followed(tab, blobs):
    samples = blobs.runs[0].backprop["samples"]
    assert samples == [0, 4, 8, 13, 17]
    t = tab(blobs.path)
    state = "() => window.tinygradExplorer.state.sample"
    first = t.js(state)
    i = next(s for s in samples if s != first)
    t.page.mouse.click(*t.js("(i) => window.tinygradExplorer.pointOnCanvas('boundary', i)", i))
    assert t.js(state) == i
    assert t.page.text_content("#selected-sample") == (
        f"Sample #{i} selected: see its backward pass on the Backpropagation tab.")
    t.page.mouse.click(*t.js("(i) => window.tinygradExplorer.pointOnCanvas('boundary', i)", 2))
    assert t.js(state) in samples and t.js(state) != 2  # no graph for sample 2: it cannot be followed
    followed = t.js(state)
    t.page.click("#tab-backprop")
    assert t.page.text_content("#bp-info-sample") == f"#{followed}"
    assert t.page.text_content("#bp-title").startswith(f"Computation graph of sample #{followed}'s loss")
    assert "Graphs were kept for 5 of the 18 samples." in t.page.text_content("#bp-scope")


def test_the_backprop_epoch_can_be_chosen(tab, compare):
    run = compare.runs[0]
    t = tab(compare.path)
    t.page.click("#tab-backprop")
    i = t.js("() => window.tinygradExplorer.state.sample")
    t.page.select_option("#bp-epoch", "0")
    k = run.backprop["samples"].index(i)
    assert t.page.text_content("#bp-info-loss") == ex_fmt(run.backprop["graphs"][0][k]["loss"])
    assert "weights after epoch 0" in t.page.text_content("#bp-title")
    t.page.click("#bp-all")
    g = run.backprop["graphs"][0][k]
    shown = t.js("() => Array.from(document.querySelectorAll('#bp-graph .node text.grad')).map((e) => e.textContent)")
    assert len(shown) == len(g["grad"]) and all(s != "grad ?" for s in shown)
    t.page.click("#tab-train")
    assert t.page.text_content("#epoch-label") == "epoch 0 of 6 (before training)"


def ex_fmt(v: float) -> str:
    """The page's 4-digit number format, for the plain cases used here."""
    return str(float(f"{v:.4g}")).removesuffix(".0")


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
        # down to the first output of the layer below (or, for a whole graph, the first leaf)
        stop = ("() => !!document.querySelector(document.querySelector('#bp-graph .cut') ? '.current.cut' "
                ": '.current.leaf')")
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
        print(f"wrote {out / 'explorer.png'} and {out / 'explorer_backprop.png'} from a "
              f"{page.stat().st_size:,} byte page")


if __name__ == "__main__":
    write_doc_screenshots(Path(__file__).resolve().parents[1] / "docs" / "images")
