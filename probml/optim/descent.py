"""Running an optimizer on a function whose gradient is known in closed form."""

import numpy as np

from .._validation import Integer, check_array_finite
from ..exceptions import DivergenceError
from .optimizers import Optimizer, apply_updates

# Most numbers a path may hold (1 GiB of float64).
_MAX_PATH = 2 ** 27

__all__ = ["trajectory"]


def trajectory(objective, start, optimizer, n_steps):
    r"""Every iterate of ``optimizer`` on ``objective`` from ``start``.

    .. math:: \theta_0 = \text{start}, \qquad
        \theta_{t+1} = \theta_t + \text{update}(\nabla f(\theta_t))

    The loop a teacher writes by hand (``w_list.append(w)``), for the test
    functions of :mod:`probml.optim.problems` or any gradient.

    Parameters
    ----------
    objective : object with a ``gradient`` method, or callable
        :math:`\nabla f`, from a point of shape ``(d,)`` to its gradient.
    start : array_like of shape (d,)
    optimizer : Optimizer
    n_steps : int
        Updates to make, >= 1.

    Returns
    -------
    ndarray of shape (n_steps + 1, d)
        The start, then the point after each update.

    Raises
    ------
    DivergenceError
        When an iterate stops being finite (the step is too large); the
        error's ``history`` holds the finite iterates.

    Examples
    --------
    >>> from probml import optim
    >>> path = trajectory(optim.TiltedDoubleWell(), [2.5], optim.gradient_descent(0.05), 500)
    >>> path.shape, round(float(path[-1, 0]), 4)
    ((501, 1), 1.3322)
    """
    gradient = getattr(objective, "gradient", objective)
    if not callable(gradient):
        raise TypeError(f"objective must have a gradient method or be callable, got "
                        f"{objective!r}.")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be a probml.optim Optimizer, got {optimizer!r}.")
    x = check_array_finite(start, "start").copy()
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"start must be a point of shape (d,), got shape {x.shape}.")
    n_steps = Integer(1, _MAX_PATH // x.size - 1)(n_steps, "n_steps")
    path = np.empty((n_steps + 1, x.size))
    path[0] = x
    state = optimizer.init(x)
    try:
        first = np.asarray(gradient(x), dtype=float)
    except (ValueError, TypeError) as error:
        raise ValueError(f"the objective's gradient failed at start: {error}") from None
    if first.shape != x.shape:
        raise ValueError(f"the objective's gradient at start has shape {first.shape}, but "
                         f"start has shape {x.shape}.")
    for t in range(1, n_steps + 1):
        rate = state.learning_rate
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                updates, state = optimizer.update(gradient(x), state, x)
                x = apply_updates(x, updates)
            if not np.all(np.isfinite(x)):
                raise DivergenceError("the iterate overflowed")
        except (DivergenceError, ValueError) as error:
            raise DivergenceError(
                f"the iterate became non-finite at step {t} with learning rate {rate:g} "
                f"({error}): the run from start diverged. Use a smaller learning rate, or a "
                "start nearer the minimum.", path[:t]) from None
        path[t] = x
    return path
