"""Benchmark tinygrad_dk against micrograd 0.1.0, side by side in one process.

    python benchmarks/bench.py            # the full run (under 10 minutes)
    python benchmarks/bench.py --quick    # smaller sizes, fewer repeats (under a minute)
    python benchmarks/bench.py --sizes tiny   # every check, tiny sizes: what the tests run
    python benchmarks/bench.py --only matrix  # the matrix rows only: moons step, 10,000 against torch, 1,000,000

Needs micrograd: ``pip install -e '.[bench]'``. What is measured, and how:

- Every timed run is one call of a workload, and ends with ``gc.collect()`` inside its own
  timing: the cyclic garbage an engine leaves behind is that engine's cost. Runs of the
  engines alternate (A B C A B C ...), and the tables show medians, so a noisy neighbour on
  the machine hits every engine alike.
- Before anything is timed, each workload runs once per engine and the results are
  compared: the same loss and gradients to 1e-9 (micrograd against tinygrad_dk), to 1e-12
  (compiled against eager). A mismatch aborts the run.
- Workloads build the same number of nodes in both engines. tinygrad_dk does not make leaf
  nodes for plain numbers (``x * 2.0`` is one node) while micrograd does, so the chain and
  the sum multiply by shared Value leaves, not by numbers.
- The chain and the sum also time `BareNode`, a yardstick rather than an engine: the least a
  node object can be (six slots, the two ops inline, no op table, no checks) and still run
  backward. No design with one Python object per node can beat it by much, so its speed-up
  over micrograd is about the most such a design can reach on that workload.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, NamedTuple, cast

import numpy as np

try:
    import micrograd.engine
    import micrograd.nn
except ImportError:
    sys.exit("benchmarks/bench.py needs micrograd 0.1.0: pip install -e '.[bench]'")

from tinygrad_dk.compile import compile_batch, compile_graph, compile_loss
from tinygrad_dk.data import make_moons
from tinygrad_dk.engine import Value, topological_order
from tinygrad_dk.matrix import MatrixForm
from tinygrad_dk.nn import MLP

MicroValue = micrograd.engine.Value


# --- the machine ---


def machine() -> str:
    """CPU model, cores, Python and platform, for the top of the report."""
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            cpu = next((line.split(":", 1)[1].strip() for line in file if line.startswith("model name")), cpu)
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()} "
        f"({platform.python_implementation()}); {platform.platform()}"
    )


# --- timing: interleaved runs, medians, garbage collected inside each run ---


def interleaved(cases: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """The median seconds of each case over ``repeats`` rounds of A, B, C, A, B, C, ...

    What exists before the first run (modules, numpy, models, data) is frozen out of the
    garbage collector's sight: it is nobody's garbage, and walking it would add the same
    few milliseconds to every run of every engine.
    """
    times: dict[str, list[float]] = {name: [] for name in cases}
    gc.collect()
    gc.freeze()
    try:
        for _ in range(repeats):
            for name, run in cases.items():
                gc.collect()  # start from a clean heap, untimed
                start = time.perf_counter()
                run()  # whatever the run built is dropped when it returns...
                gc.collect()  # ...and what reference counting could not free is collected here, timed
                times[name].append(time.perf_counter() - start)
    finally:
        gc.unfreeze()
    return {name: statistics.median(ts) for name, ts in times.items()}


def check(what: str, got: Sequence[float], want: Sequence[float], tol: float) -> None:
    """Abort the benchmark unless ``got`` equals ``want`` to ``tol`` (relative, or absolute near 0)."""
    if len(got) != len(want):
        sys.exit(f"check failed: {what}: {len(got)} numbers against {len(want)}")
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        if not abs(g - w) <= tol * max(1.0, abs(g), abs(w)):
            sys.exit(
                f"check failed: {what}: number {i} is {g!r} against {w!r} (tolerance {tol:g}); "
                "the engines disagree, so their timings would not compare the same work"
            )


def seconds(t: float) -> str:
    """A duration with a readable unit."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t / 1e-9:.3g} ns"


ROWS: list[tuple[str, str, str, str]] = []


def row(name: str, micro: str, ours: str, ratio: str) -> None:
    """Print one result line now (a long run shows its progress) and keep it for the summary."""
    ROWS.append((name, micro, ours, ratio))
    print(f"  {name:<46} {micro:>12} {ours:>12} {ratio:>10}", flush=True)


