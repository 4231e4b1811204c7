"""Hypothesis tests and A/B testing: the two-proportion z-test, and the sample size for a power."""

import numpy as np
import sympy as sp

from .._derivation import Derivation, Eq, Step, Tex, is_zero
from . import register

# Counts of the numeric checks: (x_A, n_A, x_B, n_B).
_EXPERIMENTS = [(200, 2000, 250, 2000), (31, 480, 47, 515), (1210, 10000, 1305, 9800),
                (3, 40, 9, 38)]
# (p_A, p_B, alpha, power, ratio) for the sample-size checks.
_DESIGNS = [(0.10, 0.12, 0.05, 0.8, 1.0), (0.03, 0.036, 0.01, 0.9, 1.0),
            (0.5, 0.45, 0.05, 0.8, 2.0), (0.2, 0.3, 0.10, 0.95, 0.5)]

# The counts of the two arms, a common rate p, one visitor's conversion b and a count n.
x_a, n_a, x_b, n_b = sp.symbols("x_A n_A x_B n_B", positive=True)
p, b, n = sp.symbols("p b n", positive=True)
# An effect h on the arcsine scale, the allocation ratio r and the normal quantiles.
r, h = sp.symbols("r h", positive=True)
z_alpha, z_beta = sp.symbols(r"z_{1-\alpha} z_{1-\beta}", positive=True)


@register("two-proportion-z-test")
def two_proportion_z_test():
    loglik = (x_a + x_b) * sp.log(p) + (n_a + n_b - x_a - x_b) * sp.log(1 - p)
    (pooled,) = sp.solve(sp.diff(loglik, p), p, check=False)
    pmf = p ** b * (1 - p) ** (1 - b)
    mean = sum(v * pmf.subs(b, v) for v in (0, 1))
    bernoulli_variance = sp.factor(sum(v ** 2 * pmf.subs(b, v) for v in (0, 1)) - mean ** 2)
    rate_variance = n * bernoulli_variance / n ** 2          # Var(x/n) = n Var(b) / n^2
    difference_variance = sp.factor(rate_variance.subs(n, n_a) + rate_variance.subs(n, n_b))
    z = (x_b / n_b - x_a / n_a) / sp.sqrt(difference_variance.subs(p, pooled))
    table = sp.Matrix([[x_a, n_a - x_a], [x_b, n_b - x_b]])
    total = n_a + n_b
    rows, columns = [n_a, n_b], [x_a + x_b, total - x_a - x_b]
    chi2 = sum((table[i, j] - rows[i] * columns[j] / total) ** 2
               / (rows[i] * columns[j] / total) for i in range(2) for j in range(2))
    steps = [
        Step("Under the null hypothesis both arms convert at one rate $p$; the joint "
             "log-likelihood of $x_A$ of $n_A$ and $x_B$ of $n_B$ conversions is",
             Eq(Tex(r"\ell(p)"), loglik)),
        Step("Its score vanishes at the pooled rate, the MLE of $p$ under the null:",
             Eq(Tex(r"\bar p"), pooled)),
        Step("One visitor's conversion $b \\in \\{0, 1\\}$ has variance $E[b^2] - E[b]^2$ (summing "
             "its pmf over both values),", Eq(Tex(r"\operatorname{Var} b"),
                                                 bernoulli_variance)),
        Step("so a rate $x/n$, the mean of $n$ independent visitors, has variance $p(1 - p)/n$ "
             "and the difference of two independent arms has variance",
             Eq(Tex(r"\operatorname{Var}(\hat p_B - \hat p_A)"), difference_variance)),
        Step("Standardising the observed difference with the null variance at the pooled "
             "rate gives the $z$ statistic, approximately $\\mathcal N(0, 1)$ under the null:",
             Eq(Tex("z"), z)),
        Step("Pearson's chi-square statistic of the $2 \\times 2$ table (expected counts from the "
             "margins) is", Eq(Tex("X^2"), chi2)),
        Step("and SymPy confirms that $z^2 - X^2$ simplifies to 0: the two-sided z-test and "
             "the uncorrected chi-square test are the same test.",
             Eq(Tex("z^2 - X^2"), sp.factor(sp.together(z ** 2 - chi2)))),
    ]
    results = {"pooled rate": pooled, "variance of the difference": difference_variance,
               "z": z, "chi-square": chi2}
    return Derivation(
        name="two-proportion-z-test", title="The two-proportion z-test of an A/B test",
        concepts=["hypothesis test", "A/B testing", "maximum likelihood", "chi-square test"],
        steps=steps, results=results, symbolic=_z_test_identities,
        scipy=_z_test_against_scipy, probml=_z_test_against_probml, tolerance=(1e-10, 1e-12),
        checked_against=("`scipy.stats.chi2_contingency(..., correction=False)`: z^2 against "
                         "its statistic (relative) and the normal p-value against its "
                         "p-value, on four experiments.",
                         "`probml.hypothesis_testing.two_proportion_z_test(...).statistic`."))


