r"""Synthesis of stationary textures from their scattering moments.

Given one realisation :math:`x` of a stationary process, the *maximum-entropy
microcanonical model* draws :math:`\tilde x` from white noise and moves it by
gradient descent until its statistics :math:`\Phi(\tilde x)` match
:math:`\Phi(x)` (Bruna & Mallat, "Audio texture synthesis with scattering
moments", arXiv:1311.0407, 2013; Bruna & Mallat, "Multiscale sparse microcanonical
models", Math. Stat. Learn. 1(3), 2018).  Here

.. math::

    \Phi(x) = \Big(\bar x,\ \mathrm{Var}\,x,\ S_1 x(\lambda_1),\
    \frac{S_2 x(\lambda_1,\lambda_2)}{S_1 x(\lambda_1)},\
    \mathbb{E}|x\star\psi_{\lambda}|^2,\ C_{01}(\lambda,\lambda')\Big)

(:class:`~scatkit.stats.ScatteringMoments`; the phase–modulus cross moments
:math:`C_{01}`, which see the sign asymmetry of the field, by default in 2D only)
and the loss is the mean squared *relative* error

.. math::

    \mathcal L(\tilde x) = \sum_k w_k \Big(\frac{\Phi_k(\tilde x) -
    \Phi_k(x)}{s_k}\Big)^2, \qquad s_k = |\Phi_k(x)|

(:math:`s = \sigma_x` for the mean, :math:`s = (P_\lambda P_{\lambda'})^{1/2}` of
the target for :math:`C_{01}(\lambda,\lambda')`, which may vanish), where the
weights :math:`w_k = 1/(n_b B)` give each of the :math:`B` blocks (mean and
variance, :math:`S_1`, :math:`S_2`, :math:`P`, :math:`C_{01}`) the same total weight
whatever its size :math:`n_b` (otherwise the thousands of :math:`C_{01}` would
drown the few power moments that fix the spectrum at large scales), minimised
with L-BFGS (strong-Wolfe line search) through PyTorch's automatic
differentiation of the scattering cascade.

With ``marginal=True`` the skewness :math:`\mathbb{E}z^3` and kurtosis :math:`\mathbb{E}z^4`
of the standardised values :math:`z` are appended to :math:`\Phi` as one more block (the
marginal statistics of Portilla & Simoncelli, IJCV 40(1), 2000), with scale
:math:`\max(|\Phi_k(x)|, 1)`: averages of moduli leave the distribution of the values loose
(a binary field comes out with continuous values, whose increments overshoot the high-order
structure functions).

The Gaussian baseline :func:`gaussian_baseline` keeps the power spectrum of
:math:`x` and randomises its Fourier phases: it matches every second-order
statistic and nothing else.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ..stats.moments import DEFAULT_L, DEFAULT_Q, ScatteringMoments, default_J
from ..stats.processes import phase_randomize

#: default number of L-BFGS iterations
DEFAULT_ITERATIONS = 300
#: L-BFGS iterations between two progress-bar updates
ITERATIONS_PER_STEP = 10
#: L-BFGS memory (number of past gradients)
LBFGS_HISTORY = 50
#: relative floor added to the scale of each moment (guards against zero moments)
SCALE_FLOOR = 1e-8


def _torch():
    try:
        import torch
    except ImportError as err:  # pragma: no cover - torch is a dependency of [all]
        raise ImportError("synthesize needs PyTorch: pip install 'scatkit[all]' "
                          "(or torch)") from err
    return torch


def _as_tensor(target, device, dtype):
    """The target as a float tensor, and how to convert the result back."""
    torch = _torch()
    if isinstance(target, torch.Tensor):
        if target.dtype.is_complex or not target.dtype.is_floating_point:
            raise TypeError(f"target must be a real floating tensor, got {target.dtype}")
        out_dtype, out_device = target.dtype, target.device
        t = target.detach().to(device=device, dtype=dtype)
        return t, lambda y: y.detach().to(device=out_device, dtype=out_dtype)
    arr = np.asarray(target)
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"target must be a real array, got dtype {arr.dtype}; pass x.real for "
                        "complex data")
    out_dtype = arr.dtype if arr.dtype.kind == "f" else np.float64
    t = torch.as_tensor(np.ascontiguousarray(arr, dtype=np.float64)).to(device=device, dtype=dtype)
    return t, lambda y: y.detach().cpu().numpy().astype(out_dtype)


def _check_target(shape, J, periodic):
    if len(shape) not in (1, 2):
        raise ValueError(f"synthesize takes a 1D signal (1 axis) or a 2D field (2 axes), got a "
                         f"target of shape {tuple(shape)}; synthesise each channel separately")
    if min(shape) < 8:
        raise ValueError(f"target of shape {tuple(shape)} is too small (need at least 8 samples "
                         "per axis)")
    if periodic and any(n % 2**J for n in shape):
        raise ValueError(f"periodic synthesis with J={J} needs sides divisible by {2**J}, got "
                         f"{tuple(shape)}: crop the target, lower J, or pass periodic=False")


def default_synthesis_J(shape, periodic: bool = True) -> int:
    """Default ``J`` of :func:`synthesize`.

    Periodic 2D fields: ``log2(min(shape))``, the largest wavelets spanning the box.
    With one wavelet per octave in 2D, the largest wavelets of
    :func:`~scatkit.stats.moments.default_J` (one octave less) straddle the lowest two
    octaves of the grid, which leaves the lowest one (four independent Fourier
    coefficients) undetermined: on the 64x64 dust map (``init="gaussian"``, 1000
    iterations, marginal moments) its power came out 13.9 % off with seed 1 while every
    wavelet power matched within 1.6 %; with the extra octave, 0.9 % (docs/synthesis.md).
    Otherwise (1D, whose ``Q`` wavelets per octave resolve the lowest octaves; the
    reflection-padded transforms, which need room for padding; sides that ``2**J`` does
    not divide) ``default_J(shape)``.
    """
    shape = tuple(int(n) for n in shape)
    if periodic and len(shape) == 2:
        J = int(np.log2(min(shape)))
        if J >= 1 and all(n % 2**J == 0 for n in shape):
            return J
    return default_J(shape)


#: number of marginal moments appended by ``marginal=True`` (skewness, kurtosis)
N_MARGINAL = 2


def statistics(moments: ScatteringMoments, x, marginal: bool = False):
    """:math:`\\Phi(x)` of a (batch of) tensor(s): mean, variance, then the moments, then
    (``marginal``) the skewness :math:`\\mathbb{E}z^3` and kurtosis :math:`\\mathbb{E}z^4` of
    the standardised values :math:`z = (x - \\bar x)/\\sigma_x`."""
    torch = _torch()
    axes = tuple(range(-moments.ndim, 0))
    mean = x.mean(dim=axes)
    var = x.var(dim=axes, unbiased=False)
    parts = [mean[..., None], var[..., None], moments(x)]
    if marginal:
        shape = tuple(mean.shape) + (1,) * moments.ndim
        z = (x - mean.reshape(shape)) / var.clamp_min(1e-30).sqrt().reshape(shape)
        parts += [(z ** 3).mean(dim=axes)[..., None], (z ** 4).mean(dim=axes)[..., None]]
    return torch.cat(parts, dim=-1)


def make_loss(moments: ScatteringMoments, target, marginal: bool = False):
    """The relative-error loss :math:`\\mathcal L` of the module docstring, as a function
    of the synthesised tensor, with the target's statistics precomputed."""
    phi_t = statistics(moments, target, marginal).detach()
    return statistics_loss(moments, phi_t, float(target.std()), marginal)


