r"""Reading a delimited text file (CSV) for the command line: fast, and exact about problems.

Two readers share one set of rules.

* The **fast** ones parse with pandas' C parser when pandas is installed
  (NumPy's C ``loadtxt`` otherwise).  :func:`map_numeric_blocks` runs a
  function over blocks of rows of numeric columns, the file cut at line ends
  into ``READ_PARTS`` byte ranges read on up to as many threads, so a fit
  that needs only its sufficient statistics never holds the data;
  :func:`read_table` reads whole columns.
* The **careful** one (:func:`careful_table`), Python's ``csv`` module with
  a cap on every line, knows the line of every cell.  Whenever a fast reader
  meets anything it does not expect (a cell that is not a number, a missing
  value, a ragged row, bytes that are not UTF-8), the careful reader reads the
  file again and reports the problem by its line, as an editor numbers it,
  and column.

The rules: the first line names the columns (a UTF-8 byte-order mark is
ignored; an unnamed first column, the index pandas writes, is dropped; a name
may not repeat).  The delimiter is the one of ``, ; TAB |`` that splits the
first lines into the same number of cells, unless given.  A column holds
numbers, or text (categories); a column of numbers with a word in it, a
missing value, or dates, which have no single numeric encoding, are errors
that say what to do.  Blank lines are skipped.  The file cut and the blocks
do not depend on the machine, so neither do the sums over them.
"""

import csv
import io
import math
import os
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ._blocks import one_blas_thread

__all__ = ["CsvFile", "InputError", "careful_table", "map_numeric_blocks", "open_csv",
           "printable", "read_table"]

MISSING = {"", "na", "nan", "n/a", "null", "none"}
# The longest line and the most cells a data file may have: a wider file is a mistake
# (or not a CSV), and is refused before it fills the memory.
MAX_LINE = 1 << 20
MAX_COLUMNS = 10_000
# The careful reader holds every cell as text: larger files are read by the fast ones.
MAX_CAREFUL_BYTES = 1 << 30
DELIMITERS = (",", ";", chr(9), "|")     # chr(9): a tab
# The file is cut into this many byte ranges (a constant, so sums over the blocks are the
# same on every machine), read on up to as many threads.
READ_PARTS = 2
# Rows per block of a streamed read: a few MB of float64 for a few columns.
BLOCK_ROWS = 50_000
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
    """Columns read from a file: float64 arrays for numbers, object arrays for text."""

    columns: dict
    n_rows: int

    def __getitem__(self, name):
        return self.columns[name]


def careful_table(csv_file, names):
    """Read the columns ``names`` cell by cell, raising for the first problem by its line.

    Returns
    -------
    Table
    """
    label = csv_file.label
    positions = [csv_file.column(name) for name in names]
    width = len(csv_file.names)
    cells = [[] for _ in names]
    lines = []
    with _open(csv_file.path) as handle:
        reader = csv.reader(_capped_lines(handle, label, MAX_CAREFUL_BYTES),
                            delimiter=csv_file.sep)
        try:
            next(reader, None)
            previous = reader.line_num
            for row in reader:
                line, previous = previous + 1, reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != width:
                    raise InputError(f"{label}, line {line}: {len(row)} cells, but the header "
                                     f"has {width}")
                lines.append(line)
                for values, j in zip(cells, positions):
                    values.append(row[j].strip())
        except csv.Error as error:
            raise InputError(f"{label}: not a CSV file probml can read ({error})") from None
    if not lines:
        raise InputError(f"{label}: the file has a header but no data rows")
    columns = {name: _typed_column(label, name, values, lines)
               for name, values in zip(names, cells)}
    return Table(columns, len(lines))


def _typed_column(label, name, values, lines):
    """Numbers as float64; text (no cell a number) as an object array; else an error."""
    numbers = np.empty(len(values))
    first_number = first_text = None
    for i, text in enumerate(values):
        where = f"{label}, line {lines[i]}, column {printable(name)!r}"
        if text.lower() in MISSING:
            raise InputError(f"{where}: missing value; remove or impute that row")
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
    return np.array(values, dtype=object)


# -- the fast readers --------------------------------------------------------------------


class _Unexpected(Exception):
    """A fast reader met something it does not handle: the careful reader takes over."""


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


def read_table(csv_file, names):
    """Read the columns ``names`` whole: numbers as float64, text as object arrays.

    pandas' parser when it is installed; the careful reader otherwise, or
    whenever pandas finds anything but clean numbers and text.
    """
    pandas = _pandas()
    positions = [csv_file.column(name) for name in names]
    if pandas is not None:
        try:
            return _pandas_table(pandas, csv_file, names, positions)
        except _Unexpected:
            pass
    elif _all_numeric_by_sample(csv_file, positions):
        try:
            return _loadtxt_table(csv_file, names, positions)
        except _Unexpected:
            pass
    return careful_table(csv_file, names)


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
    columns = {}
    in_file_order = sorted(positions)           # pandas returns usecols in the file's order
    for name, position in zip(names, positions):
        column = frame.iloc[:, in_file_order.index(position)]
        if column.dtype.kind in "if":
            values = column.to_numpy(dtype=np.float64)
            if not np.all(np.isfinite(values)):
                raise _Unexpected()
        elif column.dtype.kind == "b":
            raise _Unexpected()
        else:
            values = column.to_numpy(dtype=object)
            stripped = np.array([str(v).strip() for v in values], dtype=object)
            if any(v.lower() in MISSING or _is_number(v) or _DATE.match(v)
                   or _DECIMAL_COMMA.match(v) for v in stripped):
                raise _Unexpected()
            values = stripped
        columns[name] = values
    return Table(columns, len(frame))


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


