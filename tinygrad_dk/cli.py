"""The `tinygrad-dk` command: a thin layer over the library for the learner's path.

    tinygrad-dk demo [--out DIR]          the example network step by step, the moons network, their pictures
    tinygrad-dk train [options]           train on a toy data set, optionally compare methods
    tinygrad-dk graph [--model FILE]      the worked example's computation graph, or a saved model's
    tinygrad-dk explain [--format ...]    the worked backpropagation example, step by step
    tinygrad-dk explore [options]         write the explorer page (one offline HTML file)

demo, graph, train, explain and explore take --lang en|da (default: $TINYGRAD_DK_LANG, else en): demo's
lines, explain's text and the pictures and pages they write come in that language, with the same numbers.

Bad flags or values print a usage message and exit with status 2, among them sizes that
cannot fit (`MAX_EPOCHS`, `MAX_NEURONS`, `EXPLORE_MAX_WEIGHTS`, `MAX_GRAPH_NODES`,
`tinygrad_dk.data.MAX_SAMPLES`), refused before any work. An output folder that cannot be
written, a model file that cannot be read or a training run that fails prints why in one
line and exits with status 1, leaving nothing half-written. Warnings print as
``warning: ...`` on stderr (``--no-warnings`` silences them in train and explore); Ctrl-C
prints one line and exits with status 130; a reader that closes the pipe early (``| head``)
ends the command quietly with status 141, as a Unix tool killed by SIGPIPE.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Any

from tinygrad_dk import data
from tinygrad_dk._checks import layer_weights
from tinygrad_dk._files import check_replaceable, nearest_existing, staged
from tinygrad_dk._lang import LANG_ENV, LANGUAGES, check_lang
from tinygrad_dk.nn import ACTIVATIONS, MLP, ModelFileError, Module, load
from tinygrad_dk.train import LOSSES, OPTIMIZERS, History, TrainingDiverged, fit, task_for

DATASETS: dict[str, Callable[..., tuple[list[list[float]], list[int]]]] = {
    "moons": data.make_moons,
    "circles": data.make_circles,
    "blobs": data.make_blobs,
    "xor": data.make_xor,
    "spiral": data.make_spiral,
}
DEMO_OUT = "tinygrad_dk_out"
# What `train --plot` writes in its pictures, per language: the runs' names and the decision boundary's title.
# The printed lines, the runs' History labels and the file names stay as they are in English.
_TRAIN_WORDS = {
    "en": {"full": "full batch", "sgd": "SGD", "mini": "mini-batch {k}", "title": "{run}: accuracy {accuracy}"},
    "da": {"full": "fuld batch", "sgd": "SGD", "mini": "mini-batch på {k}", "title": "{run}: nøjagtighed {accuracy}"},
}


class CommandError(Exception):
    """A problem to report in one line and exit with status 1 (not a usage error)."""


class UsageError(Exception):
    """Flag values the parser accepts one by one but not together: a usage message and status 2."""


# --- sizes a command line can ask for without taking the machine down (measured: docs/api.md) ---

MAX_EPOCHS = 100_000  # a run keeps a few numbers per epoch (about 13 MB per 100,000) and the explorer's page them all
MAX_NEURONS = 1_024  # hidden neurons in all: matrices hold 65,536 samples x the neurons, 4 times (2.2 GB at 1,024)
EXPLORE_MAX_WEIGHTS = 5_000  # the explorer's page keeps every weight of 200 samples' graphs: 15 MB at 4,417 a run
MAX_GRAPH_NODES = 10_000  # Graphviz took 2.5 minutes for 3,491 nodes, 140 MB for 13,123, and grows faster than them
MATRIX_FROM = 2_000  # samples: from here on train and explore train with matrices, below compiled graphs ...
COMPILED_UP_TO = 100_000  # ... up to this many samples x weights: beyond, an epoch as matrices is 100s of times faster


# --- argument types: a bad value becomes a usage message with status 2 ---


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _at_most(limit: int, name: str, why: str) -> Callable[[str], int]:
    """An argument type: a whole number from 1 to ``limit``, the constant ``name``; ``why`` says what it protects."""

    def bounded(text: str) -> int:
        value = _positive_int(text)
        if value > limit:
            raise argparse.ArgumentTypeError(f"must be at most {name} = {limit:,} ({why}), got {value:,}")
        return value

    return bounded


_epochs = _at_most(MAX_EPOCHS, "MAX_EPOCHS", "a run keeps numbers for every epoch")
_max_nodes = _at_most(MAX_GRAPH_NODES, "MAX_GRAPH_NODES", "Graphviz takes minutes for thousands of nodes")


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def _nonnegative_float(text: str) -> float:
    value = _float(text)
    if not 0 <= value < math.inf:  # also rejects nan
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def _positive_float(text: str) -> float:
    value = _float(text)
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def _layers(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected hidden layer sizes like 16,16, got {text!r}") from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"every layer needs at least 1 neuron, got {text!r}")
    if sum(sizes) > MAX_NEURONS:
        raise argparse.ArgumentTypeError(
            f"at most MAX_NEURONS = {MAX_NEURONS:,} hidden neurons in all (training holds numbers for each neuron "
            f"of tens of thousands of samples at once), got {sum(sizes):,} in {text!r}"
        )
    return sizes


def _batch_size(text: str) -> int | None:
    if text == "full":
        return None
    try:
        return _positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected 'full', 1 (SGD) or a batch size K, got {text!r}") from None


def _numbers(text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas like 0.5,-0.2, got {text!r}") from None


# --- output: checked before any slow work, then written through _files.staged ---


def _check_folder(folder: Path, flag: str) -> None:
    """Fail early (status 1) when ``folder`` cannot take files: a file stands where a folder must, or no permission.

    Missing folders are fine: writing creates them, as for every file the package writes.
    """
    existing = nearest_existing(folder)
    if not existing.is_dir():
        raise CommandError(f"{flag}: {str(existing)!r} is not a folder; choose another path")
    if not os.access(existing, os.W_OK):
        raise CommandError(f"{flag}: cannot write to the folder {str(existing)!r}; choose another path")


def _check_file_target(path: Path, flag: str) -> None:
    """`_check_folder` for the folder of the file ``path``, and the file: only a regular file is replaced."""
    _check_folder(path.parent, flag)
    try:
        check_replaceable(path)
    except (OSError, ValueError) as error:
        raise CommandError(f"{flag}: {error}") from error


def _staged(out: Path, flag: str = "--out") -> AbstractContextManager[Path]:
    """`staged` for the output folder ``out``, checked first so that a problem names ``flag``."""
    _check_folder(out, flag)
    return staged(out)


def _written(paths: Sequence[Path]) -> None:
    print("wrote:")
    for path in paths:
        print(f"  {path}")


def _lang(args: argparse.Namespace, who: str) -> str:
    """--lang, or else $TINYGRAD_DK_LANG, or else en; a bad environment variable is a usage error."""
    try:
        return check_lang(args.lang, who)
    except ValueError as error:
        raise UsageError(str(error)) from error


# --- the subcommands ---


def _dataset(args: argparse.Namespace) -> tuple[list[list[float]], list[int]]:
    make = DATASETS[args.dataset]
    kwargs: dict[str, Any] = {"seed": args.seed}
    if args.noise is not None:
        if args.dataset in ("blobs",):
            kwargs["std"] = args.noise
        else:
            kwargs["noise"] = args.noise
    try:
        return make(args.samples, **kwargs)
    except ValueError as error:
        noise = "" if args.noise is None else f" --noise {args.noise:g}"
        raise UsageError(f"--dataset {args.dataset} --samples {args.samples}{noise}: {error}") from error


def _model_for(args: argparse.Namespace, classes: int) -> MLP:
    nouts = [*args.layers, 1 if classes == 2 else classes]
    return MLP(2, nouts, activation=args.activation, seed=args.seed)


def _loss_for(args: argparse.Namespace, X: list[list[float]], y: list[int]) -> str:
    """The loss to train with: --loss, checked against the data's classes, or the default for them."""
    classes = len(set(y))
    if args.loss is None:
        return "hinge" if classes == 2 else "cross_entropy"
    try:
        task_for(args.loss, _model_for(args, classes)(X[0]), y)
    except ValueError as error:
        raise UsageError(
            f"--loss {args.loss} does not fit --dataset {args.dataset} ({classes} classes): {error}"
        ) from error
    return str(args.loss)


