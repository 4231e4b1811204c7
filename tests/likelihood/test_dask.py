"""The likelihood engine on Dask (GLMs, fit_distribution, a user's model): the in-memory fit,
a row chunk at a time, without ever turning a collection into one in-memory array."""

import warnings

import numpy as np
import pytest

from probml.likelihood import GLM, Model, fit_distribution

da = pytest.importorskip("dask.array")

# One chunk, ragged chunks with a single row among them, and 60 chunks of one row (then the
# rest: a pass's cost grows with the number of chunks, not what it checks).
CHUNKINGS = {"one": (500,), "ragged": (37, 1, 262, 200), "single-rows": (1,) * 60 + (440,)}


@pytest.fixture
def no_materialising(monkeypatch):
    """Turning a whole Dask array into a NumPy one is an error while a test runs."""
    def refuse(self, *args, **kwargs):
        raise AssertionError("a fit turned a whole Dask array into a NumPy array")
    monkeypatch.setattr(da.Array, "__array__", refuse)


def _lazy(values, chunks):
    return da.from_array(values, chunks=(chunks,) + values.shape[1:])


def _record(fit):
    """Estimates, standard errors, log-likelihood (and a GLM's deviance, Pearson chi-square
    and dispersion)."""
    return np.r_[fit.params_, fit.bse_, fit.loglik_,
                 [getattr(fit, name) for name in ("deviance_", "pearson_chi2_", "scale_")
                  if hasattr(fit, name)]]


def _samples():
    rng = np.random.default_rng(7)
    n = 500
    return {
        "norm": rng.normal(3.0, 2.0, n), "expon": rng.exponential(2.0, n),
        "gamma": rng.gamma(2.0, 3.0, n), "weibull_min": 2.0 * rng.weibull(1.5, n),
        "lognorm": rng.lognormal(0.0, 0.5, n), "beta": rng.beta(2.0, 3.0, n),
        "t": rng.standard_t(5.0, n), "poisson": rng.poisson(3.0, n).astype(float),
        "geom": rng.geometric(0.3, n).astype(float),
        "nbinom": rng.negative_binomial(3, 0.4, n).astype(float),
    }


SAMPLES = _samples()


@pytest.mark.parametrize("chunking", CHUNKINGS)
@pytest.mark.parametrize("family", SAMPLES)
def test_fit_distribution_on_dask_is_the_in_memory_fit(family, chunking, no_materialising):
    x = SAMPLES[family]
    lazy = fit_distribution(_lazy(x, CHUNKINGS[chunking]), family)
    eager = fit_distribution(x, family)
    np.testing.assert_allclose(_record(lazy), _record(eager), rtol=1e-10)
    assert lazy.n_obs_ == eager.n_obs_ == len(x)


@pytest.mark.parametrize("family, cov_type", [("gamma", "sandwich"), ("norm", "sandwich"),
                                              ("gamma", "expected"), ("beta", "expected")])
def test_other_covariances_are_sums_over_the_chunks(family, cov_type, no_materialising):
    x = SAMPLES[family]
    lazy = fit_distribution(_lazy(x, CHUNKINGS["ragged"]), family, cov_type=cov_type)
    np.testing.assert_allclose(lazy.bse_, fit_distribution(x, family, cov_type=cov_type).bse_,
                               rtol=1e-10)


def _glm_cases():
    rng = np.random.default_rng(1)
    n = 500
    X = rng.normal(size=(n, 3))
    eta = 0.3 + X @ [0.5, -0.2, 0.1]
    p = 1 / (1 + np.exp(-eta))
    return X, {
        "poisson": (dict(family="poisson"), rng.poisson(np.exp(eta)).astype(float), {}),
        "poisson-exposure": (dict(family="poisson"), rng.poisson(np.exp(eta)).astype(float),
                             {"exposure": rng.uniform(1, 3, n), "offset": rng.normal(0, .1, n)}),
        "gamma-log": (dict(family="gamma", link="log"), rng.gamma(2, np.exp(eta) / 2), {}),
        "gamma-inverse": (dict(family="gamma"), rng.gamma(2, 1 / (2 + X @ [.1, .1, .1]) / 2), {}),
        "bernoulli": (dict(family="binomial"), (rng.uniform(size=n) < p).astype(float), {}),
        "binomial-probit": (dict(family="binomial", link="probit"),
                            rng.binomial(5, p).astype(float), {"trials": np.full(n, 5.0)}),
        "gaussian": (dict(family="gaussian"), eta + rng.normal(size=n), {}),
        "gaussian-no-intercept": (dict(family="gaussian", fit_intercept=False),
                                  eta + rng.normal(size=n), {"offset": rng.normal(size=n)}),
        "negative-binomial": (dict(family="negative_binomial"),
                              rng.negative_binomial(3, 3 / (3 + np.exp(eta))).astype(float), {}),
        "inverse-gaussian": (dict(family="inverse_gaussian", link="log"),
                             rng.wald(np.exp(eta), 3.0), {}),
    }


