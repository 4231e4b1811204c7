r"""Fitting a named distribution by maximum likelihood: ten families as SymPy models.

Each family is a :class:`~probml.likelihood.Model` whose log-density is
written in SymPy with ``scipy.stats``' parameter names (``gamma``: shape
``a`` and ``scale``; ``weibull_min``: ``c`` and ``scale``; location fixed
at 0 where SciPy's ``floc=0`` would fix it), so that

>>> import numpy as np
>>> from probml.likelihood import fit_distribution
>>> fit = fit_distribution([1.2, 0.4, 2.2, 0.9, 1.7, 0.6], "gamma")
>>> fit.param_names_
['a', 'scale']

agrees with ``scipy.stats.gamma.fit(x, floc=0)``, with standard errors,
intervals and a summary besides.  Families whose log-density is linear in
statistics of the data (gamma: :math:`\sum\log x_i` and :math:`\sum x_i`;
beta, Poisson, geometric, exponential) are fitted from those sufficient
statistics, found automatically from the log-density, so a Newton step
costs nothing per observation; the others (Weibull, Student t, negative
binomial) are fitted by vectorised passes over the data.  Starting values
are the method of moments (Menon's estimator for the Weibull shape, Minka's
approximation for the gamma shape).
"""

import functools
import math

import numpy as np
import sympy as sp

from .._blocks import dask_head_rows, row_sum
from .._validation import dask_array, is_dask_collection, sample_array
from .data import check_support
from .model import Model
from .problem import SUBSAMPLE_ROWS

__all__ = ["DISTRIBUTIONS", "distribution_model", "fit_distribution"]

_ALIASES = {"normal": "norm", "gaussian": "norm", "exponential": "expon",
            "weibull": "weibull_min", "lognormal": "lognorm", "student_t": "t",
            "negative_binomial": "nbinom", "geometric": "geom"}


def _families():
    x = sp.Symbol("x")
    loc = sp.Symbol("loc", real=True)
    a, b, c, s, n, df, mu = sp.symbols("a b c s n df mu", positive=True)
    scale = sp.Symbol("scale", positive=True)
    p = sp.Symbol("p")
    log2pi = sp.log(2 * sp.pi) / 2
    return {
        "norm": (-sp.log(scale) - log2pi - (x - loc) ** 2 / (2 * scale ** 2),
                 [loc, scale], "real"),
        "expon": (-sp.log(scale) - x / scale, [scale], "nonnegative"),
        "gamma": ((a - 1) * sp.log(x) - x / scale - a * sp.log(scale) - sp.loggamma(a),
                  [a, scale], "positive"),
        "weibull_min": (sp.log(c) - sp.log(scale) + (c - 1) * sp.log(x / scale)
                        - (x / scale) ** c, [c, scale], "positive"),
        "lognorm": (-sp.log(s) - sp.log(x) - log2pi
                    - (sp.log(x) - sp.log(scale)) ** 2 / (2 * s ** 2), [s, scale], "positive"),
        "beta": (sp.loggamma(a + b) - sp.loggamma(a) - sp.loggamma(b) + (a - 1) * sp.log(x)
                 + (b - 1) * sp.log(1 - x), [a, b], "unit"),
        "t": (sp.loggamma((df + 1) / 2) - sp.loggamma(df / 2) - sp.log(sp.pi * df) / 2
              - sp.log(scale) - (df + 1) / 2 * sp.log(1 + ((x - loc) / scale) ** 2 / df),
              [df, loc, scale], "real"),
        "poisson": (x * sp.log(mu) - mu - sp.loggamma(x + 1), [mu], "counts"),
        "geom": (sp.log(p) + (x - 1) * sp.log(1 - p), {p: "unit"}, "positive counts"),
        "nbinom": (sp.loggamma(x + n) - sp.loggamma(n) - sp.loggamma(x + 1) + n * sp.log(p)
                   + x * sp.log(1 - p), {n: "positive", p: "unit"}, "counts"),
    }


#: The families :func:`fit_distribution` knows, by ``scipy.stats`` name.
DISTRIBUTIONS = tuple(_families())


def _family_name(family):
    if not isinstance(family, str):
        raise TypeError(f"family must be the name of a distribution, got {family!r}.")
    name = _ALIASES.get(family.lower(), family.lower())
    if name not in DISTRIBUTIONS:
        raise ValueError(f"family must be one of {sorted(DISTRIBUTIONS)} (or an alias "
                         f"{sorted(_ALIASES)}), got {family!r}.")
    return name


