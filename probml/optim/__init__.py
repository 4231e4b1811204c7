"""Optimizers, learning-rate schedules, and a small training loop, in NumPy."""

from .descent import trajectory
from .modules import (
    LinearRegressionModule,
    LogisticRegressionModule,
    OneHiddenLayerNetwork,
    SoftmaxRegressionModule,
)
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
from .problems import QuadraticBowl, Rosenbrock, Saddle, TiltedDoubleWell
from .schedules import (
    Schedule,
    constant,
    cosine_annealing,
    cosine_annealing_warm_restarts,
    exponential_decay,
    linear_warmup,
    step_decay,
)
from .training import DataModule, History, Module, Trainer

__all__ = [
    "DataModule",
    "History",
    "LinearRegressionModule",
    "LogisticRegressionModule",
    "Module",
    "OneHiddenLayerNetwork",
    "Optimizer",
    "OptimizerState",
    "QuadraticBowl",
    "Rosenbrock",
    "Saddle",
    "Schedule",
    "SoftmaxRegressionModule",
    "TiltedDoubleWell",
    "Trainer",
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
    "trajectory",
]
