"""Readers for the NIST Statistical Reference Datasets (StRD).

The StRD files have certified values to about 15 significant digits and are
the standard external test of numerical accuracy, reported as the LRE (log
relative error: the number of correct significant digits).  probml does not
ship them; these functions read the original ``.dat`` files from a directory
the caller names (the tests use ``PROBML_REFERENCE_DIR``).

Reference: https://www.itl.nist.gov/div898/strd/
"""

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["LinearReference", "NonlinearReference", "UnivariateReference",
           "log_relative_error", "read_linear", "read_nonlinear", "read_univariate"]

_NUMBER = r"[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?"


def log_relative_error(estimate, certified):
    r"""The LRE: the number of significant digits ``estimate`` shares with ``certified``.

    .. math:: \mathrm{LRE} = -\log_{10} \frac{|\hat x - x|}{|x|}

    (the absolute error when :math:`x = 0`), capped at 15 (the digits NIST
    certifies) and floored at 0.

    Examples
    --------
    >>> float(log_relative_error(1.0001, 1.0))
    4.0
    """
    estimate = np.asarray(estimate, dtype=float)
    certified = np.asarray(certified, dtype=float)
    error = np.abs(estimate - certified)
    scale = np.where(certified == 0, 1.0, np.abs(certified))
    with np.errstate(divide="ignore", invalid="ignore"):
        lre = -np.log10(error / scale)
    lre = np.where(np.isfinite(estimate), lre, 0.0)
    return np.clip(np.round(lre, 1), 0.0, 15.0)


def _lines(path):
    return Path(path).read_text(encoding="ascii").splitlines()


def _data_range(lines):
    """The 1-based first and last data lines, from the header's 'Data' entry."""
    for line in lines[:20]:
        match = re.search(r"Data\s*:?\s*\(?lines\s+(\d+)\s+to\s+(\d+)", line)
        if match:
            return int(match.group(1)), int(match.group(2))
    raise ValueError(f"no 'Data (lines a to b)' entry in the header of {lines[0]!r}")


def _data(lines):
    first, last = _data_range(lines)
    rows = [line.split() for line in lines[first - 1:last] if line.strip()]
    return np.array(rows, dtype=float)


@dataclass(frozen=True)
class LinearReference:
    """A StRD linear regression problem with its certified results."""

    name: str
    X: np.ndarray
    y: np.ndarray
    fit_intercept: bool
    coef: np.ndarray
    coef_std: np.ndarray
    residual_std: float
    r_squared: float


def read_linear(path):
    """Read a StRD linear regression file and build its design matrix.

    The polynomial models (Filip, Pontius, Wampler1-5) have one predictor
    ``x``; their design has the columns ``x, x**2, ..., x**degree``.  Longley
    has six predictors.  NoInt1 and NoInt2 have no intercept.

    Returns
    -------
    LinearReference
        ``coef`` and ``coef_std`` list the intercept ``B0`` first where the
        model has one.
    """
    lines = _lines(path)
    params = []
    for line in lines[:60]:
        match = re.match(rf"\s*B(\d+)\s+({_NUMBER})\s+({_NUMBER})\s*$", line)
        if match:
            params.append((int(match.group(1)), float(match.group(2)), float(match.group(3))))
    text = "\n".join(lines[:60])
    residual_std = float(re.search(rf"Standard Deviation\s+({_NUMBER})", text).group(1))
    r_squared = float(re.search(rf"R-Squared\s+({_NUMBER})", text).group(1))
    data = _data(lines)
    y, predictors = data[:, 0], data[:, 1:]
    fit_intercept = params[0][0] == 0
    n_slopes = len(params) - fit_intercept
    if predictors.shape[1] == 1 and n_slopes > 1:
        X = predictors ** np.arange(1, n_slopes + 1)
    else:
        X = predictors
    _, coef, coef_std = map(np.array, zip(*params))
    return LinearReference(Path(path).stem, X, y, fit_intercept, coef, coef_std,
                           residual_std, r_squared)


@dataclass(frozen=True)
class UnivariateReference:
    """A StRD univariate summary-statistics problem with its certified results."""

    name: str
    y: np.ndarray
    mean: float
    std: float


def read_univariate(path):
    """Read a StRD univariate file: the data, certified mean and (n-1) standard deviation."""
    lines = _lines(path)
    text = "\n".join(lines[:60])
    mean = float(re.search(rf"ybar:\s+({_NUMBER})", text).group(1))
    std = float(re.search(rf"\bs:\s+({_NUMBER})", text).group(1))
    return UnivariateReference(Path(path).stem, _data(lines)[:, 0], mean, std)


@dataclass(frozen=True)
class NonlinearReference:
    r"""A StRD nonlinear least-squares problem with its two starts and certified results.

    ``model`` is the mean function as NIST writes it (``b1*(1-exp(-b2*x))``,
    brackets made parentheses, the error term dropped), in Python syntax
    with ``exp``, ``cos``, ``sin``, ``arctan`` and ``pi``; ``predictors``
    names the columns of ``X`` (``x``, or ``x1`` and ``x2`` for Nelson, whose
    model is for ``log(y)``: ``response`` is then ``"log(y)"`` and ``y``
    holds :math:`\log y`).  ``starts`` has one row per certified start.
    """

    name: str
    model: str
    predictors: tuple
    X: np.ndarray
    y: np.ndarray
    response: str
    starts: np.ndarray
    params: np.ndarray
    std_errors: np.ndarray
    rss: float
    residual_std: float
    df: int


def read_nonlinear(path):
    """Read a StRD nonlinear regression file (see :class:`NonlinearReference`)."""
    lines = _lines(path)
    head = lines[:60]
    model_lines, inside = [], False
    for line in head:
        if re.match(r"\s*(y|log\[y\])\s*=", line):
            inside = True
        if inside:
            model_lines.append(line.strip())
            if re.search(r"\+\s*e\s*$", line):
                break
    model = " ".join(model_lines)
    response = "log(y)" if model.startswith("log") else "y"
    model = re.sub(r"^(y|log\[y\])\s*=\s*", "", model)
    model = re.sub(r"\+\s*e\s*$", "", model).strip()
    model = model.replace("[", "(").replace("]", ")")
    rows = []
    for line in head:
        match = re.match(rf"\s*b(\d+)\s*=\s*({_NUMBER})\s+({_NUMBER})\s+({_NUMBER})\s+"
                         rf"({_NUMBER})\s*$", line)
        if match:
            rows.append([float(match.group(k)) for k in range(2, 6)])
    rows = np.array(rows)
    text = "\n".join(head)

    def certified(label):
        return float(re.search(rf"{label}:?\s+({_NUMBER})", text).group(1))
    data = _data(lines)
    X = data[:, 1:]
    predictors = ("x",) if X.shape[1] == 1 else tuple(f"x{j + 1}" for j in range(X.shape[1]))
    y = np.log(data[:, 0]) if response == "log(y)" else data[:, 0]
    return NonlinearReference(Path(path).stem, model, predictors, X, y, response,
                              rows[:, :2].T.copy(), rows[:, 2], rows[:, 3],
                              certified("Residual Sum of Squares"),
                              certified("Residual Standard Deviation"),
                              int(certified("Degrees of Freedom")))
