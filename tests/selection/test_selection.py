"""Model selection against scikit-learn's splitters, scorers and LOO, and brute force."""

import numpy as np
import pytest
from sklearn import linear_model as sk_linear
from sklearn import model_selection as sk
from sklearn import preprocessing as sk_pre
from sklearn.datasets import load_breast_cancer, load_diabetes

from probml import LinearRegression, LogisticRegression, Ridge
from probml import selection as sel


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


def _partitions(splitter, X, y=None):
    return [(train.tolist(), test.tolist()) for train, test in splitter.split(X, y)]


# -- splitters ----------------------------------------------------------------------

@pytest.mark.parametrize("n", [5, 7, 10, 23])
@pytest.mark.parametrize("k", [2, 3, 5])
def test_kfold_partitions_equal_scikit_learns(n, k):
    X = np.zeros((n, 1))
    assert _partitions(sel.KFold(k), X) == _partitions(sk.KFold(k), X)


@pytest.mark.filterwarnings("ignore:The least populated class")
@pytest.mark.parametrize("y", [
    np.r_[np.zeros(10), np.ones(5)],
    np.array([2, 0, 1, 1, 0, 2, 2, 0, 1, 1, 0, 2, 0, 0, 1, 2, 2, 1]),
    np.array(["b", "a", "a", "c", "b", "a", "a", "b", "c", "a", "b", "a", "a"]),
    np.repeat([0, 1, 2, 3], [3, 7, 11, 4]),
])
@pytest.mark.parametrize("k", [2, 3])
def test_stratified_kfold_partitions_equal_scikit_learns(y, k):
    X = np.zeros((len(y), 1))
    assert _partitions(sel.StratifiedKFold(k), X, y) == _partitions(sk.StratifiedKFold(k), X, y)


def test_leave_one_out_equals_scikit_learns():
    X = np.zeros((6, 2))
    assert _partitions(sel.LeaveOneOut(), X) == _partitions(sk.LeaveOneOut(), X)
    assert sel.LeaveOneOut().get_n_splits(X) == 6


@pytest.mark.parametrize("splitter", [sel.KFold(4, shuffle=True, random_state=3),
                                      sel.StratifiedKFold(3, shuffle=True, random_state=3)])
def test_shuffled_folds_are_seeded_partitions(splitter):
    y = np.repeat([0, 1], [12, 9])
    X = np.zeros((21, 1))
    first, again = _partitions(splitter, X, y), _partitions(splitter, X, y)
    assert first == again
    tests = np.concatenate([np.array(test) for _, test in first])
    assert sorted(tests.tolist()) == list(range(21))
    assert first != _partitions(type(splitter)(splitter.n_splits), X, y)
    if isinstance(splitter, sel.StratifiedKFold):
        for _, test in first:                 # each fold keeps the 12:9 balance (4:3)
            assert np.bincount(y[test]).tolist() == [4, 3]


@pytest.mark.filterwarnings("ignore:The least populated class")
@pytest.mark.parametrize("seed", [0, 1, 42, 2**31 - 1])
@pytest.mark.parametrize("n, k", [(7, 2), (23, 5), (100, 3)])
def test_shuffled_partitions_equal_scikit_learns_for_the_same_integer_seed(seed, n, k):
    X = np.zeros((n, 1))
    y = np.random.default_rng(n).integers(0, 3, n)
    assert (_partitions(sel.KFold(k, shuffle=True, random_state=seed), X)
            == _partitions(sk.KFold(k, shuffle=True, random_state=seed), X))
    assert (_partitions(sel.StratifiedKFold(k, shuffle=True, random_state=seed), X, y)
            == _partitions(sk.StratifiedKFold(k, shuffle=True, random_state=seed), X, y))
    ours = sel.train_test_split(np.arange(n), test_size=0.3, random_state=seed)
    theirs = sk.train_test_split(np.arange(n), test_size=0.3, random_state=seed)
    assert [part.tolist() for part in ours] == [part.tolist() for part in theirs]


def test_train_test_splits_are_seeded_disjoint_and_stratified():
    X, y = np.arange(100), np.repeat([0, 1, 2], [50, 30, 20])
    X_tr, X_te, y_tr, y_te = sel.train_test_split(X, y, test_size=0.2, random_state=1)
    assert len(X_te) == 20 and sorted(np.r_[X_tr, X_te].tolist()) == list(range(100))
    np.testing.assert_array_equal(y[X_te], y_te)
    again = sel.train_test_split(X, y, test_size=0.2, random_state=1)
    np.testing.assert_array_equal(again[1], X_te)
    _, X_te, _, y_te = sel.train_test_split(X, y, test_size=0.2, stratify=y, random_state=1)
    assert np.bincount(y_te).tolist() == [10, 6, 4]
    tr, va, te = sel.train_valid_test_split(X, valid_size=0.2, test_size=0.1,
                                            random_state=0)
    assert (len(tr), len(va), len(te)) == (70, 20, 10)
    assert len(set(tr) | set(va) | set(te)) == 100
    assert sel.train_test_split(X, test_size=0.3, shuffle=False)[1].tolist() == list(
        range(70, 100))


