r"""A model with its data: the log-likelihood's passes, and Newton's method on them.

The per-observation derivatives are compiled (:mod:`.compiled`); a pass sums
them over the observations.  For a regression (a parameter linked to
covariates) the pass runs over chunks of rows small enough to stay in
cache, and the covariates enter only through BLAS products:

.. math:: \nabla_\beta\ell = \sum_i \frac{\partial\ell_i}{\partial\eta_i} a_i,\qquad
          \nabla^2_\beta\ell = \sum_i \frac{\partial^2\ell_i}{\partial\eta_i^2} a_i a_i^\top,

with :math:`a_i = (1, x_i)` when there is an intercept (which is never
copied into :math:`X`).  Scalar parameters are maximised on a free scale
(:mod:`.parameters`).  On large data Newton's method starts from fits to
evenly spaced blocks of rows, and the subsample's information, scaled to
all rows, stands in for the full one until the last step (chord steps), as
:class:`~probml.LogisticRegression` does: a fit then costs a few passes.
"""

import functools
import math
import warnings

import numpy as np

from .._blocks import (chunk_slices, column_sums_of_squares, map_chunks, weighted_gram,
                       weighted_sum)
from .._validation import (
    Real,
    check_matrix,
    check_squares_representable,
    check_weights,
    did_you_mean,
    near_names,
    sample_array,
)
from ..exceptions import (
    BoundaryMaximumWarning,
    ConvergenceWarning,
    DivergenceError,
    FlatLikelihoodWarning,
    UnboundedLikelihoodError,
    warn,
)
from ..optim.newton import ROUNDING, Evaluation, NewtonResult, maximise, parameter_scale
from .data import check_support, distinct_rows
from .parameters import LARGEST_FREE

__all__ = ["Problem", "check_data_count", "check_total_weight", "fit_problem"]

# The most observations frequency weights may count (beyond, sums of log-densities
# approach the largest double).
MAX_TOTAL_WEIGHT = 1e15
# Terms of the data and scalar parameters alone are evaluated on the distinct values of
# the data when there are at most 1/DISTINCT_SHARE as many as rows.
DISTINCT_SHARE = 4
# Rows (evenly spaced) whose mean centres the centred sufficient statistics.
CENTRE_ROWS = 1024
# Rows per chunk of the pass that sums the sufficient statistics: a chunk's logarithms
# and centred powers stay in cache (1 MiB an array), and no array the size of the data
# is allocated (and its pages faulted in) per statistic.
STATISTICS_ROWS = 1 << 17
# Newton's method stops when its step moves no parameter by more than this share of it;
# that last step is then taken without another pass (see _last_step), which leaves the
# estimate within about its square of the optimum, and the information, computed a
# step of 1e-8 away, accurate to about 1e-8.
STEP_TOLERANCE = 1e-8
# Above four times this many rows a regression starts from fits to subsamples of a
# quarter and then all of this many rows, in evenly spaced blocks of contiguous rows.
SUBSAMPLE_ROWS = 50_000
SUBSAMPLE_BLOCK_ROWS, MIN_SUBSAMPLE_BLOCKS, MAX_SUBSAMPLE_BLOCKS = 2048, 8, 64
# Eigenvalues of the information, scaled to a unit diagonal, at or below this share of the
# largest are flat.
FLAT = 1e-12
# A parameter whose share of a flat direction exceeds this is not identified.
FLAT_SHARE = 1e-3
# The longest Newton step on the free scale of a log- or logit-transformed parameter:
# a factor of e^3 = 20 per iteration.
MAX_FREE_STEP = 3.0
# A last Newton step above this share of a free parameter (or of 1) has not converged...
RUNNING_OFF_STEP = 1e-3
# ...and the parameters carrying more than this share of it are running off.
RUNNING_OFF_SHARE = 1e-3
# The objective counts as still rising when it falls by less than this share of itself.
VALUE_SLACK = 1e-13
# The gradient tolerance of the warm starts: the full-data steps finish the job.
WARM_START_TOL = 1e-4
# A fit not converged after this many Newton steps is checked for a log-likelihood without
# a maximum before it takes the rest of max_iter: a converging fit needs far fewer, and a
# free parameter running off at MAX_FREE_STEP a step is then still far from LARGEST_FREE.
UNBOUNDED_CHECK_ITER = 50
# Along a running-off direction the objective is read at distances 0, 1, 3 and 7 times
# the running parameters' size: the last two gains (over lengths 2 and 4) shrink at
# least geometrically (by half for -1/t, faster for exp(-t)) towards a finite supremum,
# but not when it grows without bound (equal gains for log t, doubling ones for t).
UNBOUNDED_LADDER = (0.0, 1.0, 3.0, 7.0)
# The last gain above this share of the one before counts as not shrinking.
UNBOUNDED_GROWTH = 0.75


