"""Numeric against analytic derivatives."""

import numpy as np
from matplotlib.figure import Figure

from ..calculus import finite_difference, optimal_step
from . import register

STEPS = np.logspace(-16, 0, 321)


def truncation_errors():
    """The leading truncation errors at x = 1, from the ``derivative-from-limit`` derivation."""
    import sympy as sp

    from .. import derivations

    results = derivations.get("derivative-from-limit").results
    x, h = sp.symbols("x h", positive=True)
    return {scheme: sp.lambdify(h, results[f"{scheme} error"].subs(x, 1), "numpy")
            for scheme in ("forward", "central")}


@register("finite-differences", concept="numeric vs analytic derivatives",
          caption="Error of the forward and central differences of exp at x = 1 against the "
                  "step h: truncation error falls like h and h^2 to the right, rounding error "
                  "grows like eps/h to the left, and the bottom of each V sits near the "
                  "balancing step sqrt(eps) or eps^(1/3).",
          derivation="derivative-from-limit")
def finite_differences(rng):
    exact = np.exp(1.0)
    figure = Figure(figsize=(6.4, 4.2))
    ax = figure.add_subplot()
    for colour, scheme in enumerate(("forward", "central")):
        error = np.abs(finite_difference(np.exp, 1.0, STEPS, scheme=scheme) - exact)
        ax.loglog(STEPS, np.where(error > 0, error, np.nan), color=f"C{colour}",
                  linewidth=1.2, label=f"{scheme} difference")
        best = optimal_step(scheme)
        ax.axvline(best, color=f"C{colour}", linestyle="--", linewidth=1)
        ax.text(best, 1e2, f" h* = {best:.1e}", color=f"C{colour}", fontsize=8,
                rotation=90, va="top", ha="right")
    for shade, (scheme, error) in zip(("0.55", "0.3"), truncation_errors().items()):
        ax.loglog(STEPS, error(STEPS), color=shade, linestyle=":", linewidth=1.2,
                  label=f"{scheme}: derived truncation error")
    ax.set_ylim(1e-13, 1e2)
    ax.set_xlabel("step h")
    ax.set_ylabel("|finite difference - e|")
    ax.set_title("Truncation against rounding: the V of finite differences")
    ax.legend(fontsize=8, loc="lower left")
    return figure
