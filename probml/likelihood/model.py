r"""A statistical model written once, in SymPy: derived, compiled, fitted and verified.

The model is the log-density of one observation, as on a blackboard:

>>> import sympy as sp
>>> from probml.likelihood import Model
>>> x = sp.Symbol("x")
>>> lam = sp.Symbol("lambda", positive=True)
>>> poisson = Model(x * sp.log(lam) - lam - sp.log(sp.factorial(x)), data=x,
...                 support="counts", name="Poisson counts")
>>> poisson.derive().results["mle_lambda"]
Sum(x[i], (i, 1, n))/n
>>> fit = poisson.fit([2, 4, 3, 5, 1])
>>> float(fit.params_[0]), round(float(fit.bse_[0]), 4)
(3.0, 0.7746)

From it probml derives the log-likelihood of a sample of general size
:math:`n`, the score, the information and (where SymPy can solve the score
equations) the closed-form MLE (:meth:`Model.derive`); compiles the
derivatives into vectorised NumPy (:mod:`.compiled`); maximises the
likelihood (or the posterior, with priors) by Newton's method with a line
search on an unconstrained scale (:mod:`.parameters`); and reports
statsmodels-grade inference (:class:`~probml.likelihood.LikelihoodFit`).

A parameter may depend on covariates through a link,
:math:`g(\lambda_i) = x_i^\top\beta` (``link={lam: "log"}``), which makes
the model a regression: the score and information come from the derivatives
in the linear predictor :math:`\eta_i`,

.. math:: \frac{\partial\ell}{\partial\beta} = \sum_i \frac{\partial\ell_i}{\partial\eta_i}
          x_i, \qquad
          -\frac{\partial^2\ell}{\partial\beta\,\partial\beta^\top}
          = X^\top \operatorname{diag}\Bigl(-\frac{\partial^2\ell_i}{\partial\eta_i^2}\Bigr) X,

with the :math:`X` parts done by BLAS.
"""

import functools
import math
import warnings

import numpy as np
import sympy as sp

from .._validation import check_matrix
from ..exceptions import (
    BoundaryMaximumWarning,
    ConvergenceWarning,
)
from ..optim.newton import Evaluation, maximise
from .compiled import compile_expressions, gammaln, stable
from .parameters import BOUNDARY_PHI, Parameter, as_domain
from .priors import as_prior

__all__ = ["LINKS", "SUPPORTS", "Model"]

ETA = sp.Symbol("eta", real=True)

#: Inverse links :math:`\theta = g^{-1}(\eta)` by name.
LINKS = {
    "identity": lambda eta: eta,
    "log": sp.exp,
    "logit": lambda eta: 1 / (1 + sp.exp(-eta)),
    "probit": lambda eta: (1 + sp.erf(eta / sp.sqrt(2))) / 2,
    "cloglog": lambda eta: 1 - sp.exp(-sp.exp(eta)),
    "inverse": lambda eta: 1 / eta,
}

#: Supports of the data: (low, high, discrete), open at an infinite end.
SUPPORTS = {
    "real": (-math.inf, math.inf, False),
    "positive": (0.0, math.inf, False),
    "nonnegative": (0.0, math.inf, False),
    "unit": (0.0, 1.0, False),
    "counts": (0, math.inf, True),
    "positive counts": (1, math.inf, True),
    "binary": (0, 1, True),
}
_SUPPORT_TEXT = {
    "real": "real numbers", "positive": "numbers > 0", "nonnegative": "numbers >= 0",
    "unit": "numbers in (0, 1)", "counts": "counts 0, 1, 2, ...",
    "positive counts": "counts 1, 2, 3, ...", "binary": "0 or 1",
}
# Iteration limit and per-observation gradient tolerance of the fit.
MAX_ITER = 200
TOL = 1e-9


