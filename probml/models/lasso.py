r"""Lasso and bridge (Lp-penalised) regression: MAP estimates under sparsity priors.

With Gaussian noise of variance :math:`\sigma^2` and independent priors on
the weights, the MAP estimate minimises a penalised least-squares objective:

=========================  ==========================================  ==================
prior on each weight       objective (scikit-learn's scaling)          estimator
=========================  ==========================================  ==================
Laplace, scale :math:`b`   :math:`\frac1{2n}\lVert r\rVert^2 + \alpha\lVert w\rVert_1`   :class:`Lasso`
generalised Gaussian       :math:`\frac1{2n}\lVert r\rVert^2 + \alpha\sum_j |w_j|^p`     :class:`BridgeRegression`
=========================  ==========================================  ==================

with :math:`r = y - Xw - b\mathbf 1` and :math:`\alpha = \sigma^2/(n b)` for the
Laplace prior.  For :math:`p \ge 1` the objective is convex; for
:math:`p < 1` (the "pinched diamond" constraint region) it is not, and a
local solver can only promise a local minimum.

Both are solved by coordinate descent on the centred Gram matrix
:math:`C = X_c^\top X_c` and :math:`c = X_c^\top y_c`: after one pass over
the data, each sweep costs :math:`O(p^2)`, whatever :math:`n`.  Each
coordinate is minimised exactly; for the Lasso the update is the
soft-thresholding

.. math:: w_j \leftarrow \frac{S(c_j - \sum_{k \ne j} C_{jk} w_k,\ n\alpha)}{C_{jj}},
   \qquad S(z, \lambda) = \operatorname{sign}(z)\max(|z| - \lambda, 0),

and it stops on the duality gap, as scikit-learn does.
"""

import math

import numpy as np

from .._validation import (
    BOOLEAN,
    POSITIVE,
    SEED,
    Integer,
    Real,
    WeightedRows,
    check_is_fitted,
    check_weights,
    is_dask_collection,
    positive_result,
    record_features,
    validate_params,
)
from ..exceptions import ConvergenceWarning, NonConvexWarning, warn
from ..inference import EstimateTable, Summary, as_count, coverage, parameter_names
from ._moments import Moments
from ._paths import MAX_PENALTIES, RegularizationPath, check_penalties, path_moments
from .base import Regressor
from .ridge import ridge_solution

_COUNT = Integer(1)
# Starts of the non-convex bridge fit: each is a full coordinate-descent run.
_STARTS = Integer(1, 10_000)

__all__ = [
    "BridgeRegression",
    "Lasso",
    "laplace_scale_to_lasso_alpha",
    "lasso_alpha_to_laplace_scale",
    "lasso_path",
]


def lasso_alpha_to_laplace_scale(alpha, noise_std, n_samples):
    r"""The Laplace prior scale :math:`b = \sigma^2/(n\alpha)` whose MAP is ``Lasso(alpha)``.

    :math:`-\log p(w \mid y) = \frac{1}{2\sigma^2}\lVert r\rVert^2 + \frac1b\lVert w\rVert_1
    + \text{const}`, which is :math:`n/\sigma^2` times the Lasso objective when
    :math:`\alpha = \sigma^2/(n b)`.

    >>> lasso_alpha_to_laplace_scale(0.5, noise_std=2.0, n_samples=4)
    2.0
    """
    return _laplace_conversion(alpha, noise_std, n_samples, "alpha")


def laplace_scale_to_lasso_alpha(scale, noise_std, n_samples):
    r"""The Lasso ``alpha`` :math:`= \sigma^2/(n b)` for a Laplace(0, b) prior.

    >>> laplace_scale_to_lasso_alpha(2.0, noise_std=2.0, n_samples=4)
    0.5
    """
    return _laplace_conversion(scale, noise_std, n_samples, "scale")


