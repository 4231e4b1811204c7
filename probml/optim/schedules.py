r"""Learning-rate schedules as closed-form functions of the step.

A schedule is a callable ``schedule(t) -> learning rate`` for ``t = 0, 1, 2,
...``, the number of updates (or epochs) already made.  Pass it as an
optimizer's ``learning_rate`` to step it per update, or to the
:class:`~probml.optim.Trainer` to step it per iteration or per epoch.

PyTorch defines its schedulers recursively (each rate from the previous one)
and documents closed forms that agree with the recursion; the functions here
are those closed forms, and the tests check them against PyTorch's recursive
definitions step by step.

Two conventions for a floor
---------------------------
PyTorch's ``eta_min`` is an *absolute* learning rate, and its
``CosineAnnealingLR`` keeps following the cosine after ``T_max`` (the rate
climbs back to its start at ``2 T_max``, and so on).  optax-style decay
instead *clamps*: the rate stays at its floor after the last decay step.
:func:`cosine_annealing` gives PyTorch's behaviour by default and the clamped
one with ``clamp=True``; in both, ``eta_min`` is absolute (optax's relative
``alpha`` is ``eta_min / base_rate``).

Examples
--------
>>> schedule = cosine_annealing(0.1, T_max=4)
>>> [round(schedule(t), 6) for t in range(9)]
[0.1, 0.085355, 0.05, 0.014645, 0.0, 0.014645, 0.05, 0.085355, 0.1]
>>> clamped = cosine_annealing(0.1, T_max=4, clamp=True)
>>> [round(clamped(t), 6) for t in range(4, 7)]
[0.0, 0.0, 0.0]
"""

import math

from .._validation import (
    BOOLEAN,
    Function,
    Integer,
    Optional,
    Real,
    check_nonnegative,
    check_positive,
)

__all__ = [
    "Schedule",
    "constant",
    "cosine_annealing",
    "cosine_annealing_warm_restarts",
    "exponential_decay",
    "linear_warmup",
    "step_decay",
]


class Schedule:
    """A learning rate as a function of the step, with a readable repr.

    Calling it with a step ``t >= 0`` returns the rate; ``schedule.rates(n)``
    lists the first ``n``.
    """

    def __init__(self, name, rate, **settings):
        self.name = name
        self._rate = rate
        self.settings = settings

    def __call__(self, t):
        # An int in range (an optimizer's count, every update) is taken as it is.
        if type(t) is not int or not 0 <= t <= _LAST_STEP:
            t = _STEP(t, "t")
        try:
            rate = float(self._rate(t))
        except OverflowError:
            rate = math.inf
        if not math.isfinite(rate):
            raise ValueError(f"the {self.name} rate at step t={t} overflows float64; a "
                             "schedule that grows must stop earlier.")
        return rate

    def rates(self, n):
        """The rates at steps 0, 1, ..., n - 1."""
        return [self(t) for t in range(Integer(0, 10 ** 7)(n, "n"))]

    def __repr__(self):
        settings = ", ".join(f"{key}={value!r}" for key, value in self.settings.items())
        return f"{self.name}({settings})"


# Steps beyond this are not a training run (and 2**62 steps of any rate stay exact).
_LAST_STEP = 2 ** 62
_STEP = Integer(0, _LAST_STEP)


# A period (steps between decays, warm-up steps, a cosine's half-period) is >= 1 step.
_PERIOD = Integer(1, 2 ** 62, meaning=" (steps)")


def _check_rates(base_rate, eta_min):
    base_rate = check_nonnegative(base_rate, "base_rate")
    eta_min = check_nonnegative(eta_min, "eta_min", " (an absolute learning rate)")
    if eta_min > base_rate:
        raise ValueError(f"eta_min={eta_min!r} is above base_rate={base_rate!r}; the floor "
                         "must not exceed the starting rate.")
    return base_rate, eta_min


def constant(base_rate):
    r"""The same rate at every step: :math:`\eta_t = \eta_0`.

    >>> constant(0.1)(1000)
    0.1
    """
    base_rate = check_nonnegative(base_rate, "base_rate")
    return Schedule("constant", lambda t: base_rate, base_rate=base_rate)


