"""CIFAR-10: 60,000 colour images of 32 x 32 pixels in 10 classes (50,000 train, 10,000 test).

Source: A. Krizhevsky, "Learning Multiple Layers of Features from Tiny Images",
Tech. report, University of Toronto, 2009.

Two storage formats are read:

- ``cifar10_jpg.tar`` (the shared data folder, see its ``SOURCE.txt``): an
  uncompressed tar with members ``train/<class>/NNNN.jpg`` and
  ``test/<class>/NNNN.jpg``.  It is read directly with :mod:`tarfile` (no
  extraction); members are sorted by name, so the order is deterministic:
  classes alphabetically (which is also CIFAR-10's official label order
  ``airplane .. truck``), then file names.  The JPEGs are re-encodings of the
  official batches: pixel values differ slightly from them.
- The official batches, when a user gives their folder: the Python version
  (``data_batch_1`` .. ``data_batch_5``, ``test_batch``, ``batches.meta``,
  pickled) or the binary version (``data_batch_1.bin`` .. ``test_batch.bin``,
  ``batches.meta.txt``; records of 1 label byte + 3072 pixel bytes, channel
  planes R, G, B, each row-major 32 x 32).  Order: the batches' own order.

Decoding the 60,000 JPEGs takes tens of seconds; with ``cache_dir`` the decoded
arrays are stored once as an ``.npz`` (keyed by the tar's size and modification
time and the selection) and read back in well under a second.
"""

from __future__ import annotations

import io
import pickle
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .paths import dataset_path

__all__ = ["CIFAR10", "load_cifar10", "CLASSES", "TAR_NAME", "SPLITS"]

#: folder name under the data home
NAME = "cifar10"
#: the JPEG tar of the shared data folder
TAR_NAME = "cifar10_jpg.tar"
#: splits and their official sizes
SPLITS = {"train": 50_000, "test": 10_000}
#: CIFAR-10's official label order (alphabetical, as the tar's folders sort)
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
#: image side in pixels and number of colour channels
SIDE, CHANNELS = 32, 3
#: official batch files per split (Python version; the binary version adds ``.bin``)
BATCHES = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}
#: bytes per record of the binary version: one label byte, then the pixels
BINARY_RECORD = 1 + SIDE * SIDE * CHANNELS
#: file extension of decoded images in the tar
IMAGE_SUFFIX = ".jpg"


@dataclass
class CIFAR10:
    """One split of CIFAR-10.

    Attributes
    ----------
    images : ndarray (N, 32, 32, 3) uint8
        RGB images, channels last (use :func:`scatkit.colour.to_channels_first`
        for the ``(N, 3, 32, 32)`` float layout of the scattering transforms).
    labels : ndarray (N,) int64
        Class index into :attr:`classes`.
    classes : list of str
        Class names in label order.
    files : list of str
        Tar member names (``train/<class>/NNNN.jpg``) or ``<batch>:<row>`` for
        the official batches, in row order.
    split : str
    """

    images: np.ndarray = field(repr=False)
    labels: np.ndarray = field(repr=False)
    classes: list
    files: list = field(repr=False)
    split: str = "train"

    def __len__(self) -> int:
        return len(self.labels)


def _check_split(split: str) -> str:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {tuple(SPLITS)}, got {split!r}")
    return split


def _check_per_class(max_per_class) -> int | None:
    if max_per_class is None:
        return None
    if isinstance(max_per_class, bool) or not isinstance(max_per_class, (int, np.integer)) \
            or max_per_class < 1:
        raise ValueError(f"max_per_class must be a positive integer or None, got {max_per_class!r}")
    return int(max_per_class)


def _resolve(path) -> Path:
    """The tar file or the folder of official batches that ``path`` designates."""
    root = Path(path) if path is not None else dataset_path(NAME)
    if root.is_file():
        return root
    if (root / TAR_NAME).is_file():
        return root / TAR_NAME
    for sub in (root, root / "cifar-10-batches-py", root / "cifar-10-batches-bin"):
        if (sub / "data_batch_1").is_file() or (sub / "data_batch_1.bin").is_file():
            return sub
    raise FileNotFoundError(f"no CIFAR-10 data under {root}: expected {TAR_NAME} or the official "
                            "batches (data_batch_1 .. test_batch, Python or .bin version)")


# -- the JPEG tar -------------------------------------------------------------
def _tar_members(tar: tarfile.TarFile, split: str, max_per_class: int | None):
    """Sorted image members of ``split``, the class names, and each member's class."""
    prefix = split + "/"
    members = sorted((m for m in tar.getmembers()
                      if m.isfile() and m.name.startswith(prefix) and m.name.endswith(IMAGE_SUFFIX)),
                     key=lambda m: m.name)
    classes = sorted({m.name.split("/")[1] for m in members})
    if not classes:
        raise ValueError(f"{tar.name}: no {prefix}<class>/*{IMAGE_SUFFIX} members")
    by_class = {c: [] for c in classes}
    for m in members:
        by_class[m.name.split("/")[1]].append(m)
    chosen, labels = [], []
    for label, name in enumerate(classes):
        keep = by_class[name][:max_per_class]
        chosen += keep
        labels += [label] * len(keep)
    return chosen, classes, np.asarray(labels, dtype=np.int64)


def _decode(data: bytes) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        a = np.asarray(im.convert("RGB"), dtype=np.uint8)
    if a.shape != (SIDE, SIDE, CHANNELS):
        raise ValueError(f"expected {SIDE}x{SIDE} RGB images, got shape {a.shape}")
    return a


