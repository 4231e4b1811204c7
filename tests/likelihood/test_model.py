"""The likelihood engine on models a user writes: derivation, fit, inference, errors.

Oracles: SymPy for the closed forms (compared with the textbook formula, for
general n), SciPy's distributions and optimizers for fits and intervals,
statsmodels for regression covariances.
"""

import math
import warnings

import numpy as np
import pytest
import scipy.stats as st
import sympy as sp
from scipy.optimize import brentq, minimize

from probml import BoundaryMaximumWarning, FlatLikelihoodWarning
from probml.likelihood import Model, likelihood_ratio_test
from probml.likelihood.symbolic import INDEX, N

from .oracles import numeric_hessian

x, y = sp.Symbol("x"), sp.Symbol("y")
mu = sp.Symbol("mu", real=True)
sigma, lam, k = (sp.Symbol(name, positive=True) for name in ("sigma", "lambda", "k"))
p = sp.Symbol("p")
X_i = sp.IndexedBase("x")[INDEX]


def total(expr):
    return sp.Sum(expr, (INDEX, 1, N))


def normal():
    return Model(-sp.log(sigma) - sp.log(2 * sp.pi) / 2 - (x - mu) ** 2 / (2 * sigma ** 2),
                 data=x, params=[mu, sigma], support="real", name="normal")


def poisson():
    return Model(x * sp.log(lam) - lam - sp.log(sp.factorial(x)), data=x, support="counts",
                 name="Poisson")


def bernoulli():
    return Model(x * sp.log(p) + (1 - x) * sp.log(1 - p), data=x, params={p: "unit"},
                 support="binary", name="Bernoulli")


def exponential():
    return Model(sp.log(lam) - lam * x, data=x, support="positive", name="exponential")


def geometric():
    return Model(sp.log(p) + (x - 1) * sp.log(1 - p), data=x, params={p: "unit"},
                 support="positive counts", name="geometric")


def weibull():
    return Model(sp.log(k) - sp.log(lam) + (k - 1) * sp.log(x / lam) - (x / lam) ** k, data=x,
                 params=[k, lam], support="positive", name="Weibull")


# -- the derivation: closed forms for general n, as a textbook writes them -------------

TEXTBOOK = {
    "normal": {"mu": total(X_i) / N,
               "sigma": sp.sqrt(total((X_i - total(X_i) / N) ** 2) / N)},
    "Poisson": {"lambda": total(X_i) / N},
    "Bernoulli": {"p": total(X_i) / N},
    "exponential": {"lambda": N / total(X_i)},
    "geometric": {"p": N / total(X_i)},
}


@pytest.mark.parametrize("make", [normal, poisson, bernoulli, exponential, geometric])
def test_the_closed_form_mle_is_the_textbook_formula_for_general_n(make):
    model = make()
    results = model.derive().results
    for name, expected in TEXTBOOK[model.name].items():
        derived = results[f"mle_{name}"]
        assert derived.has(sp.Sum) and not derived.has(sp.Symbol("x1"))
        assert sp.simplify(derived - expected) == 0, (name, derived)
        # and the same for a concrete sample size, written out
        for n in (2, 5):
            values = {sp.IndexedBase("x")[i]: sp.Rational(3 * i + 1, 7) for i in range(1, n + 1)}
            left = derived.subs(N, n).doit().subs(values)
            right = expected.subs(N, n).doit().subs(values)
            assert sp.simplify(left - right) == 0


def test_the_weibull_shape_has_no_closed_form_and_says_so():
    derivation = weibull().derive()
    assert not any(key.startswith("mle_") for key in derivation.results)
    assert "no closed-form solution" in derivation.to_markdown()


