"""The ``probml`` command.

``probml fit data.csv (--formula "y ~ x + C(g)" | --target y [--features ...]) [--model M]``
    Fit a model to a CSV file and print its summary (``--format text|json|csv``), or
    predict new rows (``--predict new.csv [--out predictions.csv]``).
``probml tour``
    Fit the example models on the bundled data and print what they show.
``probml derive [NAME ...] [--out DIR]``
    Write the derivation pages and their index.
``probml check [NAME ...]``
    Verify derivations; exit status 1 if any fails.
"""

import argparse
import csv
import inspect
import json
import math
import os
import sys
import warnings
from pathlib import Path

import numpy as np

from . import __version__, datasets, optim
from ._files import MARKDOWN_MARK, check_replaceable, prepare_folder, write_generated
from ._tables import (
    MISSING_RULES,
    MISSING_SPELLINGS,
    InputError,
    map_numeric_blocks,
    open_csv,
    printable,
    read_table,
)
from .exceptions import DataConversionWarning
from .formula import GLM_FAMILIES, MODELS, from_formula, make_model
from .models import (
    BayesianLinearRegression,
    Bernoulli,
    LinearRegression,
    LogisticRegression,
    Normal,
    Ridge,
)

class _NamedColumns:
    """A float table with column names, which probml reads as it reads a DataFrame.

    It lets the summary show the CSV's column names without pandas.
    """

    def __init__(self, values, names):
        self._values, self.columns = values, list(names)
        self.dtypes = [values.dtype] * values.shape[1]

    def to_numpy(self, dtype=None, na_value=None):
        return self._values.astype(dtype or self._values.dtype)


# -- probml fit ------------------------------------------------------------------------


def fit_command(args):
    """Fit a model to a data file; print its summary, or write predictions for new rows."""
    files = _dataset_files(args.data)
    if files is not None:
        return _fit_dataset(args, *files)
    data = open_csv(args.data, args.sep)
    model = make_model(args.model, **_hyperparameters(args))
    if args.formula is not None:
        fitted, encoder = _fit_formula(args, data, model)
    else:
        fitted, encoder = _fit_columns(args, data, model)
    if args.predict is not None:
        _write_predictions(args, fitted, encoder)
    if args.predict is None or args.out is not None:
        summary = fitted.summary(level=args.level)
        summary.notes = encoder.notes() + list(summary.notes)
        _print_summary(summary, args.format)
    # Notes on how the file was read, once it was read and fitted (a failure is one line).
    for note in data.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


# -- a Parquet file or a folder of files, streamed by Dask --------------------------------

_PARQUET, _CSV = (".parquet", ".pq"), (".csv", ".tsv", ".txt")


def _dataset_files(path):
    """``(kind, files)`` for a Parquet file or a folder of CSV or Parquet files (sorted by
    name); None for a single delimited text file."""
    if os.path.isdir(path):
        names = sorted(name for name in os.listdir(path) if not name.startswith((".", "_")))
        files = {kind: [os.path.join(path, name) for name in names
                        if name.lower().endswith(suffixes)
                        and os.path.isfile(os.path.join(path, name))]
                 for kind, suffixes in (("parquet", _PARQUET), ("csv", _CSV))}
        if files["parquet"] and files["csv"]:
            raise InputError(f"{printable(path)}: the folder holds both Parquet and CSV files; "
                             "give a folder of one kind")
        kind = "parquet" if files["parquet"] else "csv"
        if not files[kind]:
            raise InputError(f"{printable(path)}: the folder holds no .csv or .parquet files")
        return kind, files[kind]
    if path.lower().endswith(_PARQUET):
        return "parquet", [path]
    return None


