r"""Model selection: data splits, cross-validation, closed-form leave-one-out, curves.

Held-out error estimates the error on new data.  The splitters here
(:class:`KFold`, :class:`StratifiedKFold`, :class:`LeaveOneOut`) give the same
partitions as scikit-learn's for the same arguments where those are
deterministic, and :func:`cross_val_score` works with any estimator that has
``fit`` and ``score`` (probml's or scikit-learn's).

For linear smoothers (least squares, Ridge) leave-one-out needs no refitting:
with the hat matrix :math:`H` (:math:`\hat y = H y`), the residual of the fit
without sample :math:`i` at sample :math:`i` is the PRESS residual

.. math:: y_i - \hat y_{(-i)} = \frac{y_i - \hat y_i}{1 - h_{ii}},

so one fit gives all :math:`n` leave-one-out errors (:func:`loo_residuals`).
Generalised cross-validation replaces each :math:`h_{ii}` by their mean
:math:`\operatorname{tr}(H)/n` (Golub, Heath & Wahba 1979).
"""

import copy
import itertools
import math
import numbers
import time

import numpy as np

from ._validation import (
    BOOLEAN,
    NONNEGATIVE,
    SEED,
    Integer,
    Options,
    Real,
    check_is_fitted,
    check_matrix,
    check_sortable,
    check_vector,
)
from .models._base import Classifier, Estimator, Regressor

# A polynomial expansion with more terms than this is a mistake, not a model.
_MAX_POLYNOMIAL_TERMS = 1_000_000

__all__ = [
    "KFold",
    "LeaveOneOut",
    "Pipeline",
    "PolynomialFeatures",
    "RidgeCV",
    "StratifiedKFold",
    "clone",
    "cross_val_score",
    "cross_validate",
    "gcv_score",
    "learning_curve",
    "loo_residuals",
    "make_pipeline",
    "train_test_split",
    "train_valid_test_split",
    "validation_curve",
]


def _n_samples(X, name="X"):
    """The number of rows of an array-like (an array, a list, a DataFrame)."""
    if isinstance(X, (str, bytes, dict, set)) or (
            not hasattr(X, "__len__") and not hasattr(X, "shape")):
        raise TypeError(f"{name} must be an array-like of samples, got "
                        f"{type(X).__name__}.")
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) == 0:
        raise TypeError(f"{name} must be an array-like of samples, got a scalar.")
    return shape[0] if shape is not None else len(X)


def _take(array, index):
    if hasattr(array, "iloc"):
        return array.iloc[index]
    return np.asarray(array)[index] if not isinstance(array, np.ndarray) else array[index]


def _check_fraction(value, name):
    return Real(0, 1, closed="neither", meaning=" (a share of the rows)")(value, name)


# -- splits -----------------------------------------------------------------

def _shuffler(seed):
    """The random source of a shuffle: scikit-learn's for a whole-number seed.

    scikit-learn shuffles with NumPy's legacy ``RandomState(seed)``; taking the
    same source for an integer seed gives the same partitions as its
    splitters.  ``None``, NumPy generators and seeds of 2**32 or more (which
    ``RandomState`` does not take) give ``default_rng(seed)``.
    """
    if isinstance(seed, int) and seed < 2 ** 32:
        return np.random.RandomState(seed)
    return np.random.default_rng(seed)


def _stratified_test_rows(y, n_test, rng):
    """Each class's share of ``n_test`` rows, by largest remainder (ties at random)."""
    classes, encoded = np.unique(y, return_inverse=True)
    counts = np.bincount(encoded)
    quota = n_test * counts / counts.sum()
    taken = np.floor(quota).astype(int)
    remainder = quota - taken
    order = np.lexsort((rng.permutation(len(classes)), -remainder))
    taken[order[: n_test - taken.sum()]] += 1
    chosen = [rng.choice(np.flatnonzero(encoded == c), size=taken[c], replace=False)
              for c in range(len(classes))]
    return np.concatenate(chosen).astype(int)


