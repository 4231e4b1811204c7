r"""Bayesian linear regression: the full posterior of the Gaussian linear model.

Known noise precision :math:`\beta` (Bishop, *Pattern Recognition and Machine
Learning*, 2006, §3.3):

.. math::
    w \sim \mathcal N(m_0, \Lambda_0^{-1}),\quad
    y \mid w \sim \mathcal N(Xw + b\mathbf 1, \beta^{-1} I)
    \ \Longrightarrow\
    w \mid y \sim \mathcal N(m_n, \Lambda_n^{-1}),\quad
    \Lambda_n = \Lambda_0 + \beta X_c^\top X_c,\quad
    m_n = \Lambda_n^{-1}(\Lambda_0 m_0 + \beta X_c^\top y_c).

With :math:`m_0 = 0` and :math:`\Lambda_0 = \alpha I` the posterior mean is
Ridge's estimate with penalty :math:`\alpha/\beta`: the MAP estimate of the
Gaussian prior.

Unknown noise variance :math:`\sigma^2` with the conjugate
Normal-Inverse-Gamma prior :math:`w \mid \sigma^2 \sim \mathcal N(m_0,
\sigma^2 V_0)`, :math:`\sigma^2 \sim \mathrm{IG}(a_0, b_0)`:

.. math::
    V_n = (V_0^{-1} + X_c^\top X_c)^{-1},\quad
    m_n = V_n (V_0^{-1} m_0 + X_c^\top y_c),\quad
    a_n = a_0 + \tfrac{n'}{2},\quad
    b_n = b_0 + \tfrac12\big(\lVert y_c - X_c m_n\rVert^2
        + (m_n - m_0)^\top V_0^{-1} (m_n - m_0)\big),

and the weights and predictions are Student-t with :math:`2a_n` degrees of
freedom.

The intercept :math:`b` has a flat prior and is integrated out, which is the
same as working with centred data and :math:`n' = n - 1` observations (the
evidence then has a factor :math:`n^{-1/2}` and is relative to the unit of
:math:`b`).  Without an intercept :math:`n' = n`.

With more features than rows (p > n) the p x p matrices are never factored:
by the Woodbury identity in the basis of the rows' thin SVD
:math:`X_c = U\Sigma V^\top` (isotropic prior, :math:`\lambda = \alpha/\beta`),

.. math::
    m_n = V\frac{\Sigma}{\Sigma^2 + \lambda}U^\top y_c,\quad
    \Lambda_n^{-1} = \frac1\beta\Big(V(\Sigma^2 + \lambda)^{-1}V^\top
        + \frac{I - VV^\top}{\lambda}\Big),\quad
    \log\frac{|\Lambda_0|}{|\Lambda_n|} = -\sum_i\log\Big(1 + \frac{s_i^2}{\lambda}\Big),

and the evidence maximisation uses the eigenvalues :math:`s_i^2` of
:math:`X_c^\top X_c` (the other :math:`p - n` are 0): :math:`O(n^2 p)` for the fit,
:math:`O(np)` a prediction, where the p x p route costs :math:`O(p^3)`.
"""

import functools
import math
from dataclasses import dataclass

import numpy as np

from .._blocks import row_blocks
from .._validation import (
    BOOLEAN,
    FLOATS,
    LEVEL,
    POSITIVE,
    SEED,
    Integer,
    Optional,
    Real,
    WeightedRows,
    check_array_finite,
    check_is_fitted,
    check_vector,
    check_weights,
    is_dask_collection,
    label_rows,
    record_features,
    validate_features,
)
from ..exceptions import ConvergenceWarning, UndefinedStatisticWarning, warn
from ..inference import (
    MIN_DF,
    as_count,
    Summary,
    coverage,
    critical_value,
    format_number,
    parameter_names,
)
from ._least_squares import (
    EPS,
    DataRequired,
    accuracy_digits,
    equilibrate,
    intercept_from_moments,
    intercept_variance,
    mean_residual,
    quadratic_forms,
    warn_if_inaccurate,
    warn_intercept_variance_lost,
)
from ._moments import Moments
from .base import Regressor, chunkwise, linear_prediction
from .ridge import CentredDesign, SpectralInverse

__all__ = ["BayesianLinearRegression"]

# Most numbers sample_posterior draws at once (1 GiB of float64).
_MAX_DRAWS = 2 ** 27


