"""Regression: the MSE gradient and the normal equations for a general n, and what
vectorising the gradient changes."""

import numpy as np
import sympy as sp

from .._derivation import Derivation, Eq, Step, Tex, is_zero, sample_value, shown
from ..likelihood.symbolic import sample_sum, split_sums
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
# A design of any size: n examples, p features; and the means as sums.
p_features = sp.Symbol("p", integer=True, positive=True)
DESIGN_N = sp.MatrixSymbol("X", n, p_features)
WEIGHTS_P = sp.MatrixSymbol("w", p_features, 1)
TARGETS_N = sp.MatrixSymbol("y", n, 1)
XBAR_SUM = sample_sum(x[i]) / n
YBAR_SUM = sample_sum(y[i]) / n


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
    """The MSE's gradient for n points: the squares expanded and differentiated term by
    term, the textbook form, the chain rule's shortcut, and the matrix form for p features."""
    residual = w * x[i] + b - y[i]
    expanded = sample_sum(sp.expand(residual ** 2)) / n
    dL_dw = sample_sum(sp.diff(sp.expand(residual ** 2), w)) / n
    dL_db = sample_sum(sp.diff(sp.expand(residual ** 2), b)) / n
    matrix_loss = (DESIGN_N * WEIGHTS_P - TARGETS_N).T * (DESIGN_N * WEIGHTS_P - TARGETS_N) / n
    gradient = sp.diff(matrix_loss, WEIGHTS_P)
    r_i = sp.Symbol("r_i", real=True)
    steps = [
        Step(r"The mean squared error of the line $\hat y_i = w x_i + b$ over $n$ points "
             r"$(x_i, y_i)$ is", Eq(Tex("L"), _mean_of(residual ** 2))),
        Step(r"Multiplying out each square,", Eq(Tex("L"), expanded)),
        Step(r"The derivative of a sum is the sum of the derivatives, so each term is "
             r"differentiated on its own; with respect to $w$,",
             Eq(Tex(r"\frac{\partial L}{\partial w}"), dL_dw)),
        Step(r"which, taking out the 2, is twice the mean of the residual times the input:",
             Eq(Tex(r"\frac{\partial L}{\partial w}"), _mean_of(residual * x[i], 2))),
        Step(r"With respect to $b$, whose coefficient in each residual is 1,",
             Eq(Tex(r"\frac{\partial L}{\partial b}"), dL_db)),
        Step(r"that is, twice the mean residual:",
             Eq(Tex(r"\frac{\partial L}{\partial b}"), _mean_of(residual, 2))),
        Step(r"The chain rule gives the same without multiplying out: with the residual "
             r"$r_i = w x_i + b - y_i$, $\partial r_i^2 / \partial w = 2 r_i\, \partial r_i / "
             r"\partial w = 2 r_i x_i$ and $\partial r_i^2/\partial b = 2 r_i$. The larger the "
             r"error and the input, the larger the push on $w$.",
             Eq(sp.Derivative(r_i ** 2, w), 2 * r_i * sp.Derivative(r_i, w))),
        Step(r"With $p$ features in an $n \times p$ design $X$, the MSE is "
             r"$\frac{1}{n}(Xw - y)^\top (Xw - y)$, and SymPy's matrix calculus gives its "
             r"gradient for any $n$ and $p$ (its component $j$, written out, is the "
             r"one-feature formula with $x_i$ replaced by $X_{ij}$; see the "
             r"`vectorised-gradient` page):", Eq(Tex(r"\nabla_w L"), gradient)),
    ]
    results = {"dL/dw": dL_dw, "dL/db": dL_db, "gradient": gradient}

    return Derivation(
        name="mse-gradient", title="The gradient of the mean squared error",
        concepts=["mean squared error", "gradient", "chain rule", "matrix calculus"],
        steps=steps, results=results, symbolic=_mse_gradient_identities,
        scipy=_mse_gradient_against_scipy, probml=_mse_gradient_against_probml,
        tolerance=(1e-5, 1e-12),
        checked_against=("`scipy.optimize.check_grad` on random data and parameters, for "
                         "the one-feature and the matrix gradient.",
                         "`probml.losses.mean_squared_error_gradient`, chained through "
                         "the prediction w x + b and through X w."))


