"""Maximum likelihood: the Gaussian and Bernoulli MLEs, and losses as likelihoods."""

import numpy as np
import sympy as sp

from .._derivation import Derivation, Eq, Step, Tex, is_zero, sample_value, shown
from ..likelihood.symbolic import INDEX, sample_sum, split_sums
from ..likelihood.symbolic import N as n_obs
from . import register

mu = sp.Symbol("mu", real=True)
sigma2 = sp.Symbol("sigma^2", positive=True)
N = 5
xs_symbols = sp.symbols(f"x_1:{N + 1}", real=True)
# A sample of any size n: x_i, i = 1..n, its mean and the MLE of the variance as symbols.
X = sp.IndexedBase("x", real=True)
X_I = X[INDEX]
XBAR = Tex(r"\bar x", real=True)
S2_HAT = Tex(r"\hat\sigma^2", positive=True)
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
    r"""The Gaussian MLE for a sample of any size n, with sums over i = 1..n throughout."""
    loglik = sample_sum(-sp.log(2 * sp.pi * sigma2) / 2 - (X_I - mu) ** 2 / (2 * sigma2))
    squares = sample_sum((X_I - mu) ** 2)
    written = split_sums(loglik)                   # -n/2 log(2 pi s2) - squares / (2 s2)
    score_mu = split_sums(sp.diff(loglik, mu), expand=True)
    (mu_hat,) = sp.solve(score_mu, mu, check=False)
    score_s2 = split_sums(sp.diff(loglik, sigma2))
    total = sp.Dummy("Q", positive=True)           # the sum of squares, as one number
    (variance,) = sp.solve(score_s2.subs(squares, total), sigma2)
    sigma2_hat = variance.subs(total, sample_sum((X_I - mu_hat) ** 2))
    hessian = _gaussian_hessian_at_optimum(loglik, mu_hat, sigma2_hat)
    # Unbiasedness by linearity of expectation, for any n: E x_i = mu,
    # E x_i^2 = sigma^2 + mu^2, and E x_i x_j = mu^2 for i != j (independence).
    squares_about_mean = split_sums(sample_sum(X_I ** 2), True) - n_obs * XBAR ** 2
    e_square, e_cross = sigma2 + mu ** 2, mu ** 2
    e_mean_square = (n_obs * e_square + n_obs * (n_obs - 1) * e_cross) / n_obs ** 2
    expected_ss = sp.factor(n_obs * e_square - n_obs * e_mean_square)
    steps = [
        Step(r"For $n$ independent observations $x_i \sim \mathcal N(\mu, \sigma^2)$ the "
             "log-likelihood is the sum of the log-densities,",
             shown(r"\ell(\mu, \sigma^2)", loglik)),
        Step(r"and since $\log(2\pi\sigma^2)$ does not depend on $i$, its sum is $n$ "
             "copies of it:",
             shown(r"\ell(\mu, \sigma^2)", written)),
        Step(r"The score for $\mu$: the derivative of the sum is the sum of the "
             r"derivatives, $\sum_i (x_i - \mu)/\sigma^2$, and splitting that sum gives",
             shown(r"\frac{\partial \ell}{\partial \mu}", sp.together(score_mu))),
        Step(r"It vanishes where $n\mu = \sum_i x_i$: the MLE of the mean is the sample "
             r"mean $\bar x$,",
             Eq(Tex(r"\hat\mu"), mu_hat)),
        Step(r"The score for $\sigma^2$ (differentiate $-\frac{n}{2}\log\sigma^2$ and "
             r"$-\frac{1}{2\sigma^2}\sum_i (x_i - \mu)^2$):",
             shown(r"\frac{\partial \ell}{\partial \sigma^2}", score_s2)),
        Step(r"Multiplying by $2\sigma^4$ and setting it to zero at $\mu = \bar x$ gives "
             r"the average squared deviation from $\bar x$, with $1/n$:",
             shown(r"\hat\sigma^2", sigma2_hat.subs(mu_hat, XBAR))),
        Step(r"At $(\hat\mu, \hat\sigma^2)$ the Hessian is diagonal (the mixed derivative "
             r"is $-\sum_i (x_i - \hat\mu)/\sigma^4 = 0$) with negative entries, using "
             r"$\sum_i (x_i - \hat\mu)^2 = n\hat\sigma^2$; so the stationary point is the "
             "maximum:",
             hessian),
        Step(r"Is $\hat\sigma^2$ unbiased? Expand the squares and use $\sum_i x_i = "
             r"n\bar x$:",
             shown(sp.latex(sample_sum((X_I - XBAR) ** 2), order="rev-lex"),
                   squares_about_mean)),
        Step(r"Each $x_i$ has $E[x_i^2] = \sigma^2 + \mu^2$. The mean $\bar x$ has "
             r"variance $\sigma^2/n$ (the variance of a sum of $n$ independent terms is "
             r"$n\sigma^2$, divided by $n^2$), so $E[\bar x^2] = \sigma^2/n + \mu^2$:",
             Eq(Tex(r"E[\bar x^2]"), sp.expand(e_mean_square))),
        Step("Taking expectations of the two terms, by linearity of expectation,",
             Eq(Tex(r"E\left[\sum_{i=1}^{n} (x_i - \bar x)^2\right]"), expected_ss)),
        Step(r"so the MLE is biased low by the factor $(n - 1)/n$; dividing the sum of "
             r"squares by $n - 1$ instead gives the unbiased estimator $s^2$.",
             Eq(Tex(r"E[\hat\sigma^2]"), expected_ss / n_obs)),
    ]
    results = {"mu_hat": mu_hat, "sigma2_hat": sigma2_hat, "hessian at optimum": hessian,
               "sum of squares about the mean": squares_about_mean,
               "E[sum of squares]": expected_ss, "E[sigma2_hat]": expected_ss / n_obs}

    return Derivation(
        name="gaussian-mle", title="The Gaussian MLE: sample mean and the 1/n variance",
        concepts=["maximum likelihood", "Gaussian", "bias of the variance estimator"],
        steps=steps, results=results, symbolic=_gaussian_mle_identities,
        scipy=_gaussian_mle_against_scipy, probml=_gaussian_mle_against_probml,
        tolerance=(1e-6, 1e-4),
        checked_against=("`scipy.optimize.minimize` on the negative log-likelihood "
                         "(`scipy.stats.norm.logpdf`) of 200 draws, against the sums "
                         "evaluated on them.",
                         "`probml.Normal` (`mean_`, `var_`, `var_unbiased_`), and a "
                         "simulation of E[sigma_hat^2] = (n - 1)/n sigma^2."))


