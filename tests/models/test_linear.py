"""LinearRegression and Ridge against statsmodels, scikit-learn and closed forms."""

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from probml import (
    CollinearityWarning,
    LinearRegression,
)
from probml.exceptions import PerfectFitWarning


def _statsmodels_data(name):
    if name == "diabetes":
        from sklearn.datasets import load_diabetes

        X, y = load_diabetes(return_X_y=True, as_frame=True)
        return X, y
    data = getattr(sm.datasets, name).load_pandas()
    return data.exog, data.endog


DATASETS = ["diabetes", "longley", "stackloss", "scotland"]


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("cov_type", ["HC0", "HC1", "HC2", "HC3"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_robust_covariances_match_statsmodels(name, cov_type, fit_intercept):
    X, y = _statsmodels_data(name)
    design = np.asarray(X, float)
    exog = sm.add_constant(design) if fit_intercept else design
    reference = sm.OLS(np.asarray(y, float), exog).fit(cov_type=cov_type)
    model = LinearRegression(fit_intercept=fit_intercept, cov_type=cov_type).fit(X, y)
    # Longley's design has condition number 5e9: both libraries keep 8 digits there.
    rtol = 1e-6 if name == "longley" else 1e-8
    np.testing.assert_allclose(model.bse_, reference.bse, rtol=rtol)
    np.testing.assert_allclose(model.cov_params_, reference.cov_params(), rtol=rtol,
                               atol=rtol * np.abs(reference.cov_params()).max())
    np.testing.assert_allclose(model.pvalues_, reference.pvalues, rtol=rtol, atol=1e-300)
    np.testing.assert_allclose(model.conf_int(0.1), reference.conf_int(0.1), rtol=rtol,
                               atol=rtol * np.abs(reference.params).max())
    assert model.fvalue_ == pytest.approx(reference.fvalue, rel=rtol)
    # A p-value of 1e-11 moves by (F's relative error) x F x (its log slope): for Longley's
    # 1e-6 in F, 1e-4.
    assert model.f_pvalue_ == pytest.approx(reference.f_pvalue, rel=100 * rtol, abs=1e-300)
    assert "Covariance type" in str(model.summary()) and " z " in str(model.summary())


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_cluster_robust_covariance_matches_statsmodels(fit_intercept):
    # Grunfeld's investment data: ten firms observed over twenty years.
    data = sm.datasets.grunfeld.load_pandas().data
    X, y, firms = data[["value", "capital"]], data["invest"], data["firm"]
    exog = sm.add_constant(np.asarray(X, float)) if fit_intercept else np.asarray(X, float)
    reference = sm.OLS(np.asarray(y, float), exog).fit(
        cov_type="cluster", cov_kwds={"groups": firms.astype("category").cat.codes})
    model = LinearRegression(fit_intercept=fit_intercept, cov_type="cluster").fit(
        X, y, groups=firms)
    np.testing.assert_allclose(model.cov_params_, reference.cov_params(), rtol=1e-8)
    np.testing.assert_allclose(model.pvalues_, reference.pvalues, rtol=1e-8)
    assert model.fvalue_ == pytest.approx(reference.fvalue, rel=1e-8)
    assert model.f_pvalue_ == pytest.approx(reference.f_pvalue, rel=1e-8)


def test_robust_covariances_need_their_inputs_and_say_when_undefined():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((20, 2)), rng.standard_normal(20)
    with pytest.raises(ValueError, match="pass groups"):
        LinearRegression(cov_type="cluster").fit(X, y)
    with pytest.raises(ValueError, match="groups is for cov_type='cluster'"):
        LinearRegression().fit(X, y, groups=np.arange(20) % 2)
    with pytest.raises(ValueError, match="at least two clusters"):
        LinearRegression(cov_type="cluster").fit(X, y, groups=np.zeros(20))
    with pytest.raises(ValueError, match="one cluster label per row"):
        LinearRegression(cov_type="cluster").fit(X, y, groups=[0, 1])
    with pytest.raises(ValueError, match="cov_type"):
        LinearRegression(cov_type="HC4").fit(X, y)
    # A dummy column that is 1 in one row only: that row has leverage 1.
    X[:, 1] = 0.0
    X[0, 1] = 1.0
    from probml.exceptions import UndefinedStatisticWarning

    with pytest.warns(UndefinedStatisticWarning, match="leverage 1"):
        model = LinearRegression(cov_type="HC3").fit(X, y)
    assert np.isnan(model.bse_).all()
    assert np.all(np.isfinite(LinearRegression(cov_type="HC1").fit(X, y).bse_))


@pytest.mark.parametrize("name", DATASETS)
def test_ols_matches_statsmodels(name):
    X, y = _statsmodels_data(name)
    reference = sm.OLS(np.asarray(y, float), sm.add_constant(np.asarray(X, float))).fit()
    model = LinearRegression().fit(X, y)
    rtol = 1e-8
    np.testing.assert_allclose(model.params_, reference.params, rtol=rtol)
    np.testing.assert_allclose(model.bse_, reference.bse, rtol=rtol)
    np.testing.assert_allclose(model.pvalues_, reference.pvalues, rtol=rtol, atol=1e-300)
    np.testing.assert_allclose(model.tvalues_, reference.tvalues, rtol=rtol)
    np.testing.assert_allclose(model.cov_params_, reference.cov_params(), rtol=rtol,
                               atol=1e-12 * np.abs(reference.cov_params()).max())
    np.testing.assert_allclose(model.conf_int(0.1), reference.conf_int(0.1), rtol=rtol)
    for ours, theirs in [("rsquared_", "rsquared"), ("rsquared_adj_", "rsquared_adj"),
                         ("fvalue_", "fvalue"), ("f_pvalue_", "f_pvalue"),
                         ("loglik_", "llf"), ("aic_", "aic"), ("bic_", "bic")]:
        assert getattr(model, ours) == pytest.approx(getattr(reference, theirs), rel=rtol)
    assert model.sigma_ == pytest.approx(np.sqrt(reference.scale), rel=rtol)
    assert model.df_resid_ == reference.df_resid
    assert list(model.feature_names_in_) == list(X.columns)


def test_ols_without_intercept_matches_statsmodels(diabetes):
    X, y = diabetes
    reference = sm.OLS(y, X).fit()
    model = LinearRegression(fit_intercept=False).fit(X, y)
    np.testing.assert_allclose(model.coef_, reference.params, rtol=1e-8)
    np.testing.assert_allclose(model.bse_, reference.bse, rtol=1e-8)
    # Without an intercept R^2 is uncentred, as statsmodels reports it.
    assert model.rsquared_ == pytest.approx(reference.rsquared, rel=1e-10)
    assert model.fvalue_ == pytest.approx(reference.fvalue, rel=1e-8)
    assert model.intercept_ == 0.0


@pytest.mark.parametrize("solver", ["cholesky", "qr", "mpmath"])
def test_every_solver_agrees_with_statsmodels(solver):
    X, y = _statsmodels_data("stackloss")
    reference = sm.OLS(np.asarray(y), sm.add_constant(np.asarray(X))).fit()
    model = LinearRegression(solver=solver).fit(X, y)
    assert model.solver_ == solver
    np.testing.assert_allclose(model.params_, reference.params, rtol=1e-9)
    np.testing.assert_allclose(model.bse_, reference.bse, rtol=1e-9)


def test_auto_solver_leaves_the_fast_path_when_ill_conditioned(rng):
    x = rng.uniform(0, 1, 60)
    X = np.column_stack([x**k for k in range(1, 9)])
    y = np.sin(3 * x) + 0.01 * rng.standard_normal(60)
    model = LinearRegression().fit(X, y)
    assert model.condition_number_ > 1e3
    assert model.solver_ == "mpmath"
    large = np.tile(X, (5000, 1)) + 1e-9 * rng.standard_normal((300000, 8))
    big = LinearRegression().fit(large, np.tile(y, 5000))     # n (p + 1)^2 > 2e7
    assert big.solver_ == "qr"
    assert "qr" in str(big.summary())


def test_well_conditioned_data_take_the_fast_path(rng):
    X = rng.standard_normal((500, 5))
    model = LinearRegression().fit(X, X @ np.arange(5.0) + rng.standard_normal(500))
    assert model.solver_ == "cholesky"


def test_large_offset_columns_keep_their_digits(rng):
    """Centring is explicit where G - n m m^T would cancel."""
    X = rng.standard_normal((200, 2))
    y = X @ [2.0, -1.0] + 0.1 * rng.standard_normal(200)
    plain = LinearRegression().fit(X, y)
    for shifted in [LinearRegression().fit(X + 1e8, y), LinearRegression().fit(X, y + 1e8),
                    LinearRegression().fit(X + 1e8, y - 1e8)]:
        np.testing.assert_allclose(shifted.coef_, plain.coef_, rtol=1e-7)
        np.testing.assert_allclose(shifted.bse_[1:], plain.bse_[1:], rtol=1e-7)
        assert shifted.rsquared_ == pytest.approx(plain.rsquared_, rel=1e-9)


def test_rank_deficiency_warns_with_the_collinear_columns_and_gives_min_norm(rng):
    import pandas as pd
    from sklearn.linear_model import LinearRegression as SkLinearRegression

    frame = pd.DataFrame(rng.standard_normal((50, 3)), columns=["a", "b", "c"])
    frame["a_plus_b"] = frame["a"] + frame["b"]
    y = frame["a"] - 2 * frame["c"] + 0.1 * rng.standard_normal(50)
    with pytest.warns(CollinearityWarning, match=r"\['a', 'b', 'a_plus_b'\]") as record:
        model = LinearRegression().fit(frame, y)
    assert "'c'" not in str(record[0].message)
    assert model.rank_ == 3 and model.solver_ == "svd"
    reference = SkLinearRegression().fit(frame.to_numpy(), y)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-9)
    assert model.intercept_ == pytest.approx(reference.intercept_, rel=1e-9)
    assert model.df_resid_ == 50 - 4
    assert "rank deficient" in str(model.summary())


def test_exact_fit_has_zero_standard_errors():
    from probml.datasets import load_four_features

    data = load_four_features()
    model = LinearRegression().fit(data.data, data.target)
    np.testing.assert_allclose(model.coef_, [1, -1, 1, -1], atol=1e-12)
    assert abs(model.intercept_) < 1e-12
    assert np.all(model.bse_ < 1e-10)
    assert model.rsquared_ == pytest.approx(1.0)


def test_study_hours_by_hand():
    """slope = Sxy/Sxx and intercept = ybar - slope * xbar."""
    from probml.datasets import load_study_hours

    data = load_study_hours()
    x, y = data.data[:, 0], data.target
    slope = np.sum((x - x.mean()) * (y - y.mean())) / np.sum((x - x.mean()) ** 2)
    model = LinearRegression().fit(data.data, y)
    assert model.coef_[0] == pytest.approx(slope, rel=1e-13)
    assert model.intercept_ == pytest.approx(y.mean() - slope * x.mean(), rel=1e-13)


def test_summary_text_and_html_name_the_features(diabetes):
    import pandas as pd

    X = pd.DataFrame(diabetes[0], columns=[f"feat_{i}" for i in range(10)])
    summary = LinearRegression().fit(X, diabetes[1]).summary(level=0.9)
    text = str(summary)
    assert "feat_7" in text and "intercept" in text and "[0.05" in text
    assert "R-squared" in text and "Log-likelihood" in text
    html = summary._repr_html_()
    assert html.startswith("<div>") and "<th>feat_7</th>" in html


# Magnitudes below 1e-100 would underflow the test's own norms, not the fit.
_ENTRIES = st.floats(-100, 100).filter(lambda v: v == 0 or abs(v) > 1e-100)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (12, 3), elements=_ENTRIES), arrays(np.float64, 12, elements=_ENTRIES))
def test_residuals_are_orthogonal_to_the_design(X, y):
    """The normal equations: [1, X]^T (y - y_hat) = 0, whatever the solver chose."""
    design = np.column_stack([np.ones(12), X])
    if np.linalg.matrix_rank(design) < 4 or np.ptp(y) == 0:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollinearityWarning)
        model = LinearRegression().fit(X, y)
    residual = y - model.predict(X)
    scale = np.linalg.norm(design, axis=0) * np.linalg.norm(y)
    assert np.all(np.abs(design.T @ residual) <= 1e-9 * scale)


