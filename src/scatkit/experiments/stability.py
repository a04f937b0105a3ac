r"""Deformation stability of scattering against the Fourier modulus, translation
invariance against :math:`J`, and the energy carried by each scattering order.

For a representation :math:`\Phi` (pixels, Fourier modulus :math:`|\hat x|`,
scattering of order :math:`\le 1` or :math:`\le 2`) and a deformation
:math:`D_\tau x(u) = x(u-\tau(u))` the experiment measures the relative change

.. math::

    \frac{\|\Phi(D_\tau x) - \Phi(x)\|}{\|\Phi(x)\|}

against :math:`\|\nabla\tau\|_\infty` for smooth random fields, dilations and
rotations (:mod:`scatkit.deform`), on MNIST digits and KTH-TIPS textures, and
fits a line through the mean changes (``slope/<representation>/<data>``).
Mallat's theorem predicts a change of the scattering transform linear in
:math:`\|\nabla\tau\|_\infty` with a small constant; the Fourier modulus has no
such bound (a deformation moves a frequency :math:`\omega` by about
:math:`|\omega|\,\|\nabla\tau\|`).

Translation invariance: the relative change of :math:`S_J` under shifts of a
few pixels, for growing :math:`J`.  Energy per order: the share of
:math:`\|x\|^2` in each order (Bruna & Mallat 2013, Table 1), with the
subsampling by :math:`2^J` accounted for by comparing mean squares
(:math:`4^J\sum_p|S_m x(2^J p)|^2` per coefficient map, normalised by the area
the output covers).

Run ``scatkit experiment stability [--quick]``.

References
----------
S. Mallat, "Group invariant scattering", CPAM 2012.  J. Bruna and S. Mallat,
"Invariant scattering convolution networks", IEEE PAMI 2013.
"""

from __future__ import annotations

import time

import numpy as np

from .. import deform

#: orientations of every scattering transform here
L = 8
#: representations compared
REPRESENTATIONS = ("pixels", "fourier", "scat1", "scat2")
#: ||grad tau||_inf levels of the deformations (full run / quick)
GRAD_LEVELS = (0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3)
QUICK_GRAD_LEVELS = (0.02, 0.1, 0.2)
#: random fields per level (each applied to every image)
N_FIELDS, QUICK_N_FIELDS = 4, 1
#: levels up to this ||grad tau||_inf also get a slope of their own (through the
#: origin), the regime of small deformations where the Fourier modulus is least stable
SMALL_LEVEL = 0.05
#: spectral width of the random fields (cycles per pixel)
CUTOFF = deform.DEFAULT_CUTOFF

#: data sets: images used, image side, J of the stability comparison, boundary mode
DATA = {
    "mnist": dict(n=40, quick_n=6, side=28, J=3, mode="constant"),
    "kth_tips": dict(n=20, quick_n=4, side=128, quick_side=64, J=4, quick_J=3, mode="reflect"),
}
#: translation invariance: shifts (pixels, along both axes) and scales J
SHIFTS = (1, 2, 4)
TRANSLATION_J = {"mnist": (1, 2, 3, 4), "kth_tips": (1, 2, 3, 4, 5)}
QUICK_TRANSLATION_J = {"mnist": (1, 3), "kth_tips": (1, 3)}
ALL_TRANSLATION_J = sorted(set().union(*TRANSLATION_J.values()))
#: energy per order: scales J, largest order, images
ENERGY_J = {"mnist": (2, 3, 4), "kth_tips": (2, 4, 6)}
QUICK_ENERGY_J = {"mnist": (2,), "kth_tips": (2,)}
ENERGY_ORDER = 3
N_ENERGY, QUICK_N_ENERGY = 5, 2
#: KTH-TIPS images are loaded at this side, then cropped
KTH_LOAD_SIDE = 200

