"""``scatkit features``: output content, labels, corrupt files, shape fitting, resuming."""

from __future__ import annotations

import json

import importlib.util

import numpy as np
import pytest

import scatkit
from scatkit.cli import features as cli
from scatkit.cli.main import main
from scatkit.datasets.features import IncompleteStoreError, ZarrStore, load_features
from scatkit.datasets.images import read_image

#: Zarr is an optional dependency (the ``io`` extra): its stores are tested where it is installed
requires_zarr = pytest.mark.skipif(importlib.util.find_spec("zarr") is None,
                                   reason="zarr is not installed (pip install scatkit[io])")
SUFFIXES = [pytest.param(".zarr", marks=requires_zarr), ".npz"]

PIL = pytest.importorskip("PIL.Image")

SHAPE = (32, 32)


def _write_png(path, rng, shape=SHAPE, mode="L"):
    path.parent.mkdir(parents=True, exist_ok=True)
    channels = {"L": (), "RGB": (3,)}[mode]
    PIL.fromarray((rng.random(shape + channels) * 255).astype(np.uint8), mode=mode).save(path)


@pytest.fixture
def image_folder(tmp_path):
    """Two classes x 4 grey PNGs, plus one corrupt file in class 'b'."""
    rng = np.random.default_rng(0)
    root = tmp_path / "images"
    for cls in ("b", "a"):
        for i in range(4):
            _write_png(root / cls / f"{i}.png", rng)
    (root / "b" / "corrupt.png").write_bytes(b"this is not a PNG")
    return root


def _expected(files, J=2, L=4, **kw):
    S = scatkit.Scattering2D(J, SHAPE, L=L, **kw)
    return S(np.stack([read_image(f) for f in files]))


def _run(*argv):
    return main(["features", *map(str, argv), "--no-progress"])


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_features_content_labels_and_skipped_file(image_folder, tmp_path, suffix, capsys):
    out = tmp_path / f"f{suffix}"
    assert _run(image_folder, "--transform", "2d", "--J", 2, "--L", 4, "--chunk-size", 3,
                "-o", out) == 0
    assert "corrupt.png" in capsys.readouterr().err  # reported by name
    got = load_features(out)
    assert got["classes"] == ["a", "b"]
    assert [f.split("/")[-2] for f in got["files"]] == ["a"] * 4 + ["b"] * 4
    np.testing.assert_array_equal(got["labels"], [0] * 4 + [1] * 4)
    assert got["labels"].dtype == np.int64 and got["features"].dtype == np.float32
    assert list(got["skipped"]) == [str(image_folder / "b" / "corrupt.png")]
    np.testing.assert_array_equal(got["features"], _expected(got["files"]))
    S = scatkit.Scattering2D(2, SHAPE, L=4)
    assert got["meta"]["order"] == S.meta()["order"].tolist()
    assert got["params"]["keywords"] == {"J": 2, "L": 4} and got["version"] == scatkit.__version__
    light = load_features(out, arrays=False)  # metadata only
    assert light["features"] is None and light["files"] == got["files"]


def test_on_error_fail_names_the_file(image_folder, tmp_path, capsys):
    assert _run(image_folder, "--transform", "2d", "--J", 2, "--on-error", "fail",
                "-o", tmp_path / "f.npz") == 1
    assert "corrupt.png" in capsys.readouterr().err
    with pytest.raises((IncompleteStoreError, FileNotFoundError)):
        load_features(tmp_path / "f.npz")


def test_constructor_keywords_and_globs(image_folder, tmp_path):
    out = tmp_path / "g.npz"
    assert _run(str(image_folder / "*" / "[0-9].png"), "--transform", "2d", "--J", 2, "--L", 4,
                "--max-order", 1, "-o", out) == 0
    got = load_features(out)
    np.testing.assert_array_equal(got["labels"], [0] * 4 + [1] * 4)  # class from the glob's folder
    np.testing.assert_array_equal(got["features"], _expected(got["files"], max_order=1))


def test_unknown_keyword_and_bad_output(image_folder, tmp_path, capsys):
    assert _run(image_folder, "--transform", "2d", "--J", 2, "--wavelet", "haar",
                "-o", tmp_path / "f.npz") == 1
    err = capsys.readouterr().err
    assert "no keyword 'wavelet'" in err and "--L" in err
    assert _run(image_folder, "--transform", "2d", "--J", 2, "-o", tmp_path / "f.h5") == 1
    assert ".zarr" in capsys.readouterr().err


def test_different_shapes_need_size(tmp_path, capsys):
    rng = np.random.default_rng(1)
    _write_png(tmp_path / "in" / "x.png", rng, (32, 32))
    _write_png(tmp_path / "in" / "y.png", rng, (40, 48), mode="RGB")
    assert _run(tmp_path / "in", "--transform", "2d", "--J", 2, "-o", tmp_path / "f.npz") == 1
    assert "--size" in capsys.readouterr().err
    assert _run(tmp_path / "in", "--transform", "2d", "--J", 2, "--size", 24, 24,
                "-o", tmp_path / "f.npz") == 0
    assert load_features(tmp_path / "f.npz")["features"].shape == (2, 81, 6, 6)
    assert _run(tmp_path / "in", "--transform", "2d", "--J", 2, "--size", 24, 24, "--color",
                "-o", tmp_path / "c.npz") == 0
    assert load_features(tmp_path / "c.npz")["features"].shape == (2, 3, 81, 6, 6)


