r"""Exact Gaussian-kernel ridge classification for tens of thousands of samples.

Oyallon & Mallat (2015) classify CIFAR-10 scattering coefficients with a
Gaussian-kernel SVM.  A kernel ridge (least-squares) classifier with the same
kernel solves, for one-vs-all targets :math:`Y \in \{-1, 1\}^{n \times C}`,

.. math::

    (K + \alpha I)\, A = Y, \qquad K_{ij} = \exp(-\gamma \|x_i - x_j\|^2),

and predicts :math:`\arg\max_c \sum_i A_{ic} k(x, x_i)` (Rifkin & Klautau 2004
show one-vs-all least squares to be as accurate as SVMs when both are tuned).

scikit-learn's ``KernelRidge`` holds :math:`K` in float64 next to a copy; here
the kernel is formed block by block in the working precision (float32 by
default) and overwritten by its Cholesky factor, so 50,000 samples need
:math:`4 n^2` bytes = 10 GB, and only the lower triangle is computed.

**Views.**  When each sample comes with the features of :math:`V` transformed
copies of itself (e.g. the image and its mirror image), the kernel is averaged
over all pairs of views,

.. math::

    K(x, x') = \frac{1}{V^2} \sum_{a=1}^{V} \sum_{b=1}^{V} k(x^{(a)}, x'^{(b)}),

the inner product of the samples' mean embeddings :math:`\frac1V \sum_a
\Phi(x^{(a)})` in the Gaussian kernel's feature space, hence positive
semi-definite for any views; it does not change when the views of a sample are
permuted, so a classifier on it is invariant to the transformations that permute
them (Haasdonk & Burkhardt 2007).  The training set keeps :math:`n` samples (the
kernel's memory does not grow); the cost of forming it grows as :math:`V^2`.

References
----------
B. Schölkopf and A. J. Smola, *Learning with Kernels*, MIT Press, 2002 (kernel ridge).
B. Haasdonk and H. Burkhardt, "Invariant kernel functions for pattern analysis and
machine learning", Machine Learning 68:35-61, 2007 (kernels averaged over transformations).
R. Rifkin and A. Klautau, "In defense of one-vs-all classification", JMLR 5:101-141, 2004.
E. Oyallon and S. Mallat, "Deep roto-translation scattering for object classification",
CVPR 2015.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import LinAlgError
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ..transforms.base import check_int
from ._validation import validate_data
from .transformers import _check_positive

#: default ridge penalty :math:`\alpha` (added to the kernel's unit diagonal)
DEFAULT_ALPHA = 0.1
#: default kernel width: ``"median"`` is :math:`1 / \mathrm{median}\|x_i - x_j\|^2`
DEFAULT_GAMMA = "median"
#: rows of the kernel formed per block (bounds the temporaries to ``block * n``)
DEFAULT_BLOCK_SIZE = 2048
#: random pairs of training samples behind the median heuristic
MEDIAN_PAIRS = 20000


def squared_norms(X):
    """Row-wise :math:`\\|x_i\\|^2` of a 2D array, in its precision."""
    return np.einsum("ij,ij->i", X, X)


def gaussian_kernel_block(A, B, gamma, sq_a=None, sq_b=None, out=None):
    r""":math:`\exp(-\gamma \|a_i - b_j\|^2)` for the rows of ``A`` and ``B``.

    The squared distance is expanded as :math:`\|a\|^2 + \|b\|^2 - 2 a\cdot b`
    (one matrix product) and clipped at zero against rounding.

    Parameters
    ----------
    A, B : ndarray of shape (n, d), (m, d)
    gamma : float
        Inverse squared width, positive.
    sq_a, sq_b : ndarray, optional
        :func:`squared_norms` of ``A`` and ``B`` when the caller has them.
    out : ndarray of shape (n, m), optional
        Written in place.

    Returns
    -------
    ndarray of shape (n, m)
    """
    out = squared_distances(A, B, sq_a, sq_b, out=out)
    out *= -gamma
    return np.exp(out, out=out)


def squared_distances(A, B, sq_a=None, sq_b=None, out=None):
    r""":math:`\|a_i - b_j\|^2` expanded as :math:`\|a\|^2 + \|b\|^2 - 2 a\cdot b`
    (one matrix product), clipped at zero against rounding; arguments as
    :func:`gaussian_kernel_block`'s."""
    sq_a = squared_norms(A) if sq_a is None else sq_a
    sq_b = squared_norms(B) if sq_b is None else sq_b
    out = np.matmul(A, B.T, out=out)
    out *= -2.0
    out += sq_a[:, None]
    out += sq_b[None, :]
    return np.maximum(out, 0.0, out=out)


