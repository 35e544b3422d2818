"""`tinygrad_dk.demo` says which engine trained the moons network (the demo's whole run is tested in test_cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import tinygrad_dk.demo
from tinygrad_dk.demo import headline
from tinygrad_dk.train import ENGINES


class Stop(Exception):
    """Raised in place of training: the test has seen what the demo asked fit for."""


def test_the_headline_names_the_engine_the_moons_run_trains_with(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    asked: dict[str, Any] = {}

    def record_run(model: Any, X: Any, y: Any, **kwargs: Any) -> None:
        asked.update(kwargs)
        raise Stop

    monkeypatch.setattr(tinygrad_dk.demo, "record_run", record_run)
    with pytest.raises(Stop):
        tinygrad_dk.demo.demo(tmp_path / "out", progress=False, lang="en")
    engine = asked["engine"]  # what fit runs the moons run with
    assert engine in ENGINES and "compile" not in asked  # one way of saying it, the one the headline reads
    assert f"100 epochs, engine: {engine} (" in headline("en")
    assert f"100 epoker, motor: {engine} (" in headline("da")
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_every_engine_of_fit_has_words_in_both_languages() -> None:
    for lang, words in tinygrad_dk.demo._ENGINE_WORDS.items():
        assert set(words) == set(ENGINES), lang  # a new engine in fit needs its words here
        assert all(words[engine].startswith(f"{engine} (") for engine in ENGINES), lang