# -- cross-validation -------------------------------------------------------------------

def test_cross_val_score_equals_scikit_learns_for_probml_and_sklearn_estimators(diabetes):
    X, y = diabetes
    for estimator, peer in [(LinearRegression(), sk_linear.LinearRegression()),
                            (Ridge(alpha=0.5), sk_linear.Ridge(alpha=0.5))]:
        expected = sk.cross_val_score(peer, X, y, cv=5)
        np.testing.assert_allclose(sel.cross_val_score(estimator, X, y, cv=5), expected,
                                   rtol=1e-10)
        np.testing.assert_allclose(sel.cross_val_score(peer, X, y, cv=5), expected,
                                   rtol=1e-12)
    for scoring in ["neg_mean_squared_error", "neg_root_mean_squared_error",
                    "neg_mean_absolute_error", "r2"]:
        np.testing.assert_allclose(
            sel.cross_val_score(LinearRegression(), X, y, cv=sel.KFold(4, shuffle=True,
                                                                     random_state=0),
                                scoring=scoring),
            sk.cross_val_score(sk_linear.LinearRegression(), X, y, scoring=scoring,
                               cv=list(sel.KFold(4, shuffle=True, random_state=0).split(X))),
            rtol=1e-10)


def test_cross_val_score_stratifies_classifiers_as_scikit_learn_does():
    X, y = load_breast_cancer(return_X_y=True)
    X = sk_pre.StandardScaler().fit_transform(X[:, :6])
    ours = sel.cross_val_score(LogisticRegression(penalty="l2", C=1.0), X, y, cv=5)
    theirs = sk.cross_val_score(sk_linear.LogisticRegression(C=1.0, tol=1e-10), X, y, cv=5)
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(
        sel.cross_val_score(LogisticRegression(penalty="l2"), X, y, cv=5, scoring="accuracy"),
        ours)


def test_cross_validate_reports_train_scores_and_times(diabetes):
    X, y = diabetes
    result = sel.cross_validate(Ridge(alpha=1.0), X, y, cv=3, return_train_score=True)
    assert set(result) == {"test_score", "train_score", "fit_time", "score_time"}
    theirs = sk.cross_validate(sk_linear.Ridge(alpha=1.0), X, y, cv=3, return_train_score=True)
    np.testing.assert_allclose(result["train_score"], theirs["train_score"], rtol=1e-10)
    np.testing.assert_allclose(result["test_score"], theirs["test_score"], rtol=1e-10)
    assert np.all(result["fit_time"] >= 0) and result["test_score"].shape == (3,)


def test_validation_and_learning_curves_equal_scikit_learns(diabetes):
    X, y = diabetes
    alphas = [0.01, 0.1, 1.0, 10.0]
    train, valid = sel.validation_curve(Ridge(), X, y, param_name="alpha",
                                        param_range=alphas, cv=4)
    sk_train, sk_valid = sk.validation_curve(sk_linear.Ridge(), X, y, param_name="alpha",
                                             param_range=alphas, cv=4)
    np.testing.assert_allclose(train, sk_train, rtol=1e-10)
    np.testing.assert_allclose(valid, sk_valid, rtol=1e-10)
    sizes, train, valid = sel.learning_curve(LinearRegression(), X, y, cv=5)
    sk_sizes, sk_train, sk_valid = sk.learning_curve(sk_linear.LinearRegression(), X, y, cv=5)
    np.testing.assert_array_equal(sizes, sk_sizes)
    np.testing.assert_allclose(train, sk_train, rtol=1e-9)
    np.testing.assert_allclose(valid, sk_valid, rtol=1e-9)


def test_polynomial_degree_validation_curve_through_a_pipeline():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (60, 1))
    y = np.sin(3 * x[:, 0]) + rng.normal(0, 0.1, 60)
    model = sel.make_pipeline(sel.PolynomialFeatures(include_bias=False), LinearRegression())
    degrees = [1, 3, 5, 12]
    train, valid = sel.validation_curve(model, x, y, param_name="polynomialfeatures__degree",
                                        param_range=degrees,
                                        cv=sel.KFold(5, shuffle=True, random_state=0))
    assert np.all(np.diff(train.mean(axis=1)) > 0)        # training fit only improves
    assert valid.mean(axis=1)[1] > valid.mean(axis=1)[0]  # degree 3 beats a line
    assert model.get_params()["polynomialfeatures__degree"] == 2    # the model is untouched


