"""``scatkit demo``: classify the bundled MNIST sample with scattering features.

Scattering2D(J, L=8) of 28x28 digits, log and standardisation, then a linear
(logistic-regression) classifier; prints the test accuracy and the transform's
throughput.  Runs offline on the bundled 10,000-digit sample.
"""

from __future__ import annotations

import time

import numpy as np

#: default number of training / test digits drawn from the sample
N_TRAIN, N_TEST = 5000, 5000


def add_parser(sub) -> None:
    p = sub.add_parser("demo", help="scattering + linear classifier on the bundled MNIST sample",
                       description=__doc__.splitlines()[0])
    p.add_argument("--J", type=int, default=2, help="averaging scale 2**J (default 2)")
    p.add_argument("--L", type=int, default=8, help="orientations (default 8)")
    p.add_argument("--train", type=int, default=N_TRAIN, help=f"training digits (default {N_TRAIN})")
    p.add_argument("--test", type=int, default=N_TEST, help=f"test digits (default {N_TEST})")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run)


def load_sample():
    """Images (float32 in [0, 1]) and labels of the bundled MNIST sample."""
    from ..datasets.paths import bundled_path

    with np.load(bundled_path("mnist10k.npz")) as d:
        return d["images"].astype(np.float32) / 255.0, d["labels"].astype(np.int64)


def run(args) -> int:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ..transforms import Scattering2D

    images, labels = load_sample()
    if args.train + args.test > len(images):
        raise ValueError(f"--train + --test must be at most {len(images)}")
    order = np.random.default_rng(args.seed).permutation(len(images))
    train, test = order[: args.train], order[args.train: args.train + args.test]
    S = Scattering2D(J=args.J, shape=(28, 28), L=args.L, batch_size=256)
    batch = images[np.concatenate([train, test])]
    S(batch[:64])  # build the filters before timing
    start = time.perf_counter()
    feats = S(batch)
    seconds = time.perf_counter() - start
    feats = np.log(np.abs(feats.reshape(len(batch), -1)) + 1e-6)
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=0.1))
    clf.fit(feats[: len(train)], labels[train])
    acc = clf.score(feats[len(train):], labels[test])
    print(f"Scattering2D(J={args.J}, L={args.L}) on {len(batch)} MNIST digits: "
          f"{len(batch) / seconds:,.0f} images/s ({S.output_channels} channels)")
    print(f"logistic regression, {len(train)} train / {len(test)} test: "
          f"accuracy {100 * acc:.2f}% (error {100 * (1 - acc):.2f}%)")
    return 0
