r"""The bias-variance decomposition, by simulation and exactly for linear smoothers.

For a prediction :math:`\hat f(x)` fitted on a random training sample, and a
new observation :math:`y = f(x) + \varepsilon` with noise variance
:math:`\sigma^2` independent of the sample,

.. math:: E\big[(y - \hat f(x))^2\big]
   = \underbrace{\big(E\hat f(x) - f(x)\big)^2}_{\text{bias}^2}
   + \underbrace{\operatorname{Var}\hat f(x)}_{\text{variance}}
   + \underbrace{\sigma^2}_{\text{noise}}.

:func:`bias_variance_decomposition` refits an estimator on fresh samples from
a known truth and measures each term; :func:`linear_smoother_bias_variance`
gives them exactly, without simulation, for least squares and Ridge on a
fixed design, where :math:`\hat f(x) = s(x)^\top y`: the bias is
:math:`s(x)^\top f(X) - f(x)` and the variance :math:`\sigma^2\lVert s(x)\rVert^2`.
"""

from dataclasses import dataclass

import numpy as np

from .._blocks import column_sums_of_squares
from .._validation import (
    BOOLEAN,
    SEED,
    Function,
    Integer,
    Real,
    check_matrix,
    check_nonnegative,
    check_squares_representable,
    check_vector,
)
from .cross_validation import clone

# sigma is squared in every result, so its square must be a double.
_NOISE_STD = Real(0, 1e150, meaning=" (its square must be representable)")

__all__ = [
    "BiasVariance",
    "RegressionProblem",
    "bias_variance_decomposition",
    "linear_smoother_bias_variance",
]


@dataclass
class RegressionProblem:
    r"""A known truth to sample training sets from: :math:`y = f(x) + N(0, \sigma^2)`.

    Parameters
    ----------
    true_function : callable
        :math:`f`, from an (n, p) array to an (n,) array.
    sample_inputs : callable or ndarray
        ``sample_inputs(rng, n)`` returning an (n, p) array, or a fixed design
        (the same inputs in every sample, as the exact formulas assume).
    noise_std : float
        :math:`\sigma`.
    n_samples : int
        Rows per training sample (ignored for a fixed design).
    """

    true_function: object
    sample_inputs: object
    noise_std: float
    n_samples: int = 50

    def __post_init__(self):
        Function()(self.true_function, "true_function")
        if not callable(self.sample_inputs):
            check_matrix(self.sample_inputs, "sample_inputs")
        self.noise_std = _NOISE_STD(self.noise_std, "noise_std")
        self.n_samples = Integer(1, 10 ** 7)(self.n_samples, "n_samples")

    def truth(self, X):
        """:math:`f(X)`, checked: one finite value per row."""
        try:
            values = np.asarray(self.true_function(X), dtype=float)
        except (TypeError, ValueError, ArithmeticError) as error:
            raise ValueError(f"true_function failed on inputs of shape {X.shape}: "
                             f"{type(error).__name__}: {error}") from None
        if values.shape != (X.shape[0],) or not np.all(np.isfinite(values)):
            raise ValueError(f"true_function must return one finite value per row of its "
                             f"(n, p) input, got shape {values.shape}.")
        return values

    def inputs(self, rng):
        if callable(self.sample_inputs):
            X, _ = check_matrix(self.sample_inputs(rng, self.n_samples), "inputs")
            return X
        X, _ = check_matrix(self.sample_inputs, "inputs")
        return X

    def sample(self, rng):
        """A training sample ``(X, y)``."""
        X = self.inputs(rng)
        return X, self.truth(X) + rng.normal(0.0, self.noise_std, X.shape[0])


@dataclass
class BiasVariance:
    """Squared bias, variance and noise per evaluation point, and their averages.

    ``expected_error`` is measured directly (by simulation) or equals the sum
    (exact formulas); ``expected_error_se`` is its Monte-Carlo standard error
    (0 when exact).
    """

    x_eval: np.ndarray
    bias2: np.ndarray
    variance: np.ndarray
    noise: float
    expected_error: np.ndarray
    expected_error_se: np.ndarray

    @property
    def total(self):
        """bias^2 + variance + noise, per point."""
        return self.bias2 + self.variance + self.noise

    def mean(self):
        """The decomposition averaged over the evaluation points, as a dict."""
        return {"bias2": float(self.bias2.mean()), "variance": float(self.variance.mean()),
                "noise": self.noise, "total": float(self.total.mean()),
                "expected_error": float(self.expected_error.mean())}


