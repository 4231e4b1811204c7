r"""The Gaussian: maximum likelihood, Fisher information and conjugate posteriors.

For :math:`x_1, \dots, x_n \sim \mathcal N(\mu, \sigma^2)` i.i.d.,

.. math:: \ell(\mu, \sigma^2) = -\frac n2 \log(2\pi\sigma^2)
    - \frac{1}{2\sigma^2}\sum_i (x_i - \mu)^2,

maximised by :math:`\hat\mu = \bar x` and :math:`\hat\sigma^2 = \frac1n\sum_i
(x_i - \bar x)^2`.  The Fisher information is
:math:`\mathrm{diag}(n/\sigma^2,\ n/(2\sigma^4))`, so
:math:`\mathrm{se}(\hat\mu) = \sigma/\sqrt n` and
:math:`\mathrm{se}(\hat\sigma^2) = \sigma^2\sqrt{2/n}`.
"""

import math
from dataclasses import dataclass

import numpy as np

from .._validation import check_finite, check_is_fitted, check_positive, check_vector
from ..inference import CoefficientTable, critical_value
from ._base import Estimator

__all__ = ["Normal", "NormalPosterior", "NormalInverseGammaPosterior", "mean_and_variance"]

_CHUNK = 1 << 16


def mean_and_variance(x):
    r"""Mean and the 1/n sum of squared deviations, accurate for any offset.

    The corrected two-pass algorithm (Chan, Golub & LeVeque, 1983): a first
    pass for a provisional mean :math:`m`, a second over deviations
    :math:`d_i = x_i - m`, then

    .. math:: \bar x = m + \frac1n\sum_i d_i,\qquad
        \hat\sigma^2 = \frac1n\Big(\sum_i d_i^2 - \frac1n\big(\sum_i d_i\big)^2\Big).

    The second pass runs over cache-sized chunks, so it allocates no copy of
    the data.  Data such as :math:`10^7 + \text{small values}` keep their
    digits, where the one-pass :math:`\overline{x^2} - \bar x^2` loses them
    all.

    Examples
    --------
    >>> mean_and_variance(np.array([1e9 + 1, 1e9 + 2, 1e9 + 3]))
    (1000000002.0, 0.6666666666666666)
    """
    n = x.shape[0]
    provisional = np.add.reduce(x) / n
    if not np.isfinite(provisional):
        return provisional, np.nan
    buffer = np.empty(min(n, _CHUNK))
    total = 0.0
    squares = 0.0
    for start in range(0, n, _CHUNK):
        chunk = x[start:start + _CHUNK]
        deviation = buffer[:chunk.shape[0]]
        np.subtract(chunk, provisional, out=deviation)
        total += np.add.reduce(deviation)
        squares += np.dot(deviation, deviation)
    return float(provisional + total / n), float(max(squares - total * total / n, 0.0) / n)


