"""From tinygrad_dk to PyTorch and back: `to_torch` and `from_torch`, the same network with the same weights.

A tool beside the core: it imports torch only inside the functions that need it, so
``import tinygrad_dk.torch`` works without it and a call says how to get it (``pip install
torch``, or the package's ``torch`` extra). ``tinygrad-dk export model.json --to model.pt``
is `to_torch` on the command line.

An `MLP` becomes a ``torch.nn.Sequential`` in float64: per layer a ``Linear`` (its weight
row j holds neuron j's weights, its bias neuron j's bias) and the layer's activation
module, none after a linear layer. The activations map one to one (`TORCH_ACTIVATIONS`):
relu, tanh and sigmoid to ``ReLU``, ``Tanh`` and ``Sigmoid``; leaky_relu to
``LeakyReLU(0.01)``, its slope; softplus to ``Softplus(threshold=40.0)`` (torch's default
20 returns x itself above 20, off by up to 2e-9; above 40 the two agree in float64); step,
which torch has no module for, to `Step`, a tiny module of our own. A function of your own
as an activation has no torch counterpart and is refused, as is anything `from_torch`
cannot map back.
"""

from __future__ import annotations

import importlib
import math
from types import ModuleType
from typing import Any

from tinygrad_dk.nn import ACTIVATIONS, MLP

# Step, made by __getattr__ when first asked for, is public too, but outside __all__: listing it would import torch
__all__ = ["NO_TORCH", "TORCH_ACTIVATIONS", "from_torch", "to_torch"]

# our activation name -> the torch.nn class that computes it, and its arguments
TORCH_ACTIVATIONS: dict[str, tuple[str, dict[str, float]]] = {
    "relu": ("ReLU", {}),
    "tanh": ("Tanh", {}),
    "sigmoid": ("Sigmoid", {}),
    "leaky_relu": ("LeakyReLU", {"negative_slope": 0.01}),  # the op row's slope
    "softplus": ("Softplus", {"beta": 1.0, "threshold": 40.0}),  # exact in float64, unlike threshold=20
    "step": ("Step", {}),  # our own module: torch has none
}

NO_TORCH = "tinygrad_dk.torch needs PyTorch: pip install torch (or pip install 'tinygrad-dk[torch]')"


def _torch() -> ModuleType:
    """The torch module, or an ImportError that says how to install it."""
    try:
        return importlib.import_module("torch")
    except ImportError as error:
        raise ImportError(NO_TORCH) from error


def _make_step() -> type:
    """The class `Step`, made on first use (it subclasses torch.nn.Module, so it needs torch)."""
    torch = _torch()

    class Step(torch.nn.Module):  # type: ignore[misc,name-defined]  # torch.nn.Module, known only at run time
        """The step activation: 1 where x > 0, else 0 (torch has no module for it). It passes no gradient, as ours."""

        def forward(self, x: Any) -> Any:
            return (x > 0).to(x.dtype)

    Step.__module__, Step.__qualname__ = __name__, "Step"  # so torch.save pickles it as tinygrad_dk.torch.Step
    globals()["Step"] = Step
    return Step


def _step() -> type:
    """`Step`, made once."""
    made = globals().get("Step")
    return made if isinstance(made, type) else _make_step()


def __getattr__(name: str) -> Any:
    """`Step`, made the first time it is asked for (PEP 562): importing this module does not import torch."""
    if name == "Step":
        return _step()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _activation_module(name: str, fn: Any, where: str) -> Any:
    """The torch module for the named activation of ``where`` (None for linear); a function of your own is refused."""
    if ACTIVATIONS.get(name) is not fn:
        raise ValueError(
            f"to_torch: {where} uses {name!r}, a function of your own, which torch does not know: "
            f"use one of the named activations {', '.join(ACTIVATIONS)}"
        )
    if name == "linear":
        return None
    if name not in TORCH_ACTIVATIONS:
        raise ValueError(
            f"to_torch: {where} uses the activation {name!r}, which has no torch module here: "
            f"use one of {', '.join([*TORCH_ACTIVATIONS, 'linear'])}"
        )
    cls, kwargs = TORCH_ACTIVATIONS[name]
    return _step()() if cls == "Step" else getattr(_torch().nn, cls)(**kwargs)


