r"""A statistical model written once, in SymPy: derived, compiled, fitted and verified.

The model is the log-density of one observation, as on a blackboard:

>>> import sympy as sp
>>> from probml.likelihood import Model
>>> x = sp.Symbol("x")
>>> lam = sp.Symbol("lambda", positive=True)
>>> poisson = Model(x * sp.log(lam) - lam - sp.log(sp.factorial(x)), data=x,
...                 support="counts", name="Poisson counts")
>>> poisson.derive().results["mle_lambda"]
Sum(x[i], (i, 1, n))/n
>>> fit = poisson.fit([2, 4, 3, 5, 1])
>>> round(float(fit.params_[0]), 10), round(float(fit.bse_[0]), 4)
(3.0, 0.7746)

From it probml derives the log-likelihood of a sample of general size
:math:`n`, the score, the information and (where SymPy can solve the score
equations) the closed-form MLE (:meth:`Model.derive`); compiles the
derivatives into vectorised NumPy (:mod:`.compiled`); maximises the
likelihood (or the posterior, with priors) by Newton's method with a line
search on an unconstrained scale (:mod:`.parameters`); and reports
statsmodels-grade inference (:class:`~probml.likelihood.LikelihoodFit`).

A parameter may depend on covariates through a link,
:math:`g(\lambda_i) = x_i^\top\beta` (``link={lam: "log"}``), which makes
the model a regression: the score and information come from the derivatives
in the linear predictor :math:`\eta_i`,

.. math:: \frac{\partial\ell}{\partial\beta} = \sum_i \frac{\partial\ell_i}{\partial\eta_i}
          x_i, \qquad
          -\frac{\partial^2\ell}{\partial\beta\,\partial\beta^\top}
          = X^\top \operatorname{diag}\Bigl(-\frac{\partial^2\ell_i}{\partial\eta_i^2}\Bigr) X,

with the :math:`X` parts done by BLAS.
"""

import functools
import math
from typing import NamedTuple

import numpy as np
import sympy as sp

from .._validation import Integer, Options, Real, did_you_mean, is_dask_collection
from .compiled import MODULES, compile_expressions, stable
from .data import SUPPORTS, as_interval, support_interval
from .parameters import Parameter, as_domain
from .priors import as_prior
from .problem import Problem, fit_problem
from .results import LikelihoodFit
from .symbolic import as_expression, as_symbols, parameter_symbols

__all__ = ["LINKS", "SUPPORTS", "Model", "link_function"]

ETA = sp.Symbol("eta", real=True)

#: Inverse links :math:`\theta = g^{-1}(\eta)` by name.
LINKS = {
    "identity": lambda eta: eta,
    "log": sp.exp,
    "logit": lambda eta: 1 / (1 + sp.exp(-eta)),
    "probit": lambda eta: (1 + sp.erf(eta / sp.sqrt(2))) / 2,
    "cloglog": lambda eta: 1 - sp.exp(-sp.exp(eta)),
    "inverse": lambda eta: 1 / eta,
    "inverse_squared": lambda eta: 1 / sp.sqrt(eta),
}


@functools.cache
def link_function(name):
    r"""The link :math:`g` itself, :math:`\eta = g(\theta)`, as a NumPy function.

    SymPy solves :math:`g^{-1}(\eta) = \theta` for the inverse link of
    :data:`LINKS` (:math:`\log\frac{\theta}{1 - \theta}` for the logit,
    :math:`\sqrt2\,\mathrm{erf}^{-1}(2\theta - 1)` for the probit), so that
    each link is written once.  It is evaluated as SymPy writes it, to a relative
    accuracy of about :math:`10^{-16}/\min(\theta, 1 - \theta)` near the ends of
    (0, 1): enough for a start or a simulated parameter.

    >>> float(link_function("cloglog")(1 - np.exp(-1.0)))
    0.0
    """
    theta = sp.Dummy("theta", positive=True)
    # Each inverse link is one-to-one, so its one solution needs no checking by SymPy (ten
    # times faster).
    solution, = sp.solve(LINKS[name](ETA) - theta, ETA, check=False, simplify=False,
                         rational=False)
    return sp.lambdify(theta, solution, modules=MODULES)


