"""Logistic regression beside scikit-learn and statsmodels, as ratios to the floor, in one run.

The floor is one Gram matrix ``X.T @ X``.  probml fits the MLE by Newton's
method and computes the full inference (standard errors, p-values,
log-likelihoods); scikit-learn's ``lbfgs`` (``C=inf``) stops at the same
gradient tolerance (every component of the gradient of the mean log-loss at
most ``tol``) and computes no standard errors; statsmodels' ``Logit`` runs
Newton to its own default tolerance.  Each time is the best of ``--repeat``.

    python3 benchmarks/bench_logistic.py [--sizes 1000000x20 200000x200] [--tol 1e-8]

scikit-learn and statsmodels are needed (``pip install ".[test]"``).
"""

import argparse
import warnings

import numpy as np

from _timing import add_size_arguments, best_time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_size_arguments(parser, ["1000000x20", "200000x200"], repeat=2)
    parser.add_argument("--tol", type=float, nargs="+", default=[1e-8, 1e-4])
    args = parser.parse_args()

    import statsmodels.api as sm
    from sklearn.linear_model import LogisticRegression as SklearnLogistic

    import probml

    for n, p in args.sizes:
        rng = np.random.default_rng(0)
        X = rng.normal(size=(n, p))
        logits = X @ (rng.normal(size=p) * 0.3) + 0.2
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logits))).astype(float)
        floor, _ = best_time(lambda: X.T @ X, args.repeat)
        print(f"\nn={n}, p={p}: floor X.T @ X = {floor * 1e3:.1f} ms")
        print(f"{'':46s} {'seconds':>8s} {'x floor':>8s} {'x lbfgs':>8s}")
        statsmodels_time = None
        for tol in args.tol:
            def probml_fit():
                return probml.LogisticRegression(tol=tol).fit(X, y)

            def sklearn_fit():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    return SklearnLogistic(C=np.inf, tol=tol, max_iter=10_000).fit(X, y)

            ours, model = best_time(probml_fit, args.repeat)
            peer, reference = best_time(sklearn_fit, args.repeat)
            gap = np.max(np.abs(model.coef_ - reference.coef_))
            print(f"{'sklearn lbfgs, tol=%g' % tol:46s} {peer:8.3f} {peer / floor:8.2f} "
                  f"{1.0:8.2f}")
            print(f"{'probml MLE + inference, tol=%g' % tol:46s} {ours:8.3f} "
                  f"{ours / floor:8.2f} {ours / peer:8.2f}   ({model.n_iter_} Newton steps; "
                  f"max |coef - lbfgs| = {gap:.1e})")
            if statsmodels_time is None:
                statsmodels_time, _ = best_time(
                    lambda: sm.Logit(y, sm.add_constant(X)).fit(disp=0).bse, 1)
                print(f"{'statsmodels Logit + bse':46s} {statsmodels_time:8.3f} "
                      f"{statsmodels_time / floor:8.2f} {statsmodels_time / peer:8.2f}")


if __name__ == "__main__":
    main()
