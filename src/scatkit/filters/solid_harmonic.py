r"""Solid harmonic wavelets in three dimensions, in the Fourier domain.

Following Eickenberg, Exarchakis, Hirn, Mallat & Thiry, "Solid harmonic
wavelet scattering for predictions of molecule properties", J. Chem. Phys.
148, 241732 (2018), and Eickenberg et al., NIPS 2017: the wavelet of degree
:math:`l`, order :math:`m` and width :math:`\sigma` is a solid harmonic
windowed by a Gaussian,

.. math::

    \psi_{l,m}^{\sigma}(u) \propto |u|^l\, Y_l^m(u/|u|)\,
        e^{-|u|^2/(2\sigma^2)},

whose Fourier transform is again a solid harmonic times a Gaussian
(Hecke–Bochner), :math:`\hat\psi \propto (-i)^l |\omega|^l
Y_l^m(\omega/|\omega|)\, e^{-\sigma^2|\omega|^2/2}`.  We sample the Fourier
form directly on the DFT grid :math:`\omega_k = 2\pi\,\mathrm{fftfreq}(n)` with
the normalisation

.. math::

    \hat\psi_{l,m}^{\sigma}(\omega) = (-i)^l \sqrt{\frac{4\pi}{2l+1}}
        \frac{(\sigma|\omega|)^l}{\mu_l}\, Y_l^m\!\Big(\frac{\omega}{|\omega|}\Big)
        e^{-\sigma^2|\omega|^2/2},
    \qquad \mu_l = \mathbb E\,|g|^l = 2^{l/2}\,
        \frac{\Gamma\big(\tfrac{l+3}{2}\big)}{\Gamma\big(\tfrac32\big)},

(:math:`g` a standard Gaussian vector of :math:`\mathbb R^3`), so that
:math:`\sum_m |\hat\psi_{l,m}^\sigma(\omega)|^2 = \big((\sigma|\omega|)^l
e^{-\sigma^2|\omega|^2/2}/\mu_l\big)^2` and the degree-0 wavelet is the
unit-mass Gaussian.  This normalisation and the grid were found by comparing
numbers with Kymatio's ``HarmonicScattering3D`` (used as an oracle only).

Real harmonics.  The conjugate symmetry :math:`Y_l^{-m} = (-1)^m
\overline{Y_l^m}` makes the :math:`2l+1` complex harmonics unitarily
equivalent to :math:`2l+1` *real* ones, :math:`Y_{l,0}`,
:math:`\sqrt2(-1)^m\,\mathrm{Re}\,Y_l^m` and :math:`\sqrt2(-1)^m\,\mathrm{Im}\,Y_l^m`
(:math:`m = 1..l`).  Any sum :math:`\sum_m |x\star\psi_{l,m}|^2` is unchanged by
the change of basis, and with real harmonics the filter
:math:`(-i)^l\times\text{real}` is Hermitian (up to the Nyquist bins, see
:mod:`scatkit.transforms.harmonic3d`), so a real input gives real outputs that
inverse real FFTs compute at half the cost of complex ones.

Cartesian frame.  The harmonics use :math:`x` along the last array axis,
:math:`y` along the middle one and :math:`z` along minus the first one
(Kymatio's frame).  Rotation-invariant sums over :math:`m` do not depend on the
frame; the single-:math:`m` filters of ``rotation_covariant=False`` do.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gamma, sph_harm_y

__all__ = ["gaussian_moment", "fourier_grid", "spherical_coordinates", "spherical_harmonics",
           "real_spherical_harmonics", "radial_profile", "solid_harmonic_filters",
           "real_solid_harmonic_filters", "real_solid_harmonic_rows", "harmonic_index"]


def gaussian_moment(l: int) -> float:
    r""":math:`\mu_l = \mathbb E|g|^l = 2^{l/2}\Gamma((l+3)/2)/\Gamma(3/2)` for a
    standard Gaussian vector :math:`g` of :math:`\mathbb R^3` (the radial
    normalisation of degree ``l``)."""
    return float(2.0 ** (l / 2) * gamma((l + 3) / 2) / gamma(1.5))


def fourier_grid(shape: tuple[int, int, int]) -> np.ndarray:
    r"""Angular frequencies of the 3D DFT grid, :math:`2\pi\,\mathrm{fftfreq}`,
    as an array of shape ``(3, M, N, O)`` ordered like the array axes."""
    freqs = [2 * np.pi * np.fft.fftfreq(n) for n in shape]
    return np.stack(np.meshgrid(*freqs, indexing="ij"))


def spherical_coordinates(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Radius, polar and azimuthal angles of points given along the array axes.

    Parameters
    ----------
    points : ndarray, shape (3, ...)
        Coordinates along array axes 0, 1, 2.

    Returns
    -------
    r, theta, phi : ndarrays of shape (...)
        In the harmonics' frame :math:`(x, y, z) = (p_2, p_1, -p_0)`;
        :math:`\theta\in[0,\pi]` (0 at the origin), :math:`\phi\in[0, 2\pi)`.
    """
    x, y, z = points[2], points[1], -points[0]
    r = np.sqrt(x * x + y * y + z * z)
    safe = np.where(r > 0, r, 1.0)
    theta = np.arccos(np.clip(np.where(r > 0, z / safe, 1.0), -1.0, 1.0))
    phi = np.mod(np.arctan2(y, x), 2 * np.pi)
    return r, theta, phi


