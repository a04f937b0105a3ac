"""Every public transform on every available torch device.

Each test is parametrised over ``DEVICES``: ``"cpu"`` always (a real check here) and
``"cuda"`` where a CUDA device is present (those parameters carry the ``gpu`` marker).
A tensor placed on the device must give, on the same device and in its own dtype, the
NumPy result computed on the CPU: float32 within ``RTOL[float32]`` of the reference's
largest value, float64 within ``RTOL[float64]``.  Also checked on the device: ``fast``
mode, ``batch_size`` chunking, order 3, the ``average``/``format``/``padding`` options,
the ``nn.Module`` forms moved with ``.to(device)``, backward passes (finite, on the
device, equal to the CPU gradient and to a finite difference), the per-device caches of
one transform used on several devices, and synthesis by gradient descent.

Shapes are tiny: the CPU parameters run in seconds.
"""

from __future__ import annotations

import functools
import sys

import numpy as np
import pytest
from conftest import requires_torch

torch = pytest.importorskip("torch")

from torch.overrides import TorchFunctionMode  # noqa: E402

import scatkit  # noqa: E402
import scatkit.torch  # noqa: E402,F401
from scatkit.colour import ColourScattering, rgb_to_yuv  # noqa: E402
from scatkit.stats import (PeriodicScattering1D, PeriodicScattering2D,  # noqa: E402
                           ScatteringMoments)
from scatkit.torch.modules import ScatteringModule  # noqa: E402
from scatkit.transforms.tree import TreeScattering1D, TreeScattering2D  # noqa: E402

pytestmark = [requires_torch, pytest.mark.usefixtures("one_torch_thread")]

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
DEVICE_PARAMS = [pytest.param(d, marks=pytest.mark.gpu) if d == "cuda" else d for d in DEVICES]
DTYPES = [pytest.param(torch.float32, id="float32"), pytest.param(torch.float64, id="float64")]

#: largest error allowed, relative to the largest absolute value of the reference
RTOL = {torch.float32: 1e-5, torch.float64: 1e-12}
#: float32 convolutions on CUDA (the filter-bank trees: ``conv1d``/``conv2d``) run in
#: TF32 by default on Ampere and later (``torch.backends.cudnn.allow_tf32``): inputs
#: rounded to 10 mantissa bits, so about 1e-3 relative error instead of 1e-7
RTOL_TF32 = 1e-2


@pytest.fixture(params=DEVICE_PARAMS)
def device(request):
    return request.param


# -- helpers -------------------------------------------------------------------------------

def _leaves(out):
    """The arrays of an output: itself, or those of a list (of arrays or of
    ``out_type='list'`` dicts)."""
    if isinstance(out, (list, tuple)):
        return [a for o in out for a in _leaves(o["coef"] if isinstance(o, dict) else o)]
    return [out]


def _numpy(a):
    return a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)


def assert_on(out, device, dtype):
    """Every array of ``out`` is a tensor on ``device`` in ``dtype`` (or its complex form)."""
    cdtype = torch.complex64 if dtype == torch.float32 else torch.complex128
    for a in _leaves(out):
        assert isinstance(a, torch.Tensor), f"got {type(a).__name__}, not a tensor"
        assert a.device.type == torch.device(device).type, f"output on {a.device}, not {device}"
        assert a.dtype in (dtype, cdtype), f"output dtype {a.dtype}, input {dtype}"


def assert_close(out, ref, rtol, what=""):
    """``out`` (tensors or arrays) equals ``ref`` within ``rtol`` of ``max |ref|`` (per array)."""
    outs, refs = _leaves(out), _leaves(ref)
    assert len(outs) == len(refs), f"{what}: {len(outs)} arrays, expected {len(refs)}"
    for i, (a, r) in enumerate(zip(outs, refs)):
        a, r = _numpy(a), _numpy(r)
        assert a.shape == r.shape, f"{what}[{i}]: shape {a.shape}, expected {r.shape}"
        assert np.isfinite(a).all(), f"{what}[{i}]: non-finite values"
        scale = max(float(np.abs(r).max()), 1e-300)
        err = float(np.abs(a - r).max()) / scale if a.size else 0.0
        assert err <= rtol, \
            f"{what}[{i}]: max error {err:.2e} of max |ref| {scale:.2e} > {rtol:.0e}"


