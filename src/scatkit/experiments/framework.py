"""Running experiments and recording what they measured.

An experiment is a module ``scatkit.experiments.<name>`` with a function
``run(ctx: Context) -> None``.  It records numbers with :meth:`Context.metric`,
tables with :meth:`Context.table` and figures with :meth:`Context.figure`; the
framework writes, under ``OUT/<name>/``:

- ``results.json``: ``{"experiment", "quick", "config", "metrics", "tables",
  "seconds", "versions"}`` (see ``CONVENTIONS.md``);
- ``table.md``: every table as Markdown;
- the PNG figures.

Metric keys are ``/``-separated paths, the quantity with its unit first, then the
method, then the setting: ``test_error_pct/scat2_pca/n300/mean``.  A quick run
records the same keys on a smaller problem.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np

#: experiment names, as ``scatkit experiment NAME`` knows them
EXPERIMENTS = ("mnist", "stability", "textures", "qm7", "fsdd", "synthesis", "gaussianity",
               "ising", "cifar10", "tree")

#: default output folder
DEFAULT_OUT = Path("results")


@dataclass
class Table:
    """A table: column names, rows, and a caption that says where numbers come from."""

    columns: list[str]
    rows: list[list[Any]]
    caption: str = ""

    def to_markdown(self, title: str | None = None) -> str:
        lines = []
        if title:
            lines.append(f"### {title}\n")
        if self.caption:
            lines.append(self.caption + "\n")
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "|".join("---" for _ in self.columns) + "|")
        for row in self.rows:
            lines.append("| " + " | ".join(_fmt(v) for v in row) + " |")
        return "\n".join(lines) + "\n"


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        if math.isnan(v):
            return "–"
        return f"{v:.4g}" if abs(v) < 1e4 else f"{v:.3e}"
    return str(v)


def fmt_mean_std(mean: float, std: float | None = None, digits: int = 2) -> str:
    """``"1.23 ± 0.45"`` (or just the mean when ``std`` is None)."""
    if std is None or (isinstance(std, float) and math.isnan(std)):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


@dataclass
class Context:
    """What an experiment writes to (see the module docstring)."""

    name: str
    quick: bool
    out_dir: Path
    seed: int = 0
    progress: bool = True
    config: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)
    figures: list = field(default_factory=list)

    def metric(self, key: str, value) -> None:
        """Record a number under a ``/``-separated key."""
        value = float(value)
        if not (math.isfinite(value)):
            raise ValueError(f"metric {key} is not finite: {value}")
        self.metrics[key] = value

    def table(self, name: str, columns: list[str], rows: list[list[Any]], caption: str = "") -> Table:
        t = Table(list(columns), [list(r) for r in rows], caption)
        self.tables[name] = t
        return t

    def figure(self, filename: str, fig) -> Path:
        """Save a matplotlib figure as ``OUT/<name>/<filename>`` and close it."""
        import matplotlib.pyplot as plt

        path = self.out_dir / filename
        fig.savefig(path, dpi=120, bbox_inches="tight")
        plt.close(fig)
        self.figures.append(filename)
        return path

    def path(self, filename: str) -> Path:
        """A path for any other artefact (WAV files, caches)."""
        return self.out_dir / filename

    def tqdm(self, iterable: Iterable, **kwargs):
        """A progress bar over ``iterable`` (silent when progress is off)."""
        from tqdm.auto import tqdm

        return tqdm(iterable, disable=not self.progress, **kwargs)

    def rng(self, offset: int = 0) -> np.random.Generator:
        """A generator seeded from the experiment's seed (fixed seeds throughout)."""
        return np.random.default_rng(self.seed + offset)


def versions() -> dict:
    """Versions of Python and of the libraries the numbers depend on."""
    from .. import __version__

    out = {"python": platform.python_version(), "scatkit": __version__,
           "platform": platform.platform(), "cpus": os.cpu_count()}
    for mod in ("numpy", "scipy", "torch", "sklearn", "matplotlib"):
        try:
            out[mod] = importlib.import_module(mod).__version__
        except ImportError:
            out[mod] = None
    return out


def run_experiment(name: str, quick: bool = False, out: str | Path = DEFAULT_OUT,
                   seed: int = 0, progress: bool = True) -> dict:
    """Run experiment ``name`` and write its results; returns the ``results.json`` dict."""
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; choose one of {', '.join(EXPERIMENTS)}")
    try:
        module = importlib.import_module(f"scatkit.experiments.{name}")
    except ModuleNotFoundError as err:
        if err.name == f"scatkit.experiments.{name}":
            raise ValueError(f"experiment {name!r} is not implemented in this version") from None
        raise
    out_dir = Path(out) / name
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = Context(name=name, quick=quick, out_dir=out_dir, seed=seed, progress=progress)
    start = time.perf_counter()
    module.run(ctx)
    seconds = time.perf_counter() - start
    results = {
        "experiment": name,
        "quick": bool(quick),
        "config": _jsonable(ctx.config),
        "metrics": dict(sorted(ctx.metrics.items())),
        "tables": {k: {"columns": t.columns, "rows": _jsonable(t.rows), "caption": t.caption}
                   for k, t in ctx.tables.items()},
        "figures": ctx.figures,
        "seconds": seconds,
        "versions": versions(),
    }
    tmp = out_dir / "results.json.tmp"
    tmp.write_text(json.dumps(results, indent=2))
    tmp.replace(out_dir / "results.json")
    (out_dir / "table.md").write_text(tables_markdown(results))
    return results


def tables_markdown(results: dict, command: str | None = None) -> str:
    """The Markdown of every table of a ``results.json`` dict (and the command that made it)."""
    head = f"## {results['experiment']}{' (quick)' if results['quick'] else ''}\n\n"
    if command:
        head += f"Command: `{command}`\n\n"
    head += f"Run time {results['seconds']:.0f} s; scatkit {results['versions'].get('scatkit')}.\n\n"
    body = "\n".join(Table(t["columns"], t["rows"], t.get("caption", "")).to_markdown(title)
                     for title, t in results["tables"].items())
    return head + body


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    return obj
