"""Hard numerical corners, each against an extended-precision reference computed here.

The references are written with mpmath from the definitions (normal equations of
the input doubles at 60 or more digits, Ridge and the Gaussian posterior from their
matrices), sharing no code with probml.  A fit must either agree with them to the
stated tolerance or say, through ``accuracy_digits_`` and a
``NumericalAccuracyWarning``, how many digits to trust; the property test checks
that what it says is true.
"""

import warnings

import mpmath
import numpy as np
import pytest

from probml import (
    BayesianLinearRegression,
    CollinearityWarning,
    ConvergenceWarning,
    LinearRegression,
    LogisticRegression,
    NumericalAccuracyWarning,
    Ridge,
)
from probml.exceptions import UndefinedStatisticWarning
from probml.growth import fit_retention
from probml.selection import loo_residuals


# -- references ------------------------------------------------------------------

def _mp_columns(X, y, fit_intercept):
    n = len(y)
    columns = [[mpmath.mpf(float(v)) for v in X[:, j]] for j in range(X.shape[1])]
    if fit_intercept:
        columns = [[mpmath.mpf(1)] * n] + columns
    return columns, [mpmath.mpf(float(v)) for v in y]


def _mp_gram(columns, response):
    k = len(columns)
    gram = mpmath.matrix(k, k)
    for i in range(k):
        for j in range(i, k):
            gram[i, j] = gram[j, i] = mpmath.fdot(columns[i], columns[j])
    return gram, mpmath.matrix([mpmath.fdot(c, response) for c in columns])


def exact_ols(X, y, fit_intercept=True, dps=80):
    """Parameters (intercept first) and standard errors of the OLS fit of the doubles."""
    with mpmath.workdps(dps):
        columns, response = _mp_columns(X, y, fit_intercept)
        gram, rhs = _mp_gram(columns, response)
        inverse = mpmath.inverse(gram)
        params = inverse * rhs
        k, n = len(columns), len(response)
        rss = mpmath.fsum((response[i] - mpmath.fsum(params[j] * columns[j][i]
                                                     for j in range(k))) ** 2
                          for i in range(n))
        variance = rss / (n - k)
        return (np.array([float(v) for v in params]),
                np.array([float(mpmath.sqrt(variance * inverse[j, j])) for j in range(k)]))


def exact_ridge(X, y, alpha, dps=60):
    """Ridge with an unpenalised intercept: parameters, standard errors, residual df."""
    with mpmath.workdps(dps):
        columns, response = _mp_columns(X, y, True)
        gram, rhs = _mp_gram(columns, response)
        k, n = len(columns), len(response)
        penalised = gram + mpmath.diag([0] + [mpmath.mpf(float(alpha))] * (k - 1))
        inverse = mpmath.inverse(penalised)
        params = inverse * rhs
        hat_trace = mpmath.fsum((gram * inverse)[j, j] for j in range(k))
        rss = mpmath.fsum((response[i] - mpmath.fsum(params[j] * columns[j][i]
                                                     for j in range(k))) ** 2
                          for i in range(n))
        df = n - hat_trace
        variance = rss / df
        return (np.array([float(v) for v in params]),
                np.array([float(mpmath.sqrt(variance * inverse[j, j])) for j in range(k)]),
                float(df))


def exact_ridge_dual(X, y, alpha, dps=60):
    """:func:`exact_ridge` through the n x n kernel, for many more columns than rows.

    With :math:`K = X_c X_c^\top`: :math:`w = X_c^\top (K + \alpha I)^{-1} y_c` and
    :math:`(X_c^\top X_c + \alpha I)^{-1} = (I - X_c^\top (K + \alpha I)^{-1} X_c)/\alpha`,
    whose diagonal and quadratic form in :math:`\bar x` cancel harmlessly at 60 digits.
    """
    with mpmath.workdps(dps):
        n, p = X.shape
        a = mpmath.mpf(float(alpha))
        columns = [[mpmath.mpf(float(v)) for v in X[:, j]] for j in range(p)]
        means = [mpmath.fsum(c) / n for c in columns]
        centred = [[v - m for v in c] for c, m in zip(columns, means)]
        response = [mpmath.mpf(float(v)) for v in y]
        y_mean = mpmath.fsum(response) / n
        yc = mpmath.matrix([v - y_mean for v in response])
        Xc = mpmath.matrix(n, p)
        for j in range(p):
            for i in range(n):
                Xc[i, j] = centred[j][i]
        kernel_inverse = mpmath.inverse(Xc * Xc.T + a * mpmath.eye(n))
        dual = kernel_inverse * yc
        w = Xc.T * dual
        intercept = y_mean - mpmath.fsum(m * w[j] for j, m in enumerate(means))
        fitted = Xc * w
        rss = mpmath.fsum((yc[i] - fitted[i]) ** 2 for i in range(n))
        hat_trace = 1 + mpmath.fsum((Xc * Xc.T * kernel_inverse)[i, i] for i in range(n))
        variance = rss / (n - hat_trace)
        xbar = mpmath.matrix(means)
        projected = Xc * xbar
        slopes = []
        for j in range(p):
            column = Xc[:, j]
            slopes.append((1 - (column.T * kernel_inverse * column)[0]) / a)
        quadratic = (mpmath.fsum(m * m for m in means)
                     - (projected.T * kernel_inverse * projected)[0]) / a
        params = [intercept] + [w[j] for j in range(p)]
        variances = [1 / mpmath.mpf(n) + quadratic] + slopes
        return (np.array([float(v) for v in params]),
                np.array([float(mpmath.sqrt(variance * v)) for v in variances]),
                float(n - hat_trace))


