r"""The likelihood engine on Dask: the same passes, one row chunk at a time.

A :class:`ChunkedProblem` holds Dask arrays and never brings them into memory
whole.  Each pass builds the in-memory :class:`~.problem.Problem` of every row
chunk (:meth:`Problem.part <probml.likelihood.problem.Problem.part>`) where the
chunk is, runs the in-memory pass on it, and the client sums the chunks'
results in the chunks' order (:func:`~probml._blocks.map_dask_chunks`).  A fit
therefore equals the in-memory fit to rounding, for any chunking.

The first pass checks every chunk with the in-memory checks (support, finite
values) and sums what does not change during the fit: the data-only part of
the log-likelihood, the total weight and, for a model with sufficient
statistics and no covariates, their sums (its Newton steps then need no pass at
all, as in memory).  Newton's method starts where it does in memory: at the
closed-form MLE (its sums are passes over the chunks), or at the caller's
start and, on large data, at the fit to a subsample, here the first rows of a
few evenly spaced chunks (:func:`~probml._blocks.dask_head_rows`).

>>> import numpy as np, dask.array as da
>>> from probml.likelihood import fit_distribution
>>> x = np.random.default_rng(0).gamma(2.0, 3.0, size=1000)
>>> lazy = fit_distribution(da.from_array(x, chunks=300), "gamma")
>>> bool(np.allclose(lazy.params_, fit_distribution(x, "gamma").params_, rtol=1e-10))
True
"""

import numpy as np

from .._blocks import dask_head_rows, map_dask_chunks
from .._validation import dask_array, non_finite_message, sample_array
from .data import check_support
from .problem import CENTRE_ROWS, MAX_TOTAL_WEIGHT, Problem

__all__ = ["ChunkedProblem", "check_chunks"]


def check_chunks(check, *arrays):
    """Run ``check(*blocks)`` (the in-memory checks, raising a ValueError) on every row
    chunk of Dask ``arrays`` in one pass, and raise the first chunk's error, saying
    where that chunk starts."""
    def run(start, *blocks):
        try:
            check(*blocks)
        except ValueError as error:
            return _in_chunk(error, start)
        return None
    message = next((found for found in map_dask_chunks(run, *arrays) if found), None)
    if message:
        raise ValueError(message)


def _in_chunk(error, start):
    """A chunk's error message, saying that its indices count from the chunk's start."""
    if not start:
        return str(error)
    return f"{error} (The index counts from row {start}, where this Dask row chunk starts.)"


class _ChunkLayout:
    """How a row chunk's blocks make its in-memory problem: the model, which columns are
    there, the intercept and the names.  Tasks carry this, not the Dask problem (whose
    graph a cluster's workers need not receive with every task)."""

    def __init__(self, model, n_arrays, present, intercept, feature_names):
        self.model, self.n_arrays, self.present = model, n_arrays, present
        self.intercept, self.feature_names = intercept, feature_names
        self.centres = None         # of the sufficient statistics, the same for every chunk

    def split(self, blocks):
        """A chunk's blocks as (data arrays, X, weights, offset), absent ones None."""
        rest = iter(blocks[self.n_arrays:])
        return (list(blocks[:self.n_arrays]),
                *(next(rest) if there else None for there in self.present))

    def part(self, blocks):
        """The in-memory problem of one row chunk."""
        arrays, X, weights, offset = self.split(blocks)
        return Problem.part(self.model, arrays, X, weights, offset, self.intercept,
                            self.feature_names, centres=self.centres)


