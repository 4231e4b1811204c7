"""The statistical result of a fit: coefficient tables, intervals and summaries.

A :class:`CoefficientTable` holds estimates and standard errors and derives
the Wald statistics, two-sided p-values and confidence intervals from them,
against a Student-t reference distribution (when the residual degrees of
freedom are known, as in OLS) or the standard normal (asymptotic MLE
inference).  A :class:`Summary` puts a table under a header of model
statistics and renders as text in a terminal and as HTML in a notebook.

Distribution functions come from :mod:`scipy.special`, imported when first
needed, so ``import probml`` stays light.
"""

import html
import math

import numpy as np

from ._blocks import chunk_slices, map_chunks, map_dask_chunks, weighted_gram
from ._validation import (
    LEVEL,
    Optional,
    Options,
    Real,
    as_labels,
    check_array_finite,
    check_is_fitted,
    check_sortable,
    validate_params,
)
from .exceptions import NotFittedError, UndefinedStatisticWarning, warn

# CoefficientInference, as_count, check_standard_errors, gaussian_loglik, information_criteria
# and parameter_names are the estimators' building blocks, called with checked arguments; not
# user entry points.
__all__ = ["CoefficientTable", "EstimateTable", "Summary", "check_counts", "coverage", "critical_value",
           "proportion_interval", "two_sided_pvalue"]

# Below df = 0.01 the t has no finite critical value at most levels, and SciPy's
# incomplete Beta inverse, which gives the others, returns wrong numbers (tested above it).
MIN_DF = 0.01
DEGREES_OF_FREEDOM = Optional(Real(MIN_DF, None,
                                   meaning=" (degrees of freedom; None for the normal)"))
# statsmodels' alpha is an error rate: above one half it would ask for an interval that
# covers less than half, which is always alpha taken for a level.
MAX_ALPHA = 0.5
_ALPHA = Real(0, 1, closed="neither", meaning=" (the error rate: 0.05 for 95% intervals)")


def coverage(alpha=0.05, level=None):
    r"""The coverage of an interval asked for as statsmodels does, ``alpha=0.05`` for 95%,
    or explicitly, ``level=0.95``.

    An ``alpha`` above 0.5 is refused with the level it would have given, so that
    ``conf_int(0.95)`` (a level passed where statsmodels expects alpha) can never
    return a 5% interval.

    >>> coverage(0.05), coverage(level=0.9)
    (0.95, 0.9)
    """
    if level is not None:
        if not (isinstance(alpha, float) and alpha == 0.05):
            raise ValueError(f"Pass alpha (the error rate, statsmodels' convention) or level "
                             f"(the coverage), not both: got alpha={alpha!r} and "
                             f"level={level!r}.")
        return LEVEL(level, "level")
    alpha = _ALPHA(alpha, "alpha")
    if alpha > MAX_ALPHA:
        raise ValueError(f"alpha={alpha:g} is an error rate, as in statsmodels: it would give "
                         f"{1 - alpha:.0%} intervals. For {alpha:.0%} intervals pass "
                         f"level={alpha:g} (or alpha={1 - alpha:.2g}).")
    if 1.0 - alpha == 1.0:
        raise ValueError(f"alpha={alpha:g} is below double precision's resolution of 1 - alpha "
                         "(an interval of coverage 1 to 16 digits): pass alpha >= 1e-16.")
    return 1.0 - alpha

# Counts beyond 2**53 are not exact as doubles, and SciPy's binomial routines
# take 64-bit integers: larger counts are refused before they get there.
MAX_COUNT = 2 ** 53


@validate_params(level=LEVEL, df=DEGREES_OF_FREEDOM)
def critical_value(level, df=None):
    r"""The two-sided critical value :math:`q`: :math:`P(|T| \le q) = \text{level}`.

    Of the Student-t distribution with ``df`` degrees of freedom, or of the
    standard normal when ``df`` is None.  A level above 1/2 is computed from
    the tail probability :math:`(1-\text{level})/2`, which stays exact as the
    level approaches 1 (``0.5 + level/2`` would round to 1 and give
    infinity); a level below 1/2 from the central probability itself, which
    stays exact as it approaches 0 (``0.5 + level/2`` would round to 1/2 and
    give 0): :math:`q = \sqrt2\,\operatorname{erf}^{-1}(\text{level})` for the
    normal, and for the t, :math:`x = q^2/(\nu + q^2)` solves
    :math:`I_x(\tfrac12, \tfrac\nu2) = \text{level}`.

    Examples
    --------
    >>> round(critical_value(0.95), 4)
    1.96
    >>> round(critical_value(0.95, df=10), 4)
    2.2281
    >>> round(critical_value(1 - 1e-16), 3)
    8.292
    >>> round(critical_value(1e-20) / 1e-20, 12)    # sqrt(pi / 2): the density at 0 is 1/sqrt(2 pi)
    1.253314137316
    """
    from scipy import special

    if df is not None and df > _NORMAL_DF:
        df = None
    with np.errstate(divide="ignore", over="ignore"):
        if level > 0.5:
            tail = (1 - level) / 2
            value = -(special.ndtri(tail) if df is None else special.stdtrit(df, tail))
            if df is not None and not abs(value) < 1e150:
                # SciPy's t quantile saturates near 1e153 (a small df); this far out the
                # tail is its leading term: 1 - level = (df/q^2)^(df/2) / ((df/2) B(df/2, 1/2)).
                value = _far_t_quantile(1 - level, df)
        elif df is None:
            value = math.sqrt(2.0) * special.erfinv(level)
        else:
            x = special.betaincinv(0.5, df / 2, level)
            if x <= 1e-280:
                # x = q^2 / df would lose digits to underflow; there the CDF is linear
                # in q to double precision: level = 2 q f(0).
                value = level * _reciprocal_twice_density_at_zero(df)
            else:
                # 1 - x from the mirrored function where x is near 1 (a small df).
                rest = 1 - x if x < 0.5 else special.betaincinv(df / 2, 0.5, 1 - level)
                value = math.sqrt(df * (x / rest)) if rest > 0 else math.inf
    if not math.isfinite(value):
        raise ValueError(f"the critical value at level={level!r} of a t distribution with "
                         f"df={df!r} overflows a float64; use a lower level (or more degrees "
                         "of freedom).")
    return float(value)