def exact_posterior(X, y, alpha, beta, fit_intercept, dps=60):
    """Posterior mean and standard deviations of the weights (flat prior on the intercept)."""
    with mpmath.workdps(dps):
        columns, response = _mp_columns(X, y, fit_intercept)
        gram, rhs = _mp_gram(columns, response)
        k = len(columns)
        precision = gram * beta + mpmath.diag([0] * fit_intercept
                                              + [mpmath.mpf(alpha)] * (k - fit_intercept))
        cov = mpmath.inverse(precision)
        mean = cov * (rhs * beta)
        weights = range(int(fit_intercept), k)
        return (np.array([float(mean[j]) for j in weights]),
                np.array([float(mpmath.sqrt(cov[j, j])) for j in weights]))


def scaled_error(estimate, exact, X, fit_intercept=True):
    """max |error| relative to the largest parameter, in units of the design's columns."""
    units = np.linalg.norm(X, axis=0)
    if fit_intercept:
        units = np.r_[np.sqrt(len(X)), units]
    return np.max(np.abs(estimate - exact) * units) / np.max(np.abs(exact) * units)


def relative_error(estimate, exact):
    return np.max(np.abs(estimate - exact) / np.abs(exact))


def _polynomial(x, degree):
    return np.column_stack([x ** k for k in range(1, degree + 1)])


# -- 1, 2: least squares -------------------------------------------------------------

@pytest.mark.parametrize("solver", ["auto", "qr"])
def test_intercept_standard_error_keeps_its_digits(solver):
    """Degree 12 on [0, 1]: x_mean' S x_mean is 0.1 from terms of 1e13 (was 2e-3 off)."""
    rng = np.random.default_rng(1)
    x = np.sort(rng.uniform(0, 1, 2000))
    X = _polynomial(x, 12)
    y = np.sin(2 * np.pi * x) + 0.01 * rng.standard_normal(2000)
    model = LinearRegression(solver=solver).fit(X, y)
    params, bse = exact_ols(X, y)
    assert relative_error(model.bse_, bse) <= 1e-8
    assert abs(model.bse_[0] - bse[0]) <= 1e-8 * bse[0]
    assert scaled_error(model.params_, params, X) <= 1e-12


def test_eight_digits_at_condition_number_1e11():
    """Degree 10 on [1, 2] (condition 1e11): every coefficient to 8 digits (was 5.8)."""
    x = np.linspace(1, 2, 1000)
    X = _polynomial(x, 10)
    y = np.exp(x) + 0.01 * np.random.default_rng(2).standard_normal(1000)
    params, bse = exact_ols(X, y, dps=90)
    for solver in ("auto", "qr"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NumericalAccuracyWarning)
            model = LinearRegression(solver=solver).fit(X, y)
        assert model.condition_number_ > 1e10
        assert relative_error(model.params_, params) <= 1e-8, solver
        assert relative_error(model.bse_, bse) <= 10.0 ** -model.accuracy_digits_


def test_the_exact_and_refined_paths_agree_at_n_1e5():
    """Two independent algorithms (exact Gram in mpmath; QR with augmented refinement)."""
    x = np.linspace(1, 2, 100_000)
    X = _polynomial(x, 10)
    y = np.exp(x) + 0.01 * np.random.default_rng(3).standard_normal(len(x))
    exact = LinearRegression().fit(X, y)
    assert exact.solver_ == "mpmath" and exact.accuracy_digits_ >= 14
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalAccuracyWarning)
        refined = LinearRegression(solver="qr").fit(X, y)
    assert relative_error(refined.params_, exact.params_) <= 1e-8
    assert relative_error(refined.bse_, exact.bse_) <= 10.0 ** -refined.accuracy_digits_


# -- 3: Ridge with more features than rows -------------------------------------------

