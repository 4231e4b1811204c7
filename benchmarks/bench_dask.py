"""probml's linear-Gaussian models on Dask, as ratios to one Dask ``X.T @ X``, in one run.

On a persisted Dask array of ``--size`` (default 4,000,000 x 20) in chunks of
``--chunk`` rows (250,000), with the threaded scheduler:

* the floor: one Dask ``X.T @ X`` (computed to a NumPy array);
* ``LinearRegression`` with its full inference (standard errors, t, p, R², F,
  log-likelihood), ``Ridge`` and ``BayesianLinearRegression`` fitted from the
  chunks' statistics (one pass);
* ``LogisticRegression`` with its full inference (Newton's method, one pass
  over the chunks per step, warm started from a few chunks), on labels drawn
  from a logistic model with a weak signal, ``w = N(0, 1)/sqrt(p)``;
* the same fits in memory on the NumPy array, for scale.

    python3 benchmarks/bench_dask.py [--size 4000000x20] [--chunk 250000] [--repeat 2]

Dask is needed (``pip install ".[dask]"``).
"""

import argparse

import numpy as np

from _timing import _matrix_size, best_time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=_matrix_size, default=(4_000_000, 20))
    parser.add_argument("--chunk", type=int, default=250_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    import dask
    import dask.array as da

    import probml

    n, p = args.size
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, p))
    y = X @ rng.standard_normal(p) + rng.standard_normal(n)
    eta = X @ (rng.standard_normal(p) / np.sqrt(p))
    labels = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(np.int64)
    with dask.config.set(scheduler="threads"):
        Xd = da.from_array(X, chunks=(args.chunk, p)).persist()
        yd = da.from_array(y, chunks=(args.chunk,)).persist()
        labels_d = da.from_array(labels, chunks=(args.chunk,)).persist()
        floor = best_time(lambda: (Xd.T @ Xd).compute(), args.repeat)[0]
        print(f"{n:,} x {p} in chunks of {args.chunk:,} rows, threaded scheduler; floor: one "
              f"Dask X.T @ X = {floor * 1e3:.0f} ms\n")
        print(f"{'fit':48s} {'seconds':>8s} {'x floor':>8s}")
        for name, make, target in [
                ("LinearRegression (full inference)", probml.LinearRegression, (yd, y)),
                ("Ridge(alpha=1)", lambda: probml.Ridge(alpha=1.0), (yd, y)),
                ("BayesianLinearRegression", probml.BayesianLinearRegression, (yd, y)),
                ("LogisticRegression (full inference)", probml.LogisticRegression,
                 (labels_d, labels))]:
            for where, data in (("Dask", (Xd, target[0])), ("in memory", (X, target[1]))):
                seconds = best_time(lambda: make().fit(*data).summary(), args.repeat)[0]
                print(f"{name + ', ' + where:48s} {seconds:8.3f} {seconds / floor:8.2f}")


if __name__ == "__main__":
    main()
