"""The linear-Gaussian models on Dask: the same fit as in memory, a chunk of rows at a time,
without ever turning the collection into one in-memory array."""

import numpy as np
import pytest

import probml

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")

MODELS = {
    "linear": lambda: probml.LinearRegression(),
    "linear-no-intercept": lambda: probml.LinearRegression(fit_intercept=False),
    # The sandwich: one more pass for the residuals and leverages of each chunk.
    "linear-HC1": lambda: probml.LinearRegression(cov_type="HC1"),
    "linear-HC3": lambda: probml.LinearRegression(cov_type="HC3"),
    "linear-HC2-no-intercept": lambda: probml.LinearRegression(cov_type="HC2",
                                                               fit_intercept=False),
    "ridge": lambda: probml.Ridge(alpha=2.0),
    "bayes": lambda: probml.BayesianLinearRegression(alpha=0.5, beta=2.0),
    "bayes-evidence": lambda: probml.BayesianLinearRegression(fit_precisions=True),
}
# One chunk, regular chunks, ragged chunks (with a single row among them), and 60 chunks of
# one row (then the rest: a pass's cost grows with the number of chunks).
CHUNKINGS = {"one": (400,), "regular": (100,) * 4, "ragged": (37, 1, 262, 100),
             "single-rows": (1,) * 60 + (340,)}


def _data(seed=0, n=400):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)) * [1.0, 3.0, 0.5] + [0.0, 5.0, -3.0]
    return X, X @ [1.0, -0.5, 4.0] + 2.0 + rng.normal(size=n)


def _record(fitted):
    """What a fit reports: its statistics (log-likelihood or evidence, R², AIC, ...), and
    each estimate with its standard error (not the p-values: a p-value of 1e-70 moves by
    t² times the t statistic's rounding)."""
    summary = fitted.summary().to_dict()
    numbers = [value for value in summary["statistics"].values()
               if isinstance(value, float)]
    for parameter in summary["parameters"]:       # a posterior reports its mean and sd
        numbers += [parameter.get("coef", parameter.get("mean")),
                    parameter.get("std_err", parameter.get("sd"))]
    return np.array(numbers)


@pytest.fixture
def no_materialising(monkeypatch):
    """Turning a whole Dask array into a NumPy one is an error while a test runs."""
    def refuse(self, *args, **kwargs):
        raise AssertionError("a fit turned a whole Dask array into a NumPy array")
    monkeypatch.setattr(da.Array, "__array__", refuse)


@pytest.mark.parametrize("chunking", CHUNKINGS)
@pytest.mark.parametrize("model", MODELS)
def test_the_dask_fit_is_the_in_memory_fit(model, chunking, no_materialising):
    X, y = _data()
    chunks = CHUNKINGS[chunking]
    lazy = MODELS[model]().fit(da.from_array(X, chunks=(chunks, 3)),
                               da.from_array(y, chunks=(chunks,)))
    eager = MODELS[model]().fit(X, y)
    np.testing.assert_allclose(lazy.coef_, eager.coef_, rtol=1e-10)
    np.testing.assert_allclose(_record(lazy), _record(eager), rtol=1e-10, atol=1e-300)


PENALISED = {
    "lasso": lambda: probml.Lasso(alpha=0.3),
    "lasso-no-intercept": lambda: probml.Lasso(alpha=0.1, fit_intercept=False),
    "bridge": lambda: probml.BridgeRegression(alpha=0.3, p=1.5),
}