def _gaussian_hessian_at_optimum(loglik, mu_hat, sigma2_hat):
    r"""The Hessian in :math:`(\mu, \sigma^2)` at the MLE, with :math:`\sum_i (x_i -
    \hat\mu)^2` written as :math:`n\hat\sigma^2`."""
    hessian = sp.hessian(loglik, (mu, sigma2)).applyfunc(lambda e: split_sums(e, True))
    squares = split_sums(sp.expand(sample_sum((X_I - mu_hat) ** 2)), True)
    at_mean = hessian.subs(mu, mu_hat).applyfunc(sp.expand)
    # sum x_i^2 = n s2_hat + n xbar^2 at the optimum, so that the sums cancel.
    sum_x2 = sample_sum(X_I ** 2)
    solved = sp.solve(sp.Eq(squares, n_obs * S2_HAT), sum_x2, check=False)[0]
    return at_mean.subs(sum_x2, solved).subs(sigma2, S2_HAT).applyfunc(sp.simplify)


def _gaussian_mle_identities(d):
    r"""The textbook forms for general n, the same results on an explicit sample of five,
    a negative diagonal Hessian, and E[sigma_hat^2] = (n-1)/n sigma^2 (also by expanding
    the sum of squares in standard normals for n = 2..6)."""
    r = d.results
    xbar = sample_sum(X_I) / n_obs
    textbook_variance = sample_sum((X_I - xbar) ** 2) / n_obs
    general = (is_zero(r["mu_hat"] - xbar)
               and is_zero(split_sums(sp.expand(r["sigma2_hat"] - textbook_variance), True)))
    # The general-n results at n = 5 against solving the five-term likelihood directly.
    explicit = {X[k]: xs_symbols[k - 1] for k in range(1, N + 1)}
    loglik = sum(-sp.log(2 * sp.pi * sigma2) / 2 - (xi - mu) ** 2 / (2 * sigma2)
                 for xi in xs_symbols)
    (mu_5,) = sp.solve(sp.diff(loglik, mu), mu, check=False)
    (s2_5,) = sp.solve(sp.diff(loglik, sigma2).subs(mu, mu_5), sigma2)
    at_five = (is_zero(r["mu_hat"].subs(n_obs, N).doit().xreplace(explicit) - mu_5)
               and is_zero(r["sigma2_hat"].subs(n_obs, N).doit().xreplace(explicit) - s2_5))
    # sum (x_i - xbar)^2 = sum x_i^2 - n xbar^2, with xbar the mean of the sum.
    about_mean = split_sums(sp.expand(sample_sum((X_I - xbar) ** 2)), True) - r[
        "sum of squares about the mean"].subs(XBAR, xbar)
    general = general and is_zero(split_sums(sp.expand(about_mean), True))
    H = r["hessian at optimum"]
    hessian = (is_zero(H[0, 1]) and is_zero(H[1, 0]) and is_zero(H[0, 0] + n_obs / S2_HAT)
               and is_zero(H[1, 1] + n_obs / (2 * S2_HAT ** 2)))
    unbiased = (is_zero(r["E[sum of squares]"] - (n_obs - 1) * sigma2)
                and is_zero(r["E[sigma2_hat]"] - (n_obs - 1) / n_obs * sigma2)
                and all(is_zero(_expected_sum_of_squares(m, sigma2)
                                - r["E[sum of squares]"].subs(n_obs, m)) for m in range(2, 7)))
    return general and at_five and hessian and unbiased


