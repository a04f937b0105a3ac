"""Side-by-side timing of scatkit and Kymatio 0.3.0 (issue 3).

Every workload is timed on one random float32 input, the implementations
*alternately* (one call each per repeat, the order reversed on every other
repeat) so that a load change on a shared machine hits them alike; a figure is
the median over repeats of one call's wall-clock time, filters already built.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .workloads import Workload

#: relative agreement required with Kymatio (parity tolerance for float32 inputs)
AGREEMENT_TOL = 1e-4
#: seed of the benchmark inputs
SEED = 0
MEMPROBE = Path(__file__).with_name("_memprobe.py")
#: each FFT of the floor is timed this many times, the fastest counted.  The first
#: calls on fresh arrays pay for mapping the pages of their outputs, which the
#: cascade's chunks, reusing freed memory, do not: on 2D J=4 L=8 (16 x 256x256)
#: one inverse FFT over 16 x 3 x 288x288 took 15.8, 13.7, 14.0, 15.0, 11.4, 8.4,
#: 7.9, 7.9 ms on successive calls, and the whole floor, counted from the best of
#: 2 calls per FFT, was 157-166 ms against 125-128 ms from the best of 5 (a scratch
#: probe; until 2026-11-30 afternoon the floors were counted from 2 calls).
FLOOR_CALLS = 6
#: seconds of idle before each timed call, so that thread pools that spin after the
#: previous call (torch's OpenMP threads, here or in the peer's process) have gone
#: to sleep and do not compete with the next contestant's threads
PAUSE_S = 0.2


def set_num_threads(n: int) -> None:
    """Use ``n`` threads in SciPy's FFTs (our NumPy backend) and in PyTorch."""
    from ..backends import _NUMPY

    _NUMPY.workers = int(n)
    try:
        import torch

        torch.set_num_threads(int(n))
    except ImportError:  # pragma: no cover
        pass


def default_threads() -> int:
    env = os.environ.get("SCATKIT_NUM_THREADS")
    return int(env) if env else (os.cpu_count() or 1)


@dataclass
class Result:
    """Timings (seconds, every repeat), FFT floors, memory and agreement of a workload."""

    workload: Workload
    times: dict[str, list[float]] = field(default_factory=dict)
    floor: dict[str, list[float]] = field(default_factory=dict)
    memory: dict[str, int] = field(default_factory=dict)
    agreement: str = "n/a"
    notes: list[str] = field(default_factory=list)
    #: whether "ours torch" on CPU tensors ran through the NumPy backend
    #: (``TorchBackend.cpu_via_numpy``): its FFT floor is then NumPy's
    torch_via_numpy: bool = False

    def median(self, key: str, table: str = "times"):
        vals = getattr(self, table).get(key)
        return statistics.median(vals) if vals else None

    def to_dict(self) -> dict:
        return {"workload": self.workload.name, "description": self.workload.describe(),
                "times": self.times, "floor": self.floor, "memory_bytes": self.memory,
                "agreement": self.agreement, "notes": self.notes,
                "torch_via_numpy": self.torch_via_numpy,
                "medians": {k: self.median(k) for k in self.times},
                "floor_medians": {k: self.median(k, "floor") for k in self.floor}}


# -- our side ---------------------------------------------------------------------
def _our_class(kind: str):
    import scatkit

    return {"1d": scatkit.Scattering1D, "2d": scatkit.Scattering2D, "ctor": scatkit.Scattering1D,
            "3d": getattr(scatkit, "HarmonicScattering3D", None)}[kind]


def _build_ours(w: Workload, fast: bool = False, dtype=np.float32):
    """Our transform for ``w`` with its fold terms (or filters) built for ``dtype``
    inputs (the timed inputs are float32; the constructor workload, which has no
    input, builds the float64 terms)."""
    cls = _our_class(w.kind)
    shape = w.shape if len(w.shape) > 1 else w.shape[0]
    kw = dict(w.params)
    if fast:
        kw["fast"] = True
    S = cls(shape=shape, **kw)
    if hasattr(S, "cascade_ops"):
        S.cascade_ops(dtype)
    elif hasattr(S, "_numpy_filters"):
        S._numpy_filters()
    return S


