r"""Solid harmonic wavelet scattering in 3D (Eickenberg et al. 2017, 2018).

Eickenberg, Exarchakis, Hirn & Mallat, "Solid harmonic wavelet scattering:
predicting quantum molecular energy from invariant descriptors of 3D electronic
densities", NIPS 2017; Eickenberg, Exarchakis, Hirn, Mallat & Thiry, "Solid
harmonic wavelet scattering for predictions of molecule properties", J. Chem.
Phys. 148, 241732 (2018).

With the solid harmonic wavelets :math:`\psi_{j,l,m}` of width
:math:`\sigma_j = \sigma_0 2^j` (:mod:`scatkit.filters.solid_harmonic`), the
rotation-covariant modulus

.. math::

    U[j,l]x(u) = \Big(\sum_{m=-l}^{l} |x\star\psi_{j,l,m}(u)|^2\Big)^{1/2}

is invariant to rotations of :math:`x` about :math:`u` (the :math:`2l+1`
responses rotate by a unitary matrix).  The coefficients are integrals of
powers,

.. math::

    S[j,l,q]x = \sum_u U[j,l]x(u)^q,\qquad
    S[j_1,j_2,l,q]x = \sum_u U[j_2,l]\,U[j_1,l]x(u)^q\quad (j_1<j_2),

and order 0 is :math:`\sum_u |x(u)|^q`.  They are invariant to rigid motions
of the density (exactly to translations on the periodic grid; to rotations up
to sampling errors).

Output layout (Kymatio's): an array ``(..., C, L+1, P)`` with ``P =
len(integral_powers)``; the ``C = (J+1) + J(J+1)/2`` channels are order 1 by
``j`` then order 2 by ``(j1, j2)``, ``j1 < j2``, lexicographic.  With
``include_order0=True`` one more channel comes first.

Implementation.  The :math:`2l+1` complex harmonics are replaced by the
unitarily equivalent real ones (conjugate symmetry
:math:`Y_l^{-m}=(-1)^m\overline{Y_l^m}`), whose filters are Hermitian, so every
response is computed with inverse *real* FFTs, all degrees and orders of one
scale in one batched call.  On a grid with an even side the sampled filters are
not exactly Hermitian on the Nyquist planes (the frequency :math:`-\pi` has no
mirror on the grid); the anti-Hermitian remainder adds an imaginary response
that lives on those planes and is computed exactly with 2D inverse FFTs of the
planes, so the result equals the plain complex computation (and Kymatio's) to
rounding.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..filters.solid_harmonic import (fourier_grid, harmonic_index, real_solid_harmonic_rows,
                                      solid_harmonic_filters, spherical_coordinates)
from .base import ScatteringBase, check_int, check_shape, map_chunks

__all__ = ["HarmonicScattering3D", "scattering_paths"]

#: the averaging methods implemented
METHODS = ("integral",)
#: integer powers up to this one are computed by repeated products
INT_POWER_MAX = 4
#: a Nyquist-plane correction is skipped when its filter part is below this
#: fraction of the filter's largest value (it then changes nothing in float64)
NYQUIST_TOL = 1e-13
#: the batch is transformed in chunks whose harmonic responses (channels x volume, one
#: scale) take at most this many bytes (at least one sample per chunk); the output does
#: not depend on it.  Small chunks keep the element-wise work in cache: 8 x 64^3, J=2,
#: L=2 took 0.84 s in one piece and 0.54 s one sample at a time, NumPy, 2 threads
#: (``benchmarks/before_after.py harmonic3d``; peak memory 766 -> 372 MB)
CHUNK_BYTES = 4 * 2**20


def scattering_paths(J: int, max_order: int) -> list[tuple[int, ...]]:
    """The scale paths in output order: ``(j,)`` for ``j <= J``, then ``(j1, j2)``, ``j1 < j2``."""
    paths = [(j,) for j in range(J + 1)]
    if max_order >= 2:
        paths += [(j1, j2) for j1 in range(J + 1) for j2 in range(j1 + 1, J + 1)]
    return paths


class HarmonicScattering3D(ScatteringBase):
    r"""3D solid harmonic scattering with integral (sum of powers) averaging.

    Parameters
    ----------
    J : int
        Largest scale index; wavelet widths are ``sigma_0 * 2**j``, ``j = 0..J``.
    shape : (int, int, int)
        Grid size ``(M, N, O)`` of the inputs.
    L : int, default 3
        Largest harmonic degree; degrees ``0..L`` are computed.
    sigma_0 : float, default 1
        Width (in samples) of the finest wavelet.
    max_order : {1, 2}, default 2
        Largest scattering order.
    rotation_covariant : bool, default True
        ``True``: the modulus sums the responses of all orders ``m`` (rotation
        invariant).  ``False``: only the order ``m = -l`` filter is used (as
        Kymatio does), which is not rotation invariant.
    method : {'integral'}, default 'integral'
        Averaging: sums over the grid of powers of the moduli.
    integral_powers : sequence of float, default (0.5, 1., 2.)
        The exponents ``q``.
    include_order0 : bool, default False
        Also return the order-0 coefficients :math:`\sum_u |x(u)|^q` as a first
        channel (repeated along the ``l`` axis, which it does not depend on).
    batch_size : int, optional
        Process at most this many inputs at a time (bounds memory; the output is
        identical). With NumPy inputs, as many chunks as there are FFT workers
        run at once in threads (``SCATKIT_NUM_THREADS=1``: one at a time).
    check_finite : bool, default True
        Reject inputs with NaN or infinity.

    Notes
    -----
    Called on an array ``(..., M, N, O)`` (NumPy or PyTorch, float32 or
    float64) it returns ``(..., C, L+1, P)`` of the same kind and precision; see
    the module docstring for the channel order.  Gradients (PyTorch) are finite
    everywhere: the square root and the powers ``q < 1`` use the subgradient 0
    where the modulus vanishes.

    Examples
    --------
    >>> import numpy as np
    >>> S = HarmonicScattering3D(J=2, shape=(16, 16, 16), L=2, integral_powers=(1, 2))
    >>> S(np.zeros((4, 16, 16, 16))).shape
    (4, 6, 3, 2)
    """

    ndim = 3
    channel_axis = -3

    def __init__(self, J, shape, L=3, sigma_0=1, max_order=2, rotation_covariant=True,
                 method="integral", integral_powers=(0.5, 1.0, 2.0), *, include_order0=False,
                 batch_size=None, check_finite=True):
        super().__init__(out_type="array", batch_size=batch_size, check_finite=check_finite)
        self.J = check_int("J", J, minimum=0)
        self.shape = check_shape(shape, 3)
        self.L = check_int("L", L, minimum=0)
        if isinstance(sigma_0, bool) or not isinstance(sigma_0, numbers.Real) or not sigma_0 > 0:
            raise ValueError(f"sigma_0 must be a positive number, got {sigma_0!r}")
        self.sigma_0 = float(sigma_0)
        self.max_order = check_int("max_order", max_order, minimum=1, maximum=2)
        self.rotation_covariant = bool(rotation_covariant)
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        self.method = method
        powers = np.atleast_1d(np.asarray(integral_powers, dtype=np.float64))
        if powers.ndim != 1 or powers.size == 0 or not np.all(np.isfinite(powers)) \
                or np.any(powers <= 0):
            raise ValueError("integral_powers must be a non-empty sequence of positive numbers, "
                             f"got {integral_powers!r}")
        self.integral_powers = tuple(float(q) for q in powers)
        self.include_order0 = bool(include_order0)
        self.paths = scattering_paths(self.J, self.max_order)
        self._bank = None

    # -- layout -----------------------------------------------------------------
    @property
    def output_channels(self) -> int:
        return len(self.paths) + int(self.include_order0)

    def fft_plan(self, batch: int) -> list[tuple[str, tuple[int, ...], str]]:
        """The FFTs :meth:`_compute` performs on a batch, as
        :func:`scatkit.bench.runner.fft_plan` lists them (``(kind, shape, dtype)``,
        ``shape = (batch, channels) + grid``): the input's transform, one inverse
        transform of every filter response per scale and order, and the transform of
        every first-order modulus that has second-order children."""
        grid = tuple(self.shape)
        k, is_complex = self._responses()
        fwd, inv, dtype = ("fft", "ifft", "complex64") if is_complex else ("rfft", "irfft",
                                                                           "float32")
        ops = [(fwd, (batch, 1) + grid, dtype)]
        ops += [(inv, (batch, k) + grid, "complex64")] * (self.J + 1)
        if self.max_order >= 2:
            for j1 in range(self.J):
                ops.append((fwd, (batch, self.L + 1) + grid, dtype))
                ops += [(inv, (batch, k) + grid, "complex64")] * (self.J - j1)
        return ops

    def output_shape(self) -> tuple[int, ...]:
        return (self.output_channels, self.L + 1, len(self.integral_powers))

    def meta(self) -> dict:
        """One row per output channel: ``order`` (C,), ``j`` (C, max_order), NaN-padded;
        ``l`` (C, L+1) and ``q`` (C, P) give the degrees and powers along the
        channel's two trailing axes."""
        paths = ([()] if self.include_order0 else []) + self.paths
        order = np.array([len(p) for p in paths], dtype=np.int64)
        j = np.full((len(paths), self.max_order), np.nan)
        for c, p in enumerate(paths):
            j[c, :len(p)] = p
        n = len(paths)
        return {"order": order, "j": j,
                "l": np.tile(np.arange(self.L + 1, dtype=np.float64), (n, 1)),
                "q": np.tile(np.asarray(self.integral_powers), (n, 1))}

    def _to_list(self, out):
        meta = self.meta()
        result = []
        for c in range(self.output_channels):
            order = int(meta["order"][c])
            result.append({"coef": out[..., c, :, :], "order": order,
                           "j": tuple(int(v) for v in meta["j"][c, :order]),
                           "l": tuple(range(self.L + 1)), "q": self.integral_powers})
        return result

    # -- filters -----------------------------------------------------------------
    def _numpy_filters(self) -> dict:
        if self._bank is None:
            self._bank = self._build_filters(lambda a: a)
        return self._bank

    def _converted_filters(self, convert) -> dict:
        # unless the float64 NumPy filters already exist, build them one scale at a time
        # and convert each scale before building the next: the float64 stack of every
        # scale (53 MB at 64^3, L = 2, J = 2) is never held
        if self._bank is not None:
            return super()._converted_filters(convert)
        return self._build_filters(convert)

    def _build_filters(self, convert) -> dict:
        """The filter pytree, each array passed through ``convert`` as soon as built."""
        from .base import _map_tree

        sigmas = [self.sigma_0 * 2.0**j for j in range(self.J + 1)]
        if self.rotation_covariant:
            coords = spherical_coordinates(fourier_grid(self.shape))  # shared by the widths
            return {"scales": [_map_tree(convert, _hermitian_split(
                        real_solid_harmonic_rows(self.shape, s, self.L, coords), self.shape,
                        (self.L + 1) ** 2)) for s in sigmas],
                    "signs": _map_tree(convert, _nyquist_signs(self.shape))}
        return {"single": [convert(np.stack([solid_harmonic_filters(self.shape, s, l)[0]
                                             for l in range(self.L + 1)])) for s in sigmas]}

    # -- computation -------------------------------------------------------------
    def _responses(self) -> tuple[int, bool]:
        """Filter responses per scale and whether they are complex: the ``(L+1)**2``
        real harmonics (rotation-covariant form, real FFTs), else ``L+1`` complex."""
        if self.rotation_covariant:
            return len(harmonic_index(self.L)), False
        return self.L + 1, True

    def _compute(self, backend, x, filters):
        k, is_complex = self._responses()
        per_sample = k * (1 + is_complex) * int(np.prod(self.shape)) * x.dtype.itemsize
        budget = backend.chunk_bytes(x, CHUNK_BYTES) // getattr(backend, "concurrent_chunks", 1)
        step = max(1, budget // per_sample)
        return map_chunks(backend, lambda b, c: self._compute_chunk(b, c, filters), x, step,
                          min_thread_chunk=self._min_thread_chunk())

    def _compute_chunk(self, backend, x, filters):
        powers = self.integral_powers
        out = []
        if self.include_order0:
            s0 = integrals(backend, backend.modulus(x)[:, None], powers)  # (B, 1, P)
            out.append(backend.concatenate([s0] * (self.L + 1), axis=1))
        if self.rotation_covariant:
            modulus = self._covariant_modulus(backend, filters)
            spectrum = backend.rfft(x, 3)[:, None]
        else:
            modulus = self._single_modulus(backend, filters)
            spectrum = backend.fft(x, 3)[:, None]
        first = [modulus(spectrum, j) for j in range(self.J + 1)]
        out += [integrals(backend, u, powers) for u in first]
        if self.max_order >= 2:
            transform = (lambda u: backend.rfft(u, 3)) if self.rotation_covariant else (
                lambda u: backend.fft(u, 3))
            for j1 in range(self.J + 1):
                if j1 == self.J:
                    break
                spec1 = transform(first[j1])
                out += [integrals(backend, modulus(spec1, j2), powers)
                        for j2 in range(j1 + 1, self.J + 1)]
        return backend.concatenate([o[:, None] for o in out], axis=1)

    def _covariant_modulus(self, backend, filters):
        shape = self.shape
        signs = filters["signs"]

        def modulus(spectrum, j):
            # spectrum: (B, 1 or L+1, M, N, O//2+1) half spectrum of a real signal; the
            # 2l+1 harmonics of each degree l are computed together, one degree at a
            # time (peak memory of 2L+1 responses instead of (L+1)**2)
            bank = filters["scales"][j]
            per_degree = []
            for l in range(self.L + 1):
                rows = slice(l * l, (l + 1) * (l + 1))
                spec = spectrum if spectrum.shape[1] == 1 else spectrum[:, l:l + 1]
                part = {"half": bank["half"][rows],
                        "planes": [None if p is None else p[rows] for p in bank["planes"]]}
                energy = backend.irfft(spec * part["half"], shape) ** 2
                odd = _nyquist_response(backend, spec, part, signs, shape)
                if odd is not None:
                    energy = energy + odd**2
                per_degree.append(energy.sum(1)[:, None])
            return backend.sqrt_nonneg(backend.concatenate(per_degree, axis=1))

        return modulus

    def _single_modulus(self, backend, filters):
        def modulus(spectrum, j):
            return backend.modulus(backend.ifft(spectrum * filters["single"][j], 3))

        return modulus


# ---------------------------------------------------------------------------------
# helpers written once over the backend interface
# ---------------------------------------------------------------------------------
def safe_power(backend, u, q: float):
    r""":math:`u^q` for :math:`u \ge 0`, with gradient 0 (not infinite) at :math:`u = 0`
    (:meth:`~scatkit.backends.base.Backend.power_nonneg`).

    Small integer powers are products and ``q = 1/2`` a square root (faster than ``pow``).
    """
    if q == int(q) and 1 <= q <= INT_POWER_MAX:
        out = u
        for _ in range(int(q) - 1):
            out = out * u
        return out
    if q == 0.5:
        return backend.sqrt_nonneg(u)
    return backend.power_nonneg(u, q)


def integrals(backend, u, powers) -> object:
    r"""``(B, G, P)`` sums :math:`\sum_u u^q` over the last three axes, one per power."""
    return backend.concatenate([safe_power(backend, u, q).sum((-3, -2, -1))[..., None]
                                for q in powers],
                               axis=-1)


def _mirror(a: np.ndarray) -> np.ndarray:
    """``a(-k)`` on the DFT grid of the last three axes."""
    for axis in (-3, -2, -1):
        n = a.shape[axis]
        a = np.take(a, (-np.arange(n)) % n, axis=axis)
    return a


def _hermitian_split(rows, shape, n_rows: int | None = None) -> dict:
    """Hermitian half spectrum of ``G`` and the Nyquist planes of its anti-Hermitian part.

    ``G = H + A`` with :math:`H(k) = (G(k) + \\overline{G(-k)})/2`.  ``half`` is
    ``H`` on the real-FFT half grid; ``planes[a]`` is :math:`-iA` on the Nyquist
    plane of axis ``a`` (half grid of that plane, bins of earlier Nyquist planes
    zeroed so the three parts are disjoint), or None where it vanishes (below
    ``NYQUIST_TOL`` of the stack's largest value).  ``rows`` are the filters of
    ``G`` (an array, or an iterable of ``n_rows`` arrays such as
    :func:`~scatkit.filters.solid_harmonic.real_solid_harmonic_rows`), consumed
    one at a time into compact arrays: neither the stack ``G`` nor a full-grid
    ``H`` or ``A`` is formed or kept.
    """
    M, N, O = shape
    n_rows = len(rows) if n_rows is None else n_rows
    half = np.empty((n_rows, M, N, O // 2 + 1), dtype=np.complex128)
    planes: list = [[], [], []]
    peak, r = 0.0, -1
    for r, g in enumerate(rows):
        peak = max(peak, float(np.abs(g).max()))
        mirrored = np.conj(_mirror(g))
        half[r] = 0.5 * (g[..., : O // 2 + 1] + mirrored[..., : O // 2 + 1])
        if M % 2 == 0:
            planes[0].append(-0.5j * (g[M // 2, :, : O // 2 + 1] - mirrored[M // 2, :, : O // 2 + 1]))
        if N % 2 == 0:
            p = -0.5j * (g[:, N // 2, : O // 2 + 1] - mirrored[:, N // 2, : O // 2 + 1])
            if M % 2 == 0:
                p[M // 2] = 0
            planes[1].append(p)
        if O % 2 == 0:
            p = -0.5j * (g[:, :, O // 2] - mirrored[:, :, O // 2])
            if M % 2 == 0:
                p[M // 2] = 0
            if N % 2 == 0:
                p[:, N // 2] = 0
            planes[2].append(p[:, : N // 2 + 1])
        del g, mirrored
    if r + 1 != n_rows:
        raise ValueError(f"expected {n_rows} filters, got {r + 1}")
    tol = NYQUIST_TOL * peak
    planes = [np.stack(p) if p else None for p in planes]
    planes = [p if p is not None and np.abs(p).max() > tol else None for p in planes]
    return {"half": half, "planes": planes}


def _nyquist_signs(shape) -> list[np.ndarray]:
    r"""Per Nyquist plane ``a``: :math:`(-1)^{\sum_{b\ne a} u_b}/n_a` on that plane's grid.

    The response of plane ``a`` is :math:`p_a(u_{\ne a})(-1)^{u_a}/n_a`; multiplied
    by the global sign :math:`(-1)^{u_0+u_1+u_2}` it no longer depends on
    :math:`u_a`, so the sum over the planes is formed from broadcast views of
    2D arrays (one full-grid pass per plane added, none per product).  Only its
    square is used, which the global sign leaves unchanged (exactly: sign flips
    commute with rounding).
    """
    out = []
    for a, n in enumerate(shape):
        rest = [m for b, m in enumerate(shape) if b != a]
        parity = np.add.outer(np.arange(rest[0]), np.arange(rest[1])) % 2
        out.append((1.0 - 2.0 * parity) / n)
    return out


def _nyquist_response(backend, spectrum, bank, signs, shape):
    """Imaginary part of the response due to the anti-Hermitian Nyquist planes, up to
    the global sign of :func:`_nyquist_signs` (or None when there is none)."""
    M, N, O = shape
    planes = bank["planes"]
    total = None
    if planes[0] is not None:
        p = backend.irfft(spectrum[..., M // 2, :, :] * planes[0], (N, O)) * signs[0]
        total = _add(total, p[..., None, :, :])
    if planes[1] is not None:
        p = backend.irfft(spectrum[..., :, N // 2, :] * planes[1], (M, O)) * signs[1]
        total = _add(total, p[..., :, None, :])
    if planes[2] is not None:
        p = backend.irfft(spectrum[..., :, : N // 2 + 1, O // 2] * planes[2], (M, N)) * signs[2]
        total = _add(total, p[..., :, :, None])
    return total


def _add(a, b):
    return b if a is None else a + b
