"""Texture synthesis from scattering moments and the Gaussian baseline."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import requires_torch

from scatkit.stats import ScatteringMoments, periodogram, shot_noise

pytestmark = [requires_torch, pytest.mark.usefixtures("one_torch_thread")]

#: the loss (mean squared relative error of the moments) a small synthesis must reach
LOSS_THRESHOLD = 1e-2


def _target(n=32, seed=0):
    return shot_noise((1, n, n), 0.02, 1.0, seed=seed)[0].astype(np.float32)


def test_synthesis_brings_the_loss_down_and_keeps_kind_shape_dtype():
    import scatkit

    x = _target()
    y, info = scatkit.synthesize(x, n_iter=40, seed=3, progress=False, return_info=True)
    assert isinstance(y, np.ndarray) and y.shape == x.shape and y.dtype == np.float32
    assert info["loss"][0] > 10 * LOSS_THRESHOLD  # white noise is far from a shot noise
    assert info["final_loss"] < LOSS_THRESHOLD
    # the statistics it matched are close: first-order moments within 10% (median)
    M = ScatteringMoments(x.shape, J=info["J"])
    s1 = M.meta()["kind"] == "s1"
    assert np.median(np.abs(M(y)[s1] / M(x)[s1] - 1)) < 0.1


def test_synthesis_is_reproducible_with_a_seed_and_varies_without():
    import scatkit

    x = _target(16)
    a = scatkit.synthesize(x, n_iter=10, seed=1, progress=False, device="cpu")
    b = scatkit.synthesize(x, n_iter=10, seed=1, progress=False, device="cpu")
    c = scatkit.synthesize(x, n_iter=10, seed=2, progress=False, device="cpu")
    np.testing.assert_array_equal(a, b)  # bit for bit on the CPU
    assert not np.allclose(a, c)


@pytest.mark.gpu
def test_synthesis_on_cuda_is_reproducible_to_rounding():
    import torch

    import scatkit

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    x = _target(16)
    a = scatkit.synthesize(x, n_iter=10, seed=1, progress=False, device="cuda")
    b = scatkit.synthesize(x, n_iter=10, seed=1, progress=False, device="cuda")
    c = scatkit.synthesize(x, n_iter=10, seed=2, progress=False, device="cuda")
    scale = np.abs(a).max()
    assert np.abs(a - b).max() < 1e-3 * scale  # atomic additions: no fixed order
    assert np.abs(a - c).max() > 0.1 * scale


def test_synthesis_of_a_signal_and_of_a_tensor():
    import torch

    import scatkit
    from scatkit.stats import rain_texture

    x = rain_texture(1024, rate=200.0, seed=0)
    y, info = scatkit.synthesize(x, n_iter=30, progress=False, return_info=True)
    assert y.shape == x.shape and y.dtype == np.float64
    assert info["final_loss"] < info["loss"][0] / 10
    t = torch.from_numpy(_target(16))
    yt = scatkit.synthesize(t, n_iter=2, progress=False, dtype="float64")
    assert isinstance(yt, torch.Tensor) and yt.dtype == torch.float32 and yt.shape == t.shape


def test_synthesis_rejects_bad_targets():
    import scatkit

    with pytest.raises(ValueError, match="1D signal"):
        scatkit.synthesize(np.zeros((2, 16, 16)), progress=False)
    with pytest.raises(ValueError, match="divisible"):
        scatkit.synthesize(np.zeros((36, 36)), J=3, progress=False)
    with pytest.raises(TypeError, match="real"):
        scatkit.synthesize(np.zeros((16, 16), complex), progress=False)
    with pytest.raises(ValueError, match="dtype"):
        scatkit.synthesize(np.zeros((16, 16)), dtype="float16", progress=False)


def test_gaussian_baseline_keeps_the_spectrum():
    from scatkit.synthesis import gaussian_baseline

    x = _target().astype(np.float64)
    y = gaussian_baseline(x, seed=4)
    np.testing.assert_allclose(periodogram(y), periodogram(x), atol=1e-10 * periodogram(x).max())
    with pytest.raises(ValueError):
        gaussian_baseline(np.zeros((2, 2, 2)))


def test_marginal_statistics_are_skewness_and_kurtosis():
    import torch

    from scatkit.synthesis.core import N_MARGINAL, statistics

    x = _target().astype(np.float64)
    M = ScatteringMoments(x.shape, J=3)
    t = torch.as_tensor(x)
    plain, full = statistics(M, t), statistics(M, t, marginal=True)
    assert full.shape[-1] == plain.shape[-1] + N_MARGINAL
    np.testing.assert_allclose(full[:-N_MARGINAL].numpy(), plain.numpy())
    z = (x - x.mean()) / x.std()
    np.testing.assert_allclose(full[-2:].numpy(), [np.mean(z**3), np.mean(z**4)], rtol=1e-10)


def test_marginal_option_pulls_a_binary_field_towards_binary_values():
    import scatkit

    rng = np.random.default_rng(0)
    # a binary field: blocks of +-1 (kurtosis 1, the smallest possible)
    x = np.kron(rng.choice([-1.0, 1.0], size=(8, 8)), np.ones((4, 4)))
    kurt = {}
    for marginal in (False, True):
        y = scatkit.synthesize(x, n_iter=40, seed=0, marginal=marginal, progress=False)
        z = (y - y.mean()) / y.std()
        kurt[marginal] = float(np.mean(z**4))
    assert abs(kurt[True] - 1.0) < 0.5 * abs(kurt[False] - 1.0)


def test_gaussian_init_starts_from_the_gaussian_model_and_descends_from_it():
    import scatkit
    from scatkit.synthesis import gaussian_baseline

    x = _target().astype(np.float64)
    start = scatkit.synthesize(x, n_iter=0, init="gaussian", seed=5, dtype="float64",
                               progress=False)
    np.testing.assert_allclose(start, gaussian_baseline(x, seed=5), atol=1e-12)
    y, info = scatkit.synthesize(x, n_iter=20, init="gaussian", seed=5, progress=False,
                                 return_info=True)
    assert info["final_loss"] < info["loss"][0]
    with pytest.raises(ValueError, match="init"):
        scatkit.synthesize(x, init="gauss", progress=False)


def test_periodic_2d_synthesis_defaults_to_wavelets_spanning_the_box():
    import scatkit
    from scatkit.stats import PeriodicScattering2D, ScatteringMoments
    from scatkit.synthesis.core import default_synthesis_J

    assert default_synthesis_J((64, 64)) == 6
    assert default_synthesis_J((64, 96)) == 5  # 2**6 does not divide 96
    assert default_synthesis_J((64, 64), periodic=False) == 5  # room for reflection padding
    assert default_synthesis_J((1024,)) == 9  # 1D: Q wavelets per octave
    assert PeriodicScattering2D(4, (16, 16)).output_shape()[1:] == (1, 1)
    with pytest.raises(ValueError, match="larger than"):
        scatkit.Scattering2D(4, (16, 16))
    x = _target(16).astype(np.float64)
    y, info = scatkit.synthesize(x, n_iter=10, progress=False, return_info=True)
    assert info["J"] == 4 and info["final_loss"] < info["loss"][0]
    assert ScatteringMoments((16, 16), J=4).n_moments > ScatteringMoments((16, 16)).n_moments
