"""verify() of the engine's derivations: the sample it draws is one the model could have
generated, the fits start inside the domain, and a check it cannot make says why.

Oracles: SciPy (its optimizer and finite differences inside ``verify()``; ``scipy.stats``
for the distribution of the drawn sample, by the probability integral transform) and
statsmodels (a Poisson GLM under the identity link).
"""

import functools
import math
import warnings

import numpy as np
import pytest
import scipy.stats as st
import sympy as sp
from scipy.special import expit, ndtr

from probml._derivation import Derivation
from probml.likelihood import FAMILIES, GLM, Model
from probml.likelihood.derivation import _Checks
from probml.likelihood.model import link_function

# Every family and link, for the numeric checks (cheap); and one case of each way verify()
# failed before the sample was drawn from the model (coefficients starting at 0 outside
# the mean's domain under the identity and inverse links, trials drawn below the counts,
# a NaN error for the probit) for the whole verify(), whose symbolic derivations cost
# about 6 s of CPU for all 18 (the negative binomial's expected information most).
CASES = [(family, link) for family, spec in FAMILIES.items() for link in spec.links]
REPRESENTATIVE = [("poisson", "identity"), ("gaussian", "inverse"), ("binomial", "probit")]
# The tolerances of the engine's derivations against SciPy and against probml.
TOLERANCE = {"scipy": 1e-5, "probml": 1e-8}

MEANS = {"identity": lambda eta: eta, "log": np.exp, "logit": expit, "probit": ndtr,
         "cloglog": lambda eta: -np.expm1(-np.exp(eta)), "inverse": lambda eta: 1 / eta,
         "inverse_squared": lambda eta: 1 / np.sqrt(eta)}


def family_distribution(family, mean, trials, alpha):
    """The SciPy distribution of each response: the family at its mean, dispersion 1."""
    return {
        "gaussian": lambda: st.norm(mean, 1.0),
        "poisson": lambda: st.poisson(mean),
        "binomial": lambda: st.binom(trials, mean),
        "gamma": lambda: st.gamma(1.0, scale=mean),
        "inverse_gaussian": lambda: st.invgauss(mean),
        "negative_binomial": lambda: st.nbinom(1 / alpha, 1 / (1 + alpha * mean)),
    }[family]()


def probability_integral_transform(distribution, y, discrete):
    """:math:`F(y)`, uniform on (0, 1) when ``y`` is drawn from ``distribution``
    (randomised between :math:`F(y - 1)` and :math:`F(y)` for counts)."""
    if not discrete:
        return distribution.cdf(y)
    spread = np.random.default_rng(0).uniform(size=len(y))
    return distribution.cdf(y - 1) + spread * distribution.pmf(y)


@pytest.mark.parametrize("family, link", REPRESENTATIVE)
def test_a_glm_derivation_verifies_three_ways(family, link):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = GLM(family, link).derive().verify()
    assert report.passed, report


