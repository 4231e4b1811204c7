"""Every input check probml makes, in one place.

Errors name the argument, say what was wrong and where (row and column, rows
counted from 0), and what to do about it.  DataFrames are recognised by their
``columns`` attribute, so pandas is never imported here.

The finiteness check is split in two for speed on large data: a fitted
statistic that is a sum over the data (a column sum, a Gram matrix) is finite
exactly when the data are, so estimators check that statistic and only scan
the data, to locate the offending cell, when it is not finite
(:func:`check_finite` with ``checksum``).
"""

import functools
import inspect
import math
import numbers
import sys

import numpy as np

from ._blocks import chunk_slices, map_chunks
from .exceptions import (
    DataConversionWarning,
    FeatureNamesWarning,
    InvalidParameterError,
    NotFittedError,
    warn,
)

__all__ = [
    "AnyOf",
    "BOOLEAN",
    "Boolean",
    "Domain",
    "Function",
    "Integer",
    "LEVEL",
    "NONNEGATIVE",
    "Optional",
    "Options",
    "POSITIVE",
    "PROBABILITY",
    "Real",
    "SEED",
    "Seed",
    "SquaresOutOfRange",
    "check_array_finite",
    "check_finite",
    "check_is_fitted",
    "check_matrix",
    "check_nonnegative",
    "check_positive",
    "positive_result",
    "check_probability",
    "check_sortable",
    "check_squares_representable",
    "check_vector",
    "check_params",
    "check_whole_number",
    "did_you_mean",
    "edit_distance",
    "feature_names_of",
    "near_names",
    "validate_features",
    "validate_params",
]


def _describe_cell(row, col, feature_names):
    column = f"'{feature_names[col]}'" if feature_names is not None else f"{col}"
    return f"row {row}, column {column}"


def feature_names_of(X):
    """Return the column names of a DataFrame-like ``X`` as an object array.

    Returns ``None`` for arrays, and for frames whose column names are not all
    strings (the scikit-learn convention: integer column labels are positions,
    not names).
    """
    columns = getattr(X, "columns", None)
    if columns is None or not hasattr(X, "dtypes"):
        return None
    names = list(columns)
    if not names or not all(isinstance(name, str) for name in names):
        if any(isinstance(name, str) for name in names):
            raise TypeError(
                "Feature names are only supported if all input features have "
                f"string names, but the columns are {names!r}; rename them to "
                "strings, e.g. X.columns = X.columns.astype(str)."
            )
        return None
    return np.asarray(names, dtype=object)


def _reject_sparse(A, name):
    module = type(A).__module__ or ""
    if module.startswith("scipy.sparse") or hasattr(A, "tocsr"):
        raise TypeError(
            f"{name} is a sparse matrix, and sparse input is not supported; "
            f"convert it with {name}.toarray() if it fits in memory."
        )


def _first_unconvertible(values):
    """Locate the first cell of an object array that is not a float: (row, col, value, error)."""
    for (row, col), value in np.ndenumerate(np.atleast_2d(values.T).T):
        try:
            float(value)
        except (TypeError, ValueError, OverflowError) as error:
            return row, col, value, error
    return None


def _where(array_ndim, row, col, names=None):
    if array_ndim <= 1:
        return f"row {row}"
    return _describe_cell(row, col, names)