X_GLM, GLM_CASES = _glm_cases()


@pytest.mark.parametrize("chunking", CHUNKINGS)
@pytest.mark.parametrize("case", GLM_CASES)
def test_a_glm_on_dask_is_the_in_memory_fit(case, chunking, no_materialising):
    options, y, columns = GLM_CASES[case]
    chunks = CHUNKINGS[chunking]
    lazy = GLM(**options).fit(_lazy(X_GLM, chunks), _lazy(y, chunks),
                              **{name: _lazy(values, chunks) for name, values in columns.items()})
    eager = GLM(**options).fit(X_GLM, y, **columns)
    np.testing.assert_allclose(_record(lazy), _record(eager), rtol=1e-10)
    assert isinstance(lazy.mu_, da.Array)                 # the fitted means stay lazy
    assert lazy.n_features_in_ == 3


@pytest.mark.parametrize("cov_type", ["HC0", "HC1", "HC2", "HC3"])
@pytest.mark.parametrize("case", ["poisson-exposure", "gamma-log", "binomial-probit",
                                  "gaussian-no-intercept"])
def test_a_glms_robust_covariance_on_dask_is_the_in_memory_one(case, cov_type,
                                                                no_materialising):
    """The sandwich's meat is summed over the chunks (the scores and, for HC2 and HC3, the
    leverages of each), its bread the inverse information (observed under a
    non-canonical link, one more pass)."""
    options, y, columns = GLM_CASES[case]
    chunks = CHUNKINGS["ragged"]
    lazy = GLM(**options, cov_type=cov_type).fit(
        _lazy(X_GLM, chunks), _lazy(y, chunks),
        **{name: _lazy(values, chunks) for name, values in columns.items()})
    eager = GLM(**options, cov_type=cov_type).fit(X_GLM, y, **columns)
    np.testing.assert_allclose(_record(lazy), _record(eager), rtol=1e-10)


def test_a_glms_fitted_means_are_computed_lazily():
    options, y, columns = GLM_CASES["binomial-probit"]
    lazy = GLM(**options).fit(_lazy(X_GLM, 100), _lazy(y, 100),
                              trials=_lazy(columns["trials"], 100))
    eager = GLM(**options).fit(X_GLM, y, **columns)
    np.testing.assert_allclose(lazy.mu_.compute(), eager.mu_, rtol=1e-13)
    np.testing.assert_allclose(lazy.predict(X_GLM), eager.predict(X_GLM), rtol=1e-13)
    predicted = lazy.predict(_lazy(X_GLM, 70))               # lazy on Dask input
    assert isinstance(predicted, da.Array)
    np.testing.assert_allclose(predicted.compute(), eager.predict(X_GLM), rtol=1e-13)


def test_a_glm_on_a_large_dask_array_warm_starts_from_a_few_chunks(no_materialising):
    """Past 200,000 rows both fits start from a subsample (different ones), and both stop
    within the tolerance of the same maximum."""
    rng = np.random.default_rng(3)
    n = 240_000
    X = rng.normal(size=(n, 4))
    y = rng.poisson(np.exp(0.2 + X @ [0.3, -0.2, 0.1, 0.0])).astype(float)
    lazy = GLM("poisson", tol=1e-12).fit(_lazy(X, 60_000), _lazy(y, 60_000))
    eager = GLM("poisson", tol=1e-12).fit(X, y)
    np.testing.assert_allclose(_record(lazy), _record(eager), rtol=1e-10)


def test_a_users_model_with_covariates_runs_on_dask(no_materialising):
    import sympy as sp

    y, mu = sp.symbols("y mu", positive=True)
    model = Model(y * sp.log(mu) - mu - sp.loggamma(y + 1), data=y, params=[mu],
                  link={mu: "log"}, support="counts")
    _, counts, _ = GLM_CASES["poisson"]
    lazy = model.fit(_lazy(counts, (37, 1, 262, 200)), X=_lazy(X_GLM, (37, 1, 262, 200)))
    np.testing.assert_allclose(_record(lazy), _record(model.fit(counts, X=X_GLM)), rtol=1e-10)


