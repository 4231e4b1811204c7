r"""First-order optimizers as pure ``init`` / ``update`` pairs.

Each factory returns an :class:`Optimizer` with two functions, in the shape
of optax:

* ``state = opt.init(params)`` builds the optimizer's state for a parameter
  tree (an array, or a dict of arrays);
* ``updates, state = opt.update(grads, state, params)`` returns the step to
  add to the parameters and the new state, changing nothing in place;
  :func:`apply_updates` adds the step.

The state is an :class:`OptimizerState`: the number of updates made
(``count``), the learning rate the next update will use
(``learning_rate``), and the optimizer's running averages (``slots``).  A
learning rate may be a number or a schedule, a function of the update count
(see :mod:`probml.optim.schedules`).

Every algorithm follows PyTorch's ``torch.optim`` formulas (the algorithm
boxes in its documentation), with the same defaults, so the same gradients
give the same steps.  In the formulas, :math:`g_t` is the gradient at step
:math:`t = 1, 2, \dots`, :math:`\gamma` the learning rate, :math:`\lambda` the
weight decay and :math:`\theta` the parameters.

Examples
--------
>>> import numpy as np
>>> opt = adam(learning_rate=0.1)
>>> params = {"w": np.array([1.0, -2.0])}
>>> state = opt.init(params)
>>> for _ in range(3):
...     grads = {"w": 2 * params["w"]}          # gradient of ||w||^2
...     updates, state = opt.update(grads, state, params)
...     params = apply_updates(params, updates)
>>> params["w"].round(4), state.count, state.learning_rate
(array([ 0.7016, -1.7006]), 3, 0.1)
"""

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

import numpy as np

from .._validation import BOOLEAN, NONNEGATIVE, POSITIVE, AnyOf, Function, Real
from ..exceptions import DivergenceError
from ._tree import (
    as_float_tree,
    check_same_structure,
    scaled_global_norm,
    tree_leaves,
    tree_map,
    tree_map_unzip,
)

_LEARNING_RATE = AnyOf(
    Real(0, None, meaning=" (a step against the gradient; 0 freezes the parameters)"),
    Function())
_BETA = Real(0, 1, closed="left")
# The adaptive methods divide by sqrt(v) + eps, and v is exactly 0 for a coordinate whose
# gradients have all been 0 (or have squares below 1e-308): eps = 0 would give 0/0 there.
_EPS = Real(0, None, closed="neither", meaning=" (it keeps the step finite where the "
            "squared gradients are 0)")

__all__ = [
    "Optimizer",
    "OptimizerState",
    "adagrad",
    "adam",
    "adamw",
    "apply_updates",
    "clip_by_global_norm",
    "gradient_descent",
    "rmsprop",
    "sgd",
]


class OptimizerState(NamedTuple):
    """The state of an optimizer between updates.

    Attributes
    ----------
    count : int
        Updates made so far.
    learning_rate : float
        The rate the next update will use, set by the optimizer from its rate
        or schedule (see :meth:`Optimizer.with_learning_rate`).
    slots : dict
        The running statistics, each a tree shaped like the parameters
        (``"exp_avg"``, ``"exp_avg_sq"``, ``"momentum_buffer"``, ...).
    """

    count: int
    learning_rate: float
    slots: dict


@dataclass(frozen=True)
class Optimizer:
    """An ``init`` / ``update`` pair, with the settings it was made with."""

    name: str
    init: Callable[[Any], OptimizerState]
    update: Callable[..., tuple]
    hyperparameters: dict = field(default_factory=dict)
    # ``update`` of one float64 vector holding all the parameters, without the
    # checks of the arguments' types and structure (the finiteness checks stay):
    # for an optimizer that works entry by entry, as all of this module's do, and a
    # caller such as the Trainer that lays the parameters end to end.
    _step: Callable[..., tuple] = field(default=None, repr=False, compare=False)
    # Builds this optimizer with another learning rate (a number or a schedule).
    _rebuild: Callable[..., "Optimizer"] = field(default=None, repr=False, compare=False)

    def with_learning_rate(self, learning_rate):
        """The same optimizer, with the same settings, at another rate or schedule.

        The learning rate belongs to the optimizer: a schedule is a function
        of the update count that it consults before each update (as optax
        chains the rate as one more transformation), so a training loop never
        sets the rate from outside.

        >>> opt = adam(0.1).with_learning_rate(lambda step: 0.1 / (1 + step))
        >>> state = opt.init(np.zeros(1))
        >>> _, state = opt.update(np.ones(1), state)
        >>> state.learning_rate
        0.05
        """
        return self._rebuild(learning_rate)

    def __repr__(self):
        settings = ", ".join(f"{key}={value!r}" for key, value in self.hyperparameters.items())
        return f"{self.name}({settings})"


