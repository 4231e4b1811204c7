r"""Derived expressions compiled once into vectorised NumPy functions.

The expressions of a model (the per-observation log-density, its first and
second derivatives) share most of their work, so they are compiled together
after common-subexpression elimination (``sympy.cse``).  The subexpressions
that depend on the data alone (a :math:`\log x_i`, a :math:`\log x_i!`) are
split off into a *data stage* computed once per fit; the *parameter stage*
that Newton's method calls each iteration computes only what changes with
the parameters.  Compiled models are cached by their expressions, so a
family compiles once per process.

Special functions print to :mod:`scipy.special` (``gammaln``, ``digamma``,
``polygamma``, ``erfc``...), evaluated in double precision without overflow:
:math:`\log \Gamma` is never :math:`\log` of an overflowing :math:`\Gamma`.
"""

import functools

import numpy as np
import sympy as sp
from scipy.special import digamma, expit, gamma, gammaln, xlogy, zeta

__all__ = ["MODULES", "Compiled", "compile_expressions", "loggamma", "polygamma", "stable"]

# Arrays of at least this many whole numbers up to LOG_FACTORIAL_TABLE take log Gamma
# from a table (counts: log y!, log binomial coefficients).
LOG_FACTORIAL_ROWS, LOG_FACTORIAL_TABLE = 4096, 1 << 16


def stable(expr):
    r"""``expr`` rewritten so that it evaluates without overflow.

    :math:`\log x!` and :math:`\log\Gamma(z)` become ``loggamma``,
    :math:`\log\binom{a}{b}` a difference of ``loggamma``, and
    :math:`\log(e^u)`-type products are expanded, so that a count of 200 or
    a shape of 500 does not overflow an intermediate factorial.  The argument
    of a logarithm is put over one denominator first, so that
    :math:`\log(1 - \sigma(\eta))` becomes
    :math:`-\eta - \log(1 + e^{-\eta})` rather than the logarithm of a
    difference that rounds to 0 once :math:`\eta > 37`; at compile time
    :math:`\log(1 + e^z)` is evaluated as ``logaddexp(0, z)``, which does
    not overflow.
    """
    def log_of_special(e):
        return isinstance(e, sp.log) and isinstance(e.args[0], (sp.factorial, sp.gamma,
                                                                 sp.binomial))

    def rewrite(e):
        inner = e.args[0]
        if isinstance(inner, sp.factorial):
            return sp.loggamma(inner.args[0] + 1)
        if isinstance(inner, sp.gamma):
            return sp.loggamma(inner.args[0])
        a, b = inner.args
        return sp.loggamma(a + 1) - sp.loggamma(b + 1) - sp.loggamma(a - b + 1)

    expr = expr.replace(lambda e: isinstance(e, sp.log),
                        lambda e: sp.log(sp.together(e.args[0])))
    expr = sp.expand_log(expr, force=True).replace(log_of_special, rewrite)
    return expr.replace(_variable_power, _as_exponential)


def _variable_power(e):
    """A power whose base and exponent both vary, e.g. :math:`(x/\\lambda)^k`."""
    return (isinstance(e, sp.Pow) and not e.exp.is_number and not e.base.is_number
            and e.base.free_symbols)


def _as_exponential(e):
    r""":math:`b^e = \exp(e \log b)`, with :math:`\log b` expanded so that a data part
    (:math:`\log x`) is computed once per fit rather than a power per iteration."""
    return sp.exp(e.exp * sp.expand_log(sp.log(e.base), force=True))


def _softplus(expr):
    r""":math:`\log(1 + e^z)` as ``softplus(z)``, printed as ``logaddexp(0, z)``."""
    def is_softplus(e):
        if not isinstance(e, sp.log) or not isinstance(e.args[0], sp.Add):
            return False
        terms = e.args[0].args
        return len(terms) == 2 and sp.S.One in terms and any(isinstance(t, sp.exp)
                                                             for t in terms)

    def rewrite(e):
        power = next(t for t in e.args[0].args if isinstance(t, sp.exp))
        return _SOFTPLUS(power.args[0])
    return expr.replace(is_softplus, rewrite)


