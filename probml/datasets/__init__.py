"""The small data sets the examples use, shipped with probml as CSV files.

Each loader returns a :class:`Dataset` (NumPy arrays and the column names),
or a pandas DataFrame with ``as_frame=True`` (pandas is imported only then).

- :func:`load_study_hours`: hours studied against exam score, twelve
  students; small enough to fit by hand with
  :math:`\\text{slope} = S_{xy}/S_{xx}`, :math:`\\text{intercept} = \\bar y - \\text{slope}\\,\\bar x`.
- :func:`load_four_features`: twenty rows of four integer features and the
  target ``y = x1 - x2 + x3 - x4`` exactly, so least squares recovers the
  weights [1, -1, 1, -1] and intercept 0.
- :func:`load_study_pass`: hours studied against pass (1) or fail (0), twenty
  students, overlapping in the middle so the logistic MLE exists.
"""

from dataclasses import dataclass
from importlib import resources

import numpy as np

__all__ = ["Dataset", "load_four_features", "load_study_hours", "load_study_pass"]


@dataclass(frozen=True)
class Dataset:
    """A bundled data set: features, target and their names."""

    data: np.ndarray
    target: np.ndarray
    feature_names: list
    target_name: str
    description: str


def _read(filename):
    text = resources.files(__name__).joinpath("data", filename).read_text(encoding="utf-8")
    lines = text.strip().splitlines()
    header = lines[0].split(",")
    values = np.array([line.split(",") for line in lines[1:]], dtype=float)
    return header, values


def _load(filename, description, as_frame):
    from .._validation import BOOLEAN

    as_frame = BOOLEAN(as_frame, "as_frame")
    header, values = _read(filename)
    if as_frame:
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("as_frame=True returns a pandas DataFrame: install pandas "
                              "(pip install pandas, or probml's [formula] extra), or leave "
                              "as_frame False for NumPy arrays.") from None
        return pd.DataFrame(values, columns=header)
    return Dataset(values[:, :-1], values[:, -1], header[:-1], header[-1], description)


def load_study_hours(*, as_frame=False):
    """Hours studied (feature ``hours``) and exam score (target ``score``), 12 rows.

    Examples
    --------
    >>> data = load_study_hours()
    >>> data.data.shape, data.target_name
    ((12, 1), 'score')
    """
    return _load("study_hours.csv", "Hours studied against exam score.", as_frame)


def load_four_features(*, as_frame=False):
    """Features ``x1..x4`` and target ``y = x1 - x2 + x3 - x4``, 20 rows.

    Examples
    --------
    >>> data = load_four_features()
    >>> bool(np.all(data.target == data.data @ [1, -1, 1, -1]))
    True
    """
    return _load("four_features.csv", "Target exactly x1 - x2 + x3 - x4.", as_frame)


def load_study_pass(*, as_frame=False):
    """Hours studied (``hours``) and pass/fail (target ``passed``, 0 or 1), 20 rows.

    Examples
    --------
    >>> data = load_study_pass()
    >>> sorted(set(data.target.tolist()))
    [0.0, 1.0]
    """
    return _load("study_pass.csv", "Hours studied against passing (1) or failing (0).",
                 as_frame)
