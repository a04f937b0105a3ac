r"""Short filters for filter-bank (pyramid) scattering trees.

A scattering *tree* replaces the FFT convolutions of the scattering cascade by
a pyramid of short filters applied with subsampling, as in the fast wavelet
transform (Mallat, *A Wavelet Tour of Signal Processing*, 3rd ed., 2009,
sections 7.3 and 5.2.2, "algorithme à trous").  One level maps a signal
:math:`x_\ell` sampled every :math:`2^\ell` samples to

.. math::

    Hx_\ell(u) = x_\ell \star h(2u), \qquad G_\theta x_\ell(u) = x_\ell \star g_\theta(2u)

(or :math:`x_\ell\star g_\theta(u)`, without subsampling, see ``band_strides``).
A band-pass bank applied after :math:`\ell` low-passes acts on ``x`` through
the *equivalent filter*

.. math::

    \hat{\tilde\psi}_{\theta}(\omega) = \hat g_\theta(2^\ell\omega)\,H_\ell(\omega),\qquad
    H_\ell(\omega) = \prod_{k=0}^{\ell-1}\hat h(2^k\omega),\qquad
    \hat{\tilde\phi}_J(\omega) = H_J(\omega)\,\hat a(2^J\omega),

with ``a`` an optional final averaging.  Two families are provided.

``haar``
    :math:`h = (1, 1)/\sqrt2`, :math:`g = (1, -1)/\sqrt2` (in 2D the three
    separable products :math:`h\otimes g, g\otimes h, g\otimes g`), scale
    :math:`2^{j+1}` computed at level ``j`` with subsampling: the orthonormal
    Haar filter bank, one level of which is an orthogonal transform.
``morlet``
    Filters designed so that the equivalent filters approximate the Morlet
    filters :math:`\psi_{j,\theta}`, :math:`\phi_J` of the FFT engine
    (:func:`scatkit.filters.morlet1d.filter_bank_1d` with ``Q = 1``,
    :func:`scatkit.filters.morlet2d.filter_bank_2d`):

    - :math:`h`: a Lanczos-windowed half-band low-pass,
      :math:`h[m] = \tfrac12\,\mathrm{sinc}(m/2)\,\mathrm{sinc}(m/(r+1))`,
      :math:`|m|\le r`, normalised to :math:`\hat h(0)=1` (separable in 2D);
    - scale 0: :math:`g^{(0)}_\theta` is the least-squares fit of
      :math:`\hat\psi_{0,\theta}` (the central taps of the wavelet);
    - scales :math:`j\ge1`: one bank :math:`g_\theta` applied at level
      :math:`j-1` (a grid twice finer than in the critically sampled pyramid)
      with stride 2, so that :math:`|x\star\psi_j|` is sampled every
      :math:`2^j` samples as in the FFT engine, chosen by one linear least-squares problem
      :math:`\min_g\sum_{1\le j<J}\|\hat g_\theta(2^{j-1}\omega)H_{j-1}(\omega)
      -\hat\psi_{j,\theta}(\omega)\|^2/\|\hat\psi_{j,\theta}\|^2` on a periodic
      grid (all orientations as right-hand sides).  The Morlet wavelets of the
      engine have a bandwidth of about an octave on each side and
      :math:`\psi_0` is aliased on the sample grid; a critically sampled
      pyramid (scale ``j`` at level ``j``) cannot reproduce them (relative
      errors about 0.4, measured with the same least squares), hence the
      separate first-scale bank and the filters on the finer grid;
    - :math:`a`: symmetric taps at the level-``J`` grid fitted by linear least
      squares so that :math:`H_J(\omega)\hat a(2^J\omega)\approx\hat\phi_J(\omega)`.

    :func:`equivalent_filter_errors` reports the relative :math:`\ell^2` errors.

Filters are stored as *correlation* kernels, the convention of
``torch.nn.functional.conv1d``/``conv2d``: a level computes
:math:`y[n] = \sum_k w[k]\, x[s n + k - r]` with ``r = origin``; a convolution
filter :math:`f[m]` (taps at offsets ``m = -r..r``) is stored as
``w[k] = f[r - k]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

#: filter families known to :func:`tree_filters`
FAMILIES = ("haar", "morlet")
#: default taps per axis of the designed band-pass filters
DEFAULT_SIZE = 9
#: default taps per axis of the designed half-band low-pass
DEFAULT_LOW_SIZE = 7
#: default taps per axis of the final averaging (Morlet-like family)
DEFAULT_OUT_SIZE = 5
#: default number of orientations of the 2D Morlet-like family
DEFAULT_L = 8
#: the band-pass design fits scales up to ``2**DESIGN_MAX_J`` (larger J reuse it: the
#: Morlet family is dilation invariant)
DESIGN_MAX_J = 3
#: the design grid has ``2**(J + DESIGN_GRID_EXTRA)`` points per axis
DESIGN_GRID_EXTRA = 3


@dataclass(frozen=True)
class TreeFilters:
    r"""The filters of a scattering tree and where they act.

    Attributes
    ----------
    family : str
        ``'haar'`` or ``'morlet'``.
    ndim : int
        1 or 2.
    lowpass : ndarray, shape ``(K,) * ndim``, real
        Correlation kernel of :math:`h` (origin ``K // 2``, or 0 for Haar).
    banks : tuple of ndarray, each ``(F,) + (K_g,) * ndim``
        Band-pass correlation kernels (complex for the Morlet-like family).
    schedule : callable ``J -> list[(j, level, bank)]``
        Scale ``j`` is computed by bank ``bank`` on nodes at ``level``.
    band_strides : tuple of int
        One per bank. 2: the bank's outputs are subsampled (they join the next
        level); 1: they stay at their level (where later banks of the same
        level may filter them) and are low-passed with the other nodes.
    output : ndarray or None
        Correlation kernel of the final averaging :math:`a` (centred), or None.
    origin_low : int
        Offset index of ``lowpass`` (its tap of offset 0).
    lowpass_axis, output_axis : ndarray of shape ``(K,)`` or None
        The one-axis factor of a separable ``lowpass`` (``output``): the kernel
        is its outer product with itself in 2D (itself in 1D).  Transforms then
        filter one axis at a time, ``2K`` instead of ``K**2`` taps per sample.
    """

    family: str
    ndim: int
    lowpass: np.ndarray
    banks: tuple
    band_strides: tuple
    origin_low: int
    output: np.ndarray | None = None
    lowpass_axis: np.ndarray | None = None
    output_axis: np.ndarray | None = None

    @property
    def n_bands(self) -> int:
        """Number of band-pass filters (orientations) per scale."""
        return self.banks[0].shape[0]

    def schedule(self, J: int) -> list[tuple[int, int, int]]:
        """``[(j, level, bank), ...]`` for scales ``j = 0..J-1``."""
        if self.family == "haar":
            return [(j, j, 0) for j in range(J)]
        return [(0, 0, 0)] + [(j, j - 1, 1) for j in range(1, J)]

    @staticmethod
    def origin(kernel: np.ndarray) -> int:
        """Offset index of a kernel: centred for odd sizes, 0 for even (Haar)."""
        K = kernel.shape[-1]
        return K // 2 if K % 2 else 0


# -- Haar ------------------------------------------------------------------------

def haar_filters(ndim: int = 1) -> TreeFilters:
    r"""The orthonormal Haar filter bank, :math:`h=(1,1)/\sqrt2`, :math:`g=(1,-1)/\sqrt2`.

    In 2D the low-pass is :math:`h\otimes h` and the band-pass filters are
    :math:`h\otimes g,\ g\otimes h,\ g\otimes g`.  Kernels are correlation
    kernels with origin 0: :math:`Hx[n] = (x[2n] + x[2n+1])/\sqrt2`.
    """
    _check_ndim(ndim)
    h = np.array([1.0, 1.0]) / np.sqrt(2.0)
    g = np.array([1.0, -1.0]) / np.sqrt(2.0)
    if ndim == 1:
        low, band = h, g[None]
    else:
        low = np.outer(h, h)
        band = np.stack([np.outer(h, g), np.outer(g, h), np.outer(g, g)])
    return TreeFilters("haar", ndim, low, (band,), band_strides=(2,), origin_low=0,
                       lowpass_axis=h)


# -- Morlet-like design --------------------------------------------------------------

def _dtft_matrix(M: int, K: int, dilation: int, origin: int) -> np.ndarray:
    """``E[n, i] = exp(-2 pi i (dilation n mod M)(i - origin) / M)`` (response of
    convolution taps at offsets ``i - origin``, dilated, on an ``M``-grid)."""
    n = (dilation * np.arange(M)) % M
    return np.exp(-2j * np.pi * np.outer(n, np.arange(K) - origin) / M)


def _response(taps: np.ndarray, M: int, dilation: int, origin: int, ndim: int) -> np.ndarray:
    r""":math:`\hat f(2^k\omega)` of convolution taps ``(..., K[, K])`` on an ``M``-grid."""
    E = _dtft_matrix(M, taps.shape[-1], dilation, origin)
    if ndim == 1:
        return taps @ E.T
    return np.einsum("ma,...ab,nb->...mn", E, taps, E)


def halfband_lowpass(size: int) -> np.ndarray:
    r"""Lanczos-windowed half-band low-pass (convolution taps at offsets ``-r..r``).

    :math:`h[m]\propto\mathrm{sinc}(m/2)\,\mathrm{sinc}(m/(r+1))`, normalised to
    :math:`\sum_m h[m] = 1`.
    """
    r = size // 2
    m = np.arange(-r, r + 1)
    h = 0.5 * np.sinc(m / 2) * np.sinc(m / (r + 1))
    return h / h.sum()


def _cascades(h1: np.ndarray, levels: int, M: int, ndim: int) -> list[np.ndarray]:
    """``[H_0, ..., H_levels]`` on the grid (separable products in 2D)."""
    E = [_response(h1, M, 2**k, h1.shape[0] // 2, 1) for k in range(levels)]
    H1 = [np.ones(M, dtype=np.complex128)]
    for e in E:
        H1.append(H1[-1] * e)
    return H1 if ndim == 1 else [np.outer(c, c) for c in H1]


def _targets(ndim: int, J: int, M: int, L: int):
    """Fourier-domain Morlet wavelets ``(J, F, M[, M])`` and low-pass of the FFT engine."""
    if ndim == 1:
        from .morlet1d import filter_bank_1d

        bank = filter_bank_1d(M, J, (1, 1), T=2**J, max_level_phi=0, max_level_psi2=0)
        return bank.psi[1][0][:J][:, None, :].astype(np.complex128), bank.phi[0]
    from .morlet2d import filter_bank_2d

    bank = filter_bank_2d(M, M, J, L)
    return bank.psi[0].reshape(J, L, M, M).astype(np.complex128), bank.phi[0]


def _phi_axis(ndim: int, J: int, M: int) -> np.ndarray:
    """The FFT engine's low-pass along one frequency axis (it is separable in 2D)."""
    if ndim == 1:
        from .morlet1d import filter_bank_1d

        return filter_bank_1d(M, J, (1, 1), T=2**J, max_level_phi=0,
                              max_level_psi2=0).phi[0].astype(np.complex128)
    from .morlet2d import N_PERIODS, PI_APPROX, SIGMA_SCALE

    sigma = SIGMA_SCALE * 2 ** (J - 1)
    x = np.arange(M)[None, :] + M * np.arange(-N_PERIODS, N_PERIODS + 1)[:, None]
    g = np.exp(-(x**2) / (2 * sigma**2)).sum(0)
    # the 2D low-pass is g(x) g(y) / (2 pi sigma^2): split the constant evenly
    return np.fft.fft(g) / np.sqrt(2 * PI_APPROX * sigma**2)


