"""Where data sets live.

Data sets are looked up in the folder named by the environment variable
``SCATKIT_DATA`` (the test suite points it at the project's shared data), else in
the user cache folder ``~/.cache/scatkit/data`` (or ``$XDG_CACHE_HOME/scatkit/data``).
Each data set is a sub-folder with a fixed name (``mnist10k``, ``fsdd``,
``kth_tips_grey``, ``qm7``, ``cifar10``, ``dust_mhd``).
"""

from __future__ import annotations

import os
from pathlib import Path

#: environment variable naming the data folder
ENV_VAR = "SCATKIT_DATA"

#: how to obtain each data set, shown when it is missing
SOURCES = {
    "mnist10k": "a 10,000-digit MNIST sample (bundled with scatkit); full MNIST: "
                "http://yann.lecun.com/exdb/mnist/ (IDX files)",
    "fsdd": "Free Spoken Digit Dataset: https://github.com/Jakobovski/free-spoken-digit-dataset "
            "(the recordings/ folder of WAV files)",
    "kth_tips_grey": "KTH-TIPS grey: https://www.csc.kth.se/cvap/databases/kth-tips/ "
                     "(folder KTH_TIPS_GRAY/<class>/*.png)",
    "qm7": "QM7: http://quantum-machine.org/datasets/ (qm7.npz with positions, charges, energies)",
    "cifar10": "CIFAR-10: https://www.cs.toronto.edu/~kriz/cifar.html (cifar10_jpg.tar or the "
               "binary batches)",
    "dust_mhd": "simulated dust emission maps (I_*.npy, Q_*.npy, U_*.npy)",
}


def data_home() -> Path:
    """The folder that holds the data sets."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "scatkit" / "data"


def dataset_path(name: str) -> Path:
    """The folder of data set ``name``; raises :class:`FileNotFoundError` saying where
    to put it if it is missing."""
    path = data_home() / name
    if not path.exists():
        how = SOURCES.get(name, "")
        raise FileNotFoundError(
            f"data set {name!r} not found at {path}. Put it there (source: {how}) or set "
            f"{ENV_VAR} to the folder that contains {name}/.")
    return path


def bundled_path(filename: str) -> Path:
    """A file bundled with the package (the MNIST sample)."""
    return Path(__file__).with_name("bundled") / filename
