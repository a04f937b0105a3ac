"""CIFAR-10 hybrid (scattering + CNN) and pixel CNN at short training budgets (not the experiment).

Trains the experiment's networks (:func:`scatkit.experiments.cifar10.train_cnn`: the
same CNN, SGD + cosine schedule, horizontal flips) on all 50,000 training images for
each number of epochs given (each a separate run with its own cosine schedule, the
budget the schedule is planned for) and prints the test error on the 10,000 test
images with the wall-clock training seconds: the error a CPU budget buys.  The
hybrid network's input is the experiment's YUV scattering, J = 2, L = 8, log
(:func:`~scatkit.experiments.cifar10.scattering_features`, cached in ``CACHE/cache``).

    SCATKIT_DATA=/path/to/data python scripts/cifar10_cnn_budget.py CACHE EPOCHS[,EPOCHS...] [hybrid] [pixel]
"""

import json
import sys
import time
from pathlib import Path


from scatkit.datasets import load_cifar10
from scatkit.experiments.cifar10 import (J_HYBRID, L_TRANSLATION, _pixels, scattering_features,
                                         train_cnn)
from scatkit.experiments.framework import Context


def main(cache: str, epochs: list[int], names: list[str]) -> None:
    ctx = Context(name="cifar10", quick=False, out_dir=Path(cache), progress=False)
    train = load_cifar10(split="train", cache_dir=cache)
    test = load_cifar10(split="test", cache_dir=cache)
    ytr, yte = train.labels, test.labels
    start = time.perf_counter()
    inputs = {}
    if "hybrid" in names:
        flat = (lambda F: F.reshape(len(F), -1, *F.shape[-2:]))
        Htr, _ = scattering_features(ctx, "hyb_train", train.images, J_HYBRID, L_TRANSLATION)
        Hfl, _ = scattering_features(ctx, "hyb_train_flip", train.images[:, :, ::-1], J_HYBRID,
                                     L_TRANSLATION)
        Hte, _ = scattering_features(ctx, "hyb_test", test.images, J_HYBRID, L_TRANSLATION)
        inputs["hybrid"] = (flat(Htr), flat(Hfl), flat(Hte), False)
        print(f"hybrid features (60,000 + 50,000 flipped images): "
              f"{time.perf_counter() - start:.0f} s", flush=True)
    if "pixel" in names:
        Ptr, Pte = _pixels(train.images), _pixels(test.images)
        inputs["pixel"] = (Ptr, Ptr[..., ::-1], Pte, True)
    report = []
    for e in epochs:
        for name, (a, b, c, stem) in inputs.items():
            err, sec = train_cnn(a, ytr, c, yte, e, 0, stem, b)
            report.append({"network": name, "epochs": e, "test_error_pct": round(err, 2),
                           "train_seconds": round(sec, 1)})
            print(json.dumps(report[-1]), flush=True)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    names = sys.argv[3:] or ["hybrid", "pixel"]
    unknown = set(names) - {"hybrid", "pixel"}
    if unknown:
        sys.exit(f"unknown network(s) {sorted(unknown)}: use hybrid and/or pixel")
    try:
        epochs = [int(e) for e in sys.argv[2].split(",")]
    except ValueError:
        sys.exit(f"EPOCHS must be positive integers separated by commas, got {sys.argv[2]!r}")
    if min(epochs) < 1:
        sys.exit(f"EPOCHS must be positive integers separated by commas, got {sys.argv[2]!r}")
    main(sys.argv[1], epochs, names)
