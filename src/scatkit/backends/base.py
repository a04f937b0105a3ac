"""The small array interface every scattering algorithm is written against.

A backend supplies the handful of operations whose spelling differs between
array libraries: Fourier transforms over the trailing axes, the complex
modulus, Fourier-domain subsampling (periodization), padding, and conversion of
NumPy filters to the library's arrays.  Everything else the algorithms need
(slicing, broadcasting products, ``reshape``) is common to NumPy and PyTorch.

Conventions: spectra are over the last ``ndim`` axes; a *half* spectrum is the
output of a real FFT (last axis of length ``n // 2 + 1``); subsampling by ``k``
in Fourier is the mean of the ``k`` aliases, which is exactly the Fourier
transform of the signal subsampled by ``k`` in space.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=None)
def hermitian_fold_indices(n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices to fold a Hermitian half spectrum of length ``n//2+1`` by ``k``.

    Returns ``(idx, conj)`` of shape ``(k, m//2 + 1)`` with ``m = n // k``:
    alias ``p`` of output bin ``q`` is full-spectrum bin ``i = q + p m``, read
    from the half spectrum at ``idx = i`` when ``i <= n // 2`` and at
    ``idx = n - i`` with a complex conjugation (``conj`` true) otherwise.
    """
    m = n // k
    q = np.arange(m // 2 + 1)
    i = q[None, :] + m * np.arange(k)[:, None]
    conj = i > n // 2
    idx = np.where(conj, n - i, i)
    return idx, conj


class Backend:
    """Interface of an array backend (see the module docstring)."""

    name = "abstract"

    # -- parallelism -------------------------------------------------------
    #: How many chunks of a batch :func:`scatkit.transforms.base.map_chunks` may
    #: compute at once in threads (1: one after the other).  Worth more than 1 only
    #: where the element-wise work releases the GIL and is not parallel already.
    chunk_threads = 1
    #: How many chunks this backend's caller computes at once (set by
    #: :meth:`serial`): a transform divides its memory budget per chunk by it.
    concurrent_chunks = 1

    def computes_on_numpy(self, x) -> bool:
        """Whether a transform should compute ``x`` with the NumPy backend and give
        the result back with :meth:`from_numpy` (a faster route to the same
        numbers; never where gradients or another device are involved)."""
        return False

    def from_numpy(self, a):
        """A NumPy result as this backend's array (the inverse of :meth:`to_numpy`)."""
        return a

    def chunk_bytes(self, x, default: int) -> int:
        """Bound, in bytes, on the intermediate arrays of the chunks of input ``x``
        computed at once.  ``default`` is the transform's CPU bound, sized for
        caches and RAM (e.g. :data:`scatkit.transforms.cascade.CHUNK_BYTES`); a
        backend whose devices want larger calls (a GPU) may return more."""
        return default

    def serial(self, concurrent: int | None = None) -> "Backend":
        """This backend as used inside one of ``chunk_threads`` threads (its own
        operations single-threaded, so that the threads do not oversubscribe);
        ``concurrent``: how many chunks run at once (its :attr:`concurrent_chunks`,
        default ``chunk_threads``; 1 for a batch computed alone in the calling thread)."""
        return self

    #: Whether lists of fold terms are converted for :meth:`fold_boxes`, a compiled
    #: product-and-fold (:class:`~scatkit.transforms.cascade.BoxTerms`).
    compiled_folds = False
    #: Whether the settings ask for it (known without importing the compiler: a
    #: conversion cache key).
    compiled_folds_requested = False

    # -- arrays ------------------------------------------------------------
    def is_array(self, x) -> bool:
        raise NotImplementedError

    def asarray(self, a: np.ndarray, like):
        """Convert a NumPy filter to this backend, on ``like``'s device, in ``like``'s
        real precision (complex filters in the matching complex precision)."""
        raise NotImplementedError

    def to_numpy(self, x) -> np.ndarray:
        raise NotImplementedError

    def concatenate(self, xs, axis):
        raise NotImplementedError

    def take(self, x, idx: np.ndarray, axis: int):
        raise NotImplementedError

    def index_array(self, idx: np.ndarray, like):
        """``idx`` as this backend's integer index array on ``like``'s device
        (accepted by :meth:`take`; convert once, index many times)."""
        return np.asarray(idx, dtype=np.intp)

    def zeros(self, shape: tuple[int, ...], like):
        """Zeros of ``shape`` with ``like``'s dtype and device."""
        raise NotImplementedError

    def empty(self, shape: tuple[int, ...], like):
        """An array of ``shape`` with ``like``'s dtype and device, to be overwritten
        (a backend may leave its values uninitialised)."""
        return self.zeros(shape, like)

    def fold_boxes(self, xh, boxes, out):
        """Write the fold of the half spectra ``xh`` (``(B, P, *half)``) by the
        :class:`~scatkit.transforms.cascade.BoxTerms` ``boxes`` into ``out``
        (``(B, P, F, *out_shape)``); only where :attr:`compiled_folds` is true."""
        raise NotImplementedError(f"the {self.name} backend has no compiled fold")

    def multiply_add(self, z, a, b, scratch=None, zero=False):
        """``z += a * b`` in place (``a * b`` broadcast to ``z``'s shape).

        ``scratch`` is whatever the previous call returned (a reusable buffer
        for backends that need one); returns the one to pass next time.
        ``zero=True``: ``z`` holds zeros, so the backend may write the product
        into it instead of adding it.
        """
        z += a * b
        return scratch

    # -- Fourier -----------------------------------------------------------
    def fft(self, x, ndim: int):
        raise NotImplementedError

    def ifft(self, x, ndim: int, overwrite: bool = False):
        """Inverse FFT over the last ``ndim`` axes of complex ``x``.

        ``overwrite=True``: the caller no longer needs ``x``, which the backend
        may then transform in place (and return); a backend that cannot may
        ignore it.
        """
        raise NotImplementedError

    def rfft(self, x, ndim: int):
        raise NotImplementedError

    def irfft(self, x, shape: tuple[int, ...]):
        raise NotImplementedError

    # -- non-linearity -----------------------------------------------------
    def modulus(self, x):
        raise NotImplementedError

    def sqrt_nonneg(self, x):
        r""":math:`\sqrt{x}` of an array with :math:`x \ge 0`.

        Written so that a differentiating backend's gradient is 0, not infinite
        or NaN, where :math:`x = 0` (Kymatio PR #1070 reports NaN gradients
        there); a backend without autograd may use its plain square root (the
        values are the same).
        """
        positive = x > 0
        return (x + ~positive) ** 0.5 * positive

    def power_nonneg(self, x, q: float):
        r""":math:`x^q` of an array with :math:`x \ge 0` and ``q > 0``; gradient 0 at 0
        (see :meth:`sqrt_nonneg`)."""
        positive = x > 0
        return (x + ~positive) ** q * positive

    # -- padding -----------------------------------------------------------
    def pad(self, x, pads: tuple[tuple[int, int], ...], mode: str = "reflect"):
        """Pad the last ``len(pads)`` axes by ``(before, after)`` samples."""
        raise NotImplementedError

    # -- derived operations, written once ---------------------------------
    def subsample_fourier(self, x, k: int, ndim: int):
        """Fold a full spectrum over its last ``ndim`` axes by ``k`` (mean of aliases)."""
        if k == 1:
            return x
        for axis in range(-ndim, 0):
            x = _fold_axis(x, k, axis)
        return x

    def subsample_fourier_half(self, x, k: int, shape: tuple[int, ...]):
        """Fold a half spectrum (real signal of trailing ``shape``) by ``k`` on every axis.

        Full axes are folded directly; the halved last axis is folded with the
        Hermitian symmetry ``X(-w) = conj(X(w))`` (``-w`` taken on every axis).
        """
        if k == 1:
            return x
        ndim = len(shape)
        for axis in range(-ndim, -1):
            x = _fold_axis(x, k, axis)
        n = shape[-1]
        idx, conj = hermitian_fold_indices(n, k)
        flipped = self.conj(x)
        if ndim > 1:
            # the mirror of bin (u, v) is (-u, -v): flip the other axes too.
            for axis in range(-ndim, -1):
                size = x.shape[axis]
                flipped = self.take(flipped, (-np.arange(size)) % size, axis)
        a = self.take(x, idx.ravel(), -1)
        b = self.take(flipped, idx.ravel(), -1)
        mask = self.asarray(conj.ravel().astype(np.float64), like=a)
        g = a + (b - a) * mask
        g = g.reshape(g.shape[:-1] + (k, idx.shape[1]))
        return g.mean(-2)

    def conj(self, x):
        return x.conj()

    def real(self, x):
        return x.real


def _fold_axis(x, k: int, axis: int):
    shape = tuple(x.shape)
    axis = axis % len(shape)
    n = shape[axis]
    new = shape[:axis] + (k, n // k) + shape[axis + 1:]
    return x.reshape(new).mean(axis)
