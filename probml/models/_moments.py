r"""The sufficient statistics of the linear-Gaussian models, computed and merged exactly.

.. math::
    n,\quad \bar x,\quad \bar y,\quad C = X_c^\top X_c,\quad c = X_c^\top y_c,
    \quad s = y_c^\top y_c,

with :math:`X_c = X - \mathbf 1 \bar x^\top` and :math:`y_c = y - \bar y`
(not centred without an intercept).  :class:`Moments` computes them in a pass
or two over the data (a block of rows at a time), keeps the means to double-double
precision, and merges two sets with the pairwise update, which is what
sequential Bayesian updating and chunked data need.
"""

import math
from dataclasses import dataclass

import numpy as np

from .._blocks import gram_and_cross, row_blocks
from .._validation import SquaresOutOfRange, check_finite, check_squares_representable
from ..inference import rounding_level_rss
from ._error_free import two_sum

__all__ = ["Moments"]

# A mean this many standard deviations from zero, squared, makes G - n m m^T
# cancel more than 4 digits; the data are then centred explicitly.
_CANCELLATION_LIMIT = 1e4


@dataclass
class Moments:
    r"""Sufficient statistics of a linear-Gaussian model (centred when ``fit_intercept``).

    Attributes
    ----------
    n : int
        Number of samples.
    x_mean, y_mean : ndarray, float
        Means (zero when there is no intercept).
    xx : ndarray of shape (p, p)
        :math:`X_c^\top X_c`.
    xy : ndarray of shape (p,)
        :math:`X_c^\top y_c`.
    yy : float
        :math:`y_c^\top y_c`.
    centred_data : tuple of ndarray or None
        :math:`(X_c, y_c)` when the data had to be centred explicitly; kept so
        the caller's residual pass does not centre them again.
    centring_loss : float
        How much larger than ``eps`` the relative error of ``xx`` and ``yy``
        is (:math:`\max_j G_{jj}/C_{jj}`, at most :data:`_CANCELLATION_LIMIT`)
        when they were centred through :math:`G - n\bar x\bar x^\top`; 1 when
        the data were centred explicitly.  The solvers' accuracy estimates
        include it.
    constant : ndarray of bool or None
        The columns constant to working precision (:func:`_constant_columns`),
        whose centred values, co-moments and means' rounding errors are set to
        exactly 0; None when there are none.
    x_mean_low, y_mean_low : ndarray, float
        The rounding errors of the means (the exact mean is
        ``x_mean + x_mean_low``, a double-double), where the data are far
        from the origin; merging keeps them, so the mean of many merged
        batches is as accurate as that of one pass.
    """

    n: int
    x_mean: np.ndarray
    y_mean: float
    xx: np.ndarray
    xy: np.ndarray
    yy: float
    fit_intercept: bool
    centred_data: tuple = None
    x_mean_low: np.ndarray = None
    y_mean_low: float = 0.0
    centring_loss: float = 1.0
    constant: np.ndarray = None

    def __post_init__(self):
        if self.x_mean_low is None:
            self.x_mean_low = np.zeros_like(self.x_mean)

    @classmethod
    def from_data(cls, X, y, *, fit_intercept, feature_names=None, keep_centred=True,
                  squares="representable"):
        """Compute the statistics, checking finiteness through them.

        The columns' sums of squares (and y's) are checked as ``squares`` says,
        with a :class:`~probml._validation.SquaresOutOfRange` where they fail:
        ``"representable"``, each a normal double (squares that overflow or
        underflow, to exactly 0 too, are refused); ``"working"``, each within
        :data:`WORKING_RANGE` (least squares, which then changes its units and
        fits again); ``"may_vanish"``, as ``"representable"`` but squares that
        underflow to 0 are taken as 0 (a model whose prior outweighs data that
        small: Bayesian linear regression).

        The fast route is one Gram matrix :math:`G = X^\\top X` and one product
        :math:`X^\\top [\\mathbf 1, y]`, then :math:`C = G - n \\bar x \\bar x^\\top`.
        Where a column's mean is large against its spread that subtraction
        cancels, and the data are centred explicitly instead; the centred copy
        is kept in ``centred_data`` for the caller's residual pass unless
        ``keep_centred`` is False.  float32 data are read in row blocks, each
        converted to float64 on its own, so no float64 copy of them is made.
        """
        n, p = X.shape
        if X.dtype != np.float64 or y.dtype != np.float64:
            return cls._from_blocks(X, y, fit_intercept, feature_names)
        check_finite(y, "y")
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            gram, products = gram_and_cross(X, y)       # one read of X
        _check_data(np.diagonal(gram), X, "X", feature_names, squares)
        with np.errstate(over="ignore", under="ignore"):
            _check_data(y @ y, y, "y", None, squares)
        sums, cross = products.T
        if not fit_intercept:
            return cls(n, np.zeros(p), 0.0, gram, cross, float(y @ y), False)
        x_mean, y_mean = sums / n, float(np.mean(y))
        xx = gram - n * np.outer(x_mean, x_mean)
        y_centred = y - y_mean
        yy = float(y_centred @ y_centred)
        if _cancels(gram, xx, n, y_mean, yy):
            x_mean = X.mean(axis=0)
            X_centred = X - x_mean
            # About the rounded means: the exact co-moments are these less n lo lo^T,
            # lo the means' rounding errors (1e-5 of the spread for data at 1e8 with
            # spread 1e-3, so 1e-10 of the co-moments).
            x_low, y_low = X_centred.mean(axis=0), float(y_centred.mean())
            xx = X_centred.T @ X_centred - n * np.outer(x_low, x_low)
            xy = X_centred.T @ y_centred - n * x_low * y_low
            constant = _constant_columns(np.diagonal(gram), xx, n, x_mean)
            if constant is not None:
                X_centred[:, constant] = 0.0
                xx[constant], xx[:, constant], xy[constant], x_low[constant] = 0, 0, 0, 0
            return cls(n, x_mean, y_mean, xx, xy, yy - n * y_low ** 2, True,
                       (X_centred, y_centred) if keep_centred else None, x_low, y_low,
                       constant=constant)
        xy = cross - x_mean * (n * y_mean)
        return cls(n, x_mean, y_mean, xx, xy, yy, True,
                   centring_loss=_centring_loss(gram, xx, n, y_mean, yy))

    @classmethod
    def _from_blocks(cls, X, y, fit_intercept, feature_names):
        """The statistics of data in another floating type, one float64 block of rows at a time."""
        n, p = X.shape
        raw = _block_products(X, y, np.zeros(p), 0.0)
        check_finite(y, "y", checksum=np.array([raw.y_sum]))
        _check_data(raw.yy, y, "y", None, "representable")
        _check_data(np.diagonal(raw.xx), X, "X", feature_names, "representable")
        if not fit_intercept:
            return cls(n, np.zeros(p), 0.0, raw.xx, raw.xy, raw.yy, False)
        x_mean, y_mean = raw.x_sum / n, raw.y_sum / n
        xx = raw.xx - n * np.outer(x_mean, x_mean)
        yy = raw.yy - n * y_mean ** 2
        if _cancels(raw.xx, xx, n, y_mean, yy) or yy < 0:
            # A second pass over deviations from the first pass's means.
            centred = _block_products(X, y, x_mean, y_mean)
            x_high, x_low = two_sum(x_mean, centred.x_sum / n)
            y_high, y_low = two_sum(y_mean, centred.y_sum / n)
            xx = centred.xx - np.outer(centred.x_sum, centred.x_sum) / n
            xy = centred.xy - centred.x_sum * (centred.y_sum / n)
            yy = centred.yy - centred.y_sum ** 2 / n
            constant = _constant_columns(np.diagonal(raw.xx), xx, n, x_high)
            if constant is not None:
                xx[constant], xx[:, constant], xy[constant], x_low[constant] = 0, 0, 0, 0
            return cls(n, x_high, float(y_high), xx, xy, float(max(yy, 0.0)), True,
                       None, x_low, float(y_low), constant=constant)
        xy = raw.xy - x_mean * (n * y_mean)
        return cls(n, x_mean, float(y_mean), xx, xy, float(yy), True,
                   centring_loss=_centring_loss(raw.xx, xx, n, y_mean, yy))

    @classmethod
    def weighted(cls, X, y, weights, *, fit_intercept, feature_names=None,
                 squares="representable"):
        r"""The statistics of weighted rows, and the rows that have them unweighted.

        Centred about the weighted means and whitened,
        :math:`\tilde x_i = \sqrt{w_i}(x_i - \bar x_w)` and
        :math:`\tilde y_i = \sqrt{w_i}(y_i - \bar y_w)` have the weighted
        co-moments :math:`\sum_i w_i (x_i - \bar x_w)(x_i - \bar x_w)^\top`; the
        statistics carry :math:`n = \sum_i w_i` and the weighted means, so the
        unweighted formulas (the intercept :math:`\bar y_w - \bar x_w^\top w`, its
        variance :math:`\sigma^2/\sum_i w_i + \bar x_w^\top S \bar x_w`, the Lasso's
        :math:`1/(2n)` scaling) give the weighted fit's.  ``weights`` must be > 0.

        Returns
        -------
        X_white, y_white : ndarray
        moments : Moments
            With ``centred_data`` the whitened rows (when centred).
        """
        X, y = X.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
        root = np.sqrt(weights)
        total = float(weights.sum())
        with np.errstate(over="ignore", invalid="ignore"):      # overflow: whitened says
            x_mean = weights @ X / total if fit_intercept else np.zeros(X.shape[1])
            y_mean = float(weights @ y) / total if fit_intercept else 0.0
        X_white, y_white = whitened(root, X, y, feature_names, x_mean, y_mean)
        raw = cls.from_data(X_white, y_white, fit_intercept=False, feature_names=feature_names,
                            squares=squares)
        if squares == "working":        # the uncentred squares, means included, too
            with np.errstate(over="ignore", invalid="ignore"):
                _check_data(np.diagonal(raw.xx) + total * x_mean ** 2, X, "X", feature_names,
                            squares)
                _check_data(raw.yy + total * y_mean ** 2, y, "y", None, squares)
        return X_white, y_white, cls(total, x_mean, y_mean, raw.xx, raw.xy, raw.yy,
                                     fit_intercept, (X_white, y_white) if fit_intercept else None)

    def uncentred(self):
        """The same statistics about the origin (for models without an intercept)."""
        if not self.fit_intercept:
            return self
        n, m = self.n, self.x_mean
        return Moments(n, np.zeros_like(m), 0.0, self.xx + n * np.outer(m, m),
                       self.xy + n * m * self.y_mean, self.yy + n * self.y_mean ** 2, False)

    def centred(self, X, y):
        """:math:`(X_c, y_c)` in float64: the copies kept when the data were centred
        explicitly, else centred now."""
        if self.centred_data is not None:
            X_centred, y_centred = self.centred_data
        else:
            X_centred, y_centred = X - self.x_mean, y - self.y_mean
            if self.constant is not None:
                X_centred[:, self.constant] = 0.0
        return X_centred.astype(np.float64, copy=False), y_centred.astype(np.float64, copy=False)

    def rss(self, coef):
        r"""The centred residual sum of squares :math:`s - 2w^\top c + w^\top C w`.

        Exact in exact arithmetic; in floating point it carries an absolute
        error of about :math:`\epsilon s`.
        """
        return float(self.yy - 2 * coef @ self.xy + coef @ self.xx @ coef)

    def merge(self, other):
        r"""The statistics of the union of two samples (Chan, Golub & LeVeque, 1979).

        .. math:: C = C_a + C_b + \frac{n_a n_b}{n}\,\delta\delta^\top,
            \qquad \delta = \bar x_b - \bar x_a
        """
        n = self.n + other.n
        if not self.fit_intercept:
            return Moments(n, self.x_mean, 0.0, self.xx + other.xx, self.xy + other.xy,
                           self.yy + other.yy, False)
        weight = self.n * other.n / n
        # The means are double-doubles, so the difference keeps its digits however far
        # the data are from the origin, and the running mean does not drift over many
        # merges.
        dx = (other.x_mean - self.x_mean) + (other.x_mean_low - self.x_mean_low)
        dy = (other.y_mean - self.y_mean) + (other.y_mean_low - self.y_mean_low)
        x_mean, x_error = two_sum(self.x_mean, dx * (other.n / n))
        y_mean, y_error = two_sum(self.y_mean, dy * (other.n / n))
        return Moments(
            n, x_mean, float(y_mean),
            self.xx + other.xx + weight * np.outer(dx, dx),
            self.xy + other.xy + weight * dx * dy,
            self.yy + other.yy + weight * dy * dy,
            True, None, self.x_mean_low + x_error, float(self.y_mean_low + y_error),
            max(self.centring_loss, other.centring_loss),
        )


