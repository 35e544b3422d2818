"""Every script in examples/ runs, says what a learner should see, and writes the files it names.

The smoke test is parametrized over the files in examples/, so a new script is run without
any change here; the facts a script must print (and the files it must write) are listed per
script in `FACTS` and `FILES`, and every script must have an entry in both.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from support import IN_CI, need_wasm_graphviz

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))
TIMEOUT = 180  # seconds per script: generous for a loaded machine; the defaults take seconds
WROTE = re.compile(r"^wrote (.+)$", re.MULTILINE)


def _section(text: str, start: str, end: str) -> str:
    """The part of ``text`` from the line starting with ``start`` up to the next line starting with ``end``."""
    match = re.search(rf"^{re.escape(start)}.*?(?=^{re.escape(end)}|\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"no section starting with {start!r} in:\n{text}"
    return match.group(0)


def _number(pattern: str, text: str) -> float:
    match = re.search(pattern, text, re.MULTILINE)
    assert match, f"{pattern!r} not found in:\n{text}"
    return float(match.group(1))


# --- what each script must print ----------------------------------------------------------


def check_perceptron(out: str) -> None:
    assert re.search(r"^AND: learned in \d+ epochs", out, re.MULTILINE)
    assert re.search(r"^OR: learned in \d+ epochs", out, re.MULTILINE)
    assert re.search(
        r"^XOR: not learned: [1-9]\d* errors during epoch 20, [1-9]\d* wrong with the final weights", out, re.MULTILINE
    )
    assert "not linearly separable" in out
    # the tables after training: AND and OR all right, XOR wrong somewhere
    assert "<- wrong" not in _section(out, "AND:", "OR:")
    assert "<- wrong" not in _section(out, "OR:", "XOR:")
    assert "<- wrong" in _section(out, "XOR:", "Why")


def check_activations(out: str) -> None:
    assert _number(r"largest difference between backward\(\) and the formulas: (\S+)", out) < 1e-12
    rows = {
        line.split()[0]: re.findall(r"[+-]\d\.\d{3}, [+-]\d\.\d{3}", line)
        for line in out.splitlines()
        if re.match(r"(step|sigmoid|tanh|relu|leaky_relu|softplus) ", line)
    }
    assert len(rows) == 6
    # columns are x = -2, -1, 0, 1, 2; values from the definitions, not from the engine
    assert rows["relu"][2] == "+0.000, +0.000"  # relu(0) = 0 and relu'(0) = 0, as in PyTorch
    assert rows["relu"][3] == "+1.000, +1.000"
    assert rows["sigmoid"][2] == "+0.500, +0.250"  # s(0) = 1/2, s'(0) = s(1 - s) = 1/4
    assert rows["tanh"][2] == "+0.000, +1.000"
    assert rows["softplus"][2] == "+0.693, +0.500"  # log 2, sigmoid(0)
    assert rows["leaky_relu"][0] == "-0.200, +0.100"  # slope 0.1 below 0
    assert rows["step"][3] == "+1.000, +0.000"


# Published results of the textbook example (Mazur, "A Step by Step Backpropagation Example").
PUBLISHED_UPDATES = {
    "w1": "0.14978072",
    "w2": "0.19956143",
    "w3": "0.24975114",
    "w4": "0.29950229",
    "w5": "0.35891648",
    "w6": "0.40866619",
    "w7": "0.51130127",
    "w8": "0.56137012",
}


def check_step_by_step(out: str) -> None:
    assert "E_total = 0.298371109" in out
    assert "E_o1 = 1/2 * (0.01 - 0.751365070)^2 = 0.274811083" in out
    assert "out_h1 = sigmoid(0.377500000) = 0.593269992" in out
    assert "the chain rule products agree with backward(): True" in out
    for name, after in PUBLISHED_UPDATES.items():
        assert re.search(rf"^   {name}: .* = {after}$", out, re.MULTILINE), name
    # w5's three factors, from the graph and by the textbook's formula
    assert re.search(r"dE_total/dout_o1 +from the graph's edges \+0\.741365070, by the formula \+0\.741365070", out)
    assert re.search(r"dout_o1/dnet_o1 +from the graph's edges \+0\.186815602", out)


def check_moons(out: str) -> None:
    assert "MLP(2, [16, 16, 1]" in out and "337 parameters" in out
    assert _number(r"^final: loss [\d.]+, accuracy ([\d.]+)%", out) >= 95.0
    if IN_CI or importlib.util.find_spec("micrograd") is not None:  # the same step in micrograd itself
        assert re.search(r"micrograd, same weights, one step: same loss True", out)
        assert _number(r"largest gradient difference (\S+)", out) < 1e-12


def check_xor(out: str) -> None:
    assert "XOR accuracy: 100% (learned)" in out
    rows = re.findall(r"^(\d)\s+(\d)\s+\|\s+([+-]\d+\.\d+)\s+->\s+(\d)\s+\|\s+(\d)$", out, re.MULTILINE)
    assert len(rows) == 4
    for x1, x2, score, predicted, target in rows:
        assert int(target) == int(x1) ^ int(x2)
        assert int(predicted) == int(x1) ^ int(x2) == int(float(score) > 0)


def check_full_batch_vs_sgd(out: str) -> None:
    # 40 samples, 20 epochs: ceil(40 / batch) updates per epoch
    rows = {}
    for name, batch, per_epoch, total in (("full batch", 40, 1, 20), ("mini-batch 10", 10, 4, 80), ("SGD", 1, 40, 800)):
        match = re.search(rf"^{name}\s+{batch}\s+{per_epoch}\s+{total}\s+([\d.]+)\s+([\d.]+)%$", out, re.MULTILINE)
        assert match, f"no row for {name} with {per_epoch} updates per epoch in:\n{out}"
        rows[name] = float(match.group(1)), float(match.group(2))
    # the point of the example, on this seed: more updates per epoch get further in 20 epochs
    assert rows["SGD"][0] < rows["mini-batch 10"][0] < rows["full batch"][0]


def check_spiral_softmax(out: str) -> None:
    by_hand = _number(r"-log p\[\d\]\s+([\d.]+)", out)
    assert by_hand == _number(r"cross_entropy\(\) ([\d.]+)", out)
    assert _number(r"largest difference between backward\(\) and p - onehot: (\S+)", out) < 1e-12
    assert _number(r"^spiral training accuracy: ([\d.]+)%", out) >= 90.0


def check_computation_graph(out: str) -> None:
    # out = (x * y + x) ** 2 at x = 2, y = -1.5: s = -1, d out/d x = 2s(y + 1) = 1, d out/d y = 2sx = -4
    assert "(backward: 1.0)" in out
    assert "d out/d y = 2s * x = -4.0" in out
    assert "chain rule checked on all 5 edges of the expression: True" in out
    assert "chain rule checked on all 11 edges of the neuron's graph: True" in out
    assert "∂=" in out


FACTS: dict[str, Callable[[str], None]] = {
    "perceptron.py": check_perceptron,
    "activations.py": check_activations,
    "step_by_step.py": check_step_by_step,
    "moons.py": check_moons,
    "xor.py": check_xor,
    "full_batch_vs_sgd.py": check_full_batch_vs_sgd,
    "spiral_softmax.py": check_spiral_softmax,
    "computation_graph.py": check_computation_graph,
}
FILES: dict[str, set[str]] = {
    "perceptron.py": {"perceptron_and.svg", "perceptron_or.svg"},
    "activations.py": {"activations.png"},
    "step_by_step.py": {"worked_example_before.svg", "worked_example_after.svg"},
    "moons.py": {"moons_decision_boundary.png"},
    "xor.py": {"xor_decision_boundary.png", "xor_network.svg"},
    "full_batch_vs_sgd.py": {"full_batch_vs_sgd.png"},
    "spiral_softmax.py": {"spiral_decision_boundary.png"},
    "computation_graph.py": {"expression.svg", "neuron.svg", "neuron.dot"},
}


# --- the files ------------------------------------------------------------------------------


def check_file(path: Path) -> None:
    """A file an example says it wrote: there, and a real picture of its kind."""
    assert path.is_file(), f"{path} was announced but does not exist"
    data = path.read_bytes()
    if path.suffix == ".svg":
        root = ET.fromstring(data)  # raises on malformed XML
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert len(list(root.iter())) > 20, f"{path} is an almost empty SVG"
    elif path.suffix == ".png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(data) > 10_000, f"{path} is only {len(data)} bytes"
    elif path.suffix == ".dot":
        assert data.lstrip().startswith(b"digraph") and b"->" in data
    elif path.suffix == ".json":
        json.loads(data)
    else:
        assert len(data) > 100


def run(script: Path, *args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, timeout=TIMEOUT, cwd=cwd, env=env
    )
    assert result.returncode == 0, f"{script.name} failed:\n{result.stdout}\n{result.stderr}"
    return result


# --- the tests --------------------------------------------------------------------------


def test_every_example_is_listed() -> None:
    names = {script.name for script in SCRIPTS}
    assert names >= set(FACTS), f"missing examples: {sorted(set(FACTS) - names)}"
    unlisted = names - set(FACTS)
    assert not unlisted, f"add what {sorted(unlisted)} must print to FACTS and what it writes to FILES"
    assert set(FILES) == set(FACTS)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_example_runs_and_writes_what_it_says(script: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    result = run(script, str(out_dir), cwd=tmp_path)
    FACTS[script.name](result.stdout)
    written = [Path(line) for line in WROTE.findall(result.stdout)]
    assert written, f"{script.name} printed no 'wrote PATH' line"
    for path in written:
        assert path.parent == out_dir, f"{path} is not in the output folder {out_dir}"
        check_file(path)
    assert {path.name for path in written} == FILES[script.name]
    # nothing else left behind: no temporary files, no unannounced pictures
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(FILES[script.name])


def test_example_without_argument_writes_to_examples_out(tmp_path: Path) -> None:
    result = run(EXAMPLES / "perceptron.py", cwd=tmp_path)
    written = [Path(line) for line in WROTE.findall(result.stdout)]
    assert {path.name for path in written} == FILES["perceptron.py"]
    for path in written:
        assert (tmp_path / path).resolve().parent == (tmp_path / "examples_out").resolve()
        check_file(tmp_path / path)


def test_computation_graph_example_without_system_graphviz(tmp_path: Path) -> None:
    need_wasm_graphviz()
    no_dot = {**os.environ, "PATH": str(tmp_path)}  # an empty folder: no `dot` to find
    result = run(EXAMPLES / "computation_graph.py", str(tmp_path / "out"), cwd=tmp_path, env=no_dot)
    assert "rendering with Graphviz compiled to WebAssembly" in result.stdout
    for name in ("expression.svg", "neuron.svg"):
        check_file(tmp_path / "out" / name)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_example_docstring_says_how_to_run_it(script: Path) -> None:
    tree = ast.parse(script.read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree)
    assert doc, f"{script.name} has no module docstring"
    assert f"python examples/{script.name} [OUT_DIR]" in doc


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_example_uses_no_global_random_state(script: Path) -> None:
    tree = ast.parse(script.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            # random.random(), random.seed(), ... share one hidden state; random.Random(seed) owns its own
            assert not (node.value.id == "random" and node.attr != "Random"), f"{script.name} uses random.{node.attr}"
            assert not (node.value.id in ("np", "numpy") and node.attr == "random"), f"{script.name} uses np.random"
