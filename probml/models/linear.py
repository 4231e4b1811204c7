r"""Linear regression as a likelihood: OLS is the MLE, Ridge is a MAP estimate.

The model is

.. math:: y_i = b + x_i^\top w + \varepsilon_i,\qquad
    \varepsilon_i \sim \mathcal N(0, \sigma^2)\ \text{i.i.d.},

whose negative log-likelihood is, up to constants, the residual sum of
squares.  Maximising it gives ordinary least squares (:class:`LinearRegression`).
Adding the prior :math:`w \sim \mathcal N(0, (\sigma^2/\alpha) I)` and taking
the posterior mode gives Ridge regression (:class:`Ridge`), whose objective is
scikit-learn's :math:`\lVert y - Xw - b\rVert^2 + \alpha\lVert w\rVert^2`.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np

from .._validation import (
    BOOLEAN,
    LEVEL,
    NONNEGATIVE,
    Options,
    check_is_fitted,
    check_positive,
    positive_result,
)
from ..exceptions import PerfectFitWarning, UndefinedStatisticWarning
from ..inference import MIN_DF, CoefficientTable, Summary
from ._base import Regressor
from ._least_squares import (
    SOLVERS,
    Moments,
    full_covariance,
    intercept_from_moments,
    residual_sum_of_squares,
    ridge_accuracy,
    ridge_by_svd,
    ridge_solution,
    solve_ols,
    warn_if_inaccurate,
)

__all__ = [
    "LinearRegression",
    "Ridge",
    "prior_std_to_ridge_alpha",
    "ridge_alpha_to_prior_std",
]


def parameter_names(feature_names, n_features, fit_intercept):
    """Names of the parameter vector: ``intercept`` first, then the features."""
    names = ([str(name) for name in feature_names] if feature_names is not None
             else [f"x{j}" for j in range(n_features)])
    return ["intercept", *names] if fit_intercept else names


def _check_enough_samples(n_samples, n_params, model):
    if n_samples <= n_params:
        raise ValueError(
            f"{model} needs more samples than parameters to estimate the noise "
            f"variance, but X has n_samples={n_samples} for {n_params} parameter(s); "
            "collect more data, use fewer features, or fit Ridge, which is "
            "defined for any number of features."
        )


def noise_variance(rss, df_resid, model):
    r"""The unbiased noise variance :math:`\mathrm{RSS}/\mathrm{df}`, with a warning if degenerate.

    No residual degrees of freedom leave it undefined (NaN, with an
    :class:`~probml.exceptions.UndefinedStatisticWarning`); a residual sum of
    squares of exactly 0 makes it 0 (an exact fit, with a
    :class:`~probml.exceptions.PerfectFitWarning`).
    """
    if not df_resid > 0:
        warnings.warn(
            f"{model} leaves no residual degrees of freedom (df_resid = {df_resid:.3g}): the "
            "noise variance, and so sigma_, the standard errors, intervals and p-values, are "
            "undefined (NaN). Collect more data or use fewer features (or a larger alpha).",
            UndefinedStatisticWarning, stacklevel=3)
        return math.nan
    if rss == 0:
        warnings.warn(
            f"{model} fits the data exactly (residual sum of squares 0): the estimated noise "
            "variance is 0, so the standard errors are 0, the test statistics infinite and the "
            "log-likelihood +inf (R^2 is undefined if y is constant). The estimates are exact; "
            "their uncertainty cannot be measured from these data.",
            PerfectFitWarning, stacklevel=3)
    return rss / df_resid


class _CoefficientInference:
    """conf_int and summary for estimators that store a ``CoefficientTable``."""

    def conf_int(self, level=0.95):
        """Confidence intervals, shape (n_params, 2), the intercept first.

        Parameters
        ----------
        level : float in (0, 1)
            Coverage, e.g. 0.95 for 95% intervals.
        """
        self._check_inference()
        return self.table_.conf_int(LEVEL(level, "level"))

    def summary(self, level=0.95):
        """A table of the fit: text in a terminal, HTML in a notebook."""
        self._check_inference()
        return Summary(self._summary_title, self._summary_info(), self.table_,
                       level=LEVEL(level, "level"), notes=self._summary_notes())

    def _check_inference(self):
        check_is_fitted(self, "table_")

    def _summary_notes(self):
        return []

    def _store_table(self, names, params, cov, df, noise_variance=1.0):
        r"""Store the coefficient table for ``noise_variance`` times the covariance ``cov``.

        The standard errors are :math:`\hat\sigma\sqrt{v_{jj}}`, not
        :math:`\sqrt{\hat\sigma^2 v_{jj}}`: the product of the two factors can
        leave double precision (data in units near 1e-150) when neither
        factor, nor the standard error itself, does.
        """
        self.params_ = params
        with np.errstate(under="ignore", over="ignore"):
            self.cov_params_ = noise_variance * cov
            self.bse_ = np.sqrt(noise_variance) * np.sqrt(np.clip(np.diagonal(cov), 0, None))
        if np.any(np.isinf(self.bse_)):
            raise ValueError("The standard errors overflow float64: y is very large against X "
                             "(or X very small); rescale them.")
        table_errors = self.bse_
        if df is not None and 0 < df < MIN_DF:
            warnings.warn(
                f"{type(self).__name__} leaves {df:.3g} residual degrees of freedom: sigma_ and "
                "bse_ rest on almost no residual information, and a Student-t reference with "
                f"fewer than {MIN_DF} degrees of freedom has no usable quantiles, so the "
                "t statistics, p-values and intervals are NaN. Use a larger alpha or fewer "
                "features.", UndefinedStatisticWarning, stacklevel=3)
            table_errors = np.full_like(self.bse_, np.nan)
        self.table_ = CoefficientTable(names, params, table_errors,
                                       df=df if df is not None and df >= MIN_DF else None)
        self.tvalues_ = self.table_.statistic
        self.pvalues_ = self.table_.pvalues


class LinearRegression(_CoefficientInference, Regressor):
    r"""Ordinary least squares: the maximum-likelihood fit of a Gaussian linear model.

    .. math:: \hat\beta = \arg\min_\beta \lVert y - A\beta\rVert^2
        = (A^\top A)^{-1} A^\top y,\qquad
        \widehat{\mathrm{Cov}}(\hat\beta) = \hat\sigma^2 (A^\top A)^{-1},\qquad
        \hat\sigma^2 = \frac{\mathrm{RSS}}{n - k},

    with :math:`A = [\mathbf 1, X]` (or :math:`X` without an intercept) and
    :math:`k` its rank.  The MLE of :math:`\sigma^2` is :math:`\mathrm{RSS}/n`;
    the standard errors use the unbiased :math:`\mathrm{RSS}/(n-k)`, as
    statsmodels does, and t reference distributions with :math:`n-k` degrees
    of freedom.

    Parameters
    ----------
    fit_intercept : bool, default=True
        Estimate an intercept (unpenalised, reported first in the parameter
        vector).
    solver : {"auto", "cholesky", "qr", "mpmath"}, default="auto"
        How to solve; ``"auto"`` takes the fast Gram/Cholesky path when the
        design is well conditioned and an accurate one otherwise (see
        :mod:`probml.models._least_squares`).  The choice is in ``solver_``.

    Attributes
    ----------
    coef_, intercept_ : ndarray, float
        The estimates.
    params_, bse_, tvalues_, pvalues_ : ndarray
        Estimates, standard errors, t statistics and two-sided p-values over
        the parameter vector, intercept first.
    cov_params_ : ndarray of shape (n_params, n_params)
        Estimated covariance of ``params_``.
    sigma_ : float
        Residual standard error :math:`\hat\sigma`.
    rsquared_, rsquared_adj_ : float
        :math:`R^2` and adjusted :math:`R^2` (uncentred without an intercept).
    fvalue_, f_pvalue_ : float
        F test that all slopes are zero.
    loglik_, aic_, bic_ : float
        Maximised log-likelihood and information criteria.
    df_model_, df_resid_ : int
        Model and residual degrees of freedom.
    rank_ : int
        Rank of the (centred) design.
    solver_ : str
        The algorithm used.
    condition_number_ : float
        Condition number of the centred, column-scaled design.
    accuracy_digits_ : float
        Estimated number of significant digits of ``params_`` (relative to
        the largest, in units of the scaled design) and of ``bse_`` (each)
        that rounding leaves correct; a
        :class:`~probml.exceptions.NumericalAccuracyWarning` says when it is
        below 6.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0]])
    >>> model = LinearRegression().fit(X, np.array([2.1, 3.9, 6.2, 7.8]))
    >>> model.coef_.round(3), round(model.intercept_, 3)
    (array([1.94]), 0.15)
    >>> model.bse_.round(4)
    array([0.248 , 0.0906])
    """

    _summary_title = "Linear regression (OLS = Gaussian MLE)"
    _parameter_domains = {"fit_intercept": BOOLEAN, "solver": Options(*SOLVERS)}

    def __init__(self, fit_intercept=True, solver="auto"):
        self.fit_intercept = fit_intercept
        self.solver = solver

    def fit(self, X, y):
        """Fit by least squares and compute the inference.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        params = self._check_params()
        fit_intercept = params["fit_intercept"]
        X, y, names = self._validate_training_data(X, y)
        n, p = X.shape
        _check_enough_samples(n, p + fit_intercept, type(self).__name__)
        moments = Moments.from_data(X, y, fit_intercept=fit_intercept, feature_names=names)
        solution = solve_ols(X, y, moments, solver=params["solver"], feature_names=names)
        self.coef_, self.intercept_ = solution.coef, solution.intercept
        self.rank_, self.solver_ = solution.rank, solution.solver
        self.condition_number_ = solution.condition_number
        self.accuracy_digits_ = solution.digits
        warn_if_inaccurate("LinearRegression", solution.digits, solution.condition_number,
                           solution.solver)
        self.n_samples_ = n

        rss = solution.rss
        self.df_model_ = solution.rank
        self.df_resid_ = n - solution.rank - fit_intercept
        scale = noise_variance(rss, self.df_resid_, "LinearRegression")
        self.sigma_ = math.sqrt(scale)
        params = np.r_[solution.intercept, solution.coef] if fit_intercept else solution.coef
        self._store_table(parameter_names(names, p, fit_intercept), params,
                          solution.unscaled_cov, self.df_resid_, scale)

        tss = moments.yy                # centred with an intercept, raw without one
        self.rss_ = rss
        self.rsquared_ = 1.0 - rss / tss if tss > 0 else math.nan
        self.rsquared_adj_ = 1.0 - (1.0 - self.rsquared_) * (n - fit_intercept) / self.df_resid_
        self.fvalue_, self.f_pvalue_ = _f_test(tss - rss, rss, self.df_model_, self.df_resid_)
        self.loglik_ = _gaussian_loglik(rss, n)
        n_estimated = self.df_model_ + fit_intercept
        self.aic_ = -2 * self.loglik_ + 2 * n_estimated
        self.bic_ = -2 * self.loglik_ + math.log(n) * n_estimated
        return self

    def _summary_info(self):
        return [
            ("No. observations", str(self.n_samples_)),
            ("Df residuals", str(self.df_resid_)),
            ("Df model", str(self.df_model_)),
            ("Solver", self.solver_),
            ("R-squared", self.rsquared_),
            ("Adj. R-squared", self.rsquared_adj_),
            ("F-statistic", self.fvalue_),
            ("Prob (F-statistic)", self.f_pvalue_),
            ("Log-likelihood", self.loglik_),
            ("AIC", self.aic_),
            ("BIC", self.bic_),
            ("Residual std. error", self.sigma_),
        ]

    def _summary_notes(self):
        if self.solver_ == "svd":
            return ["The design is rank deficient; the estimates are the minimum-norm "
                    "solution and the collinear coefficients are not identified."]
        return []


