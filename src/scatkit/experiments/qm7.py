r"""QM7 atomization energies from scattering invariants of electronic densities.

3D (Eickenberg et al., J. Chem. Phys. 2018; Kymatio's example): densities of
all, valence and core electrons (:mod:`scatkit.chem`) on one grid, solid
harmonic scattering invariants (:class:`scatkit.HarmonicScattering3D`, orders
0–2, integral powers), standardised; ridge regression with its penalty chosen by
inner 5-fold CV, in a fixed-seed outer 5-fold CV.  Variants: the invariants with
their squares, the invariants' fixed expansion of :func:`scatkit.chem.expand_invariants`
(powers, logarithm, products between density channels; still ridge regression),
and Gaussian kernel ridge on the invariants.  Baseline: sorted
Coulomb matrices + Laplacian kernel ridge (hyper-parameters by inner CV), same
folds.

2D (Hirn, Mallat & Poilvert, Multiscale Model. Simul. 2017): near-planar
molecules (every nucleus within ``plane_tol`` of the least-squares plane)
projected onto their plane, 2D densities, the L1 and L2 norms over space of
the densities and of their wavelet moduli (order 1, summed over orientations)
and the L1 norms of order 2 (summed over the first orientation at a fixed
relative angle), circular convolutions (:func:`invariants_2d`), and the squares
of those; sparse M-term orthogonal least squares.

Invariants are cached in ``OUT/qm7/invariants_*.npz`` (keyed by the settings),
written in chunks so an interrupted run resumes.  The environment variable
``SCATKIT_QM7_MAX_MOLECULES`` caps the number of molecules of the 3D part (the
first ones of a fixed-seed permutation), for runs on slow machines.
"""

from __future__ import annotations

import hashlib
import json
import os
import time

import numpy as np

from ..chem import (align_principal_axes, coulomb_matrices, expand_invariants, fit_grid,
                    kernel_ridge_cv, kfold, molecular_densities, orthogonal_least_squares,
                    ridge_cv)
from ..chem.density import CHANNELS, Grid
from ..chem.regression import Standardizer, mae, rmse
from ..datasets.qm7 import load_qm7
from .framework import fmt_mean_std

#: figures of the papers (PAPERS.md), kcal/mol
PAPER = {"3d_kymatio_mae": 2.75, "3d_kymatio_rmse": 4.18, "2d_scattering_mae": 3.2,
         "2d_coulomb_mae": 6.7}

FULL = dict(
    n_folds=5, inner_folds=5, seed=0,
    # 3D
    spacing=0.25, sigma_density=0.25, sigma_0=1.0, J=2, L=3, integral_powers=(0.5, 1.0, 2.0, 3.0),
    margin=3.0, align=True, chunk=32,
    # 2D
    plane_tol=0.5, spacing_2d=0.25, sigma_density_2d=0.25, grid_2d=64, J_2d=4, L_2d=8,
    ols_terms=(1, 2, 5, 10, 20, 30, 50, 75, 100, 150, 200),
)
QUICK = dict(FULL, n_molecules=48, spacing=0.9, sigma_density=0.9, J=1, L=2,
             integral_powers=(0.5, 1.0, 2.0), margin=2.0, chunk=16, inner_folds=3,
             n_2d=40, grid_2d=32, spacing_2d=0.5, sigma_density_2d=0.5, J_2d=3, L_2d=4,
             ols_terms=(1, 2, 5, 10))


def run(ctx) -> None:
    cfg = dict(QUICK if ctx.quick else FULL)
    cfg["seed"] = ctx.seed
    qm7 = load_qm7()
    n_total = len(qm7.energies)
    order = np.random.default_rng(cfg["seed"]).permutation(n_total)
    cap = cfg.get("n_molecules") or int(os.environ.get("SCATKIT_QM7_MAX_MOLECULES", n_total))
    subset = order[:min(cap, n_total)]  # computed in this order, so any prefix is a random subset
    cfg["n_molecules"] = len(subset)
    ctx.config.update(cfg)
    run_3d(ctx, cfg, qm7, subset)
    run_2d(ctx, cfg, qm7)


