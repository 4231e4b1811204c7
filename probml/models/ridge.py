r"""The Ridge family: MAP estimation under a Gaussian prior, its path and its leave-one-out error.

.. math:: \hat w, \hat b = \arg\min_{w, b}\ \lVert y - Xw - b\mathbf 1\rVert^2
    + \alpha \lVert w \rVert^2 = (C + \alpha I)^{-1} X_c^\top y_c,
    \qquad \hat b = \bar y - \bar x^\top \hat w,

with :math:`C = X_c^\top X_c` from the centred statistics of
:class:`~probml.models._moments.Moments`.  Everything that solves this
problem lives here: the Gram route (:func:`ridge_solution`) and the SVD route
(:func:`ridge_by_svd`), the choice between them (:func:`solve_ridge`), the
estimator :class:`Ridge`, the path over ``alpha`` (:func:`ridge_path`), and
leave-one-out without refitting (:func:`loo_residuals`, :func:`gcv_score`,
:class:`RidgeCV`): for a linear smoother with hat matrix :math:`H`, the
residual of the fit without sample :math:`i` at sample :math:`i` is the PRESS
residual

.. math:: y_i - \hat y_{(-i)} = \frac{y_i - \hat y_i}{1 - h_{ii}},

so one fit gives all :math:`n` leave-one-out errors.  Generalised
cross-validation replaces each :math:`h_{ii}` by their mean
:math:`\operatorname{tr}(H)/n` (Golub, Heath & Wahba 1979).
"""

import functools
import math
from dataclasses import dataclass

import numpy as np

from .._blocks import map_dask_chunks
from .._validation import (
    BOOLEAN,
    NONNEGATIVE,
    Options,
    SquaresOutOfRange,
    WeightedRows,
    check_matrix,
    check_positive,
    check_vector,
    check_weights,
    is_dask_collection,
    positive_result,
    record_features,
)
from ..inference import (
    CoefficientInference,
    as_count,
    parameter_names,
    rounding_level_rss,
)
from ._least_squares import (
    EPS,
    DataRequired,
    Units,
    accuracy_digits,
    equilibrate,
    full_covariance,
    intercept_from_moments,
    range_and_null_space,
    rank_tolerance,
    residual_magnitude,
    residual_sum_of_squares,
    rss_relative_error,
    solve_ols,
    solve_wls,
    spd_inverse,
    warn_if_inaccurate,
    warn_intercept_variance_lost,
)
from ._moments import Moments
from ._paths import RegularizationPath, check_penalties, path_moments
from .base import Regressor, warn_exact_fit
from .linear import change_units, check_enough_samples, noise_variance, refused_weights

__all__ = [
    "Ridge",
    "RidgeCV",
    "gcv_score",
    "loo_residuals",
    "prior_std_to_ridge_alpha",
    "ridge_alpha_to_prior_std",
    "ridge_path",
]


def ridge_alpha_to_prior_std(alpha, noise_std):
    r"""The prior standard deviation :math:`\tau = \sigma/\sqrt\alpha` that Ridge's ``alpha`` encodes.

    Ridge's estimate is the posterior mode under :math:`w \sim \mathcal N(0, \tau^2 I)`
    with Gaussian noise of standard deviation :math:`\sigma`, where
    :math:`\alpha = \sigma^2/\tau^2`.

    Examples
    --------
    >>> ridge_alpha_to_prior_std(4.0, noise_std=2.0)
    1.0
    """
    alpha = check_positive(alpha, "alpha", " (a zero penalty is a flat prior)")
    noise_std = check_positive(noise_std, "noise_std")
    return positive_result(lambda sigma, a: sigma / np.sqrt(a), "noise_std / sqrt(alpha)",
                           noise_std=noise_std, alpha=alpha)


def prior_std_to_ridge_alpha(prior_std, noise_std):
    r"""Ridge's ``alpha`` :math:`= \sigma^2/\tau^2` for the prior :math:`w \sim \mathcal N(0, \tau^2 I)`.

    Examples
    --------
    >>> prior_std_to_ridge_alpha(1.0, noise_std=2.0)
    4.0
    """
    prior_std = check_positive(prior_std, "prior_std")
    noise_std = check_positive(noise_std, "noise_std")
    return positive_result(lambda sigma, tau: (sigma / tau) ** 2, "(noise_std / prior_std)^2",
                           noise_std=noise_std, prior_std=prior_std)


# -- solving at one alpha ------------------------------------------------------------


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
    scale, correlation = equilibrate(xx)
    with np.errstate(over="ignore"):
        penalty = alpha / scale**2
    if not np.all(np.isfinite(penalty)):
        raise ValueError(f"The penalty alpha={alpha:.3g} divided by the columns' sums of squares "
                         f"(down to {np.min(scale) ** 2:.3g}) overflows float64; choose a smaller "
                         "alpha or rescale X.")
    rhs = xy / scale
    unscale = np.outer(scale, scale)
    Q, N = range_and_null_space(correlation)
    if N.shape[1] == 0:
        scaled_inverse = spd_inverse(correlation + np.diag(penalty))
        effective_df = float(np.sum(correlation * scaled_inverse))
        return (scaled_inverse @ rhs) / scale, scaled_inverse / unscale, effective_df
    if np.max(penalty) / np.min(penalty) > _PENALTY_SPAN:
        raise ValueError(_PER_COLUMN_PENALTY)
    E_inverse = spd_inverse((N.T * penalty) @ N)
    if Q.shape[1] == 0:                 # every column constant: the posterior is the prior
        return np.zeros(p), (N @ E_inverse @ N.T) / unscale, 0.0
    B = (Q.T * penalty) @ N
    data_block = Q.T @ correlation @ Q
    # A - B E^-1 B^T, the Schur complement of the penalty, is (Q^T P^-1 Q)^-1:
    # computed that way it cannot cancel, however strong the penalty; P is scaled by its
    # largest entry first, so a weak penalty's inverse does not overflow.
    strongest = float(np.max(penalty))
    S_inverse = spd_inverse(data_block
                            + strongest * spd_inverse((Q.T / (penalty / strongest)) @ Q))
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


