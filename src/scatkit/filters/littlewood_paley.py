r"""Littlewood–Paley sums and frame bounds of wavelet filter banks.

For a bank of filters :math:`\{\hat\phi, \hat\psi_\lambda\}` the wavelet
transform :math:`Wx = \{x\star\phi, x\star\psi_\lambda\}_\lambda` satisfies

.. math::

    A\,\|x\|^2 \le \|x\star\phi\|^2 + \sum_\lambda \|x\star\psi_\lambda\|^2 \le B\,\|x\|^2

with :math:`A = \min_\omega \mathcal{A}(\omega)`, :math:`B = \max_\omega \mathcal{A}(\omega)` and
the Littlewood–Paley sum

.. math::

    \mathcal{A}(\omega) = |\hat\phi(\omega)|^2 + \tfrac12 \sum_\lambda
    \big(|\hat\psi_\lambda(\omega)|^2 + |\hat\psi_\lambda(-\omega)|^2\big)

for real signals (whose spectra are Hermitian, so :math:`\omega` and
:math:`-\omega` carry the same energy); for complex signals the sum is not
symmetrised.  (Mallat, "Group invariant scattering", CPAM 2012, Prop. 2.1;
Andén & Mallat, IEEE TSP 2014, eq. (11).)

Consequence for scattering (Mallat 2012, Prop. 2.5): each layer of the cascade
(modulus of the wavelet coefficients, plus the low-pass output) expands
distances by at most :math:`\sqrt{\max(1,B)}`, so for ``max_order`` :math:`M`,

.. math::

    \|S x - S y\| \le \max(1, B)^{M/2}\,\|x - y\|,

and :math:`C = 1` once every filter is divided by :math:`\sqrt{B}`.  Energies
here are for unsubsampled filtering on the periodic grid of the filters; see
:func:`scatkit.transforms.base.ScatteringBase` implementations for the
subsampling factors of the discrete outputs.
"""

from __future__ import annotations

import numpy as np


def _mirror(h_f: np.ndarray, ndim: int) -> np.ndarray:
    """``h(-omega)`` on the DFT grid of the last ``ndim`` axes."""
    out = h_f
    for axis in range(-ndim, 0):
        n = h_f.shape[axis]
        out = np.take(out, (-np.arange(n)) % n, axis=axis)
    return out


def littlewood_paley(psi_f: np.ndarray, phi_f: np.ndarray | None = None, ndim: int | None = None,
                     real_signals: bool = True) -> np.ndarray:
    r"""Littlewood–Paley sum :math:`\mathcal{A}(\omega)` of a filter bank.

    Parameters
    ----------
    psi_f : ndarray, shape (n_filters, *grid)
        Wavelets in the Fourier domain.
    phi_f : ndarray, shape grid, optional
        Low-pass in the Fourier domain (omitted: wavelets only).
    ndim : int, optional
        Number of grid axes (default ``psi_f.ndim - 1``).
    real_signals : bool, default True
        Symmetrise over :math:`\pm\omega` (the relevant sum for real inputs).

    Returns
    -------
    ndarray, shape grid
    """
    psi_f = np.asarray(psi_f)
    ndim = psi_f.ndim - 1 if ndim is None else ndim
    energy = np.sum(np.abs(psi_f) ** 2, axis=0)
    if real_signals:
        energy = 0.5 * (energy + _mirror(energy, ndim))
    if phi_f is not None:
        phi2 = np.abs(np.asarray(phi_f)) ** 2
        energy = energy + (0.5 * (phi2 + _mirror(phi2, ndim)) if real_signals else phi2)
    return energy


def frame_bounds(psi_f: np.ndarray, phi_f: np.ndarray | None = None, ndim: int | None = None,
                 real_signals: bool = True) -> tuple[float, float]:
    """Frame bounds ``(A, B)``: the minimum and maximum of :func:`littlewood_paley`."""
    lp = littlewood_paley(psi_f, phi_f, ndim=ndim, real_signals=real_signals)
    return float(lp.min()), float(lp.max())


def lipschitz_bound(B: float, max_order: int) -> float:
    r"""Lipschitz constant :math:`\max(1, B)^{M/2}` of a scattering cascade of order ``M``
    built on a filter bank of upper frame bound ``B`` (without subsampling)."""
    return float(max(1.0, B) ** (max_order / 2.0))
