"""The numbers the figures mark, against independent oracles (NumPy, SciPy, statsmodels)."""

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import optimize, special, stats
from sklearn.linear_model import Lasso as SklearnLasso
from sklearn.linear_model import LinearRegression as SklearnLinear
from sklearn.linear_model import LogisticRegression as SklearnLogistic
from sklearn.linear_model import Ridge as SklearnRidge
from sklearn.linear_model import lasso_path as sklearn_lasso_path
from sklearn.model_selection import LeaveOneOut, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize, proportions_ztest

from probml.datasets import load_study_hours, load_study_pass
from probml.figures import bayes, classification, likelihood, optimization, regularization
from probml.figures import growth as growth_figures
from probml.figures import hypothesis_testing as testing_figures
from probml.figures import selection as selection_figures
from probml.optim import QuadraticBowl

from .test_figures import built as rendered

EPS = np.finfo(float).eps


def _vertical_lines(ax):
    return [line.get_xdata()[0] for line in ax.lines
            if len(line.get_xdata()) == 2 and line.get_xdata()[0] == line.get_xdata()[1]]


def test_loss_surface_paths_start_together_and_gradient_descent_is_the_textbook_recursion():
    hours = load_study_hours()
    x, y = hours.data[:, 0], hours.target
    ax = rendered("loss-surface-paths").axes[0]
    paths = [line for line in ax.lines if line.get_label() in
             [label for label, *_ in optimization.LOSS_SURFACE_RUNS]]
    assert len(paths) == 4
    for path in paths:
        assert (path.get_xdata()[0], path.get_ydata()[0]) == optimization.LOSS_SURFACE_START
    w, b = optimization.LOSS_SURFACE_START
    for _ in range(optimization.LOSS_SURFACE_EPOCHS):          # w -= lr * dMSE/dw, ...
        r = w * x + b - y
        w, b = w - 0.02 * 2 * np.mean(r * x), b - 0.02 * 2 * np.mean(r)
    gd = paths[1]
    assert gd.get_xdata()[-1] == pytest.approx(w, rel=1e-12)
    assert gd.get_ydata()[-1] == pytest.approx(b, rel=1e-12)
    star = [line for line in ax.lines if line.get_label() == "least squares"][0]
    slope, intercept = np.polyfit(x, y, 1)
    np.testing.assert_allclose([star.get_xdata()[0], star.get_ydata()[0]], [slope, intercept],
                               rtol=1e-10)


def test_learning_rate_figure_marks_two_over_the_largest_eigenvalue():
    bowl = QuadraticBowl(condition_number=10.0, angle=np.pi / 6)
    limit = 2 / np.linalg.eigvalsh(bowl.hessian).max()
    left, right = rendered("learning-rate").axes
    assert _vertical_lines(right) == [pytest.approx(limit, rel=1e-12)]
    small, good, large = (line.get_ydata() for line in left.lines)
    assert good[-1] < 1e-7 * good[0] and small[-1] < small[0] and large[-1] > 1e3 * large[0]
    rates, final = right.lines[0].get_data()
    assert np.all(final[rates > limit] > final[0]) and np.all(final[rates < 0.95 * limit] < 1)


