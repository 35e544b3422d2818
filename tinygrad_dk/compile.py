"""Compiled graphs: record a graph once, then rerun its forward and backward without Values.

Training on a fixed batch builds the same graph every step; only the numbers change. Eager
mode pays for a Python object per node, every step. Compiling walks the recorded graph once
(`topological_order`) and writes straight-line Python, the chain rule unrolled:

    >>> a, b = Value(2.0), Value(-3.0)
    >>> print(compile_graph((a * 0.5).relu() * b, params=[a, b]).source)
    def program(P, X, G, seed):
        p0, p1, = P
        v2 = p0 * 0.5
        v3 = 0.0 if v2 <= 0 else v2
        v4 = v3 * p1
        gp0, gp1, = G
        g3 = p1 * seed
        g2 = (1.0 if v2 > 0 else 0.0 if v2 <= 0 else nan) * g3
        gp0 = gp0 + 0.5 * g2
        gp1 = gp1 + v3 * seed
        return v4, [gp0, gp1]

`exec` turns that source into a function once; `Program.run` calls it with new values.

- The forward pass gives a node its own variable (``v2``) when something reads it later;
  a value read once is written inline in the expression that reads it.
- The backward pass writes each node's gradient as one sum of its parents' contributions,
  added in the order eager ``backward`` adds them to ``.grad`` (reverse topological order,
  first child first), just before the node passes its gradient on; only edges that lead to
  a parameter are written. A gradient that just passes through (``+``) is not copied.
- Each op's code is in its row of the op table (`tinygrad_dk.ops`), beside its forward and
  local functions: the forward expression and the local derivative along each child edge, in
  the same arithmetic, calling the same float functions (`tinygrad_dk._floats`), so that values
  and gradients equal eager's exactly, domain errors raise the same ValueError and overflow
  gives the same inf.
- The code is written in four phases, each a function: classify the nodes, name them, emit
  the forward statements, emit the backward statements.
- Leaves that are neither parameters nor inputs are constants, baked in as literals, and so
  is every node computed from constants alone; so are ops' constants (``.arg``). A Value you
  will change but do not list as a parameter or input is frozen at its recorded value.
- An op whose row has no expressions (one made by `define_op` without them) still works: the
  program calls the row's ``forward`` and ``local``, node by node, and a `CompileFallbackWarning`
  names the op. Never silently wrong, only slower.
- The graph's shape is frozen at recording: Python ``if``s on ``.data`` in the code that built
  it, and random choices such as dropout masks, are replayed as recorded.

Three entry points:

- `compile_graph(root, params, inputs)` -> `Program`, for any graph.
- `compile_loss(build_loss, params)` -> `CompiledLoss`, what ``fit(..., compile=True)`` calls
  (through `compile_fit_step`) for full batch:
  calling it is ``loss = build_loss(); loss.backward()`` at the parameters' current data.
- `compile_batch(build, params, example)` -> `BatchProgram`: records ONE sample's graph and
  runs it over a whole batch with numpy (each node's value becomes a column of samples),
  returning each sample's output and the gradient of their weighted sum. Not bit-identical
  to eager: numpy's exp, log, tanh... may differ from Python's math by an ulp, and the sum
  over samples is added in another order (a relu MLP's per-sample outputs, made of + * and
  comparisons only, are exact).
"""

from __future__ import annotations

import functools
import math
import re
import warnings
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from tinygrad_dk import _floats as scalar
from tinygrad_dk.engine import Value, topological_order
from tinygrad_dk.ops import OPS, Op


class Template(NamedTuple):
    """One op's compiled code, read from its row of the op table (`tinygrad_dk.ops`).

    Placeholders: ``{a}`` and ``{b}`` are the children's values, ``{k}`` a unary op's constant,
    ``{out}`` the node's own value. ``forward`` and ``local`` are plain Python; ``np_forward``
    and ``np_local`` work on numpy arrays of samples.
    """

    forward: str
    local: tuple[str, ...]
    np_forward: str
    np_local: tuple[str, ...]


class CompileFallbackWarning(UserWarning):
    """A graph uses an op whose row has no Python or numpy expression; the program calls its functions."""


# --- numpy forms of the engine's helpers: same domain errors (raised for the first bad sample,
# with the engine's own message) and the same inf on overflow ---


def _np_log(a: Any) -> Any:
    bad = a <= 0
    if np.any(bad):
        scalar.log(float(np.asarray(a)[bad].flat[0]))
    return np.log(a)


def _np_sqrt(a: Any) -> Any:
    bad = a < 0
    if np.any(bad):
        scalar.sqrt(float(np.asarray(a)[bad].flat[0]))
    return np.sqrt(a)


