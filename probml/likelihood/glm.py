r"""Generalized linear models as thin definitions on the likelihood engine.

A GLM is a family of log-densities in the mean :math:`\mu` (and a
dispersion :math:`\phi`) whose mean depends on covariates through a link,
:math:`g(\mu_i) = x_i^\top\beta + o_i`.  Each family here is its SymPy
log-density, its variance function :math:`V(\mu)` and its unit deviance
:math:`d(y, \mu)`, and SymPy proves the two identities that make it an
exponential dispersion family (``GLM.derive()`` and the tests):

.. math:: \frac{\partial \ell}{\partial\mu} = \frac{y - \mu}{\phi V(\mu)},
    \qquad d(y, \mu) = 2\phi\,\bigl(\ell(y; y) - \ell(y; \mu)\bigr).

The engine derives :math:`\partial\ell_i/\partial\eta_i` and
:math:`\partial^2\ell_i/\partial\eta_i^2`, compiles them, and maximises the
likelihood by Newton's method with the :math:`X` parts done by BLAS.  The
covariance is statsmodels' default, :math:`\hat\phi (X^\top W X)^{-1}` with the
Fisher weights

.. math:: W_{ii} = \frac{(\partial\mu_i/\partial\eta_i)^2}{V(\mu_i)},

which follow from the first identity because :math:`E[y - \mu] = 0`; the
dispersion is Pearson's :math:`\hat\phi = \chi^2/(n - p)` (1 for the
binomial and Poisson).  The negative binomial (NB2,
:math:`V = \mu + \alpha\mu^2`) is not an exponential dispersion family in
:math:`\alpha`, which is estimated jointly by maximum likelihood, with the
observed information, as statsmodels' ``NegativeBinomial`` does.

Two maxima lie on the edge of a domain rather than inside it, and are
reported as such (:class:`~probml.exceptions.BoundaryMaximumWarning`):

* **the dispersion at 0.**  At :math:`\alpha = 0` the negative binomial is the
  Poisson model, and the score of :math:`\alpha` there is
  :math:`\tfrac12\sum_i [(y_i - \hat\mu_i)^2 - y_i]` at the Poisson fit
  (Cameron and Trivedi 1990).  When it is not positive
  the counts are not overdispersed and the Poisson fit is the maximum: it is
  reported with :math:`\hat\alpha = 0`, no standard error for
  :math:`\alpha`, and the likelihood-ratio test of :math:`\alpha = 0` against
  the 50:50 mixture of :math:`\chi^2_0` and :math:`\chi^2_1`
  (``alpha_test_``; Self and Liang 1987);
* **means at the edge of their domain.**  A count of 0 or a binomial count of
  0 or :math:`m` draws its fitted mean to the edge (0, or a probability of 1).
  Under a link that reaches the edge only at infinity, the MLE exists exactly
  when no direction of the coefficients moves those rows towards their edges
  while leaving the others where they are (separation; Albert and Anderson
  1984, Santos Silva and Tenreyro 2010), which a linear program decides.  The
  supremum is then the maximum over the other rows (to which the model is
  fitted again) with each edge row at its limit, adding 0 to the
  log-likelihood, the deviance and Pearson's :math:`\chi^2` (a fitted 0 or 1
  at an observed 0 or 1); the coefficients the other rows do not identify
  are where Newton's method stopped, with NaN standard errors.  Under a link
  whose reach ends inside the domain (identity for counts, log for a
  probability) such a maximum is a finite point on the boundary, with no
  standard errors.
"""

import contextlib
import functools
import math
import warnings
from dataclasses import dataclass

import numpy as np
import sympy as sp

from .._blocks import chunk_total, row_sum, weighted_sum
from .._validation import (
    BOOLEAN,
    Integer,
    Optional,
    Options,
    Real,
    check_aligned,
    check_finite,
    check_is_fitted,
    check_matrix,
    check_weights,
    combined_weights,
    dask_array,
    is_dask_collection,
    label_rows,
    record_features,
    sample_array,
    validate_features,
)
from ..exceptions import (
    BoundaryMaximumWarning,
    ConvergenceWarning,
    PerfectSeparationWarning,
    warn,
)
from ..inference import (
    COV_TYPES,
    HC_POWER,
    CoefficientInference,
    Prediction,
    as_count,
    cluster_codes,
    hc_meat,
    information_criteria,
    linear_predictor_se,
    robust_covariance,
    rounding_level_rss,
    sandwich,
    summed_meat,
)
from ..models.base import Regressor, chunkwise, linear_prediction, warn_exact_fit
from .compiled import MODULES, compile_expressions, stable
from .model import ETA, LINKS, Model, link_function
from .problem import flat_directions
from .results import boundary_likelihood_ratio_test

__all__ = ["FAMILIES", "GLM", "Family"]

Y, MU, TRIALS = sp.Symbol("y"), sp.Symbol("mu", positive=True), sp.Symbol("m", positive=True)
PHI = sp.Symbol("phi", positive=True)
ALPHA = sp.Symbol("alpha", positive=True)

# A fitted mean within this share of the edge of its domain (a probability of 0 or 1, a
# count's mean of 0, relative to the mean count) at a row observed on that edge sends
# the fit to the test of whether the maximum is on the edge.
EDGE = 1e-6
# An edge row whose linear predictor a direction of the null space moves by more than
# this (the columns scaled to a largest entry of 1, the basis orthonormal) can be separated.
MOVED = 1e-9
# A Newton step longer than this share of a parameter (or of 1) at a fit that claims
# convergence shows the parameter running off.
MOVING = 1e-3
# The rows of a linear program of separation at a time (constraint generation).
LP_ROWS = 1024
# The links whose inverse maps the real line onto the family's mean domain: there a
# mean reaches the edge of its domain only as the linear predictor runs off to infinity.
LINKS_ONTO = {"binomial": ("logit", "probit", "cloglog"), "poisson": ("log",),
              "negative_binomial": ("log",)}


@dataclass(frozen=True)
class Family:
    """An exponential dispersion family: log-density, variance function, unit deviance.

    ``limit`` names the family that the edge of the extra parameter's domain gives
    (the negative binomial at :math:`\\alpha = 0` is the Poisson), where its maximum
    lies when the data do not pull it inside, and ``edge_score`` is the score of
    that parameter there, :math:`\\lim_{\\alpha\\to 0^+}\\partial\\ell/\\partial\\alpha`
    (the tests check the limit).
    """

    name: str
    logpdf: sp.Expr
    variance: sp.Expr
    deviance: sp.Expr
    links: tuple
    support: str
    dispersion: str = "estimated"        # "one" (binomial, Poisson) or "alpha" (NB2)
    limit: str = None
    edge_score: sp.Expr = None

    @property
    def canonical_link(self):
        return self.links[0]


def _families():
    y, mu, m, phi, alpha = Y, MU, TRIALS, PHI, ALPHA
    return {
        "gaussian": Family("gaussian", -(y - mu) ** 2 / (2 * phi) - sp.log(2 * sp.pi * phi) / 2,
                           sp.S.One, (y - mu) ** 2, ("identity", "log", "inverse"), "real"),
        "poisson": Family("poisson", y * sp.log(mu) - mu - sp.loggamma(y + 1), mu,
                          2 * (y * sp.log(y / mu) - (y - mu)), ("log", "identity"), "counts",
                          "one"),
        "binomial": Family(
            "binomial",
            sp.loggamma(m + 1) - sp.loggamma(y + 1) - sp.loggamma(m - y + 1)
            + y * sp.log(mu) + (m - y) * sp.log(1 - mu),
            mu * (1 - mu) / m,
            2 * (y * sp.log(y / (m * mu)) + (m - y) * sp.log((m - y) / (m * (1 - mu)))),
            ("logit", "probit", "cloglog", "log"), "counts", "one"),
        "gamma": Family("gamma", (sp.log(y / (phi * mu)) - y / mu) / phi - sp.log(y)
                        - sp.loggamma(1 / phi), mu ** 2,
                        2 * (-sp.log(y / mu) + (y - mu) / mu), ("inverse", "log", "identity"),
                        "positive"),
        "inverse_gaussian": Family(
            "inverse_gaussian", -sp.log(2 * sp.pi * phi * y ** 3) / 2
            - (y - mu) ** 2 / (2 * phi * mu ** 2 * y), mu ** 3, (y - mu) ** 2 / (mu ** 2 * y),
            ("inverse_squared", "log", "inverse", "identity"), "positive"),
        "negative_binomial": Family(
            "negative_binomial", sp.loggamma(y + 1 / alpha) - sp.loggamma(1 / alpha)
            - sp.loggamma(y + 1) + y * sp.log(alpha * mu / (1 + alpha * mu))
            - sp.log(1 + alpha * mu) / alpha, mu + alpha * mu ** 2,
            2 * (y * sp.log(y / mu) - (y + 1 / alpha) * sp.log((1 + alpha * y)
                                                                / (1 + alpha * mu))),
            ("log", "identity"), "counts", "alpha", limit="poisson",
            # Cameron and Trivedi (1990)'s score test of overdispersion
            edge_score=((y - mu) ** 2 - y) / 2),
    }


