"""The data passes behind every fit: their pieces, and how many a large fit takes.

Oracles: NumPy's direct products for the weighted Gram matrix, SciPy's
``gammaln`` for the log-factorial table, central differences for the
compiled gradient (computed with and without the level stage), and the
counts of passes over all rows that Newton's method with chord steps needs;
the same pass on one thread for the threaded passes.
"""

import warnings

import numpy as np
import pytest
from scipy.special import gammaln

import probml
import probml.models.logistic as logistic_module
from probml._blocks import PASS_ROWS, chunk_slices, map_chunks, pass_threads, weighted_gram
from probml.likelihood import GLM
from probml.likelihood.compiled import LOG_FACTORIAL_ROWS, LOG_FACTORIAL_TABLE, loggamma
from probml.likelihood.data import distinct_rows
from probml.likelihood.glm import _model
from probml.likelihood.problem import Problem


@pytest.mark.parametrize("signs", ["positive", "negative", "mixed"])
@pytest.mark.parametrize("intercept", [True, False])
def test_weighted_gram_is_the_weighted_cross_product(signs, intercept):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((300, 4))
    v = {"positive": rng.random(300), "negative": -rng.random(300),
         "mixed": rng.standard_normal(300)}[signs]
    A = np.column_stack([np.ones(300), X]) if intercept else X
    expected = np.einsum("i,ij,ik->jk", v, A, A)
    for rows in (slice(0, 300), slice(0, 7), slice(7, 300)):     # the scratch is reused
        gram = weighted_gram(X[rows], v[rows], intercept)
        want = np.einsum("i,ij,ik->jk", v[rows], A[rows], A[rows])
        np.testing.assert_allclose(gram, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())
        np.testing.assert_array_equal(gram, gram.T)
    np.testing.assert_allclose(weighted_gram(X, v, intercept), expected, rtol=1e-12,
                               atol=1e-12 * np.abs(expected).max())


def test_chunk_slices_cover_the_blocks_in_order():
    assert chunk_slices(10, None, 4) == [slice(0, 4), slice(4, 8), slice(8, 10)]
    assert chunk_slices(99, [slice(2, 5), slice(50, 59)], 4) == [
        slice(2, 5), slice(50, 54), slice(54, 58), slice(58, 59)]


@pytest.mark.parametrize("threads", ["1", "2", "3"])
def test_map_chunks_returns_the_chunks_in_order_with_the_callers_error_state(
        monkeypatch, threads):
    monkeypatch.setenv("PROBML_NUM_THREADS", threads)
    assert pass_threads() == int(threads)
    chunks = chunk_slices(50, None, 3)
    assert map_chunks(lambda rows: rows.start, chunks) == list(range(0, 50, 3))
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError):
            map_chunks(lambda rows: np.log(np.zeros(rows.stop - rows.start)), chunks)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(divide="ignore"):
            assert np.isneginf(map_chunks(lambda rows: np.log(0.0), chunks)).all()


