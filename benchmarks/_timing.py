"""Timing shared by the benchmark scripts."""

import time


def best_time(function, repeat):
    """The shortest of ``repeat`` runs of ``function()``, in seconds, and its last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result
