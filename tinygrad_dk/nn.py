"""Networks built from `Value` scalars: `Neuron`, `Layer` and `MLP`, on the base class `Module`.

Shapes and names follow micrograd, so its training loop runs unchanged:

>>> model = MLP(2, [16, 16, 1])  # two relu layers of 16, one linear output
>>> len(model.parameters())
337
>>> loss = (model([2.0, -1.0]) - 1.0) ** 2
>>> model.zero_grad()
>>> loss.backward()
>>> for p in model.parameters():
...     p.data -= 0.01 * p.grad

Randomness: ``MLP(..., seed=1)`` owns ``random.Random(1)``, so the same seed gives the same
weights and the global ``random`` state is left alone. Without a seed (``seed=None``, and
``rng=None`` for `Layer` and `Neuron`) a model draws from Python's global ``random``, in
micrograd's order, as micrograd does: after ``random.seed(1337)``, ``MLP(2, [16, 16, 1])``
starts from micrograd's weights. Everything the package builds for itself (the CLI, `demo`,
`explain`) passes a seed.

Names count from 0, labels from 1. `Module.named_parameters` and `Module.state_dict` use
Python's (and PyTorch's) 0-based indices: ``layers.0.neurons.3.w.1`` is the second
weight of the fourth neuron of the first layer. The labels that computation graphs show
count from 1, as a textbook does: that weight is ``L1.n4.w2`` and its neuron's bias
``L1.n4.b``.

The classic `Perceptron` lives in `tinygrad_dk.perceptron`, model files (`Module.save`,
`load`, `ModelFileError`, `FORMAT`, `VERSION`) in `tinygrad_dk.modelfile`; both import from
here as before.
"""

from __future__ import annotations

import importlib
import math
import os
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from tinygrad_dk._checks import (
    check_activation,
    check_choice,
    check_count,
    check_inputs,
    check_model_seed,
    check_named_activation,
    check_rng,
    check_sizes,
    check_state,
    layer_weights,
)
from tinygrad_dk.engine import Value
from tinygrad_dk.ops import Op, activation_rows

# names that moved, still importable from here through `__getattr__` at the end
_ELSEWHERE = {
    "Perceptron": "tinygrad_dk.perceptron",  # a module of its own, which imports Module from here
    **{name: "tinygrad_dk.modelfile" for name in ("FORMAT", "VERSION", "ModelFileError", "load")},
}
__all__ = ["ACTIVATIONS", "INITS", "MAX_PARAMETERS", "MLP", "Layer", "Module", "Neuron", *_ELSEWHERE]

INITS = ("uniform", "xavier", "he")  # weight initializations; every bias starts at 0
# The largest model nn builds. Measured (MLP(2, [999, 999, 1]), 1,002,997 parameters): the
# model takes 256 bytes and 2 microseconds per parameter to build, and one sample's forward
# and backward pass 590 bytes and 7 microseconds more per parameter. So a model at the limit
# needs about 0.26 GB, one sample's step under 1 GB and 7 seconds: the most a laptop takes
# comfortably, and far past what scalars are for (a full batch multiplies the step by n).
MAX_PARAMETERS = 1_000_000


def _check_parameter_count(count: int, what: str) -> None:
    """Refuse, before any Value is made, a model of more than `MAX_PARAMETERS` parameters."""
    if count > MAX_PARAMETERS:
        raise ValueError(
            f"{what} would have {count:,} parameters, more than nn.MAX_PARAMETERS = {MAX_PARAMETERS:,}: each "
            "is a Value of about 256 bytes, and a training step adds about 590 bytes per parameter per sample. "
            "Use smaller layers; a network this large belongs in a matrix library: tinygrad_dk.matrix shows "
            "the same network as numpy matrix products (docs/matrix.md), and PyTorch runs it at any size"
        )


# --- activations: "linear", and every row of the op table that names itself an activation ---


def linear(v: Value) -> Value:
    """The identity: no activation."""
    return v


def _activation_of(op: Op) -> Callable[[Value], Value]:
    """The function that applies ``op``'s row to a neuron's sum (with the row's constant: leaky ReLU's slope)."""
    constant = op.constant

    def activation(v: Value) -> Value:
        return v._apply(op, constant)

    activation.__name__ = activation.__qualname__ = str(op.activation)
    activation.__doc__ = f"The {op.activation} activation: the op {op.name!r} of the op table."
    return activation