# -- Ridge -----------------------------------------------------------------


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("cov_type", ["nonrobust", "HC3"])
def test_get_prediction_matches_statsmodels(name, cov_type):
    X, y = _statsmodels_data(name)
    reference = sm.OLS(np.asarray(y, float), sm.add_constant(np.asarray(X, float))).fit(
        cov_type=cov_type)
    model = LinearRegression(cov_type=cov_type).fit(X, y)
    theirs = reference.get_prediction(sm.add_constant(np.asarray(X, float))).summary_frame(
        alpha=0.1)
    ours = model.get_prediction(X).summary_frame(alpha=0.1)
    assert list(ours.columns) == list(theirs.columns)
    rtol = 1e-7 if name == "longley" else 1e-10          # Longley: condition number 5e9
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=rtol)
    assert list(ours.index) == list(X.index)             # the rows' own labels
    prediction = model.get_prediction(np.asarray(X, float))
    np.testing.assert_allclose(prediction.conf_int(level=0.9, obs=True),
                               theirs[["obs_ci_lower", "obs_ci_upper"]].to_numpy(), rtol=rtol)


def _assert_pandas_stays_unimported(*lines):
    """Run ``lines`` on a fit to arrays in a fresh interpreter, which must not import pandas."""
    import subprocess
    import sys

    code = "\n".join([
        "import sys, numpy as np, probml",
        "X = np.arange(20.0).reshape(10, 2); y = X @ [1.0, 2.0] + np.sin(np.arange(10))",
        *lines,
        "assert 'pandas' not in sys.modules, 'pandas imported'"])
    subprocess.run([sys.executable, "-c", code], check=True)


