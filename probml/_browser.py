"""Pages checked in a real browser: headless Chromium driven over the DevTools protocol.

:func:`check_site` loads every HTML page of a built site in one headless
Chromium (Debian's ``chromium``), lets its scripts run (MathJax typesets the
math), and reports per page: JavaScript errors and failed loads, images that
did not load, links to a missing page or anchor, and math that did not
render (MathJax errors, or TeX left in the text).  The protocol runs over a
pipe (``--remote-debugging-pipe``: JSON messages separated by NUL bytes on
file descriptors 3 and 4), so nothing beyond the standard library is needed.
"""

import base64
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["Browser", "chromium", "check_site", "page_problems"]

# What a page reports once its scripts have run (MathJax 3 when the page has math).
_REPORT = r"""
(async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const hidden = "pre, code, script, style, mjx-container, .MathJax, textarea";
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement.closest(hidden)) texts.push(node.textContent);
  }
  return {
    text: texts.join(" "),
    images: [...document.images].filter(i => !i.complete || i.naturalWidth === 0)
                                .map(i => i.getAttribute("src")),
    links: [...document.querySelectorAll("a[href]")].map(a => a.href),
    mathErrors: [...document.querySelectorAll("mjx-merror, .MathJax_Error")]
                   .map(e => e.getAttribute("data-mjx-error") || e.textContent),
  };
})()
"""
# How long the browser may take to answer one command (or to load one page).
TIMEOUT = 60
# TeX that should have been typeset, were it found in a page's text.
_RAW_TEX = re.compile(r"\$\$|\\\(|\\\[|\\(frac|sum|hat|mathrm|sqrt|partial)\b|\$\\")


def chromium():
    """The Chromium executable (``PROBML_CHROMIUM``, else chromium on the PATH), or None."""
    found = os.environ.get("PROBML_CHROMIUM")
    if found:
        return found
    return next((path for path in map(shutil.which, ("chromium", "chromium-browser",
                                                     "google-chrome")) if path), None)


