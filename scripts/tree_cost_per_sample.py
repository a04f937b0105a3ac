"""CPU nanoseconds per input sample of the scattering trees against N, user and system
time apart: shows what is behind the growth exponents above 1 of ``scatkit experiment
tree`` (docs/tree.md) — a cache step in 1D, page faults of fresh multi-GB buffers in 2D.

    .venv/bin/python scripts/tree_cost_per_sample.py [--repeat 7] [--sides 1024 2048 4096]
"""

from __future__ import annotations

import argparse
import resource

import torch

from scatkit.transforms.tree import TreeScattering1D, TreeScattering2D

#: input lengths (log2) of the 1D part
LOG2_SIZES = (16, 18, 19, 20, 21)


def median_cpu_seconds(T, x, repeat: int) -> tuple[float, float]:
    """Median user and system CPU seconds of one call (after a warm-up call)."""
    with torch.no_grad():
        T(x)  # warm-up: filters and caches
        times = []
        for _ in range(repeat):
            r0 = resource.getrusage(resource.RUSAGE_SELF)
            T(x)
            r1 = resource.getrusage(resource.RUSAGE_SELF)
            times.append((r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime))
    times.sort(key=sum)
    return times[len(times) // 2]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--J", type=int, default=3)
    parser.add_argument("--sides", type=int, nargs="*", default=[1024, 2048, 4096],
                        help="2D sides (Morlet-like tree, L=8); 4096 needs about 8 GB")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    print("1D   N        haar ns/sample (user+sys)  morlet ns/sample (user+sys)")
    for k in LOG2_SIZES:
        N = 2**k
        x = torch.rand(N)
        ns = [sum(median_cpu_seconds(TreeScattering1D(args.J, N, family=f), x, args.repeat))
              * 1e9 / N for f in ("haar", "morlet")]
        print(f"     2^{k:<6d} {ns[0]:26.1f}  {ns[1]:27.1f}")
    print("2D   side     morlet ns/pixel user   system")
    for n in args.sides:
        x = torch.rand(n, n)
        u, s = median_cpu_seconds(TreeScattering2D(args.J, (n, n), L=8), x,
                                  max(1, args.repeat // 3))
        print(f"     {n:<8d} {1e9 * u / n / n:22.0f} {1e9 * s / n / n:8.0f}")


if __name__ == "__main__":
    main()
