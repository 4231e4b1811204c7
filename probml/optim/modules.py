r"""Ready modules: linear, logistic and softmax regression, and a one-hidden-layer network.

Each computes its loss with :mod:`probml.losses` and its gradient
analytically, by the chain rule through the loss's gradient with respect to
the model output:

.. math:: \frac{\partial L}{\partial W} = X^\top \frac{\partial L}{\partial \hat Y},
   \qquad \frac{\partial L}{\partial b} = \mathbf 1^\top \frac{\partial L}{\partial \hat Y}

The network backpropagates the same way through its hidden layer.

Every product here sums in an order fixed by this code (:func:`matmul` and
:func:`crossprod`), not by the BLAS library: BLAS chooses its order by CPU,
blocking and thread count, so its last bits differ between machines, and in
training, where each step feeds on the last, those bits can grow into
visibly different runs.  With the ``relu`` activation (or none) a training
run is therefore the same to the last bit on every machine; ``tanh`` and
``sigmoid`` use NumPy's exponentials, whose last bits depend on the CPU's
vector instructions.
"""

import numpy as np

from .. import losses
from .._validation import Integer, Optional, Options
from ..functions import sigmoid, softmax
from .training import Module

__all__ = [
    "LinearRegressionModule",
    "LogisticRegressionModule",
    "OneHiddenLayerNetwork",
    "SoftmaxRegressionModule",
    "crossprod",
    "matmul",
]

# Elements of the temporary products below: about an L2 cache's worth.
_BLOCK = 1 << 17


