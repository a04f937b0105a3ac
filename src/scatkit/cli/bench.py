"""``scatkit bench [WORKLOAD...]``: time scatkit against Kymatio 0.3.0 side by side."""

from __future__ import annotations

import json
import sys


def add_parser(sub):
    from ..bench.workloads import DEFAULT, WORKLOADS

    p = sub.add_parser(
        "bench", help="time scatkit against Kymatio 0.3.0 on the same machine",
        description="Time scatkit (NumPy, torch, fast mode) and Kymatio 0.3.0 (NumPy, torch) "
        "alternately on identical inputs; print medians, ratios, the FFT floor, peak memory and "
        "whether the outputs agree. Kymatio runs in an isolated environment (.venv-kymatio next "
        "to the repository, created once with kymatio==0.3.0, scipy<1.17, torch==2.13.0). "
        f"Workloads: {', '.join(WORKLOADS)} (default: {' '.join(DEFAULT)}).")
    p.add_argument("workloads", nargs="*", metavar="WORKLOAD", help="workloads to run")
    p.add_argument("--repeats", type=int, default=5, help="alternating repeats (default 5)")
    p.add_argument("--threads", type=int, default=None,
                   help="FFT workers and torch threads for both libraries "
                   "(default: $SCATKIT_NUM_THREADS or every core)")
    p.add_argument("--batch", type=int, default=None, help="override every workload's batch size")
    p.add_argument("--batch-divisor", type=int, default=1, metavar="D",
                   help="divide every workload's batch size by D (at least 1 input; quick runs on a "
                   "busy machine)")
    p.add_argument("--no-peer", action="store_true", help="time scatkit only (no Kymatio)")
    p.add_argument("--peer-env", default=None, help="the Kymatio environment (default .venv-kymatio)")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory probes")
    p.add_argument("--torch-fft", action="store_true",
                   help="compute our CPU torch inputs with torch.fft (default: through the NumPy "
                   "backend, faster here; TorchBackend.cpu_via_numpy)")
    p.add_argument("--device", default="cpu",
                   help="cpu (default: NumPy and torch on the CPU) or cuda / cuda:N (ours and "
                   "Kymatio's torch frontend on that GPU)")
    p.add_argument("--peer-python", default=None, metavar="PYTHON",
                   help="a Python that already imports kymatio==0.3.0 and torch, used instead of "
                   "creating the peer environment (e.g. on a GPU host without network access)")
    p.add_argument("--json", default=None, metavar="PATH", help="also write the raw timings here")
    p.set_defaults(func=main)
    return p


def main(args) -> int:
    from ..bench import format_table, format_table_cuda, machine_description, run
    from ..bench.runner import default_threads

    if args.repeats < 1:
        raise ValueError("--repeats must be at least 1")
    if args.batch_divisor < 1:
        raise ValueError("--batch-divisor must be at least 1")
    threads = args.threads or default_threads()
    if args.torch_fft:
        from ..backends.torch_backend import TorchBackend

        TorchBackend.cpu_via_numpy = False
    log = (lambda msg: print(msg, file=sys.stderr, flush=True))
    results = run(args.workloads, peer=not args.no_peer, peer_env=args.peer_env,
                  repeats=args.repeats, threads=threads, batch=args.batch,
                  batch_divisor=args.batch_divisor,
                  memory=not args.no_memory, device=args.device, peer_python=args.peer_python,
                  log=log)
    machine = machine_description(threads)
    if args.device != "cpu":
        import torch

        gpu = torch.cuda.get_device_name(torch.device(args.device))
        machine += f"; {gpu}, torch {torch.__version__}"
        table = format_table_cuda(results, gpu)
    else:
        table = format_table(results)
    print(f"machine: {machine}; medians of {args.repeats} alternating repeats")
    print(table)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine, "device": args.device, "repeats": args.repeats,
                       "results": [r.to_dict() for r in results]}, f, indent=1)
    return 0