def _synced(fn, device: str):
    """``fn`` followed by ``torch.cuda.synchronize()`` when ``device`` is CUDA
    (device work is asynchronous: a host clock around the launch alone would
    time the launch)."""
    if not str(device).startswith("cuda"):
        return fn

    import torch

    def call():
        out = fn()
        torch.cuda.synchronize()
        return out

    return call


#: scratch folders of the inputs and reference outputs handed to the peer, removed at exit
_SCRATCH: list[str] = []


def _scratch_dir() -> str:
    """A temporary folder for one workload's files, removed when Python exits."""
    if not _SCRATCH:
        import atexit

        atexit.register(lambda: [shutil.rmtree(d, ignore_errors=True) for d in _SCRATCH])
    _SCRATCH.append(tempfile.mkdtemp(prefix="scatkit-bench-"))
    return _SCRATCH[-1]


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def median_seconds(fn, repeat: int, warmup: bool = False) -> float:
    """Median wall-clock seconds of ``repeat`` calls of ``fn`` (after one untimed
    call when ``warmup``: filters, FFT plans and caches built)."""
    if warmup:
        fn()
    return float(np.median([_timed(fn) for _ in range(repeat)]))


def fft_plan(S, batch: int) -> list[tuple[str, tuple[int, ...], str]]:
    """The FFTs our cascade performs on a batch: ``(kind, shape, dtype)`` with kind
    ``rfft`` (real input), ``fft``/``ifft`` (complex) or ``irfft`` (half spectrum in;
    the shape is the real output's).  Transforms outside the cascade (3D harmonic
    scattering) give their own list through a ``fft_plan(batch)`` method."""
    from ..transforms.cascade import Plan, low_pass_in_space

    if hasattr(S, "fft_plan"):  # transforms outside the cascade list their own
        return S.fft_plan(batch)
    plan: Plan = S.plan
    pad = tuple(S.padded_shape) if hasattr(S, "padded_shape") else (S.N_padded,)
    cascade_ops = S.cascade_ops(np.float32)
    ops = []
    low_passed = 0  # paths low-passed in frequency: one inverse FFT for all, at the end
    for g in plan.groups:
        shape_k = tuple(n >> g.k for n in pad)
        lead = (batch, len(g.paths))
        in_space = low_pass_in_space(cascade_ops, g) is not None  # a low-pass without FFTs
        if g.order > 0:
            ops.append(("ifft", lead + shape_k, "complex64"))
        if g.has_children or not in_space:  # the modulus's FFT
            ops.append(("rfft", lead + shape_k, "float32"))
        if not in_space:
            low_passed += len(g.paths)
    if low_passed:  # the low-passes' inverse FFT
        ops.append(("irfft", (batch, low_passed) + tuple(n >> plan.k_out for n in pad),
                    "complex64"))
    return ops


def time_fft_floor(ops, library: str, device: str = "cpu") -> float:
    """Seconds of the FFTs of :func:`fft_plan` alone, with the library our backend
    uses (``numpy``: SciPy's pocketfft with the backend's workers; ``torch``, on
    ``device``): the sum over the FFTs of the fastest of :data:`FLOOR_CALLS`
    calls (a CUDA call timed up to ``torch.cuda.synchronize``)."""
    from ..backends import _NUMPY
    from ..backends.allocator import keep_freed_memory

    keep_freed_memory()  # the allocator as our transforms leave it
    rng = np.random.default_rng(SEED)
    total = 0.0
    for kind, shape, dtype in ops:
        ndim = len(shape) - 2
        axes = tuple(range(-ndim, 0))
        if kind == "irfft":
            half = shape[:-1] + (shape[-1] // 2 + 1,)
            x = (rng.standard_normal(half) + 1j * rng.standard_normal(half)).astype(np.complex64)
        elif kind in ("ifft", "fft"):
            x = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)
        else:
            x = rng.standard_normal(shape).astype(np.float32)
        if library == "torch":
            import torch

            xt = torch.from_numpy(x).to(device)
            fft = {"rfft": lambda: torch.fft.rfftn(xt, dim=axes),
                   "fft": lambda: torch.fft.fftn(xt, dim=axes),
                   "ifft": lambda: torch.fft.ifftn(xt, dim=axes),
                   "irfft": lambda: torch.fft.irfftn(xt, s=shape[2:], dim=axes)}[kind]
            fn = _synced(fft, device)
        else:
            import scipy.fft as sfft

            wk = _NUMPY.workers
            fn = {"rfft": lambda a=x: sfft.rfftn(a, axes=axes, workers=wk),
                  "fft": lambda a=x: sfft.fftn(a, axes=axes, workers=wk),
                  "ifft": lambda a=x: sfft.ifftn(a, axes=axes, workers=wk),
                  "irfft": lambda a=x: sfft.irfftn(a, s=shape[2:], axes=axes, workers=wk)}[kind]
        if str(device).startswith("cuda"):
            fn()  # CUDA: the first call of a size builds its cuFFT plan
        total += min(_timed(fn) for _ in range(FLOOR_CALLS))
        del x, fn  # the next FFT's input replaces this one
    return total