def test_feature_scaling_figure_follows_the_condition_number():
    # Oracles: NumPy's condition number of the design's Gram matrix, scikit-learn's
    # StandardScaler and least-squares fit, and gradient descent written out here.
    from sklearn.preprocessing import StandardScaler as SklearnScaler

    hours = load_study_hours()
    x, y = hours.data, hours.target
    raw_ax, scaled_ax, error_ax = rendered("feature-scaling").axes
    for ax, design in ((raw_ax, x), (scaled_ax, SklearnScaler().fit_transform(x))):
        A = np.column_stack([np.ones(len(design)), design])
        kappa = np.linalg.cond(A.T @ A)
        assert ax.get_title().endswith(f"$\\kappa = {kappa:.0f}$")
        fit = SklearnLinear().fit(design, y)
        star = [line for line in ax.lines if line.get_marker() == "*"][0]
        np.testing.assert_allclose([star.get_xdata()[0], star.get_ydata()[0]],
                                   [fit.intercept_, fit.coef_[0]], rtol=1e-6)
        theta, step = np.zeros(2), 1 / np.linalg.eigvalsh(2 * A.T @ A / len(A)).max()
        for _ in range(60):
            theta = theta - step * 2 * A.T @ (A @ theta - y) / len(A)
        path = ax.lines[0]
        np.testing.assert_allclose([path.get_xdata()[60], path.get_ydata()[60]], theta,
                                   rtol=1e-6)
    assert path.get_xdata()[1] == pytest.approx(fit.intercept_, rel=1e-6)    # one step
    raw, derived, scaled = error_ax.lines
    kappa = np.linalg.cond(np.column_stack([np.ones(len(x)), x]).T
                           @ np.column_stack([np.ones(len(x)), x]))
    k, distance = raw.get_data()
    slope = np.polyfit(k[10:-1], np.log(distance[10:-1]), 1)[0]
    assert slope == pytest.approx(np.log(1 - 1 / kappa), rel=1e-5)
    assert scaled.get_xdata()[-1] == 1 and k[-1] > 1000


def test_attribution_figure_bars_are_the_shares_counted_by_hand():
    # Oracle: first touch, last touch and the Shapley equal split counted journey by
    # journey in plain Python on the figure's own simulated journeys.
    from probml import figures

    rng = np.random.default_rng(figures.get("multi-touch-attribution").seed)
    users, channels, days, converted = growth_figures.simulated_journeys(rng)
    counts = {"first_touch": {}, "last_touch": {}, "shapley": {}}
    for user in converted:
        rows = np.flatnonzero(users == user)
        path = channels[rows[np.argsort(days[rows], kind="stable")]]
        for model, credited in (("first_touch", {path[0]: 1.0}),
                                ("last_touch", {path[-1]: 1.0}),
                                ("shapley", {c: 1.0 / len(set(path)) for c in set(path)})):
            for channel, credit in credited.items():
                counts[model][channel] = counts[model].get(channel, 0.0) + credit
    ax = rendered("multi-touch-attribution").axes[0]
    bars = {container.get_label(): [patch.get_height() for patch in container]
            for container in ax.containers}
    for model in counts:
        expected = [counts[model].get(c, 0.0) / len(converted)
                    for c in growth_figures.ATTRIBUTION_CHANNELS]
        np.testing.assert_allclose(bars[model.replace("_", " ")], expected, rtol=1e-6)


def test_network_training_figure_draws_the_network_it_trained():
    # Oracle: the network's forward pass written out in NumPy (ReLU hidden layer, linear
    # output) from the recorded weights, and scikit-learn's mean squared error.
    from sklearn.metrics import mean_squared_error

    x, y, _, history = optimization.network_training_run()
    fit_ax, loss_ax = rendered("network-training").axes
    curves = [line for line in fit_ax.lines if line.get_label().startswith("epoch")]
    assert [c.get_label() for c in curves] == [f"epoch {e}"
                                              for e in optimization.TRAINING_SNAPSHOTS]
    for epoch, curve in zip(optimization.TRAINING_SNAPSHOTS, curves):
        W1, b1, w2, b2 = (history.params[k][epoch] for k in ("W1", "b1", "w2", "b2"))
        grid = curve.get_xdata()
        by_hand = np.maximum(grid[:, None] * W1[0] + b1, 0.0) @ w2 + b2
        np.testing.assert_allclose(curve.get_ydata(), by_hand, rtol=1e-6, atol=1e-6)
    # The loss of epoch e is measured after its update: at the weights of epoch e.
    W1, b1, w2, b2 = (history.params[k][-1] for k in ("W1", "b1", "w2", "b2"))
    final = np.maximum(x[:, None] * W1[0] + b1, 0.0) @ w2 + b2
    losses = loss_ax.lines[0].get_ydata()
    assert losses[-1] == pytest.approx(mean_squared_error(y, final), rel=1e-6)
    assert losses[-1] < 0.01 * losses[0]


