r"""Marginal and increment statistics: histograms, Wasserstein-1, structure functions.

Structure functions (Kolmogorov 1941; Frisch, *Turbulence*, 1995) measure the
moments of increments across scales,

.. math::

    S(j, q) = \mathbb{E}\,|x(u) - x(u - \tau)|^q, \qquad |\tau| = 2^{j-1},

averaged here over the axis-aligned lags (two in 2D), with circular shifts
(periodic fields) or over the valid differences only.  Their growth with
:math:`q` reveals intermittency that a Gaussian field of the same spectrum
(for which :math:`S(j,q) \propto S(j,2)^{q/2}`) lacks.  Marginals are compared by
the Wasserstein-1 distance between empirical distributions,
:math:`W_1(\mu,\nu) = \int |F_\mu(t) - F_\nu(t)|\,dt`.
"""

from __future__ import annotations

import numpy as np

#: default orders of the structure functions
DEFAULT_Q = (1, 2, 3, 4, 5)


def _signal_axes(x, ndim):
    x = np.asarray(x, dtype=np.float64)
    if ndim is None:
        ndim = 2 if x.ndim >= 2 else 1
    if ndim not in (1, 2) or x.ndim < ndim:
        raise ValueError(f"expected a 1D signal or a 2D field with optional batch axes, got "
                         f"shape {x.shape} with ndim={ndim}")
    return x, tuple(range(-ndim, 0))


def default_lag_scales(shape) -> np.ndarray:
    """``j = 1 .. log2(min(shape)) - 1`` (lags 1 to a quarter of the side)."""
    return np.arange(1, int(np.log2(min(shape))))


def structure_functions(x, j=None, q=DEFAULT_Q, ndim: int | None = None,
                        periodic: bool = True) -> np.ndarray:
    """Structure functions :math:`S(j, q)` (see the module docstring).

    Parameters
    ----------
    x : array, shape (..., N) or (..., M, N)
        Realisations (leading axes are averaged).
    j : sequence of int, optional
        Lag exponents, lag ``2**(j-1)`` (default :func:`default_lag_scales`).
    q : sequence of float, default (1, 2, 3, 4, 5)
    ndim : {1, 2}, optional
        Number of signal axes (default 2 if ``x`` has two axes or more).
    periodic : bool, default True
        Circular differences (else only differences inside the grid).

    Returns
    -------
    array, shape (len(j), len(q))
    """
    x, axes = _signal_axes(x, ndim)
    shape = x.shape[len(x.shape) - len(axes):]
    j = default_lag_scales(shape) if j is None else np.asarray(j, dtype=int)
    q = np.asarray(q, dtype=np.float64)
    if np.any(j < 1) or np.any(2.0 ** (j - 1) >= min(shape)):
        raise ValueError(f"lag exponents j must satisfy 1 <= j and 2**(j-1) < {min(shape)}, "
                         f"got {j}")
    out = np.empty((len(j), len(q)))
    for a, jj in enumerate(j):
        lag = 2 ** (int(jj) - 1)
        incs = []
        for ax in axes:
            if periodic:
                d = x - np.roll(x, lag, axis=ax)
            else:
                n = x.shape[ax]
                d = np.take(x, np.arange(lag, n), axis=ax) - np.take(x, np.arange(n - lag), axis=ax)
            incs.append(np.abs(d).ravel())
        inc = np.concatenate(incs)
        out[a] = (inc[:, None] ** q[None, :]).mean(axis=0)
    return out


def structure_function_error(x, target, **kwargs) -> np.ndarray:
    r"""Per :math:`q`: mean over :math:`j` of :math:`|\log S_x(j,q) - \log S_t(j,q)|`
    (a log-ratio, so scales and orders weigh alike)."""
    sx = structure_functions(x, **kwargs)
    st = structure_functions(target, **kwargs)
    return np.abs(np.log(sx) - np.log(st)).mean(axis=0)


def marginal_histogram(x, bins: int = 64, range: tuple[float, float] | None = None):
    """Normalised histogram (a density) of all values of ``x``; returns ``(edges, density)``."""
    x = np.asarray(x, dtype=np.float64).ravel()
    density, edges = np.histogram(x, bins=bins, range=range, density=True)
    return edges, density


def wasserstein1(a, b, normalize: bool = False) -> float:
    r"""Wasserstein-1 distance between the empirical marginals of ``a`` and ``b``.

    :math:`W_1 = \int_0^1 |F_a^{-1}(t) - F_b^{-1}(t)|\,dt`, computed exactly from
    sorted samples (by :func:`scipy.stats.wasserstein_distance`).  With
    ``normalize`` the result is divided by the standard deviation of ``b`` (the
    reference), so that it is comparable across targets.
    """
    from scipy.stats import wasserstein_distance

    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.size == 0 or b.size == 0:
        raise ValueError("wasserstein1 needs non-empty samples")
    w = float(wasserstein_distance(a, b))
    if normalize:
        s = float(b.std())
        if s == 0:
            raise ValueError("cannot normalise by the spread of a constant reference")
        w /= s
    return w
