"""Named warnings and errors raised by probml.

Every warning probml emits is a subclass of :class:`ProbmlWarning`, so a user
can silence or escalate all of them at once, and each names the statistical
situation it reports (collinearity, non-convergence, ...), not the code path.
"""

__all__ = [
    "CollinearityWarning",
    "ConvergenceWarning",
    "DataConversionWarning",
    "DivergenceError",
    "NonConvexWarning",
    "NotFittedError",
    "PerfectSeparationWarning",
    "ProbmlWarning",
]


class NotFittedError(ValueError, AttributeError):
    """An estimator was used before ``fit`` was called.

    Inherits from both :class:`ValueError` and :class:`AttributeError`, as
    scikit-learn's error of the same name does, so code written for either
    library catches it.
    """


class DivergenceError(FloatingPointError):
    """An iterative fit diverged: its loss became infinite or NaN.

    Raised instead of returning NaN parameters.  The message names the
    iteration and the learning rate; ``history`` holds what was recorded up to
    that point, so the run-away can be plotted.
    """

    def __init__(self, message, history=None):
        super().__init__(message)
        self.history = history


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


class PerfectSeparationWarning(ConvergenceWarning):
    """The classes are (quasi-)completely separated, so the MLE does not exist.

    Some direction of the coefficients classifies every sample correctly (or
    ties on a boundary), so the likelihood keeps rising as the coefficients
    grow without bound.  The returned coefficients are wherever the iterations
    stopped, and their standard errors are meaningless, so they are set to
    NaN.  A penalised fit (the MAP under a Gaussian prior) exists.
    """


class DataConversionWarning(ProbmlWarning):
    """Input was accepted in a different shape or type than expected.

    Raised, for instance, when ``y`` is a column vector of shape ``(n, 1)``
    where a 1-D array was expected; the column is used as the target.
    """
