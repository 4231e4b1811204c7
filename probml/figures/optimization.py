"""Optimisation: loss surfaces, step sizes, feature scaling, schedules, robust losses and
training curves."""

import numpy as np
from matplotlib.figure import Figure

from .. import losses, optim
from ..datasets import load_study_hours
from ..models import LinearRegression
from ..optim import schedules
from . import register
from ._quantise import contour
from ._surfaces import mse_surface


def _study_hours():
    hours = load_study_hours()
    return hours.data, hours.target


def _train_path(X, y, optimizer, batch_size, epochs, start):
    module = optim.LinearRegressionModule()
    module.params = {"w": np.array([start[0]]), "b": np.array(start[1])}
    history = optim.Trainer(epochs, batch_size, optimizer, progress_bar=False).fit(
        module, (X, y))
    return history.params["w"][:, 0], history.params["b"]


LOSS_SURFACE_RUNS = (("SGD, batch 1 (lr 0.002)", optim.sgd(0.002), 1),
                     ("gradient descent (lr 0.02)", optim.gradient_descent(0.02), None),
                     ("momentum 0.9 (lr 0.005)", optim.sgd(0.005, momentum=0.9), None),
                     ("Adam (lr 2)", optim.adam(2.0), None))
LOSS_SURFACE_EPOCHS = 60
LOSS_SURFACE_START = (-2.0, 50.0)


@register("loss-surface-paths", concept="gradient descent",
          caption="The mean squared error of the study-hours line over slope and intercept, "
                  "with the paths of gradient descent, SGD, momentum and Adam from the same "
                  "start (60 epochs each): gradient descent crawls along the narrow valley, "
                  "SGD jitters, momentum and Adam overshoot and turn; the star is the "
                  "least-squares solution.",
          derivation="mse-gradient")
def loss_surface_paths(rng):
    X, y = _study_hours()
    ols = LinearRegression().fit(X, y)
    w, b = np.meshgrid(np.linspace(-4.0, 16.0, 121), np.linspace(-25.0, 60.0, 121))
    loss = mse_surface(X, y, w[None], b)
    figure = Figure(figsize=(6.4, 4.6))
    ax = figure.add_subplot()
    contours = contour(ax, w, b, loss, levels=np.geomspace(loss.min() + 1, loss.max(), 14),
                       colors="0.6", linewidths=0.7)
    ax.clabel(contours, contours.levels[::3], fmt="%.0f", fontsize=7)
    for colour, (label, optimizer, batch_size) in enumerate(LOSS_SURFACE_RUNS):
        path_w, path_b = _train_path(X, y, optimizer, batch_size, LOSS_SURFACE_EPOCHS,
                                     LOSS_SURFACE_START)
        style = (dict(linewidth=0.6, alpha=0.6) if batch_size else
                 dict(linewidth=1.3, marker=".", markersize=3))
        ax.plot(path_w, path_b, color=f"C{colour}", label=label, **style)
    ax.plot(*LOSS_SURFACE_START, "ko", markersize=5)
    ax.annotate("start", LOSS_SURFACE_START, xytext=(6, 4), textcoords="offset points")
    ax.plot(ols.coef_[0], ols.intercept_, "k*", markersize=12, label="least squares")
    ax.set_xlabel("slope w")
    ax.set_ylabel("intercept b")
    ax.set_title("MSE(w, b) on the study-hours data, and four optimizers")
    ax.legend(loc="lower left", fontsize=8)
    return figure


LEARNING_RATE_FRACTIONS = (0.1, 0.9, 1.05)


@register("learning-rate", concept="learning rate",
          caption="Gradient descent on a quadratic bowl with condition number 10: a small "
                  r"step crawls, a good one converges, one above $2/\lambda_{\max}$ diverges; the "
                  r"loss after 50 steps against the step size shows the cliff at "
                  r"$2/\lambda_{\max}$.",
          derivation="gradient-descent-step-size")
