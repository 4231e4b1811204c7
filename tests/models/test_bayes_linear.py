"""BayesianLinearRegression against scikit-learn, SciPy densities and Ridge."""

import warnings

import numpy as np
import pytest
from scipy import stats
from scipy.optimize import minimize

from probml import BayesianLinearRegression, ConvergenceWarning, Ridge
from probml.exceptions import UndefinedStatisticWarning


def test_evidence_maximisation_matches_bayesian_ridge(diabetes):
    from sklearn.linear_model import BayesianRidge

    X, y = diabetes
    noise_precision, weight_precision = 1 / np.var(y), 1.0
    reference = BayesianRidge(
        fit_intercept=False, alpha_1=0, alpha_2=0, lambda_1=0, lambda_2=0, tol=1e-14,
        max_iter=10_000, alpha_init=noise_precision, lambda_init=weight_precision,
    ).fit(X, y)
    model = BayesianLinearRegression(alpha=weight_precision, beta=noise_precision,
                                     fit_precisions=True, fit_intercept=False).fit(X, y)
    assert model.alpha_ == pytest.approx(reference.lambda_, rel=1e-6)
    assert model.beta_ == pytest.approx(reference.alpha_, rel=1e-6)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-6)
    np.testing.assert_allclose(model.posterior_cov_, reference.sigma_, rtol=1e-6)
    mean, std = model.predict(X[:20], return_std=True)
    ref_mean, ref_std = reference.predict(X[:20], return_std=True)
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-6)
    np.testing.assert_allclose(std, ref_std, rtol=1e-6)


def test_evidence_maximisation_with_intercept_maximises_the_evidence(diabetes):
    """With a flat-prior intercept the fixed point maximises log_evidence_ (n - 1 dof)."""
    X, y = diabetes
    fitted = BayesianLinearRegression(fit_precisions=True, beta=1e-3).fit(X, y)

    def negative_log_evidence(log_precisions):
        alpha, beta = np.exp(log_precisions)
        return -BayesianLinearRegression(alpha=alpha, beta=beta).fit(X, y).log_evidence_

    found = minimize(negative_log_evidence, np.log([1.0, 1e-3]), method="Nelder-Mead",
                     options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 2000})
    np.testing.assert_allclose(np.exp(found.x), [fitted.alpha_, fitted.beta_], rtol=1e-4)
    assert fitted.log_evidence_ >= -found.fun - 1e-9


@pytest.mark.parametrize("alpha, beta", [(1.0, 1.0), (0.3, 2.0), (5.0, 1e-3)])
def test_posterior_mean_is_ridge_with_alpha_over_beta(diabetes, alpha, beta):
    """The point of the mission: the Gaussian-prior posterior mean is Ridge's MAP."""
    X, y = diabetes
    bayes = BayesianLinearRegression(alpha=alpha, beta=beta).fit(X, y)
    ridge = Ridge(alpha=alpha / beta).fit(X, y)
    coef, intercept = bayes.map_estimate()
    np.testing.assert_allclose(coef, ridge.coef_, rtol=1e-10)
    assert intercept == pytest.approx(ridge.intercept_, rel=1e-10)


def test_unknown_noise_posterior_mean_is_ridge_with_alpha(diabetes):
    X, y = diabetes
    bayes = BayesianLinearRegression(alpha=0.7, beta=None).fit(X, y)
    np.testing.assert_allclose(bayes.posterior_mean_, Ridge(alpha=0.7).fit(X, y).coef_,
                               rtol=1e-10)


def test_posterior_by_gaussian_conditioning(rng):
    """m_n and S_n from the joint Gaussian of (w, y): the Kalman form, not Bishop's."""
    X, y = rng.standard_normal((15, 3)), rng.standard_normal(15)
    prior_mean = np.array([0.5, -1.0, 2.0])
    factor = rng.standard_normal((3, 3))
    prior_cov = factor @ factor.T + np.eye(3)
    beta = 2.5
    model = BayesianLinearRegression(beta=beta, prior_mean=prior_mean, prior_cov=prior_cov,
                                     fit_intercept=False).fit(X, y)
    y_cov = X @ prior_cov @ X.T + np.eye(15) / beta
    gain = prior_cov @ X.T @ np.linalg.inv(y_cov)
    np.testing.assert_allclose(model.posterior_mean_, prior_mean + gain @ (y - X @ prior_mean),
                               rtol=1e-10)
    np.testing.assert_allclose(model.posterior_cov_, prior_cov - gain @ X @ prior_cov,
                               rtol=1e-9, atol=1e-12)
    assert model.log_evidence_ == pytest.approx(
        stats.multivariate_normal(X @ prior_mean, y_cov).logpdf(y), rel=1e-12)


def test_log_evidence_with_flat_intercept_is_the_wide_prior_limit(rng):
    """A N(0, tau^2) intercept prior gives log_evidence_ - log(tau sqrt(2 pi)) as tau grows."""
    X = rng.standard_normal((25, 2))
    y = 3.0 + X @ [1.0, -2.0] + 0.5 * rng.standard_normal(25)
    model = BayesianLinearRegression(alpha=0.5, beta=4.0).fit(X, y)
    for tau, tolerance in [(1e2, 1e-2), (1e3, 1e-4)]:
        cov = X @ X.T / 0.5 + tau**2 + np.eye(25) / 4.0
        wide = stats.multivariate_normal(np.zeros(25), cov).logpdf(y)
        limit = model.log_evidence_ - np.log(tau * np.sqrt(2 * np.pi))
        assert limit == pytest.approx(wide, abs=tolerance)