def _z_test_identities(d):
    """The pooled rate, the variance p (1 - p)(1/n_A + 1/n_B), z as by hand, and z^2 = X^2."""
    pooled = (x_a + x_b) / (n_a + n_b)
    z_by_hand = (x_b / n_b - x_a / n_a) / sp.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    return (is_zero(d.results["pooled rate"] - pooled)
            and is_zero(d.results["variance of the difference"]
                        - p * (1 - p) * (1 / n_a + 1 / n_b))
            and is_zero(d.results["z"] ** 2 - z_by_hand ** 2)
            and is_zero(sp.together(d.results["z"] ** 2 - d.results["chi-square"])))


def _z_of(d, experiment):
    return float(d.results["z"].subs(dict(zip((x_a, n_a, x_b, n_b), experiment))))


def _z_test_against_scipy(d):
    from scipy.stats import chi2 as chi2_distribution
    from scipy.stats import chi2_contingency, norm

    error = 0.0
    for x1, m1, x2, m2 in _EXPERIMENTS:
        value = _z_of(d, (x1, m1, x2, m2))
        oracle = chi2_contingency([[x1, m1 - x1], [x2, m2 - x2]], correction=False)
        error = max(error, abs(value ** 2 - oracle.statistic) / oracle.statistic,
                    abs(2 * norm.sf(abs(value)) - oracle.pvalue),
                    abs(chi2_distribution.sf(value ** 2, 1) - oracle.pvalue))
    return error


def _z_test_against_probml(d):
    from probml.hypothesis_testing import two_proportion_z_test as z_test

    return max(abs(_z_of(d, e) - z_test(*e).statistic) for e in _EXPERIMENTS)


