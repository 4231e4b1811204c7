"""Losses against scikit-learn's metrics and SciPy's log-densities; gradients by finite differences."""

import warnings

import numpy as np
import pytest
from scipy import optimize, special, stats
from sklearn import metrics

from probml import losses as L


def rel_grad_error(loss, gradient, x):
    """check_grad's error, relative to the gradient's size."""
    error = optimize.check_grad(loss, gradient, x, epsilon=1e-7)
    return error / max(np.linalg.norm(gradient(x)), 1e-12)


@pytest.fixture
def regression(rng):
    return rng.normal(size=40), rng.normal(size=40) * 2


def test_regression_losses_match_sklearn(regression):
    y, yhat = regression
    assert L.mean_squared_error(y, yhat) == pytest.approx(metrics.mean_squared_error(y, yhat),
                                                          rel=1e-14)
    assert L.root_mean_squared_error(y, yhat) == pytest.approx(
        metrics.root_mean_squared_error(y, yhat), rel=1e-14)
    assert L.mean_absolute_error(y, yhat) == pytest.approx(
        metrics.mean_absolute_error(y, yhat), rel=1e-14)
    for delta in (0.3, 1.0, 5.0):
        expected = np.mean(special.huber(delta, yhat - y))
        assert L.huber_loss(y, yhat, delta) == pytest.approx(expected, rel=1e-14)


def test_regression_losses_are_gaussian_and_laplace_negative_log_likelihoods(regression):
    y, yhat = regression
    n, sigma, b = y.size, 0.7, 1.3
    gauss = -stats.norm.logpdf(y, yhat, sigma).sum()
    assert gauss == pytest.approx(n / 2 * np.log(2 * np.pi * sigma ** 2)
                                  + n / (2 * sigma ** 2) * L.mean_squared_error(y, yhat))
    laplace = -stats.laplace.logpdf(y, yhat, b).sum()
    assert laplace == pytest.approx(n * np.log(2 * b) + n / b * L.mean_absolute_error(y, yhat))
    # RMSE: the Gaussian log-likelihood with sigma profiled out.
    rmse = L.root_mean_squared_error(y, yhat)
    assert -stats.norm.logpdf(y, yhat, rmse).sum() == pytest.approx(
        n * np.log(rmse) + n / 2 * (1 + np.log(2 * np.pi)))


@pytest.mark.parametrize("loss, gradient", [
    (L.mean_squared_error, L.mean_squared_error_gradient),
    (L.root_mean_squared_error, L.root_mean_squared_error_gradient),
    (L.mean_absolute_error, L.mean_absolute_error_gradient),
    (L.huber_loss, L.huber_loss_gradient),
])
def test_regression_gradients_match_finite_differences(loss, gradient, regression):
    y, yhat = regression
    assert rel_grad_error(lambda p: loss(y, p), lambda p: gradient(y, p), yhat) < 1e-6


@pytest.fixture
def binary(rng):
    y = rng.integers(0, 2, 50).astype(float)
    logits = rng.normal(size=50) * 3
    return y, logits, special.expit(logits)


def test_binary_cross_entropy_matches_log_loss_and_bernoulli(binary):
    y, logits, p = binary
    expected = metrics.log_loss(y, p)
    assert L.binary_cross_entropy(y, p) == pytest.approx(expected, rel=1e-12)
    assert L.binary_cross_entropy_with_logits(y, logits) == pytest.approx(expected, rel=1e-12)
    assert L.binary_cross_entropy(y, p) == pytest.approx(
        -stats.bernoulli.logpmf(y, p).mean(), rel=1e-12)


def test_binary_gradients_match_finite_differences(binary):
    y, logits, p = binary
    assert rel_grad_error(lambda z: L.binary_cross_entropy_with_logits(y, z),
                          lambda z: L.binary_cross_entropy_with_logits_gradient(y, z),
                          logits) < 1e-6
    assert rel_grad_error(lambda q: L.binary_cross_entropy(y, q),
                          lambda q: L.binary_cross_entropy_gradient(y, q),
                          np.clip(p, 0.05, 0.95)) < 1e-6