#: The GLM families, by name.
FAMILIES = _families()


class GLM(CoefficientInference, Regressor):
    """A generalized linear model fitted by maximum likelihood on the likelihood engine.

    Parameters
    ----------
    family : str
        "gaussian", "poisson", "binomial", "gamma", "inverse_gaussian" or
        "negative_binomial" (NB2, its dispersion :math:`\\alpha` estimated).
    link : str, optional
        The family's canonical link by default; see ``FAMILIES[f].links``.
    fit_intercept : bool
        Add a column of ones to ``X``.
    max_iter, tol : Newton's iteration limit and per-observation gradient tolerance, for
        each of the fits a GLM may take (Fisher scoring and the Newton steps that
        finish it where it stalls; the Poisson fit the negative binomial starts from).
    cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"}, default="nonrobust"
        The coefficients' covariance: the inverse Fisher information times the
        dispersion, or the sandwich :math:`B M B` of the scores
        :math:`s_i = (\\partial\\ell_i/\\partial\\eta_i)\\,a_i` with statsmodels'
        bread :math:`B` (the inverse observed information).  HC0 is statsmodels'
        (which returns HC0 for all four names); HC1 scales it by
        :math:`n/(n - k)`; HC2 and HC3 divide each :math:`s_i s_i^\\top` by
        :math:`1 - h_i` and :math:`(1 - h_i)^2`, with the leverages
        :math:`h_i = w_i a_i^\\top (A^\\top W A)^{-1} a_i` of IRLS's last weighted
        least squares (:math:`w_i` the Fisher weights), as R's
        ``sandwich::vcovHC`` defines them for a GLM.  "cluster" sums the scores
        within the ``groups`` passed to ``fit``.

    Attributes
    ----------
    params_, bse_, cov_params_, tvalues_, pvalues_ : ndarray
        Intercept first, then the features (then ``alpha`` for the
        negative binomial).
    scale_ : float
        The dispersion :math:`\\hat\\phi`.
    deviance_, pearson_chi2_, loglik_, aic_, bic_ : float
        As statsmodels' GLM reports them (AIC and BIC count the mean
        parameters, and :math:`\\alpha` for the negative binomial).
    mu_ : ndarray
        The fitted means.
    n_obs_, df_resid_ : float
        The number of observations (the sum of the frequency weights) and
        :math:`n - p`.
    n_iter_ : int
        Newton iterations, over every fit taken.
    converged_ : bool
    exact_fit_ : bool
        Whether a family with an estimated dispersion fits the data exactly to working
        precision: Pearson's chi-square at the level rounding alone leaves in residuals
        :math:`y_i - \\mu_i` of terms of magnitude :math:`|y_i| + |\\mu_i| +
        |\\mathrm d\\mu_i/\\mathrm d\\eta_i|\\,(|o_i| + \\sum_j |x_{ij}\\beta_j|)`
        (:func:`~probml.inference.rounding_level_rss`), said with a
        :class:`~probml.exceptions.PerfectFitWarning`.  The z statistics, p-values and
        intervals are then NaN, as the dispersion they divide by measures rounding.
    alpha_test_ : LikelihoodRatioTest
        The negative binomial's likelihood-ratio test of :math:`\\alpha = 0`
        against the Poisson model, on the boundary: ``boundary=True``, the
        p-value from :math:`\\tfrac12\\chi^2_0 + \\tfrac12\\chi^2_1` (Stata's
        "LR test of alpha=0: chibar2(01)").  Where the counts are not
        overdispersed its statistic is 0, :math:`\\hat\\alpha = 0` (with a
        :class:`~probml.exceptions.BoundaryMaximumWarning`) and ``bse_`` of
        alpha is NaN.

    Notes
    -----
    Where fitted means reach the edge of their domain (separated classes, counts
    of 0 that the coefficients can fit exactly) the MLE does not exist: a
    :class:`~probml.exceptions.PerfectSeparationWarning` (binomial) or
    :class:`~probml.exceptions.BoundaryMaximumWarning` says so, the statistics
    are their limits and the coefficients the other rows do not identify have
    NaN standard errors (see the module's notes).
    """

    _parameter_domains = {
        "family": Options(*FAMILIES),
        "link": Optional(Options("identity", "log", "logit", "probit", "cloglog", "inverse",
                                 "inverse_squared")),
        "fit_intercept": BOOLEAN,
        "max_iter": Integer(1, 100_000),
        "tol": Real(0, 1, closed="neither"),
        "cov_type": Options(*COV_TYPES),
    }

    def __init__(self, family="gaussian", link=None, *, fit_intercept=True, max_iter=100,
                 tol=1e-9, cov_type="nonrobust"):
        self.family = family
        self.link = link
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.cov_type = cov_type

    @property
    def _summary_title(self):
        return f"Generalized linear model: {self._family().name}, {self._link()} link"

    def _family(self):
        return FAMILIES[Options(*FAMILIES)(self.family, "family")]

    def _link(self):
        family = self._family()
        link = family.canonical_link if self.link is None else self.link
        if link not in family.links:
            raise ValueError(f"link must be one of {list(family.links)} for the {family.name} "
                             f"family, got {link!r}.")
        return link

    def model(self):
        """The engine's :class:`~probml.likelihood.Model` of this family and link."""
        return _model(self._family().name, self._link())

    def derive(self):
        """The derivation of the family's score and information in the linear predictor."""
        return self.model().derive()

    # -- the fit ---------------------------------------------------------------------

    def fit(self, X, y, sample_weight=None, *, freq_weights=None, offset=None, exposure=None,
            trials=None, groups=None):
        """Fit by Newton's method from the GLM's usual start.

        Parameters
        ----------
        X : array-like of shape (n, p)
        y : array-like of shape (n,)
            The response: counts of successes for the binomial (out of
            ``trials``), counts for Poisson and the negative binomial.
        sample_weight : array-like of shape (n,), optional
            Analytic (variance) weights, statsmodels' ``var_weights``: row
            :math:`i` has dispersion :math:`\\phi / w_i` (an average of
            :math:`w_i` observations); the residual degrees of freedom count
            rows.
        freq_weights : array-like of shape (n,), optional
            Frequency weights: a row with weight 3 counts as three identical
            rows (the fit equals the repeated data's).
        offset, exposure : array-like of shape (n,), optional
            :math:`\\eta = x^\\top\\beta + \\text{offset} + \\log(\\text{exposure})`.
        trials : array-like of shape (n,), optional
            Binomial trials per row (default 1: a Bernoulli response).
        groups : array-like of shape (n,), optional
            The cluster of each row, for ``cov_type="cluster"``.

        Returns
        -------
        self
        """
        if any(is_dask_collection(values) for values in (X, y, offset, exposure, trials)):
            return self._fit_chunks(X, y, offset=offset, exposure=exposure, trials=trials,
                                    sample_weight=sample_weight, freq_weights=freq_weights,
                                    groups=groups)
        params = self._check_params()
        family, link = self._family(), self._link()
        X_input = X
        check_aligned(X, y)
        X, names = check_matrix(X, "X", finite=False)     # the engine's Problem scans X
        n = len(X)
        if n < 2:
            raise ValueError(f"GLM needs at least 2 samples: X has n_samples = {n}.")
        y = sample_array(y, "y")
        if len(y) != n:
            raise ValueError(f"y has {len(y)} values but X has {n} rows.")
        total_offset = _offsets(offset, exposure, n, link)
        data = [y]
        if family.name == "binomial":
            data.append(np.ones(n) if trials is None else _trials(y, trials))
        elif trials is not None:
            raise ValueError("trials applies to the binomial family only.")
        analytic = check_weights(sample_weight, "sample_weight", n)
        frequency = check_weights(freq_weights, "freq_weights", n)
        if analytic is not None and family.dispersion == "alpha":
            raise ValueError("sample_weight (analytic weights) is not defined for the negative "
                             "binomial with its dispersion estimated; pass freq_weights.")
        # Both weights multiply a row's score, so the estimate uses their product.
        combined = combined_weights(analytic, frequency)
        if params["cov_type"] != "nonrobust" and (family.dispersion == "alpha" or combined
                                                   is not None):
            raise ValueError(f"cov_type={params['cov_type']!r} is available for the GLMs without "
                             "weights and with a fixed or moment-estimated dispersion; fit the "
                             "negative binomial or weighted data with cov_type='nonrobust'.")
        codes = cluster_codes(groups, n, params["cov_type"])
        # One trial per row (a Bernoulli response): the model without its trials, fitted
        # by Fisher scoring.
        bernoulli = family.name == "binomial" and trials is None
        # A free dispersion makes the family scale-equivariant: it is fitted to y / c, a
        # power of two that brings y near 1, so that no mean, variance or score leaves
        # double precision (and the gradient test is met at any scale).
        c, factor = _response_scale(family, link, y)
        if c != 1.0:
            y = data[0] = y / c
            total_offset = _scaled_offset(total_offset, c, factor, link, n)
        start = _start(family, link, X, y, data, total_offset, self.fit_intercept)
        responses = data[:1 if bernoulli else None]
        options = dict(fit_intercept=self.fit_intercept, feature_names=names,
                       max_iter=self.max_iter, tol=self.tol)
        with _held_warnings() as caught:
            fit, iterations, test = _fit_family(family, link, bernoulli, responses, start,
                                                X=X, sample_weight=combined,
                                                offset=total_offset, **options)
            edge = _mean_edge(family, link, fit, data, combined, caught)
            if edge is not None and edge.at_infinity and not edge.rows.all():
                # The supremum's finite part: the maximum over the rows off the edge,
                # from where Newton's method stopped.
                kept, restricted = _restricted(responses, X, combined, total_offset,
                                               ~edge.rows)
                fit, more, test = _fit_family(family, link, bernoulli, kept,
                                              list(fit.params_[fit.problem.n_scalar:]),
                                              **restricted, **options)
                iterations += more
        unidentified = self._store(fit, family, link, analytic, frequency, codes, test, edge)
        if c != 1.0:
            self._unscale(c, factor, family)
        self.n_iter_ = iterations
        _issue(caught, edge, unidentified)
        validate_features(self, X_input, reset=True)
        return self

    def _fit_chunks(self, X, y, *, offset, exposure, trials, **options):
        """Fit on Dask ``X`` and ``y`` (and ``offset``, ``exposure``, ``trials``) a row chunk
        at a time: the in-memory checks on every chunk, the same start (sums over the
        chunks), and Newton's method on the engine's passes over the chunks
        (:class:`~probml.likelihood.chunked.ChunkedProblem`)."""
        import dask.array as da

        from ..models.streaming import dask_design, refuse_options
        from .chunked import check_chunks

        refuse_options(options)
        params = self._check_params()
        family, link = self._family(), self._link()
        if params["cov_type"] == "cluster":
            raise ValueError("cov_type='cluster' is not available with Dask input yet: fit "
                             "cov_type='HC0'...'HC3', or on X.compute() and y.compute() in "
                             "memory.")
        if trials is not None and family.name != "binomial":
            raise ValueError("trials applies to the binomial family only.")
        X, y, names = dask_design(X, y)
        n = X.shape[0]
        if n < 2:
            raise ValueError(f"GLM needs at least 2 samples: X has n_samples = {n}.")
        given = {name: dask_array(values, name, 1) for name, values in (
            ("offset", offset), ("exposure", exposure), ("trials", trials)) if values is not None}
        for name, values in given.items():
            if values.shape[0] != n:
                raise ValueError(f"{name} has {values.shape[0]} values but X has {n} rows.")
            given[name] = values.astype(np.float64).rechunk((X.chunks[0],))

        def check(y, *columns):
            """The in-memory checks of a chunk's y, offset, exposure and trials."""
            chunk = dict(zip(given, columns))
            _offsets(chunk.get("offset"), chunk.get("exposure"), len(y), link)
            if "trials" in chunk:
                _trials(y, chunk["trials"])
        check_chunks(check, y, *given.values())
        total_offset = given.get("offset")
        if "exposure" in given:
            logs = da.log(given["exposure"])
            total_offset = logs if total_offset is None else total_offset + logs
        data = [y, *([given["trials"]] if "trials" in given else [])]
        start = _start(family, link, X, y, data, total_offset, self.fit_intercept)
        with _held_warnings() as caught:
            fit, iterations, test = _fit_family(
                family, link, family.name == "binomial" and trials is None, data, start, X=X,
                fit_intercept=self.fit_intercept, offset=total_offset, feature_names=names,
                max_iter=self.max_iter, tol=self.tol)
        edge = _chunked_mean_edge(family, link, fit, caught)
        unidentified = self._store(fit, family, link, None, None, alpha_test=test, edge=edge)
        self.n_iter_ = iterations
        _issue(caught, edge, unidentified)
        record_features(self, X.shape[1], names)
        self._fitted_on_pandas = names is not None
        return self

    def _store(self, fit, family, link, analytic, frequency, codes=None, alpha_test=None,
               edge=None):
        """The estimates and their inference from ``fit``; ``alpha_test`` is the negative
        binomial's test of :math:`\\alpha = 0` (its ``fit`` then the Poisson one when
        :math:`\\alpha` is on that edge), ``edge`` what :func:`_mean_edge` found (``fit``
        then covers the rows off the edge).  Returns the names of the parameters whose
        standard errors are NaN at an edge."""
        problem = fit.problem
        k = problem.n_scalar
        beta = fit.params_[k:]
        names = problem.feature_names
        # The negative binomial at alpha = 0 is the Poisson model, and was fitted as such.
        fitted = family if k or family.limit is None else FAMILIES[family.limit]
        functions = _numeric(fitted.name, link)
        theta = fit.params_
        # Every row separated: in the limit each adds 0 to every statistic.
        vanished = edge is not None and edge.at_infinity and edge.rows.all()
        parts = [] if vanished else problem.map_rows(
            lambda part, rows: _row_statistics(part, rows, theta, functions, fitted))
        self.deviance_ = math.fsum(part[1] for part in parts)
        self.pearson_chi2_ = math.fsum(part[2] for part in parts)
        rows = problem.n if edge is None or not edge.at_infinity else len(edge.rows)
        n_obs = float(rows if frequency is None else frequency.sum())    # counted rows
        p = problem.n_coef
        self.n_obs_, self.df_resid_ = n_obs, n_obs - p
        if family.dispersion == "estimated":
            self.scale_ = self.pearson_chi2_ / self.df_resid_ if self.df_resid_ > 0 else math.nan
        else:
            self.scale_ = 1.0
        # A dispersion estimated from residuals that are rounding measures nothing.
        self.exact_fit_ = family.dispersion == "estimated" and warn_exact_fit(
            f"The {family.name} GLM", self.pearson_chi2_,
            rounding_level_rss(math.sqrt(math.fsum(part[3] for part in parts)), p),
            "Pearson's chi-square")
        # At an edge the rows off it identify what they can; the flat directions the fit
        # found (NaN standard errors, with its warning) stay undefined.
        cov = (_edge_covariance(fit, edge, vanished) if edge is not None else
               fit.cov_params_ if k else _inverse(fit.information_, ~np.isnan(fit.bse_)))
        loglik = 0.0 if vanished else fit.loglik_
        unidentified = [name for name, variance in zip(problem.names, np.diagonal(cov))
                        if np.isnan(variance)] if edge is not None else []
        self.__dict__.pop("alpha_test_", None)
        self._notes = []
        if family.dispersion == "alpha":
            self.alpha_test_ = alpha_test
            self._notes += _alpha_notes(alpha_test, on_edge=not k)
            if not k:
                warn(
                    "The negative binomial's dispersion alpha has its maximum at 0, the edge "
                    "of its domain: the counts are not overdispersed (the score of alpha "
                    "there, sum((y - mu)^2 - y)/2 at the Poisson fit, is not positive), so "
                    "the Poisson fit is the maximum. alpha is reported as 0 with no standard "
                    "error (NaN); alpha_test_ is the likelihood-ratio test of alpha = 0 "
                    "(chibar2(01) = 0, p = 1).", BoundaryMaximumWarning)
            if k:                                     # alpha last, as statsmodels
                order = [*range(k, p + k), 0]
                params, cov = fit.params_[order], cov[np.ix_(order, order)]
            else:            # alpha = 0, on the edge of its domain: no standard error
                params, cov = np.r_[fit.params_, 0.0], np.pad(cov, (0, 1),
                                                              constant_values=np.nan)
            self.loglik_ = loglik
            self.aic_, self.bic_ = information_criteria(self.loglik_, p + 1, n_obs)
            self._store_table([*names, "alpha"], params, cov, None)
        else:
            self.loglik_ = (loglik if family.dispersion == "one" else
                            _loglik(family, link, problem, fit.params_, analytic, frequency,
                                    self.scale_, n_obs, self.deviance_))
            self.aic_, self.bic_ = information_criteria(self.loglik_, p, n_obs)
            cov_type = self._check_params()["cov_type"]
            if cov_type == "nonrobust":
                self._store_table(names, beta, cov, None, noise_variance=self.scale_,
                                  exact=self.exact_fit_)
            else:
                self._store_table(names, beta, self._robust(fit, family, link, cov, edge,
                                                            codes, cov_type, functions), None,
                                  exact=self.exact_fit_)
        if isinstance(problem.X, np.ndarray):
            self.mu_ = _fitted_counts(problem, parts, edge)
        else:                                                 # a lazy Dask array
            self.mu_ = _lazy_means(problem, fit.params_, functions["mean"])
        self.converged_ = fit.converged_
        self._beta = beta
        self.intercept_ = float(beta[0]) if self.fit_intercept else 0.0
        self.coef_ = beta[int(self.fit_intercept):]
        if edge is not None:
            self._notes.insert(0, edge.note(unidentified))
        return unidentified

    def _unscale(self, c, factor, family):
        r"""The fit to :math:`y/c` as the fit to :math:`y`: the coefficients times
        ``factor`` (:math:`c^q` under the power link :math:`\eta = \mu^q`, 1 under the
        log link, whose offset took :math:`\log c`), the means times :math:`c`, the
        deviance, Pearson's chi-square and the dispersion times :math:`c^{2 - v}` (the
        variance :math:`V(\mu) = \mu^v`), and the log-likelihood less :math:`n\log c`
        (each density divided by :math:`c`)."""
        self._store_table(self.table_.names, self._result("params") * factor,
                          self._result("cov_params"), None, noise_variance=factor ** 2,
                          exact=self.exact_fit_)
        self._beta = self._beta * factor
        self.intercept_ = float(self._beta[0]) if self.fit_intercept else 0.0
        self.coef_ = self._beta[int(self.fit_intercept):]
        power = c ** (2 - _variance_power(family))
        self.deviance_ *= power
        self.pearson_chi2_ *= power
        self.scale_ *= power
        self.loglik_ -= self.n_obs_ * math.log(c)
        self.aic_, self.bic_ = information_criteria(self.loglik_, len(self._beta), self.n_obs_)
        self.mu_ = self.mu_ * c

    def _robust(self, fit, family, link, cov, edge, codes, cov_type, functions):
        """The sandwich covariance of the unit-scale quasi-likelihood (the dispersion cancels),
        NaN where ``cov`` (the model's) is.  Its bread is the observed information, as
        statsmodels', which differs from the fit's expected one under a non-canonical
        link; at an ``edge``, the identified parameters' generalised inverse."""
        problem, theta = fit.problem, fit.params_
        keep = ~np.isnan(np.diagonal(cov))
        bread = cov
        if link != family.canonical_link:
            bernoulli = family.name == "binomial" and len(problem.arrays) == 1
            observed = problem.with_model(_model(family.name, link, bernoulli))
            with np.errstate(all="ignore"):
                hessian = observed.user_derivatives(theta)[2]
            bread = (_inverse(-hessian, keep) if edge is None else
                     _identified_covariance(-hessian))
        if edge is not None:
            bread, cov = np.nan_to_num(bread), np.nan_to_num(cov)
        if cov_type == "cluster":
            robust = robust_covariance(
                problem.X, problem.linear_predictor_scores(theta), bread,
                intercept=problem.intercept, cov_type=cov_type, df_resid=self.df_resid_,
                groups=codes)
        else:
            power = HC_POWER[cov_type]
            binomial = family.name == "binomial"

            def meat(part, rows):
                """A chunk's meat: the scores' outer products, weighted by the leverages
                for HC2 and HC3 (of the fit's expected information)."""
                X = part.X[rows]
                leverage = None
                if power:
                    trials = [values[rows] for values in part.arrays[1:]] or (
                        [np.ones(len(X))] if binomial else [])
                    leverage = _leverages(part, theta, cov, functions["fisher_weight"],
                                          trials, rows)
                A = np.column_stack([np.ones(len(X)), X]) if part.intercept else X
                return hc_meat(A, part.linear_predictor_scores(theta, rows), power, leverage)
            robust = sandwich(bread, *summed_meat(problem.map_rows(meat), cov_type,
                                                  problem.n, self.df_resid_))
        robust[~keep] = np.nan
        robust[:, ~keep] = np.nan
        return robust

    def get_prediction(self, X, *, offset=None, exposure=None):
        """The fitted means with their standard errors and intervals, as statsmodels'
        ``GLM(...).fit().get_prediction(exog)``: the interval is formed on the linear
        predictor and transformed by the inverse link (:class:`~probml.inference.Prediction`)."""
        check_is_fitted(self, "params_")
        index = getattr(X, "index", None)
        X, _ = validate_features(self, X, reset=False)
        check_finite(X, "X")
        total = _offsets(offset, exposure, len(X), self._link())
        intercept = bool(self.fit_intercept)
        eta = linear_prediction(X, self._beta[int(intercept):],
                                self._beta[0] if intercept else 0.0)
        if total is not None:
            eta = eta + total
        k = len(self._beta)
        functions = _numeric(self._family().name, self._link())
        with np.errstate(all="ignore"):
            mean = functions["mean"](eta)
        bad = np.flatnonzero(~np.isfinite(mean))
        if len(bad):
            raise ValueError(f"X[{bad[0]}] gives the linear predictor {eta[bad[0]]:.6g}, whose "
                             f"mean under the {self._link()} link is not a finite number.")
        se = linear_predictor_se(X, self._result("cov_params")[:k, :k], intercept)
        return Prediction(eta, se,
                          inverse_link=functions["mean"], slope=functions["mean_slope"],
                          index=index)

    @chunkwise()
    def predict(self, X, return_std=False, *, offset=None, exposure=None):
        r"""The fitted mean :math:`g^{-1}(x^\top\hat\beta + o)` (per trial for the binomial).

        With ``return_std`` also the standard deviation of a new observation
        about the prediction, :math:`\sqrt{\mathrm{se}(\hat\mu)^2 + \hat\phi\,V(\hat\mu)}`:
        the mean's delta-method standard error and the family's variance at the
        mean (one trial for the binomial), as :class:`~probml.LinearRegression`
        gives it for least squares.  Series indexed like ``X`` when fitted and
        called on pandas data frames.
        """
        return_std = BOOLEAN(return_std, "return_std")
        prediction = self.get_prediction(X, offset=offset, exposure=exposure)
        mean = prediction.predicted_mean
        if not return_std:
            return label_rows(self, mean, X)
        family = self._family()
        variance = _numeric(family.name, self._link())["variance"]
        extra = ([1.0] if family.name == "binomial" else []) + (
            [float(self._result("params")[-1])] if family.dispersion == "alpha" else [])
        with np.errstate(all="ignore"):
            spread = np.sqrt(prediction.se_mean ** 2 + self.scale_ * variance(mean, *extra))
        return label_rows(self, mean, X), label_rows(self, spread, X)

    def _summary_info(self):
        return [("Family", self._family().name), ("Link", self._link()),
                ("No. observations", as_count(self.n_obs_)),
                ("Df residuals", as_count(self.df_resid_)),
                ("Df model", len(self._beta) - int(self.fit_intercept)),
                ("Deviance", self.deviance_), ("Pearson chi2", self.pearson_chi2_),
                ("Scale", self.scale_), ("Log-likelihood", self.loglik_),
                ("AIC", self.aic_), ("BIC", self.bic_), ("Iterations", as_count(self.n_iter_))]

    def _summary_notes(self):
        return list(self._notes)


