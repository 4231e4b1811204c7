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

from .._blocks import map_dask_chunks
from .._validation import (
    POSITIVE,
    Options,
    Real,
    check_array_finite,
    check_is_fitted,
    check_vector,
    dask_array,
    is_dask_collection,
    non_finite_message,
)
from ..exceptions import PerfectFitWarning, UndefinedStatisticWarning, warn
from ..inference import (
    MIN_DF,
    CoefficientTable,
    coverage,
    critical_value,
    gaussian_loglik,
    information_criteria,
    rounding_level_rss,
)
from .base import Estimator, warn_exact_fit

__all__ = ["Normal", "NormalPosterior", "NormalInverseGammaPosterior", "mean_and_variance"]

_CHUNK = 1 << 16
_FINITE = Real()
# Below this a variance has lost digits to gradual underflow in the squares.
_SMALLEST_VARIANCE = np.finfo(np.float64).tiny / np.finfo(np.float64).eps
# The smallest variance reported: a subnormal keeping 40 significant bits (12 digits); a
# smaller one is refused as beyond double precision.
_SMALLEST_REPORTED_VARIANCE = math.ldexp(1.0, -1034)


def _scaled_sum(x, shift):
    r""":math:`\sum_i 2^k x_i` in float64 (``shift`` :math:`k`), chunk by chunk when
    scaling (the raw sum may overflow)."""
    if shift == 0:
        return float(np.add.reduce(x, dtype=np.float64))
    buffer, total = np.empty(min(x.shape[0], _CHUNK)), 0.0
    for start in range(0, x.shape[0], _CHUNK):
        chunk = buffer[:min(_CHUNK, x.shape[0] - start)]
        _scale_into(chunk, x[start:start + _CHUNK], shift)
        total += float(np.add.reduce(chunk))
    return total


def _scale_into(out, values, shift):
    """``out[:] = values * 2**shift`` in float64, exactly (``np.ldexp``: subnormal values
    scaled up, whose power of two alone is beyond double precision, included)."""
    np.copyto(out, values)
    np.ldexp(out, shift, out=out)


def _deviation_sums(x, shift, provisional):
    r""":math:`\sum_i d_i` and :math:`\sum_i d_i^2` for :math:`d_i = 2^k x_i - m`, over
    cache-sized chunks in float64 (float32 converted a chunk at a time)."""
    buffer, total, squares = np.empty(min(x.shape[0], _CHUNK)), 0.0, 0.0
    for start in range(0, x.shape[0], _CHUNK):
        chunk = x[start:start + _CHUNK]
        deviation = buffer[:chunk.shape[0]]
        if shift:
            _scale_into(deviation, chunk, shift)
            deviation -= provisional
        else:
            np.subtract(chunk, provisional, out=deviation, dtype=np.float64)
        total += float(np.add.reduce(deviation))
        squares += float(np.dot(deviation, deviation))
    return total, squares


def _two_pass(each, n, shift):
    r"""Mean, 1/n sum of squared deviations and the mean's rounding error, of
    :math:`2^k x` (``shift`` :math:`k`).

    ``each(function)`` applies ``function`` to every part of ``x`` (the array
    itself, or the chunks of a Dask array) and lists the results.  The exact
    mean is ``mean + remainder`` to about :math:`\epsilon^2` relative.
    """
    provisional = sum(each(lambda part: _scaled_sum(part, shift))) / n
    if not math.isfinite(provisional):
        return provisional, math.nan, 0.0
    parts = each(lambda part: _deviation_sums(part, shift, provisional))
    total, squares = sum(part[0] for part in parts), sum(part[1] for part in parts)
    mean = float(provisional + total / n)
    # What rounding the mean to a double left out of it (provisional - mean is exact:
    # the two are within a factor 2 of each other, Sterbenz).
    remainder = float((provisional - mean) + total / n)
    return mean, float(max(squares - total * total / n, 0.0) / n), remainder