@pytest.mark.parametrize("make, expected", [
    (normal, sp.Matrix([[1 / sigma ** 2, 0], [0, 2 / sigma ** 2]])),
    (poisson, sp.Matrix([[1 / lam]])),
    (bernoulli, sp.Matrix([[1 / (p * (1 - p))]])),
    (exponential, sp.Matrix([[1 / lam ** 2]])),
    (geometric, sp.Matrix([[1 / (p ** 2 * (1 - p))]])),
])
def test_the_fisher_information_per_observation(make, expected):
    derived = make().derive().results["expected_information"]
    assert sp.simplify(derived - expected) == sp.zeros(*expected.shape)


@pytest.mark.parametrize("make", [normal, poisson, bernoulli, exponential, geometric, weibull])
def test_every_derivation_verifies_three_ways(make):
    report = make().verify()
    assert report.passed, report


def test_a_wrong_score_fails_the_symbolic_check():
    derivation = poisson().derive()
    derivation.results["score_lambda"] = derivation.results["score_lambda"] + 1 / lam
    assert not derivation.verify().symbolic.passed


def test_the_page_writes_the_sums_and_the_estimate():
    page = poisson().derive().to_markdown()
    assert r"\sum_{i=1}^{n}" in page
    assert r"\hat{\lambda}" in page


# -- the fit against SciPy ----------------------------------------------------------------

def test_weibull_fit_matches_scipy_and_a_numeric_hessian():
    data = st.weibull_min(1.7, scale=30).rvs(400, random_state=np.random.default_rng(1))
    fit = weibull().fit(data)

    def negative(theta):
        return -st.weibull_min.logpdf(data, theta[0], scale=theta[1]).sum()
    oracle = minimize(negative, [1.0, 20.0], method="Nelder-Mead",
                      options={"xatol": 1e-12, "fatol": 1e-13, "maxiter": 20_000}).x
    np.testing.assert_allclose(fit.params_, oracle, rtol=1e-7)
    assert fit.loglik_ == pytest.approx(-negative(fit.params_), rel=1e-12)
    H = numeric_hessian(lambda t: -negative(t), fit.params_)
    np.testing.assert_allclose(fit.bse_, np.sqrt(np.diag(np.linalg.inv(-H))), rtol=1e-6)
    assert fit.aic_ == pytest.approx(2 * negative(fit.params_) + 4, rel=1e-12)


def test_profile_interval_matches_a_brute_force_profile():
    data = st.weibull_min(1.7, scale=30).rvs(40, random_state=np.random.default_rng(2))
    fit = weibull().fit(data)
    best = fit.loglik_
    threshold = st.chi2.ppf(0.95, 1) / 2

    def profile(shape):
        return -minimize(lambda s: -st.weibull_min.logpdf(data, shape, scale=s[0]).sum(),
                         [fit.params_[1]], method="Nelder-Mead",
                         options={"xatol": 1e-11, "fatol": 1e-13}).fun
    low = brentq(lambda c: best - profile(c) - threshold, 0.5, fit.params_[0])
    high = brentq(lambda c: best - profile(c) - threshold, fit.params_[0], 5.0)
    interval = fit.conf_int(method="profile")
    np.testing.assert_allclose(interval[0], [low, high], rtol=1e-6)
    wald = fit.conf_int()
    assert wald[0, 0] < fit.params_[0] < wald[0, 1]
    assert not np.allclose(wald[0], interval[0], rtol=1e-3)     # the profile is asymmetric


def test_map_and_laplace_against_scipy_on_the_posterior():
    data = np.array([2, 4, 3, 5, 1, 0, 2, 3], dtype=float)
    prior = st.gamma(2.0, scale=1.5)
    model = Model(x * sp.log(lam) - lam - sp.log(sp.factorial(x)), data=x, support="counts",
                  prior={lam: prior}, name="Poisson with a gamma prior")
    fit = model.fit(data, method="map")
    # Gamma-Poisson conjugacy: the posterior is Gamma(2 + sum x, rate 1/1.5 + n), its mode
    shape, rate = 2.0 + data.sum(), 1 / 1.5 + len(data)
    assert fit.params_[0] == pytest.approx((shape - 1) / rate, rel=1e-9)
    # Laplace: the curvature of the log posterior at the mode
    assert fit.posterior_cov_[0, 0] == pytest.approx((shape - 1) / rate ** 2, rel=1e-6)
    low, high = fit.credible_interval(0.9)[0]
    half = st.norm.ppf(0.95) * math.sqrt((shape - 1) / rate ** 2)
    assert (low, high) == pytest.approx(((shape - 1) / rate - half, (shape - 1) / rate + half),
                                        rel=1e-6)


