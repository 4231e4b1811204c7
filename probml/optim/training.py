r"""A small training loop: Module, DataModule, Trainer, History.

Learning by gradient descent is a loop: take parameters, compute the loss and
its gradient on a batch of data, step against the gradient, repeat.  One
pass over the training data is an *epoch*; each step on one batch is an
*iteration*; with :math:`n` training samples and batch size :math:`B` an epoch
has :math:`\lceil n/B \rceil` iterations.  :math:`B = n` is (full-batch)
gradient descent, :math:`B = 1` stochastic gradient descent, anything
between mini-batch gradient descent.

The split into three objects follows the teaching of "Dive into Deep
Learning" and PyTorch Lightning:

* a :class:`Module` is the model: its parameters, forward pass, loss and
  gradient (ready ones are in :mod:`probml.optim.modules`);
* a :class:`DataModule` holds the data: a seeded validation split, and
  seeded shuffled mini-batches;
* a :class:`Trainer` runs the loop with an optimizer and a schedule, and
  returns a :class:`History` of everything a learner plots.

Examples
--------
>>> import numpy as np
>>> from probml.optim import Trainer, DataModule, gradient_descent
>>> from probml.optim.modules import LinearRegressionModule
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(100, 1))
>>> y = 3.0 * X[:, 0] + 2.0
>>> module = LinearRegressionModule()
>>> history = Trainer(max_epochs=200, optimizer=gradient_descent(0.1)).fit(
...     module, DataModule(X, y))
>>> module.params["w"].round(6), float(module.params["b"].round(6))
(array([3.]), 2.0)
>>> history.params["w"].shape, history.loss.shape      # 200 iterations, 201 parameter sets
((201, 1), (200,))
"""

import math
import sys
from dataclasses import dataclass

import numpy as np

from .._validation import (
    BOOLEAN,
    NONNEGATIVE,
    POSITIVE,
    SEED,
    Integer,
    Optional,
    Options,
    Real,
    as_float_array,
    check_matrix,
    check_whole_number,
)
from ..exceptions import DivergenceError
from ._tree import FlatLayout, as_float_tree, check_same_structure, tree_leaves
from .optimizers import Optimizer, clip_norm, gradient_descent

# Iterations a run may record (its loss and rate: 2 GiB of float64 between them).
MAX_ITERATIONS = 2 ** 27
# A training loss this many times its first value means the run is diverging,
# long before it overflows: no converging run climbs ten orders of magnitude.
DIVERGENCE_FACTOR = 1e10

__all__ = ["DataModule", "History", "Module", "Trainer"]


