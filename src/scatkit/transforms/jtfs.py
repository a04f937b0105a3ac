r"""Joint time–frequency scattering (Andén, Lostanlen & Mallat, IEEE TSP 2019).

Let :math:`U_1x(t, \lambda) = |x \star \psi_\lambda|(t)` be the scalogram of
:math:`x` (the first-order 1D scattering bank, ``Q`` wavelets per octave), seen
as a function of time and of the first-order filter index :math:`\lambda`
(log-frequency).  Joint time–frequency scattering convolves it with separable
two-dimensional wavelets :math:`\Psi_{\mu,\ell,s}(t,\lambda) = \psi_\mu(t)\,
\psi_{\ell,s}(\lambda)` -- a temporal wavelet of the second-order bank times a
*frequential* Morlet wavelet of scale :math:`2^\ell` and spin :math:`s = \pm 1`
(:math:`\psi_{\ell,-1}(\lambda) = \psi_{\ell,+1}(\lambda)^*`, i.e. up- and
down-going ridges) -- takes a modulus and averages over time (scale ``T``) and
log-frequency (scale ``F``):

.. math::

    S_2 x(t, \lambda, \mu, \ell, s) = \Big|U_1x \star_t \psi_\mu \star_\lambda
    \psi_{\ell,s}\Big| \star_t \phi_T \star_\lambda \phi_F .

The paths that are low-pass in one direction complete the representation:
:math:`|U_1x \star_t \psi_\mu \star_\lambda \phi_F| \star_t \phi_T` (spin 0,
order 2), :math:`|U_1x \star_t \phi_T \star_\lambda \psi_{\ell,+1}| \star_\lambda
\phi_F` and :math:`U_1x \star_t\phi_T \star_\lambda \phi_F` (order 1), and
:math:`x\star\phi_T` (order 0).  Andén, Lostanlen & Mallat, "Joint time–frequency
scattering", IEEE Trans. Signal Process. 67(14), 2019 (arXiv:1807.08869);
Muradeli, Vahidi, Wang, Han, Lostanlen, Lagrange & Fazekas, "Differentiable
time–frequency scattering on GPU", DAFx 2022 (arXiv:2204.08269).

Implementation conventions (those of Kymatio's development line, whose outputs
this module reproduces to ~1e-8; every one was inferred from its outputs and
meta data, see ``docs/jtfs.md``):

* time: the first- and second-order banks, padding, subsampling and unpadding
  are those of :class:`~scatkit.transforms.scattering1d.Scattering1D`; a
  second-order wavelet :math:`\psi_\mu` of maximal subsampling :math:`j_2` meets
  only the first-order channels with :math:`j_1 < j_2`;
* log-frequency: the frequential bank is a 1D Morlet bank with ``J_fr`` octaves,
  ``Q_fr`` wavelets per octave and a Gaussian low-pass of width ``0.1 / F``;
  spin-down wavelets are Morlet wavelets built at :math:`-\xi`; the channel axis
  is zero-padded *after* the last channel to :func:`frequential_padding`
  channels (circular convolutions); a wavelet of maximal subsampling
  :math:`j_{fr}` subsamples by :math:`2^{\min(j_{fr}, \log_2 F)}`, and all outputs
  are subsampled by ``stride_fr``;
* ``format='time'`` flattens log-frequency into channels (order 0, then order 1
  by frequential filter then channel, then order 2 by temporal wavelet,
  frequential filter, channel) and keeps the first ``ceil(n_channels /
  stride_fr)`` frequential outputs of each path; ``format='joint'`` keeps the
  whole (padded) log-frequency axis: ``(..., paths, N_fr_padded / stride_fr,
  time)`` without order 0.
"""

from __future__ import annotations

import math

import numpy as np

from ..filters.morlet1d import SIGMA0, filter_bank_1d, gauss_1d, morlet_1d_bank, \
    morlet_bank_params, periodize
from .base import ScatteringBase, check_int
from .cascade import _runs, hermitian_full
from .scattering1d import Scattering1D

#: output formats
FORMATS = ("time", "joint")
#: the frequential padding leaves at least this many times ``min(F, 2**J_fr)``
#: zero channels after the nominal number of channels (see :func:`frequential_padding`)
FR_PAD_FACTOR = 8