def test_a_sympy_prior_gives_the_same_map_as_the_scipy_one():
    data = np.array([2, 4, 3, 5, 1, 0, 2, 3], dtype=float)
    sympy_prior = sp.log(lam) - lam / 1.5           # Gamma(2, scale 1.5) up to a constant
    a = Model(x * sp.log(lam) - lam - sp.log(sp.factorial(x)), data=x, support="counts",
              prior={lam: sympy_prior}).fit(data, method="map")
    b = Model(x * sp.log(lam) - lam - sp.log(sp.factorial(x)), data=x, support="counts",
              prior={lam: st.gamma(2.0, scale=1.5)}).fit(data, method="map")
    assert a.params_[0] == pytest.approx(b.params_[0], rel=1e-10)


def test_frequency_weights_equal_repeated_rows():
    rng = np.random.default_rng(3)
    data = rng.gamma(2.0, 3.0, 50)
    weights = rng.integers(1, 4, 50)
    weighted = weibull().fit(data, sample_weight=weights)
    repeated = weibull().fit(np.repeat(data, weights))
    np.testing.assert_allclose(weighted.params_, repeated.params_, rtol=1e-9)
    np.testing.assert_allclose(weighted.bse_, repeated.bse_, rtol=1e-7)
    assert weighted.loglik_ == pytest.approx(repeated.loglik_, rel=1e-12)


# -- regression through a link, against statsmodels ------------------------------------

def poisson_regression():
    rate = sp.Symbol("mu", positive=True)
    return Model(y * sp.log(rate) - rate - sp.log(sp.factorial(y)), data=y,
                 link={rate: "log"}, support="counts", name="Poisson regression")


def test_poisson_regression_covariances_match_statsmodels():
    sm = pytest.importorskip("statsmodels.api")
    data = sm.datasets.cpunish.load_pandas().data
    X = np.log(data[["INCOME", "PERPOVERTY", "PERBLACK"]].to_numpy())
    counts = data["EXECUTIONS"].to_numpy(float)
    reference = sm.GLM(counts, sm.add_constant(X), family=sm.families.Poisson())
    for cov_type, sm_cov in (("observed", "nonrobust"), ("expected", "nonrobust"),
                             ("sandwich", "HC0")):
        fit = poisson_regression().fit(counts, X=X, cov_type=cov_type)
        theirs = reference.fit(cov_type=sm_cov, tol=1e-13)
        np.testing.assert_allclose(fit.params_, theirs.params, rtol=1e-8)
        np.testing.assert_allclose(fit.bse_, theirs.bse, rtol=1e-8)
        assert fit.loglik_ == pytest.approx(theirs.llf, rel=1e-10)
    assert fit.param_names_ == ["intercept", "x0", "x1", "x2"]


def test_likelihood_ratio_test_between_nested_regressions():
    sm = pytest.importorskip("statsmodels.api")
    data = sm.datasets.cpunish.load_pandas().data
    X = np.log(data[["INCOME", "PERPOVERTY", "PERBLACK"]].to_numpy())
    counts = data["EXECUTIONS"].to_numpy(float)
    full = poisson_regression().fit(counts, X=X)
    restricted = poisson_regression().fit(counts, X=X[:, :1])
    test = full.lr_test(restricted)
    llf_full = sm.GLM(counts, sm.add_constant(X), family=sm.families.Poisson()).fit().llf
    llf_small = sm.GLM(counts, sm.add_constant(X[:, :1]),
                       family=sm.families.Poisson()).fit().llf
    assert test.statistic == pytest.approx(2 * (llf_full - llf_small), rel=1e-8)
    assert test.df == 2
    assert test.pvalue == pytest.approx(st.chi2.sf(test.statistic, 2), rel=1e-12)
    with pytest.raises(ValueError, match="more parameters"):
        likelihood_ratio_test(full, restricted)


