r"""Models from formulas, as R and statsmodels users write them.

.. code-block:: python

    fit = probml.from_formula("score ~ hours + C(group) + np.log(x)", data, model="linear")
    fit.summary()               # the design's column names label every row
    fit.predict(new_data)       # the same encoding, applied to new rows

The formula is parsed and the design built by `formulaic
<https://matthewwardrop.github.io/formulaic/>`_ (the optional extra
``probml[formula]``), which reads the formula language of R, patsy and
statsmodels: ``C(g)`` and text columns are categorical, coded against a
reference level, the first by default or the one named as in
``C(g, Treatment(reference="b"))``; ``a:b`` and ``a * b`` are interactions;
``np.log(x)`` and ``I(x ** 2)`` transform; ``- 1`` (or ``0 +``) drops the
intercept.  The intercept column is not put into the design: the estimator
fits it (``fit_intercept``), so the parameter vector is that of statsmodels'
``from_formula``, the intercept first, and named ``Intercept`` as statsmodels,
patsy and formulaic name it.

The encoding learnt from the training data is kept and applied to new data by
every method of the fit that takes data (``predict``, ``predict_proba``,
``predict_log_proba``, ``predict_proba_interval``, ``get_prediction``,
``score``, ...): a level of a categorical variable that the training data did
not have is an error (it has no coefficient), as is a missing value.

**Missing values.**  One rule, for ``from_formula`` and ``probml fit`` alike:
a training row with a missing value (NaN, None) in a variable of the formula,
or in a row argument such as ``sample_weight``, or where a term of the formula
is not defined (NaN, such as the log of a negative number), is left out, with
a warning that says how many, and the summary's number of observations counts
the rows fitted (``missing="drop"``, the default, as R's ``na.omit`` and
statsmodels' formulas do); ``missing="raise"`` makes it an error that names
the row and the variable.
"""

import copy
import functools
import inspect
import warnings

import numpy as np

from ._tables import MISSING_RULES
from ._validation import Options, as_labels
from .exceptions import DataConversionWarning, warn
from .models import (
    BayesianLinearRegression,
    Lasso,
    LinearRegression,
    LogisticRegression,
    Ridge,
)

__all__ = ["FormulaFit", "GLM_FAMILIES", "MODELS", "from_formula", "make_model"]

#: The estimators by the name ``from_formula`` and ``probml fit --model`` know them;
#: the GLM families (``"poisson"``, ``"gamma"``, ...) are models too.
MODELS = {
    "linear": LinearRegression,
    "ridge": Ridge,
    "bayes": BayesianLinearRegression,
    "lasso": Lasso,
    "logistic": LogisticRegression,
}

#: The GLM families, which are model names too (``probml.likelihood.FAMILIES``, whose
#: SymPy expressions load only when a GLM is made).
GLM_FAMILIES = ("gaussian", "poisson", "binomial", "gamma", "inverse_gaussian",
                "negative_binomial")

# Arguments of fit that may name a column of the data instead of giving the values.
_ROW_ARGUMENTS = ("sample_weight", "freq_weights", "groups", "offset", "exposure", "trials")


def make_model(model, **params):
    """An unfitted estimator from a name in :data:`MODELS` or a GLM family (with its
    hyperparameters), or an estimator instance as it is."""
    if not isinstance(model, str):
        if not hasattr(model, "fit"):
            raise TypeError(f"model must be a name ({sorted(MODELS)} or a GLM family "
                            f"{list(GLM_FAMILIES)}) or an unfitted estimator, got "
                            f"{type(model).__name__}.")
        if params:
            model.set_params(**params)
        return model
    if model in MODELS:
        return MODELS[model](**params)
    if model in GLM_FAMILIES:
        from .likelihood import GLM

        return GLM(model, **params)
    raise ValueError(f"model must be one of {sorted(MODELS)} or a GLM family "
                     f"{list(GLM_FAMILIES)}, got {model!r}.")


def _formulaic():
    try:
        import formulaic
    except ImportError:
        raise ImportError("Formulas need the formulaic library: pip install "
                          "'probml[formula]'.") from None
    return formulaic


