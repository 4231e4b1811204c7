"""Least squares on the study-hours data, and the diagnostics of any linear fit."""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..datasets import load_study_hours
from ..models import LinearRegression
from . import register


@register("least-squares-squares", concept="least squares",
          caption="Left: study hours against exam score, the least-squares line and its "
                  "residuals. Right: each residual's square, side $|r_i|$ in score points, "
                  "drawn to scale; their total area is the residual sum of squares (RSS), "
                  "which the least-squares line makes as small as any line can: a line "
                  "with a 10% steeper slope leaves larger squares.",
          derivation="normal-equations")
def least_squares_squares(rng):
    hours = load_study_hours()
    x, y = hours.data[:, 0], hours.target
    model = LinearRegression().fit(hours.data, y)
    slope, intercept = float(model.coef_[0]), float(model.intercept_)
    residuals = y - model.predict(hours.data)
    # Another line through the data's centre, 10% steeper: its squares are larger.
    other_slope = 1.1 * slope
    other = y - (y.mean() + other_slope * (x - x.mean()))
    figure = Figure(figsize=(10.0, 4.2))
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.0, 1.25]})
    grid = np.array([x.min() - 1.0, x.max() + 1.0])
    for xi, yi, ri in zip(x, y, residuals):
        left.plot([xi, xi], [yi, yi - ri], color="C1", linewidth=1.5)
    left.plot(grid, intercept + slope * grid, color="C0",
              label=f"least squares: y = {slope:.3f} x + {intercept:.3f}")
    left.scatter(x, y, color="k", zorder=3, s=18, label="students")
    left.set_xlabel("hours studied")
    left.set_ylabel("exam score")
    left.set_title("The line and its residuals (orange)", fontsize=10)
    left.legend(loc="upper left", fontsize=8)

    # The squares side by side along two rows, in score points on both axes.
    gap, rows = 0.6, [(residuals, 0.0, "C0", "least squares"),
                      (other, -1.0, "C3", "slope x 1.1")]
    tallest = max(np.abs(r).max() for r, *_ in rows)
    for row, (r, level, color, label) in enumerate(rows):
        base = -row * (tallest + 2.5)
        left_edge = 0.0
        for side in np.abs(r):
            right.add_patch(Rectangle((left_edge, base), side, side, facecolor=color,
                                      alpha=0.3, edgecolor=color, linewidth=0.8))
            left_edge += side + gap
        right.text(0.0, base + tallest + 0.3, f"{label}: RSS = {float(r @ r):.2f}",
                   fontsize=9, color=color)
    width = max(np.abs(r).sum() + gap * len(r) for r, *_ in rows)
    right.set_xlim(-0.5, width + 0.5)
    right.set_ylim(-(tallest + 2.5) - 0.5, tallest + 1.5)
    right.set_aspect("equal")
    right.set_yticks([])
    right.set_xlabel("score points (each square's side is one residual's size)")
    right.set_title(f"The squared residuals to scale: total area {float(residuals @ residuals):.2f}"
                    " is the RSS", fontsize=10)
    figure.tight_layout()
    return figure


VECTORISED_ROWS = 1000


@register("vectorised-gradient", concept="vectorisation",
          caption=r"The MSE gradient of $n = 1000$ examples. Left: arithmetic operations "
                  r"against the number of features $p$: computed component by component "
                  r"(each recomputing the residuals) it grows as $p^2$; with the residuals "
                  r"computed once, as the matrix form $X^\top (Xw - y)$ does, as $4np$. Right: "
                  r"a loop that shares the residuals does the same $4np$ operations as the "
                  r"matrix form, but as $np$ steps of interpreted Python against three "
                  "calls into compiled code: vectorising moves the loops, it does not "
                  "save arithmetic.",
          derivation="vectorised-gradient")