def test_predictions_on_arrays_do_not_import_pandas():
    _assert_pandas_stays_unimported(
        "p = probml.LinearRegression().fit(X, y).get_prediction(X)",
        "p.conf_int(); p.conf_int(obs=True); p.se_obs")


@pytest.mark.parametrize("name", ["stackloss", "scotland", "longley"])
def test_influence_matches_statsmodels(name):
    X, y = _statsmodels_data(name)
    theirs = sm.OLS(np.asarray(y, float), sm.add_constant(np.asarray(X, float))).fit(
    ).get_influence()
    ours = LinearRegression().fit(X, y).get_influence(X, y)
    # Longley's residuals are 1e-9 of its data: they keep 9 digits in either library.
    rtol = 1e-8 if name == "longley" else 1e-10
    np.testing.assert_allclose(ours.hat_matrix_diag, theirs.hat_matrix_diag, rtol=1e-10)
    for attribute in ("resid_studentized_internal", "resid_studentized_external"):
        np.testing.assert_allclose(getattr(ours, attribute), getattr(theirs, attribute),
                                   rtol=rtol)
    for ours_part, theirs_part in zip(ours.cooks_distance, theirs.cooks_distance):
        np.testing.assert_allclose(ours_part, theirs_part, rtol=rtol)


def test_influence_needs_the_training_data():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((20, 2)), rng.standard_normal(20)
    model = LinearRegression().fit(X, y)
    with pytest.raises(ValueError, match="training data"):
        model.get_influence(X[:10], y[:10])
    with pytest.raises(ValueError, match="y"):
        model.get_influence(X, y[:5])


