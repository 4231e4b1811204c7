r"""Error-free transformations: sums and products of doubles without rounding error.

A floating-point sum or product loses the low half of its exact result; the
error-free transformations return that half as a second double, so

.. math:: a + b = s + e,\qquad a\,b = p + f

hold exactly (Knuth's TwoSum; Dekker's TwoProduct with Veltkamp's split;
Ogita, Rump & Oishi, *Accurate sum and dot product*, SIAM J. Sci. Comput.
26, 2005).  They need only IEEE double arithmetic rounded to nearest, so
their results are the same on every machine, unlike ``np.longdouble``, which
is 80-bit on x86, 128-bit on some ARM systems and plain double on others.

On top of them:

* :func:`residuals` computes :math:`y - b - Xw` as an unevaluated sum of two
  doubles, accurate to about :math:`\epsilon^2`;
* :func:`exact_products` computes :math:`A^\top A` and :math:`A^\top y` as
  sums of a few doubles whose total equals the exact sum of the exact
  products to far below :math:`\epsilon^3`.
"""

import math

import numpy as np

# Veltkamp's constant 2^27 + 1 splits a double into two 26-bit halves.
_SPLITTER = 134217729.0


def two_sum(a, b):
    """``s, e`` with ``s = fl(a + b)`` and ``s + e = a + b`` exactly (Knuth)."""
    s = a + b
    b_virtual = s - a
    return s, (a - (s - b_virtual)) + (b - b_virtual)


def split(a):
    """``high, low`` with ``high + low = a`` exactly and each fitting in 26 bits (Veltkamp)."""
    c = _SPLITTER * a
    high = c - (c - a)
    return high, a - high


def two_product(a, b, a_parts=None, b_parts=None):
    """``p, f`` with ``p = fl(a b)`` and ``p + f = a b`` exactly (Dekker).

    Exact as long as nothing overflows or underflows; callers scale their data
    by powers of two (which is exact) to keep it near 1.
    """
    p = a * b
    a_high, a_low = a_parts if a_parts is not None else split(a)
    b_high, b_low = b_parts if b_parts is not None else split(b)
    f = ((a_high * b_high - p) + a_high * b_low + a_low * b_high) + a_low * b_low
    return p, f


def _distil(values, rounds):
    """Column sums of ``values`` as ``rounds + 1`` doubles each, the last a plain sum of what is left.

    Each round sums the rows pairwise by :func:`two_sum` and keeps every
    rounding error: the errors of round ``k`` are about :math:`(\\epsilon\\log_2
    m)^k` of the column's absolute sum, so three rounds leave nothing that a
    double-precision answer could notice.
    """
    components = []
    for _ in range(rounds):
        errors = []
        while values.shape[0] > 1:
            if values.shape[0] % 2:
                values = np.vstack([values, np.zeros((1, values.shape[1]))])
            values, error = two_sum(values[0::2], values[1::2])
            errors.append(error)
        components.append(values[0])
        if not errors:
            return np.array(components)
        values = np.vstack(errors)
    components.append(values.sum(axis=0))
    return np.array(components)


# Rows of a block: products of a block are (2 * rows, pairs) doubles.
_ROWS = 2048


