"""Optimization: the gradient-descent step size, feature scaling, Adam's bias correction,
the L2 penalty as weight decay (and where it is not), which losses are convex, and
backpropagation."""

import math

import numpy as np
import sympy as sp

from .._derivation import Derivation, Eq, Step, Tex, is_zero
from . import register

# A quadratic's curvature a and the step size eta; a 2 x 2 Hessian for the numbers.
a, eta = sp.symbols("a eta", positive=True)
HESSIAN = np.array([[3.0, 1.0], [1.0, 2.0]])

# Adam's first-moment decay beta_1, a constant gradient g, the step t and its index k.
beta1, g = sp.symbols("beta_1 g", positive=True)
t = sp.Symbol("t", integer=True, positive=True)


@register("gradient-descent-step-size")
def gradient_descent_step_size():
    x = sp.Symbol("x", real=True)
    f = a * x ** 2 / 2
    step = sp.expand(x - eta * sp.diff(f, x))
    factor = sp.factor(step / x)
    region = sp.solve_univariate_inequality(sp.Abs(factor) < 1, eta, relational=False)
    (fastest,) = sp.solve(factor, eta, check=False)
    lam1, lam2 = sp.symbols("lambda_1 lambda_2", positive=True)
    modes = sp.Matrix([1 - eta * lam1, 1 - eta * lam2])
    steps = [
        Step("On a quadratic with curvature $a$, one gradient step maps $x$ to",
             Eq(Tex("x_{t+1}"), step)),
        Step("so each step multiplies the distance to the minimum by",
             Eq(Tex("r"), factor)),
        Step("The iteration converges exactly when $|r| < 1$, that is for",
             Tex(r"\eta \in " + sp.latex(region))),
        Step("and it lands on the minimum in one step when $r = 0$:",
             Eq(Tex(r"\eta^*"), fastest)),
        Step("For a quadratic form with Hessian eigenvalues $\\lambda_i$, each eigendirection "
             "is such a quadratic, with its own factor,", modes),
        Step("so all converge only if $\\eta < 2 / \\lambda_{\\max}$: the stiffest direction sets "
             "the step size, and the flattest one the speed."),
    ]
    results = {"contraction factor": factor, "stable steps": region, "fastest step": fastest}

    return Derivation(
        name="gradient-descent-step-size", title="How large a gradient-descent step can be",
        concepts=["gradient descent", "learning rate", "condition number"], steps=steps,
        results=results, symbolic=_step_size_identities, scipy=_step_size_against_scipy,
        probml=_step_size_against_probml, tolerance=(1e-12, 0.0),
        checked_against=("`scipy.optimize.brentq` on the spectral radius of I - eta H.",
                         "`probml.optim.gradient_descent` on a `QuadraticBowl`: it "
                         "converges at 0.98 times the limit and diverges at 1.02 times "
                         "(error 0 when both happen)."))


def _step_size_identities(d):
    """r = 1 - a eta, the stable steps are (0, 2/a), and the fastest is 1/a."""
    return (is_zero(d.results["contraction factor"] - (1 - a * eta))
            and d.results["stable steps"] == sp.Interval.open(0, 2 / a)
            and is_zero(d.results["fastest step"] - 1 / a))


def _step_size_against_scipy(d):
    from scipy.optimize import brentq

    def spectral_radius(step):
        return np.max(np.abs(np.linalg.eigvals(np.eye(2) - step * HESSIAN))) - 1.0
    found = brentq(spectral_radius, 0.3, 1.0, xtol=1e-14)
    return abs(found - float(d.results["stable steps"].sup.subs(
        a, np.linalg.eigvalsh(HESSIAN).max())))


def _step_size_against_probml(d):
    """Gradient descent converges at 0.98 times the limit and diverges at 1.02 times."""
    from probml import optim

    bowl = optim.QuadraticBowl(condition_number=25.0, angle=0.3)
    limit = float(d.results["stable steps"].sup.subs(a, bowl.eigenvalues[-1]))
    outcomes = []
    for scale, should_converge in ((0.98, True), (1.02, False)):
        opt = optim.gradient_descent(scale * limit)
        x_ = np.array([1.0, 1.0])
        state = opt.init(x_)
        for _ in range(3000):
            updates, state = opt.update(bowl.gradient(x_), state, x_)
            x_ = optim.apply_updates(x_, updates)
        outcomes.append((np.linalg.norm(x_) < 1e-6) == should_converge)
    return 0.0 if all(outcomes) else 1.0


# The MSE of a line b + w x: the mean xbar and the (population) standard deviation s of
# the feature, the correlation rho of two features, and the error reduction epsilon.
XBAR, S_X = sp.Symbol(r"\bar x", real=True), sp.Symbol("s", positive=True)
KAPPA, EPSILON = sp.symbols("kappa epsilon", positive=True)
RHO = sp.Symbol("rho", real=True)
_xi, _yi = sp.IndexedBase("x"), sp.IndexedBase("y")
# Gradient descent from the origin (b, w) = (0, 0) until the error is 1e-6 of its start.
SCALING_START, SCALING_EPSILON = np.zeros(2), 1e-6


def mse_hessian(xbar, s):
    r""":math:`H = 2\begin{pmatrix}1 & \bar x\\ \bar x & \bar x^2 + s^2\end{pmatrix}`, the
    Hessian of the MSE of :math:`b + w x` in :math:`(b, w)`, as SymPy or NumPy."""
    if isinstance(xbar, sp.Basic) or isinstance(s, sp.Basic):
        return 2 * sp.Matrix([[1, xbar], [xbar, xbar ** 2 + s ** 2]])
    return 2.0 * np.array([[1.0, xbar], [xbar, xbar ** 2 + s ** 2]])


