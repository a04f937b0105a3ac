r"""Two-dimensional oriented Morlet wavelets and the Gaussian low-pass.

Following Bruna & Mallat, "Invariant Scattering Convolution Networks", IEEE
PAMI 35(8), 2013 (arXiv:1203.1513), section 3: a Gabor function

.. math::

    g_{\sigma,\theta,\xi,s}(u) = \frac{s}{2\pi\sigma^2}
        \exp\!\Big(-\frac{u^\top R_\theta D_s R_\theta^{-1} u}{2\sigma^2}
        + i\,\xi\,(u_1\cos\theta + u_2\sin\theta)\Big),\qquad D_s = \mathrm{diag}(1, s^2),

and the Morlet wavelet :math:`\psi = g_{\sigma,\theta,\xi,s} - K g_{\sigma,\theta,0,s}`
with :math:`K` chosen for a zero mean.  Scale :math:`j` has
:math:`\sigma = 0.8\cdot 2^j`, :math:`\xi = \tfrac{3\pi}{4} 2^{-j}`, slant
:math:`s = 4/L`; the low-pass is the Gabor of width :math:`0.8\cdot 2^{J-1}` and
frequency 0.  Filters are sampled on the padded grid, periodized over
:data:`N_PERIODS` periods in each direction, and kept in the Fourier domain
(real part of the DFT).  Copies for signals subsampled by :math:`2^r` keep the
frequencies :math:`|\omega| < \pi 2^{-r}` (a crop of the spectrum).

Conventions of the reference implementation (Kymatio) that the formulas do not
fix, kept here for coefficient parity: orientation index ``t`` of ``L`` has the
angle :math:`(\lfloor L - L/2 - 1\rfloor - t)\pi/L`, and the Gabor normalising
constant uses :data:`PI_APPROX` = 3.1415.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: width of the scale-0 wavelet, in samples
SIGMA_SCALE = 0.8
#: centre frequency of the scale-0 wavelet, in radians per sample
XI_SCALE = 3.0 * np.pi / 4.0
#: numerator of the slant 4/L (the wavelet's aspect ratio)
SLANT_NUMERATOR = 4.0
#: number of periods summed on each side of the grid when sampling a filter
N_PERIODS = 2
#: approximation of pi in the reference's Gabor normalisation
PI_APPROX = 3.1415
#: a periodic copy of a Gabor envelope is evaluated only where its exponent is above
#: ``-ENVELOPE_CUTOFF`` (values below exp(-80) = 1.8e-35 of the peak, far below double
#: precision of the sum; exact in float64 beyond that)
ENVELOPE_CUTOFF = 80.0


def orientation_angles(L: int) -> np.ndarray:
    """Angles (radians) of the ``L`` orientations, in the reference's order."""
    return (int(L - L / 2 - 1) - np.arange(L)) * np.pi / L


