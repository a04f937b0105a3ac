r"""MNIST by training size: scattering + affine PCA / Gaussian SVM against pixels and a ConvNet.

Protocol (Bruna & Mallat 2013, Table 4, on the 10,000-digit sample that ships
with scatkit): the digits are shuffled with a fixed seed; the first 5000 are a
fixed test set; training sets of 300, 1000, 2000 and 5000 digits are drawn 5
times (fixed seeds) from the other 5000.

Representations (computed once for all images):

- ``pixels``: the 784 grey levels in [0, 1];
- ``scat1``, ``scat2``: :math:`\log(S_J x + \epsilon)` of the 2D scattering
  transform with :math:`J = 3` (:math:`2^J = 8`, a 3x3 grid of windows for
  28x28 digits) and :math:`L = 6` orientations, the paper's setting, keeping
  orders :math:`\le 1` (``scat1``, 19 channels) or :math:`\le 2` (``scat2``,
  127 channels).  The log turns the multiplicative variability of the
  coefficients into additive noise that the affine model handles better (on a
  300-digit draw: 6.5 % error without it, 4.9 % with it).

Classifiers: the affine space (class-wise PCA) model with :math:`d` chosen by
5-fold cross-validation (:class:`scatkit.learn.AffinePCAClassifierCV`), and a
Gaussian SVM with :math:`C` and :math:`\gamma` chosen by 3-fold
cross-validation (kernels from one precomputed distance matrix per draw).
Baseline: a LeNet-5-like ConvNet (PyTorch, CPU) with one fixed recipe.

Run ``scatkit experiment mnist [--quick]``.

References
----------
J. Bruna and S. Mallat, "Invariant scattering convolution networks", IEEE
Trans. PAMI 35(8), 2013.  Y. LeCun et al., "Gradient-based learning applied to
document recognition", Proc. IEEE 86(11), 1998.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .framework import fmt_mean_std

#: training sizes and number of random draws of each (full run)
TRAIN_SIZES = (300, 1000, 2000, 5000)
N_DRAWS = 5
#: fixed held-out test set size
N_TEST = 5000
#: quick run: images used, test size, training sizes, draws
QUICK_IMAGES, QUICK_TEST, QUICK_SIZES = 500, 200, (100, 300)

#: scattering scale and orientations (Bruna & Mallat use 2^J = 8, L = 6)
J, L = 3, 6
#: epsilon of log(S x + eps) (images scaled to [0, 1])
LOG_EPS = 1e-3
#: scattering batch size (bounds memory)
SCAT_BATCH = 500

#: candidate affine-space dimensions d, and folds of the cross-validation
PCA_GRID = (0, 1, 2, 3, 5, 8, 10, 15, 20, 30, 40, 60, 80, 100, 120, 150)
QUICK_PCA_GRID = (0, 2, 5, 10)
PCA_FOLDS = 5
#: SVM: C grid and gamma as multiples of 1 / (n_features * Var(X)) (scikit-learn's 'scale')
SVM_C = (1.0, 10.0, 100.0)
SVM_GAMMA_SCALE = (0.5, 1.0, 2.0)
QUICK_SVM_C, QUICK_SVM_GAMMA_SCALE = (10.0,), (1.0,)
SVM_FOLDS = 3

#: ConvNet recipe: Adam, cosine-decayed learning rate, batch size, epochs
#: ``clip(CONVNET_EPOCH_BUDGET / n, CONVNET_MIN_EPOCHS, CONVNET_MAX_EPOCHS)``
CONVNET_LR = 2e-3
CONVNET_BATCH = 32
CONVNET_EPOCH_BUDGET = 15000
CONVNET_MIN_EPOCHS, CONVNET_MAX_EPOCHS = 10, 50
QUICK_CONVNET_EPOCHS = 10
#: intra-op threads of the ConvNet (a tiny net: one thread avoids spin-waiting
#: on a shared machine)
CONVNET_THREADS = 1
#: BLAS threads during the run: OpenBLAS threads spin-wait for each other, which
#: on a busy 2-core machine made the classifiers 8x slower in wall time than one thread
BLAS_THREADS = 1

#: Bruna & Mallat 2013, % test error (PAPERS.md), by method and training size
PAPER = {
    "pixels_pca": {300: 14.5, 1000: 7.2, 2000: 5.8, 5000: 4.9},
    "pixels_svm": {300: 15.4, 1000: 8.2, 2000: 6.5, 5000: 4.0},
    "scat1_pca": {300: 5.7, 1000: 2.35, 2000: 1.7, 5000: 1.6},
    "scat2_pca": {300: 4.7, 1000: 2.3, 2000: 1.3, 5000: 1.03},
    "scat2_svm": {300: 5.6, 1000: 2.6, 2000: 1.8, 5000: 1.4},
    "convnet": {300: 7.18, 1000: 3.21, 2000: 2.53, 5000: 1.52},
}

FEATURES = ("pixels", "scat1", "scat2")
CLASSIFIERS = ("pca", "svm")


# -- data and features --------------------------------------------------------------------
def load_digits():
    """The 10,000-digit sample: ``$SCATKIT_DATA/mnist10k`` if present, else the bundled copy."""
    from ..datasets.mnist import load_mnist
    from ..datasets.paths import dataset_path

    try:
        return load_mnist(dataset_path("mnist10k") / "mnist10k.npz")
    except FileNotFoundError:
        return load_mnist()


def split(n_images, n_test, sizes, n_draws, seed):
    """Shuffle, a fixed test set, and ``n_draws`` training draws of each size from the rest.

    Returns
    -------
    test : ndarray of int
    draws : dict
        ``{size: [indices of draw 0, ...]}``.
    """
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n_images)
    test, pool = perm[:n_test], perm[n_test:]
    draws = {}
    for size in sizes:
        if size > len(pool):
            raise ValueError(f"training size {size} exceeds the {len(pool)} non-test images")
        draws[size] = [np.random.default_rng([seed, size, k]).choice(pool, size, replace=False)
                       for k in range(n_draws)]
    return test, draws


def representations(images, ctx):
    """``{'pixels', 'scat1', 'scat2'}`` feature matrices of all images (scattering once)."""
    from ..learn import scattering_features
    from .. import Scattering2D

    x = images.astype(np.float32) / 255.0
    start = time.perf_counter()
    S = scattering_features(x, J=J, L=L, max_order=2, batch_size=SCAT_BATCH, flatten=False)
    ctx.metric("seconds/scattering", time.perf_counter() - start)
    order = Scattering2D(J, x.shape[1:], L=L, max_order=2).meta()["order"]
    logS = np.log(S.astype(np.float64) + LOG_EPS)
    return {"pixels": x.reshape(len(x), -1).astype(np.float64),
            "scat1": logS[:, order <= 1].reshape(len(x), -1),
            "scat2": logS.reshape(len(x), -1)}


# -- classifiers ----------------------------------------------------------------------------
def pca_error(Xtr, ytr, Xte, yte, grid, seed):
    """Test error (%) of the affine PCA classifier with d by cross-validation, and d."""
    from sklearn.model_selection import StratifiedKFold

    from ..learn import AffinePCAClassifierCV

    cv = StratifiedKFold(PCA_FOLDS, shuffle=True, random_state=seed)
    clf = AffinePCAClassifierCV(n_components=grid, cv=cv).fit(Xtr, ytr)
    return 100.0 * (1.0 - clf.score(Xte, yte)), clf.n_components_


def squared_distances(A, B):
    """Matrix of :math:`\\|a_i - b_j\\|^2` (clipped at 0)."""
    d = (A**2).sum(1)[:, None] + (B**2).sum(1)[None, :] - 2.0 * A @ B.T
    return np.maximum(d, 0.0)


def svm_error(Xtr, ytr, Xte, yte, C_grid, gamma_scales, seed):
    r"""Test error (%) of a Gaussian SVM, :math:`C` and :math:`\gamma` by cross-validation.

    :math:`\gamma = g / (D\,\mathrm{Var}(X))` for :math:`g` in ``gamma_scales``;
    the kernels of every candidate come from one distance matrix.
    """
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import SVC

    base = 1.0 / (Xtr.shape[1] * Xtr.var())
    D_tr, D_te = squared_distances(Xtr, Xtr), squared_distances(Xte, Xtr)
    folds = list(StratifiedKFold(SVM_FOLDS, shuffle=True, random_state=seed).split(Xtr, ytr))
    scores = np.zeros((len(gamma_scales), len(C_grid)))
    for a, g in enumerate(gamma_scales):
        K = np.exp(-g * base * D_tr)
        for tr, va in folds:
            for b, C in enumerate(C_grid):
                svc = SVC(C=C, kernel="precomputed").fit(K[np.ix_(tr, tr)], ytr[tr])
                scores[a, b] += svc.score(K[np.ix_(va, tr)], ytr[va]) / len(folds)
    a, b = np.unravel_index(np.argmax(scores), scores.shape)
    svc = SVC(C=C_grid[b], kernel="precomputed").fit(np.exp(-gamma_scales[a] * base * D_tr), ytr)
    pred = svc.predict(np.exp(-gamma_scales[a] * base * D_te))
    return 100.0 * np.mean(pred != yte), (C_grid[b], gamma_scales[a])


def lenet5():
    """LeNet-5-like network: conv 5x5 (6) - pool - conv 5x5 (16) - pool - 120 - 84 - 10, ReLU."""
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def convnet_epochs(n_train):
    """Epochs of the fixed recipe: about CONVNET_EPOCH_BUDGET samples seen, clipped."""
    return int(np.clip(round(CONVNET_EPOCH_BUDGET / n_train), CONVNET_MIN_EPOCHS,
                       CONVNET_MAX_EPOCHS))


def convnet_error(xtr, ytr, xte, yte, epochs, seed):
    """Train LeNet-5 (Adam, cosine learning rate) and return the test error (%) and the
    final epoch's mean training loss."""
    import torch
    from torch import nn

    threads = torch.get_num_threads()
    torch.set_num_threads(CONVNET_THREADS)
    try:
        torch.manual_seed(seed)
        mean, std = xtr.mean(), xtr.std()
        Xtr = torch.from_numpy(((xtr - mean) / std).astype(np.float32))[:, None]
        Xte = torch.from_numpy(((xte - mean) / std).astype(np.float32))[:, None]
        Ytr = torch.from_numpy(ytr.astype(np.int64))
        net = lenet5()
        opt = torch.optim.Adam(net.parameters(), lr=CONVNET_LR)
        steps = epochs * math.ceil(len(Xtr) / CONVNET_BATCH)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
        gen = torch.Generator().manual_seed(seed)
        for _ in range(epochs):
            total = 0.0
            for idx in torch.randperm(len(Xtr), generator=gen).split(CONVNET_BATCH):
                opt.zero_grad()
                loss = nn.functional.cross_entropy(net(Xtr[idx]), Ytr[idx])
                loss.backward()
                opt.step()
                sched.step()
                total += loss.item() * len(idx)
        net.eval()
        with torch.no_grad():
            pred = torch.cat([net(b).argmax(1) for b in Xte.split(1000)]).numpy()
        return 100.0 * np.mean(pred != yte), total / len(Xtr)
    finally:
        torch.set_num_threads(threads)


