"""Ridge regression of QM7 energies on per-feature maps of the cached 3D invariants.

Reads the 3D invariants that ``scatkit experiment qm7 --out OUT`` cached
(``OUT/qm7/invariants_3d_*.npz``, all 7165 molecules), and for each map of the
features (the invariants alone; with their squares; square roots; logarithms;
combinations) prints the ridge MAE of the experiment's 5-fold outer CV (penalty
by inner 5-fold CV, as ``3d_ridge``) next to the inner-CV MAE (training folds
only), which is what a choice among the maps should be made on.  Each map is a
fixed function of one feature, so the model stays additive in the invariants
(a generalised additive model, not a kernel); the last rows add the products of
the same path's invariants between density channels (pairwise interactions),
the last one being :func:`scatkit.chem.expand_invariants`, the experiment's
``3d_ridge_expanded``.

    SCATKIT_DATA=/path/to/data python scripts/qm7_feature_maps.py results/qm7/invariants_3d_*.npz
"""

import sys

import numpy as np

from scatkit.chem import expand_invariants, kfold, ridge_cv
from scatkit.chem.regression import mae
from scatkit.datasets.qm7 import load_qm7
from scatkit.experiments.qm7 import FULL

#: floor inside the logarithm (the invariants are positive; the smallest is ~1e-9)
LOG_FLOOR = 1e-12


def feature_maps(X: np.ndarray) -> dict[str, np.ndarray]:
    """The per-feature maps compared, by name."""
    sq, root, log = X**2, np.sqrt(np.abs(X)), np.log(np.abs(X) + LOG_FLOOR)
    products = expand_invariants(X, powers=(), log=False)  # channel products alone
    return {"invariants": X, "+ squares": np.hstack([X, sq]),
            "+ square roots": np.hstack([X, root]), "+ logs": np.hstack([X, log]),
            "+ squares + square roots": np.hstack([X, sq, root]),
            "+ squares + square roots + logs": np.hstack([X, sq, root, log]),
            "+ squares + square roots + logs + channel products":
                np.hstack([X, sq, root, log, products]),
            "expand_invariants (+ cubes, fourth roots)": expand_invariants(X)}


def main(path: str) -> None:
    q = load_qm7()
    with np.load(path) as d:
        index, X = d["index"], d["features"]
    rank = np.argsort(index)
    index, X = index[rank], X[rank]
    if len(index) != len(q.energies):
        print(f"note: {len(index)} of {len(q.energies)} molecules in this cache")
    y = q.energies[index]
    folds = kfold(len(y), FULL["n_folds"], FULL["seed"])
    print("| features | inner-CV MAE | outer-CV MAE (kcal/mol) |\n|---|---|---|")
    for name, Z in feature_maps(X).items():
        inner, outer = [], []
        for tr, te in folds:
            model = ridge_cv(Z[tr], y[tr], inner_folds=FULL["inner_folds"], seed=FULL["seed"])
            inner.append(model.cv_mae.min())
            outer.append(mae(y[te], model.predict(Z[te])))
        print(f"| {name} ({Z.shape[1]}) | {np.mean(inner):.3f} | {np.mean(outer):.3f} ± "
              f"{np.std(outer):.3f} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