def frequential_padding(J: int, Q1: int, J_fr: int, F: int,
                        pad_factor: int = FR_PAD_FACTOR) -> int:
    r"""Length of the zero-padded log-frequency axis.

    .. math::

        N_{fr} = 2^{J_{fr}} \left\lfloor \frac{Q_1 (J + 1) + 8 \min(F, 2^{J_{fr}})}
        {2^{J_{fr}}}\right\rfloor

    -- a multiple of every frequential subsampling factor, at least
    ``8 min(F, 2**J_fr)`` channels longer than the nominal size :math:`Q_1(J+1)`
    of the first-order bank (one more octave than the constant-Q part).  This is
    the rule that reproduces the frequential lengths of Kymatio's development
    line on the reference outputs (e.g. 88 for ``J=6, Q=8, J_fr=2``).
    """
    step = 2**J_fr
    return step * ((Q1 * (J + 1) + pad_factor * min(F, step)) // step)


def _power_of_two(name: str, value, upper: int | None = None) -> int:
    value = check_int(name, value, minimum=1)
    if value & (value - 1):
        raise ValueError(f"{name} must be a power of two, got {value}")
    if upper is not None and value > upper:
        raise ValueError(f"{name} must be at most {upper}, got {value}")
    return value


class TimeFrequencyScattering(ScatteringBase):
    r"""Joint time–frequency scattering of 1D signals (see the module docstring).

    Parameters
    ----------
    J : int
        Octaves of the temporal wavelet banks.
    J_fr : int
        Octaves of the frequential wavelet bank.
    Q : int or (int, int)
        Wavelets per octave of the first- and second-order temporal banks (an int
        ``Q`` means ``(Q, 1)``).
    shape : int or (int,)
        Signal length ``N``.
    T : int, optional
        Temporal averaging scale (default ``2**J``).
    stride : int, optional
        Temporal output step, a power of two no larger than ``T`` (default the
        largest power of two not above ``T``).
    Q_fr : int, default 1
        Frequential wavelets per octave.
    F : int, optional
        Frequential averaging scale, a power of two (default ``2**J_fr``).
    stride_fr : int, optional
        Frequential output step, a power of two no larger than ``F`` (default ``F``).
    out_type : {'array', 'list'}
    format : {'time', 'joint'}
        ``'time'``: ``(..., C, N_out)`` with log-frequency flattened into channels;
        ``'joint'``: ``(..., P, N_fr_out, N_out)``, one row per joint path.
    batch_size : int, optional
        Process at most this many signals at once (bounds memory; the output is
        identical). With NumPy inputs, as many chunks as there are FFT workers
        run at once in threads (``SCATKIT_NUM_THREADS=1``: one at a time).
    check_finite : bool, default True

    Notes
    -----
    Energy: without subsampling (``stride=1, stride_fr=1, format='joint'``),
    :math:`\|Sx\|^2 \le (1 + A_1 A_{fr} (1 + A_2)) \|x_{pad}\|^2` with :math:`A_1, A_2,
    A_{fr}` the largest Littlewood–Paley sums of the first-order, second-order and
    frequential banks (:math:`\hat\phi_F` included) and :math:`x_{pad}` the padded
    input, since the modulus and the averaging by an :math:`\ell^1`-normalised
    low-pass never increase energy (``tests/test_jtfs.py::test_energy_bound``).
    """

    ndim = 1
    channel_axis = -2

    def __init__(self, J, J_fr, Q, shape, T=None, stride=None, Q_fr=1, F=None, stride_fr=None,
                 out_type="array", format="time", *, batch_size=None, check_finite=True):
        super().__init__(out_type=out_type, batch_size=batch_size, check_finite=check_finite)
        if format not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
        if format == "joint" and out_type == "list":
            raise ValueError("out_type='list' is only available with format='time'")
        self.format = format
        self.J_fr = check_int("J_fr", J_fr, minimum=1, maximum=16)
        self.Q_fr = check_int("Q_fr", Q_fr, 1, 32)
        # the time axis is exactly Scattering1D's: same checks of J, shape, Q, T and
        # stride, same padding, filters and unpadding
        time = Scattering1D(J, shape, Q=Q, T=T, stride=stride, max_order=1)
        self.J, self.shape, self.Q, self.T = time.J, time.shape, time.Q, time.T
        self.log2_T, self.stride, self.log2_stride = time.log2_T, time.stride, time.log2_stride
        self.N_padded, self.pad_left, self.pad_right = time.N_padded, time.pad_left, time.pad_right
        self.ind_start, self.ind_end = time.ind_start, time.ind_end
        self.F = _power_of_two("F", 2**self.J_fr if F is None else F)
        self.log2_F = int(math.log2(self.F))
        self.stride_fr = _power_of_two("stride_fr", self.F if stride_fr is None else stride_fr,
                                       self.F)
        self.log2_stride_fr = int(math.log2(self.stride_fr))
        self.p1 = morlet_bank_params(self.J, self.Q[0])
        self.p2 = morlet_bank_params(self.J, self.Q[1])
        self.p_fr = morlet_bank_params(self.J_fr, self.Q_fr)
        self.N_fr = len(self.p1.xi)
        # a multiple of every frequential subsampling factor, holding every channel
        step = 2 ** max(self.J_fr, self.log2_stride_fr)
        self.N_fr_padded = step * -(-max(frequential_padding(self.J, self.Q[0], self.J_fr, self.F),
                                         self.N_fr) // step)
        # second-order wavelets and the first-order channels each one meets (j1 < j2)
        self.order2 = [(n2, int(np.sum(self.p1.j < j2))) for n2, j2 in enumerate(self.p2.j)
                       if np.sum(self.p1.j < j2) > 0]
        self._paths = self._build_paths()

    # -- structure ---------------------------------------------------------------
    @property
    def n_fr_filters(self) -> int:
        """Number of frequential wavelets per spin."""
        return len(self.p_fr.xi)

    def _fr_filters(self, spinned: bool):
        """Frequential filters of a path family: ``(n_fr, spin)``, low-pass first."""
        K = self.n_fr_filters
        out = [(0, 0)] + [(1 + i, 1) for i in range(K)]
        if spinned:
            out += [(1 + K + i, -1) for i in range(K)]
        return out

    def _n_out_fr(self, n_in: int) -> int:
        if self.format == "joint":
            return self.N_fr_padded // self.stride_fr
        return -(-n_in // self.stride_fr)

    def _build_paths(self):
        """One entry per output row: ``(order, n1, n2, n_fr, spin)`` (``n1=None`` in
        joint format, where the log-frequency axis is kept)."""
        rows = [] if self.format == "joint" else [(0, None, None, None, None)]
        joint = self.format == "joint"
        for n_fr, spin in self._fr_filters(False):
            n1s = [None] if joint else range(self._n_out_fr(self.N_fr))
            rows += [(1, None if n1 is None else n1 * self.stride_fr, None, n_fr, spin)
                     for n1 in n1s]
        for n2, n_in in self.order2:
            for n_fr, spin in self._fr_filters(True):
                n1s = [None] if joint else range(self._n_out_fr(n_in))
                rows += [(2, None if n1 is None else n1 * self.stride_fr, n2, n_fr, spin)
                         for n1 in n1s]
        return rows

    @property
    def output_channels(self) -> int:
        return len(self._paths)

    def output_shape(self):
        t = self.ind_end - self.ind_start
        if self.format == "joint":
            return (self.output_channels, self.N_fr_padded // self.stride_fr, t)
        return (self.output_channels, t)

    # -- filters -----------------------------------------------------------------
    def _numpy_filters(self):
        bank = filter_bank_1d(self.N_padded, self.J, self.Q, self.T,
                              max_level_phi=self.log2_stride, max_level_psi2=self.log2_stride)
        Nf = self.N_fr_padded
        p = self.p_fr
        phi_fr = gauss_1d(Nf, SIGMA0 / self.F).real
        levels = sorted({min(int(j), self.log2_F, self.log2_stride_fr) for j in p.j})
        return {
            "phi_half": [h[: h.shape[-1] // 2 + 1] for h in bank.phi],
            "psi1": bank.psi[1][0],
            "psi2": bank.psi[2],
            "phi_fr": phi_fr,
            "avg_fr": {k: self._averaging_matrix(phi_fr, k) for k in levels},
            "psi_fr_up": morlet_1d_bank(Nf, p.xi, p.sigma),
            "psi_fr_down": morlet_1d_bank(Nf, -p.xi, p.sigma),
        }

    def _averaging_matrix(self, phi_fr: np.ndarray, k: int) -> np.ndarray:
        r"""Frequential low-pass and subsampling as a matrix.

        A signal at frequential resolution ``k`` (``N_fr_padded / 2**k`` samples) is
        circularly convolved with :math:`\phi_F` (its ``2**k``-fold periodization)
        and subsampled to ``stride_fr``: output ``r`` is
        :math:`\sum_c h[(r s - c) \bmod n]\, u[c]` with ``s = stride_fr / 2**k``.
        Returns the ``(N_fr_padded / stride_fr, n)`` matrix (a product with it costs
        less than two FFTs when few output rows are kept).
        """
        h = np.fft.ifft(periodize(phi_fr, 2**k)).real
        n = h.shape[-1]
        step = 2 ** (self.log2_stride_fr - k)
        rows = np.arange(n // step)[:, None] * step
        return h[(rows - np.arange(n)[None, :]) % n]

    # -- computation ---------------------------------------------------------------
    def _time_average(self, backend, u, k, filters):
        """Low-pass ``u`` (real, resolution ``k``) in time and subsample to the output."""
        n = u.shape[-1]
        s = backend.rfft(u, 1) * filters["phi_half"][k]
        s = backend.subsample_fourier_half(s, 2 ** (self.log2_stride - k), (n,))
        return backend.irfft(s, (n >> (self.log2_stride - k),))

    def _first_order(self, backend, x, filters):
        """``U1`` per group of equal resolution: list of ``(k1, slice, U1 full spectrum)``,
        and the time-averaged scalogram ``(B, n1, t)``."""
        xh = backend.fft(x, 1)[:, None]
        groups, S1 = [], []
        for a, b, j in _runs(self.p1.j):
            k1 = min(j, self.log2_stride)
            y = backend.subsample_fourier(xh * filters["psi1"][a:b], 2**k1, 1)
            u = backend.modulus(backend.ifft(y, 1))
            u_half = backend.rfft(u, 1)
            n = u.shape[-1]
            groups.append((k1, slice(a, b), hermitian_full(backend, u_half, (n,))))
            s = backend.subsample_fourier_half(u_half * filters["phi_half"][k1],
                                               2 ** (self.log2_stride - k1), (n,))
            S1.append(backend.irfft(s, (n >> (self.log2_stride - k1),)))
        return groups, backend.concatenate(S1, axis=1)

    def _second_order_wavelet(self, backend, groups, n2, n_in, filters):
        """``U1 * psi_{n2}`` over the first ``n_in`` channels, complex ``(B, n_in, t)``."""
        k2 = min(int(self.p2.j[n2]), self.log2_stride)
        parts = []
        for k1, sl, U in groups:
            if sl.start >= n_in:
                break
            stop = min(sl.stop, n_in) - sl.start
            y = U[:, :stop] * filters["psi2"][k1][n2]
            parts.append(backend.subsample_fourier(y, 2 ** (k2 - k1), 1))
        return backend.ifft(backend.concatenate(parts, axis=1), 1), k2

    def _frequency_scattering(self, backend, X, spinned, filters):
        """Frequential scattering of ``X`` (B, t, n_in), log-frequency last.

        Returns ``(B, paths, t, n_out)`` with paths low-pass, spin up (, spin down);
        the low-pass path keeps its sign for real inputs (no modulus).  Frequential
        averaging after the modulus is a product with :meth:`_averaging_matrix`."""
        n_in = X.shape[-1]
        X = backend.pad(X, ((0, self.N_fr_padded - n_in),), mode="constant")
        Xh = backend.fft(X, 1)[:, None]  # (B, 1, t, Nf)
        ls = self.log2_stride_fr
        n_out = self._n_out_fr(n_in)
        low = backend.subsample_fourier(Xh * filters["phi_fr"], 2**ls, 1)
        low = backend.ifft(low, 1)[..., :n_out]
        outs = [backend.modulus(low) if spinned else backend.real(low)]
        banks = [filters["psi_fr_up"]] + ([filters["psi_fr_down"]] if spinned else [])
        for bank in banks:
            for a, b, j in _runs(self.p_fr.j):
                k = min(j, self.log2_F, ls)
                y = backend.subsample_fourier(Xh * bank[a:b, None, :], 2**k, 1)
                u = backend.modulus(backend.ifft(y, 1))
                outs.append(u @ filters["avg_fr"][k][:n_out].T)
        return backend.concatenate(outs, axis=1)

    def _compute(self, backend, x, filters):
        U0 = backend.pad(x, ((self.pad_left, self.pad_right),), mode="reflect")
        groups, S1 = self._first_order(backend, U0, filters)
        sl = slice(self.ind_start, self.ind_end)
        pieces = []
        if self.format == "time":
            S0 = self._time_average(backend, U0[:, None], 0, filters)
            pieces.append(S0[..., sl])
        # order 1: (B, paths, t, n_out) -> (B, paths, n_out, t)
        Y1 = self._frequency_scattering(backend, S1.swapaxes(-1, -2), False, filters)
        pieces.append(self._format(Y1.swapaxes(-1, -2)[..., sl]))
        for n2, n_in in self.order2:
            Y2, k2 = self._second_order_wavelet(backend, groups, n2, n_in, filters)
            V = self._frequency_scattering(backend, Y2.swapaxes(-1, -2), True, filters)
            V = V.swapaxes(-1, -2)  # (B, paths, n_out, t at resolution k2)
            pieces.append(self._format(self._time_average(backend, V, k2, filters)[..., sl]))
        return backend.concatenate(pieces, axis=1)

    def _format(self, Y):
        """(B, paths, n_fr_out, t) -> output rows of the chosen format."""
        if self.format == "joint":
            return Y
        return Y.reshape((Y.shape[0], -1, Y.shape[-1]))

    # -- meta ------------------------------------------------------------------------
    def meta(self):
        r"""Per-row ``order`` (C,), ``n``, ``j``, ``xi``, ``sigma`` (C, 2) and ``n_fr``,
        ``j_fr``, ``xi_fr``, ``sigma_fr``, ``spin`` (C,), NaN where undefined.

        ``n[:, 0]`` is the first-order channel at which a row's log-frequency output
        sits (``k * stride_fr``; NaN in ``format='joint'``), ``n[:, 1]`` the
        second-order wavelet; ``n_fr`` is 0 for the frequential low-pass, ``1..K``
        for spin-up and ``K+1..2K`` for spin-down wavelets; ``xi_fr`` is negative
        for spin down.  Rows follow the output order.
        """
        C = self.output_channels
        out = {"order": np.array([r[0] for r in self._paths], dtype=np.int64)}
        for key in ("n", "j", "xi", "sigma"):
            out[key] = np.full((C, 2), np.nan)
        for key in ("n_fr", "j_fr", "xi_fr", "sigma_fr", "spin"):
            out[key] = np.full(C, np.nan)
        K = self.n_fr_filters
        for c, (order, n1, n2, n_fr, spin) in enumerate(self._paths):
            if order == 0:
                continue
            for m, (n, p) in enumerate(((n1, self.p1), (n2, self.p2))):
                if n is not None:
                    out["n"][c, m], out["j"][c, m] = n, p.j[n]
                    out["xi"][c, m], out["sigma"][c, m] = p.xi[n], p.sigma[n]
            out["n_fr"][c], out["spin"][c] = n_fr, spin
            if n_fr == 0:
                out["j_fr"][c], out["xi_fr"][c] = self.log2_F, 0.0
                out["sigma_fr"][c] = SIGMA0 / self.F
            else:
                i = (n_fr - 1) % K
                out["j_fr"][c] = self.p_fr.j[i]
                out["xi_fr"][c] = spin * self.p_fr.xi[i]
                out["sigma_fr"][c] = self.p_fr.sigma[i]
        return out
