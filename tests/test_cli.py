"""The `tinygrad-dk` command: every subcommand through `main(argv)` in-process, and the two entry points.

Usage errors (bad flags and values) must exit with status 2 and a usage message naming the
problem; an output that cannot be written or a diverging run must exit with status 1 and a
one-line message, leaving nothing half-written. The demo trains for a while, so it runs once
per module; everything else is kept small.
"""

from __future__ import annotations

import errno
import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import types
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from support import need_program, need_wasm_graphviz

import tinygrad_dk.cli
import tinygrad_dk.demo
import tinygrad_dk.explain
import tinygrad_dk.explore
import tinygrad_dk.modelfile
import tinygrad_dk.viz
from tinygrad_dk.cli import main
from tinygrad_dk.data import make_moons
from tinygrad_dk.engine import Value, topological_order
from tinygrad_dk.nn import MLP, load
from tinygrad_dk.train import History, accuracy, fit
from tinygrad_dk.viz import rendering

SMALL = ["--samples", "40", "--epochs", "5", "--layers", "4", "--quiet"]  # a run of a second or two
DEMO_FILES = {
    "worked_example_graph.svg",
    "worked_example_before.svg",
    "worked_example_after.svg",
    "moons_sample_graph.svg",
    "moons_network.svg",
    "moons_decision_boundary.png",
    "moons_training.png",
    "moons_explorer.html",
    "moons_model.json",
}
DEMO_PICTURE_NODES = 300  # no picture of the demo draws more nodes than this ...
DEMO_PICTURE_PIXELS = 2000  # ... or is wider than this many pixels at its natural size
SVG_NS = "{http://www.w3.org/2000/svg}"
SVG = f"{SVG_NS}svg"


class Result(NamedTuple):
    code: int
    out: str
    err: str


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> Result:
    """``main(argv)``'s exit status and what it printed."""
    code = main(argv)
    out, err = capsys.readouterr()
    return Result(code, out, err)


def run_captured(argv: list[str]) -> Result:
    """`run` for module-scoped fixtures, where capsys is not available."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return Result(code, out.getvalue(), err.getvalue())


def usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``argv``, expect argparse's exit with status 2 and a usage message; return stderr."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("usage: tinygrad-dk")
    return err


def written(out: str) -> list[Path]:
    """The paths listed after ``wrote:``."""
    lines = out.splitlines()
    assert "wrote:" in lines, f"no 'wrote:' in:\n{out}"
    return [Path(line.strip()) for line in lines[lines.index("wrote:") + 1 :] if line.startswith("  ")]


def check_svg(path: Path) -> ET.Element:
    root = ET.fromstring(path.read_bytes())  # raises on malformed XML
    assert root.tag == SVG
    return root


def check_png(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 10_000


def leftovers(folder: Path) -> list[str]:
    """Hidden files or folders (staging folders, temporary files) anywhere below ``folder``."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*"))


def file_mode_of_a_new_file(folder: Path) -> int:
    """The permission bits an ordinary new file gets here (0o644 under the usual umask)."""
    probe = folder / "probe.txt"
    probe.write_text("x")
    mode = stat.S_IMODE(probe.stat().st_mode)
    probe.unlink()
    return mode


def score(model: MLP, x: Sequence[float | Value]) -> Value:
    """The one output of a model with one output neuron."""
    out = model(x)
    assert isinstance(out, Value)
    return out


def train_line(name: str, out: str) -> re.Match[str]:
    """The summary line ``NAME: loss L, accuracy A% after E epochs (U updates)`` of one run."""
    match = re.search(
        rf"^{re.escape(name)}: loss (\d+\.\d{{4}}), accuracy (\d+\.\d)% after (\d+) epochs "
        rf"\((\d+) updates\)$",
        out,
        re.MULTILINE,
    )
    assert match, f"no summary line for {name!r} in:\n{out}"
    return match


@pytest.fixture(scope="module", autouse=True)
def _words_in_english_unless_asked() -> Iterator[None]:
    """The teaching output's language comes from TINYGRAD_DK_LANG when --lang is not given: keep the developer's
    own out (module-wide, before the module's runs)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("TINYGRAD_DK_LANG", raising=False)
        yield


def explorer_data(page: Path) -> dict[str, Any]:
    """The JSON an explorer page carries."""
    found = re.findall(
        r'<script type="application/json" id="explorer-data">(.*?)</script>', page.read_text(encoding="utf-8"), re.S
    )
    assert len(found) == 1
    data: dict[str, Any] = json.loads(found[0])
    return data


# --- demo: the main job ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    out_dir = tmp_path_factory.mktemp("demo") / "pictures"  # does not exist yet: demo creates it
    return run_captured(["demo", "--out", str(out_dir), "--quiet"]), out_dir


def test_demo_trains_to_97_percent_and_says_so(demo: tuple[Result, Path]) -> None:
    result, _ = demo
    assert result.code == 0, result.err
    assert result.out.startswith(
        "tinygrad-dk demo: Matt Mazur's 2-2-2 example network on his sample, one full-batch "
        "update; then MLP(2, [16, 16, 1]) on make_moons(100)"
    )
    match = re.search(r"^final: loss (\d+\.\d+), accuracy (\d+\.\d)%$", result.out, re.MULTILINE)
    assert match, result.out
    assert float(match.group(1)) < 0.2
    assert float(match.group(2)) >= 97.0
    assert "%|" not in result.err  # --quiet: no progress bar


def described(out: str) -> dict[str, str]:
    """The demo's lines ``NAME  what it shows``, one per file, before ``wrote:``."""
    lines = out.splitlines()
    return {line.split()[0]: line.split(maxsplit=1)[1] for line in lines[2 : lines.index("wrote:")]}


def test_demo_writes_every_picture_and_says_what_each_shows(demo: tuple[Result, Path]) -> None:
    result, out_dir = demo
    paths = written(result.out)
    assert {p.name for p in paths} == DEMO_FILES
    assert all(p.parent == out_dir and p.is_file() for p in paths)
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(DEMO_FILES)  # and nothing else
    lines = described(result.out)
    assert set(lines) == DEMO_FILES  # one line per file written, naming it
    assert lines["worked_example_graph.svg"].startswith("the main picture")
    assert "largest loss" in lines["moons_sample_graph.svg"]  # why this sample
    for name in ("decision_boundary.png", "training.png"):
        check_png(out_dir / f"moons_{name}")
    page = (out_dir / "moons_explorer.html").read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html") and "tinygrad_dk.explorer" in page
    docstring = tinygrad_dk.demo.__doc__ or ""
    assert [name for name in sorted(DEMO_FILES) if f"``{name}``" not in docstring] == []  # it says the same


def test_no_demo_picture_is_too_big_to_read(demo: tuple[Result, Path]) -> None:
    _, out_dir = demo
    for name in sorted(DEMO_FILES):
        path = out_dir / name
        if path.suffix == ".svg":
            root = check_svg(path)
            nodes = [g for g in root.iter(f"{SVG_NS}g") if g.get("class") == "node"]
            width, height = (float(root.get(side, "").removesuffix("pt")) * 4 / 3 for side in ("width", "height"))
            assert 0 < len(nodes) <= DEMO_PICTURE_NODES, (name, len(nodes))
        elif path.suffix == ".png":
            width, height = png_size(path)
        else:
            continue
        assert 300 < width <= DEMO_PICTURE_PIXELS and height > 100, (name, width, height)


