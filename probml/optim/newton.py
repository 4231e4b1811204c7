r"""Newton's method with a backtracking line search, for a concave log-likelihood.

Maximising :math:`\ell(\theta)` (a log-likelihood, plus a log prior for a MAP
estimate), each iteration solves the Newton system with the information matrix
:math:`\mathcal I = -\nabla^2\ell` and halves the step until the objective
does not fall:

.. math:: \theta_{t+1} = \theta_t + s\,\mathcal I(\theta_t)^{-1}\nabla\ell(\theta_t),
    \qquad s \in \{1, \tfrac12, \tfrac14, \dots\}.

The solver knows no model.  It receives the **data pass**, a function
``evaluate(theta, hessian)`` returning an :class:`Evaluation` (the objective,
its gradient, the information matrix when asked for, and whatever else the
model wants back from the same pass), so the same loop fits the binary and the
multinomial logistic model, works on a chunked pass over data too large to
hold twice, and warm-starts from a pass over a subsample.

It stops when the gradient is small per observation *and* the Newton step
is negligible (by default it moves no parameter beyond a relative ``1e-8``,
:func:`relative_step`; a model may measure it in its own metric,
:func:`mean_decrement`), or at a fixed point of double precision, where no
step changes any parameter.  With ``last_step=True`` that negligible step is
then added: Newton's convergence is quadratic, so the estimate moves to
within about the step's square of the optimum at no cost, while the
information matrix, from the last pass, is the one a negligible step away.

With ``chord=True`` the factor of one information matrix :math:`P` serves
several steps (each then needs only a gradient pass), refreshed when progress
slows and always at the end, so the returned information matrix is exact.
The chord steps :math:`f_k = P^{-1}\nabla\ell(\theta_k)` are accelerated
(Anderson 1965; Walker and Ni 2011): the next point is

.. math:: \theta_{k+1} = \theta_k + f_k - (\Delta\Theta + \Delta F)\gamma,
    \qquad \gamma = \arg\min_\gamma \lVert f_k - \Delta F\gamma\rVert_P,

with :math:`\Delta\Theta, \Delta F` the differences of the last few points
and chord steps.  On the locally quadratic objective this is GMRES on
:math:`P^{-1}\mathcal I`: a preconditioner off by a share :math:`\epsilon`
(a subsample's information) gains a factor of about :math:`\epsilon/2` per
pass rather than :math:`\epsilon`.
"""

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Evaluation", "NewtonResult", "maximise", "mean_decrement", "parameter_scale",
           "relative_step", "spd_solver"]

# A step that moves no parameter by more than this share of its value is rounding:
# the iteration has reached its fixed point in double precision.
ROUNDING = 8.0 * np.finfo(float).eps
# A Newton step below this, relative to the parameters, leaves them within about that
# of the optimum (the step is the error to first order): 1e-6 agreement with the
# exact optimum needs it well below 1e-6.
STEP_TOLERANCE = 1e-8
# The line search accepts a value below the current one by rounding (1e-13 of it):
# near the optimum the objective is flat to double precision.
VALUE_SLACK = 1e-13
# Halving the step below this share of the Newton step means no step improves the
# objective in double precision: the iteration has stalled.
SMALLEST_STEP = 1e-10
# Chord steps that leave more than this share of the gradient per step (over the last
# two: an accelerated step can pause while it gathers history) have stopped converging
# fast: the information matrix is refreshed.
CHORD_PROGRESS = 0.25
# Chord steps are predicted to shrink by no more than this factor per step: the factor
# varies as the error's components along the information's eigenvectors die out, and
# an information pass taken too early must be repeated.
FASTEST_CONTRACTION = 0.1
# Chord steps are accelerated with the differences of at most this many previous ones,
# dropping combinations of them below this share of the largest (rounding)...
ANDERSON_DEPTH, ANDERSON_RCOND = 5, 1e-10
# ...and not at all when the extrapolated step is longer than this many plain steps (on a
# quadratic, with the preconditioner's eigenvalues within a factor of two of the
# information's, it is at most about three).
ANDERSON_LONGEST = 4.0
# A step from the exact information that does not at least halve the previous one is
# rounding noise, when it moves no parameter by more than a millionth (an information
# matrix with a condition number up to 1e10 leaves noise below that); a larger one
# that does not shrink is the likelihood running off (separated classes).
STEP_CONTRACTION, ROUNDING_STEP = 0.5, 1e-6
# Coefficients smaller than this share of the largest are measured against it.
SMALL_COEFFICIENT = 1e-4
# The ridge added to a singular information matrix, relative to its mean diagonal.
JITTER = 1e-10


