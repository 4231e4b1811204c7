"""Hostile inputs for every public entry point, and the rule every answer must follow.

An entry point is a call with a valid baseline (the keyword arguments it is
made with) and a *kind* for each argument, which says what hostile values to
try there.  :func:`judge` makes the call with some arguments replaced and
accepts exactly two outcomes:

* a ``ValueError`` or ``TypeError`` raised from probml's own code (not a
  NumPy/SciPy error passed through), whose message names the argument that
  is wrong (one of the call's argument names, or a name the entry lists);
* a result whose numbers are all finite, unless a probml warning said why
  they are not (a degenerate answer), or the entry declares that infinite
  values are the exact answer (``logit(0) = -inf``).

Every warning that is not a :class:`probml.ProbmlWarning` is an error, so no
NumPy or SciPy ``RuntimeWarning`` can leak through; each call runs under a
time limit, so a hang is a failure too.
"""

import dataclasses
import math
import re
import signal
import warnings
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

import probml
from probml import ProbmlWarning

PROBML_DIR = str(Path(probml.__file__).resolve().parent)
TIME_LIMIT = 20   # seconds per call: generous for a slow CI machine, finite for a hang


# -- hostile values -----------------------------------------------------------------------

EXTREME_FLOATS = [0.0, -0.0, 1.0, -1.0, 0.5, 5e-324, -5e-324, 1e-300, -1e-300, 1e-160, 1e160,
                  1e200, -1e200, 1e300, 1.7976931348623157e308, -1.7976931348623157e308,
                  math.nan, math.inf, -math.inf, 2.0 ** 53 + 1, 1e16, -1e16]


def floats():
    """Any double, weighted towards the ones that break naive code."""
    return st.one_of(st.sampled_from(EXTREME_FLOATS),
                     st.floats(-1e3, 1e3),
                     st.floats(allow_nan=True, allow_infinity=True),
                     st.floats(-1e3, 1e3).map(lambda v: v * 10.0 ** 150),
                     st.floats(-1e3, 1e3).map(lambda v: v * 1e-150))


class _Opaque:
    def __repr__(self):
        return "<opaque object>"


def generic():
    """Values that fit no argument of any entry point."""
    return st.sampled_from([
        None, math.nan, math.inf, -math.inf, -1, 0, -1.5, 1e-300, 1e308, True, False, "x",
        "1.0", "", 10 ** 400, -(10 ** 400), 2 ** 63, 1.5, 1j, [], [[]], (), {}, _Opaque(),
        np.float32(3.4e38), np.array([]), np.ones((2, 2, 2)), np.array(["a", "b"]),
        np.array([1 + 1j]), [1, [2, 3]], np.datetime64("2026-01-01"),
    ])


def masked(values, mask):
    return np.ma.masked_array(values, mask=mask)


@st.composite
def matrices(draw, min_rows=0, max_rows=7, max_cols=4):
    """2-D designs of hostile numbers and shapes, and a few structured traps."""
    rows = draw(st.integers(min_rows, max_rows))
    cols = draw(st.integers(0, max_cols))
    kind = draw(st.integers(0, 9))
    if kind <= 3:
        values = draw(st.lists(floats(), min_size=rows * cols, max_size=rows * cols))
        return np.array(values, dtype=float).reshape(rows, cols)
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    rows, cols = max(rows, 2), max(cols, 1)
    with np.errstate(all="ignore"):
        return _structured_matrix(draw, rng, rows, cols, kind)


def _structured_matrix(draw, rng, rows, cols, kind):
    base = rng.standard_normal((rows, cols))
    scale = draw(st.sampled_from([1e-300, 1e-200, 1e-160, 1e-100, 1.0, 1e100, 1e160, 1e200,
                                  1e300]))
    if kind == 4:
        return base * scale
    if kind == 5:                      # a duplicated column, then scaled
        return np.column_stack([base, base[:, :1]]) * scale
    if kind == 6:                      # columns on wildly different scales
        return base * np.array([scale] + [1.0] * (cols - 1))
    if kind == 7:                      # a constant column
        return np.column_stack([base, np.full(rows, draw(floats()))])
    if kind == 8:                      # a huge offset
        return base + scale
    return draw(st.sampled_from([
        base.astype(np.float32) * np.float32(3e38), base.astype(np.float16),
        (base * 1e3).astype(np.int64), np.full((rows, cols), np.iinfo(np.int64).max),
        base > 0, masked(base, base > 1), base[:, ::-1], base.T.copy().T,
        np.array([[1, 2], [3]], dtype=object), base.astype(object),
        np.array([["a"] * cols] * rows), base.astype(complex), base.reshape(rows, cols, 1),
        base[:, 0], np.empty((0, cols)), np.empty((rows, 0)), base.tolist(),
    ]))


@st.composite
def vectors(draw, min_size=0, max_size=8, elements=None):
    """1-D samples of hostile numbers and lengths, and structured traps."""
    size = draw(st.integers(min_size, max_size))
    kind = draw(st.integers(0, 6))
    if kind <= 2:
        values = floats() if elements is None else elements
        return np.array(draw(st.lists(values, min_size=size, max_size=size)), dtype=float)
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    size = max(size, 2)
    with np.errstate(all="ignore"):
        return _structured_vector(draw, rng, size, kind)


def _structured_vector(draw, rng, size, kind):
    base = rng.standard_normal(size)
    scale = draw(st.sampled_from([1e-300, 1e-160, 1.0, 1e160, 1e200, 1e300]))
    if kind == 3:
        return base * scale
    if kind == 4:
        return base + scale
    if kind == 5:
        return np.full(size, draw(floats()))
    return draw(st.sampled_from([
        base.astype(np.float32) * np.float32(3e38), (base * 1e3).astype(np.int64),
        np.full(size, np.iinfo(np.int64).max), base > 0, masked(base, base > 1),
        base.reshape(-1, 1), base.reshape(1, -1), np.array(["a"] * size), base.astype(complex),
        base.astype(object), [1.0, "2"], base.tolist(), np.array([]),
    ]))


@st.composite
def samples(draw):
    """Samples a distribution fit meets at its edges: one point or one distinct value,
    magnitudes from the subnormals to 1e300, a zero among positive values, counts of
    any size, values in (0, 1) and a huge offset."""
    size = draw(st.integers(1, 8))
    kind = draw(st.integers(0, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    base = rng.gamma(2.0, 1.0, size)
    scale = draw(st.sampled_from([5e-324, 1e-310, 1e-300, 1e-160, 1e-20, 1.0, 1e20, 1e160,
                                  1e300]))
    with np.errstate(all="ignore"):
        if kind == 0:
            return np.full(size, draw(floats()))
        if kind == 1:
            return base * scale
        if kind == 2:
            return np.round(base * draw(st.sampled_from([1.0, 10.0, 1e10, 1e17, 1e300])))
        if kind == 3:
            return np.concatenate([[0.0], base * scale])
        if kind == 4:
            return base / (1.0 + base * scale)
        return draw(st.sampled_from([1e9, -1e15, 1e300])) + base


def labels():
    return st.one_of(vectors(elements=st.sampled_from([0.0, 1.0, 2.0, 0.5, -1.0, math.nan])),
                     st.sampled_from([["a", "b"] * 4, [True, False] * 4, [0, 1] * 4,
                                      [0] * 8, [1, 0, 1, 0, 1, 0, 1, 10 ** 30]]))


def scalars():
    return st.one_of(floats(), st.integers(-10 ** 20, 10 ** 20), generic())


def counts():
    return st.one_of(st.integers(-3, 50), st.integers(-10 ** 30, 10 ** 400),
                     st.sampled_from([10 ** 8, 10 ** 15, 10 ** 19, 2 ** 63, 10 ** 400, 2.5,
                                      1e300, math.nan]), generic())


def probabilities():
    return st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1.0, 1 - 1e-16, 1e-300,
                                                        1 - 2 ** -53, 0.95, 95, -0.05]),
                     scalars())


def integer_arrays():
    return st.one_of(vectors(elements=st.one_of(st.integers(-5, 5).map(float), floats())),
                     st.lists(st.integers(-10 ** 20, 10 ** 20), min_size=1, max_size=6),
                     st.sampled_from([[0, 10 ** 13], [0, 2 ** 62], [1.5, 2.0], [-5, 5]]))