def _np_pow(a: Any, b: Any) -> Any:
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    integer = np.isfinite(b) & (b == np.floor(b))
    bad = ((a == 0) & (b < 0)) | ((a < 0) & ~integer)
    if np.any(bad):
        scalar.power(float(a[bad].flat[0]), float(b[bad].flat[0]))
    return np.power(a, b)


def _np_value_pow(a: Any, b: Any) -> Any:
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    bad = a < 0
    if np.any(bad):
        scalar.value_power(float(a[bad].flat[0]), float(b[bad].flat[0]))
    return _np_pow(a, b)


def _np_d_pow(a: Any, k: Any) -> Any:
    # d/da a**k = k * a**(k-1): 0 for k = 0, inf at a = 0 for k < 1 (scalar.d_power)
    return np.where(k == 0, 0.0, np.where((a != 0) | (k >= 1), k * np.power(a, k - 1.0), math.inf))


def _np_out_log(out: Any, a: Any) -> Any:
    return np.where(a <= 0, 0.0, out * np.log(np.where(a <= 0, 1.0, a)))  # d (a**b) / db; nan at a = nan


def _np_div(a: Any, b: Any) -> Any:
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    bad = b == 0
    if np.any(bad):
        scalar.divide(float(a[bad].flat[0]), float(b[bad].flat[0]))
    return a / b


def _np_d_max(a: Any, b: Any) -> Any:
    # d max(a, b) / da: 1 where a > b, 0 where a < b, 1/2 at a tie, nan at nan (scalar.d_maximum)
    return np.where(a == b, 0.5, np.sign(np.maximum(np.subtract(a, b), 0.0)))


def _np_sigmoid(a: Any) -> Any:
    e = np.exp(-np.abs(a))  # exp of a negative number only, as in scalar.sigmoid
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _np_softplus(a: Any) -> Any:
    return np.maximum(a, 0.0) + np.log1p(np.exp(-np.abs(a)))


def _elementwise(fn: Callable[..., float], nin: int) -> Callable[..., Any]:
    """``fn`` applied sample by sample (for ops without a numpy form), as a float array."""
    ufunc = np.frompyfunc(fn, nin, 1)
    return lambda *args: np.asarray(ufunc(*args), dtype=float)


_NAMESPACE: dict[str, Any] = {
    "math": math,
    "inf": math.inf,
    "nan": math.nan,
    "log": math.log,
    "tanh": math.tanh,
    "_sin": scalar.sin,
    "_cos": scalar.cos,
    "_exp": scalar.exp,
    "_log": scalar.log,
    "_sqrt": scalar.sqrt,
    "_div": scalar.divide,
    "_max": scalar.maximum,
    "_d_max": scalar.d_maximum,
    "_pow": scalar.power,
    "_value_pow": scalar.value_power,
    "_d_pow": scalar.d_power,
    "_sigmoid": scalar.sigmoid,
    "_softplus": scalar.softplus,
    "np": np,
    "_np_log": _np_log,
    "_np_sqrt": _np_sqrt,
    "_np_pow": _np_pow,
    "_np_value_pow": _np_value_pow,
    "_np_d_pow": _np_d_pow,
    "_np_out_log": _np_out_log,
    "_np_div": _np_div,
    "_np_d_max": _np_d_max,
    "_np_sigmoid": _np_sigmoid,
    "_np_softplus": _np_softplus,
}


def _template(op: Op) -> Template:
    """``op``'s compiled code: its row's expressions, or calls of its ``forward`` and ``local`` where it has none.

    Called without expressions, the row's functions run node by node (``_F``, ``_L`` and their
    sample-by-sample forms ``_VF``, ``_VL`` live in the program's namespace): never wrong,
    only slower.
    """
    name, second = op.name, "{b}" if op.arity == 2 else "{k}"
    python = op.python or (
        f"_F[{name!r}]({{a}}, {second})",
        *(f"_L[{name!r}]({{a}}, {second}, {{out}})[{e}]" for e in range(op.arity)),
    )
    numpy = op.numpy or (
        f"_VF[{name!r}]({{a}}, {second})",
        *(f"_VL[{name!r}, {e}]({{a}}, {second}, {{out}})" for e in range(op.arity)),
    )
    return Template(python[0], tuple(python[1:]), numpy[0], tuple(numpy[1:]))


def _fallback_namespace(names: set[str]) -> dict[str, Any]:
    forward = {name: OPS[name].forward for name in names}
    local = {name: OPS[name].local for name in names}
    # default arguments pin each lambda to its own op and edge
    local_edges = {
        (name, e): _elementwise(lambda a, b, out, fn=OPS[name].local, e=e: fn(a, b, out)[e], 3)
        for name in names
        for e in range(OPS[name].arity)
    }
    return {
        "_F": forward,
        "_L": local,
        "_VF": {name: _elementwise(forward[name], 2) for name in names},
        "_VL": local_edges,
    }