def test_unknown_noise_evidence_is_a_multivariate_t(rng):
    X, y = rng.standard_normal((20, 3)), rng.standard_normal(20)
    a0, b0, alpha = 2.0, 3.0, 0.4
    model = BayesianLinearRegression(alpha=alpha, beta=None, noise_shape=a0, noise_rate=b0,
                                     fit_intercept=False).fit(X, y)
    shape = (X @ X.T / alpha + np.eye(20)) * b0 / a0
    reference = stats.multivariate_t(np.zeros(20), shape, df=2 * a0).logpdf(y)
    assert model.log_evidence_ == pytest.approx(reference, rel=1e-12)
    assert model.noise_shape_ == a0 + 10


def test_unknown_noise_predictive_is_student_t(rng):
    X, y = rng.standard_normal((20, 2)), rng.standard_normal(20)
    model = BayesianLinearRegression(alpha=1.0, beta=None, noise_shape=2.0,
                                     noise_rate=1.0).fit(X, y)
    x_new = np.array([[0.3, -1.2]])
    _, std = model.predict(x_new, return_std=True)
    low, high = model.predict_interval(x_new, level=0.9)[0]
    dof = 2 * model.noise_shape_
    scale = std[0] / np.sqrt(dof / (dof - 2))
    assert (high - low) / 2 == pytest.approx(stats.t.ppf(0.95, dof) * scale, rel=1e-12)


def test_partial_fit_equals_fit_on_all_data(diabetes):
    X, y = diabetes
    batched = BayesianLinearRegression(alpha=0.3, beta=0.01, fit_precisions=True)
    for start in range(0, len(y), 97):
        batched.partial_fit(X[start:start + 97], y[start:start + 97])
    whole = BayesianLinearRegression(alpha=0.3, beta=0.01, fit_precisions=True).fit(X, y)
    np.testing.assert_allclose(batched.posterior_mean_, whole.posterior_mean_, rtol=1e-9)
    np.testing.assert_allclose(batched.posterior_cov_, whole.posterior_cov_, rtol=1e-9)
    assert batched.intercept_ == pytest.approx(whole.intercept_, rel=1e-10)
    assert batched.log_evidence_ == pytest.approx(whole.log_evidence_, rel=1e-12)


def test_sequential_updating_with_known_noise(rng):
    """Yesterday's posterior is today's prior: one row at a time equals all at once."""
    X, y = rng.standard_normal((30, 2)), rng.standard_normal(30)
    model = BayesianLinearRegression(alpha=2.0, beta=3.0, fit_intercept=False)
    mean, cov = np.zeros(2), np.eye(2) / 2.0
    for row, target in zip(X, y):
        model.partial_fit(row[None, :], [target])
        step = BayesianLinearRegression(beta=3.0, prior_mean=mean, prior_cov=cov,
                                        fit_intercept=False).fit(row[None, :], [target])
        mean, cov = step.posterior_mean_, step.posterior_cov_
    np.testing.assert_allclose(model.posterior_mean_, mean, rtol=1e-10)
    np.testing.assert_allclose(model.posterior_cov_, cov, rtol=1e-9)


def test_predictive_std_includes_noise_and_intercept_uncertainty(rng):
    X, y = rng.standard_normal((40, 2)), rng.standard_normal(40)
    model = BayesianLinearRegression(alpha=1.0, beta=4.0).fit(X, y)
    x_new = rng.standard_normal((3, 2))
    centred = x_new - X.mean(axis=0)
    expected = np.sqrt(1 / 4.0 + 1 / (4.0 * 40)
                       + np.einsum("ij,jk,ik->i", centred, model.posterior_cov_, centred))
    np.testing.assert_allclose(model.predict(x_new, return_std=True)[1], expected, rtol=1e-12)


def test_sample_posterior_has_the_posterior_moments(diabetes):
    X, y = diabetes
    model = BayesianLinearRegression(alpha=0.01, beta=1 / 3000).fit(X, y)
    draws = model.sample_posterior(20_000, rng=1)
    assert draws.shape == (20_000, 10)
    std = np.sqrt(np.diagonal(model.posterior_cov_))
    # Monte Carlo standard error of a mean is std / sqrt(20000): allow 5 of them.
    assert np.all(np.abs(draws.mean(axis=0) - model.posterior_mean_) < 5 * std / np.sqrt(2e4))
    np.testing.assert_allclose(np.cov(draws.T), model.posterior_cov_, rtol=0.1,
                               atol=0.05 * std.max() ** 2)
    nig = BayesianLinearRegression(alpha=0.01, beta=None).fit(X, y)
    t_draws = nig.sample_posterior(20_000, rng=2)
    np.testing.assert_allclose(np.var(t_draws, axis=0), np.diagonal(nig.posterior_cov_),
                               rtol=0.1)


@pytest.mark.parametrize("params, message", [
    ({"alpha": 0.0}, "alpha must be a number > 0"),
    ({"alpha": -1.0}, "alpha must be a number > 0"),
    ({"beta": 0.0}, "beta must be None or a number > 0"),
    ({"beta": -2.0}, "beta must be None or a number > 0"),
    ({"beta": None, "noise_rate": 0.0}, "noise_rate must be a number > 0"),
    ({"prior_cov": -np.eye(2)}, "positive definite"),
    ({"prior_cov": np.eye(3)}, r"shape \(2, 2\)"),
    ({"prior_mean": [1.0]}, "length n_features=2"),
    ({"beta": None, "fit_precisions": True}, "needs beta as its starting value"),
    ({"prior_cov": np.eye(2), "fit_precisions": True}, "cannot be combined"),
])
def test_bad_priors_are_rejected(rng, params, message):
    X, y = rng.standard_normal((10, 2)), rng.standard_normal(10)
    with pytest.raises(ValueError, match=message):
        BayesianLinearRegression(**params).fit(X, y)


