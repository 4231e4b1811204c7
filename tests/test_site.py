"""The documentation site: built from this checkout, every notebook executed, every public
name in the API reference, and every page checked in headless Chromium.

The build needs the ``docs`` extra (``pip install ".[docs]"``, which the README's
test command installs); the browser check also needs Chromium
(``tests/tools/install_render_check.sh``, which ``.ci/run`` runs).  Without
them these tests are skipped, saying so.  The tests of this module share one
build, made by whichever xdist worker needs it first.
"""

import fcntl
import importlib
import importlib.util
import pkgutil
import re
import struct
import subprocess
import sys

import pytest

import probml
from probml import site
from probml._browser import Browser, check_site, chromium, page_problems

from .conftest import ROOT

MISSING = [name for name in ("sphinx", "myst_nb", "numpydoc", "pydata_sphinx_theme",
                             "jupytext", "nbclient") if importlib.util.find_spec(name) is None]
needs_docs = pytest.mark.skipif(bool(MISSING), reason=f"the site needs the docs extra "
                                f"({', '.join(MISSING)} missing): pip install '.[docs]'")
needs_chromium = pytest.mark.skipif(chromium() is None, reason="the browser check needs "
                                    "Chromium: run tests/tools/install_render_check.sh")


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """One build for the whole run: the first xdist worker to get here builds the site in
    the folder the workers share, under a lock; the others wait for it and read it."""
    shared = tmp_path_factory.getbasetemp().parent
    out = shared / "site"
    with open(shared / "site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "index.html").is_file():
            site.build(out, ROOT, jobs=2)
        fcntl.flock(lock, fcntl.LOCK_UN)
    return out, sorted(out.rglob("*.html"))


def _ids(path):
    return set(re.findall(r'\bid="([^"]+)"', path.read_text(encoding="utf-8")))


def test_every_public_module_is_in_the_api_reference_or_says_why_not():
    public = {f"probml.{m.name}" for m in pkgutil.iter_modules(probml.__path__)
              if not m.name.startswith("_")}
    assert public <= set(site.API_MODULES) | set(site.NOT_IN_API)
    assert not set(site.API_MODULES) & set(site.NOT_IN_API)


def test_the_notebooks_are_text_one_per_chapter_and_install_probml_where_missing():
    paths = site.notebooks(ROOT)
    assert [p.name[:2] for p in paths] == [f"{k:02d}" for k in range(1, 11)]
    index = (ROOT / "docs" / "notebooks" / "index.md").read_text(encoding="utf-8")
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("---\njupytext:") and "format_name: myst" in text
        assert path.stem in index
        cells = re.findall(r"```\{code-cell\} ipython3\n(.*?)```", text, re.S)
        assert "find_spec(\"probml\") is None" in cells[0] and "%pip install" in cells[0]
        # A derivation rendered from the registry, a fit and a figure, not retyped.
        assert "derivations.get(" in text or ".derive()" in text, path.name
        assert "figures.render(" in text, path.name
        assert "from probml.datasets import load_" in text, path.name     # bundled data


def test_bad_arguments_get_clear_errors(tmp_path):
    with pytest.raises(TypeError, match="out must be a path"):
        site.build(None) if not MISSING else site._path(None, "out")
    with pytest.raises(site.SiteError, match="source .* is not a probml clone"):
        site.find_source(tmp_path)
    with pytest.raises(TypeError, match="source must be a path"):
        site.find_source(3.5)
    with pytest.raises(ValueError, match="module_name must be one of"):
        site.api_entries("os")
    if not MISSING:
        with pytest.raises(ValueError, match="jobs"):
            site.build(tmp_path, ROOT, jobs=0)
        with pytest.raises(ValueError, match="path must be a MyST notebook"):
            site.execute_notebook(tmp_path / "missing.md")


def test_the_command_line_refuses_a_folder_it_did_not_build(tmp_path, capsys):
    from probml import cli

    (tmp_path / "notes.txt").write_text("mine")
    status = cli.main(["docs", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 2 and "holds files that are not a site probml built" in err
    assert (tmp_path / "notes.txt").read_text() == "mine"
    for argv, message in [(["--jobs", "0"], "--jobs must be"),
                          (["--screenshot", "x.png"], "--screenshot goes with --check")]:
        assert cli.main(["docs", "--out", str(tmp_path / "new"), *argv]) == 2
        assert message in capsys.readouterr().err


def test_the_command_in_a_fresh_interpreter_answers_in_one_line(tmp_path):
    """``probml docs`` as a user runs it (its own process): a source that is not a clone is
    one clear line, whatever the docs extra's state."""
    result = subprocess.run([sys.executable, "-m", "probml.cli", "docs", "--out",
                             str(tmp_path / "out"), "--source", str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    message = ("is not a probml clone" if not MISSING else "needs the docs extra")
    assert result.stderr.startswith("probml docs: error:") and message in result.stderr


@needs_docs
def test_a_failing_notebook_names_its_cell(tmp_path):
    path = tmp_path / "01-broken.md"
    header = (ROOT / "docs" / "notebooks" / "01-least-squares.md").read_text().split(
        "\n---\n")[0] + "\n---\n"
    path.write_text(header + "\n# Broken\n\n```{code-cell} ipython3\nx = 1\n```\n\n"
                    "```{code-cell} ipython3\n1 / 0\n```\n")
    with pytest.raises(site.SiteError, match="01-broken.md, code cell 2: ZeroDivisionError"):
        site.execute_notebook(path)


@needs_docs
def test_the_site_builds_with_every_notebook_executed(built):
    out, pages = built
    assert (out / "index.html").is_file()
    for path in site.notebooks(ROOT):
        page = (out / "notebooks" / f"{path.stem}.html").read_text(encoding="utf-8")
        assert page.count('class="cell_output') >= 3, path.name       # outputs shown
        assert "Traceback" not in page
        assert re.search(r'<img [^>]*src="[^"]*\.png"', page), path.name   # a figure
        assert f"{path.stem}.ipynb" in page                              # a download
    downloads = list((out / "_downloads").rglob("*.ipynb"))
    assert len(downloads) == len(site.notebooks(ROOT))


@needs_docs
def test_every_public_name_has_an_api_entry(built):
    out, _ = built
    for module_name in site.API_MODULES:
        ids = _ids(out / "api" / f"{module_name.replace('.', '-')}.html")
        module = importlib.import_module(module_name)
        for name in module.__all__:
            full = f"{module_name}.{name}"
            label = full.replace(".", "-").replace("_", "-")   # a submodule's section
            assert full in ids or label in ids, f"{full} has no entry"


@needs_docs
def test_every_derivation_and_figure_is_on_the_site_and_linked_both_ways(built):
    out, _ = built
    from probml import derivations, figures

    gallery = (out / "figures" / "README.html").read_text(encoding="utf-8")
    for name in derivations.names():
        assert (out / "derivations" / f"{name}.html").is_file()
    for name in figures.names():
        spec = figures.get(name)
        assert f'id="{name}"' in gallery
        if spec.derivation:
            assert f"../derivations/{spec.derivation}.html" in gallery
            page = (out / "derivations" / f"{spec.derivation}.html").read_text(
                encoding="utf-8")
            assert f"../figures/README.html#{name}" in page, (name, spec.derivation)


@needs_docs
@needs_chromium
def test_every_page_loads_in_chromium_without_a_fault(built, tmp_path):
    out, pages = built
    shot = tmp_path / "gaussian-mle.png"
    problems, count = check_site(out, screenshots=[("derivations/gaussian-mle.html", shot)])
    assert problems == {}
    assert count >= 70
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert width == 1200 and height > 1600            # the whole page, not the window


@needs_chromium
def test_the_browser_check_finds_each_fault(tmp_path):
    (tmp_path / "fine.html").write_text('<p id="here">fine</p><a href="#here">x</a>')
    broken = {
        "image": '<img src="missing.png">',
        "link": '<a href="nowhere.html">x</a>',
        "anchor": '<a href="fine.html#gone">x</a>',
        "script": "<script>undefinedFunction();</script>",
        "math": "<p>the rate $$\\frac{1}{2}$$ untypeset</p>",
    }
    for name, body in broken.items():
        (tmp_path / f"{name}.html").write_text(f"<html><body>{body}</body></html>")
    with Browser() as browser:
        found = {path.stem: page_problems(browser.load(path.as_uri()), path, tmp_path)
                 for path in sorted(tmp_path.glob("*.html"))}
    assert found.pop("fine") == []
    expected = {"image": "image did not load", "link": "broken link",
                "anchor": "broken anchor", "script": "JavaScript error",
                "math": "untypeset math"}
    for name, fragment in expected.items():
        assert any(fragment in problem for problem in found[name]), (name, found[name])
