"""Regenerate the example pictures in docs/images/: ``python docs/make_images.py [output-dir]``.

Every picture comes from seeded code and runs in seconds. Graphs and network diagrams
are SVG (with Graphviz's ``dot`` or, without it, Graphviz in WebAssembly); plots are PNG.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import cast

from tinygrad_dk import Value
from tinygrad_dk.data import make_blobs, make_moons
from tinygrad_dk.nn import MLP
from tinygrad_dk.train import fit
from tinygrad_dk.viz import (
    draw_dot,
    draw_network,
    plot_activations,
    plot_decision_boundary,
    plot_history,
    render,
)

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    """Write every example picture to the output directory (docs/images by default)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=HERE / "images", help="where to write the pictures")
    out: Path = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    written: list[Path] = []

    # --- a small expression: every value with its data and grad, every edge with its local derivative
    a, b, c = Value(2.0, "a"), Value(-3.0, "b"), Value(6.5, "c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = (d * 2.0).tanh()
    L.label = "L"
    L.backward()
    written.append(render(draw_dot(L), out / "graph_expression.svg"))

    # --- one sample through a 2-2-1 network, with its squared error: the graph training differentiates
    model = MLP(2, [2, 1], activation="tanh", seed=3)
    x = [Value(0.5, "x1"), Value(-1.0, "x2")]
    target = Value(1.0, "y")
    out_value = cast(Value, model(x))  # one output neuron: one Value
    out_value.label = "out"
    loss = (out_value - target) ** 2
    loss.label = "loss"
    loss.backward()
    written.append(render(draw_dot(loss), out / "graph_sample_2_2_1.svg"))

    # --- networks as the textbook draws them: small ones with every number, a big one by colour and width
    X, y = make_moons(50, noise=0.1, seed=2)
    small = MLP(2, [2, 2], activation="tanh", seed=4)
    fit(small, X, y, loss="cross_entropy", optimizer="adam", lr=0.05, epochs=20, progress=False)
    written.append(render(draw_network(small), out / "network_2_2_2.svg"))
    written.append(render(draw_network(model, show_grads=True), out / "network_2_2_1_grads.svg"))
    written.append(render(draw_network(MLP(2, [16, 16, 1], seed=0)), out / "network_16_16_1.svg"))

    # --- training on the two moons: full batch (one update per epoch) against SGD (one per sample)
    full = fit(MLP(2, [8, 8, 1], seed=1), X, y, optimizer="sgd", lr=0.3, epochs=25, progress=False,
               label="full batch, lr 0.3")
    sgd_model = MLP(2, [8, 8, 1], seed=1)
    sgd = fit(sgd_model, X, y, optimizer="sgd", lr=0.05, epochs=25, batch_size=1, progress=False,
              label="SGD (batch 1), lr 0.05")
    written.append(plot_history([full, sgd], out / "history_full_batch_vs_sgd.png"))
    written.append(plot_decision_boundary(sgd_model, X, y, out / "decision_boundary_moons.png"))

    # --- three classes: argmax of three outputs
    Xb, yb = make_blobs(60, 3, seed=0)
    blobs_model = MLP(2, [8, 3], seed=0)
    fit(blobs_model, Xb, yb, loss="cross_entropy", optimizer="adam", lr=0.05, epochs=30, progress=False)
    written.append(plot_decision_boundary(blobs_model, Xb, yb, out / "decision_boundary_blobs.png"))

    # --- the activation functions and their derivatives
    written.append(plot_activations(out / "activations.png"))

    for path in written:
        print(f"{path}  {path.stat().st_size / 1024:.0f} KB")
    print(f"{len(written)} pictures in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
