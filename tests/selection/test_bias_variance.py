"""The bias-variance decomposition: the identity by simulation, and the exact formulas."""

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.linear_model import Ridge as SklearnRidge

from probml import LinearRegression, Ridge
from probml.selection import (
    RegressionProblem,
    bias_variance_decomposition,
    linear_smoother_bias_variance,
)

X_FIXED = np.linspace(0, 1, 25)[:, None]
X_EVAL = np.array([[0.05], [0.3], [0.5], [0.8], [0.95]])


def truth(X):
    return np.sin(2 * np.pi * X[:, 0])


def test_simulated_terms_add_up_to_the_measured_expected_error():
    problem = RegressionProblem(truth, lambda rng, n: rng.uniform(0, 1, (n, 1)), 0.3, 30)
    result = bias_variance_decomposition(LinearRegression(), problem, X_EVAL, n_repeats=3000,
                                         rng=0)
    # Each point's measured error must sit within 4.5 Monte-Carlo standard errors of the sum.
    gap = np.abs(result.expected_error - result.total)
    assert np.all(gap < 4.5 * result.expected_error_se), (gap, result.expected_error_se)
    assert result.noise == pytest.approx(0.09)
    assert result.mean()["bias2"] > 0.2         # a line cannot follow a sine
    summary = result.mean()
    assert summary["total"] == pytest.approx(summary["bias2"] + summary["variance"] + 0.09)


@pytest.mark.parametrize("estimator, alpha", [(LinearRegression(), 0.0), (Ridge(alpha=0.5), 0.5)])
def test_simulation_converges_to_the_exact_linear_smoother_decomposition(estimator, alpha):
    problem = RegressionProblem(truth, X_FIXED, noise_std=0.4)
    repeats = 4000
    simulated = bias_variance_decomposition(estimator, problem, X_EVAL, n_repeats=repeats,
                                            rng=1)
    exact = linear_smoother_bias_variance(X_FIXED, truth(X_FIXED), X_EVAL, truth(X_EVAL),
                                          0.4, alpha=alpha)
    # The mean prediction's error is within 4.5 standard errors of the exact bias ...
    mean_error = np.sqrt(simulated.bias2)
    tolerance = 4.5 * np.sqrt(exact.variance / repeats)
    assert np.all(np.abs(mean_error - np.sqrt(exact.bias2)) < tolerance)
    # ... and the sample variance within 4.5 of its (chi-square) relative SE sqrt(2/(R-1)).
    assert np.all(np.abs(simulated.variance / exact.variance - 1)
                  < 4.5 * np.sqrt(2 / (repeats - 1)))
    assert np.all(np.abs(simulated.expected_error - exact.total)
                  < 4.5 * simulated.expected_error_se + tolerance)


def test_exact_variance_of_least_squares_equals_statsmodels_prediction_variance():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 3))
    x_new = rng.normal(size=(6, 3))
    linear = lambda A: 1.0 + A @ np.array([0.5, -1.0, 2.0])   # noqa: E731  (unbiased truth)
    exact = linear_smoother_bias_variance(X, linear(X), x_new, linear(x_new), 0.7)
    fit = sm.OLS(rng.normal(size=40), sm.add_constant(X)).fit()
    se_mean = fit.get_prediction(sm.add_constant(x_new)).se_mean
    np.testing.assert_allclose(exact.variance, 0.49 * se_mean ** 2 / fit.scale, rtol=1e-10)
    np.testing.assert_allclose(exact.bias2, 0.0, atol=1e-20)
    np.testing.assert_allclose(exact.total, exact.variance + 0.49, rtol=1e-15)


def test_ridge_trades_variance_for_bias_exactly():
    f_train, f_eval = truth(X_FIXED), truth(X_EVAL)
    features = np.hstack([X_FIXED ** k for k in range(1, 8)])
    eval_features = np.hstack([X_EVAL ** k for k in range(1, 8)])
    terms = [linear_smoother_bias_variance(features, f_train, eval_features, f_eval, 0.4, a)
             for a in (0.0, 1e-4, 1e-2, 1.0)]
    variances = [t.variance.mean() for t in terms]
    biases = [t.bias2.mean() for t in terms]
    assert np.all(np.diff(variances) < 0) and np.all(np.diff(biases[1:]) > 0)


@pytest.mark.parametrize("design", ["duplicated column", "more columns than rows"])
def test_ridge_smoother_is_exact_where_the_data_leave_directions_undetermined(design):
    """The smoother weights s_i(x) are the Ridge predictions at x for y = e_i: scikit-learn's
    SVD solver gives them independently, for any rank."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(12, 3))
    X = np.hstack([X, X[:, :1]]) if design == "duplicated column" else rng.normal(size=(6, 9))
    x_eval = rng.normal(size=(4, X.shape[1]))
    alpha = 1e-9
    f_train, f_eval = X @ np.arange(X.shape[1]), x_eval @ np.arange(X.shape[1])
    exact = linear_smoother_bias_variance(X, f_train, x_eval, f_eval, 0.5, alpha=alpha)
    rows = np.column_stack([SklearnRidge(alpha=alpha, solver="svd").fit(X, e).predict(x_eval)
                            for e in np.eye(len(X))])
    np.testing.assert_allclose(exact.variance, 0.25 * np.sum(rows ** 2, axis=1), rtol=1e-7)
    np.testing.assert_allclose(np.sqrt(exact.bias2), np.abs(rows @ f_train - f_eval),
                               rtol=0, atol=1e-7 * np.abs(f_eval).max())
    with pytest.raises(ValueError, match="rank deficient"):
        linear_smoother_bias_variance(X, f_train, x_eval, f_eval, 0.5, alpha=0.0)


def test_values_whose_squares_overflow_are_named():
    f_train, f_eval = truth(X_FIXED), truth(X_EVAL)
    with pytest.raises(ValueError, match="noise_std must be a number in"):
        linear_smoother_bias_variance(X_FIXED, f_train, X_EVAL, f_eval, 1e160)
    with pytest.raises(ValueError, match="f_train or f_eval are too large"):
        linear_smoother_bias_variance(X_FIXED, f_train * 1e300, X_EVAL, f_eval, 1.0)
    with pytest.raises(ValueError, match="x_eval lies too far outside X_train"):
        linear_smoother_bias_variance(X_FIXED, f_train, X_EVAL * 1e200, f_eval, 1.0)


def test_bad_input_is_rejected():
    problem = RegressionProblem(truth, X_FIXED, 0.1)

    class FitOnly:
        def fit(self, X, y):
            return self

    with pytest.raises(TypeError, match="must have fit and predict"):
        bias_variance_decomposition(FitOnly(), problem, X_EVAL)
    with pytest.raises(ValueError, match="n_repeats must be a whole number from 2"):
        bias_variance_decomposition(LinearRegression(), problem, X_EVAL, n_repeats=1)
    with pytest.raises(ValueError, match="noise_std"):
        linear_smoother_bias_variance(X_FIXED, truth(X_FIXED), X_EVAL, truth(X_EVAL), -1.0)
    with pytest.raises(ValueError, match="f_train"):
        linear_smoother_bias_variance(X_FIXED, truth(X_EVAL), X_EVAL, truth(X_EVAL), 1.0)
