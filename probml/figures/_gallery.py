"""Writing figures in parallel, and the gallery page that indexes them."""

import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def _render_and_save(name, out, format):
    from . import render, save_figure

    path = save_figure(render(name), Path(out) / f"{name}.{format}", format)
    return str(path)


def write_figures(names, out, format="png", jobs=1):
    """Render and save each named figure into ``out``; return the paths written.

    With ``jobs > 1`` the figures are drawn in that many processes.  A
    progress bar shows on a terminal.
    """
    from tqdm import tqdm

    bar = tqdm(total=len(names), desc="figures", unit="figure",
               disable=not sys.stderr.isatty())
    paths = []
    try:
        if jobs > 1 and len(names) > 1:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = [pool.submit(_render_and_save, name, str(out), format)
                           for name in names]
                for future in futures:
                    paths.append(future.result())
                    bar.update()
        else:
            for name in names:
                paths.append(_render_and_save(name, out, format))
                bar.update()
    finally:
        bar.close()
    return paths


def gallery(specs, format="png"):
    """The Markdown gallery: thumbnail, caption, regeneration command, derivation link."""
    lines = ["# Figures", "",
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
