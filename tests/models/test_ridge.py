"""The Ridge family: Ridge against scikit-learn and statsmodels, and leave-one-out against refits."""

import math

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn import linear_model as sk_linear
from sklearn.datasets import load_diabetes

from probml import (
    LinearRegression,
    Ridge,
    prior_std_to_ridge_alpha,
    ridge_alpha_to_prior_std,
)
from probml import ridge_path
from probml import selection as sel


@pytest.fixture(scope="module")
def diabetes_arrays():
    return load_diabetes(return_X_y=True)


@pytest.mark.parametrize("alpha", [1e-6, 0.01, 1.0, 100.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_matches_scikit_learn(diabetes, alpha, fit_intercept):
    from sklearn.linear_model import Ridge as SkRidge

    X, y = diabetes
    reference = SkRidge(alpha=alpha, fit_intercept=fit_intercept, solver="cholesky",
                        tol=1e-12).fit(X, y)
    model = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X, y)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-9)
    assert model.intercept_ == pytest.approx(reference.intercept_, rel=1e-10, abs=1e-12)


def test_ridge_is_least_squares_on_the_augmented_design(diabetes):
    """min ||y - Xw - b||^2 + alpha ||w||^2 is OLS on [1 X; 0 sqrt(alpha) I]."""
    from scipy.linalg import lstsq

    X, y = diabetes
    alpha, (n, p) = 0.5, X.shape
    design = np.block([[np.ones((n, 1)), X], [np.zeros((p, 1)), np.sqrt(alpha) * np.eye(p)]])
    expected = lstsq(design, np.r_[y, np.zeros(p)])[0]
    np.testing.assert_allclose(Ridge(alpha=alpha).fit(X, y).params_, expected, rtol=1e-9)


def test_ridge_with_alpha_zero_is_ols(diabetes):
    X, y = diabetes
    np.testing.assert_allclose(Ridge(alpha=0).fit(X, y).coef_,
                               LinearRegression().fit(X, y).coef_, rtol=1e-10)


def test_ridge_constant_column_gets_zero_coefficient(rng):
    X = np.column_stack([rng.standard_normal(30), np.full(30, 3.0)])
    y = 2 * X[:, 0] + rng.standard_normal(30)
    model = Ridge(alpha=1.0).fit(X, y)
    assert model.coef_[1] == 0.0
    assert np.all(np.isfinite(model.bse_))


def test_ridge_works_with_more_features_than_samples(rng):
    from sklearn.linear_model import Ridge as SkRidge

    X, y = rng.standard_normal((10, 30)), rng.standard_normal(10)
    model = Ridge(alpha=2.0).fit(X, y)
    np.testing.assert_allclose(model.coef_, SkRidge(alpha=2.0).fit(X, y).coef_, rtol=1e-9)


def test_ridge_summary_says_intervals_are_conditional(diabetes):
    text = str(Ridge(alpha=1.0).fit(*diabetes).summary())
    assert "conditional on the penalty" in text


def test_ridge_posterior_covariance_is_the_gaussian_posterior(diabetes):
    """bse_ = sqrt(diag(sigma^2 (A^T A + alpha diag(0, I))^-1)), the MAP's posterior."""
    X, y = diabetes
    alpha = 3.0
    model = Ridge(alpha=alpha).fit(X, y)
    design = np.column_stack([np.ones(len(y)), X])
    penalty = alpha * np.diag([0.0] + [1.0] * X.shape[1])
    expected = model.sigma_**2 * np.linalg.inv(design.T @ design + penalty)
    np.testing.assert_allclose(model.cov_params_, expected, rtol=1e-8,
                               atol=1e-10 * np.abs(expected).max())


def test_alpha_and_prior_scale_convert_both_ways():
    assert ridge_alpha_to_prior_std(4.0, noise_std=2.0) == pytest.approx(1.0)
    assert prior_std_to_ridge_alpha(1.0, noise_std=2.0) == pytest.approx(4.0)
    for alpha in [1e-3, 0.7, 25.0]:
        prior = ridge_alpha_to_prior_std(alpha, noise_std=1.3)
        assert prior_std_to_ridge_alpha(prior, noise_std=1.3) == pytest.approx(alpha)
    with pytest.raises(ValueError, match="alpha must be a number > 0"):
        ridge_alpha_to_prior_std(0.0, noise_std=1.0)
    with pytest.raises(ValueError, match="prior_std must be a number > 0"):
        prior_std_to_ridge_alpha(-1.0, noise_std=1.0)


# -- closed-form leave-one-out ------------------------------------------------------------

