r"""Two-dimensional scattering transform (Bruna & Mallat, IEEE PAMI 2013).

.. math::

    S_J x = \Big\{ x\star\phi_J,\ |x\star\psi_{j_1,\theta_1}|\star\phi_J,\
    ||x\star\psi_{j_1,\theta_1}|\star\psi_{j_2,\theta_2}|\star\phi_J, \dots\Big\}_{j_1<j_2<\dots}

sampled every :math:`2^J` pixels.  Coefficients agree with Kymatio's
``Scattering2D`` (same keywords and defaults) to float precision.
"""

from __future__ import annotations

import numpy as np

from ..filters.morlet2d import Morlet2DRows, crop_fourier, filter_bank_2d, low_pass_2d
from . import cascade
from .base import ScatteringBase, check_int, check_shape
from .cascade import (FAST_GROUP_ELEMENTS, GROUP_ELEMENTS, CascadeTransform, build_plan,
                      bytes_per_sample, group_cap)

#: largest order of the cascade
MAX_ORDER = 3
#: Images whose intermediate arrays (:func:`~.cascade.bytes_per_sample`, complex64) take
#: at most this many bytes are computed in chunks of :data:`SMALL_IMAGE_CHUNK_FACTOR`
#: times the cascade's budget ...
SMALL_IMAGE_BYTES = 4 * 2**20
#: ... a chunk of small images being faster when it is smaller: its arrays stay in the
#: caches through the passes over them, and it still holds several images.  Measured
#: (two threads, medians of 7-9 alternating calls, identical output; scratch probes,
#: 2026-11-30 evening), 32 MiB against 16 MiB: J=2 L=8 on 1024 x 28x28 (0.52 MB per
#: image) exact 153-155 -> 135-137 ms, fast 77-84 -> 73-74 ms; J=2 on 1024 x 32x32
#: (0.64 MB) 179 -> 154 ms; J=2 and J=3 on 256 x 64x64 (2.1, 2.6 MB) 165 -> 149 and
#: 279-301 -> 266-272 ms; J=3 on 512 x 48x48 (1.7 MB) 317 -> 315 ms.  Larger images lose:
#: J=3 on 64 x 128x128 (4.7 MB) 238 -> 236 ms, J=4 on 64 x 96x96 (6.7 MB) 192 -> 206 ms,
#: J=4 on 16 x 256x256 (9.3 MB) exact 239 -> 249 ms, fast 111 -> 113 ms.
SMALL_IMAGE_CHUNK_FACTOR = 0.5