def gabor_2d(M: int, N: int, sigma: float, theta, xi: float, slant: float = 1.0,
             offset: int = 0) -> np.ndarray:
    """Periodized Gabor filters on an ``M x N`` grid, one per angle in ``theta``.

    Returns a complex array of shape ``(len(theta), M, N)`` (or ``(M, N)`` for a
    scalar ``theta``).  Each of the ``(2 N_PERIODS + 1)**2`` periodic copies is
    evaluated only on the box where its envelope exceeds ``exp(-ENVELOPE_CUTOFF)``
    (the ellipse's bounding box): for the wavelets of an image much larger than
    ``sigma`` that is a small window instead of the whole grid.
    """
    scalar = np.ndim(theta) == 0
    theta = np.atleast_1d(np.asarray(theta, dtype=np.float64))
    c, s = np.cos(theta), np.sin(theta)
    # curvature matrix R D R^{-1} / (2 sigma^2), one per angle
    d = slant * slant
    a = (c * c + d * s * s) / (2 * sigma * sigma)
    b = ((1 - d) * c * s) / (2 * sigma * sigma)  # off-diagonal, appears twice
    e = (s * s + d * c * c) / (2 * sigma * sigma)
    det = a * e - b * b
    # a x^2 + 2 b x y + e y^2 <= T  implies  |x| <= sqrt(T e / det), |y| <= sqrt(T a / det)
    x_reach = np.sqrt(ENVELOPE_CUTOFF * e / det)
    y_reach = np.sqrt(ENVELOPE_CUTOFF * a / det)
    out = np.zeros((theta.size, M, N), dtype=np.complex128)
    for t in range(theta.size):
        for ex in range(-N_PERIODS, N_PERIODS + 1):
            r0, r1 = _window(offset + ex * M, M, x_reach[t])
            if r0 >= r1:
                continue
            xx = (offset + ex * M + np.arange(r0, r1, dtype=np.float64))[:, None]
            for ey in range(-N_PERIODS, N_PERIODS + 1):
                q0, q1 = _window(offset + ey * N, N, y_reach[t])
                if q0 >= q1:
                    continue
                yy = (offset + ey * N + np.arange(q0, q1, dtype=np.float64))[None, :]
                arg = -(a[t] * xx * xx + 2 * b[t] * xx * yy + e[t] * yy * yy)
                arg = arg + 1j * xi * (xx * c[t] + yy * s[t])
                out[t, r0:r1, q0:q1] += np.exp(arg)
    out /= 2 * PI_APPROX * sigma * sigma / slant
    return out[0] if scalar else out


def _window(start: int, n: int, reach: float) -> tuple[int, int]:
    """Indices ``i`` in ``[0, n)`` with ``|start + i| <= reach``, as ``(i0, i1)``."""
    lo = max(0, int(np.floor(-reach - start)))
    hi = min(n, int(np.ceil(reach - start)) + 1)
    return lo, hi


def morlet_2d(M: int, N: int, sigma: float, theta, xi: float, slant: float = 0.5,
              offset: int = 0) -> np.ndarray:
    """Zero-mean Morlet wavelets (Gabor minus its scaled envelope)."""
    wave = gabor_2d(M, N, sigma, theta, xi, slant, offset)
    env = gabor_2d(M, N, sigma, theta, 0.0, slant, offset)
    K = wave.sum(axis=(-2, -1), keepdims=True) / env.sum(axis=(-2, -1), keepdims=True)
    return wave - K * env


def crop_fourier(h_f: np.ndarray, res: int) -> np.ndarray:
    """Keep the frequencies of ``h_f`` (``(..., M, N)``) that survive subsampling by ``2**res``.

    The result is ``(..., M // 2**res, N // 2**res)``: the low-frequency quarter
    (half per axis) of the spectrum, in DFT order.
    """
    if res == 0:
        return h_f
    M, N = h_f.shape[-2:]
    hm, hn = M // 2 ** (res + 1), N // 2 ** (res + 1)
    rows = np.r_[0:hm, M - hm:M]
    cols = np.r_[0:hn, N - hn:N]
    return h_f[..., rows[:, None], cols[None, :]]


@dataclass
class FilterBank2D:
    """Oriented wavelets ``psi[r]`` of shape ``(J*L, M/2^r, N/2^r)`` (row ``j*L + t``)
    and the low-pass ``phi[r]`` of shape ``(M/2^r, N/2^r)``, in the Fourier domain."""

    J: int
    L: int
    j: np.ndarray
    theta: np.ndarray
    phi: list[np.ndarray] = field(repr=False)
    psi: list[np.ndarray] = field(repr=False)


def morlet_rows_2d(M: int, N: int, L: int, rows, sigma_scale: float = SIGMA_SCALE,
                   xi_scale: float = XI_SCALE, slant_numerator: float = SLANT_NUMERATOR,
                   res: int = 0) -> np.ndarray:
    r"""Rows ``rows`` (``j*L + t``) of the 2D Morlet bank, in the Fourier domain.

    Each row is the real part of the DFT of ``morlet_2d(M, N, sigma_scale 2^j,
    angle_t, xi_scale 2^{-j}, slant_numerator / L)``, cropped to resolution
    ``res`` (:func:`crop_fourier`).  Rows are built one at a time, so the
    temporaries are those of one full-resolution filter; every row depends on
    its own parameters only, so any selection of rows equals the same rows of
    :func:`filter_bank_2d`, bit for bit.

    Returns
    -------
    ndarray, shape (len(rows), M // 2**res, N // 2**res)
    """
    rows = np.atleast_1d(np.asarray(rows, dtype=np.int64))
    angles = orientation_angles(L)
    slant = slant_numerator / L
    out = np.empty((len(rows), M >> res, N >> res), dtype=np.float64)
    for i, r in enumerate(rows):
        j, t = divmod(int(r), L)
        wave = morlet_2d(M, N, sigma_scale * 2**j, angles[t], xi_scale / 2**j, slant)
        out[i] = crop_fourier(np.fft.fft2(wave).real, res)
    return out


