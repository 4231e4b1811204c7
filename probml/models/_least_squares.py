r"""Least-squares machinery shared by the linear-Gaussian models.

Every linear-Gaussian model (OLS, Ridge, Bayesian linear regression) depends
on the data only through the sufficient statistics

.. math::
    n,\quad \bar x,\quad \bar y,\quad C = X_c^\top X_c,\quad c = X_c^\top y_c,
    \quad s = y_c^\top y_c,

where :math:`X_c = X - \mathbf 1 \bar x^\top` and :math:`y_c = y - \bar y`
are centred (not centred when there is no intercept), held by
:class:`~probml.models._moments.Moments`.

Solving for the OLS coefficients is a choice between speed and accuracy,
made automatically from the conditioning of the problem and reported:

``"cholesky"``
    The fast path: the normal equations in correlation form
    :math:`D^{-1} C D^{-1}` (``D`` the column norms), whose relative error is
    about :math:`\epsilon\,\kappa(X_s)^2`.  Taken when the eigenvalues show
    :math:`\kappa(X_s)^2 \le 10^6`, so the answer keeps at least ten digits.
``"mpmath"``
    Ill-conditioned problems up to :math:`n (p+1)^2 \le 2\cdot 10^7` and
    :math:`p + 1 \le 32` (about a second) are solved exactly on the input
    doubles: the Gram matrix by error-free transformations
    (:mod:`._error_free`), its inverse in multiple precision (mpmath).  This
    reaches every certified digit of the NIST StRD problems, and double
    precision in the coefficients and standard errors at any conditioning.
``"qr"``
    Larger ill-conditioned problems: Householder QR with column pivoting of
    the centred, scaled design, then Björck's iterative refinement of the
    augmented system, with the residuals computed in double-double by
    error-free transformations, identically on every machine (Björck,
    *Numerical Methods for Least Squares Problems*, 1996, §2.9).
``"svd"``
    Rank-deficient designs: the minimum-norm solution, with a
    :class:`~probml.exceptions.CollinearityWarning` naming the collinear
    columns.
"""

import math
from dataclasses import dataclass, replace

import numpy as np

from .._blocks import row_blocks
from ..exceptions import (
    CollinearityWarning,
    NumericalAccuracyWarning,
    UndefinedStatisticWarning,
    warn,
)
from ..inference import rounding_level_rss
from ._error_free import residuals, two_product
from ._moments import Moments, whitened

SOLVERS = ("auto", "cholesky", "qr", "mpmath")

# kappa(X_s)^2 above which the normal equations would lose more than ~6 digits.
_GRAM_CONDITION_LIMIT = 1e6
# Problems at most this large (n * (p + 1)^2, about a second) with at most this many
# parameters (the mpmath inverse grows as their cube) are solved exactly.
_MPMATH_SIZE_LIMIT = 2e7
_MPMATH_PARAMETER_LIMIT = 32
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
    digits: float = math.nan
    #: The residual sum of squares that rounding alone leaves in an exact fit
    #: (:func:`probml.inference.rounding_level_rss`).
    rounding_rss: float = 0.0


class DataRequired(Exception):
    """The solver needs the rows themselves, not only their sufficient statistics."""


