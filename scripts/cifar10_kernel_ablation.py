"""CIFAR-10: which ingredient of ``scat_kernel_mirror`` gains what (validation only).

On the 10,000 + 5,000 training images that choose the experiment's kernel widths
(the first 15,000 of ``default_rng(0).permutation(50000)``; no test image is read),
prints the validation error of the exact Gaussian-kernel ridge classifier, best over
the width factors ``0.125, 0.25, 0.5, 1`` x the median heuristic and the penalties
``0.01, 0.03, 0.1`` (:func:`scatkit.learn.kernel_ridge.validation_errors`), for:

- ``plain``: YUV translation scattering J = 3, L = 8, log(S + 1e-6), standardised;
- ``mirror``: the same, kernel averaged over the image and its mirror image;
- ``eps``: log(S + 0.01) instead;
- ``pca``: projected on 3,000 principal directions;
- ``oversampled``: sampled every 4 pixels instead of 8 (41,664 features);
- ``all``: the four together (the experiment's ``scat_kernel_mirror``).

Variants may be named (default: all six, in this order).

Standardisation statistics and principal directions come from the 10,000 fitting
images.  About 15 minutes on 2 cores; the ``all`` variant needs about 22 GB (run it alone on a
24 GB machine: ``... OUT all``).

    SCATKIT_DATA=/path/to/data python scripts/cifar10_kernel_ablation.py OUT [VARIANT ...]
"""

import json
import sys
import time
from pathlib import Path

import numpy as np

from scatkit.colour import ColourScattering
from scatkit.datasets import load_cifar10
from scatkit.experiments.cifar10 import (J_UNSUP, KERNEL_LOG_EPS, KERNEL_PCA, KERNEL_SELECT_FIT,
                                         L_TRANSLATION, LOG_EPS, best_choice, fit_projection,
                                         image_and_mirror, oversampled_scattering,
                                         selection_images)
from scatkit.learn.kernel_ridge import validation_errors

N_FIT = KERNEL_SELECT_FIT  # the first N_FIT selection images fit, the others score
SCALES, ALPHAS = (0.125, 0.25, 0.5, 1.0), (0.01, 0.03, 0.1)


def features(S, images, oversampling, eps):
    """Flattened log scattering of images and of their mirror images, in batches."""
    return image_and_mirror(lambda x: oversampled_scattering(S, x, oversampling, eps)
                            .reshape(len(x), -1), images)


def prepare(A, B, pca):
    """Standardise both views with the fitting images' statistics; optionally project."""
    mean, scale, P = fit_projection(A[:N_FIT], KERNEL_PCA if pca else None)
    A, B = A - mean, B - mean  # float32, new arrays (the inputs are kept)
    A *= scale
    B *= scale
    if P is not None:
        A, B = A @ P, B @ P
    return A, B


def relog(F, eps):
    """log(S + eps) from log(S + 1e-6), with one temporary the size of ``F``."""
    out = np.exp(F)
    out -= np.float32(LOG_EPS)
    np.maximum(out, 0, out=out)
    out += np.float32(eps)
    return np.log(out, out=out)


#: name: (oversampling, eps of the log, PCA or not, views)
VARIANTS = {"plain": (1, LOG_EPS, False, 1), "mirror": (1, LOG_EPS, False, 2),
            "eps": (1, KERNEL_LOG_EPS, False, 1), "pca": (1, LOG_EPS, True, 1),
            "oversampled": (2, LOG_EPS, False, 1), "all": (2, KERNEL_LOG_EPS, True, 2)}


def main(out, names):
    start = time.perf_counter()
    cache = Path(out) / "cache"
    images, y = selection_images(load_cifar10(split="train", cache_dir=cache))  # fit, then val
    S = ColourScattering(J_UNSUP, (32, 32), L=L_TRANSLATION, colour="yuv")
    raw = {}
    for o in sorted({VARIANTS[name][0] for name in names}):
        raw[o] = features(S, images, o, LOG_EPS)  # log(S + 1e-6)
    print(f"features: {time.perf_counter() - start:.0f} s", flush=True)
    report = {}
    for name in names:
        o, eps, pca, views = VARIANTS[name]
        t = time.perf_counter()
        A, B = prepare(*(raw[o] if eps == LOG_EPS else (relog(F, eps) for F in raw[o])), pca)
        X = np.concatenate([A, B], 1) if views == 2 else A
        del A, B
        errs = validation_errors(X[:N_FIT], y[:N_FIT], X[N_FIT:], y[N_FIT:], SCALES, ALPHAS,
                                 n_views=views)
        (g, a), e = best_choice(errs)
        report[name] = {"validation_error_pct": round(e, 2), "gamma_scale": g, "alpha": a,
                        "n_features": X.shape[1] // views, "views": views,
                        "seconds": round(time.perf_counter() - t, 1)}
        print(json.dumps({name: report[name]}), flush=True)
    report["total_seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    if len(sys.argv) < 2 or set(sys.argv[2:]) - set(VARIANTS):
        sys.exit(__doc__.split("\n\n")[-1])
    main(sys.argv[1], sys.argv[2:] or list(VARIANTS))