def ratio(slow: float, fast: float) -> str:
    return f"{slow / fast:,.1f}x"


# --- the moons step: micrograd's demo, for both engines ---


def moons_data(n: int) -> tuple[list[list[float]], list[float]]:
    X, labels = make_moons(n, noise=0.1, seed=0)
    return X, [2.0 * c - 1.0 for c in labels]  # -1 / +1, as micrograd's demo


def micro_mlp_like(model: MLP) -> micrograd.nn.MLP:
    """micrograd's own MLP, with the weights of ``model`` (same architecture, same order)."""
    state = random.getstate()  # micrograd draws its weights from the global random state: leave it as it was
    try:
        micro = micrograd.nn.MLP(model.nin, list(model.nouts))
    finally:
        random.setstate(state)
    for m, p in zip(micro.parameters(), model.parameters(), strict=True):
        m.data = p.data
    return micro


def moons_loss(
    value: Callable[[float], Any], model: Callable[[Any], Any], params: list[Any], X: list[list[float]], y: list[float]
) -> Any:
    """micrograd's demo loss, written once for both engines: hinge loss + 1e-4 * L2."""
    inputs = [[value(a) for a in row] for row in X]
    scores = [model(x) for x in inputs]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in params)
    return data_loss + reg_loss


def eager_step(
    value: Callable[[float], Any], model: Any, params: list[Any], X: list[list[float]], y: list[float], lr: float
) -> tuple[float, list[float]]:
    """One SGD step in eager mode: build the loss, backward, update. Returns the loss and gradients."""
    loss = moons_loss(value, model, params, X, y)
    for p in params:
        p.grad = 0.0
    loss.backward()
    grads = [p.grad for p in params]
    for p in params:
        p.data -= lr * p.grad
    return loss.data, grads


class BatchStep:
    """The moons step as one sample's graph over the whole batch (numpy) plus the L2 term."""

    def __init__(self, model: MLP, X: list[list[float]], y: list[float]) -> None:
        self.params = model.parameters()
        # one sample's hinge loss; the label is an input too, so that one graph serves every sample
        self.batch = compile_batch(lambda xs: (1 + -xs[2] * model(xs[:2])).relu(), self.params, example=[*X[0], y[0]])
        self.reg = compile_graph(cast(Value, 1e-4 * sum(p * p for p in self.params)), self.params)
        self.rows = np.array([[*x, yi] for x, yi in zip(X, y, strict=True)])
        self.weights = np.full(len(X), 1.0 / len(X))  # the mean over the batch

    def __call__(self, lr: float) -> tuple[float, list[float]]:
        values = [p.data for p in self.params]
        losses, data_grads = self.batch.run(values, self.rows, self.weights)
        reg, reg_grads = self.reg.run(values)
        grads = [a + b for a, b in zip(data_grads, reg_grads, strict=True)]
        for p, g in zip(self.params, grads, strict=True):
            p.grad = g
            p.data -= lr * g
        return float(losses @ self.weights) + reg, grads


class MatrixStep:
    """The moons step as matrices (`tinygrad_dk.matrix`): hinge loss + 1e-4 * L2 over the batch, then SGD."""

    def __init__(self, model: MLP, X: Any, y: Any) -> None:
        self.params = model.parameters()
        self.form = MatrixForm(model, "hinge")
        self.X = np.asarray(X, dtype=float)
        self.T = np.asarray(y, dtype=float).reshape(-1, 1)

    def __call__(self, lr: float) -> tuple[float, list[float]]:
        loss, grads = self.form.loss_and_grads(self.X, self.T, 1e-4)
        for p, g in zip(self.params, grads, strict=True):
            p.grad = g
            p.data -= lr * g
        return loss, grads


