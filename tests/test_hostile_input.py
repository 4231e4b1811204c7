"""Hostile input: every public entry point answers with a clear error or a correct, finite result.

The catalogue in :mod:`tests.hostile` lists each public function, estimator
and method with a valid call; Hypothesis replaces one or two of its arguments
with hostile values (NaN, infinities, 1e308 and 1e-300, huge integers, wrong
types and shapes, ragged and masked arrays, duplicated and constant columns,
float32 near its limit, ...) and :func:`tests.hostile.judge` accepts only a
probml ``ValueError``/``TypeError`` naming an argument, or a finite result,
with every non-probml warning (``RuntimeWarning`` included) an error.

The examples are derandomised, so every run (and every machine) tries the
same inputs; set ``PROBML_FUZZ_EXAMPLES`` (per entry point) and
``PROBML_FUZZ_SEED`` to search further.  The second half checks answers that
could be silently wrong against what they must equal.
"""

import math
import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import probml
from probml import hypothesis_testing as T

from .hostile import KINDS, entries, judge

EXAMPLES = int(os.environ.get("PROBML_FUZZ_EXAMPLES", 25))
SEED = os.environ.get("PROBML_FUZZ_SEED")
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                derandomize=SEED is None, suppress_health_check=list(HealthCheck))
PROPERTY = settings(max_examples=40, deadline=None, database=None, derandomize=SEED is None,
                    suppress_health_check=list(HealthCheck))


def _seeded(test):
    """Search from ``PROBML_FUZZ_SEED`` when it is set (reproducible), else derandomised."""
    return test if SEED is None else seed(int(SEED))(test)


ENTRIES = entries()


def test_the_catalogue_covers_every_public_name():
    """Each public function and estimator of probml appears in the catalogue."""
    labels = " ".join(entry.label for entry in ENTRIES)
    modules = [probml, probml.functions, probml.information, probml.losses, probml.optim,
               probml.selection,
               probml.hypothesis_testing, probml.growth, probml.inference, probml.calculus,
               probml.likelihood, probml.formula]
    missing = []
    for module in modules:
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, type) and issubclass(obj, BaseException):
                continue
            if type(obj).__name__ == "module" or name in _NOT_CALLED_DIRECTLY:
                continue
            if name not in labels:
                missing.append(f"{module.__name__}.{name}")
    assert not missing, f"add these to tests/hostile.py: {missing}"


# Result containers, base classes and helpers whose hostile input arrives through the
# functions that build them (they are exercised there).
_NOT_CALLED_DIRECTLY = {
    "Optimizer", "OptimizerState", "Schedule", "History", "Module", "DataModule", "Summary",
    "ABTestDesign", "BayesianABResult", "HypothesisTestResult", "PeekingSimulation",
    "ProportionsTestResult", "CohortRetention", "RateEstimate", "RetentionModel",
    "Stickiness", "Pipeline", "make_pipeline", "clone", "cross_validate", "apply_updates",
    "check_counts", "LinearRegressionModule", "LogisticRegressionModule", "BiasVariance",
    "RegressionProblem", "LikelihoodFit", "LikelihoodRatioTest", "DISTRIBUTIONS", "FAMILIES",
    "LINKS", "SUPPORTS", "Attribution", "ATTRIBUTION_MODELS", "FormulaFit", "MODELS",
    "GLM_FAMILIES", "EstimateTable",
}


@pytest.mark.parametrize("entry", ENTRIES, ids=repr)
@_seeded
@FUZZ
@given(data=st.data())
def test_every_input_gets_a_clear_error_or_a_finite_result(entry, data):
    names = list(entry.kinds)
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1,
                                max_size=min(2, len(names)), unique=True), label="arguments")
    kwargs = dict(entry.baseline)
    for name in chosen:
        kwargs[name] = data.draw(KINDS[entry.kinds[name]](), label=name)
    judge(entry, kwargs)


def test_the_baselines_are_valid_calls():
    """Each entry's baseline is answered with a result: the hostile values are what fail."""
    for entry in ENTRIES:
        if entry.label.endswith((".get",)):
            continue
        assert judge(entry, dict(entry.baseline)) == "result", entry.label


