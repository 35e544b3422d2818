"""Regenerate the example pictures in docs/images/: ``python docs/make_images.py [output-dir]``.

Every picture comes from seeded code and runs in seconds. Graphs and network diagrams
are SVG (with Graphviz's ``dot`` or, without it, Graphviz in WebAssembly); plots are PNG.
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import numpy as np

from tinygrad_dk import Value
from tinygrad_dk.data import make_blobs, make_moons
from tinygrad_dk.explain import draw_worked_example, draw_worked_graph, worked_example
from tinygrad_dk.nn import MLP, Neuron, Perceptron
from tinygrad_dk.train import fit
from tinygrad_dk.viz import (
    draw_dot,
    draw_network,
    plot_activations,
    plot_decision_boundary,
    plot_history,
    render,
)
from tinygrad_dk.viz._figure import new_figure, save_figure
from tinygrad_dk.viz._style import NEGATIVE, NEUTRAL, POSITIVE

HERE = Path(__file__).resolve().parent

# The pictures' colours for the two classes: as in tinygrad_dk's own plots, blue for class 1, orange for 0.
BLUE, ORANGE, GREY = POSITIVE, NEGATIVE, NEUTRAL
LIGHT_BLUE, LIGHT_ORANGE = "#d0ebff", "#ffe8cc"


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
    full = fit(
        MLP(2, [8, 8, 1], seed=1), X, y, optimizer="sgd", lr=0.3, epochs=25, progress=False, label="full batch, lr 0.3"
    )
    sgd_model = MLP(2, [8, 8, 1], seed=1)
    sgd = fit(
        sgd_model,
        X,
        y,
        optimizer="sgd",
        lr=0.05,
        epochs=25,
        batch_size=1,
        progress=False,
        label="SGD (batch 1), lr 0.05",
    )
    written.append(plot_history([full, sgd], out / "history_full_batch_vs_sgd.png"))
    written.append(plot_decision_boundary(sgd_model, X, y, out / "decision_boundary_moons.png"))

    # --- three classes: argmax of three outputs
    Xb, yb = make_blobs(60, 3, seed=0)
    blobs_model = MLP(2, [8, 3], seed=0)
    fit(blobs_model, Xb, yb, loss="cross_entropy", optimizer="adam", lr=0.05, epochs=30, progress=False)
    written.append(plot_decision_boundary(blobs_model, Xb, yb, out / "decision_boundary_blobs.png"))

    # --- the activation functions and their derivatives
    written.append(plot_activations(out / "activations.png"))

    # --- the pictures of the tutorial (docs/tutorial.md), each made by the same code the tutorial shows
    written += tutorial_pictures(out)

    # --- the moons network on 100,000 samples with matrices (docs/matrix.md, docs/da/matrix.md)
    written += matrix_pictures(out)

    for path in written:
        print(f"{path}  {path.stat().st_size / 1024:.0f} KB")
    print(f"{len(written)} pictures in {time.perf_counter() - start:.1f} s")
    return 0


# --- the tutorial's pictures ---------------------------------------------------------------


def _perceptron_title(name: str, errors: list[int], wrong: int, n: int) -> str:
    """ "AND: learned after 4 epochs", or how many answers are still wrong when fit gave up."""
    epochs = f"{len(errors)} epoch{'s' if len(errors) > 1 else ''}"
    return f"{name}: learned after {epochs}" if wrong == 0 else f"{name}: {wrong} of {n} wrong after {epochs}"


def _equation(w: Sequence[float], b: float) -> str:
    """The perceptron's boundary as text, ``0.39·x1 + 0.32·x2 - 0.50 = 0`` with a typographic minus."""
    minus = "\N{MINUS SIGN}"
    terms = [
        f"{wi:.2f}·x{i + 1}" if i == 0 else f"{minus if wi < 0 else '+'} {abs(wi):.2f}·x{i + 1}"
        for i, wi in enumerate(w)
    ]
    return " ".join([*terms, f"{minus if b < 0 else '+'} {abs(b):.2f} = 0"])


