r"""Priors on a model's parameters, as log-densities with two derivatives.

A prior is a frozen ``scipy.stats`` distribution (``scipy.stats.gamma(2,
scale=3)``) or a SymPy log-density in the parameter.  A SymPy prior is
differentiated exactly; a SciPy one by the five-point central stencils

.. math:: f' \approx \frac{-f_{2} + 8f_{1} - 8f_{-1} + f_{-2}}{12h},\qquad
          f'' \approx \frac{-f_{2} + 16f_{1} - 30f_0 + 16f_{-1} - f_{-2}}{12h^2},

with :math:`f_k = \log p(\theta + kh)`, accurate to :math:`O(h^4)`.
"""

import math

import numpy as np
import sympy as sp

__all__ = ["as_prior"]

# The stencil's step, relative to the parameter (or its distance to a bound): truncation
# error ~h^4 and rounding ~eps/h^2 balance near 1e-3.
_STEP = 1e-3


def as_prior(prior, parameter):
    """``prior`` as a function ``theta -> (log p, d/dtheta, d2/dtheta2)``."""
    if isinstance(prior, sp.Basic):
        return _sympy_prior(prior, parameter)
    if hasattr(prior, "logpdf") or hasattr(prior, "logpmf"):
        return _scipy_prior(prior, parameter)
    raise TypeError(f"The prior of {parameter.name} must be a frozen scipy.stats distribution "
                    f"or a SymPy log-density in {parameter.name}, got {prior!r}.")


def _sympy_prior(expr, parameter):
    extra = expr.free_symbols - {parameter.symbol}
    if extra:
        raise ValueError(f"The prior of {parameter.name} may depend on {parameter.name} only, "
                         f"not on {sorted(map(str, extra))}.")
    symbol = parameter.symbol
    functions = sp.lambdify(symbol, [expr, sp.diff(expr, symbol), sp.diff(expr, symbol, 2)],
                            modules=["scipy", "numpy"])

    def log_prior(theta):
        with np.errstate(all="ignore"):
            return tuple(float(v) for v in functions(theta))
    return log_prior


def _scipy_prior(distribution, parameter):
    logpdf = getattr(distribution, "logpdf", None) or distribution.logpmf
    if not hasattr(distribution, "logpdf"):
        raise ValueError(f"The prior of {parameter.name} must be continuous (a parameter "
                         "varies continuously), got a discrete distribution.")

    def log_prior(theta):
        room = min(abs(theta - parameter.low), abs(parameter.high - theta))
        h = _STEP * min(max(abs(theta), 1e-8), 0.5 * room if math.isfinite(room) else math.inf)
        with np.errstate(all="ignore"):
            f = [float(logpdf(theta + k * h)) for k in (-2, -1, 0, 1, 2)]
        first = (-f[4] + 8 * f[3] - 8 * f[1] + f[0]) / (12 * h)
        second = (-f[4] + 16 * f[3] - 30 * f[2] + 16 * f[1] - f[0]) / (12 * h * h)
        return f[2], first, second
    try:
        value = float(logpdf(parameter.default_start()))
    except Exception as error:       # a distribution that cannot be evaluated at all
        raise TypeError(f"The prior of {parameter.name} could not be evaluated: "
                        f"{error}") from None
    if math.isnan(value):
        raise ValueError(f"The prior of {parameter.name} is NaN inside its domain.")
    return log_prior
