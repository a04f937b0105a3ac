"""Throughput of the core transforms on the CPU, NumPy and PyTorch (no peer comparison;
``scatkit bench`` compares with Kymatio side by side).

    .venv/bin/python scripts/throughput.py [--repeat 5]
"""

from __future__ import annotations

import argparse

import numpy as np

import scatkit
from scatkit.bench import median_seconds

#: (name, constructor, batch shape, unit)
WORKLOADS = [
    ("Scattering2D(J=2, L=8), 1024 x 28x28", lambda: scatkit.Scattering2D(2, (28, 28), L=8),
     (1024, 28, 28), "images"),
    ("Scattering1D(J=8, Q=12), 64 x 8192", lambda: scatkit.Scattering1D(8, 8192, Q=12),
     (64, 8192), "signals"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    try:
        import torch
    except ImportError:  # pragma: no cover
        torch = None
    print(f"| workload | backend | seconds (median of {args.repeat}) | throughput |")
    print("|---|---|---|---|")
    for name, make, shape, unit in WORKLOADS:
        S = make()
        x = rng.standard_normal(shape).astype(np.float32)
        inputs = {"numpy": x}
        if torch is not None:
            inputs["torch (cpu)"] = torch.from_numpy(x)
        for backend, data in inputs.items():
            t = median_seconds(lambda: S(data), args.repeat, warmup=True)
            print(f"| {name} | {backend} | {t:.3f} | {shape[0] / t:,.0f} {unit}/s |")


if __name__ == "__main__":
    main()
