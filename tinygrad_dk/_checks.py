"""Checks shared by the modules where user input enters."""

from __future__ import annotations

import numbers


def check_seed(seed: object, who: str) -> int:
    """``seed`` as an int; None, floats and strings are refused, since they would not reproduce."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{who}: seed must be an int such as 0, not {type(seed).__name__}: {seed!r} "
                        "(every random choice comes from an explicit seed, so runs reproduce)")
    return int(seed)
