"""Robustness of ``scatkit experiment synthesis`` to the synthesis seed and what decides
the lowest octave band (docs/synthesis.md): one row per (seed, target) with every
octave band's power-spectrum error, W1 and structure-function errors next to the
Gaussian model's, and the largest relative error of the wavelet powers E|x*psi|^2.

    SCATKIT_DATA=../shared/data .venv/bin/python scripts/synthesis_seeds.py --seeds 1 2
    ... --seeds 1 --targets dust ising --J 5            # the one-octave-less J
    ... --seeds 0 1 --targets dust --J 5 --n-iter 300 --model scattering --init noise
    ... --dust-spread                                   # the band across I_1, I_2, I_3

Targets, iterations, start point and model are the experiment's unless given.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from scatkit.experiments.synthesis import FULL, INIT, MODELS, evaluate, make_targets
from scatkit.stats import ScatteringMoments, band_relative_error
from scatkit.synthesis import gaussian_baseline, synthesize


def wavelet_power_error(y, x, J) -> float:
    """Largest relative error of the wavelet powers (the moments' 'power' block)."""
    m = ScatteringMoments(x.shape, J=J, power=True)
    keep = m.meta()["kind"] == "power"
    px, py = (m(torch.as_tensor(v)).numpy()[keep] for v in (x, y))
    return float(np.abs(py / px - 1).max())


def dust_spread(size: int) -> None:
    """Band errors between the three independent dust maps (each normalised by its
    variance): how much a single realisation fixes each band."""
    from scatkit.datasets.paths import dataset_path

    maps = []
    for i in (1, 2, 3):
        m = np.load(dataset_path("dust_mhd") / f"I_{i}.npy").astype(np.float64)
        f = m.shape[0] // size
        m = m.reshape(size, f, size, f).mean(axis=(1, 3))
        maps.append(m / m.std())
    for a in range(3):
        for b in range(3):
            if a != b:
                err = 100 * band_relative_error(maps[a], maps[b], ndim=2)
                print(f"I_{a + 1} vs I_{b + 1}: band errors % {np.round(err, 1).tolist()}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--targets", nargs="+", default=["rain", "dust", "ising"])
    parser.add_argument("--model", choices=list(MODELS), default="scattering+marginal")
    parser.add_argument("--init", default=INIT, choices=["noise", "gaussian"])
    parser.add_argument("--J", type=int, default=None, help="default: synthesize's")
    parser.add_argument("--n-iter", type=int, default=None, help="default: the experiment's")
    parser.add_argument("--dust-spread", action="store_true")
    args = parser.parse_args(argv)
    if args.dust_spread:
        dust_spread(FULL["size"])
        return
    torch.set_num_threads(1)  # as the experiment
    targets = make_targets(FULL, 0)  # the experiment's targets (seed 0)
    for seed in args.seeds:
        for name in args.targets:
            x = targets[name]
            t0 = time.perf_counter()
            n_iter = args.n_iter or FULL["n_iter"][name]
            y, info = synthesize(x, n_iter=n_iter, seed=seed, J=args.J,
                                 marginal=MODELS[args.model], init=args.init, progress=False,
                                 return_info=True)
            seconds = time.perf_counter() - t0
            ev = ScatteringMoments(x.shape, J=info["J"])
            r, g = evaluate(y, x, ev), evaluate(gaussian_baseline(x, seed=seed), x, ev)
            print(f"seed {seed} {name} J={info['J']} {seconds:.0f} s | band errors % "
                  f"{np.round(100 * r['band'], 1).tolist()} | W1 {r['w1']:.3f} (Gaussian "
                  f"{g['w1']:.3f}) | SF {r['sf'].mean():.3f} (Gaussian {g['sf'].mean():.3f}) | "
                  f"wavelet powers max err {100 * wavelet_power_error(y, x, info['J']):.1f} %",
                  flush=True)


if __name__ == "__main__":
    main()