# -- where the maximum does not exist ---------------------------------------------------

def test_all_zeros_is_a_boundary_maximum_and_is_named():
    with pytest.warns(BoundaryMaximumWarning, match="edge of the parameter space along p"):
        fit = bernoulli().fit(np.zeros(20))
    assert fit.params_[0] < 1e-8
    assert np.isnan(fit.bse_[0])


def test_a_parameter_the_data_cannot_separate_is_flat():
    a, b = sp.Symbol("a", real=True), sp.Symbol("b", real=True)
    model = Model(-(x - a * b) ** 2 / 2, data=x, params=[a, b], support="real")
    with pytest.warns(FlatLikelihoodWarning, match="a, b"):
        fit = model.fit(np.array([1.0, 2.0, 3.0]), start=[1.0, 1.5])
    assert np.all(np.isnan(fit.bse_))


def test_separated_classes_make_the_logit_likelihood_flat():
    q = sp.Symbol("q")
    model = Model(y * sp.log(q) + (1 - y) * sp.log(1 - q), data=y, params={q: "unit"},
                  link={q: "logit"}, support="binary")
    X = np.arange(10.0)[:, None]
    labels = (X[:, 0] > 4.5).astype(float)
    with pytest.warns((FlatLikelihoodWarning, BoundaryMaximumWarning)):
        fit = model.fit(labels, X=X)
    assert np.any(np.isnan(fit.bse_))


# -- bad input: each a clear error naming the problem -----------------------------------

@pytest.mark.parametrize("build, message", [
    (lambda: Model(-(x - mu) ** 2, data=x, params=[mu, sigma]), "sigma does not appear"),
    (lambda: Model(sp.log(mu) - x, data=x, params=[mu]), "not a real number"),
    (lambda: Model(-(x - mu) ** 2, data=y, params=[mu]), "data symbol y does not appear"),
    (lambda: Model("x**2", data=x), "SymPy expression"),
    (lambda: Model(-(x - mu) ** 2, data=x, params=[mu], support="integers"), "support"),
    (lambda: Model(-(x - mu) ** 2, data=x, params={mu: "sometimes"}), "domain of parameter"),
    (lambda: Model(-(x - mu) ** 2, data=x, params=[mu], link={mu: "sqrt"}), "link"),
    (lambda: Model(-(x - mu) ** 2 * sigma, data=x, params=[mu]), "neither data nor"),
])
def test_a_bad_model_is_refused_by_name(build, message):
    with pytest.raises((ValueError, TypeError), match=message):
        build()


@pytest.mark.parametrize("data, message", [
    ([1, 2, -1], r"counts 0, 1, 2, \.\.\. \(the support of the model\); x\[2\] = -1"),
    ([1, 2.5], r"x\[1\] = 2.5"),
    ([1, np.nan], "x contains NaN"),
    ([], "empty"),
    ([[1, 2]], "x must be 1-D"),
])
def test_data_outside_the_support_are_refused(data, message):
    with pytest.raises(ValueError, match=message):
        poisson().fit(data)


def test_fit_settings_are_checked():
    model = poisson()
    with pytest.raises(ValueError, match="method"):
        model.fit([1, 2], method="bayes")
    with pytest.raises(ValueError, match="needs a prior"):
        model.fit([1, 2], method="map")
    with pytest.raises(ValueError, match="cov_type"):
        model.fit([1, 2], cov_type="robust")
    with pytest.raises(ValueError, match="outside the domain"):
        model.fit([1, 2], start={"lambda": -1})
    with pytest.raises(ValueError, match="no linked parameter"):
        model.fit([1, 2], X=np.ones((2, 1)))
    with pytest.raises(ValueError, match="expected information"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            weibull().fit([1.0, 2.0, 3.5], cov_type="expected")
