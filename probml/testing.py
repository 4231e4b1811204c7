r"""Hypothesis tests and A/B testing, with effects, intervals and plain readings.

SciPy already computes the classical tests; this module adds what a reader of
the result needs: the size of the effect with a confidence interval, and one
sentence that says what the p-value is (how often data at least this extreme
would arise if the null hypothesis held) and is not (the probability that the
null hypothesis is true).

For an A/B test of two conversion rates :math:`\hat p_A = x_A/n_A`,
:math:`\hat p_B = x_B/n_B`, the pooled two-proportion z statistic is

.. math:: z = \frac{\hat p_B - \hat p_A}
   {\sqrt{\bar p (1 - \bar p) (1/n_A + 1/n_B)}},\qquad \bar p = \frac{x_A + x_B}{n_A + n_B},

and planning uses Cohen's effect size :math:`h = 2\arcsin\sqrt{p_B} - 2\arcsin\sqrt{p_A}`,
on whose scale each arm's estimate has variance :math:`1/n` (see the
``two-proportion-z-test`` and ``sample-size`` derivations).

The Bayesian view puts a Beta prior on each rate; :func:`bayesian_ab_test`
computes :math:`P(p_B > p_A \mid \text{data})` exactly and the expected loss of
shipping each arm.

Examples
--------
>>> result = two_proportion_z_test(200, 2000, 250, 2000)
>>> round(result.statistic, 3), round(result.pvalue, 4)
(2.502, 0.0124)
>>> print(result.reading)        # doctest: +ELLIPSIS
Difference in conversion rate (B - A) = 0.025 (95% CI 0.00543 to 0.0446). p = 0.012: ...
"""

import contextlib
import math
import warnings
from dataclasses import dataclass

import numpy as np

from ._beta_comparison import prob_greater
from ._validation import (
    BOOLEAN,
    LEVEL,
    PROBABILITY,
    SEED,
    Integer,
    Optional,
    Options,
    Real,
    check_array_finite,
)
from .exceptions import UndefinedStatisticWarning
from .inference import MAX_COUNT, critical_value, two_sided_pvalue

__all__ = [
    "ABTestDesign",
    "BayesianABResult",
    "HypothesisTestResult",
    "PeekingSimulation",
    "ProportionsTestResult",
    "ab_test_design",
    "bayesian_ab_test",
    "binomial_test",
    "chi2_independence_test",
    "fisher_exact_test",
    "one_sample_t_test",
    "paired_t_test",
    "probability_b_beats_a",
    "simulate_peeking",
    "simulate_pvalues",
    "two_proportion_z_test",
    "two_sample_t_test",
]

_ALTERNATIVE = Options("two-sided", "greater", "less")
# Most numbers a simulation draws at once (1 GiB of float64).
_MAX_SIMULATED = 2 ** 27
_COUNT = Integer(0, MAX_COUNT, whole_floats=True, meaning=" (a count)")
# Fisher's exact test sums the hypergeometric distribution of the table: SciPy's
# routines overflow beyond these counts, and the conditional odds ratio's exact
# interval takes seconds once the smallest margin passes a few thousand.
_FISHER_MAX_COUNT = 10 ** 7
_FISHER_MAX_MARGIN = 5_000


# -- input checks ----------------------------------------------------------------


def _check_alternative(alternative):
    return _ALTERNATIVE(alternative, "alternative")


