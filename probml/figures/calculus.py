"""Numeric against analytic derivatives."""

import numpy as np
from matplotlib.figure import Figure

from ..calculus import correctly_rounded, finite_difference, optimal_step
from . import register


def steps():
    """Steps 10^(k/20) for k = -320..0, each the double nearest the exact power."""
    import mpmath

    return np.array([float(mpmath.power(10, mpmath.mpf(k) / 20)) for k in range(-320, 1)])


def truncation_errors():
    """The leading truncation errors at x = 1, from the ``derivative-from-limit`` derivation."""
    import sympy as sp

    from .. import derivations

    results = derivations.get("derivative-from-limit").results
    x, h = sp.symbols("x h", positive=True)
    errors = {}
    for scheme in ("forward", "central"):
        error = sp.lambdify(h, results[f"{scheme} error"].subs(x, 1), "mpmath")
        errors[scheme] = (lambda steps, error=error:
                          np.array([float(error(float(step))) for step in steps]))
    return errors


@register("finite-differences", concept="numeric vs analytic derivatives",
          caption=r"Error of the forward and central differences of $e^x$ at $x = 1$ against "
                  r"the step $h$, with $e^x$ correctly rounded (so the rounding error is the "
                  r"same on every machine): truncation error falls like $h$ and $h^2$ to the "
                  r"right, rounding error grows like $\epsilon/h$ to the left, and the bottom "
                  r"of each V sits near the balancing step $\sqrt{\epsilon}$ or "
                  r"$\epsilon^{1/3}$ ($\epsilon$ the machine epsilon).",
          derivation="derivative-from-limit")
def finite_differences(rng):
    # The rounding error on the left of the V is the last bits of exp: take them
    # from a correctly rounded exp, so the figure is the same on every machine.
    exp = correctly_rounded("exp")
    exact = exp(1.0)
    hs = steps()
    figure = Figure(figsize=(6.4, 4.2))
    ax = figure.add_subplot()
    for colour, scheme in enumerate(("forward", "central")):
        error = np.abs(finite_difference(exp, 1.0, hs, scheme=scheme) - exact)
        ax.loglog(hs, np.where(error > 0, error, np.nan), color=f"C{colour}",
                  linewidth=1.2, label=f"{scheme} difference")
        best = optimal_step(scheme)
        ax.axvline(best, color=f"C{colour}", linestyle="--", linewidth=1)
        ax.text(best, 1e2, f" h* = {best:.1e}", color=f"C{colour}", fontsize=8,
                rotation=90, va="top", ha="right")
    for shade, (scheme, error) in zip(("0.55", "0.3"), truncation_errors().items()):
        ax.loglog(hs, error(hs), color=shade, linestyle=":", linewidth=1.2,
                  label=f"{scheme}: derived truncation error")
    ax.set_ylim(1e-13, 1e2)
    ax.set_xlabel("step h")
    ax.set_ylabel("|finite difference - e|")
    ax.set_title("Truncation against rounding: the V of finite differences")
    ax.legend(fontsize=8, loc="lower left")
    return figure
