r"""CIFAR-10 with unsupervised scattering and hybrid scattering + CNN networks.

Pipelines (``test_error_pct/<pipeline>/n<train images>``):

- ``scat_linear``: colour (YUV) translation scattering
  (:class:`scatkit.colour.ColourScattering`, ``J = J_UNSUP``, ``L``),
  :math:`\log(S x + \epsilon)`, standardisation, ridge (least-squares) classifier;
- ``scat_nystroem``: the same features, a Nyström approximation of a Gaussian
  kernel (``NYSTROEM_COMPONENTS`` landmarks), linear SVM;
- ``scat_kernel``: the same features, an exact Gaussian-kernel ridge classifier
  (:class:`scatkit.learn.GaussianKernelRidgeClassifier`), its width (a factor of
  the median heuristic) and penalty chosen on training images only
  (:func:`kernel_ridge_error`);
- ``scat_kernel_mirror``: the same scattering sampled ``OVERSAMPLING`` times more
  densely per axis (:func:`oversampled_scattering`, ``Scattering2D(oversampling=1)``),
  :math:`\log(S x + \epsilon)`
  with ``KERNEL_LOG_EPS``, standardised, orders 0 and 1 weighted by
  ``KERNEL_LOW_ORDER_WEIGHT`` and the chrominance by ``KERNEL_CHROMA_WEIGHT``
  (:func:`feature_weights`), projected on its first ``KERNEL_PCA``
  principal directions (:func:`pca_basis`), for each image and its mirror image;
  the exact Gaussian kernel averaged over the two views (``n_views=2``), i.e.
  invariant to horizontal flips, width and penalty chosen as for ``scat_kernel``
  (:func:`mirror_view_features`, :func:`kernel_ridge_error`);
- ``rigid_linear``: roto-translation scattering
  (:class:`scatkit.RigidMotionScattering2D`) of each channel, same classifier
  (on ``RIGID_PER_CLASS`` training images per class only: it is slow on CPU);
- ``hybrid_cnn``: YUV scattering with ``J = 2`` (log) followed by a small CNN
  (:func:`small_cnn`), trained with a fixed recipe and horizontal flips
  (features of flipped images computed once, one of the two drawn per sample
  and epoch);
- ``pixel_cnn``: the same CNN head after a strided stem that maps the
  32 x 32 pixels to 8 x 8 maps (the resolution of ``J = 2`` scattering).

Few samples (``FEW_PIPELINES``): ``few_per_class`` images per class, ``draws`` random draws
(:data:`SETTINGS`),
``/mean`` and ``/std`` keys.  Features are computed once and cached in
``OUT/cifar10/cache/`` (npz).

Reference numbers: the seed's slide (scattering + unsupervised: 20% error,
deep net 7%) and Oyallon & Mallat, CVPR 2015 (roto-translation scattering +
Gaussian SVM: 17.7% error); see ``docs/cifar10.md``.
"""

from __future__ import annotations

import functools
import time

import numpy as np

#: image side
SIDE = 32
#: scattering scale of the unsupervised pipelines and of the hybrid network
J_UNSUP, J_HYBRID = 3, 2
#: orientations of the translation and rigid-motion scattering
L_TRANSLATION, L_RIGID = 8, 8
#: epsilon of log(S + eps)
LOG_EPS = 1e-6
#: ridge penalty of the linear (least-squares one-vs-all) classifier, relative to the
#: number of features (standardised features: the Gram matrix's trace is n * d)
RIDGE_ALPHA_PER_FEATURE = 1.0
#: Nyström landmarks, linear-SVM regularisation
NYSTROEM_COMPONENTS, SVM_C = 2000, 1e-2
#: exact kernel ridge: candidate factors of the median-heuristic width, candidate
#: penalties, and the training images they are chosen on (fitted on the first
#: number, scored on the second; both drawn from the training set)
KERNEL_GAMMA_SCALES, KERNEL_ALPHAS = (0.5, 1.0, 2.0), (1e-2, 1e-1, 1.0)
KERNEL_SELECT_FIT, KERNEL_SELECT_VAL = 10000, 5000
#: ``scat_kernel_mirror``: oversampling factor per axis of the J_UNSUP scattering
#: (sampled every 2**J / OVERSAMPLING pixels), epsilon of its log, principal
#: directions kept, training images they are fitted on, and the candidate width
#: factors and penalties (chosen as for ``scat_kernel``).  Chosen on 10,000 + 5,000
#: training images (docs/cifar10.md), never on test images.
OVERSAMPLING, KERNEL_LOG_EPS, KERNEL_PCA, KERNEL_PCA_FIT = 2, 1e-2, 3000, 10000
#: ``scat_kernel_mirror``: weights of the orders 0 and 1 and of the chrominance after
#: the standardisation (:func:`feature_weights`; chosen on training images,
#: docs/cifar10.md)
KERNEL_LOW_ORDER_WEIGHT, KERNEL_CHROMA_WEIGHT = 3.0, 0.25
MIRROR_GAMMA_SCALES, MIRROR_ALPHAS = (0.25, 0.5, 1.0, 2.0), (1e-2, 3e-2, 1e-1)
#: CNN recipe: width, epochs, batch, learning rate, momentum, weight decay
CNN_WIDTH, EPOCHS, BATCH, LR, MOMENTUM, WEIGHT_DECAY = 128, 30, 128, 0.05, 0.9, 5e-4
#: scattering batch size (images)
SCAT_BATCH = 256

