"""The Lasso beside scikit-learn's, at the same duality gap, as ratios to the floor, in one run.

Both stop when the duality gap of the Lasso objective is at most ``tol``
times the centred ||y||^2 (scikit-learn's criterion).  The floor is one Gram
matrix ``X.T @ X``.  Each time is the best of ``--repeat``.

    python3 benchmarks/bench_lasso.py [--sizes 1000000x20 200000x200] [--tol 1e-4 1e-10]

scikit-learn is needed (``pip install ".[test]"``).
"""

import argparse

import numpy as np

from _timing import add_size_arguments, best_time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_size_arguments(parser, ["1000000x20", "200000x200"], repeat=2)
    parser.add_argument("--tol", type=float, nargs="+", default=[1e-4, 1e-10])
    args = parser.parse_args()

    from sklearn.linear_model import Lasso as SklearnLasso

    import probml

    for n, p in args.sizes:
        rng = np.random.default_rng(0)
        X = rng.normal(size=(n, p))
        truth = np.where(rng.uniform(size=p) < 0.3, rng.normal(size=p), 0.0)
        y = X @ truth + rng.normal(size=n)
        alpha = 0.05 * float(np.max(np.abs(X.T @ (y - y.mean())))) / n
        floor, _ = best_time(lambda: X.T @ X, args.repeat)
        print(f"\nn={n}, p={p}, alpha={alpha:.4g}: floor X.T @ X = {floor * 1e3:.1f} ms")
        print(f"{'':40s} {'seconds':>8s} {'x floor':>8s} {'x sklearn':>9s}")
        for tol in args.tol:
            peer, reference = best_time(
                lambda: SklearnLasso(alpha=alpha, tol=tol, max_iter=100_000).fit(X, y),
                args.repeat)
            ours, model = best_time(lambda: probml.Lasso(alpha=alpha, tol=tol).fit(X, y),
                                    args.repeat)
            gap = np.max(np.abs(model.coef_ - reference.coef_))
            print(f"{'sklearn Lasso, tol=%g' % tol:40s} {peer:8.3f} {peer / floor:8.2f} "
                  f"{1.0:9.2f}")
            print(f"{'probml Lasso, tol=%g' % tol:40s} {ours:8.3f} {ours / floor:8.2f} "
                  f"{ours / peer:9.2f}   ({model.n_iter_} sweeps, "
                  f"{np.count_nonzero(model.coef_)} non-zero; max |coef diff| = {gap:.1e})")


if __name__ == "__main__":
    main()
