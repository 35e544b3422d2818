"""Every check of user input and its message, so the modules read like the lessons they are.

A module calls one check per argument, where the input enters (``lr = check_real(lr, "SGD:
lr", above=0)``); the check returns the value in the form the module needs, or raises a
builtin exception whose message names the argument and says what to do. Standard library
and the engine only.
"""

from __future__ import annotations

import itertools
import math
import numbers
import random
from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from collections.abc import Set as AbstractSet
from typing import Any

from tinygrad_dk.engine import Value

# --- numbers, flags and parameter lists ---


def _is_number(x: object) -> bool:
    """An int, float, bool or numpy real scalar (a numpy 0-d array too)."""
    return isinstance(x, numbers.Real) or getattr(x, "shape", None) == ()


def _interval(above: float | None, at_least: float | None, below: float | None, at_most: float | None) -> str:
    """The bounds in words: ``> 0``, ``>= 0``, ``in (0, 1)``, ``in [0, 1]``, ``< 1``, or '' for none."""
    low, high = (above if above is not None else at_least), (below if below is not None else at_most)
    if low is not None and high is not None:
        return f"in {'(' if above is not None else '['}{low:g}, {high:g}{')' if below is not None else ']'}"
    if low is not None:
        return f"{'>' if above is not None else '>='} {low:g}"
    return "" if high is None else f"{'<' if below is not None else '<='} {high:g}"


def check_real(
    value: object,
    what: str,
    *,
    above: float | None = None,
    at_least: float | None = None,
    below: float | None = None,
    at_most: float | None = None,
    finite: bool = True,
    bools: bool = False,
    why: str = "",
) -> float:
    """``value`` as a float within the bounds given: a TypeError for a non-number, else a ValueError.

    ``what`` names the argument where it went in (``"SGD: lr"``). Ints, floats and numpy
    scalars are numbers; a bool only with ``bools``; inf and nan only without ``finite``.
    ``why`` ends the message of a value out of range (``": pass sigmoid outputs"``).

    >>> check_real(0.5, "SGD: lr", above=0)
    0.5
    >>> check_real(-1, "SGD: lr", above=0)
    Traceback (most recent call last):
    ValueError: SGD: lr must be > 0, got -1
    """
    if isinstance(value, Value):
        raise TypeError(f"{what} must be a plain number, not a Value: pass its .data")
    if (isinstance(value, bool) and not bools) or not _is_number(value):
        raise TypeError(f"{what} must be a number, not {type(value).__name__}: {value!r}")
    number = float(value)  # type: ignore[arg-type]
    if finite and not math.isfinite(number):
        interval = _interval(above, at_least, below, at_most)
        raise ValueError(f"{what} must be a finite number{' ' if interval else ''}{interval}, got {value!r}{why}")
    if not (
        (above is None or number > above)
        and (at_least is None or number >= at_least)
        and (below is None or number < below)
        and (at_most is None or number <= at_most)
    ):
        raise ValueError(f"{what} must be {_interval(above, at_least, below, at_most)}, got {value!r}{why}")
    return number


def check_flag(value: object, what: str) -> bool:
    """``value`` if it is True or False (1 and 0 are refused: a flag says what it means)."""
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be True or False, got {value!r}")
    return value


def check_nesterov(nesterov: object, momentum: float) -> bool:
    """SGD's ``nesterov`` flag, which needs ``momentum > 0``."""
    if check_flag(nesterov, "SGD: nesterov") and momentum == 0:
        raise ValueError("SGD: nesterov=True needs momentum > 0: pass momentum=0.9, say")
    return bool(nesterov)


def check_betas(betas: object, who: str) -> tuple[float, float]:
    """Adam's ``(beta1, beta2)``: a pair of numbers, each in [0, 1)."""
    if not isinstance(betas, (tuple, list)):
        raise TypeError(f"{who}: betas must be a pair (beta1, beta2), got {type(betas).__name__}: {betas!r}")
    if len(betas) != 2:
        raise ValueError(f"{who}: betas must be a pair (beta1, beta2), got {betas!r}")
    beta1, beta2 = (check_real(b, f"{who}: betas[{i}]", at_least=0, below=1) for i, b in enumerate(betas))
    return beta1, beta2


