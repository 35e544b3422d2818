"""Optimizers: step by step against torch.optim, state kept in the optimizer, every error pinned."""

from __future__ import annotations

import json
import math
from typing import Any, cast

import pytest
from support import need_module

from tinygrad_dk import Value
from tinygrad_dk.optim import SGD, Adam, AdamW, Optimizer

START = [1.5, -0.7, 0.3]


def objective(p: list[Any]) -> Any:
    """A smooth bowl with curvature that differs per direction and a coupling term; works on Values and tensors."""
    x, y, z = p
    return (x - 1.0) ** 2 + 3.0 * (y + 0.5) ** 2 + (x * z).tanh() + 0.25 * z**4


def run(make: Any, steps: int = 20, schedule: Any = None) -> list[list[float]]:
    """Minimise `objective` with ``make(params)``; the parameters after every step."""
    params = [Value(v) for v in START]
    opt = make(params)
    trace = []
    for t in range(steps):
        if schedule:
            opt.lr = schedule(t)
        opt.zero_grad()
        objective(params).backward()
        opt.step()
        trace.append([p.data for p in params])
    return trace


def run_torch(torch: Any, make: Any, steps: int = 20, schedule: Any = None) -> list[list[float]]:
    params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in START]
    opt = make(params)
    trace = []
    for t in range(steps):
        if schedule:
            for group in opt.param_groups:
                group["lr"] = schedule(t)
        opt.zero_grad()
        objective(params).backward()
        opt.step()
        trace.append([p.item() for p in params])
    return trace


CASES = [  # (our class, torch's name, keyword arguments)
    (SGD, "SGD", {"lr": 0.05}),
    (SGD, "SGD", {"lr": 0.05, "weight_decay": 0.1}),
    (SGD, "SGD", {"lr": 0.05, "momentum": 0.9}),
    (SGD, "SGD", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.2}),
    (SGD, "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    (SGD, "SGD", {"lr": 0.02, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    (Adam, "Adam", {}),
    (Adam, "Adam", {"lr": 0.1}),
    (Adam, "Adam", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6}),
    (Adam, "Adam", {"lr": 0.05, "weight_decay": 0.1}),
    (Adam, "Adam", {"lr": 0.05, "betas": (0.0, 0.0)}),
    (AdamW, "AdamW", {}),
    (AdamW, "AdamW", {"lr": 0.1, "weight_decay": 0.5}),
    (AdamW, "AdamW", {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-4, "weight_decay": 0.0}),
    # AMSGrad: short memories (small betas), so v falls below its maximum and the option acts
    (Adam, "Adam", {"lr": 0.05, "betas": (0.5, 0.8), "amsgrad": True}),
    (Adam, "Adam", {"lr": 0.05, "betas": (0.9, 0.9), "eps": 1e-6, "weight_decay": 0.1, "amsgrad": True}),
    (AdamW, "AdamW", {"lr": 0.1, "amsgrad": True}),
    (AdamW, "AdamW", {"lr": 0.05, "betas": (0.5, 0.8), "eps": 1e-4, "weight_decay": 0.3, "amsgrad": True}),
]


@pytest.mark.parametrize(("ours", "theirs", "kwargs"), CASES, ids=[f"{c[1]}-{c[2]}" for c in CASES])
def test_matches_torch_step_by_step(ours: type[Optimizer], theirs: str, kwargs: dict[str, Any]) -> None:
    torch = need_module("torch")
    mine = run(lambda ps: ours(ps, **kwargs))
    ref = run_torch(torch, lambda ps: getattr(torch.optim, theirs)(ps, **kwargs))
    for step, (a, b) in enumerate(zip(mine, ref, strict=True), 1):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-12), f"step {step}"
    assert mine[-1] != pytest.approx(START, abs=1e-3)  # it moved


