"""Regularization: penalties as constraint regions, coefficient paths, and Ridge as a MAP estimate."""

import warnings

import numpy as np
from matplotlib.figure import Figure

from .. import losses
from ..exceptions import NonConvexWarning
from ..datasets import load_study_hours
from ..models import (
    BayesianLinearRegression,
    BridgeRegression,
    LinearRegression,
    Ridge,
    lasso_path,
    ridge_path,
)
from . import register
from ._quantise import contour
from ._surfaces import mse_surface

RIDGE_PRIOR_PRECISION, RIDGE_NOISE_PRECISION = 2.0, 0.05


def ridge_problem(rng):
    X = rng.normal(size=(15, 2)) @ np.array([[1.0, 0.6], [0.0, 0.8]])
    y = X @ np.array([2.0, 1.0]) + rng.normal(0, 2.0, 15)
    return X - X.mean(axis=0), y - y.mean()


@register("ridge-as-map", concept="Ridge as a MAP estimate",
          caption="Left: contours of the likelihood (red) and of the Gaussian prior (blue) on "
                  "two weights; the Ridge solution with $\\alpha$ = prior precision / noise "
                  "precision sits where the two balance, and equals the posterior mean. "
                  "Right: the posterior predictive standard deviation of a study-hours exam "
                  "score, the noise plus the uncertainty about the line, grows away from "
                  "the data.",
          derivation="ridge-as-map")
def ridge_as_map(rng):
    X, y = ridge_problem(rng)
    alpha = RIDGE_PRIOR_PRECISION / RIDGE_NOISE_PRECISION
    ridge = Ridge(alpha=alpha, fit_intercept=False).fit(X, y)
    bayes = BayesianLinearRegression(alpha=RIDGE_PRIOR_PRECISION, beta=RIDGE_NOISE_PRECISION,
                                     fit_intercept=False).fit(X, y)
    ols = LinearRegression(fit_intercept=False).fit(X, y)
    w = np.stack(np.meshgrid(np.linspace(-1, 4, 101), np.linspace(-1.5, 3.5, 101)))
    # log N(y | Xw, 1/beta) = -beta/2 * n * MSE(w) + const;  log N(w | 0, I/alpha) likewise.
    mse = mse_surface(X, y, w)
    log_likelihood = -0.5 * RIDGE_NOISE_PRECISION * len(y) * mse
    log_prior = -0.5 * RIDGE_PRIOR_PRECISION * (w[0] ** 2 + w[1] ** 2)
    figure = Figure(figsize=(9.0, 4.8))
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
    # Below the axes, where it covers no contour.
    figure.legend(*left.get_legend_handles_labels(), fontsize=7, loc="lower left",
                  bbox_to_anchor=(0.06, 0.0), ncols=2)

    hours = load_study_hours()
    model = BayesianLinearRegression(fit_precisions=True).fit(hours.data, hours.target)
    grid = np.linspace(-6, 16, 221)[:, None]
    mean, std = model.predict(grid, return_std=True)
    noise = 1.0 / np.sqrt(model.beta_)
    # sd^2 = 1/beta (the noise) + a(x)' S a(x) (the uncertainty about the line).
    right.fill_between(grid[:, 0], 0, noise, color="0.8", label="noise: 1 / sqrt(beta)")
    right.fill_between(grid[:, 0], noise, std, color="C0", alpha=0.35,
                       label="added by the weights' posterior")
    right.plot(grid[:, 0], std, color="C0", linewidth=1.5, label="predictive sd")
    right.axvspan(hours.data.min(), hours.data.max(), color="0.95", zorder=0)
    right.text(5.0, 0.97, "hours in the data", transform=right.get_xaxis_transform(),
               ha="center", va="top", fontsize=8, color="0.4")
    right.set_ylim(0, 1.25 * std.max())
    right.set_xlabel("hours studied")
    right.set_ylabel("predictive sd of the exam score (points)")
    right.set_title(f"Predictive sd {std.min():.1f} among the data, {std.max():.1f} "
                    f"far away", fontsize=10)
    right.legend(fontsize=7, loc="lower left")
    figure.tight_layout(rect=(0.0, 0.1, 1.0, 1.0))        # the bottom tenth: the legend
    return figure


NORM_BALL_FITS = ((2.0, 0.3, "L2 (Ridge)"), (1.0, 1.0, "L1 (Lasso)"),
                  (0.5, 0.4, "p = 0.5 (bridge)"))


def two_feature_problem(rng):
    X = rng.normal(size=(40, 2)) @ np.array([[1.0, 0.5], [0.0, 0.9]])
    y = X @ np.array([2.0, 0.4]) + rng.normal(0, 1, 40)
    return X - X.mean(axis=0), y - y.mean()


