"""Keep the C allocator from returning the cascade's temporaries to the system.

A chunk of a batch allocates a few arrays of several megabytes (products,
transforms, moduli) and frees them before the next chunk allocates the same
sizes again.  glibc's ``malloc`` serves blocks of at least ``M_MMAP_THRESHOLD``
bytes (128 KiB at start) with fresh ``mmap`` pages, and gives the free top of
a heap back to the system once it exceeds ``M_TRIM_THRESHOLD``; either way the
next chunk's arrays fault their pages in again and the kernel zeroes them.
glibc adapts both thresholds upwards by itself ("dynamic mmap threshold",
``mallopt(3)``): when a block it had mapped is freed, the mmap threshold
becomes that block's size (up to 32 MiB on 64-bit systems) and the trim
threshold twice that.  A process only learns this from its own first large
frees, so a transform's first calls, and any process whose arrays stay just
below the current threshold, keep paying the page faults.

:func:`keep_freed_memory` teaches glibc once, as its own rule would: it
allocates and frees one block of :data:`HINT_BYTES` (no page is touched, so
no memory is used).  Afterwards allocations under about 31 MiB come from the
heap and up to about 62 MiB of freed memory stay with each heap for reuse
(glibc gives threads that allocate their own heaps, up to 8 per core: a
program whose many threads each compute large transforms may keep that much
per thread).
Nothing changes when glibc is not the allocator (the block is simply
allocated and freed), when the thresholds are already higher, or when the
user fixed them (``MALLOC_MMAP_THRESHOLD_``/``MALLOC_TRIM_THRESHOLD_`` or
``mallopt`` turn the adaptation off).  Set the environment variable
``SCATKIT_MALLOC_HINT=0`` to skip it.

Measured (``benchmarks/malloc_hint.py 2``, this project's 2-core machine, two
threads, median of 9 calls after two warm-ups, each setting in fresh processes,
two rounds; docs/data/malloc-hint-2026-11-30-afternoon.txt): 1D J=8 Q=12,
64 x 8192 exact 210-236 -> 157-166 ms (53,000-59,500 -> 18-113 minor page
faults per call); 1D J=10 Q=8, 8 x 65536 exact 139-142 -> 133-134 ms; the 2D
workloads within noise, with 2D J=4 L=8's peak memory 66.8-67.3 -> 59.6-59.9 MB.
"""

from __future__ import annotations

import os

import numpy as np

#: Size of the block :func:`keep_freed_memory` allocates and frees: just under
#: glibc's largest dynamic mmap threshold on 64-bit systems (32 MiB, ``mallopt(3)``),
#: which the block must not exceed for glibc to adopt its size.
HINT_BYTES = 31 * 2**20
#: Environment variable that turns the hint off when set to ``0``.
ENV_VAR = "SCATKIT_MALLOC_HINT"

_done = False


def keep_freed_memory(nbytes: int = HINT_BYTES) -> bool:
    """Allocate and free one untouched block of ``nbytes`` bytes, once per process.

    Returns True when the block was allocated now, False when it had been
    already or the hint is turned off (``SCATKIT_MALLOC_HINT=0``).  See the
    module docstring for what it does to glibc's thresholds and why.
    """
    global _done
    if _done or os.environ.get(ENV_VAR, "1").strip() == "0":
        return False
    _done = True
    block = np.empty(nbytes, dtype=np.uint8)  # malloc, pages never touched
    del block  # free: glibc raises its thresholds to the block's size
    return True
