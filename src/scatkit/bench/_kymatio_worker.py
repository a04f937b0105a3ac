"""Kymatio 0.3.0 benchmark worker, run by the peer environment's Python.

Reads one JSON command per line on stdin and answers one JSON line on stdout:
``build`` (constructs a transform, answers its seconds), ``load`` (an input
``.npy``), ``run`` (answers the seconds of one call), ``save`` (writes the
last output to ``.npy``), ``peak`` (one call's peak CUDA memory), ``quit``.
``load`` and ``build`` take a ``device`` (``"cpu"`` or ``"cuda"``; the torch
frontend's module and input are moved there, and a CUDA call is timed up to
``torch.cuda.synchronize``).  It imports only NumPy, SciPy, PyTorch and
Kymatio: scatkit is not installed in that environment.
"""

import json
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def _scipy_compat():
    """Let Kymatio 0.3.0 import under SciPy >= 1.17, which removed ``sph_harm``.

    Kymatio's 3D filter bank calls ``sph_harm(m, l, azimuth, polar)`` (SciPy's
    old argument order); SciPy's replacement is ``sph_harm_y(l, m, polar,
    azimuth)``.  The alias is installed only where ``sph_harm`` is missing (the
    benchmark's own environment pins SciPy < 1.17 and never needs it; the
    alias serves a machine such as a GPU host whose Python cannot be changed).
    """
    import scipy.special as special

    if not hasattr(special, "sph_harm") and hasattr(special, "sph_harm_y"):
        def sph_harm(m, n, theta, phi):
            return special.sph_harm_y(n, m, phi, theta)

        special.sph_harm = sph_harm


def _sync(device):
    if str(device).startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def _classes(frontend):
    if frontend == "torch":
        import kymatio.torch as mod
    else:
        import kymatio.numpy as mod
    # kymatio/__init__ turns DeprecationWarnings to "always"; SciPy 1.15/1.16's
    # sph_harm deprecation would then print once per filter
    warnings.filterwarnings("ignore")
    return {"1d": mod.Scattering1D, "2d": mod.Scattering2D, "3d": mod.HarmonicScattering3D,
            "ctor": mod.Scattering1D}


def main():
    import scipy.fft

    _scipy_compat()
    transforms, inputs, last = {}, {}, {}
    threads = 1
    for line in sys.stdin:
        cmd = json.loads(line)
        try:
            op = cmd["cmd"]
            if op == "threads":
                threads = int(cmd["n"])
                import torch

                torch.set_num_threads(threads)
                reply = {"ok": True}
            elif op == "build":
                cls = _classes(cmd["frontend"])[cmd["kind"]]
                shape = tuple(cmd["shape"])
                device = cmd.get("device", "cpu")
                with scipy.fft.set_workers(threads):
                    t0 = time.perf_counter()
                    S = cls(shape=shape if len(shape) > 1 else shape[0], **cmd["params"])
                    if device != "cpu" and cmd["frontend"] == "torch":
                        S = S.to(device)
                    _sync(device)
                    seconds = time.perf_counter() - t0
                transforms[cmd["key"]] = (S, cmd["frontend"], device)
                reply = {"ok": True, "seconds": seconds}
            elif op == "load":
                x = np.load(cmd["path"])
                inputs["numpy"] = x
                import torch

                inputs["torch"] = torch.from_numpy(x).to(cmd.get("device", "cpu"))
                reply = {"ok": True}
            elif op == "run":
                S, frontend, device = transforms[cmd["key"]]
                x = inputs[frontend]
                with scipy.fft.set_workers(threads):
                    t0 = time.perf_counter()
                    out = S(x)
                    _sync(device)
                    seconds = time.perf_counter() - t0
                last[cmd["key"]] = out
                reply = {"ok": True, "seconds": seconds}
            elif op == "peak":
                import torch

                S, frontend, device = transforms[cmd["key"]]
                last.pop(cmd["key"], None)
                _sync(device)
                base = torch.cuda.memory_allocated()
                torch.cuda.reset_peak_memory_stats()
                out = S(inputs[frontend])
                _sync(device)
                reply = {"ok": True, "bytes": int(torch.cuda.max_memory_allocated() - base)}
                del out
            elif op == "save":
                out = last[cmd["key"]]
                out = out.detach().cpu().numpy() if hasattr(out, "detach") else np.asarray(out)
                np.save(cmd["path"], out)
                reply = {"ok": True}
            elif op == "version":
                import kymatio
                import scipy
                import torch

                reply = {"ok": True, "kymatio": kymatio.__version__, "scipy": scipy.__version__,
                         "torch": torch.__version__, "numpy": np.__version__,
                         "cuda": torch.cuda.get_device_name() if torch.cuda.is_available() else None}
            elif op == "quit":
                print(json.dumps({"ok": True}), flush=True)
                return
            else:
                reply = {"ok": False, "error": f"unknown command {op!r}"}
        except Exception as err:  # report to the parent instead of dying
            reply = {"ok": False, "error": f"{type(err).__name__}: {err}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
