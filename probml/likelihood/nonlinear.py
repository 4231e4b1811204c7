r"""Nonlinear least squares with a SymPy mean function: Levenberg-Marquardt and inference.

The model is :math:`y_i = f(x_i; \beta) + \varepsilon_i` with
:math:`\varepsilon_i \sim \mathcal N(0, \sigma^2)`, so the MLE of
:math:`\beta` minimises the residual sum of squares
:math:`S(\beta) = \lVert r(\beta)\rVert^2`, :math:`r = y - f`.  The
Jacobian :math:`J_{ij} = \partial f(x_i)/\partial\beta_j` is derived by
SymPy and compiled with :math:`f` (:mod:`.compiled`).  Each
Levenberg-Marquardt step solves

.. math:: \min_\delta \lVert J\delta - r\rVert^2 + \lambda\lVert D\delta\rVert^2

as a least-squares problem (no normal equations), with :math:`D` the
largest column norms of :math:`J` seen so far (Moré 1978), and the damping
:math:`\lambda` updated from the ratio of actual to predicted reduction
(Nielsen 1999); Gauss-Newton steps (:math:`\lambda = 0`) polish the
optimum.  Standard errors come from the Jacobian at the optimum, through
its SVD:

.. math:: \widehat{\operatorname{cov}}\,\hat\beta = s^2 (J^\top J)^{-1}
          = s^2 V \Sigma^{-2} V^\top,\qquad s^2 = \frac{S(\hat\beta)}{n - p}.

When the fit is nearly exact, so that the residuals are below the rounding
of :math:`f` in double precision (NIST's Lanczos1), the residuals are
recomputed in 40-digit arithmetic (mpmath, the same on every machine, where
NumPy's ``exp`` carries the CPU's last bits) from the data as written: a
column whose every value prints in at most 15 significant digits is read as
those decimals (as a decimal file gives them), else as its exact binary
values.  Gauss-Newton steps on those residuals refine the estimate, and the
sum of squares, hence :math:`s` and the standard errors, comes from them.

>>> import numpy as np, sympy as sp
>>> from probml.likelihood import NonlinearRegression
>>> x, b1, b2 = sp.symbols("x b1 b2")
>>> model = NonlinearRegression(b1 * (1 - sp.exp(-b2 * x)), x=x, params=[b1, b2],
...                             start=[100.0, 0.1])
>>> t = np.arange(1.0, 11.0)
>>> y = 80 * (1 - np.exp(-0.3 * t)) + np.sin(t)
>>> model.fit(t, y).params_.round(2)
array([79.97,  0.3 ])
"""

import math
import warnings

import numpy as np
import sympy as sp

from .._validation import (
    Integer,
    check_array_finite,
    check_is_fitted,
    check_matrix,
    check_vector,
)
from ..exceptions import (
    ConvergenceWarning,
    DivergenceError,
    FlatLikelihoodWarning,
    NumericalAccuracyWarning,
    warn,
)
from ..inference import (
    CoefficientInference,
    as_count,
    gaussian_loglik,
    information_criteria,
    rounding_level_rss,
)
from ..models.base import Regressor, warn_exact_fit
from ..models.linear import noise_variance
from .compiled import compile_expressions, stable
from .symbolic import as_expression, as_symbols, parameter_symbols

__all__ = ["NonlinearRegression", "linear_parameters"]

# The steps stop when no parameter moves by more than this share of its value...
STEP_TOLERANCE = 1e-13
# ...and the residual sum of squares falls by less than this share of itself.
REDUCTION_TOLERANCE = 1e-15
# A step is accepted when it achieves this share of the reduction it predicted.
ACCEPT = 1e-4
# The first trust region, relative to the scaled length of the start (MINPACK's factor).
INITIAL_RADIUS = 100.0
# Below this many digits in the residuals, the sum of squares is recomputed exactly.
RESIDUAL_DIGITS = 8
# Fewer significant digits than this in s and the standard errors are warned about.
DATA_DIGITS = 6
# Nearly exact fits up to this many rows get their residuals in 40 digits (mpmath).
EXACT_RESIDUALS_MAX_ROWS = 100_000
# Any decimal of up to 15 significant digits survives float64 and prints back unchanged;
# values computed in binary mostly need 16 or 17, so a column all of whose values print
# in 15 or fewer was read from decimal text.
DECIMAL_DIGITS = 15
# Singular values below this share of the largest mark parameters the data leave free.
RANK_TOLERANCE = 1e-13


