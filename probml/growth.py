r"""Growth metrics with their uncertainty: conversion, stickiness, cohort retention, and
the attribution of conversions to marketing channels.

Product metrics are estimates from samples, so each comes with an interval:

- :func:`conversion_rate`: a proportion with the Wilson score interval
  (or Clopper-Pearson, or Jeffreys).
- :func:`stickiness`: DAU/MAU, which equals the mean share of the window's
  days on which a monthly active user is active, so it gets the t interval
  of that mean over users.
- :func:`cohort_retention`: the table of the share of each signup cohort
  active k periods later, each cell with its interval.
- :func:`fit_retention`: the geometric model (every customer churns with the
  same probability :math:`\theta` each period) and the shifted-beta-geometric
  model of Fader & Hardie (2007) (each customer has their own :math:`\theta`,
  drawn from :math:`\mathrm{Beta}(\alpha, \beta)`, so the survivors are
  increasingly the loyal ones), fitted by maximum likelihood to a cohort's
  survivor counts.
- :func:`attribution`: multi-touch attribution of conversions to channels
  (first touch, last touch, linear, time decay, position-based, Shapley).
"""

import math
from dataclasses import dataclass

import numpy as np

from ._validation import (
    LEVEL,
    POSITIVE,
    Integer,
    Options,
    Real,
    as_labels,
    check_array_finite,
    check_sortable,
    check_vector,
    dask_array,
    is_dask_collection,
    plain,
)
from .exceptions import UndefinedStatisticWarning, warn
from .inference import (
    check_counts,
    critical_value,
    information_criteria,
    proportion_interval,
)
from .optim.newton import Evaluation, maximise

# Day and period indices beyond 2**53 are not exact as doubles.
_PERIOD = Integer(-2 ** 53, 2 ** 53)
# Partitions' distinct events merged by one task of a Dask event log's tree reduction.
_MERGED = 2
# The widest table of days or periods computed (a window of ten million days is
# 27,000 years; anything wider is a unit mistake).
_MAX_SPAN = 10 ** 7

__all__ = [
    "ATTRIBUTION_MODELS",
    "Attribution",
    "CohortRetention",
    "RateEstimate",
    "RetentionModel",
    "Stickiness",
    "attribution",
    "cohort_retention",
    "conversion_rate",
    "fit_retention",
    "stickiness",
]


# -- conversion ------------------------------------------------------------------

@dataclass(frozen=True)
class RateEstimate:
    """A proportion (or an array of them) with its confidence interval."""

    rate: np.ndarray | float
    low: np.ndarray | float
    high: np.ndarray | float
    successes: np.ndarray | int
    trials: np.ndarray | int
    level: float
    method: str

    @property
    def conf_int(self):
        """``(low, high)``."""
        return self.low, self.high

    def __str__(self):
        if np.ndim(self.rate) == 0:
            return (f"{self.rate:.4g} ({self.successes} of {self.trials}; "
                    f"{100 * self.level:.3g}% {self.method} CI {self.low:.4g} to "
                    f"{self.high:.4g})")
        return f"RateEstimate({np.size(self.rate)} rates, {self.method} intervals)"


def conversion_rate(successes, trials=None, *, level=0.95, method="wilson"):
    r"""A conversion rate with its confidence interval.

    Pass counts (numbers or arrays of them, e.g. per day) or, with ``trials``
    omitted, one array of 0/1 outcomes.  The Wilson score interval

    .. math:: \frac{\hat p + \frac{z^2}{2n} \pm z\sqrt{\frac{\hat p(1-\hat p)}{n}
       + \frac{z^2}{4n^2}}}{1 + z^2/n}

    inverts the score test and stays inside [0, 1] with close to nominal
    coverage even for rates near 0; ``method="exact"`` gives Clopper-Pearson,
    ``"jeffreys"`` the equal-tailed Beta(1/2, 1/2) posterior interval, with the
    lower end 0 when there are no successes and the upper end 1 when all are
    (Brown, Cai & DasGupta 2001).

    Examples
    --------
    >>> r = conversion_rate(45, 1000)
    >>> round(r.rate, 3), round(r.low, 4), round(r.high, 4)
    (0.045, 0.0338, 0.0597)
    >>> conversion_rate(np.array([1, 0, 0, 1, 0])).rate
    0.4
    """
    level = LEVEL(level, "level")
    method = Options("wilson", "exact", "jeffreys")(method, "method")
    if trials is None:
        successes, trials = _count_outcomes(successes)
    k, n = check_counts(successes, trials)
    low, high = proportion_interval(k, n, level, method)
    scalar = k.ndim == 0 and n.ndim == 0
    as_out = (lambda a: float(a)) if scalar else np.asarray
    as_count = (lambda a: int(a)) if scalar else (lambda a: a.astype(np.int64))
    return RateEstimate(as_out(k / n), as_out(low), as_out(high), as_count(k), as_count(n),
                        level, method)


