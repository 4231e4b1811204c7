"""Logistic regression beside scikit-learn and statsmodels, as ratios in one run.

probml fits the MLE by Newton's method and computes the full inference
(standard errors, p-values, log-likelihoods); scikit-learn's ``lbfgs`` fits
the same model (no penalty: ``C=inf``; an unpenalised intercept) and computes
no standard errors.  At each ``tol`` both stop when every component of the
gradient of the mean log-likelihood is at most ``tol`` (scikit-learn's
``gtol`` on the mean log-loss, which ``ftol`` can end earlier; probml also
asks Newton's step to be negligible), and the script prints the largest
component each reached, computed here with NumPy, and each estimate's
distance from the optimum (two NumPy Newton steps from probml's).  The floor
is one Gram matrix ``X.T @ X``, which is also about what probml's inference
costs beyond its estimate: one pass for the information matrix at the
estimate, a weighted ``X.T @ X``.

Two kinds of data: the benchmark's (standard-normal X, weights ``0.3 N(0, 1)``,
intercept 0.2; strong signal for many columns) and standard-normal X with
weights ``N(0, 1) / sqrt(p)`` (a linear predictor of variance 1).  statsmodels'
``Logit`` (Newton to its own default tolerance) runs once per size on the
benchmark's data.  Each time is the best of ``--repeat``.

    python3 benchmarks/bench_logistic.py [--sizes 1000000x20 200000x200]
        [--tol 1e-8 1e-4] [--data benchmark standard] [--repeat 3] [--no-statsmodels]

scikit-learn and statsmodels are needed (``pip install ".[test]"``).
"""

import argparse
import warnings

import numpy as np

from _timing import add_size_arguments, best_time

DATA = ("benchmark", "standard")


def logistic_data(n, p, kind):
    """X and 0/1 labels of the logistic model: ``kind`` is one of ``DATA``."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, p))
    if kind == "benchmark":
        logits = X @ (rng.normal(size=p) * 0.3) + 0.2
    else:
        logits = X @ (rng.normal(size=p) / np.sqrt(p))
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logits))).astype(float)
    return X, y


def mean_gradient(X, y, intercept, coef):
    """The largest component of the gradient of the mean log-likelihood, with NumPy."""
    residual = y - 1 / (1 + np.exp(-(X @ coef + intercept)))
    return max(abs(residual.mean()), np.max(np.abs(residual @ X)) / len(y))


def optimum(X, y, intercept, coef, steps=2):
    """The MLE: Newton's steps in NumPy (the full information each time) from a start."""
    A = np.column_stack([np.ones(len(y)), X])
    beta = np.r_[intercept, coef]
    for _ in range(steps):
        mu = 1 / (1 + np.exp(-A @ beta))
        beta = beta + np.linalg.solve((A * (mu * (1 - mu))[:, None]).T @ A, A.T @ (y - mu))
    return beta


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_size_arguments(parser, ["1000000x20", "200000x200"], repeat=3)
    parser.add_argument("--tol", type=float, nargs="+", default=[1e-8, 1e-4])
    parser.add_argument("--data", nargs="+", choices=DATA, default=list(DATA))
    parser.add_argument("--no-statsmodels", action="store_true",
                        help="leave statsmodels' Logit out (it takes the longest)")
    args = parser.parse_args()

    import statsmodels.api as sm
    from sklearn.linear_model import LogisticRegression as SklearnLogistic

    import probml

    for n, p in args.sizes:
        for kind in args.data:
            X, y = logistic_data(n, p, kind)
            floor, _ = best_time(lambda: X.T @ X, args.repeat)
            print(f"\nn={n}, p={p}, {kind} data: floor X.T @ X = {floor * 1e3:.1f} ms")
            print(f"{'':40s} {'seconds':>8s} {'x floor':>8s} {'x lbfgs':>8s}  "
                  f"{'max|grad|':>9s} {'max|b-b*|':>9s}")
            for tol in args.tol:
                def probml_fit():
                    return probml.LogisticRegression(tol=tol).fit(X, y)

                def sklearn_fit():
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        return SklearnLogistic(C=np.inf, tol=tol, max_iter=10_000).fit(X, y)

                # Alternate the two, so that a busy spell of a shared machine slows both.
                ours, peer = np.inf, np.inf
                for _ in range(args.repeat):
                    time, model = best_time(probml_fit, 1)
                    ours = min(ours, time)
                    time, reference = best_time(sklearn_fit, 1)
                    peer = min(peer, time)
                best = optimum(X, y, model.intercept_[0], model.coef_[0])
                for label, seconds, intercept, coef, note in [
                        (f"sklearn lbfgs, tol={tol:g}", peer, reference.intercept_[0],
                         reference.coef_[0], f"({reference.n_iter_[0]} iterations)"),
                        (f"probml MLE + inference, tol={tol:g}", ours, model.intercept_[0],
                         model.coef_[0], f"({model.n_iter_} Newton steps)")]:
                    gap = np.max(np.abs(np.r_[intercept, coef] - best))
                    print(f"{label:40s} {seconds:8.3f} {seconds / floor:8.2f} "
                          f"{seconds / peer:8.2f}  {mean_gradient(X, y, intercept, coef):9.1e} "
                          f"{gap:9.1e}  {note}")
            if kind == "benchmark" and not args.no_statsmodels:
                statsmodels_time, _ = best_time(
                    lambda: sm.Logit(y, sm.add_constant(X)).fit(disp=0).bse, 1)
                print(f"{'statsmodels Logit + bse':40s} {statsmodels_time:8.3f} "
                      f"{statsmodels_time / floor:8.2f}")


if __name__ == "__main__":
    main()
