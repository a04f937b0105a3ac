"""CIFAR-10 hybrid (scattering + CNN) and pixel CNN at short training budgets (not the experiment).

Trains the experiment's networks (:func:`scatkit.experiments.cifar10.train_cnn`: the
same CNN, SGD + cosine schedule, horizontal flips) on all 50,000 training images for
each number of epochs given (each a separate run with its own cosine schedule, the
budget the schedule is planned for) and prints the test error on the 10,000 test
images with the wall-clock training seconds: the error a CPU (or GPU) budget buys.
The hybrid network's input is the experiment's YUV scattering, J = 2, L = 8, log
(:func:`~scatkit.experiments.cifar10.scattering_features`, cached in ``CACHE/cache``;
computed on ``--device``).

    SCATKIT_DATA=/path/to/data python scripts/cifar10_cnn_budget.py CACHE EPOCHS[,EPOCHS...] \
        [hybrid] [pixel] [--device cpu|cuda] [--json PATH]
"""

import argparse
import json
import sys
import time
from pathlib import Path


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("cache", help="folder for the decoded images and the feature cache")
    p.add_argument("epochs", help="training budgets in epochs, e.g. 2,10,30")
    p.add_argument("networks", nargs="*", default=["hybrid", "pixel"],
                   help="hybrid and/or pixel (default both)")
    p.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    p.add_argument("--json", default=None, help="also write the rows to this file")
    args = p.parse_args(argv)
    unknown = set(args.networks) - {"hybrid", "pixel"}
    if unknown:
        p.error(f"unknown network(s) {sorted(unknown)}: use hybrid and/or pixel")
    try:
        args.epochs = [int(e) for e in args.epochs.split(",")]
    except ValueError:
        p.error(f"EPOCHS must be positive integers separated by commas, got {args.epochs!r}")
    if min(args.epochs) < 1:
        p.error(f"EPOCHS must be positive integers separated by commas, got {args.epochs}")
    if args.device != "cpu":
        import torch

        if not args.device.startswith("cuda") or not torch.cuda.is_available():
            p.error(f"--device {args.device}: use cpu, or cuda on a machine with a CUDA GPU")
    return args


def main(args) -> None:
    from scatkit.datasets import load_cifar10
    from scatkit.experiments.cifar10 import (J_HYBRID, L_TRANSLATION, _pixels,
                                             scattering_features, train_cnn)
    from scatkit.experiments.framework import Context

    ctx = Context(name="cifar10", quick=False, out_dir=Path(args.cache), progress=False)
    train = load_cifar10(split="train", cache_dir=args.cache)
    test = load_cifar10(split="test", cache_dir=args.cache)
    ytr, yte = train.labels, test.labels
    inputs, report = {}, []
    if "hybrid" in args.networks:
        start = time.perf_counter()
        flat = (lambda F: F.reshape(len(F), -1, *F.shape[-2:]))
        Htr, s1 = scattering_features(ctx, "hyb_train", train.images, J_HYBRID, L_TRANSLATION,
                                      device=args.device)
        Hfl, s2 = scattering_features(ctx, "hyb_train_flip", train.images[:, :, ::-1], J_HYBRID,
                                      L_TRANSLATION, device=args.device)
        Hte, s3 = scattering_features(ctx, "hyb_test", test.images, J_HYBRID, L_TRANSLATION,
                                      device=args.device)
        inputs["hybrid"] = (flat(Htr), flat(Hfl), flat(Hte), False)
        report.append({"features": "hybrid J=2 (60,000 + 50,000 flipped images)",
                       "device": args.device, "scattering_seconds": round(s1 + s2 + s3, 1),
                       "wall_seconds_incl_cache": round(time.perf_counter() - start, 1)})
        print(json.dumps(report[-1]), flush=True)
    if "pixel" in args.networks:
        Ptr, Pte = _pixels(train.images), _pixels(test.images)
        inputs["pixel"] = (Ptr, Ptr[..., ::-1], Pte, True)
    for e in args.epochs:
        for name, (a, b, c, stem) in inputs.items():
            err, sec = train_cnn(a, ytr, c, yte, e, 0, stem, b, device=args.device)
            report.append({"network": name, "epochs": e, "device": args.device,
                           "test_error_pct": round(err, 2), "train_seconds": round(sec, 1)})
            print(json.dumps(report[-1]), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main(parse(sys.argv[1:]))
