"""CIFAR-10: changes to ``scat_kernel_mirror``'s features, one at a time (validation only).

Starts from the experiment's ``scat_kernel_mirror`` features (YUV translation scattering
J = 3, L = 8, sampled every 4 pixels by ``Scattering2D(..., oversampling=1)``,
log(S + 0.01), standardised, 3,000 principal directions, image and mirror image) and
prints the validation error of the mirror-averaged Gaussian-kernel ridge classifier,
best over the width factors ``0.25, 0.5, 1, 2`` x the median heuristic and the penalties
``0.01, 0.03, 0.1`` (:func:`scatkit.learn.kernel_ridge.validation_errors`), on the
10,000 + 5,000 training images that choose the experiment's kernel widths (the first
15,000 of ``default_rng(0).permutation(50000)``; no test image is read), for:

- ``base``: the features as they are;
- ``order1x2``, ``order1x3``, ``order1x4``: orders 0 and 1 multiplied by 2 (3, 4) after the
  standardisation. Standardised, each feature has unit variance, and order 2 has 8
  times as many features as orders 0 and 1 together (192 against 25 per colour and
  position), so it dominates the distances;
- ``chroma05``, ``chroma025``: the U and V features multiplied by 0.5 (0.25) after the
  standardisation;
- ``pca5000``: 5,000 principal directions instead of 3,000;
- ``contrast``: each image's scattering divided by the standard deviation of its
  luminance (plus ``CONTRAST_FLOOR``) before the log: a contrast normalisation (the
  scattering is homogeneous of degree 1, so this is the scattering of the
  normalised image);
- ``upsample``: the images interpolated to 64 x 64 (cubic splines, mirrored borders),
  then J = 4 sampled every 8 pixels of the 64 x 64 grid (the same 8 x 8 positions and
  averaging size in the original image), without the paths through the finest scale,
  which sees only the interpolation (217 paths, as ``base``): the finest wavelets
  kept are then well inside the band instead of folded at the Nyquist frequency, and
  every modulus is sampled twice as densely as at 32 x 32 (the 64 x 64 input size
  and J = 4 of Oyallon's ScatNetLight configuration for CIFAR-10).

Variants may be named, and combined with ``+`` (``order1x3+upsample``; default: each
variant alone, in this order). Standardisation statistics and
principal directions come from the 10,000 fitting images. On 2 cores the features take
about a minute and each variant about 4 minutes; the first six variants together
peaked at 22.4 GB resident set (``contrast`` holds a second copy of the features:
run it alone, or with fewer variants, on a 24 GB machine). ``upsample`` was only run
on small subsets: its transform took 3.0 s per 256 images on a loaded machine, against
about 0.55 s per 256 for the base features (64 s for 30,000 images).

    SCATKIT_DATA=/path/to/data python scripts/cifar10_mirror_ablation.py OUT [VARIANT ...]
"""

import json
import sys
import time
from pathlib import Path

import numpy as np

from scatkit.colour import RGB_TO_YUV, ColourScattering
from scatkit.datasets import load_cifar10
from scatkit.experiments.cifar10 import (J_UNSUP, KERNEL_LOG_EPS, KERNEL_PCA, KERNEL_SELECT_FIT,
                                         L_TRANSLATION, OVERSAMPLING, best_choice,
                                         feature_weights, fit_projection, image_and_mirror,
                                         oversampled_scattering, selection_images)
from scatkit.learn.kernel_ridge import validation_errors

N_FIT = KERNEL_SELECT_FIT  # the first N_FIT selection images fit, the others score
SCALES, ALPHAS = (0.25, 0.5, 1.0, 2.0), (0.01, 0.03, 0.1)
#: added to each image's luminance standard deviation (images in [0, 1]) by ``contrast``
CONTRAST_FLOOR = 0.05

#: upsampling factor of the ``upsample`` variants
UPSAMPLE = 2

#: what each variant changes; names joined by "+" combine their changes
DEFAULTS = dict(low=1.0, chroma=1.0, pca=KERNEL_PCA, contrast=False, features="base")
VARIANTS = {"base": {}, "order1x2": dict(low=2.0), "order1x3": dict(low=3.0),
            "order1x4": dict(low=4.0), "chroma05": dict(chroma=0.5),
            "chroma025": dict(chroma=0.25), "pca5000": dict(pca=5000),
            "contrast": dict(contrast=True), "upsample": dict(features="upsample")}