@pytest.mark.parametrize("alpha", [1e-3, 1e-6, 1e-8, 10.0])
def test_ridge_with_more_features_than_rows(alpha):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((15, 200)) * rng.uniform(0.1, 10, 200)
    y = X[:, :5] @ np.ones(5) + rng.standard_normal(15)
    params, bse, df = exact_ridge_dual(X, y, alpha)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = Ridge(alpha=alpha).fit(X, y)
    assert model.df_resid_ > 0
    assert model.df_resid_ == pytest.approx(df, rel=1e-10)
    assert scaled_error(model.params_, params, X) <= 1e-12
    assert relative_error(model.bse_, bse) <= 1e-10
    tiny_df = [w for w in caught if issubclass(w.category, UndefinedStatisticWarning)]
    assert bool(tiny_df) == (df < 0.01)
    if df < 0.01:                     # no usable t quantiles: NaN inference, named
        assert np.all(np.isnan(model.pvalues_)) and "residual degrees" in str(tiny_df[0].message)


# -- 4: leave-one-out on an ill-conditioned design -----------------------------------

def test_loo_residuals_equal_exact_refits_on_an_ill_conditioned_design():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1, 60)
    X = _polynomial(x, 8)
    y = np.sin(3 * x) + 0.01 * rng.standard_normal(60)
    exact = np.empty(60)
    for i in range(60):
        keep = np.arange(60) != i
        params, _ = exact_ols(X[keep], y[keep], dps=50)
        exact[i] = y[i] - params[0] - X[i] @ params[1:]
    assert np.max(np.abs(loo_residuals(X, y) - exact)) <= 1e-10 * np.max(np.abs(exact))


# -- 6, 7: Bayesian linear regression far from the origin ----------------------------

@pytest.mark.parametrize("offset", [1e6, 1e8])
def test_bayesian_regression_without_intercept_on_offset_data(offset):
    rng = np.random.default_rng(6)
    X = rng.standard_normal((5000, 3)) + offset
    y = X @ np.array([1.0, 2.0, -1.0]) * 1e-6 + rng.standard_normal(5000)
    mean, sd = exact_posterior(X, y, 1.0, 1.0, False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = BayesianLinearRegression(fit_intercept=False).fit(X, y)
    error = relative_error(model.coef_, mean)
    assert error <= 10.0 ** -model.accuracy_digits_
    assert relative_error(np.sqrt(np.diagonal(model.posterior_cov_)), sd) <= (
        10.0 ** -model.accuracy_digits_)
    assert error <= (1e-8 if offset == 1e6 else 1e-6)       # was 2.3% and 82 times off
    warned = any(issubclass(w.category, NumericalAccuracyWarning) for w in caught)
    assert warned == (model.accuracy_digits_ < 6)


@pytest.mark.parametrize("offset, spread", [(1e6, 1.0), (1e8, 1e-3), (0.0, 1.0)])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_partial_fit_in_1000_chunks_equals_one_fit(offset, spread, fit_intercept):
    rng = np.random.default_rng(7)
    n = 50_000
    X = spread * rng.standard_normal((n, 2)) + offset
    y = X @ np.array([1.0, -1.0]) + spread * rng.standard_normal(n) + 5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalAccuracyWarning)
        one = BayesianLinearRegression(fit_intercept=fit_intercept).fit(X, y)
        chunked = BayesianLinearRegression(fit_intercept=fit_intercept)
        for rows in np.array_split(np.arange(n), 1000):
            chunked.partial_fit(X[rows], y[rows])
    tolerance = max(1e-12, 10.0 ** -one.accuracy_digits_)
    assert relative_error(chunked.coef_, one.coef_) <= tolerance
    # The intercept ybar - xbar'w inherits |xbar| |dw|: compare on that scale.
    scale = abs(one.intercept_) + np.abs(X.mean(axis=0)) @ np.abs(one.coef_)
    assert abs(chunked.intercept_ - one.intercept_) <= tolerance * scale
    np.testing.assert_allclose(chunked.posterior_cov_, one.posterior_cov_, rtol=1e-9)


# -- 8: meaningless fits say so --------------------------------------------------------

def test_logistic_with_a_duplicated_column_names_the_aliased_columns():
    import statsmodels.api as sm

    rng = np.random.default_rng(8)
    X = rng.standard_normal((300, 3))
    y = (X @ np.array([1.0, -1.0, 0.5]) + rng.logistic(size=300) > 0).astype(int)
    with pytest.warns(CollinearityWarning, match=r"\['x1', 'x3'\] are aliased"):
        model = LogisticRegression().fit(np.column_stack([X, X[:, 1]]), y)
    assert np.isnan(model.bse_[[2, 4]]).all() and np.isnan(model.pvalues_[[2, 4]]).all()
    reference = sm.Logit(y, sm.add_constant(X)).fit(disp=0)
    np.testing.assert_allclose(model.bse_[[0, 1, 3]], reference.bse[[0, 1, 3]], rtol=1e-6)
    # The aliased pair's sum is identified: it equals the coefficient of the column once.
    assert model.params_[2] + model.params_[4] == pytest.approx(reference.params[2], rel=1e-6)