@dataclass
class Evaluation:
    """One pass over the data at ``theta``.

    Attributes
    ----------
    value : float
        The objective (log-likelihood plus log prior).
    gradient : ndarray of shape (k,)
    information : ndarray of shape (k, k) or None
        :math:`-\\nabla^2` of the objective; None from a pass without it.
    extra : object
        What else the model computed in the same pass (the log-likelihood
        without the prior, the smallest weight, the probabilities, ...).
    """

    value: float
    gradient: np.ndarray
    information: np.ndarray = None
    extra: object = None


@dataclass
class NewtonResult:
    """Where Newton's method stopped.

    Attributes
    ----------
    theta : ndarray
    evaluation : Evaluation
        The pass at ``theta``, with its information matrix.
    n_iter : int
    converged : bool
        The gradient and step tests passed, or a fixed point of double
        precision was reached.
    """

    theta: np.ndarray
    evaluation: Evaluation
    n_iter: int
    converged: bool


def maximise(evaluate, theta, *, tol, n, max_iter, state=None, chord=False, stale=False,
             step_tolerance=STEP_TOLERANCE, step_size=None, last_step=False,
             noise_step=ROUNDING_STEP):
    """Maximise the objective of ``evaluate`` from ``theta`` by damped Newton steps.

    Parameters
    ----------
    evaluate : callable(theta, hessian: bool) -> Evaluation
        The data pass.
    theta : ndarray of shape (k,)
        The start.
    tol : float
        Converged when every ``|gradient| <= tol * n`` (a per-observation
        gradient) and the step is negligible.
    n : float
        The number of observations the gradient sums over.
    max_iter : int
    state : Evaluation, optional
        ``evaluate(theta, True)`` when the caller already has it; with
        ``stale=True`` its information matrix is only an approximation (a
        subsample's, scaled up), replaced before the end.
    chord : bool
        Reuse one information matrix for several (accelerated) steps.
    step_tolerance : float
        The step test: ``step_size(step) <= step_tolerance``; ``np.inf`` skips it
        (enough for a warm start).
    step_size : callable(step, theta, evaluation) -> float, optional
        How far a step moves the estimate (``evaluation`` is the pass at
        ``theta``, its information the one the step was solved with): by
        default :func:`relative_step`; :func:`mean_decrement` measures it in
        the model's own metric.
    last_step : bool
        At convergence, add the final Newton step to the estimate; the
        returned evaluation, and its information, stay those of the last pass.
    noise_step : float
        A step from the exact information that does not halve the one before
        is rounding noise, and ends the iteration, when it moves no parameter
        by more than this share (:func:`relative_step`).  ``np.inf`` counts any
        such step: for a caller that then checks whether the objective is
        still rising along it (a supremum at the edge, where each step stays
        of order one; see :mod:`probml.likelihood.problem`).

    Returns
    -------
    NewtonResult
    """
    current = state or evaluate(theta, True)
    solve, previous, fixed_point, last, last_size = None, None, False, None, None
    anderson = _Anderson(ANDERSON_DEPTH)
    size_of = step_size or (lambda step, theta, evaluation: relative_step(step, theta))

    def negligible(step, size):
        return (step_tolerance == np.inf or size <= step_tolerance
                or (last is not None and not stale and not was_stale
                    and np.max(np.abs(step)) > STEP_CONTRACTION * np.max(np.abs(last))
                    and relative_step(step, theta) <= noise_step))

    was_stale = stale
    for iteration in range(max_iter + 1):
        largest = np.max(np.abs(current.gradient), initial=0.0)
        if solve is None:
            solve, since = spd_solver(current.information), []
            anderson.clear()
        since.append(largest)
        step = solve(current.gradient)
        size = size_of(step, theta, current)
        small = bool((largest <= tol * n or _below_rounding(step, theta))
                     and negligible(step, size))
        if small and not stale:
            if last_step and np.all(np.isfinite(step)):
                theta = theta + step
            return NewtonResult(theta, current, iteration, True)
        if iteration == max_iter:
            break
        # A chord step shrinks the gradient and the step by roughly constant factors:
        # when this step is negligible, or the next should be, the pass at the next
        # point takes the information too, so that it is the last pass.
        expect_last = chord and (small or (
            previous is not None and largest * largest / previous <= tol * n
            and _next_is_negligible(size, last_size, step_tolerance)))
        last, last_size, was_stale = step, size, stale
        hessian = not chord or expect_last
        candidate, result = theta, None
        if chord:
            accelerated = anderson.direction(theta, step, current.gradient, solve.matrix)
            if accelerated is not step:     # one try; the plain chord step if it falls
                candidate, result = _line_search(evaluate, theta, accelerated, current.value,
                                                 hessian, smallest=1.0)
                if result is None:
                    anderson.clear()
        if result is None:
            candidate, result = _line_search(evaluate, theta, step, current.value, hessian)
        if result is None:
            break
        fixed_point = bool(np.all(np.abs(candidate - theta) <= ROUNDING * np.abs(theta)))
        theta, previous = candidate, largest
        if not chord or result.information is not None:
            current, solve, stale = result, None, False
        else:
            current, stale = result, True
            steps = min(len(since), 2)
            if np.max(np.abs(result.gradient)) > CHORD_PROGRESS ** steps * since[-steps]:
                current, solve, stale = evaluate(theta, True), None, False
            else:                     # the chord: keep the matrix being factored
                current.information = solve.matrix
        if fixed_point:         # a tol below rounding cannot be met, nor improved on
            break
    if stale or current.information is None:
        current = evaluate(theta, True)
    return NewtonResult(theta, current, iteration + fixed_point, fixed_point)