#: Bruna & Mallat 2013 Table 1 (Caltech images, % of ||x||^2): J -> (m=0..3, total)
PAPER_ENERGY = {2: (87.56, 11.97, 0.35, None, 99.89), 4: (61.52, 33.87, 4.05, 0.16, 99.61),
                6: (26.15, 57.02, 14.4, 1.54, 99.1)}


# -- data ----------------------------------------------------------------------------------
def load_mnist_digits(n, seed):
    """``n`` digits in [0, 1] (float64), drawn with a fixed seed."""
    from .mnist import load_digits

    images, _ = load_digits()
    idx = np.random.default_rng(seed).choice(len(images), n, replace=False)
    return images[idx].astype(np.float64) / 255.0


def load_textures(n, seed):
    """``n`` KTH-TIPS grey images (side KTH_LOAD_SIDE), spread over the classes."""
    from ..datasets.kth_tips import load_kth_tips

    data = load_kth_tips(size=KTH_LOAD_SIDE)
    images, labels = np.asarray(data.images, dtype=np.float64), np.asarray(data.labels)
    rng = np.random.default_rng(seed)
    classes = np.unique(labels)
    per_class = [rng.permutation(np.flatnonzero(labels == c)) for c in classes]
    order = [p[k] for k in range(max(map(len, per_class))) for p in per_class if k < len(p)]
    return images[np.array(order[:n])]


def centre_crop(images, side, offset=(0, 0)):
    """Crop ``side`` x ``side`` from the centre of each image, moved by ``offset`` pixels."""
    M, N = images.shape[-2:]
    r, c = (M - side) // 2 + offset[0], (N - side) // 2 + offset[1]
    if r < 0 or c < 0 or r + side > M or c + side > N:
        raise ValueError(f"a {side}-pixel crop moved by {offset} leaves the {M}x{N} image")
    return images[..., r:r + side, c:c + side]


# -- representations --------------------------------------------------------------------
def representations(shape, J):
    """A function mapping images (B, M, N) to ``{name: vectors (B, D)}`` for every
    name of REPRESENTATIONS (the scattering is computed once; ``scat1`` keeps its
    channels of order <= 1)."""
    from .. import Scattering2D

    S = Scattering2D(J, shape, L=L, max_order=2, batch_size=64)
    first = S.meta()["order"] <= 1

    def phi(x):
        Sx = S(np.ascontiguousarray(x))
        return {"pixels": x.reshape(len(x), -1),
                "fourier": np.abs(np.fft.fft2(x, norm="ortho")).reshape(len(x), -1),
                "scat1": Sx[:, first].reshape(len(x), -1),
                "scat2": Sx.reshape(len(x), -1)}

    return phi


def relative_change(phi, phi_ref):
    """Per-image :math:`\\|\\Phi(D x) - \\Phi(x)\\| / \\|\\Phi(x)\\|`."""
    return np.linalg.norm(phi - phi_ref, axis=1) / np.linalg.norm(phi_ref, axis=1)


def deformation_fields(kind, shape, levels, n_fields, rng):
    """``{level: [fields]}`` whose ||grad tau||_inf equals each level."""
    out = {}
    for g in levels:
        if kind == "random":
            out[g] = [deform.random_displacement(shape, g, CUTOFF, rng) for _ in range(n_fields)]
        elif kind == "dilation":
            out[g] = [deform.dilation_field(shape, 1.0 / (1.0 - g))]  # |1 - 1/s| = g
        elif kind == "rotation":
            out[g] = [deform.rotation_field(shape, 2.0 * np.arcsin(g / 2.0))]  # 2|sin(t/2)| = g
        else:
            raise ValueError(f"unknown deformation {kind!r}")
    return out


def slope_through_origin(x, y, upto=SMALL_LEVEL):
    """Least-squares slope of ``y = b x`` over the points with ``x <= upto``."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = x <= upto
    return float((x[keep] * y[keep]).sum() / (x[keep] ** 2).sum())


def fit_line(x, y):
    """Least-squares line ``y = a + b x``: slope ``b``, intercept ``a`` and R^2."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    b, a = np.polyfit(x, y, 1)
    resid = y - (a + b * x)
    ss = ((y - y.mean()) ** 2).sum()
    return b, a, (1.0 - (resid**2).sum() / ss) if ss > 0 else 1.0


