"""Classification: the sigmoid, softmax and cross-entropy; logistic regression and perfect separation."""

import warnings

import numpy as np
from matplotlib.figure import Figure

from .. import functions, losses
from ..datasets import load_study_pass
from ..exceptions import PerfectSeparationWarning
from ..functions import sigmoid
from ..models import LogisticRegression
from . import register
from ._surfaces import pointwise


@register("sigmoid-logit", concept="logistic function",
          caption="The sigmoid maps a log-odds $z$ to a probability $p$; the logit maps $p$ "
                  "back to $z$: the same curve with its axes swapped (the dashed guides follow "
                  "$z = 2$ to $p = 0.881$ and back). The odds $p/(1 - p) = e^z$ grow without "
                  "bound as $p$ approaches 1.",
          derivation="logistic-inverse-logit")
def sigmoid_logit(rng):
    figure = Figure(figsize=(10.0, 3.6))
    left, middle, right = figure.subplots(1, 3)
    z = np.linspace(-6, 6, 401)
    p = np.linspace(0.0025, 0.9975, 399)
    z0 = 2.0
    p0 = float(functions.sigmoid(z0))
    left.plot(z, functions.sigmoid(z), color="C0", label="p = sigmoid(z)")
    left.plot([z0, z0, -6], [0, p0, p0], color="0.5", linestyle="--", linewidth=1)
    left.set_xlim(-6, 6)
    left.set_ylim(0, 1)
    left.set_xlabel("log-odds z")
    left.set_ylabel("probability p")
    left.set_title("Sigmoid: z to p")
    middle.plot(p, functions.logit(p), color="C1", label="z = logit(p)")
    middle.plot([p0, p0, 0], [-6, z0, z0], color="0.5", linestyle="--", linewidth=1)
    middle.set_xlim(0, 1)
    middle.set_ylim(-6, 6)
    middle.set_xlabel("probability p")
    middle.set_ylabel("log-odds z")
    middle.set_title("Logit: p back to z")
    right.plot(p, p / (1 - p), color="C2")
    right.set_xlim(0, 1)
    right.set_ylim(0, 20)
    right.set_xlabel("probability p")
    right.set_ylabel("odds p / (1 - p)")
    right.set_title("Odds against probability")
    for ax in (left, middle):
        ax.annotate(f"z = {z0:g}, p = {p0:.3f}", (p0, z0) if ax is middle else (z0, p0),
                    xytext=(-8, 8), textcoords="offset points", ha="right", fontsize=8)
    figure.tight_layout()
    return figure


@register("softmax-temperature", concept="softmax",
          caption="Softmax of the same five logits at temperatures 0.25, 1 and 4: low "
                  "temperature concentrates the probability on the largest logit, high "
                  "temperature spreads it towards uniform.")
def softmax_temperature(rng):
    logits = np.array([2.0, 1.0, 0.5, -0.5, -1.0])
    figure = Figure()
    ax = figure.add_subplot()
    width = 0.26
    for k, temperature in enumerate((0.25, 1.0, 4.0)):
        probabilities = functions.softmax(logits, temperature=temperature)
        ax.bar(np.arange(logits.size) + (k - 1) * width, probabilities, width,
               label=f"T = {temperature:g}")
    ax.axhline(1 / logits.size, color="0.5", linestyle=":", linewidth=1, label="uniform")
    ax.set_xticks(np.arange(logits.size), [f"z = {v:g}" for v in logits])
    ax.set_ylabel("probability")
    ax.set_title("softmax(z / T)")
    ax.legend()
    return figure


@register("binary-cross-entropy", concept="cross-entropy",
          caption=r"Both panels in nats (natural logarithms; divide by $\log 2 = 0.693$ for "
                  r"bits). Left: binary cross-entropy of a predicted probability when the "
                  r"label is 1 and when it is 0; a confident wrong answer costs without "
                  r"bound. Right: the entropy of a $\mathrm{Bernoulli}(p)$ variable, its "
                  r"expected cross-entropy against itself, largest ($\log 2$) at $p = 1/2$.",
          derivation="cross-entropy-gradient")
def binary_cross_entropy(rng):
    p = np.linspace(0.001, 0.999, 999)
    ones, zeros = np.ones_like(p), np.zeros_like(p)
    on_one = pointwise(losses.binary_cross_entropy, ones, p)
    on_zero = pointwise(losses.binary_cross_entropy, zeros, p)
    figure = Figure()
    left, right = figure.subplots(1, 2)
    left.plot(p, on_one, label="label y = 1: -log p")
    left.plot(p, on_zero, label="label y = 0: -log(1 - p)")
    left.set_ylim(0, 5)
    left.set_xlabel("predicted probability p")
    left.set_ylabel("loss (nats)")
    left.set_title("Binary cross-entropy")
    left.legend(fontsize=8)
    # Entropy H(p) is the expected cross-entropy of the Bernoulli(p) against itself.
    entropy = p * on_one + (1 - p) * on_zero
    right.plot(p, entropy, color="C2")
    right.axhline(np.log(2), color="0.5", linestyle=":", linewidth=1)
    right.text(0.5, np.log(2), "log 2 = 0.693 nats (1 bit)", ha="center", va="bottom",
               fontsize=8, color="0.3")
    right.set_ylim(0, 0.8)
    right.set_xlabel("p")
    right.set_ylabel("entropy (nats)")
    right.set_title("Entropy of a Bernoulli(p)")
    figure.tight_layout()
    return figure


