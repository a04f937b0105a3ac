"""Compiled product-and-fold for the NumPy backend (optional: needs numba).

A fold of ``X * psi`` onto a coarser grid sums, per output bin, the products of a
few aliases (:func:`scatkit.transforms.cascade.fold_terms`):

.. math:: Z_f[q] = \\frac{1}{\\prod_a f_a} \\sum_{p} X[q + p m]\\, \\psi_f[q + p m],

the spectrum of a signal subsampled by ``f`` is the mean of its ``f`` spectral
aliases (Oppenheim & Schafer, *Discrete-Time Signal Processing*, 3rd ed., 2010,
section 4.6.1), which the scattering cascade applies to each wavelet convolution
before its modulus.  With NumPy's element-wise loops each alias block is one pass over
the output, plus one into a temporary (a product cannot be added in place), and
mirrored blocks pay a gather and a conjugation first.  :func:`fold_boxes`
computes every block of every filter in one compiled loop per channel: the
output plane of one filter stays in cache while its blocks are added, and the
mirrored blocks (read backwards and conjugated) are copied once per channel, in
the order they are added, for all filters.  Each value is computed with the same
float operations in the same order as the NumPy route (a product, rounded, then
a sum, rounded; no fused multiply-add), so the two give identical coefficients.

The kernel is compiled, for float32 and float64, when :func:`available` first
imports it, and cached on disk by numba (measured on the benchmark machine:
importing numba and loading the cached kernel take 0.7-0.9 s and add about 107 MB
of resident memory to a process, 71 MB of it shared library code; the first
compilation after an install took 4.5 s).
Without numba, or with ``SCATKIT_COMPILED=0``, the NumPy route is used.
"""

from __future__ import annotations

import functools
import importlib
import warnings

import numpy as np


@functools.lru_cache(maxsize=None)
def available() -> bool:
    """Whether the compiled kernel can be used: numba imports and the kernel compiles
    (or loads from numba's cache).  Done here, on the first call only (about a
    second with a warm cache): call it first to keep that out of a timed call.  A numba that is installed but fails (against this
    NumPy, or with no writable cache directory) gives a warning, and NumPy's
    route is used."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    try:
        importlib.import_module(f"{__package__}._fold_kernel")  # compiles both precisions
    except Exception as err:  # noqa: BLE001 - any failure means: not available
        warnings.warn(f"scatkit: the compiled fold is unavailable ({type(err).__name__}: "
                      f"{err}); NumPy's loops are used instead (SCATKIT_COMPILED=0 "
                      f"silences this)", RuntimeWarning, stacklevel=2)
        return False
    return True


def _kernel():
    from ._fold_kernel import fold_boxes as kernel

    return kernel


def fold_boxes(x, boxes, out):
    """Write the fold of every channel of ``x`` by ``boxes`` into ``out``.

    Parameters
    ----------
    x : ndarray, complex, shape (B, P, *half)
        Half spectra (copied first unless C-contiguous).
    boxes : scatkit.transforms.cascade.BoxTerms
        The terms of the fold.
    out : ndarray, complex, shape (B, P, F, *out_shape), C-contiguous
        Overwritten with the fold.
    """
    B, P = x.shape[:2]
    F = boxes.n_filters
    if (tuple(x.shape[2:]) != boxes.half_shape
            or tuple(out.shape) != (B, P, F) + boxes.out_shape
            or not out.flags.c_contiguous or out.dtype != x.dtype
            or boxes.filt.dtype != x.real.dtype):
        raise ValueError(
            f"fold_boxes: terms for half spectra {boxes.half_shape} onto {boxes.out_shape} "
            f"({F} filters, {boxes.filt.dtype}) got x {tuple(x.shape)} {x.dtype} and out "
            f"{tuple(out.shape)} {out.dtype} (C-contiguous: {out.flags.c_contiguous})")
    if out.size == 0:  # no channel, or an empty grid: nothing to write
        return out
    real = x.real.dtype
    # the kernel takes C-contiguous arrays (it is vectorised for them): a batch of
    # several inputs sliced by parent is copied, one pass over the spectra
    x = np.ascontiguousarray(x)
    xv = x.reshape(B, P, -1, x.shape[-1]).view(real)
    ov = out.reshape(out.shape[:3] + (-1, out.shape[-1])).view(real)
    _kernel()(xv, boxes.desc, boxes.out_rows, boxes.src_rows, boxes.filt, ov,
              boxes.covers, boxes.n_mirrored)
    return out
