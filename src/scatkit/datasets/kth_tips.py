"""KTH-TIPS grey textures: 10 materials x 81 images (9 scales x 3 poses x 3 illuminations).

Source: E. Hayman, B. Caputo, M. Fritz and J.-O. Eklundh, "On the significance of
real-world conditions for material classification", ECCV 2004; M. Fritz et al.,
"The KTH-TIPS database", KTH, 2004.  Used by Sifre & Mallat, "Rotation, scaling
and deformation invariant scattering for texture discrimination", CVPR 2013.

The data set lives in ``<SCATKIT_DATA>/kth_tips_grey/KTH_TIPS_GRAY/<class>/*.png``
(see :func:`scatkit.datasets.paths.dataset_path`).

Image sizes: 747 images are 200 x 200; 63 are smaller on at least one side (as in
the official ``kth_tips_grey_200x200`` archive: a few crops of the original
photographs were smaller than 200 pixels), e.g. 237 x 170 or 158 x 133.  With a
fixed ``size``, each axis is fitted independently: a longer axis is centre-cropped,
a shorter one is padded symmetrically by mirror reflection (``np.pad(mode='symmetric')``).
Resizing is avoided on purpose: it would change the texture's scale, one of the
variabilities the data set is about.  :attr:`KTHTips.fitted` marks the images
that were cropped or padded, so an experiment can report or exclude them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .paths import dataset_path

#: folder name under the data home
NAME = "kth_tips_grey"
#: sub-folder that holds one folder per class
IMAGE_DIR = "KTH_TIPS_GRAY"
#: side of the images of the official 200x200 release
DEFAULT_SIZE = 200
#: grey levels of the 8-bit PNG files
GREY_LEVELS = 255.0


@dataclass
class KTHTips:
    """The loaded data set.

    Attributes
    ----------
    images : ndarray (N, size, size) float32, or list of 2D float32 arrays
        Grey levels in ``[0, 1]``; a list at native size when ``size=None``.
    labels : ndarray (N,) int64
        Class index into :attr:`classes`.
    classes : list of str
        Material names, sorted.
    files : list of str
        Paths relative to the image folder (``<class>/<file>.png``), in row order.
    original_shapes : ndarray (N, 2) int64
        ``(rows, cols)`` of each file before fitting.
    fitted : ndarray (N,) bool
        Whether an image was cropped or padded to ``size``.
    """

    images: object = field(repr=False)
    labels: np.ndarray = field(repr=False)
    classes: list
    files: list = field(repr=False)
    original_shapes: np.ndarray = field(repr=False)
    fitted: np.ndarray = field(repr=False)


def fit_to_size(image: np.ndarray, size: int) -> np.ndarray:
    """Centre-crop the longer axes and mirror-pad the shorter axes of ``image`` to ``size``."""
    out = image
    for axis in (0, 1):
        n = out.shape[axis]
        if n > size:
            start = (n - size) // 2
            out = np.take(out, np.arange(start, start + size), axis=axis)
        elif n < size:
            if 2 * n < size:
                raise ValueError(f"an image axis of {n} pixels cannot be mirror-padded to {size}")
            before = (size - n) // 2
            width = [(0, 0), (0, 0)]
            width[axis] = (before, size - n - before)
            out = np.pad(out, width, mode="symmetric")
    return out


def load_kth_tips(path=None, size: int | None = DEFAULT_SIZE, classes=None) -> KTHTips:
    """Load KTH-TIPS grey.

    Parameters
    ----------
    path : str or Path, optional
        The ``kth_tips_grey`` folder (default: ``dataset_path('kth_tips_grey')``).
    size : int or None, default 200
        Side of the returned square images (see the module docstring for how
        the 63 smaller images are fitted); ``None`` keeps every image at its
        native size and returns a list.
    classes : list of str, optional
        Load only these materials (default: all ten).

    Returns
    -------
    KTHTips
    """
    from PIL import Image

    root = Path(path) if path is not None else dataset_path(NAME)
    image_dir = root / IMAGE_DIR if (root / IMAGE_DIR).is_dir() else root
    all_classes = sorted(p.name for p in image_dir.iterdir() if p.is_dir())
    if not all_classes:
        raise FileNotFoundError(f"no class folders under {image_dir}; expected "
                                f"{IMAGE_DIR}/<class>/*.png (see the data README)")
    if classes is not None:
        unknown = sorted(set(classes) - set(all_classes))
        if unknown:
            raise ValueError(f"unknown classes {unknown}; available: {all_classes}")
        all_classes = [c for c in all_classes if c in set(classes)]
    if size is not None and size < 1:
        raise ValueError(f"size must be a positive integer or None, got {size}")
    images, labels, files, shapes = [], [], [], []
    for label, name in enumerate(all_classes):
        for f in sorted((image_dir / name).glob("*.png")):
            with Image.open(f) as im:
                a = np.asarray(im.convert("L"), dtype=np.float32) / GREY_LEVELS
            shapes.append(a.shape)
            images.append(a if size is None else fit_to_size(a, size))
            labels.append(label)
            files.append(f"{name}/{f.name}")
    shapes = np.array(shapes, dtype=np.int64)
    fitted = (np.zeros(len(files), dtype=bool) if size is None
              else np.any(shapes != size, axis=1))
    return KTHTips(images=images if size is None else np.stack(images),
                   labels=np.array(labels, dtype=np.int64), classes=all_classes, files=files,
                   original_shapes=shapes, fitted=fitted)
