"""Data set loaders: MNIST (bundled + IDX), folders/globs, images, checksums, shared data."""

from __future__ import annotations

import gzip
import hashlib

import numpy as np
import pytest
from conftest import requires_data

import scatkit.datasets as ds
from scatkit.datasets import checksums, mnist
from scatkit.datasets.folders import list_files, load_folder

PIL = pytest.importorskip("PIL.Image")


# -- MNIST -------------------------------------------------------------------------------------
def test_bundled_mnist_sample():
    images, labels = ds.load_mnist()
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.dtype == np.int64
    # class counts stated in the sample's SOURCE.txt
    np.testing.assert_array_equal(np.bincount(labels),
                                  [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978])
    assert images.max() == 255 and images.min() == 0


def _write_idx(path, array, compress):
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, ">i4").tobytes()
    data = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(data) if compress else data)


@pytest.mark.parametrize("compress", [True, False])
def test_mnist_idx_files(tmp_path, compress):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (7, 28, 28)).astype(np.uint8)
    labs = rng.integers(0, 10, 7).astype(np.uint8)
    suffix = ".gz" if compress else ""
    _write_idx(tmp_path / f"t10k-images-idx3-ubyte{suffix}", imgs, compress)
    _write_idx(tmp_path / f"t10k-labels-idx1-ubyte{suffix}", labs, compress)
    got_i, got_l = ds.load_mnist(tmp_path, subset="test")
    np.testing.assert_array_equal(got_i, imgs)
    np.testing.assert_array_equal(got_l, labs)
    got_i, _ = ds.load_mnist(tmp_path / f"t10k-images-idx3-ubyte{suffix}")  # the file itself
    np.testing.assert_array_equal(got_i, imgs)
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.*yann.lecun.com"):
        ds.load_mnist(tmp_path, subset="train")


def test_read_idx_types_and_bad_files(tmp_path):
    values = np.arange(6).reshape(2, 3) - 3
    (tmp_path / "a.idx").write_bytes(bytes([0, 0, 0x0C, 2]) + np.array([2, 3], ">i4").tobytes()
                                     + values.astype(">i4").tobytes())
    got = mnist.read_idx(tmp_path / "a.idx")
    np.testing.assert_array_equal(got, values)
    assert got.dtype == np.int32 and got.dtype.isnative
    (tmp_path / "b.idx").write_bytes(b"\x89PNG not idx")
    with pytest.raises(ValueError, match="not an IDX file"):
        mnist.read_idx(tmp_path / "b.idx")
    (tmp_path / "c.idx").write_bytes(bytes([0, 0, 8, 1]) + np.array([5], ">i4").tobytes() + b"abc")
    with pytest.raises(ValueError, match="holds 3 bytes"):
        mnist.read_idx(tmp_path / "c.idx")


# -- folders, globs, images -----------------------------------------------------------------------
@pytest.fixture
def tree(tmp_path):
    rng = np.random.default_rng(1)
    for cls, n in (("zebra", 2), ("ant", 3)):
        (tmp_path / cls).mkdir()
        for i in range(n):
            PIL.fromarray((rng.random((12, 10)) * 255).astype(np.uint8)).save(tmp_path / cls / f"{i}.png")
    (tmp_path / "ant" / "notes.txt").write_text("ignored: unknown extension")
    return tmp_path


def test_folder_labels_and_order(tree):
    found = list_files(tree)
    assert found.classes == ["ant", "zebra"]
    assert [f.name for f in found.files] == ["0.png", "1.png", "2.png", "0.png", "1.png"]
    np.testing.assert_array_equal(found.labels, [0, 0, 0, 1, 1])
    X, y, classes, files = load_folder(tree)
    assert X.shape == (5, 12, 10) and X.dtype == np.float32 and 0 <= X.min() <= X.max() <= 1


def test_globs_files_and_missing_inputs(tree):
    assert list_files(str(tree / "*" / "*.png")).classes == ["ant", "zebra"]
    assert list_files(str(tree / "ant" / "*.png")).labels is None  # no wildcard in the folder part
    assert list_files(tree / "ant" / "0.png").labels is None
    with pytest.raises(FileNotFoundError, match="matches no file"):
        list_files(str(tree / "*.wav"))
    with pytest.raises(FileNotFoundError, match="neither a file"):
        list_files(tree / "nope")