# Fits a decomposition may make: each is a fit, and at this many the Monte Carlo error of
# the terms is about 1% of their spread (a call stays within seconds).
MAX_REPEATS = 10_000


def bias_variance_decomposition(estimator, data_generator, x_eval, n_repeats=200, rng=None):
    """Measure bias, variance and expected squared error by refitting on fresh samples.

    Parameters
    ----------
    estimator : object with ``fit`` and ``predict``
    data_generator : RegressionProblem
    x_eval : array-like of shape (m, p)
        Where to evaluate the predictions.
    n_repeats : int
        Training samples drawn, from 2 to ``MAX_REPEATS`` (10,000: each is a fit, and
        the Monte Carlo error of the terms is then about 1% of their spread).
    rng : int, Generator or None

    Returns
    -------
    BiasVariance
        The measured expected error (each repeat also draws a fresh noisy
        observation at every evaluation point) sits within a few standard
        errors of ``bias2 + variance + noise``.
    """
    if not hasattr(estimator, "fit") or not hasattr(estimator, "predict"):
        raise TypeError(f"estimator must have fit and predict, got {estimator!r}.")
    if not isinstance(data_generator, RegressionProblem):
        raise TypeError(f"data_generator must be a RegressionProblem, got {data_generator!r}.")
    n_repeats = Integer(2, MAX_REPEATS, meaning=" (each is a fit)")(n_repeats, "n_repeats")
    rng = np.random.default_rng(SEED(rng, "rng"))
    x_eval, _ = check_matrix(x_eval, "x_eval")
    if x_eval.shape[0] * n_repeats > 2 ** 27:
        raise ValueError(f"n_repeats * len(x_eval) = {x_eval.shape[0] * n_repeats:,} "
                         "predictions is too many to keep; use fewer.")
    truth = data_generator.truth(x_eval)
    predictions = np.empty((n_repeats, x_eval.shape[0]))
    squared_errors = np.empty_like(predictions)
    for r in range(n_repeats):
        X, y = data_generator.sample(rng)
        if X.shape[1] != x_eval.shape[1]:
            raise ValueError(f"x_eval has {x_eval.shape[1]} features but data_generator's "
                             f"inputs have {X.shape[1]}.")
        model = clone(estimator).fit(X, y)
        try:
            predictions[r] = model.predict(x_eval)
        except ValueError as error:
            raise ValueError(f"predicting at x_eval failed: {error}") from None
        observed = truth + rng.normal(0.0, data_generator.noise_std, truth.shape)
        with np.errstate(over="ignore"):
            squared_errors[r] = (observed - predictions[r]) ** 2
    with np.errstate(over="ignore", invalid="ignore"):
        mean_prediction = predictions.mean(axis=0)
        result = BiasVariance(x_eval, (mean_prediction - truth) ** 2, predictions.var(axis=0),
                              float(data_generator.noise_std) ** 2, squared_errors.mean(axis=0),
                              squared_errors.std(axis=0, ddof=1) / np.sqrt(n_repeats))
    if not all(np.all(np.isfinite(part)) for part in (result.bias2, result.variance,
                                                      result.expected_error,
                                                      result.expected_error_se)):
        raise ValueError("the squared prediction errors overflow float64: the noise_std or the "
                         "values at x_eval are too large; rescale the problem.")
    return result