def test_predict_return_std_is_the_new_observations_standard_deviation():
    X, y = _statsmodels_data("stackloss")
    reference = sm.OLS(np.asarray(y, float), sm.add_constant(np.asarray(X, float))).fit()
    prediction = reference.get_prediction(sm.add_constant(np.asarray(X, float)))
    model = LinearRegression().fit(X, y)
    mean, std = model.predict(X, return_std=True)
    np.testing.assert_allclose(mean, reference.fittedvalues, rtol=1e-10)
    np.testing.assert_allclose(std, np.sqrt(prediction.se_mean ** 2 + reference.scale),
                               rtol=1e-10)
    np.testing.assert_array_equal(model.predict(X), mean)
    with pytest.raises(ValueError, match="return_std"):
        model.predict(X, return_std="yes")


def test_results_are_labelled_when_fitted_on_a_data_frame():
    # As statsmodels returns them: Series and DataFrames indexed by the parameter names.
    import pandas as pd

    from probml import LogisticRegression, Ridge
    from probml.likelihood import GLM

    X, y = _statsmodels_data("stackloss")
    names = ["intercept", *X.columns]
    for model in (LinearRegression().fit(X, y), LinearRegression(cov_type="HC1").fit(X, y),
                  Ridge().fit(X, y), GLM("gaussian").fit(X, y),
                  LogisticRegression().fit(X, (y > y.median()).astype(int))):
        for attribute in ("params_", "bse_", "tvalues_", "pvalues_"):
            value = getattr(model, attribute)
            assert isinstance(value, pd.Series) and list(value.index) == names, attribute
        assert list(model.cov_params_.index) == names == list(model.cov_params_.columns)
        interval = model.conf_int(0.1)
        assert isinstance(interval, pd.DataFrame) and list(interval.columns) == [0, 1]
        np.testing.assert_array_equal(interval.to_numpy(), model.table_.conf_int(0.9))
        refit = type(model)(**model.get_params()).fit(
            X.to_numpy(), (y > y.median()).astype(int).to_numpy()
            if isinstance(model, LogisticRegression) else y.to_numpy())
        assert isinstance(refit.params_, np.ndarray) and isinstance(refit.conf_int(), np.ndarray)
        np.testing.assert_allclose(refit.params_, model.params_.to_numpy(), rtol=1e-12)


def test_predictions_are_labelled_with_the_rows_of_a_data_frame():
    import pandas as pd

    from probml import BayesianLinearRegression, LogisticRegression, Ridge
    from probml.likelihood import GLM

    X, y = _statsmodels_data("stackloss")
    X, y = X.set_axis(X.index + 100), y.set_axis(y.index + 100)
    labels = (y > y.median()).astype(int)
    new = X.iloc[[3, 1, 4]]
    for model, target in ((LinearRegression(), y), (Ridge(), y), (GLM("poisson"), y),
                          (BayesianLinearRegression(), y), (LogisticRegression(), labels)):
        model.fit(X, target)
        prediction = model.predict(new)
        assert isinstance(prediction, pd.Series) and list(prediction.index) == [103, 101, 104]
        assert isinstance(type(model)(**model.get_params()).fit(
            X.to_numpy(), target.to_numpy()).predict(new.to_numpy()), np.ndarray)
    for model in (LinearRegression().fit(X, y), GLM("gaussian").fit(X, y),
                  BayesianLinearRegression().fit(X, y)):
        mean, std = model.predict(new, return_std=True)
        assert list(mean.index) == list(std.index) == [103, 101, 104]


