r"""Standardising features: :math:`z_{ij} = (x_{ij} - \bar x_j) / s_j`, column by column.

Gradient descent on a least-squares loss takes a number of steps that grows
with the condition number of :math:`X^\top X` (the derivation
``feature-scaling``): features on different scales, or far from zero beside
an intercept, make it large, and standardising them brings it down to that
of their correlation matrix.  :class:`StandardScaler` follows scikit-learn's
API (``fit``, ``partial_fit``, ``transform``, ``inverse_transform``; the
population standard deviation, :math:`s_j^2 = \frac1n\sum_i (x_{ij} - \bar
x_j)^2`; a constant column is centred and left unscaled).
"""

import numpy as np

from .._blocks import row_blocks
from .._validation import (
    BOOLEAN,
    check_finite,
    check_is_fitted,
    check_weights,
    validate_features,
)
from .base import Estimator

__all__ = ["StandardScaler", "standardize"]

# Variances below this have lost digits to gradual underflow.
_SMALLEST_VARIANCE = np.finfo(np.float64).tiny


def _column_moments(X, weights):
    r"""Total weight :math:`W`, means, :math:`M_2 = \sum_i w_i (x_{ij} - \bar x_j)^2`,
    the standard deviations and the largest magnitudes of the columns.

    The corrected two-pass algorithm (Chan, Golub and LeVeque 1983) on each
    column scaled by a power of two to a largest magnitude in [0.5, 1), which
    is exact, so that neither the sums overflow nor the squares underflow;
    a block of rows at a time.
    """
    largest = np.zeros(X.shape[1])
    for _, block in row_blocks(X):
        np.maximum(largest, np.abs(block).max(axis=0, initial=0.0), out=largest)
    # (at most 2^1000, which takes subnormal values to normal ones without overflowing)
    exponent = np.frexp(np.where(largest > 0, largest, 1.0))[1]
    scale = np.ldexp(1.0, np.minimum(-exponent, 1000))
    total = float(len(X)) if weights is None else float(weights.sum())

    def weighted_sum(rows, values):
        return values.sum(axis=0) if weights is None else weights[rows] @ values

    provisional = sum(weighted_sum(rows, block * scale) for rows, block in row_blocks(X))
    provisional = provisional / total
    deviations, squares = np.zeros(X.shape[1]), np.zeros(X.shape[1])
    for rows, block in row_blocks(X):
        deviation = block * scale - provisional
        deviations += weighted_sum(rows, deviation)
        squares += weighted_sum(rows, deviation ** 2)
    mean = provisional + deviations / total
    m2 = np.maximum(squares - deviations ** 2 / total, 0.0)
    spread = np.sqrt(m2 / total) / scale      # representable even where its square is not
    with np.errstate(over="ignore", under="ignore"):    # beyond float64: the caller says so
        return total, mean / scale, m2 / scale / scale, spread, largest