def learning_rate(rng):
    bowl = optim.QuadraticBowl(condition_number=10.0, angle=np.pi / 6)
    limit = bowl.max_stable_learning_rate
    start = np.array([1.0, 1.0])
    figure = Figure(figsize=(7.6, 3.8))
    left, right = figure.subplots(1, 2)
    for fraction, label in zip(LEARNING_RATE_FRACTIONS, ("too small", "good", "too large")):
        path = optim.trajectory(bowl, start, optim.gradient_descent(fraction * limit), 50)
        left.semilogy(bowl.value(path.T),
                      label=fr"{label}: {fraction:g} $\times\, 2/\lambda_{{\max}}$")
    left.set_xlabel("step")
    left.set_ylabel("loss")
    left.set_title("Loss curves")
    left.legend(fontsize=8)
    rates = np.linspace(0.02, 1.15, 60) * limit
    final = [bowl.value(optim.trajectory(bowl, start, optim.gradient_descent(r), 50)[-1])
             for r in rates]
    right.semilogy(rates, final, color="C3")
    right.axvline(limit, color="k", linestyle="--", linewidth=1)
    right.text(limit, 0.97, fr"$2/\lambda_{{\max}} = {limit:g}$ ", ha="right", va="top",
               transform=right.get_xaxis_transform(), fontsize=9)
    right.set_xlabel("learning rate")
    right.set_ylabel("loss after 50 steps")
    right.set_title("The step-size limit")
    figure.tight_layout()
    return figure


# Gradient descent at the step 1/lambda_max from (b, w) = (0, 0), on the raw and on the
# standardised study hours, until the error is 1e-6 of its start.
SCALING_FIGURE_STEPS, SCALING_FIGURE_FLOOR = 2000, 1e-6


def _scaled_descent(design, y, steps):
    """Gradient descent on the MSE of b + w x at the step 1/lambda_max: its path, the
    least-squares fit, and the Hessian's eigenvalues."""
    from ..derivations.optimization import mse_hessian

    x = design[:, 0]
    curvatures = np.linalg.eigvalsh(mse_hessian(float(x.mean()), float(x.std())))
    A = np.column_stack([np.ones(len(design)), design])
    fit = LinearRegression().fit(design, y)

    def gradient(theta):
        return A.T @ losses.mean_squared_error_gradient(y, A @ theta)
    path = optim.trajectory(gradient, np.zeros(2),
                            optim.gradient_descent(1.0 / curvatures[-1]), steps)
    return path, np.r_[fit.intercept_, fit.coef_], curvatures


@register("feature-scaling", concept="feature scaling",
          caption=r"Gradient descent with the step $1/\lambda_{\max}$ on the study-hours "
                  r"MSE from $(b, w) = (0, 0)$. Left: on hours the MSE is a narrow valley "
                  r"($\kappa \approx 116$); the first step drops to its floor and the rest crawl "
                  r"along it (a dot per step for the first 60). Middle: on standardised hours "
                  r"the contours are circles ($\kappa = 1$) and one step lands on the minimum. "
                  r"Right: the distance to the minimum against the step, with the derived "
                  r"rate $(1 - 1/\kappa)^k$.",
          derivation="feature-scaling")
def feature_scaling(rng):
    from .. import standardize

    X, y = _study_hours()
    Z = standardize(X)
    figure = Figure(figsize=(11.0, 3.9))
    raw_ax, scaled_ax, error_ax = figure.subplots(1, 3)
    runs = []
    for ax, design, label, grid in (
            (raw_ax, X, "hours", (np.linspace(-10.0, 60.0, 141), np.linspace(-2.0, 12.0, 141))),
            (scaled_ax, Z, "standardised hours", (np.linspace(-8.0, 62.0, 141),
                                                  np.linspace(-12.0, 36.0, 141)))):
        path, optimum, curvatures = _scaled_descent(design, y, SCALING_FIGURE_STEPS)
        runs.append((label, path, optimum, curvatures))
        b, w = np.meshgrid(*grid)
        loss = mse_surface(design, y, w[None], b)
        contour(ax, b, w, loss, levels=np.geomspace(loss.min() + 1, loss.max(), 12),
                colors="0.65", linewidths=0.7)
        shown = path[:61]
        ax.plot(path[:, 0], path[:, 1], color="C0", linewidth=0.8)
        ax.plot(shown[:, 0], shown[:, 1], ".", color="C0", markersize=3)
        ax.plot(*optimum, "k*", markersize=11)
        kappa = curvatures[1] / curvatures[0]
        if design is Z:
            ax.set_aspect("equal")                # circles look like circles
        ax.set_title(rf"MSE on {label}: $\kappa = {kappa:.0f}$", fontsize=10)
        ax.set_xlabel("intercept $b$")
        ax.set_ylabel(f"slope $w$ (per {'hour' if label == 'hours' else 'sd'})")
    for colour, (label, path, optimum, curvatures) in zip(("C0", "C1"), runs):
        distance = np.linalg.norm(path - optimum, axis=1) / np.linalg.norm(optimum)
        # Below the floor the distance is rounding noise, which differs between machines.
        visible = np.flatnonzero(distance >= SCALING_FIGURE_FLOOR)
        last = visible[-1] + 1
        error_ax.semilogy(np.r_[visible, last], np.r_[distance[visible], SCALING_FIGURE_FLOOR],
                          color=colour, label=f"{label}: {last} step{'s' if last > 1 else ''} to "
                                              "$10^{-6}$")
        if label == "hours":
            kappa = curvatures[1] / curvatures[0]
            steps = np.arange(1, last + 1)
            # After the first step only the soft direction's error is left.
            error_ax.semilogy(steps, distance[1] * (1 - 1 / kappa) ** (steps - 1), "k--",
                              linewidth=0.9, label=r"$(1 - 1/\kappa)^k$ after step 1")
    error_ax.set_ylim(SCALING_FIGURE_FLOOR, 2.0)
    error_ax.set_xlabel("step $k$")
    error_ax.set_ylabel(r"$\|\theta_k - \hat\theta\| \,/\, \|\hat\theta\|$")
    error_ax.set_title("Distance to the minimum", fontsize=10)
    error_ax.legend(fontsize=7.5, loc="upper right")
    figure.tight_layout()
    return figure


