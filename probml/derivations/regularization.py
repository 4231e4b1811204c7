"""Regularization: Ridge and the Lasso as MAP estimates."""

import numpy as np
import sympy as sp

from .._derivation import Derivation, Eq, Step, Tex, is_zero, shown
from ..likelihood.symbolic import INDEX as i
from ..likelihood.symbolic import N as n_
from ..likelihood.symbolic import sample_sum, split_sums
from . import register
from ._linear_gaussian import (
    DESIGN,
    TARGETS,
    WEIGHTS,
    X,
    explicit,
    on_data,
    p_cols,
    sample_data,
    y,
)

# The prior and noise precisions at which Ridge's MAP is checked.
RIDGE_PRECISIONS = (3.0, 2.0)
# The noise and prior variances, the penalty sigma^2 / tau^2, an intercept, and the
# data x_i, y_i of the one-feature model.
SIGMA2, TAU2, LAMBDA = sp.symbols("sigma^2 tau^2 lambda", positive=True)
b_icpt = sp.Symbol("b", real=True)
x_data, y_data = sp.IndexedBase("x"), sp.IndexedBase("y")

# The Lasso with one coefficient: its penalty, the least-squares estimate z, the weight
# and the Laplace scale.
a, b_scale = sp.symbols("alpha b", positive=True)
t, zs = sp.Symbol("w", real=True), sp.Symbol("z", real=True)
LASSO_ALPHA = 0.5
LASSO_ESTIMATES = (-2.0, -0.3, 0.1, 0.8, 3.0)


@register("ridge-as-map")
def ridge_as_map():
    """Ridge for n examples of p features as the MAP of a Gaussian prior times a Gaussian
    likelihood, by matrix calculus; the intercept, unpenalised, with sums over n."""
    Xm, wm, ym = DESIGN, WEIGHTS, TARGETS
    negative_log_posterior = ((Xm * wm - ym).T * (Xm * wm - ym) / (2 * SIGMA2)
                              + wm.T * wm / (2 * TAU2))
    objective = (Xm * wm - ym).T * (Xm * wm - ym) + LAMBDA * wm.T * wm
    gradient = sp.diff(objective, wm)
    w_map = (Xm.T * Xm + LAMBDA * sp.Identity(p_cols)).I * Xm.T * ym
    # One feature and an intercept b with a flat prior: the penalty leaves b out.
    slope = sp.Symbol("w", real=True)
    one_feature = sample_sum((b_icpt + slope * x_data[i] - y_data[i]) ** 2) + LAMBDA * slope ** 2
    d_b = split_sums(sp.diff(one_feature, b_icpt), True)
    (intercept,) = sp.solve(d_b, b_icpt, check=False)
    intercept = split_sums(sp.expand(intercept), True)
    xbar, ybar = sp.symbols(r"\bar{x} \bar{y}", real=True)
    steps = [
        Step(r"Give the $p$ weights independent Gaussian priors $w_j \sim \mathcal N(0, \tau^2)$ "
             r"and the $n$ targets Gaussian noise of variance $\sigma^2$ about $Xw$. The prior "
             r"and the likelihood are",
             Tex(r"p(w) \propto \exp\left(-\frac{w^\top w}{2\tau^2}\right), \qquad "
                 r"p(y \mid w) \propto \exp\left(-\frac{\lVert Xw - y\rVert^2}{2\sigma^2}"
                 r"\right)")),
        Step(r"By Bayes' theorem the posterior is proportional to prior times likelihood, "
             r"$p(w \mid y) \propto p(y \mid w)\, p(w)$, so its negative logarithm is, up to "
             r"a constant, the sum of the two exponents:",
             Eq(Tex(r"-\log p(w \mid y)"), negative_log_posterior)),
        Step(r"Multiplying by $2\sigma^2$ does not move the minimum, and leaves Ridge's "
             r"objective, with the penalty $\lambda = \sigma^2/\tau^2$ (noise variance over "
             r"prior variance):", Eq(Tex(r"J(w)"), objective)),
        Step(r"SymPy's matrix calculus gives its gradient,", Eq(Tex(r"\nabla_w J"), gradient)),
        Step(r"which vanishes where $(X^\top X + \lambda I) w = X^\top y$: the MAP estimate is "
             r"the Ridge solution", Eq(Tex(r"\hat w_{\mathrm{MAP}}"), w_map)),
        Step(r"and, the posterior being Gaussian, also its mean. The intercept $b$ has no "
             r"such prior (a flat one: every level of $y$ is a priori as plausible), so it is "
             r"not penalised. With one feature and sums over the $n$ points, the objective "
             r"$\sum_{i=1}^n (b + w x_i - y_i)^2 + \lambda w^2$ has",
             Eq(Tex(r"\frac{\partial J}{\partial b}"), d_b)),
        Step(r"which vanishes when the line passes through the means, as in least squares:",
             shown(r"\hat b", ybar - Tex(r"\hat w") * xbar)),
        Step(r"Substituting it back leaves $\sum_{i=1}^n \big((y_i - \bar y) - w (x_i - "
             r"\bar x)\big)^2 + \lambda w^2$: Ridge without an intercept on the centred data, "
             r"which is how `probml.Ridge` and scikit-learn fit one."),
    ]
    results = {"negative log posterior": negative_log_posterior, "gradient": gradient,
               "w_MAP": w_map, "intercept": intercept}

    return Derivation(
        name="ridge-as-map", title="Ridge regression is the MAP under a Gaussian prior",
        concepts=["Ridge", "MAP", "regularisation as a prior"], steps=steps, results=results,
        symbolic=_ridge_identities, scipy=_ridge_against_scipy, probml=_ridge_against_probml,
        tolerance=(1e-6, 1e-12),
        checked_against=("`scipy.optimize.minimize` on the negative log posterior.",
                         "`probml.Ridge(alpha=sigma^2/tau^2)` without and with an intercept "
                         "(against the formula on centred data and b = y-bar - w x-bar), and "
                         "the posterior mean of `probml.BayesianLinearRegression`."))