class _Encoding:
    """The formulaic model specs of the formula's sides, applied to new data safely."""

    def __init__(self, spec, response_spec, response):
        self.spec, self.response_spec, self.response_name = spec, response_spec, response

    def response(self, data):
        """The response of ``data``: the column itself where the response is one (text
        labels too), else the left-hand side evaluated on ``data``."""
        if self.response_name in data.columns:
            values = data[self.response_name].to_numpy()
            if values.dtype == object and any(v is None for v in values) or (
                    values.dtype.kind == "f" and np.isnan(values).any()):
                raise ValueError(f"The response {self.response_name!r} has a missing value in "
                                 "the new data; give y, or leave those rows out.")
            return values
        return _evaluated(self.response_spec, data, "left").iloc[:, 0].to_numpy()

    def design(self, data):
        """The design of ``data`` (a DataFrame with ``data``'s index), without the
        intercept column; unseen levels and missing values are errors."""
        return _without_intercept(_evaluated(self.spec, data, "right"))

    def reference_levels(self):
        """``{variable: note}`` for each categorical variable: its reference level, or
        its coding when that is not treatment (dummy) coding."""
        notes = {}
        for name, (kind, state) in self.spec.encoder_state.items():
            if getattr(kind, "value", kind) != "categorical":
                continue
            contrasts = getattr(state.get("contrasts"), "contrasts", None)
            levels = list(state.get("categories", []))
            base = getattr(contrasts, "base", None)
            if contrasts is None or type(contrasts).__name__ == "TreatmentContrasts":
                if base is None or "UNSET" in repr(base):
                    base = levels[0] if levels else None
                notes[name] = f"reference level {base!r} (of {len(levels)})"
            else:
                notes[name] = f"{type(contrasts).__name__} coding of {len(levels)} levels"
        return notes


def _evaluated(spec, data, side):
    """The model matrix of one side of the formula on new ``data``; unseen levels and
    missing values are errors."""
    _formulaic()
    from formulaic.errors import FormulaicError

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            matrix = spec.get_model_matrix(data, na_action="raise")
        except (FormulaicError, ValueError, KeyError, NameError, TypeError) as error:
            raise ValueError(f"The formula's {side}-hand side cannot be evaluated on this "
                             f"data: {error}") from None
    for warning in caught:
        if issubclass(warning.category, RuntimeWarning):
            continue       # NumPy's, of a term undefined here: the values themselves say so
        text = str(warning.message)
        if "categories outside of the nominated levels" in text or "not seen" in text:
            unseen = text[text.find("{"):text.find("}") + 1]
            raise ValueError(f"The new data have levels the model was not fitted on: "
                             f"{unseen}; they have no coefficient.  Fit with data that "
                             "include them, or map them to a known level.")
        warnings.warn_explicit(warning.message, warning.category, warning.filename,
                               warning.lineno)
    return matrix


def _column(frame, name, key):
    """The values of the column ``name`` that the argument ``key`` names."""
    if name not in frame.columns:
        raise ValueError(f"{key}={name!r} names no column of data; the columns are "
                         f"{list(frame.columns)}.")
    return frame[name].to_numpy()


#: The intercept as the estimators name it, and as formulas (statsmodels, patsy, formulaic).
_ESTIMATORS_INTERCEPT, _FORMULAS_INTERCEPT = "intercept", "Intercept"


def _without_intercept(matrix):
    columns = [c for c in matrix.columns if c != _FORMULAS_INTERCEPT]
    return matrix[columns]