_SOFTPLUS = sp.Function("softplus")


def _log1mexp(expr):
    r""":math:`\log(1 - e^z)` as ``log1mexp(z)`` and :math:`\log(e^z - 1)` as
    :math:`z + \mathrm{log1mexp}(-z)`: the complementary log-log link's
    :math:`\log(1 - e^{-e^\eta})` is put over one denominator by :func:`stable` as
    :math:`\log(e^{e^\eta} - 1) - e^\eta`, whose :math:`e^{e^\eta}` overflows
    (inf - inf) once :math:`\eta > 6.6`."""
    def exponent(e):
        r""":math:`z` of a two-term sum :math:`\pm(1 - e^z)`, with its sign; else None."""
        if not isinstance(e, sp.Add) or len(e.args) != 2:
            return None
        one = [t for t in e.args if t in (sp.S.One, sp.S.NegativeOne)]
        power = [t for t in e.args if isinstance(-t, sp.exp) or isinstance(t, sp.exp)]
        if len(one) != 1 or len(power) != 1:
            return None
        sign = 1 if isinstance(-power[0], sp.exp) else -1
        if one[0] != sign:
            return None
        return sign, (-power[0] if sign == 1 else power[0]).args[0]

    def rewrite(e):
        sign, z = exponent(e.args[0])
        return _LOG1MEXP(z) if sign == 1 else z + _LOG1MEXP(-z)
    return expr.replace(lambda e: isinstance(e, sp.log) and exponent(e.args[0]) is not None,
                        rewrite)


_LOG1MEXP = sp.Function("log1mexp")


