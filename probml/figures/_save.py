"""The one place figures are styled and written: Agg, fixed size and DPI, no timestamps."""

from pathlib import Path

FIGURE_SIZE = (6.4, 4.0)
DPI = 100
STYLE = {
    "figure.figsize": FIGURE_SIZE,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "svg.hashsalt": "probml",          # stable element ids in SVG output
    "path.simplify": True,
}
# Metadata keys that would change from run to run or version to version.
_METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
}


class FigureWriteError(OSError):
    """A figure could not be written where it was asked to go."""


def save_figure(figure, path, format="png"):
    """Write ``figure`` to ``path`` through the Agg canvas, without volatile metadata.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    path : str or Path
        The parent folder is created if needed.
    format : {"png", "svg", "pdf"}

    Returns
    -------
    Path
        Where it was written.

    Raises
    ------
    FigureWriteError
        When the folder cannot be created or the file cannot be written
        (never a warning, never a silent no-op).
    """
    import matplotlib

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if format not in _METADATA:
        raise ValueError(f"format must be one of {sorted(_METADATA)}, got {format!r}.")
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        FigureCanvasAgg(figure)
        with matplotlib.rc_context({"svg.hashsalt": STYLE["svg.hashsalt"]}):
            figure.savefig(path, format=format, dpi=DPI, metadata=_METADATA[format])
    except OSError as error:
        raise FigureWriteError(f"could not write the figure to {path}: "
                               f"{error.strerror or error}") from error
    if not path.is_file() or path.stat().st_size == 0:
        raise FigureWriteError(f"writing the figure to {path} produced no file.")
    return path