def _run_name(batch_size: int | None, lang: str = "en") -> str:
    """What a training run is called: full batch, SGD or mini-batch K."""
    words = _TRAIN_WORDS[lang]
    if batch_size is None:
        return words["full"]
    return words["sgd"] if batch_size == 1 else words["mini"].format(k=batch_size)


def _engine_for(args: argparse.Namespace, classes: int) -> str:
    """The engine `fit` trains with, by size, said aloud: compiled graphs where a learner looks at nodes, matrices for
    large data or large networks (the graph of a batch grows with every sample and every weight, and the compiled
    programs run through all of it each epoch; a matrix product does the same sums hundreds of times faster)."""
    samples, weights = args.samples, layer_weights([2, *args.layers, 1 if classes == 2 else classes])
    if samples >= MATRIX_FROM:
        engine, why = "matrix", f"matrices, {samples:,} samples >= {MATRIX_FROM:,}"
    elif samples * weights > COMPILED_UP_TO:
        engine, why = "matrix", f"matrices, {samples:,} samples x {weights:,} weights > {COMPILED_UP_TO:,}"
    else:
        engine, why = "compiled", f"compiled graph of Values, {samples:,} samples x {weights:,} weights"
    print(f"engine: {engine} ({why})")
    return engine


@contextmanager
def _training() -> Iterator[None]:
    """Around a training run: a ValueError from it (its numbers failing: the flags were checked) is a one-line error."""
    try:
        yield
    except TrainingDiverged:
        raise
    except ValueError as error:
        raise CommandError(f"training failed: {error}") from error


