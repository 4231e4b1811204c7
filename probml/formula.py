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
``from_formula``, the intercept first.

The encoding learnt from the training data is kept and applied to new data:
a level of a categorical variable that the training data did not have is an
error (it has no coefficient), as is a missing value.  Rows of the training
data with a missing value in a variable of the formula are left out, as R and
statsmodels do, with a warning that says how many.
"""

import inspect
import warnings

import numpy as np

from ._validation import as_labels
from .exceptions import DataConversionWarning
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


def _frame(data):
    """``data`` as a pandas DataFrame with positions 0..n-1 as its index."""
    return _as_frame(data).reset_index(drop=True)


class _Encoding:
    """The formulaic model spec of the right-hand side, applied to new data safely."""

    def __init__(self, spec):
        self.spec = spec

    def design(self, data, na_action="raise"):
        """The design of ``data`` (a DataFrame with ``data``'s index), without the
        intercept column; unseen levels and missing values are errors."""
        _formulaic()
        from formulaic.errors import FormulaicError

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                matrix = self.spec.get_model_matrix(data, na_action=na_action)
            except (FormulaicError, ValueError, KeyError, NameError, TypeError) as error:
                raise ValueError(f"The formula's right-hand side cannot be evaluated on "
                                 f"this data: {error}") from None
        for warning in caught:
            text = str(warning.message)
            if "categories outside of the nominated levels" in text or "not seen" in text:
                unseen = text[text.find("{"):text.find("}") + 1]
                raise ValueError(f"The new data have levels the model was not fitted on: "
                                 f"{unseen}; they have no coefficient.  Fit with data that "
                                 "include them, or map them to a known level.")
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)
        return _without_intercept(matrix)

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


def _without_intercept(matrix):
    columns = [c for c in matrix.columns if c != "Intercept"]
    return matrix[columns]


class FormulaFit:
    """An estimator fitted from a formula, and the encoding that built its design.

    The fitted estimator is ``model``; its results (``params_``, ``bse_``,
    ``pvalues_``, ``conf_int()``, ``cov_params_``, ...) are labelled with the
    design's column names and read through this object too.  ``predict``,
    ``get_prediction`` and ``score`` take a data frame with the formula's
    variables and build its design with the training encoding.

    Attributes
    ----------
    formula : str
    model : estimator
        The fitted estimator.
    columns : list of str
        The design's columns (without the intercept, which the estimator fits).
    reference_levels : dict
        ``{categorical variable: its reference level}``, as the summary notes it.
    n_dropped : int
        Training rows left out for a missing value.
    """

    def __init__(self, formula, model, encoding, response, n_dropped):
        self.formula, self.model, self._encoding = formula, model, encoding
        self.response, self.n_dropped = response, n_dropped
        self.columns = list(getattr(model, "feature_names_in_", []))
        self.reference_levels = encoding.reference_levels()

    def __getattr__(self, name):
        if name.startswith("__") or name in ("model", "_encoding"):
            raise AttributeError(name)
        return getattr(self.model, name)

    def __repr__(self):
        return f"FormulaFit({self.formula!r}, {self.model!r})"

    def design(self, data):
        """The design matrix of ``data`` under the training encoding (a DataFrame)."""
        return self._encoding.design(_as_frame(data))

    def predict(self, data, **kwargs):
        """The estimator's ``predict`` on the design of ``data`` (a Series indexed like it)."""
        return self.model.predict(self.design(data), **kwargs)

    def get_prediction(self, data, **kwargs):
        """The estimator's ``get_prediction`` on the design of ``data``."""
        return self.model.get_prediction(self.design(data), **kwargs)

    def summary(self, alpha=0.05, **kwargs):
        """The estimator's summary, noting the formula and each categorical variable's
        reference level."""
        summary = self.model.summary(alpha, **kwargs)
        notes = [f"Formula: {self.formula}"]
        notes += [f"{name}: {note}" for name, note in self.reference_levels.items()]
        if self.n_dropped:
            notes.append(f"{self.n_dropped} rows with missing values were left out.")
        summary.notes = notes + list(summary.notes)
        return summary

    def _repr_html_(self):
        return self.summary()._repr_html_()


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


def from_formula(formula, data, model="linear", **kwargs):
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
    ['intercept', 'x', 'C(g)[T.b]']
    """
    formulaic = _formulaic()
    if not isinstance(formula, str) or "~" not in formula:
        raise ValueError(f"formula must be a string 'response ~ terms', got {formula!r}.")
    frame = _frame(data)
    row_arguments = {k: kwargs.pop(k) for k in _ROW_ARGUMENTS if kwargs.get(k) is not None}
    for key in _ROW_ARGUMENTS:
        kwargs.pop(key, None)
    estimator = make_model(model, **kwargs)
    if not formula.split("~", 1)[0].strip():
        raise ValueError(f"formula {formula!r} has no response: write 'y ~ terms'.")
    try:
        lhs = str(formulaic.Formula(formula).lhs)
    except Exception as error:  # noqa: BLE001 - formulaic's parse errors have many types
        raise ValueError(f"formula {formula!r} cannot be parsed: {error}") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # formulaic's notes on dropped rows: counted below
        try:
            matrices = formulaic.model_matrix(formula, frame, na_action="drop")
        except Exception as error:  # noqa: BLE001
            raise ValueError(f"formula {formula!r} cannot be evaluated on the data: "
                             f"{error}") from None
    rows = np.asarray(matrices.rhs.index)
    n_dropped = len(frame) - len(rows)
    if n_dropped:
        warnings.warn(f"{n_dropped} of {len(frame)} rows have a missing value in a variable "
                      "of the formula and are left out of the fit.", DataConversionWarning,
                      stacklevel=2)
    if not len(rows):
        raise ValueError("Every row has a missing value in a variable of the formula.")
    design = _without_intercept(matrices.rhs)
    has_intercept = "Intercept" in matrices.rhs.columns
    if "fit_intercept" in estimator.get_params():
        estimator.set_params(fit_intercept=has_intercept)
    elif not has_intercept:
        raise ValueError(f"{type(estimator).__name__} always fits an intercept; remove "
                         "'- 1' from the formula.")
    response = lhs.strip()
    if response in frame.columns:
        y = frame[response].to_numpy()[rows]      # text labels too (logistic regression)
    else:
        if matrices.lhs.shape[1] != 1:
            raise ValueError(f"The response {response!r} makes {matrices.lhs.shape[1]} "
                             "columns; it must be one.")
        y = matrices.lhs.iloc[:, 0].to_numpy()
    accepted = inspect.signature(estimator.fit).parameters
    fit_arguments = {}
    for key, value in row_arguments.items():
        if key not in accepted:
            raise ValueError(f"{type(estimator).__name__}.fit takes no {key}.")
        if isinstance(value, str):
            if value not in frame.columns:
                raise ValueError(f"{key}={value!r} names no column of data; the columns are "
                                 f"{list(frame.columns)}.")
            value = frame[value].to_numpy()
        values = as_labels(value, key)
        if values.ndim != 1 or len(values) != len(frame):
            raise ValueError(f"{key} must give one value per row of data ({len(frame)}), got "
                             f"shape {values.shape}.")
        fit_arguments[key] = values[rows]
    estimator.fit(design, y, **fit_arguments)
    return FormulaFit(formula, estimator, _Encoding(matrices.rhs.model_spec), response,
                      n_dropped)
