"""Optimizers: `SGD` (with momentum and Nesterov), `Adam` and `AdamW`, with PyTorch's update rules.

An optimizer holds a list of parameters (`Value` leaves) and, after ``loss.backward()``,
moves each ``p.data`` using ``p.grad``. Its state (momentum buffers, Adam's moment
estimates, the step count) lives in the optimizer, in lists indexed like ``params``; the
Values carry nothing extra. ``lr`` is a plain attribute: change it between steps for a
learning-rate schedule. `Optimizer.state_dict` returns that state as a plain dict (JSON
can hold it) and `Optimizer.load_state_dict` puts it back, so a run saved halfway resumes
exactly where it stopped, as with ``torch.optim``.

>>> from tinygrad_dk import Value
>>> w = Value(3.0)
>>> opt = SGD([w], lr=0.1)
>>> for _ in range(50):
...     opt.zero_grad()
...     (w * w).backward()  # minimise w**2
...     opt.step()
>>> abs(w.data) < 1e-4
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from tinygrad_dk._checks import (
    check_betas,
    check_flag,
    check_nesterov,
    check_optimizer_buffers,
    check_optimizer_state,
    check_params,
    check_real,
)
from tinygrad_dk.engine import Value

__all__ = ["SGD", "Adam", "AdamW", "Optimizer"]


class Optimizer:
    """The base class: holds ``params``, ``lr`` and the step count; subclasses implement `step`."""

    _HYPERPARAMETERS: tuple[str, ...] = ("lr",)  # the constructor's keywords, saved by state_dict

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = check_params(params, type(self).__name__)
        self.lr = lr  # checked by the setter below
        self.steps = 0  # how many times step() has run

    @property
    def lr(self) -> float:
        """The learning rate; assign to it between steps to follow a schedule."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_real(value, f"{type(self).__name__}: lr", above=0)

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0 (``backward`` adds to it)."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its ``grad``."""
        raise NotImplementedError(f"{type(self).__name__} must implement step()")

    def _buffers(self) -> dict[str, bool]:
        """The names of the per-parameter state lists, each with whether it may hold None (before a first step)."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as a plain dict that JSON can hold: what `load_state_dict` needs to resume.

        ``{"optimizer": "Adam", "steps": 3, "hyperparameters": {"lr": 0.001, ...},
        "state": {"exp_avg": [...], ...}}``: the step count, the hyperparameters, and one list
        per kind of state (momentum buffers, moments) with one number per parameter, in
        ``params`` order. The parameters themselves are the model's: save them with it.
        """
        hyperparameters = {name: getattr(self, name) for name in self._HYPERPARAMETERS}
        return {
            "optimizer": type(self).__name__,
            "steps": self.steps,
            "hyperparameters": {k: list(v) if isinstance(v, tuple) else v for k, v in hyperparameters.items()},
            "state": {name: list(getattr(self, name)) for name in self._buffers()},
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Resume from ``state`` (made by `state_dict`): hyperparameters, step count and buffers; all checked first."""
        who = type(self).__name__
        steps, hyperparameters, buffers = check_optimizer_state(state, who, self._HYPERPARAMETERS)
        fresh = type(self)(self.params, **hyperparameters)  # the constructor checks the hyperparameters
        checked = check_optimizer_buffers(buffers, fresh._buffers(), len(self.params), who)
        for name in self._HYPERPARAMETERS:
            setattr(self, name, getattr(fresh, name))
        self.steps = steps
        for name, values in checked.items():
            setattr(self, name, values)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr!r})"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum and L2 weight decay.

    As ``torch.optim.SGD`` (dampening 0): ``g = grad + weight_decay * p``; with momentum
    ``b = g`` on the first step and ``b = momentum * b + g`` after; then ``g = b`` (or
    ``g + momentum * b`` for Nesterov); finally ``p -= lr * g``.
    """

    _HYPERPARAMETERS = ("lr", "momentum", "nesterov", "weight_decay")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.1,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = check_real(momentum, "SGD: momentum", at_least=0)
        self.nesterov = check_nesterov(nesterov, self.momentum)
        self.weight_decay = check_real(weight_decay, "SGD: weight_decay", at_least=0)
        self.momentum_buffer: list[float | None] = [None] * len(self.params)  # None until the first step

    def _buffers(self) -> dict[str, bool]:
        return {"momentum_buffer": True} if self.momentum else {}

    def step(self) -> None:
        """One update of every parameter (see the class docstring for the rule)."""
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        self.steps += 1
        for i, p in enumerate(self.params):
            g = p.grad
            if wd:
                g = g + wd * p.data  # L2 penalty wd/2 * p**2, folded into the gradient
            if mu:
                buf = self.momentum_buffer[i]
                buf = g if buf is None else mu * buf + g
                self.momentum_buffer[i] = buf
                g = g + mu * buf if self.nesterov else buf
            p.data -= lr * g


class Adam(Optimizer):
    """Adam with bias correction, as ``torch.optim.Adam``; ``weight_decay`` adds ``wd * p`` to the gradient.

    Per parameter: ``m = b1 * m + (1 - b1) * g``, ``v = b2 * v + (1 - b2) * g**2``, then at
    step t ``p -= lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)``. With
    ``amsgrad=True`` (Reddi et al., 2018) the step divides by the largest ``v`` seen so far
    instead, so it never grows because the gradients shrank.
    """

    _HYPERPARAMETERS = ("lr", "betas", "eps", "weight_decay", "amsgrad")
    _decoupled = False  # AdamW decays the weights directly instead

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr)
        name = type(self).__name__
        self.betas = check_betas(betas, name)
        self.eps = check_real(eps, f"{name}: eps", above=0)
        self.weight_decay = check_real(weight_decay, f"{name}: weight_decay", at_least=0)
        self.amsgrad = check_flag(amsgrad, f"{name}: amsgrad")
        self.exp_avg = [0.0] * len(self.params)  # m: running mean of the gradient
        self.exp_avg_sq = [0.0] * len(self.params)  # v: running mean of its square
        self.max_exp_avg_sq = [0.0] * len(self.params)  # AMSGrad: the largest v so far

    def _buffers(self) -> dict[str, bool]:
        return {"exp_avg": False, "exp_avg_sq": False, **({"max_exp_avg_sq": False} if self.amsgrad else {})}

    def step(self) -> None:
        """One update of every parameter (see the class docstring for the rule)."""
        lr, (beta1, beta2), eps, wd = self.lr, self.betas, self.eps, self.weight_decay
        self.steps += 1
        step_size = lr / (1 - beta1**self.steps)  # 1. bias corrections: m and v start at 0
        correction2_sqrt = math.sqrt(1 - beta2**self.steps)
        for i, p in enumerate(self.params):
            g = p.grad
            if wd and self._decoupled:
                p.data *= 1 - lr * wd  # 2a. AdamW: shrink the weight itself
            elif wd:
                g = g + wd * p.data  # 2b. Adam: L2 penalty folded into the gradient
            m = self.exp_avg[i] = beta1 * self.exp_avg[i] + (1 - beta1) * g  # 3. moments
            v = self.exp_avg_sq[i] = beta2 * self.exp_avg_sq[i] + (1 - beta2) * g * g
            if self.amsgrad:
                v = self.max_exp_avg_sq[i] = max(self.max_exp_avg_sq[i], v)  # 4. AMSGrad: the largest v yet
            p.data -= step_size * m / (math.sqrt(v) / correction2_sqrt + eps)  # 5. the step


class AdamW(Adam):
    """Adam with decoupled weight decay, as ``torch.optim.AdamW``: ``p *= 1 - lr * weight_decay``, then Adam."""

    _decoupled = True

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
