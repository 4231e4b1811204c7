"""NonlinearRegression on the 27 NIST StRD nonlinear problems, from both certified starts.

One set of default settings for every problem.  The LRE (correct significant
digits) of the estimates, of their standard errors and of the residual
standard deviation must be at least 6, with no warning;
scipy.optimize.least_squares (MINPACK's Levenberg-Marquardt) runs in the same
test for comparison, and the table of both is printed (``pytest -s``).

Lanczos1 is the hard one: its residuals (1e-13) are the rounding of its
13-digit data, within three powers of ten of their rounding in double
precision, so its certified sum of squares belongs to the decimal data, not
to the nearest doubles (from those it agrees to 3 digits).  The fit reads
the decimals back from the doubles (each prints as the decimal it was read
from) and computes its residuals from them in 40 digits.  Data that are not
short decimals (nudged here by one unit in the last place) cannot be read
back, and the fit warns with the digits they hold, which the test checks.
"""

import warnings

import numpy as np
import pytest
import sympy as sp

from probml import NumericalAccuracyWarning
from probml.exceptions import PerfectFitWarning
from probml.datasets.nist import log_relative_error, read_nonlinear
from probml.likelihood import NonlinearRegression

NAMES = ["Misra1a", "Chwirut2", "Chwirut1", "Lanczos3", "Gauss1", "Gauss2", "DanWood",
         "Misra1b", "Kirby2", "Hahn1", "Nelson", "MGH17", "Lanczos1", "Lanczos2", "Gauss3",
         "Misra1c", "Misra1d", "Roszman1", "ENSO", "MGH09", "Thurber", "BoxBOD", "Rat42",
         "MGH10", "Eckerle4", "Rat43", "Bennett5"]


def problem(nist_dir, name):
    reference = read_nonlinear(nist_dir / "nonlinear" / f"{name}.dat")
    b = sp.symbols(f"b1:{len(reference.params) + 1}")
    x = sp.symbols(reference.predictors)
    names = {**{s.name: s for s in b}, **{s.name: s for s in x}, "arctan": sp.atan,
             "pi": sp.pi}
    return reference, sp.sympify(reference.model, locals=names), list(x), list(b)


def scipy_fit(reference, mean, x, b, start):
    from scipy.optimize import least_squares
    f = sp.lambdify([*x, *b], mean, "numpy")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            found = least_squares(lambda beta: f(*reference.X.T, *beta) - reference.y, start,
                                  method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15,
                                  max_nfev=20_000)
        except (ValueError, FloatingPointError):
            return 0.0
    return float(log_relative_error(found.x, reference.params).min())


def test_every_nist_problem_from_both_starts(nist_dir):
    rows, failures = [], []
    for name in NAMES:
        reference, mean, x, b = problem(nist_dir, name)
        for which, start in enumerate(reference.starts, start=1):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fit = NonlinearRegression(mean, x=x, params=b, start=start).fit(reference.X,
                                                                               reference.y)
            params = float(log_relative_error(fit.params_, reference.params).min())
            errors = float(log_relative_error(fit.bse_, reference.std_errors).min())
            sigma = float(log_relative_error(fit.sigma_, reference.residual_std))
            peer = scipy_fit(reference, mean, x, b, start)
            rows.append(f"{name:9s} {which}  {params:5.1f} {errors:5.1f} {sigma:5.1f}  {peer:5.1f}")
            accuracy = [w for w in caught
                        if issubclass(w.category, (NumericalAccuracyWarning, PerfectFitWarning))]
            if accuracy or min(params, errors, sigma) < 6:
                failures.append(rows[-1])
    print("\nproblem  start  LRE(b) LRE(se) LRE(s)  scipy LM LRE(b)")
    print("\n".join(rows))
    assert not failures, failures


def test_lanczos1_from_doubles_that_are_not_its_decimals_warns_with_the_digits_held(nist_dir):
    """Each y one unit in the last place off its decimal: the data no longer print as
    decimals, so the fit cannot recover the decimal data's sum of squares; it warns, and
    the digits it states are correct against NIST's certified values."""
    reference, mean, x, b = problem(nist_dir, "Lanczos1")
    nudged = np.nextafter(reference.y, np.inf)
    with pytest.warns(NumericalAccuracyWarning, match="only about") as caught:
        fit = NonlinearRegression(mean, x=x, params=b, start=reference.starts[1]).fit(
            reference.X, nudged)
    stated = int(str(caught[0].message).split("only about ")[1].split()[0])
    assert stated < 6
    assert float(log_relative_error(fit.bse_, reference.std_errors).min()) >= stated
    assert float(log_relative_error(fit.sigma_, reference.residual_std)) >= stated
    assert float(log_relative_error(fit.params_, reference.params).min()) >= 6