# -- agreement ---------------------------------------------------------------------
def compare(ours: np.ndarray, ref: np.ndarray, kind: str) -> tuple[float, str]:
    """Relative difference ``max|ours - ref| / max|ref|``.

    1D: Kymatio 0.3.0 folds a filter's lower-resolution copies by *averaging*
    the periodized aliases where scatkit (like Kymatio's development line)
    sums them, so a channel differs by a power of two; each channel of ``ref``
    is rescaled by the power of two nearest to the ratio of the norms first,
    and the note lists the factors found.
    """
    if ours.shape != ref.shape:
        return float("inf"), f"shapes differ: {ours.shape} vs {ref.shape}"
    note = ""
    if kind == "1d":
        axes = (0,) + tuple(range(2, ref.ndim))
        num = np.sqrt((ours.astype(np.float64) ** 2).sum(axis=axes))
        den = np.sqrt((ref.astype(np.float64) ** 2).sum(axis=axes))
        ratio = np.where(den > 0, num / np.where(den > 0, den, 1), 1.0)
        k = np.round(np.log2(ratio))
        off = float(np.abs(np.log2(ratio) - k).max())
        ref = ref * (2.0 ** k).reshape((1, -1) + (1,) * (ref.ndim - 2))
        note = (f"per-channel factors 2^{int(k.min())}..2^{int(k.max())} "
                f"(max |log2 ratio - nearest int| {off:.1e})")
    err = float(np.abs(ours - ref).max() / np.abs(ref).max())
    return err, note


# -- memory ------------------------------------------------------------------------
def peak_memory(python: str, impl: str, frontend: str, w: Workload, xpath: str,
                fast: bool = False) -> int | None:
    """Peak RSS growth (bytes) of building and applying a transform once, in a
    fresh process (:mod:`scatkit.bench._memprobe`), with the FFT workers of the
    timed runs (ours computes that many chunks of the batch at once)."""
    from ..backends import _NUMPY

    cmd = [python, str(MEMPROBE), impl, frontend, w.kind, json.dumps(list(w.shape)),
           json.dumps(w.params), xpath] + (["fast"] if fast else [])
    res = subprocess.run(cmd, capture_output=True, text=True,
                         env={**os.environ, "SCATKIT_NUM_THREADS": str(_NUMPY.workers)})
    if res.returncode != 0:
        return None
    return int(res.stdout.strip().splitlines()[-1])


# -- one workload ------------------------------------------------------------------
def _agreement(ours: np.ndarray, ref_path: str, kind: str) -> str:
    """``ok``/``DIFFERS`` and the relative difference of ``ours`` to the peer's output
    saved at ``ref_path`` (:func:`compare`)."""
    err, note = compare(np.asarray(ours), np.load(ref_path), kind)
    return f"{'ok' if err <= AGREEMENT_TOL else 'DIFFERS'} {err:.1e}" + (f" ({note})" if note else "")


def _alternate(calls: dict, repeats: int, res: Result, after_repeat) -> None:
    """Time every call once per repeat, the order reversed on every other repeat,
    each after :data:`PAUSE_S` of idle, into ``res.times``; the peer's calls
    (``kymatio ...``) report their own seconds.
    ``after_repeat(r)`` runs after repeat ``r`` (floors, progress)."""
    labels = list(calls)
    for r in range(repeats):
        for label in (labels if r % 2 == 0 else labels[::-1]):
            fn = calls[label]
            time.sleep(PAUSE_S)
            t = fn() if label.startswith("kymatio") else _timed(fn)
            res.times.setdefault(label, []).append(t)
        time.sleep(PAUSE_S)
        after_repeat(r)