class TorchStep:
    """The same step in PyTorch, CPU, float64: the model's weights copied into tensors once."""

    def __init__(self, model: MLP, X: Any, y: Any) -> None:
        import torch

        self.torch = torch
        self.layers = [
            (
                torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True),
                torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True),
            )
            for layer in model.layers
        ]
        self.X = torch.tensor(np.asarray(X, dtype=float))
        self.T = torch.tensor(np.asarray(y, dtype=float)).reshape(-1, 1)

    def __call__(self, lr: float) -> tuple[float, list[float]]:
        torch = self.torch
        A = self.X
        for i, (W, b) in enumerate(self.layers):
            Z = A @ W.T + b
            A = Z if i == len(self.layers) - 1 else torch.relu(Z)
        loss = torch.relu(1.0 - self.T * A).mean() + 1e-4 * sum((W * W).sum() + (b * b).sum() for W, b in self.layers)
        loss.backward()
        grads: list[float] = []
        with torch.no_grad():
            for W, b in self.layers:
                dW, db = cast(Any, W.grad), cast(Any, b.grad)  # set by backward
                grads += torch.cat([dW, db[:, None]], dim=1).flatten().tolist()
                W -= lr * dW
                b -= lr * db
                W.grad, b.grad = None, None
        return float(loss.detach()), grads


def bench_moons(n_samples: int, repeats: int, lockstep_steps: int) -> None:
    print(f"\nmoons step: {n_samples} samples, MLP(2, [16, 16, 1]), hinge loss + L2, backward, SGD", flush=True)
    X, y = moons_data(n_samples)
    lr = 0.05

    # 1. the engines agree: micrograd and tinygrad_dk, one step from the same weights
    ours = MLP(2, [16, 16, 1], seed=1)
    micro = micro_mlp_like(ours)
    want = eager_step(MicroValue, micro, micro.parameters(), X, y, lr)
    got = eager_step(Value, ours, ours.parameters(), X, y, lr)
    check("moons step loss, tinygrad_dk against micrograd", [got[0]], [want[0]], 1e-9)
    check("moons step gradients, tinygrad_dk against micrograd", got[1], want[1], 1e-9)
    nodes = len(topological_order(moons_loss(Value, ours, ours.parameters(), X, y)))

    # 2. compiled equals eager, step after step of training (each on its own copy of the model)
    eager_model, compiled_model, batch_model, matrix_model = (MLP(2, [16, 16, 1], seed=1) for _ in range(4))
    start = time.perf_counter()
    step = compile_loss(
        lambda: moons_loss(Value, compiled_model, compiled_model.parameters(), X, y), compiled_model.parameters()
    )
    compile_seconds = time.perf_counter() - start
    start = time.perf_counter()
    batch_step = BatchStep(batch_model, X, y)
    batch_compile_seconds = time.perf_counter() - start
    matrix_step = MatrixStep(matrix_model, X, y)
    for k in range(lockstep_steps):
        want = eager_step(Value, eager_model, eager_model.parameters(), X, y, lr)
        params = compiled_model.parameters()
        for p in params:
            p.grad = 0.0
        loss = step()
        got = (loss, [p.grad for p in params])
        for p in params:
            p.data -= lr * p.grad
        check(f"compiled moons step {k}: loss", [got[0]], [want[0]], 1e-12)
        check(f"compiled moons step {k}: gradients", got[1], want[1], 1e-12)
        batched = batch_step(lr)
        check(f"batched moons step {k}: loss", [batched[0]], [want[0]], 1e-9)
        check(f"batched moons step {k}: gradients", batched[1], want[1], 1e-9)
        matrix = matrix_step(lr)
        check(f"matrix moons step {k}: loss", [matrix[0]], [want[0]], 1e-12)
        check(f"matrix moons step {k}: gradients", matrix[1], want[1], 1e-12)
    print(
        f"  checks: tinygrad_dk = micrograd (1e-9); compiled = eager (1e-12), batched = eager (1e-9) and "
        f"matrices = eager (1e-12) on "
        f"each of {lockstep_steps} SGD steps",
        flush=True,
    )

    # 3. time them, interleaved
    compiled_params = compiled_model.parameters()

    def compiled_step() -> None:
        for p in compiled_params:
            p.grad = 0.0
        step()
        for p in compiled_params:
            p.data -= lr * p.grad

    t = interleaved(
        {
            "micrograd": lambda: eager_step(MicroValue, micro, micro.parameters(), X, y, lr),
            "eager": lambda: eager_step(Value, ours, ours.parameters(), X, y, lr),
            "compiled": compiled_step,
            "batched": lambda: batch_step(lr),
            "matrix": lambda: matrix_step(lr),
        },
        repeats,
    )
    row(
        f"moons step, eager ({nodes:,} nodes)",
        seconds(t["micrograd"]),
        seconds(t["eager"]),
        ratio(t["micrograd"], t["eager"]),
    )
    row(
        "moons step, compiled straight-line",
        seconds(t["micrograd"]),
        seconds(t["compiled"]),
        ratio(t["micrograd"], t["compiled"]),
    )
    row(
        "moons step, compiled batch (numpy)",
        seconds(t["micrograd"]),
        seconds(t["batched"]),
        ratio(t["micrograd"], t["batched"]),
    )
    row(
        "moons step, matrices (numpy)",
        seconds(t["micrograd"]),
        seconds(t["matrix"]),
        ratio(t["micrograd"], t["matrix"]),
    )
    row(
        "  compile once: straight-line (record+generate)",
        "",
        seconds(compile_seconds),
        f"= {compile_seconds / t['eager']:.0f} steps",
    )
    row("  compile once: batch (one sample's graph)", "", seconds(batch_compile_seconds), "")


