"""Relative difference between ``fast=True`` and the exact coefficients.

Usage: ``.venv/bin/python benchmarks/fast_mode_difference.py``

Random float64 inputs on the benchmark workloads (small batches); prints
``max|fast - exact| / max|exact|`` and the relative l2 difference; the max once
``m`` output samples are left out at each end (1D) or border (2D), where fast
mode's circular convolutions wrap around, ``m`` = 1 .. ``ENDS``; and the
difference to the circular exact transform
(:class:`scatkit.stats.PeriodicScattering1D` / ``2D``): what fast mode's band
resolutions (1D) and threshold alone change (max and l2 as above, and the 99th
percentile and maximum over channels of each channel's relative l2 difference).
"""

import numpy as np

import scatkit
from scatkit.stats.periodic import PeriodicScattering1D, PeriodicScattering2D

#: output samples left out at each end (1D) or border (2D) for the "away from the
#: ends" figures
ENDS = {1: 4, 2: 2}


def main():
    rng = np.random.default_rng(0)
    cases = [("2D J=2 L=8 28x28", lambda f: scatkit.Scattering2D(J=2, shape=(28, 28), L=8, fast=f),
              lambda: PeriodicScattering2D(J=2, shape=(28, 28), L=8), (16, 28, 28)),
             ("2D J=4 L=8 256x256", lambda f: scatkit.Scattering2D(J=4, shape=(256, 256), L=8, fast=f),
              lambda: PeriodicScattering2D(J=4, shape=(256, 256), L=8), (2, 256, 256)),
             ("1D J=8 Q=12 N=8192", lambda f: scatkit.Scattering1D(J=8, shape=8192, Q=12, fast=f),
              lambda: PeriodicScattering1D(J=8, shape=8192, Q=12), (4, 8192)),
             ("1D J=10 Q=8 N=65536", lambda f: scatkit.Scattering1D(J=10, shape=65536, Q=8, fast=f),
              lambda: PeriodicScattering1D(J=10, shape=65536, Q=8), (2, 65536))]
    for name, make, make_circular, shape in cases:
        x = rng.standard_normal(shape)
        exact, fast = make(False)(x), make(True)(x)
        scale = np.abs(exact).max()
        line = (f"{name}: max {np.abs(exact - fast).max() / scale:.1e}, "
                f"l2 {np.linalg.norm(exact - fast) / np.linalg.norm(exact):.1e}")
        ndim = len(shape) - 1
        n = exact.shape[-1]
        inner = [np.abs(exact - fast)[(Ellipsis,) + (slice(m, n - m),) * ndim].max() / scale
                 for m in range(1, ENDS[ndim] + 1)]
        line += (f"; without m samples (of {n}) at each {'end' if ndim == 1 else 'border'}, "
                 f"m = 1..{ENDS[ndim]}: " + ", ".join(f"{v:.1e}" for v in inner))
        circ = make_circular()(x)
        axes = (0,) + tuple(range(2, 2 + ndim))
        per_channel = np.sqrt(((fast - circ) ** 2).sum(axis=axes) / (circ**2).sum(axis=axes))
        line += (f"; against the circular exact transform: max "
                 f"{np.abs(fast - circ).max() / np.abs(circ).max():.1e}, l2 "
                 f"{np.linalg.norm(fast - circ) / np.linalg.norm(circ):.1e}, per channel "
                 f"99th percentile {np.quantile(per_channel, 0.99):.1e}, "
                 f"max {per_channel.max():.1e}")
        print(line)


if __name__ == "__main__":
    main()
