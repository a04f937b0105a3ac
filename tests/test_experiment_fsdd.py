"""The FSDD loader and a --quick run of ``scatkit experiment fsdd``."""

import json

import numpy as np
import pytest
from conftest import requires_data

pytestmark = requires_data("fsdd")


def test_load_fsdd_official_split():
    from scatkit.datasets.fsdd import load_fsdd

    data = load_fsdd(length=4096, limit=6)
    signals, labels, speakers, takes, files = data
    assert signals.shape == (6 * 10 * 6, 4096) and signals.dtype == np.float32
    assert set(labels.tolist()) == set(range(10)) and len(set(speakers.tolist())) == 6
    assert takes.max() == 5 and data.test_mask.sum() == 6 * 10 * 5
    name = files[0]
    d, s, t = name[:-4].split("_")
    assert (int(d), s, int(t)) == (labels[0], speakers[0], takes[0])


def test_load_fsdd_missing_folder(tmp_path):
    from scatkit.datasets.fsdd import load_fsdd

    with pytest.raises(FileNotFoundError, match="FSDD"):
        load_fsdd(tmp_path)


def test_experiment_quick(tmp_path):
    from scatkit.experiments.framework import run_experiment

    run_experiment("fsdd", quick=True, out=tmp_path, progress=False)
    out = tmp_path / "fsdd"
    res = json.loads((out / "results.json").read_text())
    assert res["quick"] is True
    for feats in ("mfcc", "scat1", "scat2", "scat2_short", "jtfs"):
        for proto in ("official", "loso/mean", "loso/std"):
            v = res["metrics"][f"accuracy_pct/{feats}/{proto}"]
            assert 0 <= v <= 100
        # better than chance (10 %) on the official split, even on the quick problem
        assert res["metrics"][f"accuracy_pct/{feats}/official"] > 30
    for fig in ("confusion_jtfs.png", "confusion_scat2.png", "jtfs_chirps.png"):
        assert (out / fig).stat().st_size > 1000
    assert "98" in (out / "table.md").read_text()
    # features are cached: a second run reuses them
    assert len(list(out.glob("cache_*.npz"))) == 4
