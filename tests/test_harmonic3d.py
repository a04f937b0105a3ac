"""HarmonicScattering3D: Kymatio parity, a brute-force complex computation, layout,
invariances, differentiability and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import load_reference, reference_files, requires_torch
from scatkit import HarmonicScattering3D
from scatkit.filters.solid_harmonic import (real_solid_harmonic_filters, solid_harmonic_filters,
                                            spherical_coordinates, fourier_grid)

REFS = reference_files("3d")


def _rel(a, b):
    return float(np.abs(np.asarray(a, np.float64) - b).max() / np.abs(b).max())


def _numpy(out):
    return out.detach().numpy() if hasattr(out, "detach") else out


@pytest.mark.parametrize("path", REFS, ids=[p.stem for p in REFS])
@pytest.mark.parametrize("framework", ["numpy", pytest.param("torch", marks=requires_torch)])
def test_parity_with_kymatio(path, framework):
    ref = load_reference(path)
    S = HarmonicScattering3D(shape=ref["x"].shape[-3:], **ref["params"])
    for dtype, tol in ((np.float64, 1e-5), (np.float32, 1e-4)):
        x = ref["x"].astype(dtype)
        if framework == "torch":
            import torch

            x = torch.from_numpy(x)
        out = S(x)
        assert out.dtype == x.dtype
        assert tuple(out.shape) == ref["Sx"].shape
        assert _rel(_numpy(out), ref["Sx"]) <= tol


def _brute_force(x, J, L, sigma_0, powers, covariant=True):
    """Plain complex FFT computation over every order m (no real harmonics, no
    Nyquist correction): the definition, for comparison."""
    shape = x.shape[-3:]
    X = np.fft.fftn(x, axes=(-3, -2, -1))

    def U(spec, j, l):
        F = solid_harmonic_filters(shape, sigma_0 * 2**j, l)
        if not covariant:
            F = F[:1]
        y = np.fft.ifftn(spec[:, None] * F, axes=(-3, -2, -1))
        return np.sqrt((np.abs(y) ** 2).sum(1))

    def integ(u):
        return np.stack([(u**q).sum((-3, -2, -1)) for q in powers], -1)

    out = []
    for j in range(J + 1):
        out.append(np.stack([integ(U(X, j, l)) for l in range(L + 1)], 1))
    for j1 in range(J + 1):
        for j2 in range(j1 + 1, J + 1):
            out.append(np.stack([integ(U(np.fft.fftn(U(X, j1, l), axes=(-3, -2, -1)), j2, l))
                                 for l in range(L + 1)], 1))
    return np.stack(out, 1)


@pytest.mark.parametrize("shape", [(12, 10, 8), (9, 11, 7), (10, 9, 12)])
@pytest.mark.parametrize("covariant", [True, False])
def test_matches_complex_definition(shape, covariant):
    """Real harmonics + inverse real FFTs + Nyquist-plane correction == the complex sum over m."""
    x = np.random.default_rng(0).standard_normal((2,) + shape)
    S = HarmonicScattering3D(J=2, shape=shape, L=3, integral_powers=(0.5, 1, 2),
                             rotation_covariant=covariant)
    assert _rel(S(x), _brute_force(x, 2, 3, 1.0, (0.5, 1, 2), covariant)) < 1e-12


def test_real_filters_are_unitary_recombination():
    shape, sigma = (8, 7, 6), 1.3
    for L in (0, 2, 3):
        real = real_solid_harmonic_filters(shape, sigma, L)
        for l in range(L + 1):
            complex_ = solid_harmonic_filters(shape, sigma, l)
            np.testing.assert_allclose((np.abs(real[l * l:(l + 1) ** 2]) ** 2).sum(0),
                                       (np.abs(complex_) ** 2).sum(0), rtol=1e-12, atol=1e-15)


def test_filter_normalisation():
    """Degree 0 is the unit-mass Gaussian; the sum over m has the documented radial profile."""
    shape = (16, 16, 16)
    g = solid_harmonic_filters(shape, 2.0, 0)[0]
    r, _, _ = spherical_coordinates(fourier_grid(shape))
    np.testing.assert_allclose(g.real, np.exp(-0.5 * (2.0 * r) ** 2), atol=1e-15)
    assert abs(g[0, 0, 0] - 1) < 1e-15
    psi = solid_harmonic_filters(shape, 2.0, 2)
    from scatkit.filters.solid_harmonic import gaussian_moment

    profile = (2 * r) ** 2 * np.exp(-0.5 * (2 * r) ** 2) / gaussian_moment(2)
    np.testing.assert_allclose((np.abs(psi) ** 2).sum(0), profile**2, rtol=1e-10, atol=1e-16)
    assert gaussian_moment(2) == pytest.approx(3.0)


def test_layout_meta_and_order0():
    shape = (10, 10, 10)
    x = np.random.default_rng(1).random((3, 2) + shape).astype(np.float32)
    S = HarmonicScattering3D(J=3, shape=shape, L=2, integral_powers=(1, 2))
    out = S(x)
    assert out.shape == (3, 2, 4 + 6, 3, 2) and out.dtype == np.float32
    assert S.output_shape() == (10, 3, 2)
    meta = S.meta()
    assert meta["order"].tolist() == [1] * 4 + [2] * 6
    assert meta["j"][4:].tolist() == [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]
    assert np.isnan(meta["j"][:4, 1]).all() and meta["l"].shape == (10, 3)
    S0 = HarmonicScattering3D(J=3, shape=shape, L=2, integral_powers=(1, 2), include_order0=True)
    out0 = S0(x)
    np.testing.assert_allclose(out0[..., 1:, :, :], out, rtol=1e-6)
    for q_index, q in enumerate((1, 2)):
        expected = (np.abs(x.astype(np.float64)) ** q).sum((-3, -2, -1))
        for l in range(3):
            np.testing.assert_allclose(out0[..., 0, l, q_index], expected, rtol=1e-5)
    assert S0.meta()["order"][0] == 0
    one = HarmonicScattering3D(J=2, shape=shape, L=1, max_order=1)
    assert one(x[0]).shape == (2, 3, 2, 3)
    entries = HarmonicScattering3D(J=1, shape=shape, L=1)
    entries.out_type = "list"
    lst = entries(x[0, 0])
    assert [e["j"] for e in lst] == [(0,), (1,), (0, 1)] and lst[0]["coef"].shape == (2, 3)


@settings(max_examples=10)
@given(shift=st.tuples(st.integers(-9, 9), st.integers(-9, 9), st.integers(-9, 9)),
       scale=st.floats(0.1, 10.0))
def test_translation_invariance_and_homogeneity(shift, scale):
    """Exact invariance to circular shifts; S[q](c x) = c^q S[q](x) for c > 0."""
    shape = (9, 10, 8)
    x = np.random.default_rng(2).random(shape)
    S = HarmonicScattering3D(J=1, shape=shape, L=2, integral_powers=(0.5, 1, 2))
    ref = S(x)
    np.testing.assert_allclose(S(np.roll(x, shift, axis=(0, 1, 2))), ref, rtol=1e-10)
    scaled = S(scale * x)
    np.testing.assert_allclose(scaled, ref * scale ** np.array([0.5, 1, 2]), rtol=1e-9)


@requires_torch
def test_gradients_finite_where_responses_vanish():
    import torch

    shape = (8, 8, 8)
    S = HarmonicScattering3D(J=1, shape=shape, L=2, integral_powers=(0.5, 1, 2, 3),
                             include_order0=True)
    for x in (torch.zeros(shape, dtype=torch.float64),
              torch.zeros(shape, dtype=torch.float64).index_fill_(0, torch.tensor([3]), 1.0)):
        x.requires_grad_(True)
        S(x).sum().backward()
        assert torch.isfinite(x.grad).all()
    # the gradient agrees with a central finite difference along a random direction
    gen = torch.Generator().manual_seed(0)
    y = torch.rand(shape, dtype=torch.float64, generator=gen, requires_grad=True)
    v = torch.randn(shape, dtype=torch.float64, generator=gen)
    w = torch.randn(S.output_shape(), dtype=torch.float64, generator=gen)
    (S(y) * w).sum().backward()
    eps = 1e-6
    with torch.no_grad():
        fd = ((S(y + eps * v) - S(y - eps * v)) * w).sum() / (2 * eps)
    assert float((y.grad * v).sum()) == pytest.approx(float(fd), rel=1e-6)


@pytest.mark.parametrize("kwargs, error", [
    (dict(J=-1), ValueError), (dict(L=-1), ValueError), (dict(sigma_0=0), ValueError),
    (dict(max_order=3), ValueError), (dict(method="standard"), ValueError),
    (dict(integral_powers=(1, -2)), ValueError), (dict(integral_powers=()), ValueError),
    (dict(shape=(8, 8)), ValueError), (dict(J=1.5), TypeError),
])
def test_bad_parameters(kwargs, error):
    params = dict(J=1, shape=(8, 8, 8)) | kwargs
    with pytest.raises(error):
        HarmonicScattering3D(**params)


def test_bad_input():
    S = HarmonicScattering3D(J=1, shape=(8, 8, 8), L=1)
    with pytest.raises(ValueError, match="shape"):
        S(np.zeros((8, 8, 9)))
    with pytest.raises(TypeError, match="integer"):
        S(np.zeros((8, 8, 8), dtype=np.int64))
    with pytest.raises(ValueError, match="NaN"):
        S(np.full((8, 8, 8), np.nan))


@pytest.mark.parametrize("covariant", [True, False])
def test_chunking_over_the_batch_leaves_the_output_unchanged(monkeypatch, covariant):
    from scatkit.transforms import harmonic3d

    x = np.random.default_rng(3).random((5, 12, 12, 12))
    S = HarmonicScattering3D(1, (12, 12, 12), L=2, rotation_covariant=covariant)
    monkeypatch.setattr(harmonic3d, "CHUNK_BYTES", 2**40)  # one piece
    whole = S(x)
    monkeypatch.setattr(harmonic3d, "CHUNK_BYTES", 1)  # one sample per chunk
    np.testing.assert_array_equal(S(x), whole)


@pytest.mark.parametrize("covariant", [True, False])
def test_filters_built_scale_by_scale_equal_the_converted_numpy_filters(covariant):
    """A float32 call builds its filters one scale at a time, converting each at once;
    they are the float64 filters converted, bit for bit, and no float64 stack is kept."""
    from scatkit.backends import get_backend
    from scatkit.transforms.base import _map_tree

    like = np.zeros((1, 12, 12, 12), np.float32)
    backend = get_backend(like)
    direct = HarmonicScattering3D(J=1, shape=(12, 12, 12), L=2, rotation_covariant=covariant)
    got = direct.filters(backend, like)
    assert direct._bank is None
    reference = _map_tree(lambda a: backend.asarray(a, like),
                          HarmonicScattering3D(J=1, shape=(12, 12, 12), L=2,
                                               rotation_covariant=covariant)._numpy_filters())
    flat_got, flat_ref = [], []
    _map_tree(flat_got.append, got)
    _map_tree(flat_ref.append, reference)
    assert len(flat_got) == len(flat_ref) > 0
    for a, b in zip(flat_got, flat_ref):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
