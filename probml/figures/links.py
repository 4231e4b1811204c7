"""Link functions and cross-entropy: sigmoid and logit, softmax temperature, BCE."""

import numpy as np
from matplotlib.figure import Figure

from .. import functions, losses
from . import register
from ._surfaces import pointwise


@register("sigmoid-logit", concept="logistic function",
          caption="The sigmoid and the logit are inverse functions: each is the other "
                  "reflected across y = x; the odds p / (1 - p) grow without bound as p "
                  "approaches 1.",
          derivation="logistic-inverse-logit")
def sigmoid_logit(rng):
    figure = Figure()
    left, right = figure.subplots(1, 2)
    z = np.linspace(-6, 6, 401)
    p = np.linspace(0.0025, 0.9975, 399)
    left.plot(z, functions.sigmoid(z), label="sigmoid(z)")
    left.plot(p, functions.logit(p), label="logit(p)")
    left.plot(z, z, color="0.6", linestyle="--", linewidth=1, label="y = x")
    left.set_xlim(-6, 6)
    left.set_ylim(-6, 6)
    left.set_aspect("equal")
    left.set_title("Inverse functions")
    left.legend(loc="lower right", fontsize=8)
    right.plot(p, p / (1 - p), color="C2")
    right.set_ylim(0, 20)
    right.set_xlabel("probability p")
    right.set_ylabel("odds p / (1 - p)")
    right.set_title("Odds against probability")
    figure.tight_layout()
    return figure


@register("softmax-temperature", concept="softmax",
          caption="Softmax of the same five logits at temperatures 0.25, 1 and 4: low "
                  "temperature concentrates the probability on the largest logit, high "
                  "temperature spreads it towards uniform.")
def softmax_temperature(rng):
    logits = np.array([2.0, 1.0, 0.5, -0.5, -1.0])
    figure = Figure()
    ax = figure.add_subplot()
    width = 0.26
    for k, temperature in enumerate((0.25, 1.0, 4.0)):
        probabilities = functions.softmax(logits, temperature=temperature)
        ax.bar(np.arange(logits.size) + (k - 1) * width, probabilities, width,
               label=f"T = {temperature:g}")
    ax.axhline(1 / logits.size, color="0.5", linestyle=":", linewidth=1, label="uniform")
    ax.set_xticks(np.arange(logits.size), [f"z = {v:g}" for v in logits])
    ax.set_ylabel("probability")
    ax.set_title("softmax(z / T)")
    ax.legend()
    return figure


@register("binary-cross-entropy", concept="cross-entropy",
          caption="Left: binary cross-entropy of a predicted probability when the label is "
                  "1 and when it is 0; a confident wrong answer costs without bound. Right: "
                  "the entropy of a Bernoulli variable, largest at p = 1/2.",
          derivation="cross-entropy-gradient")
def binary_cross_entropy(rng):
    p = np.linspace(0.001, 0.999, 999)
    ones, zeros = np.ones_like(p), np.zeros_like(p)
    on_one = pointwise(losses.binary_cross_entropy, ones, p)
    on_zero = pointwise(losses.binary_cross_entropy, zeros, p)
    figure = Figure()
    left, right = figure.subplots(1, 2)
    left.plot(p, on_one, label="label y = 1: -log p")
    left.plot(p, on_zero, label="label y = 0: -log(1 - p)")
    left.set_ylim(0, 5)
    left.set_xlabel("predicted probability p")
    left.set_ylabel("loss")
    left.set_title("Binary cross-entropy")
    left.legend(fontsize=8)
    # Entropy H(p) is the expected cross-entropy of the Bernoulli(p) against itself.
    entropy = p * on_one + (1 - p) * on_zero
    right.plot(p, entropy / np.log(2), color="C2")
    right.set_xlabel("p")
    right.set_ylabel("bits")
    right.set_title("Entropy of a Bernoulli(p)")
    figure.tight_layout()
    return figure
