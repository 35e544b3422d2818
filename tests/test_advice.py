"""The warnings that teach: each one provoked by the run it is about, and quiet on healthy runs.

The expected units, layers, norms and epochs are worked out here on their own (plain-float
forward passes, a separate backward, the matrix form's gradients), not read from the watch.
"""

from __future__ import annotations

import copy
import json
import math
import pickle
import string
import warnings
from typing import Any

import pytest

import tinygrad_dk
from tinygrad_dk import Value, advice, losses
from tinygrad_dk.advice import (
    Anomaly,
    DeadUnitsWarning,
    GradientNormWarning,
    LossNotFallingWarning,
    NoGradientWarning,
    TrainingWarning,
    find_anomaly,
)
from tinygrad_dk.data import make_moons, make_xor
from tinygrad_dk.nn import MLP
from tinygrad_dk.train import TrainingDiverged, fit

MOONS = make_moons(100, noise=0.1, seed=0)

# karpathy's lecture: four samples, MLP(3, [4, 4, 1]), the sum of squared errors, lr 0.05, 20 steps
LECTURE_X = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
LECTURE_Y = [1, -1, -1, 1]


def sum_of_squares(outputs: list[Value], labels: list[int]) -> Value:
    return sum(((out - label) ** 2 for out, label in zip(outputs, labels, strict=True)), Value(0.0))


def lecture(seed: int, activation: str = "relu", **kwargs: Any) -> tuple[Any, list[dict[str, float]]]:
    """The lecture's run with fit; the history and the weights after each epoch."""
    model = MLP(3, [4, 4, 1], activation=activation, seed=seed)
    states: list[dict[str, float]] = []
    history = fit(
        model,
        LECTURE_X,
        LECTURE_Y,
        loss=sum_of_squares,
        lr=0.05,
        epochs=20,
        progress=False,
        callbacks=[lambda epoch, m, h: states.append(m.state_dict())],
        **kwargs,
    )
    return history, states


def dead_by_hand(state: dict[str, float], rows: list[list[float]], sizes: list[int]) -> list[list[str]]:
    """Per hidden layer, the relu units whose output is 0 for every row: plain floats, from a state dict."""
    dead, inputs = [], rows
    for k, size in enumerate(sizes[1:-1]):
        outputs = []
        for x in inputs:
            row = []
            for j in range(size):
                z = state[f"layers.{k}.neurons.{j}.b"]
                z += sum(state[f"layers.{k}.neurons.{j}.w.{i}"] * xi for i, xi in enumerate(x))
                row.append(max(z, 0.0))
            outputs.append(row)
        dead.append([f"L{k + 1}.n{j + 1}" for j in range(size) if all(r[j] == 0.0 for r in outputs)])
        inputs = outputs
    return dead


def causes(history: Any) -> list[tuple[str, int]]:
    return [(w.cause, w.epoch) for w in history.warnings]


# --- dead ReLUs ---


def test_the_lectures_relu_network_dies_and_the_units_are_named() -> None:
    with pytest.warns(DeadUnitsWarning) as caught:
        history, states = lecture(seed=0)
    [w] = [w for w in history.warnings if isinstance(w, DeadUnitsWarning)]
    assert [c.message for c in caught if isinstance(c.message, DeadUnitsWarning)] == [w]  # issued once
    dead = [dead_by_hand(state, LECTURE_X, [3, 4, 4, 1]) for state in states]
    mostly = [any(len(layer) > 2 for layer in per_layer) for per_layer in dead]  # more than half of 4 units
    assert w.epoch == mostly.index(True) + 1  # the first epoch where most of a layer is dead
    assert list(w.units) == [name for layer in dead[w.epoch - 1] for name in layer]
    assert w.cause == "dead_relu" and str(w).startswith(", ".join(w.units) + " gave 0 for every training sample")
    assert "leaky_relu" in str(w) and "lr=0.05" in str(w)


def test_dead_relus_are_found_on_the_seeds_where_most_of_a_layer_dies() -> None:
    # the lecture's relu network loses most of a layer on 15 of 20 seeds
    warned, died = [], []
    for seed in range(20):
        history, states = lecture(seed, warn=False)
        warned.append(any(isinstance(w, DeadUnitsWarning) for w in history.warnings))
        sizes = [3, 4, 4, 1]
        died.append(any(len(layer) > 2 for state in states for layer in dead_by_hand(state, LECTURE_X, sizes)))
    assert warned == died and sum(died) == 15