@validate_params(noise_std=POSITIVE, n_samples=Integer(1, 2 ** 53))
def _laplace_conversion(value, noise_std, n_samples, name):
    r""":math:`\sigma^2/(n v)`: the Lasso's alpha from the Laplace scale, and back."""
    value = POSITIVE(value, name)
    # sigma * (sigma / (n v)), so neither the square nor the product overflows first.
    return positive_result(lambda sigma, n, v: sigma * (sigma / (n * v)),
                           f"noise_std^2 / (n_samples * {name})",
                           noise_std=noise_std, n_samples=n_samples, **{name: value})


# -- coordinate descent on the Gram matrix -----------------------------------

def _lasso_duality_gap(xx, xy, yy, w, lam, gradient):
    """The duality gap of 0.5 w'Cw - c'w + lam ||w||_1 (+ yy/2), n times sklearn's."""
    residual_norm2 = max(yy - 2.0 * float(w @ xy) + float(w @ xx @ w), 0.0)
    dual_norm = float(np.max(np.abs(gradient))) if len(gradient) else 0.0
    if dual_norm > lam:
        const = lam / dual_norm
        gap = 0.5 * residual_norm2 * (1.0 + const * const)
    else:
        const, gap = 1.0, residual_norm2
    return gap + lam * float(np.abs(w).sum()) - const * (yy - float(w @ xy))


# A coordinate that moves by no more than a few units in the last place makes no progress:
# a sweep in which none moves further is a fixed point to working precision.
_ROUNDING = 8.0 * np.finfo(float).eps


def _lasso_cd(xx, xy, yy, lam, w, tol, max_iter):
    """Minimise 0.5 w'Cw - c'w + lam ||w||_1 from ``w``; stop when gap <= tol * yy.

    Returns the weights, the gap, the number of sweeps and whether it converged.
    """
    w = np.array(w, dtype=np.float64)
    gradient = xy - xx @ w                      # X_c' r: kept up to date
    diagonal = np.diagonal(xx)
    rows = list(xx)
    target = tol * yy
    gap = _lasso_duality_gap(xx, xy, yy, w, lam, gradient)
    for sweep in range(1, max_iter + 1):
        if gap <= target:
            return w, gap, sweep - 1, True
        moved = False
        for j in range(len(w)):
            if diagonal[j] == 0.0:
                continue
            old = w[j]
            rho = gradient[j] + diagonal[j] * old
            new = math.copysign(max(abs(rho) - lam, 0.0), rho) / diagonal[j]
            if new != old:
                gradient -= rows[j] * (new - old)
                w[j] = new
                moved = moved or abs(new - old) > _ROUNDING * abs(old)
        gap = _lasso_duality_gap(xx, xy, yy, w, lam, gradient)
        if not moved:   # a fixed point to working precision (or a dither in the last bits)
            return w, gap, sweep, gap <= target
    return w, gap, max_iter, gap <= target


def _scalar_bridge(a, c, lam, p):
    r"""The global minimiser of :math:`\frac a2 w^2 - c w + \lambda |w|^p` (a > 0).

    For :math:`p > 1` it has the sign of :math:`c` and solves
    :math:`a t + \lambda p t^{p-1} = |c|` (increasing in t: bisection).  For
    :math:`p < 1` the non-zero candidate is the larger root of that equation
    (where its left side, convex in t, is increasing), compared with 0.
    """
    if p == 1.0:
        return math.copysign(max(abs(c) - lam, 0.0), c) / a
    if p == 2.0:
        return c / (a + 2.0 * lam)
    target = abs(c)
    if target == 0.0:
        return 0.0

    def h(t):
        return a * t + lam * p * t ** (p - 1.0)

    low, high = 0.0, target / a
    if p < 1.0:
        low = (lam * p * (1.0 - p) / a) ** (1.0 / (2.0 - p))   # the minimum of h
        # A penalty so weak that the minimum underflows: start just above 0, where
        # t^(p - 1) is still finite.
        low = max(low, np.finfo(float).tiny)
        if low >= high or h(low) > target:
            return 0.0
    for _ in range(200):
        middle = 0.5 * (low + high)
        if middle in (low, high):
            break
        if h(middle) < target:
            low = middle
        else:
            high = middle
    t = 0.5 * (low + high)
    if p < 1.0 and 0.5 * a * t * t - target * t + lam * t ** p >= 0.0:
        return 0.0
    return math.copysign(t, c)


