"""Growth metrics against statsmodels intervals, brute-force counts and published fits."""

import numpy as np
import pytest
from scipy import optimize
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW
from statsmodels.tools.numdiff import approx_hess3

from probml import growth

HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]      # Fader & Hardie (2007), Table 1
REGULAR = [1000, 631, 468, 380, 326, 289, 262, 241]


@pytest.mark.parametrize("method, sm_method", [("wilson", "wilson"), ("exact", "beta"),
                                               ("jeffreys", "jeffreys")])
def test_conversion_rate_intervals_equal_statsmodels(method, sm_method):
    k = np.array([0, 1, 7, 45, 500, 999, 1000])
    n = np.array([50, 50, 80, 1000, 1000, 1000, 1000])
    result = growth.conversion_rate(k, n, method=method, level=0.9)
    low, high = proportion_confint(k, n, alpha=0.1, method=sm_method)
    if method == "jeffreys":       # Brown, Cai & DasGupta (2001) close the ends at 0 and 1
        low, high = np.where(k == 0, 0.0, low), np.where(k == n, 1.0, high)
    np.testing.assert_allclose(result.low, low, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(result.high, high, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(result.rate, k / n, rtol=1e-15)
    single = growth.conversion_rate(45, 1000, method=method)
    assert isinstance(single.rate, float) and single.low < 0.045 < single.high


def test_conversion_rate_from_outcomes():
    outcomes = np.r_[np.ones(12), np.zeros(88)]
    assert growth.conversion_rate(outcomes).conf_int == pytest.approx(
        proportion_confint(12, 100, method="wilson"), rel=1e-12)


def _random_log(seed, n_users=60, n_days=30):
    rng = np.random.default_rng(seed)
    users, days = [], []
    for user in range(n_users):
        engagement = rng.uniform(0.05, 0.9)
        active = np.flatnonzero(rng.uniform(size=n_days) < engagement)
        users += [user] * (2 * active.size)          # duplicate rows count once
        days += list(active) * 2
    return np.array(users), np.array(days)


def test_stickiness_equals_mean_dau_over_mau_with_the_users_t_interval():
    users, days = _random_log(0)
    result = growth.stickiness(users, days, window=(0, 29), level=0.9)
    per_day = [len({u for u, d in zip(users, days) if d == day}) for day in range(30)]
    active_users = sorted(set(users))
    assert result.dau.tolist() == per_day and result.mau == len(active_users)
    assert result.value == pytest.approx(np.mean(per_day) / len(active_users), rel=1e-14)
    shares = [len({d for u, d in zip(users, days) if u == user}) / 30 for user in active_users]
    assert (result.low, result.high) == pytest.approx(
        DescrStatsW(np.array(shares)).tconfint_mean(alpha=0.1), rel=1e-12)
    narrow = growth.stickiness(users, days, window=(10, 19))
    assert narrow.days.tolist() == list(range(10, 20)) and narrow.mau <= result.mau


def test_cohort_retention_table_equals_brute_force_counts():
    rng = np.random.default_rng(1)
    rows = []
    for user in range(300):
        signup = int(rng.integers(0, 6))
        rows.append((user, signup, signup))
        for period in range(signup + 1, 8):
            if rng.uniform() < 0.5 ** (period - signup) + 0.1:
                rows.append((user, signup, period))
    users, signups, actives = map(np.array, zip(*rows))
    table = growth.cohort_retention(users, signups, actives, level=0.9)
    assert table.cohorts.tolist() == list(range(6))
    for c, cohort in enumerate(table.cohorts):
        members = {u for u, s, _ in rows if s == cohort}
        assert table.sizes[c] == len(members)
        for k in range(table.active.shape[1]):
            if cohort + k > 7:
                assert table.active[c, k] == -1 and np.isnan(table.retention[c, k])
                continue
            count = len({u for u, s, a in rows if s == cohort and a - s == k})
            assert table.active[c, k] == count
            low, high = proportion_confint(count, len(members), alpha=0.1, method="wilson")
            assert (table.low[c, k], table.high[c, k]) == pytest.approx((low, high),
                                                                         rel=1e-9, abs=1e-14)
    assert np.all(table.retention[:, 0] == 1.0)
    assert table.survivors(0).tolist() == table.active[0].tolist()


def _sbg_loglik_by_recursion(alpha, beta, survivors):
    """Fader & Hardie's recursion: P(1) = a/(a+b), P(t) = (b+t-2)/(a+b+t-1) P(t-1)."""
    if alpha <= 0 or beta <= 0:
        return -np.inf
    probabilities, p = [], alpha / (alpha + beta)
    for t in range(1, len(survivors)):
        if t > 1:
            p *= (beta + t - 2) / (alpha + beta + t - 1)
        probabilities.append(p)
    churned = -np.diff(survivors)
    alive = 1 - np.sum(probabilities)
    return float(np.sum(churned * np.log(probabilities)) + survivors[-1] * np.log(alive))


@pytest.mark.parametrize("survivors, published", [(HIGH_END, (0.668, 3.806)),
                                                  (REGULAR, (0.704, 1.182))])
def test_sbg_fit_reproduces_fader_hardie_and_an_independent_optimum(survivors, published):
    fit = growth.fit_retention(survivors, "sbg")
    # The paper's table gives three decimals (its beta for "regular" rounds 1.1806 up).
    assert fit.params["alpha"] == pytest.approx(published[0], abs=6e-4)
    assert fit.params["beta"] == pytest.approx(published[1], abs=1.5e-3)
    counts = np.array(survivors, dtype=float)
    found = optimize.minimize(lambda x: -_sbg_loglik_by_recursion(*x, counts), [1.0, 1.0],
                              method="Nelder-Mead",
                              options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 5000})
    assert [fit.params["alpha"], fit.params["beta"]] == pytest.approx(found.x, rel=1e-5)
    assert fit.loglik == pytest.approx(-found.fun, rel=1e-12)
    covariance = np.linalg.inv(-approx_hess3(found.x, lambda x: _sbg_loglik_by_recursion(
        *x, counts)))
    assert [fit.bse["alpha"], fit.bse["beta"]] == pytest.approx(np.sqrt(np.diag(covariance)),
                                                                rel=1e-3)
    assert fit.conf_int["alpha"][0] < fit.params["alpha"] < fit.conf_int["alpha"][1]
    # The model's survival curve is the recursion's, and retention rises with tenure.
    np.testing.assert_allclose(fit.predict_survivors(7)[-1] / 1000,
                               1 - sum(np.exp(_cumulative_log_p(fit, 7))), rtol=1e-10)
    assert np.all(np.diff(fit.retention_rate(np.arange(1, 10))) > 0)


def _cumulative_log_p(fit, horizon):
    a, b = fit.params["alpha"], fit.params["beta"]
    p, out = a / (a + b), []
    for t in range(1, horizon + 1):
        if t > 1:
            p *= (b + t - 2) / (a + b + t - 1)
        out.append(np.log(p))
    return out


def test_geometric_fit_is_churn_over_exposure_with_binomial_standard_error():
    fit = growth.fit_retention(REGULAR, "geometric")
    counts = np.array(REGULAR, dtype=float)
    churned, stayed = counts[0] - counts[-1], counts[1:].sum()

    def loglik(theta):
        return churned * np.log(theta) + stayed * np.log1p(-theta)

    # The oracle is the root of the score equation found by Brent's method, whose
    # stopping rule (xtol 1e-300, rtol 4 eps) puts it within a few ulps of the
    # exact maximiser; a minimiser's rule (sqrt(eps) relative) would not.
    theta = optimize.brentq(lambda t: churned / t - stayed / (1 - t), 1e-9, 1 - 1e-9,
                            xtol=1e-300, rtol=4 * np.finfo(float).eps)
    assert fit.params["theta"] == pytest.approx(theta, rel=1e-13)
    information = churned / theta ** 2 + stayed / (1 - theta) ** 2
    assert fit.bse["theta"] == pytest.approx(information ** -0.5, rel=1e-12)
    assert fit.loglik == pytest.approx(loglik(theta), rel=1e-12)
    np.testing.assert_allclose(fit.survival([0, 1, 2]), (1 - fit.params["theta"]) ** np.arange(3))
    # Heterogeneous churn: the sBG fits the regular cohort far better (Fader & Hardie).
    assert growth.fit_retention(REGULAR).aic < fit.aic - 100


@pytest.mark.parametrize("call, message", [
    (lambda: growth.conversion_rate(11, 10), "cannot exceed trials"),
    (lambda: growth.conversion_rate(-1, 10), "successes must be whole numbers from 0"),
    (lambda: growth.conversion_rate(1, 0), "trials > 0"),
    (lambda: growth.conversion_rate([0, 1, 2]), "successes must be 0/1 outcomes"),
    (lambda: growth.conversion_rate(1, 10, method="wald"), "method must be"),
    (lambda: growth.conversion_rate(1, 10, level=1.0), "level must be a number in"),
    (lambda: growth.stickiness([1, 2], [0]), "same length"),
    (lambda: growth.stickiness([1, 2], [0, 1], window=(5, 9)), "no activity"),
    (lambda: growth.cohort_retention([1, 1], [0, 1], [1, 1]), "more than one signup period"),
    (lambda: growth.cohort_retention([1, 2], [1, 1], [0, 1]), "before their signup period"),
    (lambda: growth.fit_retention([100, 80, 90]), "cannot increase"),
    (lambda: growth.fit_retention([100, 80, -1]), "non-negative"),
    (lambda: growth.fit_retention([0, 0]), "empty"),
    (lambda: growth.fit_retention([100, 100, 100]), "no customer churned"),
    (lambda: growth.fit_retention([100]), "at least one later count"),
    (lambda: growth.fit_retention([100, 50], "weibull"), "model must be"),
])
def test_bad_input_gets_a_specific_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
