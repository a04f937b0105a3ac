r"""Time–frequency pictures of a 1D signal: the scalogram and the scattering coefficients by order.

* Scalogram: the wavelet modulus :math:`U_1x(t,\lambda)=|x\star\psi_\lambda(t)|` at full
  time resolution, computed with the first-order filters of the transform (``S.bank``)
  on the signal padded as the transform pads it (reflection).
* Coefficients: :math:`S_0x(t)=x\star\phi_T`, :math:`S_1x(t,\lambda_1)=|x\star\psi_{\lambda_1}|\star\phi_T`
  and :math:`S_2x(t,\lambda_1,\lambda_2)=||x\star\psi_{\lambda_1}|\star\psi_{\lambda_2}|\star\phi_T`
  (Andén & Mallat, "Deep scattering spectrum", IEEE TSP 62(16), 2014, eqs. 6, 19), rows
  ordered as ``S.meta()`` orders the channels (by :math:`\lambda_1`, then :math:`\lambda_2`).
"""

from __future__ import annotations

import numpy as np

from ._figure import new_figure

__all__ = ["scalogram", "plot_scalogram", "plot_coefficients_1d"]

#: added before taking logarithms of coefficients (relative to their maximum)
LOG_FLOOR = 1e-6

#: colour map of scalograms and coefficient images
COEF_CMAP = "magma"


def scalogram(S, x) -> np.ndarray:
    """The wavelet modulus :math:`|x\\star\\psi_\\lambda|` of a 1D signal with the
    first-order filters of ``S`` (a :class:`scatkit.Scattering1D`).

    Returns
    -------
    ndarray, shape (n_filters, N)
        Rows in the bank's order (decreasing centre frequency, ``S.bank.xi[1]``).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.shape != tuple(S.shape):
        raise ValueError(f"scalogram takes one signal of shape {tuple(S.shape)}, got {x.shape}")
    padded = np.pad(x, (S.pad_left, S.pad_right), mode="reflect")
    psi = S.bank.psi[1][0]
    U1 = np.abs(np.fft.ifft(np.fft.fft(padded) * psi, axis=-1))
    return U1[:, S.pad_left:S.pad_left + x.size]


def _log_image(values):
    values = np.asarray(values, dtype=np.float64)
    return np.log10(values + LOG_FLOOR * max(float(values.max()), np.finfo(float).tiny))


def _freq_label(sr):
    return ("frequency (Hz)", sr) if sr else ("frequency (cycles/sample)", 1.0)


def plot_scalogram(S, x, sr=None, ax=None, fig=None, log=True):
    """Image of :func:`scalogram`: time on x, wavelet centre frequency on y (log scale),
    colour :math:`\\log_{10}|x\\star\\psi_\\lambda|` (``log=True``).

    Parameters
    ----------
    S : Scattering1D
    x : ndarray, shape S.shape
    sr : float, optional
        Sample rate (Hz) for the axes; default samples and cycles per sample.
    """
    U1 = scalogram(S, x)
    if ax is None:
        fig = fig or new_figure(figsize=(9, 4))
        ax = fig.add_subplot()
    ylabel, scale = _freq_label(sr)
    xi = S.bank.xi[1] * scale
    t_end = x.shape[-1] / sr if sr else x.shape[-1]
    order = np.argsort(xi)
    image = ax.pcolormesh(np.linspace(0, t_end, U1.shape[1] + 1), _edges(xi[order]),
                          _log_image(U1[order]) if log else U1[order], cmap=COEF_CMAP,
                          shading="flat", rasterized=True)
    ax.set_yscale("log")
    ax.set_xlabel("time (s)" if sr else "time (samples)")
    ax.set_ylabel(ylabel)
    ax.set_title(rf"scalogram $|x\star\psi_\lambda|$ (J={S.J}, Q={S.Q[0]})")
    ax.figure.colorbar(image, ax=ax, label=r"$\log_{10}$ modulus" if log else "modulus")
    return ax.figure


def _edges(centres):
    """Cell edges (geometric midpoints) around increasing positive centres."""
    c = np.asarray(centres, dtype=np.float64)
    if c.size == 1:
        return np.array([c[0] / 2 ** 0.5, c[0] * 2 ** 0.5])
    mid = np.sqrt(c[1:] * c[:-1])
    return np.concatenate([[c[0] ** 2 / mid[0]], mid, [c[-1] ** 2 / mid[-1]]])


def plot_coefficients_1d(S, x, sr=None, fig=None, log=True):
    """Scattering coefficients of one signal by order: the signal, :math:`S_0`,
    :math:`S_1` (rows by :math:`\\lambda_1`, frequency axis) and :math:`S_2` (rows
    by :math:`(\\lambda_1, \\lambda_2)`), on a common time axis.

    Uses ``S.meta()`` (``order``, ``xi``) to split and label the channels.
    """
    x = np.asarray(x, dtype=np.float64)
    coefs = np.asarray(S(x))  # (C, T_out)
    meta = S.meta()
    order = meta["order"]
    present = sorted(set(int(o) for o in order) - {0})
    fig = fig or new_figure(figsize=(9, 2.0 + 2.6 * len(present)))
    axes = fig.subplots(2 + len(present), 1, sharex=True,
                        height_ratios=[1, 0.8] + [2] * len(present))
    t_end = x.size / sr if sr else x.size
    time = np.linspace(0, t_end, x.size, endpoint=False)
    ylabel, scale = _freq_label(sr)
    axes[0].plot(time, x, lw=0.5, color="black")
    axes[0].set_ylabel("x(t)")
    axes[0].set_title(f"scattering coefficients by order (J={S.J}, Q={S.Q}, T={S.T} samples)")
    t_out = np.linspace(0, t_end, coefs.shape[-1] + 1)
    axes[1].step(0.5 * (t_out[1:] + t_out[:-1]), coefs[order == 0].T, where="mid", color="tab:blue")
    axes[1].set_ylabel("order 0")
    for ax, m in zip(axes[2:], present):
        rows = np.flatnonzero(order == m)
        values = coefs[rows]
        image = ax.pcolormesh(t_out, np.arange(rows.size + 1), _log_image(values) if log else values,
                              cmap=COEF_CMAP, shading="flat", rasterized=True)
        ax.invert_yaxis()
        if m == 1:
            xi1 = meta["xi"][rows, 0] * scale
            ticks = np.linspace(0, rows.size - 1, min(6, rows.size)).astype(int)
            ax.set_yticks(ticks + 0.5, [f"{xi1[k]:.3g}" for k in ticks])
            ax.set_ylabel(f"order 1\n{ylabel}")
        else:
            ax.set_ylabel(f"order {m}\npaths (by $\\lambda_1$, then $\\lambda_2$)")
        fig.colorbar(image, ax=ax, label=r"$\log_{10} S$" if log else "S")
    axes[-1].set_xlabel("time (s)" if sr else "time (samples)")
    return fig
