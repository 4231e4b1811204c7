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
          caption=r"Left: the log-likelihood of 20 draws from $\mathcal N(5, 4)$ over "
                  r"$(\mu, \sigma^2)$, highest at the closed-form MLE (sample mean, $1/n$ "
                  r"variance). Right: over 20,000 samples of size 5, the $1/n$ variance "
                  r"estimator centres below the true variance (at $(n-1)/n$ of it) and the "
                  r"$1/(n-1)$ estimator on it.",
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


# The study-pass data, and the same share of passes in ten times as many students.
BERNOULLI_REPEATS = 10


@register("bernoulli-likelihood", concept="Bernoulli maximum likelihood",
          caption=r"The Bernoulli log-likelihood $k \log p + (n - k) \log(1 - p)$, less its "
                  r"maximum, for the $k$ passes of the $n = 20$ study-pass students and for ten "
                  r"times as many students with the same share: both peak at $\hat p = k/n$, "
                  r"and the larger sample's curve is ten times as sharp (curvature "
                  r"$n/(\hat p(1 - \hat p))$), so its 95% Wald interval "
                  r"$\hat p \pm 1.96\sqrt{\hat p(1 - \hat p)/n}$ (bars) is $\sqrt{10}$ times "
                  r"narrower. The dashed line 1.92 below the top is where the likelihood-ratio "
                  r"interval ends.",
          derivation="bernoulli-mle")
def bernoulli_likelihood(rng):
    from ..datasets import load_study_pass
    from ..models import Bernoulli

    passed = load_study_pass().target
    grid = np.linspace(0.02, 0.98, 481)
    figure = Figure(figsize=(6.4, 4.2))
    ax = figure.add_subplot()
    for repeats, colour in ((1, "C0"), (BERNOULLI_REPEATS, "C3")):
        fit = Bernoulli().fit(np.tile(passed, repeats))
        curve = np.array([fit.loglik(q) for q in grid]) - fit.loglik_
        ax.plot(grid, curve, color=colour,
                label=fr"$n = {fit.n_samples_}$: $\hat p = {fit.p_:.2f}$, "
                      fr"se $= {fit.bse_:.3f}$")
        low, high = fit.p_ - 1.96 * fit.bse_, fit.p_ + 1.96 * fit.bse_
        level = -0.25 if repeats == 1 else -0.5
        ax.plot([low, high], [level, level], color=colour, linewidth=3, solid_capstyle="butt")
    ax.axhline(-1.92, color="0.4", linestyle="--", linewidth=0.9)
    ax.axvline(fit.p_, color="0.4", linewidth=0.8)
    ax.set_ylim(-8.0, 0.6)
    ax.set_xlabel("success probability $p$")
    ax.set_ylabel(r"$\ell(p) - \ell(\hat p)$")
    ax.set_title("Bernoulli log-likelihood of the study-pass data", fontsize=10)
    ax.legend(fontsize=8, loc="lower center")
    figure.tight_layout()
    return figure


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


# -- models a user writes, fitted by the likelihood engine ------------------------------

CROSS_ENTROPY_P = 0.3


@register("entropy-cross-entropy-kl", concept="cross-entropy and KL divergence",
          caption=r"A coin with $P(\text{heads}) = 0.3$ scored by models $q$: the "
                  r"cross-entropy $H(p, q)$ (in nats) is the entropy $H(p)$, which no model can "
                  r"beat, plus the KL divergence $D(p \,\|\, q)$, the extra cost of the wrong "
                  r"model; both are smallest at $q = p$, where the divergence is 0.",
          derivation="entropy-cross-entropy-kl")
def entropy_cross_entropy_kl(rng):
    from .. import information

    q = np.linspace(0.01, 0.99, 393)
    models = np.column_stack([q, 1 - q])
    p = np.array([CROSS_ENTROPY_P, 1 - CROSS_ENTROPY_P])
    cross = information.cross_entropy(p, models)
    entropy = float(information.entropy(p))
    divergence = information.kl_divergence(p, models)
    figure = Figure(figsize=(6.4, 4.0))
    ax = figure.add_subplot()
    ax.fill_between(q, 0, entropy, color="0.85", label=f"entropy H(p) = {entropy:.3f}")
    ax.fill_between(q, entropy, entropy + divergence, color="C0", alpha=0.3,
                    label="KL divergence D(p || q)")
    ax.plot(q, cross, color="C0", linewidth=1.8, label="cross-entropy H(p, q)")
    ax.axvline(CROSS_ENTROPY_P, color="k", linestyle="--", linewidth=1,
               label=f"q = p = {CROSS_ENTROPY_P:g}: D = 0")
    ax.set_ylim(0, 2.5)
    ax.set_xlim(0, 1)
    ax.set_xlabel("model's probability of heads q")
    ax.set_ylabel("nats")
    ax.set_title("Cross-entropy = entropy + KL divergence", fontsize=10)
    ax.legend(fontsize=8, loc="upper center")
    figure.tight_layout()
    return figure


@register("poisson-daily-counts", concept="a user's Poisson model",
          caption="Eight weeks of daily sign-ups fitted as Poisson by the likelihood engine. "
                  "Left: the counts' histogram beside the fitted Poisson probabilities. "
                  "Right: the log-likelihood of the daily rate relative to its maximum at the "
                  "mean count; the profile-likelihood 95% interval is where it stays above "
                  "-1.92 (half the chi-square quantile), beside the Wald interval.",
          derivation="poisson-daily-counts")