def _check_counts(successes, trials, successes_name="successes", trials_name="trials",
                  count=_COUNT):
    successes = count(successes, successes_name)
    trials = count(trials, trials_name)
    if trials == 0:
        raise ValueError(f"{trials_name} must be > 0.")
    if successes > trials:
        raise ValueError(f"{successes_name} ({successes}) cannot exceed {trials_name} "
                         f"({trials}).")
    return successes, trials


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
    centre = float(np.median(pooled)) if shift else 0.0
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
    level, alternative = LEVEL(level, "level"), _check_alternative(alternative)
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
    level, alternative = LEVEL(level, "level"), _check_alternative(alternative)
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
    level, alternative = LEVEL(level, "level"), _check_alternative(alternative)
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
    from scipy.stats.contingency import odds_ratio

    table = _check_table(table, (2, 2), max_count=_FISHER_MAX_COUNT)
    level, alternative = LEVEL(level, "level"), _check_alternative(alternative)
    margin = min(table.sum(axis=0).min(), table.sum(axis=1).min())
    if margin > _FISHER_MAX_MARGIN:
        raise ValueError(f"the table's smallest margin is {margin:,}: Fisher's exact test (and "
                         f"its exact interval) is for small tables, up to {_FISHER_MAX_MARGIN:,}"
                         "; at these counts the normal approximation is accurate: use "
                         "chi2_independence_test or two_proportion_z_test.")
    result = stats.fisher_exact(table, alternative=alternative)
    conditional = odds_ratio(table, kind="conditional")
    interval = conditional.confidence_interval(confidence_level=level, alternative=alternative)
    return HypothesisTestResult(
        "Fisher's exact test", float(result.statistic), float(result.pvalue),
        float(conditional.statistic), "Odds ratio (conditional MLE)", 1.0,
        (float(interval.low), float(interval.high)), level, alternative)


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

    successes, trials = _check_counts(successes, trials)
    p = _NULL_PROPORTION(p, "p")
    level, alternative = LEVEL(level, "level"), _check_alternative(alternative)
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


# -- A/B tests of two conversion rates ------------------------------------------------

def _normal():
    from scipy.stats import norm

    return norm


@dataclass(frozen=True)
class ProportionsTestResult(HypothesisTestResult):
    """A two-proportion test, with the two rates and the relative lift of B over A.

    Attributes (beyond :class:`HypothesisTestResult`)
    --------------------------------------------------
    rate_a, rate_b : float
    lift : float
        :math:`\\hat p_B / \\hat p_A - 1`.
    lift_conf_int : tuple of float
        Delta-method interval on :math:`\\log(\\hat p_B/\\hat p_A)`, mapped back
        (NaN when either arm has no conversions or all conversions).
    """

    rate_a: float = math.nan
    rate_b: float = math.nan
    lift: float = math.nan
    lift_conf_int: tuple = (math.nan, math.nan)


def _interval(estimate, se, level, alternative):
    norm = _normal()
    if alternative == "two-sided":
        half = critical_value(level) * se
        return estimate - half, estimate + half
    if alternative == "greater":
        return estimate - norm.isf(1 - level) * se, math.inf
    return -math.inf, estimate + norm.isf(1 - level) * se


def _pvalue(z, alternative):
    if alternative == "two-sided":
        return float(two_sided_pvalue(z))
    norm = _normal()
    return norm.sf(z) if alternative == "greater" else norm.cdf(z)


def two_proportion_z_test(successes_a, trials_a, successes_b, trials_b, *,
                          alternative="two-sided", level=0.95):
    r"""The pooled two-proportion z-test of an A/B test, with the difference and the lift.

    .. math:: z = \frac{\hat p_B - \hat p_A}{\sqrt{\bar p(1-\bar p)(1/n_A + 1/n_B)}},
       \qquad \bar p = \frac{x_A + x_B}{n_A + n_B}

    (the standard error under :math:`H_0: p_A = p_B`, where :math:`\bar p` is the
    MLE of the common rate).  The interval for :math:`p_B - p_A` is the Wald
    interval with the unpooled standard error
    :math:`\sqrt{\hat p_A(1-\hat p_A)/n_A + \hat p_B(1-\hat p_B)/n_B}`, and the
    lift's interval is the delta-method interval for :math:`\log(p_B/p_A)`,
    whose variance is about :math:`(1-p_A)/(n_A p_A) + (1-p_B)/(n_B p_B)`.
    ``alternative="greater"`` is :math:`p_B > p_A`.  :math:`z^2` equals the
    uncorrected chi-square statistic of the 2 x 2 table.

    Returns
    -------
    ProportionsTestResult

    Examples
    --------
    >>> r = two_proportion_z_test(120, 1000, 150, 1000)
    >>> round(r.rate_b - r.rate_a, 3), round(r.lift, 2), round(r.pvalue, 4)
    (0.03, 0.25, 0.0496)
    """
    x_a, n_a = _check_counts(successes_a, trials_a, "successes_a", "trials_a")
    x_b, n_b = _check_counts(successes_b, trials_b, "successes_b", "trials_b")
    level, alternative = LEVEL(level, "level"), _check_alternative(alternative)
    p_a, p_b = x_a / n_a, x_b / n_b
    pooled = (x_a + x_b) / (n_a + n_b)
    if pooled in (0.0, 1.0):
        raise ValueError("both arms have " + ("no conversions (successes_a = successes_b = 0)"
                                               if pooled == 0 else "only conversions "
                                               "(successes_a = trials_a, successes_b = "
                                               "trials_b)")
                         + ": the rates cannot be told apart and the z statistic is "
                         "undefined.")
    z = float(_pooled_z(x_a, n_a, x_b, n_b))
    se = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    difference_ci = _interval(p_b - p_a, se, level, alternative)
    if 0 < x_a and 0 < x_b:
        log_ratio = math.log(p_b / p_a)
        se_log = math.sqrt((1 - p_a) / x_a + (1 - p_b) / x_b)
        low, high = _interval(log_ratio, se_log, level, alternative)
        lift_ci = tuple(_expm1(end) for end in (low, high))
    else:
        warnings.warn(f"Arm {'A' if x_a == 0 else 'B'} has no conversions, so the relative "
                      "lift's interval (on the log of the ratio of rates) is undefined: "
                      "lift_conf_int is NaN" + (", and so is the lift itself." if x_a == 0
                                                else "."),
                      UndefinedStatisticWarning, stacklevel=2)
        lift_ci = (math.nan, math.nan)
    lift = p_b / p_a - 1 if p_a > 0 else math.nan
    return ProportionsTestResult(
        "Two-proportion z-test (pooled)", z, float(_pvalue(z, alternative)), p_b - p_a,
        "Difference in conversion rate (B - A)", 0.0, tuple(map(float, difference_ci)), level,
        alternative, None, p_a, p_b, lift, tuple(map(float, lift_ci)))