def rtol_for(name, device, dtype):
    """``RTOL``, or ``RTOL_TF32`` for the filter-bank trees in float32 off the CPU."""
    if device != "cpu" and dtype == torch.float32 and "tree" in name.lower():
        return RTOL_TF32
    return RTOL[dtype]


def _data(shape, seed=0, positive=False):
    """Random float64 data exactly representable in float32 (the same values in both)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, shape) if positive else rng.standard_normal(shape)
    return x.astype(np.float32).astype(np.float64)


# -- the transforms ------------------------------------------------------------------------
#
# name -> (factory, input shape, positive input); factories are cached so that one object
# serves the NumPy reference and every device and dtype (its per-device caches included).

def _method(obj, name):
    return getattr(obj, name)


CASES = {
    "s1d": (lambda: scatkit.Scattering1D(4, 256, Q=(4, 1)), (2, 3, 256), False),
    "s1d_order3_stride": (lambda: scatkit.Scattering1D(4, 256, Q=(2, 2), max_order=3, stride=4),
                          (2, 256), False),
    "s1d_fast": (lambda: scatkit.Scattering1D(4, 256, Q=(4, 1), fast=True), (2, 256), False),
    "s1d_batch_size": (lambda: scatkit.Scattering1D(4, 256, Q=(4, 1), batch_size=2),
                       (5, 256), False),
    "s1d_list": (lambda: scatkit.Scattering1D(3, 128, Q=(2, 1), out_type="list"), (2, 128),
                 False),
    "s2d": (lambda: scatkit.Scattering2D(2, (24, 20), L=4), (2, 24, 20), False),
    "s2d_order3": (lambda: scatkit.Scattering2D(3, (16, 16), L=2, max_order=3), (2, 16, 16),
                   False),
    "s2d_fast": (lambda: scatkit.Scattering2D(2, (32, 32), L=4, fast=True), (2, 32, 32), False),
    "s2d_batch_size": (lambda: scatkit.Scattering2D(2, (16, 16), L=4, batch_size=1),
                       (3, 16, 16), False),
    "h3d": (lambda: scatkit.HarmonicScattering3D(1, (8, 8, 8), L=2, include_order0=True),
            (2, 8, 8, 8), False),
    "h3d_odd_noncovariant": (lambda: scatkit.HarmonicScattering3D(
        1, (7, 8, 9), L=1, rotation_covariant=False, integral_powers=(0.5, 1.5, 3.0)),
        (2, 7, 8, 9), False),
    "h3d_batch_size": (lambda: scatkit.HarmonicScattering3D(1, (8, 8, 8), L=1, batch_size=1),
                       (3, 8, 8, 8), False),
    "jtfs": (lambda: scatkit.TimeFrequencyScattering(J=4, J_fr=2, Q=4, shape=256), (2, 256),
             False),
    "jtfs_joint": (lambda: scatkit.TimeFrequencyScattering(
        J=4, J_fr=2, Q=(4, 2), shape=256, F=2, stride_fr=1, stride=4, format="joint",
        batch_size=1), (2, 256), False),
    "rigid": (lambda: scatkit.RigidMotionScattering2D(2, (16, 16), L=4), (2, 16, 16), False),
    "rigid_global_periodic": (lambda: scatkit.RigidMotionScattering2D(
        2, (16, 16), L=4, average="global", padding="periodic", log=True, scale_average=True,
        batch_size=1), (2, 16, 16), True),
    "rigid_first_layer": (lambda: _method(scatkit.RigidMotionScattering2D(2, (16, 16), L=4),
                                          "first_layer"), (2, 16, 16), False),
    "rigid_postprocess": (lambda: _method(scatkit.RigidMotionScattering2D(
        2, (16, 16), L=4, log=True, scale_average=True), "postprocess"), (2, 27, 2, 2), True),
    "tree1d_morlet": (lambda: TreeScattering1D(3, 128), (2, 128), False),
    "tree1d_haar_order3": (lambda: TreeScattering1D(3, 64, family="haar", max_order=3),
                           (2, 64), False),
    "tree2d_morlet": (lambda: TreeScattering2D(2, (16, 16), L=4), (2, 16, 16), False),
    "tree2d_haar": (lambda: TreeScattering2D(2, (16, 16), family="haar", modulus_lowpass=True),
                    (2, 16, 16), False),
    "tree1d_wavelet_transform": (lambda: _method(TreeScattering1D(3, 64), "wavelet_transform"),
                                 (2, 64), False),
    "tree2d_wavelet_transform": (lambda: _method(TreeScattering2D(2, (16, 16), L=4),
                                                 "wavelet_transform"), (2, 16, 16), False),
    "colour_yuv": (lambda: ColourScattering(2, (16, 16), L=4), (2, 3, 16, 16), True),
    "colour_rigid_rgb": (lambda: ColourScattering(2, (16, 16), L=4, colour="rgb",
                                                  transform="rigid_motion"), (1, 3, 16, 16), True),
    "rgb_to_yuv": (lambda: rgb_to_yuv, (2, 3, 4, 5), True),
    "periodic1d": (lambda: PeriodicScattering1D(3, 64, Q=(2, 1)), (2, 64), False),
    "periodic2d": (lambda: PeriodicScattering2D(2, (16, 16), L=4), (2, 16, 16), False),
    "moments1d": (lambda: ScatteringMoments(64, J=3, Q=(2, 1), normalize=True, power=True,
                                            cross=True), (2, 64), False),
    "moments2d": (lambda: ScatteringMoments((16, 16), J=2, L=4, normalize=True, power=True,
                                            cross=True), (2, 16, 16), False),
    "moments_reflect": (lambda: ScatteringMoments(128, J=3, Q=(2, 1), periodic=False),
                        (2, 128), False),
}


@functools.cache
def transform(name):
    return CASES[name][0]()


@functools.cache
def data(name):
    _, shape, positive = CASES[name]
    return _data(shape, positive=positive)


@functools.cache
def reference(name):
    """The NumPy float64 output on the CPU."""
    out = transform(name)(data(name))
    for a in _leaves(out):
        assert isinstance(a, np.ndarray)
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(CASES))
def test_transform_on_device_matches_numpy(name, device, dtype):
    x = torch.as_tensor(data(name), dtype=dtype, device=device)
    out = transform(name)(x)
    assert_on(out, device, dtype)
    assert_close(out, reference(name), rtol_for(name, device, dtype), name)


# -- one transform, several devices and dtypes: per-device caches --------------------------

def _tensor_leaves(tree):
    """Every tensor reachable in a filter cache entry (dicts, lists, lazy trees, fold terms)."""
    from scatkit.transforms.cascade import (CascadeOps, CroppedTerms, FoldTerm, LazyFilterTree,
                                           PackedTerms, SeparableLowPass, SupportTerms)

    if isinstance(tree, torch.Tensor):
        yield tree
    elif isinstance(tree, LazyFilterTree):
        for v in tree._done.values():
            yield from _tensor_leaves(v)
    elif isinstance(tree, dict):
        for v in tree.values():
            yield from _tensor_leaves(v)
    elif isinstance(tree, (list, tuple)):
        for v in tree:
            yield from _tensor_leaves(v)
    elif isinstance(tree, CascadeOps):
        yield from _tensor_leaves(tree.wave)
        yield from _tensor_leaves(tree.low)
        yield from _tensor_leaves(tree.spatial)
    elif isinstance(tree, FoldTerm):
        yield tree.filt
        yield from _tensor_leaves(list(tree.src_index))
    elif isinstance(tree, (PackedTerms, CroppedTerms)):
        yield from _tensor_leaves([tree.index, tree.filt])
    elif isinstance(tree, SupportTerms):
        yield from _tensor_leaves([tree.direct, tree.mirrored, tree.index, tree.filt])
    elif isinstance(tree, SeparableLowPass):
        yield from _tensor_leaves([tree.left, tree.right_t])


@pytest.mark.parametrize("name", ["s1d", "s2d", "h3d", "jtfs", "rigid", "tree2d_haar"])
def test_one_transform_alternating_devices_and_dtypes(name, device):
    """cpu/device and float32/float64 calls interleaved on one object: every call right,
    and every cached converted array lives on the device (and precision) it is kept for."""
    S = CASES[name][0]()  # a fresh object: its caches hold only what this test converts
    ref = reference(name)
    order = [("cpu", torch.float32), (device, torch.float64), ("cpu", torch.float64),
             (device, torch.float32), (device, torch.float64)]
    for dev, dtype in order:
        out = S(torch.as_tensor(data(name), dtype=dtype, device=dev))
        assert_on(out, dev, dtype)
        assert_close(out, ref, rtol_for(name, dev, dtype), f"{name} on {dev} {dtype}")
    caches = [(key, value) for key, value in S._filter_cache.items()]
    for ops in (getattr(S, "_ops", None) or {}).values():
        caches += list(ops._converted.items())
    assert caches, "nothing cached"
    for (backend, dev, dtype), value in caches:
        if backend != "torch":
            continue
        leaves = list(_tensor_leaves(value))
        for t in leaves:
            assert str(t.device) == dev, f"cache for {dev} holds a tensor on {t.device}"
            if t.is_floating_point() or t.is_complex():
                real = t.real.dtype if t.is_complex() else t.dtype
                assert str(real) == dtype, f"cache for {dtype} holds {t.dtype}"


# -- no device needed: the meta device as a stand-in ----------------------------------------
#
# A tensor on the "meta" device has a shape and a dtype but no data, and torch rejects most
# operations that mix it with a CPU tensor, as it rejects mixing a CUDA tensor with one.
# Every transform runs there (forward and backward) under a mode that also flags the
# operations meta lets through and CUDA does not (index_select, matmul with a CPU tensor,
# a NumPy array as an operand): a CPU array that meets the input's device fails here,
# without a GPU, and so does a copy of the data to the host (``.cpu()``, ``.item()``) in
# the computation.  Data-dependent steps cannot run on meta: the NaN check is switched off,
# filters copied back to the host for fold terms are replaced by ones, and
# ``normalize=True`` moments (a float() of the data) are left to the device tests.

META_CASES = [name for name in CASES if name not in ("moments1d", "moments2d")]


def _arguments(obj):
    """The leaves of nested tuples, lists and dicts (a torch call's arguments)."""
    if isinstance(obj, (tuple, list)):
        return [leaf for o in obj for leaf in _arguments(o)]
    if isinstance(obj, dict):
        return [leaf for o in obj.values() for leaf in _arguments(o)]
    return [obj]


class _MixedDevices(TorchFunctionMode):
    """Records every torch call whose non-scalar tensor arguments are on several devices
    (or that mixes tensors with NumPy arrays); indexing is exempt (CUDA accepts CPU indices)."""

    EXEMPT = {"__getitem__", "__setitem__", "to", "cpu", "copy_", "__get__", "__set__"}

    def __init__(self):
        super().__init__()
        self.hits = []

    def __torch_function__(self, func, types_, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", str(func))
        if name not in self.EXEMPT:
            flat = _arguments((args, kwargs))
            devices = {a.device.type for a in flat if isinstance(a, torch.Tensor) and a.dim()}
            arrays = [a for a in flat if isinstance(a, np.ndarray) and a.ndim]
            if len(devices) > 1 or (arrays and devices):
                self.hits.append((name, sorted(devices), len(arrays)))
        return func(*args, **kwargs)


def _no_nan_check(obj):
    for o in (obj, getattr(obj, "scattering", None), getattr(obj, "transform", None),
              getattr(obj, "__self__", None)):
        if hasattr(o, "check_finite"):
            o.check_finite = False
    return obj


@pytest.fixture
def host_copies_of_meta_filters(monkeypatch):
    """Fold terms built from meta filters (modules, periodic transforms): ones instead."""
    from scatkit.transforms import cascade

    prepare = cascade.prepare_cascade

    def fill(a):
        if isinstance(a, torch.Tensor) and a.device.type == "meta":
            return np.ones(tuple(a.shape), np.complex128 if a.is_complex() else np.float64)
        return a

    def on_ones(plan, phi_half, psi, shape, *args, **kwargs):
        return prepare(plan, [fill(p) for p in phi_half],
                       {m: [fill(p) for p in v] for m, v in psi.items()}, shape, *args, **kwargs)

    monkeypatch.setattr(cascade, "prepare_cascade", on_ones)


def _run_on_meta(f, shape, dtype):
    x = torch.empty(shape, dtype=dtype, device="meta", requires_grad=True)
    mode = _MixedDevices()
    try:
        with mode:
            out = f(x)
            sum(a.abs().sum() if a.is_complex() else a.sum() for a in _leaves(out)).backward()
    except NotImplementedError as err:
        if "Meta" not in str(err):  # e.g. "Cannot copy out of meta tensor": data to the host
            raise
        pytest.skip(f"an operation without a meta kernel in this torch: {err}")
    assert not mode.hits, f"tensors on different devices (or NumPy arrays) meet: {mode.hits}"
    assert_on(out, "meta", dtype)
    assert x.grad is not None and x.grad.device.type == "meta"


@pytest.mark.usefixtures("host_copies_of_meta_filters")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", META_CASES)
def test_no_host_array_meets_the_device_on_meta(name, dtype):
    _run_on_meta(_no_nan_check(CASES[name][0]()), CASES[name][1], dtype)


@pytest.mark.usefixtures("host_copies_of_meta_filters")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["torch.Scattering1D", "torch.Scattering2D_fast",
                                  "ScatteringModule(HarmonicScattering3D)",
                                  "ScatteringModule(TimeFrequencyScattering)",
                                  "ScatteringModule(RigidMotionScattering2D)",
                                  "ScatteringModule(PeriodicScattering2D)",
                                  "torch.TreeScattering1D", "torch.TreeScattering2D"])
def test_no_host_array_meets_the_device_on_meta_modules(name, dtype):
    make, case, with_dtype = MODULES[name]
    module = _move(make(), "meta", dtype, with_dtype)
    _no_nan_check(module.transform)
    _run_on_meta(module, CASES[case][1], dtype)


# -- batches: chunking, empty batches, non-contiguous inputs, NaN check ----------------------

CHUNKED = {
    "Scattering1D": lambda bs: scatkit.Scattering1D(4, 256, Q=(4, 1), batch_size=bs),
    "Scattering2D": lambda bs: scatkit.Scattering2D(2, (16, 16), L=4, batch_size=bs),
    "HarmonicScattering3D": lambda bs: scatkit.HarmonicScattering3D(1, (8, 8, 8), L=1,
                                                                    batch_size=bs),
    "TimeFrequencyScattering": lambda bs: scatkit.TimeFrequencyScattering(
        J=4, J_fr=2, Q=4, shape=256, batch_size=bs),
    "RigidMotionScattering2D": lambda bs: scatkit.RigidMotionScattering2D(2, (16, 16), L=4,
                                                                          batch_size=bs),
    "TreeScattering1D": lambda bs: TreeScattering1D(3, 128, batch_size=bs),
}
CHUNK_SHAPES = {"Scattering1D": (256,), "Scattering2D": (16, 16),
                "HarmonicScattering3D": (8, 8, 8), "TimeFrequencyScattering": (256,),
                "RigidMotionScattering2D": (16, 16), "TreeScattering1D": (128,)}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(CHUNKED))
