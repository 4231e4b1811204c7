"""Normal and Bernoulli against SciPy, statsmodels and numerical integration."""

import warnings

import numpy as np
import pytest
from scipy import integrate, stats

from probml import Bernoulli, Normal
from probml.models import BetaPosterior
from probml.models.normal import mean_and_variance


def test_mle_matches_scipy_norm_fit(rng):
    x = rng.normal(3.0, 2.0, size=500)
    model = Normal().fit(x)
    loc, scale = stats.norm.fit(x)
    assert model.mean_ == pytest.approx(loc, rel=1e-14)
    assert model.std_ == pytest.approx(scale, rel=1e-13)
    assert model.var_unbiased_ == pytest.approx(np.var(x, ddof=1), rel=1e-13)
    assert model.loglik_ == pytest.approx(stats.norm(loc, scale).logpdf(x).sum(), rel=1e-12)
    np.testing.assert_allclose(model.logpdf(x[:5]), stats.norm(loc, scale).logpdf(x[:5]))


def test_fisher_standard_errors_match_the_numerical_hessian(rng):
    """Inverse of the observed information at the MLE, by finite differences."""
    x = rng.normal(1.0, 0.5, size=300)
    model = Normal().fit(x)

    def loglik(theta):
        return stats.norm(theta[0], np.sqrt(theta[1])).logpdf(x).sum()

    theta, h = np.array([model.mean_, model.var_]), np.array([1e-4, 1e-4])
    hessian = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h[i], np.eye(2)[j] * h[j]
            hessian[i, j] = (loglik(theta + ei + ej) - loglik(theta + ei - ej)
                             - loglik(theta - ei + ej) + loglik(theta - ei - ej)) / (4 * h[i] * h[j])
    np.testing.assert_allclose(model.bse_, np.sqrt(np.diagonal(np.linalg.inv(-hessian))),
                               rtol=1e-4)


def test_exact_intervals_match_scipy(rng):
    x = rng.normal(10.0, 3.0, size=25)
    model = Normal().fit(x)
    interval = model.conf_int(level=0.9)
    s = np.std(x, ddof=1)
    np.testing.assert_allclose(interval[0], stats.t.interval(0.9, 24, loc=x.mean(),
                                                             scale=s / 5), rtol=1e-12)
    chi2_low, chi2_high = stats.chi2.ppf([0.95, 0.05], 24)
    np.testing.assert_allclose(interval[1], [24 * s**2 / chi2_low, 24 * s**2 / chi2_high],
                               rtol=1e-12)
    wald = model.conf_int(level=0.9, method="wald")
    np.testing.assert_allclose(wald[0], model.mean_ + np.array([-1, 1]) * 1.6448536269514722
                               * model.bse_[0], rtol=1e-12)


def test_huge_offset_keeps_every_digit(rng):
    small = rng.standard_normal(100_001)
    mean, variance = mean_and_variance(1e7 + small)
    assert variance == pytest.approx(np.var(small), rel=1e-8)
    assert mean - 1e7 == pytest.approx(small.mean(), abs=1e-8)


def _exact_loglik(x, mean, var):
    """The Gaussian log-likelihood of the doubles x, summed in 60-digit arithmetic."""
    import mpmath

    with mpmath.workdps(60):
        squares = mpmath.fsum((mpmath.mpf(float(v)) - mpmath.mpf(float(mean))) ** 2 for v in x)
        return (-len(x) * mpmath.log(2 * mpmath.pi * mpmath.mpf(float(var))) / 2
                - squares / (2 * mpmath.mpf(float(var))))


@pytest.mark.parametrize("offset, spread", [(1e8, 1e-3), (1e12, 1.0), (-3e15, 7.0), (0.0, 1.0)])
def test_loglik_far_from_the_origin_equals_the_direct_sum(offset, spread, rng):
    # mean_ is xbar rounded; near it, n (xbar - mu)^2 is all rounding error unless the
    # rounding is carried.  The reference sums (x_i - mu)^2 of the same doubles exactly.
    x = offset + spread * rng.standard_normal(1000)
    model = Normal().fit(x)
    ulp = np.spacing(model.mean_)
    for mean in (model.mean_, model.mean_ + ulp, model.mean_ - 3 * ulp, offset,
                 model.mean_ + spread):
        for var in (model.var_, 2 * model.var_, model.var_ / 5):
            exact = _exact_loglik(x, mean, var)
            assert abs(model.loglik(mean, var) - float(exact)) <= 1e-13 * abs(float(exact))