@pytest.mark.parametrize(
    ("ours", "theirs", "kwargs"), [(SGD, "SGD", {"momentum": 0.9}), (Adam, "Adam", {}), (AdamW, "AdamW", {})]
)
def test_learning_rate_schedule_matches_torch(ours: type[Optimizer], theirs: str, kwargs: dict[str, Any]) -> None:
    torch = need_module("torch")

    def schedule(t: int) -> float:
        return 0.1 * 0.5 * (1 + math.cos(math.pi * t / 20))  # cosine decay from 0.1

    mine = run(lambda ps: ours(ps, lr=1.0, **kwargs), schedule=schedule)
    ref = run_torch(torch, lambda ps: getattr(torch.optim, theirs)(ps, lr=1.0, **kwargs), schedule=schedule)
    for a, b in zip(mine, ref, strict=True):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(("ours", "theirs", "kwargs"), CASES, ids=[f"{c[1]}-{c[2]}" for c in CASES])
def test_state_matches_torchs_state(ours: type[Optimizer], theirs: str, kwargs: dict[str, Any]) -> None:
    # after 7 steps, every buffer (momentum, moments, AMSGrad's maximum) equals torch's own, parameter by parameter
    torch = need_module("torch")
    params = [Value(v) for v in START]
    opt = ours(params, **kwargs)
    tensors = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in START]
    reference = getattr(torch.optim, theirs)(tensors, **kwargs)
    for _ in range(7):
        for o, ps in ((opt, params), (reference, tensors)):
            o.zero_grad()
            objective(ps).backward()
            o.step()
    state = opt.state_dict()
    assert state["steps"] == 7
    for name, values in state["state"].items():
        theirs_values = [reference.state[t][name].item() for t in tensors]
        assert values == pytest.approx(theirs_values, rel=1e-12, abs=1e-15), name
    torch_names = {name for name in reference.state[tensors[0]] if name != "step"}
    assert set(state["state"]) == torch_names  # the same state, no more and no less


def test_amsgrad_divides_by_the_largest_second_moment() -> None:
    opt = Adam([Value(v) for v in START], lr=0.05, betas=(0.5, 0.8), amsgrad=True)
    plain = run(lambda ps: Adam(ps, lr=0.05, betas=(0.5, 0.8)))
    with_max = []
    for _ in range(20):
        opt.zero_grad()
        objective(opt.params).backward()
        opt.step()
        assert all(m >= v for m, v in zip(opt.max_exp_avg_sq, opt.exp_avg_sq, strict=True))
        with_max.append([p.data for p in opt.params])
    assert any(m > v for m, v in zip(opt.max_exp_avg_sq, opt.exp_avg_sq, strict=True))  # v fell: the max acted
    assert with_max == run(lambda ps: Adam(ps, lr=0.05, betas=(0.5, 0.8), amsgrad=True))
    assert with_max != plain


# --- saving and resuming ---