def apply_updates(params, updates):
    r"""Return :math:`\theta + \Delta\theta`, leaf by leaf."""
    params = as_float_tree(params, "params", finite=False, copy=False)
    updates = as_float_tree(updates, "updates", finite=False, copy=False)
    check_same_structure(updates, params, "updates", "params")
    return tree_map(np.add, params, updates)


def clip_by_global_norm(grads, max_norm):
    r"""Scale gradients down so that their joint Euclidean norm is at most ``max_norm``.

    .. math:: g \leftarrow g \cdot \min\Bigl(1, \frac{c}{\|g\|_2 + 10^{-6}}\Bigr)

    as PyTorch's ``clip_grad_norm_`` does.  Returns the clipped gradients and
    the norm before clipping.

    Examples
    --------
    >>> clipped, norm = clip_by_global_norm({"a": np.array([3.0]), "b": np.array([4.0])}, 1.0)
    >>> norm, round(float(clipped["a"][0]), 6), round(float(clipped["b"][0]), 6)
    (5.0, 0.6, 0.8)
    """
    clipped, norm = clip_norm(as_float_tree(grads, "grads"), POSITIVE(max_norm, "max_norm"))
    return (clipped if norm + 1e-6 > max_norm else grads), norm


def clip_norm(grads, max_norm):
    """:func:`clip_by_global_norm` on validated gradients (the training loop's fast path)."""
    largest, relative = scaled_global_norm(grads)
    with np.errstate(over="ignore"):
        norm = largest * relative
    if not np.isfinite(norm):
        raise ValueError(f"grads have a Euclidean norm beyond float64 (largest entry "
                         f"{largest:.3g}); the gradient has overflowed.")
    norm = float(norm)
    scale = max_norm / (norm + 1e-6)
    if scale < 1.0:
        grads = tree_map(lambda g: g * scale, grads)
    return grads, norm


def _check_learning_rate(learning_rate):
    return _LEARNING_RATE(learning_rate, "learning_rate")


def _check_beta(value, name):
    return _BETA(value, name)


# Entries up to which Python adds a vector's entries sooner than NumPy sets up a reduction.
_PYTHON_SUM_SIZE = 64


def _all_finite(array):
    """Whether every entry is finite: one sum (NaN and inf carry through it), in full only
    when the sum itself overflows."""
    return math.isfinite(array.sum()) or bool(np.isfinite(array).all())


def _sum_of_sums(*vectors):
    """The sum of the vectors' entries, in an order fixed by their sizes: finite unless an
    entry is NaN or infinite or the sum overflows (a quick test of finiteness)."""
    total = 0.0
    for vector in vectors:
        total += (sum(vector.tolist()) if vector.size <= _PYTHON_SUM_SIZE
                  else float(np.add.reduce(vector)))
    return total


def _check_finite_leaves(grads, updates, slots, t):
    """Raise a DivergenceError naming the first of the grads, step or running statistics
    with NaN or inf.

    A non-finite gradient makes the step non-finite too, so the step and the
    statistics are checked on every update and the grads only to say where
    the failure began.
    """
    if all(_all_finite(leaf) for leaf in tree_leaves(updates)) and all(
            _all_finite(leaf) for tree in slots.values() for leaf in tree_leaves(tree)):
        return
    trees = {"grads": grads, "the updates": updates,
             **{f"the running statistics ({slot!r})": tree for slot, tree in slots.items()}}
    for name, tree in trees.items():
        if not all(np.isfinite(leaf).all() for leaf in tree_leaves(tree)):
            raise DivergenceError(
                f"{name} contain NaN or infinity at update {t}: the grads (or the step they "
                "give) overflowed. Use a smaller learning rate, or check the gradient "
                "function.")