def _bridge_objective(xx, xy, yy, w, lam, p):
    """0.5 ||r||^2 + lam sum |w|^p from the Gram statistics (n times the objective)."""
    return (0.5 * max(yy - 2.0 * float(w @ xy) + float(w @ xx @ w), 0.0)
            + lam * float(np.sum(np.abs(w) ** p)))


def _bridge_cd(xx, xy, yy, lam, p, w, tol, max_iter):
    """Coordinate descent for the bridge objective: every coordinate minimised exactly.

    The objective never increases; it stops when a sweep changes it by at most
    ``tol * yy``.
    """
    w = np.array(w, dtype=np.float64)
    gradient = xy - xx @ w
    diagonal = np.diagonal(xx)
    rows = list(xx)
    value = _bridge_objective(xx, xy, yy, w, lam, p)
    for sweep in range(1, max_iter + 1):
        for j in range(len(w)):
            if diagonal[j] == 0.0:
                continue
            old = w[j]
            new = _scalar_bridge(diagonal[j], gradient[j] + diagonal[j] * old, lam, p)
            if new != old:
                gradient -= rows[j] * (new - old)
                w[j] = new
        previous, value = value, _bridge_objective(xx, xy, yy, w, lam, p)
        if previous - value <= tol * yy:
            return w, value, sweep, True
    return w, value, max_iter, False


# -- estimators --------------------------------------------------------------

def _penalty(n, alpha):
    r""":math:`n\alpha`, the penalty on the unscaled objective, refused if it overflows."""
    lam = n * alpha
    if not math.isfinite(lam):
        raise ValueError(f"alpha={alpha!r} times n_samples={n} overflows float64; every "
                         "weight is 0 for any alpha above max |X_c' y_c| / n.")
    return lam


def _stopped(n_iter, max_iter, state):
    if n_iter < max_iter:
        return (f"Coordinate descent reached a fixed point after {n_iter} sweeps with {state}, "
                "above tol: the tolerance is below what double precision can reach here; "
                "use a larger tol.")
    return f"Coordinate descent stopped at max_iter={max_iter} sweeps with {state}; increase " \
           "max_iter or tol."


class _PenalizedRegressor(Regressor):
    """Validation, centring and the intercept shared by the Lasso and bridge fits."""

    def _moments(self, X, y, fit_intercept, sample_weight=None):
        r"""The statistics of the data, weighted as scikit-learn weights its objective:
        :math:`\frac{1}{2\sum_i w_i}\sum_i w_i (y_i - b - x_i^\top w)^2` (the rows of
        positive weight, :meth:`Moments.weighted`).  On Dask ``X`` and ``y``, each row
        chunk's statistics, in one pass, merged in the chunks' order."""
        if is_dask_collection(X) or is_dask_collection(y):
            from .streaming import merged_statistics, refuse_options  # builds on this module

            refuse_options({"sample_weight": sample_weight})
            moments, names = merged_statistics(X, y, fit_intercept)
            record_features(self, len(moments.x_mean), names)
            self._fitted_on_pandas = names is not None
            self.n_samples_ = moments.n
            return moments
        X, y, names = self._validate_training_data(X, y)
        weights = check_weights(sample_weight, "sample_weight", X.shape[0])
        self.n_samples_ = X.shape[0]
        if weights is not None:
            rows = WeightedRows(weights)
            return Moments.weighted(X[rows.keep], y[rows.keep], rows.weights,
                                    fit_intercept=fit_intercept, feature_names=names)[2]
        return Moments.from_data(X, y, fit_intercept=fit_intercept, feature_names=names,
                                 keep_centred=False)

    def _set_coefficients(self, moments, coef):
        self.coef_ = coef
        self.intercept_ = (float(moments.y_mean - moments.x_mean @ coef)
                           if moments.fit_intercept else 0.0)

    def _start(self, p):
        if getattr(self, "warm_start", False) and getattr(self, "coef_", None) is not None \
                and np.shape(self.coef_) == (p,):
            return self.coef_.copy()
        return np.zeros(p)


