"""Growth metrics from a Parquet event log on Dask, against pandas in memory: throughput as
a ratio, in one run.

Writes (once, or reuses with ``--keep``) an event log of ``--events`` rows in
Parquet files of ``--file-events`` rows: a user id, the user's signup day, the
day of the event and its type (0 a visit, 1 a purchase; ``--users`` users, each
active from their signup over 90 days with a geometric gap).  Then, each in a
fresh process:

* **Dask** reads the whole log (``dask.dataframe.read_parquet``) and computes
  the weekly cohort retention table, DAU/MAU over the last 30 days, and the
  conversion rate (users with a purchase among all users), with probml's
  functions on the Dask columns;
* **pandas** reads the first ``--memory-events`` events (the largest log this
  run lets fit in memory) with ``pandas.read_parquet`` and computes the same
  with the same functions in memory.

Reported: seconds, events per second and peak memory (``VmHWM``) of each, and
the ratio of Dask's throughput to pandas'.

    python3 benchmarks/bench_events.py [--events 100000000] [--memory-events 20000000]
        [--file-events 5000000] [--users 1000000] [--keep FOLDER]

Dask and pyarrow are needed (``pip install ".[dask]"``).
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

import numpy as np

from _timing import generated_data

METRICS = """
import sys, glob, time
import probml.growth as growth
path, engine, events = sys.argv[1], sys.argv[2], int(sys.argv[3])
start = time.perf_counter()
if engine == "dask":
    import dask.dataframe as dd
    log = dd.read_parquet(path)
else:
    import pandas as pd
    files, rows = sorted(glob.glob(path + "/*.parquet")), 0
    parts = []
    for name in files:
        parts.append(pd.read_parquet(name))
        rows += len(parts[-1])
        if rows >= events:
            break
    log = pd.concat(parts, ignore_index=True).iloc[:events]
table = growth.cohort_retention(log.user, log.signup // 7, log.day // 7)
sticky = growth.stickiness(log.user, log.day, window=(60, 89))
rate = growth.conversion_rate(log.groupby("user").event.max())
print(time.perf_counter() - start, table.sizes.sum(), round(sticky.value, 6), rate.rate)
print(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])
"""


def write_log(path, events, file_events, users):
    import pandas as pd

    os.makedirs(path)
    rng = np.random.default_rng(0)
    signup = rng.integers(0, 60, users).astype(np.int32)
    for k, start in enumerate(range(0, events, file_events)):
        size = min(file_events, events - start)
        user = rng.integers(0, users, size)
        day = np.minimum(signup[user] + rng.geometric(0.08, size) - 1, 89).astype(np.int32)
        pd.DataFrame({"user": user, "signup": signup[user], "day": day,
                      "event": (rng.random(size) < 0.002).astype(np.int8)}).to_parquet(
            os.path.join(path, f"part-{k:04d}.parquet"), index=False)


def run(path, engine, events):
    """Seconds, the results and the peak resident memory (MiB) of one engine's run."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", METRICS, path, engine, str(events)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{engine} failed: {result.stderr[-800:]}")
    lines = result.stdout.split("\n")
    seconds, *values = lines[0].split()
    return float(seconds), time.perf_counter() - start, values, int(lines[1]) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000_000)
    parser.add_argument("--memory-events", type=int, default=20_000_000)
    parser.add_argument("--file-events", type=int, default=5_000_000)
    parser.add_argument("--users", type=int, default=1_000_000)
    args, path = generated_data(parser, "events", lambda path, args: write_log(
        path, args.events, args.file_events, args.users))
    size = sum(os.path.getsize(os.path.join(path, name)) for name in os.listdir(path))
    print(f"event log: {args.events:,} events of {args.users:,} users in "
          f"{len(os.listdir(path))} Parquet files, {size / 2 ** 20:.0f} MiB on disk\n")
    print(f"{'engine':34s} {'events':>12s} {'seconds':>8s} {'events/s':>12s} "
          f"{'peak MiB':>9s}   users, DAU/MAU, conversion")
    rates = {}
    for engine, events in (("dask", args.events), ("pandas", args.memory_events)):
        seconds, _, values, peak = run(path, engine, events)
        rates[engine] = events / seconds
        label = ("probml on Dask (whole log)" if engine == "dask" else
                 "probml on pandas (in memory)")
        print(f"{label:34s} {events:12,d} {seconds:8.1f} {rates[engine]:12,.0f} {peak:9.0f}"
              f"   {', '.join(values)}")
    print(f"\nthroughput, Dask / pandas: {rates['dask'] / rates['pandas']:.2f}")
    if not args.keep:
        shutil.rmtree(os.path.dirname(path))


if __name__ == "__main__":
    main()
