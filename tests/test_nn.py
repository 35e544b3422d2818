"""Tests for tinygrad_dk.nn: modules, names, init, the perceptron, model files, and PyTorch/micrograd references."""

from __future__ import annotations

import copy
import json
import math
import os
import pickle
import random
import re
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import pytest
from support import need_module

from tinygrad_dk.engine import Value
from tinygrad_dk.nn import ACTIVATIONS, MLP, Layer, ModelFileError, Module, Neuron, Perceptron, load

# --- activations ---


def test_activation_table_has_the_agreed_names() -> None:
    assert set(ACTIVATIONS) == {"relu", "tanh", "sigmoid", "leaky_relu", "softplus", "linear", "step"}


@pytest.mark.parametrize("x", [-0.7, 1.3])
def test_activations_compute_their_functions(x: float) -> None:
    expected = {
        "relu": max(0.0, x),
        "tanh": math.tanh(x),
        "sigmoid": 1.0 / (1.0 + math.exp(-x)),
        "leaky_relu": x if x > 0 else 0.01 * x,
        "softplus": math.log(1.0 + math.exp(x)),
        "linear": x,
        "step": 1.0 if x > 0 else 0.0,
    }
    for name, fn in ACTIVATIONS.items():
        assert fn(Value(x)).data == pytest.approx(expected[name], rel=1e-12), name


def test_linear_activation_is_the_identity() -> None:
    v = Value(0.5)
    assert ACTIVATIONS["linear"](v) is v


# --- shapes, names, labels ---


def test_parameter_counts() -> None:
    # (nin + 1) * nout per layer: 3*16 + 17*16 + 17*1 = 48 + 272 + 17
    assert len(MLP(2, [16, 16, 1]).parameters()) == 337
    assert len(MLP(3, [4, 4, 1]).parameters()) == 16 + 20 + 5
    assert len(Layer(3, 2).parameters()) == 8
    assert len(Neuron(5).parameters()) == 6
    assert len(Perceptron(3).parameters()) == 4


def test_parameters_follow_micrograds_order() -> None:
    model = MLP(2, [3, 1])
    expected = [p for layer in model.layers for n in layer.neurons for p in [*n.w, n.b]]
    assert [id(p) for p in model.parameters()] == [id(p) for p in expected]
    assert [id(p) for _, p in model.named_parameters()] == [id(p) for p in expected]


def test_named_parameters_are_stable_and_0_based() -> None:
    names = [name for name, _ in MLP(2, [4, 1]).named_parameters()]
    assert names[:4] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    assert "layers.0.neurons.3.w.1" in names
    assert names[-1] == "layers.1.neurons.0.b"
    assert len(set(names)) == len(names) == 17
    assert [n for n, _ in MLP(2, [4, 1], seed=9).named_parameters()] == names  # names do not depend on weights
    assert [n for n, _ in Neuron(2).named_parameters()] == ["w.0", "w.1", "b"]
    assert [n for n, _ in Layer(1, 2).named_parameters()] == [
        "neurons.0.w.0",
        "neurons.0.b",
        "neurons.1.w.0",
        "neurons.1.b",
    ]
    assert [n for n, _ in Perceptron(2).named_parameters()] == ["w.0", "w.1", "b"]


def test_labels_are_short_and_1_based() -> None:
    labels = [p.label for p in MLP(2, [2, 1]).parameters()]
    assert labels == [
        "L1.n1.w1",
        "L1.n1.w2",
        "L1.n1.b",
        "L1.n2.w1",
        "L1.n2.w2",
        "L1.n2.b",
        "L2.n1.w1",
        "L2.n1.w2",
        "L2.n1.b",
    ]
    assert [p.label for p in Layer(1, 2).parameters()] == ["n1.w1", "n1.b", "n2.w1", "n2.b"]
    assert [p.label for p in Neuron(2).parameters()] == ["w1", "w2", "b"]
    assert [p.label for p in Perceptron(3).parameters()] == ["w1", "w2", "w3", "b"]


def test_zero_grad_clears_every_gradient() -> None:
    model = MLP(2, [3, 1])
    out = model([0.5, -1.5])
    assert isinstance(out, Value)
    out.backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_layer_returns_one_value_for_one_neuron_else_a_list() -> None:
    assert isinstance(Layer(3, 1)([1.0, 2.0, 3.0]), Value)
    out = Layer(3, 2)([1.0, 2.0, 3.0])
    assert isinstance(out, list) and len(out) == 2
    assert isinstance(MLP(2, [3, 1])([1.0, 2.0]), Value)
    many = MLP(2, [1, 3])([1.0, 2.0])  # a one-neuron hidden layer still feeds the next layer
    assert isinstance(many, list) and len(many) == 3


def test_neuron_activation_defaults_follow_micrograds_nonlin() -> None:
    assert Neuron(2).activation == "relu" and Neuron(2).nonlin
    assert Neuron(2, nonlin=False).activation == "linear" and not Neuron(2, nonlin=False).nonlin
    assert Neuron(2, nonlin=False, activation="tanh").activation == "tanh"
    model = MLP(2, [3, 3, 1], activation="tanh", output_activation="sigmoid")
    assert [n.activation for layer in model.layers for n in layer.neurons] == ["tanh"] * 6 + ["sigmoid"]


def test_repr_is_short_and_informative() -> None:
    assert repr(MLP(2, [16, 16, 1])) == "MLP(2, [16, 16, 1], activation='relu', output_activation='linear')"
    assert repr(MLP(2, [3], activation="tanh", init="he", seed=4)) == (
        "MLP(2, [3], activation='tanh', output_activation='linear', init='he', seed=4)"
    )
    assert repr(Layer(3, 2)) == "Layer(3, 2, activation='relu')"
    assert repr(Neuron(3, nonlin=False)) == "Neuron(3, activation='linear')"
    assert repr(Perceptron(3, lr=0.5, seed=2)) == "Perceptron(3, lr=0.5, seed=2)"