class FormulaFit:
    """An estimator fitted from a formula, and the encoding that built its design.

    The fitted estimator is ``model``; its results (``params_``, ``bse_``,
    ``pvalues_``, ``conf_int()``, ``cov_params_``, ...) are read through this
    object too, labelled with the design's column names and ``Intercept``.
    Every method of the estimator whose first argument is ``X`` (``predict``,
    ``predict_proba``, ``get_prediction``, ``score``, ...) takes a data frame
    with the formula's variables here instead, and builds its design with the
    training encoding; one whose second argument is ``y`` takes the response
    from the data frame when it is not given.

    Attributes
    ----------
    formula : str
    model : estimator
        The fitted estimator.
    columns : list of str
        The design's columns (without the intercept, which the estimator fits).
    reference_levels : dict
        ``{categorical variable: its reference level}``, as the summary notes it.
    variables : list of str
        The variables (columns of the data) that the right-hand side uses.
    n_dropped : int
        Training rows left out for a missing value (``missing="drop"``).
    """

    def __init__(self, formula, model, encoding, response, n_dropped):
        self.formula, self.model, self._encoding = formula, model, encoding
        self.response, self.n_dropped = response, n_dropped
        self.columns = list(getattr(model, "feature_names_in_", []))
        self.reference_levels = encoding.reference_levels()
        self.variables = sorted(encoding.spec.required_variables)

    def __getattr__(self, name):
        if name.startswith("__") or name in ("model", "_encoding"):
            raise AttributeError(name)
        if name == "fit":
            raise AttributeError("a FormulaFit is fitted already: fit the formula again with "
                                 "from_formula(formula, data)")
        value = getattr(self.model, name)
        if callable(value) and _first_arguments(value)[:1] == ["X"]:
            return self._on_data(value)
        if callable(value):
            return self._relabelled_method(value)
        return self._relabelled(value)

    def __dir__(self):
        return sorted(set(super().__dir__()) | {name for name in dir(self.model)
                                                if not name.startswith("_")} - {"fit"})

    def __repr__(self):
        return f"FormulaFit({self.formula!r}, {self.model!r})"

    def design(self, data):
        """The design matrix of ``data`` under the training encoding (a DataFrame)."""
        return self._encoding.design(_as_frame(data))

    def _on_data(self, method):
        """``method`` of the estimator, taking a data frame where it takes ``X`` (and the
        response from it where it takes ``y`` and none is given); a row argument
        (``sample_weight``, ``offset``, ...) may name a column of the data frame."""
        takes_y = _first_arguments(method)[1:2] == ["y"]

        @functools.wraps(method)
        def on_data(data, *args, **kwargs):
            frame = _as_frame(data)
            design = self._encoding.design(frame)
            if takes_y and not args and kwargs.get("y") is None:
                kwargs["y"] = self._encoding.response(frame)
            for key in _ROW_ARGUMENTS:
                if isinstance(kwargs.get(key), str):
                    kwargs[key] = _column(frame, kwargs[key], key)
            return self._relabelled(method(design, *args, **kwargs))
        return on_data

    def _relabelled_method(self, method):
        @functools.wraps(method)
        def relabelled(*args, **kwargs):
            return self._relabelled(method(*args, **kwargs))
        return relabelled

    def _relabelled(self, value):
        """``value`` with the estimator's ``intercept`` named ``Intercept``: a pandas
        object labelled by the parameters, or a list of their names."""
        if isinstance(value, (list, tuple)) and self._names_parameters(value):
            return type(value)([_FORMULAS_INTERCEPT, *value[1:]])
        if type(value).__module__.split(".")[0] != "pandas":
            return value
        axes = [axis for axis in ("index", "columns") if hasattr(value, axis)
                and self._names_parameters(list(getattr(value, axis)))]
        if axes:
            value = value.copy()
            for axis in axes:
                labels = list(getattr(value, axis))
                setattr(value, axis, [_FORMULAS_INTERCEPT, *labels[1:]])
        return value

    def _names_parameters(self, labels):
        """Whether ``labels`` are the parameters' names: the estimator's intercept, the
        design's columns, then any others (a dispersion)."""
        names = [_ESTIMATORS_INTERCEPT, *self.columns]
        return (len(labels) >= len(names) and all(isinstance(k, str) for k in labels)
                and list(labels[:len(names)]) == names)

    def summary(self, alpha=0.05, **kwargs):
        """The estimator's summary, its intercept named ``Intercept``, noting the formula,
        each categorical variable's reference level and the rows left out."""
        summary = self.model.summary(alpha, **kwargs)
        if self._names_parameters(summary.table.names):
            summary.table = copy.copy(summary.table)
            summary.table.names = [_FORMULAS_INTERCEPT, *summary.table.names[1:]]
        notes = [f"Formula: {self.formula}"]
        notes += [f"{name}: {note}" for name, note in self.reference_levels.items()]
        if self.n_dropped:
            notes.append(f"{self.n_dropped} rows with missing values were left out.")
        summary.notes = notes + list(summary.notes)
        return summary

    def _repr_html_(self):
        return self.summary()._repr_html_()


