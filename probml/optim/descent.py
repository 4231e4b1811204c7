"""Running an optimizer on a function whose gradient is known in closed form."""

import numpy as np

from .._validation import check_whole_number
from ..exceptions import DivergenceError
from .optimizers import Optimizer, apply_updates

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
    n_steps = check_whole_number(n_steps, "n_steps")
    x = np.array(start, dtype=np.float64)
    if x.ndim != 1 or not np.all(np.isfinite(x)):
        raise ValueError(f"start must be a finite point of shape (d,), got {start!r}.")
    path = np.empty((n_steps + 1, x.size))
    path[0] = x
    state = optimizer.init(x)
    for t in range(1, n_steps + 1):
        updates, state = optimizer.update(gradient(x), state, x)
        x = apply_updates(x, updates)
        if not np.all(np.isfinite(x)):
            raise DivergenceError(
                f"the iterate became non-finite at step {t} with learning rate "
                f"{state.learning_rate:g}: the run diverged. Use a smaller learning rate.",
                path[:t])
        path[t] = x
    return path
