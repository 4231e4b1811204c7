"""GLMs on the likelihood engine against statsmodels and scikit-learn, on data they ship.

statsmodels' IRLS stops on the change in deviance, which leaves non-canonical
links (probit, cloglog, Gamma with log link) converged only to about 1e-8;
the oracle is therefore statsmodels' Newton fit, polished by IRLS from there
so that its covariance is the expected-information one statsmodels reports.
"""

import warnings

import numpy as np
import pytest
import sympy as sp

from probml.likelihood import FAMILIES, GLM
from probml.likelihood.glm import ALPHA, MU, PHI, TRIALS, Y

sm = pytest.importorskip("statsmodels.api")

RTOL = 1e-8


def statsmodels_fit(y, X, family, **options):
    model = sm.GLM(y, sm.add_constant(X, has_constant="add"), family=family, **options)
    newton = model.fit(method="newton", tol=1e-14, maxiter=200)
    return model.fit(start_params=newton.params, tol=1e-15, maxiter=200)


def assert_agrees(ours, theirs, *, deviance=True):
    np.testing.assert_allclose(ours.params_, theirs.params, rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(ours.bse_, theirs.bse, rtol=RTOL)
    assert ours.loglik_ == pytest.approx(theirs.llf, rel=RTOL)
    assert ours.aic_ == pytest.approx(theirs.aic, rel=RTOL)
    if deviance:
        assert ours.deviance_ == pytest.approx(theirs.deviance, rel=RTOL)
        assert ours.pearson_chi2_ == pytest.approx(theirs.pearson_chi2, rel=RTOL)
        assert ours.scale_ == pytest.approx(theirs.scale, rel=RTOL)


def test_poisson_on_cpunish():
    data = sm.datasets.cpunish.load_pandas().data
    X = data[["INCOME", "PERPOVERTY", "PERBLACK", "VC100k96", "SOUTH", "DEGREE"]].to_numpy()
    X = np.column_stack([np.log(X[:, 0]), X[:, 1:]])
    y = data["EXECUTIONS"].to_numpy(float)
    assert_agrees(GLM("poisson").fit(X, y), statsmodels_fit(y, X, sm.families.Poisson()))


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.DomainWarning")
def test_gamma_on_scotland_with_both_links():
    data = sm.datasets.scotland.load_pandas()
    X, y = data.exog.to_numpy(), data.endog.to_numpy()
    assert_agrees(GLM("gamma").fit(X, y), statsmodels_fit(y, X, sm.families.Gamma()))
    log = sm.families.Gamma(sm.families.links.Log())
    assert_agrees(GLM("gamma", "log").fit(X, y), statsmodels_fit(y, X, log))


def test_binomial_with_trials_on_star98():
    data = sm.datasets.star98.load_pandas()
    X = data.exog.to_numpy()[:, :8]
    successes = data.endog["NABOVE"].to_numpy()
    trials = successes + data.endog["NBELOW"].to_numpy()
    ours = GLM("binomial").fit(X, successes, trials=trials)
    theirs = statsmodels_fit(np.column_stack([successes, trials - successes]), X,
                             sm.families.Binomial())
    assert_agrees(ours, theirs)


@pytest.mark.parametrize("link, sm_link", [("probit", "Probit"), ("cloglog", "CLogLog"),
                                           ("logit", "Logit")])
def test_binary_links_on_spector(link, sm_link):
    data = sm.datasets.spector.load_pandas()
    X, y = data.exog.to_numpy(), data.endog.to_numpy()
    family = sm.families.Binomial(getattr(sm.families.links, sm_link)())
    assert_agrees(GLM("binomial", link).fit(X, y), statsmodels_fit(y, X, family))


def _robust_reference(y, X, family, cov_type, groups=None):
    """statsmodels' robust fit at its tightest solution."""
    model = sm.GLM(y, sm.add_constant(X, has_constant="add"), family=family)
    start = statsmodels_fit(y, X, family).params
    kwds = {"groups": groups} if groups is not None else None
    return model.fit(start_params=start, tol=1e-15, maxiter=200, cov_type=cov_type,
                     cov_kwds=kwds)


def _cpunish():
    data = sm.datasets.cpunish.load_pandas().data
    X = data[["INCOME", "PERPOVERTY", "PERBLACK", "VC100k96", "SOUTH", "DEGREE"]].to_numpy()
    return np.column_stack([np.log(X[:, 0]), X[:, 1:]]), data["EXECUTIONS"].to_numpy(float)


def _robust_case(case, cov_type):
    """(our unfitted GLM, X, y, statsmodels' family, fit keywords) of a robust-SE case."""
    if case == "poisson":
        X, y = _cpunish()
        return GLM("poisson", cov_type=cov_type), X, y, sm.families.Poisson(), {}
    if case in ("gamma", "gamma-log"):
        data = sm.datasets.scotland.load_pandas()
        link = "log" if case == "gamma-log" else None
        family = sm.families.Gamma(sm.families.links.Log() if link else None)
        return (GLM("gamma", link, cov_type=cov_type), data.exog.to_numpy(),
                data.endog.to_numpy(), family, {})
    if case == "probit":
        data = sm.datasets.spector.load_pandas()
        return (GLM("binomial", "probit", cov_type=cov_type), data.exog.to_numpy(),
                data.endog.to_numpy(), sm.families.Binomial(sm.families.links.Probit()), {})
    data = sm.datasets.star98.load_pandas()
    successes = data.endog["NABOVE"].to_numpy()
    trials = successes + data.endog["NBELOW"].to_numpy()
    return (GLM("binomial", cov_type=cov_type), data.exog.to_numpy()[:, :8], successes,
            sm.families.Binomial(), {"trials": trials})


ROBUST_CASES = ["poisson", "gamma", "gamma-log", "probit", "binomial-trials"]


def _endog(y, fit_args):
    return np.column_stack([y, fit_args["trials"] - y]) if fit_args else y


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.DomainWarning")
@pytest.mark.parametrize("case", ROBUST_CASES)
def test_robust_sandwich_matches_statsmodels(case):
    ours, X, y, family, fit_args = _robust_case(case, "HC0")
    fitted = ours.fit(X, y, **fit_args)
    theirs = _robust_reference(_endog(y, fit_args), X, family, "HC0")
    np.testing.assert_allclose(fitted.bse_, theirs.bse, rtol=RTOL)
    np.testing.assert_allclose(fitted.pvalues_, theirs.pvalues, rtol=RTOL, atol=1e-300)
    np.testing.assert_allclose(fitted.conf_int(0.1), theirs.conf_int(0.1), rtol=RTOL,
                               atol=RTOL * np.abs(theirs.params).max())


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.DomainWarning")
@pytest.mark.parametrize("cov_type", ["HC1", "HC2", "HC3"])
@pytest.mark.parametrize("case", ROBUST_CASES)
def test_small_sample_sandwiches_match_their_definition(case, cov_type):
    """HC1-HC3, which statsmodels' GLM does not compute (it returns HC0 under all four
    names), assembled from statsmodels' parts as R's ``sandwich::vcovHC`` defines them:
    its bread (the inverse observed information), its per-observation scores and its
    expected-information leverages (``get_hat_matrix_diag(observed=False)``); the same
    parts give statsmodels' own HC0, checked first."""
    ours, X, y, family, fit_args = _robust_case(case, cov_type)
    endog = _endog(y, fit_args)
    model = sm.GLM(endog, sm.add_constant(X, has_constant="add"), family=family)
    theirs = _robust_reference(endog, X, family, "HC0")
    bread = np.linalg.inv(-model.hessian(theirs.params, scale=1.0, observed=True))
    scores = model.score_obs(theirs.params, scale=1.0)
    np.testing.assert_allclose(bread @ scores.T @ scores @ bread, theirs.cov_params(),
                               rtol=RTOL)
    leverage = theirs.get_hat_matrix_diag(observed=False)
    n, k = scores.shape
    power = {"HC1": 0, "HC2": 1, "HC3": 2}[cov_type]
    reference = bread @ (scores.T / (1 - leverage) ** power) @ scores @ bread
    if cov_type == "HC1":
        reference *= n / (n - k)
    np.testing.assert_allclose(ours.fit(X, y, **fit_args).cov_params_, reference, rtol=RTOL)


@pytest.mark.parametrize("cov_type", ["HC0", "HC1", "HC2", "HC3"])
def test_canonical_sandwiches_are_the_working_least_squares_ones(cov_type):
    """Under the canonical link the GLM's sandwich is that of IRLS's last weighted least
    squares (working response z = eta + (y - mu)/mu, weights mu for Poisson), which
    statsmodels' WLS computes with its own HC formulas; for the Gaussian identity GLM it
    is OLS's."""
    X, y = _cpunish()
    fitted = GLM("poisson", cov_type=cov_type).fit(X, y)
    A = sm.add_constant(X, has_constant="add")
    mu = fitted.mu_
    working = sm.WLS(np.log(mu) + (y - mu) / mu, A, weights=mu).fit(cov_type=cov_type)
    np.testing.assert_allclose(fitted.cov_params_, working.cov_params(), rtol=RTOL)
    data = sm.datasets.stackloss.load_pandas()
    gaussian = GLM("gaussian", cov_type=cov_type).fit(data.exog, data.endog)
    ols = sm.OLS(data.endog, sm.add_constant(data.exog)).fit(cov_type=cov_type)
    np.testing.assert_allclose(gaussian.bse_.to_numpy(), ols.bse.to_numpy(), rtol=RTOL)


@pytest.mark.parametrize("cov_type", ["HC2", "HC3"])
def test_leverage_one_leaves_hc2_hc3_undefined_and_says_so(cov_type):
    from probml.exceptions import UndefinedStatisticWarning
    X, y = _cpunish()
    X = np.column_stack([X, np.eye(len(y))[0]])       # a dummy of one row: leverage 1
    with pytest.warns(UndefinedStatisticWarning, match="leverage 1") as caught:
        fitted = GLM("poisson", cov_type=cov_type).fit(X, y)
    assert caught[0].filename == __file__
    assert np.all(np.isnan(fitted.bse_))
    assert np.all(np.isfinite(GLM("poisson", cov_type="HC1").fit(X, y).bse_))


def test_cluster_robust_glm_matches_statsmodels():
    X, y = _cpunish()
    groups = 2 * X[:, 4].astype(int) + (X[:, 5] > np.median(X[:, 5]))     # four clusters
    fitted = GLM("poisson", cov_type="cluster").fit(X, y, groups=groups)
    theirs = _robust_reference(y, X, sm.families.Poisson(), "cluster", groups.astype(int))
    np.testing.assert_allclose(fitted.cov_params_, theirs.cov_params(), rtol=RTOL)
    assert "z" in str(fitted.summary())


def test_robust_glm_refuses_what_it_does_not_support():
    X, y = _cpunish()
    with pytest.raises(ValueError, match="cov_type"):
        GLM("poisson", cov_type="HC4").fit(X, y)
    with pytest.raises(ValueError, match="without weights"):
        GLM("poisson", cov_type="HC0").fit(X, y, freq_weights=np.ones(len(y)))
    with pytest.raises(ValueError, match="negative binomial"):
        GLM("negative_binomial", cov_type="HC0").fit(X, y)
    with pytest.raises(ValueError, match="pass groups"):
        GLM("poisson", cov_type="cluster").fit(X, y)


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.DomainWarning")
@pytest.mark.parametrize("case", ["poisson", "gamma-log", "gamma-inverse", "probit"])
def test_get_prediction_matches_statsmodels(case):
    if case == "poisson":
        X, y = _cpunish()
        ours, family = GLM("poisson"), sm.families.Poisson()
    elif case.startswith("gamma"):
        data = sm.datasets.scotland.load_pandas()
        X, y = data.exog.to_numpy(), data.endog.to_numpy()
        log = case == "gamma-log"
        ours = GLM("gamma", "log" if log else None)
        family = sm.families.Gamma(sm.families.links.Log()) if log else sm.families.Gamma()
    else:
        data = sm.datasets.spector.load_pandas()
        X, y = data.exog.to_numpy(), data.endog.to_numpy()
        ours = GLM("binomial", "probit")
        family = sm.families.Binomial(sm.families.links.Probit())
    theirs = statsmodels_fit(y, X, family)
    expected = theirs.get_prediction(sm.add_constant(X, has_constant="add")).summary_frame(
        alpha=0.1)
    got = ours.fit(X, y).get_prediction(X).summary_frame(alpha=0.1)
    assert list(got.columns) == list(expected.columns)
    expected = expected.to_numpy().copy()
    # Under a decreasing link (the Gamma's inverse) statsmodels transforms the ends of the
    # linear predictor's interval without swapping them, so its "lower" end is the upper.
    expected[:, 2:] = np.sort(expected[:, 2:], axis=1)
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-7)
    assert np.all(got["mean_ci_lower"] < got["mean"]) and np.all(got["mean"] < got["mean_ci_upper"])
    with pytest.raises(ValueError, match="least squares"):
        ours.get_prediction(X).conf_int(obs=True)


