"""The ``probml`` command.

``probml fit data.csv --target y --model linear|ridge|bayes [--alpha A]``
    Fit a model to a CSV file and print its summary.
``probml tour``
    Fit the example models on the bundled data and print what they show.
``probml derive [NAME ...] [--out DIR]``
    Write the derivation pages and their index.
``probml check [NAME ...]``
    Verify derivations; exit status 1 if any fails.
"""

import argparse
import csv
import sys

import numpy as np

from . import datasets, optim
from ._files import MARKDOWN_MARK, check_replaceable, prepare_folder, write_generated
from .models import (
    BayesianLinearRegression,
    Bernoulli,
    LinearRegression,
    LogisticRegression,
    Normal,
    Ridge,
)

_MISSING = {"", "na", "nan", "n/a", "null", "none"}
# The longest line and the most cells a data file may have: a wider file is a
# mistake (or not a CSV), and is refused before it fills the memory.
_MAX_LINE = 1 << 20
_MAX_COLUMNS = 10_000
_MAX_BYTES = 1 << 30


class InputError(Exception):
    """Bad input to a command: reported as one line, exit status 2."""


def _printable(text):
    """``text`` with control characters escaped, so a hostile name cannot drive the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def _lines(path):
    """The file's lines, read with a cap on each line and on the whole, BOM removed."""
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise InputError(f"{_printable(path)}: no such file") from None
    except (IsADirectoryError, PermissionError, OSError) as error:
        raise InputError(f"{_printable(path)}: cannot be read ({error.strerror or error})") \
            from None
    lines, total = [], 0
    try:
        with handle:
            while True:
                line = handle.readline(_MAX_LINE + 1)
                if not line:
                    break
                if len(line) > _MAX_LINE:
                    raise InputError(f"{_printable(path)}, line {len(lines) + 1}: longer than "
                                     f"{_MAX_LINE:,} characters; this is not a CSV file probml "
                                     "can read")
                if "\0" in line:
                    raise InputError(f"{_printable(path)}, line {len(lines) + 1}: contains NUL "
                                     "bytes; this is a binary file, not a CSV file")
                total += len(line)
                if total > _MAX_BYTES:
                    raise InputError(f"{_printable(path)}: larger than {_MAX_BYTES >> 30} GiB; "
                                     "fit such data from Python, in chunks")
                lines.append(line)
    except UnicodeDecodeError as error:
        raise InputError(f"{_printable(path)}: not UTF-8 text ({error.reason} at byte "
                         f"{error.start} of a line)") from None
    except OSError as error:
        raise InputError(f"{_printable(path)}: cannot be read ({error.strerror or error})") \
            from None
    return lines


def read_csv(path, target):
    """Read a numeric CSV with a header; return (X, y, feature names).

    Every problem is reported with the file's line number and the column
    name.  A UTF-8 byte-order mark is ignored; an unnamed first column (the
    index pandas writes) is dropped with a note rather than used as a
    feature; duplicate column names are an error.
    """
    try:
        rows = list(csv.reader(_lines(path)))
    except csv.Error as error:
        raise InputError(f"{_printable(path)}: not a CSV file probml can read ({error})") \
            from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputError(f"{_printable(path)}: the file is empty; expected a header line of "
                         "column names")
    header = [name.strip() for name in rows[0]]
    if len(header) > _MAX_COLUMNS:
        raise InputError(f"{_printable(path)}: {len(header):,} columns; at most "
                         f"{_MAX_COLUMNS:,} are supported from the command line")
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        names = ", ".join(repr(_printable(name)) for name in duplicated)
        raise InputError(f"{_printable(path)}: the header names {names} more than once; give "
                         "every column its own name")
    index_column = header[0] == "" and len(header) > 1
    if target not in header:
        raise InputError(f"{_printable(path)}: no column {_printable(target)!r}; the columns are "
                         f"{[_printable(name) for name in header]}")
    body = [(number, row) for number, row in enumerate(rows[1:], start=2)
            if any(cell.strip() for cell in row)]
    if not body:
        raise InputError(f"{_printable(path)}: the file has a header but no data rows")
    values = np.empty((len(body), len(header)))
    for i, (line, row) in enumerate(body):
        if len(row) != len(header):
            raise InputError(f"{_printable(path)}, line {line}: {len(row)} cells, but the header "
                             f"has {len(header)}")
        for j, cell in enumerate(row):
            if index_column and j == 0:
                values[i, j] = 0.0
                continue
            text = cell.strip()
            where = (f"{_printable(path)}, line {line} (row {i}), column "
                     f"{_printable(header[j])!r}")
            if text.lower() in _MISSING:
                raise InputError(f"{where}: missing value; remove or impute that row")
            try:
                values[i, j] = float(text)
            except ValueError:
                raise InputError(f"{where}: {_printable(text[:40])!r} is not a number") \
                    from None
            if not np.isfinite(values[i, j]):
                raise InputError(f"{where}: {_printable(text[:40])!r} is not finite")
    column = header.index(target)
    keep = [j for j in range(len(header)) if j != column and not (index_column and j == 0)]
    features = [header[j] for j in keep]
    if not features:
        raise InputError(f"{_printable(path)}: no feature columns besides the target "
                         f"{_printable(target)!r}")
    if index_column:
        print(f"note: the first column of {_printable(path)} has no name (a saved index); it "
              "is not used as a feature", file=sys.stderr)
    return values[:, keep], values[:, column], features


