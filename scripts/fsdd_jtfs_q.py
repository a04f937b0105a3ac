"""Which first filter bank (Q) for the spoken-digit JTFS features, by cross-validation.

Computes ``TimeFrequencyScattering(J=8, J_fr=2, Q)`` of every FSDD recording
(fitted to 2**13 samples, as in ``scatkit experiment fsdd``) for each ``Q``
given, and prints for the full time average and the two-segment pooling: the
5-fold cross-validation accuracy on the official training part (what the choice
is made on), the official-split test accuracy and the leave-one-speaker-out mean
and standard deviation. About 6 min (Q=8) and 12 min (Q=12) of transforms on
this 2-core machine.

    SCATKIT_DATA=/path/to/data python scripts/fsdd_jtfs_q.py 8 12
"""

import sys
import warnings

import numpy as np

from scatkit.datasets.audio import fit_length
from scatkit.datasets.fsdd import load_fsdd
from scatkit.experiments.fsdd import (BATCH, JTFS_PARAMS, LOG_EPS, SCAT_LENGTH, TIME_SEGMENTS,
                                      _classifier, evaluate, recording_frames, segment_average)
from scatkit.transforms.jtfs import TimeFrequencyScattering


def main(qs: list[int]) -> None:
    warnings.filterwarnings("ignore")
    data = load_fsdd()
    y, test, speakers = data.labels, data.test_mask, data.speakers
    x = np.stack([fit_length(s, SCAT_LENGTH) for s in data.signals])
    n_samples = np.array([len(s) for s in data.signals])
    for Q in qs:
        T = TimeFrequencyScattering(shape=SCAT_LENGTH, **dict(JTFS_PARAMS, Q=Q))
        L = np.log(np.abs(np.concatenate([T(x[i:i + BATCH]) for i in range(0, len(x), BATCH)]))
                   + LOG_EPS)
        frames = recording_frames(n_samples, SCAT_LENGTH, L.shape[-1])
        for pool, X in (("full average", L.mean(-1)),
                        (f"{TIME_SEGMENTS} segments", segment_average(L, frames, TIME_SEGMENTS))):
            clf = _classifier(int(np.bincount(y[~test]).min())).fit(X[~test], y[~test])
            se = 100 * clf.cv_results_["std_test_score"][clf.best_index_] / np.sqrt(clf.n_splits_)
            acc = 100 * np.mean(clf.predict(X[test]) == y[test])
            loso = [evaluate(X, y, speakers != s)[0] for s in np.unique(speakers)]
            print(f"Q={Q}, {pool}: dim {X.shape[1]}; CV (training part) "
                  f"{100 * clf.best_score_:.2f} ± {se:.2f}; official {acc:.2f}; "
                  f"leave-one-speaker-out {np.mean(loso):.2f} ± {np.std(loso):.2f}", flush=True)


if __name__ == "__main__":
    main([int(q) for q in sys.argv[1:]] or [8, 12])
