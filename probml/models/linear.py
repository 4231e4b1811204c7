r"""Linear regression as a likelihood: ordinary least squares is the Gaussian MLE.

The model is

.. math:: y_i = b + x_i^\top w + \varepsilon_i,\qquad
    \varepsilon_i \sim \mathcal N(0, \sigma^2)\ \text{i.i.d.},

whose negative log-likelihood is, up to constants, the residual sum of
squares.  Maximising it gives ordinary least squares (:class:`LinearRegression`).
Adding the prior :math:`w \sim \mathcal N(0, (\sigma^2/\alpha) I)` and taking
the posterior mode gives Ridge regression, in :mod:`probml.models.ridge`.
"""

import contextlib
import math

import numpy as np

from .._validation import (
    BOOLEAN,
    Options,
    SquaresOutOfRange,
    WeightedRows,
    check_is_fitted,
    check_vector,
    check_weights,
    is_dask_collection,
    label_rows,
    record_features,
)
from ..exceptions import UndefinedStatisticWarning, warn
from ..inference import (
    as_count,
    COV_TYPES,
    CoefficientInference,
    CoefficientTable,
    Prediction,
    cluster_codes,
    gaussian_loglik,
    information_criteria,
    leverages,
    linear_predictor_se,
    parameter_names,
    robust_covariance,
    robust_covariance_chunks,
)
from ._least_squares import (
    SOLVERS,
    DataRequired,
    Units,
    solve_ols,
    solve_wls,
    warn_if_inaccurate,
)
from ._moments import Moments
from .base import Regressor, chunkwise, linear_prediction, warn_exact_fit

__all__ = [
    "Influence",
    "LinearRegression",
]


def check_enough_samples(n_samples, n_params, model):
    if n_samples <= n_params:
        raise ValueError(
            f"{model} needs more samples than parameters to estimate the noise "
            f"variance, but X has n_samples={n_samples} for {n_params} parameter(s); "
            "collect more data, use fewer features, or fit Ridge, which is "
            "defined for any number of features."
        )


def noise_variance(rss, df_resid, model):
    r"""The unbiased noise variance :math:`\mathrm{RSS}/\mathrm{df}`, NaN if degenerate.

    No residual degrees of freedom leave it undefined (NaN, with an
    :class:`~probml.exceptions.UndefinedStatisticWarning`).  A residual sum of
    squares at rounding level (an exact fit) is the caller's to flag
    (:func:`~probml.models.base.warn_exact_fit`).
    """
    if not df_resid > 0:
        warn(
            f"{model} leaves no residual degrees of freedom (df_resid = {df_resid:.3g}): the "
            "noise variance, and so sigma_, the standard errors, intervals and p-values, are "
            "undefined (NaN). Collect more data or fit fewer parameters (fewer features, or "
            "a larger alpha).",
            UndefinedStatisticWarning)
        return math.nan
    return rss / df_resid


def change_units(model, units):
    r"""Express ``model``, fitted to :math:`X/D` and :math:`y/t` (:class:`Units`), in the
    units of X and y.

    The estimates, standard errors and covariance scale by :math:`G = t\,
    \operatorname{diag}(1, D^{-1})`, the residual sum of squares by :math:`t^2`,
    :math:`\hat\sigma` by :math:`t`, and the maximised log-likelihood gains
    :math:`-n\log t` (AIC and BIC follow); statistics, p-values, :math:`R^2`
    and degrees of freedom are unit-free.  Powers of two make each product
    exact; a result beyond double precision in the data's units (a variance
    above 1e308 or below 1e-308) is an error naming X and y.
    """
    fit_intercept = bool(model.fit_intercept)
    exponents, y_exponent = units.parameters(fit_intercept), units.y
    results, table = model._results, model.table_
    params = _in_units(results["params"], exponents, "an estimate")
    bse = _in_units(results["bse"], exponents, "a standard error")
    cov = _in_units(results["cov_params"], exponents[:, None] + exponents[None, :],
                    "a variance of the estimates", diagonal=True)
    model.rss_ = float(_in_units(model.rss_, 2 * y_exponent, "the residual sum of squares"))
    model.sigma_ = float(np.ldexp(model.sigma_, y_exponent))
    model.coef_ = params[int(fit_intercept):]
    model.intercept_ = float(params[0]) if fit_intercept else 0.0
    model.table_ = CoefficientTable(table.names, params,
                                    np.ldexp(table.std_error, exponents), df=table.df)
    results.update(params=params, bse=bse, cov_params=cov)
    if hasattr(model, "loglik_"):
        model.loglik_ = model.loglik_ - model.nobs_ * y_exponent * math.log(2.0)
        model.aic_, model.bic_ = information_criteria(
            model.loglik_, model.df_model_ + fit_intercept, model.nobs_)
    return model


