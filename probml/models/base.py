"""The estimator contract shared by every probml model.

probml follows scikit-learn's estimator API so that its models work in
scikit-learn's pipelines, ``clone``, grid search and cross-validation, without
depending on scikit-learn: ``get_params``/``set_params`` are read from the
``__init__`` signature here, and ``__sklearn_tags__`` imports scikit-learn only
when scikit-learn itself asks for the tags.
"""

import functools
import inspect

import numpy as np

from .._blocks import row_blocks
from .._validation import (
    FLOATS,
    as_labels,
    check_aligned,
    check_finite,
    check_is_fitted,
    check_params,
    check_sortable,
    check_vector,
    check_weights,
    dask_array,
    is_dask_collection,
    label_rows,
    plain,
    validate_features,
)
from ..exceptions import (
    DataConversionWarning,
    PerfectFitWarning,
    UndefinedStatisticWarning,
    warn,
)
from ..inference import summary_html


def chunkwise(columns=None, dtype_of=None):
    """Make a prediction method lazy on Dask input: on a Dask array or data frame ``X`` it
    returns a Dask array, each chunk of rows computed by the method itself (so the same
    code as on NumPy input); on anything else it runs as it is.

    ``columns`` names the attribute whose length is the number of output columns
    (``"classes_"`` for probabilities); None for one value per row.  ``dtype_of``
    names the attribute whose dtype the values have (``"classes_"`` for a
    predicted class); float64 by default.
    """
    def decorate(method):
        @functools.wraps(method)
        def lazy_on_dask(self, X, *args, **kwargs):
            if not is_dask_collection(X):
                return method(self, X, *args, **kwargs)
            if args or any(kwargs.values()):
                raise ValueError(f"{method.__name__} on Dask input returns the values only "
                                 "for now: call it without other options, or on X.compute().")
            names = list(X.columns) if hasattr(X, "columns") else None   # a data frame
            X = dask_array(X, "X", 2).rechunk({1: -1})

            def chunk(block):
                if names is not None:
                    import pandas as pd

                    block = pd.DataFrame(block, columns=names)
                return np.asarray(method(self, block))

            dtype = getattr(self, dtype_of).dtype if dtype_of else np.dtype(np.float64)
            if columns is None:
                return X.map_blocks(chunk, drop_axis=1, dtype=dtype)
            width = len(getattr(self, columns))
            return X.map_blocks(chunk, chunks=(X.chunks[0], (width,)), dtype=dtype)
        return lazy_on_dask
    return decorate


