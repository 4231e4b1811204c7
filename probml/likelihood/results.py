r"""What a likelihood fit reports: estimates, their covariance, intervals and tests.

At the maximum :math:`\hat\theta` of :math:`\ell`, the covariance of the
estimates is estimated three ways (``cov_type``):

* ``"observed"``: :math:`\mathcal J(\hat\theta)^{-1}`, the inverse of the
  observed information :math:`\mathcal J = -\nabla^2\ell`;
* ``"expected"``: :math:`\mathcal I(\hat\theta)^{-1}`, the inverse Fisher
  information :math:`\mathcal I = E[-\nabla^2\ell]`, derived by SymPy;
* ``"sandwich"``: :math:`\mathcal J^{-1}\bigl(\sum_i s_i s_i^\top\bigr)\mathcal J^{-1}`
  with the per-observation scores :math:`s_i`, robust to a misspecified
  density (Huber 1967, White 1982).

Intervals are Wald's, :math:`\hat\theta_j \pm z\,\mathrm{se}_j`, or the
profile-likelihood interval :math:`\{\theta_j : 2(\hat\ell -
\max_{\theta_{-j}}\ell) \le \chi^2_{1,1-\alpha}\}`, which respects the
domain and the likelihood's asymmetry.  With priors the fit is the MAP, and
the Laplace approximation describes the posterior: mean :math:`\hat\theta`,
covariance :math:`(-\nabla^2 \log p(\theta \mid x))^{-1}`.
"""

import functools
import math
import warnings
from dataclasses import dataclass

import numpy as np

from .._validation import LEVEL, Options, check_is_fitted
from ..inference import (
    CoefficientInference,
    as_count,
    check_standard_errors,
    coverage,
    critical_value,
    information_criteria,
)
from ..optim.newton import Evaluation, maximise

__all__ = ["LikelihoodFit", "LikelihoodRatioTest", "boundary_likelihood_ratio_test",
           "likelihood_ratio_test"]

# Doublings of the profile's search step before a side of the interval is unbounded.
_PROFILE_DOUBLINGS = 40


def _from_table(inherited):
    """``inherited``, a property of :class:`CoefficientInference` reading the stored
    table's results, once the table is made (:attr:`LikelihoodFit.table_`)."""
    def get(self):
        self.table_
        return inherited.fget(self)
    return property(get, doc=inherited.__doc__)