# Iteration limit and per-observation gradient tolerance of the fit.
MAX_ITER = 200
TOL = 1e-9


class Model:
    """A per-observation log-density in SymPy, with its data, parameters and priors.

    Parameters
    ----------
    logpdf : SymPy expression
        :math:`\\log f(x; \\theta)` of one observation.
    data : Symbol or sequence of Symbol
        The data symbols; the first is the response (its ``support`` is
        checked).  Further ones are per-observation covariates (an exposure).
    params : sequence of Symbol or dict of Symbol to domain, optional
        The parameters in order, and where each lives ("real", "positive",
        "unit", a pair ``(low, high)``); by default every other free symbol,
        in alphabetical order, with domains read from the symbols'
        assumptions (``positive=True``).
    support : str or (low, high), optional
        Where the response lives: one of :data:`SUPPORTS` ("counts",
        "binary", "positive", ...) or an interval.  Data outside it are
        refused; it also lets SymPy take the expected information.
    link : dict, optional
        ``{parameter: link}`` makes that parameter observation-specific,
        :math:`g(\\theta_i) = x_i^\\top\\beta`, with ``link`` one of
        :data:`LINKS`; ``fit`` then takes the covariates ``X``.
    prior : dict, optional
        ``{parameter: prior}``: a frozen ``scipy.stats`` distribution or a
        SymPy log-density in that parameter, for ``fit(..., method="map")``.
    name : str, optional
        A title for the derivation page and the summary.
    """

    def __init__(self, logpdf, data, params=None, *, support=None, link=None, prior=None,
                 name=None):
        self.logpdf = as_expression(logpdf)
        self.data = as_symbols(data, "data")
        self.parameters = _parameters(self.logpdf, self.data, params)
        self.support = _support(support)
        self.name = str(name) if name is not None else "user model"
        self.linked, self.link = _linked(self.parameters, link)
        self.priors = _priors(self.parameters, prior)
        _check_real_valued(self)
        self.unidentified = _data_free_terms(self.logpdf, self.data, self.parameters)
        without_prior = {p: terms for p, terms in self.unidentified.items()
                         if p.symbol not in self.priors}
        if without_prior:
            raise ValueError(_unidentified_message(self, without_prior))

    # -- what the model is ---------------------------------------------------------

    @functools.cached_property
    def scalar_parameters(self):
        """The parameters shared by every observation (all but a linked one); the fit
        reads them several times, so the tuple is made once."""
        return tuple(p for p in self.parameters if p is not self.linked)

    def __repr__(self):
        params = ", ".join(p.name for p in self.parameters)
        return f"Model({self.name!r}: log f({', '.join(map(str, self.data))}; {params}))"

    @functools.cached_property
    def observation_logpdf(self):
        r""":math:`\log f` with a linked parameter replaced by :math:`g^{-1}(\eta)`."""
        if self.linked is None:
            return self.logpdf
        return self.logpdf.subs(self.linked.symbol, LINKS[self.link](ETA))

    @functools.cached_property
    def variables(self):
        """The per-observation variables the derivatives are taken in."""
        return tuple(p.symbol for p in self.scalar_parameters) + (
            (ETA,) if self.linked is not None else ())

    @functools.cached_property
    def _split(self):
        """(data-only part, part with parameters) of the log-density, as sums of terms."""
        expr = stable(self.observation_logpdf)
        data_only, rest = sp.S.Zero, sp.S.Zero
        for term in sp.Add.make_args(sp.expand(expr, multinomial=False, power_exp=False,
                                               power_base=False, log=False)):
            if term.free_symbols <= set(self.data):
                data_only += term
            else:
                rest += term
        return data_only, rest

    def compiled(self, sufficient=False):
        """The compiled log-density and its derivatives, derived once per model (see
        :meth:`_compile`); Newton's method asks for them on every pass."""
        forms = self.__dict__.setdefault("_compiled_forms", {})
        if sufficient not in forms:
            forms[sufficient] = self._compile(sufficient)
        return forms[sufficient]

    def _compile(self, sufficient):
        r"""The compiled log-density and its derivatives (cached).

        Returns the :class:`~.compiled.Compiled` function of the data and the
        variables (scalar parameters, then :math:`\eta`) whose outputs are
        the log-density without its data-only part, the gradient, and the
        upper triangle of the Hessian, per observation.  With ``sufficient``
        the data are the means of the sufficient statistics and the centres
        they are taken about instead (see :attr:`sufficient_form`), and the
        outputs are per-observation averages.
        """
        if sufficient:
            form = self.sufficient_form
            data = tuple(symbol for symbol, _ in [*form.statistics, *form.centres])
            rest = form.rest
        else:
            data, rest = self.data, self._split[1]
        variables = self.variables
        gradient = [sp.diff(rest, v) for v in variables]
        hessian = self._second_derivatives(gradient, variables)
        return compile_expressions(data, variables, tuple([rest, *gradient, *hessian]),
                                   first=1 + len(variables),
                                   per_row=int(self.linked is not None and not sufficient))

    def _second_derivatives(self, gradient, variables):
        """The upper triangle of the Hessian, row by row, from the ``gradient``."""
        return [sp.diff(gradient[a], variables[b])
                for a in range(len(variables)) for b in range(a, len(variables))]

    @functools.cached_property
    def data_only_logpdf(self):
        r"""The terms of :math:`\log f` free of the parameters, as a NumPy function."""
        return sp.lambdify(self.data, self._split[0], modules=MODULES)

    @functools.cached_property
    def sufficient_form(self):
        r"""The log-density as :math:`c(x) + \sum_k a_k(\theta)\,T_k(x)`, or None.

        Then :math:`\ell(\theta) = \sum_i c(x_i) + n\sum_k a_k(\theta)\bar T_k`:
        the means :math:`\bar T_k` are sufficient, and each Newton step
        costs nothing per observation.  A term in which the data enter only
        through a polynomial in one expression :math:`g(x)`, as
        :math:`(x-\mu)^2` or :math:`(\log x - \log\sigma)^2`, is expanded
        in powers of :math:`g - c` about a centre :math:`c` of :math:`g` over
        the data (a symbol the fit sets), with Taylor coefficients that keep
        :math:`c - \mu` together:

        .. math:: -\frac{(x-\mu)^2}{2\sigma^2} = -\frac{(c-\mu)^2}{2\sigma^2}
                  - \frac{c-\mu}{\sigma^2}(x-c) - \frac{(x-c)^2}{2\sigma^2}.

        Expanding about 0 instead (:math:`\overline{x^2} - 2\mu\bar x +
        \mu^2`) would lose every digit to cancellation when the data sit far
        from 0 against their spread; about a centre inside the data it loses
        none.

        The data-only part :math:`c(x)` is written in the same statistics
        where it can be (the gamma's :math:`-\log x`), so that its sum too
        comes from their means.

        Returns a :class:`SufficientForm`: the statistics as ``(symbol,
        T_k(x))`` pairs (a centred one holds its centre's symbol), ``rest``
        (:math:`\sum_k a_k(\theta) T_k` in the statistics' symbols and the
        centres), the centres as ``(symbol, g(x))`` pairs, and
        ``data_rest``, :math:`c(x)` in the statistics' symbols and the
        centres.
        """
        if self.linked is not None or len(self.data) != 1:
            return None
        statistics, centres = {}, {}

        def statistic(expression):
            if expression not in statistics:
                statistics[expression] = sp.Dummy(f"T{len(statistics)}")
            return statistics[expression]

        def in_statistics(expansion):
            return sp.Add(*(coefficient if inside == 1 else coefficient * statistic(inside)
                            for coefficient, inside in expansion))

        rest = sp.S.Zero
        for term in sp.Add.make_args(self._split[1]):
            expansion = _separated(term, self.data) or _centred_expansion(term, self.data,
                                                                           centres)
            if expansion is None:
                return None
            rest += in_statistics(expansion)
        if not statistics:
            return None
        # A data-only term in a centred expression uses that expression's statistics.
        data_rest = sp.S.Zero
        for term in sp.Add.make_args(self._split[0]):
            if term == 0:
                continue
            expansion = next((found for g in centres for found in
                              [_centred_expansion(term, self.data, centres, g)] if found),
                             None)
            data_rest += in_statistics(expansion or _separated(term, self.data))
        return SufficientForm([(symbol, t) for t, symbol in statistics.items()], rest,
                              [(symbol, g) for g, symbol in centres.items()], data_rest)

    @property
    def sufficient_statistics(self):
        """The statistics :math:`T_k(x)` whose sums are sufficient, or None (those of the
        data-only part alone left out)."""
        form = self.sufficient_form
        if form is None:
            return None
        return [t for symbol, t in form.statistics if form.rest.has(symbol)]

    @functools.cached_property
    def sufficient_statistics_function(self):
        r"""``(x, *centres) -> [T_1(x), ..., T_k(x)]``: the statistics in one NumPy
        function (compiled once), so that what they share (a :math:`\log x`) is
        computed once per pass."""
        form = self.sufficient_form
        return sp.lambdify([*self.data, *(c for c, _ in form.centres)],
                           [t for _, t in form.statistics], modules=MODULES, cse=True)

    @functools.cached_property
    def sufficient_data_logpdf(self):
        r"""``(*means, *centres) -> mean of c(x)``: the data-only log-density's mean from
        the statistics' means (``data_rest`` of :attr:`sufficient_form`)."""
        form = self.sufficient_form
        return sp.lambdify([symbol for symbol, _ in [*form.statistics, *form.centres]],
                           form.data_rest, modules=MODULES)

    @functools.cached_property
    def centred_expressions_function(self):
        """The expressions :math:`g(x)` the statistics are centred on, as one NumPy function
        of the data returning a list (compiled once)."""
        return sp.lambdify(self.data, [g for _, g in self.sufficient_form.centres],
                           modules=MODULES)

    # -- the derivation --------------------------------------------------------------

    def derive(self, *data, X=None):
        """The derivation of the model's likelihood, score, information and MLE.

        Returns a :class:`~probml._derivation.Derivation`: its page shows
        the steps, and its ``verify()`` checks them three ways on ``data``
        and ``X``, by default on a sample drawn from the model's own density at
        a parameter inside its domains (a linked parameter varying over its
        domain with one covariate).  A check it cannot make (no sample can be
        drawn, or the fit has no interior maximum) fails saying why.
        """
        from .derivation import derive
        return derive(self, data, X)

    def verify(self, *data, X=None):
        """Verify the derivation three ways (see :meth:`derive`); returns a ``Report``."""
        return self.derive(*data, X=X).verify()

    # -- the fit ---------------------------------------------------------------------

    def fit(self, *data, X=None, fit_intercept=True, start=None, method="mle",
            cov_type="observed", sample_weight=None, offset=None, feature_names=None,
            max_iter=MAX_ITER, tol=TOL):
        r"""Maximise the likelihood (``method="mle"``) or the posterior (``"map"``).

        Parameters
        ----------
        *data : array-like of shape (n,)
            One array per data symbol, in the order of ``data``.
        X : array-like of shape (n, p), optional
            Covariates of a linked parameter.
        fit_intercept : bool
            Give the linear predictor an intercept (named ``intercept``).
        start : dict or sequence, optional
            Starting values on the user's scale; by default the closed-form
            MLE where there is one, else a point inside each domain, and the
            coefficients at :meth:`coefficient_start`.
        method : {"mle", "map"}
        cov_type : {"observed", "expected", "sandwich"}
            The covariance of the estimates: inverse observed information,
            inverse expected (Fisher) information, or the robust sandwich
            :math:`I^{-1} (\sum_i s_i s_i^\top) I^{-1}`.
        sample_weight : array-like of shape (n,), optional
            Frequency weights: a weight of 2 counts an observation twice.
        offset : array-like of shape (n,), optional
            Added to the linear predictor, :math:`\eta_i = x_i^\top\beta +
            o_i` (a log exposure under the log link).
        feature_names : sequence of str, optional
            Names of the columns of ``X`` (taken from a DataFrame's columns).

        Returns
        -------
        LikelihoodFit
        """
        method = Options("mle", "map")(method, "method")
        cov_type = Options("observed", "expected", "sandwich")(cov_type, "cov_type")
        max_iter = Integer(1, 10_000_000)(max_iter, "max_iter")
        tol = Real(0, 1, closed="neither")(tol, "tol")
        if method == "map" and not self.priors:
            raise ValueError("method='map' needs a prior: pass prior={parameter: ...} to "
                             "Model.")
        if method == "mle" and self.unidentified:
            raise ValueError(_unidentified_message(self, self.unidentified))
        kind = Problem
        if any(is_dask_collection(values) for values in (*data, X, sample_weight, offset)):
            from .chunked import ChunkedProblem as kind     # Dask is imported only then
        problem = kind(self, data, X, sample_weight, feature_names, offset, fit_intercept)
        phi = problem.free_start(start)
        objective, result = fit_problem(problem, phi, with_prior=method == "map",
                                        max_iter=max_iter, tol=tol)
        return LikelihoodFit(self, problem, result, method=method, cov_type=cov_type,
                             objective=objective)

    def coefficient_start(self, n_coef, intercept):
        r"""Where the fit starts the ``n_coef`` coefficients of the linear predictor
        (the first an ``intercept``, if given).

        At 0, unless that puts the linked parameter outside its domain (a
        Poisson rate of 0 under the identity link, the inverse links' pole at
        :math:`\eta = 0`): then the intercept starts at :math:`g(\theta_0)`,
        :math:`\theta_0` the middle of the parameter's
        :meth:`~.parameters.Parameter.typical_range`, so that every observation
        starts inside the domain.
        """
        coefficients = np.zeros(n_coef)
        at_zero = LINKS[self.link](sp.Integer(0))
        if not intercept or at_zero.is_finite and self.linked.contains(float(at_zero)):
            return coefficients
        with np.errstate(all="ignore"):
            value = float(link_function(self.link)(sum(self.linked.typical_range()) / 2))
        if math.isfinite(value):
            coefficients[0] = value
        return coefficients

    def closed_form(self):
        """The closed-form MLE as a numeric function of the data, or None (built once)."""
        from .derivation import symbolic
        return symbolic(self).closed_form_function