def stability_curves(images, J, mode, levels, n_fields, rng, ctx, data_name):
    r"""Mean relative change per (deformation kind, representation, level).

    Each image's mean :math:`m` is removed from it and from its deformations
    (:math:`D_\tau x - m`): the mean is (up to boundary effects) invariant to every
    deformation and would otherwise dominate :math:`\|\Phi(x)\|` -- :math:`|\hat
    x(0)|` for the Fourier modulus, the order-0 coefficients for scattering -- and
    dilute every relative change.  Wavelets have zero mean, so orders >= 1 of the
    scattering are unchanged by this.
    """
    shape = images.shape[-2:]
    means = images.mean(axis=(-2, -1), keepdims=True)
    centred = images - means
    phi = representations(shape, J)
    refs = phi(centred)
    curves = {}
    for kind in ("random", "dilation", "rotation"):
        fields = deformation_fields(kind, shape, levels, n_fields, rng)
        for g in ctx.tqdm(levels, desc=f"{data_name} {kind}"):
            deformed = np.concatenate([deform.apply_displacement(images, tau, mode=mode) - means
                                       for tau in fields[g]])
            out = phi(deformed)
            for r in REPRESENTATIONS:
                ref = np.tile(refs[r], (len(fields[g]), 1))
                curves.setdefault((kind, r), []).append(relative_change(out[r], ref).mean())
    return curves


def translation_curves(name, images, side, Js, shifts):
    """Mean relative change of S_J (order <= 2) and of pixels under shifts of a few pixels.

    Digits are shifted inside their frame (zero background, exact integer shift);
    textures are cropped at shifted positions of the larger image (no boundary effect).
    """
    from .. import Scattering2D

    if name == "mnist":
        base = images
        moved = {t: deform.apply_displacement(images, deform.translation_field(images.shape[-2:],
                                              (t, t)), mode="constant") for t in shifts}
    else:
        base = centre_crop(images, side)
        moved = {t: centre_crop(images, side, (t, t)) for t in shifts}
    out = {}
    for t in shifts:
        out[("pixels", t)] = relative_change(moved[t].reshape(len(base), -1),
                                             base.reshape(len(base), -1)).mean()
    for J in Js:
        S = Scattering2D(J, base.shape[-2:], L=L, max_order=2, batch_size=64)
        ref = S(np.ascontiguousarray(base)).reshape(len(base), -1)
        for t in shifts:
            out[(J, t)] = relative_change(S(np.ascontiguousarray(moved[t])).reshape(len(base), -1),
                                          ref).mean()
    return out


def energy_per_order(images, J, max_order=ENERGY_ORDER):
    r"""Mean share of :math:`\|x\|^2` in each order, in %: ``[m=0, ..., m=max_order]``.

    Mean squares compare the subsampled output with the image: per image,
    :math:`\sum_{c \in m}\overline{|S_c x|^2} / \overline{|x|^2}`.
    """
    from .. import Scattering2D

    S = Scattering2D(J, images.shape[-2:], L=L, max_order=max_order, batch_size=8)
    out = S(np.ascontiguousarray(images))
    order = S.meta()["order"]
    power = (out**2).mean(axis=(-2, -1))  # (B, C) mean square of each map
    ref = (images**2).mean(axis=(-2, -1))
    return np.array([100.0 * (power[:, order == m].sum(1) / ref).mean()
                     for m in range(max_order + 1)])