def test_loglik_of_two_points_one_ulp_apart():
    x = np.array([1e8, 1e8 + 2.0 ** -26])     # the mean, 1e8 + 2^-27, is not a double
    model = Normal().fit(x)
    exact = float(_exact_loglik(x, 1e8, 1e-16))
    assert model.loglik(1e8, 1e-16) == pytest.approx(exact, rel=1e-15)


def test_normal_inverse_gamma_rate_far_from_the_origin(rng):
    import mpmath

    x = 1e8 + 1e-3 * rng.standard_normal(1000)
    posterior = Normal().fit(x).posterior_unknown_variance(prior_mean=1e8, prior_count=2.0)
    with mpmath.workdps(60):
        values = [mpmath.mpf(float(v)) for v in x]
        n, kappa0 = len(values), mpmath.mpf(2)
        mean = mpmath.fsum(values) / n
        rate = (mpmath.mpf(1e-6) + mpmath.fsum((v - mean) ** 2 for v in values) / 2
                + kappa0 * n * (mean - mpmath.mpf(1e8)) ** 2 / (2 * (kappa0 + n)))
        assert abs(posterior.rate - float(rate)) <= 1e-14 * float(rate)


def test_chunked_variance_matches_exact_rational_arithmetic(rng):
    from fractions import Fraction

    x = 1e9 + rng.integers(0, 1000, 3000) / 8  # exactly representable
    exact = [Fraction(v) for v in x]
    exact_mean = sum(exact) / len(exact)
    exact_var = sum((v - exact_mean) ** 2 for v in exact) / len(exact)
    mean, variance = mean_and_variance(x)
    assert mean == float(exact_mean)
    assert variance == pytest.approx(float(exact_var), rel=1e-14)


def test_normal_normal_posterior_by_quadrature(rng):
    x = rng.normal(2.0, 1.5, size=8)
    posterior = Normal().fit(x).posterior_known_variance(prior_mean=0.0, prior_var=4.0,
                                                         variance=1.5**2)

    def unnormalised(mu):
        return stats.norm(0, 2).pdf(mu) * np.prod(stats.norm(mu, 1.5).pdf(x))

    def moment(k):
        return integrate.quad(lambda m: m**k * unnormalised(m), -20, 20, epsabs=0,
                              epsrel=1e-12, points=[x.mean()])[0]

    evidence = moment(0)
    mean, second = moment(1) / evidence, moment(2) / evidence
    assert posterior.mean == pytest.approx(mean, rel=1e-9)
    assert posterior.var == pytest.approx(second - mean**2, rel=1e-7)
    assert posterior.predictive_var == pytest.approx(posterior.var + 1.5**2)
    low, high = posterior.credible_interval(0.95)
    assert stats.norm(posterior.mean, np.sqrt(posterior.var)).cdf(high) == pytest.approx(0.975)


def test_normal_inverse_gamma_posterior_by_quadrature(rng):
    """The t marginal of mu against a 2-D integral of prior x likelihood over (mu, sigma^2)."""
    x = rng.normal(1.0, 0.8, size=6)
    m0, kappa0, a0, b0 = 0.5, 2.0, 3.0, 2.0
    posterior = Normal().fit(x).posterior_unknown_variance(m0, kappa0, a0, b0)

    def joint(variance, mu):
        prior = (stats.norm(m0, np.sqrt(variance / kappa0)).pdf(mu)
                 * stats.invgamma(a0, scale=b0).pdf(variance))
        return prior * np.prod(stats.norm(mu, np.sqrt(variance)).pdf(x))

    def marginal(mu):
        return integrate.quad(joint, 1e-8, 60, args=(mu,), epsrel=1e-10)[0]

    # Ratios of the marginal at pairs of points need no normalising constant.
    t_marginal = stats.t(posterior.df, posterior.mean, posterior.mean_scale)
    reference_point = posterior.mean
    for mu in [0.0, 1.5]:
        assert marginal(mu) / marginal(reference_point) == pytest.approx(
            t_marginal.pdf(mu) / t_marginal.pdf(reference_point), rel=1e-7)
    predictive = stats.t(posterior.df, posterior.mean, posterior.predictive_scale)
    assert predictive.interval(0.8)[1] == pytest.approx(posterior.predictive_interval(0.8)[1])


