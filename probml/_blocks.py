"""Reading float data a block of rows at a time.

float32 data (and any array too large to copy) are read in blocks of about
2 MiB converted to float64, so a pass over them takes a block of extra memory,
never a float64 copy of the data.
"""

import functools

import numpy as np

__all__ = ["PASS_ROWS", "column_sums_of_squares", "row_blocks", "weighted_gram"]

# Elements of a block of rows converted to float64 at a time (2 MiB).
_BLOCK_ELEMENTS = 1 << 18
# Rows per chunk of a likelihood's pass over a design: the chunk's linear predictor
# and per-row derivatives stay in cache while its products with X are formed.
PASS_ROWS = 16384


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


def weighted_gram(X, v, intercept=False, scratch=None):
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
    scratch : ndarray of shape (m, p) with m >= n, optional
        Memory for :math:`B` (reused across calls, it saves an allocation).

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
        out = scratch[:n] if scratch is not None else None
        scaled = np.multiply(X, root[:, None], out=out)
        gram[intercept:, intercept:] = sign * (scaled.T @ scaled)
        column = sign * (root @ scaled)
    else:
        gram[intercept:, intercept:] = (X.T * v) @ X
        column = v @ X
    if intercept:
        gram[0, 0] = v.sum()
        gram[0, 1:] = gram[1:, 0] = column
    upper = _upper_triangle(len(gram))
    gram.T[upper] = gram[upper]
    return gram


@functools.lru_cache(maxsize=8)
def _upper_triangle(size):
    return np.triu_indices(size, 1)