# -- the experiment ---------------------------------------------------------------------------
#: worker processes over the draws of a full run (forked; each uses one BLAS and one
#: torch thread)
N_WORKERS = 2
#: data the draws share; set before the workers fork, cleared after
_SHARED: dict = {}


def evaluate_draw(job):
    """Every classifier on one training draw ``(size, k)`` of the data in ``_SHARED``.

    Returns
    -------
    results : dict
        ``{method: error %}`` plus ``pca_dim/<features>`` and ``convnet_train_loss``.
    times : dict
        Wall seconds per classifier family.
    cpu : float
        CPU seconds of this call.
    """
    from threadpoolctl import threadpool_limits

    size, k = job
    cpu0 = time.process_time()
    sh = _SHARED
    tr, test = sh["draws"][size][k], sh["test"]
    ytr, yte = sh["labels"][tr], sh["labels"][test]
    seed = sh["seed"] + 1000 * k + size
    results, times = {}, {"pca": 0.0, "svm": 0.0, "convnet": 0.0}
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        for feat in FEATURES:
            Xtr, Xte = sh["feats"][feat][tr], sh["feats"][feat][test]
            t = time.perf_counter()
            results[f"{feat}_pca"], results[f"pca_dim/{feat}"] = pca_error(
                Xtr, ytr, Xte, yte, sh["pca_grid"], seed)
            times["pca"] += time.perf_counter() - t
            t = time.perf_counter()
            results[f"{feat}_svm"], _ = svm_error(Xtr, ytr, Xte, yte, sh["svm_c"], sh["svm_g"],
                                                  seed)
            times["svm"] += time.perf_counter() - t
        t = time.perf_counter()
        epochs = QUICK_CONVNET_EPOCHS if sh["quick"] else convnet_epochs(size)
        images = sh["images"]
        results["convnet"], results["convnet_train_loss"] = convnet_error(
            images[tr] / 255.0, ytr, images[test] / 255.0, yte, epochs, seed)
        times["convnet"] += time.perf_counter() - t
    return results, times, time.process_time() - cpu0


