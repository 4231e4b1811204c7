"""Classification: the logistic function as the inverse logit, and cross-entropy gradients."""

import numpy as np
import sympy as sp

from . import register
from ._core import Derivation, Eq, Step, Tex, is_zero

p, z = sp.symbols("p z", real=True)


@register("logistic-inverse-logit")
def logistic_inverse_logit():
    odds = p / (1 - p)
    logit = sp.log(odds)
    (inverse,) = sp.solve(Eq(z, logit), p)
    sigma = 1 / (1 + sp.exp(-z))
    derivative = sp.diff(inverse, z)
    steps = [
        Step("The odds of an event with probability p are", Eq(Tex("odds"), odds)),
        Step("and the log-odds, or logit, map (0, 1) onto the whole real line:",
             Eq(z, logit)),
        Step("Solving for p inverts the logit,", Eq(p, inverse)),
        Step("which is the logistic function (dividing through by e^z):",
             Eq(Tex(r"\sigma(z)"), sigma)),
        Step("Its derivative is", Eq(Tex(r"\sigma'(z)"), sp.simplify(derivative))),
        Step("which factors as the probability times its complement:",
             Eq(Tex(r"\sigma'(z)"), Tex(r"\sigma(z)\,(1 - \sigma(z))"))),
    ]
    results = {"p(z)": inverse, "d p / d z": derivative}

    def symbolic(d):
        r = d.results
        return (is_zero(r["p(z)"] - sigma)
                and is_zero(r["d p / d z"] - sigma * (1 - sigma))
                and is_zero(sp.simplify(logit.subs(p, r["p(z)"])) - z))

    grid = np.linspace(-30, 30, 121)

    def scipy_check(d):
        from scipy import special

        inverse_fn = sp.lambdify(z, d.results["p(z)"])
        derivative_fn = sp.lambdify(z, d.results["d p / d z"])
        return max(np.max(np.abs(inverse_fn(grid) - special.expit(grid))),
                   np.max(np.abs(derivative_fn(grid)
                                 - special.expit(grid) * special.expit(-grid))))

    def probml_check(d):
        from probml import functions

        inverse_fn = sp.lambdify(z, d.results["p(z)"])
        derivative_fn = sp.lambdify(z, d.results["d p / d z"])
        s = functions.sigmoid(grid)
        return max(np.max(np.abs(inverse_fn(grid) - s)),
                   np.max(np.abs(derivative_fn(grid) - s * (1 - s))))

    return Derivation(
        "logistic-inverse-logit", "The logistic function is the inverse of the logit",
        ["odds", "logit", "sigmoid", "derivative of the sigmoid"], steps, results,
        symbolic, scipy_check, probml_check, tolerance=(1e-14, 1e-14),
        checked_against=("`scipy.special.expit` and `scipy.special.logit` on z in [-30, 30].",
                         "`probml.functions.sigmoid` (and sigma (1 - sigma) from it)."))