class _Activations(Mapping[str, Callable[[Value], Value]]):
    """The activation functions by name, read live from the op table (`tinygrad_dk.ops`).

    A name gives the same function every time, so a model can tell a named activation from
    a function of the user's own; ``define_op(..., activation="name")`` adds one.
    """

    def __init__(self) -> None:
        self._made: dict[Op, Callable[[Value], Value]] = {}

    def __getitem__(self, name: str) -> Callable[[Value], Value]:
        if name == "linear":
            return linear
        op = activation_rows()[name]  # a KeyError for an unknown name, as a dict
        if op not in self._made:
            self._made[op] = _activation_of(op)
        return self._made[op]

    def __iter__(self) -> Iterator[str]:
        return iter([*activation_rows(), "linear"])

    def __len__(self) -> int:
        return len(activation_rows()) + 1


ACTIVATIONS: Mapping[str, Callable[[Value], Value]] = _Activations()


# --- the modules ---


class Module:
    """The base of every model: parameters, gradients, state, files and a summary."""

    _PARTS: tuple[str, ...] = ()  # the attributes holding the parameters, in order: ("w", "b") or ("layers",)
    _CONFIG_KEYS: tuple[str, ...] = ()  # the constructor's keywords that `_config` saves

    def __call__(self, x: Any) -> Any:
        """The model's output for input ``x`` (each subclass defines it)."""
        raise NotImplementedError(f"{type(self).__name__} must define __call__")

    def parameters(self) -> list[Value]:
        """Every trainable `Value`: per layer, per neuron, its weights and then its bias (as micrograd)."""
        if type(self).named_parameters is not Module.named_parameters:  # a model of your own that names them
            return [p for _, p in self.named_parameters()]
        return self._walk([], None)

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, parameter)`` pairs in `parameters` order; names like ``layers.0.neurons.3.w.1``."""
        return self._walk([], "")

    def _walk(self, out: list[Any], prefix: str | None) -> list[Any]:
        """Add the parameters to ``out`` in `_PARTS` order, named ``prefix + path`` unless ``prefix`` is None.

        The one definition of the order, read by `parameters` (without names, since it runs
        every training step) and `named_parameters`. A part is a Value (a bias), a list of
        Values (weights: ``w.0``, ``w.1``, ...) or a list of modules (``neurons.0.``, ...).
        """
        for attr in self._PARTS:
            part = getattr(self, attr)
            if isinstance(part, Value):
                out.append(part if prefix is None else (prefix + attr, part))
            elif not part or isinstance(part[0], Value):
                out += part if prefix is None else [(f"{prefix}{attr}.{i}", p) for i, p in enumerate(part)]
            else:
                for i, module in enumerate(part):
                    module._walk(out, None if prefix is None else f"{prefix}{attr}.{i}.")
        return out

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0 (gradients accumulate over ``backward`` calls)."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """A copy of the weights: ``{name: data}`` in `parameters` order."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set the weights from ``state`` (as made by `state_dict`); all is checked before any is changed."""
        named = self.named_parameters()
        values = check_state(state, [name for name, _ in named], self)
        for (_, p), v in zip(named, values, strict=True):
            p.data = v

    def _config(self) -> dict[str, Any]:
        """The constructor's keyword arguments that rebuild this architecture (each savable class defines it)."""
        raise NotImplementedError(f"{type(self).__name__} must define _config")

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model to a JSON file that `load` reads; the old file survives a failed save."""
        from tinygrad_dk.modelfile import save  # a tool: the core imports it only when it is used

        save(self, path)

    def _rows(self) -> list[tuple[str, int, int, str]]:
        """One ``(name, inputs, neurons, activation)`` row per layer, for `summary`."""
        return []

    def summary(self) -> str:
        """A table of the layers: inputs, neurons, activation and parameter counts."""
        header = ("layer", "inputs", "neurons", "activation", "weights", "biases", "parameters")
        rows = [
            (name, str(nin), str(nout), act, str(nin * nout), str(nout), str(nin * nout + nout))
            for name, nin, nout, act in self._rows()
        ]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

        def line(row: Sequence[str]) -> str:
            pairs = enumerate(zip(row, widths, strict=True))
            cells = [cell.ljust(w) if i in (0, 3) else cell.rjust(w) for i, (cell, w) in pairs]  # text left
            return "  ".join(cells).rstrip()

        return "\n".join([repr(self), line(header), *map(line, rows), f"total parameters: {len(self.parameters())}"])


class Neuron(Module):
    """One unit: ``activation(w · x + b)``.

    >>> n = Neuron(2, activation="tanh")
    >>> n.w[0].data, n.w[1].data, n.b.data = 0.5, -1.0, 0.0
    >>> n([2.0, 1.0])  # tanh(0.5 * 2 - 1 * 1 + 0)
    Value(data=0.0, grad=0.0)

    ``activation=None`` means relu if ``nonlin`` else linear (micrograd's ``nonlin``); an
    activation given by name or function wins over ``nonlin``. ``fan_out`` is the size of the
    layer the neuron sits in (xavier init uses it). Labels: ``w1``, ``w2``, ..., ``b``.
    """

    _PARTS = ("w", "b")  # the weights, then the bias
    _CONFIG_KEYS = ("nin", "activation", "init")

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        *,
        activation: str | Callable[[Value], Value] | None = None,
        rng: random.Random | None = None,
        init: str = "uniform",
        fan_out: int = 1,
    ) -> None:
        self.nin = check_count(nin, "Neuron nin")
        _check_parameter_count(self.nin + 1, f"Neuron({self.nin})")
        self.activation, self._fn = check_activation(activation, nonlin, ACTIVATIONS)
        self._call = None if self._fn is linear else self._fn  # skip the identity call
        self.init = check_choice(init, INITS, "init")
        rng = check_rng(rng, "Neuron rng")
        fan_out = check_count(fan_out, "Neuron fan_out")
        if self.init == "uniform":  # micrograd: U(-1, 1)
            weights = [rng.uniform(-1.0, 1.0) for _ in range(self.nin)]
        elif self.init == "xavier":  # Glorot and Bengio (2010): U(-a, a), a = sqrt(6 / (fan_in + fan_out))
            a = math.sqrt(6.0 / (self.nin + fan_out))
            weights = [rng.uniform(-a, a) for _ in range(self.nin)]
        else:  # He et al. (2015): N(0, std = sqrt(2 / fan_in)), for relu layers
            std = math.sqrt(2.0 / self.nin)
            weights = [rng.gauss(0.0, std) for _ in range(self.nin)]
        self.w = [Value(w, f"w{i + 1}") for i, w in enumerate(weights)]
        self.b = Value(0.0, "b")

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: True unless the activation is linear."""
        return self.activation != "linear"

    def _forward(self, x: Sequence[Any]) -> Value:
        total = self.b
        for wi, xi in zip(self.w, x, strict=True):  # b + w1 x1 + w2 x2 + ..., one node per term
            total = total + wi * xi
        return total if self._call is None else self._call(total)

    def __call__(self, x: Sequence[float | Value]) -> Value:
        """``activation(w · x + b)`` for ``nin`` numbers or Values."""
        return self._forward(check_inputs(x, self.nin, "Neuron"))

    def _config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "activation": check_named_activation(self.activation, self._fn, ACTIVATIONS, self),
            "init": self.init,
        }

    def _rows(self) -> list[tuple[str, int, int, str]]:
        return [("neuron", self.nin, 1, self.activation)]

    def __repr__(self) -> str:
        init = f", init={self.init!r}" if self.init != "uniform" else ""
        return f"Neuron({self.nin}, activation={self.activation!r}{init})"


