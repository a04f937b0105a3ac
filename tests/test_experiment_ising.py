"""Quick run of ``scatkit experiment ising`` and its building blocks."""

import numpy as np
from conftest import requires_torch


def test_block_average_and_features():
    from scatkit.experiments.ising import block_average, measurement_features

    x = np.ones((2, 8, 8))
    x[1, :4] = -1
    y = block_average(x, 4)
    np.testing.assert_array_equal(y, [[[1, 1], [1, 1]], [[-1, -1], [1, 1]]])
    f = measurement_features(y)
    assert f.shape == (2, 6) and np.allclose(f[:, 0], 1) and np.allclose(f[:, 3], 1)


@requires_torch
def test_ising_quick(tmp_path):
    from scatkit.experiments.framework import run_experiment

    res = run_experiment("ising", quick=True, out=tmp_path, progress=False)
    m = res["metrics"]
    for method in ("tv", "scattering"):
        for key in ("energy_per_spin", "magnetization", "corr_abs_err", "scat_relerr_pct"):
            assert f"{key}/{method}/beta0.4407" in m
    assert -2.0 <= m["energy_per_spin/true/beta0.4407"] <= 0
    assert (tmp_path / "ising" / "ising_reconstructions.png").exists()