def test_batch_size_chunks_give_the_same_output(name, device, dtype):
    """Chunks of 1 and 2 (5 inputs: a short last chunk) give the output of one batch
    (up to rounding: FFT and BLAS libraries may round another batch size differently)."""
    x = torch.as_tensor(_data((5,) + CHUNK_SHAPES[name], seed=1), dtype=dtype, device=device)
    whole = CHUNKED[name](None)(x)
    assert_on(whole, device, dtype)
    for bs in (1, 2):
        chunked = CHUNKED[name](bs)(x)
        assert_on(chunked, device, dtype)
        assert_close(chunked, whole, rtol_for(name, device, dtype), f"{name} batch_size={bs}")


@pytest.mark.parametrize("name", ["s1d", "s2d", "h3d", "jtfs", "rigid", "tree1d_morlet"])
def test_empty_batch_stays_on_device(name, device):
    S = transform(name)
    shape = CASES[name][1][-S.ndim:]
    out = S(torch.zeros((0,) + tuple(shape), dtype=torch.float64, device=device))
    assert_on(out, device, torch.float64)
    assert tuple(out.shape) == (0,) + tuple(S.output_shape())


@pytest.mark.parametrize("name", ["s1d", "s2d", "jtfs", "rigid", "tree2d_morlet"])
def test_non_contiguous_input(name, device):
    """A transposed view (strides not C-ordered) gives the result of its contiguous copy."""
    S = transform(name)
    x = torch.as_tensor(data(name), device=device).movedim(0, -1).contiguous().movedim(-1, 0)
    assert not x.is_contiguous()
    assert_close(S(x), reference(name), RTOL[torch.float64], name)


