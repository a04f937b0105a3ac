"""Joint time-frequency scattering: Kymatio parity, meta data, invariance,
frequency-transposition covariance, spin selectivity, energy bound, bad input."""

import numpy as np
import pytest
from conftest import load_reference, reference_files, requires_torch

from scatkit import TimeFrequencyScattering
from scatkit.transforms.jtfs import frequential_padding

REFS = reference_files("jtfs")
META_KEYS = ("order", "n", "n_fr", "j", "j_fr", "xi", "xi_fr", "sigma", "sigma_fr", "spin")
#: relative tolerance (max error / max |reference|) per input precision
TOL = {np.float64: 1e-5, np.float32: 1e-4}


def _rel_err(y, ref):
    return np.abs(np.asarray(y, dtype=np.float64) - ref).max() / np.abs(ref).max()


def _transform(ref):
    return TimeFrequencyScattering(shape=ref["x"].shape[-1], **ref["params"])


def test_reference_files_present():
    assert len(REFS) == 3


@pytest.mark.parametrize("path", REFS, ids=lambda p: p.stem)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_parity_numpy(path, dtype):
    ref = load_reference(path)
    S = _transform(ref)
    y = S(ref["x"].astype(dtype))
    assert y.dtype == dtype and y.shape == ref["Sx"].shape
    assert _rel_err(y, ref["Sx"]) <= TOL[dtype]


@requires_torch
@pytest.mark.parametrize("path", REFS, ids=lambda p: p.stem)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_parity_torch(path, dtype):
    import torch

    ref = load_reference(path)
    if "chirp" in path.stem and dtype == np.float64:
        pytest.skip("the numpy test covers float64 on this (slowest) file")
    y = _transform(ref)(torch.from_numpy(ref["x"].astype(dtype)))
    assert isinstance(y, torch.Tensor) and y.dtype == getattr(torch, np.dtype(dtype).name)
    assert _rel_err(y.numpy(), ref["Sx"]) <= TOL[dtype]


def _meta_table(meta):
    cols = []
    for k in META_KEYS:
        a = np.asarray(meta[k], dtype=np.float64)
        cols.append(a.reshape(len(a), -1))
    return np.nan_to_num(np.column_stack(cols), nan=-99.0)


@pytest.mark.parametrize("path", [p for p in REFS if "joint" not in p.stem], ids=lambda p: p.stem)
def test_meta_matches_reference(path):
    """Same rows as the reference meta.  The reference lists them sorted by
    (order, n1, n2, n_fr) while its coefficients are ordered (order, n2, n_fr, n1)
    (checked by the parity test); ours follows the coefficients, so compare after
    sorting both by the reference's key."""
    ref = load_reference(path)
    ours = _meta_table(_transform(ref).meta())
    theirs = _meta_table({k: ref[f"meta_{k}"] for k in META_KEYS})
    assert ours.shape == theirs.shape

    def ref_sort(t):  # columns: order, n1, n2, n_fr, ...
        return t[np.lexsort((t[:, 3], t[:, 2], t[:, 1], t[:, 0]))]

    np.testing.assert_allclose(ref_sort(ours), ref_sort(theirs), rtol=1e-12, atol=1e-15)
    # the reference's own first rows (order 0, then order 1 at n1=0) as a spot check
    np.testing.assert_allclose(ours[0], theirs[0])


def test_meta_describes_output_rows():
    S = TimeFrequencyScattering(6, 2, 8, 1024)
    m = S.meta()
    C = S.output_shape()[0]
    assert all(len(v) == C for v in m.values())
    assert m["order"][0] == 0 and np.isnan(m["n"][0]).all()
    o1 = m["order"] == 1
    # order 1 rows: low-pass then spin-up wavelets, each over n1 = 0, F, 2F, ...
    assert set(m["spin"][o1]) == {0, 1}
    assert np.all(m["n"][o1, 0] % S.stride_fr == 0)
    o2 = m["order"] == 2
    assert set(m["spin"][o2]) == {-1, 0, 1}
    np.testing.assert_array_equal(np.sign(m["xi_fr"][o2]), m["spin"][o2])
    # second-order wavelets only meet first-order channels of smaller scale
    assert np.all(m["j"][o2, 0] < m["j"][o2, 1])


def test_frequential_padding_rule():
    # the reference's padded log-frequency length (22 rows x stride 4)
    assert frequential_padding(J=6, Q1=8, J_fr=2, F=4) == 88
    S = TimeFrequencyScattering(6, 2, 8, 1024, format="joint")
    assert S.N_fr_padded == 88 and S.output_shape() == (32, 22, 16)


def test_dtype_and_batch_axes():
    S = TimeFrequencyScattering(5, 2, 4, 512)
    x = np.random.default_rng(0).standard_normal((2, 3, 512)).astype(np.float32)
    y = S(x)
    assert y.dtype == np.float32 and y.shape == (2, 3) + S.output_shape()
    np.testing.assert_allclose(y[1, 2], S(x[1, 2]), rtol=1e-5, atol=1e-7)
    lst = TimeFrequencyScattering(5, 2, 4, 512, out_type="list")(x[0, 0])
    assert len(lst) == S.output_shape()[0] and {"coef", "order", "n_fr", "spin"} <= set(lst[1])


@requires_torch
def test_torch_gradient():
    import torch

    S = TimeFrequencyScattering(5, 2, 4, 512)
    x = torch.randn(512, dtype=torch.float64, requires_grad=True)
    S(x).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def _localised_chirp(N):
    t = np.arange(N)
    c = N // 2
    return np.exp(-(((t - c) / (N / 12)) ** 2)) * np.cos(2 * np.pi * (0.02 * t + 1e-4 * (t - c) ** 2))


