"""How the CUDA chunk budget (``TorchBackend.cuda_chunk_bytes``) sets our GPU time.

For each benchmark workload, times ``scatkit``'s exact transform on a CUDA
float32 batch with several budgets (medians of ``REPEATS`` calls, each up to
``torch.cuda.synchronize``, after a warm-up) and prints one Markdown row per
workload with the peak device memory of one call.  A budget of 0 means "the
CPU's bound" (``max(default, 0)``: 32 MiB for the cascade, 4 MiB for 3D).

    python benchmarks/gpu_chunks.py [--graph] [--budgets MIB,MIB,...] [WORKLOAD...]

``--graph`` times the transform replayed from a CUDA graph
(:class:`scatkit.torch.CUDAGraphScattering`, captured at each budget) and gives
the memory its capture reserved instead of one eager call's peak: small budgets
cost many more kernel launches, which a graph replays at once.

``--budgets`` lists the budgets in MiB (0 for the CPU's bound); the default is
``BUDGETS``.  Kymatio's peak on the same batch is in the ``scatkit bench
--device cuda`` table.
"""

import sys

import numpy as np
import torch

from scatkit.backends import _torch_backend
from scatkit.bench.runner import _build_ours, _synced, median_seconds
from scatkit.bench.workloads import WORKLOADS
from scatkit.torch import CUDAGraphScattering

#: budgets tried, bytes
BUDGETS = (0, 256 << 20, 1 << 30, 8 << 30)
REPEATS = 7


def _call(S, graph: bool):
    """``S`` itself, or (``graph``) ``S`` replayed from a CUDA graph captured now at
    the current budget; and the device memory the capture reserved (MB), or None."""
    if not graph:
        return S, None
    torch.cuda.synchronize()
    torch.cuda.empty_cache()
    before = torch.cuda.memory_reserved()
    G = CUDAGraphScattering(S, copy=False)
    return G, before


def main(names, budgets=BUDGETS, graph=False):
    backend = _torch_backend()
    default = backend.cuda_chunk_bytes
    what = "graph MB" if graph else "peak MB"
    print("| workload | " + " | ".join(f"{b >> 20} MiB: ms ({what})" if b else f"CPU bound: ms ({what})"
                                      for b in budgets) + " |")
    print("|---" * (len(budgets) + 1) + "|")
    for name in names:
        w = WORKLOADS[name]
        x = torch.from_numpy(np.random.default_rng(0).standard_normal(
            (w.batch,) + tuple(w.shape)).astype(np.float32)).cuda()
        S = _build_ours(w)
        cells = []
        for b in budgets:
            backend.cuda_chunk_bytes = b
            call, reserved_before = _call(S, graph)
            # the first (warm-up) call of a graph wrapper is its capture
            seconds = median_seconds(_synced(lambda: call(x), "cuda"), REPEATS, warmup=True)
            if graph:  # the graph's private pool, held while it lives
                mb = (torch.cuda.memory_reserved() - reserved_before) / 2**20
                del call
            else:
                base = torch.cuda.memory_allocated()
                torch.cuda.reset_peak_memory_stats()
                S(x)
                torch.cuda.synchronize()
                mb = (torch.cuda.max_memory_allocated() - base) / 2**20
            cells.append(f"{seconds * 1e3:.2f} ({mb:.0f})")
        backend.cuda_chunk_bytes = default
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


def _parse(argv):
    budgets, graph = BUDGETS, False
    if argv[:1] == ["--graph"]:
        graph, argv = True, argv[1:]
    if argv[:1] == ["--budgets"]:
        if len(argv) < 2:
            raise SystemExit("--budgets needs a list of MiB, e.g. --budgets 0,64,256,1024")
        try:
            budgets = tuple(int(float(m) * 2**20) for m in argv[1].split(","))
        except ValueError:
            raise SystemExit(f"--budgets takes MiB separated by commas, e.g. 0,64,256; "
                             f"got {argv[1]!r}") from None
        if any(b < 0 for b in budgets):
            raise SystemExit(f"--budgets must be >= 0 MiB (0: the CPU's bound), got {argv[1]!r}")
        argv = argv[2:]
    unknown = [n for n in argv if n not in WORKLOADS]
    if unknown:
        raise SystemExit(f"unknown workload(s) {unknown}; choose from {sorted(WORKLOADS)}")
    return argv or ["2d-small", "2d-large", "1d-small", "1d-large", "3d"], budgets, graph


if __name__ == "__main__":
    names, budgets, graph = _parse(sys.argv[1:])
    main(names, budgets, graph)