class ChunkedProblem(Problem):
    """A :class:`~.problem.Problem` whose data, covariates, weights and offset are Dask
    arrays (or data frames and series, or NumPy arrays given beside them)."""

    def __init__(self, model, data, X, sample_weight, feature_names, offset=None,
                 fit_intercept=True):
        self.model = model
        arrays, n = self._layout(data, X, feature_names, offset, fit_intercept)
        self.weights = None
        if sample_weight is not None:
            self.weights = dask_array(sample_weight, "sample_weight", 1)
            if self.weights.shape[0] != n:
                raise ValueError(f"sample_weight must hold one weight >= 0 per observation "
                                 f"({n}), not all zero.")
        # Every column in the row chunks of X (or of the first data array).
        rows = (self.X if self.X is not None else arrays[0]).chunks[0]
        self.arrays = [values.astype(np.float64).rechunk((rows,)) for values in arrays]
        self.offset, self.weights = (
            None if values is None else values.astype(np.float64).rechunk((rows,))
            for values in (self.offset, self.weights))
        self.n, self.blocks, self.levels = n, None, None
        self.n_scalar = len(model.scalar_parameters)
        self.n_coef = 0 if self.X is None else self.X.shape[1] + self.intercept
        self.sufficient = model.sufficient_form is not None and self.X is None
        self._chunk = _ChunkLayout(model, len(self.arrays), [
            values is not None for values in (self.X, self.weights, self.offset)],
            self.intercept, self.feature_names)
        self._first_pass(None if self.X is None else self.feature_names[int(self.intercept):])

    @staticmethod
    def _vector(values, name):
        return dask_array(values, name, 1)

    @staticmethod
    def _matrix(X):
        names = [str(column) for column in X.columns] if hasattr(X, "columns") else None
        return dask_array(X, "X", 2).astype(np.float64).rechunk({1: -1}), names

    @property
    def _columns(self):
        """The Dask arrays a chunk's problem is built from, in :class:`_ChunkLayout`'s
        order."""
        return [*self.arrays, *(values for values in (self.X, self.weights, self.offset)
                                if values is not None)]

    def _first_pass(self, names):
        """Check every chunk as a fit in memory would, and sum what the fit keeps fixed:
        the total weight, the data-only log-likelihood, the sufficient statistics."""
        sufficient, layout, model, intercept = (self.sufficient, self._chunk, self.model,
                                                self.intercept)
        if sufficient:
            layout.centres = self.sufficient_centres(dask_head_rows(self.arrays,
                                                                    CENTRE_ROWS))

        def check(start, *blocks):
            data, X, weights, offset = layout.split(blocks)
            columns = [*zip(data, map(str, model.data)), (X, "X"),
                       (weights, "sample_weight"), (offset, "offset")]
            found = next((message for values, name in columns if values is not None
                          for message in [non_finite_message(values, name,
                                                             first_row=start)]
                          if message), None)
            if found:                       # named by its index in the whole data
                return found
            try:
                check_support(data[0], model, first_row=start)
            except ValueError as error:
                return str(error)
            try:
                Problem(model, data, X, None, names, offset, intercept)
                if weights is not None:
                    weights = sample_array(weights, "sample_weight")
                    if np.any(weights < 0):
                        raise ValueError(f"sample_weight must hold weights >= 0; "
                                         f"sample_weight[{np.argmax(weights < 0)}] = "
                                         f"{weights[np.argmax(weights < 0)]:g}.")
            except ValueError as error:
                return _in_chunk(error, start)
            part = layout.part(blocks)
            sums = [mean * part.total_weight for mean in part.statistics] \
                if sufficient else None
            return part.total_weight, part.data_loglik, sums

        parts = map_dask_chunks(check, *self._columns)
        for part in parts:
            if isinstance(part, str):
                raise ValueError(part)
        self.total_weight = float(sum(part[0] for part in parts))
        if self.weights is not None and not self.total_weight > 0:
            raise ValueError(f"sample_weight must hold one weight >= 0 per observation "
                             f"({self.n}), not all zero.")
        if self.total_weight > MAX_TOTAL_WEIGHT:
            raise ValueError(f"sample_weight counts observations (frequency weights) and "
                             f"sums to {self.total_weight:.3g}; at most "
                             f"{MAX_TOTAL_WEIGHT:.0e} are supported (the log-likelihood "
                             "must stay finite).")
        self.data_loglik = sum(part[1] for part in parts)
        if sufficient:
            means = [sum(part[2][j] for part in parts) / self.total_weight
                     for j in range(len(parts[0][2]))]
            self.centres = layout.centres
            self.statistics = means
            self.prepared = self.model.compiled(True).prepare(*means, *self.centres)

    # -- passes over the chunks -----------------------------------------------------------

    def map_rows(self, function):
        """``[function(problem, slice(None)) for each row chunk's problem]``, in order."""
        layout = self._chunk
        return map_dask_chunks(lambda start, *blocks: function(layout.part(blocks),
                                                               slice(None)), *self._columns)

    def pass_derivatives(self, theta, hessian=True):
        if self.sufficient:                   # from the sums of the first pass
            return super().pass_derivatives(theta, hessian)
        parts = self.map_rows(lambda part, rows: part.pass_derivatives(theta, hessian))
        loglik = sum(part[0] for part in parts)
        gradient = sum(part[1] for part in parts)
        return loglik, gradient, sum(part[2] for part in parts) if hessian else None

    def score_outer(self, theta):
        return sum(self.map_rows(lambda part, rows: part.score_outer(theta)))

    def scores(self, theta):
        raise ValueError("Per-observation scores of Dask data would fill memory: they are "
                         "summed over the chunks instead (cov_type='sandwich').")

    def subsample(self, rows):
        """About ``rows`` rows of evenly spaced chunks, in memory, as an in-memory problem."""
        return self._chunk.part(dask_head_rows(self._columns, rows))

    def with_model(self, model):
        """The same Dask data under another ``model`` (one more first pass)."""
        names = None if self.X is None else self.feature_names[int(self.intercept):]
        return ChunkedProblem(model, self.arrays, self.X, self.weights, names,
                              offset=self.offset, fit_intercept=self.intercept)