def statistics_loss(moments: ScatteringMoments, phi_target, target_std: float,
                    marginal: bool = False):
    """:math:`\\mathcal L` for given target statistics ``phi_target`` (as returned by
    :func:`statistics`, e.g. predicted rather than measured) and the target's standard
    deviation (the scale of the mean).  The marginal moments (``marginal``) are
    dimensionless and the skewness may vanish: their scale is ``max(|value|, 1)``."""
    torch = _torch()
    phi_t = phi_target.detach()
    scale = phi_t.abs().clone()
    scale[0] = target_std
    meta = moments.meta()
    cross = np.flatnonzero(np.char.startswith(meta["kind"], "c01"))
    if cross.size:
        power = phi_t[2:][np.flatnonzero(meta["kind"] == "power")]  # ordered by wavelet
        pair = meta["pair"][cross]
        scale[2 + cross] = (power[pair[:, 0]] * power[pair[:, 1]]).sqrt()
    n_marg = N_MARGINAL if marginal else 0
    if n_marg:  # skewness may vanish: at least 1; kurtosis (>= 1) relative
        scale[-n_marg:] = phi_t[-n_marg:].abs().clamp_min(1.0)
    scale = scale + SCALE_FLOOR * scale.max()
    # balance the blocks: each kind of moment weighs the same, however many it has
    kinds = np.r_[["moments0", "moments0"], [k[:3] for k in meta["kind"]], ["marginal"] * n_marg]
    names, block = np.unique(kinds, return_inverse=True)
    counts = np.bincount(block)
    weight = torch.as_tensor(1.0 / (counts[block] * len(names)), dtype=phi_t.dtype,
                             device=phi_t.device)

    def loss(x):
        return ((((statistics(moments, x, marginal) - phi_t) / scale) ** 2) * weight).sum()

    return loss


