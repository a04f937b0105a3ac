"""Before/after measurements quoted in docs/BENCHMARKS.md and docs/tree.md (2026-11-29).

Run it at a commit and at its parent (``git worktree add /tmp/before <commit>^`` and
``PYTHONPATH=/tmp/before/src``) to compare:

    .venv/bin/python benchmarks/before_after.py filters2d   # 2D Morlet bank construction
    .venv/bin/python benchmarks/before_after.py harmonic3d  # 8 x 64^3, J=2, L=2 (+ batch_size=1)
    .venv/bin/python benchmarks/before_after.py tree2d      # 2D Morlet-like tree, J=3, L=8, 1024^2
    .venv/bin/python benchmarks/before_after.py numpy NAME  # one NumPy workload of the bench table
                                                            # (2d-small ... 1d-large, ctor), alone

``numpy NAME`` runs in a fresh process per call of the script: the wall-clock median of 5
calls after a warm-up (both cores; for ``ctor``, building the transform and its fold terms)
and the peak resident set growth of the whole script.

Each prints the minimum of 3 timed calls after a warm-up (CPU seconds, or wall seconds
and the peak resident set for harmonic3d).
"""

from __future__ import annotations

import sys
import time

import numpy as np


def _min_of(fn, repeat=3, clock=time.process_time) -> float:
    times = []
    for _ in range(repeat):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return min(times)


def filters2d() -> None:
    from scatkit.filters.morlet2d import filter_bank_2d

    for n in (64, 256, 1040):
        t = _min_of(lambda: filter_bank_2d(n, n, 3, 8), 1)
        print(f"filter_bank_2d({n}, {n}, 3, 8): {t:.3f} CPU s")


def _peak_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024


def harmonic3d() -> None:
    import scatkit

    x = np.random.default_rng(0).standard_normal((8, 64, 64, 64)).astype(np.float32)
    for batch_size in (None, 1):
        S = scatkit.HarmonicScattering3D(2, (64, 64, 64), L=2, batch_size=batch_size)
        S(x[:1])
        t = _min_of(lambda: S(x), clock=time.perf_counter)
        print(f"batch_size={batch_size}: {t:.3f} s wall, peak resident set so far "
              f"{_peak_mb():.0f} MB (run each alone in a fresh process for the peak)")


def tree2d() -> None:
    import torch

    from scatkit.transforms.scattering2d import Scattering2D
    from scatkit.transforms.tree import TreeScattering2D

    torch.set_num_threads(2)
    x = torch.randn(1, 1024, 1024)
    for name, T in (("tree", TreeScattering2D(3, (1024, 1024), L=8)),
                    ("fft engine", Scattering2D(3, (1024, 1024), L=8))):
        with torch.no_grad():
            T(x)
            t = _min_of(lambda: T(x))
        extra = f", {T.multiply_adds() // 1024**2} multiply-adds/pixel" if name == "tree" else ""
        print(f"{name}: {t:.3f} CPU s{extra}")


def numpy(name: str) -> None:
    from scatkit.bench.runner import _build_ours
    from scatkit.bench.workloads import WORKLOADS

    with open("/proc/self/status") as f:
        base = next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024
    w = WORKLOADS[name]
    if w.kind == "ctor":
        _build_ours(w)
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            _build_ours(w)
            times.append(time.perf_counter() - t0)
    else:
        x = np.random.default_rng(0).standard_normal((w.batch,) + tuple(w.shape))
        x = x.astype(np.float32)
        S = _build_ours(w)
        S(x)
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            S(x)
            times.append(time.perf_counter() - t0)
    print(f"{name}: {np.median(times) * 1e3:.0f} ms wall (median of 5), peak resident set "
          f"growth {_peak_mb() - base:.0f} MB")


if __name__ == "__main__":
    if sys.argv[1] == "numpy":
        numpy(sys.argv[2])
    else:
        {"filters2d": filters2d, "harmonic3d": harmonic3d, "tree2d": tree2d}[sys.argv[1]]()
