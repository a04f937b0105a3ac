"""Quick run of ``scatkit experiment cifar10`` (a few hundred images, one draw, one epoch)."""
import json

import numpy as np

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
    for name in ("scat_linear", "scat_nystroem", "scat_kernel", "hybrid_cnn", "pixel_cnn"):
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