def test_summary_lists_layers_activations_and_counts() -> None:
    model = MLP(2, [16, 16, 1])
    lines = model.summary().splitlines()
    assert lines[0] == repr(model)
    assert lines[1].split() == ["layer", "inputs", "neurons", "activation", "weights", "biases", "parameters"]
    assert lines[2].split() == ["L1", "2", "16", "relu", "32", "16", "48"]
    assert lines[3].split() == ["L2", "16", "16", "relu", "256", "16", "272"]
    assert lines[4].split() == ["L3", "16", "1", "linear", "16", "1", "17"]
    assert lines[5] == "total parameters: 337"
    assert Perceptron(3).summary().splitlines()[2].split() == ["perceptron", "3", "1", "step", "3", "1", "4"]


# --- forward pass by hand, and micrograd's loop ---

HAND_STATE = {  # a 2-2-1 net with exact binary fractions
    "layers.0.neurons.0.w.0": 0.5,
    "layers.0.neurons.0.w.1": 0.25,
    "layers.0.neurons.0.b": 0.5,
    "layers.0.neurons.1.w.0": -1.0,
    "layers.0.neurons.1.w.1": 1.0,
    "layers.0.neurons.1.b": 0.0,
    "layers.1.neurons.0.w.0": 2.0,
    "layers.1.neurons.0.w.1": -3.0,
    "layers.1.neurons.0.b": 0.25,
}


def test_relu_2_2_1_output_and_gradients_by_hand() -> None:
    model = MLP(2, [2, 1])
    model.load_state_dict(HAND_STATE)
    out = model([1.0, -2.0])
    # h1 = relu(0.5*1 + 0.25*-2 + 0.5) = 0.5;  h2 = relu(-1*1 + 1*-2 + 0) = relu(-3) = 0
    # out = 2*h1 - 3*h2 + 0.25 = 1.25
    assert isinstance(out, Value)
    assert out.data == 1.25
    out.backward()
    grads = {name: p.grad for name, p in model.named_parameters()}
    assert grads == {
        "layers.1.neurons.0.w.0": 0.5,
        "layers.1.neurons.0.w.1": 0.0,
        "layers.1.neurons.0.b": 1.0,  # h1, h2, 1
        # d out / d w1 = 2 * relu'(0.5) * x = 2 * [1, -2]; the bias gets 2
        "layers.0.neurons.0.w.0": 2.0,
        "layers.0.neurons.0.w.1": -4.0,
        "layers.0.neurons.0.b": 2.0,
        # relu'(-3) = 0: the second hidden neuron gets no gradient
        "layers.0.neurons.1.w.0": 0.0,
        "layers.0.neurons.1.w.1": 0.0,
        "layers.0.neurons.1.b": 0.0,
    }


def test_tanh_2_2_1_output_and_gradients_by_hand() -> None:
    model = MLP(2, [2, 1], activation="tanh")
    model.load_state_dict(HAND_STATE)
    out = model([1.0, -2.0])
    h1, h2 = math.tanh(0.5), math.tanh(-3.0)
    assert isinstance(out, Value)
    assert out.data == pytest.approx(2.0 * h1 - 3.0 * h2 + 0.25, rel=1e-14)
    out.backward()
    grads = dict((name, p.grad) for name, p in model.named_parameters())
    assert grads["layers.1.neurons.0.w.1"] == pytest.approx(h2, rel=1e-14)
    assert grads["layers.0.neurons.0.w.1"] == pytest.approx(2.0 * (1 - h1 * h1) * -2.0, rel=1e-14)
    assert grads["layers.0.neurons.1.b"] == pytest.approx(-3.0 * (1 - h2 * h2), rel=1e-14)


def test_value_inputs_receive_gradients() -> None:
    model = MLP(2, [1])  # one linear neuron: out = w . x + b, so d out / d x = w
    x = [Value(1.5), Value(-0.5)]
    out = model(x)
    assert isinstance(out, Value)
    out.backward()
    assert [xi.grad for xi in x] == [w.data for w in model.layers[0].neurons[0].w]


def test_numpy_rows_work_like_lists() -> None:
    np = need_module("numpy")
    model = MLP(3, [4, 2], seed=1)
    as_list = [v.data for v in model([0.5, -1.0, 2.0])]  # type: ignore[union-attr]
    as_array = [v.data for v in model(np.array([0.5, -1.0, 2.0]))]  # type: ignore[union-attr]
    assert as_array == as_list


def test_micrograds_training_loop_reduces_the_loss() -> None:
    X = [[1.0, 0.5], [-0.5, 1.0], [0.0, -1.0], [1.5, -0.5]]
    ys = [x1 - 2.0 * x2 for x1, x2 in X]  # a linear target the net can fit
    model = MLP(2, [8, 1], seed=3)

    def predict(x: list[float]) -> Value:
        out = model(x)
        assert isinstance(out, Value)  # one output neuron: one Value
        return out

    losses = []
    for _ in range(30):
        loss = sum(((predict(x) - y) ** 2 for x, y in zip(X, ys, strict=True)), Value(0.0))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.02 * p.grad
        losses.append(loss.data)
    assert losses[-1] < 0.2 * losses[0]


def test_same_outputs_and_gradients_as_micrograd_with_the_same_weights() -> None:
    mg = need_module("micrograd.nn")
    saved = random.getstate()  # micrograd draws from the global generator: put it back after
    try:
        random.seed(5)
        theirs = mg.MLP(2, [16, 16, 1])
    finally:
        random.setstate(saved)
    ours = MLP(2, [16, 16, 1])
    assert len(ours.parameters()) == len(theirs.parameters())
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        p.data = q.data
    for x in ([0.3, -1.1], [2.0, 0.7], [-1.5, -0.2]):
        a, b = ours(x), theirs(x)
        assert isinstance(a, Value)
        assert a.data == b.data  # same sums in the same order: bit-identical
        ours.zero_grad()
        theirs.zero_grad()
        a.backward()
        b.backward()
        for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
            assert p.grad == pytest.approx(q.grad, rel=1e-12, abs=1e-15)


