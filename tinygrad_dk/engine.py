"""The scalar autograd engine: the `Value` node and `backward`, reading its ops from `tinygrad_dk.ops`.

Every `Value` remembers the op that made it, its (at most two) children, and the local
derivative ``d self / d child`` along each child edge, computed once when the op runs.
`backward` orders the graph topologically with an explicit stack (a chain of a million
nodes is fine) and applies the chain rule along every edge: ``child.grad += local * grad``.
A node refers only to its children, so a dropped graph is freed by reference counting; the
float functions the op rows call, careful at the edges (domain errors, overflow), are in `_floats`.
`copy.deepcopy` and `pickle` take a graph of any depth, without recursion: `_graphs` registers
how (a node made by an op as its whole graph in one flat list). Threads: see `Value.backward`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, cast

from tinygrad_dk._floats import as_float
from tinygrad_dk.ops import (
    ABS,
    ADD,
    ADD_CONST,
    COS,
    DIV,
    DIV_CONST,
    EXP,
    LEAKY_RELU,
    LOG,
    MAX,
    MUL,
    MUL_CONST,
    OPS,
    POW,
    POW_CONST,
    RELU,
    SIGMOID,
    SIN,
    SOFTPLUS,
    SQRT,
    STEP,
    TANH,
    Op,
    by_hand,
)

__all__ = ["OPS", "Op", "Value", "topological_order"]  # OPS and Op live in tinygrad_dk.ops, the op table

_new = object.__new__  # a blank Value, for `Value._apply` to fill in
_backward_lock = threading.RLock()  # one backward pass at a time: see `Value.backward`


class Value:
    """A scalar node of a computation graph: ``data``, ``grad`` and how it was made.

    >>> a, b = Value(2.0, "a"), Value(-3.0, "b")
    >>> c = a * b + a
    >>> c.backward()
    >>> c.data, a.grad, b.grad
    (-4.0, -2.0, 2.0)
    """

    # fmt: off
    __slots__ = ("data", "grad", "label", "_made_by", "_constant", "_left", "_left_local", "_right", "_right_local",
                 "__dict__")  # a user's own attributes, as micrograd allows: the dict is made only when used
    # fmt: on

    def __init__(self, data: Any, _children: Any = (), _op: str = "", label: str = "") -> None:
        """A leaf, ``Value(2.0, "x")``; or micrograd's ``Value(data, _children, _op)`` for an op made by hand."""
        if type(_children) is str:  # Value(2.0, "x"): the label, our second argument
            _children, label = (), _children
        self.data = data if type(data) is float else as_float(data)
        if type(label) is not str:
            raise TypeError(f"Value label must be a str, not {type(label).__name__}: {label!r}")
        self.grad = 0.0
        self.label = label
        self._made_by: Op | None = None  # the op-table row that made this node; None for a leaf
        self._constant: Any = None  # a unary op's constant (the 2 in x * 2), if any
        self._left: Value | None = None  # first child ...
        self._left_local = 0.0  # ... and d self / d left
        self._right: Value | None = None  # second child (binary ops) ...
        self._right_local = 0.0  # ... and d self / d right
        if _children:  # made by hand: its chain rule is the _backward closure the user assigns
            self._made_by, (self._left, self._right) = by_hand(_op, _children, Value)

    def _apply(self, op: Op, other: Any = None) -> Value:
        """The node ``op(self, other)``: its data, and the local derivative along each child edge.

        Filled in field by field rather than through `__init__`, whose checks are for the
        user's numbers: this runs once for every node of every graph.
        """
        node = _new(Value)
        node.grad = 0.0
        node.label = ""
        node._made_by = op
        node._left = self
        a = self.data
        if op.arity == 1:  # other is the op's constant, or None
            out = op.forward(a, other)
            node._left_local = op.local(a, other, out)[0]
            node._constant = other
            node._right = None
            node._right_local = 0.0
        else:
            b = other.data
            out = op.forward(a, b)
            node._left_local, node._right_local = op.local(a, b, out)
            node._constant = None
            node._right = other
        node.data = out if type(out) is float else float(out)  # a leaf set to an int or numpy number stays there
        return node

    # --- method sugar: one line per op, a table (so the formatter leaves it alone) ---
    # fmt: off
    def __add__(self, other: Any) -> Value:
        return self._apply(ADD, other) if isinstance(other, Value) else self._apply(ADD_CONST, as_float(other, "+"))
    def __mul__(self, other: Any) -> Value:
        return self._apply(MUL, other) if isinstance(other, Value) else self._apply(MUL_CONST, as_float(other, "*"))
    def __pow__(self, other: Any) -> Value:
        return self._apply(POW, other) if isinstance(other, Value) else self._apply(POW_CONST, as_float(other, "**"))
    def __truediv__(self, other: Any) -> Value:
        return self._apply(DIV, other) if isinstance(other, Value) else self._apply(DIV_CONST, as_float(other, "/"))
    def maximum(self, other: Any) -> Value: return self._apply(MAX, other if isinstance(other, Value) else Value(other))
    def exp(self) -> Value: return self._apply(EXP)
    def log(self) -> Value: return self._apply(LOG)
    def sqrt(self) -> Value: return self._apply(SQRT)
    def __abs__(self) -> Value: return self._apply(ABS)
    def tanh(self) -> Value: return self._apply(TANH)
    def sigmoid(self) -> Value: return self._apply(SIGMOID)
    def relu(self) -> Value: return self._apply(RELU)
    def leaky_relu(self, slope: float | None = None) -> Value:  # the row's slope, 0.01, unless given
        return self._apply(LEAKY_RELU, LEAKY_RELU.constant if slope is None else as_float(slope, "slope"))
    def softplus(self) -> Value: return self._apply(SOFTPLUS)
    def sin(self) -> Value: return self._apply(SIN)
    def cos(self) -> Value: return self._apply(COS)
    def step(self) -> Value: return self._apply(STEP)

    # --- compositions: no derivative code of their own ---
    def __neg__(self) -> Value: return self * -1.0
    def __radd__(self, other: float) -> Value: return self + other
    def __sub__(self, other: float | Value) -> Value: return self + (-other)
    def __rsub__(self, other: float) -> Value: return other + (-self)
    def __rmul__(self, other: float) -> Value: return self * other
    def __rpow__(self, other: Any) -> Value: return Value(other) ** self  # the base becomes a leaf
    def __rtruediv__(self, other: Any) -> Value: return Value(as_float(other, "/")) / self  # so does the dividend

    # --- what a node is made of (for drawing, explaining and compiling) ---
    @property
    def op(self) -> str:
        """The name of the op that made this node ("" for a leaf)."""
        return self._made_by.name if self._made_by else ""

    @property
    def arg(self) -> Any:
        """The op's constant (the 2 in ``x * 2``), or None."""
        return self._constant

    @property
    def children(self) -> tuple[Value, ...]:
        """The operands, in argument order."""
        return () if self._left is None else (self._left,) if self._right is None else (self._left, self._right)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """``d self / d child`` for each child, in the order of `children`."""
        if self._left is None:
            return ()
        return (self._left_local,) if self._right is None else (self._left_local, self._right_local)

    # --- micrograd's names ---
    @property
    def _prev(self) -> set[Value]: return set(self.children)
    @property
    def _op(self) -> str: return self._made_by.micrograd_name(self._constant) if self._made_by else ""

    @property
    def _backward(self) -> Callable[[], None]:
        """The chain rule at this one node: add ``local * self.grad`` to each child's grad (a leaf: nothing)."""
        return self.__dict__.get("_backward_by_hand") or self._chain_rule_here
    @_backward.setter
    def _backward(self, closure: Callable[[], None]) -> None: self.__dict__["_backward_by_hand"] = closure

    def _chain_rule_here(self) -> None:
        for child, local in zip(self.children, self.local_grads, strict=True):
            child.grad += local * self.grad

    # --- plain-number behaviour ---
    def __float__(self) -> float: return self.data
    def __lt__(self, other: Any) -> bool: return self.data < _compared(other)
    def __le__(self, other: Any) -> bool: return self.data <= _compared(other)
    def __gt__(self, other: Any) -> bool: return self.data > _compared(other)
    def __ge__(self, other: Any) -> bool: return self.data >= _compared(other)
    __hash__ = object.__hash__  # by identity, and == stays identity: graphs put nodes in sets
    # fmt: on

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{label})"

    def backward(self, grad: float = 1.0) -> None:
        """Add ``d self / d leaf * grad`` to the ``grad`` of every leaf below this node.

        As in PyTorch, leaves accumulate over repeated calls: set ``leaf.grad = 0.0`` (or
        call ``model.zero_grad()``) before each new pass. Inner nodes hold the gradients of
        the latest pass only. Threads: one pass runs at a time (a lock), so passes over a shared
        graph add to its leaves in turn; to train in threads, give each its own copy.deepcopy(model).
        """
        seed = as_float(grad, "grad")  # checked before any node changes
        with _backward_lock:  # the pass resets inner grads and then reads them: another pass must wait
            order = topological_order(self)
            for node in order:  # inner nodes start every pass at 0; leaves accumulate
                if node._left is not None:
                    node.grad = 0.0
            self.grad += seed
            for node in reversed(order):  # parents before children: each grad is final when used
                if node._left is not None:  # the chain rule, one edge at a time
                    if node._made_by.by_hand:  # type: ignore[union-attr]  # an op made micrograd's way
                        node._backward()
                        continue
                    node._left.grad += node._left_local * node.grad
                    if node._right is not None:
                        node._right.grad += node._right_local * node.grad


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
            if node._left is not None and node._left not in seen:
                stack.append(node._left)
            if node._right is not None and node._right not in seen:
                stack.append(node._right)
    return order