def _gaussian_mle_against_scipy(d):
    from scipy.optimize import minimize
    from scipy.stats import norm

    data = _sample(5)
    found = minimize(lambda t: -norm.logpdf(data, t[0], np.exp(t[1] / 2)).sum(),
                     [0.0, 0.0], method="BFGS", options={"gtol": 1e-10}).x
    mean, var = (sample_value(d.results[key], len(data), {X: data}) for key in ("mu_hat", "sigma2_hat"))
    return max(abs(found[0] - mean), abs(np.exp(found[1]) - var) / var)


def _gaussian_mle_against_probml(d):
    from probml import Normal

    data = _sample(6)
    model = Normal().fit(data)
    mean, var = (sample_value(d.results[key], len(data), {X: data}) for key in ("mu_hat", "sigma2_hat"))
    size = len(data)
    rng = np.random.default_rng(7)
    simulated = rng.normal(size=(200_000, N)).var(axis=1).mean()   # E of 1/n variance
    expected = float(d.results["E[sigma2_hat]"].subs({n_obs: N, sigma2: 1}))
    return max(abs(model.mean_ - mean), abs(model.var_ - var),
               abs(model.var_unbiased_ - var * size / (size - 1)),
               abs(simulated - expected) / 100)   # Monte-Carlo: sd about 0.0013


