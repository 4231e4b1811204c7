r"""The Bernoulli: maximum likelihood, confidence intervals and the Beta posterior.

For :math:`x_1, \dots, x_n \in \{0, 1\}` with :math:`k = \sum_i x_i`,

.. math:: \ell(p) = k\log p + (n - k)\log(1 - p),\qquad \hat p = k/n,\qquad
    \mathrm{se}(\hat p) = \sqrt{\hat p(1 - \hat p)/n}

(the last from the Fisher information :math:`n / (p(1-p))`).  The conjugate
prior :math:`\mathrm{Beta}(a, b)` gives the posterior
:math:`\mathrm{Beta}(a + k,\ b + n - k)`.
"""

import math
from dataclasses import dataclass

import numpy as np

from .._blocks import map_dask_chunks, row_blocks
from .._validation import (
    FLOATS,
    LEVEL,
    Options,
    Real,
    check_array_finite,
    check_is_fitted,
    check_vector,
    dask_array,
    is_dask_collection,
)
from ..inference import coverage, critical_value, proportion_interval
from .base import Estimator

__all__ = ["Bernoulli", "BetaPosterior"]

_INTERVALS = ("wilson", "wald", "exact")


class Bernoulli(Estimator):
    r"""A Bernoulli(p) fitted by maximum likelihood.

    Attributes
    ----------
    p_ : float
        :math:`\hat p = k/n`.
    n_successes_, n_samples_ : int
    bse_ : float
        :math:`\sqrt{\hat p(1-\hat p)/n}`, from the Fisher information.
    loglik_ : float
        :math:`k\log\hat p + (n-k)\log(1-\hat p)`, with :math:`0\log 0 = 0`.

    Examples
    --------
    >>> model = Bernoulli().fit([1, 0, 1, 1, 0, 1, 1, 1, 0, 1])
    >>> model.p_
    0.7
    >>> model.conf_int(level=0.95, method="wilson").round(4)
    array([0.3968, 0.8922])
    >>> model.posterior(a=1, b=1).mode
    0.7
    """

    def fit(self, x, y=None):
        """Estimate p from 0/1 (or boolean) outcomes ``x``.

        Returns
        -------
        self
        """
        if is_dask_collection(x):               # one pass over the chunks
            x = dask_array(x, "x", 1)
            counts = map_dask_chunks(lambda start, chunk: (start, _successes(chunk)), x)
            for start, count in counts:
                if isinstance(count, tuple):        # (row in the chunk, its value)
                    raise ValueError(_not_binary(start + count[0], count[1]))
            n, k = x.shape[0], sum(count for _, count in counts)
        else:
            x = check_vector(x, "x", dtypes=FLOATS)
            n, k = x.shape[0], _successes(x)
            if isinstance(k, tuple):
                raise ValueError(_not_binary(*k))
        self.n_samples_, self.n_successes_ = n, k
        self.p_ = k / n
        self.bse_ = math.sqrt(self.p_ * (1 - self.p_) / n)
        self.loglik_ = _xlogy(k, self.p_) + _xlogy(n - k, 1 - self.p_)
        return self

    def loglik(self, p):
        r"""The sample's log-likelihood :math:`k\log p + (n-k)\log(1-p)` at any ``p``.

        Examples
        --------
        >>> model = Bernoulli().fit([1, 0, 1, 1])
        >>> bool(model.loglik(0.75) == model.loglik_ > model.loglik(0.5))
        True
        """
        check_is_fitted(self, "p_")
        p = _probabilities(p)
        k, n = self.n_successes_, self.n_samples_
        with np.errstate(divide="ignore"):
            value = ((k * np.log(p) if k else 0.0)
                     + ((n - k) * np.log1p(-p) if n - k else 0.0)) + np.zeros_like(p)
        return value[()] if value.ndim == 0 else value

    def score(self, x, y=None):
        r"""The mean log-likelihood per observation of 0/1 outcomes ``x`` under the fit,
        :math:`\frac1m\sum_i \big(x_i\log\hat p + (1 - x_i)\log(1 - \hat p)\big)`.

        Higher is better, so :func:`probml.selection.cross_val_score` compares
        fits by it (``y`` is ignored); an outcome the fit gives probability 0
        (a 1 after a training sample of 0s) scores :math:`-\infty`, its exact
        log-likelihood.

        Examples
        --------
        >>> model = Bernoulli().fit([1, 0, 1, 1])
        >>> round(model.score([1, 0]), 4)
        -0.837
        """
        check_is_fitted(self, "p_")
        outcomes = check_vector(x, "x", dtypes=FLOATS)
        k = _successes(outcomes)
        if isinstance(k, tuple):
            raise ValueError(_not_binary(*k))
        m = outcomes.shape[0]
        return (_xlogy(k, self.p_) + _xlogy(m - k, 1 - self.p_)) / m

    def conf_int(self, alpha=0.05, *, level=None, method="wilson"):
        r"""A confidence interval for p, as an array ``[low, high]``, at ``1 - alpha``
        (statsmodels' convention) or ``level``.

        ``"wald"``: :math:`\hat p \pm z\,\mathrm{se}`, clipped to [0, 1]
        (poor near 0 and 1, where it collapses to a point).  ``"wilson"``: the
        score interval, inverting the score test; good coverage everywhere.
        ``"exact"``: Clopper-Pearson, from the binomial distribution,
        conservative (both from :func:`probml.inference.proportion_interval`).
        """
        check_is_fitted(self, "p_")
        level = coverage(alpha, level)
        if Options(*_INTERVALS)(method, "method") == "wald":
            half = critical_value(level) * self.bse_
            return np.clip([self.p_ - half, self.p_ + half], 0.0, 1.0)
        low, high = proportion_interval(self.n_successes_, self.n_samples_, level, method)
        return np.array([float(low), float(high)])

    def posterior(self, a=1.0, b=1.0):
        """The Beta(a + k, b + n - k) posterior under a Beta(a, b) prior.

        Parameters
        ----------
        a, b : float > 0
            Prior pseudo-counts of successes and failures; (1, 1) is uniform.
        """
        check_is_fitted(self, "p_")
        a = _PSEUDO_COUNT(a, "a")
        b = _PSEUDO_COUNT(b, "b")
        return BetaPosterior(a + self.n_successes_, b + self.n_samples_ - self.n_successes_)