def _first_arguments(method):
    """The names of ``method``'s positional parameters."""
    try:
        parameters = inspect.signature(method).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in parameters
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _as_frame(data):
    """A DataFrame as it is; a dict of equally long columns as a DataFrame."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    if not isinstance(data, dict):
        raise TypeError(f"data must be a pandas DataFrame or a dict of columns, got "
                        f"{type(data).__name__}.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return pd.DataFrame(data)
    except Exception as error:  # noqa: BLE001 - pandas' errors and warnings have many types
        raise ValueError(f"data cannot be read as a table of columns: {error}") from None


def from_formula(formula, data, model="linear", missing="drop", **kwargs):
    """Fit ``model`` to the design and response a formula makes of ``data``.

    Parameters
    ----------
    formula : str
        ``"response ~ terms"`` in the formula language of R, patsy and
        statsmodels (see the module's notes).
    data : pandas.DataFrame (or a dict of columns)
    model : str or estimator, default "linear"
        A name in :data:`MODELS` (``"linear"``, ``"ridge"``, ``"bayes"``,
        ``"lasso"``, ``"logistic"``), a GLM family (``"poisson"``,
        ``"binomial"``, ``"gamma"``, ``"gaussian"``, ``"inverse_gaussian"``,
        ``"negative_binomial"``), or an unfitted probml estimator.
    missing : {"drop", "raise"}, default "drop"
        A row with a missing value in a variable of the formula or a row
        argument, or where a term is not defined (NaN): left out with a warning
        that counts such rows (as R and statsmodels' formulas do), or an error
        naming the row and the variable (statsmodels' ``missing=``).
    **kwargs
        The fit's row arguments (``sample_weight``, ``freq_weights``, ``groups``,
        ``offset``, ``exposure``, ``trials``), each as values or as the name of a
        column of ``data``; every other keyword is a hyperparameter of the model
        (``alpha=2.0``, ``cov_type="HC3"``, ``link="log"``).

    Returns
    -------
    FormulaFit

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"y": [1.0, 2.1, 2.9, 4.2, 5.1, 5.8],
    ...                      "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
    ...                      "g": ["a", "b", "a", "b", "a", "b"]})
    >>> fit = from_formula("y ~ x + C(g)", data)
    >>> list(fit.params_.index)
    ['Intercept', 'x', 'C(g)[T.b]']
    """
    formulaic = _formulaic()
    missing = _MISSING(missing, "missing")
    if not isinstance(formula, str) or "~" not in formula:
        raise ValueError(f"formula must be a string 'response ~ terms', got {formula!r}.")
    given = _as_frame(data)
    frame = given.reset_index(drop=True)
    row_arguments = {k: kwargs.pop(k) for k in _ROW_ARGUMENTS if kwargs.get(k) is not None}
    for key in _ROW_ARGUMENTS:
        kwargs.pop(key, None)
    estimator = make_model(model, **kwargs)
    if not formula.split("~", 1)[0].strip():
        raise ValueError(f"formula {formula!r} has no response: write 'y ~ terms'.")
    try:
        parsed = formulaic.Formula(formula)
        lhs = str(parsed.lhs)
    except Exception as error:  # noqa: BLE001 - formulaic's parse errors have many types
        raise ValueError(f"formula {formula!r} cannot be parsed: {error}") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # formulaic's notes on dropped rows: counted below
        try:
            matrices = formulaic.model_matrix(formula, frame, na_action="drop")
        except Exception as error:  # noqa: BLE001
            raise ValueError(f"formula {formula!r} cannot be evaluated on the data: "
                             f"{error}") from None
    accepted = inspect.signature(estimator.fit).parameters
    row_values = {key: _row_values(estimator, accepted, key, value, frame)
                  for key, value in row_arguments.items()}
    variables = sorted(v for v in parsed.required_variables if v in frame.columns)
    reasons = _left_out(variables, frame, np.asarray(matrices.rhs.index), row_values)
    if missing == "raise" and any(mask.any() for mask in reasons.values()):
        raise ValueError(_first_left_out(reasons, variables, frame, given.index))
    kept = ~np.logical_or.reduce(list(reasons.values()))
    n_dropped = len(frame) - int(np.count_nonzero(kept))
    if not kept.any():
        raise ValueError("Every row has a missing value in a variable of the formula (or "
                         "in a row argument), or a term of the formula undefined.")
    if n_dropped:
        parts = [f"{int(np.count_nonzero(mask))} {_REASONS[reason]}"
                 for reason, mask in reasons.items() if mask.any()]
        warn(f"{n_dropped} of {len(frame)} rows are left out of the fit: "
             f"{'; '.join(parts)} (missing='raise' stops at the first instead).",
             DataConversionWarning)
    design = _without_intercept(matrices.rhs).loc[np.flatnonzero(kept)]
    has_intercept = _FORMULAS_INTERCEPT in matrices.rhs.columns
    if "fit_intercept" in estimator.get_params():
        estimator.set_params(fit_intercept=has_intercept)
    elif not has_intercept:
        raise ValueError(f"{type(estimator).__name__} always fits an intercept; remove "
                         "'- 1' from the formula.")
    response = lhs.strip()
    if response in frame.columns:
        y = frame[response].to_numpy()[kept]      # text labels too (logistic regression)
    else:
        if matrices.lhs.shape[1] != 1:
            raise ValueError(f"The response {response!r} makes {matrices.lhs.shape[1]} "
                             "columns; it must be one.")
        y = matrices.lhs.iloc[:, 0].loc[np.flatnonzero(kept)].to_numpy()
    estimator.fit(design, y, **{key: values[kept] for key, values in row_values.items()})
    encoding = _Encoding(matrices.rhs.model_spec, matrices.lhs.model_spec, response)
    return FormulaFit(formula, estimator, encoding, response, n_dropped)


_MISSING = Options(*MISSING_RULES)

#: Why a training row is left out (``missing="drop"``), as the warning says it.
_REASONS = {"variable": "with a missing value in a variable of the formula",
            "term": "where a term of the formula is not defined (NaN, such as the log of a "
                    "number <= 0)",
            "argument": "with a missing row argument (such as a weight)"}


def _row_values(estimator, accepted, key, value, frame):
    """A row argument's values, one per row of ``frame`` (``value`` may name a column)."""
    if key not in accepted:
        raise ValueError(f"{type(estimator).__name__}.fit takes no {key}.")
    if isinstance(value, str):
        value = _column(frame, value, key)
    values = as_labels(value, key)
    if values.ndim != 1 or len(values) != len(frame):
        raise ValueError(f"{key} must give one value per row of data ({len(frame)}), got "
                         f"shape {values.shape}.")
    return values