@register("bernoulli-mle")
def bernoulli_mle():
    loglik = k * sp.log(q) + (n - k) * sp.log(1 - q)
    (p_hat,) = sp.solve(sp.diff(loglik, q), q, check=False)
    second = sp.simplify(sp.diff(loglik, q, 2).subs(q, p_hat))
    steps = [
        Step("With $k$ successes in $n$ Bernoulli trials the log-likelihood of $p$ is",
             Eq(Tex(r"\ell(p)"), loglik)),
        Step("Its derivative vanishes at the share of successes,",
             Eq(Tex(r"\hat p"), p_hat)),
        Step("where the second derivative is negative ($0 < k < n$), so it is the maximum; "
             "minus its inverse is the variance $\\hat p(1 - \\hat p)/n$ of the estimate.",
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
            and is_zero(-1 / d.results["second derivative"] - (k / n) * (1 - k / n) / n))


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


# A sample of any size: targets y_i and predictions y-hat_i; K classes for the one-hot label.
Y_OBS, Y_PRED = sp.IndexedBase("y", real=True), sp.IndexedBase(r"\hat{y}", real=True)
CLASS, K_CLASSES = sp.Symbol("k", integer=True, positive=True), sp.Symbol("K", integer=True,
                                                                          positive=True)
CLASS_P, CLASS_Y = sp.IndexedBase("p", positive=True), sp.IndexedBase("y", nonnegative=True)
# Braced names sort after the other symbols, so SymPy writes n MSE, as a textbook does.
MSE, MAE = sp.Symbol(r"{\mathrm{MSE}}", positive=True), sp.Symbol(r"{\mathrm{MAE}}", positive=True)


@register("losses-as-likelihoods")
def losses_as_likelihoods():
    """Each loss is the negative log-likelihood of a noise model, for n observations."""
    residual = Y_OBS[INDEX] - Y_PRED[INDEX]
    gauss_term = _minus_log(sp.exp(-residual ** 2 / (2 * sigma2)) / sp.sqrt(2 * sp.pi * sigma2))
    laplace_term = _minus_log(sp.exp(-sp.Abs(residual) / SCALE) / (2 * SCALE))
    gauss = split_sums(sample_sum(gauss_term))
    laplace = split_sums(sample_sum(laplace_term))
    squares, absolutes = sample_sum(residual ** 2), sample_sum(sp.Abs(residual))
    bernoulli = -sp.log(q ** LABEL * (1 - q) ** (1 - LABEL))
    categorical_sum = -sp.Sum(sp.expand_log(sp.log(CLASS_P[CLASS] ** CLASS_Y[CLASS]),
                                            force=True), (CLASS, 1, K_CLASSES))
    results = {
        "Gaussian NLL": gauss, "Laplace NLL": laplace,
        "Gaussian NLL in the MSE": gauss.subs(squares, n_obs * MSE),
        "Laplace NLL in the MAE": laplace.subs(absolutes, n_obs * MAE),
        "Bernoulli NLL": sp.expand(sp.expand_log(bernoulli, force=True)),
        "categorical NLL": categorical_sum,
    }
    steps = [
        Step(r"With Gaussian noise of variance $\sigma^2$ about the predictions, each "
             r"observation contributes $-\log$ of its density, and the $n$ independent "
             "observations add up:",
             shown(r"-\log L", gauss)),
        Step(r"Writing the sum of squares as $n$ times the mean squared error "
             r"$\mathrm{MSE} = \frac{1}{n}\sum_i (y_i - \hat y_i)^2$ leaves a constant plus "
             r"$n/(2\sigma^2)$ times the MSE: minimising the MSE is maximum likelihood.",
             Eq(Tex(r"-\log L"), results["Gaussian NLL in the MSE"])),
        Step(r"With Laplace noise of scale $b$ the same steps give a constant plus $n/b$ "
             "times the mean absolute error:",
             Eq(Tex(r"-\log L"), results["Laplace NLL in the MAE"])),
        Step("One Bernoulli label $y$ with probability $p$ gives binary cross-entropy "
             "(SymPy's expansion of the log of $p^y (1 - p)^{1 - y}$, collected):",
             Eq(Tex(r"-\log L"), sp.Mul(-1, LABEL * sp.log(q) + (1 - LABEL) * sp.log(1 - q),
                                       evaluate=False))),
        Step(r"and a one-hot label over $K$ classes ($y_k = 1$ for the observed class), "
             r"whose likelihood is $\prod_k p_k^{y_k}$, gives categorical cross-entropy:",
             shown(r"-\log L", categorical_sum, order="old")),
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


def _minus_log(density):
    r""":math:`-\log f` of one observation: the term in the data, and the constant as one
    logarithm (:math:`\tfrac12\log(2\pi\sigma^2)`, not :math:`\tfrac12\log 2 +
    \tfrac12\log\pi + \dots`)."""
    terms = sp.Add.make_args(sp.expand(-sp.expand_log(sp.log(density), force=True),
                                       multinomial=False))
    data = sp.Add(*[t for t in terms if t.has(Y_OBS)])
    constant = sp.Add(*[t for t in terms if not t.has(Y_OBS)])
    # c = log(a)/k for the smallest whole k that makes e^(k c) free of logarithms.
    for k in (1, 2):
        argument = sp.simplify(sp.exp(k * constant))
        if argument.is_polynomial(*argument.free_symbols):
            return data + sp.log(argument) / k
    return data + constant


def _losses_identities(d):
    """For any n each NLL is a constant plus a multiple of its loss; at n = 3 the sums equal
    the explicit three-observation log-likelihoods; the categorical NLL is the log of the
    product; binary cross-entropy is -(y log p + (1 - y) log(1 - p))."""
    r = d.results
    residual = Y_OBS[INDEX] - Y_PRED[INDEX]
    general = (
        is_zero(r["Gaussian NLL in the MSE"] - (n_obs * sp.log(2 * sp.pi * sigma2) / 2
                                                + n_obs * MSE / (2 * sigma2)))
        and is_zero(r["Laplace NLL in the MAE"] - (n_obs * sp.log(2 * SCALE)
                                                  + n_obs * MAE / SCALE))
        and is_zero(r["Gaussian NLL in the MSE"].subs(MSE, sample_sum(residual ** 2) / n_obs)
                    - r["Gaussian NLL"]))
    three = {**{Y_OBS[k + 1]: YS[k] for k in range(LOSS_N)},
             **{Y_PRED[k + 1]: PREDS[k] for k in range(LOSS_N)}}
    gauss3 = -sum(sp.log(sp.exp(-(y - f) ** 2 / (2 * sigma2)) / sp.sqrt(2 * sp.pi * sigma2))
                  for y, f in zip(YS, PREDS))
    laplace3 = -sum(sp.log(sp.exp(-sp.Abs(y - f) / SCALE) / (2 * SCALE))
                    for y, f in zip(YS, PREDS))
    at_three = (
        is_zero(sp.expand_log(r["Gaussian NLL"].subs(n_obs, LOSS_N).doit().xreplace(three)
                              - gauss3, force=True))
        and is_zero(sp.expand_log(r["Laplace NLL"].subs(n_obs, LOSS_N).doit().xreplace(three)
                                  - laplace3, force=True)))
    classes = {**{CLASS_P[k + 1]: CLASS_PROBS[k] for k in range(3)},
               **{CLASS_Y[k + 1]: ONE_HOT[k] for k in range(3)}}
    categorical3 = r["categorical NLL"].subs(K_CLASSES, 3).doit().xreplace(classes)
    return (general and at_three
            and is_zero(r["Bernoulli NLL"] + LABEL * sp.log(q) + (1 - LABEL) * sp.log(1 - q))
            and is_zero(categorical3 + sum(yk * sp.log(pk)
                                           for pk, yk in zip(CLASS_PROBS, ONE_HOT))))


# Where the checks evaluate the negative log-likelihoods: data, predictions, class
# probabilities and a one-hot label.
_rng = np.random.default_rng(8)
LOSS_Y, LOSS_F = _rng.normal(size=3), _rng.normal(size=3)
LOSS_P, LOSS_ONE_HOT = np.array([0.2, 0.5, 0.3]), np.array([0.0, 0.0, 1.0])


def _losses_at_the_data(d):
    r, columns = d.results, {Y_OBS: LOSS_Y, Y_PRED: LOSS_F}
    classes = {**{CLASS_P[k + 1]: LOSS_P[k] for k in range(3)},
               **{CLASS_Y[k + 1]: LOSS_ONE_HOT[k] for k in range(3)}}
    return {
        "gauss": sample_value(r["Gaussian NLL"].subs(sigma2, 0.7), len(LOSS_Y), columns),
        "laplace": sample_value(r["Laplace NLL"].subs(SCALE, 1.3), len(LOSS_Y), columns),
        "bernoulli": [float(r["Bernoulli NLL"].subs({q: 0.8, LABEL: v})) for v in (0, 1)],
        "categorical": float(r["categorical NLL"].subs(K_CLASSES, 3).doit().xreplace(classes)),
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


# -- entropy, cross-entropy and the KL divergence, over K outcomes -----------------------

OUTCOME, OTHER = sp.symbols("k j", integer=True, positive=True)
K_OUTCOMES = sp.Symbol("K", integer=True, positive=True)
P_K, Q_K = sp.IndexedBase("p", positive=True), sp.IndexedBase("q", positive=True)
LAMBDA = sp.Symbol("lambda", positive=True)
COUNTS = sp.IndexedBase("n", positive=True)
# The distributions the numeric checks use.
_P4, _Q4 = np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.25, 0.25, 0.4, 0.1])


def _over_outcomes(summand, index=OUTCOME):
    return sp.Sum(summand, (index, 1, K_OUTCOMES))


def _first_branch(expr):
    """A derivative of a sum over j = 1..K in q_k holds Piecewise((value, k <= K), (0,
    True)); for an outcome k of the K that is the value."""
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: e.args[0][0])


