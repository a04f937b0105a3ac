"""CPU nanoseconds per input sample of the 1D scattering trees against N: shows the
cache step between 2^18 and 2^20 samples behind the growth exponents of
``scatkit experiment tree`` (docs/tree.md).

    .venv/bin/python scripts/tree_cost_per_sample.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import time

import torch

from scatkit.transforms.tree import TreeScattering1D

#: input lengths (log2)
LOG2_SIZES = (16, 18, 19, 20, 21)


def median_cpu_seconds(T, x, repeat: int) -> float:
    with torch.no_grad():
        T(x)  # warm-up: filters and caches
        times = []
        for _ in range(repeat):
            t0 = time.process_time()
            T(x)
            times.append(time.process_time() - t0)
    return sorted(times)[len(times) // 2]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--J", type=int, default=3)
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    print("N        haar ns/sample  morlet ns/sample")
    for k in LOG2_SIZES:
        N = 2**k
        x = torch.rand(N)
        ns = [1e9 * median_cpu_seconds(TreeScattering1D(args.J, N, family=f), x, args.repeat) / N
              for f in ("haar", "morlet")]
        print(f"2^{k:<6d} {ns[0]:14.1f}  {ns[1]:16.1f}")


if __name__ == "__main__":
    main()