def _fit_dataset(args, kind, files):
    """Fit ``--target`` on ``--features`` (numbers) from a Parquet file or a folder of files,
    streamed a partition at a time by Dask (the estimators' Dask path)."""
    label = printable(args.data)
    for option, name in ((args.formula, "--formula"), (args.predict, "--predict"),
                         (args.weights, "--weights")):
        if option is not None:
            raise InputError(f"{name} is not available for a Parquet file or a folder yet; "
                             "fit a single CSV file for it")
    dd = _need("dask.dataframe", "a Parquet file or a folder of files", "dask")
    model = make_model(args.model, **_hyperparameters(args))
    if kind == "csv":
        layouts = [open_csv(path, args.sep) for path in files]
        for layout in layouts[1:]:
            if layout.columns != layouts[0].columns or layout.sep != layouts[0].sep:
                raise InputError(f"{layout.label}: its header or delimiter differs from "
                                 f"{layouts[0].label}'s; the files of a folder share them")
        columns = layouts[0].columns
    else:
        try:
            frame = dd.read_parquet(files)
        except Exception as error:  # noqa: BLE001 - pyarrow's errors have many types
            reason = str(error).strip().splitlines()[-1] if str(error).strip() else ""
            raise InputError(f"{label}: not readable as Parquet ({reason or error!r})") \
                from None
        columns = [str(name) for name in frame.columns]
    target = args.target
    if target not in columns:
        raise InputError(f"{label}: no column {printable(target)!r}; the columns are "
                         f"{[printable(n) for n in columns]} (the target)")
    features = args.features or [name for name in columns if name != target]
    missing = [name for name in features if name not in columns]
    if missing:
        raise InputError(f"{label}: no column {printable(missing[0])!r}; the columns are "
                         f"{[printable(n) for n in columns]} (the feature)")
    if target in features:
        raise InputError(f"{printable(target)!r} is the target; it cannot be a feature too")
    if not features:
        raise InputError(f"{label}: no feature columns besides the target "
                         f"{printable(target)!r}")
    used = [*features, target]
    if kind == "csv":
        frame = dd.read_csv(files, sep=layouts[0].sep, usecols=used, dtype="float64",
                            blocksize="64MB", keep_default_na=False,
                            na_values=MISSING_SPELLINGS)
    frame = frame[used]
    text = [name for name in used if frame[name].dtype.kind not in "biuf"]
    if text:
        raise InputError(f"{label}, column {printable(text[0])!r}: it does not hold numbers "
                         f"({frame[text[0]].dtype}); from a Parquet file or a folder the "
                         "columns must be numbers")
    try:
        with warnings.catch_warnings():
            # Dask's own notices about the pandas it runs on are not the user's business.
            warnings.filterwarnings("ignore", module=r"dask(\.|$)")
            if args.missing == "drop":
                frame = _without_missing_rows(frame, [printable(n) for n in used])
            model.fit(frame[features], frame[target])
    except ValueError as error:
        if "could not convert" not in str(error):
            raise
        raise InputError(f"{label}: a value of the columns {[printable(n) for n in used]} is "
                         f"not a number ({error})") from None
    summary = model.summary(level=args.level)
    _print_summary(summary, args.format)
    return 0


def _without_missing_rows(frame, names):
    """A Dask data frame without its rows with a missing value (NaN), counted in a
    warning (one more pass over the data, only to count them)."""
    import dask

    absent = frame.isna().any(axis=1)
    dropped, total = dask.compute(absent.sum(), absent.count())
    if not dropped:
        return frame
    if dropped == total:
        raise InputError(f"every row has a missing value in a column of the model "
                         f"({', '.join(names)})")
    _warn_left_out(int(dropped), int(total), names)
    return frame.dropna()


def _hyperparameters(args):
    """The model's hyperparameters from the options that apply to it (an error for the
    ones that do not)."""
    name, params = args.model, {}
    glm = name in GLM_FAMILIES
    if args.alpha is not None:
        if name in ("ridge", "lasso", "bayes"):
            params["alpha"] = args.alpha
        elif name == "logistic":
            params.update(penalty="l2", alpha=args.alpha)
        else:
            raise InputError(f"--alpha does not apply to --model {name}")
    elif name == "lasso":
        raise InputError("--model lasso needs --alpha (the L1 penalty)")
    if name == "bayes":
        params["fit_precisions"] = True
    if args.link is not None:
        if not glm:
            raise InputError(f"--link applies to the GLM families, not --model {name}")
        params["link"] = args.link
    if args.cov_type is not None:
        if name != "linear" and not glm:
            raise InputError(f"--cov-type applies to --model linear and the GLMs, not {name}")
        params["cov_type"] = args.cov_type
    if args.max_iter is not None:
        if not glm and "max_iter" not in MODELS[name]().get_params():
            raise InputError(f"--max-iter applies to the iterative fits (logistic, lasso, "
                             f"the GLMs), not --model {name}")
        params["max_iter"] = args.max_iter
    return params


