"""CIFAR-10 unsupervised pipelines on the full official split (not the experiment).

YUV translation scattering and YUV rigid-motion scattering (J = 3, L = 8, log,
standardised) of all 60,000 images, then for each:

- ``ridge``: the closed-form ridge classifier of ``scat_linear`` / ``rigid_linear``
  (:func:`scatkit.experiments.cifar10.linear_error`);
- ``nystroem``: a Gaussian-kernel approximation: Nyström features (``NYSTROEM``
  landmarks) and a ridge classifier on them, the kernel width (a factor of 1/d) and
  the penalty chosen on a held-out validation part of the training set
  (``N_VALIDATION`` images), then refit on all 50,000;
- ``kernel``: the exact Gaussian-kernel ridge classifier of the experiment's
  ``scat_kernel`` (:func:`scatkit.experiments.cifar10.kernel_ridge_error`: width and
  penalty chosen on 10,000 + 5,000 training images, then fitted on all 50,000;
  10 GB for the kernel).

``mirror`` (kernel only): the experiment's ``scat_kernel_mirror`` features
(:func:`scatkit.experiments.cifar10.mirror_view_features`: oversampled translation
scattering of each image and its mirror image, PCA) and its mirror-invariant kernel
(``n_views=2``, grids ``MIRROR_GAMMA_SCALES`` and ``MIRROR_ALPHAS`` unless given);
``--extra-j 2`` concatenates the J = 2 scattering to those features.

Prints the test error of each and the seconds of each stage.  Features are computed
and cached by the experiment's own :func:`scatkit.experiments.cifar10.scattering_features`
under the experiment's names (``OUT/cache/scat_train.npz`` and ``scat_test.npz`` for
translation scattering, ``rigid_full_train`` / ``rigid_full_test`` for rigid motion;
decoded images in ``OUT/cache`` too), so with ``OUT = results/cifar10`` a run after the
experiment only fits.  Feature sets and classifiers may be named (default: all
feature sets, all three classifiers; ``mirror`` only with ``kernel``).

    SCATKIT_DATA=/path/to/data python scripts/cifar10_unsupervised_full.py OUT \
        [translation] [rigid_motion] [mirror] [--classifiers ridge,nystroem,kernel] \
        [--gamma-scales 0.5,1,2] [--alphas 0.01,0.1,1] [--extra-j 2]

``--gamma-scales`` and ``--alphas`` replace the kernels' candidate grids (default: the
experiment's ``KERNEL_GAMMA_SCALES`` and ``KERNEL_ALPHAS``, and for ``mirror``
``MIRROR_GAMMA_SCALES`` and ``MIRROR_ALPHAS``).
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

from scatkit.datasets import load_cifar10
from scatkit.experiments.cifar10 import (J_UNSUP, KERNEL_ALPHAS, KERNEL_GAMMA_SCALES, L_RIGID,
                                         L_TRANSLATION, MIRROR_ALPHAS, MIRROR_GAMMA_SCALES,
                                         kernel_ridge_error, linear_error,
                                         mirror_view_features, scattering_features)
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


#: feature cache names (train, test) per feature set: translation reuses the experiment's
FEATURE_NAMES = {"translation": ("scat_train", "scat_test"),
                 "rigid_motion": ("rigid_full_train", "rigid_full_test"),
                 "mirror": ("scat_mirror_train", "scat_mirror_test")}
CLASSIFIERS = ("ridge", "nystroem", "kernel")


def main(out: str, names: list[str], classifiers: list[str],
         gamma_scales=KERNEL_GAMMA_SCALES, alphas=KERNEL_ALPHAS, mirror_grids=(None, None),
         extra_J=()) -> None:
    ctx = Context(name="cifar10", quick=False, out_dir=Path(out), progress=True)
    t0 = time.perf_counter()
    cache = ctx.path("cache")
    train = load_cifar10(split="train", cache_dir=cache)
    test = load_cifar10(split="test", cache_dir=cache)
    ytr, yte = train.labels, test.labels
    report = {"load_seconds": round(time.perf_counter() - t0, 1)}
    for name in names:
        if name == "mirror":
            cname = "scat_mirror" + "".join(f"_j{j}" for j in sorted(extra_J))
            Mtr, Mte, s_m = mirror_view_features(ctx, cname, train.images, test.images,
                                                 J_UNSUP, L_TRANSLATION, seed=ctx.seed,
                                                 extra_J=extra_J)
            err, chosen, sec = kernel_ridge_error(
                Mtr, ytr, Mte, yte, progress=ctx.tqdm, n_views=2, standardise=False,
                gamma_scales=mirror_grids[0] or MIRROR_GAMMA_SCALES,
                alphas=mirror_grids[1] or MIRROR_ALPHAS)
            report[name] = {"extra_J": list(extra_J),
                            "n_features": int(Mtr.shape[1]), "feature_seconds": round(s_m, 1),
                            "kernel_test_error_pct": round(err, 2), "kernel": chosen,
                            "kernel_seconds": round(sec, 1)}
            print(json.dumps({name: report[name]}), flush=True)
            continue
        L = L_RIGID if name == "rigid_motion" else L_TRANSLATION
        (Ftr, s_tr), (Fte, s_te) = (
            scattering_features(ctx, cname, split.images, J_UNSUP, L, transform=name)
            for cname, split in zip(FEATURE_NAMES[name], (train, test)))
        Ftr, Fte = Ftr.reshape(len(Ftr), -1), Fte.reshape(len(Fte), -1)
        row = {"n_features": int(Ftr.shape[1]), "scattering_seconds": round(s_tr + s_te, 1)}
        if "ridge" in classifiers:
            err, sec = linear_error(Ftr, ytr, Fte, yte)
            row.update(ridge_test_error_pct=round(err, 2), ridge_seconds=round(sec, 1))
        if "nystroem" in classifiers:
            err, chosen, sec = nystroem_error(Ftr, ytr, Fte, yte)
            row.update(nystroem_test_error_pct=round(err, 2), nystroem=chosen,
                       nystroem_seconds=round(sec, 1))
        if "kernel" in classifiers:
            err, chosen, sec = kernel_ridge_error(Ftr, ytr, Fte, yte, progress=ctx.tqdm,
                                                  gamma_scales=gamma_scales, alphas=alphas)
            row.update(kernel_test_error_pct=round(err, 2), kernel=chosen,
                       kernel_seconds=round(sec, 1))
        report[name] = row
        print(json.dumps({name: row}), flush=True)
    report["total_seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="output folder (caches in OUT/cache)")
    parser.add_argument("features", nargs="*", metavar="{translation,rigid_motion,mirror}",
                        help="feature sets (default: all three; without the kernel "
                             "classifier, the first two)")
    parser.add_argument("--classifiers", default=",".join(CLASSIFIERS),
                        help="comma-separated subset of " + ", ".join(CLASSIFIERS))
    parser.add_argument("--gamma-scales", default=None,
                        help="kernel widths to choose from, as factors of the median heuristic "
                             "(default: the experiment's grid of each pipeline)")
    parser.add_argument("--alphas", default=None,
                        help="kernel ridge penalties to choose from (default: the experiment's)")
    parser.add_argument("--extra-j", default="",
                        help="mirror: comma-separated averaging scales whose scattering is "
                             "concatenated to the oversampled J = 3 features (cached as "
                             "scat_mirror_j<J>...; default: none)")
    args = parser.parse_args()
    bad = sorted(set(args.features) - set(FEATURE_NAMES))
    if bad:
        parser.error(f"unknown feature set(s) {bad}: use translation, rigid_motion and/or mirror")
    chosen = [c for c in args.classifiers.split(",") if c]
    unknown = sorted(set(chosen) - set(CLASSIFIERS))
    if unknown or not chosen:
        parser.error(f"unknown classifier(s) {unknown}: use a subset of {', '.join(CLASSIFIERS)}")
    names = args.features or [n for n in FEATURE_NAMES if n != "mirror" or "kernel" in chosen]
    if "mirror" in names and "kernel" not in chosen:
        parser.error("the mirror feature set has only the kernel classifier: add kernel to "
                     "--classifiers")
    try:
        given = [None if text is None else tuple(float(v) for v in text.split(",") if v)
                 for text in (args.gamma_scales, args.alphas)]
    except ValueError:
        parser.error("--gamma-scales and --alphas take comma-separated numbers")
    if any(g is not None and (not g or min(g) <= 0) for g in given):
        parser.error("--gamma-scales and --alphas take positive numbers")
    try:
        extra_J = tuple(int(v) for v in args.extra_j.split(",") if v)
    except ValueError:
        parser.error("--extra-j takes comma-separated integers")
    if any(not 1 <= j <= 4 for j in extra_J):
        parser.error("--extra-j takes scales from 1 to 4 (32-pixel images)")
    main(args.out, names, chosen,
         given[0] or KERNEL_GAMMA_SCALES, given[1] or KERNEL_ALPHAS, mirror_grids=given,
         extra_J=extra_J)
