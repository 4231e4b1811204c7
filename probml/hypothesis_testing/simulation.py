"""The p-value as a random variable: simulated A/B tests without an effect, and peeking."""

import math
from dataclasses import dataclass

import numpy as np

from .._validation import (
    PROBABILITY,
    SEED,
    Integer,
    Options,
    Real,
)
from ..inference import MAX_COUNT, two_sided_pvalue
from ._common import MAX_SIMULATED
from .proportions import pooled_z


def simulate_pvalues(n_per_arm, *, n_simulations=10_000, outcome="conversion", baseline=0.1,
                     effect=0.0, rng=None):
    r"""p-values of many simulated A/B tests: uniform on (0, 1) when there is no effect.

    Each simulated test has ``n_per_arm`` units per arm, and is analysed with
    the pooled two-proportion z-test (``outcome="conversion"``: rates
    ``baseline`` and ``baseline + effect``) or Welch's t-test
    (``outcome="normal"``: unit-variance normal outcomes, means 0 and
    ``effect``).  Under the null hypothesis :math:`P(p \le t) = t`, so a share
    ``alpha`` of tests reject by chance; with an effect, the share below
    ``alpha`` is the power.  (For counts the z-test is only approximately
    uniform: the data are discrete.)

    Returns
    -------
    ndarray of shape (n_simulations,)

    Examples
    --------
    >>> p = simulate_pvalues(200, n_simulations=4000, outcome="normal", rng=0)
    >>> bool(abs(np.mean(p < 0.05) - 0.05) < 0.01)
    True
    """
    n = Integer(2, MAX_COUNT)(n_per_arm, "n_per_arm")
    n_simulations = Integer(1, 10 ** 7)(n_simulations, "n_simulations")
    outcome = Options("conversion", "normal")(outcome, "outcome")
    effect = Real()(effect, "effect")
    generator = np.random.default_rng(SEED(rng, "rng"))
    if outcome == "normal" and n * n_simulations > MAX_SIMULATED:
        raise ValueError(f"n_per_arm * n_simulations = {n * n_simulations:,} normal outcomes "
                         f"per arm is more than {MAX_SIMULATED:,}; simulate fewer.")
    if outcome == "conversion":
        baseline = PROBABILITY(baseline, "baseline")
        variant = baseline + effect
        if not 0 <= variant <= 1:
            raise ValueError(f"baseline + effect = {variant} is not a rate in [0, 1].")
        x_a = generator.binomial(n, baseline, n_simulations)
        x_b = generator.binomial(n, variant, n_simulations)
        return two_sided_pvalue(pooled_z(x_a, n, x_b, n))
    if outcome == "normal":
        from scipy import stats

        a = generator.standard_normal((n_simulations, n))
        b = generator.standard_normal((n_simulations, n)) + effect
        return stats.ttest_ind(a, b, axis=1, equal_var=False).pvalue


@dataclass(frozen=True)
class PeekingSimulation:
    """How often a test run with repeated looks ever rejects.

    Attributes
    ----------
    looks : ndarray of int
        Visitors per arm at each look.
    rejected_by_look : ndarray
        Share of simulated tests that have rejected at some look up to this one
        (stopping at the first p < alpha).
    fixed_horizon_rate : float
        Share rejecting when looking only once, at the end.
    peeking_rate : float
        ``rejected_by_look[-1]``.
    standard_errors : tuple of float
        Monte-Carlo standard errors of the two rates.
    alpha : float
    n_simulations : int
    """

    looks: np.ndarray
    rejected_by_look: np.ndarray
    fixed_horizon_rate: float
    peeking_rate: float
    standard_errors: tuple
    alpha: float
    n_simulations: int


def simulate_peeking(n_per_arm, n_looks, *, alpha=0.05, baseline=0.1, effect=0.0,
                     n_simulations=10_000, rng=None):
    """Simulate A/B tests checked ``n_looks`` times and stopped at the first p < alpha.

    Visitors arrive in equal batches; after each batch the pooled z-test is
    run on everything so far.  With no effect (the default) any rejection is
    a false positive: looking once keeps the rate at about ``alpha``, looking
    after every batch inflates it (to about 0.19 for 10 looks at alpha = 0.05,
    Armitage, McPherson & Rowe 1969).

    Returns
    -------
    PeekingSimulation

    Examples
    --------
    >>> s = simulate_peeking(2000, 10, rng=0, n_simulations=4000)
    >>> bool(s.peeking_rate > 2 * s.fixed_horizon_rate)
    True
    """
    n = Integer(2, MAX_COUNT)(n_per_arm, "n_per_arm")
    n_looks = Integer(1, 10_000)(n_looks, "n_looks")
    if n_looks > n:
        raise ValueError(f"n_looks ({n_looks}) cannot exceed n_per_arm ({n}).")
    n_simulations = Integer(1, 10 ** 7)(n_simulations, "n_simulations")
    if n_looks * n_simulations > MAX_SIMULATED:
        raise ValueError(f"n_looks * n_simulations = {n_looks * n_simulations:,} tests is more "
                         f"than {MAX_SIMULATED:,}; simulate fewer.")
    alpha = PROBABILITY(alpha, "alpha")
    baseline = PROBABILITY(baseline, "baseline")
    variant = baseline + Real()(effect, "effect")
    if not 0 <= variant <= 1:
        raise ValueError(f"baseline + effect = {variant} is not a rate in [0, 1].")
    generator = np.random.default_rng(SEED(rng, "rng"))
    looks = np.round(np.linspace(0, n, n_looks + 1)).astype(int)[1:]
    batches = np.diff(np.concatenate([[0], looks]))
    x_a = np.cumsum(generator.binomial(batches, baseline, (n_simulations, n_looks)), axis=1)
    x_b = np.cumsum(generator.binomial(batches, variant, (n_simulations, n_looks)), axis=1)
    from scipy.special import ndtri

    reject = np.abs(pooled_z(x_a, looks, x_b, looks)) > ndtri(1 - alpha / 2)
    by_look = np.logical_or.accumulate(reject, axis=1).mean(axis=0)
    fixed, peeking = float(reject[:, -1].mean()), float(by_look[-1])
    se_of = (lambda rate: math.sqrt(rate * (1 - rate) / n_simulations))
    return PeekingSimulation(looks, by_look, fixed, peeking, (se_of(fixed), se_of(peeking)),
                             alpha, n_simulations)
