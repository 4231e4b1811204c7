"""Fits from formulas against statsmodels' from_formula fits, on data sets statsmodels ships."""

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
    """probml's labelled result reordered as statsmodels' (whose intercept is 'Intercept')."""
    return ours.rename({"intercept": "Intercept"})[theirs.index].to_numpy()


def _agree(fit, reference, rtol=1e-8):
    assert set(fit.params_.rename({"intercept": "Intercept"}).index) == set(reference.params.index)
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
