r"""The Ising inverse problem: super-resolution with predicted scattering moments.

Dokmanić, Bruna, Mallat & de Hoop, "Inverse problems with invariant multiscale
statistics" (arXiv:1609.05502, 2016), the seed slide "Ising Model and Inverse
Problem".  A configuration :math:`x\in\{\pm1\}^{L\times L}` of the 2D Ising model
is observed through block averages :math:`y = Ax` (``BLOCK x BLOCK`` blocks);
:math:`x` is reconstructed

(a) by total-variation regularised inversion,
:math:`\min_x \|Ax - y\|^2/\sigma^2 + \lambda\,\mathrm{TV}_\epsilon(x)`, and

(b) by gradient descent on :math:`\|Ax - y\|^2/\sigma^2 + \mathcal L(x;
\hat\Phi(y))`, where :math:`\mathcal L` is the synthesis loss
(:func:`scatkit.synthesis.statistics_loss`) towards scattering moments
:math:`\hat\Phi(y)` *predicted from the measurement* by a ridge regression
trained on pairs :math:`(y_i, \Phi(x_i))` sampled across temperatures.

Both optimise :math:`x = \tanh(z)` (values in :math:`[-1, 1]`) with L-BFGS from
the same start (the upsampled measurement plus small noise).  They are compared
at several :math:`\beta` (including :math:`\beta_c`) by the statistics of the
reconstructions against fresh true samples: energy per spin, magnetisation, the
two-point function and the scattering moments.
"""

from __future__ import annotations

import numpy as np

from ..stats import (BETA_C, ScatteringMoments, correlation_function, energy_per_spin,
                     magnetization, sample_ising)

#: side of the block average (the measurement is L/BLOCK x L/BLOCK)
BLOCK = 4
#: noise level sigma of the data term (the measurement is exact; this sets its weight)
DATA_SIGMA = 0.05
#: TV weight lambda and smoothing epsilon
TV_WEIGHT, TV_EPS = 0.02, 1e-3
#: standard deviation of the noise added to the upsampled start
INIT_NOISE = 0.1
#: ridge penalties tried by cross-validation for the moment regression
RIDGE_ALPHAS = (1e-3, 1e-2, 1e-1, 1.0, 10.0)

FULL = {"size": 32, "train_betas": tuple(np.round(np.linspace(0.30, 0.60, 13), 4)),
        "n_train_per_beta": 20, "test_betas": (0.35, round(float(BETA_C), 4), 0.55),
        "n_test": 4, "n_reference": 40, "n_iter": 150}
QUICK = {"size": 16, "train_betas": (0.3, 0.45, 0.6), "n_train_per_beta": 6,
         "test_betas": (0.35, round(float(BETA_C), 4)), "n_test": 1, "n_reference": 6,
         "n_iter": 10}