class Module:
    """A model trained by gradient descent: parameters, forward, loss, gradient.

    Subclasses implement :meth:`init_parameters`, :meth:`forward`,
    :meth:`loss` and :meth:`gradient` (or :meth:`loss_and_gradient`, to share
    the forward pass), all as functions of an explicit parameter tree, so the
    same module can be evaluated anywhere on its loss surface.  The trained
    parameters are kept in ``params``; set ``params`` before training to
    choose the starting point.
    """

    params = None

    def init_parameters(self, X, y, rng):
        """Return a starting parameter tree (a dict of arrays) for data ``X``, ``y``."""
        raise NotImplementedError

    def forward(self, params, X):
        """The model's output for inputs ``X``."""
        raise NotImplementedError

    def loss(self, params, X, y):
        """The (mean) training loss at ``params`` on ``X``, ``y``."""
        raise NotImplementedError

    def gradient(self, params, X, y):
        """The gradient of :meth:`loss` with respect to ``params``, as a tree like it."""
        raise NotImplementedError

    def loss_and_gradient(self, params, X, y):
        """Both at once; override to compute the forward pass once."""
        return self.loss(params, X, y), self.gradient(params, X, y)

    def _batch_pass(self, layout, X, y, batch_size):
        """The Trainer's loss and gradient of a batch, on its vector of parameters.

        Returns ``loss_and_gradient(vector, rows)``: ``vector`` holds the
        parameters laid end to end by ``layout`` (a
        :class:`~probml.optim._tree.FlatLayout`), ``rows`` is a slice or an
        integer array of at most ``batch_size`` rows of ``X`` and ``y``, and the
        gradient comes back as a new vector laid out like ``vector``.  This one
        calls :meth:`loss_and_gradient` on the rows and the tree of views of
        ``vector`` (:meth:`_tree_pass`); a module whose arithmetic can work on
        the vector overrides it.
        """
        tree_pass = self._tree_pass(layout)
        return lambda vector, rows: tree_pass(vector, *_rows_of(X, y, rows))

    def _tree_pass(self, layout):
        """``loss_and_gradient(vector, X_batch, y_batch)``: :meth:`loss_and_gradient` on
        the tree of views of ``vector``, the gradient's structure checked once (the
        module returns the same after) and laid out like ``vector``."""
        checked = False

        def loss_and_gradient(vector, X_batch, y_batch):
            nonlocal checked
            params = layout.unflatten(vector)
            loss, grads = self.loss_and_gradient(params, X_batch, y_batch)
            if not checked:
                grads = as_float_tree(grads, "grads", finite=False, copy=False)
                check_same_structure(grads, params, "grads", "module.params")
                checked = True
            return loss, layout.flatten(grads)

        return loss_and_gradient

    def check_targets(self, y):
        """Raise a ValueError if ``y`` is not a valid target for this model."""

    def n_features(self, params):
        """The number of input columns ``params`` expect (None if the module cannot tell)."""
        return None

    def predict(self, X):
        """The model's output at the trained parameters."""
        if self.params is None:
            raise ValueError(f"This {type(self).__name__} has no parameters yet; train it "
                             "with Trainer.fit or set its params.")
        X, _ = check_matrix(X)
        expected = self.n_features(self.params)
        if expected is not None and X.shape[1] != expected:
            raise ValueError(f"X has {X.shape[1]} features, but this {type(self).__name__} was "
                             f"trained on {expected}.")
        with np.errstate(over="ignore", invalid="ignore"):
            output = self.forward(self.params, X)
        if not np.all(np.isfinite(output)):
            raise ValueError(f"The output overflows float64 for X with values up to "
                             f"{np.max(np.abs(X)):.3g}; X is far outside the training data.")
        return output

    def __repr__(self):
        settings = ", ".join(f"{key}={value!r}" for key, value in vars(self).items()
                             if key != "params")
        return f"{type(self).__name__}({settings})"


def _check_targets_array(y, n_samples, name="y"):
    if getattr(y, "dtype", None) is not None and np.asarray(y).dtype.kind in "OUS":
        raise TypeError(f"{name} must be numbers, got dtype {np.asarray(y).dtype}; encode class "
                        "labels as integers 0..K-1.")
    y, _ = as_float_array(y, name)
    if y.ndim not in (1, 2) or y.shape[0] != n_samples:
        raise ValueError(f"{name} must have one entry (or row) per sample of X: X has "
                         f"{n_samples} rows but {name} has shape {y.shape}.")
    bad = ~np.isfinite(y)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise ValueError(f"{name} contains NaN or infinity at row {row}; remove or impute "
                         "that row.")
    return y


