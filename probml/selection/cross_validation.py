"""Cross-validation, validation and learning curves, for any estimator with ``fit`` and ``score``.

Held-out error estimates the error on new data; :func:`cross_val_score` works
with probml's estimators and scikit-learn's alike.
"""

import copy
import itertools
import math
import numbers
import time

import numpy as np

from .._validation import (
    BOOLEAN,
    Integer,
    Real,
    check_is_fitted,
    check_matrix,
)
from ..models.base import Classifier, Estimator
from .splits import KFold, StratifiedKFold, count_rows, take_rows


def _clone_value(value):
    if hasattr(value, "get_params") and not isinstance(value, type):
        return clone(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_clone_value(item) for item in value)
    return copy.deepcopy(value)


def clone(estimator):
    """A new, unfitted estimator with the same hyperparameters (estimators inside cloned too)."""
    if not hasattr(estimator, "get_params"):
        raise TypeError(f"{estimator!r} has no get_params: it is not an estimator.")
    params = estimator.get_params(deep=False)
    return type(estimator)(**{key: _clone_value(value) for key, value in params.items()})


def _final_step_method(name):
    """A method that runs the transformers, then the last step's ``name``; absent (an
    AttributeError, so ``hasattr`` is False) when the last step has no such method."""
    def get(pipeline):
        method = getattr(pipeline.steps[-1][1], name)       # AttributeError if it has none

        def run(X):
            return method(pipeline._transform(X))
        run.__name__, run.__doc__ = name, f"The transformers, then the last step's {name}."
        return run
    return property(get)


class Pipeline:
    """Transformers then a final estimator, fitted in order (scikit-learn's ``Pipeline``).

    Parameters are addressed as ``step__parameter``, so
    :func:`validation_curve` can vary, say, ``polynomialfeatures__degree``.

    >>> from probml import LinearRegression
    >>> model = make_pipeline(PolynomialFeatures(2, include_bias=False), LinearRegression())
    >>> x = np.linspace(-1, 1, 9)[:, None]
    >>> model.fit(x, 1 + x[:, 0] ** 2).predict(np.array([[0.5]])).round(6)
    array([1.25])
    """

    def __init__(self, steps):
        self.steps = steps

    def _validate(self):
        if not isinstance(self.steps, (list, tuple)) or not self.steps or not all(
                isinstance(step, tuple) and len(step) == 2 for step in self.steps):
            raise TypeError("steps must be a non-empty list of (name, estimator) pairs.")
        for name, step in self.steps[:-1]:
            if not (hasattr(step, "fit") and hasattr(step, "transform")):
                raise TypeError(f"step {name!r} must have fit and transform, got {step!r}.")
        if not hasattr(self.steps[-1][1], "fit"):
            raise TypeError(f"the last step must have fit, got {self.steps[-1][1]!r}.")

    @property
    def named_steps(self):
        return dict(self.steps)

    def get_params(self, deep=True):
        params = {"steps": self.steps}
        if deep:
            for name, step in self.steps:
                params[name] = step
                params.update({f"{name}__{key}": value
                               for key, value in step.get_params(deep=True).items()})
        return params

    def set_params(self, **params):
        if "steps" in params:
            self.steps = params.pop("steps")
        if not params:
            return self
        self._validate()
        steps = dict(self.steps)
        for key, value in params.items():
            name, _, inner = key.partition("__")
            if name in steps and inner:
                steps[name].set_params(**{inner: value})
            elif name in steps:
                self.steps = [(n, value if n == name else s) for n, s in self.steps]
            else:
                raise ValueError(f"invalid parameter {key!r} for the pipeline; its steps are "
                                 f"{list(steps)}.")
        return self

    def _transform(self, X):
        for _, step in self.steps[:-1]:
            X = step.transform(X)
        return X

    def fit(self, X, y=None):
        self._validate()
        for _, step in self.steps[:-1]:
            X = step.fit(X, y).transform(X)
        self.steps[-1][1].fit(X, y)
        return self

    predict = _final_step_method("predict")
    predict_proba = _final_step_method("predict_proba")
    predict_log_proba = _final_step_method("predict_log_proba")
    decision_function = _final_step_method("decision_function")

    def score(self, X, y, sample_weight=None):
        options = {} if sample_weight is None else {"sample_weight": sample_weight}
        return self.steps[-1][1].score(self._transform(X), y, **options)

    @property
    def n_features_in_(self):
        return self.steps[0][1].n_features_in_

    @property
    def feature_names_in_(self):
        return self.steps[0][1].feature_names_in_

    @property
    def classes_(self):
        return self.steps[-1][1].classes_

    def __sklearn_is_fitted__(self):
        last = self.steps[-1][1]
        checker = getattr(last, "__sklearn_is_fitted__", None)
        if checker is not None:
            return checker()
        return any(name.endswith("_") and not name.startswith("__") for name in vars(last))

    def __sklearn_tags__(self):
        """The last step's tags (whether it is a regressor, a classifier, ...), as
        scikit-learn's Pipeline reports them."""
        from sklearn.utils import get_tags

        self._validate()
        tags = get_tags(self.steps[-1][1])
        tags.input_tags = get_tags(self.steps[0][1]).input_tags
        return tags

    def __repr__(self):
        return f"Pipeline({self.steps!r})"