class NonlinearRegression(CoefficientInference, Regressor):
    """Least squares for :math:`y = f(x; \\beta) + \\varepsilon`, f written in SymPy.

    Parameters
    ----------
    mean : SymPy expression
        :math:`f(x; \\beta)`.
    x : Symbol or sequence of Symbol
        The predictors, one per column of ``X`` in ``fit``.
    params : sequence of Symbol, optional
        The parameters in order; by default the other free symbols,
        alphabetically.
    start : sequence of float or dict
        Starting values (nonlinear least squares has no default start a
        teacher would defend; the NIST problems give two each).
    max_iter : int
        Levenberg-Marquardt iterations.

    Attributes
    ----------
    params_, bse_, cov_params_ : ndarray
    sigma_ : float
        The residual standard deviation :math:`s`; NaN, with an
        :class:`~probml.exceptions.UndefinedStatisticWarning`, when ``X`` has as many
        rows as there are parameters (fewer are refused).
    rss_ : float
    df_resid_ : int
    loglik_, aic_, bic_ : float
        Gaussian, at the MLE :math:`\\hat\\sigma^2 = S/n`.
    n_iter_ : int
    converged_ : bool
    """

    _summary_title = "Nonlinear least squares"
    _parameter_domains = {"max_iter": Integer(1, 10_000_000)}

    def __init__(self, mean, x, params=None, *, start=None, max_iter=2000):
        self.mean = mean
        self.x = x
        self.params = params
        self.start = start
        self.max_iter = max_iter

    # -- the model -----------------------------------------------------------------

    def _symbols(self):
        mean = as_expression(self.mean)
        x = as_symbols(self.x, "x")
        params = parameter_symbols(mean, x, self.params, expr_name="mean", data_name="x")
        return mean, x, params

    def _compiled(self, mean, x, params):
        expr = stable(mean)
        jacobian = [sp.diff(expr, b) for b in params]
        return compile_expressions(x, params, tuple([expr, *jacobian]))

    def derive(self, X, y, *, name="nonlinear-least-squares",
               title="Nonlinear least squares"):
        """The derivation of least squares for this mean, verified on ``(X, y)``."""
        from .derivation import derive_least_squares
        return derive_least_squares(self, X, y, name, title)

    # -- the fit ---------------------------------------------------------------------

    def fit(self, X, y):
        """Fit by Levenberg-Marquardt from ``start``; returns self."""
        self._check_params()
        mean, x, params = self._symbols()
        X = _design(X, x)
        y = check_vector(y, "y", n_samples=len(X))
        with np.errstate(over="ignore"):
            if not np.isfinite(y @ y):
                raise ValueError("y is too large to square in double precision (its sum of "
                                 "squares overflows): rescale it.")
        p = len(params)
        if len(y) < p:
            raise ValueError(
                f"X and y have {len(y)} row(s) for {p} parameters "
                f"({', '.join(str(b) for b in params)}): nonlinear least squares needs at "
                "least as many rows as parameters (more, to estimate the noise); collect "
                "more data or fit fewer parameters.")
        beta = self._start(params)
        compiled = self._compiled(mean, x, params)
        prepared = compiled.prepare(*X.T)

        def residuals_and_jacobian(b):
            values = compiled.evaluate(prepared, *b)
            n = len(y)
            J = np.column_stack([np.broadcast_to(np.asarray(v, dtype=float), (n,))
                                 for v in values[1:]])
            return y - np.broadcast_to(np.asarray(values[0], dtype=float), (n,)), J

        with np.errstate(all="ignore"):
            beta, r, J, n_iter, converged = _solve(mean, x, params, X, y, beta, self.max_iter,
                                                   residuals_and_jacobian)
            exact = _exact_residuals(mean, x, params, X, y, r)
            beta, r, J = _refine(exact, beta, r, J, residuals_and_jacobian)
            rss = float(r @ r)
        if not (np.all(np.isfinite(beta)) and np.all(np.isfinite(J)) and math.isfinite(rss)):
            raise DivergenceError(
                "Levenberg-Marquardt left the numbers double precision can hold from this "
                "start (the sum of squares or the Jacobian overflowed): choose a start on the "
                "scale of the data.")
        if not converged:
            warn(f"Levenberg-Marquardt stopped after {n_iter} iterations without "
                 "converging; raise max_iter or pass a better start.",
                 ConvergenceWarning)
        if exact is not None:
            rss = exact.minimum(beta, J)
        n = len(y)
        # A residual is y_i - f(x_i, beta): two terms, each known to its last bit, and f
        # evaluated from p estimates.  As many rows as parameters leave no residual to
        # judge (the curve interpolates them, or cannot): that is said once, as such.
        rounding = rounding_level_rss(float(np.linalg.norm(y) + np.linalg.norm(y - r)), p)
        exact_fit = n > p and warn_exact_fit(type(self).__name__, rss, rounding)
        if n > p and not exact_fit and (exact is None or not exact.as_written):
            _warn_if_data_limit_digits(rss, y)
        variance = noise_variance(rss, n - p, type(self).__name__)
        self.n_iter_, self.converged_ = n_iter, converged
        self.rss_, self.df_resid_, self.n_obs_ = rss, n - p, n
        self.sigma_ = math.sqrt(variance)
        self.param_names_ = [str(b) for b in params]
        self.n_features_in_ = len(x)
        cov = _inverse_gram(J, self.param_names_)
        self._store_table(self.param_names_, beta, cov, n - p if n > p else None,
                          noise_variance=variance, exact=exact_fit)
        self.loglik_ = gaussian_loglik(n, rss / n)
        self.aic_, self.bic_ = information_criteria(self.loglik_, p + 1, n)
        self._fitted = (compiled, x)
        return self

    def _start(self, params):
        start = self.start
        names = [str(b) for b in params]
        if start is None:
            raise ValueError("start is required: nonlinear least squares needs starting "
                             f"values for {names}.")
        if isinstance(start, dict):
            given = {str(k): v for k, v in start.items()}
            if set(given) != set(names):
                raise ValueError(f"start must give a value for each of {names}, got "
                                 f"{sorted(given)}.")
            start = [given[name] for name in names]
        values = check_array_finite(start, "start").ravel()
        if len(values) != len(names):
            raise ValueError(f"start must be {len(names)} finite numbers ({names}), got "
                             f"{len(values)}.")
        return values

    def predict(self, X):
        """:math:`f(x; \\hat\\beta)` at new predictors."""
        check_is_fitted(self, "params_")
        compiled, x = self._fitted
        X = _design(X, x)
        values = compiled.evaluate(compiled.prepare(*X.T), *self.params_)
        return np.broadcast_to(np.asarray(values[0], dtype=float), (len(X),)).copy()

    def _summary_info(self):
        return [("Observations", as_count(self.n_obs_)),
                ("Residual SD", self.sigma_), ("RSS", self.rss_),
                ("Log-likelihood", self.loglik_), ("AIC", self.aic_), ("BIC", self.bic_),
                ("Iterations", as_count(self.n_iter_))]