class Layer(Module):
    """``nout`` neurons that read the same ``nin`` inputs.

    Called on a list it returns a list of Values, or one Value when ``nout == 1`` (as
    micrograd). Without ``rng`` it draws from the global ``random``, as micrograd. Labels: ``n1.w1``, ...
    """

    _PARTS = ("neurons",)
    _CONFIG_KEYS = ("nin", "nout", "activation", "init")

    def __init__(
        self,
        nin: int,
        nout: int,
        nonlin: bool = True,
        *,
        activation: str | Callable[[Value], Value] | None = None,
        rng: random.Random | None = None,
        init: str = "uniform",
    ) -> None:
        self.nin = check_count(nin, "Layer nin")
        self.nout = check_count(nout, "Layer nout")
        _check_parameter_count((self.nin + 1) * self.nout, f"Layer({self.nin}, {self.nout})")
        self.activation, self._fn = check_activation(activation, nonlin, ACTIVATIONS)
        self.init = check_choice(init, INITS, "init")
        rng = check_rng(rng, "Layer rng")  # one generator for all neurons, so no two start alike
        self.neurons = [
            Neuron(self.nin, activation=self._fn, rng=rng, init=self.init, fan_out=self.nout) for _ in range(self.nout)
        ]
        for j, neuron in enumerate(self.neurons):
            for p in neuron.parameters():
                p.label = f"n{j + 1}.{p.label}"

    def _forward(self, x: Sequence[Any]) -> list[Value]:
        return [neuron._forward(x) for neuron in self.neurons]

    def __call__(self, x: Sequence[float | Value]) -> Value | list[Value]:
        """The neurons' outputs for ``nin`` numbers or Values: a list, or one Value when ``nout == 1``."""
        out = self._forward(check_inputs(x, self.nin, "Layer"))
        return out[0] if len(out) == 1 else out

    def _config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nout": self.nout,
            "activation": check_named_activation(self.activation, self._fn, ACTIVATIONS, self),
            "init": self.init,
        }

    def _rows(self) -> list[tuple[str, int, int, str]]:
        return [("layer", self.nin, self.nout, self.activation)]

    def __repr__(self) -> str:
        init = f", init={self.init!r}" if self.init != "uniform" else ""
        return f"Layer({self.nin}, {self.nout}, activation={self.activation!r}{init})"


