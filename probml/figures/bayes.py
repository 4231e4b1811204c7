"""Bayes: Bayes' theorem on a conversion rate, and Bayesian linear regression."""

import numpy as np
from matplotlib.figure import Figure

from ..models import BayesianLinearRegression, Bernoulli
from ..models.bernoulli import BetaPosterior
from . import register
from ._quantise import contour


BAYES_PRIOR = (3.0, 27.0)         # a prior belief of about 10% conversion
BAYES_OUTCOMES = np.array([1] * 6 + [0] * 14)


@register("bayes-theorem", concept="Bayes' theorem",
          caption="A conversion rate with a Beta(3, 27) prior (about 10%) sees 6 conversions "
                  "in 20 visits: prior times likelihood, normalised, is the Beta(9, 41) "
                  "posterior, which sits between the prior and the data's 30%.",
          derivation="beta-bernoulli")
def bayes_theorem(rng):
    p = np.linspace(0.0, 0.7, 701)
    data = Bernoulli().fit(BAYES_OUTCOMES)
    prior = BetaPosterior(*BAYES_PRIOR)
    posterior = data.posterior(*BAYES_PRIOR)
    likelihood = np.exp(data.loglik(p) - data.loglik_)
    figure = Figure()
    ax = figure.add_subplot()
    ax.plot(p, prior.pdf(p), color="C0", label=f"prior Beta({prior.a:g}, {prior.b:g})")
    # The likelihood is a function of p, not a density; scaled to unit area to compare.
    ax.plot(p, likelihood / np.trapezoid(likelihood, p), color="C2",
            label=f"likelihood of {data.n_successes_} in {data.n_samples_} (scaled)")
    ax.fill_between(p, posterior.pdf(p), color="C1", alpha=0.3)
    ax.plot(p, posterior.pdf(p), color="C1",
            label=f"posterior Beta({posterior.a:g}, {posterior.b:g})")
    ax.axvline(posterior.mode, color="C1", linestyle="--", linewidth=1,
               label=f"MAP {posterior.mode:.3f}; MLE {data.p_:.2f}")
    ax.set_xlabel("conversion rate p")
    ax.set_ylabel("density")
    ax.set_title("posterior ∝ prior × likelihood")
    ax.legend(fontsize=8)
    return figure


SEQUENTIAL_TRUTH = (-0.3, 0.5)
SEQUENTIAL_ALPHA, SEQUENTIAL_BETA = 2.0, 25.0
SEQUENTIAL_COUNTS = (0, 1, 2, 20)


def sequential_posteriors(rng):
    """(n, x, y, fitted model or None) after 0, 1, 2 and 20 points, by ``partial_fit``."""
    x = rng.uniform(-1, 1, max(SEQUENTIAL_COUNTS))
    y = (SEQUENTIAL_TRUTH[0] + SEQUENTIAL_TRUTH[1] * x
         + rng.normal(0, SEQUENTIAL_BETA ** -0.5, x.size))
    design = np.column_stack([np.ones_like(x), x])
    model = BayesianLinearRegression(alpha=SEQUENTIAL_ALPHA, beta=SEQUENTIAL_BETA,
                                     fit_intercept=False)
    seen, states = 0, []
    for n in SEQUENTIAL_COUNTS:
        if n > seen:
            model.partial_fit(design[seen:n], y[seen:n])
            seen = n
        states.append((n, x[:n], y[:n], (model.posterior_mean_.copy(),
                                          model.posterior_cov_.copy()) if n else None))
    return states


def _gaussian_density(grid, mean, cov):
    from scipy import stats

    return stats.multivariate_normal(mean, cov).pdf(np.moveaxis(grid, 0, -1))


@register("bayesian-linear-sequential", concept="Bayesian linear regression",
          caption="Learning $y = -0.3 + 0.5x$ one batch at a time: the density over "
                  "$(w_0, w_1)$ "
                  "after 0, 1, 2 and 20 points (the cross is the truth) and six lines drawn "
                  "from it; each posterior is the next prior.",
          derivation="bayesian-linear-posterior", seed=3)
def bayesian_linear_sequential(rng):
    states = sequential_posteriors(rng)
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 121), np.linspace(-1, 1, 121)))
    line_x = np.array([-1.0, 1.0])
    figure = Figure(figsize=(6.0, 9.0))
    axes = figure.subplots(len(states), 2)
    prior = (np.zeros(2), np.eye(2) / SEQUENTIAL_ALPHA)
    for (n, x, y, fitted), (left, right) in zip(states, axes):
        mean, cov = fitted if fitted else prior
        contour(left, grid[0], grid[1], _gaussian_density(grid, mean, cov), levels=12,
                filled=True, cmap="Blues")
        left.plot(*SEQUENTIAL_TRUTH, "r+", markersize=10, markeredgewidth=2)
        left.set_aspect("equal")
        left.set_ylabel(f"{n} point{'s' if n != 1 else ''}\n\nw1")
        draws = rng.multivariate_normal(mean, cov, 6)
        for w0, w1 in draws:
            right.plot(line_x, w0 + w1 * line_x, color="C3", linewidth=1, alpha=0.8)
        right.scatter(x, y, color="C0", s=18, zorder=3)
        right.set_xlim(-1, 1)
        right.set_ylim(-1, 1)
        right.set_aspect("equal")
        right.set_ylabel("y")
    axes[0, 0].set_title("prior / posterior over (w0, w1)", fontsize=10)
    axes[0, 1].set_title("six lines drawn from it", fontsize=10)
    axes[-1, 0].set_xlabel("w0")
    axes[-1, 1].set_xlabel("x")
    figure.tight_layout()
    return figure