# -- the family's model and its numeric parts --------------------------------------------

@functools.cache
def _model(name, link, bernoulli=False, scoring=False):
    """The family's :class:`Model` with ``link``; ``bernoulli``: the binomial with one
    trial per row; ``scoring``: with the expected second derivative in the linear
    predictor (:class:`_ScoringModel`), for the fit."""
    family = FAMILIES[name]
    logpdf = family.logpdf.subs(TRIALS, 1) if bernoulli else family.logpdf
    if family.dispersion == "estimated":
        # The MLE of beta does not depend on phi: it is fitted at phi = 1.
        logpdf = logpdf.subs(PHI, 1)
    # The mean's domain: a probability for the binomial, positive otherwise (the linked
    # parameter is never fitted on its own scale, but its log-density must be real there).
    domain = "unit" if name == "binomial" else "real" if name == "gaussian" else "positive"
    params = {ALPHA: "positive", MU: domain} if family.dispersion == "alpha" else {MU: domain}
    data = [Y, TRIALS] if name == "binomial" and not bernoulli else [Y]
    options = dict(params=params, support="binary" if bernoulli else family.support,
                   link={MU: link}, name=f"{name} GLM, {link} link")
    if not scoring or family.dispersion == "alpha" or link == family.canonical_link:
        return Model(logpdf, data, **options)
    return _ScoringModel(logpdf, data, fisher_weight=_fisher_weight(family, link, bernoulli),
                         **options)