@pytest.mark.parametrize("chunking", CHUNKINGS)
@pytest.mark.parametrize("model", PENALISED)
def test_the_lasso_on_dask_is_the_in_memory_fit(model, chunking, no_materialising):
    """Coordinate descent runs on the Gram matrix, merged from the chunks' statistics."""
    X, y = _data()
    chunks = CHUNKINGS[chunking]
    lazy = PENALISED[model]().fit(da.from_array(X, chunks=(chunks, 3)),
                                  da.from_array(y, chunks=(chunks,)))
    eager = PENALISED[model]().fit(X, y)
    np.testing.assert_allclose(np.r_[lazy.intercept_, lazy.coef_],
                               np.r_[eager.intercept_, eager.coef_], rtol=1e-10)
    assert lazy.n_samples_ == eager.n_samples_ == len(y)
    with pytest.raises(ValueError, match="sample_weight is not available with Dask"):
        probml.Lasso().fit(da.from_array(X), y, sample_weight=np.ones(len(y)))


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("chunking", CHUNKINGS)
def test_loo_gcv_and_ridge_cv_on_dask_are_the_in_memory_ones(chunking, fit_intercept,
                                                            no_materialising):
    from probml.selection import RidgeCV, gcv_score, loo_residuals

    X, y = _data(4)
    chunks = CHUNKINGS[chunking]
    lazy_X, lazy_y = da.from_array(X, chunks=(chunks, 3)), da.from_array(y, chunks=(chunks,))
    residuals = loo_residuals(lazy_X, lazy_y, 2.0, fit_intercept=fit_intercept)
    assert isinstance(residuals, da.Array)           # computed a chunk at a time, on demand
    eager = loo_residuals(X, y, 2.0, fit_intercept=fit_intercept)
    # Each residual's rounding is that of y's scale, not its own (some are near 0).
    np.testing.assert_allclose(residuals.compute(), eager, rtol=1e-10,
                               atol=1e-12 * np.max(np.abs(eager)))
    assert gcv_score(lazy_X, lazy_y, 1.0, fit_intercept=fit_intercept) == pytest.approx(
        gcv_score(X, y, 1.0, fit_intercept=fit_intercept), rel=1e-10)
    for criterion in ("loo", "gcv"):
        alphas = [0.1, 1.0, 10.0, 100.0]
        lazy = RidgeCV(alphas, criterion=criterion, fit_intercept=fit_intercept).fit(lazy_X,
                                                                                     lazy_y)
        eager = RidgeCV(alphas, criterion=criterion, fit_intercept=fit_intercept).fit(X, y)
        assert lazy.alpha_ == eager.alpha_
        np.testing.assert_allclose(lazy.cv_values_, eager.cv_values_, rtol=1e-10)
        np.testing.assert_allclose(np.r_[lazy.intercept_, lazy.coef_],
                                   np.r_[eager.intercept_, eager.coef_], rtol=1e-10)


def test_loo_on_dask_names_a_row_of_leverage_one_and_refuses_an_ill_conditioned_design():
    from probml.selection import RidgeCV, loo_residuals

    X, y = _data(5, n=40)
    X = np.column_stack([X, np.eye(40)[33]])         # row 33 has a feature of its own
    lazy = loo_residuals(da.from_array(X, chunks=(10, 4)), da.from_array(y, chunks=10))
    with pytest.raises(ValueError, match="row 33 has leverage 1"):
        lazy.compute()
    with pytest.raises(ValueError, match="row 33 has leverage 1"):
        RidgeCV([1e-14]).fit(da.from_array(X, chunks=(10, 4)), da.from_array(y, chunks=10))
    X, y = _data(6)
    X[:, 2] = X[:, 1] + 1e-5 * X[:, 0]
    with pytest.raises(ValueError, match="ill-conditioned.*SVD of the rows in memory"):
        RidgeCV().fit(da.from_array(X, chunks=(100, 3)), da.from_array(y, chunks=100))


def test_a_dask_data_frame_names_the_features(no_materialising):
    pandas = pytest.importorskip("pandas")
    X, y = _data(1)
    frame = pandas.DataFrame(X, columns=["hours", "sleep", "coffee"])
    lazy = probml.LinearRegression().fit(dd.from_pandas(frame, npartitions=3),
                                         dd.from_pandas(pandas.Series(y), npartitions=3))
    eager = probml.LinearRegression().fit(frame, y)
    assert list(lazy.feature_names_in_) == ["hours", "sleep", "coffee"]
    np.testing.assert_allclose(lazy.bse_, eager.bse_, rtol=1e-10)
    assert list(lazy.params_.index) == list(eager.params_.index)


def test_chunks_of_x_and_y_need_not_match():
    X, y = _data(2)
    lazy = probml.Ridge(alpha=1.0).fit(da.from_array(X, chunks=(70, 2)),
                                       da.from_array(y, chunks=(150,)))
    np.testing.assert_allclose(lazy.coef_, probml.Ridge(alpha=1.0).fit(X, y).coef_,
                               rtol=1e-10)


