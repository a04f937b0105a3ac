r"""Scattering computed by a filter-bank tree (the "wavelet convolution network tree").

The transform is the cascade of the seed talk's slides,

.. math::

    S_J x = A\,|W_J|\cdots|W_2|\,|W_1|\,x ,

where each layer :math:`W_\ell` filters *every* node of the previous layer by
the same short low-pass :math:`h` and band-pass filters :math:`g_\theta` with
subsampling (:math:`Hx(u) = x\star h(2u)`, :math:`G_\theta x(u) = x\star g_\theta(2u)`),
the modulus :math:`\rho = |\cdot|` acts on band-pass outputs only and nodes are
never mixed (a depthwise convolutional network).  A node reached through
:math:`m` band-pass + modulus steps is an order-:math:`m` coefficient; band-pass
steps along a path have increasing scales :math:`j_1 < j_2 < \dots`, as in
scattering (Mallat, "Group invariant scattering", CPAM 2012; Bruna & Mallat,
IEEE PAMI 2013).  Every level costs :math:`O(N)` operations on an input of
:math:`N` samples (the pyramid halves each axis), against :math:`O(N\log N)`
per path group for the FFT cascade.

With the Haar family (:func:`scatkit.filters.tree.haar_filters`) one level is
the orthogonal Haar wavelet transform, so that :math:`\|S_J x\|^2 = \|x\|^2`
when ``max_order = J`` (no path dropped); with the Morlet-like family
(:func:`scatkit.filters.tree.morlet_like_filters`) the coefficients approximate
those of :class:`scatkit.Scattering1D` (``Q = 1``) and
:class:`scatkit.Scattering2D`, channel for channel (same order, same ``j``,
``theta``; boundaries are periodic here, reflected there).

The algorithm (:func:`run_tree`) is written once against :class:`TreeOps`, a
tiny interface (periodic strided depthwise convolution, modulus of complex
pairs, gather, concatenation, in-place scaled addition; the separable low-pass
is written once over the last one) implemented for NumPy and PyTorch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..filters.tree import DEFAULT_L, FAMILIES, TreeFilters, tree_filters
from .base import ScatteringBase, check_int, check_shape


# -- plan ------------------------------------------------------------------------------

@dataclass
class Stage:
    """Band-pass step: bank ``bank`` on nodes ``src`` (indices in the level's node list),
    giving scale ``j``; its outputs are nodes ``src x theta`` (node-major), sampled with
    ``stride`` (1: they join this level's nodes at once; 2: they join the next level)."""

    j: int
    bank: int
    src: np.ndarray
    stride: int


@dataclass
class TreePlan:
    """Which nodes are filtered at every level, and the final channel order.

    ``levels[l]`` lists the band-pass stages at level ``l`` (run in order; a stage
    may take the outputs of an earlier stride-1 stage);
    ``paths[c]`` is the path ``((j1, theta1), ...)`` of output node ``c`` before
    reordering; ``order_index`` sorts nodes by ``(order, path)``.
    """

    levels: list[list[Stage]]
    nodes_per_level: list[int]
    paths: list[tuple]
    order_index: np.ndarray

    @property
    def n_paths(self) -> int:
        return len(self.paths)


def build_tree_plan(filters: TreeFilters, J: int, max_order: int) -> TreePlan:
    """Simulate the tree on path labels (no arrays) to get the node bookkeeping."""
    F = filters.n_bands
    schedule = filters.schedule(J)
    nodes: list[tuple] = [()]
    levels, sizes = [], []
    for level in range(J):
        stages, pending = [], []
        sizes.append(len(nodes))
        for j, lev, bank in schedule:
            if lev != level:
                continue
            src = [i for i, p in enumerate(nodes) if len(p) < max_order and (not p or p[-1][0] < j)]
            if not src:
                continue
            new = [nodes[i] + ((j, t),) for i in src for t in range(F)]
            stride = filters.band_strides[bank]
            stages.append(Stage(j, bank, np.asarray(src, dtype=np.int64), stride))
            if stride == 1:
                nodes = nodes + new
            else:
                pending += new
        levels.append(stages)
        nodes = nodes + pending
    order = sorted(range(len(nodes)), key=lambda c: (len(nodes[c]), nodes[c]))
    return TreePlan(levels, sizes, nodes, np.asarray(order, dtype=np.int64))


# -- the tiny interface ----------------------------------------------------------------------

class TreeOps:
    """What :func:`run_tree` needs from an array library.

    ``conv(x, w, stride, origin)``: ``x`` of shape ``(B, C) + S`` (real), ``w``
    of shape ``(F,) + K`` (the same filters for every node) or ``(C, F) + K``
    (depthwise, one set per node); periodic boundaries; returns
    ``(B, C, F) + S // stride`` with ``y[n] = sum_k w[k] x[stride n + k - origin]``.
    ``conv_axes``: the same for a separable shared kernel, one axis at a time
    (written here once, over ``axpy`` and the backend's ``zeros``).
    """

    def __init__(self, backend, ndim: int):
        self.backend, self.ndim = backend, ndim

    def take(self, x, idx, axis):
        return self.backend.take(x, idx, axis)

    def conv_axes(self, x, taps, stride: int, origin: int):
        """Separable periodic correlation: the 1D kernel ``taps`` (Python floats) along
        each of the last ``ndim`` axes, ``y[n] = sum_k taps[k] x[(stride n + k - origin)
        mod N]``; ``(B, C) + S`` to ``(B, C) + S // stride``.  ``2 K`` multiply-adds per
        sample instead of ``K**ndim``.  Every tap adds a strided view of ``x`` (split
        where the index wraps around) to the output: no padded copy, no kernel library.
        """
        for axis in range(x.ndim - self.ndim, x.ndim):
            N = x.shape[axis]
            n_out = N // stride
            y = self.backend.zeros(tuple(x.shape[:axis]) + (n_out,) + tuple(x.shape[axis + 1:]),
                                   like=x)
            for k, a in enumerate(taps):
                for n0, n1, src in _periodic_segments(N, n_out, stride, k - origin):
                    view = _slice_axis(y, axis, n0, n1, 1)
                    self.axpy(view, a, _slice_axis(x, axis, src, src + stride * (n1 - n0 - 1) + 1,
                                                   stride))
            x = y
        return x

    def axpy(self, y, a: float, x):
        """``y += a x`` in place (``y`` may be a view)."""
        y += a * x
        return y

    def concatenate(self, xs, axis):
        return xs[0] if len(xs) == 1 else self.backend.concatenate(xs, axis)

    def pad_periodic(self, x, before: int, after: int):
        """Periodic padding of the last ``ndim`` axes."""
        raise NotImplementedError

    def conv(self, x, w, stride: int, origin: int):
        raise NotImplementedError

    def modulus_pairs(self, y, complex_pairs: bool):
        """``|re + i im|`` over consecutive ``(re, im)`` filters on axis 2, or ``|y|``."""
        raise NotImplementedError


class NumpyTreeOps(TreeOps):
    def pad_periodic(self, x, before, after):
        width = ((0, 0),) * (x.ndim - self.ndim) + ((before, after),) * self.ndim
        return np.pad(x, width, mode="wrap")

    def conv(self, x, w, stride, origin):
        K = w.shape[-1]
        xp = self.pad_periodic(x, origin, K - 1 - origin)
        out_sp = tuple(n // stride for n in x.shape[2:])
        wb = w[None, None] if w.ndim == self.ndim + 1 else w[None]  # (1, C|1, F, *K)
        out = np.zeros(x.shape[:2] + (w.shape[-self.ndim - 1],) + out_sp,
                       dtype=np.result_type(x, w))
        for tap in np.ndindex(*(K,) * self.ndim):  # loop over taps, vectorised over nodes
            sl = tuple(slice(k, k + stride * n, stride) for k, n in zip(tap, out_sp))
            coef = wb[(Ellipsis,) + tap].reshape(wb.shape[:3] + (1,) * self.ndim)
            out += coef * xp[(slice(None), slice(None), None) + sl]
        return out

    def modulus_pairs(self, y, complex_pairs):
        if not complex_pairs:
            return np.abs(y)
        return np.sqrt(y[:, :, 0::2] ** 2 + y[:, :, 1::2] ** 2)


class TorchTreeOps(TreeOps):
    def pad_periodic(self, x, before, after):
        import torch.nn.functional as Fn

        if not (before or after):
            return x
        lead = tuple(x.shape[:-self.ndim])
        y = x.reshape((-1, 1) + tuple(x.shape[-self.ndim:]))
        y = Fn.pad(y, (before, after) * self.ndim, mode="circular")
        return y.reshape(lead + tuple(y.shape[2:]))

    def conv(self, x, w, stride, origin):
        import torch.nn.functional as Fn

        conv = Fn.conv1d if self.ndim == 1 else Fn.conv2d
        K = w.shape[-1]
        B, C = x.shape[:2]
        xp = self.pad_periodic(x, origin, K - 1 - origin)
        if w.ndim == self.ndim + 1:  # shared filters: nodes go to the batch axis
            y = conv(xp.reshape((B * C, 1) + tuple(xp.shape[2:])), w[:, None], stride=stride)
            return y.reshape((B, C) + tuple(y.shape[1:]))
        F = w.shape[1]
        y = conv(xp, w.reshape((C * F, 1) + tuple(w.shape[2:])), stride=stride, groups=C)
        return y.reshape((B, C, F) + tuple(y.shape[2:]))

    def axpy(self, y, a, x):
        return y.add_(x, alpha=a)

    def modulus_pairs(self, y, complex_pairs):
        import torch

        if not complex_pairs:
            return y.abs()  # d|y|/dy = sign(y), 0 at 0
        if not (torch.is_grad_enabled() and y.requires_grad):
            # no gradient to guard: one fused kernel (a third of the 2D tree's time
            # went to the guarded form below, measured at 512x512)
            return torch.hypot(y[:, :, 0::2], y[:, :, 1::2])
        r2 = y[:, :, 0::2] ** 2 + y[:, :, 1::2] ** 2
        pos = r2 > 0
        # sqrt with a zero (not infinite) gradient at 0
        return torch.where(pos, torch.sqrt(torch.where(pos, r2, torch.ones_like(r2))),
                           torch.zeros_like(r2))


def _slice_axis(x, axis: int, start: int, stop: int, step: int):
    return x[(slice(None),) * axis + (slice(start, stop, step),)]


def _periodic_segments(N: int, n_out: int, stride: int, d: int):
    """Runs of outputs ``n`` whose input index ``(stride n + d) mod N`` moves by
    ``stride`` without wrapping: ``[(n0, n1, first input index), ...]``."""
    out, n = [], 0
    while n < n_out:
        i = (stride * n + d) % N
        run = min(n_out - n, (N - 1 - i) // stride + 1)  # steps before passing N - 1
        out.append((n, n + run, i))
        n += run
    return out


def tree_ops(backend, ndim: int) -> TreeOps:
    """The :class:`TreeOps` of a scatkit backend."""
    return (NumpyTreeOps if backend.name == "numpy" else TorchTreeOps)(backend, ndim)


# -- the algorithm -----------------------------------------------------------------------

def real_pairs(bank: np.ndarray) -> np.ndarray:
    """Complex filters ``(F, ...)`` as real ``(2F, ...)``: ``re_0, im_0, re_1, ...``
    (a real bank is returned unchanged)."""
    if not np.iscomplexobj(bank):
        return bank
    return np.stack([bank.real, bank.imag], axis=1).reshape((-1,) + bank.shape[1:])


def run_tree(ops: TreeOps, x, plan: TreePlan, weights: dict, origins: dict, complex_pairs: bool,
             modulus_lowpass: bool = False, axis_taps: dict | None = None):
    """Run the scattering tree on ``x`` of shape ``(B,) + S``.

    ``weights``: ``{"low": [w_l], "band": [[w_ls]], "out": w or None}`` with
    ``w`` as :meth:`TreeOps.conv` takes them (band weights as real pairs);
    ``origins``: ``{"low", "band": [per bank], "out"}``.  ``modulus_lowpass``
    applies :math:`\\rho` to low-pass outputs too (no effect on non-negative
    signals with non-negative ``h``).  ``axis_taps``: ``{"low": taps, "out": taps
    or None}``, one-axis factors (Python floats) of separable shared low-pass and
    averaging kernels; when given they replace ``weights["low"]``/``["out"]``
    (:meth:`TreeOps.conv_axes`; 40 % of the 2D Morlet-like tree's time saved at
    1024x1024).  Returns ``(B, C) + S // 2**J`` in ``(order, path)`` order.
    """
    U = x[:, None]
    for level, stages in enumerate(plan.levels):
        pending = []
        for si, st in enumerate(stages):
            src = U if len(st.src) == U.shape[1] else ops.take(U, st.src, 1)
            y = ops.modulus_pairs(ops.conv(src, weights["band"][level][si], st.stride,
                                           origins["band"][st.bank]), complex_pairs)
            y = y.reshape(tuple(y.shape[:1]) + (-1,) + tuple(y.shape[3:]))
            if st.stride == 1:
                U = ops.concatenate([U, y], 1)
            else:
                pending.append(y)
        low = _lowpass(ops, U, weights["low"][level], axis_taps and axis_taps["low"], 2,
                       origins["low"])
        if modulus_lowpass:
            low = abs(low)
        U = ops.concatenate([low] + pending, 1)
    if weights.get("out") is not None:
        U = _lowpass(ops, U, weights["out"], axis_taps and axis_taps["out"], 1, origins["out"])
    return ops.take(U, plan.order_index, 1)


def _lowpass(ops: TreeOps, U, weight, taps, stride: int, origin: int):
    """A shared low-pass (or the averaging) on every node: one axis at a time when its
    one-axis ``taps`` are given (separable), else the full kernel ``weight``."""
    if taps is not None:
        return ops.conv_axes(U, taps, stride, origin)
    return ops.conv(U, weight, stride, origin)[:, :, 0]


def shared_weights(filters: TreeFilters, plan: TreePlan) -> dict:
    """Weights for :func:`run_tree` with the same filters at every node (NumPy)."""
    banks = [real_pairs(b) for b in filters.banks]
    return {"low": [filters.lowpass[None]] * len(plan.levels),
            "band": [[banks[st.bank] for st in stages] for stages in plan.levels],
            "out": None if filters.output is None else filters.output[None]}


def separable_taps(filters: TreeFilters) -> dict | None:
    """``axis_taps`` for :func:`run_tree` (Python floats), or None if the shared
    low-pass is not separable."""
    if filters.lowpass_axis is None:
        return None
    out = None if filters.output_axis is None else tuple(map(float, filters.output_axis))
    return {"low": tuple(map(float, filters.lowpass_axis)), "out": out}


def filter_origins(filters: TreeFilters) -> dict:
    return {"low": filters.origin_low,
            "band": [TreeFilters.origin(b) for b in filters.banks],
            "out": None if filters.output is None else TreeFilters.origin(filters.output)}


# -- transforms -----------------------------------------------------------------------------

class _TreeScattering(ScatteringBase):
    ndim = 1

    def __init__(self, J, shape, L=DEFAULT_L, max_order=2, family="morlet", out_type="array", *,
                 size=None, low_size=None, out_size=None, modulus_lowpass=False,
                 batch_size=None, check_finite=True):
        super().__init__(out_type=out_type, batch_size=batch_size, check_finite=check_finite)
        self.J = check_int("J", J, minimum=1)
        self.shape = check_shape(shape, self.ndim)
        self.L = check_int("L", L, minimum=1)
        self.max_order = check_int("max_order", max_order, minimum=0, maximum=self.J)
        if family not in FAMILIES:
            raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
        bad = [n for n in self.shape if n % 2**self.J]
        if bad:
            raise ValueError(f"every side of shape {self.shape} must be divisible by 2**J = "
                             f"{2**self.J}; pad or crop the input, or lower J")
        sizes = {k: v for k, v in (("size", size), ("low_size", low_size),
                                   ("out_size", out_size)) if v is not None}
        if family == "haar" and sizes:
            raise ValueError("size/low_size/out_size apply to the 'morlet' family only")
        self.family = family
        self.tree_filters = tree_filters(family, self.ndim, self.J, self.L, **sizes)
        self.modulus_lowpass = bool(modulus_lowpass)
        self.plan = build_tree_plan(self.tree_filters, self.J, self.max_order)

    def _numpy_filters(self):
        return shared_weights(self.tree_filters, self.plan)

    @property
    def output_channels(self) -> int:
        return self.plan.n_paths

    def output_shape(self):
        return (self.output_channels,) + tuple(n // 2**self.J for n in self.shape)

    def _compute(self, backend, x, filters):
        from ..backends import get_backend

        ops = tree_ops(get_backend(x), self.ndim)
        return run_tree(ops, x, self.plan, filters, filter_origins(self.tree_filters),
                        complex_pairs=np.iscomplexobj(self.tree_filters.banks[0]),
                        modulus_lowpass=self.modulus_lowpass,
                        axis_taps=separable_taps(self.tree_filters))

    def wavelet_transform(self, x):
        r"""The first layer's linear part along the low-pass branch: :math:`W_J x`.

        Returns ``[w_0, ..., w_{J-1}, a_J]``: ``w_j`` of shape ``(..., F) + S_j``,
        the band-pass outputs of scale ``j`` *before* the modulus (complex for
        the Morlet-like family), and the low-pass :math:`a_J` of shape
        ``(...,) + S / 2**J`` (before the final averaging).  With the Haar
        family this is the orthogonal Haar wavelet transform
        :math:`\|x\|^2 = \sum_j\|w_j\|^2 + \|a_J\|^2`.
        """
        backend = self._check_input(x)
        lead = tuple(x.shape[: x.ndim - self.ndim])
        flat = x.reshape((-1,) + tuple(self.shape))
        ops = tree_ops(backend, self.ndim)
        w = self.filters(backend, flat)
        origins = filter_origins(self.tree_filters)
        taps = separable_taps(self.tree_filters)
        a, out = flat[:, None], []
        for level in range(self.J):
            for j, lev, bank in self.tree_filters.schedule(self.J):
                if lev == level:
                    y = ops.conv(a, self._bank(backend, flat, bank),
                                 self.tree_filters.band_strides[bank], origins["band"][bank])[:, 0]
                    if np.iscomplexobj(self.tree_filters.banks[bank]):
                        y = y[:, 0::2] + 1j * y[:, 1::2]
                    out.append(y.reshape(lead + tuple(y.shape[1:])))
            a = _lowpass(ops, a, w["low"][level], taps and taps["low"], 2, origins["low"])
        return out + [a[:, 0].reshape(lead + tuple(a.shape[2:]))]

    def multiply_adds(self) -> int:
        """Real multiply-adds of one call on one input (the tree's cost model).

        Level ``l`` works on signals of ``N / 2**(l * ndim)`` samples: each band
        stage costs ``sources x filters x taps x outputs`` (complex filters count
        as two real ones), the low-pass ``nodes x taps x N / 2**((l+1) ndim)``, or,
        filtered one axis at a time when separable, ``nodes x sum_i K N / 2**i``.
        With a fixed number of nodes per level this is ``O(N)``; the sum over
        levels is dominated by the first ones.
        """
        f, nd, plan = self.tree_filters, self.ndim, self.plan
        pairs = 2 if np.iscomplexobj(f.banks[0]) else 1
        n_in = int(np.prod(self.shape))
        total, nodes = 0, 1
        for level, stages in enumerate(plan.levels):
            size = n_in // 2 ** (level * nd)
            for st in stages:
                taps = f.banks[st.bank][0].size
                total += len(st.src) * pairs * f.n_bands * taps * size // st.stride**nd
                if st.stride == 1:
                    nodes += len(st.src) * f.n_bands
            total += nodes * self._lowpass_taps(f.lowpass, f.lowpass_axis, 2) * size
            nodes += sum(len(st.src) for st in stages if st.stride == 2) * f.n_bands
        if f.output is not None:
            n_out = n_in // 2 ** (self.J * nd)
            total += nodes * self._lowpass_taps(f.output, f.output_axis, 1) * n_out
        return int(total)

    def _lowpass_taps(self, kernel, axis_kernel, stride: int) -> float:
        """Multiply-adds per input sample of a shared low-pass applied with ``stride``:
        ``K**ndim / stride**ndim``, or one axis at a time ``sum_i K / stride**i``
        when it is separable."""
        nd = self.ndim
        if axis_kernel is None:
            return kernel.size / stride**nd
        return sum(axis_kernel.size / stride**i for i in range(1, nd + 1))

    def _bank(self, backend, like, bank: int):
        return backend.asarray(real_pairs(self.tree_filters.banks[bank]), like)

    def meta(self):
        """Per-channel ``order`` (C,), ``j`` and ``theta`` (C, max_order), NaN-padded."""
        paths = [self.plan.paths[c] for c in self.plan.order_index]
        M = max(self.max_order, 1)
        j = np.full((len(paths), M), np.nan)
        theta = np.full((len(paths), M), np.nan)
        for c, p in enumerate(paths):
            for m, (jj, t) in enumerate(p):
                j[c, m], theta[c, m] = jj, t
        return {"order": np.array([len(p) for p in paths]), "j": j, "theta": theta}


class TreeScattering1D(_TreeScattering):
    r"""1D scattering by a filter-bank tree (see the module docstring).

    Parameters
    ----------
    J : int
        Number of levels; the output is subsampled by :math:`2^J`.
    shape : int
        Signal length, divisible by ``2**J``.
    L : int
        Ignored in 1D (one band-pass filter per scale); kept for symmetry.
    max_order : int, default 2
        Largest order (``<= J``).
    family : {'morlet', 'haar'}
        Filter family (:mod:`scatkit.filters.tree`).
    out_type : {'array', 'list'}
    size, low_size, out_size : int, optional
        Taps of the designed ('morlet') filters.
    modulus_lowpass : bool, default False
        Apply the modulus to low-pass outputs too (every layer then is
        "convolution + modulus", a plain depthwise CNN).
    batch_size, check_finite
        As for :class:`scatkit.Scattering1D`.

    Notes
    -----
    Output ``(..., C, N / 2**J)``; channels ordered by order, then path
    ``(j1, theta1, j2, ...)`` as :class:`scatkit.Scattering2D`.
    """

    ndim = 1
    channel_axis = -2


class TreeScattering2D(_TreeScattering):
    r"""2D scattering by a filter-bank tree (see the module docstring).

    Parameters
    ----------
    J : int
        Number of levels; the output is subsampled by :math:`2^J` on both axes.
    shape : (int, int)
        Image size, both sides divisible by ``2**J``.
    L : int, default 8
        Orientations of the 'morlet' family (Haar has 3: horizontal, vertical,
        diagonal).
    max_order, family, out_type, size, low_size, out_size, modulus_lowpass,
    batch_size, check_finite
        As for :class:`TreeScattering1D`.

    Notes
    -----
    Output ``(..., C, M / 2**J, N / 2**J)``.  With ``family='morlet'`` the
    channels match :class:`scatkit.Scattering2D` (same ``J``, ``L``,
    ``max_order``) one to one.
    """

    ndim = 2
    channel_axis = -3
