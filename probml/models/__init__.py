"""probml's models: one module per family, each a likelihood with its estimators."""

from .bayes_linear import BayesianLinearRegression
from .bernoulli import Bernoulli, BetaPosterior
from .linear import LinearRegression, Ridge, prior_std_to_ridge_alpha, ridge_alpha_to_prior_std
from .normal import Normal, NormalInverseGammaPosterior, NormalPosterior

__all__ = [
    "BayesianLinearRegression",
    "Bernoulli",
    "BetaPosterior",
    "LinearRegression",
    "Normal",
    "NormalInverseGammaPosterior",
    "NormalPosterior",
    "Ridge",
    "prior_std_to_ridge_alpha",
    "ridge_alpha_to_prior_std",
]