def test_nan_input_is_rejected_on_device(device):
    x = torch.zeros(2, 256, dtype=torch.float64, device=device)
    x[1, 7] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        transform("s1d")(x)


# -- the nn.Module forms -------------------------------------------------------------------

MODULES = {
    # name -> (module factory, the transform case it computes, moved with dtype)
    "torch.Scattering1D": (lambda: scatkit.torch.Scattering1D(4, 256, Q=(4, 1)), "s1d", False),
    "torch.Scattering1D_order3": (lambda: scatkit.torch.Scattering1D(
        4, 256, Q=(2, 2), max_order=3, stride=4), "s1d_order3_stride", False),
    "torch.Scattering2D": (lambda: scatkit.torch.Scattering2D(2, (24, 20), L=4), "s2d", False),
    "torch.Scattering2D_fast": (lambda: scatkit.torch.Scattering2D(2, (32, 32), L=4, fast=True),
                                "s2d_fast", False),
    "ScatteringModule(HarmonicScattering3D)": (lambda: ScatteringModule(
        scatkit.HarmonicScattering3D(1, (8, 8, 8), L=2, include_order0=True)), "h3d", False),
    "ScatteringModule(TimeFrequencyScattering)": (lambda: ScatteringModule(
        scatkit.TimeFrequencyScattering(J=4, J_fr=2, Q=4, shape=256)), "jtfs", False),
    "ScatteringModule(RigidMotionScattering2D)": (lambda: ScatteringModule(
        scatkit.RigidMotionScattering2D(2, (16, 16), L=4)), "rigid", False),
    "ScatteringModule(PeriodicScattering2D)": (lambda: ScatteringModule(
        PeriodicScattering2D(2, (16, 16), L=4)), "periodic2d", False),
    "torch.TreeScattering1D": (lambda: scatkit.torch.TreeScattering1D(3, 128), "tree1d_morlet",
                               True),
    "torch.TreeScattering2D": (lambda: scatkit.torch.TreeScattering2D(2, (16, 16), L=4),
                               "tree2d_morlet", True),
}