def as_float_array(A, name, dtypes=(np.float64,)):
    """Convert ``A`` to a float array, naming the first bad cell on failure.

    ``dtypes`` are the floating types kept as they are (no copy); anything
    else numeric becomes float64.  Masked entries are missing values, never
    silently unmasked.
    """
    if A is None:
        raise ValueError(
            f"This estimator requires {name} to be passed, but the target {name} is None"
            if name == "y" else
            f"Expected array-like (array or non-string sequence), got None for {name}."
        )
    _reject_sparse(A, name)
    if isinstance(A, (str, bytes, dict, set)):
        raise TypeError(f"{name} must be an array of numbers, got {type(A).__name__} "
                        f"{_shown(A)}.")
    names = feature_names_of(A)
    if hasattr(A, "dtypes") and hasattr(A, "columns"):
        for column, dtype in zip(A.columns, A.dtypes):
            if _dtype_kind(dtype) not in "biuf":
                raise ValueError(
                    f"{name} has a non-numeric column {column!r} (dtype {dtype}); "
                    "encode it as numbers (e.g. one-hot) or drop it before fitting."
                )
        return np.asarray(A.to_numpy(dtype=np.float64, na_value=np.nan)), names
    if isinstance(A, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(A)
        if mask.any():
            index = np.argwhere(mask)[0]
            where = _where(mask.ndim, index[0], index[-1]) if mask.ndim else "its only entry"
            raise ValueError(
                f"{name} has a masked (missing) value at {where} ({int(mask.sum())} masked in "
                "all); masked entries are not dropped silently: remove or impute those rows, "
                f"or pass {name}.filled(value).")
        A = A.data
    try:
        array = np.asarray(A)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{name} must be a rectangular array of numbers, but it could not be read as "
            f"one ({error}); check that every row has the same length.") from None
    if array.dtype.kind in "biu":
        return array.astype(np.float64), None
    if array.dtype.kind == "f":
        keep = array.dtype in dtypes
        return (array if keep else _to_float64(array, array, name)), None
    if array.dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: {name} is complex; probml models "
            "real-valued data only."
        )
    if array.dtype.kind in "mMV":
        raise TypeError(f"{name} must hold numbers, got dtype {array.dtype}; convert dates, "
                        "durations and records to numbers first.")
    try:
        return _to_float64(array, array.astype(object), name), None
    except _TooLarge:
        raise
    except (TypeError, ValueError, OverflowError):
        bad = _first_unconvertible(array.astype(object))
    if bad is not None:
        row, col, value, error = bad
        where = _where(array.ndim, row, col)
        if isinstance(error, OverflowError):
            raise ValueError(f"{name} has a value too large for a float64 at {where} "
                             f"({_shown(value)}); rescale it.") from None
        # The error's type and text are float()'s own: "could not convert string
        # to float" for text, "argument must be a string or a real number" else.
        raise type(error)(
            f"{name} has a non-numeric value {_shown(value)} at {where} ({error}); every "
            "entry must be a number."
        ) from None
    raise ValueError(f"{name} could not be converted to numbers.")


