"""Bayesian linear regression and Ridge beside scikit-learn, wide and tall, as ratios in one run.

Wide designs (more features than rows) are where a p x p factorisation would
dominate: scikit-learn's ``BayesianRidge`` takes the SVD of ``X`` (its full
``V`` when ``n < p``), the floor is the thin SVD of ``X``.  The tall case
checks that choosing the route by the shapes costs the tall fits nothing.
Each time is the best of ``--repeat``; the ratio column is against
scikit-learn's ``BayesianRidge`` measured in the same run.

    python3 benchmarks/bench_bayes.py [--sizes 5x3000 50x3000 200x2000 1000000x20]
        [--cases bayes ridge lasso]

scikit-learn is needed (``pip install ".[test]"``).
"""

import argparse
import warnings

import numpy as np

from _timing import add_size_arguments, best_times


def bayes_cases(X, y):
    """The same model on both sides: MacKay's evidence maximisation without an intercept
    (scikit-learn's centring keeps n, not n - 1, observations), scikit-learn's gamma
    hyperpriors at ~0, the same start and a tolerance of 1e-10 on each side (relative
    change of alpha and beta for probml, summed change of the weights for scikit-learn)."""
    from sklearn import linear_model as sk

    import probml

    start = dict(alpha=1.0, beta=1.0 / np.var(y))
    flat = dict(alpha_1=1e-300, alpha_2=1e-300, lambda_1=1e-300, lambda_2=1e-300)

    def ours(**settings):
        return probml.BayesianLinearRegression(**start, fit_intercept=False, **settings)

    # scikit-learn keeps the full V (p x p) when n < p: beyond 1 GB it is left out.
    n, p = X.shape
    peer = {} if n < p and 8 * p * p > 2 ** 30 else {
        "sklearn BayesianRidge": lambda: sk.BayesianRidge(
            fit_intercept=False, tol=1e-10, max_iter=300, alpha_init=start["beta"],
            lambda_init=start["alpha"], **flat).fit(X, y)}
    return {
        **peer,
        "floor: thin SVD of X": lambda: np.linalg.svd(X, full_matrices=False),
        "probml BayesianLinearRegression (evidence)": lambda: ours(
            fit_precisions=True, tol=1e-10).fit(X, y),
        "probml, with an intercept (evidence)": lambda: probml.BayesianLinearRegression(
            fit_precisions=True, **start).fit(X, y),
        "probml BayesianLinearRegression (fixed)": lambda: ours().fit(X, y),
        "  + predict(X[:1000], return_std=True)": lambda: ours().fit(X, y).predict(
            X[:1000], return_std=True),
        "  + summary()": lambda: str(ours().fit(X, y).summary()),
    }


def ridge_cases(X, y):
    from sklearn import linear_model as sk

    import probml

    return {
        "probml Ridge (with cov_params_)": lambda: probml.Ridge(alpha=1.0).fit(X, y),
        "sklearn Ridge": lambda: sk.Ridge(alpha=1.0).fit(X, y),
        "probml RidgeCV (LOO)": lambda: probml.models.RidgeCV().fit(X, y),
        "sklearn RidgeCV (LOO)": lambda: sk.RidgeCV().fit(X, y),
    }


def lasso_cases(X, y):
    from sklearn import linear_model as sk

    import probml

    alpha = 0.05 * float(np.max(np.abs(X.T @ (y - y.mean())))) / len(y)
    return {
        "probml Lasso": lambda: probml.Lasso(alpha=alpha).fit(X, y),
        "sklearn Lasso": lambda: sk.Lasso(alpha=alpha, tol=1e-4, max_iter=100_000).fit(X, y),
    }


CASES = {"bayes": bayes_cases, "ridge": ridge_cases, "lasso": lasso_cases}


def report(title, cases, repeat, peer=None):
    """Time each case (best of ``repeat``) and print it with its ratio to ``peer``'s time, or
    to scikit-learn's BayesianRidge (else the thin SVD) measured in this group."""
    print(f"\n{title}")
    timings = best_times(cases, repeat)
    reference = peer or timings.get("sklearn BayesianRidge") or timings.get(
        "floor: thin SVD of X")
    for name, seconds in timings.items():
        ratio = f"{seconds / reference:9.2f}x" if reference else ""
        print(f"  {name:46} {seconds * 1e3:11.1f} ms {ratio}", flush=True)
    return timings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_size_arguments(parser, ["5x3000", "50x3000", "200x2000", "1000000x20"], repeat=3)
    parser.add_argument("--cases", nargs="+", choices=sorted(CASES),
                        default=["bayes", "ridge"])
    args = parser.parse_args(argv)
    for n, p in args.sizes:
        rng = np.random.default_rng(0)
        X = rng.standard_normal((n, p))
        y = X @ (rng.standard_normal(p) / np.sqrt(p)) + rng.standard_normal(n)
        print(f"\nn={n:,} p={p}: best of {args.repeat}, ratio to sklearn BayesianRidge "
              "(to the thin SVD where it is left out)")
        peer = None
        for group in args.cases:
            timings = report(f" {group}", CASES[group](X, y), args.repeat, peer)
            peer = peer or timings.get("sklearn BayesianRidge")
            if group == "bayes":
                agreement(X, y)


def agreement(X, y):
    """The two evidence maximisations' precisions, to show the timed fits agree."""
    cases = bayes_cases(X, y)
    if "sklearn BayesianRidge" not in cases:
        print("  sklearn BayesianRidge left out: its full V would take more than 1 GB")
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = cases["sklearn BayesianRidge"]()
        ours = cases["probml BayesianLinearRegression (evidence)"]()
    gaps = [abs(ours.alpha_ / theirs.lambda_ - 1), abs(ours.beta_ / theirs.alpha_ - 1)]
    print(f"  relative gaps in alpha, beta: {gaps[0]:.1e}, {gaps[1]:.1e} "
          f"(iterations: probml {ours.n_iter_}, sklearn {theirs.n_iter_})")


if __name__ == "__main__":
    main()