def bridge_fits(X, y):
    """BridgeRegression for each (p, alpha) of the figure (the MAP under each prior)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonConvexWarning)
        return [BridgeRegression(alpha=alpha, p=p, fit_intercept=False).fit(X, y)
                for p, alpha, _ in NORM_BALL_FITS]


def _unit_sphere(p, n=721):
    """The curve |w1|^p + |w2|^p = 1."""
    theta = np.linspace(0, 2 * np.pi, n)
    c, s = np.cos(theta), np.sin(theta)
    return np.sign(c) * np.abs(c) ** (2 / p), np.sign(s) * np.abs(s) ** (2 / p)


@register("norm-balls", concept="L1, L2 and Lp penalties",
          caption="The same least-squares contours against three penalty regions, each grown "
                  "until it touches the contour of its penalised solution: the round L2 ball "
                  "touches off the axes, the L1 diamond and the pinched $p = 0.5$ region touch "
                  "at a corner on the axis, so those fits set $w_2$ exactly to 0.",
          derivation="lasso-as-map", seed=0)
def norm_balls(rng):
    X, y = two_feature_problem(rng)
    w = np.stack(np.meshgrid(np.linspace(-2.2, 3.2, 136), np.linspace(-1.8, 1.8, 91)))
    mse = mse_surface(X, y, w)
    ols = np.linalg.lstsq(X, y, rcond=None)[0]
    figure = Figure(figsize=(10.0, 3.6))
    axes = figure.subplots(1, 3)
    for ax, (p, alpha, label), model in zip(axes, NORM_BALL_FITS, bridge_fits(X, y)):
        coef = model.coef_
        radius = np.sum(np.abs(coef) ** p) ** (1 / p)
        u, v = _unit_sphere(p)
        ax.fill(radius * u, radius * v, color="C0", alpha=0.25)
        ax.plot(radius * u, radius * v, color="C0", linewidth=1)
        contour(ax, w[0], w[1], mse, levels=np.linspace(mse.min(), mse.min() + 3, 7)[1:],
                colors="0.6", linewidths=0.7)
        touching = losses.mean_squared_error(y, X @ coef, check_input=False)
        contour(ax, w[0], w[1], mse, levels=[touching], colors="C3", linewidths=1.2)
        ax.plot(*ols, "k+", markersize=10)
        ax.plot(*coef, "o", color="C3", markersize=6)
        ax.axhline(0, color="k", linewidth=0.6)
        ax.axvline(0, color="k", linewidth=0.6)
        ax.set_xlim(-2.2, 3.2)
        ax.set_ylim(-1.8, 1.8)
        ax.set_aspect("equal")
        ax.set_xlabel("w1")
        ax.set_title(f"{label}, alpha = {alpha:g}\nw = ({coef[0]:.2f}, {coef[1]:.2f})",
                     fontsize=10)
    axes[0].set_ylabel("w2")
    axes[0].annotate("least squares", ols, xytext=(6, 8), textcoords="offset points",
                     fontsize=8)
    figure.tight_layout()
    return figure


def path_problem(rng):
    X = rng.normal(size=(80, 6))
    X[:, 1] = 0.7 * X[:, 0] + 0.3 * X[:, 1]
    y = X @ np.array([3.0, -2.0, 0.0, 1.5, 0.0, 0.0]) + rng.normal(0, 1.0, 80)
    return X, y


@register("regularization-paths", concept="Ridge and Lasso paths",
          caption="Coefficients of six features (three truly zero) as the penalty grows: "
                  "Ridge shrinks every coefficient smoothly towards 0, the Lasso sets them "
                  "to exactly 0 one at a time.", derivation="lasso-as-map")
def regularization_paths(rng):
    X, y = path_problem(rng)
    ridge = ridge_path(X, y, np.geomspace(1e-2, 1e5, 120))
    lasso = lasso_path(X, y, n_alphas=120, eps=1e-4)
    figure = Figure(figsize=(8.6, 3.6))
    left, right = figure.subplots(1, 2)
    for ax, path, name in ((left, ridge, "Ridge"), (right, lasso, "Lasso")):
        for j in range(X.shape[1]):
            ax.semilogx(path.alphas, path.coef[:, j], color=f"C{j}", label=f"x{j + 1}")
        ax.axhline(0, color="k", linewidth=0.6)
        ax.set_xlabel("alpha (penalty strength)")
        ax.set_title(f"{name} path", fontsize=10)
    left.set_ylabel("coefficient")
    right.legend(fontsize=8, ncols=2)
    figure.tight_layout()
    return figure