@dataclass(frozen=True)
class SpectralInverse:
    r""":math:`A = (Z^\top Z + \alpha I)^{-1}` kept as the SVD of a ``Z`` with fewer rows
    than columns: :math:`O(pr)` numbers and work, never a :math:`p \times p` factorisation.

    With :math:`Z = U\Sigma V^\top` (``vectors`` :math:`= V^\top`, r x p: the directions
    the rows determine; ``squares`` :math:`= \Sigma^2`),

    .. math:: A = V(\Sigma^2 + \alpha)^{-1}V^\top + \frac{I - VV^\top}{\alpha},
        \qquad z^\top A z = \big\lVert(\Sigma^2+\alpha)^{-1/2}V^\top z\big\rVert^2
        + \frac{\lVert z - VV^\top z\rVert^2}{\alpha}:

    the prior's variance :math:`1/\alpha` along the :math:`p - r` directions the rows
    leave undetermined, and every quadratic form a sum of squares (so never the
    difference of :math:`z^\top z/\alpha` and a number close to it).  The Woodbury
    identity in the SVD's basis; :math:`A` itself, :math:`p^2` numbers, is formed only
    when asked for (:meth:`dense`, in :math:`O(p^2 r)`).
    """

    vectors: np.ndarray
    squares: np.ndarray
    alpha: float

    def _parts(self, Z, error=None):
        r""":math:`V^\top z` and :math:`z - VV^\top z` for each row of ``Z``, with bounds on
        their rounding errors (``error`` bounds those of ``Z`` itself; None: exact)."""
        V = self.vectors
        r, p = V.shape
        projected = Z @ V.T
        outside = Z - projected @ V
        magnitude = np.abs(V)
        projected_error = (2 * p + 1) * EPS * (np.abs(Z) @ magnitude.T)
        outside_error = (2 * r + 1) * EPS * (np.abs(Z) + np.abs(projected) @ magnitude)
        if error is not None:
            projected_error += error @ magnitude.T
            outside_error += error
        outside_error += projected_error @ magnitude
        return projected, outside, projected_error, outside_error

    def quadratic_forms(self, Z, scale=1.0, plus=0.0, error=None):
        r""":math:`\text{scale}\cdot z_i^\top A z_i + \text{plus}` for each row of ``Z``, and
        where rounding left no digit (the total not above its error bound, as
        :func:`~probml.models._least_squares.quadratic_forms_from_root` decides).

        Returns
        -------
        total : ndarray of shape (n,)
        lost : ndarray of bool, shape (n,)
        """
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            projected, outside, projected_error, outside_error = self._parts(Z, error)
            weights = 1.0 / (self.squares + self.alpha)
            total = scale * ((projected * projected) @ weights
                             + np.einsum("ij,ij->i", outside, outside) / self.alpha) + plus
            bound = scale * ((projected_error * (2 * np.abs(projected) + projected_error))
                             @ weights + np.einsum("ij,ij->i", outside_error,
                                                   2 * np.abs(outside) + outside_error)
                             / self.alpha)
        return total, (total <= bound) & np.isfinite(total)

    def diagonal(self):
        """The variances :math:`A_{jj}`, each a sum of nonnegative terms."""
        with np.errstate(over="ignore", under="ignore"):
            squared = self.vectors * self.vectors
            undetermined = np.clip(1.0 - squared.sum(axis=0), 0.0, None)
            return squared.T @ (1.0 / (self.squares + self.alpha)) + undetermined / self.alpha

    def dense(self):
        r""":math:`A` as a p x p array: :math:`I/\alpha - V\,\mathrm{diag}\big(\frac{s^2}
        {\alpha(s^2+\alpha)}\big)V^\top` off the diagonal, :meth:`diagonal` on it."""
        V = self.vectors
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            matrix = -(V.T * (self.squares / (self.alpha * (self.squares + self.alpha)))) @ V
            matrix = (matrix + matrix.T) / 2
        np.fill_diagonal(matrix, self.diagonal())
        return matrix

    def product(self, z):
        """:math:`A z` for a vector ``z``."""
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            projected = self.vectors @ z
            return (self.vectors.T @ (projected / (self.squares + self.alpha))
                    + (z - self.vectors.T @ projected) / self.alpha)

    def draws(self, normals):
        r"""Rows of standard normals mapped to :math:`\mathcal N(0, A)`: the part along
        :math:`V` scaled by :math:`(s^2+\alpha)^{-1/2}`, the rest by :math:`\alpha^{-1/2}`."""
        projected = normals @ self.vectors.T
        return ((normals - projected @ self.vectors) / math.sqrt(self.alpha)
                + (projected / np.sqrt(self.squares + self.alpha)) @ self.vectors)

    def full_covariance(self, moments):
        """Over (intercept, coef) with a flat-prior intercept, as
        :func:`~probml.models._least_squares.full_covariance` assembles it from a root."""
        inverse = self.dense()
        if not moments.fit_intercept:
            return inverse
        total, lost = self.quadratic_forms(moments.x_mean[None, :], plus=1.0 / moments.n)
        shift = self.product(moments.x_mean)
        if lost[0]:
            warn_intercept_variance_lost(moments.x_mean)
            total, shift = [np.nan], np.full_like(shift, np.nan)
        return np.block([[np.array([[total[0]]]), -shift[None, :]], [-shift[:, None], inverse]])