def test_on_a_local_cluster_of_two_workers():
    distributed = pytest.importorskip("distributed")
    X, y = _data(3)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        lazy = probml.LinearRegression().fit(da.from_array(X, chunks=(50, 3)),
                                             da.from_array(y, chunks=(50,)))
    np.testing.assert_allclose(_record(lazy), _record(probml.LinearRegression().fit(X, y)),
                               rtol=1e-10, atol=1e-300)


def test_bad_dask_input_gets_a_clear_error():
    X, y = _data(4)
    X[123, 1] = np.nan
    with pytest.raises(ValueError,
                       match=r"X contains NaN \(a missing value\) at row 123, column 1;"):
        probml.LinearRegression().fit(da.from_array(X, chunks=(50, 3)), da.from_array(y))
    X, y = _data(4)
    y[7] = np.inf
    with pytest.raises(ValueError, match="y contains inf at row 7;"):
        probml.Ridge().fit(da.from_array(X, chunks=(50, 3)), da.from_array(y))
    with pytest.raises(ValueError, match="sample_weight is not available with Dask input"):
        probml.Ridge().fit(da.from_array(X), da.from_array(y), sample_weight=np.ones(len(y)))
    with pytest.raises(ValueError, match="y has 399 values but X has 400 rows"):
        probml.LinearRegression().fit(da.from_array(X), da.from_array(y[:-1]))
    with pytest.raises(ValueError, match="X must hold numbers"):
        probml.LinearRegression().fit(da.from_array(X.astype(str)), da.from_array(y))


def test_a_design_that_needs_its_rows_is_refused_not_read_into_memory(no_materialising):
    rng = np.random.default_rng(5)
    x = rng.normal(size=400)
    X = np.column_stack([x, x + 1e-9 * rng.normal(size=400)])     # condition ~1e9
    y = x + rng.normal(size=400)
    with pytest.raises(ValueError, match=r"needs the rows in memory.*X.compute\(\)"):
        probml.LinearRegression().fit(da.from_array(X, chunks=(100, 2)), da.from_array(y))
    with pytest.raises(ValueError, match="groups is not available with Dask input"):
        probml.LinearRegression(cov_type="cluster").fit(
            da.from_array(X[:, :1]), da.from_array(y), groups=np.arange(400) % 7)


# -- logistic regression: Newton's method, one pass over the chunks per step --------------

def _classes(seed=0, n=600):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    eta = X @ [1.0, -0.8, 0.3] + 0.4
    return X, (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)


def _logistic_record(fitted):
    return np.r_[fitted.params_, fitted.bse_, fitted.loglik_, fitted.llnull_, fitted.aic_,
                 fitted.bic_, fitted.prsquared_]


@pytest.mark.parametrize("chunking", ["one", "ragged", "single-rows"])
@pytest.mark.parametrize("make", [lambda: probml.LogisticRegression(),
                                  lambda: probml.LogisticRegression(penalty="l2", C=0.5),
                                  lambda: probml.LogisticRegression(fit_intercept=False)])
def test_logistic_regression_on_dask_is_the_in_memory_fit(make, chunking, no_materialising):
    X, y = _classes(n=400)
    chunks = CHUNKINGS[chunking]
    lazy = make().fit(da.from_array(X, chunks=(chunks, 3)), da.from_array(y, chunks=(chunks,)))
    eager = make().fit(X, y)
    np.testing.assert_array_equal(lazy.classes_, eager.classes_)
    np.testing.assert_allclose(_logistic_record(lazy), _logistic_record(eager), rtol=1e-10)


def test_logistic_regression_warm_starts_from_a_few_chunks(no_materialising):
    """Past 200,000 rows both fits start from a subsample (other rows for each), so they
    agree to their convergence tolerance: at tol=1e-12, to 1e-10."""
    X, y = _classes(n=240_000, seed=1)
    lazy = probml.LogisticRegression(tol=1e-12).fit(da.from_array(X, chunks=(25_000, 3)),
                                                    da.from_array(y, chunks=(25_000,)))
    eager = probml.LogisticRegression(tol=1e-12).fit(X, y)
    np.testing.assert_allclose(_logistic_record(lazy), _logistic_record(eager), rtol=1e-10)


