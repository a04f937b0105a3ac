"""Scattering calls replayed from CUDA graphs.

On a GPU a scattering call launches hundreds of small kernels (2D, J=4, L=8 on
16 images of 256x256: about 700), and the host's time to launch them, not the
device's time to run them, sets the speed.  A CUDA graph records the kernels of
one call once and replays them all with a single launch (NVIDIA, *CUDA C++
Programming Guide*, section "CUDA Graphs"; PyTorch's ``torch.cuda.graph``).
:class:`CUDAGraphScattering` captures one graph per input shape and dtype and
replays it; measurements are in ``docs/BENCHMARKS.md`` ("CUDA graphs").
"""

from __future__ import annotations

import weakref
from collections import OrderedDict

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

from ..backends import get_backend
from ..transforms.base import ScatteringBase
from .modules import ScatteringModule

#: default number of graphs kept (one per input shape, dtype and device)
MAX_GRAPHS = 4
#: default number of uncaptured calls before a capture (cuFFT plans and the
#: transform's device caches are built in them, outside the graph)
WARMUP_CALLS = 2


class _PreexistingTensors(TorchDispatchMode):
    """Keep the tensors that a region of code reads but did not make.

    A CUDA graph reads device memory by address.  The tensors that existed
    before the capture and that the captured kernels read (filters, fold terms,
    index constants: the transform's caches) must stay alive for as long as the
    graph may be replayed, even if a cache drops them later.  Each tensor an
    operator reads is kept unless an earlier operator of the region made it
    (the intermediates, which live in the graph's own memory pool).
    """

    def __init__(self):
        super().__init__()
        self.kept: dict[int, torch.Tensor] = {}
        self._made: set[int] = set()
        self._refs: list = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        for t in tree_leaves((args, kwargs)):
            if isinstance(t, torch.Tensor) and id(t) not in self._made:
                self.kept[id(t)] = t
        out = func(*args, **kwargs)
        for t in tree_leaves(out):
            if isinstance(t, torch.Tensor) and id(t) not in self.kept:
                self._made.add(id(t))
                # an id is unique only while its object lives: forget it with the object
                self._refs.append(weakref.finalize(t, self._made.discard, id(t)))
        return out

    def close(self) -> None:
        for f in self._refs:
            f.detach()
        self._refs, self._made = [], set()


class _Graph:
    """One captured call: its graph, static input and output, and what it reads."""

    __slots__ = ("graph", "x", "y", "keep")

    def __init__(self, graph, x, y, keep):
        self.graph, self.x, self.y, self.keep = graph, x, y, keep


