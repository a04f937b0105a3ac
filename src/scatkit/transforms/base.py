"""What every scattering transform shares: input checks, backend dispatch,
per-(backend, device, dtype) filter caches, batching and output formats."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..backends import get_backend
from ..backends.allocator import keep_freed_memory

#: output formats accepted by ``out_type``
OUT_TYPES = ("array", "list")


def check_int(name: str, value, minimum: int | None = None, maximum: int | None = None) -> int:
    """Validate an integer parameter and return it as ``int``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_shape(shape, ndim: int) -> tuple[int, ...]:
    """Normalise ``shape`` (an int for 1D, or a tuple of ``ndim`` ints)."""
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (int(shape),)
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f"shape must be a tuple of {ndim} integers, got {shape!r}") from None
    if len(shape) != ndim:
        raise ValueError(f"shape must have {ndim} entr{'y' if ndim == 1 else 'ies'}, got {shape!r}")
    return tuple(check_int("shape", s, minimum=1) for s in shape)


class ScatteringBase:
    """Base class of the scattering transforms.

    Subclasses set :attr:`ndim` and implement :meth:`_numpy_filters` (the
    filters as a pytree of NumPy arrays), :meth:`_pad`, :meth:`_compute` and
    :meth:`meta`.
    """

    ndim: int = 1
    #: axis (counted from the end) along which output channels are stacked
    channel_axis: int = -2

    def __init__(self, out_type: str = "array", batch_size: int | None = None,
                 check_finite: bool = True):
        if out_type not in OUT_TYPES:
            raise ValueError(f"out_type must be one of {OUT_TYPES}, got {out_type!r}")
        self.out_type = out_type
        self.batch_size = None if batch_size is None else check_int("batch_size", batch_size, 1)
        self.check_finite = bool(check_finite)
        self._filter_cache: dict[Any, Any] = {}

    #: attributes that only cache what the parameters determine; pickling drops them
    #: (they hold backend arrays and closures) and they are rebuilt on first use
    _CACHE_ATTRIBUTES = ("_filter_cache", "_ops", "_bank")

    def __getstate__(self):
        state = self.__dict__.copy()
        for name in self._CACHE_ATTRIBUTES:
            if name in state:
                state[name] = {} if name == "_filter_cache" else None
        return state

    # -- filters -----------------------------------------------------------
    def _numpy_filters(self) -> dict:
        raise NotImplementedError

    def filters(self, backend=None, like=None) -> dict:
        """The filters converted for ``backend`` on ``like``'s device and precision
        (built once per backend, device and dtype, then cached)."""
        if backend is None:
            return self._numpy_filters()
        key = conversion_key(backend, like)
        if key not in self._filter_cache:
            self._filter_cache[key] = self._converted_filters(lambda a: backend.asarray(a, like))
        return self._filter_cache[key]

    def _converted_filters(self, convert) -> dict:
        """The filter pytree with ``convert`` applied to every array (default: to the
        NumPy filters of :meth:`_numpy_filters`, a bank shared between orders
        converted once; the tree is alive throughout, so its ids are stable)."""
        return _map_tree(convert_once(convert), self._numpy_filters())

    # -- input checks --------------------------------------------------------
    def _check_input(self, x):
        backend = get_backend(x)
        if backend.name == "numpy":
            if not isinstance(x, np.ndarray):
                raise TypeError(
                    f"{type(self).__name__} takes a NumPy array or a PyTorch tensor, got "
                    f"{type(x).__name__}; convert it with np.asarray(x, dtype=np.float32)")
            kind = x.dtype.kind
            if kind in "iub":
                raise TypeError(f"input has integer dtype {x.dtype}; convert it with "
                                "x.astype(np.float32) (or np.float64 for double precision)")
            if kind == "c":
                raise TypeError(f"input has complex dtype {x.dtype}; scattering takes real "
                                "signals: pass x.real, or transform x.real and x.imag separately")
            if kind != "f" or x.dtype not in (np.float32, np.float64):
                raise TypeError(f"input has dtype {x.dtype}; convert it with "
                                "x.astype(np.float32) or x.astype(np.float64)")
        else:
            import torch

            if x.dtype.is_complex:
                raise TypeError(f"input has complex dtype {x.dtype}; scattering takes real "
                                "signals: pass x.real, or transform x.real and x.imag separately")
            if x.dtype not in (torch.float32, torch.float64):
                raise TypeError(f"input has dtype {x.dtype}; convert it with x.float() "
                                "or x.double()")
        if x.ndim < self.ndim or tuple(x.shape[-self.ndim:]) != tuple(self.shape):
            raise ValueError(
                f"{type(self).__name__} was built for inputs whose last {self.ndim} "
                f"ax{'is' if self.ndim == 1 else 'es'} {'is' if self.ndim == 1 else 'are'} "
                f"{tuple(self.shape)}, got an input of shape {tuple(x.shape)}; build a "
                f"transform with shape={tuple(x.shape[-self.ndim:]) if x.ndim >= self.ndim else '...'}"
                " or crop/pad the input")
        if self.check_finite:
            if backend.name == "numpy":
                finite = bool(np.isfinite(x).all())
            elif backend.computes_on_numpy(x):
                # a CPU tensor the NumPy backend computes: checked on its NumPy view.
                # torch.isfinite would wake torch's OpenMP threads, which then spin
                # beside SciPy's FFT workers (``scatkit bench`` 2d-small: ours torch
                # 176 against 164 ms for NumPy input, docs/BENCHMARKS.md)
                finite = bool(np.isfinite(backend.to_numpy(x)).all())
            else:
                finite = bool(__import__("torch").isfinite(x).all())
            if not finite:
                raise ValueError("input contains NaN or infinity; clean it first (e.g. "
                                 "np.nan_to_num) or pass check_finite=False to skip this check")
        return backend

    # -- calling ---------------------------------------------------------------
    def __call__(self, x):
        return self.scattering(x)

    def scattering(self, x, filters=None):
        """Apply the transform to ``x`` of shape ``(..., *shape)``.

        ``filters`` (a pytree like :meth:`filters` returns, already on ``x``'s
        backend) replaces the cached filters; the ``nn.Module`` form passes its
        buffers this way.
        """
        backend = self._check_input(x)
        if filters is None and backend.computes_on_numpy(x):
            # a CPU tensor that needs no gradient: the NumPy backend's FFTs, a tensor out
            view = backend.to_numpy(x)  # shares the tensor's memory
            out = backend.from_numpy(self._scatter(get_backend(view), view, None))
        else:
            out = self._scatter(backend, x, filters)
        return self._as_out_type(out)

    def _as_out_type(self, out):
        """The output array of :meth:`_scatter` in the ``out_type`` format."""
        return out if self.out_type == "array" else self._to_list(out)

    def _scatter(self, backend, x, filters):
        """The output array of :meth:`scattering` for a checked input ``x``."""
        lead = tuple(x.shape[: x.ndim - self.ndim])
        flat = x.reshape((-1,) + tuple(self.shape))
        if filters is None:
            filters = self.filters(backend, flat)
        n = flat.shape[0]
        if n == 0:  # an empty batch: shape and kind from one zero signal
            probe = backend.asarray(np.zeros((1,) + tuple(self.shape)), like=flat)
            out = self._compute(backend, probe, filters)[:0]
        else:
            self._prepare(backend, flat, filters)  # shared state, built before any thread
            out = map_chunks(backend, lambda b, c: self._compute(b, c, filters), flat,
                             self.batch_size or n, min_thread_chunk=self._min_thread_chunk())
        return out.reshape(lead + tuple(out.shape[1:]))

    def _min_thread_chunk(self) -> int | None:
        """Fewest inputs per chunk for which computing chunks in threads pays (the
        Python-level work of a chunk is done under the GIL, one thread at a time);
        None where threads never pay (see :func:`map_chunks`)."""
        return 1

    def _prepare(self, backend, x, filters) -> None:
        """Build whatever :meth:`_compute` reads but computes lazily (called once per
        call, before the batch is split into chunks that may run in threads)."""

    def _to_list(self, out):
        meta = self.meta()
        keys = [k for k in meta if k not in ("order",)]
        result = []
        for c in range(self.output_channels):
            order = int(meta["order"][c])
            entry = {"coef": _index_channel(out, c, self.ndim), "order": order}
            for k in keys:
                row = np.atleast_1d(meta[k][c])
                entry[k] = tuple(v.item() for v in row[:order])
            result.append(entry)
        return result

    @property
    def output_channels(self) -> int:
        raise NotImplementedError

    def meta(self) -> dict:
        raise NotImplementedError

    def output_shape(self) -> tuple[int, ...]:
        """Shape of the output for one input signal (without batch axes)."""
        raise NotImplementedError