#: problem sizes: full and --quick
SETTINGS = {
    False: dict(train_per_class=None, test_per_class=None, rigid_per_class=500,
                few_per_class=(100, 500, 1000), draws=3, epochs=EPOCHS, L_rigid=L_RIGID,
                nystroem=NYSTROEM_COMPONENTS, kernel_pca=KERNEL_PCA),
    True: dict(train_per_class=20, test_per_class=10, rigid_per_class=3, few_per_class=(5,),
               draws=1, epochs=1, L_rigid=2, nystroem=50, kernel_pca=50),
}

#: pipelines of the few-sample comparison
FEW_PIPELINES = ("scat_linear", "scat_kernel", "hybrid_cnn", "pixel_cnn")

#: published numbers (% test error)
PAPER = {"seed_scat_unsupervised": 20.0, "seed_deep_net": 7.0,
         "oyallon_mallat_2015_roto_translation": 17.7}


# -- features -------------------------------------------------------------------
def default_device() -> str:
    """``"cuda"`` when PyTorch sees a CUDA device, else ``"cpu"``: where the CNNs
    are trained and (on CUDA) the scattering features computed."""
    try:
        import torch
    except ImportError:  # pragma: no cover
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


def scattering_features(ctx, name, images, J, L, transform="translation", colour="yuv",
                        device="cpu"):
    """Log colour scattering of uint8 ``(N, 32, 32, 3)`` images, cached as ``cache/<name>.npz``.

    ``device``: ``"cpu"`` computes on NumPy arrays; a CUDA device computes each
    batch as a tensor there (the same coefficients to float32 rounding).
    """
    from ..colour import ColourScattering, to_channels_first

    cache = ctx.path("cache") / f"{name}.npz"
    if cache.is_file():
        with np.load(cache) as z:
            if z["features"].shape[0] == len(images):
                return z["features"], float(z["seconds"])
    S = ColourScattering(J, (SIDE, SIDE), L=L, colour=colour, transform=transform)
    if device == "cpu":
        scatter = S
    else:
        import torch

        def scatter(x):
            return S(torch.from_numpy(x).to(device)).cpu().numpy()
    start = time.perf_counter()
    chunks = [scatter(to_channels_first(images[i:i + SCAT_BATCH]))
              for i in ctx.tqdm(range(0, len(images), SCAT_BATCH), desc=name)]
    feats = np.log(np.abs(np.concatenate(chunks)) + LOG_EPS).astype(np.float32)
    seconds = time.perf_counter() - start
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, features=feats, seconds=seconds)
    return feats, seconds


def oversampled_scattering(S, images, oversampling=OVERSAMPLING, eps=KERNEL_LOG_EPS):
    r""":math:`\log(|S x| + \epsilon)` of uint8 ``(N, 32, 32, 3)`` images, sampled every
    :math:`2^J / o` pixels instead of every :math:`2^J` (``o = oversampling``).

    ``S`` is a :class:`scatkit.colour.ColourScattering` of the translation
    scattering; the same transform with ``Scattering2D(..., oversampling=log2(o))``
    computes it: its last averaging is sampled ``o`` times more densely per axis,
    as in Bruna & Mallat (2013) and Oyallon & Mallat (2015), who sample the last
    averaging more densely on small images.  The samples ``[..., ::o, ::o]`` are
    ``S``'s own (``o <= 2``).  (Before 2026-11-30 this interleaved the scatterings
    of the ``o**2`` circularly shifted images, four transforms instead of one;
    that construction wrapped the images around at their borders.)

    Returns
    -------
    ndarray of shape (N, 3, C, o M / 2^J, o N / 2^J), float32
    """
    from ..colour import to_channels_first

    T = _oversampled(S, oversampling)
    return np.log(np.abs(T(to_channels_first(images))) + eps).astype(np.float32)


