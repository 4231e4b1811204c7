"""Least squares on the study-hours data."""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..datasets import load_study_hours
from ..models import LinearRegression
from . import register


@register("least-squares-squares", concept="least squares",
          caption="Study hours against exam score: the least-squares line, its residuals, "
                  "and each squared residual drawn as a square; their total area is the "
                  "residual sum of squares the line minimises.",
          derivation="normal-equations")
def least_squares_squares(rng):
    hours = load_study_hours()
    x, y = hours.data[:, 0], hours.target
    model = LinearRegression().fit(hours.data, y)
    fitted = model.predict(hours.data)
    residuals = y - fitted
    rss = float(residuals @ residuals)

    figure = Figure()
    ax = figure.add_subplot()
    x_limits = (x.min() - 1.0, x.max() + 1.5)
    y_limits = (min(y.min(), fitted.min()) - 8, max(y.max(), fitted.max()) + 8)
    ax.set_xlim(*x_limits)
    ax.set_ylim(*y_limits)
    # Squares must look square although the axes have different units: one score unit
    # along y spans ``x_per_score`` hours along x on the page.
    box = ax.get_position()
    width_in, height_in = box.width * figure.get_figwidth(), box.height * figure.get_figheight()
    x_per_score = ((x_limits[1] - x_limits[0]) / width_in) / (
        (y_limits[1] - y_limits[0]) / height_in)
    for xi, yi, fi, r in zip(x, y, fitted, residuals):
        ax.add_patch(Rectangle((xi, min(yi, fi)), abs(r) * x_per_score, abs(r),
                               facecolor="C1", alpha=0.25, edgecolor="C1", linewidth=0.8))
        ax.plot([xi, xi], [yi, fi], color="C1", linewidth=1.2)
    grid = np.array(x_limits)
    ax.plot(grid, model.intercept_ + model.coef_[0] * grid, color="C0",
            label=f"y = {model.coef_[0]:.3f} x + {model.intercept_:.3f}")
    ax.scatter(x, y, color="k", zorder=3, s=18, label="students")
    ax.set_xlabel("hours studied")
    ax.set_ylabel("exam score")
    ax.set_title(f"Least squares: the squares' total area (in score units) is the RSS, "
                 f"{rss:.2f}", fontsize=10)
    ax.legend(loc="upper left")
    return figure