def test_bernoulli_likelihood_figure_against_scipy():
    # Oracle: scipy.stats.binom's log-pmf (the binomial coefficient cancels in the
    # difference) and the Wald interval written out.
    y = load_study_pass().target
    ax = rendered("bernoulli-likelihood").axes[0]
    curves = [line for line in ax.lines if len(line.get_xdata()) > 2]
    bars = [line for line in ax.lines if len(line.get_xdata()) == 2
            and line.get_linewidth() == 3]
    for curve, bar, repeats in zip(curves, bars, (1, 10)):
        n, k = repeats * len(y), repeats * int(y.sum())
        p, ell = curve.get_data()
        expected = stats.binom.logpmf(k, n, p) - stats.binom.logpmf(k, n, k / n)
        np.testing.assert_allclose(ell, expected, rtol=1e-6, atol=1e-9)
        half = 1.96 * np.sqrt(k / n * (1 - k / n) / n)
        np.testing.assert_allclose(bar.get_xdata(), [k / n - half, k / n + half], rtol=1e-6)


def test_adam_bias_correction_figure_against_the_recursions_written_out():
    first, second, ratio_ax = rendered("adam-bias-correction").axes
    rng = np.random.default_rng(0)
    g = 1.0 + optimization.ADAM_NOISE * rng.standard_normal(optimization.ADAM_STEPS)
    b1, b2 = optimization.ADAM_BETAS
    m, v = np.zeros(len(g) + 1), np.zeros(len(g) + 1)
    for t in range(1, len(g) + 1):
        m[t] = b1 * m[t - 1] + (1 - b1) * g[t - 1]
        v[t] = b2 * v[t - 1] + (1 - b2) * g[t - 1] ** 2
    t = np.arange(1, len(g) + 1)
    np.testing.assert_allclose(first.lines[0].get_ydata(), m[1:], rtol=1e-6)
    np.testing.assert_allclose(first.lines[1].get_ydata(), m[1:] / (1 - b1 ** t), rtol=1e-6)
    np.testing.assert_allclose(second.lines[1].get_ydata(), v[1:] / (1 - b2 ** t), rtol=1e-6)
    np.testing.assert_allclose(ratio_ax.lines[0].get_ydata(),
                               (1 - b1 ** t) / np.sqrt(1 - b2 ** t), rtol=1e-6)


def test_sample_size_figure_against_statsmodels():
    ax = rendered("sample-size").axes[0]
    eighty, ninety = ax.lines[0], ax.lines[1]
    for line, power in ((eighty, 0.8), (ninety, 0.9)):
        rates, sizes = line.get_data()
        expected = [NormalIndPower().solve_power(proportion_effectsize(r, 0.10), power=power,
                                                 alpha=0.05, ratio=1.0) for r in rates[::7]]
        np.testing.assert_allclose(sizes[::7], expected, rtol=1e-6)
    design = NormalIndPower().solve_power(proportion_effectsize(0.12, 0.10), power=0.8,
                                          alpha=0.05)
    cross = [line for line in ax.lines if line.get_marker() == "x"][0]
    assert cross.get_ydata()[0] == pytest.approx(design, rel=1e-6)


