r"""Test functions for optimizers, each with its gradient and its known answer.

* :class:`QuadraticBowl`: a convex quadratic with a chosen condition number,
  where gradient descent zig-zags and the largest stable step is
  :math:`2/\lambda_{\max}`;
* :class:`Rosenbrock`: a curved, narrow valley;
* :class:`Saddle`: :math:`x^2 - y^2`, whose stationary point is not a minimum;
* :class:`TiltedDoubleWell`: a one-dimensional function with a local and a
  global minimum, where plain gradient descent stops in the nearer (local)
  one and momentum carries on to the global one.

Points are arrays whose *first* axis holds the coordinates, so ``value``
and ``gradient`` take one point of shape ``(d,)`` or a whole grid of shape
``(d, ...)`` (for contour plots) alike.

Examples
--------
>>> bowl = QuadraticBowl(condition_number=10.0)
>>> float(bowl.value(np.array([1.0, 1.0]))), bowl.max_stable_learning_rate
(5.5, 0.2)
>>> well = TiltedDoubleWell()
>>> round(well.local_minimum, 4), round(well.global_minimum, 4)
(1.3322, -1.484)
"""

import numpy as np

from .._validation import POSITIVE, Integer, Real, check_array_finite

__all__ = ["QuadraticBowl", "Rosenbrock", "Saddle", "TiltedDoubleWell"]

_FINITE = Real()


def _point(x, dim):
    x = check_array_finite(x, "x")
    if x.ndim == 0 or x.shape[0] != dim:
        raise ValueError(f"x must be a point with {dim} coordinate(s) along its first axis "
                         f"(or a grid of them), got shape {x.shape}.")
    return x


def _finite(value, what):
    """``value``, or a clear error when the function overflows at these points."""
    if not np.all(np.isfinite(value)):
        raise ValueError(f"the {what} overflows float64 at x: the point is too far out.")
    return value


class QuadraticBowl:
    r"""A convex quadratic :math:`f(x) = \tfrac12 (x - x^*)^\top A (x - x^*)`.

    :math:`A = R \operatorname{diag}(\lambda_1, \dots, \lambda_d) R^\top`
    with eigenvalues spaced evenly from 1 to the condition number
    :math:`\kappa`, rotated by ``angle`` in the plane of the first two
    coordinates.  Gradient descent converges for learning rates below
    :math:`2/\lambda_{\max}` and needs about :math:`\kappa` steps per digit.

    Parameters
    ----------
    condition_number : float
        :math:`\kappa = \lambda_{\max}/\lambda_{\min} \ge 1`.
    dim : int
        Number of coordinates, >= 2.
    angle : float
        Rotation of the eigenvectors, in radians.
    minimizer : array_like, optional
        :math:`x^*`; the origin by default.
    """

    def __init__(self, condition_number=10.0, dim=2, angle=0.0, minimizer=None):
        condition_number = Real(1, 1e15)(condition_number, "condition_number")
        dim = Integer(2, 10_000)(dim, "dim")
        angle = _FINITE(angle, "angle")
        self.condition_number, self.dim, self.angle = condition_number, dim, angle
        self.eigenvalues = np.linspace(1.0, condition_number, self.dim)
        rotation = np.eye(self.dim)
        c, s = np.cos(angle), np.sin(angle)
        rotation[:2, :2] = [[c, -s], [s, c]]
        self.hessian = rotation @ np.diag(self.eigenvalues) @ rotation.T
        if minimizer is None:
            self.minimizer = np.zeros(self.dim)
        else:
            self.minimizer = check_array_finite(minimizer, "minimizer").copy()
            if self.minimizer.shape != (self.dim,):
                raise ValueError(f"minimizer must have shape ({self.dim},), got "
                                 f"{self.minimizer.shape}.")
        self.minimum = 0.0

    @property
    def max_stable_learning_rate(self):
        r""":math:`2/\lambda_{\max}`: gradient descent diverges at or above this step."""
        return 2.0 / float(self.eigenvalues[-1])

    def _offset(self, x):
        x = _point(x, self.dim)
        with np.errstate(over="ignore"):
            return _finite(x - self.minimizer.reshape((self.dim,) + (1,) * (x.ndim - 1)),
                           "offset from the minimizer")

    def value(self, x):
        d = self._offset(x)
        with np.errstate(over="ignore", invalid="ignore"):
            return _finite(0.5 * np.einsum("i...,ij,j...->...", d, self.hessian, d), "value")

    def gradient(self, x):
        with np.errstate(over="ignore", invalid="ignore"):
            return _finite(np.einsum("ij,j...->i...", self.hessian, self._offset(x)),
                           "gradient")