def _below_rounding(step, theta):
    """Whether Newton's step moves no parameter beyond the rounding of the parameters
    (each measured as in :func:`relative_step`).  The gradient left is then
    rounding too, and may stay above the tolerance: a location of 1e9 fitted to data
    spread by 1 is known to its last bit, where the score of each observation is
    still about 1e-7."""
    return bool(np.all(np.abs(step) <= ROUNDING * parameter_scale(theta)))


class _Anderson:
    r"""Anderson acceleration of the chord steps of one preconditioner :math:`P`.

    It keeps the last ``depth + 1`` points, chord steps :math:`f = P^{-1}g` and
    gradients :math:`g`.  Since :math:`P\,\Delta F = \Delta G`, the
    least-squares problem in the :math:`P`-norm (which does not depend on the
    parameters' units) has the normal equations
    :math:`\Delta F^\top \Delta G\,\gamma = \Delta F^\top g`, of size ``depth``.
    """

    def __init__(self, depth):
        self.depth = depth
        self.clear()

    def clear(self):
        self.points, self.steps, self.gradients = [], [], []

    def direction(self, theta, step, gradient, matrix):
        """The accelerated step from ``theta``, or ``step`` itself (too little history, or
        an extrapolation longer than ``ANDERSON_LONGEST`` times ``step`` in the P-norm:
        differences drowned in rounding)."""
        for history, value in ((self.points, theta), (self.steps, step),
                               (self.gradients, gradient)):
            history.append(value)
            del history[:-self.depth - 1]
        if len(self.points) < 2:
            return step
        d_theta, d_step, d_gradient = (np.diff(history, axis=0).T for history in
                                       (self.points, self.steps, self.gradients))
        gram = d_step.T @ d_gradient
        gamma = np.linalg.lstsq(0.5 * (gram + gram.T), d_step.T @ gradient,
                                rcond=ANDERSON_RCOND)[0]
        accelerated = step - (d_theta + d_step) @ gamma
        length, plain = accelerated @ matrix @ accelerated, step @ gradient
        if not (np.all(np.isfinite(accelerated)) and length <= ANDERSON_LONGEST ** 2 * plain):
            self.clear()
            return step
        return accelerated


