r"""The link functions of probabilistic models: stable, vectorised, warning-free.

The logistic function turns a log-odds into a probability, the logit turns it
back, and softmax does the same for K classes.  Written naively each of them
overflows: ``1 / (1 + exp(-x))`` at ``x = -1000`` computes ``exp(1000)``, and
``exp(z) / sum(exp(z))`` is ``inf / inf`` for logits near 1e4.  Every function
here computes only exponentials of non-positive numbers, so none of them
overflows or warns, for any finite input.

Only NumPy is used, so importing this module is cheap.
"""

import numpy as np

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
    array = np.asarray(x)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be real numbers, got an array of dtype {array.dtype}.")
    return array.astype(np.float64, copy=False)


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
    """
    z = _as_float(z, "z")
    m = np.max(z, axis=axis, keepdims=True)
    # An all -inf slice has sum 0 and log-sum -inf; shift it by 0, not by -inf.
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
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
    z = _as_float(z, "z") / _check_temperature(temperature)
    # Shift first: z - max(z) is exact, whereas z - logsumexp(z) would lose the
    # digits of log(sum) below the spacing of floats near max(z).
    shifted = z - np.max(z, axis=axis, keepdims=True)
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
    z = _as_float(z, "z") / _check_temperature(temperature)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _check_temperature(temperature):
    if isinstance(temperature, bool) or not np.isscalar(temperature) or not (
            np.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}.")
    return float(temperature)
