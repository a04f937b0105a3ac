r"""Naive electronic densities of molecules: Gaussians at the nuclei.

Following Hirn, Mallat & Poilvert, "Wavelet scattering regression of quantum
chemical energies", Multiscale Model. Simul. 15(2), 2017, and Eickenberg et al.,
J. Chem. Phys. 148, 241732 (2018): a molecule with nuclei at :math:`r_a` of
charge :math:`Z_a` has the densities

.. math::

    \rho^{c}(u) = \sum_a w^{c}_a\, g_\sigma(u - r_a),\qquad
    g_\sigma(u) = (2\pi\sigma^2)^{-d/2} e^{-|u|^2/(2\sigma^2)},

with weights :math:`w_a = Z_a` (all electrons), :math:`v(Z_a)` (valence
electrons) or :math:`Z_a - v(Z_a)` (core electrons).  All molecules of a data
set are sampled on one :class:`Grid` (same shape and spacing), each centred on
its centre of charge and, optionally, rotated onto its principal axes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CHANNELS", "Grid", "valence_electrons", "centre_of_charge", "align_principal_axes",
           "random_rotations", "fit_grid", "molecular_densities", "channel_weights"]

#: density channels: name -> weight of a nucleus of charge Z
CHANNELS = ("all", "valence", "core")
#: electrons in the closed shells below each period (He: 2, Ne: 10, Ar: 18)
SHELLS = (0, 2, 10, 18)


def valence_electrons(charges) -> np.ndarray:
    """Valence electrons of neutral atoms of nuclear charge ``Z <= 18``: ``Z`` minus the
    electrons of the closed shells below (H 1, C 4, N 5, O 6, S 6; 0 stays 0)."""
    z = np.asarray(charges)
    if np.any(z < 0) or np.any(z > SHELLS[-1]):
        raise ValueError("valence_electrons handles nuclear charges 0..18, got "
                         f"{z.min()}..{z.max()}")
    core = np.zeros(z.shape, dtype=z.dtype)
    for shell in SHELLS[1:]:
        core = np.where(z > shell, shell, core)
    return z - core


def channel_weights(charges, channels=CHANNELS) -> np.ndarray:
    """Weights ``(n, C, A)`` of each nucleus in each density channel."""
    z = np.asarray(charges, dtype=np.float64)
    v = valence_electrons(np.asarray(charges)).astype(np.float64)
    table = {"all": z, "valence": v, "core": z - v}
    unknown = [c for c in channels if c not in table]
    if unknown:
        raise ValueError(f"unknown density channels {unknown}; choose among {CHANNELS}")
    return np.stack([table[c] for c in channels], axis=-2)


def centre_of_charge(positions, charges) -> np.ndarray:
    """Charge-weighted centre ``(n, 3)`` (padding atoms of charge 0 do not count)."""
    z = np.asarray(charges, dtype=np.float64)[..., None]
    return (z * positions).sum(-2) / z.sum(-2)


def align_principal_axes(positions, charges) -> np.ndarray:
    r"""Centre molecules on their centre of charge and rotate them onto their principal axes.

    The charge-weighted second moment :math:`\sum_a Z_a (r_a-c)(r_a-c)^\top` is
    diagonalised; the axis of largest spread becomes axis 0, the axes' signs
    make the charge-weighted third moments along axes 0 and 1 non-negative, and
    the rotation is proper (determinant +1).  Padding atoms stay at the origin's image but
    keep charge 0.

    Parameters
    ----------
    positions : array (n, A, 3)
    charges : array (n, A)

    Returns
    -------
    ndarray (n, A, 3)
    """
    pos = np.asarray(positions, dtype=np.float64)
    z = np.asarray(charges, dtype=np.float64)[..., None]
    centred = pos - centre_of_charge(pos, charges)[..., None, :]
    moment = np.einsum("nai,naj->nij", z * centred, centred)
    _, vectors = np.linalg.eigh(moment)
    vectors = vectors[..., ::-1]  # largest spread first
    # fix the eigenvectors' signs: positive charge-weighted skewness on axes 0 and 1
    skew = np.einsum("na,nai->ni", z[..., 0], np.einsum("nai,nij->naj", centred, vectors) ** 3)
    vectors = vectors * np.where(skew < 0, -1.0, 1.0)[:, None, :]
    vectors[..., 2] *= np.sign(np.linalg.det(vectors))[..., None]
    return np.einsum("nai,nij->naj", centred, vectors) * (z > 0)


def random_rotations(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` rotation matrices drawn uniformly (Haar) from SO(3), shape (n, 3, 3)."""
    q, r = np.linalg.qr(rng.standard_normal((n, 3, 3)))
    q = q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[..., None, :]
    q[..., :, 0] *= np.sign(np.linalg.det(q))[..., None]
    return q


