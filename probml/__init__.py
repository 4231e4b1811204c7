"""probml: statistics-first probabilistic modelling.

Derive a method symbolically, check the derivation numerically, fit it to data
with real statistical output, and draw the figure that teaches it.

Importing probml is light: SciPy's special functions, SymPy and Matplotlib are
imported only by the functions that need them.
"""

from . import calculus, datasets, functions, information, losses, optim
from .exceptions import (
    BoundaryMaximumWarning,
    CollinearityWarning,
    ConvergenceWarning,
    DataConversionWarning,
    DivergenceError,
    FlatLikelihoodWarning,
    NonConvexWarning,
    NotFittedError,
    NumericalAccuracyWarning,
    PerfectSeparationWarning,
    ProbmlWarning,
)
from .models import (
    BayesianLinearRegression,
    Bernoulli,
    BridgeRegression,
    Lasso,
    LinearRegression,
    LogisticRegression,
    Normal,
    Ridge,
    StandardScaler,
    laplace_scale_to_lasso_alpha,
    lasso_alpha_to_laplace_scale,
    lasso_path,
    logistic_C_to_prior_std,
    prior_std_to_logistic_C,
    prior_std_to_ridge_alpha,
    ridge_alpha_to_prior_std,
    ridge_path,
    standardize,
)

__version__ = "0.1.0"

# Submodules with heavier imports load on first use:
# ``probml.hypothesis_testing.two_proportion_z_test``.
_LAZY_SUBMODULES = ("derivations", "figures", "formula", "growth", "hypothesis_testing",
                    "likelihood", "selection")


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    if name == "from_formula":     # ``probml.from_formula(...)``, loaded on first use
        from .formula import from_formula

        return from_formula
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_SUBMODULES) | {"from_formula"})

__all__ = [
    "BayesianLinearRegression",
    "Bernoulli",
    "BoundaryMaximumWarning",
    "BridgeRegression",
    "CollinearityWarning",
    "ConvergenceWarning",
    "DataConversionWarning",
    "DivergenceError",
    "FlatLikelihoodWarning",
    "Lasso",
    "LinearRegression",
    "LogisticRegression",
    "Normal",
    "NonConvexWarning",
    "NotFittedError",
    "NumericalAccuracyWarning",
    "PerfectSeparationWarning",
    "ProbmlWarning",
    "Ridge",
    "StandardScaler",
    "calculus",
    "datasets",
    "formula",
    "from_formula",
    "functions",
    "growth",
    "hypothesis_testing",
    "information",
    "laplace_scale_to_lasso_alpha",
    "lasso_alpha_to_laplace_scale",
    "lasso_path",
    "logistic_C_to_prior_std",
    "losses",
    "optim",
    "prior_std_to_logistic_C",
    "prior_std_to_ridge_alpha",
    "ridge_alpha_to_prior_std",
    "ridge_path",
    "selection",
    "standardize",
]
