r"""Scattering moments of stationary processes.

For a stationary process :math:`X` the spatial (or temporal) averages of its
scattering coefficients converge to the *scattering moments*

.. math::

    S_1 X(\lambda_1) = \mathbb{E}\,|X \star \psi_{\lambda_1}|, \qquad
    S_2 X(\lambda_1, \lambda_2) = \mathbb{E}\,\big||X \star \psi_{\lambda_1}|
    \star \psi_{\lambda_2}\big|, \quad j_2 > j_1,

:math:`O(\log^2 N)` numbers that characterise non-Gaussian structure that the
power spectrum misses (Bruna & Mallat, "Audio texture synthesis with scattering
moments", arXiv:1311.0407, 2013; Bruna, Mallat, Bacry & Muzy, "Intermittent
process analysis with scattering moments", Ann. Stat. 43(1), 2015).  The
second order is often normalised by the first,
:math:`\tilde S_2 = S_2(\lambda_1,\lambda_2) / S_1(\lambda_1)`, which removes
the dependence on the power at :math:`\lambda_1`.  Optionally the *wavelet power
spectrum* :math:`P(\lambda) = \mathbb{E}|X\star\psi_\lambda|^2` is appended (the
second-order moments of the scattering spectra of Cheng, Morel, Allys, Ménard &
Mallat, "Scattering spectra models for physics", PNAS Nexus 3(4), 2024), and
optionally their *phase–modulus cross-correlations*

.. math::

    C_{01}(\lambda, \lambda') = \mathbb{E}\big[(X\star\psi_\lambda)\,
    \overline{(|X\star\psi_{\lambda'}|\star\psi_\lambda)}\big]
    = \frac{1}{|\Omega|^2}\sum_\omega \hat X(\omega)\,
    \overline{\widehat{U_{\lambda'}}(\omega)}\,|\hat\psi_\lambda(\omega)|^2,
    \qquad j' \le j,

(real and imaginary parts; same reference), which are odd in :math:`X` and so
see the sign asymmetry (skewness) that every :math:`S_m` and :math:`P` is blind
to, since :math:`|(-X)\star\psi| = |X\star\psi|`.

The estimators are the spatial means of the modulus maps :math:`U`, computed by
the core cascade (:func:`~scatkit.transforms.cascade.run_cascade`) with the
low-pass replaced by the exact mean (a Kronecker delta at zero frequency), so
that with periodic boundaries they are invariant to every circular shift up to
the aliasing of the subsampled modulus; ``oversampling`` keeps each modulus at
``2**oversampling`` times the critical rate to make that aliasing small.
"""

from __future__ import annotations

import dataclasses
import numbers

import numpy as np

from ..backends import get_backend
from ..transforms.base import check_int, conversion_key
from ..transforms.cascade import Plan, run_cascade
from ..transforms.scattering1d import Scattering1D
from ..transforms.scattering2d import Scattering2D
from .periodic import PeriodicScattering1D, PeriodicScattering2D

#: default number of orientations (2D)
DEFAULT_L = 8
#: default wavelets per octave (first order, higher orders) in 1D
DEFAULT_Q = (8, 1)
#: default oversampling exponent of the intermediate moduli
DEFAULT_OVERSAMPLING = 1
#: floor added to first-order moments before dividing by them (relative to their max)
NORMALISE_FLOOR = 1e-12


def oversample_plan(plan: Plan, oversampling: int) -> Plan:
    """A copy of ``plan`` whose intermediate moduli are kept ``2**oversampling``
    times finer (resolution exponents lowered by ``oversampling``, floored at 0).

    Lowering every group's exponent by the same amount keeps a child at a
    resolution at least as fine as its parent's, which is all the cascade needs.
    """
    oversampling = check_int("oversampling", oversampling, minimum=0)
    groups = [dataclasses.replace(g, k=max(g.k - oversampling, 0)) if g.order > 0 else g
              for g in plan.groups]
    return dataclasses.replace(plan, groups=groups)


def default_J(shape: tuple[int, ...]) -> int:
    """Octaves reaching the largest scales of the grid: ``log2(min(shape)) - 1`` (at least 1);
    the largest wavelet then peaks near 1.5 cycles per side."""
    return max(int(np.log2(min(shape))) - 1, 1)


