"""Peak memory of building a transform and applying it once, in a fresh process.

Usage: ``python _memprobe.py IMPL FRONTEND KIND SHAPE_JSON PARAMS_JSON INPUT.npy [FAST]``
with IMPL ``scatkit`` or ``kymatio``.  Prints the growth of the peak resident
set size (``VmHWM`` of ``/proc/self/status``, the high-water mark of this
process's memory; ``getrusage``'s ``ru_maxrss`` is not used because Linux
carries it over from the parent across ``fork``/``exec``) over the resident
set once the libraries are imported and the input is loaded, in bytes.  For
scatkit that includes numba and its compiled kernel where the NumPy backend
uses it (:func:`scatkit.backends.kernels.available`; a fixed cost per process,
reported in docs/BENCHMARKS.md, like the imports of the peer's libraries).
"""

import json
import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def _status_kb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{key} not in /proc/self/status (Linux only)")


def rss_bytes():
    return _status_kb("VmRSS") * 1024


def main(argv):
    impl, frontend, kind, shape, params, path = argv[:6]
    fast = len(argv) > 6 and argv[6] == "fast"
    shape = tuple(json.loads(shape))
    params = json.loads(params)
    x = np.load(path)
    if frontend == "torch":
        import torch

        torch.set_num_threads(1)
        x = torch.from_numpy(x)
    if impl == "kymatio":
        import kymatio.numpy as kn
        import kymatio.torch as kt

        mod = kt if frontend == "torch" else kn
        cls = {"1d": mod.Scattering1D, "2d": mod.Scattering2D, "3d": mod.HarmonicScattering3D}[kind]
    else:
        import scatkit
        from scatkit.backends import numpy_backend

        numpy_backend.compiled_folds_enabled()  # where requested: imports numba, loads the kernel
        cls = {"1d": scatkit.Scattering1D, "2d": scatkit.Scattering2D,
               "3d": scatkit.HarmonicScattering3D}[kind]
        if fast:
            params["fast"] = True
    base = rss_bytes()
    S = cls(shape=shape if len(shape) > 1 else shape[0], **params)
    S(x)
    peak = _status_kb("VmHWM") * 1024
    print(max(peak - base, 0))


if __name__ == "__main__":
    main(sys.argv[1:])