class Model:
    """A per-observation log-density in SymPy, with its data, parameters and priors.

    Parameters
    ----------
    logpdf : SymPy expression
        :math:`\\log f(x; \\theta)` of one observation.
    data : Symbol or sequence of Symbol
        The data symbols; the first is the response (its ``support`` is
        checked).  Further ones are per-observation covariates (an exposure).
    params : sequence of Symbol or dict of Symbol to domain, optional
        The parameters in order, and where each lives ("real", "positive",
        "unit", a pair ``(low, high)``); by default every other free symbol,
        in alphabetical order, with domains read from the symbols'
        assumptions (``positive=True``).
    support : str or (low, high), optional
        Where the response lives: one of :data:`SUPPORTS` ("counts",
        "binary", "positive", ...) or an interval.  Data outside it are
        refused; it also lets SymPy take the expected information.
    link : dict, optional
        ``{parameter: link}`` makes that parameter observation-specific,
        :math:`g(\\theta_i) = x_i^\\top\\beta`, with ``link`` one of
        :data:`LINKS`; ``fit`` then takes the covariates ``X``.
    prior : dict, optional
        ``{parameter: prior}``: a frozen ``scipy.stats`` distribution or a
        SymPy log-density in that parameter, for ``fit(..., method="map")``.
    name : str, optional
        A title for the derivation page and the summary.
    """

    def __init__(self, logpdf, data, params=None, *, support=None, link=None, prior=None,
                 name=None):
        self.logpdf = _as_expression(logpdf)
        self.data = _as_symbols(data, "data")
        free = self.logpdf.free_symbols
        for symbol in self.data:
            if symbol not in free:
                raise ValueError(f"The data symbol {symbol} does not appear in logpdf "
                                 f"{self.logpdf}.")
        self.parameters = _parameters(self.logpdf, self.data, params)
        self.support = _support(support)
        self.name = str(name) if name is not None else "user model"
        self.linked, self.link = _linked(self.parameters, link)
        self.priors = _priors(self.parameters, prior)
        _check_real_valued(self)

    # -- what the model is ---------------------------------------------------------

    @property
    def scalar_parameters(self):
        """The parameters shared by every observation (all but a linked one)."""
        return tuple(p for p in self.parameters if p is not self.linked)

    def __repr__(self):
        params = ", ".join(p.name for p in self.parameters)
        return f"Model({self.name!r}: log f({', '.join(map(str, self.data))}; {params}))"

    @functools.cached_property
    def observation_logpdf(self):
        r""":math:`\log f` with a linked parameter replaced by :math:`g^{-1}(\eta)`."""
        if self.linked is None:
            return self.logpdf
        return self.logpdf.subs(self.linked.symbol, LINKS[self.link](ETA))

    @functools.cached_property
    def _variables(self):
        """The per-observation variables the derivatives are taken in."""
        return tuple(p.symbol for p in self.scalar_parameters) + (
            (ETA,) if self.linked is not None else ())

    @functools.cached_property
    def _split(self):
        """(data-only part, part with parameters) of the log-density, as sums of terms."""
        expr = stable(self.observation_logpdf)
        data_only, rest = sp.S.Zero, sp.S.Zero
        for term in sp.Add.make_args(sp.expand(expr, multinomial=False, power_exp=False,
                                               power_base=False, log=False)):
            if term.free_symbols <= set(self.data):
                data_only += term
            else:
                rest += term
        return data_only, rest

    def compiled(self, sufficient=False):
        r"""The compiled log-density and its derivatives (cached).

        Returns the :class:`~.compiled.Compiled` function of the data and the
        variables (scalar parameters, then :math:`\eta`) whose outputs are
        the log-density without its data-only part, the gradient, and the
        upper triangle of the Hessian, per observation.  With ``sufficient``
        the data are the means of the sufficient statistics instead (see
        :attr:`sufficient_statistics`), and the outputs are per-observation
        averages.
        """
        if sufficient:
            statistics, rest = self._sufficient
            data = tuple(symbol for symbol, _ in statistics)
        else:
            data, rest = self.data, self._split[1]
        variables = self._variables
        gradient = [sp.diff(rest, v) for v in variables]
        hessian = [sp.diff(gradient[a], variables[b])
                   for a in range(len(variables)) for b in range(a, len(variables))]
        return compile_expressions(data, variables, tuple([rest, *gradient, *hessian]))

    @functools.cached_property
    def data_only_logpdf(self):
        r"""The terms of :math:`\log f` free of the parameters, as a NumPy function."""
        return sp.lambdify(self.data, self._split[0], modules=[{"loggamma": gammaln}, "numpy"])

    @functools.cached_property
    def _sufficient(self):
        r"""``([(symbol, T_k(x)), ...], rest)`` when :math:`\log f = c(x) + \sum_k a_k(\theta) T_k(x)`.

        Then :math:`\ell(\theta) = \sum_i c(x_i) + n\sum_k a_k(\theta)\bar T_k`:
        the means :math:`\bar T_k` are sufficient, and each Newton step
        costs nothing per observation.  Powers such as :math:`(x-\mu)^2`
        are not multiplied out (that would trade accuracy for speed), so the
        normal model is fitted per observation.
        """
        if self.linked is not None or len(self.data) != 1:
            return None
        statistics, rest = {}, sp.S.Zero
        for term in sp.Add.make_args(self._split[1]):
            outside, inside = term.as_independent(*self.data, as_Add=False)
            if outside.has(*self.data) or inside.free_symbols - set(self.data):
                return None
            if inside == 1:
                rest += outside
                continue
            if inside not in statistics:
                statistics[inside] = sp.Dummy(f"T{len(statistics)}")
            rest += outside * statistics[inside]
        if not statistics:
            return None
        return [(symbol, statistic) for statistic, symbol in statistics.items()], rest

    @property
    def sufficient_statistics(self):
        """The statistics :math:`T_k(x)` whose sums are sufficient, or None."""
        return None if self._sufficient is None else [t for _, t in self._sufficient[0]]

    # -- the derivation --------------------------------------------------------------

    def derive(self, *data, X=None):
        """The derivation of the model's likelihood, score, information and MLE.

        Returns a :class:`~probml._derivation.Derivation`: its page shows
        the steps, and its ``verify()`` checks them three ways on ``data``
        (by default a sample drawn from the support).
        """
        from .derivation import derive
        return derive(self, data, X)

    def verify(self, *data, X=None):
        """Verify the derivation three ways (see :meth:`derive`); returns a ``Report``."""
        return self.derive(*data, X=X).verify()

    # -- the fit ---------------------------------------------------------------------

    def fit(self, *data, X=None, start=None, method="mle", cov_type="observed",
            sample_weight=None, feature_names=None, max_iter=MAX_ITER, tol=TOL):
        """Maximise the likelihood (``method="mle"``) or the posterior (``"map"``).

        Parameters
        ----------
        *data : array-like of shape (n,)
            One array per data symbol, in the order of ``data``.
        X : array-like of shape (n, p), optional
            Covariates of a linked parameter (include a column of ones for an
            intercept).
        start : dict or sequence, optional
            Starting values on the user's scale; by default the closed-form
            MLE where there is one, else a point inside each domain.
        method : {"mle", "map"}
        cov_type : {"observed", "expected", "sandwich"}
            The covariance of the estimates: inverse observed information,
            inverse expected (Fisher) information, or the robust sandwich
            :math:`I^{-1} (\\sum_i s_i s_i^\\top) I^{-1}`.
        sample_weight : array-like of shape (n,), optional
            Frequency weights: a weight of 2 counts an observation twice.
        feature_names : sequence of str, optional
            Names of the columns of ``X`` (taken from a DataFrame's columns).

        Returns
        -------
        LikelihoodFit
        """
        from .results import LikelihoodFit
        problem = Problem(self, data, X, sample_weight, feature_names)
        if method not in ("mle", "map"):
            raise ValueError(f"method must be 'mle' or 'map', got {method!r}.")
        if method == "map" and not self.priors:
            raise ValueError("method='map' needs a prior: pass prior={parameter: ...} to "
                             "Model.")
        if cov_type not in ("observed", "expected", "sandwich"):
            raise ValueError("cov_type must be 'observed', 'expected' or 'sandwich', got "
                             f"{cov_type!r}.")
        if not (isinstance(max_iter, int) and max_iter >= 1):
            raise ValueError(f"max_iter must be a whole number >= 1, got {max_iter!r}.")
        if not (isinstance(tol, float | int) and 0 < tol < 1):
            raise ValueError(f"tol must be a number in (0, 1), got {tol!r}.")
        phi = problem.free_start(start)
        objective = problem.objective(with_prior=method == "map")
        result = _maximise(objective, phi, problem, max_iter, tol)
        return LikelihoodFit(self, problem, result, method=method, cov_type=cov_type,
                             objective=objective)

    def closed_form(self):
        """The closed-form MLE as numeric functions of the data, or None (cached)."""
        from .derivation import closed_form_functions
        return closed_form_functions(self)


