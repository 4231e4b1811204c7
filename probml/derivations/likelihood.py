"""Maximum likelihood: the Gaussian and Bernoulli MLEs, and losses as likelihoods."""

import numpy as np
import sympy as sp

from .._derivation import Derivation, Eq, Step, Tex, is_zero
from . import register

mu = sp.Symbol("mu", real=True)
sigma2 = sp.Symbol("sigma^2", positive=True)
N = 5
_s2_hat_symbol = Tex(r"\hat\sigma^2", positive=True)
xs_symbols = sp.symbols(f"x_1:{N + 1}", real=True)
n = sp.Symbol("n", positive=True)

# k successes in n Bernoulli trials with probability q.
k, q = sp.symbols("k p", positive=True)

# Three observations and predictions, a Laplace scale, one Bernoulli label and a
# one-hot label over three classes with their probabilities.
LOSS_N = 3
YS, PREDS = sp.symbols("y_1:4", real=True), sp.symbols(r"\hat{y}_1:4", real=True)
SCALE = sp.Symbol("b", positive=True)
LABEL = sp.Symbol("y", positive=True)
CLASS_PROBS, ONE_HOT = sp.symbols("p_1:4", positive=True), sp.symbols("y_1:4", nonnegative=True)


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
    expected_by_n = {m: _expected_sum_of_squares(m, sigma2) for m in range(2, 7)}
    slope = sp.simplify(expected_by_n[3] - expected_by_n[2])
    expected_ss = sp.expand(expected_by_n[2] + (n - 2) * slope)
    steps = [
        Step(f"The log-likelihood of n Gaussian observations (written for n = {N}, so "
             "SymPy can solve the sums) is",
             Eq(Tex(r"\ell(\mu, \sigma^2)"),
                   Tex(r"-\frac{n}{2}\log(2\pi\sigma^2) - \frac{1}{2\sigma^2}"
                             r"\sum_i (x_i - \mu)^2"))),
        Step("Setting the score for the mean to zero gives the sample mean,",
             Eq(Tex(r"\hat\mu"), mu_hat)),
        Step("and the score for the variance, at that mean, gives the 1/n variance:",
             Eq(Tex(r"\hat\sigma^2"), sp.factor(s2_hat))),
        Step("At the optimum the Hessian (SymPy's, in the x_i, equals the following "
             "once the sum of squares is written as n times the variance estimate) is "
             "diagonal with negative entries, so the optimum is a maximum:",
             sp.Matrix([[-N / _s2_hat_symbol, 0], [0, -N / (2 * _s2_hat_symbol ** 2)]])),
        Step("Writing x_i = mu + sigma e_i with independent standard e_i and taking "
             "expectations term by term (E e_i = 0, E e_i^2 = 1, E e_i e_j = 0), the "
             "expected sum of squares about the sample mean for n = 2, ..., 6 is",
             sp.Matrix([list(expected_by_n.values())])),
        Step("which grows by sigma^2 per observation from sigma^2 at n = 2:",
             Eq(Tex(r"E\left[\sum_i (x_i - \bar x)^2\right]"),
                   sp.factor(expected_ss))),
        Step("so the MLE is biased low by the factor (n - 1)/n, and dividing by n - 1 "
             "instead gives the unbiased estimator.",
             Eq(Tex(r"E[\hat\sigma^2]"), sp.factor(expected_ss / n))),
    ]
    results = {"mu_hat": mu_hat, "sigma2_hat": s2_hat, "hessian at optimum": hessian,
               "E[sum of squares], n = 2..6": sp.Matrix([list(expected_by_n.values())]),
               "E[sigma2_hat]": expected_ss / n}

    return Derivation(
        name="gaussian-mle", title="The Gaussian MLE: sample mean and the 1/n variance",
        concepts=["maximum likelihood", "Gaussian", "bias of the variance estimator"],
        steps=steps, results=results, symbolic=_gaussian_mle_identities,
        scipy=_gaussian_mle_against_scipy, probml=_gaussian_mle_against_probml,
        tolerance=(1e-6, 1e-4),
        checked_against=("`scipy.optimize.minimize` on the negative log-likelihood "
                         "(`scipy.stats.norm.logpdf`).",
                         "`probml.Normal` (`mean_`, `var_`, `var_unbiased_`), and a "
                         "simulation of E[sigma_hat^2] = (n - 1)/n sigma^2."))


