"""The op table is the one place an op is described: a row made with `define_op` reaches every tool."""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tinygrad_dk import Value, define_op, gradcheck
from tinygrad_dk.compile import CompileFallbackWarning, compile_batch, compile_graph
from tinygrad_dk.data import make_moons
from tinygrad_dk.explore import page_activations, record_run, render_html
from tinygrad_dk.nn import ACTIVATIONS, MLP
from tinygrad_dk.ops import OPS, activation_rows
from tinygrad_dk.viz import draw_dot


def cube_op() -> Callable[..., Any]:
    return define_op("cube", lambda a, _: a**3, lambda a, _, out: (3 * a * a,))


def test_define_op_applies_and_differentiates(table: dict[str, Any]) -> None:
    cube = cube_op()
    x = Value(-1.5, "x")
    y = cube(x) * 2.0
    y.backward()
    assert (y.data, x.grad) == (2.0 * -3.375, 2.0 * 3 * 2.25)
    assert table["cube"].arity == 1 and cube(x).op == "cube"
    assert gradcheck(lambda v: cube(v[0] * v[1]) + v[0], [0.7, -1.3])


def test_a_binary_op_and_an_op_with_a_constant(table: dict[str, Any]) -> None:
    hypot = define_op("hypot", lambda a, b: math.hypot(a, b), lambda a, b, out: (a / out, b / out), arity=2)
    scaled = define_op("scaled", lambda a, k: k * a, lambda a, k, out: (k,), constant=3.0)
    a, b = Value(3.0), Value(4.0)
    h = hypot(a, b)
    h.backward()
    assert (h.data, a.grad, b.grad) == (5.0, 0.6, 0.8)
    assert scaled(a).data == 9.0 and scaled(a, 0.5).data == 1.5
    assert hypot(a, 4.0).data == 5.0  # a plain number becomes a leaf
    assert gradcheck(lambda v: hypot(v[0], v[1]) * scaled(v[0]), [1.2, -0.4])


def test_a_new_row_is_drawn_under_its_symbol(table: dict[str, Any]) -> None:
    cube = define_op("cube", lambda a, _: a**3, lambda a, _, out: (3 * a * a,), symbol="³")
    x = Value(2.0, "x")
    y = cube(x)
    y.backward()
    source = draw_dot(y).source
    assert "³" in source and "12.0000" in source  # the symbol, and x's grad 3 * 2**2


def test_a_new_row_compiles_from_its_functions_with_a_warning(table: dict[str, Any]) -> None:
    cube = cube_op()
    w = Value(0.5)
    with pytest.warns(CompileFallbackWarning, match=r"op 'cube' has no compiled form \(python and numpy\)"):
        program = compile_graph(cube(w) * 2.0, [w])
    assert program.run([-1.5]) == (2.0 * -3.375, [2.0 * 3.0 * 2.25])
    with pytest.warns(CompileFallbackWarning, match="'cube'"):
        batch = compile_batch(lambda xs: cube(xs[0] * w), [w], example=[1.0])
    values, grads = batch.run([2.0], [[1.0], [-0.5]])
    assert values.tolist() == [8.0, -1.0] and grads == [3.0 * 4.0 * 1.0 + 3.0 * 1.0 * -0.5]


def test_a_new_row_with_expressions_compiles_without_a_warning(table: dict[str, Any]) -> None:
    cube = define_op(
        "cube",
        lambda a, _: a * a * a,
        lambda a, _, out: (3.0 * a * a,),
        python=("{a} * {a} * {a}", "3.0 * {a} * {a}"),
        numpy=("{a} * {a} * {a}", "3.0 * {a} * {a}"),
    )
    w = Value(0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileFallbackWarning)
        program = compile_graph(cube(w) * 2.0, [w])
        batch = compile_batch(lambda xs: cube(xs[0] * w), [w], example=[1.0])
    assert "p0 * p0 * p0" in program.source.replace("(", "").replace(")", "")
    assert program.run([-1.5]) == (2.0 * -3.375, [2.0 * 3.0 * 2.25])
    values, grads = batch.run([2.0], [[1.0], [-0.5]])
    assert np.array_equal(values, [8.0, -1.0]) and grads == [3.0 * 4.0 * 1.0 + 3.0 * 1.0 * -0.5]


def test_a_new_activation_trains_and_reaches_the_explorer(table: dict[str, Any]) -> None:
    define_op(
        "softsign",
        lambda a, _: a / (1 + abs(a)),
        lambda a, _, out: (1 / (1 + abs(a)) ** 2,),
        activation="softsign",
        js="a / (1 + Math.abs(a))",
    )
    assert "softsign" in ACTIVATIONS and "softsign" in activation_rows() and "softsign" in page_activations()
    X, y = make_moons(12, noise=0.1, seed=0)
    with pytest.warns(CompileFallbackWarning, match="softsign"):  # no python= or numpy= given: it still runs
        run = record_run(MLP(2, [3, 1], activation="softsign", seed=0), X, y, epochs=2, progress=False)
    assert run.layers[0][2] == "softsign"
    assert "softsign" in _graph_ops(run.backprop)  # the backward view's boxes
    found = re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>', render_html([run]), re.S)
    assert found is not None
    data = json.loads(found[1])
    assert data["ops"]["softsign"] == {
        "symbol": "softsign",
        "activation": "softsign",
        "js": "a / (1 + Math.abs(a))",
        "constant": None,
    }


def _graph_ops(backprop: dict[str, Any]) -> list[str]:
    """Every op name in the exported backprop graphs, wherever the export keeps its nodes."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("op"), str):
                found.append(value["op"])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(backprop)
    return found


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": "add"}, ValueError, r"an op named 'add' exists already"),
        ({"name": "two words"}, ValueError, r"name must be an identifier"),
        ({"arity": 3}, ValueError, r"arity must be 1 .* or 2"),
        ({"forward": 3.0}, TypeError, r"forward must be a function"),
        ({"python": ("{a}",)}, ValueError, r"python must be a tuple of 2 expression strings"),
    ],
)
def test_bad_rows_are_refused(
    table: dict[str, Any], kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    args: dict[str, Any] = {"name": "cube", "forward": lambda a, _: a**3, "local": lambda a, _, out: (3 * a * a,)}
    args.update(kwargs)
    with pytest.raises(error, match=message):
        define_op(args.pop("name"), args.pop("forward"), args.pop("local"), **args)
    assert set(OPS) == set(table)  # nothing was added