class LikelihoodFit(CoefficientInference):
    """A fitted :class:`~probml.likelihood.Model`.

    The fit holds the estimates, the maximised log-likelihood and the
    information at the estimate (from the last pass of Newton's method); the
    covariance, standard errors, tests and table are computed from that
    information on first use, once (as statsmodels' results classes compute
    theirs: ``cache_readonly``).  Whatever the fit must say is said when it is
    made: :func:`~probml.likelihood.problem.fit_problem` warns of a flat
    direction of the likelihood there, and the covariances that read the data
    again (``"expected"``, ``"sandwich"``) are computed then, with their
    errors.  Reading the standard errors (``bse_``, the table, the summary)
    of an observed information so small that its inverse overflows double
    precision raises the ValueError of :func:`~probml.inference.check_standard_errors`
    then.

    Attributes
    ----------
    model : Model
    problem : Problem
        The model with its data (the passes over them).
    params_, bse_ : ndarray
        Estimates and standard errors on the user's scale.
    param_names_ : list of str
    cov_params_ : ndarray
        Their covariance (``cov_type``).
    cov_type : str
    loglik_ : float
        The maximised log-likelihood (without the prior, for a MAP fit).
    aic_, bic_ : float
    n_obs_ : float
        The number of observations (the sum of the frequency weights).
    information_ : ndarray
        The observed information :math:`-\\nabla^2` of the objective at the fit.
    converged_ : bool
    n_iter_ : int
    posterior_mean_, posterior_cov_ : ndarray
        For ``method="map"``: the Laplace approximation to the posterior.
    """

    _summary_title = "Maximum likelihood fit"

    def __init__(self, model, problem, result, *, method, cov_type, objective):
        self.model, self.method, self.cov_type = model, method, cov_type
        self.problem, self._objective = problem, objective
        self.param_names_ = problem.names
        self._phi = result.theta
        self._theta = theta = problem.to_user(result.theta)[0]
        self.converged_, self.n_iter_ = bool(result.converged), int(result.n_iter)
        # The last pass of Newton's method was at the estimate, with its Hessian; the
        # information on the fit's own scale, from which the covariance is computed (a
        # subclass may report information_ in other units), and the parameters whose
        # standard errors are undefined come with the result (see fit_problem).
        self.loglik_ = result.evaluation.extra[0]
        self._information = self.information_ = result.information
        self._undefined_se = result.undefined
        self.n_obs_ = problem.total_weight
        self.aic_, self.bic_ = information_criteria(self.loglik_, len(theta), self.n_obs_)
        self._store_estimates(self.param_names_, theta)
        if method == "map":
            self._summary_title = "Maximum a posteriori fit (Laplace approximation)"
            self.log_posterior_ = float(result.evaluation.value)
            self.posterior_mean_ = theta
        if cov_type != "observed":
            self._fit_cov        # these read the data again: now, with the fit's errors

    def _store_estimates(self, names, theta):
        """Store the estimates ``theta`` of the parameters ``names`` as ``params_``; the
        parameters Newton's method estimated are at ``_estimated_positions`` of it (a
        subclass may report parameters its model holds fixed beside them)."""
        self._estimated_positions = np.arange(len(theta))
        self._results = {"params": theta}

    # -- inference, on first use -------------------------------------------------------

    @functools.cached_property
    def _fit_cov(self):
        """The covariance of the estimated parameters on the fit's own scale."""
        return self._covariance(self._theta, self._undefined_se)

    @functools.cached_property
    def _cov_params(self):
        """The covariance of ``params_`` (:meth:`_reported_covariance`)."""
        return self._reported_covariance(self._fit_cov)

    def _reported_covariance(self, cov):
        """``cov`` as ``cov_params_`` reports it (a subclass may change its units or add
        the parameters its model holds fixed)."""
        return cov

    @property
    def cov_params_(self):
        """``cov_params``, labelled when fitted on a data frame."""
        return self._labelled(self._cov_params, True)

    @functools.cached_property
    def _bse(self):
        """The standard errors of ``params_`` (refused where they overflow, as the
        table's are)."""
        bse = np.sqrt(np.clip(np.diagonal(self._cov_params), 0, None))
        check_standard_errors(bse)
        return bse

    @property
    def bse_(self):
        """``bse``, labelled when fitted on a data frame."""
        return self._labelled(self._bse)

    @functools.cached_property
    def table_(self):
        """The coefficient table (:class:`~probml.inference.CoefficientTable`) of
        ``params_``, named as :meth:`_table_names` names them."""
        self._store_table(self._table_names(), self._result("params"), self._cov_params,
                          None)
        return self.__dict__["table_"]      # set by _store_table

    def _table_names(self):
        """The table's names of ``params_``."""
        return list(self.param_names_)

    tvalues_ = _from_table(CoefficientInference.tvalues_)
    pvalues_ = _from_table(CoefficientInference.pvalues_)

    @property
    def _estimated_bse(self):
        """The standard errors of the estimated parameters on the fit's own scale."""
        return np.sqrt(np.clip(np.diagonal(self._fit_cov), 0, None))

    @property
    def posterior_cov_(self):
        """The Laplace approximation's posterior covariance (``method="map"``)."""
        if self.method != "map":
            raise AttributeError(f"{type(self).__name__!r} object has no attribute "
                                 "'posterior_cov_' (a MAP fit's)")
        return self._fit_cov

    # -- covariance ------------------------------------------------------------------

    def _covariance(self, theta, undefined):
        information = self._information
        cov = np.full(information.shape, np.nan)
        keep = ~undefined
        if not keep.any():
            return cov
        rows = slice(None) if keep.all() else np.ix_(keep, keep)
        if self.cov_type == "expected":
            inverse = np.linalg.inv(self._expected_information(theta)[rows])
        else:
            inverse = np.linalg.inv(information[rows])
            if self.cov_type == "sandwich":
                inverse = inverse @ self.problem.score_outer(theta)[rows] @ inverse
        cov[rows] = 0.5 * (inverse + inverse.T)
        return cov

    def _expected_information(self, theta):
        from .derivation import expected_information_function
        function = expected_information_function(self.model)
        if function is None:
            raise ValueError(
                f"SymPy could not take the expected information of {self.model.name} in closed "
                "form (or the model has no support declared), so cov_type='expected' is not "
                "available: use cov_type='observed' or 'sandwich'.")
        return sum(self.problem.map_rows(lambda part, rows: function(part, theta, rows)))

    # -- intervals ---------------------------------------------------------------------

    def conf_int(self, alpha=0.05, *, level=None, method="wald"):
        """Confidence intervals, shape (n_params, 2).

        Parameters
        ----------
        alpha : float in (0, 0.5]
            The error rate, as in statsmodels (0.05 for 95% intervals).
        level : float in (0, 1), optional
            The coverage instead.
        method : {"wald", "profile"}
            Wald's symmetric interval, or the profile-likelihood interval
            (inside the domain; ``inf`` where the likelihood never falls far
            enough on one side).
        """
        level = coverage(alpha, level)
        if Options("wald", "profile")(method, "method") == "wald":
            return super().conf_int(level=level)
        check_is_fitted(self, "table_")
        params = self._result("params")
        intervals = np.column_stack([params, params])     # a fixed parameter's is itself
        for j, position in enumerate(self._estimated_positions):
            intervals[position] = self._profile_interval(j, level)
        return intervals

    def credible_interval(self, level=0.95):
        """The Laplace approximation's equal-tailed credible intervals (MAP fits)."""
        check_is_fitted(self, "table_")
        if self.method != "map":
            raise ValueError("credible_interval needs a MAP fit (method='map' with priors); "
                             "for an MLE use conf_int.")
        level = LEVEL(level, "level")
        half = critical_value(level) * np.sqrt(np.diagonal(self.posterior_cov_))
        return np.column_stack([self.posterior_mean_ - half, self.posterior_mean_ + half])

    def _profile_interval(self, j, level):
        threshold = critical_value(level) ** 2 / 2       # chi2_1 quantile over 2
        best = self._objective(self._phi, False).value
        phi_hat = self._phi
        se = self._estimated_bse[j]
        free_se = se / abs(self.problem.to_user(phi_hat)[1][j]) \
            if np.isfinite(se) and se > 0 else 1.0
        state = {"start": np.delete(phi_hat, j)}

        def drop(t):
            value = self._profile_value(j, t, state)
            return best - value - threshold

        ends = []
        for direction in (-1.0, 1.0):
            step = max(free_se, 1e-8 * max(1.0, abs(phi_hat[j])))
            inner, outer = phi_hat[j], phi_hat[j] + direction * step
            state["start"] = np.delete(phi_hat, j)
            found = False
            for _ in range(_PROFILE_DOUBLINGS):
                if drop(outer) >= 0:
                    found = True
                    break
                inner, outer = outer, phi_hat[j] + direction * (abs(outer - phi_hat[j]) * 2)
            if not found:
                ends.append(self._domain_end(j, direction))
                continue
            ends.append(self.problem.to_user(self._bisect(drop, inner, outer, phi_hat, j))[0][j])
        return ends

    def _domain_end(self, j, direction):
        if j < self.problem.n_scalar:
            parameter = self.model.scalar_parameters[j]
            return parameter.low if direction < 0 else parameter.high
        return -math.inf if direction < 0 else math.inf

    def _bisect(self, drop, inner, outer, phi_hat, j):
        from scipy.optimize import brentq
        t = brentq(drop, inner, outer, xtol=1e-12 * max(1.0, abs(phi_hat[j])), rtol=1e-12)
        full = phi_hat.copy()
        full[j] = t
        return full

    def _profile_value(self, j, t, state):
        """:math:`\\max_{\\phi_{-j}}` of the objective with :math:`\\phi_j = t`."""
        objective = self._objective
        if len(self._phi) == 1:
            return objective(np.array([t]), False).value

        def evaluate(psi, hessian):
            phi = np.insert(psi, j, t)
            e = objective(phi, hessian)
            information = None if e.information is None else np.delete(
                np.delete(e.information, j, 0), j, 1)
            return Evaluation(e.value, np.delete(e.gradient, j), information, e.extra)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = maximise(evaluate, state["start"], tol=1e-10,
                              n=self.problem.total_weight, max_iter=100)
        state["start"] = result.theta
        return result.evaluation.value

    # -- tests and summary ----------------------------------------------------------

    def lr_test(self, restricted):
        """The likelihood-ratio test of ``restricted`` (nested in this fit) against this one."""
        return likelihood_ratio_test(restricted, self)

    def _summary_info(self):
        return [("Model", self.model.name), ("Method", self.method.upper()),
                ("No. observations", as_count(self.n_obs_)), ("Log-likelihood", self.loglik_),
                ("AIC", self.aic_), ("BIC", self.bic_), ("Covariance", self.cov_type),
                ("Iterations", as_count(self.n_iter_))]

    def __repr__(self):
        values = ", ".join(f"{name}={value:.6g}" for name, value in
                           zip(self.param_names_, self.params_))
        return f"<LikelihoodFit of {self.model.name}: {values}, loglik={self.loglik_:.6g}>"