def _design(X, x):
    """``X`` as an (n, len(x)) float64 array; one predictor may come as a 1-D array."""
    try:
        one_dimensional = not hasattr(X, "columns") and np.ndim(X) <= 1
    except ValueError:                       # ragged: check_matrix says where
        one_dimensional = False
    if one_dimensional and len(x) == 1:
        return check_vector(X, "X")[:, None]
    X, _ = check_matrix(X, "X")
    if X.shape[1] != len(x):
        raise ValueError(f"X has {X.shape[1]} columns but the model has {len(x)} "
                         f"predictors ({', '.join(map(str, x))}).")
    return X


def _solve(mean, x, params, X, y, start, max_iter, residuals_and_jacobian):
    """Levenberg-Marquardt from ``start``; if it stalls, again after variable projection.

    Plain Levenberg-Marquardt can stall on a plateau where a parameter runs
    off (BoxBOD's rate from its first start, where :math:`1 - e^{-b_2 x}`
    is already 1) or crawl along a curved valley (MGH10).  When it ends
    unconverged or where the Jacobian is singular, and the mean is affine in
    some parameters, the problem is solved again with those parameters
    projected out (:func:`_variable_projection`) and then polished in full;
    the fit with the smaller sum of squares is kept.
    """
    beta, r, J, n_iter, converged = _levenberg_marquardt(residuals_and_jacobian, start,
                                                         max_iter)
    if converged and _full_rank(J):
        return beta, r, J, n_iter, converged
    linear = linear_parameters(mean, params)
    if not linear or len(linear) == len(params):
        return beta, r, J, n_iter, converged
    projected, projection_iter = _variable_projection(mean, x, params, linear, X, y, start,
                                                      max_iter)
    again = _levenberg_marquardt(residuals_and_jacobian, projected, max_iter)
    total = n_iter + projection_iter + again[3]
    if again[4] and float(again[1] @ again[1]) <= float(r @ r):
        return (*again[:3], total, True)
    return beta, r, J, total, converged


