"""The command line: one clear line and a non-zero exit for every failure, and safe file writing."""

import csv
import io
import json
import os
import re
import stat
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import probml
import probml.likelihood
from probml import _tables, cli

from .conftest import ROOT


def run(capsys, *argv):
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_clear_line(status, err, *fragments):
    assert status != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


# -- reading data ------------------------------------------------------------------------------

@pytest.mark.parametrize("content, fragments", [
    ("a,y\n" + "1" * 200_000 + ",2\n", ["not a CSV file probml can read"]),
    ("a,y\n1,1e200\n2,-1e200\n3,3e200\n", ["beyond double precision", "rescale"]),
    ("a,a,y\n1,2,3\n", ["names 'a' more than once"]),
    ("a,y\n1,2\n", ["n_samples=1"]),
    ("a\tb,y\n1,2\n2,3\n3,5\n", []),
])
def test_bad_files_get_one_line(tmp_path, capsys, content, fragments):
    path = tmp_path / "data.csv"
    path.write_text(content)
    status, out, err = run(capsys, "fit", str(path), "--target", "y")
    if not fragments:                       # a control character in a name is escaped
        assert status == 0 and "a\\tb" in out and "\t" not in out.split("a\\tb")[0][-3:]
        return
    assert_one_clear_line(status, err, *fragments)


@pytest.mark.parametrize("columns, message", [(1_000_000, "longer than 1,048,576 characters"),
                                              (20_000, "20,001 columns")])
def test_a_very_wide_header_with_ridge_is_refused_without_allocating(tmp_path, capsys, columns,
                                                                     message):
    path = tmp_path / "wide.csv"
    header = ",".join(f"x{j}" for j in range(columns)) + ",y\n"
    path.write_text(header + ",".join("1" for _ in range(columns + 1)) + "\n")
    status, _, err = run(capsys, "fit", str(path), "--target", "y", "--model", "ridge")
    assert_one_clear_line(status, err, message)


def test_an_endless_device_is_refused_quickly(capsys):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero on this system")
    status, _, err = run(capsys, "fit", "/dev/zero", "--target", "y")
    assert_one_clear_line(status, err, "/dev/zero")


def test_a_bom_is_ignored_and_a_pandas_index_is_not_a_feature(tmp_path, capsys):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"hours": [1.0, 2.0, 3.0, 4.0, 5.0],
                          "score": [2.0, 4.1, 5.9, 8.2, 9.9]}, index=[10, 20, 30, 40, 50])
    path = tmp_path / "with_index.csv"
    frame.to_csv(path, encoding="utf-8-sig")          # an unnamed index column and a BOM
    status, out, err = run(capsys, "fit", str(path), "--target", "score")
    assert status == 0 and "hours" in out
    assert "has no name (a saved index); it is not used as a feature" in err
    assert "x0" not in out and "Unnamed" not in out


def test_missing_target_lists_printable_names(tmp_path, capsys):
    path = tmp_path / "data.csv"
    path.write_text("a\x1b[31m,b\n1,2\n")
    status, _, err = run(capsys, "fit", str(path), "--target", "y")
    assert_one_clear_line(status, err, "no column 'y'")
    assert "\x1b" not in err


# -- writing files -----------------------------------------------------------------------------

def test_figures_out_through_a_file_or_a_read_only_folder(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    status, _, err = run(capsys, "figures", "sigmoid-logit", "--out", str(blocker))
    assert_one_clear_line(status, err, "is a file, not a folder")
    if os.geteuid() == 0:
        pytest.skip("root can write into read-only folders")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        status, _, err = run(capsys, "figures", "sigmoid-logit", "--out", str(locked))
        assert_one_clear_line(status, err, "not writable")
    finally:
        locked.chmod(stat.S_IRWXU)


def test_derive_out_onto_a_file_or_an_unwritable_folder(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    status, _, err = run(capsys, "derive", "mse-gradient", "--out", str(blocker))
    assert_one_clear_line(status, err, "is a file, not a folder")
    status, _, err = run(capsys, "derive", "mse-gradient", "--out", "/proc/probml-cannot")
    assert_one_clear_line(status, err, "cannot create the folder")


def test_a_planted_symlink_is_not_written_through(tmp_path, capsys):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / "README.md").symlink_to(victim)
    status, _, err = run(capsys, "figures", "sigmoid-logit", "--out", str(out))
    assert_one_clear_line(status, err, "symbolic link")
    assert victim.read_text() == "precious"
    assert not (out / "sigmoid-logit.png").exists()       # refused before drawing anything


@pytest.mark.parametrize("command, name, file", [("figures", "sigmoid-logit", "README.md"),
                                                  ("derive", "mse-gradient", "mse-gradient.md")])
def test_files_probml_did_not_write_are_left_alone(command, name, file, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / file).write_text("my notes")
    status, _, err = run(capsys, command, name, "--out", str(out))
    assert_one_clear_line(status, err, "was not written by probml")
    assert (out / file).read_text() == "my notes"


def test_probml_rewrites_its_own_files_atomically(tmp_path, capsys):
    assert run(capsys, "figures", "sigmoid-logit", "--out", str(tmp_path))[0] == 0
    first = (tmp_path / "sigmoid-logit.png").read_bytes()
    assert run(capsys, "figures", "sigmoid-logit", "--out", str(tmp_path))[0] == 0
    assert (tmp_path / "sigmoid-logit.png").read_bytes() == first
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]   # no temporary left