def tables():
    return st.one_of(
        st.lists(st.lists(st.integers(-2, 10 ** 16), min_size=2, max_size=3),
                 min_size=2, max_size=3),
        st.sampled_from([[[10 ** 8, 5], [3, 4]], [[10 ** 15, 5], [3, 4]], [[10 ** 30, 1], [1, 1]],
                         [[0, 0], [3, 4]], [[1.5, 2], [3, 4]], [[math.nan, 1], [1, 1]],
                         [[5, 0], [0, 5]], [[10, 10 ** 6], [1, 10 ** 5]]]),
        st.builds(lambda m: m, matrices(max_rows=3, max_cols=3)))


def logpdfs():
    """Log-densities of one count ``x`` a user gets wrong: a misspelt parameter that made a
    second one (``lam`` and ``lamda``), a term with the wrong sign (no maximum), a
    parameter of the normalising constant alone, two symbols of one name."""
    import sympy as sp
    x = sp.Symbol("x")
    lam, lamda = sp.Symbol("lam", positive=True), sp.Symbol("lamda", positive=True)
    return st.sampled_from([
        x * sp.log(lam) - lamda - sp.log(sp.factorial(x)),
        x * sp.log(lam) + lam - sp.log(sp.factorial(x)),
        x * sp.log(lam) - lam - lam * lamda,
        x * sp.log(lam) - lam + lamda * x,
        -sp.log(lamda),
        x * sp.log(lam) - sp.Symbol("lam"),
        x * sp.log(lam) - lam + sp.Symbol("lamba") - sp.log(sp.factorial(x)),
    ])


@st.composite
def frames(draw):
    """Data frames with the formula entries' columns (y, x0, x1, g, passed) made hostile:
    NaN, None and infinite cells, extreme numbers, unseen levels, text in a column of
    numbers, a column left out, no rows or one."""
    import pandas as pd

    n = draw(st.integers(0, 6))

    def column(values):
        return draw(st.lists(values, min_size=n, max_size=n))
    columns = {"y": column(floats()), "x0": column(floats()), "x1": column(floats()),
               "g": column(st.sampled_from(["a", "b", "c", "unseen", None, "", math.nan, 1.5])),
               "passed": column(st.sampled_from([0.0, 1.0, math.nan, 2.0, "yes", None]))}
    if n and draw(st.booleans()):
        columns["x0"][0] = "text"
    left_out = draw(st.sampled_from([None, "y", "x0", "g", "passed"]))
    if left_out is not None:
        del columns[left_out]
    return pd.DataFrame(columns)


KINDS = {
    "frame": lambda: st.one_of(frames(), generic()),
    "sample": lambda: st.one_of(samples(), vectors(), generic()),
    "matrix": lambda: st.one_of(matrices(), generic()),
    "vector": lambda: st.one_of(vectors(), generic()),
    "labels": lambda: st.one_of(labels(), generic()),
    "scalar": scalars,
    "count": counts,
    "probability": probabilities,
    "integers": lambda: st.one_of(integer_arrays(), generic()),
    "table": lambda: st.one_of(tables(), generic()),
    "choice": generic,
    "flag": lambda: st.one_of(st.sampled_from(["no", "yes", 0, 1, 2, np.bool_(True)]),
                              generic()),
    "callable": lambda: st.one_of(
        st.sampled_from([lambda *a, **k: math.nan, lambda *a, **k: "x",
                         lambda *a, **k: 1 / 0, np.sin]), generic()),
    "any": generic,
    "logpdf": lambda: st.one_of(logpdfs(), generic()),
}


# -- the rule -------------------------------------------------------------------------------


class Entry:
    """A public call: ``call(**kwargs)`` with a valid baseline and argument kinds.

    ``names`` are the argument names an error message may use for it (the
    keyword names by default); ``exact_nonfinite`` marks calls whose exact
    answer can be infinite (the log of a zero probability), never NaN;
    ``documented`` names result fields whose non-finite values are part of
    their documented meaning (the open end of a one-sided interval, a cohort
    cell not yet observed, the infinite prior scale of a zero penalty).
    """

    def __init__(self, label, call, baseline, kinds, *, names=(), exact_nonfinite=False,
                 documented=(), passthrough=False):
        self.label, self.call, self.baseline, self.kinds = label, call, baseline, kinds
        self.names = tuple(kinds) + tuple(names)
        self.exact_nonfinite = exact_nonfinite
        # A call that returns parts of its input (a split) passes the input's NaN through.
        self.passthrough = passthrough
        self.documented = frozenset(documented)

    def __repr__(self):
        return self.label


class _Timeout(BaseException):
    """Not an Exception, so no ``except Exception`` in the code under test can swallow it."""


def _alarm(signum, frame):
    raise _Timeout()


def _raised_in_probml(error):
    tb = error.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_filename.startswith(PROBML_DIR)


def _names_an_argument(message, names):
    return any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", message)
               for name in names)


def nonfinite(value, depth=0, allow_inf=False, documented=frozenset()):
    """Where ``value`` (a number, array, container, result or fitted estimator) is not finite.

    With ``allow_inf`` only NaN counts; fields named in ``documented`` are skipped.
    """
    if depth > 4 or isinstance(value, (str, bytes, type)) or callable(value) and not hasattr(
            value, "__dict__"):
        return None
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, complex, np.number)):
        bad = np.isnan(value) if allow_inf else not np.isfinite(value)
        return repr(value) if bad else None
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fc":
            bad = np.isnan(value) if allow_inf else ~np.isfinite(value)
            if np.any(bad):
                return f"array with {np.count_nonzero(bad)} non-finite entries"
        return None
    if isinstance(value, (list, tuple)):
        items = enumerate(value)
    elif isinstance(value, dict):
        items = value.items()
    elif dataclasses.is_dataclass(value):
        items = ((f.name, getattr(value, f.name)) for f in dataclasses.fields(value))
    elif type(value).__module__.startswith("probml") and hasattr(value, "__dict__"):
        items = ((k, v) for k, v in vars(value).items()
                 if k.endswith("_") and not k.startswith("_"))
    else:
        return None
    for key, item in items:
        if key in documented:
            continue
        found = nonfinite(item, depth + 1, allow_inf, documented)
        if found:
            return f"{key}: {found}"
    return None


def _short(value):
    """A one-line description of an argument, for failure messages."""
    if isinstance(value, np.ndarray):
        flat = value.ravel()[:4]
        head = ", ".join(repr(v) for v in flat.tolist()) if value.dtype != object else "..."
        kind = "masked array" if isinstance(value, np.ma.MaskedArray) else "array"
        return f"{kind}{value.shape}:{value.dtype}[{head}{', ...' if value.size > 4 else ''}]"
    text = repr(value)
    return text if len(text) <= 60 else text[:40] + f"...({len(text)} chars)"


def judge(entry, kwargs):
    """Call ``entry`` with ``kwargs``; raise AssertionError unless the answer follows the rule.

    Returns "error" or "result".
    """
    call = f"{entry.label}({', '.join(f'{k}={_short(v)}' for k, v in kwargs.items())})"
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIME_LIMIT)
    try:
        with warnings.catch_warnings(record=True) as caught, \
                np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
            warnings.simplefilter("error")
            warnings.simplefilter("always", ProbmlWarning)
            try:
                result = entry.call(**kwargs)
            except (ValueError, TypeError) as error:
                message = str(error)
                assert _raised_in_probml(error), (
                    f"{call} let a {type(error).__module__}.{type(error).__name__} through: "
                    f"{message}")
                assert _names_an_argument(message, entry.names), (
                    f"{call} raised an error that names none of {entry.names}: {message}")
                return "error"
            except _Timeout:
                raise AssertionError(f"{call} took more than {TIME_LIMIT} s") from None
            except Exception as error:        # noqa: BLE001 - every other outcome is a defect
                raise AssertionError(
                    f"{call} raised {type(error).__module__}.{type(error).__name__}: "
                    f"{error}") from error
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    warned = any(issubclass(w.category, ProbmlWarning) for w in caught)
    if not warned and not entry.passthrough:
        where = nonfinite(result, allow_inf=entry.exact_nonfinite,
                          documented=entry.documented)
        assert where is None, f"{call} returned a non-finite result without a warning: {where}"
    return "result"


# -- the public entry points ------------------------------------------------------------------