def _full_rank(J):
    s = np.linalg.svd(J, compute_uv=False)
    return bool(len(s) and s[-1] > RANK_TOLERANCE * s[0])


def _levenberg_marquardt(residuals_and_jacobian, beta, max_iter):
    r"""Minimise :math:`\lVert r(\beta)\rVert^2` by Moré's trust-region Levenberg-Marquardt.

    Each step minimises the linear model :math:`\lVert r - J\delta\rVert`
    inside the region :math:`\lVert D\delta\rVert \le \Delta`: the
    Gauss-Newton step when it fits, else the damped step whose
    :math:`\lambda` puts it on the boundary (:func:`_step_in_region`).
    :math:`\Delta` shrinks when the step gains less than a quarter of what
    the model predicted and grows when it gains more than three quarters
    (Moré 1978, as in MINPACK).  Returns (beta, r, J, iterations, converged).
    """
    r, J = residuals_and_jacobian(beta)
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(J))):
        raise ValueError("The mean function is not finite at the start for every "
                         "observation: choose a start where f(x; start) is defined.")
    rss = float(r @ r)
    scale = np.linalg.norm(J, axis=0)
    scale[scale == 0] = 1.0
    radius = INITIAL_RADIUS * (float(np.linalg.norm(scale * beta)) or 1.0)
    for iteration in range(1, max_iter + 1):
        scaled_step = _step_in_region(J / scale, r, radius)
        step = scaled_step / scale
        length = float(np.linalg.norm(scaled_step))
        candidate = beta + step
        with np.errstate(over="ignore", invalid="ignore"):
            r_new, J_new = residuals_and_jacobian(candidate)
            finite = np.all(np.isfinite(r_new)) and np.all(np.isfinite(J_new))
            rss_new = float(r_new @ r_new) if finite else math.inf
        predicted = rss - float(np.sum((r - J @ step) ** 2))
        ratio = (rss - rss_new) / predicted if predicted > 0 else -1.0
        if ratio < 0.25:
            radius = 0.5 * min(radius, length)
        elif ratio > 0.75:
            radius = max(radius, 2.0 * length)
        small_step = np.all(np.abs(step) <= STEP_TOLERANCE * np.maximum(np.abs(beta), 1e-300))
        if ratio > ACCEPT:
            reduction = rss - rss_new
            beta, r, J, rss = candidate, r_new, J_new, rss_new
            scale = np.maximum(scale, np.linalg.norm(J, axis=0))
            if small_step or reduction <= REDUCTION_TOLERANCE * rss:
                return (*_polish(residuals_and_jacobian, beta, r, J, rss), iteration, True)
        elif small_step or radius <= STEP_TOLERANCE * float(np.linalg.norm(scale * beta)):
            return (*_polish(residuals_and_jacobian, beta, r, J, rss), iteration, True)
    return beta, r, J, max_iter, False


