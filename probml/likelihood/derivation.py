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
(the closed form against the Newton fit, or the score at the fit).
"""

import functools
import math

import numpy as np
import sympy as sp

from .._blocks import row_sum
from .._derivation import Derivation, Eq, Step, Tex, is_zero
from .compiled import compile_expressions
from .data import support_interval
from .model import ETA, LINKS
from .nonlinear import linear_parameters
from .symbolic import (
    INDEX,
    N,
    expected_value,
    per_observation,
    sample_sum,
    solve_score,
    split_sums,
    textbook,
)

__all__ = ["derive", "derive_least_squares", "expected_information_function", "symbolic"]

# The sample size at which the general-n identities are checked exactly.
_CHECK_N = 3
# Size of the sample drawn from the support when verify() is given no data.
_SAMPLE_SIZE = 200


class Symbolic:
    """Everything derived about a model, computed once per model."""

    def __init__(self, model):
        self.model = model
        linked = model.linked
        self.scalars = model.scalar_parameters
        logpdf_i = per_observation(model.logpdf, model.data)
        if linked is not None:
            eta_i = sp.IndexedBase("eta")[INDEX]
            self.link_equation = Eq(sp.IndexedBase(linked.name)[INDEX],
                                    LINKS[model.link](eta_i))
            logpdf_i = sp.expand_log(logpdf_i.subs(linked.symbol, LINKS[model.link](eta_i)),
                                     force=True)
            self.eta_i = eta_i
        self.logpdf_i = logpdf_i

    @functools.cached_property
    def loglik(self):
        return sample_sum(self.logpdf_i)

    @functools.cached_property
    def scores(self):
        return {p.symbol: textbook(split_sums(sample_sum(sp.diff(self.logpdf_i, p.symbol))))
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
        return sp.Matrix(len(scalars), len(scalars), lambda a, b: textbook(split_sums(
            sample_sum(-sp.diff(logpdf_i, scalars[a].symbol, scalars[b].symbol)))))

    @functools.cached_property
    def expected(self):
        return self._expected_per_observation()

    @functools.cached_property
    def closed_form_function(self):
        """``f(*data) -> [value or None per scalar parameter]``, or None without closed forms."""
        return _closed_form_function(self.model, self.mle)

    @functools.cached_property
    def expected_information_function(self):
        """``f(problem, theta) -> Fisher information`` on the user's scale, or None."""
        return _expected_information_function(self.model, self.expected)

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
        x = model.data[0]
        logpdf = model.logpdf
        density = _density(logpdf)
        symbols = [p.symbol for p in model.parameters]
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
        order = [s for s in symbols if s != model.linked.symbol] + [model.linked.symbol]
        permuted = matrix.extract([symbols.index(s) for s in order],
                                  [symbols.index(s) for s in order])
        scale = sp.diag(*([1] * (size - 1) + [derivative]))
        return (scale * permuted * scale).subs(model.linked.symbol, mean)


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
    bases = {sp.IndexedBase(str(s))[INDEX]: s for s in data}
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


def _closed_form_function(model, mle):
    if not mle:
        return None
    functions = [(_statistic_function(mle[p.symbol][1], model.data)
                  if p.symbol in mle else None) for p in model.scalar_parameters]

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
    sample = _sample(model, data, X)
    closed = bool(derived.mle)
    return Derivation(
        name=_slug(model.name), title=f"The likelihood of the {model.name} model",
        concepts=["log-likelihood", "score", "information", "maximum likelihood"],
        steps=steps, results=results,
        symbolic=lambda d: _symbolic_check(model, d),
        scipy=lambda d: _scipy_check(model, sample),
        probml=lambda d: _probml_check(model, sample),
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
    x_i = [sp.IndexedBase(str(s))[INDEX] for s in model.data]
    params = ", ".join(sp.latex(p.symbol) for p in model.parameters)
    density = Tex(rf"\log f({', '.join(sp.latex(v) for v in x_i)};\ {params})")
    steps = [Step("Each observation has the log-density", Eq(density, model.logpdf.subs(
        dict(zip(model.data, x_i)))))]
    if model.linked is not None:
        steps.append(Step(f"The parameter ${sp.latex(model.linked.symbol)}$ varies with the "
                          f"covariates through the {model.link} link, "
                          r"$\eta_i = x_i^\top\beta$:", derived.link_equation))
    steps.append(Step("The observations are independent, so the log-likelihood of a sample "
                      "of $n$ is the sum of their log-densities:",
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


def _sample(model, data, X):
    """The data the numeric checks use: the caller's, or a sample from the support."""
    if data:
        return data, X
    rng = np.random.default_rng(20261130)
    n = _SAMPLE_SIZE
    low, high, discrete = support_interval(model.support) or (-math.inf, math.inf, False)
    if discrete:
        top = min(high, low + 8)
        values = rng.integers(low, int(top) + 1, n).astype(float)
        if high == low + 1:
            values[:2] = [low, high]
    elif math.isinf(low) and math.isinf(high):
        values = rng.standard_normal(n) + 1.0
    elif math.isinf(high):
        values = low + rng.gamma(2.0, 1.0, n)
    else:
        values = low + (high - low) * rng.beta(2.0, 3.0, n)
    arrays = [values] + [rng.uniform(0.5, 2.0, n) for _ in model.data[1:]]
    if model.linked is not None:
        X = 0.3 * rng.standard_normal((n, 1))           # the fit adds the intercept
    return tuple(arrays), X


def _fit(model, sample):
    data, X = sample
    return model.fit(*data, X=X)


def _scipy_check(model, sample):
    """The larger of the score's and the fit's relative errors against SciPy."""
    from scipy.differentiate import derivative
    from scipy.optimize import minimize
    fit = _fit(model, sample)
    problem = fit.problem
    data, X = sample
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
    start = problem.to_user(problem.free_start(None))[0]
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
    return float(max(errors))


def _probml_check(model, sample):
    fit = _fit(model, sample)
    closed = model.closed_form()
    if closed is not None:
        values = closed(*sample[0])
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
    y_i = sp.IndexedBase("y")[INDEX]
    f_i = per_observation(mean, x)
    residual = y_i - f_i
    rss = sample_sum(residual ** 2)
    gradient = {b: textbook(split_sums(sample_sum(sp.diff(residual ** 2, b))))
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
        probml=probml_check, tolerance=(1e-5, 1e-9),
        footer="Regenerate with `model.derive(X, y)`; verify with `.verify()` on it.",
        checked_against=("`scipy.optimize.curve_fit` on the same data: estimates and "
                         "standard errors, in units of the standard error.",
                         "the closed form of each linear parameter, evaluated at the other "
                         "estimates, against `NonlinearRegression`'s estimate."
                         if closed else "`NonlinearRegression`'s estimate."))