class Lasso(_PenalizedRegressor):
    r"""The Lasso: the MAP estimate under a Laplace prior on the weights.

    .. math:: \hat w, \hat b = \arg\min_{w, b}\ \frac{1}{2n}\lVert y - Xw - b\mathbf 1\rVert^2
        + \alpha\lVert w\rVert_1

    scikit-learn's objective and ``alpha``.  It is the posterior mode under
    :math:`w_j \sim \text{Laplace}(0, b)` i.i.d. with :math:`b = \sigma^2/(n\alpha)`
    (:func:`lasso_alpha_to_laplace_scale`); the intercept is unpenalised.
    Solved exactly by coordinate descent on the Gram matrix, stopped when the
    duality gap is at most ``tol`` times :math:`\lVert y_c\rVert^2` (as
    scikit-learn measures it).  No standard errors are given: the Lasso's
    sampling distribution has no simple form.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength, > 0 (``alpha = 0`` is least squares: use
        :class:`~probml.LinearRegression`).
    fit_intercept : bool, default=True
    tol : float, default=1e-10
    max_iter : int, default=10_000
        Sweeps over the coordinates.
    warm_start : bool, default=False
        Start from the previous ``coef_`` (for a path of alphas).

    Attributes
    ----------
    coef_, intercept_ : ndarray, float
    dual_gap_ : float
        The final duality gap of the objective above.
    n_iter_ : int
        Sweeps made.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    >>> model = Lasso(alpha=0.1).fit(X, np.array([0.1, 1.0, 2.1, 2.9]))
    >>> model.coef_.round(4), round(model.intercept_, 4)
    (array([0.87, 0.  ]), 0.22)
    """

    _parameter_domains = {
        "alpha": Real(0, None, closed="neither", meaning=" (alpha = 0 is ordinary least "
                      "squares: use probml.LinearRegression)"),
        "fit_intercept": BOOLEAN, "tol": POSITIVE, "max_iter": _COUNT, "warm_start": BOOLEAN,
    }

    def __init__(self, alpha=1.0, fit_intercept=True, tol=1e-10, max_iter=10_000,
                 warm_start=False):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start

    def fit(self, X, y, sample_weight=None):
        """Fit by coordinate descent; returns self.  ``sample_weight`` weights each row's
        squared error, as scikit-learn's Lasso does (the weights scaled to sum to n).
        ``X`` and ``y`` may be Dask collections: one pass over their row chunks gives the
        Gram matrix, and the data are never held in memory at once."""
        params = self._check_params()
        alpha, tol, max_iter = params["alpha"], params["tol"], params["max_iter"]
        moments = self._moments(X, y, params["fit_intercept"], sample_weight)
        p = moments.xx.shape[0]
        coef, gap, n_iter, converged = _lasso_cd(moments.xx, moments.xy, moments.yy,
                                                 _penalty(moments.n, alpha), self._start(p),
                                                 tol, max_iter)
        if not converged:
            warn(_stopped(n_iter, max_iter, f"duality gap {gap / moments.n:.3g}"),
                 ConvergenceWarning)
        self._set_coefficients(moments, coef)
        self.dual_gap_, self.n_iter_ = gap / moments.n, n_iter
        return self

    def summary(self, alpha=0.05, *, level=None):
        """The coefficients, the penalty and the fit's convergence.  The Lasso's estimates
        have no simple sampling distribution, so no standard errors are reported."""
        check_is_fitted(self, "coef_")
        coverage(alpha, level)
        fit_intercept = bool(self._check_params()["fit_intercept"])
        names = parameter_names(getattr(self, "feature_names_in_", None), len(self.coef_),
                                fit_intercept)
        estimates = np.r_[self.intercept_, self.coef_] if fit_intercept else self.coef_
        info = [("No. observations", as_count(self.n_samples_)), ("alpha", float(self.alpha)),
                ("Non-zero coefficients", int(np.count_nonzero(self.coef_))),
                ("Duality gap", self.dual_gap_), ("Sweeps", as_count(self.n_iter_))]
        return Summary("Lasso (Laplace-prior MAP)", info, EstimateTable(names, estimates),
                       notes=["The Lasso's estimates have no simple sampling distribution: "
                              "no standard errors are reported (bootstrap them, or refit the "
                              "selected features by least squares)."])

    def laplace_scale(self, noise_std):
        """The Laplace prior scale this fit is the MAP under, for noise s.d. ``noise_std``."""
        check_is_fitted(self, "coef_")
        return lasso_alpha_to_laplace_scale(self._check_params()["alpha"], noise_std,
                                            self.n_samples_)