def _fit_formula(args, data, model):
    if args.features:
        raise InputError("--features goes with --target; with --formula the formula names "
                         "the features")
    pandas = _need("pandas", "--formula")
    formulaic = _need("formulaic", "--formula")
    weights = _weights_option(args, data)
    try:
        variables = formulaic.Formula(args.formula).required_variables
    except Exception:  # noqa: BLE001 - from_formula names the parse error
        variables = set(data.columns)
    # The columns the formula uses (a missing value elsewhere in the file does not matter).
    used = [name for name in data.columns if name in variables or name == weights]
    if not used:
        raise InputError(f"--formula {printable(args.formula)!r} names no column of "
                         f"{data.label}; the columns are {[printable(n) for n in data.columns]}")
    table = read_table(data, used, missing=_table_missing(args))
    frame = pandas.DataFrame(table.columns)
    try:
        fitted = from_formula(args.formula, frame, model=model, sample_weight=weights,
                              missing=args.missing)
    except ImportError as error:
        raise InputError(str(error)) from None
    return fitted, _FormulaEncoder(fitted)


def _table_missing(args):
    """What the table reader does with a missing value under ``--missing``: name its line,
    or keep it (NaN or None) for the fit to leave its row out."""
    return "raise" if args.missing == "raise" else "keep"


def _warn_left_out(dropped, total, names):
    """The one warning for the rows ``--missing drop`` leaves out."""
    if dropped:
        warnings.warn(f"{dropped} of {total} rows have a missing value in a column of the "
                      f"model ({', '.join(names)}) and are left out of the fit (--missing "
                      "raise stops at the first instead).", DataConversionWarning)


def _weights_option(args, data):
    if args.weights is None:
        return None
    data.column(args.weights, "--weights column")
    return args.weights


def _need(module, option, extra="formula"):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError(f"{option} needs {module}: pip install 'probml[{extra}]'") from None


def _fit_columns(args, data, model):
    """Fit ``--target`` on ``--features`` (default: every other column): streamed for the
    linear-Gaussian models, read whole for the others or when the rows are needed."""
    from .models.streaming import (
        STREAMED,
        DataRequired,
        block_statistics,
        fit_statistics,
        needs_centred,
    )

    target = args.target
    data.column(target, "target")
    excluded = {target, args.weights}
    features = args.features or [n for n in data.columns if n not in excluded]
    for name in features:
        data.column(name, "feature")
    if target in features:
        raise InputError(f"{printable(target)!r} is the target; it cannot be a feature too")
    if not features:
        raise InputError(f"{data.label}: no feature columns besides the target "
                         f"{printable(target)!r}")
    names = [printable(name) for name in features]
    columns = [*features, target] + ([args.weights] if args.weights else [])
    shown = [printable(name) for name in columns]
    if (args.weights is None and isinstance(model, STREAMED)
            and getattr(model, "cov_type", "nonrobust") == "nonrobust"):
        centred = needs_centred(model)
        try:
            statistics, dropped = map_numeric_blocks(
                data, columns, lambda block: block_statistics(block, centred),
                missing=args.missing)
            fitted = fit_statistics(model, statistics, names)
        except (ValueError, DataRequired):
            pass        # text, a problem to name by line, or a model that needs the rows
        else:
            _warn_left_out(dropped, dropped + sum(part.n for part in statistics), shown)
            return fitted, _ColumnEncoder(data, features, {}, dropped)
    table = read_table(data, columns, missing=_table_missing(args))
    absent = table.missing_rows(columns)
    if absent.all():
        raise InputError(f"{data.label}: every row has a missing value in a column of the "
                         f"model ({', '.join(shown)})")
    dropped = int(np.count_nonzero(absent))
    if dropped:
        _warn_left_out(dropped, table.n_rows, shown)
        table = table.rows(~absent)
    encoder = _ColumnEncoder.from_table(data, features, table, dropped)
    X = encoder.design(table)
    y = table[target]
    if y.dtype == object and not hasattr(model, "predict_proba"):
        raise InputError(f"{data.label}, column {printable(target)!r}: the target of "
                         f"--model {args.model} must be numbers, and it holds text (such as "
                         f"{printable(str(y[0])[:40])!r}); --model logistic takes classes")
    options = {}
    if args.weights is not None:
        weights = table[args.weights]
        if weights.dtype == object or np.any(weights < 0) or not np.any(weights > 0):
            raise InputError(f"--weights {printable(args.weights)!r}: weights must be numbers "
                             ">= 0, not all zero")
        if "sample_weight" not in inspect.signature(model.fit).parameters:
            raise InputError(f"--weights is not available for --model {args.model}")
        options["sample_weight"] = weights
    model.fit(_NamedColumns(X, encoder.columns), y, **options)
    return model, encoder


