r"""Periodic wavelets along the rotation angle, for rigid-motion scattering.

The second layer of rigid-motion scattering (Sifre & Mallat, "Rotation, scaling
and deformation invariant scattering for texture discrimination", CVPR 2013;
"Rigid-motion scattering for texture classification", arXiv:1403.1687, 2014)
convolves functions of the angle :math:`\theta \in [0, 2\pi)` with one-dimensional
wavelets :math:`\bar\psi_k` and a low-pass :math:`\bar\phi`, all periodic of
period :math:`2\pi`.  The angle is sampled at :math:`n = 2L` points
:math:`\theta_m = m\pi/L`, so a rotation by :math:`\pi/L` is a cyclic shift by
one sample and the convolution is a product of discrete Fourier transforms.

The filters are the 1D Morlet wavelets of :mod:`scatkit.filters.morlet1d`
(one wavelet per octave, :math:`Q = 1`) built directly on the ``n``-point
circle: centre frequency :math:`\xi_k = \xi_{\max} 2^{-k}` cycles per sample,
bandwidth :math:`\sigma_k` such that adjacent octaves cross at
:math:`r_\psi` of their peak, zero mean, unit :math:`\ell^1` norm,

.. math::

    \hat{\bar\psi}_k(\omega) = e^{-(\omega-\xi_k)^2/2\sigma_k^2}
        - \kappa_k e^{-\omega^2/2\sigma_k^2}, \qquad k = 0, \dots, K-1,

periodized over the circle (sampling the angle periodizes the spectrum).  A
function of the angle that comes out of a complex spatial wavelet is complex,
so both signs of angular frequency matter: :math:`\bar\psi_k^{+}` has its
passband at positive frequencies and :math:`\bar\psi_k^{-}(\theta) =
\bar\psi_k^{+}(-\theta)` at negative ones.  The low-pass is the Gaussian
:math:`\hat{\bar\phi}(\omega) = e^{-\omega^2 / 2(\sigma_0 2^{-K})^2}`, an average
over :math:`2^K` samples (:math:`2^K \pi / L` radians).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .morlet1d import SIGMA0, compute_sigma_psi, compute_xi_max, gauss_1d, morlet_1d_bank

#: wavelets per octave along the angle (one: the angular axis has few samples)
ANGULAR_Q = 1


def default_angular_scales(L: int) -> int:
    r"""Default number of angular wavelet octaves, :math:`K = \lfloor\log_2 L\rfloor`.

    On :math:`2L` samples this reaches scales :math:`2^{K-1} \le L/2` samples
    (a quarter turn); the low-pass covers :math:`2^K` samples.
    """
    if L < 1:
        raise ValueError(f"L must be >= 1, got {L}")
    return int(np.floor(np.log2(L)))


@dataclass
class AngularFilterBank:
    r"""Angular filters on ``n`` samples of :math:`[0, 2\pi)`, in the Fourier domain.

    Attributes
    ----------
    n : int
        Number of angle samples (``2 L``).
    K : int
        Number of wavelet octaves.
    psi : ndarray, shape (K, 2, n)
        ``psi[k, 0]`` the positive-frequency wavelet :math:`\hat{\bar\psi}_k^{+}`,
        ``psi[k, 1]`` its mirror :math:`\hat{\bar\psi}_k^{-}`; the spectra are real
        (each wavelet is symmetric about :math:`\theta = 0` up to conjugation).
    phi : ndarray, shape (n,)
        The low-pass :math:`\hat{\bar\phi}`.
    xi, sigma : ndarray, shape (K,)
        Centre frequencies and bandwidths of the wavelets, in cycles per sample.
    """

    n: int
    K: int
    xi: np.ndarray
    sigma: np.ndarray
    psi: np.ndarray = field(repr=False)
    phi: np.ndarray = field(repr=False)


def mirror_frequencies(h_f: np.ndarray) -> np.ndarray:
    r"""The spectrum of :math:`h(-\theta)`: bin ``m`` of the result is bin ``-m mod n``."""
    n = h_f.shape[-1]
    return h_f[..., (-np.arange(n)) % n]


def angular_filter_bank(n: int, K: int, sigma0: float = SIGMA0) -> AngularFilterBank:
    r"""Periodic Morlet wavelets and Gaussian low-pass on an ``n``-sample circle.

    Parameters
    ----------
    n : int
        Number of angle samples (``2 L`` for ``L`` orientations in :math:`[0, \pi)`).
    K : int
        Number of wavelet octaves, ``0 <= K`` and ``2**K <= n``.
    sigma0 : float, default :data:`~scatkit.filters.morlet1d.SIGMA0`
        Width of the low-pass times its averaging scale, in cycles per sample:
        the low-pass has bandwidth ``sigma0 / 2**K``.

    Returns
    -------
    AngularFilterBank
    """
    if n < 2:
        raise ValueError(f"the angular grid needs at least 2 samples, got n={n}")
    if K < 0 or 2**K > n:
        raise ValueError(f"K must satisfy 0 <= K and 2**K <= n = {n}, got K={K}")
    xi = compute_xi_max(ANGULAR_Q) * 2.0 ** -np.arange(K)
    sigma = np.array([compute_sigma_psi(x, ANGULAR_Q) for x in xi])
    plus = morlet_1d_bank(n, xi, sigma) if K else np.zeros((0, n))
    psi = np.stack([plus, mirror_frequencies(plus)], axis=1)
    phi = gauss_1d(n, sigma0 / 2**K).real
    return AngularFilterBank(n=n, K=K, xi=xi, sigma=sigma, psi=psi, phi=phi)


def littlewood_paley_angular(bank: AngularFilterBank) -> np.ndarray:
    r"""Littlewood–Paley sum :math:`|\hat{\bar\phi}|^2 + \sum_{k,\pm} |\hat{\bar\psi}_k^\pm|^2`
    on the ``n`` angular frequencies (how evenly the bank covers them)."""
    return bank.phi**2 + (bank.psi**2).sum(axis=(0, 1))
