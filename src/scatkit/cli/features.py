"""``scatkit features``: scattering features of folders of images or recordings.

::

    scatkit features INPUT... --transform 1d|2d|3d|jtfs [--J N --L N --Q N ...] -o OUT
                     [--size H W | --length N] [--sr RATE] [--color]
                     [--workers N | --scheduler ADDRESS] [--chunk-size N]
                     [--on-error skip|fail] [--overwrite] [--no-progress]

Any keyword of the transform's constructor can be given as ``--NAME VALUE``
(``--max_order 1``, ``--max-order 1``, ``--T 512``, ``--Q 8,1``); values are read as
Python literals (numbers, tuples, ``None``), else as strings. The input shape comes
from the data. Output: ``OUT.zarr`` or ``OUT.npz`` (see
:mod:`scatkit.datasets.features` for the layout, resuming and crash safety; read it
back with :func:`scatkit.datasets.features.load_features`).
"""

from __future__ import annotations

import argparse
import ast
import inspect
import sys

import numpy as np

#: --transform name -> (top-level scatkit attribute, number of signal axes)
TRANSFORMS = {"1d": ("Scattering1D", 1), "2d": ("Scattering2D", 2),
              "3d": ("HarmonicScattering3D", 3), "jtfs": ("TimeFrequencyScattering", 1)}

#: rows (files) per chunk when --chunk-size is not given
DEFAULT_CHUNK_SIZE = 32

#: constructor keywords the command sets itself (not accepted as --NAME VALUE)
RESERVED_KEYWORDS = ("shape", "out_type", "self")


class ShapeMismatchError(ValueError):
    """An input's shape differs from the first input's (always fatal)."""


# -- transform -----------------------------------------------------------------------------
def transform_class(name: str):
    """The transform class for ``--transform name``, with a clear error when the module
    that provides it is not part of this installation."""
    if name not in TRANSFORMS:
        raise ValueError(f"--transform must be one of {', '.join(TRANSFORMS)}, got {name!r}")
    import scatkit

    attribute = TRANSFORMS[name][0]
    try:
        return getattr(scatkit, attribute)
    except (AttributeError, ImportError) as err:
        raise ValueError(f"--transform {name} needs scatkit.{attribute}, which is not available in "
                         f"this installation ({err})") from err


def parse_value(text: str):
    """A command-line value as a Python literal (``3``, ``0.5``, ``8,1``, ``None``), else
    the string itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def check_keywords(cls, keywords: dict) -> dict:
    """Keep ``keywords`` that ``cls``'s constructor accepts; error naming the valid ones."""
    parameters = inspect.signature(cls).parameters
    valid = [p for p in parameters if p not in RESERVED_KEYWORDS]
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    for key in keywords:
        if key in RESERVED_KEYWORDS:
            raise ValueError(f"--{key} is set by the command (shape comes from the data)")
        if key not in parameters and not takes_any:
            raise ValueError(f"{cls.__name__} has no keyword {key!r}; valid: "
                             f"{', '.join('--' + v for v in valid)}")
    return keywords


def build_transform(name: str, keywords: dict, sample: np.ndarray):
    """Build the transform for inputs shaped like ``sample`` (a colour image has a
    leading channel axis, kept as a batch axis)."""
    cls = transform_class(name)
    ndim = TRANSFORMS[name][1]
    if sample.ndim not in (ndim, ndim + 1):
        raise ValueError(f"--transform {name} takes {ndim}D signals, but the inputs have shape "
                         f"{sample.shape}; use 1d/jtfs for audio, 2d for images, 3d for .npy volumes")
    return cls(shape=sample.shape[sample.ndim - ndim:], **check_keywords(cls, keywords))


# -- one chunk (runs locally or on a Dask worker) ----------------------------------------------
def compute_chunk(ref, files, rows, expected_shape, read_options: dict, on_error: str):
    """Read ``files`` (global row indices ``rows``) and transform them.

    Returns ``(features, ok_rows, errors)``: the features of the files that could be
    read, their row indices, and ``{file: message}`` of those skipped. Unreadable files
    raise when ``on_error == 'fail'``; a file whose shape differs always raises.
    """
    from scatkit.datasets.folders import read_input

    arrays, ok_rows, errors = [], [], {}
    for path, row in zip(files, rows):
        try:
            x = read_input(path, **read_options)
        except (ValueError, OSError) as err:
            if on_error == "fail":
                raise ValueError(f"{err} (use --on-error skip to leave it out)") from err
            errors[str(path)] = str(err)
            continue
        if x.shape != tuple(expected_shape):
            raise ShapeMismatchError(
                f"{path} has shape {x.shape} but the first input has {tuple(expected_shape)}; "
                "pass --size H W (images) or --length N (audio) to fit inputs to one shape")
        arrays.append(x)
        ok_rows.append(int(row))
    S = ref.get()
    if arrays:
        features = np.asarray(S(np.stack(arrays)), dtype=np.float32)
    else:
        features = np.zeros((0,) + tuple(expected_shape[:-S.ndim]) + tuple(S.output_shape()),
                            dtype=np.float32)
    return features, ok_rows, errors