def _parallel(jobs, workers, ctx):
    """Run :func:`evaluate_draw` over ``jobs`` in forked worker processes (results in order)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    import torch  # noqa: F401  (imported once here, inherited by the forked workers)

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = {pool.submit(evaluate_draw, job): i for i, job in enumerate(jobs)}
        outputs = [None] * len(jobs)
        for future in ctx.tqdm(as_completed(futures), total=len(jobs), desc="mnist draws"):
            outputs[futures[future]] = future.result()
    return outputs


def run(ctx):
    """Run the MNIST experiment (see the module docstring), with BLAS_THREADS BLAS threads."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        _run(ctx)


def _run(ctx):
    cpu0, wall0 = time.process_time(), time.perf_counter()
    images, labels = load_digits()
    if ctx.quick:
        keep = np.random.default_rng(ctx.seed).permutation(len(images))[:QUICK_IMAGES]
        images, labels = images[keep], labels[keep]
        n_test, sizes, n_draws = QUICK_TEST, QUICK_SIZES, 1
        pca_grid, svm_c, svm_g = QUICK_PCA_GRID, QUICK_SVM_C, QUICK_SVM_GAMMA_SCALE
    else:
        n_test, sizes, n_draws = N_TEST, TRAIN_SIZES, N_DRAWS
        pca_grid, svm_c, svm_g = PCA_GRID, SVM_C, SVM_GAMMA_SCALE
    ctx.config.update(dict(
        n_images=len(images), n_test=n_test, train_sizes=list(sizes), n_draws=n_draws, J=J, L=L,
        max_order=2, log_eps=LOG_EPS, pca_grid=list(pca_grid), pca_folds=PCA_FOLDS,
        svm_C=list(svm_c), svm_gamma_scale=list(svm_g), svm_folds=SVM_FOLDS, blas_threads=BLAS_THREADS,
        convnet=dict(arch="LeNet-5 (ReLU, max-pool)", optimizer="Adam", lr=CONVNET_LR,
                     schedule="cosine", batch=CONVNET_BATCH,
                     epochs={n: (QUICK_CONVNET_EPOCHS if ctx.quick else convnet_epochs(n))
                             for n in sizes}, threads=CONVNET_THREADS),
        seed=ctx.seed))
    test, draws = split(len(images), n_test, sizes, n_draws, ctx.seed)
    feats = representations(images, ctx)
    _SHARED.update(feats=feats, labels=labels, images=images, test=test, draws=draws,
                   pca_grid=pca_grid, svm_c=svm_c, svm_g=svm_g, quick=ctx.quick, seed=ctx.seed)
    # largest draws first, so that the workers finish together
    jobs = [(size, k) for size in sorted(sizes, reverse=True) for k in range(n_draws)]
    workers = 1 if ctx.quick else N_WORKERS
    ctx.config["workers"] = workers
    try:
        if workers == 1:
            outputs = [evaluate_draw(job) for job in ctx.tqdm(jobs, desc="mnist draws")]
        else:
            outputs = _parallel(jobs, workers, ctx)
    finally:
        _SHARED.clear()
    errors, timers = {}, {"pca": 0.0, "svm": 0.0, "convnet": 0.0}
    child_cpu = 0.0
    for (size, k), (results, times, cpu) in sorted(zip(jobs, outputs)):
        for method, value in results.items():
            errors.setdefault((method, size), []).append(value)
        for name, seconds in times.items():
            timers[name] += seconds
        child_cpu += cpu if workers > 1 else 0.0
    timers["cpu_workers"] = child_cpu
    record(ctx, errors, timers, cpu0, wall0)
    tabulate(ctx, errors, sizes)
    plot(ctx, errors, sizes)


