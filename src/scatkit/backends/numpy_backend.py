"""NumPy backend: SciPy's pocketfft, multithreaded over the batch."""

from __future__ import annotations

import os

import numpy as np
import scipy.fft as sfft

from . import kernels
from .base import Backend

#: Whether the NumPy backend folds wavelet products with the compiled kernel of
#: :mod:`scatkit.backends.kernels` when numba is installed (``None``, the default:
#: yes unless the environment variable ``SCATKIT_COMPILED`` is ``0``; ``True`` or
#: ``False`` forces it).  Both routes give the same coefficients.
COMPILED_FOLDS: bool | None = None


def compiled_folds_requested() -> bool:
    """Whether the settings ask for the compiled fold (:data:`COMPILED_FOLDS`, else
    ``SCATKIT_COMPILED``), without importing numba."""
    if COMPILED_FOLDS is not None:
        return bool(COMPILED_FOLDS)
    return os.environ.get("SCATKIT_COMPILED", "1") != "0"


def compiled_folds_enabled() -> bool:
    """Whether NumPy transforms use the compiled fold now: requested
    (:func:`compiled_folds_requested`) and numba importable (imported here)."""
    return compiled_folds_requested() and kernels.available()


def _default_workers() -> int:
    env = os.environ.get("SCATKIT_NUM_THREADS")
    return int(env) if env else (os.cpu_count() or 1)


class NumpyBackend(Backend):
    """Backend for ``numpy.ndarray`` inputs.

    FFTs use :mod:`scipy.fft` with ``workers`` threads (default: every core,
    or the environment variable ``SCATKIT_NUM_THREADS``); single precision
    stays single precision.  The transforms also split a batch into up to
    ``workers`` chunks computed in as many threads (:attr:`chunk_threads`):
    NumPy's element-wise products, gathers and moduli release the GIL but are
    single-threaded, and they cost as much as the FFTs.
    """

    name = "numpy"

    def __init__(self, workers: int | None = None):
        self.workers = workers if workers is not None else _default_workers()
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {self.workers}")

    @property
    def chunk_threads(self) -> int:
        return self.workers

    def serial(self, concurrent: int | None = None) -> "NumpyBackend":
        concurrent = self.workers if concurrent is None else int(concurrent)
        if self.workers == 1 and concurrent == self.concurrent_chunks:
            return self
        inner = NumpyBackend(workers=1)
        inner.concurrent_chunks = concurrent
        return inner

    def is_array(self, x) -> bool:
        return isinstance(x, np.ndarray)

    def asarray(self, a, like):
        real = np.float32 if like.dtype in (np.float32, np.complex64) else np.float64
        if np.iscomplexobj(a):
            return np.ascontiguousarray(a, dtype=np.result_type(real, np.complex64))
        return np.ascontiguousarray(a, dtype=real)

    def to_numpy(self, x):
        return np.asarray(x)

    def concatenate(self, xs, axis):
        return np.concatenate(xs, axis=axis)

    def take(self, x, idx, axis):
        return np.take(x, idx, axis=axis)

    def zeros(self, shape, like):
        return np.zeros(shape, dtype=like.dtype)

    @property
    def compiled_folds(self) -> bool:
        return compiled_folds_enabled()

    @property
    def compiled_folds_requested(self) -> bool:
        return compiled_folds_requested()

    def empty(self, shape, like):
        return np.empty(shape, dtype=like.dtype)

    def fold_boxes(self, xh, boxes, out):
        return kernels.fold_boxes(xh, boxes, out)

    def multiply_add(self, z, a, b, scratch=None, zero=False):
        if zero:  # z holds zeros: the product written in place, no pass to add it
            np.multiply(a, b, out=z)
            return scratch
        # one reused buffer instead of a fresh temporary per product
        size = z.size
        if scratch is None or scratch.size < size or scratch.dtype != z.dtype:
            scratch = np.empty(size, dtype=z.dtype)
        tmp = scratch[:size].reshape(z.shape)
        np.multiply(a, b, out=tmp)
        z += tmp
        return scratch

    def fft(self, x, ndim):
        return sfft.fftn(x, axes=tuple(range(-ndim, 0)), workers=self.workers)

    def ifft(self, x, ndim, overwrite=False):
        # overwrite: pocketfft writes into a contiguous complex input of its own
        # precision, so no array of x's size is allocated and faulted in
        return sfft.ifftn(x, axes=tuple(range(-ndim, 0)), workers=self.workers,
                          overwrite_x=overwrite)

    def rfft(self, x, ndim):
        return sfft.rfftn(x, axes=tuple(range(-ndim, 0)), workers=self.workers)

    def irfft(self, x, shape):
        return sfft.irfftn(x, s=shape, axes=tuple(range(-len(shape), 0)), workers=self.workers)

    def modulus(self, x):
        return np.abs(x)

    def sqrt_nonneg(self, x):
        return np.sqrt(x)  # no gradients here: one pass instead of the masked formula

    def power_nonneg(self, x, q):
        return np.power(x, q)

    def pad(self, x, pads, mode="reflect"):
        width = [(0, 0)] * (x.ndim - len(pads)) + [tuple(p) for p in pads]
        return np.pad(x, width, mode=mode)
