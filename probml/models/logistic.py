r"""Logistic and softmax regression: the Bernoulli and categorical MLE, and the L2 MAP.

The binary model is

.. math:: y_i \sim \text{Bernoulli}(\sigma(b + x_i^\top w)),

whose negative log-likelihood is the binary cross-entropy.  Its maximum is
found by Newton's method (iteratively reweighted least squares): with
:math:`\mu = \sigma(A\beta)` and :math:`W = \operatorname{diag}(\mu(1-\mu))`,

.. math:: \beta \leftarrow \beta + (A^\top W A + \Lambda)^{-1}
   \bigl(A^\top (y - \mu) - \Lambda\beta\bigr),

each step solved by Cholesky and accepted only if the objective improves
(halving it otherwise), so it converges in a handful of iterations and never
diverges.  :math:`\Lambda = \operatorname{diag}(0, \lambda, \dots, \lambda)`
is the L2 penalty, :math:`\lambda = 1/C` (scikit-learn's objective
:math:`C\sum_i \ell_i + \tfrac12\lVert w\rVert^2`): the MAP under the prior
:math:`w \sim \mathcal N(0, C I)`.  At the MLE, :math:`(A^\top W A)^{-1}` is
the inverse Fisher information, the covariance behind the standard errors.

With K > 2 classes the model is the categorical (softmax) one,
:math:`P(y_i = k) = \operatorname{softmax}(A\Theta)_{ik}`, fitted the same way
with a block Hessian.

If the classes can be separated by a hyperplane, the likelihood has no
maximum: it keeps rising as the coefficients grow.  The fit detects this with
a linear program (Konis 2007) and warns, naming the separating features,
instead of returning huge coefficients with tiny p-values.
"""

import math

import numpy as np

from .._blocks import (
    chunk_slices,
    column_sums_of_squares,
    dask_head_rows,
    map_chunks,
    map_dask_chunks,
    one_blas_thread,
    weighted_gram,
)
from .._validation import (
    BOOLEAN,
    LEVEL,
    POSITIVE,
    Integer,
    Optional,
    Options,
    Real,
    WeightedRows,
    check_finite,
    check_squares_representable,
    check_weights,
    is_dask_collection,
    plain,
    positive_result,
    record_features,
)
from ..exceptions import (
    CollinearityWarning,
    ConvergenceWarning,
    PerfectSeparationWarning,
    UndefinedStatisticWarning,
    warn,
)
from ..functions import log_softmax, sigmoid, softmax
from ..inference import (
    CoefficientInference,
    as_count,
    coverage,
    information_criteria,
    parameter_names,
)
from ..optim.newton import (ROUNDING_STEP, STEP_TOLERANCE, Evaluation, maximise,
                            mean_decrement, relative_step)
from ._least_squares import (
    collinear_columns,
    equilibrate,
    quadratic_forms,
    range_and_null_space,
    spd_inverse,
)
from .base import Classifier, chunkwise, linear_prediction

__all__ = ["LogisticRegression", "logistic_C_to_prior_std", "prior_std_to_logistic_C"]

# Above four times this many rows, Newton starts from the fit to a subsample of a quarter
# of this many rows, preconditioned by the information of this many (see _warm_start),
# so that a few passes over all rows finish the job.
_SUBSAMPLE_ROWS = 50_000
# The subsamples are evenly spaced blocks of about this many contiguous rows (no copy,
# no strided access), between 8 and 64 of them.
_SUBSAMPLE_BLOCK_ROWS, _MIN_SUBSAMPLE_BLOCKS, _MAX_SUBSAMPLE_BLOCKS = 2048, 8, 64
# The gradient tolerance of the warm starts: the subsample's own sampling error, of about
# 1e-2 in the full data's gradient, is larger; the full-data steps finish the job.
_WARM_START_TOL = 1e-3
# Beyond |eta| = 700, sigma(eta) is 0 or 1 to double precision and exp(-eta) would be
# near overflow (exp(709.78) is the largest double).
_ETA_LIMIT = 700.0
# Weights mu (1 - mu) below this mark fitted probabilities of 0 or 1: a sign that the
# classes may be separated, which the separation test then settles.
_SATURATED_WEIGHT = 1e-12


def logistic_C_to_prior_std(C):
    r"""The prior standard deviation :math:`\tau = \sqrt C` that an L2 fit with ``C`` encodes.

    scikit-learn's objective :math:`C\sum_i \ell_i + \tfrac12\lVert w\rVert^2`
    is :math:`C` times the negative log-posterior under :math:`w \sim \mathcal N(0, C I)`.

    >>> logistic_C_to_prior_std(4.0)
    2.0
    """
    return math.sqrt(POSITIVE(C, "C"))


def prior_std_to_logistic_C(prior_std):
    """The ``C`` whose L2 fit is the MAP under :math:`w \\sim \\mathcal N(0, \\tau^2 I)`.

    >>> prior_std_to_logistic_C(2.0)
    4.0
    """
    prior_std = POSITIVE(prior_std, "prior_std")
    return positive_result(lambda tau: tau ** 2, "prior_std^2", prior_std=prior_std)


# -- the binary likelihood, one pass over the data --------------------------

