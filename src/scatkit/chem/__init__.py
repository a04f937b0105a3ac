"""Quantum chemistry helpers: molecular densities on grids, alignment, Coulomb
matrices and the regressions of the QM7 experiment.

==========================  ===============================================  ================
name                        what                                             module
==========================  ===============================================  ================
``valence_electrons``       valence electron count of each nuclear charge    :mod:`.density`
``align_principal_axes``    rotate molecules onto their principal axes       :mod:`.density`
``random_rotations``        uniformly random rotation matrices               :mod:`.density`
``Grid``, ``fit_grid``      one grid that encloses every molecule            :mod:`.density`
``molecular_densities``     all/valence/core electron densities on a grid    :mod:`.density`
``coulomb_matrices``        (sorted) Coulomb matrices, Rupp et al. 2012      :mod:`.coulomb`
``kfold``                   fixed-seed K-fold splits                         :mod:`.regression`
``Standardizer``            zero-mean unit-variance features                 :mod:`.regression`
``ridge_cv``                ridge, penalty by inner cross-validation         :mod:`.regression`
``kernel_ridge_cv``         kernel ridge, hyper-parameters by inner CV       :mod:`.regression`
``orthogonal_least_squares``  greedy M-term orthogonal least squares         :mod:`.regression`
``expand_invariants``       powers, logs, channel products of invariants     :mod:`.expansion`
==========================  ===============================================  ================
"""

from .coulomb import coulomb_matrices
from .density import (Grid, align_principal_axes, fit_grid, molecular_densities,
                      random_rotations, valence_electrons)
from .expansion import expand_invariants
from .regression import (Standardizer, kernel_ridge_cv, kfold, orthogonal_least_squares,
                         ridge_cv)

__all__ = ["Grid", "Standardizer", "align_principal_axes", "coulomb_matrices",
           "expand_invariants", "fit_grid", "kernel_ridge_cv", "kfold", "molecular_densities",
           "orthogonal_least_squares", "random_rotations", "ridge_cv", "valence_electrons"]