class ScatteringMoments:
    r"""Scattering moments :math:`(S_1, S_2[, P])` of 1D signals or 2D fields.

    Parameters
    ----------
    shape : int or tuple of int
        Shape of one realisation: ``(N,)`` (1D) or ``(M, N)`` (2D).
    J : int, optional
        Number of octaves (default :func:`default_J`).
    L : int, default 8
        Orientations (2D only).
    Q : int or (int, int), default (8, 1)
        Wavelets per octave (1D only), as :class:`scatkit.Scattering1D`.
    periodic : bool, default True
        Circular convolutions (:mod:`scatkit.stats.periodic`; the sides must be
        divisible by ``2**J``) or the core transforms' reflection padding.
    normalize : bool, default False
        Return :math:`S_2(\lambda_1,\lambda_2)/S_1(\lambda_1)` instead of :math:`S_2`.
    power : bool, default False
        Append the wavelet power spectrum :math:`\mathbb{E}|x\star\psi_\lambda|^2`
        (first-order bank, computed exactly in the Fourier domain).
    oversampling : int, default 1
        See the module docstring (periodic only).
    cross : bool, default False
        Append :math:`\mathrm{Re}\,C_{01}` then :math:`\mathrm{Im}\,C_{01}` for every
        pair of first-order wavelets with :math:`j' \le j` (circular convolutions,
        full resolution).

    Notes
    -----
    Calling the object on an array ``(..., *shape)`` (NumPy or PyTorch, any
    device; differentiable) returns ``(..., K)``: first ``S_1`` (one per
    first-order wavelet), then ``S_2`` in the channel order of the core
    transform, then ``P`` if requested, then ``C01`` if requested.  :meth:`meta`
    describes each entry.
    """

    def __init__(self, shape, J=None, L=DEFAULT_L, Q=DEFAULT_Q, periodic=True, normalize=False,
                 power=False, oversampling=DEFAULT_OVERSAMPLING, cross=False):
        if isinstance(shape, numbers.Integral):
            shape = (int(shape),)
        self.shape = tuple(int(s) for s in shape)
        if len(self.shape) not in (1, 2):
            raise ValueError(f"scattering moments take 1D signals or 2D fields; shape "
                             f"{self.shape} has {len(self.shape)} axes")
        self.ndim = len(self.shape)
        self.J = default_J(self.shape) if J is None else check_int("J", J, minimum=1)
        self.periodic = bool(periodic)
        self.normalize = bool(normalize)
        self.power = bool(power)
        self.cross = bool(cross)
        if self.ndim == 2:
            cls = PeriodicScattering2D if self.periodic else Scattering2D
            self.transform = cls(self.J, self.shape, L=L, max_order=2)
        else:
            cls = PeriodicScattering1D if self.periodic else Scattering1D
            self.transform = cls(self.J, self.shape, Q=Q, max_order=2)
        if self.periodic:
            self.transform.plan = oversample_plan(self.transform.plan, oversampling)
        self._tmeta = self.transform.meta()
        order = self._tmeta["order"]
        self._keep = np.flatnonzero(order > 0)  # drop the order-0 (mean) channel
        self._s1 = np.flatnonzero(order == 1)
        first = {p: i for i, p in enumerate(self.transform.plan.paths) if len(p) == 1}
        # position of each order-2 path's parent among the kept channels
        self._parent = np.array([first[p[:1]] - 1 for p in self.transform.plan.paths
                                 if len(p) == 2], dtype=np.int64)
        self._psi_full = None
        j1 = self._tmeta["j"][self._s1, 0]
        # rows (lambda, lambda') with j' <= j
        self.cross_pairs = np.argwhere(j1[None, :] <= j1[:, None])

    # -- description -------------------------------------------------------------
    @property
    def n_moments(self) -> int:
        return (len(self._keep) + (len(self._s1) if self.power else 0)
                + (2 * len(self.cross_pairs) if self.cross else 0))

    def meta(self) -> dict:
        """Per-moment ``kind`` ('s1', 's2', 'power', 'c01_re' or 'c01_im'), ``order``,
        the transform's per-order keys (``j``, ``theta`` in 2D; ``n``, ``j``, ``xi``,
        ``sigma`` in 1D) of the wavelets involved, each of shape ``(K,)`` or ``(K, 2)``,
        and ``pair`` (K, 2): the first-order indices of the wavelets of a power or
        cross moment (-1 otherwise)."""
        m = self._tmeta
        n_s = len(self._keep)
        blocks = [(self._keep, None, "s")]
        if self.power:
            blocks.append((self._s1, np.c_[np.arange(len(self._s1)), np.arange(len(self._s1))],
                           "power"))
        if self.cross:
            for part in ("c01_re", "c01_im"):
                blocks.append((self._s1[self.cross_pairs[:, 0]], self.cross_pairs, part))
        out = {}
        for k, v in m.items():
            v = np.asarray(v)
            parts = []
            for rows, pairs, _ in blocks:
                if np.ndim(v) == 2 and pairs is not None:  # (lambda, lambda') per order slot
                    parts.append(np.stack([v[self._s1[pairs[:, 0]], 0],
                                           v[self._s1[pairs[:, 1]], 0]], 1))
                else:
                    parts.append(v[rows][:, :2] if np.ndim(v) == 2 else v[rows])
            out[k] = np.concatenate(parts)
        kind = [np.where(m["order"][self._keep] == 1, "s1", "s2")]
        pair = [np.full((n_s, 2), -1)]
        for rows, pairs, name in blocks[1:]:
            kind.append(np.full(len(rows), name))
            pair.append(pairs)
        out["kind"] = np.concatenate(kind).astype(str)
        out["pair"] = np.concatenate(pair)
        return out

    # -- computing -----------------------------------------------------------------
    def __call__(self, x):
        return self.moments(x)

    def moments(self, x):
        """The moments of each realisation in ``x`` of shape ``(..., *shape)``."""
        backend = self.transform._check_input(x)
        lead = tuple(x.shape[: x.ndim - self.ndim])
        flat = x.reshape((-1,) + self.shape)
        s = self._means(backend, flat)
        if self.normalize:
            s1 = s[:, : len(self._s1)]
            s1_value = s1.detach() if hasattr(s1, "detach") else s1
            # a constant (not differentiated)
            floor = NORMALISE_FLOOR * (float(abs(s1_value).max()) if flat.shape[0] else 1.0)
            s2 = s[:, len(self._s1):] / (backend.take(s1, self._parent, 1) + floor)
            s = backend.concatenate([s1, s2], axis=1)
        if self.power:
            s = backend.concatenate([s, self.wavelet_power(flat)], axis=1)
        if self.cross:
            s = backend.concatenate([s, self.phase_modulus_cross(flat)], axis=1)
        return s.reshape(lead + (s.shape[-1],))

    def _means(self, backend, flat):
        t = self.transform
        filters = t.filters(backend, flat)
        if not self.periodic:
            out = t._compute(backend, flat, filters)
            out = out.mean(axis=tuple(range(2, 2 + self.ndim))) if backend.name == "numpy" else \
                out.mean(dim=tuple(range(2, 2 + self.ndim)))
            return backend.take(out, self._keep, 1)
        phi = self._dc_lowpass(backend, filters["phi_half"])
        outs = run_cascade(backend, flat, t.plan, phi, filters["psi"], ndim=self.ndim)
        # every output map is constant (the mean of its modulus): read one sample
        first = (slice(None), slice(None)) + (0,) * self.ndim
        out = backend.concatenate([o[first] for o in outs], axis=1)
        return backend.take(out, t.plan.order_index[self._keep], 1)

    def _dc_lowpass(self, backend, phi_half):
        """Kronecker deltas at zero frequency shaped like the low-passes."""
        key = ("dc", id(phi_half))
        if key not in self.transform._filter_cache:
            deltas = []
            for p in phi_half:
                d = np.zeros(tuple(p.shape))
                d[(0,) * d.ndim] = 1.0
                deltas.append(backend.asarray(d, p))
            self.transform._filter_cache[key] = deltas
        return self.transform._filter_cache[key]

    @property
    def psi_full(self) -> np.ndarray:
        """First-order wavelets on the unpadded grid, Fourier domain, ``(C1, *shape)``."""
        if self._psi_full is None:
            psi = (self.transform.bank.psi[0] if self.ndim == 2 else self.transform.bank.psi[1][0])
            if psi.shape[-self.ndim:] != self.shape:  # reflect-padded grid: rebuild on ours
                psi = _bank_on_grid(self.transform, self.shape)
            self._psi_full = psi
        return self._psi_full

    def _wavelets(self, backend, like):
        """:attr:`psi_full` and its squared modulus converted for ``backend`` on
        ``like``'s device and precision, once (not on every call: a synthesis
        evaluates the moments at every step, on a GPU an upload each time)."""
        key = ("moments_wavelets",) + conversion_key(backend, like)
        cache = self.transform._filter_cache
        if key not in cache:
            cache[key] = (backend.asarray(self.psi_full, like),
                          backend.asarray(np.abs(self.psi_full) ** 2, like))
        return cache[key]

    def wavelet_power(self, x):
        r""":math:`\mathbb{E}|x\star\psi_\lambda|^2` for each first-order wavelet,
        from the periodogram: :math:`\frac{1}{|\Omega|^2}\sum_\omega
        |\hat x(\omega)|^2 |\hat\psi_\lambda(\omega)|^2` (circular convolution)."""
        backend = get_backend(x)
        w = self._wavelets(backend, x)[1]
        spec = backend.fft(x, self.ndim)
        p = (spec.real ** 2 + spec.imag ** 2)[:, None] * w
        return _sum_trailing(backend, p, self.ndim) / float(np.prod(self.shape)) ** 2

    def phase_modulus_cross(self, x):
        r"""Real and imaginary parts of :math:`C_{01}(\lambda,\lambda')` for the pairs
        :attr:`cross_pairs` (see the module docstring), shape ``(B, 2 * n_pairs)``."""
        backend = get_backend(x)
        psi, w = self._wavelets(backend, x)
        xf = backend.fft(x, self.ndim)[:, None]  # (B, 1, *shape)
        u = backend.modulus(backend.ifft(xf * psi, self.ndim))
        uf = backend.fft(u, self.ndim)  # (B, C1, *shape)
        B, C1 = uf.shape[0], uf.shape[1]
        # every (lambda, lambda') at once: a (C1 x Omega) @ (Omega x C1) product per realisation
        left = (xf * w).reshape((B, C1, -1))
        right = backend.conj(uf).reshape((B, C1, -1)).swapaxes(-1, -2)
        c = (left @ right).reshape((B, C1 * C1))
        c = backend.take(c, self.cross_pairs[:, 0] * C1 + self.cross_pairs[:, 1], 1)
        c = c / float(np.prod(self.shape)) ** 2
        return backend.concatenate([c.real, c.imag], axis=1)