class BayesianLinearRegression(Regressor):
    r"""Bayesian linear regression with a Gaussian prior on the weights.

    Parameters
    ----------
    alpha : float > 0, default=1.0
        Prior precision of the weights, :math:`\Lambda_0 = \alpha I` (with
        unknown noise, :math:`V_0 = I/\alpha`).  Ignored when ``prior_cov`` is
        given.  With ``fit_precisions`` it is the starting value.
    beta : float > 0 or None, default=1.0
        Noise precision :math:`1/\sigma^2`.  None means unknown, with the
        Normal-Inverse-Gamma prior.  With ``fit_precisions`` it is the
        starting value.
    prior_mean : array-like of shape (n_features,), optional
        :math:`m_0`; zero by default.
    prior_cov : array-like of shape (n_features, n_features), optional
        :math:`\Lambda_0^{-1}` (known noise) or :math:`V_0` (unknown noise,
        in units of :math:`\sigma^2`); symmetric positive definite.
    fit_precisions : bool, default=False
        Choose ``alpha`` and ``beta`` by maximising the evidence (type-II
        maximum likelihood, MacKay's fixed point), as scikit-learn's
        ``BayesianRidge`` does.  Needs a known-noise, isotropic prior.
    noise_shape, noise_rate : float > 0, default=1e-6
        :math:`a_0, b_0` of the Inverse-Gamma prior on :math:`\sigma^2`, used
        when ``beta`` is None.
    fit_intercept : bool, default=True
        Add an intercept with a flat prior.
    max_iter : int, default=300
        Iteration limit of the evidence maximisation.
    tol : float, default=1e-10
        Relative change of ``alpha`` and ``beta`` at which it stops.

    Attributes
    ----------
    posterior_mean_, posterior_cov_ : ndarray
        Mean and covariance of the posterior of the weights (the intercept
        is in ``intercept_`` and ``intercept_std_``).  ``posterior_cov_`` is
        formed when first read: with more features than rows the fit keeps it
        factored, and nothing else needs the p x p array.
    coef_, intercept_ : ndarray, float
        The posterior means, used by ``predict``.
    alpha_, beta_ : float
        The precisions used (fitted with ``fit_precisions``); ``beta_`` is the
        posterior mean of :math:`1/\sigma^2` when the noise is unknown.
        ``alpha_`` is NaN with a ``prior_cov``, whose prior has no single
        precision.
    noise_shape_, noise_rate_ : float
        :math:`a_n, b_n` (unknown noise only).
    log_evidence_ : float
        :math:`\log p(y \mid X)`, the marginal likelihood.
    condition_number_, accuracy_digits_ : float
        The condition number of the centred, column-scaled design (infinite
        where the rows leave directions undetermined, as with more features
        than rows: the prior settles those) and the significant digits of the
        posterior that survive rounding.
    n_iter_ : int
        Posterior updates made: the fixed-point iterations of the evidence
        maximisation, or 1 for the closed-form posterior.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0]])
    >>> y = np.array([2.1, 3.9, 6.2, 7.8])
    >>> model = BayesianLinearRegression(alpha=1.0, beta=4.0).fit(X, y)
    >>> model.posterior_mean_.round(4)
    array([1.8476])
    >>> mean, std = model.predict(np.array([[5.0]]), return_std=True)
    >>> mean.round(3), std.round(3)
    (array([9.619]), array([0.781]))
    """

    _parameter_domains = {
        "alpha": Real(0, None, closed="neither", meaning=" (the prior precision of the weights)"),
        "beta": Optional(Real(0, None, closed="neither",
                              meaning=" (the noise precision 1/sigma^2)")),
        "fit_precisions": BOOLEAN, "noise_shape": POSITIVE, "noise_rate": POSITIVE,
        "fit_intercept": BOOLEAN, "max_iter": Integer(1), "tol": POSITIVE,
    }

    def __init__(self, alpha=1.0, beta=1.0, prior_mean=None, prior_cov=None,
                 fit_precisions=False, noise_shape=1e-6, noise_rate=1e-6,
                 fit_intercept=True, max_iter=300, tol=1e-10):
        self.alpha = alpha
        self.beta = beta
        self.prior_mean = prior_mean
        self.prior_cov = prior_cov
        self.fit_precisions = fit_precisions
        self.noise_shape = noise_shape
        self.noise_rate = noise_rate
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol

    # -- the prior ---------------------------------------------------------

    def _prior(self, params, n_features):
        """The validated prior: its mean, a factor L of its covariance, and its precision."""
        if params["fit_precisions"]:
            if self.prior_cov is not None:
                raise ValueError(
                    "fit_precisions estimates an isotropic prior precision alpha; it "
                    "cannot be combined with prior_cov.")
            if params["beta"] is None:
                raise ValueError(
                    "fit_precisions estimates the noise precision beta and needs beta as "
                    "its starting value; got beta=None.")
        if self.prior_mean is None:
            mean = np.zeros(n_features)
        else:
            mean = check_array_finite(self.prior_mean, "prior_mean")
            if mean.shape != (n_features,):
                raise ValueError(f"prior_mean must be a vector of length n_features="
                                 f"{n_features}, got shape {mean.shape}.")
        if self.prior_cov is None:
            return _Prior.isotropic(mean, params["alpha"])
        return _Prior.from_covariance(mean, self.prior_cov, n_features)

    # -- fitting -----------------------------------------------------------

    def fit(self, X, y, sample_weight=None, *, freq_weights=None):
        r"""Compute the posterior from the data (the prior is not updated in place).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Precision weights: row :math:`i` has noise precision
            :math:`\beta w_i` (the mean of :math:`w_i` measurements), so the
            posterior is that of the whitened rows and the evidence gains
            :math:`\tfrac12\sum_i \log w_i`; the evidence's and the noise
            posterior's :math:`n` count the rows of positive weight.
        freq_weights : array-like of shape (n_samples,), optional
            Frequency weights: a row with weight 3 is three identical rows (the
            posterior, the evidence and the evidence-maximised precisions equal
            those of the repeated data).

        Returns
        -------
        self
        """
        if is_dask_collection(X) or is_dask_collection(y):
            from .streaming import fit_chunks      # streaming builds on this module

            return fit_chunks(self, X, y, sample_weight=sample_weight,
                              freq_weights=freq_weights)
        params = self._check_params()
        X, y, names = self._validate_training_data(X, y)
        self._fit_intercept = params["fit_intercept"]
        moments, count, log_weights, data = self._statistics(X, y, sample_weight, freq_weights,
                                                             names)
        self._count, self._log_weights = count, log_weights
        return self._update_posterior(params, moments, data)

    @staticmethod
    def _statistics(X, y, sample_weight, freq_weights=None, names=None):
        """Centred statistics, the number of rows, the weights' log term and the centred
        rows (a :class:`~probml.models.ridge.CentredDesign`, centred only if a route needs
        them: more features than rows, or a Gram matrix too ill-conditioned).

        The posterior is kept as statistics: no centred copy of X stays in the model.
        Centred statistics (about the means, kept as double-doubles) with or without an
        intercept: without one, the uncentred problem is solved from them and the mean
        row (see _Prior.update), which keeps its digits for data far from the origin.
        Weighted rows are centred about the weighted means and whitened.
        """
        analytic = check_weights(sample_weight, "sample_weight", X.shape[0])
        frequency = check_weights(freq_weights, "freq_weights", X.shape[0])
        if analytic is None and frequency is None:
            moments = Moments.from_data(X, y, fit_intercept=True, feature_names=names,
                                        keep_centred=False, squares="may_vanish")
            return moments, X.shape[0], 0.0, CentredDesign(X, y, moments)
        rows = WeightedRows(analytic, frequency)
        X_white, y_white, moments = Moments.weighted(
            X[rows.keep], y[rows.keep], rows.weights, fit_intercept=True, feature_names=names,
            squares="may_vanish")
        moments.centred_data = None
        return moments, rows.nobs, rows.log_weights, CentredDesign.of_centred(X_white, y_white)

    def _fit_moments(self, moments, feature_names=None):
        """The posterior from the sufficient statistics alone (see
        :func:`probml.models.streaming.fit_statistics`): ``moments`` centred, as
        :meth:`fit` computes them whatever ``fit_intercept``."""
        params = self._check_params()
        if not moments.fit_intercept:
            raise DataRequired("the posterior is computed from centred statistics")
        record_features(self, len(moments.x_mean), feature_names)
        self._fit_intercept = params["fit_intercept"]
        self._count, self._log_weights = moments.n, 0.0
        return self._update_posterior(params, moments)

    def partial_fit(self, X, y, sample_weight=None, *, freq_weights=None):
        """Update the posterior with a new batch of data (the weights as in :meth:`fit`).

        The sufficient statistics of the batches are merged exactly, so the
        posterior after several calls equals the posterior of one ``fit`` on
        all the data together (up to rounding).

        Returns
        -------
        self
        """
        if not hasattr(self, "_moments"):
            return self.fit(X, y, sample_weight, freq_weights=freq_weights)
        params = self._check_params()
        if params["fit_intercept"] != self._fit_intercept:
            raise ValueError("fit_intercept changed since the first fit; partial_fit continues "
                             "the same model, so call fit to start a new one.")
        if is_dask_collection(X) or is_dask_collection(y):
            from .streaming import merged_statistics, refuse_options

            refuse_options({"sample_weight": sample_weight, "freq_weights": freq_weights})
            batch = merged_statistics(X, y, centred=True)[0]
            if batch.xx.shape[0] != self.n_features_in_:
                raise ValueError(f"X has {batch.xx.shape[0]} features, but this model was "
                                 f"fitted with {self.n_features_in_}.")
            self._count += batch.n
            return self._update_posterior(params, self._moments.merge(batch))
        X, _ = validate_features(self, X, reset=False, dtypes=FLOATS)
        y = check_vector(y, "y", n_samples=X.shape[0], dtypes=FLOATS)
        batch, count, log_weights, _ = self._statistics(X, y, sample_weight, freq_weights)
        self._count += count
        self._log_weights += log_weights
        return self._update_posterior(params, self._moments.merge(batch))

    def _update_posterior(self, params, moments, data=None):
        p = moments.xx.shape[0]
        prior = self._prior(params, p)
        # A fit with known noise leaves no Inverse-Gamma posterior behind from an earlier one:
        # beta_is_unknown_ reads its presence; posterior_cov_ is formed again when asked for.
        for stale in ("noise_shape_", "noise_rate_", "_posterior_cov"):
            self.__dict__.pop(stale, None)
        # Fewer rows than features: the posterior through the rows' SVD (the dual route).
        wide = (_WideDesign(data, moments, self._fit_intercept)
                if data is not None and data.shape[0] < p else None)
        self._moments = moments
        # Observations left after integrating out the flat-prior intercept.
        self._n_effective = self._count - self._fit_intercept
        self._noise_shape0, self._noise_rate0 = params["noise_shape"], params["noise_rate"]
        self.n_iter_ = 1
        known_noise = params["beta"] is not None
        beta = params["beta"]
        if params["fit_precisions"]:
            alpha, beta = self._maximise_evidence(prior.mean, params["alpha"], beta,
                                                  params["max_iter"], params["tol"], wide)
            prior = _Prior.isotropic(prior.mean, alpha)
        self.alpha_ = prior.isotropic_precision if self.prior_cov is None else np.nan
        posterior = prior.update(moments, beta if known_noise else 1.0, self._fit_intercept,
                                 data, wide)
        self.posterior_mean_ = posterior.mean
        self._covariance = posterior.covariance
        deviation = posterior.mean - prior.mean
        with np.errstate(over="ignore", invalid="ignore"):
            prior_term = prior.quadratic_form(deviation)
            if known_noise:
                self.beta_ = beta
                self._cov_factor = 1.0
                noise_variance = 1.0 / beta
                self.log_evidence_ = self._gaussian_log_evidence(posterior, prior_term, beta)
            else:
                noise_variance = self._noise_posterior(posterior, prior_term)
        if not (np.isfinite(self.log_evidence_) and np.isfinite(noise_variance)):
            raise ValueError("The posterior's evidence or noise level overflows float64: alpha, "
                             "beta or prior_mean are extreme against the data; rescale them or "
                             "the data.")
        self.coef_ = self.posterior_mean_
        self.intercept_ = (intercept_from_moments(self.coef_, moments) if self._fit_intercept
                           else 0.0)
        self._noise_variance = noise_variance
        self.condition_number_, self.accuracy_digits_ = (posterior.condition_number,
                                                         posterior.digits)
        warn_if_inaccurate("BayesianLinearRegression", posterior.digits,
                           posterior.condition_number, posterior.solver)
        weight_factor = self._weight_factor()
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            intercept_variance = (self._covariance.intercept_variance(
                moments, weight_factor, noise_variance) if self._fit_intercept else 0.0)
            self.intercept_std_ = (math.sqrt(intercept_variance * self._t_variance_factor())
                                   if self._fit_intercept else 0.0)
            self._intercept_scale = math.sqrt(intercept_variance)
        undefined = np.isinf(self._t_variance_factor())     # warned in _noise_posterior
        if not undefined and not (self._covariance.finite(weight_factor)
                                  and not np.isinf(intercept_variance)
                                  and self._covariance.finite(self._cov_factor)):
            raise ValueError("The posterior covariance overflows float64: y is very large "
                             "against X (or X very small); rescale them.")
        return self

    def _noise_posterior(self, posterior, prior_term):
        r"""The Inverse-Gamma posterior of :math:`\sigma^2`; returns the mean noise variance."""
        shape = self._noise_shape0 + self._n_effective / 2
        rate = self._noise_rate0 + 0.5 * (self._rss(posterior.mean) + prior_term)
        self.noise_shape_, self.noise_rate_ = shape, rate
        self.beta_ = shape / rate
        # posterior_cov_ is the scale matrix V_n times b_n / (a_n - 1), the mean of sigma^2.
        if shape > 1:
            self._cov_factor = rate / (shape - 1)
        else:
            no_quantiles = (f"; with 2 a_n < {MIN_DF} degrees of freedom they have no usable "
                            "quantiles either, so the credible and predictive intervals are "
                            "NaN" if 2 * shape < MIN_DF else "")
            warn(
                f"The posterior of the noise variance has shape a_n = {shape:.3g} <= 1, so it "
                "has no mean: posterior_cov_ and the predictive variance are infinite (the "
                f"Student-t marginals have too few degrees of freedom{no_quantiles}). Use "
                "more data or an informative noise prior (noise_shape > 1).",
                UndefinedStatisticWarning)
            self._cov_factor = math.inf
        self.log_evidence_ = self._nig_log_evidence(posterior)
        return rate / shape

    def _rss(self, coef):
        r"""Residual sum of squares from the moments, clipped at 0.

        Centred with an intercept; without one, plus the mean's residual
        :math:`n(\bar y - \bar x^\top w)^2`, with the means as double-doubles.
        """
        moments = self._moments
        rss = max(moments.rss(coef), 0.0)
        if not self._fit_intercept:
            rss += moments.n * mean_residual(moments, coef) ** 2
        return rss

    def _maximise_evidence(self, prior_mean, alpha, beta, max_iter, tol, wide=None):
        r"""MacKay's fixed point for the evidence (Bishop 3.92 and 3.95).

        .. math:: \gamma = \sum_i \frac{\beta\lambda_i}{\alpha + \beta\lambda_i},
            \quad \alpha \leftarrow \frac{\gamma}{\lVert m_n - m_0\rVert^2},
            \quad \beta \leftarrow \frac{n' - \gamma}{\lVert y_c - X_c m_n\rVert^2},

        computed in the eigenbasis of :math:`X_c^\top X_c` (:func:`_gram_spectrum`), so
        an iteration costs :math:`O(\min(n, p))` whatever the number of samples.  It
        stops when both change by at most ``tol`` relatively, or stop changing at all
        (the fixed point to working precision).
        """
        moments = self._moments if self._fit_intercept else self._moments.uncentred()
        eigenvalues, rotated_xy, rotated_prior = _gram_spectrum(moments, prior_mean, wide)
        # The RSS from the moments carries an absolute error of about eps * yy;
        # below this it is rounding noise and beta has no finite maximiser.
        rss_floor = 100 * np.finfo(float).eps * moments.yy
        iteration = 0
        history = [(alpha, beta)]
        for iteration in range(1, max_iter + 1):
            # A prior mean or data near the end of double precision overflow here; the
            # step they give is then out of range, and stops with the warning below.
            with np.errstate(over="ignore", invalid="ignore"):
                rotated_mean = (beta * rotated_xy + alpha * rotated_prior) / (
                    alpha + beta * eigenvalues)
                gamma = float(np.sum(beta * eigenvalues / (alpha + beta * eigenvalues)))
                rss = float(moments.yy - 2 * rotated_mean @ rotated_xy
                            + np.sum(eigenvalues * rotated_mean**2))
                distance = float(np.sum((rotated_mean - rotated_prior) ** 2))
            if rss <= rss_floor or distance == 0 or self._n_effective <= gamma:
                cause = ("the data are fitted exactly, so the noise precision beta"
                         if rss <= rss_floor or self._n_effective <= gamma else
                         "the weights equal their prior mean, so the prior precision alpha")
                warn(
                    f"The evidence has no finite maximum: {cause} grows without bound. "
                    f"Stopped at alpha={alpha:.6g}, beta={beta:.6g}; fix the "
                    "precisions instead (fit_precisions=False).",
                    ConvergenceWarning)
                break
            new_alpha = gamma / distance
            new_beta = (self._n_effective - gamma) / rss
            if not (0 < new_alpha < math.inf and 0 < new_beta < math.inf):
                warn(
                    f"The evidence maximisation left the range of double precision (alpha="
                    f"{new_alpha:.3g}, beta={new_beta:.3g}); stopped at alpha={alpha:.6g}, "
                    f"beta={beta:.6g}. Rescale X and y, or fix the precisions.",
                    ConvergenceWarning)
                break
            converged = (abs(new_alpha - alpha) <= tol * alpha
                         and abs(new_beta - beta) <= tol * beta) or (
                new_alpha == alpha and new_beta == beta)
            alpha, beta = new_alpha, new_beta
            history.append((alpha, beta))
            if converged:
                break
        else:
            warn(_unfinished_evidence(history, max_iter, tol, moments, prior_mean,
                                      self._n_effective),
                 ConvergenceWarning)
        self.n_iter_ = iteration
        return alpha, beta

    def _gaussian_log_evidence(self, posterior, prior_term, beta):
        r"""Bishop (3.86) for a general Gaussian prior, intercept integrated out.

        .. math:: \log p(y) = \tfrac12\log|\Lambda_0| - \tfrac12\log|\Lambda_n|
            + \tfrac{n'}2\log\frac{\beta}{2\pi} - \tfrac{\beta}{2}\lVert y_c - X_c m_n\rVert^2
            - \tfrac12 (m_n - m_0)^\top\Lambda_0(m_n - m_0) \;[-\tfrac12\log n]
        """
        value = (0.5 * posterior.log_det_ratio
                 + 0.5 * self._n_effective * math.log(beta / (2 * math.pi))
                 - 0.5 * beta * self._rss(posterior.mean) - 0.5 * prior_term
                 + self._log_weights)
        return float(value - 0.5 * math.log(self._moments.n) * self._fit_intercept)

    def _nig_log_evidence(self, posterior):
        r"""The Normal-Inverse-Gamma marginal likelihood (a multivariate t density).

        .. math:: \log p(y) = -\tfrac{n'}2\log 2\pi + \tfrac12\log\frac{|V_n|}{|V_0|}
            + a_0\log b_0 - a_n\log b_n + \log\Gamma(a_n) - \log\Gamma(a_0)
            \;[-\tfrac12\log n]
        """
        a0, b0 = self._noise_shape0, self._noise_rate0
        an, bn = self.noise_shape_, self.noise_rate_
        value = (-0.5 * self._n_effective * math.log(2 * math.pi)
                 + 0.5 * posterior.log_det_ratio
                 + a0 * math.log(b0) - an * math.log(bn)
                 + math.lgamma(an) - math.lgamma(a0) + self._log_weights)
        return float(value - 0.5 * math.log(self._moments.n) * self._fit_intercept)

    # -- using the posterior ---------------------------------------------

    @property
    def beta_is_unknown_(self):
        """Whether the fit treated the noise precision as unknown (Normal-Inverse-Gamma)."""
        check_is_fitted(self, "posterior_mean_")
        return hasattr(self, "noise_shape_")

    @property
    def posterior_cov_(self):
        """The posterior covariance of the weights, an array of shape (p, p).

        Formed on first access and then kept.  With more features than rows the
        fit keeps it factored (:class:`~probml.models.ridge.SpectralInverse`:
        :math:`O(np)` numbers) and ``predict``, ``summary`` and
        ``sample_posterior`` never form it; reading this attribute forms the
        :math:`p^2` numbers, in :math:`O(p^2 n)`.
        """
        check_is_fitted(self, "posterior_mean_")
        cov = self.__dict__.get("_posterior_cov")
        if cov is None:
            p = len(self.posterior_mean_)
            with np.errstate(over="ignore"):
                cov = (np.full((p, p), np.inf) if np.isinf(self._cov_factor)
                       else self._covariance.dense() if self._cov_factor == 1.0
                       else self._cov_factor * self._covariance.dense())
            self._posterior_cov = cov
        return cov

    def _weight_factor(self):
        """The covariance (known noise) or t scale matrix (unknown noise) of the weights
        over the posterior's own (``_covariance``): 1, or :math:`b_n / a_n`."""
        if self.beta_is_unknown_:
            return self.noise_rate_ / self.noise_shape_
        return 1.0

    def _t_variance_factor(self):
        """Variance of a t with 2 a_n degrees of freedom over its squared scale."""
        if self.beta_is_unknown_:
            dof = 2 * self.noise_shape_
            return dof / (dof - 2) if dof > 2 else np.inf
        return 1.0

    def _predictive_scale(self, X):
        factor = self._weight_factor()
        noise = self._noise_variance * (1 + self._fit_intercept / self._moments.n)
        centre = self._moments.x_mean if self._fit_intercept else 0.0
        with np.errstate(over="ignore", invalid="ignore"):
            variance, lost = map(np.concatenate, zip(*(
                self._covariance.quadratic_forms(block - centre, factor, noise)
                for _, block in row_blocks(X))))
        if not np.all(np.isfinite(variance)) and self._covariance.finite(factor):
            raise ValueError(f"The predictive variance overflows float64 for X with values up "
                             f"to {np.max(np.abs(X)):.3g}: X is far outside the training "
                             "data; check its units.")
        if np.any(lost):
            warn(
                f"The predictive variance is lost to rounding at {np.count_nonzero(lost)} of "
                f"{len(lost)} rows (first: row {int(np.argmax(lost))}; (x - x_mean)' S "
                "(x - x_mean) cancels, S having large entries of both signs): those standard "
                "deviations are NaN. Express X in units that make its columns of order 1 to "
                "have them.",
                UndefinedStatisticWarning)
            variance[lost] = np.nan
        return np.sqrt(variance)

    @chunkwise()
    def predict(self, X, return_std=False):
        r"""Posterior predictive mean, and optionally its standard deviation.

        .. math:: \mathrm{Var}(y_* \mid y) = \sigma^2\big(1 + \tfrac1n\big)
            + (x_* - \bar x)^\top S_n (x_* - \bar x)

        (known noise; :math:`1/n` only with an intercept).  With unknown noise
        the predictive is Student-t with :math:`2a_n` degrees of freedom and
        the returned standard deviation includes its factor
        :math:`\nu/(\nu-2)`.
        """
        return_std = BOOLEAN(return_std, "return_std")
        rows = self._validate_prediction_data(X)
        mean = linear_prediction(rows, self.coef_, self.intercept_)
        if not return_std:
            return label_rows(self, mean, X)
        return (label_rows(self, mean, X), label_rows(
            self, self._predictive_scale(rows) * math.sqrt(self._t_variance_factor()), X))

    def predict_interval(self, X, level=0.95):
        """Posterior predictive intervals (Gaussian, or Student-t for unknown noise).

        Returns
        -------
        ndarray of shape (n_samples, 2)
        """
        level = LEVEL(level, "level")
        X = self._validate_prediction_data(X)
        mean = linear_prediction(X, self.coef_, self.intercept_)
        dof = 2 * self.noise_shape_ if self.beta_is_unknown_ else None
        if dof is not None and dof < MIN_DF:
            warn(f"The predictive Student-t has 2 a_n = {dof:.3g} degrees of freedom, fewer "
                 f"than {MIN_DF}: it has no usable quantiles, so the intervals are NaN. Use "
                 "more data or an informative noise prior (noise_shape).",
                 UndefinedStatisticWarning)
        half_width = _t_quantile(level, dof) * self._predictive_scale(X)
        return np.column_stack([mean - half_width, mean + half_width])

    def sample_posterior(self, n_samples, rng=None):
        """Draw weight vectors from the posterior.

        Parameters
        ----------
        n_samples : int
        rng : numpy.random.Generator or int, optional

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self, "posterior_mean_")
        p = len(self.posterior_mean_)
        n_samples = Integer(1, _MAX_DRAWS // p, meaning=f" (at most {_MAX_DRAWS:,} numbers "
                            "in all)")(n_samples, "n_samples")
        rng = np.random.default_rng(SEED(rng, "rng"))
        draws = self._covariance.draws(rng.standard_normal((n_samples, p)),
                                       self._weight_factor())
        if not self.beta_is_unknown_:
            return self.posterior_mean_ + draws
        dof = 2 * self.noise_shape_
        # With a_n near 0 (a vague prior and no residual information), chi-square draws
        # round to 0: the t draws are then infinite, which they are to double precision.
        with np.errstate(divide="ignore", over="ignore"):
            mixing = np.sqrt(dof / rng.chisquare(dof, size=(n_samples, 1)))
            return self.posterior_mean_ + draws * mixing

    def summary(self, alpha=0.05, *, level=None):
        r"""The posterior of each weight: mean, standard deviation and the equal-tailed
        credible interval at ``1 - alpha`` (or ``level``), normal with the noise known
        and Student-t with :math:`2a_n` degrees of freedom when it is not; with the
        precisions and the log evidence.  Text in a terminal, HTML in a notebook.
        """
        check_is_fitted(self, "posterior_mean_")
        level = coverage(alpha, level)
        fit_intercept = bool(self._fit_intercept)
        names = parameter_names(getattr(self, "feature_names_in_", None),
                                len(self.posterior_mean_), fit_intercept)
        variances = self._covariance.diagonal()
        with np.errstate(invalid="ignore", over="ignore"):
            scales = np.sqrt(self._weight_factor() * variances)
            stds = (np.full_like(variances, np.inf) if np.isinf(self._cov_factor)
                    else np.sqrt(self._cov_factor * variances))
        means = self.posterior_mean_
        if fit_intercept:
            means = np.r_[self.intercept_, means]
            scales, stds = np.r_[self._intercept_scale, scales], np.r_[self.intercept_std_, stds]
        unknown = self.beta_is_unknown_
        table = _PosteriorTable(names, means, stds, scales,
                                2 * self.noise_shape_ if unknown else None)
        info = [("No. observations", as_count(self._count)),
                ("Noise precision", "unknown (NIG)" if unknown else
                 "evidence-maximised" if self.fit_precisions else "known"),
                ("alpha (prior)", self.alpha_), ("beta (noise)", self.beta_),
                ("Log evidence", self.log_evidence_), ("Iterations", as_count(self.n_iter_))]
        notes = ["Intervals are equal-tailed posterior credible intervals"
                 + (f" (Student-t, {2 * self.noise_shape_:.4g} degrees of freedom"
                    + (": too few for quantiles, so they are NaN)."
                       if 2 * self.noise_shape_ < MIN_DF else ").")
                    if unknown else " (normal).")]
        return Summary("Bayesian linear regression (posterior)", info, table, level=level,
                       notes=notes)

    def map_estimate(self):
        r"""The posterior mode of the weights and the intercept.

        The posterior is Gaussian (or Student-t), so its mode is its mean;
        with a zero-mean isotropic prior it is Ridge's estimate with
        ``alpha = alpha_ / beta_`` (known noise) or ``alpha`` (unknown noise).

        Returns
        -------
        coef : ndarray
        intercept : float
        """
        check_is_fitted(self, "posterior_mean_")
        return self.posterior_mean_.copy(), self.intercept_


# Relative error of the Gram route above which fit (which has the data) takes the SVD.
_GRAM_ERROR_LIMIT = 1e-12


def _t_quantile(level, df):
    """The two-sided quantile of the marginals: normal (``df`` None) or Student-t, NaN for a
    t with fewer than MIN_DF degrees of freedom (fit warned: 2 a_n that small leaves the noise
    posterior at its vague prior, with no usable quantiles)."""
    if df is not None and df < MIN_DF:
        return math.nan
    return critical_value(level, df)


class _PosteriorTable:
    """The rows of a posterior summary: mean, sd and the credible interval of each weight
    (a duck-typed stand-in for :class:`~probml.inference.CoefficientTable`)."""

    def __init__(self, names, means, stds, scales, df):
        self.names, self.means, self.stds, self.scales, self.df = names, means, stds, scales, df

    def credible_interval(self, level):
        """Mean -+ the two-sided quantile times the marginal's scale, shape (n, 2)."""
        with np.errstate(invalid="ignore", over="ignore"):
            half = _t_quantile(level, self.df) * self.scales
        return np.column_stack([self.means - half, self.means + half])

    def records(self, level):
        """One dict per weight: name, posterior mean, sd and the credible interval."""
        return [{"name": name, "mean": float(m), "sd": float(sd), "ci_lower": float(lo),
                 "ci_upper": float(hi)}
                for name, m, sd, (lo, hi) in zip(self.names, self.means, self.stds,
                                                 self.credible_interval(level))]

    def rows(self, level):
        low, high = (1 - level) / 2, 1 - (1 - level) / 2
        header = ["", "mean", "sd", f"[{low:g}", f"{high:g}]"]
        body = [[name, format_number(m), format_number(sd), format_number(lo), format_number(hi)]
                for name, m, sd, (lo, hi) in zip(self.names, self.means, self.stds,
                                                 self.credible_interval(level))]
        return [header] + body