def log1mexp(z):
    r""":math:`\log(1 - e^z)` for :math:`z \le 0`, accurate on both sides of
    :math:`-\log 2` (Mächler 2012): ``log(-expm1(z))`` near 0, ``log1p(-exp(z))``
    below.

    >>> float(log1mexp(np.float64(-1e-20))) == float(np.log(1e-20))
    True
    """
    z = np.asarray(z, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(z > -np.log(2.0), np.log(-np.expm1(z)),
                        np.log1p(-np.exp(np.minimum(z, 0.0))))


def softplus(z):
    r""":math:`\log(1 + e^z) = \max(z, 0) + \log(1 + e^{-|z|})`, without overflow (and
    2.5 times faster than ``numpy.logaddexp(0, z)``)."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


_EXPIT = sp.Function("expit")


def loggamma(z):
    r""":math:`\log\Gamma(z)` (``scipy.special.gammaln``), looked up in a table of
    ``gammaln(0), gammaln(1), ...`` when ``z`` is a long array of whole numbers, as
    :math:`\log y!` of counts is: the same numbers, four times faster.

    >>> float(loggamma(np.full(5000, 4.0))[0]) == float(gammaln(4.0))
    True
    """
    z = np.asarray(z)
    if z.size < LOG_FACTORIAL_ROWS or z.dtype.kind != "f":
        return gammaln(z)
    whole = z.astype(np.intp)
    if not (np.array_equal(whole, z) and 0 < whole.min() and whole.max() <= LOG_FACTORIAL_TABLE):
        return gammaln(z)
    # A table up to the next power of two, shared by the chunks of a pass.
    return _log_factorials(1 << int(whole.max()).bit_length())[whole]


@functools.lru_cache(maxsize=4)
def _log_factorials(largest):
    """``gammaln(k)`` for ``k = 0, ..., largest`` (``k = 0`` is a pole, never looked up)."""
    with np.errstate(divide="ignore"):
        return gammaln(np.arange(largest + 1.0))


def polygamma(n, x):
    r""":math:`\psi^{(n)}(x)`, the values of ``scipy.special.polygamma`` (the same
    expressions): :math:`\psi(x)` for :math:`n = 0`, else
    :math:`(-1)^{n+1} n!\,\zeta(n+1, x)`.  SciPy's computes both and picks one, so
    a digamma cost a Hurwitz zeta too (five times the time on a number, twice on an
    array); SymPy prints :math:`\psi^{(n)}` with ``n`` a whole number.

    >>> from scipy import special
    >>> bool(polygamma(1, 2.5) == special.polygamma(1, 2.5))
    True
    """
    if isinstance(n, int) and n >= 0:
        return digamma(x) if n == 0 else (-1.0) ** (n + 1) * gamma(n + 1.0) * zeta(n + 1, x)
    from scipy.special import polygamma as general
    return general(n, x)


#: What SymPy's functions print to when a compiled expression is evaluated.
MODULES = [{"loggamma": loggamma, "softplus": softplus, "log1mexp": log1mexp, "expit": expit,
            "xlogy": xlogy, "polygamma": polygamma},
           "scipy", "numpy"]


def _sigmoids(expr):
    r""":math:`e^{kz}/(1 + e^z)^k` as ``expit(z)**k`` and :math:`1/(1 + e^z)^k` as
    ``expit(-z)**k``: the logistic function's derivatives, evaluated without the
    overflow of :math:`e^z` (inf/inf) for large :math:`z` and with one exponential."""
    def logistic_power(factor):
        if not (isinstance(factor, sp.Pow) and factor.exp.is_Integer and factor.exp < 0):
            return None
        base = factor.base
        if not (isinstance(base, sp.Add) and len(base.args) == 2 and sp.S.One in base.args):
            return None
        power = next((a for a in base.args if isinstance(a, sp.exp)), None)
        return None if power is None else (power.args[0], -factor.exp)

    def rewrite(product):
        factors = list(sp.Mul.make_args(product))
        for i, factor in enumerate(factors):
            found = logistic_power(factor)
            if found is None:
                continue
            z, k = found
            rest = factors[:i] + factors[i + 1:]
            for j, other in enumerate(rest):
                if isinstance(other, sp.exp) and sp.expand(other.args[0] - k * z) == 0:
                    return sp.Mul(*(rest[:j] + rest[j + 1:])) * _EXPIT(z) ** k
            return sp.Mul(*rest) * _EXPIT(-z) ** k
        return product

    # Products first (a power inside one pairs with its exponential), then lone powers.
    expr = expr.replace(lambda e: isinstance(e, sp.Mul), rewrite)
    return expr.replace(lambda e: logistic_power(e) is not None, rewrite)


class Compiled:
    r"""A staged vectorised function of data arrays and parameters.

    ``prepare(*data)`` computes the *data stage* once and returns its
    arrays; ``evaluate(prepared, *parameters)`` returns the values of the
    expressions (each an array over observations, or a scalar broadcast to
    one).  With ``order=1`` only the first ``first`` expressions are computed
    (the log-density and its gradient: a pass without the Hessian skips its
    subexpressions, a trigamma say).

    When the last ``per_row`` parameters vary by observation (a linear
    predictor :math:`\eta_i`), the subexpressions of the data and the other,
    scalar, parameters alone (:math:`\log\Gamma(y_i + 1/\alpha)`) form the
    *level stage*: ``levels(prepared, *scalars)`` evaluates them once per
    pass on the distinct data values, and ``evaluate(..., levels=...)``
    takes them, gathered to the rows, instead of computing them per row.
    """

    def __init__(self, data_symbols, parameter_symbols, expressions, first=None, per_row=0):
        self.data_symbols = tuple(data_symbols)
        self.parameter_symbols = tuple(parameter_symbols)
        self.n_scalar = len(self.parameter_symbols) - per_row
        replacements, reduced = sp.cse([_sigmoids(_log1mexp(_softplus(sp.sympify(e))))
                                        for e in expressions],
                                       symbols=sp.numbered_symbols("_c"), optimizations=None)
        hoisted, level, per_iteration = [], [], []
        data_only = set(self.data_symbols)
        scalar = data_only | set(self.parameter_symbols[:self.n_scalar])
        for symbol, value in replacements:
            if value.free_symbols <= data_only:
                hoisted.append((symbol, value))
                data_only.add(symbol)
                scalar.add(symbol)
            elif per_row and value.free_symbols <= scalar:
                level.append((symbol, value))
                scalar.add(symbol)
            else:
                per_iteration.append((symbol, value))
        if per_row:
            lift = _lifter(scalar, level)
            per_iteration = [(symbol, lift(value)) for symbol, value in per_iteration]
            reduced = [lift(e) for e in reduced]
        self.hoisted_symbols = tuple(symbol for symbol, _ in hoisted)
        self._data_stage = _lambdify(self.data_symbols, hoisted, self.hoisted_symbols)
        prepared = self.data_symbols + self.hoisted_symbols
        self._stages = {}
        for order, outputs in ((1, reduced[:first or len(reduced)]), (2, reduced)):
            rows = _needed(per_iteration, outputs)
            used = [value for _, value in rows] + list(outputs)
            levels = _needed(level, used)
            # The level stage hands the row stage only what it uses (each is gathered).
            referenced = set().union(*(sp.sympify(e).free_symbols for e in used))
            symbols = tuple(symbol for symbol, _ in levels if symbol in referenced)
            self._stages[order] = (
                symbols,
                _lambdify(prepared + self.parameter_symbols[:self.n_scalar], levels, symbols),
                _lambdify(prepared + symbols + self.parameter_symbols, rows, outputs))

    @property
    def has_levels(self):
        """Whether any subexpression belongs to the level stage."""
        return bool(self._stages[2][0])

    def prepare(self, *data):
        with np.errstate(all="ignore"):
            values = self._data_stage(*data)
        return tuple(data) + tuple(values)

    def levels(self, prepared, *scalars, order=2):
        """The level stage on ``prepared`` (the data stage of the distinct data values)."""
        with np.errstate(all="ignore"):
            return self._stages[order][1](*prepared, *scalars)

    def evaluate(self, prepared, *parameters, order=2, levels=None):
        _, level_stage, row_stage = self._stages[order]
        with np.errstate(all="ignore"):
            if levels is None:
                levels = level_stage(*prepared, *parameters[:self.n_scalar])
            return row_stage(*prepared, *levels, *parameters)


def _lifter(scalar, level):
    r"""A function moving the function applications of ``scalar`` symbols alone (a
    :math:`\log\Gamma(y + 1/\alpha)` inside a per-row expression) to the level stage,
    appending them to ``level``."""
    names, lifted = sp.numbered_symbols("_l"), {}

    def outermost(e, found):
        if isinstance(e, sp.Function) and e.free_symbols and e.free_symbols <= scalar:
            found.add(e)
        else:
            for argument in e.args:
                outermost(argument, found)
        return found

    def lift(expr):
        expr = sp.sympify(expr)
        for e in outermost(expr, set()):
            if e not in lifted:
                lifted[e] = next(names)
                level.append((lifted[e], e))
        return expr.xreplace(lifted)
    return lift


def _needed(replacements, outputs):
    """The ``(symbol, value)`` replacements that ``outputs`` depend on, in order."""
    needed = set().union(*(sp.sympify(e).free_symbols for e in outputs))
    kept = []
    for symbol, value in reversed(replacements):
        if symbol in needed:
            kept.append((symbol, value))
            needed |= value.free_symbols
    return kept[::-1]


def _lambdify(arguments, replacements, outputs):
    """A NumPy function of ``arguments`` computing ``replacements`` in turn and returning
    ``outputs`` (a list): the elimination is done, so lambdify prints the split given."""
    outputs = list(outputs)
    return sp.lambdify(arguments, outputs, modules=MODULES,
                       cse=lambda _: (replacements, outputs))


@functools.lru_cache(maxsize=64)
def compile_expressions(data_symbols, parameter_symbols, expressions, first=None, per_row=0):
    """A cached :class:`Compiled` for these symbols and expressions (tuples)."""
    return Compiled(data_symbols, parameter_symbols, expressions, first, per_row)