def _first_sample(files, read_options, on_error):
    from scatkit.datasets.folders import read_input

    for path in files:
        try:
            return read_input(path, **read_options)
        except (ValueError, OSError) as err:
            if on_error == "fail":
                raise ValueError(f"{err} (use --on-error skip to leave it out)") from err
            print(f"scatkit features: skipping {path}: {err}", file=sys.stderr)
    raise ValueError("no input file could be read")


def _run_chunks(store, pending, job, client, progress):
    """Compute the pending chunks (locally or on ``client``) and write each one as it
    arrives; ``job(k)`` returns the arguments of :func:`compute_chunk` for chunk ``k``."""
    def write(k, result):
        features, ok_rows, errors = result
        for path, message in errors.items():
            progress.write(f"scatkit features: skipping {path}: {message}", file=sys.stderr)
        store.write_chunk(k, features, ok_rows, errors)
        start, stop = store.chunk_rows(k)
        progress.update(stop - start)

    if client is None:
        for k in pending:
            write(k, compute_chunk(*job(k)))
        return
    from distributed import as_completed

    futures = {client.submit(compute_chunk, *job(k), pure=False): k for k in pending}
    try:
        for future in as_completed(futures):
            write(futures[future], future.result())
    finally:
        for future in futures:
            future.cancel()


def extract_features(inputs, transform: str, output, keywords=None, size=None, length=None, sr=None,
                     color=False, chunk_size=DEFAULT_CHUNK_SIZE, on_error="skip", client=None,
                     overwrite=False, progress=True) -> dict:
    """Compute scattering features of files and write them to a resumable store.

    The Python form of ``scatkit features`` (see the module notes). ``client`` is a
    :class:`distributed.Client` to spread chunks over a cluster (default: this process).

    Returns
    -------
    dict
        ``{"rows": N written, "skipped": {file: message}, "computed_chunks": int,
        "output": path}``.
    """
    from tqdm.auto import tqdm

    import scatkit
    from scatkit.datasets.features import meta_to_json, open_store
    from scatkit.datasets.folders import list_files
    from scatkit.distributed import TransformRef

    if on_error not in ("skip", "fail"):
        raise ValueError(f"--on-error must be skip or fail, got {on_error!r}")
    if int(chunk_size) < 1:
        raise ValueError(f"--chunk-size must be at least 1, got {chunk_size}")
    keywords = dict(keywords or {})
    read_options = {"size": tuple(size) if size else None, "length": length, "sr": sr,
                    "color": bool(color)}
    found = list_files(inputs)
    files = [str(f) for f in found.files]
    sample = _first_sample(files, read_options, on_error)
    S = build_transform(transform, keywords, sample)
    params = {"transform": transform, "class": type(S).__name__, "keywords": keywords,
              "shape": list(S.shape), "input_shape": list(sample.shape), **read_options}
    run = {"params": params, "files": files, "chunk_size": int(chunk_size)}
    row_shape = sample.shape[:sample.ndim - S.ndim] + tuple(S.output_shape())
    store = open_store(output, run, len(files), row_shape, resume=not overwrite)
    done = set(range(store.n_chunks)) if store.is_complete() else store.done_chunks()
    pending = [k for k in range(store.n_chunks) if k not in done]
    if not store.is_complete():
        ref = TransformRef(S)

        def job(k):
            start, stop = store.chunk_rows(k)
            return ref, files[start:stop], range(start, stop), sample.shape, read_options, on_error

        total = sum(stop - start for start, stop in map(store.chunk_rows, pending))
        with tqdm(total=total, unit="file", desc="features", disable=not progress,
                  file=sys.stderr) as bar:
            _run_chunks(store, pending, job, client, bar)
        header = {"params": params, "meta": meta_to_json(S.meta()), "files": files,
                  "classes": found.classes, "version": scatkit.__version__}
        store.finalize(header, found.labels)
    from scatkit.datasets.features import load_features

    written = load_features(output, arrays=False)
    return {"rows": len(written["files"]), "skipped": written["skipped"],
            "computed_chunks": len(pending), "output": str(output)}