def _maximise(objective, phi, problem, max_iter, tol):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = maximise(objective, phi, tol=tol, n=problem.total_weight, max_iter=max_iter)
    if not np.all(np.isfinite(result.theta)):
        raise FloatingPointError("The fit left the domain of the parameters: the "
                                 "log-likelihood is not finite there. Pass a start closer "
                                 "to the data.")
    boundary = [p.name for p, value in zip(problem.model.scalar_parameters, result.theta)
                if p.transform != "identity" and abs(value) > BOUNDARY_PHI]
    if boundary:
        warnings.warn(
            f"The likelihood rises towards the edge of the domain of {', '.join(boundary)}: "
            "the maximum is on the boundary, not inside, so the estimate is where Newton's "
            "method stopped and its standard error is undefined (NaN).",
            BoundaryMaximumWarning, stacklevel=4)
    elif not result.converged:
        warnings.warn(f"Newton's method stopped after {result.n_iter} iterations without "
                      "converging; raise max_iter or pass a better start.",
                      ConvergenceWarning, stacklevel=4)
    return result


class Problem:
    """A model with its data: the objective on the free scale, and the transforms."""

    def __init__(self, model, data, X, sample_weight, feature_names):
        self.model = model
        if len(data) != len(model.data):
            raise ValueError(f"fit takes one array per data symbol "
                             f"({', '.join(map(str, model.data))}), got {len(data)}.")
        arrays = [_data_array(values, str(symbol)) for values, symbol in zip(data, model.data)]
        n = len(arrays[0])
        for values, symbol in zip(arrays, model.data):
            if len(values) != n:
                raise ValueError(f"{symbol} has {len(values)} values but "
                                 f"{model.data[0]} has {n}: one per observation.")
        _check_support(arrays[0], model)
        self.n = n
        if sample_weight is None:
            self.weights = None
            self.total_weight = float(n)
        else:
            weights = _data_array(sample_weight, "sample_weight")
            if len(weights) != n or np.any(weights < 0) or not weights.sum() > 0:
                raise ValueError("sample_weight must hold one weight >= 0 per observation, "
                                 "not all zero.")
            self.weights, self.total_weight = weights, float(weights.sum())
        self.X, self.feature_names = None, None
        if model.linked is not None:
            if X is None:
                raise ValueError(f"The model links {model.linked.name} to covariates: pass X.")
            self.X, names = check_matrix(X, "X")
            names = feature_names if feature_names is not None else names
            if len(self.X) != n:
                raise ValueError(f"X has {len(self.X)} rows but there are {n} observations.")
            p = self.X.shape[1]
            self.feature_names = ([str(name) for name in names] if names is not None
                                  else [f"x{j}" for j in range(p)])
            if len(self.feature_names) != p:
                raise ValueError(f"feature_names must name the {p} columns of X.")
        elif X is not None:
            raise ValueError("X was given but the model has no linked parameter: pass "
                             "link={parameter: 'log'} (or another link) to Model.")
        self.arrays = arrays
        self.sufficient = model._sufficient is not None and self.X is None
        if self.sufficient:
            means = [self._mean(sp.lambdify(model.data, statistic, modules=[
                {"loggamma": gammaln}, "numpy"])(*arrays)) for _, statistic in
                model._sufficient[0]]
            self.prepared = model.compiled(True).prepare(*means)
        else:
            self.prepared = model.compiled().prepare(*arrays)
        self.n_scalar = len(model.scalar_parameters)
        self.n_coef = 0 if self.X is None else self.X.shape[1]

    @property
    def names(self):
        names = [p.name for p in self.model.scalar_parameters]
        return names + (list(self.feature_names) if self.X is not None else [])

    def to_user(self, phi):
        """The parameters on the user's scale, with the first and second derivatives of g."""
        theta = np.array(phi, dtype=float)
        d1, d2 = np.ones_like(theta), np.zeros_like(theta)
        for j, parameter in enumerate(self.model.scalar_parameters):
            theta[j], d1[j], d2[j] = parameter.from_free(float(phi[j]))
        return theta, d1, d2

    def to_free(self, theta):
        phi = np.array(theta, dtype=float)
        for j, parameter in enumerate(self.model.scalar_parameters):
            phi[j] = parameter.to_free(float(theta[j]))
        return phi

    def free_start(self, start):
        model, k = self.model, self.n_scalar
        theta = np.zeros(k + self.n_coef)
        if start is None:
            closed = model.closed_form() if self.weights is None else None
            values = closed(*self.arrays) if closed is not None else None
            for j, parameter in enumerate(model.scalar_parameters):
                value = values[j] if values is not None else None
                theta[j] = (value if value is not None and parameter.contains(value)
                            else parameter.default_start())
            return self.to_free(theta)
        names = self.names
        if isinstance(start, dict):
            given = {str(key): value for key, value in start.items()}
            unknown = set(given) - set(names)
            if unknown:
                raise ValueError(f"start names unknown parameters {sorted(unknown)}; the "
                                 f"parameters are {names}.")
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
            try:
                theta[j] = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"start[{names[j]!r}] must be a number, got "
                                 f"{value!r}.") from None
            if j < k and not model.scalar_parameters[j].contains(theta[j]):
                raise ValueError(f"start[{names[j]!r}] = {theta[j]} is outside the domain "
                                 f"{model.scalar_parameters[j].describe()}.")
            if not math.isfinite(theta[j]):
                raise ValueError(f"start[{names[j]!r}] must be finite, got {theta[j]}.")
        return self.to_free(theta)

    # -- the objective -----------------------------------------------------------

    def per_observation(self, theta):
        """Per-observation log-density (data-free part), gradient and Hessian entries."""
        k = self.n_scalar
        arguments = list(theta[:k])
        if self.X is not None:
            arguments.append(self.X @ theta[k:])
        return self.model.compiled(self.sufficient).evaluate(self.prepared, *arguments)

    def _total(self, values):
        """:math:`\\sum_i w_i v_i` of a per-observation array (or a constant)."""
        values = np.asarray(values, dtype=float)
        if values.ndim == 0:
            return float(values) * self.total_weight
        return float(values @ self.weights) if self.weights is not None else float(values.sum())

    def _weighted(self, values):
        values = np.broadcast_to(np.asarray(values, dtype=float), (self.n,))
        return values * self.weights if self.weights is not None else values

    def _mean(self, values):
        """The (weighted) mean over observations of a per-observation array."""
        values = np.broadcast_to(np.asarray(values, dtype=float), (self.n,))
        return self._total(values) / self.total_weight

    @functools.cached_property
    def data_loglik(self):
        """The data-only part of the log-likelihood, summed once."""
        with np.errstate(all="ignore"):
            return self._total(np.broadcast_to(self.model.data_only_logpdf(*self.arrays),
                                               (self.n,)))

    def user_derivatives(self, theta, hessian=True):
        """Log-likelihood, gradient and Hessian on the user's scale at ``theta``."""
        values = self.per_observation(theta)
        k, variables = self.n_scalar, len(self.model._variables)
        loglik = self.data_loglik + self._total(values[0])
        gradient_parts = values[1:1 + variables]
        gradient = np.array([self._total(g) for g in gradient_parts[:k]])
        if self.X is not None:
            gradient = np.concatenate([gradient, self.X.T @ self._weighted(gradient_parts[k])])
        if not hessian:
            return loglik, gradient, None
        second = iter(values[1 + variables:])
        size = k + self.n_coef
        H = np.zeros((size, size))
        for a in range(variables):
            for b in range(a, variables):
                entry = next(second)
                if a < k and b < k:
                    H[a, b] = H[b, a] = self._total(entry)
                elif a < k:           # a scalar parameter and eta
                    H[a, k:] = H[k:, a] = self.X.T @ self._weighted(entry)
                else:                 # eta and eta
                    weighted = self._weighted(entry)
                    H[k:, k:] = (self.X * weighted[:, None]).T @ self.X
        return loglik, gradient, H

    def scores(self, theta):
        """Per-observation scores on the user's scale, shape (n, k), for the sandwich."""
        k = self.n_scalar
        arguments = list(theta[:k]) + ([self.X @ theta[k:]] if self.X is not None else [])
        compiled = self.model.compiled()
        values = compiled.evaluate(compiled.prepare(*self.arrays), *arguments)
        parts = [np.broadcast_to(np.asarray(g, dtype=float), (self.n,))
                 for g in values[1:1 + len(self.model._variables)]]
        columns = parts[:k]
        if self.X is not None:
            columns = columns + list((self.X * parts[k][:, None]).T)
        return np.column_stack(columns) if columns else np.zeros((self.n, 0))

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

    def objective(self, with_prior):
        """``evaluate(phi, hessian)`` for Newton's method, on the free scale."""
        def evaluate(phi, hessian):
            theta, d1, d2 = self.to_user(phi)
            loglik, gradient, H = self.user_derivatives(theta, hessian)
            value = loglik
            if with_prior:
                prior_value, prior_gradient, prior_hessian = self.log_prior(theta)
                value, gradient = value + prior_value, gradient + prior_gradient
                if H is not None:
                    H = H + prior_hessian
            if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
                return Evaluation(-math.inf, np.zeros_like(phi), None if H is None else
                                  np.eye(len(phi)), extra=loglik)
            free_gradient = gradient * d1
            information = None
            if H is not None:
                free_hessian = H * np.outer(d1, d1) + np.diag(gradient * d2)
                information = _positive_definite(-free_hessian)
            return Evaluation(value, free_gradient, information, extra=loglik)
        return evaluate


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


