"""Regression: the MSE gradient and the normal equations, for a general n."""

import numpy as np
import sympy as sp

from .._derivation import Derivation, Eq, Step, Tex, is_zero, shown
from . import register

n = sp.Symbol("n", integer=True, positive=True)
i = sp.Symbol("i", integer=True, positive=True)
x, y = sp.IndexedBase("x"), sp.IndexedBase("y")
w, b = sp.symbols("w b", real=True)
_xi, _yi = sp.symbols("x_i y_i", real=True)
# An explicit 3 x 2 design, weights and targets, for the matrix forms.
DESIGN = sp.Matrix(3, 2, sp.symbols("X_1:4_1:3", real=True))
WEIGHTS = sp.Matrix(sp.symbols("w_1:3", real=True))
TARGETS = sp.Matrix(sp.symbols("y_1:4", real=True))
# Four explicit points, for the one-feature solution.
XS4, YS4 = sp.symbols("x_1:5", real=True), sp.symbols("y_1:5", real=True)


def _summand(total):
    """Each sample's share of a mean ``c * Sum(term)``: ``n c term``, in plain x_i, y_i.

    The factor outside the sum is kept, so a result that drops the 2 or the
    1/n is caught.
    """
    (summation,) = [arg for arg in sp.Mul.make_args(total) if isinstance(arg, sp.Sum)]
    outside = sp.simplify(total / summation * n)
    return (outside * summation.function).subs({x[i]: _xi, y[i]: _yi})


def _mean_of_terms(expr):
    """A function (w, b, xs, ys) -> mean over samples of a per-sample expression."""
    function = sp.lambdify((w, b, _xi, _yi), expr, "numpy")
    return lambda w_, b_, xs, ys: float(np.mean(function(w_, b_, xs, ys)))


def _sample(seed=0, size=50):
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=size)
    return xs, 1.5 * xs - 0.5 + rng.normal(scale=0.3, size=size)


@register("mse-gradient")
def mse_gradient():
    residual = w * x[i] + b - y[i]
    loss = sp.Sum(residual ** 2, (i, 1, n)) / n
    dL_dw, dL_db = sp.diff(loss, w), sp.diff(loss, b)
    X, wv, yv = DESIGN, WEIGHTS, TARGETS
    matrix_loss = ((X * wv - yv).T * (X * wv - yv))[0] / 3
    componentwise = sp.Matrix([sp.diff(matrix_loss, wj) for wj in wv])
    steps = [
        Step("The mean squared error of the line y = w x + b over n points is",
             Eq(Tex("L"), loss)),
        Step("Differentiation passes inside the sum (it is linear), and the chain rule "
             "differentiates each square: with respect to w,",
             Eq(Tex(r"\frac{\partial L}{\partial w}"), dL_dw)),
        Step("and with respect to b, where the inner derivative is 1,",
             Eq(Tex(r"\frac{\partial L}{\partial b}"), dL_db)),
        Step("Each term is twice the residual times the input: the larger the error "
             "and the input, the larger the push on w.",
             Eq(sp.diff(residual ** 2, w), 2 * residual * x[i])),
        Step("With many features the same computation, written for a design matrix X "
             "(here an explicit 3 x 2 one, so SymPy can expand it), differentiated "
             "component by component,", componentwise),
        Step("equals the matrix formula (2/n) X^T (X w - y):",
             Eq(Tex(r"\nabla_w L"),
                   Tex(r"\frac{2}{n} X^\top (X w - y)"))),
    ]
    results = {"dL/dw": dL_dw, "dL/db": dL_db, "gradient (3 x 2 design)": componentwise}

    return Derivation(
        name="mse-gradient", title="The gradient of the mean squared error",
        concepts=["mean squared error", "gradient", "chain rule", "matrix calculus"],
        steps=steps, results=results, symbolic=_mse_gradient_identities,
        scipy=_mse_gradient_against_scipy, probml=_mse_gradient_against_probml,
        tolerance=(1e-5, 1e-12),
        checked_against=("`scipy.optimize.check_grad` on random data and parameters.",
                         "`probml.losses.mean_squared_error_gradient`, chained through "
                         "the prediction w x + b."))


def _mse_gradient_identities(d):
    """Each sample's term of dL/dw and dL/db, and the 3 x 2 gradient is (2/n) X^T (X w - y)."""
    matrix_form = sp.Rational(2, 3) * DESIGN.T * (DESIGN * WEIGHTS - TARGETS)
    return (is_zero(_summand(d.results["dL/dw"]) - 2 * (w * _xi + b - _yi) * _xi)
            and is_zero(_summand(d.results["dL/db"]) - 2 * (w * _xi + b - _yi))
            and all(is_zero(e) for e in d.results["gradient (3 x 2 design)"] - matrix_form))


def _mse(theta, xs, ys):
    return float(np.mean((theta[0] * xs + theta[1] - ys) ** 2))


def _mse_gradient_function(d):
    """The derived gradient as a function of (w, b) on data."""
    gw, gb = (_mean_of_terms(_summand(d.results[k])) for k in ("dL/dw", "dL/db"))
    return lambda theta, xs, ys: np.array([gw(*theta, xs, ys), gb(*theta, xs, ys)])


def _mse_gradient_against_scipy(d):
    from scipy.optimize import check_grad

    xs, ys = _sample()
    gradient = _mse_gradient_function(d)
    rng = np.random.default_rng(1)
    return max(check_grad(_mse, gradient, rng.normal(size=2), xs, ys, epsilon=1e-7)
               for _ in range(5))


