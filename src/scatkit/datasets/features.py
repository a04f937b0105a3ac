"""Resumable on-disk stores of scattering features (Zarr or ``.npz``), and their reader.

Layout of a finished store (the same content in both formats):

============  ====================================================================
``features``  (N, ...) float32, one row per input file that could be read
``labels``    (N,) int64 class indices, only when inputs sit in ``<class>/`` folders
``params``    transform name, keywords, input shape and reading options (dict)
``meta``      the transform's ``S.meta()`` (dict of lists; NaN stored as null)
``files``     input files in row order
``classes``   class names (index = label)
``skipped``   ``{file: error message}`` of unreadable files left out
``version``   scatkit version that wrote the store
============  ====================================================================

In Zarr (``OUT.zarr``) ``features``/``labels`` are arrays and the rest are group
attributes; in ``OUT.npz`` the arrays are stored as such and the dicts as JSON strings.

Resuming and crash safety
-------------------------
Rows are computed in chunks of ``chunk_size`` files. A chunk counts as done only
when its *marker* exists, and the marker is written (atomically: temporary file,
then :func:`os.replace`) **after** the chunk's data. An interrupted run therefore
leaves at worst a chunk with data but no marker, which a re-run recomputes and
:func:`load_features` never sees: it accepts only stores marked complete.

* Zarr: rows go straight into ``OUT.zarr/features`` (NaN-filled until written);
  markers are small JSON files in ``OUT.zarr/.scatkit_chunks/``; the group attribute
  ``complete`` is set last. If files were skipped, the array is compacted in place
  at the end (a run interrupted *during* compaction is restarted from scratch).
* ``.npz``: each chunk is its own ``OUT.npz.parts/chunk_NNNNNN.npz`` (written to a
  temporary name, then renamed: the rename is the marker); the final ``OUT.npz`` is
  written to a temporary file and renamed, then the parts are removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["open_store", "load_features", "ZarrStore", "NpzStore", "IncompleteStoreError",
           "SettingsMismatchError",
           "meta_to_json"]

#: marker folder inside a Zarr store
ZARR_MARKERS = ".scatkit_chunks"

#: suffix of the folder holding the parts of an ``.npz`` store under construction
NPZ_PARTS_SUFFIX = ".parts"


class IncompleteStoreError(ValueError):
    """A feature store exists but its run has not finished (re-run to resume)."""


class SettingsMismatchError(ValueError):
    """An existing store was started with other settings."""


def meta_to_json(meta: dict) -> dict:
    """``S.meta()`` (dict of arrays) as JSON-ready nested lists, NaN -> ``None``."""
    def clean(value):
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, float) and not np.isfinite(value):
            return None
        return value

    return {key: clean(np.asarray(value).tolist()) for key, value in meta.items()}


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _atomic_savez(path: Path, **arrays) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp.npz")
    os.close(fd)
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class _Store:
    """Common logic: chunk bookkeeping and the run header.

    Parameters
    ----------
    path : Path
        Output location.
    run : dict
        Identity of the run (params, files, chunk size); a re-run must match it.
    n_rows : int
        Number of input files.
    row_shape : tuple of int
        Shape of one feature row.
    """

    def __init__(self, path, run: dict, n_rows: int, row_shape: tuple[int, ...]):
        self.path = Path(path)
        self.run = json.loads(json.dumps(run))  # normalise (tuples -> lists)
        self.n_rows = int(n_rows)
        self.row_shape = tuple(int(s) for s in row_shape)
        self.chunk_size = int(run["chunk_size"])

    @property
    def n_chunks(self) -> int:
        return -(-self.n_rows // self.chunk_size)

    def chunk_rows(self, k: int) -> tuple[int, int]:
        return k * self.chunk_size, min((k + 1) * self.chunk_size, self.n_rows)

    def _check_run(self, stored: dict) -> None:
        if stored != self.run:
            changed = sorted(k for k in set(stored) | set(self.run) if stored.get(k) != self.run.get(k))
            raise SettingsMismatchError(f"{self.path} was started with different settings ({', '.join(changed)} "
                             "differ); pass --overwrite to start again, or choose another output")

    def _collect(self, chunk_results):
        """Merge per-chunk ``(ok_rows, errors)`` into a row mask and an error dict."""
        ok = np.zeros(self.n_rows, dtype=bool)
        errors = {}
        for rows, errs in chunk_results:
            ok[np.asarray(rows, dtype=np.int64)] = True
            errors.update(errs)
        return ok, errors


class ZarrStore(_Store):
    """Feature store in a Zarr group (see the module notes)."""

    def open(self, resume: bool = True) -> None:
        import zarr

        markers = self.path / ZARR_MARKERS
        if self.path.exists() and resume:
            group = zarr.open_group(str(self.path), mode="a")
            attrs = dict(group.attrs)
            if "scatkit_run" not in attrs:
                raise ValueError(f"{self.path} exists and is not a scatkit feature store; remove it "
                                 "or choose another output")
            self._check_run(attrs["scatkit_run"])
            if attrs.get("state") != "compacting":
                self.group = group
                return
        if self.path.exists():
            shutil.rmtree(self.path)
        group = zarr.open_group(str(self.path), mode="w")
        group.create_array("features", shape=(self.n_rows,) + self.row_shape,
                           chunks=(self.chunk_size,) + self.row_shape, dtype="float32",
                           fill_value=np.nan)
        group.attrs.update({"scatkit_run": self.run, "complete": False, "state": "running"})
        markers.mkdir()
        self.group = group

    def has_progress(self) -> bool:
        """Whether the store holds any finished work (a complete run or a chunk)."""
        if not self.path.exists():
            return False
        markers = self.path / ZARR_MARKERS
        return not markers.exists() or any(markers.glob("chunk_*.json"))

    def _marker(self, k: int) -> Path:
        return self.path / ZARR_MARKERS / f"chunk_{k:06d}.json"

    def done_chunks(self) -> set[int]:
        return {k for k in range(self.n_chunks) if self._marker(k).exists()}

    def is_complete(self) -> bool:
        return bool(self.group.attrs.get("complete", False))

    def write_chunk(self, k: int, features: np.ndarray, ok_rows, errors: dict) -> None:
        """Store chunk ``k``: ``features`` holds the rows of ``ok_rows`` (global indices)."""
        start, stop = self.chunk_rows(k)
        block = np.full((stop - start,) + self.row_shape, np.nan, dtype=np.float32)
        block[np.asarray(ok_rows, dtype=np.int64) - start] = features
        self.group["features"][start:stop] = block
        self._mark(k, ok_rows, errors)

    def _mark(self, k, ok_rows, errors) -> None:
        payload = {"ok": [int(r) for r in ok_rows], "errors": errors}
        _atomic_write_bytes(self._marker(k), json.dumps(payload).encode())

    def _read_markers(self):
        for k in range(self.n_chunks):
            payload = json.loads(self._marker(k).read_text())
            yield payload["ok"], payload["errors"]

    def finalize(self, header: dict, labels) -> None:
        """Compact out skipped rows, write labels and attributes, mark complete."""
        ok, errors = self._collect(self._read_markers())
        features = self.group["features"]
        if not ok.all():
            self.group.attrs["state"] = "compacting"
            keep = np.flatnonzero(ok)
            for dst in range(0, keep.size, self.chunk_size):  # destination <= source: safe in place
                rows = keep[dst:dst + self.chunk_size]
                features[dst:dst + rows.size] = features.get_orthogonal_selection((rows,))
            features.resize((keep.size,) + self.row_shape)
        if labels is not None:
            self.group.create_array("labels", data=np.asarray(labels, dtype=np.int64)[ok],
                                    overwrite=True)
        files = [f for f, good in zip(header["files"], ok) if good]
        self.group.attrs.update({**header, "files": files, "skipped": errors, "state": "done",
                                 "complete": True})
        shutil.rmtree(self.path / ZARR_MARKERS, ignore_errors=True)


class NpzStore(_Store):
    """Feature store in one ``.npz`` file, built from per-chunk part files."""

    @property
    def parts(self) -> Path:
        return self.path.with_name(self.path.name + NPZ_PARTS_SUFFIX)

    def open(self, resume: bool = True) -> None:
        run_file = self.parts / "run.json"
        if self.path.exists() and resume:
            with np.load(self.path) as data:
                stored = json.loads(str(data["scatkit_run"])) if "scatkit_run" in data.files else None
            if stored is None:
                raise ValueError(f"{self.path} exists and is not a scatkit feature file; remove it "
                                 "or choose another output")
            self._check_run(stored)
            self._complete = True
            return
        self._complete = False
        if self.parts.exists() and resume and run_file.exists():
            self._check_run(json.loads(run_file.read_text()))
            return
        if self.path.exists():
            self.path.unlink()
        shutil.rmtree(self.parts, ignore_errors=True)
        self.parts.mkdir(parents=True)
        _atomic_write_bytes(run_file, json.dumps(self.run).encode())

    def has_progress(self) -> bool:
        """Whether the store holds any finished work (a complete run or a chunk)."""
        return self.path.exists() or any(self.parts.glob("chunk_*.npz"))

    def _part(self, k: int) -> Path:
        return self.parts / f"chunk_{k:06d}.npz"

    def is_complete(self) -> bool:
        return self._complete

    def done_chunks(self) -> set[int]:
        if self._complete:
            return set(range(self.n_chunks))
        return {k for k in range(self.n_chunks) if self._part(k).exists()}

    def write_chunk(self, k: int, features: np.ndarray, ok_rows, errors: dict) -> None:
        _atomic_savez(self._part(k), features=np.asarray(features, dtype=np.float32),
                      ok=np.asarray(ok_rows, dtype=np.int64), errors=json.dumps(errors))

    def finalize(self, header: dict, labels) -> None:
        blocks, results = [], []
        for k in range(self.n_chunks):
            with np.load(self._part(k)) as part:
                blocks.append(part["features"])
                results.append((part["ok"], json.loads(str(part["errors"]))))
        ok, errors = self._collect(results)
        arrays = {"features": np.concatenate(blocks).reshape((-1,) + self.row_shape)}
        if labels is not None:
            arrays["labels"] = np.asarray(labels, dtype=np.int64)[ok]
        files = [f for f, good in zip(header["files"], ok) if good]
        arrays.update(files=np.array(files, dtype=str), classes=np.array(header["classes"], dtype=str),
                      params=json.dumps(header["params"]), meta=json.dumps(header["meta"]),
                      skipped=json.dumps(errors), version=str(header["version"]),
                      scatkit_run=json.dumps(self.run))
        _atomic_savez(self.path, **arrays)
        shutil.rmtree(self.parts, ignore_errors=True)
        self._complete = True


def open_store(path, run: dict, n_rows: int, row_shape, resume: bool = True):
    """A :class:`ZarrStore` (``.zarr``) or :class:`NpzStore` (``.npz``), opened for
    writing (resuming a matching unfinished run unless ``resume=False``).

    A store started with other settings is an error (:class:`SettingsMismatchError`)
    when it holds finished work, and is started again when it holds none."""
    path = Path(path)
    kinds = {".zarr": ZarrStore, ".npz": NpzStore}
    if path.suffix not in kinds:
        raise ValueError(f"output {path} must end in .zarr (Zarr) or .npz (NumPy)")
    store = kinds[path.suffix](path, run, n_rows, row_shape)
    try:
        store.open(resume)
    except SettingsMismatchError:
        if store.has_progress():
            raise
        store.open(resume=False)
    return store


def load_features(path, arrays: bool = True) -> dict:
    """Read a finished feature store (``.zarr`` or ``.npz``).

    Parameters
    ----------
    path : str or Path
    arrays : bool
        Read ``features`` and ``labels`` (default); ``False`` reads only the
        metadata (both keys are then ``None``), which is quick for large stores.

    Returns
    -------
    dict
        ``features`` (ndarray), ``labels`` (ndarray or None), ``files``, ``classes``,
        ``params``, ``meta``, ``skipped``, ``version``.

    Raises
    ------
    IncompleteStoreError
        If the store's run has not finished (re-run the same command to resume it).
    """
    path = Path(path)
    if path.suffix == ".npz":
        if not path.exists():
            parts = path.with_name(path.name + NPZ_PARTS_SUFFIX)
            if parts.exists():
                raise IncompleteStoreError(f"{path} is not finished (parts in {parts}); re-run the "
                                           "same command to resume")
            raise FileNotFoundError(f"no feature file {path}")
        with np.load(path) as data:  # members are read on access only
            return {"features": data["features"] if arrays else None,
                    "labels": data["labels"] if arrays and "labels" in data.files else None,
                    "files": data["files"].tolist(), "classes": data["classes"].tolist(),
                    "params": json.loads(str(data["params"])), "meta": json.loads(str(data["meta"])),
                    "skipped": json.loads(str(data["skipped"])), "version": str(data["version"])}
    if path.suffix == ".zarr":
        import zarr

        if not path.exists():
            raise FileNotFoundError(f"no feature store {path}")
        group = zarr.open_group(str(path), mode="r")
        attrs = dict(group.attrs)
        if not attrs.get("complete"):
            raise IncompleteStoreError(f"{path} is not finished; re-run the same command to resume")
        keys = set(group.array_keys())
        return {"features": group["features"][:] if arrays else None,
                "labels": group["labels"][:] if arrays and "labels" in keys else None,
                **{k: attrs[k] for k in ("files", "classes", "params", "meta", "skipped", "version")}}
    raise ValueError(f"{path}: feature stores end in .zarr or .npz")
