"""Helpers for tests that need an optional tool: skipped on a developer's machine without
it, but a failure in CI (CI=true), where .ci/run installs every tool."""

from __future__ import annotations

import importlib
import os
import shutil
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


def need_module(name: str) -> ModuleType:
    """Import ``name``; skip the test without it, except in CI where that is a failure."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        if IN_CI:
            pytest.fail(f"{name} must be installed in CI (.ci/run installs it): {error}")
        pytest.skip(f"{name} is not installed")


def need_program(name: str) -> str:
    """The path of program ``name``; skip without it, except in CI where that is a failure."""
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} must be on PATH in CI (.ci/run installs it)")
        pytest.skip(f"{name} is not on PATH")
    return path