def _expm1(x):
    """``exp(x) - 1``, with the infinite end of a one-sided interval kept infinite."""
    if math.isinf(x):
        return x if x > 0 else -1.0
    try:
        return math.expm1(x)
    except OverflowError:
        return math.inf


def _effect_size(rate_a, rate_b):
    return 2 * math.asin(math.sqrt(rate_b)) - 2 * math.asin(math.sqrt(rate_a))


def _rate_from_effect_size(rate_a, h):
    return math.sin(math.asin(math.sqrt(rate_a)) + h / 2) ** 2


def _power(h, n_a, alpha, ratio, alternative):
    """statsmodels' NormalIndPower: the normal test's power at effective size n_a r/(1+r)."""
    norm = _normal()
    shift = h * math.sqrt(n_a * ratio / (1 + ratio))
    if alternative == "two-sided":
        crit = norm.isf(alpha / 2)
        return float(norm.sf(crit - shift) + norm.cdf(-crit - shift))
    if alternative == "greater":
        return float(norm.sf(norm.isf(alpha) - shift))
    return float(norm.cdf(norm.ppf(alpha) - shift))


@dataclass(frozen=True)
class ABTestDesign:
    """The four linked numbers of an A/B test's design, with the one that was solved for.

    Attributes
    ----------
    baseline, variant_rate : float
        :math:`p_A` and the rate :math:`p_B` the test is powered to detect.
    mde, relative_mde : float
        :math:`p_B - p_A` and :math:`p_B/p_A - 1`.
    effect_size : float
        Cohen's :math:`h = 2\\arcsin\\sqrt{p_B} - 2\\arcsin\\sqrt{p_A}`.
    n_per_arm : float
        Exact solution for arm A (arm B has ``ratio`` times as many).
    n_a, n_b : int
        Those sizes rounded up.
    alpha, power : float
    ratio : float
    alternative : str
    solved_for : {"mde", "n_per_arm", "power", "alpha"}
    """

    baseline: float
    variant_rate: float
    mde: float
    relative_mde: float
    effect_size: float
    n_per_arm: float
    n_a: int
    n_b: int
    alpha: float
    power: float
    ratio: float
    alternative: str
    solved_for: str

    @property
    def total(self):
        """Visitors needed in both arms together."""
        return self.n_a + self.n_b

    def __str__(self):
        return (f"A/B test design (solved for {self.solved_for}): baseline {self.baseline:.4g}"
                f" -> {self.variant_rate:.4g} (MDE {self.mde:+.4g}, {self.relative_mde:+.2%}"
                f" relative, h = {self.effect_size:.4g}); {self.n_a} + {self.n_b} visitors; "
                f"alpha = {self.alpha:.4g} ({self.alternative}), power = {self.power:.4g}.")