def perceptron_lines(path: Path) -> Path:
    """AND, OR and XOR on two inputs: the line a Perceptron(2) learns, or fails to find for XOR."""
    X = [[0, 0], [0, 1], [1, 0], [1, 1]]
    gates = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "XOR": [0, 1, 1, 0]}
    figure = new_figure(11, 3.9)
    grid = np.linspace(-0.4, 1.4, 181)
    xx, yy = np.meshgrid(grid, grid)
    for ax, (name, y) in zip(figure.subplots(1, 3), gates.items(), strict=True):
        p = Perceptron(2, lr=0.1, seed=0)  # the tutorial's settings
        errors = p.fit(X, y)
        (w1, w2), b = [w.data for w in p.w], p.b.data
        net = w1 * xx + w2 * yy + b
        # 1. where the perceptron answers 1 (blue) and 0 (orange), and the line net = 0 between them
        ax.contourf(xx, yy, (net > 0).astype(float), levels=[-0.5, 0.5, 1.5], colors=[LIGHT_ORANGE, LIGHT_BLUE])
        ax.contour(xx, yy, net, levels=[0], colors="black", linewidths=1.5)
        # 2. the four examples coloured by their target; a wrong answer gets a red ring
        for (x1, x2), target, answer in zip(X, y, p.predict_many(X), strict=True):
            ax.scatter([x1], [x2], s=160, color=BLUE if target else ORANGE, edgecolors="black", zorder=3)
            ax.annotate(
                str(target), (x1, x2), ha="center", va="center", color="white", fontsize=10, fontweight="bold", zorder=4
            )
            if answer != target:
                ax.scatter([x1], [x2], s=420, facecolors="none", edgecolors="#e03131", linewidths=2, zorder=2)
        wrong = sum(answer != target for answer, target in zip(p.predict_many(X), y, strict=True))
        ax.set_title(_perceptron_title(name, errors, wrong, len(X)), fontsize=11)
        ax.set_xlim(-0.4, 1.4)
        ax.set_ylim(-0.4, 1.4)
        ax.set_xticks([0, 1])
        ax.set_yticks([0, 1])
        ax.set_xlabel(f"x1\n\nline: {_equation([w1, w2], b)}")
        ax.set_ylabel("x2")
        ax.set_aspect("equal")
    figure.suptitle("Perceptron(2): blue side answers 1, orange side 0; red ring = wrong answer", fontsize=11)
    return save_figure(figure, path, "make_images")


def perceptron_net(path: Path) -> Path:
    """The 3-input Perceptron on all 8 inputs: its sum w·x + b per input, against the threshold 0."""
    X = [list(x) for x in itertools.product([0, 1], repeat=3)]
    functions = {
        "AND": [int(all(x)) for x in X],
        "OR": [int(any(x)) for x in X],
        "XOR": [sum(x) % 2 for x in X],
    }  # 1 for an odd number of 1s
    figure = new_figure(12, 3.9)
    axes = figure.subplots(1, 3, sharey=True)
    for ax, (name, y) in zip(axes, functions.items(), strict=True):
        p = Perceptron(3, lr=0.1, seed=0)  # the tutorial's settings
        errors = p.fit(X, y)
        nets = [sum(w.data * xi for w, xi in zip(p.w, x, strict=True)) + p.b.data for x in X]
        answers = p.predict_many(X)
        wrong = sum(answer != target for answer, target in zip(answers, y, strict=True))
        bars = ax.bar(range(len(X)), nets, color=[BLUE if t else ORANGE for t in y], edgecolor="black", width=0.7)
        for bar, answer, target in zip(bars, answers, y, strict=True):
            if answer != target:  # a wrong answer: red outline and a cross above the bar
                bar.set_edgecolor("#e03131")
                bar.set_linewidth(2.5)
                ax.annotate(
                    "✗",
                    (bar.get_x() + bar.get_width() / 2, max(bar.get_height(), 0) + 0.03),
                    ha="center",
                    color="#e03131",
                    fontsize=12,
                )
        ax.axhline(0, color="black", linewidth=1.2)
        ax.set_xticks(range(len(X)), ["".join(map(str, x)) for x in X], fontsize=9)
        ax.set_xlabel("input x1 x2 x3")
        ax.set_title(
            _perceptron_title(name, errors, wrong, len(X)) + f"\n{_equation([w.data for w in p.w], p.b.data)}",
            fontsize=10,
        )
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("w·x + b")
    figure.suptitle(
        "Perceptron(3): the answer is 1 where the bar rises above the threshold 0 (black line); "
        "colour = the target (blue 1, orange 0); red = wrong answer",
        fontsize=11,
    )
    return save_figure(figure, path, "make_images")