def mean_and_variance(x):
    r"""Mean and the 1/n sum of squared deviations, accurate for any offset and scale.

    The corrected two-pass algorithm (Chan, Golub & LeVeque, 1983): a first
    pass for a provisional mean :math:`m`, a second over deviations
    :math:`d_i = x_i - m`, then

    .. math:: \bar x = m + \frac1n\sum_i d_i,\qquad
        \hat\sigma^2 = \frac1n\Big(\sum_i d_i^2 - \frac1n\big(\sum_i d_i\big)^2\Big).

    The second pass runs over cache-sized chunks in float64, so it allocates
    no copy of the data, float32 included.  Data such as
    :math:`10^7 + \text{small values}` keep their digits, where the one-pass
    :math:`\overline{x^2} - \bar x^2` loses them all; data whose sums
    overflow or whose squares underflow (values near 1e308 or 1e-160) are
    scaled by a power of two first, which is exact; a variance that double
    precision cannot hold (beyond 1e308, or below 5e-312, where a subnormal
    keeps fewer than 12 digits) is refused with a ValueError.

    Examples
    --------
    >>> mean_and_variance(np.array([1e9 + 1, 1e9 + 2, 1e9 + 3]))
    (1000000002.0, 0.6666666666666666)
    >>> mean_and_variance(np.array([1e308, 1e308, 1e308]))
    (1e+308, 0.0)
    """
    return _mean_variance_remainder(x)[:2]


