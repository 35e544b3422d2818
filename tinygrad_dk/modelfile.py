"""Model files: `save` writes a model's architecture and weights as JSON (never pickle), `load` rebuilds it.

A model file is one JSON object::

    {"format": "tinygrad_dk.model", "version": 1, "class": "MLP",
     "config": {"nin": 2, "nouts": [16, 16, 1], ...}, "state": {"layers.0.neurons.0.w.0": 0.68, ...}}

``config`` holds the constructor's keywords and ``state`` the weights (`Module.state_dict`),
each float written as its repr, so a loaded model computes bit for bit what the saved one
did. `save` replaces the file atomically: a failed save leaves the old file as it was, and
only a regular file is replaced (see `tinygrad_dk._files` for links, pipes and devices, and
for what a save killed midway leaves). `load` reads the JSON with bounds (nesting, digits),
checks the document against `_CHECKS`, a table of what is checked, how, and the problem to
report, and raises a `ModelFileError` naming the file and the first problem. Among the
checks: the config's sizes imply as many weights as the state holds, so a file of a few
bytes cannot make `load` build a network of billions of weights.

This is a tool beside the core: it imports the networks, and the core imports it only
when it is used (`Module.save` calls `save`; ``tinygrad_dk.nn.load`` is this `load`).

>>> import pathlib, tempfile
>>> from tinygrad_dk.nn import MLP
>>> folder = tempfile.TemporaryDirectory()
>>> path = pathlib.Path(folder.name) / "model.json"
>>> model = MLP(2, [3, 1], seed=1)
>>> save(model, path)
>>> load(path)
MLP(2, [3, 1], activation='relu', output_activation='linear', seed=1)
>>> load(path).state_dict() == model.state_dict()
True
>>> folder.cleanup()
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinygrad_dk._checks import check_finite_state, check_savable_class, layer_weights
from tinygrad_dk._files import check_replaceable, kind_of, write_atomic
from tinygrad_dk.nn import MLP, Layer, Module, Neuron
from tinygrad_dk.perceptron import Perceptron

__all__ = ["FORMAT", "VERSION", "ModelFileError", "load", "save"]

FORMAT = "tinygrad_dk.model"  # the "format" field of a model file
VERSION = 1  # the "version" field this code writes and reads

_CLASSES: dict[str, type[Module]] = {cls.__name__: cls for cls in (MLP, Perceptron, Layer, Neuron)}  # "class"


class ModelFileError(ValueError):
    """A model file that `load` cannot read: the message names the file and the first problem."""


class _MissingModelFile(ModelFileError, FileNotFoundError):
    """A missing model file: also a FileNotFoundError, for ``except FileNotFoundError``."""


def save(model: Module, path: str | os.PathLike[str]) -> None:
    """Write ``model`` (an MLP, Perceptron, Layer or Neuron) to the JSON file ``path``, which `load` reads."""
    path = check_replaceable(path)  # a folder, link, pipe or device there: refused before any work
    check_savable_class(model, _CLASSES)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "class": type(model).__name__,
        "config": model._config(),
        "state": check_finite_state(model.state_dict(), model),
    }
    write_atomic(path, (json.dumps(document, indent=1, allow_nan=False) + "\n").encode())  # floats as repr


# --- reading: the file, then the document against the table ---


class _Unreadable(Exception):
    """A number in the JSON that no model file holds: `_read` reports it as a ModelFileError."""


def _int(text: str) -> int:
    """A JSON integer, within Python's limit on digits (4300 by default): beyond it is no size, seed or weight."""
    try:
        return int(text)
    except ValueError:
        raise _Unreadable(
            f"it holds an integer of {len(text.lstrip('-'))} digits, too long for any number a model has"
        ) from None


def _read(path: Path) -> Any:
    """The JSON document in ``path``; a file that is missing, not a regular file, unreadable, empty or not JSON is a
    ModelFileError."""
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):  # a folder, a pipe, /dev/zero: no end, or nothing, to read
            raise ModelFileError(f"cannot load {path}: it is {kind_of(mode)}, not a model file")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _MissingModelFile(f"cannot load {path}: there is no such file") from None
    except UnicodeDecodeError as error:
        raise ModelFileError(f"cannot load {path}: it is not a model file (not UTF-8 text: {error.reason})") from None
    except OSError as error:  # no permission, ...
        raise ModelFileError(f"cannot load {path}: {error.strerror or error}") from None
    if not text.strip():
        raise ModelFileError(f"cannot load {path}: the file is empty; save the model again")
    try:
        return json.loads(text, parse_int=_int)
    except json.JSONDecodeError as error:
        raise ModelFileError(
            f"cannot load {path}: it is not valid JSON ({error.msg} at line {error.lineno}, "
            f"column {error.colno}); the file may be truncated, save the model again"
        ) from None
    except RecursionError:  # [[[[...]]]]: the parser recurses once per level
        raise ModelFileError(f"cannot load {path}: it is not a model file (its JSON nests too deep)") from None
    except _Unreadable as error:
        raise ModelFileError(f"cannot load {path}: it is not a model file ({error})") from None