def synthesize(target, *, J=None, L=DEFAULT_L, Q=DEFAULT_Q, n_iter=DEFAULT_ITERATIONS,
               periodic=True, seed=0, device=None, dtype="float32", init=None,
               oversampling=1, cross=None, marginal=False, progress=True, return_info=False):
    r"""Synthesise a texture with the scattering moments of ``target``.

    Parameters
    ----------
    target : array or tensor, shape (N,) or (M, N)
        One realisation of a stationary process (1 axis: a signal; 2 axes: a
        field).  NumPy in, NumPy out (same dtype); a tensor gives a tensor on its
        own device.
    J : int, optional
        Octaves of the wavelets (default :func:`default_synthesis_J`: the whole box,
        ``log2(min(shape))``, for periodic 2D fields; ``log2(min(shape)) - 1``
        otherwise).
    L : int, default 8
        Orientations (2D).
    Q : int or (int, int), default (8, 1)
        Wavelets per octave (1D).
    n_iter : int, default 300
        L-BFGS iterations (each one forward and backward pass, more during line
        searches).
    periodic : bool, default True
        Circular convolutions, for targets that are periodic (simulation boxes,
        periodic textures) or stationary enough that wrap-around does not matter;
        ``False`` uses the core transforms' reflection padding.
    seed : int, default 0
        Seed of the initial white noise.  Same seed, same result bit for bit on
        the CPU; on a CUDA device the same to float rounding only (measured on an
        H200: differences up to 1.3e-7 on values of order 0.03 after 10
        float32 iterations), because the backward pass of index selections
        accumulates with atomic additions in no fixed order.
    device : str or torch.device, optional
        Default ``"cuda"`` when available, else ``"cpu"``.
    dtype : {"float32", "float64"}, default "float32"
        Precision of the optimisation.
    init : array, "noise" or "gaussian", optional
        Starting point: white noise with the target's mean and variance (default,
        ``None`` or ``"noise"``); ``"gaussian"``, a draw of the Gaussian model with
        the target's power spectrum (:func:`gaussian_baseline`, phase randomisation
        with ``seed``), so that the descent moves the maximum-entropy Gaussian field
        only as far as the scattering moments ask, and spectral detail finer than
        the wavelets resolve (e.g. the lowest octave of a 2D field, shared by the
        largest wavelets and the next octave) stays the target's; or an array of
        the target's shape.
    oversampling : int, default 1
        See :class:`~scatkit.stats.ScatteringMoments`.
    cross : bool, optional
        Match the phase–modulus cross moments :math:`C_{01}` too (default: for 2D
        fields, whose skewness they carry; in 1D the constant-Q bank makes them
        numerous).
    marginal : bool, default False
        Match the skewness and kurtosis of the target's values too (the marginal
        statistics of Portilla & Simoncelli's texture model, IJCV 40(1), 2000): the
        scattering moments are averages of moduli and leave the distribution of
        the values loose, e.g. a binary (Ising) field is synthesised with
        continuous values.
    progress : bool, default True
        Show a tqdm progress bar with the loss (``False``: tqdm is not needed).
    return_info : bool, default False
        Also return a dict with ``loss`` (history, one value per
        ``ITERATIONS_PER_STEP`` iterations, the first being the initial loss),
        ``final_loss``, ``seconds``, ``n_iter``, ``J``, ``n_moments``.

    Returns
    -------
    array or tensor of the target's shape (and ``info`` if ``return_info``).

    Examples
    --------
    >>> import numpy as np, scatkit
    >>> x = np.random.default_rng(0).standard_normal((32, 32))
    >>> y = scatkit.synthesize(x, n_iter=5, progress=False)
    >>> y.shape, y.dtype
    ((32, 32), dtype('float64'))
    """
    torch = _torch()
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    tdtype = getattr(torch, dtype)
    t, convert = _as_tensor(target, device, tdtype)
    shape = tuple(t.shape)
    J = default_synthesis_J(shape, periodic) if J is None and len(shape) in (1, 2) else J
    _check_target(shape, J, periodic)
    if int(n_iter) < 0:
        raise ValueError(f"n_iter must be >= 0, got {n_iter}")
    x = _initial_point(t, init, seed, device, tdtype)
    moments = ScatteringMoments(shape, J=J, L=L, Q=Q, periodic=periodic, normalize=True,
                                power=True, oversampling=oversampling,
                                cross=len(shape) == 2 if cross is None else bool(cross))
    loss_fn = make_loss(moments, t, bool(marginal))
    x.requires_grad_(True)
    history, seconds = run_lbfgs(loss_fn, x, int(n_iter), progress)
    out = convert(x)
    if not return_info:
        return out
    info = {"loss": history, "final_loss": history[-1], "seconds": seconds,
            "n_iter": int(n_iter), "J": J,
            "n_moments": moments.n_moments + 2 + (N_MARGINAL if marginal else 0)}
    return out, info


