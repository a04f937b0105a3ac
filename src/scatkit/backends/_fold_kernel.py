"""The compiled loop of :func:`scatkit.backends.kernels.fold_boxes` (imports numba)."""

from __future__ import annotations

import numba
import numpy as np


def _signature(real):
    # C-contiguous arrays only: with unknown strides ("A" layout) LLVM does not
    # vectorise the inner loops, and the 2D J=4 folds took twice as long (0.5
    # against 1.06 ms for the j = 1 group; docs/BENCHMARKS.md)
    def array(ndim, dtype=real):
        return numba.types.Array(dtype, ndim, "C")

    return (array(5)(array(4), array(2, numba.int64), array(1, numba.int64),
                     array(1, numba.int64), array(1), array(5), numba.boolean, numba.int64))


# compiled for these two signatures only (C-contiguous arrays: one compilation each,
# cached on disk), when this module is imported
@numba.njit([_signature(numba.float32), _signature(numba.float64)], nogil=True, cache=True)
def fold_boxes(x, desc, out_rows, src_rows, filt, out, covers, n_mirrored):
    """``out[b, p, f] = fold(x[b, p] * filter f)`` term by term (see BoxTerms).

    ``x``: ``(B, P, R, 2 W)`` real view of half spectra; ``out``: ``(B, P, F, Ro, 2 M)``
    real view of the output; ``desc[t]`` = (rows, out col, width, src col, mirrored,
    first, row offset, filter offset, mirrored offset).  A mirrored term reads
    columns ``src col, src col - 1, ...`` conjugated: they are first copied, in
    output order, into a buffer of ``n_mirrored`` complex values (once per channel).
    """
    B, P = x.shape[0], x.shape[1]
    F = out.shape[2]
    T = desc.shape[0]
    mirrored = np.empty(2 * n_mirrored, dtype=x.dtype)
    for b in range(B):
        for p in range(P):
            xp = x[b, p]
            for t in range(T):  # the mirrored blocks, reversed: read forwards below
                if desc[t, 4] != 0:
                    h, w, cs, ro, mo = desc[t, 0], desc[t, 2], desc[t, 3], desc[t, 6], desc[t, 8]
                    for i in range(h):
                        src = xp[src_rows[ro + i]]
                        dst = mirrored[2 * (mo + i * w):2 * (mo + (i + 1) * w)]
                        for j in range(w):
                            dst[2 * j] = src[2 * (cs - j)]
                            dst[2 * j + 1] = -src[2 * (cs - j) + 1]  # conjugated
            for f in range(F):
                o = out[b, p, f]
                if not covers:
                    o[:, :] = 0
                for t in range(T):
                    h, c0, w, cs = desc[t, 0], desc[t, 1], desc[t, 2], desc[t, 3]
                    is_mirrored = desc[t, 4] != 0
                    first = desc[t, 5] != 0
                    ro, mo = desc[t, 6], desc[t, 8]
                    fb = desc[t, 7] + f * h * w
                    for i in range(h):
                        orow = o[out_rows[ro + i], 2 * c0:2 * (c0 + w)]
                        if is_mirrored:
                            srow = mirrored[2 * (mo + i * w):2 * (mo + (i + 1) * w)]
                        else:
                            srow = xp[src_rows[ro + i], 2 * cs:2 * (cs + w)]
                        frow = filt[fb + i * w:fb + (i + 1) * w]
                        if first:
                            for j in range(w):
                                orow[2 * j] = srow[2 * j] * frow[j]
                                orow[2 * j + 1] = srow[2 * j + 1] * frow[j]
                        else:
                            for j in range(w):
                                orow[2 * j] += srow[2 * j] * frow[j]
                                orow[2 * j + 1] += srow[2 * j + 1] * frow[j]
    return out