def _brentq(function, low, high):
    from scipy.optimize import brentq

    return brentq(function, low, high, xtol=1e-300, rtol=4 * np.finfo(float).eps,
                  maxiter=500)


# The control's rate: the relative lift divides by it, so it must not be subnormal.
_BASELINE = Real(1e-300, 1, closed="neither", meaning=" (the control's conversion rate)")


def ab_test_design(baseline, mde=None, *, n_per_arm=None, alpha=0.05, power=0.8, ratio=1.0,
                   alternative="two-sided", relative=False):
    r"""Power, sample size, detectable effect or significance level of a two-proportion test.

    Leave exactly one of ``mde``, ``n_per_arm``, ``power`` and ``alpha`` as
    None and it is solved for (so by default: the sample size for 80% power at
    alpha = 0.05).  The power is statsmodels' ``NormalIndPower`` on Cohen's
    effect size :math:`h` (``proportion_effectsize``): with
    :math:`m = n_A r/(1 + r)` and :math:`n_B = r n_A`,

    .. math:: 1 - \beta = \Phi(h\sqrt m - z_{1-\alpha/2}) + \Phi(-h\sqrt m - z_{1-\alpha/2}),

    one-sided without the second term, so for a one-sided test
    :math:`n_A = \frac{1 + r}{r}\big(\frac{z_{1-\alpha} + z_{1-\beta}}{h}\big)^2`
    (the ``sample-size`` derivation).  Every solution is found to machine
    precision by Brent's method on this equation.

    Parameters
    ----------
    baseline : float in (0, 1)
        The control arm's conversion rate :math:`p_A`.
    mde : float, optional
        Minimum detectable effect: :math:`p_B - p_A`, or :math:`p_B/p_A - 1`
        with ``relative=True``.  Must not be 0; when solved for, it is the
        smallest upward effect (downward for ``alternative="less"``).
    n_per_arm : float, optional
        Visitors in arm A; arm B gets ``ratio`` times as many.
    alpha, power : float in (0, 1), optional
    ratio : float > 0
    alternative : {"two-sided", "greater", "less"}
        "greater": the test asks whether B converts better than A.
    relative : bool

    Returns
    -------
    ABTestDesign

    Examples
    --------
    >>> design = ab_test_design(0.10, 0.02)
    >>> design.n_a, round(design.effect_size, 4)
    (3835, 0.064)
    >>> round(ab_test_design(0.10, 0.02, n_per_arm=3000, power=None).power, 4)
    0.6978
    """
    baseline = _BASELINE(baseline, "baseline")
    alternative = _check_alternative(alternative)
    ratio = Real(1e-6, 1e6, meaning=" (visitors in B per visitor in A)")(ratio, "ratio")
    relative = BOOLEAN(relative, "relative")
    given = {"mde": mde, "n_per_arm": n_per_arm, "power": power, "alpha": alpha}
    missing = [name for name, value in given.items() if value is None]
    if len(missing) != 1:
        raise ValueError("leave exactly one of mde, n_per_arm, power and alpha as None to "
                         "solve for it; " + (f"{', '.join(missing[:-1])} and {missing[-1]} are all "
                                              "None." if missing else "all four were given."))
    alpha = Optional(PROBABILITY)(alpha, "alpha")
    power = Optional(PROBABILITY)(power, "power")
    n_per_arm = Optional(Real(0, MAX_COUNT, closed="right"))(n_per_arm, "n_per_arm")
    if mde is not None:
        mde = Real(-1e6, 1e6)(mde, "mde")
        if mde == 0:
            raise ValueError("the minimum detectable effect must be non-zero: no sample size "
                             "detects a zero difference with power above alpha.")
        variant = baseline * (1 + mde) if relative else baseline + mde
        if not 0 < variant < 1:
            raise ValueError(f"baseline {baseline} with mde {mde} gives a variant rate of "
                             f"{variant}, outside (0, 1).")
        h = _effect_size(baseline, variant)
        if h == 0:
            raise ValueError(f"mde={mde!r} is too small to change the rate {baseline} in double "
                             "precision.")
        if (alternative == "greater" and h < 0) or (alternative == "less" and h > 0):
            raise ValueError(f"an mde of {mde} points the other way from "
                             f"alternative={alternative!r}.")
    if alpha is not None and power is not None and power <= alpha:
        raise ValueError(f"power ({power}) must exceed alpha ({alpha}): a test with no effect "
                         "already rejects with probability alpha.")

    solved = missing[0]
    if solved == "power":
        power = _power(h, n_per_arm, alpha, ratio, alternative)
    elif solved == "alpha":
        if _power(h, n_per_arm, 1e-300, ratio, alternative) >= power:
            raise ValueError("power is reached at any alpha for this design.")
        alpha = _brentq(lambda a: _power(h, n_per_arm, a, ratio, alternative) - power,
                        1e-300, power)
    elif solved == "n_per_arm":
        norm = _normal()
        tail = alpha / 2 if alternative == "two-sided" else alpha
        scale = (1 + ratio) / ratio
        one_sided = scale * ((norm.isf(tail) + norm.isf(1 - power)) / h) ** 2
        if not one_sided <= MAX_COUNT:
            raise ValueError(f"detecting mde={mde!r} takes more than 2**53 visitors per arm; "
                             "choose a larger mde.")
        n_per_arm = one_sided
        # Two-sided, the far tail adds power, so the answer lies below the one-sided
        # size, unless that tail is below rounding (the two then agree to the last bit).
        if alternative == "two-sided" and _power(h, one_sided, alpha, ratio,
                                                 alternative) > power:
            n_per_arm = _brentq(lambda n: _power(h, n, alpha, ratio, alternative) - power,
                                1e-9 * one_sided, one_sided)
    else:
        sign = -1.0 if alternative == "less" else 1.0
        root = math.asin(math.sqrt(baseline))
        h_max = 2 * (math.pi / 2 - root) if sign > 0 else 2 * root
        if _power(sign * h_max, n_per_arm, alpha, ratio, alternative) < power:
            raise ValueError(f"with {n_per_arm:g} visitors per arm even a "
                             f"{'jump to 100%' if sign > 0 else 'drop to 0%'} is detected "
                             f"with power below {power}.")
        h = sign * _brentq(lambda g: _power(sign * g, n_per_arm, alpha, ratio, alternative)
                           - power, 0.0, h_max)
        variant = _rate_from_effect_size(baseline, h)
    return ABTestDesign(baseline, variant, variant - baseline, variant / baseline - 1, h,
                        n_per_arm, math.ceil(n_per_arm - 1e-9),
                        math.ceil(ratio * n_per_arm - 1e-9), alpha, power, ratio,
                        alternative, solved)