def _next_is_negligible(now, before, tolerance):
    """Whether the step after one of size ``now`` should be below ``tolerance``, were the
    steps to keep shrinking by the factor from the one before (of size ``before``;
    linear convergence), or by ``FASTEST_CONTRACTION`` if that factor is smaller."""
    if before is None:
        return False
    return bool(now < before and now * max(now / before, FASTEST_CONTRACTION) <= tolerance)


def _line_search(evaluate, theta, step, value, hessian, smallest=SMALLEST_STEP):
    """Halve the step until the objective does not fall; None if no step down to
    ``smallest`` of it keeps it up."""
    t = 1.0
    while t >= smallest:
        candidate = theta + t * step
        result = evaluate(candidate, hessian)
        if result.value >= value - VALUE_SLACK * abs(value):
            return candidate, result
        t *= 0.5
    return theta, None


def relative_step(step, theta):
    r"""The largest move of a parameter relative to its scale,
    :math:`\max_j |\delta_j| / \max(|\theta_j|, 10^{-4}\lVert\theta\rVert_\infty)`
    (:func:`parameter_scale`): the default size of a step in :func:`maximise`.

    The per-observation gradient test alone stops early when the gradient is
    small for a reason other than being at the optimum (three positives in a
    million rows, standardised features): Newton's step is the distance to
    the optimum to first order, so it must be small too.

    >>> relative_step(np.array([1e-9, 1e-9]), np.array([0.1, 0.0]))  # 1e-9 / (1e-4 * 0.1)
    0.0001
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.abs(step) / parameter_scale(theta)
    return float(np.max(np.nan_to_num(ratio, nan=0.0, posinf=np.inf), initial=0.0))


def mean_decrement(step, gradient, total):
    r"""Newton's decrement per unit of ``total``, :math:`\sqrt{\delta^\top g / W}`.

    For Newton's step :math:`\delta = \mathcal I^{-1} g`,
    :math:`\delta^\top g = \delta^\top \mathcal I\,\delta` is twice the gain
    in the objective the step promises; it does not depend on the
    parameters' units.  For a model of a linear predictor,
    :math:`\mathcal I = \sum_i w_i a_i a_i^\top` and it is
    :math:`\sum_i w_i (a_i^\top\delta)^2`: with :math:`W = \sum_i w_i` (the
    information of an intercept) the decrement is the root mean square change
    of the linear predictor, each row weighted by :math:`w_i`.  It bounds how
    far the information moves with the step, even where few rows carry it
    (rare events), and unlike a parameter's relative step it asks nothing of
    parameters near 0.

    Without information (``total`` 0) only a step that promises nothing is 0.

    >>> mean_decrement(np.array([0.1, 0.0]), np.array([4.0, 0.0]), total=10)
    0.2
    """
    gain = max(float(step @ gradient), 0.0)
    if total > 0:
        return math.sqrt(gain / total)
    return 0.0 if gain == 0 else math.inf


def parameter_scale(theta):
    r"""What a step in each parameter is measured against: :math:`|\theta_j|`, or
    ``SMALL_COEFFICIENT`` of the largest :math:`|\theta|` for the parameters smaller than
    that (a coefficient near 0 has no relative precision of its own)."""
    return np.maximum(np.abs(theta), SMALL_COEFFICIENT * np.max(np.abs(theta), initial=0.0))


def spd_solver(matrix):
    """Solve with a symmetric positive (semi)definite matrix: Cholesky, or a jittered fallback.

    NumPy's LAPACK is used rather than SciPy's: the two libraries bring their
    own BLAS thread pools, which contend after the large products of the
    data passes and make a 200 x 200 factorisation take tens of milliseconds.
    The returned function keeps the matrix it solves with as ``.matrix``.
    """
    try:
        lower = np.linalg.cholesky(matrix)

        def solve(rhs):
            return np.linalg.solve(lower.T, np.linalg.solve(lower, rhs))
    except np.linalg.LinAlgError:
        jitter = JITTER * max(float(np.trace(matrix)) / len(matrix), 1e-300)
        shifted = matrix + jitter * np.eye(len(matrix))

        def solve(rhs):
            return np.linalg.lstsq(shifted, rhs, rcond=None)[0]
    solve.matrix = matrix
    return solve