def png_size(path: Path) -> tuple[int, int]:
    """A PNG's width and height in pixels, from its IHDR chunk."""
    data = path.read_bytes()
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_demo_main_picture_is_the_worked_example_under_the_texts_names(demo: tuple[Result, Path]) -> None:
    result, out_dir = demo
    texts = [t.text for t in check_svg(out_dir / "worked_example_graph.svg").iter(f"{SVG_NS}text")]
    for name in (
        "i1",
        "i2",
        "target_o1",
        "w1",
        "w8",
        "b_h1",
        "net_h1",
        "out_h1",
        "net_o2",
        "out_o2",
        "E_o1",
        "E_total",
    ):
        assert name in texts, name
    example = tinygrad_dk.explain.worked_example()
    assert f"data {example.total_error:.4f}" in texts and f"grad {example.weight('w5').engine_grad:.4f}" in texts
    assert f"E_total = {example.total_error:.4f}" in described(result.out)["worked_example_graph.svg"]
    before = [t.text for t in check_svg(out_dir / "worked_example_before.svg").iter(f"{SVG_NS}text")]
    after = [t.text for t in check_svg(out_dir / "worked_example_after.svg").iter(f"{SVG_NS}text")]
    assert "w5 = 0.4000" in before and "b_h1 = 0.3500" in before and "grad 0.0822" in before
    assert f"w5 = {example.weight('w5').after:.4f}" in after and "b_h1 = 0.3500" in after


def test_demo_sample_graph_is_the_worst_sample_condensed_with_its_grads_alone(demo: tuple[Result, Path]) -> None:
    result, out_dir = demo
    match = re.search(
        r"^moons_sample_graph\.svg +moons sample #(\d+) .*\(([\d,]+) nodes in full\): the largest "
        r"loss, (\d+\.\d+)",
        result.out,
        re.MULTILINE,
    )
    assert match, result.out
    index = int(match.group(1))
    model = load(out_dir / "moons_model.json")
    assert isinstance(model, MLP)
    X, y = make_moons(100, noise=0.1, seed=0)
    losses = [max(0.0, 1.0 - (2 * c - 1) * score(model, x).data) for x, c in zip(X, y, strict=True)]  # hinge, by hand
    assert index == losses.index(max(losses)) and float(match.group(3)) == pytest.approx(max(losses), abs=1e-4)
    # each neuron's box holds its output's grad for this sample alone (training leaves its last step's grads)
    sample = score(model, [Value(v) for v in X[index]])
    loss = (1 + -(2 * y[index] - 1) * sample).relu()
    loss.backward()
    nodes = len(topological_order(loss)) + sum(1 for v in topological_order(loss) if v.children)
    assert int(match.group(2).replace(",", "")) == nodes
    texts = [t.text for t in check_svg(out_dir / "moons_sample_graph.svg").iter(f"{SVG_NS}text")]
    box = texts.index("L3.n1")
    assert texts[box + 1 : box + 3] == [f"score {sample.data:.4f}", f"grad {(-(2 * y[index] - 1)):.4f}"]
    assert any(t and t.startswith(f"moons sample #{index} through the trained MLP(2, [16, 16, 1])") for t in texts)
    assert any(t and t.startswith("condensed: each of the 33 rounded boxes is one neuron") for t in texts)


def test_demo_model_file_is_the_trained_model(demo: tuple[Result, Path]) -> None:
    result, out_dir = demo
    model = load(out_dir / "moons_model.json")
    assert isinstance(model, MLP) and model.nouts == [16, 16, 1]
    X, y = make_moons(100, noise=0.1, seed=0)
    printed = re.search(r"^final: .*accuracy (\d+\.\d%)$", result.out, re.MULTILINE)
    assert printed and f"{accuracy(model, X, y):.1%}" == printed.group(1)


def test_demo_files_get_the_usual_permissions(demo: tuple[Result, Path]) -> None:
    _, out_dir = demo
    usual = file_mode_of_a_new_file(out_dir.parent)
    modes = {name: oct(stat.S_IMODE((out_dir / name).stat().st_mode)) for name in DEMO_FILES}
    assert modes == dict.fromkeys(DEMO_FILES, oct(usual))


# --- the demo in Danish: the learner's words, the same numbers -----------------------------------

