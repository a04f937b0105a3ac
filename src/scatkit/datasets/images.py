"""Reading image files (PNG, JPEG, TIFF) into float arrays with Pillow.

Colour images become grayscale (ITU-R 601-2 luma, Pillow's ``"L"`` mode:
``0.299 R + 0.587 G + 0.114 B``) unless ``color=True``, which keeps three channels,
channel axis first (``(3, H, W)``, the layout scattering transforms batch over).
Values are scaled to ``[0, 1]`` by the largest value of the stored type (255 for
8-bit images, 65535 for 16-bit ones, which Pillow may open in its 32-bit ``"I"``
mode); floating-point TIFFs are kept as they are.

Fitting to a size (``size=(H, W)``)
-----------------------------------
An image is resized (bilinear, Pillow's ``Image.resize``) so that it *covers* the
target -- scale factor ``max(H / h, W / w)`` -- and then centre-cropped to exactly
``H x W``. The aspect ratio is kept and no padding is introduced (padding would
create edges, which scattering coefficients respond to strongly). An image that
already has the target size is left untouched.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["read_image", "fit_size", "IMAGE_EXTENSIONS"]

#: file extensions :func:`read_image` accepts (case-insensitive)
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".pgm", ".ppm")

#: full-scale value of integer pixel types, used to map pixels to [0, 1]
FULL_SCALE = {"1": 1.0, "L": 255.0, "P": 255.0, "RGB": 255.0, "RGBA": 255.0, "LA": 255.0,
              "CMYK": 255.0, "YCbCr": 255.0, "I": 65535.0, "I;16": 65535.0, "I;16B": 65535.0, "I;16L": 65535.0}


def _pil():
    try:
        from PIL import Image
    except ImportError as err:  # pragma: no cover - Pillow is a declared dependency of [all]
        raise ImportError("reading images needs Pillow: pip install pillow") from err
    return Image


def fit_size(image, size: tuple[int, int]):
    """Resize a PIL image to cover ``size = (H, W)`` (aspect kept, bilinear), then
    centre-crop it to exactly ``H x W``."""
    Image = _pil()
    H, W = (int(s) for s in size)
    if H < 1 or W < 1:
        raise ValueError(f"size must be two positive integers (H W), got {size}")
    w, h = image.size
    if (h, w) == (H, W):
        return image
    scale = max(H / h, W / w)
    new_w, new_h = max(W, round(w * scale)), max(H, round(h * scale))
    resized = image.resize((new_w, new_h), Image.Resampling.BILINEAR)
    left, top = (new_w - W) // 2, (new_h - H) // 2
    return resized.crop((left, top, left + W, top + H))


def read_image(path, color: bool = False, size: tuple[int, int] | None = None,
               dtype=np.float32) -> np.ndarray:
    """Read an image file into a float array in ``[0, 1]``.

    Parameters
    ----------
    path : str or Path
        PNG, JPEG, TIFF (anything Pillow opens).
    color : bool
        Keep colour: return ``(3, H, W)`` RGB. Default: grayscale ``(H, W)``.
    size : (int, int), optional
        Fit the image to ``H x W`` (see the module notes); default: native size.
    dtype : NumPy dtype
        Output type (default float32).

    Returns
    -------
    ndarray
        ``(H, W)`` or ``(3, H, W)``.

    Raises
    ------
    ValueError
        If the file cannot be decoded as an image (the message names the file).
    """
    Image = _pil()
    path = Path(path)
    try:
        with Image.open(path) as img:
            img.load()
            mode = img.mode
            if color:
                img = img.convert("RGB")
                scale = 255.0
            elif mode in ("F", "I", "I;16", "I;16B", "I;16L"):
                scale = FULL_SCALE.get(mode, 1.0)
            else:
                img = img.convert("L")
                scale = 255.0
            if size is not None:
                if img.mode.startswith("I;16"):
                    img = img.convert("I")
                img = fit_size(img, size)
            array = np.asarray(img, dtype=np.float64)
    except (OSError, SyntaxError, ValueError) as err:  # PIL raises these on corrupt files
        if isinstance(err, FileNotFoundError):
            raise
        raise ValueError(f"cannot read image {path}: {err}") from err
    array = array / scale
    if color:
        array = np.moveaxis(array, -1, 0)
    return np.ascontiguousarray(array, dtype=dtype)