def _to_float64(array, values, name):
    """``array`` as float64, refusing a finite value beyond float64's range.

    A wider float (``np.longdouble``) or a number object (``Decimal``) above
    1.8e308 becomes infinite in the cast, silently; such a cell is found
    among the infinities of the result as a value that is not its own double
    (an infinity is: ``v * 2 == v``), and named.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        converted = array.astype(np.float64)
    for index in map(tuple, np.argwhere(np.isinf(converted))):
        value = values[index]
        if not value * 2 == value:
            where = _where(array.ndim, index[0], index[-1]) if index else "its only entry"
            raise _TooLarge(f"{name} has a value too large for a float64 at {where} "
                            f"({_shown(value)}); rescale it.")
    return converted


class _TooLarge(ValueError):
    """A finite value beyond float64's range (kept apart from the cast's own errors)."""


def _dtype_kind(dtype):
    """The NumPy kind of a (possibly pandas extension) dtype; 'O' if it has none."""
    try:
        return np.dtype(getattr(dtype, "numpy_dtype", dtype)).kind
    except TypeError:
        return "O"


# Elements of A whose finiteness flags are computed at a time.
_SCAN_BLOCK = 1 << 16


def _first_non_finite(A):
    """The index of the first NaN or infinity in ``A`` (None if none), and how many there are.

    A block of rows at a time (on a few threads, :func:`~probml._blocks.map_chunks`),
    so the flags take a block's memory, not ``A``'s.
    """
    def scan(rows):
        bad = ~np.isfinite(A[rows])
        if not bad.any():
            return None, 0
        row, *rest = (int(i) for i in np.argwhere(bad)[0])
        return (rows.start + row, *rest), int(np.count_nonzero(bad))

    step = max(1, _SCAN_BLOCK * len(A) // max(A.size, 1))
    found = [part for part in map_chunks(scan, chunk_slices(len(A), rows=step)) if part[1]]
    return (found[0][0] if found else None), sum(count for _, count in found)


def check_finite(A, name="X", feature_names=None, *, checksum=None):
    """Raise a ValueError naming the first NaN or infinite entry of ``A``.

    Parameters
    ----------
    A : ndarray
        The data, 1-D or 2-D.
    name : str
        The argument's name, for the message.
    feature_names : sequence of str, optional
        Column names to use in the message instead of column positions.
    checksum : ndarray, optional
        A statistic computed from ``A`` that is finite whenever ``A`` is (a
        column sum, a Gram matrix).  When it is finite, ``A`` is not scanned.
    """
    if checksum is not None and np.all(np.isfinite(checksum)):
        return
    A = np.atleast_1d(A)
    message = non_finite_message(A, name, feature_names)
    if message is not None:
        raise ValueError(message)
    if checksum is not None:
        raise ValueError(
            f"{name} has values so large that their sums overflow float64 "
            f"(largest magnitude {np.max(np.abs(A)):.3g}); rescale it, "
            "e.g. express it in larger units."
        )


def non_finite_message(A, name="X", feature_names=None, first_row=None):
    """The message :func:`check_finite` raises for the first NaN or infinite entry of
    ``A``, or None if every entry is finite.

    With ``first_row``, ``A`` is a chunk of rows of a larger array (a Dask
    chunk) whose first row is ``first_row`` in the whole: the entry's row is
    counted from there, and the count of non-finite entries (the chunk's
    alone) is left out.
    """
    A = np.atleast_1d(A)
    index, count = _first_non_finite(A)
    if index is None:
        return None
    value = A[index]
    kind = "NaN (a missing value)" if np.isnan(value) else f"{value}"
    where = _where(A.ndim, (first_row or 0) + index[0], index[-1], feature_names)
    more = f" ({count} non-finite entries in all)" if count > 1 and first_row is None else ""
    return (f"{name} contains {kind} at {where}{more}; remove or impute those rows before "
            "fitting.")


def check_array_finite(values, name, *, allow_inf=False, allow_nan=False,
                       dtypes=(np.float64,)):
    """Any array-like (or number) of real values, as a float array with no NaN (or infinity).

    For arguments of any shape, such as the points a function is evaluated at.
    ``allow_inf`` lets infinities through where they have an exact meaning
    (an infinite test statistic has p-value 0); ``allow_nan`` lets NaN through
    where it marks an undefined value.
    """
    array, _ = as_float_array(values, name, dtypes)
    if allow_nan:
        bad = np.isinf(array) if not allow_inf else np.zeros(array.shape, bool)
    else:
        bad = np.isnan(array) if allow_inf else ~np.isfinite(array)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        value = array[index]
        kind = "NaN" if np.isnan(value) else f"{value}"
        where = (f" at index {index[0] if len(index) == 1 else index}" if index else "")
        raise ValueError(f"{name} contains {kind}{where}; pass "
                         f"{'numbers (not NaN)' if allow_inf else 'finite numbers'}.")
    return array


# Sums of squares below this have lost digits to gradual underflow (or are about
# to): the values are too small for double precision to square.
_SMALLEST_SUM_OF_SQUARES = np.finfo(np.float64).tiny / np.finfo(np.float64).eps


class SquaresOutOfRange(ValueError):
    """Data whose squares leave double precision: a change of units (an exact power of
    two) would bring them back, which the least-squares fits make themselves."""


def check_squares_representable(sums_of_squares, A, name="X", feature_names=None, *,
                                strict_zeros=False, underflow=True):
    r"""Raise unless every column's sum of squares is a finite, normal double (or exactly 0).

    Estimators built on a Gram matrix :math:`X^\top X` need the squares of the
    data: values beyond about 1e154 overflow when squared and values below
    about 1e-146 underflow (losing their digits silently).  Either way the
    fix is a change of units, which the message (a :class:`SquaresOutOfRange`)
    names.  A column of values below 1e-162 has a sum of squares of exactly 0;
    with ``strict_zeros`` only a column of zeros may have it (scanned for).
    ``underflow=False`` checks for overflow alone (for a fit that scales its own
    information, as the likelihood engine does).  ``A`` is the data, scanned only when a column fails, to report its largest
    value.
    """
    sums = np.atleast_1d(np.asarray(sums_of_squares, dtype=float))
    bad = ~np.isfinite(sums)
    if underflow:
        bad |= (sums > 0) & (sums < _SMALLEST_SUM_OF_SQUARES)
    for column in np.flatnonzero(sums == 0) if strict_zeros else ():
        bad[column] = np.any((A if A.ndim == 1 else A[:, column]) != 0)
    if not bad.any():
        return
    column = int(np.flatnonzero(bad)[0])
    values = A if A.ndim == 1 else A[:, column]
    largest = float(np.max(np.abs(values)))
    where = "" if A.ndim == 1 else (
        f" column '{feature_names[column]}'" if feature_names is not None else f" column {column}")
    size = "large" if not np.isfinite(sums[column]) else "small"
    raise SquaresOutOfRange(
        f"{name}{where} has values so {size} (largest magnitude {largest:.3g}) that their "
        f"squares {'overflow' if size == 'large' else 'underflow'} float64; rescale it, e.g. "
        f"express it in {'larger' if size == 'large' else 'smaller'} units.")


def is_dask_collection(value):
    """Whether ``value`` is a Dask collection (array, data frame, series), without
    importing Dask."""
    return type(value).__module__.startswith("dask") and hasattr(value, "__dask_graph__")


def dask_array(value, name, ndim):
    """A Dask collection (array, data frame, series; or a NumPy array given beside one)
    as a non-empty ``ndim``-D Dask array of numbers whose chunk sizes are known."""
    import dask.array as da

    if hasattr(value, "to_dask_array"):                 # a Dask data frame or series
        # Its partition lengths are computed below: lengths=True counts the partitions
        # before Dask's optimiser merges small files (read_parquet), and then fails.
        value = value.to_dask_array()
    elif not isinstance(value, da.Array):
        value = da.asarray(np.asarray(value))
    if value.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {value.shape}.")
    if np.isnan(value.shape[0]):
        value.compute_chunk_sizes()
    if value.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers, got dtype {value.dtype}.")
    if value.shape[0] == 0:
        raise ValueError(f"{name} is empty: at least one row is needed.")
    return value


def check_matrix(X, name="X", *, finite=True, min_samples=1, dtypes=(np.float64,)):
    """Validate a 2-D design matrix and convert it to float64.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Numbers; a DataFrame keeps its column names.
    name : str
        The argument's name, for messages.
    finite : bool
        Scan for NaN and infinity now.  Estimators that compute a sum over
        ``X`` anyway pass False and call :func:`check_finite` on that sum.
    min_samples : int
        The fewest rows accepted.

    Returns
    -------
    X : ndarray of float64 (or another of ``dtypes``), shape (n_samples, n_features)
    feature_names : ndarray of str or None
    """
    array, names = as_float_array(X, name, dtypes)
    if array.ndim != 2:
        hint = (
            "reshape it with X.reshape(-1, 1) if it is a single feature, or "
            "X.reshape(1, -1) if it is a single sample"
            if array.ndim == 1 else "pass a table of shape (n_samples, n_features)"
        )
        raise ValueError(
            f"Expected 2D array for {name}, got a {array.ndim}-D array of shape "
            f"{array.shape}. Reshape your data: {hint}."
        )
    n_samples, n_features = array.shape
    if n_samples < min_samples:
        raise ValueError(
            f"{name} has n_samples={n_samples} (shape {array.shape}), but at least "
            f"{min_samples} sample(s) are required."
        )
    if n_features == 0:
        raise ValueError(
            f"{name} has 0 feature(s) (shape={array.shape}) while a minimum of 1 is "
            "required; pass at least one column."
        )
    if finite:
        check_finite(array, name, names)
    return array, names


def check_vector(y, name="y", *, n_samples=None, finite=True, dtypes=(np.float64,)):
    """Validate a 1-D numeric vector (a target or a sample) as float64.

    A column vector of shape ``(n, 1)`` is accepted with a
    :class:`~probml.exceptions.DataConversionWarning`.  Floating types listed
    in ``dtypes`` are kept as they are (an estimator that converts chunk by
    chunk passes ``(np.float64, np.float32)`` and so never copies the data).
    """
    array, _ = as_float_array(y, name, dtypes)
    if array.ndim == 2 and array.shape[1] == 1:
        warn(
            f"A column-vector {name} was passed when a 1d array was expected; "
            f"using its only column. Pass {name}.ravel() to silence this.",
            DataConversionWarning,
        )
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D, got shape {array.shape}; this model has a single "
            "target."
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name} is empty; at least one value is required.")
    if n_samples is not None and array.shape[0] != n_samples:
        raise ValueError(
            f"X and {name} have inconsistent numbers of samples: X has {n_samples} "
            f"rows but {name} has {array.shape[0]} values."
        )
    if finite:
        check_finite(array, name)
    return array


def sample_array(values, name, *, finite=True):
    """``values`` as a 1-D float64 array of finite numbers (a scalar is one observation).

    The conversion is :func:`check_vector`'s: text, complex numbers, dates and
    ragged lists are refused by name.  With ``finite=False`` the values are not
    scanned for NaN and infinities (the caller finds them in a pass it makes anyway).
    """
    if isinstance(values, numbers.Number) or (isinstance(values, np.ndarray)
                                              and values.ndim == 0):
        values = [values]
    return check_vector(values, name, finite=finite)


def check_weights(values, name, n):
    """Weights, one >= 0 per observation and not all zero, as a float array (None stays)."""
    if values is None:
        return None
    weights = sample_array(values, name)
    if len(weights) != n or np.any(weights < 0) or not weights.sum() > 0:
        raise ValueError(f"{name} must hold one weight >= 0 per observation ({n}), not all "
                         "zero.")
    return weights


def as_labels(values, name):
    """``values`` as a NumPy array of labels (ids, channels, clusters), or a ValueError
    naming ``name`` where they are ragged (a label that is itself a sequence)."""
    if isinstance(values, np.ndarray):
        return values
    try:
        return np.asarray(values)
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be a 1-D sequence of labels, one per row; some of its "
                         "entries are sequences themselves.") from None


def combined_weights(analytic, frequency):
    """Each row's weight in the estimating equations: its analytic weight times its
    frequency weight (None without either)."""
    if analytic is None and frequency is None:
        return None
    return (1.0 if analytic is None else analytic) * (1.0 if frequency is None else frequency)


class WeightedRows:
    r"""The rows a weighted fit uses: those of positive combined weight.

    Attributes
    ----------
    keep : ndarray of int
        Their indices.
    weights : ndarray
        Their combined weights (:func:`combined_weights`).
    nobs : int or float
        The observations they stand for: the rows kept, or the sum of their
        frequency weights (an int when it is whole).
    log_weights : float
        :math:`\tfrac12\sum_i f_i \log a_i` over them, the term analytic weights
        add to a Gaussian log-likelihood (0 without analytic weights).
    """

    def __init__(self, analytic, frequency=None):
        weights = combined_weights(analytic, frequency)
        self.keep = np.flatnonzero(weights > 0)
        self.weights = weights[self.keep]
        counts = 1.0 if frequency is None else frequency[self.keep]
        total = len(self.keep) if frequency is None else float(np.sum(counts))
        self.nobs = int(total) if total == round(total) else total
        self.log_weights = (0.0 if analytic is None else
                            0.5 * float(np.sum(counts * np.log(analytic[self.keep]))))


def check_sortable(values, name, what):
    """Raise a TypeError naming ``name`` unless its ``what`` can be sorted (one type).

    ``np.unique`` sorts: an object array mixing, say, numbers and strings
    cannot be, and would fail with NumPy's own message.
    """
    if values.dtype.kind in "OV":
        try:
            np.unique(values)
        except TypeError:
            raise TypeError(f"{name} must hold {what} of one sortable type (numbers or "
                            "strings), not a mixture.") from None


# -- parameter domains ---------------------------------------------------------------
#
# Each parameter's domain is stated once, as a small object that checks a value
# and returns it converted; estimators list theirs in ``_parameter_domains`` and
# functions in ``@validate_params``.  The message always starts with the
# parameter's name, says what it must be, and shows what it was.


def plain(value):
    """A NumPy scalar as the Python value it holds, for messages."""
    return value.item() if isinstance(value, np.generic) else value


def _shown(value):
    """``repr(value)``, shortened: a 400-digit integer should not fill the terminal."""
    text = repr(value)
    if len(text) > 60:
        text = f"{text[:40]}... ({len(text)} characters)"
    return text


# A name at most this many edits from another, and at most half as many as its length,
# is offered as what was meant: "lamda" for "lambda", not "b" for "a".
MOST_EDITS = 2


def edit_distance(a, b):
    """The Damerau-Levenshtein distance (optimal string alignment) between two names: the
    fewest insertions, deletions, substitutions and swaps of neighbours from ``a`` to ``b``.

    >>> edit_distance("lam", "lamda"), edit_distance("sigma", "sgima")
    (2, 1)
    """
    previous, current = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        before, previous, current = previous, current, [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1,
                             previous[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
    return current[-1]


def near_names(name, candidates):
    """The ``candidates`` a misspelling of ``name`` could have meant (one or two edits
    away, and no more than half the longer name), nearest first."""
    name = str(name)
    scored = []
    for candidate in dict.fromkeys(map(str, candidates)):
        distance = edit_distance(name, candidate)
        if candidate != name and distance <= min(MOST_EDITS, max(len(name), len(candidate)) // 2):
            scored.append((distance, candidate))
    return [candidate for _, candidate in sorted(scored)]


def did_you_mean(name, candidates):
    """The hint ``" Did you mean lam?"`` for a ``name`` one or two edits from a candidate
    (see :func:`near_names`), else an empty string: appended to an error message."""
    near = near_names(name, candidates)
    return f" Did you mean {' or '.join(near)}?" if near else ""


class Domain:
    """The set of values a parameter may take; calling it checks and converts one."""

    description = "a valid value"

    def __call__(self, value, name):
        raise NotImplementedError

    def fail(self, value, name, meaning=""):
        raise InvalidParameterError(
            f"{name} must be {self.description}{meaning}, got {_shown(value)}.")

    def outside(self):
        """Values this domain refuses, for tests: the domain's table drives its own fuzzing.

        Each domain proposes values beside its edges (a bound, a type, a
        missing value), and only those it indeed refuses are returned.
        """
        return [value for value in self._candidates() if not self._accepts(value)]

    def _candidates(self):
        return [None, "text", True, 1.5, -1, math.nan, math.inf, -math.inf, [1.0], object()]

    def _accepts(self, value):
        try:
            self(value, "value")
        except InvalidParameterError:
            return False
        return True

    def __repr__(self):
        return self.description


def _as_real(value):
    """``value`` as a float (a huge integer becomes +-inf), or None if it is not a real number."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        return None
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


