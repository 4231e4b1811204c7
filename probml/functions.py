r"""The link functions of probabilistic models: stable, vectorised, warning-free.

The logistic function turns a log-odds into a probability, the logit turns it
back, and softmax does the same for K classes.  Written naively each of them
overflows: ``1 / (1 + exp(-x))`` at ``x = -1000`` computes ``exp(1000)``, and
``exp(z) / sum(exp(z))`` is ``inf / inf`` for logits near 1e4.  Every function
here computes only exponentials of non-positive numbers, so none of them
overflows or warns, for any finite input.

Inputs may be infinite where the function has a limit there
(``sigmoid(-inf) = 0``, ``log_sigmoid(-inf) = -inf``, a logit of ``-inf``
is a class of probability 0); NaN is always an error naming its position.

Only NumPy is used, so importing this module is cheap.
"""

import numpy as np

from ._validation import POSITIVE, check_array_finite

__all__ = [
    "log_sigmoid",
    "log_softmax",
    "logit",
    "logsumexp",
    "sigmoid",
    "softmax",
]


def _result(value, like):
    """Return a NumPy scalar for scalar input, an array otherwise."""
    return value[()] if np.ndim(like) == 0 else value


def _as_float(x, name):
    """Real numbers (infinities allowed, NaN not) as a float64 array."""
    return check_array_finite(x, name, allow_inf=True)


def _check_axis(z, axis, name="axis", allow_none=False):
    """An axis of ``z`` (negative counts from the end), with at least one entry along it."""
    if axis is None and allow_none:
        if z.size == 0:
            raise ValueError("z is empty; there is nothing to sum.")
        return None
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)) or not (
            -max(z.ndim, 1) <= axis < max(z.ndim, 1)):
        raise ValueError(f"{name} must be a whole number from {-max(z.ndim, 1)} to "
                         f"{max(z.ndim, 1) - 1} for z of shape {z.shape}"
                         + (" (or None for all entries)" if allow_none else "")
                         + f", got {axis!r}.")
    if z.ndim and z.shape[axis] == 0:
        raise ValueError(f"z has no entries along axis {axis} (shape {z.shape}); there is "
                         "nothing to normalise over.")
    return int(axis)


def _shifted(z, axis, temperature):
    r""":math:`(z - \max z)/T`, each entry <= 0, and whether a slice is all -inf or has +inf."""
    if np.any(np.isposinf(z)):
        raise ValueError("z contains +inf: the probabilities are not defined; pass finite "
                         "logits (-inf marks a class of probability 0).")
    m = np.max(z, axis=axis, keepdims=True)
    if np.any(np.isneginf(m)):
        raise ValueError("z is -inf along a whole slice of the class axis: every class has "
                         "probability 0, which is not a distribution.")
    # Shift first, then divide: z / T could overflow for a small temperature,
    # while (z - max z) / T only runs to -inf, whose exponential is exactly 0.
    with np.errstate(over="ignore"):
        return (z - m) / temperature


def sigmoid(x):
    r"""The logistic function, the inverse of the logit.

    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}} = \frac{e^{x}}{1 + e^{x}}

    The first form is used for :math:`x \ge 0` and the second for
    :math:`x < 0`, so only :math:`e^{-|x|} \le 1` is ever computed: no
    overflow, and full relative accuracy in both tails.

    Parameters
    ----------
    x : array_like
        Log-odds.

    Returns
    -------
    ndarray or float
        Probabilities in [0, 1], the shape of ``x``.

    Examples
    --------
    >>> sigmoid([-1000.0, 0.0, 1000.0])
    array([0. , 0.5, 1. ])
    >>> float(sigmoid(-40.0))
    4.248354255291589e-18
    """
    x = _as_float(x, "x")
    e = np.exp(-np.abs(x))
    positive = 1.0 / (1.0 + e)
    return _result(np.where(x >= 0, positive, e * positive), x)


def log_sigmoid(x):
    r"""The log of the logistic function, :math:`\log\sigma(x) = -\log(1 + e^{-x})`.

    Computed as :math:`\min(x, 0) - \log(1 + e^{-|x|})`, which neither
    overflows nor loses the tail: ``log_sigmoid(-1000)`` is -1000, not
    ``log(0) = -inf``.  It is the log-likelihood of a positive label under
    log-odds ``x``; :math:`\log(1 - \sigma(x)) = \log\sigma(-x)`.

    Examples
    --------
    >>> float(log_sigmoid(-1000.0)), bool(log_sigmoid(0.0) == -np.log(2.0))
    (-1000.0, True)
    """
    x = _as_float(x, "x")
    return _result(np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x))), x)