# --- input checks ---


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: MLP(0, [1]), ValueError, "MLP nin must be >= 1, got 0"),
        (lambda: MLP(cast(Any, 2.5), [1]), TypeError, "MLP nin must be an int, not float: 2.5"),
        (lambda: MLP(True, [1]), TypeError, "MLP nin must be an int, not bool"),
        (lambda: MLP(2, []), ValueError, "MLP nouts is empty: give the size of each layer"),
        (lambda: MLP(2, [3, 0]), ValueError, r"MLP nouts\[1\] must be >= 1, got 0"),
        (lambda: MLP(2, [cast(Any, "3")]), TypeError, r"MLP nouts\[0\] must be an int, not str"),
        (lambda: MLP(2, cast(Any, 3)), TypeError, "MLP nouts must be a list of layer sizes"),
        (
            lambda: MLP(2, [1], activation="relu6"),
            ValueError,
            "unknown activation 'relu6': use one of step, sigmoid, tanh, relu, leaky_relu, softplus, linear",
        ),
        (lambda: MLP(2, [1], output_activation=cast(Any, 3)), TypeError, "activation must be a name .* not int: 3"),
        (lambda: MLP(2, [1], init="kaiming"), ValueError, "unknown init 'kaiming': use one of uniform, xavier, he"),
        (lambda: MLP(2, [1], seed=cast(Any, "1")), TypeError, "MLP: seed must be an int or None, not str"),
        (lambda: Neuron(0), ValueError, "Neuron nin must be >= 1, got 0"),
        (lambda: Neuron(2, rng=cast(Any, 5)), TypeError, "Neuron rng must be a random.Random or None, not int"),
        (lambda: Layer(2, 0), ValueError, "Layer nout must be >= 1, got 0"),
        (lambda: Perceptron(2, lr=0), ValueError, "Perceptron lr must be > 0, got 0"),
        (lambda: Perceptron(2, lr=math.nan), ValueError, "Perceptron lr must be a finite number > 0, got nan"),
        (lambda: Perceptron(2, lr=cast(Any, "0.1")), TypeError, "Perceptron lr must be a number, not str: '0.1'"),
        (lambda: Layer(2, 1, rng=cast(Any, 5)), TypeError, "Layer rng must be a random.Random or None, not int"),
        (lambda: Perceptron(2, seed=cast(Any, 1.5)), TypeError, "Perceptron: seed must be an int or None, not float"),
    ],
)
def test_bad_constructor_arguments(make: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        ([1.0], ValueError, "MLP expects 2 inputs, got 1"),
        ([1.0, 2.0, 3.0], ValueError, "MLP expects 2 inputs, got 3"),
        (1.0, TypeError, r"MLP takes a list of 2 numbers or Values, not float: 1.0; wrap a single input in a list"),
        ("ab", TypeError, "MLP takes a list of 2 numbers or Values, not str"),
        ([1.0, "a"], TypeError, "MLP input 1 must be a number or a Value, not str: 'a'"),
    ],
)
def test_bad_inputs_name_the_problem(x: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        MLP(2, [3, 1])(x)


@pytest.mark.parametrize("call", [MLP(2, [3, 1], seed=0), Layer(2, 3), Neuron(2), Perceptron(2)], ids=repr)
@pytest.mark.parametrize(
    ("x", "message"),
    [
        ({1: 2, 3: 4}, r"not a dict: \{1: 2, 3: 4\}; its keys would be taken as the inputs: pass the inputs as a list"),
        ({1.0, 2.0}, r"not a set: \{1\.0, 2\.0\}; a set has no order: pass the inputs as a list, in order"),
        ("ab", r"not str: 'ab'"),
    ],
)
def test_a_dict_set_or_str_is_not_an_input(call: Any, x: Any, message: str) -> None:
    # a dict of two items has two keys: before, MLP(2, ...) read {1: 2, 3: 4} as the inputs [1, 3]
    with pytest.raises(TypeError, match=rf"{type(call).__name__} takes a list of 2 numbers or Values, {message}"):
        call(x)


def test_layer_and_neuron_check_their_inputs() -> None:
    with pytest.raises(ValueError, match="Layer expects 3 inputs, got 2"):
        Layer(3, 2)([1.0, 2.0])
    with pytest.raises(ValueError, match="Neuron expects 3 inputs, got 4"):
        Neuron(3)([1.0, 2.0, 3.0, 4.0])


# --- initialization ---


@pytest.mark.usefixtures("global_random")
def test_same_seed_same_weights_other_seed_other_weights() -> None:
    assert MLP(3, [4, 2], seed=3).state_dict() == MLP(3, [4, 2], seed=3).state_dict()
    assert MLP(3, [4, 2], seed=3).state_dict() != MLP(3, [4, 2], seed=4).state_dict()
    random.seed(0)  # None draws from the global random, as micrograd: random.seed(0) makes it seed 0's
    assert MLP(3, [4, 2]).state_dict() == MLP(3, [4, 2], seed=0).state_dict()
    assert Perceptron(3, seed=1).state_dict() != Perceptron(3, seed=2).state_dict()


def test_uniform_init_is_micrographs_draw_order_from_the_models_own_generator() -> None:
    model = MLP(2, [3, 1], seed=4)
    rng = random.Random(4)
    # per layer, per neuron: its nin weights from U(-1, 1); biases are 0 and draw nothing
    expected = [rng.uniform(-1.0, 1.0) for _ in range(2 * 3 + 3 * 1)]
    weights = [p.data for name, p in model.named_parameters() if ".w." in name]
    assert weights == expected
    assert all(p.data == 0.0 for name, p in model.named_parameters() if name.endswith(".b"))


@pytest.mark.usefixtures("global_random")
def test_standalone_neurons_and_layers_default_to_the_global_random() -> None:
    random.seed(0)
    rng = random.Random(0)
    assert [w.data for w in Neuron(3).w] == [rng.uniform(-1.0, 1.0) for _ in range(3)]
    random.seed(0)
    layer = Layer(2, 2)  # one generator for the layer: the two neurons start differently
    rng = random.Random(0)
    assert [[w.data for w in n.w] for n in layer.neurons] == [
        [rng.uniform(-1.0, 1.0) for _ in range(2)] for _ in range(2)
    ]


def test_xavier_uses_fan_in_and_fan_out() -> None:
    layer = Layer(10, 14, init="xavier", rng=random.Random(7))
    rng = random.Random(7)
    a = math.sqrt(6.0 / (10 + 14))  # 0.5
    assert [w.data for n in layer.neurons for w in n.w] == [rng.uniform(-a, a) for _ in range(140)]


def _weights(model: Module, layer: int) -> list[float]:
    return [p.data for name, p in model.named_parameters() if name.startswith(f"layers.{layer}.") and ".w." in name]


def test_xavier_spread_fills_its_bounds() -> None:
    model = MLP(40, [60, 20], init="xavier", seed=1)
    for layer, (fan_in, fan_out) in enumerate([(40, 60), (60, 20)]):
        a = math.sqrt(6.0 / (fan_in + fan_out))
        ws = _weights(model, layer)
        assert max(abs(w) for w in ws) <= a
        assert max(abs(w) for w in ws) > 0.95 * a
        assert statistics.pvariance(ws) == pytest.approx(a * a / 3.0, rel=0.15)  # variance of U(-a, a)
    assert all(p.data == 0.0 for name, p in model.named_parameters() if name.endswith(".b"))


def test_he_init_is_normal_with_std_sqrt_2_over_fan_in() -> None:
    model = MLP(50, [80], init="he", seed=2)
    ws = _weights(model, 0)  # 4000 draws
    std = math.sqrt(2.0 / 50)  # 0.2
    assert abs(statistics.fmean(ws)) < 0.02  # 6 standard errors
    assert statistics.pstdev(ws) == pytest.approx(std, rel=0.1)
    within_one_std = sum(abs(w) < std for w in ws) / len(ws)
    assert within_one_std == pytest.approx(0.683, abs=0.05)  # a normal, not a uniform (0.577 of U(-a,a))
    assert all(p.data == 0.0 for name, p in model.named_parameters() if name.endswith(".b"))


@pytest.mark.usefixtures("global_random")
def test_a_seed_or_an_rng_leaves_the_global_random_alone() -> None:
    before = random.getstate()
    MLP(3, [4, 4, 1], seed=0)
    MLP(3, [4, 1], init="he", seed=5)
    MLP(3, [4, 1], init="xavier", seed=1)
    Layer(3, 2, rng=random.Random(2))
    Neuron(3, rng=random.Random(3))
    p = Perceptron(2, seed=3)
    p.fit([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 0, 0, 1])
    Perceptron(2)  # a perceptron without a seed is seed 0's, as before
    assert random.getstate() == before
    MLP(3, [4, 1], init="he")  # without one, a model draws from it, as micrograd's does
    assert random.getstate() != before


# --- callable activations ---


def cube(v: Value) -> Value:
    return v**3


def test_a_function_can_be_an_activation() -> None:
    n = Neuron(2, activation=cube)
    assert n.activation == "cube"
    n.w[0].data, n.w[1].data, n.b.data = 0.5, 0.25, 1.0
    assert n([2.0, 4.0]).data == 27.0  # (1 + 1 + 1) ** 3
    model = MLP(2, [3, 1], activation=cube)
    assert model.activation == "cube" and model.layers[0].neurons[0].activation == "cube"
    assert MLP(2, [1], output_activation=lambda v: v * 2.0).output_activation == "<lambda>"


def test_a_model_with_a_function_activation_cannot_be_saved(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="activation 'cube' is a function, not one of the names"):
        MLP(2, [3, 1], activation=cube).save(tmp_path / "model.json")
    assert not (tmp_path / "model.json").exists()
    model = MLP(2, [3, 1], activation=ACTIVATIONS["tanh"])  # a table entry is as good as its name
    assert model.activation == "tanh"
    model.save(tmp_path / "model.json")
    assert repr(load(tmp_path / "model.json")) == repr(model)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_a_model_pickles_with_its_named_activation_and_copies_train_alone(activation: str) -> None:
    model = MLP(2, [3, 3, 1], activation=activation, output_activation=activation, seed=0)
    x = [0.5, -1.5]
    for twin in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert twin._fns == model._fns  # the table's own functions, so the copy still saves by name
        assert [p.data for p in twin.parameters()] == [p.data for p in model.parameters()]
        assert cast(Value, twin(x)).data == cast(Value, model(x)).data
        before = [p.data for p in model.parameters()]
        loss = cast(Value, twin(x)) ** 2  # a step of training on the copy ...
        loss.backward()
        for p in twin.parameters():
            p.data -= 0.1 * p.grad
        assert [p.data for p in model.parameters()] == before  # ... leaves the original as it was
        assert all(p.grad == 0.0 for p in model.parameters())


def test_an_unpickled_model_needs_its_defined_activation_to_exist() -> None:
    from tinygrad_dk.ops import OPS, define_op

    define_op("swish_test", lambda a, _: a / (1 + math.exp(-a)), lambda a, _, out: (0.0,), activation="swish_test")
    try:
        data = pickle.dumps(MLP(2, [1], activation="swish_test", output_activation="swish_test", seed=0))
    finally:
        del OPS["swish_test"]
    with pytest.raises(AttributeError, match=r"'swish_test' on <module 'tinygrad_dk\.nn'"):  # pickle names it
        pickle.loads(data)


# --- state dicts ---


def test_state_dict_round_trip() -> None:
    a, b = MLP(3, [4, 2], seed=1), MLP(3, [4, 2], seed=2)
    x = [0.2, -0.7, 1.1]
    assert [v.data for v in a(x)] != [v.data for v in b(x)]  # type: ignore[union-attr]
    state = a.state_dict()
    b.load_state_dict(state)
    assert [v.data for v in a(x)] == [v.data for v in b(x)]  # type: ignore[union-attr]
    state["layers.0.neurons.0.b"] = 99.0  # a copy, not a view
    assert a.layers[0].neurons[0].b.data == 0.0


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (
            lambda s: s.pop("layers.1.neurons.0.b"),
            ValueError,
            r"parameter 'layers.1.neurons.0.b' is missing \(4 names given, 5 expected\): load a state saved from MLP",
        ),
        (
            lambda s: s.update({"layers.9.neurons.0.b": 1.0}),
            ValueError,
            "unexpected parameter 'layers.9.neurons.0.b': MLP.* has no such parameter",
        ),
        (
            lambda s: s.update({"layers.0.neurons.0.w.0": "0.5"}),
            ValueError,
            "parameter 'layers.0.neurons.0.w.0' must be a number, not str",
        ),
        (
            lambda s: s.update({"layers.0.neurons.0.w.0": True}),
            ValueError,
            "parameter 'layers.0.neurons.0.w.0' must be a number, not bool",
        ),
        (
            lambda s: s.update({"layers.0.neurons.0.w.1": math.nan}),
            ValueError,
            "parameter 'layers.0.neurons.0.w.1' is nan: weights must be finite",
        ),
        (
            lambda s: s.update({"layers.0.neurons.0.b": -math.inf}),
            ValueError,
            "parameter 'layers.0.neurons.0.b' is -inf: weights must be finite",
        ),
    ],
)
def test_load_state_dict_rejects_bad_states_and_changes_nothing(
    change: Any, error: type[Exception], message: str
) -> None:
    model = MLP(2, [1, 1], seed=1)  # 3 + 2 parameters
    before = model.state_dict()
    state = {name: 0.5 for name in before}  # every value changes if the load goes through
    change(state)
    with pytest.raises(error, match=message):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_load_state_dict_needs_a_mapping() -> None:
    with pytest.raises(TypeError, match="load_state_dict takes a dict of name -> number, not list"):
        MLP(2, [1]).load_state_dict([1.0, 2.0, 3.0])  # type: ignore[arg-type]


