r"""Least-squares machinery shared by the linear-Gaussian models.

Every linear-Gaussian model (OLS, Ridge, Bayesian linear regression) depends
on the data only through the sufficient statistics

.. math::
    n,\quad \bar x,\quad \bar y,\quad C = X_c^\top X_c,\quad c = X_c^\top y_c,
    \quad s = y_c^\top y_c,

where :math:`X_c = X - \mathbf 1 \bar x^\top` and :math:`y_c = y - \bar y`
are centred (not centred when there is no intercept).  :class:`Moments` holds
them, computes them in a pass or two over the data, and merges two sets, which
is what sequential Bayesian updating needs.

Solving for the OLS coefficients is a choice between speed and accuracy,
made automatically from the conditioning of the problem and reported:

``"cholesky"``
    The fast path: the normal equations in correlation form
    :math:`D^{-1} C D^{-1}` (``D`` the column norms), whose relative error is
    about :math:`\epsilon\,\kappa(X_s)^2`.  Taken when the eigenvalues show
    :math:`\kappa(X_s)^2 \le 10^6`, so the answer keeps at least ten digits.
``"mpmath"``
    Small ill-conditioned problems (:math:`n (p+1)^2 \le 5\cdot 10^4`) are
    solved exactly on the input doubles with multiple-precision arithmetic
    (mpmath), which reaches every certified digit of the NIST StRD problems.
``"qr"``
    Larger ill-conditioned problems: Householder QR with column pivoting of
    the centred, scaled design, then iterative refinement with the corrected
    semi-normal equations and the residual accumulated in extended precision
    (Björck, *Numerical Methods for Least Squares Problems*, 1996, §2.9).
``"svd"``
    Rank-deficient designs: the minimum-norm solution, with a
    :class:`~probml.exceptions.CollinearityWarning` naming the collinear
    columns.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np

from .._validation import check_finite, check_squares_representable
from ..exceptions import CollinearityWarning, UndefinedStatisticWarning

SOLVERS = ("auto", "cholesky", "qr", "mpmath")

# kappa(X_s)^2 above which the normal equations would lose more than ~6 digits.
_GRAM_CONDITION_LIMIT = 1e6
# Problems at most this large (n * (p + 1)^2) may be solved in multiple precision.
_MPMATH_SIZE_LIMIT = 5e4
# A mean this many standard deviations from zero, squared, makes G - n m m^T
# cancel more than 4 digits; the data are then centred explicitly.
_CANCELLATION_LIMIT = 1e4


@dataclass
class Moments:
    """Sufficient statistics of a linear-Gaussian model (centred when ``fit_intercept``).

    Attributes
    ----------
    n : int
        Number of samples.
    x_mean, y_mean : ndarray, float
        Means (zero when there is no intercept).
    xx : ndarray of shape (p, p)
        :math:`X_c^\\top X_c`.
    xy : ndarray of shape (p,)
        :math:`X_c^\\top y_c`.
    yy : float
        :math:`y_c^\\top y_c`.
    centred_data : tuple of ndarray or None
        :math:`(X_c, y_c)` when the data had to be centred explicitly; kept so
        the caller's residual pass does not centre them again.
    """

    n: int
    x_mean: np.ndarray
    y_mean: float
    xx: np.ndarray
    xy: np.ndarray
    yy: float
    fit_intercept: bool
    centred_data: tuple = None

    @classmethod
    def from_data(cls, X, y, *, fit_intercept, feature_names=None, keep_centred=True):
        """Compute the statistics, checking finiteness through them.

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
        with np.errstate(over="ignore", invalid="ignore"):
            gram = X.T @ X
        check_finite(X, "X", feature_names, checksum=np.diagonal(gram))
        check_squares_representable(np.diagonal(gram), X, "X", feature_names)
        with np.errstate(over="ignore"):
            check_squares_representable(y @ y, y, "y")
        if not fit_intercept:
            return cls(n, np.zeros(p), 0.0, gram, X.T @ y, float(y @ y), False)
        sums, cross = (X.T @ np.column_stack([np.ones(n), y])).T
        x_mean, y_mean = sums / n, float(np.mean(y))
        xx = gram - n * np.outer(x_mean, x_mean)
        y_centred = y - y_mean
        yy = float(y_centred @ y_centred)
        if _cancels(gram, xx, n, y_mean, yy):
            x_mean = X.mean(axis=0)
            X_centred = X - x_mean
            xx = X_centred.T @ X_centred
            return cls(n, x_mean, y_mean, xx, X_centred.T @ y_centred, yy, True,
                       (X_centred, y_centred) if keep_centred else None)
        xy = cross - x_mean * (n * y_mean)
        return cls(n, x_mean, y_mean, xx, xy, yy, True)

    @classmethod
    def _from_blocks(cls, X, y, fit_intercept, feature_names):
        """The statistics of data in another floating type, one float64 block of rows at a time."""
        n, p = X.shape
        raw = _block_products(X, y, np.zeros(p), 0.0)
        check_finite(y, "y", checksum=np.array([raw.yy, raw.y_sum]))
        check_finite(X, "X", feature_names, checksum=np.diagonal(raw.xx))
        check_squares_representable(np.diagonal(raw.xx), X, "X", feature_names)
        check_squares_representable(raw.yy, y, "y")
        if not fit_intercept:
            return cls(n, np.zeros(p), 0.0, raw.xx, raw.xy, raw.yy, False)
        x_mean, y_mean = raw.x_sum / n, raw.y_sum / n
        xx = raw.xx - n * np.outer(x_mean, x_mean)
        yy = raw.yy - n * y_mean ** 2
        if _cancels(raw.xx, xx, n, y_mean, yy) or yy < 0:
            # A second pass over deviations from the first pass's means.
            centred = _block_products(X, y, x_mean, y_mean)
            x_mean, y_mean = x_mean + centred.x_sum / n, y_mean + centred.y_sum / n
            xx = centred.xx - np.outer(centred.x_sum, centred.x_sum) / n
            xy = centred.xy - centred.x_sum * (centred.y_sum / n)
            yy = centred.yy - centred.y_sum ** 2 / n
            return cls(n, x_mean, float(y_mean), xx, xy, float(max(yy, 0.0)), True)
        xy = raw.xy - x_mean * (n * y_mean)
        return cls(n, x_mean, float(y_mean), xx, xy, float(yy), True)

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
        dx, dy = other.x_mean - self.x_mean, other.y_mean - self.y_mean
        return Moments(
            n,
            self.x_mean + dx * (other.n / n),
            self.y_mean + dy * (other.n / n),
            self.xx + other.xx + weight * np.outer(dx, dx),
            self.xy + other.xy + weight * dx * dy,
            self.yy + other.yy + weight * dy * dy,
            True,
        )