# ---------------------------------------------------------------------------------
# 3D
# ---------------------------------------------------------------------------------
def invariants_3d(ctx, cfg, positions, charges, grid: Grid, indices) -> np.ndarray:
    """Scattering invariants ``(n, F)`` of the three density channels (cached on disk)."""
    from ..transforms.harmonic3d import HarmonicScattering3D

    keys = ("spacing", "sigma_density", "sigma_0", "J", "L", "integral_powers", "margin", "align")
    settings = {k: cfg[k] for k in keys} | {"grid": grid.shape}
    tag = hashlib.sha1(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:10]
    path = ctx.path(f"invariants_3d_{tag}.npz")
    done: dict[int, np.ndarray] = {}
    if path.exists():
        with np.load(path) as d:
            done = dict(zip(d["index"].tolist(), d["features"]))
    todo = [i for i in indices if i not in done]
    S = HarmonicScattering3D(J=cfg["J"], shape=grid.shape, L=cfg["L"], sigma_0=cfg["sigma_0"],
                             integral_powers=cfg["integral_powers"], include_order0=True)
    chunk = cfg["chunk"]
    start = time.perf_counter()
    for c in ctx.tqdm(range(0, len(todo), chunk), desc="3D invariants"):
        idx = todo[c:c + chunk]
        rho = molecular_densities(positions[idx], charges[idx], grid, cfg["sigma_density"],
                                  align=cfg["align"])
        feats = S(rho).reshape(len(idx), -1)
        done.update(zip(idx, feats.astype(np.float64)))
        _save_cache(path, done)
    if todo:
        ctx.metric("seconds_per_molecule/3d_invariants", (time.perf_counter() - start) / len(todo))
    return np.stack([done[i] for i in indices])


def _save_cache(path, done):
    keys = sorted(done)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, index=np.asarray(keys), features=np.stack([done[k] for k in keys]))
    os.replace(tmp, path)


def _record_cv(ctx, name, y, preds_by_fold, folds):
    maes = [mae(y[te], p) for (_, te), p in zip(folds, preds_by_fold)]
    rmses = [rmse(y[te], p) for (_, te), p in zip(folds, preds_by_fold)]
    for metric, vals in (("mae_kcal_mol", maes), ("rmse_kcal_mol", rmses)):
        ctx.metric(f"{metric}/{name}/mean", np.mean(vals))
        ctx.metric(f"{metric}/{name}/std", np.std(vals))
        for k, v in enumerate(vals):
            ctx.metric(f"{metric}/{name}/fold{k + 1}", v)
    return np.mean(maes), np.std(maes), np.mean(rmses), np.std(rmses)


def run_3d(ctx, cfg, qm7, subset) -> None:
    grid = fit_grid(qm7.positions, qm7.charges, cfg["spacing"], cfg["margin"], cfg["align"])
    ctx.config["grid_3d"] = grid.shape
    X = invariants_3d(ctx, cfg, qm7.positions, qm7.charges, grid, subset.tolist())
    rank = np.argsort(subset)
    subset, X = subset[rank], X[rank]
    pos, charges, y = qm7.positions[subset], qm7.charges[subset], qm7.energies[subset]
    folds = kfold(len(y), cfg["n_folds"], cfg["seed"])
    rows, preds_main = [], None
    variants = {
        "3d_ridge": ("ridge on invariants", lambda Xtr, ytr: ridge_cv(
            Xtr, ytr, inner_folds=cfg["inner_folds"], seed=cfg["seed"]), X),
        "3d_ridge_squares": ("ridge on invariants and their squares", lambda Xtr, ytr: ridge_cv(
            Xtr, ytr, inner_folds=cfg["inner_folds"], seed=cfg["seed"]), np.hstack([X, X**2])),
        "3d_ridge_expanded": ("ridge on invariants expanded (powers, log, channel products)",
                              lambda Xtr, ytr: ridge_cv(Xtr, ytr, inner_folds=cfg["inner_folds"],
                                                        seed=cfg["seed"]),
                              expand_invariants(X, n_channels=len(CHANNELS))),
        "3d_krr": ("Gaussian kernel ridge on invariants", lambda Xtr, ytr: kernel_ridge_cv(
            Xtr, ytr, kernel="gaussian", inner_folds=3, seed=cfg["seed"]), X),
    }
    CM = coulomb_matrices(pos, charges)
    variants["coulomb_krr"] = ("sorted Coulomb matrix, Laplacian kernel ridge",
                               lambda Xtr, ytr: kernel_ridge_cv(
                                   Xtr, ytr, kernel="laplacian", inner_folds=3,
                                   seed=cfg["seed"], standardize=False), CM)
    for name, (label, fit, feats) in variants.items():
        t0 = time.perf_counter()
        preds = [fit(feats[tr], y[tr]).predict(feats[te]) for tr, te in ctx.tqdm(folds, desc=name)]
        m, ms, r, rs = _record_cv(ctx, name, y, preds, folds)
        paper = (fmt_mean_std(PAPER["3d_kymatio_mae"]) + " / " +
                 fmt_mean_std(PAPER["3d_kymatio_rmse"])) if name == "3d_ridge" else None
        rows.append([label, fmt_mean_std(m, ms), fmt_mean_std(r, rs), paper,
                     round(time.perf_counter() - t0, 1)])
        if name == "3d_ridge":
            preds_main = preds
    ctx.table("qm7_3d", ["method", "MAE (kcal/mol)", "RMSE (kcal/mol)",
                         "paper MAE / RMSE (Kymatio example)", "fit seconds"], rows,
              caption=f"QM7, {len(y)} molecules, {cfg['n_folds']}-fold CV (seed {cfg['seed']}); "
                      f"3D grid {grid.shape} at {cfg['spacing']} Å, density sigma "
                      f"{cfg['sigma_density']} Å, J={cfg['J']}, L={cfg['L']}, powers "
                      f"{cfg['integral_powers']}; penalties by inner CV. The Kymatio figure "
                      "chose its penalty on the test folds (PAPERS.md).")
    _figure_pred(ctx, y, folds, preds_main)