def test_sample_posterior_rejects_bad_counts(rng):
    model = BayesianLinearRegression().fit(rng.standard_normal((10, 2)), rng.standard_normal(10))
    with pytest.raises(ValueError, match="n_samples must be a whole number from 1"):
        model.sample_posterior(0)


def test_exact_fit_stops_evidence_maximisation_with_a_warning():
    from probml import ConvergenceWarning
    from probml.datasets import load_four_features

    data = load_four_features()
    with pytest.warns(ConvergenceWarning, match="fitted exactly, so the noise precision beta"):
        model = BayesianLinearRegression(fit_precisions=True).fit(data.data, data.target)
    assert np.isfinite(model.beta_) and np.all(np.isfinite(model.posterior_cov_))
    np.testing.assert_allclose(model.coef_, [1, -1, 1, -1], atol=1e-6)


def test_iteration_limit_warns(diabetes):
    from probml import ConvergenceWarning

    with pytest.warns(ConvergenceWarning, match="did not converge in max_iter=2"):
        BayesianLinearRegression(fit_precisions=True, max_iter=2).fit(*diabetes)


def _twelve_rows():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((12, 2))
    return X, X @ [1.0, -2.0] + 3.0 + rng.standard_normal(12)


def test_evidence_maximisation_with_a_prior_mean_near_overflow_says_so():
    """Its squared distance overflows: a warning, then an error naming prior_mean, no RuntimeWarning."""
    X, y = _twelve_rows()
    model = BayesianLinearRegression(fit_precisions=True, prior_mean=[1.3e159, -1.3e159])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.warns(ConvergenceWarning, match="left the range of double precision"), \
                pytest.raises(ValueError, match="prior_mean"):
            model.fit(X, y)


