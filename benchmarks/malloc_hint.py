"""Time, page faults and peak memory with and without the allocator hint.

Usage: ``.venv/bin/python benchmarks/malloc_hint.py [ROUNDS]`` (default 2 rounds)

For each benchmark workload of ``scatkit bench`` (2D and 1D, exact and fast
mode, NumPy input, float32, the bench's inputs) and each value of
``SCATKIT_MALLOC_HINT`` (``1``, the default: :func:`scatkit.backends.allocator.keep_freed_memory`;
``0``: glibc left to itself), a fresh process builds the transform, calls it
twice, then times 9 calls (default threads, two on this project's machine) and
counts the system time and minor page faults they took.  A second fresh process
measures the peak resident memory of building the transform and calling it
once (the bench's probe, :mod:`scatkit.bench._memprobe`).  The two settings
alternate, ``ROUNDS`` times; printed: median and best time per call, system
milliseconds and page faults per call, peak memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from scatkit.bench.runner import SEED
from scatkit.bench.workloads import WORKLOADS

CALLS = 9
NAMES = ("2d-small", "2d-large", "1d-small", "1d-large")
MEMPROBE = Path(__file__).resolve().parents[1] / "src" / "scatkit" / "bench" / "_memprobe.py"

CHILD = r"""
import json, resource, sys, time
import numpy as np
import scatkit
kind, shape, params, path, fast, calls = sys.argv[1:7]
cls = {"1d": scatkit.Scattering1D, "2d": scatkit.Scattering2D}[kind]
shape = tuple(json.loads(shape))
S = cls(shape=shape if len(shape) > 1 else shape[0], fast=fast == "fast", **json.loads(params))
x = np.load(path)
S(x); S(x)
r0 = resource.getrusage(resource.RUSAGE_SELF)
times = []
for _ in range(int(calls)):
    t0 = time.perf_counter(); S(x); times.append(time.perf_counter() - t0)
r1 = resource.getrusage(resource.RUSAGE_SELF)
n = int(calls)
print(json.dumps({"median": float(np.median(times)), "best": min(times),
                  "sys": (r1.ru_stime - r0.ru_stime) / n,
                  "faults": (r1.ru_minflt - r0.ru_minflt) / n}))
"""


def run(args, hint: str) -> str:
    env = {**os.environ, "SCATKIT_MALLOC_HINT": hint}
    return subprocess.run([sys.executable, *args], env=env, check=True, text=True,
                          capture_output=True).stdout.strip().splitlines()[-1]


def main(rounds: int = 2) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name in NAMES:
            w = WORKLOADS[name]
            path = os.path.join(tmp, f"{name}.npy")
            x = np.random.default_rng(SEED).standard_normal((w.batch,) + w.shape)
            np.save(path, x.astype(np.float32))  # the bench's input
            shape, params = json.dumps(list(w.shape)), json.dumps(w.params)
            for mode in ("exact", "fast"):
                for r in range(rounds):
                    for hint in ("1", "0"):
                        t = json.loads(run(["-c", CHILD, w.kind, shape, params, path, mode,
                                            str(CALLS)], hint))
                        probe = [str(MEMPROBE), "scatkit", "numpy", w.kind, shape, params, path]
                        peak = int(run(probe + (["fast"] if mode == "fast" else []), hint))
                        print(f"{name:9s} {mode:5s} hint={hint} round {r + 1}: "
                              f"median {1e3 * t['median']:6.1f} ms, "
                              f"best {1e3 * t['best']:6.1f} ms, "
                              f"system {1e3 * t['sys']:5.1f} ms, {t['faults']:7.0f} page faults "
                              f"per call; peak {peak / 1e6:6.2f} MB", flush=True)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
