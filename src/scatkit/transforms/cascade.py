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

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np


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
               admissible: Callable[[int, int], bool] | None = None) -> Plan:
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
        if np.any(np.diff(js) < 0):
            raise ValueError("filter banks must be sorted by increasing j")
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
                child_k = [max(min(int(js[n]), k_cap), parent.k) for n in idx]
                # contiguous runs of admissible filters with the same child resolution
                for a, b, k in _runs(child_k):
                    f0, f1 = int(idx[a]), int(idx[b - 1]) + 1
                    if f1 - f0 != b - a:  # admissible filters not contiguous: split further
                        raise ValueError("admissible wavelets must form contiguous runs")
                    paths = tuple(parent.paths[p] + (n,) for p in range(start, stop)
                                  for n in range(f0, f1))
                    groups.append(Group(order=m, k=k, parent=gid, parent_slice=slice(start, stop),
                                        filter_slice=slice(f0, f1), paths=paths))
                    children_of.setdefault(gid, []).append(len(groups) - 1)
                    new_frontier.append(len(groups) - 1)
        frontier = new_frontier
    groups = [g if not children_of.get(i) else _with_children(g) for i, g in enumerate(groups)]
    flat = [p for g in groups for p in g.paths]
    order_index = np.array(sorted(range(len(flat)), key=lambda i: (len(flat[i]), flat[i])),
                           dtype=np.int64)
    return Plan(groups=groups, max_order=max_order, k_out=k_out, order_index=order_index,
                paths=[flat[i] for i in order_index])


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
                ndim: int):
    """Compute the averaged coefficients of every path of ``plan``.

    Parameters
    ----------
    backend : Backend
    U0 : array, shape (B, *spatial)
        The padded input.
    plan : Plan
    phi_half : sequence of arrays
        ``phi_half[k]``: the low-pass at resolution ``k``, on the half spectrum
        (last axis ``n // 2 + 1``).
    psi : dict
        ``psi[m][k]``: the order-``m`` wavelets at resolution ``k``, full
        spectrum, one per row.
    ndim : int
        Number of spatial axes.

    Returns
    -------
    list of arrays
        One per group, shape ``(B, n_paths_in_group, *out_spatial)``, in group
        order (``plan.order_index`` sorts their concatenation into output
        order); unpadding is left to the caller.
    """
    spatial0 = tuple(U0.shape[-ndim:])
    B = U0.shape[0]
    last_child = {g.parent: i for i, g in enumerate(plan.groups) if g.parent >= 0}
    full: dict[int, object] = {}
    outputs = []
    for gid, g in enumerate(plan.groups):
        shape_k = tuple(s >> g.k for s in spatial0)
        if g.order == 0:
            u = U0[:, None]
        else:
            parent = plan.groups[g.parent]
            x = full[g.parent][:, g.parent_slice]
            filt = psi[g.order][parent.k][g.filter_slice]
            y = x[:, :, None] * filt  # (B, parents, filters, *spatial)
            y = y.reshape((B, -1) + tuple(y.shape[3:]))
            y = backend.subsample_fourier(y, 2 ** (g.k - parent.k), ndim)
            u = backend.modulus(backend.ifft(y, ndim))
        u_half = backend.rfft(u, ndim)
        s = u_half * phi_half[g.k]
        s = backend.subsample_fourier_half(s, 2 ** (plan.k_out - g.k), shape_k)
        outputs.append(backend.irfft(s, tuple(n >> (plan.k_out - g.k) for n in shape_k)))
        if g.has_children:
            full[gid] = hermitian_full(backend, u_half, shape_k)
        if g.order > 0 and last_child[g.parent] == gid:
            del full[g.parent]  # every child of the parent is done: free its spectrum
    return outputs
