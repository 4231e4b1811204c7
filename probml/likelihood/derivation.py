r"""The derivation page of a user's model, and its three-part verification.

From the per-observation log-density the page derives, for a sample of
general size :math:`n`:

1. the log-likelihood :math:`\ell(\theta) = \sum_{i=1}^n \log f(x_i;\theta)`;
2. the score :math:`\partial\ell/\partial\theta_j`, each sum split so that
   the parameters stand outside it;
3. the stationarity equations and, where SymPy solves them, the closed-form
   MLE (:math:`\hat\lambda = \frac1n\sum_i x_i` for the Poisson model);
4. the observed information :math:`-\partial^2\ell/\partial\theta_j\partial\theta_k`
   and, where SymPy can take the expectation, the Fisher information
   :math:`n\,E[-\partial^2 \log f/\partial\theta_j\partial\theta_k]`.

It is verified three ways: symbolically (the split score equals SymPy's
derivative of the log-likelihood, and the closed form solves the score
equations, both for a sample of concrete size), against SciPy (the compiled
score against finite differences, and the Newton fit against
``scipy.optimize.minimize`` on the same log-likelihood), and against probml
(the closed form against the Newton fit, or the score at the fit).  The
numeric checks fit the caller's data, or a sample the model could have
generated: drawn from its own density at a parameter inside its domains, and
fitted from that parameter (:func:`_drawn_sample`).
"""

import functools
import math
import warnings
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy.special import expit, log_expit
from sympy.printing.latex import LatexPrinter

from .._blocks import row_sum
from .._derivation import Derivation, Eq, Step, Tex, is_zero
from ..exceptions import ConvergenceWarning, DivergenceError, warn
from .compiled import MODULES, compile_expressions, stable
from .data import support_interval
from .model import ETA, LINKS, link_function
from .nonlinear import linear_parameters
from .parameters import Parameter
from .symbolic import (
    INDEX,
    N,
    REAL,
    assumed_symbol,
    data_assumptions,
    domain_assumptions,
    expected_value,
    per_observation,
    sample_sum,
    solve_score,
    textbook,
)

__all__ = ["derive", "derive_least_squares", "expected_information_function", "symbolic"]

# The sample size at which the general-n identities are checked exactly.
_CHECK_N = 3
# The sample verify() draws from the model when given no data: its size and seed, and
# the largest whole number in a further data column (a binomial's trials).
_SAMPLE_SIZE = 200
_SEED = 20261130
_LARGEST_COVARIATE = 8
# Drawing from the model's density on a grid: counts from 64 up to 65,536 values; a
# continuous response on t in [-36, 36] mapped into its support (e^36 = 4e15 past a
# bound), on grids of 2,049 points.  Mass below _NEGLIGIBLE is outside the fine grid; a
# density still above _EDGE_DENSITY of its peak at the grid's ends does not fall off.
_FIRST_COUNTS, _MOST_COUNTS = 64, 1 << 16
_REACH, _GRID_POINTS = 36.0, 2049
_NEGLIGIBLE, _EDGE_DENSITY = 1e-14, 1e-8