@dataclass
class RidgeSpectrum:
    """A Ridge fit through the SVD of the centred design (see :func:`ridge_by_svd`).

    ``root`` is a factor of the inverse (``inverse = root root^T``) or, with more
    features than rows, the :class:`SpectralInverse` itself (``inverse`` None).
    """

    coef: np.ndarray
    inverse: np.ndarray
    root: object
    effective_df: float
    df_resid: float
    rss: float
    condition_number: float
    digits: float


def ridge_by_svd(X_centred, y_centred, alpha, fit_intercept, svd):
    r"""Ridge through the SVD :math:`X_c = U \Sigma V^\top`: for as many features as rows or
    more, and wherever the Gram matrix is too ill-conditioned for the penalty to rescue.

    .. math:: \hat w = V \frac{\Sigma}{\Sigma^2 + \alpha} U^\top y_c,\qquad
        (C + \alpha I)^{-1} = V (\Sigma^2 + \alpha)^{-1} V^\top + \frac{V_\perp V_\perp^\top}{\alpha},

    with :math:`V_\perp` a basis of the null space, so the covariance is a sum of
    squares (``root``) and never the difference of :math:`I/\alpha` and a matrix
    close to it.  With more features than rows :math:`V_\perp V_\perp^\top = I - VV^\top`
    is not formed from a full :math:`V` (:math:`O(p^3)`): the inverse is a
    :class:`SpectralInverse`, whose quadratic forms are sums of squares too.  With a
    small ``alpha`` and :math:`p \ge n` the Gram route divides rounding noise by
    ``alpha``; this one keeps every digit (scikit-learn's ``svd`` solver does the
    same).  ``svd`` is the thin ``U, s, Vt`` of ``X_centred`` (:attr:`CentredDesign.svd`).

    Singular values below :func:`rank_tolerance` are exact zeros blurred by
    rounding (centring leaves at most n - 1 nonzero ones) and are dropped, so
    the residual degrees of freedom

    .. math:: n - \mathbb 1_b - \operatorname{tr} H
        = (n - \mathbb 1_b - r) + \sum_{k \le r} \frac{\alpha}{s_k^2 + \alpha}

    are a sum of nonnegative terms, which rounding cannot push below 0, and
    the residual sum of squares,
    :math:`\sum_{k \le r} \big(\frac{\alpha}{s_k^2+\alpha}\big)^2 (U^\top y_c)_k^2
    + \sum_{k > r} (U^\top y_c)_k^2`, is a sum of squares too (its second part,
    the data outside the column space, is exactly 0 when the centred design has
    rank n - 1, and is taken so, not as rounding noise).
    """
    n, p = X_centred.shape
    U, singular_values, Vt = svd
    tolerance = singular_values[0] * rank_tolerance(n, p) if len(singular_values) else 0.0
    rank = min(int(np.sum(singular_values > tolerance)), n - fit_intercept)
    values = singular_values[:rank]
    projected = U.T @ y_centred
    squares = values ** 2
    shrink = alpha / (squares + alpha)
    coef = Vt[:rank].T @ (values / (squares + alpha) * projected[:rank])
    if len(Vt) < p:
        inverse, root = None, SpectralInverse(Vt[:rank], squares, alpha)
    else:
        variances = np.r_[1.0 / (squares + alpha), np.full(p - rank, 1.0 / alpha)]
        root = Vt.T * np.sqrt(variances)
        inverse = root @ root.T
    effective_df = float(np.sum(squares / (squares + alpha)))
    df_resid = float((n - fit_intercept - rank) + np.sum(shrink))
    # Beyond the rank, y_c's part outside the column space; with an intercept, U's
    # direction 1/sqrt(n) is among those, and y_c has no part along it but rounding.
    if p >= n:
        outside = 0.0
        if rank < n - fit_intercept:
            outside = float(np.sum(projected[rank:] ** 2))
            if fit_intercept:
                outside = max(outside - math.fsum(y_centred.tolist()) ** 2 / n, 0.0)
        rss = float(np.sum((shrink * projected[:rank]) ** 2)) + outside
    else:                       # U is n x p: the residual directly
        residual = y_centred - X_centred @ coef
        rss = math.fsum((residual * residual).tolist())
    # The scaled design X_c D^-1 = U (S V^T D^-1) has the singular values of the small
    # matrix S V^T D^-1, whose column norms are those of X_c: no second pass over the data.
    small = singular_values[:, None] * Vt[:len(singular_values)]
    norms = np.linalg.norm(small, axis=0)
    scaled_values = np.linalg.svd(small / np.where(norms > 0, norms, 1.0), compute_uv=False)
    condition = (scaled_values[0] / scaled_values[-1] if scaled_values[-1] > 0 else math.inf)
    # A singular value off by eps s_max moves s / (s^2 + alpha) by at most that relative
    # to max(s, sqrt(alpha)): the error in the coefficients and variances.
    digits = (accuracy_digits(10 * p * EPS * values[0] / max(values[-1], math.sqrt(alpha)))
              if rank else 15.0)
    return RidgeSpectrum(coef, inverse, root, effective_df, df_resid, rss,
                         float(condition), digits)