def _checked_rate(value, count):
    """A schedule's value at update ``count``, checked as a learning rate."""
    if type(value) is float and 0.0 <= value < math.inf:
        return value + 0.0
    return _LEARNING_RATE.domains[0](value, f"learning_rate (the schedule's value at step "
                                            f"{count})")


def _make_optimizer(name, learning_rate, slot_names, leaf_update, hyperparameters,
                    uses_params=False, initial_slot=0.0):
    """Build an Optimizer from the update of one leaf.

    ``leaf_update(g, p, *slots, lr, t)`` returns ``(update, *new_slots)`` for
    one parameter array, ``t`` counting updates from 1.  It works entry by
    entry, so the optimizer's ``_step`` may be handed all parameters laid
    end to end in one vector (the Trainer does).
    """
    schedule = learning_rate if callable(learning_rate) else None

    def rate(count):
        if schedule is None:
            return learning_rate
        try:
            value = schedule(count)
        except (ValueError, TypeError) as error:
            raise ValueError(f"the learning_rate schedule failed at step {count}: "
                             f"{error}") from error
        return _checked_rate(value, count)

    def init(params):
        params = as_float_tree(params, "params")
        slots = {slot: tree_map(lambda p: np.full_like(p, initial_slot), params)
                 for slot in slot_names}
        return OptimizerState(0, rate(0), slots)

    def update(grads, state, params=None):
        if uses_params and params is None:
            raise ValueError(f"{name} with weight_decay needs the parameters: call "
                             "update(grads, state, params).")
        if not isinstance(state, OptimizerState):
            raise TypeError(f"state must be the OptimizerState from init or the last update, "
                            f"got {state!r}.")
        grads = as_float_tree(grads, "grads", finite=False, copy=False)
        if params is not None:
            params = as_float_tree(params, "params", copy=False)
        # The structure cannot change between updates, so it is checked once.
        if state.count == 0:
            check_same_structure(grads, state.slots[slot_names[0]] if slot_names else grads,
                                 "grads", "the optimizer state")
            if params is not None:
                check_same_structure(grads, params, "grads", "params")
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return step(grads, state, params)

    def step(grads, state, params=None):
        # Without weight decay the parameters are not read; grads stand in for them.
        t = state.count + 1
        results = tree_map_unzip(functools.partial(leaf_update, lr=state.learning_rate, t=t),
                                 1 + len(slot_names), grads, grads if params is None else params,
                                 *(state.slots[slot] for slot in slot_names))
        new_slots = dict(zip(slot_names, results[1:]))
        # Squared gradients overflow first (for |g| > 1e154): the step is then wrong.
        _check_finite_leaves(grads, results[0], new_slots, t)
        return results[0], OptimizerState(t, rate(t), new_slots)

    def vector_step(grads, state, params):
        # ``step`` for one vector holding every parameter (the Trainer's), unchecked.
        t = state.count + 1
        slots = state.slots
        updates, *new = leaf_update(grads, params, *[slots[slot] for slot in slot_names],
                                    lr=state.learning_rate, t=t)
        new_slots = dict(zip(slot_names, new))
        # A sum that overflowed goes to the full check too, as in _all_finite.
        if not math.isfinite(_sum_of_sums(updates, *new)):
            _check_finite_leaves(grads, updates, new_slots, t)
        return updates, OptimizerState(t, rate(t), new_slots)

    def rebuild(new_rate):
        return _make_optimizer(name, _check_learning_rate(new_rate), slot_names, leaf_update,
                               hyperparameters, uses_params, initial_slot)

    return Optimizer(name, init, update, {"learning_rate": learning_rate, **hyperparameters},
                     vector_step, rebuild)


