"""``probml fit`` on a large CSV file beside pandas and statsmodels, as ratios, in one run.

A generated file of ``--rows`` x 6 columns (5 features and the response,
17 significant digits, about 240 MB at 2,000,000 rows) is fitted by

* ``probml fit FILE --target y`` (OLS with its inference; the file streamed:
  sufficient statistics summed a block of rows at a time as pyarrow's
  multithreaded reader parses them), and the same without pyarrow (pandas'
  reader, as without the extra ``[arrow]``);
* its peers:
  ``pandas.read_csv`` alone, and ``pandas.read_csv`` + statsmodels ``OLS``;
* the imports alone (Python, probml's command line, pyarrow's CSV reader and
  SciPy: what the streamed fit imports), the floor it pays.

Each runs in its own process, measured from outside (wall time, and peak
resident memory from ``wait4``); the best of ``--repeat`` runs is kept.  The
parsed data are ``rows x 6 x 8`` bytes of float64: the memory a command needs
beyond its imports is compared with that size.  The targets (issue 31): the
streamed fit at most 1.2x ``pandas.read_csv`` alone, and its memory beyond the
imports at most the parsed data's size.

    python3 benchmarks/bench_cli.py [--rows 2000000] [--repeat 2] [--keep FILE]

pandas, pyarrow and statsmodels are needed (``pip install ".[test]"``).
"""

import argparse
import os
import subprocess
import sys
import time

import numpy as np

from _timing import generated_data


def write_csv(path, rows, seed=0):
    rng = np.random.default_rng(seed)
    with open(path, "w") as handle:
        handle.write("x1,x2,x3,x4,x5,y\n")
        for start in range(0, rows, 200_000):
            X = rng.standard_normal((min(200_000, rows - start), 5))
            y = X @ [1.0, 2.0, 3.0, 4.0, 5.0] + rng.standard_normal(len(X))
            np.savetxt(handle, np.column_stack([X, y]), delimiter=",", fmt="%.17g")


def measure(argv, repeat):
    """Best wall time (s) and the largest peak RSS (MiB) of ``argv`` as a child process."""
    best, peak = np.inf, 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise SystemExit(f"{argv} failed with status {process.returncode}")
        best, peak = min(best, elapsed), max(peak, usage.ru_maxrss / 1024)
    return best, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args, path = generated_data(parser, "data.csv", lambda path, args: write_csv(path, args.rows))
    python = sys.executable
    # The command as the installed ``probml`` script runs it (not ``python -m probml.cli``,
    # whose peak memory on a busy machine was up to 70 MiB higher for the same fit).
    command = "from probml.cli import main; sys.exit(main(sys.argv[1:]))"
    probml_cli = [python, "-c", f"import sys; {command}"]
    # ... and where pyarrow is not installed (it then reads with pandas).
    without_pyarrow = [python, "-c", f"import sys; sys.modules['pyarrow'] = None; {command}"]
    runs = {
        "imports only (probml CLI, pyarrow, scipy)": [
            python, "-c", "import probml.cli, pyarrow.csv, scipy.special"],
        "pandas.read_csv": [python, "-c", f"import pandas; pandas.read_csv({path!r})"],
        "pandas.read_csv + statsmodels OLS": [
            python, "-c", "import pandas, statsmodels.api as sm; "
            f"d = pandas.read_csv({path!r}); "
            "sm.OLS(d['y'], sm.add_constant(d.drop(columns='y'))).fit().summary()"],
        "probml fit --target y (streamed OLS)": [*probml_cli, "fit", path, "--target", "y"],
        "probml fit --target y, without pyarrow": [*without_pyarrow, "fit", path, "--target",
                                                  "y"],
        "probml fit --target y --cov-type HC1 (in memory)": [
            *probml_cli, "fit", path, "--target", "y", "--cov-type", "HC1"],
    }
    results = {name: measure(argv, args.repeat) for name, argv in runs.items()}
    data_mib = args.rows * 6 * 8 / 2 ** 20
    size_mib = os.path.getsize(path) / 2 ** 20
    floor_time, floor_memory = results["imports only (probml CLI, pyarrow, scipy)"]
    read_time, read_memory = results["pandas.read_csv"]
    peer_time, peer_memory = results["pandas.read_csv + statsmodels OLS"]
    print(f"{args.rows:,} rows x 6 columns: file {size_mib:.0f} MiB, parsed float64 "
          f"{data_mib:.0f} MiB\n")
    print(f"{'command':50s} {'seconds':>8s} {'peak MiB':>9s} {'x read_csv':>11s} "
          f"{'x pandas+sm':>12s} {'extra/data':>11s}")
    for name, (seconds, memory) in results.items():
        print(f"{name:50s} {seconds:8.2f} {memory:9.0f} {seconds / read_time:11.2f} "
              f"{seconds / peer_time:12.2f} {(memory - floor_memory) / data_mib:11.2f}")
    print(f"\npeak memory of the streamed fit / pandas + statsmodels: "
          f"{results['probml fit --target y (streamed OLS)'][1] / peer_memory:.2f}; "
          f"'extra/data' is the peak beyond the imports ({floor_memory:.0f} MiB) over the "
          f"parsed data's size")
    if not args.keep:
        os.remove(path)


if __name__ == "__main__":
    main()