def ridge_accuracy(xx, alpha, rss=None, yy=None, centring_loss=1.0):
    r"""Condition number of the scaled design and the digits of a Ridge solve at ``alpha``.

    :func:`ridge_solution` factors :math:`R + \alpha D^{-2}` (``R`` the
    correlation matrix) equilibrated to a unit diagonal (:func:`spd_inverse`),
    whose relative error is about :math:`\kappa\,\epsilon` with :math:`\kappa`
    the condition number of the equilibrated matrix (a penalty far larger on
    one column than on another, as per-column penalties in rescaled units
    make, is a scaling, which Cholesky does not suffer from; van der Sluis
    1969); with ``alpha = 0`` the OLS solver reports its own.
    """
    scale, correlation = equilibrate(xx)
    eigenvalues = np.linalg.eigvalsh(correlation)
    condition = (math.sqrt(eigenvalues[-1] / eigenvalues[0]) if eigenvalues[0] > 0
                 else math.inf)
    with np.errstate(over="ignore", divide="ignore"):
        penalised = np.linalg.eigvalsh(equilibrate(correlation + np.diag(alpha / scale**2))[1])
    penalised_condition = penalised[-1] / penalised[0] if penalised[0] > 0 else math.inf
    return condition, accuracy_digits(10 * len(xx) * penalised_condition * EPS * centring_loss
                                      + rss_relative_error(rss, yy))


# Fewer digits than this through the Gram matrix send Ridge to the SVD of the design.
_GRAM_RIDGE_DIGITS = 12


@dataclass
class RidgeFit:
    coef: np.ndarray
    unscaled_cov: np.ndarray        # over (intercept, coef)
    effective_df: float
    rss: float
    df_resid: float
    condition: float
    digits: float
    solver: str
    rounding_rss: float = 0.0       # the RSS rounding alone leaves (rounding_level_rss)


# Penalties further apart than this (from columns in units 2**300 and more apart) are
# solved only where no column is collinear with others and the Gram matrix suffices.
_PENALTY_SPAN = 2.0 ** 600
_PER_COLUMN_PENALTY = (
    "Ridge: the columns of X are on scales so far apart (beyond 2**300 of each other, with "
    "squares beyond double precision) that the penalty differs per column in any common "
    "units, and this problem (more features than rows, collinear columns, or an "
    "ill-conditioned design) needs one penalty; rescale X's columns (alpha scales with "
    "their squares).")


def _penalty_in_units(alpha, units):
    r""":math:`\alpha/d_j^2`, the penalty on the weights of the columns divided by
    :math:`d_j = 2^{a_j}` (:class:`Units`), refused where it leaves double precision."""
    with np.errstate(over="ignore", under="ignore"):
        penalty = np.ldexp(float(alpha), -2 * units.x)
    # A subnormal penalty has lost its digits (and 1/penalty, the prior's variance, its range).
    if alpha > 0 and not np.all((penalty >= np.finfo(float).tiny) & np.isfinite(penalty)):
        raise ValueError(f"alpha={alpha:g} against the squares of X (values near "
                         f"2**{int(np.max(units.x))}) is beyond double precision (about "
                         "1e-308 to 1e308) in any units; rescale X (alpha then scales with "
                         "its square).")
    return float(penalty[0]) if units.common else penalty


class CentredDesign:
    """The centred data and their SVD, each computed on first use and then kept.

    A path solves many penalties from one design: the SVD route needs the
    decomposition once, not once per penalty.  ``shape`` is known before the
    data are centred.
    """

    def __init__(self, X, y, moments):
        self._data, self._moments = (X, y), moments
        self.shape = X.shape

    @classmethod
    def of_centred(cls, X_centred, y_centred):
        """The design of rows centred already (and whitened: :meth:`Moments.weighted`)."""
        design = cls(X_centred, y_centred, None)
        design._centred = (X_centred, y_centred)
        return design

    @functools.cached_property
    def _centred(self):
        return self._moments.centred(*self._data)

    @property
    def X(self):
        return self._centred[0]

    @property
    def y(self):
        return self._centred[1]

    @functools.cached_property
    def svd(self):
        """The thin ``U, s, Vt`` of the centred design (``Vt`` has min(n, p) rows: the null
        space of a wide design is left implicit, see :class:`SpectralInverse`)."""
        return np.linalg.svd(self.X, full_matrices=False)


def solve_ridge(X, y, moments, alpha, centred=None):
    """Ridge at ``alpha > 0``: through the Gram matrix, or the SVD of the design when needed.

    The Gram route (:func:`ridge_solution`) is taken when the rows outnumber
    the parameters and it keeps at least 12 digits; otherwise the SVD of the
    centred design (:func:`ridge_by_svd`), which keeps them all and whose
    residual degrees of freedom cannot go negative by rounding.  ``centred``
    (a :class:`CentredDesign`) lets several penalties share one SVD.
    """
    n, p = X.shape if X is not None else (moments.n, len(moments.xy))
    fit_intercept = moments.fit_intercept
    if p + fit_intercept < n:
        coef, inverse, effective_df = ridge_solution(moments.xx, moments.xy, alpha)
        rss = residual_sum_of_squares(X, y, coef, intercept_from_moments(coef, moments),
                                      moments)
        condition, digits = ridge_accuracy(moments.xx, alpha, rss, moments.yy,
                                           moments.centring_loss)
        if digits >= _GRAM_RIDGE_DIGITS:
            # The effective df cannot exceed the rank of the centred design (n - 1 with
            # an intercept); the residual df is clipped at 0 against rounding.
            return RidgeFit(coef, full_covariance(inverse, moments), effective_df, rss,
                            max(n - fit_intercept - effective_df, 0.0), condition, digits,
                            "cholesky", _rounding_rss(coef, moments, digits))
    if X is None and centred is None:
        raise DataRequired("the penalised problem needs the rows (too few digits from the "
                           "Gram matrix, or more features than rows)")
    if np.ndim(alpha):
        raise ValueError(_PER_COLUMN_PENALTY)
    centred = centred or CentredDesign(X, y, moments)
    spectrum = ridge_by_svd(centred.X, centred.y, alpha, fit_intercept, centred.svd)
    unscaled_cov = (spectrum.root.full_covariance(moments) if spectrum.inverse is None
                    else full_covariance(spectrum.inverse, moments, root=spectrum.root))
    return RidgeFit(spectrum.coef, unscaled_cov,
                    spectrum.effective_df, spectrum.rss, spectrum.df_resid,
                    spectrum.condition_number, spectrum.digits, "svd",
                    _rounding_rss(spectrum.coef, moments, spectrum.digits))


