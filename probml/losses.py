r"""Losses as negative log-likelihoods, each with its gradient.

Every loss here is the negative log-likelihood of a noise model, up to terms
that do not depend on the prediction, averaged over the samples:

=====================================  ====================================
loss                                   likelihood it is the negative log of
=====================================  ====================================
mean squared error                     Gaussian, fixed variance
root mean squared error                Gaussian, variance profiled out
mean absolute error                    Laplace
Huber                                  Gaussian centre with Laplace tails
binary cross-entropy                   Bernoulli
categorical cross-entropy              categorical (multinoulli)
=====================================  ====================================

The gradient functions return the derivative with respect to the prediction
argument (``y_pred``, ``proba`` or ``logits``), of the same shape, so a model
gets its parameter gradient by the chain rule: for ``y_pred = X @ w`` it is
``X.T @ gradient``.  The reduction is the mean, as in PyTorch and
scikit-learn: over all entries for the regression losses and over samples
for the cross-entropies.

Cross-entropy from probabilities would take ``log(0) = -inf`` when a model is
certain and wrong.  Here the log is clamped at -100, as PyTorch does, so the
loss stays finite (each term at most 100), and the gradient's denominator is
floored at 1e-12; prefer the ``_with_logits`` forms, which need neither.

Inputs are checked (shapes, finiteness, labels, probabilities in [0, 1]);
``check_input=False`` skips the checks for callers that validated once, such
as the training loop.
"""

import numpy as np

from ._validation import POSITIVE, Integer, check_array_finite
from .functions import log_sigmoid, log_softmax, sigmoid, softmax

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_gradient",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_gradient",
    "categorical_cross_entropy",
    "categorical_cross_entropy_gradient",
    "categorical_cross_entropy_with_logits",
    "categorical_cross_entropy_with_logits_gradient",
    "huber_loss",
    "huber_loss_gradient",
    "mean_absolute_error",
    "mean_absolute_error_gradient",
    "mean_squared_error",
    "mean_squared_error_gradient",
    "one_hot",
    "root_mean_squared_error",
    "root_mean_squared_error_gradient",
]

LOG_FLOOR = -100.0
"""Cross-entropy from probabilities clamps ``log p`` at this value (PyTorch's)."""

GRADIENT_FLOOR = 1e-12
"""Smallest denominator in the cross-entropy gradients from probabilities."""

MAX_CLASSES = 2 ** 28
"""Most entries of a one-hot matrix (2 GiB of float64), and so most classes."""


# -- input checks -----------------------------------------------------------

def _as_array(a, name):
    array = check_array_finite(a, name)
    if array.size == 0:
        raise ValueError(f"{name} is empty; a loss needs at least one sample.")
    return array


def _residuals(y_true, y_pred):
    r""":math:`\hat y - y`, refusing a difference that overflows (both finite, opposite signs)."""
    with np.errstate(over="ignore"):
        r = np.subtract(y_pred, y_true, dtype=np.float64)
    if not np.all(np.isfinite(r)):
        raise ValueError("y_pred - y_true overflows float64 (values near 1e308 of opposite "
                         "signs); rescale y_true and y_pred.")
    return r


def _scaled_mean(values, what):
    r"""The mean of non-negative ``values`` as ``(s, m)`` with mean = s m, without overflow.

    :math:`s = \max_i v_i` and :math:`m = \frac1n\sum_i v_i/s \le 1`, so the
    sum cannot overflow (a plain sum of values near 1e308 does) and values
    whose products would underflow keep their digits.  ``what`` names the
    quantity in the error raised when even the mean is too large for a float64.
    """
    scale = float(np.max(values))
    if scale == 0.0:
        return 0.0, 0.0
    if not np.isfinite(scale):
        raise ValueError(f"the {what} overflows float64; rescale y_true and y_pred.")
    return scale, float(np.mean(values / scale))


