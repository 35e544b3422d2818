"""Checks shared by the modules where user input enters."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any


def check_seed(seed: object, who: str) -> int:
    """``seed`` as an int; None, floats and strings are refused, since they would not reproduce."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{who}: seed must be an int such as 0, not {type(seed).__name__}: {seed!r} "
                        "(every random choice comes from an explicit seed, so runs reproduce)")
    return int(seed)


def check_count(value: object, what: str, minimum: int = 1, why: str = "", maximum: int | None = None) -> int:
    """``value`` as an int from ``minimum`` (to ``maximum``): TypeError for a non-int or a bool, else ValueError.

    ``what`` names the argument and where it went in (``"fit: epochs"``); ``why`` says why
    the minimum is what it is (``" (one per moon)"``).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}: {value!r}")
    count = int(value)
    if maximum is not None and not minimum <= count <= maximum:
        raise ValueError(f"{what} must be from {minimum} to {maximum}{why}, got {value!r}")
    if count < minimum:
        raise ValueError(f"{what} must be >= {minimum}{why}, got {value!r}")
    return count


def check_op(row: Any, table: Mapping[str, Any]) -> None:
    """A new op-table row (`tinygrad_dk.define_op`): a fresh name, arity 1 or 2, functions, expression tuples."""
    if not isinstance(row.name, str) or not row.name.isidentifier():
        raise ValueError(f"define_op: name must be an identifier such as 'cube', got {row.name!r}")
    if row.name in table:
        raise ValueError(f"define_op: an op named {row.name!r} exists already: choose another name")
    if row.arity not in (1, 2) or isinstance(row.arity, bool):
        raise ValueError(f"define_op {row.name!r}: arity must be 1 (a Value and an optional constant) or 2 (two "
                         f"Values), got {row.arity!r}")
    for what in ("forward", "local"):
        if not callable(getattr(row, what)):
            raise TypeError(f"define_op {row.name!r}: {what} must be a function, not {getattr(row, what)!r}")
    for what in ("python", "numpy"):
        code = getattr(row, what)
        if code is not None and (not isinstance(code, tuple) or len(code) != 1 + row.arity
                                 or not all(isinstance(c, str) for c in code)):
            raise ValueError(f"define_op {row.name!r}: {what} must be a tuple of {1 + row.arity} expression strings, "
                             f"the forward and then one local derivative per operand, got {code!r}")


def check_hand_made(op: object, children: Any, value: type) -> tuple[Any, ...]:
    """micrograd's ``Value(data, _children, _op)``: one or two Values, and the op's name as a string."""
    if not isinstance(op, str):
        raise TypeError(f"Value _op must be a str such as 'tanh', not {type(op).__name__}: {op!r}")
    if isinstance(children, (str, bytes)) or not isinstance(children, Iterable):
        raise TypeError(f"Value's second argument is a label (a str) or, as in micrograd, its _children (a tuple of "
                        f"Values), not {type(children).__name__}: {children!r}")
    found = tuple(children)
    if not 1 <= len(found) <= 2 or not all(isinstance(c, value) for c in found):
        raise ValueError(f"Value _children must be one or two Values (the op's operands), got {found!r}; an op of "
                         "more operands is several ops of one or two")
    return found


def _as_list(data: Any) -> Any:
    """numpy arrays, ranges, tuples and other iterables as a list; a str, bytes or dict as itself (refused later)."""
    if hasattr(data, "tolist"):  # numpy
        return data.tolist()
    if isinstance(data, Iterable) and not isinstance(data, (str, bytes, Mapping)):
        return list(data)
    return data


def check_samples(X: Any, who: str, features: int | None = None, why: str = "") -> list[list[float]]:
    """``X`` as a list of equally long lists of finite floats (numpy arrays are converted).

    ``features``, if given, is how many numbers each sample must have; ``why`` says why.
    """
    X = _as_list(X)
    if not isinstance(X, list):
        raise TypeError(f"{who}: X must be a list of samples (each a list of numbers) or a 2-D numpy array, "
                        f"not {type(X).__name__}")
    if not X:
        raise ValueError(f"{who}: X is empty: give at least one sample")
    shape = ("write one-feature samples as [[x0], [x1], ...]" if features in (None, 1)
             else f"give each sample as a list of {features} numbers")
    rows: list[list[float]] = []
    for i, row in enumerate(X):
        row = _as_list(row)
        if not isinstance(row, list):
            raise ValueError(f"{who}: X must be 2-D, a list of samples each a list of numbers, but X[{i}] is "
                             f"{row!r}; {shape}")
        if len(row) != len(rows[0] if rows else row):
            raise ValueError(f"{who}: X[{i}] has {len(row)} features but X[0] has {len(rows[0])}: every sample "
                             "needs the same number")
        for j, v in enumerate(row):
            if not isinstance(v, numbers.Real):
                raise TypeError(f"{who}: X[{i}][{j}] is a {type(v).__name__}: {v!r}: features must be numbers")
            if not math.isfinite(v):
                raise ValueError(f"{who}: X[{i}][{j}] is {v!r}: features must be finite numbers")
        rows.append([float(v) for v in row])
    if not rows[0]:
        raise ValueError(f"{who}: the samples in X have no features: give at least one number per sample")
    if features is not None and len(rows[0]) != features:
        raise ValueError(f"{who}: the samples in X have {len(rows[0])} features, not {features}{why}")
    return rows


def plural(n: int, thing: str) -> str:
    """``1 sample``, ``2 samples``."""
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def check_labels(y: Any, n: int, who: str) -> list[int]:
    """``y`` as a list of ``n`` int labels (numpy arrays, bools and whole floats such as 1.0 are accepted)."""
    y = _as_list(y)
    if not isinstance(y, list):
        raise TypeError(f"{who}: y must be a list of class labels or a 1-D numpy array, not {type(y).__name__}")
    if len(y) != n:
        raise ValueError(f"{who}: X has {plural(n, 'sample')} but y has {plural(len(y), 'label')}: give one label "
                         "per sample")
    labels = []
    for i, v in enumerate(y):
        if not isinstance(v, numbers.Real):
            raise TypeError(f"{who}: y[{i}] is a {type(v).__name__}: {v!r}: labels must be numbers (class labels "
                            "such as 0/1, -1/+1 or 0..k-1)")
        if not float(v).is_integer():
            raise ValueError(f"{who}: y[{i}] is {v!r}: labels must be whole numbers (class labels such as 0/1, "
                             "-1/+1 or 0..k-1)")
        labels.append(int(float(v)))
    return labels


# --- fit's arguments (train.py) ---

def check_model(model: Any, who: str) -> list[Any]:
    """``model.parameters()`` as a list, once the model is seen to be callable and to have them."""
    if not callable(model) or not callable(getattr(model, "parameters", None)):
        raise TypeError(f"{who}: model must be callable and have parameters() (a tinygrad_dk.nn.Module such as MLP), "
                        f"not {type(model).__name__}")
    return list(model.parameters())


def check_batch_size(batch_size: object, who: str) -> int | None:
    """None (full batch) or a count >= 1."""
    return None if batch_size is None else check_count(batch_size, f"{who}: batch_size")


def check_l2(l2: object, who: str) -> float:
    """The weight of the L2 penalty: a finite number >= 0."""
    if isinstance(l2, bool) or not isinstance(l2, numbers.Real) or not (math.isfinite(l2) and float(l2) >= 0):
        raise ValueError(f"{who}: l2 must be a finite number >= 0, got {l2!r}")
    return float(l2)


def check_callbacks(callbacks: object, who: str) -> list[Any]:
    """``callbacks`` as a list of functions (one function alone is refused, with how to pass it)."""
    if not isinstance(callbacks, Iterable):
        raise TypeError(f"{who}: callbacks must be a list of functions, not {type(callbacks).__name__}; "
                        "wrap one function as callbacks=[f]")
    functions = list(callbacks)
    for cb in functions:
        if not callable(cb):
            raise TypeError(f"{who}: every callback must be a function callback(epoch, model, history), got {cb!r}")
    return functions