# SciPy's inverse incomplete beta function loses digits for parameters beyond 1e15.
_PSEUDO_COUNT = Real(0, 1e15, closed="right", meaning=" (a pseudo-count)")


def _successes(x):
    """The number of ones in 0/1 outcomes ``x``, or ``(row, value)`` of its first value
    that is neither."""
    k = 0
    for rows, block in row_blocks(x):           # float32 is read a block at a time
        bad = (block != 0) & (block != 1)
        if bad.any():
            row = rows.start + int(np.argmax(bad))
            return row, float(x[row])
        k += int(np.count_nonzero(block))
    return k


def _not_binary(row, value):
    return (f"x must contain only 0 and 1 (failure and success), but row {row} is "
            f"{value!r}; encode the outcomes as 0/1.")


def _xlogy(count, probability):
    r""":math:`k\log p`, 0 for no count and :math:`-\infty` for a count of probability 0."""
    if count == 0:
        return 0.0
    return count * math.log(probability) if probability > 0 else -math.inf


def _probabilities(p):
    p = check_array_finite(p, "p")
    if np.any((p < 0) | (p > 1)):
        raise ValueError(f"p must lie in [0, 1] (probabilities), got "
                         f"{p[(p < 0) | (p > 1)].flat[0]!r}.")
    return p


@dataclass(frozen=True)
class BetaPosterior:
    r"""A :math:`\mathrm{Beta}(a, b)` distribution for a probability p.

    Its mean :math:`a/(a+b)` is also the posterior predictive probability that
    the next trial succeeds; its mode :math:`(a-1)/(a+b-2)` (for a, b > 1) is
    the MAP estimate.
    """

    a: float
    b: float

    def __post_init__(self):
        for name in ("a", "b"):
            object.__setattr__(self, name, _PSEUDO_COUNT(getattr(self, name), name))

    @property
    def mean(self):
        """Posterior mean :math:`a/(a+b)`, the predictive P(next = 1)."""
        return self.a / (self.a + self.b)

    @property
    def mode(self):
        """The MAP estimate :math:`(a-1)/(a+b-2)`; at a boundary when a or b <= 1."""
        if self.a > 1 and self.b > 1:
            return (self.a - 1) / (self.a + self.b - 2)
        if self.a <= 1 and self.b <= 1:
            raise ValueError(
                f"Beta({self.a:g}, {self.b:g}) is bimodal at 0 and 1 or flat; it has "
                "no single mode."
            )
        return 0.0 if self.a <= 1 else 1.0

    @property
    def var(self):
        """Posterior variance :math:`ab/((a+b)^2(a+b+1))`."""
        total = self.a + self.b
        return self.a * self.b / (total**2 * (total + 1))

    def pdf(self, p):
        r"""The density :math:`p^{a-1}(1-p)^{b-1}/B(a, b)` at ``p`` in [0, 1].

        Examples
        --------
        >>> BetaPosterior(2.0, 1.0).pdf([0.0, 0.5, 1.0])
        array([0., 1., 2.])
        """
        from scipy import special

        p = _probabilities(p)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            log_density = (special.xlogy(self.a - 1, p) + special.xlog1py(self.b - 1, -p)
                           - special.betaln(self.a, self.b))
            density = np.exp(log_density)
        if np.any(np.isnan(density)) or np.any(np.isinf(density) & (p > 0) & (p < 1)):
            raise ValueError("The Beta density overflows float64 at these p (a and b are so "
                             "large that it is a near-point mass); use credible_interval.")
        return density

    def credible_interval(self, level=0.95):
        """The central (equal-tailed) posterior interval."""
        from scipy import special

        level = LEVEL(level, "level")
        tail = (1 - level) / 2
        # The upper end through the mirror Beta(b, a), from the tail probability itself,
        # which stays exact as the level approaches 1.
        return np.array([special.betaincinv(self.a, self.b, tail),
                         1.0 - special.betaincinv(self.b, self.a, tail)])
