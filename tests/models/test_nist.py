"""Accuracy on the NIST Statistical Reference Datasets, reported as LRE.

Run with ``-s`` to see the table; the thresholds are those of issue 2.
"""

import warnings

import numpy as np
import pytest

from probml import LinearRegression, Normal, NumericalAccuracyWarning
from probml.datasets.nist import log_relative_error, read_linear, read_univariate

# What probml reaches (LRE of the coefficients and standard errors, the smallest),
# so that a change that loses digits fails.  Filip's certified values are the limit
# there (an exact solution of the doubles agrees with them to 7.6).  The exact path
# (Filip, Wampler) gives the same digits on every machine; the Gram path's last digit
# moves with the BLAS kernel (Pontius 11.1 with OpenBLAS's Haswell kernels, 10.9 with
# Prescott's), so its targets keep a margin of half a digit or more.
LINEAR_TARGETS = {
    "Norris": 11.5, "Pontius": 10.4, "NoInt1": 13, "NoInt2": 14, "Longley": 10.8,
    "Wampler1": 14, "Wampler2": 13, "Wampler3": 14, "Wampler4": 14,
    "Filip": 7.5, "Wampler5": 13.5,
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
    """The QR path, forced: refined to every certified digit but Filip's 7.6.

    Its standard errors come from R, good to about kappa * eps, and the fit
    says so: on Filip (kappa 4e9) it warns that fewer than 6 digits may be
    trustworthy, and the certified values show that the claim is honest.
    """
    ref = read_linear(nist_dir / "linear" / f"{name}.dat")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = LinearRegression(solver="qr").fit(ref.X, ref.y)
    assert model.solver_ == "qr"
    assert log_relative_error(model.params_, ref.coef).min() >= min(LINEAR_TARGETS[name], 13)
    assert log_relative_error(model.bse_, ref.coef_std).min() >= model.accuracy_digits_
    warned = [w for w in caught if issubclass(w.category, NumericalAccuracyWarning)]
    assert bool(warned) == (model.accuracy_digits_ < 6) == (name == "Filip")


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
