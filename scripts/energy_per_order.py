"""Print the energy per scattering order ||S_m x||^2 / ||x||^2 (m = 0..3) and its
cumulative sum, on MNIST digits and white noise, like Bruna & Mallat's Table 1.

    .venv/bin/python scripts/energy_per_order.py [--n 200]
"""

from __future__ import annotations

import argparse

import numpy as np

import scatkit
from scatkit.cli.demo import load_sample
from scatkit.filters.littlewood_paley import frame_bounds
from scatkit.transforms.energy import energy_per_order


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="signals per data set")
    parser.add_argument("--L", type=int, default=8)
    args = parser.parse_args()
    images, _ = load_sample()
    rng = np.random.default_rng(0)
    data = {"MNIST digits": images[rng.choice(len(images), args.n, replace=False)].astype(np.float64),
            "white noise": rng.standard_normal((args.n, 28, 28))}
    print("| data | J | m=0 | m=1 | m=2 | m=3 | cumulative m<=3 | frame bounds [A, B] |")
    print("|---|---|---|---|---|---|---|---|")
    for name, x in data.items():
        for J in (1, 2, 3):
            S = scatkit.Scattering2D(J, (28, 28), L=args.L, max_order=3, batch_size=50)
            e = 100 * energy_per_order(S, x)
            A, B = frame_bounds(S.bank.psi[0], S.bank.phi[0])
            cells = " | ".join(f"{v:.2f}" for v in e)
            print(f"| {name} | {J} | {cells} | {e.sum():.2f} | [{A:.3f}, {B:.3f}] |")


if __name__ == "__main__":
    main()
