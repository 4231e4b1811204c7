"""The Bayesian A/B test: P(B beats A) exactly, and the expected loss of each choice."""

from dataclasses import dataclass

import numpy as np

from .._validation import (
    LEVEL,
    SEED,
    Integer,
    Real,
)
from ._beta_comparison import prob_greater
from ._common import check_counts

# Beta parameters beyond 1e15 are point masses to double precision.
_BETA_PARAMETER = Real(1e-6, 1e15, meaning=" (a Beta parameter; SciPy's Beta routines lose "
                                            "accuracy beyond these)")


def probability_b_beats_a(alpha_a, beta_a, alpha_b, beta_b):
    r""":math:`P(p_B > p_A)` for independent :math:`p_A \sim \mathrm{Beta}(\alpha_A, \beta_A)`,
    :math:`p_B \sim \mathrm{Beta}(\alpha_B, \beta_B)`, exactly.

    When :math:`\alpha_B` is a whole number (any integer prior plus counts),
    integrating :math:`P(p_B > x)` against the density of :math:`p_A` term by term gives

    .. math:: P(p_B > p_A) = \sum_{i=0}^{\alpha_B - 1}
       \frac{B(\alpha_A + i,\, \beta_A + \beta_B)}
            {(\beta_B + i)\, B(1 + i,\, \beta_B)\, B(\alpha_A, \beta_A)},

    summed through the rational ratio of consecutive terms.  Any one whole
    shape parameter up to 1e6 gives such a sum (by :math:`P(p_B > p_A) = 1 -
    P(p_A > p_B)` and :math:`1 - p \sim \mathrm{Beta}(\beta, \alpha)`), exact
    whatever the size of the others.  Otherwise :math:`\int_0^1 F_A(Q_B(v))\,dv`
    is integrated adaptively over the quantiles of the narrower variable, with
    points held as their log distance to 0 or 1 so that shape parameters far
    below 1 (mass within :math:`10^{-1000}` of an end) keep their digits; SciPy's
    incomplete Beta function, which it evaluates, keeps ~12 digits while
    :math:`\alpha + \beta \le 10^{10}`, and beyond that (with no whole shape
    up to 1e6) a ValueError says so.  Both routes agree with a 50-digit
    evaluation to ~1e-12 (the tests check it on shapes from 1e-6 to 1e15).

    Raises
    ------
    ValueError
        If no shape is a whole number up to 1e6 and a variable's shapes sum
        to more than 1e10.

    >>> round(probability_b_beats_a(1 + 10, 1 + 90, 1 + 20, 1 + 80), 6)
    0.975173
    """
    parameters = {"alpha_a": alpha_a, "beta_a": beta_a, "alpha_b": alpha_b, "beta_b": beta_b}
    alpha_a, beta_a, alpha_b, beta_b = (_BETA_PARAMETER(value, name)
                                        for name, value in parameters.items())
    return prob_greater(alpha_a, beta_a, alpha_b, beta_b)


@dataclass(frozen=True)
class BayesianABResult:
    r"""Posterior summaries of a Beta-Binomial A/B test.

    Attributes
    ----------
    posterior_a, posterior_b : tuple of float
        :math:`(\alpha, \beta)` of each arm's Beta posterior.
    prob_b_beats_a : float
        :math:`P(p_B > p_A \mid \text{data})`, exact.
    expected_loss_a, expected_loss_b : float
        Expected conversion rate given up by shipping that arm:
        :math:`E[\max(p_B - p_A, 0)]` for A and :math:`E[\max(p_A - p_B, 0)]` for B.
    lift_credible_interval, difference_credible_interval : tuple of float
        Equal-tailed intervals for :math:`p_B/p_A - 1` and :math:`p_B - p_A`
        from ``n_draws`` posterior draws.
    level : float
    n_draws : int
    """

    posterior_a: tuple
    posterior_b: tuple
    prob_b_beats_a: float
    expected_loss_a: float
    expected_loss_b: float
    lift_credible_interval: tuple
    difference_credible_interval: tuple
    level: float
    n_draws: int

    @property
    def reading(self):
        """One plain-language sentence (a posterior probability, given the priors)."""
        return (f"Given the data and the priors, B's conversion rate is higher than A's with "
                f"probability {self.prob_b_beats_a:.3g}; the relative lift lies in "
                f"[{self.lift_credible_interval[0]:+.3g}, "
                f"{self.lift_credible_interval[1]:+.3g}] with probability "
                f"{self.level:.3g}; shipping B gives up {self.expected_loss_b:.3g} "
                f"conversions per visitor in expectation, shipping A "
                f"{self.expected_loss_a:.3g}.")

    def __str__(self):
        return self.reading


