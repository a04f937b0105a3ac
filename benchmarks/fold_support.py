"""How much of the product-and-fold could per-filter supports save in 2D?

Usage: ``.venv/bin/python benchmarks/fold_support.py``

The cascade multiplies a spectrum by a group of wavelets (the ``L`` orientations of
one scale) on the union of their significant bins (the *envelope*; see
:func:`scatkit.transforms.cascade.fold_terms`).  For the benchmark's 2D workloads
this prints, per scale ``j`` and threshold (exact ``EXACT_EPS``, fast ``FAST_EPS``),
the mean fraction of the padded grid where one filter is significant and the
fraction its group's envelope covers.  Their ratio bounds what per-filter products
could save on that group's multiplications (the FFTs are untouched).  Counts only:
no timing, so it may run beside other jobs.
"""

from scatkit import Scattering2D
from scatkit.transforms.cascade import EXACT_EPS, FAST_EPS, significant_bins

#: 2D workloads of ``scatkit bench``: (name, J, shape)
WORKLOADS = (("2d-small", 2, (28, 28)), ("2d-large", 4, (256, 256)))


def support_fractions(J, shape, L=8, eps=EXACT_EPS):
    """Per scale ``j``: (mean fraction of one filter's significant bins, fraction of
    the union over the ``L`` orientations), on the padded full-resolution grid."""
    psi = Scattering2D(J, shape, L=L).bank.psi[0]
    out = []
    for j in range(J):
        sig = significant_bins(psi[j * L:(j + 1) * L], eps)
        out.append((float(sig.mean()), float(sig.any(axis=0).mean())))
    return out


def main() -> None:
    print("| workload | threshold | j | one filter | envelope of its L orientations |")
    print("|---|---|---|---|---|")
    for name, J, shape in WORKLOADS:
        for label, eps in (("exact", EXACT_EPS), ("fast", FAST_EPS)):
            for j, (one, env) in enumerate(support_fractions(J, shape, eps=eps)):
                print(f"| {name} | {label} ({eps:g}) | {j} | {one:.2f} | {env:.2f} |")


if __name__ == "__main__":
    main()
