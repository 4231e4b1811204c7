"""The Gaussian linear model the Bayes and regularization derivations share: a design of
any size (``MatrixSymbol``), and an explicit 3 x 2 one for illustrations and numbers."""

import numpy as np
import sympy as sp

alpha, beta = sp.symbols("alpha beta", positive=True)
# n examples of p features, for the general derivations.
n_rows, p_cols = sp.symbols("n p", integer=True, positive=True)
DESIGN = sp.MatrixSymbol("X", n_rows, p_cols)
WEIGHTS = sp.MatrixSymbol("w", p_cols, 1)
TARGETS = sp.MatrixSymbol("y", n_rows, 1)
# An explicit design of three rows and two features.
X = sp.Matrix(3, 2, sp.symbols("X_1:4_1:3", real=True))
w = sp.Matrix(sp.symbols("w_1:3", real=True))
y = sp.Matrix(sp.symbols("y_1:4", real=True))


def sample_data(seed=10):
    """Three rows of two features and a noisy response, for the numeric checks."""
    rng = np.random.default_rng(seed)
    X_ = rng.normal(size=(3, 2))
    return X_, X_ @ [1.0, -0.5] + rng.normal(scale=0.3, size=3)


def on_data(expr, X_, y_, values):
    """A matrix expression in ``DESIGN`` and ``TARGETS`` (any size) evaluated on the arrays
    ``X_``, ``y_`` and the scalar ``values``, as a float array."""
    n_, p_ = X_.shape
    bound = expr.subs({DESIGN: sp.ImmutableMatrix(X_), TARGETS: sp.ImmutableMatrix(y_),
                       n_rows: n_, p_cols: p_, **values})
    return np.array(sp.Matrix(bound.doit()), dtype=float)


def explicit(expr):
    """A matrix expression in ``DESIGN``, ``WEIGHTS`` and ``TARGETS`` written out for the
    explicit 3 x 2 design (entries ``X_11 ... X_32``)."""
    return sp.Matrix(expr.subs({DESIGN: sp.ImmutableMatrix(X), WEIGHTS: sp.ImmutableMatrix(w),
                                TARGETS: sp.ImmutableMatrix(y), n_rows: 3, p_cols: 2}).doit())
