r"""Filter banks in the Fourier domain, with their Littlewood–Paley sum.

The filters are those a transform uses (``S.bank``: built by
:func:`scatkit.filters.morlet1d.filter_bank_1d` or
:func:`scatkit.filters.morlet2d.filter_bank_2d`), at full resolution. The
Littlewood–Paley sum for real signals,

.. math::

    \mathcal{A}(\omega) = |\hat\phi(\omega)|^2 + \tfrac12\sum_\lambda
        \big(|\hat\psi_\lambda(\omega)|^2 + |\hat\psi_\lambda(-\omega)|^2\big),

bounds the energy the wavelet transform keeps, :math:`A\|x\|^2 \le \|Wx\|^2 \le B\|x\|^2`
with :math:`A=\min\mathcal{A}`, :math:`B=\max\mathcal{A}` (Mallat, "Group invariant
scattering", CPAM 2012; Andén & Mallat, IEEE TSP 2014, eq. 11); it is computed by
:func:`scatkit.filters.littlewood_paley.littlewood_paley`.
"""

from __future__ import annotations

import numpy as np

from ._figure import new_figure

__all__ = ["plot_filters_1d", "plot_filters_2d", "plot_filters"]

#: colour map of the 2D filter images
FILTER_CMAP = "magma"


def _lp_sum(psi_f, phi_f, ndim):
    from scatkit.filters.littlewood_paley import littlewood_paley

    return littlewood_paley(psi_f, phi_f, ndim=ndim)


def plot_filters_1d(S, orders=(1, 2), fig=None):
    """Plot the 1D wavelets :math:`|\\hat\\psi_\\lambda|` and low-pass :math:`|\\hat\\phi|`
    of ``S`` (a :class:`scatkit.Scattering1D`) against frequency, one panel per
    wavelet bank, each with its Littlewood–Paley sum.

    Parameters
    ----------
    S : Scattering1D
    orders : tuple of int
        Which banks to show (1: first order, ``Q[0]`` per octave; 2: higher orders).
    fig : matplotlib Figure, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    bank = S.bank
    orders = [m for m in orders if m in bank.psi]
    fig = fig or new_figure(figsize=(9, 3.2 * len(orders)))
    axes = fig.subplots(len(orders), 1, squeeze=False)[:, 0]
    N = bank.N
    keep = slice(1, N // 2 + 1)  # real signals: 0 < omega <= 1/2 suffices (log axis)
    freq = np.arange(N) / N
    phi = bank.phi[0]
    for ax, m in zip(axes, orders):
        psi = bank.psi[m][0]
        lp = _lp_sum(psi, phi, ndim=1)
        ax.plot(freq[keep], np.abs(psi[:, keep]).T, lw=0.8, color="tab:blue", alpha=0.8)
        ax.plot(freq[keep], np.abs(phi[keep]), lw=1.2, color="tab:green", label=r"$|\hat\phi|$")
        ax.plot(freq[keep], lp[keep], lw=1.5, color="black", ls="--",
                label=f"Littlewood–Paley sum, real signals (A={lp.min():.2f}, B={lp.max():.2f})")
        ax.set_xscale("log")
        ax.set_xlim(1.0 / N, 0.5)
        ax.set_xlabel("frequency (cycles per sample)")
        ax.set_ylabel(r"$|\hat\psi_\lambda(\omega)|$")
        q = S.Q[m - 1] if hasattr(S, "Q") else "?"
        ax.set_title(f"order-{m} wavelets: {psi.shape[0]} filters, Q={q}, J={S.J}, "
                     f"N={N} (padded)")
        ax.legend(loc="upper left", fontsize=8)
        ax.grid(alpha=0.3)
    return fig


def plot_filters_2d(S, fig=None):
    """Plot the 2D Morlet wavelets :math:`|\\hat\\psi_{j,\\theta}|` of ``S`` (a
    :class:`scatkit.Scattering2D`), one image per scale (rows) and orientation
    (columns), zero frequency at the centre, plus the low-pass and the
    Littlewood–Paley sum.

    Returns
    -------
    matplotlib.figure.Figure
    """
    bank = S.bank
    psi, phi = bank.psi[0], bank.phi[0]
    J, L = bank.J, bank.L
    M, N = phi.shape
    lp = _lp_sum(psi, phi, ndim=2)
    rows = max(J, 2)
    fig = fig or new_figure(figsize=(1.5 * L + 2 * 1.5 * rows, 1.5 * rows + 0.9))
    grid = fig.add_gridspec(rows, L + 3, width_ratios=[1] * L + [0.1, rows, rows])
    extent = (-0.5, 0.5, -0.5, 0.5)  # cycles per sample, after fftshift
    vmax = float(np.abs(psi).max())
    image = None
    for k in range(J * L):
        j, t = int(bank.j[k]), int(bank.theta[k])
        ax = fig.add_subplot(grid[j, t])
        image = ax.imshow(np.fft.fftshift(np.abs(psi[k])), extent=extent, cmap=FILTER_CMAP,
                          vmin=0, vmax=vmax, origin="lower")
        ax.set_xticks([])
        ax.set_yticks([])
        if j == 0:
            ax.set_title(rf"$\theta$={t}", fontsize=9)
        if t == 0:
            ax.set_ylabel(f"j={j}", fontsize=9)
    fig.colorbar(image, ax=fig.axes, location="left", shrink=0.8, label=r"$|\hat\psi_{j,\theta}|$")
    for col, (data, title) in enumerate(((np.abs(phi), r"low-pass $|\hat\phi_J|$"),
                                         (lp, f"Littlewood–Paley sum\nA={lp.min():.2f}, "
                                              f"B={lp.max():.2f}"))):
        ax = fig.add_subplot(grid[:, L + 1 + col])
        im = ax.imshow(np.fft.fftshift(data), extent=extent, cmap="viridis", origin="lower")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(r"$\omega_2$ (cycles/sample)", fontsize=8)
        ax.set_ylabel(r"$\omega_1$", fontsize=8)
        ax.tick_params(labelsize=7)
        fig.colorbar(im, ax=ax, location="bottom", shrink=0.9)
    fig.suptitle(f"2D Morlet filter bank in Fourier: J={J}, L={L}, grid {M}x{N} (padded)")
    return fig


def plot_filters(S, fig=None):
    """:func:`plot_filters_1d` or :func:`plot_filters_2d` according to ``S.ndim``."""
    if getattr(S, "ndim", None) == 1 and hasattr(S.bank, "psi"):
        return plot_filters_1d(S, fig=fig)
    if getattr(S, "ndim", None) == 2 and hasattr(S.bank, "theta"):
        return plot_filters_2d(S, fig=fig)
    raise TypeError(f"plot_filters takes a Scattering1D or Scattering2D, got {type(S).__name__}")