def view_kernel_block(A, B, gamma, sq_a=None, sq_b=None):
    r"""Gaussian kernel averaged over all pairs of views,
    :math:`\frac{1}{V^2}\sum_{a,b} \exp(-\gamma \|a_i^{(a)} - b_j^{(b)}\|^2)`.

    Parameters
    ----------
    A, B : ndarray of shape (n, V, d), (m, V, d)
        The features of the :math:`V` views of each sample.
    gamma : float
        Inverse squared width, positive.
    sq_a, sq_b : ndarray of shape (n, V), (m, V), optional
        :func:`squared_norms` of each view when the caller has them.

    Returns
    -------
    ndarray of shape (n, m)
        :func:`gaussian_kernel_block` of the single views when :math:`V = 1`.
    """
    V = A.shape[1]
    sq_a = view_norms(A) if sq_a is None else sq_a
    sq_b = view_norms(B) if sq_b is None else sq_b
    out = np.empty((len(A), len(B)), dtype=np.result_type(A, B))
    tmp = out if V == 1 else np.empty_like(out)
    distances = (squared_distances(A[:, a], B[:, b], sq_a[:, a], sq_b[:, b], out=tmp)
                 for a in range(V) for b in range(V))
    return _mean_exp(distances, gamma, V, out, tmp)


def view_norms(X):
    """:func:`squared_norms` of each view of ``X`` (n, V, d): shape (n, V)."""
    return np.stack([squared_norms(X[:, a]) for a in range(X.shape[1])], 1)


def _mean_exp(distances, gamma, V, out, tmp):
    r""":math:`\frac{1}{V^2}\sum \exp(-\gamma D)` over the :math:`V^2` squared-distance
    arrays ``distances`` yields (each may be ``tmp`` itself), into ``out``.

    The one place of this arithmetic: the classifier's kernel blocks and the grid
    search's kernels from stored distances (:func:`validation_errors`) go through it,
    so that each grid point gives the predictions of its own fit.
    """
    if V > 1:
        out[...] = 0.0
    for d in distances:
        np.multiply(d, -gamma, out=tmp)
        if V == 1:
            np.exp(tmp, out=out)
        else:
            out += np.exp(tmp, out=tmp)
    if V > 1:
        out *= 1.0 / V ** 2
    return out


def median_gamma(X, n_pairs=MEDIAN_PAIRS, random_state=0) -> float:
    r"""The median heuristic :math:`\gamma = 1 / \mathrm{median}_{i \ne j} \|x_i - x_j\|^2`,
    over ``n_pairs`` random pairs of distinct rows of ``X`` (``DEFAULT_BLOCK_SIZE`` pairs
    at a time: bounded temporaries on wide features)."""
    rng = np.random.default_rng(random_state)
    n = len(X)
    if n < 2:
        raise ValueError(f"the median heuristic needs at least 2 samples, got {n}")
    i = rng.integers(0, n, n_pairs)
    j = (i + rng.integers(1, n, n_pairs)) % n  # j != i
    step = DEFAULT_BLOCK_SIZE
    d2 = np.concatenate([squared_norms(X[i[a:a + step]] - X[j[a:a + step]])
                         for a in range(0, n_pairs, step)])
    med = float(np.median(d2))
    if not med > 0:
        raise ValueError("the median squared distance between training samples is 0: the "
                         "samples are (mostly) identical; give a numeric gamma instead")
    return 1.0 / med


