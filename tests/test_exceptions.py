"""Every warning probml gives names the user's line (:func:`probml.exceptions.warn`).

One public call per module that warns, made here: its first warning must point at this
file, however deep inside the package it was raised and whatever the call depth (a
fixed ``stacklevel`` named a line inside probml, or ``sys:1``, when the depth varied).
"""

import warnings

import numpy as np
import pytest
import sympy as sp

import probml
from probml import likelihood

X4 = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0], [4.0, 8.0]])
Y4 = np.array([1.0, 3.0, 2.0, 5.0])
# Columns 0 and 1 correlated: one sweep of coordinate descent does not converge.
CORRELATED = np.c_[np.arange(8.0), np.arange(8.0) + np.sin(np.arange(8.0)), np.cos(np.arange(8.0))]


def _fitted_linear():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return probml.LinearRegression().fit(X4[:, :1], Y4)


def _nonlinear():
    x, a, b = sp.symbols("x a b")
    return likelihood.NonlinearRegression(a * sp.exp(b * x), x=x, params=[a, b],
                                          start=[1.0, 0.1])


CALLS = {
    # models/base.py
    "Regressor.score of one sample": lambda: _fitted_linear().score(X4[:1, :1], Y4[:1]),
    "warn_exact_fit (LinearRegression)": lambda: probml.LinearRegression().fit(
        X4[:, :1], 0.1 * X4[:, 0] + 0.3),
    # models/_least_squares.py
    "rank-deficient LinearRegression": lambda: probml.LinearRegression().fit(X4, Y4),
    # models/linear.py (noise_variance)
    "Ridge with no residual degrees of freedom": lambda: probml.Ridge(alpha=1e-12).fit(
        np.eye(4), Y4),
    # models/normal.py
    "Normal of one value": lambda: probml.Normal().fit([2.0, 2.0, 2.0]),
    # models/lasso.py
    "Lasso stopped at max_iter": lambda: probml.Lasso(alpha=1e-3, max_iter=1).fit(
        CORRELATED, CORRELATED @ [1.0, 2.0, 3.0]),
    "lasso_path stopped at max_iter": lambda: probml.lasso_path(
        CORRELATED, CORRELATED @ [1.0, 2.0, 3.0], alphas=[1e-3], max_iter=1),
    "BridgeRegression with p < 1": lambda: probml.BridgeRegression(p=0.5).fit(
        X4[:, :1], Y4),
    # selection/: an estimator's warnings from inside probml's cross-validation
    "Lasso stopped at max_iter, cross-validated": lambda: probml.selection.cross_val_score(
        probml.Lasso(alpha=1e-3, max_iter=1), CORRELATED, CORRELATED @ [1.0, 2.0, 3.0], cv=2),
    "BridgeRegression with p < 1, cross-validated": lambda: probml.selection.cross_val_score(
        probml.BridgeRegression(p=0.5), CORRELATED, CORRELATED[:, 0], cv=2),
    "Regressor.score of one sample, in leave-one-out": lambda: (
        probml.selection.cross_val_score(probml.LinearRegression(), X4[:, :1], Y4, cv=4)),
    # models/bayes_linear.py
    "BayesianLinearRegression's evidence stopped at max_iter": lambda: (
        probml.BayesianLinearRegression(fit_precisions=True, max_iter=1).fit(
            X4[:, :1], Y4)),
    # growth.py
    "stickiness of one active user": lambda: probml.growth.stickiness([7, 7], [0, 1]),
    # hypothesis_testing/proportions.py
    "two_proportion_z_test with no conversions in A": lambda: (
        probml.hypothesis_testing.two_proportion_z_test(0, 10, 3, 10)),
    # likelihood/glm.py
    "GLM exact to rounding": lambda: likelihood.GLM("gaussian").fit(
        X4[:, :1], 0.1 * X4[:, 0] + 0.3),
    # likelihood/nonlinear.py
    "NonlinearRegression on as many rows as parameters": lambda: _nonlinear().fit(
        np.array([1.0, 2.0]), np.array([2.0, 3.0])),
}


@pytest.mark.parametrize("call", CALLS)
def test_a_warning_names_the_users_line(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        CALLS[call]()
    assert caught, f"{call} gave no warning"
    assert issubclass(caught[0].category, probml.ProbmlWarning), caught[0]
    assert caught[0].filename == __file__, (caught[0].filename, caught[0].lineno,
                                            str(caught[0].message))