@register("feature-scaling")
def feature_scaling():
    """Gradient descent's step count grows with the condition number; standardising the
    feature brings it to 1."""
    from ..likelihood.symbolic import INDEX as i
    from ..likelihood.symbolic import N as n
    from ..likelihood.symbolic import sample_sum

    b, w = sp.symbols("b w", real=True)
    loss = sample_sum((b + w * _xi[i] - _yi[i]) ** 2) / n
    raw = sp.Matrix(2, 2, lambda r, c: sp.diff(loss, (b, w)[r], (b, w)[c]))
    raw = raw.applyfunc(lambda e: sp.expand(e.doit()))
    # (1/n) sum x_i = xbar and (1/n) sum x_i^2 = xbar^2 + s^2.
    moments = {sample_sum(_xi[i]): n * XBAR, sample_sum(_xi[i] ** 2): n * (XBAR ** 2 + S_X ** 2)}
    hessian = raw.applyfunc(lambda e: sp.simplify(e.subs(moments)))
    # The eigenvalues from the trace 2T and the determinant 4 s^2 of the 2 x 2 Hessian.
    T = 1 + XBAR ** 2 + S_X ** 2
    low, high = T - sp.sqrt(T ** 2 - 4 * S_X ** 2), T + sp.sqrt(T ** 2 - 4 * S_X ** 2)
    lam_min, lam_max = sp.symbols(r"\lambda_{\min} \lambda_{\max}", positive=True)
    (best,) = sp.solve(sp.Eq(1 - eta * lam_min, -(1 - eta * lam_max)), eta, check=False)
    rate = sp.simplify((1 - best * lam_min).subs(lam_max, KAPPA * lam_min))
    safe_rate = sp.expand((1 - lam_min / lam_max).subs(lam_max, KAPPA * lam_min))
    steps_needed = sp.log(EPSILON) / sp.log(rate)
    large_kappa = sp.limit(steps_needed / KAPPA, KAPPA, sp.oo)
    standardised = hessian.subs({XBAR: 0, S_X: 1})
    _, _, xbar_value, s_value = _study_hours_moments()
    moments_value = {XBAR: xbar_value, S_X: s_value}
    kappa_value = float((high / low).subs(moments_value))
    steps_value = math.ceil(float(steps_needed.subs({KAPPA: kappa_value,
                                                      EPSILON: SCALING_EPSILON})))
    kappa_corr = (1 + RHO) / (1 - RHO)            # 2(1 + rho) / 2(1 - rho), rho >= 0
    steps = [
        Step(r"The mean squared error of the line $b + w x$ on $n$ points is",
             Eq(Tex("L(b, w)"), loss)),
        Step(r"Its second derivatives in $(b, w)$ are sums over the points,", Eq(Tex("H"), raw)),
        Step(r"which depend on the feature only through its mean $\bar x = \frac1n\sum_i x_i$ "
             r"and its variance $s^2 = \frac1n\sum_i (x_i - \bar x)^2$, since "
             r"$\frac1n\sum_i x_i^2 = \bar x^2 + s^2$:",
             Eq(Tex("H"), Tex("2" + sp.latex(hessian / 2)))),
        Step(r"With trace $2T$, $T = 1 + \bar x^2 + s^2$, and $\det H = 4 s^2$, its "
             "eigenvalues (the curvatures along its two axes) are",
             Tex(r"\lambda_{\min}, \lambda_{\max} = T \mp \sqrt{T^2 - 4 s^2}")),
        Step(r"and their ratio is the condition number $\kappa = \lambda_{\max}/\lambda_{\min}$. "
             r"A mean far from zero makes $T$ large while $\lambda_{\min}\lambda_{\max} = 4s^2$ "
             r"stays put, so $\kappa$ grows like $(1 + \bar x^2 + s^2)^2 / s^2$: the intercept "
             "and the slope are coupled, and the MSE is a long narrow valley."),
        Step(r"A gradient step of size $\eta$ multiplies the error along the axis with curvature "
             r"$\lambda$ by $1 - \eta\lambda$. The best fixed step makes the two extremes equally "
             r"fast, $1 - \eta\lambda_{\min} = -(1 - \eta\lambda_{\max})$:",
             Eq(Tex(r"\eta^*"), best)),
        Step(r"and then every step shrinks the error by the factor", Eq(Tex("r"), rate)),
        Step(r"The step $\eta = 1/\lambda_{\max}$, which needs only the largest curvature, "
             r"removes the stiff direction's error at once and shrinks the rest by",
             Eq(Tex(r"r_{1/\lambda_{\max}}"), safe_rate)),
        Step(r"per step, so it takes about twice as many steps; either way the count grows with "
             r"$\kappa$."),
        Step(r"so reducing the error by a factor $\epsilon$ takes",
             Eq(Tex("k"), steps_needed)),
        Step(r"steps, which for large $\kappa$ grows in proportion to it:",
             Eq(Tex(r"\lim_{\kappa\to\infty} k / \kappa"), large_kappa)),
        Step(rf"On the study-hours data ($\bar x = {xbar_value:.2f}$ hours, "
             rf"$s = {s_value:.2f}$ hours) "
             rf"$\kappa = {kappa_value:.0f}$, and $\epsilon = 10^{{-6}}$ takes "
             rf"$k = {steps_value}$ steps."),
        Step(r"Standardising the feature, $z_i = (x_i - \bar x)/s$, gives $\bar z = 0$ and "
             r"$s_z = 1$, so the Hessian becomes", Eq(Tex(r"H_z"), standardised)),
        Step(r"with $\kappa = 1$ and $r = 0$: gradient descent with $\eta = 1/2$ reaches the "
             "minimum in one step. Centring removes the coupling of intercept and slope, "
             "scaling makes the curvatures equal. With several standardised features the "
             r"Hessian is $2R$, $R$ their correlation matrix; for two features with correlation "
             r"$\rho$ it has eigenvalues $2(1 \pm \rho)$ and", Eq(Tex(r"\kappa(R)"), kappa_corr)),
        Step(r"so only the correlation between features is left to slow gradient descent down."),
    ]
    results = {"Hessian": hessian, "eigenvalues": [low, high], "best step": best,
               "contraction": rate, "contraction at 1/lambda_max": safe_rate,
               "steps": steps_needed, "steps per kappa": large_kappa,
               "standardised Hessian": standardised, "correlated condition number": kappa_corr}
    return Derivation(
        name="feature-scaling",
        title="Feature scaling: why gradient descent needs standardised features",
        concepts=["feature scaling", "standardisation", "condition number",
                  "gradient descent"],
        steps=steps, results=results, symbolic=_scaling_identities,
        scipy=_scaling_against_scipy, probml=_scaling_against_probml,
        tolerance=(1e-10, 1e-12),
        checked_against=(
            "`scipy.linalg.eigvalsh` of the study-hours MSE's Hessian (2/n) A'A against the "
            "derived eigenvalues at its mean and standard deviation, and "
            "`scipy.optimize.brentq` on |1 - eta lambda_min| = |1 - eta lambda_max| against "
            "the best step.",
            "`probml.optim.trajectory` with `gradient_descent` at the best step on the raw "
            "study-hours data (the step count against the derived k) and on "
            "`probml.standardize`d data (one step to `LinearRegression`'s fit)."))