def block_average(x, block: int = BLOCK):
    """:math:`Ax`: means over ``block x block`` blocks of the last two axes (NumPy or torch)."""
    *lead, m, n = x.shape
    return x.reshape(*lead, m // block, block, n // block, block).mean(-1).mean(-2)


def measurement_features(y) -> np.ndarray:
    """Low-resolution statistics of each measurement ``y`` (..., m, n): mean |y|, mean y^2,
    mean y^4, fraction of saturated blocks, neighbour correlations at lags 1 and 2."""
    y = np.asarray(y, dtype=np.float64)
    axes = (-2, -1)

    def corr(lag):
        return 0.5 * ((y * np.roll(y, lag, -1)).mean(axes) + (y * np.roll(y, lag, -2)).mean(axes))

    return np.stack([np.abs(y).mean(axes), (y**2).mean(axes), (y**4).mean(axes),
                     (np.abs(y) > 1 - 1e-9).mean(axes), corr(1), corr(2)], axis=-1)


class MomentPredictor:
    r"""Ridge regression :math:`y \mapsto \log\Phi(x)` on quadratic features of
    :func:`measurement_features` (the mean of :math:`x` is read off :math:`y` exactly)."""

    def __init__(self, moments: ScatteringMoments):
        self.moments = moments

    def fit(self, x_train, seed=0):
        from sklearn.linear_model import RidgeCV
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import PolynomialFeatures, StandardScaler

        from ..synthesis import statistics
        import torch

        phi = statistics(self.moments, torch.as_tensor(x_train, dtype=torch.float64)).numpy()
        self.model = make_pipeline(PolynomialFeatures(2), StandardScaler(),
                                   RidgeCV(alphas=RIDGE_ALPHAS))
        self.model.fit(measurement_features(block_average(x_train)), np.log(phi[:, 1:]))
        return self

    def predict(self, y) -> np.ndarray:
        """Predicted :func:`scatkit.synthesis.statistics` vectors, ``(n, K)``."""
        y = np.asarray(y, dtype=np.float64)
        logs = self.model.predict(measurement_features(y))
        return np.concatenate([y.mean(axis=(-2, -1))[:, None], np.exp(logs)], axis=1)


def _upsample(y, block=BLOCK):
    return np.kron(y, np.ones((block, block)))


def reconstruct(y, loss_prior, n_iter: int, seed: int):
    """Minimise ``|A tanh(z) - y|^2 / sigma^2 + loss_prior(tanh(z))`` by L-BFGS."""
    import torch

    from ..synthesis import run_lbfgs

    rng = np.random.default_rng(seed)
    x0 = np.clip(_upsample(y) + INIT_NOISE * rng.standard_normal(_upsample(y).shape), -0.95, 0.95)
    z = torch.tensor(np.arctanh(x0), dtype=torch.float64, requires_grad=True)
    yt = torch.as_tensor(y, dtype=torch.float64)

    def loss(z):
        x = torch.tanh(z)
        return ((block_average(x) - yt) ** 2).mean() / DATA_SIGMA**2 + loss_prior(x)

    run_lbfgs(loss, z, n_iter)
    return torch.tanh(z).detach().numpy()


def tv_prior(x):
    r""":math:`\lambda\,\mathrm{mean}\sqrt{|\nabla x|^2 + \epsilon^2}` (periodic differences)."""
    import torch

    dx = x - torch.roll(x, 1, -1)
    dy = x - torch.roll(x, 1, -2)
    return TV_WEIGHT * torch.sqrt(dx**2 + dy**2 + TV_EPS**2).mean()


def describe(x, moments: ScatteringMoments) -> dict:
    """The statistics compared: energy, |M|, two-point function, scattering moments."""
    x = np.asarray(x, dtype=np.float64)
    return {"energy": energy_per_spin(x), "magnetization": magnetization(x),
            "corr": np.stack([correlation_function(v) for v in x]), "moments": moments(x)}


def run(ctx) -> None:
    import torch

    from ..synthesis import statistics_loss

    cfg = QUICK if ctx.quick else FULL
    size = cfg["size"]
    J = int(np.log2(size)) - 1
    ctx.config.update(cfg, block=BLOCK, J=J, data_sigma=DATA_SIGMA, tv_weight=TV_WEIGHT,
                      tv_eps=TV_EPS, init_noise=INIT_NOISE, torch_threads=1)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        moments = ScatteringMoments((size, size), J=J, normalize=True, power=True)
        train = np.concatenate([sample_ising(size, b, cfg["n_train_per_beta"], seed=ctx.seed + k)
                                for k, b in enumerate(ctx.tqdm(cfg["train_betas"], desc="train"))])
        predictor = MomentPredictor(moments).fit(train.astype(np.float64))
        rows, panels, corr_curves = [], [], {}
        for k, beta in enumerate(cfg["test_betas"]):
            rows += _one_beta(ctx, cfg, beta, 1000 + k, moments, predictor, statistics_loss,
                              panels, corr_curves)
    finally:
        torch.set_num_threads(threads)
    ctx.table("ising", ["beta", "method", "energy/spin", "mean abs. magnetisation", "corr. fn err",
                        "scat. moment err %", "paper"], rows,
              caption=f"{size}x{size} Ising configurations seen through {BLOCK}x{BLOCK} block "
                      f"averages; means over {cfg['n_test']} reconstructions vs "
                      f"{cfg['n_reference']} fresh true samples ('true' rows). corr. fn err: mean "
                      "|C_rec(r) - C_true(r)| over r = 0..L/2. The paper shows this comparison as "
                      "images (seed slide), without numbers.")
    _figures(ctx, panels, corr_curves)


def _one_beta(ctx, cfg, beta, seed, moments, predictor, statistics_loss, panels, corr_curves):
    import torch

    size = cfg["size"]
    true = sample_ising(size, beta, cfg["n_test"] + cfg["n_reference"], seed=ctx.seed + seed)
    true = true.astype(np.float64)
    tests, reference = true[: cfg["n_test"]], true[cfg["n_test"]:]
    y = block_average(tests)
    phi_hat = predictor.predict(y)
    recon = {"tv": [], "scattering": []}
    for i in ctx.tqdm(range(len(tests)), desc=f"beta={beta}"):
        recon["tv"].append(reconstruct(y[i], tv_prior, cfg["n_iter"], ctx.seed + i))
        prior = statistics_loss(moments, torch.as_tensor(phi_hat[i]),
                                float(np.sqrt(max(phi_hat[i, 1], 1e-6))))
        recon["scattering"].append(reconstruct(y[i], prior, cfg["n_iter"], ctx.seed + i))
    ref = describe(reference, moments)
    rows = [[beta, "true", ref["energy"].mean(), ref["magnetization"].mean(), 0.0, 0.0, None]]
    corr_curves[beta] = {"true": ref["corr"].mean(0)}
    ref_m = ref["moments"].mean(0)
    for method, xs in recon.items():
        d = describe(np.stack(xs), moments)
        corr_err = np.abs(d["corr"].mean(0) - ref["corr"].mean(0)).mean()
        scat_err = 100 * np.linalg.norm(d["moments"].mean(0) - ref_m) / np.linalg.norm(ref_m)
        tag = f"beta{beta:.4f}"
        ctx.metric(f"energy_per_spin/{method}/{tag}", d["energy"].mean())
        ctx.metric(f"magnetization/{method}/{tag}", d["magnetization"].mean())
        ctx.metric(f"corr_abs_err/{method}/{tag}", corr_err)
        ctx.metric(f"scat_relerr_pct/{method}/{tag}", scat_err)
        rows.append([beta, method, d["energy"].mean(), d["magnetization"].mean(), corr_err,
                     scat_err, None])
        corr_curves[beta][method] = d["corr"].mean(0)
    ctx.metric(f"energy_per_spin/true/beta{beta:.4f}", ref["energy"].mean())
    ctx.metric(f"magnetization/true/beta{beta:.4f}", ref["magnetization"].mean())
    panels.append((beta, tests[0], y[0], recon["tv"][0], recon["scattering"][0]))
    return rows


def _figures(ctx, panels, corr_curves) -> None:
    import matplotlib.pyplot as plt

    titles = ("Ising", "low-resolution", "TV optim.", "Scat pred.")
    fig, ax = plt.subplots(len(panels), 4, figsize=(10, 2.6 * len(panels)), squeeze=False)
    for r, (beta, *images) in enumerate(panels):
        for c, im in enumerate(images):
            ax[r, c].imshow(im, cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
            ax[r, c].set_xticks([])
            ax[r, c].set_yticks([])
            if r == 0:
                ax[r, c].set_title(titles[c])
        ax[r, 0].set_ylabel(f"beta = {beta:.3f}")
    ctx.figure("ising_reconstructions.png", fig)
    fig, ax = plt.subplots(1, len(corr_curves), figsize=(4 * len(corr_curves), 3.2), squeeze=False)
    for a, (beta, curves) in zip(ax[0], corr_curves.items()):
        for label, c in curves.items():
            a.plot(c, label=label)
        a.set(title=f"beta = {beta:.3f}", xlabel="r", ylabel="C(r)")
        a.legend()
    ctx.figure("ising_correlations.png", fig)