def _gaussian_mle_identities(d):
    """The mean and 1/n variance; a negative diagonal Hessian; E[sigma_hat^2] = (n-1)/n sigma^2."""
    r = d.results
    mean = sum(xs_symbols) / N
    variance = sum((xi - mean) ** 2 for xi in xs_symbols) / N
    H = r["hessian at optimum"]
    # -n/v and -n/(2 v^2) at v = the variance estimate: negative, as v > 0.
    return (is_zero(r["mu_hat"] - mean) and is_zero(r["sigma2_hat"] - variance)
            and is_zero(H[0, 1]) and is_zero(H[0, 0] + N / variance)
            and is_zero(H[1, 1] + N / (2 * variance ** 2))
            and all(is_zero(e - (m - 1) * sigma2) for m, e in
                    zip(range(2, 7), r["E[sum of squares], n = 2..6"]))
            and is_zero(r["E[sigma2_hat]"] - (n - 1) / n * sigma2))


def _gaussian_estimates(d, data):
    """The n = 5 closed forms (the mean and 1/n variance) applied to ``data``."""
    mean_fn = sp.lambdify(xs_symbols, d.results["mu_hat"])
    var_fn = sp.lambdify(xs_symbols, d.results["sigma2_hat"])
    return mean_fn(*data[:N]), var_fn(*data[:N])


def _gaussian_mle_against_scipy(d):
    from scipy.optimize import minimize
    from scipy.stats import norm

    data = _sample(5)[:N]
    found = minimize(lambda t: -norm.logpdf(data, t[0], np.exp(t[1] / 2)).sum(),
                     [0.0, 0.0], method="BFGS", options={"gtol": 1e-10}).x
    mean, var = _gaussian_estimates(d, data)
    return max(abs(found[0] - mean), abs(np.exp(found[1]) - var) / var)


def _gaussian_mle_against_probml(d):
    from probml import Normal

    data = _sample(6)[:N]
    model = Normal().fit(data)
    mean, var = _gaussian_estimates(d, data)
    rng = np.random.default_rng(7)
    simulated = rng.normal(size=(200_000, N)).var(axis=1).mean()   # E of 1/n variance
    expected = float(d.results["E[sigma2_hat]"].subs({n: N, sigma2: 1}))
    return max(abs(model.mean_ - mean), abs(model.var_ - var),
               abs(model.var_unbiased_ - var * N / (N - 1)),
               abs(simulated - expected) / 100)   # Monte-Carlo: sd about 0.0013


@register("bernoulli-mle")
def bernoulli_mle():
    loglik = k * sp.log(q) + (n - k) * sp.log(1 - q)
    (p_hat,) = sp.solve(sp.diff(loglik, q), q)
    second = sp.simplify(sp.diff(loglik, q, 2).subs(q, p_hat))
    steps = [
        Step("With k successes in n Bernoulli trials the log-likelihood of p is",
             Eq(Tex(r"\ell(p)"), loglik)),
        Step("Its derivative vanishes at the share of successes,",
             Eq(Tex(r"\hat p"), p_hat)),
        Step("where the second derivative is negative (0 < k < n), so it is the maximum; "
             "its inverse gives the Fisher variance p(1 - p)/n.",
             Eq(Tex(r"\ell''(\hat p)"), second)),
    ]
    results = {"p_hat": p_hat, "second derivative": second}

    return Derivation(
        name="bernoulli-mle", title="The Bernoulli MLE is the share of successes",
        concepts=["maximum likelihood", "Bernoulli"], steps=steps, results=results,
        symbolic=_bernoulli_mle_identities, scipy=_bernoulli_mle_against_scipy,
        probml=_bernoulli_mle_against_probml, tolerance=(1e-8, 1e-15),
        checked_against=("`scipy.optimize.minimize_scalar` on `scipy.stats.binom.logpmf`.",
                         "`probml.Bernoulli().fit(...).p_`."))


def _bernoulli_mle_identities(d):
    """p_hat = k / n, and minus the inverse second derivative is p (1 - p) / n."""
    return (is_zero(d.results["p_hat"] - k / n)
            and is_zero(sp.simplify(-1 / d.results["second derivative"]
                                    - (k / n) * (1 - k / n) / n)))


