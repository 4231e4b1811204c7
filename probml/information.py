r"""Entropy, cross-entropy and the Kullback-Leibler divergence of discrete distributions.

For distributions :math:`p` and :math:`q` over the same :math:`K` outcomes,

.. math:: H(p) = -\sum_k p_k \log p_k, \qquad
          H(p, q) = -\sum_k p_k \log q_k, \qquad
          D(p \,\|\, q) = \sum_k p_k \log\frac{p_k}{q_k},

and :math:`H(p, q) = H(p) + D(p\,\|\,q)`.  Since :math:`D \ge 0` with equality
only at :math:`q = p`, the model :math:`q` with the least cross-entropy
against the data's empirical distribution is the one with the greatest
likelihood: minimising cross-entropy *is* maximum likelihood (the derivation
``entropy-cross-entropy-kl``).

A term with :math:`p_k = 0` counts 0 (:math:`0 \log 0 = 0`, the limit); a
:math:`q_k = 0` where :math:`p_k > 0` makes the cross-entropy and the
divergence :math:`+\infty`, the exact answer.  Values are in nats (natural
logarithms); ``base=2`` gives bits.  The terms are SciPy's ``entr``,
``xlogy`` and ``rel_entr``; unlike ``scipy.stats.entropy``, the inputs must
already be distributions (counts are refused rather than silently
normalised).
"""

import math
import numbers

import numpy as np

from ._validation import Real, check_array_finite

# The base of a logarithm: any finite number > 0 but 1.
BASE = Real(0, None, closed="neither", meaning=" other than 1 (2 for bits)")

__all__ = ["cross_entropy", "entropy", "kl_divergence"]

# How far the entries of a distribution may sum from 1 (rounding of typed-in values).
SUM_TOLERANCE = 1e-8


def entropy(p, *, axis=-1, base=None):
    r"""The entropy :math:`H(p) = -\sum_k p_k \log p_k` of a discrete distribution.

    Parameters
    ----------
    p : array_like
        Probabilities, >= 0 and summing to 1 along ``axis``.
    axis : int
        The outcome axis.
    base : float, optional
        The logarithm's base (2 for bits); natural logarithms (nats) by default.

    Returns
    -------
    float or ndarray
        One entropy per distribution (the shape of ``p`` without ``axis``).

    Examples
    --------
    >>> float(entropy([0.5, 0.5], base=2))
    1.0
    >>> float(entropy([1.0, 0.0]))
    0.0
    """
    from scipy.special import entr

    p = _distribution(p, "p", axis)
    return _total(entr(p), axis, base)


def cross_entropy(p, q, *, axis=-1, base=None):
    r"""The cross-entropy :math:`H(p, q) = -\sum_k p_k \log q_k = H(p) + D(p\,\|\,q)`.

    The average negative log-likelihood of a model :math:`q` on data whose
    outcomes have the empirical distribution :math:`p`.

    Parameters
    ----------
    p, q : array_like
        Distributions along ``axis`` (broadcast against each other).
    axis : int
    base : float, optional

    Returns
    -------
    float or ndarray
        :math:`+\infty` where :math:`q_k = 0 < p_k`.

    Examples
    --------
    >>> float(cross_entropy([0.5, 0.5], [0.5, 0.5], base=2))
    1.0
    >>> float(cross_entropy([1.0, 0.0], [0.0, 1.0]))
    inf
    """
    from scipy.special import xlogy

    p, q = _pair(p, q, axis)
    with np.errstate(divide="ignore"):
        return _total(-xlogy(p, q), axis, base)


def kl_divergence(p, q, *, axis=-1, base=None):
    r"""The Kullback-Leibler divergence :math:`D(p\,\|\,q) = \sum_k p_k \log(p_k/q_k) \ge 0`.

    Zero exactly when :math:`q = p`; not symmetric in :math:`p` and :math:`q`.

    Parameters
    ----------
    p, q : array_like
        Distributions along ``axis`` (broadcast against each other).
    axis : int
    base : float, optional

    Returns
    -------
    float or ndarray
        :math:`+\infty` where :math:`q_k = 0 < p_k`.

    Examples
    --------
    >>> round(float(kl_divergence([0.5, 0.5], [0.9, 0.1])), 6)
    0.510826
    >>> float(kl_divergence([0.2, 0.8], [0.2, 0.8]))
    0.0
    """
    from scipy.special import rel_entr

    p, q = _pair(p, q, axis)
    return _total(rel_entr(p, q), axis, base)


def _distribution(values, name, axis):
    """``values`` as float64 probabilities along ``axis``, or a ValueError naming ``name``."""
    values = check_array_finite(values, name)
    if values.ndim == 0:
        raise ValueError(f"{name} must hold the probabilities of the outcomes (an array), "
                         f"got the single number {float(values)!r}.")
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, numbers.Integral) or not (
            -values.ndim <= axis < values.ndim):
        raise ValueError(f"axis must be a whole number from {-values.ndim} to "
                         f"{values.ndim - 1} for {name} of shape {values.shape}, got {axis!r}.")
    if values.shape[axis] == 0:
        raise ValueError(f"{name} has no outcomes along axis {axis} (shape {values.shape}).")
    negative = np.argwhere(values < 0)
    if len(negative):
        where = tuple(int(i) for i in negative[0])
        raise ValueError(f"{name} must hold probabilities >= 0; {name}{list(where)} = "
                         f"{values[where]:g}.")
    totals = values.sum(axis=axis)
    wrong = np.argwhere(np.abs(totals - 1.0) > SUM_TOLERANCE)
    if len(wrong):
        where = tuple(int(i) for i in wrong[0])
        raise ValueError(f"{name} must sum to 1 along axis {axis} (a distribution); it sums "
                         f"to {np.asarray(totals)[where]:.10g}"
                         + (f" at {list(where)}" if where else "")
                         + ". Divide counts by their total to make a distribution.")
    return values


def _pair(p, q, axis):
    p, q = _distribution(p, "p", axis), _distribution(q, "q", axis)
    try:
        p, q = np.broadcast_arrays(p, q)
    except ValueError:
        raise ValueError(f"p and q must describe the same outcomes: shapes {p.shape} and "
                         f"{q.shape} do not broadcast.") from None
    return p, q


def _total(terms, axis, base):
    total = terms.sum(axis=axis)
    if base is not None:
        number = BASE(base, "base")           # a finite number > 0, huge integers included
        if number == 1:
            BASE.fail(base, "base", BASE.meaning)
        total = total / math.log(number)
    return total[()] if np.ndim(total) == 0 else total
