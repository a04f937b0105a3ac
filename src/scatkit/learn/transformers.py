r"""Scikit-learn transformers: scattering features, log compression, standardisation.

:class:`ScatteringTransformer` maps flattened (or shaped) signals or images to
flattened scattering coefficients :math:`S_J x`, so that a scattering network
slots into a :class:`~sklearn.pipeline.Pipeline` and its scale :math:`J` can be
tuned with :class:`~sklearn.model_selection.GridSearchCV`.
:class:`LogTransformer` applies :math:`\log(|x| + \epsilon)`, which turns the
multiplicative variability of scattering coefficients into additive one
(Andén & Mallat 2014; Sifre & Mallat 2013).  Standardisation is scikit-learn's
:class:`~sklearn.preprocessing.StandardScaler`, re-exported here.
"""

from __future__ import annotations

import functools
import math
import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted

from ._validation import validate_data

#: transforms :class:`ScatteringTransformer` can build, by ``transform`` keyword
TRANSFORMS = ("1d", "2d")

#: default :math:`\epsilon` of :math:`\log(|x| + \epsilon)`
DEFAULT_EPS = 1e-6

#: number of transforms (with their filter banks) kept between calls
TRANSFORM_CACHE_SIZE = 8

#: per-order ``meta()`` keys that name a channel, by transform
_NAME_KEYS = {"1d": ("n",), "2d": ("j", "theta")}


@functools.lru_cache(maxsize=TRANSFORM_CACHE_SIZE)
def build_scattering(transform, J, shape, L=8, Q=1, max_order=2, batch_size=None):
    """A scatkit scattering transform, cached by its parameters.

    Parameters
    ----------
    transform : {'1d', '2d'}
        :class:`scatkit.Scattering1D` or :class:`scatkit.Scattering2D`.
    J : int
        Averaging scale :math:`2^J`.
    shape : tuple of int
        Signal length ``(T,)`` or image size ``(M, N)``.
    L : int, default 8
        Orientations (2D only).
    Q : int or tuple, default 1
        Wavelets per octave (1D only).
    max_order : int, default 2
        Largest scattering order.
    batch_size : int, optional
        Chunk size of the transform (bounds memory).

    Returns
    -------
    Scattering1D or Scattering2D
        Cached, so estimators cloned by a grid search share filter banks.
    """
    from .. import Scattering1D, Scattering2D

    if transform == "2d":
        return Scattering2D(J, shape, L=L, max_order=max_order, batch_size=batch_size)
    if transform == "1d":
        return Scattering1D(J, shape[0], Q=Q, max_order=max_order, batch_size=batch_size)
    raise ValueError(f"transform must be one of {TRANSFORMS}, got {transform!r}")


def scattering_features(images, J, L=8, max_order=2, batch_size=256, flatten=True, log=False,
                        eps=DEFAULT_EPS):
    r"""2D scattering coefficients of a stack of images, computed in batches.

    Parameters
    ----------
    images : array-like of shape (n_images, M, N)
        Images (any real dtype; integers become float32).
    J : int
        Averaging scale :math:`2^J`; the output is subsampled by :math:`2^J`.
    L : int, default 8
        Orientations.
    max_order : int, default 2
        Largest order.
    batch_size : int, default 256
        Images per batch.
    flatten : bool, default True
        Return ``(n_images, C * M' * N')`` instead of ``(n_images, C, M', N')``.
    log : bool, default False
        Return :math:`\log(|S x| + \epsilon)`.
    eps : float, default 1e-6
        :math:`\epsilon` of the log.

    Returns
    -------
    ndarray
        float32 unless the images are float64.
    """
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (n_images, M, N), got {images.shape}")
    if images.dtype != np.float64:
        images = images.astype(np.float32)
    S = build_scattering("2d", int(J), tuple(images.shape[1:]), L=int(L),
                         max_order=int(max_order), batch_size=int(batch_size))
    out = S(np.ascontiguousarray(images))
    if log:
        out = np.log(np.abs(out) + eps)
    return out.reshape(len(images), -1) if flatten else out