class _ColumnEncoder:
    """The design of ``--features``: numbers as they are, text as treatment (dummy) columns
    against the first level in sorted order, named as statsmodels names them (``g[T.b]``)."""

    def __init__(self, data, features, levels, dropped=0):
        self.data, self.features, self.levels = data, list(features), levels
        self.dropped = dropped
        self.columns = []
        for name in features:
            if name in levels:
                self.columns += [f"{printable(name)}[T.{printable(level)}]"
                                 for level in levels[name][1:]]
            else:
                self.columns.append(printable(name))

    @classmethod
    def from_table(cls, data, features, table, dropped=0):
        levels = {}
        for name in features:
            if table[name].dtype == object:
                found = sorted(set(table[name]))
                if len(found) < 2:
                    raise InputError(f"{data.label}, column {printable(name)!r}: one level "
                                     f"({printable(found[0])!r}) in every row; a constant "
                                     "column has no effect to estimate, so leave it out")
                levels[name] = found
        return cls(data, features, levels, dropped)

    def notes(self):
        notes = [f"{printable(name)} is categorical: {len(levels)} levels, reference level "
                 f"{printable(levels[0])!r}" for name, levels in self.levels.items()]
        if self.dropped:
            notes.append(f"{self.dropped} rows with missing values were left out.")
        return notes

    def design(self, table, label=None):
        parts = []
        for name in self.features:
            column = table[name]
            if name not in self.levels:
                if column.dtype == object:
                    raise InputError(f"{label or self.data.label}, column {printable(name)!r}: "
                                     "holds text, but the model was fitted on numbers there")
                parts.append(column[:, None])
                continue
            if column.dtype != object:
                column = np.array([_number_text(v) for v in column], dtype=object)
            known = self.levels[name]
            unseen = sorted(set(column) - set(known))
            if unseen:
                raise InputError(f"{label or self.data.label}, column {printable(name)!r}: "
                                 f"level {printable(unseen[0])!r} was not in the training "
                                 f"data (levels {', '.join(printable(k) for k in known)})")
            parts.append(np.column_stack([(column == level).astype(float)
                                          for level in known[1:]]))
        return np.column_stack(parts)

    def predict_table(self, path, sep):
        new = open_csv(path, sep)
        return read_table(new, self.features), new.label


def _number_text(value):
    return repr(float(value)) if float(value) != int(value) else str(int(value))


class _FormulaEncoder:
    """New rows through a fitted formula's encoding."""

    def __init__(self, fitted):
        self.fitted = fitted

    def notes(self):
        return []          # the formula's summary notes them already

    def predict_table(self, path, sep):
        """The columns of the new file that the formula's right-hand side uses."""
        new = open_csv(path, sep)
        used = [name for name in new.columns if name in self.fitted.variables]
        return read_table(new, used or new.columns[:1]), new.label    # (y ~ 1: the rows)


