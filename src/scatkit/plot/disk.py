r"""The frequency-disk display of 2D scattering coefficients (Bruna & Mallat 2013).

Bruna & Mallat ("Invariant scattering convolution networks", IEEE PAMI 35(8), 2013,
Figs. 2–3) show the translation-invariant coefficients of an image on the frequency
plane, where each wavelet :math:`\psi_\lambda`, :math:`\lambda = 2^{-j} r_\theta`, covers
an angular sector:

* **order 1** -- the disk is split into :math:`J` rings (scale :math:`j=0` outermost:
  the highest frequencies) and :math:`2L` sectors (orientation :math:`\theta` and its
  mirror :math:`\theta+\pi`, since a real image has a symmetric spectrum); the sector of
  :math:`\lambda_1=(j_1,\theta_1)` is coloured by :math:`S_Jx[\lambda_1]`;
* **order 2** -- the sector of :math:`\lambda_1` is subdivided radially into the scales
  :math:`j_2>j_1` and angularly into the :math:`L` orientations :math:`\theta_2`; each
  sub-sector is coloured by :math:`S_Jx[\lambda_1,\lambda_2]`.

Here the rings have equal widths (radius linear in :math:`-j`, i.e. logarithmic in
frequency) so that coarse scales stay visible, each coefficient is averaged over the
remaining spatial positions of the output (one value per path, as with
:math:`2^J` equal to the image size), and the angle of each sector is the direction of
the peak of :math:`|\hat\psi_{0,\theta}|` in ``S.bank`` (so the picture follows the
filters' actual orientations). Channels are identified with ``S.meta()``.
"""

from __future__ import annotations

import numpy as np

from ._figure import new_figure

__all__ = ["disk_layout", "plot_disk", "orientation_of_filters"]

#: colour map of the disk
DISK_CMAP = "viridis"