# --- the perceptron ---

GATE_INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("labels", [[0, 0, 0, 1], [0, 1, 1, 1]], ids=["AND", "OR"])
def test_perceptron_learns_and_and_or(labels: list[int], seed: int) -> None:
    p = Perceptron(2, seed=seed)
    errors = p.fit(GATE_INPUTS, labels, epochs=100)
    assert errors[-1] == 0 and len(errors) < 100  # stopped early, after a clean epoch
    assert p.predict_many(GATE_INPUTS) == labels
    assert [p.predict(x) for x in GATE_INPUTS] == labels


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_perceptron_cannot_learn_xor(seed: int) -> None:
    # XOR is not linearly separable: no line w . x + b = 0 puts (0,1) and (1,0) on one side and
    # (0,0) and (1,1) on the other (adding the two "on" inequalities contradicts the two "off"
    # ones). So every epoch makes at least one mistake and the rule never stops.
    p = Perceptron(2, seed=seed)
    errors = p.fit(GATE_INPUTS, [0, 1, 1, 0], epochs=100)
    assert len(errors) == 100
    assert min(errors) > 0
    assert p.predict_many(GATE_INPUTS) != [0, 1, 1, 0]


def test_perceptron_rule_by_hand() -> None:
    p = Perceptron(2, lr=0.5)
    p.load_state_dict({"w.0": 0.25, "w.1": -0.5, "b": 0.125})
    # epoch 1: 0.125 + 0.25*1 - 0.5*2 = -0.625 -> output 0, target 1, error +1:
    #   w += 0.5 * 1 * [1, 2] -> [0.75, 0.5];  b += 0.5 -> 0.625
    # epoch 2: 0.625 + 0.75 + 1.0 > 0 -> output 1: no errors, stop
    assert p.fit([[1.0, 2.0]], [1]) == [1, 0]
    assert p.state_dict() == {"w.0": 0.75, "w.1": 0.5, "b": 0.625}


