"""Data set loaders and data location (see :mod:`.paths`)."""
from .paths import data_home, dataset_path

__all__ = ["data_home", "dataset_path"]
