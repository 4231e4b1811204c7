"""Hypothesis tests and A/B testing: the null distribution, power, sample size, Beta
posteriors, p-values and peeking."""

import numpy as np
from matplotlib.figure import Figure

from ..hypothesis_testing import (
    ab_test_design,
    bayesian_ab_test,
    simulate_peeking,
    simulate_pvalues,
    two_proportion_z_test,
)
from ..models.bernoulli import BetaPosterior
from . import register


EXPERIMENT = (200, 2000, 250, 2000)     # conversions and visitors of A, then of B


@register("ab-test", concept="A/B testing",
          caption="200 of 2,000 visitors convert on A and 250 of 2,000 on B. Left: the "
                  "$z$ statistic against its null distribution, the shaded tails being the "
                  "p-value. Middle: the power to detect a rise from 10% to 12% against visitors per arm, "
                  "80% at the designed size. Right: the two Beta posteriors and $P(B > A)$.",
          derivation="two-proportion-z-test")
def ab_test(rng):
    from scipy import stats

    test = two_proportion_z_test(*EXPERIMENT)
    figure = Figure(figsize=(10.0, 3.5))
    left, middle, right = figure.subplots(1, 3)
    z = np.linspace(-4.5, 4.5, 451)
    left.plot(z, stats.norm.pdf(z), color="k", linewidth=1.4, label="null N(0, 1)")
    for side in (z <= -abs(test.statistic), z >= abs(test.statistic)):
        left.fill_between(z[side], stats.norm.pdf(z[side]), color="C3", alpha=0.5,
                          label="p-value area" if side[0] else None)
    left.axvline(test.statistic, color="C3", linewidth=1.2,
                 label=f"observed z = {test.statistic:.3f}")
    left.set_ylim(0, 0.56)
    left.set_xlabel("z")
    left.set_ylabel("density")
    left.set_title(f"Two-proportion z-test: p = {test.pvalue:.4f}", fontsize=10)
    left.legend(fontsize=7, loc="upper center")

    design = ab_test_design(0.10, 0.02)
    sizes = np.linspace(100, 8000, 80)
    power = [ab_test_design(0.10, 0.02, n_per_arm=n, power=None).power for n in sizes]
    middle.plot(sizes, power, color="C0")
    middle.axhline(design.power, color="0.5", linestyle=":", linewidth=1)
    middle.axvline(design.n_per_arm, color="C0", linestyle="--", linewidth=1)
    middle.plot(design.n_per_arm, design.power, "o", color="C0")
    middle.annotate(f"{design.n_a} per arm", (design.n_per_arm, design.power),
                    xytext=(8, -16), textcoords="offset points", fontsize=8)
    middle.set_xlabel("visitors per arm")
    middle.set_ylabel("power")
    middle.set_ylim(0, 1)
    middle.set_title("Power to detect 10% -> 12% (alpha 0.05)", fontsize=10)

    bayes = bayesian_ab_test(*EXPERIMENT)
    p = np.linspace(0.07, 0.16, 451)
    for colour, arm, params in (("C0", "A", bayes.posterior_a), ("C1", "B", bayes.posterior_b)):
        posterior = BetaPosterior(*params)
        right.plot(p, posterior.pdf(p), color=colour,
                   label=f"{arm}: Beta({params[0]:g}, {params[1]:g})")
        right.fill_between(p, posterior.pdf(p), color=colour, alpha=0.2)
    right.set_xlabel("conversion rate")
    right.set_ylabel("posterior density")
    right.set_title(f"Beta posteriors: P(B > A) = {bayes.prob_b_beats_a:.4f}", fontsize=10)
    right.legend(fontsize=8)
    figure.tight_layout()
    return figure


PEEKING_LOOKS, PEEKING_SIMULATIONS = 10, 10_000


SAMPLE_SIZE_BASELINE, SAMPLE_SIZE_DESIGN = 0.10, 0.12


@register("sample-size", concept="sample size",
          caption=r"Visitors needed per arm to detect a rise from a 10% baseline, against the "
                  r"rate to be detected, for 80% and 90% power at $\alpha = 0.05$ (two-sided), "
                  r"from `ab_test_design`; the dots are the one-sided formula "
                  r"$n_A = 2\big((z_{1-\alpha} + z_{1-\beta})/h\big)^2$ of the derivation at "
                  r"$\alpha = 0.05$ and 80% power. Halving the detectable rise roughly "
                  r"quadruples the visitors: $n$ grows as $1/h^2$. The cross marks the A/B "
                  r"test's design, 10% against 12%.",
          derivation="sample-size")