def _count_outcomes(outcomes):
    """Successes and trials of 0/1 ``outcomes``: NumPy's, or a Dask array's or series',
    counted a chunk at a time."""
    def count(values):
        values = check_vector(values, "successes")
        if not np.all((values == 0) | (values == 1)):
            raise ValueError("successes must be 0/1 outcomes when trials is not given (pass "
                             "trials to give counts).")
        return values.sum(), values.size
    if not is_dask_collection(outcomes):
        return count(outcomes)
    from ._blocks import map_dask_chunks

    counts = map_dask_chunks(lambda start, chunk: count(chunk),
                             dask_array(outcomes, "successes", 1))
    return sum(k for k, _ in counts), sum(n for _, n in counts)


# -- engagement --------------------------------------------------------------------

def _user_ids(user_ids, name="user_ids"):
    """Ids of one sortable type (users, journeys), as a 1-D array; errors name ``name``."""
    users = as_labels(user_ids, name)
    if users.dtype.kind in "fc":
        users = check_array_finite(users.real if users.dtype.kind == "c" else users, name)
        if np.iscomplexobj(user_ids):
            raise ValueError(f"{name} must be numbers or strings, not complex.")
    check_sortable(users, name, "ids")
    return users


def _distinct_events(columns, names, check, keep=None):
    """The distinct rows of an event log's columns given as Dask series or arrays (the
    columns of one Dask data frame, or arrays in the same chunks), as NumPy arrays.

    Every partition is first checked as the log in memory would be
    (``check(*columns)`` raises), then reduced to the rows that ``keep(*columns)``
    marks (all by default).

    Each partition's distinct rows are found where the partition is (pandas'
    ``drop_duplicates``), then those of groups of ``_MERGED`` partitions' results,
    and so on up a tree, so no task holds more than a few sets of distinct rows:
    the metrics below count users, days and cells once however many events
    repeat them, so they are the same on the distinct rows, and those are far
    fewer than the events.
    """
    import dask
    import pandas as pd

    from ._blocks import one_blas_thread

    parts = []
    for column, name in zip(columns, names):
        if not is_dask_collection(column):
            raise ValueError(f"{name} must be a Dask collection like {names[0]} (the columns "
                             "of one Dask data frame), or all of them in memory.")
        delayed = column.to_delayed()
        parts.append(list(np.ravel(delayed)) if hasattr(delayed, "ravel") else list(delayed))
    if len({len(part) for part in parts}) != 1:
        raise ValueError(f"{' and '.join(names)} must come in the same partitions (the "
                         "columns of one Dask data frame).")

    def distinct(*values):
        values = [np.asarray(v).ravel() for v in values]
        if len({len(v) for v in values}) != 1:
            raise ValueError(f"{' and '.join(names)} must have the same length in every "
                             "partition (the columns of one Dask data frame).")
        check(*values)
        if keep is not None:
            rows = keep(*values)
            values = [v[rows] for v in values]
        return pd.DataFrame(dict(enumerate(values))).drop_duplicates()
    def merged(*tables):
        return pd.concat(tables, ignore_index=True).drop_duplicates()

    tasks = [dask.delayed(distinct)(*chunk) for chunk in zip(*parts)]
    while len(tasks) > 1:
        tasks = [dask.delayed(merged)(*tasks[k:k + _MERGED])
                 for k in range(0, len(tasks), _MERGED)]
    with one_blas_thread():
        table = dask.compute(tasks[0])[0]
    return [table[k].to_numpy() for k in range(len(columns))]


def _event_log(user_ids, periods, name):
    users = _user_ids(user_ids)
    periods = check_array_finite(periods, name)
    if users.ndim != 1 or periods.ndim != 1 or users.shape != periods.shape:
        raise ValueError(f"user_ids and {name} must be one-dimensional and of the same "
                         f"length, got shapes {users.shape} and {periods.shape}.")
    if users.size == 0:
        raise ValueError(f"user_ids and {name} are empty: the activity log has no rows.")
    if np.any(periods != np.round(periods)) or np.any(np.abs(periods) > 2 ** 53):
        raise ValueError(f"{name} must be whole numbers (day or period indices) up to 2**53 "
                         "in size.")
    return users, periods.astype(np.int64)


@dataclass(frozen=True)
class Stickiness:
    """DAU/MAU over a window, with its interval.

    Attributes
    ----------
    value : float
        Mean DAU over the window divided by the window's MAU.
    low, high : float
        t interval, treating the monthly active users as a sample.
    dau : ndarray
        Daily active users on each day of the window.
    mau : int
        Distinct users active in the window.
    days : ndarray
        The window's days.
    level : float
    """

    value: float
    low: float
    high: float
    dau: np.ndarray
    mau: int
    days: np.ndarray
    level: float


