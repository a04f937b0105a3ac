"""``scatkit show``: pictures of filter banks and scattering coefficients.

::

    scatkit show filters --transform 1d|2d [--J N --L N --Q N --shape N [N]] -o f.png
    scatkit show scalogram AUDIO [--J N --Q N --length N --sr RATE] -o f.png
    scatkit show coefficients AUDIO [--J N --Q N --T N --length N --sr RATE] -o f.png
    scatkit show disk IMAGE [--J N --L N --size H W --log --normalize] -o f.png

The output format follows the extension of ``-o`` (PNG, PDF, SVG).
"""

from __future__ import annotations

import argparse

#: default signal length (1D) and image side (2D) of ``show filters``
DEFAULT_FILTER_SHAPE = {"1d": (4096,), "2d": (64, 64)}


def _common(p, J, with_L=False, with_Q=False):
    p.add_argument("-o", "--output", required=True, help="figure file (.png, .pdf, .svg)")
    p.add_argument("--J", type=int, default=J, help=f"number of scales (default {J})")
    if with_L:
        p.add_argument("--L", type=int, default=8, help="orientations (2D, default 8)")
    if with_Q:
        p.add_argument("--Q", type=int, default=8, help="wavelets per octave, first order (default 8)")
    p.add_argument("--dpi", type=int, default=120, help="resolution of raster output (default 120)")


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("show", help="plot filter banks, scalograms, coefficients, disks",
                       description="Pictures of filter banks and scattering coefficients; the format "
                       "follows the extension of -o (PNG, PDF, SVG).",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="usage of each:" + __doc__.split("::")[1].split("The output")[0])
    kinds = p.add_subparsers(dest="what", metavar="WHAT", required=True)

    f = kinds.add_parser("filters", help="filter bank in Fourier with its Littlewood–Paley sum")
    f.add_argument("--transform", choices=sorted(DEFAULT_FILTER_SHAPE), default="2d")
    _common(f, J=3, with_L=True, with_Q=True)
    f.add_argument("--shape", type=int, nargs="+", metavar="N",
                   help="signal length (1d, default 4096) or image size H W (2d, default 64 64)")
    f.set_defaults(func=run_filters)

    for name, what in (("scalogram", "|x * psi| of an audio file (time x log-frequency)"),
                       ("coefficients", "S0, S1, S2 of an audio file, by order")):
        a = kinds.add_parser(name, help=what)
        a.add_argument("input", metavar="AUDIO", help="WAV, FLAC or OGG file")
        _common(a, J=6, with_Q=True)
        a.add_argument("--length", type=int, help="fit the recording to N samples")
        a.add_argument("--sr", type=int, help="resample to RATE Hz")
        if name == "coefficients":
            a.add_argument("--T", type=int, help="averaging scale in samples (default 2**J)")
        a.set_defaults(func=run_audio, kind=name)

    d = kinds.add_parser("disk", help="2D order-1/order-2 coefficients on frequency disks "
                                      "(Bruna & Mallat 2013)")
    d.add_argument("input", metavar="IMAGE", help="PNG, JPEG or TIFF (made grayscale)")
    _common(d, J=3, with_L=True)
    d.add_argument("--size", type=int, nargs=2, metavar=("H", "W"), help="fit the image to H x W")
    d.add_argument("--log", action="store_true", help="colour by log10 of the coefficients")
    d.add_argument("--normalize", action="store_true",
                   help="show order 2 divided by its order-1 parent")
    d.set_defaults(func=run_disk)
    return p


def _save(fig, args) -> int:
    from scatkit.plot import save_figure

    print(save_figure(fig, args.output, dpi=args.dpi))
    return 0


def run_filters(args) -> int:
    import scatkit
    from scatkit.plot import plot_filters

    shape = tuple(args.shape) if args.shape else DEFAULT_FILTER_SHAPE[args.transform]
    if args.transform == "1d":
        if len(shape) != 1:
            raise ValueError(f"--shape for 1d is one length, got {shape}")
        S = scatkit.Scattering1D(args.J, shape[0], Q=args.Q)
    else:
        if len(shape) != 2:
            raise ValueError(f"--shape for 2d is H W, got {shape}")
        S = scatkit.Scattering2D(args.J, shape, L=args.L)
    return _save(plot_filters(S), args)


def run_audio(args) -> int:
    import scatkit
    from scatkit.datasets.audio import read_audio
    from scatkit.plot import plot_coefficients_1d, plot_scalogram

    x, sr = read_audio(args.input, sr=args.sr, length=args.length)
    options = {"Q": args.Q}
    if getattr(args, "T", None):
        options["T"] = args.T
    S = scatkit.Scattering1D(args.J, x.shape[-1], **options)
    plot = plot_scalogram if args.kind == "scalogram" else plot_coefficients_1d
    fig = plot(S, x, sr=sr)
    fig.suptitle(str(args.input), fontsize=9)
    return _save(fig, args)


def run_disk(args) -> int:
    import scatkit
    from scatkit.datasets.images import read_image
    from scatkit.plot import plot_disk

    x = read_image(args.input, size=args.size)
    S = scatkit.Scattering2D(args.J, x.shape, L=args.L)
    return _save(plot_disk(S, x, log=args.log, normalize_order2=args.normalize), args)