@pytest.mark.parametrize("family", ["gaussian", "poisson", "gamma", "binomial"])
def test_glm_predict_return_std_is_the_new_observations_spread(family):
    from probml.likelihood import GLM

    X, y = _statsmodels_data("spector" if family == "binomial" else "stackloss")
    families = {"gaussian": sm.families.Gaussian(), "poisson": sm.families.Poisson(),
                "gamma": sm.families.Gamma(sm.families.links.Log()),
                "binomial": sm.families.Binomial()}
    reference = sm.GLM(y, sm.add_constant(X), family=families[family]).fit(tol=1e-14)
    model = GLM(family, "log" if family == "gamma" else None).fit(X, y)
    mean, std = model.predict(X, return_std=True)
    expected = reference.get_prediction(sm.add_constant(X))
    variance = reference.family.variance(expected.predicted_mean) * reference.scale
    np.testing.assert_allclose(mean, expected.predicted_mean, rtol=1e-8)
    np.testing.assert_allclose(std, np.sqrt(expected.se_mean ** 2 + variance), rtol=1e-7)
    if family == "gaussian":
        ols = LinearRegression().fit(X, y).predict(X, return_std=True)[1]
        np.testing.assert_allclose(std, ols, rtol=1e-10)


def test_fits_on_arrays_never_import_pandas():
    _assert_pandas_stays_unimported(
        "m = probml.LinearRegression().fit(X, y)",
        "m.params_, m.bse_, m.cov_params_, m.conf_int(), str(m.summary())")


def _weights(X):
    """Deterministic analytic weights from the data: larger for rows near the centre."""
    first = np.asarray(X, float)[:, 0]
    return 1.0 / (1.0 + np.abs(first - first.mean()) / first.std())


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0", "HC1", "HC2", "HC3"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_weighted_least_squares_matches_statsmodels_wls(name, cov_type, fit_intercept):
    X, y = _statsmodels_data(name)
    w = _weights(X)
    design = np.asarray(X, float)
    exog = sm.add_constant(design) if fit_intercept else design
    reference = sm.WLS(np.asarray(y, float), exog, weights=w).fit(cov_type=cov_type)
    model = LinearRegression(fit_intercept=fit_intercept, cov_type=cov_type).fit(
        X, y, sample_weight=w)
    rtol = 1e-6 if name == "longley" else 1e-8
    np.testing.assert_allclose(model.params_, reference.params, rtol=rtol,
                               atol=rtol * np.abs(reference.params).max())
    np.testing.assert_allclose(model.bse_, reference.bse, rtol=rtol)
    np.testing.assert_allclose(model.conf_int(0.1), reference.conf_int(0.1), rtol=rtol,
                               atol=rtol * np.abs(reference.params).max())
    assert model.fvalue_ == pytest.approx(reference.fvalue, rel=rtol)
    assert model.loglik_ == pytest.approx(reference.llf, rel=1e-10)
    assert model.rsquared_ == pytest.approx(reference.rsquared, rel=rtol)
    assert model.rsquared_adj_ == pytest.approx(reference.rsquared_adj, rel=rtol)
    assert model.aic_ == pytest.approx(reference.aic, rel=1e-10)
    assert model.bic_ == pytest.approx(reference.bic, rel=1e-10)
    assert model.df_resid_ == reference.df_resid
    assert "Weighted least squares" in str(model.summary())
    if cov_type == "nonrobust":
        new = design[:5]
        frame = model.get_prediction(X.iloc[:5]).summary_frame(0.1)
        expected = reference.get_prediction(sm.add_constant(new, has_constant="add")
                                            if fit_intercept else new).summary_frame(0.1)
        np.testing.assert_allclose(np.asarray(frame, float), np.asarray(expected, float),
                                   rtol=rtol)


def test_cluster_robust_weighted_least_squares_matches_statsmodels():
    data = sm.datasets.grunfeld.load_pandas().data
    X, y, firms = data[["value", "capital"]], data["invest"], data["firm"]
    w = _weights(X)
    codes = firms.astype("category").cat.codes
    reference = sm.WLS(np.asarray(y, float), sm.add_constant(np.asarray(X, float)),
                       weights=w).fit(cov_type="cluster", cov_kwds={"groups": codes})
    model = LinearRegression(cov_type="cluster").fit(X, y, sample_weight=w, groups=firms)
    np.testing.assert_allclose(model.bse_, reference.bse, rtol=1e-8)
    assert model.fvalue_ == pytest.approx(reference.fvalue, rel=1e-8)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_frequency_weights_equal_repeated_rows(fit_intercept):
    X, y = _statsmodels_data("stackloss")
    X, y = np.asarray(X, float), np.asarray(y, float)
    counts = np.arange(len(y)) % 4          # 0 drops a row
    analytic = _weights(X)
    model = LinearRegression(fit_intercept=fit_intercept).fit(
        X, y, sample_weight=analytic, freq_weights=counts)
    rows = np.repeat(np.arange(len(y)), counts)
    exog = sm.add_constant(X[rows]) if fit_intercept else X[rows]
    reference = sm.WLS(y[rows], exog, weights=analytic[rows]).fit()
    np.testing.assert_allclose(model.params_, reference.params, rtol=1e-10)
    np.testing.assert_allclose(model.bse_, reference.bse, rtol=1e-10)
    assert model.df_resid_ == reference.df_resid and model.nobs_ == len(rows)
    assert model.loglik_ == pytest.approx(reference.llf, rel=1e-12)
    assert model.rsquared_ == pytest.approx(reference.rsquared, rel=1e-10)


