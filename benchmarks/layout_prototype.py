"""Prototype: the scattering cascade in a channels-last layout, against ``run_cascade``.

The cascade's fold terms (``cascade.fold_terms``) are compiled into one dense
gather map per group: output bin ``q`` receives ``sum_a filt[q, f, a] *
ext[src[q, a], c]`` where ``ext`` stacks a half spectrum and its conjugate and
``c`` runs over (paths x batch), the *last* axis.  The product-and-fold then is
one row gather and one batched real matmul (complex values viewed as float
pairs), and the FFTs run over the leading axes.  Not adopted (see
docs/BENCHMARKS.md, "Layouts explored"): faster in 2D, slower in 1D.

    SCATKIT_NUM_THREADS=1 python benchmarks/layout_prototype.py

prints the best and median single-thread CPU milliseconds of both versions on
the same padded batch, and their largest relative difference.
"""

import time

import numpy as np
import scipy.fft as sf

import scatkit
from scatkit.backends import NumpyBackend
from scatkit.transforms import cascade as C


def dense_map(terms, half_shape, out_shape, F):
    """(src (Q*A,), filt (Q, F, A) float32, A) of a list of fold terms."""
    H, Q = int(np.prod(half_shape)), int(np.prod(out_shape))
    outs, srcs, cols = [], [], []
    for t in terms:
        grid = np.meshgrid(*[np.arange(s.start, s.stop) for s in t.out_region], indexing="ij")
        outs.append(np.ravel_multi_index(grid, out_shape).ravel())
        axes = [np.arange(i.start, i.stop) if isinstance(i, slice) else np.asarray(i)
                for i in t.src_index]
        grid = np.meshgrid(*axes, indexing="ij")
        srcs.append(np.ravel_multi_index(grid, half_shape).ravel() + (H if t.conj else 0))
        cols.append(np.asarray(t.filt).reshape(F, -1))
    out, src, filt = np.concatenate(outs), np.concatenate(srcs), np.concatenate(cols, axis=1)
    order = np.argsort(out, kind="stable")
    out, src, filt = out[order], src[order], filt[:, order]
    counts = np.bincount(out, minlength=Q)
    A = int(counts.max())
    rank = np.arange(len(out)) - np.r_[0, np.cumsum(counts)[:-1]][out]
    S, W = np.zeros((Q, A), np.int64), np.zeros((Q, F, A), np.float32)
    S[out, rank] = src
    W[out, :, rank] = filt.T
    return S.ravel(), W, A


def apply_map(ext, S, W, A):
    Q, F = W.shape[:2]
    Cc = ext.shape[1]
    G = ext[S].view(np.float32).reshape(Q, A, 2 * Cc)
    out = G * W if A == 1 else np.matmul(W, G)
    return out.view(np.complex64).reshape(Q, F, Cc)


def build_maps(T):
    plan, ops, shape = T.plan, T.cascade_ops(), T.cascade_shape
    maps = {"wave": {}, "low": {}}
    for gid, g in enumerate(plan.groups):
        shape_k = tuple(s >> g.k for s in shape)
        if g.k not in maps["low"]:
            out = tuple(n >> (plan.k_out - g.k) for n in shape_k)
            maps["low"][g.k] = dense_map(ops.low[g.k], shape_k[:-1] + (shape_k[-1] // 2 + 1,),
                                         out[:-1] + (out[-1] // 2 + 1,), 1)
        if g.order > 0:
            pshape = tuple(s >> plan.groups[g.parent].k for s in shape)
            maps["wave"][gid] = dense_map(ops.wave[gid], pshape[:-1] + (pshape[-1] // 2 + 1,),
                                          shape_k, g.filter_slice.stop - g.filter_slice.start)
    return maps


def run_channels_last(U0, plan, ndim, maps):
    B, spatial0, axes = U0.shape[0], U0.shape[1:], tuple(range(ndim))
    x = np.ascontiguousarray(np.moveaxis(U0, 0, -1))
    ext, outs = {}, []
    for gid, g in enumerate(plan.groups):
        shape_k = tuple(s >> g.k for s in spatial0)
        if g.order == 0:
            u = x
        else:
            e = ext[g.parent][:, g.parent_slice.start * B: g.parent_slice.stop * B]
            z = apply_map(e, *maps["wave"][gid]).reshape(shape_k + (-1,))
            u = np.abs(sf.ifftn(z, axes=axes, workers=1))
        flat = sf.rfftn(u, axes=axes, workers=1)
        flat = flat.reshape(-1, flat.shape[-1])
        e = np.concatenate([flat, flat.conj()], axis=0)
        out = tuple(n >> (plan.k_out - g.k) for n in shape_k)
        oh = out[:-1] + (out[-1] // 2 + 1,)
        s = apply_map(e, *maps["low"][g.k]).reshape(oh + (-1,))
        outs.append(sf.irfftn(s, s=out, axes=axes, workers=1))
        if g.has_children:
            ext[gid] = e
    return outs


def best_ms(fn, repeats=10):
    ts = []
    for _ in range(repeats):
        t = time.process_time()
        fn()
        ts.append(time.process_time() - t)
    return round(1e3 * min(ts)), round(1e3 * float(np.median(ts)))


def main():
    rng = np.random.default_rng(0)
    be = NumpyBackend(workers=1)
    cases = [("2D J=2 L=8, 256 x 28x28", scatkit.Scattering2D(2, (28, 28), L=8), (256, 28, 28)),
             ("1D J=8 Q=12, 16 x 8192", scatkit.Scattering1D(8, 8192, Q=12), (16, 8192)),
             ("1D J=10 Q=8, 2 x 65536", scatkit.Scattering1D(10, 65536, Q=8), (2, 65536))]
    for name, T, shape in cases:
        x = rng.standard_normal(shape).astype(np.float32)
        pads = T.pads if T.ndim == 2 else ((T.pad_left, T.pad_right),)
        U0 = np.pad(x, ((0, 0),) + tuple(pads), mode="reflect")
        f, ops, maps = T._numpy_filters(), T.cascade_ops(), build_maps(T)
        new = run_channels_last(U0, T.plan, T.ndim, maps)
        ref = C.run_cascade(be, U0, T.plan, f["phi_half"], f["psi"], T.ndim, ops=ops)
        err = 0.0
        for g, a, r in zip(T.plan.groups, new, ref):
            P = g.parent_slice.stop - g.parent_slice.start
            F = max(g.filter_slice.stop - g.filter_slice.start, 1)
            out = a.shape[:T.ndim]
            a = a.reshape(out + (F, P, shape[0]))
            n = T.ndim
            # (*out, F, P, B) -> (B, P * F, *out): run_cascade's parent-major order
            a = a.transpose((n + 2, n + 1, n) + tuple(range(n))).reshape((shape[0], P * F) + out)
            err = max(err, float(np.abs(a - r).max() / np.abs(r).max()))
        t_new = best_ms(lambda: run_channels_last(U0, T.plan, T.ndim, maps))
        t_ref = best_ms(lambda: C.run_cascade(be, U0, T.plan, f["phi_half"], f["psi"], T.ndim,
                                              ops=ops))
        print(f"{name}: run_cascade {t_ref} ms, channels-last {t_new} ms (best, median); "
              f"max rel. difference {err:.1e}")


if __name__ == "__main__":
    main()