def test_read_image_grey_colour_and_size(tmp_path):
    rgb = np.zeros((20, 40, 3), np.uint8)
    rgb[..., 0] = 255  # pure red
    PIL.fromarray(rgb).save(tmp_path / "r.png")
    grey = ds.read_image(tmp_path / "r.png")
    np.testing.assert_allclose(grey, 76 / 255)  # ITU-R 601-2 luma of red: round(0.299 * 255)
    colour = ds.read_image(tmp_path / "r.png", color=True)
    assert colour.shape == (3, 20, 40) and colour[0].min() == 1 and colour[1:].max() == 0
    fitted = ds.read_image(tmp_path / "r.png", size=(10, 10))  # cover then centre crop
    assert fitted.shape == (10, 10)
    (tmp_path / "bad.jpg").write_bytes(b"\xff\xd8 truncated")
    with pytest.raises(ValueError, match="bad.jpg"):
        ds.read_image(tmp_path / "bad.jpg")


def test_read_16bit_tiff(tmp_path):
    data = (np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000)
    PIL.fromarray(data).save(tmp_path / "d.tif")
    np.testing.assert_allclose(ds.read_image(tmp_path / "d.tif"), data / 65535, rtol=1e-6)


# -- checksums, missing data sets ----------------------------------------------------------------
def test_checksums_detect_damage_and_use_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(checksums.CACHE_ENV_VAR, str(tmp_path / "cache.json"))
    folder = tmp_path / "set"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.bin").write_bytes(b"alpha")
    (folder / "sub" / "b.bin").write_bytes(b"beta")
    lines = [f"{hashlib.sha256(c).hexdigest()}  ./{n}" for n, c in
             (("a.bin", b"alpha"), ("sub/b.bin", b"beta"), ("gone.bin", b""))]
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    report = ds.verify_checksums(folder, raise_on_error=False)
    assert report == {"checked": 3, "missing": ["gone.bin"], "mismatched": []}
    hashed = []
    monkeypatch.setattr(checksums, "sha256_file", lambda p: hashed.append(p) or "0" * 64)
    assert ds.verify_checksums(folder, files=["a.bin", "sub/b.bin"])["checked"] == 2
    assert hashed == []  # unchanged files come from the cache
    (folder / "a.bin").write_bytes(b"ALPHA!")  # size changes -> re-hashed, and wrong
    with pytest.raises(checksums.ChecksumError, match="a.bin"):
        ds.verify_checksums(folder, files=["a.bin"])
    assert len(hashed) == 1


def test_missing_dataset_names_location_and_source(tmp_path, monkeypatch):
    monkeypatch.setenv("SCATKIT_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=rf"{tmp_path}.*kth-tips.*SCATKIT_DATA"):
        ds.require_dataset("kth_tips_grey")


def test_lazy_exports_resolve_or_explain():
    for name in ds.__all__:
        try:
            assert callable(getattr(ds, name))
        except AttributeError as err:  # a module another engineer has not written yet
            assert "not available" in str(err) and name in str(err)
    with pytest.raises(AttributeError):
        ds.load_imagenet  # noqa: B018


# -- shared data ------------------------------------------------------------------------------------
@requires_data("kth_tips_grey")
def test_kth_tips_folder_lists_810_images_in_10_classes():
    found = list_files(ds.dataset_path("kth_tips_grey") / "KTH_TIPS_GRAY")
    assert len(found) == 810 and len(found.classes) == 10
    np.testing.assert_array_equal(np.bincount(found.labels), [81] * 10)


@requires_data("qm7")
def test_qm7_checksum_verifies():
    assert ds.require_dataset("qm7", verify=True).name == "qm7"


@requires_data("kth_tips_grey")
def test_kth_tips_subset_checksums():
    folder = ds.dataset_path("kth_tips_grey")
    names = list(checksums.read_sums(folder / "SHA256SUMS"))[:20]
    assert ds.verify_checksums(folder, files=names, use_cache=False)["checked"] == 20


@requires_data("qm7")
def test_qm7_through_the_package_exports():
    qm7 = ds.load_qm7()
    assert qm7.positions.shape == (7165, 23, 3) and qm7.energies.shape == (7165,)


@requires_data("fsdd")
def test_fsdd_through_the_package_exports_matches_read_audio():
    fsdd = ds.load_fsdd(limit=1)
    assert [int(f.split("_")[0]) for f in fsdd.files] == fsdd.labels.tolist()
    x, sr = ds.read_audio(ds.dataset_path("fsdd") / "recordings" / fsdd.files[0])
    assert sr == 8000 and x.dtype == np.float32


@requires_data("kth_tips_grey")
def test_kth_tips_loader_agrees_with_the_folder_listing():
    kth = ds.load_kth_tips(classes=["cotton"])
    assert kth.classes == ["cotton"] and len(kth.labels) == 81