def check_params(params: object, who: str) -> list[Value]:
    """``params`` as a list of Values to update: at least one, and each only once."""
    if isinstance(params, Value) or not isinstance(params, Iterable):
        raise TypeError(
            f"{who}: params must be an iterable of Values such as model.parameters(), not {type(params).__name__}"
        )
    values = list(params)
    if not values:
        raise ValueError(
            f"{who}: optimizer got an empty parameter list: pass model.parameters() of a model with weights"
        )
    seen: dict[int, int] = {}
    for i, p in enumerate(values):
        if not isinstance(p, Value):
            raise TypeError(
                f"{who}: params[{i}] is a {type(p).__name__}, not a Value: an optimizer can "
                "only update Values (model.parameters())"
            )
        if id(p) in seen:
            raise ValueError(
                f"{who}: params[{i}] is the same Value as params[{seen[id(p)]}]: give each "
                "parameter once, or it would be updated twice per step"
            )
        seen[id(p)] = i
    return values


def check_same_length(X: Any, y: Any, who: str) -> None:
    """One label in ``y`` per sample in ``X``."""
    if len(X) != len(y):
        raise ValueError(
            f"{who}: X has {plural(len(X), 'sample')} but y has {plural(len(y), 'label')}: give one label per sample"
        )


def check_split(n: int, test_fraction: float, who: str) -> int:
    """The test set's size, ``ceil(n * test_fraction)``, if that leaves a sample to train on."""
    n_test = math.ceil(n * test_fraction)
    if n_test >= n:
        raise ValueError(
            f"{who}: {n} samples with test_fraction={test_fraction} leave none to train on: "
            "give more samples or a smaller test_fraction"
        )
    return n_test


# --- losses: predictions, targets, labels, logits ---


def is_batch(x: Any) -> bool:
    """A list, tuple or numpy array with at least one axis (a Value or a number is one sample)."""
    return isinstance(x, (list, tuple)) or getattr(x, "ndim", 0) >= 1


def check_value(x: object, what: str) -> Value:
    """``x`` as a Value: a Value as it is, a number (numpy scalars too) as a new leaf."""
    if isinstance(x, Value):
        return x
    if _is_number(x):
        return Value(float(x))  # type: ignore[arg-type]
    raise TypeError(f"{what} must be a Value or a number, not {type(x).__name__}: {x!r}")


def check_target(x: object, what: str) -> Value | float:
    """A target: a Value stays one (gradients flow into it); a number is a float, the op's constant."""
    return x if isinstance(x, Value) else check_real(x, what, finite=False, bools=True)


def check_probability(x: object, what: str) -> Value:
    """``x`` as a Value (`check_value`) whose data is a probability, in [0, 1]."""
    p = check_value(x, what)
    check_real(p.data, what, at_least=0, at_most=1, why=": pass sigmoid outputs, or use bce_with_logits on raw scores")
    return p


def _plural_of(word: str) -> str:
    return word[:-5] + "indices" if word.endswith("index") else word + "s"


def check_pairs(
    pred: Any, target: Any, loss: str, what: tuple[str, str] = ("prediction", "target")
) -> list[tuple[Any, Any]]:
    """(prediction, target) pairs of one sample or a batch; length mismatches and empty batches raise."""
    (p1, t1), (ps, ts) = what, (_plural_of(what[0]), _plural_of(what[1]))
    if not is_batch(pred):
        if is_batch(target):
            raise ValueError(
                f"{loss}: one {p1} but {len(target)} {ts}: give a list of {ps} for a batch, or one {t1} for one sample"
            )
        return [(pred, target)]
    if not is_batch(target):
        raise ValueError(f"{loss}: {len(pred)} {ps} but one {t1} ({target!r}): give one {t1} per {p1}")
    if len(pred) != len(target):
        raise ValueError(f"{loss}: {len(pred)} {ps} but {len(target)} {ts}: give one {t1} per {p1}")
    if len(pred) == 0:
        raise ValueError(f"{loss}: empty batch: give at least one {p1}")
    return list(zip(pred, target, strict=True))


