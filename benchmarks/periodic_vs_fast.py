"""Circular (periodic) scattering against fast mode: is dropping the padding faster?

Usage: ``.venv/bin/python benchmarks/periodic_vs_fast.py``

Times, on the benchmark workloads' batches (NumPy, 2 FFT workers, medians of 5
calls after a warm-up), ``Scattering2D``/``Scattering1D`` with ``fast=True``
against :class:`scatkit.stats.PeriodicScattering2D`/``1D`` (no padding).  Its 2D
rows were why 2D fast mode padded until 2026-11-30 (then 212 against 193 ms on
2d-small, 265 against 283 ms on 2d-large).  Since then fast mode is itself
circular where ``2**J`` (2D) or the stride (1D) divides the sides, so the columns
differ by the fast threshold and, in 1D, the band resolutions.
"""

import time

import numpy as np

import scatkit
from scatkit.bench.runner import set_num_threads
from scatkit.stats.periodic import PeriodicScattering1D, PeriodicScattering2D

REPEATS = 5


def median_ms(S, x) -> float:
    S(x)
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        S(x)
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def main() -> None:
    set_num_threads(2)
    rng = np.random.default_rng(0)
    rows = [("2d-small", scatkit.Scattering2D(2, (28, 28), fast=True),
             PeriodicScattering2D(2, (28, 28)), (1024, 28, 28)),
            ("2d-large", scatkit.Scattering2D(4, (256, 256), fast=True),
             PeriodicScattering2D(4, (256, 256)), (16, 256, 256)),
            ("1d-small", scatkit.Scattering1D(8, 8192, Q=12, fast=True),
             PeriodicScattering1D(8, 8192, Q=12), (64, 8192)),
            ("1d-large", scatkit.Scattering1D(10, 65536, Q=8, fast=True),
             PeriodicScattering1D(10, 65536, Q=8), (8, 65536))]
    print("| workload | fast mode (ms) | periodic (ms) |")
    print("|---|---|---|")
    for name, fast, periodic, shape in rows:
        x = rng.standard_normal(shape).astype(np.float32)
        print(f"| {name} | {median_ms(fast, x):.0f} | {median_ms(periodic, x):.0f} |", flush=True)


if __name__ == "__main__":
    main()
