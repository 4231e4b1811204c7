r"""Finite-difference derivatives, and the step size that balances their two errors.

A difference quotient has two errors that pull the step :math:`h` in opposite
directions: *truncation*, from the Taylor terms it drops, shrinks with
:math:`h` (like :math:`h` for the forward difference, :math:`h^2` for the
central one), while *rounding*, from subtracting two nearly equal values of
:math:`f` stored to relative precision :math:`\varepsilon`, grows like
:math:`\varepsilon/h`.  On a log-log plot the total error is a V, lowest at
:math:`h \approx \sqrt{\varepsilon}` (forward) or
:math:`\varepsilon^{1/3}` (central), in units of :math:`|x|` (the
``derivative-from-limit`` derivation).

Examples
--------
>>> import numpy as np
>>> forward = finite_difference(np.exp, 1.0, 1e-8, scheme="forward")
>>> central = finite_difference(np.exp, 1.0, 1e-5)
>>> bool(abs(central - np.e) < abs(forward - np.e) < 1e-7)
True
>>> optimal_step("central", 1.0) == float(np.finfo(float).eps ** (1 / 3))
True
"""

import numpy as np

__all__ = ["finite_difference", "optimal_step"]

_SCHEMES = ("forward", "backward", "central")


def _check_scheme(scheme):
    if scheme not in _SCHEMES:
        raise ValueError(f"scheme must be one of {_SCHEMES}, got {scheme!r}.")


def finite_difference(f, x, h, *, scheme="central"):
    r"""The derivative of a scalar function by a difference quotient.

    .. math::
        \text{forward: } \frac{f(x + h) - f(x)}{h}, \qquad
        \text{backward: } \frac{f(x) - f(x - h)}{h}, \qquad
        \text{central: } \frac{f(x + h) - f(x - h)}{2h}

    with truncation errors :math:`\tfrac h2 f''(x)`, :math:`-\tfrac h2 f''(x)`
    and :math:`\tfrac{h^2}{6} f'''(x)` to leading order.

    Parameters
    ----------
    f : callable
        Vectorised over NumPy arrays.
    x : float or array_like
        Where to differentiate (elementwise for arrays).
    h : float or array_like
        Steps, > 0; broadcast against ``x`` (an array of steps gives the
        error-against-``h`` curve in one call).
    scheme : {"forward", "backward", "central"}

    Returns
    -------
    float or ndarray
    """
    _check_scheme(scheme)
    x = np.asarray(x, dtype=np.float64)
    h = np.asarray(h, dtype=np.float64)
    if not np.all(np.isfinite(h) & (h > 0)):
        raise ValueError("h must be finite and > 0.")
    if scheme == "forward":
        result = (f(x + h) - f(x)) / h
    elif scheme == "backward":
        result = (f(x) - f(x - h)) / h
    else:
        result = (f(x + h) - f(x - h)) / (2.0 * h)
    return result[()] if np.ndim(result) == 0 else result


def optimal_step(scheme="central", x=1.0):
    r"""The step that balances truncation and rounding error, up to a factor of order 1.

    :math:`h^* = \sqrt{\varepsilon}\,\max(1, |x|)` for one-sided differences,
    :math:`\varepsilon^{1/3}\max(1, |x|)` for the central difference
    (machine epsilon :math:`\varepsilon \approx 2.2\times10^{-16}`), when
    :math:`f` and its derivatives are of order 1.
    """
    _check_scheme(scheme)
    eps = np.finfo(np.float64).eps
    power = 1.0 / 3.0 if scheme == "central" else 0.5
    return float(eps ** power * max(1.0, abs(float(x))))