def tutorial_pictures(out: Path) -> list[Path]:
    """The pictures docs/tutorial.md shows, made with the tutorial's own code and numbers."""
    written = [perceptron_net(out / "perceptron_net.png"), perceptron_lines(out / "perceptron_lines.png")]

    # --- the perceptron as a graph: step's derivative is 0, so no gradient reaches the weights
    p = Perceptron(3, lr=0.1, seed=0)
    answer = p([Value(1.0, "x1"), Value(0.0, "x2"), Value(1.0, "x3")])
    answer.label = "answer"
    answer.backward()
    written.append(render(draw_dot(answer, params=p.parameters()), out / "graph_perceptron.svg"))

    # --- a node used twice: f = (a * b) * (a + b); a's grad sums over its two outgoing edges
    a, b = Value(2.0, "a"), Value(-1.0, "b")
    c, d = a * b, a + b
    c.label, d.label = "c", "d"
    f = c * d
    f.label = "f"
    f.backward()
    written.append(render(draw_dot(f), out / "graph_reuse.svg"))

    # --- one neuron, forward and backward
    n = Neuron(2, activation="tanh")
    n.w[0].data, n.w[1].data, n.b.data = 0.25, 0.5, 0.5
    o = n([Value(2.0, "x1"), Value(-1.0, "x2")])
    o.label = "o"
    o.backward()
    written.append(render(draw_dot(o), out / "graph_neuron.svg"))

    # --- fit: an MLP on the two moons, and its decision boundary
    X, y = make_moons(40, noise=0.1, seed=2)
    model = MLP(2, [8, 8, 1], seed=1)
    fit(model, X, y, loss="hinge", optimizer="adam", lr=0.05, epochs=40, progress=False)
    written.append(plot_decision_boundary(model, X, y, out / "decision_boundary_fit.png"))

    # --- full batch, mini-batch and SGD from the same starting weights and learning rate
    runs = [
        fit(MLP(2, [8, 8, 1], seed=1), X, y, lr=0.1, epochs=20, batch_size=size, progress=False, label=name)
        for size, name in [(None, "full batch"), (8, "mini-batch of 8"), (1, "SGD (batch 1)")]
    ]
    written.append(plot_history(runs, out / "history_three_runs.png"))

    # --- the worked example's network before the update (with its gradients) and after it
    written += draw_worked_example(worked_example(), out)
    written.append(render(draw_worked_graph(), out / "worked_example_graph.svg"))
    return written


def matrix_pictures(out: Path) -> list[Path]:
    """The decision boundary of docs/matrix.md's 100,000-sample run, in English and Danish, made with its code."""
    X, y = make_moons(100_000, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    history = fit(
        model, X, y, loss="hinge", optimizer="adam", lr=0.05, l2=1e-4, epochs=30, progress=False, engine="matrix"
    )
    title = f"{len(X):,} moons, full batch, {history.epochs} epochs: {history.accuracy[-1]:.1%} right"
    count = f"{len(X):,}".replace(",", ".")  # in Danish a dot groups the thousands
    right = f"{history.accuracy[-1]:.1%}".replace(".", ",")  # and a comma is the decimal mark
    titel = f"{count} halvmåner, fuld batch, {history.epochs} epoker: {right} rigtige"
    return [
        plot_decision_boundary(
            model, X[:1000], y[:1000], out / "matrix_moons_100k.png", threshold=history.threshold, title=title
        ),
        plot_decision_boundary(
            model,
            X[:1000],
            y[:1000],
            out / "matrix_moons_100k_da.png",
            threshold=history.threshold,
            title=titel,
            lang="da",
        ),
    ]


if __name__ == "__main__":
    raise SystemExit(main())
