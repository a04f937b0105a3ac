r"""Rigid-motion (roto-translation) scattering (Sifre & Mallat, CVPR 2013; arXiv:1403.1687).

Translation scattering (:class:`~scatkit.transforms.scattering2d.Scattering2D`)
averages along translations only: rotating an image permutes its channels.
Rigid-motion scattering replaces the second wavelet transform by a wavelet
transform on the group of rigid motions :math:`g = (v, \alpha)` (translations
and rotations, :math:`SE(2)`), so that the output is invariant to rotations
and translations while the joint structure of orientations across scales is kept.

**First layer.**  The modulus of oriented Morlet wavelets,

.. math::

    U_1 x(u, \theta, j_1) = |x \star \psi_{\theta, j_1}|(u),
    \qquad \psi_{\theta,j}(u) = 2^{-2j}\psi(2^{-j} r_{-\theta} u),

is a function of :math:`(u, \theta)`, a point of the rigid-motion group, for each
scale.  Rotating the input, :math:`R_\alpha x(u) = x(r_{-\alpha}u)`, acts on it
by a rigid motion: :math:`U_1 R_\alpha x(u, \theta) = U_1 x(r_{-\alpha} u, \theta - \alpha)`.

**Angle range.**  The group variable is :math:`\theta \in [0, 2\pi)`, sampled at
:math:`2L` points :math:`\theta_t = t\pi/L` (a rotation by :math:`\pi/L` is a
cyclic shift by one sample).  For a real image :math:`x \star \psi_{\theta+\pi}
= \overline{x \star \psi_\theta}`, so :math:`U_1` is :math:`\pi`-periodic in
:math:`\theta`: it is computed for the ``L`` orientations of ``Scattering2D`` in
:math:`[0, \pi)` and read on :math:`[0, 2\pi)` by periodicity.  The second layer
cannot be restricted to :math:`[0, \pi)`: its spatial wavelets turn with
:math:`\theta`, and :math:`\psi_{\theta+\pi} \ne \psi_\theta` (it is the complex
conjugate), so only the full circle makes the angular convolution a group
convolution commuting with every rotation.

**Second layer.**  The separable wavelet transform on the group,

.. math::

    Y(u, \theta; j_2, \theta_2, k) = \sum_{\theta'} \bar\psi_k(\theta - \theta')
        \big(U_1 x(\cdot, \theta', j_1) \star \psi_{\theta' + \theta_2, j_2}\big)(u),

spatial wavelets rotated with the group angle :math:`\theta'` (relative
orientation :math:`\theta_2 \in [0, \pi)`, ``L`` values) times periodic wavelets
:math:`\bar\psi_k^\pm` along the angle (:mod:`scatkit.filters.angular`,
``k < K``) or the angular low-pass :math:`\bar\phi` (``k = K``).  The spatial
convolutions are computed for :math:`\theta' \in [0, \pi)` (as many as in
``Scattering2D``) and extended to :math:`[0, 2\pi)` exactly by
:math:`Y(\cdot, \theta'+\pi) = \overline{Y(\cdot, \theta')}` (the implemented
Morlet filters have real spectra); the angular convolution is a batched FFT
along the angle axis.  A second family, :math:`\phi_J(u)\bar\psi_k(\theta)`,
measures how the averaged first layer varies with the angle (anisotropy).

**Invariants.**  The modulus is averaged over space (:math:`\phi_J`, sampled
every :math:`2^J` pixels, or over the whole image) and over all angles:

.. math::

    S x = \Big\{ x \star \phi_J,\ \tfrac{1}{2L}\sum_\theta U_1 x \star \phi_J,\
    \tfrac{1}{2L}\sum_\theta |U_1 x \circledast (\phi_J \otimes \bar\psi_k)|,\
    \tfrac{1}{2L}\sum_\theta |U_1 x \circledast (\psi_{\theta_2,j_2} \otimes \bar\psi_k^\pm)|
    \star \phi_J \Big\}.

Options give the variants of Sifre & Mallat's table: ``log=True`` takes
:math:`\log(S x + \epsilon)` of the orders :math:`\ge 1`; ``scale_average=True``
then averages over the scale :math:`j_1` with :math:`j_2 - j_1` (and the other
indices) fixed, an invariant to dilations by powers of two up to the edge of
the scale range.  ``normalize=True`` renormalises each second-order
coefficient by the first-order coefficient of its parent scale :math:`j_1`,

.. math::

    \tilde S x(j_1, \ldots) = \frac{S x(j_1, \ldots)}{S x(j_1) + \epsilon},

or, with ``log=True``, :math:`\log(S x(j_1, \ldots) + \epsilon) - \log(S x(j_1) + \epsilon)`
(after the renormalised scattering coefficients introduced in J. Bruna's PhD
thesis, "Scattering representations for recognition", 2012).  The second order
then measures how the first layer :math:`|x \star \psi_{j_1}|` varies across
the next scales and angles relative to its own mean, which the first order
keeps: multiplying the image by a constant moves the first order only.

**Exact invariance.**  A rotation by a multiple of :math:`90°` maps the pixel
grid onto itself.  With ``padding='periodic'``, an image whose sides are
multiples of :math:`2^J` rotated about the pixel ``(0, 0)`` (``np.rot90``
followed by a one-pixel cyclic shift, see :func:`rotate90`) has exactly the
same rigid-motion scattering, its maps rotated about the same pixel (for even
``L``, to float precision).  With the default reflection padding the natural
centre is the image centre, a half-pixel point: the subsampling grid moves by
one pixel and the invariance holds up to that shift (measured in
``docs/rigid_motion.md``).

References
----------
L. Sifre and S. Mallat, "Rotation, scaling and deformation invariant scattering
for texture discrimination", CVPR 2013.
L. Sifre and S. Mallat, "Rigid-motion scattering for texture classification",
arXiv:1403.1687, 2014.
"""

