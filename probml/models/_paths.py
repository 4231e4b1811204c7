"""What the Ridge and Lasso paths share: the result, the grid of penalties, the statistics."""

from dataclasses import dataclass

import numpy as np

from .._validation import BOOLEAN, check_array_finite
from ._moments import Moments
from .base import Regressor, check_regression_data

__all__ = ["RegularizationPath", "check_penalties", "path_moments"]


@dataclass
class RegularizationPath:
    """Coefficients over a grid of penalties.

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
        Decreasing penalties.
    coef : ndarray of shape (n_alphas, n_features)
    intercept : ndarray of shape (n_alphas,)
    dual_gap : ndarray of shape (n_alphas,) or None
        Lasso only: the duality gap at each alpha.
    """

    alphas: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    dual_gap: np.ndarray = None


def path_moments(X, y, fit_intercept):
    """The validated data and their centred statistics, which a whole path is solved from."""
    fit_intercept = BOOLEAN(fit_intercept, "fit_intercept")
    X, y, names = check_regression_data(Regressor(), X, y)
    return X, y, Moments.from_data(X, y, fit_intercept=fit_intercept, feature_names=names,
                                   keep_centred=False)


# A path of more penalties than this is a mistake (each is a fit).
MAX_PENALTIES = 100_000


def check_penalties(alphas, name="alphas"):
    """A non-empty 1-D sequence of penalties, each finite and > 0, in decreasing order."""
    alphas = check_array_finite(alphas, name)
    if alphas.ndim != 1 or alphas.size == 0 or alphas.size > MAX_PENALTIES:
        raise ValueError(f"{name} must be a 1-D sequence of 1 to {MAX_PENALTIES:,} "
                         f"penalties, got shape {alphas.shape}.")
    if np.any(alphas <= 0):
        raise ValueError(f"every penalty in {name} must be > 0, got {alphas[alphas <= 0][0]!r}.")
    return np.sort(alphas)[::-1]