def step_decay(base_rate, step_size, gamma=0.1):
    r"""Multiply the rate by :math:`\gamma` every ``step_size`` steps.

    .. math:: \eta_t = \eta_0\, \gamma^{\lfloor t / s \rfloor}

    PyTorch's ``StepLR``.

    >>> [step_decay(1.0, step_size=2, gamma=0.5)(t) for t in range(5)]
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """
    base_rate = check_nonnegative(base_rate, "base_rate")
    step_size = _PERIOD(step_size, "step_size")
    gamma = check_positive(gamma, "gamma")
    return Schedule("step_decay", lambda t: base_rate * gamma ** (t // step_size),
                    base_rate=base_rate, step_size=step_size, gamma=gamma)


def exponential_decay(base_rate, gamma):
    r"""Multiply the rate by :math:`\gamma` every step: :math:`\eta_t = \eta_0 \gamma^t`.

    PyTorch's ``ExponentialLR``.

    >>> exponential_decay(1.0, 0.5)(3)
    0.125
    """
    base_rate = check_nonnegative(base_rate, "base_rate")
    gamma = check_positive(gamma, "gamma")
    return Schedule("exponential_decay", lambda t: base_rate * gamma ** t,
                    base_rate=base_rate, gamma=gamma)


def linear_warmup(base_rate, warmup_steps, *, start_factor=0.0, then=None):
    r"""Ramp the rate linearly up to ``base_rate``, then hand over to ``then``.

    .. math:: \eta_t = \eta_0\Bigl(f + (1 - f)\frac{t}{W}\Bigr) \quad (t < W),
       \qquad \eta_t = \text{then}(t - W) \quad (t \ge W)

    with :math:`f` the start factor and :math:`W` the warm-up length; without
    ``then`` the rate stays at :math:`\eta_0`.  The ramp is PyTorch's
    ``LinearLR(start_factor=f, end_factor=1, total_iters=W)``, and warm-up
    followed by ``then`` is its ``SequentialLR`` with one milestone at
    :math:`W`.  A large rate at the start, when the gradients and Adam's
    second-moment estimates are still unreliable, is what warm-up avoids.

    >>> [linear_warmup(1.0, 4)(t) for t in range(6)]
    [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    >>> warm_cosine = linear_warmup(1.0, 2, then=cosine_annealing(1.0, T_max=2))
    >>> [round(warm_cosine(t), 3) for t in range(5)]
    [0.0, 0.5, 1.0, 0.5, 0.0]
    """
    base_rate = check_nonnegative(base_rate, "base_rate")
    warmup_steps = _PERIOD(warmup_steps, "warmup_steps")
    start_factor = Real(0, 1)(start_factor, "start_factor")
    then = Optional(Function())(then, "then")

    def rate(t):
        if t < warmup_steps:
            return base_rate * (start_factor + (1.0 - start_factor) * t / warmup_steps)
        return then(t - warmup_steps) if then is not None else base_rate

    return Schedule("linear_warmup", rate, base_rate=base_rate, warmup_steps=warmup_steps,
                    start_factor=start_factor, then=then)


def _half_cosine(base_rate, eta_min, fraction):
    return eta_min + (base_rate - eta_min) * (1.0 + math.cos(math.pi * fraction)) / 2.0


def cosine_annealing(base_rate, T_max, eta_min=0.0, *, clamp=False):
    r"""Cosine annealing from ``base_rate`` down to ``eta_min`` over ``T_max`` steps.

    .. math:: \eta_t = \eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})
       \Bigl(1 + \cos\frac{\pi t}{T_{\max}}\Bigr)

    Loshchilov & Hutter (2017), without restarts.  ``eta_min`` is an
    absolute rate, as in PyTorch.  Past :math:`T_{\max}`:

    * ``clamp=False`` (PyTorch's ``CosineAnnealingLR``): the formula goes on,
      so the rate rises again and is back at :math:`\eta_0` at
      :math:`2T_{\max}`; stop training at :math:`T_{\max}` or use restarts;
    * ``clamp=True`` (optax's ``cosine_decay_schedule``): the rate stays at
      :math:`\eta_{\min}` for every :math:`t \ge T_{\max}`.

    Parameters
    ----------
    base_rate : float
        :math:`\eta_0`, the rate at step 0.
    T_max : int
        Steps from :math:`\eta_0` down to :math:`\eta_{\min}`; > 0.
    eta_min : float
        The floor, an absolute rate in :math:`[0, \eta_0]`.
    clamp : bool
        Hold the floor after ``T_max`` instead of following the cosine.
    """
    base_rate, eta_min = _check_rates(base_rate, eta_min)
    T_max = _PERIOD(T_max, "T_max")
    clamp = BOOLEAN(clamp, "clamp")

    def rate(t):
        if clamp and t >= T_max:
            return eta_min
        return _half_cosine(base_rate, eta_min, t / T_max)

    return Schedule("cosine_annealing", rate, base_rate=base_rate, T_max=T_max,
                    eta_min=eta_min, clamp=clamp)


def cosine_annealing_warm_restarts(base_rate, T_0, T_mult=1, eta_min=0.0):
    r"""Cosine annealing that restarts at ``base_rate``, each period ``T_mult`` times longer.

    .. math:: \eta_t = \eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})
       \Bigl(1 + \cos\frac{\pi T_{\mathrm{cur}}}{T_i}\Bigr)

    where period :math:`i = 0, 1, \dots` lasts :math:`T_i = T_0 T_{\mathrm{mult}}^i`
    steps and :math:`T_{\mathrm{cur}}` counts the steps since it began.
    Loshchilov & Hutter (2017), SGDR; PyTorch's ``CosineAnnealingWarmRestarts``
    (absolute ``eta_min``).  The period is found with integer arithmetic, so
    the restarts fall exactly on :math:`T_0, T_0(1 + T_{\mathrm{mult}}), \dots`.

    >>> schedule = cosine_annealing_warm_restarts(1.0, T_0=2, T_mult=2)
    >>> [round(schedule(t), 3) for t in range(8)]
    [1.0, 0.5, 1.0, 0.854, 0.5, 0.146, 1.0, 0.962]
    """
    base_rate, eta_min = _check_rates(base_rate, eta_min)
    T_0 = _PERIOD(T_0, "T_0")
    T_mult = Integer(1, 2 ** 62)(T_mult, "T_mult")

    def rate(t):
        if T_mult == 1:
            period, t_cur = T_0, t % T_0
        else:
            period, t_cur = T_0, t
            while t_cur >= period:
                t_cur -= period
                period *= T_mult
        return _half_cosine(base_rate, eta_min, t_cur / period)

    return Schedule("cosine_annealing_warm_restarts", rate, base_rate=base_rate, T_0=T_0,
                    T_mult=T_mult, eta_min=eta_min)
