"""The likelihood engine beside scikit-learn and SciPy, as ratios, in one run.

* GLMs with full inference (standard errors, deviance, log-likelihood) at
  ``--size`` against one ``X.T @ X`` (the floor) and, for Poisson and Gamma,
  scikit-learn's ``PoissonRegressor``/``GammaRegressor`` (lbfgs, tol 1e-8,
  alpha 0, no inference); every family on two data sets: the weak-signal
  standard-normal design ``w = N(0, 1)/sqrt(p)`` and a stronger signal
  (the log link for the Gamma and inverse Gaussian, as scikit-learn's).
  ``LogisticRegression`` runs on the same data for comparison.
* Compiling a family's derivatives: the first time, and again (cached).

``fit_distribution`` against SciPy's fit of the same model is in
``bench_distributions.py``.

    python3 benchmarks/bench_likelihood.py [--size 1000000x20] [--repeat 2]

scikit-learn is needed (``pip install ".[test]"``).
"""

import argparse
import time
import warnings

import numpy as np

from _timing import _matrix_size, best_time


def glm_data(rng, n, p, family, strength):
    X = rng.standard_normal((n, p))
    eta = X @ (rng.standard_normal(p) * strength / np.sqrt(p))
    if family == "poisson":
        return X, rng.poisson(np.exp(eta + 0.5)).astype(float)
    if family == "gamma":
        return X, rng.gamma(2.0, np.exp(eta + 0.5) / 2.0)
    if family == "inverse_gaussian":
        return X, rng.wald(np.exp(0.2 * eta + 0.5), 4.0)
    if family == "negative_binomial":
        mean = np.exp(eta + 0.5)
        return X, rng.negative_binomial(2.0, 2.0 / (2.0 + mean)).astype(float)
    if family == "gaussian":
        return X, eta + rng.standard_normal(n)
    return X, (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=_matrix_size, default=(1_000_000, 20), metavar="NxP")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    from sklearn.linear_model import GammaRegressor, PoissonRegressor

    import probml
    from probml.likelihood import GLM, distribution_model

    n, p = args.size
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, p))
    floor, _ = best_time(lambda: X.T @ X, 3)
    from probml._blocks import pass_threads
    print(f"n={n}, p={p}: floor X.T @ X = {floor * 1e3:.1f} ms; probml's passes on "
          f"{pass_threads()} threads (PROBML_NUM_THREADS)\n")
    print(f"{'GLM (full inference)':40s} {'signal':>7s} {'seconds':>8s} {'x floor':>8s} "
          f"{'x sklearn':>9s}")
    peers = {"poisson": PoissonRegressor, "gamma": GammaRegressor}
    for family in ("poisson", "gamma", "binomial", "gaussian", "inverse_gaussian",
                   "negative_binomial"):
        for strength in (1.0, 0.3):
            X, y = glm_data(np.random.default_rng(1), n, p, family, strength)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                link = "log" if family in ("gamma", "inverse_gaussian") else None
                ours, model = best_time(lambda: GLM(family, link).fit(X, y), args.repeat)
                line = (f"{'probml GLM ' + family:40s} {strength:7.1f} {ours:8.3f} "
                        f"{ours / floor:8.2f}")
                if family in peers:
                    peer, _ = best_time(lambda: peers[family](
                        alpha=0, tol=1e-8, solver="lbfgs", max_iter=10_000).fit(X, y), 1)
                    line += f" {ours / peer:9.2f}   (sklearn {peer:.3f} s)"
                if family == "binomial":
                    logistic, _ = best_time(lambda: probml.LogisticRegression().fit(X, y),
                                            args.repeat)
                    line += (f"\n{'probml LogisticRegression':40s} {strength:7.1f} "
                             f"{logistic:8.3f} {logistic / floor:8.2f}")
            print(line + f"   ({model.n_iter_} Newton steps)")

    print()
    for name in ("t", "nbinom"):
        model = distribution_model(name)
        start = time.perf_counter()
        model.compiled()
        first = time.perf_counter() - start
        start = time.perf_counter()
        model.compiled()
        again = time.perf_counter() - start
        print(f"compiling {name}'s derivatives: {first:.3f} s the first time, "
              f"{again * 1e6:.0f} us cached")


if __name__ == "__main__":
    main()
