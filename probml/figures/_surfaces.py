"""Loss curves and surfaces: per point, and over a grid of parameters for contour plots."""

import numpy as np

from .. import losses


def mse_surface(X, y, weights, intercept=0.0):
    r"""The mean squared error of :math:`Xw + b` at every point of a parameter grid.

    Parameters
    ----------
    X : ndarray of shape (n, p)
    y : ndarray of shape (n,)
    weights : ndarray of shape (p, ...)
        One weight vector per grid point, coordinates on the first axis.
    intercept : float or ndarray of the grid's shape

    Returns
    -------
    ndarray of the grid's shape
    """
    shape = weights.shape[1:]
    points = weights.reshape(len(weights), -1).T
    intercepts = np.broadcast_to(intercept, shape).ravel()
    return np.array([losses.mean_squared_error(y, X @ w + b, check_input=False)
                     for w, b in zip(points, intercepts)]).reshape(shape)


def pointwise(function, y_true, y_pred):
    """``function(y_true[i:i+1], y_pred[i:i+1])`` for each i: a loss (or its gradient) per point."""
    return np.array([np.ravel(function(y_true[i:i + 1], y_pred[i:i + 1]))[0]
                     for i in range(len(y_pred))])