def _fit_bandpass(H: list[np.ndarray], psi: list[np.ndarray], dilations: list[int], size: int,
                  ndim: int) -> np.ndarray:
    r"""Complex taps ``(F,) + (size,)*ndim`` minimising
    :math:`\sum_i\|\hat g(d_i\omega)H_i(\omega) - \hat\psi_i(\omega)\|^2/\|\hat\psi_i\|^2`."""
    M, r, F = psi[0].shape[-1], size // 2, psi[0].shape[0]
    rows, rhs = [], []
    for Hi, target, d in zip(H, psi, dilations):
        E = _dtft_matrix(M, size, d, r)
        if ndim == 2:
            E = np.einsum("ma,nb->mnab", E, E).reshape(M * M, size * size)
        w = 1.0 / np.linalg.norm(target.reshape(F, -1), axis=1).mean()
        rows.append(E * (Hi.reshape(-1, 1) * w))
        rhs.append(target.reshape(F, -1).T * w)
    sol = np.linalg.lstsq(np.concatenate(rows), np.concatenate(rhs), rcond=None)[0]
    return sol.T.reshape((F,) + (size,) * ndim)


def _fit_output(H1J: np.ndarray, phi_axis: np.ndarray, J: int, out_size: int) -> np.ndarray:
    r"""Symmetric real taps ``a`` with :math:`H_J(\omega)\hat a(2^J\omega)\approx\hat\phi_J(\omega)`."""
    M, r = phi_axis.shape[0], out_size // 2
    S = np.zeros((out_size, r + 1))  # a = S q, q the taps at offsets 0..r
    S[np.arange(out_size), np.abs(np.arange(out_size) - r)] = 1.0
    A = (_dtft_matrix(M, out_size, 2**J, r) * H1J[:, None]) @ S
    q = np.linalg.lstsq(np.concatenate([A.real, A.imag]),
                        np.concatenate([phi_axis.real, phi_axis.imag]), rcond=None)[0]
    return S @ q