def _oversampled(S, oversampling):
    """``S`` (translation ``ColourScattering``) sampled ``oversampling`` times more densely
    per axis (:func:`_colour_scattering`: built once per set of parameters)."""
    from ..transforms.base import check_int

    o = check_int("oversampling", oversampling, minimum=1)
    if o & (o - 1) or o > 2 ** S.J:
        raise ValueError(f"oversampling={o} must be a power of 2 dividing 2**J = {2 ** S.J}")
    if o == 1:
        return S
    return _colour_scattering(S.J, tuple(S.shape), S.L, S.colour, S.scattering.max_order,
                              S.scattering.oversampling + o.bit_length() - 1)


@functools.lru_cache(maxsize=4)
def _colour_scattering(J, shape, L, colour, max_order, oversampling):
    """A translation ``ColourScattering`` (filters and fold terms built on first use, then
    kept for the next batches)."""
    from ..colour import ColourScattering

    return ColourScattering(J, shape, L=L, colour=colour, max_order=max_order,
                            oversampling=oversampling)


def pca_basis(Z, n_components):
    r"""The first principal directions of the rows of ``Z`` (already centred),
    as the orthonormal columns of a ``(d, k)`` float32 matrix.

    Computed from the :math:`n \times n` Gram matrix, cheaper than the
    :math:`d \times d` covariance when :math:`n < d` (Sirovich's method of snapshots):
    :math:`Z Z^T = U \Lambda U^T` gives the directions :math:`Z^T U \Lambda^{-1/2}`.
    ``k`` is ``n_components`` or the numerical rank of ``Z``, whichever is smaller.

    References
    ----------
    L. Sirovich, "Turbulence and the dynamics of coherent structures, part I",
    Quarterly of Applied Mathematics 45(3):561-571, 1987.
    """
    from ..transforms.base import check_int

    k = check_int("n_components", n_components, minimum=1)
    Z = np.asarray(Z, dtype=np.float64)
    w, U = np.linalg.eigh(Z @ Z.T)
    w, U = w[::-1], U[:, ::-1]
    k = min(k, int(np.sum(w > w[0] * len(w) * np.finfo(np.float64).eps)))
    return (Z.T @ (U[:, :k] / np.sqrt(w[:k]))).astype(np.float32)


def image_and_mirror(fn, images, batch=SCAT_BATCH):
    """``fn`` of the uint8 ``(N, 32, 32, 3)`` images and of their mirror images (flipped
    left-right), in batches of ``batch``: a list of two arrays, each the batches'
    results concatenated."""
    return [np.concatenate([fn(x[i:i + batch]) for i in range(0, len(x), batch)])
            for x in (images, images[:, :, ::-1])]


