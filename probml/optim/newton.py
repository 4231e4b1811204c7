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
moves no parameter beyond a relative ``1e-8`` (:func:`step_is_negligible`),
or at a fixed point of double precision, where no step changes any parameter.
With ``chord=True`` the factor of one information matrix serves several steps
(each then needs only a gradient pass), refreshed when progress slows and
always at the end, so the returned information matrix belongs to the returned
estimate.
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["Evaluation", "NewtonResult", "maximise", "parameter_scale", "spd_solver",
           "step_is_negligible"]

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
# A chord step that leaves more than this share of the gradient has stopped
# converging fast: the information matrix is refreshed.
CHORD_PROGRESS = 0.25
# Chord steps are predicted to shrink by no more than this factor per step: the factor
# varies as the error's components along the information's eigenvectors die out, and
# an information pass taken too early must be repeated.
FASTEST_CONTRACTION = 0.1
# A step that does not at least halve the previous one is rounding noise.
STEP_CONTRACTION = 0.5
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
             step_tolerance=STEP_TOLERANCE):
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
        Reuse one information matrix for several steps.
    step_tolerance : float
        The relative step test; ``np.inf`` skips it (enough for a warm start).

    Returns
    -------
    NewtonResult
    """
    current = state or evaluate(theta, True)
    solve, previous, fixed_point, last_step = None, None, False, None
    def negligible(step):
        return step_tolerance == np.inf or step_is_negligible(step, theta, last_step,
                                                              step_tolerance)

    for iteration in range(max_iter + 1):
        largest = np.max(np.abs(current.gradient), initial=0.0)
        if solve is None:
            solve = spd_solver(current.information)
        step = solve(current.gradient)
        # Chord steps continue until their step too is negligible: gradient passes are
        # cheap, and the information taken then is the last one needed.
        if largest <= tol * n and stale and negligible(step):
            current, stale = evaluate(theta, True), False
            largest = np.max(np.abs(current.gradient), initial=0.0)
            solve = spd_solver(current.information)
            step = solve(current.gradient)
        if (largest <= tol * n or _below_rounding(step, theta)) and not stale and \
                negligible(step):
            return NewtonResult(theta, current, iteration, True)
        if iteration == max_iter:
            break
        # A chord step shrinks the gradient and the step by roughly constant factors:
        # when the next gradient and step should pass the tests, take the information
        # in the same pass, so that it is the last pass.
        expect_last = (chord and previous is not None and largest * largest / previous <= tol * n
                       and _next_is_negligible(step, last_step, theta, step_tolerance))
        last_step = step
        candidate, result = _line_search(evaluate, theta, step, current.value,
                                         hessian=not chord or expect_last)
        if result is None:
            break
        fixed_point = bool(np.all(np.abs(candidate - theta) <= ROUNDING * np.abs(theta)))
        theta, previous = candidate, largest
        if not chord or result.information is not None:
            current, solve, stale = result, None, False
        else:
            current, stale = result, True
            if np.max(np.abs(result.gradient)) > CHORD_PROGRESS * largest:
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
    (each measured as in :func:`step_is_negligible`).  The gradient left is then
    rounding too, and may stay above the tolerance: a location of 1e9 fitted to data
    spread by 1 is known to its last bit, where the score of each observation is
    still about 1e-7."""
    return bool(np.all(np.abs(step) <= ROUNDING * parameter_scale(theta)))


def _next_is_negligible(step, last_step, theta, tolerance):
    """Whether the step after ``step`` should be negligible, were the steps to keep
    shrinking by the factor from ``last_step`` to ``step`` (linear convergence), or
    by ``FASTEST_CONTRACTION`` if that factor is smaller."""
    if last_step is None:
        return False
    scale = parameter_scale(theta)
    with np.errstate(divide="ignore", invalid="ignore"):
        now = np.max(np.abs(step) / scale, initial=0.0)
        before = np.max(np.abs(last_step) / scale, initial=0.0)
    return bool(now < before and now * max(now / before, FASTEST_CONTRACTION) <= tolerance)


def _line_search(evaluate, theta, step, value, hessian):
    """Halve the step until the objective does not fall; None if no step keeps it up."""
    t = 1.0
    while t >= SMALLEST_STEP:
        candidate = theta + t * step
        result = evaluate(candidate, hessian)
        if result.value >= value - VALUE_SLACK * abs(value):
            return candidate, result
        t *= 0.5
    return theta, None


def step_is_negligible(step, theta, last_step, tolerance=STEP_TOLERANCE):
    r"""Whether the Newton step leaves every parameter within ``tolerance`` of its optimum.

    The per-observation gradient test alone stops early when the gradient is
    small for a reason other than being at the optimum (three positives in a
    million rows, standardised features): Newton's step is the distance to
    the optimum to first order, so each :math:`|\delta_j|` must also be below
    :math:`10^{-8}\max(|\theta_j|, 10^{-4}\lVert\theta\rVert_\infty)`.  A step
    that no longer shrinks (at least halving) is rounding noise, and counts as
    negligible: the parameters cannot get closer in double precision.
    """
    scale = parameter_scale(theta)
    if np.all(np.abs(step) <= tolerance * scale):
        return True
    return (last_step is not None
            and np.max(np.abs(step)) > STEP_CONTRACTION * np.max(np.abs(last_step)))


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
