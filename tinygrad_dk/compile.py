"""Compiled graphs: record a graph once, then rerun its forward and backward without Values.

Training on a fixed batch builds the same graph every step; only the numbers change. Eager
mode pays for a Python object per node, every step. Compiling walks the recorded graph once
(`topological_order`) and writes straight-line Python, the chain rule unrolled:

    >>> a, b = Value(2.0), Value(-3.0)
    >>> print(compile_graph((a * 0.5).relu() * b, params=[a, b]).source)
    def program(P, X, G, seed):
        p0, p1, = P
        v2 = p0 * 0.5
        v3 = v2 if v2 > 0 else 0.0
        v4 = v3 * p1
        gp0, gp1, = G
        g3 = p1 * seed
        g2 = (1.0 if v2 > 0 else 0.0) * g3
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
- Each op's code is one row of `TEMPLATES`, beside the engine's `OPS` table: the forward
  expression and the local derivative along each child edge, in the same arithmetic as the
  engine, calling the same float functions as its rows (`tinygrad_dk._floats`), so that values
  and gradients equal eager's exactly, domain errors raise the same ValueError and overflow
  gives the same inf.
- Leaves that are neither parameters nor inputs are constants, baked in as literals, and so
  is every node computed from constants alone; so are ops' constants (``.arg``). A Value you
  will change but do not list as a parameter or input is frozen at its recorded value.
- An op with no row in `TEMPLATES` (a new row in `OPS`) still works: the program calls that
  op's ``forward`` and ``local`` from `OPS`, node by node, and a `CompileFallbackWarning`
  names the op. Never silently wrong, only slower.
- The graph's shape is frozen at recording: Python ``if``s on ``.data`` in the code that built
  it, and random choices such as dropout masks, are replayed as recorded.

Three entry points:

- `compile_graph(root, params, inputs)` -> `Program`, for any graph.
- `compile_loss(build_loss, params)` -> `CompiledLoss`, what ``fit(..., compile=True)`` calls:
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
from tinygrad_dk.engine import OPS, Value, topological_order


class Template(NamedTuple):
    """One op's compiled code: forward and local derivatives, in plain Python and in numpy.

    Placeholders: ``{a}`` and ``{b}`` are the children's values, ``{k}`` a unary op's constant,
    ``{out}`` the node's own value. The Python column must compute exactly what the engine's
    `Op` row computes; the numpy column works on arrays of samples.
    """

    forward: str
    local: tuple[str, ...]
    np_forward: str
    np_local: tuple[str, ...]


# The compiled op table: one row per row of engine.OPS, with the same math.
TEMPLATES: dict[str, Template] = {
    "add": Template("{a} + {b}", ("1.0", "1.0"), "{a} + {b}", ("1.0", "1.0")),
    "mul": Template("{a} * {b}", ("{b}", "{a}"), "{a} * {b}", ("{b}", "{a}")),
    "pow": Template("_value_pow({a}, {b})", ("_d_pow({a}, {b})", "{out} * log({a}) if {a} > 0 else 0.0"),
                    "_np_value_pow({a}, {b})", ("_np_d_pow({a}, {b})", "_np_out_log({out}, {a})")),
    "addk": Template("{a} + {k}", ("1.0",), "{a} + {k}", ("1.0",)),
    "mulk": Template("{a} * {k}", ("{k}",), "{a} * {k}", ("{k}",)),
    "powk": Template("_pow({a}, {k})", ("_d_pow({a}, {k})",), "_np_pow({a}, {k})", ("_np_d_pow({a}, {k})",)),
    "exp": Template("_exp({a})", ("{out}",), "np.exp({a})", ("{out}",)),
    "log": Template("_log({a})", ("1.0 / {a}",), "_np_log({a})", ("1.0 / {a}",)),
    "sqrt": Template("_sqrt({a})", ("0.5 / {out} if {out} else inf",),
                     "_np_sqrt({a})", ("np.where({out} != 0, 0.5 / {out}, inf)",)),
    "abs": Template("abs({a})", ("1.0 if {a} > 0 else -1.0 if {a} < 0 else 0.0",),
                    "np.abs({a})", ("np.where({a} > 0, 1.0, np.where({a} < 0, -1.0, 0.0))",)),
    "tanh": Template("tanh({a})", ("1.0 - {out} * {out}",), "np.tanh({a})", ("1.0 - {out} * {out}",)),
    "sigmoid": Template("_sigmoid({a})", ("{out} * (1.0 - {out})",),
                        "_np_sigmoid({a})", ("{out} * (1.0 - {out})",)),
    "relu": Template("{a} if {a} > 0 else 0.0", ("1.0 if {a} > 0 else 0.0",),
                     "np.where({a} > 0, {a}, 0.0)", ("{a} > 0",)),  # a bool array times g: 1.0 * g or 0.0 * g
    "leaky_relu": Template("{a} if {a} > 0 else {k} * {a}", ("1.0 if {a} > 0 else {k}",),
                           "np.where({a} > 0, {a}, {k} * {a})", ("np.where({a} > 0, 1.0, {k})",)),
    "softplus": Template("_softplus({a})", ("_sigmoid({a})",), "_np_softplus({a})", ("_np_sigmoid({a})",)),
    "sin": Template("_sin({a})", ("_cos({a})",), "np.sin({a})", ("np.cos({a})",)),  # sin(inf) = nan
    "cos": Template("_cos({a})", ("-_sin({a})",), "np.cos({a})", ("-np.sin({a})",)),
    "step": Template("1.0 if {a} > 0 else 0.0", ("0.0",), "np.where({a} > 0, 1.0, 0.0)", ("0.0",)),
}


class CompileFallbackWarning(UserWarning):
    """A graph uses an op with no row in `TEMPLATES`; the program calls the engine's Op for it."""


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
    return np.where(a > 0, out * np.log(np.where(a > 0, a, 1.0)), 0.0)  # d (a**b) / db


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
    "inf": math.inf, "nan": math.nan, "log": math.log, "tanh": math.tanh, "_sin": scalar.sin, "_cos": scalar.cos,
    "_exp": scalar.exp, "_log": scalar.log, "_sqrt": scalar.sqrt, "_pow": scalar.power,
    "_value_pow": scalar.value_power, "_d_pow": scalar.d_power, "_sigmoid": scalar.sigmoid,
    "_softplus": scalar.softplus, "np": np, "_np_log": _np_log, "_np_sqrt": _np_sqrt, "_np_pow": _np_pow,
    "_np_value_pow": _np_value_pow, "_np_d_pow": _np_d_pow, "_np_out_log": _np_out_log,
    "_np_sigmoid": _np_sigmoid, "_np_softplus": _np_softplus,
}