def test_a_strong_signal_is_fitted_with_a_warning_not_refused():
    """Rows fitted at probability 0 or 1 with rows on the wrong side too: not separated; the
    fit stands, with a warning that quasi-separation is checked in memory only."""
    rng = np.random.default_rng(13)
    X = rng.normal(size=(4000, 2)) * 10
    y = (X @ [3.0, -2.0] + rng.logistic(size=4000) > 0).astype(int)
    # At tol=1e-12 both stop at the MLE itself, not where the rounding of their sums
    # happens to meet the default tolerance.
    with pytest.warns(probml.exceptions.PerfectSeparationWarning, match="quasi-separated"):
        lazy = probml.LogisticRegression(tol=1e-12).fit(da.from_array(X, chunks=(500, 2)),
                                                        da.from_array(y, chunks=500))
    eager = probml.LogisticRegression(tol=1e-12).fit(X, y)
    np.testing.assert_allclose(lazy.params_, eager.params_, rtol=1e-10)


def _three_classes(seed=4, n=600):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    eta = np.column_stack([np.zeros(n), X @ [1.0, -0.5, 0.2] + 0.3,
                           X @ [-0.4, 0.8, 0.1] - 0.2])
    P = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
    return X, (rng.random(n)[:, None] > np.cumsum(P, axis=1)).sum(axis=1).astype(float)


@pytest.mark.parametrize("chunking", ["one", "ragged", "single-rows"])
@pytest.mark.parametrize("make", [lambda: probml.LogisticRegression(),
                                  lambda: probml.LogisticRegression(penalty="l2", C=0.5),
                                  lambda: probml.LogisticRegression(fit_intercept=False)])
def test_softmax_regression_on_dask_is_the_in_memory_fit(make, chunking, no_materialising):
    """K > 2 classes: the in-memory Newton's method, each pass summed over the chunks."""
    X, y = _three_classes()
    chunks = {"one": (600,), "ragged": (37, 1, 262, 300),
              "single-rows": (1,) * 60 + (540,)}[chunking]
    lazy = make().fit(da.from_array(X, chunks=(chunks, 3)), da.from_array(y, chunks=(chunks,)))
    eager = make().fit(X, y)
    assert list(lazy.classes_) == list(eager.classes_) == [0.0, 1.0, 2.0]
    np.testing.assert_allclose(_logistic_record(lazy), _logistic_record(eager), rtol=1e-10)


def test_logistic_regression_on_dask_refuses_clearly():
    X, y = _classes(2)
    Xd = da.from_array(X, chunks=(100, 3))
    with pytest.raises(ValueError, match="at least 2 classes in y; it has 1"):
        probml.LogisticRegression().fit(Xd, da.from_array(np.zeros(len(y)), chunks=100))
    with pytest.raises(ValueError, match="The classes are separated.*multinomial MLE"):
        probml.LogisticRegression().fit(Xd, da.from_array(np.digitize(X[:, 0], [-0.5, 0.5]),
                                                          chunks=100))
    with pytest.raises(ValueError,
                       match=r"X contains NaN \(a missing value\) at row 144, column 1;"):
        X_missing = X.copy()
        X_missing[144, 1] = np.nan
        probml.LogisticRegression(penalty="l2").fit(
            da.from_array(X_missing, chunks=(100, 3)),
            da.from_array(y + (X[:, 0] > 1), chunks=100))
    with pytest.raises(ValueError, match="The classes are separated"):
        probml.LogisticRegression().fit(Xd, da.from_array((X[:, 0] > 0).astype(int),
                                                          chunks=100))
    with pytest.raises(ValueError, match="sample_weight is not available with Dask input"):
        probml.LogisticRegression().fit(Xd, da.from_array(y, chunks=100),
                                        sample_weight=np.ones(len(y)))
    X[250, 2] = np.inf
    with pytest.raises(ValueError, match=r"X contains inf at row 250, column 2;"):
        probml.LogisticRegression().fit(da.from_array(X, chunks=(100, 3)),
                                        da.from_array(y, chunks=100))


# -- predictions: lazy, a chunk of rows at a time, by the NumPy code --------------------------

@pytest.mark.parametrize("make, method", [
    (lambda: probml.LinearRegression(), "predict"), (lambda: probml.Ridge(), "predict"),
    (lambda: probml.BayesianLinearRegression(), "predict"),
    (lambda: probml.LogisticRegression(), "predict"),
    (lambda: probml.LogisticRegression(), "predict_proba"),
    (lambda: probml.LogisticRegression(), "predict_log_proba")])