def spherical_harmonics(l: int, theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    r"""Complex spherical harmonics :math:`Y_l^m`, ``m = -l..l`` (stacked first).

    Uses :func:`scipy.special.sph_harm_y` (orthonormal on the sphere,
    Condon–Shortley phase), vectorised over ``m``.
    """
    m = np.arange(-l, l + 1).reshape((-1,) + (1,) * np.ndim(theta))
    return sph_harm_y(l, m, theta, phi)


def real_spherical_harmonics(l: int, theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    r"""Real orthonormal spherical harmonics of degree ``l``, shape ``(2l+1, ...)``.

    Row 0 is :math:`Y_l^0`; rows ``2m-1`` and ``2m`` (``m = 1..l``) are
    :math:`\sqrt2(-1)^m\mathrm{Re}\,Y_l^m` and :math:`\sqrt2(-1)^m\mathrm{Im}\,Y_l^m`.
    Only the orders ``m >= 0`` are evaluated (the conjugate symmetry gives the rest).
    """
    m = np.arange(0, l + 1).reshape((-1,) + (1,) * np.ndim(theta))
    y = sph_harm_y(l, m, theta, phi)
    rows = [y[0].real]
    for mm in range(1, l + 1):
        scale = np.sqrt(2.0) * (-1.0) ** mm
        rows += [scale * y[mm].real, scale * y[mm].imag]
    return np.stack(rows)


def radial_profile(r: np.ndarray, sigma: float, l: int) -> np.ndarray:
    r"""Radial factor :math:`\sqrt{4\pi/(2l+1)}\,(\sigma r)^l e^{-\sigma^2 r^2/2}/\mu_l`
    of the degree-``l`` filters at frequency modulus ``r``."""
    return (np.sqrt(4 * np.pi / (2 * l + 1)) / gaussian_moment(l)
            * (sigma * r) ** l * np.exp(-0.5 * (sigma * r) ** 2))


def solid_harmonic_filters(shape, sigma: float, l: int) -> np.ndarray:
    r"""Complex solid harmonic wavelets :math:`\hat\psi^\sigma_{l,m}`, ``m = -l..l``.

    Parameters
    ----------
    shape : (int, int, int)
        Grid size.
    sigma : float
        Gaussian width in samples.
    l : int
        Degree.

    Returns
    -------
    ndarray, complex128, shape (2l+1, M, N, O)
        Fourier-domain filters on the DFT grid (module docstring).
    """
    r, theta, phi = spherical_coordinates(fourier_grid(shape))
    return (-1j) ** l * radial_profile(r, sigma, l) * spherical_harmonics(l, theta, phi)


def real_solid_harmonic_filters(shape, sigma: float, L: int) -> np.ndarray:
    r"""The real-harmonic filters of degrees ``0..L`` at width ``sigma``, stacked.

    Returns
    -------
    ndarray, complex128, shape ((L+1)**2, M, N, O)
        Rows ``l**2 .. (l+1)**2 - 1`` hold degree ``l`` (see
        :func:`harmonic_index`); each is :math:`(-i)^l` times a real function,
        and :math:`\sum_k |\hat g_{l,k}|^2 = \sum_m |\hat\psi_{l,m}|^2` pointwise.

    See Also
    --------
    real_solid_harmonic_rows : the same rows, one at a time.
    """
    out = np.empty(((L + 1) ** 2,) + tuple(shape), dtype=np.complex128)
    for i, row in enumerate(real_solid_harmonic_rows(shape, sigma, L)):
        out[i] = row
    return out


def real_solid_harmonic_rows(shape, sigma: float, L: int, coords=None):
    """Yield the rows of :func:`real_solid_harmonic_filters` one at a time (the same
    values, bit for bit), so that a consumer never holds the whole stack.

    ``coords``: the ``spherical_coordinates(fourier_grid(shape))`` of the grid, when
    the caller builds several widths on it (they do not depend on ``sigma``).
    """
    r, theta, phi = spherical_coordinates(fourier_grid(shape)) if coords is None else coords
    for l in range(L + 1):
        radial = (-1j) ** l * radial_profile(r, sigma, l)
        for row in real_spherical_harmonics(l, theta, phi):
            yield radial * row


def harmonic_index(L: int) -> np.ndarray:
    """Degree ``l`` of each row of :func:`real_solid_harmonic_filters` (length ``(L+1)**2``)."""
    return np.repeat(np.arange(L + 1), 2 * np.arange(L + 1) + 1)
