"""Bad input: every estimator fails with a clear, specific error."""

import warnings

import numpy as np
import pandas as pd
import pytest

from probml import (
    BayesianLinearRegression,
    CollinearityWarning,
    DataConversionWarning,
    LinearRegression,
    NotFittedError,
    Ridge,
)

REGRESSORS = [LinearRegression, Ridge, BayesianLinearRegression]


@pytest.fixture
def data(rng):
    X = pd.DataFrame(rng.standard_normal((20, 3)), columns=["age", "income", "height"])
    return X, X.to_numpy() @ [1.0, 2.0, 3.0] + rng.standard_normal(20)


@pytest.mark.parametrize("Model", REGRESSORS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_x_names_row_and_column(Model, data, bad):
    X, y = data
    X = X.copy()
    X.iloc[7, 1] = bad
    with pytest.raises(ValueError, match=r"X contains .* at row 7, column 'income'"):
        Model().fit(X, y)


@pytest.mark.parametrize("Model", REGRESSORS)
def test_non_finite_y_names_row(Model, data):
    X, y = data
    y = y.copy()
    y[4] = np.nan
    with pytest.raises(ValueError, match="y contains NaN .* at row 4"):
        Model().fit(X, y)


@pytest.mark.parametrize("Model", REGRESSORS)
def test_overflowing_values_are_reported(Model, data):
    X, y = data
    X = X.to_numpy().copy()
    X[0, 0] = 1e200
    # Least squares changes units where squares overflow; then the weight of that column
    # (about 1e-200) has a variance (1e-400) no double holds, which is refused as such.
    with pytest.raises(ValueError, match="overflow|beyond double precision"):
        Model().fit(X, y)


@pytest.mark.parametrize("Model", REGRESSORS)
def test_mismatched_lengths(Model, data):
    X, y = data
    with pytest.raises(ValueError, match="X has 20 rows but y has 19 values"):
        Model().fit(X, y[:19])


@pytest.mark.parametrize("Model", REGRESSORS)
def test_empty_data(Model):
    with pytest.raises(ValueError, match="n_samples=0"):
        Model().fit(np.empty((0, 2)), np.empty(0))
    with pytest.raises(ValueError, match="0 feature"):
        Model().fit(np.empty((5, 0)), np.ones(5))


@pytest.mark.parametrize("Model", REGRESSORS)
def test_string_column(Model, data):
    X, y = data
    X = X.assign(city=["Seoul"] * 20)
    with pytest.raises(ValueError, match="non-numeric column 'city'"):
        Model().fit(X, y)
    array = np.array([[1.0, 2.0], [3.0, "four"]], dtype=object)
    with pytest.raises(ValueError, match="'four' at row 1, column 1"):
        Model().fit(array, [1.0, 2.0])


def test_constant_column_is_collinear_with_the_intercept(data):
    X, y = data
    X = X.assign(const=5.0)
    with pytest.warns(CollinearityWarning, match=r"\['const'\] \(const constant\)"):
        model = LinearRegression().fit(X, y)
    assert model.coef_[3] == 0.0
    np.testing.assert_allclose(model.coef_[:3], LinearRegression().fit(X.iloc[:, :3], y).coef_,
                               rtol=1e-10)
    assert Ridge().fit(X, y).coef_[3] == 0.0
    assert BayesianLinearRegression().fit(X, y).coef_[3] == 0.0


def test_more_features_than_rows(rng):
    X, y = rng.standard_normal((5, 8)), rng.standard_normal(5)
    with pytest.raises(ValueError, match="n_samples=5 for 9 parameter"):
        LinearRegression().fit(X, y)
    assert Ridge().fit(X, y).coef_.shape == (8,)
    assert BayesianLinearRegression().fit(X, y).posterior_cov_.shape == (8, 8)


@pytest.mark.parametrize("alpha", [-1.0, -1e-12, np.nan, "big"])
def test_negative_or_invalid_alpha(data, alpha):
    with pytest.raises((ValueError, TypeError), match="alpha"):
        Ridge(alpha=alpha).fit(*data)


@pytest.mark.parametrize("Model", REGRESSORS)
def test_predict_before_fit(Model, data):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        Model().predict(data[0])


def test_not_fitted_error_is_also_scikit_learns():
    from sklearn.exceptions import NotFittedError as SkNotFittedError

    with pytest.raises(SkNotFittedError):
        Ridge().predict(np.ones((2, 2)))
    with pytest.raises(NotFittedError):
        LinearRegression().summary()


@pytest.mark.parametrize("Model", REGRESSORS)
def test_wrong_number_of_features_at_predict(Model, data):
    X, y = data
    model = Model().fit(X.to_numpy(), y)
    with pytest.raises(ValueError, match="X has 2 features, but .* is expecting 3"):
        model.predict(X.to_numpy()[:, :2])


@pytest.mark.parametrize("Model", REGRESSORS)
def test_renamed_columns_at_predict(Model, data):
    X, y = data
    model = Model().fit(X, y)
    with pytest.raises(ValueError, match="Feature names unseen at fit time:\n- weight"):
        model.predict(X.rename(columns={"height": "weight"}))


@pytest.mark.parametrize("Model", REGRESSORS)
def test_one_dimensional_x_is_rejected_with_a_hint(Model):
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        Model().fit(np.arange(5.0), np.arange(5.0))


def test_column_vector_y_warns_and_is_used(data):
    X, y = data
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        model = LinearRegression().fit(X, y[:, None])
    np.testing.assert_allclose(model.coef_, LinearRegression().fit(X, y).coef_)


def test_sparse_input_is_refused(data):
    from scipy import sparse

    with pytest.raises(TypeError, match="sparse"):
        LinearRegression().fit(sparse.csr_matrix(data[0].to_numpy()), data[1])


def test_invalid_solver(data):
    with pytest.raises(ValueError, match="solver must be one of"):
        LinearRegression(solver="magic").fit(*data)


def test_conf_int_level_is_checked(data):
    model = LinearRegression().fit(*data)
    with pytest.raises(ValueError, match=r"alpha must be a number in \(0, 1\)"):
        model.conf_int(95)
    with pytest.raises(ValueError, match=r"level must be a number in \(0, 1\)"):
        model.conf_int(level=95)


@pytest.mark.parametrize("call", [
    lambda model: model.conf_int(0.95), lambda model: model.summary(0.9),
    lambda model: model.conf_int(alpha=0.6)])
def test_a_level_passed_as_alpha_is_refused_with_the_level_it_would_give(data, call):
    # statsmodels' conf_int(alpha=0.05) is a 95% interval; conf_int(0.95) must never
    # quietly return a 5% one.
    model = LinearRegression().fit(*data)
    with pytest.raises(ValueError, match=r"alpha=0\.\d+ is an error rate.*pass level="):
        call(model)
    with pytest.raises(ValueError, match="not both"):
        model.conf_int(alpha=0.1, level=0.9)
    np.testing.assert_array_equal(model.conf_int(0.1), model.conf_int(level=0.9))
    np.testing.assert_array_equal(model.conf_int(), model.conf_int(level=0.95))


def test_no_warning_on_clean_data(data):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for Model in REGRESSORS:
            Model().fit(*data).predict(data[0])


def _estimators_with_domains():
    import probml.models
    import probml.selection
    from probml.models.base import Estimator

    found = {}
    for module in (probml.models, probml.selection):
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, type) and issubclass(obj, Estimator) and obj._parameter_domains:
                found[name] = obj
    return found


