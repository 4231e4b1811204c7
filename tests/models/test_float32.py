"""float32 data: fitted as their exact float64 values, without a float64 copy of them.

Every float32 number is exactly a float64 number, so a fit of float32 data
must be the fit of ``X.astype(np.float64)``; only the order of the sums
differs (a block of rows at a time), which moves results by a few ulps of
the sums, far inside the 1e-9 used here.  The blocks are made tiny, so that
every path crosses many block boundaries (and a partial last block).
"""

import tracemalloc
import warnings

import numpy as np
import pytest

import probml
from probml import _blocks, _validation, selection
from probml.models import base

ESTIMATORS = {
    "linear": lambda: probml.LinearRegression(),
    "linear-no-intercept": lambda: probml.LinearRegression(fit_intercept=False),
    "ridge": lambda: probml.Ridge(alpha=0.3),
    "bayes": lambda: probml.BayesianLinearRegression(fit_precisions=True),
    "lasso": lambda: probml.Lasso(alpha=0.01),
    "bridge": lambda: probml.BridgeRegression(alpha=0.01, p=1.5),
    "ridge-cv": lambda: selection.RidgeCV(alphas=[0.1, 1.0, 10.0]),
}


def _set_blocks(monkeypatch, elements):
    monkeypatch.setattr(_blocks, "_BLOCK_ELEMENTS", elements)
    monkeypatch.setattr(base, "_LABEL_BLOCK", elements - 8)
    monkeypatch.setattr(_validation, "_SCAN_BLOCK", elements + 4)


@pytest.fixture
def tiny_blocks(monkeypatch):
    _set_blocks(monkeypatch, 37)


@pytest.fixture
def small_blocks(monkeypatch):
    _set_blocks(monkeypatch, 1 << 12)


def _data(n=503, p=4, seed=0):
    rng = np.random.default_rng(seed)
    # A large common offset: the one-pass moments cancel, and the second pass runs.
    X = (rng.standard_normal((n, p)) * [1, 10, 0.1, 3] + [0, 0, 1e3, 5]).astype(np.float32)
    y = (X.astype(np.float64) @ [1.0, -0.2, 3.0, 0.5] + rng.standard_normal(n)
         ).astype(np.float32)
    return X, y


def _fitted_numbers(model):
    names = ["coef_", "intercept_", "bse_", "sigma_", "alpha_", "rss_", "loglik_",
             "noise_precision_", "weight_precision_"]
    return {name: np.asarray(getattr(model, name), dtype=float) for name in names
            if hasattr(model, name)}


@pytest.mark.parametrize("name", ESTIMATORS)
def test_a_float32_fit_is_the_fit_of_its_float64_values(name, tiny_blocks):
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        single = ESTIMATORS[name]().fit(X, y)
    double = ESTIMATORS[name]().fit(X.astype(np.float64), y.astype(np.float64))
    numbers = _fitted_numbers(double)
    assert "coef_" in numbers
    for key, value in _fitted_numbers(single).items():
        np.testing.assert_allclose(value, numbers[key], rtol=1e-9, atol=1e-12, err_msg=key)
    np.testing.assert_allclose(single.predict(X), double.predict(X.astype(np.float64)),
                               rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("classes", [2, 3])
def test_logistic_regression_on_float32_and_float_labels(classes, tiny_blocks):
    X, _ = _data(seed=classes)
    rng = np.random.default_rng(classes)
    labels = rng.integers(0, classes, size=len(X)).astype(np.float32) * 2 - 1
    single = probml.LogisticRegression().fit(X, labels)
    double = probml.LogisticRegression().fit(X.astype(np.float64), labels.astype(np.float64))
    np.testing.assert_array_equal(single.classes_, double.classes_)
    np.testing.assert_array_equal(single.classes_, np.arange(classes) * 2.0 - 1)
    np.testing.assert_allclose(single.coef_, double.coef_, rtol=1e-8)
    np.testing.assert_allclose(single.bse_, double.bse_, rtol=1e-8)
    np.testing.assert_array_equal(single.predict(X), double.predict(X.astype(np.float64)))


def test_labels_are_encoded_block_by_block_as_the_sorted_classes(tiny_blocks):
    rng = np.random.default_rng(1)
    words = np.array(["pear", "apple", "fig", "kiwi"])
    y = words[rng.integers(0, 4, size=301)]
    classes, codes = base._encode(y)
    np.testing.assert_array_equal(classes, np.unique(y))
    np.testing.assert_array_equal(classes[codes], y)
    assert codes.dtype == np.uint8
    many = np.arange(1000)[::-1]
    classes, codes = base._encode(many)
    assert codes.dtype == np.uint16
    np.testing.assert_array_equal(classes[codes], many)
    with pytest.raises(ValueError, match="continuous values"):
        base._encode(np.r_[np.zeros(200), 0.5])          # the bad label in a later block


def _peak_extra(function):
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fit, data", [
    (lambda X, y, labels: probml.LinearRegression().fit(X, y), "X"),
    (lambda X, y, labels: probml.Ridge().fit(X, y), "X"),
    (lambda X, y, labels: probml.BayesianLinearRegression().fit(X, y), "X"),
    (lambda X, y, labels: probml.Lasso(alpha=0.01).fit(X, y), "X"),
    (lambda X, y, labels: probml.LogisticRegression().fit(X, labels), "X"),
    (lambda X, y, labels: probml.Normal().fit(X.ravel()), "X"),
    (lambda X, y, labels: probml.Bernoulli().fit(labels), "labels"),
], ids=["linear", "ridge", "bayes", "lasso", "logistic", "normal", "bernoulli"])
def test_float32_data_are_never_copied_to_float64(fit, data, small_blocks):
    """The extra memory is blocks of rows, not a copy: it hardly grows with the data.

    With small blocks, a fit's extra memory is what it keeps per row. A float64
    copy would be twice the float32 data, finiteness flags a quarter of it; the
    logistic fit keeps one byte per row for the class codes (1.25% of 20
    float32 columns). So four times the rows may add at most 2% of the growth
    in the data's size.
    """
    rng = np.random.default_rng(0)
    extras, sizes = [], []
    for n in (1_000, 50_000, 200_000):          # the first call imports what it needs
        X = rng.standard_normal((n, 20)).astype(np.float32)
        y = (X[:, 0] + rng.standard_normal(n)).astype(np.float32)
        labels = (rng.uniform(size=n) < 1 / (1 + np.exp(-X[:, 1]))).astype(np.float32)
        extras.append(_peak_extra(lambda: fit(X, y, labels)))
        sizes.append({"X": X, "labels": labels}[data].nbytes)
    growth = (extras[2] - extras[1]) / (sizes[2] - sizes[1])
    assert growth < 0.02, f"the extra memory grows by {growth:.1%} of the data's size"
