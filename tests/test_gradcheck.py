"""Tests of `gradcheck`: it passes right gradients, catches wrong ones with a readable table,
honours its tolerances and step, and rejects bad arguments where they enter."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import pytest

from tinygrad_dk import GradcheckError, Value, engine, gradcheck, ops

TANH_AT_HALF = 1 - math.tanh(0.5) ** 2  # d tanh / dx at 0.5, from the math module


@pytest.fixture
def wrong_tanh(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give `Value.tanh` a row whose local derivative is twice the true one."""
    monkeypatch.setattr(engine, "TANH", ops.TANH._replace(local=lambda a, _, out: (2 * (1 - out * out),)))


@pytest.mark.parametrize(
    ("f", "point"),
    [
        (lambda v: (v[0] * v[1]).tanh() + v[0] ** 2, [0.3, -1.2]),
        (lambda v: v[0].exp() / (1 + v[1] * v[1]) - v[2].sigmoid() * v[0], [0.1, 2.0, -0.7]),
        (lambda v: v[0] ** v[1] + v[1].softplus(), [1.7, 0.4]),
        (lambda v: v[0] * v[1] ** 2, [2.0, 3.0]),
        (lambda v: v[0].relu() + abs(v[0]) + v[0].leaky_relu(0.1), [-0.4]),  # away from the kink
        (lambda v: v[0].log() + v[0].sqrt() + v[0].sin() * v[0].cos(), [2.5]),
    ],
    ids=["tanh", "exp-div-sigmoid", "pow-softplus", "mul-pow", "kinks-away", "log-sqrt-sin-cos"],
)
def test_correct_gradients_pass(f: Callable[[list[Value]], Value], point: list[float]) -> None:
    assert gradcheck(f, point) is True


def test_values_and_numbers_as_inputs_left_untouched() -> None:
    a = Value(0.3, "a")
    a.grad = 7.0
    assert gradcheck(lambda v: v[0] * v[1].exp(), [a, 2]) is True
    assert (a.data, a.grad, a.label) == (0.3, 7.0, "a")


def test_f_is_called_on_fresh_values_at_the_point_then_one_input_moved_at_a_time() -> None:
    given = Value(0.5)
    calls: list[list[float]] = []

    def f(v: list[Value]) -> Value:
        assert all(x is not given and x.grad == 0.0 for x in v)
        calls.append([x.data for x in v])
        return v[0] * v[1]

    gradcheck(f, [given, 2.0], eps=0.25)
    assert calls == [[0.5, 2.0], [0.75, 2.0], [0.25, 2.0], [0.5, 2.25], [0.5, 1.75]]


def test_a_wrong_derivative_raises_a_table(wrong_tanh: None) -> None:
    with pytest.raises(GradcheckError, match="gradcheck failed") as info:
        gradcheck(lambda v: v[0].tanh() + v[1] * v[1], [0.5, -1.5])
    assert isinstance(info.value, AssertionError)  # so a bare `assert gradcheck(...)` reads naturally
    first, header, row0, row1 = str(info.value).splitlines()
    assert first == (
        "gradcheck failed (eps=1e-06, atol=1e-05, rtol=0.001): backward() disagrees with central differences"
    )
    assert header.split() == ["input", "analytic", "numeric", "difference"]
    # x0: the analytic column shows the doubled derivative, the numeric one the true derivative
    analytic, numeric = f"{2 * TANH_AT_HALF:.8g}", f"{TANH_AT_HALF:.8g}"
    assert row0.split() == ["x0", "=", "0.5", analytic, numeric, f"{TANH_AT_HALF:.3g}", "<--", "wrong"]
    assert row0.index(analytic) == header.index("analytic")  # a table: columns line up
    assert row0.index(numeric) == header.index("numeric")
    # x1 is right and not flagged: d(x1^2)/dx1 = -3
    assert row1.split()[:5] == ["x1", "=", "-1.5", "-3", "-3"]
    assert "wrong" not in row1


