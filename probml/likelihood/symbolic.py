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

from .._validation import did_you_mean

__all__ = ["INDEX", "N", "as_expression", "as_symbols", "assumed_symbol", "data_assumptions",
           "domain_assumptions", "expected_value", "parameter_symbols", "per_observation",
           "sample_sum", "solve_score", "split_sums", "textbook"]

INDEX = sp.Symbol("i", integer=True, positive=True)
N = sp.Symbol("n", integer=True, positive=True)

#: What every datum is: a finite float, so a real number.
REAL = {"real": True}


def data_assumptions(interval):
    r"""The SymPy assumptions of a datum in ``interval``, a ``(low, high, discrete)``
    support (or None: any real number): real, and integer, positive or nonnegative
    where the support says so.  Under them SymPy writes :math:`\log e^{u}` as
    :math:`u` and :math:`\log(x/\lambda)` as :math:`\log x - \log\lambda`."""
    if interval is None:
        return dict(REAL)
    low, high, discrete = interval
    assumptions = dict(REAL, integer=True) if discrete else dict(REAL)
    if low > 0:
        assumptions["positive"] = True
    elif low >= 0:
        assumptions["nonnegative"] = True
    elif high < 0:
        assumptions["negative"] = True
    elif high <= 0:
        assumptions["nonpositive"] = True
    return assumptions


def domain_assumptions(low, high):
    r"""The SymPy assumptions of a parameter in the open interval ``(low, high)``: real,
    and positive or negative where the interval says so."""
    if low >= 0:
        return dict(REAL, positive=True)
    if high <= 0:
        return dict(REAL, negative=True)
    return dict(REAL)


def assumed_symbol(symbol, assumptions):
    r"""``symbol`` if SymPy already knows what ``assumptions`` say of it, else a symbol of
    the same name that carries them (a plain ``Symbol("a0")`` becomes real)."""
    if all(getattr(symbol, f"is_{key}") is value for key, value in assumptions.items()):
        return symbol
    return sp.Symbol(symbol.name, **assumptions)


def per_observation(expr, data, assumptions=None):
    r"""``expr`` with each data symbol ``x`` replaced by ``x[i]``, an ``IndexedBase``
    carrying that datum's ``assumptions`` (one dict per data symbol; real by default)."""
    assumptions = assumptions or [REAL] * len(data)
    return expr.xreplace({symbol: sp.IndexedBase(str(symbol), **given)[INDEX]
                          for symbol, given in zip(data, assumptions)})


def sample_sum(expr_i):
    r""":math:`\sum_{i=1}^n` of a per-observation expression."""
    return sp.Sum(expr_i, (INDEX, 1, N))


def split_sums(expr, expand=False, statistics=True):
    r"""Split every sum into sums of data terms with the parameters taken out.

    :math:`\sum_i (a\,u_i + b) = a \sum_i u_i + n b`, down through the
    factors free of :math:`i`: :math:`\sum_i \frac{1}{\sigma^2}(3 u_i^2 - 1)`
    is :math:`\frac{3}{\sigma^2}\sum_i u_i^2 - \frac{n}{\sigma^2}`.  A product
    of terms that all vary with :math:`i`, such as :math:`(x_i - \mu) w_i`, or
    a power such as :math:`(x_i - \mu)^2`, stays whole, as a textbook writes
    it, unless (with ``statistics``) multiplying it out frees a statistic of the
    data (:func:`_frees_a_statistic`).  With ``expand`` the summand is
    multiplied out first, so :math:`\sum_i (x_i - \mu)^2` becomes
    :math:`\sum_i x_i^2 - 2\mu\sum_i x_i + n\mu^2`.
    """
    if isinstance(expr, sp.Sum):
        return _split_summand(sp.expand(expr.function) if expand else expr.function,
                              statistics)
    if expr.args:
        return expr.func(*[split_sums(arg, expand, statistics) for arg in expr.args])
    return expr


