"""Regularization: Ridge and the Lasso as MAP estimates."""

import numpy as np
import sympy as sp

from .._derivation import Derivation, Eq, Step, Tex, is_zero
from . import register
from ._linear_gaussian import X, alpha, beta, sample_data, substitutions, w, y

# The prior and noise precisions at which Ridge's MAP is checked.
RIDGE_PRECISIONS = (3.0, 2.0)

# The Lasso with one coefficient: its penalty, the least-squares estimate z, the weight
# and the Laplace scale.
a, b_scale = sp.symbols("alpha b", positive=True)
t, zs = sp.Symbol("w", real=True), sp.Symbol("z", real=True)
LASSO_ALPHA = 0.5
LASSO_ESTIMATES = (-2.0, -0.3, 0.1, 0.8, 3.0)


@register("ridge-as-map")
def ridge_as_map():
    negative_log_posterior = (beta / 2 * ((y - X * w).T * (y - X * w))[0]
                              + alpha / 2 * (w.T * w)[0])
    gradient = [sp.diff(negative_log_posterior, wj) for wj in w]
    solution = sp.solve(gradient, list(w), dict=True)[0]
    w_map = sp.Matrix([solution[wj] for wj in w])
    steps = [
        Step("The negative log posterior of Bayesian linear regression is, up to a "
             "constant,", Eq(Tex(r"-\log p(w \mid y)"), Tex(
                 r"\frac{\beta}{2}\lVert y - X w\rVert^2 + \frac{\alpha}{2}\lVert w"
                 r"\rVert^2"))),
        Step("Dividing by $\\beta/2$ leaves Ridge's objective with penalty $\\lambda = "
             "\\alpha / \\beta = \\sigma^2 / \\tau^2$ (noise variance over prior variance):",
             Eq(Tex(r"\lVert y - X w\rVert^2 + \lambda \lVert w\rVert^2"),
                   Tex(r"\frac{2}{\beta}\left(-\log p(w \mid y)\right)"))),
        Step("Setting the gradient to zero (solved exactly by SymPy for a 3 x 2 design) "
             "gives the MAP estimate, the Ridge solution",
             Eq(Tex(r"\hat w"),
                   Tex(r"(X^\top X + \lambda I)^{-1} X^\top y"))),
        Step("which equals the posterior mean, because a Gaussian's mode is its mean."),
    ]
    results = {"w_MAP": w_map}

    return Derivation(
        name="ridge-as-map", title="Ridge regression is the MAP under a Gaussian prior",
        concepts=["Ridge", "MAP", "regularisation as a prior"], steps=steps, results=results,
        symbolic=_ridge_identities, scipy=_ridge_against_scipy, probml=_ridge_against_probml,
        tolerance=(1e-6, 1e-12),
        checked_against=("`scipy.optimize.minimize` on the negative log posterior.",
                         "`probml.Ridge(alpha=alpha/beta)` and the posterior mean of "
                         "`probml.BayesianLinearRegression`."))


def _ridge_identities(d):
    """(X^T X + (alpha/beta) I) w_MAP = X^T y: the Ridge normal equations."""
    ridge = (X.T * X + (alpha / beta) * sp.eye(2)) * d.results["w_MAP"] - X.T * y
    return all(is_zero(e) for e in ridge)


def _ridge_map_on(d, X_, y_):
    return np.array(d.results["w_MAP"].subs(substitutions(X_, y_, *RIDGE_PRECISIONS)),
                    dtype=float).ravel()


def _ridge_against_scipy(d):
    from scipy.optimize import minimize

    X_, y_ = sample_data(11)
    prior_precision, noise_precision = RIDGE_PRECISIONS
    found = minimize(lambda v: noise_precision / 2 * np.sum((y_ - X_ @ v) ** 2)
                     + prior_precision / 2 * v @ v,
                     np.zeros(2), method="BFGS", options={"gtol": 1e-12}).x
    return float(np.max(np.abs(found - _ridge_map_on(d, X_, y_))))


def _ridge_against_probml(d):
    from probml import BayesianLinearRegression, Ridge

    X_, y_ = sample_data(11)
    prior_precision, noise_precision = RIDGE_PRECISIONS
    ours = _ridge_map_on(d, X_, y_)
    ridge = Ridge(alpha=prior_precision / noise_precision, fit_intercept=False).fit(X_, y_)
    bayes = BayesianLinearRegression(alpha=prior_precision, beta=noise_precision,
                                     fit_intercept=False).fit(X_, y_)
    return max(np.max(np.abs(ridge.coef_ - ours)), np.max(np.abs(bayes.posterior_mean_ - ours)))