def _scaling_identities(d):
    """H against SymPy's Hessian of an explicit five-point MSE; the eigenvalues against
    SymPy's; r = (kappa - 1)/(kappa + 1) from the best step; H_z = 2I; kappa(R) from the
    eigenvalues of 2R."""
    r = d.results
    b, w = sp.symbols("b w", real=True)
    xs, ys = sp.symbols("x1:6", real=True), sp.symbols("y1:6", real=True)
    explicit = sp.hessian(sum((b + w * xv - yv) ** 2 for xv, yv in zip(xs, ys)) / 5, (b, w))
    xbar = sum(xs) / 5
    s2 = sum((xv - xbar) ** 2 for xv in xs) / 5
    sample = r["Hessian"].subs({XBAR: xbar}).subs({S_X ** 2: s2})
    low, high = r["eigenvalues"]
    sympys = sorted(r["Hessian"].eigenvals(), key=lambda e: float(e.subs({XBAR: 1, S_X: 2})))
    correlated = sorted((2 * sp.Matrix([[1, RHO], [RHO, 1]])).eigenvals(),
                        key=lambda e: float(e.subs(RHO, 0.5)))
    return (all(is_zero(e) for e in sp.expand(sample - explicit))
            and is_zero(low - sympys[0]) and is_zero(high - sympys[1])
            and is_zero(r["contraction"] - (KAPPA - 1) / (KAPPA + 1))
            and is_zero(r["contraction at 1/lambda_max"] - (KAPPA - 1) / KAPPA)
            and r["standardised Hessian"] == 2 * sp.eye(2)
            and is_zero(r["steps per kappa"] + sp.log(EPSILON) / 2)
            and is_zero(r["correlated condition number"] - correlated[1] / correlated[0]))


def _study_hours_moments():
    from ..datasets import load_study_hours

    hours = load_study_hours()
    x = hours.data[:, 0]
    return hours.data, hours.target, float(x.mean()), float(x.std())


def _scaling_numbers(d, xbar, s):
    """(lambda_min, lambda_max, best step, r) of the derived formulas at a feature's moments."""
    low, high = (float(e.subs({XBAR: xbar, S_X: s})) for e in d.results["eigenvalues"])
    lam_min, lam_max = sorted(d.results["best step"].free_symbols, key=str)[::-1]
    best = float(d.results["best step"].subs({lam_min: low, lam_max: high}))
    rate = float(d.results["contraction"].subs(KAPPA, high / low))
    return low, high, best, rate


def _scaling_against_scipy(d):
    from scipy.linalg import eigvalsh
    from scipy.optimize import brentq

    X, _, xbar, s = _study_hours_moments()
    A = np.column_stack([np.ones(len(X)), X])
    low, high, best, _ = _scaling_numbers(d, xbar, s)
    eigenvalues = eigvalsh(2.0 * A.T @ A / len(A))
    found = brentq(lambda e: abs(1 - e * low) - abs(1 - e * high), 1 / high, 1 / low,
                   xtol=1e-15)
    return max(np.max(np.abs(eigenvalues - [low, high]) / high), abs(found - best) / best)


def _scaling_against_probml(d):
    from probml import LinearRegression, losses, optim, standardize

    X, y, xbar, s = _study_hours_moments()
    low, high, best, rate = _scaling_numbers(d, xbar, s)
    derived = math.ceil(float(d.results["steps"].subs({KAPPA: high / low,
                                                        EPSILON: SCALING_EPSILON})))

    def descend(design, n_steps, step):
        A = np.column_stack([np.ones(len(design)), design])
        target = LinearRegression().fit(design, y)
        optimum = np.r_[target.intercept_, target.coef_]

        def gradient(theta):
            return A.T @ losses.mean_squared_error_gradient(y, A @ theta)
        path = optim.trajectory(gradient, SCALING_START, optim.gradient_descent(step), n_steps)
        return np.linalg.norm(path - optimum, axis=1) / np.linalg.norm(SCALING_START - optimum)

    errors = descend(X, 2 * derived, best)
    counted = int(np.argmax(errors <= SCALING_EPSILON))
    one_step = descend(standardize(X), 1, 0.5)[1]
    return max(abs(counted - derived), one_step)


