"""Timing and generated data shared by the benchmark scripts."""

import os
import tempfile
import time
import warnings


def best_time(function, repeat):
    """The shortest of ``repeat`` runs of ``function()``, in seconds, and its last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def best_times(cases, repeat):
    """``{name: best_time(case, repeat) seconds}`` for a dict of cases, their warnings
    silenced (a benchmark times fits, whatever they say)."""
    timings = {}
    for name, case in cases.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            timings[name] = best_time(case, repeat)[0]
    return timings


def add_size_arguments(parser, sizes, repeat):
    """``--sizes NxP ...`` (parsed to ``(n, p)`` pairs) and ``--repeat``, for every script."""
    parser.add_argument("--sizes", nargs="+", type=_matrix_size, default=list(map(
        _matrix_size, sizes)), metavar="NxP", help="data sizes: rows x columns")
    parser.add_argument("--repeat", type=int, default=repeat,
                        help="runs per timing; the best is kept")


def _matrix_size(text):
    import argparse

    try:
        n, p = (int(part) for part in text.split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected rows x columns such as 1000000x20, "
                                         f"got {text!r}") from None
    if n < 1 or p < 1:
        raise argparse.ArgumentTypeError(f"sizes must be positive, got {text!r}")
    return n, p


def generated_data(parser, name, write):
    """Parse the arguments (adding ``--keep PATH``) and return them with the path of the
    generated data: ``--keep`` (written there once, then reused) or ``name`` in a new
    temporary folder; ``write(path, args)`` makes it."""
    parser.add_argument("--keep", default=None,
                        help=f"write the {name} here and keep it (reused when present)")
    args = parser.parse_args()
    path = args.keep or os.path.join(tempfile.mkdtemp(), name)
    if not os.path.exists(path):
        write(path, args)
    return args, path