class Normal(Estimator):
    r"""A Gaussian :math:`\mathcal N(\mu, \sigma^2)` fitted by maximum likelihood.

    Attributes
    ----------
    mean_ : float
        :math:`\hat\mu = \bar x`.
    var_ : float
        The MLE :math:`\hat\sigma^2 = \frac1n\sum(x_i - \bar x)^2` (biased:
        :math:`E\hat\sigma^2 = \frac{n-1}{n}\sigma^2`).
    var_unbiased_ : float
        :math:`s^2 = \frac{1}{n-1}\sum(x_i - \bar x)^2` (NaN when n = 1).
    std_ : float
        :math:`\hat\sigma`, the square root of the MLE.
    bse_ : ndarray of shape (2,)
        Standard errors of (mean, var) from the inverse Fisher information
        at the MLE.
    loglik_, aic_, bic_ : float
        Maximised log-likelihood and information criteria (2 parameters).
    n_samples_ : int

    Examples
    --------
    >>> model = Normal().fit([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])
    >>> model.mean_, model.var_, model.std_
    (5.0, 4.0, 2.0)
    >>> model.conf_int(0.95, method="exact").round(3)
    array([[ 3.213,  6.787],
           [ 1.998, 18.936]])
    """

    def fit(self, x, y=None):
        """Estimate the mean and variance from a sample ``x`` (1-D).

        Returns
        -------
        self
        """
        x = check_vector(x, "x", finite=False)
        n = x.shape[0]
        mean, variance = mean_and_variance(x)
        if not np.isfinite(mean) or not np.isfinite(variance):
            check_finite(x, "x", checksum=np.array([mean, variance]))
        self.n_samples_ = n
        self.mean_, self.var_ = mean, variance
        self.var_unbiased_ = variance * n / (n - 1) if n > 1 else np.nan
        self.std_ = math.sqrt(variance)
        self.bse_ = np.array([math.sqrt(variance / n), variance * math.sqrt(2.0 / n)])
        self.loglik_ = (-0.5 * n * (math.log(2 * math.pi * variance) + 1)
                        if variance > 0 else math.inf)
        self.aic_ = -2 * self.loglik_ + 4
        self.bic_ = -2 * self.loglik_ + 2 * math.log(n)
        self._sum_of_squares = variance * n
        return self

    def loglik(self, mean, var):
        r"""The sample's log-likelihood at any :math:`(\mu, \sigma^2)`, broadcasting.

        .. math:: \ell(\mu, \sigma^2) = -\frac n2\log(2\pi\sigma^2)
            - \frac{\sum_i (x_i - \bar x)^2 + n(\bar x - \mu)^2}{2\sigma^2}

        from the sufficient statistics, so a grid of parameters (a likelihood
        surface) costs nothing per data point.  Its maximum is ``loglik_`` at
        ``(mean_, var_)``.

        Examples
        --------
        >>> model = Normal().fit([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])
        >>> bool(model.loglik(5.0, 4.0) == model.loglik_ > model.loglik(5.0, 4.5))
        True
        """
        check_is_fitted(self, "mean_")
        mean, var = np.asarray(mean, dtype=float), np.asarray(var, dtype=float)
        if np.any(var <= 0):
            raise ValueError("var must be > 0.")
        n = self.n_samples_
        value = (-0.5 * n * np.log(2 * np.pi * var)
                 - (self._sum_of_squares + n * (self.mean_ - mean) ** 2) / (2 * var))
        return value[()] if value.ndim == 0 else value

    def logpdf(self, x):
        r"""Log density :math:`\log\mathcal N(x \mid \hat\mu, \hat\sigma^2)` at the MLE."""
        check_is_fitted(self, "mean_")
        x = np.asarray(x, dtype=float)
        return -0.5 * (np.log(2 * np.pi * self.var_) + (x - self.mean_) ** 2 / self.var_)

    def conf_int(self, level=0.95, method="exact"):
        r"""Confidence intervals for (mean, variance), shape (2, 2).

        ``method="exact"``: the t interval :math:`\bar x \pm t_{n-1}\, s/\sqrt n`
        and the chi-square interval :math:`\big[(n-1)s^2/\chi^2_{n-1,1-a/2},\
        (n-1)s^2/\chi^2_{n-1,a/2}\big]`, exact for Gaussian data.
        ``method="wald"``: estimate :math:`\pm z\cdot` the Fisher standard error.
        """
        check_is_fitted(self, "mean_")
        if method == "wald":
            return self.table().conf_int(level)
        if method != "exact":
            raise ValueError(f"method must be 'exact' or 'wald', got {method!r}.")
        from scipy import special

        n = self.n_samples_
        if n < 2:
            raise ValueError(f"Exact intervals need n_samples >= 2, got n_samples={n}.")
        half = critical_value(level, n - 1) * math.sqrt(self.var_unbiased_ / n)
        tail = (1 - level) / 2
        ss = self._sum_of_squares
        return np.array([
            [self.mean_ - half, self.mean_ + half],
            [ss / special.chdtri(n - 1, tail), ss / special.chdtri(n - 1, 1 - tail)],
        ])

    def table(self):
        """The Wald coefficient table of (mean, var) with Fisher standard errors."""
        check_is_fitted(self, "mean_")
        return CoefficientTable(["mean", "var"], [self.mean_, self.var_], self.bse_)

    def posterior_known_variance(self, prior_mean, prior_var, variance):
        r"""Normal-Normal posterior of :math:`\mu` when :math:`\sigma^2` is known.

        .. math:: \frac{1}{\tau_n^2} = \frac{1}{\tau_0^2} + \frac{n}{\sigma^2},\qquad
            \mu_n = \tau_n^2\Big(\frac{\mu_0}{\tau_0^2} + \frac{n\bar x}{\sigma^2}\Big)

        Parameters
        ----------
        prior_mean, prior_var : float
            :math:`\mu_0` and :math:`\tau_0^2 > 0`.
        variance : float
            The known :math:`\sigma^2 > 0`.

        Returns
        -------
        NormalPosterior
        """
        check_is_fitted(self, "mean_")
        prior_var = check_positive(prior_var, "prior_var")
        variance = check_positive(variance, "variance", " (the known noise variance)")
        precision = 1 / prior_var + self.n_samples_ / variance
        mean = (float(prior_mean) / prior_var + self.n_samples_ * self.mean_ / variance) \
            / precision
        return NormalPosterior(mean, 1 / precision, variance)

    def posterior_unknown_variance(self, prior_mean=0.0, prior_count=1e-6,
                                   prior_shape=1e-6, prior_rate=1e-6):
        r"""Normal-Inverse-Gamma posterior of :math:`(\mu, \sigma^2)`.

        Prior :math:`\mu \mid \sigma^2 \sim \mathcal N(\mu_0, \sigma^2/\kappa_0)`,
        :math:`\sigma^2 \sim \mathrm{IG}(a_0, b_0)`; posterior

        .. math:: \kappa_n = \kappa_0 + n,\quad
            \mu_n = \frac{\kappa_0\mu_0 + n\bar x}{\kappa_n},\quad
            a_n = a_0 + \frac n2,\quad
            b_n = b_0 + \frac12\sum_i (x_i - \bar x)^2
                + \frac{\kappa_0 n (\bar x - \mu_0)^2}{2\kappa_n}.

        The defaults are a vague prior.

        Returns
        -------
        NormalInverseGammaPosterior
        """
        check_is_fitted(self, "mean_")
        kappa0 = check_positive(prior_count, "prior_count")
        a0 = check_positive(prior_shape, "prior_shape")
        b0 = check_positive(prior_rate, "prior_rate")
        n = self.n_samples_
        kappa = kappa0 + n
        mean = (kappa0 * float(prior_mean) + n * self.mean_) / kappa
        rate = (b0 + 0.5 * self._sum_of_squares
                + kappa0 * n * (self.mean_ - float(prior_mean)) ** 2 / (2 * kappa))
        return NormalInverseGammaPosterior(mean, kappa, a0 + n / 2, rate)