# -- Bayesian A/B ------------------------------------------------------------------------

# Beta parameters beyond 1e15 are point masses to double precision.
_BETA_PARAMETER = Real(1e-6, 1e15, meaning=" (a Beta parameter; SciPy's Beta routines lose "
                                            "accuracy beyond these)")


def probability_b_beats_a(alpha_a, beta_a, alpha_b, beta_b):
    r""":math:`P(p_B > p_A)` for independent :math:`p_A \sim \mathrm{Beta}(\alpha_A, \beta_A)`,
    :math:`p_B \sim \mathrm{Beta}(\alpha_B, \beta_B)`, exactly.

    When :math:`\alpha_B` is a whole number (any integer prior plus counts),
    integrating :math:`P(p_B > x)` against the density of :math:`p_A` term by term gives

    .. math:: P(p_B > p_A) = \sum_{i=0}^{\alpha_B - 1}
       \frac{B(\alpha_A + i,\, \beta_A + \beta_B)}
            {(\beta_B + i)\, B(1 + i,\, \beta_B)\, B(\alpha_A, \beta_A)},

    summed through the rational ratio of consecutive terms.  Any one whole
    shape parameter up to 1e6 gives such a sum (by :math:`P(p_B > p_A) = 1 -
    P(p_A > p_B)` and :math:`1 - p \sim \mathrm{Beta}(\beta, \alpha)`), exact
    whatever the size of the others.  Otherwise :math:`\int_0^1 F_A(Q_B(v))\,dv`
    is integrated adaptively over the quantiles of the narrower variable, with
    points held as their log distance to 0 or 1 so that shape parameters far
    below 1 (mass within :math:`10^{-1000}` of an end) keep their digits; SciPy's
    incomplete Beta function, which it evaluates, keeps ~12 digits while
    :math:`\alpha + \beta \le 10^{10}`, and beyond that (with no whole shape
    up to 1e6) a ValueError says so.  Both routes agree with a 50-digit
    evaluation to ~1e-12 (the tests check it on shapes from 1e-6 to 1e15).

    Raises
    ------
    ValueError
        If no shape is a whole number up to 1e6 and a variable's shapes sum
        to more than 1e10.

    >>> round(probability_b_beats_a(1 + 10, 1 + 90, 1 + 20, 1 + 80), 6)
    0.975173
    """
    parameters = {"alpha_a": alpha_a, "beta_a": beta_a, "alpha_b": alpha_b, "beta_b": beta_b}
    alpha_a, beta_a, alpha_b, beta_b = (_BETA_PARAMETER(value, name)
                                        for name, value in parameters.items())
    return prob_greater(alpha_a, beta_a, alpha_b, beta_b)


