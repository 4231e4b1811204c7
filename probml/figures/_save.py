"""The one place figures are styled and written: Agg, fixed size and DPI, no timestamps."""

import io
from pathlib import Path

from .._files import FileWriteError, write_generated

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
# Metadata: probml as the creator (the mark that lets it overwrite its own files),
# and nothing that changes from run to run or version to version.
_METADATA = {
    "png": {"Software": "probml"},
    "svg": {"Date": None, "Creator": "probml"},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": "probml", "Producer": None},
}


class FigureWriteError(FileWriteError):
    """A figure could not be written where it was asked to go (or must not be)."""


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
        When the folder cannot be created, the file cannot be written, or
        ``path`` is a symlink or a file that probml did not write (never a
        warning, never a silent no-op).  The file is written atomically.
    """
    import matplotlib

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from .._validation import Options

    format = Options(*_METADATA)(format, "format")
    path = Path(path)
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    with matplotlib.rc_context({"svg.hashsalt": STYLE["svg.hashsalt"]}):
        figure.savefig(buffer, format=format, dpi=DPI, metadata=_METADATA[format])
    if not buffer.getvalue():
        raise FigureWriteError(f"drawing the figure for {path} produced no bytes.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_generated(path, buffer.getvalue())
    except FileWriteError as error:
        raise FigureWriteError(f"could not write the figure: {error}") from None
    except OSError as error:
        raise FigureWriteError(f"could not write the figure to {path}: "
                               f"{error.strerror or error}") from None