def _figure_pred(ctx, y, folds, preds):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    truth = np.concatenate([y[te] for _, te in folds])
    pred = np.concatenate(preds)
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.scatter(truth, pred, s=3, alpha=0.5)
    lo, hi = truth.min(), truth.max()
    ax.plot([lo, hi], [lo, hi], "k--", lw=0.8)
    ax.set_xlabel("true atomization energy (kcal/mol)")
    ax.set_ylabel("predicted (kcal/mol)")
    ax.set_title(f"QM7, 3D scattering + ridge (MAE {mae(truth, pred):.2f})")
    ctx.figure("qm7_3d_pred_vs_true.png", fig)


# ---------------------------------------------------------------------------------
# 2D
# ---------------------------------------------------------------------------------
def planar_subset(positions, charges, tol: float):
    """Molecules whose nuclei all lie within ``tol`` (angstrom) of their least-squares
    plane, and their in-plane coordinates ``(n, A, 2)`` (principal axes, centred)."""
    aligned = align_principal_axes(positions, charges)  # axis 2 = normal of the plane
    occupied = charges > 0
    dev = np.abs(np.where(occupied, aligned[..., 2], 0.0)).max(1)
    keep = np.flatnonzero(dev <= tol)
    return keep, aligned[keep][..., :2]


def densities_2d(coords, charges, size: int, spacing: float, sigma: float) -> np.ndarray:
    """2D densities ``(n, 3, size, size)`` of the all/valence/core channels."""
    from ..chem.density import channel_weights

    s = sigma / spacing
    u = coords / spacing + size / 2
    w = channel_weights(charges, CHANNELS) / (2 * np.pi * s**2)
    g = [np.exp(-0.5 * ((np.arange(size)[None, None] - u[..., a:a + 1]) / s) ** 2)
         for a in range(2)]
    return np.einsum("nca,nai,naj->ncij", w, g[0], g[1]).astype(np.float32)


def invariants_2d(rho: np.ndarray, J: int, L: int, batch: int = 64) -> np.ndarray:
    r"""Rotation-invariant scattering norms of 2D densities, ``(n, F)``.

    For each channel of ``rho`` (``(n, channels, M, N)``, sides divisible by
    ``2**J``), with circular convolutions (:class:`scatkit.stats.ScatteringMoments`,
    moduli at full resolution) and sums over the grid:

    * :math:`\|\rho\|_1` and :math:`\|\rho\|_2^2`;
    * per scale :math:`j`: :math:`\sum_\theta \|\rho\star\psi_{j,\theta}\|_1` and
      :math:`\sum_\theta \|\rho\star\psi_{j,\theta}\|_2^2`;
    * per :math:`(j_1, j_2, \delta)`: :math:`\sum_{\theta}
      \|\,|\rho\star\psi_{j_1,\theta}|\star\psi_{j_2,\theta+\delta}\|_1` (the
      relative angle :math:`\delta` fixed, so the sum is rotation invariant).

    These are the invariants of Hirn, Mallat & Poilvert (2017) except the
    second-order :math:`\ell^2` norms, which :class:`~scatkit.stats.ScatteringMoments`
    does not compute.
    """
    from ..stats.moments import ScatteringMoments

    # moduli kept at full resolution (oversampling J): the norms are exact sums over the
    # grid, invariant to every circular shift, not only to multiples of 2^j
    M = ScatteringMoments(rho.shape[-2:], J=J, L=L, power=True, oversampling=J)
    meta = M.meta()
    kind, j, theta = meta["kind"], meta["j"], meta["theta"]
    area = float(np.prod(rho.shape[-2:]))  # moments are means over the grid: norms are sums
    m = area * np.concatenate([M(rho[i:i + batch].astype(np.float64))
                               for i in range(0, len(rho), batch)])
    r = rho.astype(np.float64)
    feats = [r.sum((-2, -1))[..., None], (r**2).sum((-2, -1))[..., None]]
    for k in ("s1", "power"):
        for jj in np.unique(j[kind == k, 0]):
            feats.append(m[..., (kind == k) & (j[:, 0] == jj)].sum(-1, keepdims=True))
    s2 = kind == "s2"
    delta = np.mod(theta[:, 1] - theta[:, 0], L)
    for j1, j2 in sorted({(a, b) for a, b in j[s2, :2].astype(int).tolist()}):
        for d in range(L):
            sel = s2 & (j[:, 0] == j1) & (j[:, 1] == j2) & (delta == d)
            feats.append(m[..., sel].sum(-1, keepdims=True))
    return np.concatenate(feats, axis=-1).reshape(len(rho), -1)