class DataModule:
    """Training data: a seeded validation split and seeded, shuffled mini-batches.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,) or (n_samples, n_outputs)
    validation_fraction : float
        Share of the rows held out for validation, in [0, 1); chosen at random
        with ``seed``.
    X_val, y_val : array_like, optional
        An explicit validation set, instead of ``validation_fraction``.
    shuffle : bool
        Draw a new order of the training rows each epoch.
    seed : int
        Seeds the split and the shuffling: the same seed gives the same
        batches, and epoch ``e`` always uses the same order whatever ran
        before it.

    Examples
    --------
    >>> data = DataModule(np.arange(10.0).reshape(-1, 1), np.arange(10.0),
    ...                   validation_fraction=0.2, seed=1)
    >>> data.n_train, data.X_val.shape
    (8, (2, 1))
    >>> [len(yb) for _, yb in data.batches(3, epoch=0)]
    [3, 3, 2]
    """

    def __init__(self, X, y, *, validation_fraction=0.0, X_val=None, y_val=None,
                 shuffle=True, seed=0):
        validation_fraction = Real(0, 1, closed="left")(validation_fraction,
                                                       "validation_fraction")
        shuffle = BOOLEAN(shuffle, "shuffle")
        seed = SEED(seed, "seed")
        X, _ = check_matrix(X)
        y = _check_targets_array(y, X.shape[0])
        if (X_val is None) != (y_val is None):
            raise ValueError("pass both X_val and y_val, or neither.")
        if X_val is not None and validation_fraction:
            raise ValueError("pass either an explicit validation set (X_val, y_val) or a "
                             "validation_fraction, not both.")
        self.seed, self.shuffle = seed, shuffle
        if X_val is not None:
            X_val, _ = check_matrix(X_val, "X_val")
            if X_val.shape[1] != X.shape[1]:
                raise ValueError(f"X_val has {X_val.shape[1]} features but X has "
                                 f"{X.shape[1]}.")
            self.X_val, self.y_val = X_val, _check_targets_array(y_val, X_val.shape[0],
                                                                 "y_val")
            self.X_train, self.y_train = X, y
        elif validation_fraction:
            n_val = max(1, round(validation_fraction * X.shape[0]))
            if n_val >= X.shape[0]:
                raise ValueError(f"validation_fraction={validation_fraction!r} of "
                                 f"{X.shape[0]} rows leaves no training data.")
            order = _epoch_generator(seed, 0x5EED).permutation(X.shape[0])
            val, train = np.sort(order[:n_val]), np.sort(order[n_val:])
            self.X_train, self.y_train = X[train], y[train]
            self.X_val, self.y_val = X[val], y[val]
        else:
            self.X_train, self.y_train = X, y
            self.X_val = self.y_val = None

    @property
    def n_train(self):
        """Number of training rows."""
        return self.X_train.shape[0]

    @property
    def has_validation(self):
        return self.X_val is not None

    def check_batch_size(self, batch_size):
        """``batch_size`` checked: a whole number from 1 to the number of training rows."""
        batch_size = check_whole_number(batch_size, "batch_size")
        if batch_size > self.n_train:
            raise ValueError(f"batch_size={batch_size} is larger than the {self.n_train} "
                             f"training rows; use at most {self.n_train} (full-batch gradient "
                             "descent).")
        return batch_size

    def batches(self, batch_size, epoch=0):
        """Yield ``(X_batch, y_batch)`` covering the training rows once.

        The last batch is smaller when ``batch_size`` does not divide the
        number of rows.  Unshuffled batches are views, not copies.
        """
        for rows in self._batch_rows(batch_size, epoch):
            yield _rows_of(self.X_train, self.y_train, rows)

    def _batch_rows(self, batch_size, epoch):
        """The training rows of each batch: slices in order, or index arrays of the
        epoch's seeded permutation."""
        batch_size, n = self.check_batch_size(batch_size), self.n_train
        if not self.shuffle:
            for start in range(0, n, batch_size):
                yield slice(start, start + batch_size)
            return
        order = _epoch_generator(self.seed, epoch).permutation(n)
        for start in range(0, n, batch_size):
            yield order[start:start + batch_size]


def _rows_of(X, y, rows):
    """``X`` and ``y`` at ``rows`` (a slice: views; an index array: copies)."""
    if isinstance(rows, slice):
        return X[rows], y[rows]
    return X.take(rows, axis=0), y.take(rows, axis=0)


def _epoch_generator(seed, stream):
    """A generator for ``stream`` (an epoch, or the split) of ``seed``, independent of others."""
    if isinstance(seed, (np.random.Generator, np.random.BitGenerator)):
        seed = seed.bit_generator.seed_seq if isinstance(seed, np.random.Generator) \
            else seed.seed_seq
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(np.random.SeedSequence(seed.entropy,
                                                            spawn_key=(*seed.spawn_key, stream)))
    return np.random.default_rng([0 if seed is None else seed, stream])