@pytest.mark.parametrize("survivors", [[100, 0, 0], [100, 0], [50, 25, 0]])
def test_retention_without_a_maximum_likelihood_estimate_says_so(survivors):
    with pytest.raises(ValueError, match="does not exist"):
        fit_retention(survivors, "sbg")


def test_an_evidence_maximum_at_infinite_alpha_is_named():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((50, 3))
    y = rng.standard_normal(50) + 0.05 * X[:, 0]
    with pytest.warns(ConvergenceWarning, match="alpha -> infinity") as caught:
        BayesianLinearRegression(fit_precisions=True, max_iter=3000).fit(X, y)
    assert not any("increase max_iter" in str(w.message) for w in caught)


# -- 9: the default stopping rule reaches the optimum ----------------------------------

def test_rare_events_reach_the_optimum():
    from sklearn.linear_model import LogisticRegression as SklearnLogistic

    rng = np.random.default_rng(9)
    n = 1_000_000
    X = rng.standard_normal((n, 3))
    y = np.zeros(n, dtype=int)
    y[rng.choice(n, 3, replace=False)] = 1
    model = LogisticRegression(penalty="l2", C=1.0).fit(X, y)
    reference = SklearnLogistic(C=1.0, solver="newton-cholesky", tol=1e-14,
                                max_iter=1000).fit(X, y)
    assert relative_error(model.coef_, reference.coef_) <= 1e-6
    assert relative_error(model.intercept_, reference.intercept_) <= 1e-6


def test_multinomial_l2_on_standardised_wine_reaches_the_optimum():
    from sklearn.datasets import load_wine
    from sklearn.linear_model import LogisticRegression as SklearnLogistic

    X, y = load_wine(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    model = LogisticRegression(penalty="l2", C=100).fit(X, y)
    reference = SklearnLogistic(C=100, solver="newton-cholesky", tol=1e-14,
                                max_iter=1000).fit(X, y)
    assert relative_error(model.coef_, reference.coef_) <= 1e-6


# -- the property: every fit is within its own reported accuracy ---------------------

def _design(condition, seed, n=40, p=4, offset=0.0):
    """Columns with singular values from 1 down to 1/condition, in random directions."""
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((n, p)))
    V, _ = np.linalg.qr(rng.standard_normal((p, p)))
    X = (U * np.geomspace(1.0, 1.0 / condition, p)) @ V.T * rng.uniform(0.5, 20, p)
    return X + offset, X @ rng.standard_normal(p) + 0.1 * rng.standard_normal(n)


CONDITIONS = [1.0, 1e2, 1e4, 1e6, 1e8, 1e10, 1e12]


def _fit_quietly(model, X, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    warned = any(issubclass(w.category, NumericalAccuracyWarning) for w in caught)
    assert warned == (model.accuracy_digits_ < 6), "the warning must match the estimate"
    return model


@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("solver", ["auto", "qr", "cholesky"])
def test_least_squares_is_within_its_reported_accuracy(condition, seed, solver):
    X, y = _design(condition, seed, offset=3.0 * seed)
    params, bse = exact_ols(X, y, dps=100)
    model = _fit_quietly(LinearRegression(solver=solver), X, y)
    bound = 10.0 ** -model.accuracy_digits_
    assert scaled_error(model.params_, params, X) <= bound
    assert relative_error(model.bse_, bse) <= bound


@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("alpha", [1e-10, 1e-4, 1.0])
def test_ridge_is_within_its_reported_accuracy(condition, alpha):
    X, y = _design(condition, 2)
    params, bse, _ = exact_ridge(X, y, alpha, dps=100)
    model = _fit_quietly(Ridge(alpha=alpha), X, y)
    bound = 10.0 ** -model.accuracy_digits_
    assert scaled_error(model.params_, params, X) <= bound
    assert relative_error(model.bse_, bse) <= bound


@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_bayesian_posterior_is_within_its_reported_accuracy(condition, fit_intercept):
    X, y = _design(condition, 3, offset=5.0)
    mean, sd = exact_posterior(X, y, 1e-6, 4.0, fit_intercept, dps=100)
    model = _fit_quietly(BayesianLinearRegression(alpha=1e-6, beta=4.0,
                                                  fit_intercept=fit_intercept), X, y)
    bound = 10.0 ** -model.accuracy_digits_
    assert scaled_error(model.coef_, mean, X, fit_intercept=False) <= bound
    assert relative_error(np.sqrt(np.diagonal(model.posterior_cov_)), sd) <= bound