def logit(p):
    r"""The log-odds of a probability, the inverse of :func:`sigmoid`.

    .. math:: \operatorname{logit}(p) = \log\frac{p}{1 - p}
       = \log p - \log(1 - p)

    Computed with ``log1p`` so that probabilities near 0 and 1 keep their
    precision.  ``logit(0) = -inf`` and ``logit(1) = +inf``, the exact limits.

    Parameters
    ----------
    p : array_like
        Probabilities in [0, 1].

    Raises
    ------
    ValueError
        If any entry lies outside [0, 1] or is NaN.

    Examples
    --------
    >>> logit([0.5, 0.75])
    array([0.        , 1.09861229])
    >>> float(logit(sigmoid(-30.0)))
    -30.0
    """
    p = _as_float(p, "p")
    bad = ~((p >= 0) & (p <= 1))
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0]) if p.ndim else ()
        raise ValueError(
            f"logit is defined for probabilities in [0, 1], but p has {float(p[index])!r}"
            + (f" at index {index if len(index) > 1 else index[0]}" if index else "")
            + "."
        )
    with np.errstate(divide="ignore"):
        return _result(np.log(p) - np.log1p(-p), p)


def logsumexp(z, axis=-1, keepdims=False):
    r"""The log of a sum of exponentials, without overflow.

    .. math:: \log\sum_k e^{z_k} = m + \log\sum_k e^{z_k - m},
       \qquad m = \max_k z_k

    Parameters
    ----------
    z : array_like
        Values (log-weights, logits).
    axis : int or None
        Axis to sum over; None sums over all entries.
    keepdims : bool
        Keep the summed axis with length 1.

    Examples
    --------
    >>> float(logsumexp([1000.0, 1000.0]))
    1000.6931471805599
    >>> float(logsumexp([-np.inf, 0.0]))
    0.0
    >>> float(logsumexp([1.7e308, 1.7e308]))
    1.7e+308
    """
    z = _as_float(z, "z")
    axis = _check_axis(z, axis, allow_none=True)
    if not isinstance(keepdims, (bool, np.bool_)):
        raise TypeError(f"keepdims must be True or False, got {keepdims!r}.")
    m = np.max(z, axis=axis, keepdims=True)
    # An all -inf slice has sum 0 and log-sum -inf, a +inf one log-sum +inf:
    # shift those by 0, not by an infinity.
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        total = np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        total = np.squeeze(total, axis=axis) if axis is not None else total.reshape(())
    return _result(np.asarray(total), total)


def log_softmax(z, axis=-1, temperature=1.0):
    r"""The log of :func:`softmax`: :math:`z_k/T - \log\sum_j e^{z_j/T}`.

    Exact in the tails where ``log(softmax(z))`` would give ``log(0) = -inf``.

    Examples
    --------
    >>> log_softmax([0.0, 1000.0])
    array([-1000.,     0.])
    """
    z = _as_float(z, "z")
    # Shift first: z - max(z) is exact, whereas z - logsumexp(z) would lose the
    # digits of log(sum) below the spacing of floats near max(z).
    shifted = _shifted(z, _check_axis(z, axis), _check_temperature(temperature))
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(z, axis=-1, temperature=1.0):
    r"""The softmax function: class probabilities from logits.

    .. math:: \operatorname{softmax}(z)_k = \frac{e^{z_k/T}}{\sum_j e^{z_j/T}}
       = \frac{e^{z_k/T - m}}{\sum_j e^{z_j/T - m}}, \qquad m = \max_j z_j/T

    Subtracting the maximum changes nothing mathematically and keeps every
    exponential in (0, 1].  The temperature :math:`T` flattens the
    distribution towards uniform as it grows and sharpens it towards the
    arg-max as it falls to 0.  With K = 2, ``softmax([0, x])[1] == sigmoid(x)``.

    Parameters
    ----------
    z : array_like
        Logits; the classes run along ``axis``.
    axis : int
        The class axis.
    temperature : float
        :math:`T > 0`.

    Examples
    --------
    >>> softmax([1e4, 1e4 + np.log(3.0)])
    array([0.25, 0.75])
    >>> softmax([0.0, 1.0], temperature=1e6).round(6)
    array([0.5, 0.5])
    """
    z = _as_float(z, "z")
    e = np.exp(_shifted(z, _check_axis(z, axis), _check_temperature(temperature)))
    return e / np.sum(e, axis=axis, keepdims=True)


def _check_temperature(temperature):
    return POSITIVE(temperature, "temperature")
