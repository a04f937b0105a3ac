"""``scatkit.torch.CUDAGraphScattering``: CUDA-graph replay of scattering calls.

Without a GPU these tests check the wrapper's contract (bad arguments, CPU inputs
passed to the transform unchanged) and the bookkeeping that keeps a graph's
pre-existing tensors alive.  The ``gpu`` tests check on a CUDA device that the
replayed output equals the transform's own for every transform, that replays
follow new inputs, that shapes get their own graphs, and that a graph survives
the caches dropping the tensors it reads.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest
from conftest import requires_torch

torch = pytest.importorskip("torch")

import scatkit  # noqa: E402
import scatkit.torch  # noqa: E402,F401
from scatkit.torch.graphs import CUDAGraphScattering, _PreexistingTensors  # noqa: E402

pytestmark = [requires_torch, pytest.mark.usefixtures("one_torch_thread")]

CUDA = torch.cuda.is_available()

#: every transform kind, small: (maker, input shape)
TRANSFORMS = [
    pytest.param(lambda: scatkit.Scattering1D(5, 256, Q=4), (3, 256), id="1d"),
    pytest.param(lambda: scatkit.Scattering1D(5, 256, Q=4, fast=True), (3, 256), id="1d-fast"),
    pytest.param(lambda: scatkit.Scattering2D(2, (32, 32), L=8), (3, 32, 32), id="2d"),
    pytest.param(lambda: scatkit.Scattering2D(3, (64, 64), L=8, fast=True), (2, 64, 64),
                 id="2d-fast"),
    pytest.param(lambda: scatkit.Scattering2D(2, (32, 32), L=4, out_type="list"), (2, 32, 32),
                 id="2d-list"),
    pytest.param(lambda: scatkit.HarmonicScattering3D(1, (8, 8, 8), L=1), (2, 8, 8, 8), id="3d"),
    pytest.param(lambda: scatkit.TimeFrequencyScattering(J=5, J_fr=2, Q=4, shape=512), (2, 512),
                 id="jtfs"),
    pytest.param(lambda: scatkit.RigidMotionScattering2D(2, (16, 16), L=4), (2, 16, 16),
                 id="rigid-motion"),
    pytest.param(lambda: scatkit.torch.Scattering2D(J=2, shape=(32, 32)), (3, 32, 32),
                 id="2d-module"),
]


def _arrays(out):
    if isinstance(out, list):
        return [e["coef"] for e in out]
    return [out]


# -- the contract, checked without a GPU ----------------------------------------------------

def test_wraps_only_scatkit_transforms():
    with pytest.raises(TypeError, match="scatkit transform"):
        CUDAGraphScattering(torch.nn.Linear(3, 3))
    S = scatkit.Scattering1D(4, 64)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="max_graphs"):
            CUDAGraphScattering(S, max_graphs=bad)
    with pytest.raises(ValueError, match="warmup"):
        CUDAGraphScattering(S, warmup=0)


@pytest.mark.parametrize("make,shape", TRANSFORMS)
def test_cpu_inputs_run_the_transform(make, shape):
    """A NumPy array or a CPU tensor is the transform's own call: same output, no graph."""
    S = make()
    G = CUDAGraphScattering(S)
    x = np.random.default_rng(0).standard_normal(shape)
    xt = torch.from_numpy(x)
    for a, b in zip(_arrays(G(xt)), _arrays(S(xt))):
        assert torch.equal(a, b)
    if not isinstance(S, torch.nn.Module):
        for a, b in zip(_arrays(G(x)), _arrays(S(x))):
            np.testing.assert_array_equal(a, b)
    assert G.n_graphs == 0
    assert G.meta().keys() == S.meta().keys()


def test_module_device_check_kept():
    """The module form's device check runs before any graph."""
    M = scatkit.torch.Scattering1D(J=4, shape=64).to("meta")
    G = CUDAGraphScattering(M)
    with pytest.raises(TypeError, match="torch.Tensor"):
        M.check_device(np.zeros((1, 64)))
    with pytest.raises(RuntimeError, match="module's filters are on meta"):
        M.check_device(torch.zeros(1, 64))
    with pytest.raises(RuntimeError, match="module's filters are on meta"):
        G(torch.zeros(1, 64))  # a CPU tensor goes to the module, which refuses it


def test_preexisting_tensors_kept_intermediates_not():
    """What a capture keeps alive: the tensors that existed before it (input, filters,
    fold terms, index constants), never the intermediates it made."""
    S = scatkit.Scattering2D(2, (32, 32), L=4)
    x = torch.randn(2, 32, 32, dtype=torch.float64, requires_grad=True)  # the torch path
    S(x)  # caches built, as the warm-up calls of a capture build them
    gc.collect()
    # type(), not isinstance(): isinstance reads __class__, which some of torch's lazy
    # module objects answer with a deprecation warning
    before = {id(o) for o in gc.get_objects() if issubclass(type(o), torch.Tensor)}
    with _PreexistingTensors() as reads:
        y = S(x)
    reads.close()
    kept = list(reads.kept.values())
    assert any(t is x for t in kept)
    assert len(kept) > 10  # the filters and fold terms of 2 scales x 4 angles, and indices
    # new ones may only be index arrays that the CPU path wraps with torch.from_numpy
    # during the call (no operator makes them); no computed value is ever kept
    made = [t for t in kept if id(t) not in before]
    assert all(not (t.is_floating_point() or t.is_complex()) for t in made), \
        f"intermediates kept: {[(tuple(t.shape), t.dtype) for t in made]}"
    assert all(id(t) != id(y) for t in kept)


