"""Classification: the logistic function as the inverse logit, and cross-entropy gradients."""

import numpy as np
import sympy as sp
from sympy.simplify.simplify import factor_sum

from .._derivation import Derivation, Eq, Step, Tex, is_zero, shown
from . import register

p, z = sp.symbols("p z", real=True)
SIGMOID = 1 / (1 + sp.exp(-z))
LOGIT = sp.log(p / (1 - p))
GRID = np.linspace(-30, 30, 121)          # the logits where the checks compare numbers

# One sample of the binary model, and the logits and one-hot labels of K = 3 classes.
w, b, x, y = sp.symbols("w b x y", real=True)
PREDICTION = 1 / (1 + sp.exp(-(w * x + b)))
# K classes: logits z_k, one-hot labels y_k, the class j of a derivative and the indices
# of the sums; three explicit logits and labels for the checks.
K_CLASSES = sp.Symbol("K", integer=True, positive=True)
CLASS_J, CLASS_K, CLASS_L = sp.symbols("j k l", integer=True, positive=True)
Z_LOGIT, Y_LABEL = sp.IndexedBase("z"), sp.IndexedBase("y")
LOGITS, LABELS = sp.symbols("z_1:4", real=True), sp.symbols("y_1:4", real=True)
SOFTMAX = [sp.exp(zk) / sum(sp.exp(zj) for zj in LOGITS) for zk in LOGITS]


@register("logistic-inverse-logit")
def logistic_inverse_logit():
    odds = p / (1 - p)
    logit = sp.log(odds)
    (inverse,) = sp.solve(Eq(z, logit), p, check=False)
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
    d_bce_dw = sp.simplify(sp.diff(bce, w))
    softmax_k = sp.exp(Z_LOGIT[CLASS_K]) / sp.Sum(sp.exp(Z_LOGIT[CLASS_L]), (CLASS_L, 1, K_CLASSES))
    cce = -sp.Sum(Y_LABEL[CLASS_K] * sp.log(softmax_k), (CLASS_K, 1, K_CLASSES))
    # Written out, log softmax(z)_k = z_k - log sum_l e^(z_l); then d/dz_j for any K.
    written_out = -sp.Sum(Y_LABEL[CLASS_K] * (Z_LOGIT[CLASS_K] - sp.log(sp.Sum(
        sp.exp(Z_LOGIT[CLASS_L]), (CLASS_L, 1, K_CLASSES)))), (CLASS_K, 1, K_CLASSES))
    # SymPy's derivative is a Piecewise whose first branch holds for a class j <= K;
    # expanding it and taking the constant factors out of the sums tidies it.
    derivative = sp.piecewise_fold(sp.diff(written_out, Z_LOGIT[CLASS_J]).doit())
    derivative = derivative.args[0][0] if isinstance(derivative, sp.Piecewise) else derivative
    derivative = sp.expand(derivative).replace(lambda e: isinstance(e, sp.Sum), factor_sum)
    label_sum = sp.Sum(Y_LABEL[CLASS_K], (CLASS_K, 1, K_CLASSES))
    d_cce = derivative.subs(label_sum, 1)                 # one-hot: the labels sum to 1
    steps = [
        Step("Binary cross-entropy of one sample with label $y$ and prediction "
             "$\\sigma(w x + b)$ is", Eq(Tex("L"), bce)),
        Step("Differentiating through the sigmoid (its derivative $\\sigma (1 - \\sigma)$ "
             "cancels the $1/\\sigma$ and $1/(1 - \\sigma)$ of the logs) gives",
             Eq(Tex(r"\frac{\partial L}{\partial w}"), d_bce_dw)),
        Step("that is, prediction minus label, times the input: the same form as the "
             "squared error's gradient $(w x + b - y)\\,x$, with the prediction passed "
             "through the link.",
             Eq(Tex(r"\frac{\partial L}{\partial w}"),
                   Tex(r"(\sigma(w x + b) - y)\, x"))),
        Step(r"For $K$ classes with logits $z_1, \dots, z_K$, softmax probabilities "
             r"$p_k = e^{z_k} / \sum_l e^{z_l}$ and a one-hot label $y$, the categorical "
             r"cross-entropy is", shown("L", cce, order="old")),
        Step(r"With $\log p_k = z_k - \log \sum_l e^{z_l}$, SymPy differentiates it with "
             r"respect to the logit $z_j$ of any class $j$:",
             Eq(Tex(r"\frac{\partial L}{\partial z_j}"), derivative)),
        Step(r"The labels of a one-hot $y$ sum to 1, so the gradient is again prediction "
             r"minus label, $p_j - y_j$, for every $K$:",
             Eq(Tex(r"\frac{\partial L}{\partial z_j}"), d_cce)),
    ]
    return Derivation(
        name="cross-entropy-gradient",
        title="The gradient of cross-entropy: prediction minus label",
        concepts=["binary cross-entropy", "categorical cross-entropy", "softmax", "gradient"],
        steps=steps, results={"dBCE/dw": d_bce_dw, "dCCE/dz_j": d_cce},
        symbolic=_cross_entropy_identities, scipy=_cross_entropy_against_scipy,
        probml=_cross_entropy_against_probml, tolerance=(1e-6, 1e-12),
        checked_against=("`scipy.optimize.approx_fprime` on the mean log-loss and on "
                         "the softmax cross-entropy.",
                         "`probml.losses`' logit-gradient functions, chained through "
                         "w x + b."))


