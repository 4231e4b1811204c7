"""Reading float data a block of rows at a time.

float32 data (and any array too large to copy) are read in blocks of about
2 MiB converted to float64, so a pass over them takes a block of extra memory,
never a float64 copy of the data.

A likelihood's pass over a design (:func:`map_chunks`) runs over chunks of
``PASS_ROWS`` rows, on a few threads when there are several chunks: one
core cannot read memory as fast as two, and NumPy and BLAS release the
GIL.  Each chunk's result is returned in chunk order and the caller sums
them in that order, so the result does not depend on the number of threads.
Products in a chunk are written ``np.dot``, which releases the GIL around
its BLAS call where ``@`` (NumPy 2.4) does not for a vector times a matrix
or a matrix's Gram product, and the dot product of two vectors is an
``np.einsum``: OpenBLAS's ``ddot``, from ``@`` or ``np.dot``, makes
concurrent callers wait for each other.  Otherwise the threads would take
turns rather than share the work.
"""

import contextlib
import functools
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["PASS_ROWS", "chunk_slices", "chunk_total", "column_sums_of_squares",
           "dask_head_rows", "gram_and_cross", "map_chunks", "map_dask_chunks",
           "one_blas_thread", "pass_threads", "row_blocks", "row_sum", "weighted_gram",
           "weighted_sum"]

# Elements of a block of rows converted to float64 at a time (2 MiB).
_BLOCK_ELEMENTS = 1 << 18
# Elements of a block of rows whose Gram matrix and cross-products are formed while it
# is in cache (512 KiB), and the most columns read that way (wider, the Gram matrix is
# bound by arithmetic, not by reading X).
_GRAM_BLOCK_ELEMENTS, _GRAM_BLOCK_COLUMNS = 1 << 16, 64
# Rows per chunk of a likelihood's pass over a design: the chunk's linear predictor
# and per-row derivatives stay in cache while its products with X are formed.
PASS_ROWS = 16384
# Threads of a pass: memory bandwidth, which bounds a pass, gains little beyond four.
MAX_PASS_THREADS = 4


# Set in a thread that already runs one of several parallel tasks (a Dask chunk's):
# passes inside it run on that thread alone.
_in_parallel_task = threading.local()


