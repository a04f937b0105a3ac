"""How far below the FFT floor the element-wise work between the FFTs can go (issue 3).

    .venv/bin/python benchmarks/pass_floor.py [2d-large] [2d-small] [1d-large] [2d-small:fast] ...

The FFT floor of ``scatkit bench`` is the time of our FFTs alone.  Between them the
cascade must, at the least, *write* every wavelet product that an inverse FFT
reads (pocketfft transforms arrays, so the product cannot be fused into the FFT)
and take the modulus of every inverse FFT's output.  This script times those two
passes alone, each in its least form:

* a product: ``out = src * filt``, one complex-by-real multiply per output value
  (one alias; our exact folds add two to four), with ``src`` one spectrum per
  image broadcast over the group's paths, ``filt`` one value per path and bin;
* a modulus: ``np.abs`` of the product, into float32.

Both run on chunks of 1, 8 or 32 images (:data:`CHUNKS`: the fastest counts; the
cascade's chunks of 2D J=4 hold one image), on arrays allocated once (no page
faults), in as many threads as the bench uses, and each group counts its
fastest of :data:`CALLS` calls, as the FFT floor does.
The low-pass, the folds' other aliases, gathers and conjugations are left out,
so ``(FFT floor + passes) / FFT floor`` is a lower bound on the ratio to the
FFT floor that any cascade with these FFTs can reach on this machine.  It also
times one call of our exact transform (median of :data:`CALLS`; with
``SCATKIT_COMPILED=0``, NumPy's own fold loops instead of the compiled fold).
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from scatkit.bench.runner import _build_ours, default_threads, fft_plan, time_fft_floor
from scatkit.bench.workloads import WORKLOADS

#: calls per measurement (the fastest counted for the floors, the median for ours)
CALLS = 6
#: images per call of the passes; each group counts its fastest (one image keeps the
#: arrays of a large grid in cache; several pay Python's per-call cost less often)
CHUNKS = (1, 8, 32)


def _fastest(fn) -> float:
    times = []
    for _ in range(CALLS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def pass_floor(S, batch: int, threads: int) -> tuple[float, float, int]:
    """Seconds of the least product and modulus passes of ``S``'s cascade on
    ``batch`` images, and the bytes of products written: per group, the fastest
    over :data:`CHUNKS` images per call."""
    pad = tuple(S.padded_shape) if hasattr(S, "padded_shape") else (S.N_padded,)
    rng = np.random.default_rng(0)
    product = modulus = 0.0
    written = 0
    pool = ThreadPoolExecutor(threads)
    for g in S.plan.groups:
        if g.order == 0:
            continue
        shape = tuple(n >> g.k for n in pad)
        paths = len(g.paths)
        filt = rng.standard_normal((paths,) + shape).astype(np.float32)
        best_product = best_modulus = float("inf")
        for chunk in CHUNKS:
            chunk = min(chunk, max(1, batch // threads))
            src = (rng.standard_normal((chunk, 1) + shape)
                   + 1j * rng.standard_normal((chunk, 1) + shape)).astype(np.complex64)
            outs = [np.empty((chunk, paths) + shape, np.complex64) for _ in range(threads)]
            mods = [np.empty((chunk, paths) + shape, np.float32) for _ in range(threads)]

            def run(work):
                def one(t):
                    for _ in range(t * chunk, batch, threads * chunk):
                        work(t)
                list(pool.map(one, range(threads)))

            best_product = min(best_product, _fastest(
                lambda: run(lambda t: np.multiply(src, filt, out=outs[t]))))
            best_modulus = min(best_modulus, _fastest(
                lambda: run(lambda t: np.abs(outs[t], out=mods[t]))))
            del src, outs, mods
        product += best_product
        modulus += best_modulus
        written += batch * paths * int(np.prod(shape)) * 8
    pool.shutdown()
    return product, modulus, written


def main(names: list[str]) -> None:
    threads = default_threads()
    for arg in names or ["2d-large"]:
        name, _, mode = arg.partition(":")  # "2d-small:fast": the fast mode's cascade
        w = WORKLOADS[name]
        S = _build_ours(w, fast=mode == "fast")
        x = np.random.default_rng(0).random((w.batch,) + tuple(w.shape), dtype=np.float32)
        S(x)  # warm-up: filters and fold terms
        ours = float(np.median([_one(S, x) for _ in range(CALLS)]))  # exact or fast
        fft = time_fft_floor(fft_plan(S, w.batch), "numpy")
        product, modulus, written = pass_floor(S, w.batch, threads)
        floor = fft + product + modulus
        print(f"{arg} ({w.batch} x {'x'.join(map(str, w.shape))}, {threads} threads): "
              f"ours {1e3 * ours:.0f} ms, FFT floor {1e3 * fft:.0f} ms, least product pass "
              f"{1e3 * product:.0f} ms ({written / 2**20:.0f} MiB written), least modulus "
              f"{1e3 * modulus:.0f} ms; ours / FFT floor {ours / fft:.2f}, "
              f"(FFT floor + passes) / FFT floor {floor / fft:.2f}, ours / that {ours / floor:.2f}",
              flush=True)


def _one(S, x) -> float:
    t0 = time.perf_counter()
    S(x)
    return time.perf_counter() - t0


if __name__ == "__main__":
    main(sys.argv[1:])
