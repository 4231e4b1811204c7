"""One epoch of mini-batch training beside scikit-learn's SGDRegressor, in one run.

Linear regression at n = 1_000_000, p = 20 (by default), batch 256
(3,907 steps an epoch).  Reported, each the best of ``--repeat`` rounds (each
round runs every case once, so a busy machine slows all of them alike):

* seconds per epoch, as ratios to the floor ``X.T @ X`` and to
  ``SGDRegressor`` (one epoch: ``max_iter=1``, no penalty, shuffled, the
  squared error, its default ``invscaling`` rate); the Trainer runs the same
  loss (the MSE, twice scikit-learn's half squared error, so half the rate),
  once at a constant rate and once with ``invscaling``'s schedule
  :math:`\eta_t = \eta_0 / (t + 1)^{1/4}` evaluated every step;
* the per-step overhead of the Trainer: its time per step minus that of the
  bare arithmetic of the same step (the same row gather, forward pass,
  gradient and update, written inline in NumPy);
* one sample a step (batch 1, ``SGDRegressor``'s own unit) on the first
  ``--per-sample`` rows, as time per row against scikit-learn's compiled loop;
* the training MSE each reaches after ``--epochs`` epochs, beside the
  least-squares minimum.

    python3 benchmarks/bench_training.py [--n 1000000] [--p 20] [--batch 256]

scikit-learn is needed (``pip install ".[test]"``).
"""

import argparse
import math
import warnings

import numpy as np

from _timing import best_time


def bare_epoch(X, y, batch_size, rule):
    """The arithmetic of one epoch, inline: what any implementation must do."""
    n, p = X.shape
    order = np.random.default_rng([0, 0]).permutation(n)
    w, b = np.zeros(p), 0.0
    m_w, v_w, m_b, v_b = np.zeros(p), np.zeros(p), 0.0, 0.0
    lr, beta1, beta2, eps = 0.01, 0.9, 0.999, 1e-8
    for t, start in enumerate(range(0, n, batch_size), start=1):
        rows = order[start:start + batch_size]
        X_batch, y_batch = X.take(rows, axis=0), y.take(rows)
        r = X_batch @ w + b - y_batch
        g_w, g_b = (2.0 / len(rows)) * (X_batch.T @ r), (2.0 / len(rows)) * r.sum()
        if rule == "sgd":
            w, b = w - lr * g_w, b - lr * g_b
        else:
            m_w, m_b = beta1 * m_w + (1 - beta1) * g_w, beta1 * m_b + (1 - beta1) * g_b
            v_w, v_b = beta2 * v_w + (1 - beta2) * g_w ** 2, beta2 * v_b + (1 - beta2) * g_b ** 2
            c1, c2 = 1 - beta1 ** t, math.sqrt(1 - beta2 ** t)
            w = w - (lr / c1) * m_w / (np.sqrt(v_w) / c2 + eps)
            b = b - (lr / c1) * m_b / (math.sqrt(v_b) / c2 + eps)
    return w, b


