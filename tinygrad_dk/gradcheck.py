"""`gradcheck`: compare the engine's gradients with central finite differences.

>>> from tinygrad_dk import gradcheck
>>> gradcheck(lambda v: (v[0] * v[1]).tanh() + v[0] ** 2, [0.3, -1.2])
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from tinygrad_dk._floats import as_float
from tinygrad_dk.engine import Value


class GradcheckError(AssertionError):
    """Raised by `gradcheck` when an analytic gradient disagrees with the numeric one."""


def _as_number(x: float | Value) -> float:
    return x.data if isinstance(x, Value) else as_float(x, "gradcheck input")


def _evaluate(f: Callable[[list[Value]], Value], point: Sequence[float]) -> tuple[list[Value], Value]:
    """Fresh input Values at ``point``, and ``f`` of them (checked to be one Value)."""
    xs = [Value(x, f"x{i}") for i, x in enumerate(point)]
    out = f(xs)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return one Value, but it returned {type(out).__name__}: {out!r}")
    return xs, out


def gradcheck(
    f: Callable[[list[Value]], Value],
    inputs: Sequence[float | Value],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check ``d f / d inputs`` from ``backward()`` against central differences.

    ``f`` maps a list of Values (one per input, made fresh from the input numbers) to one
    Value. Passes when ``|analytic - numeric| <= atol + rtol * |numeric|`` for every
    input and returns True; otherwise raises `GradcheckError` with a table of all inputs.
    """
    if not (0 < eps < math.inf and atol >= 0 and rtol >= 0):  # written so that NaN fails too
        raise ValueError(
            f"gradcheck: eps must be > 0 and finite, atol and rtol >= 0, got eps={eps}, atol={atol}, rtol={rtol}"
        )
    point = [_as_number(x) for x in inputs]
    if not point:
        raise ValueError("gradcheck: inputs is empty: give at least one number to differentiate at")
    xs, out = _evaluate(f, point)
    out.backward()

    rows, failed = [], False
    for i, x in enumerate(xs):
        # 1. numeric derivative from two more evaluations, every other input held still
        up = _evaluate(f, [*point[:i], point[i] + eps, *point[i + 1 :]])[1].data
        down = _evaluate(f, [*point[:i], point[i] - eps, *point[i + 1 :]])[1].data
        numeric = (up - down) / (2 * eps)
        # 2. compare; a non-finite gradient passes only if both agree exactly
        diff = abs(x.grad - numeric)
        ok = diff <= atol + rtol * abs(numeric) if math.isfinite(diff) else x.grad == numeric
        failed |= not ok
        mark = "" if ok else "<-- wrong"
        rows.append((f"x{i} = {point[i]:.6g}", f"{x.grad:.8g}", f"{numeric:.8g}", f"{diff:.3g}", mark))
    if failed:
        header = ("input", "analytic", "numeric", "difference", "")
        widths = [max(len(r[c]) for r in [header, *rows]) for c in range(4)]
        lines = [
            "  ".join([*(cell.ljust(w) for cell, w in zip(r[:4], widths, strict=True)), r[4]]) for r in [header, *rows]
        ]
        raise GradcheckError(
            f"gradcheck failed (eps={eps}, atol={atol}, rtol={rtol}): backward() disagrees with central differences\n"
            + "\n".join(line.rstrip() for line in lines)
        )
    return True