def sgd(learning_rate=1e-3, momentum=0.0, *, dampening=0.0, nesterov=False,
        weight_decay=0.0):
    r"""Stochastic gradient descent, with optional (Nesterov) momentum.

    .. math::
       g_t &\leftarrow g_t + \lambda\theta_{t-1} \\
       b_t &= \mu b_{t-1} + (1 - \tau) g_t \quad (b_1 = g_t) \\
       d_t &= g_t + \mu b_t \ \text{(Nesterov)}, \quad d_t = b_t \ \text{(otherwise)} \\
       \theta_t &= \theta_{t-1} - \gamma d_t

    With :math:`\mu = 0`, :math:`d_t = g_t`: plain gradient descent.  The
    momentum buffer :math:`b_t` is a running sum of past gradients, so the
    step keeps moving through flat regions and across shallow local minima.
    Matches ``torch.optim.SGD``.

    Parameters
    ----------
    learning_rate : float or callable
        :math:`\gamma`, or a schedule of the update count.
    momentum : float
        :math:`\mu \in [0, 1)`.
    dampening : float
        :math:`\tau`, the share of the new gradient removed from the buffer.
    nesterov : bool
        Look ahead along the buffer (needs ``momentum > 0`` and ``dampening = 0``).
    weight_decay : float
        :math:`\lambda`, an L2 penalty :math:`\frac{\lambda}{2}\|\theta\|^2`
        added to the loss.
    """
    learning_rate = _check_learning_rate(learning_rate)
    momentum = _check_beta(momentum, "momentum")
    dampening = Real(0, 1)(dampening, "dampening")
    weight_decay = NONNEGATIVE(weight_decay, "weight_decay")
    nesterov = BOOLEAN(nesterov, "nesterov")
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError("Nesterov momentum requires momentum > 0 and dampening = 0, got "
                         f"momentum={momentum!r} and dampening={dampening!r}.")

    def leaf_update(g, p, *slots, lr, t):
        if weight_decay:
            g = g + weight_decay * p
        if not momentum:
            return (-lr * g,)
        buffer = g if t == 1 else momentum * slots[0] + (1.0 - dampening) * g
        direction = g + momentum * buffer if nesterov else buffer
        return -lr * direction, buffer

    hyper = {"momentum": momentum, "dampening": dampening, "nesterov": nesterov,
             "weight_decay": weight_decay}
    return _make_optimizer("sgd", learning_rate, ("momentum_buffer",) if momentum else (),
                           leaf_update, hyper, uses_params=bool(weight_decay))


def gradient_descent(learning_rate=0.1):
    r"""Plain gradient descent: :math:`\theta_t = \theta_{t-1} - \gamma g_t`.

    Full-batch gradients make it gradient descent; mini-batch gradients make
    the same rule stochastic gradient descent.  Equivalent to :func:`sgd`
    without momentum.

    Examples
    --------
    >>> opt = gradient_descent(0.25)
    >>> updates, state = opt.update(np.array([4.0]), opt.init(np.array([1.0])))
    >>> updates
    array([-1.])
    """
    optimizer = sgd(learning_rate)
    return Optimizer("gradient_descent", optimizer.init, optimizer.update,
                     {"learning_rate": optimizer.hyperparameters["learning_rate"]},
                     optimizer._step, gradient_descent)