def _gaussian_loglik(rss, n):
    r"""Maximised Gaussian log-likelihood :math:`-\tfrac n2(\log 2\pi + \log(\mathrm{RSS}/n) + 1)`."""
    if rss == 0:
        return math.inf
    return -0.5 * n * (math.log(2 * math.pi) + math.log(rss / n) + 1)


def _f_test(explained, rss, df_model, df_resid):
    from scipy import special

    if df_model == 0:
        return np.nan, np.nan
    if rss == 0:
        return math.inf, 0.0
    fvalue = (explained / df_model) / (rss / df_resid)
    return float(fvalue), float(special.fdtrc(df_model, df_resid, fvalue))


def ridge_alpha_to_prior_std(alpha, noise_std):
    r"""The prior standard deviation :math:`\tau = \sigma/\sqrt\alpha` that Ridge's ``alpha`` encodes.

    Ridge's estimate is the posterior mode under :math:`w \sim \mathcal N(0, \tau^2 I)`
    with Gaussian noise of standard deviation :math:`\sigma`, where
    :math:`\alpha = \sigma^2/\tau^2`.

    Examples
    --------
    >>> ridge_alpha_to_prior_std(4.0, noise_std=2.0)
    1.0
    """
    alpha = check_positive(alpha, "alpha", " (a zero penalty is a flat prior)")
    noise_std = check_positive(noise_std, "noise_std")
    return positive_result(lambda sigma, a: sigma / np.sqrt(a), "noise_std / sqrt(alpha)",
                           noise_std=noise_std, alpha=alpha)