def _fallback_template(name: str) -> Template:
    """A row that calls the engine's Op for ``name``: ``_F[name]`` etc. live in the namespace."""
    arity = OPS[name].arity
    second = "{b}" if arity == 2 else "{k}"
    return Template(f"_F[{name!r}]({{a}}, {second})",
                    tuple(f"_L[{name!r}]({{a}}, {second}, {{out}})[{e}]" for e in range(arity)),
                    f"_VF[{name!r}]({{a}}, {second})",
                    tuple(f"_VL[{name!r}, {e}]({{a}}, {second}, {{out}})" for e in range(arity)))


def _fallback_namespace(names: set[str]) -> dict[str, Any]:
    forward = {name: OPS[name].forward for name in names}
    local = {name: OPS[name].local for name in names}
    # default arguments pin each lambda to its own op and edge
    local_edges = {(name, e): _elementwise(lambda a, b, out, fn=OPS[name].local, e=e: fn(a, b, out)[e], 3)
                   for name in names for e in range(OPS[name].arity)}
    return {"_F": forward, "_L": local, "_VF": {name: _elementwise(forward[name], 2) for name in names},
            "_VL": local_edges}


def _literal(x: Any) -> str:
    """Source text for a baked-in constant (``inf`` and ``nan`` are names in the namespace)."""
    if x is None:
        return "None"
    text = repr(float(x))
    return f"({text})" if text.startswith("-") else text


