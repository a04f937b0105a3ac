r"""Energy of the scattering coefficients, per order.

For a scattering transform with output sampling step :math:`s` (the ``stride``
in 1D, :math:`2^J` per axis in 2D), the energy of order :math:`m` relative to the
input's is

.. math::

    e_m(x) = \frac{s^d \sum_{|p| = m} \|S[p]x\|^2}{\|x\|^2},

the factor :math:`s^d` accounting for the subsampling (each output sample stands
for :math:`s^d` input samples).  For a non-expansive wavelet frame (upper bound
:math:`B \le 1`, see :mod:`scatkit.filters.littlewood_paley`) the cumulative sum
:math:`\sum_{m \le M} e_m` stays below 1 and approaches it as :math:`M` grows;
with Kymatio's Morlet banks (lower bound :math:`A` well below 1) it settles
below 1.  Bruna & Mallat (IEEE PAMI 2013, Table 1) report these fractions on
natural images.
"""

from __future__ import annotations

import numpy as np


def sampling_step(S) -> int:
    """Number of input samples per output sample, :math:`s^d`."""
    if hasattr(S, "stride"):
        return int(S.stride) ** S.ndim
    return int(2 ** (S.J * S.ndim))


def energy_per_order(S, x) -> np.ndarray:
    """Fractions :math:`e_m` (``m = 0..max_order``) of the energy of ``x`` per order.

    Parameters
    ----------
    S : Scattering1D or Scattering2D
    x : ndarray, shape (..., *S.shape)
        Signals; energies are summed over the batch before normalising.

    Returns
    -------
    ndarray, shape (S.max_order + 1,)
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.asarray(S(x))
    order = S.meta()["order"]
    axis = out.ndim + S.channel_axis
    per_channel = np.moveaxis(out**2, axis, 0).reshape(len(order), -1).sum(axis=1)
    per_order = np.bincount(order, weights=per_channel, minlength=S.max_order + 1)
    return per_order * sampling_step(S) / float(np.sum(x**2))