from __future__ import annotations

import numpy as np

from ..filters.angular import angular_filter_bank, default_angular_scales
from ..filters.morlet2d import filter_bank_2d
from .base import ScatteringBase, check_int, check_shape
from .scattering2d import padded_size

#: largest order of the cascade
MAX_ORDER = 2
#: boundary handling: reflect-pad like Scattering2D, or treat the image as periodic
PADDINGS = ("reflect", "periodic")
#: spatial averaging: phi_J sampled every 2**J pixels, or the mean over the image
AVERAGES = ("local", "global")
#: default offset inside the log non-linearity, log(S + LOG_EPS)
LOG_EPS = 1e-6


def rotate90(x, times: int = 1, centre: str = "origin"):
    r"""Rotate the last two axes of ``x`` (NumPy) by ``times`` quarter turns.

    ``centre='origin'`` rotates about the pixel ``(0, 0)`` of the periodic grid
    (the rotation that maps every dyadic subsampling grid onto itself, under
    which ``padding='periodic'`` is exactly invariant); ``'centre'`` is
    ``np.rot90`` (about the image centre, a half-pixel point for even sides).
    """
    if centre not in ("origin", "centre"):
        raise ValueError(f"centre must be 'origin' or 'centre', got {centre!r}")
    y = np.rot90(x, times, axes=(-2, -1))
    if centre == "origin":
        t = times % 4
        # np.rot90 about the centre = rotation about (0, 0) followed by a shift of
        # (N-1) (resp. M-1) pixels; undo it cyclically.
        if t in (1, 2):
            y = np.roll(y, 1, axis=-2)
        if t in (2, 3):
            y = np.roll(y, 1, axis=-1)
    return y


def _spatial_average(backend, u, phi_half, k: int, J: int):
    """Low-pass ``u`` (B, C, M_k, N_k) at resolution ``k`` and subsample it to ``J``."""
    shape_k = tuple(u.shape[-2:])
    s = backend.rfft(u, 2) * phi_half
    s = backend.subsample_fourier_half(s, 2 ** (J - k), shape_k)
    return backend.irfft(s, tuple(n >> (J - k) for n in shape_k))


