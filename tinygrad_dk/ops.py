"""The op table: every primitive the engine knows, one row each, and everything about it.

A row is the one place an op is described. The engine reads ``forward`` and ``local``; the
compiler reads ``python`` and ``numpy``; the pictures and the explorer read ``symbol``; `nn`
offers the rows with an ``activation`` name as layer activations, and the explorer's page
evaluates them with ``js``. Nothing else keeps a list of ops, so adding one is one row (with
`define_op`) plus, if you like, one line of method sugar on `Value`.

Only primitives carry derivative code. Subtraction, negation, sigmoid-from-exp, softmax and
the losses are compositions of these rows and get their gradients for free; division and max
are rows because their compositions fail at the edges of the float range (``a * b**-1``
overflows where ``a / b`` does not). Subgradients follow PyTorch: relu'(0) = 0, abs'(0) = 0,
step' = 0, and a tie of max gives each side 1/2.

NaN goes through every row: a NaN input gives a NaN output, and a NaN local derivative
wherever the derivative depends on the input (relu'(nan) is nan, not 0), so no gradient
hides a NaN. (PyTorch agrees on the outputs; its derivatives at NaN differ op by op.)

The expression columns are templates: ``{a}`` and ``{b}`` are the operands, ``{k}`` a unary
op's constant, ``{out}`` the op's own value. Python expressions may call the float functions
of `tinygrad_dk._floats` under their names with a leading underscore (``_exp``, ``_log``,
``_sigmoid``, ...), ``math``, ``tanh``, ``log`` and ``inf``; numpy expressions may call ``np``
and the compiler's numpy twins of those functions (``_np_log``, ``_np_sigmoid``, ...). Standard
library only: the strings are code for the tools, not imports of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

from tinygrad_dk._floats import (
    as_float,
    cos,
    d_maximum,
    d_power,
    divide,
    exp,
    log,
    maximum,
    power,
    sigmoid,
    sin,
    softplus,
    sqrt,
    value_power,
)

__all__ = ["OPS", "Op", "activation_rows", "define_op"]  # the rows are module constants too: ADD, MUL, ...


class Op(NamedTuple):
    """One primitive: how it computes, how it differentiates, and how every tool shows or runs it.

    ``forward(a, b) -> out`` and ``local(a, b, out) -> (d out / d a, ...)``: for a binary op
    ``a`` and ``b`` are the operands' data; for a unary op ``b`` is the op's constant (the 2
    in ``x ** 2`` or ``x * 2``, leaky ReLU's slope) or None.
    """

    name: str
    arity: int  # Value operands: 1 or 2
    forward: Callable[[float, Any], float]
    local: Callable[[float, Any, float], tuple[float, ...]]
    symbol: str = ""  # what pictures write in the node: "+", "*", "tanh" ("" means the name)
    python: tuple[str, ...] | None = None  # compiled forward, then one local derivative per operand
    numpy: tuple[str, ...] | None = None  # the same over numpy columns of samples
    activation: str | None = None  # the name under which `nn` offers it as a layer's activation
    js: str | None = None  # the explorer page's forward, in JavaScript (``a``, ``k``)
    constant: float | None = None  # the constant an activation applies with (leaky ReLU's slope)
    formula: str | None = None  # an activation's formula, in matplotlib's TeX, for the activation plot
    micrograd: str = ""  # micrograd's name for the op (``Value._op``): "+", "**{k}", "ReLU" ("" means the symbol)
    by_hand: bool = False  # made micrograd's way, ``Value(data, children, op)``: its chain rule is its _backward

    @property
    def shown(self) -> str:
        """The symbol pictures show for this op."""
        return self.symbol or self.name

    def micrograd_name(self, constant: Any) -> str:
        """micrograd's ``_op`` for a node of this op: ``"+"``, ``"**2"``, ``"ReLU"``."""
        return (self.micrograd or self.shown).format(k=f"{constant:g}" if isinstance(constant, float) else constant)


# The rows. Python and numpy columns compute exactly what forward and local compute, with the
# same float functions, so compiled programs equal eager ones to the last bit.
# the table reads row by row: the formatter leaves it as it is
# fmt: off
ADD = Op("add", 2, lambda a, b: a + b, lambda a, b, out: (1.0, 1.0), "+",
         python=("{a} + {b}", "1.0", "1.0"), numpy=("{a} + {b}", "1.0", "1.0"))
MUL = Op("mul", 2, lambda a, b: a * b, lambda a, b, out: (b, a), "*",
         python=("{a} * {b}", "{b}", "{a}"), numpy=("{a} * {b}", "{b}", "{a}"))
DIV = Op("div", 2, divide, lambda a, b, out: (1.0 / b, -out / b), "/",  # -out / b: -a / b**2 with no b**2 to overflow
         python=("_div({a}, {b})", "1.0 / {b}", "-{out} / {b}"),
         numpy=("_np_div({a}, {b})", "1.0 / {b}", "-{out} / {b}"))
POW = Op("pow", 2, value_power, lambda a, b, out: (d_power(a, b), 0.0 if a <= 0 else out * math.log(a)), "**",
         python=("_value_pow({a}, {b})", "_d_pow({a}, {b})", "0.0 if {a} <= 0 else {out} * log({a})"),
         numpy=("_np_value_pow({a}, {b})", "_np_d_pow({a}, {b})", "_np_out_log({out}, {a})"))
ADD_CONST = Op("addk", 1, lambda a, k: a + k, lambda a, k, out: (1.0,), "+",  # x + k, k a plain number
               python=("{a} + {k}", "1.0"), numpy=("{a} + {k}", "1.0"))
MUL_CONST = Op("mulk", 1, lambda a, k: a * k, lambda a, k, out: (k,), "*",  # x * k
               python=("{a} * {k}", "{k}"), numpy=("{a} * {k}", "{k}"))
DIV_CONST = Op("divk", 1, divide, lambda a, k, out: (1.0 / k,), "/",  # x / k (k / x is a leaf k over x, by DIV)
               python=("{a} / {k}", "1.0 / {k}"), numpy=("{a} / {k}", "1.0 / {k}"))
POW_CONST = Op("powk", 1, power, lambda a, k, out: (d_power(a, k),), "**",  # x ** k
               python=("_pow({a}, {k})", "_d_pow({a}, {k})"), numpy=("_np_pow({a}, {k})", "_np_d_pow({a}, {k})"),
               micrograd="**{k}")
EXP = Op("exp", 1, lambda a, _: exp(a), lambda a, _, out: (out,),
         python=("_exp({a})", "{out}"), numpy=("np.exp({a})", "{out}"))
LOG = Op("log", 1, lambda a, _: log(a), lambda a, _, out: (1.0 / a,),
         python=("_log({a})", "1.0 / {a}"), numpy=("_np_log({a})", "1.0 / {a}"))
SQRT = Op("sqrt", 1, lambda a, _: sqrt(a), lambda a, _, out: (0.5 / out if out else math.inf,),
          python=("_sqrt({a})", "0.5 / {out} if {out} else inf"),
          numpy=("_np_sqrt({a})", "np.where({out} != 0, 0.5 / {out}, inf)"))
ABS = Op("abs", 1, lambda a, _: abs(a),
         lambda a, _, out: (1.0 if a > 0 else -1.0 if a < 0 else 0.0 if a == 0 else math.nan,),
         python=("abs({a})", "1.0 if {a} > 0 else -1.0 if {a} < 0 else 0.0 if {a} == 0 else nan"),
         numpy=("np.abs({a})", "np.sign({a})"))
MAX = Op("max", 2, maximum, lambda a, b, out: (d_maximum(a, b), d_maximum(b, a)), "max",
         python=("_max({a}, {b})", "_d_max({a}, {b})", "_d_max({b}, {a})"),
         numpy=("np.maximum({a}, {b})", "_np_d_max({a}, {b})", "_np_d_max({b}, {a})"))
SIN = Op("sin", 1, lambda a, _: sin(a), lambda a, _, out: (cos(a),),
         python=("_sin({a})", "_cos({a})"), numpy=("np.sin({a})", "np.cos({a})"))  # sin(inf) = nan
COS = Op("cos", 1, lambda a, _: cos(a), lambda a, _, out: (-sin(a),),
         python=("_cos({a})", "-_sin({a})"), numpy=("np.cos({a})", "-np.sin({a})"))
STEP = Op("step", 1, lambda a, _: 1.0 if a > 0 else 0.0 if a <= 0 else math.nan, lambda a, _, out: (0.0,),
          python=("1.0 if {a} > 0 else 0.0 if {a} <= 0 else nan", "0.0"),
          numpy=("np.sign(np.maximum({a}, 0.0))", "0.0"),  # sign(relu(a)): 1, 0, or nan at nan
          activation="step", js="a > 0 ? 1 : a <= 0 ? 0 : NaN", formula=r"$1$ if $x > 0$ else $0$")
SIGMOID = Op("sigmoid", 1, lambda a, _: sigmoid(a), lambda a, _, out: (out * (1.0 - out),),
             python=("_sigmoid({a})", "{out} * (1.0 - {out})"), numpy=("_np_sigmoid({a})", "{out} * (1.0 - {out})"),
             activation="sigmoid", js="a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a))",
             formula=r"$\sigma(x) = 1 / (1 + e^{-x})$")
TANH = Op("tanh", 1, lambda a, _: math.tanh(a), lambda a, _, out: (1.0 - out * out,),
          python=("tanh({a})", "1.0 - {out} * {out}"), numpy=("np.tanh({a})", "1.0 - {out} * {out}"),
          activation="tanh", js="Math.tanh(a)", formula=r"$\tanh(x)$")
RELU = Op("relu", 1, lambda a, _: 0.0 if a <= 0 else a,  # not a if a > 0 else 0.0, which makes NaN 0
          lambda a, _, out: (1.0 if a > 0 else 0.0 if a <= 0 else math.nan,),
          python=("0.0 if {a} <= 0 else {a}", "1.0 if {a} > 0 else 0.0 if {a} <= 0 else nan"),  # NaN: neither
          numpy=("np.maximum({a}, 0.0)", "np.sign({out})"),  # relu' = sign(relu): 1, 0, or nan at nan
          activation="relu", js="a <= 0 ? 0 : a", formula=r"$\max(0,\ x)$", micrograd="ReLU")
LEAKY_RELU = Op("leaky_relu", 1, lambda a, s: a if a > 0 else s * a,
                lambda a, s, out: (1.0 if a > 0 else s if a <= 0 else math.nan,),
                python=("{a} if {a} > 0 else {k} * {a}", "1.0 if {a} > 0 else {k} if {a} <= 0 else nan"),
                numpy=("np.where({a} > 0, {a}, {k} * {a})", "np.where({a} > 0, 1.0, np.where({a} <= 0, {k}, nan))"),
                activation="leaky_relu", js="a > 0 ? a : k * a", constant=0.01, formula=r"$\max(kx,\ x)$")
SOFTPLUS = Op("softplus", 1, lambda a, _: softplus(a), lambda a, _, out: (sigmoid(a),),
              python=("_softplus({a})", "_sigmoid({a})"), numpy=("_np_softplus({a})", "_np_sigmoid({a})"),
              activation="softplus", js="Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a)))",
              formula=r"$\log(1 + e^{x})$")

OPS: dict[str, Op] = {op.name: op for op in (ADD, MUL, DIV, POW, ADD_CONST, MUL_CONST, DIV_CONST, POW_CONST, EXP, LOG,
                                             SQRT, ABS, MAX, SIN, COS, STEP, SIGMOID, TANH, RELU, LEAKY_RELU, SOFTPLUS)}
# fmt: on


def activation_rows() -> dict[str, Op]:
    """The rows that `nn` offers as activations, by activation name (read live: `define_op` adds to it)."""
    return {op.activation: op for op in OPS.values() if op.activation}


_HAND_MADE: dict[tuple[str, int], Op] = {}  # one row per (micrograd op name, operand count)


def _made_by_hand(*_: Any) -> Any:
    raise TypeError(
        "an op made micrograd's way, Value(data, children, op), has no forward or local derivatives "
        "of its own: its chain rule is the _backward closure assigned to it; use define_op for a real op"
    )


def by_hand(op: str, children: Any, value: type) -> tuple[Op, tuple[Any, Any]]:
    """The row and the (left, right) children of a node made micrograd's way: ``Value(data, (a, b), "op")``."""
    from tinygrad_dk._checks import check_hand_made  # checks where the input enters

    children = check_hand_made(op, children, value)
    key = (op, len(children))
    if key not in _HAND_MADE:
        _HAND_MADE[key] = Op(
            f"{op} (by hand)", len(children), _made_by_hand, _made_by_hand, op or "by hand", micrograd=op, by_hand=True
        )  # a name no row of the table has
    return _HAND_MADE[key], (children[0], children[1] if len(children) == 2 else None)


def define_op(
    name: str,
    forward: Callable[[float, Any], float],
    local: Callable[[float, Any, float], tuple[float, ...]],
    *,
    arity: int = 1,
    symbol: str | None = None,
    python: tuple[str, ...] | None = None,
    numpy: tuple[str, ...] | None = None,
    activation: str | None = None,
    js: str | None = None,
    constant: float | None = None,
    formula: str | None = None,
) -> Callable[..., Any]:
    """Add a row to the op table and return the function that applies it to a Value.

    ``forward(a, k) -> out`` and ``local(a, k, out) -> (d out / d a,)`` for a unary op (``k``
    is its constant, or None); ``forward(a, b)`` and ``local(a, b, out) -> (d/da, d/db)`` with
    ``arity=2``. Without ``python`` or ``numpy`` expressions the compiler calls ``forward`` and
    ``local`` node by node. With ``activation`` the op is also a layer activation of `nn`.

    >>> from tinygrad_dk import Value
    >>> cube = define_op("cube", lambda a, _: a ** 3, lambda a, _, out: (3 * a * a,))
    >>> x = Value(2.0)
    >>> y = cube(x)
    >>> y.backward()
    >>> y.data, x.grad, y.op
    (8.0, 12.0, 'cube')
    >>> del OPS["cube"]  # the table is global: a doctest leaves it as it found it
    """
    from tinygrad_dk._checks import check_op  # checks where the input enters

    row = Op(name, arity, forward, local, symbol or "", python, numpy, activation, js, constant, formula)
    check_op(row, OPS)
    OPS[row.name] = row

    def apply(x: Any, other: Any = None) -> Any:
        from tinygrad_dk.engine import Value  # the engine imports this table, so import it here

        x = x if isinstance(x, Value) else Value(x)
        if row.arity == 1:  # other is the op's constant
            return x._apply(row, row.constant if other is None else as_float(other, f"{row.name}'s constant"))
        return x._apply(row, other if isinstance(other, Value) else Value(other))

    apply.__name__ = apply.__qualname__ = row.name
    apply.__doc__ = f"Apply the op {row.name!r} (defined with tinygrad_dk.define_op) to a Value."
    return apply
