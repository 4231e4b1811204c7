r"""Reading a delimited text file (CSV) for the command line: fast, and exact about problems.

Two kinds of reader share one set of rules.

* The **fast** ones parse with pyarrow's multithreaded CSV reader when pyarrow
  is installed (the extra ``probml[arrow]``), else with pandas' C parser, else
  with NumPy's C ``loadtxt``.  :func:`map_numeric_blocks` runs a function over
  blocks of ``BLOCK_ROWS`` rows of numeric columns, streamed, so a fit that
  needs only its sufficient statistics never holds the data;
  :func:`read_table` reads whole columns.
* The **careful** one (:func:`careful_table`, and its streamed twin), Python's
  ``csv`` module with a cap on every line, knows the line of every cell.
  Whenever a fast reader meets anything it does not expect (a cell that is not
  a number, a missing value it cannot tell apart, a ragged row, bytes that are
  not UTF-8), the careful reader reads the file again and either gives the
  same values or reports the problem by its line, as an editor numbers it,
  and column.

The rules: the first line names the columns (a UTF-8 byte-order mark is
ignored; an unnamed first column, the index pandas writes, is dropped; a name
may not repeat).  The delimiter is the one of ``, ; TAB |`` that splits the
first lines into the same number of cells, unless given.  A column holds
numbers, or text (categories); a column of numbers with a word in it, or
dates, which have no single numeric encoding, are errors that say what to do.
A cell that is empty or ``NA``, ``NaN``, ``N/A``, ``null`` or ``None`` (in any
case) is a missing value: an error by line and column (``missing="raise"``),
or NaN in a column of numbers and None in one of text, for the caller to leave
its row out.  Blank lines are skipped (a line of delimiters alone is a row of missing
values).  Every reader returns the same doubles
(each correctly rounded, as ``float()`` rounds) in the same blocks, so a fit
does not depend on which reader is installed, nor on the machine.
"""

import csv
import functools
import itertools
import math
import os
import re
import warnings
from dataclasses import dataclass, field

import numpy as np

from ._blocks import one_blas_thread

__all__ = ["CsvFile", "InputError", "careful_table", "map_numeric_blocks", "open_csv",
           "printable", "read_table"]

# A missing value, in any case (pandas' and pyarrow's null lists name each spelling).
MISSING = {"", "na", "nan", "n/a", "null", "none"}
MISSING_SPELLINGS = sorted({"".join(letters) for word in MISSING
                            for letters in itertools.product(*({c.lower(), c.upper()}
                                                               for c in word))})
# What to do with a row with a missing value: stop at it, naming its line and column, or
# leave it out (counted).  R's na.omit and statsmodels' formulas leave such rows out.
MISSING_RULES = ("drop", "raise")
# The longest line and the most cells a data file may have: a wider file is a mistake
# (or not a CSV), and is refused before it fills the memory.
MAX_LINE = 1 << 20
MAX_COLUMNS = 10_000
# The careful reader holds every cell as text: larger files are read by the fast ones.
MAX_CAREFUL_BYTES = 1 << 30
DELIMITERS = (",", ";", chr(9), "|")     # chr(9): a tab
# Rows per block of a streamed read: a few MB of float64 for a few columns.  The blocks
# are cut every BLOCK_ROWS data rows from the first, whichever reader reads them, so the
# sums over them are the same to the last bit with every reader and on every machine.
BLOCK_ROWS = 50_000
# Bytes pyarrow parses at a time, on its threads, ahead of the blocks' use: its streamed
# reader reads up to 32 such pieces ahead, so they bound the memory in flight (16 MiB).
ARROW_BLOCK_BYTES = 1 << 19
# Lines read to detect the delimiter.
SNIFF_LINES = 20
_DATE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d*)?)?)?"
                   r"(Z|[+-]\d{2}:?\d{2})?|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}:\d{2}(:\d{2})?)\s*$")