def test_many_jobs_are_capped(tmp_path, capsys):
    from probml.figures.gallery import write_figures

    written = write_figures(["sigmoid-logit"], tmp_path, jobs=64)
    assert list(written) == ["sigmoid-logit"]


# -- the tour ----------------------------------------------------------------------------------

def test_the_tour_writes_figures_to_a_new_folder_and_says_where(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "README.md").write_text("someone else's")
    monkeypatch.setattr(cli, "figures_command", lambda args: print(
        f"drawn into {args.out}" if args.names == [] and args.format == "png" else "not all"))
    assert cli.main(["tour"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("drawn into"))
    folder = line.split("drawn into ", 1)[1]
    assert "probml-tour-figures-" in folder and os.path.isdir(folder)
    assert f"redrawn into {folder}" in out
    assert (tmp_path / "figures" / "README.md").read_text() == "someone else's"


def test_no_traceback_ever_reaches_the_user(capsys, monkeypatch):
    def broken(args):
        raise RuntimeError("a bug")
    monkeypatch.setattr(cli, "check_command", broken)
    parser_run = cli.build_parser
    monkeypatch.setattr(cli, "build_parser", lambda: _with(parser_run(), "check", broken))
    status, _, err = run(capsys, "check")
    assert_one_clear_line(status, err, "internal error (RuntimeError: a bug)")


def _with(parser, command, function):
    parser._subparsers._group_actions[0].choices[command].set_defaults(run=function)
    return parser


def test_the_command_itself_never_prints_a_traceback(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,y\n1,x\n")
    result = subprocess.run([sys.executable, "-m", "probml.cli", "fit", str(path), "--target",
                             "y"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1


# -- probml fit: models, formats, predictions ---------------------------------------------------

def _frame_csv(tmp_path, name="data.csv", sep=",", rows=60, seed=0):
    """A small data set with a numeric target, counts, classes and a categorical column."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=rows), rng.uniform(0, 2, size=rows)
    group = np.array(["north", "south", "west"])[np.arange(rows) % 3]
    y = 1.0 + 2.0 * x1 - x2 + (group == "south") * 0.7 + rng.normal(size=rows)
    counts = rng.poisson(np.exp(0.3 + 0.4 * x1))
    passed = (rng.random(rows) < 1 / (1 + np.exp(-x1))).astype(int)
    weight = 0.5 + rng.random(rows)
    header = ["x1", "x2", "group", "y", "counts", "passed", "weight"]
    lines = [sep.join(header)]
    for row in zip(x1, x2, group, y, counts, passed, weight):
        lines.append(sep.join(repr(float(v)) if isinstance(v, float) else str(v) for v in row))
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    columns = {"x1": x1, "x2": x2, "group": group, "y": y, "counts": counts.astype(float),
               "passed": passed, "weight": weight}
    return path, columns


def _json(capsys, *argv):
    status = cli.main(list(argv) + ["--format", "json"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return json.loads(captured.out), captured.err


def _design(columns, features):
    parts = []
    for name in features:
        if name == "group":
            parts += [(columns["group"] == level).astype(float) for level in ("south", "west")]
        else:
            parts.append(columns[name])
    return np.column_stack(parts)


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"probml {probml.__version__}"


@pytest.mark.parametrize("model, target, expected", [
    ("linear", "y", lambda: probml.LinearRegression()),
    ("ridge", "y", lambda: probml.Ridge(alpha=2.0)),
    ("lasso", "y", lambda: probml.Lasso(alpha=0.1)),
    ("logistic", "passed", lambda: probml.LogisticRegression()),
    ("poisson", "counts", lambda: probml.likelihood.GLM("poisson")),
    ("gamma", "weight", lambda: probml.likelihood.GLM("gamma", "log")),
])
def test_every_model_from_the_command_line_equals_the_python_fit(tmp_path, capsys, model,
                                                                 target, expected):
    path, columns = _frame_csv(tmp_path)
    features = ["x1", "x2", "group"]
    argv = ["fit", str(path), "--target", target, "--features", *features, "--model", model]
    if model in ("ridge", "lasso"):
        argv += ["--alpha", "2.0" if model == "ridge" else "0.1"]
    if model == "gamma":
        argv += ["--link", "log"]
    record, err = _json(capsys, *argv)
    assert "group is categorical: 3 levels, reference level 'north'" in record["notes"]
    names = ["x1", "x2", "group[T.south]", "group[T.west]"]
    fitted = expected().fit(pd.DataFrame(_design(columns, features), columns=names),
                            columns[target])
    estimates = {p["name"]: p["coef"] for p in record["parameters"]}
    reference = {p["name"]: p["coef"] for p in fitted.summary().to_dict()["parameters"]}
    assert estimates.keys() == reference.keys()
    for name, value in reference.items():
        assert estimates[name] == pytest.approx(value, rel=1e-10, abs=1e-12), name


@pytest.mark.parametrize("model, target, cov_type", [
    ("linear", "y", "HC3"), ("poisson", "counts", "HC2"), ("gamma", "weight", "HC1")])
def test_robust_standard_errors_from_the_command_line(tmp_path, capsys, model, target,
                                                       cov_type):
    path, columns = _frame_csv(tmp_path)
    record, err = _json(capsys, "fit", str(path), "--target", target, "--features", "x1",
                        "x2", "--model", model, "--cov-type", cov_type)
    estimator = (probml.LinearRegression(cov_type=cov_type) if model == "linear" else
                 probml.likelihood.GLM(model, cov_type=cov_type))
    fitted = estimator.fit(np.column_stack([columns["x1"], columns["x2"]]), columns[target])
    assert [p["std_err"] for p in record["parameters"]] == pytest.approx(
        list(fitted.bse_), rel=1e-10)


def test_bayes_text_csv_and_weights(tmp_path, capsys):
    path, columns = _frame_csv(tmp_path)
    status, out, _ = run(capsys, "fit", str(path), "--target", "y", "--features", "x1", "x2",
                         "--model", "bayes")
    assert status == 0 and "Log evidence" in out
    status, out, _ = run(capsys, "fit", str(path), "--target", "y", "--features", "x1", "x2",
                         "--weights", "weight", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    fitted = probml.LinearRegression().fit(np.column_stack([columns["x1"], columns["x2"]]),
                                           columns["y"], sample_weight=columns["weight"])
    assert [row["name"] for row in rows] == ["intercept", "x1", "x2"]
    np.testing.assert_allclose([float(row["std_err"]) for row in rows], fitted.bse_, rtol=1e-12)


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_the_delimiter_is_detected_and_can_be_given(tmp_path, capsys, sep):
    comma, _ = _frame_csv(tmp_path, "comma.csv")
    other, _ = _frame_csv(tmp_path, "other.csv", sep=sep)
    first, _ = _json(capsys, "fit", str(comma), "--target", "y")
    second, _ = _json(capsys, "fit", str(other), "--target", "y")
    assert first["parameters"] == second["parameters"]
    given, _ = _json(capsys, "fit", str(other), "--target", "y", "--sep",
                     "tab" if sep == "\t" else sep)
    assert given["parameters"] == first["parameters"]


def test_predictions_with_intervals_to_a_file_or_the_screen(tmp_path, capsys):
    path, columns = _frame_csv(tmp_path)
    new, new_columns = _frame_csv(tmp_path, "new.csv", rows=7, seed=1)
    out_file = tmp_path / "predictions.csv"
    status, out, err = run(capsys, "fit", str(path), "--target", "y", "--features", "x1",
                           "group", "--predict", str(new), "--out", str(out_file),
                           "--level", "0.9")
    assert status == 0 and "Linear regression" in out and "wrote 7 predictions" in err
    rows = list(csv.DictReader(out_file.open()))
    names = ["x1", "group[T.south]", "group[T.west]"]
    fitted = probml.LinearRegression().fit(
        pd.DataFrame(_design(columns, ["x1", "group"]), columns=names), columns["y"])
    expected = fitted.get_prediction(pd.DataFrame(_design(new_columns, ["x1", "group"]),
                                                  columns=names)).summary_frame(0.1)
    assert list(rows[0]) == list(expected.columns)
    np.testing.assert_allclose([[float(v) for v in row.values()] for row in rows],
                               expected.to_numpy(), rtol=1e-12)
    status, out, _ = run(capsys, "fit", str(path), "--target", "passed", "--features", "x1",
                         "--model", "logistic", "--predict", str(new))
    assert status == 0 and out.splitlines()[0] == "class,p_0,p_1" and len(out.splitlines()) == 8
    unseen = tmp_path / "unseen.csv"
    unseen.write_text("x1,group\n0.5,east\n")
    status, _, err = run(capsys, "fit", str(path), "--target", "y", "--features", "x1",
                         "group", "--predict", str(unseen))
    assert_one_clear_line(status, err, "level 'east' was not in the training data")


def test_a_formula_from_the_command_line_equals_statsmodels(tmp_path, capsys):
    pytest.importorskip("formulaic")
    import statsmodels.formula.api as smf

    path, columns = _frame_csv(tmp_path)
    formula = "y ~ x1 + np.log(x2) + C(group, Treatment(reference='west'))"
    record, _ = _json(capsys, "fit", str(path), "--formula", formula)
    reference = smf.ols(formula, pd.DataFrame(columns)).fit()
    estimates = {p["name"]: p for p in record["parameters"]}
    assert set(estimates) == set(reference.params.index)       # statsmodels' names
    assert next(iter(estimates)) == "Intercept"
    for name, value in reference.params.items():
        assert estimates[name]["coef"] == pytest.approx(value, rel=1e-10)
        assert estimates[name]["std_err"] == pytest.approx(reference.bse[name], rel=1e-10)
    assert any("reference level 'west'" in note for note in record["notes"])


def test_dates_text_targets_and_bad_options_get_one_clear_line(tmp_path, capsys):
    path, _ = _frame_csv(tmp_path)
    dates = tmp_path / "dates.csv"
    dates.write_text("day,y\n2024-01-02,1\n2024-01-03,2\n2024-01-05,4\n")
    status, _, err = run(capsys, "fit", str(dates), "--target", "y")
    assert_one_clear_line(status, err, "line 2, column 'day'", "is a date",
                          "days since a start date")
    status, _, err = run(capsys, "fit", str(path), "--target", "group")
    assert_one_clear_line(status, err, "the target of --model linear must be numbers")
    for argv, fragment in [(["--model", "lasso"], "--model lasso needs --alpha"),
                           (["--link", "log"], "--link applies to the GLM families"),
                           (["--weights", "group"], "weights must be numbers >= 0"),
                           (["--weights", "nothere"], "no column 'nothere'"),
                           (["--sep", "ab"], "--sep must be one character")]:
        status, _, err = run(capsys, "fit", str(path), "--target", "y", *argv)
        assert_one_clear_line(status, err, fragment)


def test_a_large_file_is_streamed_and_equals_the_fit_in_memory(tmp_path, capsys):
    # 60,000 rows: two blocks, and many of pyarrow's batches, each block's statistics merged.
    rng = np.random.default_rng(7)
    data = rng.normal(size=(60_000, 4)) + [0.0, 5.0, -3.0, 0.0]
    data[:, 3] = data[:, :3] @ [1.0, -2.0, 0.5] + rng.normal(size=60_000)
    path = tmp_path / "large.csv"
    np.savetxt(path, data, delimiter=",", header="a,b,c,y", comments="", fmt="%.17g")
    blocks, dropped = _tables.map_numeric_blocks(_tables.open_csv(str(path)), ["a", "y"], len)
    assert blocks == [50_000, 10_000] and dropped == 0
    streamed, _ = _json(capsys, "fit", str(path), "--target", "y")
    whole = probml.LinearRegression().fit(data[:, :3], data[:, 3])
    np.testing.assert_allclose([p["std_err"] for p in streamed["parameters"]], whole.bse_,
                               rtol=1e-10)
    np.testing.assert_allclose([p["coef"] for p in streamed["parameters"]], whole.params_,
                               rtol=1e-10)
    # A bad cell far into the file is still named by its line, as an editor numbers it.
    lines = path.read_text().splitlines()
    lines[45_000] = lines[45_000].replace(",", ",x", 1)
    path.write_text("\n".join(lines) + "\n")
    status, _, err = run(capsys, "fit", str(path), "--target", "y")
    assert_one_clear_line(status, err, "line 45001, column 'b'", "is not a number")


def test_without_pyarrow_or_pandas_the_other_readers_give_the_same_answers(tmp_path, capsys,
                                                                           monkeypatch):
    path, _ = _frame_csv(tmp_path)
    with_text, _ = _json(capsys, "fit", str(path), "--target", "y")
    numeric, _ = _json(capsys, "fit", str(path), "--target", "y", "--features", "x1", "x2")
    for reader in ("_arrow", "_pandas"):           # then pandas, then NumPy's loadtxt
        monkeypatch.setattr(_tables, reader, lambda: None)
        assert _json(capsys, "fit", str(path), "--target", "y")[0] == with_text
        assert _json(capsys, "fit", str(path), "--target", "y", "--features", "x1",
                     "x2")[0] == numeric


def test_quoted_cells_may_hold_line_ends_and_errors_keep_the_editor_line(tmp_path, capsys):
    path = tmp_path / "quoted.csv"
    path.write_text('note,x,y\n"two\nlines",1,2\nplain,2,3\nplain,3,5\nplain,oops,6\n')
    status, _, err = run(capsys, "fit", str(path), "--target", "y", "--features", "x")
    assert_one_clear_line(status, err, "line 6, column 'x'", "'oops' is not a number")


def test_a_decimal_comma_is_named_rather_than_read_as_categories(tmp_path, capsys):
    path = tmp_path / "euro.csv"
    path.write_text("x;y\n1,5;2\n2,5;4\n3,1;5\n")
    status, _, err = run(capsys, "fit", str(path), "--target", "y")
    assert_one_clear_line(status, err, "line 2, column 'x'", "decimal comma")


def test_warnings_are_one_line_without_source(tmp_path, capsys):
    path = tmp_path / "separated.csv"
    path.write_text("x,y\n1,0\n2,0\n3,1\n4,1\n")
    status, out, err = run(capsys, "fit", str(path), "--target", "y", "--model", "logistic")
    assert status == 0 and "Logistic regression" in out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("probml fit: warning: The classes are")
    assert "cli.py" not in err


_CELLS = ["1", "2.5", "-3", "1e300", "1e-300", "inf", "nan", "", "NA", "abc", "b", "2024-01-01",
          '"q,1"', "1,5", " 7 ", "0", "1e309", "\u00e9", "\x1b[1m", "0x10", "1_000", "TRUE"]


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_file_and_options_get_a_result_or_one_clear_line(tmp_path, capsys, data):
    """Hostile files and option mixes: exit 0, or 2 with one line; never an internal error."""
    n_columns = data.draw(st.integers(1, 4))
    header = data.draw(st.lists(st.sampled_from(["x0", "x1", "g", "w", "", "y"]),
                                min_size=n_columns, max_size=n_columns))
    numeric = st.floats(-5, 5, allow_nan=False).map(lambda v: repr(round(v, 3)))
    cell = st.one_of(numeric, numeric, numeric, st.sampled_from(_CELLS))
    rows = data.draw(st.lists(st.lists(cell, min_size=n_columns, max_size=n_columns),
                              max_size=12))
    sep = data.draw(st.sampled_from([",", ";", "\t"]))
    path = tmp_path / "data.csv"
    path.write_text("\n".join(sep.join(row) for row in [header, *rows]) + "\n")
    argv = ["fit", str(path)]
    argv += data.draw(st.sampled_from([["--target", "y"], ["--formula", "y ~ x0"],
                                       ["--formula", "y ~ C(g) + np.log(x0)"]]))
    argv += ["--model", data.draw(st.sampled_from(["linear", "ridge", "bayes", "logistic",
                                                   "poisson", "gamma", "binomial"]))]
    argv += data.draw(st.sampled_from([[], ["--format", "json"], ["--format", "csv"],
                                       ["--predict", str(path)], ["--weights", "w"],
                                       ["--alpha", "-1"], ["--alpha", "2"],
                                       ["--missing", "raise"]]))
    capsys.readouterr()
    status = cli.main(argv)
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if not line.startswith("probml fit: warning:")]
    assert "internal error" not in err and "Traceback" not in err, (argv, err)
    assert status == 0 and not errors or status == 2 and len(errors) == 1, (argv, err)


def test_every_reader_rounds_each_number_as_python_float_does(tmp_path):
    # Correctly rounded parsing (pandas before version 3 is off by an ulp in a third of
    # 17-digit numbers by default): the fits do not depend on the parser installed.
    rng = np.random.default_rng(5)
    values = rng.normal(size=(3000, 2)) * 10.0 ** rng.integers(-5, 6, size=(3000, 2))
    text = ["a,b"] + [f"{a!r},{b!r}" for a, b in values.tolist()]
    path = tmp_path / "digits.csv"
    path.write_text("\n".join(text) + "\n")
    expected = np.array([[float(cell) for cell in line.split(",")] for line in text[1:]])
    data = _tables.open_csv(str(path))
    table = _tables.read_table(data, ["a", "b"])
    np.testing.assert_array_equal(np.column_stack([table["a"], table["b"]]), expected)
    blocks, _ = _tables.map_numeric_blocks(data, ["a", "b"], lambda block: block.copy(),
                                           block_rows=1000)
    np.testing.assert_array_equal(np.concatenate(blocks), expected)


def test_a_parquet_file_or_a_folder_of_files_is_streamed_and_equals_the_csv_fit(tmp_path,
                                                                                 capsys):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("dask.dataframe")
    rng = np.random.default_rng(5)
    n = 3000
    frame = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    frame["y"] = 1 + 2 * frame.x1 - frame.x2 + rng.normal(size=n)
    frame["c"] = rng.poisson(np.exp(0.2 + 0.3 * frame.x1)).astype(float)
    frame.to_csv(tmp_path / "all.csv", index=False)
    frame.to_parquet(tmp_path / "all.parquet")
    for name, suffix in (("csvs", "csv"), ("parquets", "parquet")):
        (tmp_path / name).mkdir()
        for k in range(3):
            part = frame.iloc[k * 1000:(k + 1) * 1000]
            getattr(part, f"to_{suffix}")(tmp_path / name / f"part{k}.{suffix}", index=False)

    def coefficients(path, *options):
        status, out, err = run(capsys, "fit", str(path), *options, "--format", "csv")
        assert status == 0, err
        return np.array([[float(cell) for cell in line.split(",")[1:3]]
                         for line in out.strip().splitlines()[1:]])

    for options in (["--target", "y", "--features", "x1", "x2"],
                    ["--target", "c", "--features", "x1", "--model", "poisson"],
                    ["--target", "y", "--model", "ridge", "--alpha", "2"]):
        expected = coefficients(tmp_path / "all.csv", *options)
        for source in ("all.parquet", "csvs", "parquets"):
            np.testing.assert_allclose(coefficients(tmp_path / source, *options), expected,
                                       rtol=1e-10)
    # What cannot be streamed, or is not there, gets one clear line.
    frame.assign(g=np.where(frame.x1 > 0, "a", "b")).to_parquet(tmp_path / "text.parquet")
    (tmp_path / "bad.parquet").write_text("not parquet\n")
    (tmp_path / "empty").mkdir()
    (tmp_path / "mixed").mkdir()
    frame.to_csv(tmp_path / "mixed" / "a.csv", index=False)
    frame.to_parquet(tmp_path / "mixed" / "b.parquet")
    (tmp_path / "differ").mkdir()
    frame.to_csv(tmp_path / "differ" / "a.csv", index=False)
    frame.rename(columns={"x2": "z"}).to_csv(tmp_path / "differ" / "b.csv", index=False)
    (tmp_path / "text").mkdir()
    frame.to_csv(tmp_path / "text" / "a.csv", index=False)
    frame.astype(object).assign(x1="abc").to_csv(tmp_path / "text" / "b.csv", index=False)
    for arguments, fragment in [
            (["text.parquet", "--target", "y"], "column 'g': it does not hold numbers"),
            (["bad.parquet", "--target", "y"], "bad.parquet: not readable as Parquet"),
            (["empty", "--target", "y"], "holds no .csv or .parquet files"),
            (["mixed", "--target", "y"], "both Parquet and CSV files"),
            (["differ", "--target", "y"], "its header or delimiter differs"),
            (["text", "--target", "y"], "is not a number (could not convert string"),
            (["all.parquet", "--target", "nope"], "no column 'nope'"),
            (["all.parquet", "--target", "y", "--features", "x1", "nope"], "no column 'nope'"),
            (["all.parquet", "--formula", "y ~ x1"], "--formula is not available for a Parquet"),
            (["csvs", "--target", "y", "--predict", "x.csv"], "--predict is not available")]:
        status, _, err = run(capsys, "fit", str(tmp_path / arguments[0]), *arguments[1:])
        assert_one_clear_line(status, err, fragment)


# -- missing values: one rule for the command line and from_formula ----------------------------

def _with_missing_cells(tmp_path, cells):
    """``_frame_csv``'s file with the cells ``{(row, column name): text}`` replaced."""
    path, columns = _frame_csv(tmp_path)
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    for (row, name), text in cells.items():
        cells_of_row = lines[row + 1].split(",")
        cells_of_row[header.index(name)] = text
        lines[row + 1] = ",".join(cells_of_row)
    path.write_text("\n".join(lines) + "\n")
    return path, columns


# Row 4's x1, row 8's y, row 13's group and row 19's weight are missing, each spelt otherwise.
_MISSING_CELLS = {(4, "x1"): "NA", (8, "y"): "", (13, "group"): "null", (19, "weight"): "NaN"}


def test_rows_with_a_missing_value_in_a_used_column_are_left_out_and_counted(tmp_path, capsys):
    import statsmodels.api as sm

    path, columns = _with_missing_cells(tmp_path, _MISSING_CELLS)
    frame = pd.DataFrame(columns)
    # Streamed (OLS on numbers): rows 4 and 8 go; a missing group or weight does not matter.
    status, out, err = run(capsys, "fit", str(path), "--target", "y", "--features", "x1", "x2",
                           "--format", "json")
    record = json.loads(out)
    kept = frame.drop(index=[4, 8])
    reference = sm.OLS(kept["y"], sm.add_constant(kept[["x1", "x2"]])).fit()
    assert status == 0 and record["statistics"]["No. observations"] == 58
    np.testing.assert_allclose([p["coef"] for p in record["parameters"]], reference.params,
                               rtol=1e-10)
    assert err.count("\n") == 1 and "2 of 60 rows have a missing value" in err
    assert "2 rows with missing values were left out." in record["notes"]
    # In memory (a categorical feature, a logistic fit): rows 4 and 13 go.
    status, out, err = run(capsys, "fit", str(path), "--target", "passed", "--features", "x1",
                           "group", "--model", "logistic", "--format", "json")
    kept = frame.drop(index=[4, 13])
    design = sm.add_constant(pd.get_dummies(kept[["x1", "group"]], drop_first=True, dtype=float))
    reference = sm.Logit(kept["passed"], design).fit(disp=0, tol=1e-12)
    assert status == 0 and "2 of 60 rows" in err
    np.testing.assert_allclose([p["coef"] for p in json.loads(out)["parameters"]],
                               reference.params, rtol=1e-7)


def test_a_formula_from_the_command_line_leaves_out_what_statsmodels_leaves_out(tmp_path,
                                                                                  capsys):
    pytest.importorskip("formulaic")
    import statsmodels.formula.api as smf

    path, columns = _with_missing_cells(tmp_path, _MISSING_CELLS)
    frame = pd.DataFrame(columns)
    frame.loc[4, "x1"] = frame.loc[8, "y"] = np.nan
    frame.loc[13, "group"] = None
    formula = "y ~ x1 + np.log(x2) + C(group)"
    status, out, err = run(capsys, "fit", str(path), "--formula", formula, "--format", "json")
    reference = smf.ols(formula, frame).fit()         # statsmodels' formulas drop such rows
    record = json.loads(out)
    assert status == 0 and record["statistics"]["No. observations"] == reference.nobs == 57
    estimates = pd.Series({p["name"]: p["coef"] for p in record["parameters"]})
    np.testing.assert_allclose(estimates[reference.params.index], reference.params, rtol=1e-10)
    assert "3 of 60 rows are left out" in err and err.count("\n") == 1


@pytest.mark.parametrize("options, fragment", [
    (["--target", "y", "--features", "x1", "x2"], "line 6, column 'x1': missing value"),
    (["--target", "passed", "--features", "group", "x1"], "line 6, column 'x1': missing value"),
    (["--formula", "y ~ C(group) + x2"], "line 10, column 'y': missing value")])
def test_missing_raise_stops_at_the_first_missing_value_by_line(tmp_path, capsys, options,
                                                                fragment):
    if "--formula" in options:
        pytest.importorskip("formulaic")
    path, _ = _with_missing_cells(tmp_path, _MISSING_CELLS)
    status, _, err = run(capsys, "fit", str(path), *options, "--missing", "raise")
    assert_one_clear_line(status, err, fragment)
    # A missing value in a column the model does not use is no reason to stop.
    path, _ = _with_missing_cells(tmp_path, {(19, "weight"): "NaN"})
    assert run(capsys, "fit", str(path), *options, "--missing", "raise")[0] == 0


def test_every_reader_leaves_out_the_same_rows_and_gives_the_same_fit(tmp_path, capsys,
                                                                      monkeypatch):
    rng = np.random.default_rng(3)
    data = rng.normal(size=(3000, 3))
    text = [[repr(v) for v in row] for row in data.tolist()]
    for row, column, cell in [(5, 0, "NA"), (700, 2, ""), (2999, 1, "None"), (1500, 0, "n/a")]:
        text[row][column] = cell
    path = tmp_path / "gaps.csv"
    path.write_text("a,b,y\n" + "\n".join(",".join(row) for row in text) + "\n")
    argv = ["fit", str(path), "--target", "y"]
    fits = [_json(capsys, *argv)[0]]
    monkeypatch.setattr(_tables, "_arrow", lambda: None)            # pandas, then careful
    fits.append(_json(capsys, *argv)[0])
    monkeypatch.setattr(_tables, "_pandas", lambda: None)           # loadtxt, then careful
    fits.append(_json(capsys, *argv)[0])
    assert fits[0] == fits[1] == fits[2]
    assert fits[0]["statistics"]["No. observations"] == 2996


# -- the output: counts are integers, JSON numbers are numbers -----------------------------------

_COUNTS = ("No. observations", "Observations", "Df residuals", "Df model", "Iterations",
           "Newton iterations", "Sweeps", "Non-zero coefficients")


@pytest.mark.parametrize("options", [
    ["--target", "y"], ["--target", "y", "--model", "ridge", "--alpha", "1"],
    ["--target", "y", "--model", "lasso", "--alpha", "0.1"], ["--target", "y", "--model", "bayes"],
    ["--target", "passed", "--features", "x1", "x2", "--model", "logistic"],
    ["--target", "counts", "--features", "x1", "--model", "poisson"],
    ["--formula", "y ~ x1 + C(group)"]])
def test_json_numbers_are_numbers_and_counts_whole_numbers(tmp_path, capsys, options):
    if "--formula" in options:
        pytest.importorskip("formulaic")
    path, _ = _frame_csv(tmp_path)
    status, out, _ = run(capsys, "fit", str(path), *options, "--format", "json")

    def refuse(token):
        raise AssertionError(f"{token} is not JSON")
    record = json.loads(out, parse_constant=refuse)
    assert status == 0 and type(record["level"]) is float
    counts = {key: value for key, value in record["statistics"].items() if key in _COUNTS}
    assert counts and all(type(value) is int for value in counts.values()), counts
    assert counts.get("No. observations", counts.get("Observations", 60)) == 60
    if "Df model" in counts:
        assert counts["Df residuals"] == 60 - 1 - counts["Df model"]
    for key, value in record["statistics"].items():
        if isinstance(value, str):
            assert not _tables._is_number(value), (key, value)
    for parameter in record["parameters"]:
        assert type(parameter.pop("name")) is str
        assert all(value is None or type(value) is float for value in parameter.values())
    status, text, _ = run(capsys, "fit", str(path), *options)
    for key, value in counts.items():
        assert re.search(rf"{re.escape(key)}:\s+{value}\b(?!\.)", text), (key, text)


def test_a_statistic_that_is_not_a_number_is_null_in_json(tmp_path, capsys):
    path = tmp_path / "exact.csv"
    path.write_text("x,y\n1,3\n2,3\n3,3\n4,3\n")     # constant y: R^2 NaN, log-likelihood inf
    status, out, _ = run(capsys, "fit", str(path), "--target", "y", "--format", "json")
    record = json.loads(out, parse_constant=lambda token: pytest.fail(f"{token} in JSON"))
    assert status == 0 and record["statistics"]["R-squared"] is None
    assert record["statistics"]["Log-likelihood"] is None


# -- a pipe closed early -----------------------------------------------------------------------

def test_a_pipe_closed_early_ends_the_command_quietly_as_unix_tools_do(tmp_path):
    """``probml ... | head``: exit status 141 (128 + SIGPIPE, as a shell reports a Unix
    tool stopped by SIGPIPE), nothing on stderr, with or without Python's buffering."""
    path, _ = _frame_csv(tmp_path, rows=3000)
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    environment.pop("PYTHONUNBUFFERED", None)
    commands = [["fit", str(path), "--target", "y", "--predict", str(path)],
                ["fit", str(path), "--target", "y", "--format", "json"], ["--version"]]
    processes = []
    for argv, unbuffered in [(commands[0], False), (commands[0], True), (commands[1], False),
                             (commands[2], False)]:
        env = {**environment, **({"PYTHONUNBUFFERED": "1"} if unbuffered else {})}
        process = subprocess.Popen([sys.executable, "-m", "probml.cli", *argv], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
        process.stdout.close()               # the reader is gone before the first line
        processes.append(process)
    for process in processes:
        err = process.stderr.read().decode()
        process.wait()
        assert (process.returncode, err) == (141, ""), (process.args, err)


# -- readers agree with float() to the last bit ------------------------------------------------

def _tricky_decimals(rng, count):
    """Decimal strings that trip naive parsers: halfway cases between neighbouring doubles,
    long mantissas, subnormals, underflow to zero, huge exponents, signed zeros."""
    from decimal import Decimal, getcontext

    getcontext().prec = 80
    out = ["-0", "0e-999", "4.9406564584124654e-324", "2.4703282292062328e-324",
           "2.2250738585072011e-308", "2.2250738585072012e-308", "1.7976931348623157e308",
           "9007199254740993", "0.1000000000000000055511151231257827", "1e-400", "+.5", "5."]
    for _ in range(count):
        a = float(rng.uniform(-1, 1) * 10.0 ** rng.integers(-300, 300))
        b = np.nextafter(a, np.inf)
        out.append(str((Decimal(a) + Decimal(float(b))) / 2))                # exactly halfway
        digits = "".join(map(str, rng.integers(0, 10, size=int(rng.integers(17, 40)))))
        out.append(f"{digits[0]}.{digits[1:]}e{int(rng.integers(-330, 300))}")
        out.append(repr(float(rng.integers(1, 2 ** 53)) * 2.0 ** -1074))     # subnormal
    return out


@pytest.mark.parametrize("reader", ["arrow", "pandas", "loadtxt", "careful"])
def test_every_reader_parses_tricky_decimals_as_float_does(tmp_path, monkeypatch, reader):
    cells = _tricky_decimals(np.random.default_rng(11), 400)
    cells = cells[:len(cells) // 2 * 2]
    path = tmp_path / "tricky.csv"
    path.write_text("a,b\n" + "\n".join(f"{a},{b}" for a, b in zip(cells[::2], cells[1::2]))
                    + "\n")
    expected = np.array([[float(a), float(b)] for a, b in zip(cells[::2], cells[1::2])])
    if reader != "arrow":
        monkeypatch.setattr(_tables, "_arrow", lambda: None)
    if reader in ("loadtxt", "careful"):
        monkeypatch.setattr(_tables, "_pandas", lambda: None)
    data = _tables.open_csv(str(path))
    if reader == "careful":
        table = _tables.careful_table(data, ["a", "b"])
        blocks = list(_tables._careful_blocks(data, [0, 1], "raise", 100))
    else:
        table = _tables.read_table(data, ["a", "b"])
        blocks = _tables.map_numeric_blocks(data, ["a", "b"], np.copy, block_rows=100)[0]
    for values in (np.column_stack([table["a"], table["b"]]), np.concatenate(blocks)):
        assert values.tobytes() == expected.tobytes()        # signs of zero too


@pytest.mark.parametrize("cell", ["-nan", "nan(1)", "NaN", "NULL", " NA ", "#N/A", "inf", "1e999",
                                  "1_000", " 7 ", "0x10", "TRUE", "\u0661\u0662", "1,5", "-0",
                                  "+.5", '" 3"', '""'])
def test_the_fast_readers_give_the_careful_readers_answer_for_any_cell(tmp_path, monkeypatch,
                                                                       cell):
    """A fast reader may hand a cell to the careful reader, never read it otherwise."""
    path = tmp_path / "cell.csv"
    path.write_text(f"a;y\n1;2\n{cell};3\n4;5\n")
    data = _tables.open_csv(str(path), ";")

    def outcome(read):
        try:
            table = read()
        except (_tables.InputError, ValueError) as error:
            return type(error).__name__, str(error)
        return [np.asarray(table[name], dtype=object).tolist() for name in ("a", "y")]

    def streamed(missing):
        try:
            return np.concatenate(list(_tables._careful_blocks(data, [0, 1], missing, 2)))
        except (_tables.InputError, ValueError) as error:
            return type(error).__name__, str(error)

    def blocks(missing):
        try:
            parts = _tables.map_numeric_blocks(data, ["a", "y"], np.copy, 2, missing)[0]
        except (_tables.InputError, ValueError) as error:
            return type(error).__name__, str(error)
        return np.concatenate(parts)

    expected = {missing: outcome(lambda: _tables.careful_table(data, ["a", "y"], missing))
                for missing in ("raise", "keep")}
    kept = {missing: streamed(missing) for missing in ("raise", "drop")}
    for disabled in ([], ["_arrow"], ["_arrow", "_pandas"]):
        for name in disabled:
            monkeypatch.setattr(_tables, name, lambda: None)
        for missing, answer in expected.items():
            got = outcome(lambda: _tables.read_table(data, ["a", "y"], missing))
            assert repr(got) == repr(answer), (disabled, missing)
        for missing, answer in kept.items():
            got = blocks(missing)
            if isinstance(answer, tuple) and answer[1].endswith("not a number"):
                assert isinstance(got, tuple) and got[0] == "ValueError", (disabled, got)
                continue
            assert repr(got) == repr(np.asarray(answer)[~np.isnan(answer).any(axis=1)]
                                  if not isinstance(answer, tuple) else answer), (disabled, got)


def test_a_parquet_file_with_missing_values_follows_the_same_rule(tmp_path, capsys):
    pytest.importorskip("dask.dataframe")
    path, columns = _with_missing_cells(tmp_path, _MISSING_CELLS)
    frame = pd.DataFrame(columns)[["x1", "x2", "y"]]
    frame.loc[4, "x1"] = frame.loc[8, "y"] = np.nan
    frame.to_parquet(tmp_path / "gaps.parquet")
    options = ["--target", "y", "--features", "x1", "x2"]
    expected, _ = _json(capsys, "fit", str(path), *options)
    streamed, err = _json(capsys, "fit", str(tmp_path / "gaps.parquet"), *options)
    assert "2 of 60 rows have a missing value" in err
    assert streamed["statistics"]["No. observations"] == 58
    np.testing.assert_allclose([p["coef"] for p in streamed["parameters"]],
                               [p["coef"] for p in expected["parameters"]], rtol=1e-10)
    status, _, err = run(capsys, "fit", str(tmp_path / "gaps.parquet"), *options,
                         "--missing", "raise")
    assert_one_clear_line(status, err, "NaN")