@register("adam-bias-correction")
def adam_bias_correction():
    k = sp.Symbol("k", integer=True, positive=True)
    weights = sp.summation((1 - beta1) * beta1 ** (t - k), (k, 1, t))
    explicit = [sp.expand(sp.Rational(0))]
    for step in range(1, 5):
        explicit.append(sp.expand(beta1 * explicit[-1] + (1 - beta1) * g))
    steps = [
        Step("Adam's first moment starts at $m_0 = 0$ and averages the gradients:",
             Eq(Tex("m_t"), Tex(r"\beta_1 m_{t-1} + (1 - \beta_1) g_t"))),
        Step("Unrolled, it is a weighted sum of the gradients so far,",
             Eq(Tex("m_t"),
                   Tex(r"(1 - \beta_1)\sum_{k=1}^{t} \beta_1^{t-k} g_k"))),
        Step("whose weights sum to", Eq(Tex(r"\sum_k w_k"), sp.simplify(weights))),
        Step("so for gradients with a stationary mean, $E[m_t] = (1 - \\beta_1^t) E[g]$: "
             "biased towards 0 for small $t$. For a constant gradient $g$ the first steps are",
             sp.Matrix([explicit[1:]])),
        Step("Dividing by $1 - \\beta_1^t$ removes the bias; the same holds for the second "
             "moment with $\\beta_2$.",
             Eq(Tex(r"\hat m_t"), Tex(r"\frac{m_t}{1 - \beta_1^t}"))),
    ]
    results = {"sum of weights": weights, "m_t for constant g": sp.Matrix([explicit[1:]])}

    return Derivation(
        name="adam-bias-correction", title="Why Adam divides by 1 - beta^t",
        concepts=["Adam", "exponential moving average", "bias correction"], steps=steps,
        results=results, symbolic=_bias_correction_identities,
        scipy=_bias_correction_against_scipy, probml=_bias_correction_against_probml,
        tolerance=(0.01, 1e-14),
        checked_against=("20,000 sequences of `scipy.stats.norm` gradients averaged "
                         "(Monte-Carlo error about 0.002).",
                         "the `exp_avg` slot of `probml.optim.adam`'s state under a "
                         "constant gradient."))


def _bias_correction_identities(d):
    """The weights sum to 1 - beta_1^t, and m_t = (1 - beta_1^t) g for a constant g."""
    return (is_zero(d.results["sum of weights"] - (1 - beta1 ** t))
            and all(is_zero(m - (1 - beta1 ** s) * g)
                    for s, m in enumerate(d.results["m_t for constant g"], start=1)))


def _bias_correction_against_scipy(d):
    """Stationary noisy gradients (scipy.stats): the average of m_t over many sequences
    against (1 - beta_1^t) E[g]."""
    from scipy import stats

    b1, mean, steps, runs = 0.9, 2.0, 10, 20_000
    draws = stats.norm(mean, 1.0).rvs(size=(runs, steps), random_state=12)
    m = np.zeros(runs)
    for s in range(steps):
        m = b1 * m + (1 - b1) * draws[:, s]
    predicted = float(d.results["sum of weights"].subs({beta1: b1, t: steps})) * mean
    return abs(m.mean() - predicted)


def _bias_correction_against_probml(d):
    from probml import optim

    opt = optim.adam(0.1)
    params, state = np.zeros(1), opt.init(np.zeros(1))
    errors = []
    for s in range(1, 5):
        _, state = opt.update(np.array([3.0]), state, params)
        predicted = float(d.results["m_t for constant g"][s - 1].subs({beta1: 0.9, g: 3.0}))
        errors.append(abs(state.slots["exp_avg"][0] - predicted))
    return max(errors)


# A weight w, the loss gradient g_L at it, the penalty lambda, Adam's beta_2 and epsilon.
WEIGHT = sp.Symbol("w", real=True)
GRAD_L = sp.Symbol("g_L", real=True)
DECAY = sp.Symbol("lambda", positive=True)
beta2 = sp.Symbol("beta_2", positive=True)


def _adam_first_step(gradient):
    """Adam's first update of a weight from one gradient (epsilon -> 0): bias-corrected
    moments m-hat = g and v-hat = g^2, so the step is -eta g / |g|."""
    m_hat = (1 - beta1) * gradient / (1 - beta1)
    v_hat = (1 - beta2) * gradient ** 2 / (1 - beta2)
    return -eta * m_hat / sp.sqrt(v_hat)