def angular_operator(filters_hat: np.ndarray, steps) -> tuple[np.ndarray, np.ndarray]:
    r"""The angular convolutions of a bank as one matrix, and the matrix of angle means.

    Parameters
    ----------
    filters_hat : ndarray, shape (F, n)
        Filters along the ``n``-sample angle, Fourier domain.
    steps : sequence of int
        Output sampling step of each filter along the angle (divisors of ``n``).

    Returns
    -------
    H : ndarray, shape (R, n), complex
        Rows :math:`H[r, t] = h_f(o - t)`: the circular convolution with filter ``f``
        evaluated at the output angle ``o``, for every kept ``(f, o)``.
    W : ndarray, shape (F, R)
        ``W @ |H @ z|`` is, per filter, the mean over the kept angles of
        :math:`|z \circledast h_f|`.
    """
    n = filters_hat.shape[-1]
    h = np.fft.ifft(filters_hat, axis=-1)
    t = np.arange(n)
    rows, owner = [], []
    for f, step in enumerate(steps):
        out = np.arange(0, n, step)
        rows.append(h[f][(out[:, None] - t[None, :]) % n])
        owner += [f] * len(out)
    H = np.concatenate(rows, axis=0)
    owner = np.asarray(owner)
    W = (owner[None, :] == np.arange(len(steps))[:, None]).astype(np.float64)
    return H, W / W.sum(axis=1, keepdims=True)


def _angular_modulus_mean(backend, H, W, z, z_conj=None):
    r"""Mean over the angle of :math:`|z \circledast h_f|` for signals ``z`` (B, n, X)
    along axis 1, as ``W @ |H @ z|`` (B, F, X).  With ``z_conj``, ``H`` is the pair
    ``(H[:, :n], H[:, n:])`` (contiguous, for BLAS), ``z`` holds the first half of
    the circle and ``z_conj`` the second half."""
    y = H @ z if z_conj is None else H[0] @ z + H[1] @ z_conj
    return W @ backend.modulus(y)


def crop_fourier_symmetric(h_f: np.ndarray, res: int) -> np.ndarray:
    r"""Keep the frequencies of ``h_f`` (..., M, N) that survive subsampling by ``2**res``,
    with the Nyquist row and column set to the mean of :math:`\pm` Nyquist.

    On the subsampled grid the frequencies :math:`\pm\pi 2^{-r}` are one bin;
    :func:`~scatkit.filters.morlet2d.crop_fourier` reads it at :math:`-\pi 2^{-r}`,
    which breaks the symmetry of the bank under quarter turns and half turns.
    The mean keeps :math:`\hat\psi_{\theta + \pi/2}` the exact quarter turn of
    :math:`\hat\psi_\theta` at every resolution.
    """
    for axis in (-2, -1):
        n = h_f.shape[axis]
        h = n // 2 ** (res + 1)
        if res == 0:
            continue
        low = np.take(h_f, np.arange(h), axis=axis)
        nyq = 0.5 * (np.take(h_f, [h], axis=axis) + np.take(h_f, [n - h], axis=axis))
        high = np.take(h_f, np.arange(n - h + 1, n), axis=axis)
        h_f = np.concatenate([low, nyq, high], axis=axis)
    return h_f


def _log(backend, x, eps: float):
    if backend.name == "torch":
        import torch

        return torch.log(x + eps)
    return np.log(x + eps)


