"""Growth: survivorship bias in churn, from heterogeneous churn rates; multi-touch
attribution, and why the Shapley value of a conversion is an equal split."""

import math
from itertools import combinations

import numpy as np
import sympy as sp
from sympy.integrals.meijerint import meijerint_definite

from .._derivation import Derivation, Eq, Step, Tex, is_zero
from . import register

# Each user's churn probability per period theta ~ Beta(a, b); periods survived t.
THETA = sp.Symbol("theta", positive=True)
A_PRIOR, B_PRIOR = sp.symbols("a b", positive=True)
PERIODS = sp.Symbol("t", integer=True, nonnegative=True)
# The Fader & Hardie (2007) "high end" cohort's fitted sBG parameters, for the checks.
_A, _B = 0.668, 3.806


@register("survivorship-bias")
def survivorship_bias():
    """Users who have stayed are the ones who churn least: the survivors' mean churn rate
    falls with their tenure, and retention rises though no user changes."""
    prior = THETA ** (A_PRIOR - 1) * (1 - THETA) ** (B_PRIOR - 1)
    survivor = prior * (1 - THETA) ** PERIODS            # times P(survive t | theta)
    # Both integrals are Beta functions; their ratio is the survivors' mean churn rate.
    mean_churn = sp.gammasimp((sp.beta(A_PRIOR + 1, B_PRIOR + PERIODS)
                               / sp.beta(A_PRIOR, B_PRIOR + PERIODS)).rewrite(sp.gamma))
    bias = sp.simplify(mean_churn / (A_PRIOR / (A_PRIOR + B_PRIOR)))
    retention = sp.simplify(1 - mean_churn.subs(PERIODS, PERIODS - 1))
    steps = [
        Step(r"Each user churns in a period with their own probability $\theta$, and the "
             r"probabilities vary across users as $\theta \sim \mathrm{Beta}(a, b)$ "
             "(density up to its constant):",
             Eq(Tex(r"p(\theta)"), prior)),
        Step(r"A user with churn rate $\theta$ survives $t$ periods with probability "
             r"$(1 - \theta)^t$, so by Bayes' theorem the churn rates of the users still "
             r"active after $t$ periods have the density",
             Eq(Tex(r"p(\theta \mid T > t)"), survivor)),
        Step(r"a $\mathrm{Beta}(a, b + t)$: the survivors are the users with low churn "
             r"rates. Their mean churn rate, a ratio of Beta functions "
             r"$B(a + 1, b + t)/B(a, b + t)$, is",
             Eq(Tex(r"E[\theta \mid T > t]"), mean_churn)),
        Step(r"An analyst who estimates churn from today's active users, survivors of $t$ "
             r"periods, measures this, not a new user's $a/(a + b)$: it is smaller by the "
             r"factor",
             Eq(Tex(r"\frac{E[\theta \mid T > t]}{E[\theta]}"), bias)),
        Step(r"and the share of the users active after $t - 1$ periods who are still "
             r"active after $t$, the retention rate, rises with $t$ although no user's "
             "churn rate changes: the heterogeneity sorts them.",
             Eq(Tex(r"r_t"), retention)),
    ]
    results = {"survivors' mean churn": mean_churn, "bias factor": bias,
               "retention rate": retention}
    return Derivation(
        name="survivorship-bias",
        title="Survivorship bias: the users who stayed are the ones who churn least",
        concepts=["survivorship bias", "retention", "churn"], steps=steps,
        results=results, symbolic=_survivorship_identities, scipy=_survivorship_against_scipy,
        probml=_survivorship_against_probml, tolerance=(1e-10, 1e-12),
        checked_against=("`scipy.integrate.quad` of theta (1 - theta)^t against the Beta "
                         "density, divided by the survival probability, for t = 0..10.",
                         "`probml.growth.fit_retention(..., 'sbg').retention_rate` at the "
                         "Fader & Hardie cohort's fitted alpha and beta."))


def _survivorship_identities(d):
    """a/(a + b + t), its ratio (a + b)/(a + b + t), and r_t = (b + t - 1)/(a + b + t - 1)."""
    r = d.results
    a, b, t = A_PRIOR, B_PRIOR, PERIODS
    return (is_zero(r["survivors' mean churn"] - a / (a + b + t))
            and is_zero(r["bias factor"] - (a + b) / (a + b + t))
            and is_zero(r["retention rate"] - (b + t - 1) / (a + b + t - 1)))


def _survivorship_against_scipy(d):
    from scipy.integrate import quad
    from scipy.special import beta

    def prior(q):           # the Beta(a, b) density, written out (scipy.stats' costs 20x)
        return q ** (_A - 1) * (1 - q) ** (_B - 1) / beta(_A, _B)

    errors = []
    for t in range(11):
        survive = quad(lambda q: (1 - q) ** t * prior(q), 0, 1)[0]
        churn = quad(lambda q: q * (1 - q) ** t * prior(q), 0, 1)[0] / survive
        derived = float(d.results["survivors' mean churn"].subs(
            {A_PRIOR: _A, B_PRIOR: _B, PERIODS: t}))
        errors.append(abs(churn - derived))
    return max(errors)