@register("cross-entropy-gradient")
def cross_entropy_gradient():
    w, b, xv, yv = sp.symbols("w b x y", real=True)
    s = 1 / (1 + sp.exp(-(w * xv + b)))
    bce = -(yv * sp.log(s) + (1 - yv) * sp.log(1 - s))
    d_bce_dw = sp.diff(bce, w)
    Z = sp.symbols("z_1:4", real=True)
    Y = sp.symbols("y_1:4", real=True)
    denominator = sum(sp.exp(zk) for zk in Z)
    P = [sp.exp(zk) / denominator for zk in Z]
    cce = -sum(yk * sp.log(pk) for yk, pk in zip(Y, P))
    d_cce = sp.Matrix([sp.diff(cce, zk) for zk in Z])
    steps = [
        Step("Binary cross-entropy of one sample with label y and prediction "
             "sigma(w x + b) is", Eq(Tex("L"), bce)),
        Step("Differentiating through the sigmoid (its derivative sigma (1 - sigma) "
             "cancels the 1/sigma and 1/(1 - sigma) of the logs) gives",
             Eq(Tex(r"\frac{\partial L}{\partial w}"), sp.simplify(d_bce_dw))),
        Step("that is, prediction minus label, times the input: the same form as the "
             "squared error's gradient (w x + b - y) x, with the prediction passed "
             "through the link.",
             Eq(Tex(r"\frac{\partial L}{\partial w}"),
                   Tex(r"(\sigma(w x + b) - y)\, x"))),
        Step("For K = 3 classes with softmax probabilities and one-hot labels "
             "(y_1 + y_2 + y_3 = 1), the categorical cross-entropy", Eq(
                 Tex("L"), Tex(r"-\sum_k y_k \log \mathrm{softmax}(z)_k"))),
        Step("has the gradient with respect to the logits",
             Eq(Tex(r"\nabla_z L"), sp.Matrix([Tex(f"p_{k} - y_{k}")
                                                         for k in range(1, 4)]))),
    ]
    results = {"dBCE/dw": d_bce_dw, "dCCE/dz (K = 3)": d_cce}

    def symbolic(d):
        one_hot = {Y[2]: 1 - Y[0] - Y[1]}
        return (is_zero(sp.simplify(d.results["dBCE/dw"] - (s - yv) * xv))
                and all(is_zero(sp.simplify((g - (pk - yk)).subs(one_hot)))
                        for g, pk, yk in zip(d.results["dCCE/dz (K = 3)"], P, Y)))

    rng = np.random.default_rng(4)
    xs, labels = rng.normal(size=20), rng.integers(0, 2, 20).astype(float)

    def bce_gradient(d, theta):
        term = sp.lambdify((w, b, xv, yv), d.results["dBCE/dw"])
        return float(np.mean(term(theta[0], theta[1], xs, labels)))

    def scipy_check(d):
        from scipy.optimize import approx_fprime

        def loss(theta):
            eta = theta[0] * xs + theta[1]
            return float(np.mean(np.logaddexp(0, eta) - labels * eta))

        errors = []
        for theta in rng.normal(size=(4, 2)):
            errors.append(abs(approx_fprime(theta, loss, 1e-7)[0] - bce_gradient(d, theta)))
        logits = rng.normal(size=3)
        onehot = np.array([0.0, 1.0, 0.0])
        gradient = sp.lambdify((Z, Y), d.results["dCCE/dz (K = 3)"])(logits, onehot).ravel()

        def cce(zs):
            return float(-(zs @ onehot) + np.log(np.sum(np.exp(zs))))
        errors.append(np.max(np.abs(approx_fprime(logits, cce, 1e-7) - gradient)))
        return max(errors)

    def probml_check(d):
        from probml import losses

        errors = []
        for theta in rng.normal(size=(4, 2)):
            dz = losses.binary_cross_entropy_with_logits_gradient(labels, theta[0] * xs
                                                                  + theta[1])
            errors.append(abs(dz @ xs - bce_gradient(d, theta)))
        logits, label = rng.normal(size=(1, 3)), np.array([2])
        ours = losses.categorical_cross_entropy_with_logits_gradient(label, logits)[0]
        gradient = sp.lambdify((Z, Y), d.results["dCCE/dz (K = 3)"])(
            logits[0], np.array([0.0, 0.0, 1.0])).ravel()
        errors.append(np.max(np.abs(ours - gradient)))
        return max(errors)

    return Derivation(
        "cross-entropy-gradient", "The gradient of cross-entropy: prediction minus label",
        ["binary cross-entropy", "categorical cross-entropy", "softmax", "gradient"],
        steps, results, symbolic, scipy_check, probml_check, tolerance=(1e-6, 1e-12),
        checked_against=("`scipy.optimize.approx_fprime` on the mean log-loss and on "
                         "the softmax cross-entropy.",
                         "`probml.losses`' logit-gradient functions, chained through "
                         "w x + b."))