def poisson_daily_counts(rng):
    from scipy.stats import poisson

    from ..likelihood import examples
    counts = examples.daily_counts_data(rng)
    fit = examples.daily_counts_model().fit(counts)
    rate = float(fit.params_[0])
    figure = Figure(figsize=(8.6, 3.6))
    left, right = figure.subplots(1, 2)
    values = np.arange(counts.min() - 3, counts.max() + 4)
    observed = np.array([np.sum(counts == v) for v in values]) / counts.size
    left.bar(values, observed, width=0.8, color="C0", alpha=0.6, label="observed share of days")
    left.plot(values, poisson.pmf(values, rate), "o-", color="C3", markersize=3,
              label=f"Poisson, rate {rate:.2f}")
    left.set_xlabel("sign-ups in a day")
    left.set_ylabel("share of days")
    left.set_title(f"{counts.size} days of sign-ups", fontsize=10)
    left.legend(fontsize=8)
    grid = np.linspace(rate - 4.5 * fit.bse_[0], rate + 4.5 * fit.bse_[0], 201)
    relative = counts.sum() * np.log(grid / rate) - counts.size * (grid - rate)
    right.plot(grid, relative, color="C0", label="log-likelihood - maximum")
    right.axhline(-1.92, color="gray", linewidth=0.8, linestyle=":")
    profile, wald = fit.conf_int(method="profile")[0], fit.conf_int()[0]
    right.axvspan(*profile, color="C2", alpha=0.15,
                  label=f"profile 95%: {profile[0]:.2f} to {profile[1]:.2f}")
    right.plot(wald, [-2.6, -2.6], "|-", color="C1",
               label=f"Wald 95%: {wald[0]:.2f} to {wald[1]:.2f}")
    right.set_ylim(-10, 0.8)
    right.set_xlabel("daily rate lambda")
    right.set_ylabel("log-likelihood relative to the maximum")
    right.set_title("Likelihood of the rate", fontsize=10)
    right.legend(fontsize=8, loc="lower center")
    figure.tight_layout()
    return figure


@register("weibull-time-to-churn", concept="a user's Weibull model",
          caption="Days until 300 customers churned, fitted as Weibull by the likelihood "
                  "engine. Left: the share still active against the fitted Weibull and "
                  "exponential survival curves. Right: their hazards: a shape below 1 says "
                  "the risk of leaving falls with tenure, which the exponential's constant "
                  "hazard cannot say; the likelihood-ratio test prefers the Weibull.",
          derivation="weibull-time-to-churn")
def weibull_time_to_churn(rng):
    import sympy as sp

    from ..likelihood import Model, examples
    times = examples.churn_data(rng)
    weibull = examples.churn_model().fit(times)
    t, rate = sp.Symbol("t"), sp.Symbol("r", positive=True)
    exponential = Model(sp.log(rate) - rate * t, data=t, support="positive",
                        name="exponential time to churn").fit(times)
    test = weibull.lr_test(exponential)
    shape, scale = weibull.params_
    grid = np.linspace(0.5, np.quantile(times, 0.97), 200)
    figure = Figure(figsize=(8.6, 3.6))
    left, right = figure.subplots(1, 2)
    ordered = np.sort(times)
    left.step(ordered, 1 - np.arange(1, ordered.size + 1) / ordered.size, where="post",
              color="k", linewidth=1, label="observed")
    left.plot(grid, np.exp(-(grid / scale) ** shape), color="C0",
              label=f"Weibull k = {shape:.2f}, scale {scale:.1f} days")
    left.plot(grid, np.exp(-exponential.params_[0] * grid), color="C1", linestyle="--",
              label=f"exponential, mean {1 / exponential.params_[0]:.1f} days")
    left.set_xlim(0, grid[-1])
    left.set_xlabel("days since sign-up")
    left.set_ylabel("share still active")
    left.set_title("Survival", fontsize=10)
    left.legend(fontsize=8)
    right.plot(grid, shape / scale * (grid / scale) ** (shape - 1), color="C0",
               label="Weibull hazard")
    right.axhline(exponential.params_[0], color="C1", linestyle="--",
                  label="exponential hazard")
    right.set_xlim(0, grid[-1])
    right.set_ylim(0, 3 * exponential.params_[0])
    right.set_xlabel("days since sign-up")
    right.set_ylabel("churn hazard per day")
    right.set_title(f"LR test: chi2(1) = {test.statistic:.1f}, p = {test.pvalue:.1e}",
                    fontsize=10)
    right.legend(fontsize=8)
    figure.tight_layout()
    return figure


@register("growth-curve", concept="nonlinear least squares",
          caption="Cumulative users over two months fitted by NonlinearRegression to "
                  "b1 (1 - exp(-b2 t)): the ceiling b1 and the daily rate b2 at which the gap "
                  "to it closes, with 95% Wald intervals from the Jacobian.",
          derivation="growth-curve")
def growth_curve(rng):
    from ..likelihood import examples
    days, users = examples.growth_curve_data(rng)
    model = examples.growth_curve_model().fit(days, users)
    (ceiling, rate), intervals = model.params_, model.conf_int()
    grid = np.linspace(0, days[-1] * 1.5, 300)
    figure = Figure(figsize=(6.4, 3.8))
    axes = figure.subplots()
    axes.plot(days, users, "o", color="C0", markersize=3, label="cumulative users")
    axes.plot(grid, model.predict(grid), color="C3",
              label=f"fit: b2 = {rate:.4f} ({intervals[1, 0]:.4f} to {intervals[1, 1]:.4f})")
    axes.axhline(ceiling, color="gray", linestyle="--", linewidth=1,
                 label=f"ceiling b1 = {ceiling:.0f} ({intervals[0, 0]:.0f} to "
                       f"{intervals[0, 1]:.0f})")
    axes.axvline(days[-1], color="k", linewidth=0.6, linestyle=":")
    axes.set_xlabel("day")
    axes.set_ylabel("users")
    axes.set_title("A growth curve by nonlinear least squares", fontsize=10)
    axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    return figure