@register("l2-penalty-weight-decay")
def l2_penalty_weight_decay():
    """For gradient descent an L2 penalty is weight decay; for Adam it is not (AdamW)."""
    penalised_gradient = GRAD_L + DECAY * WEIGHT           # d/dw [L + lambda/2 w^2]
    gd_step = WEIGHT - eta * penalised_gradient
    decayed = sp.collect(sp.expand(gd_step), WEIGHT)
    coupled = WEIGHT + _adam_first_step(penalised_gradient)            # Adam + L2
    decoupled = WEIGHT * (1 - eta * DECAY) + _adam_first_step(GRAD_L)  # AdamW
    steps = [
        Step(r"Adding the L2 penalty $\frac{\lambda}{2}\lVert w\rVert^2$ to a loss $L$ adds "
             r"$\lambda w$ to its gradient $g_L = \nabla L(w)$:",
             Eq(Tex(r"\nabla\left(L + \frac{\lambda}{2}\lVert w\rVert^2\right)"),
                penalised_gradient)),
        Step(r"A gradient-descent step with learning rate $\eta$ on the penalised loss is",
             Eq(Tex(r"w_{t+1}"), gd_step)),
        Step(r"which, collected in $w$, first shrinks the weight by the factor "
             r"$1 - \eta\lambda$ and then takes the plain step: the L2 penalty *is* weight "
             "decay for gradient descent (and for SGD with momentum, whose velocity only "
             "adds past steps).",
             Eq(Tex(r"w_{t+1}"), decayed)),
        Step(r"Adam divides each step by $\sqrt{\hat v_t}$. Its first step from the "
             r"penalised gradient ($\hat m_1 = g$, $\hat v_1 = g^2$, $\epsilon \to 0$) is",
             Eq(Tex(r"w_1^{\mathrm{Adam}+L2}"), coupled)),
        Step(r"a step of size $\eta$ in the direction of $g_L + \lambda w$: the penalty "
             r"changes only the sign it follows, and a weight with large gradients is "
             r"hardly decayed at all, since $\lambda w$ is divided by the same "
             r"$\sqrt{\hat v}$. AdamW (Loshchilov and Hutter) decouples the decay, "
             "shrinking the weight before Adam's step on the loss alone:",
             Eq(Tex(r"w_1^{\mathrm{AdamW}}"), decoupled)),
        Step(r"so every weight decays by the same factor $1 - \eta\lambda$, as in gradient "
             "descent; Adam with an L2 penalty and AdamW are different methods, and only "
             "the second is weight decay."),
    ]
    results = {"GD step": decayed, "Adam + L2 first step": coupled,
               "AdamW first step": decoupled}
    return Derivation(
        name="l2-penalty-weight-decay",
        title="An L2 penalty is weight decay for gradient descent, but not for Adam",
        concepts=["weight decay", "L2 penalty", "Adam", "AdamW"], steps=steps,
        results=results, symbolic=_weight_decay_identities,
        scipy=_weight_decay_against_scipy, probml=_weight_decay_against_probml,
        tolerance=(1e-6, 1e-12),
        checked_against=("`scipy.optimize.approx_fprime` of the penalised loss "
                         "1/2 (w - 3)^2 + lambda/2 w^2 against the penalised gradient.",
                         "`probml.optim.gradient_descent` on the penalised gradient, "
                         "`probml.optim.sgd(weight_decay=...)`, `probml.optim.adam("
                         "weight_decay=...)` and `probml.optim.adamw` first steps."))


def _weight_decay_identities(d):
    """GD: w (1 - eta lambda) - eta g_L; Adam + L2: w - eta sign(g_L + lambda w); AdamW:
    w (1 - eta lambda) - eta sign(g_L); and the two Adams differ."""
    r = d.results
    sign = lambda e: e / sp.Abs(e)                     # noqa: E731 (the sign, e != 0)
    return (is_zero(r["GD step"] - (WEIGHT * (1 - eta * DECAY) - eta * GRAD_L))
            and is_zero(r["Adam + L2 first step"]
                        - (WEIGHT - eta * sign(GRAD_L + DECAY * WEIGHT)))
            and is_zero(r["AdamW first step"] - (WEIGHT * (1 - eta * DECAY) - eta * sign(GRAD_L)))
            and not is_zero(r["Adam + L2 first step"] - r["AdamW first step"]))


_WD = {"w": 1.5, "g_L": -1.5, "lambda": 0.1, "eta": 0.05}      # L = (w - 3)^2 / 2 at w = 1.5


def _evaluated(expr):
    return float(expr.subs({WEIGHT: _WD["w"], GRAD_L: _WD["g_L"], DECAY: _WD["lambda"],
                            eta: _WD["eta"], beta1: 0.9, beta2: 0.999}))


def _weight_decay_against_scipy(d):
    from scipy.optimize import approx_fprime

    lam = _WD["lambda"]
    numeric = approx_fprime([_WD["w"]], lambda v: 0.5 * (v[0] - 3) ** 2
                            + 0.5 * lam * v[0] ** 2, 1e-7)[0]
    gd = _evaluated(d.results["GD step"])
    return abs((_WD["w"] - gd) / _WD["eta"] - numeric)         # the step's gradient


def _weight_decay_against_probml(d):
    from probml import optim

    w, grad, lam, lr = (np.array([_WD["w"]]), np.array([_WD["g_L"]]), _WD["lambda"],
                        _WD["eta"])

    def first_step(optimizer, gradient):
        update, _ = optimizer.update(gradient, optimizer.init(w), w)
        return float((w + update)[0])

    return max(
        abs(first_step(optim.gradient_descent(lr), grad + lam * w)
            - _evaluated(d.results["GD step"])),
        abs(first_step(optim.sgd(lr, weight_decay=lam), grad) - _evaluated(d.results["GD step"])),
        abs(first_step(optim.adam(lr, eps=1e-300, weight_decay=lam), grad)
            - _evaluated(d.results["Adam + L2 first step"])),
        abs(first_step(optim.adamw(lr, eps=1e-300, weight_decay=lam), grad)
            - _evaluated(d.results["AdamW first step"])))


# A one-hidden-layer tanh network with two units, and the four inputs it is checked on:
# its own outputs are the targets, so these weights and their swap both fit exactly.
NETWORK = {"W1": np.array([[2.0, -1.5]]), "b1": np.array([0.5, -0.5]),
           "w2": np.array([1.0, -2.0]), "b2": np.array(0.0)}
NETWORK_X = np.array([-1.0, 0.0, 1.0, 2.0])


def swap_hidden_units(params):
    """The same network with its two hidden units exchanged (the same function)."""
    order = [1, 0]
    return {"W1": params["W1"][:, order], "b1": params["b1"][order],
            "w2": params["w2"][order], "b2": params["b2"]}


def _network_outputs(params):
    """The network's outputs at ``NETWORK_X``, exactly (SymPy rationals and tanh)."""
    W1, b1 = [sp.nsimplify(v) for v in params["W1"][0]], [sp.nsimplify(v) for v in params["b1"]]
    w2, b2 = [sp.nsimplify(v) for v in params["w2"]], sp.nsimplify(float(params["b2"]))
    return [sum(w2[u] * sp.tanh(W1[u] * sp.nsimplify(x0) + b1[u]) for u in range(2)) + b2
            for x0 in NETWORK_X]


