"""The benchmark runs end to end on tiny sizes: its correctness checks pass and it reports every row.

Nothing here is timed or compared against a speed: `benchmarks/bench.py` measures speed; this
keeps it from rotting between full runs. Needs micrograd, which CI installs.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from support import need_module

from tinygrad_dk.engine import Value

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"


@pytest.fixture()
def bench() -> ModuleType:
    need_module("micrograd")
    spec = importlib.util.spec_from_file_location("bench_under_test", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bare_node_matches_the_engine_on_the_chain_and_a_sum(bench: ModuleType) -> None:
    assert bench.chain(bench.BareNode, 1_000) == bench.chain(Value, 1_000)
    a, b, c = (bench.BareNode(x) for x in (0.5, -2.0, 3.0))
    va, vb, vc = (Value(x) for x in (0.5, -2.0, 3.0))
    total, want = a * b + b * c + a, va * vb + vb * vc + va
    total.backward()
    want.backward()
    assert (total.data, a.grad, b.grad, c.grad) == (want.data, va.grad, vb.grad, vc.grad)


def nodes(root: Any) -> int:
    """Nodes below ``root``, for the engine, micrograd and the bare node alike."""
    seen, stack = {id(root)}, [root]
    while stack:
        node = stack.pop()
        children = list(node._prev) if hasattr(node, "_prev") else [node.a, node.b]  # BareNode: a and b
        for child in children:
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


def test_the_yardstick_builds_as_many_nodes_as_the_engines(bench: ModuleType) -> None:
    import micrograd.engine

    for engine in (bench.BareNode, Value, micrograd.engine.Value):
        c, x = engine(0.5), engine(1.0)
        for _ in range(100):
            x = x * c
        total = sum((engine(float(i)) * engine(2.0) for i in range(50)), engine(0.0))
        assert (nodes(x), nodes(total)) == (102, 201), engine


def test_every_benchmark_runs_its_checks_and_reports_its_rows(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    bench.main(["--sizes", "tiny"])  # a failed correctness check exits: the test fails with SystemExit
    names = [name for name, *_ in bench.ROWS]
    for expected in (
        "moons step, eager",
        "moons step, compiled straight-line",
        "moons step, compiled batch",
        "epoch of",
        "chain of",
        "yardstick: bare node, per link",
        "sum of",
        "yardstick: bare node",
        "bytes per node",
        "MLP width 4",
        "MLP width 16",
        "MLP width 64",
        "moons step, matrices",
        "peak memory of that epoch",
        "MLP(2, [16, 16, 1])",
        "width 8",
        *(["matrices (left: torch f64)"] if importlib.util.find_spec("torch") else []),
    ):
        assert any(expected in name for name in names), (expected, names)
    out = capsys.readouterr().out
    assert "checks: tinygrad_dk = micrograd" in out and "summary (" in out


def test_the_notebook_loop_runs_both_engines_to_the_same_losses(capsys: pytest.CaptureFixture[str]) -> None:
    need_module("micrograd")
    spec = importlib.util.spec_from_file_location("notebook_loop_under_test", BENCH.with_name("notebook_loop.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--steps", "2"]) == 0
    out = capsys.readouterr().out
    agreement = float(out.split("the losses agree to ")[1].split()[0])
    assert agreement < 1e-9 and "micrograd" in out and "faster over the whole loop" in out


def test_the_full_batch_memory_script_measures_both_forms(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location(
        "full_batch_memory_under_test", BENCH.with_name("full_batch_memory.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--samples", "10", "--epochs", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line.split() for line in lines[2:]]
    assert [(row[0], row[1]) for row in rows] == [("10", "whole"), ("10", "per-sample")]
    assert all(row[-1] == "MB" and float(row[-2]) > 0 for row in rows)


def test_only_matrix_runs_the_matrix_rows_and_names_the_blas_settings(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    bench.main(["--sizes", "tiny", "--only", "matrix"])
    names = [name for name, *_ in bench.ROWS]
    assert any("moons step, matrices" in name for name in names)
    assert any("peak memory of that epoch" in name for name in names)
    assert not any(name.startswith(("chain of", "MLP width", "sum of")) for name in names)
    out = capsys.readouterr().out
    assert "environment: OPENBLAS_CORETYPE=" in out and "OPENBLAS_L2_SIZE=" in out
