"""The project as a whole: the quick start, the import cost, the CLI, the doctests."""

import doctest
import functools
import importlib
import json
import os
import pkgutil
import re
import subprocess
import sys

import numpy as np
import pytest

import probml
from probml import cli, datasets

from .conftest import ROOT


def _readme_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick start\n.*?```(?:bash|sh)?\n(.*?)```", text, re.S)
    assert block, "README.md has no fenced block under '## Quick start'"
    return [line.strip() for line in block.group(1).splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_readme_quick_start_is_two_commands_and_ci_runs_the_test_one():
    commands = _readme_commands()
    assert len(commands) == 2
    assert commands[0].endswith("probml tour")
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert script[-1] == commands[1]
    assert "pytest" in script[-1] and ".[test,docs]" in script[-1]
    # ... after installing what the browser checks need, so that CI never skips them.
    assert "tests/tools/install_render_check.sh" in script
    # ... in a virtual environment of its own, made before the install.
    made = next(i for i, line in enumerate(script) if "-m venv" in line)
    activated = next(i for i, line in enumerate(script) if "/bin/activate" in line)
    assert made < activated < len(script) - 1


def test_import_is_light():
    code = ("import sys, probml; heavy = [m for m in ('sympy', 'matplotlib', 'scipy.stats', "
            "'scipy.linalg', 'pandas', 'sklearn', 'tqdm') if m in sys.modules]; print(heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_doctests_of_every_module():
    failures, tried = 0, 0
    for module_info in pkgutil.walk_packages(probml.__path__, "probml."):
        module = importlib.import_module(module_info.name)
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        failures, tried = failures + result.failed, tried + result.attempted
    assert tried > 20
    assert failures == 0


def test_bundled_data_sets():
    four = datasets.load_four_features()
    assert four.data.shape == (20, 4) and four.feature_names == ["x1", "x2", "x3", "x4"]
    np.testing.assert_array_equal(four.target, four.data @ [1, -1, 1, -1])
    hours = datasets.load_study_hours()
    assert hours.data.shape == (12, 1) and hours.target_name == "score"
    passing = datasets.load_study_pass()
    assert set(passing.target) == {0.0, 1.0}
    # Overlapping classes: no threshold on hours separates pass from fail.
    hours_pass = passing.data[passing.target == 1, 0]
    hours_fail = passing.data[passing.target == 0, 0]
    assert hours_pass.min() < hours_fail.max()
    assert list(datasets.load_study_hours(as_frame=True).columns) == ["hours", "score"]


def test_a_data_frame_without_pandas_asks_for_pandas(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)        # import pandas fails
    with pytest.raises(ImportError, match="as_frame=True returns a pandas DataFrame: install"):
        datasets.load_study_hours(as_frame=True)
    assert datasets.load_study_hours().data.shape == (12, 1)


def test_cli_fit_prints_a_summary_with_column_names(capsys):
    path = ROOT / "probml" / "datasets" / "data" / "four_features.csv"
    assert cli.main(["fit", str(path), "--target", "y", "--model", "ridge",
                     "--alpha", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "Ridge regression" in out and "x3" in out
    hours = path.with_name("study_hours.csv")
    assert cli.main(["fit", str(hours), "--target", "score", "--model", "bayes"]) == 0
    out = capsys.readouterr().out
    assert "Log evidence" in out and "hours" in out and "posterior" in out


@pytest.mark.parametrize("content, message", [
    ("a,b,y\n1,2,3\n4,x,6\n", r"line 3, column 'b': 'x' is not a number"),
    ("a,b,y\n1,2,3\n4,,6\n", r"line 3, column 'b': missing value"),
    ("a,b,y\n1,2,3\nNA,5,6\n", r"line 3, column 'a': missing value"),
    ("a,b,y\n1,2,3\n4,5\n", "line 3: 2 cells, but the header has 3"),
    ("a,b,z\n1,2,3\n", "no column 'y'; the columns are"),
    ("", "the file is empty"),
])
def test_cli_fit_errors_name_row_and_column(tmp_path, capsys, content, message):
    path = tmp_path / "data.csv"
    path.write_text(content)
    assert cli.main(["fit", str(path), "--target", "y", "--missing", "raise"]) == 2
    assert re.search(message, capsys.readouterr().err)


def test_cli_fit_missing_file(tmp_path, capsys):
    assert cli.main(["fit", str(tmp_path / "nope.csv"), "--target", "y"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_cli_tour_runs_on_the_bundled_data(capsys):
    # Without its figures (--figures-out ''): test_figures draws each, and
    # tests/test_cli.py::test_the_tour_writes_figures_to_a_new_folder_and_says_where
    # checks that the tour asks for all of them.
    assert cli.main(["tour", "--figures-out", ""]) == 0
    out, err = capsys.readouterr()
    assert "warning" not in err         # the tour says what it shows (an exact fit) itself
    assert "== Figures" not in out and re.search(r"\b(\d+) of \1 passed", out)
    assert "weights [ 1. -1.  1. -1.]" in out
    assert "Ridge is the MAP" in out
    # Full-batch gradient descent lands on the closed-form line; momentum escapes.
    lines = {line.split("  ")[0]: line.split() for line in out.splitlines()}
    descent = lines["full-batch gradient descent"]
    exact = lines["least squares (closed form)"]
    assert descent[-3:-1] == exact[-2:]
    assert "multiplies the odds of passing by 3.223" in out
    assert out.count("ends at x") == 2 and "momentum 0.9      from x = 2.5 ends at x = -1.4840" in out
    assert "P(B > A) = 0.9938 (exact)" in out and "needs 3835 visitors per arm" in out
    assert out.count("LOO mean squared error") == 4


# -- what a reader runs, with what the reader was told to install -------------------------------

def _pyproject_requirements():
    """The runtime requirements and each extra's, as pyproject.toml lists them."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")

    def listed(body):
        return re.findall(r'"([^"]+)"', body)
    runtime = listed(re.search(r"^dependencies = \[(.*?)^\]", text, re.M | re.S).group(1))
    section = text.split("[project.optional-dependencies]", 1)[1].split("\n[", 1)[0]
    extras = {name: listed(body) for name, body in
              re.findall(r"^([\w-]+) = \[(.*?)^\]", section, re.M | re.S)}
    return runtime, extras


def _distributions(requirements):
    """The installed distributions ``requirements`` bring in, dependencies included
    (canonical names), following each requirement's extras."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found, todo = set(), [Requirement(text) for text in requirements]
    while todo:
        requirement = todo.pop()
        key = (canonicalize_name(requirement.name), frozenset(requirement.extras))
        if key in found:
            continue
        found.add(key)
        try:
            needs = metadata.requires(requirement.name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in needs:
            need = Requirement(text)
            if need.marker is None or any(need.marker.evaluate({"extra": extra})
                                          for extra in requirement.extras or {""}):
                todo.append(need)
    return {name for name, _ in found}


@functools.cache
def _modules_of_distributions():
    """``{distribution (canonical name): its top-level modules}``, of what is installed."""
    from importlib import metadata

    from packaging.utils import canonicalize_name

    modules = {}
    for module, names in metadata.packages_distributions().items():
        for name in names:
            modules.setdefault(canonicalize_name(name), set()).add(module)
    return modules


@functools.cache
def _unimportable(allowed_extras):
    """The top-level modules that only the extras not in ``allowed_extras`` (a frozenset)
    provide: what a reader who installed probml with just those extras cannot import."""
    runtime, extras = _pyproject_requirements()
    allowed = _distributions(runtime + [r for e in allowed_extras for r in extras[e]])
    others = _distributions([r for e in extras if e not in allowed_extras for r in extras[e]])
    modules = _modules_of_distributions()
    allowed_modules = {m for name in allowed for m in modules.get(name, ())}
    return sorted({m for name in others - allowed for m in modules.get(name, ())}
                  - allowed_modules)


# Runs steps in order, each with its modules made unimportable, as if never installed.
_RUN_STEPS = r"""
import importlib.abc, json, sys, traceback

class Uninstalled(importlib.abc.MetaPathFinder):
    names = set()

    def find_spec(self, fullname, path, target=None):
        if fullname.split(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None

sys.meta_path.insert(0, Uninstalled())
for step in json.load(sys.stdin):
    Uninstalled.names = set(step["unimportable"])
    try:
        if step["code"] is not None:
            exec(compile(step["code"], step["label"], "exec"), {"__name__": "__main__"})
        else:
            from probml import cli
            try:
                status = cli.main(step["argv"])
            except SystemExit as done:                   # --version, as argparse ends
                status = done.code
            if status != 0:
                raise RuntimeError(f"exit status {status}")
    except BaseException:
        print(f"{step['label']} failed with only {step['installed']} installed:",
              file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
"""

_INSTALL = re.compile(r"pip install\s+(?:-\S+\s+)*[\"']?(?:\.|probml)(?:\[([\w,\s-]*)\])?")


def _examples(path):
    """The steps of a page: each ``python`` block, and each ``probml fit`` command of a
    ``bash`` block, with what the text before it told the reader to install.

    ``pip install .`` installs the runtime dependencies and ``pip install
    "probml[formula]"`` (or ``".[formula]"``) adds an extra; the test suite's
    command (``... && python3 -m pytest``) installs for the tests, not for the reader's
    examples.
    """
    text = path.read_text(encoding="utf-8")
    installed, steps = set(), []
    position = 0
    for block in re.finditer(r"```(\w*)\n(.*?)```", text, re.S):
        for line in text[position:block.start()].splitlines():
            if "pytest" not in line:
                for extras in _INSTALL.findall(line):
                    installed |= {e.strip() for e in extras.split(",") if e.strip()}
        position = block.start()
        label = f"{path.name} line {text.count(chr(10), 0, block.start()) + 1}"
        state = {"installed": ["probml", *sorted(installed)],
                 "unimportable": _unimportable(frozenset(installed)), "label": label}
        if block.group(1) == "python":
            steps.append({**state, "code": block.group(2)})
        elif block.group(1) == "bash":
            steps += [{**state, "code": None, "argv": _probml_argv(line)}
                      for line in block.group(2).splitlines()
                      if line.startswith(("probml fit ", "probml --version"))]
    return steps


def _probml_argv(line):
    import shlex

    return [str(ROOT / arg) if arg.startswith("probml/datasets/") else arg
            for arg in shlex.split(line, comments=True)[1:]]


@pytest.mark.parametrize("page", ["README.md", "docs/getting-started.md"])
def test_every_example_runs_with_just_what_the_page_said_to_install(page, tmp_path):
    """Each code block of the page runs in a fresh process where the packages that the
    page has not yet told the reader to install cannot be imported."""
    steps = _examples(ROOT / page)
    assert sum(step["code"] is not None for step in steps) >= 2
    assert "pandas" in steps[0]["unimportable"]          # a reader who ran pip install .
    result = subprocess.run([sys.executable, "-c", _RUN_STEPS], input=json.dumps(steps),
                            capture_output=True, text=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"})
    assert result.returncode == 0, result.stderr[-3000:]
    if page == "README.md":
        assert sum(step["code"] is None for step in steps) >= 5        # probml fit commands
        assert (tmp_path / "predictions.csv").read_text().startswith("mean,mean_se,")


def test_the_docs_extra_holds_what_the_notebooks_import():
    """Every notebook's imports succeed where only the runtime dependencies and the
    ``[docs]`` extra are installed (``probml docs`` executes every notebook)."""
    import ast

    imports = []
    for path in sorted((ROOT / "docs" / "notebooks").glob("[0-9][0-9]-*.md")):
        text = path.read_text(encoding="utf-8")
        for cell in re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, re.S):
            # IPython's magics (%pip, %matplotlib) are not Python: a pass in their place.
            code = "\n".join(re.sub(r"^(\s*)[%!].*", r"\1pass", line)
                              for line in cell.splitlines())
            for node in ast.walk(ast.parse(code)):
                names = ([node.module] if isinstance(node, ast.ImportFrom) and not node.level
                         else [a.name for a in node.names] if isinstance(node, ast.Import)
                         else [])
                # probml's own modules and the standard library's come with probml itself.
                if any(name.split(".")[0] not in (*sys.stdlib_module_names, "probml")
                       for name in names):
                    imports.append(f"{ast.unparse(node)}  # {path.name}")
    assert any("dask" in line for line in imports)
    step = {"code": "\n".join(imports), "installed": ["probml[docs]"],
            "unimportable": _unimportable(frozenset({"docs"})),
            "label": "the notebooks' imports"}
    assert "sklearn" in step["unimportable"]              # the blocker blocks
    result = subprocess.run([sys.executable, "-c", _RUN_STEPS], input=json.dumps([step]),
                            capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]


def test_every_module_compiles_without_a_warning():
    """An invalid escape in a docstring is a SyntaxWarning printed at a user's first import."""
    import warnings

    for path in sorted((ROOT / "probml").rglob("*.py")):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            compile(path.read_text(encoding="utf-8"), str(path), "exec")


def test_no_string_holds_a_control_character():
    r"""A valid escape can be a wrong one: ``"\alpha"`` is a bell and ``"\top"`` a tab
    followed by "op", so LaTeX in a docstring that is not raw renders wrong, silently."""
    import ast

    offences = []
    for path in sorted((ROOT / "probml").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and any(
                    character in node.value for character in "\a\b\t\v\f\r"):
                offences.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offences, offences


def test_the_licence_and_the_supported_pythons_are_stated_consistently():
    import re
    import sys

    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'license = "BSD-3-Clause"' in pyproject and 'license-files = ["LICENSE"]' in pyproject
    assert (ROOT / "LICENSE").read_text().startswith("BSD 3-Clause License")
    minimum = re.search(r'requires-python = ">=3\.(\d+)"', pyproject).group(1)
    versions = [int(v) for v in re.findall(r"Python :: 3\.(\d+)", pyproject)]
    assert min(versions) == int(minimum) and versions == list(range(min(versions),
                                                                    max(versions) + 1))
    assert sys.version_info[:2] >= (3, int(minimum))
    assert f"Python 3.{minimum} or newer" in (ROOT / "README.md").read_text()
