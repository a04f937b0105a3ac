"""The speed work of issue 3: fold terms, fast mode, batch_size, windowed filters."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import requires_torch

import scatkit
from scatkit.backends import get_backend
from scatkit.filters import morlet1d
from scatkit.transforms.cascade import (apply_terms, averaging_matrix, fold_terms, pack_terms,
                                        separable_low_pass, support_terms)

#: fast mode may differ from the exact coefficients by at most this (relative to max |S x|);
#: docs/BENCHMARKS.md reports the measured values (up to about 6e-4)
FAST_TOL = 3e-3
#: the same bound for 2D fast mode, which also crops its subsampled wavelet products in
#: frequency (cascade.crop_terms): the wavelets' tails outside the window are dropped.
#: Measured (docs/BENCHMARKS.md): 5.5e-3 to 1.2e-2 against the circular exact transform
FAST_CROP_TOL = 2e-2


def _naive_fold(X_full, filt, m_shape, half_out):
    """mean of aliases of X * filt (full spectra), the definition."""
    y = X_full[:, :, None] * filt  # (B, P, F, *n)
    for a, m in enumerate(m_shape):
        axis = 3 + a
        n = y.shape[axis]
        y = y.reshape(y.shape[:axis] + (n // m, m) + y.shape[axis + 1:]).mean(axis)
    y = y.reshape((y.shape[0], -1) + tuple(m_shape))
    return y[..., : m_shape[-1] // 2 + 1] if half_out else y


@given(ndim=st.integers(1, 2), k=st.integers(0, 2), half_out=st.booleans(),
       width=st.floats(0.02, 0.4), seed=st.integers(0, 2**16))
def test_fold_terms_equal_the_mean_of_aliases(ndim, k, half_out, width, seed):
    rng = np.random.default_rng(seed)
    n_shape = (16,) * ndim
    m_shape = tuple(n >> k for n in n_shape)
    u = rng.standard_normal((2, 3) + n_shape)  # real signals: Hermitian spectra
    axes = tuple(range(-ndim, 0))
    X_full = np.fft.fftn(u, axes=axes)
    X_half = np.fft.rfftn(u, axes=axes)
    # band-pass filters, negligible (exactly zero) on part of the spectrum
    w = np.stack(np.meshgrid(*[np.fft.fftfreq(n) for n in n_shape], indexing="ij"))
    centre = rng.uniform(-0.5, 0.5, size=(4, ndim))
    dist2 = sum((w[a][None] - centre[:, a].reshape((-1,) + (1,) * ndim)) ** 2 for a in range(ndim))
    filt = np.where(dist2 < width**2, np.exp(-dist2 / width**2), 0.0)
    if half_out:  # low-pass use: one even filter
        filt = np.exp(-sum(w[a] ** 2 for a in range(ndim)) / width**2)[None]
    expected = _naive_fold(X_full, filt, m_shape, half_out)
    out_shape = m_shape[:-1] + (m_shape[-1] // 2 + 1,) if half_out else m_shape
    terms = fold_terms(filt, m_shape, half_out, eps=0.0)
    got = apply_terms(get_backend(X_half), X_half, terms, len(filt), out_shape)
    np.testing.assert_allclose(got, expected, atol=1e-12 * np.abs(X_full).max())
    # the same terms packed into whole-plane slots (any fill): the same fold
    packed = pack_terms(terms, X_half.shape[2:], out_shape, min_fill=0.0)
    if ndim == 1 or not terms:
        assert packed is None  # 1D blocks are contiguous runs: never packed; nothing to pack
    else:
        got = apply_terms(get_backend(X_half), X_half, packed, len(filt), out_shape)
        np.testing.assert_allclose(got, expected, atol=1e-12 * np.abs(X_full).max())
        if len(filt) == 1:  # one filter: read from its support alone, the same fold again
            support = support_terms(packed, int(np.prod(X_half.shape[2:])))
            got = apply_terms(get_backend(X_half), X_half, support, 1, out_shape)
            np.testing.assert_allclose(got, expected, atol=1e-12 * np.abs(X_full).max())


def test_support_terms_give_the_low_pass_identical_output_in_any_chunk():
    """The 2D low-pass folds of a large grid are support terms (many small blocks), and
    a chunk's channels each get the same sum: the output of a batch is that of its parts."""
    from scatkit.transforms.cascade import SupportTerms, low_pass_in_space

    S = scatkit.Scattering2D(J=4, shape=(64, 64), L=2)
    ops = S.cascade_ops()
    # moduli with children on the 96x96 grid are low-passed by support terms
    assert any(isinstance(ops.low[g.k], SupportTerms) and low_pass_in_space(ops, g) is None
               for g in S.plan.groups)
    x = np.random.default_rng(3).standard_normal((5, 64, 64))
    whole = S(x)
    np.testing.assert_array_equal(whole[1:3], S(x[1:3]))
    np.testing.assert_array_equal(whole, scatkit.Scattering2D(J=4, shape=(64, 64), L=2,
                                                              batch_size=2)(x))