def _step_in_region(J, r, radius):
    r"""The minimiser of :math:`\lVert r - J z\rVert` subject to :math:`\lVert z\rVert \le \Delta`.

    With the SVD :math:`J = U\Sigma V^\top` and :math:`g = U^\top r`, the
    damped step is :math:`z(\lambda) = V \frac{\sigma g}{\sigma^2+\lambda}`;
    :math:`\lambda = 0` (Gauss-Newton) if that is inside, else the root of
    :math:`1/\Delta - 1/\lVert z(\lambda)\rVert`, which is nearly linear
    in :math:`\lambda`, by Newton's method from :math:`\lambda = 0`
    (Hebden 1973), to within a tenth of :math:`\Delta` as MINPACK does.
    """
    U, s, Vt = np.linalg.svd(J, full_matrices=False)
    g = U.T @ r
    kept = s > RANK_TOLERANCE * (s[0] if len(s) else 0.0)
    gauss_newton = Vt.T[:, kept] @ (g[kept] / s[kept])
    if not radius > 0 or not np.any(kept):
        return np.zeros(J.shape[1])
    if np.linalg.norm(gauss_newton) <= radius:
        return gauss_newton
    damping = np.float64(0.0)
    with np.errstate(all="ignore"):          # NumPy scalars: inf, never OverflowError
        for _ in range(100):
            z = s * g / (s * s + damping)
            length = np.linalg.norm(z)
            if damping > 0 and abs(length - radius) <= 0.1 * radius:
                break
            slope = np.sum((s * g) ** 2 / (s * s + damping) ** 3) / length ** 3
            if not (np.isfinite(slope) and slope > 0 and length > 0):
                break
            damping = max(damping + (1 / np.float64(radius) - 1 / length) / slope, 1e-300)
        return Vt.T @ (s * g / (s * s + damping))


def _polish(residuals_and_jacobian, beta, r, J, rss, steps=3):
    """Gauss-Newton steps from the Levenberg-Marquardt optimum while they lower the RSS."""
    for _ in range(steps):
        step = np.linalg.lstsq(J, r, rcond=None)[0]
        candidate = beta + step
        r_new, J_new = residuals_and_jacobian(candidate)
        rss_new = float(r_new @ r_new)
        if not (np.all(np.isfinite(J_new)) and rss_new < rss):
            break
        beta, r, J, rss = candidate, r_new, J_new, rss_new
    return beta, r, J


def _warn_if_data_limit_digits(rss, y):
    r"""Warn when the residuals approach the rounding of the data themselves.

    Data held in double precision carry a representation error up to
    :math:`\epsilon |y_i|/2`.  When the residuals are within a few powers of
    ten of it (NIST's Lanczos1, whose residuals are :math:`10^{-13}`), the
    sum of squares, :math:`s` and the standard errors depend on digits the
    data do not hold: about :math:`\log_{10}(\mathrm{rms}(r) / \epsilon\,
    \mathrm{rms}(y))` of theirs are significant, and fewer than six are said.
    """
    size = math.sqrt(rss / len(y))
    largest = float(np.max(np.abs(y)))
    rounding = np.finfo(float).eps * (largest * math.sqrt(float(np.mean((y / largest) ** 2)))
                                      if largest > 0 else 0.0)
    digits = math.log10(size / rounding) if size > 0 and rounding > 0 else 0.0
    if digits < DATA_DIGITS:
        warn(
            f"The fit is nearly exact: the residuals (rms {size:.2g}) are within "
            f"{max(digits, 0):.1f} powers of ten of the rounding of y in double precision, "
            f"so the residual standard deviation and the standard errors have only about "
            f"{max(int(digits), 0)} significant digits (they depend on digits of y that "
            "float64 does not hold). The estimates themselves are not affected.",
            NumericalAccuracyWarning)


def _needs_extra_digits(y, r):
    """Whether the residuals hold fewer than ``RESIDUAL_DIGITS`` digits in double precision."""
    rounding = np.finfo(float).eps * float(np.max(np.abs(y - r)))
    return not math.sqrt(float(r @ r) / len(r)) > rounding * 10.0 ** RESIDUAL_DIGITS


def _exact_residuals(mean, x, params, X, y, r):
    """The 40-digit residuals of a nearly exact fit (an :class:`_ExactResiduals`), or None
    when double precision holds enough of their digits (or there are too many rows)."""
    if not _needs_extra_digits(y, r):
        return None
    if len(y) > EXACT_RESIDUALS_MAX_ROWS:
        warn(
            f"The fit is nearly exact, so its residuals are below the rounding of the model "
            f"in double precision; with {len(y)} rows they are not recomputed in extended "
            "precision, and the residual standard deviation and standard errors have only a "
            "few correct digits.", NumericalAccuracyWarning)
        return None
    return _ExactResiduals(mean, x, params, X, y)


