"""``scatkit bench``: scatkit against Kymatio 0.3.0 on the same machine (issue 3).

:func:`run` times the workloads of :data:`~scatkit.bench.workloads.WORKLOADS`
alternately with Kymatio running in a persistent worker process inside an
isolated environment (:mod:`scatkit.bench.peer`), and reports medians, the
FFT floor, peak memory and the agreement of the outputs.
"""

from __future__ import annotations

from .runner import (Result, format_table, machine_description, median_seconds, run_workload,
                     set_num_threads)
from .workloads import DEFAULT, WORKLOADS, Workload

__all__ = ["WORKLOADS", "DEFAULT", "Workload", "Result", "run", "run_workload", "format_table",
           "set_num_threads", "machine_description", "median_seconds"]


def run(names=None, *, peer: bool = True, peer_env=None, repeats: int = 5, threads: int | None = None,
        batch: int | None = None, batch_divisor: int = 1, memory: bool = True,
        log=print) -> list[Result]:
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
        Measure peak memory in fresh processes.
    """
    from .peer import PeerWorker, ensure_peer_env, env_python
    from .runner import default_threads

    names = list(names) if names else list(DEFAULT)
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        raise ValueError(f"unknown workload(s) {unknown}; choose from {sorted(WORKLOADS)}")
    threads = threads or default_threads()
    set_num_threads(threads)
    worker = None
    peer_python = None
    if peer:
        env = ensure_peer_env(peer_env, log=log)
        peer_python = str(env_python(env))
        worker = PeerWorker(env, threads)
    results = []
    try:
        for name in names:
            w = WORKLOADS[name]
            w = w.with_batch(batch if batch is not None else max(1, w.batch // batch_divisor))
            log(f"{name}: {w.describe()}")
            results.append(run_workload(w, worker, repeats=repeats, memory=memory,
                                        peer_python=peer_python, log=log))
    finally:
        if worker is not None:
            worker.close()
    return results