def test_bad_dask_input_to_the_engine_gets_a_clear_error():
    x = SAMPLES["gamma"].copy()
    x[300] = -1.0
    with pytest.raises(ValueError, match=r"support of the model\); x\[300\] = -1\.$"):
        fit_distribution(_lazy(x, 100), "gamma")
    with pytest.raises(ValueError, match=r"support of the model\); x\[0\] = -"):
        fit_distribution(_lazy(-SAMPLES["gamma"], 100), "gamma")
    x[300] = np.nan
    with pytest.raises(ValueError,
                       match=r"x contains NaN \(a missing value\) at row 300; remove or impute"):
        fit_distribution(_lazy(x, 100), "gamma")
    X = X_GLM.copy()
    X[433, 2] = np.inf
    with pytest.raises(ValueError, match=r"X contains inf at row 433, column 2;"):
        GLM("poisson").fit(_lazy(X, 100), _lazy(GLM_CASES["poisson"][1], 100))
    options, y, columns = GLM_CASES["binomial-probit"]
    too_many = y.copy()
    too_many[130] = 6.0
    with pytest.raises(ValueError, match=r"y <= trials; y\[30\] = 6 > trials = 5.*row 100"):
        GLM(**options).fit(_lazy(X_GLM, 100), _lazy(too_many, 100),
                           trials=_lazy(columns["trials"], 100))
    with pytest.raises(ValueError, match="exposure must be one number > 0"):
        GLM("poisson").fit(_lazy(X_GLM, 100), _lazy(GLM_CASES["poisson"][1], 100),
                           exposure=_lazy(np.zeros(500), 100))
    with pytest.raises(ValueError, match="cov_type='cluster' is not available with Dask"):
        GLM("poisson", cov_type="cluster").fit(_lazy(X_GLM, 100),
                                               _lazy(GLM_CASES["poisson"][1], 100))
    with pytest.raises(ValueError, match="freq_weights is not available with Dask"):
        GLM("poisson").fit(_lazy(X_GLM, 100), _lazy(GLM_CASES["poisson"][1], 100),
                           freq_weights=np.ones(500))
    with pytest.raises(ValueError, match="offset has 499 values but X has 500 rows"):
        GLM("poisson").fit(_lazy(X_GLM, 100), _lazy(GLM_CASES["poisson"][1], 100),
                           offset=_lazy(np.zeros(499), 100))
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no NumPy warning leaks from the chunks
        with pytest.raises(ValueError, match="support"):
            fit_distribution(_lazy(-SAMPLES["gamma"], 100), "weibull")


def test_the_dask_paths_run_on_a_local_cluster_of_two_workers():
    """Worker processes receive each task pickled: the engine's passes, a GLM's sandwich,
    softmax regression, RidgeCV's scores and an event log's distinct rows."""
    distributed = pytest.importorskip("distributed")
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    import probml
    from probml import growth
    from probml.selection import RidgeCV

    options, y, columns = GLM_CASES["poisson-exposure"]
    x = SAMPLES["weibull_min"]
    classes = np.digitize(X_GLM @ [1.0, -1.0, 0.5] + np.random.default_rng(2).normal(
        size=len(X_GLM)), [-0.5, 0.5]).astype(float)
    events = pd.DataFrame({"user": np.arange(2000) % 50, "day": np.arange(2000) % 17})
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        glm = GLM(**options, cov_type="HC3").fit(
            _lazy(X_GLM, 100), _lazy(y, 100),
            **{name: _lazy(values, 100) for name, values in columns.items()})
        weibull = fit_distribution(_lazy(x, 100), "weibull_min")
        softmax = probml.LogisticRegression().fit(_lazy(X_GLM, 100), _lazy(classes, 100))
        ridge = RidgeCV().fit(_lazy(X_GLM, 100), _lazy(y, 100))
        log = dd.from_pandas(events, npartitions=4)
        sticky = growth.stickiness(log.user, log.day)
    np.testing.assert_allclose(
        _record(glm), _record(GLM(**options, cov_type="HC3").fit(X_GLM, y, **columns)),
        rtol=1e-10)
    np.testing.assert_allclose(_record(weibull), _record(fit_distribution(x, "weibull_min")),
                               rtol=1e-10)
    np.testing.assert_allclose(softmax.bse_, probml.LogisticRegression().fit(X_GLM,
                                                                             classes).bse_,
                               rtol=1e-10)
    np.testing.assert_allclose(ridge.coef_, RidgeCV().fit(X_GLM, y).coef_, rtol=1e-10)
    assert sticky.value == growth.stickiness(events.user, events.day).value