# -- answers that could be silently wrong ------------------------------------------------------

POWERS = st.integers(-400, 400).map(lambda k: math.ldexp(1.0, k))


def _fit_or_error(make, X, y):
    """The fitted model, or None when probml refused the data with a clear error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", probml.ProbmlWarning)
        try:
            return make().fit(X, y)
        except ValueError as error:
            assert "rescale" in str(error) or "overflow" in str(error), str(error)
            return None


@pytest.mark.parametrize("make, penalty_power", [
    (lambda: probml.LinearRegression(), None),
    (lambda: probml.Ridge(alpha=0.5), 2),
    (lambda: probml.BayesianLinearRegression(alpha=0.5, beta=None), 2),
    (lambda: probml.Lasso(alpha=0.05), 1),
], ids=["ols", "ridge", "bayes", "lasso"])
@_seeded
@PROPERTY
@given(x_scale=POWERS, y_scale=POWERS, seed=st.integers(0, 1000))
def test_linear_fits_follow_a_change_of_units_or_refuse_it(make, penalty_power, x_scale,
                                                           y_scale, seed):
    """Scaling X by c and y by t (exactly, by powers of two) scales the weights by t/c.

    Either the fit refuses data whose squares leave double precision, or it
    returns the rescaled answer: never inf, NaN or a wrong number.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((30, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.standard_normal(30) + 2.0

    def model(c, t):
        instance = make()
        if penalty_power == 2:
            # Ridge's alpha ||w||^2 and the Bayesian prior precision carry units of (y/w)^2.
            for name in ("alpha",):
                setattr(instance, name, getattr(instance, name) * c * c)
        elif penalty_power == 1:
            instance.alpha = instance.alpha * t * c     # the L1 term carries units of y^2/w
        return instance

    reference = model(1.0, 1.0).fit(X, y)
    scaled = _fit_or_error(lambda: model(x_scale, y_scale), X * x_scale, y * y_scale)
    if scaled is None:
        return
    with np.errstate(over="ignore"):
        expected = reference.coef_ * (y_scale / x_scale)
    if not np.all(np.isfinite(expected)):
        return          # the true weights are not representable; a refusal would be right
    np.testing.assert_allclose(scaled.coef_, expected, rtol=1e-8,
                               atol=1e-12 * np.max(np.abs(expected)))
    np.testing.assert_allclose(scaled.intercept_, reference.intercept_ * y_scale, rtol=1e-8)
    if hasattr(reference, "bse_"):
        np.testing.assert_allclose(scaled.bse_[1:], reference.bse_[1:] * y_scale / x_scale,
                                   rtol=1e-6)


@_seeded
@PROPERTY
@given(scale=POWERS, seed=st.integers(0, 1000))
def test_losses_scale_with_their_units(scale, seed):
    """RMSE and MAE scale by |c|, MSE by c^2: or the loss is refused as overflowing."""
    rng = np.random.default_rng(seed)
    y_true, y_pred = rng.standard_normal(20), rng.standard_normal(20)
    for loss, power in ((probml.losses.root_mean_squared_error, 1),
                        (probml.losses.mean_absolute_error, 1),
                        (probml.losses.mean_squared_error, 2)):
        reference = loss(y_true, y_pred)
        with np.errstate(over="ignore", under="ignore"):
            expected = reference * np.float64(scale) ** power
        try:
            value = loss(y_true * scale, y_pred * scale)
        except ValueError as error:
            assert not np.isfinite(expected) and "overflows" in str(error)
            continue
        if expected == 0 or expected < np.finfo(float).tiny:
            assert value == pytest.approx(expected, abs=np.finfo(float).tiny)
        else:
            assert value == pytest.approx(expected, rel=1e-12)


BETA = st.one_of(st.integers(1, 50).map(float), st.floats(0.5, 50.0),
                 st.floats(1e-6, 1e15), st.floats(1e5, 1e10),
                 st.sampled_from([1e-6, 1e6, 1e6 + 0.5, 1e9, 1e12, 1e15, 2.0, 3.5]))


@_seeded
@PROPERTY
@given(a=BETA, b=BETA, c=BETA, d=BETA)
def test_probability_b_beats_a_is_a_probability_and_complements(a, b, c, d):
    try:
        p = T.probability_b_beats_a(a, b, c, d)
    except ValueError as error:     # huge shapes, none whole: refused, in either order
        assert "needs one whole shape parameter" in str(error)
        with pytest.raises(ValueError, match="needs one whole shape parameter"):
            T.probability_b_beats_a(c, d, a, b)
        return
    q = T.probability_b_beats_a(c, d, a, b)
    assert 0.0 <= p <= 1.0 and 0.0 <= q <= 1.0
    # SciPy's Beta CDF, which the quadrature integrates, keeps ~1e-12 up to shapes of 1e9
    # and ~3e-12 at 1e10 (see probml.hypothesis_testing._beta_comparison).
    assert p + q == pytest.approx(1.0, abs=1e-11)


def test_probability_b_beats_a_of_a_point_mass_is_the_other_arms_tail():
    """A = Beta(1e15, 1e15) is a point mass at 1/2; B = Beta(2, 2) is symmetric about it."""
    assert T.probability_b_beats_a(1e15, 1e15, 2, 2) == pytest.approx(0.5, abs=1e-8)


@pytest.mark.parametrize("make", [
    lambda: probml.LinearRegression(), lambda: probml.Ridge(),
    lambda: probml.BayesianLinearRegression(), lambda: probml.Lasso(alpha=0.1),
    lambda: probml.LogisticRegression(),
], ids=["ols", "ridge", "bayes", "lasso", "logistic"])
def test_masked_entries_are_never_unmasked_silently(make):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 2))
    y = (X[:, 0] > 0).astype(float)
    masked = np.ma.masked_array(X, mask=np.zeros_like(X, dtype=bool))
    masked.mask[3, 1] = True
    with pytest.raises(ValueError, match=r"X has a masked \(missing\) value at row 3"):
        make().fit(masked, y)
    unmasked = np.ma.masked_array(X, mask=False)
    np.testing.assert_array_equal(make().fit(unmasked, y).coef_, make().fit(X, y).coef_)