@register("entropy-cross-entropy-kl")
def entropy_cross_entropy_kl():
    r"""H(p, q) = H(p) + D(p || q); its minimum over q is q = p; so minimising
    cross-entropy on the data's frequencies is maximum likelihood."""
    p_k, q_k = P_K[OUTCOME], Q_K[OUTCOME]
    entropy = -_over_outcomes(p_k * sp.log(p_k))
    cross = -_over_outcomes(p_k * sp.log(q_k))
    divergence = _over_outcomes(p_k * sp.log(p_k / q_k))
    # One sum: the summands of H(p, q) - H(p) - D(p || q), with log(p/q) = log p - log q.
    gap = sp.expand(sp.expand_log(-p_k * sp.log(q_k) + p_k * sp.log(p_k)
                                  - p_k * sp.log(p_k / q_k), force=True))
    p_j, q_j = P_K[OTHER], Q_K[OTHER]
    lagrangian = (-_over_outcomes(p_j * sp.log(q_j), OTHER)
                  + LAMBDA * (_over_outcomes(q_j, OTHER) - 1))
    stationary = _first_branch(sp.diff(lagrangian, q_k).doit())
    (q_star,) = sp.solve(stationary, q_k, check=False)                     # p_k / lambda
    # sum_k q_k = 1: (1/lambda) sum_k p_k = 1, so lambda = sum_k p_k, which is 1.
    total = sp.factor_terms(_over_outcomes(q_star))
    (lam_star,) = sp.solve(total - 1, LAMBDA, check=False)
    q_hat = q_star.subs(LAMBDA, lam_star.subs(_over_outcomes(p_k), 1))
    curvature = _first_branch(sp.diff(lagrangian, q_k, 2).doit())
    mean_nll = -_over_outcomes(COUNTS[OUTCOME] * sp.log(q_k)) / n_obs
    frequencies = -_over_outcomes(COUNTS[OUTCOME] / n_obs * sp.log(q_k))
    steps = [
        Step(r"For distributions $p$ and $q$ over the same $K$ outcomes, the entropy of "
             r"$p$ is the expected surprise $-\log p_k$ under $p$,",
             shown("H(p)", entropy, order="old")),
        Step(r"the cross-entropy is the expected surprise under $p$ of a model $q$ (the "
             "average loss when outcomes come from $p$ but are scored with $q$),",
             shown("H(p, q)", cross, order="old")),
        Step(r"and the Kullback-Leibler divergence of $q$ from $p$ is the extra "
             r"surprise, with $\log(p_k/q_k) = \log p_k - \log q_k$:",
             shown(r"D(p \,\|\, q)", divergence, order="old")),
        Step(r"So the cross-entropy is the entropy plus the divergence: the summands of "
             r"$H(p, q) - H(p) - D(p\,\|\,q)$ cancel,",
             Eq(Tex(r"-p_k \log q_k + p_k \log p_k - p_k \log\frac{p_k}{q_k}"), gap)),
        Step(r"Which model $q$ makes $H(p, q)$ smallest? With a multiplier $\lambda$ for "
             r"$\sum_j q_j = 1$, the Lagrangian's derivative in $q_k$ is",
             Eq(Tex(r"\frac{\partial}{\partial q_k}\left[-\sum_j p_j \log q_j + \lambda\left("
                    r"\sum_j q_j - 1\right)\right]"), stationary)),
        Step(r"It vanishes at $q_k = p_k/\lambda$; the $q_k$ sum to 1 only if "
             r"$\lambda = \sum_k p_k = 1$, so",
             Eq(Tex(r"\hat q_k"), q_hat)),
        Step(r"and the second derivative $p_k/q_k^2 > 0$ makes it the minimum. As $H(p)$ "
             r"does not depend on $q$, the divergence is smallest there too, where it is "
             r"0: $D(p\,\|\,q) \ge 0$ with equality only at $q = p$ (Gibbs' inequality).",
             Eq(Tex(r"\frac{\partial^2 H(p, q)}{\partial q_k^2}"), curvature)),
        Step(r"Now $n$ observations, $n_k$ of them of outcome $k$, under a categorical "
             r"model $q$: grouping the terms $\log q_{y_i}$ by outcome, the average "
             r"negative log-likelihood is",
             shown(r"-\frac{1}{n}\sum_{i=1}^{n} \log q_{y_i}", mean_nll, order="old")),
        Step(r"which is the cross-entropy $H(\hat p, q)$ against the observed frequencies "
             r"$\hat p_k = n_k/n$. So the maximum-likelihood model is $\hat q = \hat p$, and "
             "minimising the cross-entropy loss of a classifier is maximising its "
             "likelihood.",
             shown(r"H(\hat p, q)", frequencies, order="old")),
    ]
    results = {"H(p, q) - H(p) - D(p||q), per outcome": gap, "minimiser q_k": q_hat,
               "multiplier": lam_star, "curvature": curvature,
               "mean negative log-likelihood": mean_nll}
    return Derivation(
        name="entropy-cross-entropy-kl",
        title="Cross-entropy is entropy plus KL divergence, and minimising it is maximum "
              "likelihood",
        concepts=["entropy", "cross-entropy", "KL divergence", "maximum likelihood"],
        steps=steps, results=results, symbolic=_information_identities,
        scipy=_information_against_scipy, probml=_information_against_probml,
        tolerance=(1e-6, 1e-12),
        checked_against=("`scipy.stats.entropy` (entropy and KL divergence) for "
                         "H(p, q) = H(p) + D(p || q) on four outcomes, and "
                         "`scipy.optimize.minimize` of H(p, q) over q (softmax "
                         "parameters) finding q = p.",
                         "`probml.information` (`entropy`, `cross_entropy`, "
                         "`kl_divergence`) against the derived sums, and "
                         "`probml.losses.categorical_cross_entropy` of labels with those "
                         "frequencies equal to H(p-hat, q)."))