def to_torch(model: MLP) -> Any:
    """``model`` as a float64 ``torch.nn.Sequential``: per layer a ``Linear`` with its weights, and its activation."""
    if not isinstance(model, MLP):
        raise TypeError(f"to_torch takes an MLP, not {type(model).__name__}: build MLP(nin, [nout]) for one layer")
    torch = _torch()
    modules = []
    for i, layer in enumerate(model.layers):
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():  # row j: neuron j's weights; its bias in bias[j]
            linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules.append(linear)
        activation = _activation_module(layer.activation, layer._fn, f"layer L{i + 1}")
        if activation is not None:
            modules.append(activation)
    return torch.nn.Sequential(*modules)


def _activation_name(module: Any, where: str, torch: ModuleType) -> str | None:
    """Our activation name for a torch activation module; None if ``module`` is not an activation."""
    if isinstance(module, torch.nn.Identity):
        return "linear"
    if (
        isinstance(module, torch.nn.LeakyReLU)
        and module.negative_slope != TORCH_ACTIVATIONS["leaky_relu"][1]["negative_slope"]
    ):
        raise ValueError(
            f"from_torch: {where} has the slope {module.negative_slope}; tinygrad_dk's leaky_relu has "
            "0.01: use LeakyReLU(0.01)"
        )
    if isinstance(module, torch.nn.Softplus) and module.beta != 1:
        raise ValueError(f"from_torch: {where} has beta={module.beta}; tinygrad_dk's softplus has beta 1")
    for name, (cls, _) in TORCH_ACTIVATIONS.items():
        if type(module) is (_step() if cls == "Step" else getattr(torch.nn, cls)):
            return name
    return None


def _layers_of(sequential: Any, torch: ModuleType) -> list[tuple[Any, str]]:
    """``(Linear, activation name)`` per layer of ``sequential``; what cannot be mapped is refused, by name."""
    layers: list[tuple[Any, str]] = []
    for i, module in enumerate(sequential):
        where = f"layer {i} ({module})"
        if isinstance(module, torch.nn.Linear):
            if module.bias is None:
                raise ValueError(
                    f"from_torch: {where} has no bias; every tinygrad_dk neuron has one: use Linear(..., bias=True)"
                )
            if layers and module.in_features != layers[-1][0].out_features:
                raise ValueError(
                    f"from_torch: {where} takes {module.in_features} inputs, but the layer before "
                    f"gives {layers[-1][0].out_features}"
                )
            layers.append((module, "linear"))
            continue
        name = _activation_name(module, where, torch)
        if name is None:
            raise ValueError(
                f"from_torch: cannot map {where}: tinygrad_dk has Linear layers and the activations "
                f"{', '.join(TORCH_ACTIVATIONS)} (and Identity)"
            )
        if not layers or layers[-1][1] != "linear":
            raise ValueError(
                f"from_torch: {where} follows {'no Linear' if not layers else 'another activation'}: "
                "each activation must come right after a Linear"
            )
        layers[-1] = (layers[-1][0], name)
    return layers


def from_torch(sequential: Any) -> MLP:
    """The `MLP` with the weights of ``sequential``: ``Linear`` layers, each followed by at most one activation.

    The hidden layers must share one activation (an MLP has one for them), the last layer
    may have another. The model is built with ``seed=0`` (its weights are then replaced),
    so the global ``random`` is left alone.
    """
    torch = _torch()
    if not isinstance(sequential, torch.nn.Sequential):
        raise TypeError(
            f"from_torch takes a torch.nn.Sequential of Linear layers and activations, not {type(sequential).__name__}"
        )
    layers = _layers_of(sequential, torch)
    if not layers:
        raise ValueError("from_torch: the Sequential has no Linear layer: give it at least one")
    hidden = {name for _, name in layers[:-1]}
    if len(hidden) > 1:
        raise ValueError(
            f"from_torch: the hidden layers use {', '.join(name for _, name in layers[:-1])}; an MLP "
            "has one activation for all its hidden layers"
        )
    activation = hidden.pop() if hidden else "relu"
    model = MLP(
        layers[0][0].in_features,
        [linear.out_features for linear, _ in layers],
        activation=activation,
        output_activation=layers[-1][1],
        seed=0,
    )
    state = {}
    for i, (linear, _) in enumerate(layers):
        weight, bias = linear.weight.detach().tolist(), linear.bias.detach().tolist()
        for j, (row, b) in enumerate(zip(weight, bias, strict=True)):
            state.update({f"layers.{i}.neurons.{j}.w.{k}": w for k, w in enumerate(row)})
            state[f"layers.{i}.neurons.{j}.b"] = b
    bad = next((name for name, v in state.items() if not math.isfinite(v)), None)
    if bad is not None:
        raise ValueError(f"from_torch: the weight {bad} is {state[bad]}: every weight must be finite")
    model.load_state_dict(state)
    return model