class BridgeRegression(_PenalizedRegressor):
    r"""Bridge regression: the MAP under a generalised Gaussian prior, for 0 < p <= 2.

    .. math:: \hat w, \hat b = \arg\min_{w, b}\ \frac{1}{2n}\lVert y - Xw - b\mathbf 1\rVert^2
        + \alpha\sum_j |w_j|^p

    (Frank & Friedman 1993), the posterior mode under
    :math:`p(w_j) \propto \exp(-|w_j/s|^p)` with :math:`\alpha = \sigma^2/(n s^p)`.
    ``p = 1`` is :class:`Lasso` with the same ``alpha``; ``p = 2`` is
    :class:`~probml.Ridge` with ``alpha = 2 n alpha``.  For :math:`p < 1`
    the objective is not convex (its level sets are the "pinched diamond"),
    so the coordinate-descent solver finds a local minimum that depends on
    where it starts: it warns with :class:`~probml.NonConvexWarning`, reports
    the start it used in ``start_``, and with ``n_starts > 1`` also tries
    random starts and keeps the lowest objective.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength, > 0.
    p : float, default=1.0
        The exponent, in [0.01, 2] (below 0.01 the penalty's derivative
        :math:`p|w|^{p-1}` is not computable near 0 in double precision).
    fit_intercept : bool, default=True
    tol : float, default=1e-12
        Stop when a sweep lowers the objective by at most ``tol`` times
        :math:`\lVert y_c\rVert^2/n`.
    max_iter : int, default=10_000
    n_starts : int, default=1
        Starts for p < 1: the least-squares (lightly ridged) fit, then
        random ones.
    random_state : int or None
        Seeds the random starts.

    Attributes
    ----------
    coef_, intercept_ : ndarray, float
    objective_ : float
        The objective at the estimate.
    start_ : ndarray
        The starting weights that led to it.
    n_iter_ : int
    """

    _parameter_domains = {
        "alpha": POSITIVE,
        "p": Real(0.01, 2, meaning=": the penalty sum |w_j|^p is a bridge between the L0 count "
                  "(p -> 0) and Ridge (p = 2)"),
        "fit_intercept": BOOLEAN, "tol": POSITIVE, "max_iter": _COUNT, "n_starts": _STARTS,
        "random_state": SEED,
    }

    def __init__(self, alpha=1.0, p=1.0, fit_intercept=True, tol=1e-12, max_iter=10_000,
                 n_starts=1, random_state=None):
        self.alpha = alpha
        self.p = p
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.n_starts = n_starts
        self.random_state = random_state

    def fit(self, X, y):
        """Fit by coordinate descent (from one or several starts); returns self."""
        params = self._check_params()
        alpha, p, tol = params["alpha"], params["p"], params["tol"]
        max_iter, n_starts = params["max_iter"], params["n_starts"]
        moments = self._moments(X, y, params["fit_intercept"])
        xx, xy, yy, n = moments.xx, moments.xy, moments.yy, moments.n
        lam, k = _penalty(n, alpha), xx.shape[0]
        if p == 2.0:
            coef = ridge_solution(xx, xy, 2.0 * lam)[0]
            starts, n_iter = [np.zeros(k)], 0
        elif p == 1.0:
            coef, gap, n_iter, converged = _lasso_cd(xx, xy, yy, lam, np.zeros(k), tol,
                                                     max_iter)
            starts = [np.zeros(k)]
            if not converged:
                warn(_stopped(n_iter, max_iter, f"duality gap {gap / n:.3g}"),
                     ConvergenceWarning)
        else:
            starts = self._starts(xx, xy, n_starts, p, params["random_state"])
            best = None
            for start in starts:
                w, value, n_iter, converged = _bridge_cd(xx, xy, yy, lam, p, start, tol,
                                                         max_iter)
                self._warn_unless(converged, max_iter)
                if best is None or value < best[1]:
                    best = (w, value, n_iter, start)
            coef, _, n_iter, start = best
            starts = [start]
        if p < 1:
            warn(
                f"The bridge objective with p={p:g} < 1 is not convex: the estimate is a "
                f"local minimum reached from start_ (the best of {n_starts} start(s)); "
                "use n_starts > 1 to compare several.", NonConvexWarning)
        self._set_coefficients(moments, coef)
        self.start_ = starts[0]
        self.objective_ = _bridge_objective(xx, xy, yy, coef, lam, p) / n
        self.n_iter_ = n_iter
        return self

    @staticmethod
    def _starts(xx, xy, n_starts, p, random_state):
        k = xx.shape[0]
        ridge = 1e-8 * max(float(np.trace(xx)) / max(k, 1), 1e-300)
        least_squares = ridge_solution(xx, xy, ridge)[0]
        if p >= 1:
            return [least_squares]
        rng = np.random.default_rng(random_state)
        scale = np.maximum(np.abs(least_squares), 1e-12)
        return [least_squares] + [rng.uniform(-2, 2, k) * scale for _ in range(n_starts - 1)]

    @staticmethod
    def _warn_unless(converged, max_iter):
        if not converged:
            warn(f"Coordinate descent stopped at max_iter={max_iter} sweeps; "
                 "increase max_iter or tol.", ConvergenceWarning)


