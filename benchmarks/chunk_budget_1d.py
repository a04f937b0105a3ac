"""Chunk budgets of exact 1D scattering: time and peak memory (quoted in docs/BENCHMARKS.md).

    .venv/bin/python benchmarks/chunk_budget_1d.py [--reps 12] [--threads 2] [SETTING ...]

A setting is ``TOTAL/CAP``: the multiples of ``cascade.CHUNK_BYTES`` (32 MiB) that
``scattering1d.EXACT_CHUNK_BYTES_FACTOR`` (the chunks of all threads together) and
``scattering1d.EXACT_MAX_CHUNK_FACTOR`` (one chunk; ``-`` for none) are set to;
default ``2/- 5/- 5/2.5`` (the budget before 2026-11-30 evening, the larger total
alone, and the total with the cap now used).  For the bench's two 1D workloads (1D
J=8 Q=12 on 64 x 8192, J=10 Q=8 on 8 x 65536, float32) every setting is timed in one
process, the settings called alternately (order reversed on every other round),
each output checked bit for bit against the first; medians of ``--reps`` calls.
The peak memory of one call (MiB: growth of ``VmHWM`` over the resident set before the
transform is built, as ``scatkit bench`` measures it) comes from a fresh process
per setting.  ``--threads`` sets ``SCATKIT_NUM_THREADS`` for both.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

WORKLOADS = {"1d-small": (dict(J=8, Q=12), 8192, 64), "1d-large": (dict(J=10, Q=8), 65536, 8)}
DEFAULT_SETTINGS = ("2/-", "5/-", "5/2.5")


def parse_setting(setting: str) -> tuple[float, float]:
    """``"TOTAL/CAP"`` as two multiples of 32 MiB (``CAP`` ``-``: no cap)."""
    try:
        total, cap = setting.split("/")
        return float(total), (1e9 if cap == "-" else float(cap))
    except ValueError:
        raise SystemExit(f"bad setting {setting!r}: pass TOTAL/CAP, e.g. 5/2.5 or 2/-") from None


def _set(setting: str) -> None:
    from scatkit.transforms import scattering1d

    scattering1d.EXACT_CHUNK_BYTES_FACTOR, scattering1d.EXACT_MAX_CHUNK_FACTOR = parse_setting(setting)


def _transform(name: str):
    import scatkit

    params, n, batch = WORKLOADS[name]
    x = np.random.default_rng(0).standard_normal((batch, n)).astype(np.float32)
    return scatkit.Scattering1D(shape=n, **params), x


def _rss_kb(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{key} not in /proc/self/status (Linux only)")


def peak_child(name: str, setting: str) -> None:
    """In a fresh process: print the peak memory growth of building and calling once."""
    _set(setting)
    params, n, batch = WORKLOADS[name]
    x = np.random.default_rng(0).standard_normal((batch, n)).astype(np.float32)
    import scatkit

    base = _rss_kb("VmRSS")
    scatkit.Scattering1D(shape=n, **params)(x)
    print((_rss_kb("VmHWM") - base) * 1024)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("settings", nargs="*", default=list(DEFAULT_SETTINGS))
    p.add_argument("--reps", type=int, default=12)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--peak-child", nargs=2, metavar=("WORKLOAD", "SETTING"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.peak_child:
        return peak_child(*args.peak_child)
    if os.environ.get("SCATKIT_NUM_THREADS") != str(args.threads):  # before scatkit is imported
        env = dict(os.environ, SCATKIT_NUM_THREADS=str(args.threads))
        sys.exit(subprocess.call([sys.executable, __file__] + sys.argv[1:], env=env))
    for s in args.settings:
        parse_setting(s)  # refuse bad settings before any timing
    for name in WORKLOADS:
        S, x = _transform(name)
        _set(args.settings[0])
        ref = S(x)
        times = {s: [] for s in args.settings}
        for r in range(args.reps):
            for s in (args.settings if r % 2 == 0 else args.settings[::-1]):
                _set(s)
                t0 = time.perf_counter()
                y = S(x)
                times[s].append(time.perf_counter() - t0)
                if not np.array_equal(y, ref):
                    raise AssertionError(f"{name}: setting {s} changed the output")
        for s in args.settings:
            peak = subprocess.run([sys.executable, __file__, "--peak-child", name, s],
                                  check=True, capture_output=True, text=True).stdout
            print(json.dumps({"workload": name, "setting": s, "threads": args.threads,
                              "median_ms": round(1e3 * float(np.median(times[s])), 1),
                              "peak_MB": round(int(peak) / 2**20, 1)}), flush=True)


if __name__ == "__main__":
    main()
