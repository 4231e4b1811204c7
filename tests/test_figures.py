"""Figures: each renders, matches its committed PNG, and marks the library's numbers."""

import functools
from pathlib import Path

import numpy as np
import pytest
from matplotlib.testing.compare import compare_images
from scipy import special

from probml import cli, figures
from probml.datasets import load_study_hours
from probml.figures._gallery import gallery

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "figures"
NAMES = figures.names()


@functools.cache
def rendered(name):
    """Each figure drawn once per test session (the tests only read them)."""
    return figures.render(name)


@functools.cache
def built(name):
    """Each figure as built, before its numbers are rounded for drawing (to check them)."""
    return figures.render(name, quantise=False)


def test_registry_lists_every_figure_and_rejects_unknown_names():
    assert NAMES == [
        "least-squares-squares", "loss-surface-paths", "learning-rate",
        "learning-rate-schedules", "robust-losses", "epochs-and-early-stopping",
        "local-minima-and-saddles", "sigmoid-logit", "softmax-temperature",
        "binary-cross-entropy", "logistic-regression-band", "perfect-separation",
        "gaussian-mle", "bayes-theorem", "bayesian-linear-sequential", "ridge-as-map",
        "norm-balls", "regularization-paths", "bias-variance-bullseye", "bias-variance-degree",
        "splits-and-cross-validation", "ab-test", "pvalues-and-peeking", "cohort-retention",
        "finite-differences"]
    with pytest.raises(KeyError, match="no figure named 'nope'"):
        figures.get("nope")
    for name in NAMES:
        spec = figures.get(name)
        assert spec.caption.endswith(".") and spec.concept
        if spec.derivation:
            assert (ROOT / "derivations" / f"{spec.derivation}.md").is_file()


@pytest.mark.parametrize("name", NAMES)
def test_figure_matches_the_committed_png(name, tmp_path):
    written = figures.save_figure(rendered(name), tmp_path / f"{name}.png")
    committed = COMMITTED / f"{name}.png"
    assert committed.is_file(), f"figures/{name}.png is missing: run `probml figures {name}`"
    difference = compare_images(str(committed), str(written), tol=2.0)
    assert difference is None, f"figures/{name}.png is stale: run `probml figures {name}`"


def test_gallery_is_current_and_lists_only_registered_figures():
    page = (COMMITTED / "README.md").read_text(encoding="utf-8")
    assert page == gallery([figures.get(n) for n in NAMES])
    assert sorted(p.stem for p in COMMITTED.glob("*.png")) == sorted(NAMES)


def test_least_squares_figure_marks_the_library_fit_and_rss():
    hours = load_study_hours()
    x, y = hours.data[:, 0], hours.target
    A = np.column_stack([np.ones_like(x), x])
    (intercept, slope), rss, *_ = np.linalg.lstsq(A, y, rcond=None)
    ax = built("least-squares-squares").axes[0]
    assert f"{rss[0]:.2f}" in ax.get_title()
    line = ax.lines[-1]
    xs, ys = line.get_data()
    np.testing.assert_allclose(np.diff(ys) / np.diff(xs), slope, rtol=1e-10)
    np.testing.assert_allclose(ys[0] - slope * xs[0], intercept, rtol=1e-10)
    # The squares' heights are the residuals' sizes, and there is one per student.
    heights = sorted(patch.get_height() for patch in ax.patches)
    np.testing.assert_allclose(heights, sorted(np.abs(y - A @ [intercept, slope])),
                               rtol=1e-10)


def test_sigmoid_figure_draws_the_sigmoid_and_its_inverse():
    left = built("sigmoid-logit").axes[0]
    z, s = left.lines[0].get_data()
    np.testing.assert_allclose(s, special.expit(z), rtol=1e-14)
    p, logit = left.lines[1].get_data()
    np.testing.assert_allclose(logit, special.logit(p), rtol=1e-12)


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
    assert b"Matplotlib version" not in png and b"Software" not in png
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
        "README.md", "sigmoid-logit.png", "softmax-temperature.png"]
    assert cli.main(["figures", "nope", "--out", str(tmp_path)]) == 2
    assert "no figure named 'nope'" in capsys.readouterr().err
    assert cli.main(["figures", "--jobs", "0", "--out", str(tmp_path)]) == 2


def test_teaching_order_does_not_depend_on_which_topic_was_imported_first():
    from probml._registry import Registry

    registry = Registry("probml.figures", ("regression", "links"), "figure")
    registry.add("late-topic", None, "probml.figures.links")
    registry.add("first-topic", None, "probml.figures.regression")
    registry.add("first-topic-2", None, "probml.figures.regression")
    assert registry.names() == ["first-topic", "first-topic-2", "late-topic"]
    with pytest.raises(ValueError, match="already registered"):
        registry.add("late-topic", None, "probml.figures.links")
    with pytest.raises(ValueError, match="not one of probml.figures's topics"):
        registry.add("stray", None, "probml.figures.elsewhere")