def test_dead_units_are_found_alike_by_every_engine() -> None:
    X, y = MOONS
    runs = [
        fit(MLP(2, [16, 16, 1], seed=0), X, y, lr=5.0, epochs=3, progress=False, engine=engine, warn=False)
        for engine in ("scalar", "compiled")
    ]
    assert [causes(h) for h in runs] == [[("dead_relu", 2)]] * 2
    assert runs[0].warnings[0].units == runs[1].warnings[0].units


# --- no gradient through a step ---


def test_a_step_activation_says_that_no_gradient_flows() -> None:
    # before: `tinygrad-dk train --activation step` trained silently to 85%
    X, y = MOONS
    model = MLP(2, [16, 16, 1], activation="step", seed=0)
    before = model.state_dict()
    with pytest.warns(NoGradientWarning, match=r"No gradient can flow through L1, L2 in epoch 1: .*'step'"):
        history = fit(model, X, y, epochs=20, progress=False, engine="matrix")
    assert causes(history) == [("no_gradient", 1)]
    assert history.warnings[0].units == ("L1", "L2") and "only L3 learns" in str(history.warnings[0])
    after = model.state_dict()  # what the warning claims: L1 and L2 never change, L3 does
    assert all(after[name] == before[name] for name in before if name.startswith(("layers.0.", "layers.1.")))
    assert any(after[name] != before[name] for name in before if name.startswith("layers.2."))


def test_a_step_output_means_nothing_learns() -> None:
    X, y = MOONS
    model = MLP(2, [4, 1], activation="tanh", output_activation="step", seed=0)
    history = fit(model, X, y, epochs=2, progress=False, warn=False)
    [w] = history.warnings
    assert w.units == ("L2",) and "The weights of every layer never change, so nothing learns" in str(w)


# --- exploding and vanishing gradients ---


def layer_norms(model: Any, X: list[list[float]], y: list[int]) -> list[float]:
    """Each layer's gradient norm of the mean hinge loss at the current weights, by a separate backward."""
    outputs = [model(x) for x in X]
    loss = losses.hinge(outputs, [2.0 * label - 1.0 for label in y])
    model.zero_grad()
    loss.backward()
    return [math.sqrt(sum(p.grad**2 for p in layer.parameters())) for layer in model.layers]


def test_a_huge_start_makes_the_gradient_explode() -> None:
    X, y = make_moons(30, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    for p in model.parameters():
        p.data *= 100.0
    norms = layer_norms(model, X, y)
    top = max(range(3), key=norms.__getitem__)
    assert norms[top] > 1e3  # the condition, worked out on its own
    with pytest.warns(GradientNormWarning, match=r"The gradient is exploding in epoch 1"):
        history = fit(model, X, y, lr=1e-9, epochs=2, progress=False)
    [w] = [w for w in history.warnings if w.cause == "exploding_gradients"]
    assert (w.epoch, w.units) == (1, (f"L{top + 1}",))
    assert f"its norm is {norms[top]:.3g} in L{top + 1}, above 1000" in str(w)


def test_a_deep_sigmoid_network_makes_the_gradient_vanish() -> None:
    from tinygrad_dk.matrix import loss_and_grads

    X, y = MOONS
    model = MLP(2, [16] * 10 + [1], activation="sigmoid", init="xavier", seed=0)
    _, grads = loss_and_grads(model, X, y, loss="bce")  # the matrix form's gradients, in parameters() order
    norms, start = [], 0
    for layer in model.layers:
        n = len(layer.parameters())
        norms.append(math.sqrt(sum(g * g for g in grads[start : start + n])))
        start += n
    assert norms[0] < 1e-4 * max(norms)  # the condition, worked out on its own
    with pytest.warns(GradientNormWarning, match=r"The gradient is vanishing in epoch 1: its norm in L1 is"):
        history = fit(model, X, y, loss="bce", epochs=1, progress=False, engine="matrix")
    [w] = history.warnings
    assert (w.cause, w.units) == ("vanishing_gradients", ("L1",))
    assert f"is {norms[0] / max(norms):.1e} times" in str(w)


# --- a loss that does not fall ---


def test_a_tiny_learning_rate_says_the_loss_is_not_falling() -> None:
    X, y = MOONS
    with pytest.warns(LossNotFallingWarning, match=r"The loss is not falling: .* lr=1e-09 .* try lr=1e-08"):
        history = fit(MLP(2, [16, 16, 1], seed=0), X, y, lr=1e-9, epochs=40, progress=False, engine="matrix")
    assert causes(history) == [("loss_not_falling", 21)]  # the first epoch with 20 before it to compare
    assert history.loss[20] > 0.99 * history.loss[0]  # less than 1% lower after 20 epochs


def test_a_rising_loss_says_to_lower_the_learning_rate() -> None:
    X, y = MOONS
    history = fit(MLP(2, [16, 16, 1], seed=0), X, y, lr=5.0, epochs=25, progress=False, warn=False, engine="compiled")
    [w] = [w for w in history.warnings if isinstance(w, LossNotFallingWarning)]
    assert w.epoch == 21 and history.loss[20] > history.loss[0]
    assert str(w).startswith("The loss is rising:") and "try lr=0.5 (10 times smaller)" in str(w)


# --- quiet on healthy runs ---


@pytest.mark.parametrize("engine", ["compiled", "matrix"])
def test_the_moons_demo_run_is_quiet(engine: str) -> None:
    X, y = MOONS  # demo.py's run: MLP(2, [16, 16, 1]), hinge, sgd lr 0.5, l2 1e-4, 100 full-batch epochs
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingWarning)
        history = fit(MLP(2, [16, 16, 1], seed=0), X, y, lr=0.5, epochs=100, l2=1e-4, progress=False, engine=engine)
    assert history.warnings == [] and history.accuracy[-1] >= 0.97