def make_pipeline(*steps):
    """A :class:`Pipeline` whose step names are the lower-cased class names."""
    return Pipeline([(type(step).__name__.lower(), step) for step in steps])


def _is_classifier(estimator):
    if isinstance(estimator, Classifier):
        return True
    tags = getattr(estimator, "__sklearn_tags__", None)
    if tags is not None:
        try:
            return tags().estimator_type == "classifier"
        except Exception:                 # an object whose tags cannot be built
            return False
    return getattr(estimator, "_estimator_type", None) == "classifier"


def _check_cv(cv, estimator, y):
    if cv is None:
        cv = 5
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        classes = y is not None and _is_classifier(estimator)
        cv = Integer(2, 2 ** 31, meaning=" (a number of folds)")(cv, "cv")
        return StratifiedKFold(cv) if classes else KFold(cv)
    if hasattr(cv, "split") and not isinstance(cv, (str, bytes)):
        return cv
    raise TypeError(f"cv must be a number of folds or a splitter with split(), got {cv!r}.")


def _check_xy(X, y):
    """The number of rows of X, and y's, which must match."""
    n = count_rows(X)
    if y is not None and count_rows(y, "y") != n:
        raise ValueError(f"X and y have inconsistent numbers of samples: X has {n} rows but "
                         f"y has {count_rows(y, 'y')}.")
    return n


_SCORERS = {
    "r2": lambda y, p: 1 - np.sum((y - p) ** 2) / np.sum((y - np.mean(y)) ** 2),
    "neg_mean_squared_error": lambda y, p: -np.mean((y - p) ** 2),
    "neg_root_mean_squared_error": lambda y, p: -np.sqrt(np.mean((y - p) ** 2)),
    "neg_mean_absolute_error": lambda y, p: -np.mean(np.abs(y - p)),
    "accuracy": lambda y, p: np.mean(y == p),
}


def _scorer(scoring, estimator):
    if scoring is None:
        if not callable(getattr(estimator, "score", None)):
            raise TypeError(f"estimator {type(estimator).__name__} has no score method to "
                            "validate it by; pass scoring (a name such as 'r2', or a callable "
                            "(estimator, X, y) -> float).")
        return lambda estimator, X, y: estimator.score(X, y)
    if callable(scoring):
        return scoring
    if not isinstance(scoring, str) or scoring not in _SCORERS:
        raise ValueError(f"scoring must be None, a callable or one of {sorted(_SCORERS)}, "
                         f"got {scoring!r}.")
    metric = _SCORERS[scoring]
    return lambda estimator, X, y: float(metric(np.asarray(y), estimator.predict(X)))