@dataclass(frozen=True)
class Units:
    r"""Powers of two that bring the columns of X and y to magnitudes near 1.

    Least squares is equivariant under a change of units: with
    :math:`X = X_s D` (:math:`D = \operatorname{diag}(2^{a_j})`) and :math:`y = 2^c y_s`,

    .. math:: w = 2^c D^{-1} w_s,\quad b = 2^c b_s,\quad \mathrm{RSS} = 4^c\,\mathrm{RSS}_s,
        \quad \mathrm{Cov}(\hat\theta) = G\,\mathrm{Cov}_s G,\quad
        G = 2^c \operatorname{diag}(1, D^{-1}),

    and every unit-free result (t and F statistics, p-values, :math:`R^2`,
    degrees of freedom, condition numbers) is the same.  Data whose sums of
    squares leave the working range
    (:data:`~probml.models._moments.WORKING_RANGE`, values beyond about 1e90
    or below 1e-90, where :math:`X^\top X`, its inverse or the variances
    would near the ends of double precision) are fitted in the units
    :math:`X_s, y_s` and the answer converted back.  Powers of two make the
    change exact: the fit of the scaled data is the scaled fit of the data,
    to the last bit.

    Attributes
    ----------
    x : ndarray of int, shape (p,)
        :math:`a_j`, the binary exponent of the largest magnitude in column j
        (0 for a column of zeros); one common exponent for every column when
        ``common`` was asked and the columns' magnitudes allow it.
    y : int
        :math:`c`, the same for y.
    """

    x: np.ndarray
    y: int

    @classmethod
    def of(cls, X, y, *, common=False):
        """The units of ``X`` and ``y`` (finite); with ``common``, one power of two for every
        column of ``X`` where their magnitudes are within 2**300 of each other (so a penalty
        on the weights stays one number, see :class:`~probml.models.ridge.Ridge`)."""
        largest = np.max(np.abs(X), axis=0, initial=0.0)
        exponents = np.where(largest > 0, np.frexp(largest)[1], 0)
        nonzero = exponents[largest > 0]
        if common and nonzero.size and np.ptp(nonzero) <= _COMMON_UNIT_SPAN:
            exponents = np.full(len(exponents), np.max(nonzero))
        y_largest = float(np.max(np.abs(y), initial=0.0))
        return cls(exponents, math.frexp(y_largest)[1] if y_largest > 0 else 0)

    @property
    def common(self):
        """Whether every column has the same unit."""
        return bool(np.all(self.x == self.x[0])) if len(self.x) else True

    def scaled(self, X, y):
        """``X / D`` and ``y / 2^c`` (float64 copies; exact, but for values that become
        subnormal, whose lost bits are below the rounding of their column)."""
        with np.errstate(under="ignore"):
            return np.ldexp(X, -self.x), np.ldexp(y, -self.y)

    def parameters(self, fit_intercept):
        r"""The binary exponents of :math:`G`'s diagonal, what multiplies each parameter (the
        intercept first)."""
        return self.y - (np.r_[0, self.x] if fit_intercept else self.x)


# Column magnitudes within this many binary orders of each other share a unit (squares
# within 2**600 of each other stay inside double precision together).
_COMMON_UNIT_SPAN = 300


def residual_magnitude(moments, coef, intercept):
    r"""A bound on :math:`\lVert u\rVert`, :math:`u_i = |y_i| + |b| + \sum_j |x_{ij} w_j|`
    the magnitude of the terms whose difference is the residual :math:`e_i`.

    By the triangle inequality :math:`\lVert u\rVert \le \lVert y\rVert + \sqrt n\,|b|
    + \sum_j |w_j|\,\lVert x_j\rVert`, with the uncentred norms from the moments.  It
    sets the scale of the residuals' rounding errors
    (:func:`probml.inference.rounding_level_rss`).
    """
    root_n = math.sqrt(moments.n)
    with np.errstate(over="ignore"):
        columns = np.hypot(np.sqrt(np.clip(np.diagonal(moments.xx), 0, None)),
                           root_n * (moments.x_mean + moments.x_mean_low))
        target = math.hypot(math.sqrt(max(moments.yy, 0.0)), root_n * moments.y_mean)
        return float(target + root_n * abs(intercept) + np.abs(coef) @ columns)


EPS = np.finfo(float).eps
# Fewer trustworthy digits than this earn a NumericalAccuracyWarning.
ACCURACY_DIGITS_WARNING = 6


def accuracy_digits(relative_error):
    r"""Significant digits that survive a relative error: :math:`-\log_{10}` of it, at most 15.

    The error estimates of the solvers are first-order bounds with a factor
    :math:`10p` of safety over the classical ones (Higham, *Accuracy and
    Stability of Numerical Algorithms*, 2002, ch. 19-20): normal equations
    :math:`\kappa^2\epsilon`, Householder QR :math:`\kappa\epsilon`.
    """
    return float(min(15.0, max(0.0, -math.log10(max(float(relative_error), EPS)))))


