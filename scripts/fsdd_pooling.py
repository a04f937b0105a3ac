"""How the spoken-digit features pool over time, chosen by cross-validation.

Reads the time-resolved time-scattering cache of a full ``scatkit experiment fsdd
--out results`` run (``results/fsdd/cache_scat_*.npz``: ``log(|Sx| + 1e-6)``,
``(recordings, paths, frames)``; nothing is recomputed) and, for each pooling,
prints the 5-fold cross-validation accuracy on the official training part (the
accuracy the choice is made on, with ``C`` chosen by the same grid) and then the
official-split test accuracy:

- the full time average (Kymatio's example), with and without max-normalisation
  (subtract ``log max|x|``, drop order 0: what dividing by the maximum does);
- mean and standard deviation over time;
- averages over 2, 3 or 4 equal parts of the recording (``segment_average``).

The experiment uses the simplest pooling whose CV accuracy is within one standard
error (over the CV folds) of the best one: the "one-standard-error rule" (Hastie,
Tibshirani & Friedman, *The Elements of Statistical Learning*, 2009, sec. 7.10).

    SCATKIT_DATA=/path/to/data python scripts/fsdd_pooling.py [results/fsdd]
"""

import sys
import warnings
from pathlib import Path

import numpy as np

from scatkit.datasets.fsdd import load_fsdd
from scatkit.experiments.fsdd import (SCAT_LENGTH, SCAT_PARAMS, _classifier, recording_frames,
                                      segment_average)
from scatkit.transforms.scattering1d import Scattering1D


def main(folder: Path) -> None:
    warnings.filterwarnings("ignore")
    (path,) = folder.glob("cache_scat_" + "?" * 10 + ".npz")
    with np.load(path) as d:
        L = d["X"]
    data = load_fsdd()
    y, test = data.labels, data.test_mask
    order = Scattering1D(shape=SCAT_LENGTH, **SCAT_PARAMS).meta()["order"]
    frames = recording_frames(np.array([len(s) for s in data.signals]), SCAT_LENGTH, L.shape[-1])
    longer = np.mean([len(s) > SCAT_LENGTH for s in data.signals])
    print(f"{L.shape[0]} recordings, {L.shape[1]} paths x {L.shape[2]} frames; "
          f"{100 * longer:.1f} % longer than {SCAT_LENGTH} samples (cropped)")
    normed = L[:, order > 0] - np.log([np.abs(s).max() for s in data.signals])[:, None, None]
    variants = {
        "full average": L.mean(-1),
        "full average, max-normalised, no order 0": normed.mean(-1),
        "mean and std over time": np.concatenate([L.mean(-1), L.std(-1)], axis=1),
        **{f"{k} segments": segment_average(L, frames, k) for k in (2, 3, 4)},
        "2 segments, max-normalised, no order 0": segment_average(normed, frames, 2),
    }
    for name, X in variants.items():
        clf = _classifier(int(np.bincount(y[~test]).min())).fit(X[~test], y[~test])
        acc = 100 * np.mean(clf.predict(X[test]) == y[test])
        res = clf.cv_results_
        se = 100 * res["std_test_score"][clf.best_index_] / np.sqrt(clf.n_splits_)
        print(f"{name:42s} dim {X.shape[1]:5d}  CV (training part) {100 * clf.best_score_:.2f} "
              f"± {se:.2f} (standard error over folds; C={clf.best_params_['logisticregression__C']})"
              f"  test {acc:.2f}", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "results/fsdd"))
