r"""The two-dimensional Ising model: cluster sampling and exact reference values.

Spins :math:`x(i) = \pm 1` on an :math:`L\times L` torus with nearest-neighbour
coupling :math:`J = 1` and no field have the Gibbs law
:math:`p(x) = Z_\beta^{-1}\exp(\beta\sum_{\langle i,j\rangle} x(i)x(j))`.  The
critical inverse temperature is :math:`\beta_c = \tfrac12\ln(1+\sqrt2)\approx 0.4407`.

Sampling uses the Swendsen–Wang algorithm (Swendsen & Wang, "Nonuniversal
critical dynamics in Monte Carlo simulations", Phys. Rev. Lett. 58, 86, 1987):
each bond between equal neighbours is opened with probability
:math:`p = 1 - e^{-2\beta}`, the clusters of open bonds are found, and every
cluster takes an independent uniformly random sign.  One sweep is vectorised over
a whole batch of independent chains: the open bonds of all chains form one
sparse graph whose connected components
(:func:`scipy.sparse.csgraph.connected_components`) are the clusters.

Exact infinite-lattice values: the energy per spin (Onsager, Phys. Rev. 65, 117,
1944)

.. math::

    u(\beta) = -\coth(2\beta)\Big[1 + \tfrac{2}{\pi}\big(2\tanh^2(2\beta) - 1\big)
    K(\kappa)\Big], \qquad \kappa = \frac{2\sinh(2\beta)}{\cosh^2(2\beta)},

with :math:`K` the complete elliptic integral of the first kind (modulus
:math:`\kappa`), and the spontaneous magnetisation (Yang, Phys. Rev. 85, 808,
1952) :math:`M(\beta) = (1 - \sinh(2\beta)^{-4})^{1/8}` for :math:`\beta >
\beta_c`, 0 below.
"""

from __future__ import annotations

import numpy as np

#: critical inverse temperature of the square-lattice Ising model (J = 1)
BETA_C = 0.5 * np.log(1.0 + np.sqrt(2.0))
#: default Swendsen–Wang sweeps discarded before the first sample
DEFAULT_BURN_IN = 100
#: default sweeps between two samples of the same chain
DEFAULT_SPACING = 5


def onsager_energy(beta: float) -> float:
    """Exact energy per spin of the infinite lattice (see the module docstring)."""
    from scipy.special import ellipk

    beta = float(beta)
    if beta <= 0:
        raise ValueError(f"beta must be positive, got {beta}")
    t = 2.0 * beta
    kappa = 2.0 * np.sinh(t) / np.cosh(t) ** 2
    a = 2.0 * np.tanh(t) ** 2 - 1.0
    K = ellipk(kappa**2)  # scipy's parameter m is the modulus squared
    if not np.isfinite(K):  # at beta_c, a = 0 while K diverges only logarithmically: a K -> 0
        return float(-1.0 / np.tanh(t))
    return float(-1.0 / np.tanh(t) * (1.0 + 2.0 / np.pi * a * K))


def yang_magnetization(beta: float) -> float:
    """Exact spontaneous magnetisation per spin (0 for ``beta <= BETA_C``)."""
    beta = float(beta)
    if beta <= BETA_C:
        return 0.0
    return float((1.0 - np.sinh(2.0 * beta) ** -4) ** 0.125)


def energy_per_spin(x) -> np.ndarray:
    r""":math:`-\frac{1}{L^2}\sum_{\langle i,j\rangle} x(i)x(j)` (periodic bonds), per
    configuration."""
    x = np.asarray(x, dtype=np.float64)
    return -(x * np.roll(x, 1, axis=-1) + x * np.roll(x, 1, axis=-2)).mean(axis=(-2, -1))


def magnetization(x) -> np.ndarray:
    r""":math:`|\frac{1}{L^2}\sum_i x(i)|` per configuration."""
    return np.abs(np.asarray(x, dtype=np.float64).mean(axis=(-2, -1)))


