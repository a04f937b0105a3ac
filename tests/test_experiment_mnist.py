"""The MNIST experiment: --quick run writes the documented keys, tables and figure;
the protocol's split is disjoint and reproducible."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("torch")

from scatkit.experiments import mnist  # noqa: E402
from scatkit.experiments.framework import run_experiment  # noqa: E402


def test_split_disjoint_and_reproducible():
    test, draws = mnist.split(1000, 400, (100, 300), 3, seed=0)
    test2, draws2 = mnist.split(1000, 400, (100, 300), 3, seed=0)
    assert np.array_equal(test, test2)
    for size, sets in draws.items():
        assert len(sets) == 3
        for a, b in zip(sets, draws2[size]):
            assert np.array_equal(a, b)
            assert len(np.unique(a)) == size and not set(a) & set(test)
        assert not np.array_equal(sets[0], sets[1])
    with pytest.raises(ValueError, match="exceeds"):
        mnist.split(1000, 400, (700,), 1, seed=0)


def test_squared_distances():
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((5, 3)), rng.standard_normal((4, 3))
    expect = ((A[:, None] - B[None]) ** 2).sum(-1)
    assert np.allclose(mnist.squared_distances(A, B), expect)


def test_convnet_epochs_recipe():
    assert mnist.convnet_epochs(300) == 50
    assert mnist.convnet_epochs(5000) == mnist.CONVNET_MIN_EPOCHS


def test_quick_run(tmp_path):
    res = run_experiment("mnist", quick=True, out=tmp_path, progress=False)
    on_disk = json.loads((tmp_path / "mnist" / "results.json").read_text())
    assert on_disk["metrics"] == res["metrics"] and res["quick"] is True
    m = res["metrics"]
    for n in mnist.QUICK_SIZES:
        for feat in mnist.FEATURES:
            for clf in mnist.CLASSIFIERS:
                for stat in ("mean", "std"):
                    assert 0 <= m[f"test_error_pct/{feat}_{clf}/n{n}/{stat}"] <= 100
        assert f"test_error_pct/convnet/n{n}/mean" in m
    # even on 300 digits, scattering + PCA beats chance by far and beats pixels + PCA
    assert m["test_error_pct/scat2_pca/n300/mean"] < 15
    assert m["test_error_pct/scat2_pca/n300/mean"] < m["test_error_pct/pixels_pca/n300/mean"]
    assert "mnist_test_error_pct" in res["tables"]
    table = (tmp_path / "mnist" / "table.md").read_text()
    assert "scat2_pca (paper)" in table and "4.7" in table
    assert (tmp_path / "mnist" / "error_vs_train_size.png").stat().st_size > 1000