def test_weights_are_checked_and_robust_frequency_weights_refused():
    X, y = _statsmodels_data("stackloss")
    with pytest.raises(ValueError, match="sample_weight"):
        LinearRegression().fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="freq_weights"):
        LinearRegression().fit(X, y, freq_weights=np.ones(3))
    with pytest.raises(ValueError, match="freq_weights"):
        LinearRegression(cov_type="HC1").fit(X, y, freq_weights=np.ones(len(y)))
    fitted = LinearRegression().fit(X, y, sample_weight=np.ones(len(y)))
    unweighted = LinearRegression().fit(X, y)
    np.testing.assert_allclose(fitted.bse_, unweighted.bse_, rtol=1e-12)
    with pytest.raises(ValueError, match="unweighted"):
        fitted.get_influence(X, y)


def test_pandas_x_and_y_with_different_indexes_are_refused():
    from probml import LogisticRegression
    from probml.likelihood import GLM

    X, y = _statsmodels_data("stackloss")
    shuffled = y.sample(frac=1.0, random_state=0)
    for model, target in ((LinearRegression(), shuffled), (GLM("poisson"), shuffled),
                          (LogisticRegression(), (shuffled > shuffled.median()).astype(int))):
        with pytest.raises(ValueError, match="indexes differ"):
            model.fit(X, target)
    # Aligned (or arrays) fit as before.
    np.testing.assert_allclose(LinearRegression().fit(X, shuffled.loc[X.index]).params_,
                               LinearRegression().fit(X, y).params_, rtol=1e-14)
    assert LinearRegression().fit(X, shuffled.to_numpy()).coef_.shape == (3,)


# -- fits exact to rounding (issue 31) ---------------------------------------------------------


def _exact_relation():
    """y = 0.1 x + 0.3 on x = 0..9: exact in decimal, rounded in binary, so every residual
    is rounding (the true model fits with RSS 0)."""
    x = np.arange(10.0)
    return x[:, None], 0.1 * x + 0.3


@pytest.mark.parametrize("options", [
    {}, {"cov_type": "HC0"}, {"cov_type": "HC3"}, {"solver": "cholesky"}, {"solver": "qr"},
    {"fit_intercept": False},
], ids=repr)
def test_a_fit_exact_to_rounding_is_flagged_and_its_tests_are_undefined(options):
    """The issue's example printed t = 2.25e15 and F = 5e30 without a word; the residuals
    there are rounding (statsmodels reports the same meaningless numbers)."""
    cases = [(np.array([[1.0], [2.0], [3.0]]), np.array([1.0, 2.0, 3.0])), _exact_relation()]
    if not options.get("fit_intercept", True):
        cases = [(np.array([[1.0], [2.0], [3.0]]), np.array([0.1, 0.2, 0.3]))]
    for X, y in cases:
        with pytest.warns(PerfectFitWarning, match="exactly to working precision"):
            model = LinearRegression(**options).fit(X, y)
        assert model.exact_fit_
        assert np.all(np.isnan(model.tvalues_)) and np.all(np.isnan(model.pvalues_))
        assert np.all(np.isnan(model.conf_int())) and np.isnan(model.fvalue_)
        text = str(model.summary())
        assert "e+15" not in text and "e+30" not in text
        # The estimates themselves are right to rounding.
        reference = np.linalg.lstsq(np.column_stack([np.ones(len(y)), X])
                                    if model.fit_intercept else X, y, rcond=None)[0]
        np.testing.assert_allclose(model.params_, reference, atol=1e-14)


@pytest.mark.parametrize("weights", ["sample_weight", "freq_weights"])
def test_a_weighted_or_clustered_fit_exact_to_rounding_is_flagged(weights):
    X, y = _exact_relation()
    with pytest.warns(PerfectFitWarning):
        model = LinearRegression().fit(X, y, **{weights: np.arange(1.0, 11.0)})
    assert np.all(np.isnan(model.tvalues_))
    with pytest.warns(PerfectFitWarning):
        model = LinearRegression(cov_type="cluster").fit(X, y, groups=np.arange(10) % 3)
    assert np.all(np.isnan(model.tvalues_)) and np.isnan(model.fvalue_)