def cross_validate(estimator, X, y=None, *, cv=5, scoring=None, return_train_score=False):
    """Fit and score ``estimator`` on each fold.

    Parameters
    ----------
    estimator : object with ``fit`` and ``score`` (or ``predict``, for ``scoring``)
    X, y : array-likes
    cv : int or splitter
        Folds: an int gives :class:`StratifiedKFold` for classifiers and
        :class:`KFold` otherwise, as in scikit-learn.
    scoring : None, str or callable(estimator, X, y)
        None uses ``estimator.score``; strings follow scikit-learn's names
        (``"r2"``, ``"neg_mean_squared_error"``, ``"accuracy"``, ...).
    return_train_score : bool

    Returns
    -------
    dict
        ``test_score``, ``fit_time``, ``score_time`` (and ``train_score``) arrays.
    """
    if not hasattr(estimator, "fit"):
        raise TypeError(f"estimator must have a fit method, got {estimator!r}.")
    _check_xy(X, y)
    splitter = _check_cv(cv, estimator, y)
    score = _scorer(scoring, estimator)
    return_train_score = BOOLEAN(return_train_score, "return_train_score")
    results = {"test_score": [], "fit_time": [], "score_time": []}
    if return_train_score:
        results["train_score"] = []
    for train, test in splitter.split(X, y):
        model = clone(estimator)
        start = time.perf_counter()
        model.fit(take_rows(X, train), None if y is None else take_rows(y, train))
        results["fit_time"].append(time.perf_counter() - start)
        start = time.perf_counter()
        results["test_score"].append(score(model, take_rows(X, test),
                                           None if y is None else take_rows(y, test)))
        results["score_time"].append(time.perf_counter() - start)
        if return_train_score:
            results["train_score"].append(score(model, take_rows(X, train),
                                                None if y is None else take_rows(y, train)))
    return {key: np.asarray(value) for key, value in results.items()}


def cross_val_score(estimator, X, y=None, *, cv=5, scoring=None):
    """The test score of each fold (see :func:`cross_validate`)."""
    return cross_validate(estimator, X, y, cv=cv, scoring=scoring)["test_score"]


def validation_curve(estimator, X, y, *, param_name, param_range, cv=5, scoring=None):
    """Training and validation scores over a hyperparameter.

    Returns
    -------
    train_scores, valid_scores : ndarray of shape (len(param_range), n_folds)
    """
    if not isinstance(param_name, str):
        raise TypeError(f"param_name must be the name of a hyperparameter, got "
                        f"{param_name!r}.")
    if isinstance(param_range, (str, bytes)) or not hasattr(param_range, "__iter__"):
        raise TypeError(f"param_range must be a sequence of values for {param_name}, got "
                        f"{param_range!r}.")
    param_range = list(param_range)
    if not param_range:
        raise ValueError("param_range is empty; give at least one value.")
    train, valid = [], []
    for value in param_range:
        model = clone(estimator).set_params(**{param_name: value})
        result = cross_validate(model, X, y, cv=cv, scoring=scoring,
                                return_train_score=True)
        train.append(result["train_score"])
        valid.append(result["test_score"])
    return np.array(train), np.array(valid)


def learning_curve(estimator, X, y, *, train_sizes=(0.1, 0.325, 0.55, 0.775, 1.0), cv=5,
                   scoring=None):
    """Training and validation scores against the number of training rows.

    Each fold's training part is cut to the first ``size`` rows (a share in
    (0, 1] or a count).

    Returns
    -------
    sizes : ndarray of int
    train_scores, valid_scores : ndarray of shape (len(sizes), n_folds)
    """
    if y is None:
        raise ValueError("learning_curve needs the targets y.")
    _check_xy(X, y)
    splitter = _check_cv(cv, estimator, y)
    folds = list(splitter.split(X, y))
    n_train = min(len(train) for train, _ in folds)
    # scikit-learn's rule: shares of the smallest training part, rounded down, at least 1.
    if isinstance(train_sizes, (str, bytes)) or not hasattr(train_sizes, "__iter__"):
        raise TypeError(f"train_sizes must be a sequence of shares in (0, 1] or row counts, "
                        f"got {train_sizes!r}.")
    shares = [Real(0, n_train, closed="right")(s, "train_sizes") for s in train_sizes]
    sizes = np.array([max(int(s * n_train), 1) if s <= 1 and not isinstance(
        original, numbers.Integral) else int(s) for s, original in zip(shares, train_sizes)])
    if sizes.size == 0 or np.any(sizes < 1) or np.any(sizes > n_train):
        raise ValueError(f"train_sizes must lie in (0, {n_train}] rows, got {sizes}.")
    score = _scorer(scoring, estimator)
    train_scores = np.empty((len(sizes), len(folds)))
    valid_scores = np.empty_like(train_scores)
    for j, (train, test) in enumerate(folds):
        for i, size in enumerate(sizes):
            rows = train[:size]
            model = clone(estimator).fit(take_rows(X, rows), take_rows(y, rows))
            train_scores[i, j] = score(model, take_rows(X, rows), take_rows(y, rows))
            valid_scores[i, j] = score(model, take_rows(X, test), take_rows(y, test))
    return sizes, train_scores, valid_scores


