"""Independent numeric oracles for the likelihood tests."""

import numpy as np


def numeric_hessian(f, theta, relative_step=1e-4):
    """Central differences on a 5-point stencil per direction (error O(h^4)), steps
    relative to each parameter so that none leaves its domain."""
    k = len(theta)
    steps = relative_step * np.abs(theta)
    H = np.empty((k, k))
    offsets = [(-2, 1.0), (-1, -8.0), (1, 8.0), (2, -1.0)]
    for a in range(k):
        for b in range(k):
            total = 0.0
            for i, wa in offsets:
                for j, wb in offsets:
                    point = np.array(theta, dtype=float)
                    point[a] += i * steps[a]
                    point[b] += j * steps[b]
                    total += wa * wb * f(point)
            H[a, b] = total / (144 * steps[a] * steps[b])
    return H
