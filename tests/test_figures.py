"""Figures: each renders, matches its committed PNG and its recorded content, on any machine.

How a figure is compared with the committed one:

* with the Matplotlib and FreeType versions recorded for it in
  ``figures/figures.json``, its PNG must be the committed one byte for byte
  (and the committed file must have the SHA-256 recorded for it);
* always, the committed PNG must be the file the manifest records (its
  SHA-256): a swapped or edited PNG fails whatever the versions;
* always, the figure's *content* (panels, titles, labels, limits, texts,
  legends, and the extent and centre of every line, patch, collection and
  image, :func:`probml.figures.gallery.content`) must equal the content
  recorded beside the PNG to 1e-6 of each axis's span: a moved curve, a
  missing panel or a changed label fails whatever the versions.

A pixel tolerance cannot do the second job across versions: measured against
Matplotlib 3.11 with FreeType 2.14, Matplotlib 3.9 and 3.10 (FreeType 2.6)
redraw the same figures with root-mean-square differences of 15 to 47 (on
0-255; text is hinted differently, 3.11 labels minor log ticks, one figure
is a pixel shorter), as large as between two different figures, while every
figure's content agrees to the recorded digits.

A separate test draws every figure under another BLAS core type with one
thread and without NumPy's vector extensions, and requires the same bytes.
"""

import functools
import hashlib
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import special

from probml import cli, figures
from probml.datasets import load_study_hours
from probml.figures.gallery import content, gallery, read_manifest, versions

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "figures"
NAMES = figures.names()
MANIFEST = read_manifest(COMMITTED / "figures.json")
CONTENT_TOLERANCE = 1e-6


@functools.cache
def rendered(name):
    """Each figure drawn once per test session (the tests only read them)."""
    return figures.render(name)


@pytest.fixture(scope="session")
def saved(tmp_path_factory):
    """``saved(name)``: the PNG bytes of each figure as drawn in this session, saved once."""
    folder = tmp_path_factory.mktemp("saved")

    @functools.cache
    def save(name):
        return figures.save_figure(rendered(name), folder / f"{name}.png").read_bytes()
    return save


@functools.cache
def built(name):
    """Each figure as built, before its numbers are rounded for drawing (to check them)."""
    return figures.render(name, quantise=False)


def test_registry_lists_every_figure_and_rejects_unknown_names():
    # In teaching order: by topic (probml._registry.TOPICS), then as defined.
    assert NAMES == [
        "least-squares-squares", "vectorised-gradient", "regression-diagnostics",  # regression
        "sigmoid-logit", "softmax-temperature", "binary-cross-entropy",      # classification
        "logistic-regression-band", "perfect-separation",
        "gaussian-mle", "bernoulli-likelihood", "robust-losses",             # likelihood
        "entropy-cross-entropy-kl",
        "poisson-daily-counts", "weibull-time-to-churn", "growth-curve",
        "bayes-theorem", "bayesian-linear-sequential",                       # bayes
        "ridge-as-map", "norm-balls", "regularization-paths",                # regularization
        "loss-surface-paths", "learning-rate", "feature-scaling",            # optimization
        "learning-rate-schedules", "adam-bias-correction",
        "epochs-and-early-stopping", "local-minima-and-saddles", "l2-penalty-weight-decay",
        "convexity", "activation-functions", "network-training",
        "bias-variance-bullseye", "bias-variance-degree",                    # selection
        "splits-and-cross-validation",
        "ab-test", "sample-size", "pvalues-and-peeking",                     # hypothesis tests
        "cohort-retention", "stickiness", "conversion-funnel",               # growth
        "survivorship-bias", "multi-touch-attribution",
        "finite-differences"]                                                # calculus
    with pytest.raises(KeyError, match="no figure named 'nope'"):
        figures.get("nope")
    for name in NAMES:
        spec = figures.get(name)
        assert spec.caption.endswith(".") and spec.concept
        if spec.derivation:
            assert (ROOT / "derivations" / f"{spec.derivation}.md").is_file()


@pytest.mark.parametrize("name", NAMES)
def test_figure_matches_the_committed_png(name, saved):
    committed = COMMITTED / f"{name}.png"
    assert committed.is_file(), f"figures/{name}.png is missing: run `probml figures {name}`"
    entry = MANIFEST[name]
    assert hashlib.sha256(committed.read_bytes()).hexdigest() == entry["sha256"], (
        f"figures/{name}.png is not the file figures.json records: run `probml figures`")
    if {key: entry[key] for key in ("matplotlib", "freetype")} != versions():
        pytest.skip(f"figures/{name}.png was drawn with Matplotlib {entry['matplotlib']} and "
                    f"FreeType {entry['freetype']}, this is {versions()}: its bytes cannot be "
                    "compared (its content is, by test_figure_content_matches_the_record)")
    assert saved(name) == committed.read_bytes(), (
        f"figures/{name}.png is stale: run `probml figures {name}`")