def network_loss(params):
    """The exact MSE of a network with ``NETWORK``'s shape against ``NETWORK``'s own
    outputs (its targets, which it fits exactly)."""
    targets = _network_outputs(NETWORK)
    return sum((o - t) ** 2 for o, t in zip(_network_outputs(params), targets)) / len(targets)


#: Halfway between ``NETWORK`` and its swapped twin: the two hidden units identical.
NETWORK_MIDPOINT = {key: (NETWORK[key] + swap_hidden_units(NETWORK)[key]) / 2 for key in NETWORK}


@register("convexity")
def convexity():
    """The MSE and the logistic loss are convex (PSD Hessians, derived); a network's loss
    is not (its hidden units can be swapped)."""
    n_, p_ = sp.symbols("n p", integer=True, positive=True)
    X = sp.MatrixSymbol("X", n_, p_)
    w = sp.MatrixSymbol("w", p_, 1)
    y = sp.MatrixSymbol("y", n_, 1)
    gradient = sp.diff((X * w - y).T * (X * w - y) / n_, w)
    hessian = sp.diff(gradient, w)
    zz, label = sp.symbols("z y", real=True)
    sigma = 1 / (1 + sp.exp(-zz))
    log_loss = -label * sp.log(sigma) - (1 - label) * sp.log(1 - sigma)
    curvature = sp.diff(log_loss, zz, 2)
    # Written as e^-z / (1 + e^-z)^2, the derivative of sigma (the symbolic check proves it).
    shown_curvature = sp.exp(-zz) / (1 + sp.exp(-zz)) ** 2
    at_weights = sp.simplify(network_loss(NETWORK))
    at_swapped = sp.simplify(network_loss(swap_hidden_units(NETWORK)))
    at_midpoint = network_loss(NETWORK_MIDPOINT)
    steps = [
        Step(r"A loss is convex when its Hessian is positive semi-definite everywhere: then "
             r"every stationary point is a global minimum. The MSE $\frac{1}{n}\lVert Xw - "
             r"y\rVert^2$ has the gradient $\frac{2}{n}X^\top(Xw - y)$, and SymPy's matrix "
             "calculus differentiates it once more:",
             Eq(Tex(r"\nabla^2_w L"), hessian)),
        Step(r"for any direction $v$, $v^\top X^\top X v = \lVert Xv\rVert^2 \ge 0$: the "
             r"MSE is convex in $w$ (strictly, when $X$ has full column rank).",
             Eq(Tex(r"v^\top \nabla^2_w L\, v"), Tex(r"\frac{2}{n}\lVert Xv\rVert^2 \ge 0"))),
        Step(r"The logistic loss of one example, as a function of its log-odds "
             r"$z = x^\top w$, has the second derivative",
             Eq(Tex(r"\frac{d^2}{dz^2}\left[-y\log\sigma(z) - (1 - y)\log(1 - \sigma(z))\right]"),
                shown_curvature)),
        Step(r"which is $\sigma(z)(1 - \sigma(z)) > 0$ whatever the label; by the chain "
             r"rule its Hessian in $w$ is $\sigma(1 - \sigma)\, x x^\top$, positive "
             "semi-definite, and a sum of such terms is too: the logistic loss is convex.",
             Eq(Tex(r"\nabla^2_w \ell"), Tex(r"\sigma(z)\,(1 - \sigma(z))\; x x^\top"))),
        Step(r"A network's loss is not. Exchanging the two hidden units of a network "
             r"(their input weights, biases and output weights) gives the same function, "
             r"so the same loss. Take targets the network fits exactly: its loss and the "
             "swapped network's are both",
             Eq(Tex(r"L(\theta) = L(\theta_{\mathrm{swap}})"), at_weights)),
        Step(r"while halfway between them, where the two units are identical, the loss is "
             r"positive. A convex loss would be at most $\frac12 L(\theta) + \frac12 "
             r"L(\theta_{\mathrm{swap}}) = 0$ there, so the network's loss is not convex: "
             "it has several minima, and where gradient descent ends depends on the start.",
             Eq(Tex(r"L\left(\tfrac{1}{2}(\theta + \theta_{\mathrm{swap}})\right)"),
                sp.Float(sp.N(at_midpoint, 15), 6))),
    ]
    results = {"MSE Hessian": hessian, "logistic curvature": curvature,
               "logistic curvature as shown": shown_curvature,
               "network loss at the weights": at_weights,
               "network loss swapped": at_swapped, "network loss at the midpoint": at_midpoint}
    return Derivation(
        name="convexity", title="The MSE and the logistic loss are convex; a network's is not",
        concepts=["convexity", "Hessian", "non-convex optimisation"], steps=steps,
        results=results, symbolic=_convexity_identities, scipy=_convexity_against_scipy,
        probml=_convexity_against_probml, tolerance=(1e-6, 1e-12),
        checked_against=("`scipy.linalg.eigvalsh` of the MSE Hessian of random designs "
                         "(>= 0) and of a finite-difference Hessian of the mean logistic "
                         "loss (`scipy.optimize.approx_fprime`), and the midpoint loss "
                         "against SciPy-free NumPy.",
                         "`probml.optim.OneHiddenLayerNetwork.loss` at the weights, the "
                         "swapped weights and the midpoint."))