def _data():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((12, 2))
    y = X @ [1.0, -2.0] + 0.5 * rng.standard_normal(12) + 3.0
    labels = (X[:, 0] + rng.standard_normal(12) > 0).astype(float)
    labels[:2] = [0.0, 1.0]
    return X, y, labels


def _fitted(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y)


def _estimator(label, cls, hyper, data, *, names=(), documented=()):
    """``cls(**hyperparameters).fit(**data)``: every hyperparameter and X, y are arguments."""
    def call(**kwargs):
        h = {k: kwargs[k] for k in hyper}
        d = {k: kwargs[k] for k in data}
        return cls(**h).fit(**d)
    baseline = {**{k: v for k, (v, _) in hyper.items()}, **{k: v for k, (v, _) in data.items()}}
    kinds = {**{k: kind for k, (_, kind) in hyper.items()},
             **{k: kind for k, (_, kind) in data.items()}}
    return Entry(f"{label}.fit", call, baseline, kinds, names=names, documented=documented)


def _method(label, make, method, args, **options):
    """``make().method(**args)`` on a model fitted once."""
    instance = {}

    def call(**kwargs):
        if "model" not in instance:
            instance["model"] = make()
        return getattr(instance["model"], method)(**kwargs)
    return Entry(f"{label}.{method}", call, {k: v for k, (v, _) in args.items()},
                 {k: kind for k, (_, kind) in args.items()}, **options)


def _function(label, fn, args, **options):
    entry = Entry(label, lambda **kwargs: fn(**kwargs), {k: v for k, (v, _) in args.items()},
                  {k: kind for k, (_, kind) in args.items()}, **options)
    entry.function = fn         # its declared domains, if any, drive test_validation too
    return entry


