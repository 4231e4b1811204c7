"""Logistic and softmax regression against statsmodels and scikit-learn."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression as SklearnLogistic
from sklearn.preprocessing import StandardScaler

import probml
from probml import LogisticRegression, PerfectSeparationWarning


def sklearn_fit(X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # lbfgs iteration-limit chatter
        return SklearnLogistic(tol=1e-12, max_iter=100_000, **kwargs).fit(X, y)


@pytest.fixture(scope="module")
def spector():
    data = sm.datasets.spector.load_pandas()
    return data.exog, data.endog


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X[:, :8]), y


@pytest.fixture
def multiclass(rng):
    X = rng.normal(size=(600, 3))
    logits = X @ rng.normal(size=(3, 4))
    P = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(4, p=p) for p in P])
    return X, y


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.ConvergenceWarning")
@pytest.mark.parametrize("dataset", ["spector", "cancer"])
def test_mle_matches_statsmodels_logit(dataset, request):
    X, y = request.getfixturevalue(dataset)
    model = LogisticRegression().fit(X, y)
    reference = sm.Logit(np.asarray(y), sm.add_constant(np.asarray(X))).fit(
        disp=0, method="newton", tol=1e-14, maxiter=100)
    np.testing.assert_allclose(model.params_, reference.params, rtol=1e-6)
    np.testing.assert_allclose(model.bse_, reference.bse, rtol=1e-6)
    np.testing.assert_allclose(model.pvalues_, reference.pvalues, rtol=1e-6)
    np.testing.assert_allclose(model.conf_int(0.1), reference.conf_int(0.1), rtol=1e-6)
    for ours, theirs in [("loglik_", "llf"), ("llnull_", "llnull"), ("llr_", "llr"),
                         ("llr_pvalue_", "llr_pvalue"), ("prsquared_", "prsquared"),
                         ("aic_", "aic"), ("bic_", "bic")]:
        assert getattr(model, ours) == pytest.approx(getattr(reference, theirs), rel=1e-6)
    assert model.df_model_ == reference.df_model and model.df_resid_ == reference.df_resid
    np.testing.assert_allclose(model.predict_proba(X)[:, 1], reference.predict(), rtol=1e-6)
    odds = model.odds_ratios(0.05)
    np.testing.assert_allclose(odds[:, 0], np.exp(reference.params), rtol=1e-6)
    np.testing.assert_allclose(odds[:, 1:], np.exp(reference.conf_int(0.05)), rtol=1e-6)
    assert model.converged_ and not model.separation_


def test_a_tol_below_rounding_stops_at_the_fixed_point(spector):
    """Newton stops when its step is rounding, instead of stepping in place to max_iter."""
    X, y = spector
    model = LogisticRegression(tol=1e-60, max_iter=100_000).fit(X, y)
    assert model.converged_ and model.n_iter_ < 30
    reference = sm.Logit(np.asarray(y), sm.add_constant(np.asarray(X))).fit(
        disp=0, method="newton", tol=1e-14, maxiter=100)
    np.testing.assert_allclose(model.params_, reference.params, rtol=1e-9)


def test_summary_names_the_columns_and_the_method(spector):
    X, y = spector
    text = str(LogisticRegression().fit(X, y).summary())
    assert "GPA" in text and "P>|z|" in text and "Pseudo R-squ." in text and "MLE" in text
    penalised = str(LogisticRegression(penalty="l2").fit(X, y).summary())
    assert "L2 MAP" in penalised and "conditional on the penalty" in penalised


@pytest.mark.parametrize("C", [0.01, 0.3, 1.0, 10.0])
def test_l2_map_matches_sklearn(cancer, C):
    X, y = cancer
    ours = LogisticRegression(penalty="l2", C=C).fit(X, y)
    theirs = sklearn_fit(X, y, C=C, solver="newton-cholesky")
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-6, atol=1e-9)
    # lbfgs at its tightest tolerance stops a little short (2e-6 to 3e-5 relative
    # here): scikit-learn's objective is lower at probml's estimate than at its own.
    lbfgs = sklearn_fit(X, y, C=C)
    A = np.column_stack([np.ones(len(y)), X])

    def objective(intercept, coef):
        eta = A @ np.r_[intercept, coef]
        return C * np.sum(np.logaddexp(0, eta) - y * eta) + 0.5 * coef @ coef

    assert objective(ours.intercept_[0], ours.coef_[0]) <= objective(lbfgs.intercept_[0],
                                                                     lbfgs.coef_[0])
    same = LogisticRegression(penalty="l2", alpha=1 / C).fit(X, y)
    np.testing.assert_allclose(same.coef_, ours.coef_, rtol=1e-12)


def test_l2_fit_is_the_map_under_a_gaussian_prior(cancer):
    # Maximise log-likelihood + log N(w; 0, C I) with SciPy: the same point.
    from scipy import optimize, stats

    X, y = cancer
    C = 0.5
    A = np.column_stack([np.ones(len(y)), X])

    def negative_log_posterior(beta):
        eta = A @ beta
        return -(np.sum(y * eta - np.logaddexp(0, eta))
                 + stats.norm.logpdf(beta[1:], 0, probml.logistic_C_to_prior_std(C)).sum())

    found = optimize.minimize(negative_log_posterior, np.zeros(A.shape[1]), method="BFGS",
                              options={"gtol": 1e-9}).x
    model = LogisticRegression(penalty="l2", C=C).fit(X, y)
    np.testing.assert_allclose(model.params_, found, rtol=1e-5, atol=1e-6)
    assert probml.prior_std_to_logistic_C(probml.logistic_C_to_prior_std(C)) == pytest.approx(C)


def test_multinomial_mle_matches_statsmodels_and_sklearn(multiclass):
    X, y = multiclass
    model = LogisticRegression().fit(X, y)
    reference = sm.MNLogit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-14,
                                                      maxiter=100)
    np.testing.assert_allclose(model.params_, np.asarray(reference.params).ravel(), rtol=1e-6)
    np.testing.assert_allclose(model.bse_, np.asarray(reference.bse).ravel(), rtol=1e-6)
    assert model.loglik_ == pytest.approx(reference.llf, rel=1e-10)
    assert model.aic_ == pytest.approx(reference.aic, rel=1e-10)
    assert not np.any(model.coef_[0]) and model.coef_.shape == (4, 3)
    np.testing.assert_allclose(model.predict_proba(X), sklearn_fit(X, y, C=np.inf)
                               .predict_proba(X), atol=1e-5)


def test_multinomial_tol_below_rounding_and_a_short_max_iter(multiclass):
    """A tol below rounding stops at the fixed point; stopping early is not separation."""
    X, y = multiclass
    reference = sm.MNLogit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-14,
                                                      maxiter=100)
    model = LogisticRegression(tol=1e-60, max_iter=100_000).fit(X, y)
    assert model.converged_ and model.n_iter_ < 40
    np.testing.assert_allclose(model.params_, np.asarray(reference.params).ravel(), rtol=1e-9)
    with pytest.warns(probml.ConvergenceWarning, match="max_iter=1"):
        early = LogisticRegression(max_iter=1).fit(X, y)
    assert not early.separation_ and not early.converged_
    assert np.all(np.isfinite(early.bse_))


def test_multinomial_separation_is_found_by_its_linear_program(rng):
    """Class 2 lies below the others in x1 (the others overlap): quasi-complete separation."""
    X = rng.normal(size=(90, 2))
    y = np.repeat([0, 1, 2], 30)
    X[y == 2, 1] -= 3 + np.ptp(X[:, 1])
    with pytest.warns(PerfectSeparationWarning, match="separated by x1:"):
        model = LogisticRegression().fit(X, y)
    assert model.separation_ and model.separating_features_ == ["x1"]
    assert np.all(np.isnan(model.bse_))
    X[:3, 1], X[30:33, 1], X[60:63, 1] = X[60:63, 1], X[:3, 1], X[30:33, 1]   # now they overlap
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        overlapping = LogisticRegression().fit(X, y)
    assert not overlapping.separation_ and overlapping.converged_


@pytest.mark.parametrize("C", [0.1, 1.0])
def test_multinomial_map_matches_sklearn_with_any_labels(multiclass, C):
    X, y = multiclass
    names = np.array(["ant", "bee", "cat", "dog"])[y]
    ours = LogisticRegression(penalty="l2", C=C).fit(X, names)
    theirs = sklearn_fit(X, names, C=C)
    assert list(ours.classes_) == ["ant", "bee", "cat", "dog"]
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_ - theirs.intercept_.mean(),
                               atol=1e-5)
    assert np.mean(ours.predict(X) == theirs.predict(X)) > 0.99
    assert ours.score(X, names) == pytest.approx(theirs.score(X, names), abs=0.01)


def test_binary_labels_of_any_type(spector):
    X, y = spector
    words = np.where(y == 1, "improved", "same")
    numeric = LogisticRegression().fit(X, y)
    text = LogisticRegression().fit(X, words)
    # "improved" sorts first, so it is class 0: the log-odds change sign.
    np.testing.assert_allclose(text.coef_, -numeric.coef_, rtol=1e-10)
    assert set(text.predict(X)) <= {"improved", "same"}


def test_large_data_take_the_subsample_start_and_agree_with_statsmodels(rng):
    n = 400_000
    X = rng.normal(size=(n, 3))
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(X @ [0.5, -1.0, 0.25] + 0.3)))).astype(float)
    model = LogisticRegression().fit(X, y)
    reference = sm.Logit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-14)
    np.testing.assert_allclose(model.params_, reference.params, rtol=1e-6)
    np.testing.assert_allclose(model.bse_, reference.bse, rtol=1e-6)
    X[312_345, 1] = np.nan
    with pytest.raises(ValueError, match="NaN .* at row 312345, column 1"):
        LogisticRegression().fit(X, y)


@pytest.fixture(scope="module")
def just_past_the_subsample_start():
    """Data at the size where Newton starts from a subsample and takes chord steps, with
    |z| up to 35 (a p-value's relative error is z^2 times its z value's there)."""
    from probml.models import logistic

    rng = np.random.default_rng(0)
    n = 4 * logistic._SUBSAMPLE_ROWS
    X = rng.normal(size=(n, 3)) * [1.0, 3.0, 0.01] + [0.0, 5.0, 0.0]
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(X @ [0.15, -0.05, 1.5] + 0.3)))).astype(float)
    return X, y


def test_the_large_data_path_reports_the_optimum_and_its_exact_information(
        just_past_the_subsample_start):
    """statsmodels' full Newton is the oracle: the estimate, and the standard errors,
    p-values and intervals of the information there (before, the chord steps stopped a
    relative 1e-9 short and the p-values were off by 7e-7)."""
    X, y = just_past_the_subsample_start
    model = LogisticRegression().fit(X, y)
    reference = sm.Logit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-14)
    np.testing.assert_allclose(model.params_, reference.params, rtol=1e-12)
    np.testing.assert_allclose(model.bse_, reference.bse, rtol=1e-9)
    np.testing.assert_allclose(model.pvalues_, reference.pvalues, rtol=1e-7)
    np.testing.assert_allclose(model.conf_int(0.05), reference.conf_int(0.05), rtol=1e-10)


@pytest.mark.parametrize("tol", [1e-8, 1e-4])
def test_tol_bounds_the_mean_gradient_as_in_scikit_learn(just_past_the_subsample_start, tol):
    """Every component of the mean log-likelihood's gradient at the estimate is within tol
    (scikit-learn's lbfgs criterion), computed here from the definition."""
    X, y = just_past_the_subsample_start
    model = LogisticRegression(tol=tol).fit(X, y)
    A = sm.add_constant(X)
    gradient = A.T @ (y - 1 / (1 + np.exp(-A @ model.params_))) / len(y)
    assert model.converged_ and np.max(np.abs(gradient)) <= tol


_OVERLAPPING_FITS = """
from concurrent.futures import ThreadPoolExecutor
import numpy as np, scipy.linalg, threadpoolctl
from probml import LogisticRegression

def blas_threads():
    return sorted((entry["filepath"], entry["num_threads"])
                  for entry in threadpoolctl.threadpool_info() if entry["user_api"] == "blas")

rng = np.random.default_rng(0)
data = [(rng.normal(size=(n, 20)), (rng.uniform(size=n) < 0.5).astype(int))
        for n in (20_000, 3_000, 50_000, 1_000)]
LogisticRegression().fit(*data[0])
before = blas_threads()
with ThreadPoolExecutor(4) as pool:
    list(pool.map(lambda k: LogisticRegression().fit(*data[k % 4]), range(16)))
print(before == blas_threads(), before, blas_threads())
"""


def test_fits_on_overlapping_threads_leave_blas_as_it_was():
    """BLAS's thread count belongs to the process: fits run from several threads at once
    share one limit of one thread, lifted by the last (before, a fit that had saved the
    limit another had set restored it, leaving all BLAS on one thread for good).  In a
    process of its own, with two BLAS threads."""
    pytest.importorskip("threadpoolctl")
    done = subprocess.run([sys.executable, "-c", _OVERLAPPING_FITS], capture_output=True,
                          text=True, env={**os.environ, "OPENBLAS_NUM_THREADS": "2"},
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("True"), done.stdout


def test_the_large_data_fit_is_the_same_on_any_number_of_threads(monkeypatch):
    """The warm start, the chord steps and the inference give the same bits whether the
    passes run on one thread or several, and whatever number of threads BLAS has (before,
    BLAS's own threads split its products' sums: 5e-15 apart at 30 columns)."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from probml.models import logistic

    rng = np.random.default_rng(5)
    X = rng.normal(size=(4 * logistic._SUBSAMPLE_ROWS, 30))
    y = (rng.uniform(size=len(X)) < 1 / (1 + np.exp(-X @ rng.normal(size=30) / 5))).astype(int)
    fits = []
    for threads, blas in [("1", None), ("2", None), ("3", None), ("2", 1), ("1", 1)]:
        monkeypatch.setenv("PROBML_NUM_THREADS", threads)
        with threadpoolctl.threadpool_limits(blas, user_api="blas"):
            model = LogisticRegression().fit(X, y)
        fits.append(np.r_[model.params_, model.bse_, model.loglik_])
    for fit in fits[1:]:
        np.testing.assert_array_equal(fit, fits[0])


def test_rare_events_on_the_large_data_path_match_statsmodels():
    """Three positives in 200,000 rows: the gradient per row is tiny long before the
    optimum, and the information sits on three rows; Newton's step must still be measured
    where the information is."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200_000, 2))
    y = np.zeros(len(X))
    y[[17, 90_001, 150_000]] = 1.0
    model = LogisticRegression().fit(X, y)
    # The oracle: Newton's method in NumPy, to rounding (quadratic from any near start).
    A, beta = sm.add_constant(X), model.params_
    for _ in range(4):
        mu = 1 / (1 + np.exp(-A @ beta))
        information = (A * (mu * (1 - mu))[:, None]).T @ A
        beta = beta + np.linalg.solve(information, A.T @ (y - mu))
    np.testing.assert_allclose(model.params_, beta, rtol=1e-9)
    # The information is taken where Newton's step moves the linear predictor by at most
    # 1e-8 (weighted root mean square; three rows carry it): the errors follow.
    np.testing.assert_allclose(model.bse_, np.sqrt(np.diag(np.linalg.inv(information))),
                               rtol=3e-8)


@pytest.mark.parametrize("X, y", [
    ([[0.0], [1.0]], [0, 1]),                                  # one row per class
    (np.random.default_rng(2).normal(size=(3, 5)), [0, 1, 0]),  # more columns than rows
], ids=["one-row-per-class", "wider-than-long"])
def test_classes_a_hyperplane_separates_are_found_however_few_the_rows(X, y):
    """Before, Newton's method stopped where its steps stopped halving (at coefficients of
    36) and called the fit converged, with no warning and standard errors of 9,000."""
    with pytest.warns(PerfectSeparationWarning, match="separated"):
        model = LogisticRegression().fit(X, y)
    assert model.separation_ and np.all(np.isnan(model.bse_))


@pytest.mark.parametrize("n", [1_000, 250_000], ids=["newton", "subsample-start"])
def test_dask_columns_too_small_to_square_or_constant_are_named(n):
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(4)
    X = rng.normal(size=(n, 2))
    y = da.from_array((rng.uniform(size=n) < 0.5).astype(float), chunks=n // 4)
    with pytest.raises(ValueError, match="column 0 has values so small .* squares underflow"):
        LogisticRegression().fit(da.from_array(X * 1e-300, chunks=(n // 4, 2)), y)
    constant = np.column_stack([X, np.full(n, 2.0)])
    with pytest.raises(ValueError, match="Feature 2 does not vary beside the intercept"):
        LogisticRegression().fit(da.from_array(constant, chunks=(n // 4, 3)), y)


def test_the_summary_says_which_class_is_one(spector):
    X, y = spector
    labelled = y.map({0: "same", 1: "improved"}).rename("grade")
    model = LogisticRegression().fit(X, labelled)
    assert list(model.classes_) == ["improved", "same"]     # sorted: "same" is class 1
    assert "of P(grade = 'same')" in str(model.summary()).splitlines()[0]
    assert "P(y = 1.0)" in str(LogisticRegression().fit(X.to_numpy(), y.to_numpy()).summary())
    rng = np.random.default_rng(3)
    Z, k = rng.normal(size=(90, 2)), np.array(["a", "b", "c"])[rng.integers(0, 3, 90)]
    assert "log-odds against 'a'" in str(LogisticRegression().fit(Z, k).summary())


def test_perfect_separation_warns_names_the_feature_and_withholds_inference():
    X = np.column_stack([np.arange(8.0), [3, 1, 4, 1, 5, 9, 2, 6]])
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    with pytest.warns(PerfectSeparationWarning, match=r"separated by x0 \(on its own\).*"
                                                      r"does not exist.*penalty='l2'"):
        model = LogisticRegression().fit(X, y)
    assert model.separation_ and model.separating_features_ == ["x0"]
    assert np.all(np.isnan(model.bse_)) and np.all(np.isnan(model.pvalues_))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        penalised = LogisticRegression(penalty="l2", C=1.0).fit(X, y)
    assert np.all(np.isfinite(penalised.bse_)) and abs(penalised.coef_[0, 0]) < 5


def test_quasi_complete_and_joint_separation(rng):
    X = np.array([[1.0], [2.0], [3.0], [3.0], [4.0], [5.0]])
    with pytest.warns(PerfectSeparationWarning, match="x0"):
        LogisticRegression().fit(X, [0, 0, 0, 1, 1, 1])         # tie at x = 3
    Z = rng.normal(size=(60, 3))
    y = (Z[:, 0] + Z[:, 1] > 0).astype(int)
    with pytest.warns(PerfectSeparationWarning, match=r"x0, x1 \(together\)"):
        model = LogisticRegression().fit(Z, y)
    assert model.separating_features_ == ["x0", "x1"]
    overlapping = (rng.uniform(size=60) < 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not LogisticRegression().fit(Z, overlapping).separation_


def test_extreme_but_not_separated_data_converge(rng):
    # One far outlier gives a fitted probability near 1, but the classes overlap.
    X = np.r_[rng.normal(size=200), 40.0][:, None]
    y = np.r_[(rng.uniform(size=200) < 0.5), 1].astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LogisticRegression().fit(X, y)
    assert model.converged_ and not model.separation_ and np.all(np.isfinite(model.bse_))


@pytest.mark.parametrize("kwargs, X, y, message", [
    ({}, [[1.0], [2.0], [3.0]], [1, 1, 1], "only one class: 1"),
    ({}, [[1.0], [2.0], [3.0]], [0.0, 0.5, 1.0], "continuous values"),
    ({}, [[1.0], [np.nan], [3.0]], [0, 1, 0], "NaN"),
    ({}, [[1.0], [np.inf], [3.0], [4.0]], [0, 1, 0, 1], "inf"),
    ({}, [[1.0, 2.0], [2.0, 2.0], [3.0, 2.0], [4.0, 2.0]], [0, 1, 0, 1],
     "Feature 1 does not vary beside the intercept"),
    ({}, [[1e12], [1e12 + 1], [1e12 + 2], [1e12 + 3]], [0, 1, 0, 1],
     "differ by less than a millionth .* huge offset.*centre it"),
    ({}, [[1e-300], [2e-300], [3e-300], [4e-300]], [0, 1, 0, 1], "squares underflow"),
    ({}, [[5e-324], [0.0], [1e-323], [0.0]], [0, 1, 0, 1], "squares underflow"),
    ({}, [["a"], ["b"], ["c"]], [0, 1, 0], "non-numeric value 'a'"),
    ({}, [[1.0], [2.0]], [0, 1, 1], "inconsistent numbers of samples"),
    ({"penalty": "l2", "C": 0.0}, [[1.0], [2.0]], [0, 1], "C must be a number > 0"),
    ({"penalty": "l2", "C": -1.0}, [[1.0], [2.0]], [0, 1], "C must be a number > 0"),
    ({"penalty": "l2", "alpha": -0.5}, [[1.0], [2.0]], [0, 1],
     "alpha must be None or a number > 0"),
    ({"penalty": "l1"}, [[1.0], [2.0]], [0, 1], "penalty must be one of None or 'l2'"),
    ({"tol": 0.0}, [[1.0], [2.0]], [0, 1], "tol must be a number > 0"),
    ({"max_iter": 0}, [[1.0], [2.0]], [0, 1], "max_iter must be"),
])
def test_bad_input_is_named(kwargs, X, y, message):
    with pytest.raises(ValueError, match=message):
        LogisticRegression(**kwargs).fit(np.array(X, dtype=object) if isinstance(X[0][0], str)
                                         else X, y)


def test_zero_variance_is_fine_for_the_map():
    X = [[1.0, 2.0], [2.0, 2.0], [3.0, 2.0], [4.0, 2.0]]
    model = LogisticRegression(penalty="l2").fit(X, [0, 1, 0, 1])
    assert model.coef_[0, 1] == pytest.approx(0.0, abs=1e-12)


def test_not_fitted_and_feature_checks(spector):
    X, y = spector
    with pytest.raises(probml.NotFittedError):
        LogisticRegression().predict(X)
    model = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="features"), pytest.warns(UserWarning):
        model.predict(np.zeros((2, 5)))
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X)), model.predict_proba(X),
                               rtol=1e-12)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_probability_interval_matches_statsmodels_glm_prediction(spector, fit_intercept):
    X, y = np.asarray(spector[0]), np.asarray(spector[1])
    model = LogisticRegression(fit_intercept=fit_intercept).fit(X, y)
    design = sm.add_constant(X) if fit_intercept else X
    reference = sm.GLM(y, design, family=sm.families.Binomial()).fit(tol=1e-14)
    for level in (0.9, 0.95):
        expected = reference.get_prediction(design).conf_int(alpha=1 - level)
        np.testing.assert_allclose(model.predict_proba_interval(X, level), expected,
                                   rtol=1e-6)
    band = model.predict_proba_interval(X)
    p = model.predict_proba(X)[:, 1]
    assert np.all((band[:, 0] < p) & (p < band[:, 1]))


def test_probability_interval_needs_two_classes_and_a_fit(multiclass):
    with pytest.raises(probml.NotFittedError):
        LogisticRegression().predict_proba_interval([[1.0]])
    model = LogisticRegression().fit(*multiclass)
    with pytest.raises(ValueError, match="two classes; this model has 4"):
        model.predict_proba_interval(multiclass[0])


def _spector():
    data = sm.datasets.spector.load_pandas()
    return data.exog, data.endog


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_sample_weight_matches_statsmodels_glm_var_weights(fit_intercept):
    X, y = _spector()
    w = 1.0 / (1.0 + np.abs(X["GPA"] - X["GPA"].mean()))
    exog = sm.add_constant(X) if fit_intercept else X
    reference = sm.GLM(y, exog, family=sm.families.Binomial(), var_weights=w).fit(tol=1e-14)
    model = LogisticRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(model.params_, reference.params, rtol=1e-8)
    np.testing.assert_allclose(model.bse_, reference.bse, rtol=1e-8)
    np.testing.assert_allclose(model.pvalues_, reference.pvalues, rtol=1e-7)
    assert model.loglik_ == pytest.approx(reference.llf, rel=1e-10)
    if fit_intercept:    # statsmodels' null model without a constant is not probml's p = 1/2
        assert model.llnull_ == pytest.approx(reference.llnull, rel=1e-10)
    assert model.aic_ == pytest.approx(reference.aic, rel=1e-10)
    assert model.df_resid_ == reference.df_resid


def test_frequency_weights_equal_repeated_rows_binary_and_multinomial():
    X, y = _spector()
    counts = np.arange(len(y)) % 3 + (np.arange(len(y)) < 4)   # some rows weighted 0
    rows = np.repeat(np.arange(len(y)), counts)
    model = LogisticRegression().fit(X, y, freq_weights=counts)
    reference = sm.Logit(y.iloc[rows], sm.add_constant(X.iloc[rows])).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(model.params_, reference.params, rtol=1e-8)
    np.testing.assert_allclose(model.bse_, reference.bse, rtol=1e-8)
    assert model.loglik_ == pytest.approx(reference.llf, rel=1e-10)
    assert model.bic_ == pytest.approx(reference.bic, rel=1e-10)
    assert model.nobs_ == len(rows) and model.df_resid_ == reference.df_resid

    data = sm.datasets.anes96.load_pandas().data
    X, y = data[["logpopul", "age", "educ"]], data["vote"] + 2 * (data["income"] > 15)
    counts = np.arange(len(y)) % 3
    rows = np.repeat(np.arange(len(y)), counts)
    model = LogisticRegression().fit(X, y, freq_weights=counts)
    reference = sm.MNLogit(np.asarray(y)[rows], sm.add_constant(np.asarray(X)[rows])).fit(
        disp=0, method="newton", tol=1e-12)
    # statsmodels' table is (feature, class), probml's vector feature-major as well.
    np.testing.assert_allclose(model.bse_, np.asarray(reference.bse).ravel(), rtol=1e-7)
    assert model.loglik_ == pytest.approx(reference.llf, rel=1e-10)
    assert model.llnull_ == pytest.approx(reference.llnull, rel=1e-10)


def test_sample_weight_matches_scikit_learn_l2_and_weighted_accuracy():
    from sklearn.metrics import accuracy_score

    data = sm.datasets.anes96.load_pandas().data
    X, y = data[["logpopul", "age", "educ"]], data["vote"] + 2 * (data["income"] > 15)
    w = 1.0 + (data["age"] > 40)
    for labels in (data["vote"], y):
        ours = LogisticRegression(penalty="l2", C=0.5).fit(X, labels, sample_weight=w)
        theirs = sklearn_fit(X, labels, C=0.5, solver="newton-cholesky").fit(
            X, labels, sample_weight=w)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6, atol=1e-9)
        assert ours.score(X, labels, sample_weight=w) == pytest.approx(
            accuracy_score(labels, theirs.predict(X), sample_weight=w))
    with pytest.raises(ValueError, match="sample_weight"):
        LogisticRegression().fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="positive weight"):
        LogisticRegression().fit(X, data["vote"], sample_weight=data["vote"].astype(float))


def test_weighted_fit_on_many_rows_takes_the_subsample_start_and_agrees():
    # 200,000 rows start from weighted subsample fits; statsmodels' IRLS is the oracle.
    rng = np.random.default_rng(3)
    X = rng.standard_normal((200_000, 3))
    y = (rng.random(200_000) < 1 / (1 + np.exp(-(X @ [1.0, -1.0, 0.5] + 0.3)))).astype(int)
    w = rng.uniform(0.2, 3.0, 200_000)
    reference = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial(),
                       var_weights=w).fit(tol=1e-14)
    model = LogisticRegression().fit(X, y, sample_weight=w)
    np.testing.assert_allclose(model.params_, reference.params, rtol=1e-7)
    np.testing.assert_allclose(model.bse_, reference.bse, rtol=1e-7)
    assert model.loglik_ == pytest.approx(reference.llf, rel=1e-12)


def test_a_fit_running_off_is_never_called_converged():
    """Three classes cut by x0 at -0.5 and 0.5: the fit runs off until every row saturates,
    where the gradient and the information are rounding and Newton's step promises no gain
    (its decrement 0) while it still moves the estimate by a share of 0.3.  That was called
    converged, and on Dask whether the rows counted as separated then hung on the BLAS
    kernel's rounding (OPENBLAS_CORETYPE=Prescott warned where the default raised)."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(600, 3))
    with pytest.warns(PerfectSeparationWarning, match="x0"):
        model = LogisticRegression().fit(X, np.digitize(X[:, 0], [-0.5, 0.5]))
    assert not model.converged_
