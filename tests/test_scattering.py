"""Behaviour of Scattering1D / Scattering2D: shapes, dtypes, kinds, meta, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import requires_torch

import scatkit


def n_paths_2d(J, L, max_order):
    return (1 + J * L + (L**2 * J * (J - 1) // 2 if max_order >= 2 else 0)
            + (L**3 * math.comb(J, 3) if max_order >= 3 else 0))


@pytest.mark.parametrize("J,L,max_order", [(2, 4, 1), (3, 6, 2), (3, 4, 3), (4, 2, 3)])
def test_2d_channel_count_and_meta(J, L, max_order):
    S = scatkit.Scattering2D(J, (40, 36), L=L, max_order=max_order)
    x = np.random.default_rng(0).standard_normal((2, 40, 36))
    out = S(x)
    C = n_paths_2d(J, L, max_order)
    assert out.shape == (2, C, 40 // 2**J, 36 // 2**J) == (2,) + S.output_shape()
    meta = S.meta()
    assert meta["order"].shape == (C,) and meta["j"].shape == (C, max_order)
    # channel order: order 0, then order 1 by (j1, theta1), order 2 by (j1, theta1, j2, theta2)
    keys = [(o,) + tuple(np.nan_to_num(np.c_[j, t].ravel(), nan=-1))
            for o, j, t in zip(meta["order"], meta["j"], meta["theta"])]
    assert keys == sorted(keys, key=lambda k: (k[0], [v for v in k[1:] if v >= 0]))
    for c in range(C):
        js = meta["j"][c][: meta["order"][c]]
        assert np.all(np.diff(js) > 0)  # increasing scales only
        assert np.all(np.isnan(meta["j"][c][meta["order"][c]:]))


@pytest.mark.parametrize("max_order", [1, 2, 3])
def test_1d_paths_increase_in_scale(max_order):
    S = scatkit.Scattering1D(J=6, shape=1024, Q=(4, 2), max_order=max_order)
    meta = S.meta()
    assert meta["order"].max() == max_order
    assert S.output_shape()[0] == len(meta["order"])
    for c in np.flatnonzero(meta["order"] >= 2):
        js = meta["j"][c][: meta["order"][c]]
        assert np.all(np.diff(js) > 0)
    out = S(np.random.default_rng(1).standard_normal((3, 1024)))
    assert out.shape == (3,) + S.output_shape()
    assert np.all(np.isfinite(out))


def test_third_order_extends_second_order():
    """Orders 0..2 of a max_order=3 transform equal the max_order=2 transform's."""
    x = np.random.default_rng(2).standard_normal((2, 48, 48))
    S2 = scatkit.Scattering2D(3, (48, 48), L=4, max_order=2)
    S3 = scatkit.Scattering2D(3, (48, 48), L=4, max_order=3)
    out2, out3 = S2(x), S3(x)
    keep = S3.meta()["order"] <= 2
    np.testing.assert_allclose(out3[:, keep], out2, rtol=1e-12, atol=1e-14)
    x1 = np.random.default_rng(3).standard_normal((2, 2048))
    T2 = scatkit.Scattering1D(7, 2048, Q=4, max_order=2)
    T3 = scatkit.Scattering1D(7, 2048, Q=4, max_order=3)
    keep = T3.meta()["order"] <= 2
    np.testing.assert_allclose(T3(x1)[:, keep], T2(x1), rtol=1e-12, atol=1e-14)


def test_leading_batch_axes_and_dtypes():
    S = scatkit.Scattering2D(2, (20, 24), L=4)
    x = np.random.default_rng(4).standard_normal((2, 3, 20, 24))
    out = S(x)
    assert out.shape == (2, 3) + S.output_shape() and out.dtype == np.float64
    out32 = S(x.astype(np.float32))
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, out, rtol=0, atol=1e-5 * np.abs(out).max())
    np.testing.assert_allclose(S(x[1, 2]), out[1, 2], rtol=1e-12)
    assert S(x[:0]).shape == (0, 3) + S.output_shape()


def test_batch_size_gives_identical_output():
    x = np.random.default_rng(5).standard_normal((7, 512))
    full = scatkit.Scattering1D(5, 512, Q=2)(x)
    chunked = scatkit.Scattering1D(5, 512, Q=2, batch_size=3)(x)
    np.testing.assert_array_equal(full, chunked)