def _literal(x: Any) -> str:
    """Source text for a baked-in constant (``inf`` and ``nan`` are names in the namespace)."""
    if x is None:
        return "None"
    text = repr(float(x))
    return f"({text})" if text.startswith("-") else text


def numpy_functions(op: Op, constant: float | None = None) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """A unary row's numpy column as functions of arrays: ``forward(a)`` and ``local(a, out)``, its constant fixed.

    The same expressions, in the same namespace, that a `BatchProgram` runs; `tinygrad_dk.matrix`
    calls them for its activations.

    >>> from tinygrad_dk.ops import RELU
    >>> forward, local = numpy_functions(RELU)
    >>> a = np.array([-1.0, 2.0])
    >>> forward(a).tolist(), local(a, forward(a)).tolist()
    ([0.0, 2.0], [0.0, 1.0])
    """
    if op.arity != 1 or op.numpy is None:
        raise ValueError(f"op {op.name!r} has no numpy form of one operand: give define_op numpy=(forward, local)")
    k, namespace = _literal(constant), dict(_NAMESPACE)
    forward = eval(f"lambda a: {op.numpy[0].format(a='a', k=k)}", namespace)
    local = eval(f"lambda a, out: {op.numpy[1].format(a='a', k=k, out='out')}", namespace)
    return forward, local


def _check_leaves(values: Sequence[Any], what: str) -> tuple[Value, ...]:
    if isinstance(values, Value) or not isinstance(values, Sequence):
        raise TypeError(f"{what} must be a list of Values, not {type(values).__name__}: {values!r}")
    leaves = tuple(values)
    for v in leaves:
        if not isinstance(v, Value):
            raise TypeError(f"{what} must be Values, not {type(v).__name__}: {v!r}")
        if v.op:
            raise ValueError(
                f"{what} must be leaf Values (made by no op), but got a node made by "
                f"{v.op!r}: {v!r}; pass the leaves whose values change between runs"
            )
    if len(set(leaves)) != len(leaves):
        raise ValueError(f"{what} lists the same Value twice: list each leaf once")
    return leaves


_MAX_DEPTH = 32  # operators nested in one generated expression (CPython's compiler recurses on them)


_ATOM = re.compile(r"[A-Za-z_]\w*|\(?-?([\d.]+(e[+-]?\d+)?|inf|nan)\)?")  # a name or a number: no parentheses


@functools.cache
def _placeholders(template: str) -> tuple[tuple[str, int], ...]:
    """The operands a template reads, and how often: ``(("a", 2),)`` for relu's forward."""
    return tuple((key, template.count("{" + key + "}")) for key in ("a", "b", "out") if "{" + key + "}" in template)


def _order(roots: tuple[Value, ...]) -> list[Value]:
    """Every node below the roots, children before parents."""
    if len(roots) == 1:
        return topological_order(roots[0])
    seen: set[Value] = set()
    order: list[Value] = []
    for root in roots:  # each root's order is topological; skipping the nodes placed already keeps it so
        for node in topological_order(root):
            if node not in seen:
                seen.add(node)
                order.append(node)
    return order


class _Graph(NamedTuple):
    """What phase 1 learns about a recorded graph, for the phases that write its code."""

    roots: tuple[Value, ...]
    params: tuple[Value, ...]
    order: list[Value]  # every node, children before parents
    operands: dict[Value, tuple[Value, Value, Template]]  # each varying op node: a, b (a again if unary), code
    array: set[Value]  # batch mode: nodes that are numpy columns of samples
    wants_grad: set[Value]  # nodes on a path to a parameter
    name: dict[Value, str]  # the leaves' names (p0, x0) so far; phase 3 names the rest
    batch: bool

    def code(self, node: Value) -> tuple[str, tuple[str, ...]]:
        """The forward and local-derivative templates ``node`` uses (numpy for a column of samples)."""
        row = self.operands[node][2]
        return (row.np_forward, row.np_local) if node in self.array else (row.forward, row.local)


