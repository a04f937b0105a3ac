"""Quick run of ``scatkit experiment gaussianity``."""

import json

from conftest import requires_torch


@requires_torch
def test_gaussianity_quick(tmp_path):
    from scatkit.experiments.framework import run_experiment

    res = run_experiment("gaussianity", quick=True, out=tmp_path, progress=False)
    m = res["metrics"]
    for n in (2, 5):
        for feat in ("power_spectrum", "scattering"):
            assert 0 <= m[f"accuracy_pct/{feat}/n{n}/mean"] <= 100
    # same spectrum, different higher-order statistics: scattering separates them better
    assert m["accuracy_pct/scattering/n5/mean"] > m["accuracy_pct/power_spectrum/n5/mean"]
    saved = json.loads((tmp_path / "gaussianity" / "results.json").read_text())
    assert saved["quick"] is True and "gaussianity" in saved["tables"]
    assert (tmp_path / "gaussianity" / "gaussianity_processes.png").exists()
