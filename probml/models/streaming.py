r"""Fitting the linear-Gaussian models from data read a block of rows at a time.

OLS, Ridge and Bayesian linear regression depend on the data only through the
sufficient statistics of :class:`~probml.models._moments.Moments`.  Each block's
statistics are computed by the same code as a fit on the data in memory
(:func:`block_statistics`), merged in the blocks' order with the pairwise update
(Chan, Golub & LeVeque), and the estimator is fitted from the merged statistics
(:func:`fit_statistics`), so the data never have to be held at once.  Where the
solver needs the rows themselves (an ill-conditioned design, a residual sum of
squares below what the statistics resolve, a robust covariance),
:class:`DataRequired` says so and the caller fits the rows with ``fit``.

>>> import numpy as np
>>> from probml import LinearRegression
>>> rng = np.random.default_rng(0)
>>> data = np.column_stack([rng.normal(size=(100, 2)), rng.normal(size=100)])
>>> blocks = [block_statistics(data[k:k + 30]) for k in range(0, 100, 30)]
>>> streamed = fit_statistics(LinearRegression(), blocks)
>>> whole = LinearRegression().fit(data[:, :2], data[:, 2])
>>> bool(np.allclose(streamed.bse_, whole.bse_, rtol=1e-12))
True
"""

from functools import reduce

from ._least_squares import DataRequired
from ._moments import Moments
from .bayes_linear import BayesianLinearRegression
from .linear import LinearRegression
from .ridge import Ridge

__all__ = ["DataRequired", "STREAMED", "block_statistics", "fit_statistics", "needs_centred"]

#: The estimators that can be fitted from merged block statistics.
STREAMED = (LinearRegression, Ridge, BayesianLinearRegression)


def block_statistics(block, fit_intercept=True):
    """The sufficient statistics of a block of rows ``[X | y]`` (float64, y last)."""
    return Moments.from_data(block[:, :-1], block[:, -1], fit_intercept=fit_intercept,
                             keep_centred=False)


def fit_statistics(estimator, statistics, feature_names=None):
    """Fit ``estimator`` (one of :data:`STREAMED`) from the blocks' statistics, merged in order.

    The blocks' statistics must be centred (``fit_intercept=True`` in
    :func:`block_statistics`) for an estimator with an intercept and for the
    Bayesian model, and uncentred otherwise.

    Raises
    ------
    DataRequired
        When the solver needs the rows themselves; fit them with ``fit``.
    """
    if not isinstance(estimator, STREAMED):
        raise DataRequired(f"{type(estimator).__name__} is fitted from the rows")
    merged = reduce(Moments.merge, statistics)
    return estimator._fit_moments(merged, feature_names)


def needs_centred(estimator):
    """Whether :func:`fit_statistics` wants the blocks' statistics centred."""
    return isinstance(estimator, BayesianLinearRegression) or bool(estimator.fit_intercept)