def _move(module, device, dtype, with_dtype):
    return module.to(device=device, dtype=dtype) if with_dtype else module.to(device)


def _module_rtol(name, case, device, dtype):
    # the tree modules keep float32 weights: in float64 they are the float32-rounded filters
    if "Tree" in name:
        return max(rtol_for(case, device, dtype), RTOL[torch.float32])
    return RTOL[dtype]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(MODULES))
def test_module_moved_to_device(name, device, dtype):
    make, case, with_dtype = MODULES[name]
    M = _move(make(), device, dtype, with_dtype)
    for t in list(M.buffers()) + list(M.parameters()):
        assert t.device.type == torch.device(device).type, f"{name}: a buffer stayed on {t.device}"
    x = torch.as_tensor(data(case), dtype=dtype, device=device)
    out = M(x)
    assert_on(out, device, dtype)
    assert_close(out, reference(case), _module_rtol(name, case, device, dtype), name)


@pytest.mark.parametrize("name", ["torch.Scattering2D", "ScatteringModule(HarmonicScattering3D)",
                                  "torch.TreeScattering2D"])
def test_module_back_and_forth(name, device):
    """device -> cpu -> device: each move drops the converted copies of the other device."""
    make, case, with_dtype = MODULES[name]
    M = make()
    ref = reference(case)
    for dev in (device, "cpu", device):
        M = _move(M, dev, torch.float64, with_dtype)
        out = M(torch.as_tensor(data(case), dtype=torch.float64, device=dev))
        assert_on(out, dev, torch.float64)
        assert_close(out, ref, _module_rtol(name, case, dev, torch.float64), f"{name} on {dev}")
        if hasattr(M, "_converted"):
            for tree in M._converted.values():
                for t in _tensor_leaves(tree):
                    assert t.device.type == torch.device(dev).type