@dataclass(frozen=True)
class Grid:
    """A sampling grid: ``shape`` (voxels per axis) and ``spacing`` (angstrom per
    voxel); molecules are placed with their centre of charge at the grid centre."""

    shape: tuple
    spacing: float

    @property
    def centre(self) -> np.ndarray:
        """Grid coordinates (voxels) of the molecules' centre."""
        return np.asarray(self.shape, dtype=np.float64) / 2


def _fft_size(n: float) -> int:
    """Smallest odd integer ``>= n`` whose prime factors are 3, 5 or 7 (fast FFTs, and
    no Nyquist bin: filters sampled on an odd grid are exactly Hermitian)."""
    m = max(3, int(np.ceil(n)))
    while True:
        k = m
        for p in (3, 5, 7):
            while k % p == 0:
                k //= p
        if k == 1:
            return m
        m += 1


def fit_grid(positions, charges, spacing: float, margin: float, align: bool = True) -> Grid:
    """The smallest grid (FFT-friendly odd sides) that holds every molecule with ``margin``.

    Parameters
    ----------
    positions, charges : arrays (n, A, 3), (n, A)
        All molecules of the data set (angstrom).
    spacing : float
        Angstrom per voxel.
    margin : float
        Free space (angstrom) between the outermost nucleus and the grid's
        border, on every side; choose a few times the largest Gaussian width so
        the periodic convolutions do not wrap around.
    align : bool
        Measure extents after :func:`align_principal_axes` (as the densities
        will be built); otherwise after centring only.
    """
    if not spacing > 0 or margin < 0:
        raise ValueError(f"spacing must be > 0 and margin >= 0, got {spacing}, {margin}")
    pos = _placed(positions, charges, align)
    occupied = np.asarray(charges) > 0
    extent = np.abs(np.where(occupied[..., None], pos, 0.0)).max(axis=(0, 1))
    return Grid(tuple(_fft_size(2 * (e + margin) / spacing) for e in extent), float(spacing))


def _placed(positions, charges, align):
    if align:
        return align_principal_axes(positions, charges)
    pos = np.asarray(positions, dtype=np.float64)
    return pos - centre_of_charge(pos, charges)[..., None, :]


def molecular_densities(positions, charges, grid: Grid, sigma: float, channels=CHANNELS,
                        align: bool = True, dtype=np.float32) -> np.ndarray:
    r"""Densities of molecules on ``grid``, one channel per entry of ``channels``.

    Parameters
    ----------
    positions : array (n, A, 3) or (A, 3)
        Nuclear positions in angstrom (padding atoms have charge 0).
    charges : array (n, A) or (A,)
    grid : Grid
    sigma : float
        Width of the Gaussians in angstrom.
    channels : sequence of {'all', 'valence', 'core'}
    align : bool
        Rotate each molecule onto its principal axes first (else only centre it).
    dtype : numpy dtype

    Returns
    -------
    ndarray (n, C, M, N, O) (or (C, M, N, O) for one molecule)
        Each Gaussian is sampled at the voxels and normalised in voxel units,
        so a channel sums over the grid to about its electron count.
    """
    single = np.ndim(charges) == 1
    positions = np.atleast_3d(np.asarray(positions, dtype=np.float64)[None] if single
                              else positions)
    charges = np.asarray(charges)[None] if single else np.asarray(charges)
    if positions.shape[:2] != charges.shape or positions.shape[-1] != 3:
        raise ValueError(f"positions {positions.shape} and charges {charges.shape} do not "
                         "match: expected (n, A, 3) and (n, A)")
    s = sigma / grid.spacing
    if not s > 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    coords = _placed(positions, charges, align) / grid.spacing + grid.centre  # voxels
    weights = channel_weights(charges, channels) / ((2 * np.pi) ** 1.5 * s**3)
    M, N, O = grid.shape
    g = [np.exp(-0.5 * ((np.arange(n)[None, None, :] - coords[..., a:a + 1]) / s) ** 2)
         for a, n in enumerate((M, N, O))]  # (n, A, size) per axis
    gxy = (g[0][:, :, :, None] * g[1][:, :, None, :]).reshape(len(charges), -1, M * N)
    out = np.empty((len(charges), len(channels), M * N, O), dtype=dtype)
    for c in range(len(channels)):
        out[:, c] = np.matmul(np.swapaxes(gxy * weights[:, c, :, None], 1, 2), g[2])
    out = out.reshape(len(charges), len(channels), M, N, O)
    return out[0] if single else out
