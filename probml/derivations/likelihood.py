"""Maximum likelihood: the Gaussian and Bernoulli MLEs, conjugacy, losses as likelihoods."""

import numpy as np
import sympy as sp

from . import register
from ._core import Derivation, Step, is_zero

mu = sp.Symbol("mu", real=True)
sigma2 = sp.Symbol("sigma^2", positive=True)
N = 5
_s2_hat_symbol = sp.Symbol(r"\hat\sigma^2", positive=True)
xs_symbols = sp.symbols(f"x_1:{N + 1}", real=True)


def _sample(seed, size=200):
    return np.random.default_rng(seed).normal(3.0, 2.0, size)


def _expected_sum_of_squares(m, variance):
    """E[sum (x_i - xbar)^2] for m i.i.d. N(mu, variance) draws, by expanding in e_i."""
    e = sp.symbols(f"e_1:{m + 1}", real=True)
    values = [mu + sp.sqrt(variance) * ei for ei in e]
    mean = sum(values) / m
    polynomial = sp.Poly(sp.expand(sum((v - mean) ** 2 for v in values)), *e)
    total = 0
    for powers, coefficient in polynomial.terms():
        # E of a monomial of independent standard normals: 0 unless every power is
        # even; here degrees are at most 2, so only e_i^2 terms (E = 1) survive.
        if all(power in (0, 2) for power in powers):
            total += coefficient
    return sp.expand(total)