@register("sample-size")
def sample_size():
    phi = 2 * sp.asin(sp.sqrt(p))
    slope = sp.diff(phi, p)
    delta_variance = sp.simplify(slope ** 2 * p * (1 - p) / n)
    sd = sp.sqrt(delta_variance.subs(n, n) + delta_variance.subs(n, r * n))
    # Without SymPy's check of each root, n = 0 (where sd is not defined) comes back too.
    (n_required,) = [root for root in sp.solve(Eq(h / sd - z_alpha, z_beta), n, check=False)
                     if root.is_positive]
    n_required = sp.factor(n_required)
    steps = [
        Step("Plan on Cohen's scale: the arcsine transform of a rate", Eq(Tex(r"\phi(p)"),
                                                                           phi)),
        Step("has derivative", Eq(Tex(r"\phi'(p)"), slope)),
        Step("so by the delta method, $\\operatorname{Var}\\phi(\\hat p) = "
             "\\phi'(p)^2 p(1 - p)/n$ does not depend on $p$ (the transform stabilises the "
             "variance):",
             Eq(Tex(r"\operatorname{Var}\phi(\hat p)"), delta_variance)),
        Step("With $n$ visitors in arm A and $r n$ in arm B, the difference of the transformed "
             "rates estimates $h = \\phi(p_B) - \\phi(p_A)$ with standard deviation",
             Eq(Tex(r"\mathrm{sd}"), sd)),
        Step("A one-sided test at level $\\alpha$ rejects when the standardised difference "
             "exceeds $z_{1-\\alpha}$; when the true effect is $h$ that statistic is about "
             "$\\mathcal N(h/\\mathrm{sd}, 1)$, so the power is "
             "$\\Phi(h/\\mathrm{sd} - z_{1-\\alpha})$. Setting the power to $1 - \\beta$, "
             "$h/\\mathrm{sd} - z_{1-\\alpha} = z_{1-\\beta}$, and solving for $n$:",
             Eq(Tex("n_A"), n_required)),
        Step("A two-sided test uses $z_{1-\\alpha/2}$ in place of $z_{1-\\alpha}$; the formula then "
             "ignores the chance of rejecting in the wrong direction, which is why "
             "`probml.hypothesis_testing.ab_test_design` solves the full power equation "
             "numerically."),
    ]
    results = {"variance of phi(p_hat)": delta_variance, "n per arm": n_required}

    return Derivation(
        name="sample-size", title="Sample size of an A/B test from the power equation",
        concepts=["A/B testing", "power", "sample size", "delta method"], steps=steps,
        results=results, symbolic=_sample_size_identities, scipy=_sample_size_against_scipy,
        probml=_sample_size_against_probml, tolerance=(1e-9, 1e-12),
        checked_against=("`scipy.optimize.brentq` on the power equation written with "
                         "`scipy.stats.norm`, relative error in n, four designs.",
                         "`probml.hypothesis_testing.ab_test_design(..., alternative='greater' or "
                         "'less').n_per_arm`, relative error."))


def _sample_size_identities(d):
    """Var phi(p_hat) = 1/n, and n_A = (1 + r)/r ((z_{1-alpha} + z_{1-beta}) / h)^2."""
    return (is_zero(d.results["variance of phi(p_hat)"] - 1 / n)
            and is_zero(d.results["n per arm"] - (1 + r) / r * ((z_alpha + z_beta) / h) ** 2))


def _arcsine_effect(p_a, p_b):
    return abs(2 * np.arcsin(np.sqrt(p_b)) - 2 * np.arcsin(np.sqrt(p_a)))


def _n_per_arm(d, p_a, p_b, alpha, power, ratio):
    """The derived n per arm for a design."""
    from scipy.stats import norm

    return float(d.results["n per arm"].subs(
        {h: _arcsine_effect(p_a, p_b), r: ratio, z_alpha: norm.isf(alpha),
         z_beta: norm.isf(1 - power)}))


def _sample_size_against_scipy(d):
    from scipy.optimize import brentq
    from scipy.stats import norm

    error = 0.0
    for p_a, p_b, alpha, power, ratio in _DESIGNS:
        effect = _arcsine_effect(p_a, p_b)

        def shortfall(size):
            sd = np.sqrt(1 / size + 1 / (ratio * size))
            return norm.sf(norm.isf(alpha) - effect / sd) - power
        root = brentq(shortfall, 1.0, 1e8, xtol=1e-12, rtol=1e-15)
        error = max(error, abs(_n_per_arm(d, p_a, p_b, alpha, power, ratio) - root) / root)
    return error


def _sample_size_against_probml(d):
    from probml.hypothesis_testing import ab_test_design

    error = 0.0
    for p_a, p_b, alpha, power, ratio in _DESIGNS:
        side = "greater" if p_b > p_a else "less"
        design = ab_test_design(p_a, p_b - p_a, alpha=alpha, power=power, ratio=ratio,
                                alternative=side)
        expected = _n_per_arm(d, p_a, p_b, alpha, power, ratio)
        error = max(error, abs(design.n_per_arm - expected) / expected)
    return error