def test_list_output_matches_array_and_meta():
    S = scatkit.Scattering1D(5, 256, Q=2, out_type="list")
    A = scatkit.Scattering1D(5, 256, Q=2)
    x = np.random.default_rng(6).standard_normal((2, 256))
    lst, arr, meta = S(x), A(x), A.meta()
    assert len(lst) == arr.shape[1]
    for c, entry in enumerate(lst):
        np.testing.assert_array_equal(entry["coef"], arr[:, c])
        assert entry["order"] == meta["order"][c]
        assert entry["n"] == tuple(meta["n"][c][: entry["order"]])
        assert len(entry["xi"]) == entry["order"]
    lst2 = scatkit.Scattering2D(2, (16, 16), L=2, out_type="list")(np.zeros((16, 16)))
    assert lst2[0]["j"] == () and lst2[1]["theta"] == (0,)


def test_meta_units_1d():
    """xi and sigma are in cycles per sample: the first wavelet sits below Nyquist."""
    meta = scatkit.Scattering1D(8, 4096, Q=12).meta()
    first = meta["order"] == 1
    assert 0.3 < np.nanmax(meta["xi"][first, 0]) < 0.5
    assert np.all(np.diff(meta["xi"][first, 0]) < 0)  # decreasing centre frequency


# -- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize("x,match", [
    (np.zeros((2, 30), dtype=np.int64), "astype"),
    (np.zeros((2, 30), dtype=np.complex128), "real"),
    (np.zeros((2, 30), dtype=object), "dtype"),
    (np.zeros((2, 30), dtype=np.float16), "astype"),
    (np.zeros((2, 31)), r"\(32,\)"),
    ([0.0] * 32, "NumPy array"),
])
def test_bad_input_1d(x, match):
    S = scatkit.Scattering1D(2, 32)
    with pytest.raises((TypeError, ValueError), match=match):
        S(x)


