"""Reading float data a block of rows at a time.

float32 data (and any array too large to copy) are read in blocks of about
2 MiB converted to float64, so a pass over them takes a block of extra memory,
never a float64 copy of the data.
"""

import numpy as np

__all__ = ["column_sums_of_squares", "row_blocks"]

# Elements of a block of rows converted to float64 at a time (2 MiB).
_BLOCK_ELEMENTS = 1 << 18


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
