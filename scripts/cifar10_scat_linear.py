"""CIFAR-10, one pipeline of ``scatkit experiment cifar10`` on the full official split.

The experiment's ``scat_linear`` pipeline alone (YUV translation scattering, J = 3,
L = 8, log, standardised, closed-form ridge classifier:
:func:`scatkit.experiments.cifar10.linear_error`) trained on all 50,000 training
images and tested on the 10,000 test images; prints the test error and the seconds
of each stage.  Decoded images are cached in ``CACHE`` (npz).  This is not the
experiment (no other pipeline, no few-sample draws): a measured point for the
issue's table while the full experiment waits for enough CPU time.

    SCATKIT_DATA=/path/to/data python scripts/cifar10_scat_linear.py [CACHE]
"""

import json
import sys
import time

import numpy as np

from scatkit.colour import ColourScattering, to_channels_first
from scatkit.datasets import load_cifar10
from scatkit.experiments.cifar10 import J_UNSUP, L_TRANSLATION, LOG_EPS, linear_error

#: images per call of the transform
BATCH = 1000


def features(S, images) -> np.ndarray:
    out = [S(to_channels_first(images[i:i + BATCH])) for i in range(0, len(images), BATCH)]
    return np.log(np.abs(np.concatenate(out)) + LOG_EPS).reshape(len(images), -1)


def main(cache: str) -> None:
    t0 = time.perf_counter()
    train = load_cifar10(split="train", cache_dir=cache)
    test = load_cifar10(split="test", cache_dir=cache)
    t1 = time.perf_counter()
    S = ColourScattering(J_UNSUP, (32, 32), L=L_TRANSLATION, colour="yuv")
    Ftr, Fte = features(S, train.images), features(S, test.images)
    t2 = time.perf_counter()
    error, fit_seconds = linear_error(Ftr, train.labels, Fte, test.labels)
    out = {"pipeline": "scat_linear", "n_train": len(train.labels), "n_test": len(test.labels),
           "n_features": int(Ftr.shape[1]), "test_error_pct": round(error, 2),
           "seconds": {"load": round(t1 - t0, 1), "scattering": round(t2 - t1, 1),
                       "fit": round(fit_seconds, 1),
                       "total": round(time.perf_counter() - t0, 1)}}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".scatkit-cache/cifar10")
