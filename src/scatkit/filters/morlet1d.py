r"""One-dimensional Morlet filter banks in the Fourier domain.

The filter bank follows Andén & Mallat, "Deep Scattering Spectrum", IEEE Trans.
Signal Process. 62(16), 2014 (arXiv:1304.6763), section IV: a constant-Q family
of Morlet wavelets

.. math::

    \hat\psi_\lambda(\omega) = \hat g_\sigma(\omega - \xi) - \kappa\,\hat g_\sigma(\omega),
    \qquad \hat g_\sigma(\omega) = e^{-\omega^2 / (2\sigma^2)},

with centre frequencies :math:`\xi_{k+1} = 2^{-1/Q}\xi_k` starting at
:math:`\xi_{\max}`, bandwidths :math:`\sigma = \xi\,\frac{1-2^{-1/Q}}{1+2^{-1/Q}}
/ \sqrt{2\log(1/r_\psi)}` (adjacent wavelets cross at :math:`r_\psi` of their
peak), stopped once the bandwidth reaches :math:`\sigma_0 2^{-J}`; below that
scale ``Q - 1`` wavelets of constant bandwidth are spaced linearly towards zero
frequency so that the Littlewood–Paley sum has no hole between the lowest
constant-Q wavelet and the low-pass :math:`\hat\phi = \hat g_{\sigma_0/T}`.

Frequencies are in cycles per sample (Nyquist = 0.5).  Every filter is
sampled on a grid that extends over several periods and then periodized
(sampling in time is periodization in frequency), made zero-mean by
:math:`\kappa`, and normalised to unit :math:`\ell^1` norm in time.  A filter
used on a signal subsampled by :math:`2^k` is obtained by *summing* its
:math:`2^k` periodized aliases, so that the coefficients keep their scale
whatever the subsampling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

#: Default width of the low-pass, in cycles per sample times the averaging scale.
SIGMA0 = 0.1
#: Default ratio at which adjacent constant-Q wavelets intersect.
R_PSI = math.sqrt(0.5)
#: Default number of bandwidths past the centre frequency that define a
#: wavelet's maximal subsampling (the "j" of a filter).
ALPHA = 5.0
#: Default largest number of periods over which a filter is periodized.
P_MAX = 5
#: Default amplitude below which a Gaussian is considered negligible when
#: choosing the number of periods.
EPS = 1e-7
#: Default l1 residual below which a filter's temporal support is counted.
CRITERION_AMPLITUDE = 1e-3
#: A Gaussian :math:`e^{-d^2/(2\sigma^2)}` is evaluated only where
#: :math:`d^2/(2\sigma^2)` is below this (:math:`e^{-40} = 4\cdot 10^{-18}` of its
#: peak, under the float64 resolution of the peak); elsewhere it counts as 0.
GAUSS_CUTOFF = 40.0
#: Filters built (and whose l1 norms are computed by one batched FFT) at a time.
NORMALISE_CHUNK = 32
#: A wavelet whose time support (where its envelope is above :math:`e^{-\mathrm{cutoff}}`)
#: spans at most this fraction of the grid gets its :math:`\ell^1` norm from the closed
#: form of :func:`_morlet_l1_closed_form`, which then costs less than an FFT.
CLOSED_FORM_L1_FRACTION = 1.0 / 16.0


def compute_xi_max(Q: float) -> float:
    r"""Centre frequency of the highest wavelet, :math:`\max(1/(1+2^{3/Q}), 0.35)`.

    The first term places the wavelet so that its mirror image about the
    Nyquist frequency stays about three bandwidths away (Andén & Mallat 2014).
    """
    return max(1.0 / (1.0 + 2.0 ** (3.0 / Q)), 0.35)


def compute_sigma_psi(xi: float, Q: float, r: float = R_PSI) -> float:
    r"""Bandwidth of a constant-Q Morlet wavelet of centre frequency ``xi``.

    .. math:: \sigma = \xi \frac{1 - 2^{-1/Q}}{1 + 2^{-1/Q}} \frac{1}{\sqrt{2 \log(1/r)}}

    so that two wavelets :math:`2^{-1/Q}` apart intersect at ``r`` times their
    maximum.
    """
    factor = 2.0 ** (-1.0 / Q)
    return xi * (1.0 - factor) / (1.0 + factor) / math.sqrt(2.0 * math.log(1.0 / r))


def max_dyadic_subsampling(xi: float, sigma: float, alpha: float = ALPHA) -> int:
    r"""Largest :math:`j` such that the filter survives subsampling by :math:`2^j`.

    .. math:: j = \lfloor -\log_2 \min(\xi + \alpha\sigma, 1/2) \rfloor - 1
    """
    upper = min(xi + alpha * sigma, 0.5)
    return int(math.floor(-math.log2(upper))) - 1


def band_top(xi, sigma, eps: float) -> np.ndarray:
    r"""Highest frequency where a Morlet wavelet's Gaussian exceeds ``eps`` of its peak:
    :math:`\xi + \sigma \sqrt{2 \log(1/\varepsilon)}` (cycles per sample)."""
    return np.asarray(xi) + np.asarray(sigma) * math.sqrt(2.0 * math.log(1.0 / eps))


def adaptive_periods(sigma: float, eps: float = EPS) -> int:
    r"""Number of periods ``P`` so that a Gaussian of width ``sigma`` is below ``eps``
    outside :math:`[1-P, P)`: :math:`P = \lceil \sqrt{-2\sigma^2\log\varepsilon} + 1\rceil`."""
    return int(math.ceil(math.sqrt(-2.0 * sigma**2 * math.log(eps)) + 1))


def periodize(h_f: np.ndarray, factor: int, reduction: str = "sum") -> np.ndarray:
    """Fold a Fourier-domain filter onto ``n // factor`` frequencies.

    Parameters
    ----------
    h_f : ndarray, shape (..., n)
        Filters sampled on ``n`` frequencies (``n`` divisible by ``factor``).
    factor : int
        Number of aliases that are folded together.
    reduction : {'sum', 'mean'}
        ``'sum'`` keeps the filter's time-domain scale after subsampling (the
        convention of the reference implementation's development line);
        ``'mean'`` is the exact Fourier transform of the subsampled filter.
    """
    n = h_f.shape[-1]
    if n % factor:
        raise ValueError(f"cannot periodize {n} frequencies by a factor {factor}")
    folded = h_f.reshape(h_f.shape[:-1] + (factor, n // factor))
    return folded.sum(axis=-2) if reduction == "sum" else folded.mean(axis=-2)


def crop_band(h_f: np.ndarray, factor: int, eps: float = 0.0) -> np.ndarray:
    """The band ``|f| < n / (2 factor)`` of a Fourier-domain filter, on ``n // factor`` bins.

    Cropping in frequency instead of periodizing (:func:`periodize`): the filter
    as it acts on a signal whose spectrum lies inside that band, such as a
    modulus sampled at the rate of its own bandwidth (fast mode, see
    :func:`scatkit.transforms.cascade.band_exponents`).  For an even ``m = n //
    factor`` the Nyquist bin, which stands for both ``+m/2`` and ``-m/2``, takes
    the mean of the two.

    Parameters
    ----------
    h_f : ndarray, shape (..., n)
        Filters on ``n`` frequencies (``n`` divisible by ``factor``), DC first.
    factor : int
        Subsampling factor of the grid the filter is cropped for.
    eps : float, default 0
        Values at most ``eps`` times each filter's peak amplitude (over all ``n``
        bins) are set to zero first: relative to the smaller peak of a filter
        whose band is mostly cropped away they would look significant (and cost
        the cascade's folds work, see :func:`scatkit.transforms.cascade.fold_terms`).
    """
    n = h_f.shape[-1]
    if n % factor:
        raise ValueError(f"cannot crop {n} frequencies by a factor {factor}")
    if eps > 0:
        amp = np.abs(h_f)
        h_f = np.where(amp > eps * amp.max(axis=-1, keepdims=True), h_f, 0.0)
    m = n // factor
    if factor == 1:
        return h_f.copy()
    # bins 0 .. m//2 and the m - m//2 - 1 negative ones above -m/2 (all of them, m odd)
    out = np.concatenate([h_f[..., : m // 2 + 1], h_f[..., n - (m - m // 2 - 1):]], axis=-1)
    if m % 2 == 0:
        out[..., m // 2] = 0.5 * (h_f[..., m // 2] + h_f[..., n - m // 2])
    return out


def _l1_norm_time(h_f: np.ndarray) -> np.ndarray:
    r""":math:`\sum_t |h(t)|` of the filters ``h_f`` (Fourier domain, last axis).

    A real spectrum is the transform of a Hermitian signal, ``|h(-t)| = |h(t)|``
    and ``|h(t)| = |R(t)| / N`` with ``R`` the real FFT of ``h_f``: half the
    work of a complex inverse FFT.
    """
    import scipy.fft as sfft

    N = h_f.shape[-1]
    if np.iscomplexobj(h_f):
        return np.abs(sfft.ifft(h_f, axis=-1, workers=-1)).sum(axis=-1, keepdims=True)
    r = np.abs(sfft.rfft(h_f, axis=-1, workers=-1))
    inner = r[..., 1:(N + 1) // 2].sum(axis=-1, keepdims=True)
    edge = r[..., :1] + (r[..., N // 2:N // 2 + 1] if N % 2 == 0 else 0.0)
    return (edge + 2.0 * inner) / N


def _periodized_gaussian_terms(N: int, centers, sigmas, P: int,
                               cutoff: float = GAUSS_CUTOFF) -> tuple[np.ndarray, np.ndarray]:
    r"""The non-negligible samples of :func:`_periodized_gaussians`, unsummed.

    Returns ``(index, value)``: ``value`` is
    :math:`e^{-(\omega_q + p - c)^2/(2\sigma^2)}` (not yet divided by ``2P - 1``)
    and ``index = row * N + q`` its place in the ``(len(centers), N)`` result;
    aliases of one bin repeat an index and are summed by ``np.bincount``.
    Only the bins within :math:`\sqrt{2\,\mathrm{cutoff}}\,\sigma` of a centre
    are evaluated (a narrow filter costs its support, not ``(2P - 1) N``).
    """
    centers, sigmas = np.broadcast_arrays(np.atleast_1d(np.asarray(centers, dtype=np.float64)),
                                          np.atleast_1d(np.asarray(sigmas, dtype=np.float64)))
    start = (1 - P) * N if P > 1 else -(N // 2)  # first grid frequency, in bins
    stop = start + (2 * P - 1) * N
    reach = np.sqrt(2.0 * cutoff) * sigmas * N
    lo = np.clip(np.ceil(centers * N - reach), start, stop).astype(np.int64)
    hi = np.clip(np.floor(centers * N + reach) + 1, start, stop).astype(np.int64)
    counts = np.maximum(hi - lo, 0)
    rows = np.repeat(np.arange(len(centers)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    bins = lo[rows] + offsets
    # the same floating-point frequencies as _frequency_grid (fftfreq when P == 1)
    freqs = bins * (1.0 / N) if P == 1 else bins.astype(np.float64) / N
    vals = np.exp(-((freqs - centers[rows]) ** 2) / (2.0 * sigmas[rows] ** 2))
    return rows * N + bins % N, vals


def _periodized_gaussians(N: int, centers, sigmas, P: int,
                          cutoff: float = GAUSS_CUTOFF) -> np.ndarray:
    r"""Rows :math:`\frac{1}{2P-1}\sum_p e^{-(\omega_q + p - c)^2/(2\sigma^2)}`, one per
    centre ``c`` and width ``sigma`` (broadcast together), on the ``N`` frequencies
    of :func:`_frequency_grid` folded onto one period (the periodization of
    :func:`periodize` with ``'mean'``); see :func:`_periodized_gaussian_terms`.
    """
    n_rows = np.broadcast(np.atleast_1d(centers), np.atleast_1d(sigmas)).size
    index, vals = _periodized_gaussian_terms(N, centers, sigmas, P, cutoff)
    out = np.bincount(index, weights=vals, minlength=n_rows * N).reshape(n_rows, N)
    if P > 1:
        out /= 2 * P - 1
    return out


def _at_zero(index: np.ndarray, vals: np.ndarray, N: int, n_rows: int) -> np.ndarray:
    """Per row, the sum of the terms that land on frequency bin 0."""
    zero = index % N == 0
    return np.bincount(index[zero] // N, weights=vals[zero], minlength=n_rows)


def _time_reach(sigmas, cutoff: float = GAUSS_CUTOFF) -> np.ndarray:
    r"""Half-width in samples beyond which the time envelope
    :math:`e^{-2\pi^2\sigma^2\tau^2}` of a Gaussian of frequency width ``sigma``
    is below :math:`e^{-\mathrm{cutoff}}`."""
    return np.floor(np.sqrt(2.0 * cutoff) / (2.0 * np.pi * np.asarray(sigmas))).astype(np.int64)


def _closed_form_applies(N: int, xis, sigmas, P: int, fraction: float = CLOSED_FORM_L1_FRACTION,
                         cutoff: float = GAUSS_CUTOFF) -> np.ndarray:
    """Which wavelets :func:`_morlet_l1_closed_form` may normalise: both Gaussians
    lie inside the frequency grid :math:`[1-P, P)` up to the cutoff, and the time
    support is short (no overlap of periodic copies, cheaper than an FFT)."""
    xis, sigmas = np.asarray(xis), np.asarray(sigmas)
    reach = np.sqrt(2.0 * cutoff) * sigmas
    in_grid = (xis + reach < P) & (xis - reach > 1 - P) & (reach < P - 1)
    return in_grid & (2 * _time_reach(sigmas, cutoff) + 1 <= fraction * N)


def _morlet_l1_closed_form(xis, sigmas, kappas, P: int,
                           cutoff: float = GAUSS_CUTOFF) -> np.ndarray:
    r""":math:`\sum_t |\psi(t)|` of unnormalised wavelets of :func:`morlet_1d_bank`,
    in closed form (no FFT).

    The wavelet's spectrum is :math:`G(\omega) = e^{-(\omega-\xi)^2/(2\sigma^2)} -
    \kappa e^{-\omega^2/(2\sigma^2)}` sampled at :math:`k/N` over :math:`2P - 1`
    periods and averaged over them, so by Poisson summation its inverse DFT is

    .. math::

        \psi(t) = \frac{1}{2P-1}\sum_{m\in\mathbb Z}\check G(t - mN), \qquad
        \check G(\tau) = \sigma\sqrt{2\pi}\,e^{-2\pi^2\sigma^2\tau^2}
        \left(e^{2i\pi\xi\tau} - \kappa\right),

    exact up to the truncation of the Gaussians at :math:`e^{-\mathrm{cutoff}}`
    (:func:`_closed_form_applies` checks that none is cut by the grid). When
    :math:`\check G` is negligible beyond :math:`|\tau| \le R < N/2` the copies do
    not overlap and

    .. math::

        \|\psi\|_1 = \frac{\sigma\sqrt{2\pi}}{2P-1}\sum_{|\tau|\le R}
        e^{-2\pi^2\sigma^2\tau^2}\sqrt{(1 - \kappa)^2 + 4\kappa\sin^2(\pi\xi\tau)},

    an even sum evaluated on :math:`\tau \ge 0`: :math:`O(1/\sigma)` terms
    instead of an :math:`O(N \log N)` FFT.
    """
    xis, sigmas, kappas = (np.asarray(a, dtype=np.float64) for a in (xis, sigmas, kappas))
    counts = _time_reach(sigmas, cutoff) + 1  # tau = 0..R
    rows = np.repeat(np.arange(len(sigmas)), counts)
    tau = (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)).astype(
        np.float64)
    s, xi, kap = sigmas[rows], xis[rows], kappas[rows]
    # |e^{i theta} - kappa| = sqrt((1 - kappa)^2 + 4 kappa sin^2(theta / 2)): no cancellation
    terms = np.exp(-2.0 * np.pi**2 * (s * tau) ** 2) * np.sqrt(
        (1.0 - kap) ** 2 + 4.0 * kap * np.sin(np.pi * xi * tau) ** 2)
    terms[tau > 0] *= 2.0  # the terms at -tau
    return np.bincount(rows, weights=terms, minlength=len(sigmas)) * (
        sigmas * math.sqrt(2.0 * math.pi) / (2 * P - 1))


def _l1_normalise(h_f: np.ndarray) -> np.ndarray:
    norm = _l1_norm_time(h_f)
    if np.any(norm < 1e-7):
        raise ValueError("a filter has a vanishing l1 norm; its parameters are degenerate")
    return h_f / norm


def _frequency_grid(N: int, P: int) -> np.ndarray:
    """Frequencies in cycles per sample over ``2P - 1`` periods, ``[1-P, P)``."""
    if P == 1:
        return np.fft.fftfreq(N)
    return np.arange((1 - P) * N, P * N, dtype=np.float64) / N


def gauss_1d(N: int, sigma: float, P_max: int = P_MAX, eps: float = EPS) -> np.ndarray:
    r"""Periodized Gaussian low-pass :math:`\hat\phi(\omega) = e^{-\omega^2/(2\sigma^2)}`
    on ``N`` frequencies, normalised to unit :math:`\ell^1` norm in time."""
    P = min(adaptive_periods(sigma, eps), P_max)
    return _l1_normalise(_periodized_gaussians(N, 0.0, sigma, P)[0])


def morlet_1d(N: int, xi: float, sigma: float, P_max: int = P_MAX, eps: float = EPS) -> np.ndarray:
    r"""Periodized zero-mean Morlet wavelet on ``N`` frequencies.

    .. math:: \hat\psi(\omega) = e^{-(\omega-\xi)^2/(2\sigma^2)} - \kappa\, e^{-\omega^2/(2\sigma^2)}

    with :math:`\kappa` chosen after periodization so that :math:`\hat\psi(0) = 0`,
    then normalised to unit :math:`\ell^1` norm in time.
    """
    return morlet_1d_bank(N, [xi], [sigma], P_max, eps)[0]


def morlet_1d_bank(N: int, xis, sigmas, P_max: int = P_MAX, eps: float = EPS) -> np.ndarray:
    r"""Morlet wavelets for several ``(xi, sigma)`` at once, shape ``(len(xis), N)``.

    Each wavelet is summed from the sparse samples of its two Gaussians
    (:func:`_periodized_gaussian_terms`), its :math:`\ell^1` norm taken in closed
    form (:func:`_morlet_l1_closed_form`) when its time support is short and by
    an FFT otherwise, and the normalised samples are added into the output: no
    dense temporary beyond one chunk of the wavelets that need an FFT.
    """
    xis = np.asarray(xis, dtype=np.float64)
    sigmas = np.asarray(sigmas, dtype=np.float64)
    out = np.zeros((len(xis), N), dtype=np.float64)
    flat = out.reshape(-1)
    periods = np.array([min(adaptive_periods(float(s), eps), P_max) for s in sigmas])
    # Filters sharing a number of periods share a frequency grid: one pass each.
    for P in np.unique(periods).tolist():
        group = np.flatnonzero(periods == P)
        scale = 1.0 / (2 * P - 1)  # the mean over the 2P - 1 periods
        for a in range(0, len(group), NORMALISE_CHUNK):  # bounded temporaries
            sel = group[a:a + NORMALISE_CHUNK]
            # psi = gabor - kappa * low with psi(0) = 0; bin 0 as the difference of the
            # two Gaussians' sums there, exactly zero-mean up to one rounding
            ig, vg = _periodized_gaussian_terms(N, xis[sel], sigmas[sel], P)
            il, vl = _periodized_gaussian_terms(N, 0.0, sigmas[sel], P)
            g0, l0 = _at_zero(ig, vg, N, len(sel)), _at_zero(il, vl, N, len(sel))
            kappa = g0 / l0
            index = np.concatenate([ig, il])
            vals = np.concatenate([vg * scale, (-scale * kappa)[il // N] * vl])
            zero_bin = (g0 - kappa * l0) * scale
            del ig, vg, il, vl
            # l1 norms: in closed form for short wavelets, by FFT for the others
            norms = np.empty(len(sel))
            short = _closed_form_applies(N, xis[sel], sigmas[sel], P)
            norms[short] = _morlet_l1_closed_form(xis[sel][short], sigmas[sel][short],
                                                  kappa[short], P)
            long_rows = np.flatnonzero(~short)
            if long_rows.size:
                dense = _dense_rows(index, vals, long_rows, len(sel), N)
                dense[:, 0] = zero_bin[long_rows]
                norms[long_rows] = _l1_norm_time(dense)[:, 0]
                del dense
            if np.any(norms < 1e-7):
                raise ValueError("a filter has a vanishing l1 norm; its parameters are degenerate")
            rows = index // N
            np.add.at(flat, sel[rows] * N + (index - rows * N), vals / norms[rows])
            out[sel, 0] = zero_bin / norms
    return out


class MorletRows:
    """The wavelets of :func:`morlet_1d_bank`, built when sliced.

    ``rows[a:b]`` is ``morlet_1d_bank(N, xis[a:b], sigmas[a:b])`` (every row
    depends on its own parameters only, so these are the rows of the whole bank,
    bit for bit): a consumer that needs a few rows at a time (the cascade's fold
    terms, group by group) never holds the whole bank, which at ``N = 2**18`` and
    ``Q = 12`` is 360 MB of float64.
    """

    def __init__(self, N: int, xis, sigmas, P_max: int = P_MAX, eps: float = EPS):
        self.N, self.P_max, self.eps = int(N), P_max, eps
        self.xis = np.asarray(xis, dtype=np.float64)
        self.sigmas = np.asarray(sigmas, dtype=np.float64)

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.xis), self.N)

    def __len__(self) -> int:
        return len(self.xis)

    def __getitem__(self, rows: slice) -> np.ndarray:
        if not isinstance(rows, slice):
            raise TypeError("MorletRows are sliced by a slice of rows")
        return morlet_1d_bank(self.N, self.xis[rows], self.sigmas[rows], self.P_max, self.eps)

    def __array__(self, dtype=None, copy=None):
        return self[:] if dtype is None else self[:].astype(dtype)


def _dense_rows(index: np.ndarray, vals: np.ndarray, rows: np.ndarray, n_rows: int,
                N: int) -> np.ndarray:
    """Dense ``(len(rows), N)`` sums of the sparse terms ``(index, vals)`` (``index =
    row * N + bin``, as :func:`_periodized_gaussian_terms`) of the given rows."""
    position = np.full(n_rows, -1)
    position[rows] = np.arange(len(rows))
    r = position[index // N]
    keep = r >= 0
    dense = np.zeros((len(rows), N))
    np.add.at(dense.reshape(-1), r[keep] * N + index[keep] % N, vals[keep])
    return dense


def temporal_support(h_f: np.ndarray, criterion_amplitude: float = CRITERION_AMPLITUDE) -> int:
    """Half-width (in samples) outside which a filter's ``l1`` mass is below the criterion.

    Returns the smallest ``t`` such that ``sum_{|u| >= t} |h(u)|`` is at most
    ``criterion_amplitude`` (counted on the negative half, the filters being
    symmetric in modulus), or half the grid if there is none.
    """
    h = np.abs(np.fft.ifft(np.atleast_2d(h_f), axis=-1))
    half = h.shape[-1] // 2
    residual = np.cumsum(h[:, :half][:, ::-1], axis=-1)[:, ::-1]
    ok = np.flatnonzero(residual.max(axis=0) <= criterion_amplitude)
    return int(ok.min()) + 1 if ok.size else half


@dataclass(frozen=True)
class MorletBankParams:
    """Centre frequencies ``xi``, bandwidths ``sigma`` (cycles/sample) and maximal
    subsampling ``j`` of a 1D Morlet filter bank, highest frequency first."""

    xi: np.ndarray
    sigma: np.ndarray
    j: np.ndarray


def morlet_bank_params(J: int, Q: int, sigma0: float = SIGMA0, r_psi: float = R_PSI,
                       alpha: float = ALPHA) -> MorletBankParams:
    r"""Centre frequencies and widths of the 1D filter bank (Andén & Mallat 2014).

    Constant-Q wavelets :math:`\xi_{k+1} = 2^{-1/Q}\xi_k` are generated from
    :math:`\xi_{\max}` while their width stays above :math:`\sigma_{\min} =
    \sigma_0 2^{-J}`; then ``Q - 1`` wavelets of width :math:`\sigma_{\min}`
    are placed linearly between the last centre frequency and 0.
    """
    sigma_min = sigma0 / 2.0**J
    xi_max = compute_xi_max(Q)
    sigma_max = compute_sigma_psi(xi_max, Q, r_psi)
    xis: list[float] = []
    sigmas: list[float] = []
    if sigma_max > sigma_min:
        xi, sigma = xi_max, sigma_max
        factor = 2.0 ** (-1.0 / Q)
        while sigma > sigma_min:
            xis.append(xi)
            sigmas.append(sigma)
            xi *= factor
            sigma *= factor
        last_xi = xis[-1]
        for q in range(1, Q):
            xis.append(last_xi * (Q - q) / Q)
            sigmas.append(sigma_min)
    js = [max_dyadic_subsampling(x, s, alpha) for x, s in zip(xis, sigmas)]
    return MorletBankParams(np.array(xis), np.array(sigmas), np.array(js, dtype=np.int64))


@dataclass
class FilterBank1D:
    """A 1D scattering filter bank at every resolution it is used at.

    ``phi[k]`` is the low-pass folded for a signal subsampled by ``2**k``;
    ``psi[m][k]`` the order-``m`` wavelets (rows) folded likewise (``psi[1]``
    holds the first-order bank, ``psi[2]`` the bank of every higher order).
    """

    N: int
    xi: dict[int, np.ndarray]
    sigma: dict[int, np.ndarray]
    j: dict[int, np.ndarray]
    sigma_low: float
    phi: list[np.ndarray] = field(repr=False)
    psi: dict[int, list[np.ndarray]] = field(repr=False)


def filter_bank_1d(N: int, J: int, Q: tuple[int, int], T: float, max_level_phi: int,
                   max_level_psi2: int, sigma0: float = SIGMA0, r_psi: float = R_PSI,
                   alpha: float = ALPHA, P_max: int = P_MAX, eps: float = EPS,
                   lazy_first_order: bool = False, crop: float | None = None) -> FilterBank1D:
    """Build the low-pass and the two wavelet banks of 1D scattering on ``N`` frequencies.

    Parameters
    ----------
    N : int
        Padded signal length (a power of two).
    J : int
        Number of octaves of the wavelet banks (their smallest width is
        ``sigma0 / 2**J``).
    Q : (int, int)
        Wavelets per octave of the first and of the higher-order banks.
    T : float
        Averaging scale; the low-pass has width ``sigma0 / T``.
    max_level_phi, max_level_psi2 : int
        Largest subsampling exponent at which the low-pass, resp. the
        higher-order wavelets, are needed.
    lazy_first_order : bool, default False
        Give the first-order bank as :class:`MorletRows` (rows built when
        sliced) instead of an array.
    crop : float, optional
        When given, the coarser levels are the full-resolution filters cropped
        in frequency (:func:`crop_band`, values at most ``crop`` times each
        filter's peak set to zero) instead of periodized: the fast mode's moduli,
        sampled at the rate of their own bandwidth, carry nothing outside the
        cropped band.
    """
    params = {1: morlet_bank_params(J, Q[0], sigma0, r_psi, alpha),
              2: morlet_bank_params(J, Q[1], sigma0, r_psi, alpha)}
    sigma_low = sigma0 / T
    phi0 = gauss_1d(N, sigma_low, P_max, eps).real
    # The low-pass enters through real parts of inverse FFTs of Hermitian
    # spectra; its even part is what acts, so store that exactly.
    phi0 = 0.5 * (phi0 + np.roll(phi0[::-1], 1))
    # each level folds the previous one by 2 (the same sums as folding the full-resolution
    # filter by 2**k, in a different order: half the work of the level before, not all of it)
    phi = [phi0]
    for k in range(1, max_level_phi + 1):
        phi.append(periodize(phi[-1], 2) if crop is None else crop_band(phi0, 2**k, crop))
    psi = {}
    for m, p in params.items():
        if m == 1 and lazy_first_order:
            psi[m] = [MorletRows(N, p.xi, p.sigma, P_max, eps)]
            continue
        psi[m] = [morlet_1d_bank(N, p.xi, p.sigma, P_max, eps)]
        for k in range(1, (max_level_psi2 if m == 2 else 0) + 1):
            psi[m].append(periodize(psi[m][-1], 2) if crop is None
                          else crop_band(psi[m][0], 2**k, crop))
    return FilterBank1D(N=N, xi={m: p.xi for m, p in params.items()},
                        sigma={m: p.sigma for m, p in params.items()},
                        j={m: p.j for m, p in params.items()}, sigma_low=sigma_low,
                        phi=phi, psi=psi)