def _cancels(gram, xx, n, y_mean, yy):
    """Whether centring through G - n m m^T (or s - n ybar^2) would lose more than 4 digits.

    A product that overflows is infinite, and the comparison still right.
    """
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return bool(np.any(np.diagonal(gram) > _CANCELLATION_LIMIT * np.diagonal(xx))
                    or n * y_mean ** 2 > _CANCELLATION_LIMIT * yy)


# Elements of a block of rows converted to float64 at a time (2 MiB).
_BLOCK_ELEMENTS = 1 << 18


def row_blocks(X):
    """``(rows, block)`` pairs covering ``X`` in order, each block as float64."""
    rows = max(1, _BLOCK_ELEMENTS // max(X.shape[1] if X.ndim > 1 else 1, 1))
    for start in range(0, X.shape[0], rows):
        block = X[start:start + rows]
        yield slice(start, start + rows), block.astype(np.float64, copy=False)


def column_sums_of_squares(X):
    r""":math:`\sum_i x_{ij}^2` for each column, in float64, a block of rows at a time."""
    total = np.zeros(X.shape[1])
    with np.errstate(over="ignore", invalid="ignore"):
        for _, block in row_blocks(X):
            total += np.einsum("ij,ij->j", block, block)
    return total


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


@dataclass
class LeastSquaresSolution:
    r"""Coefficients and the unscaled covariance :math:`(A^\top A)^{+}`.

    ``unscaled_cov`` is over the parameter vector with the intercept first
    (when there is one), so the covariance of the estimates is
    :math:`\hat\sigma^2` times it.
    """

    coef: np.ndarray
    intercept: float
    unscaled_cov: np.ndarray
    rss: float
    rank: int
    solver: str
    condition_number: float


def column_scale(moments):
    """Norms of the centred columns, with 1 for a constant (zero-norm) column."""
    scale = np.sqrt(np.diagonal(moments.xx))
    return np.where(scale > 0, scale, 1.0)


def _spd_inverse(matrix):
    """The inverse of a symmetric positive definite matrix, equilibrated, by Cholesky."""
    scale = np.sqrt(np.diagonal(matrix))
    lower = np.linalg.cholesky(matrix / np.outer(scale, scale))
    inverse_lower = np.linalg.solve(lower, np.eye(len(matrix)))
    return inverse_lower.T @ inverse_lower / np.outer(scale, scale)


def ridge_solution(xx, xy, alpha):
    r"""Solve :math:`(C + \alpha I) w = c` for any :math:`\alpha > 0`; return w and the inverse.

    :math:`C + \alpha I` is positive definite, but when ``C`` is singular to
    working precision (a duplicated or collinear column, more features than
    rows) and :math:`\alpha` is far below :math:`\lVert C\rVert`, inverting it as
    a whole divides by rounding noise.  Instead, with :math:`D` the column
    norms and :math:`R = D^{-1} C D^{-1}`, the eigenvectors of ``R`` split the
    weights (in units of :math:`D^{-1}`) into the directions the data
    determine, :math:`Q`, and those they do not, :math:`N` (found by a
    rank-revealing QR of ``R``, which is set to exactly 0 along them).  In that basis the
    system, with :math:`P = \alpha D^{-2}` the penalty in those units, is the
    block matrix

    .. math:: M = \begin{pmatrix} Q^\top R Q + Q^\top P Q & B \\
        B^\top & E \end{pmatrix},\quad B = Q^\top P N,\ E = N^\top P N,

    inverted through the Schur complement
    :math:`S = Q^\top R Q + (Q^\top P^{-1} Q)^{-1}`: every block is well
    conditioned, the undetermined directions get exactly the prior's
    variance, and no rounding noise in :math:`N^\top c` is divided by
    :math:`\alpha`.

    Returns
    -------
    coef : ndarray of shape (p,)
    inverse : ndarray of shape (p, p)
        :math:`(C + \alpha I)^{-1}`.
    effective_df : float
        :math:`\operatorname{tr} C (C + \alpha I)^{-1} = \operatorname{tr} Q^\top R Q\, S^{-1}`,
        summed over the determined directions only, so it is never pushed
        past the rank of ``C`` by rounding.
    """
    p = len(xy)
    scale = np.sqrt(np.diagonal(xx))
    scale = np.where(scale > 0, scale, 1.0)
    correlation = xx / np.outer(scale, scale)
    with np.errstate(over="ignore"):
        penalty = alpha / scale**2
    if not np.all(np.isfinite(penalty)):
        raise ValueError(f"The penalty alpha={alpha:.3g} divided by the columns' sums of squares "
                         f"(down to {np.min(scale) ** 2:.3g}) overflows float64; choose a smaller "
                         "alpha or rescale X.")
    rhs = xy / scale
    unscale = np.outer(scale, scale)
    Q, N = _range_and_null_space(correlation)
    if N.shape[1] == 0:
        scaled_inverse = _spd_inverse(correlation + np.diag(penalty))
        effective_df = float(np.sum(correlation * scaled_inverse))
        return (scaled_inverse @ rhs) / scale, scaled_inverse / unscale, effective_df
    E_inverse = _spd_inverse((N.T * penalty) @ N)
    if Q.shape[1] == 0:                 # every column constant: the posterior is the prior
        return np.zeros(p), (N @ E_inverse @ N.T) / unscale, 0.0
    B = (Q.T * penalty) @ N
    data_block = Q.T @ correlation @ Q
    # A - B E^-1 B^T, the Schur complement of the penalty, is (Q^T P^-1 Q)^-1:
    # computed that way it cannot cancel, however strong the penalty.
    S_inverse = _spd_inverse(data_block + _spd_inverse((Q.T / penalty) @ Q))
    cross = -S_inverse @ B @ E_inverse
    null_block = E_inverse + E_inverse @ B.T @ S_inverse @ B @ E_inverse
    # Back to the coordinates of R: [Q N] M^-1 [Q N]^T.
    scaled_inverse = (Q @ S_inverse @ Q.T + Q @ cross @ N.T + N @ cross.T @ Q.T
                      + N @ null_block @ N.T)
    scaled_inverse = (scaled_inverse + scaled_inverse.T) / 2
    # The data carry no information along N: N^T c is rounding noise, and is dropped.
    a = S_inverse @ (Q.T @ rhs)
    coef_scaled = Q @ a - N @ (E_inverse @ (B.T @ a))
    effective_df = float(np.sum(data_block * S_inverse))
    return coef_scaled / scale, scaled_inverse / unscale, effective_df


def _range_and_null_space(correlation):
    """Orthonormal bases of the range and the numerical null space of a correlation matrix.

    Pivoted QR reveals the rank (diagonal entries below :math:`p\\,\\epsilon` of the
    largest); each null vector is :math:`P(-R_{11}^{-1}R_{12};\\ I)`, which is
    exactly :math:`e_i - e_j` for an exactly duplicated column (entries at
    rounding level are set to 0), so the unidentified direction does not leak
    into the others.

    A matrix whose eigenvalues are all above :math:`10^3 p\\,\\epsilon` of the
    largest has full rank by either test, and skips the QR: NumPy's LAPACK
    finds that in a few milliseconds, where SciPy's, whose thread pool
    contends with NumPy's after the data's large products, takes tens.
    """
    from scipy import linalg

    p = len(correlation)
    eigenvalues = np.linalg.eigvalsh(correlation)
    if eigenvalues[0] > 1e3 * p * np.finfo(float).eps * eigenvalues[-1]:
        return np.eye(p), np.zeros((p, 0))
    _, r, pivots = linalg.qr(correlation, pivoting=True)
    diagonal = np.abs(np.diagonal(r))
    rank = int(np.sum(diagonal > p * np.finfo(float).eps * diagonal[0])) if diagonal[0] else 0
    if rank == p:
        return np.eye(p), np.zeros((p, 0))
    null_vectors = np.zeros((p, p - rank))
    null_vectors[pivots[rank:], np.arange(p - rank)] = 1.0
    if rank:
        null_vectors[pivots[:rank]] = -linalg.solve_triangular(r[:rank, :rank],
                                                                r[:rank, rank:])
    # Entries at rounding level (R has unit scale) are zeros that rounding blurred;
    # kept, they would leak the prior's variance into identified coefficients.
    null_vectors[np.abs(null_vectors) <= p * np.finfo(float).eps] = 0.0
    basis, _ = np.linalg.qr(null_vectors, mode="complete")
    return basis[:, p - rank:], basis[:, :p - rank]


def quadratic_forms(Z, S, plus=0.0):
    r""":math:`z_i^\top S z_i + \text{plus}` for each row of ``Z``, and where rounding left no digit.

    A bound on the rounding error of the quadratic form is
    :math:`(2p+1)\,\epsilon\,|z|^\top |S|\,|z|`.  Where the computed total is not
    above it (``S`` with large entries of both signs, as along collinear
    columns, and ``z`` far from the origin), not one digit of it can be
    trusted, and those rows are flagged (a total below 0 always is).

    Returns
    -------
    total : ndarray of shape (n,)
    lost : ndarray of bool, shape (n,)
    """
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.einsum("ij,jk,ik->i", Z, S, Z) + plus
        magnitude = np.abs(Z)
        bound = ((2 * Z.shape[1] + 1) * np.finfo(float).eps
                 * np.einsum("ij,jk,ik->i", magnitude, np.abs(S), magnitude))
    lost = (total < 0) | ((bound > 0) & (total <= bound))
    return total, lost & np.isfinite(total)


def full_covariance(inverse_xx, moments, noise_variance=1.0):
    r"""Assemble the covariance over (intercept, coef) from that of the slopes.

    With a flat prior on the intercept, :math:`b = \bar y - \bar x^\top w + e`
    with :math:`\mathrm{Var}(e) = \sigma^2/n`, so

    .. math:: \mathrm{Var}(b) = \sigma^2/n + \bar x^\top S \bar x,\qquad
        \mathrm{Cov}(b, w) = -S\bar x.

    With ``noise_variance=1`` and ``inverse_xx`` :math:`= C^{-1}` this is
    :math:`(A^\top A)^{-1}` for :math:`A = [\mathbf 1, X]`.

    Where rounding leaves no digit of :math:`\mathrm{Var}(b)`
    (:func:`quadratic_forms`: :math:`\bar x` large where :math:`S` has large
    entries of both signs, as with collinear columns far from the origin),
    the intercept's row and column are NaN, with an
    :class:`~probml.exceptions.UndefinedStatisticWarning`, rather than digits
    that mean nothing.
    """
    if not moments.fit_intercept:
        return inverse_xx
    with np.errstate(over="ignore", invalid="ignore"):
        shift = inverse_xx @ moments.x_mean
    p = len(shift)
    cov = np.empty((p + 1, p + 1))
    total, lost = quadratic_forms(moments.x_mean[None, :], inverse_xx,
                                  noise_variance / moments.n)
    cov[0, 0] = total[0]
    if lost[0]:
        warnings.warn(
            f"The intercept's variance is lost to rounding (x_mean' S x_mean cancels, with "
            f"column means up to {np.max(np.abs(moments.x_mean)):.3g}): its standard error "
            "and covariances are NaN. Centre X (subtract its column means) to have them.",
            UndefinedStatisticWarning, stacklevel=4)
        cov[0, 0] = np.nan
        shift = np.full(p, np.nan)
    cov[0, 1:] = cov[1:, 0] = -shift
    cov[1:, 1:] = inverse_xx
    return cov


def residual_sum_of_squares(X, y, coef, intercept, moments):
    r"""The residual sum of squares, from the moments where that is accurate.

    :meth:`Moments.rss` costs nothing more, but carries an absolute error of
    about :math:`\epsilon s`; when the fit leaves
    less than :math:`10^{-4} s` unexplained that would cost more than 4 of the
    16 digits, and an explicit residual pass is made instead.
    """
    from_moments = moments.rss(coef)
    if from_moments > 1e-4 * moments.yy:
        return from_moments
    if moments.centred_data is not None:
        X_centred, y_centred = moments.centred_data
        residual = y_centred - X_centred @ coef
        return float(residual @ residual)
    total = 0.0
    for rows, block in row_blocks(X):
        residual = y[rows].astype(np.float64) - block @ coef - intercept
        total += float(residual @ residual)
    return total


def intercept_from_moments(coef, moments):
    r"""The least-squares intercept :math:`\bar y - \bar x^\top w` (0 without one)."""
    return float(moments.y_mean - moments.x_mean @ coef) if moments.fit_intercept else 0.0


def solve_ols(X, y, moments, *, solver="auto", feature_names=None):
    """Solve ordinary least squares, choosing the algorithm from the conditioning.

    Parameters
    ----------
    X, y : ndarray
        The validated data (needed for the residual pass and the slow paths).
    moments : Moments
        Their sufficient statistics.
    solver : {"auto", "cholesky", "qr", "mpmath"}
        ``"auto"`` chooses as the module docstring describes.
    feature_names : sequence of str, optional
        Names used in the collinearity warning.

    Returns
    -------
    LeastSquaresSolution
    """
    scale = column_scale(moments)
    correlation = moments.xx / np.outer(scale, scale)
    eigenvalues, eigenvectors = np.linalg.eigh(correlation)
    top = eigenvalues[-1]
    condition = top / eigenvalues[0] if eigenvalues[0] > 0 else np.inf
    if solver == "cholesky" or (solver == "auto" and condition <= _GRAM_CONDITION_LIMIT):
        if eigenvalues[0] <= top * np.finfo(float).eps * len(scale):
            # Singular to working precision: only a rank-revealing QR can tell
            # an ill-conditioned design from a rank-deficient one.
            return _solve_accurately(X, y, moments, "qr", feature_names)
        inverse = (eigenvectors / eigenvalues) @ eigenvectors.T / np.outer(scale, scale)
        coef = inverse @ moments.xy
        intercept = intercept_from_moments(coef, moments)
        rss = residual_sum_of_squares(X, y, coef, intercept, moments)
        return LeastSquaresSolution(coef, intercept, full_covariance(inverse, moments),
                                    rss, len(coef), "cholesky", math.sqrt(condition))
    return _solve_accurately(X, y, moments, solver, feature_names)


def _scaled_design(X, moments):
    scale = column_scale(moments)
    if moments.centred_data is not None:
        return moments.centred_data[0] / scale, scale
    return (X - moments.x_mean) / scale, scale


def _solve_accurately(X, y, moments, solver, feature_names):
    from scipy import linalg

    # The factorisations need the whole design in float64 (a copy, for float32 data).
    X, y = X.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
    design, scale = _scaled_design(X, moments)
    q_factor, r_factor, pivots = linalg.qr(design, mode="economic", pivoting=True)
    diagonal = np.abs(np.diagonal(r_factor))
    tolerance = diagonal[0] * np.finfo(float).eps * max(design.shape) * 10
    if diagonal[-1] <= tolerance:
        return _solve_rank_deficient(X, y, moments, feature_names)
    condition = float(np.linalg.cond(r_factor))
    n, p = X.shape
    if solver == "mpmath" or (
        solver == "auto" and n * (p + moments.fit_intercept) ** 2 <= _MPMATH_SIZE_LIMIT
    ):
        return _solve_multiprecision(X, y, moments)
    return _solve_refined_qr(X, y, moments, design, scale, q_factor, r_factor, pivots,
                             condition)


def _solve_refined_qr(X, y, moments, design, scale, q_factor, r_factor, pivots,
                      condition, steps=3):
    from scipy import linalg

    def semi_normal_solve(rhs):
        permuted = rhs[pivots]
        z = linalg.solve_triangular(r_factor, permuted, trans="T")
        solution = np.empty_like(rhs)
        solution[pivots] = linalg.solve_triangular(r_factor, z)
        return solution

    y_centred = y - moments.y_mean
    scaled = np.empty(len(pivots))
    scaled[pivots] = linalg.solve_triangular(r_factor, q_factor.T @ y_centred)
    coef = scaled / scale
    intercept = intercept_from_moments(coef, moments)
    extended_X = X.astype(np.longdouble)
    extended_y = y.astype(np.longdouble)
    for _ in range(steps):
        residual = extended_y - extended_X @ coef.astype(np.longdouble) - intercept
        residual_mean = residual.mean() if moments.fit_intercept else 0.0
        gradient = design.T.astype(np.longdouble) @ (residual - residual_mean)
        correction = semi_normal_solve(gradient.astype(float)) / scale
        coef = coef + correction
        if moments.fit_intercept:
            intercept += float(residual_mean) - moments.x_mean @ correction
    residual = extended_y - extended_X @ coef.astype(np.longdouble) - intercept
    rss = float(residual @ residual)
    permuted_inverse = np.empty((len(pivots), len(pivots)))
    permuted_inverse[pivots] = linalg.solve_triangular(r_factor, np.eye(len(pivots)))
    inverse = permuted_inverse @ permuted_inverse.T / np.outer(scale, scale)
    return LeastSquaresSolution(coef, intercept, full_covariance(inverse, moments), rss,
                                len(coef), "qr", condition)


def _solve_multiprecision(X, y, moments):
    """Solve the normal equations of the input doubles in multiple precision.

    Every double converts to a binary mpf exactly.  The Gram matrix of the raw
    design :math:`A` is equilibrated (scaled to a unit diagonal) before it is
    inverted, and the working precision covers the square of the condition
    number of the column-normalised :math:`A`, with 30 digits to spare, so the
    result is the least-squares solution of the input correct to double
    precision.  Conditioning beyond what double precision can measure is taken
    to be :math:`10^{17}`.
    """
    import mpmath

    n, p = X.shape
    design = np.column_stack([np.ones(n), X]) if moments.fit_intercept else X
    normalised = design / np.linalg.norm(design, axis=0)
    condition = np.linalg.cond(normalised)
    condition = min(condition, 1e17) if np.isfinite(condition) else 1e17
    context = mpmath.MPContext()
    context.dps = 30 + int(2 * math.log10(max(condition, 10.0)))
    columns = [[context.mpf(float(v)) for v in column] for column in design.T]
    response = [context.mpf(float(v)) for v in y]
    k = len(columns)
    gram = context.matrix(k, k)
    for i in range(k):
        for j in range(i, k):
            gram[i, j] = gram[j, i] = context.fdot(columns[i], columns[j])
    equilibration = [1 / context.sqrt(gram[i, i]) for i in range(k)]
    for i in range(k):
        for j in range(k):
            gram[i, j] *= equilibration[i] * equilibration[j]
    inverse = context.inverse(gram)
    for i in range(k):
        for j in range(k):
            inverse[i, j] *= equilibration[i] * equilibration[j]
    rhs = context.matrix([context.fdot(column, response) for column in columns])
    params = inverse * rhs
    fitted = [context.fdot([params[j] for j in range(k)], [c[i] for c in columns])
              for i in range(n)]
    rss = context.fsum((response[i] - fitted[i]) ** 2 for i in range(n))
    params = np.array([float(v) for v in params])
    unscaled_cov = np.array(inverse.tolist(), dtype=float)
    intercept = float(params[0]) if moments.fit_intercept else 0.0
    coef = params[1:] if moments.fit_intercept else params
    return LeastSquaresSolution(coef, intercept, unscaled_cov, float(rss), p, "mpmath",
                                float(condition))


def collinear_columns(null_space, tolerance=1e-8):
    """Indices of the columns that take part in an exact linear dependency."""
    involved = np.max(np.abs(null_space), axis=1) > tolerance
    return np.flatnonzero(involved)


def _solve_rank_deficient(X, y, moments, feature_names):
    """Minimum-norm least squares over the centred design, with a warning."""
    X, y = X.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
    design, scale = _scaled_design(X, moments)
    _, singular_values, vt = np.linalg.svd(design * scale, full_matrices=False)
    cutoff = singular_values[0] * np.finfo(float).eps * max(design.shape) * 10
    keep = singular_values > cutoff
    rank = int(keep.sum())
    columns = collinear_columns(vt[~keep].T)
    names = [str(feature_names[j]) if feature_names is not None else f"x{j}"
             for j in columns]
    constant = [names[i] for i, j in enumerate(columns) if moments.xx[j, j] == 0]
    detail = f" ({', '.join(constant)} constant)" if constant and moments.fit_intercept else ""
    warnings.warn(
        f"The design matrix is rank deficient (rank {rank} of {len(scale)} columns): "
        f"the columns {names}{detail} are linearly dependent, so their coefficients "
        "are not identified. Returning the minimum-norm least-squares solution; drop "
        "or combine those columns for coefficients that can be interpreted.",
        CollinearityWarning,
        stacklevel=4,
    )
    basis, values = vt[keep].T, singular_values[keep]
    inverse = (basis / values**2) @ basis.T
    coef = inverse @ moments.xy
    intercept = intercept_from_moments(coef, moments)
    rss = residual_sum_of_squares(X, y, coef, intercept, moments)
    return LeastSquaresSolution(coef, intercept, full_covariance(inverse, moments), rss,
                                rank, "svd", np.inf)