def _mean_square(r):
    r""":math:`\frac1n\sum r_i^2` as ``(s, m)`` with mean square = s**2 m, from the residuals."""
    scale = float(np.max(np.abs(r)))
    if scale == 0.0:
        return 0.0, 0.0
    scaled = r / scale
    return scale, float(np.vdot(scaled, scaled)) / r.size


def _finite(value, what):
    if not np.isfinite(value):
        raise ValueError(f"the {what} overflows float64; rescale y_true and y_pred.")
    return float(value)


def _where(index):
    return index[0] if len(index) == 1 else index


def _check_pair(y_true, y_pred, pred_name="y_pred"):
    y_true, y_pred = _as_array(y_true, "y_true"), _as_array(y_pred, pred_name)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but {pred_name} has shape "
                         f"{y_pred.shape}; they must match.")
    return y_true, y_pred


def _check_binary_labels(y):
    bad = (y != 0) & (y != 1)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"binary cross-entropy needs labels in {{0, 1}}, but y_true has "
                         f"{float(y[index])!r} at index {_where(index)}; encode the classes as 0 "
                         "and 1.")


def _check_probabilities(p, name):
    bad = (p < 0) | (p > 1)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} must be probabilities in [0, 1], but it has "
                         f"{float(p[index])!r} at index {_where(index)}; pass logits to the "
                         "_with_logits form instead.")


def _check_categorical(y_true, scores, name):
    """Return the one-hot matrix of ``y_true`` for ``scores`` of shape (n, K)."""
    scores = _as_array(scores, name)
    if scores.ndim != 2:
        raise ValueError(f"{name} must be 2-D of shape (n_samples, n_classes), got shape "
                         f"{scores.shape}.")
    n, k = scores.shape
    y = _as_array(y_true, "y_true")
    if y.ndim == 1:
        if y.shape[0] != n:
            raise ValueError(f"y_true has {y.shape[0]} labels but {name} has {n} rows.")
        bad = (y != np.round(y)) | (y < 0) | (y > k - 1)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"categorical cross-entropy needs class labels in 0..{k - 1} "
                             f"(the columns of {name}), but y_true has {float(y[i])!r} at index "
                             f"{i}.")
        return one_hot(y.astype(np.intp), k), scores
    if y.shape != scores.shape:
        raise ValueError(f"y_true has shape {y.shape} but {name} has shape {scores.shape}; "
                         "pass integer labels of shape (n_samples,) or one-hot rows.")
    bad = ((y != 0) & (y != 1)) | (y.sum(axis=1, keepdims=True) != 1)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise ValueError(f"y_true must be one-hot (a single 1 in each row), but row {row} "
                         f"is {y[row]}.")
    return y, scores


def one_hot(labels, n_classes):
    """The indicator matrix ``Y[i, k] = 1 if labels[i] == k``.

    Examples
    --------
    >>> one_hot(np.array([0, 2]), 3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """
    n_classes = Integer(1, MAX_CLASSES)(n_classes, "n_classes")
    labels = check_array_finite(labels, "labels")
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D, got shape {labels.shape}.")
    bad = (labels != np.round(labels)) | (labels < 0) | (labels >= n_classes)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"labels must be whole numbers in 0..{n_classes - 1} (n_classes="
                         f"{n_classes}), but labels has {float(labels[i])!r} at index {i}.")
    if labels.shape[0] * n_classes > MAX_CLASSES:
        raise ValueError(f"a one-hot matrix of {labels.shape[0]} labels and n_classes="
                         f"{n_classes} would have more than {MAX_CLASSES:,} entries; use the "
                         "labels themselves (categorical_cross_entropy accepts them).")
    Y = np.zeros((labels.shape[0], n_classes))
    Y[np.arange(labels.shape[0]), labels.astype(np.intp)] = 1.0
    return Y


# -- regression losses ------------------------------------------------------