class Browser:
    """One headless Chromium and one tab, spoken to over the DevTools pipe.

    >>> with Browser() as browser:                              # doctest: +SKIP
    ...     report = browser.load(Path("index.html").as_uri())
    """

    def __init__(self, executable=None, width=1200, height=1600):
        executable = executable or chromium()
        if executable is None:
            raise RuntimeError("no Chromium found: install Debian's chromium package or set "
                               "PROBML_CHROMIUM")
        self._profile = tempfile.TemporaryDirectory(prefix="probml-chromium-")
        to_browser, self._write = os.pipe()
        self._read, from_browser = os.pipe()

        def descriptors():
            """In the child: the protocol's pipe on 3 and 4, kept open across exec."""
            # Copies above both first, so that neither end overwrites the other.
            reading = fcntl.fcntl(to_browser, fcntl.F_DUPFD, 10)
            writing = fcntl.fcntl(from_browser, fcntl.F_DUPFD, 10)
            os.dup2(reading, 3)
            os.dup2(writing, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self._process = subprocess.Popen(
            [executable, "--headless", "--no-sandbox", "--disable-gpu",
             "--remote-debugging-pipe", "--no-first-run", "--hide-scrollbars",
             "--allow-file-access-from-files", f"--window-size={width},{height}",
             f"--user-data-dir={self._profile.name}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=descriptors, close_fds=False)
        os.close(to_browser)
        os.close(from_browser)
        self._buffer, self._next_id, self.events = b"", 0, []
        try:
            target = self.call("Target.createTarget", url="about:blank")["targetId"]
            self._session = self.call("Target.attachToTarget", targetId=target,
                                      flatten=True)["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                self.call(f"{domain}.enable", session=True)
            self.call("Emulation.setDeviceMetricsOverride", session=True, width=width,
                      height=height, deviceScaleFactor=1, mobile=False)
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self._process.poll() is None:
            try:
                self.call("Browser.close")
            except RuntimeError:
                pass
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        for fd in (self._read, self._write):
            try:
                os.close(fd)
            except OSError:
                pass
        self._profile.cleanup()

    def _message(self):
        while b"\0" not in self._buffer:
            if not select.select([self._read], [], [], TIMEOUT)[0]:
                raise RuntimeError(f"Chromium did not answer within {TIMEOUT} s")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe (did it start?)")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, session=False, **params):
        """Send one command and wait for its answer (events met meanwhile are kept)."""
        self._next_id += 1
        request = {"id": self._next_id, "method": method, "params": params}
        if session:
            request["sessionId"] = self._session
        try:
            os.write(self._write, json.dumps(request).encode() + b"\0")
        except OSError as error:
            raise RuntimeError(f"Chromium is not listening ({error.strerror})") from None
        while True:
            message = self._message()
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})
            self.events.append(message)

    def _wait_for(self, method):
        while True:
            message = self._message()
            self.events.append(message)
            if message.get("method") == method:
                return

    def load(self, url):
        """Load ``url``, run its scripts, and return what the page reports: its text
        outside code and math, the images that did not load, its links, MathJax's
        errors and formulas, and the page's errors (exceptions, console errors,
        failed loads)."""
        self.events = []
        self.call("Page.navigate", session=True, url=url)
        self._wait_for("Page.loadEventFired")
        result = self.call("Runtime.evaluate", session=True, expression=_REPORT,
                           awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"the page report failed on {url}: "
                               f"{result['exceptionDetails'].get('text')}")
        report = result["result"]["value"]
        report["errors"] = _errors(self.events)
        return report

    def screenshot(self, path):
        """The whole current page as a PNG file at ``path``."""
        data = self.call("Page.captureScreenshot", session=True, format="png",
                         captureBeyondViewport=True)["data"]
        Path(path).write_bytes(base64.b64decode(data))


def _errors(events):
    errors = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text")
            errors.append(f"JavaScript error: {text}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            errors.append("console error: " + " ".join(
                str(arg.get("value", arg.get("description", ""))) for arg in
                params.get("args", [])))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            errors.append(f"{entry.get('source')} error: {entry.get('text')} "
                          f"{entry.get('url', '')}".strip())
    return errors


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("id", "name") and value:
                self.ids.add(value)


def _anchors(path, cache):
    if path not in cache:
        parser = _Ids()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        cache[path] = parser.ids
    return cache[path]


def page_problems(report, page, root, anchors=None):
    """The faults in one page's ``report`` (from :meth:`Browser.load`) as sentences."""
    anchors = {} if anchors is None else anchors
    found = list(report["errors"])
    found += [f"image did not load: {src}" for src in report["images"]]
    found += [f"math error: {error}" for error in report["mathErrors"]]
    raw = _RAW_TEX.search(report["text"])
    if raw:
        start = raw.start()
        found.append(f"untypeset math {raw.group(0)!r}: "
                     f"...{report['text'][max(0, start - 40):start + 40]}...")
    for link in report["links"]:
        parts = urlsplit(link)
        if parts.scheme != "file":
            continue                    # the web is not checked (no network here)
        target = Path(unquote(parts.path))
        if not target.exists():
            found.append(f"broken link: {link}")
        elif parts.fragment and target.suffix == ".html" and unquote(
                parts.fragment) not in _anchors(target, anchors):
            found.append(f"broken anchor: {link}")
        elif not target.resolve().is_relative_to(Path(root).resolve()):
            found.append(f"link leaves the site: {link}")
    return found


def check_site(root, executable=None, screenshots=()):
    """Load every HTML page under ``root`` and return ``{page: [problem, ...]}`` for the
    pages with problems, and the number of pages loaded; ``screenshots`` are
    ``(page, png_path)`` pairs to capture on the way."""
    root = Path(root)
    # The pages, not the templates a theme leaves among its static files.
    pages = sorted(page for page in root.rglob("*.html")
                   if not page.relative_to(root).parts[0].startswith("_"))
    shots = {Path(root, page).resolve(): path for page, path in screenshots}
    found, anchors = {}, {}
    with Browser(executable) as browser:
        for page in pages:
            report = browser.load(page.resolve().as_uri())
            problems = page_problems(report, page, root, anchors)
            if problems:
                found[str(page.relative_to(root))] = problems
            if page.resolve() in shots:
                browser.screenshot(shots[page.resolve()])
    return found, len(pages)
