"""StandardScaler and standardize.

Oracles: scikit-learn's ``StandardScaler`` (weighted, partial fits), exact
rational arithmetic (``fractions``) for data far from zero, and NumPy's
``mean``/``std`` on the rows repeated as often as their frequency weight.
"""

import pickle
from fractions import Fraction

import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler as SklearnScaler

import probml
from probml import StandardScaler, standardize


def _data(rng, n=500):
    X = rng.standard_normal((n, 4)) * [1.0, 1e3, 1e-3, 5.0] + [0.0, 1e6, 3.0, -2.0]
    X[:, 3] = 7.0                                        # a constant column
    return X


def test_matches_scikit_learn_with_and_without_weights():
    rng = np.random.default_rng(0)
    X = _data(rng)
    weights = rng.random(len(X))
    for sample_weight in (None, weights):
        ours = StandardScaler().fit(X, sample_weight=sample_weight)
        theirs = SklearnScaler().fit(X, sample_weight=sample_weight)
        # scikit-learn's moments are accurate to a few ulps of the mean (1e6 here).
        np.testing.assert_allclose(ours.mean_, theirs.mean_, rtol=1e-13)
        np.testing.assert_allclose(ours.var_, theirs.var_, rtol=1e-9, atol=1e-20)
        np.testing.assert_allclose(ours.scale_, theirs.scale_, rtol=1e-9)
        np.testing.assert_allclose(ours.transform(X), theirs.transform(X), atol=1e-8)
        assert ours.n_samples_seen_ == pytest.approx(np.sum(theirs.n_samples_seen_)
                                                     if sample_weight is None
                                                     else weights.sum())
    assert ours.scale_[3] == 1.0 and np.all(ours.transform(X)[:, 3] == 0.0)


def test_frequency_weights_equal_repeated_rows():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 3)) + 10.0
    counts = rng.integers(1, 5, 40)
    repeated = np.repeat(X, counts, axis=0)
    ours = StandardScaler().fit(X, sample_weight=counts)
    np.testing.assert_allclose(ours.mean_, repeated.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(ours.scale_, repeated.std(axis=0), rtol=1e-12)


def test_moments_keep_their_digits_far_from_zero():
    # 1e9 + small values: the exact mean and variance, from rational arithmetic.
    rng = np.random.default_rng(2)
    x = 1e9 + np.round(rng.standard_normal(1001), 3)
    exact = [Fraction(v) for v in x]
    mean = sum(exact) / len(exact)
    variance = sum((v - mean) ** 2 for v in exact) / len(exact)
    scaler = StandardScaler().fit(x[:, None])
    assert scaler.mean_[0] == pytest.approx(float(mean), rel=1e-16, abs=0)
    assert scaler.var_[0] == pytest.approx(float(variance), rel=1e-12)


def test_partial_fits_merge_to_the_full_fit():
    rng = np.random.default_rng(3)
    X = _data(rng, 700)
    weights = rng.random(len(X))
    full = StandardScaler().fit(X, sample_weight=weights)
    parts = StandardScaler()
    for rows in np.array_split(np.arange(len(X)), 7):
        parts.partial_fit(X[rows], sample_weight=weights[rows])
    np.testing.assert_allclose(parts.mean_, full.mean_, rtol=1e-14)
    # The merge's delta^2 term carries the rounding of the batch means (1e6 * eps).
    np.testing.assert_allclose(parts.var_, full.var_, rtol=1e-10, atol=1e-20)
    assert parts.n_samples_seen_ == pytest.approx(weights.sum(), rel=1e-14)
    refit = StandardScaler().fit(X[:10]).fit(X)                 # fit forgets earlier data
    np.testing.assert_array_equal(refit.mean_, StandardScaler().fit(X).mean_)


def test_standardised_columns_have_mean_zero_and_sd_one_and_invert():
    rng = np.random.default_rng(4)
    X = _data(rng)[:, :3]
    Z = standardize(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0, rtol=1e-12)
    scaler = StandardScaler().fit(X)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X)), X, rtol=1e-15)
    np.testing.assert_array_equal(StandardScaler(with_mean=False, with_std=False)
                                  .fit_transform(X), X)
    only_scaled = StandardScaler(with_mean=False).fit(X)
    np.testing.assert_allclose(only_scaled.transform(X), X / X.std(axis=0), rtol=1e-12)
    assert StandardScaler(with_std=False).fit(X).scale_ is None


def test_works_on_frames_in_pipelines_and_pickles():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(rng.standard_normal((30, 2)) * [1.0, 100.0], columns=["a", "b"])
    scaler = StandardScaler().fit(frame)
    assert list(scaler.get_feature_names_out()) == ["a", "b"]
    assert list(scaler.feature_names_in_) == ["a", "b"]
    y = frame["a"] * 2 + frame["b"] / 100
    from sklearn.pipeline import make_pipeline

    pipe = make_pipeline(StandardScaler(), probml.LinearRegression()).fit(frame, y)
    np.testing.assert_allclose(pipe.predict(frame), y, atol=1e-10)
    clone = pickle.loads(pickle.dumps(scaler))
    np.testing.assert_array_equal(clone.transform(frame), scaler.transform(frame))


@pytest.mark.parametrize("values, message", [
    ([[1e300], [-1e300]], "too large for float64"),
    ([[1e-170], [3e-170]], "too small for float64"),
])
def test_variances_beyond_float64_are_refused_by_name(values, message):
    with pytest.raises(ValueError, match=message):
        StandardScaler().fit(np.array(values))


def test_constant_and_tiny_columns():
    # A spread below one unit in the last place is rounding: centred, not scaled.
    assert StandardScaler().fit(np.array([[5.0], [5.0]])).scale_[0] == 1.0
    assert StandardScaler().fit(np.array([[1e-170], [1e-170]])).scale_[0] == 1.0
    # Eight units in the last place of 1e9 are a real spread.
    scaler = StandardScaler().fit(np.array([[1e9], [1e9 + 1e-6]]))
    np.testing.assert_allclose(scaler.transform(np.array([[1e9], [1e9 + 1e-6]])).ravel(),
                               [-1.0, 1.0])


@pytest.mark.parametrize("call, message", [
    (lambda: StandardScaler().fit(np.array([[1.0, np.nan]])), "NaN"),
    (lambda: StandardScaler().fit(np.ones((3, 2)), sample_weight=[1, 2]), "sample_weight"),
    (lambda: StandardScaler().fit(np.ones((2, 2)), sample_weight=[-1, 2]), "sample_weight"),
    (lambda: StandardScaler(with_mean="yes").fit(np.ones((2, 2))), "with_mean"),
    (lambda: StandardScaler().fit(np.ones((2, 2))).transform(np.ones((2, 3))), "features"),
    (lambda: StandardScaler().transform(np.ones((2, 2))), "not fitted"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises((ValueError, AttributeError), match=message):
        call()
