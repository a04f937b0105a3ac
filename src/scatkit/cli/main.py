"""The ``scatkit`` command: one entry point, one subcommand per module.

Each module listed in :data:`SUBCOMMANDS` defines ``add_parser(subparsers)``
which registers its sub-parser and sets ``func`` (called with the parsed
arguments, returning an exit status).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .._version import __version__

#: subcommand modules, in the order ``--help`` lists them
SUBCOMMANDS = (
    "scatkit.cli.demo",
    "scatkit.cli.experiment",
    "scatkit.cli.bench",
    "scatkit.cli.features",
    "scatkit.cli.show",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scatkit",
        description="Wavelet scattering transforms: features, experiments, benchmarks, plots.")
    parser.add_argument("--version", action="version", version=f"scatkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name == name:  # subcommand not built yet
                continue
            raise
        module.add_parser(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, TypeError, FileNotFoundError) as err:
        print(f"scatkit {args.command}: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
