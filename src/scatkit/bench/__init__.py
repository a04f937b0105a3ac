"""``scatkit bench``: scatkit against Kymatio 0.3.0 on the same machine (issue 3).

:func:`run` times the workloads of :data:`~scatkit.bench.workloads.WORKLOADS`
alternately with Kymatio running in a persistent worker process inside an
isolated environment (:mod:`scatkit.bench.peer`), and reports medians, the
FFT floor, peak memory and the agreement of the outputs.
"""

from __future__ import annotations

from .runner import (Result, format_table, format_table_cuda, machine_description, median_seconds,
                     run_workload, run_workload_cuda, set_num_threads)
from .workloads import DEFAULT, WORKLOADS, Workload

__all__ = ["WORKLOADS", "DEFAULT", "Workload", "Result", "run", "run_workload", "run_workload_cuda",
           "format_table", "format_table_cuda", "set_num_threads", "machine_description",
           "median_seconds"]


def run(names=None, *, peer: bool = True, peer_env=None, repeats: int = 5, threads: int | None = None,
        batch: int | None = None, batch_divisor: int = 1, memory: bool = True,
        device: str = "cpu", peer_python: str | None = None, log=print) -> list[Result]:
    """Run the benchmark on the workloads ``names`` (default: the issue's table).

    Parameters
    ----------
    peer : bool
        Time Kymatio 0.3.0 too (creating its environment once if missing).
    peer_env : path, optional
        The peer environment (default ``.venv-kymatio`` next to the repository).
    repeats : int
        Alternating repeats per workload (the table shows medians).
    threads : int, optional
        Threads for SciPy's FFT workers and PyTorch, the same for Kymatio
        (default ``SCATKIT_NUM_THREADS`` or every core).
    batch : int, optional
        Override every workload's batch size (quick runs).
    batch_divisor : int
        Divide every workload's batch size by this (at least one input).
    memory : bool
        Measure peak memory in fresh processes (CPU; on CUDA the peak device
        memory of one call is always measured).
    device : {"cpu", "cuda", "cuda:N"}
        ``"cpu"``: NumPy and torch on the CPU (:func:`run_workload`); a CUDA
        device: ours and Kymatio's torch frontend on it
        (:func:`run_workload_cuda`).
    peer_python : path, optional
        A Python interpreter that already imports Kymatio 0.3.0 and PyTorch,
        used instead of creating ``peer_env`` (e.g. on a GPU host without
        network access).
    """
    from .peer import PeerWorker, ensure_peer_env, env_python
    from .runner import default_threads

    names = list(names) if names else list(DEFAULT)
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        raise ValueError(f"unknown workload(s) {unknown}; choose from {sorted(WORKLOADS)}")
    if not (device == "cpu" or str(device).startswith("cuda")):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'cuda:N', got {device!r}")
    cuda = device != "cpu"
    if cuda:
        import torch

        if not torch.cuda.is_available():
            raise ValueError(f"--device {device}: PyTorch sees no CUDA device here "
                             "(run on a GPU host, or use --device cpu)")
    threads = threads or default_threads()
    set_num_threads(threads)
    worker = None
    if peer:
        if peer_python is None:
            env = ensure_peer_env(peer_env, log=log)
            peer_python = str(env_python(env))
        worker = PeerWorker(None, threads, python=peer_python)
    results = []
    try:
        for name in names:
            w = WORKLOADS[name]
            w = w.with_batch(batch if batch is not None else max(1, w.batch // batch_divisor))
            log(f"{name}: {w.describe()}")
            if cuda:
                results.append(run_workload_cuda(w, worker, repeats=repeats, device=device,
                                                 log=log))
            else:
                results.append(run_workload(w, worker, repeats=repeats, memory=memory,
                                            peer_python=peer_python, log=log))
    finally:
        if worker is not None:
            worker.close()
    return results
