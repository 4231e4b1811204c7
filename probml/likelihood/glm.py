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
"""

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
from ..exceptions import PerfectFitWarning
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
    sandwich,
    summed_meat,
)
from ..models.base import Regressor, chunkwise, linear_prediction
from .compiled import MODULES, compile_expressions, stable
from .model import ETA, LINKS, Model

__all__ = ["FAMILIES", "GLM", "Family"]

Y, MU, TRIALS = sp.Symbol("y"), sp.Symbol("mu", positive=True), sp.Symbol("m", positive=True)
PHI = sp.Symbol("phi", positive=True)
ALPHA = sp.Symbol("alpha", positive=True)


@dataclass(frozen=True)
class Family:
    """An exponential dispersion family: log-density, variance function, unit deviance."""

    name: str
    logpdf: sp.Expr
    variance: sp.Expr
    deviance: sp.Expr
    links: tuple
    support: str
    dispersion: str = "estimated"        # "one" (binomial, Poisson) or "alpha" (NB2)

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
            ("log", "identity"), "counts", "alpha"),
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
    max_iter, tol : Newton's iteration limit and per-observation gradient tolerance.
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
    df_resid_ : float
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
        # One trial per row (a Bernoulli response): the model without its trials, fitted
        # by Fisher scoring.
        bernoulli = family.name == "binomial" and trials is None
        model = _model(family.name, link, bernoulli, scoring=True)
        start = _start(family, link, X, y, data, total_offset, self.fit_intercept)
        fit = model.fit(*data[:1 if bernoulli else None], X=X,
                        fit_intercept=self.fit_intercept, start=start,
                        sample_weight=combined, offset=total_offset, feature_names=names,
                        max_iter=self.max_iter, tol=self.tol)
        if params["cov_type"] != "nonrobust" and (family.dispersion == "alpha" or combined
                                                   is not None):
            raise ValueError(f"cov_type={params['cov_type']!r} is available for the GLMs without "
                             "weights and with a fixed or moment-estimated dispersion; fit the "
                             "negative binomial or weighted data with cov_type='nonrobust'.")
        codes = cluster_codes(groups, n, params["cov_type"])
        self._store(fit, family, link, analytic, frequency, codes)
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
        model = _model(family.name, link, family.name == "binomial" and trials is None,
                       scoring=True)
        start = _start(family, link, X, y, data, total_offset, self.fit_intercept)
        fit = model.fit(*data, X=X, fit_intercept=self.fit_intercept, start=start,
                        offset=total_offset, feature_names=names, max_iter=self.max_iter,
                        tol=self.tol)
        self._store(fit, family, link, None, None)
        record_features(self, X.shape[1], names)
        self._fitted_on_pandas = names is not None
        return self

    def _store(self, fit, family, link, analytic, frequency, codes=None):
        problem = fit.problem
        k = problem.n_scalar
        beta = fit.params_[k:]
        names = problem.feature_names
        functions = _numeric(family.name, link)
        extra = [fit.params_[0]] if family.dispersion == "alpha" else []
        binomial = family.name == "binomial"
        in_memory = isinstance(problem.X, np.ndarray)
        theta = fit.params_

        def chunk(part, rows):
            """The means of ``rows``, and their weighted deviance and Pearson chi-square."""
            mu = functions["mean"](part.linear_predictor(theta, rows))
            trials = [_trials_of(part, rows)] if binomial else []
            args = [mu, *trials, *extra]
            variance = functions["variance"](*args)
            observed = part.arrays[0][rows]
            if binomial:                 # mu is per trial: the count's variance is m^2 V
                pearson = (observed - mu * trials[0]) ** 2 / (trials[0] ** 2 * variance)
            else:
                pearson = (observed - mu) ** 2 / variance
            weights = None if part.weights is None else part.weights[rows]
            return (mu if in_memory else None,
                    weighted_sum(functions["deviance"](observed, *args), weights),
                    weighted_sum(pearson, weights))

        parts = problem.map_rows(chunk)
        self.deviance_ = math.fsum(part[1] for part in parts)
        self.pearson_chi2_ = math.fsum(part[2] for part in parts)
        n_obs = float(problem.n if frequency is None else frequency.sum())    # counted rows
        p = problem.n_coef
        self.df_resid_ = n_obs - p
        if family.dispersion == "estimated":
            self.scale_ = self.pearson_chi2_ / self.df_resid_ if self.df_resid_ > 0 else math.nan
        else:
            self.scale_ = 1.0
        if family.dispersion == "alpha":
            cov, params = fit.cov_params_, fit.params_
            order = [*range(k, len(params)), 0]           # alpha last, as statsmodels
            self.loglik_ = fit.loglik_
            names = [*names, "alpha"]
            params, cov = params[order], cov[np.ix_(order, order)]
            self.aic_, self.bic_ = fit.aic_, fit.bic_
            self._store_table(names, params, cov, None)
        else:
            # The expected information (Fisher scoring's, the observed one under the
            # canonical link) at the estimate, from the fit's last pass.
            information = fit.information_
            # The directions the fit found flat (NaN standard errors, with its warning)
            # stay undefined; the rest is inverted.
            keep = ~np.isnan(fit.bse_[k:])
            cov = _inverse(information, keep)
            self.loglik_ = (fit.loglik_ if family.dispersion == "one" else
                            _loglik(family, link, problem, fit.params_, analytic, frequency,
                                    self.scale_, n_obs, self.deviance_))
            self.aic_, self.bic_ = information_criteria(self.loglik_, p, n_obs)
            cov_type = self._check_params()["cov_type"]
            if cov_type == "nonrobust":
                self._store_table(names, beta, cov, None, noise_variance=self.scale_)
            else:
                # The sandwich of the unit-scale quasi-likelihood: the dispersion cancels.
                # Its bread is the observed information, as statsmodels', which differs
                # from the fit's expected one under a non-canonical link.
                bread = cov
                if link != family.canonical_link:
                    bernoulli = family.name == "binomial" and len(problem.arrays) == 1
                    observed = problem.with_model(_model(family.name, link, bernoulli))
                    with np.errstate(all="ignore"):
                        hessian = observed.user_derivatives(theta)[2]
                    bread = _inverse(-hessian, keep)
                if cov_type == "cluster":
                    robust = robust_covariance(
                        problem.X, problem.linear_predictor_scores(theta), bread,
                        intercept=problem.intercept, cov_type=cov_type,
                        df_resid=self.df_resid_, groups=codes)
                else:
                    power = HC_POWER[cov_type]

                    def meat(part, rows):
                        """A chunk's meat: the scores' outer products, weighted by the
                        leverages for HC2 and HC3 (of the fit's expected information)."""
                        X = part.X[rows]
                        leverage = None
                        if power:
                            trials = [values[rows] for values in part.arrays[1:]] or (
                                [np.ones(len(X))] if binomial else [])
                            leverage = _leverages(part, theta, cov, functions["fisher_weight"],
                                                  trials, rows)
                        A = np.column_stack([np.ones(len(X)), X]) if part.intercept else X
                        return hc_meat(A, part.linear_predictor_scores(theta, rows), power,
                                       leverage)
                    robust = sandwich(bread, *summed_meat(problem.map_rows(meat), cov_type,
                                                          problem.n, self.df_resid_))
                self._store_table(names, beta, robust, None)
        if in_memory:
            mu = np.concatenate([part[0] for part in parts])
            self.mu_ = mu * (problem.arrays[1] if len(problem.arrays) > 1 else 1.0)
        else:                                                 # a lazy Dask array
            self.mu_ = _lazy_means(problem, fit.params_, functions["mean"])
        self.n_iter_, self.converged_ = fit.n_iter_, fit.converged_
        self._beta = beta
        self.intercept_ = float(beta[0]) if self.fit_intercept else 0.0
        self.coef_ = beta[int(self.fit_intercept):]

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
                ("Deviance", self.deviance_), ("Pearson chi2", self.pearson_chi2_),
                ("Scale", self.scale_), ("Log-likelihood", self.loglik_),
                ("AIC", self.aic_), ("BIC", self.bic_), ("Df residuals", as_count(self.df_resid_))]


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