def _ridge_identities(d):
    """For any n and p: 2 sigma^2 times the negative log posterior is J(w), and its
    gradient 2((X^T X + lambda I) w - X^T y); for the explicit 3 x 2 design, w_MAP solves
    the Ridge normal equations; b = y-bar - w x-bar."""
    r = d.results
    Xm, wm, ym = DESIGN, WEIGHTS, TARGETS
    scaled = sp.expand((2 * SIGMA2 * r["negative log posterior"]).subs(TAU2, SIGMA2 / LAMBDA)
                       - (Xm * wm - ym).T * (Xm * wm - ym) - LAMBDA * wm.T * wm)
    normal = sp.expand(r["gradient"] - 2 * ((Xm.T * Xm + LAMBDA * sp.Identity(p_cols)) * wm
                                            - Xm.T * ym))
    small = (X.T * X + LAMBDA * sp.eye(2)) * explicit(r["w_MAP"]) - X.T * y
    slope = sp.Symbol("w", real=True)
    means = sample_sum(y_data[i]) / n_ - slope * sample_sum(x_data[i]) / n_
    return (scaled == sp.ZeroMatrix(1, 1) and normal == sp.ZeroMatrix(p_cols, 1)
            and all(is_zero(e) for e in small)
            and is_zero(sp.expand(r["intercept"] - means)))


def _ridge_map_on(d, X_, y_):
    prior_precision, noise_precision = RIDGE_PRECISIONS
    return on_data(d.results["w_MAP"], X_, y_[:, None],
                   {LAMBDA: prior_precision / noise_precision}).ravel()


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
    lam = prior_precision / noise_precision
    ours = _ridge_map_on(d, X_, y_)
    ridge = Ridge(alpha=lam, fit_intercept=False).fit(X_, y_)
    bayes = BayesianLinearRegression(alpha=prior_precision, beta=noise_precision,
                                     fit_intercept=False).fit(X_, y_)
    # With an intercept: the formula on the centred data, and b = y-bar - w x-bar.
    shifted_X, shifted_y = X_ + [3.0, -1.0], y_ + 5.0
    centred = _ridge_map_on(d, shifted_X - shifted_X.mean(axis=0), shifted_y - shifted_y.mean())
    with_intercept = Ridge(alpha=lam).fit(shifted_X, shifted_y)
    intercept = shifted_y.mean() - shifted_X.mean(axis=0) @ centred
    return max(np.max(np.abs(ridge.coef_ - ours)), np.max(np.abs(bayes.posterior_mean_ - ours)),
               np.max(np.abs(with_intercept.coef_ - centred)),
               abs(with_intercept.intercept_ - intercept))


@register("lasso-as-map")
def lasso_as_map():
    laplace = -sp.log(sp.exp(-sp.Abs(t) / b_scale) / (2 * b_scale))
    # One coefficient, orthonormal design (x^T x = n): the Lasso objective is, up to a
    # constant, (w - z)^2 / 2 + alpha |w| with z = x^T y / n.
    objective_positive = (t - zs) ** 2 / 2 + a * t
    objective_negative = (t - zs) ** 2 / 2 - a * t
    (positive,) = sp.solve(sp.diff(objective_positive, t), t, check=False)
    (negative,) = sp.solve(sp.diff(objective_negative, t), t, check=False)
    solution = sp.Piecewise((positive, zs > a), (negative, zs < -a), (0, True))
    steps = [
        Step("A Laplace prior of scale $b$ on a weight has negative log-density",
             Eq(Tex(r"-\log p(w)"), sp.expand(sp.expand_log(laplace, force=True)))),
        Step("so the negative log posterior with Gaussian noise is the squared error plus "
             "$|w|/b$: the L1 penalty, with $\\alpha = \\sigma^2 / (n b)$ in the Lasso's "
             "scaling."),
        Step("With one coefficient and an orthonormal design the objective is, up to a "
             "constant, with $z = x^\\top y / n$ the least-squares estimate,",
             Eq(Tex("J(w)"), (t - zs) ** 2 / 2 + a * sp.Abs(t))),
        Step("For $w > 0$ its derivative vanishes at", Eq(t, positive)),
        Step("which is positive only when $z > \\alpha$; for $w < 0$ at", Eq(t, negative)),
        Step("and otherwise the minimum is at the kink $w = 0$. Together: soft thresholding,",
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
