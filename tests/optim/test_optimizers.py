"""Optimizers against PyTorch's recorded steps and against the published algorithms.

Two independent oracles:

* ``tests/data/torch_reference.json``, written by
  ``tests/tools/make_torch_reference.py`` with ``torch.optim`` (float64): the
  gradients PyTorch saw and its parameters after every step.  probml gets the
  same gradients and must land on the same parameters to 1e-12.
* the algorithm boxes of the papers and of PyTorch's documentation, written out
  below in plain NumPy, run on a quadratic bowl: probml's trajectory must match.
"""

import json

import numpy as np
import pytest

from probml import optim
from probml.optim import QuadraticBowl

from ..conftest import ROOT

REFERENCE = json.loads((ROOT / "tests" / "data" / "torch_reference.json").read_text())
RENAME = {"lr": "learning_rate"}


def probml_optimizer(name, settings):
    kwargs = {RENAME.get(key, key): tuple(value) if isinstance(value, list) else value
              for key, value in settings.items()}
    return getattr(optim, name)(**kwargs)


def as_arrays(tree):
    return {key: np.array(value) for key, value in tree.items()}


@pytest.mark.parametrize("case", REFERENCE["optimizers"],
                         ids=[f"{c['name']}-{i}" for i, c in enumerate(REFERENCE["optimizers"])])
def test_steps_match_torch_optim_on_the_same_gradients(case):
    opt = probml_optimizer(case["name"], case["settings"])
    params = as_arrays(case["start"])
    state = opt.init(params)
    for grads, expected in zip(case["grads"], case["params"]):
        updates, state = opt.update(as_arrays(grads), state, params)
        params = optim.apply_updates(params, updates)
        for key, value in as_arrays(expected).items():
            np.testing.assert_allclose(params[key], value, rtol=1e-12, atol=1e-12)
    assert state.count == len(case["grads"])


# -- the published algorithms, written out independently -------------------

def reference_sgd(grad, x, steps, lr, momentum=0.0, nesterov=False):
    velocity = np.zeros_like(x)
    path = [x]
    for t in range(steps):
        g = grad(x)
        if momentum:
            velocity = g if t == 0 else momentum * velocity + g
            g = g + momentum * velocity if nesterov else velocity
        x = x - lr * g
        path.append(x)
    return np.array(path)


def reference_adagrad(grad, x, steps, lr, eps=1e-10):
    # Duchi, Hazan & Singer (2011), diagonal form.
    G = np.zeros_like(x)
    path = [x]
    for _ in range(steps):
        g = grad(x)
        G += g ** 2
        x = x - lr * g / (np.sqrt(G) + eps)
        path.append(x)
    return np.array(path)


def reference_rmsprop(grad, x, steps, lr, rho=0.99, eps=1e-8):
    # Hinton, lecture 6e: divide the gradient by a running average of its magnitude.
    mean_square = np.zeros_like(x)
    path = [x]
    for _ in range(steps):
        g = grad(x)
        mean_square = rho * mean_square + (1 - rho) * g ** 2
        x = x - lr * g / (np.sqrt(mean_square) + eps)
        path.append(x)
    return np.array(path)


def reference_adam(grad, x, steps, lr, beta1=0.9, beta2=0.999, eps=1e-8, l2=0.0,
                   decoupled_decay=0.0):
    # Kingma & Ba (2015) Algorithm 1; AdamW: Loshchilov & Hutter (2019) Algorithm 2
    # with the schedule multiplier eta_t = 1 and the decay scaled by lr, as in PyTorch.
    m, v = np.zeros_like(x), np.zeros_like(x)
    path = [x]
    for t in range(1, steps + 1):
        g = grad(x) + l2 * x
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        x = x - lr * (m_hat / (np.sqrt(v_hat) + eps) + decoupled_decay * x)
        path.append(x)
    return np.array(path)


def probml_path(opt, grad, x, steps):
    state, path = opt.init(x), [x]
    for _ in range(steps):
        updates, state = opt.update(grad(x), state, x)
        x = optim.apply_updates(x, updates)
        path.append(x)
    return np.array(path)


BOWL = QuadraticBowl(condition_number=20.0, angle=0.6)
START = np.array([2.0, -3.0])

REFERENCES = [
    ("gradient descent", optim.gradient_descent(0.09), reference_sgd, {"lr": 0.09}),
    ("momentum", optim.sgd(0.02, momentum=0.9), reference_sgd, {"lr": 0.02, "momentum": 0.9}),
    ("nesterov", optim.sgd(0.02, momentum=0.9, nesterov=True), reference_sgd,
     {"lr": 0.02, "momentum": 0.9, "nesterov": True}),
    ("adagrad", optim.adagrad(0.5), reference_adagrad, {"lr": 0.5}),
    ("rmsprop", optim.rmsprop(0.01), reference_rmsprop, {"lr": 0.01}),
    ("adam", optim.adam(0.05), reference_adam, {"lr": 0.05}),
    ("adam + L2", optim.adam(0.05, weight_decay=0.1), reference_adam, {"lr": 0.05, "l2": 0.1}),
    ("adamw", optim.adamw(0.05, weight_decay=0.1), reference_adam,
     {"lr": 0.05, "decoupled_decay": 0.1}),
]


