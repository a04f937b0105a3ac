"""Scattering moments, spectra, structure functions, marginals and test processes."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import requires_torch
from hypothesis import given
from hypothesis import strategies as st

from scatkit.stats import (PeriodicScattering1D, PeriodicScattering2D, ScatteringMoments,
                           band_relative_error, gaussian_field, marginal_histogram, match_spectrum,
                           moments_spread, multifractal_field, octave_band_power, periodogram,
                           phase_randomize, power_spectrum, radial_spectrum_estimate, rain_texture,
                           shot_noise, structure_functions, wasserstein1)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _field(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# -- periodic scattering and moments -----------------------------------------------------

def test_periodic_scattering_is_shift_covariant_on_the_output_grid():
    x = _field((32, 32))
    S = PeriodicScattering2D(3, (32, 32), L=4)
    out = S(x)
    shifted = S(np.roll(x, (8, 16), axis=(0, 1)))
    assert out.shape == (1 + 3 * 4 + 16 * 3, 4, 4)
    np.testing.assert_allclose(np.roll(out, (1, 2), axis=(-2, -1)), shifted, atol=1e-10)


def test_periodic_scattering_1d_is_shift_covariant():
    x = _field(256)
    S = PeriodicScattering1D(4, 256, Q=(2, 1))
    np.testing.assert_allclose(np.roll(S(x), 3, axis=-1), S(np.roll(x, 48)), atol=1e-10)


@pytest.mark.parametrize("shape,kwargs", [((32, 32), {"J": 3, "L": 4}),
                                          ((512,), {"J": 5, "Q": (4, 1)})])
def test_moments_are_nearly_invariant_to_any_circular_shift(shape, kwargs):
    x = _field(shape, 1)
    M = ScatteringMoments(shape, **kwargs)
    a = M(x)
    b = M(np.roll(x, tuple(5 for _ in shape), axis=tuple(range(len(shape)))))
    # aliasing of the subsampled moduli (oversampling=1) stays at the percent level
    assert np.max(np.abs(a - b) / a) < 0.03


def test_moments_layout_meta_and_normalisation():
    x = _field((2, 32, 32))
    raw = ScatteringMoments((32, 32), J=3, L=4)
    norm = ScatteringMoments((32, 32), J=3, L=4, normalize=True, power=True)
    a, b = raw(x), norm(x)
    meta = norm.meta()
    n1, n2 = 12, 16 * 3
    assert a.shape == (2, n1 + n2) and b.shape == (2, n1 + n2 + n1) == (2, norm.n_moments)
    assert list(meta["kind"]).count("s1") == n1 and list(meta["kind"]).count("power") == n1
    s2 = np.flatnonzero(meta["kind"] == "s2")
    parent = [int(j1 * 4 + t1) for j1, t1 in zip(meta["j"][s2, 0], meta["theta"][s2, 0])]
    np.testing.assert_allclose(b[:, s2], a[:, s2] / a[:, parent], rtol=1e-10)


def test_wavelet_power_is_the_integral_of_the_spectrum_for_white_noise():
    # E|x * psi|^2 = sigma^2 / N^2 * sum |psi_hat|^2 for white noise of variance sigma^2
    M = ScatteringMoments((64, 64), J=4, L=4, power=True)
    x = 2.0 * _field((40, 64, 64), 3)
    p = M(x)[:, M.meta()["kind"] == "power"].mean(axis=0)
    expected = 4.0 * (np.abs(M.transform.bank.psi[0]) ** 2).sum(axis=(-2, -1)) / 64**2
    np.testing.assert_allclose(p, expected, rtol=0.05)


def test_moments_match_the_averaged_core_transform_in_the_interior():
    # Non-periodic moments are spatial means of the core transform's output
    from scatkit import Scattering2D

    x = _field((32, 32), 4)
    M = ScatteringMoments((32, 32), J=2, L=4, periodic=False)
    ref = Scattering2D(2, (32, 32), L=4)(x).mean(axis=(-2, -1))[1:]
    np.testing.assert_allclose(M(x), ref, rtol=1e-10)


@requires_torch
def test_moments_torch_matches_numpy_and_keeps_dtype():
    import torch

    x = _field((3, 32, 32)).astype(np.float32)
    M = ScatteringMoments((32, 32), J=3, L=4, normalize=True, power=True)
    a = M(x)
    b = M(torch.from_numpy(x))
    assert a.dtype == np.float32 and b.dtype == torch.float32
    np.testing.assert_allclose(b.numpy(), a, rtol=2e-5)


@requires_torch
@pytest.mark.parametrize("shape,kwargs", [((16, 16), {"J": 2, "L": 2}),
                                          ((64,), {"J": 3, "Q": (2, 1)})])
def test_moment_gradients_agree_with_finite_differences(shape, kwargs):
    import torch

    M = ScatteringMoments(shape, normalize=True, power=True, cross=True, **kwargs)
    x = torch.tensor(_field(shape, 5), dtype=torch.float64, requires_grad=True)
    # fast mode compares random projections of the analytical and numerical Jacobians
    assert torch.autograd.gradcheck(M, (x,), eps=1e-6, atol=1e-6, rtol=1e-4, fast_mode=True)


def test_moments_spread_and_bad_inputs():
    m = np.array([[1.0, 2.0], [3.0, 6.0]])
    mean, std = moments_spread(m)
    np.testing.assert_allclose(mean, [2.0, 4.0])
    np.testing.assert_allclose(std, [np.sqrt(2), np.sqrt(8)])
    with pytest.raises(ValueError, match="at least 2"):
        moments_spread(m[:1])
    with pytest.raises(ValueError, match="divisible"):
        ScatteringMoments((36, 36), J=3)
    with pytest.raises(ValueError, match="1D signals or 2D fields"):
        ScatteringMoments((8, 8, 8))


# -- spectra -------------------------------------------------------------------------------

def test_power_spectrum_of_white_noise_is_flat():
    x = 1.5 * _field((20, 64, 64), 7)
    f, p = power_spectrum(x)
    assert f.shape == p.shape == (32,)
    np.testing.assert_allclose(p[2:], 2.25, rtol=0.1)
    _, bands = octave_band_power(x)
    np.testing.assert_allclose(bands[:-1], 2.25, rtol=0.1)
    # the lowest octave holds only 8 frequencies per field: a wider sampling error
    np.testing.assert_allclose(bands[-1], 2.25, rtol=0.3)


def test_octave_bands_follow_a_power_law():
    x = gaussian_field((30, 64, 64), lambda k: k**-2.0, seed=1)
    edges, p = octave_band_power(x)
    assert edges.shape == (5, 2) and edges[0, 1] == 0.5
    # one octave lower, four times the power (the band mean of k^-2 scales as 2^2); band 0
    # also holds the corners |k| > 1/2, so it starts from band 1
    ratios = p[2:4] / p[1:3]
    np.testing.assert_allclose(ratios, 4.0, rtol=0.2)
    assert band_relative_error(x, x).max() == 0


@given(st.integers(0, 10**6))
def test_phase_randomisation_keeps_the_periodogram_and_the_mean(seed):
    x = shot_noise((1, 16, 16), 0.05, 1.5, seed=seed)[0] + 3.0
    y = phase_randomize(x, seed=seed + 1)
    np.testing.assert_allclose(periodogram(y), periodogram(x), atol=1e-9 * periodogram(x).max())
    assert y.mean() == pytest.approx(x.mean())
    assert not np.allclose(x, y)


def test_match_spectrum_equalises_expected_spectra():
    target = radial_spectrum_estimate(gaussian_field((50, 32, 32), lambda k: k**-1.0, 2))
    a = shot_noise((50, 32, 32), 0.02, 1.0, seed=3)
    b = multifractal_field((50, 32, 32), 0.5, seed=4)
    ya = match_spectrum(a, radial_spectrum_estimate(a), target)
    yb = match_spectrum(b, radial_spectrum_estimate(b), target)
    _, pa = octave_band_power(ya)
    _, pb = octave_band_power(yb)
    np.testing.assert_allclose(pa / pa.sum(), pb / pb.sum(), rtol=0.15)


# -- increments and marginals ---------------------------------------------------------------

def test_structure_functions_of_white_noise():
    # increments of white noise (variance s^2) are N(0, 2 s^2): E|d| = 2 s / sqrt(pi), E d^2 = 2 s^2
    x = _field((8, 64, 64), 9)
    S = structure_functions(x, q=(1, 2, 4))
    assert S.shape == (5, 3)
    np.testing.assert_allclose(S[:, 0], 2 / np.sqrt(np.pi), rtol=0.02)
    np.testing.assert_allclose(S[:, 1], 2.0, rtol=0.02)
    np.testing.assert_allclose(S[:, 2], 12.0, rtol=0.05)  # 3 (2 s^2)^2
    assert structure_functions(x[0, 0], ndim=1, periodic=False).shape == (5, 5)
    with pytest.raises(ValueError, match="lag"):
        structure_functions(x, j=[7])


@given(st.floats(-5, 5), st.floats(0.1, 3))
def test_wasserstein1_of_a_shift_and_scale(c, s):
    a = _field(2000, 11)
    assert wasserstein1(a + c, a) == pytest.approx(abs(c), abs=1e-9)
    assert wasserstein1(s * a, a, normalize=True) == pytest.approx(abs(s - 1) * np.abs(a).mean()
                                                                    / a.std(), rel=1e-6)


def test_marginal_histogram_is_a_density():
    edges, dens = marginal_histogram(_field(5000), bins=20)
    assert edges.shape == (21,) and np.sum(dens * np.diff(edges)) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        wasserstein1([], [1.0])


def test_test_processes_are_non_gaussian():
    def kurtosis(v):
        v = v.ravel() - v.mean()
        return np.mean(v**4) / np.mean(v**2) ** 2

    assert kurtosis(shot_noise((4, 64, 64), 0.005, 1.0, seed=0)) > 5
    assert kurtosis(multifractal_field((4, 64, 64), 1.0, seed=0)) > 5
    r = rain_texture(2**14, seed=0)
    assert r.std() == pytest.approx(1.0) and kurtosis(r) > 5
    assert abs(kurtosis(gaussian_field((4, 64, 64), lambda k: k**-1.0)) - 3) < 0.3


@requires_torch
def test_moments_wavelets_are_cached_per_backend_and_precision():
    """The converted wavelets of power and cross moments are cached per backend, device
    and dtype: a float64 call after a float32 one (and NumPy after torch) computes in
    its own precision, as a fresh object would."""
    import torch

    x = np.random.default_rng(4).standard_normal((1, 32, 32))
    M = ScatteringMoments((32, 32), J=3, L=4, power=True, cross=True)
    m32 = M(torch.from_numpy(x.astype(np.float32)))
    m64 = M(torch.from_numpy(x))
    mnp = M(x)
    assert m32.dtype == torch.float32 and m64.dtype == torch.float64
    fresh = ScatteringMoments((32, 32), J=3, L=4, power=True, cross=True)(torch.from_numpy(x))
    np.testing.assert_allclose(m64.numpy(), fresh.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(mnp, fresh.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(m32.numpy(), fresh.numpy(), rtol=1e-3,
                               atol=1e-4 * float(np.abs(fresh.numpy()).max()))
