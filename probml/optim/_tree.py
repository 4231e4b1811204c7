"""Parameters as arrays or (nested) dicts of arrays: the few tree operations needed.

Optimizers and the training loop treat a model's parameters as a *tree*: a
single array (or number) is a leaf, and a dict maps names to subtrees.  This
is the pytree idea of JAX and optax, reduced to the two containers a NumPy
model needs.
"""

import math

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
    The squares are summed by NumPy in an order fixed by the shapes (a BLAS dot
    product would sum them in a CPU-dependent order).
    """
    leaves = tree_leaves(tree)
    largest = max((float(np.max(np.abs(leaf))) if np.size(leaf) else 0.0) for leaf in leaves)
    if largest == 0 or not np.isfinite(largest):
        return largest, 1.0
    total = 0.0
    for leaf in leaves:
        scaled = np.divide(leaf, largest)
        total += float(np.sum(scaled * scaled))
    return largest, math.sqrt(total)


class FlatLayout:
    """A parameter tree's leaves laid end to end in one float64 vector, and back.

    The optimizers work entry by entry, so the Trainer steps one vector
    rather than each leaf in turn: a handful of NumPy calls a step whatever
    the number of leaves.
    """

    def __init__(self, tree):
        self.is_dict = isinstance(tree, dict)
        self.leaves, stop = [], 0         # (path, start, stop, shape) of each leaf
        for path, leaf in _leaf_paths(tree, ()):
            start, stop = stop, stop + int(np.size(leaf))
            self.leaves.append((path, start, stop, np.shape(leaf)))
        self.size = stop
        self.depth = max((len(path) for path, *_ in self.leaves), default=0)

    def flatten(self, tree):
        """A new vector holding the leaves of ``tree`` (shaped like the layout's) in order."""
        vector = np.empty(self.size)
        if not self.is_dict:
            vector[:] = np.ravel(tree)
            return vector
        for path, start, stop, shape in self.leaves:
            leaf = tree[path[0]] if len(path) == 1 else _at(tree, path)
            if len(shape) == 1:
                vector[start:stop] = leaf
            elif not shape:
                vector[start] = leaf
            else:
                vector[start:stop].reshape(shape)[...] = leaf
        return vector

    def unflatten(self, vector):
        """The tree whose leaves are views of ``vector`` (NumPy scalars for 0-d leaves)."""
        if self.is_dict and self.depth == 1:        # the common case, once a training step
            return {path[0]: vector[start] if not shape else vector[start:stop]
                    if len(shape) == 1 else vector[start:stop].reshape(shape)
                    for path, start, stop, shape in self.leaves}
        return self._tree_of(lambda start, stop, shape: vector[start] if not shape else
                             vector[start:stop].reshape(shape))

    def unflatten_rows(self, matrix):
        """The tree whose leaves stack the rows of ``matrix``: leaf shape ``(rows, *shape)``."""
        rows = matrix.shape[0]
        return self._tree_of(
            lambda start, stop, shape: matrix[:, start:stop].reshape((rows,) + shape))

    def _tree_of(self, leaf):
        """The tree whose leaf at each path is ``leaf(start, stop, shape)``."""
        if not self.is_dict:
            return leaf(0, self.size, self.leaves[0][3])
        tree = {}
        for path, start, stop, shape in self.leaves:
            node = tree
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = leaf(start, stop, shape)
        return tree


def _leaf_paths(tree, path):
    if not isinstance(tree, dict):
        yield path, tree
        return
    for key, value in tree.items():
        yield from _leaf_paths(value, path + (key,))


def _at(tree, path):
    for key in path:
        tree = tree[key]
    return tree