_MAX_POLYNOMIAL_TERMS = 1_000_000


class PolynomialFeatures(Estimator):
    """Polynomial (and interaction) terms up to ``degree``, in scikit-learn's column order.

    Simple, multiple and polynomial regression are one linear model with
    different design matrices: ``LinearRegression`` on these columns fits a
    polynomial.

    >>> PolynomialFeatures(2).fit_transform(np.array([[2.0, 3.0]]))
    array([[1., 2., 3., 4., 6., 9.]])
    """

    _parameter_domains = {"degree": Integer(0, 1_000), "include_bias": BOOLEAN,
                          "interaction_only": BOOLEAN}

    def __init__(self, degree=2, include_bias=True, interaction_only=False):
        self.degree = degree
        self.include_bias = include_bias
        self.interaction_only = interaction_only

    def fit(self, X, y=None):
        params = self._check_params()
        degree = params["degree"]
        X, names = check_matrix(X)
        p = X.shape[1]
        count = sum((math.comb(p, d) if params["interaction_only"] else math.comb(p + d - 1, d))
                    for d in range(0 if params["include_bias"] else 1, degree + 1))
        if count > _MAX_POLYNOMIAL_TERMS:
            raise ValueError(f"degree={degree} on {p} features makes {count:,} polynomial "
                             f"terms, more than {_MAX_POLYNOMIAL_TERMS:,}; lower the degree.")
        self.n_features_in_ = p
        self._names = list(names) if names is not None else [f"x{j}" for j in range(p)]
        pick = (itertools.combinations if params["interaction_only"]
                else itertools.combinations_with_replacement)
        start = 0 if params["include_bias"] else 1
        self.powers_ = [combo for d in range(start, degree + 1)
                        for combo in pick(range(p), d)]
        return self

    def transform(self, X):
        check_is_fitted(self, "powers_")
        X, _ = check_matrix(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but PolynomialFeatures is "
                             f"expecting {self.n_features_in_} features as input.")
        with np.errstate(over="ignore"):
            columns = np.column_stack([np.prod(X[:, list(combo)], axis=1) if combo
                                       else np.ones(X.shape[0]) for combo in self.powers_])
        if not np.all(np.isfinite(columns)):
            column = int(np.flatnonzero(~np.all(np.isfinite(columns), axis=0))[0])
            raise ValueError(f"The polynomial term {self.get_feature_names_out()[column]} "
                             f"overflows float64 (X has values up to {np.max(np.abs(X)):.3g}); "
                             "rescale X before expanding it.")
        return columns

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        from sklearn.utils import TransformerTags

        tags.transformer_tags = TransformerTags(preserves_dtype=["float64"])
        return tags

    def get_feature_names_out(self, input_features=None):
        names = list(input_features) if input_features is not None else self._names
        out = []
        for combo in self.powers_:
            if not combo:
                out.append("1")
                continue
            counts = {j: combo.count(j) for j in dict.fromkeys(combo)}
            out.append(" ".join(names[j] if c == 1 else f"{names[j]}^{c}"
                                for j, c in counts.items()))
        return np.array(out, dtype=object)