class _ExactResiduals:
    r"""Residuals :math:`y_i - f(x_i; \beta)` in 40-digit arithmetic, from the data as written.

    ``as_written`` says whether every column was read as decimals
    (:func:`_as_written`): then the residuals, and the sum of squares, are
    those of the data as written to within :math:`10^{-40}`.
    """

    def __init__(self, mean, x, params, X, y):
        import mpmath
        self._mpmath = mpmath
        with mpmath.workdps(40):
            self._f = sp.lambdify([*x, *params], mean, modules="mpmath")
            columns = [_as_written(column) for column in X.T]
            self._targets, decimal = _as_written(y)
        self._rows = list(zip(*[values for values, _ in columns]))
        self.as_written = decimal and all(column_decimal for _, column_decimal in columns)
        self._last = (None, None)

    def __call__(self, beta):
        """(residuals as float64, their sum of squares) at ``beta``; the last answer is
        kept (refinement that stops at ``beta`` and :meth:`minimum` there ask twice)."""
        key = np.asarray(beta, dtype=float).tobytes()
        if self._last[0] == key:
            return self._last[1]
        mpmath = self._mpmath
        with mpmath.workdps(40):
            b = [mpmath.mpf(float(v)) for v in beta]
            residuals = [target - self._f(*row, *b) for target, row in zip(self._targets,
                                                                           self._rows)]
            total = mpmath.fsum(residual * residual for residual in residuals)
        self._last = (key, (np.array([float(v) for v in residuals]), float(total)))
        return self._last[1]

    def minimum(self, beta, J):
        r"""The least sum of squares near ``beta``, over real parameters.

        The minimiser is not a double: at ``beta``, rounded to doubles, the sum
        of squares exceeds its minimum by :math:`\lVert J\delta\rVert^2`,
        :math:`\delta = J^+ r` the last Gauss-Newton step, which is
        :math:`10^{-7}` of Lanczos1's; it is taken off (never below 0, which only a fit
        exact to rounding could reach).
        """
        residuals, total = self(beta)
        step = np.linalg.lstsq(J, residuals, rcond=None)[0]
        return max(total - float(np.sum((J @ step) ** 2)), 0.0)


def _as_written(column):
    """(the values as 40-digit mpmath numbers, whether they were read as decimals).

    The decimals each value prints as (Python's shortest repr, which reads
    back as the same double) when all of them have at most ``DECIMAL_DIGITS``
    significant digits; else each value's exact binary expansion.
    """
    import mpmath
    texts = [repr(float(value)) for value in column]
    if all(len(text.lower().split("e")[0].lstrip("-").replace(".", "").strip("0"))
           <= DECIMAL_DIGITS for text in texts):
        return [mpmath.mpf(text) for text in texts], True
    return [mpmath.mpf(float(value)) for value in column], False


def _refine(exact, beta, r, J, residuals_and_jacobian, steps=3):
    r"""Gauss-Newton steps on the 40-digit residuals ``exact`` of a nearly exact fit.

    In double precision the residuals of such a fit (:math:`10^{-13}` against
    data near 1) are mostly rounding, which limits the estimate to about
    :math:`\epsilon\,\kappa(J)` and its sum of squares, hence the standard
    errors, to a few digits.  With exact residuals each step
    :math:`\delta = J^+ r` recovers the digits (iterative refinement).
    """
    if exact is None:
        return beta, r, J
    for _ in range(steps):
        step = np.linalg.lstsq(J, exact(beta)[0], rcond=None)[0]
        if np.all(np.abs(step) <= np.finfo(float).eps * np.abs(beta)):
            break
        beta = beta + step
        r, J = residuals_and_jacobian(beta)
    return beta, r, J


def _inverse_gram(J, names):
    r""":math:`(J^\top J)^{-1}` through the SVD of :math:`J`; NaN along free directions."""
    U, s, Vt = np.linalg.svd(J, full_matrices=False)
    free = s <= RANK_TOLERANCE * (s[0] if len(s) else 0.0)
    if np.any(free):
        involved = np.any(np.abs(Vt[free]) > 1e-3, axis=0)
        warn(
            f"The Jacobian is singular at the fit: {', '.join(np.array(names)[involved])} are "
            "not identified by the data (the sum of squares is flat along a combination of "
            "them); their standard errors are NaN.", FlatLikelihoodWarning)
        cov = np.full((len(s), len(s)), np.nan)
        keep = ~involved
        V = Vt.T
        inverse = (V[:, ~free] / s[~free] ** 2) @ V[:, ~free].T
        cov[np.ix_(keep, keep)] = inverse[np.ix_(keep, keep)]
        return cov
    V = Vt.T
    return (V / s ** 2) @ V.T


