"""Fast mode's effect on accuracy: MNIST sample and spoken digits, exact vs fast features.

Usage: ``python benchmarks/fast_mode_accuracy.py [--train N] [--test N] [--seed S]`` (MNIST) or
``SCATKIT_DATA=... python benchmarks/fast_mode_accuracy.py --fsdd`` (spoken digits).

``--fsdd``: the ``fsdd`` experiment's time-scattering row ("time scattering m=2":
``Scattering1D(J=8, Q=12)`` on recordings zero-padded to 2**13 samples, log, averaged
over time; standardised logistic regression with C chosen by inner CV; FSDD's
official split, :func:`scatkit.experiments.fsdd.evaluate`), exact and fast.

Scattering2D(J=2, L=8) on the bundled MNIST sample (a random ``train`` digits
to fit, ``test`` others to score), log(1e-6 + |S x|) features (float32 round-off leaves tiny negative values), standardised,
multinomial logistic regression (scikit-learn, C=1); prints the test accuracy
with exact and with ``fast=True`` features and the features' relative
difference.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


#: default seed of the random train/test split (``--seed``)
SEED = 0


def main(argv=None):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    import scatkit
    from scatkit.datasets.paths import bundled_path

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--train", type=int, default=4000)
    p.add_argument("--test", type=int, default=2000)
    p.add_argument("--seed", type=int, default=SEED, help="seed of the MNIST split")
    p.add_argument("--fsdd", action="store_true", help="spoken digits instead of MNIST")
    args = p.parse_args(argv)
    if args.fsdd:
        return fsdd()
    with np.load(bundled_path("mnist10k.npz")) as d:
        x = d["images"].astype(np.float32) / 255.0
        y = d["labels"].astype(np.int64)
    n = args.train + args.test
    pick = np.random.default_rng(args.seed).permutation(len(x))[:n]  # a random split
    x, y = x[pick], y[pick]
    feats = {}
    for fast in (False, True):
        S = scatkit.Scattering2D(J=2, shape=x.shape[-2:], L=8, fast=fast)
        t0 = time.perf_counter()
        feats[fast] = S(x)
        print(f"fast={fast}: {n} digits in {time.perf_counter() - t0:.2f} s")
    e, f = feats[False], feats[True]
    print(f"relative difference of the coefficients: max {np.abs(e - f).max() / np.abs(e).max():.2e}, "
          f"l2 {np.linalg.norm(e - f) / np.linalg.norm(e):.2e}")
    for fast in (False, True):
        z = np.log(1e-6 + np.abs(feats[fast].reshape(n, -1).astype(np.float64)))
        scaler = StandardScaler().fit(z[: args.train])
        clf = LogisticRegression(C=1.0, max_iter=300)
        clf.fit(scaler.transform(z[: args.train]), y[: args.train])
        acc = clf.score(scaler.transform(z[args.train:]), y[args.train:])
        print(f"fast={fast}: test accuracy {100 * acc:.2f} % ({args.train} train, {args.test} test)")


def fsdd():
    """Exact against fast time scattering on FSDD's official split (module docstring)."""
    import scatkit
    from scatkit.datasets.audio import fit_length
    from scatkit.datasets.fsdd import load_fsdd
    from scatkit.experiments.fsdd import (BATCH, SCAT_LENGTH, SCAT_PARAMS, _log_coefficients,
                                          evaluate)

    data = load_fsdd()
    x = np.stack([fit_length(s, SCAT_LENGTH) for s in data.signals]).astype(np.float32)
    y, train = data.labels, ~data.test_mask
    feats = {}
    for fast in (False, True):
        S = scatkit.Scattering1D(shape=SCAT_LENGTH, fast=fast, **SCAT_PARAMS)
        t0 = time.perf_counter()
        feats[fast] = np.concatenate([S(x[i:i + BATCH]) for i in range(0, len(x), BATCH)])
        print(f"fast={fast}: {len(x)} recordings in {time.perf_counter() - t0:.2f} s")
    e, f = feats[False], feats[True]
    print(f"relative difference of the coefficients: max {np.abs(e - f).max() / np.abs(e).max():.2e}, "
          f"l2 {np.linalg.norm(e - f) / np.linalg.norm(e):.2e}")
    for fast in (False, True):
        X = _log_coefficients(feats[fast]).mean(axis=-1)
        acc, _, C = evaluate(X, y, train)
        print(f"fast={fast}: official-split test accuracy {acc:.2f} % (C = {C}, "
              f"{int(train.sum())} train, {int((~train).sum())} test)")


if __name__ == "__main__":
    main()