def check_sign_label(label: object, loss: str) -> float:
    """A margin loss's class label: -1 or +1, as a float."""
    y = check_real(label, f"{loss}: each label", finite=False, bools=True)
    if y not in (-1.0, 1.0):
        raise ValueError(f"{loss}: label {y!r} is not -1 or +1: map 0/1 labels with 2 * y - 1")
    return y


def check_values(values: Iterable[object], what: str) -> list[Value]:
    """``values`` as a list of Values, such as ``model.parameters()``."""
    checked = list(values)
    for v in checked:
        if not isinstance(v, Value):
            raise TypeError(f"{what} must be Values (model.parameters()), not {type(v).__name__}: {v!r}")
    return checked  # type: ignore[return-value]


def _class_index(t: object, k: int) -> int:
    if isinstance(t, bool) or not isinstance(t, numbers.Integral):  # numpy integers are Integral too
        raise TypeError(f"cross_entropy: a target must be an int class index, not {type(t).__name__}: {t!r}")
    index = int(t)
    if not 0 <= index < k:
        raise ValueError(f"cross_entropy: target index {index} is out of range for {k} logits: use 0..{k - 1}")
    return index


def _logit_row(row: Any, t: object) -> tuple[list[Value], int]:
    """One sample's logits as Values, and its class index.

    A number given as a logit must be finite; a Value (a model's output) may be nan or inf, which
    then runs through the loss as through every other, for `fit` to report as divergence.
    """
    if len(row) == 0:
        raise ValueError("cross_entropy: a sample has no logits: give one logit per class")
    index = _class_index(t, len(row))
    bad = next((v for v in row if not isinstance(v, Value) and _is_number(v) and not math.isfinite(v)), None)
    if bad is not None:
        raise ValueError(f"cross_entropy: a logit is {bad!r}: a number given as a logit must be finite")
    return [check_value(v, "cross_entropy: each logit") for v in row], index


def check_logits(logits: Any, target_index: Any) -> list[tuple[list[Value], int]]:
    """cross_entropy's input as (logits, class index) pairs: one for one sample, one per sample for a batch."""
    if not is_batch(logits):
        raise TypeError(
            f"cross_entropy: logits must be a list of Values (one per class) or a list of such "
            f"lists, not {type(logits).__name__}"
        )
    if len(logits) == 0:
        raise ValueError("cross_entropy: logits is empty: give one logit per class (or a non-empty batch)")
    if not is_batch(target_index):  # one sample
        if is_batch(logits[0]):
            raise ValueError(
                f"cross_entropy: a batch of {len(logits)} logit lists but one target index "
                f"({target_index!r}): give one index per sample"
            )
        return [_logit_row(logits, target_index)]
    if not all(is_batch(row) for row in logits):
        raise ValueError("cross_entropy: a list of target indices needs a list of logit lists, one per sample")
    return [
        _logit_row(row, t)
        for row, t in check_pairs(logits, target_index, "cross_entropy", ("logit list", "target index"))
    ]


# --- nn, perceptron and model files: sizes, choices, inputs, states ---


def check_choice(value: object, choices: Sequence[str], what: str) -> str:
    """``value`` if it is one of the names ``choices`` (``what`` says what it names: ``"init"``)."""
    if value not in choices:
        raise ValueError(f"unknown {what} {value!r}: use one of {', '.join(choices)}")
    return str(value)


def check_rng(rng: object, what: str) -> random.Random:
    """``rng`` if it is a random.Random; None means Python's global generator, the one micrograd draws from."""
    if rng is None:
        return random._inst  # the generator behind random.uniform and random.seed
    if not isinstance(rng, random.Random):
        raise TypeError(f"{what} must be a random.Random or None, not {type(rng).__name__}: {rng!r}")
    return rng


def layer_weights(sizes: Sequence[int]) -> int:
    """The weights and biases of fully connected layers of ``sizes`` (inputs first): sum of ``(fan_in + 1) * fan_out``.

    >>> layer_weights([2, 16, 16, 1])  # MLP(2, [16, 16, 1]): 3 * 16 + 17 * 16 + 17 * 1
    337
    """
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in itertools.pairwise(sizes))


