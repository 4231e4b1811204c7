r"""Round everything a figure draws to 24 significant bits, so no machine's last bits show.

Two machines compute the same number to within a few units in its last
(53rd) bit: BLAS sums in a CPU-dependent order, NumPy's vectorised
exponentials differ between instruction sets.  Matplotlib's rasteriser can
turn even such a difference into a pixel one step lighter (a coordinate
that lands on the other side of a sub-pixel boundary), so a figure's bytes
would depend on the machine.  Rounding every coordinate, limit and image
value to 24 significant bits first removes the difference: two values that
agree to 1e-13 relatively round apart only when a rounding boundary falls
between them, with probability about :math:`10^{-13}\cdot 2^{24} \approx 2\times
10^{-6}` per number, while the rounding itself (:math:`6\times 10^{-8}` of the
value, under a thousandth of a pixel) cannot be seen.  Computations that
*amplify* the last bits (training runs, rounding-error plots) are made exact
where they are computed instead (see :mod:`probml.optim.modules` and
:func:`probml.calculus.correctly_rounded`).
"""

import numpy as np

_BITS = 24


def quantise(values):
    """Each value rounded to ``_BITS`` significant bits (exactly: scaled by powers of two)."""
    values = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        mantissa, exponent = np.frexp(values)
        rounded = np.ldexp(np.round(np.ldexp(mantissa, _BITS)), exponent - _BITS)
    return np.where(np.isfinite(values), rounded, values)


def contour(ax, x, y, z, levels=None, *, filled=False, **options):
    """``ax.contour`` (or ``contourf``) on rounded inputs.

    A contour's shape, not only its coordinates, depends on how the surface
    compares with the levels at each grid point: a level equal to a value of
    the surface (the loss at a fitted point, say) can close a curve on one
    machine and leave it open on another.  Rounding the surface and the
    levels first makes those comparisons the same everywhere.
    """
    if levels is not None and not isinstance(levels, (int, np.integer)):
        levels = quantise(levels)
    draw = ax.contourf if filled else ax.contour
    args = (quantise(x), quantise(y), quantise(z))
    return draw(*args, levels=levels, **options) if levels is not None else draw(*args,
                                                                                **options)


def quantise_figure(figure):
    """Round the data, limits, texts and images of every axes of ``figure``, in place."""
    for ax in figure.axes:
        for artist in ax.get_children():
            _quantise_artist(artist)
        # Reading the limits applies any pending autoscaling, from the unrounded data.
        ax.set_xlim(*quantise(ax.get_xlim()), auto=None)
        ax.set_ylim(*quantise(ax.get_ylim()), auto=None)
    return figure


def _quantise_artist(artist):
    from matplotlib import collections, image, lines, patches, text

    if isinstance(artist, lines.Line2D):
        x, y = artist.get_data(orig=True)
        if np.asarray(x).dtype.kind in "iuf" and np.asarray(y).dtype.kind in "iuf":
            artist.set_data(quantise(x), quantise(y))
    elif isinstance(artist, patches.Polygon):
        artist.set_xy(quantise(artist.get_xy()))
    elif isinstance(artist, patches.Rectangle):
        artist.set_bounds(*quantise(artist.get_bbox().bounds))
    elif isinstance(artist, collections.Collection):
        for path in artist.get_paths():
            path.vertices = quantise(path.vertices)
        offsets = artist.get_offsets()
        if np.size(offsets):
            artist.set_offsets(quantise(offsets))
    elif isinstance(artist, image.AxesImage):
        array = artist.get_array()
        if array is not None and np.asarray(array).dtype.kind == "f":
            artist.set_data(np.ma.masked_invalid(quantise(np.ma.filled(array, np.nan))))
    elif isinstance(artist, text.Text) and not isinstance(artist, text.Annotation):
        position = artist.get_position()
        if all(isinstance(v, (int, float, np.number)) for v in position):
            artist.set_position(tuple(quantise(position)))