def _mean_of(summand, factor=1):
    r""":math:`\frac{c}{n}\sum_{i=1}^n` of ``summand``, its terms in the order a textbook
    writes them (:math:`w x_i + b - y_i`); for display, the results stay SymPy's."""
    return Tex(rf"\frac{{{factor}}}{{n}}" + sp.latex(sample_sum(summand), order="grlex"))


def _mse_gradient_identities(d):
    """Each sample's term of dL/dw and dL/db is 2 r_i x_i and 2 r_i; the matrix gradient,
    for the explicit 3 x 2 design, equals SymPy's derivative of the written-out MSE."""
    explicit = {DESIGN_N: DESIGN, WEIGHTS_P: WEIGHTS, TARGETS_N: TARGETS, n: 3}
    mse_3x2 = ((DESIGN * WEIGHTS - TARGETS).T * (DESIGN * WEIGHTS - TARGETS))[0] / 3
    by_hand = sp.Matrix([sp.diff(mse_3x2, wj) for wj in WEIGHTS])
    matrix = sp.Matrix(d.results["gradient"].subs(explicit).doit())
    return (is_zero(_summand(d.results["dL/dw"]) - 2 * (w * _xi + b - _yi) * _xi)
            and is_zero(_summand(d.results["dL/db"]) - 2 * (w * _xi + b - _yi))
            and all(is_zero(e) for e in matrix - by_hand))


def _matrix_gradient(d, X_, w_, y_):
    """The derived matrix gradient on arrays."""
    bound = d.results["gradient"].subs({DESIGN_N: sp.ImmutableMatrix(X_),
                                        WEIGHTS_P: sp.ImmutableMatrix(w_),
                                        TARGETS_N: sp.ImmutableMatrix(y_), n: len(y_)})
    return np.array(sp.Matrix(bound.doit()), dtype=float).ravel()


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
    errors = [check_grad(_mse, gradient, rng.normal(size=2), xs, ys, epsilon=1e-7)
              for _ in range(5)]
    X_, y_ = rng.normal(size=(8, 3)), rng.normal(size=8)
    errors.append(check_grad(lambda v: float(np.mean((X_ @ v - y_) ** 2)),
                             lambda v: _matrix_gradient(d, X_, v, y_), rng.normal(size=3),
                             epsilon=1e-7))
    return max(errors)


def _mse_gradient_against_probml(d):
    from probml import losses

    xs, ys = _sample()
    gradient = _mse_gradient_function(d)
    errors = []
    for theta in np.random.default_rng(2).normal(size=(5, 2)):
        dL_dpred = losses.mean_squared_error_gradient(ys, theta[0] * xs + theta[1])
        chain = np.array([dL_dpred @ xs, dL_dpred.sum()])
        errors.append(np.max(np.abs(gradient(theta, xs, ys) - chain)))
    rng = np.random.default_rng(3)
    X_, w_, y_ = rng.normal(size=(8, 3)), rng.normal(size=3), rng.normal(size=8)
    chain = X_.T @ losses.mean_squared_error_gradient(y_, X_ @ w_)
    errors.append(np.max(np.abs(_matrix_gradient(d, X_, w_, y_) - chain)))
    return max(errors)


