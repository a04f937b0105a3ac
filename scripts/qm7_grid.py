"""How the 3D QM7 regression depends on the grid: a subset study.

For each ``spacing,sigma,J[,L]`` given (Å, Å, scales, harmonic degree; L defaults
to the experiment's), computes the 3D invariants of
a fixed random subset of QM7 (the experiment's settings otherwise: three density
channels, aligned molecules, 3 Å margin, ``sigma_0`` = 1 voxel, powers
0.5, 1, 2, 3, order 0 included), then the 5-fold ridge MAE (penalty by inner
5-fold CV) on the invariants and on the invariants with their squares, and
the seconds per molecule.

    SCATKIT_DATA=/path/to/data OPENBLAS_NUM_THREADS=1 \
        python scripts/qm7_grid.py 600 0.5,0.5,2 0.35,0.35,2 0.25,0.25,2
"""

import sys
import time

import numpy as np

from scatkit.chem import fit_grid, kfold, molecular_densities, ridge_cv
from scatkit.chem.regression import mae
from scatkit.datasets.qm7 import load_qm7
from scatkit.experiments.qm7 import FULL
from scatkit.transforms.harmonic3d import HarmonicScattering3D

#: molecules per call of the transform
CHUNK = 16


def main(n: int, settings: list[tuple[float, float, int, int]]) -> None:
    q = load_qm7()
    sub = np.sort(np.random.default_rng(FULL["seed"]).permutation(len(q.energies))[:n])
    y = q.energies[sub]
    folds = kfold(n, FULL["n_folds"], FULL["seed"])
    for spacing, sigma, J, L in settings:
        grid = fit_grid(q.positions, q.charges, spacing, FULL["margin"], FULL["align"])
        S = HarmonicScattering3D(J=J, shape=grid.shape, L=L, sigma_0=FULL["sigma_0"],
                                 integral_powers=FULL["integral_powers"], include_order0=True)
        start = time.perf_counter()
        feats = []
        for c in range(0, n, CHUNK):
            idx = sub[c:c + CHUNK]
            rho = molecular_densities(q.positions[idx], q.charges[idx], grid, sigma,
                                      align=FULL["align"])
            feats.append(S(rho).reshape(len(idx), -1))
        seconds = (time.perf_counter() - start) / n
        X = np.concatenate(feats).astype(np.float64)
        out = []
        for F in (X, np.hstack([X, X**2])):
            fits = [ridge_cv(F[tr], y[tr], inner_folds=FULL["inner_folds"], seed=FULL["seed"])
                    for tr, _ in folds]
            out.append(np.mean([mae(y[te], f.predict(F[te])) for f, (_, te) in zip(fits, folds)]))
        print(f"spacing {spacing} Å, density sigma {sigma} Å, J {J}, L {L}, grid {grid.shape}: "
              f"{seconds:.3f} s per molecule; ridge MAE {out[0]:.2f}, with squares {out[1]:.2f} "
              "kcal/mol", flush=True)


if __name__ == "__main__":
    def parse(arg: str) -> tuple[float, float, int, int]:
        spacing, sigma, J, *L = arg.split(",")
        return float(spacing), float(sigma), int(J), int(L[0]) if L else FULL["L"]

    main(int(sys.argv[1]), [parse(a) for a in sys.argv[2:]])
