"""Before/after measurements quoted in docs/BENCHMARKS.md and docs/tree.md (2026-11-29).

Run it at a commit and at its parent (``git worktree add /tmp/before <commit>^`` and
``PYTHONPATH=/tmp/before/src``) to compare:

    .venv/bin/python benchmarks/before_after.py filters2d   # 2D Morlet bank construction
    .venv/bin/python benchmarks/before_after.py harmonic3d  # 8 x 64^3, J=2, L=2 (+ batch_size=1)
    .venv/bin/python benchmarks/before_after.py tree2d      # 2D Morlet-like tree, J=3, L=8, 1024^2
    .venv/bin/python benchmarks/before_after.py numpy NAME  # one NumPy workload of the bench table
                                                            # (2d-small ... 1d-large, ctor), alone

    .venv/bin/python benchmarks/before_after.py small       # small batches, 1 vs 2 threads
    .venv/bin/python benchmarks/before_after.py alternatives  # formulations tried, not kept
    .venv/bin/python benchmarks/before_after.py memory NAME [N]  # N peak-memory probes, ours
                                                            # and Kymatio's (as scatkit bench)
    .venv/bin/python benchmarks/before_after.py rigid       # rigid motion, 8 x 200x200, 1 vs 2

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


def _status_mb(key: str) -> float:
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith(key + ":")) / 1024


def _median_of(fn, repeat: int) -> float:
    """Median wall-clock seconds of ``repeat`` calls of ``fn``.  Kept here rather than
    imported from ``scatkit.bench`` (``median_seconds``): this script also runs
    against older checkouts of the package, which do not have it."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _peak_mb() -> float:
    return _status_mb("VmHWM")


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

    base = _status_mb("VmRSS")
    w = WORKLOADS[name]
    if w.kind == "ctor":
        call = lambda: _build_ours(w)  # noqa: E731
    else:
        x = np.random.default_rng(0).standard_normal((w.batch,) + tuple(w.shape))
        x = x.astype(np.float32)
        S = _build_ours(w)
        call = lambda: S(x)  # noqa: E731
    call()  # warm-up
    t = _median_of(call, 5)
    print(f"{name}: {t * 1e3:.0f} ms wall (median of 5), peak resident set "
          f"growth {_peak_mb() - base:.0f} MB")


def small() -> None:
    """Small NumPy batches with one and two threads (``SCATKIT_NUM_THREADS``), median of
    20 calls: where chunk threads and FFT workers cost more than they bring."""
    import scatkit
    from scatkit.backends import _NUMPY

    cases = [("1D J=4 Q=4, 2 x 256", scatkit.Scattering1D(4, 256, Q=4), (2, 256)),
             ("1D J=6 Q=8, 4 x 1024", scatkit.Scattering1D(6, 1024, Q=8), (4, 1024)),
             ("1D J=8 Q=8, 8 x 4096", scatkit.Scattering1D(8, 4096, Q=8), (8, 4096)),
             ("2D J=2 L=8, 2 x 32x32", scatkit.Scattering2D(2, (32, 32), L=8), (2, 32, 32)),
             ("2D J=2 L=8, 16 x 32x32", scatkit.Scattering2D(2, (32, 32), L=8), (16, 32, 32)),
             ("2D J=2 L=8, 64 x 28x28", scatkit.Scattering2D(2, (28, 28), L=8), (64, 28, 28)),
             ("JTFS J=6 Q=8, 2 x 1024",
              scatkit.TimeFrequencyScattering(J=6, shape=1024, Q=8, J_fr=3), (2, 1024)),
             ("rigid motion J=2 L=8, 2 x 32x32",
              scatkit.RigidMotionScattering2D(2, (32, 32), L=8), (2, 32, 32))]
    for name, S, shape in cases:
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        res = []
        for workers in (1, 2):
            _NUMPY.workers = workers
            S(x)
            res.append(_median_of(lambda: S(x), 20) * 1e3)
        print(f"{name}: 1 thread {res[0]:.2f} ms, 2 threads {res[1]:.2f} ms")


def rigid() -> None:
    """Rigid-motion scattering of 8 KTH-TIPS-sized images (J=4, L=8), with one and two
    threads, median of 3 calls: whether chunk threads would pay there."""
    import scatkit
    from scatkit.backends import _NUMPY
    from scatkit.transforms.base import map_chunks

    S = scatkit.RigidMotionScattering2D(4, (200, 200), L=8)
    x = np.random.default_rng(0).standard_normal((8, 200, 200)).astype(np.float32)
    filters = S.filters(_NUMPY, x)
    for label, workers, min_chunk in (("1 thread", 1, None), ("2 FFT workers", 2, None),
                                      ("2 chunk threads", 2, 1)):
        _NUMPY.workers = workers

        def call():
            return map_chunks(_NUMPY, lambda b, c: S._compute(b, c, filters), x, len(x),
                              min_thread_chunk=min_chunk)

        call()
        t = _min_of(call, clock=time.perf_counter)
        print(f"{label}: {t:.2f} s (min of 3)")