# -- sufficient statistics ------------------------------------------------------------

class SufficientForm(NamedTuple):
    """A log-density through sufficient statistics (see :attr:`Model.sufficient_form`)."""

    statistics: list
    rest: sp.Expr
    centres: list
    data_rest: sp.Expr


def _separated(term, data):
    """``[(a(theta), T(x))]`` when ``term`` is a product of the two, else None."""
    outside, inside = term.as_independent(*data, as_Add=False)
    if outside.has(*data) or inside.free_symbols - set(data):
        return None
    return [(outside, inside)]


def _centred_expansion(term, data, centres, generator=None):
    r"""``term`` as :math:`\sum_j a_j(\theta, c)\,(g - c)^j`, or None.

    :math:`g(x)` is the one largest expression of the data alone in
    ``term`` (:math:`x` in :math:`(x-\mu)^2`), and ``term`` must be a
    polynomial in it.  The coefficients are the Taylor coefficients in
    :math:`v = g - c` at :math:`v = 0`, which keep differences such as
    :math:`c - \mu` unexpanded.  ``centres`` maps each :math:`g` to its
    centre's symbol (one is added for a new :math:`g`).  With ``generator``,
    :math:`g` is that expression, already centred (a data-only term in it).
    """
    if generator is None:
        generators = _data_expressions(term, set(data))
        if len(generators) != 1:
            return None
        g, = generators
    else:
        g = generator
    v = sp.Dummy("v")
    centre = centres.get(g, sp.Dummy(f"c{len(centres)}"))
    shifted = term.xreplace({g: centre + v})
    if shifted.has(*data) or not shifted.is_polynomial(v):
        return None
    centres[g] = centre
    expansion, derivative = [], shifted
    for j in range(sp.Poly(shifted, v).degree() + 1):
        coefficient = derivative.subs(v, 0) / sp.factorial(j)
        if coefficient != 0:
            expansion.append((coefficient, (g - centre) ** j))
        derivative = sp.diff(derivative, v)
    return expansion