class Real(Domain):
    """A finite real number, optionally bounded: ``Real(0, None, closed="neither")`` is > 0.

    Parameters
    ----------
    low, high : float or None
        Bounds; None for none.
    closed : {"both", "left", "right", "neither"}
        Which bounds belong to the domain.
    meaning : str
        Appended to the message, e.g. " (the prior precision of the weights)".
    """

    def __init__(self, low=None, high=None, *, closed="both", meaning=""):
        self.low, self.high, self.closed, self.meaning = low, high, closed, meaning
        left = closed in ("both", "left")
        right = closed in ("both", "right")
        if low is not None and high is not None:
            self.description = (f"a number in {'[' if left else '('}{low:g}, "
                                f"{high:g}{']' if right else ')'}")
        elif low is not None:
            self.description = f"a number {'>=' if left else '>'} {low:g}"
        elif high is not None:
            self.description = f"a number {'<=' if right else '<'} {high:g}"
        else:
            self.description = "a finite number"

    def _candidates(self):
        edges = [bound + step for bound in (self.low, self.high) if bound is not None
                 for step in (-1.0, 0.0, 1.0)]
        return super()._candidates() + edges

    def contains(self, number):
        low, high = self.low, self.high
        if not math.isfinite(number):
            return False
        if low is not None and (number < low or number == low
                                and self.closed not in ("both", "left")):
            return False
        if high is not None and (number > high or number == high
                                 and self.closed not in ("both", "right")):
            return False
        return True

    def __call__(self, value, name):
        number = _as_real(value)
        if number is None or not self.contains(number):
            self.fail(value, name, self.meaning)
        return number + 0.0             # -0.0 becomes 0.0 (NumPy refuses a scale of -0.0)


