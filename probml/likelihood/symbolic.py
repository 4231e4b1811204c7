r"""The algebra of a likelihood over a sample of general size n.

A per-observation log-density :math:`\log f(x; \theta)` becomes the
log-likelihood of a sample, a sum over :math:`i = 1, \dots, n` written with
SymPy's ``Sum`` and ``IndexedBase`` (never a fixed small sample):

.. math:: \ell(\theta) = \sum_{i=1}^n \log f(x_i; \theta).

Differentiating under the sum gives the score and the information.  To solve
the score equations, each sum is split as a textbook splits it: a sum of
terms is the sum of their sums, and a factor free of :math:`i` comes out,

.. math:: \sum_{i=1}^n \Bigl(\frac{x_i}{\lambda} - 1\Bigr)
          = \frac1\lambda \sum_{i=1}^n x_i - n,

after which the remaining sums are statistics of the data, free of the
parameter, and SymPy solves for it as for any equation.
"""

import sympy as sp

__all__ = ["INDEX", "N", "as_expression", "as_symbols", "parameter_symbols", "expected_value", "per_observation", "sample_sum", "solve_score",
           "split_sums", "textbook"]

INDEX = sp.Symbol("i", integer=True, positive=True)
N = sp.Symbol("n", integer=True, positive=True)


def per_observation(expr, data):
    """``expr`` with each data symbol ``x`` replaced by ``x[i]`` (an ``IndexedBase``)."""
    return expr.subs({symbol: sp.IndexedBase(str(symbol))[INDEX] for symbol in data})


def sample_sum(expr_i):
    r""":math:`\sum_{i=1}^n` of a per-observation expression."""
    return sp.Sum(expr_i, (INDEX, 1, N))


def split_sums(expr, expand=False):
    r"""Split every sum into sums of data terms with the parameters taken out.

    :math:`\sum_i (a\,u_i + b) = a \sum_i u_i + n b`.  With ``expand`` the
    summand is multiplied out first, so :math:`\sum_i (x_i - \mu)` becomes
    :math:`\sum_i x_i - n\mu`; without it, :math:`\sum_i (x_i - \mu)^2` stays
    whole, as a textbook writes it.
    """
    if isinstance(expr, sp.Sum):
        summand = sp.expand(expr.function) if expand else expr.function
        total = sp.S.Zero
        for term in sp.Add.make_args(summand):
            outside, inside = term.as_independent(INDEX, as_Add=False)
            total += outside * (N if inside == 1 else sp.Sum(inside, (INDEX, 1, N)))
        return total
    if expr.args:
        return expr.func(*[split_sums(arg, expand) for arg in expr.args])
    return expr


def _with_statistics(expr, parameter):
    """``expr`` with its sums replaced by symbols, and the substitution back; None if a
    sum still holds ``parameter`` after splitting."""
    for expand in (False, True):
        split = split_sums(expr, expand)
        sums = sorted(split.atoms(sp.Sum), key=sp.default_sort_key)
        if not any(s.has(parameter) for s in sums):
            statistics = [sp.Dummy(f"S{k}") for k in range(len(sums))]
            return split.subs(dict(zip(sums, statistics))), dict(zip(statistics, sums))
    return None


def solve_score(score, parameter, inside):
    """The root of ``score = 0`` for ``parameter`` in its domain, or None.

    Only equations rational in the parameter once the sums are taken for
    statistics are attempted (SymPy solves those quickly and exactly); a
    score with a digamma or a sum that cannot be split has no closed form
    here.  ``inside(solution)`` says whether a root can lie in the domain.
    """
    found = _with_statistics(score, parameter)
    if found is None:
        return None
    equation, back = found
    equation = sp.together(equation)
    numerator = sp.numer(equation)
    if not numerator.has(parameter) or not numerator.is_polynomial(parameter):
        return None
    try:
        roots = sp.solve(numerator, parameter)
    except (NotImplementedError, ValueError):
        return None
    roots = [root for root in roots if inside(root) and not root.has(sp.I)]
    if len(roots) != 1:
        return None
    return textbook(roots[0].subs(back))


def textbook(expr):
    r"""The shorter of ``expr`` and ``expr`` with its sums split term by term.

    :math:`\sum_i x_i / (\sum_i x_i + \sum_i (1 - x_i))` becomes
    :math:`\frac1n \sum_i x_i`, while :math:`\sum_i (x_i - \mu)^2` is kept
    rather than multiplied out.
    """
    split = sp.cancel(split_sums(expr, expand=True)) if expr.has(sp.Sum) else expr
    return min((expr, split), key=sp.count_ops)