class _Code(NamedTuple):
    forward: list[str]  # statements computing every node's value
    backward: list[str]  # statements computing the parameters' gradients
    roots: list[str]  # the expression for each root's value
    namespace: dict[str, Any]
    n_nodes: int


def _check_leaves(values: Sequence[Any], what: str) -> tuple[Value, ...]:
    if isinstance(values, Value) or not isinstance(values, Sequence):
        raise TypeError(f"{what} must be a list of Values, not {type(values).__name__}: {values!r}")
    leaves = tuple(values)
    for v in leaves:
        if not isinstance(v, Value):
            raise TypeError(f"{what} must be Values, not {type(v).__name__}: {v!r}")
        if v.op:
            raise ValueError(f"{what} must be leaf Values (made by no op), but got a node made by "
                             f"{v.op!r}: {v!r}; pass the leaves whose values change between runs")
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


def _generate(roots: tuple[Value, ...], params: tuple[Value, ...], inputs: tuple[Value, ...], batch: bool) -> _Code:
    """Write the forward and backward statements for the graph below ``roots``.

    The backward pass starts from ``seed`` (one root) or ``seed[k]`` (root k). With ``batch``
    the inputs are numpy columns: nodes that depend on an input use the numpy column of their
    row, and an edge from such a node into a parameter sums over the samples.
    """
    for root in roots:
        if not isinstance(root, Value):
            raise TypeError(f"a compiled graph's output must be a Value, not {type(root).__name__}: {root!r}")
    if set(params) & set(inputs):
        raise ValueError("a Value cannot be both a parameter and an input: list it in one of them")
    order = _order(roots)

    # 1. Classify: which nodes vary (depend on a parameter or an input), which are columns of
    #    samples (batch mode: depend on an input), which lead to a parameter. `operands` holds
    #    each varying inner node's (a, b, template): b is a for a unary op.
    name: dict[Value, str] = {p: f"p{j}" for j, p in enumerate(params)}
    name.update({x: f"x{j}" for j, x in enumerate(inputs)})
    variable = set(name)
    array = set(inputs) if batch else set()
    wants_grad = set(params)
    templates = dict(TEMPLATES)
    operands: dict[Value, tuple[Value, Value, Template]] = {}  # in topological order
    for node in order:
        children = node.children
        if not children or not (children[0] in variable or children[-1] in variable):
            continue  # a leaf, or computed from constants only: baked in below
        variable.add(node)
        a, b = children[0], children[-1]
        if a in wants_grad or b in wants_grad:
            wants_grad.add(node)
        if a in array or b in array:
            array.add(node)
        op = node.op
        if op not in templates:
            if op not in OPS:
                raise ValueError(f"a node was made by op {op!r}, which is not in tinygrad_dk.engine.OPS")
            warnings.warn(f"op {op!r} has no compiled form in tinygrad_dk.compile.TEMPLATES: the compiled program "
                          f"calls tinygrad_dk.engine.OPS[{op!r}] for it node by node (same results, slower); "
                          "add a row to TEMPLATES to compile it", CompileFallbackWarning, stacklevel=4)
            templates[op] = _fallback_template(op)
        operands[node] = (a, b, templates[op])

    # 2. A node's value gets its own variable when the backward pass reads it, when it is an
    #    output, or when the forward code reads it other than once; else it is written inline,
    #    inside the one expression that reads it.
    kept = set(roots)
    uses: dict[Value, int] = {}
    for node, (a, b, row) in operands.items():
        slot = {"a": a, "b": b, "out": node}
        for key, count in _placeholders(row.np_forward if node in array else row.forward):
            uses[slot[key]] = uses.get(slot[key], 0) + count
        if node in wants_grad:
            local = row.np_local if node in array else row.local
            for e, child in enumerate((a, b)[:len(local)]):
                if child in wants_grad:
                    kept.update(slot[key] for key, _ in _placeholders(local[e]))

    # 3. Forward, in topological order; constants become literals.
    forward: list[str] = []
    depth: dict[Value, int] = {}
    number: dict[Value, int] = {}
    for i, node in enumerate(order):
        number[node] = i
        if node not in operands:
            name.setdefault(node, _literal(node.data))
            continue
        a, b, row = operands[node]
        template = row.np_forward if node in array else row.forward
        code = template.format(a=name[a], b=name[b], k=_literal(node.arg))
        depth[node] = 1 + max(depth.get(a, 0), depth.get(b, 0))
        if node in kept or uses.get(node) != 1 or depth[node] > _MAX_DEPTH:
            forward.append(f"v{i} = {code}")
            name[node], depth[node] = f"v{i}", 0
        else:
            name[node] = f"({code})"

    # 4. Backward, in eager's order: parents before children, first child first. A node's
    #    gradient is the sum of its parents' contributions, added in the order eager adds them
    #    to `.grad`, in one statement written just before the node passes its gradient on. A
    #    gradient that is just another gradient (through + or `+ k`) is that name.
    grad: dict[Value, str] = {}
    terms: dict[Value, list[str]] = {node: [] for node in wants_grad}
    for k, root in enumerate(roots):
        if root in wants_grad:
            seed = "seed" if len(roots) == 1 else f"seed[{k}]"
            terms[root].append(f"{seed}.sum()" if batch and root not in array else seed)  # all samples' weights
    backward: list[str] = []

    def write_sum(target: str, parts: list[str], start: str | None) -> None:
        for c in range(0, len(parts), _MAX_DEPTH):  # at most _MAX_DEPTH terms per statement
            chunk = " + ".join(parts[c:c + _MAX_DEPTH])
            backward.append(f"{target} = {chunk}" if start is None else f"{target} = {start} + {chunk}")
            start = target

    for node in reversed(operands):
        if node not in wants_grad:
            continue
        parts = terms.pop(node)
        if len(parts) == 1 and parts[0].isidentifier():
            grad[node] = parts[0]  # an alias: nothing to compute
        else:
            grad[node] = f"g{number[node]}"
            write_sum(grad[node], parts, None)
        g = grad[node]
        a, b, row = operands[node]
        local = row.np_local if node in array else row.local
        slots = {"a": name[a], "b": name[b], "k": _literal(node.arg), "out": name[node]}
        for e, child in enumerate((a, b)[:len(local)]):
            if child not in wants_grad:
                continue
            text = local[e].format(**slots)
            factor = text if _ATOM.fullmatch(text) else f"({text})"
            if node in array and child not in array:  # this edge, summed over the samples
                reads = (slot for slot, _ in _placeholders(local[e]))
                if any(slot == "out" or (a, b)[slot == "b"] in array for slot in reads):  # a column of locals
                    terms[child].append(f"np.dot({text}, {g})")
                else:
                    terms[child].append(f"{g}.sum()" if text == "1.0" else f"{factor} * {g}.sum()")
            else:
                terms[child].append(g if text == "1.0" else f"{factor} * {g}")  # 1.0 * g == g exactly
    for j, p in enumerate(params):  # each parameter's gradient starts from G, as .grad accumulates
        if terms[p]:
            write_sum(f"gp{j}", terms[p], f"gp{j}")
    namespace = dict(_NAMESPACE)
    missing = set(templates) - set(TEMPLATES)
    if missing:
        namespace.update(_fallback_namespace(missing))
    return _Code(forward, backward, [name[root] for root in roots], namespace, len(order))


