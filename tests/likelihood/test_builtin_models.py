"""probml's hand-written models against the likelihood engine's answer for the same model.

Each built-in fit (closed forms, a hand-coded Newton pass, a retention model)
is compared with the engine fitting the same log-density written in SymPy:
estimates, standard errors and log-likelihoods to 1e-8.
"""

import numpy as np
import pytest
import sympy as sp

from probml import Bernoulli, LogisticRegression, Normal
from probml.growth import fit_retention
from probml.likelihood import Model

x, y = sp.Symbol("x"), sp.Symbol("y")
RTOL = 1e-8


def test_normal_matches_the_engine_in_mean_and_variance():
    mu = sp.Symbol("mu", real=True)
    v = sp.Symbol("v", positive=True)
    model = Model(-sp.log(2 * sp.pi * v) / 2 - (x - mu) ** 2 / (2 * v), data=x, params=[mu, v],
                  support="real")
    data = np.random.default_rng(1).normal(3.0, 2.0, 200)
    ours, engine = Normal().fit(data), model.fit(data)
    np.testing.assert_allclose([ours.mean_, ours.var_], engine.params_, rtol=RTOL)
    np.testing.assert_allclose(ours.bse_, engine.bse_, rtol=RTOL)
    assert ours.loglik_ == pytest.approx(engine.loglik_, rel=RTOL)


def test_bernoulli_matches_the_engine():
    p = sp.Symbol("p")
    model = Model(x * sp.log(p) + (1 - x) * sp.log(1 - p), data=x, params={p: "unit"},
                  support="binary")
    data = (np.random.default_rng(2).random(150) < 0.3).astype(float)
    ours, engine = Bernoulli().fit(data), model.fit(data)
    assert ours.p_ == pytest.approx(engine.params_[0], rel=RTOL)
    assert ours.bse_ == pytest.approx(engine.bse_[0], rel=RTOL)
    assert ours.loglik_ == pytest.approx(engine.loglik_, rel=RTOL)


def test_logistic_regression_matches_the_engine():
    q = sp.Symbol("q")
    model = Model(y * sp.log(q) + (1 - y) * sp.log(1 - q), data=y, params={q: "unit"},
                  link={q: "logit"}, support="binary")
    rng = np.random.default_rng(3)
    X = rng.standard_normal((400, 3))
    labels = (rng.random(400) < 1 / (1 + np.exp(-(X @ [1.0, -0.5, 0.2] + 0.3)))).astype(float)
    ours, engine = LogisticRegression().fit(X, labels), model.fit(labels, X=X)
    np.testing.assert_allclose(ours.params_, engine.params_, rtol=RTOL)
    np.testing.assert_allclose(ours.bse_, engine.bse_, rtol=RTOL)
    assert ours.loglik_ == pytest.approx(engine.loglik_, rel=RTOL)


def test_the_shifted_beta_geometric_retention_fit_matches_the_engine():
    t, censored = sp.symbols("t c")
    a, b = sp.symbols("alpha beta", positive=True)

    def log_beta(p, q):
        return sp.loggamma(p) + sp.loggamma(q) - sp.loggamma(p + q)
    # churn in period t, or still active (censored) at the last period
    logpdf = ((1 - censored) * (log_beta(a + 1, b + t - 1) - log_beta(a, b))
              + censored * (log_beta(a, b + t) - log_beta(a, b)))
    model = Model(logpdf, data=[t, censored], params=[a, b], support="positive counts")
    survivors = np.array([1000, 869, 743, 653, 593, 551, 517, 491])
    periods = np.r_[np.arange(1, 8), 7.0]
    still_active = np.r_[np.zeros(7), 1.0]
    counts = np.r_[-np.diff(survivors), survivors[-1]].astype(float)
    engine = model.fit(periods, still_active, sample_weight=counts)
    ours = fit_retention(survivors, "sbg")
    np.testing.assert_allclose([ours.params["alpha"], ours.params["beta"]], engine.params_,
                               rtol=RTOL)
    np.testing.assert_allclose([ours.bse["alpha"], ours.bse["beta"]], engine.bse_, rtol=RTOL)
    assert ours.loglik == pytest.approx(engine.loglik_, rel=RTOL)