class StandardScaler(Estimator):
    r"""Centre each feature to mean 0 and scale it to standard deviation 1.

    .. math:: z_{ij} = \frac{x_{ij} - \bar x_j}{s_j},\qquad
              \bar x_j = \frac{\sum_i w_i x_{ij}}{\sum_i w_i},\qquad
              s_j^2 = \frac{\sum_i w_i (x_{ij} - \bar x_j)^2}{\sum_i w_i}

    (weights :math:`w_i = 1` by default), as scikit-learn's
    ``StandardScaler``.  The moments are computed by the corrected two-pass
    algorithm, so data far from zero (:math:`10^9 + \text{small values}`)
    keep their digits, and merged exactly across :meth:`partial_fit` calls.

    Parameters
    ----------
    with_mean : bool, default True
        Subtract the means.
    with_std : bool, default True
        Divide by the standard deviations.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
    var_ : ndarray of shape (n_features,)
        The population variances :math:`s_j^2`.
    scale_ : ndarray of shape (n_features,) or None
        :math:`s_j`, or 1 for a column that is constant (to double
        precision); None when ``with_std=False``.
    n_samples_seen_ : float
        The rows (or total weight) seen.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When ``X`` had column names.

    Examples
    --------
    >>> scaler = StandardScaler().fit(np.array([[1.0, 10.0], [3.0, 10.0]]))
    >>> scaler.mean_, scaler.scale_
    (array([ 2., 10.]), array([1., 1.]))
    >>> scaler.transform(np.array([[5.0, 12.0]]))
    array([[3., 2.]])
    """

    _parameter_domains = {"with_mean": BOOLEAN, "with_std": BOOLEAN}

    def __init__(self, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X, y=None, sample_weight=None):
        """Compute the means and standard deviations of the columns of ``X``."""
        for attribute in ("mean_", "var_", "scale_", "n_samples_seen_"):
            self.__dict__.pop(attribute, None)
        return self.partial_fit(X, y, sample_weight)

    def partial_fit(self, X, y=None, sample_weight=None):
        r"""Update the moments with the rows of ``X`` (merged with Chan et al.'s update:
        :math:`M_2 = M_{2,a} + M_{2,b} + \delta^2 W_a W_b / (W_a + W_b)`)."""
        params = self._check_params()
        first = not hasattr(self, "mean_")
        X, names = validate_features(self, X, reset=first)
        check_finite(X, "X", names)
        weights = check_weights(sample_weight, "sample_weight", len(X))
        total, mean, m2, spread, largest = _column_moments(X, weights)
        if not first:
            seen, before = self.n_samples_seen_, self.mean_
            delta = mean - before
            with np.errstate(over="ignore"):
                m2 = self._m2 + m2 + delta ** 2 * (seen * total / (seen + total))
            mean = before + delta * (total / (seen + total))
            total += seen
            largest = np.maximum(largest, self._largest)
            spread = np.sqrt(m2 / total)
        with np.errstate(over="ignore"):
            variance = m2 / total
        # A spread below one unit in the last place of the values is rounding: the column
        # is constant.  Otherwise a variance that overflows, or underflows below the
        # normal doubles, has lost its digits: the units must change.
        with np.errstate(over="ignore"):      # the spacing above the largest double is inf
            constant = spread <= np.spacing(largest)
        lost = ~np.isfinite(variance) | ((variance < _SMALLEST_VARIANCE) & ~constant)
        if np.any(lost):
            column = int(np.flatnonzero(lost)[0])
            size = "large" if not np.isfinite(variance[column]) else "small"
            raise ValueError(f"The variance of X's column {column} is too {size} for float64 "
                             f"(values up to {largest[column]:.3g}); rescale X, e.g. express "
                             f"it in {'larger' if size == 'large' else 'smaller'} units.")
        self.mean_, self.var_, self.n_samples_seen_ = mean, variance, total
        self._m2, self._largest = m2, largest
        self.scale_ = np.where(constant, 1.0, spread) if params["with_std"] else None
        return self

    def transform(self, X):
        """:math:`(x - \\bar x) / s`, column by column (as configured)."""
        check_is_fitted(self, "mean_")
        X, names = validate_features(self, X, reset=False)
        check_finite(X, "X", names)
        params = self._check_params()
        Z = X - self.mean_ if params["with_mean"] else X.copy()
        if params["with_std"]:
            Z /= self.scale_
        return Z

    def inverse_transform(self, X):
        """:math:`x = \\bar x + s z`: the data in their original units."""
        check_is_fitted(self, "mean_")
        X, names = validate_features(self, X, reset=False)
        check_finite(X, "X", names)
        params = self._check_params()
        with np.errstate(over="ignore"):
            out = X * self.scale_ if params["with_std"] else X.copy()
            if params["with_mean"]:
                out += self.mean_
        check_finite(out, "the inverse transform of X")
        return out

    def fit_transform(self, X, y=None, sample_weight=None):
        """``fit(X, y, sample_weight).transform(X)``."""
        return self.fit(X, y, sample_weight).transform(X)

    def get_feature_names_out(self, input_features=None):
        """The input feature names (standardising keeps the columns)."""
        check_is_fitted(self, "mean_")
        if input_features is not None:
            names = [str(name) for name in input_features]
            if len(names) != self.n_features_in_:
                raise ValueError(f"input_features must name the {self.n_features_in_} "
                                 f"features, got {len(names)}.")
        else:
            names = list(getattr(self, "feature_names_in_",
                                 [f"x{j}" for j in range(self.n_features_in_)]))
        return np.array(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        from sklearn.utils import TransformerTags

        tags.transformer_tags = TransformerTags(preserves_dtype=["float64"])
        tags.input_tags.allow_nan = False
        return tags


def standardize(X, sample_weight=None):
    r"""``X`` with each column centred to mean 0 and scaled to standard deviation 1.

    ``StandardScaler().fit_transform(X, sample_weight=sample_weight)``; keep the
    scaler (:class:`StandardScaler`) to apply the same scaling to new data.

    >>> standardize(np.array([[1.0], [2.0], [3.0]])).ravel()
    array([-1.22474487,  0.        ,  1.22474487])
    """
    return StandardScaler().fit_transform(X, sample_weight=sample_weight)
