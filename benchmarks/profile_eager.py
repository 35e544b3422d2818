"""Where the eager time goes: phases, garbage collections and a cProfile, for both engines.

    python benchmarks/profile_eager.py            # the moons step and a 300,000-link chain
    python benchmarks/profile_eager.py --quick    # fewer repeats, a 50,000-link chain

For each workload and engine it prints the median time of each phase (build the graph,
backward, drop it, collect what reference counting left), the time the cyclic garbage
collector spent inside them (measured with ``gc.callbacks``) and how many collections of
each generation ran; then the same step with the collector paused around it (``gc.disable``
and re-enabled after, which is what a training loop could choose to do); then the top of a
cProfile of one tinygrad_dk step. Times are CPU seconds of this process
(``time.process_time``), which a busy neighbour on a shared machine disturbs less than the
wall clock.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench.py, beside this file

from bench import MicroValue, micro_mlp_like, moons_data, moons_loss

from tinygrad_dk.engine import Value
from tinygrad_dk.nn import MLP


class GcClock:
    """Adds up the time the garbage collector runs, and counts collections per generation."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.counts = [0, 0, 0]
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.process_time()
        else:
            self.seconds += time.process_time() - self._start
            self.counts[info["generation"]] += 1

    def reset(self) -> None:
        self.seconds, self.counts = 0.0, [0, 0, 0]


def phases(build: Callable[[], Any], clock: GcClock, repeats: int, paused: bool = False) -> dict[str, float]:
    """Median CPU seconds of: build, backward, drop, collect; the collector's share; collections."""
    rows: list[dict[str, float]] = []
    for _ in range(repeats):
        gc.collect()
        clock.reset()
        if paused:
            gc.disable()
        t0 = time.process_time()
        root = build()
        t1 = time.process_time()
        root.backward()
        t2 = time.process_time()
        del root
        t3 = time.process_time()
        if paused:
            gc.enable()
        gc_inside = clock.seconds  # collections during build, backward and drop (not the one below)
        counts = list(clock.counts)
        gc.collect()
        t4 = time.process_time()
        rows.append(
            {
                "build": t1 - t0,
                "backward": t2 - t1,
                "drop": t3 - t2,
                "collect": t4 - t3,
                "total": t4 - t0,
                "gc inside": gc_inside,
                "gen0": counts[0],
                "gen1": counts[1],
                "gen2": counts[2],
            }
        )
    return {key: statistics.median(row[key] for row in rows) for key in rows[0]}


def report(name: str, result: dict[str, float]) -> None:
    ms = {key: f"{result[key] * 1e3:7.1f}" for key in ("build", "backward", "drop", "collect", "total", "gc inside")}
    share = result["gc inside"] / result["total"] if result["total"] else 0.0
    print(
        f"  {name:<30} build {ms['build']}  backward {ms['backward']}  drop {ms['drop']}  "
        f"collect {ms['collect']}  = {ms['total']} ms; collector inside {ms['gc inside']} ms ({share:4.0%}), "
        f"collections {result['gen0']:.0f}/{result['gen1']:.0f}/{result['gen2']:.0f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Profile the eager moons step and a chain in both engines; print the findings."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and a shorter chain")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 7
    links = 50_000 if args.quick else 300_000
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, links + 10_000))  # micrograd's topological sort recurses once per node

    X, y = moons_data(100)
    ours = MLP(2, [16, 16, 1], seed=1)
    micro = micro_mlp_like(ours)

    def chain(value: Callable[[float], Any]) -> Any:
        c = x = value(1.0 - 1e-7)
        for _ in range(links):
            x = x * c
        return x

    workloads = {
        "moons step": {
            "micrograd": lambda: moons_loss(MicroValue, micro, micro.parameters(), X, y),
            "tinygrad_dk": lambda: moons_loss(Value, ours, ours.parameters(), X, y),
        },
        f"chain of {links:,}": {"micrograd": lambda: chain(MicroValue), "tinygrad_dk": lambda: chain(Value)},
    }
    clock = GcClock()
    gc.callbacks.append(clock)
    gc.collect()
    gc.freeze()  # the interpreter's own objects are nobody's garbage: leave them out of every collection
    print("CPU ms, medians; collections per generation as gen0/gen1/gen2")
    try:
        for workload, engines in workloads.items():
            print(f"\n{workload}")
            for engine, build in engines.items():
                report(engine, phases(build, clock, repeats))
            report("tinygrad_dk, collector paused", phases(engines["tinygrad_dk"], clock, repeats, paused=True))
    finally:
        gc.callbacks.remove(clock)
        gc.unfreeze()
        sys.setrecursionlimit(limit)

    print("\ncProfile of one tinygrad_dk moons step (build + backward), by own time:")
    profile = cProfile.Profile()
    profile.enable()
    moons_loss(Value, ours, ours.parameters(), X, y).backward()
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(10)
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:4000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