def _check_positive(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


class ScatteringTransformer(TransformerMixin, BaseEstimator):
    r"""Scattering coefficients as a scikit-learn transformer.

    Maps signals ``(n, T)`` (``kind='1d'``) or images ``(n, M, N)`` /
    flattened images ``(n, M * N)`` (``kind='2d'``) to flattened
    scattering features ``(n, C * ...)``.  The scatkit transform is built in
    :meth:`fit` for the input's shape (and cached by its parameters, so the
    clones of a grid search share filter banks).

    Parameters
    ----------
    kind : {'2d', '1d'}, default '2d'
        :class:`scatkit.Scattering2D` or :class:`scatkit.Scattering1D` (the
        ``--transform`` of ``scatkit features``; not named ``transform`` because
        a parameter of that name would hide the :meth:`transform` method).
    J : int, default 2
        Averaging scale :math:`2^J`.
    L : int, default 8
        Orientations (2D).
    Q : int, default 1
        Wavelets per octave (1D).
    max_order : int, default 2
        Largest scattering order.
    shape : tuple of int, optional
        Image size ``(M, N)`` of flattened 2D inputs.  By default taken from
        3-axis inputs, or a square ``sqrt(n_features)`` side for flattened ones.
    log : bool, default False
        Output :math:`\log(|S x| + \epsilon)`.
    eps : float, default 1e-6
        :math:`\epsilon` of the log.
    batch_size : int, optional
        Signals per batch inside the transform.

    Attributes
    ----------
    scattering_ : Scattering1D or Scattering2D
        The transform.
    input_shape_ : tuple of int
        Shape of one input signal or image.
    output_shape_ : tuple of int
        Shape of one output before flattening, e.g. ``(C, M // 2**J, N // 2**J)``.
    n_features_in_ : int
        Number of input values per sample.

    Examples
    --------
    >>> import numpy as np
    >>> from scatkit.learn import ScatteringTransformer
    >>> X = np.random.default_rng(0).random((4, 16 * 16))
    >>> ScatteringTransformer(J=2, L=4).fit_transform(X).shape
    (4, 400)
    """

    def __init__(self, kind="2d", J=2, L=8, Q=1, max_order=2, shape=None, log=False,
                 eps=DEFAULT_EPS, batch_size=None):
        self.kind = kind
        self.J = J
        self.L = L
        self.Q = Q
        self.max_order = max_order
        self.shape = shape
        self.log = log
        self.eps = eps
        self.batch_size = batch_size

    # -- helpers -----------------------------------------------------------------
    def _signal_shape(self, X):
        """Shape of one sample, from the input and the ``shape`` parameter."""
        if self.kind not in TRANSFORMS:
            raise ValueError(f"kind must be one of {TRANSFORMS}, got {self.kind!r}")
        ndim = 2 if self.kind == "2d" else 1
        if X.ndim == ndim + 1:
            return tuple(X.shape[1:])
        if X.ndim != 2:
            raise ValueError(f"expected samples of {ndim} ax{'es' if ndim == 2 else 'is'} "
                             f"(array of shape (n, ...) with {ndim + 1} axes) or flattened ones "
                             f"(n, n_features); got shape {X.shape}")
        if self.shape is not None:
            shape = tuple(int(s) for s in np.atleast_1d(self.shape))
            if math.prod(shape) != X.shape[1]:
                raise ValueError(f"shape={self.shape} holds {math.prod(shape)} values but the "
                                 f"input has {X.shape[1]} features per sample")
            return shape
        if ndim == 1:
            return (X.shape[1],)
        side = math.isqrt(X.shape[1])
        if side * side != X.shape[1]:
            raise ValueError(f"cannot infer the image size of {X.shape[1]} features (not a "
                             "square); pass shape=(M, N) or 3-axis input (n, M, N)")
        return (side, side)

    def _check_X(self, X):
        X = check_array(X, allow_nd=True, dtype=[np.float64, np.float32],
                        ensure_min_features=1)
        return X

    def _build(self, shape):
        if isinstance(self.log, (bool, np.bool_)) is False:
            raise ValueError(f"log must be True or False, got {self.log!r}")
        _check_positive("eps", self.eps)
        Q = tuple(self.Q) if isinstance(self.Q, (list, tuple)) else self.Q
        return build_scattering(self.kind, self.J, shape, L=self.L, Q=Q,
                                max_order=self.max_order, batch_size=self.batch_size)

    # -- estimator API -----------------------------------------------------------------
    def fit(self, X, y=None):
        """Build the scattering transform for the shape of ``X``.

        Parameters
        ----------
        X : array-like of shape (n, ...) 
            Signals or images, shaped or flattened.
        y : ignored

        Returns
        -------
        self : ScatteringTransformer
        """
        X = self._check_X(X)
        shape = self._signal_shape(X)
        self.scattering_ = self._build(shape)
        self.input_shape_ = shape
        self.output_shape_ = tuple(self.scattering_.output_shape())
        self.n_features_in_ = math.prod(shape)
        return self

    def transform(self, X):
        """Flattened scattering coefficients.

        Parameters
        ----------
        X : array-like of shape (n, ...)
            Same sample shape as in :meth:`fit`.

        Returns
        -------
        ndarray of shape (n, prod(output_shape_))
            float32 for float32 input, float64 otherwise.
        """
        check_is_fitted(self)
        X = self._check_X(X)
        if math.prod(X.shape[1:]) != self.n_features_in_:
            raise ValueError(f"X has {math.prod(X.shape[1:])} values per sample, but "
                             f"{type(self).__name__} was fitted on {self.n_features_in_} "
                             f"(shape {self.input_shape_})")
        X = np.ascontiguousarray(X.reshape((len(X),) + self.input_shape_))
        out = self.scattering_(X)
        if self.log:
            out = np.log(np.abs(out) + self.eps)
        return out.reshape(len(X), -1)

    def get_feature_names_out(self, input_features=None):
        """Names ``s<order>_<key><value>..._<position>`` from the transform's ``meta()``.

        E.g. ``s2_j0_theta3_j2_theta1_p4`` is order 2, ``j1=0, theta1=3, j2=2,
        theta2=1``, flattened spatial position 4.

        Returns
        -------
        ndarray of str, shape (n_features_out,)
        """
        check_is_fitted(self)
        meta = self.scattering_.meta()
        keys = _NAME_KEYS[self.kind]
        channels = []
        for c, order in enumerate(meta["order"]):
            parts = [f"s{int(order)}"]
            for m in range(int(order)):
                parts += [f"{k}{int(meta[k][c, m])}" for k in keys]
            channels.append("_".join(parts))
        n_pos = math.prod(self.output_shape_[1:])
        return np.array([f"{name}_p{p}" for name in channels for p in range(n_pos)], dtype=object)

    def __getstate__(self):
        # the transform (filters, caches) is rebuilt from the parameters on unpickling,
        # so pickles stay small and do not depend on the transform being picklable
        state = super().__getstate__()
        state.pop("scattering_", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "input_shape_" in state:
            self.scattering_ = self._build(tuple(state["input_shape_"]))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class LogTransformer(TransformerMixin, BaseEstimator):
    r"""Elementwise :math:`\log(|x| + \epsilon)`.

    Compresses the heavy-tailed, multiplicative variability of scattering
    coefficients before a linear or Gaussian-kernel classifier.

    Parameters
    ----------
    eps : float, default 1e-6
        :math:`\epsilon > 0`, keeps the log finite at 0 (set it near the noise
        floor of the features).

    Attributes
    ----------
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from scatkit.learn import LogTransformer
    >>> LogTransformer(eps=1.0).fit_transform(np.array([[0.0, -np.e + 1]]))
    array([[0., 1.]])
    """

    def __init__(self, eps=DEFAULT_EPS):
        self.eps = eps

    def fit(self, X, y=None):
        """Check ``X`` and record its number of features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self : LogTransformer
        """
        _check_positive("eps", self.eps)
        validate_data(self, X, dtype=[np.float64, np.float32], reset=True)
        return self

    def transform(self, X):
        r"""Return :math:`\log(|X| + \epsilon)` (same dtype for float input).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return np.log(np.abs(X) + X.dtype.type(self.eps))

    def get_feature_names_out(self, input_features=None):
        """Input feature names prefixed by ``log_``."""
        from sklearn.utils.validation import _check_feature_names_in

        return np.array([f"log_{n}" for n in _check_feature_names_in(self, input_features)],
                        dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def standardize(train, *others):
    """Standardise features with the mean and standard deviation of ``train``.

    Parameters
    ----------
    train : ndarray of shape (n_samples, n_features)
    *others : ndarrays of shape (m, n_features)
        Transformed with the statistics of ``train``.

    Returns
    -------
    tuple of ndarray
        ``train`` and each of ``others``, standardised (constant features are
        centred only).
    """
    scaler = StandardScaler().fit(train)
    return tuple(scaler.transform(a) for a in (train, *others))


__all__ = ["ScatteringTransformer", "LogTransformer", "StandardScaler", "standardize",
           "scattering_features", "build_scattering"]
