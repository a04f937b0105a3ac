"""MNIST handwritten digits: the bundled 10,000-digit sample and the official IDX files.

The bundled sample (``mnist10k.npz``: ``images`` (10000, 28, 28) uint8, ``labels``
(10000,) uint8, grouped by class -- shuffle before splitting) ships with scatkit for
offline demos. The full data set (60,000 training + 10,000 test digits) comes as four
IDX files (``train-images-idx3-ubyte[.gz]``, ``train-labels-idx1-ubyte[.gz]``,
``t10k-images-idx3-ubyte[.gz]``, ``t10k-labels-idx1-ubyte[.gz]``); pass the folder
that holds them as ``path``.

IDX format (LeCun et al.): a 4-byte magic number ``0x00 0x00 <type> <ndim>``, then
``ndim`` big-endian 32-bit sizes, then the values in C order, big-endian.

References
----------
Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-based learning applied to
document recognition", Proc. IEEE 86(11), 1998.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from .paths import ENV_VAR, bundled_path, data_home

#: file name of the bundled sample (also looked up as ``$SCATKIT_DATA/mnist10k/``)
SAMPLE_FILE = "mnist10k.npz"

#: IDX type byte -> big-endian NumPy dtype
IDX_DTYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}

#: official file-name prefixes of the two subsets
IDX_PREFIX = {"train": "train", "test": "t10k"}


def read_idx(path) -> np.ndarray:
    """Read one IDX file (optionally gzip-compressed, recognised by its magic bytes).

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    ndarray
        The array with its stored shape, in native byte order.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":  # gzip magic
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {raw[:4]!r})")
    dtype, ndim = IDX_DTYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(s) for s in np.frombuffer(raw[4:header], dtype=">i4"))
    count = int(np.prod(shape)) if shape else 1
    if len(raw) - header != count * dtype.itemsize:
        raise ValueError(f"{path}: IDX header says shape {shape} ({count * dtype.itemsize} bytes) "
                         f"but the file holds {len(raw) - header} bytes of data")
    data = np.frombuffer(raw, dtype=dtype, count=count, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def _find_idx(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(f"MNIST file {stem}[.gz] not found in {folder}; download the four IDX "
                            "files from http://yann.lecun.com/exdb/mnist/ into that folder")


def _sample_file() -> Path:
    bundled = bundled_path(SAMPLE_FILE)
    if bundled.exists():
        return bundled
    shared = data_home() / "mnist10k" / SAMPLE_FILE
    if shared.exists():
        return shared
    raise FileNotFoundError(
        f"the MNIST sample is neither bundled ({bundled}) nor at {shared}; reinstall scatkit or "
        f"set {ENV_VAR} to a folder containing mnist10k/{SAMPLE_FILE}")


def _load_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with np.load(path) as data:
        if "images" not in data.files or "labels" not in data.files:
            raise ValueError(f"{path} must hold arrays 'images' and 'labels' (has {data.files})")
        return data["images"], data["labels"].astype(np.int64)


def load_mnist(path=None, subset: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Load MNIST digits.

    Parameters
    ----------
    path : str or Path, optional
        ``None`` (default): the bundled 10,000-digit sample (``subset`` is ignored).
        A folder: the official IDX files of ``subset`` in it (gzip-compressed or not).
        An ``.npz`` file: arrays ``images`` and ``labels``. An IDX images file: it and
        the labels file next to it (``images-idx3`` -> ``labels-idx1`` in the name).
    subset : {'train', 'test'}
        Which official subset to read from a folder.

    Returns
    -------
    images : ndarray of uint8, shape (N, 28, 28)
        0 = background, 255 = ink.
    labels : ndarray of int64, shape (N,)
        Digits 0..9.

    Raises
    ------
    FileNotFoundError
        If the files are missing (the message says where to get them).
    """
    if path is None:
        return _load_npz(_sample_file())
    path = Path(path).expanduser()
    if path.is_dir():
        if subset not in IDX_PREFIX:
            raise ValueError(f"subset must be 'train' or 'test', got {subset!r}")
        prefix = IDX_PREFIX[subset]
        images_file = _find_idx(path, f"{prefix}-images-idx3-ubyte")
        labels_file = _find_idx(path, f"{prefix}-labels-idx1-ubyte")
    elif path.suffix == ".npz":
        return _load_npz(path)
    elif path.exists():
        images_file = path
        labels_file = path.with_name(path.name.replace("images-idx3", "labels-idx1")
                                     .replace("images.idx3", "labels.idx1"))
        if labels_file == images_file or not labels_file.exists():
            raise FileNotFoundError(f"labels file for {images_file} not found (expected {labels_file})")
    else:
        raise FileNotFoundError(f"MNIST not found at {path}; download the IDX files from "
                                "http://yann.lecun.com/exdb/mnist/ or use load_mnist() for the "
                                "bundled sample")
    images, labels = read_idx(images_file), read_idx(labels_file)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"{images_file} / {labels_file}: expected (N, H, W) images and (N,) labels, "
                         f"got {images.shape} and {labels.shape}")
    return images.astype(np.uint8, copy=False), labels.astype(np.int64)