def test_inverse_gaussian_and_gaussian_log_link_on_scotland():
    data = sm.datasets.scotland.load_pandas()
    X, y = data.exog.to_numpy()[:, :3], data.endog.to_numpy()
    family = sm.families.InverseGaussian(sm.families.links.Log())
    assert_agrees(GLM("inverse_gaussian", "log").fit(X, y), statsmodels_fit(y, X, family))
    family = sm.families.Gaussian(sm.families.links.Log())
    assert_agrees(GLM("gaussian", "log").fit(X, y), statsmodels_fit(y, X, family))


def test_gaussian_identity_is_least_squares():
    data = sm.datasets.scotland.load_pandas()
    X, y = data.exog.to_numpy(), data.endog.to_numpy()
    assert_agrees(GLM("gaussian").fit(X, y), statsmodels_fit(y, X, sm.families.Gaussian()))


def test_negative_binomial_estimates_its_dispersion_like_statsmodels():
    data = sm.datasets.randhie.load_pandas()
    X, y = data.exog.to_numpy()[:2000], data.endog.to_numpy()[:2000]
    ours = GLM("negative_binomial").fit(X, y)
    theirs = sm.NegativeBinomial(y, sm.add_constant(X)).fit(method="newton", tol=1e-14,
                                                            maxiter=200, disp=0)
    assert_agrees(ours, theirs, deviance=False)
    assert ours.table_.names[-1] == "alpha"


