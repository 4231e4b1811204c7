"""fit_distribution against scipy.stats' maximum likelihood, with standard errors.

Oracles: ``scipy.stats.<family>.fit`` (location fixed at 0 where the family
has one, as probml's families do), polished by a tight Nelder-Mead on SciPy's
own log-density where SciPy's fit stops early (its Weibull shape solver and
its generic optimizer are accurate to about 1e-6); the standard errors are
compared with the inverse of a numeric Hessian of SciPy's log-likelihood;
the fitted distribution's moments with their closed forms in the fitted
parameters, and its log-density with the SymPy model's, point by point.
"""

import math
import warnings

import numpy as np
import pytest
import scipy.stats as st
import sympy as sp
from scipy.optimize import brentq, fsolve, minimize
from scipy.special import digamma, gamma as gamma_function

from probml import BoundaryMaximumWarning, ProbmlWarning
from probml.likelihood import (DISTRIBUTIONS, Model, distribution_model, fit_distribution,
                               likelihood_ratio_test)
from probml.likelihood.distributions import beta_shapes, gamma_shape, weibull_shape

from .oracles import numeric_hessian

SAMPLES = {
    "norm": (st.norm(3, 2), {}),
    "expon": (st.expon(scale=2), {"floc": 0}),
    "gamma": (st.gamma(2.5, scale=3), {"floc": 0}),
    "weibull_min": (st.weibull_min(1.7, scale=30), {"floc": 0}),
    "lognorm": (st.lognorm(0.7, scale=5), {"floc": 0}),
    "beta": (st.beta(2, 5), {"floc": 0, "fscale": 1}),
    "t": (st.t(4, 1, 2), {}),
    "poisson": (st.poisson(3.2), None),
    "geom": (st.geom(0.3), None),
    "nbinom": (st.nbinom(3, 0.4), None),
}
# What each family holds fixed, as scipy.stats' fit would with floc=0 (and fscale=1).
FIXED = {"norm": {}, "t": {}, "beta": {"loc": 0.0, "scale": 1.0}}


def sample(name, n=400, seed=5):
    return SAMPLES[name][0].rvs(n, random_state=np.random.default_rng(seed)).astype(float)


def scipy_loglik(name, x, params):
    """SciPy's log-likelihood at scipy.stats' full arguments."""
    dist = getattr(st, name)(*params)
    return np.sum(dist.logpmf(x) if hasattr(dist, "logpmf") else dist.logpdf(x))


def free(name, fit):
    """The estimated entries of a fit's parameters (the fixed ones left out)."""
    return np.array([v for k, v in zip(fit.param_names_, fit.params_)
                     if k not in fit.fixed_params_])


def oracle(name, x, fit):
    """SciPy's MLE of the estimated parameters: its own fit where it has one, then a
    tight Nelder-Mead polish of SciPy's log-likelihood."""
    _, fixed = SAMPLES[name]
    start = free(name, fit) * 1.01
    if fixed is not None:
        found = getattr(st, name).fit(x, **fixed)
        start = np.array([v for v, k in zip(found, fit.param_names_)
                          if k not in fit.fixed_params_])

    def negative(theta):
        value = -scipy_loglik(name, x, full(fit, theta))
        return value if np.isfinite(value) else 1e300
    polished = minimize(negative, start, method="Nelder-Mead",
                        options={"xatol": 1e-11, "fatol": 1e-12, "maxiter": 5_000,
                                 "maxfev": 5_000})
    return polished.x


def full(fit, theta):
    """scipy.stats' arguments with the estimated ones set to ``theta``."""
    values = iter(theta)
    return [fit.fixed_params_[k] if k in fit.fixed_params_ else next(values)
            for k in fit.param_names_]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_mle_and_standard_errors_match_scipy(name):
    x = sample(name)
    fit = fit_distribution(x, name)
    np.testing.assert_allclose(free(name, fit), oracle(name, x, fit), rtol=1e-6)

    H = numeric_hessian(lambda theta: scipy_loglik(name, x, full(fit, theta)), free(name, fit))
    estimated = [k not in fit.fixed_params_ for k in fit.param_names_]
    np.testing.assert_allclose(fit.bse_[estimated], np.sqrt(np.diag(np.linalg.inv(-H))),
                               rtol=1e-5)
    assert fit.loglik_ == pytest.approx(scipy_loglik(name, x, fit.params_), rel=1e-10)


# -- the fit in scipy.stats' terms (issue 31: params_ unpacked into the wrong distribution)