def selection_split(n, n_fit=KERNEL_SELECT_FIT, n_val=KERNEL_SELECT_VAL, seed=0):
    """Indices of the training samples that fit (``fit``) and score (``val``) the
    kernel's candidate widths and penalties: the first ``n_fit`` and the next ``n_val``
    of ``default_rng(seed).permutation(n)``, with ``n_val`` at most ``n // 4`` and
    ``n_fit`` at most ``n - n_val``."""
    n_val = min(n_val, n // 4)
    n_fit = min(n_fit, n - n_val)
    perm = np.random.default_rng(seed).permutation(n)
    return perm[:n_fit], perm[n_fit:n_fit + n_val]


def selection_images(dataset, n_fit=KERNEL_SELECT_FIT, n_val=KERNEL_SELECT_VAL, seed=0):
    """The images and labels of ``dataset`` that choose the kernel's widths and
    penalties: those of :func:`selection_split`, the fitting ones first, then the
    validation ones (the ablation scripts' training set)."""
    idx = np.concatenate(selection_split(len(dataset.labels), n_fit, n_val, seed))
    return dataset.images[idx], dataset.labels[idx]


def best_choice(errors):
    """The ``(gamma_scale, alpha)`` pair of least error in ``errors`` (as
    :func:`scatkit.learn.kernel_ridge.validation_errors` returns them) and that error."""
    return min(errors.items(), key=lambda kv: kv[1])


def fit_projection(F, n_components=None, weights=None):
    r"""Standardise, weight and project, fitted on the rows of ``F``.

    Returns ``mean``, ``scale`` and ``P`` such that :math:`((x - \mathrm{mean})
    \cdot \mathrm{scale})\, P` is a feature vector ``x`` standardised with the mean
    and standard deviation of ``F``'s rows (constant features are centred only),
    multiplied by ``weights`` (default: none) and projected on the first
    ``n_components`` principal directions of the rows so transformed
    (:func:`pca_basis`; ``n_components=None``: no projection, ``P`` is None).
    The statistics are computed in float64 and returned in float32.
    """
    mean, std = F.mean(0, dtype=np.float64), F.std(0, dtype=np.float64)
    std[std == 0] = 1.0
    scale = (1.0 if weights is None else np.asarray(weights, dtype=np.float64)) / std
    P = None if n_components is None else pca_basis((F - mean) * scale, n_components)
    return mean.astype(np.float32), scale.astype(np.float32), P


def feature_weights(order, n_positions, low_order_weight=1.0, chroma_weight=1.0):
    """Weight of each flattened feature of a YUV colour scattering laid out as
    ``(3, n_paths, *positions)`` (:func:`oversampled_scattering`'s output for one
    image): ``low_order_weight`` for the paths of orders 0 and 1, times
    ``chroma_weight`` for the U and V channels.

    Standardised, every feature has unit variance, so each group weighs in the
    Euclidean distances of a Gaussian kernel by its number of features: order 2 has
    far more paths than orders 0 and 1 together (192 against 25 per colour channel
    and position at J = 3, L = 8), and the two chrominance channels twice as many
    features as the luminance.  The weights change those shares (chosen on training
    images, ``scripts/cifar10_mirror_ablation.py``).

    Parameters
    ----------
    order : array of int, shape (n_paths,)
        The order of each path (``meta()["order"]``).
    n_positions : int
        Spatial samples per path and channel.

    Returns
    -------
    ndarray of shape (3 * n_paths * n_positions,), float64
    """
    for name, value in (("low_order_weight", low_order_weight),
                        ("chroma_weight", chroma_weight)):
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number, got {value!r}")
    order = np.asarray(order)
    w = np.where(order <= 1, float(low_order_weight), 1.0)[None, :] \
        * np.array([1.0, chroma_weight, chroma_weight])[:, None]
    return np.repeat(w.ravel(), int(n_positions))


def mirror_view_features(ctx, name, train_images, test_images, J, L, seed=0,
                         n_components=KERNEL_PCA, n_pca_fit=KERNEL_PCA_FIT,
                         oversampling=OVERSAMPLING, eps=KERNEL_LOG_EPS, extra_J=(),
                         low_order_weight=KERNEL_LOW_ORDER_WEIGHT,
                         chroma_weight=KERNEL_CHROMA_WEIGHT):
    """Features of ``scat_kernel_mirror``: for each image and its mirror image,
    :func:`oversampled_scattering` (YUV), standardised, weighted
    (:func:`feature_weights`: ``low_order_weight`` for orders 0 and 1,
    ``chroma_weight`` for U and V), and projected on its first ``n_components``
    principal directions; rows ``[image, mirror image]``.

    ``extra_J``: averaging scales whose log scattering (YUV, same ``L`` and ``eps``,
    sampled every :math:`2^{J'}` pixels) is concatenated to the oversampled ``J``
    features before the standardisation (default: none).

    The means, standard deviations and principal directions come from ``n_pca_fit``
    random training images (seeded by ``seed``), never from test images; the
    images are then processed in batches of ``SCAT_BATCH`` (the full oversampled
    features, 4 times those of ``scat_train``, are never held at once).  Cached
    as ``cache/<name>_train.npz`` and ``_test.npz`` with the parameters; a cache
    made with other parameters or other image counts is recomputed.

    Returns
    -------
    train, test : ndarray of shape (N, 2 * k), float32
    seconds : float
        Wall-clock seconds of the computation (0 when read from the cache).
    """
    # ``transform_oversampling``: computed by the transform's own oversampling (caches
    # made with the earlier shifted-image construction lack the key: recomputed)
    extra_J = tuple(sorted(set(int(j) for j in extra_J)))
    config = dict(J=J, L=L, seed=seed, n_components=n_components, n_pca_fit=n_pca_fit,
                  oversampling=oversampling, eps=eps, transform_oversampling=1,
                  extra_J=sum(2**j for j in extra_J),  # a number: the scales as bits
                  low_order_weight=low_order_weight, chroma_weight=chroma_weight)
    paths = [ctx.path("cache") / f"{name}_{split}.npz" for split in ("train", "test")]
    if all(p.is_file() for p in paths):
        out = []
        for p in paths:
            with np.load(p) as z:
                same = all(k in z and float(z[k]) == float(v) for k, v in config.items())
                out.append(z["features"] if same else None)
        if (all(a is not None for a in out)
                and [len(a) for a in out] == [len(train_images), len(test_images)]):
            return out[0], out[1], 0.0
    start = time.perf_counter()
    S, *extras = (_colour_scattering(j, (SIDE, SIDE), L, "yuv", 2, 0) for j in (J, *extra_J))

    def flat(images):
        parts = [oversampled_scattering(S, images, oversampling, eps)]
        parts += [oversampled_scattering(T, images, 1, eps) for T in extras]
        return np.concatenate([F.reshape(len(F), -1) for F in parts], axis=1)

    # bad weights fail here, before any scattering
    weights = np.concatenate([
        feature_weights(T.meta()["order"], ((oversampling if k == 0 else 1) * SIDE >> T.J) ** 2,
                        low_order_weight, chroma_weight)
        for k, T in enumerate((S, *extras))])
    fit = np.random.default_rng(seed).permutation(len(train_images))[:n_pca_fit]
    F = np.concatenate([flat(train_images[fit[i:i + SCAT_BATCH]])
                        for i in ctx.tqdm(range(0, len(fit), SCAT_BATCH), desc=f"{name} PCA")])
    mean, scale, P = fit_projection(F, n_components, weights)
    del F
    out = []
    for p, images in zip(paths, (train_images, test_images)):
        views = np.empty((len(images), 2, P.shape[1]), dtype=np.float32)
        for i in ctx.tqdm(range(0, len(images), SCAT_BATCH), desc=p.stem):
            batch = images[i:i + SCAT_BATCH]
            for v, x in enumerate((batch, batch[:, :, ::-1])):  # the image, its mirror
                views[i:i + len(batch), v] = ((flat(x) - mean) * scale) @ P
        views = views.reshape(len(images), -1)
        p.parent.mkdir(parents=True, exist_ok=True)
        np.savez(p, features=views, **config)
        out.append(views)
    return out[0], out[1], time.perf_counter() - start


# -- classifiers ------------------------------------------------------------------
def linear_error(Xtr, ytr, Xte, yte, kernel_components=None, seed=0):
    r"""% test error of a standardised ridge (one-vs-all least-squares) classifier, or of
    Nyström (Gaussian kernel, :math:`\gamma = 1/d`) + linear SVM; and the fit seconds.

    A ridge classifier is solved in closed form, much faster on this CPU than an
    iterative logistic regression on ~10^4 features.
    """
    from sklearn.kernel_approximation import Nystroem
    from sklearn.linear_model import RidgeClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    Xtr, Xte = Xtr.reshape(len(Xtr), -1), Xte.reshape(len(Xte), -1)
    if kernel_components is None:
        clf = make_pipeline(StandardScaler(),
                            RidgeClassifier(alpha=RIDGE_ALPHA_PER_FEATURE * Xtr.shape[1]))
    else:
        n = min(kernel_components, len(Xtr))
        clf = make_pipeline(StandardScaler(),
                            Nystroem(gamma=1.0 / Xtr.shape[1], n_components=n, random_state=seed),
                            LinearSVC(C=SVM_C))
    start = time.perf_counter()
    clf.fit(Xtr, ytr)
    seconds = time.perf_counter() - start
    return 100.0 * float(np.mean(clf.predict(Xte) != yte)), seconds


def kernel_ridge_error(Xtr, ytr, Xte, yte, n_fit=KERNEL_SELECT_FIT, n_val=KERNEL_SELECT_VAL,
                       seed=0, progress=None, gamma_scales=KERNEL_GAMMA_SCALES,
                       alphas=KERNEL_ALPHAS, n_views=1, standardise=True):
    """% test error of an exact Gaussian-kernel ridge classifier on standardised
    features; its chosen width and penalty; the fit seconds.

    The width factor (of the median heuristic, ``gamma_scales``, default
    :data:`KERNEL_GAMMA_SCALES`) and the penalty (``alphas``, default
    :data:`KERNEL_ALPHAS`) are chosen by the error on ``n_val`` training
    images of a classifier fitted on ``n_fit`` others (the test images play no
    part; :func:`scatkit.learn.kernel_ridge.validation_errors`), then the
    classifier is refitted on all of ``Xtr``.  Memory: the kernel,
    ``4 len(Xtr)**2`` bytes (10 GB for 50,000 images).  ``n_views``: rows hold
    that many views of each image (the classifier's ``n_views``);
    ``standardise=False`` takes the features as they are (e.g. principal
    components, whose variances must not be equalised).
    """
    from ..learn import GaussianKernelRidgeClassifier, standardize
    from ..learn.kernel_ridge import validation_errors

    start = time.perf_counter()
    Xtr, Xte = Xtr.reshape(len(Xtr), -1), Xte.reshape(len(Xte), -1)
    if standardise:
        Xtr, Xte = standardize(Xtr, Xte)
    Ztr, Zte = (a.astype(np.float32, copy=False) for a in (Xtr, Xte))
    fit, val = selection_split(len(Ztr), n_fit, n_val, seed)
    scores = validation_errors(Ztr[fit], ytr[fit], Ztr[val], ytr[val], gamma_scales, alphas,
                               n_views=n_views, progress=progress)
    (g, a), val_err = best_choice(scores)
    clf = GaussianKernelRidgeClassifier(alpha=a, gamma_scale=g, n_views=n_views).fit(Ztr, ytr)
    err = 100.0 * float(np.mean(clf.predict(Zte) != yte))
    chosen = {"gamma_scale": g, "alpha": a, "gamma": clf.gamma_,
              "validation_error_pct": val_err, "n_select_fit": len(fit),
              "n_select_val": len(val)}
    return err, chosen, time.perf_counter() - start


def small_cnn(in_channels: int, n_classes: int = 10, width: int = CNN_WIDTH, stem: bool = False):
    """The CNN on 8 x 8 maps: [conv3x3-BN-ReLU] x 2, avg-pool 2, conv3x3-BN-ReLU, global pool, linear.

    ``stem=True`` prepends two stride-2 conv3x3-BN-ReLU layers mapping 32 x 32
    pixels to 8 x 8 maps (the pixel baseline); otherwise the input is
    batch-normalised (scattering channels have very different scales).
    """
    from torch import nn

    def block(cin, cout, stride=1):
        return [nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
                nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

    head = [nn.BatchNorm2d(in_channels)] if not stem else \
        block(in_channels, width // 2, 2) + block(width // 2, width, 2)
    c0 = in_channels if not stem else width
    layers = head + block(c0, width) + block(width, width) + [nn.AvgPool2d(2)] \
        + block(width, width) + [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, n_classes)]
    return nn.Sequential(*layers)


def train_cnn(Xtr, ytr, Xte, yte, epochs, seed, stem, Xtr_flip=None, progress=None,
              device="cpu"):
    """Train :func:`small_cnn` (SGD, cosine schedule); returns (% test error, seconds).

    ``Xtr_flip``: inputs of the horizontally flipped training images; each
    epoch draws, per sample, the original or the flipped one (augmentation).
    ``device``: where the network and the training data live (``"cpu"``,
    ``"cuda"``); the seconds are wall-clock, up to a synchronisation of the
    device, data transfer to the device excluded.
    """
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    Xtr = torch.from_numpy(np.ascontiguousarray(Xtr, dtype=np.float32)).to(device)
    Xfl = None if Xtr_flip is None else torch.from_numpy(
        np.ascontiguousarray(Xtr_flip, dtype=np.float32)).to(device)
    ytr_t = torch.from_numpy(np.asarray(ytr, dtype=np.int64)).to(device)
    net = small_cnn(Xtr.shape[1], stem=stem).to(device)
    opt = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY,
                          nesterov=True)
    steps = epochs * int(np.ceil(len(Xtr) / BATCH))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(steps, 1))
    start = time.perf_counter()
    epochs_iter = range(epochs) if progress is None else progress(range(epochs), desc="epochs")
    for _ in epochs_iter:
        net.train()
        order = torch.from_numpy(rng.permutation(len(Xtr))).to(device)
        flips = None if Xfl is None else torch.from_numpy(rng.random(len(Xtr)) < 0.5).to(device)
        for i in range(0, len(Xtr), BATCH):
            idx = order[i:i + BATCH]
            xb = Xtr[idx]
            if Xfl is not None:
                xb = torch.where(flips[i:i + BATCH, None, None, None], Xfl[idx], xb)
            loss = torch.nn.functional.cross_entropy(net(xb), ytr_t[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    if str(device).startswith("cuda"):
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - start
    net.eval()
    with torch.no_grad():
        Xte_t = torch.from_numpy(np.ascontiguousarray(Xte, dtype=np.float32))
        pred = torch.cat([net(Xte_t[i:i + 1024].to(device)).argmax(1).cpu()
                          for i in range(0, len(Xte_t), 1024)])
    return 100.0 * float(np.mean(pred.numpy() != np.asarray(yte))), seconds


def per_class_draw(labels, n_per_class, rng):
    """Indices of ``n_per_class`` random images of each class."""
    return np.concatenate([rng.choice(np.flatnonzero(labels == c), n_per_class, replace=False)
                           for c in np.unique(labels)])


def _pixels(images):
    from ..colour import to_channels_first

    x = to_channels_first(images)
    return (x - x.mean(axis=(0, 2, 3), keepdims=True)) / x.std(axis=(0, 2, 3), keepdims=True)


# -- the experiment ---------------------------------------------------------------
def run(ctx):
    from ..datasets import load_cifar10

    cfg = SETTINGS[bool(ctx.quick)]
    cache = ctx.path("cache")
    train = load_cifar10(split="train", max_per_class=cfg["train_per_class"], cache_dir=cache,
                         progress=ctx.progress)
    test = load_cifar10(split="test", max_per_class=cfg["test_per_class"], cache_dir=cache,
                        progress=ctx.progress)
    ntr = len(train)
    device = default_device()
    ctx.config.update(cfg, n_train=ntr, device=device, n_test=len(test), J_unsupervised=J_UNSUP,
                      J_hybrid=J_HYBRID, L_translation=L_TRANSLATION, colour="yuv",
                      log_eps=LOG_EPS, ridge_alpha_per_feature=RIDGE_ALPHA_PER_FEATURE, svm_C=SVM_C, cnn_width=CNN_WIDTH,
                      batch=BATCH, lr=LR, weight_decay=WEIGHT_DECAY, augmentation="hflip",
                      data="cifar10_jpg.tar (JPEG re-encodings of the official batches)")
    ytr, yte = train.labels, test.labels
    rows = []

    # unsupervised: translation scattering, linear and kernel approximation
    Ftr, s_tr = scattering_features(ctx, "scat_train", train.images, J_UNSUP, L_TRANSLATION,
                                   device=device)
    Fte, _ = scattering_features(ctx, "scat_test", test.images, J_UNSUP, L_TRANSLATION,
                                 device=device)
    ctx.metric("seconds/features/scat_train", s_tr)
    for name, comps in (("scat_linear", None), ("scat_nystroem", cfg["nystroem"])):
        err, sec = linear_error(Ftr, ytr, Fte, yte, comps, ctx.seed)
        ctx.metric(f"test_error_pct/{name}/n{ntr}", err)
        ctx.metric(f"train_seconds/{name}/n{ntr}", sec)
        rows.append([name, f"J={J_UNSUP}, L={L_TRANSLATION}, YUV", ntr, f"{err:.2f}", f"{sec:.0f}"])
    err, chosen, sec = kernel_ridge_error(Ftr, ytr, Fte, yte, seed=ctx.seed, progress=ctx.tqdm)
    ctx.metric(f"test_error_pct/scat_kernel/n{ntr}", err)
    ctx.metric(f"train_seconds/scat_kernel/n{ntr}", sec)
    ctx.config.update(scat_kernel=chosen)
    rows.append(["scat_kernel", f"J={J_UNSUP}, L={L_TRANSLATION}, YUV, Gaussian kernel "
                 f"(gamma x{chosen['gamma_scale']:g}, alpha {chosen['alpha']:g})", ntr,
                 f"{err:.2f}", f"{sec:.0f}"])

    # the same, oversampled, projected, with a kernel invariant to horizontal flips
    Mtr, Mte, s_m = mirror_view_features(ctx, "scat_mirror", train.images, test.images, J_UNSUP,
                                         L_TRANSLATION, seed=ctx.seed,
                                         n_components=cfg["kernel_pca"])
    ctx.metric("seconds/features/scat_mirror", s_m)
    err, chosen, sec = kernel_ridge_error(Mtr, ytr, Mte, yte, seed=ctx.seed, progress=ctx.tqdm,
                                          gamma_scales=MIRROR_GAMMA_SCALES, alphas=MIRROR_ALPHAS,
                                          n_views=2, standardise=False)
    ctx.metric(f"test_error_pct/scat_kernel_mirror/n{ntr}", err)
    ctx.metric(f"train_seconds/scat_kernel_mirror/n{ntr}", sec)
    ctx.config.update(scat_kernel_mirror=dict(chosen, oversampling=OVERSAMPLING,
                                              log_eps=KERNEL_LOG_EPS, pca=cfg["kernel_pca"],
                                              pca_fit=KERNEL_PCA_FIT,
                                              low_order_weight=KERNEL_LOW_ORDER_WEIGHT,
                                              chroma_weight=KERNEL_CHROMA_WEIGHT))
    rows.append(["scat_kernel_mirror", f"J={J_UNSUP}, L={L_TRANSLATION}, YUV, oversampled "
                 f"x{OVERSAMPLING}, orders 0-1 x{KERNEL_LOW_ORDER_WEIGHT:g}, UV "
                 f"x{KERNEL_CHROMA_WEIGHT:g}, PCA {Mtr.shape[1] // 2}, Gaussian kernel over "
                 f"image + mirror (gamma x{chosen['gamma_scale']:g}, alpha {chosen['alpha']:g})", ntr,
                 f"{err:.2f}", f"{sec:.0f}"])

    # unsupervised: roto-translation scattering on a per-class subset
    sub = per_class_draw(ytr, cfg["rigid_per_class"], ctx.rng(1))
    Rtr, _ = scattering_features(ctx, "rigid_train", train.images[sub], J_UNSUP, cfg["L_rigid"],
                                 transform="rigid_motion", device=device)
    Rte, _ = scattering_features(ctx, "rigid_test", test.images, J_UNSUP, cfg["L_rigid"],
                                 transform="rigid_motion", device=device)
    err, sec = linear_error(Rtr, ytr[sub], Rte, yte)
    ctx.metric(f"test_error_pct/rigid_linear/n{len(sub)}", err)
    rows.append(["rigid_linear", f"J={J_UNSUP}, L={cfg['L_rigid']}, YUV", len(sub), f"{err:.2f}",
                 f"{sec:.0f}"])

    # hybrid and pixel CNNs on the whole training set
    Htr, _ = scattering_features(ctx, "hyb_train", train.images, J_HYBRID, L_TRANSLATION,
                                 device=device)
    Hfl, _ = scattering_features(ctx, "hyb_train_flip", train.images[:, :, ::-1], J_HYBRID,
                                 L_TRANSLATION, device=device)
    Hte, _ = scattering_features(ctx, "hyb_test", test.images, J_HYBRID, L_TRANSLATION,
                                 device=device)
    flat = (lambda F: F.reshape(len(F), -1, *F.shape[-2:]))
    Htr, Hfl, Hte = flat(Htr), flat(Hfl), flat(Hte)
    Ptr, Pte = _pixels(train.images), _pixels(test.images)
    Pfl = Ptr[..., ::-1]
    for name, (a, b, c, stem) in {"hybrid_cnn": (Htr, Hfl, Hte, False),
                                  "pixel_cnn": (Ptr, Pfl, Pte, True)}.items():
        err, sec = train_cnn(a, ytr, c, yte, cfg["epochs"], ctx.seed, stem, b, ctx.tqdm,
                             device=device)
        ctx.metric(f"test_error_pct/{name}/n{ntr}", err)
        ctx.metric(f"train_seconds/{name}/n{ntr}", sec)
        rows.append([name, f"{cfg['epochs']} epochs, hflip", ntr, f"{err:.2f}", f"{sec:.0f}"])

    # few samples: scattering (linear, kernel, hybrid) vs pixels, mean ± std over draws
    few = {}
    for n in cfg["few_per_class"]:
        errs = {name: [] for name in FEW_PIPELINES}
        for d in ctx.tqdm(range(cfg["draws"]), desc=f"{n}/class"):
            idx = per_class_draw(ytr, n, ctx.rng(100 + d))
            errs["scat_linear"].append(linear_error(Ftr[idx], ytr[idx], Fte, yte)[0])
            errs["scat_kernel"].append(kernel_ridge_error(Ftr[idx], ytr[idx], Fte, yte, seed=d)[0])
            errs["hybrid_cnn"].append(train_cnn(Htr[idx], ytr[idx], Hte, yte, cfg["epochs"], d,
                                                False, Hfl[idx], device=device)[0])
            errs["pixel_cnn"].append(train_cnn(Ptr[idx], ytr[idx], Pte, yte, cfg["epochs"], d,
                                               True, Pfl[idx], device=device)[0])
        for name, e in errs.items():
            key = f"test_error_pct/{name}/n{10 * n}"
            ctx.metric(key + "/mean", np.mean(e))
            ctx.metric(key + "/std", np.std(e))
            few[(name, n)] = (np.mean(e), np.std(e))
    ctx.table("cifar10", ["pipeline", "setting", "train images", "test error %", "train s"], rows,
              caption="Our runs (scatkit experiment cifar10); paper figures in the next table.")
    ctx.table("cifar10_paper", ["method", "paper test error %"],
              [["seed slide: scattering + unsupervised", PAPER["seed_scat_unsupervised"]],
               ["seed slide: deep network", PAPER["seed_deep_net"]],
               ["Oyallon & Mallat 2015: roto-translation scattering",
                PAPER["oyallon_mallat_2015_roto_translation"]]],
              caption="Published numbers (full 50,000-image training set).")
    ctx.table("cifar10_few", ["pipeline", *[f"{n}/class" for n in cfg["few_per_class"]]],
              [[name, *[f"{few[(name, n)][0]:.2f} ± {few[(name, n)][1]:.2f}"
                        for n in cfg["few_per_class"]]]
               for name in FEW_PIPELINES],
              caption=f"% test error, mean ± std over {cfg['draws']} draws.")
    _figure(ctx, cfg, few)


def _figure(ctx, cfg, few):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ns = np.array(cfg["few_per_class"]) * 10
    for name in FEW_PIPELINES:
        m = np.array([few[(name, n)][0] for n in cfg["few_per_class"]])
        s = np.array([few[(name, n)][1] for n in cfg["few_per_class"]])
        ax.errorbar(ns, m, yerr=s, marker="o", capsize=3, label=name)
    ax.set_xscale("log")
    ax.set_xlabel("training images")
    ax.set_ylabel("test error (%)")
    ax.legend()
    ax.set_title("CIFAR-10: scattering vs pixels")
    ctx.figure("error_vs_train_size.png", fig)