def bench_full_batch(n_samples: int, repeats: int, eager_too: bool) -> None:
    print(f"\nfull-batch training on {n_samples:,} moons samples: seconds per epoch (one step)", flush=True)
    X, y = moons_data(n_samples)
    model = MLP(2, [16, 16, 1], seed=1)
    batch_step = BatchStep(model, X, y)
    t = interleaved({"batched": lambda: batch_step(0.05)}, repeats)
    if eager_too:  # once: a graph of ~6.6 million nodes
        eager_model = MLP(2, [16, 16, 1], seed=1)
        te = interleaved({"eager": lambda: eager_step(Value, eager_model, eager_model.parameters(), X, y, 0.05)}, 1)
        row(
            f"epoch of {n_samples:,} (left: tinygrad_dk eager)",
            seconds(te["eager"]),
            seconds(t["batched"]),
            ratio(te["eager"], t["batched"]),
        )
    else:
        row(f"epoch of {n_samples:,}, compiled batch", "", seconds(t["batched"]), "")


# --- matrices: against PyTorch, at a million samples, and how time grows ---


def bench_matrix_torch(n_samples: int, repeats: int) -> None:
    print(f"\nfull-batch epoch on {n_samples:,} moons samples: matrices against PyTorch CPU float64", flush=True)
    try:
        import torch
    except ImportError:
        print("  (PyTorch is not installed: skipped)", flush=True)
        return
    torch.set_num_threads(1)  # numpy's matrix products run on one core here too (a shared machine)
    X, y = moons_data(n_samples)
    ours, theirs = MatrixStep(MLP(2, [16, 16, 1], seed=1), X, y), TorchStep(MLP(2, [16, 16, 1], seed=1), X, y)
    for k in range(2):
        got, want = ours(0.05), theirs(0.05)
        check(f"matrix epoch {k} against torch: loss", [got[0]], [want[0]], 1e-12)
        check(f"matrix epoch {k} against torch: gradients", got[1], want[1], 1e-12)
    t = interleaved({"torch": lambda: theirs(0.05), "matrix": lambda: ours(0.05)}, repeats)
    row(
        f"epoch of {n_samples:,}, matrices (left: torch f64)",
        seconds(t["torch"]),
        seconds(t["matrix"]),
        ratio(t["torch"], t["matrix"]),
    )


def bench_matrix_million(n_samples: int, repeats: int) -> None:
    print(f"\nfull-batch epoch on {n_samples:,} moons samples with matrices: time and peak memory", flush=True)
    X, y = moons_data(n_samples)
    model = MLP(2, [16, 16, 1], seed=1)
    step = MatrixStep(model, X, y)
    del X, y  # the samples live on as one numpy array
    t = interleaved({"matrix": lambda: step(0.05)}, repeats)
    gc.collect()
    tracemalloc.start()
    try:
        step(0.05)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    row(f"epoch of {n_samples:,}, matrices", "", seconds(t["matrix"]), "")
    row("  peak memory of that epoch (tracemalloc)", "", f"{peak / 1e6:.0f} MB", "")