@register("normal-equations")
def normal_equations():
    r"""Least squares for any n: the matrix gradient by SymPy's matrix calculus, then the
    one-feature line with sums over i = 1..n."""
    residual = DESIGN_N * WEIGHTS_P - TARGETS_N
    mse = residual.T * residual / n
    expanded = sp.expand(residual.T * residual)
    gradient = sp.diff(mse, WEIGHTS_P)
    # One feature and an intercept: the mean of (w x_i + b - y_i)^2 over the n points.
    loss = sample_sum((w * x[i] + b - y[i]) ** 2) / n
    d_b = split_sums(sp.diff(loss, b), True)
    d_w = split_sums(sp.diff(loss, w), True)
    (b_of_w,) = sp.solve(d_b, b, check=False)
    b_of_w = split_sums(sp.expand(b_of_w), True)      # solve() may merge the sums again
    (slope,) = sp.solve(split_sums(sp.expand(d_w.subs(b, b_of_w)), True), w, check=False)
    intercept = split_sums(sp.expand(b_of_w.subs(w, slope)), True)
    xbar, ybar = sp.symbols(r"\bar{x} \bar{y}", real=True)
    S_xx, S_xy = sp.symbols("S_{xx} S_{xy}", positive=True)
    centred_xx = split_sums(sample_sum((x[i] - XBAR_SUM) ** 2), True)
    centred_xy = split_sums(sample_sum((x[i] - XBAR_SUM) * (y[i] - YBAR_SUM)), True)
    steps = [
        Step(r"For a linear model $\hat y = Xw$ of $n$ examples with $p$ features ($X$ is "
             r"$n \times p$), the mean squared error in matrix form is",
             Eq(Tex(r"L(w)"), mse)),
        Step(r"Multiplying out the square (the transpose of a product reverses it: "
             r"$(Xw)^\top = w^\top X^\top$), where $y^\top X w = w^\top X^\top y$ as a "
             r"number is its own transpose,",
             Eq(Tex(r"n\,L(w)"), expanded)),
        Step(r"SymPy's matrix calculus differentiates it with respect to the vector $w$ "
             r"($\nabla_w\, w^\top A w = 2Aw$ for symmetric $A = X^\top X$, "
             r"$\nabla_w\, w^\top c = c$):",
             Eq(Tex(r"\nabla_w L"), gradient)),
        Step(r"At a minimum the gradient is zero, which gives the normal equations; when "
             r"$X^\top X$ is invertible, $\hat w = (X^\top X)^{-1} X^\top y$:",
             Eq(Tex(r"X^\top X w"), Tex(r"X^\top y"))),
        Step(r"With one feature and an intercept $b$ the same conditions read, with sums over "
             r"the $n$ points, first for $b$:",
             Eq(Tex(r"\frac{\partial L}{\partial b}"), d_b)),
        Step(r"It vanishes when the line passes through the means:",
             shown(r"\hat b", ybar - Tex(r"\hat w") * xbar)),
        Step(r"Then for $w$, with that $b$:",
             Eq(Tex(r"\frac{\partial L}{\partial w}"), d_w)),
        Step(r"Solving gives the slope as a ratio of sums (SymPy's solution, written "
             r"with $\bar x = \frac{1}{n}\sum_i x_i$ and $\bar y = \frac{1}{n}\sum_i y_i$),",
             shown(r"\hat w", (sample_sum(x[i] * y[i]) - n * xbar * ybar)
                   / (sample_sum(x[i] ** 2) - n * xbar ** 2))),
        Step(r"which is $S_{xy}/S_{xx}$, since expanding the centred sums gives",
             Eq(S_xx, Tex(r"\sum_{i=1}^{n} (x_i - \bar x)^2 = \sum_{i=1}^{n} x_i^2 - n\bar x^2"))),
        Step("and",
             Eq(S_xy, Tex(r"\sum_{i=1}^{n} (x_i - \bar x)(y_i - \bar y) = "
                          r"\sum_{i=1}^{n} x_i y_i - n\bar x \bar y"))),
        Step("so that",
             Eq(Tex(r"\hat w"), S_xy / S_xx)),
    ]
    results = {"gradient": gradient, "slope": slope, "intercept": intercept,
               "S_xx expanded": centred_xx, "S_xy expanded": centred_xy}

    return Derivation(
        name="normal-equations", title="The normal equations and least squares by hand",
        concepts=["least squares", "normal equations", "simple linear regression"],
        steps=steps, results=results, symbolic=_normal_equations_identities,
        scipy=_normal_equations_against_scipy, probml=_normal_equations_against_probml,
        tolerance=(1e-6, 1e-10),
        checked_against=("`scipy.optimize.minimize` on the MSE of random data (n = 50), "
                         "against the sums evaluated on it.",
                         "`probml.LinearRegression` on the bundled study-hours data, and "
                         "the normal equations solved with NumPy."))


