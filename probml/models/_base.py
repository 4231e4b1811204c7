"""The estimator contract shared by every probml model.

probml follows scikit-learn's estimator API so that its models work in
scikit-learn's pipelines, ``clone``, grid search and cross-validation, without
depending on scikit-learn: ``get_params``/``set_params`` are read from the
``__init__`` signature here, and ``__sklearn_tags__`` imports scikit-learn only
when scikit-learn itself asks for the tags.
"""

import inspect

import numpy as np

from .._validation import check_is_fitted, check_vector, validate_features


class Estimator:
    """Base class: hyperparameters are the keyword arguments of ``__init__``."""

    def __init__(self):
        """A model without hyperparameters; subclasses with some override this."""

    @classmethod
    def _param_names(cls):
        signature = inspect.signature(cls.__init__)
        return sorted(
            name for name, parameter in signature.parameters.items()
            if name != "self" and parameter.kind != parameter.VAR_KEYWORD
        )

    def get_params(self, deep=True):
        """The hyperparameters, as a dict of name to value."""
        params = {}
        for name in self._param_names():
            value = getattr(self, name)
            params[name] = value
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                params.update({f"{name}__{k}": v for k, v in value.get_params().items()})
        return params

    def set_params(self, **params):
        """Set hyperparameters by name (``nested__name`` for nested estimators)."""
        valid = self._param_names()
        nested = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator {type(self).__name__}; "
                    f"valid parameters are {valid}."
                )
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self):
        defaults = {
            name: parameter.default
            for name, parameter in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = [
            f"{name}={value!r}" for name, value in self.get_params(deep=False).items()
            if not _same(value, defaults.get(name, inspect.Parameter.empty))
        ]
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_tags__(self):
        from sklearn.utils import Tags, TargetTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False))


def _same(value, default):
    if isinstance(value, np.ndarray) or isinstance(default, np.ndarray):
        return False
    try:
        return bool(value == default) and type(value) is type(default)
    except (TypeError, ValueError):
        return False


class Regressor(Estimator):
    """A supervised model of a real-valued target, scored by R^2."""

    def __sklearn_tags__(self):
        from sklearn.utils import RegressorTags, Tags, TargetTags

        return Tags(
            estimator_type="regressor",
            target_tags=TargetTags(required=True),
            regressor_tags=RegressorTags(),
        )

    def _validate_training_data(self, X, y):
        """Validate X, y for fitting; finiteness of X is left to ``check_finite``."""
        X, names = validate_features(self, X, reset=True)
        y = check_vector(y, "y", n_samples=X.shape[0])
        return X, y, names

    def _validate_prediction_data(self, X):
        check_is_fitted(self, "coef_")
        X, _ = validate_features(self, X, reset=False)
        return X

    def predict(self, X):
        r"""Predicted mean response :math:`\hat y = X \hat w + \hat b`."""
        X = self._validate_prediction_data(X)
        return X @ self.coef_ + self.intercept_

    def score(self, X, y, sample_weight=None):
        r"""Coefficient of determination :math:`R^2 = 1 - \mathrm{RSS}/\mathrm{TSS}` on (X, y)."""
        if sample_weight is not None:
            raise ValueError("sample_weight is not supported by this estimator.")
        y = check_vector(y, "y")
        residual = y - self.predict(X)
        deviation = y - y.mean()
        return 1.0 - (residual @ residual) / (deviation @ deviation)
