"""Writing figures in parallel, the gallery page that indexes them, and their manifest.

The manifest, ``figures.json``, records for each figure the versions of
Matplotlib and FreeType that drew it, the SHA-256 of its file, and its
*content*: what each panel shows, as numbers (see :func:`content`).  With
the recorded versions a figure must be redrawn byte for byte; with other
versions its text is rasterised differently (root-mean-square pixel
differences as large as between two different figures), so the tests
compare the content instead, to a millionth of each panel's span; the
committed file is always checked against its recorded SHA-256.
"""

import hashlib
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from .._files import FileWriteError, MARKDOWN_MARK, is_generated, write_generated

MANIFEST = "figures.json"


def versions():
    """The versions that decide a figure's bytes: Matplotlib's and its FreeType's."""
    import matplotlib
    from matplotlib import ft2font

    return {"matplotlib": matplotlib.__version__, "freetype": ft2font.__freetype_version__}


def _render_and_save(name, out, format):
    from . import render, save_figure

    figure = render(name)
    path = save_figure(figure, Path(out) / f"{name}.{format}", format)
    return str(path), content(figure)


def write_figures(names, out, format="png", jobs=1):
    """Render and save each named figure into ``out``; return the paths written and contents.

    With ``jobs > 1`` the figures are drawn in that many processes (never more
    than there are figures or CPUs).  A progress bar shows on a terminal.

    Returns
    -------
    dict
        Each name's ``(path, content)``.
    """
    from tqdm import tqdm

    jobs = max(1, min(jobs, len(names), os.cpu_count() or 1))
    bar = tqdm(total=len(names), desc="figures", unit="figure",
               disable=not sys.stderr.isatty())
    results = {}
    try:
        if jobs > 1:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = {name: pool.submit(_render_and_save, name, str(out), format)
                           for name in names}
                for name, future in futures.items():
                    results[name] = future.result()
                    bar.update()
        else:
            for name in names:
                results[name] = _render_and_save(name, out, format)
                bar.update()
    finally:
        bar.close()
    return results


def gallery(specs, format="png"):
    """The Markdown gallery: thumbnail, caption, regeneration command, derivation link."""
    lines = [MARKDOWN_MARK, "", "# Figures", "",
             "Every figure is drawn from probml's own numbers and regenerated "
             "deterministically by `probml figures` (one figure: `probml figures NAME`).", ""]
    for spec in specs:
        lines += [f"## {spec.name}", "",
                  f'<img src="{spec.name}.{format}" alt="{spec.name}" width="480">', "",
                  f"*{spec.concept}.* {spec.caption}", "",
                  f"Regenerate: `probml figures {spec.name}`"
                  + (f" · derivation: [{spec.derivation}](../derivations/{spec.derivation}.md)"
                     if spec.derivation else ""), ""]
    return "\n".join(lines)


def update_manifest(out, written):
    """Record the written figures (``{name: (path, content)}``) in ``out/figures.json``.

    Entries of figures not written this time are kept, so drawing one
    figure updates its own entry only.
    """
    path = Path(out) / MANIFEST
    entries = read_manifest(path) if is_generated(path) else {}
    stamp = versions()
    for name, (file, figure_content) in written.items():
        digest = hashlib.sha256(Path(file).read_bytes()).hexdigest()
        entries[name] = {**stamp, "file": Path(file).name, "sha256": digest,
                         "content": figure_content}
    # One figure per line: a change to a figure is a one-line difference in review.
    lines = [f"  {json.dumps(name)}: {json.dumps(entry, separators=(', ', ': '))}"
             for name, entry in sorted(entries.items())]
    text = ('{\n "generator": "probml figures",\n "figures": {\n' + ",\n".join(lines)
            + "\n }\n}\n")
    write_generated(path, text)
    return path


def read_manifest(path):
    """The figure entries of a manifest written by :func:`update_manifest`."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))["figures"]
    except (OSError, ValueError, KeyError) as error:
        raise FileWriteError(f"{path} is not a probml figure manifest ({error}).") from None


# -- what a figure shows, as numbers -----------------------------------------------------------

def content(figure):
    """What ``figure`` shows, as plain numbers and strings, panel by panel.

    For each axes: its title and labels, scales and limits, its texts and
    legend, and for each line, patch, collection or image the extent of what
    it draws (and, for lines and patches, how many points and their centre).
    A moved curve, a missing panel or a changed label changes the content; the
    rasterisation of text, which varies with the FreeType version, does not.
    Numbers are those drawn, rounded to 10 significant digits.
    """
    return [_axes_content(ax) for ax in figure.axes]


def _number(value):
    return float(f"{float(value):.10g}")


def _extent(points):
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    points = points[np.all(np.isfinite(points), axis=1)]
    if not len(points):
        return []
    return [_number(v) for v in (*points.min(axis=0), *points.max(axis=0))]


def _axes_content(ax):
    from matplotlib import collections, image, lines, patches, spines

    legend = ax.get_legend()
    shown = {
        "title": ax.get_title(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
        "xscale": ax.get_xscale(), "yscale": ax.get_yscale(),
        "xlim": [_number(v) for v in ax.get_xlim()], "ylim": [_number(v) for v in ax.get_ylim()],
        "texts": sorted(text.get_text() for text in ax.texts),
        "legend": [text.get_text() for text in legend.get_texts()] if legend else [],
        "artists": [],
    }
    for artist in ax.get_children():
        # Spines follow the limits (already recorded) and are placed only when drawn.
        if not artist.get_visible() or isinstance(artist, spines.Spine):
            continue
        if isinstance(artist, lines.Line2D):
            points = np.column_stack([np.asarray(v, dtype=float) for v in artist.get_data()])
            kind = "line"
        elif isinstance(artist, patches.Patch) and artist is not ax.patch:
            # In the patch's own data coordinates: no layout (which depends on the
            # fonts) enters, as it would through display coordinates.
            points = artist.get_patch_transform().transform(artist.get_path().vertices)
            kind = "patch"
        elif isinstance(artist, collections.Collection):
            parts = [path.vertices for path in artist.get_paths()]
            offsets = artist.get_offsets()
            parts += [np.asarray(offsets)] if np.size(offsets) else []
            shown["artists"].append(["collection", _extent(np.concatenate(parts))
                                     if parts else []])
            continue
        elif isinstance(artist, image.AxesImage):
            array = np.ma.filled(np.ma.asarray(artist.get_array(), dtype=float), np.nan)
            finite = array[np.isfinite(array)]
            shown["artists"].append(["image", list(array.shape)] + (
                [_number(finite.min()), _number(finite.max()), _number(finite.mean())]
                if finite.size else []))
            continue
        else:
            continue
        finite = points[np.all(np.isfinite(points), axis=1)] if points.size else points
        centre = [_number(v) for v in finite.mean(axis=0)] if len(finite) else []
        shown["artists"].append([kind, len(points), _extent(points), centre])
    return shown
