"""Finite differences against exact derivatives and SciPy's adaptive differentiation."""

import numpy as np
import pytest
from scipy.differentiate import derivative

from probml.calculus import finite_difference, optimal_step

EPS = np.finfo(float).eps


def test_truncation_error_has_the_order_the_series_predicts():
    # Leading terms: forward h/2 f'', backward -h/2 f'', central h^2/6 f''' (f = exp at 1).
    x, h = 1.0, 1e-3
    e = np.exp(x)
    assert finite_difference(np.exp, x, h, scheme="forward") - e == pytest.approx(
        h / 2 * e, rel=1e-3)
    assert finite_difference(np.exp, x, h, scheme="backward") - e == pytest.approx(
        -h / 2 * e, rel=1e-3)
    assert finite_difference(np.exp, x, h) - e == pytest.approx(h ** 2 / 6 * e, rel=1e-3)


def test_arrays_of_points_and_steps_broadcast_and_agree_with_scipy():
    x = np.array([0.3, 1.0, 2.5])
    reference = derivative(np.sin, x).df
    np.testing.assert_allclose(finite_difference(np.sin, x, 1e-5), reference, rtol=1e-9)
    steps = np.logspace(-12, -1, 12)
    assert finite_difference(np.sin, 1.0, steps).shape == (12,)


@pytest.mark.parametrize("scheme, power", [("forward", 1 / 2), ("central", 1 / 3)])
def test_the_error_is_smallest_near_the_optimal_step(scheme, power):
    assert optimal_step(scheme, 1.0) == EPS ** power
    assert optimal_step(scheme, -10.0) == 10 * EPS ** power
    x = 1.0
    steps = np.logspace(-14, -1, 261)
    errors = np.abs(finite_difference(np.exp, x, steps, scheme=scheme) - np.exp(x))
    best = steps[np.argmin(errors)]
    # The V's bottom lies within a factor 30 of the predicted balance point, and
    # the rounding side really rises: 1000x smaller steps give 100x larger errors.
    assert abs(np.log10(best / optimal_step(scheme, x))) < 1.5
    small = np.abs(finite_difference(np.exp, x, 1e-3 * optimal_step(scheme, x),
                                     scheme=scheme) - np.exp(x))
    assert small > 100 * errors.min()


def test_bad_arguments():
    with pytest.raises(ValueError, match="scheme must be one of"):
        finite_difference(np.exp, 1.0, 1e-3, scheme="sideways")
    with pytest.raises(ValueError, match="h must be finite and > 0"):
        finite_difference(np.exp, 1.0, [1e-3, 0.0])
    with pytest.raises(ValueError, match="scheme must be one of"):
        optimal_step("nope")