def _sum_trailing(backend, a, ndim: int):
    axes = tuple(range(a.ndim - ndim, a.ndim))
    return a.sum(axis=axes) if backend.name == "numpy" else a.sum(dim=axes)


def _bank_on_grid(transform, shape):
    """First-order wavelets of ``transform`` rebuilt on an unpadded ``shape`` grid."""
    if len(shape) == 2:
        from ..filters.morlet2d import filter_bank_2d

        return filter_bank_2d(*shape, transform.J, transform.L).psi[0]
    from ..filters.morlet1d import morlet_1d_bank

    p = transform._params[1]
    return morlet_1d_bank(shape[0], p.xi, p.sigma)


def moments_spread(moments, axis: int = 0):
    """Mean and standard deviation (``ddof=1``) of moments across realisations.

    Parameters
    ----------
    moments : array, shape (n_realisations, K)
        Output of :class:`ScatteringMoments` for several realisations.

    Returns
    -------
    mean, std : arrays of shape (K,)
        ``std`` is the spread of one realisation's estimate around the mean (the
        standard error of the mean is ``std / sqrt(n)``).
    """
    m = np.asarray(moments, dtype=np.float64)
    if m.shape[axis] < 2:
        raise ValueError(f"the spread needs at least 2 realisations along axis {axis}, "
                         f"got {m.shape[axis]}")
    return m.mean(axis=axis), m.std(axis=axis, ddof=1)
