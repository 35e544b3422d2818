"""The package and its installed metadata agree: the version is written once, in __init__.py."""

import importlib.metadata

import tinygrad_dk


def test_version_is_the_installed_distributions() -> None:
    assert tinygrad_dk.__version__ == importlib.metadata.version("tinygrad-dk")
