"""The Gaussian linear model the Bayes and regularization derivations share."""

import numpy as np
import sympy as sp

alpha, beta = sp.symbols("alpha beta", positive=True)
X = sp.Matrix(3, 2, sp.symbols("X_1:4_1:3", real=True))
w = sp.Matrix(sp.symbols("w_1:3", real=True))
y = sp.Matrix(sp.symbols("y_1:4", real=True))


def sample_data(seed=10):
    """Three rows of two features and a noisy response, for the numeric checks."""
    rng = np.random.default_rng(seed)
    X_ = rng.normal(size=(3, 2))
    return X_, X_ @ [1.0, -0.5] + rng.normal(scale=0.3, size=3)


def substitutions(X_, y_, a, b_):
    """The symbols of the model bound to numbers."""
    return {**dict(zip(X, X_.ravel())), **dict(zip(y, y_)), alpha: a, beta: b_}
