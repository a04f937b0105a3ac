"""Does the benchmark worker's ``sph_harm`` alias change Kymatio 0.3.0's 3D output?

Usage: ``python benchmarks/kymatio_sph_harm_alias.py PYTHON_OLD PYTHON_NEW [SITE]``

Runs the Kymatio worker (``scatkit.bench._kymatio_worker``) under two Pythons on
the same random input (HarmonicScattering3D, J=2, L=3, 2 x 24^3, torch frontend):
``PYTHON_OLD`` with a SciPy that still has ``scipy.special.sph_harm`` (the
benchmark's ``.venv-kymatio``, SciPy < 1.17), ``PYTHON_NEW`` with a SciPy >= 1.17,
where the worker installs the alias; ``SITE`` is put on ``PYTHON_NEW``'s
``PYTHONPATH`` (a folder holding Kymatio, e.g. ``pip install --no-deps --target SITE
kymatio==0.3.0``).  Prints both SciPy versions and ``max|a - b| / max|a|``.
"""

import os
import sys
import tempfile

import numpy as np

from scatkit.bench.peer import PeerWorker


def output(python: str, x_path: str, out_path: str) -> str:
    with PeerWorker(None, 1, python=python) as peer:
        version = peer.call("version")["scipy"]
        peer.call("load", path=x_path)
        peer.call("build", key="3d", kind="3d", frontend="torch", shape=[24, 24, 24],
                  params={"J": 2, "L": 3})
        peer.call("run", key="3d")
        peer.call("save", key="3d", path=out_path)
    return version


def main(argv) -> None:
    if len(argv) < 2:
        sys.exit(__doc__)
    tmp = tempfile.mkdtemp(prefix="scatkit-alias-")
    x_path = os.path.join(tmp, "x.npy")
    np.save(x_path, np.random.default_rng(1).standard_normal((2, 24, 24, 24)).astype(np.float32))
    old = output(argv[0], x_path, os.path.join(tmp, "old.npy"))
    if len(argv) > 2:
        os.environ["PYTHONPATH"] = argv[2]
    new = output(argv[1], x_path, os.path.join(tmp, "new.npy"))
    a, b = np.load(os.path.join(tmp, "old.npy")), np.load(os.path.join(tmp, "new.npy"))
    print(f"SciPy {old} (sph_harm) vs SciPy {new} (alias): "
          f"max |a - b| / max |a| = {np.abs(a - b).max() / np.abs(a).max():.1e}")


if __name__ == "__main__":
    main(sys.argv[1:])
