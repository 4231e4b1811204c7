"""SymPy derivations that check themselves, and a registry of them by name.

>>> from probml import derivations
>>> derivation = derivations.get("logistic-inverse-logit")
>>> derivation.verify().passed
True

Importing this package imports SymPy; ``import probml`` does not.
"""

import importlib

from ._core import Check, Derivation, Report, Step

__all__ = ["Check", "Derivation", "Report", "Step", "get", "names", "register"]

_TOPICS = ("calculus", "links", "likelihood", "bayes", "optimization", "ab_testing")
_BUILDERS = {}


def register(name):
    """Register the decorated function as the builder of derivation ``name``."""
    def decorate(builder):
        if name in _BUILDERS:
            raise ValueError(f"a derivation named {name!r} is already registered")
        _BUILDERS[name] = builder
        return builder
    return decorate


def _load_topics():
    for topic in _TOPICS:
        importlib.import_module(f"{__name__}.{topic}")


def names():
    """Every registered derivation, in teaching order."""
    _load_topics()
    return list(_BUILDERS)


def get(name):
    """Build the derivation ``name`` (a fresh object each call)."""
    _load_topics()
    try:
        builder = _BUILDERS[name]
    except KeyError:
        raise KeyError(f"no derivation named {name!r}; the derivations are "
                       f"{', '.join(_BUILDERS)}") from None
    return builder()
