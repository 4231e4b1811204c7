"""The derivations: each verifies, each can fail, and the committed pages are current."""

import re

import sympy as sp
import pytest

from probml import cli, derivations

from .conftest import ROOT

NAMES = derivations.names()


def test_the_registry_has_every_derivation_of_the_issue():
    # In teaching order: by topic (probml._registry.TOPICS), then as defined.
    assert NAMES == [
        "mse-gradient", "normal-equations", "vectorised-gradient",           # regression
        "logistic-inverse-logit", "cross-entropy-gradient",                  # classification
        "gaussian-mle", "bernoulli-mle", "losses-as-likelihoods",            # likelihood
        "entropy-cross-entropy-kl", "poisson-daily-counts", "weibull-time-to-churn", "growth-curve",
        "beta-bernoulli", "bayesian-linear-posterior",                       # bayes
        "ridge-as-map", "lasso-as-map",                                      # regularization
        "gradient-descent-step-size", "feature-scaling",                     # optimization
        "adam-bias-correction",
        "l2-penalty-weight-decay", "convexity", "backpropagation",
        "bias-variance",                                                     # selection
        "two-proportion-z-test", "sample-size",                              # hypothesis tests
        "survivorship-bias", "multi-touch-attribution",                      # growth
        "derivative-from-limit"]                                             # calculus
    with pytest.raises(KeyError, match="no derivation named 'nope'.*mse-gradient"):
        derivations.get("nope")


@pytest.mark.parametrize("name", NAMES)
def test_every_derivation_verifies_three_ways(name):
    derivation = derivations.get(name)
    report = derivation.verify()
    assert report.symbolic.passed, report.symbolic
    assert report.scipy.passed, report.scipy
    assert report.probml.passed, report.probml
    assert derivation.steps and derivation.results and derivation.concepts
    assert all(step.text.strip() for step in derivation.steps)


def _wrong(name, key, change):
    derivation = derivations.get(name)
    derivation.results[key] = change(derivation.results[key])
    return derivation.verify()


@pytest.mark.parametrize("name, key, change", [
    ("mse-gradient", "dL/dw", lambda r: r / 2),                      # forgot the 2
    ("logistic-inverse-logit", "p(z)",
     lambda r: r.subs(sp.Symbol("z", real=True), -sp.Symbol("z", real=True))),
    ("gaussian-mle", "sigma2_hat", lambda r: r * sp.Rational(5, 4)),  # 1/(n-1) is not the MLE
    ("beta-bernoulli", "posterior mean", lambda r: r + sp.Rational(1, 100)),
    ("ridge-as-map", "w_MAP", lambda r: r * sp.Rational(101, 100)),
    ("cross-entropy-gradient", "dCCE/dz_j", lambda r: -r),
    ("bayesian-linear-posterior", "posterior mean", lambda r: r * 2),
    ("lasso-as-map", "w_MAP",                                         # hard, not soft,
     lambda r: sp.Piecewise((sp.Symbol("z", real=True),              # thresholding
                             sp.Abs(sp.Symbol("z", real=True)) > sp.Symbol("alpha",
                                                                           positive=True)),
                            (0, True))),
    ("two-proportion-z-test", "z", lambda r: r * sp.Rational(99, 100)),
    ("sample-size", "n per arm", lambda r: r / 2),                   # one arm's variance
    ("normal-equations", "slope", lambda r: r * sp.Rational(101, 100)),
    ("entropy-cross-entropy-kl", "minimiser q_k", lambda r: r ** 2),
    ("vectorised-gradient", "entry j", lambda r: r * 2),             # a factor 2 lost
    ("convexity", "network loss at the midpoint", lambda r: r / 2),
    ("feature-scaling", "eigenvalues",                                # s forgotten: s = 1
     lambda r: [e.subs(sp.Symbol("s", positive=True), 1) for e in r]),
    ("backpropagation", "tanh'", lambda r: 1 - sp.tanh(sp.Symbol("a", real=True))),
    ("survivorship-bias", "retention rate", lambda r: 1 - r),        # churn, not retention
    ("multi-touch-attribution", "Shapley value of a unanimity game",  # split by touches
     lambda r: r / 2),
    ("l2-penalty-weight-decay", "AdamW first step",                   # decay divided by
     lambda r: r.subs(sp.Symbol("lambda", positive=True),             # Adam's step
                      sp.Symbol("lambda", positive=True) / 2)),
])
def test_a_wrong_closed_form_is_rejected_by_every_part(name, key, change):
    report = _wrong(name, key, change)
    assert not report.passed
    assert not report.symbolic.passed
    assert not (report.scipy.passed and report.probml.passed)


