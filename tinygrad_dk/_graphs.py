"""Copying and pickling graphs of any depth: a node made by an op travels as its whole graph in one flat list.

Python's default would copy a node by copying its children first, recursing once per level,
so a chain of a few hundred nodes hits the recursion limit; and a node's op-table row holds
functions, which pickle cannot store. Instead `reduce`, registered with `copyreg` for `Value`
(the package imports this module, so it holds wherever Value does), hands `pickle` and
`copy.deepcopy` the list `flatten` makes: the graph in topological order, each leaf as
itself (copied the usual way, once, so a leaf shared with a model stays shared:
``copy.deepcopy((model, loss))`` gives a loss over the copied model's parameters) and each
op node as a tuple of its fields with its row's name and its children's places in the
list. `rebuild` makes the nodes again, in order, looking the rows up in `tinygrad_dk.ops.OPS`.

Each op node copied on its own is rebuilt with its own graph: two op nodes of one graph copied
together share their leaves, not the nodes between. A node made by hand, micrograd's way,
is refused: its chain rule is a closure over the original nodes. Imports the engine and the op
table; the engine does not import it.
"""

from __future__ import annotations

import copyreg
import sys
from typing import Any, cast

from tinygrad_dk.engine import Value, topological_order
from tinygrad_dk.ops import OPS, Op


def reduce(node: Value) -> str | tuple[Any, ...]:
    """What `pickle` and `copy.deepcopy` store for ``node``: a leaf as any object, an op node as its flat graph."""
    if node._left is None:
        return object.__reduce_ex__(node, 2)  # slots and a user's dict, at any pickle protocol
    return rebuild, (type(node), flatten(topological_order(node)))


def flatten(order: list[Value]) -> list[Value | tuple[Any, ...]]:
    """The graph ``order`` lists (children first): leaves as themselves, each op node as a tuple of its fields."""
    place: dict[Value, int] = {}
    flat: list[Value | tuple[Any, ...]] = []
    for node in order:
        place[node] = len(flat)
        if node._left is None:
            flat.append(node)
            continue
        row = cast(Op, node._made_by)
        if row.by_hand or OPS.get(row.name) is not row:
            raise TypeError(_cannot_copy(row))
        right = -1 if node._right is None else place[node._right]
        locals_ = (node._left_local, node._right_local)
        flat.append(
            (row.name, place[node._left], right, node._constant, node.data, node.grad, node.label, *locals_, _own(node))
        )
    return flat


def rebuild(cls: type[Value], flat: list[Value | tuple[Any, ...]]) -> Value:
    """The graph `flatten` stored, made again; returns its root (the last node)."""
    nodes: list[Value] = []
    for entry in flat:
        if not isinstance(entry, tuple):  # a leaf, already copied (or unpickled) as itself
            nodes.append(entry)
            continue
        name, left, right, constant, data, grad, label, left_local, right_local, attributes = entry
        node = object.__new__(cls)
        node._made_by = _row(name)
        node._left, node._right = nodes[left], None if right < 0 else nodes[right]
        node._constant, node.data, node.grad, node.label = constant, data, grad, label
        node._left_local, node._right_local = left_local, right_local
        if attributes:
            node.__dict__.update(attributes)
        nodes.append(node)
    return nodes[-1]


def _own(node: Value) -> dict[str, Any] | None:
    """A node's own attributes (a user's), or None."""
    if sys.version_info >= (3, 11):  # (attributes or None, slots), without making the empty dict node.__dict__ makes
        return cast("dict[str, Any] | None", cast(tuple[Any, ...], object.__getstate__(node))[0])
    return node.__dict__ or None


def _row(name: str) -> Op:
    if name not in OPS:
        raise ValueError(
            f"the graph being loaded has a node made by op {name!r}, which is not in the op table "
            "tinygrad_dk.ops.OPS: define it (tinygrad_dk.define_op) before loading the graph"
        )
    return OPS[name]


def _cannot_copy(row: Op) -> str:
    if row.by_hand:
        return (
            f"a node made by hand, micrograd's way (Value(data, children, {row.micrograd!r}) with a _backward "
            "closure), cannot be copied or pickled: its chain rule is a closure over the original nodes; make "
            "the op with tinygrad_dk.define_op, or copy the leaves (the model) and build the graph again"
        )
    return (
        f"a node made by op {row.name!r} cannot be copied or pickled: its row is no longer the op table's "
        f"row {row.name!r} (tinygrad_dk.ops.OPS); build the graph again with the current row"
    )


copyreg.pickle(Value, reduce)  # pickle and copy.deepcopy ask copyreg first: every Value goes through `reduce`