@lru_cache(maxsize=16)
def _design(ndim: int, J: int, L: int, size: int, low_size: int, out_size: int):
    h1 = halfband_lowpass(low_size)
    Jd = min(J, DESIGN_MAX_J)
    M = 2 ** (Jd + DESIGN_GRID_EXTRA)
    psi, _ = _targets(ndim, Jd, M, L)
    H = _cascades(h1, Jd, M, ndim)
    g0 = _fit_bandpass([H[0]], [psi[0]], [1], size, ndim)
    if Jd > 1:
        g = _fit_bandpass(H[:Jd - 1], list(psi[1:]), [2**k for k in range(Jd - 1)], size, ndim)
    else:  # a single scale: the second bank is never used; keep the dilated first one
        g = _fit_bandpass([H[0]], [_targets(ndim, 2, M, L)[0][1]], [1], size, ndim)
    Mo = 2 ** (J + DESIGN_GRID_EXTRA)
    a1 = _fit_output(_cascades(h1, J, Mo, 1)[J], _phi_axis(ndim, J, Mo), J, out_size)
    return h1, g0, g, a1  # low-pass and averaging: separable, one-axis factors


def morlet_like_filters(ndim: int = 2, J: int = 3, L: int = DEFAULT_L, size: int = DEFAULT_SIZE,
                        low_size: int = DEFAULT_LOW_SIZE,
                        out_size: int = DEFAULT_OUT_SIZE) -> TreeFilters:
    r"""Short filters whose cascades approximate the FFT engine's Morlet filters.

    Parameters
    ----------
    ndim : {1, 2}
    J : int
        Number of scales; the band-pass design fits :math:`\min(J, 3)` scales on
        a :math:`2^{\min(J,3)+3}` grid, the final averaging is fitted for ``J``.
    L : int
        Orientations (2D only; 1D has one analytic wavelet per octave, ``Q = 1``).
    size, low_size, out_size : int
        Taps per axis (odd) of the band-pass filters, of the low-pass and of
        the final averaging.

    Notes
    -----
    The method is described in the module docstring; designs are cached per
    argument tuple (a 2D design takes seconds).
    """
    _check_ndim(ndim)
    for name, v, low in (("size", size, 3), ("low_size", low_size, 3), ("out_size", out_size, 1)):
        if not isinstance(v, (int, np.integer)) or v < low or v % 2 == 0:
            raise ValueError(f"{name} must be an odd integer >= {low}, got {v!r}")
    if not isinstance(J, (int, np.integer)) or J < 1:
        raise ValueError(f"J must be an integer >= 1, got {J!r}")
    h1, g0, g, a1 = _design(ndim, int(J), int(L) if ndim == 2 else 1, int(size), int(low_size),
                            int(out_size))
    # convolution taps -> correlation kernels (the low-pass and the averaging are symmetric)
    h1, a1 = h1[::-1].copy(), a1[::-1].copy()
    h, a = (h1, a1) if ndim == 1 else (np.outer(h1, h1), np.outer(a1, a1))
    bflip = (slice(None),) + (slice(None, None, -1),) * ndim
    return TreeFilters("morlet", ndim, h, (g0[bflip].copy(), g[bflip].copy()),
                       band_strides=(1, 2), origin_low=low_size // 2, output=a,
                       lowpass_axis=h1, output_axis=a1)