def stickiness(user_ids, days, *, window=None, level=0.95):
    r"""DAU/MAU from an activity log of (user, day) rows.

    Over a window of :math:`D` days with :math:`M` distinct active users, where
    user :math:`u` is active on :math:`d_u` of the days,

    .. math:: \frac{\overline{\mathrm{DAU}}}{\mathrm{MAU}}
       = \frac{\frac1D \sum_t \mathrm{DAU}_t}{M} = \frac1M \sum_u \frac{d_u}{D},

    the mean share of days an active user shows up, so its standard error is
    that of a mean over the :math:`M` users.

    Parameters
    ----------
    user_ids, days : array-likes of the same length
        One row per activity (duplicates within a day count once).
    window : (first_day, last_day), optional
        Inclusive; defaults to the span of the log.
    level : float

    Examples
    --------
    >>> s = stickiness([1, 1, 2, 1, 3, 2], [0, 1, 1, 2, 2, 2])
    >>> s.dau.tolist(), s.mau, round(s.value, 4)
    ([1, 2, 3], 3, 0.6667)
    """
    level = LEVEL(level, "level")
    if window is not None:
        if isinstance(window, (str, bytes)) or not hasattr(window, "__len__") or \
                len(window) != 2:
            raise ValueError(f"window must be a pair (first_day, last_day), got {window!r}.")
        first, last = (_PERIOD(day, f"window[{i}]") for i, day in enumerate(window))
        if last < first:
            raise ValueError(f"window must run forwards, got {window!r}.")
    if is_dask_collection(user_ids) or is_dask_collection(days):
        # Each partition's events in the window, each (user, day) once.
        user_ids, days = _distinct_events(
            [user_ids, days], ["user_ids", "days"],
            lambda users, days: _event_log(users, days, "days"),
            None if window is None else lambda users, days: (days >= first) & (days <= last))
        if not len(days):
            raise ValueError(f"no activity in the window {first}..{last}.")
    users, days = _event_log(user_ids, days, "days")
    if window is None:
        first, last = int(days.min()), int(days.max())
    if last - first + 1 > _MAX_SPAN:
        raise ValueError(f"the window spans {last - first + 1:,} days (from the days given"
                         f"{'' if window is None else ' or window'}); at most "
                         f"{_MAX_SPAN:,} are supported: check the units of days.")
    inside = (days >= first) & (days <= last)
    if not np.any(inside):
        raise ValueError(f"no activity in the window {first}..{last}.")
    n_days = last - first + 1
    # Each (user, day) once, as the integer user * n_days + day (users by sorted code).
    codes = np.unique(users[inside], return_inverse=True)[1].ravel()
    pairs = np.unique(codes * n_days + (days[inside] - first))
    dau = np.bincount(pairs % n_days, minlength=n_days)
    active_days = np.bincount(pairs // n_days)
    shares = active_days / n_days
    mau = shares.size
    value = float(shares.mean())
    if mau > 1:
        half = critical_value(level, mau - 1) * shares.std(ddof=1) / math.sqrt(mau)
    else:
        warn("One active user has no spread to estimate: the interval of the "
             "stickiness (low, high) is undefined (NaN).", UndefinedStatisticWarning)
        half = math.nan
    return Stickiness(value, value - half, value + half, dau, mau,
                      np.arange(first, last + 1), level)


# -- cohorts -------------------------------------------------------------------------

@dataclass(frozen=True)
class CohortRetention:
    """Share of each signup cohort active k periods after signing up.

    Attributes
    ----------
    cohorts : ndarray
        Signup periods, in order.
    sizes : ndarray of int
        Users per cohort.
    active : ndarray of shape (n_cohorts, n_offsets)
        Distinct users of cohort c active at offset k; -1 where not yet observed.
    retention : ndarray
        ``active / sizes``, NaN where not yet observed.
    low, high : ndarray
        Wilson intervals per cell at ``level``.
    level : float
    """

    cohorts: np.ndarray
    sizes: np.ndarray
    active: np.ndarray
    retention: np.ndarray
    low: np.ndarray
    high: np.ndarray
    level: float

    def survivors(self, cohort):
        """Active counts of one cohort at offsets 0, 1, ... as far as observed."""
        matches = [row for row, value in enumerate(self.cohorts.tolist())
                   if isinstance(cohort, (int, float, np.integer, np.floating))
                   and not isinstance(cohort, bool) and value == cohort]
        if not matches:
            raise ValueError(f"cohort must be one of the signup periods "
                             f"{self.cohorts.tolist()}, got {cohort!r}.")
        counts = self.active[matches[0]]
        return counts[counts >= 0]


def cohort_retention(user_ids, signup_periods, active_periods, *, level=0.95):
    """The cohort retention table from (user, signup period, active period) rows.

    A user belongs to the cohort of their signup period (which must be the
    same on all of their rows) and counts as retained at offset
    ``k = active - signup`` if they have any row there.  Cells later than the
    last period in the data are not yet observed (``active = -1``,
    ``retention = NaN``), which gives the usual triangle.

    Examples
    --------
    >>> table = cohort_retention([1, 1, 2, 2, 3, 3], [0, 0, 0, 0, 1, 1], [0, 1, 0, 2, 1, 2])
    >>> table.sizes.tolist(), table.active.tolist()
    ([2, 1], [[2, 1, 1], [1, 1, -1]])
    """
    level = LEVEL(level, "level")
    if any(map(is_dask_collection, (user_ids, signup_periods, active_periods))):
        def check(users, signup, active):
            _event_log(users, signup, "signup_periods")
            _event_log(users, active, "active_periods")
        user_ids, signup_periods, active_periods = _distinct_events(
            [user_ids, signup_periods, active_periods],
            ["user_ids", "signup_periods", "active_periods"], check)
    users, signup = _event_log(user_ids, signup_periods, "signup_periods")
    _, active = _event_log(user_ids, active_periods, "active_periods")
    names, codes = np.unique(users, return_inverse=True)
    codes = codes.ravel()
    order = np.argsort(codes, kind="stable")
    same_user = codes[order][1:] == codes[order][:-1]
    changed = np.flatnonzero(same_user & (signup[order][1:] != signup[order][:-1]))
    if len(changed):
        bad = names[codes[order][changed[0] + 1]]
        raise ValueError(f"signup_periods gives user {plain(bad)!r} more than one signup "
                         "period.")
    offsets = active - signup
    if np.any(offsets < 0):
        i = int(np.flatnonzero(offsets < 0)[0])
        raise ValueError(f"active_periods has user {plain(users[i])!r} active in period "
                         f"{active[i]}, before their signup period {signup[i]} "
                         "(signup_periods).")
    cohorts, cohort_index = np.unique(signup, return_inverse=True)
    user_cohort = np.empty(len(names), dtype=np.int64)
    user_cohort[codes] = cohort_index.ravel()               # one cohort per user (checked)
    sizes = np.bincount(user_cohort, minlength=cohorts.size)
    last = int(active.max())
    width = last - int(cohorts.min()) + 1
    if width * cohorts.size > _MAX_SPAN:
        raise ValueError(f"the table would have {cohorts.size:,} cohorts x {width:,} periods; "
                         f"at most {_MAX_SPAN:,} cells are supported: check the units of "
                         "signup_periods and active_periods.")
    # Each (user, offset) once, as the integer user * width + offset; a user's cohort is
    # theirs alone, so the cell (cohort, offset) counts distinct users.
    cells = np.unique(codes * width + offsets)
    counts = np.bincount(user_cohort[cells // width] * width + cells % width,
                         minlength=cohorts.size * width).reshape(cohorts.size, width)
    observed = cohorts[:, None] + np.arange(width)[None, :] <= last
    counts[~observed] = -1
    with np.errstate(invalid="ignore", divide="ignore"):
        retention = np.where(observed, counts / sizes[:, None], np.nan)
    low, high = proportion_interval(np.where(observed, counts, 0).astype(float),
                                     np.broadcast_to(sizes[:, None], counts.shape).astype(float),
                                     level, "wilson")
    low, high = np.where(observed, low, np.nan), np.where(observed, high, np.nan)
    return CohortRetention(cohorts, sizes, counts, retention, low, high, level)


# -- retention models -------------------------------------------------------------------

@dataclass(frozen=True)
class RetentionModel:
    r"""A fitted geometric or shifted-beta-geometric retention model.

    Attributes
    ----------
    model : {"geometric", "sbg"}
    params : dict
        ``{"theta": ...}`` or ``{"alpha": ..., "beta": ...}``.
    bse : dict
        Standard errors from the observed information (delta method for
        :math:`\alpha, \beta`, which are fitted on the log scale).
    conf_int : dict
        Wald intervals (on the log scale for the sBG, mapped back), at ``level``.
    loglik, aic : float
    survivors : ndarray
        The counts it was fitted to.
    level : float
    """

    model: str
    params: dict
    bse: dict
    conf_int: dict
    loglik: float
    aic: float
    survivors: np.ndarray
    level: float

    def survival(self, t):
        r""":math:`S(t)`, the share of the cohort still active after ``t`` periods."""
        t = _periods(t, "t", 0)
        if self.model == "geometric":
            return (1 - self.params["theta"]) ** t
        from scipy.special import betaln

        a, b = self.params["alpha"], self.params["beta"]
        return np.exp(betaln(a, b + t) - betaln(a, b))

    def retention_rate(self, t):
        r"""Share of those active after ``t - 1`` periods still active after ``t``.

        Constant :math:`1 - \theta` for the geometric model, rising
        :math:`(\beta + t - 1)/(\alpha + \beta + t - 1)` for the sBG.
        """
        t = _periods(t, "t", 1)
        if self.model == "geometric":
            return np.full_like(t, 1 - self.params["theta"])
        a, b = self.params["alpha"], self.params["beta"]
        return (b + t - 1) / (a + b + t - 1)

    def predict_survivors(self, horizon):
        """Expected survivors of the cohort at periods 0..horizon."""
        horizon = Integer(0, _MAX_SPAN)(horizon, "horizon")
        return self.survivors[0] * self.survival(np.arange(horizon + 1))


def _periods(t, name, minimum):
    """Numbers of periods >= ``minimum`` (any shape; not necessarily whole)."""
    t = check_array_finite(t, name)
    if np.any(t < minimum):
        raise ValueError(f"{name} must be >= {minimum} (a number of periods), got "
                         f"{t[t < minimum].flat[0]!r}.")
    return t


def _geometric_fit(survivors):
    r"""The geometric MLE :math:`\hat\theta`, the periods at risk, and the maximised log-likelihood."""
    at_risk = float(survivors[:-1].sum())
    theta = float((survivors[0] - survivors[-1]) / at_risk)
    churned, stayed = float(survivors[0] - survivors[-1]), float(survivors[1:].sum())
    loglik = (churned * math.log(theta) if churned else 0.0) + (
        stayed * math.log1p(-theta) if stayed else 0.0)
    return theta, at_risk, loglik


def _sbg_terms(survivors):
    r"""The sBG log-likelihood as a weighted sum of :math:`\log\Gamma(u a + v b + c)`.

    With :math:`\log B(x, y) = \log\Gamma(x) + \log\Gamma(y) - \log\Gamma(x + y)`,
    :math:`\log P(T = t) = \log B(a + 1, b + t - 1) - \log B(a, b)` and
    :math:`\log S(T) = \log B(a, b + T) - \log B(a, b)` are each six such
    terms; rows ``(weight, u, v, c)``.
    """
    t = np.arange(1, survivors.size, dtype=float)
    churned = (survivors[:-1] - survivors[1:]).astype(float)
    last, alive = t[-1], float(survivors[-1])
    rows = []
    for weight, (a1, b1) in ((churned, (1.0, t - 1)), (np.array([alive]), (0.0, last))):
        shape = np.ones_like(weight)
        for sign, u, v, c in ((1, 1, 0, a1), (1, 0, 1, b1), (-1, 1, 1, a1 + b1),
                              (-1, 1, 0, 0.0), (-1, 0, 1, 0.0), (1, 1, 1, 0.0)):
            rows.append(np.column_stack([sign * weight, u * shape, v * shape,
                                         np.broadcast_to(c, weight.shape)]))
    return np.vstack(rows)


def _sbg_pass(log_params, terms, hessian=True):
    r"""Log-likelihood, gradient and information in :math:`(\log a, \log b)`, exactly.

    Each term :math:`w \log\Gamma(L)`, :math:`L = ua + vb + c`, contributes
    :math:`w\psi(L)(u, v)` to the gradient in :math:`(a, b)` and
    :math:`w\psi'(L)(u, v)(u, v)^\top` to the Hessian; the chain rule to the
    log scale multiplies by :math:`\theta = (a, b)`.
    """
    from scipy.special import gammaln, polygamma, psi

    theta = np.exp(log_params)
    weight, direction = terms[:, 0], terms[:, 1:3]
    argument = direction @ theta + terms[:, 3]
    value = float(weight @ gammaln(argument))
    gradient = direction.T @ (weight * psi(argument))
    free_gradient = gradient * theta
    information = None
    if hessian:
        H = (direction * (weight * polygamma(1, argument))[:, None]).T @ direction
        information = -(H * np.outer(theta, theta) + np.diag(free_gradient))
    return Evaluation(value, free_gradient, information)


def _value_and_gradient(evaluation):
    return evaluation.value, evaluation.gradient


def _sbg_loglik(log_params, survivors):
    return _sbg_pass(np.asarray(log_params, dtype=float), _sbg_terms(survivors), False).value


def fit_retention(survivors, model="sbg", *, level=0.95):
    r"""Fit a retention model by maximum likelihood to one cohort's survivor counts.

    ``survivors[t]`` is the number still active at the start of period ``t``
    (``survivors[0]`` is the cohort size); the counts must not increase.
    With :math:`n_{t-1} - n_t` customers churning in period :math:`t` and
    :math:`n_T` still active at the end, the log-likelihood is
    :math:`\sum_t (n_{t-1} - n_t)\log P(T = t) + n_T \log S(T)`, where

    - geometric: :math:`P(T = t) = \theta(1-\theta)^{t-1}`, whose MLE is
      :math:`\hat\theta = (n_0 - n_T)/\sum_{t<T} n_t` (churns over
      customer-periods at risk) with variance
      :math:`\hat\theta(1-\hat\theta)/\sum_{t<T} n_t`;
    - shifted-beta-geometric (Fader & Hardie 2007):
      :math:`P(T = t) = B(\alpha+1, \beta+t-1)/B(\alpha, \beta)` and
      :math:`S(t) = B(\alpha, \beta+t)/B(\alpha, \beta)`, maximised over
      :math:`(\log\alpha, \log\beta)` by L-BFGS.

    Examples
    --------
    >>> high_end = [1000, 869, 743, 653, 593, 551, 517, 491]   # Fader & Hardie (2007)
    >>> fit = fit_retention(high_end, "sbg")
    >>> round(fit.params["alpha"], 3), round(fit.params["beta"], 3)
    (0.668, 3.806)
    """
    from scipy import optimize

    level = LEVEL(level, "level")
    model = Options("geometric", "sbg")(model, "model")
    counts = check_array_finite(survivors, "survivors")
    if counts.ndim != 1 or counts.size < 2 or counts.size > _MAX_SPAN:
        raise ValueError("survivors needs the cohort size and at least one later count (a "
                         "1-D array).")
    if np.any(counts < 0) or np.any(counts != np.round(counts)) or np.any(counts > 2 ** 53):
        raise ValueError("survivors must be whole, non-negative counts (up to 2**53).")
    if counts[0] == 0:
        raise ValueError("the cohort is empty (survivors[0] = 0).")
    if np.any(np.diff(counts) > 0):
        raise ValueError("survivors cannot increase: a customer who churned does not come back "
                         "in these models.")
    z = critical_value(level)
    if model == "geometric":
        theta, at_risk, loglik = _geometric_fit(counts)
        se = math.sqrt(theta * (1 - theta) / at_risk)
        return RetentionModel("geometric", {"theta": theta}, {"theta": se},
                              {"theta": (max(theta - z * se, 0.0), min(theta + z * se, 1.0))},
                              loglik, information_criteria(loglik, 1, counts[0])[0], counts, level)
    if counts[-1] == counts[0]:
        raise ValueError("survivors never fall (no customer churned): the sBG parameters are "
                         "not identified.")
    if counts[1] == 0:
        raise ValueError("every customer churned in the first period (survivors[1] = 0): the "
                         "sBG likelihood rises towards 1 as alpha / (alpha + beta) -> 1 (alpha "
                         "-> infinity or beta -> 0), so the maximum-likelihood estimate does "
                         "not exist. The geometric model's estimate, theta = 1, is the limit.")
    terms = _sbg_terms(counts)
    with np.errstate(all="ignore"):
        # L-BFGS (with the exact gradient) from anywhere, then Newton's method with the
        # exact information to the optimum in double precision.
        found = optimize.minimize(
            lambda x: tuple(-v for v in _value_and_gradient(_sbg_pass(x, terms, False))),
            np.zeros(2), jac=True, method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-10})
        newton = maximise(lambda x, hessian: _sbg_pass(x, terms, hessian), found.x,
                          tol=1e-12, n=float(counts[0]), max_iter=50)
        log_params, information = newton.theta, newton.evaluation.information
    try:
        np.linalg.cholesky(information)
        covariance = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        covariance = None
    a, b = np.exp(log_params)
    # The geometric model is the sBG's limit alpha, beta -> infinity at fixed
    # alpha / (alpha + beta): where the sBG does no better than it, its supremum is
    # that limit, and no finite maximiser exists.
    geometric = _geometric_fit(counts)[2]
    no_better = _sbg_loglik(log_params, counts) <= geometric + 1e-9 * max(1.0, abs(geometric))
    if no_better or covariance is None or not newton.converged or not (
            np.all(np.isfinite(covariance)) and np.isfinite(a) and np.isfinite(b)
            and abs(log_params).max() < 30):
        raise ValueError("survivors are fitted best at the edge of the sBG model (alpha or beta "
                         "runs off to 0 or infinity: the churn rate hardly varies between "
                         "customers), so the maximum-likelihood estimate does not exist and "
                         "its parameters are not identified; fit model='geometric'.")
    se_log = np.sqrt(np.diag(covariance))
    loglik = _sbg_loglik(log_params, counts)
    return RetentionModel(
        "sbg", {"alpha": float(a), "beta": float(b)},
        {"alpha": float(a * se_log[0]), "beta": float(b * se_log[1])},
        {"alpha": tuple(map(float, np.exp(log_params[0] + np.array([-z, z]) * se_log[0]))),
         "beta": tuple(map(float, np.exp(log_params[1] + np.array([-z, z]) * se_log[1])))},
        loglik, information_criteria(loglik, 2, counts[0])[0], counts, level)


# -- multi-touch attribution ------------------------------------------------------------

#: The attribution models, by name.
ATTRIBUTION_MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position",
                      "shapley")