def convert_once(convert):
    """``convert`` memoised by the identity of its argument: an array shared by several
    entries of a filter tree is converted once.  Ids are only stable while the
    arrays are alive: use it on a tree that is held throughout."""
    memo: dict[int, Any] = {}

    def once(a):
        if id(a) not in memo:
            memo[id(a)] = convert(a)
        return memo[id(a)]

    return once


def conversion_key(backend, like) -> tuple[str, str, str]:
    """Cache key of arrays converted for ``backend`` on ``like``'s device and dtype
    (and its compiled fold, whose terms are converted differently)."""
    name = backend.name + ("+compiled" if backend.compiled_folds_requested else "")
    return (name, str(getattr(like, "device", "cpu")), str(like.dtype))


def map_chunks(backend, fn, x, step: int, min_thread_chunk: int | None = 1):
    """``fn(backend, chunk)`` on consecutive chunks of at most ``step`` inputs of ``x``
    (axis 0), results concatenated; a single call when ``x`` fits in one chunk.

    Transforms use it to bound their intermediate arrays whatever the batch (same
    output).  When the backend allows ``backend.chunk_threads > 1`` (NumPy with
    several FFT workers) and every thread gets at least ``min_thread_chunk``
    inputs, the batch is cut into at least that many chunks, computed in as many
    threads, each with ``backend.serial()`` (single-threaded FFTs): the memory
    bound becomes ``chunk_threads`` chunks at once.  A batch smaller than
    ``min_thread_chunk`` is too small for any thread to pay, FFT workers
    included: it is computed with ``backend.serial(concurrent=1)`` in the calling
    thread (alone, so with the memory budget of one chunk at a time).
    ``min_thread_chunk=None``: no chunk threads at all (the backend as given).
    The first call in a process tells glibc to keep freed temporaries for reuse
    (:func:`scatkit.backends.allocator.keep_freed_memory`).
    """
    keep_freed_memory()  # chunks reuse each other's freed temporaries (once per process)
    n = x.shape[0]
    if min_thread_chunk is None:
        threads = 1
    else:
        min_thread_chunk = max(int(min_thread_chunk), 1)
        threads = min(int(getattr(backend, "chunk_threads", 1)), n // min_thread_chunk)
    if threads > 1:
        step = min(step, -(-n // threads))
    elif min_thread_chunk is not None and n < min_thread_chunk:
        backend = backend.serial(concurrent=1)  # alone: the whole memory budget
    if n <= step:
        return fn(backend, x)
    starts = range(0, n, step)
    if threads > 1:
        from concurrent.futures import ThreadPoolExecutor

        inner = backend.serial()
        with ThreadPoolExecutor(threads) as pool:
            outs = list(pool.map(lambda i: fn(inner, x[i:i + step]), starts))
    else:
        outs = [fn(backend, x[i:i + step]) for i in starts]
    return backend.concatenate(outs, axis=0)


def _index_channel(out, c: int, ndim: int):
    return out[(Ellipsis, c) + (slice(None),) * ndim]


def _map_tree(fn, tree):
    if isinstance(tree, dict):
        return {k: _map_tree(fn, v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_map_tree(fn, v) for v in tree)
    if tree is None:
        return None
    return fn(tree)


def flatten_tree(tree, prefix: str = "") -> dict[str, np.ndarray]:
    """Flatten a filter pytree to ``{"phi.0": array, "psi.1.0": array, ...}``."""
    flat: dict[str, np.ndarray] = {}
    if isinstance(tree, dict):
        for k, v in tree.items():
            flat.update(flatten_tree(v, f"{prefix}{k}."))
    elif isinstance(tree, (list, tuple)):
        for i, v in enumerate(tree):
            flat.update(flatten_tree(v, f"{prefix}{i}."))
    elif tree is not None:
        flat[prefix[:-1]] = tree
    return flat


def unflatten_like(tree, flat: dict, prefix: str = ""):
    """Rebuild a pytree shaped like ``tree`` from :func:`flatten_tree` keys."""
    if isinstance(tree, dict):
        return {k: unflatten_like(v, flat, f"{prefix}{k}.") for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(unflatten_like(v, flat, f"{prefix}{i}.") for i, v in enumerate(tree))
    if tree is None:
        return None
    return flat[prefix[:-1]]