def tree_filters(family: str = "morlet", ndim: int = 2, J: int = 3, L: int = DEFAULT_L,
                 **sizes) -> TreeFilters:
    """Filters of a named family: ``'haar'`` (:func:`haar_filters`, ``L`` ignored) or
    ``'morlet'`` (:func:`morlet_like_filters`, taking ``size``/``low_size``/``out_size``)."""
    if family == "haar":
        return haar_filters(ndim)
    if family == "morlet":
        return morlet_like_filters(ndim, J, L, **sizes)
    raise ValueError(f"unknown filter family {family!r}; choose one of {FAMILIES}")


# -- diagnostics -----------------------------------------------------------------------

def equivalent_filters(filters: TreeFilters, J: int, M: int):
    """Fourier responses of the equivalent filters on an ``M`` (per axis) grid.

    Returns ``(psi, phi)``: ``psi`` of shape ``(J, F) + (M,)*ndim`` (scale ``j``
    as scheduled by ``filters.schedule``) and ``phi`` of shape ``(M,)*ndim``.
    """
    nd = filters.ndim
    flip = (slice(None, None, -1),) * nd

    def conv_taps(kernel):  # correlation kernel -> convolution taps and their origin
        return kernel[(Ellipsis,) + flip], kernel.shape[-1] - 1 - TreeFilters.origin(kernel)

    h, rh = conv_taps(filters.lowpass)
    H = [np.ones((M,) * nd, dtype=np.complex128)]
    for k in range(J):
        H.append(H[-1] * _response(h, M, 2**k, rh, nd))
    psi = []
    for j, level, b in filters.schedule(J):
        g, rg = conv_taps(filters.banks[b])
        psi.append(_response(g, M, 2**level, rg, nd) * H[level])
    phi = H[J]
    if filters.output is not None:
        a, ra = conv_taps(filters.output)
        phi = phi * _response(a, M, 2**J, ra, nd)
    return np.stack(psi), phi


def equivalent_filter_errors(filters: TreeFilters, J: int, L: int = DEFAULT_L,
                             M: int | None = None) -> dict:
    r"""Relative :math:`\ell^2` errors :math:`\|\hat{\tilde\psi}-\hat\psi\|/\|\hat\psi\|`.

    Returns ``{"psi": (J,) array (mean over orientations), "phi": float}``
    against the FFT engine's Morlet filters on an ``M``-grid (default
    ``2**(J + 3)``).
    """
    M = M or 2 ** (J + DESIGN_GRID_EXTRA)
    psi_t, phi_t = _targets(filters.ndim, J, M, L if filters.ndim == 2 else 1)
    psi, phi = equivalent_filters(filters, J, M)
    axes = tuple(range(2, psi.ndim))
    err = np.linalg.norm(psi - psi_t, axis=axes) / np.linalg.norm(psi_t, axis=axes)
    return {"psi": err.mean(axis=1),
            "phi": float(np.linalg.norm(phi - phi_t) / np.linalg.norm(phi_t))}


def _check_ndim(ndim):
    if ndim not in (1, 2):
        raise ValueError(f"ndim must be 1 or 2, got {ndim!r}")
