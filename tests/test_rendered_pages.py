"""The derivation pages in a real renderer: Markdown to HTML, KaTeX, headless Chromium.

Every committed page under ``derivations/`` is converted with Python-Markdown
(``pymdownx.arithmatex`` keeps the math away from Markdown's emphasis rules),
typeset by KaTeX's auto-render in Chromium, and the rendered DOM is read back:
the test fails on a KaTeX error, on math left untypeset (a ``$``, ``\\(`` or
``\\[`` in the text), on a Boolean or placeholder where a result belongs, and
on a JavaScript error.  A page with broken math is shown to fail the same way.

Needs Chromium and KaTeX beyond the ``[test]`` extra:
``tests/tools/install_render_check.sh`` installs both (Debian's ``chromium``
package; KaTeX from npm into ``~/.cache/probml/katex``).  Without them the
test is skipped, saying so.
"""

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .conftest import ROOT

KATEX = Path(os.environ.get("PROBML_KATEX_DIR",
                            Path.home() / ".cache" / "probml" / "katex" / "package" / "dist"))
CHROMIUM = os.environ.get("PROBML_CHROMIUM") or next(
    (found for found in map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))
     if found), None)
PAGES = sorted(path for path in (ROOT / "derivations").glob("*.md") if path.name != "README.md")
# KaTeX draws what it cannot typeset (an unknown command) in its error colour: this one.
ERROR_COLOUR = "#fe0102"
# What a page shows where a result was not derived.
NOT_DERIVED = ("True", "False", "NaN", "None", "nan", "zoo", "TODO", "placeholder")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or not (KATEX / "katex.min.js").is_file(),
    reason="the rendered-page check needs Chromium and KaTeX: run "
           "tests/tools/install_render_check.sh (or set PROBML_CHROMIUM and "
           "PROBML_KATEX_DIR)")


def page_html(sections):
    """One HTML document with a section per (name, Markdown) page, typeset by KaTeX."""
    import markdown

    converter = markdown.Markdown(extensions=["pymdownx.arithmatex", "fenced_code", "tables"],
                                  extension_configs={"pymdownx.arithmatex": {"generic": True}})
    body = []
    for name, text in sections:
        converter.reset()
        body.append(f'<section id="{name}">{converter.convert(text)}</section>')
    return f"""<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="{KATEX.as_uri()}/katex.min.css">
<script src="{KATEX.as_uri()}/katex.min.js"></script>
<script src="{KATEX.as_uri()}/contrib/auto-render.min.js"></script>
</head><body>{"".join(body)}
<script>
renderMathInElement(document.body, {{
  delimiters: [{{left: "\\\\[", right: "\\\\]", display: true}},
               {{left: "\\\\(", right: "\\\\)", display: false}}],
  throwOnError: false, errorColor: "{ERROR_COLOUR}"}});
document.body.setAttribute("data-typeset", "done");
</script></body></html>"""


def rendered_dom(document, tmp_path):
    """Chromium's DOM after the scripts ran, and its log."""
    path = tmp_path / "pages.html"
    path.write_text(document, encoding="utf-8")
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=20000",
         "--enable-logging=stderr", "--v=0", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=180)
    return result.stdout, result.stderr


class _Reader(HTMLParser):
    """Per section: typeset formulas, KaTeX errors, and the text outside math and code."""

    def __init__(self):
        super().__init__()
        self.section, self.stack, self.unknown = None, [], False
        self.formulas, self.errors, self.text = {}, {}, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "section":
            self.section = attrs.get("id")
        if "katex-error" in classes:
            self.errors.setdefault(self.section, []).append(attrs.get("title", ""))
        if attrs.get("mathcolor") == ERROR_COLOUR:          # KaTeX's MathML of an unknown
            self.unknown = True                             # command: its name comes next
        if "katex" in classes:
            self.formulas[self.section] = self.formulas.get(self.section, 0) + 1
        hidden = tag in ("code", "pre", "script", "style") or bool(
            {"katex", "katex-error"} & set(classes))
        if tag not in ("br", "hr", "img", "meta", "link", "input"):
            self.stack.append(hidden)

    def handle_endtag(self, tag):
        if tag not in ("br", "hr", "img", "meta", "link", "input") and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.unknown:
            self.errors.setdefault(self.section, []).append(f"cannot typeset {data.strip()}")
            self.unknown = False
        if self.section and not any(self.stack):
            self.text.setdefault(self.section, []).append(data)


def problems(dom, log):
    """Each section's rendering faults, as {section: [description, ...]}."""
    found = {}
    if 'data-typeset="done"' not in dom:
        found["(page)"] = ["KaTeX never finished: its script did not run"]
    for line in log.splitlines():
        if "Uncaught" in line:
            found.setdefault("(page)", []).append(f"JavaScript error: {line.strip()}")
    reader = _Reader()
    reader.feed(dom)
    for section, titles in reader.errors.items():
        found.setdefault(section, []).extend(f"KaTeX error: {title}" for title in titles)
    for section, pieces in reader.text.items():
        text = " ".join(pieces)
        for marker in ("$", "\\(", "\\[", "\\frac", "\\sum"):
            if marker in text:
                start = text.index(marker)
                found.setdefault(section, []).append(
                    f"untypeset math {marker!r}: ...{text[max(0, start - 40):start + 40]}...")
        words = set(text.replace(".", " ").replace(",", " ").split())
        for token in NOT_DERIVED:
            if token in words:
                found.setdefault(section, []).append(f"shows {token!r}")
    return found


def test_every_page_renders_its_math(tmp_path):
    dom, log = rendered_dom(page_html([(p.stem, p.read_text(encoding="utf-8"))
                                       for p in PAGES]), tmp_path)
    assert problems(dom, log) == {}
    reader = _Reader()
    reader.feed(dom)
    for page in PAGES:          # every page has typeset formulas (none silently dropped)
        assert reader.formulas.get(page.stem, 0) >= 3, page.stem


def test_the_check_catches_broken_math_and_placeholders(tmp_path):
    broken = [("bad-command", "**1.** A step\n\n$$ \\fracc{1}{2} $$\n"),
              ("unclosed", "**1.** the rate $\\lambda is never closed\n"),
              ("boolean", "**1.** The result is\n\n$$ x = 1 $$\n\nTrue\n"),
              ("fine", "**1.** Fine: $\\sigma^2$ and\n\n$$ \\frac{1}{n}\\sum_i x_i $$\n")]
    found = problems(*rendered_dom(page_html(broken), tmp_path))
    assert any("KaTeX error" in p for p in found["bad-command"])
    assert any("untypeset math" in p for p in found["unclosed"])
    assert any("'True'" in p for p in found["boolean"])
    assert "fine" not in found
