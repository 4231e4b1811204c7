"""Hypothesis tests and A/B testing against statsmodels, SciPy and Monte Carlo."""

import re
import warnings

import mpmath
import numpy as np
import pytest
from scipy import optimize, stats
from statsmodels.stats import proportion as sm_prop
from statsmodels.stats import weightstats
from statsmodels.stats.contingency_tables import Table
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import proportion_effectsize

from probml import hypothesis_testing as T
from probml.inference import critical_value
from probml.hypothesis_testing._beta_comparison import _by_quadrature

RNG = np.random.default_rng(20261122)
A_SAMPLE = RNG.normal(10.0, 2.0, 25)
B_SAMPLE = RNG.normal(9.0, 3.0, 31)
FORBIDDEN = re.compile(r"probability (that )?the null|null (hypothesis )?is true|"
                       r"chance (that )?the null", re.IGNORECASE)


# -- tests of means ---------------------------------------------------------------------

@pytest.mark.parametrize("alternative, sm_alternative",
                         [("two-sided", "two-sided"), ("greater", "larger"),
                          ("less", "smaller")])
def test_t_tests_agree_with_statsmodels(alternative, sm_alternative):
    one = T.one_sample_t_test(A_SAMPLE, 9.5, alternative=alternative, level=0.9)
    described = weightstats.DescrStatsW(A_SAMPLE)
    t, p = described.ttest_mean(9.5, alternative=sm_alternative)[:2]
    assert (one.statistic, one.pvalue) == pytest.approx((t, p), rel=1e-10)
    if alternative == "two-sided":
        low, high = described.tconfint_mean(alpha=0.1)
        assert one.conf_int == pytest.approx((low - 9.5, high - 9.5), rel=1e-10)

    welch = T.two_sample_t_test(A_SAMPLE, B_SAMPLE, alternative=alternative)
    compared = weightstats.CompareMeans(weightstats.DescrStatsW(A_SAMPLE),
                                        weightstats.DescrStatsW(B_SAMPLE))
    t, p, df = compared.ttest_ind(usevar="unequal", alternative=sm_alternative)
    assert (welch.statistic, welch.pvalue, welch.df) == pytest.approx((t, p, df), rel=1e-10)
    assert welch.effect == pytest.approx(A_SAMPLE.mean() - B_SAMPLE.mean(), rel=1e-14)
    if alternative == "two-sided":
        assert welch.conf_int == pytest.approx(compared.tconfint_diff(usevar="unequal"),
                                               rel=1e-10)
    pooled = T.two_sample_t_test(A_SAMPLE, B_SAMPLE, equal_var=True, alternative=alternative)
    t, p, df = compared.ttest_ind(usevar="pooled", alternative=sm_alternative)
    assert (pooled.statistic, pooled.pvalue, pooled.df) == pytest.approx((t, p, df), rel=1e-10)

    before, after = A_SAMPLE, A_SAMPLE - RNG.normal(0.3, 0.5, A_SAMPLE.size)
    paired = T.paired_t_test(before, after, alternative=alternative)
    differences = weightstats.DescrStatsW(before - after)
    t, p = differences.ttest_mean(0.0, alternative=sm_alternative)[:2]
    assert (paired.statistic, paired.pvalue) == pytest.approx((t, p), rel=1e-10)
    if alternative == "two-sided":
        assert paired.conf_int == pytest.approx(differences.tconfint_mean(), rel=1e-10)
    if alternative == "greater":
        assert paired.conf_int[1] == np.inf


def test_t_tests_on_subnormal_data_equal_statsmodels_on_the_data_scaled_up():
    """Multiplying by a power of two is exact, so the statistic cannot change."""
    tiny = np.array([0.0, 1.0, 3.0, 4.0, 9.0]) * 5e-324            # 0 to 9 units of 2^-1074
    up = np.ldexp(tiny, 1074)
    one = T.one_sample_t_test(tiny)
    t, p = weightstats.DescrStatsW(up).ttest_mean(0.0)[:2]
    assert (one.statistic, one.pvalue) == pytest.approx((t, p), rel=1e-12)
    welch = T.two_sample_t_test(tiny, tiny[::-1] * 2)
    compared = weightstats.CompareMeans(weightstats.DescrStatsW(up),
                                        weightstats.DescrStatsW(up * 2))
    assert (welch.statistic, welch.pvalue) == pytest.approx(
        compared.ttest_ind(usevar="unequal")[:2], rel=1e-12)