class RigidMotionScattering2D(ScatteringBase):
    r"""Rigid-motion scattering of images of a fixed size (see the module docstring).

    Parameters
    ----------
    J : int
        Averaging scale :math:`2^J`; spatial wavelets have scales ``0 .. J-1``.
    shape : (int, int)
        Image size ``(M, N)``; each side must exceed ``2**J`` (and be a multiple
        of ``2**J`` with ``padding='periodic'``).
    L : int, default 8
        Number of orientations in :math:`[0, \pi)` (the angle axis has ``2L``
        samples on :math:`[0, 2\pi)`); must be even (a quarter turn is ``L/2``
        samples).
    max_order : {1, 2}, default 2
    out_type : {'array', 'list'}, default 'array'
    K : int, optional
        Number of angular wavelet octaves (default :math:`\lfloor\log_2 L\rfloor`).
    average : {'local', 'global'}, default 'local'
        ``'local'``: output ``(..., C, M // 2**J, N // 2**J)`` like
        ``Scattering2D``; ``'global'``: the mean of those maps, ``(..., C, 1, 1)``.
    padding : {'reflect', 'periodic'}, default 'reflect'
        ``'reflect'`` pads and crops like ``Scattering2D``; ``'periodic'`` does not
        pad (sides must be multiples of ``2**J``).
    log : bool, default False
        Output :math:`\log(S x + \epsilon)` for the orders :math:`\ge 1`.
    log_eps : float, default :data:`LOG_EPS`
    scale_average : bool, default False
        Average every channel over :math:`j_1` with :math:`j_2 - j_1` fixed.
    normalize : bool, default False
        Divide each second-order coefficient by the first-order coefficient of
        its scale :math:`j_1` (plus ``log_eps``); with ``log=True``, subtract
        the logarithms instead (module docstring).  Applied before
        ``scale_average``.
    batch_size : int, optional
        Process at most this many images at a time (bounds memory; the output is
        identical). With NumPy inputs, as many chunks as there are FFT workers
        run at once in threads (``SCATKIT_NUM_THREADS=1``: one at a time).
    check_finite : bool, default True

    Notes
    -----
    Channels: order 0 (1); order 1, one per ``j1`` (the angular average);
    order 2, for each ``j1``: ``K`` channels :math:`\phi_J \otimes \bar\psi_k`, then
    for each ``j2 > j1`` the :math:`(2K + 1) L` channels ``(k, spin, theta2)``
    (``k = K`` is the angular low-pass, spin 0).  ``meta()`` gives ``order``,
    ``j``, ``theta`` (relative orientation index :math:`\theta_2`), ``k`` and
    ``spin`` (``+1``/``-1`` for :math:`\bar\psi_k^\pm`), each (C, max_order) and
    NaN where not defined (``j[:, 1]`` and ``theta[:, 1]`` are NaN for the
    :math:`\phi_J \otimes \bar\psi_k` channels).  With ``scale_average=True``,
    ``j[:, 0]`` is NaN and ``j[:, 1]`` holds :math:`j_2 - j_1`.
    """

    ndim = 2
    channel_axis = -3

    def __init__(self, J, shape, L=8, max_order=2, out_type="array", *, K=None,
                 average="local", padding="reflect", log=False, log_eps=LOG_EPS,
                 scale_average=False, normalize=False, batch_size=None, check_finite=True):
        super().__init__(out_type=out_type, batch_size=batch_size, check_finite=check_finite)
        self.J = check_int("J", J, minimum=1)
        self.shape = check_shape(shape, 2)
        self.L = check_int("L", L, minimum=2)
        if self.L % 2:
            raise ValueError(f"L must be even (a quarter turn is L/2 orientation steps), got {L}")
        self.max_order = check_int("max_order", max_order, minimum=1, maximum=MAX_ORDER)
        self.K = default_angular_scales(self.L) if K is None else check_int(
            "K", K, minimum=0, maximum=int(np.log2(2 * self.L)) - 1)
        if average not in AVERAGES:
            raise ValueError(f"average must be one of {AVERAGES}, got {average!r}")
        if padding not in PADDINGS:
            raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
        self.average, self.padding = average, padding
        self.log, self.log_eps = bool(log), float(log_eps)
        if self.log_eps <= 0:
            raise ValueError(f"log_eps must be > 0, got {log_eps}")
        self.scale_average = bool(scale_average)
        self.normalize = bool(normalize)
        M, N = self.shape
        if min(M, N) <= 2**self.J:
            raise ValueError(f"the image ({M}x{N}) must be larger than 2**J = {2**self.J} on "
                             "both sides; lower J or pad the images")
        if padding == "periodic":
            if M % 2**self.J or N % 2**self.J:
                raise ValueError(f"padding='periodic' needs sides that are multiples of 2**J = "
                                 f"{2**self.J}, got {M}x{N}; crop the images or use "
                                 "padding='reflect'")
            self.padded_shape = (M, N)
        else:
            self.padded_shape = (padded_size(M, self.J), padded_size(N, self.J))
        self.pads = tuple(((p - n) // 2, p - n - (p - n) // 2)
                          for p, n in zip(self.padded_shape, self.shape))
        self._paths = self._enumerate_paths()
        self._averaging = self._scale_average_matrix() if self.scale_average else None

    def _renormalise(self, backend, out):
        """Second order over (or, after the log, minus) its parent's first order."""
        first = 1 + self.J  # orders 0 and 1 come first: one channel, then one per j1
        parents = np.array([1 + j1 for order, j1, *_ in self._paths if order == 2])
        parent = backend.take(out, parents, 1)
        second = out[:, first:]
        second = second - parent if self.log else second / (parent + self.log_eps)
        return backend.concatenate([out[:, :first], second], axis=1)

    # -- channels -----------------------------------------------------------
    def _enumerate_paths(self) -> list[tuple]:
        """Computed channels ``(order, j1, j2, theta2, k, spin)`` in output order
        (NaN-free ints; -1 where undefined)."""
        J, L, K = self.J, self.L, self.K
        paths = [(0, -1, -1, -1, -1, 0)]
        paths += [(1, j1, -1, -1, -1, 0) for j1 in range(J)]
        if self.max_order >= 2:
            for j1 in range(J):
                paths += [(2, j1, -1, -1, k, 1) for k in range(K)]
                for j2 in range(j1 + 1, J):
                    for k, spin in self._angular_channels():
                        paths += [(2, j1, j2, t2, k, spin) for t2 in range(L)]
        return paths

    def _angular_channels(self) -> list[tuple[int, int]]:
        """``(k, spin)`` of the angular filters of the joint paths, in filter order."""
        return [(k, s) for k in range(self.K) for s in (1, -1)] + [(self.K, 0)]

    def _scale_average_matrix(self) -> np.ndarray:
        """(C_in, C_out) matrix averaging channels that differ only by ``j1``."""
        keys = []
        for order, j1, j2, t2, k, spin in self._paths:
            dj = j2 - j1 if j2 >= 0 else -1
            keys.append((order, dj, t2, k, spin))
        unique = list(dict.fromkeys(keys))
        col = np.array([unique.index(key) for key in keys])
        A = np.zeros((len(keys), len(unique)))
        A[np.arange(len(keys)), col] = 1.0
        A /= A.sum(axis=0, keepdims=True)
        self._averaged_keys = unique
        return A

    @property
    def output_channels(self) -> int:
        if self._averaging is not None:
            return self._averaging.shape[1]
        return len(self._paths)

    def output_shape(self):
        if self.average == "global":
            return (self.output_channels, 1, 1)
        crop = 2 if self.padding == "reflect" else 0
        M, N = (p // 2**self.J - crop for p in self.padded_shape)
        return (self.output_channels, M, N)

    def meta(self):
        """Per-channel ``order`` (C,), ``j``, ``theta``, ``k``, ``spin`` (C, max_order)."""
        nan = np.nan
        if self._averaging is None:
            rows = [(o, [j1, j2][:o], [nan, t2][:o], [nan, k][:o], [nan, s][:o])
                    for o, j1, j2, t2, k, s in self._paths]
        else:
            rows = [(o, [nan, dj][:o], [nan, t2][:o], [nan, k][:o], [nan, s][:o])
                    for o, dj, t2, k, s in self._averaged_keys]
        C, M = len(rows), self.max_order
        out = {"order": np.array([r[0] for r in rows])}
        for i, name in enumerate(("j", "theta", "k", "spin"), start=1):
            a = np.full((C, M), nan)
            for c, r in enumerate(rows):
                # -1 marks an undefined index (no spatial wavelet / angular filter)
                vals = [nan if (v is nan or (v < 0 and name != "spin")) else v for v in r[i]]
                a[c, :len(vals)] = vals
            if name == "j" and self._averaging is None:
                a[:, 0] = np.where(out["order"] >= 1, a[:, 0], nan)
            out[name] = a
        return out

    # -- filters --------------------------------------------------------------
    def _numpy_filters(self):
        J, L = self.J, self.L
        bank = filter_bank_2d(*self.padded_shape, J, L)
        # wavelets for the 2L angles of [0, 2pi): psi_{theta+pi}(u) = psi_theta(-u),
        # i.e. the spectrum read at -omega
        p = bank.psi[0].reshape(J, L, *self.padded_shape)
        m, n = self.padded_shape
        flipped = p[..., (-np.arange(m)) % m, :][..., (-np.arange(n)) % n]
        full = np.concatenate([p, flipped], axis=1)
        psi2 = [crop_fourier_symmetric(full, r) for r in range(len(bank.psi))]
        ang = angular_filter_bank(2 * L, self.K)
        joint = np.concatenate([ang.psi.reshape(-1, 2 * L), ang.phi[None]], axis=0)
        H, W = angular_operator(joint, [self._angular_step(k) for k, _ in self._angular_channels()])
        Ha, Wa = angular_operator(ang.psi[:, 0], [self._angular_step(k) for k in range(self.K)])
        # the phi_J x psi_k paths act on a pi-periodic real function: fold the circle
        Ha = Ha[:, :L] + Ha[:, L:]
        filters = {"phi_half": [p[..., : p.shape[-1] // 2 + 1] for p in bank.phi],
                   "psi": psi2, "ang_H": np.stack([H[:, :L], H[:, L:]]), "ang_W": W, "ang_Ha": Ha, "ang_Wa": Wa}
        return filters

    def _angular_step(self, k: int) -> int:
        """Sampling step along the angle after the angular filter of octave ``k``
        (``k = K``: the low-pass): ``2**k`` samples, at most ``L/2`` so that a quarter
        turn (a shift by ``L/2``) maps the kept angles onto themselves."""
        return min(2**k, self.L // 2)

    # -- computation ---------------------------------------------------------
    def first_layer(self, x):
        r"""The covariant first layer :math:`|x \star \psi_{\theta,j}| \star \phi_J`,
        before the angular average: shape ``(..., J, L, M', N')`` (same sampling and
        cropping as the output).  A rotation of ``x`` by a quarter turn about the
        centre of :func:`rotate90` rotates the maps and shifts the ``L`` axis
        cyclically by ``L/2``."""
        backend = self._check_input(x)
        lead = tuple(x.shape[: x.ndim - 2])
        flat = x.reshape((-1,) + tuple(self.shape))
        filters = self.filters(backend, flat)
        U0 = self._pad(backend, flat)
        U0_hat = backend.fft(U0, 2)
        maps = [self._first_layer(backend, U0_hat, filters, j1)[1] for j1 in range(self.J)]
        out = self._crop(backend.concatenate([m[:, None] for m in maps], axis=1))
        return out.reshape(lead + tuple(out.shape[1:]))

    def _pad(self, backend, x):
        return x if self.padding == "periodic" else backend.pad(x, self.pads, mode="reflect")

    def _crop(self, out):
        return out[..., 1:-1, 1:-1] if self.padding == "reflect" else out

    def _first_layer(self, backend, U0_hat, filters, j1: int):
        """``U1`` at resolution ``j1`` (B, L, M1, N1) and its average (B, L, M', N')."""
        y = U0_hat[:, None] * filters["psi"][0][j1, : self.L]
        y = backend.subsample_fourier(y, 2**j1, 2)
        U1 = backend.modulus(backend.ifft(y, 2))
        return U1, _spatial_average(backend, U1, filters["phi_half"][j1], j1, self.J)

    def _joint(self, backend, U1_hat, filters, j1: int, j2: int):
        """The (2K+1) L joint channels of the pair ``(j1, j2)``: (B, F L, M', N')."""
        L = self.L
        # spatial wavelet of absolute angle index t1 + t2 (mod 2L), for t1 in [0, pi)
        idx = (np.arange(L)[:, None] + np.arange(L)[None, :]) % (2 * L)
        bank = filters["psi"][j1][j2]
        filt = backend.take(bank, idx.ravel(), 0)
        filt = filt.reshape((L, L) + tuple(bank.shape[-2:]))
        y = U1_hat[:, :, None] * filt  # (B, t1, t2, M1, N1)
        y = backend.subsample_fourier(y, 2 ** (j2 - j1), 2)
        z = backend.ifft(y, 2)
        B, shape2 = z.shape[0], tuple(z.shape[-2:])
        z = z.reshape((B, L, -1))
        # group convolution along t1 over [0, 2pi) (second half: the conjugate),
        # modulus, mean over the angle
        m = _angular_modulus_mean(backend, filters["ang_H"], filters["ang_W"], z,
                                  backend.conj(z))
        m = m.reshape((B, -1) + shape2)  # (B, F * t2, M2, N2)
        return _spatial_average(backend, m, filters["phi_half"][j2], j2, self.J)

    def _min_thread_chunk(self):
        # no gain from chunk threads (benchmarks/before_after.py rigid: 8 x 200x200,
        # J=4, L=8, 0.69 s with or without), a loss on small batches: none
        return None

    def _compute(self, backend, x, filters):
        J = self.J
        U0 = self._pad(backend, x)
        order0 = _spatial_average(backend, U0[:, None], filters["phi_half"][0], 0, J)
        U0_hat = backend.fft(U0, 2)
        order1, order2 = [], []
        for j1 in range(J):
            U1, A = self._first_layer(backend, U0_hat, filters, j1)
            order1.append(A.mean(1)[:, None])
            if self.max_order < 2:
                continue
            if self.K:
                B, shape_out = A.shape[0], tuple(A.shape[-2:])
                a = _angular_modulus_mean(backend, filters["ang_Ha"], filters["ang_Wa"],
                                          (A + 0j).reshape((B, self.L, -1)))
                order2.append(a.reshape((B, self.K) + shape_out))
            if j1 + 1 < J:
                U1_hat = backend.fft(U1, 2)
                order2 += [self._joint(backend, U1_hat, filters, j1, j2)
                           for j2 in range(j1 + 1, J)]
        out = self._crop(backend.concatenate([order0] + order1 + order2, axis=1))
        if self.average == "global":
            out = out.mean(-1).mean(-1)[..., None, None]
        return self._postprocess(backend, out)

    def postprocess(self, raw):
        r"""Apply this transform's ``log`` and ``scale_average`` to raw coefficients.

        ``raw`` (NumPy or torch, shape ``(..., C_raw, M', N')``) must come from a
        transform with the same ``J``, ``shape``, ``L``, ``K``, ``max_order`` and
        ``log=False, scale_average=False, normalize=False`` (any ``average``): the variants of
        Sifre & Mallat's table then follow from one computation.
        """
        from ..backends import get_backend

        n_raw = len(self._paths)
        if raw.ndim < 3 or raw.shape[-3] != n_raw:
            raise ValueError(f"expected raw coefficients of shape (..., {n_raw}, M, N) "
                             f"(log=False, scale_average=False, normalize=False), got "
                             f"{tuple(raw.shape)}")
        lead = tuple(raw.shape[:-3])
        out = self._postprocess(get_backend(raw), raw.reshape((-1,) + tuple(raw.shape[-3:])))
        return out.reshape(lead + tuple(out.shape[1:]))

    def _postprocess(self, backend, out):
        """log of the orders >= 1, the renormalisation of the second order, then the
        average over j1 (out: (B, C, M', N'))."""
        if self.log:
            out = backend.concatenate([out[:, :1], _log(backend, out[:, 1:], self.log_eps)],
                                      axis=1)
        if self.normalize and self.max_order >= 2:
            out = self._renormalise(backend, out)
        if self._averaging is not None:
            A = backend.asarray(self._averaging.T, like=out)
            B, shape_out = out.shape[0], tuple(out.shape[-2:])
            out = (A @ out.reshape((B, out.shape[1], -1))).reshape((B, -1) + shape_out)
        return out