def _constant_columns(squares, xx, n, x_mean):
    r"""The columns whose deviations from their mean are at the rounding level of their
    values, or None: constant to working precision.

    The mean of equal doubles need not round to their value, and centring then
    leaves deviations of an ulp, which a solver scaling the centred columns to
    unit norm would take for data.  A column whose centred sum of squares is
    within :func:`~probml.inference.rounding_level_rss` of its values (as a
    regression on a constant, :math:`M = \lVert x\rVert + \sqrt n\,|\bar x|`)
    varies by rounding alone.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        magnitude = np.sqrt(np.clip(squares, 0, None)) + math.sqrt(n) * np.abs(x_mean)
        constant = np.diagonal(xx) <= np.array([rounding_level_rss(m, 1) for m in magnitude])
    return constant if constant.any() else None


#: The sums of squares within which least squares works on the data as they are: 2**400
#: of headroom each way for the products, inverses and variances that follow (a
#: variance of the weights is about y^2 / x^2).  Outside it, it changes units.
WORKING_RANGE = (2.0 ** -600, 2.0 ** 600)


def _check_data(squares, A, name, feature_names, policy):
    """A ValueError naming the first NaN or infinity of ``A``, else a
    :class:`~probml._validation.SquaresOutOfRange` where the columns' sums of ``squares``
    fail ``policy`` (see :meth:`Moments.from_data`; a sum that is not finite is one or
    the other)."""
    squares = np.atleast_1d(squares)
    if not np.all(np.isfinite(squares)):
        check_finite(A, name, feature_names)
    low, high = WORKING_RANGE
    if policy == "working" and np.any((squares > 0) & ~((squares >= low) & (squares <= high))):
        raise SquaresOutOfRange(f"{name} has values whose squares leave the working range of "
                                "least squares; it is fitted in other units.")
    check_squares_representable(squares, A, name, feature_names,
                                strict_zeros=policy != "may_vanish")


def whitened(root, X, y, feature_names=None, x_mean=None, y_mean=None):
    r""":math:`\sqrt{w_i}\,(x_i - \bar x)` and :math:`\sqrt{w_i}\,(y_i - \bar y)` (the
    rows themselves without the means); a
    :class:`~probml._validation.SquaresOutOfRange` where finite data overflow on the way
    (weighted least squares then changes units), else a ValueError naming a NaN or
    infinity of X or y."""
    with np.errstate(over="ignore", invalid="ignore"):
        X_white = root[:, None] * (X if x_mean is None else X - x_mean)
        y_white = root * (y if y_mean is None else y - y_mean)
    for name, data, white, names in (("X", X, X_white, feature_names), ("y", y, y_white, None)):
        if not np.all(np.isfinite(white)):
            check_finite(data, name, names)
            raise SquaresOutOfRange(f"{name} is so large that its weighted values overflow.")
    return X_white, y_white


def _centring_loss(gram, xx, n, y_mean, yy):
    """The factor by which G - n m m^T (and s - n ybar^2) multiplied the rounding error."""
    # In NumPy arithmetic throughout: yy is 0 for a constant y (or squares that
    # underflow), and a Python float would raise where NumPy gives inf or NaN.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratios = np.r_[np.diagonal(gram) / np.diagonal(xx),
                       np.float64(yy + n * y_mean ** 2) / np.float64(yy)]
    ratios = ratios[np.isfinite(ratios)]
    return float(max(np.max(ratios, initial=1.0), 1.0))


def _cancels(gram, xx, n, y_mean, yy):
    """Whether centring through G - n m m^T (or s - n ybar^2) would lose more than 4 digits.

    A product that overflows is infinite, and the comparison still right.
    """
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return bool(np.any(np.diagonal(gram) > _CANCELLATION_LIMIT * np.diagonal(xx))
                    or n * y_mean ** 2 > _CANCELLATION_LIMIT * yy)


@dataclass
class _Products:
    xx: np.ndarray
    xy: np.ndarray
    x_sum: np.ndarray
    yy: float
    y_sum: float


def _block_products(X, y, x_shift, y_shift):
    """Sums over the rows of (x - x_shift)(x - x_shift)^T, (x - x_shift)(y - y_shift), ..."""
    p = X.shape[1]
    xx, xy, x_sum = np.zeros((p, p)), np.zeros(p), np.zeros(p)
    yy = y_sum = 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        for rows, block in row_blocks(X):
            block = block - x_shift if np.any(x_shift) else block
            target = y[rows].astype(np.float64) - y_shift
            xx += block.T @ block
            xy += block.T @ target
            x_sum += block.sum(axis=0)
            yy += float(target @ target)
            y_sum += float(target.sum())
    return _Products(xx, xy, x_sum, yy, y_sum)