def test_exposure_offset_and_frequency_weights():
    data = sm.datasets.cpunish.load_pandas().data
    X = np.log(data[["INCOME", "PERPOVERTY"]].to_numpy())
    y = data["EXECUTIONS"].to_numpy(float)
    exposure = data["VC100k96"].to_numpy()
    theirs = statsmodels_fit(y, X, sm.families.Poisson(), exposure=exposure)
    assert_agrees(GLM("poisson").fit(X, y, exposure=exposure), theirs)
    ours = GLM("poisson").fit(X, y, offset=np.log(exposure))
    np.testing.assert_allclose(ours.params_, theirs.params, rtol=RTOL)
    weights = np.arange(1.0, len(y) + 1) % 3 + 1
    weighted = GLM("gamma", "log").fit(X, y + 1, freq_weights=weights)
    repeated = GLM("gamma", "log").fit(np.repeat(X, weights.astype(int), axis=0),
                                       np.repeat(y + 1, weights.astype(int)))
    np.testing.assert_allclose(weighted.params_, repeated.params_, rtol=1e-9)
    assert weighted.deviance_ == pytest.approx(repeated.deviance_, rel=1e-10)


@pytest.mark.parametrize("family, sm_family", [
    ("poisson", sm.families.Poisson()), ("gaussian", sm.families.Gaussian()),
    ("gamma", sm.families.Gamma(sm.families.links.Log()))])
def test_analytic_and_frequency_weights_match_statsmodels(family, sm_family):
    data = sm.datasets.cpunish.load_pandas().data
    X = np.log(data[["INCOME", "PERPOVERTY"]].to_numpy())
    y = data["EXECUTIONS"].to_numpy(float) + (family == "gamma")
    weights = np.linspace(0.5, 2.5, len(y))
    counts = (np.arange(len(y)) % 3 + 1).astype(float)
    link = "log" if family == "gamma" else None
    ours = GLM(family, link).fit(X, y, sample_weight=weights)
    assert_agrees(ours, statsmodels_fit(y, X, sm_family, var_weights=weights))
    ours = GLM(family, link).fit(X, y, sample_weight=weights, freq_weights=counts)
    assert_agrees(ours, statsmodels_fit(y, X, sm_family, var_weights=weights,
                                        freq_weights=counts))