def mean_squared_error(y_true, y_pred, *, check_input=True):
    r"""Mean squared error, the Gaussian negative log-likelihood.

    .. math:: L = \frac{1}{n}\sum_i (\hat y_i - y_i)^2

    If :math:`y_i \sim N(\hat y_i, \sigma^2)`, then
    :math:`-\log p(y) = \frac{n}{2}\log(2\pi\sigma^2) + \frac{n}{2\sigma^2} L`:
    for any fixed :math:`\sigma`, minimising the MSE is maximum likelihood.

    Examples
    --------
    >>> mean_squared_error([1.0, 2.0], [1.0, 4.0])
    2.0
    """
    if check_input:
        y_true, y_pred = _check_pair(y_true, y_pred)
        scale, mean_square = _mean_square(_residuals(y_true, y_pred))
        with np.errstate(over="ignore"):
            return _finite(scale * scale * mean_square, "mean squared error")
    # Unchecked (the training loop): one pass, summed by NumPy in an order fixed by the
    # length alone (a BLAS dot product would sum in a CPU-dependent order).
    r = np.subtract(y_pred, y_true, dtype=np.float64)
    return float(np.add.reduce(np.multiply(r, r, out=r))) / r.size


def mean_squared_error_gradient(y_true, y_pred, *, check_input=True):
    r""":math:`\partial L/\partial \hat y_i = \frac{2}{n}(\hat y_i - y_i)` for
    :func:`mean_squared_error`.

    Examples
    --------
    >>> mean_squared_error_gradient([1.0, 2.0], [1.0, 4.0])
    array([0., 2.])
    """
    if check_input:
        y_true, y_pred = _check_pair(y_true, y_pred)
        with np.errstate(over="ignore"):
            gradient = (2.0 / y_pred.size) * _residuals(y_true, y_pred)
        if not np.all(np.isfinite(gradient)):
            raise ValueError("the gradient 2 (y_pred - y_true) / n overflows float64; rescale "
                             "y_true and y_pred.")
        return gradient
    y_pred = np.asarray(y_pred, dtype=np.float64)
    return (2.0 / y_pred.size) * np.subtract(y_pred, y_true)


def root_mean_squared_error(y_true, y_pred, *, check_input=True):
    r"""Root mean squared error, the Gaussian profile negative log-likelihood.

    .. math:: L = \sqrt{\frac{1}{n}\sum_i (\hat y_i - y_i)^2}

    With the noise variance profiled out (:math:`\hat\sigma^2 = `
    MSE), the Gaussian negative log-likelihood is
    :math:`n \log L + \frac{n}{2}(1 + \log 2\pi)`, increasing in the RMSE:
    the same minimiser as the MSE, in the units of ``y``.

    Notes
    -----
    The residuals are scaled by the largest before squaring, so an RMSE of
    1e-200 or 1e200 is exact where squaring first would underflow or
    overflow.

    Examples
    --------
    >>> root_mean_squared_error([0.0, 0.0], [3.0, 4.0])
    3.5355339059327378
    >>> root_mean_squared_error([0.0, 0.0], [3e200, 4e200]) / 1e200
    3.5355339059327373
    """
    if check_input:
        y_true, y_pred = _check_pair(y_true, y_pred)
    scale, mean_square = _mean_square(_residuals(y_true, y_pred))
    return scale * float(np.sqrt(mean_square))


def root_mean_squared_error_gradient(y_true, y_pred, *, check_input=True):
    r""":math:`\partial L/\partial \hat y_i = (\hat y_i - y_i) / (n L)`; zero at a
    perfect fit, where the RMSE has its (non-smooth) minimum.

    Examples
    --------
    >>> root_mean_squared_error_gradient([0.0, 0.0], [3.0, 4.0])
    array([0.42426407, 0.56568542])
    """
    if check_input:
        y_true, y_pred = _check_pair(y_true, y_pred)
    r = _residuals(y_true, y_pred)
    scale, mean_square = _mean_square(r)
    if scale == 0:
        return np.zeros_like(r)
    # r / (n RMSE) = (r / s) / (n sqrt(mean((r / s)^2))): no square, no overflow.
    return (r / scale) / (r.size * np.sqrt(mean_square))


