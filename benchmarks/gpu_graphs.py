"""Where our CUDA time goes, and whether CUDA graphs would remove the launch cost.

For each benchmark workload (exact and fast mode, float32 on the GPU, the
default chunk budget) this prints one Markdown row:

- ``eager ms``: median of ``REPEATS`` calls, each up to ``torch.cuda.synchronize``;
- ``kernels`` and ``busy ms``: the CUDA kernels of one call and the sum of
  their durations, from ``torch.profiler`` (the device's busy time: what is
  left of a call beyond it is launch and host overhead);
- ``no check ms``: eager again with ``check_finite=False`` (the input check
  reads one boolean back from the device: a host synchronisation per call);
- ``graph ms``: median time of a call through
  :class:`scatkit.torch.CUDAGraphScattering` (``copy=False``: the input copied
  into the graph's static input, and one replay; ``check_finite=False``), the
  largest difference of its output to the eager one, and the device memory
  the capture reserved (``torch.cuda.memory_reserved``: the graph's private
  pool, held while the graph lives).  Where capture fails, the cell names
  the error.

    python benchmarks/gpu_graphs.py [WORKLOAD...]

Each workload and mode runs in its own process (a failed capture can leave
the CUDA context unusable).
"""

import subprocess
import sys

import numpy as np
import torch

from scatkit.bench.runner import _build_ours, _synced, median_seconds
from scatkit.bench.workloads import WORKLOADS
from scatkit.torch import CUDAGraphScattering

REPEATS = 9


def _median_ms(fn):
    """Median of ``REPEATS`` calls of ``fn`` in ms, each up to ``torch.cuda.synchronize``,
    after a warm-up call."""
    return 1e3 * median_seconds(_synced(fn, "cuda"), REPEATS, warmup=True)


def _kernels(fn):
    """Number of CUDA kernels of one call of ``fn`` and their summed duration (ms)."""
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        fn()
        torch.cuda.synchronize()
    n, us = 0, 0.0
    for evt in prof.key_averages():
        if evt.device_type == DeviceType.CUDA:
            n += evt.count
            us += getattr(evt, "self_device_time_total", None) or getattr(evt, "self_cuda_time_total", 0.0)
    return n, us / 1e3


def _graph(S, x):
    """(replay ms, max |replay - eager|, MB the capture reserved) of ``S(x)`` through
    :class:`scatkit.torch.CUDAGraphScattering` (``copy=False``: the input copy and
    the replay)."""
    torch.cuda.synchronize()
    torch.cuda.empty_cache()
    before = torch.cuda.memory_reserved()
    G = CUDAGraphScattering(S, copy=False)
    y = G(x)  # warm-up calls and the capture
    torch.cuda.synchronize()
    pool = (torch.cuda.memory_reserved() - before) / 2**20
    diff = float((y - S(x)).abs().max())
    return _median_ms(lambda: G(x)), diff, pool


def one(name, fast):
    """Print the row of one workload and mode (run in its own process: a failed
    capture can leave the CUDA context unusable for the next one)."""
    w = WORKLOADS[name]
    x = torch.from_numpy(np.random.default_rng(0).standard_normal(
        (w.batch,) + tuple(w.shape)).astype(np.float32)).cuda()
    S = _build_ours(w, fast=fast)
    eager = _median_ms(lambda: S(x))
    try:
        n, busy = _kernels(lambda: S(x))
        kern = f"{n} | {busy:.2f}"
    except Exception as err:  # the profiler is a diagnostic only
        kern = f"profiler failed: {type(err).__name__} | —"
    S.check_finite = False
    unchecked = _median_ms(lambda: S(x))
    try:
        replay, diff, pool = _graph(S, x)
        graph = f"{replay:.2f} | {diff:.1e} | {pool:.0f}"
    except Exception as err:
        msg = str(err).splitlines()[0][:160] if str(err) else ""
        graph = f"capture failed: {type(err).__name__}: {msg} | — | —"
    print(f"| {name} | {'fast' if fast else 'exact'} | {eager:.2f} | {kern} | {unchecked:.2f} | {graph} |", flush=True)


def main(names):
    print("| workload | mode | eager ms | kernels | busy ms | no check ms | graph ms | graph - eager | graph MB |")
    print("|---|---|---|---|---|---|---|---|---|", flush=True)
    for name in names:
        w = WORKLOADS[name]
        if w.kind == "ctor":
            continue
        modes = ("exact", "fast") if hasattr(_build_ours(w), "fast") else ("exact",)
        for mode in modes:
            proc = subprocess.run([sys.executable, __file__, "--one", name, mode])
            if proc.returncode:
                print(f"| {name} | {mode} | process exited with {proc.returncode} | | | | | | |", flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--one"]:
        one(args[1], args[2] == "fast")
        sys.exit()
    unknown = [n for n in args if n not in WORKLOADS]
    if unknown:
        raise SystemExit(f"unknown workload(s) {unknown}; choose from {sorted(WORKLOADS)}")
    main(args or ["2d-small", "2d-large", "1d-small", "1d-large", "3d"])