def bayesian_ab_test(successes_a, trials_a, successes_b, trials_b, *, prior=(1.0, 1.0),
                     level=0.95, n_draws=200_000, rng=0):
    r"""The Beta-Binomial A/B test: posteriors, :math:`P(B > A)`, expected loss, lift interval.

    With a :math:`\mathrm{Beta}(a, b)` prior on each rate, arm :math:`k` has
    posterior :math:`\mathrm{Beta}(a + x_k, b + n_k - x_k)`.
    :math:`P(p_B > p_A)` is exact (:func:`probability_b_beats_a`), and so is
    the expected loss, through the identity
    :math:`E[p_B\,\mathbf 1\{p_B > p_A\}] = E[p_B]\,P(p_B^+ > p_A)` where
    :math:`p_B^+ \sim \mathrm{Beta}(\alpha_B + 1, \beta_B)`:

    .. math:: E[\max(p_B - p_A, 0)] = \frac{\alpha_B}{\alpha_B + \beta_B} P(p_B^+ > p_A)
       - \frac{\alpha_A}{\alpha_A + \beta_A} P(p_B > p_A^+).

    Only the lift's credible interval is sampled (``n_draws`` seeded draws).

    Examples
    --------
    >>> r = bayesian_ab_test(10, 100, 20, 100)
    >>> round(r.prob_b_beats_a, 4), r.posterior_b
    (0.9752, (21.0, 81.0))
    """
    from scipy.stats import beta

    count = Integer(0, 10 ** 14, whole_floats=True, meaning=" (a count; the Beta posterior "
                    "is a point mass to double precision beyond 1e14)")
    x_a, n_a = check_counts(successes_a, trials_a, "successes_a", "trials_a", count)
    x_b, n_b = check_counts(successes_b, trials_b, "successes_b", "trials_b", count)
    if isinstance(prior, (str, bytes)) or not hasattr(prior, "__len__") or len(prior) != 2:
        raise ValueError(f"prior must be a pair (a, b) of Beta parameters, got {prior!r}.")
    a0, b0 = (Real(0, 1e14, closed="right")(value, f"prior[{i}]")
              for i, value in enumerate(prior))
    level = LEVEL(level, "level")
    n_draws = Integer(100, 10 ** 7)(n_draws, "n_draws")
    rng = SEED(rng, "rng")
    post_a, post_b = (a0 + x_a, b0 + n_a - x_a), (a0 + x_b, b0 + n_b - x_b)
    mean_a, mean_b = post_a[0] / sum(post_a), post_b[0] / sum(post_b)
    prob = probability_b_beats_a(*post_a, *post_b)
    loss_a = (mean_b * probability_b_beats_a(*post_a, post_b[0] + 1, post_b[1])
              - mean_a * probability_b_beats_a(post_a[0] + 1, post_a[1], *post_b))
    loss_a = max(loss_a, 0.0)
    loss_b = max(loss_a - (mean_b - mean_a), 0.0)
    generator = np.random.default_rng(rng)
    draws_a = beta.rvs(*post_a, size=n_draws, random_state=generator)
    draws_b = beta.rvs(*post_b, size=n_draws, random_state=generator)
    tails = [(1 - level) / 2, (1 + level) / 2]
    lift = tuple(float(q) for q in np.quantile(draws_b / draws_a - 1, tails))
    difference = tuple(float(q) for q in np.quantile(draws_b - draws_a, tails))
    return BayesianABResult(post_a, post_b, prob, loss_a, loss_b, lift, difference, level,
                            n_draws)