class _NamedColumns:
    """A float table with column names, which probml reads as it reads a DataFrame.

    It lets the summary show the CSV's column names without pandas.
    """

    def __init__(self, values, names):
        self._values, self.columns = values, list(names)
        self.dtypes = [values.dtype] * values.shape[1]

    def to_numpy(self, dtype=None, na_value=None):
        return self._values.astype(dtype or self._values.dtype)


def fit_command(args):
    X, y, names = read_csv(args.data, args.target)
    names = [_printable(name) for name in names]
    if args.model == "linear":
        model = LinearRegression()
    elif args.model == "ridge":
        model = Ridge(alpha=args.alpha)
    else:
        model = BayesianLinearRegression(alpha=args.alpha, fit_precisions=True)
    model.fit(_NamedColumns(X, names), y)
    print(model.summary(level=args.level))
    return 0


def tour_command(args):
    """Verify every derivation, fit every example model on the bundled data, draw the figures."""
    print("== Derivations: SymPy, checked against SciPy and against probml")
    status = check_command(argparse.Namespace(names=[]))
    print()
    hours = datasets.load_study_hours()
    x, y = hours.data[:, 0], hours.target
    s_xy = np.sum((x - x.mean()) * (y - y.mean()))
    s_xx = np.sum((x - x.mean()) ** 2)
    slope = s_xy / s_xx
    ols = LinearRegression().fit(_NamedColumns(hours.data, hours.feature_names), y)
    print("== Least squares by hand vs probml (study hours -> score)")
    print(f"slope Sxy/Sxx = {slope:.6f}, probml = {ols.coef_[0]:.6f}")
    print(f"intercept ybar - slope*xbar = {y.mean() - slope * x.mean():.6f}, "
          f"probml = {ols.intercept_:.6f}")
    print(ols.summary())

    four = datasets.load_four_features()
    exact = LinearRegression().fit(four.data, four.target)
    print("\n== Four features, y = x1 - x2 + x3 - x4")
    print(f"weights {np.round(exact.coef_, 12) + 0.0}, bias {exact.intercept_ + 0.0:.1e}")

    alpha, beta = 2.0, 4.0
    bayes = BayesianLinearRegression(alpha=alpha, beta=beta).fit(hours.data, y)
    ridge = Ridge(alpha=alpha / beta).fit(hours.data, y)
    print("\n== Ridge is the MAP of Bayesian linear regression")
    print(f"posterior mean {bayes.posterior_mean_[0]:.12f} = Ridge(alpha/beta) "
          f"{ridge.coef_[0]:.12f}")
    fitted = BayesianLinearRegression(fit_precisions=True).fit(hours.data, y)
    print(f"evidence maximisation: alpha = {fitted.alpha_:.4g}, beta = {fitted.beta_:.4g}, "
          f"log evidence = {fitted.log_evidence_:.4f}")

    scores = Normal().fit(y)
    print("\n== Gaussian MLE of the scores")
    print(f"mean {scores.mean_:.4f}, MLE variance {scores.var_:.4f}, "
          f"unbiased {scores.var_unbiased_:.4f}")
    print(f"95% interval for the mean {np.round(scores.conf_int()[0], 3)}")

    passed = Bernoulli().fit(datasets.load_study_pass().target)
    print("\n== Bernoulli MLE of passing")
    print(f"p = {passed.p_:.3f}, Wilson 95% {np.round(passed.conf_int(), 3)}, "
          f"posterior under Beta(1, 1): Beta{(passed.posterior().a, passed.posterior().b)}")
    study = datasets.load_study_pass()
    logistic = LogisticRegression().fit(_NamedColumns(study.data, study.feature_names),
                                        study.target)
    print("\n== Logistic regression of passing on hours (Bernoulli MLE)")
    print(logistic.summary())
    odds = logistic.odds_ratios()[1]
    print(f"each extra hour multiplies the odds of passing by {odds[0]:.3f} "
          f"(95% CI {odds[1]:.3f} to {odds[2]:.3f})")
    _training_tour(hours, ols)
    _selection_tour(hours)
    if args.figures_out != "":
        import os
        import tempfile

        # By default a new folder of its own: a checkout's committed figures/ (drawn with
        # one Matplotlib and FreeType) is never rewritten, and no file is overwritten.
        out = args.figures_out or tempfile.mkdtemp(prefix="probml-tour-figures-")
        print(f"\n== Figures: every teaching figure, redrawn into {_printable(out)}")
        figures_command(argparse.Namespace(names=[], out=out, format="png",
                                           jobs=min(2, os.cpu_count() or 1)))
        print(f"Open {_printable(os.path.join(out, 'README.md'))} for the gallery.")
    return status


