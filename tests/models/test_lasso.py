"""Lasso, bridge regression and regularisation paths against scikit-learn and SciPy."""

import warnings

import numpy as np
import pytest
from scipy import optimize
from sklearn.linear_model import Lasso as SklearnLasso

import probml
from probml import BridgeRegression, Lasso, NonConvexWarning


def sklearn_lasso(X, y, alpha, **kwargs):
    return SklearnLasso(alpha=alpha, tol=1e-14, max_iter=1_000_000, **kwargs).fit(X, y)


def test_lasso_path_matches_sklearn_over_twenty_alphas(diabetes):
    X, y = diabetes
    path = probml.lasso_path(X, y, n_alphas=20, tol=1e-14)
    assert path.alphas.shape == (20,) and np.all(np.diff(path.alphas) < 0)
    assert not np.any(path.coef[0])                     # alpha_max zeroes every weight
    for alpha, coef, intercept in zip(path.alphas, path.coef, path.intercept):
        reference = sklearn_lasso(X, y, alpha)
        np.testing.assert_allclose(coef, reference.coef_, rtol=1e-6,
                                   atol=1e-6 * np.abs(reference.coef_).max(initial=1.0))
        assert intercept == pytest.approx(reference.intercept_, rel=1e-6)
    assert np.count_nonzero(path.coef[-1]) > np.count_nonzero(path.coef[5])


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [0.01, 0.3, 2.0])
def test_lasso_matches_sklearn(diabetes, alpha, fit_intercept):
    X, y = diabetes
    ours = Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-14).fit(X, y)
    theirs = sklearn_lasso(X, y, alpha, fit_intercept=fit_intercept)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6, atol=1e-6)
    assert ours.intercept_ == pytest.approx(theirs.intercept_, rel=1e-6, abs=1e-9)
    assert 0 <= ours.dual_gap_ <= 1e-14 * np.sum((y - y.mean() * fit_intercept) ** 2)


def test_lasso_satisfies_its_optimality_conditions_and_is_a_laplace_map(diabetes):
    X, y = diabetes
    alpha = 0.1
    model = Lasso(alpha=alpha, tol=1e-14).fit(X, y)
    n = len(y)
    correlation = X.T @ (y - model.predict(X)) / n
    active = model.coef_ != 0
    np.testing.assert_allclose(correlation[active], alpha * np.sign(model.coef_[active]),
                               rtol=1e-8)
    assert np.all(np.abs(correlation[~active]) <= alpha * (1 + 1e-10))
    # n / sigma^2 times the Lasso objective is the negative log posterior under
    # Laplace(0, b) with b from the conversion, up to a constant.
    sigma = 50.0
    b = model.laplace_scale(sigma)
    assert probml.laplace_scale_to_lasso_alpha(b, sigma, n) == pytest.approx(alpha)

    def objective(w):
        r = y - model.intercept_ - X @ w
        return r @ r / (2 * n) + alpha * np.abs(w).sum()

    def negative_log_posterior(w):
        r = y - model.intercept_ - X @ w
        return r @ r / (2 * sigma ** 2) + np.abs(w).sum() / b

    rng = np.random.default_rng(1)
    offsets = [negative_log_posterior(w) - n / sigma ** 2 * objective(w)
               for w in (model.coef_, rng.normal(size=10) * 100, np.zeros(10))]
    np.testing.assert_allclose(offsets, offsets[0], atol=1e-9 * abs(offsets[0]) + 1e-9)


def test_a_penalty_below_rounding_stops_at_the_least_squares_fit(diabetes):
    """With alpha far below rounding, the iterates dither in their last bits: the
    descent must notice the fixed point (not sweep to max_iter) and say so."""
    X, y = diabetes
    with pytest.warns(probml.ConvergenceWarning, match="fixed point after"):
        model = Lasso(alpha=1e-150, tol=1e-10, max_iter=10**7).fit(X, y)
    assert model.n_iter_ < 10**5
    ols = np.linalg.lstsq(np.column_stack([np.ones(len(y)), X]), y, rcond=None)[0]
    np.testing.assert_allclose(model.coef_, ols[1:], rtol=0, atol=1e-10 * np.abs(ols).max())
    with pytest.warns(probml.ConvergenceWarning, match="At alpha=.*fixed point"):
        path = probml.lasso_path(X, y, n_alphas=3, eps=1e-148, max_iter=10**7)
    np.testing.assert_allclose(path.coef[-1], ols[1:], rtol=0, atol=1e-10 * np.abs(ols).max())


def test_warm_start_takes_fewer_sweeps(diabetes):
    X, y = diabetes
    model = Lasso(alpha=0.1, warm_start=True, tol=1e-12).fit(X, y)
    cold = model.n_iter_
    model.set_params(alpha=0.09).fit(X, y)
    assert model.n_iter_ < Lasso(alpha=0.09, tol=1e-12).fit(X, y).n_iter_ <= cold * 10


def test_ridge_path_equals_ridge(diabetes):
    X, y = diabetes
    alphas = [10.0, 1.0, 0.1, 0.01]
    path = probml.ridge_path(X, y, alphas)
    for alpha, coef, intercept in zip(path.alphas, path.coef, path.intercept):
        ridge = probml.Ridge(alpha=alpha).fit(X, y)
        np.testing.assert_allclose(coef, ridge.coef_, rtol=1e-9)
        assert intercept == pytest.approx(ridge.intercept_, rel=1e-9)


