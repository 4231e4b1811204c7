r"""Fitting a named distribution by maximum likelihood: ten families as SymPy models.

Each family is a :class:`~probml.likelihood.Model` whose log-density is
written in SymPy with ``scipy.stats``' parameter names (``gamma``: shape
``a`` and ``scale``; ``weibull_min``: ``c`` and ``scale``), with the location
fixed at 0 where SciPy's ``floc=0`` would fix it (and the beta's scale at 1).
A fit reports ``scipy.stats``' full argument list, the fixed arguments
included and marked, so that it unpacks into the distribution it fitted:

>>> import numpy as np
>>> from probml.likelihood import fit_distribution
>>> fit = fit_distribution([1.2, 0.4, 2.2, 0.9, 1.7, 0.6], "gamma")
>>> fit.param_names_, fit.fixed_params_
(['a', 'loc', 'scale'], {'loc': 0.0})
>>> round(float(fit.frozen().mean()), 10)       # scipy.stats.gamma(*fit.params_)
1.1666666667

The estimates agree with ``scipy.stats.gamma.fit(x, floc=0)``, with standard
errors, intervals and a summary besides.

The engine fits each family in the fewest passes over the data.  Families
whose log-density is linear in statistics of the data (gamma:
:math:`\sum\log x_i` and :math:`\sum x_i`; beta, Poisson, geometric,
exponential) or a polynomial in one (normal: :math:`x`; log-normal:
:math:`\log x`, centred on the data) are fitted from those sufficient
statistics, found from the log-density (:attr:`Model.sufficient_form`), in
one pass; counts are reduced to their distinct values and frequencies first
(so the negative binomial's :math:`\log\Gamma(x_i + n)` is taken once per
distinct count).  Newton's method then starts at the maximum: the closed
form (normal, log-normal, exponential, Poisson, geometric), the root of a
one-dimensional profile equation (the gamma shape :math:`a`,
:math:`\log a - \psi(a) = \log\bar x - \overline{\log x}`; the Weibull shape
:math:`c`, :math:`\sum x_i^c\log x_i / \sum x_i^c - 1/c = \overline{\log x}`),
the root of the beta's two likelihood equations in the means of
:math:`\log x` and :math:`\log(1-x)`, or the method of moments (Student t,
negative binomial).  Where it starts at the maximum, one evaluation
confirms it and gives the information (from the sufficient statistics, this
costs nothing per observation); the standard errors, covariance, tests and
summary are computed from that information when first asked for.
"""

import functools
import math

import numpy as np
import sympy as sp

from .._blocks import dask_head_rows, row_sum, weighted_sum
from ..exceptions import BoundaryMaximumWarning, warn
from .._validation import (Options, check_finite, check_is_fitted, check_weights,
                           dask_array, is_dask_collection, sample_array)
from ..inference import CoefficientTable, information_criteria
from .data import check_support
from .model import MAX_ITER, TOL, Model
from .problem import CENTRE_ROWS, SUBSAMPLE_ROWS, Problem, check_total_weight, fit_problem
from .results import LikelihoodFit

__all__ = ["DISTRIBUTIONS", "DistributionFit", "distribution_model", "fit_distribution"]

_ALIASES = {"normal": "norm", "gaussian": "norm", "exponential": "expon",
            "weibull": "weibull_min", "lognormal": "lognorm", "student_t": "t",
            "negative_binomial": "nbinom", "geometric": "geom"}

#: ``scipy.stats``' arguments of each family, in its order: shapes, ``loc``, ``scale``
#: (a discrete family has no scale).  The ones a family's model leaves out are fixed at
#: SciPy's defaults (``_FIXED``).
SCIPY_ARGUMENTS = {
    "norm": ("loc", "scale"), "expon": ("loc", "scale"), "gamma": ("a", "loc", "scale"),
    "weibull_min": ("c", "loc", "scale"), "lognorm": ("s", "loc", "scale"),
    "beta": ("a", "b", "loc", "scale"), "t": ("df", "loc", "scale"),
    "poisson": ("mu", "loc"), "geom": ("p", "loc"), "nbinom": ("n", "p", "loc"),
}
_FIXED = {"loc": 0.0, "scale": 1.0}
_DISCRETE = ("poisson", "geom", "nbinom")
# Families whose likelihood grows without bound on a sample of one distinct value (the
# exponential's on all zeros, the only such sample without a start); the others reach a
# finite supremum at the edge of a domain, which the engine reports.
_UNBOUNDED_ON_ONE_VALUE = ("norm", "expon", "gamma", "weibull_min", "lognorm", "beta", "t")
# Families whose statistics are finite only inside the support: the normal's (any finite
# x), and those with log x (x > 0) and log(1 - x) (x < 1) among them.
_SUPPORT_FROM_STATISTICS = ("norm", "gamma", "lognorm", "beta")
# The parameters in the units of x, for the families with a scale: a fit to (x - o) / u
# (u a power of two, o a location) gives loc as (loc - o) / u, scale as scale / u and the
# others unchanged.
_IN_UNITS_OF_X = {"norm": ("loc", "scale"), "expon": ("scale",), "gamma": ("scale",),
                  "weibull_min": ("scale",), "lognorm": ("scale",), "t": ("loc", "scale")}