@register("logistic-regression-band", concept="logistic regression",
          caption="Pass or fail against hours studied: the maximum-likelihood probability of "
                  "passing, its 95% confidence band (the Wald interval of the log-odds mapped "
                  "through the sigmoid), and the decision boundary where it crosses 0.5.",
          derivation="cross-entropy-gradient")
def logistic_regression_band(rng):
    study = load_study_pass()
    x, y = study.data[:, 0], study.target
    model = LogisticRegression().fit(study.data, y)
    grid = np.linspace(0, 7, 281)[:, None]
    band = model.predict_proba_interval(grid)
    boundary = -model.intercept_[0] / model.coef_[0, 0]
    figure = Figure()
    ax = figure.add_subplot()
    ax.fill_between(grid[:, 0], band[:, 0], band[:, 1], color="C0", alpha=0.2,
                    label="95% confidence band")
    ax.plot(grid[:, 0], model.predict_proba(grid)[:, 1], color="C0",
            label=f"P(pass) = sigmoid({model.coef_[0, 0]:.3f} x "
                  f"{'-' if model.intercept_[0] < 0 else '+'} {abs(model.intercept_[0]):.3f})")
    ax.scatter(x, y, c=np.where(y == 1, "C2", "C3"), zorder=3, s=22,
               label="students (1 = passed)")
    ax.axhline(0.5, color="0.5", linestyle=":", linewidth=1)
    ax.axvline(boundary, color="k", linestyle="--", linewidth=1,
               label=f"decision boundary: {boundary:.2f} hours")
    ax.set_xlabel("hours studied")
    ax.set_ylabel("probability of passing")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title("Logistic regression, fitted by maximum likelihood")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0.0, 0.92), frameon=True,
              framealpha=0.9, edgecolor="none")
    return figure


SEPARATED_X = np.array([0.5, 1.0, 1.5, 2.0, 3.0, 3.5, 4.0, 4.5])
SEPARATED_Y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
SEPARATION_PRIOR_VARIANCES = (1.0, 10.0)


def separating_ray_loglik(slope):
    r"""Log-likelihood of the separated data at weight ``slope``, intercept ``-2.5 slope``.

    The ray :math:`(b, w) = t\,(-2.5, 1)` keeps the boundary at 2.5, between the classes.
    """
    logits = slope * (SEPARATED_X - 2.5)
    return -SEPARATED_X.size * losses.binary_cross_entropy_with_logits(SEPARATED_Y, logits)


def l2_log_posterior(slope, C):
    """The log-likelihood plus the log of the N(0, C) prior on the slope, up to a constant."""
    return separating_ray_loglik(slope) - slope ** 2 / (2 * C)


def l2_maps():
    """The L2 MAP slopes for each prior variance (scikit-learn's C)."""
    return {C: LogisticRegression(penalty="l2", C=C).fit(SEPARATED_X[:, None], SEPARATED_Y)
            for C in SEPARATION_PRIOR_VARIANCES}


@register("perfect-separation", concept="perfect separation",
          caption="Eight points that a threshold at 2.5 separates: along the separating "
                  "direction the log-likelihood keeps rising towards 0, so the MLE does not "
                  "exist; adding the log of a Gaussian prior (L2 penalty) bends it down and "
                  "the MAP stops at a finite slope.")
def perfect_separation(rng):
    slopes = np.linspace(0, 12, 241)
    loglik = np.array([separating_ray_loglik(t) for t in slopes])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        mle = LogisticRegression(max_iter=25).fit(SEPARATED_X[:, None], SEPARATED_Y)
    figure = Figure(figsize=(8.6, 3.6))
    left, right = figure.subplots(1, 2)
    left.scatter(SEPARATED_X, SEPARATED_Y, c=np.where(SEPARATED_Y == 1, "C2", "C3"), zorder=3)
    grid = np.linspace(0, 5, 201)
    for slope in (1.0, 3.0, 10.0):
        left.plot(grid, sigmoid(slope * (grid - 2.5)), linewidth=1.2,
                  label=f"slope {slope:g}")
    left.set_xlabel("x")
    left.set_ylabel("P(y = 1)")
    left.set_title("Steeper is always more likely", fontsize=10)
    left.legend(fontsize=8, loc="upper left")
    right.plot(slopes, loglik, color="k", label="log-likelihood (sup = 0, never reached)")
    for colour, (C, model) in zip(("C0", "C1"), l2_maps().items()):
        posterior = [l2_log_posterior(t, C) for t in slopes]
        right.plot(slopes, posterior, color=colour, label=f"log-likelihood + log prior, C = {C:g}")
        w = model.coef_[0, 0]
        right.plot(w, l2_log_posterior(w, C), "o", color=colour)
        right.annotate(f"MAP slope {w:.3f}", (w, l2_log_posterior(w, C)),
                       xytext=(10, 4), textcoords="offset points", ha="left", fontsize=8,
                       color=colour)
    right.set_ylim(-8, 0.5)
    right.set_xlabel("slope w (intercept -2.5 w)")
    right.set_ylabel("log density, up to a constant")
    right.set_title(f"No MLE (Newton stops at w = {mle.coef_[0, 0]:.1f}); the MAP exists",
                    fontsize=10)
    right.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    return figure
