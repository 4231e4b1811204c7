"""Closed-form leave-one-out against refitting n times, as ratios to the floor, in one run.

Closed form: ``probml.selection.loo_residuals`` (one eigendecomposition of the
centred Gram matrix gives every PRESS residual e_i / (1 - h_ii)); its peer is
scikit-learn's ``RidgeCV`` (efficient LOO) for one alpha.  Brute force refits
Ridge without each row; at n = 100_000 that is 100_000 fits, so it is timed on
``--refits`` rows drawn at random and scaled up to n (the fits all cost the
same), and those rows' residuals are checked against the closed form.  The
floor is one Gram matrix ``X.T @ X``.  Each time is the best of ``--repeat``.

    python3 benchmarks/bench_loo.py [--n 100000] [--p 20] [--alpha 1.0] [--refits 200]

scikit-learn is needed (``pip install ".[test]"``).
"""

import argparse
import time

import numpy as np

from _timing import best_time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--p", type=int, default=20)
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--refits", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from sklearn.linear_model import Ridge as SklearnRidge
    from sklearn.linear_model import RidgeCV as SklearnRidgeCV

    from probml import Ridge
    from probml.selection import loo_residuals

    n, p, alpha = args.n, args.p, args.alpha
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, p))
    y = X @ rng.normal(size=p) + rng.normal(size=n)
    rows = rng.choice(n, size=args.refits, replace=False)

    floor, _ = best_time(lambda: X.T @ X, args.repeat)
    closed, residuals = best_time(lambda: loo_residuals(X, y, alpha), args.repeat)
    peer, _ = best_time(lambda: SklearnRidgeCV(alphas=[alpha]).fit(X, y), args.repeat)

    def refit(make_model):
        keep = np.ones(n, dtype=bool)
        start, out = time.perf_counter(), np.empty(rows.size)
        for j, i in enumerate(rows):
            keep[i] = False
            model = make_model().fit(X[keep], y[keep])
            out[j] = y[i] - model.predict(X[i:i + 1])[0]
            keep[i] = True
        return (time.perf_counter() - start) / rows.size * n, out

    brute_probml, loo_probml = refit(lambda: Ridge(alpha=alpha))
    brute_sklearn, loo_sklearn = refit(lambda: SklearnRidge(alpha=alpha, solver="cholesky"))
    error = max(np.max(np.abs(loo_probml - residuals[rows])),
                np.max(np.abs(loo_sklearn - residuals[rows])))

    print(f"n={n}, p={p}, alpha={alpha}: floor X.T @ X = {floor * 1e3:.2f} ms")
    print(f"{'':52s} {'seconds':>10s} {'x floor':>9s} {'closed-form speed-up':>21s}")
    lines = [("probml loo_residuals (closed form)", closed),
             ("scikit-learn RidgeCV, one alpha (closed form)", peer),
             (f"probml Ridge refit n times (from {rows.size} refits)", brute_probml),
             (f"scikit-learn Ridge refit n times (from {rows.size})", brute_sklearn)]
    for label, seconds in lines:
        print(f"{label:52s} {seconds:10.3f} {seconds / floor:9.1f} "
              f"{seconds / closed:20.0f}x")
    print(f"largest |closed form - refit| over the {rows.size} refitted rows: {error:.2e} "
          f"(|y| up to {np.abs(y).max():.1f})")


if __name__ == "__main__":
    main()
