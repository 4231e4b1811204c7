"""Model selection: the bias-variance decomposition of the expected squared error."""

import numpy as np
import sympy as sp

from .._derivation import Derivation, Eq, Step, Tex, is_zero
from . import register

# The true value theta, an estimator's mean m and variance v, the noise variance; the
# estimator's zero-mean fluctuation eps and the new observation's noise eta.
theta, m, v, s2 = sp.symbols("theta m v sigma^2", real=True)
eps, noise = sp.symbols("epsilon eta", real=True)


def _expectation(expr):
    """E of a polynomial in independent zero-mean eps (variance v) and eta (sigma^2)."""
    moments = ((0, v), (0, s2))
    polynomial = sp.Poly(sp.expand(expr), eps, noise)
    total = 0
    for (pe, pn), coefficient in polynomial.terms():
        factor = 1
        for power, (mean, variance) in zip((pe, pn), moments):
            factor *= {0: 1, 1: mean, 2: variance}[power]
        total += coefficient * factor
    return sp.expand(total)


@register("bias-variance")
def bias_variance():
    estimator = m + eps                      # E = m, Var = v
    mse = _expectation((estimator - theta) ** 2)
    prediction_error = _expectation((theta + noise - estimator) ** 2)
    steps = [
        Step("Write an estimator as its mean plus a zero-mean fluctuation of variance $v$:",
             Eq(Tex(r"\hat\theta"), estimator)),
        Step("Expanding the square and taking expectations ($E\\,\\epsilon = 0$, "
             "$E\\,\\epsilon^2 = v$) gives the mean squared error",
             Eq(Tex(r"E[(\hat\theta - \theta)^2]"), mse)),
        Step("which is the variance plus the squared bias $m - \\theta$:",
             Eq(Tex(r"E[(\hat\theta - \theta)^2]"),
                   Tex(r"\mathrm{Var}(\hat\theta) + \mathrm{Bias}(\hat\theta)^2"))),
        Step("Predicting a new observation $\\theta + \\eta$, with independent noise of "
             "variance $\\sigma^2$, adds the noise term:",
             Eq(Tex(r"E[(y - \hat y)^2]"), prediction_error)),
    ]
    results = {"MSE": mse, "prediction error": prediction_error}

    return Derivation(
        name="bias-variance", title="Mean squared error is variance plus squared bias",
        concepts=["bias", "variance", "bias-variance trade-off", "irreducible noise"],
        steps=steps, results=results, symbolic=_decomposition_identities,
        scipy=_decomposition_against_scipy, probml=_decomposition_against_probml,
        tolerance=(1e-10, 0.08),
        checked_against=("`scipy.integrate.quad` of the squared error of a shrunken "
                         "Gaussian observation.",
                         "4,000 simulated `probml.Normal` fits: the measured MSE of the 1/n "
                         "variance estimator (within 8%, Monte-Carlo error about 3%)."))


def _decomposition_identities(d):
    """MSE = v + (m - theta)^2, and the prediction error adds sigma^2."""
    return (is_zero(d.results["MSE"] - (v + (m - theta) ** 2))
            and is_zero(d.results["prediction error"] - (s2 + v + (m - theta) ** 2)))


def _decomposition_against_scipy(d):
    """Shrinking a N(theta, s^2) observation by c: integrate the squared error."""
    from scipy import integrate, stats

    c, true, s = 0.7, 2.0, 1.5
    numeric = integrate.quad(lambda t: (c * t - true) ** 2 * stats.norm.pdf(t, true, s),
                             -np.inf, np.inf, epsabs=1e-13)[0]
    formula = float(d.results["MSE"].subs({m: c * true, v: c * c * s * s, theta: true}))
    return abs(numeric - formula)


def _decomposition_against_probml(d):
    """The MLE of a Gaussian variance (probml.Normal, 1/n) has bias -sigma^2/n and
    variance 2 (n - 1) sigma^4 / n^2; 4,000 simulated fits measure its MSE."""
    from probml import Normal

    rng = np.random.default_rng(9)
    n, sigma2_true = 5, 2.0
    fits = np.array([Normal().fit(rng.normal(0, np.sqrt(sigma2_true), n)).var_
                     for _ in range(4000)])
    formula = float(d.results["MSE"].subs({m: (n - 1) / n * sigma2_true,
                                           v: 2 * (n - 1) * sigma2_true ** 2 / n ** 2,
                                           theta: sigma2_true}))
    measured = np.mean((fits - sigma2_true) ** 2)
    return abs(measured - formula) / formula