def _train_runs(args: argparse.Namespace, lang: str) -> tuple[list[tuple[MLP, History]], list[list[float]], list[int]]:
    """Train once per batch size asked for, fit's warnings to the learner in ``lang``; also the data."""
    X, y = _dataset(args)
    classes, loss = len(set(y)), _loss_for(args, X, y)
    batch_sizes = [None, args.compare_batch, 1] if args.compare else [args.batch_size]
    runs, engine = [], _engine_for(args, classes)
    for batch_size in batch_sizes:
        model = _model_for(args, classes)  # same seed: every run starts from the same weights
        name = _run_name(batch_size)
        with _training():
            history = fit(
                model,
                X,
                y,
                loss=loss,
                optimizer=args.optimizer,
                lr=args.lr,
                epochs=args.epochs,
                batch_size=batch_size,
                seed=args.seed,
                l2=args.l2,
                progress=not args.quiet,
                label=name,
                engine=engine,
                warn=not args.no_warnings,
                lang=lang,
            )
        print(
            f"{name}: loss {history.loss[-1]:.4f}, accuracy {history.accuracy[-1]:.1%} "
            f"after {history.epochs} epochs ({sum(history.updates)} updates)"
        )
        runs.append((model, history))
    return runs, X, y


def cmd_train(args: argparse.Namespace) -> int:
    """Train on a toy data set; save the model and plot the run(s) if asked, in the language of --lang."""
    lang = _lang(args, "train")  # of the plots and of fit's warnings
    if args.save is not None:
        if args.save.suffix.lower() != ".json":
            raise UsageError(f"--save {str(args.save)!r}: a model file is JSON: name it .json")
        _check_file_target(args.save, "--save")
    written: list[Path] = []
    with ExitStack() as stack:  # the plot folder is checked (staged) before the training starts
        stage = stack.enter_context(_staged(args.plot, "--plot")) if args.plot is not None else None
        runs, X, y = _train_runs(args, lang)
        if stage is not None:
            from tinygrad_dk.viz import plot_decision_boundary, plot_history

            shown = [_run_name(h.batch_size, lang) for _, h in runs]
            plot_history({name: h for name, (_, h) in zip(shown, runs, strict=True)}, stage / "training.png", lang=lang)
            for (model, history), name in zip(runs, shown, strict=True):
                title = _TRAIN_WORDS[lang]["title"].format(run=name, accuracy=f"{history.accuracy[-1]:.1%}")
                plot_decision_boundary(
                    model,
                    X,
                    y,
                    stage / f"decision_boundary_{history.label.replace(' ', '_')}.png",
                    threshold=history.threshold,  # as fit decided it: 0.5 for mse
                    title=title,
                    lang=lang,
                )
            written += [args.plot / p.name for p in sorted(stage.iterdir())]
        if args.save is not None:  # last: a failed plot leaves no model file behind
            runs[0][0].save(args.save)
            written.insert(0, args.save)
    if written:
        _written(written)
    return 0


