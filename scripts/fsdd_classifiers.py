"""How far the spoken-digit features are from Kymatio's 98.0 %: classifier variants.

Reads the feature caches of a full ``scatkit experiment fsdd --out results`` run
(``results/fsdd/cache_*.npz``, time-resolved log coefficients, averaged over time
here as in the experiment's ``scat2`` and ``jtfs`` rows; nothing is recomputed) and
prints official-split test accuracies for

- logistic regression (standardised features) over a range of ``C``;
- the same after dividing every recording by its maximum (Kymatio's example does;
  on log features this subtracts ``log max|x|``) and dropping order 0;
- a Gaussian SVM with ``C`` and ``gamma`` chosen by 5-fold CV on the training set;

on all six speakers and on the four speakers of the release Kymatio's example
used (jackson, nicolas, theo, yweweler).  The test set is never used to choose
anything reported as "CV".

    SCATKIT_DATA=/path/to/data python scripts/fsdd_classifiers.py [results/fsdd]
"""

import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from scatkit.datasets.fsdd import load_fsdd

#: the speakers of the FSDD release Kymatio's example used
KYMATIO_SPEAKERS = ("jackson", "nicolas", "theo", "yweweler")
C_GRID = (0.03, 0.1, 0.3, 1, 3, 10, 100)
SVM_GRID = {"svc__C": [1, 10, 100, 1000], "svc__gamma": ["scale", 1e-3, 3e-3, 1e-2]}


def cache(folder: Path, name: str) -> np.ndarray:
    (path,) = folder.glob(f"cache_{name}_" + "?" * 10 + ".npz")  # the key: 10 hex digits
    with np.load(path) as d:
        X = d["X"]
    return X.mean(axis=-1) if X.ndim == 3 else X  # (n, channels, time): average over time


def accuracy(clf, X, y, train, test) -> float:
    clf.fit(X[train], y[train])
    return round(100.0 * float(np.mean(clf.predict(X[test]) == y[test])), 2)


def main(folder: Path) -> None:
    warnings.filterwarnings("ignore")
    data = load_fsdd()
    y, test = data.labels, data.test_mask
    log_max = np.log([np.abs(s).max() for s in data.signals])
    subsets = {"6 speakers": np.ones(len(y), bool),
               "4 speakers (Kymatio's release)": np.isin(data.speakers, KYMATIO_SPEAKERS)}
    for name in ("scat", "jtfs"):
        X = cache(folder, name)
        variants = {"as in the experiment": X, "max-normalised, no order 0": X[:, 1:] - log_max[:, None]}
        for subset, keep in subsets.items():
            train, held = keep & ~test, keep & test
            for label, F in variants.items():
                lr = [accuracy(make_pipeline(StandardScaler(),
                                             LogisticRegression(C=C, max_iter=5000)),
                               F, y, train, held) for C in C_GRID]
                svm = GridSearchCV(make_pipeline(StandardScaler(), SVC()), SVM_GRID, cv=5)
                acc = accuracy(svm, F, y, train, held)
                print(f"{name:4s} | {subset} | {label}: logistic C={C_GRID} -> {lr}; "
                      f"Gaussian SVM (CV {svm.best_params_}) -> {acc}", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "results/fsdd"))