def test_a_result_that_breaks_the_check_fails_instead_of_crashing():
    report = _wrong("gaussian-mle", "mu_hat", lambda r: "not an expression")
    assert not report.passed and "raised" in report.symbolic.detail


def test_pages_are_current(tmp_path):
    # The repository's layout: the pages link the figures beside them.
    (tmp_path / "figures").symlink_to(ROOT / "figures", target_is_directory=True)
    out = tmp_path / "derivations"
    assert cli.main(["derive", "--out", str(out)]) == 0
    committed = ROOT / "derivations"
    generated = sorted(path.name for path in out.iterdir())
    assert generated == sorted(path.name for path in committed.iterdir()), (
        "derivations/ is out of date: run `probml derive`")
    for name in generated:
        assert (out / name).read_text() == (committed / name).read_text(), (
            f"derivations/{name} is stale: run `probml derive`")


MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)[^)]*\)")


@pytest.mark.parametrize("installed", [False, True])
def test_derive_elsewhere_writes_only_links_that_resolve(tmp_path, monkeypatch, installed):
    """`probml derive` from another folder links the clone's figures by a path that
    resolves from the page; an installed probml (no figures) names the command that
    draws each figure instead of linking to a file that does not exist."""
    pages = ["poisson-daily-counts", "weibull-time-to-churn"]
    monkeypatch.setattr(derivations, "names", lambda: pages)   # two pages: a quick run
    if installed:
        monkeypatch.setattr(cli, "CLONE_FIGURES", tmp_path / "no-figures")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["derive", "--out", "elsewhere/pages"]) == 0
    for page in (tmp_path / "elsewhere" / "pages").glob("*.md"):
        for target in MARKDOWN_LINK.findall(page.read_text()):
            assert (page.parent / target).exists(), (page.name, target)
    shown = (tmp_path / "elsewhere" / "pages" / "weibull-time-to-churn.md").read_text()
    assert ("![weibull-time-to-churn](" in shown) is not installed
    assert ("`probml figures weibull-time-to-churn`" in shown) is installed


def test_pages_read_as_markdown_with_latex():
    page = derivations.get("logistic-inverse-logit").to_markdown()
    assert page.startswith("# The logistic function is the inverse of the logit")
    assert "$$ \\sigma(z) = \\frac{1}{1 + e^{- z}} $$" in page
    assert derivations.get("mse-gradient")._repr_markdown_().startswith("# ")
    index = (ROOT / "derivations" / "README.md").read_text()
    assert "[Ridge regression is the MAP under a Gaussian prior](ridge-as-map.md)" in index
    assert "**MAP**" in index


# What SymPy prints for a Boolean, an undefined value or an unfilled slot: a page
# that shows one shows something that was not derived.
_NOT_DERIVED = (r"\text{True}", r"\text{False}", r"\mathrm{True}", r"\mathrm{False}",
                r"\text{NaN}", r"\tilde{\infty}", r"\text{None}", "None", "nan", "zoo",
                "TODO", "placeholder", "<...>")


@pytest.mark.parametrize("name", NAMES)
def test_a_page_shows_only_what_was_derived(name):
    import re

    page = derivations.get(name).to_markdown()
    # Words only as whole words ("nan" in "unanimity" is prose).
    found = [token for token in _NOT_DERIVED
             if re.search(rf"\b{re.escape(token)}\b" if token.isalpha() else re.escape(token),
                          page)]
    assert not found, f"{name}: the page shows {found}"
    # Display math stands on its own line, never indented into a list item.
    for line in page.splitlines():
        assert not (line.lstrip().startswith("$$") and line != line.lstrip()), line


