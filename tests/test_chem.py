"""scatkit.chem and the QM7 / XYZ loaders: densities, alignment, grids, Coulomb
matrices, regressions, and the rotation invariance of 3D invariants."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import requires_data
from scatkit import HarmonicScattering3D
from scatkit.chem import (Grid, align_principal_axes, coulomb_matrices, fit_grid, kernel_ridge_cv,
                          kfold, molecular_densities, orthogonal_least_squares, random_rotations,
                          ridge_cv, valence_electrons)
from scatkit.datasets.qm7 import load_qm7, read_xyz

#: ethanol (angstrom), a small non-planar molecule
ETHANOL = np.array([[-0.0014, -0.4593, 0.0], [1.2492, 0.4239, 0.0], [-1.1536, 0.3872, 0.0],
                    [-0.0473, -1.1115, 0.8824], [-0.0473, -1.1115, -0.8824],
                    [1.2858, 1.0730, -0.8869], [1.2858, 1.0730, 0.8869], [2.1550, -0.1887, 0.0],
                    [-1.9458, -0.1577, 0.0]])
ETHANOL_Z = np.array([6, 6, 8, 1, 1, 1, 1, 1, 1])

#: relative change of the invariant vector under random rotations that the docs state
ROTATION_TOL = 2e-3


def test_valence_electrons():
    np.testing.assert_array_equal(valence_electrons([0, 1, 6, 7, 8, 16]), [0, 1, 4, 5, 6, 6])
    with pytest.raises(ValueError, match="0..18"):
        valence_electrons([19])


def test_alignment_is_rotation_invariant_up_to_axis_signs():
    rng = np.random.default_rng(0)
    R = random_rotations(5, rng)
    np.testing.assert_allclose(np.einsum("nij,nkj->nik", R, R), np.broadcast_to(np.eye(3),
                               (5, 3, 3)), atol=1e-12)
    assert np.allclose(np.linalg.det(R), 1)
    pos = np.concatenate([ETHANOL[None], ETHANOL[None] @ R + rng.normal(size=(5, 1, 3))])
    aligned = align_principal_axes(pos, np.broadcast_to(ETHANOL_Z, (6, 9)))
    np.testing.assert_allclose(np.abs(aligned), np.abs(aligned[:1]).repeat(6, 0), atol=1e-9)
    spread = (ETHANOL_Z[:, None] * aligned[0] ** 2).sum(0)
    assert spread[0] >= spread[1] >= spread[2]


def test_densities_mass_channels_and_grid():
    pos = np.stack([ETHANOL, ETHANOL + 0.3])
    z = np.stack([ETHANOL_Z, ETHANOL_Z])
    grid = fit_grid(pos, z, spacing=0.3, margin=2.0)
    assert all(n % 2 == 1 for n in grid.shape)
    rho = molecular_densities(pos, z, grid, sigma=0.4, dtype=np.float64)
    assert rho.shape == (2, 3) + grid.shape
    np.testing.assert_allclose(rho.sum((2, 3, 4)), [[26, 20, 6]] * 2, rtol=1e-6)
    np.testing.assert_allclose(rho[:, 0], rho[:, 1] + rho[:, 2], atol=1e-12)
    np.testing.assert_allclose(rho[0], rho[1], atol=1e-10)  # centred: translation-free
    one = molecular_densities(ETHANOL, ETHANOL_Z, grid, sigma=0.4, channels=("core",))
    assert one.shape == (1,) + grid.shape and one.dtype == np.float32
    with pytest.raises(ValueError, match="channels"):
        molecular_densities(ETHANOL, ETHANOL_Z, grid, 0.4, channels=("protons",))
    with pytest.raises(ValueError, match="match"):
        molecular_densities(ETHANOL, ETHANOL_Z[:3], grid, 0.4)


def test_coulomb_matrix():
    h2 = np.zeros((1, 3, 3))
    h2[0, 1, 0] = 0.74
    C = coulomb_matrices(h2, np.array([[1, 1, 0]]), triangle=False)[0]
    assert C[0, 0] == pytest.approx(0.5) and C[2].sum() == 0
    assert C[0, 1] == pytest.approx(0.529177210903 / 0.74)
    rng = np.random.default_rng(3)
    perm = rng.permutation(9)
    a = coulomb_matrices(ETHANOL[None], ETHANOL_Z[None])
    b = coulomb_matrices(ETHANOL[perm][None], ETHANOL_Z[perm][None])
    np.testing.assert_allclose(a, b)
    assert a.shape == (1, 45)


def test_kfold_partition():
    folds = kfold(23, 5, seed=1)
    tests = np.concatenate([te for _, te in folds])
    assert sorted(tests.tolist()) == list(range(23))
    assert all(len(np.intersect1d(tr, te)) == 0 for tr, te in folds)
    assert [te.tolist() for _, te in kfold(23, 5, seed=1)] == [te.tolist() for _, te in folds]
    with pytest.raises(ValueError):
        kfold(3, 5, 0)


def test_ridge_and_kernel_ridge_recover_functions():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(300, 8)) * np.arange(1, 9)
    w = rng.normal(size=8)
    y = X @ w + 5 + 0.01 * rng.normal(size=300)
    model = ridge_cv(X[:200], y[:200])
    assert np.abs(model.predict(X[200:]) - y[200:]).mean() < 0.05
    y2 = np.sin(X[:, 0] / 2) + 0.1 * X[:, 1] ** 2 / 4
    krr = kernel_ridge_cv(X[:200, :2], y2[:200], kernel="gaussian", cv_size=150)
    lin = ridge_cv(X[:200, :2], y2[:200])
    err_krr = np.abs(krr.predict(X[200:, :2]) - y2[200:]).mean()
    assert err_krr < 0.5 * np.abs(lin.predict(X[200:, :2]) - y2[200:]).mean()
    with pytest.raises(ValueError, match="kernel"):
        kernel_ridge_cv(X, y, kernel="cosine")


def test_expand_invariants_layout_and_errors():
    from scatkit.chem import expand_invariants
    from scatkit.chem.expansion import LOG_FLOOR

    rng = np.random.default_rng(0)
    X = rng.uniform(0.1, 3.0, (5, 6))  # 3 channels of 2 paths
    Z = expand_invariants(X, n_channels=3)
    F = X.shape[1]
    assert Z.shape == (5, F * 6 + 3 * 2)
    np.testing.assert_allclose(Z[:, :F], X)
    np.testing.assert_allclose(Z[:, F:2 * F], X**2)
    np.testing.assert_allclose(Z[:, 2 * F:3 * F], X**3)
    np.testing.assert_allclose(Z[:, 3 * F:4 * F], np.sqrt(X))
    np.testing.assert_allclose(Z[:, 4 * F:5 * F], X**0.25)
    np.testing.assert_allclose(Z[:, 5 * F:6 * F], np.log(X + LOG_FLOOR))
    # channel products path by path: (all, valence), (all, core), (valence, core)
    np.testing.assert_allclose(Z[:, 6 * F:], np.hstack([X[:, 0:2] * X[:, 2:4], X[:, 0:2] * X[:, 4:6],
                                                        X[:, 2:4] * X[:, 4:6]]))
    plain = expand_invariants(X, 3, powers=(1.0,), log=False, channel_products=False)
    np.testing.assert_array_equal(plain, X)
    with pytest.raises(ValueError, match="channel blocks"):
        expand_invariants(X[:, :5], n_channels=3)
    with pytest.raises(ValueError, match="n_samples"):
        expand_invariants(X[0])


def test_orthogonal_least_squares_finds_the_support():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(120, 40))
    y = 3 * X[:, 7] - 2 * X[:, 21] + X[:, 33] + 0.01 * rng.normal(size=120)
    chosen = orthogonal_least_squares(X, y, 3)
    assert sorted(chosen.tolist()) == [7, 21, 33]
    assert chosen[0] == 7
    assert len(orthogonal_least_squares(X[:, :2], y, 10)) == 2


def test_rotation_invariance_of_3d_invariants():
    """Random rotations of the coordinates (no alignment) change the invariant vector
    of each density channel by less than ROTATION_TOL (relative L2)."""
    grid = Grid((27, 27, 27), 0.5)
    R = random_rotations(3, np.random.default_rng(6))
    pos = np.concatenate([ETHANOL[None], ETHANOL[None] @ R])
    rho = molecular_densities(pos, np.repeat(ETHANOL_Z[None], 4, 0), grid, sigma=0.5,
                              align=False, dtype=np.float64)
    S = HarmonicScattering3D(J=2, shape=grid.shape, L=3, integral_powers=(0.5, 1, 2),
                             include_order0=True)
    s = S(rho).reshape(4, 3, -1)
    change = np.linalg.norm(s[1:] - s[:1], axis=-1) / np.linalg.norm(s[:1], axis=-1)
    assert change.max() < ROTATION_TOL
    # without the sum over m (rotation_covariant=False) the coefficients are not invariant
    S1 = HarmonicScattering3D(J=2, shape=grid.shape, L=3, integral_powers=(0.5, 1, 2),
                              rotation_covariant=False)
    s1 = S1(rho[:, 0])
    assert (np.linalg.norm(s1[1:] - s1[:1]) / np.linalg.norm(s1[0])) > 10 * change.max()


def test_read_xyz(tmp_path):
    text = "3\nwater -76.4\nO 0 0 0.1\nH 0.76 0 -0.4\nH -0.76 0 -0.4\n\n1\nion\n6 1.0 2.0 3.0\n"
    (tmp_path / "m.xyz").write_text(text)
    mols = read_xyz(tmp_path / "m.xyz")
    assert mols.positions.shape == (2, 3, 3) and mols.charges.tolist() == [[8, 1, 1], [6, 0, 0]]
    assert mols.comments == ["water -76.4", "ion"]
    np.testing.assert_allclose(mols.positions[1, 0], [1, 2, 3])
    (tmp_path / "bad.xyz").write_text("2\nx\nO 0 0 0\n")
    with pytest.raises(ValueError, match="ends"):
        read_xyz(tmp_path / "bad.xyz")
    (tmp_path / "bad2.xyz").write_text("1\nx\nQq 0 0 0\n")
    with pytest.raises(ValueError, match="unknown element"):
        read_xyz(tmp_path / "bad2.xyz")


@requires_data("qm7")
def test_load_qm7():
    qm7 = load_qm7()
    assert qm7.positions.shape == (7165, 23, 3) and qm7.charges.shape == (7165, 23)
    assert qm7.energies[0] == pytest.approx(-417.96, abs=0.01)  # methane
    assert qm7.charges[0].tolist()[:5] == [6, 1, 1, 1, 1]
    ch = np.linalg.norm(qm7.positions[0, 1] - qm7.positions[0, 0])
    assert 1.0 < ch < 1.2  # a C-H bond, in angstrom
    with pytest.raises(FileNotFoundError):
        load_qm7("/nonexistent/qm7.npz")
