r"""Where a parameter lives, and the transform that frees it.

A constrained parameter is fitted on an unconstrained scale :math:`\phi` and
reported on its own scale :math:`\theta = g(\phi)`:

========================  =============================  ==========================
domain                    :math:`\theta = g(\phi)`       name
========================  =============================  ==========================
:math:`(-\infty,\infty)`  :math:`\phi`                   identity
:math:`(a, \infty)`       :math:`a + e^\phi`             log
:math:`(-\infty, b)`      :math:`b - e^\phi`             log (reflected)
:math:`(a, b)`            :math:`a + (b-a)\sigma(\phi)`  logit
========================  =============================  ==========================

Newton's method then never steps outside the domain, and a maximum on the
boundary shows itself as :math:`|\phi| \to \infty`.  Standard errors are
reported on the user's scale by the delta method,
:math:`\operatorname{cov}\hat\theta = J \operatorname{cov}\hat\phi\, J^\top`
with :math:`J = \operatorname{diag} g'(\hat\phi)`, which at an interior
maximum equals the inverse information computed on the :math:`\theta` scale.
"""

import functools
import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from .data import as_interval

__all__ = ["LARGEST_FREE", "Parameter", "as_domain"]

#: The largest free value a log transform is taken at: e^700 is near the largest double,
#: so a free value beyond it maps to the same parameter (where the fit has run away).
LARGEST_FREE = 700.0

_NAMED_DOMAINS = {
    "real": (-math.inf, math.inf),
    "positive": (0.0, math.inf),
    "negative": (-math.inf, 0.0),
    "unit": (0.0, 1.0),
    "probability": (0.0, 1.0),
}


def as_domain(symbol, domain):
    """The open interval ``(low, high)`` a parameter lives in.

    ``domain`` is None (read from the symbol's SymPy assumptions: ``positive``
    gives :math:`(0, \\infty)`, otherwise the real line), a name ("real",
    "positive", "negative", "unit" or "probability"), a pair ``(low, high)``,
    or a SymPy ``Interval``.
    """
    if domain is None:
        if symbol.is_positive or symbol.is_nonnegative:
            return 0.0, math.inf
        if symbol.is_negative or symbol.is_nonpositive:
            return -math.inf, 0.0
        return -math.inf, math.inf
    if isinstance(domain, str):
        if domain not in _NAMED_DOMAINS:
            raise ValueError(f"The domain of parameter {symbol} must be one of "
                             f"{sorted(_NAMED_DOMAINS)} or a pair (low, high), got {domain!r}.")
        return _NAMED_DOMAINS[domain]
    if isinstance(domain, sp.Interval):
        domain = (domain.start, domain.end)
    return as_interval(domain, f"The domain of parameter {symbol} (params)")


@dataclass(frozen=True)
class Parameter:
    """A scalar parameter of a model: its symbol, its domain and its transform."""

    symbol: sp.Symbol
    low: float = -math.inf
    high: float = math.inf

    @functools.cached_property
    def name(self):
        return str(self.symbol)     # SymPy's printer, once: fits ask for names often

    @property
    def transform(self):
        """'identity', 'log' or 'logit': how the parameter is freed for Newton's method."""
        if math.isinf(self.low) and math.isinf(self.high):
            return "identity"
        if math.isinf(self.low) or math.isinf(self.high):
            return "log"
        return "logit"

    def contains(self, value):
        return self.low < value < self.high

    def to_free(self, theta):
        """:math:`\\phi = g^{-1}(\\theta)`."""
        low, high = self.low, self.high
        with np.errstate(divide="ignore"):
            if self.transform == "identity":
                return float(theta)
            if math.isinf(high):
                return math.log(theta - low) if theta > low else -math.inf
            if math.isinf(low):
                return math.log(high - theta) if theta < high else -math.inf
            u = (theta - low) / (high - low)
            return math.log(u) - math.log1p(-u) if 0 < u < 1 else math.copysign(
                math.inf, u - 0.5)

    def from_free(self, phi):
        r""":math:`\theta = g(\phi)`, with :math:`g'(\phi)` and :math:`g''(\phi)`."""
        low, high = self.low, self.high
        if self.transform == "identity":
            return phi, 1.0, 0.0
        if math.isinf(high):
            e = math.exp(min(phi, LARGEST_FREE))
            return low + e, e, e
        if math.isinf(low):
            e = math.exp(min(phi, LARGEST_FREE))
            return high - e, -e, -e
        # sigma(phi) without overflow, and without rounding a tiny sigma to 0
        s = 1.0 / (1.0 + math.exp(-phi)) if phi >= 0 else math.exp(phi) / (1.0 + math.exp(phi))
        width = high - low
        d1 = s * (1.0 - s)
        return low + width * s, width * d1, width * d1 * (1.0 - 2.0 * s)

    def default_start(self):
        """A start inside the domain: 0, 1 past a bound, or the middle of an interval."""
        if self.transform == "identity":
            return 0.0
        if math.isinf(self.high):
            return self.low + 1.0
        if math.isinf(self.low):
            return self.high - 1.0
        return 0.5 * (self.low + self.high)

    def typical_range(self):
        """A stretch well inside the domain: 1 to 3 on the line or past a bound, the middle
        two fifths of an interval.

        On the line it stays clear of 0, where the inverse links have their pole
        and a scale written as a real symbol collapses.  A verification sample's
        parameter varies over it, and a linked parameter whose coefficients at 0
        would put it outside its domain starts at its middle.
        """
        if self.transform == "identity":
            return 1.0, 3.0
        if math.isinf(self.high):
            return self.low + 1.0, self.low + 3.0
        if math.isinf(self.low):
            return self.high - 3.0, self.high - 1.0
        width = self.high - self.low
        return self.low + 0.3 * width, self.low + 0.7 * width

    def describe(self):
        def bound(value):
            return "∞" if value == math.inf else "-∞" if value == -math.inf else f"{value:g}"
        return f"({bound(self.low)}, {bound(self.high)})"