def test_healthy_small_runs_are_quiet() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingWarning)
        X, y = MOONS
        runs = [fit(MLP(2, [16, 16, 1], seed=0), X, y, lr=0.5, epochs=5, l2=1e-4, progress=False)]  # scalar
        X, y = make_xor(40, noise=0.2, seed=0)
        runs.append(fit(MLP(2, [4, 1], activation="tanh", seed=0), X, y, loss="bce", optimizer="adam", lr=0.1,
                        epochs=50, progress=False))  # fmt: skip
        runs += [lecture(seed, activation="tanh")[0] for seed in range(5)]  # the lecture's own tanh network
    assert [h.warnings for h in runs] == [[]] * len(runs)


def test_the_worked_example_trained_ten_thousand_times_is_quiet() -> None:
    # Mazur's 2-2-2 sigmoid network, its weights, one sample, E = 1/2 sum (target - out)^2, lr 0.5
    model = MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid", seed=0)
    start = [0.15, 0.20, 0.35, 0.25, 0.30, 0.35, 0.40, 0.45, 0.60, 0.50, 0.55, 0.60]  # w1 w2 b1 w3 w4 b1 ...
    model.load_state_dict(dict(zip(model.state_dict(), start, strict=True)))

    def half_sse(outputs: list[Any], labels: list[int]) -> Value:
        return losses.half_sse(outputs[0], [0.01, 0.99])

    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingWarning)
        history = fit(model, [[0.05, 0.10]], [1], loss=half_sse, lr=0.5, epochs=10_000, progress=False)
    assert f"{history.loss[0]:.9f}" == "0.298371109"  # the post's E_total: this is its run
    assert history.warnings == [] and history.loss[-1] < 1e-5


# --- the flag, once per cause, the record, the language ---


def test_warn_false_is_quiet_and_records_the_same_warnings() -> None:
    X, y = MOONS
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingWarning)
        quiet = fit(MLP(2, [16, 16, 1], seed=0), X, y, lr=5.0, epochs=60, progress=False, warn=False, compile=True)
    with pytest.warns(TrainingWarning) as caught:
        loud = fit(MLP(2, [16, 16, 1], seed=0), X, y, lr=5.0, epochs=60, progress=False, compile=True)
    assert quiet.warnings == loud.warnings == [c.message for c in caught if isinstance(c.message, TrainingWarning)]
    assert causes(loud) == [("dead_relu", 2), ("loss_not_falling", 21)]  # each cause once in 60 epochs
    assert quiet == loud


def test_warnings_are_plain_data_copies_and_package_names() -> None:
    X, y = MOONS
    history = fit(MLP(2, [16, 16, 1], seed=0), X, y, lr=1e-9, epochs=21, progress=False, warn=False)
    [w] = history.warnings
    assert json.loads(json.dumps(history.to_dict()))["warnings"] == [
        {"category": "LossNotFallingWarning", "cause": "loss_not_falling", "epoch": 21, "units": [], "message": str(w)}
    ]
    for again in (copy.deepcopy(w), pickle.loads(pickle.dumps(w))):
        assert again == w and again.epoch == 21 and type(again) is LossNotFallingWarning
    assert issubclass(TrainingWarning, UserWarning) and all(
        issubclass(getattr(tinygrad_dk, name), TrainingWarning)
        for name in ("DeadUnitsWarning", "NoGradientWarning", "GradientNormWarning", "LossNotFallingWarning")
    )


