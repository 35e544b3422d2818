"""The demo, the main job of `tinygrad-dk demo`: the example network step by step, then micrograd's moons.

First Matt Mazur's 2-2-2 example network (`tinygrad_dk.explain`), on his one sample: a full
batch of size 1, so its one update is the full-batch gradient descent step that the example
works through by hand. One sample, because its graph (45 values) reads at a glance; a second
sample shares the eight weights and crosses every line. Then micrograd's demo:
``MLP(2, [16, 16, 1])`` trained on 100 points of two moons by full-batch gradient descent
with the hinge loss. One file per picture; `DESCRIPTIONS` says what each shows, and the
command prints it:

- ``worked_example_graph.svg``: the main picture, the example's computation graph: every node
  named as `tinygrad-dk explain` names it (i1, w5, net_h1, out_o1, E_o1, E_total), with its
  data and grad, and every edge with its local derivative;
- ``worked_example_before.svg`` and ``worked_example_after.svg``: the example network, weights
  on the lines and biases in the neurons, before (with the gradients) and after its update;
- ``moons_sample_graph.svg``: one moons sample through the trained network, condensed to one
  box per neuron (its full graph has over 1,600 nodes): the sample with the largest loss, since
  a sample beyond the hinge's margin has loss 0 and sends no gradient back;
- ``moons_network.svg``: the trained network, its 304 weights by colour and thickness;
- ``moons_decision_boundary.png``: the model's answer over the plane, with the data on top;
- ``moons_training.png``: loss and accuracy after each epoch;
- ``moons_explorer.html``: the explorer page of the run (see `tinygrad_dk.explore`);
- ``moons_model.json``: the trained model, for `tinygrad_dk.nn.load` or ``tinygrad-dk graph --model``.

Every word the demo prints or draws is English or Danish (``lang``, or the environment variable
TINYGRAD_DK_LANG); the numbers and the file names are the same in both.

No picture has more than about 300 nodes or is wider than about 2,000 pixels. Nothing
appears in the folder until every file is complete, and a failure leaves the folder as it
was. Each picture is written by one function below, so it changes in one place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tinygrad_dk._files import staged
from tinygrad_dk._lang import check_lang
from tinygrad_dk.data import make_moons
from tinygrad_dk.engine import Value, topological_order
from tinygrad_dk.explain import BatchComparison, compare_batch_sgd, draw_worked_example, draw_worked_graph
from tinygrad_dk.explore import Run, record_run, write_explorer
from tinygrad_dk.losses import hinge
from tinygrad_dk.nn import MLP
from tinygrad_dk.viz import draw_dot, draw_network, plot_decision_boundary, plot_history, render

EXAMPLE = "Matt Mazur's 2-2-2 example network on his sample, one full-batch update"
ENGINE = "compiled"  # fit's engine for the moons run (`tinygrad_dk.train.ENGINES`): the scalar run's numbers, faster
# How the headline names each engine `fit` has (`tinygrad_dk.train.ENGINES`), in English and Danish.
_ENGINE_WORDS = {
    "en": {
        "scalar": "scalar (a graph of Values every step)",
        "compiled": "compiled (a graph of Values, compiled once)",
        "matrix": "matrix (numpy matrix products)",
    },
    "da": {
        "scalar": "scalar (en graf af Values i hvert skridt)",
        "compiled": "compiled (en graf af Values, kompileret én gang)",
        "matrix": "matrix (matrixprodukter i numpy)",
    },
}
SETUP = (
    "MLP(2, [16, 16, 1]) on make_moons(100), full-batch gradient descent, 100 epochs, "
    f"engine: {_ENGINE_WORDS['en'][ENGINE]}"
)

# What each file shows, one line each: `demo` fills in the numbers, the command prints the lines.
DESCRIPTIONS = {
    "worked_example_graph.svg": "the main picture: the example network's graph on Mazur's sample (a full batch of 1), "
    "nodes named as `tinygrad-dk explain` names them; E_total = {error:.4f}",
    "worked_example_before.svg": "the example network before its full-batch update: weights on the lines, biases in "
    "the neurons, and their gradients",
    "worked_example_after.svg": "the example network after the update, w <- w - {lr:g} * dE/dw: E_total "
    "{error:.4f} -> {error_after:.4f}",
    "moons_sample_graph.svg": "moons sample #{sample} {x}, class {label}, one box per neuron ({nodes:,} nodes in "
    "full): the largest loss, {sample_loss:.4f}; at loss 0 no gradient flows",
    "moons_network.svg": "the trained moons network: its {weights} weights by colour and thickness, biases in the "
    "neurons",
    "moons_decision_boundary.png": "what the trained network answers over the plane, the 100 moons on top "
    "(accuracy {accuracy:.1%})",
    "moons_training.png": "loss and accuracy after each of the moons run's {epochs} full-batch epochs",
    "moons_explorer.html": "the explorer page: step through the moons run and a sample's backward pass in a browser",
    "moons_model.json": "the trained moons model, for tinygrad_dk.nn.load or `tinygrad-dk graph --model`",
}


@dataclass(frozen=True)
class _Words:
    """What the demo prints and writes under its pictures, in one language."""

    headline: str
    final: str  # {loss}, {accuracy}
    descriptions: dict[str, str]  # as `DESCRIPTIONS`
    sample_caption: str  # {index}, {nodes}
    boundary_title: str  # {accuracy}
    loss: str  # the label of the sample's loss in its graph


_WORDS = {
    "en": _Words(
        headline=f"tinygrad-dk demo: {EXAMPLE}; then {SETUP}",
        final="final: loss {loss:.4f}, accuracy {accuracy:.1%}",
        descriptions=DESCRIPTIONS,
        sample_caption="moons sample #{index} through the trained MLP(2, [16, 16, 1]), the sample with the largest "
        "hinge loss; its full graph has {nodes:,} nodes, drawn here one box per neuron",
        boundary_title="two moons: accuracy {accuracy:.1%}",
        loss="loss",
    ),
    # In Danish a comma is the decimal mark, so 1,634 would read as a fraction: counts go without a separator.
    "da": _Words(
        headline="tinygrad-dk demo: Matt Mazurs 2-2-2-eksempelnetværk på hans eksempel, én opdatering med fuld "
        "batch; derefter MLP(2, [16, 16, 1]) på make_moons(100), gradientnedstigning med fuld batch, 100 epoker, "
        f"motor: {_ENGINE_WORDS['da'][ENGINE]}",
        final="til sidst: tab {loss:.4f}, nøjagtighed {accuracy:.1%}",
        descriptions={
            "worked_example_graph.svg": "hovedbilledet: eksempelnetværkets graf på Mazurs eksempel (en fuld batch "
            "på 1), knuderne navngivet som i `tinygrad-dk explain`; E_total = {error:.4f}",
            "worked_example_before.svg": "eksempelnetværket før opdateringen med fuld batch: vægte på linjerne, "
            "bias i neuronerne og deres gradienter",
            "worked_example_after.svg": "eksempelnetværket efter opdateringen, w <- w - {lr:g} * dE/dw: E_total "
            "{error:.4f} -> {error_after:.4f}",
            "moons_sample_graph.svg": "halvmåne-eksempel #{sample} {x}, klasse {label}, én kasse pr. neuron "
            "({nodes} knuder i alt): det største tab, {sample_loss:.4f}; ved tab 0 løber ingen gradient tilbage",
            "moons_network.svg": "det trænede halvmånenetværk: dets {weights} vægte som farve og tykkelse, bias i "
            "neuronerne",
            "moons_decision_boundary.png": "hvad det trænede netværk svarer over hele planet, med de 100 "
            "halvmånepunkter ovenpå (nøjagtighed {accuracy:.1%})",
            "moons_training.png": "tab og nøjagtighed efter hver af halvmånekørslens {epochs} epoker med fuld batch",
            "moons_explorer.html": "explorer-siden: gå trin for trin gennem halvmånekørslen og et eksempels "
            "tilbagepropagering i en browser",
            "moons_model.json": "den trænede halvmånemodel, til tinygrad_dk.nn.load eller `tinygrad-dk graph --model`",
        },
        sample_caption="halvmåne-eksempel #{index} gennem den trænede MLP(2, [16, 16, 1]), eksemplet med det "
        "største hinge-tab; dets fulde graf har {nodes} knuder, her tegnet med én kasse pr. neuron",
        boundary_title="to halvmåner: nøjagtighed {accuracy:.1%}",
        loss="tab",
    ),
}


def headline(lang: str | None = None) -> str:
    """The line `tinygrad-dk demo` opens with: what the demo does, in ``lang`` (see `demo`).

    >>> headline("en").startswith("tinygrad-dk demo: Matt Mazur's 2-2-2 example network")
    True
    """
    return _WORDS[check_lang(lang, "demo")].headline


@dataclass(frozen=True)
class DemoResult:
    """What `demo` wrote, what each file shows, and the numbers it reports."""

    files: list[Path]  # the files written, sorted by name
    descriptions: dict[str, str]  # file name -> one line on what it shows, in the order of `DESCRIPTIONS`
    loss: float  # the moons training loss after the last epoch
    accuracy: float  # the moons training accuracy after the last epoch, from 0 to 1
    sample: int  # the index of the moons sample in moons_sample_graph.svg
    x: list[float]  # that sample's inputs
    label: int  # that sample's class, 0 or 1
    sample_loss: float  # that sample's loss through the trained network
    error: float  # the example's E_total on Mazur's sample, before its update
    error_after: float  # and after it
    final: str  # the line on how training ended: loss and accuracy, in the demo's language


def demo(
    out_dir: str | os.PathLike[str], *, seed: int = 0, progress: bool = True, lang: str | None = None
) -> DemoResult:
    """Work the example network and train the moons network (see `EXAMPLE`, `SETUP`); write their pictures into
    ``out_dir``, with the moons run's explorer page and model.

    ``seed`` draws the moons data and first weights; ``progress`` shows a progress bar while
    it trains. ``out_dir`` and the folders above it are created if missing; a file in the
    way is named in an error before the training starts. ``lang`` is "en" or "da", the language
    of the descriptions and of every picture's words (default: the environment variable
    TINYGRAD_DK_LANG, else "en").
    """
    lang = check_lang(lang, "demo")
    words = _WORDS[lang]
    out = Path(out_dir)
    with staged(out) as stage:
        # 1. the example network on Mazur's sample: a full batch of size 1, one update
        example = compare_batch_sgd()
        _write_worked_graph(example, stage / "worked_example_graph.svg", lang)
        draw_worked_example(example, stage, lang=lang)  # worked_example_before.svg, worked_example_after.svg
        # 2. the moons data and model, as in micrograd's demo
        X, y = make_moons(100, noise=0.1, seed=seed)
        model = MLP(2, [16, 16, 1], seed=seed)
        # 3. train (the explorer's recorder calls fit and keeps the weights of every epoch)
        run = record_run(
            model,
            X,
            y,
            loss="hinge",
            optimizer="sgd",
            lr=0.5,
            epochs=100,
            l2=1e-4,
            progress=progress,
            engine=ENGINE,  # named in the headline, so the output says which engine trained
            lang=lang,  # the run is named by its batch: "full batch", in Danish "fuld batch"
        )
        # 4. one sample through the trained network: the one with the largest loss, so that
        # gradients flow (a sample beyond the margin has hinge loss 0 and no gradient)
        worst = max(range(len(X)), key=lambda i: _sample_loss(model, X[i], y[i]).data)
        loss = _sample_loss(model, X[worst], y[worst])
        loss.label = words.loss
        # 5. the moons files, one function each
        nodes = _write_sample_graph(model, loss, worst, stage / "moons_sample_graph.svg", words, lang)
        _write_network(model, stage / "moons_network.svg", lang)
        _write_decision_boundary(model, X, y, run, stage / "moons_decision_boundary.png", words, lang)
        _write_training(run, stage / "moons_training.png", lang)
        write_explorer(run, stage / "moons_explorer.html", lang=lang)
        model.save(stage / "moons_model.json")
        names = sorted(path.name for path in stage.iterdir())
    history = run.history
    numbers = {
        "error": example.error_start,
        "error_after": example.error_full_batch,
        "lr": example.lr,
        "sample": worst,
        "x": _short(X[worst]),
        "label": y[worst],
        "nodes": nodes,
        "sample_loss": loss.data,
        "weights": sum(len(n.w) for layer in model.layers for n in layer.neurons),
        "accuracy": history.accuracy[-1],
        "epochs": history.epochs,
    }
    return DemoResult(
        files=[out / name for name in names],
        descriptions={name: text.format(**numbers) for name, text in words.descriptions.items()},
        loss=history.loss[-1],
        accuracy=history.accuracy[-1],
        sample=worst,
        x=X[worst],
        label=y[worst],
        sample_loss=loss.data,
        error=example.error_start,
        error_after=example.error_full_batch,
        final=words.final.format(loss=history.loss[-1], accuracy=history.accuracy[-1]),
    )


def _short(x: list[float]) -> str:
    """A sample's inputs to 2 decimals: (0.85, -0.20)."""
    return "(" + ", ".join(f"{v:.2f}" for v in x) + ")"


