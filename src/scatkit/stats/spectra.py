r"""Power spectra of 1D signals and 2D fields, radially binned and per octave.

The periodogram of a realisation :math:`x` on a grid :math:`\Omega` of
:math:`|\Omega|` samples is :math:`\hat P(\omega) = |\hat x(\omega)|^2 / |\Omega|`
(:math:`\hat x` the DFT), whose mean is the power spectrum of a stationary
process; its average over :math:`|\omega|` in a shell gives the radially binned
(isotropic) spectrum.  Octave bands :math:`2^{-b-2} \le |\omega| < 2^{-b-1}`
cycles per sample (:math:`b = 0, 1, \dots`) are the bands on which synthesis
errors are reported; band 0 also holds the corners :math:`|\omega| > 1/2` of a 2D
grid.
"""

from __future__ import annotations

import numpy as np


def _as_fields(x, ndim: int | None) -> tuple[np.ndarray, int]:
    x = np.asarray(x, dtype=np.float64)
    if ndim is None:
        ndim = 2 if x.ndim >= 2 else 1
    if x.ndim < ndim or ndim not in (1, 2):
        raise ValueError(f"expected a 1D signal or a 2D field (ndim 1 or 2) with optional leading "
                         f"batch axes, got shape {x.shape} with ndim={ndim}")
    return x, ndim


def radial_frequency(shape: tuple[int, ...]) -> np.ndarray:
    """:math:`|\\omega|` in cycles per sample on the DFT grid of ``shape``."""
    grids = np.meshgrid(*[np.fft.fftfreq(n) for n in shape], indexing="ij")
    return np.sqrt(sum(g**2 for g in grids))


def periodogram(x, ndim: int | None = None) -> np.ndarray:
    """:math:`|\\hat x(\\omega)|^2/|\\Omega|` over the last ``ndim`` axes (mean removed)."""
    x, ndim = _as_fields(x, ndim)
    axes = tuple(range(-ndim, 0))
    x = x - x.mean(axis=axes, keepdims=True)
    f = np.fft.fftn(x, axes=axes)
    return (f.real**2 + f.imag**2) / np.prod(x.shape[-ndim:])


def power_spectrum(x, ndim: int | None = None, n_bins: int | None = None):
    """Radially binned power spectrum, averaged over any leading batch axes.

    Parameters
    ----------
    x : array, shape (..., N) or (..., M, N)
    ndim : {1, 2}, optional
        Number of signal axes (default 2 when ``x`` has at least 2 axes; pass
        ``ndim=1`` for a batch of 1D signals).
    n_bins : int, optional
        Number of linear bins in ``(0, 1/2]`` cycles per sample (default
        ``min(shape) // 2``, one bin per DFT step).

    Returns
    -------
    freq : array (n_bins,)
        Bin centres in cycles per sample.
    power : array (n_bins,)
        Mean periodogram in each bin (NaN for an empty bin).
    """
    x, ndim = _as_fields(x, ndim)
    shape = x.shape[-ndim:]
    if n_bins is None:
        n_bins = min(shape) // 2
    p = periodogram(x, ndim).reshape((-1,) + shape).mean(axis=0)
    r = radial_frequency(shape)
    edges = np.linspace(0.0, 0.5, n_bins + 1)
    idx = np.digitize(r, edges[1:-1], right=True)
    keep = (r > 0) & (r <= 0.5)
    sums = np.bincount(idx[keep], weights=p[keep], minlength=n_bins)
    counts = np.bincount(idx[keep], minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        power = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return 0.5 * (edges[1:] + edges[:-1]), power


def octave_band_power(x, ndim: int | None = None, n_bands: int | None = None):
    """Mean periodogram in octave bands :math:`[2^{-b-2}, 2^{-b-1})` cycles/sample.

    Band 0 is :math:`|\\omega| \\ge 1/4` (corners included); the last band is the
    lowest octave that contains a non-zero DFT frequency.  Leading batch axes
    are averaged.

    Returns
    -------
    edges : array (n_bands, 2)
        Lower and upper edge of each band (cycles per sample).
    power : array (n_bands,)
    """
    x, ndim = _as_fields(x, ndim)
    shape = x.shape[-ndim:]
    if n_bands is None:
        n_bands = int(np.log2(min(shape))) - 1
    p = periodogram(x, ndim).reshape((-1,) + shape).mean(axis=0)
    r = radial_frequency(shape)
    band = np.floor(-np.log2(np.where(r > 0, r, 1.0))).astype(int) - 2  # |w| in [2^-b-2, 2^-b-1)
    band = np.where(r >= 0.25, 0, band)
    keep = (r > 0) & (band < n_bands)
    sums = np.bincount(band[keep], weights=p[keep], minlength=n_bands)
    counts = np.bincount(band[keep], minlength=n_bands)
    if np.any(counts == 0):
        raise ValueError(f"{n_bands} octave bands do not fit a grid of {shape}; use fewer")
    b = np.arange(n_bands)
    edges = np.stack([2.0 ** (-b - 2), 2.0 ** (-b - 1)], axis=1)
    return edges, sums / counts


def band_relative_error(x, target, ndim: int | None = None) -> np.ndarray:
    r"""Per octave band :math:`|P_x - P_t| / P_t` (see :func:`octave_band_power`)."""
    _, px = octave_band_power(x, ndim)
    _, pt = octave_band_power(target, ndim)
    return np.abs(px - pt) / pt