def correlation_function(x, r_max: int | None = None) -> np.ndarray:
    r"""Two-point function :math:`C(r) = \langle x(u)\,x(u + r e)\rangle`, averaged over
    sites, the two axes ``e`` and leading batch axes, for ``r = 0 .. r_max``
    (default ``L // 2``)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"correlation_function takes 2D configurations, got shape {x.shape}")
    r_max = min(x.shape[-2:]) // 2 if r_max is None else int(r_max)
    return np.array([0.5 * ((x * np.roll(x, r, axis=-1)).mean()
                            + (x * np.roll(x, r, axis=-2)).mean()) for r in range(r_max + 1)])


def _bond_graph(spins: np.ndarray, beta: float, rng: np.random.Generator):
    """Open bonds of one Swendsen–Wang step as a sparse adjacency matrix."""
    from scipy.sparse import coo_matrix

    B, L, K = spins.shape
    ids = np.arange(B * L * K).reshape(B, L, K)
    p_open = -np.expm1(-2.0 * beta)
    rows, cols = [], []
    for axis in (1, 2):
        nb = np.roll(spins, -1, axis=axis)
        nb_ids = np.roll(ids, -1, axis=axis)
        open_ = (spins == nb) & (rng.random(spins.shape) < p_open)
        rows.append(ids[open_])
        cols.append(nb_ids[open_])
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    n = B * L * K
    return coo_matrix((np.ones(rows.size, dtype=np.int8), (rows, cols)), shape=(n, n)).tocsr()


def swendsen_wang_sweep(spins: np.ndarray, beta: float, rng: np.random.Generator) -> np.ndarray:
    """One Swendsen–Wang update of a batch of configurations ``(B, L, K)`` of ±1."""
    from scipy.sparse.csgraph import connected_components

    graph = _bond_graph(spins, beta, rng)
    n_clusters, labels = connected_components(graph, directed=False)
    sign = np.where(rng.random(n_clusters) < 0.5, -1, 1).astype(spins.dtype)
    return sign[labels].reshape(spins.shape)


def sample_ising(size: int, beta: float, n_samples: int, *, n_chains: int | None = None,
                 burn_in: int = DEFAULT_BURN_IN, spacing: int = DEFAULT_SPACING, seed=0,
                 progress: bool = False) -> np.ndarray:
    """Equilibrium configurations of the 2D Ising model by Swendsen–Wang sweeps.

    Parameters
    ----------
    size : int
        Side ``L`` of the periodic lattice.
    beta : float
        Inverse temperature (``J = 1``; critical at :data:`BETA_C`).
    n_samples : int
        Number of configurations returned.
    n_chains : int, optional
        Independent chains run together (default ``n_samples``: one sample per
        chain, the most independent choice); each chain gives
        ``ceil(n_samples / n_chains)`` samples ``spacing`` sweeps apart.
    burn_in : int, default 100
        Sweeps discarded first (cluster updates decorrelate in a few sweeps even
        at :math:`\\beta_c`).
    spacing : int, default 5
    seed : int or numpy Generator
    progress : bool
        Show a progress bar over sweeps.

    Returns
    -------
    array of int8, shape (n_samples, L, L)
    """
    from tqdm.auto import tqdm

    if not (np.isfinite(beta) and beta >= 0):
        raise ValueError(f"beta must be a finite non-negative number, got {beta}")
    if size < 2 or n_samples < 1:
        raise ValueError(f"need size >= 2 and n_samples >= 1, got size={size}, "
                         f"n_samples={n_samples}")
    rng = np.random.default_rng(seed)
    n_chains = n_samples if n_chains is None else int(n_chains)
    per_chain = -(-n_samples // n_chains)
    spins = np.where(rng.random((n_chains, size, size)) < 0.5, -1, 1).astype(np.int8)
    samples = []
    total = burn_in + (per_chain - 1) * spacing + 1
    for t in tqdm(range(total), disable=not progress, desc=f"Ising beta={beta:.3f}"):
        spins = swendsen_wang_sweep(spins, beta, rng)
        if t >= burn_in and (t - burn_in) % spacing == 0:
            samples.append(spins.copy())
    return np.concatenate(samples, axis=0)[:n_samples]
