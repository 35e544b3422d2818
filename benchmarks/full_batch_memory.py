"""What a compiled full batch costs as the samples grow: one straight-line program, or per-sample programs.

    python benchmarks/full_batch_memory.py                    # 50, 100, 200, 500 and 1,000 samples
    python benchmarks/full_batch_memory.py --samples 100 300  # other sizes

``fit(compile=True)`` on a full batch runs `tinygrad_dk.compile.compile_fit_step`: up to
`WHOLE_GRAPH_NODES` nodes the whole batch's loss graph is one program (the engine's arithmetic
to the last bit), above it each sample runs its target's small program. This script times
both forms at each size, whatever the limit says, on the moons network MLP(2, [16, 16, 1])
with the hinge loss and L2 as ``fit`` builds them: the seconds to compile, the median
seconds of an epoch (one step over every sample), and the process's peak memory (maximum
resident set). Each form and size runs in a fresh Python process, so one run's memory
cannot hide in another's.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

from tinygrad_dk import compile as compiler
from tinygrad_dk.data import make_moons
from tinygrad_dk.losses import hinge
from tinygrad_dk.nn import MLP

FORMS = {"whole": 10**15, "per-sample": 0}  # the limit that forces each form


def one(n: int, form: str, epochs: int) -> dict[str, float]:
    """Compile the full-batch step of ``n`` moons samples in ``form``; time it; this process's peak memory."""
    compiler.WHOLE_GRAPH_NODES = FORMS[form]  # compile_fit_step reads the limit when it is called
    X, labels = make_moons(n, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    params, targets = model.parameters(), [2.0 * c - 1.0 for c in labels]
    start = time.perf_counter()
    step = compiler.compile_fit_step(model, hinge, params, X, targets, l2=1e-4, full_batch=True)
    build = time.perf_counter() - start
    times = []
    for _ in range(epochs):
        for p in params:
            p.grad = 0.0
        start = time.perf_counter()
        step(list(range(n)))
        times.append(time.perf_counter() - start)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return {"compile": build, "epoch": statistics.median(times), "peak_mb": peak_kb / 1024}


def main(argv: Sequence[str] | None = None) -> int:
    """Print one line per size and form; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, nargs="+", default=[50, 100, 200, 500, 1_000])
    parser.add_argument("--epochs", type=int, default=5, help="timed epochs per form and size (the median is shown)")
    parser.add_argument("--one", nargs=2, metavar=("N", "FORM"), help=argparse.SUPPRESS)  # a child process's job
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(int(args.one[0]), args.one[1], args.epochs)))
        return 0
    print(f"compiled full batch, MLP(2, [16, 16, 1]), hinge + L2; WHOLE_GRAPH_NODES = {compiler.WHOLE_GRAPH_NODES:,}")
    print(f"  {'samples':>8} {'form':<11} {'compile':>9} {'epoch':>9} {'peak memory':>12}")
    for n in args.samples:
        for form in FORMS:
            command = [sys.executable, __file__, "--one", str(n), form, "--epochs", str(args.epochs)]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            got = json.loads(done.stdout)
            print(
                f"  {n:>8,} {form:<11} {got['compile']:>8.2f}s {got['epoch'] * 1e3:>7.1f}ms {got['peak_mb']:>9.0f} MB",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