def _smoother_rows(X, x_eval, alpha, fit_intercept):
    r"""The rows :math:`s(x)^\top` of the least-squares or Ridge smoother at ``x_eval``.

    With the (centred, for an unpenalised intercept) design
    :math:`X = U \Sigma V^\top`, :math:`s(x)^\top = \tfrac1n \mathbf 1^\top +
    (x - \bar x)^\top V\, \Sigma (\Sigma^2 + \alpha I)^{-1} U^\top`.  Singular
    values below rounding are directions the data do not determine: they are
    left out exactly (as :class:`~probml.Ridge` leaves them to the prior), and
    least squares refuses them.
    """
    n = X.shape[0]
    if fit_intercept:
        centre = X.mean(axis=0)
        X, x_eval = X - centre, x_eval - centre
    U, singular, Vt = np.linalg.svd(X, full_matrices=False)
    cutoff = singular.max(initial=0.0) * max(X.shape) * np.finfo(float).eps
    determined = singular > cutoff
    if alpha == 0 and np.count_nonzero(determined) < X.shape[1]:
        raise ValueError("X_train is rank deficient (collinear or constant columns, or fewer "
                         "rows than columns) and alpha = 0: the least-squares smoother is not "
                         "unique; use alpha > 0.")
    shrink = np.zeros_like(singular)
    shrink[determined] = singular[determined] / (singular[determined] ** 2 + alpha)
    rows = ((x_eval @ Vt.T) * shrink) @ U.T
    return rows + 1.0 / n if fit_intercept else rows


def linear_smoother_bias_variance(X_train, f_train, x_eval, f_eval, noise_std, alpha=0.0,
                                  fit_intercept=True):
    r"""The exact decomposition for least squares (``alpha = 0``) or Ridge on a fixed design.

    With :math:`A = [\mathbf 1, X]` and :math:`\Lambda = \operatorname{diag}(0, \alpha, \dots)`
    the prediction at :math:`x` is :math:`s(x)^\top y` with
    :math:`s(x)^\top = a(x)^\top (A^\top A + \Lambda)^{-1} A^\top`, so

    .. math:: \text{bias}(x) = s(x)^\top f(X) - f(x), \qquad
       \text{variance}(x) = \sigma^2 \lVert s(x)\rVert^2.

    The smoother is computed from the singular value decomposition of the
    centred design, never from :math:`A^\top A`, so an ill-conditioned design
    keeps its digits, and with ``alpha > 0`` a design with duplicated columns
    or more columns than rows is exact too.  Least squares on a
    rank-deficient design raises.

    Parameters
    ----------
    X_train : array-like of shape (n, p)
    f_train : array-like of shape (n,)
        The true mean response at the training inputs.
    x_eval : array-like of shape (m, p)
    f_eval : array-like of shape (m,)
    noise_std : float
    alpha : float
        Ridge penalty (probml's / scikit-learn's scaling), 0 for least squares.
    """
    X_train, _ = check_matrix(X_train, "X_train")
    x_eval, _ = check_matrix(x_eval, "x_eval")
    f_train = check_vector(f_train, "f_train", n_samples=X_train.shape[0])
    f_eval = check_vector(f_eval, "f_eval", n_samples=x_eval.shape[0])
    noise_std = _NOISE_STD(noise_std, "noise_std")
    alpha = check_nonnegative(alpha, "alpha")
    fit_intercept = BOOLEAN(fit_intercept, "fit_intercept")
    if x_eval.shape[1] != X_train.shape[1]:
        raise ValueError(f"x_eval has {x_eval.shape[1]} features but X_train has "
                         f"{X_train.shape[1]}.")
    with np.errstate(under="ignore"):
        check_squares_representable(column_sums_of_squares(X_train), X_train, "X_train")
    with np.errstate(over="ignore", invalid="ignore"):
        smoother = _smoother_rows(X_train, x_eval, alpha, fit_intercept)
        bias2 = (smoother @ f_train - f_eval) ** 2
        variance = noise_std ** 2 * np.sum(smoother ** 2, axis=1)
        expected = bias2 + variance + noise_std ** 2
    if not np.all(np.isfinite(expected)):
        raise ValueError("the squared bias or the variance overflows float64: f_train or f_eval "
                         "are too large, or x_eval lies too far outside X_train; rescale them.")
    return BiasVariance(x_eval, bias2, variance, noise_std ** 2, expected,
                        np.zeros_like(expected))