class Estimator:
    """Base class: hyperparameters are the keyword arguments of ``__init__``.

    ``_parameter_domains`` maps each hyperparameter to its domain (see
    :mod:`probml._validation`); ``fit`` calls :meth:`_check_params` first, so a
    bad setting is reported by name before any data are touched, whether it
    came through ``__init__`` or ``set_params``.
    """

    _parameter_domains = {}

    def __init__(self):
        """A model without hyperparameters; subclasses with some override this."""

    def _check_params(self):
        """The hyperparameters, each checked against its domain and converted."""
        return check_params({name: getattr(self, name) for name in self._parameter_domains},
                            self._parameter_domains)

    def _validate_prediction_data(self, X):
        """``X`` for prediction: the model is fitted, and ``X`` has the features it saw."""
        check_is_fitted(self, "coef_")
        X, _ = validate_features(self, X, reset=False, dtypes=FLOATS)
        return X

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

    def _repr_html_(self):
        return summary_html(self)

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
        """Validate X, y for fitting; finiteness of X is left to ``check_finite``.

        float32 data are kept as they are: the fits read them a block at a time.
        """
        return check_regression_data(self, X, y)

    @chunkwise()
    def predict(self, X):
        r"""Predicted mean response :math:`\hat y = X \hat w + \hat b` (a Series indexed
        like ``X`` when fitted and called on pandas data frames)."""
        rows = self._validate_prediction_data(X)
        return label_rows(self, linear_prediction(rows, self.coef_, self.intercept_), X)

    def score(self, X, y, sample_weight=None):
        r"""Coefficient of determination :math:`R^2 = 1 - \mathrm{RSS}/\mathrm{TSS}` on (X, y).

        As in scikit-learn, a constant ``y`` (TSS = 0) scores 1.0 when it is
        predicted exactly and 0.0 otherwise, and one sample has no TSS at all
        (NaN, with a warning).  The sums are taken on ``y`` scaled by its
        largest value, so they neither overflow nor underflow.  With
        ``sample_weight`` both sums are weighted, about the weighted mean (scikit-learn's
        ``r2_score``).
        """
        prediction = self.predict(X)
        y = check_vector(y, "y", n_samples=prediction.shape[0])
        weights = check_weights(sample_weight, "sample_weight", len(y))
        if y.shape[0] < 2:
            warn("R^2 is not defined for a single sample (it has no variance to "
                 "explain); returning NaN.", UndefinedStatisticWarning)
            return float("nan")
        scale = max(float(np.max(np.abs(y))), float(np.max(np.abs(prediction))))
        if scale == 0:
            return 1.0
        with np.errstate(under="ignore"):
            y, prediction = y / scale, prediction / scale
        residual = y - prediction
        if weights is None:
            deviation = y - y.mean()
            rss, tss = float(residual @ residual), float(deviation @ deviation)
        else:
            deviation = y - np.average(y, weights=weights)
            rss = float(np.einsum("i,i,i", weights, residual, residual))
            tss = float(np.einsum("i,i,i", weights, deviation, deviation))
        if tss == 0:
            return 1.0 if rss == 0 else 0.0
        return 1.0 - rss / tss


def warn_exact_fit(model, rss, rounding_rss, statistic="the residual sum of squares"):
    """Whether ``rss`` is at the rounding level
    :func:`~probml.inference.rounding_level_rss` gave (an exact fit to
    working precision), said with a :class:`~probml.exceptions.PerfectFitWarning`: the
    test statistics that divide by the noise are then undefined, and the caller reports
    them as NaN.  ``statistic`` names the sum of squares in the message (a GLM's is
    Pearson's chi-square)."""
    if not (rss == 0 or rss <= rounding_rss):
        return False
    level = (f"{statistic} is 0" if rss == 0 else
             f"{statistic} ({rss:.3g}) is at the rounding level of the data "
             f"(below {rounding_rss:.3g})")
    warn(
        f"{model} fits the data exactly to working precision: {level}, so the noise "
        "variance measures rounding, not noise, and the t (or z) statistics, p-values, "
        "intervals and F test are undefined (NaN). The estimates are exact up to rounding; "
        "their uncertainty cannot be measured from these data.",
        PerfectFitWarning)
    return True


def check_regression_data(estimator, X, y):
    """``X`` (recording its features on ``estimator``) and a real ``y`` with a value per row.

    Finiteness of ``X`` is left to the fit, which scans it once as it reads it.
    """
    check_aligned(X, y)
    X, names = validate_features(estimator, X, reset=True, dtypes=FLOATS)
    y = check_vector(y, "y", n_samples=X.shape[0], finite=False, dtypes=FLOATS)
    return X, y, names