# -- checks of the definition ----------------------------------------------------------

def _as_expression(logpdf):
    try:
        expr = sp.sympify(logpdf, strict=True)
    except (sp.SympifyError, TypeError):
        raise TypeError(f"logpdf must be a SymPy expression, got {type(logpdf).__name__} "
                        f"{logpdf!r}.") from None
    if not isinstance(expr, sp.Expr) or isinstance(expr, sp.MatrixBase):
        raise TypeError(f"logpdf must be a scalar SymPy expression, got {expr!r}.")
    if not expr.free_symbols:
        raise ValueError(f"logpdf {expr} has no symbols: it needs data and parameters.")
    return expr


def _as_symbols(values, what):
    if isinstance(values, sp.Symbol):
        values = [values]
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{what} must be a SymPy Symbol or a sequence of them, got {values!r}.")
    values = list(values)
    if not values or not all(isinstance(v, sp.Symbol) for v in values):
        raise TypeError(f"{what} must be a SymPy Symbol or a non-empty sequence of them, got "
                        f"{values!r}.")
    if len(set(values)) != len(values):
        raise ValueError(f"{what} lists a symbol twice: {values}.")
    return tuple(values)


def _parameters(logpdf, data, params):
    free = logpdf.free_symbols - set(data)
    if params is None:
        symbols, domains = sorted(free, key=str), {}
    elif isinstance(params, dict):
        symbols, domains = list(params), dict(params)
    else:
        symbols, domains = list(_as_symbols(params, "params")), {}
    _as_symbols(symbols, "params")
    for symbol in symbols:
        if symbol in data:
            raise ValueError(f"{symbol} is listed both as data and as a parameter.")
        if symbol not in free:
            raise ValueError(f"The parameter {symbol} does not appear in logpdf {logpdf}: "
                             "the data could not inform it.")
    missing = free - set(symbols)
    if missing:
        raise ValueError(f"logpdf has symbols that are neither data nor parameters: "
                         f"{sorted(map(str, missing))}. List them in data or params.")
    if not symbols:
        raise ValueError("The model has no parameters: logpdf depends on the data alone.")
    return tuple(Parameter(s, *as_domain(s, domains.get(s))) for s in symbols)