def run_workload(w: Workload, peer=None, repeats: int = 5, memory: bool = True,
                 peer_python: str | None = None, log=print) -> Result:
    """Time one workload (see the module docstring); ``peer`` is a
    :class:`~scatkit.bench.peer.PeerWorker` or None to time scatkit alone."""
    res = Result(w)
    if w.kind == "ctor":
        return _run_ctor(w, peer, repeats, res)
    if _our_class(w.kind) is None:
        res.notes.append("scatkit has no transform of this kind yet: skipped")
        return res
    import torch

    from ..backends import _torch_backend

    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((w.batch,) + tuple(w.shape)).astype(np.float32)
    xt = torch.from_numpy(x)
    res.torch_via_numpy = _torch_backend().computes_on_numpy(xt)
    if res.torch_via_numpy:
        res.notes.append("ours torch: CPU tensors computed by the NumPy backend "
                         "(TorchBackend.cpu_via_numpy; --torch-fft times torch.fft)")
    tmp = _scratch_dir()
    xpath = os.path.join(tmp, "x.npy")
    np.save(xpath, x)
    S = _build_ours(w)
    F = _build_ours(w, fast=True) if hasattr(S, "fast") else None
    calls = {"ours numpy": lambda: S(x), "ours torch": lambda: S(xt)}
    if F is not None:
        calls.update({"ours fast numpy": lambda: F(x), "ours fast torch": lambda: F(xt)})
    out_ours = S(x)  # warm-up (filters converted) and the output to compare
    for fn in calls.values():
        fn()
    if peer is not None:
        peer.call("load", path=xpath)
        for fe in ("numpy", "torch"):
            try:
                peer.call("build", key=f"{w.name}/{fe}", kind=w.kind, frontend=fe,
                          shape=list(w.shape), params=w.params)
                peer.call("run", key=f"{w.name}/{fe}")  # warm-up
                calls[f"kymatio {fe}"] = (lambda k=f"{w.name}/{fe}": peer.call("run", key=k)["seconds"])
            except RuntimeError as err:
                res.notes.append(f"kymatio {fe}: {err}")
        if "kymatio numpy" in calls:  # its build and warm-up worked
            ref_path = os.path.join(tmp, "ref.npy")
            peer.call("save", key=f"{w.name}/numpy", path=ref_path)
            res.agreement = _agreement(out_ours, ref_path, w.kind)
    fops = fft_plan(S, w.batch)
    fast_ops = None if F is None else fft_plan(F, w.batch)

    def floors(r):
        for lib in ("numpy", "torch"):
            res.floor.setdefault(lib, []).append(time_fft_floor(fops, lib))
        if fast_ops is not None:  # fast mode's own FFTs (smaller grids), with NumPy's
            res.floor.setdefault("fast numpy", []).append(time_fft_floor(fast_ops, "numpy"))
        log(f"  {w.name}: repeat {r + 1}/{repeats} done")

    _alternate(calls, repeats, res, floors)
    if memory:
        res.memory["ours numpy"] = peak_memory(sys.executable, "scatkit", "numpy", w, xpath)
        res.memory["ours fast numpy"] = peak_memory(sys.executable, "scatkit", "numpy", w, xpath,
                                                    fast=True)
        if peer_python is not None:
            res.memory["kymatio numpy"] = peak_memory(peer_python, "kymatio", "numpy", w, xpath)
    return res