def check_sizes(sizes: object, what: str) -> list[int]:
    """Layer sizes such as ``[16, 16, 1]``: a non-empty list of ints >= 1."""
    if isinstance(sizes, (str, bytes, Mapping)) or not isinstance(sizes, Iterable):
        raise TypeError(
            f"{what} must be a list of layer sizes such as [16, 16, 1], not {type(sizes).__name__}: {sizes!r}"
        )
    checked = [check_count(n, f"{what}[{i}]") for i, n in enumerate(sizes)]
    if not checked:
        raise ValueError(f"{what} is empty: give the size of each layer, such as [16, 16, 1]")
    return checked


def check_inputs(x: object, nin: int, who: str) -> Sequence[Any]:
    """``x`` as ``nin`` numbers or Values, for a model's ``__call__`` (checked on every call: kept cheap).

    A list, tuple or numpy array: ordered. A dict or set is refused, since its order is not
    the inputs' (a dict would give its keys), and so is a string.
    """
    if type(x) is list or type(x) is tuple:  # the common case, without the slower checks below
        pass
    elif isinstance(x, (Mapping, AbstractSet)):
        why = "its keys would be taken as the inputs" if isinstance(x, Mapping) else "a set has no order"
        raise TypeError(
            f"{who} takes a list of {nin} numbers or Values, not a {type(x).__name__}: {x!r}; {why}: "
            "pass the inputs as a list, in order"
        )
    elif isinstance(x, (Value, numbers.Number, str, bytes)) or not isinstance(x, Sized) or not isinstance(x, Iterable):
        raise TypeError(
            f"{who} takes a list of {nin} numbers or Values, not {type(x).__name__}: {x!r}; "
            "wrap a single input in a list: model([x])"
        )
    if len(x) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(x)}: give one number or Value per input")
    for i, xi in enumerate(x):
        if not isinstance(xi, (Value, numbers.Real)):
            raise TypeError(f"{who} input {i} must be a number or a Value, not {type(xi).__name__}: {xi!r}")
    return x  # type: ignore[return-value]


def check_row(x: object, nin: int, who: str) -> list[float]:
    """`check_inputs`, as plain finite floats (a Value gives its data): the perceptron's rule has no use for NaN."""
    row = [xi.data if isinstance(xi, Value) else float(xi) for xi in check_inputs(x, nin, who)]
    for i, v in enumerate(row):
        if not math.isfinite(v):
            raise ValueError(f"{who} input {i} is {v}: inputs must be finite numbers; drop or fix that value")
    return row


def check_binary_examples(
    X: Iterable[object], y: Iterable[object], nin: int, who: str
) -> tuple[list[list[float]], list[int]]:
    """``(rows, labels)``: at least one row of ``nin`` numbers, and one label, 0 or 1, per row."""
    rows = [check_row(x, nin, f"{who} row {i}") for i, x in enumerate(X)]
    labels = list(y)
    if not rows:
        raise ValueError(f"{who} got no examples: X is empty")
    if len(labels) != len(rows):
        raise ValueError(f"{who} got {len(rows)} rows in X but {len(labels)} labels in y: give one label per row")
    targets = []
    for i, t in enumerate(labels):
        if not isinstance(t, numbers.Real) or t not in (0, 1):
            raise ValueError(f"{who} label {i} is {t!r}: labels must be 0 or 1")
        targets.append(1 if t == 1 else 0)  # 1, 1.0 and True are 1
    return rows, targets