def test_perceptron_threshold_is_strictly_above_0() -> None:
    p = Perceptron(2)
    p.load_state_dict({"w.0": 1.0, "w.1": 1.0, "b": -1.0})
    assert p.predict([0.5, 0.5]) == 0  # w . x + b = 0 exactly: not above the threshold
    assert p.predict([0.5, 0.75]) == 1


def test_perceptron_call_is_a_drawable_graph_agreeing_with_predict() -> None:
    p = Perceptron(3, seed=4)
    for x in ([0, 0, 1], [1, 1, 0], [0.3, -2.0, 1.5]):
        out = p(x)
        assert out.op == "step"
        assert out.data == p.predict(x)
    assert p.activation == "step"


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        ([[0, 0], [1, 1]], [0, 2], "Perceptron.fit label 1 is 2: labels must be 0 or 1"),
        ([[0, 0], [1, 1]], [0, "1"], "Perceptron.fit label 1 is '1': labels must be 0 or 1"),
        ([[0, 0], [1, 1]], [0], "Perceptron.fit got 2 rows in X but 1 labels in y"),
        ([], [], "Perceptron.fit got no examples"),
        ([[0, 0], [1, 1, 1]], [0, 1], "Perceptron.fit row 1 expects 2 inputs, got 3"),
    ],
)
def test_perceptron_fit_rejects_bad_data(X: Any, y: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Perceptron(2).fit(X, y)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_perceptron_refuses_non_finite_inputs_where_they_enter(bad: float) -> None:
    # before: fit "converged" on a NaN row (NaN > 0 is False, so the rule saw no error) and an
    # inf row made a weight -inf; predict([nan, 0]) answered 0
    p = Perceptron(2, seed=1)
    before = p.state_dict()
    with pytest.raises(ValueError, match=rf"Perceptron\.fit row 1 input 0 is {bad}: inputs must be finite numbers"):
        p.fit([[0.0, 1.0], [bad, 0.0], [1.0, 1.0]], [0, 1, 1])
    assert p.state_dict() == before  # refused before any update
    with pytest.raises(ValueError, match=rf"Perceptron\.predict input 1 is {bad}: inputs must be finite"):
        p.predict([0.0, bad])
    with pytest.raises(ValueError, match=rf"Perceptron\.predict_many row 2 input 0 is {bad}"):
        p.predict_many([[0.0, 0.0], [1.0, 1.0], [bad, 1.0]])


def test_perceptron_fit_checks_epochs() -> None:
    with pytest.raises(ValueError, match=r"Perceptron\.fit epochs must be >= 1, got 0"):
        Perceptron(2).fit(GATE_INPUTS, [0, 0, 0, 1], epochs=0)


# --- size limit ---


def test_a_model_too_large_is_refused_before_anything_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    from tinygrad_dk import nn

    built: list[int] = []  # one entry per Neuron made
    original = nn.Neuron.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        built.append(1)

    monkeypatch.setattr(nn.Neuron, "__init__", counting)
    # (2 + 1) * 100000 + (100000 + 1) * 100000 + (100000 + 1) * 1 parameters: 10,000,500,001
    with pytest.raises(
        ValueError,
        match=r"MLP\(2, \[100000, 100000, 1\]\) would have 10,000,500,001 parameters, more than "
        r"nn\.MAX_PARAMETERS = 1,000,000: .* Use smaller layers; .* tinygrad_dk\.matrix",
    ):
        MLP(2, [100000, 100000, 1])
    with pytest.raises(ValueError, match=r"Layer\(1000, 1000\) would have 1,001,000 parameters"):
        Layer(1000, 1000)
    with pytest.raises(ValueError, match=r"Neuron\(1000000\) would have 1,000,001 parameters"):
        Neuron(1_000_000)
    assert built == []
    Layer(3, 2)
    assert built == [1, 1]  # the counter counts


def test_the_size_limit_counts_weights_and_biases(monkeypatch: pytest.MonkeyPatch) -> None:
    from tinygrad_dk import nn

    monkeypatch.setattr(nn, "MAX_PARAMETERS", 13)
    assert len(MLP(2, [3, 1], seed=0).parameters()) == 13  # (2 + 1) * 3 + (3 + 1) * 1: at the limit
    with pytest.raises(ValueError, match=r"would have 14 parameters, more than nn\.MAX_PARAMETERS = 13"):
        MLP(3, [2, 2], seed=0)  # (3 + 1) * 2 + (2 + 1) * 2
    assert nn.MAX_PARAMETERS == 13 and "MAX_PARAMETERS" in nn.__all__


# --- model files ---

SAVABLE = [
    lambda: MLP(3, [4, 4, 2], activation="tanh", seed=5),
    lambda: MLP(2, [8, 1], init="he", output_activation="sigmoid", seed=3),
    lambda: MLP(3, [5, 1], activation="leaky_relu", init="xavier", output_activation="softplus"),
    lambda: Perceptron(3, lr=0.25, seed=2),
    lambda: Layer(3, 2, activation="step"),
    lambda: Neuron(3, activation="softplus"),
]


def _outputs(model: Module, x: list[float]) -> list[float]:
    out = model(x)
    return [v.data for v in out] if isinstance(out, list) else [out.data]


@pytest.mark.parametrize("make", SAVABLE)
def test_save_load_round_trip_is_bit_identical(tmp_path: Path, make: Any) -> None:
    model = make()
    nin: int = model.nin
    for p in model.parameters():  # weights with every digit in use, biases too
        p.data += 1.0 / 3.0
    path = tmp_path / "model.json"
    model.save(path)
    loaded = load(path)
    assert type(loaded) is type(model)
    assert repr(loaded) == repr(model)
    assert loaded.state_dict() == model.state_dict()
    for x in ([0.1, -0.2, 0.3], [1.7, 2.9, -3.3], [1e-3, 5.0, -0.75]):
        assert _outputs(loaded, x[:nin]) == _outputs(model, x[:nin])
    assert os.listdir(tmp_path) == ["model.json"]  # no temporary file left behind


def test_the_file_is_json_in_the_agreed_format(tmp_path: Path) -> None:
    model = MLP(2, [3, 1], seed=7)
    model.save(tmp_path / "m.json")
    document = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert document == {
        "format": "tinygrad_dk.model",
        "version": 1,
        "class": "MLP",
        "config": {
            "nin": 2,
            "nouts": [3, 1],
            "activation": "relu",
            "output_activation": "linear",
            "init": "uniform",
            "seed": 7,
        },
        "state": model.state_dict(),
    }
    assert list(document["state"]) == [name for name, _ in model.named_parameters()]


def test_save_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    MLP(2, [1], seed=1).save(path)
    second = MLP(2, [1], seed=2)
    second.save(str(path))  # a str path works too
    assert load(path).state_dict() == second.state_dict()


def _fail_mid_write(fd: int) -> None:
    os.write(fd, b'{"format": "tinygrad_dk.model", "vers')  # half a file, then the disk fills
    raise OSError(28, "No space left on device")


def _fail_replace(src: Any, dst: Any) -> None:
    raise PermissionError(13, "Permission denied")


@pytest.mark.parametrize(
    ("target", "name", "failure", "message"),
    [
        (os, "fsync", _fail_mid_write, "No space left on device"),
        (os, "replace", _fail_replace, "Permission denied"),
    ],
)
def test_a_failed_save_leaves_the_previous_file_and_no_debris(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: Any, name: str, failure: Any, message: str
) -> None:
    path = tmp_path / "model.json"
    old = MLP(2, [3, 1], seed=1)
    old.save(path)
    before = path.read_bytes()
    monkeypatch.setattr(target, name, failure)
    with pytest.raises(OSError, match=message):
        MLP(2, [3, 1], seed=2).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.json"]
    assert load(path).state_dict() == old.state_dict()


def test_non_finite_weights_are_not_saved(tmp_path: Path) -> None:
    model = MLP(2, [3, 1])
    model.layers[1].neurons[0].w[2].data = math.inf
    with pytest.raises(ValueError, match=r"parameter 'layers.1.neurons.0.w.2' is inf: training diverged"):
        model.save(tmp_path / "model.json")
    assert os.listdir(tmp_path) == []


def test_save_creates_missing_folders_as_the_pictures_do(tmp_path: Path) -> None:
    model = MLP(2, [1], seed=3)
    path = tmp_path / "new" / "deeper" / "model.json"
    model.save(path)
    assert load(path).state_dict() == model.state_dict()


def test_a_failed_save_removes_the_folders_it_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "fsync", _fail_mid_write)
    with pytest.raises(OSError, match="No space left on device"):
        MLP(2, [1]).save(tmp_path / "new" / "deeper" / "model.json")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("where", ["a_file/model.json", "a_file/deeper/model.json"])
