"""The measurements behind the cascade's routing constants (docs/BENCHMARKS.md, 2026-11-30).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/cascade_choices.py low-pass
    .venv/bin/python benchmarks/cascade_choices.py pack
    .venv/bin/python benchmarks/cascade_choices.py children
    .venv/bin/python benchmarks/cascade_choices.py low-support

``low-pass`` (one thread): per path, the spatial low-pass
(:class:`~scatkit.transforms.cascade.SeparableLowPass`) against the FFT route of
the cascade (real FFT, fold of the low-pass terms, inverse real FFT), and against
the fold and inverse FFT alone (what a modulus with children pays, its FFT being
needed anyway), for Gaussian low-passes on the grids of the benchmark; plus the
low-pass terms of 2d-small's order 1 packed and unpacked.  Prints milliseconds per
path and the multiply-adds of the spatial route per ``N log2 N``
(:data:`~scatkit.transforms.cascade.SPATIAL_LOW_PASS_MAX_COST`).

``pack`` (two threads): whole 2D transforms (2d-small, 2d-large) with the wavelet
terms packed as the default rule says, never, or always
(:data:`~scatkit.transforms.cascade.PACK_MAX_ROW`), NumPy and torch with
gradients; medians of 7 alternating calls.  ``children`` (two threads): the same
with the moduli that some group reads low-passed in space on small grids as the
default says, or never (:data:`~scatkit.transforms.cascade.SPATIAL_WITH_CHILDREN_MAX_BINS`).

``low-support``: the low-pass folds of 2d-large (exact and fast), one thread, 3 and 8
channels per call, as fold terms, packed terms and support terms
(:class:`~scatkit.transforms.cascade.SupportTerms`), milliseconds per call; then
2d-large whole (two threads, medians of 7 alternating calls, NumPy and torch with
gradients) with the low-passes as support terms (the default) and as fold terms.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np
import scipy.fft as sfft

from scatkit.backends import NumpyBackend
from scatkit.transforms import cascade as C


def _median_ms(fn, calls=7):
    fn()
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def _gaussian_low_pass(shape, width):
    """An even Gaussian on the full spectrum of ``shape`` (separable)."""
    grids = np.meshgrid(*[np.fft.fftfreq(n) for n in shape], indexing="ij")
    return np.exp(-sum(g**2 for g in grids) / (2 * width**2))


def low_pass() -> None:
    backend = NumpyBackend(workers=1)
    rng = np.random.default_rng(0)
    cases = [((18, 18), (9, 9), 4096), ((36, 36), (9, 9), 2048), ((36, 36), (18, 18), 2048),
             ((144, 144), (18, 18), 128), ((288, 288), (18, 18), 32),
             ((16384,), (64,), 256), ((8192,), (128,), 256)]
    print("grid -> output: ms per 1000 paths (spatial | FFT route | fold + inverse FFT only),"
          " multiply-adds per N log2 N")
    for shape, out, paths in cases:
        phi = _gaussian_low_pass(shape, 0.5 * out[-1] / shape[-1])
        half_out = out[:-1] + (out[-1] // 2 + 1,)
        terms = C.fold_terms(phi[None], out, half_out=True, dtype=np.float32)
        sp = C.separable_low_pass(phi, out, dtype=np.float32)
        u = rng.random((paths, 1) + shape, dtype=np.float32)
        axes = tuple(range(-len(shape), 0))
        uh = sfft.rfftn(u, axes=axes)

        def fft_route():
            h = sfft.rfftn(u, axes=axes, workers=1)
            return sfft.irfftn(C.apply_terms(backend, h, terms, 1, half_out), s=out, axes=axes)

        def fold_only():
            return sfft.irfftn(C.apply_terms(backend, uh, terms, 1, half_out), s=out, axes=axes)

        n = int(np.prod(shape))
        cost = C.SeparableLowPass.multiply_adds(shape, out) / (n * math.log2(n))
        per = 1e3 / paths
        print(f"{shape} -> {out}: {_median_ms(lambda: sp.apply(u)) * per:.2f} | "
              f"{_median_ms(fft_route) * per:.2f} | {_median_ms(fold_only) * per:.2f}   "
              f"{cost:.1f}")
    # the order-1 low-pass of 2d-small (36 x 36 -> 9 x 9), 61 images x 8 paths
    phi = C.even_full(_2d_small_phi(), (36, 36))
    terms = C.fold_terms(phi[None], (9, 9), True, dtype=np.float32)
    packed = C.pack_terms(terms, (36, 19), (9, 5), max_row=np.inf)
    xh = sfft.rfftn(rng.random((61, 8, 36, 36), dtype=np.float32), axes=(-2, -1))
    print(f"2d-small order-1 low-pass terms, 61 x 8 paths: {len(terms)} terms "
          f"{_median_ms(lambda: C.apply_terms(backend, xh, terms, 1, (9, 5))):.2f} ms, "
          f"packed in {packed.n_slots} slots "
          f"{_median_ms(lambda: C.apply_terms(backend, xh, packed, 1, (9, 5))):.2f} ms")


def _2d_small_phi():
    import scatkit

    return scatkit.Scattering2D(2, (28, 28))._cascade_filters()["phi_half"][0]


def _compare(constant: str, rules: dict) -> None:
    """Whole 2D transforms built with ``cascade.<constant>`` set to each of ``rules``."""
    import torch

    import scatkit

    torch.set_num_threads(2)
    default = getattr(C, constant)
    for J, shape, batch in [(2, (28, 28), 1024), (4, (256, 256), 16)]:
        x = np.random.default_rng(0).random((batch,) + shape, dtype=np.float32)
        xg = torch.from_numpy(x).requires_grad_(True)
        transforms = {}
        for name, value in rules.items():
            setattr(C, constant, value)  # read when the fold terms are built
            S = scatkit.Scattering2D(J, shape, L=8)
            S(x), S(xg)
            transforms[name] = S
        setattr(C, constant, default)
        _print_alternating(transforms, x, xg, f"2D J={J} {batch} x {shape[0]}x{shape[1]}, "
                                              f"{constant} ")


def _print_alternating(transforms: dict, x, xg, label: str, calls: int = 7) -> None:
    """Median times of ``transforms`` (name -> transform) on the NumPy input ``x`` and
    the torch input with gradients ``xg``, called alternately (the order reversed on
    every other round), printed one line per transform after ``label``."""
    times = {(name, kind): [] for name in transforms for kind in ("numpy", "torch")}
    for r in range(calls):
        for name in (list(transforms) if r % 2 else list(transforms)[::-1]):
            for kind, inp in (("numpy", x), ("torch", xg)):
                t0 = time.perf_counter()
                transforms[name](inp)
                times[name, kind].append(time.perf_counter() - t0)
    for name in transforms:
        print(f"{label}{name}: NumPy {1e3 * np.median(times[name, 'numpy']):.0f} ms, torch "
              f"with gradients {1e3 * np.median(times[name, 'torch']):.0f} ms")


def pack() -> None:
    _compare("PACK_MAX_ROW", {"default": C.PACK_MAX_ROW, "never": 0, "always": np.inf})


def children() -> None:
    _compare("SPATIAL_WITH_CHILDREN_MAX_BINS",
             {"default": C.SPATIAL_WITH_CHILDREN_MAX_BINS, "never": 0})


def low_support() -> None:
    import torch

    import scatkit

    backend = NumpyBackend(workers=1)
    rng = np.random.default_rng(0)
    default = C._low_terms
    try:
        C._low_terms = lambda terms, half_shape, out_shape: terms  # fold terms as they are
        for fast in (False, True):
            S = scatkit.Scattering2D(4, (256, 256), L=8, fast=fast)
            ops = S.cascade_ops(np.float32)
            for k, terms in sorted(ops.low.items()):
                shape_k = tuple(n >> k for n in S.cascade_shape)
                half = C._half_shape(shape_k)
                out = C._half_shape(tuple(n >> (S.plan.k_out - k) for n in shape_k))
                packed = C.pack_terms(terms, half, out, min_fill=0.0, max_row=np.inf)
                support = C.support_terms(packed, int(np.prod(half)))
                for channels in (3, 8):
                    xh = (rng.standard_normal((1, channels) + half)
                          + 1j * rng.standard_normal((1, channels) + half)).astype(np.complex64)
                    ms = [_median_ms(lambda t=t: C.apply_terms(backend, xh, t, 1, out), calls=30)
                          for t in (terms, packed, support)]
                    print(f"2d-large {'fast' if fast else 'exact'}, low-pass at k={k} "
                          f"({len(terms)} terms), {channels} channels: fold terms {ms[0]:.3f}, "
                          f"packed {ms[1]:.3f}, support terms {ms[2]:.3f} ms")
    finally:
        C._low_terms = default
    torch.set_num_threads(2)
    x = np.random.default_rng(0).random((16, 256, 256), dtype=np.float32)
    xg = torch.from_numpy(x).requires_grad_(True)
    for fast in (False, True):
        transforms = {}
        for name in ("support terms", "fold terms"):
            if name == "fold terms":
                C._low_terms = lambda terms, half_shape, out_shape: terms
            S = scatkit.Scattering2D(4, (256, 256), L=8, fast=fast)
            S(x), S(xg)
            C._low_terms = default
            transforms[name] = S
        _print_alternating(transforms, x, xg,
                           f"2d-large {'fast' if fast else 'exact'}, low-passes as ")


if __name__ == "__main__":
    {"low-pass": low_pass, "pack": pack, "children": children,
     "low-support": low_support}[sys.argv[1]]()
