"""Accuracy on the NIST Statistical Reference Datasets, reported as LRE.

Run with ``-s`` to see the table; the thresholds are those of issue 2.
"""

import numpy as np
import pytest

from probml import LinearRegression, Normal
from probml.datasets.nist import log_relative_error, read_linear, read_univariate

LINEAR_TARGETS = {
    "Norris": 9, "Pontius": 9, "NoInt1": 9, "NoInt2": 9, "Longley": 9,
    "Wampler1": 9, "Wampler2": 9, "Wampler3": 9, "Wampler4": 8,
    "Filip": 7, "Wampler5": 7,
}
# NumAcc3/4 hold decimals that binary doubles cannot represent: exact arithmetic
# on the parsed doubles gives a standard deviation with LRE 9.5 and 8.3 only.
UNIVARIATE_STD_TARGETS = {"NumAcc3": 9.4, "NumAcc4": 8.2}


@pytest.mark.parametrize("name", sorted(LINEAR_TARGETS))
def test_linear_lre(nist_dir, name):
    ref = read_linear(nist_dir / "linear" / f"{name}.dat")
    model = LinearRegression(fit_intercept=ref.fit_intercept).fit(ref.X, ref.y)
    coef_lre = log_relative_error(model.params_, ref.coef).min()
    std_lre = log_relative_error(model.bse_, ref.coef_std).min()
    print(f"\n{name:9} solver={model.solver_:8} LRE coef {coef_lre:4.1f}  "
          f"std err {std_lre:4.1f}  "
          f"resid sd {log_relative_error(model.sigma_, ref.residual_std):4.1f}  "
          f"R2 {log_relative_error(model.rsquared_, ref.r_squared):4.1f}")
    assert coef_lre >= LINEAR_TARGETS[name]
    assert std_lre >= LINEAR_TARGETS[name]
    if ref.residual_std > 0:
        assert log_relative_error(model.sigma_, ref.residual_std) >= LINEAR_TARGETS[name]
    assert log_relative_error(model.rsquared_, ref.r_squared) >= LINEAR_TARGETS[name]


@pytest.mark.parametrize("name", ["Filip", "Wampler4", "Wampler5", "Longley"])
def test_refined_qr_path_alone(nist_dir, name):
    """The double-precision QR path, forced: ~7 digits on Filip and Wampler5."""
    ref = read_linear(nist_dir / "linear" / f"{name}.dat")
    model = LinearRegression(solver="qr").fit(ref.X, ref.y)
    assert model.solver_ == "qr"
    assert log_relative_error(model.params_, ref.coef).min() >= 7


def test_lstsq_fails_filip_where_probml_does_not(nist_dir):
    ref = read_linear(nist_dir / "linear" / "Filip.dat")
    design = np.column_stack([np.ones(len(ref.y)), ref.X])
    naive = np.linalg.lstsq(design, ref.y, rcond=None)[0]
    assert log_relative_error(naive, ref.coef).min() < 2


@pytest.mark.parametrize("name", ["Lew", "Lottery", "Mavro", "Michelso", "NumAcc1",
                                  "NumAcc2", "NumAcc3", "NumAcc4", "PiDigits"])
def test_univariate_lre(nist_dir, name):
    ref = read_univariate(nist_dir / "univariate" / f"{name}.dat")
    model = Normal().fit(ref.y)
    mean_lre = log_relative_error(model.mean_, ref.mean)
    std_lre = log_relative_error(np.sqrt(model.var_unbiased_), ref.std)
    print(f"\n{name:9} LRE mean {mean_lre:4.1f}  std {std_lre:4.1f}")
    assert mean_lre >= 14
    assert std_lre >= UNIVARIATE_STD_TARGETS.get(name, 13)


def test_naive_one_pass_variance_loses_numacc4(nist_dir):
    """The one-pass textbook formula the stable algorithm replaces."""
    ref = read_univariate(nist_dir / "univariate" / "NumAcc4.dat")
    y, n = ref.y, len(ref.y)
    with np.errstate(invalid="ignore"):
        naive = np.sqrt((np.sum(y * y) - np.sum(y) ** 2 / n) / (n - 1))
    assert log_relative_error(naive, ref.std) < 4
