"""The likelihood engine on models a user writes: derivation, fit, inference, errors.

Oracles: SymPy for the closed forms (compared with the textbook formula, for
general n), SciPy's distributions and optimizers for fits and intervals,
statsmodels for regression covariances.
"""

import functools
import math
import warnings

import numpy as np
import pytest
import scipy.stats as st
import sympy as sp
from scipy.optimize import brentq, minimize

from probml import BoundaryMaximumWarning, FlatLikelihoodWarning, ProbmlWarning
from probml.exceptions import UnboundedLikelihoodError
from probml.likelihood import (
    GLM,
    Model,
    NonlinearRegression,
    fit_distribution,
    likelihood_ratio_test,
)
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


def like(expected, derived):
    """``expected`` written in the symbols of ``derived``, matched by name: a
    derivation's data and parameters carry the assumptions the model declares (real,
    positive, a count, ...)."""
    bases = {str(base): base for base in derived.atoms(sp.IndexedBase)}
    expected = expected.replace(lambda e: isinstance(e, sp.Indexed) and str(e.base) in bases,
                                lambda e: bases[str(e.base)][e.indices])
    symbols = {s.name: s for s in derived.free_symbols if isinstance(s, sp.Symbol)}
    return expected.xreplace({s: symbols[s.name] for s in expected.free_symbols
                              if isinstance(s, sp.Symbol) and s.name in symbols})


@pytest.mark.parametrize("make", [normal, poisson, bernoulli, exponential, geometric])
def test_the_closed_form_mle_is_the_textbook_formula_for_general_n(make):
    model = make()
    results = model.derive().results
    for name, expected in TEXTBOOK[model.name].items():
        derived = results[f"mle_{name}"]
        assert derived.has(sp.Sum) and not derived.has(sp.Symbol("x1"))
        expected = like(expected, derived)
        assert sp.simplify(derived - expected) == 0, (name, derived)
        # and the same for a concrete sample size, written out
        base = next(iter(derived.atoms(sp.IndexedBase)))
        for n in (2, 5):
            values = {base[i]: sp.Rational(3 * i + 1, 7) for i in range(1, n + 1)}
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
    assert sp.simplify(derived - like(expected, derived)) == sp.zeros(*expected.shape)


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


# -- the page: simplified under the declared support and domains -------------------------

@pytest.mark.parametrize("support, logpdf, expected", [
    # a Poisson regression written by hand: log(exp(a0 + a1 y)) is a0 + a1 y for real data
    # and parameters
    ("counts", lambda a0, a1: x * sp.log(sp.exp(a0 + a1 * y)) - sp.exp(a0 + a1 * y)
     - sp.log(sp.factorial(x)),
     lambda a0, a1, x_i, y_i: x_i * (a0 + a1 * y_i) - sp.exp(a0 + a1 * y_i)
     - sp.log(sp.factorial(x_i))),
    ("real", lambda a0, a1: -(x - sp.log(sp.exp(a0 + a1 * y))) ** 2 / 2,
     lambda a0, a1, x_i, y_i: -(x_i - a0 - a1 * y_i) ** 2 / 2),
])
def test_the_page_simplifies_under_the_support_and_the_domains(support, logpdf, expected):
    """The issue's pages showed log(exp(a0 + a1 x_i)): SymPy keeps it unless it knows
    the data and the parameters are real, which the support and the domains say."""
    a0, a1 = sp.symbols("a0 a1")
    derivation = Model(logpdf(a0, a1), data=[x, y], params=[a0, a1], support=support).derive()
    summand = derivation.results["loglik"].function
    bases = {str(b): b for b in summand.atoms(sp.IndexedBase)}
    oracle = like(expected(a0, a1, bases["x"][INDEX], bases["y"][INDEX]), summand)
    assert sp.expand(summand - oracle) == 0
    assert not summand.has(sp.log(sp.exp(sp.Wild("u"))))
    assert r"\log{\left(e^{" not in derivation.to_markdown()


def test_the_information_sums_only_what_varies_with_the_observation():
    """The normal model's observed information, as a textbook writes it: a sum over
    i of a constant is n, taken out of the sum."""
    from probml.likelihood.derivation import symbolic
    J = symbolic(normal()).information
    teacher = sp.Matrix([
        [N / sigma ** 2, 2 * (total(X_i) - N * mu) / sigma ** 3],
        [2 * (total(X_i) - N * mu) / sigma ** 3,
         3 * total((X_i - mu) ** 2) / sigma ** 4 - N / sigma ** 2]])
    assert (J - like(teacher, J)).applyfunc(sp.expand) == sp.zeros(2, 2)
    for entry in J:
        for inner in entry.atoms(sp.Sum):
            assert all(term.has(INDEX) for term in sp.Add.make_args(inner.function)), entry


def test_common_factors_are_cancelled():
    """The Weibull score for the scale is k (sum_i (x_i/lambda)^k - n) / lambda, no
    longer than that (it was lambda^-k (-k lambda^k n + k sum_i x_i^k) / lambda)."""
    score = weibull().derive().results["score_lambda"]
    teacher = like(k * (total((X_i / lam) ** k) - N) / lam, score)
    assert sp.simplify(score - teacher) == 0
    assert sp.count_ops(score) <= sp.count_ops(teacher)