def _data_expressions(expr, data):
    """The largest subexpressions of ``expr`` free of everything but the data."""
    free = expr.free_symbols
    if not free & data:
        return set()
    if free <= data:
        return {expr}
    return set().union(*(_data_expressions(argument, data) for argument in expr.args))


# -- checks of the definition ----------------------------------------------------------

def _parameters(logpdf, data, params):
    domains = dict(params) if isinstance(params, dict) else {}
    symbols = parameter_symbols(logpdf, data, list(params) if isinstance(params, dict)
                                else params, expr_name="logpdf", data_name="data")
    return tuple(Parameter(s, *as_domain(s, domains.get(s))) for s in symbols)


def _support(support):
    if support is None:
        return None
    if isinstance(support, str):
        if support not in SUPPORTS:
            raise ValueError(f"support must be one of {sorted(SUPPORTS)} or a pair "
                             f"(low, high), got {support!r}.")
        return support
    return as_interval(support, "support")


def _linked(parameters, link):
    if link is None:
        return None, None
    if not isinstance(link, dict) or len(link) != 1:
        raise ValueError("link must be a dict {parameter: link name} with one entry, got "
                         f"{link!r}.")
    (symbol, name), = link.items()
    matches = [p for p in parameters if p.symbol == symbol or p.name == str(symbol)]
    if not matches:
        raise ValueError(f"link names {symbol}, which is not a parameter of the model."
                         + did_you_mean(symbol, [p.name for p in parameters]))
    if name not in LINKS:
        raise ValueError(f"The link of {symbol} must be one of {sorted(LINKS)}, got {name!r}.")
    return matches[0], name


