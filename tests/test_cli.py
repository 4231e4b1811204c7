"""The command line: one clear line and a non-zero exit for every failure, and safe file writing."""

import os
import stat
import subprocess
import sys

import pytest

from probml import cli

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
    ("a,y\n1,1e200\n2,-1e200\n3,3e200\n", ["y has values so large", "rescale"]),
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
    monkeypatch.setattr(cli, "figures_command", lambda args: print(f"drawn into {args.out}"))
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