class MLP(Module):
    """A multi-layer perceptron: layers of sizes ``nouts`` on ``nin`` inputs.

    Hidden layers use ``activation``, the last one ``output_activation``; ``init`` is one of
    `INITS`. ``seed=None`` draws the weights from Python's global ``random`` in micrograd's
    order (micrograd's way); an int seed gives the model a ``random.Random(seed)`` of its own.
    Returns one Value when the last layer has one neuron, else a list. Labels: ``L1.n1.w1``, ..., ``L3.n1.b`` (1-based).

    >>> model = MLP(3, [4, 4, 1], activation="tanh", seed=1)
    >>> model
    MLP(3, [4, 4, 1], activation='tanh', output_activation='linear', seed=1)
    >>> model.parameters()[0].label, model.named_parameters()[0][0]
    ('L1.n1.w1', 'layers.0.neurons.0.w.0')
    """

    _PARTS = ("layers",)
    _CONFIG_KEYS = ("nin", "nouts", "activation", "output_activation", "init", "seed")

    def __init__(
        self,
        nin: int,
        nouts: Iterable[int],
        *,
        activation: str | Callable[[Value], Value] = "relu",
        output_activation: str | Callable[[Value], Value] = "linear",
        init: str = "uniform",
        seed: int | None = None,
    ) -> None:
        self.nin = check_count(nin, "MLP nin")
        self.nouts = check_sizes(nouts, "MLP nouts")
        sizes = [self.nin, *self.nouts]
        _check_parameter_count(layer_weights(sizes), f"MLP({self.nin}, {self.nouts})")
        self.activation, hidden = check_activation(activation, True, ACTIVATIONS)
        self.output_activation, output = check_activation(output_activation, True, ACTIVATIONS)
        self.init = check_choice(init, INITS, "init")
        self.seed = check_model_seed(seed, "MLP")
        self._fns = (hidden, output)
        # its own generator, or None: the global one, as micrograd (random.seed(1337) gives micrograd's weights)
        rng = None if self.seed is None else random.Random(self.seed)
        last = len(self.nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation=output if i == last else hidden, rng=rng, init=self.init)
            for i in range(len(self.nouts))
        ]
        for i, layer in enumerate(self.layers):
            for p in layer.parameters():
                p.label = f"L{i + 1}.{p.label}"

    def __call__(self, x: Sequence[float | Value]) -> Value | list[Value]:
        """The output for ``nin`` numbers or Values: one Value if the last layer has one neuron, else a list."""
        out = check_inputs(x, self.nin, "MLP")
        for layer in self.layers:
            out = layer._forward(out)
        return out[0] if len(out) == 1 else list(out)

    def _config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": check_named_activation(self.activation, self._fns[0], ACTIVATIONS, self),
            "output_activation": check_named_activation(self.output_activation, self._fns[1], ACTIVATIONS, self),
            "init": self.init,
            "seed": self.seed,
        }

    def _rows(self) -> list[tuple[str, int, int, str]]:
        return [(f"L{i + 1}", layer.nin, layer.nout, layer.activation) for i, layer in enumerate(self.layers)]

    def __repr__(self) -> str:
        extra = (f", init={self.init!r}" if self.init != "uniform" else "") + (
            f", seed={self.seed}" if self.seed is not None else ""
        )
        return (
            f"MLP({self.nin}, {self.nouts}, activation={self.activation!r}, "
            f"output_activation={self.output_activation!r}{extra})"
        )


# --- names that moved, still importable from here ---


def __getattr__(name: str) -> Any:
    """`Perceptron` and the model-file names, imported on first use (PEP 562): importing nn imports no tool.

    An activation's name gives its function: `pickle` stores a model's activation as
    ``tinygrad_dk.nn.relu`` and finds it again here, so models pickle.
    """
    if name in _ELSEWHERE:
        return getattr(importlib.import_module(_ELSEWHERE[name]), name)
    if name in ACTIVATIONS:
        return ACTIVATIONS[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """This module's names, with those `__getattr__` imports on first use."""
    return sorted([*globals(), *_ELSEWHERE])