def _normal_equations_identities(d):
    """The gradient is 2 X^T (X w - y) / n (also entry by entry on a 3 x 2 design); the
    slope is S_xy / S_xx and the line passes through the means, for any n and (solved
    directly) for four points."""
    r = d.results
    explicit = {DESIGN_N: DESIGN, WEIGHTS_P: WEIGHTS, TARGETS_N: TARGETS, n: 3}
    gradient_3x2 = r["gradient"].subs(explicit).doit().as_explicit()
    mse_3x2 = ((DESIGN * WEIGHTS - TARGETS).T * (DESIGN * WEIGHTS - TARGETS))[0] / 3
    by_hand = sp.Matrix([sp.diff(mse_3x2, wj) for wj in WEIGHTS])
    matrix = all(is_zero(a - c) for a, c in zip(gradient_3x2, by_hand))
    sxx = split_sums(sp.expand(sample_sum(x[i] ** 2)), True) - n * XBAR_SUM ** 2
    sxy = split_sums(sp.expand(sample_sum(x[i] * y[i])), True) - n * XBAR_SUM * YBAR_SUM
    general = (is_zero(r["slope"] - sxy / sxx)
               and is_zero(r["intercept"] - (YBAR_SUM - r["slope"] * XBAR_SUM))
               and is_zero(r["S_xx expanded"] - sxx)
               and is_zero(r["S_xy expanded"] - sxy))
    # n = 4: the general result against solving the four-point loss directly.
    loss4 = sum((w * a + b - c) ** 2 for a, c in zip(XS4, YS4)) / 4
    four = sp.solve([sp.diff(loss4, w), sp.diff(loss4, b)], [w, b], dict=True,
                    check=False)[0]
    points = {**{x[k + 1]: XS4[k] for k in range(4)}, **{y[k + 1]: YS4[k] for k in range(4)}}
    at_four = (is_zero(r["slope"].subs(n, 4).doit().xreplace(points) - four[w])
               and is_zero(r["intercept"].subs(n, 4).doit().xreplace(points) - four[b]))
    return matrix and general and at_four


def _line_from(d, xs, ys):
    """The derived slope and intercept, evaluated on the points (xs, ys)."""
    return np.array([sample_value(d.results[key], len(xs), {x: xs, y: ys})
                     for key in ("slope", "intercept")])


def _normal_equations_against_scipy(d):
    from scipy.optimize import minimize

    rng = np.random.default_rng(3)
    errors = []
    for _ in range(3):
        xs, ys = rng.normal(size=50), rng.normal(size=50)
        found = minimize(lambda t: np.mean((t[0] * xs + t[1] - ys) ** 2), np.zeros(2),
                         method="BFGS", options={"gtol": 1e-12}).x
        errors.append(np.max(np.abs(found - _line_from(d, xs, ys))))
    return max(errors)


def _normal_equations_against_probml(d):
    from probml import LinearRegression
    from probml.datasets import load_study_hours

    hours = load_study_hours()
    xs, ys = hours.data[:, 0], hours.target
    fit = LinearRegression().fit(hours.data, ys)
    line = _line_from(d, xs, ys)
    design = np.column_stack([np.ones_like(xs), xs])
    normal = np.linalg.solve(design.T @ design, design.T @ ys)        # X^T X w = X^T y
    return max(abs(line[0] - fit.coef_[0]), abs(line[1] - fit.intercept_),
               float(np.max(np.abs(normal - [fit.intercept_, fit.coef_[0]]))))