def test_the_thread_count_follows_the_environment(monkeypatch):
    monkeypatch.delenv("PROBML_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert pass_threads() == 1
    monkeypatch.setenv("PROBML_NUM_THREADS", "64")
    assert pass_threads() == 4                       # memory bandwidth: at most four
    monkeypatch.setenv("PROBML_NUM_THREADS", "none")
    assert pass_threads() == 1                       # OMP_NUM_THREADS, as it is not a count


def test_fits_are_the_same_to_the_last_bit_on_one_thread_or_several(monkeypatch):
    # Several chunks per thread, Newton's warm starts on subsamples included.
    rng = np.random.default_rng(5)
    n = 9 * PASS_ROWS + 123
    X = rng.standard_normal((n, 3))
    counts = rng.poisson(np.exp(0.3 * X[:, 0] + 0.5)).astype(float)
    mean = np.exp(0.3 * X[:, 2] + 1.0)
    overdispersed = rng.negative_binomial(2.0, 2.0 / (2.0 + mean)).astype(float)
    labels = (rng.random(n) < 1 / (1 + np.exp(-X[:, 1]))).astype(float)
    fits = {}
    for threads in ("1", "2", "4"):
        monkeypatch.setenv("PROBML_NUM_THREADS", threads)
        glm = GLM("poisson").fit(X, counts)
        nb2 = GLM("negative_binomial").fit(X, overdispersed)
        logistic = probml.LogisticRegression().fit(X, labels)
        fits[threads] = [glm.params_, glm.bse_, [glm.loglik_], nb2.params_, nb2.bse_,
                         logistic.coef_, logistic.bse_]
    for threads in ("2", "4"):
        for a, b in zip(fits["1"], fits[threads]):
            np.testing.assert_array_equal(a, b)


def test_the_log_factorial_table_gives_scipys_numbers():
    rng = np.random.default_rng(0)
    counts = rng.poisson(30.0, LOG_FACTORIAL_ROWS + 10).astype(float) + 1
    np.testing.assert_array_equal(loggamma(counts), gammaln(counts))
    for values in (counts + 0.5, counts + LOG_FACTORIAL_TABLE, counts[:10], counts - 31):
        np.testing.assert_array_equal(loggamma(values), gammaln(values))


def test_distinct_rows_index_the_data():
    rng = np.random.default_rng(1)
    counts = rng.poisson(4.0, 5000).astype(float)
    levels = rng.choice([0.25, 1.5, 7.0], 5000)
    for arrays in ([counts], [levels], [counts, levels]):
        columns, index = distinct_rows(arrays, most=1000)
        for column, array in zip(columns, arrays):
            np.testing.assert_array_equal(column[index], array)
    assert distinct_rows([rng.standard_normal(5000)], most=1000) is None


def test_the_level_stage_gives_the_gradient_of_the_value():
    """Negative binomial terms of the count and the dispersion alone are computed on the
    distinct counts; the gradient they give is the derivative of the value."""
    rng = np.random.default_rng(2)
    n = 4000
    X = rng.standard_normal((n, 2))
    y = rng.negative_binomial(2.0, 2.0 / (2.0 + np.exp(0.5 + X @ [0.3, -0.2]))).astype(float)
    problem = Problem(_model("negative_binomial", "log"), [y], X, None, None)
    assert problem.levels is not None
    theta = np.array([0.7, 0.4, 0.2, -0.1])

    def value(t):
        return problem.user_derivatives(t, hessian=False)[0]
    loglik, gradient, hessian = problem.user_derivatives(theta)
    assert loglik == pytest.approx(value(theta), rel=1e-13)
    h = 1e-5
    for j in range(len(theta)):
        step = np.eye(len(theta))[j] * h
        numeric = (value(theta + step) - value(theta - step)) / (2 * h)
        assert gradient[j] == pytest.approx(numeric, rel=1e-6, abs=1e-6)
        numeric_row = (problem.user_derivatives(theta + step, False)[1]
                       - problem.user_derivatives(theta - step, False)[1]) / (2 * h)
        np.testing.assert_allclose(hessian[j], numeric_row, rtol=1e-5, atol=1e-5)
    problem.levels = None                    # row by row: the same numbers
    row_by_row = problem.user_derivatives(theta)
    assert row_by_row[0] == pytest.approx(loglik, rel=1e-13)
    np.testing.assert_allclose(row_by_row[1], gradient, rtol=1e-10, atol=1e-9)


def _count_full_information_passes(monkeypatch, module, name, is_full):
    original, calls = getattr(module, name), []

    def counted(*args, **kwargs):
        calls.append(is_full(*args, **kwargs))
        return original(*args, **kwargs)
    monkeypatch.setattr(module, name, counted)
    return calls


def test_a_large_glm_fit_takes_one_information_pass_over_all_rows(monkeypatch):
    """Chord steps (gradient passes) converge until the next step is negligible, and
    only then is the information computed on all rows: once."""
    rng = np.random.default_rng(4)
    n = 250_000
    X = rng.standard_normal((n, 3))
    y = rng.poisson(np.exp(0.3 + X @ [0.2, -0.1, 0.05])).astype(float)
    calls = _count_full_information_passes(
        monkeypatch, Problem, "user_derivatives",
        lambda self, theta, hessian=True: self.blocks is None and bool(hessian))
    fit = GLM("poisson").fit(X, y)
    assert sum(calls) == 1
    assert fit.converged_


def test_a_large_logistic_fit_takes_one_information_pass_over_all_rows(monkeypatch):
    rng = np.random.default_rng(5)
    n = 250_000
    X = rng.standard_normal((n, 3))
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ [0.3, -0.2, 0.1])))).astype(float)
    calls = _count_full_information_passes(
        monkeypatch, logistic_module, "_binary_pass",
        lambda X, y, intercept, coef, hessian=True, blocks=None, weights=None, moments=False:
        blocks is None and hessian)
    probml.LogisticRegression().fit(X, y)
    assert sum(calls) == 1
