"""Reproducible experiments: ``scatkit experiment NAME [--quick] [--out DIR]``.

Each experiment is a module here with ``run(ctx)``; :mod:`.framework` writes its
``results.json``, ``table.md`` and figures, and :mod:`.report` collects full runs
into ``docs/RESULTS.md``.
"""
from .framework import EXPERIMENTS, Context, run_experiment

__all__ = ["EXPERIMENTS", "Context", "run_experiment"]
