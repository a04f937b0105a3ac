"""The 2D Ising sampler against Onsager's energy and Yang's magnetisation."""

from __future__ import annotations

import numpy as np
import pytest

from scatkit.stats.ising import (BETA_C, correlation_function, energy_per_spin, magnetization,
                                 onsager_energy, sample_ising, swendsen_wang_sweep,
                                 yang_magnetization)

#: lattice side of the checks: correlation lengths at beta = 0.3 and 0.6 are about one
#: site, so finite-size corrections to u and <|M|> are far below the tolerances
SIZE = 32
#: allowed deviation: this many standard errors of the Monte Carlo mean ...
N_SE = 4.0
#: ... plus this absolute slack for residual finite-size and autocorrelation effects
SLACK = 0.005


def test_exact_values_at_known_points():
    assert BETA_C == pytest.approx(0.44068679350977147)
    assert onsager_energy(BETA_C) == pytest.approx(-np.sqrt(2.0))  # u(beta_c) = -sqrt(2)
    assert onsager_energy(5.0) == pytest.approx(-2.0, abs=1e-8)  # ground state
    assert onsager_energy(1e-3) == pytest.approx(-2e-3, rel=1e-3)  # high T: u ~ -2 beta
    assert yang_magnetization(BETA_C) == 0.0 and yang_magnetization(0.3) == 0.0
    assert yang_magnetization(5.0) == pytest.approx(1.0)
    # continuity of u through beta_c
    assert onsager_energy(BETA_C + 1e-7) == pytest.approx(onsager_energy(BETA_C - 1e-7), abs=1e-5)
    with pytest.raises(ValueError):
        onsager_energy(0.0)


@pytest.mark.parametrize("beta", [0.3, 0.6])
def test_sampler_energy_and_magnetisation_match_the_exact_solution(beta):
    s = sample_ising(SIZE, beta, 300, n_chains=60, burn_in=60, spacing=3, seed=1)
    assert s.shape == (300, SIZE, SIZE) and s.dtype == np.int8
    assert set(np.unique(s)) <= {-1, 1}
    e, m = energy_per_spin(s), magnetization(s)
    se_e, se_m = e.std(ddof=1) / np.sqrt(len(e)), m.std(ddof=1) / np.sqrt(len(m))
    assert abs(e.mean() - onsager_energy(beta)) < N_SE * se_e + SLACK
    if beta > BETA_C:
        assert abs(m.mean() - yang_magnetization(beta)) < N_SE * se_m + SLACK
    else:  # no order: <|M|> ~ sqrt(chi / L^2), small on 32 x 32
        assert m.mean() < 0.15


def test_sampler_at_infinite_temperature_gives_independent_spins():
    rng = np.random.default_rng(0)
    s = swendsen_wang_sweep(np.ones((4, 16, 16), dtype=np.int8), 0.0, rng)
    assert abs(energy_per_spin(s).mean()) < 0.1 and abs(s.mean()) < 0.1


def test_critical_configurations_are_correlated_at_long_range():
    s = sample_ising(SIZE, BETA_C, 40, burn_in=40, seed=2)
    hot = sample_ising(SIZE, 0.25, 40, burn_in=40, seed=2)
    c, c_hot = correlation_function(s), correlation_function(hot)
    assert c[0] == 1.0 and c.shape == (SIZE // 2 + 1,)
    assert c[8] > 0.3 > 0.05 > c_hot[8]


def test_bad_inputs():
    with pytest.raises(ValueError, match="beta"):
        sample_ising(8, -1.0, 2)
    with pytest.raises(ValueError, match="n_samples"):
        sample_ising(8, 0.3, 0)
    with pytest.raises(ValueError, match="2D"):
        correlation_function(np.ones(5))