@functools.cache
def _numeric(name, link):
    """Compiled mean, variance and unit deviance of a family and link."""
    family = FAMILIES[name]
    eta = ETA
    mean = LINKS[link](eta)
    extra = [TRIALS] if name == "binomial" else []
    extra_alpha = [ALPHA] if family.dispersion == "alpha" else []
    deviance = _with_xlogy(family.deviance)
    functions = {
        "mean": sp.lambdify([eta], mean, modules=MODULES),
        "mean_slope": sp.lambdify([eta], sp.diff(mean, eta), modules=MODULES),
        "variance": sp.lambdify([MU, *extra, *extra_alpha], family.variance, modules=MODULES),
        "fisher_weight": sp.lambdify([eta, *extra], _fisher_weight(family, link),
                                     modules=MODULES),
        "deviance": sp.lambdify([Y, MU, *extra, *extra_alpha], deviance, modules=MODULES),
    }
    return functions


def _with_xlogy(expr):
    """``y*log(z)`` as ``xlogy(y, z)``, so that a zero count contributes 0, not NaN."""
    function = sp.Function("xlogy")
    return expr.replace(lambda e: isinstance(e, sp.Mul) and any(
        isinstance(f, sp.log) for f in e.args) and len([f for f in e.args
                                                        if isinstance(f, sp.log)]) == 1,
        lambda e: function(sp.Mul(*[f for f in e.args if not isinstance(f, sp.log)]),
                           [f for f in e.args if isinstance(f, sp.log)][0].args[0]))


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
    r"""The start: every mean at the average response, :math:`\eta_0 = g(\bar y)`.

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
    if family.dispersion == "alpha":
        return [1.0, *beta0]
    return list(beta0)


def _link_function(link, mu):
    from scipy.special import logit, ndtri
    with np.errstate(all="ignore"):
        return {"identity": lambda m: m, "log": np.log, "logit": logit, "probit": ndtri,
                "cloglog": lambda m: np.log(-np.log1p(-m)), "inverse": lambda m: 1 / m,
                "inverse_squared": lambda m: 1 / m ** 2}[link](mu)


def _loglik(family, link, problem, theta, analytic, frequency, scale, n_obs, deviance):
    """statsmodels' GLM log-likelihood: at the estimated scale, or concentrated (Gaussian,
    identity link) at :math:`\\hat\\sigma^2 = \\sum_i w_i (y_i - \\mu_i)^2 / n`, which is
    the (weighted) ``deviance`` over n; row :math:`i` has dispersion :math:`\\phi / w_i`
    under analytic weights.

    A scale of 0 (the data fitted exactly) gives :math:`+\\infty`, said with a
    ``PerfectFitWarning``.
    """
    mean = _numeric(family.name, link)["mean"]

    def fitted(part, rows):
        """The observations and fitted means of ``rows``."""
        return part.arrays[0][rows], mean(part.linear_predictor(theta, rows))

    def selected(weights, rows):
        return None if weights is None else weights[rows]

    if family.name == "gaussian" and link == "identity":
        scale = deviance / n_obs        # the Gaussian unit deviance is (y - mu)^2
    if not scale > 0:
        warnings.warn(f"The {family.name} GLM fits the data exactly (dispersion 0): the "
                      "log-likelihood is +inf and AIC/BIC -inf; the standard errors are 0.",
                      PerfectFitWarning, stacklevel=4)
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