class Symbolic:
    r"""Everything derived about a model, computed once per model.

    The derivation's symbols carry what the model declares: a datum its
    support's assumptions (real; positive, or a nonnegative integer, ...)
    and a parameter its domain's (real; positive), so that SymPy writes
    :math:`\log e^{a_0 + a_1 x_i}` as :math:`a_0 + a_1 x_i` and
    :math:`\log(t_i/\lambda)` as :math:`\log t_i - \log\lambda`.  A
    parameter symbol that already carries them is kept.
    """

    def __init__(self, model):
        self.model = model
        linked = model.linked
        self.symbols = {p.symbol: assumed_symbol(p.symbol, domain_assumptions(p.low, p.high))
                        for p in model.parameters}
        self.scalars = tuple(Parameter(self.symbols[p.symbol], p.low, p.high)
                             for p in model.scalar_parameters)
        self.data_assumptions = ([data_assumptions(support_interval(model.support))]
                                 + [REAL] * (len(model.data) - 1))
        logpdf_i = per_observation(model.logpdf.xreplace(self.symbols), model.data,
                                   self.data_assumptions)
        if linked is not None:
            eta_i = sp.IndexedBase("eta", real=True)[INDEX]
            mean = LINKS[model.link](eta_i)
            self.link_equation = Eq(sp.IndexedBase(linked.name)[INDEX], mean)
            # log(alpha mu / (1 + alpha mu)) with mu = e^eta: log alpha + eta - log(1 + ...)
            logpdf_i = logpdf_i.xreplace({self.symbols[linked.symbol]: mean}).replace(
                lambda e: isinstance(e, sp.log) and e.has(eta_i), sp.expand_log)
            self.eta_i = eta_i
        self.logpdf_i = logpdf_i

    @functools.cached_property
    def loglik(self):
        return sample_sum(self.logpdf_i)

    @functools.cached_property
    def scores(self):
        return {p.symbol: textbook(sample_sum(sp.diff(self.logpdf_i, p.symbol)))
                for p in self.scalars}

    @functools.cached_property
    def eta_score(self):
        return sp.simplify(sp.diff(self.logpdf_i, self.eta_i))

    @functools.cached_property
    def eta_information(self):
        return sp.simplify(-sp.diff(self.logpdf_i, self.eta_i, 2))

    @functools.cached_property
    def mle(self):
        return self._closed_form() if self.model.linked is None else {}

    @functools.cached_property
    def information(self):
        scalars, logpdf_i = self.scalars, self.logpdf_i
        size = len(scalars)
        matrix = sp.zeros(size, size)
        for a in range(size):
            for b in range(a, size):
                matrix[a, b] = matrix[b, a] = textbook(sample_sum(
                    -sp.diff(logpdf_i, scalars[a].symbol, scalars[b].symbol)))
        return matrix

    @functools.cached_property
    def expected(self):
        return self._expected_per_observation()

    @functools.cached_property
    def closed_form_function(self):
        """``f(*data) -> [value or None per scalar parameter]``, or None without closed forms."""
        return _closed_form_function(self.model.data, self.scalars, self.mle)

    @functools.cached_property
    def expected_information_function(self):
        """``f(problem, theta) -> Fisher information`` on the user's scale, or None."""
        if self.expected is None:
            return None
        model_symbols = {derived: own for own, derived in self.symbols.items()}
        return _expected_information_function(self.model, self.expected.xreplace(model_symbols))

    def _closed_form(self):
        """Closed forms by parameter: (shown with hats, with the data only), or absent."""
        solved = {}
        for parameter in self.scalars:
            root = solve_score(self.scores[parameter.symbol], parameter.symbol,
                               _inside(parameter))
            if root is not None:
                solved[parameter.symbol] = root
        hats = {p.symbol: Tex(r"\hat{" + sp.latex(p.symbol) + "}") for p in self.scalars}
        resolved = {}
        for _ in range(len(solved)):
            for symbol, root in solved.items():
                others = [s for s in root.free_symbols if s in hats and s != symbol]
                if symbol not in resolved and all(s in resolved for s in others):
                    resolved[symbol] = root.subs({s: resolved[s] for s in others})
        return {symbol: (solved[symbol].subs(hats), resolved[symbol])
                for symbol in resolved}

    def _expected_per_observation(self):
        """:math:`E[-\\partial^2 \\log f]` per observation in the model's variables, or None."""
        model = self.model
        interval = support_interval(model.support)
        if interval is None or len(model.data) != 1:
            return None
        x = sp.Symbol(str(model.data[0]), **self.data_assumptions[0])
        logpdf = model.logpdf.xreplace({**self.symbols, model.data[0]: x})
        density = _density(logpdf)
        symbols = [self.symbols[p.symbol] for p in model.parameters]
        size = len(symbols)
        matrix = sp.zeros(size, size)
        for a in range(size):
            for b in range(a, size):
                value = expected_value(-sp.diff(logpdf, symbols[a], symbols[b]), x, density,
                                       interval)
                if value is None:
                    return None
                matrix[a, b] = matrix[b, a] = value
        if model.linked is None:
            return matrix
        # Chain rule to eta: the term with g'' has expectation 0 (the score's mean is 0).
        mean = LINKS[model.link](ETA)
        derivative = sp.diff(mean, ETA)
        linked = self.symbols[model.linked.symbol]
        order = [s for s in symbols if s != linked] + [linked]
        permuted = matrix.extract([symbols.index(s) for s in order],
                                  [symbols.index(s) for s in order])
        scale = sp.diag(*([1] * (size - 1) + [derivative]))
        return (scale * permuted * scale).subs(linked, mean)


def _density(logpdf):
    r""":math:`e^{\log f}` as a product of powers: :math:`p(1-p)^{x-1}`, which SymPy sums,
    rather than :math:`e^{\log p + (x-1)\log(1-p)}`, which it does not."""
    factors = []
    for term in sp.Add.make_args(sp.expand(sp.expand_log(logpdf, force=True))):
        logs = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.log)]
        if len(logs) == 1:
            factors.append(logs[0].args[0] ** sp.Mul(*[f for f in sp.Mul.make_args(term)
                                                        if f is not logs[0]]))
        else:
            factors.append(sp.exp(term))
    return sp.Mul(*factors)


def symbolic(model):
    """The model's :class:`Symbolic` derivation, computed on first use."""
    cached = model.__dict__.get("_symbolic")
    if cached is None:
        cached = model.__dict__["_symbolic"] = Symbolic(model)
    return cached


def _inside(parameter):
    def inside(root):
        if parameter.low >= 0 and root.could_extract_minus_sign():
            return False
        return True
    return inside


# -- numeric functions of the derived results ----------------------------------------

