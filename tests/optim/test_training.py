"""The training loop against closed-form and library fits, and its bookkeeping."""

import os
import platform
import subprocess
import sys

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import optimize
from sklearn.linear_model import LogisticRegression as SklearnLogistic

import probml
from probml import optim
from probml.optim import (
    DataModule,
    LinearRegressionModule,
    LogisticRegressionModule,
    OneHiddenLayerNetwork,
    SoftmaxRegressionModule,
    Trainer,
)
from probml.optim._tree import scaled_global_norm
from probml.optim.modules import matmul


@pytest.fixture
def linear_data(rng):
    X = rng.normal(size=(200, 3))
    y = X @ [1.5, -2.0, 0.5] + 3.0 + rng.normal(scale=0.5, size=200)
    return X, y


@pytest.fixture
def logistic_data(rng):
    X = rng.normal(size=(300, 3))
    y = (rng.uniform(size=300) < 1 / (1 + np.exp(-(X @ [1.0, -0.5, 0.25] + 0.3)))).astype(float)
    return X, y


def flat(params):
    return np.concatenate([np.ravel(params[key]) for key in sorted(params)])


# -- converging to the exact answers ----------------------------------------

def test_full_batch_gradient_descent_reaches_least_squares(linear_data):
    X, y = linear_data
    module = LinearRegressionModule()
    Trainer(max_epochs=400, optimizer=optim.gradient_descent(0.3)).fit(module, (X, y))
    exact = probml.LinearRegression().fit(X, y)
    np.testing.assert_allclose(module.params["w"], exact.coef_, rtol=0, atol=1e-8)
    assert float(module.params["b"]) == pytest.approx(exact.intercept_, abs=1e-8)


@pytest.mark.parametrize("batch_size, lr", [(1, 0.004), (1, 0.001), (20, 0.04), (20, 0.01)])
def test_sgd_and_mini_batch_reach_least_squares_within_the_step_size_noise(
        linear_data, batch_size, lr):
    # Constant-step SGD does not converge: it fluctuates around the optimum with
    # covariance about lr * sigma^2 / B * I here (unit-variance features, loss = MSE),
    # so E||theta - theta*||^2 is about (p + 1) lr sigma^2 / B.
    X, y = linear_data
    module = LinearRegressionModule()
    Trainer(max_epochs=60, batch_size=batch_size, optimizer=optim.sgd(lr)).fit(module, (X, y))
    exact = probml.LinearRegression().fit(X, y)
    error = np.linalg.norm(np.append(module.params["w"] - exact.coef_,
                                     module.params["b"] - exact.intercept_))
    noise_scale = np.sqrt(4 * lr * 0.25 / batch_size)
    assert error < 4 * noise_scale
    assert error > 1e-6            # it is SGD noise, not an exact solve


def test_logistic_regression_reaches_sklearn_and_statsmodels(logistic_data):
    X, y = logistic_data
    module = LogisticRegressionModule()
    Trainer(max_epochs=3000, optimizer=optim.gradient_descent(4.0)).fit(module, (X, y))
    sk = SklearnLogistic(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(module.params["w"], sk.coef_[0], rtol=1e-6)
    assert float(module.params["b"]) == pytest.approx(sk.intercept_[0], rel=1e-6)
    newton = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-14).params
    np.testing.assert_allclose(module.params["w"], newton[1:], rtol=1e-6)
    assert float(module.params["b"]) == pytest.approx(newton[0], rel=1e-6)


