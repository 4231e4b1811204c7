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

import numpy as np

from .._blocks import map_dask_chunks
from .._validation import dask_array, non_finite_message
from ._least_squares import DataRequired
from ._moments import Moments
from .bayes_linear import BayesianLinearRegression
from .linear import LinearRegression
from .ridge import Ridge

__all__ = ["DataRequired", "STREAMED", "block_statistics", "chunk_statistics", "dask_design",
           "first_non_finite", "fit_chunks", "fit_statistics", "merged_statistics",
           "needs_centred", "refuse_options"]

#: The estimators that can be fitted from merged block statistics.
STREAMED = (LinearRegression, Ridge, BayesianLinearRegression)


def block_statistics(block, fit_intercept=True):
    """The sufficient statistics of a block of rows ``[X | y]`` (float64, y last)."""
    return Moments.from_data(block[:, :-1], block[:, -1], fit_intercept=fit_intercept,
                             keep_centred=False)


def fit_statistics(estimator, statistics, feature_names=None, design=None):
    """Fit ``estimator`` (one of :data:`STREAMED`) from the blocks' statistics, merged in order.

    The blocks' statistics must be centred (``fit_intercept=True`` in
    :func:`block_statistics`) for an estimator with an intercept and for the
    Bayesian model, and uncentred otherwise.  ``design``, the Dask ``(X, y)``
    the statistics came from, serves a ``LinearRegression``'s HC0-HC3 covariance
    (one more pass over them).

    Raises
    ------
    DataRequired
        When the solver needs the rows themselves; fit them with ``fit``.
    """
    if not isinstance(estimator, STREAMED):
        raise DataRequired(f"{type(estimator).__name__} is fitted from the rows")
    merged = reduce(Moments.merge, statistics)
    if design is not None and isinstance(estimator, LinearRegression):
        # Dask rows for a robust covariance (HC0-HC3), read once more.
        return estimator._fit_moments(merged, feature_names, design)
    return estimator._fit_moments(merged, feature_names)


def needs_centred(estimator):
    """Whether :func:`fit_statistics` wants the blocks' statistics centred."""
    return isinstance(estimator, BayesianLinearRegression) or bool(estimator.fit_intercept)


# -- Dask collections: the same statistics, a chunk of rows at a time -----------------------

def fit_chunks(estimator, X, y, **options):
    """Fit ``estimator`` (one of :data:`STREAMED`) on Dask ``X`` and ``y`` without holding
    them in memory: one pass computes each row chunk's statistics with
    :func:`block_statistics` (the code of the in-memory fit), the client merges
    them in the chunks' order, and :func:`fit_statistics` fits from the merge.

    ``X`` is a 2-D Dask array or a Dask data frame (its columns name the
    features), ``y`` a 1-D Dask array or series, or a NumPy array, with as many
    rows; each chunk spans every column.  ``options`` are the fit's other
    arguments, none of which is available with Dask input yet (each is refused
    by name).  A ``LinearRegression``'s HC0-HC3 covariance reads the chunks once
    more; a design whose solve needs the rows themselves (ill-conditioned) is
    refused with a clear error rather than read into memory.
    """
    refuse_options(options)
    X, y, names = dask_design(X, y)
    parts, _ = chunk_statistics(X, y, needs_centred(estimator))
    try:
        fitted = fit_statistics(estimator, parts, names, design=(X, y))
    except DataRequired as reason:
        raise ValueError(f"{type(estimator).__name__} cannot be fitted from the chunks' "
                         f"statistics here ({reason}): its accurate solve needs the rows in "
                         f"memory; fit it on X.compute() and y.compute().") from None
    # Fitted on a (Dask) data frame: results labelled with pandas, as for a pandas fit.
    fitted._fitted_on_pandas = names is not None
    return fitted


def refuse_options(options):
    """A clear error for the first of a fit's ``options`` given with Dask input."""
    given = [name for name, value in options.items() if value is not None]
    if given:
        raise ValueError(f"{given[0]} is not available with Dask input yet: fit without it, "
                         f"or on X.compute() and y.compute() in memory.")


def chunk_statistics(X, y, centred):
    """Each row chunk's statistics of Dask ``X`` and ``y`` (:func:`block_statistics`'s, in
    one pass, in the chunks' order), and the feature names."""
    X, y, names = dask_design(X, y)
    parts = map_dask_chunks(lambda start, X_chunk, y_chunk: _chunk_statistics(
        X_chunk, y_chunk, start, centred), X, y)
    for part in parts:
        if isinstance(part, str):
            raise ValueError(part)
    return parts, names


def merged_statistics(X, y, centred):
    """The statistics of all rows of Dask ``X`` and ``y`` (:func:`chunk_statistics`'s,
    merged in the chunks' order), and the feature names."""
    parts, names = chunk_statistics(X, y, centred)
    return reduce(Moments.merge, parts), names


def dask_design(X, y):
    """``X`` and ``y`` as float64 Dask arrays in the same row chunks (``X``'s, each
    spanning every column), and the feature names."""
    names = [str(column) for column in X.columns] if hasattr(X, "columns") else None
    X, y = dask_array(X, "X", 2), dask_array(y, "y", 1)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"y has {y.shape[0]} values but X has {X.shape[0]} rows.")
    X = X.astype(np.float64).rechunk({1: -1})
    return X, y.astype(np.float64).rechunk((X.chunks[0],)), names


def _chunk_statistics(X, y, start, centred):
    """One chunk's statistics, by the in-memory fit's code, or the message of what is
    wrong with it (a value that is not finite named by its index in the whole data)."""
    try:
        return Moments.from_data(X, y, fit_intercept=centred, keep_centred=False)
    except ValueError as error:
        return (non_finite_message(X, "X", first_row=start)
                or non_finite_message(y, "y", first_row=start)
                or str(error))


def first_non_finite(array, name):
    """The message naming the first value of a Dask ``array`` that is not finite (one pass
    over its chunks), or saying that its values overflow when all are finite."""
    found = map_dask_chunks(
        lambda start, block: non_finite_message(block, name, first_row=start), array)
    return next((message for message in found if message), f"{name} has values so large "
                "that their sums overflow float64; rescale it.")