def run_workload_cuda(w: Workload, peer=None, repeats: int = 5, device: str = "cuda",
                      log=print) -> Result:
    """Time one workload on a CUDA device: ours (the torch backend, exact and fast
    mode) against Kymatio's torch frontend, both on ``device``.  (``device="cpu"``
    runs the same protocol with torch on the CPU, without the memory figures: it
    is how the tests exercise this function on machines without a GPU.)

    Same protocol as :func:`run_workload` (alternating calls, medians), every
    call timed up to ``torch.cuda.synchronize()`` after one untimed warm-up
    (filters moved to the device, cuFFT plans built).  Agreement: our CUDA
    output against Kymatio's CUDA output.  Memory: the peak of
    ``torch.cuda.max_memory_allocated`` during one call, over what was
    allocated before it (transform and input), in bytes.  The FFT floor is
    timed with ``torch.fft`` on the same device.
    """
    import torch

    res = Result(w)
    if w.kind == "ctor":
        res.notes.append("the constructor builds NumPy filters on the CPU: see the CPU table")
        return res
    if _our_class(w.kind) is None:
        res.notes.append("scatkit has no transform of this kind yet: skipped")
        return res
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((w.batch,) + tuple(w.shape)).astype(np.float32)
    xt = torch.from_numpy(x).to(device)
    tmp = _scratch_dir()
    xpath = os.path.join(tmp, "x.npy")
    np.save(xpath, x)
    S = _build_ours(w)
    F = _build_ours(w, fast=True) if hasattr(S, "fast") else None
    calls = {"ours torch": _synced(lambda: S(xt), device)}
    if F is not None:
        calls["ours fast torch"] = _synced(lambda: F(xt), device)
    on_cuda = str(device).startswith("cuda")
    if on_cuda:  # the same transforms replayed from CUDA graphs (captured in the warm-up)
        from ..torch.graphs import CUDAGraphScattering

        graphed = {"ours graph torch": CUDAGraphScattering(S)}
        if F is not None:
            graphed["ours fast graph torch"] = CUDAGraphScattering(F)
        calls.update({k: _synced(lambda G=G: G(xt), device) for k, G in graphed.items()})
    out_ours = calls["ours torch"]().cpu().numpy()  # warm-up, and the output to compare
    for fn in calls.values():
        fn()
    if on_cuda:
        for label, G in graphed.items():
            diff = float((G(xt) - (S if G.transform is S else F)(xt)).abs().max())
            if diff:
                res.notes.append(f"{label} differs from the eager call by {diff:.1e}")
    for label, T in (("ours torch", S), ("ours fast torch", F)):
        if T is not None and on_cuda:
            torch.cuda.synchronize()
            base = torch.cuda.memory_allocated()
            torch.cuda.reset_peak_memory_stats()
            _synced(lambda T=T: T(xt), device)()
            res.memory[label] = int(torch.cuda.max_memory_allocated() - base)
    if peer is not None:
        key = f"{w.name}/torch/{device}"
        try:
            peer.call("load", path=xpath, device=device)
            peer.call("build", key=key, kind=w.kind, frontend="torch", shape=list(w.shape),
                      params=w.params, device=device)
            peer.call("run", key=key)  # warm-up
            if on_cuda:
                res.memory["kymatio torch"] = peer.call("peak", key=key)["bytes"]
            peer.call("run", key=key)
            ref_path = os.path.join(tmp, "ref.npy")
            peer.call("save", key=key, path=ref_path)
            res.agreement = _agreement(out_ours, ref_path, w.kind)
            calls["kymatio torch"] = lambda: peer.call("run", key=key)["seconds"]
        except RuntimeError as err:
            res.notes.append(f"kymatio torch on {device}: {err}")
    fops = fft_plan(S, w.batch)

    def floor(r):
        res.floor.setdefault("torch", []).append(time_fft_floor(fops, "torch", device))
        log(f"  {w.name} ({device}): repeat {r + 1}/{repeats} done")

    _alternate(calls, repeats, res, floor)
    return res


