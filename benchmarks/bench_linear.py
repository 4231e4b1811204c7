"""Linear-Gaussian fits against their peers, as ratios to the floor, in one run.

The floor is one Gram matrix ``X.T @ X``, the least any exact least-squares
fit must do.  Each timing is the best of ``--repeat`` runs.

    python3 benchmarks/bench_linear.py [--sizes 10000x10 1000000x20 200000x200]

scikit-learn and statsmodels are needed (``pip install ".[test]"``).
"""

import argparse

import numpy as np

from _timing import add_size_arguments, best_times


def linear_cases(X, y):
    import statsmodels.api as sm
    from sklearn import linear_model as sk

    import probml

    def statsmodels_ols():
        return sm.OLS(y, sm.add_constant(X, has_constant="add")).fit().bse

    def probml_ols():
        return probml.LinearRegression().fit(X, y).bse_

    def bayes_start():
        return dict(alpha=1.0, beta=1.0 / np.var(y))

    return {
        "floor X.T @ X": lambda: X.T @ X,
        "probml LinearRegression (full inference)": probml_ols,
        "sklearn LinearRegression": lambda: sk.LinearRegression().fit(X, y),
        "statsmodels OLS + bse": statsmodels_ols,
        "numpy lstsq": lambda: np.linalg.lstsq(np.column_stack([np.ones(len(y)), X]), y,
                                               rcond=None),
        "probml Ridge": lambda: probml.Ridge(alpha=1.0).fit(X, y),
        "sklearn Ridge": lambda: sk.Ridge(alpha=1.0).fit(X, y),
        "probml BayesianLinearRegression (evidence)": lambda: probml.BayesianLinearRegression(
            fit_precisions=True, **bayes_start()).fit(X, y),
        "sklearn BayesianRidge": lambda: sk.BayesianRidge().fit(X, y),
    }


def normal_cases(x):
    import probml

    return {
        "np.mean + np.var": lambda: (np.mean(x), np.var(x)),
        "probml Normal": lambda: probml.Normal().fit(x),
    }


def report(title, cases, repeat):
    print(f"\n{title}")
    timings = best_times(cases, repeat)
    floor = next(iter(timings.values()))
    for name, seconds in timings.items():
        print(f"  {name:44} {seconds * 1e3:10.1f} ms  {seconds / floor:7.2f}x")
    return timings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_size_arguments(parser, ["10000x10", "1000000x20", "200000x200"], repeat=3)
    parser.add_argument("--normal-size", type=int, default=10_000_000)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    for n, p in args.sizes:
        X = rng.standard_normal((n, p))
        y = X @ rng.standard_normal(p) + rng.standard_normal(n)
        report(f"n={n:,} p={p}: seconds and ratio to X.T @ X", linear_cases(X, y),
               args.repeat)
    x = 1e7 + rng.standard_normal(args.normal_size)
    report(f"Normal on {args.normal_size:,} points: ratio to np.mean + np.var",
           normal_cases(x), args.repeat)


if __name__ == "__main__":
    main()