def _selection_tour(hours):
    """Choose a polynomial degree by closed-form LOO; read an A/B test two ways."""
    from .selection import PolynomialFeatures, loo_residuals
    from .hypothesis_testing import ab_test_design, bayesian_ab_test, two_proportion_z_test

    print("\n== Choosing the polynomial degree by leave-one-out (study hours, no refits)")
    for degree in range(1, 5):
        design = PolynomialFeatures(degree, include_bias=False).fit_transform(hours.data)
        print(f"degree {degree}: LOO mean squared error "
              f"{np.mean(loo_residuals(design, hours.target) ** 2):9.3f}")

    print("\n== An A/B test: 200 of 2000 visitors convert on A, 250 of 2000 on B")
    print(two_proportion_z_test(200, 2000, 250, 2000).reading)
    bayes = bayesian_ab_test(200, 2000, 250, 2000)
    print(f"Beta(1, 1) priors: P(B > A) = {bayes.prob_b_beats_a:.4f} (exact); expected loss "
          f"of shipping B {bayes.expected_loss_b:.2e}, of shipping A {bayes.expected_loss_a:.2e}")
    design = ab_test_design(0.10, 0.02)
    print(f"Detecting 10% -> 12% with 80% power at alpha = 0.05 needs {design.n_a} visitors "
          f"per arm.")


def _training_tour(hours, ols):
    """Learn the study-hours line by gradient descent, and watch momentum escape."""
    print("\n== Learning the same line by gradient descent (2000 epochs each)")
    print(f"{'method':32} {'w':>10} {'b':>10} {'MSE':>9}")
    runs = [("full-batch gradient descent", optim.gradient_descent(0.03), None),
            ("SGD (batch 1)", optim.sgd(0.003), 1),
            ("mini-batch momentum (batch 4)", optim.sgd(0.005, momentum=0.9), 4),
            ("Adam, cosine-annealed (batch 4)",
             optim.adam(optim.cosine_annealing(0.5, T_max=6000)), 4)]
    for name, optimizer, batch_size in runs:
        module = optim.LinearRegressionModule()
        history = optim.Trainer(2000, batch_size, optimizer).fit(
            module, (hours.data, hours.target))
        print(f"{name:32} {module.params['w'][0]:10.6f} {float(module.params['b']):10.6f} "
              f"{history.train_loss[-1]:9.6f}")
    print(f"{'least squares (closed form)':32} {ols.coef_[0]:10.6f} {ols.intercept_:10.6f}")
    print("A constant step on noisy mini-batch gradients keeps hovering around the optimum; "
          "a decaying schedule lets it settle.")

    well = optim.TiltedDoubleWell()
    print(f"\n== A local minimum at x = {well.local_minimum:.4f}, the global one at "
          f"x = {well.global_minimum:.4f}")
    for name, optimizer in [("gradient descent", optim.gradient_descent(0.05)),
                            ("momentum 0.9", optim.sgd(0.05, momentum=0.9))]:
        end = optim.trajectory(well, [2.5], optimizer, 500)[-1, 0]
        print(f"{name:17} from x = 2.5 ends at x = {end:.4f}")


def derive_command(args):
    """Write derivations/NAME.md for each derivation and the index by concept."""

    from . import derivations, figures
    from .derivations.index import derivation_index

    names = _derivation_names(args.names)
    out = prepare_folder(args.out)
    built = {name: derivations.get(name) for name in derivations.names()}
    for derivation in built.values():        # each page shows the figures that draw it
        derivation.figures = tuple(
            (spec.name, spec.caption) for spec in map(figures.get, figures.names())
            if spec.derivation == derivation.name)
    for file in [*(out / f"{name}.md" for name in names), out / "README.md"]:
        check_replaceable(file)
    for name in names:
        write_generated(out / f"{name}.md", f"{MARKDOWN_MARK}\n\n{built[name].to_markdown()}")
    write_generated(out / "README.md", derivation_index(built.values()))
    print(f"wrote {len(names)} derivation page(s) and the index to {_printable(out)}")
    return 0