def test_the_warnings_speak_danish(monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = MOONS
    monkeypatch.setenv("TINYGRAD_DK_LANG", "da")
    history = fit(MLP(2, [16, 16, 1], seed=0), X, y, lr=1e-9, epochs=21, progress=False, warn=False, compile=True)
    assert str(history.warnings[0]).startswith("Tabet falder ikke: ")
    english = fit(
        MLP(2, [16, 16, 1], seed=0), X, y, lr=1e-9, epochs=21, progress=False, warn=False, lang="en", compile=True
    )
    assert str(english.warnings[0]).startswith("The loss is not falling: ")


def test_every_text_has_both_languages_with_the_same_blanks() -> None:
    def blanks(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for key, texts in advice.TEXTS.items():
        assert set(texts) == {"en", "da"}, key
        assert blanks(texts["en"]) == blanks(texts["da"]), key


# --- where a NaN or inf was born ---


def test_find_anomaly_names_the_op_and_operands_that_made_the_first_inf() -> None:
    w = Value(1e200, "w")
    y = (w * 1e200 + 1.0).tanh()  # 1e200 * 1e200 overflows; tanh(inf) is 1 again
    anomaly = find_anomaly(y)
    assert anomaly == Anomaly("forward", "mulk", "", ("w = 1e+200", "1e+200"), math.inf)
    assert str(anomaly) == "inf first appears in the forward pass: w = 1e+200 * 1e+200 = inf"
    assert find_anomaly((w * 2.0).tanh()) is None


def test_find_anomaly_names_where_the_gradient_first_became_infinite() -> None:
    b = Value(1e-200, "b")
    root = (b * 1e-200).sqrt()  # 1e-400 underflows to 0.0: every value is finite, sqrt(0) = 0
    root.backward()  # but sqrt's local derivative at 0 is 0.5 / 0 = inf, so the product's gradient is inf
    anomaly = find_anomaly(root)
    assert anomaly == Anomaly("backward", "sqrt", "", ("inf", "1"), math.inf)
    assert str(anomaly) == (
        "the gradient first becomes inf in the backward pass: the sqrt node above it has local derivative inf "
        "and gradient 1"
    )


def test_training_diverged_says_where_the_first_inf_was_born() -> None:
    model = MLP(1, [1], seed=0)
    for p in model.parameters():
        p.data = 0.0  # after one step (lr 1e300, mse): w = b = 2e300, the score 4e300 is finite, its square is not
    with pytest.raises(TrainingDiverged, match=r"the loss is inf.*Where it began: inf first appears") as info:
        fit(model, [[1.0]], [1], loss="mse", lr=1e300, epochs=3, progress=False)
    assert info.value.anomaly == Anomaly("forward", "powk", "", ("4e+300", "2"), math.inf)
    assert str(info.value).endswith("Where it began: inf first appears in the forward pass: 4e+300 ** 2 = inf")


def test_detect_anomaly_stops_at_an_inf_the_loss_hides() -> None:
    def overflowing(outputs: list[Value], labels: list[int]) -> Value:
        # a term whose exp overflows but whose tanh is 1 again: the loss is finite, the graph is not
        return losses.bce_with_logits(outputs, [float(t) for t in labels]) + Value(1000.0).exp().tanh() * 0.0

    X, y = make_moons(10, seed=0)
    history = fit(MLP(2, [2, 1], seed=0), X, y, loss=overflowing, epochs=2, progress=False, warn=False)
    assert all(math.isfinite(v) for v in history.loss)  # without the flag, nothing stops it
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(
        TrainingDiverged, match=r"epoch 1: detect_anomaly found a NaN or inf in the step's graph"
    ) as info:
        fit(model, X, y, loss=overflowing, epochs=2, progress=False, detect_anomaly=True)
    assert info.value.anomaly == Anomaly("forward", "exp", "", ("1000",), math.inf)
    assert model.state_dict() == before  # stopped before the first update


def test_an_activation_that_overflows_is_named_when_training_diverges() -> None:
    X, y = make_moons(20, seed=0)
    model = MLP(2, [4, 1], activation=lambda v: (v * 800.0).exp().tanh(), seed=0)
    with pytest.raises(TrainingDiverged, match=r"epoch 1: the update made parameter \S+ nan") as info:
        fit(model, X, y, progress=False)
    anomaly = info.value.anomaly
    assert anomaly is not None and (anomaly.phase, anomaly.op, anomaly.value) == ("forward", "exp", math.inf)
    assert float(anomaly.operands[0]) > math.log(1.7976931348623157e308)  # where exp overflows a float