def test_the_page_writes_special_functions_and_the_sample_size_as_a_teacher_does():
    """log Gamma and psi rather than ``loggamma`` and ``polygamma``; the gamma's Fisher
    information for the scale is a / scale^2 (its closed form), not an unsimplified
    exp(-log Gamma(a)) Gamma(a + 1); and where a parameter is named n (the negative
    binomial's), the sample size is N."""
    from probml.likelihood import distribution_model
    gamma = distribution_model("gamma").derive()
    page = gamma.to_markdown()
    assert r"\psi\left(a\right)" in page and r"\log\Gamma\left(a\right)" in page
    assert "polygamma" not in page and "loggamma" not in page
    expected = gamma.results["expected_information"]
    shape, scale = sp.symbols("a scale", positive=True)
    assert expected[1, 1] == like(shape / scale ** 2, expected)
    page = distribution_model("nbinom").derive().to_markdown()
    assert r"\sum_{i=1}^{N}" in page and r"\frac{n N}{p}" in page
    assert r"\sum_{i=1}^{n}" not in page


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


def test_all_ones_is_a_boundary_maximum_too():
    """p-hat = 1 (the sample mean, on the bound of (0, 1)): the logit passes 37, where p
    rounds to 1, and the fit once stopped there silently with a finite standard error."""
    with pytest.warns(BoundaryMaximumWarning, match="edge of the parameter space along p"):
        fit = bernoulli().fit(np.ones(20))
    assert fit.params_[0] == pytest.approx(np.mean(np.ones(20)), abs=1e-8)
    assert np.isnan(fit.bse_[0])


def test_a_misspelt_parameter_is_named_as_unidentified_with_a_hint():
    """The issue's case: ``lam`` in one term and ``lamda`` in another made a second
    parameter, which enters only through a term free of the data."""
    lam_, lamda = sp.Symbol("lam", positive=True), sp.Symbol("lamda", positive=True)
    with pytest.raises(ValueError, match=r"lamda enters logpdf only through -lamda, which does "
                                         r"not involve the data \(x\)\. Did you mean lam\?"):
        Model(x * sp.log(lam_) - lamda - sp.log(sp.factorial(x)), data=x, support="counts")


def test_an_unidentified_parameter_with_a_prior_has_a_map_but_no_mle():
    """With a proper prior the posterior mode exists: here it is the closed form
    lamda = (a - 1)/(n + 1/scale) of a Gamma(a, scale) prior times exp(-n lamda), and
    lam-hat is the sample mean (a flat prior on it)."""
    lam_, lamda = sp.Symbol("lam", positive=True), sp.Symbol("lamda", positive=True)
    data = np.array([2.0, 4.0, 3.0, 5.0, 1.0, 0.0, 2.0])
    model = Model(x * sp.log(lam_) - lam_ - lamda - sp.log(sp.factorial(x)), data=x,
                  support="counts", prior={lamda: st.gamma(3.0, scale=0.5)})
    with pytest.raises(ValueError, match="lamda enters logpdf only through .*method='map'"):
        model.fit(data)
    fit = model.fit(data, method="map")
    np.testing.assert_allclose(fit.params_, [data.mean(), 2.0 / (len(data) + 2.0)], rtol=1e-9)


@pytest.mark.parametrize("logpdf, params, data, direction", [
    # a sign slip: +lam for -lam; the log-likelihood is sum(x) log(lam) + n lam
    (lambda: x * sp.log(lam) + lam - sp.log(sp.factorial(x)), None, [2.0, 4.0, 3.0, 0.0],
     "lambda → ∞"),
    # a second rate the data multiply: lamda * sum(x) with sum(x) > 0 has no maximum
    (lambda: x * sp.log(lam) - lam + k * x - sp.log(sp.factorial(x)), [lam, k],
     [2.0, 4.0, 3.0, 0.0], "k → ∞"),
    # a normal model whose scale term has the wrong sign: +log(sigma) - ..., rising as
    # sigma -> infinity like (n) log(sigma)
    (lambda: sp.log(sigma) - (x - mu) ** 2 / (2 * sigma ** 2), [mu, sigma],
     [1.0, 2.0, 4.0], "sigma → ∞"),
])
def test_an_unbounded_likelihood_is_an_error_naming_its_direction(logpdf, params, data,
                                                                   direction):
    """Each log-likelihood grows without bound along the named direction (in closed
    form: linearly in lambda, in k, and like n log(sigma)); the fit refuses instead of
    returning where Newton's method stopped."""
    model = Model(logpdf(), data=x, params=params,
                  support="counts" if params != [mu, sigma] else "real")
    with pytest.raises(UnboundedLikelihoodError, match=f"grows without bound as .*{direction}"):
        model.fit(np.array(data))