def _brute_force_loo(X, y, alpha, fit_intercept):
    residuals = np.empty(len(y))
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        model = sk_linear.Ridge(alpha=alpha, fit_intercept=fit_intercept, solver="cholesky")
        model.fit(X[keep], y[keep])
        residuals[i] = y[i] - model.predict(X[i:i + 1])[0]
    return residuals


@pytest.mark.parametrize("alpha", [0.0, 0.3, 10.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_closed_form_loo_equals_brute_force(diabetes_arrays, alpha, fit_intercept):
    X, y = diabetes_arrays
    X, y = X[:120], y[:120]
    np.testing.assert_allclose(sel.loo_residuals(X, y, alpha, fit_intercept=fit_intercept),
                               _brute_force_loo(X, y, alpha, fit_intercept), rtol=0,
                               atol=1e-10 * np.abs(y).max())


def test_gcv_equals_its_definition_through_the_hat_matrix(diabetes_arrays):
    X, y = diabetes_arrays
    A = np.column_stack([np.ones(len(y)), X])
    penalty = 2.0 * np.eye(A.shape[1])
    penalty[0, 0] = 0.0
    H = A @ np.linalg.solve(A.T @ A + penalty, A.T)
    expected = np.mean((y - H @ y) ** 2) / (1 - np.trace(H) / len(y)) ** 2
    assert sel.gcv_score(X, y, 2.0) == pytest.approx(expected, rel=1e-10)
    loo = np.mean(((y - H @ y) / (1 - np.diag(H))) ** 2)
    assert np.mean(sel.loo_residuals(X, y, 2.0) ** 2) == pytest.approx(loo, rel=1e-10)


def test_ridge_cv_chooses_scikit_learns_alpha(diabetes_arrays):
    X, y = diabetes_arrays
    alphas = np.logspace(-4, 2, 13)
    ours = sel.RidgeCV(alphas).fit(X, y)
    theirs = sk_linear.RidgeCV(alphas=alphas, store_cv_results=True).fit(X, y)
    assert ours.alpha_ == theirs.alpha_
    np.testing.assert_allclose(ours.cv_values_, theirs.cv_results_.mean(axis=0), rtol=1e-8)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-8)
    gcv = sel.RidgeCV(alphas, criterion="gcv").fit(X, y)
    np.testing.assert_allclose(gcv.cv_values_, [sel.gcv_score(X, y, a) for a in alphas],
                               rtol=1e-12)


def test_loo_rejects_rows_with_leverage_one():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 1.0]])
    with pytest.raises(ValueError, match="row 3 has leverage 1"):
        sel.loo_residuals(X, np.arange(4.0))
    assert np.all(np.isfinite(sel.loo_residuals(X, np.arange(4.0), alpha=0.1)))


def test_a_path_with_more_features_than_rows_is_solved_as_ridge_solves_each_alpha():
    """The SVD route, its decomposition shared by every alpha of the path."""
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(15, 40)), rng.normal(size=15)
    alphas = [1e-6, 1e-2, 1.0, 100.0]
    path = ridge_path(X, y, alphas)
    for alpha, coef, intercept in zip(path.alphas, path.coef, path.intercept):
        ridge = Ridge(alpha=alpha).fit(X, y)
        np.testing.assert_array_equal(coef, ridge.coef_)
        assert intercept == pytest.approx(ridge.intercept_, abs=1e-14)
        reference = sk_linear.Ridge(alpha=alpha, solver="svd").fit(X, y)
        np.testing.assert_allclose(coef, reference.coef_, rtol=0,
                                   atol=1e-10 * np.abs(reference.coef_).max())


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [0.0, 0.5, 20.0])
def test_sample_weight_matches_scikit_learn_and_the_augmented_wls(fit_intercept, alpha):
    from sklearn.linear_model import Ridge as Reference

    data = sm.datasets.stackloss.load_pandas()
    X, y = np.asarray(data.exog, float), np.asarray(data.endog, float)
    w = 1.0 / (1.0 + np.abs(X[:, 0] - X[:, 0].mean()) / X[:, 0].std())
    w[3] = 0.0                                   # a row weighted 0 is left out
    model = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
    theirs = Reference(alpha=alpha, fit_intercept=fit_intercept, solver="svd").fit(
        X, y, sample_weight=w)
    np.testing.assert_allclose(model.coef_, theirs.coef_, rtol=1e-9)
    assert model.intercept_ == pytest.approx(theirs.intercept_, rel=1e-9, abs=1e-12)
    # The Gaussian posterior's unscaled covariance is the inverse Gram matrix of the
    # whitened design with sqrt(alpha) I appended for the penalised coefficients:
    # statsmodels' WLS on the augmented rows.
    keep = w > 0
    A = sm.add_constant(X[keep]) if fit_intercept else X[keep]
    penalty = math.sqrt(alpha) * np.eye(A.shape[1])[int(fit_intercept):]
    augmented = sm.WLS(np.r_[y[keep], np.zeros(len(penalty))], np.vstack([A, penalty]),
                       weights=np.r_[w[keep], np.ones(len(penalty))]).fit()
    np.testing.assert_allclose(model.cov_params_ / model.sigma_ ** 2,
                               augmented.normalized_cov_params, rtol=1e-9,
                               atol=1e-12 * np.abs(augmented.normalized_cov_params).max())
    assert model.n_samples_ == keep.sum()