def scipy_arguments(name):
    """scipy.stats' own argument list of a family: its shapes, loc, and scale if continuous."""
    dist = getattr(st, name)
    shapes = [s.strip() for s in dist.shapes.split(",")] if dist.shapes else []
    return shapes + (["loc"] if isinstance(dist, st.rv_discrete) else ["loc", "scale"])


def moments(name, p):
    """The mean and variance of a family at its scipy.stats arguments, in closed form."""
    if name == "norm":
        return p["loc"], p["scale"] ** 2
    if name == "expon":
        return p["scale"], p["scale"] ** 2
    if name == "gamma":
        return p["a"] * p["scale"], p["a"] * p["scale"] ** 2
    if name == "weibull_min":
        g1, g2 = gamma_function(1 + 1 / p["c"]), gamma_function(1 + 2 / p["c"])
        return p["scale"] * g1, p["scale"] ** 2 * (g2 - g1 ** 2)
    if name == "lognorm":
        s2 = p["s"] ** 2
        return p["scale"] * math.exp(s2 / 2), p["scale"] ** 2 * math.expm1(s2) * math.exp(s2)
    if name == "beta":
        a, b = p["a"], p["b"]
        return a / (a + b), a * b / ((a + b) ** 2 * (a + b + 1))
    if name == "t":
        return p["loc"], p["scale"] ** 2 * p["df"] / (p["df"] - 2)
    if name == "poisson":
        return p["mu"], p["mu"]
    if name == "geom":
        return 1 / p["p"], (1 - p["p"]) / p["p"] ** 2
    n, q = p["n"], p["p"]
    return n * (1 - q) / q, n * (1 - q) / q ** 2


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_params_unpack_into_the_fitted_scipy_distribution(name):
    x = sample(name, n=300)
    fit = fit_distribution(x, name)
    assert fit.param_names_ == scipy_arguments(name)
    assert fit.fixed_params_ == FIXED.get(name, {"loc": 0.0})
    frozen = fit.frozen()
    unpacked = getattr(st, name)(*fit.params_)
    labelled = dict(zip(fit.param_names_, fit.params_))
    assert frozen.dist.name == name and frozen.args == tuple(fit.params_)
    mean, variance = moments(name, labelled)
    for dist in (frozen, unpacked):
        assert dist.mean() == pytest.approx(mean, rel=1e-12)
        assert dist.var() == pytest.approx(variance, rel=1e-10)
    # the log-density, point by point, is the SymPy model's at the estimates
    model = distribution_model(name)
    logpdf = sp.lambdify(model.data[0], model.logpdf.subs(
        {p.symbol: labelled[p.name] for p in model.parameters}), modules="scipy")
    density = frozen.logpmf(x) if hasattr(frozen, "logpmf") else frozen.logpdf(x)
    np.testing.assert_allclose(density, logpdf(x), rtol=1e-12, atol=1e-12)
    assert density.sum() == pytest.approx(fit.loglik_, rel=1e-12)


@pytest.mark.parametrize("name", ["expon", "gamma", "weibull_min", "lognorm", "beta"])
def test_the_fitted_distribution_is_scipys_own_fit(name):
    x = sample(name, n=300)
    fitted = fit_distribution(x, name).frozen()
    theirs = getattr(st, name)(*getattr(st, name).fit(x, **SAMPLES[name][1]))
    # SciPy's Weibull and beta fits stop at about 1e-7 of the maximum
    for moment in ("mean", "var"):
        assert getattr(fitted, moment)() == pytest.approx(getattr(theirs, moment)(), rel=1e-6)
    np.testing.assert_allclose(fitted.logpdf(x), theirs.logpdf(x), rtol=1e-6, atol=1e-6)


def test_a_gamma_fit_unpacks_with_its_scale_as_the_scale():
    """The issue's example: scipy.stats.gamma(*params_) had the scale in loc."""
    x = st.gamma(2.0, scale=3.7).rvs(1000, random_state=np.random.default_rng(3))
    fit = fit_distribution(x, "gamma")
    assert st.gamma(*fit.params_).mean() == pytest.approx(x.mean(), rel=1e-10)
    assert st.gamma(*fit.params_).args[1] == 0.0


