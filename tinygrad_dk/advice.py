"""Warnings that teach: the quiet failures of a training run, named as they happen.

An expert looking at a run sees at once what a learner cannot: most of a layer has died,
no gradient gets through a step activation, the gradient explodes or vanishes on its way
down, the loss has not moved in twenty epochs. `fit` builds one `Watch` before its loop and
calls `Watch.epoch` after every epoch; each cause is reported once per run, as a warning of
our own category, `TrainingWarning`, that says what happened, which units or layers, the
likely cause and what to try:

============================  =========================  ======================================
cause                         category                   when
============================  =========================  ======================================
``"dead_relu"``               `DeadUnitsWarning`         more than half of a hidden layer gives
                                                         0 for every training sample
``"no_gradient"``             `NoGradientWarning`        an activation's derivative is 0
                                                         everywhere (the step)
``"exploding_gradients"``     `GradientNormWarning`      a layer's gradient norm > 1000
``"vanishing_gradients"``     `GradientNormWarning`      the first layer's gradient norm < 1e-4
                                                         times the largest layer's
``"loss_not_falling"``        `LossNotFallingWarning`    the loss fell < 1% in 20 epochs and is
                                                         above half its first value
============================  =========================  ======================================

The numbers are named constants below, each with why it is where it is. `find_anomaly` is
the other half, what ``torch.autograd.detect_anomaly`` does: in a graph where a NaN or inf
appeared, the first node that made one from finite operands. The words are in English or
Danish (`tinygrad_dk._lang`), all in the table `TEXTS`. Standard library only.
"""

from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tinygrad_dk.engine import Value, topological_order
from tinygrad_dk.nn import ACTIVATIONS, Layer, linear
from tinygrad_dk.ops import OPS, activation_rows

__all__ = [
    "DEAD_SHARE",
    "EXPLODING_NORM",
    "FALL",
    "PATIENCE",
    "PROBE_ROWS",
    "PROGRESS",
    "TEXTS",
    "VANISHING_RATIO",
    "Anomaly",
    "DeadUnitsWarning",
    "GradientNormWarning",
    "LossNotFallingWarning",
    "NoGradientWarning",
    "Silence",
    "TrainingWarning",
    "Watch",
    "find_anomaly",
    "silence_of",
]

# The bounds. Measured on healthy runs (moons, circles, xor, blobs and spiral; relu, tanh,
# sigmoid, leaky_relu and softplus networks of 16 and 16 units; sgd 0.1 and 0.5, adam 0.01;
# full batch and batches of 16; 100 epochs): at most 37.5% of a layer dead (the moons demo),
# gradient norms at most 7 per layer, the first layer's norm at least 0.05 times the largest.
DEAD_SHARE = 0.5  # warn when MORE than this share of a hidden layer's units is dead
PROBE_ROWS = 256  # dead units are looked for on this many rows, then confirmed on all of them
EXPLODING_NORM = 1e3  # a layer's gradient norm above this explodes: 100 times the largest healthy one
VANISHING_RATIO = 1e-4  # the first layer's norm below this times the largest layer's: vanishing
PATIENCE = 20  # epochs: the loss must fall by FALL within this many epochs ...
FALL = 0.01  # ... by 1% ...
PROGRESS = 0.5  # ... unless it is already below half of its first value (it has learned, and may rest)
_SLOPE_PROBES = (-3.0, -1.0, -0.1, 0.1, 1.0, 3.0)  # where an activation's derivative is tried

Silence = Callable[[list[list[float]]], list[list[bool]]]
"""For some rows: per hidden layer, per unit, whether its output is 0 for every one of them."""