def entries():
    """Every public function, estimator and method, with a valid baseline call."""
    from probml import (BayesianLinearRegression, Bernoulli, BridgeRegression, Lasso,
                        LinearRegression, LogisticRegression, Normal, Ridge, StandardScaler,
                        standardize,
                        calculus, datasets, derivations, figures, functions, growth, inference,
                        information, losses, models, optim, selection)
    from probml import hypothesis_testing as testing
    from probml.selection import bias_variance

    X, y, labels = _data()
    xy = {"X": (X, "matrix"), "y": (y, "vector")}
    out = []

    # -- estimators: hyperparameters and data, then every method on a fitted model
    estimators = [
        ("LinearRegression", LinearRegression,
         {"fit_intercept": (True, "flag"), "solver": ("auto", "choice"),
          "cov_type": ("nonrobust", "choice")}, xy),
        ("Ridge", Ridge, {"alpha": (1.0, "scalar"), "fit_intercept": (True, "flag")}, xy,
         ("prior_std_",)),
        ("BayesianLinearRegression", BayesianLinearRegression,
         {"alpha": (1.0, "scalar"), "beta": (1.0, "scalar"), "prior_mean": (None, "vector"),
          "prior_cov": (None, "matrix"), "fit_precisions": (False, "flag"),
          "noise_shape": (1e-6, "scalar"), "noise_rate": (1e-6, "scalar"),
          "fit_intercept": (True, "flag"), "max_iter": (300, "count"),
          "tol": (1e-10, "scalar")}, xy, ("alpha_",)),
        ("Lasso", Lasso, {"alpha": (0.1, "scalar"), "fit_intercept": (True, "flag"),
                          "tol": (1e-10, "scalar"), "max_iter": (10_000, "count"),
                          "warm_start": (False, "flag")}, xy),
        ("BridgeRegression", BridgeRegression,
         {"alpha": (0.1, "scalar"), "p": (0.5, "scalar"), "fit_intercept": (True, "flag"),
          "tol": (1e-12, "scalar"), "max_iter": (10_000, "count"), "n_starts": (1, "count"),
          "random_state": (0, "count")}, xy),
        ("LogisticRegression", LogisticRegression,
         {"penalty": (None, "choice"), "C": (1.0, "scalar"), "alpha": (None, "scalar"),
          "fit_intercept": (True, "flag"), "tol": (1e-8, "scalar"), "max_iter": (100, "count")},
         {"X": (X, "matrix"), "y": (labels, "labels")}),
        ("RidgeCV", selection.RidgeCV, {"alphas": ((0.1, 1.0, 10.0), "vector"),
                                        "criterion": ("loo", "choice"),
                                        "fit_intercept": (True, "flag")}, xy),
    ]
    for label, cls, hyper, data, *documented in estimators:
        out.append(_estimator(label, cls, hyper, data,
                              documented=documented[0] if documented else ()))
    out.append(_estimator("LinearRegression(cov_type='cluster')",
                          lambda **h: LinearRegression(cov_type="cluster", **h),
                          {}, {"X": (X, "matrix"), "y": (y, "vector"),
                               "groups": (np.arange(12) % 3, "integers")}))
    weights = np.linspace(0.5, 2.0, 12)
    out.append(_estimator("LinearRegression(weighted)", LinearRegression,
                          {"cov_type": ("HC1", "choice")},
                          {"X": (X, "matrix"), "y": (y, "vector"),
                           "sample_weight": (weights, "vector")}))
    out.append(_estimator("LinearRegression(frequency-weighted)", LinearRegression, {},
                          {"X": (X, "matrix"), "y": (y, "vector"),
                           "freq_weights": (np.arange(12) % 3 + 1.0, "vector")}))
    out.append(_estimator("LogisticRegression(weighted)", LogisticRegression, {},
                          {"X": (X, "matrix"), "y": (labels, "labels"),
                           "sample_weight": (weights, "vector"),
                           "freq_weights": (np.arange(12) % 3 + 1.0, "vector")}))
    out.append(_estimator("Ridge(weighted)", Ridge, {"alpha": (1.0, "scalar")},
                          {"X": (X, "matrix"), "y": (y, "vector"),
                           "sample_weight": (weights, "vector")},
                          documented=("prior_std_",)))
    out.append(_estimator("Lasso(weighted)", Lasso, {"alpha": (0.1, "scalar")},
                          {"X": (X, "matrix"), "y": (y, "vector"),
                           "sample_weight": (weights, "vector")}))
    out.append(_estimator("BayesianLinearRegression(weighted)", BayesianLinearRegression,
                          {"beta": (None, "scalar")},
                          {"X": (X, "matrix"), "y": (y, "vector"),
                           "sample_weight": (weights, "vector")}))
    out.append(_estimator("BridgeRegression(p=2)", BridgeRegression,
                          {"alpha": (0.1, "scalar"), "p": (2.0, "scalar")}, xy))
    out.append(_estimator("Normal", Normal, {}, {"x": (y, "vector")}))
    out.append(_estimator("Bernoulli", Bernoulli, {}, {"x": (labels, "vector")}))
    # Degenerate baselines (issue 31): a fit exact to rounding, data whose squares leave
    # double precision (fitted in other units), columns 2**1000 apart, a sample one
    # number up to rounding.
    exact = np.arange(12.0)[:, None] * [1.0, -0.5]
    out.append(_estimator("LinearRegression(exact fit)", LinearRegression,
                          {"cov_type": ("HC1", "choice")},
                          {"X": (exact, "matrix"), "y": (0.1 * exact[:, 0] + 0.3, "vector")}))
    out.append(_estimator("LinearRegression(units near 1e-150)", LinearRegression, {},
                          {"X": (X * 2.0 ** -500, "matrix"), "y": (y * 2.0 ** -500, "vector")}))
    out.append(_estimator("Ridge(columns near 1e-150 and 1e150)", Ridge,
                          {"alpha": (1.0, "scalar")},
                          {"X": (X * [2.0 ** -500, 2.0 ** 500], "matrix"), "y": (y, "vector")},
                          documented=("prior_std_",)))
    out.append(_estimator("Normal(one number up to rounding)", Normal, {},
                          {"x": (np.array([0.1 + 0.2, 0.3, 0.3]), "vector")}))
    out.append(_estimator("StandardScaler", StandardScaler,
                          {"with_mean": (True, "flag"), "with_std": (False, "flag")},
                          {"X": (X, "matrix")}))
    scaler = (lambda: StandardScaler().fit(X))
    for method in ("transform", "inverse_transform", "partial_fit"):
        out.append(_method("StandardScaler", scaler, method, {"X": (X, "matrix")}))
    out.append(_method("StandardScaler", scaler, "fit", {"X": (X, "matrix"),
                                                         "sample_weight": (None, "vector")}))
    out.append(_function("standardize", standardize, {"X": (X, "matrix"),
                                                      "sample_weight": (None, "vector")}))
    out.append(_estimator("PolynomialFeatures", selection.PolynomialFeatures,
                          {"degree": (2, "count"), "include_bias": (True, "flag"),
                           "interaction_only": (False, "flag")}, {"X": (X, "matrix")}))

    regressors = {"LinearRegression": LinearRegression(), "Ridge": Ridge(),
                  "BayesianLinearRegression": BayesianLinearRegression(),
                  "Lasso": Lasso(alpha=0.1), "BridgeRegression": BridgeRegression(alpha=0.1),
                  "RidgeCV": selection.RidgeCV()}
    for label, model in regressors.items():
        make = (lambda model=model: _fitted(model, X, y))
        out.append(_method(label, make, "predict", {"X": (X, "matrix")}))
        out.append(_method(label, make, "score", {"X": (X, "matrix"), "y": (y, "vector")}))
    ols = (lambda: _fitted(LinearRegression(), X, y))
    out.append(_method("LinearRegression", ols, "predict", {"X": (X, "matrix"),
                                                         "return_std": (True, "flag")}))
    out.append(_function("LinearRegression.get_influence", lambda X, y: ols().get_influence(
        X, y).cooks_distance, {"X": (X, "matrix"), "y": (y, "vector")}))
    out.append(_function("LinearRegression.get_prediction", lambda X, alpha: ols().get_prediction(
        X).conf_int(alpha, obs=True), {"X": (X, "matrix"), "alpha": (0.05, "probability")}))
    for label, model in [("LinearRegression", LinearRegression()), ("Ridge", Ridge())]:
        make = (lambda model=model: _fitted(model, X, y))
        for method in ("conf_int", "summary"):
            out.append(_method(label, make, method, {"alpha": (0.05, "probability")}))
            out.append(_method(label, make, method, {"level": (0.95, "probability")}))
    bayes = (lambda: _fitted(BayesianLinearRegression(), X, y))
    bayes_nig = (lambda: _fitted(BayesianLinearRegression(beta=None), X, y))
    for label, make in [("BayesianLinearRegression", bayes),
                        ("BayesianLinearRegression(beta=None)", bayes_nig)]:
        out.append(_method(label, make, "predict", {"X": (X, "matrix"),
                                                    "return_std": (True, "flag")}))
        out.append(_method(label, make, "predict_interval", {"X": (X, "matrix"),
                                                             "level": (0.95, "probability")}))
        out.append(_method(label, make, "sample_posterior", {"n_samples": (5, "count"),
                                                             "rng": (0, "count")}))
        out.append(_method(label, make, "partial_fit", {"X": (X, "matrix"),
                                                        "y": (y, "vector")}))
        out.append(_method(label, make, "summary", {"alpha": (0.05, "probability")}))
        out.append(_method(label, make, "summary", {"level": (0.95, "probability")}))
    out.append(_method("Lasso", lambda: _fitted(Lasso(alpha=0.1), X, y), "laplace_scale",
                       {"noise_std": (1.0, "scalar")}))
    out.append(_method("Lasso", lambda: _fitted(Lasso(alpha=0.1), X, y), "summary",
                       {"alpha": (0.05, "probability")}))
    logistic = (lambda: _fitted(LogisticRegression(), X, labels))
    for method, args in [("predict", {"X": (X, "matrix")}),
                         ("predict_proba", {"X": (X, "matrix")}),
                         ("predict_log_proba", {"X": (X, "matrix")}),
                         ("decision_function", {"X": (X, "matrix")}),
                         ("score", {"X": (X, "matrix"), "y": (labels, "labels")}),
                         ("predict_proba_interval", {"X": (X, "matrix"),
                                                     "level": (0.95, "probability")}),
                         ("odds_ratios", {"level": (0.95, "probability")}),
                         ("odds_ratios", {"alpha": (0.05, "probability")}),
                         ("conf_int", {"level": (0.95, "probability")}),
                         ("conf_int", {"alpha": (0.05, "probability")}),
                         ("summary", {"level": (0.95, "probability")})]:
        out.append(_method("LogisticRegression", logistic, method, args))
    normal = (lambda: Normal().fit(y))
    out += [
        _method("Normal", normal, "loglik", {"mean": (0.0, "vector"), "var": (1.0, "vector")}),
        _method("Normal", normal, "logpdf", {"x": (y, "vector")}),
        _method("Normal", normal, "conf_int", {"level": (0.95, "probability"),
                                               "method": ("exact", "choice")}),
        _method("Normal", normal, "conf_int", {"alpha": (0.05, "probability")}),
        _method("Normal", normal, "posterior_known_variance",
                {"prior_mean": (0.0, "scalar"), "prior_var": (1.0, "scalar"),
                 "variance": (1.0, "scalar")}),
        _method("Normal", normal, "posterior_unknown_variance",
                {"prior_mean": (0.0, "scalar"), "prior_count": (1.0, "scalar"),
                 "prior_shape": (1.0, "scalar"), "prior_rate": (1.0, "scalar")}),
    ]
    out.append(_method("Normal", normal, "score", {"x": (y, "vector")}, exact_nonfinite=True))
    bernoulli = (lambda: Bernoulli().fit(labels))
    out += [
        _method("Bernoulli", bernoulli, "score", {"x": (labels, "vector")},
                exact_nonfinite=True),
        _method("Bernoulli", bernoulli, "loglik", {"p": (0.5, "vector")},
                exact_nonfinite=True),
        _method("Bernoulli", bernoulli, "conf_int", {"level": (0.95, "probability"),
                                                     "method": ("wilson", "choice")}),
        _method("Bernoulli", bernoulli, "conf_int", {"alpha": (0.05, "probability")}),
        _method("Bernoulli", bernoulli, "posterior", {"a": (1.0, "scalar"),
                                                      "b": (1.0, "scalar")}),
    ]
    out += [
        _function("BetaPosterior", lambda a, b, p: models.BetaPosterior(a, b).pdf(p),
                  {"a": (2.0, "scalar"), "b": (3.0, "scalar"), "p": (0.5, "vector")},
                  exact_nonfinite=True),
        _function("BetaPosterior.credible_interval",
                  lambda a, b, level: models.BetaPosterior(a, b).credible_interval(level),
                  {"a": (2.0, "scalar"), "b": (3.0, "scalar"), "level": (0.95, "probability")}),
        _function("NormalPosterior.credible_interval",
                  lambda mean, var, noise_var, level: models.NormalPosterior(
                      mean, var, noise_var).predictive_interval(level),
                  {"mean": (0.0, "scalar"), "var": (1.0, "scalar"),
                   "noise_var": (1.0, "scalar"), "level": (0.95, "probability")}),
        _function("NormalInverseGammaPosterior.credible_interval",
                  lambda mean, count, shape, rate, level: models.NormalInverseGammaPosterior(
                      mean, count, shape, rate).predictive_interval(level),
                  {"mean": (0.0, "scalar"), "count": (1.0, "scalar"),
                   "shape": (2.0, "scalar"), "rate": (1.0, "scalar"),
                   "level": (0.95, "probability")}),
    ]

    # -- conversions, paths
    for name in ("ridge_alpha_to_prior_std", "prior_std_to_ridge_alpha"):
        out.append(_function(name, getattr(probml, name),
                             {"alpha" if name.startswith("ridge") else "prior_std":
                              (1.0, "scalar"), "noise_std": (1.0, "scalar")}))
    for name, first in (("lasso_alpha_to_laplace_scale", "alpha"),
                        ("laplace_scale_to_lasso_alpha", "scale")):
        out.append(_function(name, getattr(probml, name),
                             {first: (1.0, "scalar"), "noise_std": (1.0, "scalar"),
                              "n_samples": (10, "count")}))
    out.append(_function("logistic_C_to_prior_std", probml.logistic_C_to_prior_std,
                         {"C": (1.0, "scalar")}))
    out.append(_function("prior_std_to_logistic_C", probml.prior_std_to_logistic_C,
                         {"prior_std": (1.0, "scalar")}))
    out.append(_function("lasso_path", probml.lasso_path,
                         {**xy, "alphas": (None, "vector"), "n_alphas": (5, "count"),
                          "eps": (1e-3, "scalar"), "fit_intercept": (True, "flag"),
                          "tol": (1e-10, "scalar"), "max_iter": (1000, "count")}))
    out.append(_function("ridge_path", probml.ridge_path,
                         {**xy, "alphas": ([0.1, 1.0], "vector"),
                          "fit_intercept": (True, "flag")}))

    # -- functions and losses
    out.append(_function("sigmoid", functions.sigmoid, {"x": (y, "vector")}))
    out.append(_function("log_sigmoid", functions.log_sigmoid, {"x": (y, "vector")},
                         exact_nonfinite=True))
    out.append(_function("logit", functions.logit, {"p": (labels * 0.5 + 0.2, "vector")},
                         exact_nonfinite=True))
    out.append(_function("logsumexp", functions.logsumexp,
                         {"z": (X, "matrix"), "axis": (-1, "count"),
                          "keepdims": (False, "flag")}, exact_nonfinite=True))
    for name in ("softmax", "log_softmax"):
        out.append(_function(name, getattr(functions, name),
                             {"z": (X, "matrix"), "axis": (-1, "count"),
                              "temperature": (1.0, "scalar")},
                             exact_nonfinite=name == "log_softmax"))
    distribution = np.array([0.1, 0.2, 0.3, 0.4])
    out.append(_function("entropy", information.entropy,
                         {"p": (distribution, "vector"), "axis": (-1, "count"),
                          "base": (None, "scalar")}))
    for name in ("cross_entropy", "kl_divergence"):      # +inf where q_k = 0 < p_k is exact
        out.append(_function(name, getattr(information, name),
                             {"p": (distribution, "vector"), "q": (distribution[::-1], "vector"),
                              "axis": (-1, "count"), "base": (None, "scalar")},
                             exact_nonfinite=True))
    for name in ("mean_squared_error", "root_mean_squared_error", "mean_absolute_error"):
        for suffix in ("", "_gradient"):
            out.append(_function(name + suffix, getattr(losses, name + suffix),
                                 {"y_true": (y, "vector"), "y_pred": (y[::-1], "vector")}))
    for suffix in ("", "_gradient"):
        out.append(_function("huber_loss" + suffix, getattr(losses, "huber_loss" + suffix),
                             {"y_true": (y, "vector"), "y_pred": (y[::-1], "vector"),
                              "delta": (1.0, "scalar")}))
        out.append(_function("binary_cross_entropy" + suffix,
                             getattr(losses, "binary_cross_entropy" + suffix),
                             {"y_true": (labels, "labels"), "proba": (labels * 0.5 + 0.2,
                                                                       "vector")}))
        out.append(_function("binary_cross_entropy_with_logits" + suffix,
                             getattr(losses, "binary_cross_entropy_with_logits" + suffix),
                             {"y_true": (labels, "labels"), "logits": (y, "vector")}))
        out.append(_function("categorical_cross_entropy" + suffix,
                             getattr(losses, "categorical_cross_entropy" + suffix),
                             {"y_true": ([0, 1], "labels"),
                              "proba": ([[0.5, 0.5], [0.2, 0.8]], "matrix")}))
        out.append(_function("categorical_cross_entropy_with_logits" + suffix,
                             getattr(losses, "categorical_cross_entropy_with_logits" + suffix),
                             {"y_true": ([0, 1], "labels"), "logits": (X[:2], "matrix")}))
    out.append(_function("one_hot", losses.one_hot, {"labels": ([0, 2, 1], "labels"),
                                                     "n_classes": (3, "count")}))

    # -- inference
    out += [
        _function("critical_value", inference.critical_value,
                  {"level": (0.95, "probability"), "df": (None, "scalar")}),
        _function("two_sided_pvalue", inference.two_sided_pvalue,
                  {"statistic": (1.5, "vector"), "df": (None, "scalar")}),
        _function("proportion_interval", inference.proportion_interval,
                  {"successes": (3, "count"), "trials": (10, "count"),
                   "level": (0.95, "probability"), "method": ("wilson", "choice")}),
        _function("coverage", inference.coverage, {"alpha": (0.05, "probability"),
                                                   "level": (None, "probability")}),
        _function("CoefficientTable.conf_int",
                  lambda names, estimate, std_error, level: inference.CoefficientTable(
                      names, estimate, std_error).conf_int(level),
                  {"names": (["a", "b"], "any"), "estimate": ([1.0, 2.0], "vector"),
                   "std_error": ([0.5, 0.1], "vector"), "level": (0.95, "probability")},
                  exact_nonfinite=True),      # an infinite standard error: the whole line
    ]

    # -- calculus
    out += [
        _function("finite_difference", calculus.finite_difference,
                  {"f": (np.exp, "callable"), "x": (1.0, "vector"), "h": (1e-5, "vector"),
                   "scheme": ("central", "choice")}),
        _function("optimal_step", calculus.optimal_step,
                  {"scheme": ("central", "choice"), "x": (1.0, "scalar")}),
        _function("correctly_rounded", lambda name, x: calculus.correctly_rounded(name)(x),
                  {"name": ("exp", "choice"), "x": ([0.0, 1.0, -3.5], "vector")},
                  exact_nonfinite=True),
    ]

    # -- optimisation
    optimizers = {"gradient_descent": {"learning_rate": (0.1, "scalar")},
                  "sgd": {"learning_rate": (0.1, "scalar"), "momentum": (0.9, "scalar"),
                          "dampening": (0.0, "scalar"), "nesterov": (False, "flag"),
                          "weight_decay": (0.0, "scalar")},
                  "adagrad": {"learning_rate": (0.1, "scalar"), "lr_decay": (0.0, "scalar"),
                              "weight_decay": (0.0, "scalar"),
                              "initial_accumulator_value": (0.0, "scalar"),
                              "eps": (1e-10, "scalar")},
                  "rmsprop": {"learning_rate": (0.1, "scalar"), "alpha": (0.99, "scalar"),
                              "eps": (1e-8, "scalar"), "weight_decay": (0.0, "scalar"),
                              "momentum": (0.0, "scalar"), "centered": (False, "flag")},
                  "adam": {"learning_rate": (0.1, "scalar"), "betas": ((0.9, 0.999), "vector"),
                           "eps": (1e-8, "scalar"), "weight_decay": (0.0, "scalar"),
                           "amsgrad": (False, "flag")},
                  "adamw": {"learning_rate": (0.1, "scalar"),
                            "betas": ((0.9, 0.999), "vector"), "eps": (1e-8, "scalar"),
                            "weight_decay": (0.01, "scalar"), "amsgrad": (False, "flag")}}
    for name, hyper in optimizers.items():
        factory = getattr(optim, name)

        def step(factory=factory, hyper=hyper, **kwargs):
            opt = factory(**{k: kwargs[k] for k in hyper})
            state = opt.init(kwargs["params"])
            for _ in range(3):
                updates, state = opt.update(kwargs["grads"], state, kwargs["params"])
            return optim.apply_updates(kwargs["params"], updates)
        args = {**hyper, "params": (np.array([1.0, -2.0]), "vector"),
                "grads": (np.array([0.5, 0.1]), "vector")}
        out.append(_function(f"optim.{name}", step, args))

    def rescheduled(learning_rate, params, grads):
        opt = optim.adam(0.1).with_learning_rate(learning_rate)
        updates, _ = opt.update(grads, opt.init(params), params)
        return optim.apply_updates(params, updates)
    out.append(_function("Optimizer.with_learning_rate", rescheduled,
                         {"learning_rate": (0.05, "scalar"),
                          "params": (np.array([1.0, -2.0]), "vector"),
                          "grads": (np.array([0.5, 0.1]), "vector")}))
    out.append(_function("clip_by_global_norm", optim.clip_by_global_norm,
                         {"grads": ({"w": np.array([3.0, 4.0])}, "any"),
                          "max_norm": (1.0, "scalar")}))
    schedules = {"constant": {"base_rate": (0.1, "scalar")},
                 "step_decay": {"base_rate": (0.1, "scalar"), "step_size": (10, "count"),
                                "gamma": (0.5, "scalar")},
                 "exponential_decay": {"base_rate": (0.1, "scalar"), "gamma": (0.9, "scalar")},
                 "linear_warmup": {"base_rate": (0.1, "scalar"), "warmup_steps": (5, "count"),
                                   "start_factor": (0.0, "scalar")},
                 "cosine_annealing": {"base_rate": (0.1, "scalar"), "T_max": (10, "count"),
                                      "eta_min": (0.0, "scalar"), "clamp": (False, "flag")},
                 "cosine_annealing_warm_restarts": {"base_rate": (0.1, "scalar"),
                                                    "T_0": (10, "count"),
                                                    "T_mult": (2, "count"),
                                                    "eta_min": (0.0, "scalar")}}
    for name, hyper in schedules.items():
        factory = getattr(optim, name)

        def rate(factory=factory, hyper=hyper, **kwargs):
            return factory(**{k: kwargs[k] for k in hyper})(kwargs["t"])
        out.append(_function(f"optim.{name}", rate, {**hyper, "t": (3, "count")}))
    problems = [("QuadraticBowl", {"condition_number": (10.0, "scalar"), "dim": (2, "count"),
                                   "angle": (0.3, "scalar"), "minimizer": (None, "vector")}),
                ("Rosenbrock", {"a": (1.0, "scalar"), "b": (100.0, "scalar")}),
                ("Saddle", {}), ("TiltedDoubleWell", {"tilt": (0.3, "scalar")})]
    for name, hyper in problems:
        cls = getattr(optim, name)
        dim = 1 if name == "TiltedDoubleWell" else 2

        def evaluate(cls=cls, hyper=hyper, **kwargs):
            problem = cls(**{k: kwargs[k] for k in hyper})
            return problem.value(kwargs["x"]), problem.gradient(kwargs["x"])
        out.append(_function(f"optim.{name}", evaluate,
                             {**hyper, "x": (np.ones(dim), "vector")}))
    out.append(_function("optim.trajectory",
                         lambda start, learning_rate, n_steps: optim.trajectory(
                             optim.Rosenbrock(), start, optim.gradient_descent(learning_rate),
                             n_steps),
                         {"start": ([0.0, 0.0], "vector"), "learning_rate": (1e-3, "scalar"),
                          "n_steps": (20, "count")}))
    modules = {"LinearRegressionModule": (lambda: optim.LinearRegressionModule(), y),
               "LogisticRegressionModule": (lambda: optim.LogisticRegressionModule(), labels),
               "SoftmaxRegressionModule": (lambda: optim.SoftmaxRegressionModule(), labels),
               "OneHiddenLayerNetwork": (lambda: optim.OneHiddenLayerNetwork(3), y)}
    for name, (make, target) in modules.items():
        def train(make=make, **kwargs):
            trainer = optim.Trainer(kwargs["max_epochs"], kwargs["batch_size"],
                                    optim.sgd(kwargs["learning_rate"]),
                                    clip_norm=kwargs["clip_norm"], patience=kwargs["patience"],
                                    min_delta=kwargs["min_delta"], seed=kwargs["seed"],
                                    progress_bar=False)
            module = make()
            data = optim.DataModule(kwargs["X"], kwargs["y"],
                                    validation_fraction=kwargs["validation_fraction"],
                                    shuffle=kwargs["shuffle"], seed=kwargs["seed"])
            history = trainer.fit(module, data)
            return history, module.params, module.predict(kwargs["X_new"])
        out.append(_function(f"optim.Trainer+{name}", train, {
            "X": (X, "matrix"), "y": (target, "labels"), "max_epochs": (3, "count"),
            "batch_size": (4, "count"), "learning_rate": (0.05, "scalar"),
            "clip_norm": (None, "scalar"), "patience": (None, "count"),
            "min_delta": (0.0, "scalar"), "seed": (0, "count"),
            "validation_fraction": (0.25, "probability"), "shuffle": (True, "flag"),
            "X_new": (X, "matrix")}, names=("learning rate", "module.params", "data",
                                            "params")))
    out.append(_function("optim.OneHiddenLayerNetwork", lambda n_hidden, activation, task:
                         optim.OneHiddenLayerNetwork(n_hidden, activation, task),
                         {"n_hidden": (3, "count"), "activation": ("tanh", "choice"),
                          "task": ("regression", "choice")}))
    out.append(_function("optim.SoftmaxRegressionModule",
                         lambda n_classes: optim.SoftmaxRegressionModule(n_classes),
                         {"n_classes": (3, "count")}))

    # -- model selection and bias-variance
    out += [
        _function("train_test_split", lambda X, y, test_size, shuffle, stratify, random_state:
                  selection.train_test_split(X, y, test_size=test_size, shuffle=shuffle,
                                             stratify=stratify, random_state=random_state),
                  {**xy, "test_size": (0.25, "probability"), "shuffle": (True, "flag"),
                   "stratify": (None, "labels"), "random_state": (0, "count")},
                  names=("arrays",), passthrough=True),
        _function("train_valid_test_split",
                  lambda X, y, valid_size, test_size, random_state:
                  selection.train_valid_test_split(X, y, valid_size=valid_size,
                                                   test_size=test_size,
                                                   random_state=random_state),
                  {**xy, "valid_size": (0.2, "probability"), "test_size": (0.2, "probability"),
                   "random_state": (0, "count")}, names=("arrays",), passthrough=True),
    ]
    for name in ("KFold", "StratifiedKFold"):
        cls = getattr(selection, name)
        out.append(_function(f"selection.{name}", lambda cls=cls, n_splits=3, shuffle=False,
                             random_state=None, X=X, y=labels: list(
                                 cls(n_splits, shuffle=shuffle, random_state=random_state)
                                 .split(X, y)),
                             {"n_splits": (3, "count"), "shuffle": (False, "flag"),
                              "random_state": (None, "count"), "X": (X, "matrix"),
                              "y": (labels, "labels")}))
    out.append(_function("selection.LeaveOneOut", lambda X: list(
        selection.LeaveOneOut().split(X)), {"X": (X, "matrix")}))
    out.append(_function("cross_val_score", lambda X, y, cv, scoring: selection.cross_val_score(
        LinearRegression(), X, y, cv=cv, scoring=scoring),
        {**xy, "cv": (3, "count"), "scoring": (None, "choice")}))
    out.append(_function("cross_val_score(Normal)", lambda X, cv: selection.cross_val_score(
        Normal(), X, cv=cv), {"X": (y, "vector"), "cv": (3, "count")}, names=("x",),
        exact_nonfinite=True))
    out.append(_function("validation_curve", lambda X, y, param_range: selection.validation_curve(
        Ridge(), X, y, param_name="alpha", param_range=param_range, cv=3),
        {**xy, "param_range": ([0.1, 1.0], "vector")}, names=("alpha",)))
    out.append(_function("learning_curve", lambda X, y, train_sizes: selection.learning_curve(
        LinearRegression(), X, y, train_sizes=train_sizes, cv=3),
        {**xy, "train_sizes": ((0.5, 1.0), "vector")}))
    for name in ("loo_residuals", "gcv_score"):
        out.append(_function(name, getattr(selection, name),
                             {**xy, "alpha": (0.5, "scalar"), "fit_intercept": (True, "flag")}))
    out.append(_function("linear_smoother_bias_variance",
                         bias_variance.linear_smoother_bias_variance,
                         {"X_train": (X, "matrix"), "f_train": (y, "vector"),
                          "x_eval": (X[:3], "matrix"), "f_eval": (y[:3], "vector"),
                          "noise_std": (1.0, "scalar"), "alpha": (0.5, "scalar"),
                          "fit_intercept": (True, "flag")}))
    out.append(_function("bias_variance_decomposition",
                         lambda noise_std, n_samples, x_eval, n_repeats, rng:
                         bias_variance.bias_variance_decomposition(
                             LinearRegression(), bias_variance.RegressionProblem(
                                 lambda Z: Z[:, 0], lambda g, n: g.uniform(0, 1, (n, 1)),
                                 noise_std, n_samples), x_eval, n_repeats, rng),
                         {"noise_std": (0.5, "scalar"), "n_samples": (10, "count"),
                          "x_eval": ([[0.5]], "matrix"), "n_repeats": (5, "count"),
                          "rng": (0, "count")}))

    # -- hypothesis tests and A/B testing
    intervals = ("conf_int", "lift_conf_int")      # the interval attributes of a result
    out += [
        _function("one_sample_t_test", testing.one_sample_t_test,
                  {"x": (y, "vector"), "popmean": (0.0, "scalar"),
                   "alternative": ("two-sided", "choice"), "level": (0.95, "probability")},
                  documented=intervals),
        _function("two_sample_t_test", testing.two_sample_t_test,
                  {"a": (y, "vector"), "b": (y[::2] + 1, "vector"), "equal_var": (False, "flag"),
                   "alternative": ("two-sided", "choice"), "level": (0.95, "probability")},
                  documented=intervals),
        _function("paired_t_test", testing.paired_t_test,
                  {"a": (y, "vector"), "b": (y[::-1], "vector"),
                   "alternative": ("two-sided", "choice"), "level": (0.95, "probability")},
                  documented=intervals),
        _function("chi2_independence_test", testing.chi2_independence_test,
                  {"table": ([[20, 30], [35, 15]], "table"), "correction": (True, "flag")}),
        # A zero cell makes the sample odds ratio and the conditional MLE exactly 0 or inf.
        _function("fisher_exact_test", testing.fisher_exact_test,
                  {"table": ([[8, 2], [1, 5]], "table"), "alternative": ("two-sided", "choice"),
                   "level": (0.95, "probability")}, documented=("conf_int", "lift_conf_int"),
                  exact_nonfinite=True),
        _function("binomial_test", testing.binomial_test,
                  {"successes": (7, "count"), "trials": (20, "count"),
                   "p": (0.5, "probability"), "alternative": ("two-sided", "choice"),
                   "level": (0.95, "probability"), "interval": ("exact", "choice")},
                  documented=intervals),
        _function("two_proportion_z_test", testing.two_proportion_z_test,
                  {"successes_a": (200, "count"), "trials_a": (2000, "count"),
                   "successes_b": (250, "count"), "trials_b": (2000, "count"),
                   "alternative": ("two-sided", "choice"), "level": (0.95, "probability")},
                  documented=intervals),
        _function("ab_test_design", testing.ab_test_design,
                  {"baseline": (0.1, "probability"), "mde": (0.02, "scalar"),
                   "n_per_arm": (None, "count"), "alpha": (0.05, "probability"),
                   "power": (0.8, "probability"), "ratio": (1.0, "scalar"),
                   "alternative": ("two-sided", "choice"), "relative": (False, "flag")}),
        _function("probability_b_beats_a", testing.probability_b_beats_a,
                  {"alpha_a": (11.0, "scalar"), "beta_a": (91.0, "scalar"),
                   "alpha_b": (21.0, "scalar"), "beta_b": (81.0, "scalar")}),
        _function("bayesian_ab_test", testing.bayesian_ab_test,
                  {"successes_a": (10, "count"), "trials_a": (100, "count"),
                   "successes_b": (20, "count"), "trials_b": (100, "count"),
                   "prior": ((1.0, 1.0), "vector"), "level": (0.95, "probability"),
                   "n_draws": (1000, "count"), "rng": (0, "count")}),
        _function("simulate_pvalues", testing.simulate_pvalues,
                  {"n_per_arm": (20, "count"), "n_simulations": (50, "count"),
                   "outcome": ("conversion", "choice"), "baseline": (0.1, "probability"),
                   "effect": (0.0, "scalar"), "rng": (0, "count")}),
        _function("simulate_peeking", testing.simulate_peeking,
                  {"n_per_arm": (100, "count"), "n_looks": (5, "count"),
                   "alpha": (0.05, "probability"), "baseline": (0.1, "probability"),
                   "effect": (0.0, "scalar"), "n_simulations": (50, "count"),
                   "rng": (0, "count")}),
        _function("HypothesisTestResult.reading_at", lambda alpha: testing.binomial_test(
            7, 20).reading_at(alpha), {"alpha": (0.05, "probability")}),
    ]

    # -- growth
    out += [
        _function("conversion_rate", growth.conversion_rate,
                  {"successes": (45, "integers"), "trials": (1000, "integers"),
                   "level": (0.95, "probability"), "method": ("wilson", "choice")}),
        _function("stickiness", growth.stickiness,
                  {"user_ids": ([1, 1, 2, 1, 3, 2], "integers"),
                   "days": ([0, 1, 1, 2, 2, 2], "integers"), "window": (None, "vector"),
                   "level": (0.95, "probability")}),
        _function("cohort_retention", growth.cohort_retention,
                  {"user_ids": ([1, 1, 2, 2, 3, 3], "integers"),
                   "signup_periods": ([0, 0, 0, 0, 1, 1], "integers"),
                   "active_periods": ([0, 1, 0, 2, 1, 2], "integers"),
                   "level": (0.95, "probability")}, documented=("retention", "low", "high")),
        _function("fit_retention", growth.fit_retention,
                  {"survivors": ([1000, 869, 743, 653, 593], "integers"),
                   "model": ("sbg", "choice"), "level": (0.95, "probability")}),
        _function("RetentionModel.predict_survivors", lambda horizon, t: (
            growth.fit_retention([100, 80, 70]).predict_survivors(horizon),
            growth.fit_retention([100, 80, 70]).retention_rate(t)),
            {"horizon": (5, "count"), "t": (3, "vector")}),
        _function("CohortRetention.survivors", lambda cohort: growth.cohort_retention(
            [1, 2], [0, 1], [0, 1]).survivors(cohort), {"cohort": (0, "count")}),
        _function("attribution", growth.attribution,
                  {"journey_ids": ([1, 1, 1, 2, 2], "integers"),
                   "channels": (["social", "email", "search", "search", "email"], "any"),
                   "converted": ([1, 2], "integers"), "values": ([2.0, 1.0], "vector"),
                   "times": ([0.0, 2.0, 5.0, 1.0, 3.0], "vector"),
                   "model": ("time_decay", "choice"), "half_life": (7.0, "scalar"),
                   "position_shares": ((0.4, 0.4), "vector")}),
        _function("Attribution.as_dict", lambda model: growth.attribution(
            [1, 1, 2], ["a", "b", "a"], [1, 2], model=model).as_dict(),
            {"model": ("shapley", "choice")}),
    ]

    # -- the likelihood engine: a user's model, distributions, GLMs, nonlinear regression
    out += _likelihood_entries(X, y)
    out += _formula_entries(X, y)

    # -- data sets, derivations, figures
    out += [
        _function("load_study_hours", datasets.load_study_hours, {"as_frame": (False, "flag")}),
        _function("derivations.get", derivations.get, {"name": ("ridge-as-map", "choice")}),
        _function("figures.get", figures.get, {"name": ("sigmoid-logit", "choice")}),
    ]
    return out