def test_regression_diagnostics_figure_against_statsmodels_influence():
    data = load_study_hours()
    influence = sm.OLS(data.target, sm.add_constant(data.data)).fit().get_influence()
    residual_ax, qq_ax, leverage_ax = rendered("regression-diagnostics").axes
    fitted_resid = residual_ax.collections[0].get_offsets()
    np.testing.assert_allclose(fitted_resid[:, 1], influence.resid, rtol=1e-6, atol=1e-9)
    qq = qq_ax.collections[0].get_offsets()
    np.testing.assert_allclose(qq[:, 1], np.sort(influence.resid_studentized_internal),
                               rtol=1e-6)
    np.testing.assert_allclose(qq[:, 0], stats.norm.ppf((np.arange(1, 13) - 0.5) / 12),
                               rtol=1e-6)
    points = leverage_ax.collections[0].get_offsets()
    np.testing.assert_allclose(points[:, 0], influence.hat_matrix_diag, rtol=1e-6)
    # On a Cook's contour, D computed by statsmodels' formula is the level.
    h, r = leverage_ax.lines[0].get_data()
    k = data.data.shape[1] + 1
    np.testing.assert_allclose(r ** 2 / k * h / (1 - h), 0.5, rtol=1e-6)


def test_robust_loss_paths_reach_the_mean_and_the_huber_minimiser_but_mae_oscillates():
    y = likelihood.ROBUST_DATA
    huber_minimiser = optimize.minimize_scalar(lambda c: special.huber(1.0, y - c).sum(),
                                               bounds=(-2, 2), method="bounded",
                                               options={"xatol": 1e-10}).x
    assert huber_minimiser == pytest.approx(np.median(y), abs=1e-7)
    right = rendered("robust-losses").axes[2]
    mse, mae, huber = (line.get_ydata() for line in right.lines)
    assert mse[-1] < 1e-12 and huber[-1] < 1e-3
    assert mae[-10:].min() > 1e-2                  # a fixed-size step never settles
    left = rendered("robust-losses").axes[0]
    r, huber_curve = left.lines[2].get_data()
    np.testing.assert_allclose(huber_curve, special.huber(1.0, r), rtol=1e-12, atol=1e-15)


def test_early_stopping_marks_the_epoch_of_lowest_validation_loss():
    right = rendered("epochs-and-early-stopping").axes[1]
    epochs, validation = right.lines[1].get_data()
    best = epochs[np.argmin(validation)]
    assert _vertical_lines(right) == [best]
    assert epochs[-1] == best + optimization.OVERFIT_PATIENCE
    assert validation[-1] > 1.5 * validation.min()          # it really turned up
    assert f"epoch {best}" in right.texts[0].get_text()


def test_double_well_legend_reports_the_roots_of_the_gradient():
    left = rendered("local-minima-and-saddles").axes[0]
    roots = np.sort(np.roots([1.0, 0.0, -2.0, 0.3]).real)     # f'(x) = x^3 - 2x + 0.3
    labels = [text.get_text() for text in left.get_legend().get_texts()]
    assert labels[0].endswith(f"{roots[2]:.3f}") and labels[1].endswith(f"{roots[0]:.3f}")
    network = rendered("local-minima-and-saddles").axes[2]
    finals = [line.get_ydata()[-1] for line in network.lines]
    assert max(finals) > 3 * min(finals)                     # different starts, minima


def test_logistic_band_and_boundary_match_statsmodels():
    study = load_study_pass()
    design = sm.add_constant(study.data)
    glm = sm.GLM(study.target, design, family=sm.families.Binomial()).fit(tol=1e-14)
    ax = rendered("logistic-regression-band").axes[0]
    assert _vertical_lines(ax) == [pytest.approx(-glm.params[0] / glm.params[1], rel=1e-7)]
    grid = np.linspace(0, 7, 281)
    band = ax.collections[0].get_paths()[0].vertices
    lower = np.interp(grid, *band[1:282].T)
    np.testing.assert_allclose(lower, glm.get_prediction(sm.add_constant(grid)).conf_int()[:, 0],
                               rtol=1e-6)


