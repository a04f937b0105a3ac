"""Array backends: one algorithm, thin NumPy and PyTorch implementations.

:func:`get_backend` picks the backend of an input array.
"""

from __future__ import annotations

from .base import Backend
from .numpy_backend import NumpyBackend

__all__ = ["Backend", "NumpyBackend", "get_backend", "torch_available"]

_NUMPY = NumpyBackend()
_TORCH = None


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def _torch_backend():
    global _TORCH
    if _TORCH is None:
        from .torch_backend import TorchBackend

        _TORCH = TorchBackend()
    return _TORCH


def get_backend(x) -> Backend:
    """The backend that computes on ``x`` (a NumPy array or a PyTorch tensor)."""
    import sys

    if "torch" in sys.modules:
        import torch

        if isinstance(x, torch.Tensor):
            return _torch_backend()
    return _NUMPY