def bench_matrix_scaling(
    samples: Sequence[int], widths: Sequence[int], width_samples: int, repeats: int, plot: str | None
) -> None:
    print("\nmatrices: seconds per full-batch epoch as samples and width grow", flush=True)
    by_samples, by_width = [], []
    for n in samples:
        step = MatrixStep(MLP(2, [16, 16, 1], seed=1), *moons_data(n))
        by_samples.append(interleaved({"matrix": partial(step, 0.05)}, repeats)["matrix"])
        row(f"epoch of {n:,}, MLP(2, [16, 16, 1])", "", seconds(by_samples[-1]), "")
    for width in widths:
        step = MatrixStep(MLP(2, [width, width, 1], seed=1), *moons_data(width_samples))
        by_width.append(interleaved({"matrix": partial(step, 0.05)}, repeats)["matrix"])
        row(f"epoch of {width_samples:,}, width {width}", "", seconds(by_width[-1]), "")
    if plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
        left.loglog(samples, by_samples, "o-")
        left.set(xlabel="samples", ylabel="seconds per epoch", title="MLP(2, [16, 16, 1]), full batch")
        right.loglog(widths, by_width, "o-")
        right.set(xlabel="width w", ylabel="seconds per epoch", title=f"MLP(2, [w, w, 1]), {width_samples:,} samples")
        for ax in (left, right):
            ax.grid(True, which="both", alpha=0.3)
        fig.tight_layout()
        fig.savefig(plot, dpi=100)
        plt.close(fig)
        print(f"  wrote {plot}", flush=True)


# --- a long chain and a wide sum ---


class BareNode:
    """The least a node object can be and still run backward: no op table, no checks, no label.

    Not an engine: a yardstick. It has the two ops the chain and the sum need, written
    inline, and a `backward` with the engine's topological order (but not its reset of the
    inner nodes' gradients, so it does a little less work). It shows how fast a design with
    one Python object per node can be on these workloads, the garbage collector included,
    and so how much of the gap to a target is the design's at all.
    """

    __slots__ = ("data", "grad", "a", "da", "b", "db")

    def __init__(
        self, data: float, a: BareNode | None = None, da: float = 0.0, b: BareNode | None = None, db: float = 0.0
    ) -> None:
        self.data, self.grad, self.a, self.da, self.b, self.db = data, 0.0, a, da, b, db

    def __mul__(self, other: BareNode) -> BareNode:
        return BareNode(self.data * other.data, self, other.data, other, self.data)

    def __add__(self, other: BareNode) -> BareNode:
        return BareNode(self.data + other.data, self, 1.0, other, 1.0)

    def backward(self) -> None:
        order: list[BareNode] = []
        seen: set[BareNode] = set()
        stack: list[BareNode | None] = [self]
        while stack:
            node = stack.pop()
            if node is None:
                order.append(cast(BareNode, stack.pop()))
            elif node not in seen:
                seen.add(node)
                stack += (node, None)
                for child in (node.a, node.b):
                    if child is not None and child not in seen:
                        stack.append(child)
        self.grad = 1.0
        for node in reversed(order):
            if node.a is not None and node.b is not None:
                node.a.grad += node.da * node.grad
                node.b.grad += node.db * node.grad


ENGINES: dict[str, Callable[[float], Any]] = {"micrograd": MicroValue, "ours": Value, "bare": BareNode}


def chain(value: Callable[[float], Any], n: int) -> tuple[float, float, float]:
    """x = x * c, n times, with c one shared Value leaf: one node per link in both engines; then backward."""
    c, x0 = value(1.0 - 1e-7), value(1.0)
    x = x0
    for _ in range(n):
        x = x * c
    x.backward()
    return x.data, x0.grad, c.grad


def bench_chain(n: int, repeats: int) -> None:
    print(f"\nchain: x = x * c for {n:,} links, build and backward", flush=True)
    results = {name: chain(engine, n) for name, engine in ENGINES.items()}
    check("chain value and gradients, tinygrad_dk against micrograd", results["ours"], results["micrograd"], 1e-9)
    check("chain value and gradients, bare node against micrograd", results["bare"], results["micrograd"], 1e-9)
    t = interleaved({name: partial(chain, engine, n) for name, engine in ENGINES.items()}, repeats)
    row(
        f"chain of {n:,}, per link",
        seconds(t["micrograd"] / n),
        seconds(t["ours"] / n),
        ratio(t["micrograd"], t["ours"]),
    )
    row(
        "  yardstick: bare node, per link",
        seconds(t["micrograd"] / n),
        seconds(t["bare"] / n),
        ratio(t["micrograd"], t["bare"]),
    )