def _initial_point(t, init, seed, device, dtype):
    """The start of the descent (see ``init`` of :func:`synthesize`)."""
    torch = _torch()
    if isinstance(init, str):
        if init not in ("noise", "gaussian"):
            raise ValueError(f"init must be 'noise', 'gaussian' or an array, got {init!r}")
        init = None if init == "noise" else gaussian_baseline(t.detach().double(), seed)
    if init is not None:
        x0 = torch.as_tensor(np.asarray(init) if not isinstance(init, torch.Tensor) else init)
        if tuple(x0.shape) != tuple(t.shape):
            raise ValueError(f"init has shape {tuple(x0.shape)}, the target {tuple(t.shape)}")
        return x0.detach().to(device=device, dtype=dtype).clone()
    g = torch.Generator().manual_seed(int(seed))
    noise = torch.randn(tuple(t.shape), generator=g, dtype=torch.float64)
    return (t.mean() + t.std() * noise.to(device=device, dtype=dtype)).clone()


def run_lbfgs(loss_fn, x, n_iter, progress=False):
    """Minimise ``loss_fn(x)`` in place; returns the loss history and the time taken.

    The progress bar (``progress``) needs tqdm; without it nothing beyond PyTorch is needed.
    """
    torch = _torch()
    opt = torch.optim.LBFGS([x], lr=1.0, max_iter=ITERATIONS_PER_STEP, history_size=LBFGS_HISTORY,
                            line_search_fn="strong_wolfe", tolerance_grad=0.0,
                            tolerance_change=0.0)

    def closure():
        opt.zero_grad()
        value = loss_fn(x)
        value.backward()
        return value

    start = time.perf_counter()
    with torch.no_grad():
        history = [float(loss_fn(x))]
    n_steps = math.ceil(n_iter / ITERATIONS_PER_STEP)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(range(n_steps), desc="synthesis")
    for _ in bar if bar is not None else range(n_steps):
        opt.step(closure)
        with torch.no_grad():
            history.append(float(loss_fn(x)))
        if bar is not None:
            bar.set_postfix(loss=f"{history[-1]:.3e}")
        if not math.isfinite(history[-1]):
            raise FloatingPointError("synthesis diverged (loss is not finite); try dtype='float64'")
    return history, time.perf_counter() - start


def gaussian_baseline(target, seed=0):
    """The Gaussian model with the power spectrum of ``target`` (phase randomisation,
    :func:`scatkit.stats.phase_randomize`); NumPy in, NumPy out."""
    torch = None
    try:
        import torch
    except ImportError:  # pragma: no cover
        pass
    if torch is not None and isinstance(target, torch.Tensor):
        y = phase_randomize(target.detach().cpu().numpy(), seed, ndim=target.ndim)
        return torch.as_tensor(y).to(device=target.device, dtype=target.dtype)
    arr = np.asarray(target)
    if arr.ndim not in (1, 2):
        raise ValueError(f"gaussian_baseline takes a 1D signal or a 2D field, got shape "
                         f"{arr.shape}")
    return phase_randomize(arr, seed, ndim=arr.ndim)