def record(ctx, errors, timers, cpu0, wall0):
    """Metrics: mean and std (over draws) of every error, chosen d, timings."""
    for (method, size), values in errors.items():
        v = np.asarray(values, dtype=float)
        if method.startswith("pca_dim/"):
            key = f"{method}/n{size}"
        elif method == "convnet_train_loss":
            key = f"train_loss/convnet/n{size}"
        else:
            key = f"test_error_pct/{method}/n{size}"
        ctx.metric(f"{key}/mean", v.mean())
        ctx.metric(f"{key}/std", v.std(ddof=1) if len(v) > 1 else 0.0)
    workers_cpu = timers.pop("cpu_workers", 0.0)
    for name, seconds in timers.items():
        ctx.metric(f"seconds/{name}", seconds)  # summed over draws (over workers when parallel)
    ctx.metric("seconds/wall_total", time.perf_counter() - wall0)
    ctx.metric("cpu_seconds/total", time.process_time() - cpu0 + workers_cpu)


METHODS = ("pixels_pca", "pixels_svm", "scat1_pca", "scat1_svm", "scat2_pca", "scat2_svm",
           "convnet")


def _summary(errors, method, size):
    v = np.asarray(errors[(method, size)], dtype=float)
    return fmt_mean_std(v.mean(), v.std(ddof=1) if len(v) > 1 else None)