@register("learning-rate-schedules", concept="learning-rate schedules",
          caption="Six schedules over the same 300 steps, from a base rate of 0.1: "
                  "constant, step decay, exponential decay, linear warmup into cosine "
                  "annealing, cosine annealing, and cosine annealing with warm restarts "
                  "whose periods double.")
def learning_rate_schedules(rng):
    steps = np.arange(300)
    curves = {
        "constant": schedules.constant(0.1),
        "step decay (x0.5 every 75)": schedules.step_decay(0.1, 75, 0.5),
        "exponential (0.99 per step)": schedules.exponential_decay(0.1, 0.99),
        "warmup 30, then cosine": schedules.linear_warmup(
            0.1, 30, then=schedules.cosine_annealing(0.1, 270, clamp=True)),
        "cosine annealing": schedules.cosine_annealing(0.1, 300, clamp=True),
        "warm restarts (T0 = 20, x2)": schedules.cosine_annealing_warm_restarts(0.1, 20, 2),
    }
    figure = Figure(figsize=(6.4, 5.2))
    axes = figure.subplots(3, 2, sharex=True, sharey=True)
    for ax, (label, schedule) in zip(axes.ravel(), curves.items()):
        ax.plot(steps, [schedule(int(t)) for t in steps])
        ax.set_title(label, fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel("step")
    for ax in axes[:, 0]:
        ax.set_ylabel("rate")
    figure.tight_layout()
    return figure


def _epoch_data(rng):
    X = rng.normal(size=(240, 3))
    return X, X @ np.array([1.5, -2.0, 0.5]) + 1.0 + rng.normal(scale=0.5, size=240)


BATCH_RUNS = (("full batch (1 iteration per epoch)", None, 0.1),
              ("mini-batch 16 (15 per epoch)", 16, 0.05),
              ("SGD, batch 1 (240 per epoch)", 1, 0.005))
OVERFIT_DEGREE, OVERFIT_PATIENCE = 12, 500


def overfitting_run(rng):
    """A degree-12 polynomial trained by Adam on 30 noisy points, with early stopping."""
    from ..selection import PolynomialFeatures

    x = rng.uniform(-1, 1, 30)
    y = np.sin(3 * x) + rng.normal(0, 0.3, 30)
    X = PolynomialFeatures(OVERFIT_DEGREE, include_bias=False).fit_transform(x[:, None])
    trainer = optim.Trainer(4000, None, optim.adam(0.05), patience=OVERFIT_PATIENCE,
                            record_params=False, progress_bar=False)
    return trainer.fit(optim.LinearRegressionModule(),
                       optim.DataModule(X, y, validation_fraction=0.3, seed=1))


# Adam's decay rates, and noisy gradients with mean 1 and standard deviation 0.5.
ADAM_BETAS, ADAM_STEPS, ADAM_NOISE = (0.9, 0.999), 300, 0.5


def adam_moments(gradients):
    """Adam's raw and bias-corrected moments, and its step, for one parameter fed
    ``gradients`` (from ``probml.optim.adam``'s own state)."""
    optimizer = optim.adam(1.0, ADAM_BETAS, eps=1e-300)        # eps negligible
    theta = np.zeros(1)
    state = optimizer.init(theta)
    rows = []
    for t, g in enumerate(gradients, start=1):
        update, state = optimizer.update(np.array([g]), state, theta)
        m, v = state.slots["exp_avg"][0], state.slots["exp_avg_sq"][0]
        rows.append((m, v, m / (1 - ADAM_BETAS[0] ** t), v / (1 - ADAM_BETAS[1] ** t),
                     -update[0]))
    return np.array(rows).T


@register("adam-bias-correction", concept="Adam's bias correction",
          caption=r"Adam fed noisy gradients of mean 1 (standard deviation 0.5), with "
                  r"$\beta_1 = 0.9$ and $\beta_2 = 0.999$. Left: the first moment $m_t$ starts "
                  r"at 0 and reaches the mean only after some 20 steps, as the derived "
                  r"$(1 - \beta_1^t)\,E[g]$ (dashed) says; the corrected $\hat m_t$ is on it "
                  r"from the first step. Middle: the same for the second moment, whose "
                  r"$1 - \beta_2^t$ takes a thousand steps. Right: without the corrections "
                  r"the step $m_t/\sqrt{v_t}$ is $(1 - \beta_1^t)/\sqrt{1 - \beta_2^t}$ times "
                  r"the corrected one: 3.2 times too large at $t = 1$ and 6.5 at $t = 10$.",
          derivation="adam-bias-correction")
def adam_bias_correction(rng):
    gradients = 1.0 + ADAM_NOISE * rng.standard_normal(ADAM_STEPS)
    m, v, m_hat, v_hat, step = adam_moments(gradients)
    t = np.arange(1, ADAM_STEPS + 1)
    b1, b2 = ADAM_BETAS
    figure = Figure(figsize=(11.0, 3.7))
    first, second, ratio_ax = figure.subplots(1, 3)
    first.semilogx(t, m, color="C0", label="$m_t$")
    first.semilogx(t, m_hat, color="C1", label=r"$\hat m_t$")
    first.semilogx(t, 1 - b1 ** t, "k--", linewidth=0.9, label=r"$(1 - \beta_1^t)\,E[g]$")
    first.set_title("First moment", fontsize=10)
    second.semilogx(t, v, color="C0", label="$v_t$")
    second.semilogx(t, v_hat, color="C1", label=r"$\hat v_t$")
    second.semilogx(t, (1 - b2 ** t) * (1 + ADAM_NOISE ** 2), "k--", linewidth=0.9,
                    label=r"$(1 - \beta_2^t)\,E[g^2]$")
    second.set_title("Second moment", fontsize=10)
    for ax in (first, second):
        ax.axhline(1.0 if ax is first else 1 + ADAM_NOISE ** 2, color="0.6", linewidth=0.8)
        ax.set_xlabel("step $t$")
        ax.legend(fontsize=8, loc="center right")
    uncorrected = (m / np.sqrt(v)) / step
    ratio_ax.loglog(t, uncorrected, color="C2", label=r"measured $(m_t/\sqrt{v_t})\,/\,$step")
    ratio_ax.loglog(t, (1 - b1 ** t) / np.sqrt(1 - b2 ** t), "k--", linewidth=0.9,
                    label=r"$(1 - \beta_1^t)/\sqrt{1 - \beta_2^t}$")
    ratio_ax.axhline(1.0, color="0.6", linewidth=0.8)
    ratio_ax.set_xlabel("step $t$")
    ratio_ax.set_ylabel("uncorrected / corrected step")
    ratio_ax.set_title("The step without the corrections", fontsize=10)
    ratio_ax.legend(fontsize=8)
    figure.tight_layout()
    return figure


@register("epochs-and-early-stopping", concept="epochs, batches and iterations",
          caption="Left: training loss per epoch for full-batch gradient descent, mini-batches "
                  "and single-example SGD on the same data; an epoch is one pass, made of one, "
                  "15 or 240 iterations. Right: a degree-12 polynomial overfits 21 points: the "
                  "validation loss turns up while the training loss keeps falling, and early "
                  "stopping keeps the best epoch.", seed=1)
def epochs_and_early_stopping(rng):
    X, y = _epoch_data(np.random.default_rng(0))
    figure = Figure(figsize=(8.6, 3.6))
    left, right = figure.subplots(1, 2)
    for label, batch_size, rate in BATCH_RUNS:
        history = optim.Trainer(30, batch_size, optim.sgd(rate), record_params=False,
                                progress_bar=False).fit(
            optim.LinearRegressionModule(), optim.DataModule(X, y, seed=0))
        left.semilogy(np.arange(1, history.n_epochs + 1), history.train_loss,
                      label=f"{label}, lr {rate:g}")
    left.set_xlabel("epoch")
    left.set_ylabel("training MSE")
    left.set_title("One epoch, different numbers of steps", fontsize=10)
    left.legend(fontsize=7)
    history = overfitting_run(rng)
    epochs = np.arange(1, history.n_epochs + 1)
    right.semilogy(epochs, history.train_loss, label="training")
    right.semilogy(epochs, history.val_loss, label="validation")
    best = history.best_epoch + 1
    right.axvline(best, color="k", linestyle="--", linewidth=1)
    right.plot(best, history.val_loss[history.best_epoch], "ko", markersize=5)
    right.annotate(f"early stopping: epoch {best}\n(stopped at {history.n_epochs}, "
                   f"patience {OVERFIT_PATIENCE})", (best, history.val_loss[history.best_epoch]),
                   xytext=(12, 30), textcoords="offset points", fontsize=8)
    right.set_xlabel("epoch")
    right.set_ylabel("MSE")
    right.set_title("Overfitting and early stopping", fontsize=10)
    right.legend(fontsize=8, loc="upper right")
    figure.tight_layout()
    return figure


NETWORK_SEEDS = (0, 1, 2, 3, 4)


def network_runs():
    """Loss curves of a 3-unit ReLU network fitted to sin(3x) from several starts.

    ReLU and the training modules' fixed-order sums make each run the same to
    the last bit on every machine (a tanh network's curves would carry the
    CPU's last bits of exp, and Adam amplifies them into visible spikes).
    The target is sin(3x) evaluated correctly rounded, for the same reason.
    """
    from ..calculus import correctly_rounded

    x = np.linspace(-2, 2, 40)
    X, y = x[:, None], correctly_rounded("sin")(3 * x)
    runs = []
    for seed in NETWORK_SEEDS:
        module = optim.OneHiddenLayerNetwork(3, "relu")
        history = optim.Trainer(2000, None, optim.adam(0.05), seed=seed, record_params=False,
                                progress_bar=False).fit(module, (X, y))
        runs.append((seed, history.train_loss))
    return runs


@register("local-minima-and-saddles", concept="non-convex optimisation",
          caption="Left: on a tilted double well, gradient descent from $x = 2.5$ stops in the "
                  "local minimum while momentum 0.9 rolls on to the global one. Middle: at the "
                  "saddle of $x^2 - y^2$ gradient descent converges only from exactly on the "
                  "$x$ axis. Right: a small ReLU network from five random starts ends at "
                  "different losses.")
def local_minima_and_saddles(rng):
    figure = Figure(figsize=(10.0, 3.5))
    left, middle, right = figure.subplots(1, 3)
    well = optim.TiltedDoubleWell()
    x = np.linspace(-2.1, 2.6, 300)
    left.plot(x, well.value(x[None]), color="0.4", linewidth=1.4)
    for colour, (label, optimizer) in enumerate(
            [("gradient descent", optim.gradient_descent(0.05)),
             ("momentum 0.9", optim.sgd(0.05, momentum=0.9))]):
        path = optim.trajectory(well, [2.5], optimizer, 500)
        left.plot(path[:60, 0], well.value(path[:60].T), ".", color=f"C{colour}",
                  markersize=4, label=f"{label}: ends at {path[-1, 0]:.3f}")
    left.set_ylim(-2.2, 4.5)
    left.set_xlabel("x")
    left.set_ylabel("f(x)")
    left.set_title("Local and global minimum", fontsize=10)
    left.legend(fontsize=7, loc="upper center")

    saddle = optim.Saddle()
    grid = np.stack(np.meshgrid(np.linspace(-1.2, 1.2, 101), np.linspace(-1.2, 1.2, 101)))
    contour(middle, grid[0], grid[1], saddle.value(grid), levels=np.linspace(-1.4, 1.4, 15),
            colors="0.65", linewidths=0.7)
    for colour, start, label in [(0, [1.0, 0.0], "start on the x axis"),
                                 (3, [1.0, 0.01], "start 0.01 off it")]:
        path = optim.trajectory(saddle, start, optim.gradient_descent(0.1), 30)
        middle.plot(path[:, 0], path[:, 1], ".-", color=f"C{colour}", markersize=3,
                    linewidth=1, label=label)
    middle.plot(*saddle.stationary_point, "k+", markersize=10)
    middle.set_xlim(-1.2, 1.2)
    middle.set_ylim(-1.2, 1.2)
    middle.set_aspect("equal")
    middle.set_xlabel("x")
    middle.set_ylabel("y")
    middle.set_title("A saddle point, x² - y²", fontsize=10)
    middle.legend(fontsize=7, loc="lower left")

    for seed, loss in network_runs():
        right.semilogy(loss, linewidth=1.2, label=f"start {seed}: {loss[-1]:.4f}")
    right.set_xlabel("epoch")
    right.set_ylabel("training MSE")
    right.set_title("Network loss from five starts", fontsize=10)
    right.legend(fontsize=7)
    figure.tight_layout()
    return figure


WEIGHT_DECAY_BOWL = dict(condition_number=25.0, minimizer=[2.0, 2.0])
WEIGHT_DECAY, WEIGHT_DECAY_STEPS, WEIGHT_DECAY_START = 2.0, 400, (-1.0, 3.5)


@register("l2-penalty-weight-decay", concept="weight decay",
          caption="A loss whose two weights have curvatures 1 and 25, with the L2 penalty "
                  r"$\frac{\lambda}{2}\lVert w\rVert^2$ ($\lambda = 2$). Gradient descent on "
                  "the penalised loss and "
                  "with weight decay take the same path, to the penalised minimum (star). "
                  "Adam with the L2 penalty reaches the same minimum by another path; AdamW, "
                  "whose decay is not rescaled by Adam's step, settles elsewhere: the two "
                  "are different methods.",
          derivation="l2-penalty-weight-decay")
def l2_penalty_weight_decay(rng):
    bowl = optim.QuadraticBowl(**WEIGHT_DECAY_BOWL)
    penalised = np.linalg.solve(bowl.hessian + WEIGHT_DECAY * np.eye(2),
                                bowl.hessian @ bowl.minimizer)
    start = np.array(WEIGHT_DECAY_START)
    runs = (("gradient descent on L + penalty", optim.gradient_descent(0.03), True, "C0", "-"),
            ("gradient descent with weight decay",
             optim.sgd(0.03, weight_decay=WEIGHT_DECAY), False, "C1", ":"),
            ("Adam + L2 penalty", optim.adam(0.05, weight_decay=WEIGHT_DECAY), False, "C2", "-"),
            ("AdamW", optim.adamw(0.05, weight_decay=WEIGHT_DECAY), False, "C3", "-"))
    w1, w2 = np.meshgrid(np.linspace(-1.5, 3.0, 181), np.linspace(-1.0, 4.0, 201))
    points = np.stack([w1 - bowl.minimizer[0], w2 - bowl.minimizer[1]], axis=-1)
    loss = 0.5 * np.einsum("...i,ij,...j->...", points, bowl.hessian, points)
    total = loss + 0.5 * WEIGHT_DECAY * (w1 ** 2 + w2 ** 2)
    figure = Figure(figsize=(6.4, 5.0))
    ax = figure.add_subplot()
    contour(ax, w1, w2, total, levels=np.sort(total.min() + np.array([0.5, 2, 5, 10, 20])),
            colors="0.7", linewidths=0.8)
    for label, optimizer, explicit_penalty, colour, style in runs:
        objective = _Penalised(bowl, WEIGHT_DECAY) if explicit_penalty else bowl
        path = optim.trajectory(objective, start, optimizer, WEIGHT_DECAY_STEPS)
        ax.plot(path[:, 0], path[:, 1], style, color=colour, linewidth=1.6 if style == "-"
                else 2.4, label=f"{label}: ends at ({path[-1, 0]:.2f}, {path[-1, 1]:.2f})")
    ax.plot(*penalised, "k*", markersize=13,
            label=f"minimum of L + penalty ({penalised[0]:.2f}, {penalised[1]:.2f})")
    ax.plot(*bowl.minimizer, "k+", markersize=11, label="minimum of L alone")
    ax.set_aspect("equal")
    ax.set_xlabel("w1 (curvature 1)")
    ax.set_ylabel("w2 (curvature 25)")
    ax.set_title("An L2 penalty is weight decay for gradient descent, not for Adam",
                 fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    return figure


class _Penalised:
    """``objective`` plus the L2 penalty ``decay/2 |w|^2``, as an explicit loss."""

    def __init__(self, objective, decay):
        self.objective, self.decay = objective, decay

    def value(self, w):
        return self.objective.value(w) + 0.5 * self.decay * float(np.sum(np.square(w)))

    def gradient(self, w):
        return self.objective.gradient(w) + self.decay * np.asarray(w)



@register("convexity", concept="convexity",
          caption="Each loss along a straight line between two parameter settings. Left: the "
                  "MSE of the study-hours line and the logistic loss of the pass/fail model "
                  "stay below the chord between the ends (convex). Right: a two-unit "
                  "network that fits its targets exactly, and the same network with its "
                  "hidden units swapped, both have loss 0, yet the loss between them rises: "
                  "the network's loss is not convex.",
          derivation="convexity")
def convexity(rng):
    from ..datasets import load_study_pass
    from ..derivations.optimization import NETWORK, NETWORK_X, swap_hidden_units

    t = np.linspace(0.0, 1.0, 201)
    hours, passing = load_study_hours(), load_study_pass()
    linear, logistic = optim.LinearRegressionModule(), optim.LogisticRegressionModule()
    ends_linear = ({"w": np.array([5.0]), "b": np.array(20.0)},
                   {"w": np.array([12.0]), "b": np.array(0.0)})
    ends_logistic = ({"w": np.array([-0.5]), "b": np.array(2.0)},
                     {"w": np.array([3.0]), "b": np.array(-6.0)})

    def along(module, ends, X, y):
        a, b = ends
        return np.array([module.loss({k: (1 - s) * a[k] + s * b[k] for k in a}, X, y)
                         for s in t])

    mse = along(linear, ends_linear, hours.data, hours.target)
    log_loss = along(logistic, ends_logistic, passing.data, passing.target)
    network = optim.OneHiddenLayerNetwork(n_hidden=2, activation="tanh")
    X = NETWORK_X[:, None]
    targets = network.forward(NETWORK, X)
    network_loss = along(network, (NETWORK, swap_hidden_units(NETWORK)), X, targets)
    figure = Figure(figsize=(9.0, 3.8))
    left, right = figure.subplots(1, 2)
    for values, colour, label in ((mse / mse.max(), "C0", "MSE (study hours)"),
                                  (log_loss / log_loss.max(), "C1",
                                   "logistic loss (pass/fail)")):
        left.plot(t, values, color=colour, label=f"{label}, scaled")
        left.plot([0, 1], [values[0], values[-1]], color=colour, linestyle=":", linewidth=1)
    left.set_xlabel("position t between the two settings")
    left.set_ylabel("loss / its largest value")
    left.set_title("Convex: below every chord (dotted)", fontsize=10)
    left.legend(fontsize=8)
    right.plot(t, network_loss, color="C3", label="two-unit network, MSE")
    right.plot([0, 1], [network_loss[0], network_loss[-1]], color="C3", linestyle=":",
               linewidth=1, label="chord")
    right.set_xlabel("t from the weights (0) to their swap (1)")
    right.set_ylabel("loss")
    right.set_title(f"Not convex: 0 at both ends, {network_loss[100]:.2f} halfway",
                    fontsize=10)
    right.legend(fontsize=8)
    figure.tight_layout()
    return figure



@register("activation-functions", concept="activation functions",
          caption="The sigmoid, tanh, ReLU and softplus (left) and their slopes (right), the "
                  "factor each contributes to backpropagation: the sigmoid's is at most 1/4 "
                  "and tanh's at most 1, both vanishing for large $|a|$, while ReLU passes a "
                  "slope of 1 for every positive input and 0 below.",
          derivation="backpropagation")
def activation_functions(rng):
    from ..functions import sigmoid

    a = np.linspace(-5, 5, 1001)
    s = sigmoid(a)
    curves = (("sigmoid", s, s * (1 - s)),
              ("tanh", np.tanh(a), 1 - np.tanh(a) ** 2),
              ("ReLU", np.maximum(a, 0.0), (a > 0).astype(float)),
              ("softplus", np.logaddexp(0.0, a), s))
    figure = Figure(figsize=(9.0, 3.8))
    left, right = figure.subplots(1, 2)
    for k, (name, value, slope) in enumerate(curves):
        left.plot(a, value, color=f"C{k}", label=name)
        right.plot(a, slope, color=f"C{k}", label=f"{name}'")
    left.set_ylim(-1.2, 3.0)
    left.set_xlabel("pre-activation a")
    left.set_ylabel("activation")
    left.set_title("Activation functions", fontsize=10)
    left.legend(fontsize=8)
    right.set_ylim(-0.05, 1.1)
    right.set_xlabel("pre-activation a")
    right.set_ylabel("slope")
    right.set_title("Their slopes: the factor backpropagation multiplies by", fontsize=10)
    right.legend(fontsize=8)
    figure.tight_layout()
    return figure


# A ReLU network of 32 units trained by full-batch Adam (rate 0.01) on sin(3x), and the
# epochs at which its fit is drawn.
TRAINING_NETWORK = {"n_hidden": 32, "rate": 0.01, "epochs": 3000, "seed": 0}
TRAINING_SNAPSHOTS = (0, 30, 100, 300, 3000)


def network_training_run():
    """(x, y, module, history) of the network trained on sin(3x) at 40 points.

    ReLU and the training modules' fixed-order sums make the run the same to the
    last bit on every machine; the target is sin(3x) correctly rounded.
    """
    from ..calculus import correctly_rounded

    x = np.linspace(-2, 2, 40)
    X, y = x[:, None], correctly_rounded("sin")(3 * x)
    module = optim.OneHiddenLayerNetwork(TRAINING_NETWORK["n_hidden"], "relu")
    history = optim.Trainer(TRAINING_NETWORK["epochs"], None,
                            optim.adam(TRAINING_NETWORK["rate"]), seed=TRAINING_NETWORK["seed"],
                            progress_bar=False).fit(module, (X, y))
    return x, y, module, history


@register("network-training", concept="training a neural network",
          caption=r"A one-hidden-layer ReLU network (32 units) fitted to $\sin 3x$ at 40 points "
                  r"by full-batch Adam, its gradients from backpropagation. Left: its fit at "
                  r"epochs 0, 30, 100, 300 and 3000: from a random piecewise-linear function, "
                  r"the kinks move and bend until the line follows the sine. Right: the "
                  r"training MSE, with those epochs marked.",
          derivation="backpropagation")
def network_training(rng):
    x, y, module, history = network_training_run()
    grid = np.linspace(-2, 2, 401)
    figure = Figure(figsize=(9.6, 3.9))
    fit_ax, loss_ax = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.5, 1]})
    fit_ax.plot(x, y, "ko", markersize=3.5, label=r"data: $\sin 3x$")
    colours = ("0.75", "#fdb863", "#e66101", "#5e3c99", "#1f78b4")
    for epoch, colour in zip(TRAINING_SNAPSHOTS, colours):
        params = {name: values[epoch] for name, values in history.params.items()}
        fit_ax.plot(grid, module.forward(params, grid[:, None]), color=colour,
                    linewidth=2.2 if epoch == TRAINING_SNAPSHOTS[-1] else 1.3,
                    label=f"epoch {epoch}")
    fit_ax.set_xlabel("$x$")
    fit_ax.set_ylabel(r"$\hat y$")
    fit_ax.set_title("The network's fit as training proceeds", fontsize=10)
    fit_ax.set_ylim(-1.35, 2.0)
    fit_ax.legend(fontsize=7.5, loc="upper center", ncol=3)
    epochs = np.arange(1, len(history.train_loss) + 1)
    loss_ax.loglog(epochs, history.train_loss, color="C3")
    for epoch, colour in zip(TRAINING_SNAPSHOTS, colours):
        if epoch > 0:
            loss_ax.plot(epoch, history.train_loss[epoch - 1], "o", color=colour, markersize=6)
    loss_ax.set_xlabel("epoch")
    loss_ax.set_ylabel("training MSE")
    loss_ax.set_title("Training loss", fontsize=10)
    figure.tight_layout()
    return figure