def _support(support):
    if support is None:
        return None
    if isinstance(support, str):
        if support not in SUPPORTS:
            raise ValueError(f"support must be one of {sorted(SUPPORTS)} or a pair "
                             f"(low, high), got {support!r}.")
        return support
    try:
        low, high = (float(v) for v in support)
    except (TypeError, ValueError):
        raise ValueError(f"support must be a name or a pair (low, high), got "
                         f"{support!r}.") from None
    if not low < high:
        raise ValueError(f"support must have low < high, got {support!r}.")
    return (low, high)


def support_interval(support):
    """(low, high, discrete) of a support, or None."""
    if support is None:
        return None
    if isinstance(support, str):
        return SUPPORTS[support]
    return (support[0], support[1], False)


def _linked(parameters, link):
    if link is None:
        return None, None
    if not isinstance(link, dict) or len(link) != 1:
        raise ValueError("link must be a dict {parameter: link name} with one entry, got "
                         f"{link!r}.")
    (symbol, name), = link.items()
    matches = [p for p in parameters if p.symbol == symbol or p.name == str(symbol)]
    if not matches:
        raise ValueError(f"link names {symbol}, which is not a parameter of the model.")
    if name not in LINKS:
        raise ValueError(f"The link of {symbol} must be one of {sorted(LINKS)}, got {name!r}.")
    return matches[0], name


