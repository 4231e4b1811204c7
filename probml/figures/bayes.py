"""Likelihood and Bayes: the Gaussian MLE, Bayes' theorem, Bayesian linear regression, Ridge."""

import numpy as np
from matplotlib.figure import Figure

from ..datasets import load_study_hours
from ..models import BayesianLinearRegression, Bernoulli, Normal, Ridge
from ..models.bernoulli import BetaPosterior
from . import register
from ._quantise import contour
from ._surfaces import mse_surface

MLE_SAMPLE_SIZE, MLE_REPEATS = 5, 20_000


@register("gaussian-mle", concept="Gaussian maximum likelihood",
          caption="Left: the log-likelihood of 20 draws from N(5, 4) over (mu, sigma^2), "
                  "highest at the closed-form MLE (sample mean, 1/n variance). Right: over "
                  "20,000 samples of size 5, the 1/n variance estimator centres below the "
                  "true variance (at (n-1)/n of it) and the 1/(n-1) estimator on it.",
          derivation="gaussian-mle")
def gaussian_mle(rng):
    sample = rng.normal(5.0, 2.0, 20)
    model = Normal().fit(sample)
    mean, var = np.meshgrid(np.linspace(3.0, 7.0, 161), np.linspace(1.0, 12.0, 161))
    surface = model.loglik(mean, var)
    figure = Figure(figsize=(8.6, 3.7))
    left, right = figure.subplots(1, 2)
    levels = model.loglik_ - np.array([12, 8, 5, 3, 2, 1, 0.5, 0.1])
    contours = contour(left, mean, var, surface, levels=np.sort(levels), cmap="viridis",
                       linewidths=1)
    left.clabel(contours, fmt="%.1f", fontsize=7)
    left.plot(model.mean_, model.var_, "r*", markersize=12,
              label=f"MLE ({model.mean_:.3f}, {model.var_:.3f})")
    left.plot(5.0, 4.0, "k+", markersize=10, label="true (5, 4)")
    left.set_xlabel("mu")
    left.set_ylabel("sigma²")
    left.set_title("Log-likelihood surface", fontsize=10)
    left.legend(fontsize=8, loc="upper left")

    fits = [Normal().fit(rng.normal(0.0, 1.0, MLE_SAMPLE_SIZE)) for _ in range(MLE_REPEATS)]
    biased = np.array([fit.var_ for fit in fits])
    unbiased = np.array([fit.var_unbiased_ for fit in fits])
    bins = np.linspace(0, 4, 61)
    right.hist(biased, bins, alpha=0.5, color="C0", label=f"1/n (MLE): mean {biased.mean():.3f}")
    right.hist(unbiased, bins, alpha=0.5, color="C1",
               label=f"1/(n-1): mean {unbiased.mean():.3f}")
    right.axvline(1.0, color="k", linewidth=1.2, label="true variance 1")
    right.axvline(biased.mean(), color="C0", linestyle="--", linewidth=1)
    right.axvline(unbiased.mean(), color="C1", linestyle="--", linewidth=1)
    right.set_xlabel(f"estimated variance (n = {MLE_SAMPLE_SIZE})")
    right.set_ylabel("samples")
    right.set_title("Sampling distributions of the two estimators", fontsize=10)
    right.legend(fontsize=8)
    figure.tight_layout()
    return figure


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
          caption="Learning y = -0.3 + 0.5 x one batch at a time: the density over (w0, w1) "
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


RIDGE_PRIOR_PRECISION, RIDGE_NOISE_PRECISION = 2.0, 0.05


def ridge_problem(rng):
    X = rng.normal(size=(15, 2)) @ np.array([[1.0, 0.6], [0.0, 0.8]])
    y = X @ np.array([2.0, 1.0]) + rng.normal(0, 2.0, 15)
    return X - X.mean(axis=0), y - y.mean()