@pytest.mark.parametrize("family, link", CASES)
def test_every_family_and_link_checks_against_scipy_on_a_sample_it_could_generate(family,
                                                                                   link):
    checks = _Checks(GLM(family, link).model(), (), None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        errors = {"scipy": checks.scipy(None), "probml": checks.probml(None)}
    assert all(errors[part] <= TOLERANCE[part] for part in errors), errors
    sample = checks.sample
    y, trials = sample.data[0], (sample.data[1] if family == "binomial" else None)
    intercept, slope = sample.start[-2:]
    mean = MEANS[link](intercept + slope * sample.X[:, 0])
    alpha = sample.start[0] if family == "negative_binomial" else None
    distribution = family_distribution(family, mean, trials, alpha)
    discrete = FAMILIES[family].support == "counts"
    assert np.all(distribution.pmf(y) > 0 if discrete else distribution.pdf(y) > 0)
    if trials is not None:
        assert np.all(trials == np.round(trials)) and np.all((0 <= y) & (y <= trials))
    uniform = probability_integral_transform(distribution, y, discrete)
    assert st.kstest(uniform, "uniform").pvalue > 1e-3


y_ = sp.Symbol("y")
rate = sp.Symbol("lambda", positive=True)
shape, mean_ = sp.Symbol("k", positive=True), sp.Symbol("mu", positive=True)


@functools.cache
def poisson_identity():
    return Model(y_ * sp.log(rate) - rate - sp.log(sp.factorial(y_)), y_, support="counts",
                 link={rate: "identity"}, name="Poisson rate, identity link")


@functools.cache
def gamma_inverse():
    """The gamma with its shape k estimated and its mean under the inverse link."""
    return Model(shape * sp.log(shape / mean_) + (shape - 1) * sp.log(y_) - shape * y_ / mean_
                 - sp.loggamma(shape), y_, params=[shape, mean_], support="positive",
                 link={mean_: "inverse"}, name="gamma mean, inverse link")


def test_a_users_model_with_a_non_canonical_link_verifies_three_ways():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = poisson_identity().verify()
    assert report.passed, report


@pytest.mark.parametrize("make", [poisson_identity, gamma_inverse])
def test_a_users_model_draws_a_sample_with_an_interior_maximum_near_its_parameter(make):
    """The sample lies in the support, the fit is interior, and SciPy agrees with it; the
    estimates are within 5 standard errors of the parameter that drew the sample."""
    checks = _Checks(make(), (), None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        errors = {"scipy": checks.scipy(None), "probml": checks.probml(None)}
    assert all(errors[part] <= TOLERANCE[part] for part in errors), errors
    fit = checks.fit
    assert np.all(np.abs(fit.params_ - checks.sample.start) < 5 * fit.bse_)


def test_a_users_model_with_the_identity_link_fits_and_verifies_on_its_own_data():
    import statsmodels.api as sm
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.families.links import Identity

    rng = np.random.default_rng(3)
    X = rng.uniform(0.0, 2.0, (150, 1))
    counts = rng.poisson(4.0 + 3.0 * X[:, 0]).astype(float)
    model = poisson_identity()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = model.fit(counts, X=X)            # from its default start
        report = model.verify(counts, X=X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # statsmodels' DomainWarning for the link
        expected = sm.GLM(counts, sm.add_constant(X), family=Poisson(Identity())).fit(
            tol=1e-13)
    np.testing.assert_allclose(fit.params_, expected.params, rtol=1e-8)
    assert report.passed, report


def flat_sum():
    """Only a + b is identified: the information is singular everywhere."""
    a, b = sp.symbols("a b")
    return Model(-(y_ - a - b) ** 2 / 2, y_, support="real")


def mean_through_logit():
    """A real mean under the logit link reaches (0, 1) only."""
    mu = sp.Symbol("mu", real=True)
    return Model(-(y_ - mu) ** 2 / 2, y_, support="real", link={mu: "logit"})


def improper():
    """:math:`e^{y^2/2 + \\mu y - \\mu^2/2}` grows without bound: no density to draw from."""
    mu = sp.Symbol("mu", real=True)
    return Model(-(y_ - mu) ** 2 / 2 + y_ ** 2, y_, support="real")


def bernoulli():
    p = sp.Symbol("p")
    return Model(y_ * sp.log(p) + (1 - y_) * sp.log(1 - p), y_, params={p: "unit"},
                 support="binary")


@pytest.mark.parametrize("make, data, reason", [
    (flat_sum, (), "FlatLikelihoodWarning"),
    (bernoulli, (np.ones(10),), "BoundaryMaximumWarning"),
    (mean_through_logit, (), "the logit link does not reach mu"),
    (improper, (), "its density does not fall off"),
])
def test_a_check_verify_cannot_make_says_why(make, data, reason):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = make().verify(*data)
    assert report.symbolic.passed
    for check in (report.scipy, report.probml):
        assert not check.passed and check.max_error is None
        assert "verify() cannot" in check.detail and reason in check.detail, check.detail


@pytest.mark.parametrize("link", MEANS)
def test_the_link_function_inverts_the_inverse_link(link):
    eta = np.array([0.2, 0.7, 1.9])
    np.testing.assert_allclose(link_function(link)(MEANS[link](eta)), eta, rtol=1e-12)


def test_a_numeric_check_whose_error_is_nan_fails_and_says_so():
    derivation = Derivation(name="nan", title="A NaN error", concepts=[], steps=[], results={},
                            symbolic=lambda d: True, scipy=lambda d: math.nan,
                            probml=lambda d: 0.0)
    report = derivation.verify()
    assert not report.scipy.passed and report.probml.passed
    assert report.scipy.max_error is None and "NaN" in report.scipy.detail
