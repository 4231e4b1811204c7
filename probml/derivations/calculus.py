"""Calculus: the derivative as the limit of a difference quotient."""

import numpy as np
import sympy as sp

from .._derivation import Derivation, Eq, Step, Tex, is_zero, shown
from . import register

t, h = sp.symbols("x h", positive=True)         # the point x (t here) and the step h


@register("derivative-from-limit")
def derivative_from_limit():
    k = sp.Symbol("k", integer=True, positive=True)
    functions = {"exp": sp.exp(t), "power": t ** k, "log": sp.log(t)}
    limits = {name: sp.limit((f.subs(t, t + h) - f) / h, h, 0)
              for name, f in functions.items() if name != "power"}
    # x**k for a symbolic k: expand (x + h)**k for k = 1..5 and take the limit each time.
    powers = [sp.limit(sp.expand(((t + h) ** m - t ** m) / h), h, 0) for m in range(1, 6)]
    forward = sp.series((sp.exp(t + h) - sp.exp(t)) / h, h, 0, 2).removeO()
    central = sp.series((sp.exp(t + h) - sp.exp(t - h)) / (2 * h), h, 0, 3).removeO()
    steps = [
        Step("The derivative is the limit of the difference quotient:",
             shown("f'(x)", sp.Limit((sp.Function("f")(t + h) - sp.Function("f")(t)) / h,
                                     h, 0, dir="+-"))),
        Step("For the exponential the limit is the function itself,",
             Eq(sp.Derivative(sp.exp(t), t), limits["exp"])),
        Step(r"for the logarithm it is $1/x$,", Eq(sp.Derivative(sp.log(t), t),
                                                    limits["log"])),
        Step("and for powers (SymPy expands $(x + h)^k$ for $k = 1, \\dots, 5$) it is $k x^{k-1}$:",
             sp.Matrix([powers])),
        Step("The forward difference errs at first order in $h$ (its series for $e^x$):",
             Eq(Tex(r"\frac{e^{x+h} - e^x}{h}"), forward)),
        Step("the central difference only at second order, since the odd terms cancel:",
             Eq(Tex(r"\frac{e^{x+h} - e^{x-h}}{2h}"), central)),
    ]
    results = {"d/dx exp": limits["exp"], "d/dx log": limits["log"],
               "d/dx x^k, k=1..5": sp.Matrix([powers]),
               "forward error": sp.expand(forward - sp.exp(t)),
               "central error": sp.expand(central - sp.exp(t))}

    return Derivation(
        name="derivative-from-limit", title="Derivatives as limits, and finite differences",
        concepts=["derivative", "numeric vs analytic derivatives", "finite differences"],
        steps=steps, results=results, symbolic=_limit_identities,
        scipy=_limits_against_scipy, probml=_difference_errors_against_probml,
        tolerance=(1e-8, 1e-2),
        checked_against=("`scipy.differentiate.derivative` (adaptive finite differences).",
                         "`probml.calculus.finite_difference`: forward and central errors "
                         "at h = 0.01, "
                         "against the series' leading terms (within 1%)."))


def _limit_identities(d):
    """d/dx e^x = e^x, d/dx log x = 1/x, d/dx x^k = k x^(k-1), and the two error terms."""
    r = d.results
    return (is_zero(r["d/dx exp"] - sp.exp(t)) and is_zero(r["d/dx log"] - 1 / t)
            and all(is_zero(e - m * t ** (m - 1))
                    for m, e in zip(range(1, 6), r["d/dx x^k, k=1..5"]))
            and is_zero(r["forward error"] - h * sp.exp(t) / 2)
            and is_zero(r["central error"] - h ** 2 * sp.exp(t) / 6))


def _limits_against_scipy(d):
    from scipy.differentiate import derivative

    points = np.array([0.3, 1.0, 2.5])
    errors = []
    for key, f in {"d/dx exp": np.exp, "d/dx log": np.log}.items():
        numeric = derivative(f, points, initial_step=0.05).df
        ours = sp.lambdify(t, d.results[key])(points) * np.ones_like(points)
        errors.append(np.max(np.abs(numeric - ours) / np.abs(numeric)))
    return max(errors)


def _difference_errors_against_probml(d):
    """probml.calculus.finite_difference, which the gradient checks rely on, against the
    series: at h = 0.01 the measured errors are the leading terms within 1%."""
    from probml.calculus import finite_difference

    x0, h0 = 1.0, 1e-2
    forward = abs(finite_difference(np.exp, x0, h0, scheme="forward") - np.exp(x0))
    central = abs(finite_difference(np.exp, x0, h0) - np.exp(x0))
    predicted_forward = float(d.results["forward error"].subs({t: x0, h: h0}))
    predicted_central = float(d.results["central error"].subs({t: x0, h: h0}))
    return max(abs(forward / predicted_forward - 1), abs(central / predicted_central - 1))