@dataclass(frozen=True)
class LikelihoodRatioTest:
    r"""The likelihood-ratio test :math:`\Lambda = 2(\ell_1 - \ell_0) \sim \chi^2_{k_1 - k_0}`.

    With ``boundary`` the null value of the one parameter tested is the edge of
    its domain, and :math:`\Lambda` follows the mixture
    :math:`\bar\chi^2_{01} = \tfrac12\chi^2_0 + \tfrac12\chi^2_1`
    (:func:`boundary_likelihood_ratio_test`).
    """

    statistic: float
    df: int
    pvalue: float
    boundary: bool = False

    def __str__(self):
        if self.boundary:
            return (f"Likelihood-ratio test on the boundary: chibar2(01) = "
                    f"{self.statistic:.4f}, p = {self.pvalue:.4g}")
        return (f"Likelihood-ratio test: chi2({self.df}) = {self.statistic:.4f}, "
                f"p = {self.pvalue:.4g}")


def likelihood_ratio_test(restricted, full):
    """Test a restricted fit against the full fit it is nested in (Wilks' theorem).

    Both must be maximum-likelihood fits to the same observations, the full
    one with more parameters; nesting itself (the restricted model is the
    full one with parameters fixed) is the caller's to ensure.
    """
    from scipy.stats import chi2
    for label, fit in (("restricted", restricted), ("full", full)):
        if not isinstance(fit, LikelihoodFit):
            raise TypeError(f"{label} must be a LikelihoodFit, got {type(fit).__name__}.")
        if fit.method != "mle":
            raise ValueError(f"{label} is a MAP fit: the likelihood-ratio test compares "
                             "maximised likelihoods.")
    if restricted.n_obs_ != full.n_obs_:
        raise ValueError(f"restricted and full were fitted to different numbers of "
                         f"observations ({restricted.n_obs_:g} and {full.n_obs_:g}).")
    # Parameters a model holds fixed (a distribution's loc = 0) are not counted.
    full_k, restricted_k = (len(fit._estimated_positions) for fit in (full, restricted))
    df = full_k - restricted_k
    if df < 1:
        raise ValueError("full must estimate more parameters than restricted (it is the "
                         f"larger model); they estimate {full_k} and {restricted_k}.")
    statistic = 2.0 * (full.loglik_ - restricted.loglik_)
    slack = 1e-8 * max(1.0, abs(full.loglik_))
    if statistic < -slack:
        raise ValueError("restricted fits better than full: the models are not nested, or "
                         "a fit did not reach its maximum.")
    statistic = max(statistic, 0.0)
    return LikelihoodRatioTest(statistic, df, float(chi2.sf(statistic, df)))