def test_the_engine_is_right_again_without_the_patch() -> None:
    # the same check on the real table passes, so the failure above is the patched row's fault
    assert gradcheck(lambda v: v[0].tanh() + v[1] * v[1], [0.5, -1.5])


def test_a_nan_derivative_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "TANH", ops.TANH._replace(local=lambda a, _, out: (math.nan,)))
    with pytest.raises(GradcheckError, match=r"x0 = 0\.5 +nan +0\.78644773 +nan +<-- wrong"):
        gradcheck(lambda v: v[0].tanh(), [0.5])


@pytest.mark.parametrize(
    ("f", "numeric", "difference"),
    [
        (lambda v: v[0].relu(), "0.5", "0.5"),  # relu'(0) = 0 by convention; (h - 0) / 2h = 0.5
        (lambda v: v[0].step(), "500000", "5e+05"),  # step'(0) = 0 by convention; (1 - 0) / 2h
    ],
    ids=["relu", "step"],
)
def test_kinks_disagree_with_central_differences(
    f: Callable[[list[Value]], Value], numeric: str, difference: str
) -> None:
    with pytest.raises(GradcheckError, match=rf"x0 = 0 +0 +{numeric} +{re.escape(difference)} +<-- wrong"):
        gradcheck(f, [0.0])


def test_tolerances_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    # x * k gets a derivative 1e-4 too large: inside rtol=1e-3, outside rtol=1e-5
    monkeypatch.setattr(engine, "MUL_CONST", ops.MUL_CONST._replace(local=lambda a, k, out: (k * (1 + 1e-4),)))
    f: Callable[[list[Value]], Value] = lambda v: v[0] * 3.0  # noqa: E731
    assert gradcheck(f, [1.0])
    assert gradcheck(f, [1.0], atol=1e-3, rtol=0.0)
    with pytest.raises(GradcheckError, match=r"atol=0\.0, rtol=1e-05"):
        gradcheck(f, [1.0], atol=0.0, rtol=1e-5)


def test_eps_is_the_step() -> None:
    # central difference of x^3 at 1 with step h: ((1+h)^3 - (1-h)^3) / 2h = 3 + h^2
    f: Callable[[list[Value]], Value] = lambda v: v[0] ** 3  # noqa: E731
    assert gradcheck(f, [1.0])
    with pytest.raises(GradcheckError, match=r"eps=0\.1,[\s\S]*x0 = 1 +3 +3\.01 +0\.01 +<-- wrong"):
        gradcheck(f, [1.0], eps=0.1)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"eps": 0.0},
        {"eps": -1e-6},
        {"atol": -1e-5},
        {"rtol": -0.1},
        {"eps": math.nan},
        {"eps": math.inf},
        {"atol": math.nan},
        {"rtol": math.nan},
    ],
    ids=["eps=0", "eps<0", "atol<0", "rtol<0", "eps=nan", "eps=inf", "atol=nan", "rtol=nan"],
)
def test_bad_tolerances_are_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"gradcheck: eps must be > 0.*, got eps="):
        gradcheck(lambda v: v[0] * 2.0, [1.0], **kwargs)


def test_empty_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"gradcheck: inputs is empty: give at least one number to differentiate at"):
        gradcheck(lambda v: Value(1.0), [])


@pytest.mark.parametrize(("result", "type_name"), [(1.0, "float"), (None, "NoneType"), ([Value(1.0)], "list")])
def test_f_must_return_a_value(result: Any, type_name: str) -> None:
    with pytest.raises(TypeError, match=rf"gradcheck: f must return one Value, but it returned {type_name}: "):
        gradcheck(lambda v: result, [1.0])


@pytest.mark.parametrize("bad", ["1.5", None, 1 + 2j], ids=["str", "None", "complex"])
def test_inputs_must_be_numbers(bad: Any) -> None:
    # a string must not be parsed into a number, and the error must say it was gradcheck's input
    with pytest.raises(TypeError, match=rf"gradcheck.*{type(bad).__name__}"):
        gradcheck(lambda v: v[0] * 2.0, [bad])
