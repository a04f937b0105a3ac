"""PyTorch backend: ``torch.fft`` on any device, differentiable."""

from __future__ import annotations

import numpy as np
import torch

from .base import Backend


def _abs(z):
    """|z| as ``hypot`` of the real and imaginary parts: on CPU (torch 2.13, 2
    threads, complex64 of 0.6-2.6 M entries) 12-15 % faster than ``torch.abs`` of
    the complex tensor and 20-30 % faster than the norm of its (real, imag) pairs;
    the same values to float rounding."""
    if z.is_complex() and z.stride(-1) == 1:
        pairs = torch.view_as_real(z)
        return torch.hypot(pairs[..., 0], pairs[..., 1])
    return z.abs()


class _Modulus(torch.autograd.Function):
    """Complex modulus whose gradient is 0 (not NaN) where the input is 0.

    d|z| = Re(conj(z) dz) / |z|; at z = 0 the subgradient 0 is used.
    """

    @staticmethod
    def forward(ctx, z):
        out = _abs(z)
        ctx.save_for_backward(z, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        z, out = ctx.saved_tensors
        safe = torch.where(out > 0, out, torch.ones_like(out))
        scale = torch.where(out > 0, grad / safe, torch.zeros_like(grad))
        return z * scale


class TorchBackend(Backend):
    """Backend for ``torch.Tensor`` inputs on any device."""

    name = "torch"
    #: Bound on the intermediates of the chunks computed at once on a CUDA device,
    #: in bytes (CPU tensors keep the transform's cache-sized bound).  A GPU is busy
    #: only with large launches: on an H200 the CPU bound (32 MiB) left it mostly
    #: idle between small kernels; see docs/BENCHMARKS.md ("CUDA").
    cuda_chunk_bytes = 1 << 30

    def chunk_bytes(self, x, default: int) -> int:
        if getattr(x, "is_cuda", False):
            return max(int(default), int(self.cuda_chunk_bytes))
        return default

    #: Compute CPU tensors that need no gradient with the NumPy backend (SciPy's
    #: pocketfft, its chunk threads) and return a tensor: on this project's 2-core
    #: machine torch.fft is the slower library (``scatkit bench``, 1D J=10 Q=8 on
    #: 8 x 65536: 245 ms through torch.fft, 150 ms through NumPy; docs/BENCHMARKS.md).  Gradients
    #: (``requires_grad`` with grad mode on), other devices and the ``nn.Module``
    #: forms (which pass their own filter buffers) always take the torch path: code
    #: that is traced or compiled should use those forms, since the route leaves
    #: torch.  ``False``: every tensor takes the torch path.
    cpu_via_numpy = True

    def computes_on_numpy(self, x) -> bool:
        return (self.cpu_via_numpy and x.device.type == "cpu"
                and not (x.requires_grad and torch.is_grad_enabled()))

    def from_numpy(self, a):
        return torch.from_numpy(np.ascontiguousarray(a))

    def is_array(self, x) -> bool:
        return isinstance(x, torch.Tensor)

    #: NumPy constants (index arrays, masks) of at most this many bytes are uploaded
    #: to a non-CPU device once, keyed by their content, instead of on every call:
    #: each upload from pageable host memory waits for the device.
    constant_cache_bytes = 1 << 16
    #: how many such constants are kept
    constant_cache_size = 512

    def _device_constant(self, a: np.ndarray, device, dtype):
        """``a`` as a tensor of ``dtype`` on ``device``; small arrays bound for a
        non-CPU device come from a content-keyed cache (see
        :attr:`constant_cache_bytes`)."""
        if device.type == "cpu" or a.nbytes > self.constant_cache_bytes:
            return torch.as_tensor(a, device=device).to(dtype)
        cache = self.__dict__.setdefault("_constants", {})
        key = (str(device), dtype, a.dtype.str, a.shape, a.tobytes())
        hit = cache.get(key)
        if hit is None:
            if len(cache) >= self.constant_cache_size:
                cache.pop(next(iter(cache)))
            hit = cache[key] = torch.as_tensor(a, device=device).to(dtype)
        return hit

    def asarray(self, a, like):
        real = torch.float32 if like.dtype in (torch.float32, torch.complex64) else torch.float64
        if isinstance(a, torch.Tensor):
            dtype = a.dtype
            target = (torch.complex64 if real == torch.float32 else torch.complex128) if dtype.is_complex else real
            return a.to(device=like.device, dtype=target)
        a = np.asarray(a)
        if np.iscomplexobj(a):
            dtype = torch.complex64 if real == torch.float32 else torch.complex128
        else:
            dtype = real
        return self._device_constant(a, like.device, dtype)

    def to_numpy(self, x):
        return x.detach().cpu().numpy()

    def concatenate(self, xs, axis):
        return torch.cat(list(xs), dim=axis)

    def take(self, x, idx, axis):
        if isinstance(idx, torch.Tensor):
            index = idx.to(device=x.device, dtype=torch.long)
        else:
            index = self._device_constant(np.asarray(idx), x.device, torch.long)
        # advanced indexing, not index_select: on the CPU, index_select of complex64 along
        # a last axis took 6.3 ms where this takes 0.21 ms (2 x 66k bins gathered to 131k,
        # two threads), and 10.1 against 3.6 ms with its backward pass
        return x[(slice(None),) * (axis % x.ndim) + (index,)]

    def index_array(self, idx, like):
        if isinstance(idx, torch.Tensor):
            return idx.to(device=like.device, dtype=torch.long)
        return self._device_constant(np.asarray(idx), like.device, torch.long)

    def zeros(self, shape, like):
        return torch.zeros(tuple(shape), dtype=like.dtype, device=like.device)

    def multiply_add(self, z, a, b, scratch=None, zero=False):
        z.addcmul_(a, b)  # fused, differentiable in place (one pass, zeros or not)
        return scratch

    def fft(self, x, ndim):
        return torch.fft.fftn(x, dim=tuple(range(-ndim, 0)))

    def ifft(self, x, ndim, overwrite=False):
        # overwrite is ignored: autograd may need x, and torch.fft has no in-place form
        return torch.fft.ifftn(x, dim=tuple(range(-ndim, 0)))

    def rfft(self, x, ndim):
        return torch.fft.rfftn(x, dim=tuple(range(-ndim, 0)))

    def irfft(self, x, shape):
        return torch.fft.irfftn(x, s=tuple(shape), dim=tuple(range(-len(shape), 0)))

    def modulus(self, x):
        return _Modulus.apply(x)

    def pad(self, x, pads, mode="reflect"):
        flat = []
        for before, after in reversed(pads):
            flat += [before, after]
        lead = x.shape[: x.ndim - len(pads)]
        y = x.reshape((-1, 1) + tuple(x.shape[x.ndim - len(pads):]))
        y = torch.nn.functional.pad(y, flat, mode=mode)
        return y.reshape(tuple(lead) + tuple(y.shape[2:]))
