"""Bayes: Beta-Bernoulli conjugacy and the Bayesian linear posterior."""

import numpy as np
import sympy as sp

from .._derivation import Derivation, Eq, Step, Tex, is_zero
from . import register
from ._linear_gaussian import X, alpha, beta, sample_data, substitutions, w, y

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
    (mode,) = sp.solve(sp.diff(log_posterior, q), q)
    steps = [
        Step("A Beta(a, b) prior has density proportional to",
             Eq(Tex(r"\pi(p)"), prior)),
        Step("and k successes in n trials have likelihood",
             Eq(Tex(r"L(p)"), likelihood)),
        Step("Their product, the unnormalised posterior, adds the exponents:",
             Eq(Tex(r"\pi(p \mid k)"), posterior)),
        Step("which is Beta(a + k, b + n - k): the prior counts a - 1 and b - 1 act as "
             "pseudo-observations. Its mean is", Eq(Tex("E[p \\mid k]"), mean)),
        Step("and its mode, the MAP estimate (where the log-posterior's derivative is 0),",
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
    return (is_zero(sp.simplify(d.results["posterior kernel"] / kernel) - 1)
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
    log_prior = -alpha / 2 * (w.T * w)[0]
    log_likelihood = -beta / 2 * ((y - X * w).T * (y - X * w))[0]
    log_posterior = sp.expand(log_prior + log_likelihood)
    precision = -sp.hessian(log_posterior, list(w))              # S^-1
    gradient_at_zero = sp.Matrix([sp.diff(log_posterior, wj) for wj in w]).subs(
        {wj: 0 for wj in w})
    mean = precision.LUsolve(gradient_at_zero)                    # m = S (beta X^T y)
    steps = [
        Step("The prior $w \\sim \\mathcal N(0, \\alpha^{-1} I)$ and the likelihood $y \\sim \\mathcal N(X w, \\beta^{-1} I)$ "
             "have log-densities (up to constants, for an explicit 3 x 2 design)",
             Eq(Tex(r"\log p(w) + \log p(y \mid w)"),
                   Tex(r"-\frac{\alpha}{2} w^\top w - \frac{\beta}{2}"
                             r"\lVert y - X w\rVert^2"))),
        Step("The sum is quadratic in w, so the posterior is Gaussian. Its precision is "
             "minus the Hessian,", Eq(Tex(r"S^{-1}"), precision)),
        Step("that is", Eq(Tex(r"S^{-1}"),
                              Tex(r"\alpha I + \beta X^\top X"))),
        Step("and completing the square puts its mean where the gradient vanishes: the "
             "gradient at $w = 0$ is $\\beta X^\\top y$, so",
             Eq(Tex("m"), Tex(r"\beta S X^\top y"))),
    ]
    results = {"posterior precision": precision, "posterior mean": mean}

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
    """S^-1 = alpha I + beta X^T X, and S^-1 m = beta X^T y (the square is completed).

    Both the log posterior and -(w - m)^T S^-1 (w - m) / 2 are quadratics in w with
    Hessian -S^-1; their gradients differ by beta X^T y - S^-1 m, so the two differ
    by a constant exactly when that vanishes.
    """
    S_inv, m = d.results["posterior precision"], d.results["posterior mean"]
    return (all(is_zero(e) for e in S_inv - (alpha * sp.eye(2) + beta * X.T * X))
            and all(is_zero(e) for e in S_inv * m - beta * X.T * y))


def _linear_posterior_moments(d, X_, y_):
    """The derived posterior mean and covariance on the sample data."""
    values = substitutions(X_, y_, *LINEAR_PRECISIONS)
    precision = np.array(d.results["posterior precision"].subs(values), dtype=float)
    mean = np.array(d.results["posterior mean"].subs(values), dtype=float).ravel()
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