# -- data in any units (issue 31) ---------------------------------------------------------------


def _ridge_in_multiple_precision(X, y, alpha):
    """The Ridge weights and intercept of the doubles X, y, solved in mpmath (whose
    exponents are unbounded, so no scale of the data troubles it)."""
    import mpmath

    context = mpmath.MPContext()
    context.dps = 40
    n, p = X.shape
    rows = [[context.mpf(float(v)) for v in row] for row in X]
    target = [context.mpf(float(v)) for v in y]
    means = [sum(row[j] for row in rows) / n for j in range(p)]
    y_mean = sum(target) / n
    centred = context.matrix([[row[j] - means[j] for j in range(p)] for row in rows])
    gram = centred.T * centred + context.mpf(alpha) * context.eye(p)
    # Equilibrated, so that mpmath's singularity test (relative to the largest entry)
    # does not mistake columns 2**1000 apart for a singular matrix.
    unit = context.diag([1 / context.sqrt(gram[j, j]) for j in range(p)])
    scaled = context.lu_solve(unit * gram * unit,
                              unit * centred.T * context.matrix([v - y_mean for v in target]))
    weights = unit * scaled
    coef = np.array([float(weights[j]) for j in range(p)])
    intercept = float(y_mean - sum(means[j] * weights[j] for j in range(p)))
    return coef, intercept