RESUME = [
    (SGD, {"lr": 0.05}),
    (SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    (Adam, {"lr": 0.05, "weight_decay": 0.1}),
    (Adam, {"lr": 0.05, "betas": (0.5, 0.8), "amsgrad": True}),
    (AdamW, {"lr": 0.1, "weight_decay": 0.5, "amsgrad": True}),
]


@pytest.mark.parametrize(("ours", "kwargs"), RESUME, ids=[f"{c[0].__name__}-{c[1]}" for c in RESUME])
def test_a_saved_state_resumes_exactly_where_it_stopped(ours: type[Optimizer], kwargs: dict[str, Any]) -> None:
    uninterrupted = run(lambda ps: ours(ps, **kwargs), steps=12)
    # 5 steps, then the weights and the optimizer's state through JSON, as a file would keep them
    params = [Value(v) for v in START]
    first = ours(params, **kwargs)
    trace = []
    for _ in range(5):
        first.zero_grad()
        objective(params).backward()
        first.step()
        trace.append([p.data for p in params])
    saved = json.loads(json.dumps({"weights": [p.data for p in params], "optimizer": first.state_dict()}))
    # a new run: new Values, and an optimizer made with other hyperparameters, which the state puts right
    params = [Value(v) for v in saved["weights"]]
    second = ours(params, lr=0.5)
    second.load_state_dict(saved["optimizer"])
    assert second.state_dict() == first.state_dict()
    for _ in range(7):
        second.zero_grad()
        objective(params).backward()
        second.step()
        trace.append([p.data for p in params])
    assert trace == uninterrupted  # bit for bit


def test_state_dict_is_plain_and_names_everything() -> None:
    ws = [Value(1.0), Value(-2.0)]
    opt = SGD(ws, lr=0.1, momentum=0.9)
    assert opt.state_dict() == {
        "optimizer": "SGD",
        "steps": 0,
        "hyperparameters": {"lr": 0.1, "momentum": 0.9, "nesterov": False, "weight_decay": 0.0},
        "state": {"momentum_buffer": [None, None]},
    }  # None until the first step, as torch
    assert SGD(ws, lr=0.1).state_dict()["state"] == {}  # no momentum: nothing to keep but the step count
    adam = AdamW(ws, betas=(0.8, 0.9), amsgrad=True)
    (ws[0] * ws[1]).backward()
    adam.step()
    state = adam.state_dict()
    assert state["hyperparameters"] == {
        "lr": 1e-3,
        "betas": [0.8, 0.9],
        "eps": 1e-8,
        "weight_decay": 1e-2,
        "amsgrad": True,
    }
    assert sorted(state["state"]) == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] and state["steps"] == 1
    assert json.loads(json.dumps(state)) == state
    state["state"]["exp_avg"][0] = 123.0  # a copy: changing it changes nothing in the optimizer
    assert adam.exp_avg[0] != 123.0


def good_state() -> dict[str, Any]:
    opt = Adam([Value(1.0), Value(2.0)], lr=0.01)
    opt.step()
    return opt.state_dict()


def changed(**changes: Any) -> dict[str, Any]:
    """`good_state`, with ``changes`` applied: a key to a value, or ``state__exp_avg`` into a part."""
    state = good_state()
    for key, value in changes.items():
        part, _, inner = key.partition("__")
        if inner:
            state[part][inner] = value
        elif value is None:
            del state[part]
        else:
            state[part] = value
    return state


@pytest.mark.parametrize(
    ("state", "error", "match"),
    [
        ([1.0], TypeError, r"Adam.load_state_dict takes the dict that state_dict\(\) made, not list"),
        (changed(steps=None), ValueError, r"a state has the keys optimizer, steps, hyperparameters, state"),
        (changed(optimizer="SGD"), ValueError, r"this is the state of 'SGD', not of Adam: load it into a SGD"),
        (changed(steps=-1), ValueError, r"Adam.load_state_dict: steps must be >= 0, got -1"),
        (changed(steps=1.5), TypeError, r"Adam.load_state_dict: steps must be an int"),
        (changed(hyperparameters=[0.1]), TypeError, r"hyperparameters must be a dict, not list"),
        (
            changed(hyperparameters__momentum=0.9),
            ValueError,
            r"the hyperparameters must be lr, betas, eps, weight_decay, amsgrad, got .*momentum",
        ),
        (changed(hyperparameters__lr=-1.0), ValueError, r"Adam: lr must be > 0, got -1.0"),
        (
            changed(hyperparameters__amsgrad=True),
            ValueError,
            r"for these hyperparameters the state holds exp_avg, exp_avg_sq, max_exp_avg_sq, got exp_avg, exp_avg_sq",
        ),
        (
            changed(state__exp_avg=[0.5]),
            ValueError,
            r"exp_avg must be a list of 2 numbers, one per parameter, got 1 values: load a state saved by an optimizer",
        ),
        (changed(state__exp_avg=[0.5, None]), TypeError, r"Adam.load_state_dict: exp_avg\[1\] must be a number"),
        (changed(state__exp_avg_sq=[0.5, math.nan]), ValueError, r"exp_avg_sq\[1\] must be a finite number"),
    ],
)
def test_a_bad_state_is_refused_and_changes_nothing(state: Any, error: type[Exception], match: str) -> None:
    opt = Adam([Value(1.0), Value(2.0)], lr=0.02)
    before = opt.state_dict()
    with pytest.raises(error, match=match):
        opt.load_state_dict(state)
    assert opt.state_dict() == before


