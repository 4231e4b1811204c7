"""Growth: survivorship bias in churn, from heterogeneous churn rates."""

import sympy as sp

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
    from scipy.stats import beta

    errors = []
    for t in range(11):
        survive = quad(lambda q: (1 - q) ** t * beta.pdf(q, _A, _B), 0, 1)[0]
        churn = quad(lambda q: q * (1 - q) ** t * beta.pdf(q, _A, _B), 0, 1)[0] / survive
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