def adagrad(learning_rate=1e-2, *, lr_decay=0.0, weight_decay=0.0,
            initial_accumulator_value=0.0, eps=1e-10):
    r"""AdaGrad: per-coordinate steps scaled by the root of the summed squared gradients.

    .. math::
       \tilde\gamma_t &= \gamma / (1 + (t - 1)\eta) \\
       g_t &\leftarrow g_t + \lambda\theta_{t-1} \\
       s_t &= s_{t-1} + g_t^2 \quad (s_0 = \text{initial accumulator}) \\
       \theta_t &= \theta_{t-1} - \tilde\gamma_t\, g_t / (\sqrt{s_t} + \epsilon)

    Coordinates with large past gradients take small steps, so a badly
    scaled problem is evened out; but :math:`s_t` only grows, so the steps
    shrink for ever.  Duchi, Hazan & Singer (2011); matches
    ``torch.optim.Adagrad``.
    """
    learning_rate = _check_learning_rate(learning_rate)
    lr_decay = NONNEGATIVE(lr_decay, "lr_decay")
    weight_decay = NONNEGATIVE(weight_decay, "weight_decay")
    initial_accumulator_value = NONNEGATIVE(initial_accumulator_value,
                                                  "initial_accumulator_value")
    eps = _EPS(eps, "eps")

    def leaf_update(g, p, state_sum, *, lr, t):
        if weight_decay:
            g = g + weight_decay * p
        state_sum = state_sum + g * g
        clr = lr / (1.0 + (t - 1) * lr_decay)
        return -clr * g / (np.sqrt(state_sum) + eps), state_sum

    hyper = {"lr_decay": lr_decay, "weight_decay": weight_decay,
             "initial_accumulator_value": initial_accumulator_value, "eps": eps}
    return _make_optimizer("adagrad", learning_rate, ("sum",), leaf_update, hyper,
                           uses_params=bool(weight_decay),
                           initial_slot=initial_accumulator_value)


def rmsprop(learning_rate=1e-2, *, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
            centered=False):
    r"""RMSProp: steps scaled by a running root mean square of the gradients.

    .. math::
       g_t &\leftarrow g_t + \lambda\theta_{t-1} \\
       v_t &= \alpha v_{t-1} + (1 - \alpha) g_t^2 \\
       \tilde v_t &= v_t - \bar g_t^2, \quad
       \bar g_t = \alpha \bar g_{t-1} + (1 - \alpha) g_t \ \text{(centred only)} \\
       b_t &= \mu b_{t-1} + g_t / (\sqrt{\tilde v_t} + \epsilon) \\
       \theta_t &= \theta_{t-1} - \gamma b_t
       \quad (\text{with } \mu = 0:\ \theta_t = \theta_{t-1} - \gamma g_t / (\sqrt{\tilde v_t} + \epsilon))

    AdaGrad with a forgetting average in place of the growing sum (Hinton's
    lecture 6e, 2012); matches ``torch.optim.RMSprop``.
    """
    learning_rate = _check_learning_rate(learning_rate)
    alpha = _check_beta(alpha, "alpha")
    eps = _EPS(eps, "eps")
    weight_decay = NONNEGATIVE(weight_decay, "weight_decay")
    momentum = _check_beta(momentum, "momentum")
    centered = BOOLEAN(centered, "centered")
    slot_names = ("square_avg",) + (("grad_avg",) if centered else ()) + (
        ("momentum_buffer",) if momentum else ())

    def leaf_update(g, p, square_avg, *rest, lr, t):
        if weight_decay:
            g = g + weight_decay * p
        square_avg = alpha * square_avg + (1.0 - alpha) * (g * g)
        new_slots = [square_avg]
        if centered:
            grad_avg = alpha * rest[0] + (1.0 - alpha) * g
            denom = np.sqrt(square_avg - grad_avg * grad_avg) + eps
            new_slots.append(grad_avg)
        else:
            denom = np.sqrt(square_avg) + eps
        if momentum:
            buffer = momentum * rest[-1] + g / denom
            return (-lr * buffer, *new_slots, buffer)
        return (-lr * g / denom, *new_slots)

    hyper = {"alpha": alpha, "eps": eps, "weight_decay": weight_decay, "momentum": momentum,
             "centered": centered}
    return _make_optimizer("rmsprop", learning_rate, slot_names, leaf_update, hyper,
                           uses_params=bool(weight_decay))