def test_fixed_arguments_are_marked_constants():
    x = sample("beta", n=200)
    fit = fit_distribution(x, "beta")
    fixed = [2, 3]
    assert np.all(fit.bse_[fixed] == 0) and np.all(fit.cov_params_[fixed] == 0)
    assert np.all(fit.cov_params_[:, fixed] == 0)
    np.testing.assert_array_equal(fit.conf_int()[fixed], [[0.0, 0.0], [1.0, 1.0]])
    assert np.all(np.isnan(fit.tvalues_[fixed])) and np.all(np.isnan(fit.pvalues_[fixed]))
    assert np.all(np.isfinite(fit.pvalues_[:2]))
    assert fit.information_.shape == (2, 2)
    # the delta method on scipy.stats' arguments: the mean a / (a + b) of Beta(a, b)
    a, b = fit.params_[:2]
    gradient = np.array([b, -a, 0.0, 0.0]) / (a + b) ** 2
    numeric = numeric_hessian(lambda theta: scipy_loglik("beta", x, [*theta, 0.0, 1.0]),
                              fit.params_[:2])
    expected = gradient[:2] @ np.linalg.inv(-numeric) @ gradient[:2]
    assert gradient @ fit.cov_params_ @ gradient == pytest.approx(expected, rel=1e-5)
    text = str(fit.summary())
    assert "loc (fixed)" in text and "scale (fixed)" in text
    assert "floc=0, fscale=1" in text
    records = fit.summary().to_dict()["parameters"]
    assert [r["name"] for r in records] == ["a", "b", "loc (fixed)", "scale (fixed)"]
    assert "beta(a=" in repr(fit) and "loc=0, scale=1" in repr(fit)


def test_profile_intervals_cover_the_estimated_parameters():
    x = sample("expon", n=60)
    fit = fit_distribution(x, "expon")
    intervals = fit.conf_int(method="profile")
    np.testing.assert_array_equal(intervals[0], [0.0, 0.0])
    threshold = st.chi2.ppf(0.95, 1) / 2

    def drop(scale):
        return fit.loglik_ - scipy_loglik("expon", x, [0.0, scale]) - threshold
    scale = fit.params_[1]
    expected = [brentq(drop, scale / 10, scale), brentq(drop, scale, scale * 10)]
    np.testing.assert_allclose(intervals[1], expected, rtol=1e-8)


def test_the_likelihood_ratio_test_counts_estimated_parameters():
    x = sample("weibull_min", n=300) / 30
    weibull = fit_distribution(x, "weibull_min")
    t, rate = sp.Symbol("t"), sp.Symbol("r", positive=True)
    exponential = Model(sp.log(rate) - rate * t, data=t, support="positive").fit(x)
    test = likelihood_ratio_test(exponential, weibull)
    expected = 2 * (scipy_loglik("weibull_min", x, weibull.params_)
                    - st.expon(scale=x.mean()).logpdf(x).sum())
    assert test.df == 1 and test.statistic == pytest.approx(expected, rel=1e-10)
    assert test.pvalue == pytest.approx(st.chi2.sf(expected, 1), rel=1e-8)
    assert likelihood_ratio_test(fit_distribution(x, "expon"),
                                 fit_distribution(x, "gamma")).df == 1


def test_the_start_names_estimated_parameters():
    x = sample("gamma", n=50)
    fit = fit_distribution(x, "gamma", start={"a": 1.0, "scale": 1.0})
    np.testing.assert_allclose(fit.params_, fit_distribution(x, "gamma").params_, rtol=1e-9)
    with pytest.raises(TypeError, match=r"start must be a dict .* \['a', 'scale'\]"):
        fit_distribution(x, "gamma", start=[1.0, 1.0])
    with pytest.raises(ValueError, match=r"start names unknown parameters \['loc'\]"):
        fit_distribution(x, "gamma", start={"loc": 0.0})


def test_every_family_is_listed_and_named_as_in_scipy():
    assert set(DISTRIBUTIONS) == set(SAMPLES)
    assert fit_distribution([1.0, 2.0, 4.0], "weibull").param_names_ == ["c", "loc", "scale"]
    assert fit_distribution([0.2, 0.5, 0.7], "beta").param_names_ == ["a", "b", "loc",
                                                                       "scale"]


# -- the fast routes (issue 31: 14-18x slower than SciPy's fit of the same model) -----------

@pytest.mark.parametrize("name, statistics", [
    ("gamma", 2), ("beta", 2), ("poisson", 1), ("geom", 1), ("expon", 1), ("norm", 2),
    ("lognorm", 2)])
