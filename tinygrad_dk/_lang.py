"""The language of the teaching output, chosen one way for the whole package.

Everything that writes words for a learner (explain's text, the demo's messages, the
pictures' captions and legends, the explorer's page) takes ``lang=None`` and asks
`check_lang`: the ``lang`` given, else the environment variable TINYGRAD_DK_LANG, else
English. The numbers are the same in every language; error messages stay English.

>>> check_lang("da")
'da'
"""

from __future__ import annotations

import os

LANGUAGES = ("en", "da")  # English, and Danish in the words of Mike Meldgaard's post
LANG_ENV = "TINYGRAD_DK_LANG"  # the language when lang= is not given


def check_lang(lang: str | None, who: str = "tinygrad_dk") -> str:
    """``lang``, or else the environment's TINYGRAD_DK_LANG, or else "en"; an unknown one is refused.

    ``who`` names the caller in the messages.
    """
    choices = ", ".join(map(repr, LANGUAGES))
    if lang is None:
        chosen = os.environ.get(LANG_ENV) or "en"  # set but empty counts as unset
        if chosen not in LANGUAGES:
            raise ValueError(
                f"{LANG_ENV}={chosen!r} is not a language {who} knows: set it to one of {choices} or unset it"
            )
        return chosen
    if not isinstance(lang, str) or lang not in LANGUAGES:
        raise ValueError(f"{who}: unknown language {lang!r}: use one of {choices}")
    return lang
