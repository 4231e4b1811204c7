"""SymPy derivations that check themselves, and a registry of them by name.

>>> from probml import derivations
>>> derivation = derivations.get("logistic-inverse-logit")
>>> derivation.verify().passed
True

Importing this package imports SymPy; ``import probml`` does not.
"""

import functools

from .._derivation import Check, Derivation, Report, Step
from .._registry import Registry

__all__ = ["Check", "Derivation", "Report", "Step", "get", "names", "register"]

_REGISTRY = Registry(__name__, "derivation")


def register(name):
    """Register the decorated function as the builder of derivation ``name``; its page
    gets the "Try it" lines of :data:`._try_it.TRY_IT`."""
    def decorate(builder):
        @functools.wraps(builder)
        def build():
            from ._try_it import TRY_IT
            derivation = builder()
            derivation.try_it = TRY_IT.get(name, ())
            return derivation
        _REGISTRY.add(name, build, builder.__module__)
        return builder
    return decorate


def names():
    """Every registered derivation, in teaching order."""
    return _REGISTRY.names()


def get(name):
    """Build the derivation ``name`` (a fresh object each call)."""
    return _REGISTRY.lookup(name)()