@dataclass(frozen=True)
class BayesianABResult:
    r"""Posterior summaries of a Beta-Binomial A/B test.

    Attributes
    ----------
    posterior_a, posterior_b : tuple of float
        :math:`(\alpha, \beta)` of each arm's Beta posterior.
    prob_b_beats_a : float
        :math:`P(p_B > p_A \mid \text{data})`, exact.
    expected_loss_a, expected_loss_b : float
        Expected conversion rate given up by shipping that arm:
        :math:`E[\max(p_B - p_A, 0)]` for A and :math:`E[\max(p_A - p_B, 0)]` for B.
    lift_credible_interval, difference_credible_interval : tuple of float
        Equal-tailed intervals for :math:`p_B/p_A - 1` and :math:`p_B - p_A`
        from ``n_draws`` posterior draws.
    level : float
    n_draws : int
    """

    posterior_a: tuple
    posterior_b: tuple
    prob_b_beats_a: float
    expected_loss_a: float
    expected_loss_b: float
    lift_credible_interval: tuple
    difference_credible_interval: tuple
    level: float
    n_draws: int

    @property
    def reading(self):
        """One plain-language sentence (a posterior probability, given the priors)."""
        return (f"Given the data and the priors, B's conversion rate is higher than A's with "
                f"probability {self.prob_b_beats_a:.3g}; the relative lift lies in "
                f"[{self.lift_credible_interval[0]:+.3g}, "
                f"{self.lift_credible_interval[1]:+.3g}] with probability "
                f"{self.level:.3g}; shipping B gives up {self.expected_loss_b:.3g} "
                f"conversions per visitor in expectation, shipping A "
                f"{self.expected_loss_a:.3g}.")

    def __str__(self):
        return self.reading