def _statistic_function(expr, data):
    r"""A numeric function of the data arrays for an expression holding sample sums.

    Sums are evaluated innermost first: in
    :math:`\sum_i (x_i - \frac1n\sum_j x_j)^2` the inner mean is a number
    by the time the outer summand is evaluated over the data.
    """
    bases = {indexed: symbol for indexed in expr.atoms(sp.Indexed) for symbol in data
             if str(indexed.base) == str(symbol)}
    stages, statistics = [], []
    while True:
        innermost = sorted((s for s in expr.atoms(sp.Sum) if not s.function.has(sp.Sum)),
                           key=sp.default_sort_key)
        if not innermost:
            break
        symbols = [sp.Dummy(f"S{len(statistics) + k}") for k in range(len(innermost))]
        stages.append([sp.lambdify([N, *data, *statistics], s.function.subs(bases),
                                   modules=["scipy", "numpy"]) for s in innermost])
        statistics += symbols
        expr = expr.subs(dict(zip(innermost, symbols)))
    outer = sp.lambdify([N, *statistics], expr, modules=["scipy", "numpy"])

    def evaluate(*arrays):
        n = np.shape(arrays[0])[0]
        values = []
        with np.errstate(all="ignore"):
            for stage in stages:
                values += [row_sum(lambda *rows: f(n, *rows, *values), *arrays)
                           for f in stage]
            return float(outer(n, *values))
    return evaluate


def _closed_form_function(data, scalars, mle):
    if not mle:
        return None
    functions = [(_statistic_function(mle[p.symbol][1], data) if p.symbol in mle else None)
                 for p in scalars]

    def evaluate(*arrays):
        out = []
        for function in functions:
            value = function(*arrays) if function is not None else None
            out.append(value if value is None or math.isfinite(value) else None)
        return out
    return evaluate


def expected_information_function(model):
    """``f(problem, theta, rows=slice(None)) -> Fisher information`` of the problem's
    ``rows``, on the user's scale, or None."""
    return symbolic(model).expected_information_function


def _expected_information_function(model, matrix):
    if matrix is None:
        return None
    size = matrix.shape[0]
    entries = tuple(matrix[a, b] for a in range(size) for b in range(a, size))
    compiled = compile_expressions(model.data, model.variables, entries)

    def information(problem, theta, rows=slice(None)):
        k = problem.n_scalar
        arguments = list(theta[:k])
        if problem.X is not None:
            arguments.append(problem.linear_predictor(theta, rows))
        values = compiled.evaluate(compiled.prepare(*(a[rows] for a in problem.arrays)),
                                   *arguments)
        # The layout of a pass with no value and no gradient: only second derivatives.
        zeros = [0.0] * (1 + size)
        X = None if problem.X is None else problem.X[rows]
        weights = None if problem.weights is None else problem.weights[rows]
        size_rows = len(problem.arrays[0][rows])
        return problem.assemble(zeros + list(values), X, weights, size_rows, True)[2]
    return information


# -- the page ------------------------------------------------------------------------

class _PagePrinter(LatexPrinter):
    r"""SymPy's LaTeX as a textbook writes it: a sum starting with a positive term
    where it has one (:math:`x_i - \mu`, not :math:`-\mu + x_i`),
    :math:`\log\Gamma(a)` for ``loggamma``, :math:`\psi(a)` and :math:`\psi'(a)`
    for the digamma and trigamma functions."""

    def _as_ordered_terms(self, expr, order=None):
        terms = list(super()._as_ordered_terms(expr, order=order))
        positive = [term for term in terms if not term.could_extract_minus_sign()]
        if positive and terms[0].could_extract_minus_sign():
            terms.remove(positive[0])
            terms.insert(0, positive[0])
        return terms

    def _print_loggamma(self, expr, exp=None):
        tex = rf"\log\Gamma\left({self._print(expr.args[0])}\right)"
        return rf"\left({tex}\right)^{{{exp}}}" if exp else tex

    def _print_log(self, expr, exp=None):
        if isinstance(expr.args[0], sp.gamma):     # log Gamma(y + 1) of a count
            return self._print_loggamma(sp.loggamma(expr.args[0].args[0]), exp)
        return super()._print_log(expr, exp)

    def _print_polygamma(self, expr, exp=None):
        order, argument = expr.args
        name = {0: r"\psi", 1: r"\psi'"}.get(order, rf"\psi^{{({self._print(order)})}}")
        tex = rf"{name}\left({self._print(argument)}\right)"
        return rf"\left({tex}\right)^{{{exp}}}" if exp else tex


def _renamed(model):
    """The sample size as :math:`N` (the index as :math:`j`) on a page whose model has a
    symbol named n (i): the negative binomial's n is not the sample size."""
    names = {str(s) for s in model.logpdf.free_symbols}
    return {symbol: new for symbol, new in ((N, "N"), (INDEX, "j")) if str(symbol) in names}