@register("lasso-as-map")
def lasso_as_map():
    laplace = -sp.log(sp.exp(-sp.Abs(t) / b_scale) / (2 * b_scale))
    # One coefficient, orthonormal design (x^T x = n): the Lasso objective is, up to a
    # constant, (w - z)^2 / 2 + alpha |w| with z = x^T y / n.
    objective_positive = (t - zs) ** 2 / 2 + a * t
    objective_negative = (t - zs) ** 2 / 2 - a * t
    (positive,) = sp.solve(sp.diff(objective_positive, t), t)
    (negative,) = sp.solve(sp.diff(objective_negative, t), t)
    solution = sp.Piecewise((positive, zs > a), (negative, zs < -a), (0, True))
    steps = [
        Step("A Laplace prior of scale b on a weight has negative log-density",
             Eq(Tex(r"-\log p(w)"), sp.expand(sp.expand_log(laplace, force=True)))),
        Step("so the negative log posterior with Gaussian noise is the squared error plus "
             "$|w|/b$: the L1 penalty, with $\\alpha = \\sigma^2 / (n b)$ in the Lasso's "
             "scaling."),
        Step("With one coefficient and an orthonormal design the objective is, up to a "
             "constant, with $z = x^\\top y / n$ the least-squares estimate,",
             Eq(Tex("J(w)"), (t - zs) ** 2 / 2 + a * sp.Abs(t))),
        Step("For w > 0 its derivative vanishes at", Eq(t, positive)),
        Step("which is positive only when $z > \\alpha$; for $w < 0$ at", Eq(t, negative)),
        Step("and otherwise the minimum is at the kink w = 0. Together: soft thresholding,",
             Eq(Tex(r"\hat w"), solution)),
    ]
    results = {"w_MAP": solution, "Laplace -log density": laplace}

    return Derivation(
        name="lasso-as-map", title="The Lasso is the MAP under a Laplace prior",
        concepts=["Lasso", "Laplace prior", "MAP", "soft thresholding", "sparsity"],
        steps=steps, results=results, symbolic=_lasso_identities,
        scipy=_lasso_against_scipy, probml=_lasso_against_probml, tolerance=(1e-8, 1e-12),
        checked_against=("`scipy.optimize.minimize_scalar` on the one-coefficient "
                         "objective.",
                         "`probml.Lasso` on an orthonormal one-feature design."))


def _lasso_identities(d):
    """w_MAP is soft thresholding (on a grid of z), and -log of the Laplace density."""
    soft = sp.sign(zs) * sp.Max(sp.Abs(zs) - a, 0)
    candidates = [sp.Rational(k, 4) for k in range(-12, 13)]
    piecewise = d.results["w_MAP"]
    return (all(is_zero(piecewise.subs({zs: c, a: 1}) - soft.subs({zs: c, a: 1}))
                for c in candidates)
            and is_zero(sp.expand(sp.expand_log(d.results["Laplace -log density"], force=True))
                        - (sp.Abs(t) / b_scale + sp.log(2 * b_scale))))


def _lasso_map_at(d, z_value):
    return float(d.results["w_MAP"].subs({zs: z_value, a: LASSO_ALPHA}))


def _lasso_against_scipy(d):
    from scipy.optimize import minimize_scalar

    errors = []
    for z_value in LASSO_ESTIMATES:
        found = minimize_scalar(lambda v: (v - z_value) ** 2 / 2 + LASSO_ALPHA * abs(v),
                                bounds=(-10, 10), method="bounded",
                                options={"xatol": 1e-12}).x
        errors.append(abs(found - _lasso_map_at(d, z_value)))
    return max(errors)


def _lasso_against_probml(d):
    from probml import Lasso

    n = 8
    x = np.r_[np.ones(4), -np.ones(4)]            # centred, x^T x = n
    errors = []
    for slope in LASSO_ESTIMATES:
        y_ = slope * x + np.r_[0.1, -0.1, 0.05, -0.05, 0.2, -0.2, 0.0, 0.0]
        z_value = x @ (y_ - y_.mean()) / n
        fit = Lasso(alpha=LASSO_ALPHA, tol=1e-14).fit(x[:, None], y_)
        errors.append(abs(fit.coef_[0] - _lasso_map_at(d, z_value)))
    return max(errors)