@pytest.mark.parametrize("C", classification.SEPARATION_PRIOR_VARIANCES)
def test_separation_figure_marks_scikit_learns_map(C):
    X, y = classification.SEPARATED_X[:, None], classification.SEPARATED_Y
    reference = SklearnLogistic(C=C, tol=1e-12, max_iter=10_000).fit(X, y)
    assert reference.intercept_[0] == pytest.approx(-2.5 * reference.coef_[0, 0], rel=1e-6)
    right = rendered("perfect-separation").axes[1]
    marks = [line for line in right.lines if line.get_marker() == "o"]
    curves = [line for line in right.lines if line.get_marker() != "o"][1:]
    k = classification.SEPARATION_PRIOR_VARIANCES.index(C)
    assert marks[k].get_xdata()[0] == pytest.approx(reference.coef_[0, 0], rel=1e-5)
    slopes, posterior = curves[k].get_data()
    assert abs(slopes[np.argmax(posterior)] - reference.coef_[0, 0]) <= slopes[1] - slopes[0]
    loglik = right.lines[0].get_ydata()
    assert np.all(np.diff(loglik) > 0) and loglik[-1] < 0    # rising, never reaching 0


def test_gaussian_mle_is_the_sample_mean_and_the_1_over_n_variance():
    sample = np.random.default_rng(0).normal(5.0, 2.0, 20)
    left, right = rendered("gaussian-mle").axes
    star = [line for line in left.lines if line.get_marker() == "*"][0]
    np.testing.assert_allclose([star.get_xdata()[0], star.get_ydata()[0]],
                               [sample.mean(), sample.var(ddof=0)], rtol=1e-12)
    labels = [text.get_text() for text in right.get_legend().get_texts()]
    biased_mean = float(labels[0].rsplit(" ", 1)[1])
    n = likelihood.MLE_SAMPLE_SIZE       # E[1/n variance] = (n-1)/n; sd of the mean ~ 0.005
    assert biased_mean == pytest.approx((n - 1) / n, abs=0.02)


def test_bayes_theorem_posterior_is_the_conjugate_beta():
    ax = rendered("bayes-theorem").axes[0]
    k, n = int(bayes.BAYES_OUTCOMES.sum()), bayes.BAYES_OUTCOMES.size
    a, b = bayes.BAYES_PRIOR[0] + k, bayes.BAYES_PRIOR[1] + n - k
    p, density = ax.lines[2].get_data()
    np.testing.assert_allclose(density, stats.beta.pdf(p, a, b), rtol=1e-10, atol=1e-300)
    assert _vertical_lines(ax) == [pytest.approx((a - 1) / (a + b - 2), rel=1e-12)]


def test_sequential_posteriors_equal_the_closed_form():
    states = bayes.sequential_posteriors(np.random.default_rng(3))
    n, x, y, (mean, cov) = states[-1]
    Phi = np.column_stack([np.ones(n), x])
    S = np.linalg.inv(bayes.SEQUENTIAL_ALPHA * np.eye(2) + bayes.SEQUENTIAL_BETA * Phi.T @ Phi)
    np.testing.assert_allclose(cov, S, rtol=1e-10)
    np.testing.assert_allclose(mean, bayes.SEQUENTIAL_BETA * S @ Phi.T @ y, rtol=1e-10)


def test_ridge_as_map_marks_scikit_learns_ridge():
    X, y = regularization.ridge_problem(np.random.default_rng(0))
    alpha = regularization.RIDGE_PRIOR_PRECISION / regularization.RIDGE_NOISE_PRECISION
    reference = SklearnRidge(alpha=alpha, fit_intercept=False).fit(X, y).coef_
    left = rendered("ridge-as-map").axes[0]
    for marker in ("*", "o"):                     # the Ridge star and the posterior mean
        point = [line for line in left.lines if line.get_marker() == marker][-1]
        np.testing.assert_allclose([point.get_xdata()[0], point.get_ydata()[0]], reference,
                                   rtol=1e-10)