def cholesky_solve_kernel(K, Y, alpha, block_size=DEFAULT_BLOCK_SIZE):
    r"""Solve :math:`(K + \alpha I) A = Y` for a C-ordered kernel ``K`` whose **lower**
    triangle is filled; ``K`` is overwritten by its Cholesky factor (no copy).

    A right-looking blocked Cholesky factorisation (Golub & Van Loan, *Matrix
    Computations*, 4th ed., Algorithm 4.2.10): LAPACK factors each diagonal block
    and solves each panel, NumPy's matrix products update the trailing lower
    triangle.  Calling LAPACK's ``potrf`` on the whole matrix instead is not safe
    here: SciPy's LAPACK has 32-bit integers, and a 50,000 x 50,000 matrix (more
    than :math:`2^{31}` entries) crashes it.  Only ``K``'s lower triangle is read.

    Raises
    ------
    numpy.linalg.LinAlgError
        When :math:`K + \alpha I` is not numerically positive definite in ``K``'s
        precision (increase ``alpha`` or use float64).
    """
    from scipy.linalg import cholesky, solve_triangular

    if not (isinstance(K, np.ndarray) and K.ndim == 2 and K.shape[0] == K.shape[1]
            and K.flags.c_contiguous):
        raise ValueError("K must be a square C-contiguous array")
    n, b = len(K), int(block_size)
    starts = list(range(0, n, b))
    for k0 in starts:  # the strict upper triangle of each diagonal block: never read, zeroed
        k1 = min(k0 + b, n)
        K[k0:k1, k0:k1][np.triu_indices(k1 - k0, 1)] = 0.0
    K[np.diag_indices(n)] += alpha
    for k0 in starts:
        k1 = min(k0 + b, n)
        D = K[k0:k1, k0:k1]
        try:
            L = cholesky(D + np.tril(D, -1).T, lower=True, check_finite=False)
        except LinAlgError:
            raise LinAlgError(f"the kernel plus alpha={alpha:g} times the identity is not "
                              f"positive definite in {K.dtype} (in rows {k0}-{k1}); increase "
                              "alpha or use dtype='float64'") from None
        if not np.isfinite(L).all():
            raise LinAlgError(f"the kernel's Cholesky factor is not finite (rows {k0}-{k1}): the "
                              "kernel holds NaN or infinite values")
        K[k0:k1, k0:k1] = L
        if k1 == n:
            break
        # panel: P <- P L^{-T}
        P = solve_triangular(L, K[k1:, k0:k1].T, lower=True, check_finite=False).T
        K[k1:, k0:k1] = P
        # trailing lower triangle, one block row at a time: A_ij -= P_i P_j^T (j <= i)
        for i0 in range(k1, n, b):
            i1 = min(i0 + b, n)
            K[i0:i1, k1:i1] -= P[i0 - k1:i1 - k1] @ P[:i1 - k1].T
    # forward then backward substitution, by blocks: L Z = Y, L^T A = Z
    A = np.array(Y, dtype=K.dtype, order="C")
    if A.ndim != 2 or len(A) != n:
        raise ValueError(f"Y must have shape ({n}, n_targets), got {np.shape(Y)}")
    for k0 in starts:
        k1 = min(k0 + b, n)
        if k0:
            A[k0:k1] -= K[k0:k1, :k0] @ A[:k0]
        A[k0:k1] = solve_triangular(K[k0:k1, k0:k1], A[k0:k1], lower=True, check_finite=False)
    for k0 in reversed(starts):
        k1 = min(k0 + b, n)
        if k1 < n:
            A[k0:k1] -= K[k1:, k0:k1].T @ A[k1:]
        A[k0:k1] = solve_triangular(K[k0:k1, k0:k1], A[k0:k1], lower=True, trans="T",
                                    check_finite=False)
    return A