def test_time_shift_invariance():
    """A shift much smaller than T changes little; a shift of several T changes a lot."""
    N, J = 1024, 6
    S = TimeFrequencyScattering(J, 2, 8, N)
    x = _localised_chirp(N)
    y0 = np.linalg.norm(S(x))

    def change(s):
        return np.linalg.norm(S(np.roll(x, s)) - S(x)) / y0

    assert change(2**J // 16) < 0.03
    assert change(4 * 2**J) > 0.5


def test_frequency_transposition_covariance():
    """format='joint', stride_fr=1: transposing a harmonic sound by k bins of the
    constant-Q first-order bank moves the output k rows along log-frequency."""
    N, Q, k, f0 = 4096, 8, 3, 0.02
    S = TimeFrequencyScattering(8, 2, Q, N, format="joint", stride_fr=1)
    t = np.arange(N)

    def harmonic(f):
        return np.hanning(N) * sum(np.cos(2 * np.pi * h * f * t + h) / h for h in range(1, 5))

    # every partial sits in the constant-Q range of the first-order bank
    cq_min = S.p1.xi[S.p1.sigma > S.p1.sigma.min()].min()
    assert f0 * 2 ** (-k / Q) > 1.5 * cq_min and 4 * f0 < S.p1.xi[0]
    Y = S(np.stack([harmonic(f0), harmonic(f0 * 2 ** (-k / Q))]))
    m = S.meta()
    rows = slice(8, 50)  # away from both ends of the log-frequency axis
    moved = slice(8 + k, 50 + k)
    for order in (1, 2):
        A, B = Y[0, m["order"] == order], Y[1, m["order"] == order]
        err = np.linalg.norm(B[:, moved] - A[:, rows]) / np.linalg.norm(A[:, rows])
        unmoved = np.linalg.norm(B[:, rows] - A[:, rows]) / np.linalg.norm(A[:, rows])
        assert err < 0.03, (order, err)
        assert unmoved > 5 * err


def test_spin_selectivity():
    """Spin-up paths respond more to an up-chirp, spin-down paths to a down-chirp."""
    N, f0, ratio = 2048, 0.01, 20.0
    t = np.arange(N)
    # exponential chirp from f0 to f0 * ratio cycles/sample, and its time reversal
    up = np.hanning(N) * np.sin(2 * np.pi * f0 * N / np.log(ratio) * (ratio ** (t / N) - 1))
    x = np.stack([up, up[::-1]])
    S = TimeFrequencyScattering(7, 3, 8, N)
    y, m = S(x), S.meta()
    o2 = m["order"] == 2
    e_up = (y[:, o2 & (m["spin"] == 1)] ** 2).sum(axis=(1, 2))
    e_down = (y[:, o2 & (m["spin"] == -1)] ** 2).sum(axis=(1, 2))
    assert e_up[0] > 3 * e_down[0]  # up-chirp
    assert e_down[1] > 3 * e_up[1]  # down-chirp


def _lp_max(filters_f):
    return float(np.max(np.sum(np.abs(filters_f) ** 2, axis=0)))


def test_energy_bound():
    r"""With stride=1 and stride_fr=1 (no subsampling) in joint format,
    ||Sx||^2 <= (1 + A_1 A_fr (1 + A_2)) ||x_pad||^2 where A_1, A_2, A_fr are the
    largest Littlewood-Paley sums of the first-order, second-order and frequential
    banks (low-pass included for the latter) and x_pad the reflect-padded input:
    modulus and averaging by l1-normalised low-passes never increase energy."""
    N = 512
    S = TimeFrequencyScattering(5, 2, 4, N, stride=1, stride_fr=1, format="joint")
    f = S._numpy_filters()
    A1, A2 = _lp_max(f["psi1"]), _lp_max(f["psi2"][0])
    A_fr = _lp_max(np.vstack([f["psi_fr_up"], f["phi_fr"][None]]))
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, N))
    x_pad = np.pad(x, ((0, 0), (S.pad_left, S.pad_right)), mode="reflect")
    ratio = (S(x) ** 2).sum(axis=(1, 2, 3)) / (x_pad**2).sum(-1)
    bound = 1 + A1 * A_fr * (1 + A2)
    assert np.all(ratio > 0.01) and np.all(ratio <= bound), (ratio, bound)


@pytest.mark.parametrize("kwargs,err,match", [
    (dict(format="frequency"), ValueError, "format"),
    (dict(F=3), ValueError, "power of two"),
    (dict(stride_fr=8, F=4), ValueError, "at most"),
    (dict(T=4096), ValueError, "exceeds the signal length"),
    (dict(Q=(8, 1, 1)), ValueError, "pair"),
    (dict(J_fr=0), ValueError, "J_fr"),
    (dict(format="joint", out_type="list"), ValueError, "list"),
])
def test_bad_parameters(kwargs, err, match):
    params = dict(J=6, J_fr=2, Q=8, shape=1024)
    params.update(kwargs)
    with pytest.raises(err, match=match):
        TimeFrequencyScattering(**params)


def test_bad_input():
    S = TimeFrequencyScattering(5, 2, 4, 512)
    with pytest.raises(ValueError, match="shape"):
        S(np.zeros(500))
    with pytest.raises(TypeError, match="integer"):
        S(np.zeros(512, dtype=np.int16))
