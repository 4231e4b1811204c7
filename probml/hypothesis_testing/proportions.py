"""The A/B test of two conversion rates: the pooled z-test, and the design of a test."""

import math
from dataclasses import dataclass

import numpy as np

from .._validation import (
    BOOLEAN,
    LEVEL,
    PROBABILITY,
    Optional,
    Real,
)
from ..exceptions import UndefinedStatisticWarning, warn
from ..inference import MAX_COUNT, critical_value, two_sided_pvalue
from ._common import check_alternative, check_counts
from .classical import HypothesisTestResult

# -- A/B tests of two conversion rates ------------------------------------------------

def _normal():
    from scipy.stats import norm

    return norm


@dataclass(frozen=True)
class ProportionsTestResult(HypothesisTestResult):
    """A two-proportion test, with the two rates and the relative lift of B over A.

    Beyond the attributes of :class:`HypothesisTestResult`:

    Attributes
    ----------
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
    x_a, n_a = check_counts(successes_a, trials_a, "successes_a", "trials_a")
    x_b, n_b = check_counts(successes_b, trials_b, "successes_b", "trials_b")
    level, alternative = LEVEL(level, "level"), check_alternative(alternative)
    p_a, p_b = x_a / n_a, x_b / n_b
    pooled = (x_a + x_b) / (n_a + n_b)
    if pooled in (0.0, 1.0):
        raise ValueError("both arms have " + ("no conversions (successes_a = successes_b = 0)"
                                               if pooled == 0 else "only conversions "
                                               "(successes_a = trials_a, successes_b = "
                                               "trials_b)")
                         + ": the rates cannot be told apart and the z statistic is "
                         "undefined.")
    z = float(pooled_z(x_a, n_a, x_b, n_b))
    se = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    difference_ci = _interval(p_b - p_a, se, level, alternative)
    if 0 < x_a and 0 < x_b:
        log_ratio = math.log(p_b / p_a)
        se_log = math.sqrt((1 - p_a) / x_a + (1 - p_b) / x_b)
        low, high = _interval(log_ratio, se_log, level, alternative)
        lift_ci = tuple(_expm1(end) for end in (low, high))
    else:
        warn(f"Arm {'A' if x_a == 0 else 'B'} has no conversions, so the relative "
             "lift's interval (on the log of the ratio of rates) is undefined: "
             "lift_conf_int is NaN" + (", and so is the lift itself." if x_a == 0
                                       else "."),
             UndefinedStatisticWarning)
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
    alternative = check_alternative(alternative)
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


def pooled_z(x_a, n_a, x_b, n_b):
    """Pooled two-proportion z statistics for arrays of counts (0 where both rates are 0 or 1)."""
    pooled = (x_a + x_b) / (n_a + n_b)
    se = np.sqrt(pooled * (1 - pooled) * (1.0 / n_a + 1.0 / n_b))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(se > 0, (x_b / n_b - x_a / n_a) / se, 0.0)
