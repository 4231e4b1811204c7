r"""Model selection: data splits, cross-validation, closed-form leave-one-out, curves, bias and variance.

Held-out error estimates the error on new data.  The splitters here
(:class:`KFold`, :class:`StratifiedKFold`, :class:`LeaveOneOut`) give the same
partitions as scikit-learn's for the same arguments where those are
deterministic, and :func:`cross_val_score` works with any estimator that has
``fit`` and ``score`` (probml's or scikit-learn's).

For linear smoothers (least squares, Ridge) leave-one-out needs no refitting:
with the hat matrix :math:`H` (:math:`\hat y = H y`), the residual of the fit
without sample :math:`i` at sample :math:`i` is the PRESS residual

.. math:: y_i - \hat y_{(-i)} = \frac{y_i - \hat y_i}{1 - h_{ii}},

so one fit gives all :math:`n` leave-one-out errors (:func:`loo_residuals`).
Generalised cross-validation replaces each :math:`h_{ii}` by their mean
:math:`\operatorname{tr}(H)/n` (Golub, Heath & Wahba 1979).
"""

from ..models.ridge import RidgeCV, gcv_score, loo_residuals
from .bias_variance import (
    BiasVariance,
    RegressionProblem,
    bias_variance_decomposition,
    linear_smoother_bias_variance,
)
from .cross_validation import (
    Pipeline,
    PolynomialFeatures,
    clone,
    cross_val_score,
    cross_validate,
    learning_curve,
    make_pipeline,
    validation_curve,
)
from .splits import (
    KFold,
    LeaveOneOut,
    StratifiedKFold,
    train_test_split,
    train_valid_test_split,
)

__all__ = [
    "BiasVariance",
    "KFold",
    "LeaveOneOut",
    "Pipeline",
    "PolynomialFeatures",
    "RegressionProblem",
    "RidgeCV",
    "StratifiedKFold",
    "bias_variance_decomposition",
    "clone",
    "cross_val_score",
    "cross_validate",
    "gcv_score",
    "learning_curve",
    "linear_smoother_bias_variance",
    "loo_residuals",
    "make_pipeline",
    "train_test_split",
    "train_valid_test_split",
    "validation_curve",
]
