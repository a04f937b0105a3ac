r"""The scattering tree as a PyTorch network of depthwise convolution layers.

``TreeScattering1D``/``TreeScattering2D`` compute exactly
:class:`scatkit.transforms.tree.TreeScattering1D`/``2D`` (same plan, same
algorithm :func:`~scatkit.transforms.tree.run_tree`), but every node of every
layer owns its filters: a layer is an ordinary grouped ("depthwise")
convolution, ``torch.nn.functional.conv2d(x, weight, stride, groups=C)`` with
``weight`` of shape ``(C * F, 1, K, K)`` (``F`` filters per input channel,
complex band-pass filters as ``(re, im)`` pairs), followed by the modulus as
activation (a square root with zero gradient at 0, so that gradients stay
finite).  The weights start as the wavelet filters and are frozen
(``requires_grad=False``) unless ``learnable=True``; ``init='random'`` starts
from Gaussian noise with the same per-filter :math:`\ell^2` norms — the
"deep convolutional tree, no channel communication" of the seed talk, between
scattering and a CNN (cf. Oyallon, Belilovsky & Zagoruyko, ICCV 2017, hybrid
scattering networks).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..transforms.tree import (TorchTreeOps, TreeScattering1D as _Tree1D,
                               TreeScattering2D as _Tree2D, filter_origins, real_pairs, run_tree)

#: accepted ``init`` values
INITS = ("wavelet", "random")


def _per_node(kernel: np.ndarray, n_nodes: int, ndim: int) -> np.ndarray:
    """``(F,) + K`` filters repeated for ``n_nodes`` nodes as a grouped-conv weight
    ``(n_nodes * F, 1) + K``."""
    k = kernel if kernel.ndim == ndim + 1 else kernel[None]
    return np.broadcast_to(k[None], (n_nodes,) + k.shape).reshape((-1, 1) + k.shape[1:]).copy()


class _TreeModule(nn.Module):
    _transform = None
    ndim = 1

    def __init__(self, J, shape, L=8, max_order=2, family="morlet", learnable=False,
                 init="wavelet", seed=0, **kwargs):
        super().__init__()
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {init!r}")
        self.transform = self._transform(J, shape, L=L, max_order=max_order, family=family,
                                         check_finite=False, **kwargs)
        self.learnable, self.init = bool(learnable), init
        filt, plan = self.transform.tree_filters, self.transform.plan
        self._origins = filter_origins(filt)
        self._complex = np.iscomplexobj(filt.banks[0])
        banks = [real_pairs(b) for b in filt.banks]
        gen = torch.Generator().manual_seed(int(seed))
        self.low = nn.ParameterList()
        self.band = nn.ModuleList()
        n = 1
        for level, stages in enumerate(plan.levels):
            band = nn.ParameterList()
            for st in stages:
                band.append(self._param(_per_node(banks[st.bank], len(st.src), self.ndim), gen))
                if st.stride == 1:
                    n += len(st.src) * filt.n_bands
            self.band.append(band)
            self.low.append(self._param(_per_node(filt.lowpass, n, self.ndim), gen))
            n += sum(len(st.src) for st in stages if st.stride == 2) * filt.n_bands
        self.out = (None if filt.output is None
                    else self._param(_per_node(filt.output, n, self.ndim), gen))

    def _param(self, w: np.ndarray, gen) -> nn.Parameter:
        t = torch.as_tensor(w, dtype=torch.float32)
        if self.init == "random":
            noise = torch.randn(t.shape, generator=gen)
            axes = tuple(range(2, t.ndim))
            t = noise * t.norm(dim=axes, keepdim=True) / noise.norm(dim=axes, keepdim=True)
        return nn.Parameter(t, requires_grad=self.learnable)

    def _weights(self) -> dict:
        """Grouped-conv weights ``(C * F, 1) + K``, reshaped by :class:`_GroupedOps`."""
        return {"low": list(self.low), "band": [list(b) for b in self.band], "out": self.out}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = tuple(self.transform.shape)
        if tuple(x.shape[-self.ndim:]) != shape:
            raise ValueError(f"{type(self).__name__} was built for inputs ending in {shape}, "
                             f"got {tuple(x.shape)}")
        lead = tuple(x.shape[:-self.ndim])
        flat = x.reshape((-1,) + shape)
        ops = _GroupedOps(self.ndim)
        out = run_tree(ops, flat, self.transform.plan, self._weights(), self._origins,
                       self._complex, self.transform.modulus_lowpass)
        return out.reshape(lead + tuple(out.shape[1:]))

    def meta(self) -> dict:
        return self.transform.meta()

    @property
    def output_channels(self) -> int:
        return self.transform.output_channels

    def output_shape(self):
        return self.transform.output_shape()


class _GroupedOps(TorchTreeOps):
    """:class:`TorchTreeOps` whose weights are grouped-conv weights ``(C * F, 1) + K``."""

    def __init__(self, ndim):
        from ..backends import get_backend

        super().__init__(get_backend(torch.zeros(1)), ndim)

    def conv(self, x, w, stride, origin):
        C = x.shape[1]
        return super().conv(x, w.reshape((C, -1) + tuple(w.shape[2:])), stride, origin)


class TreeScattering1D(_TreeModule):
    """1D scattering tree as depthwise convolution layers (see the module docstring).

    Parameters are those of :class:`scatkit.transforms.tree.TreeScattering1D`
    plus ``learnable`` (train the filters), ``init`` (``'wavelet'`` or
    ``'random'``) and ``seed`` (of the random initialisation).
    """

    _transform = _Tree1D
    ndim = 1


class TreeScattering2D(_TreeModule):
    """2D scattering tree as depthwise convolution layers (see the module docstring).

    Parameters are those of :class:`scatkit.transforms.tree.TreeScattering2D`
    plus ``learnable``, ``init`` and ``seed`` (see :class:`TreeScattering1D`).
    """

    _transform = _Tree2D
    ndim = 2