@register("gaussian-mle")
def gaussian_mle():
    # An explicit sample of N = 5 lets solve() work on plain sums; the pattern
    # (mean and 1/n variance) is then read off and checked for any n numerically.
    loglik = sum(-sp.log(2 * sp.pi * sigma2) / 2 - (xi - mu) ** 2 / (2 * sigma2)
                 for xi in xs_symbols)
    score_mu, score_s = sp.diff(loglik, mu), sp.diff(loglik, sigma2)
    mu_hat = sp.solve(score_mu, mu)[0]
    s2_hat = sp.solve(score_s.subs(mu, mu_hat), sigma2)[0]
    hessian = sp.hessian(loglik, (mu, sigma2)).subs({mu: mu_hat}).subs({sigma2: s2_hat})
    # Unbiasedness: write x_i = mu + sigma e_i with independent standard e_i,
    # expand the sum of squares about the mean, and take expectations term by
    # term (E[e_i] = 0, E[e_i^2] = 1, E[e_i e_j] = 0), for n = 2, ..., 6.
    n, s2 = sp.symbols("n sigma^2", positive=True)
    expected_by_n = {m: _expected_sum_of_squares(m, s2) for m in range(2, 7)}
    slope = sp.simplify(expected_by_n[3] - expected_by_n[2])
    expected_ss = sp.expand(expected_by_n[2] + (n - 2) * slope)
    steps = [
        Step(f"The log-likelihood of n Gaussian observations (written for n = {N}, so "
             "SymPy can solve the sums) is",
             sp.Eq(sp.Symbol(r"\ell(\mu, \sigma^2)"),
                   sp.Symbol(r"-\frac{n}{2}\log(2\pi\sigma^2) - \frac{1}{2\sigma^2}"
                             r"\sum_i (x_i - \mu)^2"))),
        Step("Setting the score for the mean to zero gives the sample mean,",
             sp.Eq(sp.Symbol(r"\hat\mu"), mu_hat)),
        Step("and the score for the variance, at that mean, gives the 1/n variance:",
             sp.Eq(sp.Symbol(r"\hat\sigma^2"), sp.factor(s2_hat))),
        Step("At the optimum the Hessian (SymPy's, in the x_i, equals the following "
             "once the sum of squares is written as n times the variance estimate) is "
             "diagonal with negative entries, so the optimum is a maximum:",
             sp.Matrix([[-N / _s2_hat_symbol, 0], [0, -N / (2 * _s2_hat_symbol ** 2)]])),
        Step("Writing x_i = mu + sigma e_i with independent standard e_i and taking "
             "expectations term by term (E e_i = 0, E e_i^2 = 1, E e_i e_j = 0), the "
             "expected sum of squares about the sample mean for n = 2, ..., 6 is",
             sp.Matrix([list(expected_by_n.values())])),
        Step("which grows by sigma^2 per observation from sigma^2 at n = 2:",
             sp.Eq(sp.Symbol(r"E\left[\sum_i (x_i - \bar x)^2\right]"),
                   sp.factor(expected_ss))),
        Step("so the MLE is biased low by the factor (n - 1)/n, and dividing by n - 1 "
             "instead gives the unbiased estimator.",
             sp.Eq(sp.Symbol(r"E[\hat\sigma^2]"), sp.factor(expected_ss / n))),
    ]
    results = {"mu_hat": mu_hat, "sigma2_hat": s2_hat, "hessian at optimum": hessian,
               "E[sum of squares], n = 2..6": sp.Matrix([list(expected_by_n.values())]),
               "E[sigma2_hat]": expected_ss / n}

    def symbolic(d):
        r = d.results
        mean = sum(xs_symbols) / N
        variance = sum((xi - mean) ** 2 for xi in xs_symbols) / N
        H = r["hessian at optimum"]
        # -n/v and -n/(2 v^2) at v = the variance estimate: negative, as v > 0.
        return (is_zero(r["mu_hat"] - mean) and is_zero(r["sigma2_hat"] - variance)
                and is_zero(H[0, 1]) and is_zero(H[0, 0] + N / variance)
                and is_zero(H[1, 1] + N / (2 * variance ** 2))
                and all(is_zero(e - (m - 1) * s2) for m, e in
                        zip(range(2, 7), r["E[sum of squares], n = 2..6"]))
                and is_zero(r["E[sigma2_hat]"] - (n - 1) / n * s2))

    def estimates(d, data):
        # the n = 5 closed forms are the mean and 1/n variance: apply that pattern
        mean_fn = sp.lambdify(xs_symbols, d.results["mu_hat"])
        var_fn = sp.lambdify(xs_symbols, d.results["sigma2_hat"])
        return mean_fn(*data[:N]), var_fn(*data[:N])

    def scipy_check(d):
        from scipy.optimize import minimize
        from scipy.stats import norm

        data = _sample(5)[:N]
        found = minimize(lambda t: -norm.logpdf(data, t[0], np.exp(t[1] / 2)).sum(),
                         [0.0, 0.0], method="BFGS", options={"gtol": 1e-10}).x
        mean, var = estimates(d, data)
        return max(abs(found[0] - mean), abs(np.exp(found[1]) - var) / var)

    def probml_check(d):
        from probml import Normal

        data = _sample(6)[:N]
        model = Normal().fit(data)
        mean, var = estimates(d, data)
        rng = np.random.default_rng(7)
        simulated = rng.normal(size=(200_000, N)).var(axis=1).mean()   # E of 1/n variance
        expected = float(d.results["E[sigma2_hat]"].subs({n: N, s2: 1}))
        return max(abs(model.mean_ - mean), abs(model.var_ - var),
                   abs(model.var_unbiased_ - var * N / (N - 1)),
                   abs(simulated - expected) / 100)   # Monte-Carlo: sd about 0.0013

    return Derivation(
        "gaussian-mle", "The Gaussian MLE: sample mean and the 1/n variance",
        ["maximum likelihood", "Gaussian", "bias of the variance estimator"], steps,
        results, symbolic, scipy_check, probml_check, tolerance=(1e-6, 1e-4),
        checked_against=("`scipy.optimize.minimize` on the negative log-likelihood "
                         "(`scipy.stats.norm.logpdf`).",
                         "`probml.Normal` (`mean_`, `var_`, `var_unbiased_`), and a "
                         "simulation of E[sigma_hat^2] = (n - 1)/n sigma^2."))


@register("bernoulli-mle")
def bernoulli_mle():
    k, n, q = sp.symbols("k n p", positive=True)
    loglik = k * sp.log(q) + (n - k) * sp.log(1 - q)
    (p_hat,) = sp.solve(sp.diff(loglik, q), q)
    second = sp.simplify(sp.diff(loglik, q, 2).subs(q, p_hat))
    steps = [
        Step("With k successes in n Bernoulli trials the log-likelihood of p is",
             sp.Eq(sp.Symbol(r"\ell(p)"), loglik)),
        Step("Its derivative vanishes at the share of successes,",
             sp.Eq(sp.Symbol(r"\hat p"), p_hat)),
        Step("where the second derivative is negative (0 < k < n), so it is the maximum; "
             "its inverse gives the Fisher variance p(1 - p)/n.",
             sp.Eq(sp.Symbol(r"\ell''(\hat p)"), second)),
    ]
    results = {"p_hat": p_hat, "second derivative": second}

    def symbolic(d):
        return (is_zero(d.results["p_hat"] - k / n)
                and is_zero(sp.simplify(-1 / d.results["second derivative"]
                                        - (k / n) * (1 - k / n) / n)))

    def scipy_check(d):
        from scipy.optimize import minimize_scalar
        from scipy.stats import binom

        found = minimize_scalar(lambda t: -binom.logpmf(7, 20, t), bounds=(1e-9, 1 - 1e-9),
                                method="bounded", options={"xatol": 1e-12}).x
        return abs(found - float(d.results["p_hat"].subs({k: 7, n: 20})))

    def probml_check(d):
        from probml import Bernoulli

        data = np.r_[np.ones(7), np.zeros(13)]
        model = Bernoulli().fit(data)
        return abs(model.p_ - float(d.results["p_hat"].subs({k: 7, n: 20})))

    return Derivation(
        "bernoulli-mle", "The Bernoulli MLE is the share of successes",
        ["maximum likelihood", "Bernoulli"], steps, results, symbolic, scipy_check,
        probml_check, tolerance=(1e-8, 1e-15),
        checked_against=("`scipy.optimize.minimize_scalar` on `scipy.stats.binom.logpmf`.",
                         "`probml.Bernoulli().fit(...).p_`."))