def test_noise_far_above_rounding_is_not_flagged(rng):
    """Noise at 1e-11 of y is tiny but real: statsmodels' t statistics stand (to the digits
    the noise leaves: its RSS carries rounding of ~1e-5 relative)."""
    X, y = _exact_relation()
    y = y + 1e-11 * rng.standard_normal(len(y))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LinearRegression().fit(X, y)
    reference = sm.OLS(y, sm.add_constant(X)).fit()
    assert not model.exact_fit_
    np.testing.assert_allclose(model.tvalues_, reference.tvalues, rtol=1e-3)


# -- data in any units (issue 31) ---------------------------------------------------------------

# Powers of two near 1e-150 and 1e150: the scaled data are exactly the data, rescaled.
SMALL, LARGE = 2.0 ** -500, 2.0 ** 500
UNITS = [(SMALL, SMALL), (LARGE, LARGE), (np.array([SMALL, LARGE, 1.0]), 1.0),
         (1.0, SMALL), (np.array([2.0 ** -200, 2.0 ** 300, 1.0]), 2.0 ** 100)]


def _units_data():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((25, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.3 * rng.standard_normal(25) + 4.0
    return X, y


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC1"])
@pytest.mark.parametrize("x_unit, y_unit", UNITS, ids=lambda v: f"{np.max(v):.0e}")
def test_least_squares_follows_any_change_of_units(x_unit, y_unit, cov_type):
    """Oracle: the fit of the same data at scale 1, scaled analytically (weights by t/d,
    the intercept by t, variances by the squares, the log-likelihood by -n log t); the
    data were refused before ("squares underflow")."""
    X, y = _units_data()
    d, t = np.broadcast_to(x_unit, 3).astype(float), float(y_unit)
    reference = LinearRegression(cov_type=cov_type).fit(X, y)
    model = LinearRegression(cov_type=cov_type).fit(X * d, y * t)
    g = t * np.r_[1.0, 1.0 / d]
    tight = {"rtol": 1e-13, "atol": 0}
    np.testing.assert_allclose(model.params_, reference.params_ * g, **tight)
    np.testing.assert_allclose(model.bse_, reference.bse_ * g, **tight)
    np.testing.assert_allclose(model.cov_params_, reference.cov_params_ * np.outer(g, g),
                               **tight)
    np.testing.assert_allclose(model.conf_int(), reference.conf_int() * g[:, None], **tight)
    np.testing.assert_allclose(model.tvalues_, reference.tvalues_, **tight)
    np.testing.assert_allclose(model.pvalues_, reference.pvalues_, **tight)
    assert model.rss_ == pytest.approx(reference.rss_ * t * t, rel=1e-13)
    assert model.sigma_ == pytest.approx(reference.sigma_ * t, rel=1e-13)
    shift = len(y) * np.log(t)
    assert model.loglik_ == pytest.approx(reference.loglik_ - shift, rel=1e-13)
    assert model.aic_ == pytest.approx(reference.aic_ + 2 * shift, rel=1e-13)
    assert model.bic_ == pytest.approx(reference.bic_ + 2 * shift, rel=1e-13)
    for name in ("rsquared_", "rsquared_adj_", "fvalue_", "f_pvalue_", "condition_number_"):
        assert getattr(model, name) == pytest.approx(getattr(reference, name), rel=1e-13)
    new = np.array([[0.5, -1.0, 2.0], [3.0, 0.0, -0.5]])
    np.testing.assert_allclose(model.predict(new * d), reference.predict(new) * t, **tight)
    for a, b in zip(model.predict(new * d, return_std=True),
                    reference.predict(new, return_std=True)):
        np.testing.assert_allclose(a, b * t, **tight)
    np.testing.assert_allclose(model.get_prediction(new * d).conf_int(obs=True),
                               reference.get_prediction(new).conf_int(obs=True) * t, **tight)
    if cov_type == "nonrobust":
        np.testing.assert_allclose(
            model.get_influence(X * d, y * t).resid_studentized_external,
            reference.get_influence(X, y).resid_studentized_external, rtol=1e-12)


def test_results_beyond_double_precision_in_the_data_units_are_refused():
    """y near 1e-200 against X near 1: the weights' variances (~1e-400) have no double."""
    X, y = _units_data()
    with pytest.raises(ValueError, match="beyond double precision.*rescale X or y"):
        LinearRegression().fit(X, y * 2.0 ** -665)


@pytest.mark.parametrize("y_unit", [1.0, 2.0 ** -1074])
def test_subnormal_data_are_refused_by_name_without_a_numpy_warning(y_unit):
    """Subnormal X (below 2.2e-308) gives weights whose variances, sigma^2 / sum x^2, pass
    1e308 (the divide-by-zero RuntimeWarning of issue 31 came from data like these): a
    clear error, whatever the units of y."""
    rng = np.random.default_rng(3)
    X = rng.integers(-50, 50, (20, 2)) * 2.0 ** -1074
    y = (rng.integers(-50, 50, 20) + 0.5) * y_unit
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="beyond double precision.*rescale X or y"):
            LinearRegression().fit(X, y)


@pytest.mark.parametrize("solver", ["auto", "qr", "mpmath"])
def test_a_subnormal_rank_deficient_design_gets_no_lapack_failure(solver):
    """Found by fuzzing: LAPACK's SVD "did not converge" (after DLASCL's illegal-value
    message) on this design; rescaled, it is solved, and its weights (about 1e459) are
    refused as beyond double precision."""
    X = np.array([[-1e-310, 0.0], [-1e-310, -0.0], [0.0, 0.0], [0.0, -1e-310]])
    y = np.array([-3.63e149, -8.92e149, -7.00e149, 2.14e150])
    with pytest.raises(ValueError, match="an estimate is about 1e459, beyond double"):
        LinearRegression(solver=solver).fit(X, y)


# -- degenerate designs (issue 31) -------------------------------------------------------------


@pytest.mark.parametrize("solver", ["auto", "qr", "mpmath", "cholesky"])
@pytest.mark.parametrize("column, p", [(0.0, 2), (7.5, 2), (-1e-300, 2), (0.1, 1), (1e100, 1),
                                       (1.7e308, 1)])
def test_a_design_of_constant_columns_gives_the_minimum_norm_fit(column, p, solver):
    """Every column constant (rank 0 after centring) raised IndexError; a column of 0.1s,
    whose mean rounds off 0.1, raised ZeroDivisionError (mpmath) or was fitted to the
    rounding (qr: slope 0.66). Oracle: the minimum-norm least squares on [1, X] of the
    exactly constant design: the mean of y, slopes 0."""
    y = np.array([1.0, 4.0, 2.0, 8.0, 5.0, 3.0, 9.0])
    X = np.full((7, p), column)
    with pytest.warns(CollinearityWarning, match=f"rank 0 of {p}"):
        model = LinearRegression(solver=solver).fit(X, y)
    np.testing.assert_array_equal(model.coef_, np.zeros(p))
    assert model.intercept_ == pytest.approx(y.mean(), rel=1e-15)
    assert model.sigma_ == pytest.approx(np.std(y, ddof=1), rel=1e-14)


def test_values_beyond_float64_are_refused_by_name():
    """A long double or Decimal above 1.8e308 became inf in the cast, with NumPy's
    RuntimeWarning; now the cell is named."""
    from decimal import Decimal

    X = np.array([[1.0], [2.0], [np.longdouble("1e400")]], dtype=np.longdouble)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"X has a value too large for a float64 at "
                                             r"row 2, column 0"):
            LinearRegression().fit(X, [1.0, 2.0, 3.0])
        with pytest.raises(ValueError, match="y has a value too large for a float64 at row 1"):
            LinearRegression().fit([[1.0], [2.0], [3.0]],
                                   np.array([1, Decimal("-1e999"), 2], dtype=object))