def test_a_file_where_a_folder_must_be_is_named(tmp_path: Path, where: str) -> None:
    (tmp_path / "a_file").write_text("in the way")
    with pytest.raises(NotADirectoryError, match=r"cannot write .*model\.json: .*a_file is not a folder"):
        MLP(2, [1]).save(tmp_path / where)
    assert (tmp_path / "a_file").read_text() == "in the way"


def test_only_known_classes_can_be_saved(tmp_path: Path) -> None:
    class Wider(MLP):
        pass

    class Scale(Module):
        def __init__(self) -> None:
            self.k = Value(2.0)

        def named_parameters(self) -> list[tuple[str, Value]]:
            return [("k", self.k)]

    with pytest.raises(TypeError, match="Wider cannot be saved: only MLP, Perceptron, Layer, Neuron can"):
        Wider(2, [1]).save(tmp_path / "a.json")
    with pytest.raises(TypeError, match=r"Scale cannot be saved: .* keep its state_dict"):
        Scale().save(tmp_path / "b.json")
    scale = Scale()
    assert scale.state_dict() == {"k": 2.0}  # the base class still gives state and parameters
    assert [id(p) for p in scale.parameters()] == [id(scale.k)]
    with pytest.raises(NotImplementedError, match="Scale must define __call__"):
        Scale()([1.0])


