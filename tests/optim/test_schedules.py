"""Closed-form schedules against PyTorch's recursive definitions and its recorded rates."""

import math

import numpy as np
import pytest

from probml import optim
from probml.optim import schedules

from .test_optimizers import REFERENCE


@pytest.mark.parametrize("name", sorted(REFERENCE["schedulers"]))
def test_rates_match_recorded_torch_schedulers(name):
    case = REFERENCE["schedulers"][name]
    factory = getattr(schedules, name.removesuffix("_T_mult_1"))
    rates = factory(**case["settings"]).rates(len(case["rates"]))
    np.testing.assert_allclose(rates, case["rates"], rtol=1e-13, atol=1e-15)


# -- PyTorch's recursive ("chainable") definitions, written out -------------

def recursive_step(base, step_size, gamma, steps):
    rates = [base]
    for t in range(1, steps):
        rates.append(rates[-1] * gamma if t % step_size == 0 else rates[-1])
    return rates


def recursive_exponential(base, gamma, steps):
    rates = [base]
    for _ in range(1, steps):
        rates.append(rates[-1] * gamma)
    return rates


def recursive_cosine(base, T_max, eta_min, steps):
    rates = [base]
    for t in range(1, steps):
        lr = rates[-1]
        if (t - 1 - T_max) % (2 * T_max) == 0:
            lr = lr + (base - eta_min) * (1 - math.cos(math.pi / T_max)) / 2
        else:
            lr = ((1 + math.cos(math.pi * t / T_max))
                  / (1 + math.cos(math.pi * (t - 1) / T_max)) * (lr - eta_min) + eta_min)
        rates.append(lr)
    return rates


def recursive_warm_restarts(base, T_0, T_mult, eta_min, steps):
    T_cur, T_i, rates = 0, T_0, []
    for _ in range(steps):
        rates.append(eta_min + (base - eta_min) * (1 + math.cos(math.pi * T_cur / T_i)) / 2)
        T_cur += 1
        if T_cur >= T_i:
            T_cur, T_i = T_cur - T_i, T_i * T_mult
    return rates


def recursive_linear(base, start_factor, total, steps, end_factor=1.0):
    rates = [base * start_factor]
    for t in range(1, steps):
        lr = rates[-1]
        if t <= total:
            lr *= 1 + (end_factor - start_factor) / (
                total * start_factor + (t - 1) * (end_factor - start_factor))
        rates.append(lr)
    return rates


@pytest.mark.parametrize("closed, recursive", [
    (schedules.step_decay(0.3, step_size=4, gamma=0.7), recursive_step(0.3, 4, 0.7, 60)),
    (schedules.exponential_decay(0.3, gamma=0.95), recursive_exponential(0.3, 0.95, 60)),
    (schedules.cosine_annealing(0.3, T_max=7, eta_min=0.02),
     recursive_cosine(0.3, 7, 0.02, 60)),
    (schedules.cosine_annealing(1.0, T_max=25), recursive_cosine(1.0, 25, 0.0, 60)),
    (schedules.cosine_annealing_warm_restarts(0.3, T_0=3, T_mult=3, eta_min=0.01),
     recursive_warm_restarts(0.3, 3, 3, 0.01, 60)),
    (schedules.cosine_annealing_warm_restarts(0.3, T_0=5), recursive_warm_restarts(0.3, 5, 1,
                                                                                    0.0, 60)),
    (schedules.linear_warmup(0.3, 10, start_factor=0.1), recursive_linear(0.3, 0.1, 10, 60)),
], ids=["step", "exponential", "cosine", "cosine-no-floor", "restarts", "restarts-T_mult-1",
        "warmup"])
def test_closed_form_equals_pytorch_recursion(closed, recursive):
    np.testing.assert_allclose(closed.rates(len(recursive)), recursive, rtol=1e-12,
                               atol=1e-15)


def test_two_conventions_after_T_max():
    pytorch = schedules.cosine_annealing(0.1, T_max=10, eta_min=0.01)
    clamped = schedules.cosine_annealing(0.1, T_max=10, eta_min=0.01, clamp=True)
    assert pytorch.rates(11) == clamped.rates(11)
    assert pytorch(10) == pytest.approx(0.01) and pytorch(20) == pytest.approx(0.1)
    assert all(clamped(t) == 0.01 for t in range(10, 100))
    # The floor is absolute in both: optax's relative alpha is eta_min / base_rate.
    assert min(pytorch.rates(40)) == pytest.approx(0.01)


def test_restarts_fall_exactly_on_the_period_boundaries():
    schedule = schedules.cosine_annealing_warm_restarts(1.0, T_0=10, T_mult=2)
    restarts = [t for t in range(1, 1000) if schedule(t) == 1.0]
    assert restarts == [10, 30, 70, 150, 310, 630]


def test_warmup_hands_over_to_the_next_schedule():
    after = schedules.cosine_annealing(0.5, T_max=10)
    schedule = schedules.linear_warmup(0.5, 5, then=after)
    np.testing.assert_allclose(schedule.rates(5), [0.0, 0.1, 0.2, 0.3, 0.4])
    assert [schedule(5 + t) for t in range(10)] == after.rates(10)
    assert optim.constant(0.2).rates(3) == [0.2, 0.2, 0.2]
    assert "T_max=10" in repr(after)


@pytest.mark.parametrize("make, message", [
    (lambda: schedules.cosine_annealing(0.1, T_max=0), "T_max must be a whole number"),
    (lambda: schedules.cosine_annealing(0.1, T_max=-5), "T_max must be a whole number"),
    (lambda: schedules.cosine_annealing(0.1, T_max=2.5), "T_max must be a whole number"),
    (lambda: schedules.cosine_annealing(0.1, T_max=5, eta_min=0.2), "above base_rate"),
    (lambda: schedules.cosine_annealing(-0.1, T_max=5), "base_rate must be a number >= 0"),
    (lambda: schedules.cosine_annealing_warm_restarts(0.1, T_0=0), "T_0 must be"),
    (lambda: schedules.cosine_annealing_warm_restarts(0.1, T_0=2, T_mult=0), "T_mult must"),
    (lambda: schedules.step_decay(0.1, step_size=0), "step_size must"),
    (lambda: schedules.exponential_decay(0.1, gamma=0.0), "gamma must be a number > 0"),
    (lambda: schedules.linear_warmup(0.1, 0), "warmup_steps must"),
    (lambda: schedules.linear_warmup(0.1, 3, start_factor=2.0), "start_factor"),
    (lambda: schedules.constant(0.1)(-1), "t must be a whole number from 0"),
])
def test_bad_schedules_are_named(make, message):
    with pytest.raises(ValueError, match=message):
        make()
