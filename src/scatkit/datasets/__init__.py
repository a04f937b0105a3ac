"""Data set loaders and data location (see :mod:`.paths`).

Loaders are imported lazily (on first attribute access), so that ``import
scatkit.datasets`` stays cheap and a loader whose optional dependency is missing
does not break the others.

=====================  ==============================================  =========================
name                   what                                            module
=====================  ==============================================  =========================
``load_mnist``         bundled 10k MNIST sample, or the IDX files      :mod:`.mnist`
``read_idx``           one IDX file                                    :mod:`.mnist`
``load_fsdd``          Free Spoken Digit Dataset (WAV)                 :mod:`.fsdd`
``read_audio``         one audio file (WAV, FLAC, OGG)                 :mod:`.audio`
``load_kth_tips``      KTH-TIPS grey textures                          :mod:`.kth_tips`
``load_qm7``           QM7 molecules                                   :mod:`.qm7`
``read_xyz``           one XYZ molecule file                           :mod:`.qm7`
``load_cifar10``       CIFAR-10                                        :mod:`.cifar10`
``load_folder``        labelled ``<class>/<file>`` folders, globs      :mod:`.folders`
``list_files``         files (and labels) of folders or globs          :mod:`.folders`
``read_image``         one image (PNG, JPEG, TIFF)                     :mod:`.images`
``verify_checksums``   check a data folder against its ``SHA256SUMS``  :mod:`.checksums`
``require_dataset``    a data folder, optionally verified              :mod:`.checksums`
``load_features``      a store written by ``scatkit features``         :mod:`.features`
=====================  ==============================================  =========================
"""
from __future__ import annotations

import importlib

from .paths import bundled_path, data_home, dataset_path

#: public name -> module (relative to this package) that defines it
_LAZY = {
    "load_mnist": ".mnist",
    "read_idx": ".mnist",
    "load_fsdd": ".fsdd",
    "read_audio": ".audio",
    "load_kth_tips": ".kth_tips",
    "load_qm7": ".qm7",
    "read_xyz": ".qm7",
    "load_cifar10": ".cifar10",
    "load_folder": ".folders",
    "list_files": ".folders",
    "read_image": ".images",
    "verify_checksums": ".checksums",
    "require_dataset": ".checksums",
    "load_features": ".features",
}

__all__ = ["data_home", "dataset_path", "bundled_path", *_LAZY]


def __getattr__(name: str):
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        module = importlib.import_module(module_name, __name__)
    except ModuleNotFoundError as err:
        if err.name == __name__ + module_name:
            raise AttributeError(f"{name} is not available: module scatkit.datasets{module_name} "
                                 "is not part of this installation yet") from err
        raise
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
