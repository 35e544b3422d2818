"""Training: it learns (moons, XOR, three blobs), it is reproducible, it records what it says, it fails loudly."""

from __future__ import annotations

import math
import subprocess
import sys
from typing import Any, cast

import pytest
from support import need_module

from tinygrad_dk import Value, losses
from tinygrad_dk.data import make_blobs, make_moons, make_xor
from tinygrad_dk.losses import hinge
from tinygrad_dk.nn import MLP
from tinygrad_dk.optim import SGD, Adam
from tinygrad_dk.train import History, TrainingDiverged, accuracy, fit, predict, scores, threshold_for


def weights(model: Any) -> list[float]:
    return [p.data for p in model.parameters()]


# --- it learns ---


def test_two_moons_full_batch_reaches_97_percent() -> None:
    # The setting: Adam, lr 0.03, hinge loss, full batch, 100 epochs. Compiled, since each epoch's graph
    # has about 70,000 nodes; test_compiled_fit_is_eager_fit shows compiled and eager training agree.
    X, y = make_moons(100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    history = fit(model, X, y, loss="hinge", optimizer="adam", lr=0.03, epochs=100, progress=False, compile=True)
    assert history.updates == [1] * 100
    assert history.accuracy[-1] >= 0.97
    assert accuracy(model, X, y) == history.accuracy[-1]
    assert history.loss[-1] < 0.1 * history.loss[0]


def test_xor_with_a_2_4_1_tanh_network() -> None:
    X, y = make_xor(40, noise=0.2, seed=0)
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    history = fit(model, X, y, loss="bce", optimizer="adam", lr=0.1, epochs=50, progress=False)
    assert history.accuracy[-1] == 1.0
    assert predict(model, [[-1.0, -1.0], [-1.0, 1.0], [1.0, 1.0], [1.0, -1.0]]) == [0, 1, 0, 1]


def test_three_blobs_with_cross_entropy() -> None:
    X, y = make_blobs(60, 3, seed=0)
    model = MLP(2, [8, 3], seed=0)
    history = fit(model, X, y, loss="cross_entropy", optimizer="sgd", lr=0.1, epochs=20, progress=False)
    assert history.accuracy[-1] >= 0.9
    assert accuracy(model, X, y) == history.accuracy[-1]
    assert set(predict(model, X)) == {0, 1, 2}


@pytest.mark.parametrize(("batch_size", "updates"), [(None, 1), (8, 4), (1, 30)])
def test_full_batch_mini_batch_and_sgd(batch_size: int | None, updates: int) -> None:
    X, y = make_blobs(30, 2, seed=1)  # two separable blobs: every method should get there
    model = MLP(2, [1], seed=0)
    history = fit(model, X, y, loss="hinge", lr=0.05, epochs=15, batch_size=batch_size, progress=False)
    assert history.updates == [updates] * 15  # 1, ceil(30 / 8), 30
    assert history.batch_size == batch_size
    assert history.accuracy[-1] == 1.0
    assert history.loss[-1] < 0.25 * history.loss[0]


def test_mse_with_several_outputs_uses_one_hot_targets() -> None:
    X, y = make_blobs(30, 3, seed=2)
    history = fit(MLP(2, [6, 3], seed=0), X, y, loss="mse", optimizer="adam", lr=0.05, epochs=20, progress=False)
    assert history.accuracy[-1] >= 0.9


# --- it is reproducible and records what it says ---


def small_run(**kwargs: Any) -> tuple[History, list[float]]:
    X, y = make_moons(24, seed=3)
    model = MLP(2, [4, 1], activation="tanh", seed=1)
    options = {"loss": "hinge", "lr": 0.1, "epochs": 4, "batch_size": 5, "progress": False, **kwargs}
    history = fit(model, X, y, **options)
    return history, weights(model)


def test_same_seed_same_history_other_seed_other_history() -> None:
    a, wa = small_run(seed=7, label="a")
    b, wb = small_run(seed=7, label="a")
    assert a == b and wa == wb  # `==` compares everything but the timings
    assert a.to_dict() | {"seconds": None} == b.to_dict() | {"seconds": None}
    c, _ = small_run(seed=8, label="a")
    assert c.loss != a.loss
    d, _ = small_run(seed=8, shuffle=False)
    e, _ = small_run(seed=9, shuffle=False)
    assert d == e  # without shuffling the seed does not matter


def test_history_fields() -> None:
    history, _ = small_run(seed=0, label="moons, minibatch")
    assert history.epochs == 4
    assert history.label == "moons, minibatch" and history.batch_size == 5
    assert history.lr == [0.1] * 4 and history.updates == [5] * 4
    assert all(s > 0 for s in history.seconds)
    data = history.to_dict()
    assert set(data) == {"loss", "accuracy", "lr", "seconds", "updates", "label", "batch_size", "threshold", "warnings"}
    assert data["warnings"] == history.warnings == []
    assert data["threshold"] == history.threshold == 0.0  # hinge: the sign of the score
    assert data["loss"] == history.loss and data["loss"] is not history.loss


def test_full_batch_loss_is_the_mean_loss_at_the_starting_weights() -> None:
    X, y = make_moons(20, seed=4)
    model, twin = MLP(2, [3, 1], seed=5), MLP(2, [3, 1], seed=5)
    history = fit(model, X, y, loss="hinge", l2=0.01, epochs=2, progress=False)
    # recomputed with plain floats from the same starting weights
    layers = [[([w.data for w in n.w], n.b.data) for n in layer.neurons] for layer in twin.layers]

    def score(x: list[float]) -> float:
        h = [max(0.0, sum(w * xi for w, xi in zip(ws, x, strict=True)) + b) for ws, b in layers[0]]
        ws, b = layers[1][0]
        return sum(w * hi for w, hi in zip(ws, h, strict=True)) + b

    data_loss = sum(max(0.0, 1 - (2 * t - 1) * score(x)) for x, t in zip(X, y, strict=True)) / len(X)
    penalty = 0.01 * sum(p.data**2 for p in twin.parameters())
    assert history.loss[0] == pytest.approx(data_loss + penalty, rel=1e-12)


def test_mini_batch_loss_is_weighted_by_batch_size() -> None:
    seen: list[tuple[float, int]] = []

    def recording_hinge(outputs: list[Any], labels: list[int]) -> Value:
        loss = hinge(outputs, [2 * t - 1 for t in labels])
        seen.append((loss.data, len(labels)))
        return loss

    X, y = make_moons(23, seed=6)
    history = fit(MLP(2, [3, 1], seed=0), X, y, loss=recording_hinge, batch_size=10, epochs=1, progress=False)
    assert [n for _, n in seen] == [10, 10, 3]
    assert history.loss[0] == pytest.approx(sum(v * n for v, n in seen) / 23, rel=1e-12)
    assert history.loss[0] != pytest.approx(sum(v for v, _ in seen) / 3, rel=1e-6)


def test_accuracy_rule_is_threshold_half_for_mse() -> None:
    model = MLP(1, [1], seed=0)
    model.parameters()[0].data, model.parameters()[1].data = 1.0, 0.0  # score = x
    X, y = [[0.2], [0.7], [-1.0]], [0, 1, 0]
    history = fit(model, X, y, loss="mse", lr=1e-9, epochs=1, progress=False)
    assert history.accuracy == [1.0]  # 0.2 < 0.5: class 0
    assert history.threshold == 0.5
    assert predict(model, X) == [1, 1, 0] and predict(model, X, threshold=history.threshold) == [0, 1, 0]
    assert accuracy(model, X, y) == pytest.approx(2 / 3)
    assert accuracy(model, X, y, threshold=history.threshold) == history.accuracy[-1]
    assert scores(model, X) == pytest.approx([0.2, 0.7, -1.0], abs=1e-8)


@pytest.mark.parametrize(
    ("loss", "nouts", "threshold"),
    [
        ("hinge", [3, 1], 0.0),
        ("bce", [3, 1], 0.0),
        ("mse", [3, 1], 0.5),
        (losses.mse, [3, 1], 0.5),
        ("mse", [3, 2], 0.5),
        ("cross_entropy", [3, 2], 0.0),
    ],
)
@pytest.mark.parametrize("compile", [False, True])
def test_the_history_carries_the_threshold_fit_decided_classes_at(
    loss: Any, nouts: list[int], threshold: float, compile: bool
) -> None:
    X, y = make_moons(12, seed=0)
    model = MLP(2, nouts, seed=0)
    history = fit(model, X, y, loss=loss, epochs=2, progress=False, compile=compile)
    assert history.threshold == threshold_for(loss) == threshold
    assert accuracy(model, X, y, threshold=history.threshold) == history.accuracy[-1]


def test_threshold_for_a_loss_name_function_or_a_loss_of_ones_own() -> None:
    def my_loss(outputs: list[Value], labels: list[int]) -> Value:
        return hinge(outputs, [2 * t - 1 for t in labels])

    assert [threshold_for(name) for name in ("hinge", "bce", "mse", "cross_entropy")] == [0.0, 0.0, 0.5, 0.0]
    assert threshold_for(losses.hinge) == 0.0 and threshold_for(losses.mse) == 0.5
    assert threshold_for(my_loss) == 0.0
    X, y = make_moons(12, seed=0)
    assert fit(MLP(2, [2, 1], seed=0), X, y, loss=my_loss, epochs=1, progress=False).threshold == 0.0
    with pytest.raises(
        ValueError,
        match=r"threshold_for: unknown loss 'l1': use one of hinge, mse, bce, "
        r"cross_entropy, or a function",
    ):
        threshold_for("l1")


def test_labels_minus_one_plus_one_and_numpy_inputs_are_the_same_as_zero_one_lists() -> None:
    np = need_module("numpy")
    X, y = make_moons(16, seed=2)
    runs = []
    for X_in, y_in in [
        (X, y),
        (X, [2 * t - 1 for t in y]),
        (np.array(X), np.array(y)),
        (np.array(X), np.array(y, dtype=float)),
    ]:
        for loss in ("hinge", "bce"):
            model = MLP(2, [3, 1], seed=0)
            runs.append((loss, fit(model, X_in, y_in, loss=loss, epochs=3, progress=False), weights(model)))
    for loss in ("hinge", "bce"):
        same = [(h, w) for name, h, w in runs if name == loss]
        assert all(pair == same[0] for pair in same)


def test_callbacks_see_every_epoch_and_can_change_the_learning_rate() -> None:
    X, y = make_moons(12, seed=0)
    model = MLP(2, [2, 1], seed=0)
    opt = SGD(model.parameters(), lr=0.2, momentum=0.5)
    snapshots: list[tuple[int, int, dict[str, float]]] = []

    def record(epoch: int, m: Any, history: History) -> None:
        snapshots.append((epoch, history.epochs, m.state_dict()))

    def halve(epoch: int, m: Any, history: History) -> None:
        opt.lr /= 2

    history = fit(model, X, y, optimizer=opt, epochs=3, callbacks=[record, halve], progress=False)
    assert [(e, n) for e, n, _ in snapshots] == [(1, 1), (2, 2), (3, 3)]
    assert snapshots[-1][2] == model.state_dict() and snapshots[0][2] != snapshots[1][2]
    assert history.lr == [0.2, 0.1, 0.05]


def test_a_callback_that_changes_the_weights_is_seen_by_the_next_epoch() -> None:
    X, y = make_moons(12, seed=0)
    model = MLP(2, [2, 1], seed=0)

    def reset(epoch: int, m: Any, history: History) -> None:
        for p in m.parameters():
            p.data = 0.5

    history = fit(model, X, y, epochs=2, callbacks=[reset], progress=False)
    twin = MLP(2, [2, 1], seed=0)
    for p in twin.parameters():
        p.data = 0.5
    assert history.loss[1] == fit(twin, X, y, epochs=1, progress=False).loss[0]


def test_optimizer_choices() -> None:
    X, y = make_moons(12, seed=0)
    for optimizer in ("sgd", "adam", "adamw", None):
        history = fit(MLP(2, [2, 1], seed=0), X, y, optimizer=optimizer, epochs=1, progress=False)
        assert history.lr == [0.1 if optimizer in ("sgd", None) else 0.01]
    model = MLP(2, [2, 1], seed=0)
    opt = Adam(model.parameters()[:3], lr=0.05)  # a subset: the rest stay frozen
    before = weights(model)
    fit(model, X, y, optimizer=opt, epochs=2, progress=False)
    assert weights(model)[3:] == before[3:] and weights(model)[:3] != before[:3]


def test_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = make_moons(8, seed=0)
    fit(MLP(2, [2, 1], seed=0), X, y, epochs=2, label="tiny", progress=True)
    err = capsys.readouterr().err
    assert "tiny" in err and "loss=" in err and "accuracy=" in err and "2/2" in err
    fit(MLP(2, [2, 1], seed=0), X, y, epochs=2, progress=False)
    assert capsys.readouterr().err == ""


# --- divergence ---


def test_an_update_that_overflows_is_undone() -> None:
    model = MLP(1, [1], seed=0)
    for p in model.parameters():
        p.data = 0.0  # score 0 for x = 1000: the hinge gradient is -1000 for w, -1 for b
    before = weights(model)
    with pytest.raises(
        TrainingDiverged,
        match=r"training diverged at epoch 1, batch 1 of 1: the update made "
        r"parameter L1\.n1\.w1 -?inf.*smaller learning rate than lr=1e\+306",
    ):
        fit(model, [[1000.0]], [1], loss="hinge", lr=1e306, batch_size=1, progress=False)
    assert weights(model) == before


def test_an_infinite_loss_stops_training_with_the_last_finite_weights() -> None:
    model = MLP(1, [1], seed=0)
    for p in model.parameters():
        p.data = 0.0  # the first step makes w = b = 2e300, the next loss is (4e300 - 1)**2 = inf
    after_epoch: list[list[float]] = []
    with pytest.raises(
        TrainingDiverged,
        match=r"training diverged at epoch 2: the loss is inf; the model keeps its "
        r"last finite parameters\. Try a smaller learning rate",
    ) as info:
        fit(
            model,
            [[1.0]],
            [1],
            loss="mse",
            lr=1e300,
            epochs=5,
            progress=False,
            callbacks=[lambda epoch, m, h: after_epoch.append(weights(m))],
        )
    assert isinstance(info.value, ValueError)
    assert (info.value.epoch, info.value.batch, info.value.history.epochs) == (2, None, 1)
    assert len(after_epoch) == 1 and weights(model) == after_epoch[0]
    assert weights(model) == [2e300, 2e300]


def test_a_huge_learning_rate_leaves_finite_weights_from_before_the_failure() -> None:
    class Recording(SGD):
        def step(self) -> None:
            self.before = [p.data for p in self.params]
            super().step()
            self.after = [p.data for p in self.params]

    X, y = make_moons(20, seed=0)
    model = MLP(2, [8, 1], seed=0)
    opt = Recording(model.parameters(), lr=1e150)
    with pytest.raises(TrainingDiverged, match=r"training diverged at epoch \d+, batch \d+ of 4") as info:
        fit(model, X, y, loss="mse", optimizer=opt, batch_size=5, epochs=50, progress=False)
    assert all(math.isfinite(w) for w in weights(model))
    failed_update = "the update made" in str(info.value)
    assert weights(model) == (opt.before if failed_update else opt.after)


@pytest.mark.parametrize("loss", ["hinge", "bce"])
def test_a_loss_that_grows_by_orders_of_magnitude_is_divergence_not_success(loss: str) -> None:
    # before: `tinygrad-dk train --lr 100` ended "loss 23907449016360111085453312.0000, accuracy 50.0%", exit 0
    X, y = make_moons(100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    seen: list[int] = []
    with pytest.raises(
        TrainingDiverged,
        match=r"^training diverged at epoch \d+: the loss blew up to \S+, more than 10,000 times its best so far "
        r"\(\S+\); the model keeps its last parameters, finite but far from any good ones\. Try a smaller "
        r"learning rate than lr=100, such as lr=10$",
    ) as info:
        fit(
            model,
            X,
            y,
            loss=loss,
            lr=100,
            progress=False,
            engine="compiled",
            callbacks=[lambda epoch, m, h: seen.append(epoch)],
        )
    error = info.value
    recorded = error.history.loss
    assert (error.epoch, error.lr, error.anomaly) == (len(recorded), 100, None)
    # the rule, checked on the losses fit recorded: this epoch's loss > 1e4 * max(best before it, 1) ...
    assert recorded[-1] > 1e4 * max(min(recorded[:-1]), 1.0)
    # ... and no epoch before it broke the rule
    assert all(recorded[i] <= 1e4 * max(min(recorded[:i]), 1.0) for i in range(1, len(recorded) - 1))
    assert seen == list(range(1, error.epoch))  # the callbacks of the epochs before it ran
    assert all(math.isfinite(w) for w in weights(model))


def test_a_float_op_out_of_its_domain_after_an_update_is_divergence() -> None:
    def log_loss(outputs: list[Value], labels: list[int]) -> Value:
        # log(0.5 - score): falls as the score rises to 0.5, undefined beyond it
        return (0.5 - outputs[0]).log()

    model = MLP(1, [1], seed=0)
    for p in model.parameters():
        p.data = 0.0  # score 0; d loss / d score = -1 / 0.5 = -2, so lr 1 makes w = b = 2 and the score 4
    with pytest.raises(
        TrainingDiverged,
        match=r"^training diverged at epoch 2: log is undefined at -3\.5: its input must be > 0 \(after the updates "
        r"moved the parameters there\)\. Try a smaller learning rate than lr=1, such as lr=0\.1$",
    ) as info:
        fit(model, [[1.0]], [1], loss=log_loss, lr=1.0, epochs=3, progress=False)
    assert isinstance(info.value.__cause__, ValueError) and weights(model) == [2.0, 2.0]
    # the same error on the first step is the model's or the loss's own, not divergence: it stays as it was
    for p in model.parameters():
        p.data = 0.5  # score 1: log(-0.5)
    with pytest.raises(ValueError, match=r"^log is undefined at -0\.5: its input must be > 0$") as first:
        fit(model, [[1.0]], [1], loss=log_loss, lr=1.0, epochs=3, progress=False)
    assert not isinstance(first.value, TrainingDiverged)


def test_a_loss_of_ones_own_that_returns_a_float_is_refused_with_the_fix() -> None:
    def my_loss(outputs: list[Value], labels: list[int]) -> Any:
        return sum((o.data - t) ** 2 for o, t in zip(outputs, labels, strict=True)) / len(outputs)  # .data: floats

    X, y = make_moons(10, seed=0)
    with pytest.raises(
        TypeError,
        match=r"^fit: the loss function '\S*my_loss' returned a float \(\S+\), not a Value: backward needs the "
        r"loss as a Value built from the outputs by Value arithmetic \(no \.data, no float\(\)\)",
    ):
        fit(MLP(2, [2, 1], seed=0), X, y, loss=my_loss, progress=False)


# --- bad arguments ---

MOONS = make_moons(10, seed=0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"X": []}, ValueError, r"fit: X is empty"),
        ({"X": "abc"}, TypeError, r"fit: X must be a list of samples"),
        ({"X": [1.0, 2.0]}, ValueError, r"fit: X must be 2-D, .* X\[0\] is 1.0; write one-feature samples as \[\[x0\]"),
        ({"X": [[1.0, 2.0], [1.0]]}, ValueError, r"fit: X\[1\] has 1 features but X\[0\] has 2"),
        ({"X": [[]]}, ValueError, r"fit: the samples in X have no features"),
        ({"X": [[1.0, math.nan]]}, ValueError, r"fit: X\[0\]\[1\] is nan: features must be finite numbers"),
        ({"X": [[1.0, "2"]] * 10}, TypeError, r"fit: X\[0\]\[1\] is a str: '2': features must be numbers"),
        ({"X": [{1.0, 2.0}] * 10}, TypeError, r"fit: X\[0\] is a set: \{1\.0, 2\.0\}: give each sample as a list"),
        ({"X": [{"a": 1.0, "b": 2.0}] * 10}, TypeError, r"fit: X\[0\] is a dict: .* in feature order"),
        ({"X": {(1.0, 2.0), (2.0, 1.0)}}, TypeError, r"fit: X must be a list of samples .* not set"),
        ({"warn": 1}, TypeError, r"fit: warn must be True or False, got 1"),
        ({"detect_anomaly": "yes"}, TypeError, r"fit: detect_anomaly must be True or False, got 'yes'"),
        ({"lang": "fr"}, ValueError, r"fit: unknown language 'fr': use one of 'en', 'da'"),
        ({"y": ["a"] * 10}, TypeError, r"fit: y\[0\] is a str: 'a': labels must be numbers"),
        ({"y": [0, 1]}, ValueError, r"fit: X has 10 samples but y has 2 labels"),
        ({"y": 1}, TypeError, r"fit: y must be a list of class labels"),
        ({"y": [0.5] * 10}, ValueError, r"fit: y\[0\] is 0.5: labels must be whole numbers"),
        (
            {"y": [0, 2] * 5},
            ValueError,
            r"fit: a model with one output needs two classes labelled 0/1 or -1/\+1, got "
            r"labels \[0, 2\]",
        ),
        (
            {"y": [0, 2] * 5, "model": MLP(2, [2], seed=0), "loss": "cross_entropy"},
            ValueError,
            r"fit: y\[1\] is 2, but a model with 2 outputs needs class labels 0\.\.1",
        ),
        ({"loss": "cross_entropy"}, ValueError, r"fit: loss='cross_entropy' needs a model with one output per class"),
        (
            {"loss": "hinge", "model": MLP(2, [2], seed=0)},
            ValueError,
            r"fit: loss='hinge' needs a model with one output",
        ),
        ({"loss": "l1"}, ValueError, r"fit: unknown loss 'l1': use one of hinge, mse, bce, cross_entropy"),
        ({"optimizer": "rmsprop"}, ValueError, r"fit: unknown optimizer 'rmsprop': use one of sgd, adam, adamw"),
        (
            {"optimizer": SGD([Value(1.0)]), "lr": None},
            ValueError,
            r"fit: the optimizer holds Values that are not the "
            r"model's parameters",
        ),
        ({"optimizer": "sgd", "lr": -1.0}, ValueError, r"SGD: lr must be > 0, got -1.0"),
        ({"epochs": 0}, ValueError, r"fit: epochs must be >= 1, got 0"),
        ({"epochs": 2.5}, TypeError, r"fit: epochs must be an int, not float: 2.5"),
        ({"batch_size": 0}, ValueError, r"fit: batch_size must be >= 1, got 0"),
        ({"l2": -0.1}, ValueError, r"fit: l2 must be a finite number >= 0, got -0.1"),
        ({"callbacks": print}, TypeError, r"fit: callbacks must be a list of functions, .* callbacks=\[f\]"),
        ({"callbacks": [1]}, TypeError, r"fit: every callback must be a function callback\(epoch, model, history\)"),
        ({"model": object()}, TypeError, r"fit: model must be callable and have parameters\(\)"),
        ({"model": lambda x: "no"}, TypeError, r"fit: model must be callable and have parameters\(\)"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    arguments = {
        "model": MLP(2, [2, 1], seed=0),
        "X": MOONS[0],
        "y": MOONS[1],
        "epochs": 1,
        "progress": False,
        **kwargs,
    }
    model, X, y = arguments.pop("model"), arguments.pop("X"), arguments.pop("y")
    with pytest.raises(error, match=match):
        fit(model, X, y, **arguments)


def test_lr_with_an_optimizer_instance_is_an_error() -> None:
    model = MLP(2, [2, 1], seed=0)
    with pytest.raises(
        ValueError,
        match=r"fit: lr=0\.5 given with an optimizer instance: set the learning rate on "
        r"the optimizer \(SGD\(params, lr=\.\.\.\)\)",
    ):
        fit(model, *MOONS, optimizer=SGD(model.parameters()), lr=0.5, progress=False)


def test_a_model_that_returns_no_values() -> None:
    class Bad:
        def __call__(self, x: list[float]) -> float:
            return 1.0

        def parameters(self) -> list[Value]:
            return [Value(1.0)]

    with pytest.raises(TypeError, match=r"fit: the model must return a Value or a list of Values, not float"):
        fit(Bad(), *MOONS, progress=False)
    with pytest.raises(TypeError, match=r"predict: the model must return a Value or a list of Values"):
        predict(Bad(), MOONS[0])


@pytest.mark.parametrize(
    ("loss", "nouts", "l2"),
    [("hinge", [8, 1], 1e-4), ("bce", [8, 1], 0.0), ("cross_entropy", [8, 3], 1e-3), ("mse", [8, 1], 0.0)],
)
def test_compiled_fit_is_eager_fit(loss: str, nouts: list[int], l2: float) -> None:
    X, y = make_blobs(30, 3, seed=1) if nouts[-1] == 3 else make_moons(30, noise=0.1, seed=1)
    runs = []
    for compile in (False, True):
        model = MLP(2, nouts, seed=3)
        history = fit(model, X, y, loss=loss, optimizer="sgd", lr=0.2, epochs=8, l2=l2, progress=False, compile=compile)
        runs.append((history, [p.data for p in model.parameters()]))
    (eager, eager_params), (compiled, compiled_params) = runs
    assert compiled.loss == eager.loss  # bit for bit: the compiled program does the engine's arithmetic
    assert compiled.accuracy == eager.accuracy
    assert compiled_params == eager_params


@pytest.mark.parametrize(
    ("loss", "nouts", "batch_size"),
    [("hinge", [6, 1], 1), ("bce", [6, 1], 4), ("cross_entropy", [6, 3], 7), ("mse", [6, 3], 5)],
)
def test_compiled_mini_batches_follow_eager_ones(loss: str, nouts: list[int], batch_size: int) -> None:
    X, y = make_blobs(24, 3, seed=2) if nouts[-1] == 3 else make_moons(24, noise=0.1, seed=2)
    runs = []
    for compile in (False, True):
        model = MLP(2, nouts, seed=4)
        history = fit(
            model,
            X,
            y,
            loss=loss,
            optimizer="sgd",
            lr=0.1,
            epochs=4,
            batch_size=batch_size,
            l2=1e-3,
            progress=False,
            compile=compile,
        )
        runs.append((history, [p.data for p in model.parameters()]))
    (eager, eager_params), (compiled, compiled_params) = runs
    assert compiled.updates == eager.updates == [math.ceil(24 / batch_size)] * 4
    # the batch's gradient is the mean of the samples' gradients, summed in another order than eager's
    assert compiled.loss == pytest.approx(eager.loss, rel=1e-12, abs=1e-15)
    assert compiled_params == pytest.approx(eager_params, rel=1e-12, abs=1e-15)
    assert compiled.accuracy == eager.accuracy


@pytest.mark.parametrize("batch_size", [None, 5])
def test_compile_with_a_custom_loss_runs_eagerly_and_says_so(batch_size: int | None) -> None:
    from tinygrad_dk.compile import CompileFallbackWarning

    def my_loss(outputs: list[Value], labels: list[int]) -> Value:
        return sum(((o - label) ** 2 for o, label in zip(outputs, labels, strict=True)), Value(0.0)) * 0.5

    X, y = make_moons(20, noise=0.1, seed=0)
    with pytest.warns(CompileFallbackWarning, match=r"built-in losses .* only: a loss function of your own may branch"):
        compiled = fit(
            MLP(2, [4, 1], seed=0), X, y, loss=my_loss, epochs=2, batch_size=batch_size, progress=False, compile=True
        )
    eager = fit(MLP(2, [4, 1], seed=0), X, y, loss=my_loss, epochs=2, batch_size=batch_size, progress=False)
    assert compiled == eager


def test_compiled_fit_counts_a_model_that_returns_a_list_of_one_output_as_eager_fit_does() -> None:
    class Listed:  # one output, returned as a list of one Value
        def __init__(self) -> None:
            self.mlp = MLP(2, [4, 1], seed=0)

        def __call__(self, x: Any) -> list[Value]:
            return [cast(Value, self.mlp(x))]

        def parameters(self) -> list[Value]:
            return self.mlp.parameters()

    X, y = make_moons(20, noise=0.1, seed=0)
    eager, compiled = (fit(Listed(), X, y, epochs=5, progress=False, compile=c) for c in (False, True))
    assert compiled == eager and eager.accuracy[-1] > 0.5


def test_the_core_does_not_import_the_compiler() -> None:
    code = "import sys, tinygrad_dk.train; print('tinygrad_dk.compile' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"  # fit imports it when compile=True asks for it


# --- engine="matrix": the same runs as the scalar engine, as matrices ---


def test_the_moons_demo_run_with_matrices_is_the_scalar_run() -> None:
    # the compiled full-batch run is the scalar run to the last bit (test_compiled_fit_is_eager_fit),
    # and a hundred times faster, so it stands in for the scalar run here
    X, y = make_moons(100, noise=0.1, seed=0)
    runs = {
        engine: fit(
            MLP(2, [16, 16, 1], seed=0),
            X,
            y,
            loss="hinge",
            optimizer="sgd",
            lr=0.5,
            l2=1e-4,
            epochs=100,
            progress=False,
            engine=engine,
        )
        for engine in ("compiled", "matrix")
    }
    scalar, matrix = runs["compiled"], runs["matrix"]
    assert matrix.loss == pytest.approx(scalar.loss, rel=1e-9, abs=1e-9)  # every recorded loss
    assert matrix.accuracy == scalar.accuracy and matrix.updates == scalar.updates == [1] * 100


@pytest.mark.parametrize(
    ("loss", "nouts", "batch_size", "optimizer"),
    [
        ("hinge", [6, 1], None, "adam"),
        ("bce", [6, 1], 4, "sgd"),
        ("cross_entropy", [6, 3], 7, "adamw"),
        ("mse", [6, 3], 1, "sgd"),
        ("mse", [6, 1], None, "adam"),
    ],
)
def test_matrix_fit_follows_scalar_fit(loss: str, nouts: list[int], batch_size: int | None, optimizer: str) -> None:
    X, y = make_blobs(24, 3, seed=2) if nouts[-1] == 3 else make_moons(24, noise=0.1, seed=2)
    runs = []
    for engine in ("scalar", "matrix"):
        model = MLP(2, nouts, activation="tanh", seed=4)
        history = fit(
            model,
            X,
            y,
            loss=loss,
            optimizer=optimizer,
            lr=0.05,
            epochs=4,
            batch_size=batch_size,
            l2=1e-3,
            progress=False,
            engine=engine,
        )
        runs.append((history, [p.data for p in model.parameters()]))
    (scalar, scalar_params), (matrix, matrix_params) = runs
    assert matrix.updates == scalar.updates
    assert matrix.loss == pytest.approx(scalar.loss, rel=1e-12, abs=1e-15)
    assert matrix_params == pytest.approx(scalar_params, rel=1e-12, abs=1e-15)
    assert matrix.accuracy == scalar.accuracy


def test_compile_true_is_engine_compiled_and_engine_wins() -> None:
    X, y = make_moons(20, noise=0.1, seed=0)
    old, new = (
        fit(MLP(2, [4, 1], seed=0), X, y, epochs=3, progress=False, **kw)
        for kw in ({"compile": True}, {"engine": "compiled"})
    )
    assert old == new
    both = fit(MLP(2, [4, 1], seed=0), X, y, epochs=3, progress=False, compile=True, engine="matrix")
    assert both.loss == pytest.approx(new.loss, rel=1e-12)
    with pytest.raises(ValueError, match=r"fit: unknown engine 'gpu': use one of scalar, compiled, matrix"):
        fit(MLP(2, [4, 1], seed=0), X, y, epochs=3, progress=False, engine="gpu")


def test_matrix_fit_falls_back_for_a_function_of_ones_own_and_names_it() -> None:
    from tinygrad_dk.train import MatrixFallbackWarning

    def wiggle(v: Value) -> Value:
        return v.tanh() * 2.0

    def my_loss(outputs: list[Value], labels: list[int]) -> Value:
        return sum(((o - label) ** 2 for o, label in zip(outputs, labels, strict=True)), Value(0.0)) * 0.5

    X, y = make_moons(20, noise=0.1, seed=0)
    with pytest.warns(
        MatrixFallbackWarning,
        match=r"the activation 'wiggle' is a function of your own.*"
        r"this run uses engine='compiled'",
    ):
        fell = fit(MLP(2, [4, 1], activation=wiggle, seed=0), X, y, epochs=2, progress=False, engine="matrix")
    assert fell == fit(MLP(2, [4, 1], activation=wiggle, seed=0), X, y, epochs=2, progress=False, compile=True)
    with pytest.warns(MatrixFallbackWarning, match=r"the loss <function .*my_loss.*> .*this run uses engine='scalar'"):
        fell = fit(MLP(2, [4, 1], seed=0), X, y, loss=my_loss, epochs=2, progress=False, engine="matrix")
    assert fell == fit(MLP(2, [4, 1], seed=0), X, y, loss=my_loss, epochs=2, progress=False)


def test_the_core_does_not_import_numpy_for_the_matrix_engine() -> None:
    code = "import sys, tinygrad_dk.train; print('numpy' in sys.modules, 'tinygrad_dk.matrix' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False False"  # fit imports them when engine="matrix" asks for them