def _classify(roots: tuple[Value, ...], params: tuple[Value, ...], inputs: tuple[Value, ...], batch: bool) -> _Graph:
    """Phase 1: which nodes vary (depend on a parameter or an input), which are columns of samples
    (batch mode: depend on an input), which lead to a parameter, and each op's code."""
    for root in roots:
        if not isinstance(root, Value):
            raise TypeError(f"a compiled graph's output must be a Value, not {type(root).__name__}: {root!r}")
    if set(params) & set(inputs):
        raise ValueError("a Value cannot be both a parameter and an input: list it in one of them")
    name: dict[Value, str] = {p: f"p{j}" for j, p in enumerate(params)}
    name.update({x: f"x{j}" for j, x in enumerate(inputs)})
    graph = _Graph(roots, params, _order(roots), {}, set(inputs) if batch else set(), set(params), name, batch)
    variable, templates = set(name), {}
    for node in graph.order:
        children = node.children
        if not children or not (children[0] in variable or children[-1] in variable):
            continue  # a leaf, or computed from constants only: baked in as a literal
        variable.add(node)
        a, b = children[0], children[-1]
        if a in graph.wants_grad or b in graph.wants_grad:
            graph.wants_grad.add(node)
        if a in graph.array or b in graph.array:
            graph.array.add(node)
        if node.op not in templates:
            templates[node.op] = _template(_row(node.op))
        graph.operands[node] = (a, b, templates[node.op])
    return graph


def _row(op: str) -> Op:
    """The op table's row for ``op``, with a warning if the compiled program must call its functions."""
    if op.endswith(" (by hand)"):
        raise ValueError(
            f"a node was made by hand, micrograd's way (Value(data, children, {op[:-10]!r}) with a "
            "_backward closure): the compiler cannot read a closure's derivatives; make the op with "
            "tinygrad_dk.define_op, or train this graph eagerly"
        )
    if op not in OPS:
        raise ValueError(f"a node was made by op {op!r}, which is not in the op table tinygrad_dk.ops.OPS")
    row = OPS[op]
    if row.python is None or row.numpy is None:
        missing = " and ".join(what for what in ("python", "numpy") if getattr(row, what) is None)
        warnings.warn(
            f"op {op!r} has no compiled form ({missing}) in its row of tinygrad_dk.ops.OPS: the compiled "
            f"program calls OPS[{op!r}].forward and .local node by node (same results, slower); give "
            "define_op python= and numpy= expressions to compile it",
            CompileFallbackWarning,
            stacklevel=6,
        )
    return row


def _kept(graph: _Graph) -> tuple[set[Value], dict[Value, int]]:
    """Phase 2: the nodes that need their own variable, and how often forward code reads each node.

    A node's value gets a variable when the backward pass reads it, when it is an output, or
    when the forward code reads it other than once; else it is written inline, inside the one
    expression that reads it.
    """
    kept, uses = set(graph.roots), dict[Value, int]()
    for node, (a, b, _) in graph.operands.items():
        slot = {"a": a, "b": b, "out": node}
        forward, local = graph.code(node)
        for key, count in _placeholders(forward):
            uses[slot[key]] = uses.get(slot[key], 0) + count
        if node in graph.wants_grad:
            for e, child in enumerate((a, b)[: len(local)]):
                if child in graph.wants_grad:
                    kept.update(slot[key] for key, _ in _placeholders(local[e]))
    return kept, uses


def _emit_forward(graph: _Graph) -> tuple[list[str], dict[Value, int]]:
    """Phase 3: the forward statements in topological order, naming every node; and each node's number."""
    kept, uses = _kept(graph)
    name, forward, depth, number = graph.name, list[str](), dict[Value, int](), dict[Value, int]()
    for i, node in enumerate(graph.order):
        number[node] = i
        if node not in graph.operands:
            name.setdefault(node, _literal(node.data))  # a constant: a literal
            continue
        a, b, _ = graph.operands[node]
        code = graph.code(node)[0].format(a=name[a], b=name[b], k=_literal(node.arg))
        depth[node] = 1 + max(depth.get(a, 0), depth.get(b, 0))
        if node in kept or uses.get(node) != 1 or depth[node] > _MAX_DEPTH:
            forward.append(f"v{i} = {code}")
            name[node], depth[node] = f"v{i}", 0
        else:
            name[node] = f"({code})"
    return forward, number


def _edge_term(graph: _Graph, node: Value, e: int, g: str) -> str:
    """The contribution of ``node``'s gradient ``g`` to its child ``e``: local derivative times ``g``."""
    a, b, _ = graph.operands[node]
    local = graph.code(node)[1][e]
    text = local.format(a=graph.name[a], b=graph.name[b], k=_literal(node.arg), out=graph.name[node])
    factor = text if _ATOM.fullmatch(text) else f"({text})"
    if node in graph.array and (a, b)[e] not in graph.array:  # this edge, summed over the samples
        reads = (slot for slot, _ in _placeholders(local))
        if any(slot == "out" or (a, b)[slot == "b"] in graph.array for slot in reads):  # a column of locals
            return f"np.dot({text}, {g})"
        return f"{g}.sum()" if text == "1.0" else f"{factor} * {g}.sum()"
    return g if text == "1.0" else f"{factor} * {g}"  # 1.0 * g == g exactly