def tabulate(ctx, errors, sizes):
    """Table: ours (mean ± std over draws) with the paper's figure next to each method."""
    columns = ["train"]
    for m in METHODS:
        columns.append(f"{m} (ours)")
        if m in PAPER:
            columns.append(f"{m} (paper)")
    rows = []
    for size in sizes:
        row = [size]
        for m in METHODS:
            row.append(_summary(errors, m, size))
            if m in PAPER:
                row.append(PAPER[m].get(size))
        rows.append(row)
    ctx.table("mnist_test_error_pct", columns, rows, caption=(
        f"% test error on a fixed set of {ctx.config['n_test']} digits, mean ± std over "
        f"{ctx.config['n_draws']} training draws; scattering J={J}, L={L}, log(S+{LOG_EPS}); "
        "'paper' = Bruna & Mallat 2013 (PAPERS.md, on the full MNIST test set). At the "
        "largest size every draw is the whole non-test pool (when it holds that many "
        "digits), so its spread comes only from CV folds and ConvNet seeds."))
    dim_rows = [[size] + [_summary(errors, f"pca_dim/{f}", size) for f in FEATURES]
                for size in sizes]
    ctx.table("mnist_pca_dimension", ["train"] + [f"d ({f})" for f in FEATURES], dim_rows,
              caption="Affine space dimension d chosen by cross-validation (mean ± std over "
                      "draws); the paper reports d = 5 at 300 and d = 100 at 5000 digits.")


def plot(ctx, errors, sizes):
    """Figure: test error against training size (log-log), ours with std bars, paper dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for i, m in enumerate(("pixels_pca", "pixels_svm", "scat1_pca", "scat2_pca", "scat2_svm",
                           "convnet")):
        color = f"C{i}"
        v = [np.asarray(errors[(m, s)], dtype=float) for s in sizes]
        ax.errorbar(sizes, [a.mean() for a in v], yerr=[a.std() for a in v], marker="o",
                    color=color, label=m, capsize=3)
        paper = [PAPER[m].get(s, np.nan) for s in sizes]
        if np.isfinite(paper).any():
            ax.plot(sizes, paper, ls="--", marker="x", color=color, alpha=0.6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training digits")
    ax.set_ylabel("test error (%)")
    ax.set_title("MNIST: ours (solid, ± std) vs Bruna & Mallat 2013 (dashed)")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    ctx.figure("error_vs_train_size.png", fig)
