"""Shared test set-up: Hypothesis profiles (fast `dev`, derandomized `ci`), and fixtures that restore shared state."""

import os
import random
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tinygrad_dk.ops import OPS

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def global_random() -> Iterator[None]:
    """Put Python's global random state back after a test that seeds it, as a script of micrograd's would."""
    saved = random.getstate()
    yield
    random.setstate(saved)


@pytest.fixture
def table() -> Iterator[dict[str, Any]]:
    """The op table, restored after the test: rows a test defines do not leak into others."""
    before = dict(OPS)
    yield OPS
    OPS.clear()
    OPS.update(before)