def _graph_input(args: argparse.Namespace, model: Module) -> list[float]:
    nin = getattr(model, "nin", None)
    x = args.input if args.input is not None else [0.5] * (nin or 2)
    if nin is not None and len(x) != nin:
        raise CommandError(
            f"--input has {len(x)} numbers but the model takes {nin}; give {nin} like " + ",".join(["0.5"] * nin)
        )
    return x


def cmd_graph(args: argparse.Namespace) -> int:
    """Render the computation graph of a saved model (or of the worked example) for one input."""
    from tinygrad_dk.engine import Value
    from tinygrad_dk.viz import draw_dot
    from tinygrad_dk.viz.rendering import FORMATS

    if args.out.suffix.lower() not in FORMATS:
        *some, last = FORMATS
        raise UsageError(f"--out {str(args.out)!r}: name the file {', '.join(some)} or {last}")
    _check_file_target(args.out, "--out")
    lang = _lang(args, "graph")
    if args.model is None:
        if args.input is not None:
            raise UsageError("--input needs --model: the worked example has its own inputs (0.05, 0.10)")
        from tinygrad_dk.explain import draw_worked_graph

        # deep and narrow: top to bottom fits a screen; every node named as explain names it
        graph = draw_worked_graph(rankdir=args.rankdir or "TB", condensed=args.condensed, lang=lang)
        return _render_graph(graph, args.out)
    try:
        model = load(args.model)
    except (ModelFileError, FileNotFoundError) as error:
        raise CommandError(str(error)) from error
    x = [Value(v, f"x{i + 1}") for i, v in enumerate(_graph_input(args, model))]
    out = model(x)
    root = out if isinstance(out, Value) else sum(out[1:], out[0])
    root.label = root.label or "out"
    root.backward()
    params = model.parameters()
    try:
        limit = {} if args.max_nodes is None else {"max_nodes": args.max_nodes}  # else draw_dot's own limit
        graph = draw_dot(
            root, rankdir=args.rankdir or "LR", params=params, condensed=args.condensed, lang=lang, **limit
        )
    except ValueError as error:  # too large: say it in the command line's words
        words = str(error).replace("max_nodes=", "--max-nodes ").replace("condensed=True", "--condensed")
        raise CommandError(words) from error
    return _render_graph(graph, args.out)


def _render_graph(graph: Any, out: Path) -> int:
    """Write ``graph`` to ``out`` and say so; a picture that cannot be made is a one-line error."""
    from tinygrad_dk.viz import RenderError, render

    try:
        _written([render(graph, out)])
    except RenderError as error:
        raise CommandError(str(error)) from error
    return 0


def _explain_sample(text: str) -> Any:
    """``--sample i1,i2,t1,t2``: one training example for explain, as a `Sample`."""
    from tinygrad_dk.explain import Sample

    values = _numbers(text)
    if len(values) != 4:
        raise argparse.ArgumentTypeError(f"expected four numbers i1,i2,t1,t2 like 0.05,0.1,0.01,0.99, got {text!r}")
    try:
        return Sample((values[0], values[1]), (values[2], values[3]))
    except ValueError as error:  # not finite
        raise argparse.ArgumentTypeError(f"{error}, from {text!r}") from None