# -- gradients -----------------------------------------------------------------------------

GRAD_CASES = ["s1d", "s1d_order3_stride", "s1d_fast", "s2d", "s2d_order3", "h3d",
              "h3d_odd_noncovariant", "jtfs", "rigid", "rigid_global_periodic", "tree1d_morlet",
              "tree2d_haar", "colour_yuv", "moments1d", "moments2d"]


def _grad(f, x_np, device, dtype):
    x = torch.as_tensor(x_np, dtype=dtype, device=device).requires_grad_(True)
    out = f(x)
    loss = sum(a.sum() for a in _leaves(out))
    loss.backward()
    return x.grad, float(loss.detach())


@functools.cache
def cpu_gradient(name):
    """Gradient of the sum of the outputs, torch float64 on the CPU."""
    g, _ = _grad(transform(name), data(name), "cpu", torch.float64)
    return g.numpy()


@pytest.mark.parametrize("name", GRAD_CASES)
def test_backward_on_device(name, device):
    f = transform(name)
    g64, _ = _grad(f, data(name), device, torch.float64)
    assert g64 is not None and g64.device.type == torch.device(device).type
    assert g64.dtype == torch.float64
    assert torch.isfinite(g64).all()
    assert float(g64.abs().max()) > 0
    assert_close(g64, cpu_gradient(name), 1e-10, f"{name} gradient")
    # the gradient is the derivative: a central difference along a random direction
    v = _data(CASES[name][1], seed=5)
    h = 1e-6
    x = data(name)
    with torch.no_grad():
        plus = sum(float(a.sum()) for a in _leaves(f(torch.as_tensor(x + h * v, device=device))))
        minus = sum(float(a.sum()) for a in _leaves(f(torch.as_tensor(x - h * v, device=device))))
    fd = (plus - minus) / (2 * h)
    directional = float((g64.cpu().numpy() * v).sum())
    assert abs(fd - directional) <= 1e-6 * max(abs(directional), np.abs(g64.cpu().numpy()).sum()), \
        (fd, directional)
    # float32: finite, on the device, close to the float64 gradient
    g32, _ = _grad(f, data(name), device, torch.float32)
    assert g32.device.type == torch.device(device).type and g32.dtype == torch.float32
    assert torch.isfinite(g32).all()
    tol32 = RTOL_TF32 if (device != "cpu" and "tree" in name) else 1e-4
    assert_close(g32, cpu_gradient(name), tol32, f"{name} gradient f32")


