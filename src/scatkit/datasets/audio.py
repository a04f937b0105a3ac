"""Reading audio files into float arrays for scattering transforms.

:func:`read_audio` decodes WAV, FLAC and OGG/Vorbis files through ``soundfile``
(libsndfile), optionally downmixes to mono, resamples with a polyphase filter
(:func:`scipy.signal.resample_poly`) and fits the result to a fixed length.

Padding/cropping rule (``length=L``)
------------------------------------
A signal of ``n`` samples (after resampling) becomes exactly ``L`` samples:

* ``n < L`` -- zero padding, **centred**: ``(L - n) // 2`` zeros before the signal
  and the rest after it (this is the convention of Kymatio's spoken-digit example,
  which pads recordings to ``2**13`` samples; centring keeps the sound away from the
  periodic boundary of the FFT on both sides);
* ``n > L`` -- **centred** cropping: ``(n - L) // 2`` samples are dropped at the
  start and the rest at the end;
* ``n == L`` or ``length=None`` -- the signal is returned unchanged.

The same rule is available on arrays as :func:`fit_length`.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

__all__ = ["read_audio", "fit_length", "resample", "AUDIO_EXTENSIONS"]

#: file extensions :func:`read_audio` accepts (case-insensitive)
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga")

#: largest numerator/denominator of the rational resampling ratio ``sr_out / sr_in``
MAX_RESAMPLE_DENOMINATOR = 10_000


def fit_length(x: np.ndarray, length: int | None, axis: int = -1) -> np.ndarray:
    """Zero-pad or crop ``x`` along ``axis`` to ``length`` samples, centred.

    ``(length - n) // 2`` zeros go before the signal when it is shorter, and
    ``(n - length) // 2`` samples are dropped at the start when it is longer
    (the rest at the end). ``length=None`` returns ``x`` unchanged.
    """
    if length is None:
        return x
    length = int(length)
    if length < 1:
        raise ValueError(f"length must be a positive number of samples, got {length}")
    n = x.shape[axis]
    if n == length:
        return x
    if n > length:
        start = (n - length) // 2
        return np.take(x, np.arange(start, start + length), axis=axis)
    before = (length - n) // 2
    widths = [(0, 0)] * x.ndim
    widths[axis] = (before, length - n - before)
    return np.pad(x, widths)


def resample(x: np.ndarray, sr_in: int, sr_out: int, axis: int = -1) -> np.ndarray:
    r"""Resample ``x`` from ``sr_in`` to ``sr_out`` Hz with a polyphase filter.

    The ratio ``sr_out / sr_in = up / down`` is reduced to lowest terms (limited to a
    denominator of :data:`MAX_RESAMPLE_DENOMINATOR`) and passed to
    :func:`scipy.signal.resample_poly`, which upsamples by ``up``, applies a Kaiser
    windowed low-pass at the smaller Nyquist frequency, and downsamples by ``down``.
    """
    from scipy.signal import resample_poly

    if sr_in <= 0 or sr_out <= 0:
        raise ValueError(f"sample rates must be positive, got {sr_in} -> {sr_out}")
    if sr_in == sr_out:
        return x
    ratio = Fraction(int(sr_out), int(sr_in)).limit_denominator(MAX_RESAMPLE_DENOMINATOR)
    y = resample_poly(x, ratio.numerator, ratio.denominator, axis=axis)
    return y.astype(x.dtype, copy=False)


def read_audio(path, sr: int | None = None, length: int | None = None,
               mono: bool = True) -> tuple[np.ndarray, int]:
    """Read an audio file as float32 samples.

    Parameters
    ----------
    path : str or Path
        A WAV, FLAC or OGG file (any format libsndfile decodes is accepted).
    sr : int, optional
        Target sample rate in Hz; the file is resampled with :func:`resample` when it
        differs. ``None`` keeps the file's rate.
    length : int, optional
        Number of output samples (after resampling): centred zero padding or centred
        cropping, see the module docstring. ``None`` keeps the decoded length.
    mono : bool
        Average the channels into one (output shape ``(length,)``); otherwise the
        output has shape ``(channels, length)``.

    Returns
    -------
    x : ndarray of float32
        Samples in [-1, 1] (integer PCM is scaled by libsndfile).
    sample_rate : int
        The rate of ``x`` (``sr`` when given).

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        When the file cannot be decoded, or ``sr``/``length`` are not positive.
    """
    import soundfile as sf

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"audio file not found: {path}")
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as err:  # libsndfile raises its own error type
        raise ValueError(f"cannot decode {path} as audio (WAV, FLAC or OGG expected): {err}") from err
    x = data.T  # (channels, samples)
    if mono:
        x = x.mean(axis=0)
    if sr is not None:
        if int(sr) != sr or sr <= 0:
            raise ValueError(f"sr must be a positive integer sample rate in Hz, got {sr!r}")
        x = resample(x, rate, int(sr))
        rate = int(sr)
    x = fit_length(x, length)
    return np.ascontiguousarray(x, dtype=np.float32), int(rate)