def cmd_explain(args: argparse.Namespace) -> int:
    """Print the worked example, every number: full batch beside SGD on the batch of samples."""
    from tinygrad_dk.explain import explain

    def explained(out_dir: Path | None) -> str:
        try:
            return explain(
                samples=args.sample or args.samples, format=args.format, lang=args.lang, seed=args.seed, out_dir=out_dir
            )
        except ValueError as error:  # explain checks its arguments (and TINYGRAD_DK_LANG) before any work
            raise UsageError(str(error)) from error

    if args.out is None:
        print(explained(None), end="" if args.format == "json" else "\n")
        return 0
    with _staged(args.out) as stage:
        text = explained(stage)
        names = sorted(p.name for p in stage.iterdir())
    print(text.replace(str(stage), str(args.out)))
    _written([args.out / name for name in names])
    return 0


def cmd_explore(args: argparse.Namespace) -> int:
    """Train and write the explorer page, in the language of --lang."""
    from tinygrad_dk.explore import explore

    if args.out.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"--out {str(args.out)!r}: the explorer is a web page: name the file .html")
    lang = _lang(args, "explore")
    weights = layer_weights([2, *args.layers, 3])  # at most 3 classes: an upper bound, known before the data
    if weights > EXPLORE_MAX_WEIGHTS:
        raise UsageError(
            f"--layers {','.join(map(str, args.layers))}: the explorer draws at most EXPLORE_MAX_WEIGHTS = "
            f"{EXPLORE_MAX_WEIGHTS:,} weights (its page keeps each of them for hundreds of graphs), "
            f"this network has up to {weights:,}; train it with tinygrad-dk train"
        )
    _check_file_target(args.out, "--out")
    X, y = _dataset(args)
    classes = len(set(y))
    batch_sizes = [None, args.compare_batch, 1] if args.compare else [args.batch_size]
    loss, engine = _loss_for(args, X, y), _engine_for(args, classes)
    with _training():
        path = explore(
            _model_for(args, classes),
            X,
            y,
            out=args.out,
            batch_sizes=batch_sizes,
            loss=loss,
            optimizer=args.optimizer,
            lr=args.lr,
            epochs=args.epochs,
            seed=args.seed,
            l2=args.l2,
            progress=not args.quiet,
            lang=lang,
            engine=engine,
            warn=not args.no_warnings,  # printed here as well as shown on the page at their epochs
        )
    _written([path])
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job: the example network step by step and the moons network, with their pictures (see
    `tinygrad_dk.demo`); one line per file on what it shows."""
    from tinygrad_dk.demo import demo, headline

    _check_folder(args.out, "--out")
    lang = _lang(args, "demo")
    print(headline(lang))
    result = demo(args.out, progress=not args.quiet, lang=lang)
    print(result.final)
    width = max(map(len, result.descriptions))
    for name, text in result.descriptions.items():
        print(f"{name:<{width}}  {text}")
    _written(result.files)
    return 0


# --- export: a model file as a PyTorch module ---


def cmd_export(args: argparse.Namespace) -> int:
    """Save a model file's network as a ``torch.nn.Sequential`` (`tinygrad_dk.torch.to_torch`), atomically."""
    import io

    from tinygrad_dk._files import write_atomic
    from tinygrad_dk.torch import to_torch

    if args.to.suffix.lower() not in (".pt", ".pth"):
        raise UsageError(f"--to {str(args.to)!r}: name the PyTorch file .pt or .pth")
    _check_file_target(args.to, "--to")
    try:
        model = load(args.model)
    except (ModelFileError, FileNotFoundError) as error:
        raise CommandError(str(error)) from error
    try:
        sequential = to_torch(model)  # an MLP; to_torch names what it refuses
    except (ImportError, TypeError, ValueError) as error:
        raise CommandError(str(error)) from error
    import torch  # there: to_torch needed it

    buffer = io.BytesIO()
    torch.save(sequential, buffer)
    write_atomic(args.to, buffer.getvalue())  # the old file survives a failed write
    print(sequential)
    print(f"load it with torch.load({str(args.to)!r}, weights_only=False)")
    _written([args.to])
    return 0


# --- the parser ---