def distribution_model(family):
    """The :class:`Model` of a named family (``scipy.stats`` names and parameters)."""
    return _model(_family_name(family))


@functools.cache
def _model(name):
    logpdf, params, support = _families()[name]
    x = sp.Symbol("x")
    return Model(logpdf, data=x, params=params, support=support, name=name)


def fit_distribution(x, family, *, cov_type="observed", sample_weight=None, start=None):
    """Fit ``family`` to the sample ``x`` by maximum likelihood.

    Parameters
    ----------
    x : array-like of shape (n,)
        The sample, inside the family's support.
    family : str
        One of :data:`DISTRIBUTIONS` ("norm", "expon", "gamma",
        "weibull_min", "lognorm", "beta", "t", "poisson", "geom", "nbinom")
        or an alias ("normal", "weibull", "negative_binomial", ...).
    cov_type : {"observed", "expected", "sandwich"}
    sample_weight : array-like, optional
        Frequency weights.
    start : dict, optional
        Starting values by parameter name; by default the method of moments.

    Returns
    -------
    LikelihoodFit
        With ``params_`` in ``scipy.stats``' order and names.
    """
    name = _family_name(family)
    model = distribution_model(name)
    if start is None and sample_weight is None:
        if is_dask_collection(x):          # the fit's first pass checks the support
            values = dask_array(x, "x", 1).astype(np.float64)
        else:
            values = sample_array(x, "x")
            check_support(values, model)
        start = _moment_start(name, values)
    return model.fit(x, start=start, cov_type=cov_type, sample_weight=sample_weight)


def _moment_start(name, x):
    """Method-of-moments starting values inside each domain (None: the default).

    The moments are sums over the sample (:func:`~probml._blocks.row_sum`),
    passes over its chunks for a Dask array; the Student t's median and median
    absolute deviation are then those of a subsample of evenly spaced chunks.
    """
    n = x.shape[0]
    # In memory the logarithms are taken once; on Dask in each pass, inside the chunks'
    # error state (a lazy np.log would run outside it).
    in_memory = not is_dask_collection(x)

    def mean(function, logarithms=False):
        if not logarithms:
            return row_sum(function, x) / n
        if in_memory:
            return row_sum(function, logs) / n
        return row_sum(lambda v: function(np.log(v)), x) / n

    with np.errstate(all="ignore"):
        average = mean(lambda v: v)
        var = mean(lambda v: (v - average) ** 2) if name in ("beta", "t", "nbinom") else None
        if name in ("gamma", "weibull_min", "lognorm"):
            logs = np.log(x) if in_memory else None
            log_mean = mean(lambda v: v, logarithms=True)
            log_spread = math.sqrt(mean(lambda v: (v - log_mean) ** 2, logarithms=True))
        if name == "gamma":
            if not average > 0:          # data outside the support: the fit names them
                return None
            spread = math.log(average) - log_mean
            if not spread > 0:
                return None
            shape = (3 - spread + math.sqrt((spread - 3) ** 2 + 24 * spread)) / (12 * spread)
            return {"a": shape, "scale": average / shape}
        if name == "weibull_min":
            if not log_spread > 0:
                return None
            shape = 1.2825 / log_spread                    # Menon (1963)
            return {"c": shape, "scale": math.exp(log_mean + 0.5772 / shape)}
        if name == "lognorm":
            return {"s": log_spread, "scale": math.exp(log_mean)} if log_spread > 0 else None
        if name == "beta":
            common = average * (1 - average) / var - 1 if var > 0 else -1
            return {"a": average * common, "b": (1 - average) * common} if common > 0 else None
        if name == "t":
            sample = dask_head_rows([x], SUBSAMPLE_ROWS)[0] if is_dask_collection(x) else x
            median = float(np.median(sample))
            spread = 1.4826 * float(np.median(np.abs(sample - median)))
            spread = spread if spread > 0 else math.sqrt(var)
            return {"df": 5.0, "loc": median, "scale": spread} if spread > 0 else None
        if name == "nbinom" and var > average > 0:
            return {"n": average * average / (var - average), "p": average / var}
    return None