# Sizes, an example index, a feature index and a component of the gradient, for the
# vectorisation page (zero-based, as SymPy indexes a MatrixSymbol).
N_ROWS, P_COLS = sp.symbols("n p", integer=True, positive=True)
ROW, FEATURE, COMPONENT = sp.symbols("i k j", integer=True, nonnegative=True)


def gradient_operation_counts(rows, cols):
    """Arithmetic operations of (2/n) X^T (X w - y): computed component by component, each
    recomputing the residuals, and with the residuals computed once (the matrix form)."""
    residual = 2 * cols                             # p products, p - 1 sums, 1 difference
    per_component = rows * (residual + 1) + (rows - 1) + 1     # + the product, sums, 2/n
    naive = cols * per_component
    once = rows * residual + cols * (rows + (rows - 1)) + cols  # r, then X^T r, then 2/n
    return sp.expand(naive), sp.expand(once)


@register("vectorised-gradient")
def vectorised_gradient():
    """The loop and matrix forms of the MSE gradient compute the same numbers; vectorising
    moves the loops into compiled code rather than saving arithmetic."""
    X = sp.MatrixSymbol("X", N_ROWS, P_COLS)
    w = sp.MatrixSymbol("w", P_COLS, 1)
    y = sp.MatrixSymbol("y", N_ROWS, 1)
    matrix_form = 2 * X.T * (X * w - y) / N_ROWS
    entry = matrix_form[COMPONENT, 0]
    # SymPy writes the entry with its own summation indices: name them i and k.
    dummies = sorted(entry.atoms(sp.Dummy), key=str)
    entry = entry.xreplace(dict(zip(dummies, (ROW, FEATURE))))
    naive, once = gradient_operation_counts(N_ROWS, P_COLS)
    steps = [
        Step(r"The gradient of the mean squared error $\frac{1}{n}\lVert Xw - y\rVert^2$ "
             r"of $n$ examples and $p$ features, in matrix form, is",
             Eq(Tex(r"\nabla_w L"), matrix_form)),
        Step(r"SymPy's entry $j$ of that matrix expression is the loop a first "
             r"implementation writes: for each example $i$, the prediction "
             r"$\sum_k X_{ik} w_k$, its residual, times $X_{ij}$, summed:",
             Eq(Tex(r"\frac{\partial L}{\partial w_j}"), entry)),
        Step(r"Computed component by component, each of the $p$ components recomputes the "
             r"$n$ residuals ($2p$ operations each): the arithmetic grows as $p^2$,",
             Eq(Tex(r"\mathrm{ops}_{\mathrm{component}}"), naive)),
        Step(r"while the matrix form computes the residuals $r = Xw - y$ once ($2np$), then "
             r"$X^\top r$ ($p(2n - 1)$) and the factor $2/n$ ($p$):",
             Eq(Tex(r"\mathrm{ops}_{\mathrm{matrix}}"), once)),
        Step(r"A loop that also computes the residuals once does exactly the matrix form's "
             r"$4np$ operations; what vectorising changes is who runs the loops: $np$ "
             r"steps of interpreted Python against three calls into compiled, "
             "cache-friendly code (NumPy's matrix products), which is where its speed "
             "comes from.",
             Eq(Tex(r"\frac{\mathrm{ops}_{\mathrm{component}}}{\mathrm{ops}_{\mathrm{matrix}}}"),
                sp.factor(naive / once))),
    ]
    results = {"entry j": entry, "component-by-component operations": naive,
               "matrix-form operations": once}
    return Derivation(
        name="vectorised-gradient",
        title="Vectorising the MSE gradient: the same arithmetic, moved out of Python",
        concepts=["vectorisation", "mean squared error", "gradient"], steps=steps,
        results=results, symbolic=_vectorised_identities,
        scipy=_vectorised_against_scipy, probml=_vectorised_against_probml,
        tolerance=(1e-6, 1e-12),
        checked_against=("`scipy.optimize.approx_fprime` of the MSE on random data against "
                         "the derived entries evaluated on the data.",
                         "`probml.losses.mean_squared_error_gradient` chained through X "
                         "(the matrix form), and a Python loop, against the derived entries."))


