"""PyTorch ``nn.Module`` forms of the transforms.

``scatkit.torch.Scattering1D`` and ``scatkit.torch.Scattering2D`` take the same
keywords as the NumPy/PyTorch transforms; their filters are registered as
buffers, so ``.to(device)``, ``.double()`` and ``state_dict()`` work as for any
module.  Tree-structured (filter-bank) scattering modules live in
:mod:`scatkit.torch.tree`; :class:`~scatkit.torch.graphs.CUDAGraphScattering`
replays a transform's GPU calls from captured CUDA graphs.
"""

from __future__ import annotations

import importlib

_MODULES = ("scatkit.torch.modules", "scatkit.torch.tree", "scatkit.torch.graphs")


def __getattr__(name: str):
    for mod in _MODULES:
        try:
            module = importlib.import_module(mod)
        except ModuleNotFoundError as err:
            if err.name == mod:
                continue
            raise
        if hasattr(module, name):
            return getattr(module, name)
    raise AttributeError(f"module 'scatkit.torch' has no attribute {name!r}")
