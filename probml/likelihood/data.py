"""The data a likelihood is fitted to: arrays of observations inside the model's support."""

import math

import numpy as np

__all__ = ["SUPPORTS", "check_support", "sample_array", "support_interval"]

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


def support_interval(support):
    """(low, high, discrete) of a support, or None."""
    if support is None:
        return None
    if isinstance(support, str):
        return SUPPORTS[support]
    return (support[0], support[1], False)


def sample_array(values, name):
    if isinstance(values, (str, bytes)) or values is None:
        raise TypeError(f"{name} must be an array of numbers, got {values!r}.")
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers, got {values!r}.") from None
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}.")
    if len(array) == 0:
        raise ValueError(f"{name} is empty: a fit needs at least one observation.")
    bad = np.flatnonzero(~np.isfinite(array))
    if len(bad):
        raise ValueError(f"{name} must be finite; {name}[{bad[0]}] = {array[bad[0]]}.")
    return array


def check_support(values, model):
    interval = support_interval(model.support)
    if interval is None:
        return
    low, high, discrete = interval
    name = str(model.data[0])
    closed_low = discrete or model.support == "nonnegative"
    outside = (values < low) | (values > high) | (~closed_low & (values == low)) | (
        (values == high) & (not discrete))
    if discrete:
        outside |= values != np.round(values)
    bad = np.flatnonzero(outside)
    if len(bad):
        text = _SUPPORT_TEXT.get(model.support, f"numbers in ({low:g}, {high:g})")
        raise ValueError(f"{name} must be {text} (the support of the model); "
                         f"{name}[{bad[0]}] = {values[bad[0]]:g}.")