def _block_rows(width):
    """Rows in a block: about ``_BLOCK`` elements of a temporary ``width`` wide."""
    return max(1, _BLOCK // max(width, 1))


def _times(AT, B):
    r""":math:`AB` from :math:`A^\top`: each entry summed over ``j`` in index order.

    The products :math:`A_{ij}B_{j\cdot}` are written as a C-ordered (k, n[, m])
    array (``AT`` a transposed view is transposed on the way) whose first axis
    NumPy sums one slice after another, :math:`j = 0, 1, \dots`: its inner
    loops run along the rows, not along the short ``k``.
    """
    if B.ndim == 1:
        products = np.multiply(AT, B[:, None], order="C")
    else:
        products = np.multiply(AT[:, :, None], B[:, None, :], order="C")
    if products.size == products.shape[0]:
        # A single entry: NumPy would sum its k terms pairwise, not in index order.
        return np.add.accumulate(products, axis=0)[-1]
    return np.add.reduce(products, axis=0)


def _transposed_times(AT, D):
    r""":math:`A^\top D` from :math:`A^\top`: each entry NumPy's sum along a C-ordered row."""
    if D.ndim == 1:
        return np.add.reduce(np.multiply(AT, D, order="C"), axis=1)
    return np.add.reduce(np.multiply(AT[:, :, None], D[None, :, :], order="C"), axis=1)


def matmul(A, B):
    r""":math:`AB` for a short inner dimension, each entry summed in index order.

    ``A`` is (n, k) and ``B`` is (k,) or (k, m); each output entry is the sum of
    :math:`A_{ij}B_{j\cdot}` over ``j`` taken by NumPy one term after another,
    so the result is the same on every machine (unlike ``A @ B``, which BLAS
    sums in a CPU-dependent order).

    Examples
    --------
    >>> matmul(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, -1.0]))
    array([-1., -1.])
    """
    # A block of rows at a time: the products stay in cache, and no (n, k) temporary
    # is made for a whole data set (the end of an epoch's loss).
    rows = _block_rows(A.shape[1] * (B.shape[1] if B.ndim == 2 else 1))
    if A.shape[0] <= rows:
        return _times(A.T, B)
    out = np.empty((A.shape[0],) + B.shape[1:])
    if B.ndim == 1:
        return _matvec_by_columns(A, B, out)
    for start in range(0, A.shape[0], rows):
        out[start:start + rows] = _times(A[start:start + rows].T, B)
    return out


# Rows a block of _matvec_by_columns: its products (32 to 640 KiB) stay in L2.
_COLUMN_BLOCK = 4096


def _matvec_by_columns(A, b, out):
    """``out = A b`` with the sums of :func:`_times`, for many rows: in each block the
    products come from one contiguous multiply (``b`` repeated along the rows) and are
    added column after column, with no transposed copy of ``A``."""
    k = A.shape[1]
    repeated = np.tile(b, _COLUMN_BLOCK)
    for start in range(0, A.shape[0], _COLUMN_BLOCK):
        block = np.ascontiguousarray(A[start:start + _COLUMN_BLOCK])
        products = np.multiply(block.reshape(-1), repeated[:block.size]).reshape(block.shape)
        total = out[start:start + len(block)]
        if k == 1:
            total[:] = products[:, 0]
            continue
        np.add(products[:, 0], products[:, 1], out=total)
        for j in range(2, k):
            np.add(total, products[:, j], out=total)
    return out


def crossprod(X, D):
    r""":math:`X^\top D`, summed over the rows in a fixed order (blocks of rows, in turn).

    ``X`` is (n, p) and ``D`` is (n,) or (n, m): the gradient of a loss through
    a linear layer.  The same on every machine, like :func:`matmul`.

    Examples
    --------
    >>> crossprod(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0]))
    array([4., 6.])
    """
    rows = _block_rows(X.shape[1] * (D.shape[1] if D.ndim == 2 else 1))
    if X.shape[0] <= rows:
        return _transposed_times(X.T, D)
    out = np.zeros((X.shape[1],) + D.shape[1:])
    for start in range(0, X.shape[0], rows):
        out += _transposed_times(X[start:start + rows].T, D[start:start + rows])
    return out


def _check_binary_targets(y):
    if y.ndim != 1:
        raise ValueError(f"binary targets must be 1-D, got shape {y.shape}.")
    bad = (y != 0) & (y != 1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(f"binary cross-entropy needs labels in {{0, 1}}, but y has "
                         f"{float(y[row])!r} at row {row}; encode the classes as 0 and 1.")


class _TransposedBatch:
    r"""A linear predictor's batches laid out for its two products.

    The batch's rows of ``X`` are copied transposed into ``A[:p]``, above a row of
    ones (the intercept's column) and ``extra`` rows the module fills in, so that
    with :math:`\theta = (w, b)`

    * :math:`[X\ 1]\theta` is the products ``A[:p + 1] * theta[:, None]`` added row
      after row: each entry summed over ``j`` in index order, as :func:`matmul` sums;
    * :math:`[X\ 1]^\top d` is the products ``A[:p + 1] * d`` each summed along its
      contiguous row by NumPy's pairwise sum, as :func:`crossprod` sums.

    Both orders are fixed by the shapes alone.  The buffers (``A`` and
    ``products``, of ``size`` columns) and their views are made once for all
    the batches.
    """

    def __init__(self, X, size, extra):
        self.X, self.p = X, X.shape[1]
        self.A = np.empty((self.p + 1 + extra, size))
        self.A[self.p] = 1.0
        self.products = np.empty_like(self.A)
        self.rows = np.empty((size, self.p), dtype=X.dtype)     # a batch's rows, gathered
        self._views = {}

    def load(self, rows):
        r"""Copy the batch's ``rows`` of X (a slice or an index array) into ``A``.

        Returns the views of its columns: ``A``, ``products``, their first
        ``p + 1`` rows (:math:`[X\ 1]^\top` and its products), their next row
        (where ``extra`` is 1), ``A[:p]`` and the rows gathered.
        """
        if isinstance(rows, slice):
            batch = self.X[rows]
            views = self._views.get(batch.shape[0]) or self._views_of(batch.shape[0])
        else:       # rows of a permutation, all in range: "clip" spares take's checking copy
            views = self._views.get(rows.shape[0]) or self._views_of(rows.shape[0])
            batch = self.X.take(rows, axis=0, out=views[-1], mode="clip")
        views[-2][...] = batch.T
        return views

    def _views_of(self, m):
        p, A, products = self.p, self.A[:, :m], self.products[:, :m]
        views = self._views[m] = (A, products, A[:p + 1], products[:p + 1],
                                  A[p + 1:p + 2].reshape(-1), products[p + 1:p + 2].reshape(-1),
                                  A[:p], self.rows[:m])
        return views


def _take(values, rows, out):
    """``values[rows]`` written into ``out``."""
    if isinstance(rows, slice):
        out[...] = values[rows]
    else:       # rows of a permutation, all in range: "clip" spares take's checking copy
        values.take(rows, out=out, mode="clip")
    return out


def _sum_down(products, out):
    """Each column of ``products`` summed row after row (index order), into ``out``."""
    if products.shape[1] == 1:      # one column: NumPy would add its entries pairwise
        out[0] = np.add.accumulate(products[:, 0])[-1]
    else:
        np.add.reduce(products, axis=0, out=out)
    return out


class _LinearPredictorModule(Module):
    """A linear predictor :math:`Xw + b` trained on a loss of it.

    Subclasses name the loss and its gradient with respect to the predictor.
    Up to ``_block_rows(p)`` rows (a mini-batch) are worked on transposed
    (:class:`_TransposedBatch`); the Trainer keeps the buffers for the whole
    run and hands over the parameters as the vector :math:`(w, b)`.
    """

    _loss = _loss_gradient = None

    def init_parameters(self, X, y, rng):
        return {"w": np.zeros(X.shape[1]), "b": np.zeros(())}

    def n_features(self, params):
        return np.shape(params["w"])[0]

    def forward(self, params, X):
        predictor = matmul(X, params["w"])
        return np.add(predictor, params["b"], out=predictor)     # matmul's own array

    def loss(self, params, X, y):
        return self._loss(y, self.forward(params, X), check_input=False)

    def gradient(self, params, X, y):
        return self.loss_and_gradient(params, X, y)[1]

    def loss_and_gradient(self, params, X, y):
        p = X.shape[1]
        if X.shape[0] <= _block_rows(p) and self._own_predictor():
            theta = np.append(params["w"], params["b"])
            loss, gradient = self._batches(X, y, X.shape[0])(theta, slice(None))
            return loss, {"w": gradient[:p], "b": gradient[p]}
        predictor = self.forward(params, X)
        dL = self._loss_gradient(y, predictor, check_input=False)
        return self._loss(y, predictor, check_input=False), {"w": crossprod(X, dL),
                                                             "b": dL.sum()}

    def _batch_pass(self, layout, X, y, batch_size):
        p = X.shape[1]
        # A subclass that computes its own loss and gradient is trained on them.
        if (type(self).loss_and_gradient is _LinearPredictorModule.loss_and_gradient
                and self._own_predictor() and batch_size <= _block_rows(p)
                and layout.leaves == [(("w",), 0, p, (p,)), (("b",), p, p + 1, ())]):
            return self._batches(X, y, batch_size)
        return super()._batch_pass(layout, X, y, batch_size)

    def _own_predictor(self):
        """Whether the predictor is :math:`Xw + b` (the batches' own arithmetic computes it):
        a subclass with its own ``forward`` is trained through that."""
        return type(self).forward is _LinearPredictorModule.forward

    def _batches(self, X, y, size):
        """``(theta, rows) -> (loss, gradient)`` for batches of at most ``size`` rows."""
        batch = _TransposedBatch(X, size, extra=0)
        predictor, targets = np.empty(size), np.empty(size)

        def loss_and_gradient(theta, rows):
            A, products, *_ = batch.load(rows)
            m = A.shape[1]
            eta, target = _sum_down(np.multiply(A, theta[:, None], out=products),
                                    predictor[:m]), _take(y, rows, targets[:m])
            loss = self._loss(target, eta, check_input=False)
            np.multiply(A, self._loss_gradient(target, eta, check_input=False), out=products)
            return loss, np.add.reduce(products, axis=1)

        return loss_and_gradient


class LinearRegressionModule(_LinearPredictorModule):
    r"""Linear regression :math:`\hat y = Xw + b`, trained on the mean squared error.

    Its minimiser is the least-squares (Gaussian maximum-likelihood)
    solution that :class:`probml.LinearRegression` computes in closed form.

    .. math:: \nabla_w L = \tfrac{2}{n} X^\top (Xw + b - y), \qquad
       \partial_b L = \tfrac{2}{n} \mathbf 1^\top (Xw + b - y)
    """

    _loss = staticmethod(losses.mean_squared_error)
    _loss_gradient = staticmethod(losses.mean_squared_error_gradient)

    def check_targets(self, y):
        if y.ndim != 1:
            raise ValueError(f"LinearRegressionModule has one target; y has shape {y.shape}.")

    def _batches(self, X, y, size):
        """The MSE's batches with fewer passes: the residuals come out of the predictor's
        sum (its products end with a row of -y), and the squared residuals are summed
        with the gradient's products, so loss and gradient take one sum each way.  The
        same numbers as :func:`~probml.losses.mean_squared_error` and its gradient."""
        if (self._loss is not losses.mean_squared_error
                or self._loss_gradient is not losses.mean_squared_error_gradient):
            return super()._batches(X, y, size)     # a subclass with a loss of its own
        batch, p = _TransposedBatch(X, size, extra=1), X.shape[1]
        negative_y, residuals = np.negative(y), np.empty(size)

        def loss_and_gradient(theta, rows):
            _, products, X1, X1_products, dL, last_products, *_ = batch.load(rows)
            m = dL.shape[0]
            np.multiply(X1, theta[:, None], out=X1_products)
            _take(negative_y, rows, last_products)
            r = _sum_down(products, residuals[:m])          # [X 1] theta - y
            np.multiply(r, 2.0 / m, out=dL)                 # dL/dy-hat = 2 r / m
            np.multiply(X1, dL, out=X1_products)
            np.multiply(r, r, out=last_products)
            sums = np.add.reduce(products, axis=1)          # X^T dL, sum of dL, sum of r^2
            return float(sums[p + 1]) / m, sums[:p + 1]

        return loss_and_gradient


class LogisticRegressionModule(_LinearPredictorModule):
    r"""Logistic regression :math:`P(y = 1 \mid x) = \sigma(x^\top w + b)`, trained on
    binary cross-entropy (the Bernoulli negative log-likelihood).

    .. math:: \nabla_w L = \tfrac1n X^\top(\sigma(Xw + b) - y), \qquad
       \partial_b L = \tfrac1n \mathbf 1^\top(\sigma(Xw + b) - y)

    ``forward`` returns the log-odds; :meth:`predict_proba` the probability.
    """

    _loss = staticmethod(losses.binary_cross_entropy_with_logits)
    _loss_gradient = staticmethod(losses.binary_cross_entropy_with_logits_gradient)

    def check_targets(self, y):
        _check_binary_targets(y)

    def predict_proba(self, X):
        """:math:`P(y = 1 \\mid x)` at the trained parameters."""
        return sigmoid(self.predict(X))


class SoftmaxRegressionModule(Module):
    r"""Softmax (multinomial logistic) regression, trained on categorical cross-entropy.

    :math:`P(y = k \mid x) = \operatorname{softmax}(x^\top W + b)_k`, with
    labels :math:`0, \dots, K-1`.

    .. math:: \nabla_W L = \tfrac1n X^\top (P - Y), \qquad
       \nabla_b L = \tfrac1n \mathbf 1^\top (P - Y)

    where :math:`Y` is the one-hot matrix of the labels.

    Parameters
    ----------
    n_classes : int, optional
        K; by default one more than the largest training label.
    """

    def __init__(self, n_classes=None):
        self.n_classes = Optional(Integer(2, losses.MAX_CLASSES))(n_classes, "n_classes")

    def init_parameters(self, X, y, rng):
        k = self.n_classes or int(y.max()) + 1
        return {"W": np.zeros((X.shape[1], k)), "b": np.zeros(k)}

    def n_features(self, params):
        return np.shape(params["W"])[0]

    def check_targets(self, y):
        if y.ndim != 1:
            raise ValueError(f"pass class labels of shape (n_samples,), got shape {y.shape}.")
        if self.n_classes is None and y.max() >= losses.MAX_CLASSES:
            raise ValueError(f"y has a label of {float(y.max())!r}; softmax regression has one "
                             f"weight column per class, at most {losses.MAX_CLASSES:,}.")
        k = self.n_classes if self.n_classes is not None else max(int(y.max()) + 1, 2)
        bad = (y != np.round(y)) | (y < 0) | (y > k - 1)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(f"categorical cross-entropy needs class labels in 0..{k - 1}, "
                             f"but y has {float(y[row])!r} at row {row}.")

    def forward(self, params, X):
        return matmul(X, params["W"]) + params["b"]

    def predict_proba(self, X):
        """Class probabilities at the trained parameters, shape (n, K)."""
        return softmax(self.predict(X), axis=1)

    def _one_hot(self, params, y):
        return losses.one_hot(y.astype(np.intp), params["b"].shape[0])

    def loss(self, params, X, y):
        return losses.categorical_cross_entropy_with_logits(
            self._one_hot(params, y), self.forward(params, X), check_input=False)

    def gradient(self, params, X, y):
        return self.loss_and_gradient(params, X, y)[1]

    def loss_and_gradient(self, params, X, y):
        logits, Y = self.forward(params, X), self._one_hot(params, y)
        loss = losses.categorical_cross_entropy_with_logits(Y, logits, check_input=False)
        dL = losses.categorical_cross_entropy_with_logits_gradient(Y, logits,
                                                                   check_input=False)
        return loss, {"W": crossprod(X, dL), "b": dL.sum(axis=0)}


_ACTIVATIONS = {
    # name: (activation, its derivative written in terms of (a, h) = (input, output))
    "tanh": (np.tanh, lambda a, h: 1.0 - h * h),
    "sigmoid": (sigmoid, lambda a, h: h * (1.0 - h)),
    "relu": (lambda a: np.maximum(a, 0.0), lambda a, h: (a > 0).astype(np.float64)),
}


class OneHiddenLayerNetwork(Module):
    r"""A network with one hidden layer, trained by manual backpropagation.

    .. math:: A = X W_1 + b_1, \quad H = \phi(A), \quad \hat y = H w_2 + b_2

    with :math:`\phi` the activation.  For ``task="regression"`` the loss is
    the MSE of :math:`\hat y`; for ``task="binary"``, :math:`\hat y` is a
    log-odds and the loss is binary cross-entropy.  Backpropagation applies
    the chain rule layer by layer, from :math:`\delta = \partial L/\partial\hat y`:

    .. math::
       \nabla_{w_2} L = H^\top \delta, \quad \partial_{b_2} L = \mathbf 1^\top\delta, \quad
       \Delta = (\delta\, w_2^\top) \odot \phi'(A), \quad
       \nabla_{W_1} L = X^\top \Delta, \quad \nabla_{b_1} L = \mathbf 1^\top \Delta

    Unlike the linear models its loss is not convex: different starting
    weights (``Trainer(seed=...)``) can end in different local minima.
    Weights start uniform on :math:`\pm 1/\sqrt{\text{fan-in}}`, as in
    PyTorch's ``nn.Linear``.

    Parameters
    ----------
    n_hidden : int
        Hidden units.
    activation : {"tanh", "sigmoid", "relu"}
    task : {"regression", "binary"}
    """

    def __init__(self, n_hidden=8, activation="tanh", task="regression"):
        self.n_hidden = Integer(1, 100_000)(n_hidden, "n_hidden")
        self.activation = Options(*sorted(_ACTIVATIONS))(activation, "activation")
        self.task = Options("regression", "binary")(task, "task")

    def n_features(self, params):
        return np.shape(params["W1"])[0]

    def init_parameters(self, X, y, rng):
        p, h = X.shape[1], self.n_hidden
        return {"W1": rng.uniform(-1, 1, (p, h)) / np.sqrt(p),
                "b1": rng.uniform(-1, 1, h) / np.sqrt(p),
                "w2": rng.uniform(-1, 1, h) / np.sqrt(h),
                "b2": np.asarray(rng.uniform(-1, 1) / np.sqrt(h))}

    def check_targets(self, y):
        if self.task == "binary":
            _check_binary_targets(y)
        elif y.ndim != 1:
            raise ValueError(f"OneHiddenLayerNetwork has one output; y has shape {y.shape}.")

    def _hidden(self, params, X):
        a = matmul(X, params["W1"]) + params["b1"]
        return a, _ACTIVATIONS[self.activation][0](a)

    def forward(self, params, X):
        return matmul(self._hidden(params, X)[1], params["w2"]) + params["b2"]

    def _loss_and_delta(self, y, output, with_delta):
        if self.task == "regression":
            loss_fn, grad_fn = (losses.mean_squared_error, losses.mean_squared_error_gradient)
        else:
            loss_fn, grad_fn = (losses.binary_cross_entropy_with_logits,
                                losses.binary_cross_entropy_with_logits_gradient)
        loss = loss_fn(y, output, check_input=False)
        return loss, grad_fn(y, output, check_input=False) if with_delta else None

    def loss(self, params, X, y):
        return self._loss_and_delta(y, self.forward(params, X), False)[0]

    def gradient(self, params, X, y):
        return self.loss_and_gradient(params, X, y)[1]

    def loss_and_gradient(self, params, X, y):
        a, h = self._hidden(params, X)
        loss, delta = self._loss_and_delta(y, matmul(h, params["w2"]) + params["b2"], True)
        hidden_delta = np.outer(delta, params["w2"]) * _ACTIVATIONS[self.activation][1](a, h)
        return loss, {"W1": crossprod(X, hidden_delta), "b1": hidden_delta.sum(axis=0),
                      "w2": crossprod(h, delta), "b2": delta.sum()}