@dataclass(frozen=True)
class Attribution:
    """Conversions credited to each channel by one attribution model.

    Attributes
    ----------
    model : str
    channels : ndarray
        The channels, sorted.
    credit : ndarray
        The conversions (or conversion value) credited to each channel; they
        sum to ``total``.
    total : float
        The conversions (or their value) attributed.
    """

    model: str
    channels: np.ndarray
    credit: np.ndarray
    total: float

    @property
    def share(self):
        """Each channel's share of the credit."""
        return self.credit / self.total

    def as_dict(self):
        """``{channel: credit}``."""
        return {plain(c): float(v) for c, v in zip(self.channels, self.credit)}


def attribution(journey_ids, channels, converted, *, values=None, times=None,
                model="linear", half_life=7.0, position_shares=(0.4, 0.4)):
    r"""Credit each conversion to the marketing channels of the journey that led to it.

    A converting journey :math:`j` of value :math:`v_j` touched the channels
    :math:`c_{j1}, \dots, c_{jm}` in order; a model gives touch :math:`k` the
    weight :math:`w_{jk}`, with :math:`\sum_k w_{jk} = 1`, and channel
    :math:`c` the credit :math:`\sum_j v_j \sum_{k: c_{jk} = c} w_{jk}`, so
    the credits sum to the conversions.

    - ``"first_touch"`` / ``"last_touch"``: all to the first / last touch.
    - ``"linear"``: :math:`1/m` to each touch.
    - ``"time_decay"``: :math:`\propto 2^{-(t_{jm} - t_{jk})/h}`, halving
      every ``half_life`` :math:`h` before the journey's last touch.
    - ``"position"`` (U-shaped): ``position_shares`` (40% and 40%) to the
      first and last touches, the rest spread over the touches between; a
      journey of two touches gives each half, one touch gets all.
    - ``"shapley"``: the Shapley value of the game in which a set :math:`S`
      of channels is worth the conversions of the journeys whose channels
      all lie in :math:`S`.  That game is a sum of unanimity games, and the
      Shapley value of each is an equal split, so each conversion is shared
      equally among the *distinct* channels of its journey (the derivation
      ``multi-touch-attribution``), with no enumeration of coalitions.

    Parameters
    ----------
    journey_ids, channels : array-likes of the same length
        One row per touchpoint: the journey (user) it belongs to and its
        channel.  Within a journey the rows are in time order, unless
        ``times`` is given.
    converted : array-like
        The ids of the journeys that converted (each once); journeys not
        listed did not convert, and get no credit.
    values : array-like, optional
        The value of each conversion in ``converted`` (default 1 each).
    times : array-like, optional
        Each touchpoint's time (any unit); the touches of a journey are put
        in time order.  Needed by ``"time_decay"``.
    model : str
        One of :data:`ATTRIBUTION_MODELS`.
    half_life : float
        For ``"time_decay"``, in the units of ``times``.
    position_shares : (float, float)
        For ``"position"``: the first and last touches' shares.

    Returns
    -------
    Attribution

    Examples
    --------
    >>> ids = ["a", "a", "a", "b", "b"]
    >>> touches = ["social", "email", "search", "search", "search"]
    >>> attribution(ids, touches, ["a", "b"], model="linear").as_dict()
    {'email': 0.3333333333333333, 'search': 1.3333333333333333, 'social': 0.3333333333333333}
    >>> attribution(ids, touches, ["a", "b"], model="shapley").as_dict()
    {'email': 0.3333333333333333, 'search': 1.3333333333333333, 'social': 0.3333333333333333}
    >>> attribution(ids, touches, ["a"], model="first_touch").as_dict()
    {'email': 0.0, 'search': 0.0, 'social': 1.0}
    """
    model = Options(*ATTRIBUTION_MODELS)(model, "model")
    users = _user_ids(journey_ids, "journey_ids")
    labels = as_labels(channels, "channels")
    if users.ndim != 1 or labels.ndim != 1 or users.shape != labels.shape or not users.size:
        raise ValueError(f"journey_ids and channels must be one-dimensional, of the same "
                         f"non-zero length, got shapes {users.shape} and {labels.shape}.")
    check_sortable(labels, "channels", "channel labels")
    if labels.dtype.kind in "fc" and not np.all(np.isfinite(labels)):
        raise ValueError("channels must be labels, not NaN or infinite numbers.")
    if model == "time_decay" and times is None:
        raise ValueError("model='time_decay' needs the touchpoints' times.")
    if times is not None:
        times = check_array_finite(times, "times")
        if times.shape != users.shape:
            raise ValueError(f"times must give one time per touchpoint ({users.size}), got "
                             f"shape {times.shape}.")
    journey_list, journey = np.unique(users, return_inverse=True)
    channel_list, channel = np.unique(labels, return_inverse=True)
    # Each journey's touches in order: by journey, then by time (stable: rows as given).
    order = (np.lexsort((times, journey)) if times is not None
             else np.argsort(journey, kind="stable"))
    journey, channel = journey[order], channel[order]
    per_journey = _conversion_values(converted, values, journey_list)
    value = per_journey[journey]
    counts = np.bincount(journey, minlength=len(journey_list))
    start = np.r_[0, np.cumsum(counts)[:-1]]
    position, length = np.arange(len(journey)) - start[journey], counts[journey]
    if model == "first_touch":
        weight = (position == 0).astype(float)
    elif model == "last_touch":
        weight = (position == length - 1).astype(float)
    elif model == "linear":
        weight = 1.0 / length
    elif model == "time_decay":
        half_life = POSITIVE(half_life, "half_life")
        t = times[order]
        last = t[start[journey] + length - 1]
        if np.any(t > last):
            raise ValueError("times: a journey's touches must come no later than its last.")
        # A gap of many half-lives overflows to an infinite exponent: a weight of 0 (the
        # last touch, at gap 0, keeps its weight 1, so every journey's sum stays >= 1).
        with np.errstate(over="ignore"):
            weight = np.exp2(-(last - t) / half_life)
        weight = weight / np.bincount(journey, weight)[journey]
    elif model == "position":
        first_share, last_share = _position_shares(position_shares)
        ends = (position == 0) * first_share + (position == length - 1) * last_share
        middle = (1.0 - first_share - last_share) / np.maximum(length - 2, 1)
        weight = np.where(length == 1, 1.0, np.where(
            length == 2, 0.5, np.where((position == 0) | (position == length - 1), ends,
                                        middle)))
    else:                            # Shapley: an equal split among the distinct channels
        pairs = journey * len(channel_list) + channel
        first = np.zeros(len(pairs), bool)
        first[np.unique(pairs, return_index=True)[1]] = True
        distinct = np.bincount(journey[first], minlength=len(journey_list))
        weight = first / distinct[journey]
    credit = np.bincount(channel, value * weight, minlength=len(channel_list))
    return Attribution(model, channel_list, credit, float(per_journey.sum()))


