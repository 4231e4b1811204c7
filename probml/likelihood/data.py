"""The data a likelihood is fitted to: arrays of observations inside the model's support."""

import math
import numbers

import numpy as np

__all__ = ["SUPPORTS", "as_interval", "check_support", "distinct_rows", "support_interval"]

# Rows whose distinct values are counted before all rows are sorted for theirs.
_PROBE_ROWS = 10_000

#: Supports of the data: (low, high, discrete), open at an infinite end.
SUPPORTS = {
    "real": (-math.inf, math.inf, False),
    "positive": (0.0, math.inf, False),
    "nonnegative": (0.0, math.inf, False),
    "unit": (0.0, 1.0, False),
    "counts": (0, math.inf, True),
    "positive counts": (1, math.inf, True),
    "binary": (0, 1, True),
}
_SUPPORT_TEXT = {
    "real": "real numbers", "positive": "numbers > 0", "nonnegative": "numbers >= 0",
    "unit": "numbers in (0, 1)", "counts": "counts 0, 1, 2, ...",
    "positive counts": "counts 1, 2, 3, ...", "binary": "0 or 1",
}


def as_interval(value, name):
    """``(low, high)`` as two floats with low < high (infinite bounds allowed), or an error
    naming ``name``."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise ValueError(f"{name} must be a pair (low, high) of numbers, got {value!r}.")
    low, high = (_bound(bound, name) for bound in value)
    if not low < high:
        raise ValueError(f"{name} must have low < high, got ({low:g}, {high:g}).")
    return low, high


def _bound(value, name):
    import sympy as sp
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        try:
            bound = float(value)
        except OverflowError:
            bound = math.inf if value > 0 else -math.inf
    elif isinstance(value, sp.Basic) and value.is_number and value.is_extended_real:
        bound = float(value)
    else:
        raise ValueError(f"{name} must be a pair (low, high) of real numbers, got the bound "
                         f"{value!r}.")
    if math.isnan(bound):
        raise ValueError(f"{name} must be a pair (low, high) of numbers, got a NaN bound.")
    return bound


def support_interval(support):
    """(low, high, discrete) of a support, or None."""
    if support is None:
        return None
    if isinstance(support, str):
        return SUPPORTS[support]
    return (support[0], support[1], False)


def check_support(values, model, first_row=0):
    """A clear error naming the first value outside the model's support (its index counts
    from ``first_row``: the start of a Dask row chunk)."""
    interval = support_interval(model.support)
    if interval is None:
        return
    low, high, discrete = interval
    closed_low = discrete or model.support == "nonnegative"
    if _inside(values, low, high, discrete, closed_low):
        return
    name = str(model.data[0])
    outside = (values < low) | (values > high) | ((not closed_low) & (values == low)) | (
        (values == high) & (not discrete))
    if discrete:
        outside |= values != np.round(values)
    bad = np.flatnonzero(outside)
    if len(bad):
        text = _SUPPORT_TEXT.get(model.support, f"numbers in ({low:g}, {high:g})")
        raise ValueError(f"{name} must be {text} (the support of the model); "
                         f"{name}[{first_row + bad[0]}] = {values[bad[0]]:g}.")


def _inside(values, low, high, discrete, closed_low):
    """Whether every value is inside the support, from the smallest and largest values
    (reductions, without an array of flags); False sends the caller to find the first
    value outside (a NaN also gives False, and is no value outside)."""
    if values.size == 0:
        return True
    with np.errstate(invalid="ignore"):
        if low > -math.inf:
            smallest = values.min()
            if not (smallest > low or (closed_low and smallest == low)):
                return False
        if high < math.inf:
            largest = values.max()
            if not (largest < high or (discrete and largest == high)):
                return False
        return not discrete or bool(np.all(np.round(values) == values))


def distinct_rows(arrays, most):
    """The distinct rows of the data columns ``arrays`` and each row's index into them.

    Returns ``(columns, index)`` with ``columns[j][index] == arrays[j]``, or None when
    there are more than ``most`` distinct rows.  Whole numbers in a range of at most
    ``most`` values (counts) are indexed by their value without sorting, and the first
    rows are probed before all rows are sorted.

    >>> columns, index = distinct_rows([np.array([3.0, 1.0, 3.0])], most=5)
    >>> columns[0][index]
    array([3., 1., 3.])
    """
    if len(arrays) == 1:
        values = arrays[0]
        whole = values.astype(np.intp)
        if np.array_equal(whole, values):
            low = int(whole.min())
            if int(whole.max()) - low < most:
                return [np.arange(low, whole.max() + 1.0)], whole - low
    if len(np.unique(np.column_stack([a[:_PROBE_ROWS] for a in arrays]), axis=0)) > most * min(
            1.0, _PROBE_ROWS / len(arrays[0])):
        return None
    stacked = np.column_stack(arrays)
    levels, index = np.unique(stacked, axis=0, return_inverse=True)
    if len(levels) > most:
        return None
    return list(levels.T), index.ravel()