def train_test_split(*arrays, test_size=0.25, shuffle=True, stratify=None,
                     random_state=None):
    """Split arrays into random training and test parts.

    Parameters
    ----------
    *arrays : array-likes of the same length
    test_size : float in (0, 1)
        Share of the rows in the test part (rounded up, as scikit-learn does).
    shuffle : bool
        Shuffle before splitting; without it the last rows are the test part.
    stratify : array-like, optional
        Labels whose proportions both parts keep.
    random_state : int, Generator or None

    Returns
    -------
    list
        ``train, test`` for each array, in order.

    Examples
    --------
    >>> X_train, X_test = train_test_split(np.arange(10), test_size=0.3, random_state=0)
    >>> len(X_train), len(X_test)
    (7, 3)
    """
    train, test = _two_way_indices(arrays, test_size, shuffle, stratify, random_state)
    return [part for array in arrays for part in (_take(array, train), _take(array, test))]


def _two_way_indices(arrays, test_size, shuffle, stratify, random_state):
    if not arrays:
        raise ValueError("arrays: pass at least one array to split.")
    n = _n_samples(arrays[0], "arrays[0]")
    for i, array in enumerate(arrays[1:], start=1):
        if _n_samples(array, f"arrays[{i}]") != n:
            raise ValueError(f"all arrays must have the same length; arrays[0] has {n} rows "
                             f"and arrays[{i}] {_n_samples(array)}.")
    test_size = _check_fraction(test_size, "test_size")
    shuffle = BOOLEAN(shuffle, "shuffle")
    n_test = math.ceil(test_size * n)
    if not 0 < n_test < n:
        raise ValueError(f"test_size={test_size} of {n} samples leaves an empty part.")
    rng = _shuffler(SEED(random_state, "random_state"))
    if stratify is not None:
        if not shuffle:
            raise ValueError("stratified splits need shuffle=True.")
        stratify = _labels(stratify, n, "stratify")
        chosen = np.zeros(n, dtype=bool)
        chosen[_stratified_test_rows(stratify, n_test, rng)] = True
        return rng.permutation(np.flatnonzero(~chosen)), rng.permutation(np.flatnonzero(chosen))
    if not shuffle:
        return np.arange(n - n_test), np.arange(n - n_test, n)
    order = rng.permutation(n)        # scikit-learn's ShuffleSplit: the test rows first
    return order[n_test:], order[:n_test]


def train_valid_test_split(*arrays, valid_size=0.2, test_size=0.2, shuffle=True,
                           stratify=None, random_state=None):
    """Split arrays into training, validation and test parts (``train, valid, test`` each).

    >>> parts = train_valid_test_split(np.arange(10), random_state=0)
    >>> [len(p) for p in parts]
    [6, 2, 2]
    """
    valid_size = _check_fraction(valid_size, "valid_size")
    test_size = _check_fraction(test_size, "test_size")
    if valid_size + test_size >= 1:
        raise ValueError(f"valid_size + test_size must be below 1, got "
                         f"{valid_size + test_size}.")
    rng = np.random.default_rng(SEED(random_state, "random_state"))
    rest, test = _two_way_indices(arrays, test_size, shuffle, stratify, rng)
    inner = [_take(array, rest) for array in arrays]
    inner_stratify = None if stratify is None else np.asarray(stratify)[rest]
    train, valid = _two_way_indices(inner, valid_size / (1 - test_size), shuffle,
                                    inner_stratify, rng)
    return [part for array in arrays
            for part in (_take(array, rest[train]), _take(array, rest[valid]),
                         _take(array, test))]


def _labels(y, n, name="y"):
    """Labels of any sortable type, one per row."""
    if isinstance(y, (str, bytes)) or not hasattr(y, "__len__") and not hasattr(y, "shape"):
        raise TypeError(f"{name} must be an array-like of labels, got {type(y).__name__}.")
    try:
        labels = np.asarray(y)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{name} must be a 1-D array of labels ({error}).") from None
    if labels.ndim != 1 or labels.shape[0] != n:
        raise ValueError(f"{name} must have one label per row ({n}), got shape "
                         f"{labels.shape}.")
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        raise ValueError(f"{name} contains NaN or infinity.")
    check_sortable(labels, name, "labels")
    return labels