def test_norm_balls_mark_scikit_learns_ridge_and_lasso_and_exact_zeros():
    X, y = regularization.two_feature_problem(np.random.default_rng(0))
    n = len(y)
    references = [SklearnRidge(alpha=2 * n * 0.3, fit_intercept=False).fit(X, y).coef_,
                  SklearnLasso(alpha=1.0, fit_intercept=False, tol=1e-12).fit(X, y).coef_]
    axes = rendered("norm-balls").axes
    marks = [[line for line in ax.lines if line.get_marker() == "o"][0] for ax in axes]
    points = [np.array([m.get_xdata()[0], m.get_ydata()[0]]) for m in marks]
    np.testing.assert_allclose(points[0], references[0], rtol=1e-8)
    np.testing.assert_allclose(points[1], references[1], rtol=1e-6, atol=1e-12)
    assert points[1][1] == 0.0 and points[2][1] == 0.0 and points[0][1] != 0.0


def test_regularization_paths_equal_scikit_learn():
    X, y = regularization.path_problem(np.random.default_rng(0))
    left, right = rendered("regularization-paths").axes
    alphas = left.lines[0].get_xdata()
    ridge = np.column_stack([line.get_ydata() for line in left.lines[:6]])
    for i in (0, 60, 119):     # probml's Ridge scaling is scikit-learn's
        np.testing.assert_allclose(ridge[i], SklearnRidge(alpha=alphas[i]).fit(X, y).coef_,
                                   rtol=1e-8, atol=1e-12)
    lasso_alphas = right.lines[0].get_xdata()
    lasso = np.column_stack([line.get_ydata() for line in right.lines[:6]])
    _, coefs, _ = sklearn_lasso_path(X - X.mean(0), y - y.mean(), alphas=lasso_alphas,
                                     tol=1e-12, max_iter=100_000)
    np.testing.assert_allclose(lasso, coefs.T, atol=1e-6)


def test_bias_variance_degree_terms_equal_the_hat_matrix():
    x_train, rows = selection_figures.degree_decomposition(np.random.default_rng(0))
    x_eval = np.linspace(-0.95, 0.95, 97)
    f = selection_figures.truth
    for degree in (1, 3, 8):
        A = np.vander(x_train[:, 0], degree + 1)
        S = np.vander(x_eval, degree + 1) @ np.linalg.pinv(A)        # rows: s(x)^T
        bias = S @ f(x_train) - f(x_eval[:, None])
        variance = selection_figures.DECOMPOSITION_NOISE ** 2 * np.sum(S ** 2, axis=1)
        row = rows[degree - 1]
        assert row["bias2"] == pytest.approx(np.mean(bias ** 2), rel=1e-6, abs=1e-12)
        assert row["variance"] == pytest.approx(np.mean(variance), rel=1e-8)
    left = rendered("bias-variance-degree").axes[0]
    totals = [row["total"] for row in rows]
    assert _vertical_lines(left) == [selection_figures.DEGREES[np.argmin(totals)]]


def test_cross_validation_curve_equals_scikit_learn_leave_one_out():
    x, y, loo, _ = selection_figures.cv_curves(np.random.default_rng(0))
    for degree in (1, 3, 7):
        model = make_pipeline(PolynomialFeatures(degree, include_bias=False), SklearnLinear())
        scores = cross_val_score(model, x, y, cv=LeaveOneOut(),
                                 scoring="neg_mean_squared_error")
        assert loo[degree - 1] == pytest.approx(-scores.mean(), rel=1e-8)
    right = rendered("splits-and-cross-validation").axes[1]
    np.testing.assert_array_equal(right.lines[0].get_ydata(), loo)


