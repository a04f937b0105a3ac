r"""Regressions of the QM7 experiment, with every hyper-parameter chosen by inner
cross-validation on the training folds only.

- :func:`ridge_cv`: ridge regression :math:`\min_w \|y - Xw - b\|^2 + \alpha\|w\|^2`,
  all penalties of a grid solved at once from one SVD per inner fold.
- :func:`kernel_ridge_cv`: kernel ridge regression with a Laplacian
  (:math:`e^{-\gamma\|x-x'\|_1}`) or Gaussian (:math:`e^{-\gamma\|x-x'\|_2^2}`)
  kernel, all penalties of a grid from one eigendecomposition per
  (:math:`\gamma`, inner fold) (Rupp et al. 2012; Hansen et al., JCTC 2013).
- :func:`orthogonal_least_squares`: greedy forward selection of ``M`` regressors
  by orthogonal least squares (Chen, Billings & Luo, Int. J. Control 1989), the
  sparse regression of Hirn, Mallat & Poilvert (2017).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["kfold", "Standardizer", "RidgeModel", "ridge_cv", "KernelRidgeModel",
           "kernel_ridge_cv", "orthogonal_least_squares", "mae", "rmse", "KERNELS"]

#: kernels of :func:`kernel_ridge_cv`
KERNELS = ("laplacian", "gaussian")


def mae(y, p) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(y) - np.asarray(p))))


def rmse(y, p) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean((np.asarray(y) - np.asarray(p)) ** 2)))


def kfold(n: int, k: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` (train, test) index splits of ``range(n)`` after a seeded shuffle."""
    if k < 2 or k > n:
        raise ValueError(f"need 2 <= k <= n for K-fold splits, got k={k}, n={n}")
    perm = np.random.default_rng(seed).permutation(n)
    folds = np.array_split(perm, k)
    return [(np.sort(np.concatenate(folds[:i] + folds[i + 1:])), np.sort(folds[i]))
            for i in range(k)]


@dataclass
class Standardizer:
    """Feature-wise ``(x - mean) / std`` fitted on training data (constant features
    are only centred)."""

    mean: np.ndarray | None = None
    scale: np.ndarray | None = None

    def fit(self, X):
        X = np.asarray(X, dtype=np.float64)
        self.mean = X.mean(0)
        std = X.std(0)
        self.scale = np.where(std > 0, std, 1.0)
        return self

    def transform(self, X):
        return (np.asarray(X, dtype=np.float64) - self.mean) / self.scale

    def fit_transform(self, X):
        return self.fit(X).transform(X)


def _ridge_path(X, y, alphas):
    """Coefficients ``(len(alphas), p)`` and intercepts of centred ridge, from one SVD."""
    xm, ym = X.mean(0), y.mean()
    U, s, Vt = np.linalg.svd(X - xm, full_matrices=False)
    uy = U.T @ (y - ym)
    d = s[None, :] / (s[None, :] ** 2 + np.asarray(alphas)[:, None])
    W = (d * uy[None, :]) @ Vt
    return W, ym - W @ xm


@dataclass
class RidgeModel:
    """A fitted ridge regression (with its standardisation and chosen penalty)."""

    coef: np.ndarray
    intercept: float
    alpha: float
    scaler: Standardizer
    cv_mae: np.ndarray

    def predict(self, X):
        return self.scaler.transform(X) @ self.coef + self.intercept


