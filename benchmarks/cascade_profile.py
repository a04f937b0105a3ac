"""Where one cascade call spends its time, stage by stage (quoted in docs/BENCHMARKS.md).

    SCATKIT_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
    MALLOC_MMAP_THRESHOLD_=2000000000 MALLOC_TRIM_THRESHOLD_=2000000000 \
        .venv/bin/python benchmarks/cascade_profile.py [small|large|1d-small|1d-large] [fast]

``small`` and ``large`` are the bench's 2d-small and 2d-large (2D J=2 and J=4, L=8);
``1d-small`` and ``1d-large`` its 1D J=8 Q=12 on 64 x 8192 and J=10 Q=8 on 8 x 65536.

One thread, so that the stages add up to the call; glibc's allocator told to keep
freed memory (the two ``MALLOC_`` variables), so that the page faults of
re-allocating large temporaries, which vary from run to run, are not charged to
whichever stage comes first (without them, a run of this script on 2d-small
took 392 ms per call and 0.58 s of system time, against 291 ms and 0.11 s).  Each NumPy backend call and each
product-and-fold (:func:`scatkit.transforms.cascade.apply_terms`) is timed and
labelled with its stage and the shape it works on: mean milliseconds per call of
the transform over 3 calls after a warm-up, largest first.  Runs on any commit
of the cascade (the spatial low-pass is timed where it exists), so that
``PYTHONPATH=<worktree of an older commit>/src`` gives the "before";
``SCATKIT_COMPILED=0`` profiles NumPy's own fold loops instead of the compiled
fold (:mod:`scatkit.backends.kernels`).
"""

from __future__ import annotations

import collections
import sys
import time

import numpy as np

import scatkit
from scatkit.backends import numpy_backend
from scatkit.transforms import cascade

#: name: (transform, its parameters, input shape of one signal, batch)
WORKLOADS = {"small": (scatkit.Scattering2D, dict(J=2, L=8), (28, 28), 1024),
             "large": (scatkit.Scattering2D, dict(J=4, L=8), (256, 256), 16),
             "1d-small": (scatkit.Scattering1D, dict(J=8, Q=12), (8192,), 64),
             "1d-large": (scatkit.Scattering1D, dict(J=10, Q=8), (65536,), 8)}
STAGES = ("ifft", "rfft", "irfft", "modulus")


def main(name: str = "small", mode: str = "exact", calls: int = 3) -> None:
    cls, params, shape, batch = WORKLOADS[name]
    S = cls(shape=shape if len(shape) > 1 else shape[0], fast=mode == "fast", **params)
    x = np.random.default_rng(0).random((batch,) + shape, dtype=np.float32)
    S(x)  # warm-up: filters, fold terms
    low_ids = {id(v) for ops in S._ops.values() for c in ops._converted.values()
               for v in c.low.values()}
    times: collections.Counter = collections.Counter()

    def timed(label, fn):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            out = fn(*args, **kwargs)
            times[label(*args)] += time.perf_counter() - t0
            return out
        return wrapper

    def fold_label(backend, xh, terms, n_filters, out_shape):
        kind = "low-pass fold" if id(terms) in low_ids else "wavelet product-and-fold"
        return f"{kind} {tuple(xh.shape[1:])} -> {tuple(out_shape)}"

    cascade.apply_terms = timed(fold_label, cascade.apply_terms)
    for stage in STAGES:
        method = getattr(numpy_backend.NumpyBackend, stage)
        setattr(numpy_backend.NumpyBackend, stage,
                timed(lambda self, a, *rest, stage=stage: f"{stage} {tuple(a.shape[1:])}", method))
    if hasattr(cascade, "SeparableLowPass"):
        cascade.SeparableLowPass.apply = timed(
            lambda self, u: f"spatial low-pass {tuple(u.shape[1:])}", cascade.SeparableLowPass.apply)
    t0 = time.perf_counter()
    for _ in range(calls):
        S(x)
    total = (time.perf_counter() - t0) / calls
    grid = "x".join(map(str, shape))
    print(f"{cls.__name__} {params}, {batch} x {grid}, {mode} mode: {1e3 * total:.0f} ms per call")
    for label, t in times.most_common():
        print(f"  {1e3 * t / calls:7.1f} ms  {label}")
    rest = total - sum(times.values()) / calls
    print(f"  {1e3 * rest:7.1f} ms  everything else (padding, gathers, concatenation, Python)")


if __name__ == "__main__":
    main(*sys.argv[1:3])
