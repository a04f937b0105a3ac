"""Coefficient parity with Kymatio's reference outputs (tests/reference/kymatio)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import HAS_TORCH, load_reference, reference_files

import scatkit

#: max |ours - ref| / max |ref| allowed (issue: 1e-5 for float64 input, 1e-4 for float32)
TOL = {np.float64: 1e-5, np.float32: 1e-4}

TRANSFORMS = {"1d": scatkit.Scattering1D, "2d": scatkit.Scattering2D}
CASES = [(kind, p) for kind in TRANSFORMS for p in reference_files(kind)]
BACKENDS = ["numpy"] + (["torch"] if HAS_TORCH else [])


def _relerr(out, ref):
    return float(np.abs(out - ref).max() / np.abs(ref).max())


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind,path", CASES, ids=[p.stem for _, p in CASES])
def test_parity(kind, path, dtype, backend):
    ref = load_reference(path)
    x = ref["x"].astype(dtype)
    S = TRANSFORMS[kind](shape=x.shape[-(1 if kind == "1d" else 2):], **ref["params"])
    if backend == "torch":
        import torch

        out = S(torch.from_numpy(x))
        assert isinstance(out, torch.Tensor)
        out = out.numpy()
    else:
        out = S(x)
    assert out.dtype == dtype
    assert out.shape == ref["Sx"].shape
    assert _relerr(out, ref["Sx"]) <= TOL[dtype]


@pytest.mark.parametrize("path", reference_files("1d"), ids=lambda p: p.stem)
def test_meta_1d_matches_reference(path):
    ref = load_reference(path)
    S = scatkit.Scattering1D(shape=ref["x"].shape[-1], **ref["params"])
    meta = S.meta()
    for key in ("order", "n", "j", "xi", "sigma"):
        np.testing.assert_allclose(meta[key], ref[f"meta_{key}"], rtol=1e-12, equal_nan=True,
                                   err_msg=key)