def _page_latex(model):
    """The LaTeX printer of ``model``'s page (:class:`_PagePrinter`)."""
    return _PagePrinter({"symbol_names": _renamed(model)}).doprint


def _slug(name):
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split()) or "model"


def derive(model, data, X):
    """The :class:`~probml._derivation.Derivation` of ``model`` (see the module docstring)."""
    derived = symbolic(model)
    steps = _steps(model, derived)
    results = {"loglik": derived.loglik}
    for parameter in derived.scalars:
        results[f"score_{parameter.name}"] = derived.scores[parameter.symbol]
    if model.linked is not None:
        results["score_eta"] = derived.eta_score
    for symbol, (_, value) in derived.mle.items():
        results[f"mle_{symbol}"] = value
    if derived.scalars:
        results["information"] = derived.information
    if derived.expected is not None:
        results["expected_information"] = derived.expected
    checks = _Checks(model, data, X)
    closed = bool(derived.mle)
    return Derivation(
        name=_slug(model.name), title=f"The likelihood of the {model.name} model",
        concepts=["log-likelihood", "score", "information", "maximum likelihood"],
        steps=steps, results=results, latex=_page_latex(model),
        symbolic=lambda d: _symbolic_check(model, d),
        scipy=checks.scipy, probml=checks.probml,
        tolerance=(1e-5, 1e-8),
        footer="Regenerate with `model.derive()`; verify with `model.verify()`.",
        checked_against=(
            "the compiled score against SciPy's finite differences of the log-likelihood, "
            "and the Newton fit against `scipy.optimize.minimize` on the same "
            "log-likelihood, in relative error.",
            "the closed-form MLE evaluated on the data against the Newton fit of "
            "`Model.fit`." if closed else
            "the score at `Model.fit`'s estimate, in standard-error units (no closed form)."))


def _steps(model, derived):
    x_i = [sp.IndexedBase(str(s), **given)[INDEX]
           for s, given in zip(model.data, derived.data_assumptions)]
    params = ", ".join(sp.latex(derived.symbols[p.symbol]) for p in model.parameters)
    density = Tex(rf"\log f({', '.join(sp.latex(v) for v in x_i)};\ {params})")
    steps = [Step("Each observation has the log-density", Eq(density, model.logpdf.xreplace(
        {**derived.symbols, **dict(zip(model.data, x_i))})))]
    if model.linked is not None:
        steps.append(Step(f"The parameter ${sp.latex(model.linked.symbol)}$ varies with the "
                          f"covariates through the {model.link} link, "
                          r"$\eta_i = x_i^\top\beta$:", derived.link_equation))
    steps.append(Step("The observations are independent, so the log-likelihood of a sample "
                      f"of ${_renamed(model).get(N, 'n')}$ is the sum of their log-densities:",
                      Eq(Tex(r"\ell"), derived.loglik)))
    for parameter in derived.scalars:
        label = Tex(rf"\frac{{\partial \ell}}{{\partial {sp.latex(parameter.symbol)}}}")
        steps.append(Step(f"Differentiating under the sum, the score for "
                          f"${sp.latex(parameter.symbol)}$ is", Eq(label,
                                                                   derived.scores[parameter.symbol])))
    if model.linked is not None:
        steps.append(Step(r"The score for $\beta$ is $\sum_i "
                          r"\frac{\partial \ell_i}{\partial \eta_i} x_i$, with",
                          Eq(Tex(r"\frac{\partial \ell_i}{\partial \eta_i}"), derived.eta_score)))
        steps.append(Step(r"and its information $X^\top W X$ has weights",
                          Eq(Tex(r"w_i = -\frac{\partial^2 \ell_i}{\partial \eta_i^2}"),
                             derived.eta_information)))
    for symbol, (shown, _) in derived.mle.items():
        hat = Tex(r"\hat{" + sp.latex(symbol) + "}")
        steps.append(Step(f"Setting the score for ${sp.latex(symbol)}$ to zero and solving "
                          "gives the maximum-likelihood estimate", Eq(hat, shown)))
    unsolved = [p for p in derived.scalars if p.symbol not in derived.mle]
    if unsolved and model.linked is None:
        names = ", ".join(f"${sp.latex(p.symbol)}$" for p in unsolved)
        steps.append(Step(f"The score equations for {names} have no closed-form solution "
                          "SymPy can find: Newton's method solves them numerically."))
    if derived.scalars:
        steps.append(Step("The observed information is minus the matrix of second "
                          "derivatives:", Eq(Tex(r"\mathcal J"), derived.information)))
    if derived.expected is not None:
        steps.append(Step("Taking the expectation of one observation's information over its "
                          "density gives the Fisher information per observation",
                          Eq(Tex(r"i(\theta)"), derived.expected)))
    return steps


# -- the three checks ------------------------------------------------------------------

def _concrete(expr):
    """``expr`` for a sample of ``_CHECK_N`` observations, the sums written out."""
    return expr.subs(N, _CHECK_N).doit()


