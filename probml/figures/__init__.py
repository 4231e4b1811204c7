"""Teaching figures: one registered function per figure, drawn from the library's numbers.

>>> from probml import figures
>>> spec = figures.get("sigmoid-logit")
>>> spec.concept
'logistic function'
>>> figure = figures.render("sigmoid-logit")
>>> [ax.get_title() for ax in figure.axes]
['Sigmoid: z to p', 'Logit: p back to z', 'Odds against probability']

Importing this package imports Matplotlib (with the Agg backend for
figures built here); ``import probml`` does not.
"""

from dataclasses import dataclass

import numpy as np

from .._registry import Registry
from ._save import FIGURE_SIZE, STYLE, FigureWriteError, save_figure

__all__ = ["FIGURE_SIZE", "FigureSpec", "FigureWriteError", "STYLE", "get", "names",
           "register", "regression_diagnostics", "render", "save_figure"]

_REGISTRY = Registry(__name__, "figure")


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
        _REGISTRY.add(name, FigureSpec(name, concept, caption, build, derivation, seed),
                      build.__module__)
        return build
    return decorate


def names():
    """Every registered figure, in teaching order."""
    return _REGISTRY.names()


def get(name):
    """The :class:`FigureSpec` registered as ``name``."""
    return _REGISTRY.lookup(name)


def render(name, *, quantise=True):
    """Build figure ``name`` in the house style from its fixed seed.

    Everything it draws is then rounded to 24 significant bits
    (:mod:`probml.figures._quantise`), so its pixels do not depend on the last
    bits in which machines differ; ``quantise=False`` keeps the numbers as
    the library computed them (to check them against other libraries).
    """
    import matplotlib

    from .._validation import BOOLEAN
    from ._quantise import quantise_figure

    spec = get(name)
    with matplotlib.rc_context(STYLE):
        figure = spec.build(np.random.default_rng(spec.seed))
    return quantise_figure(figure) if BOOLEAN(quantise, "quantise") else figure


# The diagnostic panels of any fitted linear model (defined with the regression figures).
from .regression import regression_diagnostics  # noqa: E402
