"""SHA-256 verification of data folders against their ``SHA256SUMS`` files.

A data folder may hold a ``SHA256SUMS`` file in the format of ``sha256sum``
(``<64 hex digits>  <relative path>`` per line). :func:`verify_checksums` hashes the
listed files and reports those that are missing or differ. Hashing a large data set
is slow, so results are cached per file, keyed by its absolute path, size and
modification time, in ``$XDG_CACHE_HOME/scatkit/checksums.json`` (or
``~/.cache/scatkit/checksums.json``; override with :data:`CACHE_ENV_VAR`): a file is
re-hashed only when one of those changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from .paths import dataset_path

__all__ = ["read_sums", "sha256_file", "verify_checksums", "require_dataset", "ChecksumError"]

#: name of the checksum file in a data folder
SUMS_FILE = "SHA256SUMS"

#: environment variable overriding the location of the checksum cache file
CACHE_ENV_VAR = "SCATKIT_CHECKSUM_CACHE"

#: bytes read at a time while hashing
READ_BLOCK = 1 << 20


class ChecksumError(ValueError):
    """A data file is missing or its SHA-256 differs from ``SHA256SUMS``."""


def read_sums(path) -> dict[str, str]:
    """Parse a ``SHA256SUMS`` file into ``{relative path: hex digest}``."""
    sums = {}
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        digest, _, name = line.strip().partition(" ")
        name = name.strip().lstrip("*")  # '*' marks binary mode in sha256sum output
        if len(digest) != 64 or not name:
            raise ValueError(f"{path}:{number}: expected '<sha256>  <file>', got {line!r}")
        sums[os.path.normpath(name)] = digest.lower()
    return sums


def sha256_file(path) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(READ_BLOCK), b""):
            h.update(block)
    return h.hexdigest()


def _cache_file() -> Path:
    env = os.environ.get(CACHE_ENV_VAR)
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "scatkit" / "checksums.json"


def _load_cache(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _save_cache(path: Path, cache: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(cache, f)
        os.replace(tmp, path)
    except OSError:  # a read-only home only loses the cache, not the check
        pass


def verify_checksums(folder, files=None, use_cache: bool = True, raise_on_error: bool = True):
    """Check the files of ``folder`` against ``folder/SHA256SUMS``.

    Parameters
    ----------
    folder : str or Path
        A data folder holding a ``SHA256SUMS`` file.
    files : iterable of str, optional
        Only these relative paths (default: every listed file).
    use_cache : bool
        Reuse digests of files whose path, size and mtime did not change.
    raise_on_error : bool
        Raise :class:`ChecksumError` on a problem (default) instead of returning it.

    Returns
    -------
    dict
        ``{"checked": int, "missing": [paths], "mismatched": [paths]}``.
    """
    folder = Path(folder)
    sums_path = folder / SUMS_FILE
    if not sums_path.exists():
        raise FileNotFoundError(f"{folder} has no {SUMS_FILE} file")
    sums = read_sums(sums_path)
    if files is not None:
        wanted = {os.path.normpath(f) for f in files}
        unknown = wanted - set(sums)
        if unknown:
            raise ValueError(f"{sorted(unknown)[:3]} not listed in {sums_path}")
        sums = {k: v for k, v in sums.items() if k in wanted}
    cache_path = _cache_file()
    cache = _load_cache(cache_path) if use_cache else {}
    missing, mismatched = [], []
    for name, expected in sums.items():
        path = folder / name
        try:
            stat = path.stat()
        except FileNotFoundError:
            missing.append(name)
            continue
        key = str(path.resolve())
        stamp = [stat.st_size, stat.st_mtime_ns]
        entry = cache.get(key)
        if entry and entry[:2] == stamp:
            digest = entry[2]
        else:
            digest = sha256_file(path)
            cache[key] = stamp + [digest]
        if digest != expected:
            mismatched.append(name)
    if use_cache:
        _save_cache(cache_path, cache)
    report = {"checked": len(sums), "missing": missing, "mismatched": mismatched}
    if raise_on_error and (missing or mismatched):
        raise ChecksumError(f"{folder}: {len(missing)} missing file(s) {missing[:3]}, "
                            f"{len(mismatched)} file(s) with a wrong SHA-256 {mismatched[:3]}; "
                            "download the data set again")
    return report


def require_dataset(name: str, verify: bool = False) -> Path:
    """The folder of data set ``name``, optionally verified against its ``SHA256SUMS``.

    Raises :class:`FileNotFoundError` naming the expected location and the source
    when it is missing (see :func:`scatkit.datasets.paths.dataset_path`), and
    :class:`ChecksumError` when ``verify`` finds a damaged file. Folders without a
    ``SHA256SUMS`` file are accepted as they are.
    """
    folder = dataset_path(name)
    if verify and (folder / SUMS_FILE).exists():
        verify_checksums(folder)
    return folder
