r"""One-dimensional scattering transform (Andén & Mallat, IEEE TSP 2014).

.. math::

    S x = \Big\{ x\star\phi,\ |x\star\psi_{\lambda_1}|\star\phi,\
    ||x\star\psi_{\lambda_1}|\star\psi_{\lambda_2}|\star\phi, \dots\Big\}

with a constant-Q first-order bank (``Q1`` wavelets per octave), a
second-order (and third-order) bank with ``Q2`` wavelets per octave, only paths
of increasing scale, an averaging scale ``T`` and an output ``stride``.
Coefficients agree with the development line of Kymatio's ``Scattering1D``
(same keywords and defaults) to float precision.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..filters.morlet1d import (CRITERION_AMPLITUDE, SIGMA0, MorletRows, band_top, filter_bank_1d,
                                gauss_1d, temporal_support)
from . import cascade
from .base import ScatteringBase, check_int, check_shape
from .cascade import FAST_EPS, CascadeTransform, band_exponents, build_plan

#: largest order of the cascade
MAX_ORDER = 3
#: the padding is this many times the low-pass's temporal support
PAD_SUPPORTS = 3
#: wavelets per pass when fast mode measures their bands (bounds the temporaries)
BAND_ROWS = 32
#: Multiple of the cascade's chunk budget (:data:`scatkit.transforms.cascade.CHUNK_BYTES`)
#: that 1D fast mode uses.  A 1D plan has many groups of small arrays (30 at J=8,
#: Q=12), and a chunk pays the Python-level work of every group under the GIL, so
#: chunks of two signals (what 32 MiB allows at J=8 Q=12 on 8192 samples, in two
#: threads) spend much of their time there.  Measured (two threads, median of 9
#: calls, three alternations; scratch probes, 2026-11-30): 1D J=8 Q=12, 64 x 8192
#: exact 155-177 -> 146-156 ms, fast 39-41 -> 36-37 ms; 1D J=10 Q=8, 8 x 65536 fast
#: 58-59 -> 53-56 ms, exact unchanged (one signal per chunk either way).  The peaks
#: grow by about 30 MB on J=8 Q=12 (Kymatio's is about 160 MB there).  In 2D the
#: larger budget was slower (J=2 L=8, 1024 x 28x28: 154-156 -> 160-165 ms).  Larger
#: fast-mode budgets gained nothing (5 x 32 MiB: 102 -> 104 and 135 -> 132 ms on the
#: two workloads, scratch probe, 2026-11-30 evening).
CHUNK_BYTES_FACTOR = 2
#: The same multiple in the exact mode, whose arrays are larger: the chunks of all
#: threads together may take 5 x 32 MiB, one chunk at most
#: :data:`EXACT_MAX_CHUNK_FACTOR` x 32 MiB.  On 1D J=10 Q=8 (8 x 65536 samples,
#: 39 MB of intermediates per signal) a chunk then holds two signals instead of one:
#: each FFT call transforms twice as many rows, which pocketfft computes four at a
#: time with SIMD instructions (a lone row of 131072 complex64 samples took 3.6 ms,
#: against 0.8-0.95 ms per row in calls of 4 to 24 rows), and the Python-level work
#: per group is paid half as often.  Measured with ``benchmarks/chunk_budget_1d.py``
#: (two threads, medians of 12 alternating calls, 2026-11-30 evening): 1D J=10 Q=8,
#: 8 x 65536: 390 -> 318 ms, peak 107 -> 165 MiB (Kymatio 0.3.0: 246); J=8 Q=12,
#: 64 x 8192: 452 -> 391 ms, peak 58 -> 131 MiB (Kymatio: 162).  docs/BENCHMARKS.md,
#: "1D exact chunks", has the table.
EXACT_CHUNK_BYTES_FACTOR = 5
#: Cap on one exact-mode chunk, as a multiple of 32 MiB.  Computed alone (one
#: thread), a chunk of the whole 5 x 32 MiB was slower than one of 2 x 32 MiB on
#: J=8 Q=12, 64 x 8192 (844 against 728 ms); with the cap it took 716 ms, and
#: J=10 Q=8 on 8 x 65536 717 -> 585 ms (``benchmarks/chunk_budget_1d.py --threads 1``).
EXACT_MAX_CHUNK_FACTOR = 2.5


def compute_padding(N: int, T: float, sigma0: float = SIGMA0,
                    criterion_amplitude: float = CRITERION_AMPLITUDE) -> tuple[int, int, int]:
    """Padded length and reflect padding of a signal of ``N`` samples.

    The low-pass's temporal support ``t`` (``l1`` residual below
    ``criterion_amplitude``) sets ``min_to_pad = 3 t``; the padded length is
    ``2**J_pad`` with ``J_pad = min(ceil(log2(N + 2 min_to_pad)), floor(log2(3N - 2)))``
    (the cap keeps the reflection shorter than the signal).

    Returns ``(N_padded, pad_left, pad_right)``.
    """
    grid = 2 ** max(int(math.ceil(math.log2(N))), 1)
    phi_f = gauss_1d(grid, sigma0 / T)
    min_to_pad = PAD_SUPPORTS * temporal_support(phi_f.reshape(1, -1), criterion_amplitude)
    J_pad = int(math.ceil(math.log2(N + 2 * min_to_pad)))
    if N > 1:
        J_pad = min(J_pad, int(math.floor(math.log2(3 * N - 2))))
    Np = 2**J_pad
    left = (Np - N) // 2
    return Np, left, Np - N - left


class Scattering1D(CascadeTransform, ScatteringBase):
    r"""1D scattering transform of signals of a fixed length.

    Parameters
    ----------
    J : int
        Number of octaves of the wavelet banks (``J >= 1``).
    shape : int or (int,)
        Signal length ``N``.
    Q : int or (int, int), default 1
        Wavelets per octave of the first-order bank and of the higher-order
        banks; an int ``Q`` means ``(Q, 1)``.
    T : int, optional
        Averaging scale in samples (default ``2**J``); ``1 <= T <= N``.
    stride : int, optional
        Output sampling step, a power of two no larger than ``T`` (default the
        largest power of two not above ``T``).
    max_order : {1, 2, 3}, default 2
    out_type : {'array', 'list'}, default 'array'
        ``'array'``: ``(..., C, N_out)``; ``'list'``: one dict per channel with
        ``coef``, ``order``, ``n``, ``j``, ``xi``, ``sigma``.
    batch_size : int, optional
        Process at most this many signals at a time (bounds memory; the output is
        identical). With NumPy inputs, as many chunks as there are FFT workers
        run at once in threads (``SCATKIT_NUM_THREADS=1``: one at a time).
    check_finite : bool, default True
        Reject inputs that contain NaN or infinity.
    fast : bool, default False
        Trade exactness for speed.  When ``N`` is a multiple of ``stride``, the
        signal is not padded: the convolutions are circular on its own ``N``
        samples (as in :class:`scatkit.stats.PeriodicScattering1D`), which halves
        the FFT length of a power-of-two ``N`` (reflection padding doubles it)
        and changes the coefficients near the two ends, where the signal now
        wraps around.  Every modulus is computed at the rate of its own
        bandwidth (:func:`~scatkit.transforms.cascade.band_exponents`) instead
        of that of its wavelet's highest frequency (but fine enough for the
        wavelets applied to it next), and those wavelets and the low-pass are
        cropped in frequency to its grid's band instead of periodized: the
        narrow constant-Q wavelets' moduli are computed on grids several times
        smaller.  In every case, Fourier bins where every filter is below
        ``cascade.FAST_EPS`` of its peak are skipped instead of
        ``cascade.EXACT_EPS``.  docs/BENCHMARKS.md gives the measured speed,
        difference to the exact coefficients and spoken-digit accuracy.

    Notes
    -----
    Channels are ordered by order, then by filter indices (decreasing centre
    frequency).  Signals are reflect-padded to a power of two (see
    :func:`compute_padding`).
    """

    ndim = 1
    channel_axis = -2

    def __init__(self, J, shape, Q=1, T=None, stride=None, max_order=2, out_type="array", *,
                 batch_size=None, check_finite=True, fast=False):
        super().__init__(out_type=out_type, batch_size=batch_size, check_finite=check_finite)
        self.fast = bool(fast)
        self._ops = None
        self.J = check_int("J", J, minimum=1, maximum=32)
        self.shape = check_shape(shape, 1)
        N = self.shape[0]
        if isinstance(Q, numbers.Integral) and not isinstance(Q, bool):
            Q = (int(Q), 1)
        try:
            Q = tuple(Q)
        except TypeError:
            raise TypeError(f"Q must be an int or a pair of ints, got {Q!r}") from None
        if len(Q) != 2:
            raise ValueError(f"Q must be an int or a pair (Q1, Q2), got {Q!r}")
        self.Q = (check_int("Q1", Q[0], 1, 128), check_int("Q2", Q[1], 1, 128))
        if T is None:
            T = 2**self.J
        if isinstance(T, bool) or not isinstance(T, numbers.Real) or not T >= 1:
            raise ValueError(f"T must be a number >= 1 (samples), got {T!r}")
        if T > N:
            raise ValueError(f"T = {T} exceeds the signal length N = {N}: lower J (T defaults to "
                             "2**J) or pass a smaller T")
        self.T = T
        self.log2_T = int(math.floor(math.log2(T)))
        if stride is None:
            stride = 2**self.log2_T
        stride = check_int("stride", stride, minimum=1)
        if stride & (stride - 1) or stride > 2**self.log2_T:
            raise ValueError(f"stride must be a power of two no larger than T = {T}, got {stride}")
        self.stride = stride
        self.log2_stride = int(math.log2(stride))
        self.max_order = check_int("max_order", max_order, minimum=1, maximum=MAX_ORDER)
        self.N_padded, self.pad_left, self.pad_right = compute_padding(N, T)
        if self.fast and N % self.stride == 0:  # fast: circular, on the signal's own grid
            self.N_padded, self.pad_left, self.pad_right = N, 0, 0
        if self.pad_left >= N or self.pad_right >= N:
            raise ValueError(f"signal of {N} samples is too short to reflect-pad to "
                             f"{self.N_padded}; use a larger signal or a smaller T/J")
        k = self.log2_stride
        self.ind_start = -(-self.pad_left // 2**k)
        self.ind_end = -(-(self.pad_left + N) // 2**k)
        self._bank = None
        from ..filters.morlet1d import morlet_bank_params

        self._params = {1: morlet_bank_params(self.J, self.Q[0]),
                        2: morlet_bank_params(self.J, self.Q[1])}
        filter_j = {m: self._params[min(m, 2)].j for m in range(1, self.max_order + 1)}
        filter_k = ({m: self._band_exponents(m) for m in filter_j} if self.fast else None)
        self.plan = build_plan(filter_j, self.max_order, k_cap=self.log2_stride,
                               k_out=self.log2_stride, filter_k=filter_k)

    def _band_exponents(self, m: int) -> np.ndarray:
        """Fast mode's subsampling exponent of each order-``m`` wavelet's modulus.

        The largest at which the modulus keeps its band
        (:func:`~scatkit.transforms.cascade.band_exponents`) and the grid still
        holds the significant bands of the wavelets applied to it next (its
        admissible children, :func:`~scatkit.filters.morlet1d.band_top` below the
        Nyquist frequency): a child far above the modulus's band would otherwise
        read only the aliased tail of its spectrum.  Never below the exact rule's,
        non-decreasing along the bank.
        """
        params = self._params[min(m, 2)]
        rows = MorletRows(self.N_padded, params.xi, params.sigma)
        k = np.concatenate([band_exponents(rows[a:a + BAND_ROWS], FAST_EPS)
                            for a in range(0, len(rows), BAND_ROWS)])
        if m < self.max_order:
            children = self._params[2]
            top = band_top(children.xi, children.sigma, FAST_EPS)  # cycles per sample
            for n, j in enumerate(params.j):
                admissible = children.j > j  # build_plan's rule
                if admissible.any():
                    k[n] = min(k[n], math.floor(-math.log2(2.0 * top[admissible].max())))
        return np.maximum.accumulate(np.maximum(k, params.j))

    def _chunk_bytes(self) -> int:  # the module constants, read at the call
        factor = CHUNK_BYTES_FACTOR if self.fast else EXACT_CHUNK_BYTES_FACTOR
        return int(factor * cascade.CHUNK_BYTES)

    def _max_chunk_bytes(self) -> int | None:
        return None if self.fast else int(EXACT_MAX_CHUNK_FACTOR * cascade.CHUNK_BYTES)

    @property
    def _crop(self) -> float | None:
        """``crop`` of :func:`~scatkit.filters.morlet1d.filter_bank_1d`: fast mode's threshold."""
        return FAST_EPS if self.fast else None

    @property
    def bank(self):
        """The :class:`~scatkit.filters.morlet1d.FilterBank1D` (built on first use)."""
        if self._bank is None:
            self._bank = filter_bank_1d(self.N_padded, self.J, self.Q, self.T,
                                        max_level_phi=self.log2_stride,
                                        max_level_psi2=self.log2_stride, crop=self._crop)
        return self._bank

    def _numpy_filters(self):
        return self._filters_of(self.bank)

    def _cascade_filters(self):
        # the fold terms are built group by group: the first-order wavelets (the
        # largest bank) are built a group of rows at a time, never all at once
        if self._bank is not None:
            return self._numpy_filters()
        return self._filters_of(filter_bank_1d(self.N_padded, self.J, self.Q, self.T,
                                               max_level_phi=self.log2_stride,
                                               max_level_psi2=self.log2_stride,
                                               lazy_first_order=True, crop=self._crop))

    def _filters_of(self, bank):
        half = [p[: p.shape[-1] // 2 + 1] for p in bank.phi]
        return {"phi_half": half,
                "psi": {m: bank.psi[min(m, 2)] for m in range(1, self.max_order + 1)}}

    @property
    def cascade_shape(self) -> tuple[int, ...]:
        """The padded grid the cascade runs on."""
        return (self.N_padded,)

    @property
    def output_channels(self) -> int:
        return self.plan.n_paths

    def output_shape(self):
        return (self.output_channels, self.ind_end - self.ind_start)

    def _compute_chunk(self, backend, x, filters):
        if self.pad_left or self.pad_right:
            x = backend.pad(x, ((self.pad_left, self.pad_right),), mode="reflect")
        out = self._cascade(backend, x, filters)
        return out[..., self.ind_start:self.ind_end]

    def meta(self):
        """Per-channel ``order`` (C,) and ``n``, ``j``, ``xi``, ``sigma`` (C, max_order),
        NaN-padded; ``xi`` and ``sigma`` in cycles per sample."""
        C, M = self.plan.n_paths, self.max_order
        out = {"order": np.array([len(p) for p in self.plan.paths])}
        for key in ("n", "j", "xi", "sigma"):
            out[key] = np.full((C, M), np.nan)
        for c, p in enumerate(self.plan.paths):
            for m, n in enumerate(p):
                params = self._params[min(m + 1, 2)]
                out["n"][c, m] = n
                out["j"][c, m] = params.j[n]
                out["xi"][c, m] = params.xi[n]
                out["sigma"][c, m] = params.sigma[n]
        return out
