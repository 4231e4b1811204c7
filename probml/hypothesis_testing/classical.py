"""Classical tests (t, chi-square, Fisher, binomial) with effects, intervals and plain readings."""

import contextlib
import math
import warnings
from dataclasses import dataclass

import numpy as np

from .._validation import (
    BOOLEAN,
    LEVEL,
    PROBABILITY,
    Options,
    Real,
    check_array_finite,
)
from ..inference import MAX_COUNT
from ._common import check_alternative, check_counts

# SciPy's routines overflow beyond these counts; beyond a smallest margin of a few
# thousand the exact test is slow and the normal approximation accurate.
_FISHER_MAX_COUNT = 10 ** 7
_FISHER_MAX_MARGIN = 5_000


def _check_sample(x, name, min_size=2):
    x = check_array_finite(x, name)
    if x.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {x.shape}.")
    if x.size < min_size:
        raise ValueError(f"{name} needs at least {min_size} observations, got {x.size}.")
    return x


def _standardise(*samples, shift=True):
    """The samples shifted by one common value and scaled by one power of two.

    t statistics do not change, and SciPy then works on numbers near 1: data
    such as 1e16 + small values keep their digits, and data near 1e200 do
    not overflow when squared.  Returns the samples, the shift and the scale
    (an original value is ``shift + value / scale``).
    """
    pooled = np.concatenate(samples)
    # The lower median, a value of the data: the mean of the two middle values, which
    # np.median takes for an even count, overflows for values near 1.8e308.
    centre = float(np.partition(pooled, (len(pooled) - 1) // 2)[(len(pooled) - 1) // 2]) \
        if shift else 0.0
    with np.errstate(over="ignore"):
        spread = float(np.max(np.abs(pooled - centre)))
    if not np.isfinite(spread):
        raise ValueError("the samples span more than float64 can hold (values near 1e308 "
                         "of both signs); rescale them.")
    # 2**1000 at most: a subnormal spread becomes ~1e-23, whose squares are still normal.
    scale = math.ldexp(1.0, min(-math.frexp(spread)[1], 1000)) if spread > 0 else 1.0
    return [(x - centre) * scale for x in samples], centre, scale


@contextlib.contextmanager
def _centred_moments():
    """Silence SciPy's "precision loss" heuristic for data already standardised.

    SciPy warns when a sample's values agree to nearly every digit, but it
    then computes their variance in two passes from the centred values, which
    is accurate; what digits the raw data lacked, no method can restore.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Precision loss occurred in moment "
                                "calculation", category=RuntimeWarning)
        yield


def _check_spread(x, name):
    if np.all(x == x[0]):
        raise ValueError(f"{name} has no spread (every value is {x[0]:.6g}): the t statistic "
                         "is undefined.")


# -- the result ------------------------------------------------------------------

def _fmt(value):
    return f"{value:.3g}" if np.isfinite(value) else str(value)


def _percent(p):
    return f"{100 * p:.2g}%" if p > 0 else "a vanishing share"


@dataclass(frozen=True)
class HypothesisTestResult:
    """A test's statistic and p-value with the effect it is about.

    Attributes
    ----------
    test : str
        Which test.
    statistic, pvalue : float
    effect : float
        The estimated effect (difference in means, odds ratio, ...).
    effect_name : str
    null_value : float
        The effect's value under the null hypothesis.
    conf_int : tuple of float or None
        Confidence interval for the effect at ``level`` (None where the
        test has none, e.g. Cramér's V).
    level : float
    alternative : {"two-sided", "greater", "less"}
    df : float or None
        Degrees of freedom, for t and chi-square tests.
    """

    test: str
    statistic: float
    pvalue: float
    effect: float
    effect_name: str
    null_value: float
    conf_int: tuple | None
    level: float = 0.95
    alternative: str = "two-sided"
    df: float | None = None

    def significant(self, alpha=0.05):
        """Whether the p-value is below ``alpha`` (the test rejects at that level)."""
        return bool(self.pvalue < PROBABILITY(alpha, "alpha"))

    @property
    def reading(self):
        """One plain-language sentence about the result, at alpha = 0.05."""
        return self.reading_at(0.05)

    def reading_at(self, alpha):
        """One plain-language sentence about the result, at significance level ``alpha``."""
        alpha = PROBABILITY(alpha, "alpha")
        estimate = f"{self.effect_name} = {_fmt(self.effect)}"
        if self.conf_int is not None:
            low, high = self.conf_int
            estimate += (f" ({100 * self.level:.3g}% CI {_fmt(low)} to {_fmt(high)})")
        side = {"two-sided": "at least this far from", "greater": "at least this far above",
                "less": "at least this far below"}[self.alternative]
        frequency = (f"if the true value were {_fmt(self.null_value)}, an estimate {side} "
                     f"it would arise in {_percent(self.pvalue)} of samples")
        if self.pvalue < alpha:
            verdict = (f"below alpha = {alpha:g}, so the data are evidence against "
                       f"{self.effect_name.split(' (')[0].lower()} = {_fmt(self.null_value)}")
        else:
            verdict = (f"not below alpha = {alpha:g}: these data cannot rule out "
                       f"{_fmt(self.null_value)} (which is not evidence that it is "
                       f"{_fmt(self.null_value)})")
        return f"{estimate}. p = {self.pvalue:.2g}: {frequency}; {verdict}."

    def __str__(self):
        lines = [self.test, f"  statistic = {self.statistic:.6g}"
                 + (f" (df = {self.df:.6g})" if self.df is not None else ""),
                 f"  p-value   = {self.pvalue:.4g} ({self.alternative})",
                 f"  {self.effect_name} = {self.effect:.6g}"]
        if self.conf_int is not None:
            lines.append(f"  {100 * self.level:.3g}% CI    = [{self.conf_int[0]:.6g}, "
                         f"{self.conf_int[1]:.6g}]")
        lines.append("  " + self.reading)
        return "\n".join(lines)



def _t_result(name, scipy_result, effect, effect_name, null_value, level, alternative,
              scale=1.0):
    """A HypothesisTestResult from SciPy's, with the effect and interval unscaled."""
    low, high = _finite_interval(scipy_result.confidence_interval(confidence_level=level),
                                 level, alternative)
    return HypothesisTestResult(name, float(scipy_result.statistic), float(scipy_result.pvalue),
                                float(effect) / scale, effect_name, float(null_value),
                                (low / scale, high / scale), level, alternative,
                                float(scipy_result.df))


def _finite_interval(interval, level, alternative):
    """SciPy's interval; only the open end of a one-sided interval may be infinite."""
    low, high = float(interval.low), float(interval.high)
    closed = {"two-sided": (low, high), "greater": (low,), "less": (high,)}[alternative]
    if not all(math.isfinite(end) for end in closed):
        raise ValueError(f"level={level!r} is so close to 1 that the t interval's end "
                         "overflows float64.")
    return low, high


# -- tests on means (scipy.stats underneath) -------------------------------------

def one_sample_t_test(x, popmean=0.0, *, alternative="two-sided", level=0.95):
    r"""Student's t-test of a mean: :math:`t = (\bar x - \mu_0) / (s/\sqrt n)` on n - 1 df.

    Wraps :func:`scipy.stats.ttest_1samp`; the effect is :math:`\bar x - \mu_0`
    with its t interval (one-sided alternatives give one-sided intervals).

    >>> r = one_sample_t_test([5.1, 4.9, 5.6, 5.8, 6.0, 5.4], popmean=5.0)
    >>> round(r.statistic, 4), round(r.pvalue, 4), r.df
    (2.7351, 0.041, 5.0)
    """
    from scipy import stats

    x = _check_sample(x, "x")
    popmean = Real()(popmean, "popmean")
    level, alternative = LEVEL(level, "level"), check_alternative(alternative)
    with np.errstate(over="ignore"):
        deviations = x - popmean
    if not np.all(np.isfinite(deviations)):
        raise ValueError("x - popmean overflows float64; rescale x and popmean.")
    _check_spread(deviations, "x - popmean")
    (z,), centre, scale = _standardise(deviations)
    with _centred_moments():
        result = stats.ttest_1samp(z, -centre * scale, alternative=alternative)
    interval = _finite_interval(result.confidence_interval(confidence_level=level), level,
                                alternative)
    return HypothesisTestResult(
        "One-sample t-test", float(result.statistic), float(result.pvalue),
        centre + float(np.mean(z)) / scale, "Mean minus the null value", 0.0,
        (centre + interval[0] / scale, centre + interval[1] / scale), level,
        alternative, float(result.df))


def two_sample_t_test(a, b, *, equal_var=False, alternative="two-sided", level=0.95):
    r"""Welch's (default) or Student's two-sample t-test of :math:`\mu_a - \mu_b`.

    Welch: :math:`t = (\bar a - \bar b)/\sqrt{s_a^2/n_a + s_b^2/n_b}` with the
    Welch-Satterthwaite degrees of freedom; ``equal_var=True`` pools the
    variances.  Wraps :func:`scipy.stats.ttest_ind`; ``alternative="greater"``
    means :math:`\mu_a > \mu_b`.

    >>> r = two_sample_t_test([3.1, 2.9, 3.4, 3.8], [2.2, 2.5, 2.1, 2.9, 2.4])
    >>> round(r.effect, 3), round(r.pvalue, 4)
    (0.88, 0.0115)
    """
    from scipy import stats

    a, b = _check_sample(a, "a"), _check_sample(b, "b")
    equal_var = BOOLEAN(equal_var, "equal_var")
    level, alternative = LEVEL(level, "level"), check_alternative(alternative)
    raw_a, raw_b = a, b
    if np.all(a == a[0]) and np.all(b == b[0]):
        raise ValueError(f"a and b both have no spread (every value of a is {a[0]:.6g}, of b "
                         f"{b[0]:.6g}): the t statistic is undefined.")
    (a, b), _, scale = _standardise(a, b)
    for name, raw, standard in (("a", raw_a, a), ("b", raw_b, b)):
        if np.any(raw != raw[0]) and np.ptp(standard) < 1e-150:
            raise ValueError(f"the spread of {name} is so small against the other sample that "
                             "double precision cannot compare them; rescale a and b.")
    with _centred_moments():
        result = stats.ttest_ind(a, b, equal_var=equal_var, alternative=alternative)
    name = "Student's two-sample t-test" if equal_var else "Welch's two-sample t-test"
    return _t_result(name, result, a.mean() - b.mean(), "Difference in means (a - b)", 0.0,
                     level, alternative, scale)


def paired_t_test(a, b, *, alternative="two-sided", level=0.95):
    r"""Paired t-test: the one-sample t-test of the differences :math:`a_i - b_i`.

    Wraps :func:`scipy.stats.ttest_rel`.

    >>> r = paired_t_test([10.0, 12.0, 9.0, 11.0], [9.0, 11.5, 8.0, 10.0])
    >>> round(r.effect, 3), round(r.statistic, 3)
    (0.875, 7.0)
    """
    from scipy import stats

    a, b = _check_sample(a, "a"), _check_sample(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b are paired samples and must have the same length, got "
                         f"{a.size} and {b.size}.")
    level, alternative = LEVEL(level, "level"), check_alternative(alternative)
    with np.errstate(over="ignore"):
        differences = a - b
    if not np.all(np.isfinite(differences)):
        raise ValueError("a - b overflows float64 (values near 1e308 of opposite signs); "
                         "rescale a and b.")
    _check_spread(differences, "a - b")
    (d,), _, scale = _standardise(differences, shift=False)
    with _centred_moments():
        result = stats.ttest_1samp(d, 0.0, alternative=alternative)
    return _t_result("Paired t-test", result, np.mean(d), "Mean difference (a - b)", 0.0,
                     level, alternative, scale)


# -- tests on counts ---------------------------------------------------------------

def _check_table(table, shape=None, max_count=MAX_COUNT):
    table = check_array_finite(table, "table")
    if table.ndim != 2 or min(table.shape) < 2 or (shape is not None and table.shape != shape):
        wanted = "2 x 2" if shape == (2, 2) else "at least 2 x 2"
        raise ValueError(f"the contingency table must be {wanted}, got shape {table.shape}.")
    if table.size > 10 ** 6:
        raise ValueError(f"the contingency table has {table.size:,} cells; at most a "
                         "million are supported.")
    if np.any(table < 0) or np.any(table != np.round(table)) or np.any(table > max_count):
        raise ValueError(f"the contingency table must hold whole counts from 0 to "
                         f"{max_count:,}.")
    if np.any(table.sum(axis=0) == 0) or np.any(table.sum(axis=1) == 0):
        raise ValueError("every row and column of the contingency table needs a count > 0.")
    return table.astype(np.int64)


def chi2_independence_test(table, *, correction=True):
    r"""Pearson's chi-square test of independence in a contingency table.

    :math:`X^2 = \sum (O - E)^2/E` with :math:`E` the products of the margins
    over the total, on :math:`(r-1)(c-1)` df (Yates-corrected for 2 x 2 unless
    ``correction=False``).  Wraps :func:`scipy.stats.chi2_contingency`; the
    effect is Cramér's :math:`V = \sqrt{X^2 / (n (\min(r, c) - 1))}` (uncorrected),
    which has no interval here.

    >>> r = chi2_independence_test([[20, 30], [35, 15]], correction=False)
    >>> round(r.statistic, 4), round(r.effect, 4)
    (9.0909, 0.3015)
    """
    from scipy import stats
    from scipy.stats.contingency import association

    table = _check_table(table)
    correction = BOOLEAN(correction, "correction")
    result = stats.chi2_contingency(table, correction=correction)
    return HypothesisTestResult(
        "Chi-square test of independence", float(result.statistic), float(result.pvalue),
        float(association(table, method="cramer")), "Cramér's V", 0.0, None, 0.95,
        "two-sided", float(result.dof))


def fisher_exact_test(table, *, alternative="two-sided", level=0.95):
    r"""Fisher's exact test of a 2 x 2 table, with the conditional odds ratio and its interval.

    The p-value conditions on both margins (hypergeometric).  ``statistic`` is
    the sample odds ratio :math:`ad/bc` as :func:`scipy.stats.fisher_exact`
    reports it; ``effect`` is the conditional maximum-likelihood odds ratio
    with its exact interval (:func:`scipy.stats.contingency.odds_ratio`), the
    estimate the test is consistent with.

    >>> r = fisher_exact_test([[8, 2], [1, 5]])
    >>> round(r.pvalue, 4), round(r.effect, 2)
    (0.035, 15.47)
    """
    from scipy import stats

    table = _check_table(table, (2, 2), max_count=_FISHER_MAX_COUNT)
    level, alternative = LEVEL(level, "level"), check_alternative(alternative)
    margin = min(table.sum(axis=0).min(), table.sum(axis=1).min())
    if margin > _FISHER_MAX_MARGIN:
        raise ValueError(f"the table's smallest margin is {margin:,}: Fisher's exact test (and "
                         f"its exact interval) is for small tables, up to {_FISHER_MAX_MARGIN:,}"
                         "; at these counts the normal approximation is accurate: use "
                         "chi2_independence_test or two_proportion_z_test.")
    result = stats.fisher_exact(table, alternative=alternative)
    conditional = _ConditionalOddsRatio(table)
    return HypothesisTestResult(
        "Fisher's exact test", float(result.statistic), float(result.pvalue),
        conditional.estimate(), "Odds ratio (conditional MLE)", 1.0,
        conditional.interval(level, alternative), level, alternative)


class _ConditionalOddsRatio:
    r"""The conditional MLE of a 2 x 2 table's odds ratio and its exact interval, as
    :func:`scipy.stats.contingency.odds_ratio` (``kind="conditional"``) defines them.

    Given the margins, :math:`X = a` follows Fisher's noncentral hypergeometric
    distribution, :math:`P(X = k) \propto h_k \psi^k` with
    :math:`h_k = \binom{c}{k}\binom{N - c}{r - k}` (row and column margins
    :math:`r, c`, total :math:`N`); the estimate solves :math:`E_\psi X = a`
    and the interval's ends solve :math:`P_\psi(X \le a) = \alpha` and
    :math:`P_\psi(X \ge a) = \alpha` (Cornfield's exact limits).  SciPy
    evaluates the distribution through its BiasedUrn code, which returns NaN
    (with a RuntimeWarning, then a failed root search) for tables with totals
    near a million; here every sum is a log-sum-exp over the support (at most
    5,001 values) of :math:`\log h_k + k\theta`, :math:`\theta = \log\psi`,
    solved for :math:`\theta` by Brent's method.  The :math:`\log h_k` are
    sums of the logs of the ratios

    .. math:: \frac{h_{k+1}}{h_k} = \frac{(c - k)(r - k)}{(k + 1)(N - c - r + k + 1)}

    (products of counts, exact in double precision), from :math:`\log h_a = 0`
    outwards: near :math:`a`, where the equations are decided, they keep
    nearly every digit, where differences of log-gamma functions of numbers
    near :math:`N` would lose ten.
    """

    def __init__(self, table):
        self.a = int(table[0, 0])
        total, row, column = int(table.sum()), int(table[0].sum()), int(table[:, 0].sum())
        self.support = np.arange(max(0, row + column - total), min(row, column) + 1)
        k = self.support[:-1].astype(float)
        steps = (np.log((column - k) * (row - k))
                 - np.log((k + 1) * (total - column - row + k + 1)))
        at = self.a - self.support[0]
        self.log_central = np.concatenate([-np.cumsum(steps[:at][::-1])[::-1], [0.0],
                                           np.cumsum(steps[at:])])

    def _log_weights(self, theta):
        return self.log_central + self.support * theta

    def _mean(self, theta):
        from scipy.special import softmax

        return float(softmax(self._log_weights(theta)) @ self.support)

    def _log_tail(self, theta, lower):
        r""":math:`\log P_\psi(X \le a)` (``lower``) or :math:`\log P_\psi(X \ge a)`."""
        from scipy.special import logsumexp

        weights = self._log_weights(theta)
        tail = self.support <= self.a if lower else self.support >= self.a
        return float(logsumexp(weights[tail]) - logsumexp(weights))

    def estimate(self):
        """The conditional MLE: 0 or inf where ``a`` ends the support."""
        if self.a in (self.support[0], self.support[-1]):
            return 0.0 if self.a == self.support[0] else math.inf
        return _exp_of_root(lambda theta: self._mean(theta) - self.a)

    def interval(self, level, alternative):
        """The exact interval at ``level``, one-sided for a one-sided ``alternative``."""
        alpha = (1 - level) / 2 if alternative == "two-sided" else 1 - level
        low, high = 0.0, math.inf
        if alternative != "less" and self.a != self.support[0]:
            low = _exp_of_root(lambda theta: self._log_tail(theta, False) - math.log(alpha))
        if alternative != "greater" and self.a != self.support[-1]:
            high = _exp_of_root(lambda theta: math.log(alpha) - self._log_tail(theta, True))
        return low, high


def _exp_of_root(function):
    r""":math:`e^\theta` for the root of an increasing ``function`` of :math:`\theta`,
    bracketed by doubling outwards from :math:`[-1, 1]`."""
    from scipy.optimize import brentq

    low, high = -1.0, 1.0
    while function(low) > 0:
        low *= 2
    while function(high) < 0:
        high *= 2
    theta = brentq(function, low, high, xtol=1e-14, rtol=4 * np.finfo(float).eps)
    if theta > _LARGEST_LOG:
        raise ValueError("the table's odds ratio (or an end of its interval) is beyond "
                         "1.8e308, outside double precision.")
    return math.exp(theta)


_LARGEST_LOG = math.log(np.finfo(float).max)


# SciPy's binomial distribution overflows (inside Boost) from about p = 1e-300 with 2**53
# trials; 1e-250 leaves a margin.
_NULL_PROPORTION = Real(1e-250, 1.0, closed="left", meaning=" (the null proportion; SciPy's "
                        "binomial distribution overflows near 0)")


def binomial_test(successes, trials, p=0.5, *, alternative="two-sided", level=0.95,
                  interval="exact"):
    r"""The exact binomial test of :math:`H_0: p = p_0` for ``successes`` out of ``trials``.

    Wraps :func:`scipy.stats.binomtest`; the effect is :math:`\hat p = k/n`
    with the Clopper-Pearson (``interval="exact"``) or Wilson interval.

    >>> r = binomial_test(7, 20, 0.5)
    >>> round(r.pvalue, 4), r.effect
    (0.2632, 0.35)
    """
    from scipy import stats

    successes, trials = check_counts(successes, trials)
    p = _NULL_PROPORTION(p, "p")
    level, alternative = LEVEL(level, "level"), check_alternative(alternative)
    interval = Options("exact", "wilson", "wilsoncc")(interval, "interval")
    try:
        result = stats.binomtest(successes, trials, p, alternative=alternative)
        ci = result.proportion_ci(confidence_level=level, method=interval)
    except OverflowError:
        raise ValueError(f"SciPy's binomial distribution overflows for p={p!r} with "
                         f"trials={trials}; a null proportion this close to 0 is beyond "
                         "double precision here.") from None
    return HypothesisTestResult(
        "Exact binomial test", float(successes), float(result.pvalue), successes / trials,
        "Proportion of successes", p, (float(ci.low), float(ci.high)), level, alternative)