@contextlib.contextmanager
def refused_weights(rows):
    """A fit in rescaled units fails only where the weights of ``rows`` (a
    ``WeightedRows``, or None) span more than double precision: the error says so."""
    try:
        yield
    except SquaresOutOfRange:
        if rows is None:
            raise
        raise ValueError("The weights (sample_weight, freq_weights) span so many orders of "
                         "magnitude that the weighted data leave double precision in any "
                         "units of X and y; rescale the weights.") from None


def _in_units(values, exponents, what, diagonal=False):
    """``values * 2**exponents``, refused where a finite nonzero value leaves double precision
    (overflows, or falls below its normal range); of a covariance, where ``diagonal``, only
    the variances are checked."""
    values = np.asarray(values, dtype=float)
    exponents = np.broadcast_to(exponents, values.shape)
    with np.errstate(over="ignore", under="ignore"):
        converted = np.ldexp(values, exponents)
    pick = np.diagonal if diagonal else np.ravel
    before, after, shift = (pick(part) for part in (values, converted, exponents))
    lost = (np.isfinite(before) & ~np.isfinite(after)) | (
        (before != 0) & (np.abs(after) < np.finfo(float).tiny))
    if np.any(lost):
        index = int(np.flatnonzero(lost)[0])
        magnitude = math.log10(abs(before[index])) + shift[index] * math.log10(2.0)
        raise ValueError(
            f"In the units of X and y, {what} is about 1e{magnitude:.0f}, beyond double "
            "precision (about 1e-308 to 1e308); rescale X or y (express them in other "
            "units) so that the fit's results are representable.")
    return converted[()] if converted.ndim == 0 else converted