def _convexity_identities(d):
    """Hessian 2 X^T X / n; curvature sigma (1 - sigma); exact fits for both orders of the
    hidden units and a positive loss between them (the convexity inequality fails)."""
    r = d.results
    n_, p_ = sp.symbols("n p", integer=True, positive=True)
    X = sp.MatrixSymbol("X", n_, p_)
    zz = sp.Symbol("z", real=True)
    sigma = 1 / (1 + sp.exp(-zz))
    return (r["MSE Hessian"] == 2 * X.T * X / n_           # SymPy's canonical form
            and is_zero(r["logistic curvature"] - sigma * (1 - sigma))
            and is_zero(r["logistic curvature as shown"] - r["logistic curvature"])
        and r["network loss at the weights"] == 0 and r["network loss swapped"] == 0
        and is_zero(r["network loss at the midpoint"] - network_loss(NETWORK_MIDPOINT))
        and sp.N(r["network loss at the midpoint"], 30) > 1e-3)


def _numeric_network_loss(params):
    h = np.tanh(NETWORK_X[:, None] * params["W1"][0] + params["b1"])
    targets = np.tanh(NETWORK_X[:, None] * NETWORK["W1"][0] + NETWORK["b1"]) @ NETWORK["w2"]
    return float(np.mean((h @ params["w2"] + params["b2"] - targets) ** 2))


def _convexity_against_scipy(d):
    from scipy.linalg import eigvalsh
    from scipy.optimize import approx_fprime

    rng = np.random.default_rng(5)
    X, labels = rng.normal(size=(30, 3)), rng.integers(0, 2, 30).astype(float)
    smallest = eigvalsh(2 * X.T @ X / 30).min()

    def gradient(w):
        probabilities = 1 / (1 + np.exp(-X @ w))
        return X.T @ (probabilities - labels) / 30
    w0 = rng.normal(size=3)
    numeric = np.array([approx_fprime(w0, lambda v, k=k: gradient(v)[k], 1e-6)
                        for k in range(3)])
    curvature = eigvalsh((numeric + numeric.T) / 2).min()
    derived = float(d.results["network loss at the midpoint"])
    return max(0.0, -smallest, -curvature,
               abs(_numeric_network_loss(NETWORK_MIDPOINT) - derived))


def _convexity_against_probml(d):
    from probml import optim

    network = optim.OneHiddenLayerNetwork(n_hidden=2, activation="tanh")
    X = NETWORK_X[:, None]
    targets = network.forward(NETWORK, X)
    return max(abs(network.loss(NETWORK, X, targets)
                   - float(d.results["network loss at the weights"])),
               abs(network.loss(swap_hidden_units(NETWORK), X, targets)
                   - float(d.results["network loss swapped"])),
               abs(network.loss(NETWORK_MIDPOINT, X, targets)
                   - float(d.results["network loss at the midpoint"])))


# A 2-3-1 network with any activation phi, for the backpropagation page.
BP_X = sp.symbols("x_1:3", real=True)
BP_W1 = sp.Matrix(2, 3, lambda k, u: sp.Symbol(f"W_{k + 1}{u + 1}", real=True))
BP_B1 = sp.symbols("b_1:4", real=True)
BP_W2 = sp.symbols("v_1:4", real=True)
BP_B2, BP_Y = sp.symbols("c y", real=True)
PHI = sp.Function("phi")
_ARG = sp.Symbol("a", real=True)
ACTIVATIONS = {"sigmoid": 1 / (1 + sp.exp(-_ARG)), "tanh": sp.tanh(_ARG),
               "ReLU": sp.Max(_ARG, 0), "softplus": sp.log(1 + sp.exp(_ARG))}


def _network(activation=PHI):
    """(pre-activations a_u, output y-hat, squared error) of the 2-3-1 network."""
    a = [sum(BP_X[k] * BP_W1[k, u] for k in range(2)) + BP_B1[u] for u in range(3)]
    y_hat = sum(BP_W2[u] * activation(a[u]) for u in range(3)) + BP_B2
    return a, y_hat, (y_hat - BP_Y) ** 2


def _backpropagated(a, y_hat, derivative):
    """The backpropagation formulas, parameter by parameter, with phi' = ``derivative``."""
    delta = 2 * (y_hat - BP_Y)
    hidden = [delta * BP_W2[u] * derivative(a[u]) for u in range(3)]
    formulas = {BP_B2: delta}
    for u in range(3):
        formulas[BP_W2[u]] = delta * PHI(a[u])
        formulas[BP_B1[u]] = hidden[u]
        for k in range(2):
            formulas[BP_W1[k, u]] = BP_X[k] * hidden[u]
    return formulas


def _generic_slope(argument):
    return sp.Subs(sp.Derivative(PHI(_ARG), _ARG), _ARG, argument)


