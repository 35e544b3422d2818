"""Shared test set-up: Hypothesis profiles (fast `dev`, derandomized `ci`)."""

import os
import random
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

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