def ridge_cv(X, y, alphas=np.logspace(-8, 2, 21), inner_folds: int = 5, seed: int = 0
             ) -> RidgeModel:
    """Standardise ``X``, choose the ridge penalty by inner ``inner_folds``-fold CV
    (mean absolute error), refit on all of ``X``."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    alphas = np.asarray(alphas, dtype=np.float64)
    errors = np.zeros(len(alphas))
    for tr, va in kfold(len(y), inner_folds, seed):
        sc = Standardizer().fit(X[tr])
        W, b = _ridge_path(sc.transform(X[tr]), y[tr], alphas * len(tr))
        pred = sc.transform(X[va]) @ W.T + b
        errors += np.abs(pred - y[va][:, None]).mean(0) / inner_folds
    best = float(alphas[np.argmin(errors)])
    sc = Standardizer().fit(X)
    W, b = _ridge_path(sc.transform(X), y, [best * len(y)])
    return RidgeModel(W[0], float(b[0]), best, sc, errors)


def _pairwise(A, B, kernel):
    if kernel == "laplacian":
        from scipy.spatial.distance import cdist

        return cdist(A, B, metric="cityblock")
    if kernel == "gaussian":
        sq = (A**2).sum(1)[:, None] + (B**2).sum(1)[None, :] - 2 * A @ B.T
        return np.maximum(sq, 0.0)
    raise ValueError(f"kernel must be one of {KERNELS}, got {kernel!r}")


def _median_scale(D):
    """Median of the off-diagonal distances (the unit of the gamma grid)."""
    iu = np.triu_indices(min(len(D), 500), 1)
    return float(np.median(D[:500, :500][iu])) or 1.0


@dataclass
class KernelRidgeModel:
    """A fitted kernel ridge regression."""

    X: np.ndarray
    dual: np.ndarray
    intercept: float
    gamma: float
    alpha: float
    kernel: str
    scaler: Standardizer

    def predict(self, X):
        D = _pairwise(self.scaler.transform(X), self.X, self.kernel)
        return np.exp(-self.gamma * D) @ self.dual + self.intercept


def kernel_ridge_cv(X, y, kernel: str = "laplacian", gammas=(0.25, 0.5, 1.0, 2.0, 4.0),
                    alphas=np.logspace(-10, -2, 9), inner_folds: int = 3, seed: int = 0,
                    standardize: bool = True, cv_size: int | None = 2000) -> KernelRidgeModel:
    r"""Kernel ridge regression with ``gamma`` and ``alpha`` chosen by inner CV.

    ``gammas`` are in units of one over the median pairwise distance of the
    training data (so the grid adapts to the features' scale); the model solves
    :math:`(K + \alpha n I)c = y - \bar y`.  The inner CV runs on a seeded
    random subset of ``cv_size`` training points (all of them if None) to bound
    its cost (one eigendecomposition per gamma and fold); the final model is
    fitted on every training point.
    """
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {KERNELS}, got {kernel!r}")
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    scaler = Standardizer().fit(X) if standardize else Standardizer(0.0, 1.0)
    Xs = scaler.transform(X)
    D = _pairwise(Xs, Xs, kernel)
    unit = _median_scale(D)
    gammas = np.asarray(gammas, dtype=np.float64) / unit
    alphas = np.asarray(alphas, dtype=np.float64)
    errors = np.zeros((len(gammas), len(alphas)))
    sub = np.arange(len(y))
    if cv_size is not None and cv_size < len(y):
        sub = np.sort(np.random.default_rng(seed).choice(len(y), cv_size, replace=False))
    for tr, va in kfold(len(sub), inner_folds, seed):
        tr, va = sub[tr], sub[va]
        ym = y[tr].mean()
        for g, gamma in enumerate(gammas):
            evals, evecs = np.linalg.eigh(np.exp(-gamma * D[np.ix_(tr, tr)]))
            proj = evecs.T @ (y[tr] - ym)
            Kva = np.exp(-gamma * D[np.ix_(va, tr)]) @ evecs
            coef = proj[:, None] / (evals[:, None] + alphas[None, :] * len(tr))
            pred = Kva @ coef + ym
            errors[g] += np.abs(pred - y[va][:, None]).mean(0) / inner_folds
    g, a = np.unravel_index(np.argmin(errors), errors.shape)
    gamma, alpha = float(gammas[g]), float(alphas[a])
    ym = y.mean()
    K = np.exp(-gamma * D)
    K[np.diag_indices_from(K)] += alpha * len(y)
    from scipy.linalg import cho_factor, cho_solve

    dual = cho_solve(cho_factor(K, lower=True, check_finite=False), y - ym, check_finite=False)
    return KernelRidgeModel(Xs, dual, float(ym), gamma, alpha, kernel, scaler)


def orthogonal_least_squares(X, y, M: int) -> np.ndarray:
    r"""Greedy forward selection of ``M`` columns of ``X`` by orthogonal least squares.

    At each step the column whose component orthogonal to the already selected
    ones (and to the constant) explains most of the residual,
    :math:`\arg\max_i \langle \tilde x_i, r\rangle^2/\|\tilde x_i\|^2`, is added
    and every column is re-orthogonalised against it (Gram–Schmidt).

    Returns
    -------
    ndarray of int, shape (M,)
        The selected columns, in selection order (least squares on the first
        ``m`` of them gives the ``m``-term model).
    """
    Q = np.asarray(X, dtype=np.float64)
    Q = Q - Q.mean(0)
    r = np.asarray(y, dtype=np.float64) - np.mean(y)
    M = min(int(M), Q.shape[1], len(r) - 1)
    norms = (Q**2).sum(0)
    tiny = 1e-10 * max(norms.max(), 1e-300)
    chosen = []
    for _ in range(M):
        score = np.where(norms > tiny, (Q.T @ r) ** 2 / np.maximum(norms, tiny), -1.0)
        score[chosen] = -1.0
        k = int(np.argmax(score))
        if score[k] <= 0:
            break
        q = Q[:, k] / np.sqrt(norms[k])
        chosen.append(k)
        r = r - q * (q @ r)
        Q = Q - np.outer(q, q @ Q)
        norms = (Q**2).sum(0)
    return np.asarray(chosen, dtype=np.int64)
