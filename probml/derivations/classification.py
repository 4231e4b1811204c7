"""Classification: the logistic function as the inverse logit, and cross-entropy gradients."""

import numpy as np
import sympy as sp

from .._derivation import Derivation, Eq, Step, Tex, is_zero, shown
from . import register

p, z = sp.symbols("p z", real=True)
SIGMOID = 1 / (1 + sp.exp(-z))
LOGIT = sp.log(p / (1 - p))
GRID = np.linspace(-30, 30, 121)          # the logits where the checks compare numbers

# One sample of the binary model, and the logits and one-hot labels of K = 3 classes.
w, b, x, y = sp.symbols("w b x y", real=True)
PREDICTION = 1 / (1 + sp.exp(-(w * x + b)))
LOGITS, LABELS = sp.symbols("z_1:4", real=True), sp.symbols("y_1:4", real=True)
SOFTMAX = [sp.exp(zk) / sum(sp.exp(zj) for zj in LOGITS) for zk in LOGITS]


@register("logistic-inverse-logit")
def logistic_inverse_logit():
    odds = p / (1 - p)
    logit = sp.log(odds)
    (inverse,) = sp.solve(Eq(z, logit), p)
    derivative = sp.diff(inverse, z)
    slope = sp.diff(SIGMOID, z)                 # of 1/(1 + e^-z), as a textbook does
    e_z = sp.exp(z)
    # Inverting the logit a step at a time; each equation holds at p = inverse.
    inversion = [
        ("To solve for $p$, exponentiate both sides,", e_z, odds),
        ("multiply both sides by $1 - p$,", e_z - e_z * p, p),
        ("move the terms in $p$ to one side and factor,", e_z,
         sp.Mul(p, 1 + e_z, evaluate=False)),
        ("and divide by $1 + e^z$:", p, e_z / (1 + e_z)),
    ]
    steps = [
        Step("The odds of an event with probability $p$ are",
             Eq(Tex(r"\text{odds}"), odds)),
        Step("and the log-odds, or logit, map $(0, 1)$ onto the whole real line:",
             Eq(z, logit)),
        *[Step(text, shown(lhs, rhs)) for text, lhs, rhs in inversion],
        Step("Dividing numerator and denominator by $e^z$ gives the logistic function:",
             Eq(Tex(r"\sigma(z)"), SIGMOID)),
        Step("Its derivative, by the chain rule on $(1 + e^{-z})^{-1}$, is",
             Eq(Tex(r"\sigma'(z)"), slope)),
        Step(r"which factors as the probability times its complement, since "
             r"$e^{-z}/(1 + e^{-z}) = 1 - \sigma(z)$:",
             Eq(Tex(r"\sigma'(z)"), Tex(r"\sigma(z)\,(1 - \sigma(z))"))),
    ]
    results = {"p(z)": inverse, "d p / d z": derivative, "d sigma / d z": slope,
               "inversion steps at p(z)": sp.Matrix(
                   [sp.simplify((lhs - rhs).subs(p, inverse)) for _, lhs, rhs in inversion])}
    return Derivation(
        name="logistic-inverse-logit",
        title="The logistic function is the inverse of the logit",
        concepts=["odds", "logit", "sigmoid", "derivative of the sigmoid"],
        steps=steps, results=results,
        symbolic=_inverse_logit_identities, scipy=_inverse_logit_against_scipy,
        probml=_inverse_logit_against_probml, tolerance=(1e-14, 1e-14),
        checked_against=("`scipy.special.expit` and `scipy.special.logit` on z in [-30, 30].",
                         "`probml.functions.sigmoid` (and sigma (1 - sigma) from it)."))


def _inverse_logit_identities(d):
    """p(z) is the sigmoid, its derivative sigma (1 - sigma), and the logit undoes it."""
    r = d.results
    return (is_zero(r["p(z)"] - SIGMOID)
            and is_zero(r["d p / d z"] - SIGMOID * (1 - SIGMOID))
            and is_zero(r["d sigma / d z"] - SIGMOID * (1 - SIGMOID))
            and all(is_zero(gap) for gap in r["inversion steps at p(z)"])
            and is_zero(sp.simplify(LOGIT.subs(p, r["p(z)"])) - z))


def _inverse_logit_on_the_grid(d):
    return (sp.lambdify(z, d.results["p(z)"])(GRID),
            sp.lambdify(z, d.results["d p / d z"])(GRID))


def _inverse_logit_against_scipy(d):
    from scipy import special

    inverse, derivative = _inverse_logit_on_the_grid(d)
    return max(np.max(np.abs(inverse - special.expit(GRID))),
               np.max(np.abs(derivative - special.expit(GRID) * special.expit(-GRID))))


def _inverse_logit_against_probml(d):
    from probml import functions

    inverse, derivative = _inverse_logit_on_the_grid(d)
    s = functions.sigmoid(GRID)
    return max(np.max(np.abs(inverse - s)), np.max(np.abs(derivative - s * (1 - s))))