# Beyond this many degrees of freedom the t quantiles are the normal's to double precision
# (they differ by a factor 1 + O(1/df)).
_NORMAL_DF = 1e20


def _far_t_quantile(outside, df):
    r""":math:`q` with :math:`P(|T| > q) = ` ``outside`` where :math:`q^2 \gg \nu`.

    There :math:`P(|T| > q) = I_w(\tfrac\nu2, \tfrac12)` with :math:`w = \nu/(\nu + q^2)`
    is its leading term :math:`w^{\nu/2} / (\tfrac\nu2 B(\tfrac\nu2, \tfrac12))` (the
    next is smaller by a factor ~w), solved in logarithms; infinity if q overflows.
    """
    import mpmath

    with mpmath.workdps(30):
        log_norm = float(mpmath.log(mpmath.mpf(df) / 2 * mpmath.beta(mpmath.mpf(df) / 2, 0.5)))
    log_w = (math.log(outside) + log_norm) / (df / 2)
    log_q = 0.5 * (math.log(df) - log_w)
    return math.exp(log_q) if log_q < math.log(np.finfo(float).max) else math.inf


def _reciprocal_twice_density_at_zero(df):
    r""":math:`1/(2 f_\nu(0)) = \sqrt\nu\,B(\tfrac12, \tfrac\nu2)/2` (mpmath: SciPy's Beta
    function keeps only ~10 digits of it for large :math:`\nu`)."""
    import mpmath

    with mpmath.workdps(30):
        return float(mpmath.sqrt(df) * mpmath.beta(0.5, mpmath.mpf(df) / 2) / 2)


@validate_params(df=DEGREES_OF_FREEDOM)
def two_sided_pvalue(statistic, df=None):
    r"""Two-sided p-value :math:`2\,P(T \ge |t|)` of a t (or z, if ``df`` is None) statistic.

    An infinite statistic has p-value 0; a NaN statistic is an error.

    Examples
    --------
    >>> round(float(two_sided_pvalue(1.959963984540054)), 6)
    0.05
    """
    return _two_sided(check_array_finite(statistic, "statistic", allow_inf=True), df)


def _two_sided(statistic, df):
    """Two-sided p-values of validated statistics (NaN, for an undefined one, stays NaN)."""
    from scipy import special

    statistic = np.abs(statistic)
    if df is None:
        return 2 * special.ndtr(-statistic)
    return 2 * special.stdtr(df, -statistic)


def check_counts(successes, trials, *, successes_name="successes", trials_name="trials"):
    """Validate counts of successes out of trials (numbers or arrays); return them as floats.

    Each must be a whole number from 0 to 2**53, with ``trials > 0`` and
    ``successes <= trials``; the arrays must broadcast together.
    """
    checked = []
    for name, values in ((successes_name, successes), (trials_name, trials)):
        values = check_array_finite(values, name)
        bad = (values < 0) | (values != np.round(values)) | (values > MAX_COUNT)
        if np.any(bad):
            first = values[bad].flat[0] if values.ndim else values[()]
            raise ValueError(f"{name} must be whole numbers from 0 to 2**53 (counts), got "
                             f"{first!r}.")
        checked.append(values)
    k, n = checked
    try:
        k, n = np.broadcast_arrays(k, n)
    except ValueError:
        raise ValueError(f"{successes_name} (shape {k.shape}) and {trials_name} (shape "
                         f"{n.shape}) must have the same shape.") from None
    if np.any(n == 0):
        raise ValueError(f"every rate needs {trials_name} > 0.")
    excess = np.atleast_1d(k > n)
    if np.any(excess):
        raise ValueError(f"{successes_name} cannot exceed {trials_name} (first at position "
                         f"{int(np.flatnonzero(excess.ravel())[0])}).")
    return k[()] if k.ndim == 0 else k.copy(), n[()] if n.ndim == 0 else n.copy()


@validate_params(level=LEVEL, method=Options("wilson", "exact", "jeffreys"))
def proportion_interval(successes, trials, level=0.95, method="wilson"):
    r"""Confidence interval for a binomial proportion :math:`k/n`, elementwise over arrays.

    ``"wilson"``: the score interval, inverting the score test,

    .. math:: \frac{\hat p + \frac{z^2}{2n} \pm z\sqrt{\frac{\hat p(1-\hat p)}{n}
        + \frac{z^2}{4n^2}}}{1 + z^2/n};

    ``"exact"``: Clopper-Pearson, the Beta quantiles
    :math:`B^{-1}_{k, n-k+1}(\tfrac{1-\text{level}}2)` and
    :math:`B^{-1}_{k+1, n-k}(\tfrac{1+\text{level}}2)` (conservative);
    ``"jeffreys"``: the equal-tailed Beta(k + 1/2, n - k + 1/2) interval, closed at
    0 when k = 0 and at 1 when k = n (Brown, Cai & DasGupta 2001).

    Returns
    -------
    low, high : ndarray or float

    Examples
    --------
    >>> [round(float(end), 4) for end in proportion_interval(7, 10)]
    [0.3968, 0.8922]
    """
    from scipy.special import betaincinv

    k, n = check_counts(successes, trials)
    if method == "wilson":
        z = critical_value(level)
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    tail = (1 - level) / 2
    if method == "exact":               # Clopper-Pearson: Beta quantiles of the counts
        low = np.where(k > 0, betaincinv(np.maximum(k, 1e-300), n - k + 1, tail), 0.0)
        high = np.where(k < n, betaincinv(k + 1, np.maximum(n - k, 1e-300), 1 - tail), 1.0)
        return low, high
    low = np.where(k > 0, betaincinv(k + 0.5, n - k + 0.5, tail), 0.0)
    high = np.where(k < n, betaincinv(k + 0.5, n - k + 0.5, 1 - tail), 1.0)
    return low, high