def expected_value(expr, data, density, support):
    r""":math:`E[\text{expr}]` under ``density`` of the data symbol, or None.

    By linearity: ``expr`` is split into terms, each a coefficient times a
    power of the data symbol, and each moment :math:`E[x^m]` is an integral
    (or a sum, on a discrete support) SymPy evaluates in closed form.  Terms
    that are not powers of the data (a :math:`\log x`, an :math:`x^k` with a
    parameter :math:`k`) are not attempted: such expectations are special
    functions SymPy may not find, and the observed information serves.
    """
    if support is None:
        return None
    low, high, discrete = support
    total = sp.S.Zero
    moments = {}
    for term in sp.Add.make_args(sp.expand(expr)):
        coefficient, power = term.as_independent(data, as_Add=False)
        if power == 1:
            total += coefficient
            continue
        base, exponent = power.as_base_exp()
        if base != data or not (exponent.is_Integer and exponent > 0):
            return None
        if exponent not in moments:
            moments[exponent] = _moment(data, exponent, density, low, high, discrete)
            if moments[exponent] is None:
                return None
        total += coefficient * moments[exponent]
    return sp.simplify(total)


def _moment(data, power, density, low, high, discrete):
    low = sp.S(low) if low != float("-inf") else -sp.oo
    high = sp.S(high) if high != float("inf") else sp.oo
    if discrete:
        value = sp.summation(data ** power * density, (data, low, high))
    else:
        value = sp.integrate(data ** power * density, (data, low, high), conds="none")
    value = value.replace(lambda e: isinstance(e, sp.Piecewise), _convergent_branch)
    value = sp.simplify(value)
    if value.has(sp.Integral, sp.Sum, sp.oo, sp.zoo, sp.nan):
        return None
    return value


def _convergent_branch(piecewise):
    r"""The branch of a sum SymPy returns under its convergence condition.

    SymPy answers :math:`\sum_x x p (1-p)^{x-1}` with ``Piecewise((1/p,
    |p - 1| < 1), (Sum(...), True))``: the condition is that of the
    geometric series, which holds on the parameter's domain exactly when the
    density sums to 1 there, so the first branch is the moment.  (A moment
    that converged on only part of a domain would be mis-stated outside it;
    the power moments of the count families probml derives converge on
    their whole domain.)  A branch whose condition is false is never taken.
    """
    value, condition = piecewise.args[0]
    if condition is sp.false:
        return piecewise.args[-1][0]
    return value


def as_expression(logpdf):
    try:
        expr = sp.sympify(logpdf, strict=True)
    except (sp.SympifyError, TypeError):
        raise TypeError(f"logpdf must be a SymPy expression, got {type(logpdf).__name__} "
                        f"{logpdf!r}.") from None
    if not isinstance(expr, sp.Expr) or isinstance(expr, sp.MatrixBase):
        raise TypeError(f"logpdf must be a scalar SymPy expression, got {expr!r}.")
    if not expr.free_symbols:
        raise ValueError(f"logpdf {expr} has no symbols: it needs data and parameters.")
    return expr


def as_symbols(values, what):
    if isinstance(values, sp.Symbol):
        values = [values]
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{what} must be a SymPy Symbol or a sequence of them, got {values!r}.")
    values = list(values)
    if not values or not all(isinstance(v, sp.Symbol) for v in values):
        raise TypeError(f"{what} must be a SymPy Symbol or a non-empty sequence of them, got "
                        f"{values!r}.")
    if len(set(values)) != len(values):
        raise ValueError(f"{what} lists a symbol twice: {values}.")
    return tuple(values)


def parameter_symbols(expr, data, params, *, expr_name, data_name):
    """The parameters of ``expr`` given its ``data`` symbols, each checked to appear.

    ``params`` None means every other free symbol, alphabetically; a symbol
    in both lists, a parameter absent from ``expr`` (the data could not
    inform it) and a symbol in neither list are refused by name.
    """
    free = expr.free_symbols
    for symbol in data:
        if symbol not in free:
            raise ValueError(f"The {data_name} symbol {symbol} does not appear in {expr_name} "
                             f"{expr}.")
    if params is None:
        symbols = tuple(sorted(free - set(data), key=str))
    else:
        symbols = as_symbols(params, "params")
    for symbol in symbols:
        if symbol in data:
            raise ValueError(f"{symbol} is listed both as {data_name} and in params.")
        if symbol not in free:
            raise ValueError(f"The parameter {symbol} does not appear in {expr_name} {expr}: "
                             "the data could not inform it.")
    missing = free - set(data) - set(symbols)
    if missing:
        raise ValueError(f"{expr_name} has symbols that are neither {data_name} nor "
                         f"parameters: {sorted(map(str, missing))}. List them in "
                         f"{data_name} or params.")
    if not symbols:
        raise ValueError(f"{expr_name} has no parameters: it depends on the {data_name} alone.")
    return symbols