def _formula_entries(X, y):
    import pandas as pd

    from probml.formula import from_formula, make_model

    frame = pd.DataFrame({"y": y, "x0": X[:, 0], "x1": X[:, 1],
                          "g": np.array(["a", "b", "c"])[np.arange(len(y)) % 3],
                          "passed": (X[:, 0] + X[:, 1] + np.arange(len(y)) % 2 > 0) * 1.0})
    fits = {}

    def fitted(formula, model):
        """A formula fit, made once: its methods take hostile data frames."""
        if (formula, model) not in fits:
            fits[formula, model] = from_formula(formula, frame, model=model)
        return fits[formula, model]

    def predict(data):
        return fitted("y ~ x0 + C(g)", "linear").predict(data)

    return [
        _function("make_model", make_model, {"model": ("ridge", "choice"),
                                             "alpha": (1.0, "scalar")}),
        _function("from_formula", lambda formula, data, model, sample_weight, missing:
                  from_formula(formula, data, model=model, sample_weight=sample_weight,
                               missing=missing),
                  {"formula": ("y ~ x0 + np.log(x1 ** 2 + 1) + C(g)", "choice"),
                   "data": (frame, "table"), "model": ("linear", "choice"),
                   "sample_weight": (np.ones(len(y)), "vector"),
                   "missing": ("drop", "choice")}, names=("X", "y")),
        _function("from_formula (data frames)", lambda data, missing: from_formula(
            "y ~ x0 + np.log(x1 ** 2 + 1) + C(g)", data, missing=missing),
            {"data": (frame, "frame"), "missing": ("drop", "choice")}, names=("X", "y")),
        _function("FormulaFit.predict", predict, {"data": (frame.iloc[:4], "table")},
                  names=("X",)),
        _function("FormulaFit.predict (data frames)", predict,
                  {"data": (frame.iloc[:4], "frame")}, names=("X",)),
        _function("FormulaFit.predict_proba", lambda data: fitted(
            "passed ~ x0 + C(g)", "logistic").predict_proba(data),
            {"data": (frame.iloc[:4], "frame")}, names=("X",)),
        _function("FormulaFit.score", lambda data: fitted(
            "passed ~ x0 + C(g)", "logistic").score(data),
            {"data": (frame.iloc[:4], "frame")}, names=("X", "y")),
        _function("FormulaFit.get_prediction", lambda data: fitted(
            "y ~ x0 + np.log(x1 ** 2 + 1)", "linear").get_prediction(
            data).conf_int(), {"data": (frame.iloc[:4], "frame")}, names=("X",)),
    ]


