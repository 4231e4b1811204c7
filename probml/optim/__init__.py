"""Optimizers, learning-rate schedules, and a small training loop, in NumPy."""

from .optimizers import (
    Optimizer,
    OptimizerState,
    adagrad,
    adam,
    adamw,
    apply_updates,
    clip_by_global_norm,
    gradient_descent,
    rmsprop,
    sgd,
)
from .schedules import (
    Schedule,
    constant,
    cosine_annealing,
    cosine_annealing_warm_restarts,
    exponential_decay,
    linear_warmup,
    step_decay,
)

__all__ = [
    "Optimizer",
    "OptimizerState",
    "Schedule",
    "adagrad",
    "adam",
    "adamw",
    "apply_updates",
    "clip_by_global_norm",
    "constant",
    "cosine_annealing",
    "cosine_annealing_warm_restarts",
    "exponential_decay",
    "gradient_descent",
    "linear_warmup",
    "rmsprop",
    "sgd",
    "step_decay",
]