def bench_sum(n: int, repeats: int) -> None:
    print(f"\nsum of {n:,} products a_i * b_i (leaves made beforehand), build and backward", flush=True)
    rng = random.Random(0)
    numbers = [(rng.uniform(-1, 1), rng.uniform(-1, 1)) for _ in range(n)]
    leaves = {
        name: ([engine(a) for a, _ in numbers], [engine(b) for _, b in numbers]) for name, engine in ENGINES.items()
    }

    def products(name: str) -> list[float]:
        A, B = leaves[name]
        for leaf in (*A, *B):
            leaf.grad = 0.0
        total = sum((a * b for a, b in zip(A, B, strict=True)), ENGINES[name](0.0))  # a Value start: no plain 0
        total.backward()
        return [total.data, *(a.grad for a in A[:100]), *(b.grad for b in B[:100])]

    check("sum of products, tinygrad_dk against micrograd", products("ours"), products("micrograd"), 1e-9)
    check("sum of products, bare node against micrograd", products("bare"), products("micrograd"), 1e-9)
    t = interleaved({name: partial(products, name) for name in ENGINES}, repeats)
    row(f"sum of {n:,} products", seconds(t["micrograd"]), seconds(t["ours"]), ratio(t["micrograd"], t["ours"]))
    row("  yardstick: bare node", seconds(t["micrograd"]), seconds(t["bare"]), ratio(t["micrograd"], t["bare"]))


# --- memory ---


def count_nodes(root: Any) -> int:
    """Nodes below ``root`` in either engine, by an explicit stack over ``_prev``."""
    seen = {id(root)}
    stack = [root]
    while stack:
        for child in stack.pop()._prev:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


