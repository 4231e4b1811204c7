r"""Growth metrics with their uncertainty: conversion, stickiness, cohort retention.

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
"""

import math
from dataclasses import dataclass

import numpy as np

from ._validation import check_probability, check_vector
from .inference import critical_value, proportion_interval

__all__ = [
    "CohortRetention",
    "RateEstimate",
    "RetentionModel",
    "Stickiness",
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


def _counts(successes, trials):
    successes, trials = np.asarray(successes), np.asarray(trials)
    for name, values in (("successes", successes), ("trials", trials)):
        if not np.issubdtype(values.dtype, np.number) or np.any(~np.isfinite(values)):
            raise ValueError(f"{name} must be finite counts.")
        if np.any(values < 0) or np.any(values != np.round(values)):
            raise ValueError(f"{name} must be whole numbers >= 0, got {values!r}.")
    if np.any(trials == 0):
        raise ValueError("every rate needs trials > 0.")
    excess = np.atleast_1d(successes > trials)
    if np.any(excess):
        raise ValueError(f"successes cannot exceed trials (first at position "
                         f"{int(np.flatnonzero(excess.ravel())[0])}).")
    return successes.astype(float), trials.astype(float)


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
    level = check_probability(level, "level")
    if trials is None:
        outcomes = check_vector(successes, "outcomes")
        if not np.all((outcomes == 0) | (outcomes == 1)):
            raise ValueError("outcomes must be 0 or 1 (pass trials to give counts).")
        successes, trials = outcomes.sum(), outcomes.size
    k, n = _counts(successes, trials)
    low, high = proportion_interval(k, n, level, method)
    scalar = k.ndim == 0 and n.ndim == 0
    as_out = (lambda a: float(a)) if scalar else np.asarray
    as_count = (lambda a: int(a)) if scalar else (lambda a: a.astype(np.int64))
    return RateEstimate(as_out(k / n), as_out(low), as_out(high), as_count(k), as_count(n),
                        level, method)


# -- engagement --------------------------------------------------------------------

def _event_log(user_ids, periods, name):
    users = np.asarray(user_ids)
    periods = np.asarray(periods)
    if users.ndim != 1 or periods.ndim != 1 or users.shape != periods.shape:
        raise ValueError(f"user_ids and {name} must be one-dimensional and of the same "
                         f"length, got shapes {users.shape} and {periods.shape}.")
    if users.size == 0:
        raise ValueError("the activity log is empty.")
    if not np.issubdtype(periods.dtype, np.integer):
        as_float = periods.astype(float)
        if np.any(~np.isfinite(as_float)) or np.any(as_float != np.round(as_float)):
            raise ValueError(f"{name} must be whole numbers (day or period indices).")
        periods = as_float.astype(np.int64)
    return users, periods


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
    level = check_probability(level, "level")
    users, days = _event_log(user_ids, days, "days")
    first, last = (int(days.min()), int(days.max())) if window is None else map(int, window)
    if last < first:
        raise ValueError(f"window must run forwards, got {window!r}.")
    inside = (days >= first) & (days <= last)
    if not np.any(inside):
        raise ValueError(f"no activity in the window {first}..{last}.")
    pairs = np.unique(np.rec.fromarrays([users[inside], days[inside]]))
    n_days = last - first + 1
    dau = np.bincount(pairs.f1 - first, minlength=n_days)
    _, active_days = np.unique(pairs.f0, return_counts=True)
    shares = active_days / n_days
    mau = shares.size
    value = float(shares.mean())
    if mau > 1:
        half = critical_value(level, mau - 1) * shares.std(ddof=1) / math.sqrt(mau)
    else:
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
        row = int(np.flatnonzero(self.cohorts == cohort)[0]) if np.any(
            self.cohorts == cohort) else None
        if row is None:
            raise KeyError(f"no cohort {cohort!r}; the cohorts are {self.cohorts.tolist()}.")
        counts = self.active[row]
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
    level = check_probability(level, "level")
    users, signup = _event_log(user_ids, signup_periods, "signup_periods")
    _, active = _event_log(user_ids, active_periods, "active_periods")
    order = np.argsort(users, kind="stable")
    boundaries = np.flatnonzero(users[order][1:] != users[order][:-1]) + 1
    user_signup = np.split(signup[order], boundaries)
    if any(np.any(s != s[0]) for s in user_signup):
        bad = next(users[order][start] for start, s in zip(
            np.r_[0, boundaries], user_signup) if np.any(s != s[0]))
        raise ValueError(f"user {bad!r} has more than one signup period.")
    offsets = active - signup
    if np.any(offsets < 0):
        i = int(np.flatnonzero(offsets < 0)[0])
        raise ValueError(f"user {users[i]!r} is active in period {active[i]} before signing "
                         f"up in period {signup[i]}.")
    cohorts, cohort_index = np.unique(signup, return_inverse=True)
    unique_users = np.unique(np.rec.fromarrays([users, signup]))
    sizes = np.bincount(np.searchsorted(cohorts, unique_users.f1), minlength=cohorts.size)
    last = int(active.max())
    width = last - int(cohorts.min()) + 1
    cells = np.unique(np.rec.fromarrays([users, cohort_index, offsets]))
    counts = np.zeros((cohorts.size, width), dtype=np.int64)
    np.add.at(counts, (cells.f1, cells.f2), 1)
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
        t = np.asarray(t, dtype=float)
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
        t = np.asarray(t, dtype=float)
        if self.model == "geometric":
            return np.full_like(t, 1 - self.params["theta"])
        a, b = self.params["alpha"], self.params["beta"]
        return (b + t - 1) / (a + b + t - 1)

    def predict_survivors(self, horizon):
        """Expected survivors of the cohort at periods 0..horizon."""
        return self.survivors[0] * self.survival(np.arange(int(horizon) + 1))


def _sbg_loglik(log_params, survivors):
    from scipy.special import betaln

    a, b = np.exp(log_params)
    t = np.arange(1, survivors.size)
    churned = survivors[:-1] - survivors[1:]
    log_p = betaln(a + 1, b + t - 1) - betaln(a, b)            # P(T = t)
    log_s = betaln(a, b + t[-1]) - betaln(a, b)                # S(last)
    return float(np.sum(churned * log_p) + survivors[-1] * log_s)


def _numeric_hessian(function, x, step=1e-4):
    k = x.size
    hessian = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            e_i, e_j = np.eye(k)[i] * step, np.eye(k)[j] * step
            value = (function(x + e_i + e_j) - function(x + e_i - e_j)
                     - function(x - e_i + e_j) + function(x - e_i - e_j)) / (4 * step * step)
            hessian[i, j] = hessian[j, i] = value
    return hessian


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

    level = check_probability(level, "level")
    counts = np.asarray(survivors, dtype=float)
    if counts.ndim != 1 or counts.size < 2:
        raise ValueError("survivors needs the cohort size and at least one later count.")
    if np.any(~np.isfinite(counts)) or np.any(counts < 0) or np.any(counts != np.round(counts)):
        raise ValueError("survivors must be whole, non-negative counts.")
    if counts[0] == 0:
        raise ValueError("the cohort is empty (survivors[0] = 0).")
    if np.any(np.diff(counts) > 0):
        raise ValueError("survivor counts cannot increase: a customer who churned does not "
                         "come back in these models.")
    z = critical_value(level)
    if model == "geometric":
        at_risk = float(counts[:-1].sum())
        theta = float((counts[0] - counts[-1]) / at_risk)
        se = math.sqrt(theta * (1 - theta) / at_risk)
        churned, stayed = float(counts[0] - counts[-1]), float(counts[1:].sum())
        loglik = (churned * math.log(theta) if churned else 0.0) + (
            stayed * math.log1p(-theta) if stayed else 0.0)
        return RetentionModel("geometric", {"theta": theta}, {"theta": se},
                              {"theta": (max(theta - z * se, 0.0), min(theta + z * se, 1.0))},
                              loglik, 2 - 2 * loglik, counts, level)
    if model != "sbg":
        raise ValueError(f"model must be 'geometric' or 'sbg', got {model!r}.")
    if counts[-1] == counts[0]:
        raise ValueError("no customer churned: the sBG parameters are not identified.")
    found = optimize.minimize(lambda x: -_sbg_loglik(x, counts), np.zeros(2),
                              method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-10})
    log_params = found.x
    covariance = np.linalg.inv(-_numeric_hessian(lambda x: _sbg_loglik(x, counts), log_params))
    se_log = np.sqrt(np.diag(covariance))
    a, b = np.exp(log_params)
    loglik = _sbg_loglik(log_params, counts)
    return RetentionModel(
        "sbg", {"alpha": float(a), "beta": float(b)},
        {"alpha": float(a * se_log[0]), "beta": float(b * se_log[1])},
        {"alpha": tuple(map(float, np.exp(log_params[0] + np.array([-z, z]) * se_log[0]))),
         "beta": tuple(map(float, np.exp(log_params[1] + np.array([-z, z]) * se_log[1])))},
        loglik, 4 - 2 * loglik, counts, level)
