"""CPU time of one call, single thread: a load-robust development measurement.

Usage::

    SCATKIT_NUM_THREADS=1 .venv/bin/python benchmarks/cpu_time.py scatkit
    .venv-kymatio/bin/python benchmarks/cpu_time.py kymatio

On a shared machine wall-clock times swing with other jobs; the CPU time
(``time.process_time``) of one single-threaded call, minimum of 3 after a
warm-up, moves much less.  Workloads are the issue's at reduced batches:
``a`` 2D J=2 L=8 256x28x28, ``b`` 2D J=4 L=8 4x256x256, ``c`` 1D J=8 Q=12
16x8192, ``d`` 1D J=10 Q=8 2x65536.  Prints NumPy and torch seconds.
"""

import os
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")
os.environ.setdefault("SCATKIT_NUM_THREADS", "1")

WORKLOADS = {"a": ("2d", dict(J=2, shape=(28, 28), L=8), (256, 28, 28)),
             "b": ("2d", dict(J=4, shape=(256, 256), L=8), (4, 256, 256)),
             "c": ("1d", dict(J=8, shape=8192, Q=12), (16, 8192)),
             "d": ("1d", dict(J=10, shape=65536, Q=8), (2, 65536))}


def cpu_time(f, x, repeats=3):
    f(x)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        f(x)
        best = min(best, time.process_time() - t0)
    return best


def main(impl="scatkit", names="abcd"):
    import torch

    torch.set_num_threads(1)
    if impl == "kymatio":
        import kymatio.numpy as kn
        import kymatio.torch as kt

        make = {"numpy": {"1d": kn.Scattering1D, "2d": kn.Scattering2D},
                "torch": {"1d": kt.Scattering1D, "2d": kt.Scattering2D}}
    else:
        import scatkit

        same = {"1d": scatkit.Scattering1D, "2d": scatkit.Scattering2D}
        make = {"numpy": same, "torch": same}
    rng = np.random.default_rng(0)
    for name in names:
        kind, kw, shape = WORKLOADS[name]
        x = rng.standard_normal(shape).astype(np.float32)
        t_np = cpu_time(make["numpy"][kind](**kw), x)
        t_torch = cpu_time(make["torch"][kind](**kw), torch.from_numpy(x))
        print(f"{impl} {name} {kind} {kw} batch {shape[0]}: numpy {t_np:.3f} s  torch {t_torch:.3f} s",
              flush=True)


if __name__ == "__main__":
    main(*(sys.argv[1:] or ["scatkit"]))
