"""Data splits: train/test and train/validation/test splits, K-fold, stratified K-fold, leave-one-out.

The splitters give the same partitions as scikit-learn's for the same
arguments where those are deterministic, and for shuffled ones with the same
integer seed.
"""

import math

import numpy as np

from .._validation import (
    BOOLEAN,
    SEED,
    Integer,
    Real,
    as_labels,
    check_sortable,
)


def count_rows(X, name="X"):
    """The number of rows of an array-like (an array, a list, a DataFrame)."""
    if isinstance(X, (str, bytes, dict, set)) or (
            not hasattr(X, "__len__") and not hasattr(X, "shape")):
        raise TypeError(f"{name} must be an array-like of samples, got "
                        f"{type(X).__name__}.")
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) == 0:
        raise TypeError(f"{name} must be an array-like of samples, got a scalar.")
    return shape[0] if shape is not None else len(X)


def take_rows(array, index):
    """The rows ``index`` of an array-like, a DataFrame by position."""
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
    return [part for array in arrays for part in (take_rows(array, train), take_rows(array, test))]


def _two_way_indices(arrays, test_size, shuffle, stratify, random_state):
    if not arrays:
        raise ValueError("arrays: pass at least one array to split.")
    n = count_rows(arrays[0], "arrays[0]")
    for i, array in enumerate(arrays[1:], start=1):
        if count_rows(array, f"arrays[{i}]") != n:
            raise ValueError(f"all arrays must have the same length; arrays[0] has {n} rows "
                             f"and arrays[{i}] {count_rows(array)}.")
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
    inner = [take_rows(array, rest) for array in arrays]
    inner_stratify = None if stratify is None else np.asarray(stratify)[rest]
    train, valid = _two_way_indices(inner, valid_size / (1 - test_size), shuffle,
                                    inner_stratify, rng)
    return [part for array in arrays
            for part in (take_rows(array, rest[train]), take_rows(array, rest[valid]),
                         take_rows(array, test))]


def _labels(y, n, name="y"):
    """Labels of any sortable type, one per row."""
    if isinstance(y, (str, bytes)) or not hasattr(y, "__len__") and not hasattr(y, "shape"):
        raise TypeError(f"{name} must be an array-like of labels, got {type(y).__name__}.")
    labels = as_labels(y, name)
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
        n = count_rows(X)
        if y is not None:
            count_rows(y, "y")
        everything = np.arange(n)
        for test in self._test_indices(n, y):
            mask = np.ones(n, dtype=bool)
            mask[test] = False
            yield everything[mask], everything[~mask]

    def __repr__(self):
        settings = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({settings})"


_N_SPLITS = Integer(2, 2 ** 31, meaning=" (cross-validation needs at least two folds)")


class _KSplitter(_Splitter):
    """A splitter into a fixed number of folds, optionally shuffled first."""

    def __init__(self, n_splits=5, shuffle=False, random_state=None):
        self.n_splits = _N_SPLITS(n_splits, "n_splits")
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
        return count_rows(X)

    def _test_indices(self, n, y):
        if n <= 1:
            raise ValueError(f"Cannot perform LeaveOneOut with n_samples={n}: X needs at least "
                             "2 rows.")
        for i in range(n):
            yield np.array([i])
