r"""Coulomb matrices (Rupp, Tkatchenko, Müller & von Lilienfeld, PRL 108, 058301, 2012).

.. math::

    C_{aa} = \tfrac12 Z_a^{2.4},\qquad C_{ab} = \frac{Z_a Z_b}{|R_a - R_b|}\quad(a\ne b),

positions in bohr.  The *sorted* matrix permutes atoms by decreasing row norm
(Montavon et al., NIPS 2012), which makes it invariant to atom order.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BOHR_PER_ANGSTROM", "coulomb_matrices"]

#: 1 angstrom in bohr (CODATA 2018 Bohr radius 0.529177210903 angstrom)
BOHR_PER_ANGSTROM = 1.0 / 0.529177210903
#: exponent of the diagonal term, a fit of the free atoms' energies
DIAGONAL_EXPONENT = 2.4


def coulomb_matrices(positions, charges, sort: bool = True, triangle: bool = True) -> np.ndarray:
    """Coulomb matrices of molecules given in angstrom.

    Parameters
    ----------
    positions : array (n, A, 3), angstrom
    charges : array (n, A), 0 for padding atoms (their rows/columns are 0)
    sort : bool
        Order atoms by decreasing row norm.
    triangle : bool
        Return the upper triangle (with diagonal) flattened, ``(n, A(A+1)/2)``;
        else the matrices ``(n, A, A)``.
    """
    pos = np.asarray(positions, dtype=np.float64) * BOHR_PER_ANGSTROM
    z = np.asarray(charges, dtype=np.float64)
    dist = np.linalg.norm(pos[:, :, None] - pos[:, None], axis=-1)
    A = z.shape[1]
    eye = np.eye(A, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        C = np.where(eye, 0.5 * z[:, :, None] ** DIAGONAL_EXPONENT,
                     z[:, :, None] * z[:, None] / np.where(eye, 1.0, dist))
    C = np.nan_to_num(C * (z[:, :, None] > 0) * (z[:, None] > 0), posinf=0.0)
    if sort:
        order = np.argsort(-np.linalg.norm(C, axis=-1), axis=1, kind="stable")
        C = np.take_along_axis(C, order[:, :, None], 1)
        C = np.take_along_axis(C, order[:, None, :], 2)
    if triangle:
        iu = np.triu_indices(A)
        return C[:, iu[0], iu[1]]
    return C