def mean_absolute_error(y_true, y_pred, *, check_input=True):
    r"""Mean absolute error, the Laplace negative log-likelihood.

    .. math:: L = \frac{1}{n}\sum_i |\hat y_i - y_i|

    If :math:`y_i \sim \text{Laplace}(\hat y_i, b)`, then
    :math:`-\log p(y) = n\log(2b) + \frac{n}{b} L`.  Its minimiser over a
    constant is the median, not the mean, which makes it robust to outliers.

    Examples
    --------
    >>> mean_absolute_error([1.0, 2.0], [1.0, 4.0])
    1.0
    """
    if check_input:
        y_true, y_pred = _check_pair(y_true, y_pred)
    scale, mean = _scaled_mean(np.abs(_residuals(y_true, y_pred)), "mean absolute error")
    return _finite(scale * mean, "mean absolute error")


def mean_absolute_error_gradient(y_true, y_pred, *, check_input=True):
    r""":math:`\partial L/\partial \hat y_i = \operatorname{sign}(\hat y_i - y_i)/n`,
    with the subgradient 0 where the residual is 0.

    Its size does not shrink near the optimum, which is why gradient descent
    on the MAE with a constant step overshoots and oscillates there.

    Examples
    --------
    >>> mean_absolute_error_gradient([1.0, 2.0, 3.0], [1.0, 4.0, 0.0])
    array([ 0.        ,  0.33333333, -0.33333333])
    """
    if check_input:
        y_true, y_pred = _check_pair(y_true, y_pred)
    return np.sign(_residuals(y_true, y_pred)) / np.size(y_pred)


def _check_delta(delta):
    return POSITIVE(delta, "delta")


def huber_loss(y_true, y_pred, delta=1.0, *, check_input=True):
    r"""Huber loss: squared for small residuals, absolute for large ones.

    .. math:: L = \frac{1}{n}\sum_i \rho_\delta(\hat y_i - y_i), \qquad
       \rho_\delta(r) = \begin{cases} \tfrac12 r^2 & |r| \le \delta \\
       \delta\,(|r| - \tfrac12\delta) & |r| > \delta \end{cases}

    It is the negative log-likelihood of the density
    :math:`p(r) \propto e^{-\rho_\delta(r)}`, Gaussian in the centre and
    Laplace in the tails: Huber's least favourable distribution for a
    Gaussian contaminated by outliers.  Matches PyTorch's ``HuberLoss``.

    Examples
    --------
    >>> huber_loss([0.0, 0.0], [0.5, 3.0], delta=1.0)
    1.3125
    """
    delta = _check_delta(delta)
    if check_input:
        y_true, y_pred = _check_pair(y_true, y_pred)
    a = np.abs(_residuals(y_true, y_pred))
    with np.errstate(over="ignore"):
        terms = np.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta))
    scale, mean = _scaled_mean(terms, "Huber loss")
    return _finite(scale * mean, "Huber loss")


def huber_loss_gradient(y_true, y_pred, delta=1.0, *, check_input=True):
    r""":math:`\partial L/\partial \hat y_i = \operatorname{clip}(\hat y_i - y_i,
    -\delta, \delta)/n`: the MSE's gradient (halved) near the fit, the MAE's
    (times :math:`\delta`) far from it.

    Examples
    --------
    >>> huber_loss_gradient([0.0, 0.0], [0.5, 3.0])
    array([0.25, 0.5 ])
    """
    delta = _check_delta(delta)
    if check_input:
        y_true, y_pred = _check_pair(y_true, y_pred)
    r = _residuals(y_true, y_pred)
    return np.clip(r, -delta, delta) / r.size


# -- binary cross-entropy ---------------------------------------------------

def _check_binary(y_true, scores, name, probabilities):
    y_true, scores = _check_pair(y_true, scores, name)
    _check_binary_labels(y_true)
    if probabilities:
        _check_probabilities(scores, name)
    return y_true, scores