@dataclass(frozen=True)
class _Prior:
    r"""A Gaussian prior on the weights: mean, a factor L of its covariance, its precision.

    The covariance is :math:`\Lambda_0^{-1} = L L^\top` (in units of
    :math:`\sigma^2` for the Normal-Inverse-Gamma prior); an isotropic prior keeps
    only its precision :math:`\alpha` (``factor`` and ``precision`` None: no p x p
    array for :math:`\alpha I`).
    """

    mean: np.ndarray
    factor: np.ndarray
    precision: np.ndarray
    isotropic_precision: float = None

    @classmethod
    def isotropic(cls, mean, alpha):
        return cls(mean, None, None, alpha)

    def quadratic_form(self, deviation):
        r""":math:`d^\top \Lambda_0 d`."""
        if self.precision is None:
            return float(self.isotropic_precision * (deviation @ deviation))
        return float(deviation @ self.precision @ deviation)

    @classmethod
    def from_covariance(cls, mean, prior_cov, n_features):
        cov = check_array_finite(prior_cov, "prior_cov")
        if cov.shape != (n_features, n_features):
            raise ValueError(
                f"prior_cov must have shape ({n_features}, {n_features}), got {cov.shape}.")
        if not np.allclose(cov, cov.T, rtol=1e-12, atol=0):
            raise ValueError("prior_cov must be symmetric.")
        try:
            factor = np.linalg.cholesky((cov + cov.T) / 2)
            precision = np.linalg.inv(factor).T @ np.linalg.inv(factor)
        except np.linalg.LinAlgError:
            raise ValueError(
                "prior_cov must be positive definite (a non-positive prior variance "
                "is not a prior); check its eigenvalues.") from None
        if not np.all(np.isfinite(precision)):
            raise ValueError("prior_cov is too close to singular for its inverse (the prior "
                             "precision) to be represented in double precision.")
        return cls(mean, factor, (precision + precision.T) / 2)

    def update(self, moments, beta, fit_intercept=True, data=None, wide=None):
        r"""The posterior of the weights after data with statistics ``moments``.

        In whitened coordinates :math:`w = m_0 + T v` (:math:`T = I` for an
        isotropic prior, with the penalty :math:`\lambda = \alpha/\beta`;
        :math:`T = L`, the prior's Cholesky factor, with :math:`\lambda = 1/\beta`
        otherwise), the posterior mode minimises

        .. math:: \lVert r_c - X_c T v\rVert^2 \;[+\, n(\bar y - \bar x^\top w)^2]
            + \lambda\lVert v\rVert^2,

        the bracket only without an intercept.  That is the least-squares
        problem of the stacked matrix
        :math:`M = [R_c T;\ \sqrt n\,\bar x^\top T;\ \sqrt\lambda I]`, with
        :math:`R_c^\top R_c = C` from the eigendecomposition of the centred
        Gram matrix, solved by a Householder QR of ``M`` (``2p + 1`` rows): no
        uncentred Gram matrix, whose rounding swamps data far from the
        origin, is ever formed, and the penalty's rows keep the system well
        posed along directions the data do not determine (whose right-hand
        side is set to exactly 0 rather than divided by a small penalty).
        The posterior covariance is :math:`T (M^\top M)^{-1} T^\top/\beta`,
        with its factor ``root``.  ``data`` (a
        :class:`~probml.models.ridge.CentredDesign`) serves a Gram matrix too
        ill-conditioned to use; with fewer rows than features (``wide``, a
        :class:`_WideDesign`), the problem is solved through their SVD instead
        (:meth:`wide_update`).
        """
        p = len(self.mean)
        with np.errstate(over="ignore", invalid="ignore"):
            c = moments.xy - moments.xx @ self.mean
        if not np.all(np.isfinite(c)):
            raise ValueError(f"prior_mean (entries up to {np.max(np.abs(self.mean)):.3g}) is so "
                             "large against the data that X'X prior_mean overflows float64; "
                             "rescale prior_mean (or X).")
        if self.isotropic_precision is not None:
            penalty = self.isotropic_precision / beta
            if not 0 < penalty < math.inf:
                raise ValueError(f"alpha/beta = {penalty} is outside the range of double "
                                 "precision; choose alpha and beta closer in scale.")
            transform, log_scale = None, -math.log(penalty)
        else:
            penalty, transform, log_scale = 1.0 / beta, self.factor, math.log(beta)
            if not 0 < penalty < math.inf:
                raise ValueError(f"1/beta = {penalty} is outside the range of double precision; "
                                 "choose a beta closer to 1.")
        if wide is not None:
            return self.wide_update(wide, moments, beta, penalty, transform, log_scale)
        # A square root R_c of C (C = R_c^T R_c) and R_c^-T c, from the eigenvectors of the
        # correlation matrix; eigenvalues at rounding level are exact zeros.  Their error,
        # eps lambda_max, costs eps (lambda_max + pen) / (lambda_min + pen) of the result.
        scale, correlation = equilibrate(moments.xx)
        eigenvalues, vectors = np.linalg.eigh(correlation)
        keep = eigenvalues > p * np.finfo(float).eps * max(eigenvalues[-1], 0.0)
        # The penalty on w is penalty (T T^T)^-1, at least penalty / ||T||^2.
        weakest = penalty / (1.0 if transform is None else np.linalg.norm(transform, 2) ** 2)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            smallest_penalty = float(np.min(weakest / scale ** 2))
        gram_error = (p * np.finfo(float).eps * moments.centring_loss
                      * (eigenvalues[-1] + smallest_penalty)
                      / (max(eigenvalues[0], 0.0) + smallest_penalty)
                      if eigenvalues[-1] > 0 else 0.0)
        if data is not None and gram_error > _GRAM_ERROR_LIMIT:
            # Too ill-conditioned for the Gram matrix: the SVD of the centred design,
            # X_c = U S V^T, gives R_c = S V^T and R_c^-T c = U^T (y_c - X_c m_0) with
            # errors of eps s_max, not eps s_max^2.
            U, values, Vt = data.svd
            kept = values > max(data.shape) * np.finfo(float).eps * values[0]
            top = values[kept, None] * Vt[kept]
            top_rhs = U[:, kept].T @ (data.y - data.X @ self.mean)
            smallest = values[kept][-1] if kept.any() else 0.0
            gram_error = (p * np.finfo(float).eps * values[0]
                          / max(smallest, math.sqrt(weakest), np.finfo(float).tiny))
        else:
            root_values = np.sqrt(eigenvalues[keep])
            top = (vectors[:, keep] * root_values).T * scale
            top_rhs = (vectors[:, keep].T @ (c / scale)) / root_values
        if not fit_intercept:
            top = np.vstack([top, math.sqrt(moments.n) * moments.x_mean])
            top_rhs = np.r_[top_rhs, math.sqrt(moments.n) * mean_residual(moments, self.mean)]
        design_condition = data_condition(top)
        with np.errstate(over="ignore", invalid="ignore"):
            if transform is not None:
                top = top @ transform
            stacked = np.vstack([top, math.sqrt(penalty) * np.eye(p)])
        if not np.all(np.isfinite(stacked)):
            raise ValueError("prior_cov or the precisions are so large against X that the "
                             "posterior precision overflows; rescale X or the prior.")
        columns = np.linalg.norm(stacked, axis=0)
        q_factor, r_factor = np.linalg.qr(stacked / columns)
        v = np.linalg.solve(r_factor, q_factor.T @ np.r_[top_rhs, np.zeros(p)]) / columns
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            root = np.linalg.solve(r_factor, np.eye(p)) / columns[:, None]
            if transform is not None:
                root = transform @ root
            root = root / math.sqrt(beta)
            weight = root @ root.T
        if not np.all(np.isfinite(weight)):
            raise ValueError(f"The posterior covariance of the weights overflows float64: beta="
                             f"{beta:.3g} (with alpha or prior_cov) makes the variances "
                             "larger than 1.8e308; choose larger precisions or rescale X.")
        mean = self.mean + (v if transform is None else transform @ v)
        # log|Lambda_0| - log|Lambda_n| = -sum log(1 + s lambda_i), s = beta/alpha (or beta),
        # lambda_i the squared singular values of the data rows of M: log1p(e^u) with
        # u = log lambda + log s, which neither overflows nor underflows.
        data_values = np.linalg.svd(top, compute_uv=False) if top.size else np.zeros(0)
        positive = data_values[data_values > 0]
        log_det_ratio = -float(np.sum(np.logaddexp(0.0, 2 * np.log(positive) + log_scale)))
        # Relative errors: the QR of the stacked matrix, its condition number times eps,
        # and those of R_c (above).
        error = 10 * (p * float(np.linalg.cond(r_factor)) * np.finfo(float).eps + gram_error)
        return _Posterior(mean, _DenseCovariance((weight + weight.T) / 2, root), log_det_ratio,
                          design_condition, accuracy_digits(error), "qr")

    def wide_update(self, wide, moments, beta, penalty, transform, log_scale):
        r"""The posterior from fewer rows than features, in :math:`O(k^2 p)` for k rows.

        With the rows :math:`Z` (:class:`_WideDesign`; whitened, :math:`Z T`) and their
        residuals :math:`r` at the prior mean, the thin SVD :math:`ZT = U\Sigma V^\top`
        solves the problem of :meth:`update` in closed form (the Woodbury identity in
        the SVD's basis):

        .. math:: v = V\frac{\Sigma}{\Sigma^2 + \lambda}U^\top r,\qquad
            (M^\top M)^{-1} = V(\Sigma^2+\lambda)^{-1}V^\top + \frac{I - VV^\top}{\lambda},
            \qquad \log\frac{|\Lambda_0|}{|\Lambda_n|}
            = -\sum_i \log\Big(1 + \frac{s_i^2}{\lambda}\Big),

        the same numbers as the stacked QR, to rounding, without a p x p
        factorisation: the covariance stays factored
        (:class:`~probml.models.ridge.SpectralInverse`).  Singular values below
        :math:`\max(k, p)\,\epsilon\, s_1` are rounding noise (centring leaves at most
        n - 1 nonzero ones) and are dropped.  The accuracy is that of Ridge's SVD
        route (:func:`~probml.models.ridge.ridge_by_svd`): a singular value off by
        :math:`\epsilon s_1` relative to :math:`\max(s, \sqrt\lambda)`.
        """
        p = len(self.mean)
        with np.errstate(over="ignore", invalid="ignore"):
            rows, residual = wide.matrix, wide.residual(self.mean)
            design_condition = data_condition(rows) if len(rows) >= p else math.inf
            if transform is not None:
                rows = rows @ transform
        if not (np.all(np.isfinite(rows)) and np.all(np.isfinite(residual))):
            raise ValueError("prior_cov or the precisions are so large against X that the "
                             "posterior precision overflows; rescale X or the prior.")
        U, values, Vt = wide.svd if transform is None else np.linalg.svd(rows,
                                                                         full_matrices=False)
        kept = values > max(rows.shape) * EPS * values[0]
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            # s / (s^2 + lambda) as 1 / (s + lambda / s): no square to overflow.
            shrunk = 1.0 / (values[kept] + penalty / values[kept])
            v = Vt[kept].T @ (shrunk * (U[:, kept].T @ residual))
            squares = values[kept] ** 2
        covariance = _WhitenedCovariance(SpectralInverse(Vt[kept], squares, penalty),
                                         transform, beta)
        if not covariance.finite(1.0):
            raise ValueError(f"The posterior covariance of the weights overflows float64: beta="
                             f"{beta:.3g} (with alpha or prior_cov) makes the variances "
                             "larger than 1.8e308; choose larger precisions or rescale X.")
        mean = self.mean + (v if transform is None else transform @ v)
        positive = values[values > 0]
        log_det_ratio = -float(np.sum(np.logaddexp(0.0, 2 * np.log(positive) + log_scale)))
        smallest = values[kept][-1] if kept.any() else 0.0
        with np.errstate(over="ignore"):
            error = (10 * p * EPS * values[0] / max(smallest, math.sqrt(penalty))
                     if kept.any() else 0.0)
        return _Posterior(mean, covariance, log_det_ratio, design_condition,
                          accuracy_digits(error), "svd")