def test_families_with_sufficient_statistics_are_fitted_from_them(name, statistics):
    model = distribution_model(name)
    assert len(model.sufficient_statistics) == statistics
    x = sample(name, n=300, seed=6)
    fit = fit_distribution(x, name)
    assert fit.problem.sufficient
    # the per-observation pass (which the sandwich covariance uses) gives the same answer
    per_observation = fit.problem.scores(free(name, fit)) * (
        1.0 if fit.problem.weights is None else fit.problem.weights[:, None])
    assert np.all(np.abs(per_observation.sum(axis=0))
                  <= 1e-6 * np.sqrt(np.diag(fit.information_)))


def test_the_weibull_and_student_t_have_no_sufficient_statistics():
    assert distribution_model("weibull_min").sufficient_statistics is None
    assert distribution_model("t").sufficient_statistics is None


@pytest.mark.parametrize("name", ["norm", "expon", "gamma", "lognorm", "weibull_min",
                                  "beta", "poisson", "geom"])
def test_closed_forms_and_profile_roots_start_at_the_maximum(name):
    """Newton's method has nothing left to do: its first pass confirms the maximum."""
    assert fit_distribution(sample(name), name).n_iter_ == 0


def test_centred_statistics_keep_every_digit_far_from_zero():
    rng = np.random.default_rng(8)
    x = 1e9 + rng.standard_normal(500)
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # converged: no ConvergenceWarning at 1e9
        fit = fit_distribution(x, "norm")
    centred = x - np.mean(x)
    scale = math.sqrt(np.mean(centred ** 2))
    np.testing.assert_allclose(fit.params_, [np.mean(x) + np.mean(centred), scale],
                               rtol=1e-13)
    np.testing.assert_allclose(fit.bse_, [scale / math.sqrt(500), scale / math.sqrt(1000)],
                               rtol=1e-10)
    y = np.exp(40.0 + 0.3 * rng.standard_normal(500))
    lognormal = fit_distribution(y, "lognorm")
    logs = np.log(y)
    np.testing.assert_allclose(lognormal.params_[[0, 2]],
                               [np.std(logs), math.exp(np.mean(logs))], rtol=1e-12)
    # a user's normal model is fitted from the same statistics
    v, mu = sp.Symbol("v"), sp.Symbol("mu", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    model = Model(-sp.log(sigma) - (v - mu) ** 2 / (2 * sigma ** 2), data=v)
    assert model.sufficient_form is not None
    np.testing.assert_allclose(model.fit(x).params_, fit.params_, rtol=1e-13)


def test_profile_roots_solve_their_equations():
    for spread in (1e-6, 0.01, 0.3, 5.0, 300.0):
        expected = brentq(lambda a: math.log(a) - digamma(a) - spread, 1e-300, 1e12,
                          xtol=1e-300, rtol=1e-14)
        assert gamma_shape(spread) == pytest.approx(expected, rel=1e-9 if spread < 1e-3
                                                    else 1e-13)
    x = sample("weibull_min", n=300)
    logs = np.log(x)

    def profile(c):
        powers = x ** c
        return np.sum(powers * logs) / np.sum(powers) - 1 / c - logs.mean()
    shape, scale = weibull_shape(logs)
    assert shape == pytest.approx(brentq(profile, 0.1, 10, xtol=1e-14), rel=1e-12)
    assert scale == pytest.approx(np.mean(x ** shape) ** (1 / shape), rel=1e-12)
    for a, b in [(2.0, 5.0), (0.3, 0.2), (40.0, 3.0)]:
        y = st.beta(a, b).rvs(300, random_state=np.random.default_rng(3))
        means = np.mean(np.log(y)), np.mean(np.log1p(-y))

        def equations(shapes):
            total = digamma(shapes[0] + shapes[1])
            return [digamma(shapes[0]) - total - means[0], digamma(shapes[1]) - total - means[1]]
        expected = fsolve(equations, [a, b], xtol=1e-13)
        np.testing.assert_allclose(beta_shapes(*means), expected, rtol=1e-10)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_frequency_weights_count_observations(name):
    x = sample(name, n=40, seed=9)
    counts = np.random.default_rng(4).integers(0, 4, size=40)
    counts[0] = 1
    weighted = fit_distribution(x, name, sample_weight=counts)
    repeated = fit_distribution(np.repeat(x, counts), name)
    np.testing.assert_allclose(weighted.params_, repeated.params_, rtol=1e-7)
    np.testing.assert_allclose(weighted.bse_, repeated.bse_, rtol=1e-5)
    assert weighted.loglik_ == pytest.approx(repeated.loglik_, rel=1e-9)


@pytest.mark.parametrize("name", ["nbinom", "poisson"])
def test_counts_fitted_from_their_frequencies_match_every_observation(name):
    x = sample(name, n=300)
    fit = fit_distribution(x, name, cov_type="sandwich")
    assert len(fit.problem.arrays[0]) == len(np.unique(x))
    generic = distribution_model(name).fit(x, cov_type="sandwich")
    np.testing.assert_allclose(free(name, fit), generic.params_, rtol=1e-8)
    np.testing.assert_allclose(fit.bse_[:len(generic.bse_)], generic.bse_, rtol=1e-6)


@pytest.mark.parametrize("name, unit", [("gamma", 1e100), ("norm", 1e-100),
                                        ("weibull_min", 1e130), ("t", 1e-140),
                                        ("lognorm", 1e120), ("expon", 1e-120)])
def test_a_sample_in_other_units_gives_the_same_fit_in_those_units(name, unit):
    x = sample(name, n=200)
    base, fit = fit_distribution(x, name), fit_distribution(x * unit, name)
    scaled = np.array([unit if k in ("loc", "scale") else 1.0 for k in fit.param_names_])
    np.testing.assert_allclose(fit.params_, base.params_ * scaled, rtol=1e-9)
    np.testing.assert_allclose(fit.bse_, base.bse_ * scaled, rtol=1e-6)
    assert fit.loglik_ == pytest.approx(scipy_loglik(name, x * unit, fit.params_), rel=1e-9)
    np.testing.assert_allclose(fit.conf_int(method="profile")[-1],
                               base.conf_int(method="profile")[-1] * unit, rtol=1e-6)


# -- refused samples ------------------------------------------------------------------------

@pytest.mark.parametrize("name, x, message", [
    ("gamma", [1.0, -2.0], r"numbers > 0 .*x\[1\] = -2"),
    ("gamma", [1.0, 0.0, 2.0], r"numbers > 0 .*x\[1\] = 0"),
    ("lognorm", [0.0, 1.0], r"numbers > 0 .*x\[0\] = 0"),
    ("expon", [1.0, -1e-300], r"numbers >= 0 .*x\[1\]"),
    ("beta", [0.5, 1.0], r"numbers in \(0, 1\)"),
    ("poisson", [1, 2, -3], "counts"),
    ("geom", [0, 1], "counts 1, 2, 3"),
    ("nbinom", [1.5], "counts"),
    ("cauchy", [1.0], "family must be one of"),
    ("norm", [1.0, np.nan, 2.0], r"x contains NaN .* row 1"),
    ("gamma", [1.0, 2.0, np.inf], r"x contains inf at row 2"),
    ("lognorm", [1.0, 2.0, np.inf], r"x contains inf at row 2"),
    ("beta", [0.5, np.nan], r"x contains NaN .* row 1"),
    ("expon", [-np.inf, 1.0], r"x contains -inf at row 0"),
])
def test_data_outside_the_family_support_are_refused(name, x, message):
    with pytest.raises(ValueError, match=message):
        fit_distribution(x, name)


@pytest.mark.parametrize("name", ["norm", "gamma", "weibull_min", "lognorm", "beta", "t"])
@pytest.mark.parametrize("x", [[0.5], [0.5, 0.5, 0.5], [0.1] * 20])       # 0.1: log x rounds
def test_one_distinct_value_leaves_no_maximum(name, x):
    with pytest.raises(ValueError, match="x holds one distinct value"):
        fit_distribution(x, name)
    with pytest.raises(ValueError, match=r"x holds one distinct value \(0\)"):
        fit_distribution([0.0, 0.0], "expon")    # a density 1/scale at 0, without bound


@pytest.mark.parametrize("name, x", [("poisson", [0.0, 0.0, 0.0]), ("geom", [1.0, 1.0])])
def test_a_supremum_at_the_edge_is_reported(name, x):
    """All zeros (a mean of 0), all ones (p = 1): the likelihood rises to a finite
    supremum at the edge of a domain."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = fit_distribution(x, name)
    assert caught and all(issubclass(w.category, ProbmlWarning) for w in caught)
    assert np.any(np.isnan(fit.bse_))


@pytest.mark.parametrize("name, x, message", [
    ("poisson", [1.0, 2.0 ** 60], r"counts up to 2\*\*53"),
    ("gamma", [1e300, 2e300], "x has values of magnitude"),
    ("norm", [1e-300, 3e-300], "x has values of magnitude"),
    ("expon", [1e-320, 3e-320], "x has values of magnitude"),
    ("t", [1e200, -1e200, 3e200], "x has values of magnitude"),
])
def test_samples_beyond_double_precision_are_refused(name, x, message):
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # and nothing leaks from NumPy or SciPy
        with pytest.raises(ValueError, match=message):
            fit_distribution(x, name)


@pytest.mark.parametrize("name, x", [
    ("norm", None), ("gamma", None), ("t", None), ("poisson", [0.0, 0.0, 0.0]),
    ("geom", [1.0, 1.0]), ("nbinom", None)])
@pytest.mark.parametrize("cov_type", ["observed", "sandwich"])
def test_the_fit_says_everything_and_its_inference_adds_no_warning(name, x, cov_type):
    """Standard errors, tests and the summary are computed on first read: what the fit
    warns of is warned of by the fit, and reading them, in any order, warns of nothing
    and gives what reading them first gave (the inverse of the observed information)."""
    x = sample(name) if x is None else x
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = fit_distribution(x, name, cov_type=cov_type)
    expected = [w.category for w in caught]
    again = fit_distribution(x, name, cov_type=cov_type) if not caught else None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        text = str(fit.summary())
        bse, cov = fit.bse_, fit.cov_params_
        fit.tvalues_, fit.pvalues_, fit.conf_int(), fit.frozen(), repr(fit)
    assert bool(expected) == bool(np.isnan(bse).any())
    if again is not None:                    # read in the other order
        np.testing.assert_array_equal(again.bse_, bse)
        np.testing.assert_array_equal(again.cov_params_, cov)
        assert str(again.summary()) == text
        estimated = [j for j, arg in enumerate(fit.param_names_) if arg not in fit.fixed_params_]
        if cov_type == "observed":
            np.testing.assert_allclose(cov[np.ix_(estimated, estimated)],
                                       np.linalg.inv(fit.information_), rtol=1e-12)


@pytest.mark.parametrize("name, limit, x", [
    ("t", "norm", np.random.default_rng(4).uniform(size=400)),            # kurtosis 1.8
    ("t", "norm", np.r_[-1.0, 1.0]),                                      # kurtosis 1
    ("nbinom", "poisson", np.random.default_rng(4).binomial(8, 0.4, 300)),  # variance < mean
    ("nbinom", "poisson", [2, 2, 2, 3])])
def test_a_family_without_a_maximum_returns_its_limit(name, limit, x):
    """A Student t on data no heavier-tailed than the normal, a negative binomial on counts
    not overdispersed: the likelihood rises along df -> inf (n -> inf) towards the normal's
    (the Poisson's) maximum, never reaching it (SciPy's log-likelihoods along the way), so
    the fit is that limit, equal to SciPy's, with the warning naming the cause."""
    with pytest.warns(BoundaryMaximumWarning, match="no maximum at a finite"):
        fit = fit_distribution(x, name)
    assert fit.family == limit and fit.limit_of_ == name
    assert f"The {name} fit asked for has no maximum" in str(fit.summary())
    x = np.asarray(x, dtype=float)
    if name == "t":
        np.testing.assert_allclose(fit.params_, st.norm.fit(x), rtol=1e-12)
        supremum = st.norm.logpdf(x, *fit.params_).sum()
        along = [st.t.logpdf(x, df, *fit.params_).sum() for df in (1e1, 1e2, 1e3, 1e4)]
    else:
        np.testing.assert_allclose(fit.params_[0], x.mean(), rtol=1e-12)
        supremum = st.poisson.logpmf(x, x.mean()).sum()
        along = [st.nbinom.logpmf(x, n, n / (n + x.mean())).sum() for n in (1e1, 1e2, 1e3)]
    assert np.all(np.diff(along) > 0) and along[-1] < supremum
    assert fit.loglik_ == pytest.approx(supremum, rel=1e-12)


def test_a_heavier_tailed_sample_keeps_its_t():
    x = np.random.default_rng(5).standard_t(5, size=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_distribution(x, "t")
    assert fit.family == "t" and fit.limit_of_ is None
    np.testing.assert_allclose(fit.params_, st.t.fit(x), rtol=1e-4)   # SciPy's optimizer


def test_a_warning_names_the_callers_line():
    """Normal data leave the Student t's df rising to infinity."""
    x = np.random.default_rng(8).standard_normal(500)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit_distribution(x, "t")
    assert caught and all(w.filename == __file__ for w in caught)