def test_audio_inputs_with_length(tmp_path, capsys):
    sf = pytest.importorskip("soundfile")
    rng = np.random.default_rng(2)
    for i, n in enumerate((900, 1100)):
        (tmp_path / "rec").mkdir(exist_ok=True)
        sf.write(tmp_path / "rec" / f"{i}.wav", 0.1 * rng.standard_normal(n), 8000)
    assert _run(tmp_path / "rec", "--transform", "1d", "--J", 4, "--Q", 4,
                "-o", tmp_path / "a.npz") == 1
    assert "--length" in capsys.readouterr().err
    assert _run(tmp_path / "rec", "--transform", "1d", "--J", 4, "--Q", 4, "--length", 1024,
                "-o", tmp_path / "a.npz") == 0
    got = load_features(tmp_path / "a.npz")
    assert got["labels"] is None  # files directly in the input folder have no class
    from scatkit.datasets.audio import read_audio

    x = np.stack([read_audio(f, length=1024)[0] for f in got["files"]])
    np.testing.assert_array_equal(got["features"], scatkit.Scattering1D(4, 1024, Q=4)(x))


def test_unavailable_transform_is_a_clear_error(image_folder, tmp_path, capsys):
    try:
        scatkit.HarmonicScattering3D  # noqa: B018
    except (AttributeError, ImportError):
        assert _run(image_folder, "--transform", "3d", "--J", 2, "-o", tmp_path / "f.npz") == 1
        assert "HarmonicScattering3D" in capsys.readouterr().err
    else:  # available: a 2D image is the wrong input for it
        assert _run(image_folder, "--transform", "3d", "--J", 2, "-o", tmp_path / "f.npz") == 1
        assert "3D signals" in capsys.readouterr().err


class _Boom(RuntimeError):
    pass


RUN_OPTIONS = dict(keywords={"J": 2, "L": 4}, chunk_size=3, progress=False)


def _crash_then_resume(folder, out, monkeypatch):
    """Run with the crash patched in, check that the store is refused, undo the patch,
    resume; return the first row of each chunk computed by the resumed run."""
    with pytest.raises(_Boom):
        cli.extract_features([folder], "2d", out, **RUN_OPTIONS)
    with pytest.raises(IncompleteStoreError):
        load_features(out)
    monkeypatch.undo()
    computed, real = [], cli.compute_chunk
    monkeypatch.setattr(cli, "compute_chunk", lambda ref, files, rows, *rest:
                        computed.append(rows[0]) or real(ref, files, rows, *rest))
    summary = cli.extract_features([folder], "2d", out, **RUN_OPTIONS)
    assert summary["computed_chunks"] == len(computed)
    got = load_features(out)
    np.testing.assert_array_equal(got["features"], _expected(got["files"]))
    return computed


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_interrupted_run_is_not_accepted_then_resumes(image_folder, tmp_path, monkeypatch, suffix):
    real, calls = cli.compute_chunk, []

    def flaky(ref, files, rows, *rest):
        calls.append(rows[0])
        if len(calls) == 2:
            raise _Boom("interrupted")
        return real(ref, files, rows, *rest)

    monkeypatch.setattr(cli, "compute_chunk", flaky)
    computed = _crash_then_resume(image_folder, tmp_path / f"f{suffix}", monkeypatch)
    assert computed == [3, 6]  # chunk 0 was finished and is skipped


@requires_zarr
def test_chunk_data_without_marker_is_recomputed(image_folder, tmp_path, monkeypatch):
    """A crash between a chunk's data and its marker: the data is never accepted."""
    real_mark = ZarrStore._mark

    def crash_on_second(self, k, ok_rows, errors):
        if k == 1:
            raise _Boom("killed after writing data, before the marker")
        real_mark(self, k, ok_rows, errors)

    monkeypatch.setattr(ZarrStore, "_mark", crash_on_second)
    computed = _crash_then_resume(image_folder, tmp_path / "f.zarr", monkeypatch)
    assert computed == [3, 6]  # chunk 1 had data but no marker: recomputed


def test_npz_chunks_are_atomic(image_folder, tmp_path, monkeypatch):
    """A crash inside np.savez leaves no part file under its final name."""
    out = tmp_path / "f.npz"

    def half_write(file, **arrays):
        with open(file, "wb") as f:
            f.write(b"PK\x03\x04 truncated")
        raise _Boom("killed while writing")

    monkeypatch.setattr(np, "savez", half_write)
    with pytest.raises(_Boom):
        cli.extract_features([image_folder], "2d", out, **RUN_OPTIONS)
    parts = out.with_name(out.name + ".parts")
    assert not list(parts.glob("chunk_*.npz")) and not out.exists()
    assert json.loads((parts / "run.json").read_text())["chunk_size"] == 3