def test_nan_and_inf_rejected_with_advice():
    S = scatkit.Scattering2D(2, (16, 16))
    x = np.zeros((16, 16))
    x[3, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"), np.errstate(invalid="ignore"):
        S(x)
    x[3, 3] = np.inf
    with pytest.raises(ValueError, match="check_finite"):
        S(x)
    # opting out computes (and propagates the non-finite value)
    with np.errstate(invalid="ignore"):
        assert not np.isfinite(scatkit.Scattering2D(2, (16, 16), check_finite=False)(x)).all()


def test_nan_in_cpu_tensors_rejected_on_both_routes():
    """A CPU tensor is checked on its NumPy view when the NumPy backend computes it, and by
    torch when it needs a gradient: both reject a NaN (strided views included)."""
    torch = pytest.importorskip("torch")
    S = scatkit.Scattering2D(2, (16, 16))
    x = torch.zeros(3, 16, 16, dtype=torch.float64)
    x[1, 3, 3] = float("nan")
    for t in (x, x.transpose(-1, -2), x.clone().requires_grad_(True)):
        with pytest.raises(ValueError, match="NaN"):
            S(t)


@pytest.mark.parametrize("kwargs,match", [
    (dict(J=0, shape=64), "J must be >= 1"),
    (dict(J=2.5, shape=64), "J must be an integer"),
    (dict(J=8, shape=64), "T = 256 exceeds"),
    (dict(J=3, shape=64, Q=0), "Q1 must be >= 1"),
    (dict(J=3, shape=64, Q=(1, 2, 3)), "pair"),
    (dict(J=3, shape=64, T=0.5), "T must be"),
    (dict(J=3, shape=64, stride=3), "power of two"),
    (dict(J=3, shape=64, stride=16), "no larger than T"),
    (dict(J=3, shape=64, max_order=4), "max_order must be <= 3"),
    (dict(J=3, shape=(64, 64)), "1 entry"),
    (dict(J=3, shape=64, out_type="dict"), "out_type"),
])
def test_bad_parameters_1d(kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        scatkit.Scattering1D(**kwargs)


@pytest.mark.parametrize("kwargs,match", [
    (dict(J=3, shape=(8, 32)), "larger than 2\\*\\*J"),
    (dict(J=2, shape=(32,)), "2 entries"),
    (dict(J=2, shape=(32, 32), L=0), "L must be >= 1"),
    (dict(J=2, shape=(32, 32), max_order=0), "max_order must be >= 1"),
    (dict(J=2, shape=(32, 32), oversampling=-1), "oversampling must be >= 0"),
    (dict(J=2, shape=(32, 32), oversampling=3), "oversampling must be <= 2"),
])
def test_bad_parameters_2d(kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        scatkit.Scattering2D(**kwargs)


@pytest.mark.parametrize("J,shape,o", [(2, (28, 28), 1), (3, (32, 40), 1), (4, (100, 130), 1),
                                       (1, (9, 12), 1), (3, (32, 40), 2), (2, (28, 28), 2),
                                       (3, (32, 32), 3)])
def test_2d_oversampling_samples_the_last_average_more_densely(J, shape, o):
    """Every 2**o-th sample is the coefficient of oversampling=0 whose moduli are kept at
    the same resolutions (for o <= 1 that is oversampling=0 itself)."""
    from scatkit.transforms.cascade import build_plan, group_cap

    x = np.random.default_rng(0).standard_normal((2,) + shape)
    dense = scatkit.Scattering2D(J, shape, L=4, oversampling=o)
    out = dense(x)
    step = 2 ** (J - o)
    assert out.shape == (2,) + dense.output_shape() == (2, dense.output_channels,
                                                         shape[0] // step, shape[1] // step)
    ref = scatkit.Scattering2D(J, shape, L=4)
    if o >= 2:  # the same intermediate resolutions, output every 2**J
        ref.plan = build_plan({m: np.repeat(np.arange(J), 4) for m in (1, 2)}, 2, k_cap=J - o,
                              k_out=J, max_paths=group_cap(ref.padded_shape))
    expected = ref(x)
    got = out[..., :: 2**o, :: 2**o][..., : expected.shape[-2], : expected.shape[-1]]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * np.abs(expected).max())
    assert dense.meta()["order"].tolist() == ref.meta()["order"].tolist()


# -- torch -----------------------------------------------------------------------------


@requires_torch
def test_torch_in_torch_out_and_agrees_with_numpy():
    import torch

    x = np.random.default_rng(7).standard_normal((2, 3, 28, 28))
    S = scatkit.Scattering2D(2, (28, 28), L=8, max_order=3)
    out_np = S(x)
    out_t = S(torch.from_numpy(x))
    assert isinstance(out_t, torch.Tensor) and out_t.dtype == torch.float64
    np.testing.assert_allclose(out_t.numpy(), out_np, rtol=0, atol=1e-6 * np.abs(out_np).max())
    out_t32 = S(torch.from_numpy(x).float())
    assert out_t32.dtype == torch.float32
    x1 = np.random.default_rng(8).standard_normal((4, 1000))
    T = scatkit.Scattering1D(6, 1000, Q=(8, 2), max_order=3)
    np.testing.assert_allclose(T(torch.from_numpy(x1)).numpy(), T(x1), rtol=0,
                               atol=1e-6 * np.abs(T(x1)).max())


@requires_torch
def test_torch_bad_dtype():
    import torch

    S = scatkit.Scattering1D(2, 32)
    with pytest.raises(TypeError, match="float"):
        S(torch.zeros(32, dtype=torch.int32))
    with pytest.raises(TypeError, match="real"):
        S(torch.zeros(32, dtype=torch.complex64))


@requires_torch
def test_gradcheck_float64():
    import torch

    S1 = scatkit.Scattering1D(3, 64, Q=2, max_order=2)
    x = torch.randn(1, 64, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(S1, (x,), eps=1e-6, atol=1e-6)
    S2 = scatkit.Scattering2D(2, (12, 12), L=2)
    y = torch.randn(1, 12, 12, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(S2, (y,), eps=1e-6, atol=1e-6)
    # fast mode: circular grid and cropped products (a gather, then a product in place)
    S3 = scatkit.Scattering2D(2, (16, 16), L=2, fast=True)
    z = torch.randn(1, 16, 16, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(S3, (z,), eps=1e-6, atol=1e-6)


@requires_torch
def test_gradient_finite_at_zero_modulus():
    """A constant input makes every wavelet response 0: gradients stay finite."""
    import torch

    S = scatkit.Scattering2D(2, (16, 16), L=4)
    x = torch.ones(1, 16, 16, dtype=torch.float64, requires_grad=True)
    S(x).sum().backward()
    assert torch.isfinite(x.grad).all()


@requires_torch
def test_module_form_buffers_state_dict_and_dtype():
    import torch

    M = scatkit.torch.Scattering2D(J=2, shape=(28, 28), L=4)
    assert isinstance(M, torch.nn.Module)
    state = M.state_dict()
    assert state and all(isinstance(v, torch.Tensor) for v in state.values())
    x = torch.randn(3, 28, 28)
    np.testing.assert_allclose(M(x).numpy(), scatkit.Scattering2D(2, (28, 28), L=4)(x).numpy(),
                               rtol=1e-5, atol=1e-6)
    M.double()
    assert all(b.dtype == torch.float64 for b in M.buffers())
    assert M(x.double()).dtype == torch.float64
    M1 = scatkit.torch.Scattering1D(J=4, shape=256, Q=4)
    M1.load_state_dict(M1.state_dict())
    assert M1(torch.randn(2, 256)).shape == (2,) + M1.output_shape()


@requires_torch
@pytest.mark.gpu
def test_cuda_matches_cpu():
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    x = torch.randn(4, 32, 32, dtype=torch.float64)
    S = scatkit.Scattering2D(3, (32, 32))
    np.testing.assert_allclose(S(x.cuda()).cpu().numpy(), S(x).numpy(), rtol=1e-6, atol=1e-9)
    M = scatkit.torch.Scattering1D(J=5, shape=512, Q=4).cuda()
    y = torch.randn(2, 512)
    np.testing.assert_allclose(M(y.cuda()).cpu().numpy(), M.cpu()(y).numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("make,shape", [
    (lambda: scatkit.Scattering1D(5, 256, Q=4), (2, 256)),
    (lambda: scatkit.Scattering2D(2, (20, 20), L=4), (2, 20, 20)),
    (lambda: scatkit.HarmonicScattering3D(1, (8, 8, 8), L=1), (1, 8, 8, 8)),
    (lambda: scatkit.TimeFrequencyScattering(J=5, J_fr=2, Q=4, shape=512), (1, 512)),
    (lambda: scatkit.RigidMotionScattering2D(2, (16, 16), L=4), (1, 16, 16)),
])
def test_transforms_pickle_after_use(make, shape):
    """A used transform pickles (caches dropped, rebuilt on load) and computes the same."""
    import pickle

    S = make()
    x = np.random.default_rng(9).standard_normal(shape)
    before = S(x)
    blob = pickle.dumps(S)
    restored = pickle.loads(blob)
    np.testing.assert_array_equal(restored(x), before)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("ndim", [1, 2])
def test_numpy_ifft_overwrite_transforms_in_place_with_the_same_bits(dtype, ndim):
    """``overwrite=True`` lets the NumPy backend write the inverse FFT into its input
    (no new array), with the bits of the out-of-place transform; without it the
    input is left alone."""
    from scatkit.backends import NumpyBackend

    rng = np.random.default_rng(4)
    shape = (3, 5) + (12,) * ndim
    x = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    keep = x.copy()
    b = NumpyBackend(workers=1)
    plain = b.ifft(x, ndim)
    np.testing.assert_array_equal(x, keep)
    assert not np.shares_memory(plain, x)
    inplace = b.ifft(x, ndim, overwrite=True)
    assert np.shares_memory(inplace, x) and inplace.dtype == dtype
    np.testing.assert_array_equal(inplace, plain)


def test_multiply_add_into_zeros_writes_the_product():
    """``multiply_add(..., zero=True)`` on a region of zeros gives the bits of the
    accumulating form, in place in that region (a strided view of a larger array)."""
    from scatkit.backends import NumpyBackend

    rng = np.random.default_rng(5)
    a = (rng.standard_normal((2, 3, 1, 40)) + 1j * rng.standard_normal((2, 3, 1, 40))).astype(np.complex64)
    f = rng.standard_normal((4, 40)).astype(np.float32)
    b = NumpyBackend(workers=1)
    added, written = np.zeros((2, 3, 4, 64), np.complex64), np.zeros((2, 3, 4, 64), np.complex64)
    b.multiply_add(added[..., 10:50], a, f)
    assert b.multiply_add(written[..., 10:50], a, f, zero=True) is None
    np.testing.assert_array_equal(written, added)
    assert not written[..., :10].any() and not written[..., 50:].any()


@requires_torch
def test_chunk_budget_per_backend_and_device(monkeypatch):
    """CPU tensors keep the transform's budget, CUDA tensors get ``cuda_chunk_bytes``;
    the budget changes how a batch is cut, not the output."""
    import torch

    from scatkit.backends import _NUMPY, _torch_backend
    from scatkit.transforms import cascade

    backend = _torch_backend()
    assert backend.chunk_bytes(torch.zeros(2), 123) == 123
    assert _NUMPY.chunk_bytes(np.zeros(2), 123) == 123

    class OnCuda:
        is_cuda = True

    assert backend.chunk_bytes(OnCuda(), 123) == max(123, backend.cuda_chunk_bytes)
    x = torch.randn(6, 28, 28, dtype=torch.float64)
    S = scatkit.Scattering2D(2, (28, 28), L=4)
    whole = S(x)
    monkeypatch.setattr(cascade, "CHUNK_BYTES", 1)  # one input per chunk
    np.testing.assert_allclose(S(x).numpy(), whole.numpy(), rtol=1e-12, atol=1e-14)


def _as_array(S, out):
    """A transform's output as one array (``out_type="list"``: the coefficients stacked)."""
    if S.out_type != "list":
        return out
    coefs = [e["coef"] for e in out]
    if isinstance(coefs[0], np.ndarray):
        return np.stack(coefs, -S.ndim - 1)
    import torch

    return torch.stack(coefs, -S.ndim - 1)


@requires_torch
@pytest.mark.parametrize("make,shape", [
    (lambda: scatkit.Scattering1D(5, 256, Q=4), (3, 256)),
    (lambda: scatkit.Scattering2D(2, (20, 20), L=4, out_type="list"), (2, 20, 20)),
    (lambda: scatkit.HarmonicScattering3D(1, (8, 8, 8), L=1), (1, 8, 8, 8)),
    (lambda: scatkit.RigidMotionScattering2D(2, (16, 16), L=4), (2, 16, 16)),
])
def test_cpu_tensors_via_numpy(monkeypatch, make, shape):
    """CPU tensors without gradient go through the NumPy backend (the same numbers
    as a NumPy input, a tensor out); gradients and the torch path are unchanged."""
    import torch

    from scatkit.backends.torch_backend import TorchBackend

    monkeypatch.setattr(TorchBackend, "cpu_via_numpy", True)
    S = make()
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    out = S(torch.from_numpy(x))
    if S.out_type == "list":
        assert all(isinstance(e["coef"], torch.Tensor) for e in out)
    routed = _as_array(S, out)
    assert isinstance(routed, torch.Tensor) and routed.dtype == torch.float32
    np.testing.assert_array_equal(routed.numpy(), _as_array(S, S(x)))
    # a tensor that needs a gradient takes the torch path, and the gradient flows
    xg = torch.from_numpy(x.astype(np.float64)).requires_grad_()
    _as_array(S, S(xg)).sum().backward()
    assert xg.grad is not None and torch.isfinite(xg.grad).all()
    with torch.no_grad():  # grad mode off: routed again, the NumPy numbers
        np.testing.assert_array_equal(_as_array(S, S(xg)).numpy(),
                                      _as_array(S, S(x.astype(np.float64))))
    monkeypatch.setattr(TorchBackend, "cpu_via_numpy", False)  # the torch path: same to rounding
    torch_path = _as_array(S, S(torch.from_numpy(x))).numpy()
    np.testing.assert_allclose(torch_path, routed.numpy(), rtol=1e-4,
                               atol=1e-5 * float(np.abs(routed.numpy()).max()))