_INDENT = "\n    "


def _function(namespace: dict[str, Any], signature: str, body: list[str], filename: str
              ) -> tuple[Callable[..., Any], str]:
    """``def program(signature): body`` compiled in a copy of ``namespace``; and its source."""
    source = _INDENT.join([f"def program({signature}):", *body])
    namespace = dict(namespace)
    exec(compile(source, filename, "exec"), namespace)
    return namespace["program"], source


def _unpack(names: list[str], sequence: str) -> list[str]:
    return [f"{', '.join(names)}, = {sequence}"] if names else []


def _floats(values: Sequence[Any], count: int | None, what: str) -> list[float]:
    """``values`` as floats, checked: a list of numbers, ``count`` of them unless None."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise TypeError(f"{what} must be a list of numbers, not {type(values).__name__}: {values!r}")
    if count is not None and len(values) != count:
        raise ValueError(f"expected {count} {what}, one per compiled leaf, but got {len(values)}")
    floats = list(values)
    if set(map(type, floats)) == {float}:  # the usual case, checked at C speed: nothing to convert
        return floats
    return [scalar.as_float(v, what) for v in floats]


class Program:
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
        v5 = (v3 if v3 > 0 else 0.0) * 0.5
        gp0, gp1, = G
        g4 = 0.5 * seed
        g3 = (1.0 if v3 > 0 else 0.0) * g4
        gp0 = gp0 + g3 + p1 * g3
        gp1 = gp1 + p0 * g3
        return v5, [gp0, gp1]
    """

    def __init__(self, root: Value, params: Sequence[Value], inputs: Sequence[Value] = ()) -> None:
        self.params = _check_leaves(params, "params")
        self.inputs = _check_leaves(inputs, "inputs")
        code = _generate((root,), self.params, self.inputs, batch=False)
        self.n_nodes = code.n_nodes
        grads = [f"gp{j}" for j in range(len(self.params))]
        leaves = _unpack([f"p{j}" for j in range(len(self.params))], "P") + _unpack(
            [f"x{j}" for j in range(len(self.inputs))], "X")
        body = [*leaves, *code.forward, *_unpack(grads, "G"), *code.backward,
                f"return {code.roots[0]}, [{', '.join(grads)}]"]
        self._run, self.source = _function(code.namespace, "P, X, G, seed", body, "<tinygrad_dk compiled graph>")
        # the forward-only function is compiled on first use, from run's first statements
        self._forward_body = (code.namespace, [*leaves, *code.forward, f"return {code.roots[0]}"])
        self._forward: Callable[..., Any] | None = None

    def run(self, param_values: Sequence[float], input_values: Sequence[float] = (),
            grads: Sequence[float] | None = None, seed: float = 1.0) -> tuple[float, list[float]]:
        """Forward and backward at new values: ``(root value, d root / d param for each param)``.

        ``grads`` are gradients to add to (zeros by default), as eager ``backward`` adds to
        ``.grad``; ``seed`` is the gradient of the root itself, as in ``backward(grad)``.
        """
        n = len(self.params)
        start = [0.0] * n if grads is None else _floats(grads, n, "grads")
        root, gradients = self._run(_floats(param_values, n, "parameter values"),
                                    _floats(input_values, len(self.inputs), "input values"), start,
                                    scalar.as_float(seed, "seed"))
        return float(root), gradients

    def forward(self, param_values: Sequence[float], input_values: Sequence[float] = ()) -> float:
        """The root's value only (no backward pass), at new parameter and input values."""
        if self._forward is None:
            namespace, body = self._forward_body
            self._forward, _ = _function(namespace, "P, X", body, "<tinygrad_dk compiled forward>")
        return float(self._forward(_floats(param_values, len(self.params), "parameter values"),
                                   _floats(input_values, len(self.inputs), "input values")))

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
            raise TypeError(f"build_loss must be a function that returns the loss Value, not "
                            f"{type(build_loss).__name__}: {build_loss!r}")
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


