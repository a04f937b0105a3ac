"""KTH-TIPS: the exploration behind the renormalised rows of ``scatkit experiment textures``.

Reads the image-averaged rigid-motion scattering (J = 4, L = 8) that a full run of
the experiment cached in ``RESULTS/textures/cache_rigid_motion_*.npz`` (the images and
their copies shrunk by 2^(-i/2), i = 1..3), and prints the affine PCA classifier's
accuracy (mean ± std) on 20 random splits (seed 12345, not the experiment's) at 5, 20
and 40 training images per class for:

- ``log``: log coefficients (the experiment's "+ log");
- ``lognorm``: second order renormalised by its parent first order
  (``RigidMotionScattering2D(normalize=True, log=True)``);
- ``lognorm_scale_j1``: + the transform's average over j1;
- ``lognorm_dilK``: + the average over the first K dilations, K = 2, 3, 4;
- ``lognorm_dil_cv``: the window K = 1..4 chosen per split by 5-fold CV on the
  training images (:func:`scatkit.experiments.textures.classify_select`);
- ``*_std``: features standardised with the training images' mean and std.

These are *test* accuracies.  The experiment's renormalised rows (``lognorm`` and
``lognorm_dil_cv``, no standardisation) were chosen after seeing them;
docs/rigid_motion.md says so.

    SCATKIT_DATA=/path/to/data python scripts/textures_renormalised.py [RESULTS]
"""

import re
import sys
from pathlib import Path

import numpy as np

from scatkit import RigidMotionScattering2D
from scatkit.datasets import load_kth_tips
from scatkit.experiments.textures import (DILATIONS, LOG_EPS, accuracy, classify_select,
                                          dilation_average, fit_classifier, random_splits)

#: random splits per training size (the experiment uses 50) and their seed
N_SPLITS, SEED = 20, 12345
J, L, SIDE = 4, 8, 200


def _cache(folder: Path, tag: str) -> np.ndarray:
    # cache_<tag>_<12 hex digits>.npz (not the caches of longer tags, not partial ones)
    pattern = re.compile(re.escape(f"cache_{tag}_") + r"[0-9a-f]{12}\.npz")
    hits = sorted(h for h in folder.glob(f"cache_{tag}_*.npz") if pattern.fullmatch(h.name))
    if not hits:
        sys.exit(f"no cache_{tag}_*.npz in {folder}: run `scatkit experiment textures` first")
    with np.load(hits[0]) as d:
        return d["full"]


def _scores(X, labels, splits, standardise=False):
    accs = []
    for tr, te in splits:
        Xtr, Xte = X[tr], X[te]
        if standardise:
            m, s = Xtr.mean(0), Xtr.std(0) + 1e-12
            Xtr, Xte = (Xtr - m) / s, (Xte - m) / s
        accs.append(accuracy(fit_classifier(Xtr, labels[tr]), Xte, labels[te]))
    return np.mean(accs), np.std(accs)


def main(results: Path) -> None:
    folder = results / "textures"
    labels = load_kth_tips(size=SIDE).labels
    feats, norm_windows = {}, []
    for factor in DILATIONS:
        side = int(round(SIDE * factor))
        tag = "rigid_motion" if factor == 1.0 else f"rigid_motion_dilated{factor:.3f}"
        raw = _cache(folder, tag)[..., None, None]
        keep = RigidMotionScattering2D(J, (side, side), L=L).meta()["order"] >= 1
        norm = RigidMotionScattering2D(J, (side, side), L=L, log=True, log_eps=LOG_EPS,
                                       normalize=True)
        norm_windows.append(norm.postprocess(raw)[..., 0, 0][:, keep])
        if factor == 1.0:
            log = RigidMotionScattering2D(J, (side, side), L=L, log=True, log_eps=LOG_EPS)
            feats["log"] = log.postprocess(raw)[..., 0, 0][:, keep]
            feats["lognorm"] = norm_windows[0]
            scale = RigidMotionScattering2D(J, (side, side), L=L, log=True, log_eps=LOG_EPS,
                                            normalize=True, scale_average=True)
            feats["lognorm_scale_j1"] = scale.postprocess(raw)[..., 0, 0][
                :, scale.meta()["order"] >= 1]
    windows = [dilation_average(norm_windows[:k]) for k in range(1, len(norm_windows) + 1)]
    for k in range(2, len(windows) + 1):
        feats[f"lognorm_dil{k}"] = windows[k - 1]
    print("| features | " + " | ".join(f"{n}/class" for n in (5, 20, 40)) + " |")
    print("|---|---|---|---|")
    rows = {}
    for n in (5, 20, 40):
        splits = random_splits(labels, n, N_SPLITS, np.random.default_rng(SEED))
        for name, X in feats.items():
            rows.setdefault(name, []).append("%.1f ± %.1f" % _scores(X, labels, splits))
            if name in ("log", "lognorm", "lognorm_dil4"):
                rows.setdefault(name + "_std", []).append(
                    "%.1f ± %.1f" % _scores(X, labels, splits, standardise=True))
        picked = [classify_select(windows, labels, tr, te)[0] for tr, te in splits]
        rows.setdefault("lognorm_dil_cv", []).append(f"{np.mean(picked):.1f} ± {np.std(picked):.1f}")
    for name, cells in rows.items():
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("results"))