# A location farther from 0 than this many spreads is subtracted before a fit (exactly,
# as data that far out agree in their leading bits): the fit then resolves the location
# and the spread to the last bit of each.
LOCATION_RANGE = 2.0 ** 20
# Data whose largest magnitude is within 2**+-UNIT_RANGE are fitted as they are; beyond,
# they are divided by a power of two near it (exactly), so that the powers of the scale
# in the information (up to the fourth) stay inside double precision.
UNIT_RANGE = 40
# ... and beyond 2**+-LARGEST_UNIT the variance of a scale (the square of a number that
# large over n) leaves double precision: such data are refused.
LARGEST_UNIT = 500
# Counts above 2**53 are not whole numbers exactly in double precision.
LARGEST_COUNT = 2.0 ** 53
# Newton's method on a profile equation stops at this relative step...
PROFILE_TOLERANCE = 1e-13
# ... or after this many steps (from the starts below it takes 3 to 6).
PROFILE_STEPS = 50


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


# -- the fit ---------------------------------------------------------------------------

_COV_TYPES = Options("observed", "expected", "sandwich")


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
        Starting values of the estimated parameters, by name; by default
        the closed form, a profile equation's root or the method of moments.

    Returns
    -------
    DistributionFit
        With ``params_`` in ``scipy.stats``' full argument order (fixed
        arguments included, see ``fixed_params_``), so that
        ``scipy.stats.<family>(*fit.params_)`` is the fitted distribution
        (``fit.frozen()``).  Where the family's likelihood has no maximum but
        rises towards another family (a Student t on data no heavier-tailed
        than the normal: df -> inf; a negative binomial on counts that are
        not overdispersed: n -> inf), a ``BoundaryMaximumWarning`` says so and
        the fit is that limit's (``scipy.stats.norm``, ``scipy.stats.poisson``),
        with ``limit_of_`` the family asked for.
    """
    name = _family_name(family)
    cov_type = _COV_TYPES(cov_type, "cov_type")
    if start is not None and not isinstance(start, dict):
        raise TypeError(f"start must be a dict {{parameter name: value}} of the estimated "
                        f"parameters {_estimated(name)}, got {type(start).__name__}.")
    if is_dask_collection(x) or is_dask_collection(sample_weight):
        problem, units, guess = _dask_problem(name, x, sample_weight, start)
    else:
        problem, units, guess = _memory_problem(name, x, sample_weight)
    if name in _LIMITS:
        limit, message = _LIMITS[name]
        score, detail = _edge_score(name, x, sample_weight)
        if score <= 0:
            warn(message.format(detail), BoundaryMaximumWarning)
            fit = fit_distribution(x, limit, cov_type=cov_type, sample_weight=sample_weight)
            fit.limit_of_ = name
            return fit
    phi = problem.to_free(guess) if start is None and guess is not None else \
        problem.free_start(_in_fit_units(name, start, *units))
    objective, result = fit_problem(problem, phi, with_prior=False, max_iter=MAX_ITER,
                                    tol=TOL)
    return DistributionFit(name, problem, result, cov_type=cov_type, objective=objective,
                           units=units)


# Families whose likelihood can rise without a maximum towards a limit that is another
# family, where a shape runs to infinity: that family, and the warning that says so.
_LIMITS = {
    "t": ("norm", "x is not heavier-tailed than the normal (kurtosis {} <= 3): the Student "
                  "t's likelihood rises as df -> inf, where the t is the normal, and has no "
                  "maximum at a finite df. Returned is the normal fit (scipy.stats.norm), "
                  "the t's supremum; df has no estimate."),
    "nbinom": ("poisson", "The counts are not overdispersed (variance {}): the "
                          "negative binomial's likelihood rises as n -> inf (p -> 1), where it "
                          "is the Poisson, and has no maximum at a finite n. Returned is the "
                          "Poisson fit (scipy.stats.poisson), its supremum; n and p have no "
                          "estimates."),
}


def _edge_score(name, x, sample_weight):
    r"""The score, at the limit of ``_LIMITS``, of the parameter that reaches it at 0,
    from the limit's fit; the family's maximum is that limit where it is :math:`\le 0`.

    * Student t, :math:`\tau = 1/\nu`: the log-density is the normal's plus
      :math:`\tau(z^4 - 2z^2 - 1)/4 + O(\tau^2)`, so at the normal fit
      (:math:`\sum w z^2 = \sum w`) the score is
      :math:`\tfrac14\sum_i w_i(z_i^4 - 3) = \tfrac W4(\hat\kappa - 3)`, with
      :math:`\hat\kappa = m_4/m_2^2` the sample kurtosis.
    * Negative binomial, :math:`\alpha = 1/n` (variance :math:`\mu + \alpha\mu^2`):
      :math:`\tfrac12\sum_i w_i[(y_i - \bar y)^2 - y_i]` at the Poisson fit
      :math:`\bar y` (Cameron and Trivedi 1990), :math:`\tfrac W2(s^2 - \bar y)`.

    Returns a number of the score's sign (:math:`\\hat\\kappa - 3`, or
    :math:`s^2 - \\bar y`) and what the warning shows.  A sample of one value (its
    spread at rounding level) has none (NaN): the fit refuses it.
    """
    values = x.astype(np.float64) if is_dask_collection(x) else np.asarray(x, dtype=np.float64)
    weights = (sample_weight if sample_weight is None or is_dask_collection(sample_weight)
               else np.asarray(sample_weight, dtype=np.float64))
    total = float(values.shape[0] if weights is None else weights.sum())

    def mean(a):
        return float((a if weights is None else a * weights).sum()) / total

    with np.errstate(all="ignore"):
        centre = mean(values)
        variance = mean((values - centre) ** 2)
        if name == "nbinom":
            return variance - centre, f"{variance:.4g} <= mean {centre:.4g}"
        if not variance > (4 * np.finfo(float).eps * centre) ** 2:    # one value, rounded
            return math.nan, ""
        kurtosis = mean(((values - centre) / math.sqrt(variance)) ** 4)
    return kurtosis - 3.0, f"{kurtosis:.4g}"


def _estimated(name):
    return [p.name for p in _model(name).scalar_parameters]


def _in_fit_units(name, start, offset, unit):
    """The caller's ``start`` (or None) on the scale the fit works on, (x - offset) / unit
    (values that are not numbers are left for the start's own check to refuse)."""
    if start is None or (offset, unit) == (0.0, 1.0):
        return start
    scaled = _IN_UNITS_OF_X.get(name, ())

    def converted(key, value):
        if str(key) not in scaled or not isinstance(value, (int, float)):
            return value
        return (value - offset) / unit if str(key) == "loc" else value / unit
    return {key: converted(key, value) for key, value in start.items()}


def _memory_problem(name, x, sample_weight):
    """The problem of an in-memory sample, its (offset, unit) and the start (or None).

    Families with sufficient statistics check ``x`` from their one pass: each
    has a statistic that is not finite when some ``x`` is not (``x`` itself,
    ``x - c``, ``log x``), and only then is ``x`` searched for the value to
    name; the exponential's support (``x >= 0``, which its statistic ``x``
    does not show) is checked after the pass.  Counts are checked, then
    reduced to distinct values and frequencies.
    """
    model = _model(name)
    values = sample_array(x, "x", finite=False)
    weights = check_weights(sample_weight, "sample_weight", len(values))
    check_total_weight(weights)
    if name in _DISCRETE or model.sufficient_form is None:
        check_finite(values, "x")
        check_support(values, model)
    if name in _DISCRETE:
        values, weights = _counts(values, weights)
    data = values
    values, offset, unit = _standardised(name, values)
    problem = Problem.part(model, [values], None, weights, None, False, None)
    if problem.sufficient:
        if not all(map(math.isfinite, problem.statistics)):
            check_finite(data, "x")
            check_support(data, model)
            raise ValueError(f"x spans magnitudes too far apart for double precision "
                             f"(from {np.min(np.abs(data)):.3g} to "
                             f"{np.max(np.abs(data)):.3g}): the sums of the {name} fit "
                             "overflow. Fit the bulk of the data, or rescale it.")
        if name not in _SUPPORT_FROM_STATISTICS and name not in _DISCRETE:
            check_support(data, model)
    guess = _start(name, problem)
    if guess is None and name in _UNBOUNDED_ON_ONE_VALUE and data.min() == data.max():
        raise ValueError(f"x holds one distinct value ({data[0]:g}): a {name} fit needs at "
                         "least two, as its likelihood otherwise grows without bound (a "
                         "scale of 0, or a shape at infinity, puts all the density there).")
    return problem, (offset, unit), guess


def _dask_problem(name, x, sample_weight, start):
    """The problem of a Dask sample (checked by its first pass), its (offset, unit) (0
    and 1) and the start."""
    from .chunked import ChunkedProblem     # Dask is imported only for Dask data
    model = _model(name)
    problem = ChunkedProblem(model, (x,), None, sample_weight, None)
    if start is not None or (sample_weight is not None and not problem.sufficient):
        return problem, (0.0, 1.0), None
    if problem.sufficient:
        return problem, (0.0, 1.0), _start(name, problem)
    values = dask_array(x, "x", 1).astype(np.float64)
    return problem, (0.0, 1.0), _moment_start(name, values)


def _counts(values, weights):
    """Counts as their distinct values and (weighted) frequencies, where there are fewer
    distinct values than counts; counts above ``LARGEST_COUNT`` are refused."""
    largest = values.max()
    if largest > LARGEST_COUNT:
        index = int(np.argmax(values))
        raise ValueError(f"x must be counts up to 2**53 = {LARGEST_COUNT:.4g} (beyond, "
                         f"doubles are not whole numbers exactly); x[{index}] = "
                         f"{values[index]:g}.")
    smallest = values.min()
    if largest - smallest >= len(values):
        return values, weights
    codes = (values - smallest).astype(np.intp)
    frequencies = np.bincount(codes, weights=weights)
    present = np.flatnonzero(frequencies)
    return smallest + present.astype(float), frequencies[present].astype(float)


def _standardised(name, values):
    """``(values - o) / u``, ``o`` and ``u``, for a family with a scale (else 0 and 1).

    From an evenly spaced subsample: for a location family, ``o`` is its median
    where all of it lies within ``1 / LOCATION_RANGE`` of that (relatively), else
    0; ``u`` is a power of two near the largest magnitude of ``values - o`` where
    that is beyond ``2**+-UNIT_RANGE``, else 1 (both exact operations).  Data
    beyond ``2**+-LARGEST_UNIT`` are refused by name.
    """
    if name not in _IN_UNITS_OF_X:
        return values, 0.0, 1.0
    head = values[::max(1, len(values) // CENTRE_ROWS)]
    with np.errstate(all="ignore"):
        low, high = float(head.min()), float(head.max())
        offset = 0.0
        if "loc" in _IN_UNITS_OF_X[name] and low * high > 0 and \
                0 < (high - low) * LOCATION_RANGE < min(abs(low), abs(high)):
            offset = float(np.median(head))
            low, high = low - offset, high - offset
    largest = max(abs(low), abs(high))
    if not math.isfinite(largest) or largest == 0.0:
        # checked (and refused, if need be) from the statistics
        return (values - offset if offset else values), offset, 1.0
    exponent = math.frexp(largest)[1]
    if abs(exponent) <= UNIT_RANGE:
        return (values - offset if offset else values), offset, 1.0
    if abs(exponent) > LARGEST_UNIT:
        fitted = "loc and scale" if "loc" in _IN_UNITS_OF_X[name] else "scale"
        raise ValueError(
            f"x has values of magnitude {largest:.3g}: beyond 2**+-{LARGEST_UNIT} (about "
            f"{2.0 ** LARGEST_UNIT:.1e} and {2.0 ** -LARGEST_UNIT:.1e}) the variance of the "
            f"fitted {fitted} leaves double precision. Rescale x (divide it by a power of "
            f"ten near that magnitude) and multiply the fitted {fitted} back.")
    unit = math.ldexp(1.0, exponent)
    return (values - offset) / unit, offset, unit


# -- starting values ---------------------------------------------------------------------

@functools.cache
def _statistic_positions(name):
    """Where the statistics a family's start reads sit among its model's statistics:
    {key: index}, keys ``"x"``, ``"log x"``, ``"log 1-x"``, ``"g-c"``, ``"(g-c)^2"``."""
    form = _model(name).sufficient_form
    x, c = sp.Symbol("x"), sp.Symbol("c")
    centred = {symbol: c for symbol, _ in form.centres}
    g = x if name == "norm" else sp.log(x)
    keys = {x: "x", sp.log(x): "log x", sp.log(1 - x): "log 1-x", g - c: "g-c",
            (g - c) ** 2: "(g-c)^2"}
    return {keys[t.xreplace(centred)]: j for j, (_, t) in enumerate(form.statistics)
            if t.xreplace(centred) in keys}


def _start(name, problem):
    """The maximum (or a start near it) from the problem's sufficient statistics, or
    from its data for the families without them; None for the default start."""
    if not problem.sufficient:
        return _moment_start(name, problem.arrays[0], problem.weights)
    means = {key: problem.statistics[j] for key, j in _statistic_positions(name).items()}
    if name in ("norm", "lognorm"):
        centre = problem.centres[0] + means["g-c"]
        spread = math.sqrt(max(means["(g-c)^2"] - means["g-c"] ** 2, 0.0))
        if name == "norm":
            return np.array([centre, spread]) if spread > 0 else None
        return np.array([spread, math.exp(centre)]) if spread > 0 else None
    if name in ("expon", "poisson"):
        return np.array([means["x"]]) if means["x"] > 0 else None
    if name == "geom":
        return np.array([1.0 / means["x"]]) if means["x"] > 1 else None
    if name == "gamma":
        shape = gamma_shape(math.log(means["x"]) - means["log x"])
        return None if shape is None else np.array([shape, means["x"] / shape])
    if name == "beta":
        found = beta_shapes(means["log x"], means["log 1-x"])
        return None if found is None else np.array(found)
    return None


def gamma_shape(spread):
    r"""The gamma shape :math:`a` solving :math:`\log a - \psi(a) = s`, the profile
    likelihood equation with :math:`s = \log\bar x - \overline{\log x}` (Minka 2002).

    Minka's approximation
    :math:`a_0 = (3 - s + \sqrt{(s-3)^2 + 24s})/(12s)` starts Newton's method on
    :math:`1/a`, :math:`1/a \leftarrow 1/a + (\log a - \psi(a) - s) / (a^2(1/a -
    \psi'(a)))`, which converges in three or four steps.  None unless :math:`s > 0`.

    >>> round(gamma_shape(0.1), 6)
    5.160876
    """
    from scipy.special import digamma, zeta

    if not spread > 0:
        return None
    shape = (3 - spread + math.sqrt((spread - 3) ** 2 + 24 * spread)) / (12 * spread)
    for _ in range(PROFILE_STEPS):
        slope = 1.0 / shape - float(zeta(2.0, shape))     # psi'(a) = zeta(2, a), a ufunc
        if not slope < 0:                # beyond double precision: keep Minka's value
            return shape
        inverse = 1.0 / shape + (math.log(shape) - float(digamma(shape)) - spread) / (
            shape * shape * slope)
        if not inverse > 0:
            return shape
        step, shape = abs(1.0 / inverse - shape), 1.0 / inverse
        if step <= PROFILE_TOLERANCE * shape:
            break
    return shape


def beta_shapes(mean_log, mean_log_complement):
    r"""The beta shapes :math:`(a, b)` solving the likelihood equations
    :math:`\psi(a) - \psi(a+b) = \overline{\log x}` and
    :math:`\psi(b) - \psi(a+b) = \overline{\log(1-x)}` (Minka 2000).

    Newton's method from the approximation :math:`\psi(z) \approx \log(z - 1/2)`,
    :math:`a_0 = 1/2 + g_x/(2(1 - g_x - g_{1-x}))` and
    :math:`b_0 = 1/2 + g_{1-x}/(2(1 - g_x - g_{1-x}))` with the geometric means
    :math:`g_x = e^{\overline{\log x}}`, :math:`g_{1-x} = e^{\overline{\log(1-x)}}`;
    its Jacobian, :math:`\psi'(a+b) - \mathrm{diag}(\psi'(a), \psi'(b))` plus
    :math:`\psi'(a+b)` off the diagonal, is negative definite, and a step that
    leaves :math:`a, b > 0` is halved.  Returns the approximation where Newton's
    method does not settle to ``PROFILE_TOLERANCE`` in ``PROFILE_STEPS`` steps
    (the engine then iterates from it), or None where the means leave no room
    for a beta (:math:`g_x + g_{1-x} \ge 1`, a sample of one value).

    >>> [round(v, 6) for v in beta_shapes(-1.5, -0.3)]
    [3.489333, 10.466285]
    """
    from scipy.special import digamma, zeta

    left, right = math.exp(mean_log), math.exp(mean_log_complement)
    common = 1.0 - left - right
    if not common > 0:
        return None
    start = a, b = 0.5 + left / (2 * common), 0.5 + right / (2 * common)
    for _ in range(PROFILE_STEPS):
        total = float(digamma(a + b))
        first, second = float(digamma(a)) - total - mean_log, \
            float(digamma(b)) - total - mean_log_complement
        shared = float(zeta(2.0, a + b))          # psi'(z) = zeta(2, z)
        da, db = float(zeta(2.0, a)) - shared, float(zeta(2.0, b)) - shared
        determinant = da * db - shared * shared
        if not (determinant > 0 and math.isfinite(first) and math.isfinite(second)):
            return start
        step_a = (db * first + shared * second) / determinant
        step_b = (da * second + shared * first) / determinant
        while a - step_a <= 0 or b - step_b <= 0:
            step_a, step_b = step_a / 2, step_b / 2
        a, b = a - step_a, b - step_b
        if abs(step_a) <= PROFILE_TOLERANCE * a and abs(step_b) <= PROFILE_TOLERANCE * b:
            return a, b
    return start


def weibull_shape(log_x, weights=None):
    r"""The Weibull shape :math:`c` solving the profile likelihood equation
    :math:`h(c) = \sum_i w_i x_i^c\log x_i / \sum_i w_i x_i^c - 1/c - \overline{\log x} = 0`.

    :math:`h` increases (its slope is a weighted variance of :math:`\log x`
    plus :math:`1/c^2`), so Newton's method from Menon's (1963) estimate
    :math:`c_0 = \pi/(\sqrt6\,\mathrm{sd}(\log x))`, with its step halved
    while it leaves :math:`c > 0`, converges; the powers are taken as
    :math:`e^{c(\log x_i - \max\log x)}`, which never overflow.
    ``log_x`` are the logarithms of the sample.  Returns (c, scale) with
    :math:`\text{scale} = (\overline{x^c})^{1/c}`, or None where the logarithms do not
    vary (the shape's maximum is at infinity).
    """
    count = len(log_x) if weights is None else float(weights.sum())

    def mean(values):
        return weighted_sum(values, weights) / count

    centre = mean(log_x)
    centred = log_x - centre
    spread = math.sqrt(mean(centred * centred))
    if not spread > 0:
        return None
    shape = math.pi / (math.sqrt(6.0) * spread)
    top = float(np.max(centred))
    for _ in range(PROFILE_STEPS):
        powers = np.exp(shape * (centred - top))
        total = mean(powers)
        first = mean(powers * centred) / total
        second = mean(powers * centred * centred) / total
        value = first - 1.0 / shape
        slope = second - first * first + 1.0 / (shape * shape)
        if not slope > 0:               # spread at rounding level (a variance of 0)
            return None
        step = value / slope
        if not math.isfinite(step):     # the powers left double precision: no start
            return None
        while shape - step <= 0:
            step /= 2
        shape -= step
        if abs(step) <= PROFILE_TOLERANCE * shape:
            break
    log_scale = centre + top + math.log(mean(np.exp(shape * (centred - top)))) / shape
    return (shape, math.exp(log_scale)) if math.isfinite(log_scale) else None


def _moment_start(name, x, weights=None):
    """Starting values inside each domain for the families without sufficient
    statistics (None: the default): the Weibull's profile maximum, the Student t's
    median, median absolute deviation and df = 5, the negative binomial's method of
    moments.

    On Dask (no weights) the moments are sums over the chunks
    (:func:`~probml._blocks.row_sum`), and the Student t's median and median
    absolute deviation those of a subsample of evenly spaced chunks.
    """
    n = x.shape[0]
    with np.errstate(all="ignore"):
        if name == "weibull_min" and not is_dask_collection(x):
            found = weibull_shape(np.log(x), weights)
            return None if found is None else np.array(found)
        if name == "weibull_min":        # Menon's (1963) estimates, from two passes
            log_mean = row_sum(np.log, x) / n
            log_spread = math.sqrt(row_sum(lambda v: (np.log(v) - log_mean) ** 2, x) / n)
            if not log_spread > 0:
                return None
            shape = 1.2825 / log_spread
            return np.array([shape, math.exp(log_mean + 0.5772 / shape)])
        if name == "t":
            sample = dask_head_rows([x], SUBSAMPLE_ROWS)[0] if is_dask_collection(x) else x
            median = float(np.median(sample))
            spread = 1.4826 * float(np.median(np.abs(sample - median)))
            if not spread > 0:
                average = row_sum(lambda v: v, x) / n
                spread = math.sqrt(row_sum(lambda v: (v - average) ** 2, x) / n)
                if not spread > 4 * np.finfo(float).eps * abs(average):  # one value, rounded
                    return None
            return np.array([5.0, median, spread])
        if name == "nbinom":
            total = n if weights is None else float(weights.sum())

            def mean(function):
                if weights is None:
                    return row_sum(function, x) / total
                return weighted_sum(function(x), weights) / total
            average = mean(lambda v: v)
            var = mean(lambda v: (v - average) ** 2)
            if var > average > 0:
                return np.array([average * average / (var - average), average / var])
    return None


# -- the result --------------------------------------------------------------------------

@functools.cache
def _layout(family, names):
    """``family``'s scipy.stats arguments, where its estimated parameters ``names`` sit
    among them (read-only), the fixed ones with their values, and the table's labels."""
    arguments = SCIPY_ARGUMENTS[family]
    positions = np.array([arguments.index(name) for name in names])
    positions.flags.writeable = False
    fixed = {name: _FIXED[name] for name in arguments if name not in names}
    labels = tuple(f"{name} (fixed)" if name in fixed else name for name in arguments)
    return arguments, positions, fixed, labels


class _TableWithFixed(CoefficientTable):
    """A coefficient table whose rows named ``"... (fixed)"`` (constants, standard error
    0) have no test: their statistic and p-value are NaN, where 0/0 or 1/0 would be."""

    def __init__(self, names, estimate, std_error, *, df=None):
        super().__init__(names, estimate, std_error, df=df)
        self.fixed = np.array([name.endswith(" (fixed)") for name in self.names])

    @property
    def statistic(self):
        values = super().statistic
        values[self.fixed] = np.nan
        return values


class DistributionFit(LikelihoodFit):
    """A named distribution fitted by maximum likelihood, in ``scipy.stats``' terms.

    A :class:`~probml.likelihood.LikelihoodFit` whose parameters are
    ``scipy.stats``' full argument list, in its order (shapes, ``loc``,
    ``scale``), the arguments the family holds fixed included (as
    statsmodels reports fixed parameters): ``scipy.stats.<family>(*params_)``
    is the fitted distribution, and :meth:`frozen` returns it.

    Attributes
    ----------
    family : str
        The ``scipy.stats`` name.
    params_ : ndarray
        ``scipy.stats``' arguments, named by ``param_names_``.
    fixed_params_ : dict
        The arguments held fixed, by name, with their values (``{"loc":
        0.0}``: SciPy's ``floc=0``).  Constants: their standard errors and
        their rows of ``cov_params_`` are 0, their intervals the value
        itself, their statistics and p-values NaN (no test); the summary
        marks them ``(fixed)``.
    information_ : ndarray
        The observed information of the estimated parameters alone (in the
        order of ``params_`` without the fixed ones).
    limit_of_ : str or None
        The family asked for, where this fit is its limit (see
        :func:`fit_distribution`); else None.
    """

    _summary_title = "Maximum likelihood fit of a distribution"
    _table_type = _TableWithFixed

    def __init__(self, family, problem, result, *, cov_type, objective, units=(0.0, 1.0)):
        self.family, (self._offset, self._unit) = family, map(float, units)
        self.limit_of_ = None
        super().__init__(_model(family), problem, result, method="mle", cov_type=cov_type,
                         objective=objective)
        if self._unit != 1.0:
            # The fit was to (x - offset) / unit, whose density is unit times that of x.
            units = self._units(self._estimated_names)
            self.information_ = self.information_ / np.outer(units, units)
            self.loglik_ -= self.n_obs_ * math.log(self._unit)
            self.aic_, self.bic_ = information_criteria(self.loglik_, len(units), self.n_obs_)

    def _units(self, names):
        """Each parameter's unit: ``unit`` for those in the units of x, else 1."""
        scaled = _IN_UNITS_OF_X.get(self.family, ())
        return np.array([self._unit if name in scaled else 1.0 for name in names])

    def _in_units_of_x(self, names, values):
        """Estimates (or interval ends, by row) of the fit to (x - offset) / unit in the
        units of x."""
        if (self._offset, self._unit) == (0.0, 1.0):
            return values
        units = self._units(names).reshape((-1,) + (1,) * (np.ndim(values) - 1))
        shift = np.array([self._offset if name == "loc" else 0.0 for name in names])
        return values * units + shift.reshape(units.shape)

    def _store_estimates(self, names, theta):
        """``params_``: ``scipy.stats``' full arguments, the estimates ``theta`` (of the
        parameters ``names``) in the units of x and the fixed arguments beside them."""
        arguments, positions, fixed, _ = _layout(self.family, tuple(names))
        self._estimated_names, self._estimated_positions = list(names), positions
        self.fixed_params_, self.param_names_ = dict(fixed), list(arguments)
        full = np.array([fixed.get(name, 0.0) for name in arguments])
        full[positions] = self._in_units_of_x(names, theta)
        self._results = {"params": full}

    def _reported_covariance(self, cov):
        """The covariance of ``params_``: ``cov`` (of the estimated parameters, on the
        fit's scale) in the units of x, with the fixed arguments' rows and columns.

        A fixed argument is a constant: its standard error, its covariances and the
        half-width of its interval are 0 (so the delta method applies to any function
        of ``params_``), and it has no test (its statistic and p-value are NaN: see
        :class:`_TableWithFixed`).
        """
        names, positions = self._estimated_names, self._estimated_positions
        if self._unit != 1.0:
            units = self._units(names)
            cov = cov * np.outer(units, units)
        if not self.fixed_params_:
            return cov
        full = np.zeros((len(self.param_names_), len(self.param_names_)))
        full[np.ix_(positions, positions)] = cov
        return full

    def _table_names(self):
        """``param_names_``, the fixed arguments marked ``(fixed)``."""
        return list(_layout(self.family, tuple(self._estimated_names))[3])

    def conf_int(self, alpha=0.05, *, level=None, method="wald"):
        intervals = super().conf_int(alpha, level=level, method=method)
        if method == "profile":
            positions = self._estimated_positions
            intervals[positions] = self._in_units_of_x(self._estimated_names,
                                                       intervals[positions])
        return intervals

    conf_int.__doc__ = LikelihoodFit.conf_int.__doc__

    def frozen(self):
        """The fitted distribution: ``scipy.stats.<family>(*params_)``, frozen.

        >>> from probml.likelihood import fit_distribution
        >>> fit = fit_distribution([0.5, 1.5, 3.0, 2.0], "expon")
        >>> fit.frozen().dist.name, [float(v) for v in fit.frozen().args]
        ('expon', [0.0, 1.75])
        """
        check_is_fitted(self, "params_")
        import scipy.stats
        return getattr(scipy.stats, self.family)(*self._result("params"))

    def _summary_info(self):
        return [("Distribution", f"scipy.stats.{self.family}"), *super()._summary_info()[1:]]

    def _summary_notes(self):
        notes = [] if self.limit_of_ is None else [
            f"The {self.limit_of_} fit asked for has no maximum on these data: this is its "
            f"limit, scipy.stats.{self.family}, the supremum of its likelihood."]
        if not self.fixed_params_:
            return notes
        fixed = ", ".join(f"{name} = {value:g}" for name, value in self.fixed_params_.items())
        keywords = ", ".join(f"f{name}={value:g}" for name, value in self.fixed_params_.items())
        return notes + [f"{fixed} fixed, not estimated (scipy.stats' {keywords}); "
                        f"scipy.stats.{self.family}(*params_) is the fitted distribution."]

    def __repr__(self):
        values = ", ".join(f"{name}={value:.6g}" for name, value in
                           zip(self.param_names_, self._result("params")))
        return (f"<DistributionFit of scipy.stats.{self.family}({values}), "
                f"loglik={self.loglik_:.6g}>")