def _fisher_weight(family, link, bernoulli=False):
    r""":math:`w(\eta) = (d\mu/d\eta)^2 / V(\mu)`, the expected information of one
    observation in :math:`\eta` (with the trials :math:`m` in the binomial's
    :math:`V(\mu) = \mu(1 - \mu)/m`)."""
    mean = LINKS[link](ETA)
    weight = sp.diff(mean, ETA) ** 2 / family.variance.subs(MU, mean)
    return weight.subs(TRIALS, 1) if bernoulli else weight


class _ScoringModel(Model):
    r"""A family's model under a non-canonical link, fitted by Fisher scoring as IRLS is.

    The second derivative in :math:`\eta` is replaced by its expectation,
    :math:`E[\partial^2\ell_i/\partial\eta_i^2] = -w(\eta_i)`, so that the
    information of the fit's last pass is the expected information statsmodels
    reports, with no pass of its own.  (Under the canonical link the observed
    and expected information agree.)
    """

    def __init__(self, logpdf, data, *, fisher_weight, **options):
        super().__init__(logpdf, data, **options)
        self.fisher_weight = fisher_weight

    def _second_derivatives(self, gradient, variables):
        return super()._second_derivatives(gradient, variables)[:-1] + [-self.fisher_weight]


# -- maxima on the edge of a domain ------------------------------------------------------

