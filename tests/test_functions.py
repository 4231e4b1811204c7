"""Link functions against SciPy's special functions, at the extremes and in between."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import special

from probml import functions as F

finite = st.floats(-1e4, 1e4, allow_nan=False)


@pytest.fixture(autouse=True)
def _no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_sigmoid_at_the_extremes_without_overflow():
    x = np.array([-1000.0, -745.0, -40.0, 0.0, 40.0, 1000.0])
    np.testing.assert_allclose(F.sigmoid(x), special.expit(x), rtol=1e-15, atol=1e-300)
    assert F.sigmoid(-1000.0) == 0.0 and F.sigmoid(1000.0) == 1.0
    assert F.sigmoid(-40.0) > 0                  # the tail keeps its relative accuracy
    assert np.ndim(F.sigmoid(0.5)) == 0


@given(arrays(np.float64, st.integers(1, 20), elements=finite))
def test_sigmoid_matches_expit_and_logit_inverts_it(x):
    np.testing.assert_allclose(F.sigmoid(x), special.expit(x), rtol=1e-14, atol=1e-300)
    inside = np.abs(x) < 30                     # where sigma(x) is not rounded to 1
    # For x > 0, sigma(x) is stored to eps/2 absolute, so 1 - sigma(x) ~ e^-x carries a
    # relative error of about eps e^x, and that is the error logit must inherit.
    x = x[inside]
    bound = 1e-12 + 2 * np.finfo(float).eps * np.exp(np.maximum(x, 0))
    assert np.all(np.abs(F.logit(F.sigmoid(x)) - x) <= bound + 1e-12 * np.abs(x))


def test_log_sigmoid_is_exact_in_the_tail():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    np.testing.assert_allclose(F.log_sigmoid(x), special.log_expit(x), rtol=1e-15)
    assert F.log_sigmoid(-1000.0) == -1000.0


def test_logit_matches_scipy_and_rejects_non_probabilities():
    p = np.array([0.0, 1e-300, 0.25, 0.5, 1 - 1e-16, 1.0])
    np.testing.assert_allclose(F.logit(p), special.logit(p), rtol=1e-15)
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            F.logit([0.5, bad])
    with pytest.raises(ValueError, match="p contains NaN at index 1"):
        F.logit([0.5, np.nan])
    with pytest.raises(ValueError, match="at index"):
        F.logit([0.5, 2.0])
    with pytest.raises(ValueError, match="p has a non-numeric value 'a'"):
        F.logit(["a"])


@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 6)), elements=finite))
def test_softmax_family_matches_scipy(z):
    np.testing.assert_allclose(F.softmax(z, axis=1), special.softmax(z, axis=1),
                               rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(F.log_softmax(z, axis=1), special.log_softmax(z, axis=1),
                               rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(F.logsumexp(z, axis=1), special.logsumexp(z, axis=1),
                               rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(F.softmax(z, axis=1).sum(axis=1), 1.0, rtol=1e-14)


def test_softmax_of_huge_logits():
    z = np.array([[1e4, 1e4 + np.log(3.0)], [-1e4, 1e4]])
    np.testing.assert_allclose(F.softmax(z), [[0.25, 0.75], [0.0, 1.0]], rtol=1e-12)
    np.testing.assert_allclose(F.log_softmax(z), [[-np.log(4.0), np.log(0.75)],
                                                  [-2e4, 0.0]], rtol=1e-12)
    assert F.logsumexp([1e308, 1e308]) == pytest.approx(1e308)
    assert F.logsumexp([-np.inf, -np.inf]) == -np.inf


def test_softmax_with_two_classes_is_the_sigmoid_and_temperature_flattens_it():
    x = np.linspace(-30, 30, 61)
    two = F.softmax(np.column_stack([np.zeros_like(x), x]))[:, 1]
    np.testing.assert_allclose(two, F.sigmoid(x), rtol=1e-14)
    z = np.array([1.0, 2.0, 5.0])
    np.testing.assert_allclose(F.softmax(z, temperature=2.0), special.softmax(z / 2.0))
    entropies = [-(p * np.log(p)).sum() for p in (F.softmax(z, temperature=t)
                                                   for t in (0.5, 1.0, 4.0))]
    assert entropies[0] < entropies[1] < entropies[2] < np.log(3)
    for bad in (0.0, -1.0, np.inf, True):
        with pytest.raises(ValueError, match="temperature"):
            F.softmax(z, temperature=bad)