def test_a_micrograd_style_module_defines_parameters_and_the_base_class_does_the_rest() -> None:
    class Affine(Module):
        def __init__(self) -> None:
            self.a, self.c = Value(2.0), Value(1.0)

        def __call__(self, x: float) -> Value:
            return self.a * x + self.c

        def parameters(self) -> list[Value]:
            return [self.a, self.c]

    model = Affine()
    model(3.0).backward()
    assert [p.grad for p in model.parameters()] == [3.0, 1.0]
    model.zero_grad()
    assert [p.grad for p in model.parameters()] == [0.0, 0.0]


def _edit(change: Any) -> Any:
    """A bad-file case: the saved document of MLP(3, [4, 1]), changed by ``change``."""

    def write(path: Path) -> None:
        MLP(3, [4, 1]).save(path)
        document = json.loads(path.read_text(encoding="utf-8"))
        change(document)
        path.write_text(json.dumps(document), encoding="utf-8")

    return write


def _text(text: str) -> Any:
    return lambda path: path.write_text(text, encoding="utf-8")


def _truncate(path: Path) -> None:
    MLP(3, [4, 1]).save(path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")


BAD_FILES = [  # (how to write the bad file, the problem load names)
    (_text(""), "the file is empty"),
    (_text("  \n"), "the file is empty"),
    (_truncate, r"it is not valid JSON \(.* at line \d+, column \d+\); the file may be truncated"),
    (_text("hello"), "it is not valid JSON"),
    (lambda path: path.write_bytes(b"\xff\xfe\x00{"), "it is not a model file \\(not UTF-8 text"),
    (_text("[1, 2]"), r"it is not a model file \(its JSON is a list, not an object\)"),
    (_edit(lambda d: d.update(format="keras")), "its format is 'keras', not 'tinygrad_dk.model'"),
    (_edit(lambda d: d.pop("format")), "its format is None, not 'tinygrad_dk.model'"),
    (
        _edit(lambda d: d.update(version=2)),
        "its version is 2, and this tinygrad_dk reads version 1; it was written by a newer tinygrad_dk",
    ),
    (_edit(lambda d: d.update(version="1")), "its version is '1', and this tinygrad_dk reads version 1"),
    (_edit(lambda d: d.update(version=True)), "its version is True"),
    (_edit(lambda d: d.update({"class": "CNN"})), "its class is 'CNN', not one of MLP, Perceptron, Layer, Neuron"),
    (_edit(lambda d: d.update(config=[3, [4, 1]])), "its config is list, not an object"),
    (_edit(lambda d: d["config"].pop("nouts")), "its config lacks 'nouts'"),
    (_edit(lambda d: d["config"].update(dropout=0.5)), "its config has an unknown key 'dropout'"),
    (_edit(lambda d: d["config"].update(activation="relu6")), "does not build a MLP: unknown activation 'relu6'"),
    (_edit(lambda d: d["config"].update(nin=0)), "does not build a MLP: MLP nin must be >= 1"),
    (_edit(lambda d: d.update(state=None)), "its state is NoneType, not an object"),
    (
        _edit(lambda d: d["state"].update({"layers.1.neurons.0.bias": d["state"].pop("layers.1.neurons.0.b")})),
        r"its state does not fit MLP\(3, \[4, 1\].*parameter 'layers.1.neurons.0.b' is missing",
    ),
    (  # MLP(3, [4, 1]) has 4 * 4 + 5 * 1 = 21 weights
        _edit(lambda d: d["state"].update({"layers.1.neurons.0.w.4": 1.0})),
        "its config implies 21 weights but its state holds 22: the file was damaged or edited",
    ),
    (  # the state is for one output, the config says two: 4 * 4 + 5 * 2 = 26
        _edit(lambda d: d["config"].update(nouts=[4, 2])),
        "its config implies 26 weights but its state holds 21",
    ),
    (_edit(lambda d: d["state"].update({"layers.0.neurons.0.b": "0.0"})), "must be a number, not str"),
    (_edit(lambda d: d["state"].update({"layers.0.neurons.0.b": None})), "must be a number, not NoneType"),
    (_edit(lambda d: d["state"].update({"layers.0.neurons.0.b": math.nan})), "is nan: weights must be finite"),
]


@pytest.mark.parametrize(("write", "problem"), BAD_FILES)
def test_bad_files_name_the_file_and_the_problem(tmp_path: Path, write: Any, problem: str) -> None:
    path = tmp_path / "model.json"
    write(path)
    with pytest.raises(ModelFileError, match=f"cannot load {re.escape(str(path))}: (.*)?{problem}") as caught:
        load(path)
    assert isinstance(caught.value, ValueError)


def test_every_row_of_the_check_table_has_a_bad_file(tmp_path: Path) -> None:
    from tinygrad_dk.modelfile import _CHECKS

    first_failing = set()
    for k, (write, _) in enumerate(BAD_FILES):
        path = tmp_path / f"{k}.json"
        write(path)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:  # not UTF-8 or not JSON: caught before the table
            continue
        first_failing.add(next((i for i, (_, ok, _) in enumerate(_CHECKS) if not ok(document)), None))
    assert first_failing == {*range(len(_CHECKS)), None}  # None: past the table, caught building the model


def test_a_missing_file_is_a_value_error_and_a_file_not_found_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.json"
    with pytest.raises(ValueError, match=f"cannot load {re.escape(str(path))}: there is no such file"):
        load(path)
    with pytest.raises(FileNotFoundError, match="there is no such file"):
        load(path)


def test_a_directory_is_not_a_model_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=f"cannot load {re.escape(str(tmp_path))}: "):
        load(tmp_path)


