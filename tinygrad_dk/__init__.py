"""tinygrad_dk: understand neural networks by building them from scalars you can see."""

from tinygrad_dk import _graphs  # noqa: F401  registers how Values copy and pickle (any depth, no recursion)
from tinygrad_dk.advice import (
    DeadUnitsWarning,
    GradientNormWarning,
    LossNotFallingWarning,
    NoGradientWarning,
    TrainingWarning,
)
from tinygrad_dk.engine import Value
from tinygrad_dk.gradcheck import GradcheckError, gradcheck
from tinygrad_dk.ops import define_op

__all__ = [
    "DeadUnitsWarning",
    "GradcheckError",
    "GradientNormWarning",
    "LossNotFallingWarning",
    "NoGradientWarning",
    "TrainingWarning",
    "Value",
    "define_op",
    "gradcheck",
]
__version__ = "0.1.0"
