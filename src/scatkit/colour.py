r"""Colour images: channel layout, luminance/chrominance, per-channel scattering.

Colour scattering (Oyallon & Mallat, CVPR 2015, section 4) scatters each colour
channel separately and concatenates the coefficients.  In a luminance /
chrominance basis most of the energy and of the discriminative geometry sits
in the luminance, the chrominance channels being smoother.  The YUV transform
used here is ITU-R BT.601 (analogue YUV):

.. math::

    \begin{pmatrix} Y \\ U \\ V \end{pmatrix} =
    \begin{pmatrix} 0.299 & 0.587 & 0.114 \\
                    -0.14713 & -0.28886 & 0.436 \\
                    0.615 & -0.51499 & -0.10001 \end{pmatrix}
    \begin{pmatrix} R \\ G \\ B \end{pmatrix}.

Output layout of :class:`ColourScattering`: an input ``(..., 3, M, N)`` gives
``(..., 3, C, M', N')``: axis ``-4`` is the colour channel (R, G, B or Y, U, V in
that order), axes ``-3..-1`` are the scattering transform's own
``(C, M / 2**J, N / 2**J)`` (channel ``c`` described by row ``c`` of
``meta()``).  Leading batch axes are kept; NumPy in gives NumPy out, a PyTorch
tensor gives a tensor, float32 stays float32.

References
----------
E. Oyallon and S. Mallat, "Deep roto-translation scattering for object
classification", CVPR 2015.
ITU-R Recommendation BT.601-7, "Studio encoding parameters of digital television", 2011.
"""

from __future__ import annotations

import numpy as np

__all__ = ["RGB_TO_YUV", "COLOUR_SPACES", "TRANSFORMS", "to_channels_first", "rgb_to_yuv",
           "ColourScattering"]

#: ITU-R BT.601 RGB -> YUV matrix (rows Y, U, V)
RGB_TO_YUV = np.array([[0.299, 0.587, 0.114],
                       [-0.14713, -0.28886, 0.436],
                       [0.615, -0.51499, -0.10001]])
#: colour bases :class:`ColourScattering` knows
COLOUR_SPACES = ("rgb", "yuv")
#: scattering transforms :class:`ColourScattering` knows
TRANSFORMS = ("translation", "rigid_motion")
#: largest value of an 8-bit channel
UINT8_MAX = 255.0
#: colour channels of an RGB image
N_COLOURS = 3


def to_channels_first(images, dtype=np.float32) -> np.ndarray:
    """``(..., M, N, 3)`` uint8 RGB images -> ``(..., 3, M, N)`` floats in ``[0, 1]``.

    Integer images are divided by 255; float images are only transposed.
    """
    images = np.asarray(images)
    if images.ndim < 3 or images.shape[-1] != N_COLOURS:
        raise ValueError(f"expected channels-last colour images (..., M, N, 3), got shape "
                         f"{images.shape}")
    out = np.moveaxis(images, -1, -3).astype(dtype)
    if np.issubdtype(images.dtype, np.integer):
        out /= UINT8_MAX
    return np.ascontiguousarray(out)


def rgb_to_yuv(x, channel_axis: int = -3):
    """Apply :data:`RGB_TO_YUV` along ``channel_axis`` (NumPy or PyTorch, dtype kept)."""
    if x.shape[channel_axis] != N_COLOURS:
        raise ValueError(f"axis {channel_axis} must hold the 3 colour channels, got shape "
                         f"{tuple(x.shape)}")
    if isinstance(x, np.ndarray):
        moved = np.moveaxis(x, channel_axis, -1)
        return np.moveaxis(moved @ RGB_TO_YUV.T.astype(x.dtype), -1, channel_axis)
    import torch

    m = torch.as_tensor(RGB_TO_YUV.T, dtype=x.dtype, device=x.device)
    return torch.movedim(torch.movedim(x, channel_axis, -1) @ m, -1, channel_axis)


class ColourScattering:
    """Scattering of each colour channel of ``(..., 3, M, N)`` images.

    Parameters
    ----------
    J : int
        Averaging scale :math:`2^J`.
    shape : (int, int)
        Image size ``(M, N)``.
    L : int, default 8
        Orientations in :math:`[0, \\pi)`.
    colour : {'rgb', 'yuv'}, default 'yuv'
        Scatter R, G, B, or Y, U, V (:func:`rgb_to_yuv`).
    transform : {'translation', 'rigid_motion'}, default 'translation'
        :class:`scatkit.Scattering2D` or :class:`scatkit.RigidMotionScattering2D`.
    **kwargs
        Passed to the transform (``max_order``, ``batch_size``, ``K``, ...).

    Notes
    -----
    Output ``(..., 3, C, M // 2**J, N // 2**J)`` (see the module docstring);
    :meth:`meta` is the scattering transform's, one row per ``C``.
    """

    def __init__(self, J, shape, L=8, colour="yuv", transform="translation", **kwargs):
        if colour not in COLOUR_SPACES:
            raise ValueError(f"colour must be one of {COLOUR_SPACES}, got {colour!r}")
        if transform not in TRANSFORMS:
            raise ValueError(f"transform must be one of {TRANSFORMS}, got {transform!r}")
        from . import RigidMotionScattering2D, Scattering2D

        cls = Scattering2D if transform == "translation" else RigidMotionScattering2D
        self.colour, self.transform = colour, transform
        self.scattering = cls(J, shape, L=L, **kwargs)
        self.J, self.L, self.shape = self.scattering.J, L, self.scattering.shape

    def meta(self) -> dict:
        """The per-channel scattering's ``meta()`` (rows = axis ``-3`` of the output)."""
        return self.scattering.meta()

    def output_shape(self) -> tuple:
        """``(3, C, M', N')`` of one image."""
        one = self.scattering(np.zeros((1, *self.shape), dtype=np.float32))
        return (N_COLOURS, *one.shape[1:])

    def __call__(self, x):
        if x.ndim < 3 or x.shape[-3] != N_COLOURS:
            raise ValueError(f"expected colour images (..., 3, M, N), got shape {tuple(x.shape)}; "
                             "use scatkit.colour.to_channels_first for (..., M, N, 3) arrays")
        if self.colour == "yuv":
            x = rgb_to_yuv(x)
        return self.scattering(x)
