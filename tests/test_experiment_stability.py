"""Deformations (scatkit.deform) and the stability experiment's --quick run."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import requires_data
from scatkit import deform


@given(st.floats(0.001, 0.5), st.integers(0, 2**31 - 1))
def test_random_field_has_requested_gradient_norm(g, seed):
    tau = deform.random_displacement((32, 40), g, rng=seed)
    assert tau.shape == (2, 32, 40)
    assert deform.grad_sup_norm(tau) == pytest.approx(g, rel=1e-9)


@given(st.floats(0.5, 2.0))
def test_dilation_gradient_norm(s):
    tau = deform.dilation_field((20, 20), s)
    assert deform.grad_sup_norm(tau) == pytest.approx(abs(1 - 1 / s), rel=1e-9, abs=1e-12)


@given(st.floats(-1.0, 1.0))
def test_rotation_gradient_norm(angle):
    tau = deform.rotation_field((20, 24), angle)
    assert deform.grad_sup_norm(tau) == pytest.approx(2 * abs(np.sin(angle / 2)), abs=1e-12)


def test_integer_translation_is_exact_roll():
    x = np.random.default_rng(0).random((2, 16, 16)).astype(np.float32)
    out = deform.apply_displacement(x, deform.translation_field((16, 16), (3, -2)),
                                    mode="grid-wrap")
    assert out.dtype == np.float32
    assert np.allclose(out, np.roll(x, (3, -2), axis=(-2, -1)), atol=1e-6)
    assert deform.grad_sup_norm(deform.translation_field((16, 16), (3, -2))) == 0


def test_rotation_by_quarter_turn_matches_rot90():
    x = np.random.default_rng(1).random((15, 15))  # odd side: the centre is a pixel
    out = deform.apply_displacement(x, deform.rotation_field(x.shape, np.pi / 2), order=1)
    assert np.allclose(out, np.rot90(x, k=1), atol=1e-9) or np.allclose(
        out, np.rot90(x, k=-1), atol=1e-9)


def test_dilation_of_a_linear_ramp():
    """x(u) = u_0 (row index) dilated by s about the centre c is c_0 + (u_0 - c_0) / s."""
    M = 21
    x = np.repeat(np.arange(M, dtype=float)[:, None], M, axis=1)
    out = deform.apply_displacement(x, deform.dilation_field((M, M), 2.0), order=1)
    c = (M - 1) / 2
    assert np.allclose(out, c + (x - c) / 2)


def test_bad_inputs():
    with pytest.raises(ValueError, match="shape"):
        deform.apply_displacement(np.ones((4, 4)), np.zeros((2, 5, 5)))
    with pytest.raises(ValueError, match="mode"):
        deform.apply_displacement(np.ones((4, 4)), np.zeros((2, 4, 4)), mode="bogus")
    with pytest.raises(ValueError, match="max_grad"):
        deform.random_displacement((8, 8), -1)
    with pytest.raises(ValueError, match="cutoff"):
        deform.random_displacement((8, 8), 0.1, cutoff=0.9)
    with pytest.raises(ValueError, match="scale"):
        deform.dilation_field((8, 8), 0)


def test_scattering_more_stable_than_fourier_on_textures_like_signal():
    """A high-frequency oscillating pattern: a small dilation changes its Fourier
    modulus far more than its scattering transform (the claim of the experiment)."""
    from scatkit.experiments import stability

    u = np.arange(64)
    x = np.cos(2 * np.pi * 0.3 * u)[:, None] * np.cos(2 * np.pi * 0.27 * u)[None, :]
    x = x[None]
    tau = deform.dilation_field((64, 64), 1 / (1 - 0.01))
    y = deform.apply_displacement(x, tau, mode="reflect")
    phi = stability.representations((64, 64), 3)
    fx, fy = phi(x), phi(y)
    change = {r: stability.relative_change(fy[r], fx[r])[0] for r in ("fourier", "scat2")}
    assert np.allclose(fx["scat1"], fx["scat2"][:, :fx["scat1"].shape[1]])
    assert change["fourier"] > 3 * change["scat2"]


@requires_data("kth_tips_grey")
def test_quick_run(tmp_path):
    from scatkit.experiments.framework import run_experiment
    from scatkit.experiments import stability

    res = run_experiment("stability", quick=True, out=tmp_path, progress=False)
    m = res["metrics"]
    for data in ("mnist", "kth_tips"):
        for r in stability.REPRESENTATIONS:
            assert f"slope/{r}/{data}" in m and f"slope_small/{r}/{data}" in m
        # scattering is more stable than the Fourier modulus at small deformations
        assert m[f"slope_small/scat2/{data}"] < m[f"slope_small/fourier/{data}"]
        for J in (2,):
            shares = [m[f"energy_pct/order{k}/{data}/J{J}"] for k in range(4)]
            assert shares[0] > shares[1] > shares[2] >= 0
            assert m[f"energy_pct/total/{data}/J{J}"] <= 100.0 + 1e-6
        # translation invariance improves with J
        assert (m[f"translation_rel_change/scat2_J3/{data}/shift1"]
                < m[f"translation_rel_change/scat2_J1/{data}/shift1"])
    assert {"stability_slopes", "translation_invariance", "energy_per_order"} <= set(res["tables"])
    assert (tmp_path / "stability" / "stability.png").exists()