class CUDAGraphScattering:
    """A scattering transform whose CUDA calls replay captured CUDA graphs.

    The first call with a new input shape, dtype and device runs the transform
    ``warmup`` times and then captures one call in a CUDA graph; later calls
    with that shape copy the input into the graph's static input and replay
    it.  The output equals the transform's own (the same kernels run).

    Parameters
    ----------
    transform : ScatteringBase or ScatteringModule
        Any scatkit transform (``scatkit.Scattering2D(...)``) or its
        ``nn.Module`` form (``scatkit.torch.Scattering2D(...)``).
    max_graphs : int, default MAX_GRAPHS
        Graphs kept at once, the least recently used dropped first.  Each holds
        a private memory pool of about one call's peak intermediate memory
        (``TorchBackend.cuda_chunk_bytes`` and ``batch_size`` bound it).
    copy : bool, default True
        Return a copy of the graph's output.  With ``False`` the returned
        tensor *is* the graph's static output: the next call with the same
        input shape overwrites it (no copy, no allocation per call).
    warmup : int, default WARMUP_CALLS
        Uncaptured calls before each capture, on a side stream.

    Notes
    -----
    - Inputs that are not CUDA tensors run the transform as it is (no graph),
      so code written for both devices needs no branch.
    - Graphs record no autograd history: an input that requires gradients
      (with gradients enabled) is refused; call the transform itself.
    - The input checks (``check_finite``) still run on every call, outside the
      graph; the NaN check reads one boolean back from the GPU.  Build the
      transform with ``check_finite=False`` to skip it.
    - One wrapper serves one thread at a time: a graph's static input and
      output are shared by its calls.
    - Tensors the graph reads that existed before its capture (filters, fold
      terms, index constants) are kept alive with the graph, so caches that
      drop them later cannot leave the graph reading freed memory.  A module's
      filters changed in place after a capture are not seen by the graph (nor
      by the module's own cached converted copies).

    Examples
    --------
    >>> import torch, scatkit
    >>> from scatkit.torch import CUDAGraphScattering
    >>> S = CUDAGraphScattering(scatkit.Scattering2D(J=2, shape=(28, 28)))
    >>> x = torch.zeros(4, 28, 28)        # on the CPU: the transform as it is
    >>> S(x).shape
    torch.Size([4, 81, 7, 7])
    """

    def __init__(self, transform, max_graphs: int = MAX_GRAPHS, copy: bool = True,
                 warmup: int = WARMUP_CALLS):
        if isinstance(transform, ScatteringModule):
            self.module, self.transform = transform, transform.transform
        elif isinstance(transform, ScatteringBase):
            self.module, self.transform = None, transform
        else:
            raise TypeError(f"CUDAGraphScattering wraps a scatkit transform or its nn.Module form "
                            f"(scatkit.torch.ScatteringModule), got {type(transform).__name__}")
        if isinstance(max_graphs, bool) or not isinstance(max_graphs, int) or max_graphs < 1:
            raise ValueError(f"max_graphs must be an integer >= 1, got {max_graphs!r}")
        if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 1:
            raise ValueError(f"warmup must be an integer >= 1 (cuFFT plans and device caches "
                             f"must be built before a capture), got {warmup!r}")
        self.max_graphs, self.copy, self.warmup = max_graphs, bool(copy), warmup
        self._graphs: "OrderedDict[tuple, _Graph]" = OrderedDict()

    # -- calling -------------------------------------------------------------
    def __call__(self, x):
        call = self.module if self.module is not None else self.transform
        if not (isinstance(x, torch.Tensor) and x.is_cuda):
            return call(x)
        if torch.is_grad_enabled() and x.requires_grad:
            raise ValueError("CUDA graphs replay the forward computation without autograd; "
                             "call the transform itself for gradients, or detach the input "
                             "(x.detach()) if none are needed")
        if self.module is not None:
            self.module.check_device(x)
        self.transform._check_input(x)
        with torch.cuda.device(x.device):  # the graph's device, whichever is current
            entry = self._graph_for(x)
            entry.x.copy_(x)
            entry.graph.replay()
            out = entry.y.clone() if self.copy else entry.y
        return self.transform._as_out_type(out)

    def _compute(self, x):
        """The transform's array output for a checked CUDA tensor ``x``."""
        filters = self.module.filters_for(x) if self.module is not None else None
        return self.transform._scatter(get_backend(x), x, filters)

    def _graph_for(self, x) -> _Graph:
        key = (tuple(x.shape), x.dtype, x.device)
        entry = self._graphs.get(key)
        if entry is not None:
            self._graphs.move_to_end(key)
            return entry
        entry = self._capture(x)
        self._graphs[key] = entry
        while len(self._graphs) > self.max_graphs:
            self._graphs.popitem(last=False)
        return entry

    def _capture(self, x) -> _Graph:
        static = torch.empty_like(x, memory_format=torch.contiguous_format)
        static.copy_(x)
        with torch.no_grad():
            side = torch.cuda.Stream(device=x.device)
            side.wait_stream(torch.cuda.current_stream(x.device))
            with torch.cuda.stream(side):
                for _ in range(self.warmup):
                    self._compute(static)
            torch.cuda.current_stream(x.device).wait_stream(side)
            graph = torch.cuda.CUDAGraph()
            reads = _PreexistingTensors()
            try:
                with torch.cuda.graph(graph), reads:
                    y = self._compute(static)
            except RuntimeError as err:
                raise RuntimeError(
                    f"{type(self.transform).__name__} could not be captured in a CUDA graph "
                    f"({err}); call the transform itself") from err
            finally:
                reads.close()
        keep = [t for t in reads.kept.values() if t is not static]
        return _Graph(graph, static, y, keep)

    # -- introspection -------------------------------------------------------
    @property
    def n_graphs(self) -> int:
        """Number of graphs held."""
        return len(self._graphs)

    def clear(self) -> None:
        """Drop every graph (and the memory pools and tensors it kept)."""
        self._graphs.clear()

    def meta(self) -> dict:
        return self.transform.meta()

    def output_shape(self):
        return self.transform.output_shape()

    def __repr__(self) -> str:
        return (f"CUDAGraphScattering({self.module or self.transform!r}, "
                f"max_graphs={self.max_graphs}, copy={self.copy}, graphs held={self.n_graphs})")