def memory(name: str, repeats: int = 3) -> None:
    """``repeats`` runs of the benchmark's own peak-memory probe on workload ``name``
    (``scatkit.bench.runner.peak_memory``: fresh process, the timed runs' threads),
    for scatkit and, when ``.venv-kymatio`` exists, for Kymatio."""
    import tempfile
    from pathlib import Path

    from scatkit.bench.runner import peak_memory
    from scatkit.bench.workloads import WORKLOADS

    w = WORKLOADS[name]
    x = np.random.default_rng(0).standard_normal((w.batch,) + tuple(w.shape)).astype(np.float32)
    peer = Path(__file__).resolve().parents[1] / ".venv-kymatio" / "bin" / "python"
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "x.npy")
        np.save(path, x)
        for impl, python in (("scatkit", sys.executable), ("kymatio", str(peer))):
            if impl == "kymatio" and not peer.exists():
                continue
            mb = [peak_memory(python, impl, "numpy", w, path) for _ in range(repeats)]
            print(f"{name}, {impl}: peak resident set growth "
                  + ", ".join("failed" if v is None else f"{v / 1e6:.1f}" for v in mb) + " MB")


def alternatives() -> None:
    """Formulations tried for the 2d-small hot spots and torch's modulus, against the
    ones kept (one thread; median wall-clock ms of 10 calls after a warm-up)."""
    import scipy.fft as sfft

    rng = np.random.default_rng(0)

    def cplx(shape):
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)

    def report(label, fns):
        for name, fn in fns.items():
            fn()
            print(f"{label}, {name}: {1e3 * _median_of(fn, 10):.2f} ms")

    # the 2D fold of a second-order group: 4 aliases, (B, P, F, Q) = (60, 8, 8, 18*18)
    B, P, F, Q, A = 60, 8, 8, 324, 4
    X, filt = cplx((B, P, A, Q)), rng.standard_normal((A, F, Q)).astype(np.float32)

    def multiply_add():  # kept: in-place products and sums (NumpyBackend.multiply_add)
        z = X[:, :, 0, None] * filt[0]
        tmp = np.empty_like(z)
        for a in range(1, A):
            np.multiply(X[:, :, a, None], filt[a], out=tmp)
            z += tmp
        return z

    Pc = np.ascontiguousarray(filt.transpose(2, 0, 1)).astype(np.complex64)

    def matmul():  # one batched matrix product over the alias axis, per frequency
        Xt = np.ascontiguousarray(X.reshape(B * P, A, Q).transpose(2, 0, 1))
        return np.ascontiguousarray(np.matmul(Xt, Pc).transpose(1, 2, 0)).reshape(B, P, F, Q)

    report("alias fold (60 x 8 x 8 x 324, 4 aliases)", {"multiply-add (kept)": multiply_add,
                                                        "matmul over aliases": matmul})
    src = X[:, :, :1]
    view_src = src.view(np.float32).reshape(B, P, 1, Q, 2)
    view_filt = filt[0][:, :, None]
    report("complex x real product (60 x 8 x 8 x 324)", {
        "complex64 x float32 (kept)": lambda: src * filt[0],
        "float32 view": lambda: view_src * view_filt})
    for shape in [(60, 64, 18, 18), (60, 8, 36, 36)]:
        Z, n = cplx(shape), shape[-1]
        Fm = (np.exp(2j * np.pi * np.outer(np.arange(n), np.arange(n)) / n) / n).astype(np.complex64)
        report(f"inverse 2D DFT of {shape}", {
            "pocketfft (kept)": lambda: sfft.ifftn(Z, axes=(-2, -1), workers=1),
            "two matrix products": lambda: np.matmul(Fm, (Z.reshape(-1, n) @ Fm.T).reshape(Z.shape))})
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(1)
    z = torch.from_numpy(cplx((8, 64, 16384)))
    pairs = torch.view_as_real(z)
    report("torch modulus of 8 x 64 x 16384 complex64", {
        "hypot of the pairs (kept)": lambda: torch.hypot(pairs[..., 0], pairs[..., 1]),
        "abs": lambda: z.abs(),
        "norm of the pairs": lambda: torch.linalg.vector_norm(pairs, dim=-1),
        "sqrt(re^2 + im^2)": lambda: (z.real.square() + z.imag.square()).sqrt()})


if __name__ == "__main__":
    if sys.argv[1] == "small":
        small()
    elif sys.argv[1] == "rigid":
        rigid()
    elif sys.argv[1] == "numpy":
        numpy(sys.argv[2])
    elif sys.argv[1] == "memory":
        memory(sys.argv[2], *[int(a) for a in sys.argv[3:4]])
    else:
        {"filters2d": filters2d, "harmonic3d": harmonic3d, "tree2d": tree2d,
         "alternatives": alternatives}[sys.argv[1]]()