def bytes_per_node(build: Callable[[], Any]) -> tuple[float, int]:
    """Bytes allocated by ``build()`` while its graph is alive (tracemalloc), per node, and the node count."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        root = build()
        size = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return size / count_nodes(root), count_nodes(root)


def bench_memory(chain_links: int, moons_samples: int) -> None:
    print("\nmemory: bytes per node of a graph built and kept alive (tracemalloc)", flush=True)

    def build_chain(value: Callable[[float], Any]) -> Any:
        c = x = value(0.5)
        for _ in range(chain_links):
            x = x * c
        return x

    micro, n_micro = bytes_per_node(lambda: build_chain(MicroValue))
    ours, n_ours = bytes_per_node(lambda: build_chain(Value))
    row(f"chain of {chain_links:,}: bytes per node", f"{micro:.0f} B", f"{ours:.0f} B", ratio(micro, ours))
    if moons_samples:
        X, y = moons_data(moons_samples)
        model = MLP(2, [16, 16, 1], seed=1)
        micro_model = micro_mlp_like(model)
        micro, n_micro = bytes_per_node(lambda: moons_loss(MicroValue, micro_model, micro_model.parameters(), X, y))
        ours, n_ours = bytes_per_node(lambda: moons_loss(Value, model, model.parameters(), X, y))
        row(
            f"moons graph: bytes per node ({n_micro:,} / {n_ours:,})",
            f"{micro:.0f} B",
            f"{ours:.0f} B",
            ratio(micro, ours),
        )
        row(
            "moons graph: megabytes",
            f"{micro * n_micro / 1e6:.1f} MB",
            f"{ours * n_ours / 1e6:.1f} MB",
            ratio(micro * n_micro, ours * n_ours),
        )


# --- small MLPs, one input ---


def forward_backward(model: Any, x: list[float], passes: int) -> list[float]:
    """``passes`` times: zero the gradients, forward one input, backward from the output."""
    params = model.parameters()
    for _ in range(passes):
        for p in params:
            p.grad = 0.0
        out = model(x)
        out.backward()
    return [out.data, *(p.grad for p in params)]


def bench_mlp(widths: Sequence[int], repeats: int) -> None:
    print("\nMLP(2, [w, w, 1]): forward and backward for one input", flush=True)
    x = [0.5, -1.2]
    for width in widths:
        ours = MLP(2, [width, width, 1], seed=1)
        micro = micro_mlp_like(ours)
        passes = max(1, 20_000 // (width * width + 4 * width))  # about the same work per timed run
        check(
            f"MLP width {width}, tinygrad_dk against micrograd",
            forward_backward(ours, x, 1),
            forward_backward(micro, x, 1),
            1e-9,
        )
        t = interleaved(
            {
                "micrograd": partial(forward_backward, micro, x, passes),
                "ours": partial(forward_backward, ours, x, passes),
            },
            repeats,
        )
        row(
            f"MLP width {width}, per forward+backward",
            seconds(t["micrograd"] / passes),
            seconds(t["ours"] / passes),
            ratio(t["micrograd"], t["ours"]),
        )


class Sizes(NamedTuple):
    """How big and how often: one preset per ``--sizes``."""

    repeats: int  # rounds of the moons step, the 10,000-sample epoch and the MLPs
    lockstep: int  # SGD steps on which compiled and batched must equal eager
    eager_epoch: bool  # also time one eager 10,000-sample epoch (a 6.6-million-node graph)
    chain: int
    chain_repeats: int
    sum: int
    sum_repeats: int
    memory_chain: int
    memory_moons: int  # 0: skip the moons graph's memory
    matrix_epoch: int  # samples of the big full-batch epoch with matrices
    scaling: tuple[int, ...]  # sample counts for how time grows
    widths: tuple[int, ...]  # widths for how time grows (at 10,000 samples)
    plot: str | None  # where the scaling plot goes (None: no plot)


SIZES = {
    "full": Sizes(
        7,
        100,
        True,
        1_000_000,
        3,
        100_000,
        5,
        100_000,
        100,
        1_000_000,
        (100, 1_000, 10_000, 100_000, 1_000_000),
        (16, 32, 64, 128, 256),
        "docs/images/matrix_scaling.png",
    ),
    "quick": Sizes(3, 3, False, 100_000, 3, 20_000, 3, 20_000, 0, 100_000, (100, 10_000, 100_000), (16, 64), None),
    "tiny": Sizes(1, 2, False, 1_000, 1, 200, 1, 100, 0, 1_000, (100, 1_000), (4, 8), None),  # the test suite's
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run every benchmark and print the results; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and few repeats (under a minute)")
    parser.add_argument(
        "--sizes",
        choices=list(SIZES),
        default=None,
        help="full (the default), quick (as --quick) or tiny (the test suite's: every check, meaningless timings)",
    )
    parser.add_argument(
        "--plot",
        default=None,
        metavar="PNG",
        help="where to write the matrices' scaling plot (full: docs/images/matrix_scaling.png)",
    )
    parser.add_argument(
        "--only",
        choices=["all", "matrix"],
        default="all",
        help="matrix: only the moons step and the matrices' 10,000 (against PyTorch) and million-sample epochs",
    )
    args = parser.parse_args(argv)
    sizes = args.sizes or ("quick" if args.quick else "full")
    size = SIZES[sizes]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 1_100_000))  # micrograd's topological sort recurses once per node
    print(f"machine: {machine()}")
    blas = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")  # they move numpy's matrix products
    print("environment: " + ", ".join(f"{name}={os.environ.get(name, '(unset)')}" for name in blas))
    print(
        f"tinygrad_dk vs micrograd {importlib.metadata.version('micrograd')}; "
        f"sizes: {sizes}; medians of interleaved runs, gc.collect() inside each run"
    )
    print(f"  {'benchmark':<46} {'micrograd':>12} {'tinygrad_dk':>12} {'speed-up':>10}")
    started = time.perf_counter()
    try:
        bench_moons(100, repeats=size.repeats, lockstep_steps=size.lockstep)
        if args.only == "all":
            bench_full_batch(10_000, repeats=size.repeats, eager_too=size.eager_epoch)
        bench_matrix_torch(10_000 if sizes != "tiny" else 500, repeats=size.repeats)
        bench_matrix_million(size.matrix_epoch, repeats=size.repeats)
        if args.only == "all":
            bench_matrix_scaling(
                size.scaling, size.widths, 10_000 if sizes != "tiny" else 500, size.repeats, args.plot or size.plot
            )
            bench_chain(size.chain, repeats=size.chain_repeats)
            bench_sum(size.sum, repeats=size.sum_repeats)
            bench_memory(size.memory_chain, moons_samples=size.memory_moons)
            bench_mlp((4, 16, 64), repeats=size.repeats)
    finally:
        sys.setrecursionlimit(limit)
    print(f"\nsummary ({machine()})")
    print(f"  {'benchmark':<46} {'micrograd':>12} {'tinygrad_dk':>12} {'speed-up':>10}")
    for name, micro, ours, speedup in ROWS:
        print(f"  {name:<46} {micro:>12} {ours:>12} {speedup:>10}")
    print(f"total time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