def ols_curve(X: np.ndarray, y: np.ndarray, folds, terms) -> tuple[list[int], np.ndarray]:
    """Test MAE of M-term orthogonal least squares for each ``M`` in ``terms``.

    Per fold: standardise on the training part, select the terms greedily
    (:func:`scatkit.chem.orthogonal_least_squares`), refit an affine least-squares
    model on the first ``M``. Returns the ``M`` that fit every training part and
    the MAE array ``(folds, len(M))``.
    """
    terms = [m for m in terms if m < min(len(fold[0]) for fold in folds)]
    errors = np.zeros((len(folds), len(terms)))
    for f, (tr, te) in enumerate(folds):
        sc = Standardizer().fit(X[tr])
        Xtr, Xte = sc.transform(X[tr]), sc.transform(X[te])
        chosen = orthogonal_least_squares(Xtr, y[tr], max(terms))
        for k, m in enumerate(terms):
            sel = chosen[:m]
            A = np.hstack([Xtr[:, sel], np.ones((len(tr), 1))])
            w, *_ = np.linalg.lstsq(A, y[tr], rcond=None)
            errors[f, k] = mae(y[te], np.hstack([Xte[:, sel], np.ones((len(te), 1))]) @ w)
    return terms, errors


def run_2d(ctx, cfg, qm7) -> None:
    keep, coords = planar_subset(qm7.positions, qm7.charges, cfg["plane_tol"])
    if cfg.get("n_2d"):
        keep, coords = keep[:cfg["n_2d"]], coords[:cfg["n_2d"]]
    ctx.config["n_planar"] = len(keep)
    charges, y = qm7.charges[keep], qm7.energies[keep]
    size = cfg["grid_2d"]
    extent = np.abs(np.where(charges[..., None] > 0, coords, 0)).max()
    ctx.config["planar_extent_angstrom"] = float(extent)
    rho = densities_2d(coords, charges, size, cfg["spacing_2d"], cfg["sigma_density_2d"])
    base = invariants_2d(rho, cfg["J_2d"], cfg["L_2d"])
    X = np.hstack([base, base**2])
    folds = kfold(len(y), cfg["n_folds"], cfg["seed"])
    terms, errors = ols_curve(X, y, folds, cfg["ols_terms"])
    mean = errors.mean(0)
    best = int(np.argmin(mean))
    ctx.metric("mae_kcal_mol/2d_ols/best", mean[best])
    ctx.metric("mae_kcal_mol/2d_ols/best_std", errors[:, best].std())
    ctx.metric("terms/2d_ols/best", terms[best])
    for k, m in enumerate(terms):
        ctx.metric(f"mae_kcal_mol/2d_ols/m{m}", mean[k])
    ctx.table("qm7_2d", ["method", "molecules", "features", "best M", "MAE (kcal/mol)",
                         "paper MAE (QM7-2D, 454 molecules)"],
              [["2D scattering norms + squares, M-term OLS", len(y), X.shape[1], terms[best],
                fmt_mean_std(mean[best], errors[:, best].std()), "3.2 ± 0.1"]],
              caption=f"Near-planar QM7 molecules (all nuclei within {cfg['plane_tol']} Å of "
                      f"their plane), {size}x{size} grid at {cfg['spacing_2d']} Å, J="
                      f"{cfg['J_2d']}, L={cfg['L_2d']}; {cfg['n_folds']}-fold CV. 'best M' is "
                      "chosen on the test folds' mean MAE (as a curve, not a tuned model).")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.errorbar(terms, mean, yerr=errors.std(0), marker="o", ms=3, capsize=2)
    ax.axhline(PAPER["2d_scattering_mae"], color="k", ls="--", lw=0.8, label="paper 3.2")
    ax.set_xscale("log")
    ax.set_xlabel("number of terms M")
    ax.set_ylabel("MAE (kcal/mol)")
    ax.set_title(f"QM7 near-planar ({len(y)} molecules), 2D scattering + OLS")
    ax.legend()
    ctx.figure("qm7_2d_mae_vs_terms.png", fig)


__all__ = ["run", "planar_subset", "densities_2d", "invariants_2d", "invariants_3d", "ols_curve"]