def bayesian_ab_test(successes_a, trials_a, successes_b, trials_b, *, prior=(1.0, 1.0),
                     level=0.95, n_draws=200_000, rng=0):
    r"""The Beta-Binomial A/B test: posteriors, :math:`P(B > A)`, expected loss, lift interval.

    With a :math:`\mathrm{Beta}(a, b)` prior on each rate, arm :math:`k` has
    posterior :math:`\mathrm{Beta}(a + x_k, b + n_k - x_k)`.
    :math:`P(p_B > p_A)` is exact (:func:`probability_b_beats_a`), and so is
    the expected loss, through the identity
    :math:`E[p_B\,\mathbf 1\{p_B > p_A\}] = E[p_B]\,P(p_B^+ > p_A)` where
    :math:`p_B^+ \sim \mathrm{Beta}(\alpha_B + 1, \beta_B)`:

    .. math:: E[\max(p_B - p_A, 0)] = \frac{\alpha_B}{\alpha_B + \beta_B} P(p_B^+ > p_A)
       - \frac{\alpha_A}{\alpha_A + \beta_A} P(p_B > p_A^+).

    Only the lift's credible interval is sampled (``n_draws`` seeded draws).

    Examples
    --------
    >>> r = bayesian_ab_test(10, 100, 20, 100)
    >>> round(r.prob_b_beats_a, 4), r.posterior_b
    (0.9752, (21.0, 81.0))
    """
    from scipy.stats import beta

    count = Integer(0, 10 ** 14, whole_floats=True, meaning=" (a count; the Beta posterior "
                    "is a point mass to double precision beyond 1e14)")
    x_a, n_a = _check_counts(successes_a, trials_a, "successes_a", "trials_a", count)
    x_b, n_b = _check_counts(successes_b, trials_b, "successes_b", "trials_b", count)
    if isinstance(prior, (str, bytes)) or not hasattr(prior, "__len__") or len(prior) != 2:
        raise ValueError(f"prior must be a pair (a, b) of Beta parameters, got {prior!r}.")
    a0, b0 = (Real(0, 1e14, closed="right")(value, f"prior[{i}]")
              for i, value in enumerate(prior))
    level = LEVEL(level, "level")
    n_draws = Integer(100, 10 ** 7)(n_draws, "n_draws")
    rng = SEED(rng, "rng")
    post_a, post_b = (a0 + x_a, b0 + n_a - x_a), (a0 + x_b, b0 + n_b - x_b)
    mean_a, mean_b = post_a[0] / sum(post_a), post_b[0] / sum(post_b)
    prob = probability_b_beats_a(*post_a, *post_b)
    loss_a = (mean_b * probability_b_beats_a(*post_a, post_b[0] + 1, post_b[1])
              - mean_a * probability_b_beats_a(post_a[0] + 1, post_a[1], *post_b))
    loss_a = max(loss_a, 0.0)
    loss_b = max(loss_a - (mean_b - mean_a), 0.0)
    generator = np.random.default_rng(rng)
    draws_a = beta.rvs(*post_a, size=n_draws, random_state=generator)
    draws_b = beta.rvs(*post_b, size=n_draws, random_state=generator)
    tails = [(1 - level) / 2, (1 + level) / 2]
    lift = tuple(float(q) for q in np.quantile(draws_b / draws_a - 1, tails))
    difference = tuple(float(q) for q in np.quantile(draws_b - draws_a, tails))
    return BayesianABResult(post_a, post_b, prob, loss_a, loss_b, lift, difference, level,
                            n_draws)


# -- the p-value as a random variable --------------------------------------------------

def _pooled_z(x_a, n_a, x_b, n_b):
    """Pooled two-proportion z statistics for arrays of counts (0 where both rates are 0 or 1)."""
    pooled = (x_a + x_b) / (n_a + n_b)
    se = np.sqrt(pooled * (1 - pooled) * (1.0 / n_a + 1.0 / n_b))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(se > 0, (x_b / n_b - x_a / n_a) / se, 0.0)


def simulate_pvalues(n_per_arm, *, n_simulations=10_000, outcome="conversion", baseline=0.1,
                     effect=0.0, rng=None):
    r"""p-values of many simulated A/B tests: uniform on (0, 1) when there is no effect.

    Each simulated test has ``n_per_arm`` units per arm, and is analysed with
    the pooled two-proportion z-test (``outcome="conversion"``: rates
    ``baseline`` and ``baseline + effect``) or Welch's t-test
    (``outcome="normal"``: unit-variance normal outcomes, means 0 and
    ``effect``).  Under the null hypothesis :math:`P(p \le t) = t`, so a share
    ``alpha`` of tests reject by chance; with an effect, the share below
    ``alpha`` is the power.  (For counts the z-test is only approximately
    uniform: the data are discrete.)

    Returns
    -------
    ndarray of shape (n_simulations,)

    Examples
    --------
    >>> p = simulate_pvalues(200, n_simulations=4000, outcome="normal", rng=0)
    >>> bool(abs(np.mean(p < 0.05) - 0.05) < 0.01)
    True
    """
    n = Integer(2, MAX_COUNT)(n_per_arm, "n_per_arm")
    n_simulations = Integer(1, 10 ** 7)(n_simulations, "n_simulations")
    outcome = Options("conversion", "normal")(outcome, "outcome")
    effect = Real()(effect, "effect")
    generator = np.random.default_rng(SEED(rng, "rng"))
    if outcome == "normal" and n * n_simulations > _MAX_SIMULATED:
        raise ValueError(f"n_per_arm * n_simulations = {n * n_simulations:,} normal outcomes "
                         f"per arm is more than {_MAX_SIMULATED:,}; simulate fewer.")
    if outcome == "conversion":
        baseline = PROBABILITY(baseline, "baseline")
        variant = baseline + effect
        if not 0 <= variant <= 1:
            raise ValueError(f"baseline + effect = {variant} is not a rate in [0, 1].")
        x_a = generator.binomial(n, baseline, n_simulations)
        x_b = generator.binomial(n, variant, n_simulations)
        return two_sided_pvalue(_pooled_z(x_a, n, x_b, n))
    if outcome == "normal":
        from scipy import stats

        a = generator.standard_normal((n_simulations, n))
        b = generator.standard_normal((n_simulations, n)) + effect
        return stats.ttest_ind(a, b, axis=1, equal_var=False).pvalue