def _write_predictions(args, fitted, encoder):
    """Predictions for the rows of ``--predict``, with intervals where the model has them."""
    table, label = encoder.predict_table(args.predict, args.sep)
    alpha = 1 - args.level
    if isinstance(encoder, _FormulaEncoder):
        pandas = _need("pandas", "--formula")
        design = encoder.fitted.design(pandas.DataFrame(table.columns))
        model = encoder.fitted.model
    else:
        design, model = _NamedColumns(encoder.design(table, label), encoder.columns), fitted
    columns, values = _prediction_columns(model, design, alpha)
    lines = [",".join(columns)]
    lines += [",".join(_cell(v) for v in row) for row in zip(*values)]
    text = "\n".join(lines) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return
    check_replaceable_data(args.out)
    with open(args.out, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    print(f"wrote {len(lines) - 1} predictions to {printable(args.out)}", file=sys.stderr)


def _prediction_columns(model, design, alpha):
    """Column names and value arrays: statsmodels' summary_frame where the model has one."""
    if hasattr(model, "get_prediction"):
        frame = model.get_prediction(design)
        names = ["mean", "mean_se", "mean_ci_lower", "mean_ci_upper"]
        lower, upper = frame.conf_int(alpha).T
        values = [frame.predicted_mean, frame.se_mean, lower, upper]
        if frame.noise_variance is not None:
            low, high = frame.conf_int(alpha, obs=True).T
            names += ["obs_ci_lower", "obs_ci_upper"]
            values += [low, high]
        return names, [np.asarray(v, dtype=float) for v in values]
    if hasattr(model, "predict_interval"):
        mean, std = model.predict(design, return_std=True)
        low, high = model.predict_interval(design, level=1 - alpha).T
        return ["mean", "sd", "ci_lower", "ci_upper"], [mean, std, low, high]
    if hasattr(model, "predict_proba"):
        proba = np.asarray(model.predict_proba(design))
        labels = np.array([_label(c) for c in np.asarray(model.predict(design))], dtype=object)
        return (["class"] + [f"p_{printable(_label(c))}" for c in model.classes_],
                [labels] + [proba[:, k] for k in range(proba.shape[1])])
    return ["prediction"], [np.asarray(model.predict(design), dtype=float)]


def _label(value):
    """A class label as text: a whole number read as a float (1.0) as the integer."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _cell(value):
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    text = str(value)
    return f'"{text}"' if any(c in text for c in ',"\n') else text


def check_replaceable_data(path):
    """``--out`` may be a new file or an old one, never a folder or a symlink."""
    if os.path.islink(path):
        raise InputError(f"--out {printable(path)} is a symbolic link; give a plain file name")
    if os.path.isdir(path):
        raise InputError(f"--out {printable(path)} is a folder; give a file name")


def _print_summary(summary, form):
    if form == "text":
        print(summary)
        return
    record = summary.to_dict()
    if form == "json":
        print(json.dumps(_json_safe(record), indent=2, allow_nan=False))
        return
    writer = csv.writer(sys.stdout, lineterminator="\n")
    keys = list(record["parameters"][0])
    writer.writerow(keys)
    for row in record["parameters"]:
        writer.writerow([repr(v) if isinstance(v, float) else v for v in row.values()])


def _json_safe(value):
    """NaN and infinities, which JSON has no numbers for, as null (as pandas' ``to_json``
    writes them; the text summary shows which)."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def tour_command(args):
    """Verify every derivation, fit every example model on the bundled data, draw the figures."""
    print("== Derivations: SymPy, checked against SciPy and against probml")
    status = check_command(argparse.Namespace(names=[], jobs=CHECK_JOBS))
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
        print(f"\n== Figures: every teaching figure, redrawn into {printable(out)}")
        figures_command(argparse.Namespace(names=[], out=out, format="png",
                                           jobs=min(2, os.cpu_count() or 1)))
        print(f"Open {printable(os.path.join(out, 'README.md'))} for the gallery.")
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
    folder = _figure_folder(out)
    for derivation in built.values():        # each page shows the figures that draw it
        drawn = [(spec.name, spec.caption) for spec in map(figures.get, figures.names())
                 if spec.derivation == derivation.name]
        derivation.figures = tuple((name, caption) for name, caption in drawn
                                   if folder and (out / folder / f"{name}.png").is_file())
        derivation.notes = derivation.notes + [
            f"*Figure `{name}` draws this result: `probml figures {name}`, run in the folder "
            "that holds this page's folder, draws it beside the pages, and `probml derive` "
            "then shows it here.*"
            for name, caption in drawn if (name, caption) not in derivation.figures]
    for file in [*(out / f"{name}.md" for name in names), out / "README.md"]:
        check_replaceable(file)
    for name in names:
        page = built[name].to_markdown(figures=folder or False)
        write_generated(out / f"{name}.md", f"{MARKDOWN_MARK}\n\n{page}")
    write_generated(out / "README.md", derivation_index(built.values()))
    print(f"wrote {len(names)} derivation page(s) and the index to {printable(out)}")
    return 0


# The committed figures of the clone probml runs from (absent from an installed probml).
CLONE_FIGURES = Path(__file__).resolve().parent.parent / "figures"


def _figure_folder(out):
    """Where the pages in ``out`` find the figures, as a relative link, or None.

    The folder beside them (``../figures``, as in the repository, or where
    ``probml figures`` wrote), else the figures of the clone probml runs from;
    an installed probml has none, and its pages then name the command that
    draws each figure rather than link to a file that does not exist.
    """
    for folder in (out.parent / "figures", CLONE_FIGURES):
        if (folder / "README.md").is_file():
            return Path(os.path.relpath(os.path.abspath(folder), os.path.abspath(out))).as_posix()
    return None


# Processes that verify the derivations: two where there are two CPUs (each verification is
# independent of the others, and the table comes out in the same order).
CHECK_JOBS = min(2, os.cpu_count() or 1)


def check_command(args):
    """Verify derivations and print a table; exit 1 if any part fails.

    With ``--jobs`` above 1 the derivations are verified in that many processes
    (never more than there are CPUs); each is verified as it would be alone,
    and the table keeps the registry's order.
    """
    names = _derivation_names(args.names)
    if args.jobs < 1:
        raise InputError(f"--jobs must be a whole number >= 1, got {args.jobs}")
    header = f"{'derivation':28} {'symbolic':10} {'vs SciPy':18} {'vs probml':18} {'time':>7}"
    print(header)
    print("-" * len(header))
    failed, total = [], 0.0
    for name, report in zip(names, _verified(names, args.jobs)):
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


def _verify(name):
    from . import derivations

    return derivations.get(name).verify()


def _verified(names, jobs):
    """Each derivation's verification report, in the order of ``names``."""
    jobs = max(1, min(jobs, len(names), os.cpu_count() or 1))
    if jobs == 1:
        yield from map(_verify, names)
        return
    from concurrent.futures import ProcessPoolExecutor

    from . import derivations  # noqa: F401 (SymPy, imported once before the workers start)

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(_verify, names)


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
        raise InputError(f"no figure named {', '.join(map(repr, map(printable, unknown)))}; "
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
          f"(figures.json) to {printable(out)}")
    return 0


def docs_command(args):
    """Build the documentation site; with --check, load every page in headless Chromium."""
    from . import site

    if args.jobs < 1:
        raise InputError(f"--jobs must be a whole number >= 1, got {args.jobs}")
    if args.screenshot and not args.check:
        raise InputError("--screenshot goes with --check (the browser takes it)")
    out = prepare_folder(args.out)
    if any(out.iterdir()) and not (out / ".buildinfo").is_file():
        raise InputError(f"--out {printable(out)} holds files that are not a site probml "
                         "built; give a new or empty folder")
    try:
        pages, seconds = site.build(out, args.source, jobs=args.jobs)
    except site.SiteError as error:
        raise InputError(str(error)) from None
    print(f"built {len(pages)} pages in {seconds:.0f} s into {printable(out)}; open "
          f"{printable(out / 'index.html')}")
    if not args.check:
        return 0
    from ._browser import check_site, chromium

    if chromium() is None:
        raise InputError("--check needs Chromium: apt-get install chromium (or set "
                         "PROBML_CHROMIUM)")
    shots = [("derivations/gaussian-mle.html", args.screenshot)] if args.screenshot else []
    try:
        problems, count = check_site(out, screenshots=shots)
    except RuntimeError as error:           # Chromium did not start or stopped answering
        raise InputError(f"--check: {error}") from None
    for page, found in problems.items():
        for problem in found:
            print(f"{printable(page)}: {printable(problem)}", file=sys.stderr)
    print(f"checked {count} pages in Chromium: "
          f"{sum(map(len, problems.values()))} problem(s)")
    return 1 if problems else 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="probml", description="Derive, verify, fit and draw probabilistic models.")
    parser.add_argument("--version", action="version", version=f"probml {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    fit = commands.add_parser(
        "fit", help="fit a model to a CSV file and print a summary",
        description="Fit a model to a delimited text file with a header line.  Give the "
        "response and the features as a formula (--formula 'y ~ x1 + C(g)', which needs "
        "probml[formula]) or as columns (--target y [--features x1 x2], default every other "
        "column; a text column is categorical, coded against its first level).")
    fit.add_argument("data", help="CSV file with a header line (delimiter detected); or a "
                     "Parquet file, or a folder of CSV or Parquet files, streamed with Dask "
                     "(probml[dask])")
    response = fit.add_mutually_exclusive_group(required=True)
    response.add_argument("--formula", help="model formula, as in R and statsmodels")
    response.add_argument("--target", help="name of the response column")
    fit.add_argument("--features", nargs="+", metavar="NAME",
                     help="feature columns (default: every column but the target)")
    fit.add_argument("--model", choices=[*MODELS, *GLM_FAMILIES], default="linear",
                     help="linear (OLS), ridge, bayes, lasso, logistic, or a GLM family")
    fit.add_argument("--alpha", type=float, default=None,
                     help="penalty: Ridge/Lasso alpha, the logistic L2 strength, or the "
                          "starting prior precision for bayes")
    fit.add_argument("--link", default=None, help="link of a GLM (default: canonical)")
    fit.add_argument("--cov-type", default=None, dest="cov_type",
                     choices=["nonrobust", "HC0", "HC1", "HC2", "HC3"],
                     help="covariance of the estimates (linear, GLMs)")
    fit.add_argument("--max-iter", type=int, default=None, dest="max_iter",
                     help="iteration limit of an iterative fit (logistic, lasso, GLMs)")
    fit.add_argument("--weights", metavar="COLUMN", help="column of analytic weights")
    fit.add_argument("--missing", choices=MISSING_RULES, default="drop",
                     help="a row with a missing value (an empty cell, NA, NaN, N/A, null or "
                          "None) in a column the model uses: leave it out, counted in a "
                          "warning and in the summary's observations (drop, the default, as R "
                          "and statsmodels' formulas do), or stop at it, naming its line and "
                          "column (raise)")
    fit.add_argument("--level", type=float, default=0.95,
                     help="confidence level of intervals (default 0.95)")
    fit.add_argument("--format", choices=["text", "json", "csv"], default="text",
                     help="the summary as a table, JSON, or the coefficients as CSV")
    fit.add_argument("--sep", default=None, help="delimiter (default: detected among , ; "
                     "tab |)")
    fit.add_argument("--predict", metavar="NEW.csv",
                     help="predict the rows of this file (with intervals where the model "
                          "has them) as CSV: to --out, else instead of the summary")
    fit.add_argument("--out", metavar="FILE", help="file for the --predict output")
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
    check.add_argument("--jobs", type=int, default=CHECK_JOBS,
                       help="processes to verify with (default: 2 where there are 2 CPUs; "
                            "the table is the same)")
    check.set_defaults(run=check_command)
    draw = commands.add_parser("figures", help="regenerate the teaching figures and their "
                               "gallery")
    draw.add_argument("names", nargs="*", help="figures to draw (default: all)")
    draw.add_argument("--out", default="figures", help="folder for the figures")
    draw.add_argument("--format", choices=["png", "svg", "pdf"], default="png")
    draw.add_argument("--jobs", type=int, default=1, help="processes to draw with")
    draw.set_defaults(run=figures_command)
    docs = commands.add_parser("docs", help="build the documentation site (needs "
                               "probml[docs]; run it in a clone)")
    docs.add_argument("--out", default="site", help="folder for the site (default: site)")
    docs.add_argument("--source", default=None, metavar="CLONE",
                      help="the clone to build from (default: the one around this folder)")
    docs.add_argument("--jobs", type=int, default=1, help="notebooks to execute at a time")
    docs.add_argument("--check", action="store_true",
                      help="then load every page in headless Chromium and report broken "
                           "links, missing images, unrendered math and script errors")
    docs.add_argument("--screenshot", metavar="PNG", default=None,
                      help="with --check: the Gaussian MLE derivation page as a PNG here")
    docs.set_defaults(run=docs_command)
    return parser