_DOMAIN_CASES = [(name, parameter, value)
                 for name, cls in _estimators_with_domains().items()
                 for parameter, domain in cls._parameter_domains.items()
                 for value in domain.outside()]


def test_every_estimator_with_parameters_is_in_the_domain_fuzzing():
    assert {"LinearRegression", "Ridge", "RidgeCV", "Lasso", "BridgeRegression",
            "BayesianLinearRegression", "LogisticRegression",
            "PolynomialFeatures"} <= set(_estimators_with_domains())


@pytest.mark.parametrize("name, parameter, value", _DOMAIN_CASES,
                         ids=[f"{n}-{p}-{type(v).__name__}:{v!r:.12}" for n, p, v in _DOMAIN_CASES])
def test_each_estimator_refuses_values_outside_its_declared_domains_by_name(name, parameter,
                                                                            value):
    """The table of domains an estimator declares drives the fuzzing of its settings."""
    from probml.exceptions import InvalidParameterError

    estimator = _estimators_with_domains()[name]()
    estimator.set_params(**{parameter: value})
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 2))
    y = (X[:, 0] > 0).astype(int) if name == "LogisticRegression" else X[:, 0] + rng.normal(
        size=12)
    with pytest.raises(InvalidParameterError, match=rf"^{parameter} must be"):
        estimator.fit(X, y)


def _functions_with_domains():
    from .hostile import entries

    return [(entry, parameter, value)
            for entry in entries()
            for parameter, domain in getattr(getattr(entry, "function", None),
                                             "parameter_domains", {}).items()
            if parameter in entry.baseline
            for value in domain.outside()]


_FUNCTION_CASES = _functions_with_domains()


def test_the_functions_with_declared_domains_are_in_the_domain_fuzzing():
    assert {entry.label for entry, _, _ in _FUNCTION_CASES} >= {
        "critical_value", "two_sided_pvalue", "proportion_interval", "finite_difference",
        "optimal_step"}


@pytest.mark.parametrize("entry, parameter, value", _FUNCTION_CASES,
                         ids=[f"{e.label}-{p}-{type(v).__name__}:{v!r:.12}"
                              for e, p, v in _FUNCTION_CASES])
def test_each_function_refuses_values_outside_its_declared_domains_by_name(entry, parameter,
                                                                           value):
    """The domains a function declares (validate_params) drive the fuzzing of its arguments."""
    from probml.exceptions import InvalidParameterError

    with pytest.raises(InvalidParameterError, match=rf"^{parameter} must be"):
        entry.call(**{**entry.baseline, parameter: value})


@pytest.mark.parametrize("threads", ["1", "3"])
def test_the_threaded_scan_names_the_first_non_finite_entry_and_counts_all(monkeypatch,
                                                                            threads):
    from probml._validation import check_finite

    monkeypatch.setenv("PROBML_NUM_THREADS", threads)
    X = np.zeros((300_000, 4))                    # many blocks, several per thread
    X[299_999, 3], X[200_000, 0], X[100, 2] = np.nan, np.inf, np.nan
    with pytest.raises(ValueError, match=r"NaN .* at row 100, column 2 \(3 non-finite"):
        check_finite(X, "X")
