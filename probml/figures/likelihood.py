"""Likelihood: the Gaussian MLE, and the MSE, MAE and Huber losses as negative log-likelihoods."""

import numpy as np
from matplotlib.figure import Figure

from .. import losses, optim
from ..models import Normal
from . import register
from ._quantise import contour
from ._surfaces import pointwise


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


ROBUST_LOSSES = (("MSE", losses.mean_squared_error, losses.mean_squared_error_gradient),
                 ("MAE", losses.mean_absolute_error, losses.mean_absolute_error_gradient),
                 ("Huber (delta = 1)", losses.huber_loss, losses.huber_loss_gradient))


def location_gradient(gradient, y):
    """d/dc of the mean loss of predicting the constant c for every y."""
    return lambda c: np.array([gradient(y, np.full_like(y, c[0])).sum()])


ROBUST_DATA = np.array([-1.0, -0.5, 0.0, 0.5, 6.0])    # one outlier


@register("robust-losses", concept="MSE, MAE and Huber losses",
          caption="Left: the three losses of one prediction against its residual; middle: "
                  "their gradients, MAE's a constant +-1; right: gradient descent for the best "
                  "constant prediction of five numbers with one outlier: MSE converges to the "
                  "mean the outlier drags away, Huber to the median, and MAE's fixed-size "
                  "step keeps overshooting the median.",
          derivation="losses-as-likelihoods")
def robust_losses(rng):
    residuals = np.linspace(-3, 3, 241)
    y = ROBUST_DATA
    # The minimisers: the mean for MSE, the median for MAE and, for these data, Huber
    # too (the clipped residuals -1, -0.5, 0, 0.5, 1 sum to 0 at the median).
    targets = (np.mean(y), np.median(y), np.median(y))
    figure = Figure(figsize=(9.6, 3.4))
    left, middle, right = figure.subplots(1, 3)
    for colour, ((label, loss, gradient), target) in enumerate(zip(ROBUST_LOSSES, targets)):
        # One prediction -r of the target 0 has residual r; the gradient with
        # respect to the residual is minus that for the prediction.
        zeros = np.zeros_like(residuals)
        left.plot(residuals, pointwise(loss, zeros, -residuals), color=f"C{colour}",
                  label=label)
        slope = -pointwise(gradient, zeros, -residuals)
        middle.plot(residuals, slope, color=f"C{colour}", label=label)
        path = optim.trajectory(location_gradient(gradient, y), [3.0],
                                optim.gradient_descent(0.4), 40)
        right.semilogy(np.abs(path[:, 0] - target), color=f"C{colour}", marker=".",
                       markersize=3, label=label)
    left.set_ylim(0, 4)
    left.set_xlabel("residual y - prediction")
    left.set_ylabel("loss")
    left.set_title("Loss")
    middle.legend(fontsize=8, loc="lower right")
    middle.set_xlabel("residual y - prediction")
    middle.set_ylabel("d loss / d residual")
    middle.set_title("Gradient")
    right.set_ylim(1e-12, 10)
    right.set_xlabel("gradient-descent step (lr 0.4)")
    right.set_ylabel("distance to the minimiser")
    right.set_title("Fitting one constant")
    figure.tight_layout()
    return figure