def _split_summand(summand, statistics=True):
    r""":math:`\sum_{i=1}^n` of ``summand``, split term by term (see :func:`split_sums`).

    A product of terms that vary with :math:`i` is multiplied out only where
    that leaves a statistic of the data alone: :math:`(\frac1\alpha - w_i) y_i`
    gives :math:`\frac1\alpha \sum_i y_i - \sum_i w_i y_i`, while
    :math:`(x_i - \mu) w_i` stays whole.
    """
    total = sp.S.Zero
    for term in sp.Add.make_args(summand):
        term = min((sp.factor_terms(term), sp.factor_terms(sp.together(term))),
                   key=sp.count_ops)
        outside, inside = _data_positive(term).as_independent(INDEX, as_Add=False)
        if inside == 1:
            total += outside * N
        elif isinstance(inside, sp.Add):
            total += outside * _split_summand(inside, statistics)
        elif statistics and _frees_a_statistic(inside):
            total += outside * _split_summand(sp.expand_mul(inside, deep=False))
        else:
            total += outside * sp.Sum(inside, (INDEX, 1, N))
    return total


def _data_positive(term):
    r"""``term`` with each factor such as :math:`(\mu - x_i)`, whose data terms are all
    negative, written :math:`-(x_i - \mu)`, as a textbook writes it."""
    factors = sp.Mul.make_args(term)
    flipped = [_data_negative(f) and f.exp.is_odd if isinstance(f, sp.Pow) else
               _data_negative(f) for f in factors]
    if not any(flipped):
        return term
    sign = -1 if sum(flipped) % 2 else 1
    return sign * sp.Mul(*[(sp.Pow(-f.base, f.exp) if isinstance(f, sp.Pow) else -f)
                           if flip else f for f, flip in zip(factors, flipped)])


def _data_negative(expr):
    r"""Whether ``expr`` (or the base of a power) is a sum whose data terms are all
    negative and which has other terms: :math:`\mu - x_i`."""
    base = expr.base if isinstance(expr, sp.Pow) else expr
    if not isinstance(base, sp.Add):
        return False
    data = [term for term in base.args if term.has(sp.Indexed)]
    return 0 < len(data) < len(base.args) and all(t.could_extract_minus_sign() for t in data)


def _frees_a_statistic(product):
    r"""Whether multiplying ``product`` out gives a term whose part varying with
    :math:`i` holds no parameter (a statistic such as :math:`y_i`)."""
    terms = sp.Add.make_args(sp.expand_mul(product, deep=False))
    return len(terms) > 1 and any(_of_data_alone(term.as_independent(INDEX, as_Add=False)[1])
                                  for term in terms)


def _of_data_alone(expr):
    """Whether ``expr`` holds no symbol but the data (``x[i]``, their labels) and ``i``."""
    data = expr.atoms(sp.Indexed)
    labels = {indexed.base.label for indexed in data}
    return expr.free_symbols <= data | labels | {INDEX}


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
    # The sums are put back before the roots are judged: sqrt(-S) of a sum of squares S
    # is imaginary.
    roots = [root.subs(back) for root in roots]
    roots = [root for root in roots if inside(root) and not root.has(sp.I)]
    if len(roots) != 1:
        return None
    return textbook(roots[0])


def textbook(expr):
    r"""``expr`` as a textbook writes it: the shortest of its sums split term by
    term (:func:`split_sums`: products kept whole, multiplied out where that
    frees a statistic, or multiplied out with their powers), the sums then
    taken for symbols and the terms as they stand,
    multiplied out and collected by sum, with their common factor taken out
    (``factor_terms``), or over one denominator (``cancel``); a form with a
    fraction inside a fraction's numerator only where no other will do.

    :math:`\sum_i x_i / (\sum_i x_i + \sum_i (1 - x_i))` becomes
    :math:`\frac1n \sum_i x_i`; :math:`\sum_i (\frac{k}{\lambda}
    (t_i/\lambda)^k - \frac{k}{\lambda})` becomes :math:`\frac{k}{\lambda}
    (\sum_i (t_i/\lambda)^k - n)`; :math:`\sum_i (x_i - \mu)^2` is kept
    rather than multiplied out.
    """
    forms = []
    for expand, freeing in ((False, False), (False, True), (True, True)):
        split = split_sums(expr, expand, statistics=freeing)
        sums = sorted(split.atoms(sp.Sum), key=sp.default_sort_key)
        statistics = [sp.Dummy(f"S{k}") for k in range(len(sums))]
        reduced = split.xreplace(dict(zip(sums, statistics)))
        collected = _collected(reduced, statistics)
        back = dict(zip(statistics, sums))
        forms += [form.xreplace(back) for form in
                  (reduced, collected, sp.factor_terms(collected), sp.cancel(reduced))]
    best = min(forms, key=lambda form: (_nested_fraction(form), sp.count_ops(form)))
    # (mu - x_i)^2 as (x_i - mu)^2
    return best.replace(lambda e: isinstance(e, sp.Pow) and e.exp.is_even and _data_negative(e),
                        lambda e: sp.Pow(-e.base, e.exp))