class Rosenbrock:
    r"""Rosenbrock's banana function :math:`f(x, y) = (a - x)^2 + b(y - x^2)^2`.

    Its minimum, :math:`f = 0` at :math:`(a, a^2)`, lies in a long curved
    valley: finding the valley is easy, following it is slow.
    """

    def __init__(self, a=1.0, b=100.0):
        self.a = Real(-1e150, 1e150, meaning=" (so that the minimizer (a, a^2) is "
                      "representable)")(a, "a")
        self.b = POSITIVE(b, "b")
        self.minimizer = np.array([self.a, self.a ** 2])
        self.minimum = 0.0

    def value(self, x):
        x, y = _point(x, 2)
        with np.errstate(over="ignore", invalid="ignore"):
            return _finite((self.a - x) ** 2 + self.b * (y - x * x) ** 2, "value")

    def gradient(self, x):
        x, y = _point(x, 2)
        with np.errstate(over="ignore", invalid="ignore"):
            inner = y - x * x
            return _finite(np.stack([-2.0 * (self.a - x) - 4.0 * self.b * x * inner,
                                     2.0 * self.b * inner]), "gradient")


class Saddle:
    r"""The saddle :math:`f(x, y) = x^2 - y^2`.

    The gradient vanishes at the origin, a minimum along :math:`x` and a
    maximum along :math:`y`.  Gradient descent started exactly on the
    :math:`x` axis converges to the saddle; any offset in :math:`y` grows by
    a factor :math:`1 + 2\gamma` per step and escapes.  The function is
    unbounded below, so there is no minimum.
    """

    stationary_point = np.zeros(2)

    def value(self, x):
        x, y = _point(x, 2)
        with np.errstate(over="ignore", invalid="ignore"):
            return _finite(x * x - y * y, "value")

    def gradient(self, x):
        x, y = _point(x, 2)
        with np.errstate(over="ignore"):
            return _finite(np.stack([2.0 * x, -2.0 * y]), "gradient")


class TiltedDoubleWell:
    r"""A one-dimensional double well :math:`f(x) = x^4/4 - x^2 + c\,x`, tilted by :math:`c`.

    For :math:`0 < c < 4\sqrt{6}/9` it has two minima; the tilt makes the
    left one (negative :math:`x`) the global minimum and the right one a
    local minimum, separated by a maximum near :math:`x = c/2`.  Started at
    ``x = 2.5``, gradient descent settles in the local minimum; with momentum
    0.9 it crosses the barrier to the global one.

    The stationary points are the real roots of :math:`f'(x) = x^3 - 2x + c`.
    """

    def __init__(self, tilt=0.3):
        tilt = Real(0, 4 * np.sqrt(6) / 9, closed="neither",
                    meaning=" (below 4 sqrt(6)/9 for two minima)")(tilt, "tilt")
        self.tilt = tilt
        roots = np.sort(np.roots([1.0, 0.0, -2.0, tilt]).real)
        self.global_minimum, self.barrier, self.local_minimum = (float(r) for r in roots)
        self.minimizer = np.array([self.global_minimum])
        self.minimum = float(self.value(self.minimizer)[()])

    def value(self, x):
        (x,) = _point(x, 1)
        with np.errstate(over="ignore", invalid="ignore"):
            return _finite(x ** 4 / 4.0 - x * x + self.tilt * x, "value")

    def gradient(self, x):
        (x,) = _point(x, 1)
        with np.errstate(over="ignore", invalid="ignore"):
            return _finite(np.stack([x ** 3 - 2.0 * x + self.tilt]), "gradient")