def test_sgd_momentum_buffers_may_be_none_but_adams_moments_may_not() -> None:
    opt = SGD([Value(1.0), Value(2.0)], momentum=0.5)
    state = opt.state_dict()
    state["state"]["momentum_buffer"] = [None, 0.25]
    opt.load_state_dict(state)
    assert opt.momentum_buffer == [None, 0.25]
    state["state"]["momentum_buffer"] = [None, "0.25"]
    with pytest.raises(TypeError, match=r"SGD.load_state_dict: momentum_buffer\[1\] must be a number, not str"):
        opt.load_state_dict(state)


# --- the update rules by hand, without torch ---


def test_sgd_is_p_minus_lr_grad() -> None:
    w = Value(2.0)
    opt = SGD([w], lr=0.25)
    (w * w).backward()  # grad 4
    opt.step()
    assert w.data == 1.0


def test_sgd_momentum_buffer_starts_at_the_first_gradient() -> None:
    w = Value(0.0)
    opt = SGD([w], lr=1.0, momentum=0.9)
    for expected in (-1.0, -1.0 - 1.9, -1.0 - 1.9 - 2.71):  # buffer 1, 1.9, 2.71 for a constant gradient 1
        opt.zero_grad()
        w.backward()  # d w / d w = 1
        opt.step()
        assert w.data == pytest.approx(expected)
    assert opt.momentum_buffer == [pytest.approx(2.71)]


def test_adam_first_step_is_lr_times_sign() -> None:
    # bias correction: m_hat = g, v_hat = g**2, so the first step is lr * g / (|g| + eps)
    ws = [Value(1.0), Value(-3.0)]
    opt = Adam(ws, lr=0.01, eps=1e-12)
    (ws[0] * 5.0 + ws[1] * -0.001).backward()
    opt.step()
    assert [w.data for w in ws] == pytest.approx([0.99, -2.99], rel=1e-9)
    assert opt.steps == 1


def test_adamw_decays_weights_without_a_gradient() -> None:
    w = Value(2.0)
    opt = AdamW([w], lr=0.1, weight_decay=0.5)
    opt.step()  # grad 0: only the decoupled decay acts, p *= 1 - lr * wd
    assert w.data == pytest.approx(2.0 * (1 - 0.05))
    v = Value(2.0)
    Adam([v], lr=0.1, weight_decay=0.5).step()  # Adam's decay goes through the moments: lr * sign
    assert v.data == pytest.approx(1.9)


def test_zero_grad_and_state_live_in_the_optimizer() -> None:
    ws = [Value(1.0), Value(2.0)]
    opt = Adam(ws, lr=0.1)
    (ws[0] * ws[1]).backward()
    assert [w.grad for w in ws] == [2.0, 1.0]
    opt.step()
    assert len(opt.exp_avg) == len(opt.exp_avg_sq) == 2 and opt.exp_avg[0] != 0.0
    opt.zero_grad()
    assert [w.grad for w in ws] == [0.0, 0.0]
    assert all(vars(w) == {} for w in ws)  # the package bolts nothing onto a Value: its state is the optimizer's


def test_params_may_be_any_iterable_and_lr_can_change() -> None:
    ws = [Value(1.0), Value(2.0)]
    opt = SGD(iter(ws), lr=0.1)
    assert opt.params == ws
    opt.lr = 0.01
    assert opt.lr == 0.01
    assert repr(opt) == "SGD(2 parameters, lr=0.01)"


def test_base_class_step_is_abstract() -> None:
    with pytest.raises(NotImplementedError, match="Optimizer must implement step"):
        Optimizer([Value(1.0)], lr=0.1).step()