def _add_training_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="moons", help="toy data set (default moons)")
    parser.add_argument(
        "--samples",
        type=_positive_int,
        default=100,
        help=f"number of samples (default 100, at most {data.MAX_SAMPLES:,})",
    )
    parser.add_argument(
        "--noise",
        type=_nonnegative_float,
        default=None,
        help="noise of the data set (default: the data set's own, e.g. 0.1 for moons)",
    )
    parser.add_argument(
        "--layers",
        type=_layers,
        default=[16, 16],
        help=f"hidden layer sizes (default 16,16; at most {MAX_NEURONS:,} neurons in all)",
    )
    parser.add_argument(
        "--activation", choices=sorted(ACTIVATIONS), default="relu", help="hidden activation (default relu)"
    )
    parser.add_argument(
        "--loss", choices=LOSSES, default=None, help="loss (default hinge for two classes, cross_entropy for more)"
    )
    parser.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="sgd", help="optimizer (default sgd)")
    parser.add_argument(
        "--lr", type=_positive_float, default=None, help="learning rate (default 0.1 for sgd, 0.01 for adam and adamw)"
    )
    parser.add_argument("--epochs", type=_epochs, default=100, help=f"epochs (default 100, at most {MAX_EPOCHS:,})")
    parser.add_argument(
        "--batch-size",
        type=_batch_size,
        default=None,
        metavar="full|1|K",
        help="full = full-batch gradient descent (default), 1 = SGD, K = mini-batch",
    )
    parser.add_argument("--l2", type=_nonnegative_float, default=1e-4, help="L2 penalty (default 1e-4)")
    parser.add_argument("--seed", type=int, default=0, help="seed for data, weights and shuffling (default 0)")
    parser.add_argument("--compare", action="store_true", help="run full batch, mini-batch and SGD from one seed")
    parser.add_argument(
        "--compare-batch",
        type=_positive_int,
        default=16,
        metavar="K",
        help="the mini-batch size --compare uses (default 16)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--no-warnings", action="store_true", help="print no warnings (advice on the training)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `tinygrad-dk` (unknown options are errors)."""
    parser = argparse.ArgumentParser(prog="tinygrad-dk", description="Neural networks from scalars you can see.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo", help="the example network step by step and the moons network, with their pictures (the main job)"
    )
    demo.add_argument("--out", type=Path, default=Path(DEMO_OUT), help=f"output folder (default ./{DEMO_OUT}/)")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=None,
        help=f"language of the printed lines and the pictures' words (default: ${LANG_ENV}, else en)",
    )
    demo.set_defaults(run=cmd_demo, parser=demo)

    train = sub.add_parser("train", help="train an MLP on a toy data set")
    _add_training_options(train)
    train.add_argument("--save", type=Path, default=None, metavar="MODEL.json", help="save the trained model")
    train.add_argument("--plot", type=Path, default=None, metavar="DIR", help="write the plots to this folder")
    train.add_argument(
        "--lang", choices=LANGUAGES, default=None, help=f"language of the plots' words (default: ${LANG_ENV}, else en)"
    )
    train.set_defaults(run=cmd_train, parser=train)

    graph = sub.add_parser(
        "graph", help="draw the computation graph of the worked example, or of a saved model for one input"
    )
    graph.add_argument(
        "--model",
        type=Path,
        default=None,
        help="a model saved with --save (default: the worked example's network and loss)",
    )
    graph.add_argument("--input", type=_numbers, default=None, help="the input, like 0.5,-0.2")
    graph.add_argument(
        "--out",
        type=Path,
        default=Path("computation_graph.svg"),
        help="the file to write: .svg, .png, .pdf or .dot (default computation_graph.svg)",
    )
    graph.add_argument(
        "--rankdir",
        choices=("LR", "TB"),
        default=None,
        help="layout direction (default TB for the worked example, LR for --model)",
    )
    graph.add_argument(
        "--condensed", action="store_true", help="one box per neuron, its weighted sum and activation folded in"
    )
    graph.add_argument(
        "--max-nodes",
        type=_max_nodes,
        default=None,
        help=f"refuse larger graphs (default: draw_dot's limit, 500; at most {MAX_GRAPH_NODES:,}); "
        "--condensed draws fewer nodes",
    )
    graph.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=None,
        help=f"language of the key and caption (default: ${LANG_ENV}, else en)",
    )
    graph.set_defaults(run=cmd_graph, parser=graph)

    from tinygrad_dk.explain import FORMATS as EXPLAIN_FORMATS
    from tinygrad_dk.explain import MAX_SAMPLES

    explain = sub.add_parser("explain", help="the worked backpropagation example, step by step")
    explain.add_argument("--format", choices=EXPLAIN_FORMATS, default="text")
    explain.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=None,
        help=f"language of the text and Markdown (default: ${LANG_ENV}, else en)",
    )
    batch = explain.add_mutually_exclusive_group()
    batch.add_argument(
        "--sample",
        type=_explain_sample,
        action="append",
        default=None,
        metavar="i1,i2,t1,t2",
        help="a training example; repeat it for a batch (default: Mazur's 0.05,0.1,0.01,0.99)",
    )
    batch.add_argument(
        "--samples",
        type=_positive_int,
        default=None,
        metavar="N",
        help=f"a batch of N: Mazur's sample and N - 1 drawn from --seed (N at most {MAX_SAMPLES})",
    )
    explain.add_argument("--seed", type=int, default=0, help="seed for the drawn samples (default 0)")
    explain.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="write the network before and after the full-batch update to this folder",
    )
    explain.set_defaults(run=cmd_explain, parser=explain)

    explore = sub.add_parser("explore", help="write the explorer: one offline HTML page of a training run")
    _add_training_options(explore)
    explore.add_argument(
        "--out",
        type=Path,
        default=Path("explorer.html"),
        metavar="FILE.html",
        help="the page to write (default explorer.html)",
    )
    explore.add_argument(
        "--lang", choices=LANGUAGES, default=None, help=f"language of the page (default: ${LANG_ENV}, else en)"
    )
    explore.set_defaults(run=cmd_explore, parser=explore)

    export = sub.add_parser("export", help="save a model file as a PyTorch module (needs torch)")
    export.add_argument("model", type=Path, metavar="MODEL.json", help="a model saved with train --save")
    export.add_argument("--to", type=Path, required=True, metavar="FILE.pt", help="the PyTorch file to write")
    export.set_defaults(run=cmd_export, parser=export)
    return parser