def _unfinished_evidence(history, max_iter, tol, moments, prior_mean, n_effective):
    r"""Why MacKay's iteration did not converge: a maximum at infinity, or too few iterations.

    As :math:`\alpha \to \infty` (with :math:`\beta` at its own optimum
    :math:`n'/\lVert r_0\rVert^2` for the residual at the prior mean), the
    derivative of the log evidence is
    :math:`\frac{\beta}{2\alpha^2}\big(\operatorname{tr} C - \beta\lVert c_0\rVert^2\big)
    + O(\alpha^{-3})`, :math:`c_0 = X_c^\top r_0`: when
    :math:`\operatorname{tr} C \,\lVert r_0\rVert^2 / n' \ge \lVert c_0\rVert^2` it
    stays positive, the evidence keeps rising, and the iteration creeps
    towards infinity at a rate no ``max_iter`` can outrun.  The same happens
    to :math:`\beta` when the fit leaves ever less residual.
    """
    alphas, betas = (np.array(values) for values in zip(*history))
    c0 = moments.xy - moments.xx @ prior_mean
    rss0 = float(moments.yy - 2 * prior_mean @ moments.xy + prior_mean @ moments.xx @ prior_mean)
    if alphas[-1] > alphas[0] and np.trace(moments.xx) * max(rss0, 0.0) / max(n_effective, 1) >= c0 @ c0:
        return (f"The evidence has no finite maximum: it keeps increasing as alpha -> infinity "
                f"(alpha = {alphas[-1]:.3g} after {max_iter} iterations), because the data "
                "support no weights beyond the prior mean (tr(X'X) ||r0||^2 / n >= "
                "||X' r0||^2 for the residual r0 at the prior mean). The posterior collapses "
                "onto the prior mean; more iterations will not converge. Fix the precisions "
                "instead (fit_precisions=False).")
    steps = np.diff(betas[-20:])
    if len(steps) and np.all(steps > 0) and betas[-1] > 1e3 * betas[-20:][0]:
        return (f"The evidence has no finite maximum: it keeps increasing as beta -> infinity "
                f"(beta = {betas[-1]:.3g} after {max_iter} iterations): the model fits the "
                "data ever more closely, so the noise variance goes to 0. More iterations "
                "will not converge; fix the precisions instead (fit_precisions=False).")
    return (f"Evidence maximisation did not converge in max_iter={max_iter} iterations "
            f"(tol={tol}); increase max_iter.")