def binary_cross_entropy(y_true, proba, *, check_input=True):
    r"""Binary cross-entropy from probabilities, the Bernoulli negative log-likelihood.

    .. math:: L = -\frac{1}{n}\sum_i \bigl[y_i \log p_i + (1 - y_i)\log(1 - p_i)\bigr]

    the negative log of :math:`\prod_i p_i^{y_i}(1 - p_i)^{1 - y_i}`, the
    likelihood of labels :math:`y_i \in \{0, 1\}` with
    :math:`P(y_i = 1) = p_i`.  The logs are clamped at -100 (PyTorch's
    ``BCELoss``), so a certain wrong prediction costs 100, not infinity; a
    certain right one costs exactly 0.

    Examples
    --------
    >>> round(binary_cross_entropy([1, 0], [0.8, 0.2]), 6)
    0.223144
    >>> binary_cross_entropy([1, 0], [0.0, 0.0])
    50.0
    """
    if check_input:
        y_true, proba = _check_binary(y_true, proba, "proba", True)
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(proba), LOG_FLOOR)
        log_q = np.maximum(np.log1p(-np.asarray(proba, dtype=np.float64)), LOG_FLOOR)
    return float(-np.mean(y_true * log_p + np.subtract(1.0, y_true) * log_q))


def binary_cross_entropy_gradient(y_true, proba, *, check_input=True):
    r""":math:`\partial L/\partial p_i = \frac{p_i - y_i}{n\,p_i(1 - p_i)}`, the
    denominator floored at 1e-12 (PyTorch's convention) at :math:`p_i \in \{0, 1\}`.

    Examples
    --------
    >>> binary_cross_entropy_gradient([1, 0], [0.8, 0.2])
    array([-0.625,  0.625])
    """
    if check_input:
        y_true, proba = _check_binary(y_true, proba, "proba", True)
    p = np.asarray(proba, dtype=np.float64)
    return (p - y_true) / (p.size * np.maximum(p * (1.0 - p), GRADIENT_FLOOR))


def binary_cross_entropy_with_logits(y_true, logits, *, check_input=True):
    r"""Binary cross-entropy from log-odds :math:`z_i`, with :math:`p_i = \sigma(z_i)`.

    .. math:: L = -\frac{1}{n}\sum_i \bigl[y_i \log\sigma(z_i)
       + (1 - y_i)\log\sigma(-z_i)\bigr]

    The Bernoulli negative log-likelihood of logistic regression.  Computed
    through :func:`~probml.functions.log_sigmoid`, so it is exact for any
    finite logit: ``z = -1000`` with ``y = 1`` costs 1000, not ``inf``.

    Examples
    --------
    >>> round(binary_cross_entropy_with_logits([1, 0], [-1000.0, 0.0]), 6)
    500.346574
    """
    if check_input:
        y_true, logits = _check_binary(y_true, logits, "logits", False)
        terms = -np.where(y_true == 1, log_sigmoid(logits), log_sigmoid(-logits))
        scale, mean = _scaled_mean(terms, "binary cross-entropy")
        return _finite(scale * mean, "binary cross-entropy")
    z = np.asarray(logits, dtype=np.float64)
    return float(-np.mean(y_true * log_sigmoid(z) + (1.0 - y_true) * log_sigmoid(-z)))


def binary_cross_entropy_with_logits_gradient(y_true, logits, *, check_input=True):
    r""":math:`\partial L/\partial z_i = (\sigma(z_i) - y_i)/n`: prediction minus
    label, the same form as the squared error's gradient.

    Examples
    --------
    >>> binary_cross_entropy_with_logits_gradient([1, 0], [0.0, 0.0])
    array([-0.25,  0.25])
    """
    if check_input:
        y_true, logits = _check_binary(y_true, logits, "logits", False)
    z = np.asarray(logits, dtype=np.float64)
    return (sigmoid(z) - y_true) / z.size


# -- categorical cross-entropy ----------------------------------------------

