"""Quick run of ``scatkit experiment cifar10`` (a few hundred images, one draw, one epoch)."""
import json

import numpy as np
import pytest

from conftest import requires_data, requires_torch


@requires_torch
@requires_data("cifar10")
def test_quick_run(tmp_path):
    from scatkit.experiments import cifar10
    from scatkit.experiments.framework import run_experiment

    res = run_experiment("cifar10", quick=True, out=tmp_path, progress=False)
    out = tmp_path / "cifar10"
    m = res["metrics"]
    cfg = cifar10.SETTINGS[True]
    n = 10 * cfg["train_per_class"]
    for name in ("scat_linear", "scat_nystroem", "scat_kernel", "scat_kernel_mirror",
                 "hybrid_cnn", "pixel_cnn"):
        assert 0 <= m[f"test_error_pct/{name}/n{n}"] <= 100
    for name in cifar10.FEW_PIPELINES:
        assert f"test_error_pct/{name}/n{10 * cfg['few_per_class'][0]}/std" in m
    assert f"test_error_pct/rigid_linear/n{10 * cfg['rigid_per_class']}" in m
    # scattering + linear beats chance (90% error) even on 200 images
    assert m[f"test_error_pct/scat_linear/n{n}"] < 85
    assert (out / "error_vs_train_size.png").is_file()
    results = json.loads((out / "results.json").read_text())
    assert results["quick"] is True
    chosen = results["config"]["scat_kernel"]
    assert chosen["gamma_scale"] in cifar10.KERNEL_GAMMA_SCALES
    assert chosen["alpha"] in cifar10.KERNEL_ALPHAS
    mirror = results["config"]["scat_kernel_mirror"]
    assert mirror["gamma_scale"] in cifar10.MIRROR_GAMMA_SCALES
    assert mirror["alpha"] in cifar10.MIRROR_ALPHAS
    with np.load(out / "cache" / "scat_mirror_train.npz") as z:
        assert z["features"].shape == (n, 2 * cfg["kernel_pca"])
    assert "17.7" in (out / "table.md").read_text()
    # features are cached: a second run reads them back
    feats = sorted(p.name for p in (out / "cache").glob("*.npz"))
    assert "scat_train.npz" in feats and "hyb_train_flip.npz" in feats
    with np.load(out / "cache" / "scat_train.npz") as z:
        assert z["features"].shape[0] == n and np.isfinite(z["features"]).all()