def data_condition(rows):
    """Condition number of a design given by rows whose Gram matrix it shares, columns scaled."""
    if not rows.size:
        return math.inf
    columns = np.linalg.norm(rows, axis=0)
    values = np.linalg.svd(rows / np.where(columns > 0, columns, 1.0), compute_uv=False)
    return float(values[0] / values[-1]) if len(values) >= rows.shape[1] and values[-1] > 0 \
        else math.inf


@dataclass(frozen=True)
class _Posterior:
    mean: np.ndarray
    covariance: object          # _DenseCovariance or _WhitenedCovariance
    log_det_ratio: float
    condition_number: float
    digits: float
    solver: str


class _WideDesign:
    r"""Rows whose Gram matrix is the data's, fewer than the features, and their thin SVD.

    The centred rows :math:`X_c` (whitened for weighted rows) and, without an
    intercept, the row :math:`\sqrt n\,\bar x^\top`, so that :math:`Z^\top Z` is
    :math:`X_c^\top X_c` or :math:`X^\top X` (as :meth:`_Prior.update` stacks them);
    the SVD is computed once for the evidence maximisation and the posterior.
    """

    def __init__(self, design, moments, fit_intercept):
        self._design, self._moments, self._fit_intercept = design, moments, fit_intercept

    @functools.cached_property
    def matrix(self):
        if self._fit_intercept:
            return self._design.X
        return np.vstack([self._design.X, math.sqrt(self._moments.n) * self._moments.x_mean])

    @functools.cached_property
    def svd(self):
        if self._fit_intercept:
            return self._design.svd
        return np.linalg.svd(self.matrix, full_matrices=False)

    def residual(self, prior_mean):
        """:math:`r = y - Z m_0` in the rows' terms (the mean row's residual correctly rounded)."""
        residual = self._design.y - self._design.X @ prior_mean
        if self._fit_intercept:
            return residual
        moments = self._moments
        return np.r_[residual, math.sqrt(moments.n) * mean_residual(moments, prior_mean)]