def _welch_and_one_sample_t_in_60_digits(a, b, popmean):
    """The one-sample and Welch t statistics of the doubles, in mpmath (no overflow)."""
    context = mpmath.MPContext()
    context.dps = 60
    a, b = [context.mpf(float(v)) for v in a], [context.mpf(float(v)) for v in b]

    def moments(x):
        mean = sum(x) / len(x)
        return mean, sum((v - mean) ** 2 for v in x) / (len(x) - 1)

    (mean_a, var_a), (mean_b, var_b) = moments(a), moments(b)
    one = (mean_a - context.mpf(popmean)) / context.sqrt(var_a / len(a))
    welch = (mean_a - mean_b) / context.sqrt(var_a / len(a) + var_b / len(b))
    return float(one), float(welch)


@pytest.mark.parametrize("centre, spread", [(1.7e308, 1e-3), (-1.7e308, 1e-12), (1e300, 1e-15),
                                            (1e-300, 1e-3), (3e-320, 0.25)])
def test_t_tests_near_the_ends_of_double_precision_match_exact_arithmetic(centre, spread):
    """Values near +-1.8e308 made np.median overflow (an even count averages the two middle
    values), a NumPy RuntimeWarning; SciPy itself returns 0, inf or NaN at these scales.
    Oracle: the t statistics of the same doubles in 60-digit arithmetic."""
    rng = np.random.default_rng(12)
    a = centre * (1 + spread * rng.uniform(-1, 1, 10))
    b = centre * (1 + spread * rng.uniform(-1, 1, 8))
    one, welch = _welch_and_one_sample_t_in_60_digits(a, b, a[3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert T.one_sample_t_test(a, a[3]).statistic == pytest.approx(one, rel=1e-12)
        assert T.two_sample_t_test(a, b).statistic == pytest.approx(welch, rel=1e-12)
        paired = T.paired_t_test(a[:8], b)
    expected = stats.ttest_1samp(np.ldexp(a[:8] - b, -int(np.frexp(centre)[1])), 0.0)
    assert (paired.statistic, paired.pvalue) == pytest.approx(
        (expected.statistic, expected.pvalue), rel=1e-12)


@pytest.mark.parametrize("table", [[[5, 0], [0, 5]], [[0, 3], [4, 2]], [[3, 0], [2, 4]],
                                   [[1000, 0], [1, 1]], [[0, 1], [1, 1000]]])
@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_fisher_with_a_zero_cell_gives_scipys_sample_odds_ratio(table, alternative):
    """A zero cell makes the sample odds ratio ad/bc exactly 0 or inf, which SciPy reports:
    the statistic and p-value equal SciPy's; the conditional MLE is 0 or inf with it."""
    result = T.fisher_exact_test(table, alternative=alternative)
    expected = stats.fisher_exact(table, alternative=alternative)
    assert result.statistic == expected.statistic
    assert result.pvalue == pytest.approx(expected.pvalue, rel=1e-13)
    assert result.effect == expected.statistic


def _conditional_odds_ratio_in_40_digits(table, level=0.95):
    """Fisher's noncentral hypergeometric distribution of a table's first cell, in mpmath:
    the psi solving E X = a, and the exact limits P(X >= a) = P(X <= a) = (1 - level)/2."""
    context = mpmath.MPContext()
    context.dps = 40
    (a, b), (c, d) = table
    row, column, total = a + b, a + c, a + b + c + d
    support = range(max(0, row + column - total), min(row, column) + 1)
    central = [context.binomial(column, k) * context.binomial(total - column, row - k)
               for k in support]

    def probabilities(theta):
        weights = [h * context.exp(k * theta) for h, k in zip(central, support)]
        return [w / context.fsum(weights) for w in weights]

    def mean(theta):
        return context.fsum(k * q for k, q in zip(support, probabilities(theta)))

    def tail(theta, upper):
        return context.fsum(q for k, q in zip(support, probabilities(theta))
                            if (k >= a if upper else k <= a))

    alpha = (1 - context.mpf(level)) / 2
    estimate = context.findroot(lambda t: mean(t) - a, (-5, 5), solver="illinois")
    low = context.findroot(lambda t: tail(t, True) - alpha, (-10, 5), solver="illinois")
    high = context.findroot(lambda t: tail(t, False) - alpha, (-5, 10), solver="illinois")
    return [float(context.exp(t)) for t in (estimate, low, high)]


@pytest.mark.parametrize("table", [[[10, 1000000], [1, 100000]], [[100, 1], [100000, 1000]],
                                   [[3, 7], [12, 4]]])
def test_fisher_conditional_odds_ratio_matches_exact_arithmetic_where_scipy_fails(table):
    """SciPy's noncentral hypergeometric returns NaN for totals near a million (a
    RuntimeWarning, then its root search fails; some tables abort the process). Oracle:
    the conditional MLE and exact limits solved in 40-digit arithmetic."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = T.fisher_exact_test(table)
    estimate, low, high = _conditional_odds_ratio_in_40_digits(table)
    assert result.effect == pytest.approx(estimate, rel=1e-13)
    assert result.conf_int == pytest.approx((low, high), rel=1e-13)


def _t_critical_value_in_50_digits(level, df):
    """q with P(|T| <= q) = level, from the incomplete Beta function in mpmath."""
    half, nu = mpmath.mpf(1) / 2, mpmath.mpf(df)
    if level <= 0.5 or df >= 1:   # the central probability: I_x(1/2, nu/2) = level
        start = (stats.t.isf((1 - level) / 2, df) if level > 0.5 else
                 stats.t.ppf(0.5 + level / 2, df) if level > 1e-6 else level)
        return mpmath.findroot(
            lambda q: mpmath.betainc(half, nu / 2, 0, q * q / (nu + q * q),
                                     regularized=True) - level, mpmath.mpf(start))
    # The tails: I_w(nu/2, 1/2) = 1 - level with w = nu/(nu + q^2), bisected in log w.
    low, high = mpmath.mpf(-5000), mpmath.mpf(0)
    for _ in range(400):
        middle = (low + high) / 2
        if mpmath.betainc(nu / 2, half, 0, mpmath.exp(middle), regularized=True) < 1 - level:
            low = middle
        else:
            high = middle
    w = mpmath.exp((low + high) / 2)
    return mpmath.sqrt(nu * (1 - w) / w)


@pytest.mark.parametrize("df", [None, 0.03125, 1.0, 2.5, 30.0, 1e6, 1e12])
@pytest.mark.parametrize("level", [1e-300, 1e-100, 1e-12, 0.3, 0.5, 0.95, 1 - 1e-6, 1 - 1e-12])
def test_critical_values_keep_their_digits_at_both_ends(level, df):
    """q solves P(|T| <= q) = level; the oracle solves it in 50 digits with mpmath."""
    with mpmath.workdps(50):
        exact = (mpmath.sqrt(2) * mpmath.erfinv(level) if df is None
                 else _t_critical_value_in_50_digits(level, df))
    if exact > 1.7e308:
        with pytest.raises(ValueError, match="overflows a float64"):
            critical_value(level, df)
        return
    assert critical_value(level, df) == pytest.approx(float(exact), rel=1e-12)


# -- tests of counts ------------------------------------------------------------------------

def test_chi_square_agrees_with_statsmodels_and_cramers_v_with_its_formula():
    table = np.array([[30, 14, 6], [22, 25, 13]])
    result = T.chi2_independence_test(table, correction=False)
    oracle = Table(table).test_nominal_association()
    assert (result.statistic, result.pvalue, result.df) == pytest.approx(
        (oracle.statistic, oracle.pvalue, oracle.df), rel=1e-10)
    assert result.effect == pytest.approx(np.sqrt(oracle.statistic / table.sum()), rel=1e-12)
    assert result.conf_int is None and "CI" not in result.reading
    corrected = T.chi2_independence_test([[12, 5], [4, 11]])
    assert corrected.statistic < T.chi2_independence_test([[12, 5], [4, 11]],
                                                          correction=False).statistic


def test_fisher_odds_ratio_solves_the_conditional_likelihood_equations():
    table = np.array([[8, 2], [1, 5]])
    result = T.fisher_exact_test(table, level=0.9)
    assert result.pvalue == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-12)
    a, m, n_col, total = 8, 10, 9, 16            # a, first-row total, first-column total

    def conditional(odds):
        return stats.nchypergeom_fisher(total, m, n_col, odds)
    # The conditional MLE makes the observed count its conditional mean ...
    mle = optimize.brentq(lambda w: conditional(w).mean() - a, 1e-3, 1e4, xtol=1e-12)
    assert result.effect == pytest.approx(mle, rel=1e-7)
    # ... and the exact interval's ends put alpha/2 in each tail.
    low, high = result.conf_int
    assert conditional(low).sf(a - 1) == pytest.approx(0.05, rel=1e-5)
    assert conditional(high).cdf(a) == pytest.approx(0.05, rel=1e-5)
    assert result.null_value == 1.0


@pytest.mark.parametrize("interval, method", [("exact", "beta"), ("wilson", "wilson")])
def test_binomial_test_agrees_with_statsmodels(interval, method):
    result = T.binomial_test(13, 40, 0.5, interval=interval, level=0.9)
    assert result.pvalue == pytest.approx(sm_prop.binom_test(13, 40, 0.5), rel=1e-10)
    assert result.conf_int == pytest.approx(
        sm_prop.proportion_confint(13, 40, alpha=0.1, method=method), rel=1e-8)


# -- the two-proportion z-test ---------------------------------------------------------------

@pytest.mark.parametrize("counts", [(200, 2000, 250, 2000), (31, 480, 47, 515), (9, 40, 3, 38)])
@pytest.mark.parametrize("alternative, sm_alternative",
                         [("two-sided", "two-sided"), ("greater", "larger"),
                          ("less", "smaller")])
def test_two_proportion_z_test_agrees_with_statsmodels(counts, alternative, sm_alternative):
    x_a, n_a, x_b, n_b = counts
    result = T.two_proportion_z_test(*counts, alternative=alternative)
    z, p = sm_prop.proportions_ztest([x_b, x_a], [n_b, n_a], alternative=sm_alternative)
    assert (result.statistic, result.pvalue) == pytest.approx((z, p), rel=1e-10)
    level = 0.95 if alternative == "two-sided" else 0.9        # one-sided 95% = two-sided 90%
    diff = sm_prop.confint_proportions_2indep(x_b, n_b, x_a, n_a, method="wald",
                                              compare="diff", alpha=1 - level)
    ratio = sm_prop.confint_proportions_2indep(x_b, n_b, x_a, n_a, method="log",
                                               compare="ratio", alpha=1 - level)
    if alternative == "two-sided":
        assert result.conf_int == pytest.approx(diff, rel=1e-10)
        assert result.lift_conf_int == pytest.approx(np.array(ratio) - 1, rel=1e-10)
    elif alternative == "greater":
        assert result.conf_int[0] == pytest.approx(diff[0], rel=1e-10)
        assert result.lift_conf_int[0] == pytest.approx(ratio[0] - 1, rel=1e-10)
        assert result.conf_int[1] == np.inf
    else:
        assert result.conf_int[1] == pytest.approx(diff[1], rel=1e-10)
        assert result.conf_int[0] == -np.inf
    assert result.lift == pytest.approx((x_b / n_b) / (x_a / n_a) - 1, rel=1e-14)
    chi2 = stats.chi2_contingency([[x_a, n_a - x_a], [x_b, n_b - x_b]], correction=False)
    assert result.statistic ** 2 == pytest.approx(chi2.statistic, rel=1e-10)


def test_readings_state_what_a_p_value_is_and_never_what_it_is_not():
    results = [T.two_proportion_z_test(200, 2000, 250, 2000),
               T.two_proportion_z_test(200, 2000, 205, 2000),
               T.two_sample_t_test(A_SAMPLE, B_SAMPLE, alternative="greater"),
               T.fisher_exact_test([[8, 2], [1, 5]]),
               T.binomial_test(7, 20),
               T.chi2_independence_test([[10, 20], [30, 5]])]
    for result in results:
        reading = result.reading
        assert not FORBIDDEN.search(reading), reading
        assert f"p = {result.pvalue:.2g}" in reading and "if the true value were" in reading
        if result.pvalue < 0.05:
            assert "below alpha = 0.05" in reading and result.significant()
        else:
            assert "cannot rule out" in reading and not result.significant()
        assert result.reading_at(1e-9) != reading or result.pvalue < 1e-9
        assert not FORBIDDEN.search(str(result))
    assert not FORBIDDEN.search(T.bayesian_ab_test(10, 100, 20, 100).reading)


# -- design: power and sample size --------------------------------------------------------------

DESIGNS = [(0.10, 0.02, 1.0, "two-sided"), (0.03, 0.006, 1.0, "greater"),
           (0.5, -0.05, 2.0, "two-sided"), (0.2, -0.04, 0.5, "less"), (0.05, 0.01, 3.0,
                                                                        "two-sided")]


@pytest.mark.parametrize("baseline, mde, ratio, alternative", DESIGNS)
def test_design_agrees_with_statsmodels_whichever_value_is_solved(baseline, mde, ratio,
                                                                  alternative):
    power_analysis = NormalIndPower()
    sm_alternative = {"greater": "larger", "less": "smaller"}.get(alternative, alternative)
    h = sm_prop.proportion_effectsize(baseline + mde, baseline)
    design = T.ab_test_design(baseline, mde, ratio=ratio, alternative=alternative,
                              alpha=0.05, power=0.8)
    assert design.effect_size == pytest.approx(h, rel=1e-12)
    # For two-sided tests statsmodels wants |h|; the far tail makes it symmetric.
    h_sm = abs(h) if alternative == "two-sided" else h
    expected_n = power_analysis.solve_power(h_sm, None, 0.05, 0.8, ratio, sm_alternative)
    assert design.n_per_arm == pytest.approx(expected_n, rel=1e-6)
    assert power_analysis.power(h_sm, design.n_per_arm, 0.05, ratio,
                                sm_alternative) == pytest.approx(0.8, rel=1e-12)
    assert design.n_a == int(np.ceil(design.n_per_arm))
    assert design.n_b == int(np.ceil(ratio * design.n_per_arm))

    n = 0.6 * design.n_per_arm
    power = T.ab_test_design(baseline, mde, n_per_arm=n, power=None, ratio=ratio,
                             alternative=alternative).power
    assert power == pytest.approx(power_analysis.power(h_sm, n, 0.05, ratio, sm_alternative),
                                  rel=1e-12)
    alpha = T.ab_test_design(baseline, mde, n_per_arm=n, alpha=None, power=0.8, ratio=ratio,
                             alternative=alternative).alpha
    assert alpha == pytest.approx(power_analysis.solve_power(h_sm, n, None, 0.8, ratio,
                                                             sm_alternative), rel=1e-6)
    assert power_analysis.power(h_sm, n, alpha, ratio, sm_alternative) == pytest.approx(
        0.8, rel=1e-12)
    solved = T.ab_test_design(baseline, None, n_per_arm=n, ratio=ratio,
                              alternative=alternative)
    # statsmodels' own power at our effect size is 0.8 to 1e-10; its solver for the effect
    # size stops earlier (about 1e-5 relative here), so its answer is compared more loosely.
    h_ours = solved.effect_size if alternative != "two-sided" else abs(solved.effect_size)
    assert power_analysis.power(h_ours, n, 0.05, ratio, sm_alternative) == pytest.approx(
        0.8, rel=1e-10)
    h_solved = power_analysis.solve_power(None, n, 0.05, 0.8, ratio, sm_alternative)
    assert abs(solved.effect_size) == pytest.approx(abs(h_solved), rel=1e-4)
    assert abs(solved.effect_size) > abs(h)        # fewer visitors: only larger effects
    assert solved.mde == pytest.approx(
        np.sin(np.arcsin(np.sqrt(baseline)) + solved.effect_size / 2) ** 2 - baseline,
        rel=1e-12)


@pytest.mark.parametrize("alpha", [1e-3, 1e-9, 2.220446049250313e-16])
def test_sample_size_at_tiny_alpha_agrees_with_statsmodels(alpha):
    """Where the far tail of the two-sided test is below rounding, the two-sided size is
    the one-sided formula to the last bit: the solver must not need a sign change."""
    design = T.ab_test_design(0.10, 0.02, alpha=alpha)
    h = proportion_effectsize(0.12, 0.10)
    expected = NormalIndPower().solve_power(h, alpha=alpha, power=0.8)
    assert design.n_per_arm == pytest.approx(expected, rel=1e-9)


def test_relative_mde_and_the_textbook_example():
    relative = T.ab_test_design(0.10, 0.20, relative=True)
    absolute = T.ab_test_design(0.10, 0.02)
    assert relative.n_per_arm == pytest.approx(absolute.n_per_arm, rel=1e-12)
    assert relative.variant_rate == pytest.approx(0.12)
    assert absolute.total == 2 * 3835


# -- Bayesian A/B ------------------------------------------------------------------------------

@pytest.mark.parametrize("posteriors", [
    (11, 91, 21, 81), (1 + 480, 1 + 9520, 1 + 530, 1 + 9470),
    (0.5 + 3, 0.5 + 37, 0.5 + 9, 0.5 + 29),
    (2.5, 7.0, 4, 9.5), (40, 60, 38, 62)])
def test_probability_b_beats_a_agrees_with_a_million_draws(posteriors):
    a_a, b_a, a_b, b_b = posteriors
    exact = T.probability_b_beats_a(*posteriors)
    draws = 10 ** 6
    rng = np.random.default_rng(7)
    wins = np.mean(rng.beta(a_b, b_b, draws) > rng.beta(a_a, b_a, draws))
    se = np.sqrt(exact * (1 - exact) / draws)
    assert abs(wins - exact) < 4 * se + 1e-12, (wins, exact, se)
    # The finite sum, its mirror image and quadrature agree where they all apply.
    quadrature = _by_quadrature(*map(float, posteriors))
    assert exact == pytest.approx(quadrature, abs=1e-12)
    assert exact + T.probability_b_beats_a(a_b, b_b, a_a, b_a) == pytest.approx(1, abs=1e-12)


def _finite_sum_in_50_digits(alpha_a, beta_a, alpha_b, beta_b):
    """P(p_B > p_A) for whole alpha_b, every term from mpmath's Beta function."""
    with mpmath.workdps(50):
        a_a, b_a, b_b = map(mpmath.mpf, (alpha_a, beta_a, beta_b))
        return float(mpmath.fsum(
            mpmath.beta(a_a + i, b_a + b_b)
            / ((b_b + i) * mpmath.beta(1 + i, b_b) * mpmath.beta(a_a, b_a))
            for i in range(int(alpha_b))))


def _extreme_beta_parameters(seed, count, largest=15):
    """Shapes from 1e-6 to 10**largest (mass within 1e-10^6 of an end, or a point mass),
    pairs of nearly equal posteriors, where P(B > A) is neither 0 nor 1, and rare
    events (a thousand successes in a billion trials)."""
    rng = np.random.default_rng(seed)
    for k in range(count):
        alpha_a, beta_a, beta_b = 10.0 ** rng.uniform(-6, largest, 3)
        alpha_b = float(rng.integers(1, 60))
        if k % 3 == 0:
            alpha_a = alpha_b * 10.0 ** rng.uniform(-1, 1)
            beta_b = beta_a * 10.0 ** rng.uniform(-0.1, 0.1)
        elif k % 3 == 1:
            alpha_b = float(rng.integers(100, 1000))
            alpha_a = alpha_b * 10.0 ** rng.uniform(-0.05, 0.05)
            beta_a = 10.0 ** rng.uniform(6, min(largest, 9.5))
            beta_b = beta_a * 10.0 ** rng.uniform(-0.05, 0.05)
        yield alpha_a, beta_a, alpha_b, beta_b


@pytest.mark.parametrize("route", ["sum", "quadrature"])
def test_probability_b_beats_a_keeps_12_digits_for_extreme_shapes(route):
    """Both routes against a 50-digit oracle (quadrature never uses whole alpha_b)."""
    compute = T.probability_b_beats_a if route == "sum" else _by_quadrature
    largest = 14.9 if route == "sum" else 9.7       # where SciPy's Beta CDF keeps 12 digits
    for parameters in _extreme_beta_parameters(8, 40, largest):
        assert compute(*parameters) == pytest.approx(_finite_sum_in_50_digits(*parameters),
                                                     abs=2e-12), parameters


def test_probability_b_beats_a_with_point_masses_and_one_sided_densities():
    # Beta(0.5, 1) has density x^(-1/2) / 2; Beta(1, b) survival (1 - x)^b: the integral
    # is B(1/2, b + 1) / 2 exactly.
    exact = float(mpmath.beta(0.5, 1e9 + 1) / 2)
    assert T.probability_b_beats_a(0.5, 1.0, 1.0, 1e9) == pytest.approx(exact, rel=1e-10)
    assert T.probability_b_beats_a(1.0, 1e9, 0.5, 1.0) == pytest.approx(1 - exact, rel=1e-12)
    # Beta(1e15, 0.5) sits within 1e-30 of 1: B beats it with probability ~0.
    assert T.probability_b_beats_a(1e15, 0.5, 1.0, 1.0) < 1e-15
    assert T.probability_b_beats_a(1.0, 1.0, 1e15, 0.5) == pytest.approx(1.0, abs=1e-15)
    # Equal point masses: any whole shape up to 1e6 gives the exact sum ...
    assert T.probability_b_beats_a(1e12, 7.0, 1e12, 7.0) == pytest.approx(0.5, abs=1e-15)
    # ... and with none, shapes past 1e10 are refused: SciPy's Beta CDF keeps 6 digits there.
    with pytest.raises(ValueError, match="needs one whole shape parameter up to 1,000,000"):
        T.probability_b_beats_a(1e12 + 0.5, 1e12 + 0.5, 1e12 + 0.5, 1e12 + 0.5)


def test_bayesian_ab_expected_loss_and_lift_interval_agree_with_sampling():
    result = T.bayesian_ab_test(48, 1000, 63, 1000, prior=(1, 1), level=0.9)
    assert result.posterior_a == (49.0, 953.0) and result.posterior_b == (64.0, 938.0)
    rng = np.random.default_rng(11)
    p_a, p_b = rng.beta(49, 953, 10 ** 6), rng.beta(64, 938, 10 ** 6)
    for exact, sample in [(result.expected_loss_a, np.maximum(p_b - p_a, 0)),
                          (result.expected_loss_b, np.maximum(p_a - p_b, 0))]:
        assert abs(exact - sample.mean()) < 4 * sample.std() / 1e3
    lift = np.quantile(p_b / p_a - 1, [0.05, 0.95])
    assert result.lift_credible_interval == pytest.approx(lift, abs=0.01)
    assert result.prob_b_beats_a == pytest.approx(np.mean(p_b > p_a), abs=4 * 0.5e-3)
    assert result.expected_loss_b < result.expected_loss_a


# -- the p-value as a random variable ------------------------------------------------------------

def test_p_values_are_uniform_under_the_null_and_power_is_their_share_below_alpha():
    null = T.simulate_pvalues(50, n_simulations=20_000, outcome="normal", rng=3)
    assert stats.kstest(null, "uniform").pvalue > 1e-3
    assert abs(np.mean(null < 0.05) - 0.05) < 4 * np.sqrt(0.05 * 0.95 / 20_000)
    alternative = T.simulate_pvalues(50, n_simulations=20_000, outcome="normal", effect=0.5,
                                     rng=4)
    power = TTestIndPower().power(0.5, 50, 0.05)
    assert abs(np.mean(alternative < 0.05) - power) < 4 * np.sqrt(power * (1 - power) / 20_000)
    conversions = T.simulate_pvalues(2000, n_simulations=20_000, baseline=0.1, rng=5)
    assert abs(np.mean(conversions < 0.05) - 0.05) < 4 * np.sqrt(0.05 * 0.95 / 20_000)


def test_peeking_inflates_the_false_positive_rate():
    result = T.simulate_peeking(5000, 10, n_simulations=20_000, rng=6)
    se_fixed, se_peeking = result.standard_errors
    assert abs(result.fixed_horizon_rate - 0.05) < 4 * se_fixed
    # Armitage, McPherson & Rowe (1969): 10 equally spaced looks at 0.05 reject 19.3% of nulls.
    assert abs(result.peeking_rate - 0.193) < 4 * se_peeking + 0.005
    assert np.all(np.diff(result.rejected_by_look) >= 0)
    assert result.looks.tolist() == list(range(500, 5001, 500))


# -- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, message", [
    (lambda: T.two_proportion_z_test(120, 100, 10, 100),
     r"successes_a \(120\) cannot exceed trials_a \(100\)"),
    (lambda: T.two_proportion_z_test(10, 100, -1, 100),
     "successes_b must be a whole number from 0"),
    (lambda: T.two_proportion_z_test(10, 100, 1.5, 100), "whole number"),
    (lambda: T.two_proportion_z_test(0, 100, 0, 100), "no conversions"),
    (lambda: T.two_proportion_z_test(10, 0, 1, 100), "trials_a must be > 0"),
    (lambda: T.bayesian_ab_test(11, 10, 1, 10), "cannot exceed trials"),
    (lambda: T.binomial_test(5, 4), "cannot exceed trials"),
    (lambda: T.ab_test_design(0.1, 0.02, alpha=1.5), r"alpha must be None or a number in \(0, 1\)"),
    (lambda: T.ab_test_design(0.1, 0.02, alpha=0.0), r"alpha must be None or a number in \(0, 1\)"),
    (lambda: T.ab_test_design(0.1, 0.02, power=1.0), r"power must be None or a number in \(0, 1\)"),
    (lambda: T.ab_test_design(0.1, 0.02, power=0.01), "must exceed alpha"),
    (lambda: T.ab_test_design(0.1, 0.0), "must be non-zero"),
    (lambda: T.ab_test_design(0.1, 0.95), "outside \\(0, 1\\)"),
    (lambda: T.ab_test_design(0.1, -0.02, alternative="greater"), "points the other way"),
    (lambda: T.ab_test_design(0.1, None, power=None), "mde, n_per_arm and power are all None"),
    (lambda: T.ab_test_design(0.1, 0.02, n_per_arm=100), "all four were given"),
    (lambda: T.ab_test_design(1.2, 0.02), "baseline must be a number in"),
    (lambda: T.ab_test_design(0.1, None, n_per_arm=1), "power below 0.8"),
    (lambda: T.one_sample_t_test([1.0, np.nan, 2.0]), "x contains NaN at index 1"),
    (lambda: T.one_sample_t_test([1.0]), "at least 2 observations"),
    (lambda: T.paired_t_test([1.0, 2.0], [1.0, 2.0, 3.0]), "same length"),
    (lambda: T.two_sample_t_test([1.0, 2.0], [1.0, 2.0], level=95), "level must be a number in"),
    (lambda: T.two_sample_t_test([1.0, 2.0], [1.0, 2.0], alternative="larger"),
     "alternative must be one of"),
    (lambda: T.fisher_exact_test([[1, 2, 3], [4, 5, 6]]), "must be 2 x 2"),
    (lambda: T.chi2_independence_test([[1, -2], [4, 5]]), "whole counts from 0"),
    (lambda: T.chi2_independence_test([[0, 0], [4, 5]]), "needs a count > 0"),
    (lambda: T.probability_b_beats_a(0, 1, 1, 1),
     r"alpha_a must be a number in \[1e-06, 1e\+15\]"),
    (lambda: T.simulate_pvalues(10, outcome="poisson"), "outcome must be"),
    (lambda: T.simulate_peeking(10, 20), "cannot exceed n_per_arm"),
])
def test_bad_input_gets_a_specific_error(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()
