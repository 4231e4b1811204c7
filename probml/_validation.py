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
import numbers
import sys
import warnings

import numpy as np

from .exceptions import DataConversionWarning, NotFittedError

__all__ = [
    "check_finite",
    "check_is_fitted",
    "check_matrix",
    "check_nonnegative",
    "check_positive",
    "check_probability",
    "check_vector",
    "check_whole_number",
    "feature_names_of",
    "validate_features",
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
    """Locate the first cell of an object array that is not a number."""
    for (row, col), value in np.ndenumerate(np.atleast_2d(values.T).T):
        try:
            float(value)
        except (TypeError, ValueError) as error:
            return row, col, value, error
    return None


def _as_float_array(A, name):
    """Convert ``A`` to float64, naming the first non-numeric cell on failure."""
    if A is None:
        raise ValueError(
            f"This estimator requires {name} to be passed, but the target {name} is None"
            if name == "y" else
            f"Expected array-like (array or non-string sequence), got None for {name}."
        )
    _reject_sparse(A, name)
    names = feature_names_of(A)
    if hasattr(A, "dtypes") and hasattr(A, "columns"):
        for column, dtype in zip(A.columns, A.dtypes):
            if _dtype_kind(dtype) not in "biuf":
                raise ValueError(
                    f"{name} has a non-numeric column {column!r} (dtype {dtype}); "
                    "encode it as numbers (e.g. one-hot) or drop it before fitting."
                )
        return np.asarray(A.to_numpy(dtype=np.float64, na_value=np.nan)), names
    array = np.asarray(A)
    if array.dtype.kind in "biuf":
        return array.astype(np.float64, copy=False), None
    if array.dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: {name} is complex; probml models "
            "real-valued data only."
        )
    try:
        return array.astype(np.float64), None
    except (TypeError, ValueError):
        bad = _first_unconvertible(array.astype(object))
        if bad is None:
            raise
        row, col, value, error = bad
        where = f"row {row}" if array.ndim == 1 else f"row {row}, column {col}"
        # The error's type and text are float()'s own: "could not convert string
        # to float" for text, "argument must be a string or a real number" else.
        raise type(error)(
            f"{name} has a non-numeric value {value!r} at {where} ({error}); every "
            "entry must be a number."
        ) from None


def _dtype_kind(dtype):
    """The NumPy kind of a (possibly pandas extension) dtype; 'O' if it has none."""
    try:
        return np.dtype(getattr(dtype, "numpy_dtype", dtype)).kind
    except TypeError:
        return "O"


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
    bad = ~np.isfinite(A)
    if not bad.any():
        if checksum is not None:
            raise ValueError(
                f"{name} has values so large that their sums overflow float64 "
                f"(largest magnitude {np.max(np.abs(A)):.3g}); rescale it, "
                "e.g. express it in larger units."
            )
        return
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    value = A[index]
    kind = "NaN (a missing value)" if np.isnan(value) else f"{value}"
    where = f"row {index[0]}" if A.ndim == 1 else _describe_cell(*index, feature_names)
    count = int(bad.sum())
    more = f" ({count} non-finite entries in all)" if count > 1 else ""
    raise ValueError(
        f"{name} contains {kind} at {where}{more}; remove or impute those rows "
        "before fitting."
    )


def check_matrix(X, name="X", *, finite=True, min_samples=1):
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
    X : ndarray of float64, shape (n_samples, n_features)
    feature_names : ndarray of str or None
    """
    array, names = _as_float_array(X, name)
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


def check_vector(y, name="y", *, n_samples=None, finite=True):
    """Validate a 1-D numeric vector (a target or a sample) as float64.

    A column vector of shape ``(n, 1)`` is accepted with a
    :class:`~probml.exceptions.DataConversionWarning`.
    """
    array, _ = _as_float_array(y, name)
    if array.ndim == 2 and array.shape[1] == 1:
        warnings.warn(
            f"A column-vector {name} was passed when a 1d array was expected; "
            f"using its only column. Pass {name}.ravel() to silence this.",
            DataConversionWarning,
            stacklevel=3,
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


def _check_scalar(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}.")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}.")
    return float(value)


def check_positive(value, name, meaning=""):
    """Return ``value`` as float, raising if it is not a finite number > 0."""
    value = _check_scalar(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be > 0{meaning}, got {value!r}.")
    return value


def check_nonnegative(value, name, meaning=""):
    """Return ``value`` as float, raising if it is not a finite number >= 0."""
    value = _check_scalar(value, name)
    if value < 0:
        raise ValueError(f"{name} must be >= 0{meaning}, got {value!r}.")
    return value


def check_whole_number(value, name, minimum=1):
    """Return ``value`` as int, raising unless it is an integer (not a bool) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}.")
    return int(value)


def check_probability(value, name, *, open_interval=True):
    """Return ``value`` as float, raising unless it lies in (0, 1) (or [0, 1])."""
    value = _check_scalar(value, name)
    ok = 0 < value < 1 if open_interval else 0 <= value <= 1
    if not ok:
        bounds = "(0, 1)" if open_interval else "[0, 1]"
        raise ValueError(f"{name} must lie in {bounds}, got {value!r}.")
    return value


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


def validate_features(estimator, X, *, reset):
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
        array, names = check_matrix(X, finite=False)
        estimator.n_features_in_ = array.shape[1]
        if names is not None:
            estimator.feature_names_in_ = names
        elif hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
        return array, names

    fitted_names = getattr(estimator, "feature_names_in_", None)
    if names is not None and fitted_names is None:
        warnings.warn(
            f"X has feature names, but {class_name} was fitted without feature names",
            UserWarning,
            stacklevel=3,
        )
    elif names is None and fitted_names is not None:
        warnings.warn(
            f"X does not have valid feature names, but {class_name} was fitted "
            "with feature names",
            UserWarning,
            stacklevel=3,
        )
    elif names is not None and (
        len(names) != len(fitted_names) or np.any(names != fitted_names)
    ):
        raise ValueError(_feature_name_mismatch(fitted_names, names))
    array, _ = check_matrix(X)
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