# -- basis expansion ------------------------------------------------------------------------

@pytest.mark.parametrize("degree, interaction_only, include_bias",
                         [(2, False, True), (3, False, False), (3, True, True)])
def test_polynomial_features_equal_scikit_learns(degree, interaction_only, include_bias):
    X = np.random.default_rng(1).normal(size=(7, 3))
    ours = sel.PolynomialFeatures(degree, include_bias=include_bias,
                                  interaction_only=interaction_only).fit(X)
    theirs = sk_pre.PolynomialFeatures(degree, include_bias=include_bias,
                                       interaction_only=interaction_only).fit(X)
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X), rtol=1e-14)
    assert ours.get_feature_names_out().tolist() == theirs.get_feature_names_out().tolist()


# -- bad input ----------------------------------------------------------------------------

@pytest.mark.parametrize("n_splits", [1, 0, -2, 2.5, True])
def test_fewer_than_two_folds_is_an_error(n_splits):
    with pytest.raises(ValueError, match="n_splits must be a whole number from 2"):
        sel.KFold(n_splits)
    with pytest.raises(ValueError, match="n_splits must be a whole number from 2"):
        sel.StratifiedKFold(n_splits)


def test_more_folds_than_samples_is_an_error():
    with pytest.raises(ValueError, match="n_splits=6 greater than the number of samples"):
        list(sel.KFold(6).split(np.zeros(5)))
    with pytest.raises(ValueError, match="greater than the number of members in each class"):
        list(sel.StratifiedKFold(4).split(np.zeros(6), [0, 0, 0, 1, 1, 1]))
    with pytest.raises(ValueError, match="needs the labels"):
        list(sel.StratifiedKFold(2).split(np.zeros(6)))
    with pytest.raises(ValueError, match="n_samples=1"):
        list(sel.LeaveOneOut().split(np.zeros(1)))


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.1, True, "0.2", np.nan])
def test_a_split_fraction_outside_zero_one_is_an_error(fraction):
    with pytest.raises(ValueError, match="must be a number in \\(0, 1\\)"):
        sel.train_test_split(np.arange(10), test_size=fraction)
    with pytest.raises(ValueError, match="must be a number in \\(0, 1\\)"):
        sel.train_valid_test_split(np.arange(10), valid_size=fraction)


def test_split_input_errors():
    with pytest.raises(ValueError, match="valid_size \\+ test_size must be below 1"):
        sel.train_valid_test_split(np.arange(10), valid_size=0.6, test_size=0.5)
    with pytest.raises(ValueError, match="same length"):
        sel.train_test_split(np.arange(10), np.arange(9))
    with pytest.raises(ValueError, match="leaves an empty part"):
        sel.train_test_split(np.arange(3), test_size=0.99)


def test_an_estimator_without_fit_is_an_error(diabetes):
    X, y = diabetes

    class Predictor:
        def predict(self, X):
            return np.zeros(len(X))

    with pytest.raises(TypeError, match="must have a fit method"):
        sel.cross_val_score(Predictor(), X, y)
    with pytest.raises(TypeError, match="no get_params"):
        sel.clone(Predictor())
    with pytest.raises(ValueError, match="scoring must be"):
        sel.cross_val_score(Ridge(), X, y, scoring="nope")
    with pytest.raises(TypeError, match="cv must be"):
        sel.cross_val_score(Ridge(), X, y, cv="five")
    with pytest.raises(ValueError, match="alphas must be"):
        sel.RidgeCV(alphas=[1.0, -1.0]).fit(X, y)
    with pytest.raises(ValueError, match="degree must be"):
        sel.PolynomialFeatures(-1).fit(X)
    with pytest.raises(ValueError, match="invalid parameter"):
        sel.make_pipeline(Ridge()).set_params(nope__alpha=1)


def test_cross_validating_an_estimator_without_score_asks_for_scoring(diabetes):
    """An estimator with fit but no score raised AttributeError deep inside the loop."""
    class Mean:
        def fit(self, X, y=None):
            self.mean_ = np.mean(X)
            return self

        def get_params(self, deep=True):
            return {}

        def set_params(self, **params):
            return self

    X, y = diabetes
    with pytest.raises(TypeError, match="estimator Mean has no score method.*pass scoring"):
        sel.cross_val_score(Mean(), X, y)
