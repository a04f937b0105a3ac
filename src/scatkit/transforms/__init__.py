"""Scattering transforms: one cascade (:mod:`.cascade`) serves them all."""
from .scattering1d import Scattering1D
from .scattering2d import Scattering2D

__all__ = ["Scattering1D", "Scattering2D"]