def _gram_spectrum(moments, prior_mean, wide=None):
    r"""The eigenvalues :math:`\lambda_i` of the Gram matrix ``moments.xx``, and
    :math:`X^\top y` and the prior mean in its eigenbasis.

    From ``eigh`` of the p x p matrix, or, with fewer rows than features, from the
    thin SVD of the rows :math:`Z = U\Sigma V^\top` (:class:`_WideDesign`):
    :math:`\lambda = s^2` and :math:`V^\top X^\top y = \Sigma U^\top y`.  The other
    :math:`p - k` eigenvalues are 0, along which :math:`X^\top y` is 0 and the
    posterior mean is the prior's, so they add nothing to MacKay's sums.
    """
    if wide is None:
        eigenvalues, eigenvectors = np.linalg.eigh(moments.xx)
        return (np.clip(eigenvalues, 0, None), eigenvectors.T @ moments.xy,
                eigenvectors.T @ prior_mean)
    U, values, Vt = wide.svd
    return values ** 2, values * (U.T @ wide.residual(np.zeros_like(prior_mean))), Vt @ prior_mean


@dataclass(frozen=True)
class _DenseCovariance:
    """A posterior covariance formed in full, and a factor of it (``matrix = root root^T``):
    the route of more rows than features."""

    matrix: np.ndarray
    root: np.ndarray

    def dense(self):
        return self.matrix

    def diagonal(self):
        return np.diagonal(self.matrix)

    def finite(self, factor):
        """Whether ``factor`` times the covariance is finite."""
        with np.errstate(over="ignore", invalid="ignore"):
            return bool(np.all(np.isfinite(factor * self.matrix)))

    def quadratic_forms(self, Z, factor, plus):
        """:func:`~probml.models._least_squares.quadratic_forms` of ``factor`` times it."""
        return quadratic_forms(Z, factor * self.matrix, plus)

    def intercept_variance(self, moments, factor, noise_variance):
        r""":math:`\sigma^2/n + \bar x^\top S\bar x` through the root (NaN where lost)."""
        return intercept_variance(moments, None, noise_variance,
                                  root=math.sqrt(factor) * self.root)[0]

    def draws(self, normals, factor):
        # A symmetric square root rather than Cholesky: it exists for every
        # covariance, including one whose spread of scales defeats Cholesky.
        eigenvalues, vectors = np.linalg.eigh(factor * self.matrix)
        return normals @ (vectors * np.sqrt(np.clip(eigenvalues, 0, None))).T


