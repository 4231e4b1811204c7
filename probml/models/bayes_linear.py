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
"""

import math
import warnings

import numpy as np

from .._validation import check_is_fitted, check_positive, check_vector, validate_features
from ..exceptions import ConvergenceWarning
from ..inference import critical_value
from ._base import Regressor
from ._least_squares import Moments, full_covariance, intercept_from_moments, symmetric_inverse

__all__ = ["BayesianLinearRegression"]


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
        is in ``intercept_`` and ``intercept_std_``).
    coef_, intercept_ : ndarray, float
        The posterior means, used by ``predict``.
    alpha_, beta_ : float
        The precisions used (fitted with ``fit_precisions``); ``beta_`` is the
        posterior mean of :math:`1/\sigma^2` when the noise is unknown.
    noise_shape_, noise_rate_ : float
        :math:`a_n, b_n` (unknown noise only).
    log_evidence_ : float
        :math:`\log p(y \mid X)`, the marginal likelihood.
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

    def _prior(self, n_features):
        """Validated (m0, Lambda0 or V0^{-1} up to alpha, known_noise)."""
        known_noise = self.beta is not None
        if known_noise:
            check_positive(self.beta, "beta", " (the noise precision 1/sigma^2)")
        else:
            check_positive(self.noise_shape, "noise_shape")
            check_positive(self.noise_rate, "noise_rate")
        if self.prior_mean is None:
            prior_mean = np.zeros(n_features)
        else:
            prior_mean = np.asarray(self.prior_mean, dtype=float)
            if prior_mean.shape != (n_features,) or not np.all(np.isfinite(prior_mean)):
                raise ValueError(
                    f"prior_mean must be a finite vector of length n_features="
                    f"{n_features}, got shape {prior_mean.shape}."
                )
        if self.prior_cov is None:
            alpha = check_positive(self.alpha, "alpha", " (the prior precision of the weights)")
            prior_precision = alpha * np.eye(n_features)
        else:
            if self.fit_precisions:
                raise ValueError(
                    "fit_precisions estimates an isotropic prior precision alpha; it "
                    "cannot be combined with prior_cov."
                )
            prior_precision = _inverse_of_covariance(self.prior_cov, n_features)
        if self.fit_precisions and not known_noise:
            raise ValueError(
                "fit_precisions estimates the noise precision beta and needs beta as "
                "its starting value; got beta=None."
            )
        return prior_mean, prior_precision, known_noise

    # -- fitting -----------------------------------------------------------

    def fit(self, X, y):
        """Compute the posterior from the data (the prior is not updated in place).

        Returns
        -------
        self
        """
        X, y, names = self._validate_training_data(X, y)
        # The posterior needs only the statistics: no centred copy of X is kept.
        self._moments = Moments.from_data(X, y, fit_intercept=bool(self.fit_intercept),
                                          feature_names=names, keep_centred=False)
        return self._update_posterior()

    def partial_fit(self, X, y):
        """Update the posterior with a new batch of data.

        The sufficient statistics of the batches are merged exactly, so the
        posterior after several calls equals the posterior of one ``fit`` on
        all the data together (up to rounding).

        Returns
        -------
        self
        """
        if not hasattr(self, "_moments"):
            return self.fit(X, y)
        X, _ = validate_features(self, X, reset=False)
        y = check_vector(y, "y", n_samples=X.shape[0])
        batch = Moments.from_data(X, y, fit_intercept=self._moments.fit_intercept,
                                  keep_centred=False)
        self._moments = self._moments.merge(batch)
        return self._update_posterior()

    def _update_posterior(self):
        moments = self._moments
        p = moments.xx.shape[0]
        prior_mean, prior_precision, known_noise = self._prior(p)
        # Observations left after integrating out the flat-prior intercept.
        self._n_effective = moments.n - moments.fit_intercept
        self.n_iter_ = 1
        beta = float(self.beta) if known_noise else None
        if self.fit_precisions:  # _prior has checked: known noise, isotropic prior
            alpha, beta = self._maximise_evidence(prior_mean, float(self.alpha), beta)
            prior_precision = alpha * np.eye(p)
        self.alpha_ = prior_precision[0, 0] if self.prior_cov is None else np.nan
        if known_noise:
            self.beta_ = beta
            precision = prior_precision + beta * moments.xx
            cov = symmetric_inverse(precision)
            mean = cov @ (prior_precision @ prior_mean + beta * moments.xy)
            self.posterior_mean_, self.posterior_cov_ = mean, cov
            noise_variance = 1.0 / beta
            self.log_evidence_ = self._gaussian_log_evidence(
                prior_mean, prior_precision, precision, mean, beta)
        else:
            precision = prior_precision + moments.xx
            scale_matrix = symmetric_inverse(precision)
            mean = scale_matrix @ (prior_precision @ prior_mean + moments.xy)
            shape = self.noise_shape + self._n_effective / 2
            deviation = mean - prior_mean
            rate = self.noise_rate + 0.5 * (
                self._rss(mean) + deviation @ prior_precision @ deviation)
            self.noise_shape_, self.noise_rate_ = shape, rate
            self.beta_ = shape / rate
            self._scale_matrix = scale_matrix
            self.posterior_mean_ = mean
            self.posterior_cov_ = (rate / (shape - 1) * scale_matrix if shape > 1
                                   else np.full_like(scale_matrix, np.inf))
            noise_variance = rate / shape
            self.log_evidence_ = self._nig_log_evidence(prior_precision, precision)
        self.coef_ = self.posterior_mean_
        self.intercept_ = intercept_from_moments(self.coef_, moments)
        self._noise_variance = noise_variance
        full = full_covariance(self._weight_scale(), moments, noise_variance)
        self.intercept_std_ = (math.sqrt(full[0, 0] * self._t_variance_factor())
                               if moments.fit_intercept else 0.0)
        return self

    def _rss(self, coef):
        r"""Centred residual sum of squares from the moments, clipped at 0."""
        return max(self._moments.rss(coef), 0.0)

    def _maximise_evidence(self, prior_mean, alpha, beta):
        r"""MacKay's fixed point for the evidence (Bishop 3.92 and 3.95).

        .. math:: \gamma = \sum_i \frac{\beta\lambda_i}{\alpha + \beta\lambda_i},
            \quad \alpha \leftarrow \frac{\gamma}{\lVert m_n - m_0\rVert^2},
            \quad \beta \leftarrow \frac{n' - \gamma}{\lVert y_c - X_c m_n\rVert^2},

        computed in the eigenbasis of :math:`X_c^\top X_c`, so an iteration
        costs :math:`O(p^2)` whatever the number of samples.
        """
        moments = self._moments
        eigenvalues, eigenvectors = np.linalg.eigh(moments.xx)
        eigenvalues = np.clip(eigenvalues, 0, None)
        rotated_xy = eigenvectors.T @ moments.xy
        rotated_prior = eigenvectors.T @ prior_mean
        # The RSS from the moments carries an absolute error of about eps * yy;
        # below this it is rounding noise and beta has no finite maximiser.
        rss_floor = 100 * np.finfo(float).eps * moments.yy
        for iteration in range(1, self.max_iter + 1):
            rotated_mean = (beta * rotated_xy + alpha * rotated_prior) / (
                alpha + beta * eigenvalues)
            gamma = float(np.sum(beta * eigenvalues / (alpha + beta * eigenvalues)))
            rss = (moments.yy - 2 * rotated_mean @ rotated_xy
                   + np.sum(eigenvalues * rotated_mean**2))
            distance = float(np.sum((rotated_mean - rotated_prior) ** 2))
            if rss <= rss_floor or distance == 0:
                cause = ("the data are fitted exactly, so the noise precision beta"
                         if rss <= rss_floor else
                         "the weights equal their prior mean, so the prior precision alpha")
                warnings.warn(
                    f"The evidence has no finite maximum: {cause} grows without bound. "
                    f"Stopped at alpha={alpha:.6g}, beta={beta:.6g}; fix the "
                    "precisions instead (fit_precisions=False).",
                    ConvergenceWarning, stacklevel=4)
                break
            new_alpha = gamma / distance
            new_beta = (self._n_effective - gamma) / rss
            converged = (abs(new_alpha - alpha) <= self.tol * alpha
                         and abs(new_beta - beta) <= self.tol * beta)
            alpha, beta = new_alpha, new_beta
            if converged:
                break
        else:
            warnings.warn(
                f"Evidence maximisation did not converge in max_iter={self.max_iter} "
                f"iterations (tol={self.tol}); increase max_iter.",
                ConvergenceWarning, stacklevel=4)
        self.n_iter_ = iteration
        return alpha, beta

    def _gaussian_log_evidence(self, prior_mean, prior_precision, precision, mean, beta):
        r"""Bishop (3.86) for a general Gaussian prior, intercept integrated out.

        .. math:: \log p(y) = \tfrac12\log|\Lambda_0| - \tfrac12\log|\Lambda_n|
            + \tfrac{n'}2\log\frac{\beta}{2\pi} - \tfrac{\beta}{2}\lVert y_c - X_c m_n\rVert^2
            - \tfrac12 (m_n - m_0)^\top\Lambda_0(m_n - m_0) \;[-\tfrac12\log n]
        """
        deviation = mean - prior_mean
        value = (0.5 * _logdet(prior_precision) - 0.5 * _logdet(precision)
                 + 0.5 * self._n_effective * math.log(beta / (2 * math.pi))
                 - 0.5 * beta * self._rss(mean)
                 - 0.5 * deviation @ prior_precision @ deviation)
        return float(value - 0.5 * math.log(self._moments.n) * self._moments.fit_intercept)

    def _nig_log_evidence(self, prior_precision, precision):
        r"""The Normal-Inverse-Gamma marginal likelihood (a multivariate t density).

        .. math:: \log p(y) = -\tfrac{n'}2\log 2\pi + \tfrac12\log\frac{|V_n|}{|V_0|}
            + a_0\log b_0 - a_n\log b_n + \log\Gamma(a_n) - \log\Gamma(a_0)
            \;[-\tfrac12\log n]
        """
        a0, b0 = self.noise_shape, self.noise_rate
        an, bn = self.noise_shape_, self.noise_rate_
        value = (-0.5 * self._n_effective * math.log(2 * math.pi)
                 + 0.5 * (_logdet(prior_precision) - _logdet(precision))
                 + a0 * math.log(b0) - an * math.log(bn)
                 + math.lgamma(an) - math.lgamma(a0))
        return float(value - 0.5 * math.log(self._moments.n) * self._moments.fit_intercept)

    # -- using the posterior ---------------------------------------------

    def _weight_scale(self):
        """Covariance (known noise) or t scale matrix (unknown noise) of the weights."""
        if self.beta is None:
            return self.noise_rate_ / self.noise_shape_ * self._scale_matrix
        return self.posterior_cov_

    def _t_variance_factor(self):
        """Variance of a t with 2 a_n degrees of freedom over its squared scale."""
        if self.beta is None:
            dof = 2 * self.noise_shape_
            return dof / (dof - 2) if dof > 2 else np.inf
        return 1.0

    def _predictive_scale(self, X):
        centred = X - self._moments.x_mean
        scale = self._weight_scale()
        variance = np.einsum("ij,jk,ik->i", centred, scale, centred) + self._noise_variance
        if self._moments.fit_intercept:
            variance += self._noise_variance / self._moments.n
        return np.sqrt(variance)

    def predict(self, X, return_std=False):
        r"""Posterior predictive mean, and optionally its standard deviation.

        .. math:: \mathrm{Var}(y_* \mid y) = \sigma^2\big(1 + \tfrac1n\big)
            + (x_* - \bar x)^\top S_n (x_* - \bar x)

        (known noise; :math:`1/n` only with an intercept).  With unknown noise
        the predictive is Student-t with :math:`2a_n` degrees of freedom and
        the returned standard deviation includes its factor
        :math:`\nu/(\nu-2)`.
        """
        X = self._validate_prediction_data(X)
        mean = X @ self.coef_ + self.intercept_
        if not return_std:
            return mean
        return mean, self._predictive_scale(X) * math.sqrt(self._t_variance_factor())

    def predict_interval(self, X, level=0.95):
        """Posterior predictive intervals (Gaussian, or Student-t for unknown noise).

        Returns
        -------
        ndarray of shape (n_samples, 2)
        """
        X = self._validate_prediction_data(X)
        mean = X @ self.coef_ + self.intercept_
        dof = 2 * self.noise_shape_ if self.beta is None else None
        half_width = critical_value(level, dof) * self._predictive_scale(X)
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
        if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) \
                or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
        rng = np.random.default_rng(rng)
        factor = np.linalg.cholesky(self._weight_scale())
        draws = rng.standard_normal((n_samples, len(self.posterior_mean_))) @ factor.T
        if self.beta is not None:
            return self.posterior_mean_ + draws
        dof = 2 * self.noise_shape_
        mixing = np.sqrt(dof / rng.chisquare(dof, size=(n_samples, 1)))
        return self.posterior_mean_ + draws * mixing

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


def _logdet(matrix):
    sign, value = np.linalg.slogdet(matrix)
    return value if sign > 0 else -math.inf


def _inverse_of_covariance(prior_cov, n_features):
    cov = np.asarray(prior_cov, dtype=float)
    if cov.shape != (n_features, n_features):
        raise ValueError(
            f"prior_cov must have shape ({n_features}, {n_features}), got {cov.shape}."
        )
    if not np.all(np.isfinite(cov)) or not np.allclose(cov, cov.T):
        raise ValueError("prior_cov must be a finite symmetric matrix.")
    try:
        np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError(
            "prior_cov must be positive definite (a non-positive prior variance "
            "is not a prior); check its eigenvalues."
        ) from None
    return symmetric_inverse(cov)
