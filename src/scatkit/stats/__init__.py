"""Statistics of stationary processes: scattering moments, spectra, structure
functions, marginals, test processes and the 2D Ising model.

- :class:`ScatteringMoments`, :func:`moments_spread` (:mod:`.moments`);
- :class:`PeriodicScattering1D`, :class:`PeriodicScattering2D` (:mod:`.periodic`);
- :func:`power_spectrum`, :func:`octave_band_power`, :func:`band_relative_error`
  (:mod:`.spectra`);
- :func:`structure_functions`, :func:`marginal_histogram`, :func:`wasserstein1`
  (:mod:`.marginals`);
- :func:`phase_randomize`, :func:`gaussian_field`, :func:`shot_noise`,
  :func:`multifractal_field`, :func:`match_spectrum`, :func:`rain_texture`
  (:mod:`.processes`);
- :func:`sample_ising`, :func:`onsager_energy`, :func:`yang_magnetization`,
  :data:`BETA_C` (:mod:`.ising`).
"""

from .ising import (BETA_C, correlation_function, energy_per_spin, magnetization,
                    onsager_energy, sample_ising, swendsen_wang_sweep, yang_magnetization)
from .marginals import (marginal_histogram, structure_function_error, structure_functions,
                        wasserstein1)
from .moments import ScatteringMoments, moments_spread, oversample_plan
from .periodic import PeriodicScattering1D, PeriodicScattering2D
from .processes import (gaussian_field, match_spectrum, multifractal_field, phase_randomize,
                        radial_spectrum_estimate, rain_texture, shot_noise)
from .spectra import band_relative_error, octave_band_power, periodogram, power_spectrum

__all__ = [
    "BETA_C", "PeriodicScattering1D", "PeriodicScattering2D", "ScatteringMoments",
    "band_relative_error", "correlation_function", "energy_per_spin", "gaussian_field",
    "magnetization", "marginal_histogram", "match_spectrum", "moments_spread",
    "multifractal_field", "octave_band_power", "onsager_energy", "oversample_plan",
    "periodogram", "phase_randomize", "power_spectrum", "radial_spectrum_estimate",
    "rain_texture", "sample_ising", "shot_noise", "structure_function_error",
    "structure_functions", "swendsen_wang_sweep", "wasserstein1", "yang_magnetization",
]