def check_state(state: object, names: Sequence[str], owner: object) -> list[float]:
    """The numbers of a ``state_dict`` for the parameters ``names``, in that order: none missing, none extra."""
    if not isinstance(state, Mapping):
        raise TypeError(f"load_state_dict takes a dict of name -> number, not {type(state).__name__}")
    for name in names:
        if name not in state:
            raise ValueError(
                f"load_state_dict: parameter {name!r} is missing ({len(state)} names given, "
                f"{len(names)} expected): load a state saved from {owner!r}"
            )
    known = set(names)
    for name in state:
        if name not in known:
            raise ValueError(
                f"load_state_dict: unexpected parameter {name!r}: {owner!r} has no such "
                "parameter; load a state saved from a model of the same shape"
            )
    values = []
    for name in names:
        v = state[name]
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise ValueError(f"load_state_dict: parameter {name!r} must be a number, not {type(v).__name__}: {v!r}")
        try:
            number = float(v)
        except OverflowError:  # an int beyond the largest float: no weight a training makes
            raise ValueError(
                f"load_state_dict: parameter {name!r} is an integer beyond the float range (about 1.8e308): "
                "weights must be finite numbers"
            ) from None
        if not math.isfinite(number):
            raise ValueError(
                f"load_state_dict: parameter {name!r} is {v}: weights must be finite "
                "(the training that made them diverged; lower the learning rate)"
            )
        values.append(number)
    return values


def check_activation(
    activation: object, nonlin: bool, table: Mapping[str, Callable[[Value], Value]]
) -> tuple[str, Callable[[Value], Value]]:
    """The (name, function) for an activation name or function; None means relu if ``nonlin`` else linear."""
    if activation is None:
        activation = "relu" if nonlin else "linear"  # micrograd's meaning of nonlin
    if isinstance(activation, str):
        if activation not in table:
            raise ValueError(
                f"unknown activation {activation!r}: use one of {', '.join(table)}, or a function from Value to Value"
            )
        return activation, table[activation]
    if callable(activation):
        return getattr(activation, "__name__", type(activation).__name__), activation
    raise TypeError(
        f"activation must be a name ({', '.join(table)}) or a function from Value to Value, "
        f"not {type(activation).__name__}: {activation!r}"
    )


def check_named_activation(
    name: str, fn: Callable[..., Any], table: Mapping[str, Callable[..., Any]], owner: object
) -> str:
    """``name`` if ``fn`` is the activation ``table`` gives that name: only a name can go in a model file."""
    if table.get(name) is not fn:
        raise ValueError(
            f"cannot save {owner!r}: its activation {name!r} is a function, not one of the names "
            f"{', '.join(table)}; use a named activation, or keep state_dict() yourself"
        )
    return name


def check_savable_class(model: object, classes: Mapping[str, type]) -> None:
    """``model`` is of one of the ``classes`` a model file can name (not a subclass: its file would not rebuild it)."""
    if classes.get(type(model).__name__) is not type(model):
        raise TypeError(
            f"{type(model).__name__} cannot be saved: only {', '.join(classes)} can; keep its state_dict() yourself"
        )


def check_finite_state(state: dict[str, float], owner: object) -> dict[str, float]:
    """``state`` if every weight in it is finite (JSON has no inf or nan, and such a model is no use)."""
    for name, v in state.items():
        if not math.isfinite(v):
            raise ValueError(
                f"cannot save {owner!r}: parameter {name!r} is {v}: training diverged; "
                "lower the learning rate, or load_state_dict() an earlier state"
            )
    return state


# ======== end of the nnsplit section ========


def check_seed(seed: object, who: str, *, none_means: int | None = None) -> int:
    """``seed`` as an int; floats and strings are refused, since they would not reproduce.

    None is refused too, unless ``none_means`` says which seed it stands for (a model's
    ``seed=None`` means seed 0, so every model is reproducible).
    """
    if seed is None and none_means is not None:
        return none_means
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        kind = "an int such as 0" if none_means is None else "an int or None"
        raise TypeError(
            f"{who}: seed must be {kind}, not {type(seed).__name__}: {seed!r} "
            "(every random choice comes from an explicit seed, so runs reproduce)"
        )
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


def check_at_most(count: int, limit: int, what: str, why: str) -> int:
    """``count`` if it is at most ``limit``, else a ValueError naming the limit and (``why``) what it protects.

    >>> check_at_most(10**12, 1_000_000, "make_moons: n_samples", " (MAX_SAMPLES)")
    Traceback (most recent call last):
    ValueError: make_moons: n_samples must be at most 1,000,000 (MAX_SAMPLES), got 1,000,000,000,000
    """
    if count > limit:
        raise ValueError(f"{what} must be at most {limit:,}{why}, got {count:,}")
    return count


