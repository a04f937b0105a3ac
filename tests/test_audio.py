"""Tests of :mod:`scatkit.datasets.audio` (reading, resampling, padding/cropping)."""

import numpy as np
import pytest

from scatkit.datasets.audio import fit_length, read_audio, resample

sf = pytest.importorskip("soundfile")


def _tone(sr, seconds=0.25, freq=440.0):
    t = np.arange(int(sr * seconds)) / sr
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.mark.parametrize("fmt,ext,subtype", [("WAV", ".wav", "PCM_16"), ("FLAC", ".flac", "PCM_16"),
                                             ("OGG", ".ogg", "VORBIS")])
def test_formats_roundtrip(tmp_path, fmt, ext, subtype):
    x = _tone(8000)
    path = tmp_path / f"tone{ext}"
    sf.write(path, x, 8000, format=fmt, subtype=subtype)
    y, sr = read_audio(path)
    assert sr == 8000 and y.dtype == np.float32 and y.ndim == 1
    tol = 1e-3 if fmt != "OGG" else 0.1
    assert abs(len(y) - len(x)) <= (0 if fmt != "OGG" else 64)
    n = min(len(x), len(y))
    assert np.abs(y[:n] - x[:n]).max() < tol


def test_resampling_keeps_frequency(tmp_path):
    x = _tone(16000, seconds=0.5, freq=500.0)
    path = tmp_path / "t.wav"
    sf.write(path, x, 16000, subtype="FLOAT")
    y, sr = read_audio(path, sr=8000)
    assert sr == 8000 and len(y) == len(x) // 2
    spec = np.abs(np.fft.rfft(y))
    peak_hz = np.argmax(spec) * sr / len(y)
    assert abs(peak_hz - 500.0) < 4


def test_stereo_and_mono(tmp_path):
    x = np.stack([_tone(8000), -_tone(8000) * 0.5], axis=1)
    path = tmp_path / "s.wav"
    sf.write(path, x, 8000, subtype="FLOAT")
    y, _ = read_audio(path, mono=False)
    assert y.shape == (2, x.shape[0])
    m, _ = read_audio(path)
    np.testing.assert_allclose(m, x.mean(axis=1), atol=1e-6)


def test_padding_cropping_rule():
    x = np.arange(1, 6, dtype=np.float32)
    np.testing.assert_array_equal(fit_length(x, 9), [0, 0, 1, 2, 3, 4, 5, 0, 0])
    np.testing.assert_array_equal(fit_length(x, 8), [0, 1, 2, 3, 4, 5, 0, 0])
    np.testing.assert_array_equal(fit_length(x, 3), [2, 3, 4])
    np.testing.assert_array_equal(fit_length(x, 2), [2, 3])
    assert fit_length(x, None) is x
    with pytest.raises(ValueError, match="positive"):
        fit_length(x, 0)


def test_read_with_length(tmp_path):
    x = _tone(8000, seconds=0.1)
    path = tmp_path / "t.wav"
    sf.write(path, x, 8000, subtype="FLOAT")
    y, _ = read_audio(path, length=2048)
    assert y.shape == (2048,)
    before = (2048 - len(x)) // 2
    np.testing.assert_allclose(y[before:before + len(x)], x, atol=1e-6)


def test_bad_inputs(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_audio(tmp_path / "missing.wav")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    with pytest.raises(ValueError, match="cannot decode"):
        read_audio(bad)
    with pytest.raises(ValueError, match="sample rate"):
        resample(np.zeros(10, np.float32), 0, 8000)
