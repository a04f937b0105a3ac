"""The NumPy backend's compiled fold against NumPy's own loops, in one process (issue 3).

    .venv/bin/python benchmarks/compiled_fold.py [2d-large] [1d-large] [1d-small] [2d-small] \
        [--repeats 9]

For each workload of ``scatkit bench``, the same exact transform is called with the
compiled fold off and on (``scatkit.backends.numpy_backend.COMPILED_FOLDS``),
alternately, on the same input; it prints the medians and whether the outputs are
identical (they must be, bit for bit).  In-process alternation is used because on
a shared machine separate processes differ by more than the effect.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from scatkit.backends import numpy_backend
from scatkit.bench.runner import _build_ours
from scatkit.bench.workloads import WORKLOADS


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*", default=["2d-large", "1d-large", "1d-small"])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    unknown = [n for n in args.workloads if n not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose from {sorted(WORKLOADS)}")
    settings = {"NumPy loops": False, "compiled": True}
    saved = numpy_backend.COMPILED_FOLDS
    try:
        for name in args.workloads:
            w = WORKLOADS[name]
            S = _build_ours(w)
            x = np.random.default_rng(0).random((w.batch,) + tuple(w.shape), dtype=np.float32)
            outs, times = {}, {k: [] for k in settings}
            for k, on in settings.items():  # warm-up: terms converted, kernel loaded
                numpy_backend.COMPILED_FOLDS = on
                outs[k] = S(x)
            for r in range(args.repeats):
                order = list(settings.items())
                for k, on in order if r % 2 == 0 else order[::-1]:
                    numpy_backend.COMPILED_FOLDS = on
                    t0 = time.perf_counter()
                    S(x)
                    times[k].append(time.perf_counter() - t0)
            same = np.array_equal(outs["NumPy loops"], outs["compiled"])
            print(f"{name}: " + ", ".join(f"{k} {1e3 * np.median(v):.0f} ms"
                                          for k, v in times.items())
                  + f" (medians of {args.repeats}); outputs "
                  + ("identical" if same else "DIFFERENT"), flush=True)
    finally:
        numpy_backend.COMPILED_FOLDS = saved


if __name__ == "__main__":
    main()
