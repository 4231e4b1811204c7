"""probml: statistics-first probabilistic modelling.

Derive a method symbolically, check the derivation numerically, fit it to data
with real statistical output, and draw the figure that teaches it.

Importing probml is light: SciPy's special functions, SymPy and Matplotlib are
imported only by the functions that need them.
"""

from . import datasets, functions, losses, optim
from .exceptions import (
    CollinearityWarning,
    ConvergenceWarning,
    DataConversionWarning,
    DivergenceError,
    NotFittedError,
    PerfectSeparationWarning,
    ProbmlWarning,
)
from .models import (
    BayesianLinearRegression,
    Bernoulli,
    LinearRegression,
    LogisticRegression,
    Normal,
    Ridge,
    logistic_C_to_prior_std,
    prior_std_to_logistic_C,
    prior_std_to_ridge_alpha,
    ridge_alpha_to_prior_std,
)

__version__ = "0.1.0"

__all__ = [
    "BayesianLinearRegression",
    "Bernoulli",
    "CollinearityWarning",
    "ConvergenceWarning",
    "DataConversionWarning",
    "DivergenceError",
    "LinearRegression",
    "LogisticRegression",
    "Normal",
    "NotFittedError",
    "PerfectSeparationWarning",
    "ProbmlWarning",
    "Ridge",
    "datasets",
    "functions",
    "logistic_C_to_prior_std",
    "losses",
    "optim",
    "prior_std_to_logistic_C",
    "prior_std_to_ridge_alpha",
    "ridge_alpha_to_prior_std",
]
