"""Fits from formulas against statsmodels' from_formula fits, on data sets statsmodels ships."""

import copy
import inspect
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

import probml
from probml import DataConversionWarning
from probml.formula import from_formula

pytest.importorskip("formulaic")


@pytest.fixture(scope="module")
def anes():
    data = sm.datasets.anes96.load_pandas().data
    data["party"] = np.where(data.PID > 3, "rep", np.where(data.PID < 3, "dem", "ind"))
    return data


def _by_name(ours, theirs):
    """probml's labelled result reordered as statsmodels'."""
    return ours[theirs.index].to_numpy()


def _agree(fit, reference, rtol=1e-8):
    assert set(fit.params_.index) == set(reference.params.index)
    np.testing.assert_allclose(_by_name(fit.params_, reference.params), reference.params,
                               rtol=rtol, atol=rtol * np.abs(reference.params).max())
    np.testing.assert_allclose(_by_name(fit.bse_, reference.bse), reference.bse, rtol=rtol)


FORMULAS = ["np.log(popul + 1) ~ age + C(party) + educ:age + I(age ** 2)",
            "TVnews ~ C(party, Treatment(reference='ind')) * age + np.sqrt(income)",
            "TVnews ~ age + C(party) - 1"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_linear_fits_equal_statsmodels_ols_from_formula(anes, formula):
    fit = probml.from_formula(formula, anes, model="linear")
    reference = smf.ols(formula, anes).fit()
    _agree(fit, reference)
    if "- 1" not in formula:
        # Without an intercept R^2 is uncentred, as R's lm reports it; statsmodels centres
        # it when the columns span the constant (a full set of dummies).
        assert fit.rsquared_ == pytest.approx(reference.rsquared, rel=1e-10)
    assert fit.loglik_ == pytest.approx(reference.llf, rel=1e-12)
    robust = from_formula(formula, anes, cov_type="HC3")
    _agree(robust, smf.ols(formula, anes).fit(cov_type="HC3"))
    # Predictions on new rows reuse the fitted encoding (levels, transforms).
    new = anes.iloc[[5, 2, 7]]
    np.testing.assert_allclose(fit.predict(new), reference.predict(new), rtol=1e-10)
    assert list(fit.predict(new).index) == [5, 2, 7]
    frame = fit.get_prediction(new).summary_frame(0.1)
    expected = reference.get_prediction(new).summary_frame(0.1)
    np.testing.assert_allclose(frame.to_numpy(float), expected.to_numpy(float), rtol=1e-9)


def test_weights_and_clusters_may_name_columns(anes):
    formula = "TVnews ~ age + C(party)"
    fit = from_formula(formula, anes, sample_weight="educ")
    _agree(fit, smf.wls(formula, anes, weights=anes["educ"]).fit())
    clustered = from_formula(formula, anes, cov_type="cluster", groups="income")
    reference = smf.ols(formula, anes).fit(cov_type="cluster",
                                           cov_kwds={"groups": anes["income"].astype(int)})
    _agree(clustered, reference)


def test_logistic_and_glm_fits_equal_statsmodels(anes):
    formula = "vote ~ age + C(party, Treatment(reference='ind')) + educ"
    _agree(from_formula(formula, anes, model="logistic"),
           smf.logit(formula, anes).fit(disp=0, tol=1e-12), rtol=1e-7)
    counts = "popul ~ age + C(party)"
    _agree(from_formula(counts, anes, model="poisson"),
           smf.glm(counts, anes, family=sm.families.Poisson()).fit(tol=1e-13), rtol=1e-7)
    gamma = "np.exp(logpopul) ~ age + educ"
    _agree(from_formula(gamma, anes, model="gamma", link="log"),
           smf.glm(gamma, anes, family=sm.families.Gamma(sm.families.links.Log())).fit(
               tol=1e-13), rtol=1e-7)


def test_text_labels_for_logistic_regression(anes):
    data = anes.assign(voted=np.where(anes.vote == 1, "yes", "no"))
    fit = from_formula("voted ~ age + educ", data, model="logistic")
    assert list(fit.classes_) == ["no", "yes"]
    _agree(fit, smf.logit("vote ~ age + educ", anes).fit(disp=0, tol=1e-12), rtol=1e-7)


def test_summary_names_the_columns_the_formula_and_the_reference_levels(anes):
    fit = from_formula("TVnews ~ age + C(party, Treatment(reference='rep'))", anes)
    text = str(fit.summary())
    assert "C(party, Treatment(reference='rep'))[T.dem]" in text
    assert "reference level 'rep'" in text and "Formula: TVnews ~ age" in text
    assert fit.reference_levels == {"C(party, Treatment(reference='rep'))":
                                    "reference level 'rep' (of 3)"}


def test_unseen_levels_and_missing_values_in_new_data_are_errors(anes):
    fit = from_formula("TVnews ~ age + C(party)", anes)
    with pytest.raises(ValueError, match=r"levels the model was not fitted on: \{'green'\}"):
        fit.predict(anes.iloc[:3].assign(party=["dem", "green", "rep"]))
    with pytest.raises(ValueError, match="right-hand side"):
        fit.predict(anes.iloc[:3].assign(age=[30.0, np.nan, 40.0]))
    with pytest.raises(ValueError, match="right-hand side"):
        fit.predict(anes.iloc[:3].drop(columns="age"))


def test_training_rows_with_missing_values_are_left_out_with_a_warning(anes):
    data = anes.copy()
    data.loc[[3, 10, 11], "age"] = np.nan
    with pytest.warns(DataConversionWarning, match="3 of 944 rows"):
        fit = from_formula("TVnews ~ age + C(party)", data)
    _agree(fit, smf.ols("TVnews ~ age + C(party)", data).fit())
    assert fit.n_dropped == 3 and "3 rows with missing values" in str(fit.summary())


def test_missing_values_drop_or_raise_as_statsmodels_missing(anes):
    """One rule: a row with a missing value in a variable, a weight, or a term that is
    undefined there is left out (statsmodels' formulas do the same) or an error."""
    data = anes.copy()
    data.loc[[3, 10], "age"] = np.nan
    data.loc[12, "party"] = None
    data.loc[20, "income"] = -1.0                          # log(-1) is NaN: a missing value
    data["w"] = 1.0 + data.educ
    data.loc[30, "w"] = np.nan
    formula = "TVnews ~ age + C(party) + np.log(income)"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = from_formula(formula, data, sample_weight="w")
    with np.errstate(invalid="ignore"):                 # statsmodels' own log(-1)
        reference = smf.wls(formula, data, weights=data["w"]).fit()      # missing="drop"
    _agree(fit, reference)
    assert fit.n_dropped == 5 and reference.nobs == 944 - 5
    assert fit.summary().to_dict()["statistics"]["No. observations"] == 939
    (warning,) = [w for w in caught if issubclass(w.category, DataConversionWarning)]
    assert warning.filename == __file__              # the user's line
    assert "5 of 944 rows are left out" in str(warning.message)
    assert all(not issubclass(w.category, RuntimeWarning) for w in caught)
    with pytest.raises(Exception), np.errstate(invalid="ignore"):   # MissingDataError
        smf.wls(formula, data, weights=data["w"], missing="raise").fit()
    for column, row, fragment in [("age", 3, "missing value in 'age'"),
                                  ("party", 12, "missing value in 'party'"),
                                  ("income", 20, "term of the formula undefined"),
                                  ("w", 30, "missing row argument")]:
        only = anes.assign(w=1.0 + anes.educ).copy()
        only.loc[row, column] = data.loc[row, column]
        with pytest.raises(ValueError, match=rf"Row {row} of data .*{re.escape(fragment)}"):
            from_formula(formula, only, sample_weight="w", missing="raise")
    with pytest.raises(ValueError, match="missing must be one of 'drop' or 'raise'"):
        from_formula(formula, anes, missing="omit")


def test_the_intercept_is_named_as_statsmodels_patsy_and_formulaic_name_it(anes):
    formula = "TVnews ~ age + C(party)"
    fit = from_formula(formula, anes)
    reference = smf.ols(formula, anes).fit()
    assert fit.params_.index[0] == reference.params.index[0] == "Intercept"
    for labelled in (fit.bse_, fit.pvalues_, fit.conf_int(), fit.cov_params_):
        assert list(labelled.index) == list(fit.params_.index)
    assert list(fit.cov_params_.columns) == list(fit.params_.index)
    assert [r["name"] for r in fit.summary().to_dict()["parameters"]] == list(fit.params_.index)
    assert "intercept" not in str(fit.summary()).replace("Intercept", "")
    # Without an intercept nothing is renamed; a GLM's dispersion keeps its name.
    assert "Intercept" not in from_formula("TVnews ~ age - 1", anes).params_.index
    nb = from_formula("popul ~ age", anes.assign(popul=anes.popul.round()),
                      model="negative_binomial")
    assert nb.params_.index[0] == "Intercept" and len(nb.params_) == 3


def test_models_by_name_or_instance_and_bad_arguments(anes):
    formula = "TVnews ~ age + educ"
    ridge = from_formula(formula, anes, model=probml.Ridge(alpha=3.0))
    direct = probml.Ridge(alpha=3.0).fit(anes[["age", "educ"]], anes["TVnews"])
    np.testing.assert_allclose(ridge.coef_, direct.coef_, rtol=1e-12)
    assert from_formula(formula, anes, model="bayes").coef_.shape == (2,)
    assert from_formula(formula, anes, model="lasso", alpha=0.1).coef_.shape == (2,)
    with pytest.raises(ValueError, match="model must be one of"):
        from_formula(formula, anes, model="tree")
    with pytest.raises(ValueError, match="formula must be a string"):
        from_formula("TVnews age", anes)
    with pytest.raises(ValueError, match="no response"):
        from_formula("~ age", anes)
    with pytest.raises(ValueError, match="cannot be evaluated"):
        from_formula("TVnews ~ nothere", anes)
    with pytest.raises(ValueError, match="sample_weight='w' names no column"):
        from_formula(formula, anes, sample_weight="w")
    with pytest.raises(ValueError, match="takes no groups"):
        from_formula(formula, anes, model="ridge", groups="income")
    with pytest.raises(TypeError, match="data must be a pandas DataFrame"):
        from_formula(formula, [[1, 2]])


def test_from_formula_is_lazy_and_the_dict_of_columns_works():
    data = {"y": [1.0, 2.1, 2.9, 4.2, 5.1, 5.8], "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = probml.from_formula("y ~ x", data)
    reference = smf.ols("y ~ x", pd.DataFrame(data)).fit()
    _agree(fit, reference)


def test_the_glm_family_names_are_the_engines():
    from probml.formula import GLM_FAMILIES
    from probml.likelihood import FAMILIES

    assert sorted(GLM_FAMILIES) == sorted(FAMILIES)


# -- every method that takes data ------------------------------------------------------------

def _small_data(seed=4, n=80):
    rng = np.random.default_rng(seed)
    x, z = rng.normal(size=n), rng.uniform(0.5, 3.0, size=n)
    g = np.array(["a", "b", "c"])[rng.integers(0, 3, size=n)]
    eta = 0.3 + 0.5 * x - 0.4 * np.log(z) + 0.3 * (g == "b")
    return pd.DataFrame({"x": x, "z": z, "g": g, "y": eta + rng.normal(size=n),
                         "yb": (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float),
                         "yc": rng.poisson(np.exp(eta)).astype(float),
                         "yp": rng.gamma(4.0, np.exp(eta) / 4.0)})


def _hand_design(frame, columns):
    """The design of ``frame`` built by hand (treatment coding against 'a'), in the order
    and with the names of the fit's ``columns``."""
    by_name = {"x": frame.x.to_numpy(), "np.log(z)": np.log(frame.z.to_numpy()),
               "C(g)[T.b]": (frame.g == "b").to_numpy(float),
               "C(g)[T.c]": (frame.g == "c").to_numpy(float)}
    assert sorted(columns) == sorted(by_name)
    return pd.DataFrame({name: by_name[name] for name in columns}, index=frame.index)


def _values(result):
    """A result as arrays to compare: arrays and pandas objects as they are, the parts of a
    tuple, a prediction's or an influence's numbers, an estimator's coefficients."""
    if isinstance(result, tuple):
        return [_values(part) for part in result]
    if hasattr(result, "get_params"):
        return np.asarray(result.coef_)
    if hasattr(result, "__dict__") and not isinstance(result, (pd.Series, pd.DataFrame)):
        return {key: np.asarray(value) for key, value in sorted(vars(result).items())
                if isinstance(value, (np.ndarray, float)) and not key.startswith("_")}
    return np.asarray(result)


def _close(ours, theirs):
    if isinstance(ours, list):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _close(a, b)
    elif isinstance(ours, dict):
        assert ours.keys() == theirs.keys() and ours
        for key in ours:
            _close(ours[key], theirs[key])
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-300)


_RESPONSES = {"linear": "y", "ridge": "y", "bayes": "y", "lasso": "y", "logistic": "yb",
              "gaussian": "y", "poisson": "yc", "binomial": "yb", "gamma": "yp",
              "inverse_gaussian": "yp", "negative_binomial": "yc"}


@pytest.mark.parametrize("name", sorted(_RESPONSES))
def test_every_method_that_takes_x_takes_the_data_frame(name):
    """Every public method of the estimator whose first argument is X, through the fit,
    equals the estimator's method on the design built by hand (y taken from the frame)."""
    from probml.formula import GLM_FAMILIES, MODELS

    assert sorted(_RESPONSES) == sorted([*MODELS, *GLM_FAMILIES])      # every model named
    data = _small_data()
    response = _RESPONSES[name]
    options = {"alpha": 0.05} if name == "lasso" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", probml.ProbmlWarning)
        fit = from_formula(f"{response} ~ x + np.log(z) + C(g)", data, model=name, **options)
    new = data.iloc[[5, 1, 60, 33, 12]]
    tested = set()
    for method in sorted(dir(fit.model)):
        member = getattr(fit.model, method)
        if method.startswith("_") or method == "fit" or not callable(member):
            continue
        parameters = list(inspect.signature(member).parameters)
        if parameters[:1] != ["X"]:
            continue
        rows = data if method == "get_influence" else new     # it needs the training rows
        extra = (rows[response].to_numpy(),) if parameters[1:2] == ["y"] else ()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", probml.ProbmlWarning)
            ours = getattr(copy.deepcopy(fit), method)(rows)
            theirs = getattr(copy.deepcopy(fit.model), method)(
                _hand_design(rows, fit.columns), *extra)
        _close(_values(ours), _values(theirs))
        tested.add(method)
    assert "predict" in tested and "score" in tested
    if name == "logistic":
        assert {"predict_proba", "predict_log_proba", "predict_proba_interval",
                "decision_function"} <= tested
        reference = smf.logit("yb ~ x + np.log(z) + C(g)", data).fit(disp=0, tol=1e-12)
        np.testing.assert_allclose(fit.predict_proba(new)[:, 1], reference.predict(new),
                                   rtol=1e-7)
    if name == "poisson":
        reference = smf.glm("yc ~ x + np.log(z) + C(g)", data,
                            family=sm.families.Poisson()).fit(tol=1e-13)
        np.testing.assert_allclose(fit.predict(new), reference.predict(new), rtol=1e-7)
    if name == "bayes":
        assert {"predict_interval", "partial_fit"} <= tested