def test_small_cnn_shapes():
    import pytest

    torch = pytest.importorskip("torch")
    from scatkit.experiments.cifar10 import small_cnn

    assert small_cnn(243)(torch.zeros(2, 243, 8, 8)).shape == (2, 10)
    assert small_cnn(3, stem=True)(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


def test_kernel_choice_never_sees_the_test_labels():
    """The kernel's width and penalty are chosen on training images: scrambling the
    test labels changes the reported error, not the choice."""
    from scatkit.experiments.cifar10 import kernel_ridge_error

    rng = np.random.default_rng(0)
    centres = rng.standard_normal((3, 12))
    y = rng.integers(0, 3, 300)
    X = centres[y] + 0.8 * rng.standard_normal((300, 12))
    Xtr, ytr, Xte, yte = X[:200], y[:200], X[200:], y[200:]
    err, chosen, _ = kernel_ridge_error(Xtr, ytr, Xte, yte, n_fit=120, n_val=50)
    err2, chosen2, _ = kernel_ridge_error(Xtr, ytr, Xte, rng.permutation(yte), n_fit=120, n_val=50)
    assert chosen == chosen2 and chosen["n_select_fit"] == 120 and chosen["n_select_val"] == 50
    assert err < 20 < err2  # separable clusters; scrambled labels are near chance


def _images(n, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)


def test_oversampled_scattering_samples_the_last_average_more_densely():
    from scatkit.colour import ColourScattering, to_channels_first
    from scatkit.experiments.cifar10 import oversampled_scattering

    x = _images(2)
    S = ColourScattering(2, (32, 32), L=4, colour="yuv")

    def logS(T, images):
        return np.log(np.abs(T(to_channels_first(images))) + 0.01)

    np.testing.assert_array_equal(oversampled_scattering(S, x, 1, 0.01), logS(S, x))
    O = oversampled_scattering(S, x, 2, 0.01)
    assert O.shape == (*logS(S, x).shape[:3], 16, 16)  # 32 / 2**J = 8 positions, twice as many
    np.testing.assert_allclose(O[..., ::2, ::2], logS(S, x), rtol=1e-5, atol=1e-5)
    direct = ColourScattering(2, (32, 32), L=4, colour="yuv", oversampling=1)
    np.testing.assert_allclose(O, logS(direct, x), rtol=1e-6)
    assert oversampled_scattering(S, x, 4, 0.01).shape[-2:] == (32, 32)
    for bad in (3, 8):
        with pytest.raises(ValueError, match="power of 2 dividing 2\\*\\*J = 4"):
            oversampled_scattering(S, x, bad)


def test_pca_basis_spans_the_leading_principal_subspace():
    from sklearn.decomposition import PCA

    from scatkit.experiments.cifar10 import pca_basis

    rng = np.random.default_rng(0)
    Z = rng.standard_normal((40, 6)) @ rng.standard_normal((6, 90))  # rank 6, n < d
    Z -= Z.mean(0)
    P = pca_basis(Z, 4)
    np.testing.assert_allclose(P.T @ P, np.eye(4), atol=1e-5)
    Q = PCA(4, svd_solver="full").fit(Z).components_.T
    np.testing.assert_allclose(P @ (P.T @ Q), Q, atol=1e-5)  # same subspace
    assert pca_basis(Z, 20).shape == (90, 6)  # capped at the rank


def test_selection_split_image_and_mirror_and_best_choice():
    from types import SimpleNamespace

    from scatkit.experiments.cifar10 import (best_choice, image_and_mirror, selection_images,
                                             selection_split)

    fit, val = selection_split(50000, 10000, 5000, seed=0)
    perm = np.random.default_rng(0).permutation(50000)
    np.testing.assert_array_equal(np.concatenate([fit, val]), perm[:15000])
    fit, val = selection_split(40, 30, 20)  # capped: a quarter to validation, the rest to fit
    assert len(val) == 10 and len(fit) == 30 and not set(fit) & set(val)
    data = SimpleNamespace(images=_images(40), labels=np.arange(40))
    chosen, labels = selection_images(data, 30, 20)  # the fitting images first, then validation
    np.testing.assert_array_equal(labels, np.concatenate([fit, val]))
    np.testing.assert_array_equal(chosen, data.images[labels])
    images = _images(5)
    a, b = image_and_mirror(lambda x: x.reshape(len(x), -1)[:, :4].astype(np.float32), images,
                            batch=2)
    np.testing.assert_array_equal(a, images.reshape(5, -1)[:, :4])
    np.testing.assert_array_equal(b, images[:, :, ::-1].reshape(5, -1)[:, :4])
    assert best_choice({(0.5, 0.1): 30.0, (1.0, 0.01): 25.0, (2.0, 1.0): 40.0}) == \
        ((1.0, 0.01), 25.0)


def test_fit_projection_standardises_weights_and_projects():
    from scatkit.experiments.cifar10 import fit_projection, pca_basis

    rng = np.random.default_rng(0)
    F = (rng.standard_normal((30, 12)) * rng.uniform(0.5, 4, 12) + 3).astype(np.float32)
    F[:, 5] = 2.0  # a constant feature: centred only
    mean, scale, P = fit_projection(F)
    assert P is None and mean.dtype == scale.dtype == np.float32
    Z = (F - mean) * scale
    np.testing.assert_allclose(Z.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(np.delete(Z.std(0), 5), 1, rtol=1e-5)
    np.testing.assert_array_equal(Z[:, 5], 0)
    w = rng.uniform(0.5, 3, 12)
    mean, scale, P = fit_projection(F, 4, w)
    Zw = (F.astype(np.float64) - F.mean(0, dtype=np.float64)) * w / np.where(
        F.std(0, dtype=np.float64) == 0, 1, F.std(0, dtype=np.float64))
    np.testing.assert_allclose((F - mean) * scale, Zw, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(P, pca_basis(Zw, 4), atol=1e-5)


def test_mirror_views_of_a_mirrored_image_are_swapped(tmp_path):
    """The second view of an image is the first view of its mirror image: the
    features that make scat_kernel_mirror's kernel invariant to flips."""
    from scatkit.experiments.cifar10 import mirror_view_features
    from scatkit.experiments.framework import Context

    ctx = Context(name="cifar10", quick=True, out_dir=tmp_path, progress=False)
    train, x = _images(12), _images(3, seed=1)
    test = np.concatenate([x, x[:, :, ::-1]])
    Ftr, Fte, seconds = mirror_view_features(ctx, "m", train, test, 2, 4, n_components=5,
                                             n_pca_fit=10)
    assert Ftr.shape == (12, 10) and Fte.shape == (6, 10) and seconds > 0
    views = Fte.reshape(6, 2, 5)
    np.testing.assert_allclose(views[3:, 0], views[:3, 1], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(views[3:, 1], views[:3, 0], rtol=1e-4, atol=1e-4)
    assert not np.allclose(views[:, 0], views[:, 1], atol=1e-3)  # the views differ
    # cached: read back, not recomputed
    again = mirror_view_features(ctx, "m", train, test, 2, 4, n_components=5, n_pca_fit=10)
    np.testing.assert_array_equal(again[0], Ftr)
    assert again[2] == 0.0
    # other parameters: recomputed, not read back
    other = mirror_view_features(ctx, "m", train, test, 2, 4, n_components=4, n_pca_fit=10)
    assert other[0].shape == (12, 8) and other[2] > 0
    # extra scales: their features join before the PCA (more directions available), and the
    # cache made without them is not read back
    extra = mirror_view_features(ctx, "m", train, test, 2, 4, n_components=4, n_pca_fit=10,
                                 extra_J=(1,))
    assert extra[0].shape == (12, 8) and extra[2] > 0
    assert not np.allclose(extra[0], other[0], atol=1e-3)
    # the feature weights change the features and are part of the cache key
    weighted = mirror_view_features(ctx, "m", train, test, 2, 4, n_components=4,
                                    n_pca_fit=10, low_order_weight=1.0, chroma_weight=1.0)
    assert weighted[2] > 0 and not np.allclose(weighted[0], other[0], atol=1e-3)
    with pytest.raises(ValueError, match="low_order_weight"):
        mirror_view_features(ctx, "bad", train, test, 2, 4, n_components=4, n_pca_fit=10,
                             low_order_weight=0.0)
    assert not list(tmp_path.rglob("bad_*.npz"))  # nothing written


def test_feature_weights_follow_the_layout_of_the_features():
    """The weighted features are exactly those of the paths of orders 0 and 1 (and of
    the U and V channels), at every position, with and without oversampling."""
    from scatkit.colour import ColourScattering
    from scatkit.experiments.cifar10 import feature_weights, oversampled_scattering

    S = ColourScattering(2, (32, 32), L=4, colour="yuv")
    order = np.asarray(S.meta()["order"])
    images = _images(2)
    for o in (1, 2):
        F = oversampled_scattering(S, images, o)
        w = feature_weights(order, F[0, 0, 0].size, 2.5, 0.5)
        assert w.shape == (F[0].size,) and set(np.unique(w)) == {0.5, 1.0, 1.25, 2.5}
        flat = F.reshape(2, -1)
        np.testing.assert_array_equal(flat[:, w == 2.5], F[:, 0, order <= 1].reshape(2, -1))
        np.testing.assert_array_equal(flat[:, w == 1.0], F[:, 0, order == 2].reshape(2, -1))
        np.testing.assert_array_equal(flat[:, w == 1.25], F[:, 1:, order <= 1].reshape(2, -1))
        np.testing.assert_array_equal(flat[:, w == 0.5], F[:, 1:, order == 2].reshape(2, -1))
    np.testing.assert_array_equal(feature_weights(order, 4), 1.0)
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="positive"):
            feature_weights(order, 4, low_order_weight=bad)
        with pytest.raises(ValueError, match="chroma_weight"):
            feature_weights(order, 4, chroma_weight=bad)