@dataclass(frozen=True)
class NormalPosterior:
    r"""The Gaussian posterior :math:`\mu \mid x \sim \mathcal N(\mu_n, \tau_n^2)`.

    The posterior predictive of a new observation is
    :math:`\mathcal N(\mu_n, \tau_n^2 + \sigma^2)`.
    """

    mean: float
    var: float
    noise_var: float

    @property
    def predictive_var(self):
        """Variance of the posterior predictive :math:`\\tau_n^2 + \\sigma^2`."""
        return self.var + self.noise_var

    def credible_interval(self, level=0.95):
        """Central posterior interval of the mean."""
        half = critical_value(level) * math.sqrt(self.var)
        return np.array([self.mean - half, self.mean + half])

    def predictive_interval(self, level=0.95):
        """Central interval of the posterior predictive."""
        half = critical_value(level) * math.sqrt(self.predictive_var)
        return np.array([self.mean - half, self.mean + half])


@dataclass(frozen=True)
class NormalInverseGammaPosterior:
    r"""The posterior :math:`\mathrm{NIG}(\mu_n, \kappa_n, a_n, b_n)`.

    Marginally, :math:`\mu \sim t_{2a_n}(\mu_n, b_n/(a_n\kappa_n))`,
    :math:`\sigma^2 \sim \mathrm{IG}(a_n, b_n)`, and the posterior predictive
    is :math:`t_{2a_n}\big(\mu_n,\ b_n(\kappa_n + 1)/(a_n\kappa_n)\big)`
    (location, squared scale).
    """

    mean: float
    count: float
    shape: float
    rate: float

    @property
    def df(self):
        """Degrees of freedom :math:`2a_n` of the t marginals."""
        return 2 * self.shape

    @property
    def mean_scale(self):
        """Scale of the t marginal of :math:`\\mu`."""
        return math.sqrt(self.rate / (self.shape * self.count))

    @property
    def predictive_scale(self):
        """Scale of the t posterior predictive."""
        return math.sqrt(self.rate * (self.count + 1) / (self.shape * self.count))

    @property
    def variance_mean(self):
        """Posterior mean of :math:`\\sigma^2`, :math:`b_n/(a_n - 1)` (inf if a_n <= 1)."""
        return self.rate / (self.shape - 1) if self.shape > 1 else math.inf

    def credible_interval(self, level=0.95):
        """Central posterior interval of the mean (Student-t)."""
        half = critical_value(level, self.df) * self.mean_scale
        return np.array([self.mean - half, self.mean + half])

    def predictive_interval(self, level=0.95):
        """Central interval of the Student-t posterior predictive."""
        half = critical_value(level, self.df) * self.predictive_scale
        return np.array([self.mean - half, self.mean + half])