def categorical_cross_entropy(y_true, proba, *, check_input=True):
    r"""Categorical cross-entropy from probabilities, the categorical negative
    log-likelihood.

    .. math:: L = -\frac{1}{n}\sum_i \sum_k Y_{ik}\log P_{ik}
       = -\frac{1}{n}\sum_i \log P_{i, y_i}

    the negative log of :math:`\prod_i P_{i, y_i}`, the likelihood of labels
    :math:`y_i \in \{0, \dots, K-1\}` with :math:`P(y_i = k) = P_{ik}`.

    Parameters
    ----------
    y_true : array_like
        Integer labels of shape (n,) in 0..K-1, or one-hot rows of shape (n, K).
    proba : array_like of shape (n, K)
        Class probabilities; each row sums to 1.  Logs are clamped at -100.

    Examples
    --------
    >>> round(categorical_cross_entropy([0, 2], [[0.5, 0.25, 0.25], [0.1, 0.1, 0.8]]), 6)
    0.458145
    """
    Y, P = _check_categorical_proba(y_true, proba) if check_input else (y_true, proba)
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(P), LOG_FLOOR)
    return float(-np.sum(Y * log_p) / P.shape[0])


def categorical_cross_entropy_gradient(y_true, proba, *, check_input=True):
    r""":math:`\partial L/\partial P_{ik} = -Y_{ik}/(n P_{ik})`, the denominator
    floored at 1e-12.

    Examples
    --------
    >>> categorical_cross_entropy_gradient([1], [[0.5, 0.5]])
    array([[-0., -2.]])
    """
    Y, P = _check_categorical_proba(y_true, proba) if check_input else (y_true, proba)
    return -Y / (P.shape[0] * np.maximum(P, GRADIENT_FLOOR))


def _check_categorical_proba(y_true, proba):
    Y, P = _check_categorical(y_true, proba, "proba")
    _check_probabilities(P, "proba")
    totals = P.sum(axis=1)
    bad = np.abs(totals - 1.0) > 1e-6
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(f"each row of proba must sum to 1, but row {row} sums to "
                         f"{float(totals[row])!r}; normalise it, or pass logits to "
                         "categorical_cross_entropy_with_logits.")
    return Y, P


def categorical_cross_entropy_with_logits(y_true, logits, *, check_input=True):
    r"""Categorical cross-entropy from logits, with :math:`P = \operatorname{softmax}(Z)`.

    .. math:: L = \frac{1}{n}\sum_i \Bigl[\log\sum_k e^{Z_{ik}} - Z_{i, y_i}\Bigr]

    The negative log-likelihood of softmax (multinomial logistic)
    regression, computed through :func:`~probml.functions.log_softmax` so
    that logits near 1e4 are exact.  PyTorch calls it ``CrossEntropyLoss``.

    Examples
    --------
    >>> categorical_cross_entropy_with_logits([0], [[1e4, 1e4]])
    0.6931471805599453
    """
    if check_input:
        Y, Z = _check_categorical(y_true, logits, "logits")
        # Per row: (max z - z_y) + log sum exp(z - max z), each part finite and >= 0.
        m = np.max(Z, axis=1)
        with np.errstate(over="ignore"):
            gap = m - np.sum(Y * Z, axis=1)
            terms = gap + np.log(np.sum(np.exp(Z - m[:, None]), axis=1))
        scale, mean = _scaled_mean(terms, "categorical cross-entropy")
        return _finite(scale * mean, "categorical cross-entropy")
    return float(-np.sum(y_true * log_softmax(logits, axis=1)) / logits.shape[0])


def categorical_cross_entropy_with_logits_gradient(y_true, logits, *, check_input=True):
    r""":math:`\partial L/\partial Z_{ik} = (P_{ik} - Y_{ik})/n`: predicted
    probability minus one-hot label.

    Examples
    --------
    >>> categorical_cross_entropy_with_logits_gradient([1], [[0.0, 0.0]])
    array([[ 0.5, -0.5]])
    """
    Y, Z = _check_categorical(y_true, logits, "logits") if check_input else (y_true, logits)
    return (softmax(Z, axis=1) - Y) / Z.shape[0]
