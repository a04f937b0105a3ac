"""1D fast mode's band oversampling: speed against difference to the circular exact transform.

Usage: ``.venv/bin/python benchmarks/fast_band_oversampling.py``

For each ``cascade.FAST_BAND_OVERSAMPLING`` (samples per bin of a wavelet's band
at which fast mode keeps its modulus, see :func:`scatkit.transforms.cascade.band_exponents`),
times ``Scattering1D(fast=True)`` on the 1d-small and 1d-large benchmark batches
(float32, 2 FFT workers, best of 5 calls after a warm-up, the values alternated
twice) and prints its difference to :class:`scatkit.stats.PeriodicScattering1D`
(the same circular transform, exact) on random float64 signals: the largest
difference relative to the largest coefficient, and the 99th percentile and
maximum over channels of each channel's relative l2 difference.
"""

import time

import numpy as np

import scatkit
from scatkit.bench.runner import set_num_threads
from scatkit.stats.periodic import PeriodicScattering1D
from scatkit.transforms import cascade

VALUES = (1.0, 2.0, 4.0, 8.0)
CASES = (("1d-small", dict(J=8, shape=8192, Q=12), 64, 16),
         ("1d-large", dict(J=10, shape=65536, Q=8), 8, 4))


def best_ms(S, x, calls: int = 5) -> float:
    S(x)
    times = []
    for _ in range(calls):
        time.sleep(0.1)
        t0 = time.perf_counter()
        S(x)
        times.append(time.perf_counter() - t0)
    return 1e3 * min(times)


def main() -> None:
    set_num_threads(2)
    rng = np.random.default_rng(0)
    print("| workload | oversampling | ms (two alternations) | max diff / max | per-channel l2: 99th percentile, max |")
    print("|---|---|---|---|---|")
    for name, params, batch, batch_diff in CASES:
        x = rng.standard_normal((batch, params["shape"])).astype(np.float32)
        xd = rng.standard_normal((batch_diff, params["shape"]))
        circ = PeriodicScattering1D(**params)(xd)
        times = {v: [] for v in VALUES}
        for _ in range(2):
            for v in VALUES:
                cascade.FAST_BAND_OVERSAMPLING = v
                times[v].append(best_ms(scatkit.Scattering1D(**params, fast=True), x))
        for v in VALUES:
            cascade.FAST_BAND_OVERSAMPLING = v
            fast = scatkit.Scattering1D(**params, fast=True)(xd)
            per = np.sqrt(((fast - circ) ** 2).sum(axis=(0, 2)) / (circ**2).sum(axis=(0, 2)))
            print(f"| {name} | {v:g} | {' / '.join(f'{t:.0f}' for t in times[v])} | "
                  f"{np.abs(fast - circ).max() / np.abs(circ).max():.1e} | "
                  f"{np.quantile(per, 0.99):.1e}, {per.max():.1e} |", flush=True)


if __name__ == "__main__":
    main()