@pytest.mark.parametrize("x_unit, y_unit, alpha", [
    (2.0 ** -500, 2.0 ** -500, 0.7 * 2.0 ** -1000),     # alpha scales with X^2: the same fit
    (2.0 ** 500, 2.0 ** 500, 0.7 * 2.0 ** 1000),
    (2.0 ** -500, 1.0, 3.0),                            # the penalty dominates
    (np.array([2.0 ** -500, 2.0 ** 500, 1.0]), 1.0, 3.0),   # a penalty per column in any units
], ids=["small", "large", "small-x", "mixed"])
def test_ridge_follows_any_change_of_units(x_unit, y_unit, alpha):
    """Oracle: the same Ridge objective solved in multiple precision; the data were refused
    before ("squares underflow")."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((20, 3)) * x_unit
    y = (X / x_unit) @ [1.0, -2.0, 0.5] * y_unit + 0.3 * y_unit * rng.standard_normal(20)
    model = Ridge(alpha=alpha).fit(X, y)
    coef, intercept = _ridge_in_multiple_precision(X, y, alpha)
    np.testing.assert_allclose(model.coef_, coef, rtol=1e-12)
    assert model.intercept_ == pytest.approx(intercept, rel=1e-12)


def test_ridge_in_common_units_keeps_its_inference():
    """Scaling X and y by powers of two and alpha with X's square changes the estimates,
    standard errors and noise by the units, and nothing else (the fit at scale 1, scaled)."""
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((30, 2)), rng.standard_normal(30)
    c, t = 2.0 ** -520, 2.0 ** -480
    reference = Ridge(alpha=2.0).fit(X, y)
    model = Ridge(alpha=2.0 * c * c).fit(X * c, y * t)
    g = t * np.r_[1.0, 1.0 / c, 1.0 / c]
    np.testing.assert_allclose(model.params_, reference.params_ * g, rtol=1e-13)
    np.testing.assert_allclose(model.bse_, reference.bse_ * g, rtol=1e-13)
    np.testing.assert_allclose(model.tvalues_, reference.tvalues_, rtol=1e-13)
    assert model.sigma_ == pytest.approx(reference.sigma_ * t, rel=1e-13)
    assert model.prior_std_ == pytest.approx(reference.prior_std_ * t / c, rel=1e-13)
    assert model.effective_df_ == pytest.approx(reference.effective_df_, rel=1e-13)


def test_ridge_with_columns_apart_beyond_one_penalty_needs_the_gram_route_or_refuses():
    """More features than rows need the SVD, which takes one penalty: columns 2**1000
    apart make it one per column, a clear refusal."""
    rng = np.random.default_rng(6)
    X = rng.standard_normal((3, 4)) * np.array([2.0 ** -500, 2.0 ** 500, 1.0, 1.0])
    with pytest.raises(ValueError, match="penalty differs per column"):
        Ridge(alpha=1.0).fit(X, rng.standard_normal(3))


def test_ridge_exact_to_rounding_is_flagged():
    """A negligible penalty on y = 0.1 x + 0.3: residuals at rounding, tests undefined."""
    from probml.exceptions import PerfectFitWarning

    x = np.arange(10.0)
    with pytest.warns(PerfectFitWarning, match="exactly to working precision"):
        model = Ridge(alpha=1e-300).fit(x[:, None], 0.1 * x + 0.3)
    assert np.all(np.isnan(model.tvalues_))


# -- more features than rows: no p x p factorisation -------------------------------------

def record_square_sizes(monkeypatch):
    """The smaller dimension of every 2-D array a ``numpy.linalg`` routine is given or
    returns, recorded while the test runs: a factorisation of a p x p matrix (O(p^3))
    shows up as p."""
    sizes = []

    def recorded(function):
        def call(*args, **kwargs):
            result = function(*args, **kwargs)
            outputs = result if isinstance(result, tuple) else (result,)
            sizes.extend(min(a.shape) for a in (*args, *outputs)
                         if isinstance(a, np.ndarray) and a.ndim == 2)
            return result
        return call
    for name in ("svd", "eigh", "eigvalsh", "qr", "cholesky", "inv", "solve", "cond",
                 "lstsq", "pinv", "slogdet", "norm"):
        monkeypatch.setattr(np.linalg, name, recorded(getattr(np.linalg, name)))
    return sizes


@pytest.mark.parametrize("make", [lambda: Ridge(alpha=0.5), lambda: sel.RidgeCV()],
                         ids=["Ridge", "RidgeCV"])
def test_more_features_than_rows_are_solved_through_the_rows(monkeypatch, make):
    """6 rows, 300 features: nothing larger than the rows' 6 x 6 is factored (the cost is
    O(n^2 p) for the fit, O(p^2 n) for the p x p covariance), and the fit is the
    Gaussian posterior written out in NumPy (coefficients, covariance, intercept)."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((6, 300)) * rng.uniform(0.5, 2.0, 300) + 2.0
    y = X[:, :3] @ [1.0, -1.0, 0.5] + rng.standard_normal(6)
    sizes = record_square_sizes(monkeypatch)
    model = make().fit(X, y)
    assert max(sizes) <= 6
    monkeypatch.undo()
    alpha = model.alpha if isinstance(model, Ridge) else model.alpha_
    centred, xbar = X - X.mean(axis=0), X.mean(axis=0)
    precision = centred.T @ centred + alpha * np.eye(300)
    inverse = np.linalg.inv(precision)
    coef = inverse @ centred.T @ (y - y.mean())
    # The oracle's own error: the condition number of the penalised Gram matrix times eps.
    tolerance = 100 * np.linalg.cond(precision) * np.finfo(float).eps
    np.testing.assert_allclose(model.coef_, coef, rtol=0, atol=tolerance * np.abs(coef).max())
    assert model.intercept_ == pytest.approx(y.mean() - xbar @ coef, rel=tolerance)
    if isinstance(model, Ridge):
        unscaled = model.cov_params_ / model.sigma_ ** 2
        np.testing.assert_allclose(unscaled[1:, 1:], inverse, rtol=0,
                                   atol=tolerance * np.abs(inverse).max())
        np.testing.assert_allclose(unscaled[0, 1:], -inverse @ xbar, rtol=0,
                                   atol=tolerance * np.abs(inverse @ xbar).max())
        assert unscaled[0, 0] == pytest.approx(1 / 6 + xbar @ inverse @ xbar, rel=tolerance)


@pytest.mark.parametrize("criterion", ["loo", "gcv"])
def test_ridge_cv_names_alphas_when_one_of_them_interpolates(criterion):
    """4 rows, 9 features: at alpha = 1e-300 the fit interpolates (every leverage is 1, the
    hat matrix's trace is n), so leave-one-out and GCV are undefined; the error names the
    setting that gave that alpha."""
    X = np.random.default_rng(8).standard_normal((4, 9))
    y = X[:, 0] - X[:, 1]
    with pytest.raises(ValueError, match=r"alpha=1e-300 \(one of alphas\)"):
        sel.RidgeCV(alphas=[1e-300, 1.0], criterion=criterion).fit(X, y)