def _conversion_values(converted, values, journeys):
    """The value of each journey's conversion (0 if it did not convert), in ``journeys``' order."""
    ids = _user_ids(converted, "converted")
    if ids.ndim != 1 or ids.size == 0:
        raise ValueError("converted must list the ids of the journeys that converted (at "
                         f"least one), got shape {ids.shape}.")
    if values is None:
        amounts = np.ones(ids.size)
    else:
        amounts = check_array_finite(values, "values")
        if amounts.shape != ids.shape or np.any(amounts < 0):
            raise ValueError(f"values must give one conversion value >= 0 per id in "
                             f"converted ({ids.size}), got {amounts.shape} values.")
    unique, counts = np.unique(ids, return_counts=True)
    if np.any(counts > 1):
        raise ValueError(f"converted lists the journey {plain(unique[counts > 1][0])!r} more "
                         "than once; list each converting journey once (sum its values).")
    known = np.isin(ids, journeys)
    if not np.all(known):
        raise ValueError(f"converted names the journey {plain(ids[~known][0])!r}, which has "
                         "no touchpoints in journey_ids: it cannot be attributed.")
    out = np.zeros(len(journeys))
    out[np.searchsorted(journeys, ids)] = amounts
    return out


def _position_shares(shares):
    """(first, last) shares of the position-based model: two numbers >= 0 summing to <= 1."""
    if isinstance(shares, (str, bytes)) or not hasattr(shares, "__len__") or len(shares) != 2:
        raise ValueError(f"position_shares must be a pair (first, last), got {shares!r}.")
    first, last = (Real(0, 1)(share, f"position_shares[{i}]") for i, share in
                   enumerate(shares))
    if first + last > 1:
        raise ValueError(f"position_shares must sum to at most 1, got {first} + {last}.")
    return first, last