def _priors(parameters, prior):
    if prior is None:
        return {}
    if not isinstance(prior, dict):
        raise TypeError(f"prior must be a dict {{parameter: distribution}}, got {prior!r}.")
    out = {}
    by_name = {p.name: p for p in parameters}
    for key, value in prior.items():
        parameter = by_name.get(str(key))
        if parameter is None:
            raise ValueError(f"prior names {key}, which is not a parameter of the model."
                             + did_you_mean(key, by_name))
        out[parameter.symbol] = as_prior(value, parameter)
    return out


def _data_free_terms(logpdf, data, parameters):
    r"""``{parameter: its terms}`` for each parameter found only in terms of ``logpdf``
    free of the data.

    Such a parameter is not identified: it moves every observation's
    log-density alike, so the data cannot inform it.  Nor is ``logpdf`` a
    density in it: :math:`\int e^{g(\theta) + h(x)}\,dx = 1` for every
    :math:`\theta` forces :math:`g` to be constant.  It is a misspelling
    (``lamda`` for ``lam``, which made a second parameter), a term with the
    wrong sign, or a bound of the support (``-log(theta)`` of a uniform on
    :math:`(0, \theta)`), which a model cannot express.
    """
    terms = sp.Add.make_args(sp.expand(logpdf, multinomial=False, power_exp=False,
                                       power_base=False, log=False))
    with_data = set().union(*(term.free_symbols for term in terms if term.has(*data)))
    return {parameter: [term for term in terms if term.has(parameter.symbol)]
            for parameter in parameters if parameter.symbol not in with_data}