def orientation_of_filters(S) -> np.ndarray:
    """Angle (radians, in ``[0, pi)``) of the peak frequency of each orientation's
    finest wavelet :math:`\\hat\\psi_{0,\\theta}` of ``S.bank``."""
    bank = S.bank
    psi = np.abs(bank.psi[0][: bank.L])  # j = 0, theta = 0..L-1
    M, N = psi.shape[1:]
    peak = psi.reshape(bank.L, -1).argmax(axis=1)
    k1, k2 = np.unravel_index(peak, (M, N))
    w1 = np.where(k1 > M // 2, k1 - M, k1) / M
    w2 = np.where(k2 > N // 2, k2 - N, k2) / N
    return np.mod(np.arctan2(w1, w2), np.pi)  # angle of (omega_2, omega_1) as plotted (x, y)


def _sector_bounds(centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start angle and width of each orientation's sector: the half-disk ``[0, pi)`` is
    cut at the midpoints between circularly consecutive centres (a partition)."""
    order = np.argsort(centres)
    c = centres[order]
    nxt = np.append(c[1:], c[0] + np.pi)
    prev = np.insert(c[:-1], 0, c[-1] - np.pi)
    start, stop = 0.5 * (prev + c), 0.5 * (c + nxt)
    starts, widths = np.empty_like(c), np.empty_like(c)
    starts[order], widths[order] = start, stop - start
    return starts, widths


def disk_layout(S):
    """Sectors of every order-1 and order-2 channel of ``S`` (a :class:`Scattering2D`).

    Returns
    -------
    dict
        ``order`` -> list of ``(channel, r_inner, r_outer, angle_start, angle_width)``
        (radius in ``[0, 1]``, angles in radians, half-disk; add ``pi`` for the mirror).
    """
    meta = S.meta()
    J, L = S.J, S.L
    centres = orientation_of_filters(S)
    starts, widths = _sector_bounds(centres)
    rank = np.argsort(np.argsort(centres))  # theta -> position in angular order
    ring = 1.0 / J
    sectors = {1: [], 2: []}
    for c, order in enumerate(meta["order"]):
        if order not in (1, 2):
            continue
        j1, t1 = int(meta["j"][c, 0]), int(meta["theta"][c, 0])
        r_out = 1.0 - j1 * ring
        if order == 1:
            sectors[1].append((c, r_out - ring, r_out, starts[t1], widths[t1]))
            continue
        j2, t2 = int(meta["j"][c, 1]), int(meta["theta"][c, 1])
        sub = ring / max(J - 1 - j1, 1)  # scales j2 = j1+1 .. J-1 share the ring of j1
        r2_out = r_out - (j2 - j1 - 1) * sub
        sub_width = widths[t1] / L
        sectors[2].append((c, r2_out - sub, r2_out, starts[t1] + rank[t2] * sub_width, sub_width))
    return sectors


def _draw(ax, sectors, values, cmap, vmin, vmax):
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Wedge

    patches, colours = [], []
    for (c, r_in, r_out, start, width), value in zip(sectors, values):
        for mirror in (0.0, 180.0):
            a0 = np.degrees(start) + mirror
            patches.append(Wedge((0, 0), r_out, a0, a0 + np.degrees(width), width=r_out - r_in))
            colours.append(value)
    collection = PatchCollection(patches, cmap=cmap, edgecolor="none")
    collection.set_array(np.asarray(colours))
    collection.set_clim(vmin, vmax)
    ax.add_collection(collection)
    ax.set_xlim(-1.05, 1.05)
    ax.set_ylim(-1.05, 1.05)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    return collection


def plot_disk(S, x, fig=None, log=False, normalize_order2=False, image=True):
    """Order-1 and order-2 scattering coefficients of one image on frequency disks.

    Parameters
    ----------
    S : Scattering2D
        With ``max_order >= 1``; order 2 is drawn when present.
    x : ndarray, shape S.shape
        The image.
    log : bool
        Colour by :math:`\\log_{10}` of the coefficients.
    normalize_order2 : bool
        Divide :math:`S_Jx[\\lambda_1,\\lambda_2]` by :math:`S_Jx[\\lambda_1]` (the
        relative energy that order 2 recovers).
    image : bool
        Show the image in a first panel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    x = np.asarray(x, dtype=np.float64)
    if x.shape != tuple(S.shape):
        raise ValueError(f"plot_disk takes one image of shape {tuple(S.shape)}, got {x.shape}")
    coefs = np.asarray(S(x)).mean(axis=(-2, -1))  # one value per channel (spatial average)
    meta = S.meta()
    sectors = disk_layout(S)
    orders = [m for m in (1, 2) if sectors[m]]
    fig = fig or new_figure(figsize=(4.2 * (len(orders) + int(image)), 4.6))
    axes = fig.subplots(1, len(orders) + int(image), squeeze=False)[0]
    if image:
        axes[0].imshow(x, cmap="gray")
        axes[0].set_title(f"image {x.shape[0]}x{x.shape[1]}")
        axes[0].axis("off")
    parent = {(int(meta["j"][c, 0]), int(meta["theta"][c, 0])): coefs[c]
              for c in np.flatnonzero(meta["order"] == 1)}
    for ax, m in zip(axes[int(image):], orders):
        channels = [s[0] for s in sectors[m]]
        values = coefs[channels]
        label = r"$S_J x[\lambda_1]$" if m == 1 else r"$S_J x[\lambda_1,\lambda_2]$"
        if m == 2 and normalize_order2:
            values = values / np.array([parent[(int(meta["j"][c, 0]), int(meta["theta"][c, 0]))]
                                        for c in channels])
            label += r" / $S_J x[\lambda_1]$"
        if log:
            values = np.log10(np.maximum(values, np.finfo(float).tiny))
            label = rf"$\log_{{10}}$ {label}"
        collection = _draw(ax, sectors[m], values, DISK_CMAP, values.min(), values.max())
        inner = f"inner j={S.J - 1}" if m == 1 else f"centre empty: no j2 > {S.J - 1}"
        ax.set_title(f"order {m}: {len(channels)} paths\n(outer ring j=0, {inner})")
        fig.colorbar(collection, ax=ax, location="bottom", shrink=0.8, label=label)
    fig.suptitle(f"2D scattering on the frequency disk (Bruna & Mallat 2013), J={S.J}, L={S.L}")
    return fig
