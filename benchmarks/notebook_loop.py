"""micrograd's demo notebook as a user runs it: a plain training loop, timed with a wall clock.

    python benchmarks/notebook_loop.py            # 20 steps with each engine, one engine after the other
    python benchmarks/notebook_loop.py --steps 5

`bench.py` times one workload per run and collects the garbage inside the timing; this
script times what a learner sees instead: the notebook's own loop (the moons, MLP(2, [16,
16, 1]), the max-margin loss with L2 and its learning-rate decay), written as the notebook
writes it with only the imports changed, steps run back to back, nothing collected by
hand. Each engine runs its whole loop on its own, after the garbage of the one before was
collected (untimed), as a user's process would: micrograd leaves reference cycles, and
collecting them during the other engine's steps would charge that engine for them.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

try:
    import micrograd.engine
    import micrograd.nn
except ImportError:
    sys.exit("benchmarks/notebook_loop.py needs micrograd 0.1.0: pip install -e '.[bench]'")

import tinygrad_dk.engine
import tinygrad_dk.nn
from tinygrad_dk.data import make_moons


def notebook_step(value: Any, model: Any, X: list[list[float]], y: list[int], k: int, steps: int) -> float:
    """One step of the notebook's loop: forward, max-margin loss with L2, backward, update."""
    inputs = [list(map(value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / steps
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return float(total_loss.data)


def main(argv: list[str] | None = None) -> int:
    """Time the notebook's loop with micrograd and with tinygrad_dk, each engine's whole loop on its own."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="steps per engine (default 20)")
    steps = parser.parse_args(argv).steps
    X, labels = make_moons(100, noise=0.1, seed=0)
    y = [2 * label - 1 for label in labels]  # the notebook's -1/+1 labels
    engines: dict[str, tuple[Callable[..., Any], Any]] = {}
    for name, engine, nn in (
        ("micrograd", micrograd.engine, micrograd.nn),
        ("tinygrad_dk", tinygrad_dk.engine, tinygrad_dk.nn),
    ):
        random.seed(1337)  # the notebook's seed: both engines start from the same weights
        engines[name] = (engine.Value, nn.MLP(2, [16, 16, 1]))
    times: dict[str, list[float]] = {name: [] for name in engines}
    losses: dict[str, list[float]] = {name: [] for name in engines}
    for name, (value, model) in engines.items():
        gc.collect()  # the other engine's garbage, outside the timing
        for k in range(steps):
            start = time.perf_counter()
            losses[name].append(notebook_step(value, model, X, y, k, steps))
            times[name].append(time.perf_counter() - start)
    worst = max(abs(a - b) / max(1.0, abs(a)) for a, b in zip(losses["micrograd"], losses["tinygrad_dk"], strict=True))
    print(f"{steps} steps each; the losses agree to {worst:.1e} (relative)")
    for name, seconds in times.items():
        print(
            f"  {name:12} {statistics.median(seconds) * 1000:8.1f} ms per step (median), {sum(seconds):6.1f} s in all"
        )
    ratio = sum(times["micrograd"]) / sum(times["tinygrad_dk"])
    print(f"  tinygrad_dk is {ratio:.1f}x faster over the whole loop")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