class Integer(Domain):
    """A whole number in ``[low, high]``; with ``whole_floats`` a float such as 3.0 counts too.

    ``high`` bounds what is handed on to NumPy and SciPy, whose integers have
    64 bits: a count of 10**400 is refused here, not deep inside a C routine.
    """

    def __init__(self, low=None, high=None, *, whole_floats=False, meaning=""):
        self.low, self.high, self.whole_floats, self.meaning = low, high, whole_floats, meaning
        if low is not None and high is not None:
            self.description = f"a whole number from {low:,} to {high:,}"
        elif low is not None:
            self.description = f"a whole number >= {low:,}"
        else:
            self.description = "a whole number"

    def _candidates(self):
        edges = [bound + step for bound in (self.low, self.high) if bound is not None
                 for step in (-1, 1)]
        return super()._candidates() + edges + [2.5, np.float64(2.0)]

    def __call__(self, value, name):
        if isinstance(value, (bool, np.bool_)):
            self.fail(value, name, self.meaning)
        if isinstance(value, numbers.Integral):
            number = int(value)
        elif self.whole_floats and (real := _as_real(value)) is not None \
                and math.isfinite(real) and real.is_integer():
            number = int(real)
        else:
            self.fail(value, name, self.meaning)
        if (self.low is not None and number < self.low) or (
                self.high is not None and number > self.high):
            self.fail(value, name, self.meaning)
        return number


