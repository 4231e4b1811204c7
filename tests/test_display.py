"""What a notebook shows: estimators, summaries, derivations and verification reports
render richly (``_repr_html_``, ``_repr_markdown_``), and the HTML is well formed."""

import dataclasses
import re
from html.parser import HTMLParser

import numpy as np
import pytest

import probml
from probml import _tables, derivations
from probml.derivations import Check, Report
from probml.likelihood import GLM, fit_distribution


class _Balanced(HTMLParser):
    """Fails on a closing tag that does not match the open one; collects the text."""

    def __init__(self):
        super().__init__()
        self.open, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open.pop() == tag, f"</{tag}> closes nothing open"

    def handle_data(self, data):
        self.text.append(data)


def html_text(markup):
    parser = _Balanced()
    parser.feed(markup)
    parser.close()
    assert parser.open == [], f"unclosed tags {parser.open}"
    return " ".join(parser.text)


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 2))
    return X, X @ [1.0, -2.0] + rng.normal(size=40)


@pytest.mark.parametrize("make", [
    lambda: probml.LinearRegression(cov_type="HC3"), lambda: probml.Ridge(alpha=2.0),
    lambda: probml.Lasso(alpha=0.1), lambda: probml.BayesianLinearRegression(),
    lambda: GLM("gaussian")])
def test_an_estimator_shows_its_parameters_then_its_summary(make):
    estimator = make()
    before = html_text(estimator._repr_html_())
    assert before == repr(estimator)
    X, y = _data()
    text = html_text(estimator.fit(X, y)._repr_html_())
    summary = estimator.summary()
    assert summary.title in text
    for record in summary.to_dict()["parameters"]:       # every estimate is on show
        assert record["name"] in text


def test_a_logistic_fit_shows_its_coefficients_as_the_text_summary_does():
    X, y = _data()
    fitted = probml.LogisticRegression().fit(X, (y > 0).astype(int))
    text = html_text(fitted._repr_html_())
    lines = str(fitted.summary()).splitlines()
    row = next(line for line in lines if line.startswith("x1"))
    for cell in row.split():
        assert cell in text


def test_a_likelihood_fit_renders_its_table():
    rng = np.random.default_rng(1)
    fitted = fit_distribution(rng.gamma(2.0, 3.0, size=200), "gamma")
    text = html_text(fitted._repr_html_())
    assert "gamma" in text and all(name in text for name in fitted.summary().to_dict()[
        "statistics"])


def test_derivations_and_their_verification_render_as_markdown():
    derivation = derivations.get("gaussian-mle")
    assert derivation._repr_markdown_() == derivation.to_markdown(figures=False)
    illustrated = dataclasses.replace(derivation, figures=[("gaussian-mle", "a caption")])
    assert "../figures/gaussian-mle.png" in illustrated.to_markdown()
    assert "../figures/" not in illustrated._repr_markdown_()
    report = derivation.verify()
    shown = report._repr_markdown_()
    assert shown.startswith("Verification of `gaussian-mle`: passed")
    assert shown.count("| pass") == 3
    failed = Report("made-up", Check(True), Check(False, 1e-3, 1e-8), Check(True), 0.1)
    assert "**FAILED**" in failed._repr_markdown_()
    assert "FAIL (1.0e-03)" in failed._repr_markdown_()


def _fits():
    """A fit of every kind of summary, on 40 rows."""
    import sympy as sp

    from probml.likelihood import NonlinearRegression

    X, y = _data()
    rng = np.random.default_rng(2)
    t, b1, b2 = sp.symbols("t b1 b2")
    days = np.linspace(1, 20, 40)
    return [probml.LinearRegression().fit(X, y), probml.Ridge(alpha=2.0).fit(X, y),
            probml.Lasso(alpha=0.1).fit(X, y), probml.BayesianLinearRegression().fit(X, y),
            probml.LogisticRegression().fit(X, (y + rng.normal(size=40) > 0).astype(int)),
            GLM("poisson").fit(X, rng.poisson(2.0, size=40)),
            fit_distribution(rng.gamma(2.0, 3.0, size=40), "gamma"),
            NonlinearRegression(b1 * (1 - sp.exp(-b2 * t)), x=t, params=[b1, b2],
                                start=[10, 0.1]).fit(days, 10 * (1 - np.exp(-0.2 * days))
                                                     + rng.normal(0, 0.1, size=40))]


# What each summary counts: rows, degrees of freedom, iterations, non-zero coefficients.
_COUNT = re.compile(r"^(No\. observations|Observations|Df |.*[Ii]terations|Sweeps|Non-zero)")


@pytest.mark.filterwarnings("ignore::probml.ProbmlWarning")
@pytest.mark.parametrize("fitted", _fits(), ids=lambda fitted: type(fitted).__name__)
def test_counts_are_whole_numbers_in_text_html_and_data(fitted):
    summary = fitted.summary()
    statistics = summary.to_dict()["statistics"]
    counts = {key: value for key, value in statistics.items() if _COUNT.match(key)}
    assert counts and all(type(value) is int for value in counts.values()), counts
    # (The GLM's summary leaves n out for now: its own change adds it.)
    assert counts.get("No. observations", counts.get("Observations", 40)) == 40
    text, page = str(summary), html_text(summary._repr_html_())
    for key, value in counts.items():
        assert re.search(rf"{re.escape(key)}:\s+{value}(\s|$)", text, re.M), (key, text)
        assert f"{key} {value} " in page + " ", (key, page)
    # Statistics that are numbers are numbers, not text.
    for key, value in statistics.items():
        assert not (isinstance(value, str) and _tables._is_number(value)), (key, value)