# A number as the demo writes it: 0.2984, -2.1e-03, 99.0%, 1,625 (English) or 1625 (Danish, where a comma
# is the decimal mark).
NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?(?:e[-+]\d+)?")
# English words of the demo's lines and pictures that a Danish learner should not meet (code names such as
# data, grad, net, relu, score, input, output and parameter are the same in both languages).
ENGLISH_WORDS = re.compile(
    r"\b(?:key|constant|result|op|condensed|rounded|boxes|edges?|nodes?|samples?|weights?|inputs|neurons|layers|"
    r"the|of|and|on|with|before|after|update|positive|negative|thicker|larger|targets?|moons|final|loss|accuracy|"
    r"class|largest|trained|network|picture|flows|written|biases)\b",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def demo_da(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    out_dir = tmp_path_factory.mktemp("demo_da") / "billeder"
    return run_captured(["demo", "--out", str(out_dir), "--quiet", "--lang", "da"]), out_dir


def numbers(texts: Sequence[str | None]) -> list[float]:
    """Every number in ``texts``, in order, thousands separators dropped."""
    return [float(n.replace(",", "")) for text in texts for n in NUMBER.findall(text or "")]


def told(out: str) -> list[str]:
    """The demo's printed lines before ``wrote:`` (after it come the paths, which differ by folder)."""
    lines = out.splitlines()
    return lines[: lines.index("wrote:")]


def svg_words(path: Path) -> list[str | None]:
    return [t.text for t in check_svg(path).iter(f"{SVG_NS}text")]


def test_demo_in_danish_has_every_number_of_the_english_demo(
    demo: tuple[Result, Path], demo_da: tuple[Result, Path]
) -> None:
    (english, en_dir), (danish, da_dir) = demo, demo_da
    assert danish.code == 0, danish.err
    assert written(danish.out) == [da_dir / p.name for p in written(english.out)]  # the same file names
    assert len(told(danish.out)) == len(told(english.out))
    for en_line, da_line in zip(told(english.out), told(danish.out), strict=True):
        assert numbers([da_line]) == numbers([en_line]), (en_line, da_line)
    assert len(numbers(told(english.out))) > 20  # the check reads the numbers
    for name in sorted(n for n in DEMO_FILES if n.endswith(".svg")):
        en, da = svg_words(en_dir / name), svg_words(da_dir / name)
        assert numbers(da) == numbers(en), name


def test_demo_in_danish_speaks_danish_in_its_lines_and_pictures(
    demo: tuple[Result, Path], demo_da: tuple[Result, Path]
) -> None:
    english, english_dir = demo
    assert [line for line in told(english.out) if ENGLISH_WORDS.search(line)] != []  # the checks can fail
    assert [t for t in svg_words(english_dir / "moons_network.svg") if t and ENGLISH_WORDS.search(t)] != []
    result, out_dir = demo_da
    lines = told(result.out)
    assert lines[0].startswith("tinygrad-dk demo: Matt Mazurs 2-2-2-eksempelnetværk på hans eksempel, én opdatering")
    assert re.fullmatch(r"til sidst: tab \d+\.\d{4}, nøjagtighed \d+\.\d%", lines[1]), lines[1]
    assert described(result.out)["worked_example_graph.svg"].startswith("hovedbilledet: eksempelnetværkets graf")
    assert [line for line in lines if ENGLISH_WORDS.search(line)] == []
    texts = {name: svg_words(out_dir / name) for name in sorted(DEMO_FILES) if name.endswith(".svg")}
    for name, words in texts.items():
        assert [t for t in words if t and ENGLISH_WORDS.search(t)] == [], name
    graph, sample = texts["worked_example_graph.svg"], texts["moons_sample_graph.svg"]
    for word in ("forklaring", "parameter", "input", "resultat af en operation", "output"):
        assert word in graph, word
    assert {"neuron (w·x + b,", "aktiveringsfunktion)", "tab"} <= set(sample)  # the key's neuron, on two lines
    starts = {
        "worked_example_graph.svg": [
            "Matt Mazurs 2-2-2-netværk med sigmoid som aktiveringsfunktion på ét eksempel",
            "data: den fremadrettede propagering; grad: d E_total / d knude",
            "∂ på en kant = d resultat / d operand",
            "en knudes grad = summen, over kanterne ud fra den, af ∂ gange resultatets grad",
        ],
        "moons_sample_graph.svg": [
            "halvmåne-eksempel #",
            "sammenfoldet: hver af de 33 afrundede kasser er én neuron",
            "∂ står ikke på de 304 linjer ind i neuronerne",
        ],
        "worked_example_before.svg": ["Før opdateringen med fuld batch: hver vægt w og dens gradient", "2 input, lag"],
        "worked_example_after.svg": ["Efter én opdatering med fuld batch, w <- w - lr * dE/dw med lr = 0.5"],
        "moons_network.svg": ["2 input, lag med 16, 16, 1 neuroner, 304 vægte; blå = positiv", "vægtenes værdier"],
    }
    for name, openings in starts.items():
        for opening in openings:
            assert any(t and t.startswith(opening) for t in texts[name]), (name, opening)
    page = (out_dir / "moons_explorer.html").read_text(encoding="utf-8")
    assert '"fuld batch"' in page  # the run's name, and the page's words, in Danish


def test_demo_language_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TINYGRAD_DK_LANG", "da")
    assert tinygrad_dk.demo.headline().startswith("tinygrad-dk demo: Matt Mazurs")
    assert tinygrad_dk.demo.headline("en").startswith("tinygrad-dk demo: Matt Mazur's")  # lang= wins
    with pytest.raises(ValueError, match=r"^demo: unknown language 'de': use one of 'en', 'da'$"):
        tinygrad_dk.demo.demo(tmp_path / "out", lang="de")
    monkeypatch.setenv("TINYGRAD_DK_LANG", "de")
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    assert "TINYGRAD_DK_LANG='de' is not a language demo knows" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # refused before any work


# --- train ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path, Path]:
    """One small run with --save and --plot, shared by the train and graph tests."""
    folder = tmp_path_factory.mktemp("train")
    model_path, plot_dir = folder / "models" / "model.json", folder / "plots"  # neither folder exists yet
    result = run_captured(["train", *SMALL, "--save", str(model_path), "--plot", str(plot_dir)])
    return result, model_path, plot_dir


def test_train_saves_and_plots(trained: tuple[Result, Path, Path]) -> None:
    result, model_path, plot_dir = trained
    assert result.code == 0, result.err
    line = train_line("full batch", result.out)
    assert line.group(3) == "5" and line.group(4) == "5"  # full batch: one update per epoch
    assert set(written(result.out)) == {
        model_path,
        plot_dir / "training.png",
        plot_dir / "decision_boundary_full_batch.png",
    }
    check_png(plot_dir / "training.png")
    check_png(plot_dir / "decision_boundary_full_batch.png")
    assert leftovers(plot_dir) == []
    # the saved model is the trained one: its accuracy on the same data is the one printed
    model = load(model_path)
    assert isinstance(model, MLP) and model.nouts == [4, 1]
    X, y = make_moons(40, seed=0)
    assert f"{accuracy(model, X, y):.1%}" == f"{line.group(2)}%"


@pytest.mark.parametrize(
    ("batch_size", "name", "updates"),
    [
        ("full", "full batch", 5),  # 1 update per epoch
        ("1", "SGD", 200),  # 40 per epoch
        ("16", "mini-batch 16", 15),  # ceil(40 / 16) = 3 per epoch
    ],
)
def test_train_batch_sizes(batch_size: str, name: str, updates: int, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(["train", *SMALL, "--batch-size", batch_size], capsys)
    assert result.code == 0, result.err
    line = train_line(name, result.out)
    assert int(line.group(3)) == 5 and int(line.group(4)) == updates
    assert "wrote:" not in result.out  # neither --save nor --plot


def test_train_compare_plots_three_runs_in_one_figure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[Any] = []
    real = tinygrad_dk.viz.plot_history

    def recording(histories: Any, path: Any, **kwargs: Any) -> Path:
        calls.append(histories)
        return real(histories, path, **kwargs)

    monkeypatch.setattr(tinygrad_dk.viz, "plot_history", recording)
    plot_dir = tmp_path / "compare"
    result = run(["train", *SMALL, "--compare", "--plot", str(plot_dir)], capsys)
    assert result.code == 0, result.err
    expected = {"full batch": 5, "mini-batch 16": 15, "SGD": 200}  # 5 epochs of 40 samples
    for name, updates in expected.items():
        assert int(train_line(name, result.out).group(4)) == updates
    assert len(calls) == 1  # one figure ...
    histories = calls[0]
    assert list(histories) == list(expected)  # ... with the three runs
    assert all(isinstance(h, History) and sum(h.updates) == expected[name] for name, h in histories.items())
    assert sorted(p.name for p in plot_dir.iterdir()) == [
        "decision_boundary_SGD.png",
        "decision_boundary_full_batch.png",
        "decision_boundary_mini-batch_16.png",
        "training.png",
    ]
    check_png(plot_dir / "training.png")


def record_plots(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any, dict[str, Any]]]:
    """What `train --plot` asks the pictures for: (function, histories or file name, keywords); nothing is drawn."""
    calls: list[tuple[str, Any, dict[str, Any]]] = []

    def history(histories: Any, path: Path, **kwargs: Any) -> Path:
        calls.append(("history", dict(histories), kwargs))
        path.write_bytes(b"")
        return path

    def boundary(model: Any, X: Any, y: Any, path: Path, **kwargs: Any) -> Path:
        calls.append(("boundary", path.name, kwargs))
        path.write_bytes(b"")
        return path

    monkeypatch.setattr(tinygrad_dk.viz, "plot_history", history)
    monkeypatch.setattr(tinygrad_dk.viz, "plot_decision_boundary", boundary)
    return calls


def test_train_plots_in_danish_with_lang_da(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = record_plots(monkeypatch)
    plot_dir = tmp_path / "plots"
    result = run(["train", *SMALL, "--compare", "--plot", str(plot_dir), "--lang", "da"], capsys)
    assert result.code == 0, result.err
    (kind, histories, kwargs), *boundaries = calls
    assert kind == "history" and kwargs == {"lang": "da"}
    assert list(histories) == ["fuld batch", "mini-batch på 16", "SGD"]  # the legend's names
    assert [h.label for h in histories.values()] == ["full batch", "mini-batch 16", "SGD"]  # fit's own labels
    accuracy = {name: train_line(name, result.out).group(2) for name in ("full batch", "mini-batch 16", "SGD")}
    assert [(name, kw["lang"], kw["title"]) for _, name, kw in boundaries] == [
        ("decision_boundary_full_batch.png", "da", f"fuld batch: nøjagtighed {accuracy['full batch']}%"),
        ("decision_boundary_mini-batch_16.png", "da", f"mini-batch på 16: nøjagtighed {accuracy['mini-batch 16']}%"),
        ("decision_boundary_SGD.png", "da", f"SGD: nøjagtighed {accuracy['SGD']}%"),
    ]  # the same files as in English
    assert sorted(p.name for p in plot_dir.iterdir()) == sorted(["training.png", *(name for _, name, _ in boundaries)])


def test_train_plots_take_the_language_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = record_plots(monkeypatch)
    monkeypatch.setenv("TINYGRAD_DK_LANG", "da")
    assert run(["train", *SMALL, "--plot", str(tmp_path / "a")], capsys).code == 0
    assert run(["train", *SMALL, "--plot", str(tmp_path / "b"), "--lang", "en"], capsys).code == 0  # --lang wins
    assert [(kind, kw["lang"]) for kind, _, kw in calls] == [
        ("history", "da"),
        ("boundary", "da"),
        ("history", "en"),
        ("boundary", "en"),
    ]
    assert calls[1][2]["title"].startswith("fuld batch: nøjagtighed ") and list(calls[2][1]) == ["full batch"]
    monkeypatch.setenv("TINYGRAD_DK_LANG", "fr")
    err = usage_error(["train", *SMALL, "--plot", str(tmp_path / "c")], capsys)
    assert "TINYGRAD_DK_LANG='fr' is not a language train knows: set it to one of 'en', 'da' or unset it" in err
    assert not (tmp_path / "c").exists() and len(calls) == 4  # refused before training
    err = usage_error(["train", *SMALL], capsys)  # no pictures, but fit's warnings speak the language too
    assert "TINYGRAD_DK_LANG='fr' is not a language train knows" in err
    assert run(["train", *SMALL, "--lang", "en"], capsys).code == 0


def test_train_shows_progress_on_stderr_without_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(["train", "--samples", "20", "--epochs", "2", "--layers", "2"], capsys)
    assert result.code == 0
    assert "2/2" in result.err and "epoch" in result.err  # tqdm's bar: 2 of 2 epochs
    assert "2/2" not in result.out


def test_train_diverging_run_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model_path, plot_dir = tmp_path / "model.json", tmp_path / "plots"
    result = run(
        [
            "train",
            "--samples",
            "20",
            "--epochs",
            "20",
            "--layers",
            "4",
            "--loss",
            "mse",
            "--lr",
            "1e10",
            "--quiet",
            "--save",
            str(model_path),
            "--plot",
            str(plot_dir),
        ],
        capsys,
    )
    assert result.code == 1
    *advice, error = result.err.splitlines()
    assert all(line.startswith("warning: ") for line in advice)  # fit's warnings on the way there, one line each
    assert re.fullmatch(
        r"tinygrad-dk train: training diverged at epoch \d+: .* "
        r"Try a smaller learning rate than lr=1e\+10, such as lr=1e\+09",
        error,
    )
    assert not model_path.exists()  # nothing saved from a run that failed
    assert not plot_dir.exists()  # the folder made for the plots is gone again


# --- graph ------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".svg", ".dot"])
def test_graph_of_a_saved_model(
    suffix: str, trained: tuple[Result, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, model_path, _ = trained
    target = tmp_path / f"graph{suffix}"
    result = run(["graph", "--model", str(model_path), "--input", "0.5,-0.2", "--out", str(target)], capsys)
    assert result.code == 0, result.err
    assert written(result.out) == [target]
    text = target.read_text(encoding="utf-8")
    for label in ("x1", "x2", "L1.n1.w1", "L2.n1.b"):
        assert label in text
    expected = load(model_path)([0.5, -0.2]).data  # the model's output for that input, computed here
    if suffix == ".svg":
        check_svg(target)
    else:
        assert text.startswith("digraph")
        assert re.search(rf"out \| data {expected:.4f} \| grad 1\.0000", text)


@pytest.mark.parametrize("suffix", [".svg", ".dot"])
def test_graph_of_the_worked_example(suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / f"worked{suffix}"
    result = run(["graph", "--out", str(target)], capsys)
    assert result.code == 0, result.err
    # the published numbers: E_total = 0.298371109, dE/dw5 = 0.082167041 at w5 = 0.40
    if suffix == ".svg":  # each field of a record is one <text>
        root = check_svg(target)
        texts = [t.text for t in root.iter(f"{SVG_NS}text")]
        assert "data 0.2984" in texts and "grad 0.0822" in texts and "w5" in texts
        assert {"net_h1", "out_h1", "net_o1", "out_o1", "E_o1", "E_o2", "E_total"} <= set(texts)  # explain's names
        assert float(root.get("width", "").removesuffix("pt")) * 4 / 3 <= 2000  # top to bottom: fits a screen
    else:
        text = target.read_text(encoding="utf-8")
        assert "rankdir=TB" in text
        assert re.search(r"E_total \| data 0\.2984 \| grad 1\.0000", text)
        assert re.search(r"w5 \| data 0\.4000 \| grad 0\.0822", text)
        assert re.search(r"net_h1 \| data 0\.3775 \| grad 0\.0088", text)


def test_graph_speaks_the_language_of_lang_or_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "worked.svg"
    assert run(["graph", "--out", str(target), "--lang", "da"], capsys).code == 0
    danish = [t.text for t in check_svg(target).iter(f"{SVG_NS}text")]
    assert {"forklaring", "resultat af en operation", "data 0.2984", "grad 0.0822"} <= set(danish)
    assert any(t and t.startswith("Matt Mazurs 2-2-2-netværk med sigmoid") for t in danish)
    assert "key" not in danish and not any(t and t.startswith("∂ on an edge") for t in danish)
    model_file, condensed = tmp_path / "model.json", tmp_path / "model.svg"
    MLP(2, [3, 1], seed=0).save(model_file)
    monkeypatch.setenv("TINYGRAD_DK_LANG", "da")
    assert run(["graph", "--model", str(model_file), "--condensed", "--out", str(condensed)], capsys).code == 0
    texts = [t.text for t in check_svg(condensed).iter(f"{SVG_NS}text")]
    assert "forklaring" in texts and any(t and t.startswith("sammenfoldet: hver af de 4 afrundede") for t in texts)
    assert run(["graph", "--out", str(target), "--lang", "en"], capsys).code == 0  # --lang wins
    assert "key" in [t.text for t in check_svg(target).iter(f"{SVG_NS}text")]


def test_graph_condensed_draws_one_box_per_neuron(
    trained: tuple[Result, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, model_path, _ = trained
    target = tmp_path / "g.dot"
    result = run(["graph", "--model", str(model_path), "--condensed", "--out", str(target)], capsys)
    assert result.code == 0, result.err
    text = target.read_text(encoding="utf-8")
    assert "rankdir=LR" in text and "L1.n1 | net " in text and "L1.n1.w1" not in text  # weights folded in
    assert run(["graph", "--condensed", "--out", str(tmp_path / "w.dot")], capsys).code == 0
    assert "out_h1 | net_h1 0.3775 | sigmoid 0.5933" in (tmp_path / "w.dot").read_text(encoding="utf-8")


def test_graph_svg_without_system_graphviz(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    need_wasm_graphviz()
    monkeypatch.setattr(rendering, "shutil", types.SimpleNamespace(which=lambda name: None))
    target = tmp_path / "graph.svg"
    result = run(["graph", "--out", str(target)], capsys)
    assert result.code == 0, result.err
    check_svg(target)


def test_graph_png_without_system_graphviz_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(rendering, "shutil", types.SimpleNamespace(which=lambda name: None))
    target = tmp_path / "graph.png"
    result = run(["graph", "--out", str(target)], capsys)
    assert result.code == 1
    assert re.match(r"tinygrad-dk graph: writing \.png needs Graphviz's `dot` program", result.err)
    assert "Traceback" not in result.err
    assert list(tmp_path.iterdir()) == []


def test_graph_png_with_system_graphviz(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    need_program("dot")
    target = tmp_path / "graph.png"
    result = run(["graph", "--out", str(target)], capsys)
    assert result.code == 0, result.err
    check_png(target)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--input", "1,2,3"], r"--input has 3 numbers but the model takes 2; give 2 like 0\.5,0\.5"),
        (
            ["--max-nodes", "5"],
            r"the graph has \d+ nodes, more than --max-nodes 5.*\(or --condensed: one box per "
            r"neuron\), or pass --max-nodes \d+",
        ),
    ],
)
def test_graph_bad_requests_exit_1(
    extra: list[str],
    message: str,
    trained: tuple[Result, Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, model_path, _ = trained
    result = run(["graph", "--model", str(model_path), *extra, "--out", str(tmp_path / "g.svg")], capsys)
    assert result.code == 1
    assert result.err.startswith("tinygrad-dk graph: ")
    assert re.search(message, result.err)
    assert list(tmp_path.iterdir()) == []


def test_graph_of_a_missing_model_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(["graph", "--model", str(tmp_path / "nope.json"), "--out", str(tmp_path / "g.svg")], capsys)
    assert result.code == 1
    assert re.fullmatch(r"tinygrad-dk graph: cannot load .*nope\.json: there is no such file\n", result.err)


def test_graph_of_a_file_that_is_not_a_model_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "something else"}))
    result = run(["graph", "--model", str(bad), "--out", str(tmp_path / "g.svg")], capsys)
    assert result.code == 1
    assert "it is not a model file" in result.err
    assert not (tmp_path / "g.svg").exists()


# --- explain ----------------------------------------------------------------------------


def test_explain_text_has_the_published_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(["explain"], capsys)
    assert result.code == 0
    assert result.out.startswith("Backpropagation, worked step by step\n====")
    assert "E_total = E_o1 + E_o2 = 0.298371109" in result.out
    assert "0.35891648" in result.out  # w5 after the update
    assert "#" not in result.out.splitlines()[0]


def test_explain_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(["explain", "--format", "markdown"], capsys)
    assert result.code == 0
    assert result.out.startswith("# Backpropagation, worked step by step\n")
    assert "| weight | before | dE_total/dw | after |" in result.out
    assert "0.298371109" in result.out and "0.35891648" in result.out


def test_explain_full_batch_versus_sgd(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(["explain", "--samples", "3"], capsys)
    assert result.code == 0
    assert "Full batch versus SGD over 3 samples" in result.out
    assert "SGD (3 updates)" in result.out
    assert "0.298371109" in result.out and "0.35891648" in result.out


def test_explain_out_writes_the_pictures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "explained"
    result = run(["explain", "--out", str(out_dir)], capsys)
    assert result.code == 0, result.err
    names = ["worked_example_after.svg", "worked_example_before.svg"]
    assert sorted(p.name for p in out_dir.iterdir()) == names
    assert written(result.out) == [out_dir / name for name in names]
    for name in names:
        check_svg(out_dir / name)
    # the text names the files where they are, not where they were staged
    assert str(out_dir / "worked_example_before.svg") in result.out
    assert ".tinygrad_dk-" not in result.out
    # the "before" picture shows the gradients: w5 = 0.40 with dE/dw5 = 0.082167041
    before = (out_dir / "worked_example_before.svg").read_text(encoding="utf-8")
    assert ">w5 = 0.4000<" in before and ">grad 0.0822<" in before


def test_explain_failure_halfway_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def first_picture_then_disk_full(example: Any, out_dir: Any, *, lang: str | None = None) -> tuple[Path, Path]:
        before = Path(out_dir) / "worked_example_before.svg"
        before.write_text("<svg/>")
        raise OSError(errno.ENOSPC, "No space left on device", str(Path(out_dir) / "worked_example_after.svg"))

    monkeypatch.setattr(tinygrad_dk.explain, "draw_worked_example", first_picture_then_disk_full)
    out_dir = tmp_path / "explained"
    out_dir.mkdir()
    (out_dir / "notes.txt").write_text("mine")  # the user's own file stays
    result = run(["explain", "--out", str(out_dir)], capsys)
    assert result.code == 1
    assert re.fullmatch(
        r"tinygrad-dk explain: could not write .*worked_example_after\.svg: No space left on device\n", result.err
    )
    assert sorted(p.name for p in out_dir.iterdir()) == ["notes.txt"]  # no half set of pictures, no staging folder


def test_explain_pictures_speak_the_language_of_its_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["explain", "--lang", "da", "--out", str(tmp_path)], capsys).code == 0
    texts = [t.text or "" for t in check_svg(tmp_path / "worked_example_after.svg").iter(f"{SVG_NS}text")]
    assert any(t.startswith("Efter én opdatering med fuld batch") for t in texts)
    assert not any(t.startswith("After one") for t in texts)


# --- explore ----------------------------------------------------------------------------


def test_explore_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "page.html"
    result = run(
        ["explore", "--samples", "20", "--epochs", "2", "--layers", "3", "--quiet", "--out", str(page)], capsys
    )
    assert result.code == 0, result.err
    assert written(result.out) == [page]
    text = page.read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith("<!doctype html")
    assert "tinygrad_dk.explorer" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]


def test_explore_writes_the_page_in_danish_with_lang_da(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["explore", "--samples", "20", "--epochs", "2", "--layers", "3", "--quiet", "--compare"]
    pages = {lang: tmp_path / f"{lang}.html" for lang in ("en", "da")}
    for lang, page in pages.items():
        assert run([*argv, "--out", str(page), "--lang", lang], capsys).code == 0
    en, da = explorer_data(pages["en"]), explorer_data(pages["da"])
    assert (en["lang"], da["lang"]) == ("en", "da") and da["words"]["tab_train"] == "Træning"
    assert [r["label"] for r in da["runs"]] == ["fuld batch", "mini-batch på 16", "SGD (batch 1)"]
    assert [r["weights"] for r in da["runs"]] == [r["weights"] for r in en["runs"]]  # the same training
    assert [r["history"] for r in da["runs"]] == [r["history"] for r in en["runs"]]


def test_explore_refuses_a_language_it_does_not_know(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.html"
    assert "argument --lang: invalid choice: 'de'" in usage_error(
        ["explore", "--lang", "de", "--out", str(page)], capsys
    )
    monkeypatch.setenv("TINYGRAD_DK_LANG", "de")
    err = usage_error(["explore", *SMALL, "--out", str(page)], capsys)
    assert "TINYGRAD_DK_LANG='de' is not a language explore knows" in err
    assert not page.exists()
    monkeypatch.setenv("TINYGRAD_DK_LANG", "da")
    assert (
        run(
            ["explore", "--samples", "20", "--epochs", "1", "--layers", "2", "--quiet", "--out", str(page)], capsys
        ).code
        == 0
    )
    assert explorer_data(page)["lang"] == "da"


# --- the output cannot be written: status 1, a clear message, nothing half-written -----------


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["demo", "--quiet", "--out", "{blocked}/pictures"], "--out"),
        (["train", *SMALL, "--plot", "{blocked}/plots"], "--plot"),
        (["train", *SMALL, "--save", "{blocked}/model.json"], "--save"),
        (["graph", "--out", "{blocked}/graph.svg"], "--out"),
        (["explain", "--out", "{blocked}/pictures"], "--out"),
        (["explore", *SMALL, "--out", "{blocked}/page.html"], "--out"),
    ],
    ids=["demo", "train-plot", "train-save", "graph", "explain", "explore"],
)
def test_output_under_a_regular_file_exits_1(
    argv: list[str], flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A path whose parent is a regular file cannot be created, even by root (unlike chmod-based
    # read-only folders, which root ignores).
    blocked = tmp_path / "a_file"
    blocked.write_text("in the way")
    command = argv[0]
    result = run([arg.replace("{blocked}", str(blocked)) for arg in argv], capsys)
    assert result.code == 1
    assert result.err.startswith(f"tinygrad-dk {command}: ")
    assert result.err.count("\n") == 1 and "Traceback" not in result.err  # one line
    assert str(blocked) in result.err
    assert flag in result.err  # names the option to change
    assert "full batch:" not in result.out  # it failed before training, not after
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]
    assert blocked.read_text() == "in the way"


def test_train_save_into_a_file_path_says_it_is_not_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocked = tmp_path / "a_file"
    blocked.write_text("in the way")
    result = run(["train", *SMALL, "--save", str(blocked / "model.json")], capsys)
    assert result.code == 1
    assert f"'{blocked}' is not a folder" in result.err


@pytest.mark.parametrize(
    ("argv", "flag", "trained"),
    [
        (["demo", "--quiet", "--out", "{link}/pictures"], "--out", "final:"),
        (["train", *SMALL, "--plot", "{link}/plots"], "--plot", "full batch:"),
        (["train", *SMALL, "--save", "{link}/model.json"], "--save", "full batch:"),
    ],
    ids=["demo", "train-plot", "train-save"],
)
def test_output_through_a_broken_link_fails_before_training(
    argv: list[str], flag: str, trained: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "gone"
    link.symlink_to(tmp_path / "nowhere")
    result = run([arg.replace("{link}", str(link)) for arg in argv], capsys)
    assert result.code == 1
    assert result.err == f"tinygrad-dk {argv[0]}: {flag}: '{link}' is not a folder; choose another path\n"
    assert trained not in result.out
    assert [p.name for p in tmp_path.iterdir()] == ["gone"]  # nothing made through the link


@pytest.mark.parametrize("existing", [False, True], ids=["new-folder", "existing-folder"])
def test_demo_failure_halfway_leaves_the_folder_as_it_was(
    existing: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def three_epochs(*args: Any, **kwargs: Any) -> Any:  # how well it learns does not matter here: be quick
        return tinygrad_dk.explore.record_run(*args, **{**kwargs, "epochs": 3, "compile": False})

    def disk_full(graph: Any, path: Any) -> Path:
        Path(path).write_text("<svg")  # half a picture, then the disk fills
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(tinygrad_dk.demo, "record_run", three_epochs)
    monkeypatch.setattr(tinygrad_dk.demo, "render", disk_full)
    out_dir = tmp_path / "new" / "pictures"
    if existing:  # the files of an earlier demo, and the user's own
        out_dir.mkdir(parents=True)
        (out_dir / "worked_example_graph.svg").write_text("the earlier graph")
        (out_dir / "notes.txt").write_text("mine")
    result = run(["demo", "--quiet", "--out", str(out_dir)], capsys)
    assert result.code == 1
    assert re.fullmatch(
        r"tinygrad-dk demo: could not write .*worked_example_graph\.svg: No space left on device\n", result.err
    )
    assert "wrote:" not in result.out
    if existing:
        assert sorted(p.name for p in out_dir.iterdir()) == ["notes.txt", "worked_example_graph.svg"]
        assert (out_dir / "worked_example_graph.svg").read_text() == "the earlier graph"
    else:  # the folders made for the pictures are gone again
        assert list(tmp_path.iterdir()) == []


def test_demo_the_function_names_a_file_in_the_way_before_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_training(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("demo trained before it checked its output folder")

    monkeypatch.setattr(tinygrad_dk.demo, "record_run", no_training)
    blocked = tmp_path / "a_file"
    blocked.write_text("in the way")
    message = rf"cannot write .*pictures: {re.escape(str(blocked))} is not a folder; choose another path"
    with pytest.raises(NotADirectoryError, match=message):
        tinygrad_dk.demo.demo(blocked / "pictures", progress=False)
    assert [p.name for p in tmp_path.iterdir()] == ["a_file"] and blocked.read_text() == "in the way"


@pytest.mark.parametrize(
    ("loss", "threshold", "compare"), [("hinge", 0.0, []), ("mse", 0.5, []), ("mse", 0.5, ["--compare"])]
)
def test_train_plots_the_boundary_where_the_loss_puts_it(
    loss: str,
    threshold: float,
    compare: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    drawn: list[dict[str, Any]] = []

    def record(model: Any, X: Any, y: Any, path: Path, **kwargs: Any) -> Path:
        drawn.append(kwargs)
        path.write_bytes(b"")
        return path

    monkeypatch.setattr(tinygrad_dk.viz, "plot_decision_boundary", record)
    result = run(["train", *SMALL, "--loss", loss, *compare, "--plot", str(tmp_path / "plots")], capsys)
    assert result.code == 0, result.err
    printed = train_line("full batch", result.out)
    assert [d["threshold"] for d in drawn] == [threshold] * (3 if compare else 1)  # each run's History.threshold
    assert drawn[0]["title"] == f"full batch: accuracy {printed.group(2)}%"  # the accuracy fit reported


def test_train_plot_failure_saves_no_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def disk_full(*args: Any, **kwargs: Any) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device", "decision_boundary_full_batch.png")

    monkeypatch.setattr(tinygrad_dk.viz, "plot_decision_boundary", disk_full)
    model_path, plot_dir = tmp_path / "model.json", tmp_path / "plots"
    result = run(["train", *SMALL, "--save", str(model_path), "--plot", str(plot_dir)], capsys)
    assert result.code == 1
    assert "No space left on device" in result.err
    assert not model_path.exists()  # a model without its plots would be half the output
    assert not plot_dir.exists()  # the folder made for the plots is gone again


# --- bad flags and values: status 2 and a usage message naming the problem -----------------

BAD_FLAGS = [
    (["train", "--bogus"], r"unrecognized arguments: --bogus"),
    (["train", "--layers", "16,x"], r"argument --layers: expected hidden layer sizes like 16,16, got '16,x'"),
    (["train", "--layers", "16,0"], r"argument --layers: every layer needs at least 1 neuron, got '16,0'"),
    (["train", "--batch-size", "0"], r"argument --batch-size: expected 'full', 1 \(SGD\) or a batch size K, got '0'"),
    (["train", "--batch-size", "half"], r"argument --batch-size: expected 'full', 1 \(SGD\) or a batch size K"),
    (["train", "--lr", "-1"], r"argument --lr: must be a finite number > 0, got -1"),
    (["train", "--lr", "0"], r"argument --lr: must be a finite number > 0, got 0"),
    (["train", "--lr", "nan"], r"argument --lr: must be a finite number > 0, got nan"),
    (["train", "--lr", "fast"], r"argument --lr: expected a number, got 'fast'"),
    (["train", "--dataset", "mnist"], r"argument --dataset: invalid choice: 'mnist'"),
    (["train", "--epochs", "0"], r"argument --epochs: must be at least 1, got 0"),
    (["train", "--samples", "many"], r"argument --samples: expected a whole number, got 'many'"),
    (["train", "--noise", "-0.1"], r"argument --noise: must be a finite number >= 0, got -0.1"),
    (["train", "--l2", "inf"], r"argument --l2: must be a finite number >= 0, got inf"),
    (["train", "--activation", "swish"], r"argument --activation: invalid choice: 'swish'"),
    (["train", "--optimizer", "lbfgs"], r"argument --optimizer: invalid choice: 'lbfgs'"),
    (["graph", "--input", "9,9,9"], r"--input needs --model: the worked example has its own inputs"),
    (["explore", "--batch-size", "-3"], r"argument --batch-size: expected 'full', 1 \(SGD\) or a batch size K"),
    (["graph", "--input", "a,b"], r"argument --input: expected numbers separated by commas like 0.5,-0.2"),
    (["graph", "--rankdir", "XY"], r"argument --rankdir: invalid choice: 'XY'"),
    (["explain", "--format", "html"], r"argument --format: invalid choice: 'html'"),
    (["explain", "--samples", "0"], r"argument --samples: must be at least 1, got 0"),
    (["demo", "--epochs", "3"], r"unrecognized arguments: --epochs 3"),
    (["fly"], r"argument COMMAND: invalid choice: 'fly'"),
    ([], r"the following arguments are required: COMMAND"),
]


@pytest.mark.parametrize(("argv", "message"), BAD_FLAGS, ids=[" ".join(argv) or "(none)" for argv, _ in BAD_FLAGS])
def test_bad_flags_and_values_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    err = usage_error(argv, capsys)
    assert re.search(message, err), err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--samples", "1", "--quiet"], r"n_samples must be >= 2"),  # two moons need a point each
        (["explore", "--dataset", "blobs", "--samples", "2", "--quiet"], r"n_samples must be >= 3"),
        (["train", "--loss", "cross_entropy", "--quiet"], r"cross_entropy.*one output per class"),  # moons: 2 classes
        (["train", "--dataset", "spiral", "--loss", "hinge", "--quiet"], r"loss='hinge' needs a model with one output"),
        (["graph", "--out", "graph.txt"], r"--out 'graph.txt': name the file .svg, .png, .pdf or .dot"),
    ],
    ids=["moons-1", "blobs-2", "cross-entropy-2-classes", "hinge-3-classes", "graph-suffix"],
)
def test_values_the_library_refuses_exit_2(
    argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # graph.txt would land here
    err = usage_error(argv, capsys)
    assert re.search(message, err), err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("demo", "train", "graph", "explain", "explore"):
        assert re.search(rf"^\s+{command}\s", out, re.MULTILINE), command


# --- the entry points, in real processes ------------------------------------------------


def console_script() -> Path:
    """The installed `tinygrad-dk` script, next to this Python (a venv) or on PATH."""
    beside = Path(sys.executable).with_name("tinygrad-dk")
    if beside.is_file():
        return beside
    found = [Path(p) / "tinygrad-dk" for p in os.environ.get("PATH", "").split(os.pathsep)]
    for path in found:
        if path.is_file():
            return path
    pytest.fail("the tinygrad-dk console script is not installed: pip install -e . puts it next to python")


def test_console_script_runs_explain(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(console_script()), "explain"], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "E_total = E_o1 + E_o2 = 0.298371109" in result.stdout
    assert "0.35891648" in result.stdout


def test_python_dash_m_runs_graph(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tinygrad_dk", "graph", "--out", "worked.dot"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "wrote:\n  worked.dot\n"
    text = (tmp_path / "worked.dot").read_text(encoding="utf-8")
    assert text.startswith("digraph") and "data 0.2984" in text


# --- sizes that cannot fit: refused before any work, naming the limit -------------------

TOO_LARGE = [  # (argv, what the message says)
    (["train", "--samples", str(10**30)], r"n_samples must be at most 1,000,000 \(MAX_SAMPLES"),
    (["explore", "--samples", "1000001"], r"n_samples must be at most 1,000,000 \(MAX_SAMPLES"),
    (["train", "--layers", "100000,100000"], r"at most MAX_NEURONS = 1,024 hidden neurons in all .* got 200,000"),
    (["explore", "--layers", "1000,25"], r"at most MAX_NEURONS = 1,024 hidden neurons in all .* got 1,025"),
    (  # three outputs at most (blobs, spiral): 3 * 128 + 129 * 128 + 129 * 3 = 17,283 weights
        ["explore", "--layers", "128,128"],
        r"at most EXPLORE_MAX_WEIGHTS = 5,000 weights .* up to 17,283",
    ),
    (["train", "--epochs", str(10**9)], r"--epochs: must be at most MAX_EPOCHS = 100,000"),
    (["explore", "--epochs", "100001"], r"--epochs: must be at most MAX_EPOCHS = 100,000"),
    (["graph", "--max-nodes", "1000000"], r"--max-nodes: must be at most MAX_GRAPH_NODES = 10,000"),
    (["train", "--noise", "1e308"], r"--noise 1e\+308: make_moons: noise must be in \[0, 1e\+300\]"),
    (["explore", "--dataset", "blobs", "--noise", "1e308"], r"make_blobs: std must be in \[0, 1e\+300\]"),
]


@pytest.mark.parametrize(("argv", "message"), TOO_LARGE, ids=[" ".join(argv)[:40] for argv, _ in TOO_LARGE])
def test_sizes_that_cannot_fit_are_refused_before_any_work(
    argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # explorer.html, computation_graph.svg would land here
    err = usage_error([*argv, "--quiet"] if argv[0] != "graph" else argv, capsys)
    assert re.search(message, err), err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("samples", "engine"),
    [
        (296, "compiled graph of Values, 296 samples x 337 weights"),
        (297, "matrices, 297 samples x 337 weights > 100,000"),
    ],
)
def test_a_graph_too_large_to_compile_trains_as_matrices(
    samples: int, engine: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # MLP(2, [16, 16, 1]) has 3 * 16 + 17 * 16 + 17 = 337 weights; compiling a full batch of them for 297 samples
    # (100,089 > 100,000) took 700 MB, and 1,999 samples of 64,64 more than 13 GB
    engines = []

    def record(*args: Any, engine: str, **kwargs: Any) -> History:  # the engine chosen; matrices are quick
        engines.append(engine)
        return fit(*args, engine="matrix", **kwargs)

    monkeypatch.setattr(tinygrad_dk.cli, "fit", record)
    result = run(["train", "--samples", str(samples), "--epochs", "1", "--quiet"], capsys)
    assert result.code == 0, result.err
    assert f"engine: {'compiled' if samples == 296 else 'matrix'} ({engine})" in result.out
    assert engines == ["compiled" if samples == 296 else "matrix"]


# --- failures, warnings and signals: one line each ---------------------------------------


def one_line(result: Result, command: str) -> str:
    """The one line a failed command printed on stderr, after checking it is one line and no traceback."""
    assert result.code == 1, result
    assert result.err.startswith(f"tinygrad-dk {command}: ") and result.err.count("\n") == 1, result.err
    return result.err


def test_a_training_run_that_fails_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # learning rate 1e6 on the blobs: the scores overflow (a ValueError from deep inside the run, or TrainingDiverged)
    argv = ["--dataset", "blobs", "--lr", "1e6", "--epochs", "20", "--layers", "4", "--samples", "30", "--quiet"]
    for command, out in (("train", []), ("explore", ["--out", str(tmp_path / "e.html")])):
        err = one_line(run([command, *argv, *out], capsys), command)
        assert re.match(rf"tinygrad-dk {command}: (training failed|training diverged)", err), err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["train", "explore"])
def test_a_value_error_inside_training_is_one_line(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("log is undefined at 0.0: its input must be > 0")

    monkeypatch.setattr(tinygrad_dk.cli, "fit", failing)
    monkeypatch.setattr(tinygrad_dk.explore, "explore", failing)
    result = run([command, *SMALL, *(["--out", str(tmp_path / "e.html")] if command == "explore" else [])], capsys)
    assert one_line(result, command) == (
        f"tinygrad-dk {command}: training failed: log is undefined at 0.0: its input must be > 0\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_running_out_of_memory_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def exhausted(*args: Any, **kwargs: Any) -> History:
        raise MemoryError

    monkeypatch.setattr(tinygrad_dk.cli, "fit", exhausted)
    err = one_line(run(["train", *SMALL], capsys), "train")
    assert err == "tinygrad-dk train: out of memory; try fewer --samples or smaller --layers\n"


@pytest.fixture
def advising_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    """fit, warning as TrainingWarning will: a UserWarning with the learner's message."""

    def advising(*args: Any, **kwargs: Any) -> History:
        warnings.warn("the loss rose in 3 of the last 5 epochs:\ntry a smaller --lr", UserWarning, stacklevel=2)
        return fit(*args, **kwargs)

    monkeypatch.setattr(tinygrad_dk.cli, "fit", advising)


@pytest.mark.usefixtures("advising_fit")
def test_warnings_print_as_a_clean_block(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(["train", *SMALL], capsys)
    assert result.code == 0, result.err
    assert result.err == "warning: the loss rose in 3 of the last 5 epochs:\ntry a smaller --lr\n"  # no file:line


@pytest.mark.usefixtures("advising_fit")
def test_no_warnings_silences_them(capsys: pytest.CaptureFixture[str]) -> None:
    before = list(warnings.filters)
    result = run(["train", *SMALL, "--no-warnings"], capsys)
    assert result.code == 0 and result.err == ""
    assert warnings.filters == before  # for the command only


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            '{"format": "tinygrad_dk.model", "version": 1, "class": "MLP", "config": {"nin": 2, "nouts": '
            '[100000, 100000, 1], "activation": "relu", "output_activation": "linear", "init": "uniform", '
            '"seed": 0}, "state": {}}',
            "its config implies 10,000,500,001 weights but its state holds 0",
        ),
        ("[" * 100_000 + "]" * 100_000, "its JSON nests too deep"),
        ('{"version": ' + "1" * 5000 + "}", "it holds an integer of 5000 digits"),
    ],
    ids=["209-bytes", "nested", "digits"],
)
def test_a_hostile_model_file_is_one_line(
    text: str, problem: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Unbuildable(MLP):  # if the check failed, fail at once rather than after 37 s and 10 GB
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise AssertionError("load built the model")

    monkeypatch.setitem(tinygrad_dk.modelfile._CLASSES, "MLP", Unbuildable)
    path = tmp_path / "model.json"
    path.write_text(text)
    for argv in (
        ["graph", "--model", str(path), "--out", str(tmp_path / "g.svg")],
        ["export", str(path), "--to", str(tmp_path / "m.pt")],
    ):
        err = one_line(run(argv, capsys), argv[0])
        assert f"cannot load {path}: " in err and problem in err
    assert os.listdir(tmp_path) == ["model.json"]


@pytest.mark.parametrize("kind", ["fifo", "link", "folder"])
def test_save_onto_what_is_not_a_regular_file_fails_before_training(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "model.json"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "link":
        (tmp_path / "real.json").write_text("kept")
        target.symlink_to(tmp_path / "real.json")
    else:
        target.mkdir()
    what = {"fifo": "a named pipe", "link": "a symbolic link", "folder": "a folder"}[kind]
    result = run(["train", *SMALL, "--save", str(target)], capsys)
    assert one_line(result, "train").startswith(f"tinygrad-dk train: --save: cannot write {target}: it is {what}")
    assert "full batch:" not in result.out  # refused before training
    assert (
        stat.S_IFMT(os.lstat(target).st_mode)
        == {"fifo": stat.S_IFIFO, "link": stat.S_IFLNK, "folder": stat.S_IFDIR}[kind]
    )


def started(argv: list[str], **kwargs: Any) -> subprocess.Popen[str]:
    """``python -m tinygrad_dk argv`` in a process of its own, its output unbuffered."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen([sys.executable, "-m", "tinygrad_dk", *argv], text=True, env=env, **kwargs)


def test_ctrl_c_prints_one_line_and_exits_130(tmp_path: Path) -> None:
    plots = tmp_path / "plots"
    child = started(
        ["train", "--epochs", "100000", "--quiet", "--plot", str(plots)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert child.stdout is not None
    assert child.stdout.readline().startswith("engine: ")  # training has begun
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 130
    assert err == "tinygrad-dk train: interrupted\n"
    assert list(tmp_path.iterdir()) == []  # the plot folder it had made is gone again


def test_a_closed_pipe_ends_the_command_quietly(tmp_path: Path) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader has gone before the first line, as `| head -0` does
    child = started(["explain", "--samples", "20"], stdout=write, stderr=subprocess.PIPE, cwd=tmp_path)
    os.close(write)
    _, err = child.communicate(timeout=120)
    assert err == ""
    assert child.returncode == 141  # 128 + SIGPIPE: what a shell reports for `yes | head`


def test_train_names_fits_warnings_in_the_language_asked_and_no_warnings_silences_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stuck = ["train", "--activation", "step", "--epochs", "3", "--samples", "20", "--layers", "4", "--quiet"]
    danish = run([*stuck, "--lang", "da"], capsys)
    assert danish.code == 0
    assert danish.err.startswith("warning: Ingen gradient kan løbe gennem L1 i epoke 1") and danish.err.count("\n") == 1
    english = run(stuck, capsys)
    assert english.err.startswith("warning: No gradient can flow through L1 in epoch 1")
    silent = run([*stuck, "--no-warnings"], capsys)
    assert silent.code == 0 and silent.err == "" and silent.out == english.out  # the same run, nothing said