def padded_size(n: int, J: int) -> int:
    """Padded length of an axis of ``n`` pixels: ``((n + 2**J) // 2**J + 1) * 2**J``."""
    return ((n + 2**J) // 2**J + 1) * 2**J


def _half(p: np.ndarray) -> np.ndarray:
    """The half spectrum (last axis ``n // 2 + 1``) of a filter on the full spectrum."""
    return p[..., : p.shape[-1] // 2 + 1]


class Scattering2D(CascadeTransform, ScatteringBase):
    r"""2D scattering transform of images of a fixed size.

    Parameters
    ----------
    J : int
        Averaging scale :math:`2^J` (``J >= 1``); the output is subsampled by
        :math:`2^J` on both axes.
    shape : (int, int)
        Image size ``(M, N)``; each side must exceed ``2**J``.
    L : int, default 8
        Number of orientations in :math:`[0, \pi)`.
    max_order : {1, 2, 3}, default 2
        Largest scattering order.
    out_type : {'array', 'list'}, default 'array'
        ``'array'``: an array of shape ``(..., C, M // 2**J, N // 2**J)``;
        ``'list'``: one dict per channel with ``coef``, ``order``, ``j``, ``theta``.
    batch_size : int, optional
        Process at most this many images at a time (bounds memory; the output is
        identical). With NumPy inputs, as many chunks as there are FFT workers
        run at once in threads (``SCATKIT_NUM_THREADS=1``: one at a time).
    check_finite : bool, default True
        Reject inputs that contain NaN or infinity.
    fast : bool, default False
        Trade exactness for speed.  When both sides are multiples of ``2**J``,
        the image is not padded: the convolutions are circular on its own grid
        (as in :class:`scatkit.stats.PeriodicScattering2D`), which changes the
        coefficients near the borders, where the image now wraps around.  In
        every case a wavelet product that is subsampled is cropped in frequency
        instead of periodized: each wavelet keeps the window of the subsampled
        grid's size that holds most of its energy, and its tails outside it are
        dropped (:func:`~scatkit.transforms.cascade.crop_terms`; up to about 1 %
        of the largest coefficient and 5 % of a channel's norm, measured).  This
        applies where the windows leave out at most ``cascade.CROP_MAX_LOSS`` of
        the wavelets' energy (``L >= 4``); wider wavelets are periodized as in
        the exact mode.  Elsewhere, Fourier bins where every filter is below
        ``cascade.FAST_EPS`` of its peak are skipped instead of
        ``cascade.EXACT_EPS``.  docs/BENCHMARKS.md gives the measured speed,
        difference to the exact coefficients and MNIST accuracy.
    oversampling : int, default 0
        Sample the averaged output every :math:`2^{J - o}` pixels instead of
        every :math:`2^J` (``0 <= o <= J``), as Bruna & Mallat (2013) and Oyallon
        & Mallat (2015) do on small images.  The moduli are then never subsampled
        below that resolution either: with ``o <= 1`` nothing else changes, and the
        samples ``[..., ::2**o, ::2**o]`` are the coefficients of ``oversampling=0``
        (to float rounding).  With ``o >= 2`` the moduli of scales
        :math:`j > J - o`, which ``oversampling=0`` computes on coarser grids, are
        kept at :math:`2^{J-o}`: their next wavelet transform is then free of the
        coarse grid's aliasing, and the order-2 coefficients differ slightly from
        ``oversampling=0``'s (tested: they equal those of ``oversampling=0`` with
        the same intermediate resolutions).

    Notes
    -----
    Channels are ordered: order 0, then order 1 by ``(j1, theta1)``, order 2 by
    ``(j1, theta1, j2, theta2)`` with ``j2 > j1``, order 3 likewise.  Their
    number is :math:`1 + JL + L^2 J(J-1)/2 + L^3 \binom{J}{3}`.  Images are
    padded by reflection to ``padded_size`` and the border row and column of the
    output are dropped.
    """

    ndim = 2
    channel_axis = -3
    #: reflection padding needs sides larger than the largest scale ``2**J``; circular
    #: transforms (:class:`scatkit.stats.PeriodicScattering2D`) may reach it
    _side_may_equal_2J = False

    def __init__(self, J, shape, L=8, max_order=2, out_type="array", *, batch_size=None,
                 check_finite=True, fast=False, oversampling=0):
        super().__init__(out_type=out_type, batch_size=batch_size, check_finite=check_finite)
        self.fast = bool(fast)
        self._ops = None
        self.J = check_int("J", J, minimum=1)
        self.oversampling = check_int("oversampling", oversampling, minimum=0, maximum=self.J)
        self.shape = check_shape(shape, 2)
        self.L = check_int("L", L, minimum=1)
        self.max_order = check_int("max_order", max_order, minimum=1, maximum=MAX_ORDER)
        M, N = self.shape
        if min(M, N) < 2**self.J or (min(M, N) == 2**self.J and not self._side_may_equal_2J):
            raise ValueError(f"the image ({M}x{N}) must be larger than 2**J = {2**self.J} on "
                             f"both sides; lower J to at most {int(np.log2(max(min(M, N) - 1, 1)))}"
                             " or pad the images")
        self.padded_shape = self._cascade_grid()
        self.pads = tuple(((p - n) // 2, p - n - (p - n) // 2)
                          for p, n in zip(self.padded_shape, self.shape))
        self._bank = None
        bank_j = np.repeat(np.arange(self.J), self.L)
        self.plan = build_plan({m: bank_j for m in range(1, self.max_order + 1)},
                               self.max_order, k_cap=self.J - self.oversampling,
                               k_out=self.J - self.oversampling,
                               max_paths=group_cap(self.padded_shape, self._group_elements()))

    def _group_elements(self) -> int:
        """Most values per image of one group of paths: :data:`~.cascade.FAST_GROUP_ELEMENTS`
        in fast mode and on circular grids, where it measured faster, else
        :data:`~.cascade.GROUP_ELEMENTS`."""
        circular = tuple(self.padded_shape) == tuple(self.shape)
        return FAST_GROUP_ELEMENTS if self.fast or circular else GROUP_ELEMENTS

    def _chunk_bytes(self) -> int:
        """The cascade's budget (read at the call), times :data:`SMALL_IMAGE_CHUNK_FACTOR`
        for images of at most :data:`SMALL_IMAGE_BYTES` of intermediate arrays."""
        if bytes_per_sample(self.plan, self.cascade_shape) <= SMALL_IMAGE_BYTES:
            return int(SMALL_IMAGE_CHUNK_FACTOR * cascade.CHUNK_BYTES)
        return cascade.CHUNK_BYTES

    def _crops(self) -> bool:
        """Fast mode crops the subsampled wavelet products in frequency
        (:func:`~.cascade.crop_terms`)."""
        return self.fast

    def _cascade_grid(self) -> tuple[int, int]:
        """The grid the cascade runs on (the plan's group sizes follow it): the image
        padded by reflection to Kymatio's sizes, or, in fast mode when ``2**J``
        divides both sides, the image's own grid (circular convolutions)."""
        M, N = self.shape
        if self.fast and M % 2**self.J == 0 and N % 2**self.J == 0:
            return (M, N)
        return (padded_size(M, self.J), padded_size(N, self.J))

    @property
    def bank(self):
        """The :class:`~scatkit.filters.morlet2d.FilterBank2D` (built on first use)."""
        if self._bank is None:
            self._bank = filter_bank_2d(*self.padded_shape, self.J, self.L)
        return self._bank

    def _numpy_filters(self):
        bank = self.bank
        return {"phi_half": [_half(p) for p in bank.phi],
                "psi": {m: bank.psi for m in range(1, self.max_order + 1)}}

    def _cascade_filters(self):
        # the same filters, wavelets built a group of rows at a time (bounded memory)
        M, N = self.padded_shape
        phi = low_pass_2d(M, N, self.J)
        rows = [Morlet2DRows(M, N, self.J, self.L, r) for r in range(len(self.bank_levels))]
        return {"phi_half": [_half(crop_fourier(phi, r)) for r in range(self.J)],
                "psi": {m: rows for m in range(1, self.max_order + 1)}}

    @property
    def cascade_shape(self) -> tuple[int, ...]:
        """The padded grid the cascade runs on."""
        return tuple(self.padded_shape)

    @property
    def output_channels(self) -> int:
        return self.plan.n_paths

    @property
    def output_step(self) -> int:
        """Pixels between output samples, ``2**(J - oversampling)``."""
        return 2 ** (self.J - self.oversampling)

    def output_shape(self):
        step = self.output_step
        return (self.output_channels, self.shape[0] // step, self.shape[1] // step)

    def _compute_chunk(self, backend, x, filters):
        if any(p for pair in self.pads for p in pair):
            x = backend.pad(x, self.pads, mode="reflect")
        out = self._cascade(backend, x, filters)
        # drop the samples of the padding: one sample of 2**J on each side (Kymatio's
        # convention), i.e. 2**oversampling samples of the finer grid (none if circular)
        first = 2**self.oversampling if self.padded_shape != tuple(self.shape) else 0
        _, M, N = self.output_shape()
        return out[..., first:first + M, first:first + N]

    @property
    def bank_levels(self) -> range:
        """Resolutions at which the wavelets are kept (those of :attr:`bank`)."""
        return range(max(self.J - 1, 1))

    def meta(self):
        """Per-channel ``order`` (C,), ``j`` and ``theta`` (C, max_order), NaN-padded."""
        C, M = self.plan.n_paths, self.max_order
        order = np.array([len(p) for p in self.plan.paths])
        j = np.full((C, M), np.nan)
        theta = np.full((C, M), np.nan)
        for c, p in enumerate(self.plan.paths):
            for m, n in enumerate(p):
                j[c, m], theta[c, m] = divmod(n, self.L)
        return {"order": order, "j": j, "theta": theta}