@dataclass(frozen=True)
class _WhitenedCovariance:
    r"""The posterior covariance :math:`S = T A T^\top/\beta` kept factored, for fewer rows
    than features: ``inverse`` :math:`A = (Z^\top Z + \lambda I)^{-1}`
    (:class:`~probml.models.ridge.SpectralInverse`, :math:`O(kp)` numbers) and the
    prior's factor ``transform`` :math:`T` (None for an isotropic prior)."""

    inverse: SpectralInverse
    transform: np.ndarray
    beta: float

    def dense(self):
        """The p x p array (:math:`O(p^2 k)`; :math:`O(p^3)` with a ``prior_cov``)."""
        matrix = self.inverse.dense()
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            if self.transform is not None:
                matrix = self.transform @ matrix @ self.transform.T
                matrix = (matrix + matrix.T) / 2
            return matrix / self.beta

    def diagonal(self):
        """The variances, each a sum of nonnegative terms."""
        return self._variances

    @functools.cached_property
    def _variances(self):
        # Formed once: the fit's checks and the summary each read them.
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            if self.transform is None:
                return self.inverse.diagonal() / self.beta
            # e_j' T A T' e_j is the quadratic form of row j of T.
            return self.inverse.quadratic_forms(self.transform, 1.0 / self.beta)[0]

    def finite(self, factor):
        """Whether ``factor`` times the covariance is finite (a covariance's entries are
        bounded by its variances)."""
        with np.errstate(over="ignore", invalid="ignore"):
            return bool(np.isfinite(factor) and np.all(np.isfinite(factor * self.diagonal())))

    def quadratic_forms(self, Z, factor, plus):
        r""":math:`\text{factor}\cdot z^\top S z + \text{plus}` for each row, two sums of
        squares of :math:`T^\top z` (:meth:`SpectralInverse.quadratic_forms`), and the
        rows where rounding left no digit."""
        error = None
        if self.transform is not None:
            with np.errstate(over="ignore", invalid="ignore"):
                error = (2 * Z.shape[1] + 1) * EPS * (np.abs(Z) @ np.abs(self.transform))
                Z = Z @ self.transform
        return self.inverse.quadratic_forms(Z, factor / self.beta, plus, error)

    def intercept_variance(self, moments, factor, noise_variance):
        r""":math:`\sigma^2/n + \bar x^\top S\bar x`, NaN with a warning where rounding
        left no digit of it."""
        total, lost = self.quadratic_forms(moments.x_mean[None, :], factor,
                                           noise_variance / moments.n)
        if lost[0]:
            warn_intercept_variance_lost(moments.x_mean)
            return math.nan
        return float(total[0])

    def draws(self, normals, factor):
        draws = self.inverse.draws(normals)
        if self.transform is not None:
            draws = draws @ self.transform.T
        return draws * math.sqrt(factor / self.beta)
