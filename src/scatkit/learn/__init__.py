"""Learning with scattering features, scikit-learn compatible.

- :class:`AffinePCAClassifier`, :class:`AffinePCAClassifierCV` -- the affine
  space (class-wise PCA) classifier of Bruna & Mallat (2013);
- :class:`GaussianKernelRidgeClassifier` -- exact Gaussian-kernel ridge
  (one-vs-all least squares), float32 and in place for tens of thousands of samples;
- :class:`ScatteringTransformer` -- scattering coefficients in a
  :class:`~sklearn.pipeline.Pipeline` (tune ``J`` with ``GridSearchCV``);
- :class:`LogTransformer`, :class:`StandardScaler` (scikit-learn's),
  :func:`standardize`, :func:`scattering_features`.

Needs scikit-learn (``pip install "scatkit[learn]"``).
"""

from __future__ import annotations

try:
    import sklearn  # noqa: F401
except ImportError as err:  # pragma: no cover
    raise ImportError("scatkit.learn needs scikit-learn: pip install 'scatkit[learn]'") from err

from .affine_pca import AffinePCAClassifier, AffinePCAClassifierCV
from .kernel_ridge import GaussianKernelRidgeClassifier
from .transformers import (LogTransformer, ScatteringTransformer, StandardScaler,
                           build_scattering, scattering_features, standardize)

__all__ = ["AffinePCAClassifier", "AffinePCAClassifierCV", "GaussianKernelRidgeClassifier",
           "ScatteringTransformer",
           "LogTransformer", "StandardScaler", "standardize", "scattering_features",
           "build_scattering"]
