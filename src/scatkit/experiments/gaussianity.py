r"""Processes with one power spectrum: separable by scattering moments, not by spectra.

Four stationary processes on a periodic grid are given the *same* expected power
spectrum (that of the Ising model at ``BETA``, estimated on independent
samples): a Gaussian field, Poisson shot noise, Ising configurations and a
log-normal multifractal field, each filtered linearly to the common spectrum
(:func:`scatkit.stats.match_spectrum`; a linear filter keeps a Gaussian process
Gaussian and a non-Gaussian one non-Gaussian).  Their second-order statistics
coincide; their scattering moments do not (Bruna, Mallat, Bacry & Muzy,
"Intermittent process analysis with scattering moments", Ann. Stat. 2015; the
seed talk's "scattering moments of stationary processes").

Each realisation is described by (a) its radially binned log power spectrum or
(b) its log scattering moments averaged over orientations
(:math:`\log S_1(j)`, :math:`\log S_2(j_1,j_2)/S_1(j_1)`), and a shrinkage
linear discriminant (scikit-learn's LDA, Ledoit–Wolf shrinkage) is trained on
``n`` realisations per class and tested on held-out ones; accuracy is averaged
over random splits.
"""

from __future__ import annotations

import numpy as np

from ..stats import (ScatteringMoments, gaussian_field, match_spectrum, multifractal_field,
                     power_spectrum, radial_spectrum_estimate, sample_ising, shot_noise)

#: inverse temperature of the Ising class (slightly hot: finite correlation length)
BETA = 0.40
#: shot noise: points per pixel and bump width (pixels)
SHOT_DENSITY, SHOT_RADIUS = 0.01, 1.5
#: intermittency of the multifractal field
INTERMITTENCY = 0.7
#: orientations of the scattering moments
L_ORIENTATIONS = 8
CLASSES = ("gaussian", "shot_noise", "ising", "multifractal")

FULL = {"size": 64, "n_train": (2, 5, 10, 20), "n_test": 100, "n_calib": 100, "n_splits": 20}
QUICK = {"size": 32, "n_train": (2, 5), "n_test": 20, "n_calib": 20, "n_splits": 3}


def make_processes(cfg: dict, seed: int) -> dict:
    """``{class: fields}`` with ``max(n_train) + n_test`` fields per class, all with the
    Ising spectrum (standardised)."""
    n = max(cfg["n_train"]) + cfg["n_test"]
    size, n_cal = cfg["size"], cfg["n_calib"]
    ising = sample_ising(size, BETA, n + n_cal, seed=seed).astype(np.float64)
    target = radial_spectrum_estimate(ising[n:])
    raw = {
        "gaussian": gaussian_field((n + n_cal, size, size), lambda k: k**-1.0, seed + 1),
        "shot_noise": shot_noise((n + n_cal, size, size), SHOT_DENSITY, SHOT_RADIUS, seed + 2),
        "ising": ising,
        "multifractal": multifractal_field((n + n_cal, size, size), INTERMITTENCY, seed + 3),
    }
    out = {}
    for name, fields in raw.items():
        source = radial_spectrum_estimate(fields[n:])  # calibration samples, never classified
        out[name] = match_spectrum(fields[:n], source, target)
    return out


def spectrum_features(fields) -> np.ndarray:
    """Log radially binned power spectrum of each field (one bin per DFT step)."""
    return np.log(np.stack([power_spectrum(f)[1] for f in fields]))


def scattering_features(fields, J: int) -> np.ndarray:
    r"""Log orientation-averaged scattering moments: :math:`\log S_1(j_1)` and
    :math:`\log S_2(j_1,j_2)/S_1(j_1)`."""
    M = ScatteringMoments(fields.shape[-2:], J=J, L=L_ORIENTATIONS, normalize=True)
    m, meta = M(fields), M.meta()
    keys = [(o, j1, j2) for o, j1, j2 in zip(meta["order"], meta["j"][:, 0],
                                             np.nan_to_num(meta["j"][:, 1], nan=-1))]
    groups = sorted(set(keys))
    idx = np.array([groups.index(k) for k in keys])
    avg = np.stack([m[:, idx == g].mean(axis=1) for g in range(len(groups))], axis=1)
    return np.log(avg)


def classify(features, labels, n_train: int, n_splits: int, rng) -> np.ndarray:
    """Test accuracies (%) of shrinkage LDA over ``n_splits`` random class-balanced splits."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    accs = []
    classes = np.unique(labels)
    for _ in range(n_splits):
        train = np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:n_train]
                                for c in classes])
        test = np.setdiff1d(np.arange(len(labels)), train)
        clf = make_pipeline(StandardScaler(),
                            LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"))
        clf.fit(features[train], labels[train])
        accs.append(100.0 * np.mean(clf.predict(features[test]) == labels[test]))
    return np.array(accs)


def run(ctx) -> None:
    cfg = QUICK if ctx.quick else FULL
    J = int(np.log2(cfg["size"])) - 2
    ctx.config.update(cfg, beta=BETA, J=J, L=L_ORIENTATIONS, classes=list(CLASSES),
                      classifier="standardise + LDA (Ledoit-Wolf shrinkage)")
    procs = make_processes(cfg, ctx.seed)
    n_per = max(cfg["n_train"]) + cfg["n_test"]
    labels = np.repeat(np.arange(len(CLASSES)), n_per)
    fields = np.concatenate([procs[c] for c in CLASSES])
    feats = {"power_spectrum": spectrum_features(fields),
             "scattering": scattering_features(fields, J)}
    rows = []
    for n_train in cfg["n_train"]:
        row = [n_train]
        for name, f in feats.items():
            acc = classify(f, labels, n_train, cfg["n_splits"], ctx.rng(n_train))
            ctx.metric(f"accuracy_pct/{name}/n{n_train}/mean", acc.mean())
            ctx.metric(f"accuracy_pct/{name}/n{n_train}/std", acc.std())
            row.append(f"{acc.mean():.1f} ± {acc.std():.1f}")
        rows.append(row + [100.0 / len(CLASSES), None])
    ctx.table("gaussianity", ["train / class", "power spectrum acc. %", "scattering moments acc. %",
                              "chance %", "paper"], rows,
              caption=f"4 processes with one expected power spectrum ({', '.join(CLASSES)}), "
                      f"{cfg['size']}x{cfg['size']} periodic fields, {cfg['n_test']}+ test fields "
                      f"per class, mean ± std over {cfg['n_splits']} splits. No paper reports "
                      "this "
                      "table (the claim is qualitative in the seed talk).")
    _figure(ctx, procs)


def _figure(ctx, procs) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(2, len(CLASSES), figsize=(3.2 * len(CLASSES), 6.4))
    for k, name in enumerate(CLASSES):
        f = procs[name]
        ax[0, k].imshow(f[0], cmap="gray")
        ax[0, k].set_title(name)
        ax[0, k].set_axis_off()
        freq, p = power_spectrum(f)
        ax[1, k].loglog(freq, p)
        ax[1, k].set(xlabel="cycles / pixel", title="mean power spectrum")
    ctx.figure("gaussianity_processes.png", fig)