_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+([eE][-+]?\d+)?\s*$")


class InputError(Exception):
    """Bad input to a command: reported as one line, exit status 2."""


def printable(text):
    """``text`` with control characters escaped, so a hostile name cannot drive the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


@dataclass
class CsvFile:
    """A data file's layout: where it is, its delimiter and its column names."""

    path: str
    sep: str
    names: list
    index_column: bool = False
    header_bytes: int = 0            # where the first data line starts
    notes: list = field(default_factory=list)

    @property
    def label(self):
        return printable(self.path)

    @functools.cached_property
    def has_quote(self):
        """Whether a quote character follows the header (pyarrow then reads values that
        may hold line breaks): the file scanned once, whatever the number of reads."""
        return _has_quote(self.path, self.header_bytes)

    def column(self, name, role="column"):
        """The position of column ``name``, or an error listing the columns."""
        if name not in self.names:
            asked = "" if role == "column" else f" (the {role})"
            raise InputError(f"{self.label}: no column {printable(name)!r}; the columns are "
                             f"{[printable(n) for n in self.names if n]}{asked}")
        return self.names.index(name)

    @property
    def columns(self):
        """The named columns (without a saved index)."""
        return [n for j, n in enumerate(self.names) if not (self.index_column and j == 0)]


def _open(path, mode="r"):
    try:
        if os.path.isdir(path):
            raise IsADirectoryError(21, "Is a directory")
        if mode == "rb":
            return open(path, "rb")
        return open(path, encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise InputError(f"{printable(path)}: no such file") from None
    except OSError as error:
        raise InputError(f"{printable(path)}: cannot be read ({error.strerror or error})") \
            from None


def _capped_lines(handle, label, limit=None):
    """The handle's lines, each at most MAX_LINE characters and free of NUL bytes."""
    total, number = 0, 0
    try:
        while True:
            line = handle.readline(MAX_LINE + 1)
            if not line:
                return
            number += 1
            if len(line) > MAX_LINE:
                raise InputError(f"{label}, line {number}: longer than {MAX_LINE:,} "
                                 "characters; this is not a CSV file probml can read")
            if "\0" in line:
                raise InputError(f"{label}, line {number}: contains NUL bytes; this is a "
                                 "binary file, not a CSV file")
            total += len(line)
            if limit is not None and total > limit:
                raise InputError(f"{label}: larger than {limit >> 30} GiB with cells that are "
                                 "not numbers; fit such data from Python, in chunks")
            yield line
    except UnicodeDecodeError as error:
        raise InputError(f"{label}, line {number + 1}: not UTF-8 text ({error.reason})") \
            from None
    except OSError as error:
        raise InputError(f"{label}: cannot be read ({error.strerror or error})") from None


def _split(line, sep):
    return next(csv.reader([line], delimiter=sep), [])


def open_csv(path, sep=None):
    """Read the header (and detect the delimiter from the first lines when ``sep`` is None).

    Returns
    -------
    CsvFile
    """
    label = printable(path)
    if sep in ("tab", "\\t"):                 # as a shell passes a typed \t
        sep = chr(9)
    if sep is not None and (len(sep) != 1 or sep in ('"', "\n", chr(13))):
        raise InputError(f"--sep must be one character other than a quote or a line end "
                         f"(or 'tab'), got {printable(sep)!r}")
    with _open(path) as handle:
        lines = []
        for line in _capped_lines(handle, label):
            lines.append(line)
            if len(lines) >= SNIFF_LINES:
                break
    if not any(line.strip() for line in lines):
        raise InputError(f"{label}: the file is empty; expected a header line of column names")
    if not lines[0].strip():
        raise InputError(f"{label}, line 1: blank; the first line must name the columns")
    try:
        if sep is None:
            sep = _detect_delimiter(lines)
        header = [name.strip() for name in _split(lines[0], sep)]
    except csv.Error as error:
        raise InputError(f"{label}: not a CSV file probml can read ({error})") from None
    if len(header) > MAX_COLUMNS:
        raise InputError(f"{label}: {len(header):,} columns; at most {MAX_COLUMNS:,} are "
                         "supported from the command line")
    duplicated = sorted({name for name in header if header.count(name) > 1 and name})
    if duplicated:
        names = ", ".join(repr(printable(name)) for name in duplicated)
        raise InputError(f"{label}: the header names {names} more than once; give every "
                         "column its own name")
    index_column = header[0] == "" and len(header) > 1
    if "" in header[1 if index_column else 0:]:
        position = header.index("", 1 if index_column else 0) + 1
        raise InputError(f"{label}, line 1: column {position} has no name; name every column")
    with _open(path, "rb") as raw:
        raw.readline(MAX_LINE + 1)
        header_bytes = raw.tell()
    notes = []
    if index_column:
        notes.append(f"the first column of {label} has no name (a saved index); it is not "
                     "used as a feature")
    return CsvFile(str(path), sep, header, index_column, header_bytes, notes)


def _detect_delimiter(lines):
    """The candidate that splits the first lines into one number (> 1) of cells each;
    the one giving most cells if several do; a comma if none does."""
    best, best_cells = ",", 1
    for candidate in DELIMITERS:
        counts = {len(_split(line, candidate)) for line in lines if line.strip()}
        if len(counts) == 1:
            cells = counts.pop()
            if cells > best_cells:
                best, best_cells = candidate, cells
    return best


# -- the careful reader -----------------------------------------------------------------


@dataclass
class Table:
    """Columns read from a file: float64 arrays for numbers, object arrays for text.

    A missing value (``missing="keep"``) is NaN in a column of numbers and None
    in one of text.
    """

    columns: dict
    n_rows: int

    def __getitem__(self, name):
        return self.columns[name]

    def missing_rows(self, names):
        """Whether each row has a missing value in one of the columns ``names``."""
        rows = np.zeros(self.n_rows, dtype=bool)
        for name in names:
            column = self.columns[name]
            rows |= (np.equal(column, None) if column.dtype == object else np.isnan(column))
        return rows

    def rows(self, kept):
        """The table of the rows where ``kept`` is true."""
        return Table({name: column[kept] for name, column in self.columns.items()},
                     int(np.count_nonzero(kept)))


def _careful_rows(csv_file, positions, limit=None):
    """``(line, cells)`` for each data row: its line number, as an editor numbers it (a
    quoted cell may hold a line end), and its cells in ``positions``, stripped.  Blank
    lines are skipped; a row of another width than the header is an error."""
    label = csv_file.label
    width = len(csv_file.names)
    with _open(csv_file.path) as handle:
        reader = csv.reader(_capped_lines(handle, label, limit), delimiter=csv_file.sep)
        try:
            next(reader, None)
            previous = reader.line_num
            for row in reader:
                line, previous = previous + 1, reader.line_num
                if len(row) <= 1 and not "".join(row).strip():
                    continue
                if len(row) != width:
                    raise InputError(f"{label}, line {line}: {len(row)} cells, but the header "
                                     f"has {width}")
                yield line, [row[j].strip() for j in positions]
        except csv.Error as error:
            raise InputError(f"{label}: not a CSV file probml can read ({error})") from None


def _missing_value(where):
    return InputError(f"{where}: missing value; remove or impute that row (or leave such "
                      "rows out: --missing drop)")


def careful_table(csv_file, names, missing="raise"):
    """Read the columns ``names`` cell by cell, raising for the first problem by its line.

    ``missing="raise"`` makes a missing value an error; ``"keep"`` reads it as
    NaN (numbers) or None (text).

    Returns
    -------
    Table
    """
    label = csv_file.label
    positions = [csv_file.column(name) for name in names]
    cells = [[] for _ in names]
    lines = []
    for line, row in _careful_rows(csv_file, positions, MAX_CAREFUL_BYTES):
        if missing == "raise":
            for name, text in zip(names, row):
                if text.lower() in MISSING:
                    raise _missing_value(f"{label}, line {line}, column {printable(name)!r}")
        lines.append(line)
        for values, text in zip(cells, row):
            values.append(text)
    if not lines:
        raise InputError(f"{label}: the file has a header but no data rows")
    columns = {name: _typed_column(label, name, values, lines)
               for name, values in zip(names, cells)}
    return Table(columns, len(lines))


def _typed_column(label, name, values, lines):
    """Numbers as float64; text (no cell a number) as an object array; else an error.
    A missing value is NaN (numbers) or None (text)."""
    numbers = np.full(len(values), np.nan)
    first_number = first_text = None
    absent = []
    for i, text in enumerate(values):
        where = f"{label}, line {lines[i]}, column {printable(name)!r}"
        if text.lower() in MISSING:
            absent.append(i)
            continue
        try:
            numbers[i] = float(text)
        except ValueError:
            if first_text is None:
                first_text = i
            continue
        if not math.isfinite(numbers[i]):
            raise InputError(f"{where}: {printable(text[:40])!r} is not finite")
        if first_number is None:
            first_number = i
    if first_text is None:
        return numbers
    where = f"{label}, line {lines[first_text]}, column {printable(name)!r}"
    text = values[first_text]
    if first_number is not None:
        raise InputError(f"{where}: {printable(text[:40])!r} is not a number (the column holds "
                         f"numbers, as on line {lines[first_number]})")
    if _DATE.match(text):
        raise InputError(f"{where}: {printable(text[:40])!r} is a date or time, which has no "
                         "single numeric encoding; add a column of what matters (days since a "
                         "start date, the month or weekday as categories) and fit on that")
    if _DECIMAL_COMMA.match(text):
        raise InputError(f"{where}: {printable(text[:40])!r} looks like a number with a decimal "
                         "comma; probml reads '.' as the decimal mark: write the file with "
                         "decimal points (pandas: to_csv(decimal='.'))")
    text_values = np.array(values, dtype=object)
    text_values[absent] = None
    return text_values


def _careful_blocks(csv_file, positions, missing, block_rows):
    """The numeric columns ``positions`` in blocks of ``block_rows`` rows, cell by cell (a
    missing value NaN, or an error by line); ``ValueError`` at a cell that is not a number
    (its column may be text, which the caller reads whole)."""
    label, block = csv_file.label, []
    for line, row in _careful_rows(csv_file, positions):
        values = []
        for j, text in zip(positions, row):
            where = f"{label}, line {line}, column {printable(csv_file.names[j])!r}"
            if text.lower() in MISSING:
                if missing == "raise":
                    raise _missing_value(where)
                values.append(math.nan)
                continue
            try:
                value = float(text)
            except ValueError:
                raise ValueError(f"{where}: not a number") from None
            if not math.isfinite(value):
                raise InputError(f"{where}: {printable(text[:40])!r} is not finite")
            values.append(value)
        block.append(values)
        if len(block) == block_rows:
            yield np.array(block, dtype=np.float64)
            block = []
    if block:
        yield np.array(block, dtype=np.float64)


# -- the fast readers --------------------------------------------------------------------


class _Unexpected(Exception):
    """A fast reader met something it does not handle: the careful reader takes over."""


def _arrow():
    """pyarrow and its CSV reader, or None."""
    try:
        import pyarrow
        import pyarrow.csv
    except ImportError:
        return None
    return pyarrow


def _pandas():
    try:
        import pandas
    except ImportError:
        return None
    return pandas


def _exact_floats(pandas):
    """The option that makes pandas round every number correctly, as ``float()`` and NumPy
    do: before pandas 3 its default parser is off by an ulp in about a third of 17-digit
    numbers, so the fits would depend on the pandas installed."""
    major = int(pandas.__version__.split(".")[0])
    return {} if major >= 3 else {"float_precision": "round_trip"}


def read_table(csv_file, names, missing="raise"):
    """Read the columns ``names`` whole: numbers as float64, text as object arrays.

    pyarrow's reader when it is installed, else pandas'; the careful reader
    when neither is, or whenever the fast one finds anything but clean
    numbers, text and (with ``missing="keep"``) missing values, which are NaN
    (numbers) or None (text).
    """
    positions = [csv_file.column(name) for name in names]
    try:
        if (pyarrow := _arrow()) is not None:
            return _arrow_table(pyarrow, csv_file, names, positions, missing)
        if (pandas := _pandas()) is not None:
            return _pandas_table(pandas, csv_file, names, positions)
        if _all_numeric_by_sample(csv_file, positions):
            return _loadtxt_table(csv_file, names, positions)
    except _Unexpected:
        pass
    return careful_table(csv_file, names, missing)


def _arrow_options(pyarrow, csv_file, positions, column_type):
    """pyarrow's options for the columns ``positions`` (named ``c<position>``) as
    ``column_type``, with the missing values of every spelling as nulls."""
    from pyarrow import csv as arrow_csv

    names = [f"c{j}" for j in range(len(csv_file.names))]
    wanted = [names[j] for j in sorted(set(positions))]
    read = arrow_csv.ReadOptions(use_threads=True, block_size=ARROW_BLOCK_BYTES, skip_rows=1,
                                 column_names=names)
    parse = arrow_csv.ParseOptions(
        delimiter=csv_file.sep, quote_char='"', double_quote=True, escape_char=False,
        newlines_in_values=csv_file.has_quote,
        ignore_empty_lines=True)
    convert = arrow_csv.ConvertOptions(
        column_types={name: column_type for name in wanted}, include_columns=wanted,
        null_values=MISSING_SPELLINGS, strings_can_be_null=True,
        quoted_strings_can_be_null=True)
    return {"read_options": read, "parse_options": parse, "convert_options": convert}, wanted


def _arrow_table(pyarrow, csv_file, names, positions, missing):
    """The columns read by pyarrow: as float64, streamed (its parser rounds correctly, and
    a batch at a time is copied out, so pyarrow never holds the file), or, where a cell
    is not a number, read again as text."""
    unique = sorted(set(positions))
    try:
        found = _arrow_numbers(csv_file, unique, missing)
    except _Unexpected:
        found = _arrow_text(pyarrow, csv_file, unique, missing)
    rows = len(found[unique[0]])
    if rows == 0:
        raise _Unexpected()
    return Table({name: found[position] for name, position in zip(names, positions)}, rows)


def _arrow_numbers(csv_file, positions, missing):
    """``{position: float64 column}`` (NaN where missing) from :func:`_arrow_batches`,
    each batch copied into one array as it comes, so the data are held once.

    The array is sized from the first batch (pyarrow parses ``ARROW_BLOCK_BYTES`` of the
    file at a time; pages beyond the rows are never touched) and grows by half if that
    falls short.
    """
    size = os.path.getsize(csv_file.path) - csv_file.header_bytes
    columns, rows = np.empty((len(positions), 0)), 0
    for batch in _arrow_batches(csv_file, positions, missing):
        count = len(batch[0])
        if rows + count > columns.shape[1]:
            guess = count * (size // ARROW_BLOCK_BYTES + 2) if rows == 0 else 0
            grown = np.empty((len(positions), max(guess, rows + count, 3 * rows // 2)))
            grown[:, :rows] = columns[:, :rows]
            columns = grown
        for column, values in zip(columns, batch):
            column[rows:rows + count] = values
        rows += count
    return dict(zip(positions, columns[:, :rows]))


def _arrow_text(pyarrow, csv_file, positions, missing):
    """``{position: column}`` read by pyarrow as text: float64 where every cell is a
    number (pyarrow's cast, the same parser), else text checked as the careful reader
    would read it."""
    import pyarrow.compute
    from pyarrow import csv as arrow_csv

    options, wanted = _arrow_options(pyarrow, csv_file, positions, pyarrow.string())
    try:
        table = arrow_csv.read_csv(csv_file.path, **options)
    except (pyarrow.ArrowException, OSError) as error:
        raise _Unexpected() from error
    found = {}
    for position in positions:
        column = table.column(wanted.index(f"c{position}"))
        if column.null_count and missing == "raise":
            raise _Unexpected()
        try:
            numbers = pyarrow.compute.cast(column, pyarrow.float64())
        except pyarrow.ArrowInvalid:
            found[position] = _checked_text(column.to_pylist())
            continue
        parts = [_floats(chunk) for chunk in numbers.chunks]
        values = np.concatenate([values for values, _ in parts] or [np.empty(0)])
        nulls = np.concatenate([nulls for _, nulls in parts] or [np.empty(0, dtype=bool)])
        if not np.all(np.isfinite(values) | nulls):
            raise _Unexpected()      # a NaN or infinity pyarrow read as a number ("-nan")
        found[position] = values
    return found


def _floats(array):
    """A pyarrow float64 array as NumPy, NaN where null, and which entries are null.

    Read from its buffers: pyarrow's ``to_numpy`` imports pandas, which costs more
    than reading a file of a few hundred MB.
    """
    nulls = np.zeros(len(array), dtype=bool)
    if array.null_count:
        import pyarrow.compute

        bits = np.unpackbits(np.frombuffer(array.buffers()[0], dtype=np.uint8),
                             bitorder="little")
        nulls = bits[array.offset:array.offset + len(array)] == 0
        array = pyarrow.compute.fill_null(array, math.nan)
    values = np.frombuffer(array.buffers()[1], dtype=np.float64, count=len(array),
                           offset=8 * array.offset)
    return values, nulls


def _checked_text(values):
    """Cells of text (None where missing) stripped, as the careful reader reads them; or
    ``_Unexpected`` where that reader could differ: a cell that is a number, a date, a
    decimal comma or a missing value once stripped, or one that breaks its limits."""
    stripped = np.array([None if v is None else v.strip() for v in values], dtype=object)
    for value in stripped:
        if value is not None and (value.lower() in MISSING or _is_number(value)
                                  or _DATE.match(value) or _DECIMAL_COMMA.match(value)
                                  or "\0" in value or len(value) > MAX_LINE):
            raise _Unexpected()
    return stripped


def _pandas_table(pandas, csv_file, names, positions):
    try:
        frame = pandas.read_csv(csv_file.path, sep=csv_file.sep, header=0, usecols=positions,
                                keep_default_na=False, na_filter=False, encoding="utf-8-sig",
                                engine="c", skip_blank_lines=True, quotechar='"',
                                **_exact_floats(pandas))
    except Exception as error:  # noqa: BLE001 - any parser failure: the careful reader says why
        raise _Unexpected() from error
    if len(frame) == 0:
        raise _Unexpected()
    in_file_order = sorted(set(positions))      # pandas returns usecols in the file's order
    # Columns of whole numbers are read again as float64, as float() reads them: pandas
    # makes them integers, and "-0" a 0 without its sign.
    whole = [j for j, kind in zip(in_file_order, frame.dtypes) if kind.kind in "iu"]
    floats = dict(zip(whole, _pandas_floats(pandas, csv_file, whole).T)) if whole else {}
    columns = {}
    for name, position in zip(names, positions):
        column = frame.iloc[:, in_file_order.index(position)]
        if position in floats:
            values = np.ascontiguousarray(floats[position])
        elif column.dtype.kind in "if":
            values = column.to_numpy(dtype=np.float64)
            if not np.all(np.isfinite(values)):
                raise _Unexpected()
        elif column.dtype.kind == "b":
            raise _Unexpected()
        else:
            values = _checked_text([str(v) for v in column.to_numpy(dtype=object)])
        columns[name] = values
    return Table(columns, len(frame))


def _pandas_floats(pandas, csv_file, positions):
    """The columns ``positions`` (in the file's order) as float64, by pandas."""
    try:
        return pandas.read_csv(csv_file.path, sep=csv_file.sep, header=0, usecols=positions,
                               dtype=np.float64, na_filter=False, encoding="utf-8-sig",
                               engine="c", skip_blank_lines=True, quotechar='"',
                               **_exact_floats(pandas)).to_numpy()
    except Exception as error:  # noqa: BLE001
        raise _Unexpected() from error


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _all_numeric_by_sample(csv_file, positions):
    """Whether the first lines' cells in ``positions`` are all numbers."""
    with _open(csv_file.path) as handle:
        lines = _capped_lines(handle, csv_file.label)
        next(lines, None)
        for k, line in enumerate(lines):
            if k >= SNIFF_LINES:
                break
            row = _split(line, csv_file.sep)
            if row and any(len(row) <= j or not _is_number(row[j]) for j in positions):
                return False
    return True


def _loadtxt_table(csv_file, names, positions):
    try:
        with open(csv_file.path, encoding="utf-8-sig") as handle:
            data = np.loadtxt(handle, delimiter=csv_file.sep, skiprows=1, usecols=positions,
                              ndmin=2, dtype=np.float64, comments=None)
    except Exception as error:  # noqa: BLE001
        raise _Unexpected() from error
    if len(data) == 0 or not np.all(np.isfinite(data)):
        raise _Unexpected()
    return Table({name: data[:, k].copy() for k, name in enumerate(names)}, len(data))


# -- streamed blocks of numbers ----------------------------------------------------------


def map_numeric_blocks(csv_file, names, function, block_rows=BLOCK_ROWS, missing="raise"):
    """``[function(block) for block in blocks]`` and the number of rows left out: blocks of
    rows of the numeric columns ``names`` (float64, C order, in that column order), in
    file order, cut every ``block_rows`` data rows.

    Read by pyarrow's streamed reader on its threads (pandas' in chunks, or
    NumPy's ``loadtxt``, without it), so the file is never held whole.  A row
    with a missing value is an error by its line (``missing="raise"``) or left
    out of its block and counted (``"drop"``).  Raises ``ValueError`` where a
    cell is not a number: the caller then reads the file with
    :func:`read_table`, which reads text columns and names other problems.
    """
    positions = [csv_file.column(name) for name in names]
    if _arrow() is not None:
        fast = _arrow_batches
    else:
        fast = _pandas_blocks if _pandas() is not None else _loadtxt_blocks
    # A block's small products gain nothing from more BLAS threads, and OpenBLAS's
    # spinning workers would take the parser threads' cores.
    with one_blas_thread():
        try:
            return _mapped(fast(csv_file, positions, missing), function, block_rows, missing)
        except _Unexpected:
            blocks = _careful_blocks(csv_file, positions, missing, block_rows)
            return _mapped(blocks, function, block_rows, missing)


def _mapped(parts, function, block_rows, missing):
    results, dropped = [], 0
    for block in _reblocked(parts, block_rows):
        if missing == "drop":
            kept = ~np.isnan(block).any(axis=1)
            if not kept.all():
                dropped += len(block) - int(np.count_nonzero(kept))
                block = block[kept]
        if len(block):
            results.append(function(block))
    if not results:
        raise ValueError("no data rows")
    return results, dropped


def _reblocked(parts, block_rows):
    """The rows of ``parts`` (in order: 2-D arrays, or lists of columns) in C-order blocks
    of ``block_rows`` rows (the last shorter), each row copied once at most."""
    block, count = None, 0
    for part in parts:
        if isinstance(part, np.ndarray):
            if count == 0 and len(part) == block_rows:        # a block already
                yield np.ascontiguousarray(part)
                continue
            part = part.T
        start, rows = 0, len(part[0])
        while start < rows:
            if block is None:
                block = np.empty((block_rows, len(part)))
            take = min(block_rows - count, rows - start)
            for j, column in enumerate(part):
                block[count:count + take, j] = column[start:start + take]
            count, start = count + take, start + take
            if count == block_rows:
                yield block
                block, count = None, 0
    if count:
        yield block[:count]


def _arrow_batches(csv_file, positions, missing):
    """pyarrow's batches of the columns ``positions`` as float64: a list of NumPy columns
    per batch (views of its buffers, NaN where a value is missing); ``_Unexpected`` for
    anything else: a cell that is not a number or not finite, a ragged row, a missing
    value with ``missing="raise"``."""
    import pyarrow
    from pyarrow import csv as arrow_csv

    options, wanted = _arrow_options(pyarrow, csv_file, positions, pyarrow.float64())
    order = [wanted.index(f"c{j}") for j in positions]
    try:
        with arrow_csv.open_csv(csv_file.path, **options) as reader:
            for batch in reader:
                parts = [_floats(batch.column(k)) for k in order]
                for values, nulls in parts:
                    clean = np.isfinite(values)
                    # A NaN pyarrow read as a number ("-nan") is not a missing value.
                    if not clean.all() and (missing == "raise" or not (clean | nulls).all()):
                        raise _Unexpected()
                yield [values for values, _ in parts]
    except (pyarrow.ArrowException, OSError) as error:
        raise _Unexpected() from error


def _has_quote(path, start, piece=1 << 23):
    """Whether the file has a quote character after ``start`` (read a piece at a time, so
    the scan holds one piece, not the file)."""
    buffer = bytearray(piece)
    with open(path, "rb", buffering=0) as handle:
        handle.seek(start)
        while True:
            count = handle.readinto(buffer)
            if not count:
                return False
            if buffer.find(b'"', 0, count) != -1:
                return True


def _check_block(block, columns):
    if block.ndim != 2 or block.shape[1] != columns or not np.all(np.isfinite(block)):
        raise _Unexpected()
    return block


def _pandas_blocks(csv_file, positions, missing):
    """pandas' chunks of the columns as float64; ``_Unexpected`` for anything but finite
    numbers (a missing value among them: only the careful reader tells it from a short
    row, which pandas would pad with NaN)."""
    import pandas

    in_file_order = sorted(set(positions))     # pandas returns usecols in the file's order
    order = [in_file_order.index(j) for j in positions]
    try:
        reader = pandas.read_csv(csv_file.path, sep=csv_file.sep, header=0,
                                 usecols=in_file_order, dtype=np.float64,
                                 na_filter=False, chunksize=BLOCK_ROWS, engine="c",
                                 encoding="utf-8-sig", skip_blank_lines=True,
                                 **_exact_floats(pandas))
        with reader:
            for chunk in reader:
                values = chunk.to_numpy(dtype=np.float64)
                yield _check_block(values[:, order], len(positions))
    except (ValueError, TypeError, UnicodeDecodeError, pandas.errors.ParserError) as error:
        raise _Unexpected() from error


def _loadtxt_blocks(csv_file, positions, missing):
    """NumPy's ``loadtxt`` on chunks of the file's lines; ``_Unexpected`` for anything but
    finite numbers."""
    with open(csv_file.path, encoding="utf-8-sig") as stream:
        stream.readline()
        while True:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")     # "input contained no data" at the end
                    block = np.loadtxt(stream, delimiter=csv_file.sep, usecols=positions,
                                       max_rows=BLOCK_ROWS, ndmin=2, dtype=np.float64,
                                       comments=None)
            except (ValueError, UnicodeDecodeError) as error:
                raise _Unexpected() from error
            if len(block) == 0:
                return
            yield _check_block(block, len(positions))
