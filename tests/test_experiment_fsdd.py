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
    for feats in ("mfcc", "scat1", "scat2", "jtfs", "scat2_seg", "jtfs_seg"):
        for proto in ("official", "loso/mean", "loso/std"):
            v = res["metrics"][f"accuracy_pct/{feats}/{proto}"]
            assert 0 <= v <= 100
        # better than chance (10 %) on the official split, even on the quick problem
        assert res["metrics"][f"accuracy_pct/{feats}/official"] > 30
    for fig in ("confusion_jtfs.png", "confusion_scat2.png", "jtfs_chirps.png"):
        assert (out / fig).stat().st_size > 1000
    assert "98" in (out / "table.md").read_text()
    # features are cached: a second run reuses them
    assert len(list(out.glob("cache_*.npz"))) == 3
    for feats in ("scat2", "jtfs", "scat2_seg", "jtfs_seg"):
        assert res["metrics"][f"logreg_C/{feats}/official"] in (0.01, 0.1, 1.0, 10.0)


def test_recording_frames_cover_the_recording_inside_its_padding():
    from scatkit.datasets.audio import fit_length
    from scatkit.experiments.fsdd import recording_frames

    length, n_frames = 64, 8  # hop 8
    n = np.array([64, 100, 16, 1, 20])
    frames = recording_frames(n, length, n_frames)
    hop = length // n_frames
    for k, m in enumerate(n):
        x = fit_length(np.ones(m), length)
        support = np.flatnonzero(x)
        # the frames [first, stop) are exactly those that contain a sample of the recording
        has = [np.any(x[f * hop:(f + 1) * hop]) for f in range(n_frames)]
        assert list(np.flatnonzero(has)) == list(range(*frames[k])), (m, frames[k], support)


def test_segment_average_is_the_mean_of_each_part():
    from scatkit.experiments.fsdd import segment_average

    rng = np.random.default_rng(0)
    L = rng.standard_normal((3, 4, 10))
    frames = np.array([[0, 10], [2, 6], [5, 6]])
    out = segment_average(L, frames, 2)
    assert out.shape == (3, 8)
    np.testing.assert_allclose(out[0], np.concatenate([L[0, :, :5].mean(-1), L[0, :, 5:].mean(-1)]))
    np.testing.assert_allclose(out[1], np.concatenate([L[1, :, 2:4].mean(-1), L[1, :, 4:6].mean(-1)]))
    # a one-frame recording: both parts are that frame
    np.testing.assert_allclose(out[2], np.concatenate([L[2, :, 5], L[2, :, 5]]))