def _vectorised_identities(d):
    """The entry is the component sum; the operation counts equal SymPy's count_ops of
    explicit gradients (each component separately, and with the residuals shared) for
    sizes up to 5 x 4."""
    r = d.results
    X = sp.MatrixSymbol("X", N_ROWS, P_COLS)
    w = sp.MatrixSymbol("w", P_COLS, 1)
    y = sp.MatrixSymbol("y", N_ROWS, 1)
    component = 2 * sp.Sum((sp.Sum(X[ROW, FEATURE] * w[FEATURE, 0], (FEATURE, 0, P_COLS - 1))
                            - y[ROW, 0]) * X[ROW, COMPONENT], (ROW, 0, N_ROWS - 1)) / N_ROWS
    same = is_zero(r["entry j"] - component)
    counted = True
    for rows, cols in ((2, 2), (3, 2), (4, 3), (5, 4)):
        Xe = sp.Matrix(rows, cols, sp.symbols(f"X0:{rows * cols}"))
        we, ye = sp.Matrix(sp.symbols(f"w0:{cols}")), sp.Matrix(sp.symbols(f"y0:{rows}"))
        scale = sp.Symbol("c")                                     # 2/n, one product
        components = [scale * e for e in Xe.T * (Xe * we - ye)]
        residuals = Xe * we - ye
        shared = sp.Matrix(sp.symbols(f"r0:{rows}"))
        once = (sum(sp.count_ops(e) for e in residuals)
                + sum(sp.count_ops(scale * e) for e in Xe.T * shared))
        sizes = {N_ROWS: rows, P_COLS: cols}
        counted &= (sum(sp.count_ops(e) for e in components)
                    == r["component-by-component operations"].subs(sizes)
                    and once == r["matrix-form operations"].subs(sizes))
    return same and counted


def _loop_gradient(X, w, y):
    """The component form, as the loops a first implementation writes."""
    n, p = X.shape
    gradient = np.zeros(p)
    for j in range(p):
        for i in range(n):
            prediction = sum(X[i, k] * w[k] for k in range(p))
            gradient[j] += 2.0 / n * (prediction - y[i]) * X[i, j]
    return gradient


def _derived_gradient(d, X, w, y):
    """The derived entry j evaluated for every component on the data (X, w, y)."""
    n, p = X.shape
    symbols = {sp.MatrixSymbol("X", n, p): sp.Matrix(X), sp.MatrixSymbol("w", p, 1):
               sp.Matrix(w), sp.MatrixSymbol("y", n, 1): sp.Matrix(y)}
    sized = d.results["entry j"].xreplace({N_ROWS: n, P_COLS: p})      # every shape too
    return np.array([float(sized.subs(COMPONENT, j).doit().subs(symbols).doit())
                     for j in range(p)])


def _vectorised_problem():
    rng = np.random.default_rng(21)
    return rng.normal(size=(7, 3)), rng.normal(size=3), rng.normal(size=7)


def _vectorised_against_scipy(d):
    from scipy.optimize import approx_fprime

    X, w, y = _vectorised_problem()
    numeric = approx_fprime(w, lambda v: np.mean((X @ v - y) ** 2), 1e-7)
    return float(np.max(np.abs(numeric - _derived_gradient(d, X, w, y))))


def _vectorised_against_probml(d):
    from probml import losses

    X, w, y = _vectorised_problem()
    matrix = X.T @ losses.mean_squared_error_gradient(y, X @ w)
    derived = _derived_gradient(d, X, w, y)
    return float(max(np.max(np.abs(matrix - derived)),
                     np.max(np.abs(_loop_gradient(X, w, y) - derived))))