class _Splitter:
    def split(self, X, y=None, groups=None):
        """Yield ``(train_index, test_index)`` for each fold, each in ascending order."""
        n = _n_samples(X)
        if y is not None:
            _n_samples(y, "y")
        everything = np.arange(n)
        for test in self._test_indices(n, y):
            mask = np.ones(n, dtype=bool)
            mask[test] = False
            yield everything[mask], everything[~mask]

    def __repr__(self):
        settings = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({settings})"


def _check_n_splits(n_splits):
    return Integer(2, 2 ** 31, meaning=" (cross-validation needs at least two folds)")(
        n_splits, "n_splits")


class _KSplitter(_Splitter):
    """A splitter into a fixed number of folds, optionally shuffled first."""

    def __init__(self, n_splits=5, shuffle=False, random_state=None):
        self.n_splits = _check_n_splits(n_splits)
        self.shuffle = BOOLEAN(shuffle, "shuffle")
        self.random_state = SEED(random_state, "random_state")

    def get_n_splits(self, X=None, y=None, groups=None):
        return self.n_splits


class KFold(_KSplitter):
    """K consecutive folds (shuffled first, if asked), scikit-learn's partition.

    The first ``n % k`` folds have one extra sample.

    >>> [test.tolist() for _, test in KFold(3).split(np.zeros(7))]
    [[0, 1, 2], [3, 4], [5, 6]]
    """

    def _test_indices(self, n, y):
        if self.n_splits > n:
            raise ValueError(f"Cannot have number of splits n_splits={self.n_splits} "
                             f"greater than the number of samples in X: n_samples={n}.")
        order = _shuffler(self.random_state).permutation(n) if self.shuffle else np.arange(n)
        sizes = np.full(self.n_splits, n // self.n_splits)
        sizes[: n % self.n_splits] += 1
        start = 0
        for size in sizes:
            yield order[start:start + size]
            start += size


class StratifiedKFold(_KSplitter):
    """K folds that keep the class proportions, scikit-learn's partition.

    Classes are taken in order of first appearance; each class's samples, in
    order (or shuffled), are dealt to the folds in the counts that dealing the
    sorted labels round-robin would give.

    >>> y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    >>> [test.tolist() for _, test in StratifiedKFold(2).split(np.zeros(8), y)]
    [[0, 1, 4, 5], [2, 3, 6, 7]]
    """

    def split(self, X, y=None, groups=None):
        if y is None:
            raise ValueError("StratifiedKFold needs the labels y to stratify on.")
        return super().split(X, y, groups)

    def _test_indices(self, n, y):
        y = _labels(y, n)
        _, first, inverse = np.unique(y, return_index=True, return_inverse=True)
        _, appearance = np.unique(first, return_inverse=True)
        encoded = appearance[inverse]
        counts = np.bincount(encoded)
        if np.all(self.n_splits > counts):
            raise ValueError(f"n_splits={self.n_splits} cannot be greater than the number "
                             "of members in each class.")
        dealt = np.sort(encoded)
        allocation = np.array([np.bincount(dealt[k::self.n_splits],
                                           minlength=len(counts))
                               for k in range(self.n_splits)])
        rng = _shuffler(self.random_state)
        folds = np.empty(n, dtype=int)
        for c in range(len(counts)):
            assignment = np.repeat(np.arange(self.n_splits), allocation[:, c])
            if self.shuffle:
                rng.shuffle(assignment)
            folds[encoded == c] = assignment
        for k in range(self.n_splits):
            yield np.flatnonzero(folds == k)


class LeaveOneOut(_Splitter):
    """Each sample is the test set once.

    >>> [test.tolist() for _, test in LeaveOneOut().split(np.zeros(3))]
    [[0], [1], [2]]
    """

    def get_n_splits(self, X=None, y=None, groups=None):
        if X is None:
            raise ValueError("LeaveOneOut needs X to count its splits.")
        return _n_samples(X)

    def _test_indices(self, n, y):
        if n <= 1:
            raise ValueError(f"Cannot perform LeaveOneOut with n_samples={n}: X needs at least "
                             "2 rows.")
        for i in range(n):
            yield np.array([i])


# -- cross-validation ------------------------------------------------------------

def _clone_value(value):
    if hasattr(value, "get_params") and not isinstance(value, type):
        return clone(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_clone_value(item) for item in value)
    return copy.deepcopy(value)


def clone(estimator):
    """A new, unfitted estimator with the same hyperparameters (estimators inside cloned too)."""
    if not hasattr(estimator, "get_params"):
        raise TypeError(f"{estimator!r} has no get_params: it is not an estimator.")
    params = estimator.get_params(deep=False)
    return type(estimator)(**{key: _clone_value(value) for key, value in params.items()})


class Pipeline:
    """Transformers then a final estimator, fitted in order (scikit-learn's ``Pipeline``).

    Parameters are addressed as ``step__parameter``, so
    :func:`validation_curve` can vary, say, ``polynomialfeatures__degree``.

    >>> from probml import LinearRegression
    >>> model = make_pipeline(PolynomialFeatures(2, include_bias=False), LinearRegression())
    >>> x = np.linspace(-1, 1, 9)[:, None]
    >>> model.fit(x, 1 + x[:, 0] ** 2).predict(np.array([[0.5]])).round(6)
    array([1.25])
    """

    def __init__(self, steps):
        self.steps = steps

    def _validate(self):
        if not isinstance(self.steps, (list, tuple)) or not self.steps or not all(
                isinstance(step, tuple) and len(step) == 2 for step in self.steps):
            raise TypeError("steps must be a non-empty list of (name, estimator) pairs.")
        for name, step in self.steps[:-1]:
            if not (hasattr(step, "fit") and hasattr(step, "transform")):
                raise TypeError(f"step {name!r} must have fit and transform, got {step!r}.")
        if not hasattr(self.steps[-1][1], "fit"):
            raise TypeError(f"the last step must have fit, got {self.steps[-1][1]!r}.")

    @property
    def named_steps(self):
        return dict(self.steps)

    def get_params(self, deep=True):
        params = {"steps": self.steps}
        if deep:
            for name, step in self.steps:
                params[name] = step
                params.update({f"{name}__{key}": value
                               for key, value in step.get_params(deep=True).items()})
        return params

    def set_params(self, **params):
        steps = dict(self.steps)
        for key, value in params.items():
            name, _, inner = key.partition("__")
            if key == "steps":
                self.steps = value
            elif name in steps and inner:
                steps[name].set_params(**{inner: value})
            elif name in steps:
                self.steps = [(n, value if n == name else s) for n, s in self.steps]
            else:
                raise ValueError(f"invalid parameter {key!r} for the pipeline; its steps are "
                                 f"{list(steps)}.")
        return self

    def _transform(self, X):
        for _, step in self.steps[:-1]:
            X = step.transform(X)
        return X

    def fit(self, X, y=None):
        self._validate()
        for _, step in self.steps[:-1]:
            X = step.fit(X, y).transform(X)
        self.steps[-1][1].fit(X, y)
        return self

    def predict(self, X):
        return self.steps[-1][1].predict(self._transform(X))

    def predict_proba(self, X):
        return self.steps[-1][1].predict_proba(self._transform(X))

    def score(self, X, y):
        return self.steps[-1][1].score(self._transform(X), y)

    def __repr__(self):
        return f"Pipeline({self.steps!r})"


def make_pipeline(*steps):
    """A :class:`Pipeline` whose step names are the lower-cased class names."""
    return Pipeline([(type(step).__name__.lower(), step) for step in steps])


def _is_classifier(estimator):
    if isinstance(estimator, Classifier):
        return True
    tags = getattr(estimator, "__sklearn_tags__", None)
    if tags is not None:
        try:
            return tags().estimator_type == "classifier"
        except Exception:                 # an object whose tags cannot be built
            return False
    return getattr(estimator, "_estimator_type", None) == "classifier"


def _check_cv(cv, estimator, y):
    if cv is None:
        cv = 5
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        classes = y is not None and _is_classifier(estimator)
        cv = Integer(2, 2 ** 31, meaning=" (a number of folds)")(cv, "cv")
        return StratifiedKFold(cv) if classes else KFold(cv)
    if hasattr(cv, "split") and not isinstance(cv, (str, bytes)):
        return cv
    raise TypeError(f"cv must be a number of folds or a splitter with split(), got {cv!r}.")


def _check_xy(X, y):
    """The number of rows of X, and y's, which must match."""
    n = _n_samples(X)
    if y is not None and _n_samples(y, "y") != n:
        raise ValueError(f"X and y have inconsistent numbers of samples: X has {n} rows but "
                         f"y has {_n_samples(y, 'y')}.")
    return n


_SCORERS = {
    "r2": lambda y, p: 1 - np.sum((y - p) ** 2) / np.sum((y - np.mean(y)) ** 2),
    "neg_mean_squared_error": lambda y, p: -np.mean((y - p) ** 2),
    "neg_root_mean_squared_error": lambda y, p: -np.sqrt(np.mean((y - p) ** 2)),
    "neg_mean_absolute_error": lambda y, p: -np.mean(np.abs(y - p)),
    "accuracy": lambda y, p: np.mean(y == p),
}


def _scorer(scoring):
    if scoring is None:
        return lambda estimator, X, y: estimator.score(X, y)
    if callable(scoring):
        return scoring
    if not isinstance(scoring, str) or scoring not in _SCORERS:
        raise ValueError(f"scoring must be None, a callable or one of {sorted(_SCORERS)}, "
                         f"got {scoring!r}.")
    metric = _SCORERS[scoring]
    return lambda estimator, X, y: float(metric(np.asarray(y), estimator.predict(X)))


def cross_validate(estimator, X, y=None, *, cv=5, scoring=None, return_train_score=False):
    """Fit and score ``estimator`` on each fold.

    Parameters
    ----------
    estimator : object with ``fit`` and ``score`` (or ``predict``, for ``scoring``)
    X, y : array-likes
    cv : int or splitter
        Folds: an int gives :class:`StratifiedKFold` for classifiers and
        :class:`KFold` otherwise, as in scikit-learn.
    scoring : None, str or callable(estimator, X, y)
        None uses ``estimator.score``; strings follow scikit-learn's names
        (``"r2"``, ``"neg_mean_squared_error"``, ``"accuracy"``, ...).
    return_train_score : bool

    Returns
    -------
    dict
        ``test_score``, ``fit_time``, ``score_time`` (and ``train_score``) arrays.
    """
    if not hasattr(estimator, "fit"):
        raise TypeError(f"estimator must have a fit method, got {estimator!r}.")
    _check_xy(X, y)
    splitter = _check_cv(cv, estimator, y)
    score = _scorer(scoring)
    return_train_score = BOOLEAN(return_train_score, "return_train_score")
    results = {"test_score": [], "fit_time": [], "score_time": []}
    if return_train_score:
        results["train_score"] = []
    for train, test in splitter.split(X, y):
        model = clone(estimator)
        start = time.perf_counter()
        model.fit(_take(X, train), None if y is None else _take(y, train))
        results["fit_time"].append(time.perf_counter() - start)
        start = time.perf_counter()
        results["test_score"].append(score(model, _take(X, test),
                                           None if y is None else _take(y, test)))
        results["score_time"].append(time.perf_counter() - start)
        if return_train_score:
            results["train_score"].append(score(model, _take(X, train),
                                                None if y is None else _take(y, train)))
    return {key: np.asarray(value) for key, value in results.items()}


def cross_val_score(estimator, X, y=None, *, cv=5, scoring=None):
    """The test score of each fold (see :func:`cross_validate`)."""
    return cross_validate(estimator, X, y, cv=cv, scoring=scoring)["test_score"]


def validation_curve(estimator, X, y, *, param_name, param_range, cv=5, scoring=None):
    """Training and validation scores over a hyperparameter.

    Returns
    -------
    train_scores, valid_scores : ndarray of shape (len(param_range), n_folds)
    """
    if not isinstance(param_name, str):
        raise TypeError(f"param_name must be the name of a hyperparameter, got "
                        f"{param_name!r}.")
    if isinstance(param_range, (str, bytes)) or not hasattr(param_range, "__iter__"):
        raise TypeError(f"param_range must be a sequence of values for {param_name}, got "
                        f"{param_range!r}.")
    param_range = list(param_range)
    if not param_range:
        raise ValueError("param_range is empty; give at least one value.")
    train, valid = [], []
    for value in param_range:
        model = clone(estimator).set_params(**{param_name: value})
        result = cross_validate(model, X, y, cv=cv, scoring=scoring,
                                return_train_score=True)
        train.append(result["train_score"])
        valid.append(result["test_score"])
    return np.array(train), np.array(valid)


def learning_curve(estimator, X, y, *, train_sizes=(0.1, 0.325, 0.55, 0.775, 1.0), cv=5,
                   scoring=None):
    """Training and validation scores against the number of training rows.

    Each fold's training part is cut to the first ``size`` rows (a share in
    (0, 1] or a count).

    Returns
    -------
    sizes : ndarray of int
    train_scores, valid_scores : ndarray of shape (len(sizes), n_folds)
    """
    if y is None:
        raise ValueError("learning_curve needs the targets y.")
    _check_xy(X, y)
    splitter = _check_cv(cv, estimator, y)
    folds = list(splitter.split(X, y))
    n_train = min(len(train) for train, _ in folds)
    # scikit-learn's rule: shares of the smallest training part, rounded down, at least 1.
    if isinstance(train_sizes, (str, bytes)) or not hasattr(train_sizes, "__iter__"):
        raise TypeError(f"train_sizes must be a sequence of shares in (0, 1] or row counts, "
                        f"got {train_sizes!r}.")
    shares = [Real(0, n_train, closed="right")(s, "train_sizes") for s in train_sizes]
    sizes = np.array([max(int(s * n_train), 1) if s <= 1 and not isinstance(
        original, numbers.Integral) else int(s) for s, original in zip(shares, train_sizes)])
    if sizes.size == 0 or np.any(sizes < 1) or np.any(sizes > n_train):
        raise ValueError(f"train_sizes must lie in (0, {n_train}] rows, got {sizes}.")
    score = _scorer(scoring)
    train_scores = np.empty((len(sizes), len(folds)))
    valid_scores = np.empty_like(train_scores)
    for j, (train, test) in enumerate(folds):
        for i, size in enumerate(sizes):
            rows = train[:size]
            model = clone(estimator).fit(_take(X, rows), _take(y, rows))
            train_scores[i, j] = score(model, _take(X, rows), _take(y, rows))
            valid_scores[i, j] = score(model, _take(X, test), _take(y, test))
    return sizes, train_scores, valid_scores


# -- closed-form leave-one-out for linear smoothers ------------------------------

# Below this ratio of its extreme eigenvalues, the spectrum of X_c'X_c (which squares
# the condition number) is taken from the SVD of X_c.
_SQUARED_CONDITION_LIMIT = 1e-6


def _ridge_spectrum(X, y, fit_intercept):
    r"""The centred design in the eigenbasis of :math:`X_c^\top X_c`, for every alpha at once.

    For a well-conditioned design, from ``eigh`` of :math:`X_c^\top X_c`; when
    its eigenvalues span more than six orders of magnitude, from the SVD
    :math:`X_c = U\Sigma V^\top` (:math:`Z = U\Sigma`), whose small singular
    values, and so the leverages, keep their digits.

    Directions whose eigenvalue is rounding noise (below :math:`p\,\epsilon`
    of the largest: a duplicated column, more columns than rows) carry no
    information from the data and are dropped, so they cannot be divided
    by a small alpha.
    """
    from .models._least_squares import Moments

    fit_intercept = BOOLEAN(fit_intercept, "fit_intercept")
    X, names = check_matrix(X, finite=False)
    y = check_vector(y, "y", n_samples=X.shape[0])
    moments = Moments.from_data(X, y, fit_intercept=fit_intercept, feature_names=names)
    Xc, yc = (moments.centred_data if moments.centred_data is not None
              else (X - moments.x_mean, y - moments.y_mean))
    eigenvalues, V = np.linalg.eigh(moments.xx)
    eps = np.finfo(float).eps
    if eigenvalues[0] < _SQUARED_CONDITION_LIMIT * eigenvalues[-1]:
        # Eigenvalues of X_c'X_c below ~1e-6 of the largest carry its rounding error
        # relative to the largest: take the spectrum from the SVD of X_c instead.
        U, singular_values, _ = np.linalg.svd(Xc.astype(np.float64, copy=False),
                                              full_matrices=False)
        keep = singular_values > max(Xc.shape) * eps * singular_values[0]
        Z = U[:, keep] * singular_values[keep]
        return singular_values[keep] ** 2, Z, Z.T @ yc, yc, moments.y_mean
    keep = eigenvalues > max(X.shape[1], 1) * eps * max(eigenvalues[-1], 0.0)
    Z = Xc @ V[:, keep]
    return eigenvalues[keep], Z, Z.T @ yc, yc, moments.y_mean


def _fits_and_leverages(spectrum, alpha, fit_intercept):
    eigenvalues, Z, projected, yc, _ = spectrum
    n = Z.shape[0]
    shrink = 1.0 / (eigenvalues + alpha)
    fitted = Z @ (projected * shrink)
    leverage = (Z * Z) @ shrink + (1.0 / n if fit_intercept else 0.0)
    return fitted, leverage, yc


def loo_residuals(X, y, alpha=0.0, *, fit_intercept=True):
    r"""Leave-one-out residuals of least squares (``alpha = 0``) or Ridge, without refitting.

    .. math:: e_{(-i)} = \frac{y_i - \hat y_i}{1 - h_{ii}},\qquad
       h_{ii} = \tfrac1n + x_{c,i}^\top (X_c^\top X_c + \alpha I)^{-1} x_{c,i}

    (the intercept, unpenalised, contributes the :math:`1/n`).  Equal to
    refitting without each row in turn, at the cost of one fit.

    >>> X = np.array([[0.0], [1.0], [2.0], [4.0]]); y = np.array([0.0, 1.0, 1.0, 3.0])
    >>> loo_residuals(X, y).round(4)
    array([ 0.    ,  0.4167, -0.5769,  0.8333])
    """
    alpha = NONNEGATIVE(alpha, "alpha")
    return _loo(_ridge_spectrum(X, y, fit_intercept), alpha, fit_intercept)


def _loo(spectrum, alpha, fit_intercept):
    fitted, leverage, yc = _fits_and_leverages(spectrum, alpha, fit_intercept)
    if np.any(leverage >= 1 - 1e-12):
        row = int(np.argmax(leverage))
        raise ValueError(f"row {row} has leverage 1: the fit without it is not determined "
                         f"(too few rows for the parameters, or a unique feature value) at "
                         f"alpha={alpha!r}; use a larger alpha.")
    return (yc - fitted) / (1.0 - leverage)


def gcv_score(X, y, alpha=0.0, *, fit_intercept=True):
    r"""Generalised cross-validation: :math:`\frac1n\mathrm{RSS} / (1 - \operatorname{tr}H/n)^2`."""
    alpha = NONNEGATIVE(alpha, "alpha")
    return _gcv(_ridge_spectrum(X, y, fit_intercept), alpha, fit_intercept)


def _gcv(spectrum, alpha, fit_intercept):
    fitted, leverage, yc = _fits_and_leverages(spectrum, alpha, fit_intercept)
    n = len(yc)
    unexplained = 1.0 - leverage.sum() / n
    if unexplained <= 1e-12:
        raise ValueError(f"GCV is undefined at alpha={alpha!r}: the fit interpolates the data "
                         "(the trace of the hat matrix is n); use a larger alpha.")
    return float(np.mean((yc - fitted) ** 2) / unexplained ** 2)


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
        from .models import Ridge
        from .models.sparse import check_penalties

        params = self._check_params()
        alphas = check_penalties(self.alphas)[::-1]
        X, y, _ = self._validate_training_data(X, y)
        fit_intercept = params["fit_intercept"]
        spectrum = _ridge_spectrum(X, y, fit_intercept)
        scores = []
        for alpha in alphas:
            if params["criterion"] == "loo":
                scores.append(float(np.mean(_loo(spectrum, alpha, fit_intercept) ** 2)))
            else:
                scores.append(_gcv(spectrum, alpha, fit_intercept))
        self.cv_values_ = np.array(scores)
        self.alpha_ = float(alphas[int(np.argmin(scores))])
        model = Ridge(alpha=self.alpha_, fit_intercept=fit_intercept).fit(X, y)
        self.coef_, self.intercept_ = model.coef_, model.intercept_
        return self


# -- basis expansion -------------------------------------------------------------

class PolynomialFeatures(Estimator):
    """Polynomial (and interaction) terms up to ``degree``, in scikit-learn's column order.

    Simple, multiple and polynomial regression are one linear model with
    different design matrices: ``LinearRegression`` on these columns fits a
    polynomial.

    >>> PolynomialFeatures(2).fit_transform(np.array([[2.0, 3.0]]))
    array([[1., 2., 3., 4., 6., 9.]])
    """

    _parameter_domains = {"degree": Integer(0, 1_000), "include_bias": BOOLEAN,
                          "interaction_only": BOOLEAN}

    def __init__(self, degree=2, include_bias=True, interaction_only=False):
        self.degree = degree
        self.include_bias = include_bias
        self.interaction_only = interaction_only

    def fit(self, X, y=None):
        params = self._check_params()
        degree = params["degree"]
        X, names = check_matrix(X)
        p = X.shape[1]
        count = sum((math.comb(p, d) if params["interaction_only"] else math.comb(p + d - 1, d))
                    for d in range(0 if params["include_bias"] else 1, degree + 1))
        if count > _MAX_POLYNOMIAL_TERMS:
            raise ValueError(f"degree={degree} on {p} features makes {count:,} polynomial "
                             f"terms, more than {_MAX_POLYNOMIAL_TERMS:,}; lower the degree.")
        self.n_features_in_ = p
        self._names = list(names) if names is not None else [f"x{j}" for j in range(p)]
        pick = (itertools.combinations if params["interaction_only"]
                else itertools.combinations_with_replacement)
        start = 0 if params["include_bias"] else 1
        self.powers_ = [combo for d in range(start, degree + 1)
                        for combo in pick(range(p), d)]
        return self

    def transform(self, X):
        check_is_fitted(self, "powers_")
        X, _ = check_matrix(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but PolynomialFeatures is "
                             f"expecting {self.n_features_in_} features as input.")
        with np.errstate(over="ignore"):
            columns = np.column_stack([np.prod(X[:, list(combo)], axis=1) if combo
                                       else np.ones(X.shape[0]) for combo in self.powers_])
        if not np.all(np.isfinite(columns)):
            column = int(np.flatnonzero(~np.all(np.isfinite(columns), axis=0))[0])
            raise ValueError(f"The polynomial term {self.get_feature_names_out()[column]} "
                             f"overflows float64 (X has values up to {np.max(np.abs(X)):.3g}); "
                             "rescale X before expanding it.")
        return columns

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def get_feature_names_out(self, input_features=None):
        names = list(input_features) if input_features is not None else self._names
        out = []
        for combo in self.powers_:
            if not combo:
                out.append("1")
                continue
            counts = {j: combo.count(j) for j in dict.fromkeys(combo)}
            out.append(" ".join(names[j] if c == 1 else f"{names[j]}^{c}"
                                for j, c in counts.items()))
        return np.array(out, dtype=object)