# -- regularisation paths ----------------------------------------------------

def lasso_path(X, y, *, alphas=None, n_alphas=100, eps=1e-3, fit_intercept=True, tol=1e-10,
               max_iter=10_000):
    r"""Lasso fits over a decreasing grid of ``alpha``, each warm-started from the last.

    Without ``alphas`` the grid runs log-evenly from
    :math:`\alpha_{\max} = \lVert X_c^\top y_c\rVert_\infty / n` (the smallest
    penalty at which every weight is 0) down to ``eps`` times it, as in
    scikit-learn.  One Gram matrix serves the whole path.

    Returns
    -------
    RegularizationPath
    """
    _, _, moments = path_moments(X, y, fit_intercept)
    n, xx, xy, yy = moments.n, moments.xx, moments.xy, moments.yy
    if alphas is None:
        alpha_max = float(np.max(np.abs(xy))) / n
        if alpha_max == 0:
            raise ValueError("X_c' y_c is 0: every weight is 0 for every alpha, so there is "
                             "no path; pass alphas explicitly.")
        eps = Real(0, 1, closed="neither", meaning=" (the smallest alpha as a share of the "
                   "largest)")(eps, "eps")
        n_alphas = Integer(1, MAX_PENALTIES)(n_alphas, "n_alphas")
        alphas = np.geomspace(alpha_max, alpha_max * eps, n_alphas)
    alphas = check_penalties(alphas)
    tol, max_iter = POSITIVE(tol, "tol"), _COUNT(max_iter, "max_iter")
    coef = np.zeros((len(alphas), xx.shape[0]))
    gaps = np.zeros(len(alphas))
    w = np.zeros(xx.shape[0])
    for i, alpha in enumerate(alphas):
        w, gap, n_iter, converged = _lasso_cd(xx, xy, yy, _penalty(n, alpha), w, tol,
                                              max_iter)
        if not converged:
            warn(f"At alpha={alpha:g}: " + _stopped(n_iter, max_iter,
                                                    f"duality gap {gap / n:.3g}"),
                 ConvergenceWarning)
        coef[i], gaps[i] = w, gap / n
    intercept = moments.y_mean - coef @ moments.x_mean
    return RegularizationPath(alphas, coef, intercept, gaps)
