"""Scattering on a Dask cluster: map a transform over the batch axes of a Dask array.

A scattering transform acts on each signal independently, so a batch split into
blocks along its leading (batch) axes can be transformed block by block, in
parallel, with no communication. :func:`scatter_dask` builds that graph with
:func:`dask.array.map_blocks`: the signal axes (the last ``S.ndim``) are made
single-chunk, every block of ``b`` signals becomes one task whose output block has
shape ``(b, *S.output_shape())``.

The transform travels to the workers as a small pickle (its filters are *not*
shipped -- they are rebuilt once per worker process and cached there, keyed by a
token of the pickle), so a graph with many tasks stays light.

:func:`cluster_client` opens a :class:`distributed.Client` on an existing scheduler
(``scheduler='tcp://host:8786'``) or on a local cluster of ``workers`` processes.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle

import numpy as np

__all__ = ["scatter_dask", "TransformRef", "cluster_client", "local_cluster"]

#: transforms rebuilt in this process, by token (one entry per distinct transform)
_WORKER_CACHE: dict[str, object] = {}

class TransformRef:
    """A picklable handle on a transform: its pickle (transforms drop their filter
    caches when pickled, see ``ScatteringBase.__getstate__``) and a token;
    :meth:`get` unpickles it once per process."""

    def __init__(self, S):
        self.payload = pickle.dumps(S)
        self.token = hashlib.sha256(self.payload).hexdigest()

    def get(self):
        S = _WORKER_CACHE.get(self.token)
        if S is None:
            S = _WORKER_CACHE[self.token] = pickle.loads(self.payload)
        return S

    def __repr__(self) -> str:
        return f"TransformRef({self.token[:12]})"


def _apply_block(block, ref: TransformRef, dtype):
    return np.asarray(ref.get()(np.ascontiguousarray(block, dtype=dtype)))


def scatter_dask(S, x, dtype=None):
    """Apply transform ``S`` to every signal of a Dask array, lazily.

    Parameters
    ----------
    S : scattering transform
        Any scatkit transform (``S.ndim``, ``S.shape``, ``S.output_shape()``).
    x : dask.array.Array or array-like, shape (..., *S.shape)
        Leading axes are batch axes, chunked as the caller likes; the signal axes
        are rechunked to one chunk each.
    dtype : NumPy dtype, optional
        Compute type (float32 or float64); default ``x``'s if floating, else float32.

    Returns
    -------
    dask.array.Array, shape (..., *S.output_shape())
        With the batch chunks of ``x``; call ``.compute()`` (on a
        :class:`distributed.Client` to use a cluster).
    """
    import dask.array as da

    x = x if isinstance(x, da.Array) else da.asarray(x)
    signal_shape = tuple(S.shape)
    if x.ndim < S.ndim or tuple(x.shape[x.ndim - S.ndim:]) != signal_shape:
        raise ValueError(f"the last {S.ndim} axes of the Dask array must be {signal_shape} "
                         f"(the transform's shape), got shape {x.shape}")
    if dtype is None:
        dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float32
    dtype = np.dtype(dtype)
    n_batch = x.ndim - S.ndim
    x = x.rechunk(x.chunks[:n_batch] + tuple((n,) for n in signal_shape))
    out_shape = tuple(S.output_shape())
    out_chunks = x.chunks[:n_batch] + tuple((n,) for n in out_shape)
    extra = len(out_shape) - S.ndim
    axes = {}
    if extra > 0:
        axes["new_axis"] = list(range(n_batch, n_batch + extra))
    elif extra < 0:
        axes["drop_axis"] = list(range(n_batch, n_batch - extra))
    return x.map_blocks(_apply_block, TransformRef(S), dtype, chunks=out_chunks, dtype=dtype,
                        meta=np.empty((0,) * (n_batch + len(out_shape)), dtype=dtype), **axes)


def local_cluster(workers: int, threads_per_worker: int = 1, **options):
    """A :class:`distributed.LocalCluster` of ``workers`` processes on loopback
    (no dashboard), for one machine."""
    from distributed import LocalCluster

    settings = dict(n_workers=int(workers), processes=True, threads_per_worker=threads_per_worker,
                    host="127.0.0.1", dashboard_address=None)
    settings.update(options)
    return LocalCluster(**settings)


@contextlib.contextmanager
def cluster_client(workers: int | None = None, scheduler: str | None = None):
    """A :class:`distributed.Client` on ``scheduler`` or on a local cluster of
    ``workers`` processes; the local cluster is closed on exit."""
    if (workers is None) == (scheduler is None):
        raise ValueError("give exactly one of workers (a local cluster) or scheduler (an address)")
    from distributed import Client

    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    if int(workers) < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    with local_cluster(workers) as cluster, Client(cluster) as client:
        yield client
