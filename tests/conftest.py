"""Test configuration: point SCATKIT_DATA at the shared data when it exists,
fix hypothesis' profile, and offer fixtures for the reference files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (ROOT / ".." / "shared" / "data").resolve()
if "SCATKIT_DATA" not in os.environ and SHARED_DATA.exists():
    os.environ["SCATKIT_DATA"] = str(SHARED_DATA)

#: Kymatio reference outputs copied into the repository (small .npz files)
REFERENCE_DIR = ROOT / "tests" / "reference" / "kymatio"

# "ci" (the default) draws the same examples on every run, so that CI is reproducible;
# HYPOTHESIS_PROFILE=explore draws new random examples each run, to look for failures.
settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def reference_files(kind: str) -> list[Path]:
    return sorted(REFERENCE_DIR.glob(f"{kind}_*.npz"))


def load_reference(path: Path) -> dict:
    import json

    with np.load(path) as d:
        out = {k: d[k] for k in d.files}
    out["params"] = json.loads(str(out["params"]))
    return out


def requires_data(name: str):
    """Skip a test when data set ``name`` is not available (says where it goes)."""
    from scatkit.datasets.paths import data_home

    path = data_home() / name
    return pytest.mark.skipif(not path.exists(),
                              reason=f"data set {name} not found at {path} (set SCATKIT_DATA)")


try:
    import torch  # noqa: F401

    HAS_TORCH = True
except ImportError:  # pragma: no cover
    HAS_TORCH = False

requires_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")


@pytest.fixture(autouse=True)
def torch_math_on_cpu(monkeypatch):
    """Tests compute torch CPU tensors with torch itself.

    By default a CPU tensor that needs no gradient is computed by the NumPy
    backend (``TorchBackend.cpu_via_numpy``); the tests that compare the torch
    backend with NumPy would then compare NumPy with itself.  The route itself is
    tested in ``test_scattering.py`` (``test_cpu_tensors_via_numpy``), which turns
    it back on.
    """
    if HAS_TORCH:
        from scatkit.backends.torch_backend import TorchBackend

        monkeypatch.setattr(TorchBackend, "cpu_via_numpy", False)


@pytest.fixture
def one_torch_thread():
    """Run a test with one torch thread: small FFTs are much slower multi-threaded on
    a loaded 2-core machine (used by the files of small torch transforms)."""
    if not HAS_TORCH:
        yield
        return
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
