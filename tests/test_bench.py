"""``scatkit bench``: quick runs without the peer, the agreement check, the FFT plan."""

from __future__ import annotations

import json

import numpy as np
import pytest

import scatkit
from scatkit.bench import WORKLOADS
from scatkit.bench.peer import default_env_path, peer_works
from scatkit.bench.runner import compare, fft_plan
from scatkit.transforms.cascade import low_pass_in_space
from scatkit.cli.main import main


@pytest.fixture(autouse=True)
def _short_pauses(monkeypatch):
    """The idle before each timed call (runner.PAUSE_S) matters for real timings only."""
    monkeypatch.setattr("scatkit.bench.runner.PAUSE_S", 0.001)


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
    assert row["floor_medians"]["fast numpy"] > 0  # fast mode's own FFTs


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
    # on this small grid every low-pass is computed in space (no inverse FFT); only the
    # moduli that some group reads need their FFT
    assert all(low_pass_in_space(S.cascade_ops(np.float32), g) is not None for g in groups)
    assert sum(k == "rfft" for k, _, _ in ops) == sum(g.has_children for g in groups) == 2
    assert not any(k == "irfft" for k, _, _ in ops)
    big = scatkit.Scattering2D(4, (256, 256), L=4)  # 288 x 288: the FFT route at k = 0
    big_ops = fft_plan(big, batch=1)
    assert (sum(shape[1] for k, shape, _ in big_ops if k == "irfft")
            == sum(len(g.paths) for g in big.plan.groups
                   if low_pass_in_space(big.cascade_ops(np.float32), g) is None) > 0)


@pytest.mark.parametrize("make,shape", [
    (lambda: scatkit.Scattering1D(6, 1024, Q=4), (1024,)),
    (lambda: scatkit.Scattering2D(4, (256, 256), L=4), (256, 256)),
    (lambda: scatkit.Scattering2D(2, (28, 28), L=4), (28, 28)),
])
def test_fft_plan_lists_the_ffts_a_call_performs(make, shape, monkeypatch):
    """The floor times what the transform does: the FFTs of one call on one input,
    recorded at the backend, are those of ``fft_plan`` (kinds and shapes)."""
    from scatkit.backends import numpy_backend

    S = make()
    x = np.random.default_rng(0).standard_normal((1,) + shape).astype(np.float32)
    S(x)  # filters and terms built before recording
    seen = []
    for kind in ("fft", "ifft", "rfft", "irfft"):
        method = getattr(numpy_backend.NumpyBackend, kind)

        def spy(self, a, *args, kind=kind, method=method, **kwargs):
            out = method(self, a, *args, **kwargs)
            seen.append((kind, tuple((out if kind == "irfft" else a).shape)))
            return out

        monkeypatch.setattr(numpy_backend.NumpyBackend, kind, spy)
    S(x)
    planned = [(kind, tuple(shape)) for kind, shape, _ in fft_plan(S, batch=1)]
    assert sorted(seen) == sorted(planned)
    assert sum(kind == "irfft" for kind, _ in seen) <= 1  # all low-passes in one call


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


def test_bench_device_is_checked(capsys):
    assert main(["bench", "1d-tiny", "--no-peer", "--device", "tpu"]) == 1
    assert "device must be" in capsys.readouterr().err


def test_cuda_protocol_runs_on_cpu_without_peer():
    """``run_workload_cuda`` (the GPU table's protocol) exercised with torch on the CPU."""
    from scatkit.bench import format_table_cuda, run_workload_cuda

    res = [run_workload_cuda(WORKLOADS[n], None, repeats=1, device="cpu", log=lambda m: None)
           for n in ("1d-tiny", "2d-tiny", "ctor")]
    assert set(res[0].times) == {"ours torch", "ours fast torch"}
    assert all(t > 0 for v in res[1].times.values() for t in v)
    assert res[1].median("torch", "floor") > 0
    assert not res[2].times and "CPU table" in res[2].notes[0]
    table = format_table_cuda(res, "test device")
    assert "| 2d-tiny" in table and "test device" in table


def test_worker_scipy_alias_has_the_old_argument_order():
    """The worker's ``sph_harm`` alias (SciPy >= 1.17) takes (m, l, azimuth, polar):
    Y_1^1 = -1/2 sqrt(3 / (2 pi)) sin(polar) exp(i azimuth)."""
    import importlib.util

    import scipy.special as special

    spec = importlib.util.spec_from_file_location(
        "_worker", scatkit.bench.peer.WORKER)
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    had = hasattr(special, "sph_harm")
    saved = getattr(special, "sph_harm", None)
    try:
        if had:
            del special.sph_harm
        if not hasattr(special, "sph_harm_y"):
            pytest.skip("this SciPy has neither sph_harm nor sph_harm_y")
        worker._scipy_compat()
        az, polar = 0.7, 1.1
        expected = -0.5 * np.sqrt(3 / (2 * np.pi)) * np.sin(polar) * np.exp(1j * az)
        np.testing.assert_allclose(special.sph_harm(1, 1, az, polar), expected, rtol=1e-12)
    finally:
        if had:
            special.sph_harm = saved
        elif hasattr(special, "sph_harm"):
            del special.sph_harm


@pytest.mark.slow
@pytest.mark.skipif(not peer_works(default_env_path()),
                    reason=f"no Kymatio environment at {default_env_path()}")
def test_cuda_protocol_agrees_with_kymatio_on_cpu():
    from scatkit.bench import run_workload_cuda
    from scatkit.bench.peer import PeerWorker, env_python

    with PeerWorker(None, 1, python=str(env_python(default_env_path()))) as peer:
        res = run_workload_cuda(WORKLOADS["2d-tiny"], peer, repeats=1, device="cpu",
                                log=lambda m: None)
    assert res.agreement.startswith("ok") and "kymatio torch" in res.times


def test_bench_says_when_torch_inputs_ran_through_numpy(monkeypatch, tmp_path):
    from scatkit.backends.torch_backend import TorchBackend

    monkeypatch.setattr(TorchBackend, "cpu_via_numpy", True)
    out = tmp_path / "b.json"
    assert main(["bench", "1d-tiny", "--no-peer", "--repeats", "1", "--no-memory",
                 "--json", str(out)]) == 0
    row = json.loads(out.read_text())["results"][0]
    assert row["torch_via_numpy"] and "NumPy backend" in " ".join(row["notes"])
    assert main(["bench", "1d-tiny", "--no-peer", "--repeats", "1", "--no-memory", "--torch-fft",
                 "--json", str(out)]) == 0
    assert not json.loads(out.read_text())["results"][0]["torch_via_numpy"]
