"""Bias and variance, data splits and cross-validation."""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from ..selection import (
    RegressionProblem,
    bias_variance_decomposition,
    linear_smoother_bias_variance,
)
from ..models import LinearRegression
from ..selection import (
    KFold,
    PolynomialFeatures,
    cross_val_score,
    loo_residuals,
    make_pipeline,
    train_valid_test_split,
)
from . import register


def truth(X):
    return np.sin(np.pi * X[:, 0])


def _uniform_inputs(rng, n):
    return rng.uniform(-1, 1, (n, 1))


def polynomial_model(degree):
    return make_pipeline(PolynomialFeatures(degree, include_bias=False), LinearRegression())


BULLSEYE_TARGETS = np.array([[-0.5], [0.5]])
BULLSEYE_CASES = (("high bias, low variance", 1, 200), ("high bias, high variance", 1, 8),
                  ("low bias, low variance", 5, 200), ("low bias, high variance", 5, 12))
BULLSEYE_NOISE, BULLSEYE_REFITS = 0.5, 150


@register("bias-variance-bullseye", concept="bias and variance",
          caption="Each dot is one refit on a fresh training sample: its errors at $x = -0.5$ "
                  "and $x = 0.5$ when predicting $\\sin(\\pi x)$. A straight line misses the centre "
                  "(bias), a few training points scatter the dots (variance); the titles give "
                  "the measured squared bias and variance averaged over the two points.")