def _symbolic_check(model, d):
    derived = symbolic(model)
    for parameter in derived.scalars:
        direct = sp.diff(_concrete(derived.loglik), parameter.symbol)
        if not is_zero(_concrete(d.results[f"score_{parameter.name}"]) - direct):
            return False
    if derived.mle:
        at_mle = {symbol: _concrete(value) for symbol, (_, value) in derived.mle.items()}
        for symbol in at_mle:
            score = _concrete(d.results[f"score_{symbol}"]).subs(at_mle)
            if not is_zero(sp.together(score)):
                return False
    return True


# -- the verification sample ---------------------------------------------------------

@dataclass(frozen=True)
class _Sample:
    """The data the numeric checks fit: arrays per data symbol, the covariates, the start
    (the parameter that generated a drawn sample; None for the caller's data: the fit's
    own start), and what the data are, for a message."""

    data: tuple
    X: object
    start: object
    origin: str


def _sample(model, data, X):
    """The caller's data, or a sample drawn from the model (:func:`_drawn_sample`)."""
    if data:
        return _Sample(tuple(data), X, None, "the data given to verify()")
    return _drawn_sample(model)


def _drawn_sample(model):
    r"""``_SAMPLE_SIZE`` observations the model could have generated, and the parameter
    that generated them.

    Each scalar parameter sits in the middle of its
    :meth:`~.parameters.Parameter.typical_range`.  A linked parameter varies over
    that range with one covariate :math:`x_i \sim U(-1, 1)`: its coefficients
    are those that map :math:`x = \mp 1` to the range's ends,
    :math:`\beta_0 \pm \beta_1 = g(\theta_{\text{low}}), g(\theta_{\text{high}})`,
    so that every observation's parameter is inside the domain whatever the link
    (a rate stays positive under the identity link, a mean away from the inverse
    link's pole).  Further data columns (a binomial's trials, an exposure) are
    whole numbers 1 to 8, and the response is drawn from the model's own density
    given them (:func:`_draw_response`): a count never exceeds its trials, and
    the sample, spread over the range with 200 observations, has an interior
    maximum.
    """
    rng = np.random.default_rng(_SEED)
    n = _SAMPLE_SIZE
    values = {p.symbol: sum(p.typical_range()) / 2 for p in model.scalar_parameters}
    start, X = list(values.values()), None
    if model.linked is not None:
        x = rng.uniform(-1.0, 1.0, n)
        low, high = _linear_predictor_range(model)
        intercept, slope = (low + high) / 2, (high - low) / 2
        inverse_link = sp.lambdify(ETA, LINKS[model.link](ETA), modules=MODULES)
        values[model.linked.symbol] = inverse_link(intercept + slope * x)
        start += [intercept, slope]
        X = x[:, None]
    extra = [rng.integers(1, _LARGEST_COVARIATE + 1, n).astype(float) for _ in model.data[1:]]
    y = _draw_response(model, values, extra, rng.random(n))
    shown = ", ".join(f"{name} = {value:.4g}" for name, value in zip(
        [p.name for p in model.scalar_parameters] + ["intercept", "x0"], start))
    return _Sample((y, *extra), X, start,
                   f"the sample of {n} drawn from the model at {shown or 'its parameters'}")


def _linear_predictor_range(model):
    """:math:`(\\eta_{\\text{low}}, \\eta_{\\text{high}})`, the link of the linked parameter's
    typical range, or an error saying that the link does not reach it."""
    linked, link = model.linked, model.link
    ends = np.array(linked.typical_range())
    with np.errstate(all="ignore"):
        eta = link_function(link)(ends)
        back = sp.lambdify(ETA, LINKS[link](ETA), modules=MODULES)(eta)
    if not (np.all(np.isfinite(eta)) and np.allclose(back, ends)):
        raise ValueError(f"verify() cannot draw a sample from the model: the {link} link does "
                         f"not reach {linked.name} between {ends[0]:g} and {ends[1]:g}, inside "
                         f"its domain {linked.describe()}. Pass data: verify(*data, X=X).")
    return float(min(eta)), float(max(eta))


def _draw_response(model, values, extra, u):
    """The response drawn by inverting its distribution function at ``u``, given the
    parameters ``values`` (a number, or an array per observation) and the ``extra``
    data columns; the density is the model's own, normalised numerically."""
    symbols = list(values)
    function = sp.lambdify([*model.data, *symbols], stable(model.logpdf), modules=MODULES)
    arguments = [np.reshape(v, (-1, 1)) if np.ndim(v) else v for v in [*extra, *values.values()]]

    def log_density(y):
        """:math:`\\log f` at the grid ``y`` (one row, or one per observation), a density
        of 0 where it is not a number."""
        with np.errstate(all="ignore"):
            logf = np.asarray(function(y, *arguments), dtype=float)
        logf = np.broadcast_to(logf, np.broadcast_shapes(y.shape, *map(np.shape, arguments)))
        return np.where(np.isnan(logf), -np.inf, logf)

    low, high, discrete = support_interval(model.support) or (-math.inf, math.inf, False)
    draw = _draw_count if discrete else _draw_continuous
    return draw(log_density, low, high, u, str(model.data[0]))