def test_normal_bad_input():
    with pytest.raises(ValueError, match="x is empty"):
        Normal().fit([])
    with pytest.raises(ValueError, match="row 2"):
        Normal().fit([1.0, 2.0, np.nan])
    with pytest.raises(ValueError, match="'a'"):
        Normal().fit([1.0, "a"])
    with pytest.raises(ValueError, match="variance must be a number > 0"):
        Normal().fit([1.0, 2.0]).posterior_known_variance(0.0, 1.0, variance=0.0)
    with pytest.raises(ValueError, match="prior_var must be a number > 0"):
        Normal().fit([1.0, 2.0]).posterior_known_variance(0.0, -1.0, variance=1.0)


# -- Bernoulli ---------------------------------------------------------------

@pytest.mark.parametrize("k, n", [(7, 10), (0, 12), (12, 12), (33, 1000)])
@pytest.mark.parametrize("method, statsmodels_method", [
    ("wilson", "wilson"), ("exact", "beta"), ("wald", "normal")])
def test_bernoulli_intervals_match_statsmodels(k, n, method, statsmodels_method):
    from statsmodels.stats.proportion import proportion_confint

    model = Bernoulli().fit(np.r_[np.ones(k), np.zeros(n - k)])
    assert model.p_ == k / n
    expected = proportion_confint(k, n, alpha=0.1, method=statsmodels_method)
    np.testing.assert_allclose(model.conf_int(0.1, method=method), expected, rtol=1e-9,
                               atol=1e-12)


def test_bernoulli_loglik_and_beta_posterior():
    x = np.array([1, 0, 1, 1, 0, 1, 1, 1, 0, 1])
    model = Bernoulli().fit(x)
    assert model.loglik_ == pytest.approx(stats.bernoulli(0.7).logpmf(x).sum())
    posterior = model.posterior(a=2, b=3)
    reference = stats.beta(2 + 7, 3 + 3)
    assert (posterior.a, posterior.b) == (9, 6)
    assert posterior.mean == pytest.approx(reference.mean())
    assert posterior.var == pytest.approx(reference.var())
    assert posterior.mode == pytest.approx(8 / 13)
    np.testing.assert_allclose(posterior.credible_interval(0.9), reference.interval(0.9))
    assert Bernoulli().fit(np.zeros(5)).loglik_ == 0.0


def test_bernoulli_bad_input():
    with pytest.raises(ValueError, match="row 2 is 2.0"):
        Bernoulli().fit([0, 1, 2])
    with pytest.raises(ValueError, match=r"a must be a number in \(0, 1e\+15\]"):
        Bernoulli().fit([0, 1]).posterior(a=0, b=1)
    with pytest.raises(ValueError, match="alpha must be a number in"):
        Bernoulli().fit([0, 1]).conf_int(1.5)
    with pytest.raises(ValueError, match="level must be a number in"):
        Bernoulli().fit([0, 1]).conf_int(level=1.5)
    with pytest.raises(ValueError, match="no single mode"):
        _ = BetaPosterior(0.5, 0.5).mode
    assert BetaPosterior(3.0, 0.5).mode == 1.0


def test_likelihood_surfaces_equal_scipy_sums_of_log_densities(rng):
    x = rng.normal(3.0, 2.0, size=25)
    model = Normal().fit(x)
    means, variances = np.meshgrid(np.linspace(1, 5, 7), np.linspace(0.5, 9, 5))
    expected = stats.norm.logpdf(x[:, None, None], means, np.sqrt(variances)).sum(axis=0)
    np.testing.assert_allclose(model.loglik(means, variances), expected, rtol=1e-12)
    assert model.loglik(model.mean_, model.var_) == pytest.approx(model.loglik_, rel=1e-14)
    with pytest.raises(ValueError, match="var must be > 0"):
        model.loglik(0.0, [1.0, 0.0])

    outcomes = (rng.uniform(size=30) < 0.3).astype(float)
    bernoulli = Bernoulli().fit(outcomes)
    p = np.linspace(0.05, 0.95, 19)
    np.testing.assert_allclose(bernoulli.loglik(p),
                               stats.bernoulli.logpmf(outcomes[:, None], p).sum(axis=0),
                               rtol=1e-12)
    assert Bernoulli().fit([1, 1, 1]).loglik(1.0) == 0.0
    assert Bernoulli().fit([1, 0]).loglik(0.0) == -np.inf
    with pytest.raises(ValueError, match=r"p must lie in \[0, 1\]"):
        bernoulli.loglik(1.5)


@pytest.mark.parametrize("a, b", [(0.5, 0.5), (1.0, 1.0), (3.0, 7.0), (250.5, 1800.5)])
def test_beta_density_equals_scipy(a, b):
    p = np.linspace(0.0, 1.0, 101)[1:-1]
    np.testing.assert_allclose(BetaPosterior(a, b).pdf(p), stats.beta.pdf(p, a, b),
                               rtol=1e-10)
    with pytest.raises(ValueError, match=r"p must lie in \[0, 1\]"):
        BetaPosterior(a, b).pdf(-0.1)