def _emit_backward(graph: _Graph, number: dict[Value, int]) -> list[str]:
    """Phase 4: the backward statements, in eager's order: parents before children, first child first.

    A node's gradient is the sum of its parents' contributions, added in the order eager adds
    them to ``.grad``, in one statement written just before the node passes its gradient on. A
    gradient that is just another gradient (through + or ``+ k``) is that name. The backward
    pass starts from ``seed`` (one root) or ``seed[k]`` (root k).
    """
    terms: dict[Value, list[str]] = {node: [] for node in graph.wants_grad}
    for k, root in enumerate(graph.roots):
        if root in graph.wants_grad:
            seed = "seed" if len(graph.roots) == 1 else f"seed[{k}]"
            terms[root].append(f"{seed}.sum()" if graph.batch and root not in graph.array else seed)
    backward: list[str] = []

    def write_sum(target: str, parts: list[str], start: str | None) -> None:
        for c in range(0, len(parts), _MAX_DEPTH):  # at most _MAX_DEPTH terms per statement
            chunk = " + ".join(parts[c : c + _MAX_DEPTH])
            backward.append(f"{target} = {chunk}" if start is None else f"{target} = {start} + {chunk}")
            start = target

    for node in reversed(graph.operands):
        if node not in graph.wants_grad:
            continue
        parts = terms.pop(node)
        if len(parts) == 1 and parts[0].isidentifier():
            g = parts[0]  # an alias: nothing to compute
        else:
            g = f"g{number[node]}"
            write_sum(g, parts, None)
        a, b, _ = graph.operands[node]
        for e, child in enumerate((a, b)[: len(graph.code(node)[1])]):
            if child in graph.wants_grad:
                terms[child].append(_edge_term(graph, node, e, g))
    for j, p in enumerate(graph.params):  # each parameter's gradient starts from G, as .grad accumulates
        if terms[p]:
            write_sum(f"gp{j}", terms[p], f"gp{j}")
    return backward


def _namespace(graph: _Graph) -> dict[str, Any]:
    """The names the program's code reads: the float functions, numpy, and the rows it calls directly."""
    namespace = dict(_NAMESPACE)
    fallback = {node.op for node in graph.operands if OPS[node.op].python is None or OPS[node.op].numpy is None}
    if fallback:
        namespace.update(_fallback_namespace(fallback))
    return namespace


_INDENT = "\n    "


def _function(
    namespace: dict[str, Any], signature: str, body: list[str], filename: str
) -> tuple[Callable[..., Any], str]:
    """``def program(signature): body`` compiled in a copy of ``namespace``; and its source."""
    source = _INDENT.join([f"def program({signature}):", *body])
    namespace = dict(namespace)
    exec(compile(source, filename, "exec"), namespace)
    return namespace["program"], source


def _unpack(names: list[str], sequence: str) -> list[str]:
    return [f"{', '.join(names)}, = {sequence}"] if names else []


class _Compiled:
    """What `Program` and `BatchProgram` share: the four phases, and the two functions they write.

    ``run(P, X, G, seed)`` returns the roots and the parameters' gradients; ``forward(P, X)``
    the roots only, and is compiled on first use.
    """

    def __init__(
        self, roots: tuple[Value, ...], params: tuple[Value, ...], inputs: tuple[Value, ...], batch: bool, returns: str
    ) -> None:
        graph = _classify(roots, params, inputs, batch)  # phase 1
        forward, number = _emit_forward(graph)  # phases 2 and 3
        backward = _emit_backward(graph, number)  # phase 4
        self.n_nodes = len(graph.order)
        roots_code = returns.format(*(graph.name[root] for root in roots))
        grads = [f"gp{j}" for j in range(len(params))]
        leaves = _unpack([f"p{j}" for j in range(len(params))], "P") + _unpack(
            [f"x{j}" for j in range(len(inputs))], "X"
        )
        self.namespace = _namespace(graph)
        body = [*leaves, *forward, *_unpack(grads, "G"), *backward, f"return {roots_code}, [{', '.join(grads)}]"]
        kind = "batch" if batch else "graph"
        self._run, self.source = _function(self.namespace, "P, X, G, seed", body, f"<tinygrad_dk compiled {kind}>")
        self._forward_body = [*leaves, *forward, f"return {roots_code}"]
        self._forward_function: Callable[..., Any] | None = None

    def _forward(self, *args: Any) -> Any:
        if self._forward_function is None:
            self._forward_function, _ = _function(
                self.namespace, "P, X", self._forward_body, "<tinygrad_dk compiled forward>"
            )
        return self._forward_function(*args)


