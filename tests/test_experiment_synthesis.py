"""Quick run of ``scatkit experiment synthesis``."""

from conftest import requires_data, requires_torch


@requires_torch
@requires_data("dust_mhd")
def test_synthesis_quick(tmp_path):
    from scatkit.experiments.framework import run_experiment

    res = run_experiment("synthesis", quick=True, out=tmp_path, progress=False)
    m = res["metrics"]
    for target in ("dust", "ising", "rain"):
        for method in ("scattering", "gaussian"):
            for key in ("ps_relerr_pct/{}/{}/max", "scat_relerr_pct/{}/{}", "w1_over_std/{}/{}",
                        "sf_logerr/{}/{}/mean"):
                assert key.format(method, target) in m
        # the Gaussian baseline keeps the spectrum exactly
        assert m[f"ps_relerr_pct/gaussian/{target}/max"] < 1e-6
        assert (tmp_path / "synthesis" / f"synthesis_{target}.png").exists()
    for label in ("target", "scattering", "gaussian"):
        assert (tmp_path / "synthesis" / f"rain_{label}.wav").exists()