def _rounding_rss(coef, moments, digits):
    r"""The RSS rounding alone leaves (:func:`~probml.inference.rounding_level_rss`), with
    the solve's own error, :math:`10^{-\text{digits}}` relative, in units of eps."""
    return rounding_level_rss(
        residual_magnitude(moments, coef, intercept_from_moments(coef, moments)),
        len(coef) + moments.fit_intercept, 10.0 ** -digits / EPS)


class Ridge(CoefficientInference, Regressor):
    r"""Ridge regression: the MAP estimate under a Gaussian prior on the weights.

    .. math:: \hat w, \hat b = \arg\min_{w, b}\ \lVert y - Xw - b\mathbf 1\rVert^2
        + \alpha \lVert w \rVert^2 = \big(C + \alpha I\big)^{-1} X_c^\top y_c,
        \quad \hat b = \bar y - \bar x^\top \hat w,

    scikit-learn's objective and ``alpha``, the intercept unpenalised.  It is
    the posterior mode (and mean) under :math:`y \mid w \sim \mathcal N(Xw + b,
    \sigma^2 I)`, :math:`w \sim \mathcal N(0, (\sigma^2/\alpha) I)` and a flat
    prior on :math:`b`; convert with :func:`ridge_alpha_to_prior_std` and
    :func:`prior_std_to_ridge_alpha`.

    The standard errors and intervals are those of that Gaussian posterior,
    :math:`\hat\sigma^2 (A^\top A + \alpha\,\mathrm{diag}(0, I))^{-1}`, with
    :math:`\hat\sigma^2 = \mathrm{RSS}/(n - 1 - \mathrm{df})` and the effective
    degrees of freedom :math:`\mathrm{df} = \operatorname{tr}\,C (C+\alpha I)^{-1}`:
    they are conditional on the penalty, not frequentist confidence intervals.

    Parameters
    ----------
    alpha : float >= 0, default=1.0
        Penalty strength; ``alpha = 0`` is OLS.  It carries the units of
        :math:`X^2` (the penalty :math:`\alpha\lVert w\rVert^2` is added to a sum
        of squares of y, and w has the units of y/X), so expressing X in units
        c times smaller (multiplying it by c) asks for :math:`c^2\alpha` to
        penalise the same fit; y's units do not enter.  Data whose squares
        leave double precision are fitted in units that are powers of two, with
        alpha converted the same way (:math:`\alpha/d_j^2` for column j
        divided by :math:`d_j`), so the fit is that of the data as given.
    fit_intercept : bool, default=True

    Attributes
    ----------
    coef_, intercept_, params_, bse_, cov_params_, sigma_ : as in LinearRegression
    effective_df_ : float
        :math:`\operatorname{tr}\,C (C+\alpha I)^{-1}`.
    prior_std_ : float
        :math:`\hat\sigma/\sqrt\alpha`, the prior standard deviation the
        penalty amounts to at the estimated noise level.
    condition_number_, accuracy_digits_, exact_fit_ : float, float, bool
        As in :class:`LinearRegression`; the digits account for the
        penalty, which improves the conditioning.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0]])
    >>> Ridge(alpha=1.0).fit(X, np.array([2.1, 3.9, 6.2, 7.8])).coef_.round(4)
    array([1.6167])
    """

    _summary_title = "Ridge regression (Gaussian-prior MAP)"
    _parameter_domains = {"alpha": NONNEGATIVE, "fit_intercept": BOOLEAN}

    def __init__(self, alpha=1.0, fit_intercept=True):
        self.alpha = alpha
        self.fit_intercept = fit_intercept

    def fit(self, X, y, sample_weight=None):
        r"""Fit the MAP estimate and its posterior covariance.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Analytic weights, scikit-learn's: the objective is
            :math:`\sum_i w_i (y_i - b - x_i^\top w)^2 + \alpha\lVert w\rVert^2`
            (row :math:`i` has noise variance :math:`\sigma^2/w_i`).  It is
            solved on the rows of positive weight, centred about the weighted
            means and whitened, :math:`\sqrt{w_i}(x_i - \bar x_w)`; the
            residual degrees of freedom count those rows.

        Returns
        -------
        self
        """
        if is_dask_collection(X) or is_dask_collection(y):
            from .streaming import fit_chunks      # streaming builds on this module

            return fit_chunks(self, X, y, sample_weight=sample_weight)
        params = self._check_params()
        alpha, fit_intercept = params["alpha"], params["fit_intercept"]
        X, y, names = self._validate_training_data(X, y)
        n, p = X.shape
        weights = check_weights(sample_weight, "sample_weight", n)
        if weights is not None:
            rows = WeightedRows(weights)
            X, y, weights, n = X[rows.keep], y[rows.keep], rows.weights, len(rows.keep)
        if alpha == 0:
            check_enough_samples(n, p + fit_intercept, "Ridge with alpha=0 (OLS)")
        try:
            return self._fit_rows(X, y, weights, names, alpha)
        except SquaresOutOfRange:
            # Squares beyond the working range: fit in units that bring the data near 1,
            # with the penalty in those units (alpha / d_j^2 for column j).
            units = Units.of(X, y, common=True)
        with refused_weights(None if weights is None else rows):
            self._fit_rows(*units.scaled(X, y), weights, names, _penalty_in_units(alpha, units))
        change_units(self, units)
        self.prior_std_ = self.sigma_ / math.sqrt(alpha) if alpha > 0 else math.inf
        return self

    def _fit_rows(self, X, y, weights, names, alpha):
        """Solve and store the fit of the rows (weighted, with ``weights`` > 0) at the
        penalty ``alpha`` (one per column, in the units of a rescaled ``X``)."""
        fit_intercept = bool(self.fit_intercept)
        n, p = X.shape
        intercept = None
        if np.all(alpha == 0):
            if weights is None:
                moments = Moments.from_data(X, y, fit_intercept=fit_intercept,
                                            feature_names=names, squares="working")
                solution = solve_ols(X, y, moments, feature_names=names)
            else:
                solution = solve_wls(X, y, weights, fit_intercept, feature_names=names)[0]
                intercept = solution.intercept
            fitted = RidgeFit(solution.coef, solution.unscaled_cov, float(solution.rank),
                              solution.rss, float(n - fit_intercept - solution.rank),
                              solution.condition_number, solution.digits, solution.solver,
                              solution.rounding_rss)
        else:
            if weights is None:
                moments = Moments.from_data(X, y, fit_intercept=fit_intercept,
                                            feature_names=names, squares="working")
            else:
                X, y, moments = Moments.weighted(X, y, weights, fit_intercept=fit_intercept,
                                                 feature_names=names, squares="working")
            fitted = solve_ridge(X, y, moments, alpha)
        if intercept is None:
            intercept = intercept_from_moments(fitted.coef, moments)
        return self._store_fit(fitted, intercept, names, p, n)

    def _fit_moments(self, moments, feature_names=None):
        """Fit from the sufficient statistics alone (see
        :func:`probml.models.streaming.fit_statistics`); :class:`DataRequired` when the
        penalised problem needs the rows (more features than rows, or too few digits from
        the Gram matrix)."""
        params = self._check_params()
        alpha, fit_intercept = params["alpha"], params["fit_intercept"]
        if alpha == 0 or moments.fit_intercept != fit_intercept:
            raise DataRequired("Ridge with alpha=0 is least squares, fitted from the rows")
        p = len(moments.x_mean)
        fitted = solve_ridge(None, None, moments, alpha)
        record_features(self, p, feature_names)
        return self._store_fit(fitted, intercept_from_moments(fitted.coef, moments),
                               feature_names, p, moments.n)

    def _store_fit(self, fitted, intercept, names, p, n):
        """The estimates and their posterior, from a solution."""
        alpha, fit_intercept = self.alpha, bool(self.fit_intercept)
        self.condition_number_, self.accuracy_digits_ = fitted.condition, fitted.digits
        warn_if_inaccurate(f"Ridge(alpha={alpha:g})", fitted.digits, fitted.condition,
                           fitted.solver)
        coef, rss = fitted.coef, fitted.rss
        self.coef_, self.intercept_ = coef, intercept
        self.n_samples_ = n
        self.effective_df_, self.df_resid_ = fitted.effective_df, fitted.df_resid
        scale = noise_variance(rss, self.df_resid_, f"Ridge(alpha={alpha:g})")
        # Without residual degrees of freedom the tests are undefined already (said above).
        self.exact_fit_ = self.df_resid_ > 0 and warn_exact_fit(f"Ridge(alpha={alpha:g})", rss,
                                                                fitted.rounding_rss)
        self.sigma_ = math.sqrt(scale)
        self.prior_std_ = self.sigma_ / math.sqrt(alpha) if alpha > 0 else math.inf
        params = np.r_[intercept, coef] if fit_intercept else coef
        self._store_table(parameter_names(names, p, fit_intercept), params,
                          fitted.unscaled_cov, self.df_resid_, scale, exact=self.exact_fit_)
        self.rss_ = rss
        return self

    def _summary_info(self):
        return [
            ("No. observations", as_count(self.n_samples_)),
            ("alpha", self.alpha),
            ("Effective df", self.effective_df_),
            ("Prior std (sigma/sqrt(alpha))", self.prior_std_),
            ("Residual std. error", self.sigma_),
        ]

    def _summary_notes(self):
        return ["Standard errors, intervals and p-values are those of the Gaussian "
                "posterior given alpha: they are conditional on the penalty."]