class BatchProgram:
    """One sample's graph, run over many samples at once as numpy columns.

    >>> w, b = Value(2.0), Value(0.0)
    >>> program = compile_batch(lambda x: (w * x[0] + b - x[1]) ** 2, [w, b], example=[1.0, 0.0])
    >>> values, grads = program.run([2.0, 0.0], [[1.0, 2.0], [3.0, 6.0], [2.0, 1.0]])
    >>> values.tolist(), grads  # squared errors; gradient of their sum: 2*3*2 = 12, 2*3 = 6
    ([0.0, 0.0, 9.0], [12.0, 6.0])
    """

    def __init__(self, build: Callable[[list[Value]], Value | Sequence[Value]], params: Sequence[Value],
                 example: Sequence[float]) -> None:
        self.params = _check_leaves(params, "params")
        if not callable(build):
            raise TypeError(f"build must be a function of a list of input Values, not {type(build).__name__}")
        inputs = [Value(x) for x in _floats(example, None, "example values")]
        self.n_inputs = len(inputs)
        out = build(inputs)
        self.n_outputs = 0 if isinstance(out, Value) else len(out)  # 0: one Value, not a list
        roots = (out,) if isinstance(out, Value) else tuple(out)
        if not roots:
            raise ValueError("build returned an empty list: return a Value, or a list of Values")
        code = _generate(roots, self.params, tuple(inputs), batch=True)
        self.n_nodes = code.n_nodes
        grads = [f"gp{j}" for j in range(len(self.params))]
        leaves = _unpack([f"p{j}" for j in range(len(self.params))], "P") + _unpack(
            [f"x{j}" for j in range(self.n_inputs)], "X")
        outputs = ", ".join(code.roots) + ("," if self.n_outputs else "")  # a tuple for a list of outputs
        body = [*leaves, *code.forward, *_unpack(grads, "G"), *code.backward,
                f"return ({outputs}), [{', '.join(grads)}]"]
        self._run, self.source = _function(code.namespace, "P, X, G, seed", body, "<tinygrad_dk compiled batch>")
        self._forward, _ = _function(code.namespace, "P, X", [*leaves, *code.forward, f"return ({outputs})"],
                                     "<tinygrad_dk compiled batch forward>")

    def _columns(self, rows: Any) -> tuple[list[np.ndarray], int]:
        data = np.asarray(rows, dtype=float)
        if data.ndim != 2 or data.shape[1] != self.n_inputs or data.shape[0] == 0:
            raise ValueError(f"rows must be a 2-D array of shape (samples, {self.n_inputs}), one row per sample "
                             f"and at least one sample, but got shape {data.shape}")
        return list(np.ascontiguousarray(data.T)), data.shape[0]

    def _outputs(self, out: Any, n: int) -> np.ndarray:
        if not self.n_outputs:
            return np.broadcast_to(np.asarray(out, dtype=float), (n,)).copy()
        return np.stack([np.broadcast_to(np.asarray(o, dtype=float), (n,)) for o in out], axis=1)

    def run(self, param_values: Sequence[float], rows: Any, weights: Any = None) -> tuple[np.ndarray, list[float]]:
        """Each sample's output(s), and ``d sum(weights * outputs) / d param`` (weights default to ones).

        Outputs have shape ``(samples,)``, or ``(samples, k)`` when ``build`` returns k Values;
        ``weights`` has the same shape. With weights ``1 / samples`` the gradients are those
        of the mean over the batch.
        """
        values = _floats(param_values, len(self.params), "parameter values")
        columns, n = self._columns(rows)
        shape = (n, self.n_outputs) if self.n_outputs else (n,)
        seed = np.ones(shape) if weights is None else np.asarray(weights, dtype=float)
        if seed.shape != shape:
            raise ValueError(f"weights must have one number per sample and output, shape {shape}, "
                             f"but got shape {seed.shape}")
        with np.errstate(all="ignore"):  # overflow gives inf, as in eager; domain errors raise
            out, grads = self._run(values, columns, [0.0] * len(values), list(seed.T) if self.n_outputs else seed)
        return self._outputs(out, n), [float(g) for g in grads]

    def forward(self, param_values: Sequence[float], rows: Any) -> np.ndarray:
        """Each sample's output(s), without the backward pass: shape ``(samples,)`` or ``(samples, k)``."""
        values = _floats(param_values, len(self.params), "parameter values")
        columns, n = self._columns(rows)
        with np.errstate(all="ignore"):
            return self._outputs(self._forward(values, columns), n)

    def __repr__(self) -> str:
        outputs = f", outputs={self.n_outputs}" if self.n_outputs else ""
        return f"BatchProgram(nodes={self.n_nodes}, params={len(self.params)}, inputs={self.n_inputs}{outputs})"