def _priors(parameters, prior):
    if prior is None:
        return {}
    if not isinstance(prior, dict):
        raise TypeError(f"prior must be a dict {{parameter: distribution}}, got {prior!r}.")
    out = {}
    by_name = {p.name: p for p in parameters}
    for key, value in prior.items():
        parameter = by_name.get(str(key))
        if parameter is None:
            raise ValueError(f"prior names {key}, which is not a parameter of the model.")
        out[parameter.symbol] = as_prior(value, parameter)
    return out


def _check_real_valued(model):
    """The log-density must be a real number at points inside the domain and support."""
    point = {p.symbol: sp.Float(_inside(p.low, p.high)) for p in model.parameters}
    low, high, discrete = support_interval(model.support) or (-math.inf, math.inf, False)
    for symbol in model.data[1:]:
        point[symbol] = sp.Float(1.0)
    for value in (_inside(low, high, discrete), _inside(low, high, discrete, 1)):
        point[model.data[0]] = value
        result = sp.N(model.logpdf.subs(point))
        if not result.is_number or result.is_real is False or result.has(sp.I) or \
                not result.is_finite:
            raise ValueError(
                f"logpdf is not a finite real number at {', '.join(f'{k} = {v:g}' for k, v in point.items())} "
                f"(it is {result}): a log-density must be real on the parameters' domains "
                "and the data's support. Declare the domains (positive=True, params={...}) "
                "and the support.")