def _lower_kernel(X, gamma, sq, block):
    """Kernel of the views ``X`` (n, V, d) with themselves (:func:`view_kernel_block`),
    lower triangle only (upper left unset).  The diagonal is computed from the
    views' own differences, not the rounding of the expanded distance: exactly 1
    for a single view."""
    n, V = X.shape[:2]
    K = np.empty((n, n), dtype=X.dtype)
    for i0 in range(0, n, block):
        i1 = min(i0 + block, n)
        K[i0:i1, :i1] = view_kernel_block(X[i0:i1], X[:i1], gamma, sq[i0:i1], sq[:i1])
        K[np.arange(i0, i1), np.arange(i0, i1)] = _view_kernel_diagonal(X[i0:i1], gamma)
    return K


def _view_kernel_diagonal(X, gamma):
    """:func:`view_kernel_block` of each sample of ``X`` (n, V, d) with itself, from the
    views' differences in float64: exactly 1 for a single view."""
    V = X.shape[1]
    if V == 1:  # exp(0)
        return np.ones(len(X))
    diag = np.zeros(len(X))
    for a in range(V):
        for b in range(V):
            diag += np.exp(-gamma * squared_norms(X[:, a].astype(np.float64) - X[:, b]))
    return diag / V ** 2


def validation_errors(X_fit, y_fit, X_val, y_val, gamma_scales, alphas, n_views=1,
                      dtype="float32", block_size=DEFAULT_BLOCK_SIZE, random_state=0,
                      progress=None):
    r"""% errors on ``(X_val, y_val)`` of :class:`GaussianKernelRidgeClassifier` fitted on
    ``(X_fit, y_fit)`` for every pair of width factor (of the median heuristic) and
    penalty, forming the squared distances once.

    Each pair gives the predictions that ``GaussianKernelRidgeClassifier(gamma_scale=g,
    alpha=a, ...)`` gives (the same operations in the same order); the squared
    distances of every pair of views are kept (:math:`V^2` arrays of
    ``len(X_fit)**2`` plus ``len(X_val) * len(X_fit)`` values, in ``dtype``), then each
    width costs one exponential and each penalty one Cholesky factorisation of a copy.
    ``progress``: an optional ``tqdm``-like wrapper of the loop over widths.

    Returns
    -------
    dict
        ``{(gamma_scale, alpha): error in %}``.
    """
    for name, grid in (("gamma_scales", gamma_scales), ("alphas", alphas)):
        if len(grid) == 0:
            raise ValueError(f"{name} is empty")
        for v in grid:
            _check_positive(name, v)
    clf = GaussianKernelRidgeClassifier(n_views=n_views, dtype=dtype, block_size=block_size,
                                        random_state=random_state)
    block, X, Y = clf._fit_inputs(X_fit, y_fit)
    Xv, y_val, classes = clf._test_inputs(X_val), np.asarray(y_val), clf.classes_
    n, V = X.shape[:2]
    sq, sqv = view_norms(X).T, view_norms(Xv).T
    pairs = [(a, b) for a in range(V) for b in range(V)]
    D = {p: np.empty((n, n), dtype=X.dtype) for p in pairs}
    for i0 in range(0, n, block):  # lower triangle, as _lower_kernel forms it
        i1 = min(i0 + block, n)
        for a, b in pairs:
            squared_distances(X[i0:i1, a], X[:i1, b], sq[a][i0:i1], sq[b][:i1],
                              out=D[a, b][i0:i1, :i1])
    Dv = {p: np.empty((len(Xv), n), dtype=X.dtype) for p in pairs}
    for i0 in range(0, len(Xv), block):  # row blocks, as decision_function forms them
        for a, b in pairs:
            squared_distances(Xv[i0:i0 + block, a], X[:, b], sqv[a][i0:i0 + block], sq[b],
                              out=Dv[a, b][i0:i0 + block])
    base = median_gamma(X[:, 0], random_state=random_state)
    errors = {}
    for g in (progress(gamma_scales, desc="kernel widths") if progress else gamma_scales):
        gamma = base * g
        K = _average_exp(D, pairs, gamma, V, lower_blocks=block)
        K[np.diag_indices(n)] = _view_kernel_diagonal(X, gamma)
        Kv = _average_exp(Dv, pairs, gamma, V)
        for a in alphas:
            coef = cholesky_solve_kernel(K.copy(), Y, float(a), block)
            pred = classes[np.argmax(Kv @ coef, axis=1)]
            errors[(g, a)] = 100.0 * float(np.mean(pred != y_val))
    return errors


