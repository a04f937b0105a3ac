"""Mathematical properties of the filter banks and transforms (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scatkit
from scatkit.filters.littlewood_paley import frame_bounds, lipschitz_bound, littlewood_paley
from scatkit.filters.morlet1d import filter_bank_1d
from scatkit.filters.morlet2d import filter_bank_2d
from scatkit.transforms.energy import energy_per_order, sampling_step

#: documented Littlewood-Paley range of the 2D banks (symmetrised, with the low-pass), per L
#: (docs/index.md): L=8 about 0.12 to 1.05; L=6 dips to 0.054 between orientations
LP_2D_RANGE = {4: (0.13, 1.06), 6: (0.05, 1.06), 8: (0.12, 1.06)}


@settings(max_examples=12)
@given(J=st.integers(1, 9), Q1=st.integers(1, 32), Q2=st.integers(1, 4))
def test_1d_wavelets_have_zero_mean_and_unit_peak_bound(J, Q1, Q2):
    bank = filter_bank_1d(2 ** (J + 3), J, (Q1, Q2), 2**J, 0, 0)
    for m in (1, 2):
        psi = bank.psi[m][0]
        if psi.shape[0] == 0:  # e.g. J=1 with Q2=3: no wavelet fits above the low-pass
            continue
        assert np.all(np.abs(psi[:, 0]) <= 1e-12 * np.abs(psi).max())
    assert abs(bank.phi[0][0] - 1.0) < 1e-12  # l1-normalised low-pass: phi_hat(0) = 1


@settings(max_examples=10)
@given(J=st.integers(1, 4), L=st.integers(1, 8))
def test_2d_wavelets_have_zero_mean(J, L):
    bank = filter_bank_2d(2 ** (J + 3), 2 ** (J + 3), J, L)
    psi = bank.psi[0]
    assert np.all(np.abs(psi[:, 0, 0]) <= 1e-10 * np.abs(psi).max())


@pytest.mark.parametrize("J", [1, 2, 4])
@pytest.mark.parametrize("L", [4, 6, 8])
def test_2d_littlewood_paley_within_documented_range(J, L):
    bank = filter_bank_2d(2 ** (J + 3), 2 ** (J + 3), J, L)
    A, B = frame_bounds(bank.psi[0], bank.phi[0])
    assert LP_2D_RANGE[L][0] <= A <= B <= LP_2D_RANGE[L][1]


@settings(max_examples=10)
@given(seed=st.integers(0, 2**31 - 1), J=st.integers(1, 3), real=st.booleans())
def test_frame_inequality_holds_for_random_signals(seed, J, real):
    """A||x||^2 <= ||x*phi||^2 + sum ||x*psi||^2 <= B||x||^2 (periodic, unsubsampled)."""
    n = 2 ** (J + 4)
    bank = filter_bank_2d(n, n, J, 4)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, n))
    if not real:
        x = x + 1j * rng.standard_normal((n, n))
    X = np.fft.fft2(x)
    energy = (np.sum(np.abs(X * bank.phi[0]) ** 2) + np.sum(np.abs(X * bank.psi[0]) ** 2)) / n**2
    A, B = frame_bounds(bank.psi[0], bank.phi[0], real_signals=real)
    norm = np.sum(np.abs(x) ** 2)
    assert A * norm * (1 - 1e-9) <= energy <= B * norm * (1 + 1e-9)


def test_littlewood_paley_of_complex_signals_is_not_symmetrised():
    bank = filter_bank_2d(32, 32, 2, 4)
    lp_real = littlewood_paley(bank.psi[0])
    lp_cplx = littlewood_paley(bank.psi[0], real_signals=False)
    np.testing.assert_allclose(lp_real, 0.5 * (lp_cplx + np.roll(lp_cplx[::-1, ::-1], 1, (0, 1))))


def _weighted_distance(S, x, y):
    d = S(x) - S(y)
    return np.sqrt(np.sum(d**2) * sampling_step(S))


@settings(max_examples=15)
@given(seed=st.integers(0, 2**31 - 1), scale=st.floats(1e-3, 10.0),
       kind=st.sampled_from(["noise", "border", "nyquist", "spike"]))
def test_scattering_is_lipschitz(seed, scale, kind):
    """||Sx - Sy||_w <= C ||x - y|| with C = sqrt(3^d) max(1, B)^(M/2) (docs/index.md)."""
    rng = np.random.default_rng(seed)
    S = scatkit.Scattering2D(2, (24, 24), L=4, max_order=2)
    x = rng.standard_normal((24, 24))
    if kind == "noise":
        delta = rng.standard_normal((24, 24))
    elif kind == "border":
        delta = np.zeros((24, 24))
        delta[:, :2] = rng.standard_normal((24, 2))
    elif kind == "nyquist":
        delta = np.outer((-1.0) ** np.arange(24), (-1.0) ** np.arange(24))
    else:
        delta = np.zeros((24, 24))
        delta[rng.integers(24), rng.integers(24)] = 1.0
    y = x + scale * delta
    _, B = frame_bounds(S.bank.psi[0], S.bank.phi[0])
    C = np.sqrt(3.0**2) * lipschitz_bound(B, S.max_order)
    assert _weighted_distance(S, x, y) <= C * np.linalg.norm(x - y)


@settings(max_examples=10)
@given(seed=st.integers(0, 2**31 - 1), scale=st.floats(1e-3, 10.0))
def test_scattering_1d_is_lipschitz(seed, scale):
    rng = np.random.default_rng(seed)
    S = scatkit.Scattering1D(5, 256, Q=(4, 2), max_order=2)
    x = rng.standard_normal(256)
    y = x + scale * rng.standard_normal(256)
    _, B = frame_bounds(S.bank.psi[1][0], S.bank.phi[0])
    _, B2 = frame_bounds(S.bank.psi[2][0], S.bank.phi[0])
    C = np.sqrt(3.0) * lipschitz_bound(max(B, B2), S.max_order)
    assert _weighted_distance(S, x, y) <= C * np.linalg.norm(x - y)


def _digit(index=7):
    from scatkit.cli.demo import load_sample

    images, _ = load_sample()
    return images[index].astype(np.float64)


def test_translation_sensitivity_decreases_with_J():
    """A circular shift by c << 2^J changes Sx by a relative amount decreasing in J."""
    x = np.pad(_digit(), 18)  # 64x64, digit in the centre: the shift moves no ink across edges
    changes = []
    for J in (1, 2, 3, 4):
        S = scatkit.Scattering2D(J, x.shape, L=8)
        Sx, Sy = S(x), S(np.roll(x, (1, 2), axis=(0, 1)))
        changes.append(np.linalg.norm(Sx - Sy) / np.linalg.norm(Sx))
    assert all(a > b for a, b in zip(changes, changes[1:])), changes
    assert changes[-1] < 0.2 * changes[0]


def test_energy_per_order_grows_and_stays_within_frame_bound():
    x = np.stack([_digit(i) for i in range(0, 2000, 400)])
    S = scatkit.Scattering2D(3, (28, 28), L=6, max_order=3)
    e = energy_per_order(S, x)
    assert e.shape == (4,) and np.all(e > 0)
    cumulative = np.cumsum(e)
    _, B = frame_bounds(S.bank.psi[0], S.bank.phi[0])
    assert np.all(np.diff(cumulative) > 0) and cumulative[-1] <= B
    assert e[3] < e[2] < e[1]  # energy decays with the order beyond the first


def _gabor_2d_by_definition(M, N, sigma, theta, xi, slant, offset):
    """Every periodic copy on the whole grid: the sum as the formula writes it."""
    from scatkit.filters.morlet2d import N_PERIODS, PI_APPROX

    c, s = np.cos(theta), np.sin(theta)
    R = np.array([[c, -s], [s, c]])
    A = R @ np.diag([1.0, slant**2]) @ R.T / (2 * sigma**2)
    out = np.zeros((M, N), complex)
    for ex in range(-N_PERIODS, N_PERIODS + 1):
        for ey in range(-N_PERIODS, N_PERIODS + 1):
            x = (offset + ex * M + np.arange(M))[:, None].astype(float)
            y = (offset + ey * N + np.arange(N))[None, :].astype(float)
            q = A[0, 0] * x * x + 2 * A[0, 1] * x * y + A[1, 1] * y * y
            out += np.exp(-q + 1j * xi * (x * c + y * s))
    return out / (2 * PI_APPROX * sigma**2 / slant)


@settings(max_examples=25, deadline=None)
@given(M=st.integers(4, 40), N=st.integers(4, 40), sigma=st.floats(0.3, 30.0),
       theta=st.floats(0.0, np.pi), xi=st.floats(0.0, 3.0), slant=st.floats(0.2, 1.0),
       offset=st.integers(-20, 0))
def test_windowed_gabor_equals_the_full_periodic_sum(M, N, sigma, theta, xi, slant, offset):
    """gabor_2d evaluates each periodic copy only where its envelope exceeds exp(-80);
    the result equals the full sum to float precision, for filters small or wider than
    the grid."""
    from scatkit.filters.morlet2d import gabor_2d

    got = gabor_2d(M, N, sigma, theta, xi, slant, offset)
    ref = _gabor_2d_by_definition(M, N, sigma, theta, xi, slant, offset)
    # Two error sources, both bounded. Rounding: the sum of complex exponentials cancels
    # when the filter is wider than the grid (the result can be 1e-2 of its terms), so
    # it is bounded by the sum of the terms' moduli (the envelope alone, xi = 0), not
    # by the result. Windowing: each skipped copy is below exp(-ENVELOPE_CUTOFF) of the
    # peak, which matters only where the grid sees nothing but far tails (offset far
    # from the centre, the envelope there ~1e-99 of the peak).
    from scatkit.filters.morlet2d import ENVELOPE_CUTOFF, N_PERIODS, PI_APPROX

    envelope = _gabor_2d_by_definition(M, N, sigma, theta, 0.0, slant, offset).real
    peak = 1.0 / (2 * PI_APPROX * sigma**2 / slant)
    skipped = (2 * N_PERIODS + 1) ** 2 * np.exp(-ENVELOPE_CUTOFF) * peak
    np.testing.assert_allclose(got, ref, rtol=0,
                               atol=64 * np.finfo(float).eps * envelope.max() + skipped)