# -- variable projection ---------------------------------------------------------------

def linear_parameters(mean, params):
    r"""The parameters the mean is jointly affine in (``b1`` in ``b1*(1 - exp(-b2*x))``).

    The set is grown in order: a parameter joins when its derivative is free
    of itself and of the members, and theirs are free of it.  Then
    :math:`f = g_0 + \sum_j b_j \Phi_j` with every
    :math:`\Phi_j = \partial f/\partial b_j` free of them all (in
    ``b1*(x**2 + x*b2)/(x**2 + x*b3 + b4)`` only ``b1`` joins: ``b1*b2`` is
    not affine in the pair).
    """
    derivatives = {b: sp.diff(mean, b) for b in params}
    linear = []
    for b in params:
        if not derivatives[b].has(b, *linear) and not any(derivatives[a].has(b)
                                                          for a in linear):
            linear.append(b)
    return linear


def _variable_projection(mean, x, params, linear, X, y, beta, max_iter):
    r"""Minimise over the nonlinear parameters with the linear ones solved out (VarPro).

    With :math:`f = g_0(x;\alpha) + \Phi(x;\alpha)c`, affine in the linear
    parameters :math:`c`, the best :math:`c` for each :math:`\alpha` is a
    linear least-squares solution, and Levenberg-Marquardt runs on the
    projected residual :math:`r(\alpha) = P^\perp_{\Phi}(y - g_0)` with
    Kaufman's Jacobian :math:`P^\perp_{\Phi}(\partial_k g_0 + \partial_k\Phi\, c)`
    (Golub and Pereyra 1973, Kaufman 1975).  The start needs values for the
    nonlinear parameters only, and the reduced problem has fewer, flatter
    valleys: NIST's BoxBOD, MGH10 and MGH17 are solved from their first,
    distant starts.  Returns the full parameter vector and the iterations.
    """
    nonlinear = [b for b in params if b not in linear]
    zero = {b: 0 for b in linear}
    offset = mean.subs(zero)
    basis = [sp.diff(mean, b) for b in linear]
    expressions = [offset, *basis]
    expressions += [sp.diff(e, a) for e in [offset, *basis] for a in nonlinear]
    compiled = compile_expressions(x, tuple(nonlinear), tuple(stable(e) for e in expressions))
    prepared = compiled.prepare(*X.T)
    n, m, k = len(y), len(linear), len(nonlinear)
    state = {}

    def columns(values):
        return [np.broadcast_to(np.asarray(v, dtype=float), (n,)) for v in values]

    def projected(alpha):
        values = columns(compiled.evaluate(prepared, *alpha))
        g0, Phi = values[0], np.column_stack(values[1:1 + m])
        derivatives = values[1 + m:]
        if not all(np.all(np.isfinite(v)) for v in values):
            return np.full(n, np.inf), np.full((n, k), np.nan)    # a rejected step
        Q, R = np.linalg.qr(Phi)
        target = y - g0
        c = np.linalg.lstsq(R, Q.T @ target, rcond=None)[0]
        r = target - Phi @ c
        J = np.empty((n, k))
        for j in range(k):
            column = derivatives[j] + sum(derivatives[(1 + i) * k + j] * c[i] for i in range(m))
            J[:, j] = column - Q @ (Q.T @ column)
        state["c"] = c
        return r, J

    alpha = np.array([beta[params.index(a)] for a in nonlinear])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            alpha, _, _, iterations, _ = _levenberg_marquardt(projected, alpha, max_iter)
            projected(alpha)
        except (ValueError, np.linalg.LinAlgError):
            return beta, 0          # the projection is undefined here: plain LM from the start
    full = np.array(beta, dtype=float)
    for a, value in zip(nonlinear, alpha):
        full[params.index(a)] = value
    for b, value in zip(linear, state["c"]):
        full[params.index(b)] = value
    if not np.all(np.isfinite(full)):
        return beta, 0
    return full, iterations