class TrainingWarning(UserWarning):
    """A quiet failure in a training run: ``epoch`` (1-based, as `History`), ``cause`` and the message.

    ``str(w)`` is the paragraph a learner reads; ``units`` names the units (``L1.n3``) or
    layers (``L2``) concerned. Warnings compare equal when all of these are equal.
    """

    cause = "training"

    def __init__(self, message: str, epoch: int, cause: str | None = None, units: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message, self.epoch, self.units = message, epoch, tuple(units)
        if cause is not None:
            self.cause = cause

    def to_dict(self) -> dict[str, Any]:
        """The warning as plain data (for ``json.dumps``): category, cause, epoch, units, message."""
        return {
            "category": type(self).__name__,
            "cause": self.cause,
            "epoch": self.epoch,
            "units": list(self.units),
            "message": self.message,
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TrainingWarning) and type(other) is type(self) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((type(self), self.cause, self.epoch, self.message))

    def __reduce__(self) -> tuple[Any, ...]:  # copies and pickles keep every field
        return (type(self), (self.message, self.epoch, self.cause, self.units))


class DeadUnitsWarning(TrainingWarning):
    """More than half of a hidden layer gave 0 for every training sample: those units get no gradient again."""

    cause = "dead_relu"


class NoGradientWarning(TrainingWarning):
    """An activation whose derivative is 0 everywhere (the step): nothing below it can learn."""

    cause = "no_gradient"


class GradientNormWarning(TrainingWarning):
    """A layer's gradient is far too large (``"exploding_gradients"``) or the first layer's far too small."""

    cause = "exploding_gradients"  # or "vanishing_gradients"


class LossNotFallingWarning(TrainingWarning):
    """The loss has not fallen in `PATIENCE` epochs and the run has not learned yet (or it is rising)."""

    cause = "loss_not_falling"


# --- the words: one entry per text, in each language ---

TEXTS: dict[str, dict[str, str]] = {
    "dead_relu": {
        "en": "{units} gave 0 for every training sample in epoch {epoch}: {shares} are dead. A ReLU "
        "unit whose weighted sum is negative for every input outputs 0, and its derivative there is 0, "
        "so no gradient reaches its weights and it never comes back; the layer has lost most of its "
        "units. Likely cause: a step too large (lr={lr:g}) pushed their weights and biases far negative, "
        "or they started that way. Try a smaller learning rate, activation='leaky_relu' (a small slope "
        "below 0 keeps the gradient alive), init='he', or another seed.",
        "da": "{units} gav 0 for hvert træningseksempel i epoke {epoch}: {shares} er døde. En "
        "ReLU-neuron, hvis vægtede sum er negativ for alle input, giver 0, og dens afledte er 0 dér, så "
        "ingen gradient når dens vægte, og den kommer aldrig tilbage; laget har mistet de fleste af "
        "sine neuroner. Sandsynlig årsag: et for stort skridt (lr={lr:g}) skubbede vægte og bias langt "
        "ned i det negative, eller de startede sådan. Prøv en mindre læringsrate, "
        "activation='leaky_relu' (en lille hældning under 0 holder gradienten i live), init='he' eller "
        "et andet seed.",
    },
    "share": {"en": "{dead} of the {size} units of {layer}", "da": "{dead} af de {size} neuroner i {layer}"},
    "no_gradient": {
        "en": "No gradient can flow through {layers} in epoch {epoch}: the activation {activation} has "
        "derivative 0 everywhere, so backpropagation multiplies every gradient that reaches it by 0. The "
        "weights of {frozen} never change{learns}. Use an activation with a slope, such as 'relu', "
        "'tanh' or 'sigmoid'; the step belongs to the perceptron's own learning rule "
        "(tinygrad_dk.perceptron), which needs no gradient.",
        "da": "Ingen gradient kan løbe gennem {layers} i epoke {epoch}: aktiveringsfunktionen "
        "{activation} har afledt 0 overalt, så tilbagepropageringen ganger hver gradient, der når den, "
        "med 0. Vægtene i {frozen} ændrer sig aldrig{learns}. Brug en aktiveringsfunktion med en "
        "hældning, fx 'relu', 'tanh' eller 'sigmoid'; trinfunktionen hører til perceptronens egen "
        "læringsregel (tinygrad_dk.perceptron), som ikke bruger gradienter.",
    },
    "learns_some": {
        "en": "; only {learning} learns, on features that stay as random as they started",
        "da": "; kun {learning} lærer, på træk, der forbliver lige så tilfældige, som de startede",
    },
    "learns_none": {"en": ", so nothing learns", "da": ", så intet lærer"},
    "exploding_gradients": {
        "en": "The gradient is exploding in epoch {epoch}: its norm is {norm:.3g} in {layer}, above "
        "{limit:g} (per layer: {norms}). An update of lr * gradient this large throws the weights far "
        "from where they were, and the loss jumps or overflows. Likely causes: weights that start too "
        "large, inputs on a large scale, or a learning rate that has pushed the weights up (lr={lr:g}). "
        "Try init='xavier' or init='he', inputs scaled to about -1..1, or a smaller learning rate.",
        "da": "Gradienten eksploderer i epoke {epoch}: dens norm er {norm:.3g} i {layer}, over "
        "{limit:g} (pr. lag: {norms}). En opdatering på lr * gradient så stor kaster vægtene langt "
        "væk fra, hvor de var, og tabet springer eller løber over. Sandsynlige årsager: vægte, der "
        "starter for store, input på en stor skala eller en læringsrate, der har skubbet vægtene op "
        "(lr={lr:g}). Prøv init='xavier' eller init='he', input skaleret til omkring -1..1 eller en "
        "mindre læringsrate.",
    },
    "vanishing_gradients": {
        "en": "The gradient is vanishing in epoch {epoch}: its norm in {first} is {ratio:.1e} times "
        "that in {strongest} (per layer: {norms}), so the first layers barely learn. Backpropagation "
        "multiplies the gradient by each layer's weights and activation slope on its way down; "
        "saturated sigmoid or tanh units (slope near 0) and small weights shrink it layer after layer. "
        "Try activation='relu' or 'leaky_relu', tanh rather than sigmoid, or fewer layers.",
        "da": "Gradienten forsvinder i epoke {epoch}: dens norm i {first} er {ratio:.1e} gange normen "
        "i {strongest} (pr. lag: {norms}), så de første lag lærer næsten intet. "
        "Tilbagepropageringen ganger gradienten med hvert lags vægte og aktiveringsfunktionens "
        "hældning på vej ned; mættede sigmoid- eller tanh-neuroner (hældning nær 0) og små vægte gør "
        "den mindre lag for lag. Prøv activation='relu' eller 'leaky_relu', tanh frem for sigmoid "
        "eller færre lag.",
    },
    "loss_flat": {
        "en": "The loss is not falling: {now:.4g} in epoch {epoch}, {before:.4g} in epoch {start}, less "
        "than {fall:.0%} lower in {window} epochs and still above half of where it started ({first:.4g}). "
        "With lr={lr:g} the steps are too small to get anywhere: try lr={bigger:g} (10 times larger) or "
        "optimizer='adam'. If no learning rate helps, look for dead units, inputs on very different "
        "scales, or a network too small for the data.",
        "da": "Tabet falder ikke: {now:.4g} i epoke {epoch}, {before:.4g} i epoke {start}, mindre end "
        "{fall:.0%} lavere på {window} epoker og stadig over halvdelen af, hvor det startede "
        "({first:.4g}). Med lr={lr:g} er skridtene for små til at nå nogen vegne: prøv lr={bigger:g} "
        "(10 gange større) eller optimizer='adam'. Hjælper ingen læringsrate, så se efter døde "
        "neuroner, input på meget forskellige skalaer eller et netværk, der er for lille til dataene.",
    },
    "loss_rising": {
        "en": "The loss is rising: {now:.4g} in epoch {epoch}, up from {before:.4g} in epoch {start}, "
        "and above half of where it started ({first:.4g}). With lr={lr:g} the steps overshoot the "
        "minimum and climb the other side: try lr={smaller:g} (10 times smaller).",
        "da": "Tabet stiger: {now:.4g} i epoke {epoch}, op fra {before:.4g} i epoke {start}, og over "
        "halvdelen af, hvor det startede ({first:.4g}). Med lr={lr:g} skyder skridtene forbi minimum "
        "og op ad den anden side: prøv lr={smaller:g} (10 gange mindre).",
    },
    "every_layer": {"en": "every layer", "da": "alle lag"},
}


def _say(key: str, lang: str, **values: Any) -> str:
    return TEXTS[key][lang].format(**values)


# --- the network's layers, as the checks see them ---


@dataclass(frozen=True)
class _Layer:
    name: str  # "L1", as in summary() and the parameter labels L1.n3.w2
    activation: str
    fn: Callable[[Value], Value]
    neurons: list[Any]
    params: list[Value]


def _layers_of(model: Any) -> list[_Layer]:
    """An `MLP`'s layers (anything with a ``layers`` list of `Layer`); [] for other models."""
    layers = getattr(model, "layers", None)
    if not isinstance(layers, list) or not layers or not all(isinstance(layer, Layer) for layer in layers):
        return []
    return [
        _Layer(f"L{i}", layer.activation, layer._fn, layer.neurons, layer.parameters())
        for i, layer in enumerate(layers, 1)
    ]


def _no_slope(fn: Callable[[Value], Value]) -> bool:
    """True if the activation's derivative is 0 at every probe point (the step), tried on Values."""
    for z in _SLOPE_PROBES:
        x = Value(z)
        try:
            out = fn(x)
        except (ArithmeticError, ValueError):  # a function of the user's own, undefined here (log at -1)
            return False
        if not isinstance(out, Value):
            return False
        out.backward()
        if x.grad != 0.0:
            return False
    return True


def _float_activation(name: str, fn: Callable[[Value], Value]) -> Callable[[float], float] | None:
    """The activation on a float: the op row's forward for a named one, None for linear, else through a Value."""
    if fn is linear:
        return None
    row = activation_rows().get(name)
    if row is not None and ACTIVATIONS.get(name) is fn:
        forward, constant = row.forward, row.constant
        return lambda z: forward(z, constant)
    return lambda z: fn(Value(z)).data


def silence_of(model: Any) -> Silence | None:
    """Which hidden units of an `MLP` are silent (output 0) on given rows, in plain floats; None for other models."""
    hidden = _layers_of(model)[:-1]
    if not hidden:
        return None
    activations = [_float_activation(layer.activation, layer.fn) for layer in hidden]

    def silence(rows: list[list[float]]) -> list[list[bool]]:
        silent, inputs = [], rows
        for layer, f in zip(hidden, activations, strict=True):
            weights = [([w.data for w in n.w], n.b.data) for n in layer.neurons]
            sums = [[sum(map(operator.mul, w, x)) + b for w, b in weights] for x in inputs]
            inputs = sums if f is None else [[f(z) for z in row] for row in sums]
            silent.append([not any(row[j] for row in inputs) for j in range(len(weights))])
        return silent

    return silence


# --- the watch: fit builds one before its loop and calls it after every epoch ---


class Watch:
    """The checks `fit` runs after each epoch; `epoch` returns the warnings that start there, each cause once.

    ``silence`` finds the silent hidden units (`silence_of`, or a faster one the engine has);
    None skips the dead-unit check. ``l2`` is taken out of the gradient norms (the penalty's
    gradient ``2 * l2 * w`` keeps every layer's gradient from vanishing on its own). With
    ``warn`` each warning is also issued with ``warnings.warn``; ``lang`` is "en" or "da".
    The dead units and the gradient norms, which read every weight or gradient, are checked
    after epoch 1 and every ``every``-th epoch; the loss after every epoch.
    """

    def __init__(
        self,
        model: Any,
        params: list[Value],
        rows: list[list[float]],
        *,
        silence: Silence | None,
        l2: float = 0.0,
        warn: bool = True,
        lang: str = "en",
        every: int = 1,
    ) -> None:
        self.layers, self.rows, self.silence, self.every = _layers_of(model), rows, silence, every
        self.groups = [(layer.name, layer.params) for layer in self.layers] or [("the model", params)]
        self.probe = rows[:: max(1, len(rows) // PROBE_ROWS)][:PROBE_ROWS]  # spread over the data, in order
        self.l2, self.warn, self.lang = l2, warn, lang
        self.blocked = [layer for layer in self.layers if _no_slope(layer.fn)]
        self.said: set[str] = set()  # the causes reported so far: each once per run

    def epoch(self, epoch: int, losses: list[float], lr: float) -> list[TrainingWarning]:
        """The warnings that start at ``epoch`` (1-based), given the losses so far and the learning rate."""
        found = [*self._no_gradient(epoch)]
        if epoch == 1 or epoch % self.every == 0:  # the checks that read every weight or gradient
            found += [*self._dead_units(epoch, lr), *self._gradient_norms(epoch, lr)]
        found += self._loss(epoch, losses, lr)
        for w in found:
            self.said.add(w.cause)
            if self.warn:
                warnings.warn(w, stacklevel=3)  # points at the caller of fit
        return found

    def _no_gradient(self, epoch: int) -> list[TrainingWarning]:
        if not self.blocked or "no_gradient" in self.said:
            return []
        last = self.layers.index(self.blocked[-1])  # every layer up to here gets no gradient
        frozen = [layer.name for layer in self.layers[: last + 1]]
        after = [layer.name for layer in self.layers[last + 1 :]]
        learns = _say("learns_some", self.lang, learning=", ".join(after)) if after else _say("learns_none", self.lang)
        message = _say(
            "no_gradient",
            self.lang,
            epoch=epoch,
            layers=", ".join(layer.name for layer in self.blocked),
            activation=", ".join(sorted({repr(layer.activation) for layer in self.blocked})),
            frozen=", ".join(frozen) if after else _say("every_layer", self.lang),
            learns=learns,
        )
        return [NoGradientWarning(message, epoch, units=[layer.name for layer in self.blocked])]

    def _dead_units(self, epoch: int, lr: float) -> list[TrainingWarning]:
        if self.silence is None or "dead_relu" in self.said:
            return []
        if not self._mostly_dead(self.silence(self.probe)):  # cheap: a few rows; most runs stop here
            return []
        silent = self.silence(self.rows)  # confirmed on every training sample
        if not self._mostly_dead(silent):
            return []
        hidden = self.layers[:-1]
        units = [f"{layer.name}.n{j}" for layer, s in zip(hidden, silent, strict=True) for j, d in enumerate(s, 1) if d]
        shares = ", ".join(
            _say("share", self.lang, dead=sum(s), size=len(s), layer=layer.name)
            for layer, s in zip(hidden, silent, strict=True)
            if any(s)
        )
        message = _say("dead_relu", self.lang, units=", ".join(units), epoch=epoch, shares=shares, lr=lr)
        return [DeadUnitsWarning(message, epoch, units=units)]

    def _mostly_dead(self, silent: list[list[bool]]) -> bool:
        """More than `DEAD_SHARE` of some hidden layer silent (layers without a slope are the other warning's)."""
        return any(
            sum(s) > DEAD_SHARE * len(s)
            for layer, s in zip(self.layers[:-1], silent, strict=True)
            if layer not in self.blocked
        )

    def _gradient_norms(self, epoch: int, lr: float) -> list[TrainingWarning]:
        exploding, vanishing = "exploding_gradients" not in self.said, "vanishing_gradients" not in self.said
        if not (exploding or vanishing):
            return []
        if self.l2:  # the penalty's own gradient, 2 * l2 * w, taken out (w after the update: close enough)
            twice_l2 = 2.0 * self.l2
            norms = [math.hypot(*[p.grad - twice_l2 * p.data for p in ps]) for _, ps in self.groups]
        else:
            norms = [math.hypot(*[p.grad for p in ps]) for _, ps in self.groups]
        names = [name for name, _ in self.groups]
        shown = ", ".join(f"{name} {norm:.2g}" for name, norm in zip(names, norms, strict=True))
        found: list[TrainingWarning] = []
        top = max(range(len(norms)), key=norms.__getitem__)
        if exploding and norms[top] > EXPLODING_NORM:
            message = _say(
                "exploding_gradients",
                self.lang,
                epoch=epoch,
                norm=norms[top],
                layer=names[top],
                limit=EXPLODING_NORM,
                norms=shown,
                lr=lr,
            )
            found.append(GradientNormWarning(message, epoch, "exploding_gradients", [names[top]]))
        # a first layer with no gradient at all is dead or blocked: the other warnings say so
        quiet = self.blocked or "dead_relu" in self.said or norms[0] == 0.0
        if vanishing and len(norms) > 1 and not quiet and norms[0] < VANISHING_RATIO * norms[top]:
            message = _say(
                "vanishing_gradients",
                self.lang,
                epoch=epoch,
                first=names[0],
                ratio=norms[0] / norms[top],
                strongest=names[top],
                norms=shown,
            )
            found.append(GradientNormWarning(message, epoch, "vanishing_gradients", [names[0]]))
        return found

    def _loss(self, epoch: int, losses: list[float], lr: float) -> list[TrainingWarning]:
        if "loss_not_falling" in self.said or len(losses) <= PATIENCE:
            return []
        now, before, first = losses[-1], losses[-1 - PATIENCE], losses[0]
        if now < (1.0 - FALL) * before or now <= PROGRESS * first:
            return []
        key = "loss_rising" if now > before else "loss_flat"
        message = _say(
            key,
            self.lang,
            now=now,
            epoch=epoch,
            before=before,
            start=epoch - PATIENCE,
            fall=FALL,
            window=PATIENCE,
            first=first,
            lr=lr,
            bigger=lr * 10,
            smaller=lr / 10,
        )
        return [LossNotFallingWarning(message, epoch)]


# --- where a NaN or inf was born ---


@dataclass(frozen=True)
class Anomaly:
    """The first place in a graph where a value stopped being finite.

    ``phase`` "forward": the node made by the op ``op`` (its name in the op table, "" for a
    leaf) is ``value``, NaN or inf, while its ``operands`` (and constant) are finite.
    ``phase`` "backward": the gradient of the node became ``value`` while every gradient
    above it was finite; ``op`` is the node above it that made it so and ``operands`` are
    that edge's local derivative and that node's gradient. ``node`` is the node's label
    ("L1.n3.w2"), or "" for an unlabelled one.
    """

    phase: str
    op: str
    node: str
    operands: tuple[str, ...]
    value: float

    def __str__(self) -> str:
        at = f" at {self.node}" if self.node else ""
        shown = OPS[self.op].shown if self.op in OPS else self.op
        if self.phase == "backward":
            local, grad = self.operands
            return (
                f"the gradient first becomes {self.value} in the backward pass{at}: the {shown} node above it "
                f"has local derivative {local} and gradient {grad}"
            )
        if not self.op:
            return f"{self.value} is already in the leaf{at}"
        infix = not shown.isalpha() and len(self.operands) == 2  # 4e+300 ** 2, not **(4e+300, 2)
        made = f" {shown} ".join(self.operands) if infix else f"{shown}({', '.join(self.operands)})"
        return f"{self.value} first appears in the forward pass{at}: {made} = {self.value}"


def _operand(v: Value) -> str:
    return f"{v.label} = {v.data:.4g}" if v.label else f"{v.data:.4g}"


def find_anomaly(root: Value) -> Anomaly | None:
    """Where the first NaN or inf in ``root``'s graph was born, forward then backward; None if all is finite.

    Forward: in topological order (operands first), the first node that is not finite while
    its operands are. Backward (after ``root.backward()``): in reverse order, the first node
    whose gradient is not finite; every gradient above it is finite, so an edge into it
    carried an infinite local derivative, or the product overflowed.

    >>> x = Value(800.0, "x")
    >>> y = (x.exp() * 0.0).tanh()
    >>> str(find_anomaly(y))
    'inf first appears in the forward pass: exp(x = 800) = inf'
    """
    order = topological_order(root)
    for v in order:
        if not math.isfinite(v.data) and all(math.isfinite(c.data) for c in v.children):
            operands = [_operand(c) for c in v.children] + ([f"{v.arg:g}"] if v.arg is not None else [])
            return Anomaly("forward", v.op, v.label, tuple(operands), v.data)
    above: dict[Value, list[tuple[Value, float]]] = {}  # child -> (parent, d parent / d child) per edge
    for v in order:
        for child, local in zip(v.children, v.local_grads, strict=True):
            above.setdefault(child, []).append((v, local))
    for v in reversed(order):  # parents first: the first non-finite gradient has finite ones above it
        if not math.isfinite(v.grad):
            parent, local = next(((p, d) for p, d in above.get(v, []) if not math.isfinite(d * p.grad)), (v, math.nan))
            return Anomaly("backward", parent.op, v.label, (f"{local:g}", f"{parent.grad:g}"), v.grad)
    return None