def _keys(d: dict[str, Any]) -> str:
    """The config keys the document's class takes, for the messages."""
    return ", ".join(_CLASSES[d["class"]]._CONFIG_KEYS)


def _missing(d: dict[str, Any]) -> list[str]:
    return [key for key in _CLASSES[d["class"]]._CONFIG_KEYS if key not in d["config"]]


def _unknown(d: dict[str, Any]) -> list[str]:
    return [key for key in d["config"] if key not in _CLASSES[d["class"]]._CONFIG_KEYS]


def _version_problem(d: dict[str, Any]) -> str:
    version = d.get("version")
    newer = "; it was written by a newer tinygrad_dk, upgrade it" if type(version) is int and version > VERSION else ""
    return f"its version is {version!r}, and this tinygrad_dk reads version {VERSION}{newer}"


# the layer sizes, inputs first, that each class's config implies (its weights: `layer_weights`)
_SIZES: dict[str, Callable[[dict[str, Any]], list[Any]]] = {
    "MLP": lambda c: [c["nin"], *c["nouts"]] if isinstance(c["nouts"], list) else [],
    "Layer": lambda c: [c["nin"], c["nout"]],
    "Neuron": lambda c: [c["nin"], 1],
    "Perceptron": lambda c: [c["nin"], 1],
}


def _implied(d: dict[str, Any]) -> int | None:
    """How many weights the config's sizes imply; None for sizes that are not whole numbers >= 1 (the class says)."""
    sizes = _SIZES[d["class"]](d["config"])
    if not sizes or not all(type(n) is int and n >= 1 for n in sizes):
        return None
    return layer_weights(sizes)


def _count_problem(d: dict[str, Any]) -> str:
    implied = _implied(d) or 0  # not None: the row fails only on a count
    amount = f"{implied:,}" if implied < 10**30 else "more than 10**30"  # a size of 4000 digits is no count to print
    return (
        f"its config implies {amount} weights but its state holds {len(d['state']):,}: "
        "the file was damaged or edited; save the model again"
    )


# (what is checked, how, the problem when it fails): in order, each row relying on the rows above it
_CHECKS: list[tuple[str, Callable[[Any], bool], Callable[[Any], str]]] = [
    (
        "the document is a JSON object",
        lambda d: isinstance(d, dict),
        lambda d: f"it is not a model file (its JSON is a {type(d).__name__}, not an object)",
    ),
    (
        "its format is FORMAT",
        lambda d: d.get("format") == FORMAT,
        lambda d: f"it is not a model file: its format is {d.get('format')!r}, not {FORMAT!r}",
    ),
    ("its version is VERSION", lambda d: type(d.get("version")) is int and d["version"] == VERSION, _version_problem),
    (
        "its class is one that loads",
        lambda d: isinstance(d.get("class"), str) and d["class"] in _CLASSES,
        lambda d: f"its class is {d.get('class')!r}, not one of {', '.join(_CLASSES)}",
    ),
    (
        "its config is an object",
        lambda d: isinstance(d.get("config"), dict),
        lambda d: f"its config is {type(d.get('config')).__name__}, not an object",
    ),
    (
        "its state is an object",
        lambda d: isinstance(d.get("state"), dict),
        lambda d: f"its state is {type(d.get('state')).__name__}, not an object of name -> number",
    ),
    (
        "its config has every key its class needs",
        lambda d: not _missing(d),
        lambda d: f"its config lacks {_missing(d)[0]!r} (a {d['class']} needs {_keys(d)})",
    ),
    (
        "its config has no other key",
        lambda d: not _unknown(d),
        lambda d: f"its config has an unknown key {_unknown(d)[0]!r} (a {d['class']} takes {_keys(d)})",
    ),
    (  # before anything is built: a few bytes of config must not build a network of billions of weights
        "its config implies as many weights as its state holds",
        lambda d: _implied(d) in (None, len(d["state"])),
        _count_problem,
    ),
]


def load(path: str | os.PathLike[str]) -> Module:
    """Rebuild the model that `save` (or `Module.save`) wrote to ``path``: architecture and weights.

    Raises `ModelFileError` (a ValueError) naming the file and the first problem.
    """
    path = Path(path)
    document = _read(path)
    for _, ok, problem in _CHECKS:
        if not ok(document):
            raise ModelFileError(f"cannot load {path}: {problem(document)}")
    name, config = document["class"], document["config"]
    try:
        model = _CLASSES[name](**config)
    except (TypeError, ValueError) as error:  # a bad size, name or type in the config
        raise ModelFileError(f"cannot load {path}: its config {config!r} does not build a {name}: {error}") from None
    try:
        model.load_state_dict(document["state"])
    except ValueError as error:
        raise ModelFileError(f"cannot load {path}: its state does not fit {model!r}: {error}") from None
    return model