def _as_floats(values: Sequence[Any], count: int | None, what: str) -> list[float]:
    """``values`` as floats, checked: a list of numbers, ``count`` of them unless None."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise TypeError(f"{what} must be a list of numbers, not {type(values).__name__}: {values!r}")
    if count is not None and len(values) != count:
        raise ValueError(f"expected {count} {what}, one per compiled leaf, but got {len(values)}")
    floats = list(values)
    if set(map(type, floats)) == {float}:  # the usual case, checked at C speed: nothing to convert
        return floats
    return [scalar.as_float(v, what) for v in floats]


class Program(_Compiled):
    """A recorded graph as straight-line Python: `run` gives the root and its gradients.

    >>> a, b = Value(2.0), Value(-3.0)
    >>> program = compile_graph((a * b + a).relu() * 0.5, params=[a, b])
    >>> program.run([2.0, -1.0])  # relu(2*-1 + 2) = 0: no gradient flows
    (0.0, [0.0, 0.0])
    >>> program.run([3.0, 1.0])  # 0.5 * (a*b + a) = 3.0; d/da = 0.5 * (b + 1), d/db = 0.5 * a
    (3.0, [1.0, 1.5])
    >>> print(program.source)
    def program(P, X, G, seed):
        p0, p1, = P
        v3 = (p0 * p1) + p0
        v5 = (0.0 if v3 <= 0 else v3) * 0.5
        gp0, gp1, = G
        g4 = 0.5 * seed
        g3 = (1.0 if v3 > 0 else 0.0 if v3 <= 0 else nan) * g4
        gp0 = gp0 + g3 + p1 * g3
        gp1 = gp1 + p0 * g3
        return v5, [gp0, gp1]
    """

    def __init__(self, root: Value, params: Sequence[Value], inputs: Sequence[Value] = ()) -> None:
        self.params = _check_leaves(params, "params")
        self.inputs = _check_leaves(inputs, "inputs")
        super().__init__((root,), self.params, self.inputs, batch=False, returns="{}")

    def run(
        self,
        param_values: Sequence[float],
        input_values: Sequence[float] = (),
        grads: Sequence[float] | None = None,
        seed: float = 1.0,
    ) -> tuple[float, list[float]]:
        """Forward and backward at new values: ``(root value, d root / d param for each param)``.

        ``grads`` are gradients to add to (zeros by default), as eager ``backward`` adds to
        ``.grad``; ``seed`` is the gradient of the root itself, as in ``backward(grad)``.
        """
        n = len(self.params)
        start = [0.0] * n if grads is None else _as_floats(grads, n, "grads")
        root, gradients = self._run(
            _as_floats(param_values, n, "parameter values"),
            _as_floats(input_values, len(self.inputs), "input values"),
            start,
            scalar.as_float(seed, "seed"),
        )
        return float(root), gradients

    def run_unchecked(
        self, param_values: list[float], input_values: list[float], grads: list[float], seed: float
    ) -> tuple[float, list[float]]:
        """`run` without its argument checks, for a caller that has checked them once (fit's compiled step).

        Every argument must be what `run` would make of it: lists of floats of the right
        lengths, and a float seed. Nothing is checked, so a wrong argument gives a wrong answer
        or an obscure error; the checks cost more than the program itself for a small graph.
        """
        return self._run(param_values, input_values, grads, seed)  # type: ignore[no-any-return]

    def forward(self, param_values: Sequence[float], input_values: Sequence[float] = ()) -> float:
        """The root's value only (no backward pass), at new parameter and input values."""
        return float(
            self._forward(
                _as_floats(param_values, len(self.params), "parameter values"),
                _as_floats(input_values, len(self.inputs), "input values"),
            )
        )

    def __repr__(self) -> str:
        return f"Program(nodes={self.n_nodes}, params={len(self.params)}, inputs={len(self.inputs)})"


def compile_graph(root: Value, params: Sequence[Value], inputs: Sequence[Value] = ()) -> Program:
    """Compile the graph below ``root``: ``params`` get gradients, ``inputs`` new values each run.

    Every other leaf is a constant. See `Program` for an example.
    """
    return Program(root, params, inputs)


class CompiledLoss:
    """``build_loss()`` recorded once; each call is ``build_loss().backward()`` at the params' current data.

    >>> w = Value(0.5)
    >>> step = compile_loss(lambda: (w * 3.0 - 1.0) ** 2, [w])
    >>> w.data = 1.0
    >>> step(), w.grad  # (3w - 1)**2 = 4 at w = 1; d/dw = 6 * (3w - 1) = 12
    (4.0, 12.0)
    """

    def __init__(self, build_loss: Callable[[], Value], params: Sequence[Value]) -> None:
        if not callable(build_loss):
            raise TypeError(
                f"build_loss must be a function that returns the loss Value, not "
                f"{type(build_loss).__name__}: {build_loss!r}"
            )
        _check_leaves(params, "params")  # before the build, which may take a while
        loss = build_loss()
        if not isinstance(loss, Value):
            raise TypeError(f"build_loss must return a Value, not {type(loss).__name__}: {loss!r}")
        self.program = Program(loss, params)
        self.params = self.program.params

    def __call__(self) -> float:
        """Forward and backward at the parameters' ``.data``: add to their ``.grad``, return the loss."""
        params = self.params
        loss, grads = self.program._run([p.data for p in params], (), [p.grad for p in params], 1.0)
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        return float(loss)


def compile_loss(build_loss: Callable[[], Value], params: Sequence[Value]) -> CompiledLoss:
    """Record ``build_loss()`` once, for ``fit(..., compile=True)``; see `CompiledLoss`.

    ``build_loss`` must build the same graph every time (a fixed batch; no Python branches
    on ``.data``, no random masks): only the parameters' values change between calls.
    """
    return CompiledLoss(build_loss, params)


class BatchProgram(_Compiled):
    """One sample's graph, run over many samples at once as numpy columns.

    >>> w, b = Value(2.0), Value(0.0)
    >>> program = compile_batch(lambda x: (w * x[0] + b - x[1]) ** 2, [w, b], example=[1.0, 0.0])
    >>> values, grads = program.run([2.0, 0.0], [[1.0, 2.0], [3.0, 6.0], [2.0, 1.0]])
    >>> values.tolist(), grads  # squared errors; gradient of their sum: 2*3*2 = 12, 2*3 = 6
    ([0.0, 0.0, 9.0], [12.0, 6.0])
    """

    def __init__(
        self, build: Callable[[list[Value]], Value | Sequence[Value]], params: Sequence[Value], example: Sequence[float]
    ) -> None:
        self.params = _check_leaves(params, "params")
        if not callable(build):
            raise TypeError(f"build must be a function of a list of input Values, not {type(build).__name__}")
        inputs = [Value(x) for x in _as_floats(example, None, "example values")]
        self.n_inputs = len(inputs)
        out = build(inputs)
        self.n_outputs = 0 if isinstance(out, Value) else len(out)  # 0: one Value, not a list
        roots = (out,) if isinstance(out, Value) else tuple(out)
        if not roots:
            raise ValueError("build returned an empty list: return a Value, or a list of Values")
        returns = "(" + ", ".join("{}" for _ in roots) + ("," if self.n_outputs else "") + ")"  # a list: a tuple
        super().__init__(roots, self.params, tuple(inputs), batch=True, returns=returns)

    def _columns(self, rows: Any) -> tuple[list[np.ndarray], int]:
        data = np.asarray(rows, dtype=float)
        if data.ndim != 2 or data.shape[1] != self.n_inputs or data.shape[0] == 0:
            raise ValueError(
                f"rows must be a 2-D array of shape (samples, {self.n_inputs}), one row per sample "
                f"and at least one sample, but got shape {data.shape}"
            )
        return list(np.ascontiguousarray(data.T)), data.shape[0]

    def _outputs(self, out: Any, n: int) -> np.ndarray:
        if not self.n_outputs:
            column: np.ndarray = np.broadcast_to(np.asarray(out, dtype=float), (n,)).copy()
            return column
        stacked: np.ndarray = np.stack([np.broadcast_to(np.asarray(o, dtype=float), (n,)) for o in out], axis=1)
        return stacked

    def run(self, param_values: Sequence[float], rows: Any, weights: Any = None) -> tuple[np.ndarray, list[float]]:
        """Each sample's output(s), and ``d sum(weights * outputs) / d param`` (weights default to ones).

        Outputs have shape ``(samples,)``, or ``(samples, k)`` when ``build`` returns k Values;
        ``weights`` has the same shape. With weights ``1 / samples`` the gradients are those
        of the mean over the batch.
        """
        values = _as_floats(param_values, len(self.params), "parameter values")
        columns, n = self._columns(rows)
        shape = (n, self.n_outputs) if self.n_outputs else (n,)
        seed = np.ones(shape) if weights is None else np.asarray(weights, dtype=float)
        if seed.shape != shape:
            raise ValueError(
                f"weights must have one number per sample and output, shape {shape}, but got shape {seed.shape}"
            )
        with np.errstate(all="ignore"):  # overflow gives inf, as in eager; domain errors raise
            out, grads = self._run(values, columns, [0.0] * len(values), list(seed.T) if self.n_outputs else seed)
        return self._outputs(out, n), [float(g) for g in grads]

    def forward(self, param_values: Sequence[float], rows: Any) -> np.ndarray:
        """Each sample's output(s), without the backward pass: shape ``(samples,)`` or ``(samples, k)``."""
        values = _as_floats(param_values, len(self.params), "parameter values")
        columns, n = self._columns(rows)
        with np.errstate(all="ignore"):
            return self._outputs(self._forward(values, columns), n)

    def __repr__(self) -> str:
        outputs = f", outputs={self.n_outputs}" if self.n_outputs else ""
        return f"BatchProgram(nodes={self.n_nodes}, params={len(self.params)}, inputs={self.n_inputs}{outputs})"


def compile_batch(
    build: Callable[[list[Value]], Value | Sequence[Value]], params: Sequence[Value], example: Sequence[float]
) -> BatchProgram:
    """Record ``build(xs)`` on one sample (``xs``: one Value per number of ``example``); run it on batches.

    ``build`` returns a Value, or a list of Values (a model with several outputs), and must
    make the same graph for every sample. See `BatchProgram` for an example.
    """
    return BatchProgram(build, params, example)


# --- training steps for fit ---

# Nodes up to which fit's full batch compiles as one straight-line program (200 samples of the
# moons network MLP(2, [16, 16, 1]) make 129,000). Compiling takes about 2 MB and 25 ms per
# moons sample and grows faster than the graph (200 samples: 3 s and 0.5 GB; 1,000: 39 s
# and 2.3 GB), while the per-sample programs compile in 0.1 s and run an epoch as fast.
WHOLE_GRAPH_NODES = 150_000


def compile_fit_step(
    forward: Callable[[Any], Any],
    loss: Callable[[list[Any], list[Any]], Value],
    params: Sequence[Value],
    rows: Sequence[Sequence[float]],
    targets: Sequence[Any],
    *,
    l2: float = 0.0,
    full_batch: bool = True,
) -> Callable[[Sequence[int]], float]:
    """``fit(compile=True)``'s step: ``step(batch)`` adds the batch loss's gradients to ``.grad``, returns the loss.

    ``forward(xs)`` is one sample's output as ``loss(outputs, targets)`` takes it, and
    ``loss`` gives a batch's mean loss (the mean of its samples' losses, as every built-in
    loss does); ``batch`` lists indices into ``rows`` and ``targets``; ``l2`` adds
    ``l2 * sum(p**2)`` over ``params``.

    - Each sample runs the `Program` of its target (one per distinct target, the sample's
      numbers as program inputs) with ``seed = 1 / len(batch)``, adding to the gradients.
      Equal to eager up to the order of the sums (about 1e-16); memory does not grow with
      the number of rows, and each epoch takes about as long as the whole graph's.
    - ``full_batch=True`` on a small batch, whose whole loss graph has at most
      `WHOLE_GRAPH_NODES` nodes: that graph is one `CompiledLoss`, the engine's arithmetic
      to the last bit; ``batch`` is then always every row. A bigger batch runs the
      per-sample programs over every row instead: the whole graph would take about 2 MB and
      25 ms of compiling per moons sample.

    >>> from tinygrad_dk.losses import mse
    >>> w = Value(2.0)
    >>> step = compile_fit_step(lambda xs: w * xs[0], mse, [w], [[1.0], [3.0]], [1.0, 3.0], full_batch=False)
    >>> step([0, 1]), w.grad  # ((2 - 1)**2 + (6 - 3)**2) / 2; d/dw = (2 * 1 * 1 + 2 * 3 * 3) / 2
    (5.0, 10.0)
    """
    from tinygrad_dk import losses  # the penalty's graph, exactly as eager fit builds it

    keys = [repr(t) for t in targets]
    programs: dict[str, Program] = {}
    for i, key in enumerate(keys):
        if key not in programs:
            xs = [Value(v) for v in rows[i]]
            programs[key] = compile_graph(loss([forward(xs)], [targets[i]]), params, xs)
    # the whole graph holds every row's nodes but shares the parameters: estimate it from one sample's
    sample_nodes = max(program.n_nodes for program in programs.values()) - len(params)
    if full_batch and len(rows) * sample_nodes <= WHOLE_GRAPH_NODES:

        def build() -> Value:
            value = loss([forward(row) for row in rows], list(targets))
            return value + losses.l2(params) * l2 if l2 else value

        whole = compile_loss(build, params)
        return lambda batch: whole()

    penalty = compile_loss(lambda: losses.l2(params) * l2, params) if l2 else None
    inputs = [[float(v) for v in row] for row in rows]  # checked once: the step runs the programs unchecked

    def step(batch: Sequence[int]) -> float:
        values = [float(p.data) for p in params]
        grads, total, weight = [float(p.grad) for p in params], 0.0, 1.0 / len(batch)
        for i in batch:
            value, grads = programs[keys[i]].run_unchecked(values, inputs[i], grads, weight)
            total += value
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        return total / len(batch) + (penalty() if penalty is not None else 0.0)

    return step