class CoefficientTable:
    """Estimates with standard errors, Wald statistics, p-values and intervals.

    Parameters
    ----------
    names : sequence of str
        One name per parameter.
    estimate, std_error : array-like
        Point estimates (finite) and their standard errors (>= 0; NaN marks
        one that is undefined, and its statistic, p-value and interval are
        NaN too).
    df : float or None
        Degrees of freedom of the Student-t reference distribution, or None
        for the standard normal (large-sample MLE inference).

    Examples
    --------
    >>> table = CoefficientTable(["a", "b"], [2.0, 0.5], [1.0, 0.5], df=None)
    >>> table.statistic
    array([2., 1.])
    >>> table.conf_int(0.95).round(3)
    array([[ 0.04,  3.96],
           [-0.48,  1.48]])
    """

    def __init__(self, names, estimate, std_error, *, df=None):
        if isinstance(names, str) or not hasattr(names, "__len__"):
            raise TypeError(f"names must be a sequence of parameter names, got {names!r}.")
        self.names = [str(name) for name in names]
        self.estimate = check_array_finite(estimate, "estimate")
        self.std_error = check_array_finite(std_error, "std_error", allow_nan=True,
                                            allow_inf=True)
        for label, values in (("estimate", self.estimate), ("std_error", self.std_error)):
            if values.shape != (len(self.names),):
                raise ValueError(f"{label} must have one entry per name ({len(self.names)}), "
                                 f"got shape {values.shape}.")
        if np.any(self.std_error < 0):
            raise ValueError("std_error must be >= 0 (a standard error is a square root).")
        self.df = DEGREES_OF_FREEDOM(df, "df")

    @property
    def statistic_name(self):
        """'t' for a Student-t reference distribution, 'z' for the normal."""
        return "z" if self.df is None else "t"

    @property
    def statistic(self):
        r"""Wald statistics :math:`\hat\theta_j / \mathrm{se}(\hat\theta_j)`.

        A parameter estimated exactly (standard error 0, as in an exact fit)
        has an infinite statistic.
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.estimate / self.std_error

    @property
    def pvalues(self):
        """Two-sided p-values of the hypotheses that each parameter is zero."""
        return _two_sided(self.statistic, self.df)

    def conf_int(self, level=0.95):
        r"""Wald intervals :math:`\hat\theta \pm q \cdot \mathrm{se}`, shape (n_params, 2)."""
        level = LEVEL(level, "level")
        with np.errstate(over="ignore", invalid="ignore"):
            # An infinite standard error (a direction the data leave free) gives the
            # whole line at any level.
            half_width = np.where(np.isinf(self.std_error), np.inf,
                                  critical_value(level, self.df) * self.std_error)
            return np.column_stack([self.estimate - half_width, self.estimate + half_width])

    def records(self, level=0.95):
        """One dict per parameter: name, coef, std_err, the statistic (``t`` or ``z``),
        p_value and the interval's ci_lower and ci_upper."""
        interval = self.conf_int(level)
        return [{"name": name, "coef": float(est), "std_err": float(se),
                 self.statistic_name: float(stat), "p_value": float(p),
                 "ci_lower": float(lo), "ci_upper": float(hi)}
                for name, est, se, stat, p, (lo, hi) in zip(
                    self.names, self.estimate, self.std_error, self.statistic, self.pvalues,
                    interval)]

    def rows(self, level=0.95):
        """The table as rows of strings, header first."""
        low, high = (1 - level) / 2, 1 - (1 - level) / 2
        header = ["", "coef", "std err", self.statistic_name,
                  f"P>|{self.statistic_name}|", f"[{low:g}", f"{high:g}]"]
        interval = self.conf_int(level)
        body = [
            [name, format_number(est), format_number(se), format_number(stat, 3), f"{p:.3f}",
             format_number(lo), format_number(hi)]
            for name, est, se, stat, p, (lo, hi) in zip(
                self.names, self.estimate, self.std_error, self.statistic,
                self.pvalues, interval)
        ]
        return [header] + body


class EstimateTable:
    """Point estimates without a sampling distribution (a penalised fit such as the Lasso):
    the rows of a :class:`Summary` with the estimates alone.

    >>> EstimateTable(["a", "b"], [1.5, 0.0]).records()
    [{'name': 'a', 'coef': 1.5}, {'name': 'b', 'coef': 0.0}]
    """

    def __init__(self, names, estimate):
        self.names = [str(name) for name in names]
        self.estimate = check_array_finite(estimate, "estimate")

    def records(self, level=0.95):
        return [{"name": name, "coef": float(value)}
                for name, value in zip(self.names, self.estimate)]

    def rows(self, level=0.95):
        return [["", "coef"]] + [[name, format_number(value)]
                                 for name, value in zip(self.names, self.estimate)]


def format_number(value, digits=4):
    """Format like statsmodels: fixed point where readable, else scientific."""
    if not np.isfinite(value):
        return str(value)
    magnitude = abs(value)
    if magnitude != 0 and (magnitude >= 1e6 or magnitude < 10 ** (-digits)):
        return f"{value:.{digits}e}"
    return f"{value:.{digits}f}"