@register("cross-entropy-gradient")
def cross_entropy_gradient():
    bce = -(y * sp.log(PREDICTION) + (1 - y) * sp.log(1 - PREDICTION))
    d_bce_dw = sp.diff(bce, w)
    cce = -sum(yk * sp.log(pk) for yk, pk in zip(LABELS, SOFTMAX))
    d_cce = sp.Matrix([sp.diff(cce, zk) for zk in LOGITS])
    steps = [
        Step("Binary cross-entropy of one sample with label $y$ and prediction "
             "$\\sigma(w x + b)$ is", Eq(Tex("L"), bce)),
        Step("Differentiating through the sigmoid (its derivative $\\sigma (1 - \\sigma)$ "
             "cancels the $1/\\sigma$ and $1/(1 - \\sigma)$ of the logs) gives",
             Eq(Tex(r"\frac{\partial L}{\partial w}"), sp.simplify(d_bce_dw))),
        Step("that is, prediction minus label, times the input: the same form as the "
             "squared error's gradient (w x + b - y) x, with the prediction passed "
             "through the link.",
             Eq(Tex(r"\frac{\partial L}{\partial w}"),
                   Tex(r"(\sigma(w x + b) - y)\, x"))),
        Step("For $K = 3$ classes with softmax probabilities and one-hot labels "
             "($y_1 + y_2 + y_3 = 1$), the categorical cross-entropy", Eq(
                 Tex("L"), Tex(r"-\sum_k y_k \log \mathrm{softmax}(z)_k"))),
        Step("has the gradient with respect to the logits",
             Eq(Tex(r"\nabla_z L"), sp.Matrix([Tex(f"p_{k} - y_{k}")
                                                         for k in range(1, 4)]))),
    ]
    return Derivation(
        name="cross-entropy-gradient",
        title="The gradient of cross-entropy: prediction minus label",
        concepts=["binary cross-entropy", "categorical cross-entropy", "softmax", "gradient"],
        steps=steps, results={"dBCE/dw": d_bce_dw, "dCCE/dz (K = 3)": d_cce},
        symbolic=_cross_entropy_identities, scipy=_cross_entropy_against_scipy,
        probml=_cross_entropy_against_probml, tolerance=(1e-6, 1e-12),
        checked_against=("`scipy.optimize.approx_fprime` on the mean log-loss and on "
                         "the softmax cross-entropy.",
                         "`probml.losses`' logit-gradient functions, chained through "
                         "w x + b."))


def _cross_entropy_identities(d):
    """dBCE/dw = (sigma - y) x; with one-hot labels, dCCE/dz_k = p_k - y_k."""
    one_hot = {LABELS[2]: 1 - LABELS[0] - LABELS[1]}
    return (is_zero(sp.simplify(d.results["dBCE/dw"] - (PREDICTION - y) * x))
            and all(is_zero(sp.simplify((g - (pk - yk)).subs(one_hot)))
                    for g, pk, yk in zip(d.results["dCCE/dz (K = 3)"], SOFTMAX, LABELS)))


def _binary_data():
    rng = np.random.default_rng(4)
    return rng.normal(size=20), rng.integers(0, 2, 20).astype(float)


def _bce_gradient(d, theta, xs, labels):
    """The derived dBCE/dw, averaged over the samples."""
    term = sp.lambdify((w, b, x, y), d.results["dBCE/dw"])
    return float(np.mean(term(theta[0], theta[1], xs, labels)))


def _cce_gradient(d, logits, one_hot):
    """The derived dCCE/dz at ``logits`` for the label ``one_hot``."""
    gradient = sp.lambdify((LOGITS, LABELS), d.results["dCCE/dz (K = 3)"])
    return gradient(logits, one_hot).ravel()


def _cross_entropy_against_scipy(d):
    from scipy.optimize import approx_fprime

    xs, labels = _binary_data()
    rng = np.random.default_rng(5)
    logits, one_hot = rng.normal(size=3), np.array([0.0, 1.0, 0.0])

    def mean_log_loss(theta):
        eta = theta[0] * xs + theta[1]
        return float(np.mean(np.logaddexp(0, eta) - labels * eta))

    def softmax_cross_entropy(values):
        return float(-(values @ one_hot) + np.log(np.sum(np.exp(values))))

    errors = [abs(approx_fprime(theta, mean_log_loss, 1e-7)[0]
                  - _bce_gradient(d, theta, xs, labels)) for theta in rng.normal(size=(4, 2))]
    errors.append(np.max(np.abs(approx_fprime(logits, softmax_cross_entropy, 1e-7)
                                - _cce_gradient(d, logits, one_hot))))
    return max(errors)


def _cross_entropy_against_probml(d):
    from probml import losses

    xs, labels = _binary_data()
    rng = np.random.default_rng(6)
    errors = []
    for theta in rng.normal(size=(4, 2)):
        dz = losses.binary_cross_entropy_with_logits_gradient(labels, theta[0] * xs + theta[1])
        errors.append(abs(dz @ xs - _bce_gradient(d, theta, xs, labels)))
    logits, label = rng.normal(size=(1, 3)), np.array([2])
    ours = losses.categorical_cross_entropy_with_logits_gradient(label, logits)[0]
    errors.append(np.max(np.abs(ours - _cce_gradient(d, logits[0], np.array([0.0, 0.0, 1.0])))))
    return max(errors)