def warn_if_inaccurate(model, digits, condition, solver):
    """A :class:`~probml.exceptions.NumericalAccuracyWarning` when fewer than 6 digits are left."""
    if not digits < ACCURACY_DIGITS_WARNING:
        return
    advice = ("solver='mpmath' solves exactly (up to 32 parameters); " if model.startswith(
        "LinearRegression") else "")
    warn(
        f"{model}: only about {max(digits, 0):.0f} significant digits of the coefficients "
        f"and standard errors can be trusted (accuracy_digits_ = {digits:.1f}): the centred, "
        f"column-scaled design has condition number {condition:.3g} ({solver} solver). "
        f"Centring and rescaling the columns, or dropping near-collinear ones, helps; "
        f"{advice}orthogonal polynomials instead of powers remove the cause.",
        NumericalAccuracyWarning)


def equilibrate(gram):
    r"""The scaling :math:`D` of a Gram (or information) matrix and its correlation form.

    .. math:: D = \operatorname{diag}\big(\sqrt{G_{jj}}\big),\qquad R = D^{-1} G D^{-1},

    with 1 in ``D`` for a zero diagonal entry (a constant column), so ``R``
    has a unit diagonal wherever a column varies.  Factoring ``R`` rather than
    ``G`` removes the columns' units from the conditioning.

    Returns
    -------
    scale : ndarray of shape (p,)
    correlation : ndarray of shape (p, p)
    """
    scale = np.sqrt(np.diagonal(gram))
    scale = np.where(scale > 0, scale, 1.0)
    return scale, gram / np.outer(scale, scale)


def column_scale(moments):
    """Norms of the centred columns, with 1 for a constant (zero-norm) column."""
    return equilibrate(moments.xx)[0]


def spd_inverse(matrix):
    """The inverse of a symmetric positive definite matrix, equilibrated, by Cholesky."""
    scale = np.sqrt(np.diagonal(matrix))
    lower = np.linalg.cholesky(matrix / np.outer(scale, scale))
    inverse_lower = np.linalg.solve(lower, np.eye(len(matrix)))
    return inverse_lower.T @ inverse_lower / np.outer(scale, scale)


def rss_relative_error(rss, yy):
    """Relative error of a residual sum of squares from :meth:`Moments.rss` (eps * yy)."""
    if rss is None or not rss > 0:
        return 0.0
    return 10 * EPS * (yy / rss if rss > _RSS_PASS_LIMIT * yy else 1.0)


def range_and_null_space(correlation):
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


def quadratic_forms_from_root(Z, root, plus=0.0):
    r""":math:`\lVert L^\top z_i\rVert^2 + \text{plus}` for each row of ``Z``, and where rounding left no digit.

    The same forms as :func:`quadratic_forms` for :math:`S = L L^\top`, as sums of
    squares: the large entries of ``S`` of both signs never meet, so far from the
    origin they keep digits that ``S`` loses.  Each :math:`u_k = (L^\top z)_k` is a
    sum of p terms, off by up to :math:`e_k = (2p+1)\epsilon(|L|^\top|z|)_k`, so the
    total is off by up to :math:`2|u|^\top e + e^\top e`; rows whose total is not
    above that (collinear columns far from the origin, along which ``L`` is large)
    are flagged.

    Returns
    -------
    total : ndarray of shape (n,)
    lost : ndarray of bool, shape (n,)
    """
    with np.errstate(over="ignore", invalid="ignore"):
        projected = Z @ root
        total = np.einsum("ij,ij->i", projected, projected) + plus
        error = (2 * Z.shape[1] + 1) * EPS * (np.abs(Z) @ np.abs(root))
        bound = 2 * np.einsum("ij,ij->i", np.abs(projected), error) + np.einsum(
            "ij,ij->i", error, error)
    return total, (total <= bound) & np.isfinite(total)


