r""":math:`P(p_B > p_A)` for independent Beta variables, to ~1e-12 (1e-11 near the limit).

Two routes, both checked against a 50-digit mpmath evaluation of the finite
sum in the tests:

* When :math:`\alpha_B` is a whole number, integrating :math:`P(p_B > x)`
  against the density of :math:`p_A` term by term gives a finite sum of
  positive terms whose ratios are rational in the parameters,

  .. math:: P(p_B > p_A) = \sum_{i=0}^{\alpha_B - 1} t_i,\quad
     t_0 = \frac{B(\alpha_A, \beta_A + \beta_B)}{B(\alpha_A, \beta_A)},\quad
     \frac{t_{i+1}}{t_i} = \frac{(\alpha_A + i)(\beta_B + i)}
                                {(\alpha_A + \beta_A + \beta_B + i)(1 + i)}.

  Only :math:`t_0` needs log-Beta functions, and their difference cancels
  (SciPy's ``betaln`` keeps ~1e-11 of it for extreme parameters), so it is
  taken from mpmath at 30 digits.  By symmetry (:math:`1 - p` is Beta with
  the shapes swapped, and :math:`P(p_B > p_A) = 1 - P(p_A > p_B)`) any one
  whole shape parameter gives such a sum; the smallest is used.  It needs no
  incomplete Beta function, so it is exact for any size of the others.
* Otherwise :math:`P(p_B > p_A) = \int_0^1 F_A(Q_B(v))\,dv`, a bounded
  monotone integrand, integrated over the quantiles of the narrower variable.
  A Beta variable with a small shape parameter puts its mass within
  :math:`10^{-1000}` of 0 or 1, where doubles cannot tell points apart, so
  every point is held as the logarithm of its distance to the nearer end, and
  beyond 1e-300 the CDF and quantile are the leading term
  :math:`I_x(a, b) = x^a / (a B(a, b))`, exact there to double precision.
  SciPy's quantile (``betaincinv``) is checked against its CDF and solved
  for again where it is wrong (it can be, by far, for shapes such as
  (1e3, 1e9)); SciPy's CDF itself keeps ~12 digits only while
  :math:`\alpha + \beta \le 10^{10}`, so beyond that this route refuses.
"""

import math
import warnings

import numpy as np

__all__ = ["prob_greater"]

# The finite sum is used up to this many terms (a vectorised pass).
MAX_TERMS = 1_000_000
# SciPy's Beta CDF loses digits beyond this alpha + beta (~1e-12 at 1e9, ~3e-12 at 1e10,
# ~1e-8 at 1e11).
MAX_QUADRATURE_SIZE = 1e10
# Below this distance from 0 or 1 a Beta CDF is its leading term, x^a / (a B(a, b)):
# the next term is smaller by a factor of about (1 - b) x, below rounding.
_TINY = 1e-300
_LOG_TINY = math.log(_TINY)
# Quadrature breakpoints: where the other variable's quantiles fall, and a decade grid
# so that a feature near a tail of the integration variable is never stepped over.
# How far I_x(a, b) at SciPy's quantile may miss its target before it is solved for again.
_INVERSE_TOL = 1e-14
_QUANTILES = (1e-15, 1e-10, 1e-6, 1e-3, 0.02, 0.1, 0.3, 0.5)
_DECADES = tuple(10.0 ** -k for k in range(1, 16))


def prob_greater(alpha_a, beta_a, alpha_b, beta_b):
    """P(p_B > p_A) for p_A ~ Beta(alpha_a, beta_a), p_B ~ Beta(alpha_b, beta_b)."""
    # Each whole shape parameter gives a finite sum (see the module docstring):
    # summed over alpha_b directly; over alpha_a as 1 - P(p_A > p_B); over beta_a and
    # beta_b through 1 - p, which swaps the shapes and the order.
    sums = [(alpha_b, lambda: _by_sum(alpha_a, beta_a, alpha_b, beta_b)),
            (alpha_a, lambda: 1.0 - _by_sum(alpha_b, beta_b, alpha_a, beta_a)),
            (beta_a, lambda: _by_sum(beta_b, alpha_b, beta_a, alpha_a)),
            (beta_b, lambda: 1.0 - _by_sum(beta_a, alpha_a, beta_b, alpha_b))]
    terms = [(count, route) for count, route in sums
             if count.is_integer() and count <= MAX_TERMS]
    if terms:
        probability = min(terms, key=lambda term: term[0])[1]()
    else:
        largest = max(alpha_a + beta_a, alpha_b + beta_b)
        if largest > MAX_QUADRATURE_SIZE:
            raise ValueError(
                f"P(B > A) for Beta shapes summing to {largest:.3g} needs one whole shape "
                f"parameter up to {MAX_TERMS:,} (for an exact finite sum): SciPy's incomplete "
                f"Beta function, which the other route integrates, keeps 12 digits only up to "
                f"alpha + beta = {MAX_QUADRATURE_SIZE:.0e}. A whole-number prior plus counts "
                "gives whole shapes.")
        probability = _by_quadrature(alpha_a, beta_a, alpha_b, beta_b)
    return min(max(probability, 0.0), 1.0)


def _log_beta(a, b):
    """log B(a, b) as an mpmath number (30 digits), for differences that cancel."""
    import mpmath

    return mpmath.log(mpmath.beta(a, b))