def test_against_scikit_learn_regressors():
    """scikit-learn's lbfgs stops on the change in its objective, 1e-4 from the optimum
    here whatever ``tol``; its Newton solver converges, and is the oracle."""
    linear_model = pytest.importorskip("sklearn.linear_model")
    from sklearn.datasets import load_diabetes
    X, target = load_diabetes(return_X_y=True)
    counts = np.round(target / 10)
    ours = GLM("poisson").fit(X, counts)
    theirs = linear_model.PoissonRegressor(alpha=0, tol=1e-12, solver="newton-cholesky").fit(X, counts)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6, atol=1e-6)
    assert ours.intercept_ == pytest.approx(theirs.intercept_, rel=1e-6)
    ours = GLM("gamma", "log").fit(X, target)
    theirs = linear_model.GammaRegressor(alpha=0, tol=1e-12, solver="newton-cholesky").fit(X, target)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours.predict(X[:5]), theirs.predict(X[:5]), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_each_family_is_an_exponential_dispersion_family(name):
    """SymPy proves the score in mu is (y - mu) / (phi V(mu)) and the deviance is twice the
    log-likelihood ratio against the saturated model."""
    family = FAMILIES[name]
    phi = ALPHA if family.dispersion == "alpha" else PHI if family.logpdf.has(PHI) else 1
    if family.dispersion == "alpha":
        return          # NB2 is an EDF only for fixed alpha, which the deviance identity uses
    scale = TRIALS if name == "binomial" else 1
    score = sp.diff(family.logpdf, MU)
    assert sp.simplify(score * phi * family.variance * scale - (Y - scale * MU)) == 0
    saturated = family.logpdf.subs(MU, Y / scale)
    difference = 2 * phi * (saturated - family.logpdf) - family.deviance
    assert sp.simplify(sp.expand_log(difference, force=True)) == 0


def test_the_derivation_of_a_family_verifies():
    report = GLM("poisson").derive().verify()
    assert report.passed, report


@pytest.mark.parametrize("kwargs, fit, message", [
    ({"family": "tweedie"}, {}, "family"),
    ({"family": "poisson", "link": "probit"}, {}, "link must be one of"),
    ({"family": "gamma"}, {"y": -1.0}, "numbers > 0"),
    ({"family": "poisson"}, {"y": 1.5}, "counts"),
    ({"family": "binomial"}, {"y": 3.0, "trials": 2.0}, "y <= trials"),
    ({"family": "poisson", "link": "identity"}, {"exposure": 2.0}, "log link"),
])
def test_a_family_or_link_that_does_not_fit_the_data_is_refused(kwargs, fit, message):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 2))
    y = np.full(20, 2.0)
    if "y" in fit:
        y[3] = fit.pop("y")
    if "trials" in fit:
        fit["trials"] = np.full(20, fit["trials"])
    if "exposure" in fit:
        fit["exposure"] = np.full(20, fit["exposure"])
    with pytest.raises(ValueError, match=message):
        GLM(**kwargs).fit(X, y, **fit)


# -- maxima on the edge of a domain (issue 31) ---------------------------------------------

