"""scatkit.plot and ``scatkit show``: figures are written, layouts are right, the
scalogram localises a tone at the right wavelet."""

from __future__ import annotations

import numpy as np
import pytest

import scatkit

pytest.importorskip("matplotlib")
PIL = pytest.importorskip("PIL.Image")

from scatkit import plot  # noqa: E402
from scatkit.cli.main import main  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _is_png(path, min_size=(200, 200)):
    assert path.read_bytes()[:8] == PNG_MAGIC
    with PIL.open(path) as img:
        assert img.size[0] >= min_size[0] and img.size[1] >= min_size[1]
        assert np.asarray(img.convert("L")).std() > 5  # not a blank canvas


def test_filters_2d_and_1d_figures(tmp_path):
    S2 = scatkit.Scattering2D(2, (32, 32), L=4)
    fig = plot.plot_filters(S2)
    titles = [ax.get_title() for ax in fig.axes]
    assert any("Littlewood–Paley" in t for t in titles)
    images = [ax for ax in fig.axes if ax.images and ax.get_label() != "<colorbar>"]
    assert len(images) == 2 * 4 + 2  # wavelets + phi + LP sum
    _is_png(plot.save_figure(fig, tmp_path / "f2.png"))
    S1 = scatkit.Scattering1D(5, 512, Q=4)
    _is_png(plot.save_figure(plot.plot_filters(S1), tmp_path / "f1.png"))
    with pytest.raises(TypeError, match="Scattering1D or Scattering2D"):
        plot.plot_filters(object())


def test_scalogram_peaks_at_the_tone_frequency():
    S = scatkit.Scattering1D(6, 1024, Q=8)
    n = np.arange(1024)
    for f in (0.05, 0.2):
        U = plot.scalogram(S, np.cos(2 * np.pi * f * n))
        assert U.shape == (S.bank.psi[1][0].shape[0], 1024)
        best = np.argmax(U[:, 256:768].mean(axis=1))
        xi = S.bank.xi[1]
        assert abs(xi[best] - f) == pytest.approx(np.min(np.abs(xi - f)))
    with pytest.raises(ValueError, match="shape"):
        plot.scalogram(S, np.zeros(100))


def test_disk_layout_partitions_the_disk():
    S = scatkit.Scattering2D(3, (32, 32), L=6)
    sectors = plot.disk_layout(S)
    assert len(sectors[1]) == 3 * 6 and len(sectors[2]) == 6 * 6 * 3  # pairs j1<j2: 3
    for j in range(3):  # each order-1 ring is covered once by the L sectors over [0, pi)
        ring = [s for s in sectors[1] if np.isclose(s[2], 1 - j / 3)]
        assert sum(s[4] for s in ring) == pytest.approx(np.pi)
        assert all(np.isclose(s[2] - s[1], 1 / 3) for s in ring)
    total = sum((s[2] ** 2 - s[1] ** 2) * s[4] / 2 for s in sectors[2])
    assert total == pytest.approx(np.pi / 2 * (1 - (1 / 3) ** 2))  # all but the inner ring


def test_disk_and_coefficient_figures(tmp_path):
    rng = np.random.default_rng(0)
    S2 = scatkit.Scattering2D(2, (32, 32), L=4)
    _is_png(plot.save_figure(plot.plot_disk(S2, rng.random((32, 32)), log=True,
                                            normalize_order2=True), tmp_path / "d.png"))
    S1 = scatkit.Scattering1D(5, 512, Q=4)
    x = rng.standard_normal(512)
    _is_png(plot.save_figure(plot.plot_coefficients_1d(S1, x, sr=8000), tmp_path / "c.png"))
    _is_png(plot.save_figure(plot.plot_scalogram(S1, x), tmp_path / "s.png"))


def test_show_commands_write_pngs(tmp_path):
    sf = pytest.importorskip("soundfile")
    rng = np.random.default_rng(1)
    wav, png = tmp_path / "a.wav", tmp_path / "i.png"
    sf.write(wav, 0.1 * rng.standard_normal(2000), 8000)
    PIL.fromarray((rng.random((40, 40)) * 255).astype(np.uint8)).save(png)
    commands = {
        "filters2d": ["filters", "--transform", "2d", "--J", "2", "--L", "4", "--shape", "32", "32"],
        "filters1d": ["filters", "--transform", "1d", "--J", "4", "--Q", "4", "--shape", "512"],
        "scalogram": ["scalogram", str(wav), "--J", "4", "--Q", "4", "--length", "2048"],
        "coefficients": ["coefficients", str(wav), "--J", "4", "--Q", "4", "--length", "2048"],
        "disk": ["disk", str(png), "--J", "2", "--L", "4", "--size", "32", "32"],
    }
    for name, argv in commands.items():
        out = tmp_path / f"{name}.png"
        assert main(["show", *argv, "-o", str(out), "--dpi", "60"]) == 0
        _is_png(out, min_size=(150, 150))
    assert main(["show", "filters", "--transform", "1d", "--shape", "8", "8",
                 "-o", str(tmp_path / "x.png")]) == 1
