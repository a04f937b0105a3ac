"""The compiled product-and-fold of the NumPy backend (scatkit.backends.kernels, numba)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scatkit
from scatkit.backends import NumpyBackend, kernels
from scatkit.backends import numpy_backend
from scatkit.transforms.cascade import BoxTerms, _half_shape, apply_terms, box_terms, fold_terms

needs_numba = pytest.mark.skipif(not kernels.available(), reason="numba is not installed")


def _band_filters(rng, n_shape, n_filters, width):
    """Gaussian bumps at random centres, exactly zero far from them (some aliases and
    mirrored blocks vanish, others not)."""
    ndim = len(n_shape)
    w = np.stack(np.meshgrid(*[np.fft.fftfreq(n) for n in n_shape], indexing="ij"))
    centre = rng.uniform(-0.5, 0.5, size=(n_filters, ndim))
    dist2 = sum((w[a][None] - centre[:, a].reshape((-1,) + (1,) * ndim)) ** 2 for a in range(ndim))
    return np.where(dist2 < 4 * width**2, np.exp(-dist2 / width**2), 0.0)


@needs_numba
@settings(deadline=None, max_examples=60)
@given(ndim=st.integers(1, 3), k=st.integers(0, 2), half_out=st.booleans(),
       width=st.floats(0.03, 0.4), n_filters=st.integers(1, 4), channels=st.integers(1, 3),
       single=st.booleans(), seed=st.integers(0, 2**16))
def test_compiled_fold_is_the_numpy_fold_bit_for_bit(ndim, k, half_out, width, n_filters,
                                                    channels, single, seed):
    """The compiled fold computes every value with the NumPy route's operations, in its
    order: the same numbers, not merely close ones (float32 and float64, 1D to 3D,
    direct and mirrored blocks, outputs the terms cover or not)."""
    rng = np.random.default_rng(seed)
    n_shape = {1: (32,), 2: (16, 12), 3: (8, 8, 8)}[ndim]
    m_shape = tuple(n >> k for n in n_shape)
    dtype = np.float32 if single else np.float64
    u = rng.standard_normal((2, channels) + n_shape).astype(dtype)
    X_half = np.fft.rfftn(u, axes=tuple(range(-ndim, 0))).astype(np.result_type(dtype, 1j))
    filt = _band_filters(rng, n_shape, n_filters, width)
    if half_out:  # a low-pass: one even filter
        w = np.meshgrid(*[np.fft.fftfreq(n) for n in n_shape], indexing="ij")
        filt = np.exp(-sum(a**2 for a in w) / width**2)[None]
    out_shape = _half_shape(m_shape) if half_out else m_shape
    terms = fold_terms(filt, m_shape, half_out, eps=0.0, dtype=dtype)
    boxes = box_terms(terms, _half_shape(n_shape), out_shape)
    backend = NumpyBackend(workers=1)
    expected = apply_terms(backend, X_half, terms, len(filt), out_shape)
    if boxes is None:
        assert not terms  # only an empty list has no compiled form
        return
    got = apply_terms(backend, X_half, boxes, len(filt), out_shape)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_box_terms_read_the_filters_in_place():
    """fold_terms puts every block in one buffer: the compiled form reads it without a
    copy; terms whose blocks are separate arrays are copied into one, the same fold."""
    rng = np.random.default_rng(0)
    filt = _band_filters(rng, (16, 16), 3, 0.2)
    terms = fold_terms(filt, (8, 8), False, eps=0.0, dtype=np.float32)
    boxes = box_terms(terms, (16, 9), (8, 8))
    assert all(np.shares_memory(boxes.filt, t.filt) for t in terms)
    assert boxes.filt.size == sum(t.filt.size for t in terms)
    copies = [dataclasses.replace(t, filt=t.filt.copy()) for t in terms]
    boxed_copies = box_terms(copies, (16, 9), (8, 8))
    assert not np.shares_memory(boxed_copies.filt, terms[0].filt)
    for b in (boxes, boxed_copies):  # each term's block at its offset (column 7)
        for t, offset in zip(terms, b.desc[:, 7]):
            np.testing.assert_array_equal(b.filt[offset:offset + t.filt.size], t.filt.ravel())
    others = [c for c in range(boxes.desc.shape[1]) if c != 7]
    np.testing.assert_array_equal(boxed_copies.desc[:, others], boxes.desc[:, others])


def test_box_terms_refuse_columns_that_are_not_one_run():
    rng = np.random.default_rng(1)
    terms = fold_terms(_band_filters(rng, (16, 16), 4, 0.3), (8, 8), False, eps=0.0)
    mirrored = next(t for t in terms if t.conj)
    cols = np.asarray(mirrored.src_index[-1])[::-1]  # forwards: not how mirrored bins are read
    broken = dataclasses.replace(mirrored, src_index=mirrored.src_index[:-1] + (cols,))
    assert box_terms([broken], (16, 9), (8, 8)) is None
    assert box_terms([], (16, 9), (8, 8)) is None


def _transforms():
    return [(scatkit.Scattering1D(J=5, Q=4, shape=512), (3, 512)),
            (scatkit.Scattering2D(J=3, L=4, shape=(40, 40)), (2, 40, 40)),
            (scatkit.Scattering2D(J=2, L=8, shape=(28, 28), max_order=2), (5, 28, 28))]


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_transforms_give_the_same_coefficients_with_and_without_the_kernel(monkeypatch, dtype):
    rng = np.random.default_rng(2)
    for S, shape in _transforms():
        x = rng.standard_normal(shape).astype(dtype)
        monkeypatch.setattr(numpy_backend, "COMPILED_FOLDS", False)
        plain = S(x)
        monkeypatch.setattr(numpy_backend, "COMPILED_FOLDS", True)
        compiled = S(x)
        np.testing.assert_array_equal(compiled, plain)
        ops = S.cascade_ops(dtype).to(NumpyBackend(), x)
        assert not any(isinstance(v, list) for v in ops.wave.values())  # all compiled


def test_the_kernel_can_be_switched_off(monkeypatch):
    """``SCATKIT_COMPILED=0`` (or ``COMPILED_FOLDS = False``) keeps NumPy's own loops:
    the terms stay lists of fold terms."""
    monkeypatch.setattr(numpy_backend, "COMPILED_FOLDS", None)
    monkeypatch.setenv("SCATKIT_COMPILED", "0")
    assert not NumpyBackend().compiled_folds
    S = scatkit.Scattering2D(J=3, L=4, shape=(40, 40))
    x = np.zeros((1, 40, 40), dtype=np.float32)
    ops = S.cascade_ops(np.float32).to(NumpyBackend(), x)
    assert any(isinstance(v, list) for v in ops.wave.values())
    assert not any(isinstance(v, BoxTerms) for v in ops.wave.values())
    monkeypatch.setenv("SCATKIT_COMPILED", "1")
    assert NumpyBackend().compiled_folds == kernels.available()
    monkeypatch.setattr(numpy_backend, "COMPILED_FOLDS", False)
    assert not NumpyBackend().compiled_folds


def test_backends_without_a_compiled_fold_say_so():
    from scatkit.backends.base import Backend

    with pytest.raises(NotImplementedError, match="no compiled fold"):
        Backend().fold_boxes(None, None, None)


def test_numba_is_not_imported_where_no_fold_needs_it(monkeypatch):
    """Small 2D grids fold with packed terms (no lists to compile): their transforms do
    not consult, hence do not import, the compiler (about a second and 110 MB)."""
    def refuse():
        raise AssertionError("numba was asked for")

    monkeypatch.setattr(numpy_backend, "COMPILED_FOLDS", True)
    monkeypatch.setattr(kernels, "available", refuse)
    S = scatkit.Scattering2D(J=2, L=8, shape=(28, 28))
    assert S(np.ones((2, 28, 28), dtype=np.float32)).shape[0] == 2


@needs_numba
def test_the_compiled_fold_checks_its_arrays():
    """The compiled loop has no bounds checks: arrays of other shapes, layouts or dtypes
    than its terms were built for are refused before it runs, and so are terms that
    would read or write outside their grids."""
    rng = np.random.default_rng(3)
    terms = fold_terms(_band_filters(rng, (16, 16), 2, 0.3), (8, 8), False, eps=0.0,
                       dtype=np.float32)
    boxes = box_terms(terms, (16, 9), (8, 8))
    x = np.zeros((1, 1, 16, 9), np.complex64)
    out = np.zeros((1, 1, 2, 8, 8), np.complex64)
    kernels.fold_boxes(x, boxes, out)
    empty = np.zeros((0, 1, 2, 8, 8), np.complex64)  # no channel: nothing to do
    assert kernels.fold_boxes(np.zeros((0, 1, 16, 9), np.complex64), boxes, empty) is empty
    for bad_x, bad_out in [(np.zeros((1, 1, 8, 5), np.complex64), out),
                           (x, np.zeros((1, 1, 2, 4, 4), np.complex64)),
                           (x.astype(np.complex128), out.astype(np.complex128)),
                           (x, np.zeros((1, 1, 2, 8, 16), np.complex64)[..., ::2])]:
        with pytest.raises(ValueError, match="fold_boxes"):
            kernels.fold_boxes(bad_x, boxes, bad_out)
    for half, out_shape in [((8, 5), (8, 8)), ((16, 5), (8, 8)), ((16, 9), (8, 4))]:
        with pytest.raises(ValueError, match="outside"):
            box_terms(terms, half, out_shape)


def test_a_failing_numba_leaves_numpys_route(monkeypatch):
    """Where numba or the kernel cannot be imported, transforms fold with NumPy's loops
    (a broken install warns; a missing one is silent)."""
    import sys

    monkeypatch.setattr(numpy_backend, "COMPILED_FOLDS", True)
    monkeypatch.setitem(sys.modules, "scatkit.backends._fold_kernel", None)  # import fails
    kernels.available.cache_clear()
    try:
        if "numba" in sys.modules:
            with pytest.warns(RuntimeWarning, match="compiled fold is unavailable"):
                assert not kernels.available()
        else:
            assert not kernels.available()
        assert not NumpyBackend().compiled_folds
        S = scatkit.Scattering2D(J=3, L=4, shape=(40, 40))
        x = np.random.default_rng(4).standard_normal((2, 40, 40))
        ops = S.cascade_ops(np.float64).to(NumpyBackend(), x)
        assert any(isinstance(v, list) for v in ops.wave.values())
        assert np.isfinite(S(x)).all()
    finally:
        monkeypatch.undo()
        kernels.available.cache_clear()