# -- every alpha at once ---------------------------------------------------------------


def ridge_path(X, y, alphas, *, fit_intercept=True):
    r"""Ridge fits (``probml.Ridge``'s objective) over a grid of ``alpha``.

    Each alpha is solved by :func:`solve_ridge`, as :class:`~probml.Ridge`
    solves it: from one Gram matrix where that keeps 12 digits (exactly along
    directions the data leave undetermined), else from the SVD of the design.

    Returns
    -------
    RegularizationPath
    """
    X, y, moments = path_moments(X, y, fit_intercept)
    alphas = check_penalties(alphas)
    centred = CentredDesign(X, y, moments)
    coef = np.array([solve_ridge(X, y, moments, alpha, centred).coef for alpha in alphas])
    intercept = moments.y_mean - coef @ moments.x_mean
    return RegularizationPath(alphas, coef, intercept)


# Below this ratio of its extreme eigenvalues, the spectrum of X_c'X_c (which squares
# the condition number) is taken from the SVD of X_c.
_SQUARED_CONDITION_LIMIT = 1e-6


@dataclass
class _Spectrum:
    r"""The centred design in the eigenbasis of :math:`X_c^\top X_c` (for every alpha at
    once): the kept eigenvalues :math:`\lambda_j`, :math:`Z^\top y_c`, the number of
    rows, the statistics, and the basis :math:`V` that gives :math:`Z = X_c V` for any
    rows (None where :math:`Z = U\Sigma` came from the SVD of all rows)."""

    eigenvalues: np.ndarray
    projected: np.ndarray
    n: int
    moments: Moments
    basis: np.ndarray = None

    def rows(self, X, y):
        """:math:`Z` and :math:`y_c` of some rows (a Dask chunk, or all of them)."""
        X_centred, y_centred = self.moments.centred(X, y)
        return X_centred @ self.basis, y_centred