def pass_threads():
    """Threads a pass over chunks may use.

    ``PROBML_NUM_THREADS``, else ``OMP_NUM_THREADS`` (as scikit-learn's and
    joblib's workers set it), else the CPUs this process may run on, at most
    ``MAX_PASS_THREADS``; one inside a Dask chunk's task
    (:func:`map_dask_chunks`), whose scheduler already runs tasks side by side.
    """
    if getattr(_in_parallel_task, "active", False):
        return 1
    for name in ("PROBML_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            return min(int(value), MAX_PASS_THREADS)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cpus or 1, MAX_PASS_THREADS))


_pools = {}


def _pool(threads):
    pool = _pools.get(threads)
    if pool is None:
        pool = _pools[threads] = ThreadPoolExecutor(threads, thread_name_prefix="probml-pass")
    return pool


if hasattr(os, "register_at_fork"):
    # A forked child has none of its parent's threads: it starts its own pools.
    os.register_at_fork(after_in_child=_pools.clear)


@contextlib.contextmanager
def one_blas_thread():
    """A context in which BLAS runs on one thread (threadpoolctl, when installed), for
    work already spread over threads of its own (a pass's chunk threads, a file's
    parser threads, a Dask scheduler's workers): more BLAS threads per block would
    only compete for the same cores, and OpenBLAS's workers, which spin for a while
    after each call, take them from the other threads (a 200-column information pass
    on two threads ran 1.8x slower with two BLAS threads each).  A product on one
    thread also sums in one order, where several can split its sums.

    BLAS's thread count belongs to the process: contexts entered on several threads
    at once (fits run from a user's threads) share one limit, set by the first and
    lifted, to what it was, by the last to leave.
    """
    global _blas_users, _blas_limiter
    controller = _blas_controller()
    if controller is None:
        yield
        return
    with _blas_lock:
        if _blas_users == 0:
            _blas_limiter = controller.limit(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limiter.restore_original_limits()
                _blas_limiter = None


# The contexts of one_blas_thread open now, and the limit they share.
_blas_lock = threading.Lock()
_blas_users, _blas_limiter = 0, None


@functools.lru_cache(maxsize=1)
def _blas_controller():
    """threadpoolctl's view of the BLAS libraries loaded (NumPy's among them), made once:
    finding them takes half a millisecond, limiting them then a hundredth of one."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


def chunk_slices(n, blocks=None, rows=PASS_ROWS):
    """Slices of at most ``rows`` rows covering ``blocks`` (default: all ``n`` rows)."""
    return [slice(start, min(start + rows, block.stop))
            for block in (blocks or [slice(0, n)])
            for start in range(block.start, block.stop, rows)]


def map_chunks(function, chunks):
    """``[function(rows) for rows in chunks]``, on up to :func:`pass_threads` threads.

    Each thread takes a contiguous run of chunks.  The list comes back in
    chunk order, so a sum over it in order is the same to the last bit
    whatever the number of threads; NumPy's floating-point error state
    (:func:`numpy.errstate`) is the caller's in every thread, and BLAS runs on
    one thread in each (:func:`one_blas_thread`), on one thread or several, so that
    a chunk's products do not depend on how many threads BLAS has either.
    """
    threads = min(pass_threads(), len(chunks)) if len(chunks) > 1 else 1
    if threads <= 1:
        with one_blas_thread():
            return [function(rows) for rows in chunks]
    state = np.geterr()

    def run(part):
        with np.errstate(**state):
            return [function(rows) for rows in part]

    bounds = np.linspace(0, len(chunks), threads + 1).round().astype(int)
    with one_blas_thread():
        futures = [_pool(threads).submit(run, chunks[a:b])
                   for a, b in zip(bounds, bounds[1:])]
        return [result for future in futures for result in future.result()]


def _chunk_task(function, state, start, *blocks):
    """One chunk's task of :func:`map_dask_chunks` (a module-level function, so that a
    cluster's workers import it rather than unpickle a closure over this module)."""
    _in_parallel_task.active = True
    try:
        with np.errstate(**state):
            return function(start, *blocks)
    finally:
        _in_parallel_task.active = False


def map_dask_chunks(function, *arrays):
    """``[function(start, *blocks) for each row chunk]`` of Dask ``arrays`` that share
    their row chunks (each spanning all its columns), computed in one pass.

    ``start`` is the chunk's first row in the whole data; empty chunks are
    skipped.  The list comes back in chunk order, so a sum over it in order does
    not depend on the scheduler.  As in :func:`map_chunks`, NumPy's
    floating-point error state is the caller's in every chunk; BLAS runs on one
    thread (:func:`one_blas_thread`) and probml's own passes inside a chunk on one
    thread (:func:`pass_threads`), the scheduler's threads sharing the cores.
    """
    import dask

    state = np.geterr()

    rows = arrays[0].chunks[0]
    starts = np.r_[0, np.cumsum(rows)[:-1]]
    blocks = zip(*(array.to_delayed().ravel() for array in arrays))
    tasks = [dask.delayed(_chunk_task)(function, state, int(start), *chunk)
             for start, size, chunk in zip(starts, rows, blocks) if size]
    with one_blas_thread():
        return list(dask.compute(*tasks))


def chunk_total(function, *arrays):
    """``function(*arrays)`` (a tuple of arrays or numbers that add over rows): in memory
    one call; on Dask arrays sharing their row chunks, the sum of its values over the
    chunks, in one pass and in chunk order."""
    if not hasattr(arrays[0], "__dask_graph__"):
        return function(*arrays)
    parts = map_dask_chunks(lambda start, *blocks: function(*blocks), *arrays)
    return tuple(sum(values[1:], values[0]) for values in zip(*parts))


def row_sum(function, *arrays):
    r""":math:`\sum_i f(a_i, b_i, \dots)`, the sum over the rows of ``function(*arrays)``
    (which may return a constant): NumPy's sum in memory; on Dask arrays sharing their
    row chunks, each chunk's sum in one pass (:func:`map_dask_chunks`), added exactly."""
    def chunk(*blocks):
        rows = np.shape(blocks[0])[0]
        return float(np.sum(np.broadcast_to(function(*blocks), (rows,))))
    if not hasattr(arrays[0], "__dask_graph__"):
        return chunk(*arrays)
    return math.fsum(map_dask_chunks(lambda start, *blocks: chunk(*blocks), *arrays))


def dask_head_rows(arrays, rows):
    """About ``rows`` rows of Dask ``arrays`` (sharing their row chunks) read into memory:
    the first rows of evenly spaced non-empty chunks (a warm start's subsample).

    As many chunks are taken as hold ``rows`` rows on average, and from each as
    many rows as make ``rows`` in all; NumPy arrays come back, one per array.
    """
    import dask
    import dask.array as da

    sizes = np.asarray(arrays[0].chunks[0])
    chunks = np.flatnonzero(sizes > 0)
    count = min(len(chunks), max(1, math.ceil(rows * len(chunks) / sizes.sum())))
    picks = chunks[np.unique(np.linspace(0, len(chunks) - 1, count).round().astype(int))]
    each = max(1, math.ceil(rows / len(picks)))
    heads = [da.concatenate([array.blocks[k][:each] for k in picks]) for array in arrays]
    with one_blas_thread():
        return list(dask.compute(*heads))


def row_blocks(X):
    """``(rows, block)`` pairs covering ``X`` in order, each block as float64."""
    rows = max(1, _BLOCK_ELEMENTS // max(X.shape[1] if X.ndim > 1 else 1, 1))
    for start in range(0, X.shape[0], rows):
        block = X[start:start + rows]
        yield slice(start, start + rows), block.astype(np.float64, copy=False)


def column_sums_of_squares(X):
    r""":math:`\sum_i x_{ij}^2` for each column, in float64, a block of rows at a time."""
    total = np.zeros(X.shape[1])
    with np.errstate(over="ignore", invalid="ignore"):
        for _, block in row_blocks(X):
            total += np.einsum("ij,ij->j", block, block)
    return total


def weighted_sum(values, weights, size=None):
    r""":math:`\sum_i w_i v_i`, or :math:`\sum_i v_i` without weights; a constant
    ``values`` counts ``size`` times (or the total weight).  The weighted sum is an
    ``einsum``, not BLAS's ``ddot`` (see the module's note on threads).

    >>> weighted_sum(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    11.0
    """
    values = np.asarray(values, dtype=float)
    if values.ndim == 0:
        return float(values) * (size if weights is None else float(weights.sum()))
    if weights is None:
        return float(values.sum())
    return float(np.einsum("i,i", values, weights))


def gram_and_cross(X, y):
    r""":math:`X^\top X` and :math:`X^\top [\mathbf 1, y]` (shape ``(p, 2)``) from one
    read of ``X``.

    A narrow ``X`` is read in blocks of rows small enough to stay in cache,
    and each block's Gram matrix (a symmetric rank-k update) and
    cross-products are formed while it is there, on up to
    :func:`pass_threads` threads; the blocks' results are summed in order.
    A wide ``X``, whose Gram matrix is bound by arithmetic rather than by
    reading ``X``, and a small one are multiplied whole.

    >>> X = np.arange(6.0).reshape(3, 2)
    >>> gram, cross = gram_and_cross(X, np.array([1.0, 0.0, 2.0]))
    >>> gram.tolist(), cross.tolist()
    ([[20.0, 26.0], [26.0, 35.0]], [[6.0, 8.0], [9.0, 11.0]])
    """
    n, p = X.shape
    if p > _GRAM_BLOCK_COLUMNS or n * p <= 2 * _GRAM_BLOCK_ELEMENTS:
        return X.T @ X, X.T @ np.column_stack([np.ones(n), y])

    def block(rows):
        X_block = X[rows]
        ones_y = np.empty((rows.stop - rows.start, 2))
        ones_y[:, 0], ones_y[:, 1] = 1.0, y[rows]
        return X_block.T @ X_block, X_block.T @ ones_y

    parts = map_chunks(block, chunk_slices(n, rows=max(256, _GRAM_BLOCK_ELEMENTS // p)))
    return sum(part[0] for part in parts), sum(part[1] for part in parts)


def weighted_gram(X, v, intercept=False):
    r""":math:`\sum_i v_i a_i a_i^\top`, with :math:`a_i = (1, x_i)` if ``intercept``
    else :math:`x_i`: the information matrix of a linear predictor.

    When the weights share a sign (always near the maximum of a concave
    log-likelihood) the product is :math:`\pm B^\top B` with
    :math:`B = \operatorname{diag}(\sqrt{|v|}) X`, which BLAS forms as a
    symmetric rank-k update at half the cost of a general product;
    otherwise :math:`(X^\top V) X`.  Pass blocks of rows that fit in cache.

    Parameters
    ----------
    X : ndarray of shape (n, p)
    v : ndarray of shape (n,)
    intercept : bool

    Returns
    -------
    ndarray of shape (p + intercept, p + intercept)

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> weighted_gram(X, np.array([1.0, 2.0]), intercept=True)
    array([[ 3.,  7., 10.],
           [ 7., 19., 26.],
           [10., 26., 36.]])
    """
    n, p = X.shape
    gram = np.empty((p + intercept, p + intercept))
    low, high = (v.min(), v.max()) if n else (0.0, 0.0)
    if low >= 0 or high <= 0:
        sign = 1.0 if low >= 0 else -1.0
        root = np.sqrt(v) if sign > 0 else np.sqrt(-v)
        # B goes into a buffer of the calling thread, reused across chunks.
        out = _thread_scratch(p)[:n] if n <= PASS_ROWS else None
        scaled = np.multiply(X, root[:, None], out=out)
        gram[intercept:, intercept:] = sign * np.dot(scaled.T, scaled)
        column = sign * np.dot(root, scaled)
    else:
        gram[intercept:, intercept:] = np.dot(X.T * v, X)
        column = np.dot(v, X)
    if intercept:
        gram[0, 0] = v.sum()
        gram[0, 1:] = gram[1:, 0] = column
    upper = _upper_triangle(len(gram))
    gram.T[upper] = gram[upper]
    return gram


_local = threading.local()


def _thread_scratch(columns):
    """A (PASS_ROWS, columns) buffer belonging to the calling thread."""
    buffer = getattr(_local, "scratch", None)
    if buffer is None or buffer.shape[1] != columns:
        buffer = _local.scratch = np.empty((PASS_ROWS, columns))
    return buffer


@functools.lru_cache(maxsize=8)
def _upper_triangle(size):
    return np.triu_indices(size, 1)