def _bernoulli_mle_against_scipy(d):
    from scipy.optimize import minimize_scalar
    from scipy.stats import binom

    found = minimize_scalar(lambda t: -binom.logpmf(7, 20, t), bounds=(1e-9, 1 - 1e-9),
                            method="bounded", options={"xatol": 1e-12}).x
    return abs(found - float(d.results["p_hat"].subs({k: 7, n: 20})))


def _bernoulli_mle_against_probml(d):
    from probml import Bernoulli

    model = Bernoulli().fit(np.r_[np.ones(7), np.zeros(13)])
    return abs(model.p_ - float(d.results["p_hat"].subs({k: 7, n: 20})))


@register("losses-as-likelihoods")
def losses_as_likelihoods():
    ys, preds, s2, scale, label = YS, PREDS, sigma2, SCALE, LABEL
    P, Y = CLASS_PROBS, ONE_HOT
    gauss = -sum(sp.log(sp.exp(-(y - f) ** 2 / (2 * s2)) / sp.sqrt(2 * sp.pi * s2))
                 for y, f in zip(ys, preds))
    laplace = -sum(sp.log(sp.exp(-sp.Abs(y - f) / scale) / (2 * scale))
                   for y, f in zip(ys, preds))
    bernoulli = -sp.log(q ** label * (1 - q) ** (1 - label))
    categorical = -sp.log(sp.Mul(*[pk ** yk for pk, yk in zip(P, Y)]))
    results = {
        "Gaussian NLL": sp.expand(sp.expand_log(gauss, force=True)),
        "Laplace NLL": sp.expand(sp.expand_log(laplace, force=True)),
        "Bernoulli NLL": sp.expand(sp.expand_log(bernoulli, force=True)),
        "categorical NLL": sp.expand(sp.expand_log(categorical, force=True)),
    }
    steps = [
        Step("The negative log-likelihood of n = 3 observations with Gaussian noise about "
             "the predictions is", Eq(Tex(r"-\log L"), results["Gaussian NLL"])),
        Step("a constant plus n/(2 sigma^2) times the mean squared error: minimising the "
             "MSE is maximum likelihood.", Eq(
                 Tex(r"-\log L"),
                 Tex(r"\frac{n}{2}\log(2\pi\sigma^2) + \frac{n}{2\sigma^2}"
                           r"\,\mathrm{MSE}"))),
        Step("With Laplace noise of scale b it is a constant plus n/b times the mean "
             "absolute error:", Eq(Tex(r"-\log L"), results["Laplace NLL"])),
        Step("One Bernoulli label y with probability p gives binary cross-entropy:",
             Eq(Tex(r"-\log L"), results["Bernoulli NLL"])),
        Step("and a one-hot label over K = 3 classes gives categorical cross-entropy:",
             Eq(Tex(r"-\log L"), results["categorical NLL"])),
        Step("Each loss is a negative sum of log-probabilities because the likelihood of "
             "independent observations is a product, and the log turns the product into "
             "a sum; the minus sign turns maximising into minimising."),
    ]

    return Derivation(
        name="losses-as-likelihoods", title="Every loss is a negative log-likelihood",
        concepts=["mean squared error", "mean absolute error", "cross-entropy", "likelihood"],
        steps=steps, results=results, symbolic=_losses_identities,
        scipy=_losses_against_scipy, probml=_losses_against_probml, tolerance=(1e-12, 1e-12),
        checked_against=("`scipy.stats` log-densities: `norm`, `laplace`, `bernoulli`, "
                         "`multinomial`.",
                         "`probml.losses`: MSE, MAE, binary and categorical cross-entropy."))


def _losses_identities(d):
    """Each NLL is a constant plus a multiple of its loss: MSE, MAE, binary and categorical CE."""
    r, n3 = d.results, LOSS_N
    mse = sum((y - f) ** 2 for y, f in zip(YS, PREDS)) / n3
    mae = sum(sp.Abs(y - f) for y, f in zip(YS, PREDS)) / n3
    return (is_zero(r["Gaussian NLL"] - (n3 * sp.log(2 * sp.pi * sigma2) / 2
                                         + n3 * mse / (2 * sigma2)))
            and is_zero(r["Laplace NLL"] - (n3 * sp.log(2 * SCALE) + n3 * mae / SCALE))
            and is_zero(r["Bernoulli NLL"] + LABEL * sp.log(q) + (1 - LABEL) * sp.log(1 - q))
            and is_zero(r["categorical NLL"] + sum(yk * sp.log(pk)
                                                   for pk, yk in zip(CLASS_PROBS, ONE_HOT))))