def test_influence_of_rows_that_were_not_fitted_is_refused():
    """Rows of the right length but not the training data gave Cook's distances of a fit
    never made (and NumPy overflow warnings for rows near 1e300)."""
    rng = np.random.default_rng(9)
    X, y = rng.standard_normal((20, 2)), rng.standard_normal(20)
    model = LinearRegression().fit(X, y)
    other = X.copy()
    other[3] = [1e300, -1e300]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="must be the training data for get_influence"):
            model.get_influence(other, y)


def test_weighted_least_squares_follows_a_change_of_units():
    """Oracle: statsmodels' WLS of the data at scale 1, scaled analytically."""
    X, y = _units_data()
    weights = np.linspace(0.5, 3.0, len(y))
    reference = sm.WLS(y, sm.add_constant(X), weights=weights).fit()
    c, t = 2.0 ** 520, 2.0 ** 490
    model = LinearRegression().fit(X * c, y * t, sample_weight=weights)
    g = t * np.r_[1.0, np.full(3, 1.0 / c)]
    np.testing.assert_allclose(model.params_, reference.params * g, rtol=1e-12)
    np.testing.assert_allclose(model.bse_, reference.bse * g, rtol=1e-12)
    assert model.loglik_ == pytest.approx(reference.llf - len(y) * np.log(t), rel=1e-12)
    with pytest.raises(ValueError, match="weights .* span so many orders of magnitude"):
        LinearRegression().fit(X, y, sample_weight=np.r_[1e-300, np.ones(23), 1e300])