def _cross_entropy_identities(d):
    """dBCE/dw = (sigma - y) x; dCCE/dz_j = p_j - y_j for any K, and for K = 3 it equals
    the derivative of the cross-entropy written out with three explicit logits."""
    softmax_j = sp.exp(Z_LOGIT[CLASS_J]) / sp.Sum(sp.exp(Z_LOGIT[CLASS_L]),
                                                  (CLASS_L, 1, K_CLASSES))
    one_hot = {LABELS[2]: 1 - LABELS[0] - LABELS[1]}
    explicit = -sum(yk * sp.log(pk) for yk, pk in zip(LABELS, SOFTMAX))
    three = [_cce_at(d.results["dCCE/dz_j"], j, LOGITS, LABELS) for j in (1, 2, 3)]
    return (is_zero(d.results["dBCE/dw"] - (PREDICTION - y) * x)
            and is_zero(d.results["dCCE/dz_j"] - (softmax_j - Y_LABEL[CLASS_J]))
            and all(is_zero((g - sp.diff(explicit, zk)).subs(one_hot))
                    for g, zk in zip(three, LOGITS)))


def _cce_at(gradient_j, j, logits, labels):
    """The general dCCE/dz_j for class ``j`` of ``len(logits)`` classes, with the logits
    and labels put in (symbols or numbers)."""
    values = {Z_LOGIT[m + 1]: v for m, v in enumerate(logits)}
    values.update({Y_LABEL[m + 1]: v for m, v in enumerate(labels)})
    return gradient_j.subs({CLASS_J: j, K_CLASSES: len(logits)}).doit().subs(values)


def _binary_data():
    rng = np.random.default_rng(4)
    return rng.normal(size=20), rng.integers(0, 2, 20).astype(float)


def _bce_gradient(d, theta, xs, labels):
    """The derived dBCE/dw, averaged over the samples."""
    term = sp.lambdify((w, b, x, y), d.results["dBCE/dw"])
    return float(np.mean(term(theta[0], theta[1], xs, labels)))


def _cce_gradient(d, logits, one_hot):
    """The derived dCCE/dz at ``logits`` for the label ``one_hot``."""
    return np.array([float(_cce_at(d.results["dCCE/dz_j"], j, logits, one_hot))
                     for j in range(1, len(logits) + 1)])


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