def test_model_files_live_in_their_own_module_and_import_from_nn_as_before(tmp_path: Path) -> None:
    from tinygrad_dk import modelfile, nn

    for name in ("FORMAT", "VERSION", "ModelFileError", "load"):
        assert getattr(nn, name) is getattr(modelfile, name), name
        assert name in nn.__all__ and name in dir(nn)
    assert load is modelfile.load and ModelFileError is modelfile.ModelFileError
    assert (nn.FORMAT, nn.VERSION) == ("tinygrad_dk.model", 1)
    model = Neuron(2, activation="tanh")
    modelfile.save(model, tmp_path / "n.json")  # what Module.save calls
    assert load(tmp_path / "n.json").state_dict() == model.state_dict()
    with pytest.raises(AttributeError, match=r"module 'tinygrad_dk\.nn' has no attribute 'save'"):
        nn.save  # noqa: B018  # the function lives in modelfile; Module.save is the method


def test_the_perceptron_lives_in_its_own_module_and_imports_from_nn_as_before() -> None:
    from tinygrad_dk import nn, perceptron

    assert Perceptron is nn.Perceptron is perceptron.Perceptron
    assert issubclass(Perceptron, Module) and "Perceptron" in dir(nn)


def test_importing_the_core_imports_no_model_file_code() -> None:
    # model files are a tool: nn reaches them lazily (PEP 562 __getattr__, an import inside Module.save)
    code = (
        "import sys, tinygrad_dk.perceptron; "
        "from tinygrad_dk.nn import MLP, Perceptron; MLP(2, [1]).summary(); "
        "print(sorted(name for name in sys.modules if name.startswith('tinygrad_dk')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert "tinygrad_dk.modelfile" not in result.stdout and "tinygrad_dk.nn" in result.stdout


# --- PyTorch as a reference ---


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_outputs_and_gradients_match_torch_float64(activation: str) -> None:
    torch = need_module("torch")
    model = MLP(3, [5, 4, 2], activation=activation, output_activation=activation, seed=11)
    weights = [
        torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        for layer in model.layers
    ]
    biases = [
        torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        for layer in model.layers
    ]
    act = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[activation]
    inputs = [[0.3, -1.2, 0.8], [1.5, 0.4, -0.6], [-0.9, -0.1, 2.2]]

    loss = Value(0.0)
    torch_loss = torch.zeros((), dtype=torch.float64)
    for x in inputs:
        out = model(x)
        assert isinstance(out, list)
        h = torch.tensor(x, dtype=torch.float64)
        for w, b in zip(weights, biases, strict=True):
            h = act(w @ h + b)
        for got, want in zip(out, h.tolist(), strict=True):
            assert math.isclose(got.data, want, rel_tol=1e-9, abs_tol=1e-12)
        loss = loss + out[0] ** 2 + out[1] * 3.0
        torch_loss = torch_loss + h[0] ** 2 + h[1] * 3.0
    model.zero_grad()
    loss.backward()
    torch_loss.backward()
    for layer, w, b in zip(model.layers, weights, biases, strict=True):
        for j, neuron in enumerate(layer.neurons):
            for i, wi in enumerate(neuron.w):
                assert math.isclose(wi.grad, w.grad[j, i].item(), rel_tol=1e-9, abs_tol=1e-12)
            assert math.isclose(neuron.b.grad, b.grad[j].item(), rel_tol=1e-9, abs_tol=1e-12)
    assert any(p.grad != 0.0 for p in model.parameters())