def test_bridge_with_p_2_and_p_1_is_ridge_and_lasso(diabetes):
    X, y = diabetes
    alpha, n = 0.02, len(y)
    ridge = probml.Ridge(alpha=2 * n * alpha).fit(X, y)
    two = BridgeRegression(alpha=alpha, p=2.0).fit(X, y)
    np.testing.assert_allclose(two.coef_, ridge.coef_, rtol=1e-10)
    assert two.intercept_ == pytest.approx(ridge.intercept_, rel=1e-10)
    one = BridgeRegression(alpha=alpha, p=1.0, tol=1e-14).fit(X, y)
    np.testing.assert_allclose(one.coef_, Lasso(alpha=alpha, tol=1e-14).fit(X, y).coef_,
                               rtol=1e-10, atol=1e-10)


def bridge_objective(X, y, model, alpha, p, w=None):
    w = model.coef_ if w is None else w
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    r = yc - Xc @ w
    return r @ r / (2 * len(y)) + alpha * np.sum(np.abs(w) ** p)


def test_convex_bridge_reaches_the_minimum_scipy_finds(rng):
    X = rng.normal(size=(200, 5))
    y = X @ [2.0, 0.0, -1.0, 0.5, 0.0] + rng.normal(size=200)
    alpha, p = 0.1, 1.5
    model = BridgeRegression(alpha=alpha, p=p).fit(X, y)
    found = optimize.minimize(lambda w: bridge_objective(X, y, model, alpha, p, w),
                              model.coef_ + 1.0, method="BFGS", options={"gtol": 1e-10})
    assert bridge_objective(X, y, model, alpha, p) <= found.fun + 1e-9
    np.testing.assert_allclose(model.coef_, found.x, rtol=1e-5, atol=1e-6)
    assert model.objective_ == pytest.approx(bridge_objective(X, y, model, alpha, p))


def test_non_convex_bridge_warns_and_reports_its_start(diabetes):
    X, y = diabetes
    alpha, p = 0.05, 0.5
    with pytest.warns(NonConvexWarning, match=r"p=0.5 < 1 is not convex.*start_"):
        single = BridgeRegression(alpha=alpha, p=p).fit(X, y)
    least_squares = probml.LinearRegression().fit(X, y).coef_
    np.testing.assert_allclose(single.start_, least_squares, rtol=1e-5)
    with pytest.warns(NonConvexWarning):
        multi = BridgeRegression(alpha=alpha, p=p, n_starts=8, random_state=0).fit(X, y)
    assert multi.objective_ <= single.objective_ + 1e-12
    # A local minimum: no single coordinate can lower the objective.
    base = bridge_objective(X, y, multi, alpha, p)
    for j in range(X.shape[1]):
        for value in np.linspace(-800, 800, 401):
            w = multi.coef_.copy()
            w[j] = value
            assert bridge_objective(X, y, multi, alpha, p, w) >= base - 1e-9


@pytest.mark.parametrize("make, message", [
    (lambda: Lasso(alpha=-1.0), "alpha must be a number > 0"),
    (lambda: Lasso(alpha=0.0), "use probml.LinearRegression"),
    (lambda: BridgeRegression(p=0.0), r"p must be a number in \[0.01, 2\]"),
    (lambda: BridgeRegression(p=2.5), r"p must be a number in \[0.01, 2\]"),
    (lambda: BridgeRegression(alpha=-0.1), "alpha must be a number > 0"),
    (lambda: BridgeRegression(p=0.5, n_starts=0), "n_starts must be"),
    (lambda: Lasso(tol=0.0), "tol must be a number > 0"),
])
def test_bad_settings_are_named(make, message):
    with pytest.raises(ValueError, match=message), warnings.catch_warnings():
        warnings.simplefilter("ignore", NonConvexWarning)
        make().fit([[1.0, 2.0], [2.0, 1.0], [3.0, 5.0]], [1.0, 2.0, 3.0])


def test_bad_data_and_paths(diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match="NaN"):
        Lasso().fit(np.r_[X[:1] * np.nan, X[1:]], y)
    with pytest.raises(ValueError, match="non-numeric value 'a'"):
        Lasso().fit(np.array([["a"], ["b"]], dtype=object), [1.0, 2.0])
    with pytest.raises(ValueError, match="every penalty in alphas must be > 0"):
        probml.lasso_path(X, y, alphas=[1.0, -1.0])
    with pytest.raises(ValueError, match="every penalty in alphas must be > 0"):
        probml.ridge_path(X, y, [0.0])


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_sample_weight_matches_scikit_learn(fit_intercept):
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Lasso as Reference

    X, y = load_diabetes(return_X_y=True)
    w = 1.0 + (X[:, 0] > 0) + np.arange(len(y)) % 3
    w[::7] = 0.0                                  # rows weighted 0 are left out
    ours = Lasso(alpha=0.05, fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
    theirs = Reference(alpha=0.05, fit_intercept=fit_intercept, tol=1e-14,
                       max_iter=1_000_000).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-7, atol=1e-7)
    assert ours.intercept_ == pytest.approx(theirs.intercept_, rel=1e-9, abs=1e-9)
    # Integer weights are repeated rows.
    rows = np.repeat(np.arange(len(y)), w.astype(int))
    repeated = Lasso(alpha=0.05, fit_intercept=fit_intercept).fit(X[rows], y[rows])
    np.testing.assert_allclose(ours.coef_, repeated.coef_, rtol=1e-8, atol=1e-10)