def check_command(args):
    """Verify derivations and print a table; exit 1 if any part fails."""
    from . import derivations

    names = _derivation_names(args.names)
    header = f"{'derivation':28} {'symbolic':10} {'vs SciPy':18} {'vs probml':18} {'time':>7}"
    print(header)
    print("-" * len(header))
    failed, total = [], 0.0
    for name in names:
        report = derivations.get(name).verify()
        total += report.seconds
        print(f"{name:28} {str(report.symbolic):10} {str(report.scipy):18} "
              f"{str(report.probml):18} {report.seconds:6.2f}s")
        for part in (report.symbolic, report.scipy, report.probml):
            if part.detail:
                print(f"    {part.detail}")
        if not report.passed:
            failed.append(name)
    print(f"{len(names) - len(failed)} of {len(names)} passed in {total:.1f} s")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _derivation_names(requested):
    from . import derivations

    known = derivations.names()
    unknown = [name for name in requested if name not in known]
    if unknown:
        raise InputError(f"no derivation named {', '.join(map(repr, unknown))}; the "
                         f"derivations are {', '.join(known)}")
    return list(requested) or known


def figures_command(args):
    """Regenerate figures (all by default) and the gallery page."""

    from . import figures
    from .figures.gallery import gallery, update_manifest, write_figures

    known = figures.names()
    unknown = [name for name in args.names if name not in known]
    if unknown:
        raise InputError(f"no figure named {', '.join(map(repr, map(_printable, unknown)))}; "
                         f"the figures are {', '.join(known)}")
    if args.jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {args.jobs}")
    names = list(dict.fromkeys(args.names)) or known
    out = prepare_folder(args.out)
    # Refuse before drawing anything: every file this run would replace must be probml's.
    for file in [*(out / f"{name}.{args.format}" for name in names), out / "README.md",
                 out / "figures.json"]:
        check_replaceable(file)
    written = write_figures(names, out, args.format, args.jobs)
    write_generated(out / "README.md", gallery([figures.get(n) for n in known], args.format))
    update_manifest(out, written)
    print(f"wrote {len(written)} figure(s), the gallery (README.md) and the manifest "
          f"(figures.json) to {_printable(out)}")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="probml", description="Derive, verify, fit and draw probabilistic models.")
    commands = parser.add_subparsers(dest="command", required=True)
    fit = commands.add_parser("fit", help="fit a model to a CSV file and print a summary")
    fit.add_argument("data", help="CSV file with a header line")
    fit.add_argument("--target", required=True, help="name of the response column")
    fit.add_argument("--model", choices=["linear", "ridge", "bayes"], default="linear")
    fit.add_argument("--alpha", type=float, default=1.0,
                     help="Ridge penalty, or the starting prior precision for bayes")
    fit.add_argument("--level", type=float, default=0.95, help="confidence level")
    fit.set_defaults(run=fit_command)
    tour = commands.add_parser("tour", help="verify the derivations, fit the example models "
                               "on the bundled data and redraw the figures")
    tour.add_argument("--figures-out", default=None, metavar="DIR",
                      help="folder to redraw the figures into (default: a new temporary "
                           "folder, printed; '' to skip them)")
    tour.set_defaults(run=tour_command)
    derive = commands.add_parser("derive", help="write the derivation pages (Markdown)")
    derive.add_argument("names", nargs="*", help="derivations to write (default: all)")
    derive.add_argument("--out", default="derivations", help="folder for the pages")
    derive.set_defaults(run=derive_command)
    check = commands.add_parser("check", help="verify derivations symbolically and "
                                "numerically")
    check.add_argument("names", nargs="*", help="derivations to check (default: all)")
    check.set_defaults(run=check_command)
    draw = commands.add_parser("figures", help="regenerate the teaching figures and their "
                               "gallery")
    draw.add_argument("names", nargs="*", help="figures to draw (default: all)")
    draw.add_argument("--out", default="figures", help="folder for the figures")
    draw.add_argument("--format", choices=["png", "svg", "pdf"], default="png")
    draw.add_argument("--jobs", type=int, default=1, help="processes to draw with")
    draw.set_defaults(run=figures_command)
    return parser


def main(argv=None):
    """Run a command: every failure is one line on stderr and a non-zero exit, no traceback."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (InputError, ValueError, TypeError, OSError) as error:
        message = str(error) or type(error).__name__
    except MemoryError:
        message = ("not enough memory for this data (it would need more than this machine "
                   "has); use fewer columns or rows")
    except KeyboardInterrupt:
        print(f"probml {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the command line never shows a traceback
        message = (f"internal error ({type(error).__name__}: {error}); please report it at "
                   "the project's issue tracker")
        print(f"probml {args.command}: error: {_printable(message)}", file=sys.stderr)
        return 1
    print(f"probml {args.command}: error: {_printable(message)}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
