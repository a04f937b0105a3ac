"""``validate_data`` across scikit-learn versions (public function since 1.6)."""

from __future__ import annotations

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data
except ImportError:  # pragma: no cover - older scikit-learn

    def validate_data(estimator, X="no_validation", y="no_validation", **kwargs):
        """Validate ``X`` (and ``y``) and set or check ``n_features_in_``."""
        return estimator._validate_data(X, y, **kwargs)

__all__ = ["validate_data"]
