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


# -- multi-touch attribution ---------------------------------------------------------------

def _journeys(seed=0, n=60):
    """Touchpoint rows (journey, channel, time) of simulated journeys, and the converters."""
    rng = np.random.default_rng(seed)
    channels = np.array(["display", "email", "search", "social", "direct"])
    ids, touches, times = [], [], []
    for j in range(n):
        m = rng.integers(1, 6)
        ids += [f"u{j}"] * m
        touches += list(rng.choice(channels, m))
        times += list(np.sort(rng.uniform(0, 30, m)))
    converted = [f"u{j}" for j in range(n) if rng.random() < 0.4]
    values = rng.uniform(1, 10, len(converted))
    return np.array(ids), np.array(touches), np.array(times), converted, values


def _by_hand(ids, touches, times, converted, values, weights):
    """Credit per channel, journey by journey, from per-journey weight lists."""
    credit = {}
    for journey, value in zip(converted, values):
        rows = [k for k in range(len(ids)) if ids[k] == journey]
        rows.sort(key=lambda k: times[k])
        for k, w in zip(rows, weights([touches[k] for k in rows], [times[k] for k in rows])):
            credit[touches[k]] = credit.get(touches[k], 0.0) + value * w
    return credit


def _position(path, _):
    m = len(path)
    if m <= 2:
        return [1.0 / m] * m
    return [0.4] + [0.2 / (m - 2)] * (m - 2) + [0.4]


@pytest.mark.parametrize("model, weights", [
    ("first_touch", lambda path, t: [1.0] + [0.0] * (len(path) - 1)),
    ("last_touch", lambda path, t: [0.0] * (len(path) - 1) + [1.0]),
    ("linear", lambda path, t: [1.0 / len(path)] * len(path)),
    ("time_decay", lambda path, t: [2 ** (-(t[-1] - s) / 7.0)
                                    / sum(2 ** (-(t[-1] - u) / 7.0) for u in t) for s in t]),
    ("position", _position),
])
def test_rule_based_attribution_matches_the_rules_written_out(model, weights):
    ids, touches, times, converted, values = _journeys()
    shuffled = np.random.default_rng(1).permutation(len(ids))    # times put rows in order
    result = growth.attribution(ids[shuffled], touches[shuffled], converted, values=values,
                                times=times[shuffled], model=model)
    expected = _by_hand(ids, touches, times, converted, values, weights)
    assert result.as_dict() == pytest.approx({c: expected.get(c, 0.0)
                                              for c in result.channels}, rel=1e-12)
    assert result.credit.sum() == pytest.approx(values.sum(), rel=1e-13)
    assert result.total == pytest.approx(values.sum(), rel=1e-15)


def _shapley_by_enumeration(ids, touches, converted, values):
    """Shapley values of v(S) = the conversions whose channels all lie in S, by summing
    over every coalition (the definition, with its factorial weights)."""
    from itertools import combinations
    from math import factorial

    players = sorted(set(touches))
    sets = [(frozenset(touches[ids == j]), v) for j, v in zip(converted, values)]

    def worth(coalition):
        return sum(v for channels, v in sets if channels <= coalition)
    n = len(players)
    out = {}
    for player in players:
        others = [p for p in players if p != player]
        out[player] = sum(factorial(size) * factorial(n - size - 1) / factorial(n)
                          * (worth(frozenset(S) | {player}) - worth(frozenset(S)))
                          for size in range(n) for S in combinations(others, size))
    return out


def test_shapley_attribution_equals_the_shapley_values_by_enumeration():
    ids, touches, times, converted, values = _journeys(seed=3, n=40)
    result = growth.attribution(ids, touches, converted, values=values, model="shapley")
    assert result.as_dict() == pytest.approx(
        _shapley_by_enumeration(ids, touches, converted, values), rel=1e-12)


def test_attribution_needs_clean_input():
    ids, touches = ["a", "a", "b"], ["x", "y", "x"]
    with pytest.raises(ValueError, match="model"):
        growth.attribution(ids, touches, ["a"], model="markov")
    with pytest.raises(ValueError, match="times"):
        growth.attribution(ids, touches, ["a"], model="time_decay")
    with pytest.raises(ValueError, match="no touchpoints"):
        growth.attribution(ids, touches, ["c"])
    with pytest.raises(ValueError, match="more than once"):
        growth.attribution(ids, touches, ["a", "a"])
    with pytest.raises(ValueError, match="values"):
        growth.attribution(ids, touches, ["a"], values=[-1.0])
    with pytest.raises(ValueError, match="position_shares"):
        growth.attribution(ids, touches, ["a"], model="position", position_shares=(0.7, 0.6))
    with pytest.raises(ValueError, match="same"):
        growth.attribution(ids, touches[:2], ["a"])


def test_growth_metrics_from_a_dask_event_table_equal_the_in_memory_ones():
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(11)
    n = 20_000
    users = rng.integers(0, 500, n)
    signup = users % 7
    events = pd.DataFrame({"user": np.char.add("u", users.astype(str)), "signup": signup,
                           "day": signup + rng.integers(0, 10, n),
                           "bought": (rng.random(n) < 0.1).astype(int)})
    for partitions in (1, 7, 150):
        lazy = dd.from_pandas(events, npartitions=partitions)
        for window in (None, (3, 9)):
            got, want = (growth.stickiness(table.user, table.day, window=window)
                         for table in (lazy, events))
            assert (got.value, got.low, got.high, got.mau) == (want.value, want.low, want.high,
                                                               want.mau)
            np.testing.assert_array_equal(got.dau, want.dau)
        got, want = (growth.cohort_retention(table.user, table.signup, table.day)
                     for table in (lazy, events))
        np.testing.assert_array_equal(got.active, want.active)
        np.testing.assert_array_equal(got.sizes, want.sizes)
        np.testing.assert_allclose(got.low, want.low, rtol=1e-15, equal_nan=True)
        assert growth.conversion_rate(lazy.bought) == growth.conversion_rate(events.bought)
    outcomes = da.from_array(events.bought.to_numpy(), chunks=3_000)
    assert growth.conversion_rate(outcomes) == growth.conversion_rate(events.bought.to_numpy())
    # Bad values are named as in memory; columns of different frames are refused.
    bad = events.assign(bought=events.bought.where(events.index != 12_345, 2))
    with pytest.raises(ValueError, match="successes must be 0/1 outcomes"):
        growth.conversion_rate(dd.from_pandas(bad, npartitions=4).bought)
    twice = events.assign(signup=np.where(events.index == 17, 99, events.signup))
    with pytest.raises(ValueError, match="more than one signup period"):
        frame = dd.from_pandas(twice, npartitions=4)
        growth.cohort_retention(frame.user, frame.signup, frame.day)
    # Every event is checked, also those outside the window (which are then left out).
    missing = events.assign(day=np.where(events.index == 19_000, np.nan, events.day))
    with pytest.raises(ValueError, match="days"):
        frame = dd.from_pandas(missing, npartitions=4)
        growth.stickiness(frame.user, frame.day, window=(3, 4))
    with pytest.raises(ValueError, match="no activity in the window 200..300"):
        frame = dd.from_pandas(events, npartitions=4)
        growth.stickiness(frame.user, frame.day, window=(200, 300))
    with pytest.raises(ValueError, match="same partitions"):
        growth.stickiness(dd.from_pandas(events, npartitions=3).user,
                   dd.from_pandas(events, npartitions=4).day)
    with pytest.raises(ValueError, match="days must be a Dask collection like user_ids"):
        growth.stickiness(dd.from_pandas(events, npartitions=3).user, events.day)
