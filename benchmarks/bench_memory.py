"""Peak extra memory of each estimator's fit, for float32 and float64 data, in one run.

probml reads float32 data a block of rows at a time (each block converted to
float64 on its own), so a fit's extra memory should be a block (2 MiB) plus
the model's own p x p statistics, not a float64 copy of the data.  Peak
memory is measured with ``tracemalloc``, which sees NumPy's allocations;
the table gives it in MiB and as a share of the data's own size.

    python3 benchmarks/bench_memory.py [--rows 2000000] [--columns 20]
"""

import argparse
import gc
import tracemalloc
import warnings

import numpy as np


def peak_extra(function, *args):
    """Peak memory allocated while ``function(*args)`` runs, beyond what was there (bytes)."""
    gc.collect()
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            function(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--columns", type=int, default=20)
    args = parser.parse_args()

    import probml

    n, p = args.rows, args.columns
    rng = np.random.default_rng(0)
    X64 = rng.standard_normal((n, p))
    y64 = X64 @ rng.standard_normal(p) + rng.standard_normal(n)
    # Labels drawn from a moderate logistic model: no fitted probability comes within
    # 1e-12 of 0 or 1, which would send the fit to its separation check (a linear
    # program over every row, which needs memory of its own).
    logits = X64 @ (0.1 * rng.standard_normal(p))
    labels64 = (rng.uniform(size=n) < 1 / (1 + np.exp(-logits))).astype(np.float64)
    sample64 = rng.standard_normal(10 * n)
    cases = [
        ("Normal.fit (10n values)", lambda X, y, b, s: probml.Normal().fit(s), "sample"),
        ("Bernoulli.fit", lambda X, y, b, s: probml.Bernoulli().fit(b), "labels"),
        ("LinearRegression.fit", lambda X, y, b, s: probml.LinearRegression().fit(X, y), "X"),
        ("Ridge.fit", lambda X, y, b, s: probml.Ridge().fit(X, y), "X"),
        ("BayesianLinearRegression.fit", lambda X, y, b, s:
         probml.BayesianLinearRegression(fit_precisions=True).fit(X, y), "X"),
        ("Lasso.fit", lambda X, y, b, s: probml.Lasso(alpha=0.01).fit(X, y), "X"),
        ("LogisticRegression.fit", lambda X, y, b, s: probml.LogisticRegression().fit(X, b),
         "X"),
        ("LinearRegression.predict", lambda X, y, b, s:
         probml.LinearRegression().fit(X[:1000], y[:1000]).predict(X), "X"),
    ]
    print(f"n={n:,}, p={p}: peak extra memory of the call, MiB (and as a share of its data)")
    print(f"{'':32} {'float32':>18} {'float64':>18}")
    for label, call, data in cases:
        cells = []
        for dtype in (np.float32, np.float64):
            X, y = X64.astype(dtype), y64.astype(dtype)
            labels, sample = labels64.astype(dtype), sample64.astype(dtype)
            size = {"X": X.nbytes, "labels": labels.nbytes, "sample": sample.nbytes}[data]
            extra = peak_extra(call, X, y, labels, sample)
            cells.append(f"{extra / 2**20:8.1f} ({extra / size:5.1%})")
            del X, y, labels, sample
        print(f"{label:32} {cells[0]:>18} {cells[1]:>18}")


if __name__ == "__main__":
    main()
