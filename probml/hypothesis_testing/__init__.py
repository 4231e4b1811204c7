r"""Hypothesis tests and A/B testing, with effects, intervals and plain readings.

SciPy already computes the classical tests; this module adds what a reader of
the result needs: the size of the effect with a confidence interval, and one
sentence that says what the p-value is (how often data at least this extreme
would arise if the null hypothesis held) and is not (the probability that the
null hypothesis is true).

For an A/B test of two conversion rates :math:`\hat p_A = x_A/n_A`,
:math:`\hat p_B = x_B/n_B`, the pooled two-proportion z statistic is

.. math:: z = \frac{\hat p_B - \hat p_A}
   {\sqrt{\bar p (1 - \bar p) (1/n_A + 1/n_B)}},\qquad \bar p = \frac{x_A + x_B}{n_A + n_B},

and planning uses Cohen's effect size :math:`h = 2\arcsin\sqrt{p_B} - 2\arcsin\sqrt{p_A}`,
on whose scale each arm's estimate has variance :math:`1/n` (see the
``two-proportion-z-test`` and ``sample-size`` derivations).

The Bayesian view puts a Beta prior on each rate; :func:`bayesian_ab_test`
computes :math:`P(p_B > p_A \mid \text{data})` exactly and the expected loss of
shipping each arm.

Examples
--------
>>> result = two_proportion_z_test(200, 2000, 250, 2000)
>>> round(result.statistic, 3), round(result.pvalue, 4)
(2.502, 0.0124)
>>> print(result.reading)        # doctest: +ELLIPSIS
Difference in conversion rate (B - A) = 0.025 (95% CI 0.00543 to 0.0446). p = 0.012: ...
"""

from .bayesian_ab import BayesianABResult, bayesian_ab_test, probability_b_beats_a
from .classical import (
    HypothesisTestResult,
    binomial_test,
    chi2_independence_test,
    fisher_exact_test,
    one_sample_t_test,
    paired_t_test,
    two_sample_t_test,
)
from .proportions import (
    ABTestDesign,
    ProportionsTestResult,
    ab_test_design,
    two_proportion_z_test,
)
from .simulation import PeekingSimulation, simulate_peeking, simulate_pvalues

__all__ = [
    "ABTestDesign",
    "BayesianABResult",
    "HypothesisTestResult",
    "PeekingSimulation",
    "ProportionsTestResult",
    "ab_test_design",
    "bayesian_ab_test",
    "binomial_test",
    "chi2_independence_test",
    "fisher_exact_test",
    "one_sample_t_test",
    "paired_t_test",
    "probability_b_beats_a",
    "simulate_peeking",
    "simulate_pvalues",
    "two_proportion_z_test",
    "two_sample_t_test",
]
