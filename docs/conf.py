"""Sphinx configuration of probml's site: ``probml docs --out DIR`` builds it (see
probml/site.py, which stages these pages with the generated ones)."""

import probml

project = "probml"
author = "the probml developers"
copyright = "the probml developers, BSD-3-Clause"
release = version = probml.__version__

extensions = [
    "myst_nb",                      # Markdown pages and notebooks (MyST)
    "sphinx.ext.autodoc",           # the API reference from the docstrings
    "numpydoc",                     # ... which are NumPy style
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",       # MathJax served from the site: no network to read it
]

# -- pages -------------------------------------------------------------------------------
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
myst_enable_extensions = ["dollarmath", "amsmath", "html_image"]   # <img> in the gallery
myst_heading_anchors = 3            # "#gaussian-mle" links into a page, as on GitHub
suppress_warnings = ["myst.header"]

# -- notebooks: probml docs executes them first (a failing cell stops it, naming the cell)
# and hands them over with their outputs as .ipynb files -----------------------------------
nb_execution_mode = "off"
nb_merge_streams = True
# A derivation's Markdown output (its _repr_markdown_) with its math, as on the pages.
nb_render_markdown_format = "myst"

# -- API reference -----------------------------------------------------------------------
autodoc_default_options = {"member-order": "bysource"}
autodoc_inherit_docstrings = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- the look ----------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"probml {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False
html_context = {"default_mode": "auto"}   # the colour scheme, before a reader picks one


# -- module docstrings -------------------------------------------------------------------
def _module_sections_as_rubrics(app, what, name, obj, options, lines):
    """A module docstring's NumPy-style sections ("Examples" over a dashed line) as
    rubrics: as reST section titles they would collide across the API pages."""
    if what != "module":
        return
    for i in range(len(lines) - 1):
        title, rule = lines[i].strip(), lines[i + 1].strip()
        if title and rule and set(rule) == {"-"} and len(rule) >= len(title):
            lines[i], lines[i + 1] = f".. rubric:: {title}", ""


def setup(app):
    app.connect("autodoc-process-docstring", _module_sections_as_rubrics, priority=100)
