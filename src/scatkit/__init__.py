"""scatkit: wavelet scattering transforms on NumPy and PyTorch.

Transforms (called on a NumPy array or a PyTorch tensor; same kind out):

- :class:`Scattering1D`, :class:`Scattering2D` -- Mallat's scattering, orders 1-3
- :class:`HarmonicScattering3D` -- solid harmonic scattering (3D)
- :class:`TimeFrequencyScattering` -- joint time-frequency scattering
- :class:`RigidMotionScattering2D` -- roto-translation scattering

Subpackages: ``filters``, ``backends``, ``transforms``, ``stats``,
``synthesis``, ``learn``, ``datasets``, ``experiments``, ``plot``, ``cli``.
"""

from __future__ import annotations

import importlib

from ._version import __version__
from .transforms.scattering1d import Scattering1D
from .transforms.scattering2d import Scattering2D

# Names resolved on first access, so that optional parts (and their optional
# dependencies) are only imported when used.
_LAZY = {
    "HarmonicScattering3D": "scatkit.transforms.harmonic3d",
    "TimeFrequencyScattering": "scatkit.transforms.jtfs",
    "RigidMotionScattering2D": "scatkit.transforms.rigid_motion",
    "synthesize": "scatkit.synthesis",
}
_SUBPACKAGES = ("filters", "backends", "transforms", "stats", "synthesis", "learn", "datasets",
                "experiments", "plot", "cli", "torch")

__all__ = ["Scattering1D", "Scattering2D", "__version__", *_LAZY, *_SUBPACKAGES]


def __getattr__(name: str):
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        value = getattr(module, name)
        globals()[name] = value
        return value
    if name in _SUBPACKAGES:
        return importlib.import_module(f"scatkit.{name}")
    raise AttributeError(f"module 'scatkit' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
