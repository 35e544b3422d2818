"""Shared test set-up: Hypothesis profiles (fast `dev`, derandomized `ci`), and which optional
modules CI requires on this Python."""

import os
import sys

import pytest
import support
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# In CI a missing optional module is a failure (support.need_module), with one exception: PyTorch
# is required on Python 3.11 only, the one Python whose CPU wheel .ci/run installs (any other
# torch is gigabytes of CUDA). Elsewhere the PyTorch reference tests run if torch is there, and
# are skipped, saying why, if it is not. This runs before any test module imports need_module.
TORCH_PYTHON = (3, 11)

if support.IN_CI and sys.version_info[:2] != TORCH_PYTHON:
    _need_module_in_ci = support.need_module

    def _need_module_torch_optional(name):
        if name.partition(".")[0] == "torch":
            return pytest.importorskip(name, reason=f"{name} is not installed (CI requires it on Python 3.11 only)")
        return _need_module_in_ci(name)

    support.need_module = _need_module_torch_optional