def test_predictions_on_dask_are_lazy_and_equal_the_numpy_ones(make, method,
                                                               no_materialising):
    X, y = _classes(6, n=400) if "Logistic" in repr(make()) else _data(6)
    fitted = make().fit(X, y)
    lazy = getattr(fitted, method)(da.from_array(X, chunks=(CHUNKINGS["ragged"], 3)))
    assert isinstance(lazy, da.Array)
    values = lazy.compute()
    expected = getattr(fitted, method)(X)
    assert values.dtype == expected.dtype and lazy.dtype == expected.dtype
    if values.dtype.kind == "f":    # a one-row chunk may take another BLAS kernel: an ulp
        np.testing.assert_allclose(values, expected, rtol=1e-14, atol=1e-300)
    else:
        np.testing.assert_array_equal(values, expected)


def test_predictions_from_a_dask_data_frame_keep_the_feature_names():
    pandas = pytest.importorskip("pandas")
    X, y = _data(7)
    frame = pandas.DataFrame(X, columns=["a", "b", "c"])
    fitted = probml.LinearRegression().fit(dd.from_pandas(frame, npartitions=4),
                                           dd.from_pandas(pandas.Series(y), npartitions=4))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")           # no feature-names warning per chunk
        lazy = fitted.predict(dd.from_pandas(frame, npartitions=3)).compute()
    np.testing.assert_allclose(lazy, fitted.predict(frame).to_numpy(), rtol=1e-15)
    with pytest.raises(ValueError, match="on Dask input returns the values only"):
        fitted.predict(dd.from_pandas(frame, npartitions=3), return_std=True)


def test_bayesian_partial_fit_takes_dask_batches(no_materialising):
    X, y = _data(8)
    model = probml.BayesianLinearRegression(fit_precisions=True)
    model.partial_fit(da.from_array(X[:150], chunks=(40, 3)), da.from_array(y[:150]))
    model.partial_fit(X[150:300], y[150:300])                  # NumPy and Dask batches mix
    model.partial_fit(da.from_array(X[300:], chunks=(33, 3)), da.from_array(y[300:]))
    whole = probml.BayesianLinearRegression(fit_precisions=True).fit(X, y)
    np.testing.assert_allclose(_record(model), _record(whole), rtol=1e-10)
    with pytest.raises(ValueError, match="X has 2 features, but this model was fitted with 3"):
        model.partial_fit(da.from_array(X[:, :2]), da.from_array(y))


@pytest.mark.parametrize("chunking", CHUNKINGS)
def test_normal_and_bernoulli_on_dask_are_the_in_memory_fits(chunking, no_materialising):
    rng = np.random.default_rng(9)
    chunks = CHUNKINGS[chunking]
    x = 1e7 + rng.normal(size=400)                  # an offset the two passes must survive
    lazy, eager = (probml.Normal().fit(da.from_array(x, chunks=(chunks,))),
                   probml.Normal().fit(x))
    np.testing.assert_allclose([lazy.mean_, lazy.var_, lazy.loglik_, *lazy.bse_],
                               [eager.mean_, eager.var_, eager.loglik_, *eager.bse_],
                               rtol=1e-10)
    assert lazy.loglik(1e7, 1.0) == pytest.approx(eager.loglik(1e7, 1.0), rel=1e-10)
    outcomes = (rng.random(400) < 0.3).astype(int)
    lazy = probml.Bernoulli().fit(da.from_array(outcomes, chunks=(chunks,)))
    eager = probml.Bernoulli().fit(outcomes)
    assert (lazy.n_samples_, lazy.n_successes_) == (eager.n_samples_, eager.n_successes_)
    assert lazy.bse_ == eager.bse_ and lazy.loglik_ == eager.loglik_