def vectorised_gradient(rng):
    from ..derivations.regression import gradient_operation_counts

    features = np.arange(1, 201)
    counts = [gradient_operation_counts(VECTORISED_ROWS, int(p)) for p in features]
    naive = np.array([int(c[0]) for c in counts], dtype=float)
    once = np.array([int(c[1]) for c in counts], dtype=float)
    figure = Figure(figsize=(9.0, 3.8))
    left, right = figure.subplots(1, 2)
    left.loglog(features, naive, color="C3", label="component by component: 2np^2 + 2np")
    left.loglog(features, once, color="C0", label="residuals once (matrix form): 4np")
    left.set_xlabel("features p")
    left.set_ylabel("arithmetic operations")
    left.set_title(f"Arithmetic, n = {VECTORISED_ROWS}", fontsize=10)
    left.legend(fontsize=8)
    right.loglog(features, VECTORISED_ROWS * features.astype(float), color="C1",
                 label="Python loop: n p interpreted steps")
    right.loglog(features, np.full(len(features), 3.0), color="C0",
                 label="NumPy: 3 calls (X @ w - y, X.T @ r, 2/n)")
    right.set_xlabel("features p")
    right.set_ylabel("steps run by the interpreter")
    right.set_title("Who runs the loops", fontsize=10)
    right.legend(fontsize=8)
    figure.tight_layout()
    return figure


# Cook's distances drawn as contours on the leverage panel.
COOK_LEVELS = (0.5, 1.0)


def regression_diagnostics(model, X, y):
    r"""The three diagnostic panels of a fitted :class:`~probml.LinearRegression` on its
    training data ``X, y``: residuals against fitted values, a normal QQ plot of the
    internally studentised residuals, and those residuals against the leverage with
    Cook's distance contours :math:`D = 0.5, 1` (where
    :math:`r = \pm\sqrt{D k (1 - h)/h}`), from :meth:`~probml.LinearRegression.get_influence`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from scipy import stats

    influence = model.get_influence(X, y)
    fitted = model.predict(X)
    r = influence.resid_studentized_internal
    h = influence.hat_matrix_diag
    k = model.df_model_ + bool(model.fit_intercept)
    figure = Figure(figsize=(11.0, 3.8))
    residual_ax, qq_ax, leverage_ax = figure.subplots(1, 3)
    residual_ax.scatter(fitted, influence.resid, s=14, color="C0")
    residual_ax.axhline(0.0, color="0.5", linewidth=0.8)
    residual_ax.set_xlabel(r"fitted value $\hat y_i$")
    residual_ax.set_ylabel(r"residual $e_i$")
    residual_ax.set_title("Residuals against fitted values", fontsize=10)
    theoretical = stats.norm.ppf((np.arange(1, len(r) + 1) - 0.5) / len(r))
    qq_ax.scatter(theoretical, np.sort(r), s=14, color="C0")
    ends = [theoretical[0], theoretical[-1]]
    qq_ax.plot(ends, ends, color="0.5", linewidth=0.8)
    qq_ax.set_xlabel("normal quantile")
    qq_ax.set_ylabel(r"studentised residual $r_i$ (sorted)")
    qq_ax.set_title("Normal QQ plot", fontsize=10)
    leverage_ax.scatter(h, r, s=14, color="C0")
    grid = np.linspace(max(h.min() * 0.9, 1e-3), min(h.max() * 1.1, 0.99), 200)
    for level, style in zip(COOK_LEVELS, ("--", ":")):
        bound = np.sqrt(level * k * (1 - grid) / grid)
        leverage_ax.plot(grid, bound, style, color="C3", linewidth=0.9,
                         label=f"Cook's distance {level:g}")
        leverage_ax.plot(grid, -bound, style, color="C3", linewidth=0.9)
    leverage_ax.set_ylim(min(r.min(), -2.5) - 0.5, max(r.max(), 2.5) + 0.5)
    leverage_ax.set_xlabel(r"leverage $h_i$")
    leverage_ax.set_ylabel(r"studentised residual $r_i$")
    leverage_ax.set_title("Residuals against leverage", fontsize=10)
    leverage_ax.legend(fontsize=8, loc="upper right")
    figure.tight_layout()
    return figure


@register("regression-diagnostics", concept="regression diagnostics",
          caption=r"The diagnostics of least squares on the study-hours data (12 students): "
                  r"residuals against fitted values (no pattern is what a linear model "
                  r"with constant variance predicts), a normal QQ plot of the studentised "
                  r"residuals $r_i = e_i/(\hat\sigma\sqrt{1 - h_i})$, and $r_i$ against the "
                  r"leverage $h_i$ with the contours where Cook's distance is 0.5 and 1; "
                  r"`probml.figures.regression_diagnostics(model, X, y)` draws them for any "
                  r"fitted linear model.")
def regression_diagnostics_figure(rng):
    hours = load_study_hours()
    model = LinearRegression().fit(hours.data, hours.target)
    return regression_diagnostics(model, hours.data, hours.target)