@register("ridge-as-map", concept="Ridge as a MAP estimate",
          caption="Left: contours of the likelihood (red) and of the Gaussian prior (blue) on "
                  "two weights; the Ridge solution with alpha = prior precision / noise "
                  "precision sits where the two balance, and equals the posterior mean. "
                  "Right: the posterior predictive band of the study-hours line widens away "
                  "from the data.",
          derivation="ridge-as-map")
def ridge_as_map(rng):
    X, y = ridge_problem(rng)
    alpha = RIDGE_PRIOR_PRECISION / RIDGE_NOISE_PRECISION
    ridge = Ridge(alpha=alpha, fit_intercept=False).fit(X, y)
    bayes = BayesianLinearRegression(alpha=RIDGE_PRIOR_PRECISION, beta=RIDGE_NOISE_PRECISION,
                                     fit_intercept=False).fit(X, y)
    ols = Ridge(alpha=1e-12, fit_intercept=False).fit(X, y)
    w = np.stack(np.meshgrid(np.linspace(-1, 4, 101), np.linspace(-1.5, 3.5, 101)))
    # log N(y | Xw, 1/beta) = -beta/2 * n * MSE(w) + const;  log N(w | 0, I/alpha) likewise.
    mse = mse_surface(X, y, w)
    log_likelihood = -0.5 * RIDGE_NOISE_PRECISION * len(y) * mse
    log_prior = -0.5 * RIDGE_PRIOR_PRECISION * (w[0] ** 2 + w[1] ** 2)
    figure = Figure(figsize=(9.0, 4.0))
    left, right = figure.subplots(1, 2)
    steps = -np.array([8, 4, 2, 1, 0.5, 0.125])
    contour(left, w[0], w[1], log_likelihood - log_likelihood.max(), levels=np.sort(steps),
            colors="C3", linewidths=0.9, linestyles="solid")
    contour(left, w[0], w[1], log_prior, levels=np.sort(steps), colors="C0", linewidths=0.9,
            linestyles="solid")
    left.plot(*ols.coef_, "s", color="C3", label="least squares (likelihood peak)")
    left.plot(0, 0, "o", color="C0", label="prior mean")
    left.plot(*ridge.coef_, "k*", markersize=13, label=f"Ridge, alpha = {alpha:g}")
    left.plot(*bayes.posterior_mean_, "o", markersize=9, markerfacecolor="none",
              markeredgecolor="C2", markeredgewidth=1.5, label="posterior mean")
    left.set_aspect("equal")
    left.set_xlabel("w1")
    left.set_ylabel("w2")
    left.set_title("MAP = where likelihood meets prior", fontsize=10)
    left.legend(fontsize=7, loc="lower right")

    hours = load_study_hours()
    model = BayesianLinearRegression(fit_precisions=True).fit(hours.data, hours.target)
    grid = np.linspace(-6, 16, 221)[:, None]
    mean, std = model.predict(grid, return_std=True)
    band = model.predict_interval(grid, 0.95)
    # Drawn around the predictive mean, so the band's width is what shows.
    right.fill_between(grid[:, 0], band[:, 0] - mean, band[:, 1] - mean, color="C0",
                       alpha=0.25, label="95% predictive interval")
    right.axhline(0, color="C0", linewidth=1.2, label="posterior predictive mean")
    right.scatter(hours.data[:, 0], hours.target - model.predict(hours.data), color="k",
                  s=15, zorder=3, label="students")
    right.axvspan(hours.data.min(), hours.data.max(), color="0.92", zorder=0)
    right.text(5.0, 0.97, "data", transform=right.get_xaxis_transform(), ha="center",
               va="top", fontsize=8, color="0.4")
    right.set_xlabel("hours studied")
    right.set_ylabel("exam score - predictive mean")
    right.set_title(f"Predictive sd {std.min():.1f} among the data, {std.max():.1f} "
                    f"far away", fontsize=10)
    right.legend(fontsize=7, loc="lower left")
    figure.tight_layout()
    return figure