@contextlib.contextmanager
def _held_warnings():
    """Hold the warnings of a fit until the GLM knows their cause (see :func:`_issue`)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def _issue(caught, edge=None, unidentified=()):
    """Issue the held warnings at the user's line; an ``edge`` replaces the fit's account of
    its cause (not converging, a parameter running off, a flat direction) by its own,
    naming the ``unidentified`` parameters."""
    for held in caught:
        if edge is None or not issubclass(held.category, ConvergenceWarning):
            warn(held.message, held.category)
    if edge is not None:
        warn(edge.message(unidentified), edge.category)


def _fit_family(family, link, bernoulli, data, start, **options):
    r"""The engine's fit of the family, its test of :math:`\alpha = 0` for the negative
    binomial (None for the other families), and the Newton iterations of every fit.

    The negative binomial starts from its limit at :math:`\alpha = 0`, the
    Poisson fit.  Where the score of :math:`\alpha` there, :math:`s`, is not
    positive, the counts are not overdispersed and that fit is the maximum, on
    the edge of :math:`\alpha`'s domain; otherwise Newton's method starts from
    it with :math:`\alpha_0 = 2s/\sum_i \hat\mu_i^2`, the moment estimate of
    Cameron and Trivedi's regression of :math:`(y - \hat\mu)^2 - y` on
    :math:`\hat\mu^2`.
    """
    if family.limit is None:
        return (*_fit_scoring(family.name, link, bernoulli, data, start, **options), None)
    model = _model(family.name, link, bernoulli, scoring=True)
    limit, iterations = _fit_scoring(family.limit, link, False, data, start, **options)
    score, squares, smallest = _edge_score(family, link, limit)
    if score > 0:
        # From the limit's coefficients, unless a mean there is on the edge of its domain
        # (an identity link's 0), where the log-density has no slope to follow.
        beta = limit.params_ if smallest > 0 else start
        alpha = 2.0 * score / squares
        fit = model.fit(*data, start=[alpha if 0 < alpha < math.inf else 1.0, *beta],
                        **options)
        iterations += fit.n_iter_
        # No higher than the edge to double precision: the edge is the maximum.
        if fit.loglik_ > limit.loglik_:
            return fit, iterations, boundary_likelihood_ratio_test(limit.loglik_, fit.loglik_)
    return limit, iterations, boundary_likelihood_ratio_test(limit.loglik_, limit.loglik_)


def _fit_scoring(name, link, bernoulli, data, start, **options):
    """The family's fit by Fisher scoring (Newton's method under the canonical link), and
    its Newton iterations.

    Fisher scoring converges linearly, and where its rate is slow (a log-binomial
    near the edge of its link's reach) the log-likelihood reaches its rounding
    floor before the gradient its test: raising ``max_iter`` would change nothing.
    Newton's method on the observed information then finishes, quadratically,
    and one scoring pass at its estimate gives the expected information that the
    covariance uses (statsmodels' IRLS).
    """
    model = _model(name, link, bernoulli, scoring=True)
    with _held_warnings() as scoring:
        fit = model.fit(*data, start=start, **options)
    if not fit.converged_ and isinstance(model, _ScoringModel):
        with _held_warnings():       # the scoring fit's stand if it fails
            newton = _model(name, link, bernoulli).fit(*data, start=list(fit.params_),
                                                       **options)
        if newton.converged_:
            polished = model.fit(*data, start=list(newton.params_), **options)
            return polished, fit.n_iter_ + newton.n_iter_ + polished.n_iter_
    _issue(scoring)
    return fit, fit.n_iter_


@functools.cache
def _compiled_edge_score(name):
    """The family's ``edge_score`` as a NumPy function of (y, mu), compiled once."""
    return _quiet(sp.lambdify([Y, MU], FAMILIES[name].edge_score, modules=MODULES))


def _edge_score(family, link, limit):
    r"""The score of the extra parameter at the edge of its domain, summed over the rows
    at the ``limit`` fit, :math:`\sum_i w_i\hat\mu_i^2` and the smallest mean."""
    score = _compiled_edge_score(family.name)
    mean = _numeric(family.limit, link)["mean"]
    theta = limit.params_

    def chunk(part, rows):
        mu = mean(part.linear_predictor(theta, rows))
        weights = None if part.weights is None else part.weights[rows]
        with np.errstate(over="ignore"):
            return (weighted_sum(score(part.arrays[0][rows], mu), weights),
                    weighted_sum(mu ** 2, weights), np.min(mu, initial=np.inf))
    parts = limit.problem.map_rows(chunk)
    return (math.fsum(part[0] for part in parts), math.fsum(part[1] for part in parts),
            min(part[2] for part in parts))


def _alpha_notes(test, on_edge):
    """The summary's notes on the negative binomial's alpha: where it is, and its test."""
    notes = ["alpha = 0, the edge of its domain, is the maximum: the counts are not "
             "overdispersed, the Poisson fit is the negative binomial's, and alpha has no "
             "standard error."] if on_edge else []
    return notes + [f"LR test of alpha = 0: chibar2(01) = {test.statistic:.4f}, "
                    f"Prob >= chibar2 = {test.pvalue:.4g} (Self and Liang's 50:50 mixture "
                    "of chi2(0) and chi2(1))."]


@dataclass(frozen=True)
class _Edge:
    """Fitted means on the edge of their domain: the rows there (``rows``), the observed
    counts (``observed``: in the limit, the fitted ones of those rows), and whether the
    edge is at infinity (``LINKS_ONTO``: the MLE does not exist) or a finite point on the
    boundary of the coefficients."""

    rows: np.ndarray
    observed: np.ndarray
    at_infinity: bool
    category: type
    cause: str
    summary: str = "The maximum is on the edge of the link's reach: no standard errors."

    def message(self, unidentified):
        """The warning, naming the ``unidentified`` parameters."""
        if not self.at_infinity:
            return (f"{self.cause}. There the information is degenerate, so the standard "
                    "errors are NaN; the estimates are where Newton's method stopped.")
        return (f"{self.cause}: the maximum-likelihood estimate does not exist. The "
                "log-likelihood, deviance and Pearson chi2 are their limits, to which those "
                "rows add 0, and the other coefficients are the maximum over the other "
                f"rows; {_listed(unidentified)} run off to infinity or are not identified "
                "by the other rows: their estimates are where Newton's method stopped and "
                "their standard errors are NaN.")

    def note(self, unidentified):
        """The summary's note."""
        if not self.at_infinity:
            return self.summary
        return (f"The MLE does not exist ({int(self.rows.sum())} rows fitted on the edge of "
                f"the mean's domain in the limit): {_listed(unidentified)} not identified.")


def _listed(names, most=5):
    """Parameter names for a message: the first ``most``, and how many more."""
    shown = ", ".join(names[:most])
    return shown if len(names) <= most else f"{shown} and {len(names) - most} more"


def _mean_edge(family, link, fit, data, weights, caught):
    r"""Whether the maximum puts fitted means on the edge of their domain (a count's
    mean of 0, a probability of 0 or 1): an :class:`_Edge`, or None.

    Only rows observed on the edge (a count of 0, a binomial count of :math:`m`)
    draw their means there.  Under the links of ``LINKS_ONTO`` a mean reaches its
    edge only at infinity: the MLE does not exist exactly when some rows are
    separated (:func:`_separated_rows`).  Under a link whose reach ends inside the
    domain (an identity link for counts, the log link for a probability of 1) a
    maximum that leaves a mean on the edge is a finite point on the boundary of
    the coefficients, where the information is degenerate.  Asked where the fit
    did not converge cleanly and, under ``LINKS_ONTO``, where it claims to with a
    mean within ``EDGE`` of its edge and Newton's step still long
    (:func:`_still_moving`).
    """
    if family.support != "counts":
        return None
    problem, theta = fit.problem, fit.params_
    y, n = data[0], len(data[0])
    binomial = family.name == "binomial"
    trials = data[1] if len(data) > 1 else np.ones(n)
    active = np.ones(n, dtype=bool) if weights is None else weights > 0
    side = np.where(y == 0, -1.0, np.where((y == trials) & binomial, 1.0, 0.0)) * active
    stalled = not fit.converged_ or any(issubclass(held.category, ConvergenceWarning)
                                        for held in caught)
    at_infinity = link in LINKS_ONTO.get(family.name, ())

    def near():
        """The rows observed on the edge whose fitted means are within EDGE of it."""
        mu = _numeric(family.name, link)["mean"](problem.linear_predictor(theta))
        scale = 1.0 if binomial else max(float(np.mean(y)), 1.0)
        with np.errstate(invalid="ignore"):
            return (side != 0) & (np.where(side < 0, mu, 1.0 - mu) < EDGE * scale)
    if not at_infinity:
        if not stalled:
            return None
        rows = near()
        if not rows.any():
            return None
    else:
        # A fit that claims convergence with means near their edge is asked once more:
        # running off, its Newton step stays long while its gradient vanishes.
        if not (stalled or near().any() and _still_moving(fit)):
            return None
        rows = np.zeros(n, dtype=bool)
        A = np.column_stack([np.ones(n), problem.X]) if problem.intercept else problem.X
        rows[active] = _separated_rows(A[active], side[active])
        if not rows.any():
            return None
    category, cause = _edge_cause(family, link, rows, side, y, at_infinity,
                                  int(active.sum()))
    return _Edge(rows, np.array(y, dtype=float), at_infinity, category, cause)


def _edge_cause(family, link, rows, side, y, at_infinity, active):
    """The warning's class and its account of ``rows`` on the edge (of ``active`` rows)."""
    count, first = int(rows.sum()), int(np.argmax(rows))
    where = f"{count} of {active} rows (row {first} first)"
    binomial = family.name == "binomial"
    if not at_infinity:
        return BoundaryMaximumWarning, (
            f"The {family.name} GLM's maximum leaves fitted means on the edge of their "
            f"domain, where the {link} link ends: {where} fitted at "
            f"{_edge_value(binomial, side[first])} (y[{first}] = {y[first]:g}); the "
            f"{family.canonical_link} link keeps every mean inside its domain")
    if binomial:
        return PerfectSeparationWarning, (
            f"The classes are (quasi-)completely separated: {where} are fitted at "
            "probabilities of 0 or 1 in the limit, towards which the binomial likelihood "
            "keeps rising as the coefficients run off to infinity")
    return BoundaryMaximumWarning, (
        f"{where} have counts of 0 that the coefficients can fit by means of 0 without "
        f"changing the fit of the other rows, so the {family.name.replace('_', ' ')} "
        "likelihood keeps rising as those means go to 0, the edge of their domain, and the "
        "coefficients run off to infinity")


def _chunked_mean_edge(family, link, fit, caught):
    """On Dask, an :class:`_Edge` (not located) where a fit that did not converge cleanly
    leaves rows observed on the edge with fitted means within ``EDGE`` of it, counted in one
    pass: the MLE may not exist, and the linear program that tells needs the rows."""
    stalled = not fit.converged_ or any(issubclass(held.category, ConvergenceWarning)
                                        for held in caught)
    if family.support != "counts" or not stalled:
        return None
    binomial = family.name == "binomial"
    mean = _numeric(family.name, link)["mean"]

    def near(part, rows):
        y = part.arrays[0][rows]
        mu = mean(part.linear_predictor(fit.params_, rows))
        upper = (y == _trials_of(part, rows)) & binomial
        with np.errstate(invalid="ignore"):
            return int(np.sum((y == 0) & (mu < EDGE) | upper & (1.0 - mu < EDGE)))
    count = sum(fit.problem.map_rows(near))
    if not count:
        return None
    what = ("the classes may be (quasi-)completely separated" if binomial else
            "counts of 0 may be fitted by means of 0")
    return _Edge(None, None, False,
                 PerfectSeparationWarning if binomial else BoundaryMaximumWarning,
                 f"Newton's method did not converge, and {count} rows of the {family.name} "
                 f"GLM are fitted at the edge of their means' domain: {what}, and then the "
                 "maximum-likelihood estimate does not exist. The linear program that tells "
                 "needs the rows in memory (fit on X.compute() and y.compute())",
                 f"The MLE may not exist ({count} rows fitted at the edge of the mean's "
                 "domain): no standard errors.")


def _still_moving(fit):
    """Whether Newton's step at ``fit`` still moves a parameter by more than ``MOVING`` of
    it (or of 1): no interior maximum is there, whatever the gradient's size."""
    _, gradient, hessian = fit.problem.user_derivatives(fit.params_)
    with np.errstate(all="ignore"):
        step = np.linalg.lstsq(-hessian, gradient, rcond=None)[0]
    return bool(np.any(np.abs(step) > MOVING * np.maximum(np.abs(fit.params_), 1.0)))


def _edge_value(binomial, side):
    """The mean on the edge a row's ``side`` draws it to, in words."""
    return (("a probability of 1" if side > 0 else "a probability of 0") if binomial
            else "a mean of 0")


def _restricted(data, X, weights, offset, rows):
    """The data, ``X``, weights and offset of ``rows`` (None stays None)."""
    def pick(values):
        return None if values is None else values[rows]
    return [values[rows] for values in data], dict(X=X[rows], sample_weight=pick(weights),
                                                  offset=pick(offset))


def _separated_rows(A, side):
    r"""The rows of design ``A`` whose fitted means the likelihood drives to the edge of
    their domain at infinity.

    ``side`` is :math:`s_i = -1` for a row observed on the lower edge (a count of
    0), :math:`+1` on the upper one (every trial a success) and 0 inside.  The MLE
    does not exist exactly when a direction :math:`d` moves every edge row's linear
    predictor towards its edge or not at all and leaves the others' alone,
    :math:`s_i a_i^\top d \ge 0` on the edges and :math:`a_i^\top d = 0` inside,
    some edge row strictly (Albert and Anderson 1984 for binary data; Santos Silva
    and Tenreyro 2010 for counts).  So :math:`d = Nz` for a basis :math:`N` of the
    null space of the rows inside (usually none: then the MLE exists, found by one
    QR factorisation), and Konis (2007)'s linear program, :math:`s_i a_i^\top Nz
    \ge 0` with :math:`\sum_i s_i a_i^\top Nz = 1`, finds a direction.  The rows it
    moves are separated; those left are asked again (a large multiple of the first
    direction keeps its rows moving whatever the next one does), until no direction
    moves any: then every separated row is found.
    """
    A = A / np.maximum(np.abs(A).max(axis=0, initial=0.0), 1e-300)
    separated = np.zeros(len(A), dtype=bool)
    null = _null_space(A[side == 0])
    if null.shape[1] == 0:
        return separated
    moved = side[:, None] * (A @ null)
    left = np.flatnonzero((side != 0) & np.any(np.abs(moved) > MOVED, axis=1))
    while len(left):
        direction = _separating_direction(moved[left])
        if direction is None:
            break
        shift = moved[left] @ direction
        moving = shift > MOVED * np.max(shift)
        separated[left[moving]] = True
        left = left[~moving]
    return separated


def _separating_direction(rows):
    r"""A :math:`z` with ``rows @ z >= 0`` and ``sum(rows @ z) = 1`` (Konis 2007), or None.

    Most of the inequalities are slack at any solution, so the linear program is
    solved on a few of them, evenly spaced, and the ones its solution breaks are
    added until none is broken (constraint generation): a handful of small programs
    in place of one over every row.  Infeasible on some rows is infeasible on all.
    """
    from scipy.optimize import linprog

    total = rows.sum(axis=0)[None, :]
    chosen = np.zeros(len(rows), dtype=bool)
    chosen[np.linspace(0, len(rows) - 1, min(len(rows), LP_ROWS)).astype(int)] = True
    while True:
        result = linprog(np.zeros(rows.shape[1]), A_ub=-rows[chosen],
                         b_ub=np.zeros(int(chosen.sum())), A_eq=total, b_eq=[1.0],
                         bounds=[(None, None)] * rows.shape[1], method="highs")
        if result.status != 0:
            return None
        shift = rows @ result.x
        broken = np.flatnonzero(~chosen & (shift < -MOVED * np.max(np.abs(shift))))
        if not len(broken):
            return result.x
        chosen[broken[np.argsort(shift[broken])[:LP_ROWS]]] = True


def _null_space(rows):
    """An orthonormal basis (columns) of the directions :math:`d` with ``rows @ d = 0``,
    from the triangle of a QR factorisation (no matrix as tall as ``rows``)."""
    if len(rows) == 0:
        return np.eye(rows.shape[1])
    _, values, vectors = np.linalg.svd(np.linalg.qr(rows, mode="r"))     # vectors: k x k
    rank = int(np.sum(values > max(rows.shape) * np.finfo(float).eps * values[0]))
    return vectors[rank:].T


def _identified_covariance(information):
    """The covariance of the identified parameters: the pseudo-inverse of ``information``,
    NaN for the parameters that its flat directions (the null space) involve."""
    values, vectors, scale, flat, unidentified = flat_directions(information)
    kept = vectors[:, ~flat]
    cov = (kept / values[~flat]) @ kept.T / np.outer(scale, scale)
    cov[unidentified] = np.nan
    cov[:, unidentified] = np.nan
    return cov


@functools.cache
def _numeric(name, link):
    """Compiled mean, variance, unit deviance and Pearson residual of a family and link.

    Each is evaluated without NumPy's floating-point warnings: at the edge of
    the mean's domain the deviance takes its limit (:func:`_xlogy`), and the
    callers check what else may not be finite (an overflowing mean).
    """
    family = FAMILIES[name]
    eta = ETA
    mean = LINKS[link](eta)
    extra = [TRIALS] if name == "binomial" else []
    extra_alpha = [ALPHA] if family.dispersion == "alpha" else []
    observation = [Y, MU, *extra, *extra_alpha]
    functions = {
        "mean": sp.lambdify([eta], mean, modules=MODULES),
        "mean_slope": sp.lambdify([eta], sp.diff(mean, eta), modules=MODULES),
        "variance": sp.lambdify([MU, *extra, *extra_alpha], family.variance, modules=MODULES),
        "fisher_weight": sp.lambdify([eta, *extra], _fisher_weight(family, link),
                                     modules=MODULES),
        "deviance": sp.lambdify(observation, _with_xlogy(family.deviance),
                                modules=[{"xlogy": _xlogy}, *MODULES]),
        "pearson": sp.lambdify(observation, _pearson_residual(family), modules=MODULES),
    }
    return {name: _quiet(function) for name, function in functions.items()}


def _quiet(function):
    """``function`` evaluated with NumPy's floating-point warnings off."""
    @functools.wraps(function)
    def quiet(*args):
        with np.errstate(all="ignore"):
            return function(*args)
    return quiet


def _pearson_residual(family):
    r"""Pearson's residual :math:`(y - m\mu)/(m\sqrt{V(\mu)})` (:math:`m` the binomial's
    trials, 1 otherwise), with :math:`\sqrt{V}` simplified (:math:`\sqrt{\mu^2} = \mu`),
    so that its square does not overflow where the residual does not."""
    trials = TRIALS if family.name == "binomial" else sp.S.One
    return (Y - trials * MU) / (trials * sp.sqrt(family.variance))


def _xlogy(x, z):
    r""":math:`x\log z` with its limit 0 where :math:`x = 0`, whatever :math:`z`: the
    deviance's :math:`y\log(y/\mu)` of a count of 0 at a fitted mean of 0 (0/0),
    which ``scipy.special.xlogy`` leaves NaN."""
    x, z = np.broadcast_arrays(x, z)
    return np.where(x == 0, 0.0, x * np.log(np.where(x == 0, 1.0, z)))


def _with_xlogy(expr):
    """``y*log(z)`` as ``xlogy(y, z)``, so that a zero count contributes 0, not NaN."""
    function = sp.Function("xlogy")
    return expr.replace(lambda e: isinstance(e, sp.Mul) and any(
        isinstance(f, sp.log) for f in e.args) and len([f for f in e.args
                                                        if isinstance(f, sp.log)]) == 1,
        lambda e: function(sp.Mul(*[f for f in e.args if not isinstance(f, sp.log)]),
                           [f for f in e.args if isinstance(f, sp.log)][0].args[0]))


def _row_statistics(part, rows, theta, functions, family):
    """The fitted means of ``rows`` (in memory), their weighted deviance and Pearson
    chi-square, at their limits on the edge of the mean's domain, and, for a family with
    an estimated dispersion, the squared magnitude of the rounding in their Pearson
    residuals (:func:`_rounding_magnitude`; 0 for the others)."""
    binomial = family.name == "binomial"
    eta = part.linear_predictor(theta, rows)
    mu = functions["mean"](eta)
    trials = [_trials_of(part, rows)] if binomial else []
    extra = [theta[0]] if part.n_scalar else []
    observed = part.arrays[0][rows]
    # A mean past the edge of its domain by rounding (an identity link's -1e-17) is on it.
    edge = np.clip(mu, 0.0, 1.0 if binomial else None) if family.support == "counts" else mu
    deviance = functions["deviance"](observed, edge, *trials, *extra)
    # A row observed at its fitted mean adds 0 to Pearson's chi-square, also on the edge
    # of the mean's domain, where V(mu) = 0 (a count of 0 fitted by a mean of 0).
    with np.errstate(all="ignore"):
        pearson = np.where(observed == edge * (trials[0] if binomial else 1.0), 0.0,
                           functions["pearson"](observed, edge, *trials, *extra) ** 2)
    weights = None if part.weights is None else part.weights[rows]
    rounding = (weighted_sum(_rounding_magnitude(part, rows, theta, eta, mu, observed,
                                                 functions), weights)
                if family.dispersion == "estimated" else 0.0)
    return (mu if isinstance(part.X, np.ndarray) else None, weighted_sum(deviance, weights),
            weighted_sum(pearson, weights), rounding)


def _rounding_magnitude(part, rows, theta, eta, mu, observed, functions):
    r"""The squares :math:`u_i^2/V(\mu_i)` whose weighted sum is :math:`M^2`, the squared
    magnitude of the rounding in Pearson's residuals of ``rows``.

    Pearson's residual :math:`r_i = \sqrt{w_i}\,(y_i - \mu_i)/\sqrt{V(\mu_i)}` is a
    difference.  Its first term is a datum, known to the rounding of :math:`|y_i|`; its
    second, :math:`\mu_i = g^{-1}(\eta_i)`, carries the rounding of the inverse link's
    evaluation, of :math:`|\mu_i|`, and that of the linear predictor
    :math:`\eta_i = o_i + b_0 + \sum_j x_{ij}\beta_j`, a sum of terms of total
    magnitude :math:`|o_i| + |b_0| + \sum_j |x_{ij}\beta_j|` (each estimate rounded,
    each product and sum rounded once more), which the inverse link carries to
    :math:`\mu_i` multiplied by :math:`|\mathrm d\mu_i/\mathrm d\eta_i|`.  So in a
    model that fits exactly the computed :math:`y_i - \mu_i` can still be a few
    :math:`\epsilon` times

    .. math:: u_i = |y_i| + |\mu_i| + \Bigl|\frac{\mathrm d\mu_i}{\mathrm d\eta_i}\Bigr|
        \Bigl(|o_i| + |b_0| + \sum_j |x_{ij}\beta_j|\Bigr),

    and :math:`r_i` as much times :math:`\sqrt{w_i/V(\mu_i)}` (the rounding of
    :math:`\mu_i` moves :math:`V(\mu_i)` by a relative :math:`O(\epsilon)`, which
    multiplies a residual that is itself rounding).  With
    :math:`M = \bigl(\sum_i w_i u_i^2/V(\mu_i)\bigr)^{1/2}`,
    :func:`~probml.inference.rounding_level_rss` gives the Pearson chi-square that
    rounding alone leaves (for the Gaussian family, :math:`V = 1`, the residual sum of
    squares of least squares, whose :math:`u_i` it reduces to under the identity link).
    """
    coef = theta[part.n_scalar + part.intercept:]
    with np.errstate(all="ignore"):
        size = np.abs(part.X[rows]) @ np.abs(coef)
        if part.intercept:
            size += abs(theta[part.n_scalar])
        if part.offset is not None:
            size += np.abs(part.offset[rows])
        u = np.abs(observed) + np.abs(mu) + np.abs(functions["mean_slope"](eta)) * size
        return u * u / functions["variance"](mu)


def _fitted_counts(problem, parts, edge):
    """The fitted means (counts for the binomial) of every row: those of ``problem``'s
    rows from ``parts``, and at an edge at infinity the separated rows' limits, their
    observed values."""
    if edge is not None and edge.at_infinity and edge.rows.all():
        return edge.observed.copy()
    mu = np.concatenate([part[0] for part in parts])
    mu = mu * (problem.arrays[1] if len(problem.arrays) > 1 else 1.0)
    if edge is None or not edge.at_infinity:
        return mu
    full = edge.observed.copy()
    full[~edge.rows] = mu
    return full


def _edge_covariance(fit, edge, vanished):
    """The covariance at an ``edge``: the identified parameters' from the information of
    the rows off it (``fit``'s); none at a finite edge or with every row ``vanished``."""
    if edge.at_infinity and not vanished:
        return _identified_covariance(fit.information_)
    return np.full(fit.information_.shape, np.nan)


def _trials(y, trials):
    """The binomial trials: one whole number >= 1 per row, at least its successes ``y``."""
    m = sample_array(trials, "trials")
    if len(m) != len(y) or np.any(m < 1) or np.any(m != np.round(m)):
        raise ValueError("trials must be one whole number >= 1 per row.")
    bad = np.flatnonzero(y > m)
    if len(bad):
        raise ValueError(f"y counts successes out of trials, so y <= trials; "
                         f"y[{bad[0]}] = {y[bad[0]]:g} > trials = {m[bad[0]]:g}.")
    return m


def _trials_of(problem, rows):
    """The binomial trials of a problem's ``rows`` (1 for a Bernoulli response)."""
    return problem.arrays[1][rows] if len(problem.arrays) > 1 else 1.0


def _lazy_means(problem, theta, mean):
    """The fitted means (counts for the binomial) of a Dask problem, as a lazy Dask array."""
    import dask.array as da

    eta = problem.X @ theta[problem.n_scalar + problem.intercept:]
    if problem.intercept:
        eta = eta + theta[problem.n_scalar]
    if problem.offset is not None:
        eta = eta + problem.offset
    mu = da.map_blocks(lambda values: mean(values), eta, dtype=np.float64)
    return mu * problem.arrays[1] if len(problem.arrays) > 1 else mu


# The power of a power link, eta = mu^q.
_LINK_POWERS = {"identity": 1, "inverse": -1, "inverse_squared": -2}
# A response whose largest magnitude lies in [2^-SCALE_BITS, 2^SCALE_BITS] is fitted as it
# is (its fit then the same to the last bit as ever); beyond, it is rescaled.
SCALE_BITS = 8


def _response_scale(family, link, y):
    r"""The power of two :math:`c` by which a family with a free dispersion is fitted to
    :math:`y/c` (1 when :math:`y` is near 1, or for the other families), and the factor
    :math:`c^q` that takes the coefficients back under the power link
    :math:`\eta = \mu^q` (1 under the log link)."""
    with np.errstate(invalid="ignore"):
        largest = float(np.max(np.abs(y), initial=0.0))
    if family.dispersion != "estimated" or not 0 < largest < math.inf:
        return 1.0, 1.0
    exponent = math.frexp(largest)[1]
    if abs(exponent) <= SCALE_BITS:
        return 1.0, 1.0
    power = _LINK_POWERS.get(link, 0)
    # The coefficients' covariance scales as c^(2q), the deviance and dispersion as
    # c^(2 - v): beyond double precision's exponents they cannot be given.
    if max(abs(2 * exponent * power), abs(exponent * (2 - _variance_power(family)))) > 1000:
        raise ValueError(f"y reaches {largest:.3g}: at that scale the {family.name} GLM's "
                         f"{'coefficients, ' if power else ''}deviance or dispersion leave "
                         f"double precision; rescale y"
                         f"{' or use the log link' if power else ''}.")
    return math.ldexp(1.0, exponent), math.ldexp(1.0, exponent * power)


def _variance_power(family):
    r""":math:`v` in the family's variance function :math:`V(\mu) = \mu^v`."""
    return sp.Poly(family.variance, MU).degree()


def _scaled_offset(offset, c, factor, link, n):
    r"""The offset of the fit to :math:`y/c`: less :math:`\log c` under the log link, over
    the coefficients' ``factor`` under a power link."""
    if link == "log":
        return (np.zeros(n) if offset is None else offset) - math.log(c)
    return None if offset is None else offset / factor


def _offsets(offset, exposure, n, link):
    total = None
    if offset is not None:
        total = sample_array(offset, "offset")
        if len(total) != n:
            raise ValueError(f"offset has {len(total)} values but X has {n} rows.")
    if exposure is not None:
        if link != "log":
            raise ValueError("exposure needs the log link (it enters as log(exposure)); pass "
                             "an offset for another link.")
        values = sample_array(exposure, "exposure")
        if len(values) != n or np.any(values <= 0):
            raise ValueError("exposure must be one number > 0 per row of X.")
        total = np.log(values) if total is None else total + np.log(values)
    return total


def _start(family, link, X, y, data, offset, fit_intercept):
    r"""The coefficients' start: every mean at the average response, :math:`\eta_0 = g(\bar y)`.

    With an intercept that is :math:`\beta_0 = (g(\bar y) - \bar o, 0, \dots, 0)`,
    free of any pass over :math:`X` (Newton's warm start on a subsample does
    the rest); without one, the least-squares fit of :math:`g(\mu_0)` with
    statsmodels' :math:`\mu_0 = (y + \bar y)/2`, by the normal equations.
    """
    n = y.shape[0]
    counts = row_sum(lambda m: m, data[1]) if len(data) > 1 else float(n)
    average = row_sum(lambda v: v, y) / counts
    if family.name == "binomial":
        average = min(max(average, 0.01), 0.99)
    elif family.support != "real":
        average = max(average, 1e-3)
    p = X.shape[1]
    if fit_intercept:
        intercept = float(_link_function(link, np.array([average]))[0])
        if offset is not None:
            intercept -= row_sum(lambda o: o, offset) / n
        beta0 = np.r_[intercept if math.isfinite(intercept) else 0.0, np.zeros(p)]
    else:
        def normal_equations(X, y, *rest):
            """X'X and X'eta0 for statsmodels' start mu0 = (y + average) / 2."""
            rest = list(rest)
            m = rest.pop(0) if len(data) > 1 else 1.0
            mu0 = (y / m + average) / 2.0
            if family.support != "real":
                mu0 = np.clip(mu0, 1e-3 * average,
                              None if family.name != "binomial" else 0.99)
            eta0 = _link_function(link, mu0)
            if rest:
                eta0 = eta0 - rest[0]
            return X.T @ X, X.T @ eta0

        columns = [X, y, *data[1:], *([] if offset is None else [offset])]
        gram, cross = chunk_total(normal_equations, *columns)
        try:
            beta0 = np.linalg.solve(gram, cross)
        except np.linalg.LinAlgError:
            beta0 = np.linalg.pinv(gram, hermitian=True) @ cross
        if not np.all(np.isfinite(beta0)):
            beta0 = np.zeros(p)
    return list(beta0)


def _link_function(link, mu):
    """:math:`g(\\mu)`, NaN or infinite outside the link's range (:func:`.model.link_function`)."""
    with np.errstate(all="ignore"):
        return link_function(link)(mu)


def _loglik(family, link, problem, theta, analytic, frequency, scale, n_obs, deviance):
    """statsmodels' GLM log-likelihood: at the estimated scale, or concentrated (Gaussian,
    identity link) at :math:`\\hat\\sigma^2 = \\sum_i w_i (y_i - \\mu_i)^2 / n`, which is
    the (weighted) ``deviance`` over n; row :math:`i` has dispersion :math:`\\phi / w_i`
    under analytic weights.

    A scale of 0 (the data fitted exactly, which :func:`~probml.models.base.warn_exact_fit`
    has said) gives :math:`+\\infty`; an undefined one (no residual degrees of freedom),
    NaN.
    """
    mean = _numeric(family.name, link)["mean"]

    def fitted(part, rows):
        """The observations and fitted means of ``rows``."""
        return part.arrays[0][rows], mean(part.linear_predictor(theta, rows))

    def selected(weights, rows):
        return None if weights is None else weights[rows]

    if family.name == "gaussian" and link == "identity":
        scale = deviance / n_obs        # the Gaussian unit deviance is (y - mu)^2
    if scale == 0:
        return math.inf
    symbols = (Y, MU) + ((TRIALS,) if family.name == "binomial" else ())
    function = compile_expressions(symbols, (PHI,), (stable(family.logpdf),))

    def chunk(part, rows):
        phi = scale if analytic is None else scale / analytic[rows]
        y, mu = fitted(part, rows)
        trials = [np.broadcast_to(_trials_of(part, rows), y.shape)] \
            if family.name == "binomial" else []
        prepared = function.prepare(y, mu, *trials)
        values = np.broadcast_to(function.evaluate(prepared, phi)[0], y.shape)
        return weighted_sum(values, selected(frequency, rows))

    with np.errstate(all="ignore"):
        return math.fsum(problem.map_rows(chunk))


def _leverages(problem, theta, inverse_information, fisher_weight, extra, rows=slice(None)):
    r"""The leverages :math:`h_i = w_i\, a_i^\top (A^\top W A)^{-1} a_i` of a GLM.

    The diagonal of the hat matrix of IRLS's last weighted least squares:
    :math:`w_i = (\mathrm d\mu_i/\mathrm d\eta_i)^2 / V(\mu_i)` (the Fisher
    weights, ``fisher_weight(eta, *extra)``) and :math:`A^\top W A` the
    expected information at unit dispersion; R's ``hatvalues`` of a ``glm``
    and statsmodels' ``get_hat_matrix_diag(observed=False)``.  The quadratic
    form is :func:`~probml.inference.linear_predictor_se`'s, squared.  ``extra`` and
    the leverages are those of the problem's ``rows``.
    """
    with np.errstate(all="ignore"):
        weight = fisher_weight(problem.linear_predictor(theta, rows), *extra)
        return weight * linear_predictor_se(problem.X[rows], inverse_information,
                                            problem.intercept) ** 2


def _inverse(information, keep):
    """The covariance: the inverse of ``information`` on the directions ``keep`` (those the
    fit found flat stay NaN), by the pseudo-inverse if it is singular after all."""
    cov = np.full(information.shape, np.nan)
    if np.any(keep):
        block = information[np.ix_(keep, keep)]
        try:
            cov[np.ix_(keep, keep)] = np.linalg.inv(block)
        except np.linalg.LinAlgError:
            cov[np.ix_(keep, keep)] = np.linalg.pinv(block, hermitian=True)
    return cov


