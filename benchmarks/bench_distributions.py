"""fit_distribution beside SciPy fitting the same model, as ratios, in one run.

For every family, probml's fit against SciPy's fit of the same model, like
with like: ``fit_distribution(x, family)`` computes the estimates (and what
shows they are the maximum: the score and information at them, the checks
that warn at fit time), as SciPy's fit does; its standard errors, covariance,
tests and summary are computed on first use, so a second time is taken with
``.bse_`` read (probml doing more work than SciPy).  SciPy's fit is
``scipy.stats.<family>.fit`` with the location fixed at 0 (``floc=0``, and
``fscale=1`` for the beta) where probml fixes it, all parameters free for the
normal and the Student t; SciPy's discrete families have no ``fit`` method, so
for them the peer is ``scipy.stats.fit`` with the location fixed by the bounds
``loc: (0, 0)`` (a differential evolution, then a polish).  The three runs
alternate, and each time is the best of ``--repeat``.

Both maxima are checked: the table gives the largest relative difference of the
estimates and the log-likelihood at SciPy's estimate minus probml's (below 0:
probml's estimate is the higher maximum; SciPy's generic optimizer, used for
the Weibull shape and the Student t, stops earlier than the MLE's digits).
``scipy.stats.fit`` treats the negative binomial's ``n`` as a whole number,
so that peer fits a smaller model than probml's (``n`` real).

    python3 benchmarks/bench_distributions.py [--sizes 100000 1000000] [--repeat 7]
        [--clock cpu]

``--clock cpu`` times the CPU the process uses (``time.process_time``) instead of
the wall clock: on a machine other work shares, with ``PROBML_NUM_THREADS=1``, it
leaves out the time the process waits for a core.
"""

import argparse
import time
import warnings

import numpy as np

FAMILIES = {           # the sample, and scipy.stats.<family>.fit's fixed arguments
    "norm": (lambda stats: stats.norm(3, 2), {}),
    "expon": (lambda stats: stats.expon(scale=2), {"floc": 0}),
    "gamma": (lambda stats: stats.gamma(2.5, scale=3), {"floc": 0}),
    "weibull_min": (lambda stats: stats.weibull_min(1.7, scale=30), {"floc": 0}),
    "lognorm": (lambda stats: stats.lognorm(0.7, scale=5), {"floc": 0}),
    "beta": (lambda stats: stats.beta(2, 5), {"floc": 0, "fscale": 1}),
    "t": (lambda stats: stats.t(4, 1, 2), {}),
    "poisson": (lambda stats: stats.poisson(3.2), None),
    "geom": (lambda stats: stats.geom(0.3), None),
    "nbinom": (lambda stats: stats.nbinom(3, 0.4), None),
}
# scipy.stats.fit needs bounds for every shape of a discrete family.
DISCRETE_BOUNDS = {"poisson": {"mu": (0, 50)}, "geom": {"p": (0, 1)},
                   "nbinom": {"n": (0, 50), "p": (0, 1)}}


def alternating_best(functions, repeat, clock=time.perf_counter):
    """The best of ``repeat`` runs of each function, run in turn (so that a change in
    the machine's load falls on all), and their last results."""
    times, results = [[] for _ in functions], [None] * len(functions)
    for _ in range(repeat):
        for k, function in enumerate(functions):
            start = clock()
            results[k] = function()
            times[k].append(clock() - start)
    return [min(t) for t in times], results


def scipy_fit(stats, name, x, fixed):
    """SciPy's fit of the model probml fits: its arguments (shapes, loc, scale)."""
    if fixed is not None:
        return tuple(float(v) for v in getattr(stats, name).fit(x, **fixed))
    from scipy.optimize import differential_evolution

    def optimizer(function, bounds, *, integrality):     # seeded: the same run each time
        return differential_evolution(function, bounds, integrality=integrality, rng=0)

    bounds = {**DISCRETE_BOUNDS[name], "loc": (0, 0)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = stats.fit(getattr(stats, name), x, bounds=bounds, optimizer=optimizer)
    return tuple(float(v) for v in result.params)


def loglik(stats, name, x, params):
    dist = getattr(stats, name)(*params)
    return float(np.sum(dist.logpmf(x) if hasattr(dist, "logpmf") else dist.logpdf(x)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--families", nargs="+", default=list(FAMILIES),
                        choices=list(FAMILIES))
    parser.add_argument("--discrete-repeat", type=int, default=1,
                        help="runs of scipy.stats.fit (seconds each) for the discrete families")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    args = parser.parse_args()
    from scipy import stats

    from probml._blocks import pass_threads
    from probml.likelihood import fit_distribution

    clock = time.perf_counter if args.clock == "wall" else time.process_time
    print(f"probml's passes on {pass_threads()} threads (PROBML_NUM_THREADS); best of "
          f"{args.repeat}, alternating with SciPy; {args.clock} clock\n")
    print(f"{'family':12s} {'n':>9s} {'probml ms':>10s} {'+ bse_ ms':>10s} {'scipy ms':>10s} "
          f"{'ratio':>6s} {'+ bse_':>7s} {'max rel diff':>13s} {'ll(scipy)-ll(probml)':>21s}  peer")
    for n in args.sizes:
        for name in args.families:
            sample, fixed = FAMILIES[name]
            x = sample(stats).rvs(n, random_state=np.random.default_rng(2)).astype(float)
            fit_distribution(x[:100], name).bse_          # compiled once, outside the timing
            repeat = args.repeat if fixed is not None else args.discrete_repeat
            (mine, inferred, theirs), (fit, _, reference) = alternating_best(
                [lambda: fit_distribution(x, name), lambda: fit_distribution(x, name).bse_,
                 lambda: scipy_fit(stats, name, x, fixed)], repeat, clock)
            params = np.asarray(fit.params_)
            gap = np.max(np.abs(params - reference) / np.maximum(np.abs(params), 1e-300))
            difference = loglik(stats, name, x, reference) - loglik(stats, name, x, params)
            peer = "scipy.stats.fit" if fixed is None else (
                f".fit({', '.join(f'{k}={v}' for k, v in fixed.items())})")
            print(f"{name:12s} {n:9d} {mine * 1e3:10.2f} {inferred * 1e3:10.2f} "
                  f"{theirs * 1e3:10.2f} {mine / theirs:6.2f} {inferred / theirs:7.2f} "
                  f"{gap:13.1e} {difference:21.2e}  {peer}", flush=True)


if __name__ == "__main__":
    main()
