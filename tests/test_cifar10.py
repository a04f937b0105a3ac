"""CIFAR-10 loader (shared JPEG tar and official batches) and colour scattering."""
import pickle
import tarfile

import numpy as np
import pytest

from conftest import requires_data
from scatkit.colour import RGB_TO_YUV, ColourScattering, rgb_to_yuv, to_channels_first
from scatkit.datasets import cifar10 as c10
from scatkit.datasets import load_cifar10


@requires_data("cifar10")
def test_tar_split_sizes_and_order():
    from scatkit.datasets.paths import dataset_path

    with tarfile.open(dataset_path("cifar10") / c10.TAR_NAME) as tar:
        for split, size in c10.SPLITS.items():
            members, classes, labels = c10._tar_members(tar, split, None)
            assert len(members) == size
            assert tuple(classes) == c10.CLASSES
            assert np.all(np.bincount(labels) == size // 10)
            names = [m.name for m in members]
            assert names == sorted(names)


@requires_data("cifar10")
def test_load_subset_deterministic_and_cached(tmp_path):
    a = load_cifar10(split="test", max_per_class=3, cache_dir=tmp_path)
    assert a.images.shape == (30, 32, 32, 3) and a.images.dtype == np.uint8
    assert a.labels.dtype == np.int64 and list(np.bincount(a.labels)) == [3] * 10
    assert a.files[0] == "test/airplane/0000.jpg"
    assert len(list(tmp_path.glob("*.npz"))) == 1
    b = load_cifar10(split="test", max_per_class=3, cache_dir=tmp_path)  # from the cache
    np.testing.assert_array_equal(a.images, b.images)
    assert a.files == b.files and a.classes == b.classes
    assert 20 < a.images.mean() < 235  # real images, not blank


def _fake_batches(folder, binary):
    rng = np.random.default_rng(0)
    data = {}
    for name, n in [*((f"data_batch_{i}", 4) for i in range(1, 6)), ("test_batch", 6)]:
        flat = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        lab = rng.integers(0, 10, n)
        data[name] = (flat, lab)
        if binary:
            np.concatenate([lab[:, None].astype(np.uint8), flat], 1).tofile(folder / f"{name}.bin")
        else:
            with open(folder / name, "wb") as fh:
                pickle.dump({b"data": flat, b"labels": list(lab)}, fh)
    if not binary:
        with open(folder / "batches.meta", "wb") as fh:
            pickle.dump({b"label_names": [c.encode() for c in c10.CLASSES]}, fh)
    return data


@pytest.mark.parametrize("binary", [False, True])
def test_official_batches(tmp_path, binary):
    data = _fake_batches(tmp_path, binary)
    d = load_cifar10(tmp_path, split="test")
    flat, lab = data["test_batch"]
    assert d.images.shape == (6, 32, 32, 3) and d.images.dtype == np.uint8
    # pixel (row 1, col 2) of channel G is byte 1024 + 32 + 2
    np.testing.assert_array_equal(d.images[:, 1, 2, 1], flat[:, 1024 + 34])
    np.testing.assert_array_equal(d.labels, lab)
    assert list(d.classes) == list(c10.CLASSES)
    assert len(load_cifar10(tmp_path, split="train")) == 20


def test_bad_input(tmp_path):
    with pytest.raises(ValueError, match="split"):
        load_cifar10(tmp_path, split="validation")
    with pytest.raises(FileNotFoundError, match="data_batch_1"):
        load_cifar10(tmp_path)
    with pytest.raises(ValueError, match="max_per_class"):
        load_cifar10(tmp_path, max_per_class=0)
    with pytest.raises(ValueError, match="channels-last"):
        to_channels_first(np.zeros((4, 32, 32)))
    with pytest.raises(ValueError, match="colour"):
        ColourScattering(2, (32, 32), colour="hsv")


def test_yuv_matrix_properties():
    # white -> luminance 1, zero chrominance; grey levels have no chrominance
    np.testing.assert_allclose(RGB_TO_YUV @ np.ones(3), [1, 0, 0], atol=1e-4)
    x = np.random.default_rng(0).random((2, 3, 4, 5)).astype(np.float32)
    y = rgb_to_yuv(x)
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_allclose(y[:, 0], 0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2],
                               rtol=1e-5)


def test_colour_scattering_layout_matches_per_channel():
    from scatkit import Scattering2D

    x = np.random.default_rng(1).random((2, 3, 32, 32)).astype(np.float32)
    S = ColourScattering(2, (32, 32), L=4, colour="rgb")
    out = S(x)
    assert out.shape == (2, 3, S.meta()["order"].shape[0], 8, 8) and out.dtype == np.float32
    np.testing.assert_allclose(out[:, 1], Scattering2D(2, (32, 32), L=4)(x[:, 1]), rtol=1e-5,
                               atol=1e-7)
    yuv = ColourScattering(2, (32, 32), L=4, colour="yuv")(x)
    np.testing.assert_allclose(yuv, S(rgb_to_yuv(x)), rtol=1e-5, atol=1e-7)
    assert S.output_shape() == out.shape[1:]


def test_colour_scattering_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).random((1, 3, 32, 32)).astype(np.float32)
    S = ColourScattering(2, (32, 32), L=4)
    t = S(torch.from_numpy(x))
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float32
    np.testing.assert_allclose(t.numpy(), S(x), rtol=1e-4, atol=1e-6)