@dataclass
class History:
    r"""What a training run recorded.

    Attributes
    ----------
    loss : ndarray of shape (n_iterations,)
        The mini-batch loss at each iteration, at the parameters before its
        step (the ``loss_list`` of a hand-written loop).
    learning_rate : ndarray of shape (n_iterations,)
        The rate each iteration's step used.
    params : dict of ndarray, or None
        Each parameter stacked over iterations: ``params["w"][i]`` is ``w``
        before iteration ``i``, and ``params["w"][-1]`` the final value
        (``n_iterations + 1`` rows; the ``w_list`` and ``b_list`` of a
        hand-written loop).  None when the trainer does not record them.
    grad_norm : ndarray of shape (n_iterations,) or None
        The gradient's norm before clipping, when clipping is on.
    train_loss, val_loss : ndarray of shape (n_epochs,)
        The loss on all training (validation) rows at the end of each epoch;
        ``val_loss`` is None without validation data.
    iterations_per_epoch : int
    best_epoch : int or None
        The epoch of the lowest validation loss, counted from 0.
    stopped_early : bool
        Whether early stopping ended the run before ``max_epochs``.
    """

    loss: np.ndarray
    learning_rate: np.ndarray
    params: dict | None
    grad_norm: np.ndarray | None
    train_loss: np.ndarray
    val_loss: np.ndarray | None
    iterations_per_epoch: int
    best_epoch: int | None = None
    stopped_early: bool = False

    @property
    def n_iterations(self):
        return self.loss.shape[0]

    @property
    def n_epochs(self):
        return self.train_loss.shape[0]

    def __repr__(self):
        val = f", val_loss={self.val_loss[-1]:.6g}" if self.val_loss is not None else ""
        return (f"History(n_epochs={self.n_epochs}, n_iterations={self.n_iterations}, "
                f"train_loss={self.train_loss[-1]:.6g}{val})")