def sample_size(rng):
    from scipy import stats

    rates = np.linspace(0.105, 0.20, 60)
    figure = Figure(figsize=(6.4, 4.2))
    ax = figure.add_subplot()
    for power, colour in ((0.8, "C0"), (0.9, "C1")):
        sizes = [ab_test_design(SAMPLE_SIZE_BASELINE, rate - SAMPLE_SIZE_BASELINE,
                                power=power).n_per_arm for rate in rates]
        ax.semilogy(rates, sizes, color=colour, label=f"{power:.0%} power, two-sided")
    h = (2 * np.arcsin(np.sqrt(rates[::6])) - 2 * np.arcsin(np.sqrt(SAMPLE_SIZE_BASELINE)))
    one_sided = 2 * ((stats.norm.ppf(0.95) + stats.norm.ppf(0.8)) / h) ** 2
    ax.semilogy(rates[::6], one_sided, "o", color="C0", markersize=4,
                label="one-sided formula, 80% power")
    design = ab_test_design(SAMPLE_SIZE_BASELINE, SAMPLE_SIZE_DESIGN - SAMPLE_SIZE_BASELINE)
    ax.plot(SAMPLE_SIZE_DESIGN, design.n_per_arm, "kx", markersize=9, markeredgewidth=2)
    ax.annotate(f"10% vs 12%: {design.n_a:,} per arm", (SAMPLE_SIZE_DESIGN, design.n_per_arm),
                xytext=(10, 6), textcoords="offset points", fontsize=9)
    ax.set_xlabel("conversion rate to detect in arm B (baseline 10%)")
    ax.set_ylabel("visitors per arm")
    ax.set_title("Sample size against the detectable effect", fontsize=10)
    ax.legend(fontsize=8)
    figure.tight_layout()
    return figure


@register("pvalues-and-peeking", concept="p-values and peeking",
          caption="Left: p-values of 20,000 simulated A/B tests without an effect are uniform, "
                  "so 5% fall below 0.05 by chance; with a real effect they pile up near 0. "
                  "Right: checking a test after each of 10 batches and stopping at the first "
                  "$p < 0.05$ raises the false-positive rate far above 5%.")
def pvalues_and_peeking(rng):
    figure = Figure(figsize=(8.6, 3.6))
    left, right = figure.subplots(1, 2)
    null = simulate_pvalues(100, n_simulations=20_000, outcome="normal", rng=rng)
    effect = simulate_pvalues(100, n_simulations=20_000, outcome="normal", effect=0.3, rng=rng)
    bins = np.linspace(0, 1, 41)
    left.hist(effect, bins, color="C1", alpha=0.5,
              label=f"effect 0.3 sd: {np.mean(effect < 0.05):.0%} below 0.05 (power)")
    left.hist(null, bins, color="C0", alpha=0.7,
              label=f"no effect: {np.mean(null < 0.05):.1%} below 0.05")
    left.axhline(null.size / (bins.size - 1), color="C0", linestyle=":", linewidth=1)
    left.set_yscale("log")
    left.set_xlabel("p-value")
    left.set_ylabel("tests (log scale)")
    left.set_title("p-values under the null are uniform", fontsize=10)
    left.legend(fontsize=7, loc="upper right")
    peeking = simulate_peeking(2000, PEEKING_LOOKS, n_simulations=PEEKING_SIMULATIONS, rng=rng)
    looks = np.arange(1, PEEKING_LOOKS + 1)
    right.plot(looks, peeking.rejected_by_look, "o-", color="C3",
               label="stop at the first p < 0.05")
    right.axhline(peeking.alpha, color="k", linestyle="--", linewidth=1, label="alpha = 0.05")
    right.plot(PEEKING_LOOKS, peeking.fixed_horizon_rate, "s", color="C0",
               label=f"one look at the end: {peeking.fixed_horizon_rate:.3f}")
    right.annotate(f"{peeking.peeking_rate:.3f}", (PEEKING_LOOKS, peeking.peeking_rate),
                   xytext=(-6, 8), textcoords="offset points", ha="right", fontsize=8)
    right.set_ylim(0, 0.25)
    right.set_xticks(looks)
    right.set_xlabel("number of looks so far")
    right.set_ylabel("false-positive rate")
    right.set_title(f"Peeking ({PEEKING_SIMULATIONS:,} A/A tests)", fontsize=10)
    right.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    return figure
