"""micrograd's code and the lecture that builds it run unchanged, with only the imports changed.

Written here in the style of micrograd's test file, its demo notebook and "The spelled-out
intro to neural networks and backpropagation" (nn-zero-to-hero), not copied from them.
"""

from __future__ import annotations

import math
import random

import pytest
from support import need_module

from tinygrad_dk import Value
from tinygrad_dk.compile import compile_graph
from tinygrad_dk.data import make_moons
from tinygrad_dk.nn import MLP, Layer, Neuron
from tinygrad_dk.viz import draw_dot


def lecture_neuron() -> tuple[Value, list[Value]]:
    """The lecture's neuron: o = tanh(x1 w1 + x2 w2 + b), every node labelled."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, [x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n]


def test_the_lectures_manual_backward_walk() -> None:
    # the lecture calls _backward() node by node, from the output down, after o.grad = 1.0
    o, (x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n) = lecture_neuron()
    o.grad = 1.0
    for node in (o, n, b, x1w1x2w2, x2w2, x1w1, x1, w1):  # b is a leaf: its _backward does nothing
        node._backward()
    assert n.grad == pytest.approx(0.5)  # 1 - tanh(n)**2 at n = 0.8814
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0))
    assert b.grad == pytest.approx(0.5)


def test_manual_walk_equals_backward() -> None:
    o, nodes = lecture_neuron()
    o.backward()
    want = [v.grad for v in nodes]
    o2, nodes2 = lecture_neuron()
    o2.grad = 1.0
    order = [o2, nodes2[8], nodes2[7], nodes2[4], nodes2[6], nodes2[5], nodes2[1], nodes2[3], nodes2[0], nodes2[2]]
    for node in order:
        node._backward()
    assert [v.grad for v in nodes2] == want


def test_a_custom_op_made_micrograds_way_takes_part_in_backward() -> None:
    # the lecture's first tanh: out = Value(t, (self,), 'tanh') and a _backward closure
    def tanh(self: Value) -> Value:
        t = (math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1)
        out = Value(t, (self,), "tanh")

        def _backward() -> None:
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    x, w = Value(0.3, label="x"), Value(-1.2, label="w")
    y = tanh(x * w) * 2.0 + x
    y.backward()
    t = math.tanh(0.3 * -1.2)
    assert x.grad == pytest.approx(2.0 * (1 - t * t) * -1.2 + 1.0, rel=1e-12)
    assert w.grad == pytest.approx(2.0 * (1 - t * t) * 0.3, rel=1e-12)
    node = y.children[0].children[0]  # y = (tanh(x w) * 2) + x
    (product,) = node._prev
    assert node._op == "tanh" and product.op == "mul" and product.children == (x, w)
    source = draw_dot(y).source
    assert "tanh (by hand)" in source and "∂ in its _backward" in source  # no stored local derivative to show
    with pytest.raises(ValueError, match=r"made by hand, micrograd's way .*'tanh'.*define_op"):
        compile_graph(y, [x, w])


def test_a_binary_op_made_by_hand() -> None:
    a, b = Value(3.0), Value(4.0)
    out = Value(a.data * b.data, (a, b), "*")

    def _backward() -> None:
        a.grad += b.data * out.grad
        b.grad += a.data * out.grad

    out._backward = _backward
    (out + a).backward()
    assert (a.grad, b.grad) == (5.0, 3.0)


def test_without_a_closure_a_hand_made_node_passes_nothing_on() -> None:
    a = Value(2.0)
    out = Value(4.0, (a,), "square")  # micrograd's default _backward does nothing
    out.backward()
    assert a.grad == 0.0


def test_micrograds_op_names_and_prev() -> None:
    a, b = Value(2.0), Value(-3.0)
    assert [v._op for v in (a + b, a * b, a**2, a.relu(), a.tanh(), a.exp(), a + 1, a * 2)] == [
        "+",
        "*",
        "**2",
        "ReLU",
        "tanh",
        "exp",
        "+",
        "*",
    ]
    assert (a**-1)._op == "**-1" and (a**0.5)._op == "**0.5"
    assert (a + a)._prev == {a}  # a set, as in micrograd
    assert (a * b).op == "mul" and (a * b).children == (a, b)  # the richer names stay


def test_users_own_attributes() -> None:
    # EurekaLabsAI/micrograd colours nodes with setattr, and its AdamW keeps p.m and p.v on each parameter
    p = Value(1.0)
    setattr(p, "_vis_color", "red")  # noqa: B010 - the way that code writes it
    p.m, p.v = 0.0, 0.0  # type: ignore[attr-defined]  # a user's own attributes: mypy cannot know them
    assert (p._vis_color, p.m, p.v) == ("red", 0.0, 0.0)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("children", "message"),
    [
        (5, r"second argument is a label \(a str\) or, as in micrograd, its _children"),
        ((1.0,), r"_children must be one or two Values"),
        ((Value(1.0), Value(2.0), Value(3.0)), r"_children must be one or two Values"),
    ],
)
def test_bad_children_are_named(children: object, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        Value(1.0, children, "op")


# --- an unseeded model draws from the global random, as micrograd's does ---


def micrograd_demo_losses(value: type, mlp: type, X: list[list[float]], y: list[int], steps: int) -> list[float]:
    """micrograd's demo notebook, line for line: ``random.seed(1337)``, ``MLP(2, [16, 16, 1])``, the max-margin
    loss with an L2 penalty of 1e-4, full batch, ``learning_rate = 1.0 - 0.9 * k / 100``; the loss of every step.

    ``value`` and ``mlp`` are one engine's `Value` and `MLP`: the same code trains either.
    """
    random.seed(1337)
    model = mlp(2, [16, 16, 1])
    yb = [2 * label - 1 for label in y]  # -1 or +1
    trace = []
    for k in range(steps):
        inputs = [list(map(value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        trace.append(float(total_loss.data))
    return trace


@pytest.mark.usefixtures("global_random")
def test_random_seed_then_mlp_gives_micrograds_weights() -> None:
    mg = need_module("micrograd.nn")
    random.seed(1337)
    theirs = [p.data for p in mg.MLP(2, [16, 16, 1]).parameters()]
    random.seed(1337)
    ours = [p.data for p in MLP(2, [16, 16, 1]).parameters()]
    assert len(ours) == 337
    assert ours == theirs  # the same draws in the same order: bit for bit
    assert ours[2] == 0.0 and ours[0] != ours[3]  # a bias is 0; the weights differ


@pytest.mark.usefixtures("global_random")
def test_micrograds_demo_gives_micrograds_losses() -> None:
    mg_engine, mg_nn = need_module("micrograd.engine"), need_module("micrograd.nn")
    X, y = make_moons(100, noise=0.1, seed=0)  # the same data for both engines
    theirs = micrograd_demo_losses(mg_engine.Value, mg_nn.MLP, X, y, steps=8)
    ours = micrograd_demo_losses(Value, MLP, X, y, steps=8)
    for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert a == pytest.approx(b, rel=1e-9), f"step {k}"
    assert theirs[-1] < 0.5 * theirs[0]  # it learned


@pytest.mark.usefixtures("global_random")
def test_without_a_seed_the_global_random_decides_and_a_seed_leaves_it_alone() -> None:
    random.seed(7)
    first = MLP(2, [3, 1]).state_dict()
    random.seed(7)
    assert MLP(2, [3, 1]).state_dict() == first  # random.seed reproduces an unseeded model
    assert MLP(2, [3, 1]).state_dict() != first  # ... and the next one draws on
    before = random.getstate()
    seeded = MLP(2, [3, 1], seed=8).state_dict()
    assert random.getstate() == before  # an explicit seed has its own generator
    assert MLP(2, [3, 1], seed=8).state_dict() == seeded != first
    random.seed(7)
    assert Layer(2, 3).parameters()[0].data == first["layers.0.neurons.0.w.0"]  # Layer and Neuron too
    random.seed(7)
    assert Neuron(2).w[0].data == first["layers.0.neurons.0.w.0"]