@dataclass(frozen=True)
class PeekingSimulation:
    """How often a test run with repeated looks ever rejects.

    Attributes
    ----------
    looks : ndarray of int
        Visitors per arm at each look.
    rejected_by_look : ndarray
        Share of simulated tests that have rejected at some look up to this one
        (stopping at the first p < alpha).
    fixed_horizon_rate : float
        Share rejecting when looking only once, at the end.
    peeking_rate : float
        ``rejected_by_look[-1]``.
    standard_errors : tuple of float
        Monte-Carlo standard errors of the two rates.
    alpha : float
    n_simulations : int
    """

    looks: np.ndarray
    rejected_by_look: np.ndarray
    fixed_horizon_rate: float
    peeking_rate: float
    standard_errors: tuple
    alpha: float
    n_simulations: int


def simulate_peeking(n_per_arm, n_looks, *, alpha=0.05, baseline=0.1, effect=0.0,
                     n_simulations=10_000, rng=None):
    """Simulate A/B tests checked ``n_looks`` times and stopped at the first p < alpha.

    Visitors arrive in equal batches; after each batch the pooled z-test is
    run on everything so far.  With no effect (the default) any rejection is
    a false positive: looking once keeps the rate at about ``alpha``, looking
    after every batch inflates it (to about 0.19 for 10 looks at alpha = 0.05,
    Armitage, McPherson & Rowe 1969).

    Returns
    -------
    PeekingSimulation

    Examples
    --------
    >>> s = simulate_peeking(2000, 10, rng=0, n_simulations=4000)
    >>> bool(s.peeking_rate > 2 * s.fixed_horizon_rate)
    True
    """
    n = Integer(2, MAX_COUNT)(n_per_arm, "n_per_arm")
    n_looks = Integer(1, 10_000)(n_looks, "n_looks")
    if n_looks > n:
        raise ValueError(f"n_looks ({n_looks}) cannot exceed n_per_arm ({n}).")
    n_simulations = Integer(1, 10 ** 7)(n_simulations, "n_simulations")
    if n_looks * n_simulations > _MAX_SIMULATED:
        raise ValueError(f"n_looks * n_simulations = {n_looks * n_simulations:,} tests is more "
                         f"than {_MAX_SIMULATED:,}; simulate fewer.")
    alpha = PROBABILITY(alpha, "alpha")
    baseline = PROBABILITY(baseline, "baseline")
    variant = baseline + Real()(effect, "effect")
    if not 0 <= variant <= 1:
        raise ValueError(f"baseline + effect = {variant} is not a rate in [0, 1].")
    generator = np.random.default_rng(SEED(rng, "rng"))
    looks = np.round(np.linspace(0, n, n_looks + 1)).astype(int)[1:]
    batches = np.diff(np.concatenate([[0], looks]))
    x_a = np.cumsum(generator.binomial(batches, baseline, (n_simulations, n_looks)), axis=1)
    x_b = np.cumsum(generator.binomial(batches, variant, (n_simulations, n_looks)), axis=1)
    from scipy.special import ndtri

    reject = np.abs(_pooled_z(x_a, looks, x_b, looks)) > ndtri(1 - alpha / 2)
    by_look = np.logical_or.accumulate(reject, axis=1).mean(axis=0)
    fixed, peeking = float(reject[:, -1].mean()), float(by_look[-1])
    se_of = (lambda rate: math.sqrt(rate * (1 - rate) / n_simulations))
    return PeekingSimulation(looks, by_look, fixed, peeking, (se_of(fixed), se_of(peeking)),
                             alpha, n_simulations)