def _survivorship_against_probml(d):
    from probml.growth import fit_retention

    fit = fit_retention([1000, 869, 743, 653, 593, 551, 517, 491], "sbg")
    a, b = fit.params["alpha"], fit.params["beta"]
    return max(abs(fit.retention_rate(t) - float(d.results["retention rate"].subs(
        {A_PRIOR: a, B_PRIOR: b, PERIODS: t}))) for t in range(1, 8))


# Touches in a journey m; channels N, a journey's distinct channels t, coalition
# size s; the Beta integral's variable x.
M_TOUCHES = sp.Symbol("m", integer=True, positive=True)
N_CHANNELS = sp.Symbol("N", integer=True, positive=True)
T_CHANNELS = sp.Symbol("t", integer=True, positive=True)
S_SIZE = sp.Symbol("s", integer=True, nonnegative=True)
X_BETA = sp.Symbol("x", positive=True)
# A small journey log for the numeric checks: (journey, channel), and the converters.
ATTRIBUTION_EXAMPLE = (["a", "a", "a", "a", "b", "b", "c", "d", "d"],
                       ["social", "email", "email", "search", "search", "display", "social",
                        "display", "search"])
ATTRIBUTION_CONVERTED, ATTRIBUTION_VALUES = ["a", "b", "d"], [2.0, 1.0, 3.0]


@register("multi-touch-attribution")
def multi_touch_attribution():
    """Rule-based attribution splits each conversion by fixed weights; the Shapley value of
    the coverage game splits it equally among the journey's distinct channels."""
    k = sp.Symbol("k", integer=True, positive=True)
    linear = sp.summation(1 / M_TOUCHES, (k, 1, M_TOUCHES))
    position = sp.Rational(2, 5) + sp.summation(sp.Rational(1, 5) / (M_TOUCHES - 2),
                                                (k, 2, M_TOUCHES - 1)) + sp.Rational(2, 5)
    weight = (sp.factorial(S_SIZE) * sp.factorial(N_CHANNELS - S_SIZE - 1)
              / sp.factorial(N_CHANNELS))
    # SymPy's Meijer G route gives the Gamma functions directly (integrate tries its
    # other algorithms first and reaches a hypergeometric form that takes a simplify).
    beta, _ = meijerint_definite(X_BETA ** S_SIZE * (1 - X_BETA) ** (N_CHANNELS - 1 - S_SIZE),
                                 X_BETA, 0, 1)
    beta = beta.rewrite(sp.factorial)
    # The coalitions S without c that complete T: T minus c plus r of the N - t others;
    # by the binomial theorem their weights sum to x^(t - 1) (x + (1 - x))^(N - t).
    binomial_sum = X_BETA ** (T_CHANNELS - 1) * (X_BETA + (1 - X_BETA)) ** (
        N_CHANNELS - T_CHANNELS)
    shapley = sp.integrate(sp.simplify(binomial_sum), (X_BETA, 0, 1), conds="none")
    steps = [
        Step(r"A converting journey $j$ of value $v_j$ touched the channels "
             r"$c_{j1}, \dots, c_{jm}$ in order. A rule-based model gives touch $k$ the weight "
             r"$w_{jk}$ and channel $c$ the credit",
             Tex(r"\mathrm{credit}(c) = \sum_j v_j \sum_{k:\, c_{jk} = c} w_{jk}")),
        Step(r"First touch puts $w_{j1} = 1$, last touch $w_{jm} = 1$; linear gives each of the "
             r"$m$ touches $1/m$, whose sum over the journey is",
             Eq(Tex(r"\sum_{k=1}^{m} \frac{1}{m}"), linear)),
        Step(r"and the position-based (U-shaped) model gives the first and last touches "
             r"$40\%$ each and spreads $20\%$ over the $m - 2$ between ($m \ge 3$):",
             Eq(Tex(r"\frac25 + \sum_{k=2}^{m-1} \frac{1/5}{m - 2} + \frac25"), position)),
        Step(r"Time decay weights touch $k$ by $2^{-(t_{jm} - t_{jk})/h}$, halving every $h$ "
             r"before the last touch, and divides by their sum. Every model's weights sum to 1, "
             "so the credits add up to the conversions, whatever the model."),
        Step(r"The Shapley value asks instead what each channel adds. Let a set $S$ of channels "
             r"be worth the conversions of the journeys whose channels $C_j$ all lie in $S$, "
             r"$v(S) = \sum_j v_j [C_j \subseteq S]$: a sum of unanimity games $[C_j "
             r"\subseteq S]$. The Shapley value is linear in the game, so each journey can be "
             r"shared out on its own. For one journey with $t = |C_j|$ of the $N$ channels, "
             r"channel $c \in C_j$ adds 1 exactly to the coalitions $S \not\ni c$ that hold the "
             r"other $t - 1$, and a coalition of size $s$ has the Shapley weight",
             Eq(weight, Tex(r"\int_0^1 x^s (1 - x)^{N - 1 - s}\,dx"))),
        Step(r"(a Beta integral, which SymPy evaluates to",
             Eq(Tex(r"\int_0^1 x^s (1 - x)^{N - 1 - s}\,dx"), beta)),
        Step(r"). The coalitions that count are $C_j \setminus \{c\}$ plus $r$ of the other "
             r"$N - t$ channels, $\binom{N - t}{r}$ of them with $s = t - 1 + r$, so the "
             r"Shapley value is $\int_0^1$ of",
             Eq(Tex(r"\sum_{r=0}^{N-t} \binom{N - t}{r} x^{t-1+r} (1 - x)^{N-t-r}"),
                binomial_sum)),
        Step(r"by the binomial theorem, and integrating,", Eq(Tex(r"\phi_c"), shapley)),
        Step(r"whatever the number $N$ of channels: each conversion is split equally among "
             r"the distinct channels of its journey, $\phi_c = \sum_{j:\, c \in C_j} v_j / "
             r"|C_j|$, with no sum over the $2^N$ coalitions. It is the linear model over "
             r"distinct channels: a channel touched twice gets no more than one touched once, "
             "and a channel in no converting journey gets nothing."),
    ]
    results = {"linear weights sum": linear, "position weights sum": sp.simplify(position),
               "Shapley weight": beta, "Shapley value of a unanimity game": shapley}
    return Derivation(
        name="multi-touch-attribution",
        title="Multi-touch attribution, and the Shapley value as an equal split",
        concepts=["multi-touch attribution", "Shapley value", "marketing channels"],
        steps=steps, results=results, symbolic=_attribution_identities,
        scipy=_attribution_against_scipy, probml=_attribution_against_probml,
        tolerance=(1e-10, 1e-12),
        checked_against=(
            "`scipy.special.beta` and `scipy.integrate.quad` against the Shapley weights and "
            "the value 1/t of a unanimity game, for every N <= 8 and t <= N.",
            "`probml.growth.attribution(model='shapley')` against the Shapley values "
            "enumerated over every coalition of a journey log (the definition), and the "
            "six models' credits against the conversions they share out."))