def _ridge_spectrum(X, y, fit_intercept):
    r"""The spectrum (:class:`_Spectrum`) of the data, with :math:`Z` and :math:`y_c`.

    For a well-conditioned design, from ``eigh`` of :math:`X_c^\top X_c`; when
    its eigenvalues span more than six orders of magnitude, or the rows cannot
    determine every column, from the SVD :math:`X_c = U\Sigma V^\top`
    (:math:`Z = U\Sigma`), whose small singular values, and so the leverages,
    keep their digits.  Dask ``X`` and ``y`` are
    read a row chunk at a time: their spectrum comes from the merged statistics
    (:func:`~probml.models.streaming.chunk_statistics`, one pass), and
    :math:`Z`, :math:`y_c` are then the Dask arrays themselves, turned into rows
    of :math:`Z` chunk by chunk (:meth:`_Spectrum.rows`).

    Directions whose eigenvalue is rounding noise (below :math:`p\,\epsilon`
    of the largest, or singular values below :func:`rank_tolerance`, as in
    :func:`ridge_by_svd`: a duplicated column, more columns than rows) carry
    no information from the data and are dropped, so they cannot be divided
    by a small alpha.
    """
    fit_intercept = BOOLEAN(fit_intercept, "fit_intercept")
    chunked = is_dask_collection(X) or is_dask_collection(y)
    if chunked:
        from .streaming import dask_design, merged_statistics   # builds on this module

        X, y, names = dask_design(X, y)
        moments = merged_statistics(X, y, fit_intercept)[0]
    else:
        X, names = check_matrix(X, finite=False)
        y = check_vector(y, "y", n_samples=X.shape[0])
        moments = Moments.from_data(X, y, fit_intercept=fit_intercept, feature_names=names)
    n = X.shape[0]
    # Rows too few to determine every column: the Gram matrix is singular and its
    # eigendecomposition, O(p^3), would only be set aside for the SVD of the rows.
    wide = not chunked and n - fit_intercept < X.shape[1]
    eigenvalues, V = (None, None) if wide else np.linalg.eigh(moments.xx)
    if wide or eigenvalues[0] < _SQUARED_CONDITION_LIMIT * eigenvalues[-1]:
        if chunked:
            raise ValueError("The design is ill-conditioned (its Gram matrix's eigenvalues "
                             "span more than six orders of magnitude): its leverages need the "
                             "SVD of the rows in memory; compute X and y, or rescale them.")
        # Eigenvalues of X_c'X_c below ~1e-6 of the largest carry its rounding error
        # relative to the largest: take the spectrum from the SVD of X_c instead.
        Xc, yc = moments.centred(X, y)
        U, singular_values, _ = np.linalg.svd(Xc, full_matrices=False)
        keep = singular_values > rank_tolerance(*Xc.shape) * singular_values[0]
        Z = U[:, keep] * singular_values[keep]
        return _Spectrum(singular_values[keep] ** 2, Z.T @ yc, n, moments), Z, yc
    keep = eigenvalues > max(X.shape[1], 1) * EPS * max(eigenvalues[-1], 0.0)
    spectrum = _Spectrum(eigenvalues[keep], V[:, keep].T @ moments.xy, n, moments,
                         V[:, keep])
    if chunked:
        return spectrum, X, y
    return (spectrum, *spectrum.rows(X, y))


def _fits_and_leverages(spectrum, Z, alpha, fit_intercept):
    """The fitted (centred) values and the leverages of the rows ``Z`` at ``alpha``."""
    shrink = 1.0 / (spectrum.eigenvalues + alpha)
    fitted = Z @ (spectrum.projected * shrink)
    leverage = (Z * Z) @ shrink + (1.0 / spectrum.n if fit_intercept else 0.0)
    return fitted, leverage


def loo_residuals(X, y, alpha=0.0, *, fit_intercept=True):
    r"""Leave-one-out residuals of least squares (``alpha = 0``) or Ridge, without refitting.

    .. math:: e_{(-i)} = \frac{y_i - \hat y_i}{1 - h_{ii}},\qquad
       h_{ii} = \tfrac1n + x_{c,i}^\top (X_c^\top X_c + \alpha I)^{-1} x_{c,i}

    (the intercept, unpenalised, contributes the :math:`1/n`).  Equal to
    refitting without each row in turn, at the cost of one fit.  For Dask ``X``
    and ``y`` the residuals are a lazy Dask array in ``X``'s row chunks (one pass
    for the statistics now, one over the chunks when computed).

    >>> X = np.array([[0.0], [1.0], [2.0], [4.0]]); y = np.array([0.0, 1.0, 1.0, 3.0])
    >>> loo_residuals(X, y).round(4)
    array([ 0.    ,  0.4167, -0.5769,  0.8333])
    """
    alpha = NONNEGATIVE(alpha, "alpha")
    spectrum, Z, yc = _ridge_spectrum(X, y, fit_intercept)
    if not is_dask_collection(Z):
        return _loo(spectrum, Z, yc, alpha, fit_intercept)
    import dask.array as da

    def chunk(X, y, block_info=None):
        start = block_info[0]["array-location"][0][0]
        return _loo(spectrum, *spectrum.rows(X, y[:, 0]), alpha, fit_intercept, start)
    return da.map_blocks(chunk, Z, yc[:, None], drop_axis=1, dtype=np.float64)