def _underdispersed(seed=4, n=150):
    """Counts less dispersed than Poisson (binomial(4, p)): NB2's alpha has its maximum at 0."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    y = rng.binomial(4, 1 / (1 + np.exp(-0.3 * X[:, 0])), n).astype(float)
    return X, y


def test_negative_binomial_on_counts_that_are_not_overdispersed_is_the_poisson_fit():
    """alpha = 0 is the maximum: the Poisson fit (statsmodels' Poisson GLM) is reported, alpha
    has no standard error, the boundary LR test says chibar2(01) = 0, p = 1, and statsmodels'
    own NegativeBinomial finds nothing higher; max_iter is honoured (a larger one changes
    nothing, since nothing is left unconverged; a limit of 1 stops the fit)."""
    from probml.exceptions import BoundaryMaximumWarning, ConvergenceWarning
    X, y = _underdispersed()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("error", RuntimeWarning)
        fit = GLM("negative_binomial", max_iter=1000).fit(X, y)
    assert [w.category for w in caught] == [BoundaryMaximumWarning]
    assert "alpha" in str(caught[0].message) and caught[0].filename == __file__
    poisson = statsmodels_fit(y, X, sm.families.Poisson())
    np.testing.assert_allclose(fit.params_[:-1], poisson.params, rtol=RTOL)
    np.testing.assert_allclose(fit.bse_[:-1], poisson.bse, rtol=RTOL)
    assert fit.loglik_ == pytest.approx(poisson.llf, rel=RTOL)
    assert fit.deviance_ == pytest.approx(poisson.deviance, rel=RTOL)
    assert fit.params_[-1] == 0.0
    assert np.isnan(fit.bse_[-1]) and np.isnan(fit.pvalues_[-1])
    assert np.all(np.isnan(fit.conf_int()[-1]))
    test = fit.alpha_test_
    assert (test.statistic, test.pvalue, test.boundary) == (0.0, 1.0, True)
    text = str(fit.summary())
    assert "chibar2(01) = 0.0000" in text and "alpha = 0, the edge of its domain" in text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb = sm.NegativeBinomial(y, sm.add_constant(X)).fit(method="bfgs", maxiter=2000,
                                                            disp=0)
    assert nb.llf <= fit.loglik_ + 1e-9 * abs(fit.loglik_)
    with pytest.warns(BoundaryMaximumWarning):
        default = GLM("negative_binomial").fit(X, y)
    np.testing.assert_array_equal(default.params_, fit.params_)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GLM("negative_binomial", max_iter=1).fit(X, y)
    assert any(w.category is ConvergenceWarning and "raise max_iter" in str(w.message)
               for w in caught)


def test_the_score_of_alpha_at_zero_is_its_limit():
    """The family's edge score equals lim d(log f)/d(alpha) as alpha -> 0 of the NB2 pmf,
    differentiated by mpmath at 40 digits (the pmf from Gamma functions, not from SymPy)."""
    import mpmath
    family = FAMILIES["negative_binomial"]
    score = sp.lambdify([Y, MU], family.edge_score)
    mpmath.mp.dps = 40
    try:
        for y in (0, 1, 3, 12):
            for mu in (0.4, 2.5, 9.0):
                def logpmf(a, y=y, mu=mu):
                    r = 1 / a
                    return (mpmath.loggamma(y + r) - mpmath.loggamma(r) - mpmath.loggamma(y + 1)
                            + r * mpmath.log(r / (r + mu)) + y * mpmath.log(mu / (r + mu)))
                limit = mpmath.diff(logpmf, mpmath.mpf("1e-25"))
                assert score(y, mu) == pytest.approx(float(limit), rel=1e-12, abs=1e-12)
    finally:
        mpmath.mp.dps = 15


def test_the_boundary_likelihood_ratio_test_of_alpha_matches_statsmodels_fits():
    """Where the counts are overdispersed: the LR statistic is twice statsmodels'
    NegativeBinomial log-likelihood over its Poisson one, and the p-value half the chi2(1)
    tail (Stata's chibar2(01)), computed by SciPy."""
    from scipy.stats import chi2
    data = sm.datasets.randhie.load_pandas()
    X, y = data.exog.to_numpy()[:1000, :3], data.endog.to_numpy()[:1000]
    fit = GLM("negative_binomial").fit(X, y)
    nb = sm.NegativeBinomial(y, sm.add_constant(X)).fit(method="newton", tol=1e-14,
                                                        maxiter=200, disp=0)
    np.testing.assert_allclose(fit.params_, nb.params, rtol=1e-7)
    poisson = statsmodels_fit(y, X, sm.families.Poisson())
    statistic = 2 * (nb.llf - poisson.llf)
    assert fit.alpha_test_.statistic == pytest.approx(statistic, rel=1e-7)
    assert fit.alpha_test_.pvalue == pytest.approx(0.5 * chi2.sf(statistic, 1), rel=1e-6)
    assert "chibar2(01)" in str(fit.summary())


def test_negative_binomial_on_dask_finds_the_same_boundary():
    da = pytest.importorskip("dask.array")
    from probml.exceptions import BoundaryMaximumWarning
    X, y = _underdispersed()
    with pytest.warns(BoundaryMaximumWarning, match="alpha"):
        lazy = GLM("negative_binomial").fit(da.from_array(X, chunks=(75, 2)),
                                            da.from_array(y, chunks=75))
    with pytest.warns(BoundaryMaximumWarning):
        eager = GLM("negative_binomial").fit(X, y)
    np.testing.assert_allclose(lazy.params_, eager.params_, rtol=1e-10)
    assert np.isnan(lazy.bse_[-1]) and lazy.alpha_test_ == eager.alpha_test_


SEPARATED_X = np.array([-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0])
QUASI_X = np.array([-2.0, -1.5, -1.0, 0.0, 0.0, 1.0, 1.5, 2.0])
BINARY_Y = np.array([0.0, 0, 0, 0, 1, 1, 1, 1])


@pytest.mark.parametrize("link", ["logit", "probit", "cloglog"])
def test_separated_classes_give_the_statistics_limits_and_name_the_cause(link):
    """Complete separation: the supremum of the likelihood is 1 (log-likelihood, deviance and
    Pearson chi2 all 0, the fitted 0s and 1s contributing 0), no standard error; quasi-
    separation: the two tied rows at x = 0 keep the intercept, which statsmodels fits on those
    rows alone, and the slope runs off.  No NumPy warning leaks."""
    from probml.exceptions import BoundaryMaximumWarning, PerfectSeparationWarning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("error", RuntimeWarning)
        fit = GLM("binomial", link).fit(SEPARATED_X[:, None], BINARY_Y)
    assert [w.category for w in caught] == [PerfectSeparationWarning]
    assert issubclass(PerfectSeparationWarning, BoundaryMaximumWarning)
    assert (fit.deviance_, fit.pearson_chi2_, fit.loglik_) == (0.0, 0.0, 0.0)
    assert np.all(np.isnan(fit.bse_))
    np.testing.assert_array_equal(fit.mu_, BINARY_Y)
    assert "nan" not in str(fit.summary()).split("coef")[0]
    with pytest.warns(PerfectSeparationWarning):          # counts of 0 and 5 of 5 trials
        fit = GLM("binomial", link).fit(SEPARATED_X[:, None], 5 * BINARY_Y,
                                        trials=np.full(8, 5.0))
    assert (fit.deviance_, fit.loglik_) == (0.0, 0.0)
    np.testing.assert_array_equal(fit.mu_, 5 * BINARY_Y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("error", RuntimeWarning)
        fit = GLM("binomial", link).fit(QUASI_X[:, None], BINARY_Y)
    assert [w.category for w in caught] == [PerfectSeparationWarning]
    assert "x0" in str(caught[0].message)
    sm_link = {"logit": "Logit", "probit": "Probit", "cloglog": "CLogLog"}[link]
    tied = statsmodels_fit(np.array([0.0, 1.0]), np.zeros((2, 0)),
                           sm.families.Binomial(getattr(sm.families.links, sm_link)()))
    assert fit.params_[0] == pytest.approx(tied.params[0], rel=RTOL, abs=1e-12)
    assert fit.bse_[0] == pytest.approx(tied.bse[0], rel=RTOL)
    assert np.isnan(fit.bse_[1])
    assert fit.loglik_ == pytest.approx(tied.llf, rel=RTOL)
    assert fit.deviance_ == pytest.approx(tied.deviance, rel=RTOL)
    assert fit.pearson_chi2_ == pytest.approx(tied.pearson_chi2, rel=RTOL)


@pytest.mark.parametrize("family", ["poisson", "negative_binomial"])
def test_counts_of_zero_that_a_dummy_fits_leave_the_rest_at_the_maximum_of_the_others(family):
    """A group whose counts are all 0: its dummy runs off to -inf (no MLE), and the other
    coefficients, standard errors and statistics are statsmodels' fit to the other rows
    (the group's rows contribute 0 in the limit)."""
    from probml.exceptions import BoundaryMaximumWarning
    rng = np.random.default_rng(3)
    n = 90
    group = np.arange(n) % 3
    x = rng.standard_normal(n)
    X = np.column_stack([x, group == 1, group == 2]).astype(float)
    y = rng.negative_binomial(2, 2 / (2 + np.exp(0.8 + 0.3 * x))).astype(float)
    y[group == 2] = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("error", RuntimeWarning)
        fit = GLM(family).fit(X, y)
    assert [w.category for w in caught] == [BoundaryMaximumWarning]
    assert "30 of 90 rows" in str(caught[0].message) and "x2" in str(caught[0].message)
    kept = group != 2
    if family == "poisson":
        theirs = statsmodels_fit(y[kept], X[kept, :2], sm.families.Poisson())
        assert fit.deviance_ == pytest.approx(theirs.deviance, rel=RTOL)
        assert fit.pearson_chi2_ == pytest.approx(theirs.pearson_chi2, rel=RTOL)
    else:
        theirs = sm.NegativeBinomial(y[kept], sm.add_constant(X[kept, :2])).fit(
            method="newton", tol=1e-14, maxiter=200, disp=0)
    identified = [0, 1, 2] + ([4] if family == "negative_binomial" else [])
    np.testing.assert_allclose(fit.params_[identified], theirs.params, rtol=1e-7)
    np.testing.assert_allclose(fit.bse_[identified], theirs.bse, rtol=1e-7)
    assert np.isnan(fit.bse_[3]) and fit.params_[3] < -10
    assert fit.loglik_ == pytest.approx(theirs.llf, rel=RTOL)
    assert np.all(fit.mu_[~kept] == 0.0)


def test_log_binomial_near_the_edge_of_its_link_converges_where_scoring_stalls():
    """Fisher scoring reaches the log-likelihood's rounding floor before its gradient test
    here (raising max_iter changes nothing); Newton's steps finish it, and the covariance is
    still the expected information, as statsmodels' IRLS reports it."""
    x = np.linspace(-1, 1, 30)
    y = (x > 0).astype(float)
    y[-1], y[15] = 0.0, 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = GLM("binomial", "log").fit(x[:, None], y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")        # statsmodels' DomainWarning about the log link
        model = sm.GLM(y, sm.add_constant(x),
                       family=sm.families.Binomial(sm.families.links.Log()))
        # From a start inside the link's reach (its default start leaves it).
        newton = model.fit(start_params=[-1.0, 0.8], method="newton", tol=1e-14, maxiter=200)
        theirs = model.fit(start_params=newton.params, tol=1e-15, maxiter=200)
    np.testing.assert_allclose(fit.params_, theirs.params, rtol=RTOL)
    np.testing.assert_allclose(fit.bse_, theirs.bse, rtol=1e-7)
    assert fit.converged_


# One degenerate response per class: a count family's responses all on an edge, separated,
# quasi-separated, or with an exposure at the ends of double precision.
DEGENERATE = {
    "all zero": (SEPARATED_X, np.zeros(8), None),
    "all one": (SEPARATED_X, np.ones(8), None),
    "separated": (SEPARATED_X, BINARY_Y, None),
    "quasi-separated": (QUASI_X, BINARY_Y, None),
    "huge exposure": (SEPARATED_X, np.array([0.0, 1, 3, 0, 2, 5, 1, 4]), 1e300),
    "tiny exposure": (SEPARATED_X, np.array([0.0, 1, 3, 0, 2, 5, 1, 4]), 1e-300),
}


@pytest.mark.parametrize("family, link", [(name, link) for name in ("binomial", "poisson",
                                                                      "negative_binomial")
                                          for link in FAMILIES[name].links])
def test_degenerate_counts_get_finite_statistics_or_a_named_warning(family, link):
    """Every count family and link on every degenerate class: finite deviance, Pearson chi2
    and log-likelihood, a NaN standard error only with a probml warning that names the
    cause, never a standard error of 0, no NumPy warning."""
    import probml
    for label, (x, y, exposure) in DEGENERATE.items():
        if (label == "all one" and family != "binomial") or (exposure and (
                link != "log" or family == "binomial")):
            continue
        if family != "binomial" and label in ("separated", "quasi-separated"):
            y = 3 * y          # counts of 0 beside positive counts
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.simplefilter("error", RuntimeWarning)
            fit = GLM(family, link).fit(x[:, None], y, exposure=None if exposure is None
                                        else np.full(8, exposure))
        assert all(issubclass(w.category, probml.ProbmlWarning) for w in caught), label
        # The cause is named: not "raise max_iter", which would change nothing here.
        assert not any("raise max_iter" in str(w.message) for w in caught), label
        assert not np.any(fit.bse_ == 0), f"{label}: a standard error of 0"
        for value in (fit.deviance_, fit.pearson_chi2_, fit.loglik_):
            assert np.isfinite(value), (label, value)
        assert np.all(np.isfinite(fit.params_)), label
        if np.any(np.isnan(fit.bse_)):
            assert caught, f"{label}: NaN standard errors without a warning"


def test_glm_summary_gives_the_number_of_observations_and_counts_as_whole_numbers():
    X, y = _cpunish()
    fit = GLM("poisson").fit(X, y)
    text = str(fit.summary())
    assert "No. observations:" in text and f"{len(y)}    " in text
    assert "7.0000" not in text and ".0000    Df" not in text
    statistics = fit.summary().to_dict()["statistics"]
    assert statistics["No. observations"] == len(y) == fit.n_obs_
    assert isinstance(statistics["No. observations"], int)
    assert statistics["Df residuals"] == len(y) - 7 and isinstance(
        statistics["Df residuals"], int)
    weights = np.full(len(y), 0.5)
    halves = GLM("poisson").fit(X, y, freq_weights=weights).summary().to_dict()
    assert halves["statistics"]["No. observations"] == len(y) / 2


def test_the_command_line_takes_max_iter(tmp_path, capsys):
    import json

    from probml import cli
    X, y = _underdispersed(n=60)
    path = tmp_path / "counts.csv"
    path.write_text("x0,x1,y\n" + "".join(f"{a!r},{b!r},{c!r}\n" for a, b, c in
                                          zip(X[:, 0].tolist(), X[:, 1].tolist(), y.tolist())))
    argv = ["fit", str(path), "--target", "y", "--model", "negative_binomial", "--format",
            "json"]
    assert cli.main([*argv, "--max-iter", "500"]) == 0
    captured = capsys.readouterr()
    record = json.loads(captured.out)
    assert record["parameters"][-1]["name"] == "alpha" and record["parameters"][-1]["coef"] == 0
    assert "alpha has its maximum at 0" in captured.err and "raise max_iter" not in captured.err
    assert cli.main([*argv, "--max-iter", "1"]) == 0
    assert "raise max_iter" in capsys.readouterr().err
    assert cli.main([*argv[:-4], "--model", "linear", "--max-iter", "5"]) == 2
    assert "--max-iter applies to" in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.DomainWarning")
@pytest.mark.parametrize("family, link, sm_family", [
    ("gamma", "inverse", lambda: sm.families.Gamma()),
    ("inverse_gaussian", "identity",
     lambda: sm.families.InverseGaussian(sm.families.links.Identity())),
    ("gaussian", "log", lambda: sm.families.Gaussian(sm.families.links.Log()))])
def test_families_with_a_free_dispersion_fit_a_response_at_any_scale(family, link, sm_family):
    """y times s is fitted as statsmodels fits y, transformed: coefficients times s^q under
    eta = mu^q (the intercept plus log s under the log link), standard errors alike, deviance
    times s^(2 - v) for V = mu^v, log-likelihood less n log s.  Beyond double precision's
    exponents, a clear error."""
    data = sm.datasets.scotland.load_pandas()
    X, y = data.exog.to_numpy()[:, :2], data.endog.to_numpy()
    theirs = statsmodels_fit(y, X, sm_family())
    q = {"identity": 1, "inverse": -1}.get(link, 0)
    v = {"gaussian": 0, "gamma": 2, "inverse_gaussian": 3}[family]
    for s in (1e-60, 1e60):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ours = GLM(family, link).fit(X, y * s)
        params = theirs.params * s ** q + (np.log(s) * (np.arange(3) == 0) if not q else 0)
        np.testing.assert_allclose(ours.params_, params, rtol=1e-7)
        np.testing.assert_allclose(ours.bse_, theirs.bse * s ** q, rtol=1e-7)
        assert ours.deviance_ == pytest.approx(theirs.deviance * s ** (2 - v), rel=1e-7)
        assert ours.loglik_ == pytest.approx(theirs.llf - len(y) * np.log(s), rel=1e-7)
    with pytest.raises(ValueError, match="y reaches"):
        GLM(family, link).fit(X, y * 1e300)


def test_separated_classes_on_dask_are_named_and_have_no_standard_errors():
    """On Dask the linear program would need the rows: a fit that stalls with rows fitted at
    0 or 1 says the classes may be separated, and reports no standard errors."""
    da = pytest.importorskip("dask.array")
    from probml.exceptions import PerfectSeparationWarning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("error", RuntimeWarning)
        fit = GLM("binomial").fit(da.from_array(SEPARATED_X[:, None], chunks=(4, 1)),
                                  da.from_array(BINARY_Y, chunks=4))
    assert [w.category for w in caught] == [PerfectSeparationWarning]
    assert "X.compute()" in str(caught[0].message)
    assert np.all(np.isnan(fit.bse_)) and np.isfinite(fit.deviance_)


EXACT_CASES = {
    "gaussian-identity": ("gaussian", "identity", lambda: sm.families.Gaussian()),
    "gaussian-log": ("gaussian", "log", lambda: sm.families.Gaussian(sm.families.links.Log())),
    "gamma-log": ("gamma", "log", lambda: sm.families.Gamma(sm.families.links.Log())),
    "inverse_gaussian-log": ("inverse_gaussian", "log",
                             lambda: sm.families.InverseGaussian(sm.families.links.Log())),
}


def _exact_data(link, noise):
    """25 rows of two features, analytic weights, and a response on the model's mean times
    1 + ``noise`` standard normals (0: the mean itself, exact up to rounding)."""
    rng = np.random.default_rng(31)
    X = rng.normal(size=(25, 2)) * [1.0, 10.0]
    eta = 0.3 + X @ [0.1, -0.02]
    mean = eta if link == "identity" else np.exp(eta)
    return X, mean * (1 + noise * rng.standard_normal(25)), rng.uniform(0.5, 2.0, 25)


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.PerfectSeparationWarning")
@pytest.mark.parametrize("case", EXACT_CASES)
def test_a_fit_exact_to_rounding_is_flagged_and_a_noisy_one_is_not(case):
    """A response the model fits exactly leaves Pearson's chi-square at the rounding of the
    data: the fit says so, its z statistics, p-values and intervals are NaN (statsmodels
    prints z near 1e15), and its estimates are statsmodels'.  Noise of 1e-9 of y, far
    above that level, is measured: no warning, and statsmodels' numbers."""
    from probml.exceptions import PerfectFitWarning, ProbmlWarning
    family, link, sm_family = EXACT_CASES[case]
    X, y, weights = _exact_data(link, 0.0)
    with pytest.warns(PerfectFitWarning, match="Pearson's chi-square"):
        ours = GLM(family, link).fit(X, y, sample_weight=weights)
    theirs = statsmodels_fit(y, X, sm_family(), var_weights=weights)
    np.testing.assert_allclose(ours.params_, theirs.params, rtol=1e-12)
    assert np.all(np.abs(theirs.tvalues) > 1e12) and ours.exact_fit_
    assert np.all(np.isnan(ours.tvalues_)) and np.all(np.isnan(ours.pvalues_))
    assert np.all(np.isnan(ours.conf_int()))
    for noise in (1e-9, 0.1):
        X, y, weights = _exact_data(link, noise)
        with warnings.catch_warnings():
            warnings.simplefilter("error", ProbmlWarning)
            ours = GLM(family, link).fit(X, y, sample_weight=weights)
        theirs = statsmodels_fit(y, X, sm_family(), var_weights=weights)
        # The residuals of noise 1e-9 carry rounding of 1e-7 of themselves.
        rtol = 1e-5 if noise < 1e-3 else RTOL
        assert not ours.exact_fit_
        np.testing.assert_allclose(ours.params_, theirs.params, rtol=RTOL)
        np.testing.assert_allclose(ours.tvalues_, theirs.tvalues, rtol=rtol)
        # A tail probability's relative error is about z^2 times that of z.
        np.testing.assert_allclose(ours.pvalues_, theirs.pvalues,
                                   rtol=rtol * np.max(theirs.tvalues ** 2), atol=1e-300)
        assert ours.pearson_chi2_ == pytest.approx(theirs.pearson_chi2, rel=rtol)


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.PerfectSeparationWarning")
def test_a_fit_exact_to_rounding_on_dask_is_flagged_in_the_same_pass():
    """On Dask chunks the rounding level comes from the pass that sums the deviance and
    Pearson's chi-square: the same flag and estimates as in memory."""
    da = pytest.importorskip("dask.array")
    from probml.exceptions import PerfectFitWarning
    X, y, _ = _exact_data("log", 0.0)
    with pytest.warns(PerfectFitWarning, match="Pearson's chi-square"):
        ours = GLM("gamma", "log").fit(da.from_array(X, chunks=(10, 2)),
                                       da.from_array(y, chunks=10))
    theirs = statsmodels_fit(y, X, sm.families.Gamma(sm.families.links.Log()))
    np.testing.assert_allclose(ours.params_, theirs.params, rtol=1e-12)
    assert np.all(np.isnan(ours.tvalues_)) and np.all(np.isnan(ours.conf_int()))


def test_covariates_whose_squares_overflow_are_refused_by_name():
    """At 2**600 a column's squares overflow: named, where Newton's method stopped at its
    start with slopes of 0 and 'raise max_iter'.  At 2**400 the fit is the unscaled one
    with its coefficients divided by 2**400, exactly (a power of two)."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 2))
    y = rng.poisson(np.exp(0.3 + X @ [0.4, -0.2])).astype(float)
    with pytest.raises(ValueError, match="X column 0 has values so large .* squares overflow"):
        GLM(family="poisson").fit(X * 2.0 ** 600, y)
    plain, scaled = GLM(family="poisson").fit(X, y), GLM(family="poisson").fit(X * 2.0 ** 400, y)
    np.testing.assert_allclose(scaled.params_[1:] * 2.0 ** 400, plain.params_[1:], rtol=1e-12)
    np.testing.assert_allclose(scaled.bse_[1:] * 2.0 ** 400, plain.bse_[1:], rtol=1e-10)
