"""Labelled folders (``<class>/<file>``) and globs of images or audio recordings.

Rules that decide which files are read and which label each one gets:

* a **folder** input is searched recursively for files with a known extension
  (:data:`~scatkit.datasets.images.IMAGE_EXTENSIONS`,
  :data:`~scatkit.datasets.audio.AUDIO_EXTENSIONS`); a file's class is the
  first folder below the input folder (``root/<class>/.../file``); files directly in
  the input folder have no class;
* a **glob** pattern (``*``, ``?``, ``[``) is expanded; matched folders are treated as
  folder inputs; a matched file's class is the name of its parent folder when the
  folder part of the pattern contains a wildcard (``root/*/*.png``), else none;
* a **file** input has no class.

Known files are images (PNG, JPEG, TIFF, ...), audio (WAV, FLAC, OGG) and NumPy
``.npy`` arrays (e.g. volumes for 3D scattering).

Labels exist only when every file has a class; classes are numbered in sorted
order of their names. Files keep the order of the inputs, each input's files
sorted by path; a file named twice is read once.
"""

from __future__ import annotations

import glob as _glob
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .images import IMAGE_EXTENSIONS, read_image

__all__ = ["FileList", "list_files", "read_input", "load_folder", "file_kind", "AUDIO_EXTENSIONS",
           "ARRAY_EXTENSIONS"]

#: audio extensions (kept equal to :data:`scatkit.datasets.audio.AUDIO_EXTENSIONS`,
#: which lives in a module with heavier imports)
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga")

#: array files (NumPy ``.npy``: volumes for 3D scattering, or any pre-computed signal)
ARRAY_EXTENSIONS = (".npy",)

_WILDCARDS = set("*?[")


@dataclass
class FileList:
    """Files found by :func:`list_files`.

    Attributes
    ----------
    files : list of Path
        In reading order.
    classes : list of str
        Sorted class names (empty without labels).
    labels : ndarray of int64 or None
        Index into ``classes`` for each file, or ``None`` when some file has no class.
    """

    files: list[Path]
    classes: list[str] = field(default_factory=list)
    labels: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.files)


def file_kind(path) -> str:
    """``'image'``, ``'audio'`` or ``'array'`` from the file extension; ``ValueError``
    otherwise."""
    ext = Path(path).suffix.lower()
    if ext in IMAGE_EXTENSIONS:
        return "image"
    if ext in AUDIO_EXTENSIONS:
        return "audio"
    if ext in ARRAY_EXTENSIONS:
        return "array"
    raise ValueError(f"{path}: unknown file type {ext!r} (images: {', '.join(IMAGE_EXTENSIONS)}; "
                     f"audio: {', '.join(AUDIO_EXTENSIONS)}; arrays: .npy)")


def _known(path: Path, extensions) -> bool:
    return path.is_file() and path.suffix.lower() in extensions


def _scan_folder(root: Path, extensions):
    for path in sorted(p for p in root.rglob("*") if _known(p, extensions)):
        parts = path.relative_to(root).parts
        yield path, (parts[0] if len(parts) > 1 else None)


def _expand(item: str, extensions):
    path = Path(item).expanduser()
    if not _WILDCARDS & set(item):
        if path.is_dir():
            yield from _scan_folder(path, extensions)
        elif path.is_file():
            yield path, None
        else:
            raise FileNotFoundError(f"input {item!r} is neither a file, a folder nor a glob pattern "
                                    "that matches something")
        return
    folder_has_wildcard = bool(_WILDCARDS & set(str(Path(item).parent)))
    matches = sorted(Path(p) for p in _glob.glob(str(path), recursive=True))
    if not matches:
        raise FileNotFoundError(f"glob pattern {item!r} matches no file")
    for match in matches:
        if match.is_dir():
            yield from _scan_folder(match, extensions)
        elif match.suffix.lower() in extensions:
            yield match, (match.parent.name if folder_has_wildcard else None)


def list_files(inputs, extensions=None) -> FileList:
    """Expand folders, globs and files into a :class:`FileList` (see the module notes).

    Parameters
    ----------
    inputs : str, Path or sequence of them
    extensions : sequence of str, optional
        Lower-case extensions with the dot; default images and audio.
    """
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    extensions = tuple(extensions or IMAGE_EXTENSIONS + AUDIO_EXTENSIONS + ARRAY_EXTENSIONS)
    seen, files, names = set(), [], []
    for item in inputs:
        for path, cls in _expand(str(item), extensions):
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                files.append(path)
                names.append(cls)
    if not files:
        raise FileNotFoundError(f"no file with extension {', '.join(extensions)} in {list(inputs)}")
    if any(name is None for name in names):
        return FileList(files)
    classes = sorted(set(names))
    index = {name: i for i, name in enumerate(classes)}
    return FileList(files, classes, np.array([index[n] for n in names], dtype=np.int64))


def read_input(path, size=None, length=None, sr=None, color=False) -> np.ndarray:
    """Read one image, audio or ``.npy`` file as float32, fitted to ``size`` (images) or
    ``length`` (audio, after resampling to ``sr``); ``.npy`` arrays are read as stored."""
    kind = file_kind(path)
    if kind == "image":
        return read_image(path, color=color, size=size)
    if kind == "array":
        try:
            return np.asarray(np.load(path, allow_pickle=False), dtype=np.float32)
        except (OSError, ValueError) as err:
            raise ValueError(f"cannot read array {path}: {err}") from err
    from .audio import read_audio  # soundfile/scipy imported only for audio

    signal, _ = read_audio(path, sr=sr, length=length, mono=True)
    return np.asarray(signal, dtype=np.float32)


def load_folder(inputs, size=None, length=None, sr=None, color=False, extensions=None):
    """Read every file of labelled folders or globs into one array.

    Parameters
    ----------
    inputs : str, Path or sequence
        Folders, globs or files (see the module notes).
    size : (int, int), optional
        Fit images to ``H x W`` (needed when their sizes differ).
    length : int, optional
        Fit audio to ``length`` samples (needed when durations differ).
    sr : int, optional
        Resample audio to this rate.
    color : bool
        Keep colour images as ``(3, H, W)``.

    Returns
    -------
    X : ndarray of float32, shape (N, ...)
    labels : ndarray of int64 (N,) or None
    classes : list of str
    files : list of Path
    """
    found = list_files(inputs, extensions)
    arrays = [read_input(p, size, length, sr, color) for p in found.files]
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise ValueError(f"inputs have different shapes {sorted(shapes)[:4]}...; pass size=(H, W) "
                         "for images or length=N for audio to fit them")
    return np.stack(arrays), found.labels, found.classes, found.files
