"""Optimizers: `SGD` (with momentum and Nesterov), `Adam` and `AdamW`, with PyTorch's update rules.

An optimizer holds a list of parameters (`Value` leaves) and, after ``loss.backward()``,
moves each ``p.data`` using ``p.grad``. Its state (momentum buffers, Adam's moment
estimates, the step count) lives in the optimizer, in lists indexed like ``params``; the
Values carry nothing extra. ``lr`` is a plain attribute: change it between steps for a
learning-rate schedule.

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
from collections.abc import Iterable

from tinygrad_dk._checks import check_betas, check_nesterov, check_params, check_real
from tinygrad_dk.engine import Value

__all__ = ["SGD", "Adam", "AdamW", "Optimizer"]


class Optimizer:
    """The base class: holds ``params`` and ``lr``; subclasses implement `step`."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = check_params(params, type(self).__name__)
        self.lr = lr  # checked by the setter below

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

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr!r})"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum and L2 weight decay.

    As ``torch.optim.SGD`` (dampening 0): ``g = grad + weight_decay * p``; with momentum
    ``b = g`` on the first step and ``b = momentum * b + g`` after; then ``g = b`` (or
    ``g + momentum * b`` for Nesterov); finally ``p -= lr * g``.
    """

    def __init__(self, params: Iterable[Value], lr: float = 0.1, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = check_real(momentum, "SGD: momentum", at_least=0)
        self.nesterov = check_nesterov(nesterov, self.momentum)
        self.weight_decay = check_real(weight_decay, "SGD: weight_decay", at_least=0)
        self.momentum_buffer: list[float | None] = [None] * len(self.params)  # None until the first step

    def step(self) -> None:
        """One update of every parameter (see the class docstring for the rule)."""
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
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
    step t ``p -= lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)``.
    """

    _decoupled = False  # AdamW decays the weights directly instead

    def __init__(self, params: Iterable[Value], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        name = type(self).__name__
        self.betas = check_betas(betas, name)
        self.eps = check_real(eps, f"{name}: eps", above=0)
        self.weight_decay = check_real(weight_decay, f"{name}: weight_decay", at_least=0)
        self.steps = 0  # t, for the bias correction
        self.exp_avg = [0.0] * len(self.params)  # m: running mean of the gradient
        self.exp_avg_sq = [0.0] * len(self.params)  # v: running mean of its square

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
            p.data -= step_size * m / (math.sqrt(v) / correction2_sqrt + eps)  # 4. the step


class AdamW(Adam):
    """Adam with decoupled weight decay, as ``torch.optim.AdamW``: ``p *= 1 - lr * weight_decay``, then Adam."""

    _decoupled = True

    def __init__(self, params: Iterable[Value], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)