class Trainer:
    r"""Train a :class:`Module` on a :class:`DataModule` with an optimizer and a schedule.

    Parameters
    ----------
    max_epochs : int
        Passes over the training data, >= 1.
    batch_size : int or None
        Rows per iteration: None or the number of training rows for
        full-batch gradient descent, 1 for stochastic gradient descent.
    optimizer : Optimizer
        From :mod:`probml.optim` (default: ``gradient_descent(0.1)``).
    schedule : callable, optional
        Learning rate as a function of the iteration (or epoch, see
        ``schedule_unit``), handed to the optimizer
        (:meth:`~probml.optim.Optimizer.with_learning_rate`) in place of its
        rate: the optimizer consults it before each update.
    schedule_unit : {"iteration", "epoch"}
        What the schedule counts: PyTorch code usually steps
        ``CosineAnnealingLR`` once per epoch.
    clip_norm : float, optional
        Rescale each gradient to at most this global norm
        (:func:`~probml.optim.clip_by_global_norm`).
    patience : int, optional
        Early stopping: end the run when the validation loss has not improved
        by more than ``min_delta`` for this many epochs.
    min_delta : float
        The improvement that counts, for early stopping.
    restore_best : bool
        With early stopping, leave the module at the parameters of the best
        validation epoch rather than the last.
    record_params : bool
        Keep every iteration's parameters in the history.
    progress_bar : bool or None
        Show a tqdm progress bar: None shows one only on a terminal, and only
        for runs that last more than a second.
    seed : int
        Seeds the module's starting parameters when it has none.

    Raises
    ------
    DivergenceError
        When the loss becomes infinite or NaN; the message names the
        iteration and suggests a smaller learning rate.
    """

    def __init__(self, max_epochs=10, batch_size=None, optimizer=None, schedule=None, *,
                 schedule_unit="iteration", clip_norm=None, patience=None, min_delta=0.0,
                 restore_best=True, record_params=True, progress_bar=None, seed=0):
        self.max_epochs = Integer(1, MAX_ITERATIONS)(max_epochs, "max_epochs")
        self.batch_size = Optional(Integer(1))(batch_size, "batch_size")
        optimizer = gradient_descent(0.1) if optimizer is None else optimizer
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer must be a probml.optim Optimizer (e.g. "
                            f"probml.optim.adam(1e-3)), got {optimizer!r}.")
        if schedule is not None:
            if not callable(schedule):
                raise TypeError(f"schedule must be a callable of the step, got {schedule!r}.")
            if callable(optimizer.hyperparameters.get("learning_rate")):
                raise ValueError("the optimizer already has a learning-rate schedule; pass "
                                 "the schedule to the optimizer or to the Trainer, not both.")
        schedule_unit = Options("iteration", "epoch")(schedule_unit, "schedule_unit")
        self.optimizer, self.schedule, self.schedule_unit = optimizer, schedule, schedule_unit
        self.clip_norm = Optional(POSITIVE)(clip_norm, "clip_norm")
        self.patience = Optional(Integer(1))(patience, "patience")
        self.min_delta = NONNEGATIVE(min_delta, "min_delta")
        self.restore_best = BOOLEAN(restore_best, "restore_best")
        self.record_params = BOOLEAN(record_params, "record_params")
        self.progress_bar = Optional(BOOLEAN)(progress_bar, "progress_bar")
        self.seed = SEED(seed, "seed")

    def __repr__(self):
        return (f"Trainer(max_epochs={self.max_epochs}, batch_size={self.batch_size}, "
                f"optimizer={self.optimizer!r}, schedule={self.schedule!r})")

    def _progress(self, total):
        show = self.progress_bar
        if show is None:
            show = sys.stderr.isatty()
        if not show:
            return None
        from tqdm.auto import tqdm

        return tqdm(total=total, unit="it", delay=0.0 if self.progress_bar else 1.0,
                    leave=False)

    def fit(self, module, data):
        """Train ``module`` on ``data`` (a DataModule, or an ``(X, y)`` pair).

        The module ends at the trained parameters (``module.params``).
        """
        if not isinstance(module, Module):
            raise TypeError(f"module must be a probml.optim.Module, got {module!r}.")
        if not isinstance(data, DataModule):
            if not (isinstance(data, tuple) and len(data) == 2):
                raise TypeError("data must be a DataModule or an (X, y) pair.")
            data = DataModule(*data)
        module.check_targets(data.y_train)
        if data.has_validation:
            module.check_targets(data.y_val)
        if self.patience is not None and not data.has_validation:
            raise ValueError("early stopping (patience) needs validation data: give the "
                             "DataModule a validation_fraction or X_val and y_val.")
        batch_size = data.check_batch_size(
            data.n_train if self.batch_size is None else self.batch_size)
        if module.params is None:
            params = module.init_parameters(data.X_train, data.y_train,
                                            np.random.default_rng(self.seed))
        else:
            params = module.params
        params = as_float_tree(params, "module.params")
        self._check_params_fit(module, params, data)
        per_epoch = math.ceil(data.n_train / batch_size)
        if per_epoch * self.max_epochs > MAX_ITERATIONS:
            raise ValueError(f"max_epochs={self.max_epochs} with {per_epoch} iterations per "
                             f"epoch is more than {MAX_ITERATIONS:,} iterations to record; use "
                             "fewer epochs or larger batches.")
        if self.record_params:
            size = sum(np.size(leaf) for leaf in tree_leaves(params))
            if (per_epoch * self.max_epochs + 1) * size > MAX_ITERATIONS:
                raise ValueError(f"recording {size} parameters at each of "
                                 f"{per_epoch * self.max_epochs} iterations needs more than "
                                 f"{MAX_ITERATIONS:,} numbers; pass record_params=False.")
        return self._run(module, data, params, batch_size)

    @staticmethod
    def _check_params_fit(module, params, data):
        try:
            with np.errstate(all="ignore"):
                module.loss(params, data.X_train[:1], data.y_train[:1])
        except (ValueError, IndexError, KeyError) as error:
            raise ValueError(f"module.params do not fit the data (X has "
                             f"{data.X_train.shape[1]} features): {error}") from error

    def _run(self, module, data, params, batch_size):
        per_epoch = math.ceil(data.n_train / batch_size)
        run = _Run(self, data, params, self._scheduled_optimizer(per_epoch), per_epoch)
        if type(data).batches is DataModule.batches:
            batch = module._batch_pass(run.layout, data.X_train, data.y_train, batch_size)

            def passes(epoch):
                return ((rows,) for rows in data._batch_rows(batch_size, epoch))
        else:       # a subclass's own batches (augmented, resampled), through the tree
            batch = module._tree_pass(run.layout)

            def passes(epoch):
                return data.batches(batch_size, epoch)
        bar = self._progress(per_epoch * self.max_epochs)
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                for epoch in range(self.max_epochs):
                    self._train_epoch(run, batch, passes(epoch), epoch, bar)
                    if self._after_epoch(run, module, data, epoch):
                        break
                    if bar is not None:
                        bar.set_postfix(epoch=epoch, loss=f"{run.train_losses[-1]:.4g}",
                                        refresh=False)
        finally:
            if bar is not None:
                bar.close()
        params = run.params
        if self.patience is not None and self.restore_best and run.best[2] is not None:
            params = run.best[2]
        if not all(np.all(np.isfinite(leaf)) for leaf in tree_leaves(params)):
            raise run.divergence(math.inf, self.max_epochs - 1,
                                 cause="the last step's parameters overflowed")
        module.params = params
        return run.history()

    def _scheduled_optimizer(self, per_epoch):
        """The optimizer, consulting the schedule (counted in iterations or epochs) if any.

        The schedule is read at the update count (or its epoch), clamped to the
        run, so a schedule defined for ``max_epochs`` epochs is never asked
        beyond them for the rate after the last update.
        """
        if self.schedule is None:
            return self.optimizer
        schedule, last = self.schedule, per_epoch * self.max_epochs - 1
        if self.schedule_unit == "epoch":
            return self.optimizer.with_learning_rate(
                lambda step: schedule(min(step, last) // per_epoch))
        return self.optimizer.with_learning_rate(lambda step: schedule(min(step, last)))

    def _train_epoch(self, run, batch, passes, epoch, bar):
        """One pass over the training batches: a loss, a gradient and an update each
        (``batch(vector, *inputs)`` for each ``inputs`` of ``passes``: the module's
        :meth:`~Module._batch_pass` of the rows, or its :meth:`~Module._tree_pass` of a
        DataModule subclass's own batches)."""
        losses, rates, step, isfinite = run.losses, run.rates, run.step, math.isfinite
        for inputs in passes:
            i = run.i
            try:
                loss, gradient = batch(run.vector, *inputs)
            except ValueError as error:         # e.g. logits that overflowed to +inf
                raise run.failure(error, epoch, "loss") from None
            if not isfinite(loss) or loss > run.divergent_loss:
                raise run.divergence(loss, epoch)
            losses[i], rates[i] = loss, run.state.learning_rate
            if i == 0:      # DIVERGENCE_FACTOR times the first loss, if that is positive
                run.divergent_loss = DIVERGENCE_FACTOR * losses[0] if loss > 0 else math.inf
            try:
                step(gradient)
            except (DivergenceError, ValueError) as error:
                raise run.divergence(loss, epoch, cause=str(error)) from None
            if bar is not None:
                bar.update()

    def _after_epoch(self, run, module, data, epoch):
        """The epoch's training and validation losses, and early stopping; True to stop."""
        train_loss = run.evaluate(module.loss, data.X_train, data.y_train, epoch)
        run.train_losses.append(train_loss)
        if not math.isfinite(train_loss) or train_loss > run.divergent_loss:
            raise run.divergence(train_loss, epoch, end_of_epoch=True)
        if not data.has_validation:
            return False
        val_loss = run.evaluate(module.loss, data.X_val, data.y_val, epoch)
        run.val_losses.append(val_loss)
        if val_loss < run.best[0] - self.min_delta:
            run.best, run.since_best = (val_loss, epoch, run.params), 0
        else:
            run.since_best += 1
        if self.patience is not None and run.since_best >= self.patience:
            run.stopped_early = epoch + 1 < self.max_epochs
            return True
        return False



class _Run:
    """The state of one training run: parameters, optimizer state, and what it records.

    The parameters are kept as one vector (``vector``, laid out by a
    :class:`~probml.optim._tree.FlatLayout`) that the module sees as a tree
    of views (``params``), and each step makes a new one (a tree kept from an
    earlier step stays as it was).  The optimizers of this package update
    entry by entry, so their unchecked ``_step`` moves the whole vector in a
    few NumPy calls; an optimizer made otherwise gets the tree through its
    ``update``.
    """

    def __init__(self, trainer, data, params, optimizer, per_epoch):
        total = per_epoch * trainer.max_epochs
        self.data, self.per_epoch, self.optimizer = data, per_epoch, optimizer
        self.max_norm = trainer.clip_norm
        self.layout = FlatLayout(params)
        self.vector = self.layout.flatten(params)
        self.vector_step = optimizer._step
        self.state = optimizer.init(self.vector if self.vector_step is not None else params)
        self.losses, self.rates = np.empty(total), np.empty(total)
        # DIVERGENCE_FACTOR times the first loss, once there is one (and it is positive).
        self.divergent_loss = math.inf
        self.grad_norms = np.empty(total) if trainer.clip_norm is not None else None
        self.trajectory = None
        if trainer.record_params:
            self.trajectory = np.empty((total + 1, self.layout.size))
            self.trajectory[0] = self.vector
        self.train_losses, self.val_losses = [], []
        self.best = (math.inf, None, None)      # validation loss, epoch, parameters
        self.since_best, self.stopped_early, self.i = 0, False, 0

    @property
    def params(self):
        """The parameters as a tree of views of ``vector``."""
        return self.layout.unflatten(self.vector)

    def step(self, gradient):
        """Update the parameters with ``gradient`` (a vector like them); record the step."""
        i = self.i
        if self.max_norm is not None:
            gradient, self.grad_norms[i] = clip_norm(gradient, self.max_norm)
        if self.vector_step is not None:
            step, self.state = self.vector_step(gradient, self.state, self.vector)
        else:
            updates, self.state = self.optimizer.update(self.layout.unflatten(gradient),
                                                        self.state, self.params)
            step = self.layout.flatten(updates)
        self.vector = vector = self.vector + step
        if self.trajectory is not None:
            self.trajectory[i + 1] = vector
        self.i = i + 1

    def history(self):
        """The :class:`History` of the run so far."""
        n = self.i
        stacked = (self.layout.unflatten_rows(self.trajectory[:n + 1].copy())
                   if self.trajectory is not None else None)
        return History(self.losses[:n], self.rates[:n], stacked,
                       None if self.grad_norms is None else self.grad_norms[:n],
                       np.array(self.train_losses),
                       np.array(self.val_losses) if self.data.has_validation else None,
                       self.per_epoch, self.best[1], self.stopped_early)

    def evaluate(self, function, X, y, epoch):
        """``function(params, X, y)``; once the parameters have moved, a failure is divergence."""
        try:
            return function(self.params, X, y)
        except ValueError as error:
            raise self.failure(error, epoch, "loss") from None

    def failure(self, error, epoch, stage):
        """The module's own error at the initial parameters; divergence after they moved."""
        if self.i == 0:
            return error
        return self.divergence(math.inf, epoch, cause=str(error), stage=stage)

    def divergence(self, loss, epoch, end_of_epoch=False, cause=None, stage="gradient step"):
        """The :class:`DivergenceError` for a loss that blew up at this point of the run."""
        iteration, per_epoch, history = self.i, self.per_epoch, self.history()
        where = (f"after iteration {iteration - 1}, at the end of epoch {epoch}"
                 if end_of_epoch else
                 f"at iteration {iteration} (epoch {epoch}, batch {iteration % per_epoch + 1} "
                 f"of {per_epoch})")
        rate = self.state.learning_rate
        first = history.loss[0] if history.n_iterations else None
        if cause is not None:
            what = f"The {stage} failed ({cause})"
        elif math.isfinite(loss):
            what = (f"The training loss grew to {loss:.3g}, more than {DIVERGENCE_FACTOR:g} "
                    f"times its first value {first:.3g},")
        else:
            what = f"The training loss became non-finite ({loss})"
        return DivergenceError(
            f"{what} {where} with learning rate {rate:g}: the run diverged. Use a smaller "
            f"learning rate (try {rate / 10:g}), a schedule that starts lower, or gradient "
            "clipping (clip_norm).", history)