def test_softmax_regression_reaches_sklearn_multinomial(rng):
    X = rng.normal(size=(300, 2))
    logits = X @ np.array([[1.0, -1.0, 0.0], [0.5, 0.5, -1.0]])
    y = np.array([rng.choice(3, p=p) for p in np.exp(logits) / np.exp(logits).sum(1, keepdims=1)])
    module = SoftmaxRegressionModule()
    Trainer(max_epochs=3000, optimizer=optim.gradient_descent(3.0)).fit(module, (X, y))
    sk = SklearnLogistic(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)
    # Softmax parameters are identified only up to a shift shared by all classes;
    # gradient descent from zero keeps each row summing to zero, as sklearn's fit does.
    centred = module.params["W"] - module.params["W"].mean(axis=1, keepdims=True)
    np.testing.assert_allclose(centred, sk.coef_.T, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(module.params["b"] - module.params["b"].mean(),
                               sk.intercept_ - sk.intercept_.mean(), atol=1e-6)
    np.testing.assert_allclose(module.predict_proba(X), sk.predict_proba(X), atol=1e-6)


# -- gradients ---------------------------------------------------------------

MODULES = [
    (LinearRegressionModule(), "real"),
    (LogisticRegressionModule(), "binary"),
    (SoftmaxRegressionModule(n_classes=4), "classes"),
    (OneHiddenLayerNetwork(5, "tanh"), "real"),
    (OneHiddenLayerNetwork(5, "sigmoid", task="binary"), "binary"),
    (OneHiddenLayerNetwork(5, "relu"), "real"),
]


@pytest.mark.parametrize("module, target", MODULES, ids=repr)
def test_module_gradients_match_finite_differences(module, target, rng):
    X = rng.normal(size=(30, 3))
    y = {"real": rng.normal(size=30), "binary": rng.integers(0, 2, 30).astype(float),
         "classes": rng.integers(0, 4, 30).astype(float)}[target]
    params = module.init_parameters(X, y, rng)
    params = {key: value + rng.normal(scale=0.3, size=np.shape(value))
              for key, value in params.items()}
    keys, shapes = sorted(params), [np.shape(params[key]) for key in sorted(params)]
    sizes = np.cumsum([int(np.prod(shape)) for shape in shapes])[:-1]

    def unflatten(theta):
        return {key: piece.reshape(shape)
                for key, piece, shape in zip(keys, np.split(theta, sizes), shapes)}

    theta = flat(params)
    error = optimize.check_grad(lambda t: module.loss(unflatten(t), X, y),
                                lambda t: flat(module.gradient(unflatten(t), X, y)), theta,
                                epsilon=1e-7)
    assert error < 1e-5 * max(1.0, np.linalg.norm(flat(module.gradient(params, X, y))))
    loss, grads = module.loss_and_gradient(params, X, y)
    assert loss == module.loss(params, X, y)


def test_the_network_is_non_convex_different_starts_reach_different_minima():
    x = np.linspace(-2, 2, 40)
    X, y = x[:, None], np.sin(3 * x)
    finals = {}
    for seed in (0, 3):
        module = OneHiddenLayerNetwork(3, "tanh")
        history = Trainer(2000, optimizer=optim.adam(0.05), seed=seed).fit(module, (X, y))
        gradient = module.gradient(module.params, X, y)
        finals[seed] = (history.train_loss[-1], float(np.prod(scaled_global_norm(gradient))))
    (stuck_loss, stuck_gradient), (better_loss, _) = finals[0], finals[3]
    assert stuck_gradient < 1e-4               # a stationary point ...
    assert better_loss < stuck_loss / 4        # ... that is not the best one: a local minimum


# -- what batch size means ---------------------------------------------------

def test_batch_size_n_is_gradient_descent_step_for_step(linear_data):
    X, y = linear_data
    history = Trainer(5, batch_size=len(y), optimizer=optim.gradient_descent(0.1)).fit(
        LinearRegressionModule(), DataModule(X, y, shuffle=True, seed=3))
    w, b = np.zeros(3), 0.0
    for step in range(5):
        np.testing.assert_allclose(history.params["w"][step], w, rtol=1e-13, atol=1e-15)
        r = X @ w + b - y
        assert history.loss[step] == pytest.approx(np.mean(r ** 2), rel=1e-13)
        w, b = w - 0.1 * 2 * X.T @ r / len(y), b - 0.1 * 2 * r.mean()
    assert history.iterations_per_epoch == 1 and history.n_iterations == 5


def test_batch_size_one_is_sgd_over_every_row_once_per_epoch(linear_data):
    X, y = linear_data
    data = DataModule(X, y, seed=5)
    seen = np.concatenate([yb for _, yb in data.batches(1, epoch=2)])
    np.testing.assert_array_equal(np.sort(seen), np.sort(y))
    assert not np.array_equal(seen, y)                       # shuffled
    again = np.concatenate([yb for _, yb in DataModule(X, y, seed=5).batches(1, epoch=2)])
    np.testing.assert_array_equal(seen, again)               # seeded
    other = np.concatenate([yb for _, yb in data.batches(1, epoch=3)])
    assert not np.array_equal(seen, other)                    # a new order each epoch
    history = Trainer(2, batch_size=1, optimizer=optim.sgd(0.01)).fit(
        LinearRegressionModule(), data)
    assert history.n_iterations == 2 * len(y) and history.params["w"].shape == (401, 3)
    mini = Trainer(2, batch_size=64, optimizer=optim.sgd(0.01)).fit(
        LinearRegressionModule(), data)
    assert mini.iterations_per_epoch == 4 and mini.n_iterations == 8   # 64+64+64+8 rows


def test_history_has_what_a_learner_plots(linear_data):
    X, y = linear_data
    schedule = optim.cosine_annealing(0.1, T_max=5)
    history = Trainer(5, batch_size=50, optimizer=optim.sgd(0.1), schedule=schedule,
                      schedule_unit="epoch").fit(
        LinearRegressionModule(), DataModule(X, y, validation_fraction=0.25))
    assert history.loss.shape == (15,) and history.learning_rate.shape == (15,)
    np.testing.assert_allclose(history.learning_rate, np.repeat(schedule.rates(5), 3))
    assert history.train_loss.shape == history.val_loss.shape == (5,)
    assert history.params["b"].shape == (16,)
    assert np.all(np.diff(history.train_loss) < 0)
    per_iteration = Trainer(5, batch_size=50, optimizer=optim.sgd(0.1),
                            schedule=optim.cosine_annealing(0.1, T_max=15)).fit(
        LinearRegressionModule(), DataModule(X, y, validation_fraction=0.25))
    np.testing.assert_allclose(per_iteration.learning_rate,
                               optim.cosine_annealing(0.1, T_max=15).rates(15))
    assert "n_epochs=5" in repr(history)


def test_validation_split_is_seeded_and_disjoint(linear_data):
    X, y = linear_data
    data = DataModule(X, y, validation_fraction=0.2, seed=7)
    assert data.n_train == 160 and data.X_val.shape == (40, 3)
    np.testing.assert_array_equal(np.sort(np.r_[data.y_train, data.y_val]), np.sort(y))
    np.testing.assert_array_equal(data.y_val, DataModule(X, y, validation_fraction=0.2,
                                                         seed=7).y_val)
    explicit = DataModule(X[:150], y[:150], X_val=X[150:], y_val=y[150:])
    assert explicit.n_train == 150 and explicit.has_validation


# -- early stopping, clipping, divergence ------------------------------------

def test_early_stopping_restores_the_best_validation_epoch(rng):
    # Few noisy rows and many features: gradient descent first fits the signal,
    # then the noise, and the validation loss turns up.
    X = rng.normal(size=(60, 40))
    y = X[:, 0] + rng.normal(scale=1.0, size=60)
    data = DataModule(X, y, validation_fraction=0.5, seed=0)
    module = LinearRegressionModule()
    history = Trainer(500, optimizer=optim.gradient_descent(0.01), patience=5).fit(module, data)
    assert history.stopped_early
    best = history.best_epoch
    assert history.n_epochs == best + 1 + 5
    assert history.val_loss[best] == history.val_loss.min()
    assert np.all(history.val_loss[best + 1:] >= history.val_loss[best])
    per_epoch = history.iterations_per_epoch
    np.testing.assert_array_equal(module.params["w"],
                                  history.params["w"][(best + 1) * per_epoch])


def test_gradient_clipping_bounds_every_step(linear_data):
    X, y = linear_data
    history = Trainer(20, optimizer=optim.gradient_descent(0.1), clip_norm=1.0).fit(
        LinearRegressionModule(), (X, y * 100))
    assert history.grad_norm[0] > 100
    steps = np.linalg.norm(np.diff(np.column_stack([history.params["w"],
                                                    history.params["b"]]), axis=0), axis=1)
    assert np.all(steps <= 0.1 * 1.0 + 1e-12)


def test_a_diverging_run_stops_with_a_clear_error(linear_data):
    X, y = linear_data
    module = LinearRegressionModule()
    with pytest.raises(probml.DivergenceError,
                       match=r"grew to .*, more than 1e\+10 times its first value .*, after "
                             r"iteration 4, at the end of epoch 4 with learning rate 5.*smaller "
                             r"learning rate \(try 0.5\)") as caught:
        Trainer(1000, optimizer=optim.gradient_descent(5.0)).fit(module, (X, y))
    assert module.params is None                 # no NaN parameters handed back
    losses = caught.value.history.loss
    assert np.all(np.isfinite(losses)) and losses[-1] > 1e6 * losses[0]
    with pytest.raises(probml.DivergenceError,
                       match=r"at iteration \d+ \(epoch \d+, batch \d+ of 4\) with learning "
                             r"rate 2"):
        Trainer(1000, batch_size=50, optimizer=optim.sgd(2.0)).fit(module, (X, y))


class _FailsAway(LinearRegressionModule):
    """A module whose loss refuses parameters beyond ``limit`` (as log_softmax refuses
    logits that overflowed to +inf)."""

    def __init__(self, limit):
        self.limit = limit

    def loss_and_gradient(self, params, X, y):
        if np.max(np.abs(params["w"])) > self.limit:
            raise ValueError("z contains +inf: the probabilities are not defined")
        return super().loss_and_gradient(params, X, y)


def test_a_loss_that_fails_once_the_parameters_moved_is_divergence(linear_data):
    X, y = linear_data
    module = _FailsAway(limit=1e3)
    with pytest.raises(probml.DivergenceError,
                       match=r"The loss failed \(z contains \+inf.*\) at iteration \d+ .*"
                             r"the run diverged"):
        Trainer(50, optimizer=optim.gradient_descent(5.0)).fit(module, (X, y))
    assert module.params is None
    # At the initial parameters the failure is the module's own, and stays a ValueError.
    with pytest.raises(ValueError, match="z contains") as caught:
        Trainer(5).fit(_FailsAway(limit=-1.0), (X, y))
    assert not isinstance(caught.value, probml.DivergenceError)


def test_progress_bar_is_silent_off_a_terminal_and_shown_on_request(linear_data, capsys):
    X, y = linear_data
    Trainer(3).fit(LinearRegressionModule(), (X, y))
    assert capsys.readouterr().err == ""
    Trainer(3, progress_bar=True).fit(LinearRegressionModule(), (X, y))
    assert "it" in capsys.readouterr().err


def test_a_chosen_start_is_used(linear_data):
    X, y = linear_data
    module = LinearRegressionModule()
    module.params = {"w": np.array([5.0, 5.0, 5.0]), "b": np.array(-1.0)}
    history = Trainer(1, optimizer=optim.gradient_descent(0.0)).fit(module, (X, y))
    np.testing.assert_array_equal(history.params["w"][0], [5.0, 5.0, 5.0])
    module.params = {"w": np.zeros(2), "b": np.array(0.0)}
    with pytest.raises(ValueError, match="module.params do not fit the data"):
        Trainer(1).fit(module, (X, y))


# -- bad input -------------------------------------------------------------

@pytest.mark.parametrize("make, message", [
    (lambda: Trainer(max_epochs=0), "max_epochs must be a whole number from 1 to"),
    (lambda: Trainer(batch_size=0), "batch_size must be None or a whole number >= 1"),
    (lambda: Trainer(batch_size=2.5), "batch_size must be None or a whole number"),
    (lambda: Trainer(optimizer=optim.sgd(optim.constant(0.1)), schedule=optim.constant(0.1)),
     "not both"),
    (lambda: Trainer(schedule_unit="batch"), "schedule_unit"),
    (lambda: Trainer(clip_norm=0.0), "clip_norm must be None or a number > 0"),
    (lambda: Trainer(optimizer="adam"), "must be a probml.optim Optimizer"),
])
def test_bad_trainer_settings(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_bad_data_and_labels(linear_data):
    X, y = linear_data
    with pytest.raises(ValueError, match="larger than the 200 training rows"):
        Trainer(1, batch_size=201).fit(LinearRegressionModule(), (X, y))
    with pytest.raises(ValueError, match="early stopping .* needs validation data"):
        Trainer(1, patience=2).fit(LinearRegressionModule(), (X, y))
    with pytest.raises(ValueError, match=r"labels in \{0, 1\}, but y has 2.0 at row 3"):
        Trainer(1).fit(LogisticRegressionModule(), (X, np.r_[0, 1, 0, 2, np.zeros(196)]))
    with pytest.raises(ValueError, match=r"labels in 0\.\.2, but y has 3.0 at row 0"):
        Trainer(1).fit(SoftmaxRegressionModule(n_classes=3), (X, np.r_[3, np.zeros(199)]))
    with pytest.raises(ValueError, match=r"labels in 0\.\.2, but y has 0.5"):
        Trainer(1).fit(SoftmaxRegressionModule(), (X, np.r_[0.5, 1, np.full(198, 2)]))
    with pytest.raises(ValueError, match="inconsistent|one entry"):
        DataModule(X, y[:-1])
    with pytest.raises(ValueError, match="NaN or infinity at row 4"):
        DataModule(X, np.r_[y[:4], np.nan, y[5:]])
    with pytest.raises(ValueError, match="X contains NaN"):
        DataModule(np.r_[X[:1] * np.nan, X[1:]], y)
    with pytest.raises(ValueError, match=r"validation_fraction must be a number in \[0, 1\)"):
        DataModule(X, y, validation_fraction=1.0)
    with pytest.raises(ValueError, match="not both"):
        DataModule(X, y, validation_fraction=0.2, X_val=X, y_val=y)
    with pytest.raises(TypeError, match="DataModule or an"):
        Trainer(1).fit(LinearRegressionModule(), X)


# -- the same bits on every machine -----------------------------------------

# Training runs whose every number is printed as a digest: linear regression and a ReLU
# network (no exponentials, whose last bits NumPy leaves to the CPU's vector instructions),
# mini-batches, momentum, Adam, a schedule, gradient clipping (a norm of hundreds of entries)
# and, at the end of each epoch, a loss over more rows than one block of the products.
_RUNS = """
import hashlib
import numpy as np
from probml import optim

rng = np.random.default_rng(3)
X = rng.normal(size=(9000, 8))
y = np.maximum(X[:, 0] - 2.0 * X[:, 1], 0.0) + rng.normal(size=9000)
data = optim.DataModule(X, y, validation_fraction=0.1, seed=1)
runs = [
    (optim.LinearRegressionModule(), optim.sgd(0.05, momentum=0.9, nesterov=True), 0.5),
    (optim.LinearRegressionModule(), optim.adam(0.05), None),
    (optim.OneHiddenLayerNetwork(32, "relu"), optim.adam(0.02), 0.5),
]
digest = hashlib.sha256()
for module, optimizer, clip in runs:
    history = optim.Trainer(2, 500, optimizer, optim.cosine_annealing(0.05, T_max=40),
                            clip_norm=clip).fit(module, data)
    for values in (history.loss, history.train_loss, history.val_loss, history.grad_norm,
                   *history.params.values()):
        if values is not None:
            digest.update(np.ascontiguousarray(values).tobytes())
print(digest.hexdigest())
"""


def _other_machine():
    """Another BLAS kernel on one thread, and NumPy without its vector extensions."""
    from numpy._core import _multiarray_umath as umath

    variables = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    core = {"x86_64": "Prescott", "AMD64": "Prescott", "aarch64": "ARMV8",
            "arm64": "ARMV8"}.get(platform.machine())
    if core:
        variables["OPENBLAS_CORETYPE"] = core
    extensions = [feature for feature in umath.__cpu_dispatch__
                  if umath.__cpu_features__.get(feature)]
    if extensions:
        variables["NPY_DISABLE_CPU_FEATURES"] = " ".join(extensions)
    return variables


def test_training_is_the_same_bits_on_another_blas_kernel_and_cpu_features(capsys):
    exec(_RUNS, {})
    here = capsys.readouterr().out.strip()
    other = subprocess.run([sys.executable, "-c", _RUNS], capture_output=True, text=True,
                           env={**os.environ, **_other_machine()}, check=True, timeout=300)
    assert other.stdout.strip() == here, f"training differs under {_other_machine()}"


@pytest.mark.parametrize("rows", [1, 256, 9000])
def test_products_sum_each_entry_in_index_order(rows, rng):
    """matmul's entries are A[i, 0] B[0] + A[i, 1] B[1] + ... added left to right, for a
    single row, a mini-batch and a data set of many blocks, whatever A's memory order."""
    A = rng.normal(size=(rows, 12)) * 10.0 ** rng.integers(-8, 9, size=(rows, 12))
    b, B = rng.normal(size=12), rng.normal(size=(12, 3))
    by_hand, by_hand_matrix = A[:, 0] * b[0], A[:, :1] * B[0]
    for j in range(1, 12):
        by_hand, by_hand_matrix = by_hand + A[:, j] * b[j], by_hand_matrix + A[:, j:j + 1] * B[j]
    for layout in (A, np.asfortranarray(A)):
        np.testing.assert_array_equal(matmul(layout, b), by_hand)
        np.testing.assert_array_equal(matmul(layout, B), by_hand_matrix)


@pytest.mark.parametrize("batch_size", [1, 50])
def test_a_mini_batch_step_is_the_formulas_summed_by_hand(batch_size, rng):
    """Every step of shuffled mini-batch SGD on the MSE, done by hand: the predictor
    summed over the features in index order (as matmul documents), the loss and each
    gradient entry NumPy's sum of a contiguous vector (as crossprod documents), the step
    -lr g added.  Entries spread over 16 decades, so another order of any sum shows."""
    X = rng.normal(size=(203, 5)) * 10.0 ** rng.integers(-8, 9, size=(203, 5))
    y = rng.normal(size=203)
    data, lr = DataModule(X, y, seed=4), 1e-17
    history = Trainer(2, batch_size, optim.sgd(lr)).fit(LinearRegressionModule(), data)
    w, b, step = np.zeros(5), 0.0, 0
    for epoch in range(2):
        for X_batch, y_batch in data.batches(batch_size, epoch):
            predictor = X_batch[:, 0] * w[0]
            for j in range(1, 5):
                predictor = predictor + X_batch[:, j] * w[j]
            r = (predictor + b) - y_batch
            m = len(r)
            assert history.loss[step] == np.sum(r * r) / m
            dL = (2.0 / m) * r
            gradient = np.array([np.sum(np.ascontiguousarray(X_batch[:, j]) * dL)
                                 for j in range(5)])
            w, b = w + (-lr) * gradient, b + (-lr) * np.sum(dL)
            step += 1
            np.testing.assert_array_equal(history.params["w"][step], w)
            assert history.params["b"][step] == b
    assert step == history.n_iterations


def test_a_data_module_with_its_own_batches_is_trained_on_them():
    """A subclass's ``batches`` (augmented or resampled rows) is what the Trainer steps on:
    here one batch of the first four rows an epoch, two plain SGD steps by hand."""
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((20, 2)), rng.standard_normal(20)

    class FirstRows(DataModule):
        def batches(self, batch_size, epoch=0):
            yield self.X_train[:4], self.y_train[:4]

    module, lr = LinearRegressionModule(), 0.1
    module.params = {"w": np.zeros(2), "b": np.array(0.0)}
    Trainer(max_epochs=2, batch_size=4, optimizer=optim.sgd(lr)).fit(
        module, FirstRows(X, y, shuffle=False))
    A, w = np.c_[X[:4], np.ones(4)], np.zeros(3)
    for _ in range(2):
        w -= lr * 2 / 4 * A.T @ (A @ w - y[:4])
    np.testing.assert_allclose(np.r_[module.params["w"], module.params["b"]], w, rtol=1e-13)


def test_a_module_with_its_own_forward_is_trained_on_it():
    """A subclass's predictor (here twice Xw + b) is what its loss and gradient, and the
    Trainer, use, at any number of rows: the fit of y = 2(1.5 x + 1) lands on w = 1.5."""
    class Doubled(LinearRegressionModule):
        def forward(self, params, X):
            return 2.0 * super().forward(params, X)

    X = np.linspace(-1.0, 1.0, 10)[:, None]
    y = 2.0 * (1.5 * X[:, 0] + 1.0)
    module = Doubled()
    module.params = {"w": np.array([0.5]), "b": np.array(0.0)}
    loss, _ = module.loss_and_gradient(module.params, X, y)
    assert loss == pytest.approx(np.mean((2.0 * 0.5 * X[:, 0] - y) ** 2), rel=1e-14)
    Trainer(max_epochs=500, optimizer=optim.gradient_descent(0.1)).fit(module, (X, y))
    np.testing.assert_allclose([module.params["w"][0], module.params["b"]], [1.5, 1.0],
                               rtol=1e-8)
