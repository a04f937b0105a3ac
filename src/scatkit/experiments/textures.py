r"""Texture classification on KTH-TIPS with translation and rigid-motion scattering.

Reproduces the KTH-TIPS table of Sifre & Mallat, "Rotation, scaling and
deformation invariant scattering for texture discrimination", CVPR 2013
(figures in ``PAPERS.md``): accuracy of the affine PCA classifier of Bruna &
Mallat (:class:`scatkit.learn.AffinePCAClassifierCV`, dimension chosen by
cross-validation on the training set) with 5, 20 and 40 training images per
class, mean ± standard deviation over random splits, for

- ``fourier``: the log power spectrum averaged in radial x angular bins;
- ``translation``: :class:`~scatkit.Scattering2D` (J = 4, L = 8), averaged over
  the image;
- ``rigid_motion``: :class:`~scatkit.RigidMotionScattering2D` (J = 4, L = 8),
  averaged over the image and the angle;
- ``rigid_motion_log``: + the log non-linearity; ``rigid_motion_log_scale``: +
  averaging over the wavelet scale :math:`j_1` (the transform's
  ``scale_average=True``); ``rigid_motion_log_dilations``: + averaging the log
  coefficients over dilations of the image instead (:func:`dilation_average`:
  the image shrunk by :math:`2^{-i/2}`, :math:`i < 4`, a 1.5-octave window of
  scales with half-octave steps, so the absolute scale is only partly averaged
  out);
- ``translation_log``: translation scattering + log (no paper figure; shows what
  the log alone brings);
- ``rigid_motion_lognorm``: + log with the second order renormalised by its
  parent first order (the transform's ``normalize=True``: a difference of
  logs; Bruna's thesis, 2012); ``rigid_motion_lognorm_dilations``: its average
  over dilations of the image, with the window of dilations (1 to 4 factors of
  :data:`DILATIONS`) chosen on each split by the same 5-fold cross-validation on
  the training images that picks the classifier's dimension
  (:func:`classify_select`).

Order 0 (the local mean) is left out of every scattering feature: images are
normalised to zero mean and unit variance (illumination), so it is noise.
The 63 images smaller than 200 x 200 are centre-cropped / mirror-padded to
200 x 200 (:func:`scatkit.datasets.kth_tips.load_kth_tips`).

**Rotation test.**  30 random images per class are also rotated, each by a
uniform random angle (bicubic interpolation about the image centre).  The classifiers are trained on
unrotated images and tested on rotated ones; both sides use coefficients averaged
over the disc where the rotated image has no filled-in corners (an unrotated
test on the same disc is the reference).  **Invariance table:** relative change
:math:`\|Sx' - Sx\| / \|Sx\|` of the image-averaged coefficients under quarter
turns (``np.rot90`` about the image centre with reflection padding; about the
pixel (0, 0) with periodic boundaries on 192 x 192 crops, where rigid-motion
scattering is exactly invariant) and under the random rotations (disc averages).

Scattering coefficients are computed once per image and cached in
``OUT/textures/cache_*.npz`` (keyed by the parameters); the splits reuse them.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from ..datasets.kth_tips import load_kth_tips

#: Sifre & Mallat (CVPR 2013), KTH-TIPS accuracy %, (mean, std) per training size (PAPERS.md)
PAPER = {
    "translation": {5: (69.1, 3.5), 20: (94.8, 1.3), 40: (98.0, 0.8)},
    "rigid_motion": {5: (69.5, 3.6), 20: (94.9, 1.4), 40: (98.3, 0.9)},
    "rigid_motion_log": {5: (76.2, 3.3), 20: (96.0, 1.1), 40: (98.8, 0.7)},
    "rigid_motion_log_scale": {5: (77.8, 3.6), 20: (97.4, 1.0), 40: (99.2, 0.6)},
}
# each of our scale-averaging variants stands next to the paper's "+ scale averaging" row,
# the renormalised log next to its "+ log" row
PAPER["rigid_motion_log_dilations"] = PAPER["rigid_motion_log_scale"]
PAPER["rigid_motion_lognorm"] = PAPER["rigid_motion_log"]
PAPER["rigid_motion_lognorm_dilations"] = PAPER["rigid_motion_log_scale"]
#: row labels of the table
LABELS = {
    "fourier": "Fourier power spectrum",
    "translation": "translation scattering",
    "translation_log": "translation scattering + log",
    "rigid_motion": "roto-translation scattering",
    "rigid_motion_log": "+ log",
    "rigid_motion_log_scale": "+ scale averaging (over j1)",
    "rigid_motion_log_dilations": "+ scale averaging (over dilations of the image)",
    "rigid_motion_lognorm": "+ log, second order renormalised",
    "rigid_motion_lognorm_dilations": "+ renormalised log, averaged over dilations (window by CV)",
}

#: full-run settings
FULL = dict(J=4, L=8, size=200, n_train=(5, 20, 40), n_splits=50, classes=None,
            per_class=None, rotated_per_class=30, batch_size=8)
#: --quick settings: three classes, ten images each, small crops
QUICK = dict(J=3, L=4, size=64, n_train=(5,), n_splits=3, classes=3, per_class=10,
             rotated_per_class=10, batch_size=16)
#: batches between two saves of a partial feature cache (a killed run resumes)
CACHE_EVERY = 10

#: candidate affine-space dimensions for the cross-validated PCA classifier
PCA_DIMS = (0, 1, 2, 3, 4, 5, 8, 10, 15, 20, 25, 30, 39)
#: folds of the inner cross-validation that picks the dimension
CV_FOLDS = 5
#: radial and angular bins of the Fourier power-spectrum feature
FOURIER_BINS = (32, 8)
#: margin (pixels) between the averaging disc and the edge of the rotated image:
#: about three widths of the coarsest wavelet (0.8 * 2**(J-1) pixels)
DISC_MARGIN_WIDTHS = 3.0
#: side of the crops used for the exact (periodic) quarter-turn check
PERIODIC_SIDE = 192
#: images per class in the invariance table
INVARIANCE_PER_CLASS = 2
#: offset inside the log non-linearity
LOG_EPS = 1e-6
#: factors by which the images are shrunk for ``rigid_motion_log_dilations``
#: (:math:`2^{-i/2}`, :math:`i = 0..3`: 200 -> 141, 100, 71 pixels)
DILATIONS = (1.0, 2.0**-0.5, 0.5, 2.0**-1.5)


# -- features ---------------------------------------------------------------------
def standardise_images(images: np.ndarray) -> np.ndarray:
    """Zero mean, unit variance per image (invariance to affine grey-level changes)."""
    x = images - images.mean(axis=(-2, -1), keepdims=True)
    return (x / x.std(axis=(-2, -1), keepdims=True)).astype(np.float32)


def dilate_images(images: np.ndarray, factor: float) -> np.ndarray:
    """Images resampled by ``factor`` (bicubic; < 1 shrinks), then standardised."""
    if factor == 1.0:
        return images
    side = int(round(images.shape[-1] * factor))
    if not factor > 0 or side < 2:
        raise ValueError(f"dilation factor {factor} leaves {side} pixel(s) of {images.shape[-1]}; "
                         "use a factor > 0 that keeps at least 2 pixels")
    from scipy.ndimage import zoom

    return standardise_images(np.stack([zoom(x, side / x.shape[-1], order=3) for x in images]))


def dilation_average(log_features: list[np.ndarray]) -> np.ndarray:
    r"""Average over dilations of log scattering vectors, one array ``(N, C)`` per
    dilation factor: :math:`\frac{1}{I}\sum_i \log S(x_{2^{-i/2}})`, with
    :math:`x_s(u) = x(u / s)` resampled.  A dilation of the image by a factor in
    the window moves the terms of the sum along it; only the ends change, so
    the average varies less with scale than any single term.
    """
    return np.mean(np.stack(log_features), axis=0)


def power_spectrum_features(images: np.ndarray, bins=FOURIER_BINS) -> np.ndarray:
    r"""Log power spectrum :math:`\log\overline{|\hat x(\omega)|^2}` averaged in
    ``bins = (radial, angular)`` bins of :math:`|\omega| \in (0, \pi]`,
    :math:`\arg\omega \in [0, \pi)` (a real image's spectrum is symmetric)."""
    n_r, n_a = bins
    M, N = images.shape[-2:]
    power = np.abs(np.fft.fft2(images)) ** 2 / (M * N)
    fy, fx = np.meshgrid(np.fft.fftfreq(M), np.fft.fftfreq(N), indexing="ij")
    radius = np.hypot(fy, fx) / 0.5
    angle = np.mod(np.arctan2(fy, fx), np.pi)
    r_bin = np.minimum((radius * n_r).astype(int), n_r)  # n_r: outside the disc
    a_bin = np.minimum((angle / np.pi * n_a).astype(int), n_a - 1)
    keep = (radius > 0) & (r_bin < n_r)
    label = (r_bin * n_a + a_bin)[keep]
    counts = np.bincount(label, minlength=n_r * n_a)
    flat = power.reshape(len(images), -1)[:, keep.ravel()]
    sums = np.stack([np.bincount(label, weights=p, minlength=n_r * n_a) for p in flat])
    return np.log(sums / np.maximum(counts, 1) + LOG_EPS)


def output_positions(transform, axis: int) -> np.ndarray:
    """Pixel coordinates (in the input image) of the samples of a local output."""
    J = transform.J
    pad = transform.pads[axis][0]
    crop = 1 if getattr(transform, "padding", "reflect") == "reflect" else 0
    n_out = transform.output_shape()[1 + axis]
    return (np.arange(n_out) + crop) * 2**J - pad


def disc_mask(transform, size: int) -> np.ndarray:
    """Output samples whose averaging window stays inside the disc that a rotated
    ``size x size`` image keeps (radius ``size/2`` minus a margin)."""
    centre = (size - 1) / 2
    radius = size / 2 - DISC_MARGIN_WIDTHS * 0.8 * 2 ** transform.J
    rows = output_positions(transform, 0) - centre
    cols = output_positions(transform, 1) - centre
    mask = np.hypot(rows[:, None], cols[None, :]) <= radius
    if not mask.any():
        raise ValueError(f"no output sample inside the disc of radius {radius:.1f}; "
                         "use larger images or a smaller J")
    return mask


def rotate_images(images: np.ndarray, angles_deg: np.ndarray) -> np.ndarray:
    """Rotate each image about its centre (bicubic, mirror at the border)."""
    from scipy.ndimage import rotate

    return np.stack([rotate(x, a, reshape=False, order=3, mode="mirror")
                     for x, a in zip(images, angles_deg)]).astype(np.float32)


def scattering_averages(ctx, transform, images, mask, batch_size: int, tag: str):
    """Image-averaged and disc-averaged coefficients ``(N, C)`` each, cached on disk."""
    key = hashlib.sha1(json.dumps({
        "cls": type(transform).__name__, "J": transform.J, "L": transform.L,
        "shape": transform.shape, "tag": tag, "n": len(images),
        "checksum": float(np.round(np.abs(images).sum(dtype=np.float64), 3)),
    }).encode()).hexdigest()[:12]
    path = ctx.path(f"cache_{tag}_{key}.npz")
    partial = ctx.path(f"cache_{tag}_{key}.partial.npz")
    if path.exists():
        with np.load(path) as d:
            return d["full"], d["disc"]
    full, disc = [], []
    if partial.exists():  # resume an interrupted computation
        with np.load(partial) as d:
            full, disc = [d["full"]], [d["disc"]]
    done = sum(len(f) for f in full)
    w = mask.astype(np.float32) / mask.sum()
    starts = list(range(done, len(images), batch_size))
    for i, start in enumerate(ctx.tqdm(starts, desc=tag)):
        maps = transform(images[start:start + batch_size])
        full.append(maps.mean(axis=(-2, -1)))
        disc.append((maps * w).sum(axis=(-2, -1)))
        if (i + 1) % CACHE_EVERY == 0:
            np.savez(partial, full=np.concatenate(full), disc=np.concatenate(disc))
    full, disc = np.concatenate(full), np.concatenate(disc)
    np.savez(path, full=full, disc=disc)
    partial.unlink(missing_ok=True)
    return full, disc


# -- classification ---------------------------------------------------------------
def random_splits(labels: np.ndarray, n_train: int, n_splits: int, rng) -> list:
    """``n_splits`` random (train, test) index pairs with ``n_train`` images per class."""
    classes = np.unique(labels)
    splits = []
    for _ in range(n_splits):
        train = np.concatenate([rng.choice(np.flatnonzero(labels == c), n_train, replace=False)
                                for c in classes])
        test = np.setdiff1d(np.arange(len(labels)), train)
        splits.append((np.sort(train), test))
    return splits


def fit_classifier(X, y):
    """The affine PCA classifier, its dimension picked by cross-validation on ``(X, y)``."""
    from ..learn import AffinePCAClassifierCV

    n_per_class = np.bincount(y).max()
    dims = [d for d in PCA_DIMS if d < n_per_class]
    return AffinePCAClassifierCV(n_components=dims, cv=min(CV_FOLDS, n_per_class)).fit(X, y)


def accuracy(clf, X, y) -> float:
    """Accuracy in percent."""
    return 100.0 * float((clf.predict(X) == y).mean())


def classify(features, labels, train, test) -> float:
    """Accuracy (%) of the cross-validated affine PCA classifier on one split."""
    clf = fit_classifier(features[train], labels[train])
    return accuracy(clf, features[test], labels[test])


def classify_select(candidates, labels, train, test) -> tuple[float, int]:
    """Accuracy (%) on one split of the best of several feature sets, and its index.

    Each candidate ``(N, C_i)`` gets its cross-validated classifier on the
    training images (:func:`fit_classifier`); the one with the best
    cross-validation score (ties: the earlier candidate) is tested.  The test
    images play no part in the choice.
    """
    fits = [fit_classifier(X[train], labels[train]) for X in candidates]
    best = max(range(len(fits)), key=lambda i: (fits[i].best_score_, -i))
    return accuracy(fits[best], candidates[best][test], labels[test]), best


# -- the experiment -----------------------------------------------------------------
def _load(ctx, cfg):
    data = load_kth_tips(size=FULL["size"])
    images, labels = data.images, data.labels
    if cfg["classes"] is not None:  # quick: a few classes, a few images, small crops
        keep = np.concatenate([np.flatnonzero(labels == c)[:cfg["per_class"]]
                               for c in range(cfg["classes"])])
        lo = (FULL["size"] - cfg["size"]) // 2
        images = images[keep][:, lo:lo + cfg["size"], lo:lo + cfg["size"]]
        labels = labels[keep]
    ctx.config.update(n_images=len(labels), n_classes=len(np.unique(labels)),
                      n_fitted_to_200=int(data.fitted.sum()) if cfg["classes"] is None else 0,
                      classes=data.classes[: len(np.unique(labels))])
    return standardise_images(images), labels


def _feature_sets(ctx, cfg, images, rotated):
    """Every feature set, for unrotated images (full and disc averages) and rotated ones."""
    from .. import RigidMotionScattering2D, Scattering2D

    J, L, size, bs = cfg["J"], cfg["L"], cfg["size"], cfg["batch_size"]
    ts = Scattering2D(J, (size, size), L=L)
    rm = RigidMotionScattering2D(J, (size, size), L=L)
    rm_log = RigidMotionScattering2D(J, (size, size), L=L, log=True, log_eps=LOG_EPS)
    rm_scale = RigidMotionScattering2D(J, (size, size), L=L, log=True, log_eps=LOG_EPS,
                                       scale_average=True)
    rm_norm = RigidMotionScattering2D(J, (size, size), L=L, log=True, log_eps=LOG_EPS,
                                      normalize=True)
    mask = disc_mask(rm, size)
    ctx.config.update(disc_samples=int(mask.sum()), output_samples=int(mask.size))
    ts_full, ts_disc = scattering_averages(ctx, ts, images, mask, bs, "translation")
    rm_full, rm_disc = scattering_averages(ctx, rm, images, mask, bs, "rigid_motion")
    _, ts_rot = scattering_averages(ctx, ts, rotated, mask, bs, "translation_rotated")
    _, rm_rot = scattering_averages(ctx, rm, rotated, mask, bs, "rigid_motion_rotated")

    ts_keep = ts.meta()["order"] >= 1

    def rm_variants(raw):
        out = {"rigid_motion": raw[:, rm.meta()["order"] >= 1]}
        for name, t in (("rigid_motion_log", rm_log), ("rigid_motion_log_scale", rm_scale),
                        ("rigid_motion_lognorm", rm_norm)):
            out[name] = t.postprocess(raw[..., None, None])[..., 0, 0][:, t.meta()["order"] >= 1]
        return out

    def ts_variants(raw):
        kept = raw[:, ts_keep]
        return {"translation": kept, "translation_log": np.log(kept + LOG_EPS)}

    # scale invariance by dilations: log coefficients of the image shrunk by each factor
    rm_order1 = rm.meta()["order"] >= 1
    dilated_logs = [np.log(rm_full[:, rm_order1] + LOG_EPS)]
    rm_full_variants = rm_variants(rm_full)
    dilated_norm = [rm_full_variants["rigid_motion_lognorm"]]
    for factor in DILATIONS[1:]:
        shrunk = dilate_images(images, factor)
        side = shrunk.shape[-1]
        rm_i = RigidMotionScattering2D(J, (side, side), L=L)
        whole = np.ones(rm_i.output_shape()[-2:], dtype=bool)  # image averages only
        raw_i, _ = scattering_averages(ctx, rm_i, shrunk, whole, bs,
                                       f"rigid_motion_dilated{factor:.3f}")
        keep_i = rm_i.meta()["order"] >= 1
        dilated_logs.append(np.log(raw_i[:, keep_i] + LOG_EPS))
        norm_i = RigidMotionScattering2D(J, (side, side), L=L, log=True, log_eps=LOG_EPS,
                                         normalize=True)
        dilated_norm.append(norm_i.postprocess(raw_i[..., None, None])[..., 0, 0][:, keep_i])
    full = {"fourier": power_spectrum_features(images), **ts_variants(ts_full),
            **rm_full_variants, "rigid_motion_log_dilations": dilation_average(dilated_logs),
            # candidates: windows of 1..len(DILATIONS) dilations, one picked per split by CV
            "rigid_motion_lognorm_dilations": [dilation_average(dilated_norm[:k])
                                               for k in range(1, len(dilated_norm) + 1)]}
    disc = {**ts_variants(ts_disc), **rm_variants(rm_disc)}
    rot = {**ts_variants(ts_rot), **rm_variants(rm_rot)}
    ctx.config["n_features"] = {k: int((v[0] if isinstance(v, list) else v).shape[1])
                                for k, v in full.items()}
    return full, disc, rot, (ts, rm)


def _relative_change(a, b) -> np.ndarray:
    return np.linalg.norm(a - b, axis=-1) / np.linalg.norm(b, axis=-1)


def _invariance(ctx, cfg, images, labels, feats_disc, feats_rot, transforms):
    """Relative change of translation vs rigid-motion scattering under rotations."""
    from .. import RigidMotionScattering2D, Scattering2D
    from ..transforms.rigid_motion import rotate90

    ts, rm = transforms
    pick = np.concatenate([np.flatnonzero(labels == c)[:INVARIANCE_PER_CLASS]
                           for c in np.unique(labels)])
    x = images[pick]
    side = min(PERIODIC_SIDE, cfg["size"] // 2**cfg["J"] * 2**cfg["J"])
    lo = (cfg["size"] - side) // 2
    xp = x[:, lo:lo + side, lo:lo + side]
    ts_p = Scattering2D(cfg["J"], (side, side), L=cfg["L"])
    rm_p = RigidMotionScattering2D(cfg["J"], (side, side), L=cfg["L"], padding="periodic",
                                   average="global")
    rows = []

    def averaged(t, imgs):
        out = t(imgs).mean(axis=(-2, -1))
        return out[:, t.meta()["order"] >= 1]

    base = {"ts": averaged(ts, x), "rm": averaged(rm, x), "rm_p": averaged(rm_p, xp),
            "ts_p": averaged(ts_p, xp)}
    for quarter in (1, 2):
        deg = 90 * quarter
        for label, key, t, imgs, centre in (
                ("image centre, reflection padding", "ts", ts, x, "centre"),
                ("image centre, reflection padding", "rm", rm, x, "centre"),
                ("pixel (0, 0), periodic", "ts_p", ts_p, xp, "origin"),
                ("pixel (0, 0), periodic", "rm_p", rm_p, xp, "origin")):
            change = _relative_change(averaged(t, rotate90(imgs, quarter, centre)), base[key])
            name = "translation" if key.startswith("ts") else "rigid_motion"
            suffix = "" if key in ("ts", "rm") else "_periodic"
            ctx.metric(f"rel_change/{name}/rot{deg}{suffix}/mean", change.mean())
            ctx.metric(f"rel_change/{name}/rot{deg}{suffix}/max", change.max())
            rows.append([f"{deg}°", label, LABELS[name], float(change.mean()),
                         float(change.max())])
    for name in ("translation", "rigid_motion"):
        change = _relative_change(feats_rot[name], feats_disc[name])
        ctx.metric(f"rel_change/{name}/random_angle/mean", change.mean())
        ctx.metric(f"rel_change/{name}/random_angle/max", change.max())
        rows.append(["random (uniform)", "image centre, bicubic, disc average", LABELS[name],
                     float(change.mean()), float(change.max())])
    ctx.table("invariance", ["rotation", "centre / boundary", "features", "mean rel. change",
                             "max rel. change"], rows,
              caption=f"Relative change ||S(rotated x) - S(x)|| / ||S(x)|| of image-averaged "
                      f"coefficients (orders >= 1), {len(pick)} KTH-TIPS images "
                      f"(random angles: {len(feats_rot['translation'])} images).")


def run(ctx):
    """Run the KTH-TIPS experiment (see the module docstring)."""
    from threadpoolctl import threadpool_limits

    cfg = dict(QUICK if ctx.quick else FULL)
    ctx.config.update({k: v for k, v in cfg.items() if k != "batch_size"})
    ctx.config.update(classifier="AffinePCAClassifierCV", pca_dims=list(PCA_DIMS),
                      cv_folds=CV_FOLDS, fourier_bins=list(FOURIER_BINS), log_eps=LOG_EPS)
    images, labels = _load(ctx, cfg)
    # the rotated test set: rotated_per_class random images of each class, each
    # turned by its own uniform random angle
    pick = ctx.rng(3)
    rot_idx = np.sort(np.concatenate([
        pick.choice(np.flatnonzero(labels == c), cfg["rotated_per_class"], replace=False)
        for c in np.unique(labels)]))
    angles = ctx.rng(1).uniform(0.0, 360.0, size=len(rot_idx))
    rotated = rotate_images(images[rot_idx], angles)
    ctx.config["n_rotated"] = int(len(rot_idx))
    # one BLAS thread: small matrix products and SVDs thrash on a shared machine
    with threadpool_limits(limits=1, user_api="blas"):
        full, disc, rot, transforms = _feature_sets(ctx, cfg, images, rotated)
        _invariance(ctx, cfg, images, labels, {k: v[rot_idx] for k, v in disc.items()}, rot,
                    transforms)
        _classification(ctx, cfg, labels, full, disc, rot, rot_idx)


def _classification(ctx, cfg, labels, full, disc, rot, rot_idx):
    """Accuracy over random splits: the KTH-TIPS table and the rotation test."""
    rng = ctx.rng(2)
    rows, rot_rows = [], []
    for name in full:
        rows.append([LABELS[name]])
    for n in cfg["n_train"]:
        splits = random_splits(labels, n, cfg["n_splits"], rng)
        for i, name in enumerate(full):
            if isinstance(full[name], list):  # candidates, one chosen per split by CV
                picked = [classify_select(full[name], labels, tr, te) for tr, te in splits]
                acc = np.array([a for a, _ in picked])
                ctx.metric(f"chosen_candidate/{name}/n{n}/mean",
                           float(np.mean([1 + b for _, b in picked])))
            else:
                acc = np.array([classify(full[name], labels, tr, te) for tr, te in splits])
            ctx.metric(f"accuracy_pct/{name}/n{n}/mean", acc.mean())
            ctx.metric(f"accuracy_pct/{name}/n{n}/std", acc.std())
            paper = PAPER.get(name, {}).get(n)
            rows[i] += [f"{acc.mean():.1f} ± {acc.std():.1f}",
                        f"{paper[0]:.1f} ± {paper[1]:.1f}" if paper else None]
        # test on the rotated images whose unrotated version is not in the training set
        rot_tests = [np.flatnonzero(~np.isin(rot_idx, tr)) for tr, _ in splits]
        for name in rot:
            same, turned = [], []
            for (tr, _), te in zip(splits, rot_tests):
                clf = fit_classifier(disc[name][tr], labels[tr])  # one fit, two test sets
                same.append(accuracy(clf, disc[name][rot_idx[te]], labels[rot_idx[te]]))
                turned.append(accuracy(clf, rot[name][te], labels[rot_idx[te]]))
            same, turned = np.array(same), np.array(turned)
            ctx.metric(f"accuracy_pct/{name}_disc/n{n}/mean", same.mean())
            ctx.metric(f"accuracy_pct/{name}_disc/n{n}/std", same.std())
            ctx.metric(f"accuracy_pct/{name}_rotated_test/n{n}/mean", turned.mean())
            ctx.metric(f"accuracy_pct/{name}_rotated_test/n{n}/std", turned.std())
            rot_rows.append([LABELS[name], n, f"{same.mean():.1f} ± {same.std():.1f}",
                             f"{turned.mean():.1f} ± {turned.std():.1f}"])
    columns = ["features"]
    for n in cfg["n_train"]:
        columns += [f"ours, {n}/class", f"Sifre & Mallat 2013, {n}/class"]
    ctx.table("kth_tips", columns, rows,
              caption=f"KTH-TIPS accuracy % (mean ± std over {cfg['n_splits']} random splits), "
                      "affine PCA classifier with d chosen by 5-fold CV on the training set; "
                      "paper figures from PAPERS.md.")
    ctx.table("rotation_test", ["features", "train/class", "test unrotated (disc)",
                                "test rotated (disc)"], rot_rows,
              caption=f"Trained on unrotated images, tested on {len(rot_idx)} images ({cfg['rotated_per_class']} "
                      "random ones per class, minus the training ones) "
                      "unrotated or rotated by a uniform random angle; coefficients averaged "
                      "over the central disc on both sides.")