@pytest.mark.parametrize("name, opt, reference, settings", REFERENCES,
                         ids=[r[0] for r in REFERENCES])
def test_trajectory_on_the_quadratic_bowl_matches_the_published_algorithm(
        name, opt, reference, settings):
    expected = reference(BOWL.gradient, START, 200, **settings)
    actual = probml_path(opt, BOWL.gradient, START, 200)
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-12)
    assert np.linalg.norm(actual[-1]) < np.linalg.norm(START)     # it does descend


def test_adam_and_adamw_differ_exactly_by_where_the_decay_enters():
    adam_l2 = probml_path(optim.adam(0.05, weight_decay=0.1), BOWL.gradient, START, 50)
    adamw = probml_path(optim.adamw(0.05, weight_decay=0.1), BOWL.gradient, START, 50)
    assert np.max(np.abs(adam_l2 - adamw)) > 1e-3
    np.testing.assert_allclose(probml_path(optim.adamw(0.05, weight_decay=0.0),
                                           BOWL.gradient, START, 50),
                               probml_path(optim.adam(0.05), BOWL.gradient, START, 50),
                               rtol=0, atol=0)


def test_dicts_and_arrays_give_the_same_steps_and_nothing_is_changed_in_place():
    opt = optim.adam(0.1, weight_decay=0.01)
    w = np.array([1.0, -2.0])
    params = {"layer": {"w": w.copy()}, "b": np.array(0.5)}
    grads = {"layer": {"w": np.array([0.3, -0.1])}, "b": np.array(2.0)}
    frozen = json.dumps({"w": w.tolist()})
    state = opt.init(params)
    updates, new_state = opt.update(grads, state, params)
    assert json.dumps({"w": params["layer"]["w"].tolist()}) == frozen
    assert state.count == 0 and not np.any(state.slots["exp_avg"]["layer"]["w"])
    single_updates, _ = opt.update(grads["layer"]["w"], opt.init(w), w)
    np.testing.assert_array_equal(updates["layer"]["w"], single_updates)
    assert new_state.count == 1


def test_learning_rate_is_read_from_the_state_and_follows_a_schedule():
    schedule = optim.step_decay(0.1, step_size=2, gamma=0.5)
    opt = optim.sgd(schedule)
    x, state = np.array([1.0]), opt.init(np.array([1.0]))
    seen = []
    for _ in range(5):
        seen.append(state.learning_rate)
        updates, state = opt.update(np.array([1.0]), state, x)
        assert updates[0] == -seen[-1]
    assert seen == [0.1, 0.1, 0.05, 0.05, 0.025]
    # The state's rate can be driven from outside.
    updates, _ = opt.update(np.array([1.0]), state._replace(learning_rate=0.3), x)
    assert updates[0] == -0.3


def test_clip_by_global_norm_follows_pytorch():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    clipped, norm = optim.clip_by_global_norm(grads, 2.0)
    assert norm == 5.0
    np.testing.assert_allclose(clipped["a"], [3.0 * 2.0 / (5.0 + 1e-6), 0.0])
    same, _ = optim.clip_by_global_norm(grads, 10.0)
    assert same is grads


@pytest.mark.parametrize("make, message", [
    (lambda: optim.sgd(-0.1), "learning_rate must be a number >= 0"),
    (lambda: optim.adam(np.nan), "learning_rate must be a number >= 0 or a callable, got nan"),
    (lambda: optim.adam(0.1, betas=(0.9, 1.0)), r"betas\[1\] must be a number in \[0, 1\)"),
    (lambda: optim.sgd(0.1, momentum=-0.5), r"momentum must be a number in \[0, 1\)"),
    (lambda: optim.sgd(0.1, nesterov=True), "Nesterov momentum requires momentum > 0"),
    (lambda: optim.rmsprop(0.1, alpha=1.5), r"alpha must be a number in \[0, 1\)"),
    (lambda: optim.adagrad(0.1, eps=-1.0), "eps must be a number > 0"),
    (lambda: optim.adam(eps=0.0), r"eps must be a number > 0 \(it keeps the step finite"),
    (lambda: optim.sgd("fast"), "learning_rate must be a number >= 0 or a callable, got 'fast'"),
])
def test_bad_settings_are_named(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_bad_trees_are_named():
    opt = optim.adam(0.1, weight_decay=0.1)
    params = {"w": np.zeros(2)}
    state = opt.init(params)
    with pytest.raises(ValueError, match="needs the parameters"):
        opt.update({"w": np.ones(2)}, state)
    with pytest.raises(ValueError, match=r"keys \['v'\].*keys \['w'\]"):
        opt.update({"v": np.ones(2)}, state, params)
    with pytest.raises(ValueError, match=r"grads\['w'\] has shape \(3,\)"):
        opt.update({"w": np.ones(3)}, state, params)
    with pytest.raises(ValueError, match="NaN or infinite"):
        opt.init({"w": np.array([np.nan])})
    with pytest.raises(TypeError, match="real numbers"):
        opt.init({"w": "abc"})
