r"""A fixed non-linear expansion of scattering invariants for linear regression.

A linear model of the invariants :math:`\Phi(x)` (Hirn, Mallat & Poilvert 2017
regress on the invariants and their squares) is made richer, and stays linear
in its parameters, by fixed maps of each invariant and by products between the
density channels of the same path:

.. math::

    \Big[\Phi,\ \Phi^2,\ \Phi^3,\ |\Phi|^{1/2},\ |\Phi|^{1/4},\
    \log(|\Phi| + \epsilon),\ \Phi_a \odot \Phi_b\ (a < b)\Big],

where :math:`\Phi_a` is the block of channel ``a`` (all, valence or core
electrons for :func:`~scatkit.chem.molecular_densities`).  Ridge regression on
this expansion is a generalised additive model of the invariants plus
pairwise channel interactions; docs/qm7.md compares it with the plain
invariants and with kernel ridge.
"""

from __future__ import annotations

import numpy as np

__all__ = ["expand_invariants", "POWERS", "LOG_FLOOR"]

#: powers of each invariant (the invariants themselves included)
POWERS = (1.0, 2.0, 3.0, 0.5, 0.25)
#: floor inside the logarithm (the invariants are positive; QM7's smallest is ~1e-9)
LOG_FLOOR = 1e-12


def expand_invariants(X, n_channels: int = 3, powers=POWERS, log: bool = True,
                      channel_products: bool = True) -> np.ndarray:
    """Powers, logarithm and cross-channel products of invariants (module docstring).

    Parameters
    ----------
    X : array_like, shape (n, F)
        Invariants, channel-major: columns ``c F/n_channels .. (c+1) F/n_channels - 1``
        belong to channel ``c`` and the same path in every channel sits at the
        same offset (the layout of ``HarmonicScattering3D`` applied to
        ``(n, n_channels, ...)`` densities, flattened).
    n_channels : int, default 3
        Number of channel blocks (``F`` must be a multiple of it).
    powers : sequence of float, default :data:`POWERS`
        Powers ``|x|^p`` of each invariant (integer powers keep the sign).
    log : bool, default True
        Append ``log(|x| + LOG_FLOOR)``.
    channel_products : bool, default True
        Append the products of every pair of channel blocks, path by path.

    Returns
    -------
    ndarray, shape (n, F * (len(powers) + log) + C(n_channels, 2) F / n_channels)
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be (n_samples, n_features), got shape {X.shape}")
    if n_channels < 1 or X.shape[1] % n_channels:
        raise ValueError(f"{X.shape[1]} features do not split into {n_channels} channel blocks")
    parts = [X**p if float(p).is_integer() else np.abs(X) ** p for p in powers]
    if log:
        parts.append(np.log(np.abs(X) + LOG_FLOOR))
    if channel_products:
        blocks = np.split(X, n_channels, axis=1)
        parts += [blocks[a] * blocks[b] for a in range(n_channels) for b in range(a + 1, n_channels)]
    return np.hstack(parts)