@pytest.mark.parametrize("method", ["conf_int", "summary"])
def test_intervals_at_levels_near_one_are_finite(method):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((30, 2))
    y = X @ [1.0, 2.0] + rng.standard_normal(30)
    for model in (probml.LinearRegression().fit(X, y), probml.Ridge().fit(X, y),
                  probml.LogisticRegression().fit(X, (y > 0).astype(float))):
        for result in (getattr(model, method)(level=1 - 1e-16),
                       getattr(model, method)(alpha=1e-16)):
            if method == "conf_int":
                assert np.all(np.isfinite(result))
            else:
                assert "inf" not in str(result)


@pytest.mark.parametrize("rate", [10.0, 1e3, 1e100])
def test_training_never_hands_back_run_away_parameters(rate):
    """A learning rate that diverges ends in a DivergenceError, never NaN or 1e137 weights."""
    from probml import optim

    hours = probml.datasets.load_study_hours()
    module = optim.LinearRegressionModule()
    with pytest.raises(probml.DivergenceError, match="learning rate"):
        optim.Trainer(200, optimizer=optim.gradient_descent(rate)).fit(
            module, (hours.data, hours.target))
    assert module.params is None


def test_a_nan_gradient_stops_training():
    from probml import optim

    class Broken(optim.LinearRegressionModule):
        def loss_and_gradient(self, params, X, y):
            loss, grads = super().loss_and_gradient(params, X, y)
            return loss, {"w": grads["w"] * np.nan, "b": grads["b"]}

    hours = probml.datasets.load_study_hours()
    module = Broken()
    with pytest.raises(probml.DivergenceError, match="grads contain NaN"):
        optim.Trainer(5).fit(module, (hours.data, hours.target))
    assert module.params is None
