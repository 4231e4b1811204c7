"""probml's models: one module per family, each a likelihood with its estimators."""

from ._paths import RegularizationPath
from .bayes_linear import BayesianLinearRegression
from .bernoulli import Bernoulli, BetaPosterior
from .lasso import (
    BridgeRegression,
    Lasso,
    laplace_scale_to_lasso_alpha,
    lasso_alpha_to_laplace_scale,
    lasso_path,
)
from .linear import LinearRegression
from .logistic import (
    LogisticRegression,
    logistic_C_to_prior_std,
    prior_std_to_logistic_C,
)
from .normal import Normal, NormalInverseGammaPosterior, NormalPosterior
from .ridge import (
    Ridge,
    RidgeCV,
    prior_std_to_ridge_alpha,
    ridge_alpha_to_prior_std,
    ridge_path,
)
from .scaling import StandardScaler, standardize

__all__ = [
    "BayesianLinearRegression",
    "Bernoulli",
    "BetaPosterior",
    "BridgeRegression",
    "Lasso",
    "LinearRegression",
    "LogisticRegression",
    "Normal",
    "NormalInverseGammaPosterior",
    "NormalPosterior",
    "RegularizationPath",
    "Ridge",
    "RidgeCV",
    "StandardScaler",
    "laplace_scale_to_lasso_alpha",
    "lasso_alpha_to_laplace_scale",
    "lasso_path",
    "logistic_C_to_prior_std",
    "prior_std_to_logistic_C",
    "prior_std_to_ridge_alpha",
    "ridge_alpha_to_prior_std",
    "ridge_path",
    "standardize",
]