def _read_tar(tar_path: Path, split: str, max_per_class: int | None, progress: bool):
    with tarfile.open(tar_path, "r:") as tar:
        members, classes, labels = _tar_members(tar, split, max_per_class)
        images = np.empty((len(members), SIDE, SIDE, CHANNELS), dtype=np.uint8)
        iterator = members
        if progress:
            from tqdm.auto import tqdm

            iterator = tqdm(members, desc=f"decoding CIFAR-10 {split}", unit="img")
        for i, m in enumerate(iterator):
            images[i] = _decode(tar.extractfile(m).read())
    return images, labels, classes, [m.name for m in members]


# -- the official batches -----------------------------------------------------
def _planes_to_hwc(flat: np.ndarray) -> np.ndarray:
    """Rows of 3072 bytes (R, G, B planes, row-major) -> (N, 32, 32, 3)."""
    return np.ascontiguousarray(flat.reshape(-1, CHANNELS, SIDE, SIDE).transpose(0, 2, 3, 1))


def _read_batches(folder: Path, split: str):
    binary = (folder / "data_batch_1.bin").is_file()
    images, labels, files = [], [], []
    for name in BATCHES[split]:
        if binary:
            raw = np.fromfile(folder / f"{name}.bin", dtype=np.uint8)
            if raw.size % BINARY_RECORD:
                raise ValueError(f"{folder / name}.bin: size {raw.size} is not a multiple of "
                                 f"{BINARY_RECORD} bytes (1 label + 3072 pixels)")
            raw = raw.reshape(-1, BINARY_RECORD)
            lab, flat = raw[:, 0], raw[:, 1:]
        else:
            with open(folder / name, "rb") as fh:
                batch = pickle.load(fh, encoding="bytes")
            lab, flat = np.asarray(batch[b"labels"]), np.asarray(batch[b"data"], dtype=np.uint8)
        images.append(_planes_to_hwc(flat))
        labels.append(lab.astype(np.int64))
        files += [f"{name}:{i}" for i in range(len(lab))]
    if binary and (folder / "batches.meta.txt").is_file():
        classes = [c for c in (folder / "batches.meta.txt").read_text().split() if c]
    elif (folder / "batches.meta").is_file():
        with open(folder / "batches.meta", "rb") as fh:
            classes = [c.decode() for c in pickle.load(fh, encoding="bytes")[b"label_names"]]
    else:
        classes = list(CLASSES)
    return np.concatenate(images), np.concatenate(labels), classes, files


def _subset_per_class(images, labels, files, n_classes, max_per_class):
    """The first ``max_per_class`` rows of each class, grouped by class (like the tar order)."""
    rows = np.concatenate([np.flatnonzero(labels == c)[:max_per_class] for c in range(n_classes)])
    return images[rows], labels[rows], [files[i] for i in rows]


# -- cache ----------------------------------------------------------------------
def _cache_file(cache_dir, source: Path, split: str, max_per_class: int | None) -> Path:
    st = source.stat()
    tag = "all" if max_per_class is None else f"{max_per_class}pc"
    return Path(cache_dir) / f"cifar10_{split}_{tag}_{st.st_size}_{int(st.st_mtime)}.npz"


def load_cifar10(path=None, split: str = "train", *, max_per_class: int | None = None,
                 cache_dir=None, progress: bool = False) -> CIFAR10:
    """Load one split of CIFAR-10 as uint8 RGB arrays.

    Parameters
    ----------
    path : str or Path, optional
        ``cifar10_jpg.tar``, a folder holding it, or a folder of the official
        batches (Python or binary version; also their parent folder).  Default:
        ``dataset_path('cifar10')``.
    split : {'train', 'test'}, default 'train'
        The official split: 50,000 training or 10,000 test images.
    max_per_class : int, optional
        Keep only the first ``max_per_class`` images of each class (in the
        deterministic order; only those JPEGs are decoded).
    cache_dir : str or Path, optional
        Folder where the decoded arrays of the JPEG tar are cached as ``.npz``
        (created if needed).  Unused for the official batches (already arrays).
    progress : bool, default False
        Show a progress bar while decoding.

    Returns
    -------
    CIFAR10
        ``images`` (N, 32, 32, 3) uint8, ``labels`` (N,) int64, ``classes``,
        ``files``; rows grouped by class, in sorted order.

    Raises
    ------
    FileNotFoundError
        When no CIFAR-10 data is found (names the expected files).
    ValueError
        For an unknown split, a bad ``max_per_class`` or a malformed file.
    """
    split = _check_split(split)
    max_per_class = _check_per_class(max_per_class)
    source = _resolve(path)
    if source.is_dir():
        images, labels, classes, files = _read_batches(source, split)
        if max_per_class is not None:
            images, labels, files = _subset_per_class(images, labels, files, len(classes),
                                                      max_per_class)
        return CIFAR10(images, labels, classes, files, split)
    cache = _cache_file(cache_dir, source, split, max_per_class) if cache_dir is not None else None
    if cache is not None and cache.is_file():
        with np.load(cache) as z:
            return CIFAR10(z["images"], z["labels"], [str(c) for c in z["classes"]],
                           [str(f) for f in z["files"]], split)
    images, labels, classes, files = _read_tar(source, split, max_per_class, progress)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(cache.stem + ".tmp.npz")
        np.savez(tmp, images=images, labels=labels, classes=np.array(classes),
                 files=np.array(files))
        tmp.replace(cache)
    return CIFAR10(images, labels, classes, files, split)
