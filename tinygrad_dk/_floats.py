"""The float functions behind the engine's op table, and the check that turns input into a float.

Each is plain float arithmetic that behaves the way IEEE floats and PyTorch do at the edges:
a domain error names the op and the value (``log(-1)``), overflow is inf (``exp(1000)``), and
nothing overflows where it need not (``sigmoid``, ``softplus``). The engine's rows call them,
and so does the code `tinygrad_dk.compile` generates, which is why compiled values equal eager
ones to the last bit. Standard library only.
"""

from __future__ import annotations

import math
import numbers
import sys


def exp(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:  # as IEEE floats and PyTorch: exp(1000) = inf
        return math.inf


def log(a: float) -> float:
    if a <= 0:
        raise ValueError(f"log is undefined at {a!r}: its input must be > 0")
    return math.log(a)


def sqrt(a: float) -> float:
    if a < 0:
        raise ValueError(f"sqrt is undefined at {a!r}: its input must be >= 0")
    return math.sqrt(a)


def divide(a: float, b: float) -> float:
    if b == 0:
        raise ZeroDivisionError(f"division by zero: {a!r} / {b!r}: the divisor must not be 0")
    return a / b  # rounded once: a * (1 / b) would overflow at 1e-300 / 1e-310 and give nan at 0 / 1e-310


def maximum(a: float, b: float) -> float:
    """The larger of ``a`` and ``b``, NaN if either is NaN (Python's ``max(1.0, nan)`` is 1.0)."""
    return a if a >= b else b if b > a else math.nan


def d_maximum(a: float, b: float) -> float:
    """d max(a, b) / da: 1 if ``a`` is the larger, 0 if ``b`` is, 1/2 at a tie (as PyTorch), NaN at NaN."""
    return 1.0 if a > b else 0.0 if a < b else 0.5 if a == b else math.nan


def power(a: float, b: float) -> float:
    if a == 0 and b < 0:
        raise ZeroDivisionError(f"pow: 0.0 ** {b!r} divides by zero: keep the base away from 0")
    if a < 0 and not float(b).is_integer():
        raise ValueError(f"pow: {a!r} ** {b!r} is undefined: a negative base needs an integer exponent")
    try:
        return float(a**b)
    except OverflowError:  # 10.0 ** 400 = inf, with the sign of the result
        return -math.inf if a < 0 and int(b) % 2 else math.inf


def value_power(a: float, b: float) -> float:
    if a < 0:
        raise ValueError(f"pow: {a!r} ** Value is undefined: with a Value exponent the base must be >= 0")
    return power(a, b)


def d_power(a: float, k: float) -> float:
    """d/da a**k = k * a**(k-1); at a = 0 with 0 < k < 1 that is inf (sqrt'(0)), as in PyTorch."""
    if k == 0:  # d/da a**0 = 0, also where a**-1 overflows to inf (0 * inf would be NaN)
        return 0.0
    return k * power(a, k - 1) if a != 0 or k >= 1 else math.inf


def sigmoid(a: float) -> float:
    if a >= 0:  # exp of a negative number only: no overflow
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def sin(a: float) -> float:
    return math.sin(a) if math.isfinite(a) else math.nan  # sin(inf) is NaN, as in IEEE floats and PyTorch


def cos(a: float) -> float:
    return math.cos(a) if math.isfinite(a) else math.nan


def softplus(a: float) -> float:
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))  # log(1 + e^a) without overflow


def as_float(x: object, what: str = "Value data") -> float:
    """``x`` as a float: an int, float, bool or numpy real scalar; anything else is a TypeError naming ``what``.

    A number beyond the float range (``10**400``) is a ValueError naming its size.
    """
    if type(x) is float or type(x) is int or isinstance(x, numbers.Real):
        try:
            return float(x)
        except OverflowError:  # an int or Fraction larger than any float
            raise ValueError(_too_large(x, what)) from None
    kind = getattr(getattr(x, "dtype", None), "kind", None)  # numpy: b(ool), i(nt), u(nsigned int), f(loat)
    if kind in ("b", "i", "u", "f") and getattr(x, "shape", None) == () and hasattr(x, "__float__"):
        return float(x)  # not complex (it would lose its imaginary part), not str
    raise TypeError(f"{what} must be an int, float, bool or numpy scalar, not {type(x).__name__}: {x!r}")


def _too_large(x: object, what: str) -> str:
    """The message for a number no float can hold, naming its size (an int of 400 digits is too long to show)."""
    numerator, denominator = getattr(x, "numerator", None), getattr(x, "denominator", 1)
    size = f"the {type(x).__name__} given is"
    if isinstance(numerator, int) and isinstance(denominator, int):  # an int or a Fraction: log10 takes any size
        log10 = math.log10(abs(numerator)) - math.log10(denominator)
        exponent = math.floor(log10)  # 2**1024 is 1.8e+308: "1.8e+308", never "1e+308", below the largest
        size += f" about {'-' if numerator < 0 else ''}{10 ** (log10 - exponent):.2f}e+{exponent},"
    return (
        f"{what} is too large for a float: {size} beyond the largest float ({sys.float_info.max!r}); "
        "scale it down (divide by a power of 10), or use float('inf') for infinity"
    )