def settings(name):
    """The settings of a variant name such as ``order1x3+upsample``."""
    out = dict(DEFAULTS)
    for part in name.split("+"):
        out.update(VARIANTS[part])
    return out


def raw_features(S, images):
    """log(S + 0.01) of the images and of their mirror images, (N, 3, C, 8, 8) float32."""
    return image_and_mirror(lambda x: oversampled_scattering(S, x, OVERSAMPLING, KERNEL_LOG_EPS),
                            images)


def upsampled_features(images):
    """log(S + 0.01) of the images interpolated ``UPSAMPLE`` times per axis, at
    J = J_UNSUP + 1 (the same averaging size in the original pixels), sampled every 8
    pixels of the upsampled grid, without the paths through j = 0; images and mirror
    images, (N, 3, C, 8, 8) float32, and the ``meta()`` of the paths kept."""
    from scipy.ndimage import zoom

    from scatkit.colour import to_channels_first
    from scatkit.experiments.cifar10 import _colour_scattering

    T = _colour_scattering(J_UNSUP + 1, (32 * UPSAMPLE,) * 2, L_TRANSLATION, "yuv", 2,
                           OVERSAMPLING.bit_length())
    meta = {k: np.asarray(v) for k, v in T.meta().items()}
    keep = ~np.any(meta["j"] == 0, axis=1)

    def log_scattering(x):
        z = zoom(to_channels_first(x), (1, 1, UPSAMPLE, UPSAMPLE), order=3, mode="reflect",
                 grid_mode=True)
        return np.log(np.abs(T(z.astype(np.float32))[:, :, keep]) + KERNEL_LOG_EPS) \
            .astype(np.float32)

    return image_and_mirror(log_scattering, images), {k: v[keep] for k, v in meta.items()}


def luminance_std(images):
    """Standard deviation of each uint8 RGB image's luminance (BT.601), in [0, 1] units."""
    Y = (images.astype(np.float32) / 255.0) @ RGB_TO_YUV[0].astype(np.float32)
    return Y.reshape(len(images), -1).std(1)


def prepare(views, weights, n_components):
    """Standardise every view with the fitting images' statistics, weight, project."""
    flat = [F.reshape(len(F), -1) for F in views]
    mean, scale, P = fit_projection(flat[0][:N_FIT], n_components, weights)
    return np.concatenate([((F - mean) * scale) @ P for F in flat], axis=1)


def main(out, names):
    start = time.perf_counter()
    cache = Path(out) / "cache"
    images, y = selection_images(load_cifar10(split="train", cache_dir=cache))  # fit, then val
    S = ColourScattering(J_UNSUP, (32, 32), L=L_TRANSLATION, colour="yuv")
    kinds = {settings(name)["features"] for name in names}
    raw = {}
    if "base" in kinds:
        raw["base"] = raw_features(S, images), S.meta()
    if "upsample" in kinds:
        raw["upsample"] = upsampled_features(images)
    print(f"features: {time.perf_counter() - start:.0f} s", flush=True)
    report = {}
    for name in names:
        opt = settings(name)
        w_low, w_chroma, k, contrast = opt["low"], opt["chroma"], opt["pca"], opt["contrast"]
        views, meta = raw[opt["features"]]
        order = np.asarray(meta["order"])
        t = time.perf_counter()
        weights = feature_weights(order, views[0][0, 0, 0].size, w_low, w_chroma)
        these = views
        if contrast:
            c = (luminance_std(images) + CONTRAST_FLOOR).reshape(-1, 1, 1, 1, 1)
            eps = np.float32(KERNEL_LOG_EPS)
            these = [np.log(np.maximum(np.exp(F) - eps, 0) / c.astype(np.float32) + eps)
                     for F in views]
        X = prepare(these, weights, k)
        del these
        errs = validation_errors(X[:N_FIT], y[:N_FIT], X[N_FIT:], y[N_FIT:], SCALES, ALPHAS,
                                 n_views=2)
        (g, a), e = best_choice(errs)
        report[name] = {"validation_error_pct": round(e, 2), "gamma_scale": g, "alpha": a,
                        "n_features": X.shape[1] // 2,
                        "seconds": round(time.perf_counter() - t, 1)}
        del X
        print(json.dumps({name: report[name]}), flush=True)
    report["total_seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    if len(sys.argv) < 2 or {p for n in sys.argv[2:] for p in n.split("+")} - set(VARIANTS):
        sys.exit(__doc__.split("\n\n")[-1])
    main(sys.argv[1], sys.argv[2:] or list(VARIANTS))