def _inside(low, high, discrete=False, which=0):
    """A typical point of (low, high): 0.5 or 1.5 in, or the middle of a bounded interval."""
    if discrete:
        return sp.Integer(int(low) + 1 + which) if high > low + 1 else sp.Integer(int(low)
                                                                               + which)
    if math.isinf(low) and math.isinf(high):
        return sp.Float(0.3 + which)
    if math.isinf(high):
        return sp.Float(low + 0.7 + which)
    if math.isinf(low):
        return sp.Float(high - 0.7 - which)
    return sp.Float(low + (high - low) * (0.3 + 0.4 * which))


def _data_array(values, name):
    if isinstance(values, (str, bytes)) or values is None:
        raise TypeError(f"{name} must be an array of numbers, got {values!r}.")
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers, got {values!r}.") from None
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}.")
    if len(array) == 0:
        raise ValueError(f"{name} is empty: a fit needs at least one observation.")
    bad = np.flatnonzero(~np.isfinite(array))
    if len(bad):
        raise ValueError(f"{name} must be finite; {name}[{bad[0]}] = {array[bad[0]]}.")
    return array


def _check_support(values, model):
    interval = support_interval(model.support)
    if interval is None:
        return
    low, high, discrete = interval
    name = str(model.data[0])
    closed_low = discrete or model.support == "nonnegative"
    outside = (values < low) | (values > high) | (~closed_low & (values == low)) | (
        (values == high) & (not discrete))
    if discrete:
        outside |= values != np.round(values)
    bad = np.flatnonzero(outside)
    if len(bad):
        text = _SUPPORT_TEXT.get(model.support, f"numbers in ({low:g}, {high:g})")
        raise ValueError(f"{name} must be {text} (the support of the model); "
                         f"{name}[{bad[0]}] = {values[bad[0]]:g}.")