def _binary_pass(X, y, intercept, coef, hessian=True, blocks=None, weights=None,
                 moments=False):
    """Log-likelihood, its gradient, its negative Hessian at (intercept, coef) (None
    without ``hessian``), the smallest weight :math:`\\mu(1 - \\mu)` (inf without
    ``hessian``), and with ``moments`` the columns' sums and sums of squares (shape
    (2, p); else None), which check X's values from the same read of X.

    With ``weights`` each row's log-likelihood counts :math:`w_i` times.

    ``y`` holds the 0/1 codes of the classes in any numeric type (one byte
    each from :meth:`Classifier._validate_training_data`).

    The pass runs over row chunks small enough to stay in cache, so it reads
    the data once (:func:`~probml._blocks.map_chunks`).  With :math:`\\eta` clipped
    to ±700 (where :math:`\\sigma` is 0 or 1 to double precision anyway),
    :math:`E = e^{-\\eta}` cannot
    overflow, and with :math:`e^{-|\\eta|} = \\min(E, 1/E)` a row's log-likelihood
    :math:`y\\eta - \\log(1 + e^\\eta) = -\\log(1 + e^{-|\\eta|}) - \\max(\\eta, 0) + y\\eta`
    needs no other exponential and sums terms of one sign.
    """
    def chunk(rows):
        X_chunk, y_chunk = X[rows], y[rows].astype(np.float64, copy=False)
        eta = np.dot(X_chunk, coef)     # np.dot releases the GIL (see probml._blocks)
        eta += intercept
        np.clip(eta, -_ETA_LIMIT, _ETA_LIMIT, out=eta)
        E = np.exp(-eta)
        mu = 1.0 / (1.0 + E)
        # 1 - mu = E mu: the weights mu (1 - mu) keep their digits where mu rounds to 1.
        weight = mu * (E * mu) if hessian else None
        residual = y_chunk - mu
        # Each row's -log-likelihood, log(1 + e^-|eta|) + max(eta, 0) - y eta, is a sum of
        # terms >= 0: no row's digits cancel (log(1 + E) - |eta| would lose seven of them
        # at eta = -13, which is noise above the line search's slack in a million rows).
        loss = np.log1p(np.minimum(E, 1.0 / E))
        loss += np.maximum(eta, 0.0) - y_chunk * eta
        if weights is None:
            loglik = -loss.sum()
        else:
            w = weights[rows]
            loglik = -np.dot(w, loss)
            residual *= w
        gradient = np.empty(p + 1)
        gradient[0], gradient[1:] = residual.sum(), np.dot(residual, X_chunk)
        sums = None
        if moments:
            rows_64 = X_chunk.astype(np.float64, copy=False)
            sums = np.array([rows_64.sum(axis=0), np.einsum("ij,ij->j", rows_64, rows_64)])
        if not hessian:
            return loglik, gradient, None, np.inf, sums
        smallest = weight.min()
        if weights is not None:
            weight *= w
        return (loglik, gradient, weighted_gram(X_chunk, weight, intercept=True), smallest,
                sums)

    n, p = X.shape
    loglik, gradient, min_weight = 0.0, np.zeros(p + 1), np.inf
    information = np.zeros((p + 1, p + 1)) if hessian else None
    column_moments = np.zeros((2, p)) if moments else None
    for part in map_chunks(chunk, chunk_slices(n, blocks)):
        loglik += part[0]
        gradient += part[1]
        if hessian:
            information += part[2]
            min_weight = min(min_weight, float(part[3]))
        if moments:
            column_moments += part[4]
    return loglik, gradient, information, min_weight, column_moments