def _information_at(expr, p, q):
    """A derived sum over k = 1..K evaluated for the distributions ``p`` and ``q``."""
    explicit = expr.subs(K_OUTCOMES, len(p)).doit()
    values = {P_K[k + 1]: sp.Float(p[k], 30) for k in range(len(p))}
    values.update({Q_K[k + 1]: sp.Float(q[k], 30) for k in range(len(q))})
    return float(explicit.xreplace(values))


def _information_identities(d):
    r = d.results
    p_k = P_K[OUTCOME]
    # At K = 3 with explicit symbols: minimise H(p, q) on the simplex directly.
    ps, qs = sp.symbols("p1:4", positive=True), sp.symbols("q1:4", positive=True)
    lam = sp.Symbol("lam")
    lagrangian = -sum(pk * sp.log(qk) for pk, qk in zip(ps, qs)) + lam * (sum(qs) - 1)
    solution = sp.solve([sp.diff(lagrangian, qk) for qk in qs] + [sum(qs) - 1],
                        [*qs, lam], dict=True, check=False)
    explicit = bool(solution) and all(
        is_zero(solution[0][qk] - pk / sum(ps)) for pk, qk in zip(ps, qs))
    return (r["H(p, q) - H(p) - D(p||q), per outcome"] == 0
            and is_zero(r["minimiser q_k"] - p_k)
            and is_zero(r["curvature"] - p_k / Q_K[OUTCOME] ** 2)
            and explicit)