def bias_variance_bullseye(rng):
    figure = Figure(figsize=(6.4, 6.6))
    axes = figure.subplots(2, 2)
    target = truth(BULLSEYE_TARGETS)
    for ax, (label, degree, n) in zip(axes.ravel(), BULLSEYE_CASES):
        problem = RegressionProblem(truth, _uniform_inputs, BULLSEYE_NOISE, n_samples=n)
        errors = np.array([polynomial_model(degree).fit(*problem.sample(rng))
                           .predict(BULLSEYE_TARGETS) - target
                           for _ in range(BULLSEYE_REFITS)])
        terms = bias_variance_decomposition(polynomial_model(degree), problem,
                                            BULLSEYE_TARGETS, n_repeats=400, rng=rng).mean()
        for radius, shade in zip((1.5, 1.0, 0.5), ("0.93", "0.82", "0.7")):
            ax.add_patch(Circle((0, 0), radius, color=shade, zorder=0))
        ax.plot(0, 0, "k+", markersize=10)
        ax.scatter(errors[:, 0], errors[:, 1], s=7, color="C3", alpha=0.7, zorder=3)
        ax.set_xlim(-1.6, 1.6)
        ax.set_ylim(-1.6, 1.6)
        ax.set_aspect("equal")
        ax.grid(False)
        ax.set_title(f"{label}\ndegree {degree}, n = {n}: bias² {terms['bias2']:.3f}, "
                     f"var {terms['variance']:.3f}", fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel("error at x = -0.5")
    for ax in axes[:, 0]:
        ax.set_ylabel("error at x = 0.5")
    figure.tight_layout()
    return figure


DEGREES = np.arange(1, 13)
DECOMPOSITION_NOISE = 0.3


def degree_decomposition(rng):
    """The exact bias², variance and noise of polynomial least squares, per degree."""
    x_train = np.sort(rng.uniform(-1, 1, (30, 1)), axis=0)
    x_eval = np.linspace(-0.95, 0.95, 97)[:, None]
    rows = []
    for degree in DEGREES:
        features = PolynomialFeatures(int(degree), include_bias=False)
        terms = linear_smoother_bias_variance(
            features.fit_transform(x_train), truth(x_train), features.fit_transform(x_eval),
            truth(x_eval), DECOMPOSITION_NOISE)
        rows.append(terms.mean())
    return x_train, rows


@register("bias-variance-degree", concept="bias-variance trade-off",
          caption="Left: the expected squared error of polynomial least squares on 30 fixed "
                  "inputs ($\\sin(\\pi x)$ plus noise of sd 0.3) split exactly into squared bias, "
                  "variance and noise for degrees 1 to 12. Middle and right: 20 refits on "
                  "fresh noise of an under-fitted (degree 1) and an over-fitted (degree 12) "
                  "polynomial.", derivation="bias-variance")
def bias_variance_degree(rng):
    x_train, rows = degree_decomposition(rng)
    figure = Figure(figsize=(10.0, 3.5))
    left, middle, right = figure.subplots(1, 3)
    for key, label, style in (("bias2", "bias²", "-"), ("variance", "variance", "-"),
                              ("noise", "noise", ":"), ("total", "expected error", "-")):
        left.plot(DEGREES, [row[key] for row in rows], style, marker=".", label=label)
    best = DEGREES[int(np.argmin([row["total"] for row in rows]))]
    left.axvline(best, color="k", linestyle="--", linewidth=1)
    left.set_ylim(0, 0.45)
    left.set_xlabel("polynomial degree")
    left.set_ylabel("average over x")
    left.set_title(f"Exact decomposition (best degree {best})", fontsize=10)
    left.legend(fontsize=7, loc="upper right")
    grid = np.linspace(-1, 1, 201)[:, None]
    problem = RegressionProblem(truth, x_train, DECOMPOSITION_NOISE)
    for ax, degree, label in ((middle, 1, "under-fitted"), (right, 12, "over-fitted")):
        for _ in range(20):
            X, y = problem.sample(rng)
            ax.plot(grid[:, 0], polynomial_model(degree).fit(X, y).predict(grid), color="C3",
                    linewidth=0.7, alpha=0.6)
        ax.plot(grid[:, 0], truth(grid), color="k", linewidth=2, label="truth sin(pi x)")
        ax.set_ylim(-2, 2)
        ax.set_xlabel("x")
        ax.set_title(f"{label}: degree {degree}, 20 refits", fontsize=10)
        ax.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    return figure


CV_DEGREES = np.arange(1, 11)


def cv_curves(rng):
    """Data, and their LOOCV (closed form) and 5-fold CV mean squared error per degree."""
    x = rng.uniform(-1, 1, (40, 1))
    y = truth(x) + rng.normal(0, 0.3, 40)
    loo, kfold = [], []
    for degree in CV_DEGREES:
        design = PolynomialFeatures(int(degree), include_bias=False).fit_transform(x)
        loo.append(np.mean(loo_residuals(design, y) ** 2))
        scores = cross_val_score(polynomial_model(int(degree)), x, y,
                                 cv=KFold(5, shuffle=True, random_state=0),
                                 scoring="neg_mean_squared_error")
        kfold.append(-scores.mean())
    return x, y, np.array(loo), np.array(kfold)


@register("splits-and-cross-validation", concept="train/validation/test splits and CV",
          caption="Left: a 60/20/20 train/validation/test split and the five folds of "
                  "shuffled 5-fold CV, drawn from the split indices themselves (20 rows). "
                  "Right: cross-validated error against polynomial degree, by closed-form "
                  "leave-one-out and by 5-fold CV.")
def splits_and_cross_validation(rng):
    n = 20
    train, valid, test = train_valid_test_split(np.arange(n), random_state=0)
    figure = Figure(figsize=(9.0, 3.6))
    left, right = figure.subplots(1, 2, width_ratios=(1.1, 1))
    rows = [("split", {"train": train, "valid": valid, "test": test})]
    for k, (fit_rows, held_out) in enumerate(KFold(5, shuffle=True, random_state=0)
                                             .split(np.zeros((n, 1)))):
        rows.append((f"fold {k + 1}", {"train": fit_rows, "held out": held_out}))
    colours = {"train": "C0", "valid": "C1", "test": "C3", "held out": "C2"}
    for r, (label, parts) in enumerate(rows):
        top = len(rows) - r - (0.6 if r else 0)
        for part, indices in parts.items():
            left.bar(indices, 0.8, bottom=top, width=0.9, color=colours[part],
                     label=part if (r == 0 or part == "held out") and r < 2 else None)
    left.set_yticks([len(rows) - r - (0.6 if r else 0) + 0.4 for r in range(len(rows))],
                    [label for label, _ in rows])
    left.set_xticks(np.arange(0, n, 5))
    left.set_xlabel("row index")
    left.grid(False)
    left.set_title("Splits from the actual indices", fontsize=10)
    left.legend(fontsize=8, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    _, _, loo, kfold = cv_curves(rng)
    right.semilogy(CV_DEGREES, loo, marker="o", label="leave-one-out (closed form)")
    right.semilogy(CV_DEGREES, kfold, marker="s", label="5-fold CV")
    right.axvline(CV_DEGREES[np.argmin(loo)], color="C0", linestyle="--", linewidth=1)
    right.set_xlabel("polynomial degree")
    right.set_ylabel("cross-validated MSE")
    right.set_title(f"Choosing the degree: LOO picks {CV_DEGREES[np.argmin(loo)]}, "
                    f"5-fold {CV_DEGREES[np.argmin(kfold)]}", fontsize=10)
    right.legend(fontsize=8)
    figure.tight_layout()
    return figure
