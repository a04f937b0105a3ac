r"""Stationary test processes, Gaussian and not, on periodic grids.

All fields live on a torus (circular convolutions), so they are exactly
stationary.  The non-Gaussian ones are classical models of intermittency:

- Poisson shot noise :math:`x = \sum_k a_k\, g(u - u_k)`, :math:`u_k` a Poisson
  point process and :math:`a_k` random amplitudes (Campbell's theorem: its
  spectrum is :math:`\rho\,\mathbb{E}[a^2]\,|\hat g|^2`, the spectrum of a
  Gaussian field with the same kernel);
- the log-normal multifractal random measure :math:`x = e^{\lambda\omega -
  \lambda^2\sigma_\omega^2/2}` with :math:`\omega` a log-correlated Gaussian
  field (Kahane, "Sur le chaos multiplicatif", 1985; Bacry & Muzy 2003);
- Ising configurations (:mod:`scatkit.stats.ising`), binary;
- a rain-like 1D impulse process: Poisson drops, each a damped resonance of
  random pitch and heavy-tailed amplitude, over a faint Gaussian hiss (after
  the impulsive audio textures of McDermott & Simoncelli, Neuron 71, 2011).

:func:`phase_randomize` draws the Gaussian model with the same (empirical) power
spectrum as a given realisation, and :func:`match_spectrum` filters any process
to a prescribed expected spectrum, which makes processes with equal second-order
statistics and different higher-order ones.
"""

from __future__ import annotations

import numpy as np

from .spectra import periodogram, radial_frequency

#: sampling rate (Hz) of the rain-like texture
RAIN_SR = 16000