class Morlet2DRows:
    """The ``J*L`` wavelets of :func:`filter_bank_2d` at resolution ``res``, built when
    sliced (``rows[a:b]`` is :func:`morlet_rows_2d` of those rows).

    A consumer that needs a few rows at a time (the cascade's fold terms, group
    by group) never holds the whole bank: at 288 x 288, J = 4, L = 8 the
    full-resolution bank is 21 MB of float64 and building it all at once needs
    about 40 MB of complex temporaries more.
    """

    def __init__(self, M: int, N: int, J: int, L: int, res: int = 0,
                 sigma_scale: float = SIGMA_SCALE, xi_scale: float = XI_SCALE,
                 slant_numerator: float = SLANT_NUMERATOR):
        self.M, self.N, self.J, self.L, self.res = int(M), int(N), int(J), int(L), int(res)
        self._kw = dict(sigma_scale=sigma_scale, xi_scale=xi_scale,
                        slant_numerator=slant_numerator)

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.J * self.L, self.M >> self.res, self.N >> self.res)

    def __len__(self) -> int:
        return self.J * self.L

    def __getitem__(self, rows: slice) -> np.ndarray:
        if not isinstance(rows, slice):
            raise TypeError("Morlet2DRows are sliced by a slice of rows")
        index = np.arange(len(self))[rows]
        return morlet_rows_2d(self.M, self.N, self.L, index, res=self.res, **self._kw)

    def __array__(self, dtype=None, copy=None):
        return self[:] if dtype is None else self[:].astype(dtype)


def filter_bank_2d(M: int, N: int, J: int, L: int = 8, sigma_scale: float = SIGMA_SCALE,
                   xi_scale: float = XI_SCALE, slant_numerator: float = SLANT_NUMERATOR,
                   psi_levels: int | None = None) -> FilterBank2D:
    """The 2D Morlet filter bank of Bruna & Mallat on an ``M x N`` (padded) grid.

    Parameters
    ----------
    M, N : int
        Grid size (divisible by ``2**J``).
    J : int
        Number of scales; the low-pass has width ``sigma_scale * 2**(J-1)``.
    L : int
        Number of orientations in ``[0, pi)``.
    psi_levels : int, optional
        Number of resolutions at which the wavelets are kept (default
        ``max(J - 1, 1)``, enough for any order).

    See Also
    --------
    Morlet2DRows : the same wavelets, built a few rows at a time.
    """
    psi0 = morlet_rows_2d(M, N, L, np.arange(J * L), sigma_scale, xi_scale, slant_numerator)
    phi0 = low_pass_2d(M, N, J, sigma_scale)
    n_psi = max(J - 1, 1) if psi_levels is None else psi_levels
    return FilterBank2D(J=J, L=L, j=np.repeat(np.arange(J), L), theta=np.tile(np.arange(L), J),
                        phi=[crop_fourier(phi0, r) for r in range(J)],
                        psi=[crop_fourier(psi0, r) for r in range(n_psi)])


def low_pass_2d(M: int, N: int, J: int, sigma_scale: float = SIGMA_SCALE) -> np.ndarray:
    """The Gaussian low-pass of width ``sigma_scale * 2**(J-1)`` on the full ``M x N``
    grid, in the Fourier domain (real part of the DFT)."""
    return np.fft.fft2(gabor_2d(M, N, sigma_scale * 2 ** (J - 1), 0.0, 0.0)).real
