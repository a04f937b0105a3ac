"""Texture synthesis from scattering moments (:func:`synthesize`) and the Gaussian
baseline with the same power spectrum (:func:`gaussian_baseline`); see
:mod:`scatkit.synthesis.core`."""

from .core import (gaussian_baseline, make_loss, run_lbfgs, statistics, statistics_loss,
                   synthesize)

__all__ = ["gaussian_baseline", "make_loss", "run_lbfgs", "statistics", "statistics_loss",
           "synthesize"]