def test_a_step_that_evaluates_to_a_boolean_is_refused():
    from probml.derivations import Step
    from probml._derivation import Eq

    label, matrix = sp.Symbol("S"), sp.Matrix([[1, 0], [0, 1]])
    with pytest.raises(TypeError, match="Boolean"):
        Step("its precision is", sp.Eq(label, matrix))
    assert "S =" in sp.latex(Step("its precision is", Eq(label, matrix)).expr)


def test_check_command_prints_a_table_and_fails_on_unknown_names(capsys):
    assert cli.main(["check", "bernoulli-mle", "lasso-as-map"]) == 0
    out = capsys.readouterr().out
    assert "bernoulli-mle" in out and "2 of 2 passed" in out and "vs SciPy" in out
    assert cli.main(["check", "no-such"]) == 2
    assert "no derivation named 'no-such'" in capsys.readouterr().err


def test_check_in_several_processes_prints_the_same_table_in_the_same_order(capsys):
    names = ["lasso-as-map", "bernoulli-mle", "l2-penalty-weight-decay"]
    tables = []
    for jobs in ("1", "2"):
        assert cli.main(["check", "--jobs", jobs, *names]) == 0
        lines = capsys.readouterr().out.splitlines()
        tables.append([line[:76] for line in lines[2:-1]])     # without the timings
    assert tables[0] == tables[1]
    assert [line.split()[0] for line in tables[1]] == names
    assert cli.main(["check", "--jobs", "0", "bernoulli-mle"]) == 2
    assert "--jobs must be a whole number >= 1" in capsys.readouterr().err


def test_the_gaussian_mle_is_derived_for_a_sample_of_any_size():
    """Sums over i = 1..n with n a symbol, never a fixed sample; the textbook forms
    (1/n) sum x_i and (1/n) sum (x_i - xbar)^2 are the results (the symbolic check
    proves it), and E[sigma_hat^2] = (n - 1) sigma^2 / n holds for every n."""
    derivation = derivations.get("gaussian-mle")
    results = derivation.results
    n = sp.Symbol("n", integer=True, positive=True)
    for key in ("mu_hat", "sigma2_hat"):
        sums = results[key].atoms(sp.Sum)
        assert sums and all(s.limits[0][1:] == (1, n) for s in sums)
    sigma2 = sp.Symbol("sigma^2", positive=True)
    for size in range(2, 12):
        assert results["E[sigma2_hat]"].subs(n, size) == sp.Rational(size - 1, size) * sigma2
    page = derivation.to_markdown()
    assert "x_{1}" not in page and "x_{5}" not in page
    assert r"\left({x}_{i} - \bar x\right)^{2}" in page         # as a textbook writes it


@pytest.mark.parametrize("name", NAMES)
def test_every_page_has_a_try_it_block_that_runs(name):
    """The page's few lines of probml run as printed, without a warning."""
    import contextlib
    import io
    import warnings

    derivation = derivations.get(name)
    assert derivation.try_it, f"{name} has no Try it block"
    page = derivation.to_markdown()
    code = "\n".join(derivation.try_it)
    assert f"## Try it\n\n```python\n{code}\n```" in page
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("error")
        exec(compile(code, f"<{name}: Try it>", "exec"), {})


_GREEK = ("alpha", "beta", "gamma", "epsilon", "theta", "lambda", "sigma", "tau",
          "phi", "mu", "eta")


@pytest.mark.parametrize("name", NAMES)
def test_symbols_in_the_prose_are_math(name):
    """The steps' sentences write symbols as math ($\\sigma^2$, not sigma^2): outside
    $...$ and `code`, no powers, subscripts, spelled-out Greek letters, single-letter
    variables or relations."""
    import re

    for number, step in enumerate(derivations.get(name).steps, start=1):
        assert step.text.count("$") % 2 == 0, f"{name} step {number}: unbalanced $"
        prose = re.sub(r"`[^`]*`", "", re.sub(r"\$[^$]*\$", "", step.text))
        found = re.findall(r"\w*\^\w*|\b\w+_\w+\b|\b(?:%s)\b" % "|".join(_GREEK), prose)
        # Nor single-letter variables (but the articles a, A and I, and arm B) or relations.
        found += re.findall(r"(?<![\w'-])(?!a\b|A\b|B\b|I\b)[a-zA-Z](?![\w'-])|[=<>]", prose)
        assert not found, f"{name} step {number} writes {found} outside math: {step.text!r}"