def _shapley_by_enumeration(players, journeys):
    """The Shapley values of v(S) = sum of v_j over journeys with C_j inside S, from the
    definition: every coalition, with its factorial weight."""
    n = len(players)

    def worth(coalition):
        return sum(value for channels, value in journeys if channels <= coalition)
    return {p: sum(math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
                   * (worth(frozenset(S) | {p}) - worth(frozenset(S)))
                   for size in range(n) for S in combinations([q for q in players if q != p],
                                                             size))
            for p in players}


def _attribution_identities(d):
    """The weights sum to 1; the Shapley weight is s!(N-s-1)!/N!; the unanimity game's value
    is 1/t, and equals the exact sum over coalitions for N <= 6."""
    r = d.results
    weight = (sp.factorial(S_SIZE) * sp.factorial(N_CHANNELS - S_SIZE - 1)
              / sp.factorial(N_CHANNELS))
    exact = all(
        sum(sp.binomial(n - t, s - t + 1) * sp.factorial(s) * sp.factorial(n - s - 1)
            / sp.factorial(n) for s in range(t - 1, n)) == r[
            "Shapley value of a unanimity game"].subs(T_CHANNELS, t)
        for n in range(1, 7) for t in range(1, n + 1))
    return (r["linear weights sum"] == 1 and r["position weights sum"] == 1
            and is_zero(sp.gammasimp(r["Shapley weight"] - weight)) and exact)


def _attribution_against_scipy(d):
    from scipy import integrate, special

    worst = 0.0
    weight = sp.lambdify((S_SIZE, N_CHANNELS), d.results["Shapley weight"], "math")
    value = sp.lambdify(T_CHANNELS, d.results["Shapley value of a unanimity game"], "math")
    for n in range(1, 9):
        for s in range(n):
            worst = max(worst, abs(weight(s, n) - special.beta(s + 1, n - s)) / weight(s, n))
        for t in range(1, n + 1):
            quad = integrate.quad(lambda x: sum(
                special.comb(n - t, r) * x ** (t - 1 + r) * (1 - x) ** (n - t - r)
                for r in range(n - t + 1)), 0, 1, epsabs=1e-14, epsrel=1e-13)[0]
            worst = max(worst, abs(quad - value(t)) / value(t))
    return worst


def _attribution_against_probml(d):
    from probml import growth

    ids, channels = (np.array(a) for a in ATTRIBUTION_EXAMPLE)
    journeys = [(frozenset(channels[ids == j]), v)
                for j, v in zip(ATTRIBUTION_CONVERTED, ATTRIBUTION_VALUES)]
    enumerated = _shapley_by_enumeration(sorted(set(channels)), journeys)
    total = sum(ATTRIBUTION_VALUES)
    worst = 0.0
    for model in growth.ATTRIBUTION_MODELS:
        result = growth.attribution(ids, channels, ATTRIBUTION_CONVERTED,
                                    values=ATTRIBUTION_VALUES,
                                    times=np.arange(len(ids), dtype=float), model=model)
        worst = max(worst, abs(result.credit.sum() - total) / total)
        if model == "shapley":
            worst = max(worst, max(abs(result.as_dict()[c] - v) / total
                                   for c, v in enumerated.items()))
    return worst