def interleaved_best_times(cases, rounds):
    """The best of ``rounds`` runs of each case, the cases taking turns within a round."""
    times = dict.fromkeys(cases, float("inf"))
    for _ in range(rounds):
        for name, run in cases.items():
            times[name] = min(times[name], best_time(run, 1)[0])
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--p", type=int, default=20)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--per-sample", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import SGDRegressor

    from probml import optim

    rng = np.random.default_rng(0)
    X = rng.normal(size=(args.n, args.p))
    y = X @ rng.normal(size=args.p) + 0.5 + rng.normal(size=args.n)
    data = optim.DataModule(X, y, seed=0)
    steps = math.ceil(args.n / args.batch)
    eta0 = 0.01

    def probml_epochs(optimizer, epochs, record_params=False, batch=args.batch, rows=data,
                      schedule=None):
        def run():
            module = optim.LinearRegressionModule()
            history = optim.Trainer(epochs, batch, optimizer, schedule,
                                    record_params=record_params).fit(module, rows)
            return float(history.train_loss[-1])
        return run

    def sklearn_epochs(epochs, rows=slice(None)):
        def run():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model = SGDRegressor(penalty=None, max_iter=epochs, tol=None, eta0=eta0,
                                     random_state=0).fit(X[rows], y[rows])
            return float(np.mean((X @ model.coef_ + model.intercept_ - y) ** 2))
        return run

    def invscaling(t):
        return eta0 / 2 / (t + 1) ** 0.25

    few = slice(0, min(args.per_sample, args.n))
    few_data = optim.DataModule(X[few], y[few], seed=0)
    floor, _ = best_time(lambda: X.T @ X, args.repeat)
    cases = {
        "sklearn SGDRegressor (1 epoch)": sklearn_epochs(1),
        "probml Trainer sgd(0.01)": probml_epochs(optim.sgd(eta0), 1),
        "probml Trainer sgd, invscaling schedule": probml_epochs(optim.sgd(eta0), 1,
                                                                 schedule=invscaling),
        "probml Trainer sgd(0.01), params recorded": probml_epochs(optim.sgd(eta0), 1, True),
        "probml Trainer adam(0.01)": probml_epochs(optim.adam(eta0), 1),
        "bare NumPy step, sgd": lambda: bare_epoch(X, y, args.batch, "sgd"),
        "bare NumPy step, adam": lambda: bare_epoch(X, y, args.batch, "adam"),
        "sklearn, per sample": sklearn_epochs(1, few),
        "probml, per sample": probml_epochs(optim.sgd(eta0 / 2), 1, batch=1, rows=few_data,
                                            schedule=invscaling),
    }
    times = interleaved_best_times(cases, args.repeat)
    peer = times["sklearn SGDRegressor (1 epoch)"]

    print(f"n={args.n}, p={args.p}, batch {args.batch}: {steps} steps an epoch; "
          f"floor X.T @ X = {floor * 1e3:.1f} ms; best of {args.repeat}")
    print(f"{'one epoch':46s} {'seconds':>8s} {'x floor':>8s} {'x SGDReg':>9s}")
    for name, seconds in list(times.items())[:7]:
        print(f"{name:46s} {seconds:8.3f} {seconds / floor:8.2f} {seconds / peer:9.2f}")
    for rule, name in (("sgd", "probml Trainer sgd(0.01)"),
                       ("adam", "probml Trainer adam(0.01)")):
        overhead = (times[name] - times[f"bare NumPy step, {rule}"]) / steps
        print(f"per-step overhead, {rule}: {overhead * 1e6:.1f} us "
              f"({times[name] / steps * 1e6:.1f} us a step)")
    rows = few.stop
    print(f"one sample a step on {rows:,} rows: probml "
          f"{times['probml, per sample'] / rows * 1e6:.1f} us a row, SGDRegressor "
          f"{times['sklearn, per sample'] / rows * 1e6:.2f} us a row "
          f"({times['probml, per sample'] / times['sklearn, per sample']:.0f}x)")

    coef, *_ = np.linalg.lstsq(np.column_stack([np.ones(args.n), X]), y, rcond=None)
    minimum = float(np.mean((coef[0] + X @ coef[1:] - y) ** 2))
    print(f"\ntraining MSE after {args.epochs} epochs (least-squares minimum {minimum:.6f}):")
    print(f"  sklearn SGDRegressor (invscaling, eta0=0.01): "
          f"{sklearn_epochs(args.epochs)():.6f}")
    print(f"  probml sgd(0.01), batch {args.batch}:            "
          f"{probml_epochs(optim.sgd(eta0), args.epochs)():.6f}")
    print(f"  probml adam(0.01), batch {args.batch}:           "
          f"{probml_epochs(optim.adam(eta0), args.epochs)():.6f}")


if __name__ == "__main__":
    main()
