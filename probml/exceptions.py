"""Named warnings and errors raised by probml.

Every warning probml emits is a subclass of :class:`ProbmlWarning`, so a user
can silence or escalate all of them at once, and each names the statistical
situation it reports (collinearity, non-convergence, ...), not the code path.
"""

import contextlib
import functools
import os
import sys
import warnings

__all__ = [
    "BoundaryMaximumWarning",
    "CollinearityWarning",
    "ConvergenceWarning",
    "DataConversionWarning",
    "DivergenceError",
    "FeatureNamesWarning",
    "FlatLikelihoodWarning",
    "InvalidParameterError",
    "NonConvexWarning",
    "NotFittedError",
    "NumericalAccuracyWarning",
    "PerfectFitWarning",
    "PerfectSeparationWarning",
    "ProbmlWarning",
    "UnboundedLikelihoodError",
    "UndefinedStatisticWarning",
]


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
# Standard-library frames that can stand between two probml frames (a cached property, a
# context manager): they are passed over on the way out to the user's line.
_PLUMBING = frozenset(os.path.abspath(module.__file__) for module in (functools, contextlib))


def user_stacklevel():
    """The ``stacklevel`` that attributes a warning, raised by the caller of this
    function, to the first frame outside probml (the user's line), however deep
    inside the package it is raised (as pandas' ``find_stack_level``).

    Frames of ``functools`` and ``contextlib`` between probml frames are passed
    over; counting frames by hand breaks whenever the call depth varies (a
    public function called directly, through an estimator, or from a module's
    top level, where a level too many names ``sys:1``).
    """
    frame, level = sys._getframe(1), 1
    while frame is not None and (frame.f_code.co_filename.startswith(_PACKAGE)
                                 or frame.f_code.co_filename in _PLUMBING):
        frame, level = frame.f_back, level + 1
    return level


def warn(message, category):
    """``warnings.warn(message, category)`` attributed to the user's line (the first
    frame outside probml, see :func:`user_stacklevel`), wherever probml raises it."""
    warnings.warn(message, category, stacklevel=user_stacklevel())


class InvalidParameterError(ValueError, TypeError):
    """An argument lies outside its domain (a negative penalty, a level of 1, a string flag).

    Raised by every probml function and estimator when a parameter is not
    what its documentation allows; the message names the parameter, states
    its domain and shows the value given.  It derives from both
    :class:`ValueError` and :class:`TypeError` (as scikit-learn's error of
    the same name does), so either ``except`` clause catches it.
    """


class NotFittedError(ValueError, AttributeError):
    """An estimator was used before ``fit`` was called.

    Inherits from both :class:`ValueError` and :class:`AttributeError`, as
    scikit-learn's error of the same name does, so code written for either
    library catches it.
    """


class DivergenceError(FloatingPointError, ValueError):
    """An iterative fit diverged: its loss, gradient or parameters stopped being finite.

    Raised instead of returning NaN or run-away parameters.  The message
    names the iteration and the learning rate; ``history`` holds what was
    recorded up to that point, so the run-away can be plotted.  It is also a
    :class:`ValueError`: the learning rate it reports is an argument too
    large for the problem.
    """

    def __init__(self, message, history=None):
        super().__init__(message)
        self.history = history


class UnboundedLikelihoodError(DivergenceError):
    """The log-likelihood (or log posterior) grows without bound: there is no maximum.

    Raised when the objective keeps rising along a direction of the
    parameters however far it is followed (a misspelt parameter that made a
    second one, a scale collapsing onto data with no spread), rather than
    returning wherever Newton's method stopped.  The message names the
    direction in the model's parameter names.  A supremum approached at the
    edge of a domain at a finite value (a Poisson rate of 0 for all-zero
    counts, separated classes) is not this error but a
    :class:`BoundaryMaximumWarning`.

    Attributes
    ----------
    direction : dict
        ``{parameter name: component}`` of the direction on the fit's free
        scale (log- and logit-transformed parameters on that scale), the
        largest component 1 in size.
    """

    def __init__(self, message, direction=None):
        super().__init__(message)
        self.direction = direction or {}