def test_ab_test_figure_marks_statsmodels_numbers():
    left, middle, right = rendered("ab-test").axes
    z, p = proportions_ztest([250, 200], [2000, 2000])
    assert f"p = {p:.4f}" in left.get_title()
    assert _vertical_lines(left) == [pytest.approx(z, rel=1e-10)]
    effect = proportion_effectsize(0.12, 0.10)
    n = NormalIndPower().solve_power(effect, alpha=0.05, power=0.8)
    assert _vertical_lines(middle) == [pytest.approx(n, rel=1e-6)]
    assert middle.texts[0].get_text() == f"{int(np.ceil(n))} per arm"
    p_grid, density_b = right.lines[1].get_data()
    np.testing.assert_allclose(density_b, stats.beta.pdf(p_grid, 251, 1751), rtol=1e-9)
    draws = np.random.default_rng(1).beta([201, 251], [1801, 1751], size=(400_000, 2))
    monte_carlo = np.mean(draws[:, 1] > draws[:, 0])
    shown = float(right.get_title().rsplit("=", 1)[1])
    assert shown == pytest.approx(monte_carlo, abs=4 * np.sqrt(0.0062 * 0.9938 / 400_000) +
                                  5e-5)


def test_peeking_figure_reproduces_armitage_and_the_nominal_rate():
    right = rendered("pvalues-and-peeking").axes[1]
    rates = right.lines[0].get_ydata()
    se = np.sqrt(0.193 * 0.807 / testing_figures.PEEKING_SIMULATIONS)
    assert rates[-1] == pytest.approx(0.193, abs=4 * se + 0.005)     # Armitage et al. 1969
    assert np.all(np.diff(rates) >= 0)
    single = [line for line in right.lines if line.get_marker() == "s"][0].get_ydata()[0]
    assert single == pytest.approx(0.05, abs=4 * np.sqrt(0.05 * 0.95 / 10_000))


def test_retention_figure_draws_the_table_and_the_fitted_sbg_survival():
    from probml.growth import cohort_retention, fit_retention

    table = cohort_retention(*growth_figures.simulated_activity(np.random.default_rng(0)))
    left, right = rendered("cohort-retention").axes[:2]
    shown = left.images[0].get_array()
    np.testing.assert_array_equal(shown.filled(np.nan), table.retention)
    survivors = table.survivors(0)
    fit = fit_retention(survivors, "sbg")
    a, b = fit.params["alpha"], fit.params["beta"]
    t, curve = right.lines[1].get_data()
    np.testing.assert_allclose(curve, special.beta(a, b + t) / special.beta(a, b), rtol=1e-10)
    np.testing.assert_allclose(right.lines[0].get_ydata(), survivors / survivors[0])


def test_finite_difference_figure_marks_the_balancing_steps():
    ax = rendered("finite-differences").axes[0]
    assert _vertical_lines(ax) == [pytest.approx(EPS ** 0.5), pytest.approx(EPS ** (1 / 3))]
    for line, scheme_step in zip(ax.lines[0:4:2], (EPS ** 0.5, EPS ** (1 / 3))):
        h, error = line.get_data()
        best = h[np.nanargmin(error)]
        assert abs(np.log10(best / scheme_step)) < 1.5


def test_weight_decay_paths_end_at_the_penalised_minimum_except_adamw():
    """Gradient descent on L + lambda/2 |w|^2, gradient descent with weight decay and Adam
    with the L2 penalty reach the penalised minimum (numpy.linalg.solve of the normal
    equations (A + lambda I) w = A w*); AdamW does not."""
    bowl = QuadraticBowl(**optimization.WEIGHT_DECAY_BOWL)
    minimum = np.linalg.solve(bowl.hessian + optimization.WEIGHT_DECAY * np.eye(2),
                              bowl.hessian @ bowl.minimizer)
    ax = rendered("l2-penalty-weight-decay").axes[0]
    ends = {line.get_label().split(":")[0]: np.array([line.get_xdata()[-1],
                                                      line.get_ydata()[-1]])
            for line in ax.lines if ":" in line.get_label()}
    for label in ("gradient descent on L + penalty", "gradient descent with weight decay",
                  "Adam + L2 penalty"):
        np.testing.assert_allclose(ends[label], minimum, atol=2e-3)
    assert np.linalg.norm(ends["AdamW"] - minimum) > 0.5