def as_count(value):
    """A count for a summary: an ``int`` when ``value`` is a whole number (a number of
    rows, degrees of freedom, iterations; a sum of frequency weights too), else the
    float it is (a penalised fit's effective degrees of freedom).

    >>> as_count(12.0), as_count(9.37)
    (12, 9.37)
    """
    value = float(value)
    return int(value) if value.is_integer() else value


def _statistic(value):
    """A summary's value as a plain Python one: ``int`` (a count), ``float`` (a statistic)
    or ``str`` (a setting or a label, such as the covariance type)."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    return str(value)


def _shown(value):
    """How a summary's value reads: a count as its digits, a statistic as statsmodels
    writes it, text as it is."""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_number(value)
    return value


class Summary:
    """A model summary: a title, model statistics, a coefficient table and notes.

    ``str(summary)`` is a fixed-width text table; in a notebook the summary
    renders as HTML (``_repr_html_``).  A statistic given as an ``int`` is a count
    (observations, degrees of freedom, iterations: :func:`as_count`) and reads as a
    whole number in the text, the HTML and :meth:`to_dict`; a ``float`` is a
    statistic, written as statsmodels writes it; text is a setting or a label.

    >>> table = CoefficientTable(["a"], [2.0], [1.0])
    >>> print(Summary("A fit", [("No. observations", 7), ("AIC", 9.5)], table).info)
    [('No. observations', '7'), ('AIC', '9.5000')]
    """

    def __init__(self, title, info, table, *, level=0.95, notes=()):
        self.title = title
        self.values = [(str(k), _statistic(v)) for k, v in info]
        self.info = [(k, _shown(v)) for k, v in self.values]
        self.table = table
        self.level = level
        self.notes = list(notes)

    def to_dict(self):
        """The summary as plain data (for JSON or CSV): the title, the model statistics
        (counts as ``int``, statistics as ``float``, settings as text), one record per
        parameter and the notes.

        >>> table = CoefficientTable(["a"], [2.0], [1.0])
        >>> record = Summary("A fit", [("AIC", 9.5)], table).to_dict()["parameters"][0]
        >>> record["name"], record["coef"], record["z"], round(record["p_value"], 4)
        ('a', 2.0, 2.0, 0.0455)
        """
        return {"title": self.title, "level": float(self.level),
                "statistics": dict(self.values),
                "parameters": self.table.records(self.level), "notes": list(self.notes)}

    def __str__(self):
        rows = self.table.rows(self.level)
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(cell.rjust(w) if i else cell.ljust(w)
                           for i, (cell, w) in enumerate(zip(row, widths)))
                 for row in rows]
        width = max(len(lines[0]), len(self.title))
        half = (len(self.info) + 1) // 2
        info_lines = []
        left, right = self.info[:half], self.info[half:]
        key_width = max((len(k) for k, _ in self.info), default=0)
        for i, (key, value) in enumerate(left):
            text = f"{key + ':':<{key_width + 1}} {value:>12}"
            if i < len(right):
                rkey, rvalue = right[i]
                text += f"    {rkey + ':':<{key_width + 1}} {rvalue:>12}"
            info_lines.append(text)
        width = max([width] + [len(line) for line in info_lines])
        rule, thin = "=" * width, "-" * width
        out = [self.title.center(width), rule, *info_lines, rule, lines[0], thin,
               *lines[1:], rule]
        out += [f"Note: {note}" for note in self.notes]
        return "\n".join(out)

    def __repr__(self):
        return str(self)

    def _repr_html_(self):
        esc = html.escape
        info = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in self.info)
        rows = self.table.rows(self.level)
        head = "".join(f"<th>{esc(c)}</th>" for c in rows[0])
        body = "".join(
            "<tr><th>" + esc(row[0]) + "</th>"
            + "".join(f"<td>{esc(c)}</td>" for c in row[1:]) + "</tr>"
            for row in rows[1:])
        notes = "".join(f"<p>Note: {esc(n)}</p>" for n in self.notes)
        return (f"<div><h4>{esc(self.title)}</h4><table>{info}</table>"
                f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                f"{notes}</div>")


def summary_html(fitted):
    """A notebook's view of a model (``_repr_html_``): its summary table once fitted, or
    before the fit (or for a model without a summary) its ``repr``."""
    summary = getattr(fitted, "summary", None)
    if callable(summary):
        try:
            return summary()._repr_html_()
        except NotFittedError:
            pass
    return f"<pre>{html.escape(repr(fitted))}</pre>"


# -- what every likelihood fit reports ----------------------------------------------

def parameter_names(feature_names, n_features, fit_intercept):
    """Names of the parameter vector: ``intercept`` first, then the features."""
    names = ([str(name) for name in feature_names] if feature_names is not None
             else [f"x{j}" for j in range(n_features)])
    return ["intercept", *names] if fit_intercept else names


def gaussian_loglik(n, variance):
    r"""The Gaussian log-likelihood of ``n`` observations at the MLE of the variance.

    .. math:: \max_{\sigma^2} \ell = -\frac n2\left(\log 2\pi + \log\hat\sigma^2 + 1\right),
        \qquad \hat\sigma^2 = \frac1n\sum_i (y_i - \hat y_i)^2,

    ``+inf`` for a perfect fit (:math:`\hat\sigma^2 = 0`).  ``Normal`` passes
    the variance about the mean, ``LinearRegression`` ``RSS / n``.

    >>> round(gaussian_loglik(10, 1.0), 4)
    -14.1894
    """
    if variance == 0:
        return math.inf
    return -0.5 * n * (math.log(2 * math.pi) + math.log(variance) + 1)


def rounding_level_rss(magnitude, n_params, condition=0.0):
    r"""The residual sum of squares that rounding alone leaves in an exact fit.

    A residual :math:`e_i = y_i - \sum_j a_{ij}\theta_j` is the difference of
    :math:`k + 1` terms of total magnitude :math:`u_i = |y_i| + \sum_j
    |a_{ij}\theta_j|`.  Each datum is a double, the nearest to the value meant
    (relative error up to :math:`\epsilon/2`); each estimate is rounded too;
    and forming the difference in floating point adds up to :math:`k\epsilon
    u_i` more (Higham, *Accuracy and Stability of Numerical Algorithms*, 2002,
    §3.1).  So when the model fits exactly, the computed residuals can still be
    as large as :math:`(k + 1)\epsilon u_i`, and with ``magnitude``
    :math:`M \ge \lVert u\rVert`

    .. math:: \mathrm{RSS}_{\text{round}} = \big((k + 1 + \kappa)\,\epsilon M\big)^2,

    where ``condition`` :math:`\kappa` adds a solver's own error when its
    residuals are those of coefficients off by :math:`\kappa\epsilon` in the
    directions the data determine (the normal equations'; 0 for an exact or
    refined solution).  An RSS at or below this level cannot be told from an
    exact fit: the noise variance it gives measures rounding, and t, z and F
    statistics built on it mean nothing.  (R's ``summary.lm`` warns of an
    "essentially perfect fit" at a similar level, a residual variance below
    :math:`10^{-30}` of the fitted values' mean square.)

    >>> bool(rounding_level_rss(1.0, 1) == (2 * np.finfo(float).eps) ** 2)
    True
    """
    with np.errstate(over="ignore"):
        return float(((n_params + 1 + condition) * np.finfo(float).eps * magnitude) ** 2)


def check_standard_errors(bse):
    """A clear error where standard errors overflow float64 (rather than an infinite one)."""
    if np.any(np.isinf(bse)):
        raise ValueError("The standard errors overflow float64: y is very large against X "
                         "(or X very small); rescale them.")


def information_criteria(loglik, n_params, n_obs):
    r"""Akaike's and Schwarz's criteria from a maximised log-likelihood.

    .. math:: \mathrm{AIC} = -2\ell + 2k,\qquad \mathrm{BIC} = -2\ell + k\log n,

    with :math:`k` estimated parameters and :math:`n` observations.

    >>> information_criteria(-10.0, 2, 100)[0]
    24.0
    """
    return -2.0 * loglik + 2.0 * n_params, -2.0 * loglik + math.log(n_obs) * n_params


def _fitted_result(name, matrix=False):
    """A fitted result as a property: an array, or labelled by the parameter names (a pandas
    Series, or DataFrame for a matrix) when the estimator was fitted on a data frame."""
    def get(self):
        values = self.__dict__.get("_results", {}).get(name)
        if values is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute "
                                 f"'{name}_' (it is set by fit)")
        return self._labelled(values, matrix)
    return property(get, doc=f"``{name}``, labelled when fitted on a data frame.")


class CoefficientInference:
    """conf_int and summary for estimators that store a ``CoefficientTable``.

    ``params_``, ``bse_``, ``tvalues_``, ``pvalues_``, ``cov_params_`` and
    ``conf_int()`` are arrays, or, when the estimator was fitted on a pandas
    DataFrame, a Series or DataFrame labelled with the parameter names, as
    statsmodels returns them (pandas is imported only then).
    """

    # The table's class (a subclass may mark rows its model holds fixed).
    _table_type = CoefficientTable
    params_ = _fitted_result("params")
    bse_ = _fitted_result("bse")
    tvalues_ = _fitted_result("tvalues")
    pvalues_ = _fitted_result("pvalues")
    cov_params_ = _fitted_result("cov_params", matrix=True)

    def _labelled(self, values, matrix=False, columns=None):
        if not getattr(self, "_fitted_on_pandas", False):
            return values
        import pandas as pd

        names = self.table_.names
        if matrix:
            return pd.DataFrame(values, index=names, columns=names if columns is None else columns)
        return pd.Series(values, index=names)

    def _result(self, name):
        """A fitted result as the array it was computed as (for the estimator's own use)."""
        return self.__dict__["_results"][name]

    def conf_int(self, alpha=0.05, *, level=None):
        """Confidence intervals, shape (n_params, 2), the intercept first.

        Parameters
        ----------
        alpha : float in (0, 0.5]
            The error rate, as in statsmodels: ``alpha=0.05`` gives 95%
            intervals (an ``alpha`` above 0.5 is refused, see :func:`coverage`).
        level : float in (0, 1), optional
            The coverage instead, e.g. ``level=0.95``.
        """
        self._check_inference()
        return self._labelled(self.table_.conf_int(coverage(alpha, level)), True, [0, 1])

    def _repr_html_(self):
        return summary_html(self)

    def summary(self, alpha=0.05, *, level=None):
        """A table of the fit: text in a terminal, HTML in a notebook (intervals at
        ``1 - alpha``, or ``level``)."""
        self._check_inference()
        return Summary(self._summary_title, self._summary_info(), self.table_,
                       level=coverage(alpha, level), notes=self._summary_notes())

    def _check_inference(self):
        check_is_fitted(self, "table_")

    def _summary_notes(self):
        return []

    def _store_table(self, names, params, cov, df, noise_variance=1.0, *, exact=False):
        r"""Store the coefficient table for ``noise_variance`` times the covariance ``cov``.

        The standard errors are :math:`\hat\sigma\sqrt{v_{jj}}`, not
        :math:`\sqrt{\hat\sigma^2 v_{jj}}`: the product of the two factors can
        leave double precision (data in units near 1e-150) when neither
        factor, nor the standard error itself, does.  ``exact`` marks a fit
        exact to working precision (:func:`probml.models.base.warn_exact_fit`): the standard
        errors are kept, and the statistics, p-values and intervals are NaN.
        """
        params = np.asarray(params, dtype=float)
        with np.errstate(under="ignore", over="ignore"):
            cov_params = noise_variance * cov
            bse = np.sqrt(noise_variance) * np.sqrt(np.clip(np.diagonal(cov), 0, None))
        check_standard_errors(bse)
        table_errors = bse
        if df is not None and 0 < df < MIN_DF:
            warn(
                f"{type(self).__name__} leaves {df:.3g} residual degrees of freedom: sigma_ and "
                "bse_ rest on almost no residual information, and a Student-t reference with "
                f"fewer than {MIN_DF} degrees of freedom has no usable quantiles, so the "
                "t statistics, p-values and intervals are NaN. Use a larger alpha or fewer "
                "features.", UndefinedStatisticWarning)
            table_errors = np.full_like(bse, np.nan)
        if exact:
            table_errors = np.full_like(bse, np.nan)
        self.table_ = self._table_type(names, params, table_errors,
                                       df=df if df is not None and df >= MIN_DF else None)
        self._results = {"params": params, "cov_params": cov_params, "bse": bse,
                         "tvalues": self.table_.statistic, "pvalues": self.table_.pvalues}


# -- heteroskedasticity- and cluster-robust covariances -----------------------------

#: The covariance types of a least-squares fit: the model's, White's and its three
#: small-sample refinements, and clustered.
COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster")
# A leverage this close to 1 leaves the HC2/HC3 weight e^2 / (1 - h)^k undefined.
_LEVERAGE_ONE = 1e-10


def cluster_codes(groups, n, cov_type):
    """The clusters of ``groups`` as codes 0..G-1 (None unless ``cov_type="cluster"``)."""
    if cov_type != "cluster":
        if groups is not None:
            raise ValueError(f"groups is for cov_type='cluster'; got cov_type={cov_type!r}.")
        return None
    if groups is None:
        raise ValueError("cov_type='cluster' needs the cluster of each row: pass groups to fit.")
    labels = as_labels(groups, "groups")
    if labels.ndim != 1 or len(labels) != n:
        raise ValueError(f"groups must give one cluster label per row of X ({n}), got shape "
                         f"{labels.shape}.")
    if labels.dtype.kind in "fc" and not np.all(np.isfinite(labels)):
        raise ValueError("groups must be cluster labels, not NaN or infinite numbers.")
    check_sortable(labels, "groups", "cluster labels")
    unique, codes = np.unique(labels, return_inverse=True)
    if len(unique) < 2:
        raise ValueError("cov_type='cluster' needs at least two clusters in groups, got "
                         f"{len(unique)}.")
    return codes


def _column_norms(A):
    """The Euclidean norms of the columns of ``A``, each summed over the column divided by its
    largest magnitude, so that squares of values near 1e-160 or 1e160 neither underflow
    nor overflow."""
    largest = np.max(np.abs(A), axis=0, initial=0.0)
    largest = np.where(largest > 0, largest, 1.0)
    with np.errstate(under="ignore"):
        return largest * np.linalg.norm(A / largest, axis=0)


def _scaled_qr(A):
    """``Q, R, norms`` with ``A / norms = QR``: the columns scaled to unit norm first, so
    that the factorisation's accuracy does not depend on their units."""
    norms = _column_norms(A)
    norms = np.where(norms > 0, norms, 1.0)
    Q, R = np.linalg.qr(A / norms)
    return Q, R, norms


def leverages(X, intercept=True):
    r"""The diagonal of the hat matrix :math:`H = A(A^\top A)^{-1}A^\top`,
    :math:`h_i = \lVert q_i\rVert^2` for the rows of :math:`Q` in :math:`AD = QR`
    (accurate where :math:`a_i^\top (A^\top A)^{-1} a_i` loses digits to an
    ill-conditioned design).

    >>> leverages(np.array([[0.0], [1.0], [2.0]])).round(4)
    array([0.8333, 0.3333, 0.8333])
    """
    A = np.column_stack([np.ones(len(X)), X]) if intercept else X
    Q = _scaled_qr(A)[0]
    return np.einsum("ij,ij->i", Q, Q)


def robust_covariance(X, residuals, bread=None, *, intercept, cov_type, df_resid,
                      groups=None, leverage=None):
    r"""The sandwich :math:`B M B` of a least-squares (or other M-) estimate, as statsmodels
    computes it.

    With :math:`a_i = (1, x_i)` (or :math:`x_i`), the bread :math:`B` and the
    residuals (or per-observation scores in the linear predictor) :math:`e_i`,

    .. math:: M_{\mathrm{HC0}} = \sum_i e_i^2 a_i a_i^\top,\quad
        \mathrm{HC1} = \tfrac{n}{n - k}\mathrm{HC0},\quad
        M_{\mathrm{HC2}} = \sum_i \frac{e_i^2}{1 - h_i} a_i a_i^\top,\quad
        M_{\mathrm{HC3}} = \sum_i \frac{e_i^2}{(1 - h_i)^2} a_i a_i^\top,

    with the leverages :math:`h_i` (White 1980; MacKinnon and White 1985), and
    for clusters :math:`g` with scores :math:`s_g = \sum_{i \in g} e_i a_i`,
    :math:`\frac{G}{G - 1}\frac{n - 1}{n - k}\sum_g s_g s_g^\top`.

    For least squares (``bread=None``, :math:`B = (A^\top A)^{-1}`) everything is
    computed in the frame of :math:`A D = QR` (:math:`D` scaling the columns to
    unit norm): :math:`h_i = \lVert q_i\rVert^2` and
    :math:`B M B = T\,(Q^\top W Q)\,T^\top` with :math:`T = D R^{-1}`, so an
    ill-conditioned design costs no more digits than it must.  Otherwise
    (a GLM's inverse information) the rows :math:`a_i` are used as they are,
    and HC2 and HC3 take the model's ``leverage``.  One pass over row chunks
    (:func:`~probml._blocks.map_chunks`).  HC2 and HC3 are undefined where a
    leverage is 1 (that point alone sets a parameter): NaN.

    Parameters
    ----------
    X : ndarray of shape (n, p)
    residuals : ndarray of shape (n,)
    bread : ndarray of shape (k, k), optional
        The bread, the intercept first; None for least squares.
    intercept : bool
    cov_type : one of ``COV_TYPES`` but ``"nonrobust"``
    df_resid : float
        :math:`n - k`.
    groups : ndarray of int codes 0..G-1, for ``"cluster"``
    leverage : ndarray of shape (n,), optional
        The leverages :math:`h_i`, for HC2 and HC3 with a ``bread`` given.
    """
    n = len(X)
    A = np.column_stack([np.ones(n), X]) if intercept else X
    if bread is None:
        Q, R, norms = _scaled_qr(A)
        rows_of, transform = Q, np.linalg.pinv(R) / norms[:, None]
    else:
        rows_of, transform = A, bread
    k = rows_of.shape[1]
    if cov_type == "cluster":
        n_groups = int(groups.max()) + 1

        def group_scores(rows):
            scores = residuals[rows, None] * rows_of[rows]
            return np.column_stack([np.bincount(groups[rows], scores[:, j], n_groups)
                                    for j in range(k)])
        sums = sum(map_chunks(group_scores, chunk_slices(n)))
        meat = sums.T @ sums
        correction = n_groups / (n_groups - 1) * (n - 1) / df_resid
    else:
        power = HC_POWER[cov_type]
        if power and bread is not None and leverage is None:
            raise ValueError(f"cov_type={cov_type!r} needs the leverages: pass leverage.")

        def weighted(rows):
            h = None
            if power:
                h = (np.einsum("ij,ij->i", rows_of[rows], rows_of[rows]) if leverage is None
                     else leverage[rows])
            return hc_meat(rows_of[rows], residuals[rows], power, h)
        meat, correction = summed_meat(map_chunks(weighted, chunk_slices(n)), cov_type, n,
                                       df_resid)
    return sandwich(transform, meat, correction)


def sandwich(bread, meat, correction=1.0):
    r""":math:`c\,B M B^\top`, made exactly symmetric."""
    covariance = correction * (bread @ meat @ bread.T)
    return 0.5 * (covariance + covariance.T)


#: The power k of 1 - h in each HC covariance's weights e^2 / (1 - h)^k.
HC_POWER = {"HC0": 0, "HC1": 0, "HC2": 1, "HC3": 2}


def hc_meat(rows, residuals, power, leverage):
    r"""One block's :math:`\sum_i e_i^2 a_i a_i^\top / (1 - h_i)^k` (HC0-HC3's meat, ``k``
    = ``power``, the rows :math:`a_i` and leverages :math:`h_i` given), and whether a
    leverage in it is 1 (its weight is then NaN)."""
    weight, one = residuals ** 2, False
    if power:
        one = bool(np.any(leverage >= 1 - _LEVERAGE_ONE))
        with np.errstate(divide="ignore", invalid="ignore"):
            weight = np.where(leverage < 1 - _LEVERAGE_ONE, weight / (1 - leverage) ** power,
                              np.nan)
    return weighted_gram(rows, weight), one


def summed_meat(parts, cov_type, n, df_resid):
    r"""The blocks' meats (:func:`hc_meat`) summed, and HC1's correction :math:`n/(n-k)`
    (else 1); a warning where a leverage is 1."""
    if any(part[1] for part in parts):
        warn(f"A point has leverage 1 (it alone determines a parameter), where "
             f"{cov_type}'s weight e^2/(1 - h)^k is undefined: the standard errors "
             "are NaN. Use cov_type='HC0' or 'HC1'.", UndefinedStatisticWarning)
    return sum(part[0] for part in parts), n / df_resid if cov_type == "HC1" else 1.0


def robust_covariance_chunks(X, y, params, bread, *, intercept, cov_type, df_resid):
    r"""HC0-HC3 (:func:`robust_covariance`) of least squares on Dask ``X`` and ``y``, one
    pass over their row chunks.

    The bread is the fit's :math:`(A^\top A)^{-1}` (from the merged statistics),
    the residuals :math:`e_i = y_i - a_i^\top\hat\beta` and the leverages
    :math:`h_i = a_i^\top (A^\top A)^{-1} a_i` are formed chunk by chunk, and
    each chunk's meat is :func:`robust_covariance`'s.
    """
    power = HC_POWER[cov_type]

    def chunk(start, X, y):
        rows = np.column_stack([np.ones(len(X)), X]) if intercept else X
        leverage = np.einsum("ij,jk,ik->i", rows, bread, rows) if power else None
        return hc_meat(rows, y - rows @ params, power, leverage)

    return sandwich(bread, *summed_meat(map_dask_chunks(chunk, X, y), cov_type, X.shape[0],
                                        df_resid))


# -- predictions with their uncertainty ----------------------------------------------

class Prediction:
    r"""Predictions with their uncertainty, as statsmodels' ``get_prediction(...)``.

    For a linear predictor :math:`\hat\eta = a^\top\hat\beta` with standard error
    :math:`\mathrm{se}(\hat\eta) = \sqrt{a^\top \widehat{\mathrm{Cov}}(\hat\beta)\, a}`
    and a mean :math:`\mu = g^{-1}(\eta)`:

    - ``predicted_mean`` :math:`g^{-1}(\hat\eta)` and ``se_mean``
      :math:`|\mathrm d\mu/\mathrm d\eta|\,\mathrm{se}(\hat\eta)` (delta method);
    - the mean's interval :math:`g^{-1}(\hat\eta \pm q\,\mathrm{se}(\hat\eta))`, on
      the linear predictor's scale and transformed (inside the mean's range);
    - for least squares (identity link, noise variance :math:`\hat\sigma^2`) the
      prediction interval of a new observation,
      :math:`\hat\mu \pm q\sqrt{\mathrm{se}(\hat\mu)^2 + \hat\sigma^2}`;

    :math:`q` the t quantile with the fit's residual degrees of freedom, or the
    normal one.
    """

    def __init__(self, linear, linear_se, *, df=None, inverse_link=None, slope=None,
                 noise_variance=None, index=None):
        self.linear, self.linear_se, self.df = linear, linear_se, df
        self._inverse_link = inverse_link if inverse_link is not None else (lambda eta: eta)
        with np.errstate(all="ignore"):
            self.predicted_mean = self._inverse_link(linear)
            self.se_mean = (np.abs(slope(linear)) if slope is not None else 1.0) * linear_se
        _refuse_overflow(self.predicted_mean, "prediction")
        self.noise_variance, self.index = noise_variance, index

    @property
    def se_obs(self):
        """The standard error of a new observation (least squares only)."""
        self._need_observations()
        return np.hypot(self.se_mean, np.sqrt(self.noise_variance))

    def _need_observations(self):
        if self.noise_variance is None:
            raise ValueError("Prediction intervals for new observations are defined for least "
                             "squares (a Gaussian noise variance); this model has none.")

    def conf_int(self, alpha=0.05, *, level=None, obs=False):
        """Intervals for the mean (or, with ``obs``, for a new observation), shape (n, 2)."""
        q = critical_value(coverage(alpha, level), self.df)
        with np.errstate(all="ignore"):
            if obs:
                half = q * self.se_obs
                ends = np.column_stack([self.predicted_mean - half, self.predicted_mean + half])
            else:
                ends = np.column_stack([self._inverse_link(self.linear - q * self.linear_se),
                                        self._inverse_link(self.linear + q * self.linear_se)])
        # An infinite standard error (a direction the data leave free) gives the whole line.
        _refuse_overflow(np.where(np.isinf(np.asarray(self.linear_se))[:, None], 0.0, ends),
                         "interval")
        return np.sort(ends, axis=1)          # a decreasing link swaps the ends

    def summary_frame(self, alpha=0.05, *, level=None):
        """statsmodels' table: ``mean``, ``mean_se``, ``mean_ci_lower``, ``mean_ci_upper``
        and, for least squares, ``obs_ci_lower``, ``obs_ci_upper`` (a pandas DataFrame,
        indexed as the rows predicted when they came as one)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("summary_frame returns a pandas DataFrame: install pandas, or "
                              "use predicted_mean, se_mean and conf_int().") from None
        mean_ci = self.conf_int(alpha, level=level)
        columns = {"mean": self.predicted_mean, "mean_se": self.se_mean,
                   "mean_ci_lower": mean_ci[:, 0], "mean_ci_upper": mean_ci[:, 1]}
        if self.noise_variance is not None:
            obs_ci = self.conf_int(alpha, level=level, obs=True)
            columns.update(obs_ci_lower=obs_ci[:, 0], obs_ci_upper=obs_ci[:, 1])
        return pd.DataFrame(columns, index=self.index)


def _refuse_overflow(values, what):
    """An error naming the first row of X where ``values`` left float64 (beyond 1.8e308)."""
    unbounded = ~np.isfinite(np.atleast_1d(np.asarray(values, dtype=float)))
    if np.any(unbounded):
        row = int(np.argwhere(unbounded)[0][0])
        raise ValueError(f"The {what} at row {row} of X overflows float64 (it is beyond "
                         "1.8e308): X is far outside the data the model was fitted on, or "
                         "needs rescaling.")


def linear_predictor_se(X, cov, intercept):
    r""":math:`\sqrt{a_i^\top C a_i}` for each row, :math:`a_i = (1, x_i)` or :math:`x_i`.

    In correlation form, :math:`a_i^\top C a_i = u_i^\top R\, u_i` with
    :math:`u_{ij} = a_{ij}\sqrt{C_{jj}}` (each column's contribution, in the
    units of the prediction) and :math:`R = S^{-1} C S^{-1}`,
    :math:`S = \operatorname{diag}(\sqrt{C_{jj}})`; each :math:`u_i` is then
    scaled by its largest entry :math:`s_i`, so the quadratic form neither
    overflows nor underflows where the standard error itself is representable,
    columns of any units alike (one near 1e-150, another near 1e150).
    """
    A = np.column_stack([np.ones(len(X)), X]) if intercept else np.asarray(X, dtype=float)
    root = np.sqrt(np.clip(np.diagonal(cov), 0.0, None))
    unit = np.where(root > 0, root, 1.0)
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        contribution = A * root
        correlation = cov / unit[:, None] / unit[None, :]
        scale = np.max(np.abs(contribution), axis=1, initial=0.0)
        scale = np.where((scale > 0) & np.isfinite(scale), scale, 1.0)
        scaled = contribution / scale[:, None]
        return scale * np.sqrt(np.clip(np.einsum("ij,jk,ik->i", scaled, correlation, scaled),
                                       0.0, None))