class ProbmlWarning(UserWarning):
    """Base class of every warning probml emits."""


class CollinearityWarning(ProbmlWarning):
    """The design matrix is rank deficient: some coefficients are not identified.

    The fit still returns the minimum-norm least-squares solution, but the
    coefficients of the collinear columns (named in the message) individually
    mean nothing; only their identified combinations do.
    """


class ConvergenceWarning(ProbmlWarning):
    """An iterative fit stopped at its iteration limit before converging."""


class NonConvexWarning(ProbmlWarning):
    """The objective is not convex, so the fit is a local minimum that depends on its start."""


class BoundaryMaximumWarning(ConvergenceWarning):
    """The likelihood rises towards the edge of a parameter's domain: no interior maximum.

    A Bernoulli sample of all zeros (the MLE of p is 0), a Poisson sample of
    zeros, a scale that collapses to 0, the dispersion of a negative binomial
    fitted to counts that are not overdispersed (its maximum is at alpha = 0,
    the Poisson model): the supremum is on the boundary, where the
    information is degenerate and Wald's standard errors mean nothing.  The
    fit reports the boundary (or where it stopped, when the edge is at
    infinity) and sets the affected standard errors to NaN.
    """


class PerfectSeparationWarning(BoundaryMaximumWarning):
    """The classes are (quasi-)completely separated, so the MLE does not exist.

    Some direction of the coefficients classifies every sample correctly (or
    ties on a boundary), so the likelihood keeps rising as the coefficients
    grow without bound.  The returned coefficients are wherever the iterations
    stopped, and their standard errors are meaningless, so they are set to
    NaN.  A penalised fit (the MAP under a Gaussian prior) exists.  It is the
    boundary maximum of a binary or binomial response: the fitted probabilities
    reach 0 and 1, the edges of their domain.
    """


class FlatLikelihoodWarning(ConvergenceWarning):
    """The information matrix is singular at the fit: some direction is not identified.

    A parameter that the data do not inform (it cancels, or only a product of
    two parameters matters), or coefficients that run off to infinity
    (separated classes) leave the log-likelihood flat in some direction; the
    standard errors along it are undefined (NaN).
    """


class PerfectFitWarning(ProbmlWarning):
    """The data are fitted exactly: the estimated noise variance is zero.

    With no residual scatter the Gaussian likelihood is unbounded, so the
    log-likelihood is +inf (AIC and BIC -inf), the standard
    errors are 0 and the test statistics infinite.  The estimates themselves
    are exact; it is the uncertainty about them that the data cannot measure.
    """


class UndefinedStatisticWarning(ProbmlWarning):
    """A statistic is undefined for these data and is reported as NaN.

    For instance the unbiased variance of a single observation, or a
    residual variance when the model uses up every degree of freedom.  The
    message names the statistic and why.
    """


class NumericalAccuracyWarning(ProbmlWarning):
    """Conditioning limits how many digits of the estimates can be trusted.

    Raised when fewer than six significant digits of the coefficients or of
    their standard errors are trustworthy (the estimate is in the fit's
    ``accuracy_digits_``).  The message gives the condition number and what
    helps: centring and rescaling the columns, dropping near-collinear ones,
    or an exact solver.
    """


class FeatureNamesWarning(ProbmlWarning):
    """``X`` at prediction time has (or lacks) column names that differ from those seen in ``fit``.

    The columns are used by position, as scikit-learn does; the warning is a
    reminder to check their order.
    """


class DataConversionWarning(ProbmlWarning):
    """Input was accepted in a different shape or type than expected.

    Raised, for instance, when ``y`` is a column vector of shape ``(n, 1)``
    where a 1-D array was expected; the column is used as the target.
    """
