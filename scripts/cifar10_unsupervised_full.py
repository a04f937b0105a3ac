"""CIFAR-10 unsupervised pipelines on the full official split (not the experiment).

YUV translation scattering and YUV rigid-motion scattering (J = 3, L = 8, log,
standardised) of all 60,000 images, then for each:

- the closed-form ridge classifier of ``scat_linear`` / ``rigid_linear``
  (:func:`scatkit.experiments.cifar10.linear_error`);
- a Gaussian-kernel approximation: Nyström features (``NYSTROEM`` landmarks) and a
  ridge classifier on them, the kernel width (a factor of 1/d) and the penalty
  chosen on a held-out validation part of the training set (``N_VALIDATION``
  images), then refit on all 50,000.

Prints the test error of each and the seconds of each stage.  Features are computed
and cached by the experiment's own :func:`scatkit.experiments.cifar10.scattering_features`
(``CACHE/cache/<name>.npz``; decoded images in ``CACHE`` too), so a re-run only fits.
Feature sets may be named after ``CACHE`` (default: both).

    SCATKIT_DATA=/path/to/data python scripts/cifar10_unsupervised_full.py CACHE [translation] [rigid_motion]
"""

import json
import sys
import time
from pathlib import Path

import numpy as np

from scatkit.datasets import load_cifar10
from scatkit.experiments.cifar10 import (J_UNSUP, L_RIGID, L_TRANSLATION, linear_error,
                                         scattering_features)
from scatkit.experiments.framework import Context

#: Nyström landmarks
NYSTROEM = 4000
#: training images held out to choose the kernel width and the penalty
N_VALIDATION = 5000
#: candidate kernel widths (times 1/d) and ridge penalties (times the number of landmarks)
GAMMA_FACTORS = (0.5, 1.0, 2.0)
ALPHA_FACTORS = (1e-3, 1e-2, 1e-1)


def nystroem_error(Xtr, ytr, Xte, yte, seed=0):
    """Nyström + ridge classifier, width and penalty chosen on a validation part."""
    from sklearn.kernel_approximation import Nystroem
    from sklearn.linear_model import RidgeClassifier
    from sklearn.preprocessing import StandardScaler

    start = time.perf_counter()
    sc = StandardScaler().fit(Xtr)
    Ztr, Zte = sc.transform(Xtr).astype(np.float32), sc.transform(Xte).astype(np.float32)
    d = Ztr.shape[1]
    perm = np.random.default_rng(seed).permutation(len(Ztr))
    val, fit = perm[:N_VALIDATION], perm[N_VALIDATION:]
    best = None
    for g in GAMMA_FACTORS:
        ny = Nystroem(gamma=g / d, n_components=NYSTROEM, random_state=seed).fit(Ztr[fit])
        Pf, Pv = ny.transform(Ztr[fit]), ny.transform(Ztr[val])
        for a in ALPHA_FACTORS:
            clf = RidgeClassifier(alpha=a * NYSTROEM).fit(Pf, ytr[fit])
            err = 100.0 * float(np.mean(clf.predict(Pv) != ytr[val]))
            if best is None or err < best[0]:
                best = (err, g, a)
    _, g, a = best
    ny = Nystroem(gamma=g / d, n_components=NYSTROEM, random_state=seed).fit(Ztr)
    clf = RidgeClassifier(alpha=a * NYSTROEM).fit(ny.transform(Ztr), ytr)
    err = 100.0 * float(np.mean(clf.predict(ny.transform(Zte)) != yte))
    return err, {"validation_error_pct": round(best[0], 2), "gamma_times_d": g,
                 "alpha_per_landmark": a}, time.perf_counter() - start


def main(cache: str, names: list[str]) -> None:
    ctx = Context(name="cifar10", quick=False, out_dir=Path(cache), progress=False)
    t0 = time.perf_counter()
    train = load_cifar10(split="train", cache_dir=cache)
    test = load_cifar10(split="test", cache_dir=cache)
    images = np.concatenate([train.images, test.images])
    n = len(train.labels)
    report = {"load_seconds": round(time.perf_counter() - t0, 1)}
    for name in names:
        L = L_RIGID if name == "rigid_motion" else L_TRANSLATION
        F, secs = scattering_features(ctx, f"full_split_{name}", images, J_UNSUP, L,
                                      transform=name)
        F = F.reshape(len(F), -1)
        Ftr, Fte = F[:n], F[n:]
        lin, lin_s = linear_error(Ftr, train.labels, Fte, test.labels)
        ker, chosen, ker_s = nystroem_error(Ftr, train.labels, Fte, test.labels)
        report[name] = {"n_features": int(F.shape[1]), "scattering_seconds": round(secs, 1),
                        "ridge_test_error_pct": round(lin, 2), "ridge_seconds": round(lin_s, 1),
                        "nystroem_test_error_pct": round(ker, 2), "nystroem": chosen,
                        "nystroem_seconds": round(ker_s, 1)}
        print(json.dumps({name: report[name]}), flush=True)
    report["total_seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    chosen = sys.argv[2:] or ["translation", "rigid_motion"]
    unknown = set(chosen) - {"translation", "rigid_motion"}
    if unknown:
        sys.exit(f"unknown feature set(s) {sorted(unknown)}: use translation and/or rigid_motion")
    main(sys.argv[1], chosen)