# -- degenerate samples, scores (issue 31) ------------------------------------------------------


def test_a_spread_at_rounding_level_is_flagged_and_its_z_statistics_undefined():
    """0.1 + 0.2 and 0.3 differ in the last bit only: z = 2e16 was reported without a word."""
    from probml.exceptions import PerfectFitWarning

    with pytest.warns(PerfectFitWarning, match="exactly to working precision"):
        model = Normal().fit([0.1 + 0.2, 0.3, 0.3])
    assert model.exact_fit_
    assert np.all(np.isnan(model.table().statistic))
    assert np.all(np.isnan(model.conf_int()))
    with pytest.warns(PerfectFitWarning, match="Every value of x is the same"):
        assert Normal().fit([2.5, 2.5, 2.5]).exact_fit_
    assert not Normal().fit([0.3, 0.3 + 1e-12, 0.3]).exact_fit_


@pytest.mark.parametrize("unit", [2.0 ** -500, 2.0 ** 500, 2.0 ** -1040])
def test_samples_in_any_units_are_fitted_or_refused_without_a_numpy_warning(unit):
    """Oracle: the moments of the same sample at scale 1, scaled by the unit; a variance
    below double precision (distinct values near 1e-313 reported var 0, "every value is
    the same") is refused by name."""
    x = np.array([1.0, 2.0, 4.0, 7.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if unit < 2.0 ** -1000:
            with pytest.raises(ValueError, match="the variance of x is about 1e-6"):
                Normal().fit(x * unit)
            return
        model = Normal().fit(x * unit)
    assert model.mean_ == np.mean(x) * unit
    assert model.var_ == pytest.approx(np.var(x) * unit * unit, rel=1e-15)
    assert model.loglik_ == pytest.approx(stats.norm(np.mean(x), np.std(x)).logpdf(x).sum()
                                          - len(x) * np.log(unit), rel=1e-14)


def test_normal_score_is_the_mean_log_density():
    """cross_val_score(Normal(), x) raised AttributeError: Normal had no score."""
    from probml.selection import KFold, cross_val_score

    rng = np.random.default_rng(8)
    x = rng.normal(2.0, 3.0, 40)
    model = Normal().fit(x[:30])
    expected = stats.norm(np.mean(x[:30]), np.std(x[:30])).logpdf(x[30:]).mean()
    assert model.score(x[30:]) == pytest.approx(expected, rel=1e-14)
    folds = KFold(4)
    scores = cross_val_score(Normal(), x, cv=folds)
    for score, (train, test) in zip(scores, folds.split(x)):
        reference = stats.norm(np.mean(x[train]), np.std(x[train])).logpdf(x[test]).mean()
        assert score == pytest.approx(reference, rel=1e-13)


def test_bernoulli_score_is_the_mean_log_probability():
    from probml.selection import KFold, cross_val_score

    x = np.array([1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 1, 1], dtype=float)
    model = Bernoulli().fit(x[:8])
    assert model.score(x[8:]) == pytest.approx(
        stats.bernoulli(x[:8].mean()).logpmf(x[8:]).mean(), rel=1e-14)
    folds = KFold(3)
    for score, (train, test) in zip(cross_val_score(Bernoulli(), x, cv=folds),
                                    folds.split(x)):
        assert score == pytest.approx(
            stats.bernoulli(x[train].mean()).logpmf(x[test]).mean(), rel=1e-14)
    # An outcome of probability 0 under the fit has log-likelihood -inf (SciPy's too).
    assert Bernoulli().fit([0.0, 0.0]).score([1.0, 0.0]) == -np.inf
    with pytest.raises(ValueError, match="x must contain only 0 and 1"):
        model.score([0.0, 0.5])


def test_a_point_mass_scores_plus_or_minus_infinity():
    """The log density of a point mass is +inf at its point and -inf elsewhere (the limit
    of SciPy's normal logpdf as the scale goes to 0)."""
    from probml.exceptions import PerfectFitWarning

    with pytest.warns(PerfectFitWarning):
        model = Normal().fit([2.0, 2.0, 2.0])
    assert model.score([2.0, 2.0]) == np.inf
    assert model.score([2.0, 2.5]) == -np.inf
    with np.errstate(over="ignore"):
        assert stats.norm(2.0, 1e-300).logpdf(2.5) == -np.inf