# --- bad hyperparameters ---

W = [Value(1.0)]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: SGD(W, lr=0.0), r"SGD: lr must be > 0, got 0.0"),
        (lambda: SGD(W, lr=-0.1), r"SGD: lr must be > 0, got -0.1"),
        (lambda: Adam(W, lr=math.nan), r"Adam: lr must be a finite number > 0, got nan"),
        (lambda: SGD([], lr=0.1), r"SGD: optimizer got an empty parameter list"),
        (lambda: Adam(iter([])), r"Adam: optimizer got an empty parameter list"),
        (lambda: SGD([W[0], W[0]]), r"SGD: params\[1\] is the same Value as params\[0\]"),
        (lambda: SGD(W, momentum=-0.5), r"SGD: momentum must be >= 0, got -0.5"),
        (lambda: SGD(W, nesterov=True), r"SGD: nesterov=True needs momentum > 0"),
        (lambda: SGD(W, weight_decay=-1e-4), r"SGD: weight_decay must be >= 0, got -0.0001"),
        (lambda: Adam(W, betas=(1.0, 0.999)), r"Adam: betas\[0\] must be in \[0, 1\), got 1.0"),
        (lambda: Adam(W, betas=(0.9, -0.1)), r"Adam: betas\[1\] must be in \[0, 1\), got -0.1"),
        (lambda: Adam(W, betas=(0.9, math.nan)), r"Adam: betas\[1\] must be a finite number in \[0, 1\), got nan"),
        (lambda: AdamW(W, betas=(0.9, 0.99, 0.5)), r"AdamW: betas must be a pair"),  # type: ignore[arg-type]
        (lambda: Adam(W, eps=0.0), r"Adam: eps must be > 0, got 0.0"),
        (lambda: AdamW(W, eps=-1e-8), r"AdamW: eps must be > 0"),
        (lambda: Adam(W, weight_decay=-0.1), r"Adam: weight_decay must be >= 0"),
        (lambda: AdamW(W, weight_decay=math.inf), r"AdamW: weight_decay must be a finite number >= 0, got inf"),
    ],
)
def test_bad_hyperparameters(make: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: SGD(W, lr=cast(Any, "0.1")), r"SGD: lr must be a number, not str: '0.1'"),
        (lambda: SGD(W, lr=cast(Any, True)), r"SGD: lr must be a number, not bool: True"),
        (lambda: SGD(W, lr=cast(Any, Value(0.1))), r"SGD: lr must be a plain number, not a Value: pass its .data"),
        (lambda: SGD(cast(Any, 5)), r"SGD: params must be an iterable of Values such as model.parameters\(\), not int"),
        (lambda: SGD(cast(Any, Value(1.0))), r"SGD: params must be an iterable of Values such as model.parameters\(\)"),
        (lambda: SGD([Value(1.0), cast(Any, 2.0)]), r"SGD: params\[1\] is a float, not a Value"),
        (lambda: SGD(W, momentum=0.9, nesterov=cast(Any, 1)), r"SGD: nesterov must be True or False"),
        (lambda: Adam(W, betas=cast(Any, 0.9)), r"Adam: betas must be a pair \(beta1, beta2\), got float: 0.9"),
        (lambda: Adam(W, amsgrad=cast(Any, 1)), r"Adam: amsgrad must be True or False, got 1"),
        (lambda: AdamW(W, amsgrad=cast(Any, "yes")), r"AdamW: amsgrad must be True or False, got 'yes'"),
    ],
)
def test_an_argument_of_the_wrong_type_is_a_type_error(make: Any, match: str) -> None:
    with pytest.raises(TypeError, match=match):
        make()


def test_lr_is_checked_when_changed() -> None:
    opt = Adam(W)
    with pytest.raises(ValueError, match=r"Adam: lr must be > 0, got -1"):
        opt.lr = -1
    assert opt.lr == 1e-3
