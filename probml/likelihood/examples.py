r"""Three models a growth analyst brings, written as on a blackboard.

* **Daily counts** (:func:`daily_counts_model`): sign-ups per day are
  Poisson, :math:`\log f(x; \lambda) = x\log\lambda - \lambda - \log x!`;
  the MLE is the mean count.
* **Time to churn** (:func:`churn_model`): days until a customer leaves are
  Weibull, :math:`\log f(t; k, \lambda) = \log k - \log\lambda + (k-1)\log(t/\lambda)
  - (t/\lambda)^k`; a shape :math:`k < 1` says the risk of leaving falls
  with tenure.
* **A growth curve** (:func:`growth_curve_model`): cumulative users
  approach a ceiling, :math:`E[y] = b_1(1 - e^{-b_2 t})`, fitted by
  nonlinear least squares.

Each comes with a simulated data set (``*_data(rng)``) for the derivation
pages and the figures.

>>> import numpy as np
>>> fit = daily_counts_model().fit(daily_counts_data(np.random.default_rng(0)))
>>> fit.param_names_
['lambda']
"""

import numpy as np
import sympy as sp

from .model import Model
from .nonlinear import NonlinearRegression

__all__ = ["churn_data", "churn_model", "daily_counts_data", "daily_counts_model",
           "growth_curve_data", "growth_curve_model"]

# The simulated truths: 42 sign-ups a day; churn after a Weibull(0.8, 60 days) time;
# 5,000 users approached at 6% of the remaining gap a day.
DAILY_RATE, DAYS = 42.0, 56
CHURN_SHAPE, CHURN_SCALE, CUSTOMERS = 0.8, 60.0, 300
CEILING, GROWTH_RATE, GROWTH_DAYS, GROWTH_NOISE = 5000.0, 0.06, 60, 60.0


def daily_counts_model():
    """Poisson sign-ups per day, :math:`\\lambda` the daily rate."""
    x = sp.Symbol("x")
    rate = sp.Symbol("lambda", positive=True)
    return Model(x * sp.log(rate) - rate - sp.log(sp.factorial(x)), data=x, support="counts",
                 name="Poisson daily counts")


def daily_counts_data(rng):
    """Eight weeks of daily sign-up counts."""
    return rng.poisson(DAILY_RATE, DAYS).astype(float)


def churn_model():
    """Weibull days to churn, shape ``k`` and scale ``lambda`` (in days)."""
    t = sp.Symbol("t")
    k, scale = sp.Symbol("k", positive=True), sp.Symbol("lambda", positive=True)
    return Model(sp.log(k) - sp.log(scale) + (k - 1) * sp.log(t / scale) - (t / scale) ** k,
                 data=t, params=[k, scale], support="positive", name="Weibull time to churn")


def churn_data(rng):
    """Days until each of 300 customers churned."""
    return CHURN_SCALE * rng.weibull(CHURN_SHAPE, CUSTOMERS)


def growth_curve_model():
    """Cumulative users :math:`b_1(1 - e^{-b_2 t})`: a ceiling and a rate of approach."""
    t, b1, b2 = sp.symbols("t b1 b2")
    return NonlinearRegression(b1 * (1 - sp.exp(-b2 * t)), x=t, params=[b1, b2],
                               start=[1000.0, 0.1])


def growth_curve_data(rng):
    """(days, cumulative users) over two months."""
    days = np.arange(1.0, GROWTH_DAYS + 1)
    users = CEILING * (1 - np.exp(-GROWTH_RATE * days)) + rng.normal(0, GROWTH_NOISE, days.size)
    return days, users
