"""Optimization: the gradient-descent step size, Adam's bias correction, and the L2
penalty as weight decay (and where it is not)."""

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
    (fastest,) = sp.solve(factor, eta)
    lam1, lam2 = sp.symbols("lambda_1 lambda_2", positive=True)
    modes = sp.Matrix([1 - eta * lam1, 1 - eta * lam2])
    steps = [
        Step("On a quadratic with curvature a, one gradient step maps x to",
             Eq(Tex("x_{t+1}"), step)),
        Step("so each step multiplies the distance to the minimum by",
             Eq(Tex("r"), factor)),
        Step("The iteration converges exactly when |r| < 1, that is for",
             Tex(r"\eta \in " + sp.latex(region))),
        Step("and it lands on the minimum in one step when r = 0:",
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
    return (is_zero(sp.simplify(d.results["sum of weights"] - (1 - beta1 ** t)))
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
            and sp.simplify(r["Adam + L2 first step"]
                            - (WEIGHT - eta * sign(GRAD_L + DECAY * WEIGHT))) == 0
            and sp.simplify(r["AdamW first step"]
                            - (WEIGHT * (1 - eta * DECAY) - eta * sign(GRAD_L))) == 0
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