def _is_missing(values):
    """Which of ``values`` (1-D) are missing: NaN, or None in an object array."""
    if values.dtype.kind == "f":
        return np.isnan(values)
    if values.dtype == object:
        return np.array([v is None or isinstance(v, float) and v != v for v in values],
                        dtype=bool)
    return np.zeros(len(values), dtype=bool)


def _left_out(variables, frame, formula_rows, row_values):
    """The rows to leave out of a fit, by their first reason (:data:`_REASONS`): a missing
    value in a variable of the formula, a term of the formula that is NaN there (formulaic
    left out the row, yet its variables are present), a missing row argument."""
    formula_kept = np.zeros(len(frame), dtype=bool)
    formula_kept[formula_rows] = True
    absent = np.zeros(len(frame), dtype=bool)
    for name in variables:
        absent |= _is_missing(frame[name].to_numpy())
    argument = np.zeros(len(frame), dtype=bool)
    for values in row_values.values():
        argument |= _is_missing(values)
    return {"variable": absent, "term": ~formula_kept & ~absent,
            "argument": argument & formula_kept & ~absent}


def _first_left_out(reasons, variables, frame, labels):
    """The error of ``missing="raise"`` for the first row left out, named by ``labels``."""
    row = min(int(np.argmax(mask)) for mask in reasons.values() if mask.any())
    where = f"Row {labels[row]!r} of data"
    advice = ("; leave such rows out with missing='drop' (the default), or fill them in "
              "first.")
    if reasons["variable"][row]:
        names = [name for name in variables if _is_missing(frame[name].to_numpy()[[row]])[0]]
        return f"{where} has a missing value in {names[0]!r}, a variable of the formula{advice}"
    if reasons["term"][row]:
        return (f"{where} makes a term of the formula undefined (NaN, such as the log of a "
                f"number <= 0){advice}")
    return f"{where} has a missing row argument (such as a weight){advice}"
