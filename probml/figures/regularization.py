"""Penalties as constraint regions, and coefficient paths."""

import warnings

import numpy as np
from matplotlib.figure import Figure

from .. import losses
from ..exceptions import NonConvexWarning
from ..models import BridgeRegression, lasso_path, ridge_path
from . import register
from ._quantise import contour
from ._surfaces import mse_surface

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
                  "touches off the axes, the L1 diamond and the pinched p = 0.5 region touch "
                  "at a corner on the axis, so those fits set w2 exactly to 0.",
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
