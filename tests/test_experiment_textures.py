"""KTH-TIPS loader and the textures experiment (``--quick``, helpers)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import requires_data

from scatkit import RigidMotionScattering2D
from scatkit.datasets.kth_tips import fit_to_size, load_kth_tips
from scatkit.experiments import textures


# -- loader ---------------------------------------------------------------------------
def _fake_dataset(root, sizes):
    from PIL import Image

    rng = np.random.default_rng(0)
    for c, shapes in sizes.items():
        folder = root / "KTH_TIPS_GRAY" / c
        folder.mkdir(parents=True)
        for i, (h, w) in enumerate(shapes):
            Image.fromarray(rng.integers(0, 256, (h, w), dtype=np.uint8)).save(
                folder / f"im_{i}.png")
    return root


def test_loader_fits_small_and_large_images(tmp_path):
    root = _fake_dataset(tmp_path, {"b_cls": [(20, 20), (15, 26)], "a_cls": [(20, 20)]})
    data = load_kth_tips(root, size=20)
    assert data.classes == ["a_cls", "b_cls"]
    assert data.images.shape == (3, 20, 20) and data.images.dtype == np.float32
    assert data.labels.tolist() == [0, 1, 1]
    assert data.files[0] == "a_cls/im_0.png"
    assert data.fitted.tolist() == [False, False, True]
    assert data.original_shapes[2].tolist() == [15, 26]
    assert 0.0 <= data.images.min() and data.images.max() <= 1.0
    native = load_kth_tips(root, size=None)
    assert [im.shape for im in native.images] == [(20, 20), (20, 20), (15, 26)]


def test_fit_to_size_crops_centre_and_mirrors():
    x = np.arange(6 * 4, dtype=float).reshape(6, 4)
    y = fit_to_size(x, 4)
    np.testing.assert_array_equal(y[:, :], np.pad(x[1:5], ((0, 0), (0, 0))))
    z = fit_to_size(np.arange(4.0)[None].repeat(4, 0), 6)[0]
    np.testing.assert_array_equal(z, [0, 0, 1, 2, 3, 3])  # symmetric mirror, centred
    with pytest.raises(ValueError, match="mirror-padded"):
        fit_to_size(np.zeros((2, 2)), 5)


def test_loader_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="class folders"):
        load_kth_tips(tmp_path)
    root = _fake_dataset(tmp_path / "d", {"a": [(8, 8)]})
    with pytest.raises(ValueError, match="unknown classes"):
        load_kth_tips(root, classes=["zebra"])


@requires_data("kth_tips_grey")
def test_real_dataset_counts():
    data = load_kth_tips()
    assert data.images.shape == (810, 200, 200)
    assert np.bincount(data.labels).tolist() == [81] * 10
    assert int(data.fitted.sum()) == 63


# -- helpers --------------------------------------------------------------------------
def test_power_spectrum_features_shape_and_scale():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 32, 32))
    f = textures.power_spectrum_features(x, bins=(8, 4))
    assert f.shape == (3, 32)
    # white noise: flat spectrum, log power near log(1) in every bin
    assert abs(np.median(f)) < 0.5
    g = textures.power_spectrum_features(2.0 * x, bins=(8, 4))
    np.testing.assert_allclose(g - f, np.log(4.0), atol=1e-4)


def test_random_splits_are_disjoint_and_balanced():
    labels = np.repeat(np.arange(3), 10)
    for train, test in textures.random_splits(labels, 4, 5, np.random.default_rng(0)):
        assert np.bincount(labels[train]).tolist() == [4, 4, 4]
        assert len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == 30


def test_disc_mask_inside_the_rotated_image():
    S = RigidMotionScattering2D(4, (200, 200), L=8)
    mask = textures.disc_mask(S, 200)
    assert mask.shape == S.output_shape()[1:]
    rows = textures.output_positions(S, 0)
    assert rows[0] == 4 and np.all(np.diff(rows) == 16)
    r = np.hypot(*np.meshgrid(rows - 99.5, rows - 99.5, indexing="ij"))
    assert r[mask].max() <= 100 - 3 * 0.8 * 16
    assert 20 < mask.sum() < mask.size


def test_dilate_images_shrinks_and_standardises():
    x = np.random.default_rng(0).standard_normal((2, 64, 64)).astype(np.float32) * 3 + 1
    small = textures.dilate_images(x, 0.5)
    assert small.shape == (2, 32, 32) and small.dtype == np.float32
    np.testing.assert_allclose(small.mean(axis=(1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(small.std(axis=(1, 2)), 1.0, rtol=1e-5)
    assert textures.dilate_images(x, 1.0) is x
    for bad in (0.0, -0.5, 0.01):
        with pytest.raises(ValueError, match="dilation factor"):
            textures.dilate_images(x, bad)


def test_dilation_average_is_the_mean_of_the_log_vectors():
    a, b = np.full((3, 4), 1.0), np.full((3, 4), 3.0)
    np.testing.assert_array_equal(textures.dilation_average([a, b]), np.full((3, 4), 2.0))


def test_classify_separates_easy_classes():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 12)
    X = rng.standard_normal((36, 5)) + 10.0 * labels[:, None]
    train, test = textures.random_splits(labels, 5, 1, rng)[0]
    assert textures.classify(X, labels, train, test) == 100.0


# -- the experiment ---------------------------------------------------------------------
@requires_data("kth_tips_grey")
def test_quick_experiment(tmp_path):
    from scatkit.experiments.framework import run_experiment

    res = run_experiment("textures", quick=True, out=tmp_path, progress=False)
    saved = json.loads((tmp_path / "textures" / "results.json").read_text())
    assert saved["quick"] is True and saved["experiment"] == "textures"
    m = res["metrics"]
    for name in ("fourier", "translation", "rigid_motion", "rigid_motion_log",
                 "rigid_motion_log_scale", "rigid_motion_log_dilations", "rigid_motion_lognorm",
                 "rigid_motion_lognorm_dilations"):
        for stat in ("mean", "std"):
            assert 0.0 <= m[f"accuracy_pct/{name}/n5/{stat}"] <= 100.0
    # the dilation window is picked by CV among 1..4 dilations
    assert 1.0 <= m["chosen_candidate/rigid_motion_lognorm_dilations/n5/mean"] <= 4.0
    # exact quarter-turn invariance with periodic boundaries, none for translation
    assert m["rel_change/rigid_motion/rot90_periodic/max"] < 1e-5
    assert m["rel_change/translation/rot90_periodic/mean"] > 0.05
    # rotation invariance measured on real textures, rigid motion far below translation
    assert (m["rel_change/rigid_motion/random_angle/mean"]
            < 0.5 * m["rel_change/translation/random_angle/mean"])
    assert "rigid_motion_rotated_test" in " ".join(m)
    assert {"kth_tips", "rotation_test", "invariance"} <= set(res["tables"])
    assert "Sifre & Mallat 2013, 5/class" in res["tables"]["kth_tips"]["columns"]
    assert list((tmp_path / "textures").glob("cache_*.npz"))  # features cached


def test_classify_select_picks_by_cross_validation_only():
    """The candidate is chosen from the training images: a test-set-only signal
    (labels written into the test rows of a candidate) cannot make it win."""
    from scatkit.experiments.textures import classify_select

    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 12)
    informative = rng.standard_normal((36, 6)) + 3.0 * np.eye(3, 6)[labels]
    noise = rng.standard_normal((36, 6))
    train = np.concatenate([np.flatnonzero(labels == c)[:6] for c in range(3)])
    test = np.setdiff1d(np.arange(36), train)
    leaky = noise.copy()
    leaky[test] += 10.0 * np.eye(3, 6)[labels[test]]  # only the test rows carry the labels
    acc, best = classify_select([leaky, informative], labels, train, test)
    assert best == 1 and acc > 80.0
    acc, best = classify_select([informative, noise], labels, train, test)
    assert best == 0

