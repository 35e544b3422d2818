"""The scalar autograd engine: one op table, the `Value` node, and `backward`.

Every `Value` remembers the op that made it, its (at most two) children, and the local
derivative ``d self / d child`` along each child edge, computed once when the op runs.
`backward` orders the graph topologically with an explicit stack (a chain of a million
nodes is fine) and applies the chain rule along every edge: ``child.grad += local * grad``.

Only the primitives in the table carry derivative code; subtraction, division and
negation are compositions of them. Subgradients follow PyTorch: relu'(0) = 0,
abs'(0) = 0, step' = 0. A node refers only to its children, never back to itself, so a
graph holds no reference cycles and is freed by reference counting as soon as it is
dropped; and it is one object, so the garbage collector has little to walk. The float
functions the rows call, careful at the edges (domain errors, overflow), are in `_floats`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple, cast

from tinygrad_dk._floats import as_float, cos, d_power, exp, log, power, sigmoid, sin, softplus, sqrt, value_power


class Op(NamedTuple):
    """One primitive: ``forward(a, b) -> out`` and ``local(a, b, out) -> (d out/d a, ...)``.

    For a binary op ``a`` and ``b`` are the children's data; for a unary op ``b`` is the
    op's constant (the 2 in ``x ** 2`` or ``x * 2``, leaky ReLU's slope) or None.
    """

    name: str
    arity: int
    forward: Callable[[float, Any], float]
    local: Callable[[float, Any, float], tuple[float, ...]]


# The op table. Each row: name, arity, forward, local derivatives given the inputs and out.
ADD = Op("add", 2, lambda a, b: a + b, lambda a, b, out: (1.0, 1.0))
MUL = Op("mul", 2, lambda a, b: a * b, lambda a, b, out: (b, a))
POW = Op("pow", 2, value_power, lambda a, b, out: (d_power(a, b), out * math.log(a) if a > 0 else 0.0))
ADDK = Op("addk", 1, lambda a, k: a + k, lambda a, k, out: (1.0,))  # x + k, k a plain number
MULK = Op("mulk", 1, lambda a, k: a * k, lambda a, k, out: (k,))  # x * k
POWK = Op("powk", 1, power, lambda a, k, out: (d_power(a, k),))  # x ** k
EXP = Op("exp", 1, lambda a, _: exp(a), lambda a, _, out: (out,))
LOG = Op("log", 1, lambda a, _: log(a), lambda a, _, out: (1.0 / a,))
SQRT = Op("sqrt", 1, lambda a, _: sqrt(a), lambda a, _, out: (0.5 / out if out else math.inf,))
ABS = Op("abs", 1, lambda a, _: abs(a), lambda a, _, out: (1.0 if a > 0 else -1.0 if a < 0 else 0.0,))
TANH = Op("tanh", 1, lambda a, _: math.tanh(a), lambda a, _, out: (1.0 - out * out,))
SIGMOID = Op("sigmoid", 1, lambda a, _: sigmoid(a), lambda a, _, out: (out * (1.0 - out),))
RELU = Op("relu", 1, lambda a, _: a if a > 0 else 0.0, lambda a, _, out: (1.0 if a > 0 else 0.0,))
LEAKY_RELU = Op("leaky_relu", 1, lambda a, s: a if a > 0 else s * a, lambda a, s, out: (1.0 if a > 0 else s,))
SOFTPLUS = Op("softplus", 1, lambda a, _: softplus(a), lambda a, _, out: (sigmoid(a),))
SIN = Op("sin", 1, lambda a, _: sin(a), lambda a, _, out: (cos(a),))
COS = Op("cos", 1, lambda a, _: cos(a), lambda a, _, out: (-sin(a),))
STEP = Op("step", 1, lambda a, _: 1.0 if a > 0 else 0.0, lambda a, _, out: (0.0,))

OPS: dict[str, Op] = {op.name: op for op in (ADD, MUL, POW, ADDK, MULK, POWK, EXP, LOG, SQRT, ABS, TANH,
                                             SIGMOID, RELU, LEAKY_RELU, SOFTPLUS, SIN, COS, STEP)}


_new = object.__new__  # a blank Value, for `Value._apply` to fill in


class Value:
    """A scalar node of a computation graph: ``data``, ``grad`` and how it was made.

    >>> a, b = Value(2.0, "a"), Value(-3.0, "b")
    >>> c = a * b + a
    >>> c.backward()
    >>> c.data, a.grad, b.grad
    (-4.0, -2.0, 2.0)
    """

    __slots__ = ("data", "grad", "label", "_rule", "_arg", "_a", "_da", "_b", "_db")

    def __init__(self, data: Any, label: str = "") -> None:
        """A leaf: a number the user gives (an input or a parameter), optionally named."""
        self.data = data if type(data) is float else as_float(data)
        if label and type(label) is not str:
            raise TypeError(f"Value label must be a str, not {type(label).__name__}: {label!r}")
        self.grad = 0.0
        self.label = label
        self._rule: Op | None = None  # the Op that made this node; None for a leaf
        self._arg: Any = None  # a unary op's constant, if any
        self._a: Value | None = None  # first child ...
        self._da = 0.0  # ... and d self / d child
        self._b: Value | None = None  # second child (binary ops) ...
        self._db = 0.0  # ... and d self / d child

    def _apply(self, rule: Op, other: Any = None) -> Value:
        """The node ``rule(self, other)``: its data, and the local derivative along each child edge.

        Filled in field by field rather than through `__init__`, whose checks are for the
        user's numbers: this runs once for every node of every graph.
        """
        node = _new(Value)
        node.grad = 0.0
        node.label = ""
        node._rule = rule
        node._a = self
        a = self.data
        if rule.arity == 1:  # other is the op's constant, or None
            out = rule.forward(a, other)
            node._da = rule.local(a, other, out)[0]
            node._arg = other
            node._b = None
            node._db = 0.0
        else:
            b = other.data
            out = rule.forward(a, b)
            node._da, node._db = rule.local(a, b, out)
            node._arg = None
            node._b = other
        node.data = out if type(out) is float else float(out)  # a leaf set to an int or numpy number stays there
        return node

    # --- method sugar: one line per op ---
    def __add__(self, other: Any) -> Value:
        return self._apply(ADD, other) if isinstance(other, Value) else self._apply(ADDK, as_float(other, "+"))

    def __mul__(self, other: Any) -> Value:
        return self._apply(MUL, other) if isinstance(other, Value) else self._apply(MULK, as_float(other, "*"))

    def __pow__(self, other: Any) -> Value:
        return self._apply(POW, other) if isinstance(other, Value) else self._apply(POWK, as_float(other, "**"))

    def exp(self) -> Value: return self._apply(EXP)
    def log(self) -> Value: return self._apply(LOG)
    def sqrt(self) -> Value: return self._apply(SQRT)
    def __abs__(self) -> Value: return self._apply(ABS)
    def tanh(self) -> Value: return self._apply(TANH)
    def sigmoid(self) -> Value: return self._apply(SIGMOID)
    def relu(self) -> Value: return self._apply(RELU)
    def leaky_relu(self, slope: float = 0.01) -> Value: return self._apply(LEAKY_RELU, as_float(slope, "slope"))
    def softplus(self) -> Value: return self._apply(SOFTPLUS)
    def sin(self) -> Value: return self._apply(SIN)
    def cos(self) -> Value: return self._apply(COS)
    def step(self) -> Value: return self._apply(STEP)

    # --- compositions: no derivative code of their own ---
    def __neg__(self) -> Value: return self * -1.0
    def __radd__(self, other: Any) -> Value: return self + other
    def __sub__(self, other: Any) -> Value: return self + (-other)
    def __rsub__(self, other: Any) -> Value: return other + (-self)
    def __rmul__(self, other: Any) -> Value: return self * other
    def __rpow__(self, other: Any) -> Value: return Value(other) ** self  # the base becomes a leaf

    def __truediv__(self, other: Any) -> Value:
        divisor = other.data if isinstance(other, Value) else as_float(other, "/")
        if divisor == 0.0:
            raise ZeroDivisionError(f"division by zero: {self.data!r} / 0.0: the divisor must not be 0")
        return self * other**-1 if isinstance(other, Value) else self * (1.0 / divisor)

    def __rtruediv__(self, other: Any) -> Value:  # other / self
        if self.data == 0.0:
            raise ZeroDivisionError(f"division by zero: {other!r} / 0.0: the divisor must not be 0")
        return other * self**-1

    # --- what a node is made of (for drawing, explaining and compiling) ---
    @property
    def op(self) -> str:
        """The name of the op that made this node ("" for a leaf)."""
        return self._rule.name if self._rule else ""

    @property
    def arg(self) -> Any:
        """The op's constant (the 2 in ``x * 2``), or None."""
        return self._arg

    @property
    def children(self) -> tuple[Value, ...]:
        """The operands, in argument order."""
        return () if self._a is None else (self._a,) if self._b is None else (self._a, self._b)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """``d self / d child`` for each child, in the order of `children`."""
        return () if self._a is None else (self._da,) if self._b is None else (self._da, self._db)

    _prev, _op = children, op  # micrograd's names

    # --- plain-number behaviour ---
    def __float__(self) -> float: return self.data
    def __lt__(self, other: Any) -> bool: return self.data < _compared(other)
    def __le__(self, other: Any) -> bool: return self.data <= _compared(other)
    def __gt__(self, other: Any) -> bool: return self.data > _compared(other)
    def __ge__(self, other: Any) -> bool: return self.data >= _compared(other)
    __hash__ = object.__hash__  # by identity, and == stays identity: graphs put nodes in sets

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{label})"

    def backward(self, grad: float = 1.0) -> None:
        """Add ``d self / d leaf * grad`` to the ``grad`` of every leaf below this node.

        As in PyTorch, leaves accumulate over repeated calls: set ``leaf.grad = 0.0`` (or
        call ``model.zero_grad()``) before each new pass. Inner nodes hold the gradients of
        the latest pass only.
        """
        seed = as_float(grad, "grad")  # checked before any node changes
        order = topological_order(self)
        for node in order:  # inner nodes start every pass at 0; leaves accumulate
            if node._a is not None:
                node.grad = 0.0
        self.grad += seed
        for node in reversed(order):  # parents before children: each grad is final when used
            if node._a is not None:
                node._a.grad += node._da * node.grad
                if node._b is not None:
                    node._b.grad += node._db * node.grad


def _compared(other: Any) -> float:
    return other.data if isinstance(other, Value) else as_float(other, "the other side of a comparison")


def topological_order(root: Value) -> list[Value]:
    """Every node below ``root`` (and root, last), children before parents, by an explicit stack."""
    order: list[Value] = []
    seen: set[Value] = set()  # visited once: its children were pushed above it
    stack: list[Value | None] = [root]  # None marks "every node below the node under me is in order"
    while stack:
        node = stack.pop()
        if node is None:  # second visit: all its children are in `order` by now
            order.append(cast(Value, stack.pop()))  # the node under the marker
        elif node not in seen:
            seen.add(node)
            stack += (node, None)
            if node._a is not None and node._a not in seen:
                stack.append(node._a)
            if node._b is not None and node._b not in seen:
                stack.append(node._b)
    return order
