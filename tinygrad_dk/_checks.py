"""Checks shared by the modules where user input enters."""

from __future__ import annotations

import numbers


def check_seed(seed: object, who: str) -> int:
    """``seed`` as an int; None, floats and strings are refused, since they would not reproduce."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{who}: seed must be an int such as 0, not {type(seed).__name__}: {seed!r} "
                        "(every random choice comes from an explicit seed, so runs reproduce)")
    return int(seed)


def check_count(value: object, what: str, minimum: int = 1, why: str = "", maximum: int | None = None) -> int:
    """``value`` as an int from ``minimum`` (to ``maximum``): TypeError for a non-int or a bool, else ValueError.

    ``what`` names the argument and where it went in (``"fit: epochs"``); ``why`` says why
    the minimum is what it is (``" (one per moon)"``).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}: {value!r}")
    count = int(value)
    if maximum is not None and not minimum <= count <= maximum:
        raise ValueError(f"{what} must be from {minimum} to {maximum}{why}, got {value!r}")
    if count < minimum:
        raise ValueError(f"{what} must be >= {minimum}{why}, got {value!r}")
    return count