def boundary_likelihood_ratio_test(restricted_loglik, full_loglik):
    r"""The likelihood-ratio test of one parameter whose null value is the edge of its
    domain (the negative binomial's :math:`\alpha = 0`, the Poisson model).

    Half the samples under the null put the unrestricted maximum on the edge
    (:math:`\Lambda = 0`), the other half inside, so :math:`\Lambda =
    2(\ell_1 - \ell_0)` follows :math:`\tfrac12\chi^2_0 + \tfrac12\chi^2_1`
    (Self and Liang 1987), and the p-value is

    .. math:: P(\Lambda \ge \lambda) = \tfrac12 P(\chi^2_1 \ge \lambda)
        \quad (\lambda > 0), \qquad 1 \quad (\lambda = 0),

    Stata's "LR test of alpha=0: chibar2(01)" (Gutierrez, Carter and Drukker
    2001).  The maximised log-likelihoods are those of the restricted fit (on
    the edge) and of the full one.

    >>> test = boundary_likelihood_ratio_test(-120.0, -118.0)
    >>> test.statistic, round(test.pvalue, 6)
    (4.0, 0.02275)
    """
    from scipy.stats import chi2
    statistic = max(2.0 * (float(full_loglik) - float(restricted_loglik)), 0.0)
    pvalue = 0.5 * float(chi2.sf(statistic, 1)) if statistic > 0 else 1.0
    return LikelihoodRatioTest(statistic, 1, pvalue, boundary=True)