def _sample_loss(model: MLP, x: list[float], label: int) -> Value:
    """The hinge loss of one sample, with its inputs labelled x1, x2 and its score labelled for the picture."""
    score = model([Value(v, f"x{j + 1}") for j, v in enumerate(x)])
    assert isinstance(score, Value)  # one output neuron
    score.label = "score"
    loss = hinge(score, 1 if label == 1 else -1)
    loss.label = "loss"
    return loss


def _write_worked_graph(example: BatchComparison, path: Path, lang: str) -> Path:
    """The example's graph, top to bottom: its 24 ranks of values and ops fit a screen's width that way."""
    return render(draw_worked_graph(example, lang=lang), path)


def _write_sample_graph(model: MLP, loss: Value, index: int, path: Path, words: _Words, lang: str) -> int:
    """The moons sample's loss graph, one box per neuron, with the gradients of this sample alone;
    returns how many nodes the full graph has."""
    model.zero_grad()  # training left the last step's gradients on the parameters
    loss.backward()
    values = topological_order(loss)
    nodes = len(values) + sum(1 for v in values if v.children)  # as draw_dot would draw it: values and ops
    caption = words.sample_caption.format(index=index, nodes=nodes)
    render(draw_dot(loss, params=model.parameters(), condensed=True, caption=caption, lang=lang), path)
    model.zero_grad()
    return nodes


def _write_network(model: MLP, path: Path, lang: str) -> Path:
    """The trained network with its weights."""
    return render(draw_network(model, lang=lang), path)


def _write_decision_boundary(
    model: MLP, X: list[list[float]], y: list[int], run: Run, path: Path, words: _Words, lang: str
) -> Path:
    """The model's answer over the plane, titled with the accuracy training reached."""
    title = words.boundary_title.format(accuracy=run.history.accuracy[-1])
    return plot_decision_boundary(model, X, y, path, threshold=run.history.threshold, title=title, lang=lang)


def _write_training(run: Run, path: Path, lang: str) -> Path:
    """Loss and accuracy after each epoch."""
    return plot_history(run.history, path, lang=lang)
