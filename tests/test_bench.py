"""``scatkit bench``: quick runs without the peer, the agreement check, the FFT plan."""

from __future__ import annotations

import json

import numpy as np
import pytest

import scatkit
from scatkit.bench import WORKLOADS
from scatkit.bench.peer import default_env_path, peer_works
from scatkit.bench.runner import compare, fft_plan
from scatkit.cli.main import main


def test_bench_cli_tiny_without_peer(capsys, tmp_path):
    out = tmp_path / "bench.json"
    rc = main(["bench", "1d-tiny", "2d-tiny", "3d-tiny", "--no-peer", "--repeats", "1",
               "--no-memory", "--threads", "1", "--json", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "| 1d-tiny" in text and "| 2d-tiny" in text and "| 3d-tiny" in text
    assert "FFT floor" in text
    data = json.loads(out.read_text())
    row = data["results"][0]
    assert set(row["times"]) >= {"ours numpy", "ours torch", "ours fast numpy", "ours fast torch"}
    assert all(t > 0 for v in row["times"].values() for t in v)
    assert row["floor_medians"]["numpy"] > 0


def test_bench_rejects_unknown_workload(capsys):
    assert main(["bench", "no-such-workload", "--no-peer"]) == 1
    assert "unknown workload" in capsys.readouterr().err


def test_compare_finds_power_of_two_channel_scales():
    rng = np.random.default_rng(0)
    ours = rng.standard_normal((2, 5, 8))
    ref = ours / (2.0 ** np.array([0, 1, 1, 3, 4]))[None, :, None]
    err, note = compare(ours, ref, "1d")
    assert err < 1e-12 and "2^0..2^4" in note
    err2d, _ = compare(ours, ref, "2d")  # no rescaling in 2D: the difference shows
    assert err2d > 0.1


def test_fft_plan_counts_the_cascade_ffts():
    S = scatkit.Scattering2D(2, (28, 28), L=4)
    ops = fft_plan(S, batch=3)
    groups = S.plan.groups
    assert sum(k == "ifft" for k, _, _ in ops) == sum(g.order > 0 for g in groups)
    assert sum(k == "rfft" for k, _, _ in ops) == len(groups)
    assert sum(shape[1] for k, shape, _ in ops if k == "irfft") == S.output_channels


def test_fft_plan_of_the_harmonic_3d_transform():
    J, L = 2, 2
    S = scatkit.HarmonicScattering3D(J, (16, 16, 16), L=L)
    ops = fft_plan(S, batch=3)
    half = S._numpy_filters()["scales"][0]["half"].shape[0]
    inverse = [shape for k, shape, _ in ops if k == "irfft"]
    assert len(inverse) == (J + 1) + J * (J + 1) // 2  # first order, then j2 > j1
    assert all(shape == (3, half, 16, 16, 16) for shape in inverse)
    assert sum(k == "rfft" for k, _, _ in ops) == 1 + J


def test_workloads_of_the_issue_table():
    w = WORKLOADS["2d-small"]
    assert (w.params, w.shape, w.batch) == ({"J": 2, "L": 8}, (28, 28), 1024)
    assert WORKLOADS["ctor"].shape == (2**17,)


@pytest.mark.slow
@pytest.mark.skipif(not peer_works(default_env_path()),
                    reason=f"no Kymatio environment at {default_env_path()}")
def test_bench_agrees_with_kymatio_tiny(capsys):
    rc = main(["bench", "2d-tiny", "1d-tiny", "--repeats", "1", "--no-memory", "--threads", "1"])
    assert rc == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")][1:]
    assert len(rows) == 2 and all("| ok " in r for r in rows)