def _cannot_draw(name, why):
    return ValueError(f"verify() cannot draw a sample of {name} from the model: {why}. Declare "
                      "the support and the parameters' domains, or pass data: "
                      "verify(*data, X=X).")


def _normalised(logf, name):
    """``exp(logf)`` scaled to a largest value of 1 in each row."""
    top = np.max(logf, axis=1, keepdims=True)
    if not np.all(np.isfinite(top)):
        raise _cannot_draw(name, "its log-density is not a finite number anywhere in the "
                                 "support, or is +inf")
    return np.exp(logf - top)


def _inverted(cdf, u):
    """For each ``u[i]``, the index ``k >= 1`` with ``cdf[i, k-1] < u[i] <= cdf[i, k]``
    (``cdf`` a row per observation, or one row for all)."""
    cdf = np.broadcast_to(cdf, (len(u), cdf.shape[1]))
    return np.clip(np.sum(cdf < u[:, None], axis=1), 1, cdf.shape[1] - 1), cdf


def _draw_count(log_density, low, high, u, name):
    """Counts from ``low`` up, the grid widened until its last quarter holds no mass."""
    size = _FIRST_COUNTS
    while True:
        grid = np.arange(low, min(high, low + size - 1) + 1.0)
        p = _normalised(log_density(grid[None, :]), name)
        tail = np.sum(p[:, 3 * len(grid) // 4:], axis=1)
        if grid[-1] == high or np.all(tail <= _NEGLIGIBLE * np.sum(p, axis=1)):
            break
        if size >= _MOST_COUNTS:
            raise _cannot_draw(name, f"its probabilities do not fall off below {grid[-1]:g}")
        size *= 4
    cdf = np.cumsum(np.c_[np.zeros(len(p)), p], axis=1)
    index, _ = _inverted(cdf / cdf[:, -1:], u)
    return grid[index - 1]


def _draw_continuous(log_density, low, high, u, name):
    r"""Numbers inside the open support ``(low, high)``, through
    :math:`y = y(t)` onto :math:`t \in [-36, 36]` (:func:`_support_map`): a coarse
    grid finds where the mass is, a fine grid there inverts the distribution
    function (trapezoids, linear between the grid points)."""
    to_support = _support_map(low, high)

    def log_mass(t):
        y, log_jacobian = to_support(t)
        return log_density(y) + log_jacobian

    t = np.linspace(-_REACH, _REACH, _GRID_POINTS)
    p = _normalised(log_mass(t[None, :]), name)
    if np.any(p[:, [0, -1]] > _EDGE_DENSITY):
        raise _cannot_draw(name, "its density does not fall off towards the ends of the "
                                 "support (it may not be a density there)")
    # The grid points either side of the mass, one more each way.
    cdf = np.cumsum(p, axis=1) / np.sum(p, axis=1, keepdims=True)
    first = np.maximum(np.sum(cdf < _NEGLIGIBLE, axis=1) - 1, 0)
    final = np.minimum(len(t) + 1 - np.sum(cdf > 1 - _NEGLIGIBLE, axis=1), len(t) - 1)
    fine = t[first, None] + (t[final] - t[first])[:, None] * np.linspace(0.0, 1.0, len(t))
    p = _normalised(log_mass(fine), name)
    cells = (p[:, 1:] + p[:, :-1]) / 2 * np.diff(fine, axis=1)
    cdf = np.cumsum(np.c_[np.zeros(len(p)), cells], axis=1)
    index, cdf = _inverted(cdf / cdf[:, -1:], u)
    fine, rows = np.broadcast_to(fine, cdf.shape), np.arange(len(u))
    below, above = cdf[rows, index - 1], cdf[rows, index]
    share = (u - below) / np.maximum(above - below, np.finfo(float).tiny)
    drawn = fine[rows, index - 1] + share * (fine[rows, index] - fine[rows, index - 1])
    return np.clip(to_support(drawn)[0], np.nextafter(low, math.inf),
                   np.nextafter(high, -math.inf))


def _support_map(low, high):
    r""":math:`t \mapsto (y(t), \log y'(t))` from the line onto the open support:
    :math:`\sinh t` on the line, a bound plus or minus :math:`e^t` past it, and the
    logistic function across an interval."""
    if math.isinf(low) and math.isinf(high):
        return lambda t: (np.sinh(t), np.log(np.cosh(t)))
    if math.isinf(high):
        return lambda t: (low + np.exp(t), t)
    if math.isinf(low):
        return lambda t: (high - np.exp(t), t)
    width = high - low
    return lambda t: (low + width * expit(t), math.log(width) + log_expit(t) + log_expit(-t))


# -- the numeric checks, on one fit ---------------------------------------------------

class _Checks:
    """The SciPy and probml checks of a model on one sample, sharing one fit.

    The sample is drawn, and the model fitted, when a check first needs them
    (``derive()`` alone draws nothing).  The fits start at the parameter that
    generated a drawn sample, or where ``Model.fit`` starts on the caller's data.
    """

    def __init__(self, model, data, X):
        self.model, self.data, self.X = model, data, X

    @functools.cached_property
    def sample(self):
        return _sample(self.model, self.data, self.X)

    @functools.cached_property
    def outcome(self):
        """The fit of the sample, or the error saying why the checks cannot be made (the
        fit failed, or found no interior maximum to compare at), made once for both."""
        sample, model = self.sample, self.model
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fit = model.fit(*sample.data, X=sample.X, start=sample.start)
            except DivergenceError as error:
                return ValueError(f"verify() cannot check the derivation numerically: the "
                                  f"fit of {sample.origin} failed: {error}")
        for warning in caught:
            if issubclass(warning.category, ConvergenceWarning):
                return ValueError(f"verify() cannot check the derivation numerically: the "
                                  f"fit of {sample.origin} found no interior maximum to "
                                  f"compare at ({warning.category.__name__}: "
                                  f"{warning.message})")
        for warning in caught:
            warn(str(warning.message), warning.category)
        return fit

    @property
    def fit(self):
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome

    def scipy(self, derivation):
        return _scipy_check(self.model, self.sample, self.fit)

    def probml(self, derivation):
        return _probml_check(self.model, self.sample, self.fit)


def _scipy_check(model, sample, fit):
    """The larger of the score's and the fit's relative errors against SciPy."""
    from scipy.differentiate import derivative
    from scipy.optimize import minimize
    problem = fit.problem
    data, X = sample.data, sample.X
    logpdf = sp.lambdify([*model.data, *[p.symbol for p in model.scalar_parameters],
                          *([ETA] if model.linked is not None else [])],
                         model.observation_logpdf, modules=["scipy", "numpy"])
    k = problem.n_scalar

    def negative_loglik(theta):
        extra = [problem.linear_predictor(theta)] if X is not None else []
        with np.errstate(all="ignore"):
            value = -float(np.sum(logpdf(*data, *theta[:k], *extra)))
        return value if math.isfinite(value) else 1e300

    # The score at a point beside the fit (where it is not ~0), against SciPy's
    # adaptive finite differences of the log-likelihood.
    theta = fit.params_ + 0.5 * np.nan_to_num(fit.bse_)
    compiled = problem.user_derivatives(theta, hessian=False)[1]
    errors = []
    for j in range(len(theta)):
        def along(t, j=j):
            return np.vectorize(lambda v: -negative_loglik(np.r_[theta[:j], v, theta[j + 1:]]))(t)
        numeric = derivative(along, theta[j]).df
        errors.append(abs(numeric - compiled[j]) / max(abs(compiled[j]), 1.0))
    bounds = [(p.low if math.isfinite(p.low) else None, p.high if math.isfinite(p.high)
               else None) for p in model.scalar_parameters] + [(None, None)] * problem.n_coef
    start = problem.to_user(problem.free_start(sample.start))[0]
    found = minimize(negative_loglik, start, method="L-BFGS-B", bounds=bounds,
                     options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 10_000})
    # L-BFGS with a numeric gradient stops about 1e-6 from the optimum: a derivative-free
    # polish from there, still wholly SciPy's.  Its simplex's values agree to a few
    # roundings of the log-likelihood long before its points agree to xatol: a smaller
    # fatol would only keep it running to maxiter.
    found = minimize(negative_loglik, found.x, method="Nelder-Mead",
                     options={"xatol": 1e-11 * max(1.0, float(np.max(np.abs(found.x)))),
                              "fatol": 16 * np.finfo(float).eps * max(1.0, abs(found.fun)),
                              "maxiter": 5_000})
    errors += list(np.abs(found.x - fit.params_) / np.maximum(np.abs(fit.params_), fit.bse_))
    return float(np.max(errors))       # NaN, if any, and not the largest of the others


def _probml_check(model, sample, fit):
    closed = model.closed_form()
    if closed is not None:
        values = closed(*sample.data)
        errors = [abs(v - t) / max(abs(t), 1e-300) for v, t in zip(values, fit.params_)
                  if v is not None]
        return max(errors)
    gradient = fit.problem.user_derivatives(fit.params_, hessian=False)[1]
    return float(np.max(np.abs(gradient) * fit.bse_))


# -- nonlinear least squares -------------------------------------------------------------

def derive_least_squares(estimator, X, y, name, title):
    r"""The derivation of least squares for a SymPy mean :math:`f(x; b)`, verified on (X, y).

    Steps: the Gaussian log-likelihood and its sum of squares for general
    :math:`n`; the gradient :math:`\partial S/\partial b_j = -2\sum_i r_i\,
    \partial f_i/\partial b_j`; the Gauss-Newton step from linearising
    :math:`f`; and, for each parameter the mean is linear in, its closed form
    given the others (what variable projection solves for).
    """
    from scipy.optimize import curve_fit

    mean, x, params = estimator._symbols()
    y_i = sp.IndexedBase("y", **REAL)[INDEX]
    f_i = per_observation(mean, x)
    residual = y_i - f_i
    rss = sample_sum(residual ** 2)
    gradient = {b: textbook(sample_sum(sp.diff(residual ** 2, b)))
                for b in params}
    linear = linear_parameters(mean, params)
    closed = {}
    for b in linear:
        root = solve_score(gradient[b], b, lambda r: True)
        if root is not None:
            closed[b] = root
    S, J = Tex("S(b)"), Tex(r"J_{ij}")
    steps = [
        Step("Each observation is the mean function plus Gaussian noise, "
             r"$y_i = f(x_i; b) + \varepsilon_i$ with", Eq(Tex("f(x_i; b)"), f_i)),
        Step(r"so the log-likelihood is $-\frac n2\log(2\pi\sigma^2) - S(b)/(2\sigma^2)$, "
             "and maximising it over $b$ minimises the sum of squares", Eq(S, rss)),
    ]
    for b in params:
        label = Tex(rf"\frac{{\partial S}}{{\partial {sp.latex(b)}}}")
        steps.append(Step(f"Its derivative in ${sp.latex(b)}$ is", Eq(label, gradient[b])))
    steps.append(Step(r"With the Jacobian $J_{ij} = \partial f(x_i)/\partial b_j$, "
                      r"linearising $f(b + \delta) \approx f(b) + J\delta$ turns the "
                      r"problem into least squares for the step, "
                      r"$\delta = (J^\top J)^{-1}J^\top r$ (Gauss-Newton; "
                      r"Levenberg-Marquardt damps it), with entries",
                      Eq(J, sp.Matrix([[sp.diff(f_i, b) for b in params]]))))
    for b, value in closed.items():
        steps.append(Step(f"The mean is linear in ${sp.latex(b)}$, so setting its derivative "
                          "to zero gives it in closed form given the others:",
                          Eq(Tex(r"\hat{" + sp.latex(b) + "}"), value)))
    steps.append(Step(r"At the minimum, $\hat\sigma^2 = S(\hat b)/n$ maximises the "
                      r"likelihood, and the standard errors are "
                      r"$\sqrt{s^2 [(J^\top J)^{-1}]_{jj}}$ with $s^2 = S(\hat b)/(n - p)$."))
    results = {"rss": rss, **{f"gradient_{b}": g for b, g in gradient.items()},
               **{f"closed_{b}": v for b, v in closed.items()}}
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    y = np.asarray(y, dtype=float)

    def symbolic_check(d):
        for b in params:
            direct = sp.diff(_concrete(d.results["rss"]), b)
            if not is_zero(_concrete(d.results[f"gradient_{b}"]) - direct):
                return False
        for b in closed:
            at = _concrete(d.results[f"gradient_{b}"]).subs(b, _concrete(d.results[f"closed_{b}"]))
            if not is_zero(sp.together(at)):
                return False
        return True

    def scipy_check(d):
        model = estimator.fit(X, y)
        f = sp.lambdify([tuple(x), *params], mean, "numpy")
        found, covariance = curve_fit(lambda data, *b: f(tuple(data), *b), X.T, y,
                                      p0=np.asarray(estimator.start, dtype=float),
                                      xtol=1e-14, ftol=1e-14, gtol=1e-14, maxfev=100_000)
        errors = np.abs(found - model.params_) / model.bse_
        errors = np.r_[errors, np.abs(np.sqrt(np.diag(covariance)) - model.bse_) / model.bse_]
        return float(np.max(errors))

    def probml_check(d):
        model = estimator.fit(X, y)
        values = dict(zip(params, model.params_))
        errors = [0.0]
        for b in closed:
            expression = _statistic_function(
                d.results[f"closed_{b}"].subs({a: v for a, v in values.items() if a != b}),
                [*x, sp.Symbol("y")])
            errors.append(abs(expression(*X.T, y) - values[b]) / abs(values[b]))
        return max(errors)
    return Derivation(
        name=name, title=title,
        concepts=["nonlinear least squares", "Gauss-Newton", "Levenberg-Marquardt",
                  "variable projection"],
        steps=steps, results=results, symbolic=symbolic_check, scipy=scipy_check,
        probml=probml_check, tolerance=(1e-5, 1e-9), latex=_PagePrinter().doprint,
        footer="Regenerate with `model.derive(X, y)`; verify with `.verify()` on it.",
        checked_against=("`scipy.optimize.curve_fit` on the same data: estimates and "
                         "standard errors, in units of the standard error.",
                         "the closed form of each linear parameter, evaluated at the other "
                         "estimates, against `NonlinearRegression`'s estimate."
                         if closed else "`NonlinearRegression`'s estimate."))