def _row_values(values, weights, size):
    """:math:`w_i v_i` for the ``size`` rows of a chunk (``values`` may be a constant)."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 0:
        values = np.full(size, float(values))
    return values if weights is None else values * weights


def check_data_count(model, data):
    """A clear error unless ``data`` holds one array per data symbol of ``model``."""
    if len(data) != len(model.data):
        raise ValueError(f"fit takes one array per data symbol "
                         f"({', '.join(map(str, model.data))}), got {len(data)}.")


def check_total_weight(weights):
    """A clear error where frequency weights count more observations than a
    log-likelihood can sum (``MAX_TOTAL_WEIGHT``)."""
    if weights is not None and weights.sum() > MAX_TOTAL_WEIGHT:
        raise ValueError(f"sample_weight counts observations (frequency weights) and "
                         f"sums to {weights.sum():.3g}; at most {MAX_TOTAL_WEIGHT:.0e} "
                         "are supported (the log-likelihood must stay finite).")


class Problem:
    """A :class:`~probml.likelihood.Model` with its data, ready for Newton's method."""

    def __init__(self, model, data, X, sample_weight, feature_names, offset=None,
                 fit_intercept=True):
        self.model = model
        arrays, n = self._layout(data, X, feature_names, offset, fit_intercept)
        check_support(arrays[0], model)
        self.n, self.arrays, self.blocks = n, arrays, None
        weights = check_weights(sample_weight, "sample_weight", n)
        check_total_weight(weights)
        self.weights = weights
        self.total_weight = float(n) if weights is None else float(weights.sum())
        self._prepare(levels=True)

    @staticmethod
    def _vector(values, name):
        """One value per observation, as the problem holds it (a float64 NumPy array)."""
        return sample_array(values, name)

    @staticmethod
    def _matrix(X):
        """The covariates as the problem holds them, and their column names (or None); an
        error naming a column whose squares overflow (its information cannot be formed)."""
        X, names = check_matrix(X, "X")
        check_squares_representable(column_sums_of_squares(X), X, "X", names, underflow=False)
        return X, names

    def _layout(self, data, X, feature_names, offset, fit_intercept):
        """The data arrays and their number of rows, after checking that the data, ``X``
        and ``offset`` agree in length and with the model; sets ``X``, ``offset``,
        ``intercept`` and ``feature_names`` (with the intercept's)."""
        model = self.model
        check_data_count(model, data)
        arrays = [self._vector(values, str(symbol)) for values, symbol in zip(data, model.data)]
        n = arrays[0].shape[0]
        for values, symbol in zip(arrays, model.data):
            if values.shape[0] != n:
                raise ValueError(f"{symbol} has {values.shape[0]} values but "
                                 f"{model.data[0]} has {n}: one per observation.")
        self.X, self.feature_names, self.intercept = None, None, False
        if model.linked is not None:
            if X is None:
                raise ValueError(f"The model links {model.linked.name} to covariates: pass X.")
            if not isinstance(fit_intercept, (bool, np.bool_)):
                raise ValueError(f"fit_intercept must be True or False, got {fit_intercept!r}.")
            self.X, names = self._matrix(X)
            names = feature_names if feature_names is not None else names
            if self.X.shape[0] != n:
                raise ValueError(f"X has {self.X.shape[0]} rows but there are {n} "
                                 "observations.")
            p = self.X.shape[1]
            names = ([str(name) for name in names] if names is not None
                     else [f"x{j}" for j in range(p)])
            if len(names) != p:
                raise ValueError(f"feature_names must name the {p} columns of X.")
            self.intercept = bool(fit_intercept)
            self.feature_names = ["intercept", *names] if self.intercept else names
        elif X is not None:
            raise ValueError("X was given but the model has no linked parameter: pass "
                             "link={parameter: 'log'} (or another link) to Model.")
        self.offset = None
        if offset is not None:
            if self.X is None:
                raise ValueError("offset needs covariates: it is added to the linear "
                                 "predictor of a linked parameter.")
            self.offset = self._vector(offset, "offset")
            if self.offset.shape[0] != n:
                raise ValueError(f"offset has {self.offset.shape[0]} values but there are "
                                 f"{n} observations.")
        return arrays, n

    @classmethod
    def part(cls, model, arrays, X, weights, offset, fit_intercept, feature_names,
             centres=None):
        """The problem of some rows of data already checked (a row chunk of a Dask
        problem): float64 ``arrays``, ``X`` (or None), ``weights`` and ``offset`` (or
        None) as they are, ``feature_names`` with the intercept's; a model with
        sufficient statistics takes them about ``centres`` (by default its own, see
        :meth:`sufficient_centres`)."""
        problem = object.__new__(cls)
        problem.model, problem.arrays, problem.blocks = model, arrays, None
        problem.n = len(arrays[0])
        problem.weights = weights
        problem.total_weight = float(problem.n if weights is None else weights.sum())
        problem.X, problem.offset = X, offset
        problem.intercept = bool(fit_intercept) and X is not None
        problem.feature_names = feature_names
        problem._prepare(levels=False, centres=centres)
        return problem

    def _prepare(self, levels, centres=None):
        """The compiled model's data stage (and, with ``levels``, the distinct rows).

        With sufficient statistics, the data stage is their means (about
        ``centres``), and the data-only log-likelihood comes from the same pass.
        """
        model, arrays, n = self.model, self.arrays, self.n
        self.sufficient = model.sufficient_form is not None and self.X is None
        compiled = model.compiled(self.sufficient)
        self.levels = None
        if self.sufficient:
            self.centres = self.sufficient_centres() if centres is None else list(centres)
            self.statistics = self.sufficient_means(self.centres)
            with np.errstate(all="ignore"):
                self.data_loglik = self.total_weight * float(
                    model.sufficient_data_logpdf(*self.statistics, *self.centres))
            self.prepared = compiled.prepare(*self.statistics, *self.centres)
        else:
            self.prepared = compiled.prepare(*arrays)
            if compiled.has_levels and levels:
                # Terms of the data and the scalar parameters alone are computed on the
                # distinct data values, once per pass, when there are few of them.
                distinct = distinct_rows(arrays, most=n // DISTINCT_SHARE)
                if distinct is not None:
                    self.levels = (compiled.prepare(*distinct[0]), distinct[1])
        self.n_scalar = len(model.scalar_parameters)
        self.n_coef = 0 if self.X is None else self.X.shape[1] + self.intercept

    def sufficient_means(self, centres):
        """The (weighted) means over the rows of the model's sufficient statistics, taken
        about ``centres``.

        One pass, over chunks of ``STATISTICS_ROWS`` rows on a few threads, so that the
        statistics of a chunk (its logarithms, its centred squares) are summed while in
        cache and no array the size of the data is made.
        """
        function = self.model.sufficient_statistics_function

        def chunk(rows):
            values = function(*(a[rows] for a in self.arrays), *centres)
            weights = None if self.weights is None else self.weights[rows]
            return [weighted_sum(v, weights, rows.stop - rows.start) for v in values]

        with np.errstate(all="ignore"):
            parts = map_chunks(chunk, chunk_slices(self.n, rows=STATISTICS_ROWS))
        return [sum(sums) / self.total_weight for sums in zip(*parts)]

    def sufficient_centres(self, arrays=None):
        """The centres of the sufficient statistics (:attr:`Model.sufficient_form`): the
        mean of each centred expression over ``arrays``, by default ``CENTRE_ROWS``
        evenly spaced rows (any centre inside the data keeps the centred statistics
        accurate, and the statistics' own means correct it exactly)."""
        if not self.model.sufficient_form.centres:
            return []
        if arrays is None:
            step = max(1, self.n // CENTRE_ROWS)
            arrays = [values[::step] for values in self.arrays]
        with np.errstate(all="ignore"):
            return [float(np.mean(g)) for g in self.model.centred_expressions_function(*arrays)]

    def with_model(self, model):
        """The same data, weights, covariates and offset under another ``model`` of the same
        data symbols and parameters (the plain model of a Fisher-scoring fit, say)."""
        names = None if self.X is None else self.feature_names[int(self.intercept):]
        return Problem(model, self.arrays, self.X, self.weights, names, offset=self.offset,
                       fit_intercept=self.intercept)

    def subsample(self, rows):
        """The same problem on about ``rows`` of its rows, in evenly spaced blocks of
        contiguous rows (a warm start's subsample; no copy)."""
        n_blocks = min(max(rows // SUBSAMPLE_BLOCK_ROWS, MIN_SUBSAMPLE_BLOCKS),
                       MAX_SUBSAMPLE_BLOCKS)
        spacing, size = self.n // n_blocks, rows // n_blocks
        return self.restricted([slice(k * spacing, k * spacing + size)
                                for k in range(n_blocks)])

    def restricted(self, blocks):
        """The same problem on the rows of ``blocks`` only (a subsample, no copy)."""
        sub = object.__new__(Problem)
        sub.__dict__.update({k: v for k, v in self.__dict__.items() if k != "data_loglik"})
        sub.blocks = blocks
        weights = self.weights
        sub.total_weight = float(sum((b.stop - b.start) if weights is None
                                     else weights[b].sum() for b in blocks))
        return sub

    @property
    def names(self):
        names = [p.name for p in self.model.scalar_parameters]
        return names + (list(self.feature_names) if self.X is not None else [])

    # -- the parameters --------------------------------------------------------------

    def to_user(self, phi):
        """The parameters on the user's scale, with the first and second derivatives of g."""
        theta = np.array(phi, dtype=float)
        d1, d2 = np.ones(theta.shape), np.zeros(theta.shape)
        for j, parameter in enumerate(self.model.scalar_parameters):
            theta[j], d1[j], d2[j] = parameter.from_free(float(phi[j]))
        return theta, d1, d2

    def to_free(self, theta):
        phi = np.array(theta, dtype=float)
        for j, parameter in enumerate(self.model.scalar_parameters):
            phi[j] = parameter.to_free(float(theta[j]))
        return phi

    def free_start(self, start):
        """The start on the free scale: the caller's, the closed form, or inside the domain
        (the coefficients too: :meth:`~.model.Model.coefficient_start`)."""
        model, k = self.model, self.n_scalar
        theta = np.zeros(k + self.n_coef)
        if start is None:
            closed = model.closed_form() if self.weights is None else None
            values = closed(*self.arrays) if closed is not None else None
            for j, parameter in enumerate(model.scalar_parameters):
                value = values[j] if values is not None else None
                theta[j] = (value if value is not None and parameter.contains(value)
                            else parameter.default_start())
            if self.n_coef:
                theta[k:] = model.coefficient_start(self.n_coef, self.intercept)
            return self.to_free(theta)
        names = self.names
        if isinstance(start, dict):
            given = {str(key): value for key, value in start.items()}
            unknown = set(given) - set(names)
            if unknown:
                raise ValueError(f"start names unknown parameters {sorted(unknown)}; the "
                                 f"parameters are {names}." + "".join(
                                     did_you_mean(name, names) for name in sorted(unknown)))
            values = [given.get(name) for name in names]
        else:
            values = list(np.ravel(np.asarray(start, dtype=object)))
            if len(values) != len(names):
                raise ValueError(f"start must give {len(names)} values ({names}), "
                                 f"got {len(values)}.")
        for j, value in enumerate(values):
            if value is None:
                theta[j] = (model.scalar_parameters[j].default_start() if j < k else 0.0)
                continue
            theta[j] = Real()(value, f"start[{names[j]!r}]")
            if j < k and not model.scalar_parameters[j].contains(theta[j]):
                raise ValueError(f"start[{names[j]!r}] = {theta[j]} is outside the domain "
                                 f"{model.scalar_parameters[j].describe()}.")
        return self.to_free(theta)

    # -- passes over the data ----------------------------------------------------------

    def chunks(self):
        """Row slices covering the problem's rows, ``PASS_ROWS`` at a time."""
        return chunk_slices(self.n, self.blocks)

    def map_rows(self, function):
        """``[function(problem, rows) for each chunk of rows]``, in order: this problem
        and row slices of it, on a few threads (a Dask problem passes each row chunk's
        own problem and ``slice(None)``)."""
        return map_chunks(lambda rows: function(self, rows), self.chunks())

    def linear_predictor(self, theta, rows=slice(None)):
        r""":math:`\eta = b + X\beta + \text{offset}` on ``rows``."""
        coef = theta[self.n_scalar + self.intercept:]
        eta = np.dot(self.X[rows], coef)
        if self.intercept:
            eta += theta[self.n_scalar]
        if self.offset is not None:
            eta += self.offset[rows]
        return eta

    def _rows(self, rows):
        return [a[rows] if np.ndim(a) else a for a in self.prepared]

    def _mean(self, values):
        return weighted_sum(values, self.weights, self.n) / self.total_weight

    @functools.cached_property
    def data_loglik(self):
        """The data-only part of the log-likelihood (its :math:`\\log x!`), summed once."""
        def chunk(rows):
            values = self.model.data_only_logpdf(*[a[rows] for a in self.arrays])
            weights = None if self.weights is None else self.weights[rows]
            return weighted_sum(values, weights, rows.stop - rows.start)

        with np.errstate(all="ignore"):
            return sum(map_chunks(chunk, self.chunks()))

    def user_derivatives(self, theta, hessian=True):
        """Log-likelihood, gradient and Hessian on the user's scale at ``theta``."""
        loglik, gradient, H = self.pass_derivatives(theta, hessian)
        return self.data_loglik + loglik, gradient, H

    def pass_derivatives(self, theta, hessian=True):
        """:meth:`user_derivatives` without the data-only part of the log-likelihood."""
        k, order = self.n_scalar, 2 if hessian else 1
        compiled = self.model.compiled(self.sufficient)
        if self.X is None:
            values = compiled.evaluate(self.prepared, *theta[:k], order=order)
            return self.assemble(values, None, self.weights, self.n, hessian,
                                 averages=self.sufficient)
        levels = None
        if self.levels is not None:
            prepared, index = self.levels
            levels = compiled.levels(prepared, *theta[:k], order=order)

        def chunk(rows):
            eta = self.linear_predictor(theta, rows)
            gathered = None if levels is None else [
                value[index[rows]] if np.ndim(value) else value for value in levels]
            values = compiled.evaluate(self._rows(rows), *theta[:k], eta, order=order,
                                       levels=gathered)
            weights = None if self.weights is None else self.weights[rows]
            return self.assemble(values, self.X[rows], weights, rows.stop - rows.start,
                                 hessian)

        loglik, gradient = 0.0, np.zeros(len(theta))
        H = np.zeros((len(theta), len(theta))) if hessian else None
        for part in map_chunks(chunk, self.chunks()):
            loglik += part[0]
            gradient += part[1]
            if hessian:
                H += part[2]
        return loglik, gradient, H

    def assemble(self, values, X, weights, size, hessian, averages=False):
        """(value, gradient, Hessian) of one chunk from the compiled outputs.

        ``values`` are the log-density (without its data-only part), its
        derivatives in the model's variables and their upper triangle of
        second derivatives; ``averages`` marks per-observation averages
        (the sufficient-statistics path), which count ``size`` times.
        """
        k, variables = self.n_scalar, len(self.model.variables)

        def total(v):
            if averages:
                return float(v) * self.total_weight
            return weighted_sum(v, weights, size)

        value = total(values[0])
        parts = values[1:1 + variables]
        gradient = [total(g) for g in parts[:k]]
        if X is not None:
            gradient += list(self.design_products(parts[k], X, weights, size))
        gradient = np.array(gradient)
        if not hessian:
            return value, gradient, None
        second = iter(values[1 + variables:])
        H = np.zeros((len(gradient), len(gradient)))
        for a in range(variables):
            for b in range(a, variables):
                entry = next(second)
                if a < k and b < k:
                    H[a, b] = H[b, a] = total(entry)
                elif a < k:
                    H[a, k:] = H[k:, a] = self.design_products(entry, X, weights, size)
                else:
                    H[k:, k:] = self.weighted_gram(entry, X, weights, size)
        return value, gradient, H

    def design_products(self, values, X, weights, size):
        """:math:`\\sum_i w_i v_i a_i` with :math:`a_i = (1, x_i)` or :math:`x_i`."""
        v = _row_values(values, weights, size)
        product = np.dot(v, X)      # np.dot releases the GIL (see probml._blocks)
        if not self.intercept:
            return product
        out = np.empty(len(product) + 1)
        out[0], out[1:] = v.sum(), product
        return out

    def weighted_gram(self, values, X, weights, size):
        r""":math:`\sum_i w_i v_i a_i a_i^\top` over a chunk (:func:`weighted_gram`)."""
        v = _row_values(values, weights, size)
        return weighted_gram(X, v, self.intercept)

    def scores(self, theta):
        """Per-observation scores on the user's scale, shape (n, k), for the sandwich."""
        k = self.n_scalar
        parts = self._score_parts(theta)
        columns = parts[:k]
        if self.X is not None:
            if self.intercept:
                columns.append(parts[k])
            columns += list((self.X * parts[k][:, None]).T)
        return np.column_stack(columns) if columns else np.zeros((self.n, 0))

    def score_outer(self, theta):
        r""":math:`\sum_i w_i s_i s_i^\top`, the per-observation scores' weighted outer
        products on the user's scale (the sandwich's meat)."""
        scores = self.scores(theta)
        weighted = scores if self.weights is None else scores * self.weights[:, None]
        return weighted.T @ scores

    def linear_predictor_scores(self, theta, rows=slice(None)):
        r""":math:`\partial\ell_i/\partial\eta_i` for each observation of ``rows`` (without
        weights): the score of a coefficient is this times its covariate."""
        return self._score_parts(theta, rows)[self.n_scalar]

    def _score_parts(self, theta, rows=slice(None)):
        """Each model variable's per-observation first derivative on ``rows``."""
        k = self.n_scalar
        compiled = self.model.compiled()
        arrays = [values[rows] for values in self.arrays]
        prepared = compiled.prepare(*arrays)
        arguments = list(theta[:k]) + ([self.linear_predictor(theta, rows)]
                                        if self.X is not None else [])
        values = compiled.evaluate(prepared, *arguments, order=1)
        return [np.broadcast_to(np.asarray(g, dtype=float), arrays[0].shape)
                for g in values[1:1 + len(self.model.variables)]]

    # -- the objective -----------------------------------------------------------------

    def log_prior(self, theta):
        """Sum of the log priors, with gradient and Hessian (diagonal) on the user's scale."""
        size = len(theta)
        value, gradient, hessian = 0.0, np.zeros(size), np.zeros((size, size))
        for j, parameter in enumerate(self.model.scalar_parameters):
            prior = self.model.priors.get(parameter.symbol)
            if prior is not None:
                v, g, h = prior(theta[j])
                value, gradient[j], hessian[j, j] = value + v, g, h
        return value, gradient, hessian

    def _limit_step(self, information, gradient):
        r"""The information scaled up so that Newton's step moves no log- or
        logit-transformed parameter by more than ``MAX_FREE_STEP``.

        Far from the maximum a step on the free scale can be huge (a shape
        multiplied by :math:`e^{40}`), and out there a log-likelihood built from
        differences of :math:`\log\Gamma` has lost every digit, so its rounding
        can look like progress.  Scaling the information shortens the step
        without turning it (a trust region); near the maximum no step is that
        long and nothing changes.
        """
        transformed = [j for j, p in enumerate(self.model.scalar_parameters)
                       if p.transform != "identity"]
        if not transformed:
            return information
        try:
            step = np.linalg.solve(information, gradient)
        except np.linalg.LinAlgError:
            return information
        longest = float(np.max(np.abs(step[transformed])))
        if longest > MAX_FREE_STEP:
            return information * (longest / MAX_FREE_STEP)
        return information

    def objective(self, with_prior):
        """``evaluate(phi, hessian)`` for Newton's method, on the free scale.

        ``extra`` of each evaluation is the user-scale (log-likelihood,
        gradient, Hessian), so that the fit's inference needs no further pass.
        """
        def evaluate(phi, hessian):
            theta, d1, d2 = self.to_user(phi)
            with np.errstate(all="ignore"):
                loglik, gradient, H = self.user_derivatives(theta, hessian)
            user = (loglik, gradient, H)
            value = loglik
            if with_prior:
                prior_value, prior_gradient, prior_hessian = self.log_prior(theta)
                value, gradient = value + prior_value, gradient + prior_gradient
                if H is not None:
                    H = H + prior_hessian
            if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
                return Evaluation(-math.inf, np.zeros_like(phi), None if H is None else
                                  np.eye(len(phi)), extra=None)
            information = None
            if H is not None:
                free_hessian = H * np.outer(d1, d1) + np.diag(gradient * d2)
                information = self._limit_step(_positive_definite(-free_hessian),
                                               gradient * d1)
            return Evaluation(value, gradient * d1, information, extra=user)

        def value(phi):
            """The objective alone (finite where the log-density is, whatever its slope)."""
            theta = self.to_user(phi)[0]
            with np.errstate(all="ignore"):
                total = self.user_derivatives(theta, hessian=False)[0]
            return total + (self.log_prior(theta)[0] if with_prior else 0.0)
        evaluate.value = value
        return evaluate


def fit_problem(problem, phi, *, with_prior, max_iter, tol):
    """Newton's method on ``problem`` from ``phi``; warm-started on large regressions.

    A fit still running after ``UNBOUNDED_CHECK_ITER`` steps is checked for a
    log-likelihood without a maximum (:func:`_refuse_unbounded`) before it
    takes the rest of ``max_iter``, and every fit is checked where it stops, which may be
    at a step that no longer shrinks (``noise_step=np.inf``): rounding, or a supremum at
    the edge, told apart by that check.
    A problem whose passes cost nothing per observation (its sufficient
    statistics summed) and that starts at its maximum is confirmed there in
    one evaluation (:func:`_confirmed_start`).  The result carries the
    information at the estimate (``information``, :math:`-\\nabla^2` of the
    objective) and which parameters' standard errors are undefined
    (``undefined``: running off, or along a flat direction, which is warned
    of here, with the fit).
    """
    objective = problem.objective(with_prior)
    if problem.sufficient:
        confirmed = _confirmed_start(problem, phi, with_prior, tol)
        if confirmed is not None:
            return objective, confirmed
    state, chord = None, False
    if problem.X is not None and problem.n >= 4 * SUBSAMPLE_ROWS and problem.blocks is None:
        phi, preconditioner = _warm_start(problem, phi, with_prior, max_iter)
        if preconditioner is not None:
            state = objective(phi, False)
            if np.isfinite(state.value):
                state.information, chord = preconditioner, True
            else:
                state = None
    first = min(max_iter, UNBOUNDED_CHECK_ITER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = maximise(objective, phi, tol=tol, n=problem.total_weight, max_iter=first,
                          step_tolerance=STEP_TOLERANCE, state=state, chord=chord,
                          stale=chord, noise_step=np.inf)
        if not result.converged and result.n_iter >= first and first < max_iter:
            _check_finite(result)
            _refuse_unbounded(problem, objective, result, with_prior)
            done = result.n_iter
            result = maximise(objective, result.theta, tol=tol, n=problem.total_weight,
                              max_iter=max_iter - first, step_tolerance=STEP_TOLERANCE,
                              state=result.evaluation, chord=chord, noise_step=np.inf)
            result.n_iter += done
    _check_finite(result)
    result.running_off = (_refuse_unbounded(problem, objective, result, with_prior)
                          | _on_boundary(problem, result.theta))
    if result.converged and not np.any(result.running_off):
        result.theta = _last_step(result)
    names = problem.names
    boundary = [names[j] for j in np.flatnonzero(result.running_off)]
    if boundary:
        warn(
            f"The likelihood keeps rising towards the edge of the parameter space along "
            f"{', '.join(boundary)} (towards a boundary of a domain, or to infinity as with "
            "separated classes), where it approaches a finite supremum: there is no interior "
            "maximum, so the estimate is where Newton's method stopped and its standard "
            "errors are undefined (NaN).",
            BoundaryMaximumWarning)
    elif not result.converged:
        warn(f"Newton's method stopped after {result.n_iter} iterations without "
             "converging; raise max_iter or pass a better start.",
             ConvergenceWarning)
    # The last pass was at the estimate, with its Hessian (the prior's at the estimate).
    hessian = result.evaluation.extra[2]
    if with_prior:
        hessian = hessian + problem.log_prior(problem.to_user(result.theta)[0])[2]
    result.information = -hessian
    result.undefined = _undefined(problem, result.running_off, result.information)
    return objective, result


def scaled_eigen(information):
    r"""The information in the units of its own diagonal,
    :math:`S^{-1}\mathcal J S^{-1} = V\Lambda V^\top` with
    :math:`S = \sqrt{|\mathrm{diag}\,\mathcal J|}` (1 where that is 0): returns
    :math:`\Lambda`, :math:`V` and the diagonal of :math:`S`.  Flat directions are
    judged there, whatever the parameters' units."""
    scale = np.sqrt(np.abs(information.diagonal()))
    scale[scale == 0] = 1.0
    values, vectors = np.linalg.eigh(information / np.outer(scale, scale))
    return values, vectors, scale


def flat_directions(information):
    """:func:`scaled_eigen`'s eigenvalues, vectors and scale, the flat directions among
    them (eigenvalues within ``FLAT`` of the largest) and the parameters those involve
    (a share above ``FLAT_SHARE`` of one): ``(values, vectors, scale, flat, involved)``."""
    values, vectors, scale = scaled_eigen(information)
    flat = values <= FLAT * max(np.abs(values).max(initial=0.0), 1e-300)
    involved = np.any(np.abs(vectors[:, flat]) > FLAT_SHARE, axis=1)
    return values, vectors, scale, flat, involved


def _undefined(problem, running_off, information):
    """Parameters whose standard errors are undefined: running off, or along a flat
    direction of the log-likelihood (warned of)."""
    undefined = np.array(running_off, dtype=bool)
    if undefined.any():
        return undefined
    if not np.isfinite(information).all():
        undefined[:] = True
        return undefined
    _, _, _, flat, involved = flat_directions(information)
    if flat.any():
        undefined |= involved
        names = [name for name, bad in zip(problem.names, involved) if bad]
        warn(
            f"The log-likelihood is flat along a direction of {', '.join(names)} at the "
            "fit: the information matrix is singular, so these parameters are not "
            "identified (they cancel, only a combination of them matters, or their "
            "maximum is at infinity, as with separated classes); their standard errors "
            "are NaN.", FlatLikelihoodWarning)
    return undefined


def _confirmed_start(problem, phi, with_prior, tol):
    r"""The fit at ``phi`` where Newton's method would stop at once, else None.

    One evaluation at ``phi`` (an O(1) pass from sufficient statistics) and
    one factorisation of the information :math:`\mathcal J` (the user's
    scale, :func:`scaled_eigen`) make the tests of
    :func:`~probml.optim.newton.maximise`'s first iteration and of
    :func:`fit_problem`'s end: :math:`\mathcal J` positive definite and flat
    in no direction (a maximum whose standard errors are all defined), the
    Newton step negligible (below ``STEP_TOLERANCE`` of each parameter on the
    free scale) and the gradient below ``tol`` per observation, or the step
    below the rounding of the parameters.  The step on the free scale is
    :math:`\mathcal J^{-1}\nabla_\theta\ell / g'(\phi)` (the term
    :math:`\nabla_\theta\ell\, g''(\phi)` of the free Hessian, of the order
    of the gradient, changes it by its own square), and the result is the
    engine's at such a start: :math:`\phi + \delta` (:func:`_last_step`), no
    parameter running off (a negligible step runs nowhere).  The engine's
    safeguards for a start far from the maximum (its step limit, line search
    and tests of a likelihood rising to the edge) would change nothing and are
    not run.  A start on the edge of a domain, or one these tests do not
    confirm, returns None: the engine then fits from ``phi`` (and warns).
    """
    theta, d1, _ = problem.to_user(phi)
    if np.any(_on_boundary(problem, phi, theta)):
        return None
    with np.errstate(all="ignore"):
        user = value, gradient, H = problem.user_derivatives(theta)
        if with_prior:
            prior = problem.log_prior(theta)
            value, gradient, H = value + prior[0], gradient + prior[1], H + prior[2]
        information = -H
        if not (math.isfinite(value) and np.isfinite(information).all()
                and np.isfinite(gradient).all()):
            return None
        values, vectors, scale = scaled_eigen(information)
        if not values[0] > FLAT * values[-1]:        # ascending: flat, or no maximum
            return None
        step = vectors @ ((vectors.T @ (gradient / scale)) / values) / (scale * d1)
    free_gradient, size, limit = gradient * d1, np.abs(step), parameter_scale(phi)
    if not ((size <= STEP_TOLERANCE * limit).all() and (
            np.abs(free_gradient).max() <= tol * problem.total_weight
            or (size <= ROUNDING * limit).all())):
        return None
    result = NewtonResult(phi + step, Evaluation(value, free_gradient, None, extra=user),
                          0, True)
    result.running_off = result.undefined = np.zeros(len(phi), dtype=bool)
    result.information = information
    return result


def _check_finite(result):
    """A clear error where Newton's method left the region the log-likelihood is finite in."""
    if not np.all(np.isfinite(result.theta)) or not np.isfinite(result.evaluation.value):
        raise DivergenceError("The fit left the domain of the parameters: the "
                              "log-likelihood is not finite there. Pass a start closer "
                              "to the data (or choose a link whose mean stays in the "
                              "family's domain).")


def _last_step(result):
    r"""The estimate after the final Newton step, taken without another pass.

    Newton's method stops when its step :math:`\delta = \mathcal I^{-1}g` is
    below ``STEP_TOLERANCE`` of each parameter; adding that step (from the
    gradient and information of the last pass, at hand) squares the error
    (quadratic convergence) at no cost, where another Hessian pass over the
    data would cost as much as the whole chord phase of a large fit.
    """
    state = result.evaluation
    if state.information is None:
        return result.theta
    try:
        step = np.linalg.solve(state.information, state.gradient)
    except np.linalg.LinAlgError:
        return result.theta
    scale = parameter_scale(result.theta)
    if not np.all(np.abs(step) <= STEP_TOLERANCE * scale):
        return result.theta
    return result.theta + step


def _running_off(problem, objective, result):
    r"""Which free parameters Newton's method is still pushing towards infinity, and the
    Newton step that pushes them.

    At an interior maximum the last Newton step :math:`\delta = \mathcal
    I^{-1} g` is negligible.  When the supremum is at the edge (all-zero
    Bernoulli data, separated classes) the step on the free scale stays of
    order one however far the iteration has gone, and the objective still
    rises a long way along it: at :math:`\phi + 8\delta` and again at
    :math:`\phi + 64\delta` (unless a parameter has rounded to its bound by
    then: a probability of 1).  The parameters that carry that step are
    returned (a boolean mask), with the step.
    """
    phi, state = result.theta, result.evaluation
    mask = np.zeros(len(phi), dtype=bool)
    if state.information is None or not np.all(np.isfinite(state.gradient)):
        return mask, None
    with np.errstate(all="ignore"):
        try:
            step = np.linalg.solve(state.information, state.gradient)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(state.information, state.gradient, rcond=None)[0]
    size = np.abs(step)
    if not np.any(size > RUNNING_OFF_STEP * np.maximum(np.abs(phi), 1.0)):
        return mask, step
    value = state.value
    for factor in (8.0, 64.0):
        if factor > 8.0 and np.any(_on_boundary(problem, phi + factor * step)):
            break       # a parameter rounds to its bound there: the rise so far tells
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            further = objective.value(phi + factor * step)
        if not (np.isfinite(further) and further >= value - VALUE_SLACK * abs(value)):
            return mask, step
        value = further
    return size > RUNNING_OFF_SHARE * np.max(size), step


def _on_boundary(problem, phi, theta=None):
    """Which scalar parameters have reached a bound of their open domain in double
    precision (a probability of exactly 1 once its logit passes 37): the supremum is on
    the boundary, though Newton's method, finding the objective flat there, stopped.
    ``theta`` is ``phi`` on the user's scale, where the caller has it."""
    mask = np.zeros(len(phi), dtype=bool)
    theta = problem.to_user(phi)[0] if theta is None else theta
    for j, parameter in enumerate(problem.model.scalar_parameters):
        mask[j] = not parameter.contains(theta[j])
    return mask


def _refuse_unbounded(problem, objective, result, with_prior):
    """The parameters running off towards the edge (:func:`_running_off`); an
    :class:`~probml.exceptions.UnboundedLikelihoodError` naming the direction where the
    objective grows without bound (:func:`_grows_without_bound`).

    Two directions are followed: the running-off part of Newton's step, and,
    for a fit that has not converged, the gradient.  Newton's step can be
    all along a flat direction (a mean that no longer matters once a scale
    has run off to infinity) while the gradient points where the objective
    still rises.
    """
    running_off, step = _running_off(problem, objective, result)
    directions = [np.where(running_off, step, 0.0)] if np.any(running_off) else []
    if not result.converged:
        directions.append(result.evaluation.gradient)
    for direction in directions:
        largest = np.max(np.abs(direction))
        if not (np.isfinite(largest) and largest > 0):
            continue
        direction = direction / largest
        direction[np.abs(direction) <= RUNNING_OFF_SHARE] = 0.0
        if _grows_without_bound(problem, objective, result, direction):
            raise UnboundedLikelihoodError(
                _unbounded_message(problem, result.theta, direction, with_prior),
                {problem.names[j]: float(direction[j]) for j in np.flatnonzero(direction)})
    return running_off


def _grows_without_bound(problem, objective, result, direction):
    r"""Whether the objective rises without bound along ``direction`` from the fit.

    It is read at :math:`\phi + r\,t\,u` for :math:`t` in
    ``UNBOUNDED_LADDER`` (0, 1, 3, 7), with :math:`r` the size of the running
    parameters (at least 1): lengths that double, so the gains over them
    shrink geometrically when the objective approaches a finite supremum
    (:math:`\lambda \to 0` in :math:`-n\lambda`, separated classes), and
    do not when it grows like :math:`\log t` or faster (a Poisson rate
    :math:`\lambda \to \infty` that no :math:`-\lambda` holds back).  A
    log- or logit-transformed parameter is followed no further than
    ``LARGEST_FREE``, where its value stops changing.
    """
    phi = result.theta
    moving = direction != 0
    reach = max(1.0, float(np.max(np.abs(phi[moving]))))
    for j, parameter in enumerate(problem.model.scalar_parameters):
        if moving[j] and parameter.transform != "identity":
            room = (LARGEST_FREE - abs(phi[j])) / (UNBOUNDED_LADDER[-1] * abs(direction[j]))
            reach = min(reach, room)
    if not reach > 0:
        return False
    values = [result.evaluation.value]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for t in UNBOUNDED_LADDER[1:]:
            value = objective.value(phi + reach * t * direction)
            if value == math.inf:
                return True
            if not np.isfinite(value):
                return False
            values.append(value)
    values = np.array(values)
    gains = np.diff(values)
    rising = gains > VALUE_SLACK * np.maximum(np.abs(values[:-1]), np.abs(values[1:]))
    return bool(rising[-2] and rising[-1] and gains[-1] >= UNBOUNDED_GROWTH * gains[-2])


def _unbounded_message(problem, phi, direction, with_prior):
    """Where the objective grows without bound, in the user's parameter names."""
    names, k = problem.names, problem.n_scalar
    parts, hints = [], []
    for j in np.flatnonzero(direction):
        if j < k:
            parameter = problem.model.scalar_parameters[j]
            rising = parameter.from_free(float(phi[j]))[1] * direction[j] > 0
            bound = parameter.high if rising else parameter.low
            near = near_names(parameter.name, [p.name for p in problem.model.parameters])
            if near:
                hints.append(f" {parameter.name} is one or two edits from "
                             f"{' and '.join(near)}: is one a misspelling of the other?")
        else:
            bound = math.inf if direction[j] > 0 else -math.inf
        shown = "∞" if bound == math.inf else "-∞" if bound == -math.inf else f"{bound:g}"
        parts.append(f"{names[j]} → {shown}")
    coefficients = [j for j in np.flatnonzero(direction) if j >= k]
    along = ""
    if len(coefficients) > 1:
        along = (" (the coefficients along " + " ".join(
            f"{direction[j]:+.3g}·{names[j]}" for j in coefficients) + ")")
    data = ", ".join(map(str, problem.model.data))
    objective = "log posterior" if with_prior else "log-likelihood"
    return (f"The {objective} grows without bound as {', '.join(parts)}{along}: it has no "
            f"maximum on these data ({data}), so there is no estimate to report. The model "
            "is not a density in these parameters (a misspelt parameter that made a second "
            "one, a term with the wrong sign, a linear predictor the density does not "
            "bound), or the data leave it unbounded (no spread from which to estimate a "
            "scale)." + "".join(dict.fromkeys(hints)))


def _warm_start(problem, phi, with_prior, max_iter):
    """Fits to evenly spaced blocks of a quarter, then all, of ``SUBSAMPLE_ROWS`` rows.

    Returns the start and the subsample's information scaled to all rows
    (None where the subsample fit failed: the full fit then starts cold).
    """
    information, sub = None, None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for rows in (SUBSAMPLE_ROWS // 4, SUBSAMPLE_ROWS):
            sub = problem.subsample(rows)
            warm = maximise(sub.objective(with_prior), phi, tol=WARM_START_TOL,
                            n=sub.total_weight, max_iter=max_iter, step_tolerance=np.inf)
            if not (np.all(np.isfinite(warm.theta)) and np.isfinite(warm.evaluation.value)):
                return phi, None
            phi, information = warm.theta, warm.evaluation.information
    if information is None or not np.all(np.isfinite(information)):
        return phi, None
    return phi, information * (problem.total_weight / sub.total_weight)


def _positive_definite(matrix):
    """The information with its eigenvalues made positive: Newton's step then ascends.

    Near the maximum of a concave log-likelihood the matrix is already
    positive definite and is returned unchanged; far from it (a poor start
    for a Weibull shape) a negative eigenvalue is reflected (``|lambda|``),
    as in modified Newton methods, so the step still climbs.
    """
    if not np.all(np.isfinite(matrix)):
        return np.eye(len(matrix))
    try:
        np.linalg.cholesky(matrix)
        return matrix
    except np.linalg.LinAlgError:
        pass
    values, vectors = np.linalg.eigh(0.5 * (matrix + matrix.T))
    floor = max(np.max(np.abs(values), initial=0.0) * 1e-8, 1e-300)
    return (vectors * np.maximum(np.abs(values), floor)) @ vectors.T
