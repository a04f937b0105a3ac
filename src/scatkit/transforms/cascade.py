r"""The scattering cascade, written once for every dimension and backend.

A scattering path :math:`p = (\lambda_1, \dots, \lambda_m)` has the coefficient

.. math::

    S[p]x = \big|\,|x \star \psi_{\lambda_1}| \star \cdots \star \psi_{\lambda_m}\big| \star \phi_J,

(Mallat, "Group invariant scattering", Comm. Pure Appl. Math. 65, 2012; Bruna &
Mallat, IEEE PAMI 35(8), 2013; Andén & Mallat, IEEE TSP 62(16), 2014).  Every
intermediate modulus :math:`U[p]x` is computed once, at the coarsest
resolution its bandwidth allows, and shared by all its descendants.

The traversal of the path tree is a :class:`Plan`: *groups* of paths that are
computed by one batched operation.  A group is the Cartesian product of a
contiguous run of parent paths (sharing the same last scale, hence the same set
of admissible children) and a contiguous run of wavelets that subsample their
output by the same factor.  The same plan yields the output order and
``meta()``, so both always describe exactly what was computed.

Resolutions are dyadic exponents ``k``: a group at resolution ``k`` holds signals
subsampled by ``2**k`` relative to the padded input.  A wavelet of maximal
subsampling ``j`` applied to a parent at resolution ``k_p`` produces a child at
``max(min(j, k_cap), k_p)``; all outputs are low-passed and subsampled to
``k_out``.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from ..backends import NumpyBackend
from .base import conversion_key, convert_once, map_chunks

_NUMPY = NumpyBackend(workers=1)


@dataclass(frozen=True)
class Group:
    """Paths computed together: ``parents x filters`` (parent-major)."""

    order: int
    k: int
    #: id of the parent group (-1 for the root)
    parent: int
    #: positions of the parents inside the parent group (a contiguous range)
    parent_slice: slice
    #: rows of the order's filter bank (a contiguous range)
    filter_slice: slice
    #: the paths of the group, each a tuple of filter indices (one per order)
    paths: tuple[tuple[int, ...], ...]
    #: whether any group is computed from this one
    has_children: bool = False


@dataclass
class Plan:
    """The scattering path tree, grouped for batched computation."""

    groups: list[Group]
    max_order: int
    k_out: int
    #: permutation from the concatenation of the groups' outputs to output order
    order_index: np.ndarray = field(repr=False)
    #: output paths, in output order
    paths: list[tuple[int, ...]] = field(repr=False)

    @property
    def n_paths(self) -> int:
        return len(self.paths)


def _runs(values: Sequence[int]) -> list[tuple[int, int, int]]:
    """Maximal runs of equal consecutive values: ``(start, stop, value)``."""
    runs = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            runs.append((start, i, values[start]))
            start = i
    return runs


def build_plan(filter_j: dict[int, np.ndarray], max_order: int, k_cap: int, k_out: int,
               admissible: Callable[[int, int], bool] | None = None,
               max_paths: Callable[[int], int] | None = None,
               filter_k: dict[int, np.ndarray] | None = None) -> Plan:
    """Group the scattering paths of a cascade.

    Parameters
    ----------
    filter_j : dict
        ``filter_j[m]`` holds the maximal subsampling exponent of each wavelet
        used at order ``m`` (non-decreasing along the bank).
    max_order : int
        Largest order (1, 2 or 3).
    k_cap : int
        Largest subsampling exponent of an intermediate modulus.
    k_out : int
        Subsampling exponent of the averaged outputs.
    admissible : callable, optional
        ``admissible(j_child, j_parent)``: whether a path may continue from a
        wavelet of scale ``j_parent`` with one of scale ``j_child``; default
        ``j_child > j_parent`` (only paths of increasing scale carry energy).
    max_paths : callable, optional
        ``max_paths(k)``: the most paths a group at resolution ``k`` may hold
        (default: no limit).  A larger block is cut into groups of contiguous
        parents (or, when one parent's filters are too many, of contiguous
        filters) of near-equal size: this bounds the intermediate arrays of one
        input on large grids.  The paths and their order are the same; the output
        too, up to the bins a group's fold terms keep because another filter of
        the group is significant there (below ``eps`` of the peak: 1e-10 of the
        coefficients' maximum in float64, tested).
    filter_k : dict, optional
        ``filter_k[m]``: the subsampling exponent each order-``m`` wavelet's
        modulus is computed at, when it differs from ``filter_j`` (fast mode's
        :func:`band_exponents`); non-decreasing along the bank.  The paths and
        their order are still chosen by ``filter_j``.
    """
    if admissible is None:
        def admissible(j_child: int, j_parent: int) -> bool:
            return j_child > j_parent

    root = Group(order=0, k=0, parent=-1, parent_slice=slice(0, 1), filter_slice=slice(0, 0),
                 paths=((),))
    groups = [root]
    children_of: dict[int, list[int]] = {0: []}
    frontier = [0]
    for m in range(1, max_order + 1):
        js = np.asarray(filter_j[m])
        ks = js if filter_k is None else np.asarray(filter_k[m])
        if np.any(np.diff(js) < 0) or np.any(np.diff(ks) < 0) or ks.shape != js.shape:
            raise ValueError("filter banks must be sorted by increasing j (and k)")
        new_frontier = []
        for gid in frontier:
            parent = groups[gid]
            parent_js = [None] * len(parent.paths) if m == 1 else [
                int(filter_j[m - 1][p[-1]]) for p in parent.paths]
            for start, stop, jp in _runs(parent_js):
                ok = np.array([jp is None or admissible(int(j), jp) for j in js], dtype=bool)
                idx = np.flatnonzero(ok)
                if idx.size == 0:
                    continue
                child_k = [max(min(int(ks[n]), k_cap), parent.k) for n in idx]
                # contiguous runs of admissible filters with the same child resolution
                for a, b, k in _runs(child_k):
                    f0, f1 = int(idx[a]), int(idx[b - 1]) + 1
                    if f1 - f0 != b - a:  # admissible filters not contiguous: split further
                        raise ValueError("admissible wavelets must form contiguous runs")
                    cap = None if max_paths is None else max(1, int(max_paths(k)))
                    for ps, fs in _blocks(slice(start, stop), slice(f0, f1), cap):
                        paths = tuple(parent.paths[p] + (n,) for p in range(ps.start, ps.stop)
                                      for n in range(fs.start, fs.stop))
                        groups.append(Group(order=m, k=k, parent=gid, parent_slice=ps,
                                            filter_slice=fs, paths=paths))
                        children_of.setdefault(gid, []).append(len(groups) - 1)
                        new_frontier.append(len(groups) - 1)
        frontier = new_frontier
    groups = [g if not children_of.get(i) else _with_children(g) for i, g in enumerate(groups)]
    flat = [p for g in groups for p in g.paths]
    order_index = np.array(sorted(range(len(flat)), key=lambda i: (len(flat[i]), flat[i])),
                           dtype=np.int64)
    return Plan(groups=groups, max_order=max_order, k_out=k_out, order_index=order_index,
                paths=[flat[i] for i in order_index])


def _even_slices(sl: slice, n_pieces: int) -> list[slice]:
    """``sl`` cut into ``n_pieces`` contiguous slices of near-equal length."""
    edges = np.linspace(sl.start, sl.stop, n_pieces + 1).round().astype(int)
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


def _blocks(parents: slice, filters: slice, cap: int | None) -> list[tuple[slice, slice]]:
    """Cut the block ``parents x filters`` into blocks of at most ``cap`` paths (None: no
    limit): runs of whole parents, or single parents times runs of filters."""
    n_p, n_f = parents.stop - parents.start, filters.stop - filters.start
    if cap is None or n_p * n_f <= cap:
        return [(parents, filters)]
    if n_f <= cap:
        return [(ps, filters) for ps in _even_slices(parents, -(-n_p // (cap // n_f)))]
    return [(slice(p, p + 1), fs) for p in range(parents.start, parents.stop)
            for fs in _even_slices(filters, -(-n_f // cap))]


def _with_children(g: Group) -> Group:
    return Group(order=g.order, k=g.k, parent=g.parent, parent_slice=g.parent_slice,
                 filter_slice=g.filter_slice, paths=g.paths, has_children=True)


def hermitian_full(backend, half, shape: tuple[int, ...]):
    """Full spectrum of a real signal of trailing ``shape`` from its real FFT ``half``."""
    n = shape[-1]
    ndim = len(shape)
    tail_idx = np.arange(n - n // 2 - 1, 0, -1)  # bins n//2+1 .. n-1 mirror to n-v
    mirror = half
    for axis in range(-ndim, -1):
        size = half.shape[axis]
        mirror = backend.take(mirror, (-np.arange(size)) % size, axis)
    tail = backend.conj(backend.take(mirror, tail_idx, -1))
    return backend.concatenate([half, tail], axis=-1)


def run_cascade(backend, U0, plan: Plan, phi_half: Sequence, psi: dict[int, Sequence],
                ndim: int, *, ops: "CascadeOps | None" = None, eps: float | None = None,
                crop: bool = False):
    """Compute the averaged coefficients of every path of ``plan``.

    Parameters
    ----------
    backend : Backend
    U0 : array, shape (B, *spatial)
        The padded input.
    plan : Plan
    phi_half : sequence of arrays or None
        ``phi_half[k]``: the low-pass at resolution ``k``, on the half spectrum
        (last axis ``n // 2 + 1``); it must be even (real spectrum).
    psi : dict or None
        ``psi[m][k]``: the order-``m`` wavelets at resolution ``k``, full
        spectrum, one per row.  Both may be None when ``ops`` is given.
    ndim : int
        Number of spatial axes.
    ops : CascadeOps, optional
        The fold terms from :func:`prepare_cascade` (built from the filters and
        cached when not given).
    eps : float, optional
        Negligible relative filter amplitude when ``ops`` is built here
        (default :data:`EXACT_EPS`).
    crop : bool, default False
        Crop subsampled wavelet products in frequency when ``ops`` is built here
        (:func:`crop_terms`, fast mode).

    Returns
    -------
    list of arrays
        One per group, shape ``(B, n_paths_in_group, *out_spatial)``, in group
        order (``plan.order_index`` sorts their concatenation into output
        order); unpadding is left to the caller.

    Notes
    -----
    Every spectrum is kept as the half spectrum of a real signal (one real FFT
    per modulus).  A wavelet product is folded to the child's resolution from
    the blocks of aliases where the wavelets are not negligible
    (:func:`fold_terms`), so neither the full spectrum nor the full-resolution
    product is formed; the low-pass is applied the same way.  Where the
    low-pass is separable and that is cheaper (:func:`low_pass_in_space`), it is
    applied in space instead (:class:`SeparableLowPass`): a modulus that no group
    reads then needs no FFT at all.  The low-passed spectra of every group are on
    the output grid: their inverse FFTs are one call over all of them, at the end.
    """
    spatial0 = tuple(U0.shape[-ndim:])
    if ops is None:
        ops = _cached_ops(plan, phi_half, psi, spatial0, EXACT_EPS if eps is None else eps, crop)
    ops = ops.to(backend, U0)
    last_child = {g.parent: i for i, g in enumerate(plan.groups) if g.parent >= 0}
    half: dict[int, object] = {}
    outputs = []
    pending = []  # (group position, low-passed half spectrum) for one inverse FFT at the end
    for gid, g in enumerate(plan.groups):
        shape_k = tuple(s >> g.k for s in spatial0)
        if g.order == 0:
            u = U0[:, None]
        else:
            x = half[g.parent][:, g.parent_slice]
            n_filters = g.filter_slice.stop - g.filter_slice.start
            z = apply_terms(backend, x, ops.wave[gid], n_filters, shape_k)
            u = backend.modulus(backend.ifft(z, ndim, overwrite=True))  # z: a fresh product
        spatial = low_pass_in_space(ops, g)
        if g.has_children or spatial is None:
            u_half = backend.rfft(u, ndim)
        if spatial is not None:
            outputs.append(spatial.apply(u))
        else:
            out_shape = tuple(n >> (plan.k_out - g.k) for n in shape_k)
            s = apply_terms(backend, u_half, ops.low[g.k], 1,
                            out_shape[:-1] + (out_shape[-1] // 2 + 1,))
            pending.append((len(outputs), s))
            outputs.append(None)
        if g.has_children:
            half[gid] = u_half
        if g.order > 0 and last_child[g.parent] == gid:
            del half[g.parent]  # every child of the parent is done: free its spectrum
    if pending:
        # every output is on the same grid (resolution k_out): the inverse FFTs of all
        # groups in one call, many rows at once, instead of one small call per group
        out_shape = tuple(n >> plan.k_out for n in spatial0)
        spectra = [s for _, s in pending]
        u = backend.irfft(spectra[0] if len(spectra) == 1
                          else backend.concatenate(spectra, axis=1), out_shape)
        start = 0
        for i, s in pending:
            outputs[i] = u[:, start:start + s.shape[1]]
            start += s.shape[1]
    return outputs


# -- folding by blocks of aliases ------------------------------------------------
#
# Subsampling a spectrum by ``f`` on an axis of ``n = f m`` bins is the mean of
# its ``f`` aliases, ``Z[q] = (1/f) sum_p X[q + p m]``.  A product ``X psi``
# with a band-limited filter ``psi`` only has a few aliases (and, inside them,
# only a few bins) where ``psi`` is not negligible: the fold is computed from
# those *terms* alone, each a rectangular block read from the *half* spectrum
# of the real signal (``X[i] = conj(X[-i])`` for the bins past ``n // 2``).

#: Relative filter amplitude (to each filter's peak) below which a Fourier bin is
#: skipped in the exact mode.  The neglected part changes a coefficient by at
#: most this fraction of the signal's norm: far below float32 round-off (6e-8)
#: and the parity tolerances (1e-5 float64, 1e-4 float32).
EXACT_EPS = 1e-12
#: The same threshold in the fast mode (``fast=True`` of the transforms): bins
#: where every filter is below 1e-3 of its peak are skipped, which drops most
#: periodization aliases of the 2D wavelets and low-pass (coefficients within
#: 6e-4 of the exact ones relative to their maximum, on the same padded grid).
#: Since the 2D folds are packed and the low-passes computed in space, the
#: threshold alone gains little in 2D (2D J=2: 166 against 164 ms); fast mode is
#: also circular where the grid allows it, in 1D computes each modulus at its
#: band's rate (:func:`band_exponents`) and in 2D crops its subsampled products
#: (:func:`crop_terms`; see docs/BENCHMARKS.md).
FAST_EPS = 1e-3


@dataclass(frozen=True)
class FoldTerm:
    """One block of a product-then-fold, read from a half spectrum.

    ``out[..., *out_region] += src[..., *src_index] * filt`` with ``src`` the
    half spectrum (conjugated first when ``conj``); ``src_index`` holds one
    slice (direct bins) or index array (mirrored bins) per spatial axis.
    """

    out_region: tuple[slice, ...]
    src_index: tuple
    conj: bool
    #: filter values on the block (``(F, *block)``), already divided by the
    #: number of aliases (the fold is a mean)
    filt: object
    #: no earlier term of its list writes to ``out_region`` (set by
    #: :func:`fold_terms`): its product is written into the zeros, not added
    first: bool = False

    def covers(self, out_shape: tuple[int, ...]) -> bool:
        return all(s.start == 0 and s.stop == n for s, n in zip(self.out_region, out_shape))


def _axis_segments(n: int, m: int, out_len: int, last: bool, significant: np.ndarray):
    """Per-axis pieces of the fold of ``n`` bins onto ``m`` (output bins ``0..out_len-1``).

    Returns ``(out_start, full_indices, mirrored)`` for every alias that holds a
    ``significant`` bin; on the last (halved) axis an alias is split where it
    crosses ``n // 2``.
    """
    aliases = significant.reshape(n // m, m)[:, :out_len].any(axis=1)
    segs = []
    for p in np.flatnonzero(aliases):
        full = p * m + np.arange(out_len)
        if not last:
            segs.append((0, full, False))
            continue
        direct = full <= n // 2
        if direct.any():
            segs.append((0, full[direct], False))
        if not direct.all():
            segs.append((int(np.argmin(direct)), full[~direct], True))
    return segs


#: filters per pass of :func:`significant_bins` (bounds its temporaries)
MASK_CHUNK = 8


def significant_bins(filt: np.ndarray, eps: float = EXACT_EPS) -> np.ndarray:
    """Boolean mask, per filter (first axis), of the bins above ``eps`` times its peak
    amplitude (a filter that is zero everywhere has none)."""
    shape = np.shape(filt)
    filt = np.asarray(filt).reshape(len(filt), -1)
    out = np.empty(filt.shape, dtype=bool)
    for a in range(0, len(filt), MASK_CHUNK):  # bounded temporaries
        amp = np.abs(filt[a:a + MASK_CHUNK])
        peak = amp.max(axis=1, keepdims=True)
        peak[peak == 0] = 1.0
        np.greater(amp, eps * peak, out=out[a:a + MASK_CHUNK])
    return out.reshape(shape)


#: Samples per bin of band width at which fast mode computes a modulus
#: (:func:`band_exponents`): 2 samples the squared modulus without aliasing (its
#: spectrum spans twice the band), the modulus up to the tail of its spectrum.
FAST_BAND_OVERSAMPLING = 2.0


def band_exponents(filt: np.ndarray, eps: float = EXACT_EPS,
                   oversampling: float | None = None) -> np.ndarray:
    r"""Largest subsampling exponent at which each filter's output keeps its modulus.

    A filter whose significant bins (above ``eps`` of its peak) lie in a circular
    band of ``w`` of the ``n`` bins gives an output ``z`` whose spectrum lies in
    that band: sampled every ``2**k`` bins, with ``n / 2**k >= w``, the band's
    aliases do not overlap and the samples of ``|z|`` are exact.  The modulus
    itself is then kept on a grid of ``oversampling * w`` bins or more: its
    spectrum (that of ``|z|^2`` spans ``2 w``) is what the next filters read.
    This is the fast mode's "cropping in frequency": every modulus sampled at
    the rate of its own bandwidth rather than of its highest frequency (the
    exact rule, :func:`~scatkit.filters.morlet1d.max_dyadic_subsampling`).

    Parameters
    ----------
    filt : ndarray, shape (F, n)
        Filters on the full spectrum (one per row, DC first).
    eps : float
        Negligible amplitude relative to each filter's peak.
    oversampling : float, optional
        Output samples per bin of band width (default
        :data:`FAST_BAND_OVERSAMPLING`, read at the call).

    Returns
    -------
    ndarray of int, shape (F,)
        ``k = floor(log2(n / (oversampling * w)))``, at least 0.
    """
    oversampling = FAST_BAND_OVERSAMPLING if oversampling is None else oversampling
    mask = significant_bins(filt, eps)
    n = mask.shape[-1]
    out = np.zeros(len(mask), dtype=np.int64)
    for r, row in enumerate(mask):
        bins = np.flatnonzero(row)
        if bins.size == 0:
            continue
        gaps = np.diff(np.concatenate([bins, [bins[0] + n]]))  # circular gaps
        width = n - (int(gaps.max()) - 1)
        out[r] = max(0, int(math.floor(math.log2(n / (oversampling * width)))))
    return out


def fold_terms(filt_full: np.ndarray, m_shape: tuple[int, ...], half_out: bool,
               eps: float = EXACT_EPS, significant: np.ndarray | None = None,
               dtype=np.float64) -> list[FoldTerm]:
    """Terms of ``fold(X * filt)`` onto ``m_shape`` bins, reading ``X`` from its half spectrum.

    Parameters
    ----------
    filt_full : ndarray, shape (F, *n_shape)
        Real filters on the full spectrum.
    m_shape : tuple of int
        Folded sizes (each dividing the matching ``n``).
    half_out : bool
        Produce only the half spectrum of the fold (last axis ``m // 2 + 1``
        bins; the fold of a real signal's spectrum) instead of all ``m`` bins.
    eps : float
        Bins where every filter is at most ``eps`` times its peak amplitude are
        skipped; an alias block with no other bin is dropped.
    significant : ndarray of bool, shape (F, *n_shape), optional
        :func:`significant_bins` of ``filt_full`` at ``eps``, when the caller
        already has it.
    dtype : dtype, default float64
        Real precision of the terms' filter values (rounded from float64).

    Returns
    -------
    list of FoldTerm
        NumPy terms (``filt`` of ``dtype``); see :meth:`CascadeOps.to` for a backend.
    """
    filt_full = np.asarray(filt_full)
    n_shape = filt_full.shape[1:]
    ndim = len(n_shape)
    if significant is None:
        significant = significant_bins(filt_full, eps)
    envelope = significant.reshape(len(filt_full), -1).any(axis=0).reshape(n_shape)
    scale = 1.0 / np.prod([n // m for n, m in zip(n_shape, m_shape)])
    per_axis = []
    for a, (n, m) in enumerate(zip(n_shape, m_shape)):
        out_len = m // 2 + 1 if (half_out and a == ndim - 1) else m
        marginal = envelope.any(axis=tuple(b for b in range(ndim) if b != a))
        per_axis.append(_axis_segments(n, m, out_len, a == ndim - 1, marginal))
    blocks = []
    for combo in itertools.product(*per_axis):
        mirrored = combo[-1][2]
        idx = [c[1] for c in combo]
        block = envelope[np.ix_(*idx)]
        if not block.any():
            continue
        crop = []
        for a in range(ndim):
            other = tuple(b for b in range(ndim) if b != a)
            marg = block.any(axis=other) if other else block
            nz = np.flatnonzero(marg)
            crop.append((int(nz[0]), int(nz[-1]) + 1))
        idx = [i[lo:hi] for i, (lo, hi) in zip(idx, crop)]
        out_region = tuple(slice(c[0] + lo, c[0] + hi) for c, (lo, hi) in zip(combo, crop))
        blocks.append((out_region, idx, mirrored))
    # every term's filter values are a view of one buffer: a compiled fold
    # (:func:`box_terms`) reads them there, without a copy
    F = len(filt_full)
    sizes = [F * int(np.prod([len(i) for i in idx])) for _, idx, _ in blocks]
    flat = np.empty(sum(sizes), dtype=dtype)
    terms, start = [], 0
    for (out_region, idx, mirrored), size in zip(blocks, sizes):
        filt = flat[start:start + size].reshape((F,) + tuple(len(i) for i in idx))
        np.multiply(filt_full[np.ix_(np.arange(F), *idx)], scale, out=filt, casting="unsafe")
        start += size
        if mirrored:
            src = tuple((n - i) % n for i, n in zip(idx, n_shape))
        else:
            src = tuple(slice(int(i[0]), int(i[-1]) + 1) for i in idx)
        terms.append(FoldTerm(out_region, src, mirrored, filt))
    # the largest block first: when it covers the output it initialises it
    terms.sort(key=lambda t: -int(np.prod([r.stop - r.start for r in t.out_region])))
    return [dataclasses.replace(t, first=not any(_overlap(t.out_region, u.out_region)
                                                 for u in terms[:i]))
            for i, t in enumerate(terms)]


def even_full(phi_half: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Full spectrum of an even real filter given on its half spectrum."""
    return np.asarray(hermitian_full(_NUMPY, np.asarray(phi_half), tuple(shape)).real)


#: Least fraction of a packing's slots that its terms fill for :func:`pack_terms`
#: to pack them (the rest is multiplied by zeros).  The 2D fold terms of the
#: benchmark workloads fill 0.81 to 1.0.
PACK_MIN_FILL = 0.75
#: Longest mean block row (bins along the last axis, weighted by block size) for
#: which :func:`pack_terms` packs.  Measured (``benchmarks/cascade_choices.py
#: pack``, two threads, medians of 7 calls): 2D J=2 L=8 on 1024 x 28x28 (rows of
#: 18 bins) NumPy 187 ms unpacked, 155 packed, torch with gradients 230 and 229;
#: 2D J=4 L=8 on 16 x 256x256 (rows of 33 to 144 bins), with every group packed,
#: NumPy 272 -> 248 ms but torch with gradients 354 -> 567 ms, so long rows stay
#: unpacked.  1D blocks are contiguous runs: never packed.
PACK_MAX_ROW = 24


def _index_arrays(index: tuple) -> list[np.ndarray]:
    """A term's indices (one slice or index array per axis) as index arrays."""
    return [np.arange(ix.start, ix.stop) if isinstance(ix, slice) else np.asarray(ix)
            for ix in index]


@dataclass(frozen=True)
class PackedTerms:
    """Fold terms gathered into ``n_slots`` planes covering the whole output.

    ``out[..., f, q] = sum_a ext[..., index[a, q]] * filt[f, a, q]`` where ``ext``
    is the flattened half spectrum followed (when ``conj``) by its conjugate;
    bins that no term of a slot covers read bin 0 with a zero filter.  One
    gather and ``n_slots`` products over whole output planes replace one product
    per term over a block: on small 2D grids a block's rows are short strided
    runs (18 bins on 2D J=2's 36 x 36 grid), and NumPy's loops pay per run
    (:data:`PACK_MAX_ROW` gives the measurements).
    """

    #: ``(n_slots * Q,)`` indices into ``ext`` (``Q`` output bins per slot)
    index: object
    #: ``(F, n_slots, Q)`` filter values, zero where a slot has no term
    filt: object
    n_slots: int
    conj: bool


def pack_terms(terms: Sequence[FoldTerm], half_shape: tuple[int, ...],
               out_shape: tuple[int, ...], min_fill: float | None = None,
               max_row: float | None = None):
    """:class:`PackedTerms` of ``terms`` (read from half spectra of ``half_shape``),
    or None when there is no term or only one spatial axis, when the blocks'
    rows are longer than ``max_row`` bins on average (weighted by block size:
    NumPy's loops over such rows are efficient already), or when the terms fill
    less than ``min_fill`` of their slots (defaults: :data:`PACK_MAX_ROW` and
    :data:`PACK_MIN_FILL`, read at the call).

    Terms go into the first slot where their output regions do not overlap
    (each output bin of a slot comes from at most one term).
    """
    if len(out_shape) < 2 or not terms:
        return None
    min_fill = PACK_MIN_FILL if min_fill is None else min_fill
    max_row = PACK_MAX_ROW if max_row is None else max_row
    sizes = [int(np.prod([r.stop - r.start for r in t.out_region])) for t in terms]
    rows = [t.out_region[-1].stop - t.out_region[-1].start for t in terms]
    if np.average(rows, weights=sizes) > max_row:
        return None
    H, Q = int(np.prod(half_shape)), int(np.prod(out_shape))
    F = terms[0].filt.shape[0]
    occupied, index, filt = [], [], []
    for t in terms:
        region = np.zeros(out_shape, dtype=bool)
        region[t.out_region] = True
        src = np.ravel_multi_index(np.meshgrid(*_index_arrays(t.src_index), indexing="ij"),
                                   half_shape)
        for a, occ in enumerate(occupied):
            if not (occ & region).any():
                break
        else:
            a = len(occupied)
            occupied.append(np.zeros(out_shape, dtype=bool))
            index.append(np.zeros(out_shape, dtype=np.int64))
            filt.append(np.zeros((F,) + tuple(out_shape), dtype=t.filt.dtype))
        occupied[a] |= region
        index[a][t.out_region] = src + (H if t.conj else 0)
        filt[a][(slice(None),) + tuple(t.out_region)] = t.filt
    if sum(int(o.sum()) for o in occupied) < min_fill * Q * len(occupied):
        return None
    return PackedTerms(index=np.concatenate([i.ravel() for i in index]),
                       filt=np.stack([f.reshape(F, Q) for f in filt], axis=1),
                       n_slots=len(occupied), conj=any(t.conj for t in terms))


def _gather_half(backend, xh, index, conj: bool):
    """``ext[..., index]`` for half spectra ``xh`` of shape ``(B, P, *half)``: ``ext`` the
    flattened half spectrum followed, when ``conj``, by its conjugate (indices past
    the half spectrum read conjugated bins)."""
    flat = xh.reshape(xh.shape[0], xh.shape[1], -1)
    if conj:
        flat = backend.concatenate([flat, backend.conj(flat)], axis=-1)
    return backend.take(flat, index, 2)


def _apply_packed(backend, xh, packed: PackedTerms, n_filters: int,
                  out_shape: tuple[int, ...]):
    B, P = xh.shape[0], xh.shape[1]
    A, Q = packed.n_slots, int(np.prod(out_shape))
    g = _gather_half(backend, xh, packed.index, packed.conj).reshape(B, P, 1, A, Q)
    z = g[:, :, :, 0] * packed.filt[:, 0]
    scratch = None
    for a in range(1, A):
        scratch = backend.multiply_add(z, g[:, :, :, a], packed.filt[:, a], scratch)
    return z.reshape((B, P * n_filters) + tuple(out_shape))


# -- cropping in frequency (fast mode) ----------------------------------------------
#
# The fold of ``X psi`` onto ``m`` bins per axis adds the aliases of the bins where
# ``psi`` is not negligible.  A wavelet is a bump around its centre frequency: all but
# its tails fit in one window of ``m`` consecutive bins per axis (circularly), and
# keeping that window alone, each of its bins put at its own residue modulo ``m``,
# gives every output bin exactly one product.  What is lost are the tails outside the
# window, which the fold would have aliased onto the output: the output is that of the
# wavelet cropped to the window, computed at the subsampled rate without aliasing.


#: Windows whose sum is within this fraction of the largest count as holding as much
#: (:func:`crop_window`): a symmetric filter has two best windows, and float32 and
#: float64 copies of it must choose the same one.
CROP_TIE_RTOL = 1e-6


def crop_window(power: np.ndarray, m_shape: tuple[int, ...]) -> tuple[int, ...]:
    """Start, per axis, of the circular window of ``m_shape`` bins that holds the
    largest sum of ``power`` (a non-negative array on the full grid); the first in C
    order of the windows within :data:`CROP_TIE_RTOL` of the largest."""
    box = np.asarray(power, dtype=np.float64)
    for axis, m in enumerate(m_shape):
        n = box.shape[axis]
        wrapped = np.concatenate([box, np.take(box, np.arange(m), axis=axis)], axis=axis)
        csum = np.cumsum(wrapped, axis=axis)
        head = np.zeros_like(np.take(csum, [0], axis=axis))
        csum = np.concatenate([head, csum], axis=axis)
        box = (np.take(csum, np.arange(m, m + n), axis=axis)
               - np.take(csum, np.arange(n), axis=axis))  # sums over [s, s + m)
    best = np.flatnonzero(box >= (1 - CROP_TIE_RTOL) * box.max())[0]
    return tuple(int(i) for i in np.unravel_index(int(best), box.shape))


@dataclass(frozen=True)
class CroppedTerms:
    """Each filter's product cropped to its window of the output's size
    (:func:`crop_terms`): ``out[..., f, q] = ext[..., index[f, q]] * filt[f, q]``,
    ``ext`` the flattened half spectrum followed (when ``conj``) by its conjugate.
    One gather and one product per group, each over whole output planes."""

    #: ``(F * Q,)`` indices into ``ext`` (``Q`` output bins per filter)
    index: object
    #: ``(F, Q)`` filter values (divided by the number of aliases, as a fold is a mean)
    filt: object
    conj: bool


#: :func:`crop_terms` crops a bank only if every filter's window holds all but this
#: fraction of its energy; else the bank is folded.  Kymatio's 2D Morlet wavelets (on
#: 64x64, J=3) leave at most 0.41 % outside with L >= 4 orientations, but 1.2 % with
#: L = 3, 8 % with L = 2 and 45 % with L = 1 (wider in angle), where the cropped
#: coefficients were 2-19 % off the circular exact ones (docs/BENCHMARKS.md).
CROP_MAX_LOSS = 5e-3


def crop_terms(filt_full: np.ndarray, m_shape: tuple[int, ...], dtype=np.float64,
               max_loss: float | None = None) -> "CroppedTerms | None":
    """:class:`CroppedTerms` of the real filters ``filt_full`` (``(F, *n_shape)``, full
    spectrum) onto ``m_shape`` bins, read from the half spectrum of a real signal,
    or None when a filter's window leaves more than ``max_loss`` of its energy out
    (default :data:`CROP_MAX_LOSS`, read at the call).

    Each filter keeps the circular window of ``m_shape`` bins holding most of its
    energy (:func:`crop_window`); its bin ``s`` goes to output bin ``s mod m`` (the
    bin it folds onto), scaled by ``1 / prod(n // m)`` as in :func:`fold_terms`.
    For a filter that vanishes outside its window this is the fold itself; for
    the Morlet wavelets it drops their tails (fast mode, docs/BENCHMARKS.md).
    """
    max_loss = CROP_MAX_LOSS if max_loss is None else max_loss
    filt_full = np.asarray(filt_full)
    n_shape = tuple(filt_full.shape[1:])
    if any(n % m for n, m in zip(n_shape, m_shape)):
        raise ValueError(f"the grid {m_shape} must divide {n_shape}")
    scale = 1.0 / np.prod([n // m for n, m in zip(n_shape, m_shape)])
    half = _half_shape(n_shape)
    H, Q = int(np.prod(half)), int(np.prod(m_shape))
    out = np.meshgrid(*[np.arange(m) for m in m_shape], indexing="ij")
    index = np.empty((len(filt_full), Q), dtype=np.int64)
    filt = np.empty((len(filt_full), Q), dtype=dtype)
    for r, row in enumerate(filt_full):
        power = row.astype(np.float64) ** 2
        start = crop_window(power, m_shape)
        # the window's bin that lands on output bin q: start + ((q - start) mod m)
        src = [(a + (q - a) % m) % n for a, q, m, n in zip(start, out, m_shape, n_shape)]
        total = power.sum()
        if total > 0 and power[tuple(src)].sum() < (1 - max_loss) * total:
            return None  # too much outside the window: fold instead
        filt[r] = (row[tuple(src)] * scale).ravel()
        mirrored = src[-1] > n_shape[-1] // 2  # read as conj(X[-s]) from the half spectrum
        src = [np.where(mirrored, (-i) % n, i) for i, n in zip(src, n_shape)]
        index[r] = (np.ravel_multi_index(tuple(src), half) + np.where(mirrored, H, 0)).ravel()
    return CroppedTerms(index=index.ravel(), filt=filt, conj=bool((index >= H).any()))


def _apply_cropped(backend, xh, cropped: CroppedTerms, n_filters: int,
                   out_shape: tuple[int, ...]):
    B, P = xh.shape[0], xh.shape[1]
    Q = int(np.prod(out_shape))
    z = _gather_half(backend, xh, cropped.index, cropped.conj).reshape(B, P, n_filters, Q)
    z *= cropped.filt  # in place: one array of the group's size, not two
    return z.reshape((B, P * n_filters) + tuple(out_shape))


@dataclass(frozen=True)
class SupportTerms:
    """One filter's packed terms (:class:`PackedTerms`) read from its support alone.

    ``out[..., q] = sum_a ext[..., index[a, q]] * filt[a, q]`` where ``ext`` holds
    the support's bins of the flattened half spectrum: ``direct`` ones, then the
    conjugates of the ``mirrored`` ones.  Two small gathers, one product and one
    sum over the slots replace a gather of the whole conjugated spectrum and a
    product per slot: the low-pass of a large grid folded onto a coarse one
    (2D J=4 on 288x288 onto 18x10: 34 small blocks) is a few hundred bins.
    """

    #: ``(N_d,)`` indices of the support's direct bins in the flattened half spectrum
    direct: object
    #: ``(N_m,)`` indices of the bins read conjugated (empty: none)
    mirrored: object
    #: ``(n_slots * Q,)`` indices into ``ext``
    index: object
    #: ``(n_slots, Q)`` filter values, zero where a slot has no term
    filt: object
    n_slots: int


def support_terms(packed: PackedTerms, half_size: int) -> SupportTerms:
    """:class:`SupportTerms` of the packed terms of one filter, read from half spectra
    of ``half_size`` bins (flattened)."""
    if packed.filt.shape[0] != 1:
        raise ValueError("support terms hold one filter")
    index = np.asarray(packed.index)
    support, inverse = np.unique(index, return_inverse=True)  # direct bins sort first
    return SupportTerms(direct=support[support < half_size],
                        mirrored=support[support >= half_size] - half_size,
                        index=inverse.astype(np.int64).ravel(), filt=packed.filt[0],
                        n_slots=packed.n_slots)


def _apply_support(backend, xh, st: SupportTerms, out_shape: tuple[int, ...]):
    B, P = xh.shape[0], xh.shape[1]
    flat = xh.reshape(B, P, -1)
    ext = backend.take(flat, st.direct, 2)
    if len(st.mirrored):
        ext = backend.concatenate([ext, backend.conj(backend.take(flat, st.mirrored, 2))], axis=2)
    Q = int(np.prod(out_shape))
    g = backend.take(ext, st.index, 2).reshape(B, P, st.n_slots, Q)
    # the slots summed in order, the same for every channel of any batch
    return (g * st.filt).sum(axis=2).reshape((B, P) + tuple(out_shape))


@dataclass(frozen=True)
class BoxTerms:
    """Fold terms (:class:`FoldTerm`) as the compiled fold
    (:func:`scatkit.backends.kernels.fold_boxes`) reads them.

    Arrays are flattened over every axis but the last: a term is ``rows`` rows of
    ``width`` bins, output row ``out_rows[o + i]`` columns ``col + j`` reading
    half-spectrum row ``src_rows[o + i]`` column ``src_col + j``, or, for a
    mirrored term, column ``src_col - j`` conjugated; its filter values are the
    block ``(F, rows, width)`` at ``filt[offset:]``.  The terms' order, and
    whether each is the first to write its bins, are those of the list.
    """

    #: ``(T, 9)`` int64 per term: rows, col, width, src_col, mirrored, first, row
    #: offset ``o``, filter offset, offset of its mirrored bins (complex values)
    desc: np.ndarray
    out_rows: np.ndarray
    src_rows: np.ndarray
    #: the filter values of every term (those of the list, not a copy, when they
    #: share one buffer, as :func:`fold_terms` makes them)
    filt: np.ndarray
    #: the first term covers the output (else the kernel zeroes it first)
    covers: bool
    #: bins read by the mirrored terms (the kernel copies them, conjugated, per channel)
    n_mirrored: int
    #: the half spectra the terms read, the output they write and its filters (the
    #: compiled loop has no bounds checks: its caller checks the arrays against these)
    half_shape: tuple
    out_shape: tuple
    n_filters: int


def _flat_filters(terms) -> tuple[np.ndarray, list[int]]:
    """One buffer holding every term's filter block, and each block's offset: the
    buffer the blocks are views of (:func:`fold_terms`), or their concatenation."""
    base = terms[0].filt.base
    ok = (isinstance(base, np.ndarray) and base.ndim == 1 and base.flags.c_contiguous
          and all(t.filt.base is base and t.filt.flags.c_contiguous
                  and t.filt.dtype == base.dtype for t in terms))
    if ok:
        itemsize = base.itemsize
        offsets = [(t.filt.ctypes.data - base.ctypes.data) // itemsize for t in terms]
        return base, offsets
    offsets = list(np.cumsum([0] + [t.filt.size for t in terms[:-1]]))
    return np.concatenate([np.ravel(t.filt) for t in terms]), [int(o) for o in offsets]


def box_terms(terms: Sequence[FoldTerm], half_shape: tuple[int, ...],
              out_shape: tuple[int, ...]) -> "BoxTerms | None":
    """:class:`BoxTerms` of NumPy fold terms read from half spectra of ``half_shape``
    onto ``out_shape``, or None when there is no term or a term's last-axis bins
    are not one run (forwards, or backwards for mirrored bins)."""
    if not terms:
        return None
    desc, out_rows, src_rows = [], [], []
    filt, offsets = _flat_filters(terms)
    row = mirrored = 0
    for t, offset in zip(terms, offsets):
        cols = t.src_index[-1]
        if isinstance(cols, slice):
            src_col = cols.start
        else:
            cols = np.asarray(cols)
            if cols.size > 1 and not np.array_equal(np.diff(cols), -np.ones(cols.size - 1)):
                return None
            src_col = int(cols[0])
        if t.conj != (not isinstance(cols, slice)):
            return None  # conjugated bins are the mirrored ones, read backwards
        axes = _index_arrays(t.src_index[:-1])
        outs = _index_arrays(t.out_region[:-1])
        if axes:
            try:
                src = np.ravel_multi_index(np.meshgrid(*axes, indexing="ij"),
                                           half_shape[:-1]).ravel()
                dst = np.ravel_multi_index(np.meshgrid(*outs, indexing="ij"),
                                           out_shape[:-1]).ravel()
            except ValueError as err:
                raise ValueError(f"fold terms outside half spectra {tuple(half_shape)} or "
                                 f"output {tuple(out_shape)}") from err
        else:  # 1D: one row
            src = dst = np.zeros(1, dtype=np.int64)
        r = t.out_region[-1]
        width = r.stop - r.start
        desc.append((len(dst), r.start, width, src_col, t.conj, t.first, row, offset, mirrored))
        out_rows.append(dst)
        src_rows.append(src)
        row += len(dst)
        mirrored += len(dst) * width if t.conj else 0
    desc = np.array(desc, dtype=np.int64)
    out_rows = np.concatenate(out_rows).astype(np.int64)
    src_rows = np.concatenate(src_rows).astype(np.int64)
    n_filters = int(terms[0].filt.shape[0])
    # the compiled loop has no bounds checks: every block inside the filter buffer,
    # every row and column inside its grid
    rows, col, width, src_col, mirrored_t = desc[:, 0], desc[:, 1], desc[:, 2], desc[:, 3], desc[:, 4]
    first_col = np.where(mirrored_t != 0, src_col - width + 1, src_col)
    last_col = np.where(mirrored_t != 0, src_col, src_col + width - 1)
    if ((desc[:, 7] + n_filters * rows * width).max() > filt.size
            or (col + width).max() > out_shape[-1] or first_col.min() < 0
            or last_col.max() >= half_shape[-1] or out_rows.min() < 0 or src_rows.min() < 0
            or out_rows.max() >= int(np.prod(out_shape[:-1])) or
            src_rows.max() >= int(np.prod(half_shape[:-1]))):
        raise ValueError(f"fold terms outside half spectra {tuple(half_shape)} or output "
                         f"{tuple(out_shape)}")
    return BoxTerms(desc, out_rows, src_rows, np.ascontiguousarray(filt),
                    covers=terms[0].covers(out_shape), n_mirrored=mirrored,
                    half_shape=tuple(half_shape), out_shape=tuple(out_shape), n_filters=n_filters)


def _apply_boxes(backend, xh, boxes: BoxTerms, n_filters: int, out_shape: tuple[int, ...]):
    B, P = xh.shape[0], xh.shape[1]
    out = backend.empty((B, P, n_filters) + tuple(out_shape), like=xh)
    backend.fold_boxes(xh, boxes, out)
    return out.reshape((B, P * n_filters) + tuple(out_shape))


def apply_terms(backend, xh,
                terms: "Sequence[FoldTerm] | PackedTerms | CroppedTerms | SupportTerms | BoxTerms",
                n_filters: int, out_shape: tuple[int, ...]):
    """``fold(X * filt)`` for every channel of ``xh`` and every filter.

    ``xh`` has shape ``(B, P, *half)``; the result ``(B, P * n_filters, *out_shape)``.
    ``terms`` is a list of :class:`FoldTerm`, their :class:`PackedTerms`,
    :class:`SupportTerms` or :class:`BoxTerms` (the backend's compiled fold), or
    :class:`CroppedTerms` (the fold of the products cropped to a window).
    """
    if isinstance(terms, BoxTerms):
        return _apply_boxes(backend, xh, terms, n_filters, out_shape)
    if isinstance(terms, PackedTerms):
        return _apply_packed(backend, xh, terms, n_filters, out_shape)
    if isinstance(terms, CroppedTerms):
        return _apply_cropped(backend, xh, terms, n_filters, out_shape)
    if isinstance(terms, SupportTerms):
        return _apply_support(backend, xh, terms, out_shape)
    B, P = xh.shape[0], xh.shape[1]
    lead = (slice(None),) * 2
    z = scratch = None
    for i, t in enumerate(terms):
        # slices first (views), then gathers of what is left
        src = xh[lead + tuple(ix if isinstance(ix, slice) else slice(None) for ix in t.src_index)]
        for a, ix in enumerate(t.src_index):
            if not isinstance(ix, slice):
                src = backend.take(src, ix, 2 + a)
        if t.conj:
            src = backend.conj(src)
        if i == 0 and t.covers(out_shape):
            z = src[:, :, None] * t.filt
            continue
        if z is None:
            z = backend.zeros((B, P, n_filters) + tuple(out_shape), like=xh)
        region = z[lead + (slice(None),) + t.out_region]
        # a region no earlier term wrote to still holds zeros: the product is written
        scratch = backend.multiply_add(region, src[:, :, None], t.filt, scratch, zero=t.first)
    if z is None:  # no term at all: every filter vanishes here
        z = backend.zeros((B, P, n_filters) + tuple(out_shape), like=xh)
    return z.reshape((B, P * n_filters) + tuple(out_shape))


def _overlap(a: tuple[slice, ...], b: tuple[slice, ...]) -> bool:
    """Whether two boxes of unit-step slices (one per axis) share a bin."""
    return all(max(x.start, y.start) < min(x.stop, y.stop) for x, y in zip(a, b))


#: Largest relative second singular value of a 2D low-pass (full spectrum, float64)
#: for :func:`separable_low_pass` to treat it as the outer product of two 1D filters.
#: The Gaussian low-pass of :mod:`scatkit.filters.morlet2d` is separable
#: mathematically and gives about 1e-17; the neglected part changes a coefficient
#: by at most this fraction of its modulus's norm.
SEPARABLE_TOL = 1e-10
#: The low-pass of a modulus no group reads is computed in space when its
#: multiply-adds per path are at most this multiple of ``N log2 N`` (``N`` bins of
#: the path); the FFT route costs a real FFT, a fold and an inverse FFT.  Measured
#: (``benchmarks/cascade_choices.py low-pass``, one core, float32, ms per 1000
#: paths, spatial against the FFT route, with the multiply-adds per ``N log2 N``):
#: 2D 18x18 -> 9x9 0.30 against 2.24 (1.6), 36x36 -> 18x18 1.05 against 7.45
#: (2.6), 288x288 -> 18x18 48 against 231 (1.2); 1D 16384 -> 64 53 against 22
#: (4.6), 8192 -> 128 47 against 11 (9.8).
SPATIAL_LOW_PASS_MAX_COST = 4.0
#: Number of spatial axes of the grids where the low-pass may be computed in space.
#: In 1D the FFT route (one contiguous real FFT per row) won at every size
#: measured: the two above, and 1D fast mode's circular 8192-sample grids (1D J=8
#: Q=12, 64 x 8192, two threads, best of 5: 112 ms with the spatial low-pass at
#: the coarse resolutions, 78 ms without; 1D J=10 Q=8 unchanged, 72 and 74 ms).
SPATIAL_LOW_PASS_NDIM = (2,)
#: A modulus that some group reads (its FFT is computed anyway) is low-passed in
#: space too on grids of at most this many bins, where the matrix products beat
#: the fold and inverse FFT alone (``benchmarks/cascade_choices.py low-pass``, one
#: core, per 1000 paths: 36x36 -> 9x9 0.64 against 2.24 ms, 36x36 -> 18x18 1.05
#: against 2.80 ms; 144x144 -> 18x18 17.9 against 19.1 ms, 288x288 -> 18x18 48
#: against 31 ms).
SPATIAL_WITH_CHILDREN_MAX_BINS = 4096


def low_pass_in_space(ops: "CascadeOps", g: Group) -> "SeparableLowPass | None":
    """The spatial low-pass that ``g``'s modulus uses, or None (the FFT route)."""
    spatial = ops.spatial.get(g.k)
    if spatial is None or (g.has_children and not spatial.with_children):
        return None
    return spatial


@dataclass(frozen=True)
class SeparableLowPass:
    """``subsample(u * phi)`` on a periodic grid as matrix products, one per axis.

    A separable low-pass ``phi(x) = h_1(x_1) h_2(x_2)`` averaged and sampled every
    ``f_i`` bins is ``A_1 u A_2^T`` with ``A_i[r, c] = h_i((r f_i - c) mod n_i)``:
    the same linear map as the product-and-fold of the spectra followed by an
    inverse FFT, with no FFT.
    """

    #: ``A_1`` (m_1, n_1) for two axes, else None
    left: object
    #: ``A_last^T`` (n_last, m_last)
    right_t: object
    #: whether moduli that some group reads use it too (else only the others)
    with_children: bool = False

    def apply(self, u):
        """``u`` of shape ``(..., n_1, n_2)`` (or ``(..., n)``) to ``(..., m_1, m_2)``."""
        out = u @ self.right_t
        return out if self.left is None else self.left @ out

    @staticmethod
    def multiply_adds(shape: tuple[int, ...], out_shape: tuple[int, ...]) -> int:
        """Multiply-adds per path of :meth:`apply` from a grid of ``shape`` to
        ``out_shape`` (known before any matrix is built)."""
        cost = int(np.prod(shape)) * out_shape[-1]
        if len(shape) == 2:
            cost += shape[0] * out_shape[1] * out_shape[0]
        return cost


def averaging_matrix(h: np.ndarray, step: int) -> np.ndarray:
    """``A[r, c] = h[(r step - c) mod n]``: circular convolution with ``h`` (length
    ``n``) sampled every ``step`` bins, as an ``(n // step, n)`` matrix."""
    n = len(h)
    r = np.arange(n // step)[:, None] * step
    return h[(r - np.arange(n)[None, :]) % n]


def separable_low_pass(phi_full: np.ndarray, out_shape: tuple[int, ...],
                       tol: float = SEPARABLE_TOL, dtype=np.float64):
    """:class:`SeparableLowPass` of a real, even low-pass given on its full
    spectrum (1 or 2 axes), or None when it is not separable to ``tol``.

    A filter given in a lower precision (float32 buffers of a module) is judged
    at its own rounding: ``tol`` is raised to 64 times its machine epsilon, so
    that the same filter is routed the same way in either precision.
    """
    phi_full = np.asarray(phi_full)
    if np.issubdtype(phi_full.dtype, np.floating):
        tol = max(tol, 64 * float(np.finfo(phi_full.dtype).eps))
    phi_full = phi_full.astype(np.float64)
    if phi_full.ndim == 1:
        factors = [phi_full]
    elif phi_full.ndim == 2:
        u, sv, vt = np.linalg.svd(phi_full)
        if sv[0] == 0 or sv[1] > tol * sv[0]:
            return None
        factors = [u[:, 0] * sv[0], vt[0]]
    else:
        return None
    mats = [averaging_matrix(np.fft.ifft(f).real, n // m)
            for f, n, m in zip(factors, phi_full.shape, out_shape)]
    return SeparableLowPass(left=None if len(mats) == 1 else mats[0].astype(dtype),
                            right_t=np.ascontiguousarray(mats[-1].T).astype(dtype))


@dataclass
class CascadeOps:
    """Precomputed fold terms of a plan: ``wave[gid]`` and ``low[k]`` (NumPy), and
    the spatial low-passes ``spatial[k]`` (see :func:`low_pass_in_space` for which
    moduli use them); converted per backend, device and dtype by :meth:`to` (and
    cached)."""

    wave: dict
    low: dict
    spatial: dict = field(default_factory=dict)
    #: ``("wave", gid)`` and ``("low", k)``: the half-spectrum shape the terms read
    #: and the shape of their output (for a backend's compiled form, :func:`box_terms`)
    shapes: dict = field(default_factory=dict)
    _converted: dict = field(default_factory=dict, repr=False)

    def to(self, backend, like) -> "CascadeOps":
        key = conversion_key(backend, like)
        if key not in self._converted:
            def index(ix):
                return ix if isinstance(ix, slice) else backend.index_array(ix, like)

            def conv(terms, where):
                if isinstance(terms, PackedTerms):
                    return PackedTerms(index(terms.index), backend.asarray(terms.filt, like),
                                       terms.n_slots, terms.conj)
                if isinstance(terms, CroppedTerms):
                    return CroppedTerms(index(terms.index), backend.asarray(terms.filt, like),
                                        terms.conj)
                if isinstance(terms, SupportTerms):
                    return SupportTerms(index(terms.direct), index(terms.mirrored),
                                        index(terms.index), backend.asarray(terms.filt, like),
                                        terms.n_slots)
                terms = [FoldTerm(t.out_region, tuple(index(ix) for ix in t.src_index),
                                  t.conj, backend.asarray(t.filt, like), t.first) for t in terms]
                # the backend's compiled fold (numba is imported only where there are
                # lists to convert: not for small 2D grids, whose terms are packed)
                if terms and where in self.shapes and backend.compiled_folds:
                    boxes = box_terms(terms, *self.shapes[where])
                    return terms if boxes is None else boxes
                return terms

            def conv_spatial(sp):
                return SeparableLowPass(
                    None if sp.left is None else backend.asarray(sp.left, like),
                    backend.asarray(sp.right_t, like), sp.with_children)

            self._converted[key] = CascadeOps({g: conv(v, ("wave", g)) for g, v in self.wave.items()},
                                              {k: conv(v, ("low", k)) for k, v in self.low.items()},
                                              {k: conv_spatial(v) for k, v in self.spatial.items()},
                                              self.shapes)
        return self._converted[key]


def _low_terms(terms, half_shape, out_shape):
    """A low-pass's fold terms as :class:`SupportTerms` where they pack with rows of at
    most :data:`PACK_MAX_ROW` bins (2D and more: on large grids folded onto coarse
    ones, many small blocks), else as they are.  Measured
    (``benchmarks/cascade_choices.py low-support``, one thread, 2D J=4 on 288x288
    onto 18x10, 3 channels): 34 terms 0.18 ms, the same packed 0.13 ms, as support
    terms 0.03 ms.  Long rows stay: 2D J=1 on 16 x 256x256 (6 blocks, rows of about
    65 bins) took 54-57 ms with fold terms and 57-60 ms with support terms (two
    threads, medians of 7 and 15 alternating calls; scratch probes); J=2 and J=3 on
    larger grids were even."""
    packed = pack_terms(terms, half_shape, _half_shape(out_shape), min_fill=0.0)
    return terms if packed is None else support_terms(packed, int(np.prod(half_shape)))


def _packed(terms, half_shape, out_shape):
    """The terms packed (:func:`pack_terms`) where that applies, else as they are."""
    packed = pack_terms(terms, half_shape, out_shape)
    return terms if packed is None else packed


def prepare_cascade(plan: Plan, phi_half: Sequence, psi: dict, shape: tuple[int, ...],
                    eps: float = EXACT_EPS, dtype=np.float64, crop: bool = False) -> CascadeOps:
    """Fold terms of every group of ``plan`` for padded inputs of ``shape``.

    ``phi_half`` and ``psi`` are the (NumPy or backend) filters of
    :func:`run_cascade` (a bank may also be any object whose row slices are
    arrays, such as :class:`~scatkit.filters.morlet1d.MorletRows` or
    :class:`~scatkit.filters.morlet2d.Morlet2DRows`: each group builds only its
    rows); ``eps`` the negligible relative amplitude; ``dtype`` the real
    precision the terms are stored in (computed in float64 and rounded once,
    so float32 terms equal float64 terms converted later).  Groups that read
    the same rows of the same bank at the same resolution share one list of
    terms.  With ``crop`` (fast mode), a wavelet product that is subsampled is
    cropped to one window of the output's size instead (:func:`crop_terms`, where
    the windows hold nearly all of the wavelets' energy); other wavelet terms are
    packed (:func:`pack_terms`) where that applies.  A low-pass's terms are read
    from its support where they pack (:func:`_low_terms`), and the low-pass at a
    resolution is also kept as a :class:`SeparableLowPass` when the grid has
    :data:`SPATIAL_LOW_PASS_NDIM` axes, the low-pass is separable, cheaper
    (:data:`SPATIAL_LOW_PASS_MAX_COST`) and some modulus there will use it: one
    without children, or any on a grid of at most
    :data:`SPATIAL_WITH_CHILDREN_MAX_BINS` bins.
    """
    shape = tuple(shape)
    to_np = (lambda a: a) if isinstance(next(iter(psi.values()))[0], np.ndarray) else (
        lambda a: np.asarray(a.detach().cpu().numpy() if hasattr(a, "detach") else a))
    wave, low, spatial, shared, shapes = {}, {}, {}, {}, {}
    for gid, g in enumerate(plan.groups):
        shape_k = tuple(s >> g.k for s in shape)
        if g.k not in low:
            phi = even_full(to_np(phi_half[g.k]), shape_k)
            out = tuple(n >> (plan.k_out - g.k) for n in shape_k)
            shapes[("low", g.k)] = (_half_shape(shape_k), _half_shape(out))
            low[g.k] = _low_terms(fold_terms(phi[None], out, half_out=True, eps=eps,
                                             dtype=dtype), _half_shape(shape_k), out)
            n = int(np.prod(shape_k))
            with_children = n <= SPATIAL_WITH_CHILDREN_MAX_BINS
            used = with_children or any(not h.has_children for h in plan.groups if h.k == g.k)
            if (len(shape) in SPATIAL_LOW_PASS_NDIM and used
                    and SeparableLowPass.multiply_adds(shape_k, out)
                    <= SPATIAL_LOW_PASS_MAX_COST * n * math.log2(max(n, 2))):
                sp = separable_low_pass(phi, out, dtype=dtype)
                if sp is not None:
                    spatial[g.k] = dataclasses.replace(sp, with_children=with_children)
        if g.order > 0:
            parent = plan.groups[g.parent]
            key = (g.order, parent.k, g.filter_slice.start, g.filter_slice.stop)
            if key not in shared:
                # rows sliced first: a bank built on demand builds these only
                filt = to_np(psi[g.order][parent.k][g.filter_slice])
                pshape = tuple(s >> parent.k for s in shape)
                cropped = None
                if crop and g.k > parent.k:  # subsampled: cropped, unless too wide
                    cropped = crop_terms(filt, shape_k, dtype=dtype)
                if cropped is not None:
                    shared[key] = cropped
                else:
                    shared[key] = _packed(fold_terms(filt, shape_k, half_out=False, eps=eps,
                                                     dtype=dtype), _half_shape(pshape), shape_k)
                del filt
            wave[gid] = shared[key]
            shapes[("wave", gid)] = (_half_shape(tuple(s >> parent.k for s in shape)), shape_k)
    return CascadeOps(wave, low, spatial, shapes)


def _half_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Shape of the half spectrum of a real signal of ``shape``."""
    return tuple(shape[:-1]) + (shape[-1] // 2 + 1,)


class LazyFilterTree(Mapping):
    """A filter pytree (a dict) whose entries are converted for a backend on first
    access: a transform that computes from its :class:`CascadeOps` never pays
    for (or holds) converted copies of its full filter banks.  ``numpy_tree`` may
    be a function returning the NumPy tree, then called on first access only."""

    def __init__(self, numpy_tree: "dict | Callable[[], dict]", convert: Callable):
        from .base import _map_tree

        # banks shared between entries are converted once (the tree is held: stable ids)
        self._source, self._map, self._once, self._done = (numpy_tree, _map_tree,
                                                            convert_once(convert), {})

    @property
    def _tree(self) -> dict:
        if callable(self._source):
            self._source = self._source()
        return self._source

    def __getitem__(self, key):
        if key not in self._done:
            self._done[key] = self._map(self._once, self._tree[key])
        return self._done[key]

    def __iter__(self):
        return iter(self._tree)

    def __len__(self):
        return len(self._tree)


def lazy_filters(transform, backend=None, like=None):
    """``transform.filters(backend, like)`` with lazily converted entries (cached
    per backend, device and dtype in ``transform._filter_cache``)."""
    if backend is None:
        return transform._numpy_filters()
    key = conversion_key(backend, like)
    if key not in transform._filter_cache:
        transform._filter_cache[key] = LazyFilterTree(transform._numpy_filters,
                                                      lambda a: backend.asarray(a, like))
    return transform._filter_cache[key]


class CascadeTransform:
    """Mixin of the transforms computed by :func:`run_cascade` on a padded grid
    ``cascade_shape`` (``Scattering1D``, ``Scattering2D``): lazily converted
    filters, fold terms built once (``fast`` chooses their threshold) and
    batches cut into chunks of bounded memory (identical output)."""

    fast: bool = False
    #: fold terms per real precision (``{"float32": CascadeOps, ...}``), built on demand
    _ops: "dict[str, CascadeOps] | None" = None

    @property
    def cascade_shape(self) -> tuple[int, ...]:
        raise NotImplementedError

    def filters(self, backend=None, like=None):
        """The filters for ``backend`` on ``like``'s device and precision, each entry
        converted on first use (the cascade computes from :meth:`cascade_ops`)."""
        return lazy_filters(self, backend, like)

    def cascade_ops(self, dtype=np.float64) -> "CascadeOps":
        """The fold terms of the cascade in real precision ``dtype`` (built once per
        precision, from the float64 filters, and rounded once).

        The dense filter banks they are built from are then released (they are
        several times larger than the terms, and rebuilt if :meth:`filters` is
        asked for them).  Inputs in float32 (NumPy or torch) use float32 terms;
        any other precision uses the float64 terms, converted.
        """
        key = np.dtype(dtype).name
        if self._ops is None:
            self._ops = {}
        if key not in self._ops:
            f = self._cascade_filters()
            self._ops[key] = prepare_cascade(self.plan, f["phi_half"], f["psi"],
                                             self.cascade_shape, dtype=dtype,
                                             eps=FAST_EPS if self.fast else EXACT_EPS,
                                             crop=self._crops())
            del f
            self._bank = None
        return self._ops[key]

    def _crops(self) -> bool:
        """Whether subsampled wavelet products are cropped in frequency
        (:func:`crop_terms`) instead of folded (default: no)."""
        return False

    def _cascade_filters(self) -> dict:
        """The NumPy filters :meth:`cascade_ops` builds the terms from (default: the
        dense :meth:`_numpy_filters`; a transform may give banks built on demand)."""
        return self._numpy_filters()

    def _compute(self, backend, x, filters):
        itemsize = 8 if str(x.dtype).endswith("float32") else 16
        concurrent = getattr(backend, "concurrent_chunks", 1)
        per_chunk = self._chunk_bytes() // concurrent
        cap = self._max_chunk_bytes()
        budget = backend.chunk_bytes(x, per_chunk if cap is None else min(per_chunk, cap))
        step = chunk_size(self.plan, self.cascade_shape, itemsize, budget)
        return map_chunks(backend, lambda b, c: self._compute_chunk(b, c, filters), x, step,
                          min_thread_chunk=self._min_thread_chunk())

    def _chunk_bytes(self) -> int:
        """Bound on the intermediate arrays of the chunks computed at once, in bytes
        (default :data:`CHUNK_BYTES`, read at the call)."""
        return CHUNK_BYTES

    def _max_chunk_bytes(self) -> int | None:
        """Most bytes of intermediate arrays one chunk may take on the CPU, however
        few chunks run at once (default: no bound beyond :meth:`_chunk_bytes`;
        a device backend may still raise the budget, see ``Backend.chunk_bytes``)."""
        return None

    def _min_thread_chunk(self) -> int:
        # threads pay once a chunk carries THREAD_MIN_BYTES of intermediates per group of
        # paths (the Python work per chunk grows with the groups, under the GIL)
        work = bytes_per_sample(self.plan, self.cascade_shape) / max(len(self.plan.groups), 1)
        return max(1, math.ceil(THREAD_MIN_BYTES / max(work, 1)))

    def _prepare(self, backend, x, filters):
        if any(filters is f for f in self._filter_cache.values()):
            self.cascade_ops(_terms_dtype(x)).to(backend, x)  # built and converted once

    def _cascade(self, backend, U0, filters):
        """:func:`run_cascade` on the padded batch ``U0``, in output channel order."""
        own = any(filters is f for f in self._filter_cache.values())
        # the transform's own filters: its precomputed fold terms (the dense filters are
        # then not converted to the backend at all); filters passed in (e.g. the
        # nn.Module's buffers): fold terms built from them
        if own:
            phi_half, psi, ops = None, None, self.cascade_ops(_terms_dtype(U0))
        else:
            phi_half, psi, ops = filters["phi_half"], filters["psi"], None
        outs = run_cascade(backend, U0, self.plan, phi_half, psi, ndim=len(self.cascade_shape),
                           ops=ops, eps=FAST_EPS if self.fast else EXACT_EPS,
                           crop=self._crops())
        return backend.take(backend.concatenate(outs, axis=1), self.plan.order_index, 1)


#: Most elements (per input) of one group's arrays on large grids, for
#: :func:`group_cap`: 2**18 complex64 values are 2 MiB.  Small grids never reach it
#: (2D J=2 L=8 on 36 x 36: 83k in the largest group); on 2D J=4 L=8 at 288 x 288 it
#: cuts the first-order group into 3 and the second-order groups into one per parent.
GROUP_ELEMENTS = 2**18
#: :data:`GROUP_ELEMENTS` in fast mode (2D J=4 L=8, 16 x 256x256, NumPy, two
#: threads, best of 5, three alternations: 149-152 ms against 155-162 ms with 2**18).
#: The exact mode slowed down with it (427-521 against 255-272 ms), which was not
#: investigated.  Circular exact transforms on the 256x256 grid
#: (``PeriodicScattering2D``) use it too: 192-194 against 204-206 ms (16 images,
#: two threads, median of 7, two alternations; a scratch probe).
FAST_GROUP_ELEMENTS = 2**17


def group_cap(shape: tuple[int, ...], max_elements: int = GROUP_ELEMENTS) -> Callable[[int], int]:
    """``max_paths`` for :func:`build_plan` on a padded grid ``shape``: groups at
    resolution ``k`` hold at most ``max_elements`` values per input."""
    def cap(k: int) -> int:
        return max(1, max_elements // int(np.prod([n >> k for n in shape])))
    return cap


def _terms_dtype(x):
    """Real precision of the fold terms for input ``x`` (NumPy or torch): float32 for
    float32 inputs, else float64 (converted to the input's precision if lower)."""
    return np.float32 if str(x.dtype).endswith("float32") else np.float64


#: Default bound on the intermediate arrays of the chunks of a batch computed at
#: once, in bytes (see :func:`chunk_size`; threads share it); the output does not
#: depend on it.
CHUNK_BYTES = 32 * 2**20
#: Intermediate bytes (complex64) per group of paths below which a chunk is too small
#: for threads to pay.  Chosen on this project's 2-core machine with
#: ``benchmarks/before_after.py small``: threads slowed 1D J=8 Q=8 on 8 x 4096 (0.33 MB
#: per group per chunk) and sped up 2D J=2 L=8 on 16 x 32x32 (1.3 MB).
THREAD_MIN_BYTES = 2**20
#: live arrays of a group's size during its computation (product, transform, modulus);
#: a bound: the NumPy backend transforms the product in place (``ifft(overwrite=True)``)
LIVE_ARRAYS = 3


def bytes_per_sample(plan: Plan, shape: tuple[int, ...], itemsize: int = 8) -> int:
    """Largest intermediate footprint of one input through ``plan`` (complex
    ``itemsize`` bytes): ``LIVE_ARRAYS`` arrays of the largest group, plus the
    half spectra kept for children."""
    size = [len(g.paths) * int(np.prod([n >> g.k for n in shape])) for g in plan.groups]
    kept = sum(s // 2 for s, g in zip(size, plan.groups) if g.has_children)
    return itemsize * (LIVE_ARRAYS * max(size) + kept)


def chunk_size(plan: Plan, shape: tuple[int, ...], itemsize: int = 8,
               max_bytes: int = CHUNK_BYTES) -> int:
    """How many inputs to push through the cascade at once to stay within ``max_bytes``."""
    return max(1, int(max_bytes // max(bytes_per_sample(plan, shape, itemsize), 1)))


#: ops of recent ``run_cascade`` calls that passed none, keyed by the identity of
#: their filters; :data:`_OPS_FINALIZERS` drops an entry when one of them is collected
_OPS_CACHE: "OrderedDict[tuple, tuple]" = OrderedDict()
_OPS_FINALIZERS: dict = {}
_OPS_CACHE_SIZE = 8


def _filter_leaves(phi_half, psi) -> list:
    """The filter arrays of ``phi_half`` and ``psi`` (banks built on demand count as one)."""
    leaves = list(phi_half)
    for m in sorted(psi):
        bank = psi[m]
        leaves += list(bank) if isinstance(bank, (list, tuple)) else [bank]
    return leaves


def _drop_ops(key) -> None:
    """Forget a cached entry and its finalizers (a filter died, or it was evicted)."""
    _OPS_CACHE.pop(key, None)
    for f in _OPS_FINALIZERS.pop(key, ()):
        f.detach()


def _cached_ops(plan, phi_half, psi, shape, eps, crop=False) -> CascadeOps:
    """:func:`prepare_cascade`, memoised on the identity of the filters.

    An entry lives while every one of its filter arrays does: it holds weak
    references to them (an id means something only while its object is alive)
    and is dropped when the first of them is collected, so that the fold terms
    it converted for a device (GPU memory) go with the module or transform
    whose filters they came from.  Filters that cannot be weakly referenced are
    held strongly instead.  At most :data:`_OPS_CACHE_SIZE` entries are kept,
    the least recently used dropped first.
    """
    leaves = _filter_leaves(phi_half, psi)
    key = (id(plan), shape, eps, crop, tuple(id(a) for a in leaves))
    hit = _OPS_CACHE.get(key)
    if hit is not None and all(r() is a for r, a in zip(hit[1], leaves)):
        _OPS_CACHE.move_to_end(key)
        return hit[0]
    _drop_ops(key)  # a stale entry (ids reused) or none
    refs, finalizers = [], []
    for a in leaves:
        try:
            refs.append(weakref.ref(a))
            finalizers.append(weakref.finalize(a, _drop_ops, key))
        except TypeError:  # not weakly referenceable: kept alive by the entry
            refs.append(lambda a=a: a)
    ops = prepare_cascade(plan, phi_half, psi, shape, eps, crop=crop)
    _OPS_CACHE[key] = (ops, refs, plan)
    _OPS_FINALIZERS[key] = finalizers
    while len(_OPS_CACHE) > _OPS_CACHE_SIZE:
        _drop_ops(_OPS_CACHE.popitem(last=False)[0])  # the least recently used
    return ops
