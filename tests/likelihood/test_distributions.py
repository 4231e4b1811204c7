"""fit_distribution against scipy.stats' maximum likelihood, with standard errors.

Oracles: ``scipy.stats.<family>.fit`` (location fixed at 0 where the family
has one, as probml's families do), polished by a tight Nelder-Mead on SciPy's
own log-density where SciPy's fit stops early (its Weibull shape solver and
its generic optimizer are accurate to about 1e-6); the standard errors are
compared with the inverse of a numeric Hessian of SciPy's log-likelihood
(``scipy.differentiate.hessian``).
"""

import numpy as np
import pytest
import scipy.stats as st
from scipy.optimize import minimize

from probml.likelihood import DISTRIBUTIONS, distribution_model, fit_distribution

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


def logpdf(name, x, theta):
    """SciPy's log-density with probml's parameters (scipy's order, free ones only)."""
    dist = getattr(st, name)
    method = dist.logpmf if hasattr(dist, "logpmf") else dist.logpdf
    if name in ("norm",):
        return method(x, loc=theta[0], scale=theta[1])
    if name == "t":
        return method(x, theta[0], loc=theta[1], scale=theta[2])
    if name in ("expon",):
        return method(x, scale=theta[0])
    if name in ("gamma", "weibull_min", "lognorm"):
        return method(x, theta[0], scale=theta[1])
    return method(x, *theta)


def oracle(name, x, start):
    """SciPy's MLE: its own fit where it has one, then a tight Nelder-Mead polish."""
    frozen, fixed = SAMPLES[name]
    if fixed is not None:
        found = getattr(st, name).fit(x, **fixed)
        start = [v for v, keep in zip(found, _free(name)) if keep]

    def negative(theta):
        value = -np.sum(logpdf(name, x, theta))
        return value if np.isfinite(value) else 1e300
    polished = minimize(negative, start, method="Nelder-Mead",
                        options={"xatol": 1e-11, "fatol": 1e-12, "maxiter": 5_000,
                                 "maxfev": 5_000})
    return polished.x


def _free(name):
    # scipy's fit returns (shapes..., loc, scale); which of them probml estimates
    return {"norm": [True, True], "expon": [False, True], "gamma": [True, False, True],
            "weibull_min": [True, False, True], "lognorm": [True, False, True],
            "beta": [True, True, False, False], "t": [True, True, True]}[name]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_mle_and_standard_errors_match_scipy(name):
    frozen, _ = SAMPLES[name]
    x = frozen.rvs(400, random_state=np.random.default_rng(5))
    fit = fit_distribution(x, name)
    expected = oracle(name, x, fit.params_ * 1.01)
    np.testing.assert_allclose(fit.params_, expected, rtol=1e-6)

    H = numeric_hessian(lambda theta: np.sum(logpdf(name, x, theta)), fit.params_)
    np.testing.assert_allclose(fit.bse_, np.sqrt(np.diag(np.linalg.inv(-H))), rtol=1e-5)
    assert fit.loglik_ == pytest.approx(np.sum(logpdf(name, x, fit.params_)), rel=1e-10)


def test_every_family_is_listed_and_named_as_in_scipy():
    assert set(DISTRIBUTIONS) == set(SAMPLES)
    assert fit_distribution([1.0, 2.0, 4.0], "weibull").param_names_ == ["c", "scale"]
    assert fit_distribution([0.2, 0.5, 0.7], "beta").param_names_ == ["a", "b"]


@pytest.mark.parametrize("name, statistics", [
    ("gamma", 2), ("beta", 2), ("poisson", 1), ("geom", 1), ("expon", 1)])
def test_families_with_sufficient_statistics_are_fitted_from_them(name, statistics):
    model = distribution_model(name)
    assert len(model.sufficient_statistics) == statistics
    x = SAMPLES[name][0].rvs(300, random_state=np.random.default_rng(6))
    fit = fit_distribution(x, name)
    assert fit.problem.sufficient
    # the per-observation pass (which the sandwich covariance uses) gives the same answer
    per_observation = fit.problem.scores(fit.params_).sum(axis=0)
    assert np.all(np.abs(per_observation) <= 1e-6 * np.sqrt(np.diag(fit.information_)))


def test_the_weibull_and_student_t_have_no_sufficient_statistics():
    assert distribution_model("weibull_min").sufficient_statistics is None
    assert distribution_model("t").sufficient_statistics is None


@pytest.mark.parametrize("name, x, message", [
    ("gamma", [1.0, -2.0], "numbers > 0"),
    ("beta", [0.5, 1.0], r"numbers in \(0, 1\)"),
    ("poisson", [1, 2, -3], "counts"),
    ("geom", [0, 1], "counts 1, 2, 3"),
    ("nbinom", [1.5], "counts"),
    ("cauchy", [1.0], "family must be one of"),
])
def test_data_outside_the_family_support_are_refused(name, x, message):
    with pytest.raises(ValueError, match=message):
        fit_distribution(x, name)