@pytest.mark.parametrize("name", ["torch.Scattering1D", "torch.Scattering2D",
                                  "ScatteringModule(TimeFrequencyScattering)",
                                  "torch.TreeScattering2D"])
def test_module_backward_on_device(name, device):
    make, case, with_dtype = MODULES[name]
    M = _move(make(), device, torch.float64, with_dtype)
    g, _ = _grad(M, data(case), device, torch.float64)
    assert g.device.type == torch.device(device).type and torch.isfinite(g).all()
    tol = 1e-5 if "Tree" in name else 1e-10  # float32-rounded tree weights
    assert_close(g, cpu_gradient(case), tol, f"{name} gradient")


def test_learnable_tree_weights_get_gradients_on_device(device):
    """Trainable tree filters: gradients of the weights on the device, equal to the CPU's."""
    grads = {}
    for dev in dict.fromkeys(["cpu", device]):
        M = scatkit.torch.TreeScattering2D(2, (16, 16), L=4, learnable=True, init="random",
                                           seed=3).to(device=dev, dtype=torch.float64)
        x = torch.as_tensor(data("tree2d_morlet"), device=dev)
        M(x).sum().backward()
        params = [p for p in M.parameters() if p.requires_grad]
        assert params
        for p in params:
            assert p.grad is not None and p.grad.device.type == torch.device(dev).type
            assert torch.isfinite(p.grad).all()
        grads[dev] = [p.grad.cpu().numpy() for p in params]
    for a, b in zip(grads[device], grads["cpu"]):
        assert_close(a, b, 1e-10, "tree weight gradient")


