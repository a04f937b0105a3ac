"""``scatkit experiment tree --quick``: runs end to end and writes every key of the full run."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import requires_torch

from scatkit.experiments.tree import CONFIG, VARIANTS


@requires_torch
def test_tree_experiment_quick_writes_metrics_tables_and_figure(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "scatkit", "experiment", "tree", "--quick",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = tmp_path / "tree"
    res = json.loads((out / "results.json").read_text())
    assert res["experiment"] == "tree" and res["quick"] is True
    m = res["metrics"]
    for n in CONFIG["train_sizes"]:
        for name, _, _ in VARIANTS:
            assert 0 <= m[f"test_error_pct/{name}/n{n}"] <= 100
    # the fixed wavelet tree classifies digits far better than chance even on the quick problem
    assert m["test_error_pct/tree_fixed/n5000"] < 60
    assert abs(m["energy_ratio/tree_haar/full_order"] - 1) < 1e-10
    assert m["rel_l2_diff/tree_vs_fft/order1"] < 0.2
    assert any(k.startswith("seconds/fft_2d/") for k in m)
    assert any(k.startswith("cpu_seconds/tree_haar_2d/") for k in m)
    assert any(k.startswith("multiply_adds_per_sample/tree_morlet_2d/") for k in m)
    assert any(k.startswith("seconds/tree_morlet_1d/") for k in m)
    assert {"design", "mnist_agreement", "cost", "crossover", "cost_vs_J", "learning"} <= set(
        res["tables"])
    assert (out / "cost.png").stat().st_size > 1000
    assert "tree_finetuned" in (out / "table.md").read_text()