def _adam_family(name, learning_rate, betas, eps, weight_decay, amsgrad, decoupled):
    learning_rate = _check_learning_rate(learning_rate)
    if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2) of numbers in [0, 1), got "
                         f"{betas!r}.")
    beta1, beta2 = (_check_beta(b, f"betas[{i}]") for i, b in enumerate(betas))
    eps = _EPS(eps, "eps")
    weight_decay = NONNEGATIVE(weight_decay, "weight_decay")
    amsgrad = BOOLEAN(amsgrad, "amsgrad")
    slot_names = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if amsgrad else ())

    def leaf_update(g, p, exp_avg, exp_avg_sq, *rest, lr, t):
        decay_step = None
        if weight_decay:
            if decoupled:
                decay_step = -lr * weight_decay * p
            else:
                g = g + weight_decay * p
        exp_avg = beta1 * exp_avg + (1.0 - beta1) * g
        exp_avg_sq = beta2 * exp_avg_sq + (1.0 - beta2) * (g * g)
        bias_correction1 = 1.0 - beta1 ** t
        bias_correction2 = 1.0 - beta2 ** t
        second_moment = exp_avg_sq
        new_slots = (exp_avg, exp_avg_sq)
        if amsgrad:
            second_moment = np.maximum(rest[0], exp_avg_sq)
            new_slots += (second_moment,)
        denom = np.sqrt(second_moment) / math.sqrt(bias_correction2) + eps
        step = -(lr / bias_correction1) * exp_avg / denom
        return (step if decay_step is None else step + decay_step, *new_slots)

    hyper = {"betas": (beta1, beta2), "eps": eps, "weight_decay": weight_decay,
             "amsgrad": amsgrad}
    return _make_optimizer(name, learning_rate, slot_names, leaf_update, hyper,
                           uses_params=bool(weight_decay))


def adam(learning_rate=1e-3, betas=(0.9, 0.999), *, eps=1e-8, weight_decay=0.0,
         amsgrad=False):
    r"""Adam: momentum on the gradient, RMSProp on its square, both bias-corrected.

    .. math::
       g_t &\leftarrow g_t + \lambda\theta_{t-1} \quad \text{(coupled L2)} \\
       m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
       v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
       \hat m_t &= m_t / (1 - \beta_1^t), \qquad \hat v_t = v_t / (1 - \beta_2^t) \\
       \theta_t &= \theta_{t-1} - \gamma\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    :math:`\epsilon` is added outside the square root.  With ``amsgrad``,
    :math:`\hat v_t` uses :math:`\max(v_1, \dots, v_t)` (Reddi et al. 2018).
    The bias corrections undo the averages' start at zero: without them
    :math:`m_1` is :math:`1 - \beta_1 = 0.1` of the gradient, and the step
    :math:`m_t/\sqrt{v_t}` is :math:`(1 - \beta_1^t)/\sqrt{1 - \beta_2^t}` times
    the corrected one (3.2 at :math:`t = 1`, 6.5 at :math:`t = 10`).
    Kingma & Ba (2015), Algorithm 1; matches ``torch.optim.Adam``.

    Weight decay here is an L2 penalty added to the gradient, so it is
    rescaled by :math:`\sqrt{\hat v_t}` like the rest of the gradient; use
    :func:`adamw` for decay that is not.
    """
    return _adam_family("adam", learning_rate, betas, eps, weight_decay, amsgrad,
                        decoupled=False)


def adamw(learning_rate=1e-3, betas=(0.9, 0.999), *, eps=1e-8, weight_decay=1e-2,
          amsgrad=False):
    r"""AdamW: Adam with decoupled weight decay.

    .. math::
       \theta_{t-1} &\leftarrow \theta_{t-1}(1 - \gamma\lambda) \\
       m_t, v_t, \hat m_t, \hat v_t &\ \text{as in Adam, from the raw } g_t \\
       \theta_t &= \theta_{t-1} - \gamma\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    The decay shrinks the parameters directly instead of entering the
    gradient, so it is not divided by :math:`\sqrt{\hat v_t}`: every weight
    decays at the same rate.  Loshchilov & Hutter (2019), Algorithm 2;
    matches ``torch.optim.AdamW`` (default :math:`\lambda = 0.01`).
    """
    return _adam_family("adamw", learning_rate, betas, eps, weight_decay, amsgrad,
                        decoupled=True)