def _rng(seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _axes(ndim: int) -> tuple[int, ...]:
    return tuple(range(-ndim, 0))


def phase_randomize(x, seed=0, ndim: int | None = None) -> np.ndarray:
    r"""Gaussian surrogate with exactly the periodogram of ``x``.

    :math:`\tilde x = \mathcal F^{-1}\big(|\hat x(\omega)|\, e^{i\varphi(\omega)}\big)`
    with :math:`\varphi` the phases of the DFT of white noise (Hermitian, so
    :math:`\tilde x` is real); the mean of ``x`` is kept.  Leading batch axes are
    randomised independently.  This is the maximum-entropy (Gaussian) model given
    the power spectrum, the baseline of texture synthesis.
    """
    x = np.asarray(x)
    ndim = (2 if x.ndim >= 2 else 1) if ndim is None else int(ndim)
    axes = _axes(ndim)
    rng = _rng(seed)
    phase = np.fft.fftn(rng.standard_normal(x.shape), axes=axes)
    phase /= np.maximum(np.abs(phase), np.finfo(np.float64).tiny)
    y = np.fft.ifftn(np.abs(np.fft.fftn(x, axes=axes)) * phase, axes=axes).real
    y += x.mean(axis=axes, keepdims=True) - y.mean(axis=axes, keepdims=True)
    return y.astype(x.dtype if x.dtype.kind == "f" else np.float64, copy=False)


def gaussian_field(shape, power, seed=0) -> np.ndarray:
    r"""Stationary Gaussian field whose expected periodogram is ``power(|omega|)``.

    Parameters
    ----------
    shape : tuple of int
        ``(n_samples, *grid)``; the grid has 1 or 2 axes.
    power : callable
        Spectrum as a function of :math:`|\omega|` in cycles per sample (the
        value at 0 is ignored: the field has zero mean).
    """
    rng = _rng(seed)
    grid = tuple(shape[1:])
    r = radial_frequency(grid)
    amp = np.sqrt(np.where(r > 0, power(np.where(r > 0, r, 1.0)), 0.0))
    w = np.fft.fftn(rng.standard_normal(shape), axes=_axes(len(grid)))
    return np.fft.ifftn(w * amp, axes=_axes(len(grid))).real


def shot_noise(shape, density: float, radius: float, seed=0) -> np.ndarray:
    r"""Poisson shot noise of Gaussian bumps :math:`g(u) = e^{-|u|^2/(2r^2)}`.

    Parameters
    ----------
    shape : tuple of int
        ``(n_samples, *grid)`` (grid of 1 or 2 axes).
    density : float
        Expected number of points per sample (pixel).
    radius : float
        Bump width :math:`r` in samples.

    Amplitudes are exponential (mean 1), so the field is positive, skewed and
    intermittent when ``density * radius**d`` is small.
    """
    rng = _rng(seed)
    grid = tuple(shape[1:])
    counts = rng.poisson(density, size=shape).astype(np.float64)
    amps = np.where(counts > 0, rng.gamma(np.maximum(counts, 1.0), 1.0), 0.0)  # sum of exponentials
    r = radial_frequency(grid)
    kernel_f = np.exp(-2.0 * (np.pi * radius * r) ** 2)  # Fourier transform of the bump (x 1/area)
    axes = _axes(len(grid))
    return np.fft.ifftn(np.fft.fftn(amps, axes=axes) * kernel_f, axes=axes).real


def multifractal_field(shape, intermittency: float = 0.5, seed=0) -> np.ndarray:
    r"""Log-normal multifractal random measure on a periodic grid.

    :math:`\omega` is Gaussian with spectrum :math:`|\omega|^{-d}` (log-correlated
    in dimension :math:`d`), normalised to unit variance per log-octave, and
    :math:`x = \exp(\lambda\omega - \lambda^2 \mathrm{Var}\,\omega / 2)` has mean
    1; ``intermittency`` is :math:`\lambda`.
    """
    grid = tuple(shape[1:])
    d = len(grid)
    omega = gaussian_field(shape, lambda k: k ** (-float(d)), seed)
    omega /= np.sqrt(np.log(min(grid)))  # variance grows like log N: keep lambda scale-free
    var = omega.var(axis=_axes(d), keepdims=True)
    return np.exp(intermittency * omega - 0.5 * intermittency**2 * var)


def radial_spectrum_estimate(fields, ndim: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Mean periodogram of ``fields`` averaged on shells of :math:`|\\omega|` (one DFT step
    wide): returns ``(freq, power)`` usable by :func:`match_spectrum`."""
    grid = fields.shape[-ndim:]
    p = periodogram(fields, ndim).reshape((-1,) + grid).mean(axis=0)
    r = radial_frequency(grid)
    step = 1.0 / min(grid)
    idx = np.rint(r / step).astype(int)
    sums = np.bincount(idx.ravel(), weights=p.ravel())
    counts = np.bincount(idx.ravel())
    ok = counts > 0
    return np.flatnonzero(ok) * step, sums[ok] / counts[ok]


def match_spectrum(fields, source_spectrum, target_power, ndim: int = 2) -> np.ndarray:
    r"""Filter ``fields`` so that their expected spectrum becomes ``target_power``.

    Each field is convolved with :math:`h(\omega) = \sqrt{P_t(|\omega|) /
    P_s(|\omega|)}`, where :math:`P_s` is ``source_spectrum`` (``(freq, power)``
    from :func:`radial_spectrum_estimate` on independent samples of the same
    process, linearly interpolated) and :math:`P_t` is ``target_power`` (a callable
    of :math:`|\omega|` or a ``(freq, power)`` pair).  Then the result is
    standardised (zero mean, unit variance across all fields).  A linear filter
    changes the spectrum but not the Gaussian or non-Gaussian nature of a process.
    """
    grid = fields.shape[-ndim:]
    r = radial_frequency(grid)

    def evaluate(spec):
        if callable(spec):
            return spec(np.where(r > 0, r, 1.0))
        f, p = spec
        return np.interp(r, f, p)

    ps, pt = evaluate(source_spectrum), evaluate(target_power)
    h = np.where(r > 0, np.sqrt(pt / np.maximum(ps, np.finfo(np.float64).tiny)), 0.0)
    axes = _axes(ndim)
    y = np.fft.ifftn(np.fft.fftn(fields, axes=axes) * h, axes=axes).real
    return (y - y.mean()) / y.std()


def rain_texture(n: int, rate: float = 40.0, sr: int = RAIN_SR, decay_ms: float = 4.0,
                 pitch_hz: tuple[float, float] = (1500.0, 5000.0), hiss: float = 0.02,
                 amplitude_sigma: float = 1.0, seed=0) -> np.ndarray:
    r"""A rain-like impulsive audio texture of ``n`` samples (periodic).

    Drops arrive as a Poisson process of ``rate`` per second; each is
    :math:`a\, e^{-t/\tau}\sin(2\pi f t)` with :math:`\tau` = ``decay_ms``,
    :math:`f` log-uniform in ``pitch_hz`` and :math:`a` log-normal
    (``amplitude_sigma``); a white Gaussian hiss of standard deviation ``hiss``
    (relative to the drops' peak scale) is added.  The result is scaled to unit
    variance.
    """
    rng = _rng(seed)
    if n < 2 or rate <= 0 or sr <= 0:
        raise ValueError(f"need n >= 2, rate > 0 and sr > 0, got n={n}, rate={rate}, sr={sr}")
    n_drops = rng.poisson(rate * n / sr)
    t0 = rng.integers(0, n, n_drops)
    f = np.exp(rng.uniform(np.log(pitch_hz[0]), np.log(pitch_hz[1]), n_drops))
    a = rng.lognormal(0.0, amplitude_sigma, n_drops)
    tau = decay_ms * 1e-3 * sr
    length = int(np.ceil(8 * tau))
    t = np.arange(length)
    drops = (a[:, None] * np.exp(-t / tau)[None, :]
             * np.sin(2 * np.pi * f[:, None] / sr * t[None, :]))
    x = np.zeros(n)
    np.add.at(x, (t0[:, None] + t[None, :]) % n, drops)  # wrap around: periodic texture
    x += hiss * rng.standard_normal(n)
    x -= x.mean()
    return x / x.std()
