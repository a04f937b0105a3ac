"""Kymatio 0.3.0 benchmark worker, run by the peer environment's Python.

Reads one JSON command per line on stdin and answers one JSON line on stdout:
``build`` (constructs a transform, answers its seconds), ``load`` (an input
``.npy``), ``run`` (answers the seconds of one call), ``save`` (writes the
last output to ``.npy``), ``quit``.  It imports only NumPy, SciPy, PyTorch
and Kymatio: scatkit is not installed in that environment.
"""

import json
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def _classes(frontend):
    if frontend == "torch":
        import kymatio.torch as mod
    else:
        import kymatio.numpy as mod
    return {"1d": mod.Scattering1D, "2d": mod.Scattering2D, "3d": mod.HarmonicScattering3D,
            "ctor": mod.Scattering1D}


def main():
    import scipy.fft

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
                with scipy.fft.set_workers(threads):
                    t0 = time.perf_counter()
                    S = cls(shape=shape if len(shape) > 1 else shape[0], **cmd["params"])
                    seconds = time.perf_counter() - t0
                transforms[cmd["key"]] = (S, cmd["frontend"])
                reply = {"ok": True, "seconds": seconds}
            elif op == "load":
                x = np.load(cmd["path"])
                inputs["numpy"] = x
                import torch

                inputs["torch"] = torch.from_numpy(x)
                reply = {"ok": True}
            elif op == "run":
                S, frontend = transforms[cmd["key"]]
                x = inputs[frontend]
                with scipy.fft.set_workers(threads):
                    t0 = time.perf_counter()
                    out = S(x)
                    seconds = time.perf_counter() - t0
                last[cmd["key"]] = out
                reply = {"ok": True, "seconds": seconds}
            elif op == "save":
                out = last[cmd["key"]]
                out = out.numpy() if hasattr(out, "numpy") else np.asarray(out)
                np.save(cmd["path"], out)
                reply = {"ok": True}
            elif op == "version":
                import kymatio
                import scipy
                import torch

                reply = {"ok": True, "kymatio": kymatio.__version__, "scipy": scipy.__version__,
                         "torch": torch.__version__, "numpy": np.__version__}
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