def _information_against_scipy(d):
    from scipy.optimize import minimize
    from scipy.special import softmax
    from scipy.stats import entropy

    cross = -float(np.sum(_P4 * np.log(_Q4)))
    identity = abs(cross - (entropy(_P4) + entropy(_P4, _Q4)))
    found = minimize(lambda t: -np.sum(_P4 * np.log(softmax(np.r_[0.0, t]))), np.zeros(3),
                     method="BFGS", options={"gtol": 1e-12}).x
    derived = [float(d.results["minimiser q_k"].subs(P_K[OUTCOME], pk)) for pk in _P4]
    return max(identity, float(np.max(np.abs(softmax(np.r_[0.0, found]) - derived))))


def _information_against_probml(d):
    from .. import information, losses

    p_hat = np.array([2, 3, 5]) / 10.0
    labels = np.repeat([0, 1, 2], [2, 3, 5])
    q = np.array([0.5, 0.3, 0.2])
    derived = _information_at(-_over_outcomes(P_K[OUTCOME] * sp.log(Q_K[OUTCOME])), _P4, _Q4)
    return max(abs(information.cross_entropy(_P4, _Q4) - derived),
               abs(information.entropy(_P4) + information.kl_divergence(_P4, _Q4) - derived),
               abs(losses.categorical_cross_entropy(labels, np.tile(q, (10, 1)))
                   - information.cross_entropy(p_hat, q)))


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
