"""Fitting from a zarr store larger than the memory the fit uses: rows per second and peak
memory, in one run.

Writes (once, or reuses with ``--keep``) a zarr store of ``--rows`` x ``--columns``
float64 (the features and the response, the last column) in chunks of
``--chunk`` rows, then fits ``LinearRegression`` (with its inference) and
``LogisticRegression`` (on the response's sign) from ``dask.array.from_zarr`` in
a fresh process each: wall time, rows per second and peak resident memory (the
child's ``VmHWM``; ``wait4``'s figure would count the pages of this process it
was forked from), beside the store's size and the peak of the imports alone.  The fit holds a few chunks at a time, so its memory beyond the
imports is a small fraction of the data's.

    python3 benchmarks/bench_dask_store.py [--rows 30000000] [--columns 11]
        [--chunk 250000] [--keep STORE]

Dask and zarr are needed (``pip install ".[dask]" zarr``).
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

import numpy as np

from _timing import generated_data

IMPORTS = "import sys, dask.array as da, zarr, probml, scipy.special\n"
PEAK = "\nprint(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])"
FIT = IMPORTS + """
data = da.from_zarr(sys.argv[1])
X, y = data[:, :-1], data[:, -1]
model = sys.argv[2]
if model == "linear":
    probml.LinearRegression().fit(X, y).summary()
elif model == "logistic":
    probml.LogisticRegression().fit(X, (y > 0).astype("int8")).summary()
""" + PEAK


def write_store(path, rows, columns, chunk):
    import zarr

    store = zarr.open_array(path, mode="w", shape=(rows, columns), chunks=(chunk, columns),
                            dtype="f8")
    rng = np.random.default_rng(0)
    w = rng.standard_normal(columns - 1) / np.sqrt(columns - 1)
    for start in range(0, rows, chunk):
        X = rng.standard_normal((min(chunk, rows - start), columns - 1))
        store[start:start + len(X)] = np.column_stack([X, X @ w + rng.standard_normal(len(X))])


def run(argv):
    """Wall time (s) and peak resident memory (MiB) of ``argv``, which prints its VmHWM."""
    start = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{argv[:3]} failed: {result.stderr[-500:]}")
    return time.perf_counter() - start, int(result.stdout.split()[-1]) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000_000)
    parser.add_argument("--columns", type=int, default=11)
    parser.add_argument("--chunk", type=int, default=250_000)
    args, path = generated_data(parser, "data.zarr", lambda path, args: write_store(
        path, args.rows, args.columns, args.chunk))
    size = sum(os.path.getsize(os.path.join(root, name))
               for root, _, names in os.walk(path) for name in names) / 2 ** 20
    python = sys.executable
    _, floor = run([python, "-c", IMPORTS + PEAK])
    print(f"store: {args.rows:,} x {args.columns} float64 in chunks of {args.chunk:,} rows, "
          f"{size:.0f} MiB on disk; the imports alone peak at {floor:.0f} MiB\n")
    print(f"{'fit from the store':34s} {'seconds':>8s} {'rows/s':>12s} {'peak MiB':>9s} "
          f"{'store / (peak - imports)':>25s}")
    for model in ("linear", "logistic"):
        seconds, peak = run([python, "-c", FIT, path, model])
        print(f"{model:34s} {seconds:8.1f} {args.rows / seconds:12,.0f} {peak:9.0f} "
              f"{size / max(peak - floor, 1):25.1f}")
    if not args.keep:
        shutil.rmtree(os.path.dirname(path))


if __name__ == "__main__":
    main()
