r"""Scattering with periodic (circular) boundaries.

The core transforms :class:`scatkit.Scattering1D` and :class:`scatkit.Scattering2D`
pad their input by reflection, as Kymatio does, which suits images and sounds
with borders.  Realisations of a stationary process on a torus (simulation
boxes, periodic textures, Ising configurations with periodic bonds) have no
border: their statistics are estimated without bias only with circular
convolutions,

.. math::

    (x \circledast \psi)(u) = \sum_{v \in \mathbb{Z}_N^d} x(v)\, \psi(u - v \bmod N).

The classes below reuse the core engine unchanged (filter banks of
:mod:`scatkit.filters`, :func:`~scatkit.transforms.cascade.run_cascade`, its
precomputed fold terms and chunks of bounded memory, in threads) on the
unpadded grid: the filters are built, periodised, on the signal's own grid, and
no padding or cropping happens.  The output keeps every sample (``N / 2**J``
per axis) and is translation covariant for circular shifts by multiples of
``2**J``; its spatial mean is invariant to every circular shift.
"""

from __future__ import annotations

from ..transforms.scattering1d import Scattering1D
from ..transforms.scattering2d import Scattering2D


def _check_divisible(shape: tuple[int, ...], step: int, name: str) -> None:
    bad = [n for n in shape if n % step]
    if bad:
        raise ValueError(f"periodic {name} needs every side divisible by {step} (2**J), got "
                         f"shape {tuple(shape)}; crop the input to a multiple of {step} or lower J")


class PeriodicScattering2D(Scattering2D):
    r"""2D scattering with circular convolutions (no padding).

    Same parameters, channels and :meth:`meta` as :class:`scatkit.Scattering2D`;
    the filters are built on the ``M x N`` grid itself, which must be divisible
    by ``2**J``; ``2**J`` may equal the shorter side (no padding to make room for:
    the largest wavelets then span the box).  Output shape
    ``(..., C, M / 2**J, N / 2**J)``.
    """

    _side_may_equal_2J = True

    def __init__(self, J, shape, L=8, max_order=2, out_type="array", *, batch_size=None,
                 check_finite=True):
        super().__init__(J, shape, L=L, max_order=max_order, out_type=out_type,
                         batch_size=batch_size, check_finite=check_finite)

    def _cascade_grid(self) -> tuple[int, int]:
        """The image's own grid (no padding), which ``2**J`` must divide."""
        _check_divisible(self.shape, 2**self.J, type(self).__name__)
        return tuple(self.shape)

    def output_shape(self):
        return (self.output_channels, self.shape[0] // 2**self.J, self.shape[1] // 2**self.J)


class PeriodicScattering1D(Scattering1D):
    r"""1D scattering with circular convolutions (no padding).

    Same parameters, channels and :meth:`meta` as :class:`scatkit.Scattering1D`;
    the filters are built on the signal's own ``N`` samples, which must be a
    multiple of the output stride.  Output shape ``(..., C, N / stride)``.
    """

    def __init__(self, J, shape, Q=1, T=None, stride=None, max_order=2, out_type="array", *,
                 batch_size=None, check_finite=True):
        super().__init__(J, shape, Q=Q, T=T, stride=stride, max_order=max_order,
                         out_type=out_type, batch_size=batch_size, check_finite=check_finite)
        N = self.shape[0]
        _check_divisible(self.shape, 2**self.log2_stride,
                         type(self).__name__)
        self.N_padded, self.pad_left, self.pad_right = N, 0, 0
        self.ind_start, self.ind_end = 0, N // 2**self.log2_stride
