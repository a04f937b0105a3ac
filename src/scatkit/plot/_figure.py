"""Figures without pyplot: no GUI backend is needed (works like the Agg backend)."""

from __future__ import annotations

from pathlib import Path


def new_figure(figsize=(8, 5), **options):
    """A :class:`matplotlib.figure.Figure` with constrained layout, not managed by pyplot
    (so it never opens a window and is freed with its last reference)."""
    from matplotlib.figure import Figure

    options.setdefault("layout", "constrained")
    return Figure(figsize=figsize, **options)


def save_figure(fig, path, dpi: int = 120) -> Path:
    """Save ``fig`` (format from the file extension) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path
