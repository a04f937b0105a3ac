"""``torch.nn.Module`` forms of the scattering transforms.

The filters are registered as
buffers, so that ``module.to(device)``, ``module.double()`` and
``module.state_dict()`` behave as for any PyTorch module.  Buffers keep the
float64 filters; the forward pass uses them in the input's precision (the
converted copy is cached until the buffers change).  As for ``torch.nn`` layers,
the input must be a tensor on the module's device (else ``RuntimeError``).
"""

from __future__ import annotations

import torch

from .. import transforms as _transforms
from ..transforms.base import flatten_tree, unflatten_like


class ScatteringModule(torch.nn.Module):
    """Wrap any scatkit transform as an ``nn.Module``.

    Parameters
    ----------
    transform : ScatteringBase
        A transform object (e.g. ``scatkit.Scattering2D(J=2, shape=(28, 28))``).

    Examples
    --------
    >>> import torch, scatkit
    >>> S = scatkit.torch.Scattering2D(J=2, shape=(28, 28))
    >>> S(torch.zeros(5, 28, 28)).shape
    torch.Size([5, 81, 7, 7])
    """

    def __init__(self, transform):
        super().__init__()
        self.transform = transform
        tree = transform.filters()
        self._tree = tree
        self._buffer_of: dict[str, str] = {}
        seen: dict[int, str] = {}
        for key, array in flatten_tree(tree).items():
            if id(array) not in seen:  # banks shared between orders are stored once
                name = "filter_" + key.replace(".", "_")
                self.register_buffer(name, torch.from_numpy(array.copy()))
                seen[id(array)] = name
            self._buffer_of[key] = seen[id(array)]
        self._converted: dict = {}

    def _apply(self, fn, *args, **kwargs):
        self._converted = {}
        return super()._apply(fn, *args, **kwargs)

    def filters_for(self, x: torch.Tensor):
        """The filter pytree in ``x``'s device and precision (cached)."""
        key = (x.device, x.dtype)
        if key not in self._converted:
            from ..backends import get_backend

            backend = get_backend(x)
            flat = {k: backend.asarray(getattr(self, name), like=x)
                    for k, name in self._buffer_of.items()}
            self._converted = {key: unflatten_like(self._tree, flat)}
        return self._converted[key]

    @property
    def device(self) -> torch.device | None:
        """The device of the module's filter buffers (``None`` without buffers)."""
        return next((b.device for b in self.buffers()), None)

    def check_device(self, x: torch.Tensor) -> None:
        """Raise unless ``x`` is a tensor on the module's device (as ``torch.nn``
        layers require: a module and its input share a device)."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{type(self).__name__} takes a torch.Tensor, got "
                            f"{type(x).__name__}: convert it with torch.as_tensor(x), or call "
                            "the NumPy transform (module.transform) on arrays")
        device = self.device
        if device is not None and x.device != device:
            raise RuntimeError(f"the input is on {x.device} but the module's filters are on "
                               f"{device}: move the input with x.to({str(device)!r}) or the "
                               f"module with module.to({str(x.device)!r})")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_device(x)
        return self.transform.scattering(x, filters=self.filters_for(x))

    def meta(self) -> dict:
        return self.transform.meta()

    def output_shape(self):
        return self.transform.output_shape()

    def extra_repr(self) -> str:
        t = self.transform
        keys = [k for k in ("J", "shape", "Q", "L", "T", "stride", "max_order") if hasattr(t, k)]
        return ", ".join(f"{k}={getattr(t, k)!r}" for k in keys)


class Scattering1D(ScatteringModule):
    """``nn.Module`` form of :class:`scatkit.Scattering1D` (same arguments)."""

    def __init__(self, *args, **kwargs):
        super().__init__(_transforms.Scattering1D(*args, **kwargs))


class Scattering2D(ScatteringModule):
    """``nn.Module`` form of :class:`scatkit.Scattering2D` (same arguments)."""

    def __init__(self, *args, **kwargs):
        super().__init__(_transforms.Scattering2D(*args, **kwargs))
