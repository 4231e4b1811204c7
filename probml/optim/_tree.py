"""Parameters as arrays or (nested) dicts of arrays: the few tree operations needed.

Optimizers and the training loop treat a model's parameters as a *tree*: a
single array (or number) is a leaf, and a dict maps names to subtrees.  This
is the pytree idea of JAX and optax, reduced to the two containers a NumPy
model needs.
"""

import numpy as np

from .._validation import as_float_array


def tree_map(fn, tree, *rest):
    """Apply ``fn`` leaf by leaf to ``tree`` and trees of the same structure."""
    if not isinstance(tree, dict):
        return fn(tree, *rest)
    # A loop rather than recursion on every leaf: this runs once per training step.
    mapped = {}
    for key, value in tree.items():
        others = [other[key] for other in rest]
        mapped[key] = (tree_map(fn, value, *others) if isinstance(value, dict)
                       else fn(value, *others))
    return mapped


def tree_leaves(tree):
    """The leaves of ``tree`` in a fixed (insertion) order."""
    if isinstance(tree, dict):
        return [leaf for value in tree.values() for leaf in tree_leaves(value)]
    return [tree]


def tree_map_unzip(fn, n, tree, *rest):
    """Map ``fn``, which returns an n-tuple per leaf, and split the result into n trees.

    One pass, for the optimizers' update, which runs once per training step.
    """
    if not isinstance(tree, dict):
        return fn(tree, *rest)
    parts = tuple({} for _ in range(n))
    for key, value in tree.items():
        others = [other[key] for other in rest]
        pieces = (tree_map_unzip(fn, n, value, *others) if isinstance(value, dict)
                  else fn(value, *others))
        for part, piece in zip(parts, pieces):
            part[key] = piece
    return parts


def check_same_structure(tree, other, name, other_name):
    """Raise a ValueError naming the first key where two trees differ."""
    if isinstance(tree, dict) != isinstance(other, dict):
        kinds = ["a dict" if isinstance(t, dict) else "an array" for t in (tree, other)]
        raise ValueError(f"{name} is {kinds[0]} but {other_name} is {kinds[1]}; they must "
                         "have the same structure.")
    if isinstance(tree, dict):
        if tree.keys() != other.keys():
            raise ValueError(f"{name} has keys {sorted(tree)} but {other_name} has keys "
                             f"{sorted(other)}; they must match.")
        for key in tree:
            check_same_structure(tree[key], other[key], f"{name}[{key!r}]",
                                 f"{other_name}[{key!r}]")
    elif np.shape(tree) != np.shape(other):
        raise ValueError(f"{name} has shape {np.shape(tree)} but {other_name} has shape "
                         f"{np.shape(other)}; they must match.")


def as_float_tree(tree, name, finite=True, copy=True):
    """A parameter tree as float64 arrays, rejecting non-numeric (or non-finite) leaves.

    With ``copy=False`` leaves that already are float64 arrays are used as
    they are (the optimizers' per-step check of the gradients).
    """
    if isinstance(tree, dict):
        if not tree:
            raise ValueError(f"{name} is an empty dict; there is nothing to optimise.")
        return {key: as_float_tree(value, f"{name}[{key!r}]", finite, copy)
                for key, value in tree.items()}
    if not copy and type(tree) is np.ndarray and tree.dtype == np.float64:
        array = tree
    elif not copy and type(tree) is np.float64:         # a reduction's result, e.g. a bias
        array = np.asarray(tree)
    else:
        if tree is None or isinstance(tree, (str, bytes)):
            raise TypeError(f"{name} must be an array of real numbers or a dict of them, got "
                            f"{tree!r}.")
        array, _ = as_float_array(tree, name)
        array = np.array(array, dtype=np.float64)
    if finite and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return array


def scaled_global_norm(tree):
    """``(m, r)`` with the Euclidean norm of all leaves = m r, m the largest |entry|.

    Scaling by the largest entry keeps the sum of squares from overflowing
    (or underflowing) when the entries are near the ends of double precision.
    """
    leaves = tree_leaves(tree)
    largest = max((float(np.max(np.abs(leaf))) if np.size(leaf) else 0.0) for leaf in leaves)
    if largest == 0 or not np.isfinite(largest):
        return largest, 1.0
    return largest, float(np.sqrt(sum(float(np.vdot(leaf / largest, leaf / largest))
                                      for leaf in leaves)))
