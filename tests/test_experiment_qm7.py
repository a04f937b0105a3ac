"""``scatkit experiment qm7 --quick``: the metric keys, figures, and the invariant cache."""

from __future__ import annotations

import json
import math

import numpy as np

from conftest import requires_data


@requires_data("qm7")
def test_qm7_quick(tmp_path):
    from scatkit.chem import fit_grid
    from scatkit.datasets.qm7 import load_qm7
    from scatkit.experiments import qm7 as exp
    from scatkit.experiments.framework import Context, run_experiment

    results = run_experiment("qm7", quick=True, out=tmp_path, progress=False)
    metrics = results["metrics"]
    for method in ("3d_ridge", "coulomb_krr", "3d_ridge_squares", "3d_ridge_expanded", "3d_krr"):
        for q in ("mae_kcal_mol", "rmse_kcal_mol"):
            for stat in ("mean", "std", "fold1", "fold5"):
                assert math.isfinite(metrics[f"{q}/{method}/{stat}"])
            assert metrics[f"rmse_kcal_mol/{method}/mean"] >= metrics[f"mae_kcal_mol/{method}/mean"]
    assert math.isfinite(metrics["mae_kcal_mol/2d_ols/best"])
    # the 3D ridge beats predicting the mean energy by a wide margin even on 48 molecules
    qm7 = load_qm7()
    assert metrics["mae_kcal_mol/3d_ridge/mean"] < 0.6 * np.abs(
        qm7.energies - qm7.energies.mean()).mean()
    out = tmp_path / "qm7"
    saved = json.loads((out / "results.json").read_text())
    assert saved["quick"] is True and saved["config"]["n_molecules"] == 48
    assert (out / "qm7_3d_pred_vs_true.png").exists() and (out / "qm7_2d_mae_vs_terms.png").exists()
    assert "3.2 ± 0.1" in (out / "table.md").read_text()
    # the invariants are cached: a second request computes nothing and returns the same numbers
    caches = list(out.glob("invariants_3d_*.npz"))
    assert len(caches) == 1
    cfg = dict(exp.QUICK)
    grid = fit_grid(qm7.positions, qm7.charges, cfg["spacing"], cfg["margin"], cfg["align"])
    ctx = Context(name="qm7", quick=True, out_dir=out, progress=False)
    idx = np.load(caches[0])["index"][:10].tolist()
    X = exp.invariants_3d(ctx, cfg, qm7.positions, qm7.charges, grid, idx)
    assert "seconds_per_molecule/3d_invariants" not in ctx.metrics
    np.testing.assert_array_equal(X, np.load(caches[0])["features"][:10])


def test_invariants_2d_are_rotation_and_translation_invariant():
    """Quarter turns about pixel (0, 0) of a periodic grid and circular shifts leave the
    2D invariants unchanged (the orientation sums absorb the rotation)."""
    from scatkit.experiments.qm7 import invariants_2d

    rng = np.random.default_rng(0)
    rho = rng.random((2, 3, 32, 32)) ** 4  # positive, peaky
    base = invariants_2d(rho, J=3, L=8)
    assert base.shape == (2, 3 * (2 + 2 * 3 + 3 * 8))  # norms, order 1 (L1, L2) per j, order 2
    quarter = np.roll(np.rot90(rho, 1, axes=(-2, -1)), 1, axis=-2)  # about pixel (0, 0)
    shifted = np.roll(rho, (5, -3), axis=(-2, -1))
    for other in (quarter, shifted):
        np.testing.assert_allclose(invariants_2d(other, J=3, L=8), base, rtol=1e-9)
    # and they see more than the mass: a uniform density of the same mean differs
    assert not np.allclose(invariants_2d(np.full_like(rho, rho.mean()), J=3, L=8), base)