def prior_std_to_ridge_alpha(prior_std, noise_std):
    r"""Ridge's ``alpha`` :math:`= \sigma^2/\tau^2` for the prior :math:`w \sim \mathcal N(0, \tau^2 I)`.

    Examples
    --------
    >>> prior_std_to_ridge_alpha(1.0, noise_std=2.0)
    4.0
    """
    prior_std = check_positive(prior_std, "prior_std")
    noise_std = check_positive(noise_std, "noise_std")
    return positive_result(lambda sigma, tau: (sigma / tau) ** 2, "(noise_std / prior_std)^2",
                           noise_std=noise_std, prior_std=prior_std)


# Fewer digits than this through the Gram matrix send Ridge to the SVD of the design.
_GRAM_RIDGE_DIGITS = 12


@dataclass
class _RidgeFit:
    coef: np.ndarray
    unscaled_cov: np.ndarray        # over (intercept, coef)
    effective_df: float
    rss: float
    df_resid: float
    condition: float
    digits: float
    solver: str


def _solve_ridge(X, y, moments, alpha):
    """Ridge at ``alpha > 0``: through the Gram matrix, or the SVD of the design when needed.

    The Gram route (:func:`ridge_solution`) is taken when the rows outnumber
    the parameters and it keeps at least 12 digits; otherwise the SVD of the
    centred design (:func:`ridge_by_svd`), which keeps them all and whose
    residual degrees of freedom cannot go negative by rounding.
    """
    n, p = X.shape
    fit_intercept = moments.fit_intercept
    if p + fit_intercept < n:
        coef, inverse, effective_df = ridge_solution(moments.xx, moments.xy, alpha)
        rss = residual_sum_of_squares(X, y, coef, intercept_from_moments(coef, moments),
                                      moments)
        condition, digits = ridge_accuracy(moments.xx, alpha, rss, moments.yy,
                                           moments.centring_loss)
        if digits >= _GRAM_RIDGE_DIGITS:
            # The effective df cannot exceed the rank of the centred design (n - 1 with
            # an intercept); the residual df is clipped at 0 against rounding.
            return _RidgeFit(coef, full_covariance(inverse, moments), effective_df, rss,
                             max(n - fit_intercept - effective_df, 0.0), condition, digits,
                             "cholesky")
    X_centred, y_centred = (moments.centred_data if moments.centred_data is not None
                            else (X - moments.x_mean, y - moments.y_mean))
    spectrum = ridge_by_svd(X_centred.astype(np.float64, copy=False),
                            y_centred.astype(np.float64, copy=False), alpha, fit_intercept)
    return _RidgeFit(spectrum.coef, full_covariance(spectrum.inverse, moments,
                                                    root=spectrum.root),
                     spectrum.effective_df, spectrum.rss, spectrum.df_resid,
                     spectrum.condition_number, spectrum.digits, "svd")