def format_table_cuda(results: list[Result], device_name: str = "CUDA") -> str:
    """A Markdown table of :func:`run_workload_cuda`'s medians ("graph": the same
    transform replayed from CUDA graphs by :class:`scatkit.torch.CUDAGraphScattering`)."""
    head = (f"| workload ({device_name}) | ours torch | ours fast torch | ours graph / fast graph | "
            "Kymatio torch | exact vs Kymatio | fast vs Kymatio | graph vs Kymatio (exact / fast) | "
            "FFT floor (torch.fft) | ours / floor (eager, graph) | "
            "peak GPU MB ours / fast / Kymatio | agreement |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        m = r.median
        ot, ft, kt, fl = m("ours torch"), m("ours fast torch"), m("kymatio torch"), m("torch", "floor")
        gt, gf = m("ours graph torch"), m("ours fast graph torch")
        mem = r.memory
        lines.append(" | ".join([
            f"| {r.workload.name}: {r.workload.describe()}", _fmt_s(ot), _fmt_s(ft),
            f"{_fmt_s(gt)} / {_fmt_s(gf)}", _fmt_s(kt),
            _ratio(kt, ot), _ratio(kt, ft), f"{_ratio(kt, gt)} / {_ratio(kt, gf)}", _fmt_s(fl),
            f"{_ratio(ot, fl)}, {_ratio(gt, fl)}",
            f"{_mb(mem.get('ours torch'))} / {_mb(mem.get('ours fast torch'))} / "
            f"{_mb(mem.get('kymatio torch'))}",
            r.agreement + (f"; {'; '.join(r.notes)}" if r.notes else "")]) + " |")
    return "\n".join(lines)


def _run_ctor(w: Workload, peer, repeats: int, res: Result) -> Result:
    calls = {"ours numpy": lambda: _timed(lambda: _build_ours(w, dtype=np.float64))}
    if peer is not None:
        calls["kymatio numpy"] = lambda: peer.call(
            "build", key="ctor", kind="1d", frontend="numpy", shape=list(w.shape),
            params=w.params)["seconds"]
    for r in range(repeats):
        order = list(calls) if r % 2 == 0 else list(calls)[::-1]
        for label in order:
            res.times.setdefault(label, []).append(calls[label]())
    res.notes.append("ours: constructor + filter bank + cascade fold terms; "
                     "Kymatio: constructor (builds its filters)")
    return res


# -- report ------------------------------------------------------------------------
def _fmt_s(v):
    if v is None:
        return "—"
    if v < 0.01:
        return f"{v * 1e3:.2f} ms"
    return f"{v * 1e3:.0f} ms" if v < 10 else f"{v:.1f} s"


def _ratio(a, b):
    return "—" if a is None or b is None or b == 0 else f"{a / b:.1f}x"


def _mb(v):
    return "—" if v is None else f"{v / 2**20:.0f}"


def format_table(results: list[Result]) -> str:
    """A Markdown table of the medians (see :func:`run_workload`)."""
    head = ("| workload | ours NumPy | ours torch | ours fast NumPy / torch | Kymatio NumPy | "
            "Kymatio torch | exact vs Kymatio NumPy | exact vs Kymatio torch | fast vs Kymatio torch "
            "| FFT floor NumPy / torch / fast | ours / floor (NumPy, torch, fast) | peak MB ours / fast / Kymatio "
            "(NumPy) | agreement |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        m = r.median
        on, ot, fn_, ft = m("ours numpy"), m("ours torch"), m("ours fast numpy"), m("ours fast torch")
        kn, kt = m("kymatio numpy"), m("kymatio torch")
        fl_n, fl_t, fl_f = m("numpy", "floor"), m("torch", "floor"), m("fast numpy", "floor")
        fl_ours_t = fl_n if r.torch_via_numpy else fl_t  # the library "ours torch" used
        mem = r.memory
        lines.append(" | ".join([
            f"| {r.workload.name}: {r.workload.describe()}", _fmt_s(on), _fmt_s(ot),
            f"{_fmt_s(fn_)} / {_fmt_s(ft)}", _fmt_s(kn), _fmt_s(kt), _ratio(kn, on), _ratio(kt, ot),
            _ratio(kt, ft), f"{_fmt_s(fl_n)} / {_fmt_s(fl_t)} / {_fmt_s(fl_f)}",
            f"{_ratio(on, fl_n)}, {_ratio(ot, fl_ours_t)}, {_ratio(fn_, fl_f)}",
            f"{_mb(mem.get('ours numpy'))} / {_mb(mem.get('ours fast numpy'))} / "
            f"{_mb(mem.get('kymatio numpy'))}",
            r.agreement + (f"; {'; '.join(r.notes)}" if r.notes else "")]) + " |")
    return "\n".join(lines)


def machine_description(threads: int) -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"{threads} thread(s), Python {platform.python_version()}, "
            f"load average {', '.join(f'{v:.1f}' for v in load) if load else 'n/a'}")