@pytest.mark.parametrize("name", NAMES)
def test_figure_content_matches_the_record(name):
    recorded, current = MANIFEST[name]["content"], content(rendered(name))
    assert_same_content(current, recorded, name)


def assert_same_content(current, recorded, name):
    """The same panels showing the same things, numbers within CONTENT_TOLERANCE of the span."""
    assert len(current) == len(recorded), \
        f"{name}: {len(current)} panels, recorded {len(recorded)}"
    for panel, (now, then) in enumerate(zip(current, recorded)):
        where = f"{name}, panel {panel}"
        for key in ("title", "xlabel", "ylabel", "xscale", "yscale", "texts", "legend"):
            assert now[key] == then[key], f"{where}: {key} {now[key]!r}, recorded {then[key]!r}"
        spans = []
        for axis in ("xlim", "ylim"):
            low, high = then[axis]
            logarithmic = now[f"{axis[0]}scale"] == "log"
            span = abs(np.log(high / low)) if logarithmic else abs(high - low)
            spans.append((span, logarithmic))
            _close(now[axis], then[axis], span, logarithmic, f"{where}: {axis}")
        kinds = [artist[0] for artist in now["artists"]]
        assert kinds == [artist[0] for artist in then["artists"]], (
            f"{where}: draws {kinds}, recorded {[artist[0] for artist in then['artists']]}")
        for number, (a, b) in enumerate(zip(now["artists"], then["artists"])):
            label = f"{where}, artist {number} ({a[0]})"
            if a[0] == "image":
                assert a[1] == b[1], f"{label}: shape {a[1]}, recorded {b[1]}"
                np.testing.assert_allclose(a[2:], b[2:], rtol=CONTENT_TOLERANCE, atol=1e-12,
                                           err_msg=label)
                continue
            if a[0] in ("line", "patch"):
                assert a[1] == b[1], f"{label}: {a[1]} points, recorded {b[1]}"
                extent_now, extent_then = a[2], b[2]
                _close(a[3], b[3], None, None, label, spans)
            else:
                extent_now, extent_then = a[1], b[1]
            assert len(extent_now) == len(extent_then), f"{label}: drawn {extent_now}, " \
                                                        f"recorded {extent_then}"
            _close(extent_now, extent_then, None, None, label, spans * 2)


def _close(now, then, span, logarithmic, label, spans=None):
    now, then = np.asarray(now, dtype=float), np.asarray(then, dtype=float)
    assert now.shape == then.shape, f"{label}: {now.tolist()}, recorded {then.tolist()}"
    scales = spans if spans is not None else [(span, logarithmic)] * len(now)
    for value, recorded, (scale, log) in zip(now.ravel(), then.ravel(), scales):
        if log:
            ok = value == recorded or (value > 0 and recorded > 0 and abs(
                np.log(value / recorded)) <= CONTENT_TOLERANCE * max(scale, 1e-300))
        else:
            ok = abs(value - recorded) <= CONTENT_TOLERANCE * max(scale, abs(recorded) * 1e-9)
        assert ok, f"{label}: {now.tolist()}, recorded {then.tolist()}"


def test_the_content_comparison_catches_a_moved_curve_a_missing_panel_and_a_new_label():
    name = "logistic-regression-band"
    recorded = MANIFEST[name]["content"]
    figure = figures.render(name)
    assert_same_content(content(figure), recorded, name)
    line = figure.axes[0].lines[0]
    x, y = line.get_data()
    span = np.ptp(figure.axes[0].get_ylim())
    line.set_data(x, np.asarray(y) + 1e-3 * span)              # a thousandth of the height
    with pytest.raises(AssertionError, match="artist"):
        assert_same_content(content(figure), recorded, name)
    figure = figures.render(name)
    figure.delaxes(figure.axes[-1])
    with pytest.raises(AssertionError, match="panels"):
        assert_same_content(content(figure), recorded, name)
    figure = figures.render(name)
    figure.axes[0].set_title("another title")
    with pytest.raises(AssertionError, match="title"):
        assert_same_content(content(figure), recorded, name)


