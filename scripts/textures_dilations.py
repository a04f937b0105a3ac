"""KTH-TIPS: how many dilations the "+ scale averaging over dilations" row averages.

Computes the image-averaged rigid-motion scattering (J = 4, L = 8, orders >= 1) of
the 810 standardised KTH-TIPS images and of their copies shrunk by 2^(-i/2),
i = 1..3 (:func:`scatkit.experiments.textures.dilate_images`), then the affine PCA
classifier's accuracy on 20 random splits (seed 0) at 5 and 20 training images per
class for the log coefficients of the image alone and averaged over the first
2, 3 and 4 factors.  These are test accuracies: the experiment's window (4 factors)
was chosen from them (docs/rigid_motion.md says so).

    SCATKIT_DATA=/path/to/data python scripts/textures_dilations.py
"""

import time

import numpy as np

from scatkit import RigidMotionScattering2D
from scatkit.datasets import load_kth_tips
from scatkit.experiments.textures import (DILATIONS, LOG_EPS, classify, dilate_images,
                                          dilation_average, random_splits, standardise_images)

#: random splits per training size (the experiment uses 50)
N_SPLITS = 20
#: images per call of the transform
BATCH = 16


def main() -> None:
    data = load_kth_tips(size=200)
    images, labels = standardise_images(data.images), data.labels
    logs = []
    for factor in DILATIONS:
        x = dilate_images(images, factor)
        side = x.shape[-1]
        rm = RigidMotionScattering2D(4, (side, side), L=8)
        start = time.perf_counter()
        raw = np.concatenate([rm(x[a:a + BATCH]).mean(axis=(-2, -1))
                              for a in range(0, len(x), BATCH)])
        logs.append(np.log(raw[:, rm.meta()["order"] >= 1] + LOG_EPS))
        print(f"factor {factor:.3f} ({side} px): {time.perf_counter() - start:.0f} s", flush=True)
    variants = {"one scale": logs[0]}
    variants.update({f"{k} factors": dilation_average(logs[:k]) for k in (2, 3, 4)})
    rng = np.random.default_rng(0)
    for n in (5, 20):
        splits = random_splits(labels, n, N_SPLITS, rng)
        for name, X in variants.items():
            acc = [classify(X, labels, tr, te) for tr, te in splits]
            print(f"{n}/class, {name}: {np.mean(acc):.1f} ± {np.std(acc):.1f}", flush=True)


if __name__ == "__main__":
    main()