def _distribution_samples():
    """A valid sample of each family fit_distribution knows."""
    counts = np.array([2.0, 4.0, 3.0, 5.0, 1.0, 0.0, 2.0, 3.0, 6.0, 2.0, 1.0, 4.0])
    positive = np.array([1.2, 0.4, 2.2, 0.9, 1.7, 0.6, 3.1, 0.8, 1.1, 2.6, 0.3, 1.4])
    return {"norm": positive - 1.0, "expon": positive, "gamma": positive,
            "weibull_min": positive, "lognorm": positive, "beta": positive / 4.0,
            "t": positive - 1.0, "poisson": counts, "geom": counts + 1.0, "nbinom": counts}


def _likelihood_entries(X, y):
    import sympy as sp

    from probml import likelihood
    x = sp.Symbol("x")
    rate = sp.Symbol("lambda", positive=True)
    poisson_logpdf = x * sp.log(rate) - rate - sp.log(sp.factorial(x))
    counts = np.array([2.0, 4.0, 3.0, 5.0, 1.0, 0.0, 2.0, 3.0, 6.0, 2.0, 1.0, 4.0])
    X_fit = X.copy()
    separated = np.linspace(-1.0, 1.0, 12)[:, None]
    positive = np.abs(y) + 0.5
    weights = np.ones(12)
    poisson = likelihood.Model(poisson_logpdf, data=x, support="counts")

    def fitted_poisson():
        return poisson.fit(counts)

    def map_fit():
        import scipy.stats
        model = likelihood.Model(poisson_logpdf, data=x, support="counts",
                                 prior={rate: scipy.stats.gamma(2.0)})
        return model.fit(counts, method="map")
    t, b1, b2 = sp.symbols("t b1 b2")
    days = np.arange(1.0, 13.0)
    growth = 100 * (1 - np.exp(-0.2 * days)) + np.sin(days)
    return [
        _function("Model", lambda logpdf, data, support: likelihood.Model(
            logpdf, data=data, support=support),
            {"logpdf": (poisson_logpdf, "logpdf"), "data": (x, "any"),
             "support": ("counts", "choice")}),
        # a model the data cannot bound: refused at construction, or at the fit
        _function("Model(logpdf).fit", lambda logpdf, data: likelihood.Model(
            logpdf, data=x, support="counts").fit(data),
            {"logpdf": (poisson_logpdf, "logpdf"), "data": (counts, "vector")}, names=("x",)),
        _function("Model.fit", lambda data, start, method, cov_type, sample_weight, max_iter,
                  tol: poisson.fit(data, start=start, method=method, cov_type=cov_type,
                                   sample_weight=sample_weight, max_iter=max_iter, tol=tol),
                  {"data": (counts, "vector"), "start": (None, "vector"),
                   "method": ("mle", "choice"), "cov_type": ("observed", "choice"),
                   "sample_weight": (weights, "vector"), "max_iter": (200, "count"),
                   "tol": (1e-9, "scalar")}, names=("x",)),
        _function("Model.derive", lambda data: poisson.derive(data),
                  {"data": (counts, "vector")}, names=("x",)),
        # a sample without an interior maximum (all zeros) is a check verify() cannot make
        _function("Model.verify", lambda data: poisson.verify(data),
                  {"data": (counts, "vector")}, names=("x",)),
        _method("LikelihoodFit", fitted_poisson, "conf_int",
                {"level": (0.95, "probability"), "method": ("wald", "choice")}),
        _method("LikelihoodFit", map_fit, "credible_interval", {"level": (0.9, "probability")}),
        _function("likelihood_ratio_test", lambda restricted: likelihood.likelihood_ratio_test(
            restricted, likelihood.fit_distribution(counts, "nbinom")),
            {"restricted": (likelihood.fit_distribution(counts, "poisson"), "any")}),
        _function("fit_distribution", likelihood.fit_distribution,
                  {"x": (positive, "vector"), "family": ("gamma", "choice"),
                   "cov_type": ("observed", "choice"), "sample_weight": (None, "vector"),
                   "start": (None, "any")}),
        _function("distribution_model", likelihood.distribution_model,
                  {"family": ("weibull_min", "choice")}),
        *[_function(f"fit_distribution({family!r})",
                    lambda x, sample_weight, family=family: likelihood.fit_distribution(
                        x, family, sample_weight=sample_weight),
                    {"x": (sample, "sample"), "sample_weight": (None, "vector")})
          for family, sample in _distribution_samples().items()],
        _method("DistributionFit", lambda: likelihood.fit_distribution(positive, "gamma"),
                "conf_int", {"alpha": (0.05, "probability"), "method": ("profile", "choice")}),
        _estimator("GLM", likelihood.GLM,
                   {"family": ("poisson", "choice"), "link": (None, "choice"),
                    "fit_intercept": (True, "flag"), "max_iter": (100, "count"),
                    "tol": (1e-9, "scalar"), "cov_type": ("nonrobust", "choice")},
                   {"X": (X, "matrix"), "y": (counts, "vector")}),
        _function("GLM(cov_type='cluster').fit", lambda X, y, groups: likelihood.GLM(
            "poisson", cov_type="cluster").fit(X, y, groups=groups),
            {"X": (X, "matrix"), "y": (counts, "vector"),
             "groups": (np.arange(len(counts)) % 3, "integers")}),
        _method("GLM", lambda: likelihood.GLM("poisson").fit(X, counts), "predict",
                {"X": (X, "matrix")}),
        _function("GLM.get_prediction", lambda X, alpha: likelihood.GLM("poisson").fit(
            X_fit, counts).get_prediction(X).conf_int(alpha),
            {"X": (X, "matrix"), "alpha": (0.05, "probability")}),
        # Maxima on the edge of a domain: separated classes, counts of 0 that a dummy fits,
        # a negative binomial whose alpha is 0, exposures at the ends of double precision.
        _function("GLM('binomial').fit on separated classes", lambda link, X, y: likelihood.GLM(
            "binomial", link).fit(X, y),
            {"link": ("probit", "choice"), "X": (separated, "matrix"),
             "y": ((separated[:, 0] > 0).astype(float), "vector")}),
        _function("GLM('poisson').fit with counts of 0 a dummy fits", lambda X, y, exposure:
                  likelihood.GLM("poisson").fit(X, y, exposure=exposure),
                  {"X": (np.column_stack([X[:, 0], np.arange(12) % 2]), "matrix"),
                   "y": (counts * (np.arange(12) % 2 == 0), "vector"),
                   "exposure": (np.full(12, 1e300), "vector")}),
        _function("GLM('negative_binomial').fit on counts that are not overdispersed",
                  lambda X, y, max_iter: likelihood.GLM("negative_binomial",
                                                        max_iter=max_iter).fit(X, y),
                  {"X": (X, "matrix"), "y": (np.array([2.0, 3, 2, 3, 2, 2, 3, 2, 3, 2, 2, 3]),
                                             "vector"), "max_iter": (100, "count")}),
        _estimator("NonlinearRegression", lambda start, max_iter: likelihood.NonlinearRegression(
            b1 * (1 - sp.exp(-b2 * t)), x=t, params=[b1, b2], start=start, max_iter=max_iter),
            {"start": ([50.0, 0.1], "vector"), "max_iter": (2000, "count")},
            {"X": (days, "vector"), "y": (growth, "vector")}),
        # as many rows as parameters: no residual degrees of freedom (fewer: refused)
        _estimator("NonlinearRegression with as many rows as parameters",
                   lambda start: likelihood.NonlinearRegression(
                       b1 * (1 - sp.exp(-b2 * t)), x=t, params=[b1, b2], start=start),
                   {"start": ([50.0, 0.1], "vector")},
                   {"X": (days[:2], "vector"), "y": (growth[:2], "vector")}),
    ]
