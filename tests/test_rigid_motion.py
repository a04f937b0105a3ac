"""Rigid-motion scattering: group convolution, exact quarter-turn invariance, reference
computation, options, angular filters, NumPy/torch parity and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import requires_torch
from hypothesis import given
from hypothesis import strategies as st

import scatkit
from scatkit.filters.angular import (angular_filter_bank, littlewood_paley_angular,
                                     mirror_frequencies)
from scatkit.filters.morlet2d import (SIGMA_SCALE, SLANT_NUMERATOR, XI_SCALE, filter_bank_2d,
                                      morlet_2d, orientation_angles)
from scatkit.transforms.rigid_motion import (RigidMotionScattering2D, angular_operator,
                                             rotate90)


def _rel(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


@pytest.fixture(scope="module")
def periodic():
    return RigidMotionScattering2D(3, (32, 32), L=4, padding="periodic")


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).standard_normal((2, 32, 32))


# -- the group convolution and rotations ------------------------------------------------
def test_top_level_name_resolves():
    assert scatkit.RigidMotionScattering2D is RigidMotionScattering2D


@pytest.mark.parametrize("quarter", [1, 2, 3])
def test_first_layer_quarter_turn_permutes_theta_cyclically(periodic, images, quarter):
    """A quarter turn about pixel (0, 0) rotates the maps and shifts theta by L/2."""
    base = periodic.first_layer(images)
    turned = rotate90(periodic.first_layer(rotate90(images, quarter)), -quarter)
    L = periodic.L
    expected = np.roll(base, quarter * L // 2, axis=-3)
    assert np.abs(turned - expected).max() < 1e-12 * np.abs(base).max()
    if quarter % 2:  # the shift is not the identity: the test can fail
        assert np.abs(turned - base).max() > 1e-3 * np.abs(base).max()


@pytest.mark.parametrize("quarter", [1, 2, 3])
def test_output_invariant_to_quarter_turns_about_origin(periodic, images, quarter):
    s = periodic(images)
    s_rot = rotate90(periodic(rotate90(images, quarter)), -quarter)
    assert _rel(s_rot, s) < 1e-12


def test_translation_scattering_is_not_rotation_invariant(images):
    """The control: Scattering2D channels are permuted by a quarter turn."""
    T = scatkit.Scattering2D(3, (32, 32), L=4)
    a = T(images).mean(axis=(-2, -1))
    b = T(rotate90(images, 1)).mean(axis=(-2, -1))
    assert _rel(b, a) > 0.05


@given(st.integers(0, 2**31 - 1), st.integers(1, 3))
def test_invariance_property_random_images(seed, quarter):
    S = RigidMotionScattering2D(2, (16, 16), L=4, padding="periodic", average="global")
    x = np.random.default_rng(seed).standard_normal((16, 16))
    assert _rel(S(rotate90(x, quarter)), S(x)) < 1e-10


def test_global_average_with_reflection_is_nearly_invariant():
    """np.rot90 about the image centre: exact up to the one-pixel move of the sampling grid."""
    x = np.random.default_rng(1).standard_normal((64, 64))
    S = RigidMotionScattering2D(3, (64, 64), L=8, average="global")
    s, s90 = S(x), S(rotate90(x, 1, "centre"))
    order = S.meta()["order"]
    assert _rel(s90[order >= 1], s[order >= 1]) < 0.05


def _reference_joint(x, J, L, j2, k_index):
    """One-image, j1 = 0 joint channels straight from the formulas (loops, full grids).

    Spatial wavelets for every absolute angle of [0, 2pi) are sampled directly
    with ``morlet_2d`` (no use of the flip identity), the first layer is read
    pi-periodically, the angular convolution is an FFT along theta, the modulus
    is averaged over the kept angles, then phi_J averages over space.
    """
    M, N = x.shape
    bank = filter_bank_2d(M, N, J, L)
    U1 = np.abs(np.fft.ifft2(np.fft.fft2(x)[None] * bank.psi[0][:L]))  # j1 = 0
    angles = orientation_angles(L)
    angles = np.concatenate([angles, angles - np.pi])  # index t -> angle of index t, 2L
    psi2 = np.fft.fft2(morlet_2d(M, N, SIGMA_SCALE * 2**j2, angles, XI_SCALE / 2**j2,
                                 SLANT_NUMERATOR / L)).real
    n = 2 * L
    ang = angular_filter_bank(n, int(np.log2(L)))
    filt = (ang.psi[k_index[0], k_index[1]] if k_index[0] < ang.K else ang.phi)
    step = min(2 ** k_index[0], L // 2)
    out = []
    for t2 in range(L):
        Y = np.stack([np.fft.ifft2(np.fft.fft2(U1[t1 % L]) * psi2[(t1 + t2) % n])
                      for t1 in range(n)])[:, :: 2**j2, :: 2**j2]
        Y = np.fft.ifft(np.fft.fft(Y, axis=0) * filt[:, None, None], axis=0)
        U2 = np.abs(Y[::step]).mean(axis=0)
        low = np.fft.ifft2(np.fft.fft2(U2) * bank.phi[j2]).real
        out.append(low[:: 2 ** (J - j2), :: 2 ** (J - j2)])
    return np.stack(out)


@pytest.mark.parametrize("k_index", [(0, 0), (0, 1), (1, 0), (2, 0)])
def test_joint_channels_match_reference(k_index):
    J, L, j2 = 2, 4, 1
    x = np.random.default_rng(3).standard_normal((32, 32))
    S = RigidMotionScattering2D(J, (32, 32), L=L, padding="periodic")
    meta = S.meta()
    k, sign = k_index
    spin = 0 if k == S.K else (1 if sign == 0 else -1)
    sel = ((meta["order"] == 2) & (meta["j"][:, 0] == 0) & (meta["j"][:, 1] == j2)
           & (meta["k"][:, 1] == k) & (meta["spin"][:, 1] == spin))
    assert sel.sum() == L
    ours = S(x)[sel]
    assert np.array_equal(meta["theta"][sel, 1], np.arange(L))
    ref = _reference_joint(x, J, L, j2, k_index)
    assert _rel(ours, ref) < 1e-6


def test_first_order_is_angle_average_of_first_layer(images):
    S = RigidMotionScattering2D(3, (32, 32), L=4, padding="periodic")
    s, first = S(images), S.first_layer(images)
    order = S.meta()["order"]
    np.testing.assert_allclose(s[:, order == 1], first.mean(axis=-3), rtol=1e-10, atol=1e-12)


# -- channels, options, types ---------------------------------------------------------------
def test_channel_count_and_meta():
    J, L = 4, 8
    S = RigidMotionScattering2D(J, (64, 64), L=L)
    K = S.K
    assert K == 3
    pairs = J * (J - 1) // 2
    C = 1 + J + J * K + pairs * (2 * K + 1) * L
    assert S.output_channels == C == S.meta()["order"].shape[0]
    meta = S.meta()
    assert set(meta) == {"order", "j", "theta", "k", "spin"}
    for key in ("j", "theta", "k", "spin"):
        assert meta[key].shape == (C, 2)
        assert np.all(np.isnan(meta[key][meta["order"] == 0]))
        assert np.all(np.isnan(meta[key][meta["order"] == 1, 1]))
    order2 = meta["order"] == 2
    assert np.all(meta["j"][order2 & ~np.isnan(meta["j"][:, 1]), 1]
                  > meta["j"][order2 & ~np.isnan(meta["j"][:, 1]), 0])
    assert set(np.unique(meta["spin"][order2, 1])) == {-1.0, 0.0, 1.0}
    assert S(np.zeros((64, 64))).shape == S.output_shape() == (C, 4, 4)


def test_max_order_one():
    S = RigidMotionScattering2D(3, (32, 32), L=4, max_order=1)
    assert S.output_channels == 1 + 3
    assert S(np.ones((32, 32), np.float32)).shape == S.output_shape() == (4, 4, 4)


def test_dtype_and_batch_axes_kept():
    S = RigidMotionScattering2D(2, (16, 16), L=4)
    x = np.random.default_rng(0).standard_normal((2, 3, 16, 16)).astype(np.float32)
    out = S(x)
    assert out.dtype == np.float32 and out.shape[:2] == (2, 3)
    np.testing.assert_allclose(out, S(x.astype(np.float64)), rtol=2e-4, atol=1e-5)


def test_log_and_scale_average_options(images):
    S = RigidMotionScattering2D(3, (32, 32), L=4, average="global")
    raw = S(images)
    V = RigidMotionScattering2D(3, (32, 32), L=4, average="global", log=True,
                                scale_average=True)
    out = V(images)
    np.testing.assert_allclose(out, V.postprocess(raw), rtol=1e-12)
    # order 0 untouched, order 1: mean over j1 of log S1
    order = S.meta()["order"]
    np.testing.assert_allclose(out[:, 0], raw[:, 0])
    np.testing.assert_allclose(out[:, 1, 0, 0], np.log(raw[:, order == 1, 0, 0] + 1e-6).mean(1))
    meta = V.meta()
    assert V.output_channels == out.shape[1] == meta["order"].shape[0]
    dj = meta["j"][meta["order"] == 2, 1]
    assert set(np.unique(dj[~np.isnan(dj)])) == {1.0, 2.0}
    # a j2 - j1 = 1 channel averages the pairs (0, 1) and (1, 2)
    raw_meta = S.meta()
    c = np.flatnonzero((meta["order"] == 2) & (meta["j"][:, 1] == 1) & (meta["theta"][:, 1] == 2)
                       & (meta["k"][:, 1] == 0) & (meta["spin"][:, 1] == 1))[0]
    members = ((raw_meta["order"] == 2) & (raw_meta["j"][:, 1] - raw_meta["j"][:, 0] == 1)
               & (raw_meta["theta"][:, 1] == 2) & (raw_meta["k"][:, 1] == 0)
               & (raw_meta["spin"][:, 1] == 1))
    assert members.sum() == 2
    np.testing.assert_allclose(out[:, c, 0, 0],
                               np.log(raw[:, members, 0, 0] + 1e-6).mean(axis=1))


def test_list_output():
    S = RigidMotionScattering2D(2, (16, 16), L=4, out_type="list")
    out = S(np.random.default_rng(0).standard_normal((16, 16)))
    assert len(out) == S.output_channels
    assert out[-1]["order"] == 2 and set(out[-1]) >= {"coef", "j", "theta", "k", "spin"}


@requires_torch
def test_torch_matches_numpy_and_is_differentiable(images):
    import torch

    S = RigidMotionScattering2D(3, (32, 32), L=4, log=True)
    ref = S(images)
    x = torch.tensor(images, requires_grad=True)
    out = S(x)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float64
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-10, atol=1e-12)
    out.sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    out32 = S(torch.tensor(images, dtype=torch.float32))
    assert out32.dtype == torch.float32


# -- angular filters --------------------------------------------------------------------
@pytest.mark.parametrize("n,K", [(8, 2), (16, 3), (32, 4), (16, 0)])
def test_angular_bank_properties(n, K):
    bank = angular_filter_bank(n, K)
    assert bank.psi.shape == (K, 2, n) and bank.phi.shape == (n,)
    if K:
        np.testing.assert_allclose(bank.psi[:, :, 0], 0, atol=1e-12)  # zero mean
        np.testing.assert_allclose(bank.psi[:, 1], mirror_frequencies(bank.psi[:, 0]))
        # positive wavelets live at positive frequencies (bins 1 .. n/2 - 1)
        pos = bank.psi[:, 0, 1:n // 2].sum(axis=1)
        neg = np.abs(bank.psi[:, 0, n // 2 + 1:]).sum(axis=1)
        assert np.all(pos > 5 * neg)
    assert bank.phi[0] == pytest.approx(1.0)
    lp = littlewood_paley_angular(bank)
    if K == int(np.log2(n)) - 1:
        assert lp.min() > 0.5 and lp.max() < 1.5


def test_angular_operator_is_circular_convolution():
    rng = np.random.default_rng(0)
    bank = angular_filter_bank(16, 3)
    filters = bank.psi.reshape(-1, 16)
    steps = [1, 1, 2, 2, 4, 4]
    H, W = angular_operator(filters, steps)
    z = rng.standard_normal((3, 16, 5)) + 1j * rng.standard_normal((3, 16, 5))
    conv = np.fft.ifft(np.fft.fft(z, axis=1)[:, None] * filters[None, :, :, None], axis=2)
    ref = np.stack([np.abs(conv[:, f, ::s]).mean(axis=1) for f, s in enumerate(steps)], axis=1)
    np.testing.assert_allclose(W @ np.abs(H @ z), ref, rtol=1e-12)


# -- bad input ------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,match", [
    (dict(L=5), "even"),
    (dict(padding="zero"), "padding"),
    (dict(average="max"), "average"),
    (dict(max_order=3), "max_order"),
    (dict(K=9), "K"),
    (dict(log_eps=0.0), "log_eps"),
])
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RigidMotionScattering2D(2, (32, 32), **kwargs)


def test_periodic_needs_multiples_of_2J():
    with pytest.raises(ValueError, match="multiples of 2\\*\\*J"):
        RigidMotionScattering2D(3, (36, 36), padding="periodic")


def test_bad_inputs():
    S = RigidMotionScattering2D(2, (16, 16), L=4)
    with pytest.raises(ValueError, match="shape"):
        S(np.zeros((15, 16)))
    with pytest.raises(TypeError, match="integer"):
        S(np.zeros((16, 16), dtype=np.int32))
    with pytest.raises(ValueError, match="expected raw coefficients"):
        S.postprocess(np.zeros((3, 1, 1)))
    with pytest.raises(ValueError, match="centre"):
        rotate90(np.zeros((4, 4)), 1, "corner")


def test_arbitrary_angle_rigid_motion_changes_much_less_than_translation(angle=37.0):
    """An oriented synthetic texture rotated by an arbitrary angle (bicubic interpolation):
    disc-averaged rigid-motion coefficients move far less than translation scattering."""
    from scipy.ndimage import gaussian_filter, rotate

    n = 96
    rng = np.random.default_rng(5)
    noise = gaussian_filter(rng.standard_normal((n, n)), sigma=(0.8, 4.0))  # stripes
    x = (noise - noise.mean()) / noise.std()
    x_rot = rotate(x, angle, reshape=False, order=3, mode="mirror")
    J, L = 3, 8
    rm = RigidMotionScattering2D(J, (n, n), L=L)
    ts = scatkit.Scattering2D(J, (n, n), L=L)
    # output samples within the disc that the rotation keeps free of filled-in corners
    pos = (np.arange(rm.output_shape()[1]) + 1) * 2**J - rm.pads[0][0] - (n - 1) / 2
    disc = np.hypot(pos[:, None], pos[None, :]) <= n / 2 - 3 * 0.8 * 2 ** (J - 1)

    def averaged(t, img):
        out = t(np.stack([img, x]))[0]
        return out[:, disc].mean(axis=-1)[t.meta()["order"] >= 1]

    change_rm = _rel(averaged(rm, x_rot), averaged(rm, x))
    change_ts = _rel(averaged(ts, x_rot), averaged(ts, x))
    assert change_rm < 0.05
    assert change_rm < 0.25 * change_ts


# -- renormalisation (normalize=True) ----------------------------------------------
def _global(T, x):
    return T(x)[..., 0, 0]


def test_normalize_divides_the_second_order_by_its_parent():
    x = np.random.default_rng(0).standard_normal((2, 40, 40))
    raw = _global(RigidMotionScattering2D(2, (40, 40), L=4, average="global"), x)
    for log in (False, True):
        T = RigidMotionScattering2D(2, (40, 40), L=4, average="global", log=log, normalize=True)
        meta = T.meta()
        order, j1 = meta["order"], meta["j"][:, 0]
        base = np.log(raw + T.log_eps) if log else raw.copy()
        expected = base.copy()
        for i in np.flatnonzero(order == 2):
            parent = base[:, 1 + int(j1[i])]
            expected[:, i] = base[:, i] - parent if log else raw[:, i] / (raw[:, 1 + int(j1[i])]
                                                                          + T.log_eps)
        keep = order >= 1
        np.testing.assert_allclose(_global(T, x)[:, keep], expected[:, keep], rtol=1e-10,
                                   atol=1e-12)
        # postprocess on raw coefficients gives the same (the experiments' cached path)
        np.testing.assert_allclose(T.postprocess(raw[..., None, None])[..., 0, 0][:, keep],
                                   expected[:, keep], rtol=1e-10, atol=1e-12)


@given(st.floats(0.05, 20.0))
def test_normalized_second_order_ignores_the_image_contrast(c):
    """S1 and S2 both scale with |c|: the renormalised second order does not move
    (up to log_eps), the first order moves by log |c|."""
    x = np.random.default_rng(1).standard_normal((1, 40, 40))
    T = RigidMotionScattering2D(2, (40, 40), L=4, average="global", log=True, normalize=True,
                                log_eps=1e-12)
    order = T.meta()["order"]
    a, b = _global(T, x), _global(T, c * x)
    assert np.abs(b - a)[:, order == 2].max() < 1e-6
    np.testing.assert_allclose((b - a)[:, order == 1], np.log(c), rtol=1e-6)
    # without renormalisation the second order moves by log |c| as well
    U = RigidMotionScattering2D(2, (40, 40), L=4, average="global", log=True, log_eps=1e-12)
    assert np.abs(_global(U, c * x) - _global(U, x))[:, order == 2].min() > 0.5 * abs(np.log(c)) \
        or abs(np.log(c)) < 1e-3


def test_normalize_before_scale_averaging():
    x = np.random.default_rng(2).standard_normal((1, 48, 48))
    kw = dict(J=3, shape=(48, 48), L=4, average="global", log=True)
    N = RigidMotionScattering2D(normalize=True, **kw)
    NS = RigidMotionScattering2D(normalize=True, scale_average=True, **kw)
    A = NS._averaging
    np.testing.assert_allclose(_global(NS, x), _global(N, x) @ A, rtol=1e-10, atol=1e-12)


@requires_torch
def test_normalize_on_torch_matches_numpy():
    import torch

    x = np.random.default_rng(3).standard_normal((2, 40, 40))
    T = RigidMotionScattering2D(2, (40, 40), L=4, log=True, normalize=True)
    np.testing.assert_allclose(T(torch.from_numpy(x)).numpy(), T(x), rtol=1e-10, atol=1e-12)