def test_preexisting_tensors_forget_dead_ids():
    """An intermediate's id is forgotten when it dies, so that a pre-existing tensor
    that is not yet seen can never be mistaken for it."""
    a = torch.ones(3)
    with _PreexistingTensors() as reads:
        b = a * 2
        made_id = id(b)
        assert made_id in reads._made
        del b
        gc.collect()
        assert made_id not in reads._made
    reads.close()
    assert any(t is a for t in reads.kept.values())
    assert all(t is a or t.ndim == 0 for t in reads.kept.values())  # a, or a wrapped scalar


# -- on a CUDA device -----------------------------------------------------------------------

@pytest.mark.gpu
@pytest.mark.skipif(not CUDA, reason="no CUDA device")
@pytest.mark.parametrize("make,shape", TRANSFORMS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
def test_replay_equals_transform(make, shape, dtype):
    S = make()
    if isinstance(S, torch.nn.Module):
        S = S.cuda()
    G = CUDAGraphScattering(S)
    rng = np.random.default_rng(1)
    for _ in range(3):  # capture, then replays that must follow the new input
        x = torch.from_numpy(rng.standard_normal(shape)).to("cuda", dtype)
        got, want = _arrays(G(x)), _arrays(S(x))
        assert len(got) == len(want)
        for a, b in zip(got, want):
            assert a.device.type == "cuda" and a.dtype == b.dtype
            torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert G.n_graphs == 1


@pytest.mark.gpu
@pytest.mark.skipif(not CUDA, reason="no CUDA device")
def test_shapes_get_their_own_graphs():
    S = scatkit.Scattering1D(5, 256, Q=4)
    G = CUDAGraphScattering(S, max_graphs=2)
    xs = [torch.randn(n, 256, device="cuda") for n in (1, 2, 3)]
    for x in xs:
        torch.testing.assert_close(G(x), S(x), rtol=0, atol=0)
    assert G.n_graphs == 2  # the least recently used (batch 1) dropped
    torch.testing.assert_close(G(xs[0]), S(xs[0]), rtol=0, atol=0)  # captured again
    G.clear()
    assert G.n_graphs == 0


@pytest.mark.gpu
@pytest.mark.skipif(not CUDA, reason="no CUDA device")
def test_copy_false_returns_the_static_output():
    S = scatkit.Scattering1D(5, 256, Q=4)
    G = CUDAGraphScattering(S, copy=False)
    x1, x2 = torch.randn(2, 2, 256, device="cuda")
    y1 = G(x1)
    want1 = S(x1)
    torch.testing.assert_close(y1, want1, rtol=0, atol=0)
    y2 = G(x2)
    assert y2 is y1  # overwritten in place
    torch.testing.assert_close(y1, S(x2), rtol=0, atol=0)
    G_copy = CUDAGraphScattering(S)  # copy=True: each call's output is its own
    a, b = G_copy(x1), G_copy(x2)
    assert a is not b
    torch.testing.assert_close(a, want1, rtol=0, atol=0)  # not overwritten by the second call


@pytest.mark.gpu
@pytest.mark.skipif(not CUDA, reason="no CUDA device")
def test_graph_survives_caches_dropping_its_tensors():
    """The module form keeps one converted copy of its filters: a float64 call drops
    the float32 copy a float32 graph reads.  The graph keeps it alive, so its
    replay stays right after that memory would have been reused."""
    M = scatkit.torch.Scattering2D(J=2, shape=(32, 32)).cuda()
    G = CUDAGraphScattering(M)
    x = torch.randn(3, 32, 32, device="cuda")
    want = M(x).clone()
    G(x)
    M(x.double())  # the float32 filter copies leave the module's cache
    gc.collect()
    junk = [torch.full((1 << 20,), float("nan"), device="cuda") for _ in range(64)]  # reuse memory
    torch.testing.assert_close(G(x), want, rtol=0, atol=0)
    del junk


@pytest.mark.gpu
@pytest.mark.skipif(not CUDA, reason="no CUDA device")
def test_gradients_refused_and_checks_kept():
    S = scatkit.Scattering1D(5, 256, Q=4)
    G = CUDAGraphScattering(S)
    x = torch.randn(2, 256, device="cuda", requires_grad=True)
    with pytest.raises(ValueError, match="without autograd"):
        G(x)
    with torch.no_grad():
        torch.testing.assert_close(G(x), S(x), rtol=0, atol=0)
    bad = torch.randn(2, 256, device="cuda")
    bad[0, 3] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        G(bad)
    with pytest.raises(ValueError, match="shape"):
        G(torch.randn(2, 128, device="cuda"))