def _loo(spectrum, Z, yc, alpha, fit_intercept, start=0, name="alpha"):
    """The LOO residuals of the rows ``Z``, ``yc`` (the first at row ``start``); ``name``
    is the argument that gave ``alpha``, for the error."""
    fitted, leverage = _fits_and_leverages(spectrum, Z, alpha, fit_intercept)
    if np.any(leverage >= 1 - 1e-12):
        row = start + int(np.argmax(leverage))
        raise ValueError(f"row {row} has leverage 1: the fit without it is not determined "
                         f"(too few rows for the parameters, or a unique feature value) at "
                         f"{_penalty_named(alpha, name)}; use a larger alpha.")
    return (yc - fitted) / (1.0 - leverage)


def _penalty_named(alpha, name):
    """``alpha=...``, and the argument it came from when that is not ``alpha``."""
    return f"alpha={float(alpha)!r}" + ("" if name == "alpha" else f" (one of {name})")


def gcv_score(X, y, alpha=0.0, *, fit_intercept=True):
    r"""Generalised cross-validation: :math:`\frac1n\mathrm{RSS} / (1 - \operatorname{tr}H/n)^2`
    (for Dask ``X`` and ``y``, two passes over their row chunks)."""
    alpha = NONNEGATIVE(alpha, "alpha")
    spectrum, Z, yc = _ridge_spectrum(X, y, fit_intercept)
    return _gcv(spectrum, _chunk_sums(
        spectrum, Z, yc, lambda Z, yc, start: _gcv_sums(spectrum, Z, yc, alpha, fit_intercept)),
        alpha)


def _gcv_sums(spectrum, Z, yc, alpha, fit_intercept):
    """The residual sum of squares and the trace of the hat matrix over the rows ``Z``."""
    fitted, leverage = _fits_and_leverages(spectrum, Z, alpha, fit_intercept)
    return np.array([np.sum((yc - fitted) ** 2), leverage.sum()])


def _gcv(spectrum, sums, alpha, name="alpha"):
    rss, trace = sums
    unexplained = 1.0 - trace / spectrum.n
    if unexplained <= 1e-12:
        raise ValueError(f"GCV is undefined at {_penalty_named(alpha, name)}: the fit "
                         "interpolates the data (the trace of the hat matrix is n); use a "
                         "larger alpha.")
    return float(rss / spectrum.n / unexplained ** 2)


def _chunk_sums(spectrum, Z, yc, function):
    """``function(Z, yc, start)`` of all rows; for Dask rows, summed over their row chunks
    (each chunk's rows of Z by :meth:`_Spectrum.rows`) in one pass."""
    if not is_dask_collection(Z):
        return function(Z, yc, 0)
    return sum(map_dask_chunks(lambda start, X, y: function(*spectrum.rows(X, y), start),
                               Z, yc))


class RidgeCV(Regressor):
    """Ridge with ``alpha`` chosen by closed-form leave-one-out (or GCV) error.

    One eigendecomposition of the Gram matrix serves every alpha.

    Attributes
    ----------
    alpha_ : float
    cv_values_ : ndarray
        Mean squared LOO (or GCV) error per alpha.
    coef_, intercept_ : the Ridge fit at ``alpha_``.
    """

    _parameter_domains = {"criterion": Options("loo", "gcv"), "fit_intercept": BOOLEAN}

    def __init__(self, alphas=(0.1, 1.0, 10.0), criterion="loo", fit_intercept=True):
        self.alphas = alphas
        self.criterion = criterion
        self.fit_intercept = fit_intercept

    def fit(self, X, y):
        """Score every alpha and fit Ridge at the best.  ``X`` and ``y`` may be Dask
        collections: one pass gives the Gram matrix, one more every alpha's score."""
        params = self._check_params()
        alphas = check_penalties(self.alphas)[::-1]
        fit_intercept = params["fit_intercept"]
        chunked = is_dask_collection(X) or is_dask_collection(y)
        if not chunked:
            X, y, _ = self._validate_training_data(X, y)
        spectrum, Z, yc = _ridge_spectrum(X, y, fit_intercept)
        if spectrum.n < 2:
            raise ValueError(f"RidgeCV leaves each sample out in turn, so it needs at least 2 "
                             f"samples; got n_samples = {spectrum.n}.")
        loo = params["criterion"] == "loo"

        def scores(Z, yc, start):
            """Per alpha: the sum of squared LOO residuals, or GCV's two sums."""
            return np.array([np.sum(_loo(spectrum, Z, yc, alpha, fit_intercept, start,
                                         "alphas") ** 2)
                             if loo else _gcv_sums(spectrum, Z, yc, alpha, fit_intercept)
                             for alpha in alphas])
        sums = _chunk_sums(spectrum, Z, yc, scores)
        self.cv_values_ = (sums / spectrum.n if loo else
                           np.array([_gcv(spectrum, pair, alpha, "alphas")
                                     for pair, alpha in zip(sums, alphas)]))
        self.alpha_ = float(alphas[int(np.argmin(self.cv_values_))])
        model = Ridge(alpha=self.alpha_, fit_intercept=fit_intercept)
        if chunked:
            from .streaming import fit_statistics

            names = getattr(X, "columns", None)
            fit_statistics(model, [spectrum.moments], None if names is None else
                           [str(name) for name in names])
            record_features(self, model.n_features_in_, getattr(model, "feature_names_in_",
                                                                  None))
        else:
            model.fit(X, y)
        self.coef_, self.intercept_ = model.coef_, model.intercept_
        return self