def map_numeric_blocks(csv_file, names, function, block_rows=BLOCK_ROWS):
    """``[function(block) for block in blocks]``, blocks of rows of the numeric columns
    ``names`` (float64, in that column order) in file order.

    The file is cut at line ends into ``READ_PARTS`` byte ranges, read on as
    many threads with pandas (NumPy's ``loadtxt`` without it); a file with a
    quote character is read as one range (a quoted cell may hold a line end).
    Raises ``ValueError`` when a block is not clean numbers: the caller then
    reads the file with :func:`read_table`, whose careful reader names the
    problem.
    """
    positions = [csv_file.column(name) for name in names]
    ranges = _byte_ranges(csv_file)
    pandas = _pandas()
    reader = _pandas_blocks if pandas is not None else _loadtxt_blocks

    def run(byte_range):
        return [function(block) for block in reader(csv_file, positions, byte_range,
                                                    block_rows)]

    # A block's small products gain nothing from more BLAS threads, and OpenBLAS's
    # spinning workers would take the parser threads' cores.
    with one_blas_thread():
        if len(ranges) == 1:
            parts = [run(ranges[0])]
        else:
            with ThreadPoolExecutor(len(ranges), thread_name_prefix="probml-csv") as pool:
                parts = list(pool.map(run, ranges))
    results = [result for part in parts for result in part]
    if not results:
        raise ValueError("no data rows")
    return results


def _byte_ranges(csv_file):
    size = os.path.getsize(csv_file.path)
    start = csv_file.header_bytes
    if size - start < (1 << 20) or _has_quote(csv_file.path, start):
        return [(start, size)]
    cuts = [start]
    with open(csv_file.path, "rb") as handle:
        for k in range(1, READ_PARTS):
            handle.seek(start + (size - start) * k // READ_PARTS)
            handle.readline()
            cuts.append(handle.tell())
    cuts.append(size)
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


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


class _Range(io.RawIOBase):
    """The bytes ``[start, stop)`` of a file, as a raw stream."""

    def __init__(self, path, start, stop):
        self._handle = open(path, "rb", buffering=0)
        self._handle.seek(start)
        self._left = stop - start

    def readable(self):
        return True

    def readinto(self, buffer):
        if self._left <= 0:
            return 0
        count = self._handle.readinto(memoryview(buffer)[:min(len(buffer), self._left)])
        self._left -= count
        return count

    def close(self):
        self._handle.close()
        super().close()


def _check_block(block, columns):
    if block.ndim != 2 or block.shape[1] != columns or not np.all(np.isfinite(block)):
        raise ValueError("not clean numbers")
    return block


def _pandas_blocks(csv_file, positions, byte_range, block_rows):
    import pandas

    order = np.argsort(np.argsort(positions))
    with io.BufferedReader(_Range(csv_file.path, *byte_range), 1 << 20) as stream:
        try:
            reader = pandas.read_csv(stream, sep=csv_file.sep, header=None,
                                     usecols=sorted(positions), dtype=np.float64,
                                     chunksize=block_rows, engine="c", encoding="utf-8",
                                     **_exact_floats(pandas))
            with reader:
                for chunk in reader:
                    values = chunk.to_numpy(dtype=np.float64)
                    if values.shape[1] != len(positions):
                        raise ValueError("ragged")
                    # C order, as loadtxt gives it: the sums over a block then do not depend
                    # on which parser read it.
                    yield _check_block(np.ascontiguousarray(values[:, order]), len(positions))
        except (ValueError, TypeError, UnicodeDecodeError, pandas.errors.ParserError) as error:
            raise ValueError(str(error)) from None


def _loadtxt_blocks(csv_file, positions, byte_range, block_rows):
    with io.TextIOWrapper(io.BufferedReader(_Range(csv_file.path, *byte_range), 1 << 20),
                          encoding="utf-8") as stream:
        while True:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")     # "input contained no data" at the end
                    block = np.loadtxt(stream, delimiter=csv_file.sep, usecols=positions,
                                       max_rows=block_rows, ndmin=2, dtype=np.float64,
                                       comments=None)
            except (ValueError, UnicodeDecodeError) as error:
                raise ValueError(str(error)) from None
            if len(block) == 0:
                return
            yield _check_block(block, len(positions))
