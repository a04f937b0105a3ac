"""Largest measured ratio ||Sx - Sy||_w / ||x - y|| over random pairs, against the
documented constant C = sqrt(3^d) max(1, B)^(M/2) (docs/index.md).

    .venv/bin/python scripts/lipschitz_ratio.py [--pairs 40]
"""

from __future__ import annotations

import argparse

import numpy as np

import scatkit
from scatkit.filters.littlewood_paley import frame_bounds, lipschitz_bound
from scatkit.transforms.energy import sampling_step


def perturbations(rng, shape):
    """Perturbation kinds: white noise, a border strip, the Nyquist pattern, one spike."""

    border = np.zeros(shape)
    border[..., :2] = rng.standard_normal(shape[:-1] + (2,))
    nyquist = np.ones(shape)
    for axis in range(len(shape)):
        sign = (-1.0) ** np.arange(shape[axis])
        nyquist = nyquist * sign.reshape([-1 if a == axis else 1 for a in range(len(shape))])
    spike = np.zeros(shape)
    spike[tuple(rng.integers(0, s) for s in shape)] = 1.0
    return {"noise": rng.standard_normal(shape), "border": border, "nyquist": nyquist, "spike": spike}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=40)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    cases = [scatkit.Scattering2D(J, (32, 32), L=4) for J in (1, 2, 3)]
    cases += [scatkit.Scattering1D(J, 512, Q=Q) for J, Q in ((3, 1), (5, 4), (6, 8))]
    print("| transform | max ratio | median ratio | C |")
    print("|---|---|---|---|")
    for S in cases:
        bank = S.bank
        psis = [bank.psi[0]] if S.ndim == 2 else [bank.psi[1][0], bank.psi[2][0]]
        B = max(frame_bounds(p, bank.phi[0])[1] for p in psis)
        C = np.sqrt(3.0**S.ndim) * lipschitz_bound(B, S.max_order)
        ratios = []
        for t in range(args.pairs):
            x = rng.standard_normal(S.shape)
            kinds = perturbations(rng, S.shape)
            delta = list(kinds.values())[t % len(kinds)]
            y = x + 10 ** rng.uniform(-3, 1) * delta
            d = S(x) - S(y)
            ratios.append(np.sqrt(np.sum(d**2) * sampling_step(S)) / np.linalg.norm(x - y))
        name = f"{type(S).__name__}(J={S.J}, shape={S.shape})"
        print(f"| {name} | {max(ratios):.3f} | {np.median(ratios):.3f} | {C:.2f} |")


if __name__ == "__main__":
    main()