def compile_batch(build: Callable[[list[Value]], Value | Sequence[Value]], params: Sequence[Value],
                  example: Sequence[float]) -> BatchProgram:
    """Record ``build(xs)`` on one sample (``xs``: one Value per number of ``example``); run it on batches.

    ``build`` returns a Value, or a list of Values (a model with several outputs), and must
    make the same graph for every sample. See `BatchProgram` for an example.
    """
    return BatchProgram(build, params, example)


# --- training steps for fit ---

def compile_fit_step(forward: Callable[[Any], Any], loss: Callable[[list[Any], list[Any]], Value],
                     params: Sequence[Value], rows: Sequence[Sequence[float]], targets: Sequence[Any], *,
                     l2: float = 0.0, full_batch: bool = True) -> Callable[[Sequence[int]], float]:
    """``fit(compile=True)``'s step: ``step(batch)`` adds the batch loss's gradients to ``.grad``, returns the loss.

    ``forward(xs)`` is one sample's output as ``loss(outputs, targets)`` takes it, and
    ``loss`` gives a batch's mean loss; ``batch`` lists indices into ``rows`` and ``targets``;
    ``l2`` adds ``l2 * sum(p**2)`` over ``params``.

    - ``full_batch=True``: the whole loss graph over every row is one `CompiledLoss`, the
      engine's arithmetic to the last bit; ``batch`` is then always every row.
    - Mini-batches change every step, but a batch's loss is the mean of its samples' losses:
      each sample runs the `Program` of its target (one per distinct target, the sample's
      numbers as program inputs) with ``seed = 1 / len(batch)``, adding to the gradients.
      Equal to eager up to the order of the sums (about 1e-16).

    >>> from tinygrad_dk.losses import mse
    >>> w = Value(2.0)
    >>> step = compile_fit_step(lambda xs: w * xs[0], mse, [w], [[1.0], [3.0]], [1.0, 3.0], full_batch=False)
    >>> step([0, 1]), w.grad  # ((2 - 1)**2 + (6 - 3)**2) / 2; d/dw = (2 * 1 * 1 + 2 * 3 * 3) / 2
    (5.0, 10.0)
    """
    from tinygrad_dk import losses  # the penalty's graph, exactly as eager fit builds it

    if full_batch:
        def build() -> Value:
            value = loss([forward(row) for row in rows], list(targets))
            return value + losses.l2(params) * l2 if l2 else value

        whole = compile_loss(build, params)
        return lambda batch: whole()

    keys = [repr(t) for t in targets]
    programs: dict[str, Program] = {}
    for i, key in enumerate(keys):
        if key not in programs:
            xs = [Value(v) for v in rows[i]]
            programs[key] = compile_graph(loss([forward(xs)], [targets[i]]), params, xs)
    penalty = compile_loss(lambda: losses.l2(params) * l2, params) if l2 else None

    def step(batch: Sequence[int]) -> float:
        values, grads, total, weight = [p.data for p in params], [p.grad for p in params], 0.0, 1.0 / len(batch)
        for i in batch:
            value, grads = programs[keys[i]].run(values, rows[i], grads, weight)
            total += value
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        return total / len(batch) + (penalty() if penalty is not None else 0.0)

    return step