def test_pack_terms_refuses_sparse_packings():
    """A term list that would leave most of its slots empty (zero products) is not packed."""
    n = 32
    w = np.stack(np.meshgrid(np.fft.fftfreq(n), np.fft.fftfreq(n), indexing="ij"))
    filt = np.where(np.hypot(w[0] - 0.25, w[1] - 0.25) < 0.05, 1.0, 0.0)[None]
    terms = fold_terms(filt, (n, n), half_out=False, eps=0.0)  # one small block, no fold
    assert pack_terms(terms, (n, n // 2 + 1), (n, n)) is None
    assert pack_terms(terms, (n, n // 2 + 1), (n, n), min_fill=0.0) is not None


@given(n1=st.sampled_from([8, 12, 16]), n2=st.sampled_from([8, 16, 20]), k=st.integers(0, 2),
       width=st.floats(0.05, 0.3), seed=st.integers(0, 2**16))
def test_separable_low_pass_is_the_fold_in_space(n1, n2, k, width, seed):
    """A separable even low-pass applied by its two averaging matrices equals the
    product-and-fold of the spectra followed by an inverse FFT (float64)."""
    rng = np.random.default_rng(seed)
    u = rng.standard_normal((2, 3, n1, n2))
    w1, w2 = np.fft.fftfreq(n1)[:, None], np.fft.fftfreq(n2)[None, :]
    phi = np.exp(-(w1**2) / width**2) * np.exp(-(w2**2) / (2 * width) ** 2)
    m_shape = (n1 >> k, n2 >> k)
    half_out = m_shape[:-1] + (m_shape[-1] // 2 + 1,)
    U_half = np.fft.rfftn(u, axes=(-2, -1))
    folded = apply_terms(get_backend(u), U_half, fold_terms(phi[None], m_shape, True, eps=0.0),
                         1, half_out)
    expected = np.fft.irfftn(folded, s=m_shape, axes=(-2, -1))
    sp = separable_low_pass(phi, m_shape)
    assert sp is not None
    np.testing.assert_allclose(sp.apply(u), expected, atol=1e-12 * np.abs(u).max())


def test_separable_low_pass_judges_a_float32_filter_at_its_own_rounding():
    """Module buffers hold float32 filters: they must be routed as their float64 source
    (a fast-mode module differs from the transform by the fold's truncation otherwise)."""
    w1, w2 = np.meshgrid(np.fft.fftfreq(36), np.fft.fftfreq(36), indexing="ij")
    phi = np.exp(-(w1**2 + w2**2) / 0.02)
    assert separable_low_pass(phi, (9, 9)) is not None
    assert separable_low_pass(phi.astype(np.float32), (9, 9)) is not None
    u = np.random.default_rng(0).standard_normal((2, 36, 36))
    np.testing.assert_allclose(separable_low_pass(phi.astype(np.float32), (9, 9)).apply(u),
                               separable_low_pass(phi, (9, 9)).apply(u), rtol=0,
                               atol=1e-6 * np.abs(u).max())


def test_separable_low_pass_refuses_a_filter_that_is_not_separable():
    w1, w2 = np.meshgrid(np.fft.fftfreq(16), np.fft.fftfreq(16), indexing="ij")
    ring = np.exp(-((np.hypot(w1, w2) - 0.2) ** 2) / 0.01)  # even, real, rank > 1
    assert separable_low_pass(ring, (8, 8)) is None
    assert separable_low_pass(np.ones((4, 4, 4)), (2, 2, 2)) is None  # 3 axes: not handled


def test_averaging_matrix_is_circular_convolution_then_sampling():
    rng = np.random.default_rng(3)
    h, u = rng.standard_normal(12), rng.standard_normal(12)
    full = np.array([sum(u[c] * h[(t - c) % 12] for c in range(12)) for t in range(12)])
    np.testing.assert_allclose(averaging_matrix(h, 3) @ u, full[::3], atol=1e-12)


def test_2d_cascade_low_passes_in_space_where_it_pays():
    """On the benchmark's small 2D grid every low-pass is computed in space (the moduli
    with children still get their FFT, for the children); on 288 x 288 the moduli with
    children keep the fold, those without use the spatial low-pass."""
    from scatkit.transforms.cascade import low_pass_in_space

    S = scatkit.Scattering2D(J=2, shape=(28, 28), L=8)
    ops = S.cascade_ops()
    assert set(ops.spatial) == {0, 1}
    assert all(low_pass_in_space(ops, g) is not None for g in S.plan.groups)
    assert all(type(v).__name__ == "PackedTerms" for v in ops.wave.values())
    one_d = scatkit.Scattering1D(J=6, shape=4096, Q=8).cascade_ops()
    assert one_d.spatial == {}  # long 1D signals: the FFT route is cheaper
    # 1D grids never use it: the circular fast mode's coarse 1D grids were slower in space
    assert scatkit.Scattering1D(J=8, shape=8192, Q=12, fast=True).cascade_ops().spatial == {}
    large = scatkit.Scattering2D(J=4, shape=(256, 256), L=8).cascade_ops()
    # (the cost is checked before any matrix is built: see the next test)
    assert all(isinstance(v, list) for v in large.wave.values())  # long rows: not packed
    assert set(large.spatial) == {1, 2, 3}
    plan = scatkit.Scattering2D(J=4, shape=(256, 256), L=8).plan
    for g in plan.groups:
        in_space = low_pass_in_space(large, g) is not None
        assert in_space == (g.k > 0 and (not g.has_children or g.k == 3))  # 36 x 36 at k = 3


def test_fold_terms_skip_negligible_aliases():
    n, m = 256, 16
    f = np.fft.fftfreq(n)
    filt = np.exp(-((f - 0.02) ** 2) / (2 * 0.004**2))[None]  # narrow, near 0
    terms = fold_terms(filt, (m,), half_out=False, eps=1e-12)
    covered = sum(t.filt.shape[-1] for t in terms)
    assert covered < n // 4  # far fewer bins than the full-resolution product


@pytest.mark.parametrize("make,shape", [
    (lambda **kw: scatkit.Scattering1D(6, 1000, Q=8, **kw), (3, 1000)),  # 1000 % 64: padded
    (lambda **kw: scatkit.Scattering2D(3, (42, 42), L=6, **kw), (3, 42, 42)),  # 42 % 8: padded
])
def test_fast_mode_close_to_exact_same_shape_and_dtype(make, shape):
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    exact = make()(x)
    fast = make(fast=True)(x)
    assert fast.shape == exact.shape and fast.dtype == exact.dtype == np.float32
    rel = np.abs(fast - exact).max() / np.abs(exact).max()
    assert rel <= (FAST_TOL if len(shape) == 2 else FAST_CROP_TOL)
    assert not make().fast and make(fast=True).fast


def test_fast_1d_is_circular_when_the_stride_divides_the_length():
    """1D fast mode does not pad a signal whose length the stride divides: it is
    the periodic transform up to the fast threshold and band resolutions, the exact mode's shape and
    channels, and differs from the exact mode only near the ends."""
    from scatkit.stats.periodic import PeriodicScattering1D

    x = np.random.default_rng(2).standard_normal((3, 1024))
    fast = scatkit.Scattering1D(6, 1024, Q=8, fast=True)
    exact = scatkit.Scattering1D(6, 1024, Q=8)
    assert fast.N_padded == 1024 and exact.N_padded == 2048
    f, e = fast(x), exact(x)
    p = PeriodicScattering1D(6, 1024, Q=8)(x)
    assert f.shape == e.shape == p.shape
    np.testing.assert_array_equal(fast.meta()["order"], exact.meta()["order"])
    assert np.abs(f - p).max() / np.abs(p).max() <= FAST_TOL
    scale = np.abs(e).max()
    assert np.abs(f - e).max() / scale > 10 * FAST_TOL  # the ends wrap around
    middle = slice(4, -4)  # four output samples of 64 from each end
    assert np.abs(f[..., middle] - e[..., middle]).max() / scale < 0.03


def test_fast_2d_is_circular_when_2J_divides_the_sides():
    """2D fast mode does not pad an image whose sides ``2**J`` divides: it is the
    periodic transform up to the fast threshold and the crops, with the exact mode's
    shape and channels; it differs from the exact mode near the borders, where the
    image wraps around, and two output samples in by about the crops' difference."""
    from scatkit.stats.periodic import PeriodicScattering2D

    x = np.random.default_rng(2).standard_normal((3, 32, 32))
    fast = scatkit.Scattering2D(2, (32, 32), L=4, fast=True)
    exact = scatkit.Scattering2D(2, (32, 32), L=4)
    assert fast.padded_shape == (32, 32) and exact.padded_shape == (40, 40)
    f, e = fast(x), exact(x)
    p = PeriodicScattering2D(2, (32, 32), L=4)(x)
    assert f.shape == e.shape == p.shape
    np.testing.assert_array_equal(fast.meta()["j"], exact.meta()["j"])
    assert np.abs(f - p).max() / np.abs(p).max() <= FAST_CROP_TOL
    scale = np.abs(e).max()
    assert np.abs(f - e).max() / scale > 0.1  # the borders wrap around
    inner = (Ellipsis, slice(2, -2), slice(2, -2))  # two output samples of 8 from each side
    assert np.abs(p[inner] - e[inner]).max() / scale < 3e-3  # the circular grid's share
    assert np.abs(f[inner] - e[inner]).max() / scale < FAST_CROP_TOL
    assert scatkit.Scattering2D(2, (30, 32), L=4, fast=True).padded_shape != (30, 32)


@pytest.mark.parametrize("make,shape", [
    (lambda **kw: scatkit.Scattering1D(5, 700, Q=4, **kw), (5, 700)),
    (lambda **kw: scatkit.Scattering2D(2, (30, 30), L=4, **kw), (5, 30, 30)),
    (lambda **kw: scatkit.Scattering2D(2, (32, 32), L=4, fast=True, **kw), (5, 32, 32)),  # crops
])
def test_batch_size_output_identical(make, shape):
    x = np.random.default_rng(2).standard_normal(shape)
    np.testing.assert_array_equal(make()(x), make(batch_size=2)(x))


@pytest.mark.parametrize("make,shape", [
    (lambda: scatkit.Scattering1D(5, 700, Q=4), (5, 700)),
    (lambda: scatkit.Scattering2D(2, (30, 30), L=4), (5, 30, 30)),
    (lambda: scatkit.Scattering2D(2, (30, 30), L=4, batch_size=1), (3, 2, 30, 30)),
    (lambda: scatkit.TimeFrequencyScattering(J=4, shape=256, Q=4, J_fr=2), (3, 256)),
    (lambda: scatkit.HarmonicScattering3D(J=1, shape=(12, 12, 12), L=1), (3, 12, 12, 12)),
])
def test_threaded_chunks_give_the_serial_output(make, shape, monkeypatch):
    """With several FFT workers the NumPy backend computes chunks of the batch in
    threads: the output is the one-thread output, sample for sample.  (Rigid-motion
    scattering opts out of chunk threads: nothing to check there.)"""
    from scatkit.transforms import cascade

    monkeypatch.setattr(cascade, "THREAD_MIN_BYTES", 1)  # these small batches too
    x = np.random.default_rng(5).standard_normal(shape)
    numpy_backend = get_backend(x)
    monkeypatch.setattr(numpy_backend, "workers", 1)
    serial = make()(x)
    monkeypatch.setattr(numpy_backend, "workers", 3)
    assert numpy_backend.chunk_threads == 3
    np.testing.assert_array_equal(make()(x), serial)


def test_map_chunks_keeps_the_order_of_threaded_chunks():
    from scatkit.backends.numpy_backend import NumpyBackend
    from scatkit.transforms.base import map_chunks

    seen = []

    def fn(backend, chunk):
        seen.append((backend.workers, len(chunk)))
        return chunk * 2

    x = np.arange(11.0)[:, None]
    out = map_chunks(NumpyBackend(workers=4), fn, x, step=5)
    np.testing.assert_array_equal(out, 2 * x)
    # at least one chunk per thread, each no larger than the step, single-threaded FFTs inside
    assert sorted(n for _, n in seen) == [2, 3, 3, 3] and {w for w, _ in seen} == {1}
    # a batch too small for threads to pay: one call, in this thread, single-threaded FFTs
    seen.clear()
    out = map_chunks(NumpyBackend(workers=4), fn, x, step=20, min_thread_chunk=12)
    np.testing.assert_array_equal(out, 2 * x)
    assert seen == [(1, 11)]
    # large enough for two threads, not for four
    seen.clear()
    map_chunks(NumpyBackend(workers=4), fn, x, step=20, min_thread_chunk=5)
    assert sorted(n for _, n in seen) == [5, 6]
    with pytest.raises(ValueError, match="workers"):
        NumpyBackend(workers=0)


@requires_torch
def test_torch_fold_gradient_flows():
    import torch

    S = scatkit.Scattering2D(2, (20, 20), L=4)
    x = torch.randn(2, 20, 20, dtype=torch.float64, requires_grad=True)
    S(x).sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def _dense_periodized(N, xi, sigma, P):
    freqs = morlet1d._frequency_grid(N, P)
    return morlet1d.periodize(np.exp(-((freqs - xi) ** 2) / (2.0 * sigma**2)), 2 * P - 1, "mean")


@pytest.mark.parametrize("N,xi,sigma,P", [(512, 0.3, 0.05, 1), (512, 0.01, 0.002, 3),
                                          (1024, 0.0, 0.2, 5), (333, 0.45, 0.1, 2)])
def test_windowed_gaussians_equal_dense(N, xi, sigma, P):
    got = morlet1d._periodized_gaussians(N, xi, sigma, P)[0]
    np.testing.assert_allclose(got, _dense_periodized(N, xi, sigma, P), rtol=0, atol=1e-15)


def test_l1_norm_by_real_fft_equals_inverse_fft():
    h_f = np.random.default_rng(3).standard_normal((3, 64))
    expected = np.abs(np.fft.ifft(h_f, axis=-1)).sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(morlet1d._l1_norm_time(h_f), expected, rtol=1e-12)
    odd = np.random.default_rng(4).standard_normal((2, 63))
    np.testing.assert_allclose(morlet1d._l1_norm_time(odd),
                               np.abs(np.fft.ifft(odd, axis=-1)).sum(axis=-1, keepdims=True),
                               rtol=1e-12)


@given(N=st.integers(64, 4096), xi=st.floats(0.0, 0.5), sigma=st.floats(0.004, 0.2))
def test_closed_form_l1_norm_equals_the_fft_norm(N, xi, sigma):
    """Poisson summation: the l1 norm of a short wavelet, summed in time from its
    closed form, is the l1 norm of the inverse DFT of its sampled spectrum."""
    P = min(morlet1d.adaptive_periods(sigma, morlet1d.EPS), morlet1d.P_MAX)
    if not morlet1d._closed_form_applies(N, [xi], [sigma], P, fraction=1.0)[0]:
        return  # copies overlap in time, or a Gaussian is cut by the grid: FFT path
    gabor = _dense_periodized(N, xi, sigma, P)
    low = _dense_periodized(N, 0.0, sigma, P)
    kappa = gabor[0] / low[0]
    expected = morlet1d._l1_norm_time(gabor - kappa * low)[0]
    got = morlet1d._morlet_l1_closed_form([xi], [sigma], [kappa], P)[0]
    # rounding is relative to the two Gaussians, which cancel when xi -> 0
    scale = morlet1d._l1_norm_time(gabor)[0] + kappa * morlet1d._l1_norm_time(low)[0]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-13 * scale)


def test_closed_form_is_refused_where_it_would_be_wrong():
    # time copies overlap (sigma too narrow for the grid)
    assert not morlet1d._closed_form_applies(256, [0.1], [0.002], 2, fraction=1.0)[0]
    # the Gaussian at xi crosses the end of a single-period grid
    assert not morlet1d._closed_form_applies(4096, [0.45], [0.2], 1, fraction=1.0)[0]
    # short enough, inside the grid
    assert morlet1d._closed_form_applies(4096, [0.3], [0.05], 2)[0]


@pytest.mark.parametrize("N", [512, 333, 4096])
def test_morlet_bank_from_sparse_samples_equals_the_dense_definition(N):
    """psi = gabor - kappa * low (kappa: psi(0) = 0), l1-normalised in time, built
    densely on the whole (2P - 1)-period grid: the bank assembled from sparse samples
    must give the same filters, whichever way their l1 norms are taken."""
    xis = np.array([0.35, 0.2, 0.05, 0.01, 0.004])
    sigmas = np.array([0.08, 0.05, 0.01, 0.003, 0.002])  # narrow ones need P > 1
    bank = morlet1d.morlet_1d_bank(N, xis, sigmas)
    if N == 4096:  # both ways of taking the l1 norm are exercised
        short = morlet1d._closed_form_applies(N, xis, sigmas, 2)
        assert short.any() and not short.all()
    for row, xi, sigma in zip(bank, xis, sigmas):
        P = min(morlet1d.adaptive_periods(float(sigma), morlet1d.EPS), morlet1d.P_MAX)
        gabor = _dense_periodized(N, xi, sigma, P)
        low = _dense_periodized(N, 0.0, sigma, P)
        psi = gabor - gabor[0] / low[0] * low
        psi /= np.abs(np.fft.ifft(psi)).sum()
        np.testing.assert_allclose(row, psi, rtol=0, atol=1e-13 * np.abs(psi).max())
        assert abs(row[0]) <= 1e-15 * np.abs(row).max()  # zero mean


def test_morlet_rows_are_the_rows_of_the_whole_bank():
    p = morlet1d.morlet_bank_params(7, 8)
    rows = morlet1d.MorletRows(2048, p.xi, p.sigma)
    bank = morlet1d.morlet_1d_bank(2048, p.xi, p.sigma)
    assert rows.shape == bank.shape and len(rows) == len(bank)
    np.testing.assert_array_equal(rows[5:17], bank[5:17])
    np.testing.assert_array_equal(np.asarray(rows), bank)
    with pytest.raises(TypeError, match="slice"):
        rows[3]


def test_morlet_2d_rows_are_the_rows_of_the_whole_bank():
    from scatkit.filters.morlet2d import Morlet2DRows, filter_bank_2d

    bank = filter_bank_2d(40, 48, 3, 6)
    for res, level in enumerate(bank.psi):
        rows = Morlet2DRows(40, 48, 3, 6, res)
        assert rows.shape == level.shape and len(rows) == len(level)
        np.testing.assert_array_equal(rows[4:11], level[4:11])
        np.testing.assert_array_equal(np.asarray(rows), level)
    with pytest.raises(TypeError, match="slice"):
        rows[3]


@pytest.mark.parametrize("make", [lambda: scatkit.Scattering1D(J=6, shape=1000, Q=8),
                                  lambda: scatkit.Scattering1D(J=4, shape=300, Q=(2, 2),
                                                               max_order=3),
                                  lambda: scatkit.Scattering2D(J=3, shape=(40, 52), L=6,
                                                               max_order=3),
                                  lambda: scatkit.Scattering2D(J=3, shape=(40, 48), L=6,
                                                               fast=True)])  # cropped terms
def test_fold_terms_from_rows_built_on_demand_equal_the_dense_ones(make):
    """Scattering1D and Scattering2D build their fold terms from banks built group by
    group (never whole): the terms are those of the dense bank, bit for bit."""
    from scatkit.transforms.cascade import EXACT_EPS, FAST_EPS, prepare_cascade

    S = make()
    lazy = S.cascade_ops()
    assert S._bank is None  # nothing dense kept
    f = S._numpy_filters()
    dense = prepare_cascade(S.plan, f["phi_half"], f["psi"], S.cascade_shape,
                            eps=FAST_EPS if S.fast else EXACT_EPS, crop=S._crops())
    for part in ("wave", "low", "spatial"):
        a, b = getattr(lazy, part), getattr(dense, part)
        assert a.keys() == b.keys()
        for key in a:
            assert _layout(a[key]) == _layout(b[key])
            for s, t in zip(_values(a[key]), _values(b[key])):
                np.testing.assert_array_equal(s, t)


def _layout(ops) -> list:
    """Where fold terms, packed or cropped terms or a spatial low-pass put their values."""
    from scatkit.transforms.cascade import (CroppedTerms, PackedTerms, SeparableLowPass,
                                            SupportTerms)

    if isinstance(ops, PackedTerms):
        return [ops.n_slots, ops.conj, np.asarray(ops.index).tolist()]
    if isinstance(ops, CroppedTerms):
        return [ops.conj, np.asarray(ops.index).tolist()]
    if isinstance(ops, SupportTerms):
        return [ops.n_slots] + [np.asarray(a).tolist() for a in (ops.direct, ops.mirrored,
                                                                 ops.index)]
    if isinstance(ops, SeparableLowPass):
        return [None if ops.left is None else ops.left.shape, ops.right_t.shape]
    return [t.out_region for t in ops]


def _values(ops) -> list:
    """The real filter values of fold terms, packed or cropped terms or a spatial low-pass."""
    from scatkit.transforms.cascade import (CroppedTerms, PackedTerms, SeparableLowPass,
                                            SupportTerms)

    if isinstance(ops, (PackedTerms, CroppedTerms, SupportTerms)):
        return [ops.filt]
    if isinstance(ops, SeparableLowPass):
        return [m for m in (ops.left, ops.right_t) if m is not None]
    return [t.filt for t in ops]


@pytest.mark.parametrize("make", [lambda: scatkit.Scattering1D(J=5, shape=600, Q=4),
                                  lambda: scatkit.Scattering2D(J=2, shape=(30, 34), L=4),
                                  lambda: scatkit.Scattering2D(J=2, shape=(32, 32), L=4,
                                                               fast=True)])  # cropped terms
def test_float32_fold_terms_are_the_float64_ones_rounded(make):
    """float32 inputs compute from float32 terms built directly (no float64 copy held),
    equal to the float64 terms rounded once."""
    S = make()
    t32, t64 = S.cascade_ops(np.float32), S.cascade_ops(np.float64)
    for part in ("wave", "low", "spatial"):
        for key, terms in getattr(t64, part).items():
            assert _layout(getattr(t32, part)[key]) == _layout(terms)
            for a, b in zip(_values(getattr(t32, part)[key]), _values(terms)):
                assert a.dtype == np.float32 and b.dtype == np.float64
                np.testing.assert_array_equal(a, b.astype(np.float32))
    x = np.random.default_rng(0).standard_normal((2,) + tuple(np.atleast_1d(S.shape)))
    x = x.astype(np.float32)
    fresh = make()
    np.testing.assert_array_equal(fresh(x), S(x))
    assert set(fresh._ops) == {"float32"}  # a float32 call builds the float32 terms only


@given(cap=st.integers(1, 70))
def test_plan_with_group_cap_has_the_same_paths_and_output(cap):
    """build_plan(max_paths=...) cuts large groups (memory on large grids) without changing
    the paths, their order or, beyond the negligible bins of other filters, the output."""
    from scatkit.transforms.cascade import build_plan

    S = scatkit.Scattering2D(J=3, shape=(24, 28), L=4, max_order=3)
    x = np.random.default_rng(1).standard_normal((2, 24, 28))
    ref = S(x)
    bank_j = np.repeat(np.arange(S.J), S.L)
    S.plan = build_plan({m: bank_j for m in (1, 2, 3)}, 3, k_cap=S.J, k_out=S.J,
                        max_paths=lambda k: cap)
    S._ops = None
    assert all(len(g.paths) <= cap for g in S.plan.groups)
    assert S.plan.paths == scatkit.Scattering2D(J=3, shape=(24, 28), L=4, max_order=3).plan.paths
    np.testing.assert_allclose(S(x), ref, rtol=0, atol=1e-10 * np.abs(ref).max())


def test_large_2d_grids_get_groups_of_bounded_size():
    from scatkit.transforms.cascade import FAST_GROUP_ELEMENTS, GROUP_ELEMENTS

    for S, bound in ((scatkit.Scattering2D(J=4, shape=(256, 256), L=8), GROUP_ELEMENTS),
                     (scatkit.Scattering2D(J=4, shape=(256, 256), L=8, fast=True),
                      FAST_GROUP_ELEMENTS)):
        sizes = [len(g.paths) * np.prod([n >> g.k for n in S.padded_shape])
                 for g in S.plan.groups]
        assert all(n_paths == 1 or size <= bound
                   for n_paths, size in zip((len(g.paths) for g in S.plan.groups), sizes))
        assert max(sizes) > bound // 2  # the bound is the one in use, not a smaller one
    small = scatkit.Scattering2D(J=2, shape=(28, 28), L=8)
    assert max(len(g.paths) for g in small.plan.groups) == 64  # small grids: one group per block


def _run_with_filters(S, x, filters):
    """``run_cascade`` on the unpadded ``x`` with filters passed in (as an nn.Module
    passes its buffers): the path that builds and caches fold terms per filter set."""
    from scatkit.backends import _NUMPY
    from scatkit.transforms import cascade

    outs = cascade.run_cascade(_NUMPY, x, S.plan, filters["phi_half"], filters["psi"],
                               ndim=S.ndim)
    return np.concatenate(outs, axis=1)


def test_cached_fold_terms_go_with_their_filters():
    """Fold terms built for filters passed in (module buffers) are cached while those
    filters live and dropped once they are collected."""
    import gc

    from scatkit.transforms import cascade

    S = scatkit.Scattering2D(2, (16, 16), L=4)
    x = np.random.default_rng(0).standard_normal((2,) + S.cascade_shape)
    gc.collect()
    before = set(cascade._OPS_CACHE)
    filters = S._numpy_filters()
    first = _run_with_filters(S, x, filters)
    ours = set(cascade._OPS_CACHE) - before
    assert len(ours) == 1
    np.testing.assert_array_equal(_run_with_filters(S, x, filters), first)  # cached: same
    assert set(cascade._OPS_CACHE) - before == ours  # and no new entry
    del filters
    gc.collect()
    assert not ours & set(cascade._OPS_CACHE)
    assert set(cascade._OPS_FINALIZERS) == set(cascade._OPS_CACHE)


def test_fold_term_cache_is_bounded_and_keeps_no_finalizers_of_evicted_entries():
    from scatkit.transforms import cascade

    transforms = [scatkit.Scattering1D(3, 256, Q=q) for q in range(1, cascade._OPS_CACHE_SIZE + 4)]
    banks = [T._numpy_filters() for T in transforms]
    x = np.random.default_rng(0).standard_normal((1,) + transforms[0].cascade_shape)
    for _ in range(3):
        for T, filters in zip(transforms, banks):
            _run_with_filters(T, x, filters)
    assert len(cascade._OPS_CACHE) <= cascade._OPS_CACHE_SIZE
    assert set(cascade._OPS_FINALIZERS) == set(cascade._OPS_CACHE)


def test_spatial_low_pass_matrices_are_not_built_where_they_do_not_pay(monkeypatch):
    """The cost rule is decided from shapes alone: a long 1D signal never builds its
    (m x n) averaging matrices (128 x 131072 float64 is 134 MB at 1D J=10, N=65536)."""
    from scatkit.transforms import cascade

    def refuse(*args, **kwargs):
        raise AssertionError("separable_low_pass called where the FFT route is cheaper")

    monkeypatch.setattr(cascade, "separable_low_pass", refuse)
    scatkit.Scattering1D(J=10, shape=65536, Q=8).cascade_ops(np.float32)


@pytest.mark.parametrize("J,shape,L,order", [(1, (12, 20), 3, 1), (2, (28, 28), 8, 2),
                                             (3, (40, 52), 6, 3), (3, (90, 64), 4, 2)])
def test_spatial_and_packed_routes_equal_the_plain_fold(monkeypatch, J, shape, L, order):
    """Every routing choice (packed terms, low-pass in space, with or without children)
    gives the coefficients of the plain per-term fold with FFTs, in float64."""
    from scatkit.transforms import cascade

    x = np.random.default_rng(5).standard_normal((2,) + shape)
    routed = scatkit.Scattering2D(J, shape, L=L, max_order=order)
    ops = routed.cascade_ops()
    assert ops.spatial  # something is routed in space on these grids
    got = routed(x)
    monkeypatch.setattr(cascade, "PACK_MAX_ROW", 0)
    monkeypatch.setattr(cascade, "SPATIAL_LOW_PASS_MAX_COST", 0)
    monkeypatch.setattr(cascade, "SPATIAL_WITH_CHILDREN_MAX_BINS", 0)
    plain = scatkit.Scattering2D(J, shape, L=L, max_order=order)
    assert plain.cascade_ops().spatial == {}
    assert all(isinstance(v, list) for v in plain.cascade_ops().wave.values())
    np.testing.assert_allclose(got, plain(x), rtol=0, atol=1e-12 * np.abs(got).max())


# -- fast mode: every modulus at the rate of its own band (cropping in frequency) --

@given(centre=st.floats(-0.5, 0.5), width=st.floats(0.002, 0.2), log2_n=st.integers(6, 11))
def test_band_exponents_fold_the_band_onto_distinct_bins(centre, width, log2_n):
    """At the exponent :func:`band_exponents` gives, a filter's significant bins land on
    distinct bins of the subsampled grid (its output's samples are exact), the grid
    keeps ``oversampling`` bins per bin of band, and one more halving would not."""
    from scatkit.transforms.cascade import band_exponents, significant_bins

    n = 2**log2_n
    d = (np.fft.fftfreq(n) - centre + 0.5) % 1.0 - 0.5  # circular distance to the centre
    filt = np.exp(-d**2 / (2 * width**2))[None]
    k = int(band_exponents(filt, eps=1e-3, oversampling=2.0)[0])
    bins = np.flatnonzero(significant_bins(filt, 1e-3)[0])  # one circular run
    m = n >> k
    assert len(np.unique(bins % m)) == len(bins)
    assert k == 0 or m >= 2 * len(bins)
    assert (n >> (k + 1)) < 2 * len(bins)


@pytest.mark.parametrize("n,factor", [(256, 4), (1000, 8), (750, 6)])  # m even, odd, odd
def test_crop_band_filters_band_limited_signals_on_the_coarse_grid(n, factor):
    """A signal whose spectrum lies in the cropped band, filtered on the coarse grid with
    the cropped filter, gives the samples of the fine-grid result; the periodized
    filter does not (its aliases fold the filter's high band onto the signal's)."""
    rng = np.random.default_rng(0)
    m = n // factor
    X = np.zeros(n, complex)
    band = np.r_[0:m // 2 - 2, n - m // 2 + 3:n]
    X[band] = rng.standard_normal(band.size) + 1j * rng.standard_normal(band.size)
    h = morlet1d.morlet_1d(n, 0.3, 0.08)  # a wide wavelet reaching far past the band
    fine = np.fft.ifft(X * h)[::factor]
    Xc = morlet1d.crop_band(X, factor)
    coarse = np.fft.ifft(Xc * morlet1d.crop_band(h, factor)) / factor
    np.testing.assert_allclose(coarse, fine, atol=1e-12 * np.abs(fine).max())
    folded = np.fft.ifft(Xc * morlet1d.periodize(h, factor)) / factor
    assert np.abs(folded - fine).max() > 0.1 * np.abs(fine).max()
    # the Nyquist bin stands for both +m/2 and -m/2; eps zeroes the negligible values first
    np.testing.assert_array_equal(morlet1d.crop_band(np.arange(1.0, 17.0), 4), [1, 2, 9, 16])
    np.testing.assert_array_equal(morlet1d.crop_band(np.arange(1.0, 16.0), 3), [1, 2, 3, 14, 15])
    np.testing.assert_array_equal(morlet1d.crop_band(np.r_[1.0, 1e-4, 0.5, 1e-4], 1, eps=1e-3),
                                  [1, 0, 0.5, 0])


def test_fast_1d_computes_each_modulus_at_its_bands_rate():
    """Same paths and meta as the exact mode; every modulus on a grid no finer than the
    exact mode's (per signal sample), the first order's several times coarser."""
    from scatkit.transforms.cascade import build_plan

    exact = scatkit.Scattering1D(8, 8192, Q=12)
    fast = scatkit.Scattering1D(8, 8192, Q=12, fast=True)
    assert fast.plan.paths == exact.plan.paths
    for key, value in exact.meta().items():
        np.testing.assert_array_equal(fast.meta()[key], value)

    def samples(S):  # grid size of each path's modulus, per sample of the signal
        return {p: (S.N_padded >> g.k) / S.N_padded for g in S.plan.groups for p in g.paths}

    f, e = samples(fast), samples(exact)
    assert all(f[p] <= e[p] for p in e)
    first = [p for p in e if len(p) == 1]
    assert sum(e[p] for p in first) >= 3 * sum(f[p] for p in first)
    with pytest.raises(ValueError, match="sorted"):
        build_plan({1: np.array([0, 1])}, 1, k_cap=2, k_out=2, filter_k={1: np.array([2, 1])})


def test_a_batch_computed_alone_keeps_the_whole_memory_budget():
    """A batch too small for chunk threads runs serially in the calling thread: its
    backend says one chunk at a time (the transform's memory budget is not halved);
    in threads each chunk's backend says how many run at once."""
    from scatkit.backends import NumpyBackend
    from scatkit.transforms.base import map_chunks

    seen = []

    def record(b, c):
        seen.append((b.workers, b.concurrent_chunks))
        return c

    backend = NumpyBackend(workers=2)
    map_chunks(backend, record, np.zeros((3, 4)), step=10, min_thread_chunk=8)
    assert seen == [(1, 1)]
    seen.clear()
    map_chunks(backend, record, np.zeros((32, 4)), step=10, min_thread_chunk=8)
    assert seen and all(s == (1, 2) for s in seen)


@pytest.mark.parametrize("Q", [8, (8, 2)])
def test_fast_1d_band_rates_keep_every_channel_close(Q):
    """Each channel of 1D fast mode stays within 5 % (relative l2) of the circular exact
    transform, the low-energy second-order channels included: a modulus is kept fine
    enough for the wavelets applied to it next (without that rule, Q = (8, 2) had a
    channel 21 % off, reading only the aliased tail of its parent's spectrum)."""
    from scatkit.stats.periodic import PeriodicScattering1D

    x = np.random.default_rng(0).standard_normal((4, 1024))
    fast = scatkit.Scattering1D(6, 1024, Q=Q, fast=True)(x)
    circular = PeriodicScattering1D(6, 1024, Q=Q)(x)
    per_channel = np.sqrt(((fast - circular) ** 2).sum(axis=(0, 2))
                          / (circular**2).sum(axis=(0, 2)))
    assert per_channel.max() < 0.05


_MALLINFO_CHILD = r"""
import ctypes, sys
import numpy as np
libc = ctypes.CDLL(None)
if not hasattr(libc, "mallinfo2"):
    print("no-mallinfo2"); sys.exit()
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
libc.mallinfo2.restype = Info
from scatkit.backends.allocator import keep_freed_memory
print(keep_freed_memory(), keep_freed_memory())
before = libc.mallinfo2().hblks
a = np.ones(16 * 2**20, dtype=np.uint8)  # 16 MiB: mapped on its own at glibc's defaults
print(libc.mallinfo2().hblks - before)
"""


@pytest.mark.parametrize("hint", ["1", "0"])
def test_allocator_hint_serves_large_temporaries_from_the_heap(hint):
    """With the hint (the default), a 16 MiB array comes from glibc's heap, where the
    next chunk reuses it, instead of fresh pages mapped for it alone (glibc's
    ``mallinfo2`` counts the mapped blocks); ``SCATKIT_MALLOC_HINT=0`` leaves glibc
    as it was.  The hint is given once per process."""
    import subprocess
    import sys

    env = {**os.environ, "SCATKIT_MALLOC_HINT": hint}
    env.pop("MALLOC_MMAP_THRESHOLD_", None)
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    out = subprocess.run([sys.executable, "-c", _MALLINFO_CHILD], env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    if out == ["no-mallinfo2"]:
        pytest.skip("not glibc >= 2.33")
    given, again, mapped = out
    assert again == "False"
    if hint == "1":
        assert given == "True" and mapped == "0"
    else:
        assert given == "False" and mapped == "1"


def test_map_chunks_gives_the_allocator_hint(monkeypatch):
    from scatkit.transforms import base

    calls = []
    monkeypatch.setattr(base, "keep_freed_memory", lambda: calls.append(1))
    base.map_chunks(base.get_backend(np.zeros(1)), lambda b, c: c, np.zeros((4, 2)), step=2)
    assert calls == [1]


def test_chunk_budgets_of_1d_and_2d_transforms_with_identical_output(monkeypatch):
    """1D transforms bound their chunks by ``CHUNK_BYTES_FACTOR`` (fast mode) or
    ``EXACT_CHUNK_BYTES_FACTOR`` times the cascade's budget (read at the call), an
    exact-mode chunk by at most ``EXACT_MAX_CHUNK_FACTOR`` times it; 2D ones by the
    budget itself, or a fraction of it for small images; a smaller budget cuts the
    batch into smaller chunks and changes no bit of the output."""
    from scatkit.transforms import cascade, scattering1d, scattering2d

    S1 = scatkit.Scattering1D(J=4, shape=1024, Q=4)
    S1_fast = scatkit.Scattering1D(J=4, shape=1024, Q=4, fast=True)
    S2 = scatkit.Scattering2D(J=2, shape=(16, 16), L=4)
    large = scatkit.Scattering2D(J=4, shape=(256, 256), L=8)
    assert S1._chunk_bytes() == scattering1d.EXACT_CHUNK_BYTES_FACTOR * cascade.CHUNK_BYTES
    assert S1._max_chunk_bytes() == int(scattering1d.EXACT_MAX_CHUNK_FACTOR * cascade.CHUNK_BYTES)
    assert S1_fast._chunk_bytes() == scattering1d.CHUNK_BYTES_FACTOR * cascade.CHUNK_BYTES
    assert S1_fast._max_chunk_bytes() is None and S2._max_chunk_bytes() is None
    assert S2._chunk_bytes() == int(scattering2d.SMALL_IMAGE_CHUNK_FACTOR * cascade.CHUNK_BYTES)
    assert large._chunk_bytes() == cascade.CHUNK_BYTES
    footprint = cascade.bytes_per_sample(large.plan, large.cascade_shape)
    assert footprint > scattering2d.SMALL_IMAGE_BYTES
    x = np.random.default_rng(0).standard_normal((6, 1024))
    whole = S1(x)
    seen = []
    compute = S1._compute_chunk
    monkeypatch.setattr(S1, "_compute_chunk",
                        lambda b, c, f: (seen.append(len(c)), compute(b, c, f))[1])
    per_input = cascade.bytes_per_sample(S1.plan, S1.cascade_shape, 16)
    monkeypatch.setattr(cascade, "CHUNK_BYTES", per_input)  # 1D exact: 2.5 inputs per chunk
    # a total budget far above the cap, whatever the threads: the cap bounds the chunks
    monkeypatch.setattr(scattering1d, "EXACT_CHUNK_BYTES_FACTOR", 40)
    np.testing.assert_array_equal(S1(x), whole)
    assert seen and sum(seen) == len(x)
    assert max(seen) <= int(scattering1d.EXACT_MAX_CHUNK_FACTOR)  # whatever the threads


def test_exact_1d_chunk_cap_leaves_a_device_budget_alone(monkeypatch):
    """The per-chunk cap of exact 1D transforms bounds CPU chunks only: a backend that
    raises the budget for its device (a GPU's ``cuda_chunk_bytes``) gets its whole
    budget, so the batch stays in one chunk."""
    from scatkit.backends import NumpyBackend
    from scatkit.transforms import cascade

    S = scatkit.Scattering1D(J=4, shape=1024, Q=4)
    x = np.random.default_rng(2).standard_normal((6, 1024))
    whole = S(x)
    per_input = cascade.bytes_per_sample(S.plan, S.cascade_shape, 16)
    monkeypatch.setattr(cascade, "CHUNK_BYTES", per_input)  # the cap: 2.5 inputs per chunk
    seen = []
    compute = S._compute_chunk
    monkeypatch.setattr(S, "_compute_chunk",
                        lambda b, c, f: (seen.append(len(c)), compute(b, c, f))[1])
    backend = NumpyBackend(workers=1)
    np.testing.assert_array_equal(S._scatter(backend, x, None), whole)
    assert seen == [2, 2, 2]  # the CPU budget: capped
    seen.clear()
    monkeypatch.setattr(NumpyBackend, "chunk_bytes",
                        lambda self, a, default: max(default, 100 * per_input))
    np.testing.assert_array_equal(S._scatter(backend, x, None), whole)
    assert seen == [len(x)]  # a device's budget: not capped


def test_periodic_transforms_are_computed_in_bounded_chunks_with_identical_output(monkeypatch):
    """The circular transforms take the chunked path of the others (their fold terms
    precomputed, chunks of bounded memory): one input per chunk gives the same bits."""
    from scatkit.stats.periodic import PeriodicScattering1D, PeriodicScattering2D
    from scatkit.transforms import cascade

    rng = np.random.default_rng(0)
    for S, x in ((PeriodicScattering2D(2, (16, 16), L=4), rng.standard_normal((5, 16, 16))),
                 (PeriodicScattering1D(4, 256, Q=4), rng.standard_normal((5, 256)))):
        whole = S(x)
        seen = []
        compute = S._compute_chunk
        monkeypatch.setattr(S, "_compute_chunk",
                            lambda b, c, f, compute=compute: (seen.append(len(c)),
                                                              compute(b, c, f))[1])
        monkeypatch.setattr(cascade, "CHUNK_BYTES", 1)
        np.testing.assert_array_equal(S(x), whole)
        assert seen == [1] * len(x)
        monkeypatch.undo()


def test_circular_grids_are_chosen_once_and_size_the_plan():
    """The grid the cascade runs on is chosen before the plan, in one place
    (``_cascade_grid``): the periodic transform's groups are capped for its own grid,
    like fast mode's on the same circular grid, and a side 2**J does not divide is
    refused with a message that says what to do."""
    from scatkit.stats.periodic import PeriodicScattering2D
    from scatkit.transforms.cascade import FAST_GROUP_ELEMENTS, group_cap

    P = PeriodicScattering2D(4, (256, 256), L=8)
    assert P.padded_shape == (256, 256) and P.pads == ((0, 0), (0, 0))
    cap = group_cap((256, 256), FAST_GROUP_ELEMENTS)  # the bound of circular grids
    assert all(len(g.paths) <= cap(g.k) for g in P.plan.groups)
    fast = scatkit.Scattering2D(4, (256, 256), L=8, fast=True)
    assert [g.paths for g in P.plan.groups] == [g.paths for g in fast.plan.groups]
    exact = scatkit.Scattering2D(4, (256, 256), L=8)
    assert exact.padded_shape == (288, 288)  # the reflection-padded grid caps differently
    assert [len(g.paths) for g in P.plan.groups] != [len(g.paths) for g in exact.plan.groups]
    with pytest.raises(ValueError, match="divisible by 16"):
        PeriodicScattering2D(4, (256, 250), L=8)


# -- cropping in frequency (2D fast mode) ---------------------------------------------


@settings(max_examples=40, deadline=None)
@given(ndim=st.sampled_from([1, 2]), k=st.sampled_from([1, 2]), seed=st.integers(0, 10**6))
def test_crop_equals_the_fold_for_filters_inside_one_window(ndim, k, seed):
    """A filter that vanishes outside a circular window of the output's size (anywhere
    on the grid, wrapping around) has aliases that never overlap: its cropped product is
    its fold exactly, read from the half spectrum like the fold terms."""
    from scatkit.transforms.cascade import crop_terms

    rng = np.random.default_rng(seed)
    n_shape = (24, 16)[:ndim] if ndim == 2 else (32,)
    m_shape = tuple(n >> k for n in n_shape)
    filt = np.zeros((3,) + n_shape)
    for f in filt:
        start = [int(rng.integers(n)) for n in n_shape]
        window = np.ix_(*[(s + np.arange(m)) % n for s, m, n in zip(start, m_shape, n_shape)])
        f[window] = rng.random(m_shape) + 0.1
    x = rng.standard_normal((2,) + n_shape)
    X_half = np.fft.rfftn(x, axes=tuple(range(1, ndim + 1)))[:, None]
    backend = get_backend(X_half)
    fold = apply_terms(backend, X_half, fold_terms(filt, m_shape, False, eps=0.0), 3, m_shape)
    crop = apply_terms(backend, X_half, crop_terms(filt, m_shape), 3, m_shape)
    np.testing.assert_allclose(crop, fold, rtol=0, atol=1e-12 * np.abs(fold).max())


def test_crop_window_holds_the_most_and_breaks_ties_alike_in_both_precisions():
    from scatkit.transforms.cascade import crop_window

    power = np.zeros((8, 8))
    power[6, 1] = power[7, 2] = 1.0  # the only window of 2x2 holding both starts at (6, 1)
    assert crop_window(power, (2, 2)) == (6, 1)
    wrapped = np.zeros(8)
    wrapped[[7, 0]] = 1.0  # across the end of the grid
    assert crop_window(wrapped, (2,)) == (7,)
    # a filter symmetric about a bin: two best windows, the first chosen in float32 too
    sym = np.exp(-0.5 * ((np.arange(64) - 20.0) / 3.0) ** 2)
    assert crop_window(sym, (16,)) == crop_window(sym.astype(np.float32), (16,))
    assert crop_window(sym, (16,)) in ((12,), (13,))


def test_2d_fast_mode_crops_exactly_its_subsampled_products():
    from scatkit.transforms.cascade import CroppedTerms

    for fast in (False, True):
        S = scatkit.Scattering2D(J=3, shape=(32, 32), L=4, fast=fast)
        ops = S.cascade_ops()
        for gid, g in enumerate(S.plan.groups):
            if g.order == 0:
                continue
            subsampled = g.k > S.plan.groups[g.parent].k
            assert isinstance(ops.wave[gid], CroppedTerms) == (fast and subsampled)
    # 1D fast mode computes its moduli at their bands' rates instead: no crops
    one_d = scatkit.Scattering1D(J=6, shape=1024, Q=8, fast=True).cascade_ops()
    assert not any(isinstance(t, CroppedTerms) for t in one_d.wave.values())


def test_wavelets_too_wide_for_their_window_are_folded_not_cropped():
    """With L <= 3 orientations the 2D wavelets are wide in angle: their windows would
    leave more than CROP_MAX_LOSS of their energy out, so fast mode folds them, and stays
    as close to the circular exact transform as the threshold alone allows."""
    from scatkit.stats.periodic import PeriodicScattering2D
    from scatkit.transforms.cascade import CROP_MAX_LOSS, CroppedTerms, crop_terms

    S = scatkit.Scattering2D(J=3, shape=(32, 32), L=2, fast=True)
    assert not any(isinstance(t, CroppedTerms) for t in S.cascade_ops().wave.values())
    x = np.random.default_rng(4).standard_normal((2, 32, 32))
    p = PeriodicScattering2D(J=3, shape=(32, 32), L=2)(x)
    assert np.abs(S(x) - p).max() / np.abs(p).max() <= FAST_TOL
    # a flat filter keeps a quarter of its energy in a window of half the grid per axis
    flat = np.ones((1, 8, 8))
    assert crop_terms(flat, (4, 4)) is None
    assert crop_terms(flat, (4, 4), max_loss=0.75) is not None
    assert CROP_MAX_LOSS < 0.75


def test_crop_and_support_terms_reject_what_they_cannot_represent():
    from scatkit.transforms.cascade import crop_terms

    with pytest.raises(ValueError, match="must divide"):
        crop_terms(np.ones((1, 8, 8)), (3, 4))
    terms = fold_terms(np.ones((2, 8, 8)), (4, 4), False, eps=0.0)
    packed = pack_terms(terms, (8, 5), (4, 4), min_fill=0.0)
    with pytest.raises(ValueError, match="one filter"):
        support_terms(packed, 40)