def _by_sum(alpha_a, beta_a, alpha_b, beta_b):
    """The finite sum over i < alpha_b (a whole number), in log space.

    The terms' logarithms are accumulated outward from the largest term, whose
    own logarithm comes from mpmath: the terms that carry the sum then have
    short partial sums, which round the least.
    """
    import mpmath
    from scipy.special import logsumexp

    i = np.arange(int(alpha_b) - 1, dtype=float)
    log_ratios = np.log(((alpha_a + i) * (beta_b + i))
                        / ((alpha_a + beta_a + beta_b + i) * (1.0 + i)))
    largest = int(np.argmax(np.concatenate([[0.0], np.cumsum(log_ratios)])))
    with mpmath.workdps(30):
        # Every sum of parameters in 30 digits too: rounding one to a double would move
        # the log-Beta function by its slope, up to log(beta / alpha), times that rounding.
        a, b_a, b_b = mpmath.mpf(alpha_a), mpmath.mpf(beta_a), mpmath.mpf(beta_b)
        log_largest = float(_log_beta(a + largest, b_a + b_b) - mpmath.log(b_b + largest)
                            - _log_beta(1 + largest, b_b) - _log_beta(a, b_a))
    before = -np.cumsum(log_ratios[:largest][::-1])[::-1]
    after = np.cumsum(log_ratios[largest:])
    log_terms = log_largest + np.concatenate([before, [0.0], after])
    return float(np.exp(logsumexp(log_terms)))


class _BetaTails:
    """Beta(a, b) with each point x held as (side, log of its distance to that side's end).

    ``side`` 0 is x itself (x <= 1/2), side 1 is 1 - x; distances below
    ``_TINY`` use the leading term of the CDF, exact there.
    """

    def __init__(self, a, b):
        import mpmath
        from scipy import special

        self.a, self.b = a, b
        self.lower_mass = float(special.betainc(a, b, 0.5))           # P(X <= 1/2)
        self.std = math.sqrt(a / (a + b) * b / (a + b) / (a + b + 1.0))
        with mpmath.workdps(30):
            log_beta = _log_beta(a, b)
            # log(a B(a, b)) and log(b B(a, b)): near 0 for a small shape parameter,
            # where log(a) + betaln cancels.
            self._log_norm = {0: float(mpmath.log(a) + log_beta),
                              1: float(mpmath.log(b) + log_beta)}

    def _shapes(self, side):
        return (self.a, self.b) if side == 0 else (self.b, self.a)

    def point(self, lower, upper):
        """The quantile with ``lower`` mass below it and ``upper`` (= 1 - lower) above."""
        side, p = (0, lower) if lower <= self.lower_mass else (1, upper)
        return side, self._log_quantile(side, p)

    def _log_quantile(self, side, p):
        """log x with I_x(a, b) = p for the shapes of ``side``, x <= 1/2."""
        from scipy import optimize, special

        a, b = self._shapes(side)
        if p == 0.0:                        # the end itself (a node that underflowed)
            return -math.inf
        if self._mass_to_end(side, _LOG_TINY) >= p:          # the leading term, inverted
            return (math.log(p) + self._log_norm[side]) / a
        x = float(special.betaincinv(a, b, p))
        if _TINY < x <= 0.5 and abs(self._mass_to_end(side, math.log(x)) - p) <= _INVERSE_TOL:
            return math.log(x)
        # SciPy's inverse missed: solve I_{e^t}(a, b) = p for t, which is monotone.
        half = math.log(0.5)
        if self._mass_to_end(side, half) <= p:      # p is this side's whole mass
            return half
        return optimize.brentq(lambda t: self._mass_to_end(side, t) - p, _LOG_TINY, half,
                               xtol=1e-14, rtol=4 * np.finfo(float).eps)

    def _mass_to_end(self, side, log_distance):
        """The mass between the point and the end of its side."""
        from scipy import special

        a, b = self._shapes(side)
        if log_distance > _LOG_TINY:
            return float(special.betainc(a, b, math.exp(log_distance)))
        return math.exp(a * log_distance - self._log_norm[side])

    def cdf(self, point):
        mass = self._mass_to_end(*point)
        return mass if point[0] == 0 else 1.0 - mass

    def sf(self, point):
        mass = self._mass_to_end(*point)
        return 1.0 - mass if point[0] == 0 else mass


def _by_quadrature(alpha_a, beta_a, alpha_b, beta_b):
    r""":math:`\int_0^1 F_A(Q_B(v))\,dv`, or :math:`\int_0^1 S_B(Q_A(u))\,du` if A is narrower.

    Each integral is split at 1/2 and its upper half integrated in
    :math:`1 - v`, so both halves reach their tail exactly.
    """
    from scipy import integrate

    a, b = _BetaTails(alpha_a, beta_a), _BetaTails(alpha_b, beta_b)
    scale, other, value = (b, a, a.cdf) if a.std > b.std else (a, b, b.sf)
    lower, upper = set(_DECADES), set(_DECADES)
    for point in (other.point(q, 1.0 - q) for q in _QUANTILES):
        lower.add(scale.cdf(point))
    for point in (other.point(1.0 - q, q) for q in _QUANTILES):
        upper.add(scale.sf(point))
    lower.add(scale.lower_mass)
    upper.add(1.0 - scale.lower_mass)
    with warnings.catch_warnings():
        # The integrand is bounded and monotone: an early stop leaves ~1e-14 at most.
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        halves = [integrate.quad(function, 0.0, 0.5, limit=500, epsabs=1e-14, epsrel=1e-12,
                                 points=sorted(x for x in breaks if 0.0 < x < 0.5))[0]
                  for function, breaks in ((lambda v: value(scale.point(v, 1.0 - v)), lower),
                                           (lambda w: value(scale.point(1.0 - w, w)), upper))]
    return sum(halves)