def test_log_of_zero_is_finite_and_certain_right_answers_cost_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert L.binary_cross_entropy([1, 0], [1.0, 0.0]) == 0.0
        assert L.binary_cross_entropy([1, 0], [0.0, 1.0]) == 100.0      # clamped, not inf
        gradient = L.binary_cross_entropy_gradient([1, 0], [0.0, 1.0])
        assert np.all(np.isfinite(gradient)) and gradient[0] < 0 < gradient[1]
        assert L.binary_cross_entropy_with_logits([1], [-1000.0]) == 1000.0
        assert L.binary_cross_entropy_with_logits([0], [1000.0]) == 1000.0
        assert L.categorical_cross_entropy([0], [[0.0, 1.0]]) == 100.0
        assert np.all(np.isfinite(L.categorical_cross_entropy_gradient([0], [[0.0, 1.0]])))
        assert L.categorical_cross_entropy_with_logits([0], [[-1e4, 1e4]]) == 2e4


@pytest.fixture
def categorical(rng):
    y = rng.integers(0, 4, 30)
    logits = rng.normal(size=(30, 4)) * 2
    return y, logits, special.softmax(logits, axis=1)


def test_categorical_cross_entropy_matches_log_loss(categorical):
    y, logits, P = categorical
    expected = metrics.log_loss(y, P, labels=range(4))
    assert L.categorical_cross_entropy(y, P) == pytest.approx(expected, rel=1e-12)
    assert L.categorical_cross_entropy_with_logits(y, logits) == pytest.approx(expected,
                                                                               rel=1e-12)
    one_hot = np.eye(4)[y]
    assert L.categorical_cross_entropy_with_logits(one_hot, logits) == pytest.approx(expected)
    log_likelihood = sum(stats.multinomial.logpmf(row, 1, p) for row, p in zip(one_hot, P))
    assert L.categorical_cross_entropy(y, P) == pytest.approx(-log_likelihood / 30)


def test_categorical_gradients_match_finite_differences(categorical):
    y, logits, P = categorical
    shape = logits.shape
    assert rel_grad_error(
        lambda z: L.categorical_cross_entropy_with_logits(y, z.reshape(shape)),
        lambda z: L.categorical_cross_entropy_with_logits_gradient(y, z.reshape(shape)).ravel(),
        logits.ravel()) < 1e-6
    # From probabilities: the rows of P need not sum to 1 for the derivative itself.
    unchecked = {"check_input": False}
    Y = np.eye(4)[y]
    assert rel_grad_error(
        lambda q: L.categorical_cross_entropy(Y, q.reshape(shape), **unchecked),
        lambda q: L.categorical_cross_entropy_gradient(Y, q.reshape(shape), **unchecked).ravel(),
        np.clip(P, 0.05, 1.0).ravel()) < 1e-6


@pytest.mark.parametrize("call, message", [
    (lambda: L.mean_squared_error([1.0, 2.0], [1.0]), "shape"),
    (lambda: L.mean_squared_error([1.0, np.nan], [1.0, 2.0]), "y_true contains NaN at index 1"),
    (lambda: L.mean_squared_error([], []), "empty"),
    (lambda: L.huber_loss([1.0], [2.0], delta=0.0), "delta must be"),
    (lambda: L.binary_cross_entropy([0, 2], [0.5, 0.5]), r"labels in \{0, 1\}.*2.0 at index 1"),
    (lambda: L.binary_cross_entropy_with_logits([0.5], [0.0]), r"\{0, 1\}"),
    (lambda: L.binary_cross_entropy([0, 1], [0.5, 1.2]), r"probabilities in \[0, 1\]"),
    (lambda: L.binary_cross_entropy([0, 1], [-0.1, 0.5]), r"probabilities in \[0, 1\]"),
    (lambda: L.categorical_cross_entropy([0, 3], [[0.5, 0.5], [0.5, 0.5]]), r"0\.\.1"),
    (lambda: L.categorical_cross_entropy([-1], [[0.5, 0.5]]), r"0\.\.1"),
    (lambda: L.categorical_cross_entropy([0.5], [[0.5, 0.5]]), r"0\.\.1"),
    (lambda: L.categorical_cross_entropy([0], [[0.5, 0.6]]), "sum to 1"),
    (lambda: L.categorical_cross_entropy([0], [[1.5, -0.5]]), r"\[0, 1\]"),
    (lambda: L.categorical_cross_entropy([[1, 1]], [[0.5, 0.5]]), "one-hot"),
    (lambda: L.categorical_cross_entropy_with_logits([0], [0.0, 1.0]), "2-D"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