def main(argv=None):
    """Run a command: every failure is one line on stderr and a non-zero exit, no traceback.

    Output into a pipe that closes early (``probml check | head``) ends the command
    quietly with status 141, as a shell reports a Unix tool that SIGPIPE stopped
    (128 + 13), without Python's "Broken pipe" message.
    """
    try:
        try:
            return _run(build_parser().parse_args(argv))
        finally:
            # Written out here, so that a closed pipe shows now, not at the interpreter's exit.
            sys.stdout.flush()
    except BrokenPipeError:     # standard output's reader has gone (see _run)
        # Python's recommended handling (the signal module's note on SIGPIPE): point stdout
        # at /dev/null, so the interpreter's last flush at exit cannot fail again.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (AttributeError, OSError, ValueError):
            pass
        return _STOPPED_BY_SIGPIPE


# The status a shell gives a command that SIGPIPE stopped: 128 + the signal's number.
_STOPPED_BY_SIGPIPE = 128 + 13


def _stdout_closed():
    """Whether the reader of standard output has gone (a pipe closed at its other end)."""
    try:
        import select

        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):   # no poll (Windows) or no real stdout
        return False


def _run(args):
    def show_warning(message, category, filename, lineno, file=None, line=None):
        """A warning as one line, without the source line Python would quote."""
        _error_line(f"probml {args.command}: warning: {printable(message)}")

    try:
        with warnings.catch_warnings():
            warnings.showwarning = show_warning
            return args.run(args)
    except BrokenPipeError:
        if _stdout_closed():
            raise               # the reader of the output has gone: main ends quietly
        message = "a pipe it wrote to was closed (Broken pipe)"
    except (InputError, ValueError, TypeError, OSError) as error:
        message = str(error) or type(error).__name__
    except MemoryError:
        message = ("not enough memory for this data (it would need more than this machine "
                   "has); use fewer columns or rows")
    except KeyboardInterrupt:
        _error_line(f"probml {args.command}: interrupted")
        return 130
    except Exception as error:  # noqa: BLE001 - the command line never shows a traceback
        message = (f"internal error ({type(error).__name__}: {error}); please report it at "
                   "the project's issue tracker")
        _error_line(f"probml {args.command}: error: {printable(message)}")
        return 1
    _error_line(f"probml {args.command}: error: {printable(message)}")
    return 2


def _error_line(text):
    """One line on stderr; nothing if stderr itself is a closed pipe (``2>&1 | head``)."""
    try:
        print(text, file=sys.stderr)
    except BrokenPipeError:
        pass


if __name__ == "__main__":
    sys.exit(main())