def exact_products(A, y):
    r"""The exact :math:`A^\top A`, :math:`A^\top y` and :math:`y^\top y` of doubles, as mpmath numbers.

    ``A`` and ``y`` are first scaled column by column by powers of two
    (exactly), so that every product and its rounding error are normal
    doubles; each product is split exactly by :func:`two_product`, and the
    sums are distilled block by block (:func:`_distil`) into a few doubles
    that mpmath adds exactly.

    Returns
    -------
    gram : list of list of mpmath.mpf
        :math:`A^\top A`, exact to far below :math:`\epsilon^3` relative, at
        enough bits for every double (convert them to a working context).
    cross : list of mpmath.mpf
        :math:`A^\top y`.
    squares : mpmath.mpf
        :math:`y^\top y`.
    """
    import mpmath

    n, k = A.shape
    columns = np.column_stack([A, y])
    exponents = np.frexp(np.max(np.abs(columns), axis=0))[1]
    exponents = np.where(np.max(np.abs(columns), axis=0) > 0, exponents, 0)
    scaled = np.ldexp(columns, -exponents)
    first, second = np.triu_indices(k + 1)
    pieces = []
    for start in range(0, n, _ROWS):
        block = scaled[start:start + _ROWS]
        high, low = split(block)
        p, f = two_product(block[:, first], block[:, second],
                           (high[:, first], low[:, first]), (high[:, second], low[:, second]))
        pieces.append(_distil(np.vstack([p, f]), rounds=3))
    totals = np.vstack(pieces)
    context = mpmath.MPContext()
    context.prec = 4200                     # every double, from 2^-1074 to 2^1024, exactly
    sums = [context.fsum(context.mpf(float(v)) for v in totals[:, j])
            for j in range(len(first))]
    gram = [[None] * k for _ in range(k)]
    cross = [None] * k
    for value, i, j in zip(sums, first, second):
        value = context.ldexp(value, int(exponents[i] + exponents[j]))
        if i == k:
            squares = value
        elif j == k:
            cross[i] = value
        else:
            gram[i][j] = gram[j][i] = value
    return gram, cross, squares


def column_dots(X, v):
    r""":math:`X^\top v`, each entry to about one rounding of its exact value.

    The products are split exactly (:func:`two_product`) and the column sums
    distilled (:func:`_distil`), so a dot product whose terms cancel (a
    residual orthogonal to the columns) still has its digits.
    """
    n, k = X.shape
    pieces = [np.zeros((0, k))]
    v = np.asarray(v, dtype=np.float64)
    v_exponent = int(np.frexp(np.max(np.abs(v)))[1]) if np.any(v) else 0
    v_scaled = np.ldexp(v, -v_exponent)
    largest = np.max(np.abs(X), axis=0) if n else np.zeros(k)
    exponents = np.where(largest > 0, np.frexp(largest)[1], 0)
    v_parts = split(v_scaled)
    for start in range(0, n, _ROWS):
        block = np.ldexp(X[start:start + _ROWS].astype(np.float64, copy=False), -exponents)
        rows = slice(start, start + _ROWS)
        column = v_scaled[rows, None]
        p, f = two_product(block, column, None, (v_parts[0][rows, None], v_parts[1][rows, None]))
        pieces.append(_distil(np.vstack([p, f]), rounds=2))
    total = np.vstack(pieces)
    sums = np.array([math.fsum(total[:, j].tolist()) for j in range(k)])
    return np.ldexp(sums, exponents + v_exponent)


def residuals(X, y, coef, intercept=0.0):
    r""":math:`y - b - Xw` as ``high + low``, two doubles per row, with error about :math:`\epsilon^2`.

    Every product :math:`x_{ij} w_j` is split exactly (:func:`two_product`)
    and the running sum is carried by :func:`two_sum`, with the rounding
    errors gathered in ``low`` (Ogita, Rump & Oishi's Dot2, one row per
    lane).  Columns and coefficients are scaled by powers of two first, so no
    split overflows.
    """
    high = np.array(y, dtype=np.float64, copy=True)
    low = np.zeros_like(high)
    if intercept:
        high, error = two_sum(high, -intercept)
        low += error
    for j, w in enumerate(coef):
        if w == 0:
            continue
        column = X[:, j].astype(np.float64, copy=False)
        largest = np.max(np.abs(column))
        if largest == 0:
            continue
        shift = int(np.frexp(largest)[1])
        product, error = two_product(np.ldexp(column, -shift), -np.ldexp(w, shift))
        high, sum_error = two_sum(high, product)
        low += sum_error + error
    return two_sum(high, low)