@register("beta-bernoulli")
def beta_bernoulli():
    a, b_, k, n, q = sp.symbols("a b k n p", positive=True)
    prior = q ** (a - 1) * (1 - q) ** (b_ - 1)
    likelihood = q ** k * (1 - q) ** (n - k)
    posterior = sp.powsimp(prior * likelihood)
    a_post, b_post = a + k, b_ + n - k
    mean = a_post / (a_post + b_post)
    log_posterior = sp.expand_log(sp.log(posterior), force=True)
    (mode,) = sp.solve(sp.diff(log_posterior, q), q)
    steps = [
        Step("A Beta(a, b) prior has density proportional to",
             sp.Eq(sp.Symbol(r"\pi(p)"), prior)),
        Step("and k successes in n trials have likelihood",
             sp.Eq(sp.Symbol(r"L(p)"), likelihood)),
        Step("Their product, the unnormalised posterior, adds the exponents:",
             sp.Eq(sp.Symbol(r"\pi(p \mid k)"), posterior)),
        Step("which is Beta(a + k, b + n - k): the prior counts a - 1 and b - 1 act as "
             "pseudo-observations. Its mean is", sp.Eq(sp.Symbol("E[p \\mid k]"), mean)),
        Step("and its mode, the MAP estimate (where the log-posterior's derivative is 0),",
             sp.Eq(sp.Symbol(r"\hat p_{\mathrm{MAP}}"), sp.simplify(mode))),
    ]
    results = {"posterior kernel": posterior, "posterior mean": mean, "MAP": mode}

    def symbolic(d):
        kernel = q ** (a_post - 1) * (1 - q) ** (b_post - 1)
        return (is_zero(sp.simplify(d.results["posterior kernel"] / kernel) - 1)
                and is_zero(d.results["MAP"] - (a_post - 1) / (a_post + b_post - 2))
                and is_zero(d.results["posterior mean"] - a_post / (a_post + b_post)))

    values = {a: 2.0, b_: 3.0, k: 7.0, n: 20.0}

    def scipy_check(d):
        from scipy import integrate, optimize
        from scipy.stats import beta, binom

        def unnormalised(t):
            return beta.pdf(t, 2, 3) * binom.pmf(7, 20, t)
        total = integrate.quad(unnormalised, 0, 1, epsabs=1e-14)[0]
        numeric_mean = integrate.quad(lambda t: t * unnormalised(t), 0, 1,
                                      epsabs=1e-14)[0] / total
        numeric_mode = optimize.minimize_scalar(lambda t: -unnormalised(t), bounds=(0, 1),
                                                method="bounded",
                                                options={"xatol": 1e-12}).x
        return max(abs(numeric_mean - float(d.results["posterior mean"].subs(values))),
                   abs(numeric_mode - float(d.results["MAP"].subs(values))))

    def probml_check(d):
        from probml import Bernoulli

        posterior_fit = Bernoulli().fit(np.r_[np.ones(7), np.zeros(13)]).posterior(2.0, 3.0)
        return max(abs(posterior_fit.mean - float(d.results["posterior mean"].subs(values))),
                   abs(posterior_fit.mode - float(d.results["MAP"].subs(values))))

    return Derivation(
        "beta-bernoulli", "The Beta prior is conjugate to the Bernoulli likelihood",
        ["Bayes' theorem", "conjugate prior", "posterior mean", "MAP"], steps, results,
        symbolic, scipy_check, probml_check, tolerance=(1e-8, 1e-14),
        checked_against=("`scipy.integrate.quad` of prior times likelihood (mean) and "
                         "`scipy.optimize.minimize_scalar` (mode).",
                         "`probml.Bernoulli().fit(...).posterior(a, b)`."))