def test_normal_and_bernoulli_name_bad_values_in_the_whole_sample():
    x = np.arange(400.0)
    x[271] = np.nan
    with pytest.raises(ValueError, match=r"x contains NaN \(a missing value\) at row 271;"):
        probml.Normal().fit(da.from_array(x, chunks=100))
    outcomes = np.zeros(400)
    outcomes[333] = 2.0
    with pytest.raises(ValueError, match="row 333 is 2.0"):
        probml.Bernoulli().fit(da.from_array(outcomes, chunks=(37, 63, 300)))
    huge = np.full(10, 1e308)
    huge[3] = -1e308
    with pytest.raises(ValueError, match="variance of x is about 1e616, beyond double"):
        probml.Normal().fit(da.from_array(huge, chunks=4))
    # Squares that underflow: both paths scale by a power of two first.
    tiny = 1e-155 * (1 + np.random.default_rng(10).normal(size=50))
    assert probml.Normal().fit(da.from_array(tiny, chunks=7)).var_ == pytest.approx(
        probml.Normal().fit(tiny).var_, rel=1e-12)


# -- data larger than the memory the fit uses ------------------------------------------------

# Two scheduler threads and one BLAS thread, so that the chunks in flight, and the memory,
# do not depend on the machine's cores.
_IMPORTS = ("import sys, dask, dask.array as da, dask.threaded, zarr, probml, scipy.special\n"
            "dask.config.set(num_workers=2)\n")
_FIT_FROM_STORE = """
data = da.from_zarr(sys.argv[1])
probml.LinearRegression().fit(data[:, :-1], data[:, -1]).summary()
"""
# The child's own peak: VmHWM of its memory after exec (ru_maxrss would count the forked
# test process's pages too).
_PEAK = "\nprint(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])"


def _peak_mib(code, *argv):
    """Peak resident memory (MiB) of ``code`` run in a fresh Python."""
    import subprocess
    import sys

    import os

    environment = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    result = subprocess.run([sys.executable, "-c", code + _PEAK, *argv], capture_output=True,
                            text=True, check=True, timeout=300, env=environment)
    return int(result.stdout.split()[-1]) / 1024


def test_a_fit_from_a_zarr_store_holds_a_few_chunks_not_the_data(tmp_path):
    """A 3,000,000 x 11 store (250 MiB) in chunks of 50,000 rows: the fit's memory beyond
    what its imports take is under a third of the store (a few chunks' worth)."""
    import os

    zarr = pytest.importorskip("zarr")
    if not os.path.exists("/proc/self/status"):
        pytest.skip("the peak memory is read from /proc/self/status (Linux)")
    rows, chunk, columns = 3_000_000, 50_000, 11
    store = zarr.open_array(str(tmp_path / "data.zarr"), mode="w", shape=(rows, columns),
                            chunks=(chunk, columns), dtype="f8")
    rng = np.random.default_rng(11)
    for start in range(0, rows, chunk):
        X = rng.standard_normal((chunk, columns - 1))
        store[start:start + chunk] = np.column_stack([X, X.sum(axis=1) + rng.normal(
            size=chunk)])
    size = rows * columns * 8 / 2 ** 20
    imports = _peak_mib(_IMPORTS)
    fit = _peak_mib(_IMPORTS + _FIT_FROM_STORE, str(tmp_path / "data.zarr"))
    assert fit - imports < size / 3, (fit, imports, size)


def test_a_worker_killed_during_a_fit_changes_nothing():
    """distributed reruns the lost worker's tasks elsewhere: the fit is the same."""
    import threading
    import time

    distributed = pytest.importorskip("distributed")
    X, y = _classes(12, n=40_000)
    expected = probml.LogisticRegression().fit(X, y)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        Xd = da.from_array(X, chunks=(1000, 3))
        yd = da.from_array(y, chunks=(1000,))
        fitted, errors = {}, []

        def fit():
            try:
                fitted["model"] = probml.LogisticRegression().fit(Xd, yd)
            except Exception as error:          # noqa: BLE001 - reported below
                errors.append(error)

        worker = threading.Thread(target=fit)
        worker.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:          # until a worker has the fit's tasks
            busy = [address for address, tasks in client.processing().items() if tasks]
            if busy:
                break
            time.sleep(0.005)
        assert busy, "no task of the fit reached a worker"
        victim = next(nanny for nanny in cluster.workers.values()
                      if nanny.worker_address == busy[0])
        victim.process.process.kill()               # the worker dies holding its tasks
        worker.join(timeout=120)
        assert not worker.is_alive() and not errors, errors
        assert len(client.scheduler_info()["workers"]) >= 1
    np.testing.assert_allclose(_logistic_record(fitted["model"]), _logistic_record(expected),
                               rtol=1e-10)
