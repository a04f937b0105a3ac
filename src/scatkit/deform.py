r"""Deformations of images: :math:`D_\tau x(u) = x(u - \tau(u))`.

Mallat's stability theorem (Mallat 2012, Bruna & Mallat 2013) bounds the
change of the scattering transform under a :math:`C^2` displacement field
:math:`\tau`:

.. math::

    \|S_J D_\tau x - S_J x\| \le C\,\|x\|\,\big(2^{-J}\|\tau\|_\infty
        + \|\nabla\tau\|_\infty + \|H\tau\|_\infty\big),

whereas the Fourier modulus :math:`|\hat x|` is translation invariant but not
Lipschitz: a dilation by :math:`1 + s` moves a frequency :math:`\omega` by
:math:`s|\omega|`, a large change for high frequencies however small :math:`s`.

This module builds displacement fields (random band-limited, dilation,
rotation, translation), measures :math:`\|\nabla\tau\|_\infty` (the largest
operator norm of the Jacobian over the image) and applies them with
:func:`scipy.ndimage.map_coordinates`.

Boundary handling: the deformed image samples :math:`x` at
:math:`u - \tau(u)`, which can fall outside the image; such samples follow
``mode`` of :func:`scipy.ndimage.map_coordinates`: ``'reflect'`` (default,
half-sample symmetric extension, as the scattering transform's own padding),
``'constant'`` (``cval``; right for digits on a zero background),
``'nearest'``, ``'mirror'`` or ``'grid-wrap'`` (periodic: an integer
translation is then exactly ``np.roll``; scipy's ``'wrap'`` is not exactly
periodic).

Coordinates are (row, column) in pixels; fields have shape ``(2, M, N)``
with ``tau[0]`` the row displacement and ``tau[1]`` the column displacement.

References
----------
S. Mallat, "Group invariant scattering", Comm. Pure Appl. Math. 65(10), 2012.
J. Bruna and S. Mallat, "Invariant scattering convolution networks", IEEE
Trans. PAMI 35(8), 2013.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

#: default interpolation order (cubic B-spline)
DEFAULT_ORDER = 3
#: default boundary mode of :func:`scipy.ndimage.map_coordinates`
DEFAULT_MODE = "reflect"
#: default frequency cut-off of random fields, in cycles per pixel (a Gaussian
#: spectrum of this standard deviation: fields vary over about 1 / (2 pi cutoff) pixels)
DEFAULT_CUTOFF = 0.04
#: boundary modes accepted
MODES = ("reflect", "constant", "nearest", "mirror", "wrap", "grid-wrap", "grid-mirror",
         "grid-constant")


def _check_shape(shape):
    shape = tuple(int(s) for s in shape)
    if len(shape) != 2 or min(shape) < 2:
        raise ValueError(f"shape must be (M, N) with M, N >= 2, got {shape}")
    return shape


def _grid(shape):
    """Pixel coordinates (2, M, N) and the image centre."""
    M, N = shape
    u = np.stack(np.meshgrid(np.arange(M, dtype=float), np.arange(N, dtype=float),
                             indexing="ij"))
    centre = np.array([(M - 1) / 2, (N - 1) / 2])[:, None, None]
    return u, centre


def jacobian(tau):
    r"""Jacobian :math:`\partial\tau_i/\partial u_j` by central differences, shape (2, 2, M, N).

    Exact for affine fields (dilations, rotations, translations).
    """
    tau = np.asarray(tau, dtype=float)
    if tau.ndim != 3 or tau.shape[0] != 2:
        raise ValueError(f"a displacement field has shape (2, M, N), got {tau.shape}")
    return np.stack([np.stack(np.gradient(tau[i]), axis=0) for i in range(2)])


def grad_sup_norm(tau) -> float:
    r""":math:`\|\nabla\tau\|_\infty = \sup_u \|\nabla\tau(u)\|`, the operator (spectral) norm.

    The largest singular value of :math:`\begin{pmatrix}a&b\\c&d\end{pmatrix}` is
    :math:`\tfrac12\big(\sqrt{(a+d)^2+(c-b)^2}+\sqrt{(a-d)^2+(b+c)^2}\big)`
    (a rotation-scaling part plus a reflection-scaling part; no cancellation).
    """
    (a, b), (c, d) = jacobian(tau)
    smax = 0.5 * (np.hypot(a + d, c - b) + np.hypot(a - d, b + c))
    return float(smax.max())


def random_displacement(shape, max_grad, cutoff=DEFAULT_CUTOFF, rng=None):
    r"""A smooth random field with :math:`\|\nabla\tau\|_\infty` equal to ``max_grad``.

    Each component is white Gaussian noise filtered by the Gaussian spectrum
    :math:`\exp(-|\omega|^2 / 2\sigma^2)`, :math:`\sigma` = ``cutoff`` (cycles per
    pixel), then both are scaled together so that :func:`grad_sup_norm` equals
    ``max_grad``.  Its amplitude :math:`\|\tau\|_\infty` is then about
    ``max_grad / (2 pi cutoff)`` pixels.

    Parameters
    ----------
    shape : (int, int)
    max_grad : float
        Target :math:`\|\nabla\tau\|_\infty` (>= 0).
    cutoff : float, default 0.04
        Spectral width in cycles per pixel (0 < cutoff <= 0.5).
    rng : numpy.random.Generator or int, optional

    Returns
    -------
    ndarray of shape (2, M, N)
    """
    shape = _check_shape(shape)
    if not max_grad >= 0:
        raise ValueError(f"max_grad must be >= 0, got {max_grad}")
    if not 0 < cutoff <= 0.5:
        raise ValueError(f"cutoff must lie in (0, 0.5] cycles per pixel, got {cutoff}")
    rng = np.random.default_rng(rng)
    wy = np.fft.fftfreq(shape[0])[:, None]
    wx = np.fft.fftfreq(shape[1])[None, :]
    spectrum = np.exp(-(wy**2 + wx**2) / (2 * cutoff**2))
    noise = rng.standard_normal((2,) + shape)
    tau = np.fft.ifft2(np.fft.fft2(noise) * spectrum).real
    norm = grad_sup_norm(tau)
    return tau * (max_grad / norm) if norm > 0 else tau


def dilation_field(shape, scale):
    r"""Dilation about the centre :math:`c`: :math:`D_\tau x(u) = x(c + (u - c)/s)`.

    :math:`\tau(u) = (1 - 1/s)(u - c)`, so :math:`\|\nabla\tau\|_\infty = |1 - 1/s|`.
    """
    if not scale > 0:
        raise ValueError(f"scale must be > 0, got {scale}")
    u, c = _grid(_check_shape(shape))
    return (1.0 - 1.0 / scale) * (u - c)


def rotation_field(shape, angle):
    r"""Rotation by ``angle`` radians about the centre: :math:`\tau(u) = (I - R_{-\theta})(u - c)`.

    :math:`\|\nabla\tau\|_\infty = \|I - R_{-\theta}\| = 2|\sin(\theta/2)|`.
    """
    u, c = _grid(_check_shape(shape))
    cos, sin = np.cos(angle), np.sin(angle)
    v = u - c
    rotated = np.stack([cos * v[0] + sin * v[1], -sin * v[0] + cos * v[1]])
    return v - rotated


def translation_field(shape, shift):
    r"""Constant field :math:`\tau(u) = (\delta_0, \delta_1)`: a pure translation
    (:math:`\|\nabla\tau\|_\infty = 0`)."""
    shape = _check_shape(shape)
    shift = np.broadcast_to(np.asarray(shift, dtype=float), (2,))
    return np.broadcast_to(shift[:, None, None], (2,) + shape).copy()


def apply_displacement(x, tau, order=DEFAULT_ORDER, mode=DEFAULT_MODE, cval=0.0):
    r"""Deform images: :math:`D_\tau x(u) = x(u - \tau(u))`.

    Parameters
    ----------
    x : ndarray of shape (..., M, N)
        Images (leading axes are a batch; every image gets the same field).
    tau : ndarray of shape (2, M, N)
        Displacement field in pixels.
    order : int, default 3
        Spline order of :func:`scipy.ndimage.map_coordinates`.
    mode : str, default 'reflect'
        Boundary handling (see the module docstring).
    cval : float, default 0
        Value outside the image when ``mode='constant'``.

    Returns
    -------
    ndarray
        Same shape and float dtype as ``x``.
    """
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"x must have shape (..., M, N), got {x.shape}")
    tau = np.asarray(tau, dtype=float)
    if tau.shape != (2,) + x.shape[-2:]:
        raise ValueError(f"tau must have shape (2, {x.shape[-2]}, {x.shape[-1]}) to deform images "
                         f"of shape {x.shape[-2:]}, got {tau.shape}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    u, _ = _grid(x.shape[-2:])
    coords = u - tau
    flat = x.reshape((-1,) + x.shape[-2:]).astype(np.float64, copy=False)
    out = np.stack([ndimage.map_coordinates(img, coords, order=order, mode=mode, cval=cval)
                    for img in flat])  # one call per image: spline prefilters stay 2D
    return out.reshape(x.shape).astype(dtype, copy=False)


__all__ = ["random_displacement", "dilation_field", "rotation_field", "translation_field",
           "apply_displacement", "grad_sup_norm", "jacobian"]