# Where the checks evaluate the negative log-likelihoods: data, predictions, class
# probabilities and a one-hot label.
_rng = np.random.default_rng(8)
LOSS_Y, LOSS_F = _rng.normal(size=3), _rng.normal(size=3)
LOSS_P, LOSS_ONE_HOT = np.array([0.2, 0.5, 0.3]), np.array([0.0, 0.0, 1.0])


def _losses_at_the_data(d):
    r, data = d.results, {**dict(zip(YS, LOSS_Y)), **dict(zip(PREDS, LOSS_F))}
    return {
        "gauss": float(r["Gaussian NLL"].subs({**data, sigma2: 0.7})),
        "laplace": float(r["Laplace NLL"].subs({**data, SCALE: 1.3})),
        "bernoulli": [float(r["Bernoulli NLL"].subs({q: 0.8, LABEL: v})) for v in (0, 1)],
        "categorical": float(r["categorical NLL"].subs({**dict(zip(CLASS_PROBS, LOSS_P)),
                                                        **dict(zip(ONE_HOT, LOSS_ONE_HOT))})),
    }


def _losses_against_scipy(d):
    from scipy import stats

    v = _losses_at_the_data(d)
    return max(abs(v["gauss"] + stats.norm.logpdf(LOSS_Y, LOSS_F, np.sqrt(0.7)).sum()),
               abs(v["laplace"] + stats.laplace.logpdf(LOSS_Y, LOSS_F, 1.3).sum()),
               max(abs(v["bernoulli"][j] + stats.bernoulli.logpmf(j, 0.8)) for j in (0, 1)),
               abs(v["categorical"] + stats.multinomial.logpmf(LOSS_ONE_HOT, 1, LOSS_P)))


def _losses_against_probml(d):
    from probml import losses

    v = _losses_at_the_data(d)
    return max(
        abs(v["gauss"] - (1.5 * np.log(2 * np.pi * 0.7)
                          + 3 / 1.4 * losses.mean_squared_error(LOSS_Y, LOSS_F))),
        abs(v["laplace"] - (3 * np.log(2.6)
                            + 3 / 1.3 * losses.mean_absolute_error(LOSS_Y, LOSS_F))),
        max(abs(v["bernoulli"][j] - losses.binary_cross_entropy([j], [0.8])) for j in (0, 1)),
        abs(v["categorical"] - losses.categorical_cross_entropy([2], [LOSS_P])))


# -- models a user writes: the likelihood engine derives and checks them ---------------

# The data the three example pages are verified on.
_EXAMPLE_SEED = 20261130


def _engine_page(model, data):
    """A registered page of a model the engine derives (the registry's own footer)."""
    derivation = model.derive(data)
    derivation.footer = None
    return derivation


@register("poisson-daily-counts")
def poisson_daily_counts():
    """The Poisson model of daily sign-ups, derived by the likelihood engine."""
    from ..likelihood import examples
    rng = np.random.default_rng(_EXAMPLE_SEED)
    return _engine_page(examples.daily_counts_model(), examples.daily_counts_data(rng))


@register("weibull-time-to-churn")
def weibull_time_to_churn():
    """The Weibull model of days to churn, derived by the likelihood engine."""
    from ..likelihood import examples
    rng = np.random.default_rng(_EXAMPLE_SEED)
    return _engine_page(examples.churn_model(), examples.churn_data(rng))


@register("growth-curve")
def growth_curve():
    """Least squares for the growth curve b1 (1 - exp(-b2 t)), derived by the engine."""
    from ..likelihood import examples
    days, users = examples.growth_curve_data(np.random.default_rng(_EXAMPLE_SEED))
    return examples.growth_curve_model().derive(
        days, users, name="growth-curve",
        title="Least squares for a growth curve $b_1(1 - e^{-b_2 t})$")