# -- command line ------------------------------------------------------------------------------
class _KeywordParser(argparse.ArgumentParser):
    """Collects unknown ``--NAME VALUE`` pairs as constructor keywords (``args.keywords``)."""

    def parse_known_args(self, args=None, namespace=None):
        namespace, rest = super().parse_known_args(args, namespace)
        keywords = dict(getattr(namespace, "keywords", None) or {})
        leftover, i = [], 0
        while i < len(rest):
            item = rest[i]
            if item.startswith("--") and len(item) > 2:
                name, eq, value = item[2:].partition("=")
                if not eq:
                    if i + 1 >= len(rest):
                        self.error(f"--{name} needs a value")
                    value, i = rest[i + 1], i + 1
                keywords[name.replace("-", "_")] = parse_value(value)
            else:
                leftover.append(item)
            i += 1
        namespace.keywords = keywords
        return namespace, leftover


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "features", help="scattering features of folders/globs of images or audio -> .zarr/.npz",
        description="Scattering features of folders, globs or files of images (PNG, JPEG, TIFF), "
        "audio (WAV, FLAC, OGG) or .npy arrays, written in resumable chunks to OUT.zarr or OUT.npz. "
        "Inputs in <class>/ folders get labels. Any constructor keyword of the transform is "
        "accepted as --NAME VALUE (values are Python literals).",
        formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False,
        epilog="examples:\n"
               "  scatkit features photos/ --transform 2d --J 3 --L 8 --size 200 200 -o f.zarr\n"
               "  scatkit features 'rec/*.wav' --transform 1d --J 6 --Q 8 --length 8192 -o f.npz\n"
               "  scatkit features data/ --transform 2d --J 2 -o f.zarr --workers 2")
    p.__class__ = _KeywordParser
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="folders, globs or files")
    p.add_argument("--transform", required=True, choices=sorted(TRANSFORMS))
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="OUT.zarr or OUT.npz")
    for name, what in (("J", "number of scales"), ("L", "orientations (2d)"),
                       ("Q", "wavelets per octave (1d, jtfs; e.g. 8 or 8,1)")):
        p.add_argument(f"--{name}", dest=f"kw_{name}", type=parse_value, metavar="N", help=what)
    fit = p.add_mutually_exclusive_group()
    fit.add_argument("--size", type=int, nargs=2, metavar=("H", "W"),
                     help="fit images to H x W (resize to cover, centre crop)")
    fit.add_argument("--length", type=int, metavar="N",
                     help="fit audio to N samples (centred zero-pad or crop)")
    p.add_argument("--sr", type=int, metavar="RATE", help="resample audio to RATE Hz")
    p.add_argument("--color", action="store_true", help="keep colour images as (3, H, W)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N", help="run on a local Dask cluster of N processes")
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on the Dask scheduler at ADDRESS")
    p.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE, metavar="N",
                   help=f"files per chunk (unit of work and of resuming; default {DEFAULT_CHUNK_SIZE})")
    p.add_argument("--on-error", choices=("skip", "fail"), default="skip",
                   help="unreadable files: report and skip them (default), or stop")
    p.add_argument("--overwrite", action="store_true", help="start again instead of resuming")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    keywords = {name: getattr(args, f"kw_{name}") for name in ("J", "L", "Q")
                if getattr(args, f"kw_{name}") is not None}
    keywords.update(args.keywords)
    options = dict(keywords=keywords, size=args.size, length=args.length, sr=args.sr, color=args.color,
                   chunk_size=args.chunk_size, on_error=args.on_error, overwrite=args.overwrite,
                   progress=not args.no_progress)
    if args.workers is None and args.scheduler is None:
        summary = extract_features(args.inputs, args.transform, args.output, **options)
    else:
        from scatkit.distributed import cluster_client

        with cluster_client(args.workers, args.scheduler) as client:
            summary = extract_features(args.inputs, args.transform, args.output, client=client,
                                       **options)
    skipped = len(summary["skipped"])
    print(f"{summary['output']}: {summary['rows']} rows ({summary['computed_chunks']} chunk(s) "
          f"computed now{f', {skipped} file(s) skipped' if skipped else ''})")
    return 0