@register("backpropagation")
def backpropagation():
    """The chain rule through a one-hidden-layer network, checked parameter by parameter
    against SymPy's derivative of the whole loss; the activations' derivatives."""
    a, y_hat, loss = _network()
    formulas = _backpropagated(a, y_hat, _generic_slope)
    # Both sides are polynomials in the same function values: expanding decides it.
    gaps = sp.Matrix([sp.expand(sp.diff(loss, parameter) - formula)
                      for parameter, formula in formulas.items()])
    slopes = {name: sp.diff(f, _ARG) for name, f in ACTIVATIONS.items()}
    steps = [
        Step(r"A network with one hidden layer computes, for an input $x$, the hidden "
             r"pre-activations $a = W_1^\top x + b_1$, the activations $h = \phi(a)$ and "
             r"the output $\hat y = w_2^\top h + b_2$; with the squared error "
             r"$\ell = (\hat y - y)^2$ the chain rule starts at the output:",
             Eq(Tex(r"\delta = \frac{\partial \ell}{\partial \hat y}"),
                Tex(r"2(\hat y - y)"))),
        Step(r"The output layer's gradients are $\delta$ times what each weight multiplies:",
             Eq(Tex(r"\nabla_{w_2}\ell,\ \frac{\partial \ell}{\partial b_2}"),
                Tex(r"\delta\, h,\ \delta"))),
        Step(r"The error passes back through $w_2$ and the activation's slope, unit by unit:",
             Eq(Tex(r"\Delta_u = \frac{\partial \ell}{\partial a_u}"),
                Tex(r"\delta\, w_{2,u}\, \phi'(a_u)"))),
        Step(r"and the first layer's gradients are $\Delta$ times its inputs:",
             Eq(Tex(r"\frac{\partial \ell}{\partial W_{1,ku}},\ "
                    r"\frac{\partial \ell}{\partial b_{1,u}}"),
                Tex(r"x_k \Delta_u,\ \Delta_u"))),
        Step(r"SymPy differentiates the whole loss of a network with two inputs and three "
             r"hidden units, for an unspecified activation $\phi$, with respect to each of "
             r"its 13 parameters; every derivative minus its backpropagation formula is",
             gaps.T),
        Step(r"The slope $\phi'$ each activation contributes, derived: the sigmoid's is "
             r"$\sigma(1 - \sigma)$, tanh's $1 - \tanh^2$, ReLU's a step (0 below 0, 1 "
             r"above), softplus's the sigmoid:",
             Eq(Tex(r"\sigma'(a),\ \tanh'(a),\ \mathrm{ReLU}'(a),\ \mathrm{softplus}'(a)"),
                sp.Matrix([list(slopes.values())]))),
    ]
    results = {"gradient minus backpropagation": gaps, **{f"{name}'": slope
                                                           for name, slope in slopes.items()}}
    return Derivation(
        name="backpropagation",
        title="Backpropagation through one hidden layer, and the activations' slopes",
        concepts=["backpropagation", "chain rule", "activation functions"], steps=steps,
        results=results, symbolic=_backpropagation_identities,
        scipy=_backpropagation_against_scipy, probml=_backpropagation_against_probml,
        tolerance=(1e-6, 1e-12),
        checked_against=("`scipy.optimize.approx_fprime` of the network's squared error "
                         "(tanh) against the backpropagation formulas.",
                         "`probml.optim.OneHiddenLayerNetwork(activation=...).gradient` for "
                         "tanh and the sigmoid against the same formulas."))


def _backpropagation_identities(d):
    """Every gap is 0; the slopes are sigma (1 - sigma), 1 - tanh^2, the step, sigma."""
    r = d.results
    sigma = ACTIVATIONS["sigmoid"]

    def same(a, b):
        return sp.simplify((a - b).rewrite(sp.exp)) == 0
    return (all(gap == 0 for gap in r["gradient minus backpropagation"])
            and same(r["sigmoid'"], sigma * (1 - sigma))
            and same(r["tanh'"], 1 - sp.tanh(_ARG) ** 2)
            and all(r["ReLU'"].subs(_ARG, v) == (1 if v > 0 else 0) for v in (-2, -0.5, 0.5, 3))
            and same(r["softplus'"], sigma))


_BP_RNG = np.random.default_rng(17)
_BP_PARAMS = {"W1": _BP_RNG.normal(size=(2, 3)), "b1": _BP_RNG.normal(size=3),
              "w2": _BP_RNG.normal(size=3), "b2": np.array(0.3)}
_BP_POINT = (np.array([0.7, -1.2]), 0.4)


def _formula_gradient(d, activation):
    """The backpropagation formulas evaluated at the checks' parameters and example, as the
    flat vector (W1 row by row, b1, w2, b2)."""
    phi = sp.Lambda(_ARG, ACTIVATIONS[activation])
    slope = sp.Lambda(_ARG, d.results[f"{activation}'"])
    a, y_hat, _ = _network(phi)
    delta = 2 * (y_hat - BP_Y)
    hidden = [delta * BP_W2[u] * slope(a[u]) for u in range(3)]
    values = {**{BP_W1[k, u]: _BP_PARAMS["W1"][k, u] for k in range(2) for u in range(3)},
              **dict(zip(BP_B1, _BP_PARAMS["b1"])), **dict(zip(BP_W2, _BP_PARAMS["w2"])),
              BP_B2: float(_BP_PARAMS["b2"]), **dict(zip(BP_X, _BP_POINT[0])),
              BP_Y: _BP_POINT[1]}
    entries = ([BP_X[k] * hidden[u] for k in range(2) for u in range(3)] + hidden
               + [delta * phi(a[u]) for u in range(3)] + [delta])
    return np.array([float(e.subs(values)) for e in entries])


def _network_squared_error(flat, activation):
    W1, b1, w2, b2 = flat[:6].reshape(2, 3), flat[6:9], flat[9:12], flat[12]
    x, target = _BP_POINT
    h = activation(x @ W1 + b1)
    return float((h @ w2 + b2 - target) ** 2)


def _flat(params):
    return np.r_[params["W1"].ravel(), params["b1"], params["w2"], params["b2"]]


def _backpropagation_against_scipy(d):
    from scipy.optimize import approx_fprime

    numeric = approx_fprime(_flat(_BP_PARAMS), lambda v: _network_squared_error(v, np.tanh),
                            1e-7)
    return float(np.max(np.abs(numeric - _formula_gradient(d, "tanh"))))


def _backpropagation_against_probml(d):
    from probml import optim

    errors = []
    for activation in ("tanh", "sigmoid"):
        network = optim.OneHiddenLayerNetwork(n_hidden=3, activation=activation)
        gradient = network.gradient(_BP_PARAMS, _BP_POINT[0][None, :], np.array([_BP_POINT[1]]))
        errors.append(np.max(np.abs(_flat(gradient) - _formula_gradient(d, activation))))
    return float(max(errors))
