"""Pictures of scattering transforms (matplotlib; figures are made without pyplot, so no
GUI backend is needed).

=========================  ==========================================================
``plot_filters``           filter bank in Fourier + Littlewood–Paley sum (1D or 2D)
``plot_filters_1d/_2d``    the same, for one kind of transform
``scalogram``              :math:`|x\\star\\psi_\\lambda|` of a 1D signal (array)
``plot_scalogram``         its image (time x log-frequency)
``plot_coefficients_1d``   :math:`S_0, S_1, S_2` of a 1D signal, by order
``plot_disk``              2D order-1/order-2 coefficients on frequency disks
                           (Bruna & Mallat 2013)
``save_figure``            write a figure (PNG, PDF, SVG from the extension)
=========================  ==========================================================
"""
from __future__ import annotations

import importlib

_LAZY = {
    "plot_filters": ".filters", "plot_filters_1d": ".filters", "plot_filters_2d": ".filters",
    "scalogram": ".coefficients", "plot_scalogram": ".coefficients",
    "plot_coefficients_1d": ".coefficients",
    "plot_disk": ".disk", "disk_layout": ".disk",
    "save_figure": "._figure", "new_figure": "._figure",
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
