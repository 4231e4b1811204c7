"""Bayes: Beta-Bernoulli conjugacy and the Bayesian linear posterior."""

import numpy as np
import sympy as sp

from .._derivation import Derivation, Eq, Step, Tex, is_zero, shown
from . import register
from ._linear_gaussian import (
    DESIGN,
    TARGETS,
    WEIGHTS,
    X,
    alpha,
    beta,
    explicit,
    on_data,
    p_cols,
    sample_data,
    y,
)

# A Beta(a, b) prior on the probability q, and k successes in n trials; the numbers
# at which the checks compare.
a, b_, k, n, q = sp.symbols("a b k n p", positive=True)
BETA_BERNOULLI_VALUES = {a: 2.0, b_: 3.0, k: 7.0, n: 20.0}
# The prior precision and noise precision at which the linear posterior is checked.
LINEAR_PRECISIONS = (2.0, 4.0)


@register("beta-bernoulli")
def beta_bernoulli():
    prior = q ** (a - 1) * (1 - q) ** (b_ - 1)
    likelihood = q ** k * (1 - q) ** (n - k)
    posterior = sp.powsimp(prior * likelihood)
    mean = (a + k) / (a + b_ + n)
    log_posterior = sp.expand_log(sp.log(posterior), force=True)
    (mode,) = sp.solve(sp.diff(log_posterior, q), q, check=False)
    steps = [
        Step(r"A $\mathrm{Beta}(a, b)$ prior on the success probability $p$ has density "
             "proportional to", Eq(Tex(r"\pi(p)"), prior)),
        Step(r"and $k$ successes in $n$ trials have likelihood",
             shown("L(p)", likelihood)),
        Step("Their product, the unnormalised posterior, adds the exponents:",
             Eq(Tex(r"\pi(p \mid k)"), posterior)),
        Step(r"which is $\mathrm{Beta}(a + k, b + n - k)$: the prior's $a - 1$ and $b - 1$ "
             r"act as pseudo-counts of successes and failures. Its mean is",
             Eq(Tex("E[p \\mid k]"), mean)),
        Step(r"and its mode, the MAP estimate (where the log posterior's derivative is 0),",
             Eq(Tex(r"\hat p_{\mathrm{MAP}}"), sp.simplify(mode))),
    ]
    results = {"posterior kernel": posterior, "posterior mean": mean, "MAP": mode}

    return Derivation(
        name="beta-bernoulli", title="The Beta prior is conjugate to the Bernoulli likelihood",
        concepts=["Bayes' theorem", "conjugate prior", "posterior mean", "MAP"],
        steps=steps, results=results, symbolic=_beta_bernoulli_identities,
        scipy=_beta_bernoulli_against_scipy, probml=_beta_bernoulli_against_probml,
        tolerance=(1e-8, 1e-14),
        checked_against=("`scipy.integrate.quad` of prior times likelihood (mean) and "
                         "`scipy.optimize.minimize_scalar` (mode).",
                         "`probml.Bernoulli().fit(...).posterior(a, b)`."))


def _beta_bernoulli_identities(d):
    """The posterior is Beta(a + k, b + n - k), with its mode and mean."""
    a_post, b_post = a + k, b_ + n - k
    kernel = q ** (a_post - 1) * (1 - q) ** (b_post - 1)
    return (is_zero(d.results["posterior kernel"] / kernel - 1)
            and is_zero(d.results["MAP"] - (a_post - 1) / (a_post + b_post - 2))
            and is_zero(d.results["posterior mean"] - a_post / (a_post + b_post)))


def _beta_bernoulli_at_the_values(d):
    return (float(d.results["posterior mean"].subs(BETA_BERNOULLI_VALUES)),
            float(d.results["MAP"].subs(BETA_BERNOULLI_VALUES)))


def _beta_bernoulli_against_scipy(d):
    from scipy import integrate, optimize
    from scipy.stats import beta as beta_distribution
    from scipy.stats import binom

    def unnormalised(t):
        return beta_distribution.pdf(t, 2, 3) * binom.pmf(7, 20, t)
    total = integrate.quad(unnormalised, 0, 1, epsabs=1e-14)[0]
    numeric_mean = integrate.quad(lambda t: t * unnormalised(t), 0, 1, epsabs=1e-14)[0] / total
    numeric_mode = optimize.minimize_scalar(lambda t: -unnormalised(t), bounds=(0, 1),
                                            method="bounded", options={"xatol": 1e-12}).x
    mean, mode = _beta_bernoulli_at_the_values(d)
    return max(abs(numeric_mean - mean), abs(numeric_mode - mode))


def _beta_bernoulli_against_probml(d):
    from probml import Bernoulli

    posterior_fit = Bernoulli().fit(np.r_[np.ones(7), np.zeros(13)]).posterior(2.0, 3.0)
    mean, mode = _beta_bernoulli_at_the_values(d)
    return max(abs(posterior_fit.mean - mean), abs(posterior_fit.mode - mode))


