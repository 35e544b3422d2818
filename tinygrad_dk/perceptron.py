"""Rosenblatt's perceptron (1958): a threshold unit with a learning rule of its own.

It is a `Module` like the networks in `tinygrad_dk.nn`: its parameters, ``state_dict``,
``summary`` and model file work the same, and calling it on an input builds the graph of
``step(w · x + b)`` for the pictures. Training, though, uses no gradient (the step's is 0
everywhere): `Perceptron.fit` nudges the weights by the error, one example at a time.
Import it from here or, as before, from `tinygrad_dk.nn`. Standard library only.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Any

from tinygrad_dk._checks import check_binary_examples, check_count, check_inputs, check_real, check_row, check_seed
from tinygrad_dk.engine import Value
from tinygrad_dk.nn import Module

__all__ = ["Perceptron"]


class Perceptron(Module):
    """Rosenblatt's threshold unit, the first network a learner meets: 1 if ``w · x + b > 0`` else 0.

    The classic example has 3 inputs, a bias and threshold 0. `fit` uses the perceptron
    learning rule ``w += lr * (target - output) * x`` (and ``b += lr * (target - output)``);
    it finds a separating line whenever one exists. Weights start in U(-1, 1) from ``seed``
    (None means 0). Here it learns "at least two of three inputs are on":

    >>> p = Perceptron(3, lr=0.1, seed=1)
    >>> X = [[0, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 1], [1, 0, 0], [1, 0, 1], [1, 1, 0], [1, 1, 1]]
    >>> y = [0, 0, 0, 1, 0, 1, 1, 1]
    >>> errors = p.fit(X, y)  # errors per epoch, ending with an epoch without errors
    >>> errors[-1], p.predict_many(X) == y
    (0, True)
    """

    activation = "step"
    _PARTS = ("w", "b")
    _CONFIG_KEYS = ("nin", "lr", "seed")

    def __init__(self, nin: int, *, lr: float = 0.1, seed: int | None = None) -> None:
        self.nin = check_count(nin, "Perceptron nin")
        self.lr = check_real(lr, "Perceptron lr", above=0)
        self.seed = check_seed(seed, "Perceptron", none_means=0)
        rng = random.Random(self.seed)
        self.w = [Value(rng.uniform(-1.0, 1.0), f"w{i + 1}") for i in range(self.nin)]
        self.b = Value(0.0, "b")

    def __call__(self, x: Sequence[float | Value]) -> Value:
        """``step(w · x + b)`` as a graph of Values (to draw); its data is `predict`'s answer."""
        x = check_inputs(x, self.nin, "Perceptron")
        total = self.b
        for wi, xi in zip(self.w, x, strict=True):
            total = total + wi * xi
        return total.step()

    def _predict(self, x: Sequence[float]) -> int:
        total = self.b.data
        for wi, xi in zip(self.w, x, strict=True):  # the same sum, in the same order, as __call__
            total += wi.data * xi
        return 1 if total > 0 else 0

    def predict(self, x: Sequence[float]) -> int:
        """1 if ``w · x + b > 0`` else 0, for finite inputs ``x``."""
        return self._predict(check_row(x, self.nin, "Perceptron.predict"))

    def predict_many(self, X: Iterable[Sequence[float]]) -> list[int]:
        """`predict` for each row of ``X``."""
        return [self._predict(check_row(x, self.nin, f"Perceptron.predict_many row {i}")) for i, x in enumerate(X)]

    def fit(self, X: Sequence[Sequence[float]], y: Sequence[int], epochs: int = 100) -> list[int]:
        """Train with the perceptron rule; return the errors of each epoch, stopping after one without errors.

        Every input must be a finite number: NaN compares false with everything, so a NaN row
        would never count as an error, and an inf would make a weight infinite.
        """
        rows, targets = check_binary_examples(X, y, self.nin, "Perceptron.fit")
        epochs = check_count(epochs, "Perceptron.fit epochs")
        history: list[int] = []
        for _ in range(epochs):
            errors = 0
            for row, target in zip(rows, targets, strict=True):
                error = target - self._predict(row)  # -1, 0 or +1
                if error:
                    errors += 1
                    change = self.lr * error
                    for wi, xi in zip(self.w, row, strict=True):
                        wi.data += change * xi
                    self.b.data += change
            history.append(errors)
            if errors == 0:  # every example is right, and the weights no longer change
                break
        return history

    def _config(self) -> dict[str, Any]:
        return {"nin": self.nin, "lr": self.lr, "seed": self.seed}

    def _rows(self) -> list[tuple[str, int, int, str]]:
        return [("perceptron", self.nin, 1, "step")]

    def __repr__(self) -> str:
        seed = f", seed={self.seed}" if self.seed != 0 else ""
        return f"Perceptron({self.nin}, lr={self.lr}{seed})"
