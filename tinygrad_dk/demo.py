"""The demo, the main job of `tinygrad-dk demo`: micrograd's moons network, trained and drawn.

`demo` trains ``MLP(2, [16, 16, 1])`` on 100 points of two moons by full-batch gradient
descent with the hinge loss, as micrograd's demo does, and writes one file per picture:

- ``computation_graph.svg``: one sample's loss through the trained network, every node
  with its data and grad (the sample with the largest loss, so that gradients flow);
- ``network.svg``: the trained network, neuron by neuron, with its weights;
- ``decision_boundary.png``: the model's answer over the plane, with the data on top;
- ``training.png``: loss and accuracy after each epoch;
- ``explorer.html``: the explorer page of the run (see `tinygrad_dk.explore`);
- ``model.json``: the trained model, for `tinygrad_dk.nn.load` or ``tinygrad-dk graph --model``.

Nothing appears in the folder until every file is complete, and a failure leaves the
folder as it was. Each picture is written by one function below, so it changes in one place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tinygrad_dk._files import staged
from tinygrad_dk.data import make_moons
from tinygrad_dk.engine import Value
from tinygrad_dk.explore import Run, record_run, write_explorer
from tinygrad_dk.losses import hinge
from tinygrad_dk.nn import MLP
from tinygrad_dk.viz import draw_dot, draw_network, plot_decision_boundary, plot_history, render

SETUP = "MLP(2, [16, 16, 1]) on make_moons(100), full-batch gradient descent, 100 epochs"


@dataclass(frozen=True)
class DemoResult:
    """What `demo` wrote and the numbers it reports."""

    files: list[Path]  # the files written, sorted by name
    loss: float  # the training loss after the last epoch
    accuracy: float  # the training accuracy after the last epoch, from 0 to 1
    sample: int  # the index of the sample in computation_graph.svg
    x: list[float]  # that sample's inputs
    label: int  # that sample's class, 0 or 1
    sample_loss: float  # that sample's loss through the trained network


def demo(out_dir: str | os.PathLike[str], *, seed: int = 0, progress: bool = True) -> DemoResult:
    """Train the demo network (see `SETUP`) and write its pictures, explorer page and model into ``out_dir``.

    ``seed`` draws the data and the first weights; ``progress`` shows a progress bar while
    it trains. ``out_dir`` and the folders above it are created if missing; a file in the
    way is named in an error before the training starts.
    """
    out = Path(out_dir)
    with staged(out) as stage:
        # 1. data and model, as in micrograd's demo
        X, y = make_moons(100, noise=0.1, seed=seed)
        model = MLP(2, [16, 16, 1], seed=seed)
        # 2. train (the explorer's recorder calls fit and keeps the weights of every epoch)
        run = record_run(model, X, y, loss="hinge", optimizer="sgd", lr=0.5, epochs=100, l2=1e-4,
                         label="full batch", progress=progress, compile=True)
        # 3. one sample through the trained network: the one with the largest loss, so that
        # gradients flow (a sample beyond the margin has hinge loss 0 and no gradient)
        worst = max(range(len(X)), key=lambda i: _sample_loss(model, X[i], y[i]).data)
        loss = _sample_loss(model, X[worst], y[worst])
        # 4. the files, one function each
        _write_computation_graph(model, loss, stage / "computation_graph.svg")
        _write_network(model, stage / "network.svg")
        _write_decision_boundary(model, X, y, run, stage / "decision_boundary.png")
        _write_training(run, stage / "training.png")
        write_explorer(run, stage / "explorer.html")
        model.save(stage / "model.json")
        names = sorted(path.name for path in stage.iterdir())
    history = run.history
    return DemoResult(files=[out / name for name in names], loss=history.loss[-1], accuracy=history.accuracy[-1],
                      sample=worst, x=X[worst], label=y[worst], sample_loss=loss.data)


def _sample_loss(model: MLP, x: list[float], label: int) -> Value:
    """The hinge loss of one sample, with its inputs labelled x1, x2 and its score labelled for the picture."""
    score = model([Value(v, f"x{j + 1}") for j, v in enumerate(x)])
    assert isinstance(score, Value)  # one output neuron
    score.label = "score"
    loss = hinge(score, 1 if label == 1 else -1)
    loss.label = "loss"
    return loss


def _write_computation_graph(model: MLP, loss: Value, path: Path) -> Path:
    """The sample's loss graph with the gradients of this sample alone."""
    model.zero_grad()  # training left the last step's gradients on the parameters
    loss.backward()
    written = render(draw_dot(loss, params=model.parameters(), max_nodes=2000), path)
    model.zero_grad()
    return written


def _write_network(model: MLP, path: Path) -> Path:
    """The trained network with its weights."""
    return render(draw_network(model), path)


def _write_decision_boundary(model: MLP, X: list[list[float]], y: list[int], run: Run, path: Path) -> Path:
    """The model's answer over the plane, titled with the accuracy training reached."""
    return plot_decision_boundary(model, X, y, path, threshold=run.history.threshold,
                                  title=f"two moons: accuracy {run.history.accuracy[-1]:.1%}")


def _write_training(run: Run, path: Path) -> Path:
    """Loss and accuracy after each epoch."""
    return plot_history(run.history, path)