def check_op(row: Any, table: Mapping[str, Any]) -> None:
    """A new op-table row (`tinygrad_dk.define_op`): a fresh name, arity 1 or 2, functions, expression tuples."""
    if not isinstance(row.name, str) or not row.name.isidentifier():
        raise ValueError(f"define_op: name must be an identifier such as 'cube', got {row.name!r}")
    if row.name in table:
        raise ValueError(f"define_op: an op named {row.name!r} exists already: choose another name")
    if row.arity not in (1, 2) or isinstance(row.arity, bool):
        raise ValueError(
            f"define_op {row.name!r}: arity must be 1 (a Value and an optional constant) or 2 (two "
            f"Values), got {row.arity!r}"
        )
    for what in ("forward", "local"):
        if not callable(getattr(row, what)):
            raise TypeError(f"define_op {row.name!r}: {what} must be a function, not {getattr(row, what)!r}")
    for what in ("python", "numpy"):
        code = getattr(row, what)
        if code is not None and (
            not isinstance(code, tuple) or len(code) != 1 + row.arity or not all(isinstance(c, str) for c in code)
        ):
            raise ValueError(
                f"define_op {row.name!r}: {what} must be a tuple of {1 + row.arity} expression strings, "
                f"the forward and then one local derivative per operand, got {code!r}"
            )


def check_hand_made(op: object, children: Any, value: type) -> tuple[Any, ...]:
    """micrograd's ``Value(data, _children, _op)``: one or two Values, and the op's name as a string."""
    if not isinstance(op, str):
        raise TypeError(f"Value _op must be a str such as 'tanh', not {type(op).__name__}: {op!r}")
    if isinstance(children, (str, bytes)) or not isinstance(children, Iterable):
        raise TypeError(
            f"Value's second argument is a label (a str) or, as in micrograd, its _children (a tuple of "
            f"Values), not {type(children).__name__}: {children!r}"
        )
    found = tuple(children)
    if not 1 <= len(found) <= 2 or not all(isinstance(c, value) for c in found):
        raise ValueError(
            f"Value _children must be one or two Values (the op's operands), got {found!r}; an op of "
            "more operands is several ops of one or two"
        )
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
    X = _as_list(X) if not isinstance(X, AbstractSet) else X  # a set of samples has no order to match y's
    if not isinstance(X, list):
        raise TypeError(
            f"{who}: X must be a list of samples (each a list of numbers) or a 2-D numpy array, not {type(X).__name__}"
        )
    if not X:
        raise ValueError(f"{who}: X is empty: give at least one sample")
    shape = (
        "write one-feature samples as [[x0], [x1], ...]"
        if features in (None, 1)
        else f"give each sample as a list of {features} numbers"
    )
    rows: list[list[float]] = []
    for i, row in enumerate(X):
        if isinstance(row, (Mapping, AbstractSet)):  # a set in no particular order; a dict would give its keys
            raise TypeError(
                f"{who}: X[{i}] is a {type(row).__name__}: {row!r}: "
                "give each sample as a list of numbers, in feature order"
            )
        row = _as_list(row)
        if not isinstance(row, list):
            raise ValueError(
                f"{who}: X must be 2-D, a list of samples each a list of numbers, but X[{i}] is {row!r}; {shape}"
            )
        if len(row) != len(rows[0] if rows else row):
            raise ValueError(
                f"{who}: X[{i}] has {len(row)} features but X[0] has {len(rows[0])}: every sample needs the same number"
            )
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
        raise ValueError(
            f"{who}: X has {plural(n, 'sample')} but y has {plural(len(y), 'label')}: give one label per sample"
        )
    labels = []
    for i, v in enumerate(y):
        if not isinstance(v, numbers.Real):
            raise TypeError(
                f"{who}: y[{i}] is a {type(v).__name__}: {v!r}: labels must be numbers (class labels "
                "such as 0/1, -1/+1 or 0..k-1)"
            )
        if not float(v).is_integer():
            raise ValueError(
                f"{who}: y[{i}] is {v!r}: labels must be whole numbers (class labels such as 0/1, -1/+1 or 0..k-1)"
            )
        labels.append(int(float(v)))
    return labels