def test_an_unbounded_regression_names_the_combination_of_coefficients():
    """A log-density linear in the linear predictor, y * eta, has no maximum: the
    log-likelihood is g'beta with g = [sum y, sum x y], so it rises along any direction
    u with g'u > 0; the error names such a direction of the coefficients."""
    m = sp.Symbol("m")
    rng = np.random.default_rng(4)
    X, values = rng.standard_normal((20, 1)), rng.standard_normal(20)
    with pytest.raises(UnboundedLikelihoodError, match="intercept → .*x0 → ") as refused:
        Model(y * m, data=y, params=[m], link={m: "identity"}).fit(values, X=X)
    direction = refused.value.direction
    assert set(direction) == {"intercept", "x0"}
    gradient = np.array([values.sum(), X[:, 0] @ values])
    assert gradient @ [direction["intercept"], direction["x0"]] > 0


def test_names_one_or_two_edits_apart_get_a_hint():
    from probml._validation import edit_distance
    # known distances (optimal string alignment): a swap of neighbours is one edit
    pairs = [("kitten", "sitting"), ("ab", "ba"), ("ca", "abc"), ("", "lam"), ("lam", "lamda")]
    assert [edit_distance(a, b) for a, b in pairs] == [3, 1, 3, 3, 2]
    model = poisson()
    with pytest.raises(ValueError, match=r"Did you mean lambda\?"):
        model.fit([1.0, 2.0], start={"lamda": 1.0})
    with pytest.raises(ValueError, match=r"Did you mean lambda\?"):
        Model(x * sp.log(lam) - lam, data=x, prior={sp.Symbol("lamba"): st.gamma(2.0)})
    with pytest.raises(ValueError, match=r"neither data nor parameters: \['lamda'\]\. .*"
                                         r"Did you mean lambda\?"):
        Model(x * sp.log(lam) - sp.Symbol("lamda"), data=x, params=[lam])
    with pytest.raises(ValueError) as refused:      # one letter against another: no hint
        Model(x * sp.log(lam) - sp.Symbol("a") * x - sp.Symbol("b"), data=x)
    assert "Did you mean" not in str(refused.value)


def test_two_symbols_of_one_name_are_refused():
    plain = sp.Symbol("lambda")
    with pytest.raises(ValueError, match="2 different symbols named lambda"):
        Model(x * sp.log(lam) - plain, data=x)


def test_separated_classes_make_the_logit_likelihood_flat():
    q = sp.Symbol("q")
    model = Model(y * sp.log(q) + (1 - y) * sp.log(1 - q), data=y, params={q: "unit"},
                  link={q: "logit"}, support="binary")
    X = np.arange(10.0)[:, None]
    labels = (X[:, 0] > 4.5).astype(float)
    with pytest.warns((FlatLikelihoodWarning, BoundaryMaximumWarning)):
        fit = model.fit(labels, X=X)
    assert np.any(np.isnan(fit.bse_))


# -- warnings name the user's line ------------------------------------------------------

def _growth(max_iter):
    t, b1, b2 = sp.symbols("t b1 b2")
    days = np.arange(1.0, 13.0)
    return functools.partial(
        NonlinearRegression(b1 * (1 - sp.exp(-b2 * t)), x=t, params=[b1, b2],
                            start=[50.0, 0.1], max_iter=max_iter).fit,
        days, 100 * (1 - np.exp(-0.2 * days)) + np.sin(days))


# Each makes a call (a partial, which adds no frame of its own) that warns.
WARNING_CALLS = {
    "Model.fit at a boundary": lambda: functools.partial(bernoulli().fit, np.zeros(20)),
    "Model.fit out of iterations": lambda: functools.partial(
        poisson().fit, [1.0, 5.0, 2.0], max_iter=1, start=[100.0]),
    "Model.fit flat": lambda: functools.partial(
        Model(-(x - sp.Symbol("a") * sp.Symbol("b")) ** 2 / 2, data=x, support="real").fit,
        [1.0, 2.0, 3.0], start=[1.0, 1.5]),
    "GLM exact fit": lambda: functools.partial(GLM("gaussian").fit, np.arange(5.0)[:, None],
                                               2 * np.arange(5.0) + 1),
    "GLM column y": lambda: functools.partial(GLM("poisson").fit, np.arange(6.0)[:, None],
                                              np.arange(6.0)[:, None]),
    "fit_distribution at a boundary": lambda: functools.partial(fit_distribution, np.zeros(8),
                                                                "poisson"),
    "NonlinearRegression out of iterations": lambda: _growth(max_iter=1),
}


@pytest.mark.parametrize("make", WARNING_CALLS.values(), ids=WARNING_CALLS)
def test_engine_warnings_name_the_callers_line(make):
    """Every warning of an engine fit points at the line that called probml (here, this
    test), however deep in probml it is raised: not at probml's own code, nor past the
    caller (``sys:1`` from a script's top level)."""
    call = make()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    ours = [w for w in caught if issubclass(w.category, ProbmlWarning)]
    assert ours
    assert [w.filename for w in ours] == [__file__] * len(ours), [
        (w.category.__name__, w.filename, w.lineno) for w in ours]


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