def _show_warning(
    message: Warning | str, category: type[Warning], filename: str, lineno: int, file: Any = None, line: Any = None
) -> None:
    """A warning as the command line shows it: ``warning: <message>`` on stderr, without file and line."""
    print(f"warning: {message}", file=sys.stderr)


def _quiet_on_a_closed_pipe() -> int:
    """The reader of stdout went away (``| head``): stop quietly, as a Unix tool killed by SIGPIPE, status 141.

    What Python still holds for stdout goes to devnull, so the exit does not complain either.
    """
    with contextlib.suppress(OSError, ValueError):  # no file descriptor (under a test's capture): nothing to redirect
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return 128 + 13  # SIGPIPE


def main(argv: Sequence[str] | None = None) -> int:
    """Run `tinygrad-dk` with ``argv`` (default: the command line); return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            if getattr(args, "no_warnings", False):
                warnings.simplefilter("ignore")
            status = int(args.run(args))
        sys.stdout.flush()  # here, where a closed pipe can still be handled, not at the interpreter's exit
        return status
    except (CommandError, TrainingDiverged) as error:
        print(f"tinygrad-dk {args.command}: {error}", file=sys.stderr)
        return 1
    except UsageError as error:
        parser: argparse.ArgumentParser = args.parser
        parser.error(str(error))  # exits with status 2
    except KeyboardInterrupt:
        print(f"tinygrad-dk {args.command}: interrupted", file=sys.stderr)
        return 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C
    except BrokenPipeError:
        return _quiet_on_a_closed_pipe()
    except MemoryError:  # the size checks keep runs far from this; a machine with little free memory can still get here
        print(f"tinygrad-dk {args.command}: out of memory; try fewer --samples or smaller --layers", file=sys.stderr)
        return 1
    except OSError as error:
        if error.strerror is None:  # our own message, naming the file and what to do
            print(f"tinygrad-dk {args.command}: {error}", file=sys.stderr)
        else:
            print(
                f"tinygrad-dk {args.command}: could not write {error.filename or 'a file'}: {error.strerror}",
                file=sys.stderr,
            )
        return 1


if __name__ == "__main__":
    sys.exit(main())