@register("bayesian-linear-posterior")
def bayesian_linear_posterior():
    """The posterior of w for n examples of p features, by matrix calculus."""
    Xm, wm, ym = DESIGN, WEIGHTS, TARGETS
    log_prior = -alpha / 2 * (wm.T * wm)
    log_likelihood = -beta / 2 * ((Xm * wm - ym).T * (Xm * wm - ym))
    log_posterior = log_prior + log_likelihood
    gradient = sp.diff(log_posterior, wm)
    hessian = sp.diff(gradient, wm)
    precision = alpha * sp.Identity(p_cols) + beta * Xm.T * Xm              # S^-1 = -H
    mean = beta * precision.I * Xm.T * ym                                    # m = beta S X^T y
    steps = [
        Step(r"For $n$ examples of $p$ features ($X$ is $n \times p$), the prior "
             r"$w \sim \mathcal N(0, \alpha^{-1} I)$ and the likelihood "
             r"$y \mid w \sim \mathcal N(Xw, \beta^{-1} I)$ have log-densities "
             r"$-\frac{\alpha}{2} w^\top w$ and $-\frac{\beta}{2}\lVert Xw - y\rVert^2$ up to "
             r"constants, so by Bayes' theorem the log posterior is, up to a constant,",
             Eq(Tex(r"\log p(w \mid y)"), log_posterior)),
        Step(r"SymPy's matrix calculus gives its gradient in $w$,",
             Eq(Tex(r"\nabla_w \log p(w \mid y)"), gradient)),
        Step(r"and its Hessian, which does not depend on $w$:",
             Eq(Tex(r"\nabla_w^2 \log p(w \mid y)"), hessian)),
        Step(r"A log-density that is quadratic in $w$ is a Gaussian's, with precision minus "
             r"the Hessian,", Eq(Tex(r"S^{-1}"), precision)),
        Step(r"Written with it, the gradient is $\beta X^\top y - S^{-1} w$ (SymPy checks "
             r"the difference expands to 0), so it vanishes at the posterior mean, and "
             r"completing the square gives "
             r"$\log p(w \mid y) = -\frac12 (w - m)^\top S^{-1} (w - m) + \text{const}$ with",
             Eq(Tex("m"), mean)),
        Step(r"For the three rows and two features of a small example the precision is "
             r"the $2 \times 2$ matrix",
             Eq(Tex(r"S^{-1}"), explicit(precision))),
    ]
    results = {"log-posterior Hessian": hessian, "posterior precision": precision,
               "posterior mean": mean, "gradient": gradient}

    return Derivation(
        name="bayesian-linear-posterior", title="The posterior of Bayesian linear regression",
        concepts=["Bayes' theorem", "Gaussian prior", "posterior", "completing the square"],
        steps=steps, results=results, symbolic=_linear_posterior_identities,
        scipy=_linear_posterior_against_scipy, probml=_linear_posterior_against_probml,
        tolerance=(1e-6, 1e-12),
        checked_against=("numeric integration of prior times likelihood "
                         "(`scipy.stats` densities) with an 80 x 80 Gauss-Legendre rule "
                         "(`scipy.special.roots_legendre`): the posterior mean.",
                         "`probml.BayesianLinearRegression(alpha, beta, "
                         "fit_intercept=False)`: `posterior_mean_`, `posterior_cov_`."))


def _linear_posterior_identities(d):
    """For any n and p: the Hessian is -S^-1, and the gradient is beta X^T y - S^-1 w.
    For the explicit 3 x 2 design: S^-1 m = beta X^T y (the square is completed).

    Both the log posterior and -(w - m)^T S^-1 (w - m) / 2 are quadratics in w with
    Hessian -S^-1; their gradients differ by beta X^T y - S^-1 m, so the two differ
    by a constant exactly when that vanishes.
    """
    r = d.results
    S_inv, m = r["posterior precision"], r["posterior mean"]
    general = (sp.expand(r["log-posterior Hessian"] + S_inv) == sp.ZeroMatrix(p_cols, p_cols)
               and sp.expand(r["gradient"] - (beta * DESIGN.T * TARGETS - S_inv * WEIGHTS))
               == sp.ZeroMatrix(p_cols, 1))
    small = explicit(S_inv) * explicit(m) - beta * X.T * y
    return general and all(is_zero(e) for e in small)


def _linear_posterior_moments(d, X_, y_):
    """The derived posterior mean and covariance on the sample data."""
    values = dict(zip((alpha, beta), LINEAR_PRECISIONS))
    precision = on_data(d.results["posterior precision"], X_, y_[:, None], values)
    mean = on_data(d.results["posterior mean"], X_, y_[:, None], values).ravel()
    return mean, np.linalg.inv(precision)


def _linear_posterior_against_scipy(d):
    """The posterior mean by numeric integration of prior x likelihood (scipy.stats
    densities) with an 80 x 80 Gauss-Legendre rule (scipy.special) over +-8 posterior
    standard deviations."""
    from scipy import special, stats

    X_, y_ = sample_data()
    prior_precision, noise_precision = LINEAR_PRECISIONS
    mean, cov = _linear_posterior_moments(d, X_, y_)
    nodes, weights = special.roots_legendre(80)
    half = 8 * np.sqrt(np.diag(cov))
    g1, g2 = (mean[j] + half[j] * nodes for j in (0, 1))
    W1, W2 = np.meshgrid(g1, g2, indexing="ij")
    points = np.stack([W1.ravel(), W2.ravel()], axis=1)
    log_joint = (stats.multivariate_normal.logpdf(points, np.zeros(2), np.eye(2) / prior_precision)
                 + stats.norm.logpdf(y_[None, :], points @ X_.T, 1 / np.sqrt(noise_precision)).sum(
                     axis=1))
    density = np.exp(log_joint - log_joint.max()) * np.outer(weights, weights).ravel()
    numeric_mean = density @ points / density.sum()
    return float(np.max(np.abs(numeric_mean - mean)))


def _linear_posterior_against_probml(d):
    from probml import BayesianLinearRegression

    X_, y_ = sample_data()
    mean, cov = _linear_posterior_moments(d, X_, y_)
    prior_precision, noise_precision = LINEAR_PRECISIONS
    model = BayesianLinearRegression(alpha=prior_precision, beta=noise_precision,
                                     fit_intercept=False).fit(X_, y_)
    return max(np.max(np.abs(model.posterior_mean_ - mean)),
               np.max(np.abs(model.posterior_cov_ - cov)))