def test_a_swapped_png_does_not_match_its_manifest_entry():
    for name, other in zip(NAMES, NAMES[1:]):
        digest = hashlib.sha256((COMMITTED / f"{other}.png").read_bytes()).hexdigest()
        assert digest != MANIFEST[name]["sha256"]


def _start_rendering(out, environment):
    """Start drawing every figure into ``out`` in a fresh process with ``environment`` added."""
    code = ("import sys; from probml import figures; [figures.save_figure(figures.render(n), "
            "f'{sys.argv[1]}/{n}.png') for n in figures.names()]")
    return subprocess.Popen([sys.executable, "-c", code, str(out)],
                            env={**os.environ, **environment}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


@pytest.fixture(scope="module", autouse=True)
def other_machine(request, tmp_path_factory):
    """Every figure drawn in a fresh process under :func:`_other_machine`, started with this
    module's first test (when the run includes the test that reads them), so that it runs
    beside the tests drawing them here: (folder, process)."""
    if not any(item.originalname == "test_figures_do_not_depend_on_the_machine"
               for item in request.session.items):
        yield None
        return
    out = tmp_path_factory.mktemp("machine")
    process = _start_rendering(out, _other_machine())
    yield out, process
    if process.poll() is None:
        process.kill()


def _other_machine():
    """Another BLAS core type on one thread, and NumPy without its vector extensions, at
    once: one process of drawing where one per change took twice the time.  A difference
    shows under either change (the two cannot cancel to the last bit); set one variable
    at a time to tell which."""
    other_core = {"x86_64": "Prescott", "AMD64": "Prescott", "aarch64": "ARMV8",
                  "arm64": "ARMV8"}.get(platform.machine())
    environment = {}
    if other_core:
        environment.update(OPENBLAS_CORETYPE=other_core, OPENBLAS_NUM_THREADS="1",
                           OMP_NUM_THREADS="1")
    from numpy._core import _multiarray_umath as umath

    extensions = [feature for feature in umath.__cpu_dispatch__
                  if umath.__cpu_features__.get(feature)]
    if extensions:
        environment["NPY_DISABLE_CPU_FEATURES"] = " ".join(extensions)
    return environment


def test_saving_a_figure_twice_gives_the_same_bytes(tmp_path, saved):
    """Drawing must not change a figure (a layout engine that moves what it placed would
    make the bytes depend on how often a figure was shown)."""
    for name in NAMES:
        again = figures.save_figure(rendered(name), tmp_path / "again.png").read_bytes()
        assert saved(name) == again, f"{name} draws differently the second time"


def test_figures_do_not_depend_on_the_machine(other_machine, saved):
    """Every figure is the same bytes under another BLAS kernel, one thread and plain loops."""
    out, process = other_machine
    _, errors = process.communicate(timeout=600)
    assert process.returncode == 0, errors.decode(errors="replace")
    for name in NAMES:
        assert (out / f"{name}.png").read_bytes() == saved(name), (
            f"{name} draws different bytes with {_other_machine()}: something it plots depends "
            "on the last bits of BLAS or of NumPy's vectorised functions")


def test_gallery_is_current_and_lists_only_registered_figures():
    page = (COMMITTED / "README.md").read_text(encoding="utf-8")
    assert page == gallery([figures.get(n) for n in NAMES])
    assert sorted(p.stem for p in COMMITTED.glob("*.png")) == sorted(NAMES)
    assert sorted(MANIFEST) == sorted(NAMES)


def test_least_squares_figure_marks_the_library_fit_and_rss():
    hours = load_study_hours()
    x, y = hours.data[:, 0], hours.target
    A = np.column_stack([np.ones_like(x), x])
    (intercept, slope), rss, *_ = np.linalg.lstsq(A, y, rcond=None)
    left, right = built("least-squares-squares").axes
    line = [line for line in left.lines if line.get_label().startswith("least squares")][0]
    xs, ys = line.get_data()
    np.testing.assert_allclose(np.diff(ys) / np.diff(xs), slope, rtol=1e-10)
    np.testing.assert_allclose(ys[0] - slope * xs[0], intercept, rtol=1e-10)
    assert f"{rss[0]:.2f}" in right.get_title()
    # One square per student, side = the residual's size, drawn to scale (equal axes),
    # and a second row for a steeper line whose squares add up to more.
    assert right.get_aspect() == 1.0
    squares = right.patches[:len(y)]
    for patch in right.patches:
        assert patch.get_width() == pytest.approx(patch.get_height(), rel=1e-12)
    np.testing.assert_allclose(sorted(patch.get_height() for patch in squares),
                               sorted(np.abs(y - A @ [intercept, slope])), rtol=1e-10)
    other = sum(patch.get_height() ** 2 for patch in right.patches[len(y):])
    assert other > rss[0]


def test_sigmoid_figure_draws_the_sigmoid_and_its_inverse():
    left, middle, _ = built("sigmoid-logit").axes
    z, s = left.lines[0].get_data()
    np.testing.assert_allclose(s, special.expit(z), rtol=1e-14)
    p, logit = middle.lines[0].get_data()
    np.testing.assert_allclose(logit, special.logit(p), rtol=1e-12)
    for ax in (left, middle):
        assert ax.get_xlabel() and ax.get_ylabel()
    assert left.get_ylim() == (0.0, 1.0)           # the sigmoid on its own scale


def test_softmax_bars_are_scipy_softmax_at_each_temperature():
    ax = built("softmax-temperature").axes[0]
    logits = np.array([2.0, 1.0, 0.5, -0.5, -1.0])
    heights = np.array([bar.get_height() for bar in ax.patches]).reshape(3, 5)
    for row, temperature in zip(heights, (0.25, 1.0, 4.0)):
        np.testing.assert_allclose(row, special.softmax(logits / temperature), rtol=1e-12)


def test_save_figure_fails_loudly_and_writes_no_volatile_metadata(tmp_path):
    figure = figures.render("softmax-temperature")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(figures.FigureWriteError, match="could not write the figure"):
        figures.save_figure(figure, blocker / "x.png")
    with pytest.raises(ValueError, match="format must be one of"):
        figures.save_figure(figure, tmp_path / "x.gif", "gif")
    png = figures.save_figure(figure, tmp_path / "x.png").read_bytes()
    assert b"Matplotlib version" not in png and b"Software\x00probml" in png
    pdf = figures.save_figure(figure, tmp_path / "x.pdf", "pdf").read_bytes()
    assert b"CreationDate" not in pdf and b"Matplotlib" not in pdf
    svg_1 = figures.save_figure(figure, tmp_path / "1.svg", "svg").read_bytes()
    svg_2 = figures.save_figure(figures.render("softmax-temperature"), tmp_path / "2.svg",
                                "svg").read_bytes()
    assert svg_1 == svg_2 and b"<dc:date>" not in svg_1


def test_figures_command_writes_in_parallel_and_rejects_bad_arguments(tmp_path, capsys):
    assert cli.main(["figures", "sigmoid-logit", "softmax-temperature", "--jobs", "2",
                     "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "README.md", "figures.json", "sigmoid-logit.png", "softmax-temperature.png"]
    assert cli.main(["figures", "nope", "--out", str(tmp_path)]) == 2
    assert "no figure named 'nope'" in capsys.readouterr().err
    assert cli.main(["figures", "--jobs", "0", "--out", str(tmp_path)]) == 2


def test_teaching_order_does_not_depend_on_which_topic_was_imported_first():
    from probml._registry import Registry

    registry = Registry("probml.figures", "figure")
    registry.add("late-topic", None, "probml.figures.classification")
    registry.add("first-topic", None, "probml.figures.regression")
    registry.add("first-topic-2", None, "probml.figures.regression")
    assert registry.names() == ["first-topic", "first-topic-2", "late-topic"]
    with pytest.raises(ValueError, match="already registered"):
        registry.add("late-topic", None, "probml.figures.classification")
    with pytest.raises(ValueError, match="not one of probml.figures's topics"):
        registry.add("stray", None, "probml.figures.elsewhere")


_GREEK = ("alpha", "beta", "gamma", "epsilon", "theta", "lambda", "sigma", "tau", "phi", "mu",
          "eta", "kappa", "rho", "pi")


@pytest.mark.parametrize("name", NAMES)
def test_captions_write_symbols_as_math(name):
    """A caption writes $\\sigma^2$, not sigma^2: outside $...$, no powers, subscripts,
    spelled-out Greek letters (but for words such as shifted-beta-geometric and machine
    epsilon) or absolute values."""
    import re

    caption = figures.get(name).caption
    assert caption.count("$") % 2 == 0, f"{name}: unbalanced $"
    prose = re.sub(r"`[^`]*`", "", re.sub(r"\$[^$]*\$", "", caption))
    prose = re.sub(r"\w+(?:-\w+)+|machine epsilon", "", prose)    # hyphenated words
    found = re.findall(r"\w*\^\w*|\b\w+_\w+\b|\|\w+\||\b(?:%s)\b" % "|".join(_GREEK),
                       prose)
    assert not found, f"{name} writes {found} outside math: {caption!r}"