class Options(Domain):
    """One of a fixed set of strings (and None if it is listed)."""

    def __init__(self, *choices):
        self.choices = choices
        shown = [repr(c) for c in choices]
        self.description = ("one of " + ", ".join(shown[:-1]) + f" or {shown[-1]}"
                            if len(shown) > 1 else shown[0])

    def __call__(self, value, name):
        if value is None and None in self.choices:
            return None
        if isinstance(value, str) and value in self.choices:
            return value
        self.fail(value, name)


class Boolean(Domain):
    """True or False (a bool or NumPy bool, not a string or a number)."""

    description = "True or False"

    def __call__(self, value, name):
        if not isinstance(value, (bool, np.bool_)):
            self.fail(value, name)
        return bool(value)


class Seed(Domain):
    """What ``numpy.random.default_rng`` accepts: None, a whole number >= 0, or a generator."""

    description = ("None, a whole number >= 0, or a numpy.random.Generator, BitGenerator or "
                   "SeedSequence")

    def __call__(self, value, name):
        if value is None or isinstance(value, (np.random.Generator, np.random.BitGenerator,
                                               np.random.SeedSequence)):
            return value
        if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)) \
                and value >= 0:
            return int(value)
        self.fail(value, name)


class Function(Domain):
    """A callable."""

    description = "a callable"

    def __call__(self, value, name):
        if not callable(value):
            self.fail(value, name)
        return value