class _Objective:
    """The penalised log-likelihood of the binary model, and Newton's method on it."""

    def __init__(self, X, y, lam, fit_intercept, blocks=None, weights=None):
        self.X, self.y, self.lam, self.fit_intercept = X, y, lam, fit_intercept
        self.blocks, self.weights = blocks, weights
        self.n = sum(b.stop - b.start for b in blocks) if blocks else X.shape[0]
        # The weight of the rows, which the per-observation gradient test divides by.
        self.total = self.n if weights is None else float(
            sum(weights[b].sum() for b in blocks) if blocks else weights.sum())

    def subsample(self, rows):
        """This objective on evenly spaced blocks of about ``rows`` rows in all (about
        ``_SUBSAMPLE_BLOCK_ROWS`` contiguous rows each: no copy, no strided access and
        products large enough to be efficient), the penalty scaled to their share."""
        n_blocks = min(max(rows // _SUBSAMPLE_BLOCK_ROWS, _MIN_SUBSAMPLE_BLOCKS),
                       _MAX_SUBSAMPLE_BLOCKS)
        spacing, size = self.n // n_blocks, rows // n_blocks
        blocks = [slice(k * spacing, k * spacing + size) for k in range(n_blocks)]
        sub = _Objective(self.X, self.y, self.lam, self.fit_intercept, blocks, self.weights)
        sub.lam = self.lam * sub.total / self.total
        return sub

    def _pass(self, beta, hessian, moments=False):
        return _binary_pass(self.X, self.y, beta[0], beta[1:], hessian, self.blocks,
                            self.weights, moments)

    def evaluate(self, beta, hessian=True, moments=False):
        """The penalised log-likelihood's pass at ``beta``; ``extra`` holds the
        log-likelihood, the smallest weight and (with ``moments``) X's columns' sums and
        sums of squares."""
        loglik, gradient, information, min_weight, sums = self._pass(beta, hessian, moments)
        penalty = np.r_[0.0, self.lam * beta[1:]]
        value = loglik - 0.5 * self.lam * float(beta[1:] @ beta[1:])
        gradient = gradient - penalty
        if not self.fit_intercept:
            gradient[0] = 0.0
        if hessian:
            information[np.arange(1, len(beta)), np.arange(1, len(beta))] += self.lam
            if not self.fit_intercept:
                # The intercept stays at 0 (its gradient is 0); the diagonal keeps the
                # weights' total, which measures Newton's step (_intercept_information).
                information[0, 1:] = information[1:, 0] = 0.0
        return Evaluation(value, gradient, information, (loglik, min_weight, sums))

    def maximise(self, beta, tol, max_iter, **options):
        """Newton's method on this objective (see :func:`probml.optim.newton.maximise`)."""
        return maximise(self.evaluate, beta, tol=tol, n=self.total, max_iter=max_iter,
                        **options)


class _ChunkedObjective(_Objective):
    """The objective over the row chunks of Dask ``X`` and 0/1 ``y``: a pass runs
    :func:`_binary_pass` (the in-memory code) on every chunk, where the chunk is, and
    sums the chunks' results in order on the client."""

    def __init__(self, X, y, lam, fit_intercept):
        self.X, self.y, self.lam, self.fit_intercept = X, y, lam, fit_intercept
        self.blocks, self.weights = None, None
        self.n = self.total = X.shape[0]

    def _pass(self, beta, hessian, moments=False):
        parts = map_dask_chunks(lambda start, X, y: _binary_pass(
            X, y, beta[0], beta[1:], hessian, moments=moments), self.X, self.y)
        loglik = sum(part[0] for part in parts)
        gradient = sum(part[1] for part in parts)
        information = sum(part[2] for part in parts) if hessian else None
        sums = sum(part[4] for part in parts) if moments else None
        return loglik, gradient, information, min(float(part[3]) for part in parts), sums


def _warm_start(objective, max_iter):
    r"""A start and a preconditioner for Newton's method on all rows of ``objective``.

    Newton's method converges quadratically once close, so it starts from the
    fit to evenly spaced blocks of a quarter of ``_SUBSAMPLE_ROWS`` rows; the
    information of ``_SUBSAMPLE_ROWS`` rows at that estimate, scaled up to all
    rows, then stands in for the full one (chord steps, accelerated) until the
    last step.  A Hessian pass costs about three (p = 20) to six (p = 200)
    gradient passes; a preconditioner from four times the rows of the fit
    halves its error (about :math:`2\sqrt{p/m}` from m rows) for a quarter of
    one pass over all rows.  Returns the start and the preconditioner (None,
    from a start of 0, where the subsample fit failed).
    """
    k = objective.X.shape[1] + 1
    with np.errstate(all="ignore"):
        # A warm start: the gradient test alone is enough.
        warm = objective.subsample(_SUBSAMPLE_ROWS // 4).maximise(
            np.zeros(k), _WARM_START_TOL, max_iter, step_tolerance=np.inf)
        larger = objective.subsample(_SUBSAMPLE_ROWS)
        information = larger.evaluate(warm.theta).information
    if not (np.all(np.isfinite(warm.theta)) and np.all(np.isfinite(information))):
        return np.zeros(k), None
    return warm.theta, _chord_preconditioner(information, objective.lam, larger.total,
                                             objective.total, objective.fit_intercept)


def _misclassified(X, y, beta):
    r"""How many rows of a chunk fall on the wrong side of the fit (:math:`\eta > 0` against
    class 0, or :math:`\eta \le 0` against class 1)."""
    eta = np.dot(X, beta[1:]) + beta[0]
    return int(np.count_nonzero((eta > 0) != (y == 1)))


def _chord_preconditioner(sub_information, lam, m, n, fit_intercept):
    """The subsample's information (``m`` of ``n`` rows' worth), scaled up to all rows: it
    stands in for the full one (chord steps) until Newton's last step."""
    p = len(sub_information) - 1
    penalty = np.diag(np.r_[0.0, np.ones(p)])
    preconditioner = (n / m) * (sub_information - lam * m / n * penalty)
    preconditioner += lam * penalty
    if not fit_intercept:
        preconditioner[0, 1:] = preconditioner[1:, 0] = 0.0
    return preconditioner


def _separation_direction(rows, penalised):
    """The sparsest direction beta that separates the classes, or None if none does.

    The data are (quasi-)completely separated exactly when some beta has
    r_i^T beta >= 0 for every row and sum_i r_i^T beta > 0 (Albert and
    Anderson 1984; Konis 2007), where a row is s_i a_i (s_i = +-1, its class)
    in the binary model, and a_i's contribution to the logit of its own class
    minus another's in the multinomial one.  Minimising the L1 norm of the
    ``penalised`` (non-intercept) weights, with that sum normalised to 1, is a
    linear program that is feasible exactly then, and its solution names as
    few features as possible.
    """
    from scipy.optimize import linprog

    scale = np.maximum(np.abs(rows).max(axis=0), 1e-300)
    rows = rows / scale
    k = rows.shape[1]
    cost = np.r_[penalised, penalised].astype(float)
    total = rows.sum(axis=0)
    A_ub = np.vstack([np.hstack([-rows, rows]), np.r_[-total, total][None, :]])
    b_ub = np.r_[np.zeros(len(rows)), -1.0]
    result = linprog(cost, A_ub=A_ub, b_ub=b_ub, bounds=[(0, None)] * (2 * k),
                     method="highs")
    if result.status != 0:
        return None
    return (result.x[:k] - result.x[k:]) / scale


def _multinomial_pass(A, labels, weights, theta, hessian):
    r"""The K-class log-likelihood of some rows at :math:`\Theta` (shape (p + 1, K), the
    intercepts first), its gradient :math:`A^\top (Y - P)` in :math:`\Theta`, the
    blocks :math:`A^\top \operatorname{diag}(w P_k (\delta_{kl} - P_l)) A` of its
    information (shape (p + 1, K, p + 1, K); None without ``hessian``) and the
    smallest fitted probability.  ``A`` is the rows with a leading column of ones,
    ``labels`` their classes 0..K-1, ``weights`` their weights (None: 1)."""
    n, K = len(A), theta.shape[1]
    w = np.ones(n) if weights is None else weights
    log_p = log_softmax(A @ theta, axis=1)
    P = np.exp(log_p)
    Y = np.zeros((n, K))
    Y[np.arange(n), labels] = w
    gradient = A.T @ (Y - w[:, None] * P)
    H = None
    if hessian:
        H = np.zeros((A.shape[1], K, A.shape[1], K))
        for k in range(K):
            for l in range(k, K):
                block = weighted_gram(A, w * P[:, k] * ((k == l) - P[:, l]))
                H[:, k, :, l] = block
                H[:, l, :, k] = block.T
    return float(np.sum(Y * log_p)), gradient, H, float(P.min(initial=1.0))


def _multinomial_rows(A, labels, K):
    """For each sample i and class k other than its own: a_i in its class's block, -a_i in k's.

    Blocks are for classes 1..K-1 (class 0's weights are the reference, 0),
    so ``rows @ theta[:, 1:].T.ravel()`` is each logit of a sample's own class
    minus the logit of another class.
    """
    n, d = A.shape
    parts = []
    for k in range(K):
        others = np.flatnonzero(labels != k)
        rows = np.zeros((len(others), K, d))
        rows[np.arange(len(others)), labels[others]] = A[others]
        rows[:, k] -= A[others]
        parts.append(rows[:, 1:].reshape(len(others), -1))
    return np.vstack(parts)


def _single_feature_separators(X, y):
    """Columns that separate the two classes on their own (ties allowed)."""
    ones, zeros = X[y == 1], X[y == 0]
    below = ones.min(axis=0) >= zeros.max(axis=0)
    above = ones.max(axis=0) <= zeros.min(axis=0)
    return np.flatnonzero(below | above)


# -- the estimator -----------------------------------------------------------

class LogisticRegression(CoefficientInference, Classifier):
    r"""Logistic (K = 2) or softmax (K > 2) regression by maximum likelihood or L2 MAP.

    Parameters
    ----------
    penalty : {None, "l2"}, default=None
        None: the maximum-likelihood estimate, with full inference.
        "l2": the MAP under :math:`w \sim \mathcal N(0, C I)` (the intercept
        is not penalised), scikit-learn's default objective.
    C : float, default=1.0
        Prior variance of each weight for ``penalty="l2"``; scikit-learn's
        ``C`` (the inverse penalty strength).
    alpha : float, optional
        The penalty strength :math:`\lambda = 1/C` instead of ``C``.
    fit_intercept : bool, default=True
    tol : float, default=1e-8
        Stop when every component of the gradient of the mean log-likelihood
        is at most ``tol`` in absolute value (scikit-learn's ``lbfgs``
        criterion at the same ``tol``) and Newton's step :math:`\delta` changes
        the linear predictor by at most ``max(tol, 1e-8)`` in root mean square,
        each row weighted by its information :math:`w_i = \mu_i(1-\mu_i)`
        (:math:`\sqrt{\delta^\top\mathcal I\,\delta / \sum_i w_i}`).  That
        last step is then added, which leaves the estimate within about its
        square of the optimum; the standard errors come from the information
        matrix where it was taken, so they are within about that step of
        those at the estimate.
    max_iter : int, default=100
        Newton iterations.

    Attributes
    ----------
    classes_ : ndarray
        The class labels (any type), in sorted order.
    coef_ : ndarray of shape (1, n_features) or (K, n_features)
    intercept_ : ndarray of shape (1,) or (K,)
        For K > 2 without a penalty, class 0 is the reference: its row is 0
        and the others are log-odds against it (statsmodels' ``MNLogit``).
    params_, bse_, pvalues_, cov_params_ : ndarray
        Parameter vector (intercept first; per class for K > 2), standard
        errors, two-sided z-test p-values, covariance.  For the L2 fit these
        come from the Laplace approximation to the posterior, conditional on
        the penalty.
    loglik_, llnull_, llr_, llr_pvalue_, prsquared_, aic_, bic_ : float
        Log-likelihood, that of the intercept-only model, the likelihood-ratio
        test against it, McFadden's pseudo-:math:`R^2 = 1 - \ell/\ell_0`, and
        the information criteria.
    n_iter_ : int
    converged_ : bool
    separation_ : bool
        Whether the classes are (quasi-)completely separated (then the MLE
        does not exist and the inference is NaN).
    separating_features_ : list of str

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.5], [1.0], [1.5], [2.0], [2.5], [3.0], [3.5], [4.0]])
    >>> y = np.array([0, 0, 1, 0, 1, 0, 1, 1])
    >>> model = LogisticRegression().fit(X, y)
    >>> model.coef_.round(4), model.intercept_.round(4)
    (array([[1.1882]]), array([-2.6734]))
    >>> model.bse_.round(4)                       # statsmodels Logit: 2.1207, 0.8645
    array([2.1207, 0.8645])
    >>> model.predict_proba([[2.25]]).round(4)    # the data are symmetric about 2.25
    array([[0.5, 0.5]])
    """

    @property
    def _summary_title(self):
        """The model and its response, so that the summary says which class is 1
        (``classes_[1]``, statsmodels' and scikit-learn's positive class) or, for
        K > 2 classes, which is the reference."""
        response, labels = self._response or "y", [repr(plain(c)) for c in self.classes_]
        if len(labels) == 2:
            return f"Logistic regression of P({response} = {labels[1]})"
        if self.penalized_:
            return f"Softmax regression of {response} ({len(labels)} classes)"
        return f"Softmax regression of {response}: log-odds against {labels[0]}"

    _parameter_domains = {
        "penalty": Options(None, "l2"),
        "C": Real(0, None, closed="neither", meaning=" (the prior variance of each weight)"),
        "alpha": Optional(Real(0, None, closed="neither",
                               meaning=" (use penalty=None for no penalty)")),
        "fit_intercept": BOOLEAN, "tol": POSITIVE, "max_iter": Integer(1),
    }

    def __init__(self, penalty=None, C=1.0, alpha=None, fit_intercept=True, tol=1e-8,
                 max_iter=100):
        self.penalty = penalty
        self.C = C
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter

    # -- fitting ----------------------------------------------------------

    @staticmethod
    def _penalty_strength(params):
        lam = params["alpha"] if params["alpha"] is not None else 1.0 / params["C"]
        if params["penalty"] == "l2" and not 0 < lam < math.inf:
            raise ValueError(f"C={params['C']!r} is so small that the penalty 1/C overflows "
                             "float64.")
        return lam if params["penalty"] == "l2" else 0.0

    def fit(self, X, y, sample_weight=None, *, freq_weights=None):
        r"""Fit by Newton's method and compute the inference.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels of any type (numbers, strings, booleans).
        sample_weight : array-like of shape (n_samples,), optional
            Each row's log-likelihood counts :math:`w_i` times, as in
            scikit-learn (statsmodels' GLM ``var_weights``: with the
            dispersion fixed at 1 the estimates and standard errors are those
            of :math:`w_i` copies); the residual degrees of freedom and BIC
            count the rows of positive weight.
        freq_weights : array-like of shape (n_samples,), optional
            Frequency weights: a row with weight 3 is three identical rows;
            the fit and all its statistics equal the repeated data's.

        Returns
        -------
        self
        """
        self._response = _response_name(y)
        if is_dask_collection(X) or is_dask_collection(y):
            with one_blas_thread():        # as in memory; the scheduler's threads run passes
                return self._fit_chunks(X, y, sample_weight=sample_weight,
                                        freq_weights=freq_weights)
        params = self._check_params()
        lam, tol = self._penalty_strength(params), params["tol"]
        self._max_iter = params["max_iter"]
        X, labels, names = self._validate_training_data(X, y)
        n, p = X.shape
        analytic = check_weights(sample_weight, "sample_weight", n)
        frequency = check_weights(freq_weights, "freq_weights", n)
        weights = None
        self.nobs_ = n
        if analytic is not None or frequency is not None:
            rows = WeightedRows(analytic, frequency)
            X, labels, weights = X[rows.keep], labels[rows.keep], rows.weights
            self.nobs_ = rows.nobs
            if len(np.unique(labels)) < len(self.classes_):
                raise ValueError("Every class needs a row of positive weight: the classes "
                                 f"{list(self.classes_)} are not all present once the rows "
                                 "weighted 0 are left out.")
        fit_intercept = params["fit_intercept"]
        self.n_samples_ = n
        self._names = parameter_names(names, p, True)
        if len(self.classes_) == 2:
            # BLAS on one thread: the passes (map_chunks) run on threads of their own, and
            # the small solves between them lose nothing, where OpenBLAS's workers would
            # spin on the passes' cores after each; and every product sums in one order.
            with one_blas_thread():
                self._fit_binary(X, labels, lam, tol, fit_intercept, names, weights)
        else:
            X = X.astype(np.float64, copy=False)   # the K-class Hessian needs it whole
            _check_columns(X, names)
            if lam == 0 and fit_intercept:
                _check_identifiable(*_gram_parts(_gram_with_intercept(X)), names)
            self._fit_multinomial(X, labels, lam, tol, fit_intercept, weights)
        self.penalized_ = lam > 0
        return self

    def _fit_binary(self, X, y, lam, tol, fit_intercept, names, weights=None):
        n, p = X.shape
        objective = _Objective(X, y, lam, fit_intercept, weights=weights)
        start, preconditioner = np.zeros(p + 1), None
        if n >= 4 * _SUBSAMPLE_ROWS:
            start, preconditioner = _warm_start(objective, self._max_iter)
        if preconditioner is None:
            with np.errstate(all="ignore"):      # non-finite X is reported just below
                state = objective.evaluate(start)
            # The first pass's sums are finite exactly when X is: a checksum.  At the
            # start every weight mu (1 - mu) is 1/4, so the information's diagonal
            # is a quarter of the columns' sums of squares.
            diagonal = np.diagonal(state.information)
            check_finite(X, "X", names, checksum=np.r_[state.gradient, diagonal])
            check_squares_representable(4 * diagonal[1:], X, "X", names, strict_zeros=True)
            if lam == 0 and fit_intercept:
                _check_identifiable(*_gram_parts(state.information), names)
        else:
            # The first pass over all rows also sums the columns and their squares, so
            # that data whose squares overflow or underflow get a clear error, not a
            # broken fit, and a constant column is found.
            with np.errstate(all="ignore"):
                state = objective.evaluate(start, hessian=False, moments=True)
            sums, squares = state.extra[2]
            check_finite(X, "X", names, checksum=np.r_[state.gradient, sums, squares])
            check_squares_representable(squares, X, "X", names, strict_zeros=True)
            if lam == 0 and fit_intercept:
                _check_identifiable(n, sums, squares, names)
            state.information = preconditioner
        fit = objective.maximise(start, tol, self._max_iter, state=state,
                                 chord=preconditioner is not None,
                                 stale=preconditioner is not None,
                                 **_result_settings(tol, _intercept_information))
        min_weight = fit.evaluation.extra[1]
        n_iter, converged = fit.n_iter, fit.converged
        self.n_iter_, self.converged_ = n_iter, converged
        self.separation_, self.separating_features_ = False, []
        if lam == 0 and (not converged or min_weight < _SATURATED_WEIGHT):
            self._check_separation(X, y, fit_intercept)
        if not converged and not self.separation_:
            warn(_not_converged(n_iter, self._max_iter, tol), ConvergenceWarning)
        self._store_binary(fit, fit_intercept, _binary_null_loglik(y, fit_intercept, weights))

    def _store_binary(self, fit, fit_intercept, null):
        """The estimates of a binary fit and their inference."""
        beta, information = fit.theta, fit.evaluation.information
        p = len(beta) - 1
        self.intercept_ = np.array([beta[0]])
        self.coef_ = beta[1:][None, :]
        self.loglik_ = loglik = fit.evaluation.extra[0]
        names = self._names if fit_intercept else self._names[1:]
        keep = slice(0, None) if fit_intercept else slice(1, None)
        self._store_inference(names, beta[keep], information[keep, keep], loglik,
                              n_estimated=p + fit_intercept, null=null, df_model=p)

    def _fit_chunks(self, X, y, **options):
        """Fit on Dask ``X`` and ``y`` (two classes) a row chunk at a time: Newton's method
        with one pass over the chunks per step (:class:`_ChunkedObjective`), warm
        started, as in memory, from a fit to a few evenly spaced chunks."""
        import dask.array as da

        from .streaming import dask_design, first_non_finite, refuse_options

        refuse_options(options)
        params = self._check_params()
        lam, tol, fit_intercept = (self._penalty_strength(params), params["tol"],
                                   params["fit_intercept"])
        self._max_iter = params["max_iter"]
        X, y, names = dask_design(X, y)
        self.classes_ = np.unique(da.unique(y).compute())
        if len(self.classes_) < 2:
            raise ValueError(f"LogisticRegression needs at least 2 classes in y; it has "
                             f"{len(self.classes_)} ({list(self.classes_)}).")
        n, p = X.shape
        record_features(self, p, names)
        self._fitted_on_pandas = names is not None
        self.nobs_ = self.n_samples_ = n
        self._names = parameter_names(names, p, True)
        if len(self.classes_) > 2:
            self._fit_softmax_chunks(X, y, lam, tol, fit_intercept, names)
            self.penalized_ = lam > 0
            return self
        codes = (y == self.classes_[1]).astype(np.uint8)
        objective = _ChunkedObjective(X, codes, lam, fit_intercept)
        start, preconditioner = np.zeros(p + 1), None
        if n >= 4 * _SUBSAMPLE_ROWS:
            # The warm start: the in-memory fit's, on evenly spaced chunks of at least
            # _SUBSAMPLE_ROWS rows in all, read into memory whole (a pass holds a chunk in
            # memory anyway, and the larger subsample's information makes a better
            # preconditioner for the chord steps: a pass fewer on 250,000-row chunks).
            X_sub, y_sub = dask_head_rows([X, codes], max(_SUBSAMPLE_ROWS, max(X.chunks[0])))
            m = len(y_sub)
            sub = _Objective(X_sub, y_sub, lam * m / n, fit_intercept)
            with np.errstate(all="ignore"):
                warm = sub.maximise(start, _WARM_START_TOL, self._max_iter,
                                    step_tolerance=np.inf)
            information = warm.evaluation.information
            if np.all(np.isfinite(warm.theta)) and np.all(np.isfinite(information)):
                start = warm.theta
                preconditioner = _chord_preconditioner(information, lam, m, n, fit_intercept)
        with np.errstate(all="ignore"):
            state = objective.evaluate(start, hessian=preconditioner is None,
                                       moments=preconditioner is not None)
        if preconditioner is not None:
            count, sums, squares = n, *state.extra[2]
            state.information = preconditioner
        else:        # at the start every weight mu (1 - mu) is 1/4
            count, sums, squares = (4 * part for part in _gram_parts(state.information))
        if not np.all(np.isfinite(np.r_[state.gradient, sums, squares])):
            raise ValueError(first_non_finite(X, "X"))
        check_squares_representable(squares, X, "X", names, strict_zeros=True)
        if lam == 0 and fit_intercept:
            _check_identifiable(count, sums, squares, names)
        fit = objective.maximise(start, tol, self._max_iter, state=state,
                                 chord=preconditioner is not None,
                                 stale=preconditioner is not None,
                                 **_result_settings(tol, _intercept_information))
        self.n_iter_, self.converged_ = fit.n_iter, fit.converged
        self.separation_, self.separating_features_ = False, []
        if lam == 0 and (not fit.converged or fit.evaluation.extra[1] < _SATURATED_WEIGHT):
            # Rows fitted at probability 0 or 1: separated classes, or a strong signal.  One
            # pass tells complete separation (no row on the wrong side) from the rest; the
            # check that names separating features needs the rows.
            beta = fit.theta
            wrong = sum(map_dask_chunks(lambda start, X_chunk, y_chunk: _misclassified(
                X_chunk, y_chunk, beta), X, codes))
            if wrong == 0 or not fit.converged:
                raise ValueError("The classes are separated (every row falls on its class's "
                                 "side of a fit running off to infinity): the MLE does not "
                                 "exist. Add a penalty, or fit on X.compute() and y.compute() "
                                 "for the check that names the separating features.")
            warn("Some rows are fitted at probabilities within 1e-12 of 0 or 1. If "
                 "the classes are quasi-separated the MLE does not exist; the check "
                 "that names the separating features needs the rows in memory (fit "
                 "on X.compute() and y.compute()).", PerfectSeparationWarning)
        if not fit.converged:
            warn(_not_converged(fit.n_iter, self._max_iter, tol), ConvergenceWarning)
        k = float(codes.sum().compute())
        self._store_binary(fit, fit_intercept, _null_from_counts(n, k, fit_intercept))
        self.penalized_ = lam > 0
        return self

    def _fit_softmax_chunks(self, X, y, lam, tol, fit_intercept, names):
        """K > 2 classes on Dask ``X`` and ``y``: the in-memory Newton's method
        (:meth:`_fit_softmax`), each pass :func:`_multinomial_pass` on every chunk."""
        from .streaming import first_non_finite

        classes, K = self.classes_, len(self.classes_)

        def rows(X, y):
            return np.column_stack([np.ones(len(X)), X]), np.searchsorted(classes, y)

        def rows_pass(theta, hessian):
            parts = map_dask_chunks(lambda start, X, y: _multinomial_pass(
                *rows(X, y), None, theta, hessian), X, y)
            return (sum(part[0] for part in parts), sum(part[1] for part in parts),
                    sum(part[2] for part in parts) if hessian else None,
                    min(part[3] for part in parts))

        def separation(theta):
            # Rows fitted at probability 0 or 1: separated classes, or a strong signal.  One
            # pass tells complete separation (every row in its class's region) from the rest.
            def misclassified(start, X, y):
                A, labels = rows(X, y)
                return int(np.count_nonzero(np.argmax(A @ theta, axis=1) != labels))
            wrong = sum(map_dask_chunks(misclassified, X, y))
            if wrong == 0 or not self.converged_:
                raise ValueError("The classes are separated (every row falls in its class's "
                                 "region of a fit running off to infinity): the multinomial "
                                 "MLE does not exist. Add a penalty, or fit on X.compute() "
                                 "and y.compute() for the check that names the separating "
                                 "features.")
            warn("Some rows are fitted at probabilities within 1e-12 of 0 or 1. If "
                 "classes are quasi-separated the MLE does not exist; the check that "
                 "names the separating features needs the rows in memory (fit on "
                 "X.compute() and y.compute()).", PerfectSeparationWarning)

        counts = sum(map_dask_chunks(lambda start, y: np.bincount(
            np.searchsorted(classes, y), minlength=K), y)).astype(float)
        # One pass for the Gram matrix: its finiteness checks X's values (named by their
        # index in the whole data), and without a penalty it shows what is identified.
        gram = sum(map_dask_chunks(lambda start, X: _gram_with_intercept(X), X))
        if not np.all(np.isfinite(gram)):
            raise ValueError(first_non_finite(X, "X"))
        if lam == 0 and fit_intercept:
            _check_identifiable(*_gram_parts(gram), names)
        self._fit_softmax(rows_pass, X.shape[1], counts, lam, tol, fit_intercept, separation)

    def _check_separation(self, X, y, fit_intercept):
        A = np.column_stack([np.ones(len(y)), X]) if fit_intercept else X
        direction = _separation_direction(A * np.where(y == 1, 1.0, -1.0)[:, None],
                                          np.arange(A.shape[1]) >= fit_intercept)
        if direction is None:
            return
        alone = _single_feature_separators(X, y)
        weights = direction[1:] if fit_intercept else direction
        columns = alone if len(alone) else np.flatnonzero(
            np.abs(weights) > 1e-6 * np.abs(weights).max())
        self.separation_ = True
        self.separating_features_ = [self._names[1 + j] for j in columns]
        how = ("on its own" if len(alone) == 1 else "each on its own" if len(alone)
               else "together")
        warn(
            f"The classes are (quasi-)completely separated by "
            f"{', '.join(self.separating_features_)} ({how}): the maximum-likelihood "
            "estimate does not exist, and the coefficients run off to infinity as the "
            "likelihood approaches its supremum. The reported coefficients are where "
            "Newton's method stopped, and their standard errors and p-values are set to "
            "NaN. Fit penalty='l2' for the MAP under a Gaussian prior, which exists.",
            PerfectSeparationWarning)

    def _check_multinomial_separation(self, A, labels, K, fit_intercept):
        d = A.shape[1]
        columns = slice(0, d) if fit_intercept else slice(1, d)
        rows = _multinomial_rows(A[:, columns], labels, K)
        penalised = np.tile(np.arange(d)[columns] > 0, K - 1)
        direction = _separation_direction(rows, penalised)
        if direction is None:
            return
        weights = np.abs(direction.reshape(K - 1, -1)[:, int(fit_intercept):]).max(axis=0)
        self.separation_ = True
        self.separating_features_ = [self._names[1 + j] for j in
                                     np.flatnonzero(weights > 1e-6 * weights.max())]
        together = " (together)" if len(self.separating_features_) > 1 else ""
        warn(
            f"Some classes are (quasi-)completely separated by "
            f"{', '.join(self.separating_features_)}{together}: the multinomial MLE does not "
            "exist (coefficients run off to infinity), so the standard errors and p-values "
            "are set to NaN. Fit penalty='l2' for the MAP, which exists.",
            PerfectSeparationWarning)

    def _fit_multinomial(self, X, labels, lam, tol, fit_intercept, weights=None):
        n, p = X.shape
        K = len(self.classes_)
        A = np.column_stack([np.ones(n), X])
        counts = np.bincount(labels, np.ones(n) if weights is None else weights, minlength=K)
        self._fit_softmax(
            lambda theta, hessian: _multinomial_pass(A, labels, weights, theta, hessian),
            p, counts, lam, tol, fit_intercept,
            lambda theta: self._check_multinomial_separation(A, labels, K, fit_intercept))

    def _fit_softmax(self, rows_pass, p, counts, lam, tol, fit_intercept, separation):
        """Newton's method for K > 2 classes on ``rows_pass(theta, hessian)`` (the sums of
        :func:`_multinomial_pass` over the rows; X's values are finite), the class
        ``counts`` (weighted), and ``separation(theta)``, called at the estimate where
        some fitted probabilities are 0 or 1."""
        K = len(self.classes_)
        # Free parameters of Theta (p + 1, K): without a penalty, class 0 is the
        # reference (its column is 0); with one, every weight is penalised and
        # identified, and only the intercept of class 0 is fixed at 0.
        free = np.ones((p + 1, K), dtype=bool)
        if lam == 0:
            free[:, 0] = False
        else:
            free[0, 0] = False
        if not fit_intercept:
            free[0, :] = False
        penalised = np.zeros((p + 1, K), dtype=bool)
        penalised[1:, :] = True
        index = np.flatnonzero(free.ravel())
        penalty = lam * penalised.ravel()[index]

        def evaluate(theta_free, hessian=True):
            theta = np.zeros((p + 1) * K)
            theta[index] = theta_free
            loglik, gradient, H, smallest = rows_pass(theta.reshape(p + 1, K), hessian)
            gradient = gradient.ravel()[index] - penalty * theta_free
            value = loglik - 0.5 * float(penalty @ theta_free ** 2)
            total = None
            if hessian:
                # The information of the intercepts of classes 1..K-1: the weights'
                # total that measures Newton's step, as in the binary model.
                total = float(np.einsum("kk->", H[0, 1:, 0, 1:]))
                H = H.reshape((p + 1) * K, (p + 1) * K)[np.ix_(index, index)] + np.diag(penalty)
            return Evaluation(value, gradient, H, (loglik, smallest, total))

        start = evaluate(np.zeros(len(index)))
        if not (np.isfinite(start.value) and np.all(np.isfinite(start.gradient))):
            raise ValueError("X has values so large that the class probabilities overflow; "
                             "rescale X.")
        fit = maximise(evaluate, np.zeros(len(index)), tol=tol, n=float(counts.sum()),
                       max_iter=self._max_iter, state=start,
                       **_result_settings(tol, lambda evaluation: evaluation.extra[2]))
        theta = np.zeros((p + 1) * K)
        theta[index] = fit.theta
        theta = theta.reshape(p + 1, K)
        H, (loglik, smallest, _) = fit.evaluation.information, fit.evaluation.extra
        n_iter, converged = fit.n_iter, fit.converged
        self.n_iter_, self.converged_ = n_iter, converged
        self.separation_, self.separating_features_ = False, []
        if lam == 0 and (not converged or smallest < _SATURATED_WEIGHT):
            separation(theta)
        if not converged and not self.separation_:
            warn(_not_converged(n_iter, self._max_iter, tol), ConvergenceWarning)
        if lam > 0 and fit_intercept:
            theta[0] -= theta[0].mean()        # report intercepts summing to zero
        self.coef_, self.intercept_ = theta[1:].T.copy(), theta[0].copy()
        self.loglik_ = loglik
        # theta.ravel() runs over (feature j, class k) with k fastest.
        flat_names = np.array([f"{self.classes_[k]}:{self._names[j]}"
                               for j in range(p + 1) for k in range(K)], dtype=object)
        total = counts.sum()
        null = (float(np.sum(counts * np.log(counts / total))) if fit_intercept
                else total * math.log(1.0 / K))
        self._store_inference(list(flat_names[index]), theta.ravel()[index], H, loglik,
                              n_estimated=len(index), null=null,
                              df_model=p * (K - 1))

    def _store_inference(self, names, params, information, loglik, *, n_estimated, null,
                         df_model):
        from scipy import special

        n = self.nobs_
        if self.separation_:
            cov = np.full_like(information, np.nan)
        else:
            cov = _information_inverse(information, names)
        self._store_table(names, params, cov, None)
        self.df_model_, self.df_resid_ = df_model, n - n_estimated
        self.llnull_ = null
        # A fit stopped early (a loose tol) can sit below the null model: the LLR is 0 then.
        self.llr_ = max(2.0 * (loglik - null), 0.0)
        self.llr_pvalue_ = float(special.chdtrc(df_model, self.llr_)) if df_model else np.nan
        self.prsquared_ = 1.0 - loglik / null if null != 0 else np.nan
        self.aic_, self.bic_ = information_criteria(loglik, n_estimated, n)

    # -- prediction -------------------------------------------------------

    def decision_function(self, X):
        r"""The log-odds :math:`b + x^\top w` (K = 2), or the logits (K > 2)."""
        X = self._validate_prediction_data(X)
        scores = linear_prediction(X, self.coef_.T, self.intercept_)
        return scores[:, 0] if len(self.classes_) == 2 else scores

    @chunkwise(columns="classes_")
    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, K), columns in the order of ``classes_``."""
        scores = self.decision_function(X)
        if len(self.classes_) == 2:
            return softmax(np.column_stack([np.zeros_like(scores), scores]), axis=1)
        return softmax(scores, axis=1)

    @chunkwise(columns="classes_")
    def predict_log_proba(self, X):
        """Log class probabilities, exact in the tails."""
        scores = self.decision_function(X)
        if len(self.classes_) == 2:
            scores = np.column_stack([np.zeros_like(scores), scores])
        return log_softmax(scores, axis=1)

    def predict_proba_interval(self, X, level=0.95):
        r"""Confidence interval for :math:`P(y = 1 \mid x)` (two classes), shape (n_samples, 2).

        The Wald interval of the log-odds :math:`\eta = a^\top\hat\beta`,
        with :math:`a = (1, x)`, mapped through the sigmoid:

        .. math:: \sigma\big(\hat\eta \pm z_{1-(1-\text{level})/2}
            \sqrt{a^\top \widehat{\mathrm{Cov}}(\hat\beta)\, a}\big)

        (statsmodels' ``GLM.get_prediction`` with the logit link).  The
        interval stays inside (0, 1) and is not symmetric about the
        prediction.  NaN when the classes are separated (no MLE).

        Examples
        --------
        >>> X = np.array([[0.5], [1.0], [1.5], [2.0], [2.5], [3.0], [3.5], [4.0]])
        >>> model = LogisticRegression().fit(X, [0, 0, 1, 0, 1, 0, 1, 1])
        >>> model.predict_proba_interval([[2.25]]).round(4)
        array([[0.1603, 0.8397]])
        """
        from ..inference import critical_value

        self._check_inference()
        level = LEVEL(level, "level")
        if len(self.classes_) != 2:
            raise ValueError("predict_proba_interval is for two classes; this model has "
                             f"{len(self.classes_)}.")
        eta = self.decision_function(X)
        X = self._validate_prediction_data(X)
        A = (np.column_stack([np.ones(len(X)), X]) if len(self._result("params")) > X.shape[1]
             else X)
        variance, lost = quadratic_forms(A, self._result("cov_params"))
        if np.any(lost) and not self.separation_:
            warn(
                f"The variance of the linear predictor is lost to rounding at "
                f"{np.count_nonzero(lost)} of {len(lost)} rows (first: row "
                f"{int(np.argmax(lost))}; a' Cov a cancels): those intervals are NaN. Centre "
                "X and express it in units of order 1 to have them.", UndefinedStatisticWarning)
            variance[lost] = np.nan
        with np.errstate(over="ignore", invalid="ignore"):
            half_width = critical_value(level) * np.sqrt(variance)
        if not np.all(np.isfinite(half_width) | lost) and not self.separation_:
            raise ValueError("The interval's half-width overflows float64: X is far outside "
                             "the training data (or level is too close to 1).")
        return sigmoid(np.column_stack([eta - half_width, eta + half_width]))

    # -- inference --------------------------------------------------------

    def odds_ratios(self, alpha=0.05, *, level=None):
        r"""Odds ratios :math:`e^{\beta_j}` with their Wald intervals, shape (n_params, 3).

        Columns: odds ratio, lower, upper; rows as in ``params_``.  The
        interval is the exponentiated interval for :math:`\beta_j`, at
        ``1 - alpha`` (statsmodels' convention) or ``level``.
        """
        self._check_inference()
        level = coverage(alpha, level)
        with np.errstate(over="ignore"):
            ratios = np.exp(np.column_stack([self._result("params"), self.table_.conf_int(level)]))
        if np.any(np.isinf(ratios)):
            row = int(np.flatnonzero(np.any(np.isinf(ratios), axis=1))[0])
            raise ValueError(f"The odds ratio of {self.table_.names[row]} (or its interval at "
                             f"level={level!r}) overflows float64: its log, the coefficient, "
                             "passes 709.78; rescale that feature (the coefficient is per unit "
                             "of it).")
        return ratios

    def _summary_info(self):
        kind = "L2 MAP" if self.penalized_ else "MLE"
        return [
            ("No. observations", as_count(self.nobs_)),
            ("Df residuals", as_count(self.df_resid_)),
            ("Df model", as_count(self.df_model_)),
            ("Method", kind),
            ("Newton iterations", as_count(self.n_iter_)),
            ("Log-likelihood", self.loglik_),
            ("LL-null", self.llnull_),
            ("LLR p-value", self.llr_pvalue_),
            ("Pseudo R-squ.", self.prsquared_),
            ("AIC", self.aic_),
            ("BIC", self.bic_),
        ]

    def _summary_notes(self):
        notes = []
        if self.penalized_:
            notes.append("Penalised fit: the MAP under w ~ N(0, C I). Standard errors and "
                         "intervals are from the Laplace approximation to the posterior, "
                         "conditional on the penalty.")
        if self.separation_:
            notes.append("The classes are separated: the MLE does not exist; inference "
                         "is NaN. Use penalty='l2'.")
        return notes


def _check_columns(X, names):
    """One pass for the columns' sums of squares: a clear error for NaN, inf, or values whose
    squares overflow or underflow."""
    squares = column_sums_of_squares(X)
    check_finite(X, "X", names, checksum=squares)
    check_squares_representable(squares, X, "X", names, strict_zeros=True)


def _result_settings(tol, total_weight):
    """Newton's step test for a fit's result (a warm start needs none): the step's
    decrement per unit of the weights' total ``total_weight(evaluation)``
    (:func:`~probml.optim.newton.mean_decrement`: the weighted root mean square change
    of the linear predictor) at most ``tol``, or 1e-8 when ``tol`` is smaller.  That
    refuses a stop where the gradient is small only because the data are (rare
    events, tiny features), and leaves the information within about that of the
    estimate's; then the last step is added (see ``tol``)."""
    def size(step, theta, evaluation):
        decrement = mean_decrement(step, evaluation.gradient, total_weight(evaluation))
        if decrement == 0 and relative_step(step, theta) > ROUNDING_STEP:
            # A step that moves the estimate yet promises no gain: the gradient and the
            # information are rounding (every row saturated, as the fit of separated classes
            # runs off), not an optimum.
            return math.inf
        return decrement

    return dict(step_tolerance=max(tol, STEP_TOLERANCE), last_step=True, step_size=size)


def _intercept_information(evaluation):
    r"""The binary model's weights' total :math:`\sum_i w_i\mu_i(1 - \mu_i)`: the
    information matrix's first entry (kept there without an intercept too)."""
    return evaluation.information[0, 0]


def _response_name(y):
    """The name of a pandas (or Dask) series of labels, for the summary; else None."""
    name = getattr(y, "name", None) if hasattr(y, "index") else None
    return str(name) if name is not None else None


def _not_converged(n_iter, max_iter, tol):
    if n_iter < max_iter:
        return (f"Newton's method stalled after {n_iter} iterations above tol={tol:g}: no step "
                "improves the likelihood in double precision; use a larger tol.")
    return (f"Newton's method did not reach tol={tol:g} in max_iter={max_iter} iterations; "
            "increase max_iter.")


def _binary_null_loglik(y, fit_intercept, weights=None):
    """The log-likelihood of the intercept-only model (or of p = 1/2 without one)."""
    if weights is None:
        n, k = len(y), float(y.sum())
    else:
        n, k = float(weights.sum()), float(np.einsum("i,i", weights, y.astype(float)))
    return _null_from_counts(n, k, fit_intercept)


def _null_from_counts(n, k, fit_intercept):
    """:func:`_binary_null_loglik` from the (weighted) count of rows ``n`` and of ones ``k``."""
    if not fit_intercept:
        return n * math.log(0.5)
    if k in (0.0, n):
        return 0.0
    return k * math.log(k / n) + (n - k) * math.log1p(-k / n)


def _inverse_spd(matrix):
    """The inverse of an information matrix; its pseudo-inverse if it is singular."""
    try:
        return spd_inverse(matrix)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(matrix)


def _information_inverse(information, names):
    """The covariance of the MLE; NaN for aliased parameters, with a warning naming them.

    A column that is a linear combination of others (a duplicated column)
    makes the information matrix singular: those coefficients are not
    identified, and inverting the matrix would divide by rounding noise
    (standard errors of 1e7 with ``converged_`` True).  The numerical null
    space is found as for least squares (equilibrated, rank-revealing); the
    estimable parameters get the inverse on the range, the aliased ones NaN.
    """
    scale, correlation = equilibrate(information)
    if not np.all(np.isfinite(correlation)):
        return _inverse_spd(information)
    Q, N = range_and_null_space(correlation)
    if N.shape[1] == 0:
        return _inverse_spd(information)
    aliased = collinear_columns(N)
    warn(
        f"The parameters {[names[j] for j in aliased]} are aliased: their columns are "
        "linearly dependent (a duplicated or collinear column), so the information matrix "
        f"is singular (rank {Q.shape[1]} of {len(scale)}) and their coefficients are not "
        "identified. Their standard errors, intervals and p-values are NaN; the other "
        "parameters' are estimable and reported. Drop or combine those columns, or fit "
        "penalty='l2'.", CollinearityWarning)
    cov = Q @ np.linalg.inv(Q.T @ correlation @ Q) @ Q.T / np.outer(scale, scale)
    cov[aliased, :] = np.nan
    cov[:, aliased] = np.nan
    return cov


def _gram_with_intercept(X):
    """[1, X]^T [1, X], the information matrix up to weights."""
    A = np.column_stack([np.ones(len(X)), X])
    return A.T @ A


def _gram_parts(gram):
    """The total weight, the columns' weighted sums and sums of squares, read off a
    weighted Gram matrix of ``[1, X]`` (:func:`_check_identifiable`'s arguments)."""
    return gram[0, 0], gram[0, 1:], np.diagonal(gram)[1:]


def _check_identifiable(count, sums, squares, names):
    r"""The MLE needs every feature to vary: a constant column duplicates the intercept.

    From a column's (weighted) count :math:`n`, sum :math:`s` and sum of
    squares :math:`q`, its variance beside the intercept is
    :math:`q - s^2/n`; below ``1e-12`` of :math:`q` it is lost to rounding
    (the column's values vary by less than a millionth of their size), and
    the coefficient cannot be told from the intercept.
    """
    variance = squares - sums ** 2 / count
    constant = np.flatnonzero(variance <= 1e-12 * np.maximum(squares, 1e-300))
    if len(constant):
        label = (lambda j: f"'{names[j]}'") if names is not None else (lambda j: str(j))
        raise ValueError(
            f"Feature {', '.join(label(j) for j in constant)} does not vary beside the "
            "intercept in double precision (every value is the same, or the values "
            "differ by less than a millionth of their size, as with a huge offset), so "
            "its coefficient is not identified; drop it or centre it (subtract its "
            "mean), or fit penalty='l2'.")
