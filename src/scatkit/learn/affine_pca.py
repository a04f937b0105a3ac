r"""Affine space (class-wise PCA) classifier of Bruna & Mallat (2013).

Each class :math:`c` is modelled by the affine space
:math:`\mathbf A_c = \mu_c + \mathbf V_c` through the class mean
:math:`\mu_c = \mathbb E(\Phi x \mid c)`, spanned by the first :math:`d`
principal directions :math:`\mathbf V_c` of the class's centred features.
A sample is assigned to the class whose affine space leaves the smallest
approximation error

.. math::

    \hat c(x) = \arg\min_c \|\Phi x - P_{\mathbf A_c}(\Phi x)\|,\qquad
    \|\Phi x - P_{\mathbf A_c}\Phi x\|^2 = \|\Phi x-\mu_c\|^2
        - \|\mathbf V_c^\top(\Phi x-\mu_c)\|^2 .

The dimension :math:`d` is a hyper-parameter chosen by cross-validation
(:class:`AffinePCAClassifierCV` does so in one pass: the residuals for every
:math:`d` follow from one decomposition per class and fold, as cumulative sums
of squared projections).

References
----------
J. Bruna and S. Mallat, "Invariant scattering convolution networks",
IEEE Trans. PAMI 35(8), 2013, Section 4 (arXiv:1203.1513).
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import check_cv
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ._validation import validate_data

#: default affine space dimension (Bruna & Mallat pick d by cross-validation;
#: they report d = 5 for 300 MNIST training digits and d = 100 for 5000)
DEFAULT_N_COMPONENTS = 10

#: default candidate dimensions of :class:`AffinePCAClassifierCV`
DEFAULT_GRID = (0, 1, 2, 5, 10, 20, 40, 80, 120, 160)


def _check_n_components(value, name="n_components") -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer (the dimension d of each "
                         f"class's affine space), got {value!r}")
    return int(value)


def class_affine_spaces(X, y_index, n_classes, n_components):
    """Mean and first principal directions of each class.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Training features.
    y_index : ndarray of shape (n_samples,)
        Class index of each row, in ``0 .. n_classes - 1``.
    n_classes : int
        Number of classes.
    n_components : int
        Largest dimension :math:`d` kept; a class with :math:`n_c` samples
        contributes at most :math:`n_c - 1` directions (the rank of its centred
        data), the missing ones are zero rows (no projection).

    Returns
    -------
    means : ndarray of shape (n_classes, n_features)
    components : ndarray of shape (n_classes, d, n_features)
        Orthonormal rows (principal directions, by decreasing variance).
    explained_variance : ndarray of shape (n_classes, d)
        Variance of the class's data along each direction (0 where padded).
    """
    n_features = X.shape[1]
    d = min(n_components, n_features)
    means = np.zeros((n_classes, n_features))
    components = np.zeros((n_classes, d, n_features))
    variance = np.zeros((n_classes, d))
    for c in range(n_classes):
        Xc = X[y_index == c]
        if len(Xc) == 0:
            raise ValueError(f"class index {c} has no training sample")
        means[c] = Xc.mean(axis=0)
        k = min(d, len(Xc) - 1)
        if k <= 0:
            continue
        _, s, vt = np.linalg.svd(Xc - means[c], full_matrices=False)
        components[c, :k] = vt[:k]
        variance[c, :k] = s[:k] ** 2 / max(len(Xc) - 1, 1)
    return means, components, variance


def squared_residuals(X, means, components, dims=None):
    r"""Squared distances :math:`\|x - P_{\mathbf A_c} x\|^2` to each class's affine space.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    means, components : ndarrays
        As returned by :func:`class_affine_spaces`.
    dims : sequence of int, optional
        Dimensions :math:`d` at which to evaluate (each at most
        ``components.shape[1]``); by default only the full dimension.

    Returns
    -------
    ndarray of shape (len(dims), n_samples, n_classes)
        Clipped at 0 (rounding can make the difference slightly negative).
    """
    d_max = components.shape[1]
    dims = [d_max] if dims is None else [int(d) for d in dims]
    if any(d < 0 or d > d_max for d in dims):
        raise ValueError(f"dims must lie in 0..{d_max}, got {dims}")
    out = np.empty((len(dims), X.shape[0], means.shape[0]))
    for c in range(means.shape[0]):  # loop over classes: memory stays O(n * d)
        diff = X - means[c]
        total = np.einsum("ij,ij->i", diff, diff)
        proj = diff @ components[c].T
        captured = np.concatenate([np.zeros((len(X), 1)), np.cumsum(proj**2, axis=1)], axis=1)
        out[:, :, c] = total[None, :] - captured[:, dims].T
    return np.maximum(out, 0.0)


def _decision_from_residuals(res2, n_classes):
    """Negative residual norms; for two classes the score of class 1 (sklearn's convention)."""
    score = -np.sqrt(res2)
    if n_classes == 2:
        return score[:, 1] - score[:, 0]
    return score


class AffinePCAClassifier(ClassifierMixin, BaseEstimator):
    r"""Nearest affine space classifier (class mean + first ``n_components`` principal directions).

    Predicts the class whose affine space :math:`\mu_c + \mathrm{span}(V_c)`
    is closest to the sample (Bruna & Mallat 2013, Section 4):

    .. math::

        \hat c(x) = \arg\min_c \Big(\|x-\mu_c\|^2 - \|V_c^\top (x-\mu_c)\|^2\Big).

    With ``n_components=0`` this is the nearest class mean classifier.

    Parameters
    ----------
    n_components : int, default 10
        Dimension :math:`d` of each class's affine space.  A class with
        :math:`n_c` samples uses at most :math:`n_c - 1` directions (and at most
        ``n_features``).  Choose it by cross-validation, e.g.
        ``GridSearchCV(AffinePCAClassifier(), {"n_components": [5, 20, 80]})``,
        or use :class:`AffinePCAClassifierCV`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    means_ : ndarray of shape (n_classes, n_features)
        Class means :math:`\mu_c`.
    components_ : ndarray of shape (n_classes, d, n_features)
        Principal directions :math:`V_c` (zero rows where a class has too few samples).
    explained_variance_ : ndarray of shape (n_classes, d)
        Variance of each class along each of its directions.
    n_features_in_ : int
        Number of features seen in :meth:`fit`.

    See Also
    --------
    AffinePCAClassifierCV : picks ``n_components`` by internal cross-validation.

    References
    ----------
    J. Bruna and S. Mallat, "Invariant scattering convolution networks",
    IEEE Trans. PAMI 35(8):1872-1886, 2013.

    Examples
    --------
    >>> import numpy as np
    >>> from scatkit.learn import AffinePCAClassifier
    >>> t = np.linspace(-1, 1, 20)[:, None]
    >>> X = np.vstack([t * [1.0, 0.0], t * [1.0, 0.0] + [0.0, 1.0]])  # two parallel lines
    >>> y = np.repeat([0, 1], 20)
    >>> AffinePCAClassifier(n_components=1).fit(X, y).predict([[5.0, 0.1], [-5.0, 0.9]])
    array([0, 1])
    """

    def __init__(self, n_components=DEFAULT_N_COMPONENTS):
        self.n_components = n_components

    def fit(self, X, y):
        """Fit one affine space per class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training features.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : AffinePCAClassifier
            The fitted classifier.
        """
        d = _check_n_components(self.n_components)
        X, y = validate_data(self, X, y, dtype=np.float64, reset=True)
        check_classification_targets(y)
        self.classes_, y_index = np.unique(y, return_inverse=True)
        self.means_, self.components_, self.explained_variance_ = class_affine_spaces(
            X, y_index, len(self.classes_), d)
        return self

    def residuals(self, X):
        r"""Distances :math:`\|x - P_{\mathbf A_c} x\|` to each class's affine space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return np.sqrt(squared_residuals(X, self.means_, self.components_)[0])

    def decision_function(self, X):
        """Negative residuals :math:`-\\|x - P_{\\mathbf A_c} x\\|` (larger is more likely).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes), or (n_samples,) for two classes
            For two classes, the residual of class 0 minus that of class 1
            (positive means ``classes_[1]``), as scikit-learn expects.
        """
        check_is_fitted(self)
        res = self.residuals(X)
        return _decision_from_residuals(res**2, len(self.classes_))

    def predict(self, X):
        """Class of the nearest affine space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
            Predicted labels.
        """
        check_is_fitted(self)
        return self.classes_[np.argmin(self.residuals(X), axis=1)]


class AffinePCAClassifierCV(AffinePCAClassifier):
    r"""Affine PCA classifier whose dimension :math:`d` is chosen by cross-validation.

    For each fold one SVD per class gives the residuals for every candidate
    :math:`d` at once (cumulative sums of squared projections), so the search
    costs about one fit per fold; the classifier is then refitted on all data
    with the :math:`d` of highest mean validation accuracy (the smallest one on
    ties).

    Parameters
    ----------
    n_components : sequence of int, default (0, 1, 2, 5, 10, 20, 40, 80, 120, 160)
        Candidate dimensions.
    cv : int, cross-validation generator or iterable, default 5
        As in scikit-learn (an int means stratified k-fold).

    Attributes
    ----------
    n_components_ : int
        The chosen dimension.
    cv_scores_ : ndarray of shape (n_candidates, n_splits)
        Validation accuracy of each candidate on each fold.
    best_score_ : float
        Mean validation accuracy of the chosen dimension.
    classes_, means_, components_, explained_variance_, n_features_in_
        As in :class:`AffinePCAClassifier`.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from scatkit.learn import AffinePCAClassifierCV
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = AffinePCAClassifierCV(n_components=[0, 5, 10], cv=3).fit(X, y)
    >>> clf.n_components_ in (0, 5, 10)
    True
    """

    def __init__(self, n_components=DEFAULT_GRID, cv=5):
        self.n_components = n_components
        self.cv = cv

    def fit(self, X, y):
        """Choose :math:`d` by cross-validation, then fit on all of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : AffinePCAClassifierCV
        """
        grid = np.atleast_1d(np.asarray(self.n_components, dtype=object))
        if grid.size == 0:
            raise ValueError("n_components must list at least one candidate dimension")
        dims = sorted({_check_n_components(d, "each entry of n_components") for d in grid})
        X, y = validate_data(self, X, y, dtype=np.float64, reset=True)
        check_classification_targets(y)
        classes, y_index = np.unique(y, return_inverse=True)
        cv = check_cv(self.cv, y, classifier=True)
        d_cap = min(max(dims), X.shape[1])
        usable = [min(d, d_cap) for d in dims]
        scores = []
        for train, test in cv.split(X, y):
            present, y_train = np.unique(y_index[train], return_inverse=True)
            means, comps, _ = class_affine_spaces(X[train], y_train, len(present), d_cap)
            res2 = squared_residuals(X[test], means, comps, usable)
            pred = present[np.argmin(res2, axis=2)]  # (n_dims, n_test)
            scores.append((pred == y_index[test][None, :]).mean(axis=1))
        self.cv_scores_ = np.array(scores).T
        mean = self.cv_scores_.mean(axis=1)
        best = int(np.flatnonzero(mean >= mean.max() - 1e-12)[0])
        self.n_components_ = dims[best]
        self.best_score_ = float(mean[best])
        self.classes_ = classes
        self.means_, self.components_, self.explained_variance_ = class_affine_spaces(
            X, y_index, len(classes), self.n_components_)
        return self