# -- synthesis by gradient descent ----------------------------------------------------------

@pytest.fixture
def no_tqdm(monkeypatch):
    """tqdm made unimportable: ``progress=False`` must not need it."""
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)


SYNTH_1D = dict(J=2, Q=(2, 1), n_iter=10, seed=1, progress=False, return_info=True)
SYNTH_2D = dict(J=2, L=2, n_iter=10, seed=1, progress=False, return_info=True, marginal=True,
                init="gaussian")


@pytest.mark.usefixtures("no_tqdm")
def test_synthesis_of_a_numpy_signal_on_device(device):
    """NumPy target, optimised on ``device``: NumPy out (target's dtype), loss down, and
    the same starting loss as on the CPU (the initial noise is drawn on the CPU).  tqdm
    is blocked in these tests: ``progress=False`` needs nothing beyond PyTorch."""
    target = _data((32,), seed=2)
    y, info = scatkit.synthesize(target, device=device, dtype="float64", **SYNTH_1D)
    assert isinstance(y, np.ndarray) and y.shape == target.shape and y.dtype == np.float64
    assert np.isfinite(y).all()
    assert info["final_loss"] < 0.5 * info["loss"][0], info["loss"]
    if device != "cpu":
        _, cpu = scatkit.synthesize(target, device="cpu", dtype="float64", **SYNTH_1D)
        np.testing.assert_allclose(info["loss"][0], cpu["loss"][0], rtol=1e-9)


@pytest.mark.usefixtures("no_tqdm")
def test_synthesis_of_a_tensor_field_on_device(device):
    """Tensor target on ``device`` (2D: cross moments, marginal moments, Gaussian start):
    a tensor out on the same device in the target's dtype, loss down."""
    target = torch.as_tensor(_data((16, 16), seed=3, positive=True) ** 3, dtype=torch.float32,
                             device=device)
    y, info = scatkit.synthesize(target, device=device, **SYNTH_2D)
    assert_on(y, device, torch.float32)
    assert tuple(y.shape) == (16, 16) and not y.requires_grad
    assert torch.isfinite(y).all()
    assert info["final_loss"] < 0.5 * info["loss"][0], info["loss"]
    if device != "cpu":
        _, cpu = scatkit.synthesize(target.cpu(), device="cpu", **SYNTH_2D)
        np.testing.assert_allclose(info["loss"][0], cpu["loss"][0], rtol=1e-3)


@pytest.mark.usefixtures("no_tqdm")
def test_synthesis_returns_to_the_target_device(device):
    """A CPU tensor optimised on ``device`` comes back on the CPU (its own device)."""
    target = torch.as_tensor(_data((32,), seed=4), dtype=torch.float64)
    y, info = scatkit.synthesize(target, device=device, **SYNTH_1D)
    assert_on(y, "cpu", torch.float64)
    assert info["final_loss"] < info["loss"][0]


def test_module_and_input_must_share_a_device():
    """As torch.nn layers: a module on one device called on a tensor on another raises
    (the meta device stands in for a GPU), and the message says how to fix it."""
    import scatkit.torch as st

    module = st.Scattering1D(J=3, shape=256).to("meta")
    assert module.device.type == "meta"
    with pytest.raises(RuntimeError, match=r"input is on cpu .* filters are on meta.*x\.to\('meta'\)"):
        module(torch.zeros(2, 256))
    with pytest.raises(TypeError, match="takes a torch.Tensor"):
        st.Scattering1D(J=3, shape=256)(np.zeros((2, 256), dtype=np.float32))
    # same device: computes
    assert st.Scattering1D(J=3, shape=256)(torch.zeros(2, 256)).shape[0] == 2