def _mean_variance_remainder(x, each=None):
    """:func:`mean_and_variance` and the rounding error of the mean (see :func:`_two_pass`);
    ``each`` runs a function on the parts of ``x`` (default: ``x`` is one part)."""
    each = each or (lambda function: [function(x)])
    n = x.shape[0]
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        mean, variance, remainder = _two_pass(each, n, 0)
    # A variance of 0 may be squares that underflowed (distinct values near 1e-160): the
    # scaled pass below tells them from equal values.
    if math.isfinite(mean) and _SMALLEST_VARIANCE <= variance < math.inf:
        return mean, variance, remainder
    largest = max(each(lambda part: max(abs(float(np.max(part))), abs(float(np.min(part))))))
    if not math.isfinite(largest):
        return math.nan, math.nan, 0.0
    if largest == 0:
        return 0.0, 0.0, 0.0
    exponent = math.frexp(largest)[1]
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        mean, variance, remainder = _two_pass(each, n, -exponent)
        unscaled = float(np.ldexp(variance, 2 * exponent))
    if variance > 0 and not _SMALLEST_REPORTED_VARIANCE <= unscaled < math.inf:
        # Distinct values whose variance double precision cannot hold: never 0 or inf.
        magnitude = math.log10(variance) + 2 * exponent * math.log10(2.0)
        size = "large" if magnitude > 0 else "small"
        raise ValueError(
            f"the variance of x is about 1e{magnitude:.0f}, beyond double precision (about "
            f"5e-312 to 1e308); rescale x (express it in "
            f"{'larger' if size == 'large' else 'smaller'} units).")
    return math.ldexp(mean, exponent), unscaled, math.ldexp(remainder, exponent)


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
    exact_fit_ : bool
        Whether the spread of x is at the rounding level of its values
        (:func:`~probml.inference.rounding_level_rss`, with a
        :class:`~probml.exceptions.PerfectFitWarning`): the values are one
        number up to rounding, and the z statistics and intervals are NaN.

    Examples
    --------
    >>> model = Normal().fit([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])
    >>> model.mean_, model.var_, model.std_
    (5.0, 4.0, 2.0)
    >>> model.conf_int(level=0.95, method="exact").round(3)
    array([[ 3.213,  6.787],
           [ 1.998, 18.936]])
    """

    def fit(self, x, y=None):
        """Estimate the mean and variance from a sample ``x`` (1-D).

        Returns
        -------
        self
        """
        each = None
        if is_dask_collection(x):               # two passes over the chunks
            from .streaming import first_non_finite

            x = dask_array(x, "x", 1)

            def each(function):
                return map_dask_chunks(lambda start, part: function(part), x)
        else:
            x = check_vector(x, "x", finite=False, dtypes=(np.float64, np.float32))
        n = x.shape[0]
        mean, variance, remainder = _mean_variance_remainder(x, each)
        if not np.isfinite(mean) or not np.isfinite(variance):
            # Finite data have a finite mean and variance (or were refused above).
            raise ValueError(first_non_finite(x, "x") if each is not None else
                             non_finite_message(x, "x"))
        if variance == 0:
            warn(
                f"Every value of x is the same ({mean:.6g}): the MLE of the variance is 0, so "
                "the likelihood is unbounded (loglik_ = +inf, AIC and BIC -inf), the standard "
                "errors are 0 and the z statistics undefined (NaN).", PerfectFitWarning)
            self.exact_fit_ = True
        else:
            # The spread of x against the rounding of its values, as a regression on a
            # constant (the deviations x_i - mean are residuals of the mean).
            magnitude = math.sqrt(n) * (math.hypot(math.sqrt(variance), mean) + abs(mean))
            self.exact_fit_ = warn_exact_fit("Normal", n * variance,
                                             rounding_level_rss(magnitude, 1))
        if n == 1:
            warn("One observation has no spread to estimate: var_unbiased_ (the "
                 "1/(n-1) variance) is NaN.", UndefinedStatisticWarning)
        self.n_samples_ = n
        self.mean_, self.var_ = mean, variance
        self.var_unbiased_ = variance * n / (n - 1) if n > 1 else math.nan
        self.std_ = math.sqrt(variance)
        self.bse_ = np.array([math.sqrt(variance / n), variance * math.sqrt(2.0 / n)])
        self.loglik_ = gaussian_loglik(n, variance)
        self.aic_, self.bic_ = information_criteria(self.loglik_, 2, n)
        self._sum_of_squares = variance * n
        self._mean_remainder = remainder
        return self

    def _distance_to_mean(self, value):
        r""":math:`\bar x - \mu` with the mean's rounding error restored.

        ``mean_`` is :math:`\bar x` rounded to a double; for :math:`\mu` within
        a few of its last digits the rounding would be all of the difference
        (data at 1e8 with spread 1e-3 lose half their digits in
        :math:`n(\bar x - \mu)^2`), so the remainder kept by the second pass is
        added back.
        """
        return (np.float64(self.mean_) - value) + self._mean_remainder

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
        mean, var = check_array_finite(mean, "mean"), check_array_finite(var, "var")
        if np.any(var <= 0):
            raise ValueError(f"var must be > 0 (a variance), got {np.min(var)!r}.")
        try:
            mean, var = np.broadcast_arrays(mean, var)
        except ValueError:
            raise ValueError(f"mean (shape {mean.shape}) and var (shape {var.shape}) must "
                             "broadcast together.") from None
        n = self.n_samples_
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            value = (-0.5 * n * np.log(2 * np.pi * var)
                     - (self._sum_of_squares + n * self._distance_to_mean(mean) ** 2)
                     / (2 * var))
        _check_log_density(value, "mean and var")
        return value[()] if value.ndim == 0 else value

    def score(self, x, y=None):
        r"""The mean log-likelihood per observation of a sample ``x`` under the fit,
        :math:`\frac1m\sum_i \log\mathcal N(x_i \mid \hat\mu, \hat\sigma^2)`.

        Higher is better, so :func:`probml.selection.cross_val_score` compares
        fits by it (scikit-learn's density estimators score the same way; ``y``
        is ignored, as there).  A fit of variance 0, a point mass, scores
        :math:`+\infty` on a sample at its point and :math:`-\infty` on any other.

        Examples
        --------
        >>> model = Normal().fit([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])
        >>> round(model.score([5.0, 7.0]), 4)
        -1.8621
        """
        check_is_fitted(self, "mean_")
        x = _sample(x)
        if self.var_ == 0:
            return math.inf if np.all(x == self.mean_) else -math.inf
        return float(np.mean(self.logpdf(x)))

    def logpdf(self, x):
        r"""Log density :math:`\log\mathcal N(x \mid \hat\mu, \hat\sigma^2)` at the MLE."""
        check_is_fitted(self, "mean_")
        x = check_array_finite(x, "x")
        if self.var_ == 0:
            raise ValueError("The fitted variance is 0 (every training value was the same): "
                             "the density is a point mass, with no finite log density.")
        with np.errstate(over="ignore"):
            value = -0.5 * (np.log(2 * np.pi * self.var_) + (x - self.mean_) ** 2 / self.var_)
        _check_log_density(value, "x")
        return value

    def conf_int(self, alpha=0.05, *, level=None, method="exact"):
        r"""Confidence intervals for (mean, variance), shape (2, 2), at ``1 - alpha``
        (statsmodels' convention) or ``level``.

        ``method="exact"``: the t interval :math:`\bar x \pm t_{n-1}\, s/\sqrt n`
        and the chi-square interval :math:`\big[(n-1)s^2/\chi^2_{n-1,1-a/2},\
        (n-1)s^2/\chi^2_{n-1,a/2}\big]`, exact for Gaussian data.
        ``method="wald"``: estimate :math:`\pm z\cdot` the Fisher standard error.
        """
        check_is_fitted(self, "mean_")
        level = coverage(alpha, level)
        if Options("exact", "wald")(method, "method") == "wald":
            return self.table().conf_int(level)
        from scipy import special

        n = self.n_samples_
        if n < 2:
            raise ValueError(f"Exact intervals need n_samples >= 2, got n_samples={n}.")
        if self.exact_fit_:         # a spread at rounding level measures nothing
            return np.full((2, 2), np.nan)
        half = critical_value(level, n - 1) * math.sqrt(self.var_unbiased_ / n)
        tail = (1 - level) / 2
        ss = self._sum_of_squares
        # Chi-square quantiles of both tails from the tail probability itself,
        # which stays exact as the level approaches 1 (1 - tail would round to 1).
        upper_quantile = 2 * special.gammainccinv((n - 1) / 2, tail)
        lower_quantile = 2 * special.gammaincinv((n - 1) / 2, tail)
        if not lower_quantile > 0:
            raise ValueError(f"level={level!r} is so close to 1 that the upper end of the "
                             "variance interval overflows float64.")
        return np.array([
            _interval(self.mean_, half),
            [ss / upper_quantile, ss / lower_quantile],
        ])

    def table(self):
        """The Wald coefficient table of (mean, var) with Fisher standard errors (NaN
        statistics, p-values and intervals when the spread is at rounding level, see
        ``exact_fit_``)."""
        check_is_fitted(self, "mean_")
        errors = np.full(2, np.nan) if self.exact_fit_ else self.bse_
        return CoefficientTable(["mean", "var"], [self.mean_, self.var_], errors)

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
        prior_mean = _FINITE(prior_mean, "prior_mean")
        prior_var = POSITIVE(prior_var, "prior_var")
        variance = Real(0, None, closed="neither", meaning=" (the known noise variance)")(
            variance, "variance")
        # Weights of the prior and the data in the posterior mean, each in [0, 1]:
        # w = (1/tau0^2) / (1/tau0^2 + n/sigma^2), without forming either precision.
        data_share = 1.0 / (1.0 + variance / (self.n_samples_ * prior_var))
        mean = (1 - data_share) * prior_mean + data_share * self.mean_
        var = data_share * variance / self.n_samples_
        if not var > 0:
            raise ValueError("prior_var and variance are so far apart that the posterior "
                             "variance underflows; choose them closer in scale.")
        return NormalPosterior(mean, var, variance)

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
        prior_mean = _FINITE(prior_mean, "prior_mean")
        kappa0 = POSITIVE(prior_count, "prior_count")
        a0 = POSITIVE(prior_shape, "prior_shape")
        b0 = POSITIVE(prior_rate, "prior_rate")
        n = self.n_samples_
        kappa = kappa0 + n
        prior_share = kappa0 / kappa
        mean = prior_share * prior_mean + (1 - prior_share) * self.mean_
        with np.errstate(over="ignore"):
            rate = float(b0 + 0.5 * self._sum_of_squares
                    + 0.5 * prior_share * n * self._distance_to_mean(prior_mean) ** 2)
        if not math.isfinite(rate):
            raise ValueError("prior_mean is so far from the data that the posterior rate "
                             "overflows float64; rescale the data or the prior.")
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

    def __post_init__(self):
        _set_checked(self, mean=_FINITE, var=POSITIVE, noise_var=POSITIVE)

    @property
    def predictive_var(self):
        """Variance of the posterior predictive :math:`\\tau_n^2 + \\sigma^2`."""
        return self.var + self.noise_var

    def credible_interval(self, level=0.95):
        """Central posterior interval of the mean."""
        return _interval(self.mean, critical_value(level) * math.sqrt(self.var))

    def predictive_interval(self, level=0.95):
        """Central interval of the posterior predictive."""
        return _interval(self.mean, critical_value(level)
                         * math.hypot(math.sqrt(self.var), math.sqrt(self.noise_var)))


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

    def __post_init__(self):
        _set_checked(self, mean=_FINITE, count=POSITIVE, shape=POSITIVE, rate=POSITIVE)
        if not (math.isfinite(self.predictive_scale) and self.mean_scale > 0):
            raise ValueError("count, shape and rate are so far apart in scale that the "
                             "posterior's scales are not representable in float64.")

    @property
    def df(self):
        """Degrees of freedom :math:`2a_n` of the t marginals (None: so many it is the normal)."""
        return 2 * self.shape if self.shape < 1e300 else None

    @property
    def mean_scale(self):
        """Scale of the t marginal of :math:`\\mu`."""
        return math.sqrt(self.rate / self.shape) / math.sqrt(self.count)

    @property
    def predictive_scale(self):
        """Scale of the t posterior predictive."""
        return math.sqrt(self.rate / self.shape) * math.sqrt(1 + 1 / self.count)

    @property
    def variance_mean(self):
        """Posterior mean of :math:`\\sigma^2`, :math:`b_n/(a_n - 1)` (inf if a_n <= 1)."""
        return self.rate / (self.shape - 1) if self.shape > 1 else math.inf

    def credible_interval(self, level=0.95):
        """Central posterior interval of the mean (Student-t)."""
        return _interval(self.mean, self._critical_value(level) * self.mean_scale)

    def predictive_interval(self, level=0.95):
        """Central interval of the Student-t posterior predictive."""
        return _interval(self.mean, self._critical_value(level) * self.predictive_scale)

    def _critical_value(self, level):
        if self.df is not None and self.df < MIN_DF:
            raise ValueError(f"shape={self.shape!r} gives t marginals with 2 * shape = "
                             f"{self.df:.3g} degrees of freedom, too few for an interval "
                             f"(at least {MIN_DF} are needed); use a larger prior shape or "
                             "more data.")
        return critical_value(level, self.df)


def _sample(x):
    """A sample ``x`` to score: a 1-D array of at least one finite value."""
    return check_vector(x, "x")


def _set_checked(instance, **domains):
    """Check the fields of a frozen dataclass against their domains and store them converted."""
    for name, domain in domains.items():
        object.__setattr__(instance, name, domain(getattr(instance, name), name))


def _interval(centre, half_width):
    with np.errstate(over="ignore"):
        interval = np.array([centre - half_width, centre + half_width])
    if not np.all(np.isfinite(interval)):
        raise ValueError("level is so close to 1 that the interval overflows float64.")
    return interval


def _check_log_density(value, name):
    if not np.all(np.isfinite(value)):
        raise ValueError(f"the log density at these {name} is below -1.8e308 (it overflows "
                         "float64): the point is astronomically far from the fitted mean.")
