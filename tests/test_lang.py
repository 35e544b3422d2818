"""One language choice for the whole package: lang=, else TINYGRAD_DK_LANG, else English."""

from __future__ import annotations

import pytest

from tinygrad_dk import explain
from tinygrad_dk._lang import LANG_ENV, LANGUAGES, check_lang


def test_lang_wins_then_the_environment_then_english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LANG_ENV, raising=False)
    assert check_lang(None) == "en"
    monkeypatch.setenv(LANG_ENV, "da")
    assert check_lang(None) == "da" and check_lang("en") == "en"
    monkeypatch.setenv(LANG_ENV, "")  # set but empty: as if unset
    assert check_lang(None) == "en"


def test_unknown_languages_are_refused_with_the_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LANG_ENV, "de")
    with pytest.raises(
        ValueError,
        match=r"^TINYGRAD_DK_LANG='de' is not a language plot_history knows: set it to "
        r"one of 'en', 'da' or unset it$",
    ):
        check_lang(None, "plot_history")
    with pytest.raises(ValueError, match=r"^write_explorer: unknown language 'fr': use one of 'en', 'da'$"):
        check_lang("fr", "write_explorer")
    with pytest.raises(ValueError, match=r"unknown language \['da'\]"):
        check_lang(["da"], "x")  # type: ignore[arg-type]


def test_explain_keeps_its_names_and_uses_the_same_choice() -> None:
    assert (explain.LANGUAGES, explain.LANG_ENV) == (LANGUAGES, LANG_ENV) == (("en", "da"), "TINYGRAD_DK_LANG")