@pytest.mark.parametrize("make", [BayesianLinearRegression, Ridge])
def test_variances_lost_to_rounding_are_nan_with_a_warning(make):
    """A duplicated column at 1e16: x_mean' S x_mean is all rounding (S is 1/alpha along the
    undetermined direction, tiny along the data's), so no digit of the intercept's variance,
    or of a predictive variance, survives: NaN and a warning, not a crash or a number."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(20)
    y = x + rng.standard_normal(20)
    X = np.c_[x, x] * 1e16
    with pytest.warns(UndefinedStatisticWarning, match="intercept's variance is lost"):
        model = make().fit(X, y)
    centred = make().fit(X - X.mean(axis=0), y)          # the advice in the warning works
    np.testing.assert_allclose(model.coef_, centred.coef_, rtol=1e-12)
    intercept_se = model.intercept_std_ if make is BayesianLinearRegression else model.bse_[0]
    assert np.isnan(intercept_se)
    assert np.isfinite(centred.bse_[0] if make is Ridge else centred.intercept_std_)
    if make is BayesianLinearRegression:
        with pytest.warns(UndefinedStatisticWarning, match="predictive variance is lost"):
            _, std = model.predict(X[:3], return_std=True)
        assert np.all(np.isnan(std))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _, std = make().fit(X / 1e16, y).predict(X[:3] / 1e16, return_std=True)
        assert np.all(np.isfinite(std))


def test_one_far_away_row_in_partial_fit_is_not_a_crash():
    X, y = _twelve_rows()
    model = BayesianLinearRegression().fit(X, y)
    with pytest.warns(UndefinedStatisticWarning, match="intercept's variance is lost"):
        model.partial_fit([[7.585556967726106e152, -1e145]], [6.6e16])
    assert np.isnan(model.intercept_std_) and np.all(np.isfinite(model.coef_))


@pytest.mark.parametrize("model, scale, message", [
    (BayesianLinearRegression(prior_mean=[1.79e308, 1.79e308]), 1.0,
     "prior_mean .* overflows float64"),
    (BayesianLinearRegression(alpha=5e-324, beta=5e-324), 1.0,
     "posterior covariance .* overflows.*beta="),
    (Ridge(alpha=1.7976931348623157e308), 1e-3, "alpha=1.8e\\+308 .* overflows float64"),
], ids=["prior-mean-times-data", "tiny-precisions", "penalty-over-small-columns"])
def test_settings_that_overflow_against_the_data_are_refused_by_name(model, scale, message):
    """No RuntimeWarning leaks: the overflow is found and named before it is used."""
    X, y = _twelve_rows()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=message):
            model.fit(scale * X, y)


def test_refitting_with_known_noise_forgets_the_unknown_noise_posterior():
    """set_params(beta=...).fit after a fit with beta=None is the same as a fresh fit."""
    X, y = _twelve_rows()
    refitted = BayesianLinearRegression(beta=None).fit(X, y).set_params(beta=1.0).fit(X, y)
    fresh = BayesianLinearRegression(beta=1.0).fit(X, y)
    assert not refitted.beta_is_unknown_ and not hasattr(refitted, "noise_shape_")
    np.testing.assert_array_equal(refitted.predict(X, return_std=True)[1],
                                  fresh.predict(X, return_std=True)[1])
    np.testing.assert_array_equal(refitted.predict_interval(X), fresh.predict_interval(X))


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_data_whose_squares_underflow_are_fitted_not_crashed(method):
    """y'y underflows to 0 for values near 1e-301 (found by the fuzzing with seed 11).

    The posterior mean, beta X'y / (alpha + beta X'X), is about 1e-602: zero in double
    precision.
    """
    X = np.array([[1.25730221e-301, 1.25730221e-301], [-1.32104863e-301, -1.32104863e-301]])
    y = np.array([1.25730221e-301, -1.32104863e-301])
    model = getattr(BayesianLinearRegression(), method)(X, y)
    np.testing.assert_array_equal(model.coef_, [0.0, 0.0])
    assert np.all(np.isfinite(model.posterior_cov_))


@pytest.mark.parametrize("beta", [0.5, None])
def test_summary_gives_the_posterior_with_credible_intervals(diabetes, beta):
    """Oracle: the posterior written out in NumPy (the intercept's flat prior is centring:
    Sigma = (alpha I + beta Xc'Xc)^-1, the intercept's variance 1/(beta n) + xbar' Sigma
    xbar), and scipy.stats' normal or Student-t intervals."""
    X, y = diabetes
    X, y = np.asarray(X)[:, :3], np.asarray(y) / 100
    alpha = 2.0
    model = BayesianLinearRegression(alpha=alpha, beta=beta).fit(X, y)
    n, xbar = len(y), X.mean(axis=0)
    Xc, yc = X - xbar, y - y.mean()
    if beta is None:                      # Normal-Inverse-Gamma: the t scale uses b_n / a_n
        V = np.linalg.inv(Xc.T @ Xc + alpha * np.eye(3))
        mean = V @ Xc.T @ yc
        df = 2 * model.noise_shape_
        scale2 = model.noise_rate_ / model.noise_shape_
        cov_w = scale2 * V
        var_b = scale2 * (1 / n + xbar @ V @ xbar)
        quantile = stats.t.ppf(0.95, df)
        variance_factor = df / (df - 2)
    else:
        cov_w = np.linalg.inv(alpha * np.eye(3) + beta * Xc.T @ Xc)
        mean = beta * cov_w @ Xc.T @ yc
        var_b = 1 / (beta * n) + xbar @ cov_w @ xbar
        quantile, variance_factor = stats.norm.ppf(0.95), 1.0
    means = np.r_[y.mean() - xbar @ mean, mean]
    scales = np.sqrt(np.r_[var_b, np.diagonal(cov_w)])
    summary = model.summary(alpha=0.1)
    table = summary.table
    np.testing.assert_allclose(table.means, means, rtol=1e-10)
    np.testing.assert_allclose(table.stds, scales * np.sqrt(variance_factor), rtol=1e-10)
    np.testing.assert_allclose(table.credible_interval(0.9),
                               np.column_stack([means - quantile * scales,
                                                means + quantile * scales]), rtol=1e-10)
    text = str(summary)
    assert "[0.05" in text and "0.95]" in text and "Log evidence" in text
    assert ("Student-t" in text) == (beta is None)
    assert "<table>" in summary._repr_html_()
    with pytest.raises(ValueError, match="error rate"):
        model.summary(0.9)


def _flat_intercept_marginal(X, y, covariance):
    r"""log of the integral of N(y; b 1, covariance) over the intercept b (a flat prior)."""
    n = len(y)
    inverse = np.linalg.inv(covariance)
    one = np.ones(n)
    q = one @ inverse @ one
    return (-(n - 1) / 2 * np.log(2 * np.pi) - 0.5 * np.linalg.slogdet(covariance)[1]
            - 0.5 * np.log(q) - 0.5 * (y @ inverse @ y - (one @ inverse @ y) ** 2 / q))


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_sample_weight_gives_the_posterior_and_evidence_of_precision_weighted_rows(
        fit_intercept):
    rng = np.random.default_rng(11)
    n, p, alpha, beta = 40, 3, 2.0, 3.0
    X = rng.normal(size=(n, p)) + 1.0
    y = X @ [1.0, -1.0, 2.0] + 0.5 + rng.normal(size=n) / 2
    w = rng.uniform(0.3, 3.0, n)
    model = BayesianLinearRegression(alpha=alpha, beta=beta, fit_intercept=fit_intercept).fit(
        X, y, sample_weight=w)
    # y | w ~ N(X w (+ b), diag(1 / (beta w_i))), w ~ N(0, I / alpha): dense marginal.
    covariance = np.diag(1 / (beta * w)) + X @ X.T / alpha
    if fit_intercept:
        expected = _flat_intercept_marginal(X, y, covariance)
        ridge = Ridge(alpha=alpha / beta).fit(X, y, sample_weight=w)
        np.testing.assert_allclose(model.posterior_mean_, ridge.coef_, rtol=1e-12)
    else:
        expected = stats.multivariate_normal(np.zeros(n), covariance).logpdf(y)
        precision = alpha * np.eye(p) + beta * X.T @ (w[:, None] * X)
        np.testing.assert_allclose(model.posterior_cov_, np.linalg.inv(precision), rtol=1e-12)
    assert model.log_evidence_ == pytest.approx(expected, rel=1e-12)
    # Batches merge to the same posterior; a zero weight leaves a row out.
    batches = BayesianLinearRegression(alpha=alpha, beta=beta, fit_intercept=fit_intercept)
    batches.partial_fit(X[:15], y[:15], sample_weight=w[:15])
    batches.partial_fit(X[15:], y[15:], sample_weight=w[15:])
    np.testing.assert_allclose(batches.posterior_mean_, model.posterior_mean_, rtol=1e-12)
    assert batches.log_evidence_ == pytest.approx(model.log_evidence_, rel=1e-12)
    dropped = BayesianLinearRegression(alpha=alpha, beta=beta, fit_intercept=fit_intercept).fit(
        X, y, sample_weight=np.r_[0.0, w[1:]])
    alone = BayesianLinearRegression(alpha=alpha, beta=beta, fit_intercept=fit_intercept).fit(
        X[1:], y[1:], sample_weight=w[1:])
    assert dropped.log_evidence_ == pytest.approx(alone.log_evidence_, rel=1e-12)


@pytest.mark.parametrize("beta", [None, 2.0, "fitted"])
def test_frequency_weights_equal_repeated_rows(beta):
    rng = np.random.default_rng(12)
    X = rng.normal(size=(30, 2))
    y = X @ [1.5, -0.5] + rng.normal(size=30)
    counts = np.arange(30) % 4
    options = ({"fit_precisions": True} if beta == "fitted" else {"beta": beta})
    weighted = BayesianLinearRegression(**options).fit(X, y, freq_weights=counts)
    rows = np.repeat(np.arange(30), counts)
    repeated = BayesianLinearRegression(**options).fit(X[rows], y[rows])
    np.testing.assert_allclose(weighted.posterior_mean_, repeated.posterior_mean_, rtol=1e-10)
    np.testing.assert_allclose(weighted.posterior_cov_, repeated.posterior_cov_, rtol=1e-9)
    assert weighted.log_evidence_ == pytest.approx(repeated.log_evidence_, rel=1e-10)


# -- more features than rows: the posterior through the rows' SVD ----------------------------

def _wide(n=10, p=60, seed=1):
    """More features than rows, columns on different scales and off the origin."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * np.linspace(0.5, 2.0, p) + 3.0
    y = X @ (0.3 * rng.standard_normal(p)) + 2.0 * rng.standard_normal(n) + 5.0
    return X, y


def _kalman_posterior(X, y, prior_mean, prior_cov, beta, fit_intercept, weights=None,
                      weighting=None):
    """The Gaussian posterior of the weights in the Kalman form (an n x n solve in NumPy) on
    the rows of _bayesian_ridge_rows, and the log evidence of y itself from SciPy's
    multivariate normal (noise precision beta w_i for analytic weights, repeated rows for
    frequency weights; a flat intercept integrated out by _flat_intercept_marginal)."""
    Z, r = _bayesian_ridge_rows(X, y - X @ prior_mean, fit_intercept, weights, weighting)
    y_cov = Z @ prior_cov @ Z.T + np.eye(len(r)) / beta
    gain = prior_cov @ Z.T @ np.linalg.inv(y_cov)
    mean, cov = prior_mean + gain @ r, prior_cov - gain @ Z @ prior_cov
    if weighting == "freq_weights":
        counts = weights.astype(int)
        X, y, weights = np.repeat(X, counts, axis=0), np.repeat(y, counts), None
    weights = np.ones(len(y)) if weights is None else weights
    marginal = X @ prior_cov @ X.T + np.diag(1 / (beta * weights))
    evidence = (_flat_intercept_marginal(X, y - X @ prior_mean, marginal) if fit_intercept
                else stats.multivariate_normal(X @ prior_mean, marginal).logpdf(y))
    return mean, (cov + cov.T) / 2, evidence


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("prior, weighting", [
    ("isotropic", None), ("prior_cov", None), ("isotropic", "sample_weight"),
    ("prior_cov", "freq_weights")])
def test_more_features_than_rows_by_gaussian_conditioning(fit_intercept, prior, weighting):
    """The Kalman form, an n x n solve in NumPy, for the posterior and the predictive, on the
    rows that make the model an unweighted one without an intercept (_bayesian_ridge_rows:
    whitened by analytic weights, repeated by frequency weights, projected off a flat
    intercept); SciPy's multivariate normal for the evidence of y itself (integrated over a
    flat intercept by _flat_intercept_marginal)."""
    X, y = _wide(n=8, p=60, seed=2)
    rng = np.random.default_rng(5)
    prior_mean = rng.standard_normal(60)
    factor = np.tril(0.2 * rng.standard_normal((60, 60)), -1) + np.diag(rng.uniform(0.5, 2, 60))
    prior_cov = factor @ factor.T if prior == "prior_cov" else np.eye(60) / 0.7
    settings = {"prior_cov": prior_cov} if prior == "prior_cov" else {"alpha": 0.7}
    beta = 0.4
    weights = (np.array([1.0, 2.0, 3.0, 1.0, 2.0, 1.0, 1.0, 2.0]) if weighting == "freq_weights"
               else rng.uniform(0.2, 3.0, 8) if weighting else None)
    model = BayesianLinearRegression(beta=beta, prior_mean=prior_mean,
                                     fit_intercept=fit_intercept, **settings).fit(
        X, y, **({weighting: weights} if weighting else {}))
    mean, cov, evidence = _kalman_posterior(X, y, prior_mean, prior_cov, beta, fit_intercept,
                                            weights, weighting)
    np.testing.assert_allclose(model.posterior_mean_, mean, rtol=1e-10,
                               atol=1e-12 * np.abs(mean).max())
    np.testing.assert_allclose(model.posterior_cov_, cov, rtol=1e-9, atol=1e-11 * np.abs(cov).max())
    assert model.log_evidence_ == pytest.approx(evidence, rel=1e-11)
    if weighting == "freq_weights":
        counts = weights.astype(int)
        X, y, weights = np.repeat(X, counts, axis=0), np.repeat(y, counts), None
    weights = np.ones(len(y)) if weights is None else weights
    # The intercept given the weights is N(weighted mean residual, 1 / (beta sum w)).
    x_new = rng.standard_normal((4, 60)) + 3.0
    xbar = weights @ X / weights.sum()
    centre = xbar if fit_intercept else 0.0
    variance = (np.einsum("ij,jk,ik->i", x_new - centre, cov, x_new - centre) + 1 / beta
                + fit_intercept / (beta * weights.sum()))
    np.testing.assert_allclose(model.predict(x_new, return_std=True)[1], np.sqrt(variance),
                               rtol=1e-10)
    if fit_intercept:
        assert model.intercept_std_ == pytest.approx(
            np.sqrt(1 / (beta * weights.sum()) + xbar @ cov @ xbar), rel=1e-10)
        assert model.intercept_ == pytest.approx(weights @ (y - X @ mean) / weights.sum(),
                                                 rel=1e-10)


def _degenerate_rows(case):
    """Rows far fewer than the 12 features: one, two, or six with a constant column and a
    duplicated one (columns 3, and 7 = 8)."""
    rng = np.random.default_rng(4)
    n = {"n=1": 1, "n=2": 2, "constant and duplicated columns": 6}[case]
    X = rng.standard_normal((n, 12)) + 1.0
    if n == 6:
        X[:, 3], X[:, 7] = 2.0, X[:, 8]
    return X, rng.standard_normal(n) + 3.0


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no intercept"])
@pytest.mark.parametrize("case", ["n=1", "n=2", "constant and duplicated columns"])
def test_degenerate_wide_designs_are_the_gaussian_posterior(case, fit_intercept):
    """One row (with an intercept, none left over: the posterior is the prior and the
    evidence 0), two rows, constant and duplicated columns: the posterior, evidence,
    intercept and predictive sd are the Kalman oracle's (_kalman_posterior)."""
    X, y = _degenerate_rows(case)
    alpha, beta = 0.5, 2.0
    model = BayesianLinearRegression(alpha=alpha, beta=beta,
                                     fit_intercept=fit_intercept).fit(X, y)
    mean, cov, evidence = _kalman_posterior(X, y, np.zeros(12), np.eye(12) / alpha, beta,
                                            fit_intercept)
    np.testing.assert_allclose(model.posterior_mean_, mean, rtol=1e-12,
                               atol=1e-13 * max(np.abs(mean).max(), 1.0))
    np.testing.assert_allclose(model.posterior_cov_, cov, rtol=1e-12, atol=1e-13)
    assert model.log_evidence_ == pytest.approx(evidence, rel=1e-12, abs=1e-13)
    if fit_intercept:
        xbar = X.mean(axis=0)
        assert model.intercept_ == pytest.approx(np.mean(y - X @ mean), rel=1e-12)
        assert model.intercept_std_ == pytest.approx(
            np.sqrt(1 / (beta * len(y)) + xbar @ cov @ xbar), rel=1e-12)
    x_new = np.random.default_rng(0).standard_normal((3, 12))
    centre = X.mean(axis=0) if fit_intercept else 0.0
    variance = (np.einsum("ij,jk,ik->i", x_new - centre, cov, x_new - centre)
                + (1 + fit_intercept / len(y)) / beta)
    np.testing.assert_allclose(model.predict(x_new, return_std=True)[1], np.sqrt(variance),
                               rtol=1e-12)


