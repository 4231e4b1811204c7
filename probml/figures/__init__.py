"""Teaching figures: one registered function per figure, drawn from the library's numbers.

>>> from probml import figures
>>> spec = figures.get("sigmoid-logit")
>>> spec.concept
'logistic function'
>>> figure = figures.render("sigmoid-logit")
>>> len(figure.axes)
2

Importing this package imports Matplotlib (with the Agg backend for
figures built here); ``import probml`` does not.
"""

import importlib
from dataclasses import dataclass

import numpy as np

from ._save import FIGURE_SIZE, STYLE, FigureWriteError, save_figure

__all__ = ["FIGURE_SIZE", "FigureSpec", "FigureWriteError", "STYLE", "get", "names",
           "register", "render", "save_figure"]

_TOPICS = ("regression", "links", "optimization")
_SPECS = {}


@dataclass(frozen=True)
class FigureSpec:
    """A registered figure: its name, the concept it teaches, a caption and its builder.

    ``build(rng)`` returns a :class:`matplotlib.figure.Figure`; ``derivation``
    names the derivation page it illustrates, if any.
    """

    name: str
    concept: str
    caption: str
    build: object
    derivation: str | None = None
    seed: int = 0


def register(name, *, concept, caption, derivation=None, seed=0):
    """Register the decorated ``build(rng) -> Figure`` under ``name``."""
    def decorate(build):
        if name in _SPECS:
            raise ValueError(f"a figure named {name!r} is already registered")
        _SPECS[name] = FigureSpec(name, concept, caption, build, derivation, seed)
        return build
    return decorate


def _load_topics():
    for topic in _TOPICS:
        importlib.import_module(f"{__name__}.{topic}")


def names():
    """Every registered figure, in teaching order."""
    _load_topics()
    return list(_SPECS)


def get(name):
    """The :class:`FigureSpec` registered as ``name``."""
    _load_topics()
    try:
        return _SPECS[name]
    except KeyError:
        raise KeyError(f"no figure named {name!r}; the figures are "
                       f"{', '.join(_SPECS)}") from None


def render(name):
    """Build figure ``name`` in the house style from its fixed seed."""
    import matplotlib

    spec = get(name)
    with matplotlib.rc_context(STYLE):
        return spec.build(np.random.default_rng(spec.seed))