def _unidentified_message(model, unidentified):
    """Why the ``unidentified`` parameters cannot be estimated from the data, by name."""
    names = [p.name for p in model.parameters]
    data = ", ".join(map(str, model.data))
    parts = []
    for parameter, terms in unidentified.items():
        shown = " and ".join(map(str, terms[:3]))
        parts.append(f"The parameter {parameter.name} enters logpdf only through {shown}, "
                     f"which {'does' if len(terms) == 1 else 'do'} not involve the data "
                     f"({data}).{did_you_mean(parameter.name, names)}")
    which = ", ".join(p.name for p in unidentified)
    first = next(iter(unidentified)).name
    if all(p.symbol in model.priors for p in unidentified):
        remedy = ("It has a prior: fit the posterior with method='map' (its value then comes "
                  "from the prior, not the data).")
    else:
        remedy = (f"Correct the name or the term; to estimate {which} from a prior alone, "
                  f"give it one (prior={{{first}: ...}}) and fit with method='map'.")
    return (" ".join(parts) + f" The data cannot inform {which} (it is not identified: the "
            "likelihood has no maximum in it), and logpdf is not a density in it. " + remedy)


def _check_real_valued(model):
    """The log-density must be a real number at points across the domains and the support.

    Three points each: below, near and above 1 inside each parameter's domain
    (so a ``log(mu)`` with a real ``mu`` is caught at ``mu = -1.3``), paired
    with two typical data values.
    """
    low, high, discrete = support_interval(model.support) or (-math.inf, math.inf, False)
    for which in range(3):
        point = {p.symbol: _inside(p.low, p.high, which=which) for p in model.parameters}
        for symbol in model.data[1:]:
            point[symbol] = sp.Float(1.0)
        for value in (_inside(low, high, discrete), _inside(low, high, discrete, 1)):
            point[model.data[0]] = value
            result = sp.N(model.logpdf.subs(point))
            # -oo is a density of 0 (a point the model rules out); complex, NaN or +oo is
            # not a log-density at all.
            if result == -sp.oo:
                continue
            if not result.is_number or result.is_real is False or result.has(sp.I) or \
                    not result.is_finite:
                shown = ", ".join(f"{k} = {float(v):g}" for k, v in point.items())
                raise ValueError(
                    f"logpdf is not a real number at {shown} (it is {result}): a log-density "
                    "must be real on the parameters' domains and the data's support. Declare "
                    "the domains (positive=True, params={...}) and the support.")


def _inside(low, high, discrete=False, which=0):
    """A typical point of (low, high): -1.3, 0.3 or 1.7 on the line, just past a bound, or
    spread across a bounded interval; a count just above the lowest."""
    if discrete:
        return sp.Integer(int(low) + 1 + which) if high > low + 1 else sp.Integer(
            int(low) + which % 2)
    if math.isinf(low) and math.isinf(high):
        return sp.Float((-1.3, 0.3, 1.7)[which])
    if math.isinf(high):
        return sp.Float(low + (0.7, 0.2, 1.7)[which])
    if math.isinf(low):
        return sp.Float(high - (0.7, 0.2, 1.7)[which])
    return sp.Float(low + (high - low) * (0.3, 0.1, 0.7)[which])