def _collected(expr, statistics):
    r"""``expr`` multiplied out and collected by ``statistics``, each coefficient
    factored: :math:`-\frac{1}{2\sigma^2} S - \frac{1}{2\nu\sigma^2} S` is
    :math:`-\frac{\nu + 1}{2\nu\sigma^2} S`."""
    groups = {}
    for term in sp.Add.make_args(sp.expand(expr)):
        coefficient, statistic = term.as_independent(*statistics, as_Add=False)
        groups[statistic] = groups.get(statistic, sp.S.Zero) + coefficient
    return sp.Add(*[(sp.factor(coefficient) if isinstance(coefficient, sp.Add) else coefficient)
                    * statistic for statistic, coefficient in groups.items()])


def _nested_fraction(expr):
    r"""Whether ``expr`` would print a fraction in the numerator of another
    (:math:`\frac{\frac{S}{\sigma} - n}{\sigma}`), which a textbook writes as two
    terms: a product with a denominator and a sum among its factors that has one."""
    def denominator(factor):
        return (isinstance(factor, sp.Pow) and factor.exp.is_negative
                or isinstance(factor, sp.Rational) and factor.q != 1)

    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Mul) and any(map(denominator, node.args)) and any(
                isinstance(factor, sp.Add) and any(denominator(f) for term in factor.args
                                                   for f in sp.Mul.make_args(term))
                for factor in node.args):
            return True
    return False


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
    # log Gamma(a) is log(Gamma(a)) for a > 0, so the gamma moment's
    # exp(-log Gamma(a)) Gamma(a + 1) is a.
    value = sp.simplify(sp.gammasimp(value.replace(
        lambda e: isinstance(e, sp.loggamma) and e.args[0].is_positive,
        lambda e: sp.log(sp.gamma(e.args[0])))))
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
    inform it), a symbol in neither list and two symbols of one name are
    refused by name, with a hint where a name is one or two edits from
    another (a misspelling).
    """
    free = expr.free_symbols
    _refuse_homonyms(free | set(data), expr_name)
    for symbol in data:
        if symbol not in free:
            raise ValueError(f"The {data_name} symbol {symbol} does not appear in {expr_name} "
                             f"{expr}." + did_you_mean(symbol, free - set(data)))
    if params is None:
        symbols = tuple(sorted(free - set(data), key=str))
    else:
        symbols = as_symbols(params, "params")
        _refuse_homonyms(free | set(data) | set(symbols), expr_name)
    for symbol in symbols:
        if symbol in data:
            raise ValueError(f"{symbol} is listed both as {data_name} and in params.")
        if symbol not in free:
            raise ValueError(f"The parameter {symbol} does not appear in {expr_name} {expr}: "
                             "the data could not inform it."
                             + did_you_mean(symbol, free - set(data)))
    missing = free - set(data) - set(symbols)
    if missing:
        hints = "".join(did_you_mean(symbol, set(data) | set(symbols))
                        for symbol in sorted(missing, key=str))
        raise ValueError(f"{expr_name} has symbols that are neither {data_name} nor "
                         f"parameters: {sorted(map(str, missing))}. List them in "
                         f"{data_name} or params." + hints)
    if not symbols:
        raise ValueError(f"{expr_name} has no parameters: it depends on the {data_name} alone.")
    return symbols


def _refuse_homonyms(symbols, expr_name):
    """Two different symbols of one name (``Symbol("x")`` and ``Symbol("x",
    positive=True)``) print alike but are different variables to SymPy."""
    by_name = {}
    for symbol in symbols:
        by_name.setdefault(str(symbol), []).append(symbol)
    for name, alike in sorted(by_name.items()):
        if len(alike) > 1:
            raise ValueError(f"{expr_name} and its symbols hold {len(alike)} different symbols "
                             f"named {name}: {', '.join(sorted(map(sp.srepr, alike)))}, which "
                             "SymPy treats as different variables. Make each once and reuse "
                             "it.")
