"""Entropy, cross-entropy and KL divergence against SciPy, and their bad input.

Oracles: ``scipy.stats.entropy`` (entropy, and KL divergence with ``qk``),
``scipy.special.rel_entr``, and mpmath at 50 digits for the cross-entropy.
"""

import math

import mpmath
import numpy as np
import pytest
import scipy.stats as st

from probml.information import cross_entropy, entropy, kl_divergence


@pytest.fixture
def distributions():
    rng = np.random.default_rng(11)
    return rng.dirichlet(np.ones(6), size=5), rng.dirichlet(np.full(6, 0.5), size=5)


def test_entropy_and_divergence_equal_scipy(distributions):
    p, q = distributions
    np.testing.assert_allclose(entropy(p), st.entropy(p, axis=-1), rtol=1e-13)
    np.testing.assert_allclose(kl_divergence(p, q), st.entropy(p, q, axis=-1), rtol=1e-12)
    np.testing.assert_allclose(entropy(p.T, axis=0), st.entropy(p.T, axis=0), rtol=1e-13)
    np.testing.assert_allclose(entropy(p, base=2), st.entropy(p, base=2, axis=-1), rtol=1e-13)
    np.testing.assert_allclose(kl_divergence(p, q, base=10),
                               st.entropy(p, q, base=10, axis=-1), rtol=1e-12)


def test_cross_entropy_against_mpmath_and_the_decomposition(distributions):
    p, q = distributions
    mpmath.mp.dps = 50
    exact = [float(-mpmath.fsum(mpmath.mpf(a) * mpmath.log(mpmath.mpf(b))
                                for a, b in zip(row_p, row_q))) for row_p, row_q in zip(p, q)]
    np.testing.assert_allclose(cross_entropy(p, q), exact, rtol=1e-14)
    np.testing.assert_allclose(cross_entropy(p, q), entropy(p) + kl_divergence(p, q),
                               rtol=1e-13)
    # One distribution against several models broadcasts.
    np.testing.assert_allclose(cross_entropy(p[0], q), [cross_entropy(p[0], row) for row in q])


def test_zero_probabilities_follow_the_limits():
    assert entropy([1.0, 0.0]) == 0.0                          # 0 log 0 = 0
    assert kl_divergence([0.0, 1.0], [0.5, 0.5]) == pytest.approx(math.log(2))
    assert kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf   # q_k = 0 < p_k
    assert cross_entropy([0.5, 0.5], [1.0, 0.0]) == math.inf
    assert cross_entropy([1.0, 0.0], [1.0, 0.0]) == 0.0
    assert kl_divergence([0.3, 0.7], [0.3, 0.7]) == 0.0


def test_a_scalar_input_gives_a_float_and_arrays_keep_their_shape(distributions):
    p, q = distributions
    assert isinstance(entropy([0.25, 0.75]), float)
    stacked = np.moveaxis(np.random.default_rng(2).dirichlet(np.ones(4), size=(5, 3)), -1, 1)
    np.testing.assert_allclose(entropy(stacked, axis=1), st.entropy(stacked, axis=1),
                               rtol=1e-13)
    assert entropy(stacked, axis=1).shape == (5, 3)


@pytest.mark.parametrize("call, message", [
    (lambda: entropy([0.2, 0.2]), "p must sum to 1 along axis -1"),
    (lambda: entropy([3.0, 7.0]), "Divide counts by their total"),
    (lambda: entropy([-0.5, 1.5]), r"p must hold probabilities >= 0; p\[0\] = -0.5"),
    (lambda: entropy([np.nan, 1.0]), "p contains NaN"),
    (lambda: entropy(0.5), "single number"),
    (lambda: entropy([]), "no outcomes"),
    (lambda: entropy([0.5, 0.5], axis=1), "axis must be a whole number from -1 to 0"),
    (lambda: entropy([0.5, 0.5], axis=True), "axis must be a whole number"),
    (lambda: entropy([0.5, 0.5], base=1), "base must be a number > 0 other than 1"),
    (lambda: entropy([0.5, 0.5], base=-2), "base must be"),
    (lambda: entropy([0.5, 0.5], base="2"), "base must be"),
    (lambda: kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5]), "do not broadcast"),
    (lambda: cross_entropy([0.5, 0.5], [0.9, 0.9]), "q must sum to 1"),
    (lambda: cross_entropy([0.5, 0.5], ["a", "b"]), "q"),
])
def test_bad_input_is_refused_by_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()