class Ridge(_CoefficientInference, Regressor):
    r"""Ridge regression: the MAP estimate under a Gaussian prior on the weights.

    .. math:: \hat w, \hat b = \arg\min_{w, b}\ \lVert y - Xw - b\mathbf 1\rVert^2
        + \alpha \lVert w \rVert^2 = \big(C + \alpha I\big)^{-1} X_c^\top y_c,
        \quad \hat b = \bar y - \bar x^\top \hat w,

    scikit-learn's objective and ``alpha``, the intercept unpenalised.  It is
    the posterior mode (and mean) under :math:`y \mid w \sim \mathcal N(Xw + b,
    \sigma^2 I)`, :math:`w \sim \mathcal N(0, (\sigma^2/\alpha) I)` and a flat
    prior on :math:`b`; convert with :func:`ridge_alpha_to_prior_std` and
    :func:`prior_std_to_ridge_alpha`.

    The standard errors and intervals are those of that Gaussian posterior,
    :math:`\hat\sigma^2 (A^\top A + \alpha\,\mathrm{diag}(0, I))^{-1}`, with
    :math:`\hat\sigma^2 = \mathrm{RSS}/(n - 1 - \mathrm{df})` and the effective
    degrees of freedom :math:`\mathrm{df} = \operatorname{tr}\,C (C+\alpha I)^{-1}`:
    they are conditional on the penalty, not frequentist confidence intervals.

    Parameters
    ----------
    alpha : float >= 0, default=1.0
        Penalty strength; ``alpha = 0`` is OLS.
    fit_intercept : bool, default=True

    Attributes
    ----------
    coef_, intercept_, params_, bse_, cov_params_, sigma_ : as in LinearRegression
    effective_df_ : float
        :math:`\operatorname{tr}\,C (C+\alpha I)^{-1}`.
    prior_std_ : float
        :math:`\hat\sigma/\sqrt\alpha`, the prior standard deviation the
        penalty amounts to at the estimated noise level.
    condition_number_, accuracy_digits_ : float
        As in :class:`LinearRegression`; the digits account for the
        penalty, which improves the conditioning.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0]])
    >>> Ridge(alpha=1.0).fit(X, np.array([2.1, 3.9, 6.2, 7.8])).coef_.round(4)
    array([1.6167])
    """

    _summary_title = "Ridge regression (Gaussian-prior MAP)"
    _parameter_domains = {"alpha": NONNEGATIVE, "fit_intercept": BOOLEAN}

    def __init__(self, alpha=1.0, fit_intercept=True):
        self.alpha = alpha
        self.fit_intercept = fit_intercept

    def fit(self, X, y):
        """Fit the MAP estimate and its posterior covariance.

        Returns
        -------
        self
        """
        params = self._check_params()
        alpha, fit_intercept = params["alpha"], params["fit_intercept"]
        X, y, names = self._validate_training_data(X, y)
        n, p = X.shape
        moments = Moments.from_data(X, y, fit_intercept=fit_intercept, feature_names=names)
        if alpha == 0:
            _check_enough_samples(n, p + fit_intercept, "Ridge with alpha=0 (OLS)")
            solution = solve_ols(X, y, moments, feature_names=names)
            fitted = _RidgeFit(solution.coef, solution.unscaled_cov, float(solution.rank),
                               solution.rss, float(n - fit_intercept - solution.rank),
                               solution.condition_number, solution.digits, solution.solver)
        else:
            fitted = _solve_ridge(X, y, moments, alpha)
        self.condition_number_, self.accuracy_digits_ = fitted.condition, fitted.digits
        warn_if_inaccurate(f"Ridge(alpha={alpha:g})", fitted.digits, fitted.condition,
                           fitted.solver)
        coef, rss = fitted.coef, fitted.rss
        intercept = intercept_from_moments(coef, moments)
        self.coef_, self.intercept_ = coef, intercept
        self.n_samples_ = n
        self.effective_df_, self.df_resid_ = fitted.effective_df, fitted.df_resid
        scale = noise_variance(rss, self.df_resid_, f"Ridge(alpha={alpha:g})")
        self.sigma_ = math.sqrt(scale)
        self.prior_std_ = self.sigma_ / math.sqrt(alpha) if alpha > 0 else math.inf
        params = np.r_[intercept, coef] if fit_intercept else coef
        self._store_table(parameter_names(names, p, fit_intercept), params,
                          fitted.unscaled_cov, self.df_resid_, scale)
        self.rss_ = rss
        return self

    def _summary_info(self):
        return [
            ("No. observations", str(self.n_samples_)),
            ("alpha", self.alpha),
            ("Effective df", self.effective_df_),
            ("Prior std (sigma/sqrt(alpha))", self.prior_std_),
            ("Residual std. error", self.sigma_),
        ]

    def _summary_notes(self):
        return ["Standard errors, intervals and p-values are those of the Gaussian "
                "posterior given alpha: they are conditional on the penalty."]