def test_one_row_with_an_intercept_and_unknown_noise_has_nan_intervals():
    """One row and an intercept leave n' = 0 observations: the noise posterior is its vague
    prior (2 a_n = 2e-6 degrees of freedom, no usable quantiles).  fit warns; the summary,
    predict_interval and sample_posterior answer (NaN intervals, infinite sd and draws)
    where before the summary raised an error about a ``df`` argument the user never gave."""
    X, y = _degenerate_rows("n=1")
    with pytest.warns(UndefinedStatisticWarning, match="no usable quantiles"):
        model = BayesianLinearRegression(beta=None).fit(X, y)
    assert model.noise_shape_ == 1e-6 and model.log_evidence_ == 0.0
    rows = model.summary().table.records(0.95)
    assert all(np.isnan(row["ci_lower"]) and np.isinf(row["sd"]) for row in rows)
    assert "nan" in str(model.summary()) and "too few for quantiles" in str(model.summary())
    with pytest.warns(UndefinedStatisticWarning, match="no usable quantiles"):
        assert np.all(np.isnan(model.predict_interval(X)))
    assert np.all(np.isinf(model.predict(X, return_std=True)[1]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.all(np.isinf(model.sample_posterior(3, rng=0)))


@pytest.mark.parametrize("fit_intercept", [False, True], ids=["no intercept", "intercept"])
def test_more_features_than_rows_with_unknown_noise_has_the_multivariate_t_evidence(
        fit_intercept):
    """The Normal-Inverse-Gamma model: y (projected off a flat intercept, n - 1 rows, and
    a factor n^-1/2 from integrating the intercept out) is multivariate t (SciPy) with
    2 a_0 degrees of freedom; the posterior a_n = a_0 + n'/2, b_n = b_0 + y'(I + XX'/alpha)^-1 y
    / 2 and the mean of the weights' covariance b_n / (a_n - 1) (X'X + alpha I)^-1."""
    X, y = _wide(n=8, p=60, seed=3)
    a0, b0, alpha = 2.0, 3.0, 0.4
    model = BayesianLinearRegression(alpha=alpha, beta=None, noise_shape=a0, noise_rate=b0,
                                     fit_intercept=fit_intercept).fit(X, y)
    Z, r = _bayesian_ridge_rows(X, y, fit_intercept, None, None)
    k = len(r)
    shape = (Z @ Z.T / alpha + np.eye(k)) * b0 / a0
    expected = (stats.multivariate_t(np.zeros(k), shape, df=2 * a0).logpdf(r)
                - fit_intercept * 0.5 * np.log(8))
    assert model.log_evidence_ == pytest.approx(expected, rel=1e-11)
    a_n = a0 + k / 2
    b_n = b0 + 0.5 * r @ np.linalg.solve(np.eye(k) + Z @ Z.T / alpha, r)
    assert (model.noise_shape_, model.noise_rate_) == pytest.approx((a_n, b_n), rel=1e-12)
    scale = np.linalg.inv(Z.T @ Z + alpha * np.eye(60))
    np.testing.assert_allclose(model.posterior_cov_, b_n / (a_n - 1) * scale,
                               rtol=1e-9, atol=1e-11 * np.abs(scale).max())


def _bayesian_ridge_rows(X, y, fit_intercept, weights, weighting):
    """Rows on which scikit-learn's BayesianRidge (no intercept, unweighted) fits the model
    probml fits to X, y: analytic weights whiten the rows (sqrt(w) X, sqrt(w) y; noise
    precision beta w), frequency weights repeat them; a flat-prior intercept is integrated
    out by projecting onto the orthogonal complement of the intercept's column (n - 1
    rows, the n' = n - 1 that scikit-learn's centring, which keeps n, does not give)."""
    from scipy.linalg import null_space

    if weighting == "freq_weights":
        counts = weights.astype(int)
        X, y, weights = np.repeat(X, counts, axis=0), np.repeat(y, counts), None
    root = np.ones(len(y)) if weights is None else np.sqrt(weights)
    X, y = root[:, None] * X, root * y
    if fit_intercept:
        basis = null_space(root[None, :]).T
        X, y = basis @ X, basis @ y
    return X, y


@pytest.mark.parametrize("fit_intercept", [False, True], ids=["no intercept", "intercept"])
@pytest.mark.parametrize("weighting", [None, "sample_weight"])
def test_evidence_maximisation_with_more_features_than_rows_matches_bayesian_ridge(
        fit_intercept, weighting):
    """scikit-learn's BayesianRidge (full SVD when n < p) with its gamma hyperpriors at 0, on
    the rows that make its model probml's (_bayesian_ridge_rows); the evidence at the
    maximum from SciPy's multivariate normal on y.  Both iterate MacKay's fixed point from
    the same start to the same limit (scikit-learn to a change below 1e-12 in the summed
    weights, probml to 1e-13 relative in the precisions): the tolerances bound where two
    stopping rules leave a linearly converging iteration (observed gaps 5e-12 or less).
    Frequency weights have no case here: with more features than rows the weighted rows
    are fitted exactly while n' = sum(w) exceeds their rank, so the evidence grows without
    bound in beta (probml warns; scikit-learn stops where its weights stop moving)."""
    from sklearn.linear_model import BayesianRidge

    rng = np.random.default_rng(1)
    n, p = 20, 200
    X = rng.standard_normal((n, p)) + 1.5
    y = X @ (0.3 * rng.standard_normal(p)) + 2.0 * rng.standard_normal(n) + 4.0
    weights = rng.uniform(0.2, 3.0, n) if weighting else None
    start = {"alpha": 1.0, "beta": 1 / np.var(y)}
    rows, targets = _bayesian_ridge_rows(X, y, fit_intercept, weights, weighting)
    reference = BayesianRidge(
        fit_intercept=False, alpha_1=0, alpha_2=0, lambda_1=0, lambda_2=0, tol=1e-12,
        max_iter=20_000, alpha_init=start["beta"], lambda_init=start["alpha"]).fit(
        rows, targets)
    model = BayesianLinearRegression(fit_precisions=True, fit_intercept=fit_intercept,
                                     max_iter=20_000, tol=1e-13, **start).fit(
        X, y, **({weighting: weights} if weighting else {}))
    assert model.alpha_ == pytest.approx(reference.lambda_, rel=1e-10)
    assert model.beta_ == pytest.approx(reference.alpha_, rel=1e-10)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-10,
                               atol=1e-10 * np.abs(reference.coef_).max())
    np.testing.assert_allclose(model.posterior_cov_, reference.sigma_, rtol=1e-10,
                               atol=1e-10 * np.abs(reference.sigma_).max())
    if not fit_intercept and weighting is None:
        x_new = rng.standard_normal((5, p))
        for ours, theirs in zip(model.predict(x_new, return_std=True),
                                reference.predict(x_new, return_std=True)):
            np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    # The evidence at the maximum, of y itself: precision beta w_i for analytic weights.
    noise = (np.ones(len(y)) if weighting is None else weights) * model.beta_
    marginal = X @ X.T / model.alpha_ + np.diag(1 / noise)
    expected = (_flat_intercept_marginal(X, y, marginal) if fit_intercept
                else stats.multivariate_normal(np.zeros(len(y)), marginal).logpdf(y))
    assert model.log_evidence_ == pytest.approx(expected, rel=1e-11)


WIDE_SETTINGS = {
    "known noise": {"alpha": 0.7, "beta": 0.4},
    "no intercept": {"alpha": 0.7, "beta": 0.4, "fit_intercept": False},
    "prior mean": {"alpha": 0.7, "beta": 0.4, "prior_mean": np.linspace(-1, 1, 60)},
    "prior_cov": {"beta": 0.4, "prior_cov": np.diag(np.linspace(0.5, 2.0, 60))
                  + 0.1 * np.ones((60, 60))},
    "unknown noise": {"alpha": 0.7, "beta": None, "noise_shape": 2.0, "noise_rate": 1.0},
    "unknown noise, no intercept": {"alpha": 0.7, "beta": None, "noise_shape": 2.0,
                                    "noise_rate": 1.0, "fit_intercept": False},
    "evidence": {"fit_precisions": True, "beta": 0.1, "max_iter": 5000},
}


@pytest.mark.parametrize("settings, weighted", [
    *((settings, False) for settings in WIDE_SETTINGS.values()),
    (WIDE_SETTINGS["no intercept"], True), (WIDE_SETTINGS["evidence"], True),
], ids=[*WIDE_SETTINGS, "no intercept, weighted", "evidence, weighted"])
def test_more_features_than_rows_give_what_the_p_by_p_route_gives(settings, weighted):
    """fit has the rows and takes their SVD; partial_fit (here after one row) has only the
    merged statistics and takes the p x p route: every public number agrees to rounding."""
    X, y = _wide(seed=2)      # an evidence with a finite maximum, weighted or not
    w = np.linspace(0.5, 2.0, 10) if weighted else None
    wide = BayesianLinearRegression(**settings).fit(X, y, sample_weight=w)
    merged = BayesianLinearRegression(**settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # one row alone has no evidence maximum
        merged.fit(X[:1], y[:1], sample_weight=None if w is None else w[:1])
        merged.partial_fit(X[1:], y[1:], sample_weight=None if w is None else w[1:])
    x_new = X[:5] + np.random.default_rng(0).standard_normal((5, 60))

    def close(ours, theirs, rtol=1e-9):
        ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * np.abs(theirs).max())

    close(wide.posterior_mean_, merged.posterior_mean_)
    close(wide.posterior_cov_, merged.posterior_cov_)
    close([wide.intercept_, wide.intercept_std_, wide.alpha_ if np.isfinite(wide.alpha_) else 0,
           wide.beta_], [merged.intercept_, merged.intercept_std_,
                         merged.alpha_ if np.isfinite(merged.alpha_) else 0, merged.beta_])
    assert wide.log_evidence_ == pytest.approx(merged.log_evidence_, rel=1e-11)
    assert wide.n_iter_ == pytest.approx(merged.n_iter_, abs=1)
    for ours, theirs in zip(wide.predict(x_new, return_std=True),
                            merged.predict(x_new, return_std=True)):
        close(ours, theirs)
    close(wide.predict_interval(x_new, level=0.9), merged.predict_interval(x_new, level=0.9))
    ours, theirs = wide.summary(alpha=0.1).table, merged.summary(alpha=0.1).table
    close(ours.stds, theirs.stds)
    close(ours.credible_interval(0.9), theirs.credible_interval(0.9))
    if wide.beta_is_unknown_:
        close([wide.noise_shape_, wide.noise_rate_], [merged.noise_shape_, merged.noise_rate_])


def test_more_features_than_rows_are_fitted_through_the_rows(monkeypatch):
    """5 rows, 150 features: fit (with evidence maximisation), predict, the summary and
    sample_posterior factor nothing larger than the rows' (O(n^2 p), not O(p^3)); the p x p
    covariance is formed only when posterior_cov_ is read."""
    from .test_ridge import record_square_sizes

    X, y = _wide(n=5, p=150, seed=4)
    sizes = record_square_sizes(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = BayesianLinearRegression(fit_precisions=True, beta=0.1).fit(X, y)
    model.predict(X, return_std=True)
    model.predict_interval(X)
    model.summary()
    draws = model.sample_posterior(4000, rng=0)
    assert max(sizes) <= 5
    assert "_posterior_cov" not in vars(model)
    monkeypatch.undo()
    cov = model.posterior_cov_
    assert cov.shape == (150, 150) and cov is model.posterior_cov_
    # The draws (from the factored covariance) have the posterior's moments: means within 5
    # Monte Carlo standard errors, the variances within 5 of theirs (sqrt(2/n) relative).
    std = np.sqrt(np.diagonal(cov))
    assert np.all(np.abs(draws.mean(axis=0) - model.posterior_mean_) < 5 * std / np.sqrt(4000))
    np.testing.assert_allclose(draws.var(axis=0), std ** 2, rtol=5 * np.sqrt(2 / 4000))


@pytest.mark.parametrize("condition, fit_intercept", [(1.0, True), (1e12, False)])
def test_more_features_than_rows_are_within_their_reported_accuracy(condition, fit_intercept):
    """6 rows, 18 columns on scales 0.5 to 20, off the origin, singular values down to
    1/condition: the posterior from the rows' SVD against the exact one (60 digits)."""
    from .test_accuracy import exact_posterior, relative_error, scaled_error

    rng = np.random.default_rng(3)
    U, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    V, _ = np.linalg.qr(rng.standard_normal((18, 6)))
    X = (U * np.geomspace(1.0, 1.0 / condition, 6)) @ V.T * rng.uniform(0.5, 20, 18) + 5.0
    y = X @ rng.standard_normal(18) + 0.1 * rng.standard_normal(6)
    mean, sd = exact_posterior(X, y, 1e-6, 4.0, fit_intercept)
    model = BayesianLinearRegression(alpha=1e-6, beta=4.0, fit_intercept=fit_intercept).fit(X, y)
    bound = 10.0 ** -model.accuracy_digits_
    assert scaled_error(model.coef_, mean, X, fit_intercept=False) <= bound
    assert relative_error(np.sqrt(np.diagonal(model.posterior_cov_)), sd) <= bound