# -- the experiment ------------------------------------------------------------------------
def run(ctx):
    """Run the stability experiment (see the module docstring)."""
    q = ctx.quick
    levels = QUICK_GRAD_LEVELS if q else GRAD_LEVELS
    n_fields = QUICK_N_FIELDS if q else N_FIELDS
    ctx.config.update(dict(L=L, grad_levels=list(levels), n_fields=n_fields, cutoff=CUTOFF,
                           shifts=list(SHIFTS), energy_order=ENERGY_ORDER,
                           interpolation_order=deform.DEFAULT_ORDER, seed=ctx.seed))
    results = {}
    for k, (name, spec) in enumerate(DATA.items()):
        n = spec["quick_n"] if q else spec["n"]
        side = spec.get("quick_side", spec["side"]) if q else spec["side"]
        J = spec.get("quick_J", spec["J"]) if q else spec["J"]
        start = time.perf_counter()
        if name == "mnist":
            full = load_mnist_digits(n, ctx.seed)
            images = full
        else:
            try:
                full = load_textures(n, ctx.seed)
            except FileNotFoundError as err:  # textures are optional: say so, go on
                ctx.config[name] = dict(skipped=str(err))
                continue
            images = centre_crop(full, side)
        ctx.config[name] = dict(n_images=n, side=side, J=J, boundary_mode=spec["mode"])
        curves = stability_curves(images, J, spec["mode"], levels, n_fields, ctx.rng(k), ctx, name)
        trans = translation_curves(name, full, side, (QUICK_TRANSLATION_J if q else
                                                      TRANSLATION_J)[name], SHIFTS)
        n_energy = QUICK_N_ENERGY if q else N_ENERGY
        energy = {J_e: energy_per_order(images[:n_energy], J_e)
                  for J_e in (QUICK_ENERGY_J if q else ENERGY_J)[name]}
        results[name] = (curves, trans, energy)
        ctx.metric(f"seconds/{name}", time.perf_counter() - start)
    record(ctx, results, levels)
    tabulate(ctx, results, levels)
    plot(ctx, results, levels)


def record(ctx, results, levels):
    """Metrics: slopes, R^2, changes at each level, translation and energy."""
    for name, (curves, trans, energy) in results.items():
        for (kind, r), values in curves.items():
            slope, intercept, r2 = fit_line(levels, values)
            prefix = "slope" if kind == "random" else f"slope_{kind}"
            ctx.metric(f"{prefix}/{r}/{name}", slope)
            ctx.metric(f"{prefix.replace('slope', 'r2')}/{r}/{name}", r2)
            ctx.metric(f"{prefix.replace('slope', 'slope_small')}/{r}/{name}",
                       slope_through_origin(levels, values))
            for g, v in zip(levels, values):
                ctx.metric(f"rel_change/{r}/{name}/{kind}/g{g:g}", v)
        for key, v in trans.items():
            what = "pixels" if key[0] == "pixels" else f"scat2_J{key[0]}"
            ctx.metric(f"translation_rel_change/{what}/{name}/shift{key[1]}", v)
        for J, shares in energy.items():
            for m, share in enumerate(shares):
                ctx.metric(f"energy_pct/order{m}/{name}/J{J}", share)
            ctx.metric(f"energy_pct/total/{name}/J{J}", shares.sum())