class Optional(Domain):
    """None, or a value of ``domain``."""

    def __init__(self, domain):
        self.domain = domain
        self.description = f"None or {domain.description}"

    def __call__(self, value, name):
        if value is None:
            return None
        try:
            return self.domain(value, name)
        except InvalidParameterError:
            self.fail(value, name, getattr(self.domain, "meaning", ""))


class AnyOf(Domain):
    """A value of the first of ``domains`` that accepts it."""

    def __init__(self, *domains):
        self.domains = domains
        self.description = " or ".join(d.description for d in domains)

    def __call__(self, value, name):
        for domain in self.domains:
            try:
                return domain(value, name)
            except InvalidParameterError:
                continue
        self.fail(value, name)


PROBABILITY = Real(0, 1, closed="neither")
LEVEL = Real(0, 1, closed="neither", meaning=" (the coverage, e.g. 0.95)")
POSITIVE = Real(0, None, closed="neither")
NONNEGATIVE = Real(0, None)
BOOLEAN = Boolean()
SEED = Seed()


def check_params(values, domains):
    """Check ``values[name]`` against ``domains[name]`` for each name; return them converted."""
    return {name: domain(values[name], name) for name, domain in domains.items()}


def validate_params(**domains):
    """Decorate a function so that the named arguments are checked against their domains.

    The function receives the converted values (a float for a ``Real``, an
    int for an ``Integer``), so its body can rely on them.

    Examples
    --------
    >>> @validate_params(level=LEVEL)
    ... def half(level=0.95):
    ...     return level / 2
    >>> half(0.5)
    0.25
    >>> half(level=95)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    probml.exceptions.InvalidParameterError: level must be a number in (0, 1) ... got 95.
    """
    def decorate(function):
        signature = inspect.signature(function)
        unknown = set(domains) - set(signature.parameters)
        if unknown:
            raise TypeError(f"{function.__name__} has no parameters {sorted(unknown)}")

        @functools.wraps(function)
        def checked(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            for name, domain in domains.items():
                if name in bound.arguments:
                    bound.arguments[name] = domain(bound.arguments[name], name)
            return function(*bound.args, **bound.kwargs)
        checked.parameter_domains = domains
        return checked
    return decorate


def check_positive(value, name, meaning=""):
    """Return ``value`` as float, raising if it is not a finite number > 0."""
    return Real(0, None, closed="neither", meaning=meaning)(value, name)


def positive_result(compute, formula, **arguments):
    """``compute`` of the ``arguments``' values (in order) as a float > 0, or a clear error.

    For conversions between positive quantities (a penalty and a prior scale):
    a result that overflows or underflows is refused with the formula and the
    arguments by name, instead of returned as ``inf`` or ``0``.
    """
    with np.errstate(over="ignore", under="ignore"):
        result = float(compute(*map(np.float64, arguments.values())))
    if not 0 < result < math.inf:
        shown = ", ".join(f"{name}={value!r}" for name, value in arguments.items())
        raise ValueError(f"{formula} = {result} is outside the range of double precision for "
                         f"{shown}.")
    return result


def check_nonnegative(value, name, meaning=""):
    """Return ``value`` as float, raising if it is not a finite number >= 0."""
    return Real(0, None, meaning=meaning)(value, name)


def check_whole_number(value, name, minimum=1):
    """Return ``value`` as int, raising unless it is an integer (not a bool) >= ``minimum``."""
    return Integer(minimum)(value, name)


def check_probability(value, name, *, open_interval=True):
    """Return ``value`` as float, raising unless it lies in (0, 1) (or [0, 1])."""
    return Real(0, 1, closed="neither" if open_interval else "both")(value, name)


def check_is_fitted(estimator, attribute):
    """Raise :class:`~probml.exceptions.NotFittedError` unless ``attribute`` is set."""
    if not hasattr(estimator, attribute):
        raise not_fitted_error_class()(
            f"This {type(estimator).__name__} instance is not fitted yet; call "
            "'fit' with appropriate arguments before using this estimator."
        )


def not_fitted_error_class():
    """probml's NotFittedError, also scikit-learn's when scikit-learn is in use.

    scikit-learn's tools catch their own ``NotFittedError``; when scikit-learn
    has been imported (it is never imported here), the error raised derives
    from both classes, so either library's ``except`` clause catches it.
    """
    sklearn_exceptions = sys.modules.get("sklearn.exceptions")
    if sklearn_exceptions is None:
        return NotFittedError
    return _combined_not_fitted_error(sklearn_exceptions.NotFittedError)


@functools.cache
def _combined_not_fitted_error(sklearn_error):
    return type("NotFittedError", (NotFittedError, sklearn_error),
                {"__module__": NotFittedError.__module__})


FLOATS = (np.float64, np.float32)
"""The floating types estimators read as they are, converting a block at a time."""


def check_aligned(X, y, y_name="y"):
    """Refuse pandas ``X`` and ``y`` whose indexes differ: rows are paired by position, so
    ``y`` from another ordering (a reset or re-sorted index) would be paired wrongly,
    silently (statsmodels refuses them too)."""
    x_index, y_index = getattr(X, "index", None), getattr(y, "index", None)
    if (x_index is None or y_index is None or type(X).__module__.split(".")[0] != "pandas"
            or type(y).__module__.split(".")[0] != "pandas" or len(x_index) != len(y_index)
            or x_index.equals(y_index)):
        return
    position = int(np.flatnonzero(np.asarray(x_index) != np.asarray(y_index))[0])
    raise ValueError(
        f"X and {y_name} are pandas objects whose indexes differ (at row {position}, X has "
        f"{plain(x_index[position])!r} and {y_name} has {plain(y_index[position])!r}): probml "
        f"pairs rows by position, so they would be mismatched. Align them "
        f"({y_name}.loc[X.index]) or pass arrays.")


def record_features(estimator, n_features, feature_names=None):
    """Set ``n_features_in_`` (and ``feature_names_in_``) as ``fit`` does, for a fit from
    statistics rather than from an ``X``."""
    estimator.n_features_in_ = n_features
    if feature_names is not None:
        estimator.feature_names_in_ = np.asarray(list(feature_names), dtype=object)
    elif hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_
    estimator._fitted_on_pandas = False


def label_rows(estimator, values, X):
    """``values``, one per row of ``X``, as a pandas Series with ``X``'s index when the
    estimator was fitted on a pandas object and ``X`` is one (statsmodels' habit);
    otherwise unchanged.  pandas is imported only then."""
    if not (getattr(estimator, "_fitted_on_pandas", False)
            and type(X).__module__.split(".")[0] == "pandas" and hasattr(X, "index")):
        return values
    import pandas as pd

    return pd.Series(values, index=X.index)


def validate_features(estimator, X, *, reset, dtypes=(np.float64,)):
    """Check or record ``n_features_in_`` and ``feature_names_in_``.

    With ``reset=True`` (in ``fit``) the attributes are set from ``X``; with
    ``reset=False`` (in ``predict``) ``X`` is checked against them, with the
    messages scikit-learn uses so that its estimator checks recognise them.

    Returns
    -------
    X : ndarray of float64
    feature_names : ndarray of str or None
    """
    names = feature_names_of(X)
    class_name = type(estimator).__name__
    if reset:
        array, names = check_matrix(X, finite=False, dtypes=dtypes)
        estimator.n_features_in_ = array.shape[1]
        if names is not None:
            estimator.feature_names_in_ = names
        elif hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
        # Results are labelled (pandas) only for a pandas input, never for other tables.
        estimator._fitted_on_pandas = type(X).__module__.split(".")[0] == "pandas"
        return array, names

    fitted_names = getattr(estimator, "feature_names_in_", None)
    if names is not None and fitted_names is None:
        warn(
            f"X has feature names, but {class_name} was fitted without feature names",
            FeatureNamesWarning,
        )
    elif names is None and fitted_names is not None:
        warn(
            f"X does not have valid feature names, but {class_name} was fitted "
            "with feature names",
            FeatureNamesWarning,
        )
    elif names is not None and (
        len(names) != len(fitted_names) or np.any(names != fitted_names)
    ):
        raise ValueError(_feature_name_mismatch(fitted_names, names))
    array, _ = check_matrix(X, finite=False, dtypes=dtypes)
    with np.errstate(over="ignore", invalid="ignore"):
        checksum = np.sum(array, axis=0, dtype=np.float64)
    check_finite(array, "X", names, checksum=checksum)
    if array.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {array.shape[1]} features, but {class_name} is expecting "
            f"{estimator.n_features_in_} features as input."
        )
    return array, names


def _feature_name_mismatch(fitted, given):
    def listing(names, limit=5):
        lines = [f"- {n}\n" for n in names[:limit]]
        return "".join(lines) + ("- ...\n" if len(names) > limit else "")

    unseen = sorted(set(given) - set(fitted))
    missing = sorted(set(fitted) - set(given))
    message = "The feature names should match those that were passed during fit.\n"
    if unseen:
        message += "Feature names unseen at fit time:\n" + listing(unseen)
    if missing:
        message += "Feature names seen at fit time, yet now missing:\n" + listing(missing)
    if not unseen and not missing:
        message += "Feature names must be in the same order as they were in fit.\n"
    return message