class Classifier(Estimator):
    """A supervised model of class labels (of any type), scored by accuracy."""

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags, Tags, TargetTags

        return Tags(
            estimator_type="classifier",
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags(),
        )

    def _validate_training_data(self, X, y):
        """Validate X and encode y as indices into ``classes_`` (float32 X kept as it is)."""
        check_aligned(X, y)
        X, names = validate_features(self, X, reset=True, dtypes=FLOATS)
        labels = _labels(y, X.shape[0], warn_column=True)
        self.classes_, encoded = _encode(labels)
        if self.classes_.shape[0] < 2:
            raise ValueError(
                f"This solver needs samples of at least 2 classes in the data, but y "
                f"contains only one class: {plain(self.classes_[0])!r}.")
        return X, encoded, names

    @chunkwise(dtype_of="classes_")
    def predict(self, X):
        """The most probable class for each row (a Series indexed like ``X`` when fitted
        and called on pandas data frames)."""
        proba = self.predict_proba(X)
        return label_rows(self, self.classes_[np.argmax(proba, axis=1)], X)

    def score(self, X, y, sample_weight=None):
        """Accuracy: the share of rows (of the weight, with ``sample_weight``) whose
        predicted class equals ``y``."""
        prediction = self.predict(X)
        labels = _labels(y, prediction.shape[0])
        weights = check_weights(sample_weight, "sample_weight", len(labels))
        return float(np.average(prediction == labels, weights=weights))


def _labels(y, n_samples, warn_column=False):
    """Class labels of any sortable type, as a 1-D array with one per sample."""
    if y is None:
        raise ValueError("This estimator requires y to be passed, but the target y is None")
    if isinstance(y, np.ma.MaskedArray) and np.ma.getmaskarray(y).any():
        raise ValueError("y has masked (missing) labels; remove those rows or fill them.")
    labels = as_labels(y, "y")
    if labels.ndim == 2 and labels.shape[1] == 1:
        if warn_column:
            warn("A column-vector y was passed when a 1d array was expected; using "
                 "its only column. Pass y.ravel() to silence this.",
                 DataConversionWarning)
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(f"y must be 1-D class labels, got shape {labels.shape}.")
    if labels.shape[0] != n_samples:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: X has {n_samples} rows but "
            f"y has {labels.shape[0]} values.")
    if labels.dtype.kind == "f":
        check_finite(labels, "y")
    if labels.dtype.kind == "c":
        raise ValueError("Complex data not supported: y is complex; pass class labels.")
    check_sortable(labels, "y", "class labels")
    return labels


# Labels are encoded a block at a time (views of y), so that the extra memory is a
# block plus the codes, not sorted copies of y.
_LABEL_BLOCK = 1 << 18


def _encode(labels):
    """The sorted classes, and each label's index among them in the smallest unsigned type.

    The codes take one byte per sample for up to 256 classes; float labels
    must be whole numbers.
    """
    blocks = [labels[start:start + _LABEL_BLOCK] for start in range(0, len(labels), _LABEL_BLOCK)]
    for block in blocks if labels.dtype.kind == "f" else ():
        continuous = block != np.round(block)
        if np.any(continuous):
            raise ValueError(
                "Unknown label type: y has continuous values (e.g. "
                f"{plain(block[continuous][0])!r}); a classifier needs class labels. Use a "
                "regressor for a continuous target.")
    classes = np.unique(np.concatenate([np.unique(block) for block in blocks]))
    encoded = np.empty(len(labels), dtype=np.min_scalar_type(len(classes) - 1))
    for start, block in zip(range(0, len(labels), _LABEL_BLOCK), blocks):
        encoded[start:start + len(block)] = np.searchsorted(classes, block)
    return classes, encoded


def linear_prediction(X, coef, intercept):
    """:math:`X w + b`, with a clear error when it overflows (X far outside the training data)."""
    with np.errstate(over="ignore", invalid="ignore"):
        if X.dtype == np.float64:
            prediction = X @ coef + intercept
        else:                           # a float64 block at a time, not a float64 copy of X
            prediction = np.empty(X.shape[:1] + np.shape(coef)[1:])
            for rows, block in row_blocks(X):
                prediction[rows] = block @ coef + intercept
    if not np.all(np.isfinite(prediction)):
        row = int(np.flatnonzero(~np.all(np.isfinite(np.reshape(prediction, (len(X), -1))),
                                         axis=1))[0])
        raise ValueError(f"The prediction for row {row} of X overflows float64 (X has values "
                         f"up to {np.max(np.abs(X)):.3g}); X is far outside the range of the "
                         "training data: check its units.")
    return prediction
