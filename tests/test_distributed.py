"""Dask: scatter_dask equals the single-process transform, locally and on a two-process
LocalCluster (loopback), and ``scatkit features --scheduler`` gives the same store."""

from __future__ import annotations


import numpy as np
import pytest

import scatkit

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from scatkit.distributed import TransformRef, scatter_dask  # noqa: E402


def test_scatter_dask_matches_direct_call_with_leading_axes():
    S = scatkit.Scattering1D(4, 256, Q=2)
    x = np.random.default_rng(0).standard_normal((3, 5, 256)).astype(np.float32)
    y = scatter_dask(S, da.from_array(x, chunks=(2, 2, 64)))
    assert y.shape == (3, 5) + S.output_shape() and y.dtype == np.float32
    assert y.chunks[:2] == ((2, 1), (2, 2, 1))
    np.testing.assert_array_equal(y.compute(scheduler="sync"), S(x))


def test_scatter_dask_rejects_wrong_signal_shape():
    S = scatkit.Scattering2D(2, (16, 16))
    with pytest.raises(ValueError, match=r"\(16, 16\)"):
        scatter_dask(S, da.zeros((4, 16, 20)))


def test_transform_ref_ships_no_filters():
    S = scatkit.Scattering2D(2, (32, 32))
    x = np.random.default_rng(3).random((32, 32), dtype=np.float32)
    y = S(x)  # builds and caches the filters
    ref = TransformRef(S)
    assert len(ref.payload) < 20_000  # the filters (hundreds of kB here) are not shipped
    assert ref.get() is ref.get()  # unpickled once per process
    np.testing.assert_array_equal(ref.get()(x), y)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                       host="127.0.0.1", dashboard_address=None)
    with cluster, distributed.Client(cluster) as c:
        yield c


def test_local_cluster_features_equal_single_process(client):
    S = scatkit.Scattering2D(2, (32, 32), L=4)
    x = np.random.default_rng(1).standard_normal((10, 32, 32)).astype(np.float32)
    y = scatter_dask(S, da.from_array(x, chunks=(3, 32, 32)))
    got = client.compute(y).result()
    assert len(client.scheduler_info()["workers"]) == 2
    np.testing.assert_array_equal(got, S(x))


def test_cli_on_scheduler_equals_single_process(client, tmp_path):
    PIL = pytest.importorskip("PIL.Image")
    from scatkit.cli.main import main
    from scatkit.datasets.features import load_features

    rng = np.random.default_rng(2)
    for cls in ("x", "y"):
        (tmp_path / "in" / cls).mkdir(parents=True)
        for i in range(3):
            PIL.fromarray((rng.random((24, 24)) * 255).astype(np.uint8)).save(
                tmp_path / "in" / cls / f"{i}.png")
    common = [str(tmp_path / "in"), "--transform", "2d", "--J", "2", "--L", "4",
              "--chunk-size", "2", "--no-progress"]
    assert main(["features", *common, "-o", str(tmp_path / "one.zarr")]) == 0
    assert main(["features", *common, "-o", str(tmp_path / "many.zarr"),
                 "--scheduler", client.scheduler.address]) == 0
    one, many = load_features(tmp_path / "one.zarr"), load_features(tmp_path / "many.zarr")
    np.testing.assert_array_equal(one["features"], many["features"])
    np.testing.assert_array_equal(one["labels"], many["labels"])
    assert one["files"] == many["files"]