# --- fit's arguments (train.py) ---


def check_model(model: Any, who: str) -> list[Any]:
    """``model.parameters()`` as a list, once the model is seen to be callable and to have them."""
    if not callable(model) or not callable(getattr(model, "parameters", None)):
        raise TypeError(
            f"{who}: model must be callable and have parameters() (a tinygrad_dk.nn.Module such as MLP), "
            f"not {type(model).__name__}"
        )
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
        raise TypeError(
            f"{who}: callbacks must be a list of functions, not {type(callbacks).__name__}; "
            "wrap one function as callbacks=[f]"
        )
    functions = list(callbacks)
    for cb in functions:
        if not callable(cb):
            raise TypeError(f"{who}: every callback must be a function callback(epoch, model, history), got {cb!r}")
    return functions


def check_model_seed(seed: object, who: str) -> int | None:
    """A model's ``seed``: an int for a generator of its own, or None to draw from the global ``random``.

    None is micrograd's way: after ``random.seed(1337)``, ``MLP(2, [16, 16, 1])`` gets the
    weights micrograd's own ``MLP`` would.
    """
    return None if seed is None else check_seed(seed, who, none_means=0)  # none_means: "an int or None"


# --- optimizer states (optim.py) ---


def check_optimizer_state(
    state: object, who: str, hyperparameters: Sequence[str]
) -> tuple[int, dict[str, Any], Mapping[Any, Any]]:
    """An optimizer's `state_dict` for a ``who``: its step count, its hyperparameters (all of them) and its buffers."""
    what = f"{who}.load_state_dict"
    if not isinstance(state, Mapping):
        raise TypeError(f"{what} takes the dict that state_dict() made, not {type(state).__name__}")
    keys = ("optimizer", "steps", "hyperparameters", "state")
    if sorted(state) != sorted(keys):
        raise ValueError(
            f"{what}: a state has the keys {', '.join(keys)} (as state_dict() makes them), "
            f"got {', '.join(map(str, state))}"
        )
    if state["optimizer"] != who:
        raise ValueError(
            f"{what}: this is the state of {state['optimizer']!r}, not of {who}: load it into a {state['optimizer']}"
        )
    steps = check_count(state["steps"], f"{what}: steps", minimum=0)
    given, buffers = state["hyperparameters"], state["state"]
    for name, part in (("hyperparameters", given), ("state", buffers)):
        if not isinstance(part, Mapping):
            raise TypeError(f"{what}: {name} must be a dict, not {type(part).__name__}")
    if sorted(given) != sorted(hyperparameters):
        raise ValueError(
            f"{what}: the hyperparameters must be {', '.join(hyperparameters)}, got {', '.join(map(str, given))}"
        )
    return steps, dict(given), buffers


def check_optimizer_buffers(
    buffers: Mapping[Any, Any], expected: Mapping[str, bool], n: int, who: str
) -> dict[str, list[Any]]:
    """The per-parameter lists of an optimizer's state: the names ``expected`` (each: may it hold None?), ``n`` each."""
    what = f"{who}.load_state_dict"
    if sorted(buffers) != sorted(expected):
        raise ValueError(
            f"{what}: for these hyperparameters the state holds {', '.join(expected) or 'nothing'}, "
            f"got {', '.join(map(str, buffers)) or 'nothing'}"
        )
    checked = {}
    for name, none_ok in expected.items():
        values = buffers[name]
        if not isinstance(values, list) or len(values) != n:
            got = f"{len(values)} values" if isinstance(values, list) else type(values).__name__
            raise ValueError(
                f"{what}: {name} must be a list of {n} numbers, one per parameter, got {got}: "
                "load a state saved by an optimizer of the same parameters"
            )
        checked[name] = [
            None if v is None and none_ok else check_real(v, f"{what}: {name}[{i}]") for i, v in enumerate(values)
        ]
    return checked