def full_covariance(inverse_xx, moments, noise_variance=1.0, root=None):
    r"""Assemble the covariance over (intercept, coef) from that of the slopes.

    With a flat prior on the intercept, :math:`b = \bar y - \bar x^\top w + e`
    with :math:`\mathrm{Var}(e) = \sigma^2/n`, so

    .. math:: \mathrm{Var}(b) = \sigma^2/n + \bar x^\top S \bar x,\qquad
        \mathrm{Cov}(b, w) = -S\bar x.

    With ``noise_variance=1`` and ``inverse_xx`` :math:`= C^{-1}` this is
    :math:`(A^\top A)^{-1}` for :math:`A = [\mathbf 1, X]`.

    Given a factor ``root`` :math:`L` of :math:`S = L L^\top` (from the
    factorisation that solved the problem: :math:`D^{-1} P R^{-1}` for a
    pivoted QR of the scaled design, :math:`D^{-1} V \Lambda^{-1/2}` for an
    eigendecomposition), the quadratic form is the sum of squares
    :math:`\lVert L^\top \bar x\rVert^2` and :math:`S\bar x = L(L^\top\bar x)`:
    the large entries of ``S`` of both signs never meet, and the intercept's
    variance keeps its digits far from the origin (1e13 terms cancelling to
    0.1 on a degree-12 polynomial design cost 3 digits through ``S``, none
    through ``L``).  Without one, it is formed from ``S`` itself.  Either
    way, where rounding leaves no digit of :math:`\mathrm{Var}(b)`
    (:func:`quadratic_forms`: :math:`\bar x` large where :math:`S` has large
    entries of both signs), the intercept's row and column are NaN, with an
    :class:`~probml.exceptions.UndefinedStatisticWarning`, rather than digits
    that mean nothing.
    """
    if not moments.fit_intercept:
        return inverse_xx
    p = len(moments.x_mean)
    cov = np.empty((p + 1, p + 1))
    cov[0, 0], lost = intercept_variance(moments, inverse_xx, noise_variance, root)
    with np.errstate(over="ignore", invalid="ignore"):
        shift = (np.full(p, np.nan) if lost else root @ (root.T @ moments.x_mean)
                 if root is not None else inverse_xx @ moments.x_mean)
    cov[0, 1:] = cov[1:, 0] = -shift
    cov[1:, 1:] = inverse_xx
    return cov


def intercept_variance(moments, inverse_xx, noise_variance=1.0, root=None):
    r""":math:`\mathrm{Var}(b) = \sigma^2/n + \bar x^\top S \bar x` of
    :func:`full_covariance` (through ``root`` where given, ``inverse_xx`` :math:`S`
    unused), and whether rounding left it no digit: then NaN, with the warning."""
    with np.errstate(over="ignore", invalid="ignore"):
        if root is not None:
            total, lost = quadratic_forms_from_root(moments.x_mean[None, :], root,
                                                    noise_variance / moments.n)
        else:
            total, lost = quadratic_forms(moments.x_mean[None, :], inverse_xx,
                                          noise_variance / moments.n)
    if lost[0]:
        warn_intercept_variance_lost(moments.x_mean)
        return np.nan, True
    return total[0], False


def warn_intercept_variance_lost(x_mean):
    """The :class:`~probml.exceptions.UndefinedStatisticWarning` of an intercept's variance
    that rounding left without a digit (its standard error is then NaN)."""
    warn(
        f"The intercept's variance is lost to rounding (x_mean' S x_mean cancels, with "
        f"column means up to {np.max(np.abs(x_mean)):.3g}): its standard error "
        "and covariances are NaN. Centre X (subtract its column means) to have them.",
        UndefinedStatisticWarning)


# Below this share of y's sum of squares, the RSS is computed by a pass over the residuals.
_RSS_PASS_LIMIT = 1e-4