def _average_exp(D, pairs, gamma, V, lower_blocks=None):
    r""":func:`_mean_exp` of the stored distances ``D[(a, b)]``; with ``lower_blocks``,
    only the blocks of the lower triangle that :func:`_lower_kernel` forms."""
    first = D[pairs[0]]
    out, tmp = np.empty_like(first), np.empty_like(first)
    n = len(first)
    rows = [(i0, min(i0 + lower_blocks, n)) for i0 in range(0, n, lower_blocks)] \
        if lower_blocks else [(0, n)]
    for i0, i1 in rows:
        cols = i1 if lower_blocks else first.shape[1]
        _mean_exp((D[p][i0:i1, :cols] for p in pairs), gamma, V, out[i0:i1, :cols],
                  tmp[i0:i1, :cols])
    return out


class GaussianKernelRidgeClassifier(ClassifierMixin, BaseEstimator):
    r"""One-vs-all least-squares classifier with an exact Gaussian kernel.

    Fits :math:`(K + \alpha I) A = Y` with :math:`K_{ij} = \exp(-\gamma\|x_i - x_j\|^2)`
    and :math:`Y_{ic} = 1` if sample :math:`i` is of class :math:`c`, else
    :math:`-1`; predicts the class of the largest :math:`\sum_i A_{ic} k(x, x_i)`.
    The kernel is built in ``dtype`` and factored in place: memory
    :math:`n^2` times 4 bytes (float32) or 8 (float64), e.g. 10 GB for 50,000
    float32 samples.  Standardise the features first (the width is isotropic).

    Parameters
    ----------
    gamma : float or "median", default "median"
        Inverse squared width; ``"median"`` takes :func:`median_gamma` of the
        training samples, multiplied by ``gamma_scale``.
    alpha : float, default 0.1
        Ridge penalty, positive (the kernel's diagonal is 1).
    gamma_scale : float, default 1.0
        Factor applied to the median heuristic (ignored for a numeric ``gamma``).
    dtype : {"float32", "float64"}, default "float32"
        Working precision of the kernel and its factor.
    block_size : int, default 2048
        Kernel rows formed per block (temporaries of ``block_size * n``).
    n_views : int, default 1
        Each row of ``X`` holds the features of ``n_views`` transformed copies of
        the sample, concatenated (``n_features`` a multiple of ``n_views``, in the
        same order for every sample, e.g. an image then its mirror image); the
        kernel is averaged over all pairs of views (see the module docstring):
        invariant to the transformations that permute the views, at
        ``n_views ** 2`` times the cost of forming the kernel and the same memory.
        The median heuristic is taken on the first view.
    random_state : int, default 0
        Seed of the pairs drawn by the median heuristic.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    gamma_ : float
        The width used.
    dual_coef_ : ndarray of shape (n_train, n_classes)
        :math:`A`.
    X_fit_ : ndarray of shape (n_train, n_views, n_features // n_views)
        Training samples (in ``dtype``), split into their views.
    n_features_in_ : int

    References
    ----------
    R. Rifkin and A. Klautau, "In defense of one-vs-all classification", JMLR 2004;
    E. Oyallon and S. Mallat, "Deep roto-translation scattering for object
    classification", CVPR 2015 (a Gaussian-kernel SVM on scattering).

    Examples
    --------
    >>> import numpy as np
    >>> from scatkit.learn import GaussianKernelRidgeClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 2))
    >>> y = (np.hypot(X[:, 0], X[:, 1]) > 1.2).astype(int)  # a disc: not linearly separable
    >>> clf = GaussianKernelRidgeClassifier(alpha=0.01).fit(X, y)
    >>> bool(clf.score(X, y) > 0.95)
    True
    """

    def __init__(self, gamma=DEFAULT_GAMMA, alpha=DEFAULT_ALPHA, gamma_scale=1.0,
                 dtype="float32", block_size=DEFAULT_BLOCK_SIZE, n_views=1, random_state=0):
        self.gamma = gamma
        self.alpha = alpha
        self.gamma_scale = gamma_scale
        self.dtype = dtype
        self.block_size = block_size
        self.n_views = n_views
        self.random_state = random_state

    def _check_params(self) -> int:
        """Validate the parameters; return ``block_size`` as an int."""
        check_int("n_views", self.n_views, minimum=1)
        if not (isinstance(self.gamma, str) and self.gamma == "median"):
            _check_positive("gamma", self.gamma)
        _check_positive("alpha", self.alpha)
        _check_positive("gamma_scale", self.gamma_scale)
        if np.dtype(self.dtype) not in (np.float32, np.float64):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}")
        return check_int("block_size", self.block_size, minimum=1)

    def fit(self, X, y):
        """Form the kernel of ``X`` and solve for the dual coefficients.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        block, X, Y = self._fit_inputs(X, y)
        self.gamma_ = (median_gamma(X[:, 0], random_state=self.random_state) * self.gamma_scale
                       if isinstance(self.gamma, str) else float(self.gamma))
        sq = view_norms(X)
        K = _lower_kernel(X, self.gamma_, sq, block)
        self.dual_coef_ = cholesky_solve_kernel(K, Y, float(self.alpha), block)
        del K
        self.X_fit_, self._sq_fit = X, sq
        return self

    def _fit_inputs(self, X, y):
        """Validate the parameters and the training data; set ``classes_``.

        Returns ``block_size`` as an int, ``X`` as (n, n_views, d) in ``dtype``,
        and the one-vs-all targets ``Y`` (+1 for the sample's class, -1 elsewhere).
        """
        block = self._check_params()
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        X = self._views(np.ascontiguousarray(X, dtype=np.dtype(self.dtype)))
        self.classes_, yi = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"need samples of at least 2 classes, got {len(self.classes_)} class")
        Y = -np.ones((len(X), len(self.classes_)), dtype=X.dtype)
        Y[np.arange(len(X)), yi] = 1.0
        return block, X, Y

    def _test_inputs(self, X):
        """Validate samples to score against the training data: (m, n_views, d)."""
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self._views(np.ascontiguousarray(X, dtype=np.dtype(self.dtype)))

    def decision_function(self, X):
        """Scores :math:`\\sum_i A_{ic} k(x, x_i)`, shape (n, n_classes); for two
        classes the difference (positive for ``classes_[1]``), shape (n,)."""
        check_is_fitted(self, "dual_coef_")
        X = self._test_inputs(X)
        scores = np.empty((len(X), self.dual_coef_.shape[1]), dtype=X.dtype)
        block = int(self.block_size)  # validated by fit
        for i0 in range(0, len(X), block):
            Kb = view_kernel_block(X[i0:i0 + block], self.X_fit_, self.gamma_,
                                   sq_b=self._sq_fit)
            scores[i0:i0 + block] = Kb @ self.dual_coef_
        return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores

    def _views(self, X):
        """``X`` (n, n_views * d) as a view of shape (n, n_views, d)."""
        V = int(self.n_views)
        if X.shape[1] % V:
            raise ValueError(f"n_features={X.shape[1]} is not a multiple of n_views={V}: each row "
                             "must hold the features of n_views copies, concatenated")
        return X.reshape(len(X), V, X.shape[1] // V)

    def predict(self, X):
        """Class of the largest score."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]


__all__ = ["GaussianKernelRidgeClassifier", "gaussian_kernel_block", "view_kernel_block",
           "squared_distances", "validation_errors", "median_gamma", "view_norms",
           "cholesky_solve_kernel", "squared_norms"]