def test_convexity_figure_draws_the_swapped_network_losses():
    """0 at the weights and at their swap, and halfway the loss the derivation computed
    exactly (SymPy's tanh at 30 digits, an oracle independent of the module's NumPy)."""
    import sympy as sp
    from probml.derivations import optimization as derived

    right = rendered("convexity").axes[1]
    t, loss = right.lines[0].get_data()
    assert loss[0] == pytest.approx(0.0, abs=1e-12) and loss[-1] == pytest.approx(0.0, abs=1e-12)
    exact = float(sp.N(derived.network_loss(derived.NETWORK_MIDPOINT), 30))
    assert loss[np.argmin(np.abs(t - 0.5))] == pytest.approx(exact, rel=1e-12)


def test_stickiness_figure_marks_the_mean_share_of_days():
    """DAU/MAU from probml.growth.stickiness equals the mean over active users of their
    share of days, computed here with NumPy from the same simulated log."""
    users, days = growth_figures.simulated_daily_activity(np.random.default_rng(3))
    per_user = np.array([len(np.unique(days[users == u])) for u in np.unique(users)])
    share = float(np.mean(per_user / growth_figures.STICKINESS_DAYS))
    right = rendered("stickiness").axes[1]
    marked = [line.get_xdata()[0] for line in right.lines][0]
    assert marked == pytest.approx(share, rel=1e-12)
    assert f"{share:.3f}" in rendered("stickiness").axes[0].get_title()


def test_funnel_intervals_are_statsmodels_wilson_intervals():
    from statsmodels.stats.proportion import proportion_confint

    counts = growth_figures.FUNNEL_COUNTS
    left, right = rendered("conversion-funnel").axes
    for ax, trials in ((left, np.full(3, counts[0])), (right, counts[:-1])):
        low, high = proportion_confint(counts[1:], trials, alpha=0.05, method="wilson")
        bars = [patch.get_height() for patch in ax.patches]
        np.testing.assert_allclose(bars, counts[1:] / trials, rtol=1e-12)
        segments = ax.collections[0].get_segments()       # the error bars, low to high
        np.testing.assert_allclose([seg[0][1] for seg in segments], low, rtol=1e-9)
        np.testing.assert_allclose([seg[1][1] for seg in segments], high, rtol=1e-9)


def test_activation_slopes_are_the_derivatives_of_the_activations():
    """Each slope curve against numpy.gradient of its activation curve (away from ReLU's
    kink), and the sigmoid's largest slope is 1/4."""
    left, right = rendered("activation-functions").axes
    for value_line, slope_line in zip(left.lines, right.lines):
        a, value = value_line.get_data()
        _, slope = slope_line.get_data()
        numeric = np.gradient(value, a)
        away = np.abs(a) > 0.05
        np.testing.assert_allclose(slope[away], numeric[away], atol=2e-4)
    assert np.max(right.lines[0].get_ydata()) == pytest.approx(0.25, abs=1e-6)


def test_survivorship_figure_follows_the_survivors_beta_posterior():
    """The curve is the mean of Beta(a, b + t) (scipy.stats), and the churn measured among
    the simulated survivors lies within four binomial standard errors of it."""
    a, b = growth_figures.CHURN_PRIOR
    left = rendered("survivorship-bias").axes[0]
    dots, curve = left.lines[0], left.lines[1]
    t, derived = curve.get_data()
    np.testing.assert_allclose(derived, [stats.beta(a, b + m).mean() for m in t], rtol=1e-6)
    _, measured = dots.get_data()
    # About n B(a, b + t)/B(a, b) users survive t months; the binomial standard error.
    alive = growth_figures.SURVIVOR_COHORT * np.exp(special.betaln(a, b + t)
                                                    - special.betaln(a, b))
    se = np.sqrt(derived * (1 - derived) / alive)
    assert np.all(np.abs(measured - derived) < 4 * se)