def test_an_exact_fit_is_flagged_as_rounding_not_scatter():
    """Data the model reproduces to the last bit: the residuals are rounding (below
    eps ||y||), so the standard errors and t statistics measure nothing."""
    t, b1, b2 = sp.symbols("t b1 b2")
    days = np.arange(0.0, 10.0)
    exact = 2.0 * np.exp(-0.5 * days)
    with pytest.warns(PerfectFitWarning, match="exactly to working precision"):
        fit = NonlinearRegression(b1 * sp.exp(-b2 * t), x=t, params=[b1, b2],
                                  start=[1.0, 0.1]).fit(days, exact)
    np.testing.assert_allclose(fit.params_, [2.0, 0.5], rtol=1e-14)
    assert np.sqrt(fit.rss_) <= 100 * np.finfo(float).eps * np.linalg.norm(exact)
    assert np.all(np.isnan(fit.tvalues_)) and np.all(np.isnan(fit.pvalues_))
    noisy = exact + 1e-9 * np.sin(days)          # scatter far above the rounding: no flag
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        NonlinearRegression(b1 * sp.exp(-b2 * t), x=t, params=[b1, b2],
                            start=[1.0, 0.1]).fit(days, noisy)


def test_summary_predict_and_the_estimator_contract():
    t, b1, b2 = sp.symbols("t b1 b2")
    model = NonlinearRegression(b1 * (1 - sp.exp(-b2 * t)), x=t, params=[b1, b2],
                                start=[100.0, 0.1])
    rng = np.random.default_rng(0)
    days = np.arange(1.0, 31.0)
    users = 500 * (1 - np.exp(-0.15 * days)) + rng.normal(0, 5, days.size)
    model.fit(days, users)
    assert model.params_ == pytest.approx([500, 0.15], rel=0.05)
    np.testing.assert_allclose(model.predict(days[:3]), model.params_[0] * (
        1 - np.exp(-model.params_[1] * days[:3])), rtol=1e-12)
    text = str(model.summary())
    assert "b1" in text and "Nonlinear least squares" in text
    assert model.get_params()["start"] == [100.0, 0.1]
    low, high = model.conf_int()[0]
    assert low < model.params_[0] < high


@pytest.mark.parametrize("kwargs, message", [
    ({"start": None}, "start is required"),
    ({"start": [1.0]}, "2 finite numbers"),
    ({"start": [1.0, np.nan]}, "start contains NaN"),
    ({"params": [sp.Symbol("c")]}, "does not appear"),
    ({"max_iter": 0}, "max_iter"),
])
def test_bad_settings_are_refused_by_name(kwargs, message):
    t, b1, b2 = sp.symbols("t b1 b2")
    settings = {"start": [1.0, 0.1], "params": [b1, b2], **kwargs}
    with pytest.raises(ValueError, match=message):
        NonlinearRegression(b1 * (1 - sp.exp(-b2 * t)), x=t, **settings).fit(
            np.arange(1.0, 6.0), np.arange(1.0, 6.0))


def test_a_start_where_the_mean_is_undefined_is_refused():
    t, b1, b2 = sp.symbols("t b1 b2")
    model = NonlinearRegression(b1 * sp.log(b2 * t), x=t, params=[b1, b2], start=[1.0, -1.0])
    with pytest.raises(ValueError, match="not finite at the start"):
        model.fit(np.arange(1.0, 6.0), np.arange(1.0, 6.0))


def test_fewer_rows_than_parameters_are_refused_and_as_many_leave_no_residual():
    """One row for two parameters is refused naming X and y; two rows are interpolated
    (a exp(b x) through (1, 2) and (2, 3): b = log(3/2), a = 4/3), with sigma_ and the
    standard errors undefined and said so once."""
    from probml.exceptions import UndefinedStatisticWarning
    x, a, b = sp.symbols("x a b")

    def model():
        return NonlinearRegression(a * sp.exp(b * x), x=x, params=[a, b], start=[1.0, 0.1])
    with pytest.raises(ValueError, match="X and y have 1 row"):
        model().fit(np.array([1.0]), np.array([2.0]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model().fit(np.array([1.0, 2.0]), np.array([2.0, 3.0]))
    assert [w.category for w in caught] == [UndefinedStatisticWarning]
    assert "no residual degrees of freedom" in str(caught[0].message)
    assert caught[0].filename == __file__
    np.testing.assert_allclose(fit.params_, [4 / 3, np.log(1.5)], rtol=1e-14)
    assert fit.df_resid_ == 0 and np.isnan(fit.sigma_)
    assert np.all(np.isnan(fit.bse_)) and np.all(np.isnan(fit.pvalues_))