def residual_sum_of_squares(X, y, coef, intercept, moments):
    r"""The residual sum of squares, from the moments where that is accurate.

    :meth:`Moments.rss` costs nothing more, but carries an absolute error of
    about :math:`\epsilon s`; when the fit leaves
    less than :math:`10^{-4} s` unexplained that would cost more than 4 of the
    16 digits, and an explicit residual pass is made instead.
    """
    from_moments = moments.rss(coef)
    if from_moments > _RSS_PASS_LIMIT * moments.yy:
        return from_moments
    if X is None and moments.centred_data is None:
        raise DataRequired("the residual sum of squares is below what the moments resolve")
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
    if not moments.fit_intercept:
        return 0.0
    return mean_residual(moments, coef)


def mean_residual(moments, coef):
    r""":math:`\bar y - \bar x^\top w`, correctly rounded for the double-double means.

    Far from the origin the terms are large and cancel; every product is
    split exactly (:func:`~._error_free.two_product`) and the whole sum taken
    by ``math.fsum``, so the only error left is that of ``w`` itself.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        product, error = two_product(moments.x_mean, np.asarray(coef, dtype=np.float64))
        terms = np.concatenate([[moments.y_mean, moments.y_mean_low], -product, -error,
                                -moments.x_mean_low * coef])
    if not np.all(np.isfinite(terms)):
        return float(moments.y_mean - moments.x_mean @ coef)
    return math.fsum(terms.tolist())


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
            if X is None:
                raise DataRequired("the design is singular to working precision")
            return _solve_accurately(X, y, moments, "qr", feature_names)
        root = eigenvectors / np.sqrt(eigenvalues) / scale[:, None]
        inverse = root @ root.T
        coef = inverse @ moments.xy
        intercept = intercept_from_moments(coef, moments)
        rss = residual_sum_of_squares(X, y, coef, intercept, moments)
        # The normal equations' error moves the residuals by up to about kappa eps |u|:
        # an RSS below that may be all error, and the rows are solved accurately.
        rounding = rounding_level_rss(residual_magnitude(moments, coef, intercept),
                                      len(coef) + moments.fit_intercept, math.sqrt(condition))
        if solver == "auto" and rss <= rounding and X is not None:
            return _solve_accurately(X, y, moments, solver, feature_names)
        # The residual sum of squares from the moments carries eps * yy (see there).
        rss_error = rss_relative_error(rss, moments.yy)
        return LeastSquaresSolution(coef, intercept, full_covariance(inverse, moments, root=root),
                                    rss, len(coef), "cholesky", math.sqrt(condition),
                                    accuracy_digits(10 * len(coef) * condition * EPS
                                                    * moments.centring_loss + rss_error),
                                    rounding)
    if X is None:
        raise DataRequired("the design is too ill-conditioned for its moments alone")
    return _solve_accurately(X, y, moments, solver, feature_names)


def solve_wls(X, y, weights, fit_intercept, solver="auto", feature_names=None):
    r"""Weighted least squares, as least squares on the whitened rows (statsmodels' WLS).

    .. math:: \min_\theta \sum_i w_i (y_i - a_i^\top\theta)^2
        = \min_\theta \lVert \tilde y - \tilde A\theta\rVert^2,\qquad
        \tilde a_i = \sqrt{w_i}\,a_i,\quad \tilde y_i = \sqrt{w_i}\,y_i,

    with :math:`a_i = (1, x_i)` or :math:`x_i`: the intercept's column becomes
    :math:`\sqrt{w_i}`, no longer constant, so the whitened problem has no
    intercept and :func:`solve_ols` solves it over the whole parameter vector,
    choosing its algorithm from the whitened design's conditioning.  The
    solution is returned as :func:`solve_ols` returns one: the slopes, the
    intercept, the covariance over (intercept, slopes) and the slopes' rank.

    Parameters
    ----------
    X, y : ndarray
    weights : ndarray of shape (n,), all > 0
    fit_intercept : bool
    solver, feature_names : as for :func:`solve_ols`

    Returns
    -------
    solution : LeastSquaresSolution
    design, target : ndarray
        The whitened :math:`\tilde A` and :math:`\tilde y`.
    tss : float
        :math:`\sum_i w_i (y_i - \bar y_w)^2` about the weighted mean (about 0
        without an intercept), the total sum of squares of :math:`R^2`.
    """
    X, y = X.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
    root = np.sqrt(weights)
    design, target = whitened(root, X, y, feature_names)
    if fit_intercept:
        design = np.column_stack([root, design])
    labels = (["intercept"] if fit_intercept else []) + list(
        feature_names if feature_names is not None else [f"x{j}" for j in range(X.shape[1])])
    moments = Moments.from_data(design, target, fit_intercept=False, feature_names=labels,
                                squares="working")
    solution = solve_ols(design, target, moments, solver=solver, feature_names=labels)
    if fit_intercept:           # the whitened intercept column is a column of the solve
        solution = replace(solution, coef=solution.coef[1:], intercept=float(solution.coef[0]),
                           rank=solution.rank - 1)
    centre = np.einsum("i,i", weights, y) / weights.sum() if fit_intercept else 0.0
    deviation = y - centre
    return solution, design, target, float(np.einsum("i,i,i", weights, deviation, deviation))


def _scaled_design(X, y, moments):
    scale = column_scale(moments)
    return moments.centred(X, y)[0] / scale, scale


def rank_tolerance(n, p):
    """Relative size below which a singular value (or pivot of R) is rounding noise.

    The rounding errors of an orthogonal factorisation grow with the number of
    columns and, in practice, with the square root of the number of rows;
    condition numbers up to about 1e12 (at n = 1e6) stay on the full-rank side.
    """
    return 10 * np.finfo(float).eps * max(10 * p, math.sqrt(n))


def _solve_accurately(X, y, moments, solver, feature_names):
    from scipy import linalg

    # The factorisations need the whole design in float64 (a copy, for float32 data).
    X, y = X.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
    design, scale = _scaled_design(X, y, moments)
    q_factor, r_factor, pivots = linalg.qr(design, mode="economic", pivoting=True)
    diagonal = np.abs(np.diagonal(r_factor))
    if diagonal[-1] <= diagonal[0] * rank_tolerance(*design.shape):
        return _solve_rank_deficient(X, y, moments, feature_names)
    condition = float(np.linalg.cond(r_factor))
    n, p = X.shape
    k = p + moments.fit_intercept
    if solver == "mpmath" or (solver == "auto" and n * k ** 2 <= _MPMATH_SIZE_LIMIT
                              and k <= _MPMATH_PARAMETER_LIMIT):
        return _solve_multiprecision(X, y, moments)
    return _solve_refined_qr(X, y, moments, design, scale, q_factor, r_factor, pivots,
                             condition)


def _solve_refined_qr(X, y, moments, design, scale, q_factor, r_factor, pivots, condition,
                      max_steps=10):
    r"""Least squares by pivoted QR of the centred, scaled design, refined to double precision.

    The refinement is Björck's (1967) on the augmented system

    .. math:: \begin{pmatrix} I & A \\ A^\top & 0\end{pmatrix}
        \begin{pmatrix} r \\ \theta\end{pmatrix} = \begin{pmatrix} y \\ 0\end{pmatrix},

    :math:`A = [\mathbf 1, X]` the raw design and :math:`\theta = (b, w)`:
    each step computes :math:`f = y - r - A\theta` and :math:`g = -A^\top r`
    with error-free transformations (:mod:`._error_free`) and solves for the
    corrections with the QR factors of the centred, scaled design
    :math:`[\mathbf 1/\sqrt n, X_c D^{-1}] \approx Q\,\mathrm{diag}(1, R P^\top)`.
    Unlike refining the normal equations, it contracts at a rate of about
    :math:`\kappa\,\epsilon` rather than :math:`\kappa^2\epsilon`, whatever
    the size of the residual, so it reaches double precision for condition
    numbers up to about :math:`10^{14}`.  The size of the last correction is
    kept as the estimate of the coefficients' accuracy.
    """
    from scipy import linalg

    from ._error_free import column_dots

    n = X.shape[0]
    root_n = math.sqrt(n)
    intercept_column = moments.fit_intercept
    centre = moments.x_mean if intercept_column else np.zeros(X.shape[1])

    def correction(f, g_intercept, g_slopes):
        # z = T^-T g, T the map from (b, w) to the coordinates of the factored matrix.
        z_slopes = (g_slopes - centre * g_intercept) / scale
        h = linalg.solve_triangular(r_factor, z_slopes[pivots], trans="T")
        d = q_factor.T @ f
        step = np.empty(len(pivots))
        step[pivots] = linalg.solve_triangular(r_factor, d - h)
        delta_r = f + q_factor @ (h - d)
        delta_w = step / scale
        delta_b = 0.0
        if intercept_column:
            d0 = math.fsum(f.tolist()) / root_n
            h0 = g_intercept / root_n
            delta_r += (h0 - d0) / root_n
            delta_b = (d0 - h0) / root_n - centre @ delta_w
        return delta_r, delta_b, delta_w

    y_centred = y - moments.y_mean
    scaled = np.empty(len(pivots))
    scaled[pivots] = linalg.solve_triangular(r_factor, q_factor.T @ y_centred)
    coef = scaled / scale
    intercept = intercept_from_moments(coef, moments)
    high, low = residuals(X, y, coef, intercept)
    residual = high
    change = previous = math.inf
    for step in range(max_steps):
        if step:
            high, low = residuals(X, y, coef, intercept)
        f = (high - residual) + low
        g_intercept = -math.fsum(residual.tolist()) if intercept_column else 0.0
        delta_r, delta_b, delta_w = correction(f, g_intercept, -column_dots(X, residual))
        coef, intercept, residual = coef + delta_w, intercept + delta_b, residual + delta_r
        size = np.max(np.abs(delta_w) / np.maximum(np.abs(coef), np.finfo(float).tiny))
        previous, change = change, size
        if change <= np.finfo(float).eps or change >= previous:
            break
    # The refined residual is that of the exact solution; y - A theta at the rounded
    # coefficients would add ||A dtheta||^2, large when the design is ill conditioned.
    rss = math.fsum((residual * residual).tolist())
    root = np.empty((len(pivots), len(pivots)))
    root[pivots] = linalg.solve_triangular(r_factor, np.eye(len(pivots)))
    root /= scale[:, None]                      # S = D^-1 P R^-1 R^-T P^T D^-1 = root root^T
    inverse = root @ root.T
    # The coefficients are as accurate as the last correction says; the covariance
    # comes from R, with the relative error of a backward-stable QR, 10 p kappa eps.
    digits = min(accuracy_digits(min(change, previous)),
                 accuracy_digits(10 * len(coef) * condition * EPS))
    # The refined residuals are those of the exact solution: no solver error to add.
    rounding = rounding_level_rss(residual_magnitude(moments, coef, intercept),
                                  len(coef) + intercept_column)
    return LeastSquaresSolution(coef, intercept, full_covariance(inverse, moments, root=root),
                                rss, len(coef), "qr", condition, digits, rounding)


def _solve_multiprecision(X, y, moments):
    r"""Solve the normal equations of the input doubles exactly, in multiple precision.

    The Gram matrix :math:`A^\top A` and :math:`A^\top y` of the raw design
    :math:`A` (with its column of ones) are computed exactly by error-free
    transformations in double precision (:func:`~._error_free.exact_products`,
    a fraction of a second at :math:`n = 10^5`, 12 columns), then
    equilibrated and inverted in mpmath at a precision that covers the square
    of the condition number of the column-normalised :math:`A` with 30 digits
    to spare.  The coefficients and their covariance are therefore those of
    the input doubles correct to double precision, at any conditioning up to
    :math:`10^{17}` (beyond what double precision can measure, taken as such).
    The residual sum of squares is that of the exact solution,
    :math:`y^\top y - \theta^\top A^\top y`, from the same exact products.
    """
    import mpmath

    from ._error_free import exact_products

    n, p = X.shape
    design = np.column_stack([np.ones(n), X]) if moments.fit_intercept else X
    normalised = design / np.linalg.norm(design, axis=0)
    condition = np.linalg.cond(normalised)
    condition = min(condition, 1e17) if np.isfinite(condition) else 1e17
    context = mpmath.MPContext()
    context.dps = 30 + int(2 * math.log10(max(condition, 10.0)))
    exact_gram, exact_cross, exact_squares = exact_products(design, y)
    k = design.shape[1]
    gram = context.matrix(k, k)
    for i in range(k):
        for j in range(k):
            gram[i, j] = context.mpf(exact_gram[i][j])
    equilibration = [1 / context.sqrt(gram[i, i]) for i in range(k)]
    for i in range(k):
        for j in range(k):
            gram[i, j] *= equilibration[i] * equilibration[j]
    inverse = context.inverse(gram)
    for i in range(k):
        for j in range(k):
            inverse[i, j] *= equilibration[i] * equilibration[j]
    cross = context.matrix([context.mpf(v) for v in exact_cross])
    exact_params = inverse * cross
    # The RSS of the exact solution, y'y - theta'A'y (at the rounded coefficients it
    # would carry ||A dtheta||^2, which ill-conditioning makes large).
    rss = max(float(context.mpf(exact_squares)
                    - context.fdot([exact_params[i] for i in range(k)],
                                   [cross[i] for i in range(k)])), 0.0)
    params = np.array([float(v) for v in exact_params])
    unscaled_cov = np.array(inverse.tolist(), dtype=float)
    intercept = float(params[0]) if moments.fit_intercept else 0.0
    coef = params[1:] if moments.fit_intercept else params
    # The RSS is the exact solution's: no solver error to add.
    rounding = rounding_level_rss(residual_magnitude(moments, coef, intercept), k)
    return LeastSquaresSolution(coef, intercept, unscaled_cov, rss, p, "mpmath",
                                float(condition), accuracy_digits(16 * EPS), rounding)


def collinear_columns(null_space, tolerance=1e-8):
    """Indices of the columns that take part in an exact linear dependency."""
    involved = np.max(np.abs(null_space), axis=1) > tolerance
    return np.flatnonzero(involved)


def _solve_rank_deficient(X, y, moments, feature_names):
    """Minimum-norm least squares over the centred design, with a warning."""
    X, y = X.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
    design, scale = _scaled_design(X, y, moments)
    _, singular_values, vt = np.linalg.svd(design * scale, full_matrices=False)
    keep = singular_values > singular_values[0] * rank_tolerance(*design.shape)
    rank = int(keep.sum())
    columns = collinear_columns(vt[~keep].T)
    names = [str(feature_names[j]) if feature_names is not None else f"x{j}"
             for j in columns]
    constant = [names[i] for i, j in enumerate(columns) if moments.xx[j, j] == 0]
    detail = f" ({', '.join(constant)} constant)" if constant and moments.fit_intercept else ""
    warn(
        f"The design matrix is rank deficient (rank {rank} of {len(scale)} columns): "
        f"the columns {names}{detail} are linearly dependent, so their coefficients "
        "are not identified. Returning the minimum-norm least-squares solution; drop "
        "or combine those columns for coefficients that can be interpreted.",
        CollinearityWarning)
    root = vt[keep].T / singular_values[keep]
    inverse = root @ root.T
    # Rank 0 (every column constant): no direction is kept, the slopes are 0.
    kept_condition = singular_values[0] / singular_values[keep][-1] if rank else 1.0
    coef = inverse @ moments.xy
    intercept = intercept_from_moments(coef, moments)
    rss = residual_sum_of_squares(X, y, coef, intercept, moments)
    # The minimum-norm solution comes from the normal equations of the kept directions.
    rounding = rounding_level_rss(residual_magnitude(moments, coef, intercept),
                                  rank + moments.fit_intercept, kept_condition)
    return LeastSquaresSolution(coef, intercept, full_covariance(inverse, moments, root=root),
                                rss, rank, "svd", np.inf,
                                accuracy_digits(10 * len(scale) * kept_condition**2 * EPS),
                                rounding)