def tabulate(ctx, results, levels):
    """Tables: slopes, translation change vs J, energy per order (paper column)."""
    rows = []
    for name, (curves, _, _) in results.items():
        for r in REPRESENTATIONS:
            row = [name, r]
            for kind in ("random", "dilation", "rotation"):
                slope, _, r2 = fit_line(levels, curves[(kind, r)])
                row += [f"{slope:.3g} (R² {r2:.2f})"]
            row.append(slope_through_origin(levels, curves[("random", r)]))
            row.append(slope_through_origin(levels, curves[("dilation", r)]))
            rows.append(row)
    ctx.table("stability_slopes",
              ["data", "representation", "slope, random τ", "slope, dilation", "slope, rotation",
               f"small-τ slope, random (‖∇τ‖∞≤{SMALL_LEVEL:g})",
               f"small-τ slope, dilation (‖∇τ‖∞≤{SMALL_LEVEL:g})"], rows,
              caption="Fitted line (slope, R²) of the mean relative change ‖Φ(D_τx)−Φ(x)‖/‖Φ(x)‖ "
                      "(image means removed) against ‖∇τ‖∞ over the levels " +
                      ", ".join(f"{g:g}" for g in levels) + ", and the slope through the origin "
                      f"over levels ≤ {SMALL_LEVEL:g}; no paper figure (Mallat 2012 proves the "
                      "scattering bound, not a constant).")
    rows = []
    for name, (_, trans, _) in results.items():
        for t in SHIFTS:
            rows.append([name, t, trans[("pixels", t)]]
                        + [trans.get((J, t)) for J in ALL_TRANSLATION_J])
    ctx.table("translation_invariance",
              ["data", "shift (px, both axes)", "pixels"] + [f"scat2 J={J}" for J in ALL_TRANSLATION_J],
              rows, caption="Mean relative change under a translation: it falls as 2^J grows "
                            "past the shift.")
    rows = []
    for name, (_, _, energy) in results.items():
        for J, shares in energy.items():
            paper = PAPER_ENERGY.get(J)
            # an order m needs m distinct scales j1 < ... < jm < J
            ours = [f"{s:.2f}" if m <= J else "–" for m, s in enumerate(shares)]
            rows.append([name, J] + ours + [f"{shares.sum():.2f}",
                         " / ".join("–" if p is None else f"{p:g}" for p in paper)
                         if paper else None])
    ctx.table("energy_per_order",
              ["data", "J", "m=0 %", "m=1 %", "m=2 %", "m=3 %", "total %",
               "paper m=0/1/2/3/total (Caltech)"], rows,
              caption="Share of ‖x‖² per scattering order (L=8, mean squares of the subsampled "
                      "maps over those of the image); paper: Bruna & Mallat 2013 Table 1, other "
                      "images and tight-frame wavelets (Morlet banks are not tight: totals stay "
                      "below 100 %).")


def plot(ctx, results, levels):
    """Figures: relative change vs ||grad tau|| per data set; translation change vs J."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(6 * len(results), 4.5))
    for ax, (name, (curves, _, _)) in zip(np.atleast_1d(axes), results.items()):
        for i, r in enumerate(REPRESENTATIONS):
            for kind, style in (("random", "o-"), ("dilation", "s--"), ("rotation", "^:")):
                ax.plot(levels, curves[(kind, r)], style, color=f"C{i}",
                        label=f"{r}" if kind == "random" else None, alpha=1 if kind ==
                        "random" else 0.6)
        ax.set_xlabel("‖∇τ‖∞")
        ax.set_ylabel("‖Φ(D_τ x) − Φ(x)‖ / ‖Φ(x)‖")
        ax.set_title(f"{name}: random τ (o), dilation (s), rotation (^)")
        ax.grid(alpha=0.3)
        ax.legend()
    ctx.figure("stability.png", fig)
    fig, axes = plt.subplots(1, len(results), figsize=(6 * len(results), 4))
    for ax, (name, (_, trans, _)) in zip(np.atleast_1d(axes), results.items()):
        Js = sorted({k[0] for k in trans if k[0] != "pixels"})
        for i, t in enumerate(SHIFTS):
            ax.plot(Js, [trans[(J, t)] for J in Js], "o-", color=f"C{i}", label=f"shift {t} px")
            ax.axhline(trans[("pixels", t)], color=f"C{i}", ls=":", alpha=0.6)
        ax.set_yscale("log")
        ax.set_xlabel("J (averaging scale 2^J)")
        ax.set_ylabel("relative change of S_J (dotted: pixels)")
        ax.set_title(f"{name}: translation invariance")
        ax.grid(alpha=0.3)
        ax.legend()
    ctx.figure("translation.png", fig)