def _mse_gradient_against_probml(d):
    from probml import losses

    xs, ys = _sample()
    gradient = _mse_gradient_function(d)
    errors = []
    for theta in np.random.default_rng(2).normal(size=(5, 2)):
        dL_dpred = losses.mean_squared_error_gradient(ys, theta[0] * xs + theta[1])
        chain = np.array([dL_dpred @ xs, dL_dpred.sum()])
        errors.append(np.max(np.abs(gradient(theta, xs, ys) - chain)))
    return max(errors)


@register("normal-equations")
def normal_equations():
    xbar, ybar = sp.symbols(r"\bar{x} \bar{y}", real=True)
    S_xx, S_xy = sp.symbols("S_{xx} S_{xy}", positive=True)
    # With explicit small data the sums can be solved exactly; the general
    # one-feature result is written through the centred sums S_xx and S_xy.
    loss4 = sum((w * a + b - c) ** 2 for a, c in zip(XS4, YS4)) / 4
    solution = sp.solve([sp.diff(loss4, w), sp.diff(loss4, b)], [w, b], dict=True)[0]
    X, wv, yv = DESIGN, WEIGHTS, TARGETS
    gradient = sp.Matrix([sp.diff(((X * wv - yv).T * (X * wv - yv))[0], wj) for wj in wv])
    steps = [
        Step("At a minimum of the MSE its gradient is zero. For a design matrix X that "
             "gives the normal equations (checked on an explicit 3 x 2 design: the "
             "gradient is 2 X^T (X w - y), so it vanishes exactly when)",
             Eq(Tex(r"X^\top X w"), Tex(r"X^\top y"))),
        Step("For one feature, setting dL/dw and dL/db to zero (solved exactly by SymPy "
             "for n = 4 points, the explicit sums it needs) gives the slope",
             Eq(Tex(r"\hat w"), S_xy / S_xx)),
        Step("and the intercept, which makes the line pass through the means,",
             shown(r"\hat b", ybar - Tex(r"\hat w") * xbar)),
        Step("with the centred sums",
             Eq(S_xx, Tex(r"\sum_i (x_i - \bar x)^2"))),
        Step("and", Eq(S_xy, Tex(r"\sum_i (x_i - \bar x)(y_i - \bar y)"))),
    ]
    results = {"slope (n = 4)": solution[w], "intercept (n = 4)": solution[b],
               "normal equations residual": gradient / 2 - (X.T * X * wv - X.T * yv)}

    return Derivation(
        name="normal-equations", title="The normal equations and least squares by hand",
        concepts=["least squares", "normal equations", "simple linear regression"],
        steps=steps, results=results, symbolic=_normal_equations_identities,
        scipy=_normal_equations_against_scipy, probml=_normal_equations_against_probml,
        tolerance=(1e-6, 1e-10),
        checked_against=("`scipy.optimize.minimize` on the MSE of random data.",
                         "`probml.LinearRegression` on the bundled study-hours data."))


def _normal_equations_identities(d):
    """The slope is S_xy / S_xx, the line passes through the means, X^T X w = X^T y."""
    mean_x, mean_y = sum(XS4) / 4, sum(YS4) / 4
    sxx = sum((a - mean_x) ** 2 for a in XS4)
    sxy = sum((a - mean_x) * (c - mean_y) for a, c in zip(XS4, YS4))
    slope = d.results["slope (n = 4)"]
    return (is_zero(slope - sxy / sxx)
            and is_zero(d.results["intercept (n = 4)"] - (mean_y - slope * mean_x))
            and all(is_zero(e) for e in d.results["normal equations residual"]))


def _line_from(d, xs, ys):
    """The derived slope and intercept of four points."""
    slope = sp.lambdify((XS4, YS4), d.results["slope (n = 4)"])
    intercept = sp.lambdify((XS4, YS4), d.results["intercept (n = 4)"])
    return np.array([slope(xs, ys), intercept(xs, ys)])


def _normal_equations_against_scipy(d):
    from scipy.optimize import minimize

    rng = np.random.default_rng(3)
    errors = []
    for _ in range(5):
        xs, ys = rng.normal(size=4), rng.normal(size=4)
        found = minimize(lambda t: np.mean((t[0] * xs + t[1] - ys) ** 2), np.zeros(2),
                         method="BFGS", options={"gtol": 1e-12}).x
        errors.append(np.max(np.abs(found - _line_from(d, xs, ys))))
    return max(errors)


def _normal_equations_against_probml(d):
    from probml import LinearRegression
    from probml.datasets import load_study_hours

    hours = load_study_hours()
    xs, ys = hours.data[:, 0], hours.target
    # The n = 4 closed form, in its S_xy / S_xx shape, applied to all 12 points.
    slope_general = float(np.sum((xs - xs.mean()) * (ys - ys.mean()))
                          / np.sum((xs - xs.mean()) ** 2))
    four = _line_from(d, xs[:4], ys[:4])
    fit4 = LinearRegression().fit(xs[:4, None], ys[:4])
    fit = LinearRegression().fit(hours.data, ys)
    return max(abs(four[0] - fit4.coef_[0]), abs(four[1] - fit4.intercept_),
               abs(slope_general - fit.coef_[0]),
               abs(ys.mean() - slope_general * xs.mean() - fit.intercept_))
