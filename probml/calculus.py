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

from ._validation import Function, Options, Real, check_array_finite, validate_params

__all__ = ["correctly_rounded", "finite_difference", "optimal_step"]

_SCHEMES = Options("forward", "backward", "central")


@validate_params(f=Function(), scheme=_SCHEMES)
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
    x = check_array_finite(x, "x")
    h = check_array_finite(h, "h")
    if h.size == 0 or not np.all(h > 0):
        raise ValueError("h must be finite and > 0 (one step, or an array of them).")
    try:
        x, h = np.broadcast_arrays(x, h)
    except ValueError:
        raise ValueError(f"x (shape {x.shape}) and h (shape {h.shape}) must broadcast "
                         "together.") from None
    with np.errstate(over="ignore", invalid="ignore"):
        ahead, behind = x + h, x - h
        if not (np.all(np.isfinite(ahead)) and np.all(np.isfinite(behind))):
            raise ValueError("x + h overflows float64; use smaller x or h.")
        values = {"forward": (ahead, x), "backward": (x, behind), "central": (ahead, behind)}
        upper, lower = (_evaluate(f, point) for point in values[scheme])
        result = (upper - lower) / (h if scheme != "central" else 2.0 * h)
    if not np.all(np.isfinite(result)):
        raise ValueError("The difference quotient of f is not finite at these x and h (f "
                         "changes by more than float64 can hold over the step).")
    return result[()] if np.ndim(result) == 0 else result


def _evaluate(f, points):
    """``f(points)`` as a float array of the same shape, or a clear error."""
    try:
        values = np.asarray(f(points), dtype=np.float64)
    except (TypeError, ValueError, ArithmeticError) as error:
        raise ValueError(f"f failed at x = {points!r}: {type(error).__name__}: {error}; f "
                         "must map an array of points to their real values.") from None
    if values.shape != np.shape(points):
        raise ValueError(f"f must return one value per point (shape {np.shape(points)}), "
                         f"got shape {values.shape}.")
    if not np.all(np.isfinite(values)):
        raise ValueError("f returned NaN or infinity; a difference quotient needs finite "
                         "values of f near x.")
    return values


@validate_params(scheme=_SCHEMES, x=Real())
def optimal_step(scheme="central", x=1.0):
    r"""The step that balances truncation and rounding error, up to a factor of order 1.

    :math:`h^* = \sqrt{\varepsilon}\,\max(1, |x|)` for one-sided differences,
    :math:`\varepsilon^{1/3}\max(1, |x|)` for the central difference
    (machine epsilon :math:`\varepsilon \approx 2.2\times10^{-16}`), when
    :math:`f` and its derivatives are of order 1.
    """
    eps = np.finfo(np.float64).eps
    power = 1.0 / 3.0 if scheme == "central" else 0.5
    return float(eps ** power * max(1.0, abs(float(x))))


_ELEMENTARY = Options("exp", "log", "sin", "cos", "tan", "sqrt", "expm1", "log1p", "sinh",
                      "cosh", "tanh", "atan")


@validate_params(name=_ELEMENTARY)
def correctly_rounded(name):
    r"""The elementary function ``name``, exactly rounded to double: the same bits everywhere.

    NumPy's ``exp`` and the C library's are accurate to within an ulp, but
    which of the two nearest doubles they return depends on the CPU's vector
    instructions and the C library's version.  The rounding error of a
    finite difference at tiny steps is made of exactly those last bits, so a
    figure of it drawn with ``np.exp`` differs between machines.  This
    evaluates the function in 120-bit arithmetic with mpmath and rounds
    each value to the nearest double once, which is what an ideal
    (correctly rounded) library returns: every machine gets the same bits.

    Parameters
    ----------
    name : str
        One of exp, log, sin, cos, tan, sqrt, expm1, log1p, sinh, cosh, tanh,
        atan.

    Returns
    -------
    callable
        Vectorised over NumPy arrays; slow (microseconds a value), for
        figures and checks rather than for data.

    Examples
    --------
    >>> exp = correctly_rounded("exp")
    >>> float(exp(1.0)) == float(np.e)
    True
    >>> exp(np.array([0.0, 1e-300]))
    array([1., 1.])
    """
    import mpmath

    context = mpmath.MPContext()
    context.prec = 120
    function = getattr(context, name)

    def value(v):
        result = function(context.mpf(float(v)))
        if isinstance(result, context.mpc):
            raise ValueError(f"x = {float(v)!r} is outside the domain of {name} (its value is "
                             "complex).")
        return float(result)            # rounds to nearest; beyond 1.8e308 it is +-inf, exactly

    def rounded(x):
        x = check_array_finite(x, "x")
        values = np.array([value(v) for v in x.ravel()]).reshape(x.shape)
        return values[()] if values.ndim == 0 else values

    rounded.__name__ = rounded.__qualname__ = f"correctly_rounded_{name}"
    return rounded