class LinearRegression(CoefficientInference, Regressor):
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
    cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"}, default="nonrobust"
        The covariance of the estimates: the model's
        :math:`\hat\sigma^2 (A^\top A)^{-1}`, a heteroskedasticity-robust
        sandwich, or one robust to correlation within the ``groups`` passed
        to :meth:`fit` (:func:`probml.inference.robust_covariance`), as
        statsmodels' ``OLS.fit(cov_type=...)``; the robust ones are used
        with normal reference distributions (z statistics), as there.

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
    exact_fit_ : bool
        Whether the residual sum of squares is at the rounding level of the
        data (:func:`~probml.inference.rounding_level_rss`): the fit is exact
        to working precision, said with a
        :class:`~probml.exceptions.PerfectFitWarning`, and the t statistics,
        p-values, intervals and F test are NaN (``bse_`` and ``sigma_`` keep
        the values the rounding gives).

    Notes
    -----
    Least squares does not depend on the data's units, and neither does this
    fit: data whose squares near the ends of double precision (values beyond
    about 1e90 or below 1e-90, where :math:`X^\top X`, its inverse or the
    variances would overflow or lose digits) are fitted in units that are
    powers of two and converted back
    exactly (:class:`~probml.models._least_squares.Units`); only a result that
    no double can hold in the data's own units (a variance beyond 1e308 or
    below 1e-308) is refused, naming X and y.

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

    @property
    def _summary_title(self):
        if getattr(self, "weighted_", False):
            return "Weighted least squares (Gaussian MLE, variances sigma^2/w)"
        return "Linear regression (OLS = Gaussian MLE)"

    _parameter_domains = {"fit_intercept": BOOLEAN, "solver": Options(*SOLVERS),
                          "cov_type": Options(*COV_TYPES)}

    def __init__(self, fit_intercept=True, solver="auto", cov_type="nonrobust"):
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.cov_type = cov_type

    def fit(self, X, y, sample_weight=None, *, freq_weights=None, groups=None):
        r"""Fit by (weighted) least squares and compute the inference.

        With weights the fit is weighted least squares, statsmodels' ``WLS``:
        ordinary least squares on the whitened data :math:`\sqrt{w_i}\,(1, x_i)`,
        :math:`\sqrt{w_i}\,y_i`, so that

        .. math:: \hat\beta = (A^\top W A)^{-1} A^\top W y,\qquad
            \widehat{\mathrm{Cov}}(\hat\beta) = \hat\sigma^2 (A^\top W A)^{-1},\qquad
            \hat\sigma^2 = \frac{\sum_i w_i e_i^2}{n - k},

        and :math:`R^2` compares :math:`\sum_i w_i e_i^2` with the weighted
        total sum of squares about the weighted mean.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Analytic (precision) weights, statsmodels' WLS ``weights``: row
            :math:`i` has noise variance :math:`\sigma^2/w_i` (say, the mean of
            :math:`w_i` measurements).  The residual degrees of freedom count
            the rows (of positive weight).
        freq_weights : array-like of shape (n_samples,), optional
            Frequency weights: a row with weight 3 stands for three identical
            rows, and the fit, its standard errors and its log-likelihood
            equal those of the repeated data (:math:`n = \sum_i f_i`).
        groups : array-like of shape (n_samples,), optional
            The cluster of each row, for ``cov_type="cluster"`` (at least two).

        Returns
        -------
        self
        """
        if is_dask_collection(X) or is_dask_collection(y):
            from .streaming import fit_chunks      # streaming builds on this module

            return fit_chunks(self, X, y, sample_weight=sample_weight, freq_weights=freq_weights,
                              groups=groups)
        params = self._check_params()
        fit_intercept, cov_type = params["fit_intercept"], params["cov_type"]
        X, y, names = self._validate_training_data(X, y)
        n, p = X.shape
        analytic = check_weights(sample_weight, "sample_weight", n)
        frequency = check_weights(freq_weights, "freq_weights", n)
        if frequency is not None and cov_type != "nonrobust":
            raise ValueError(f"cov_type={cov_type!r} is not defined with freq_weights here: "
                             "expand the repeated rows, or fit cov_type='nonrobust'.")
        codes = cluster_codes(groups, n, cov_type)
        self.n_samples_ = n
        rows = None
        if analytic is not None or frequency is not None:
            rows = WeightedRows(analytic, frequency)
            X, y = X[rows.keep], y[rows.keep]
            if codes is not None:
                codes = np.unique(codes[rows.keep], return_inverse=True)[1]
        check_enough_samples(n if rows is None else rows.nobs, p + fit_intercept,
                             type(self).__name__)
        try:
            return self._fit_rows(X, y, names, rows, codes)
        except SquaresOutOfRange:
            # Squares beyond the working range: fit in units that bring the data near 1.
            units = Units.of(X, y)
        with refused_weights(rows):
            return change_units(self._fit_rows(*units.scaled(X, y), names, rows, codes), units)

    def _fit_rows(self, X, y, names, rows, codes):
        """Solve and store the fit of the rows (weighted by ``rows``, a ``WeightedRows``)."""
        params = self._check_params()
        fit_intercept = params["fit_intercept"]
        p = X.shape[1]
        if rows is None:
            moments = Moments.from_data(X, y, fit_intercept=fit_intercept, feature_names=names,
                                        squares="working")
            solution = solve_ols(X, y, moments, solver=params["solver"], feature_names=names)
            # The residuals' design: the rows, with the intercept added to them.
            design, intercept, nobs, tss, log_weights = (X, y), fit_intercept, len(X), \
                moments.yy, 0.0
        else:
            nobs, log_weights = rows.nobs, rows.log_weights
            solution, *design, tss = solve_wls(X, y, rows.weights, fit_intercept,
                                               params["solver"], names)
            # The residuals' design: the whitened rows, whose first column is the intercept's.
            intercept = False
        self.weighted_ = rows is not None
        return self._store_fit(solution, names, p, nobs, tss, log_weights, design, intercept,
                               codes)

    def _fit_moments(self, moments, feature_names=None, design=None):
        """Fit from the sufficient statistics alone, with the inference of :meth:`fit`
        (see :func:`probml.models.streaming.fit_statistics`); :class:`DataRequired` when
        the solver needs the rows (an ill-conditioned design, a residual sum of squares
        below what the moments resolve, a robust covariance without ``design``: Dask
        ``(X, y)``, read once more for HC0-HC3)."""
        params = self._check_params()
        fit_intercept = params["fit_intercept"]
        robust = params["cov_type"] != "nonrobust"
        if (robust and (design is None or params["cov_type"] == "cluster")) \
                or moments.fit_intercept != fit_intercept:
            raise DataRequired("a robust covariance needs the rows")
        n, p = moments.n, len(moments.x_mean)
        check_enough_samples(n, p + fit_intercept, type(self).__name__)
        solution = solve_ols(None, None, moments, solver=params["solver"],
                             feature_names=feature_names)
        record_features(self, p, feature_names)
        self.n_samples_, self.weighted_ = n, False
        return self._store_fit(solution, feature_names, p, n, moments.yy, 0.0,
                               design if robust else None, fit_intercept, None)

    def _store_fit(self, solution, names, p, nobs, tss, log_weights, design, intercept,
                   codes):
        """The estimates and their inference, from a least-squares solution; ``design``
        (the rows and the target the residuals are formed from, with an intercept
        added to them if ``intercept``) serves a robust covariance."""
        fit_intercept = bool(self.fit_intercept)
        params_ = np.r_[solution.intercept, solution.coef] if fit_intercept else solution.coef
        self.nobs_ = nobs
        self.rank_, self.solver_ = solution.rank, solution.solver
        self.coef_, self.intercept_ = solution.coef, solution.intercept
        self.condition_number_ = solution.condition_number
        self.accuracy_digits_ = solution.digits
        warn_if_inaccurate("LinearRegression", solution.digits, solution.condition_number,
                           solution.solver)

        rss = solution.rss
        self.df_model_ = self.rank_
        self.df_resid_ = nobs - self.rank_ - fit_intercept
        scale = noise_variance(rss, self.df_resid_, "LinearRegression")
        self.exact_fit_ = warn_exact_fit("LinearRegression", rss, solution.rounding_rss)
        self.sigma_ = math.sqrt(scale)
        names_out = parameter_names(names, p, fit_intercept)
        robust = self._robust_cov(design, intercept, params_, codes, solution.unscaled_cov)
        if robust is not None:
            self._store_table(names_out, params_, robust, None, exact=self.exact_fit_)
        else:
            self._store_table(names_out, params_, solution.unscaled_cov, self.df_resid_, scale,
                              exact=self.exact_fit_)

        self.rss_ = rss
        self.rsquared_ = 1.0 - rss / tss if tss > 0 else math.nan
        self.rsquared_adj_ = (1.0 - (1.0 - self.rsquared_) * (nobs - fit_intercept)
                              / self.df_resid_)
        if self.exact_fit_:
            self.fvalue_, self.f_pvalue_ = math.nan, math.nan
        elif robust is not None:
            # The Wald test of the slopes with the robust covariance, as statsmodels: F with
            # df_resid (or clusters - 1) denominator degrees of freedom.
            df_denominator = (int(codes.max()) if codes is not None else self.df_resid_)
            self.fvalue_, self.f_pvalue_ = _wald_f(params_, robust, fit_intercept,
                                                   self.df_model_, df_denominator)
        else:
            self.fvalue_, self.f_pvalue_ = _f_test(tss - rss, rss, self.df_model_,
                                                   self.df_resid_)
        # Analytic weights scale each row's variance: log N(y; mu, sigma^2/w) carries
        # log(w)/2 (statsmodels' WLS log-likelihood).
        self.loglik_ = gaussian_loglik(nobs, rss / nobs) + log_weights
        self.aic_, self.bic_ = information_criteria(self.loglik_, self.df_model_ + fit_intercept,
                                                    nobs)
        return self

    @chunkwise()
    def predict(self, X, return_std=False):
        r"""Predicted mean response :math:`\hat y = X\hat w + \hat b`; with ``return_std``
        also the standard deviation of a new observation's prediction error,
        :math:`\sqrt{\mathrm{se}(\hat y)^2 + \hat\sigma^2}` (the frequentist counterpart of
        :class:`BayesianLinearRegression`'s predictive standard deviation; see
        :meth:`get_prediction` for the standard error of the mean alone).  Series
        indexed like ``X`` when fitted and called on pandas data frames."""
        if not BOOLEAN(return_std, "return_std"):
            return super().predict(X)
        prediction = self.get_prediction(X)
        return (label_rows(self, prediction.predicted_mean, X),
                label_rows(self, prediction.se_obs, X))

    def get_prediction(self, X):
        """Predictions with their standard errors and intervals, as statsmodels'
        ``OLS(...).fit().get_prediction(exog)``: ``summary_frame(alpha)`` gives the mean,
        its standard error, and the confidence and prediction intervals
        (:class:`~probml.inference.Prediction`)."""
        index = getattr(X, "index", None)
        X = self._validate_prediction_data(X)
        intercept = bool(self.fit_intercept)
        linear = linear_prediction(X, self.coef_, self.intercept_)
        return Prediction(linear, linear_predictor_se(X, self._result("cov_params"), intercept),
                          df=self.table_.df, noise_variance=self.sigma_ ** 2, index=index)

    def get_influence(self, X, y):
        """Regression diagnostics of the training data ``X, y``, as statsmodels'
        ``OLSInfluence``: leverages, studentised residuals and Cook's distance
        (:class:`Influence`)."""
        check_is_fitted(self, "coef_")
        if self.weighted_:
            raise ValueError("get_influence is defined here for unweighted fits; this one was "
                             "fitted with sample_weight or freq_weights.")
        X_checked = self._validate_prediction_data(X)
        y = check_vector(y, "y", n_samples=len(X_checked))
        if len(y) != self.n_samples_:
            raise ValueError(f"X and y must be the training data ({self.n_samples_} rows) for "
                             f"get_influence, got {len(y)} rows.")
        with np.errstate(over="ignore", invalid="ignore"):
            residuals = y - linear_prediction(X_checked, self.coef_, self.intercept_)
        self._check_training_residuals(residuals, X_checked, y)
        h = leverages(X_checked, bool(self.fit_intercept))
        return Influence(residuals, h, self.sigma_, self.df_resid_,
                         self.df_model_ + bool(self.fit_intercept))

    def _check_training_residuals(self, residuals, X, y):
        r"""A ValueError unless ``residuals`` are the fit's own, of the training data.

        Their norm must be :math:`\sqrt{\mathrm{RSS}}` up to what the rounding of
        the coefficients (``accuracy_digits_``) and of the residuals themselves
        can change in it, :math:`(10^{-\text{digits}} + (k + 1)\epsilon) M`
        with :math:`M` the magnitude of the terms (:func:`residual_magnitude`'s
        bound): other rows of the same length would give statistics of a fit
        that was never made.
        """
        norm = _norm(residuals)
        k = self.df_model_ + bool(self.fit_intercept)
        magnitude = _norm(y) + math.sqrt(len(y)) * abs(self.intercept_) + float(
            np.abs(self.coef_) @ np.array([_norm(column) for column in X.T]))
        slack = (10.0 ** -self.accuracy_digits_ + (k + 1) * np.finfo(float).eps) * magnitude
        if not abs(norm - self.sigma_ * math.sqrt(self.df_resid_)) <= slack + 1e-12 * norm:
            raise ValueError("X and y must be the training data for get_influence: their "
                             f"residuals' norm ({norm:.6g}) is not the fit's "
                             f"({self.sigma_ * math.sqrt(self.df_resid_):.6g}).")

    def _robust_cov(self, design, intercept, params, codes, bread):
        """The covariance of the robust type asked for, or None for the model's.

        ``design`` is ``(X, y)`` with the intercept added to the rows if
        ``intercept``, or a weighted fit's whitened rows, whose first column is the
        intercept's: the sandwich is that of least squares on them (statsmodels' WLS).
        On Dask ``X`` and ``y`` the bread is the fit's ``(A'A)^-1`` from the merged
        statistics (:func:`~probml.inference.robust_covariance_chunks`)."""
        cov_type = self._check_params()["cov_type"]
        if cov_type == "nonrobust":
            return None
        X, y = design
        if is_dask_collection(X):
            return robust_covariance_chunks(X, y, params, bread, intercept=intercept,
                                            cov_type=cov_type, df_resid=self.df_resid_)
        residuals = y - (X @ params[intercept:] + (params[0] if intercept else 0.0))
        with np.errstate(invalid="ignore"):
            return robust_covariance(X, residuals, intercept=intercept, cov_type=cov_type,
                                     df_resid=self.df_resid_, groups=codes)

    def _summary_info(self):
        return [
            ("No. observations", as_count(self.nobs_)),
            ("Covariance type", self._check_params()["cov_type"]),
            ("Df residuals", as_count(self.df_resid_)),
            ("Df model", as_count(self.df_model_)),
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


class Influence:
    r"""How much each observation moves a least-squares fit.

    With residuals :math:`e_i`, leverages :math:`h_i` (the hat matrix's
    diagonal), :math:`\hat\sigma^2 = \mathrm{RSS}/(n - k)` and :math:`k`
    parameters:

    .. math::
        r_i = \frac{e_i}{\hat\sigma\sqrt{1 - h_i}},\qquad
        t_i = \frac{e_i}{\hat\sigma_{(i)}\sqrt{1 - h_i}},\quad
        \hat\sigma_{(i)}^2 = \frac{\mathrm{RSS} - e_i^2/(1 - h_i)}{n - k - 1},\qquad
        D_i = \frac{r_i^2}{k}\,\frac{h_i}{1 - h_i}

    (internally and externally studentised residuals, Cook's distance with its
    :math:`F(k, n - k)` tail probability), as statsmodels' ``OLSInfluence``.
    A point with leverage 1 has undefined residuals there (NaN).
    """

    def __init__(self, residuals, leverages, sigma, df_resid, n_params):
        self.resid, self.hat_matrix_diag = residuals, leverages
        self._sigma, self._df_resid, self._k = sigma, df_resid, n_params

    @property
    def resid_studentized_internal(self):
        # Residuals in units of sigma first: their squares stay representable for data
        # in any units (near 1e-160 too).
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.resid / self._sigma / np.sqrt(1 - self.hat_matrix_diag)

    @property
    def resid_studentized_external(self):
        h = self.hat_matrix_diag
        with np.errstate(divide="ignore", invalid="ignore"):
            standard = self.resid / self._sigma
            # sigma_(i)^2 / sigma^2, the variance without observation i in units of sigma^2.
            deleted = ((self._df_resid - standard ** 2 / (1 - h)) / (self._df_resid - 1))
            return standard / np.sqrt(deleted * (1 - h))

    @property
    def cooks_distance(self):
        """``(D, p)``: Cook's distances and their ``F(k, n - k)`` upper tail probabilities."""
        from scipy import special

        h = self.hat_matrix_diag
        with np.errstate(divide="ignore", invalid="ignore"):
            distance = self.resid_studentized_internal ** 2 / self._k * h / (1 - h)
        return distance, special.fdtrc(self._k, self._df_resid, distance)


def _norm(values):
    """The Euclidean norm of ``values``, scaled by the largest first (so squares of values
    near 1e-160 or 1e160 neither underflow nor overflow); inf if one is not finite."""
    largest = float(np.max(np.abs(values), initial=0.0))
    if not 0 < largest < math.inf:
        return largest
    with np.errstate(under="ignore"):
        return largest * float(np.linalg.norm(values / largest))


def _wald_f(params, cov, fit_intercept, df_model, df_denominator):
    r""":math:`F = \hat\beta_s^\top V_s^{-1} \hat\beta_s / q` for the slopes :math:`s` (all
    the parameters without an intercept), and its p-value on :math:`F(q, \nu)`."""
    from scipy import special

    slopes = slice(int(fit_intercept), None)
    beta, block = params[slopes], cov[slopes, slopes]
    if df_model == 0 or not np.all(np.isfinite(block)):
        return np.nan, np.nan
    try:
        statistic = float(beta @ np.linalg.solve(block, beta)) / df_model
    except np.linalg.LinAlgError:
        return np.nan, np.nan
    return statistic, float(special.fdtrc(df_model, df_denominator, statistic))


def _f_test(explained, rss, df_model, df_resid):
    from scipy import special

    if df_model == 0:
        return np.nan, np.nan
    fvalue = (explained / df_model) / (rss / df_resid)
    return float(fvalue), float(special.fdtrc(df_model, df_resid, fvalue))
