"""The ``wecom-callback`` command: run, worker, demo, simulate, decrypt, keygen, inbox."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..errors import WeComCallbackError
from . import demo, inbox, keys, serving

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wecom-callback", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (demo, serving, keys, inbox):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wecom-callback`` command."""
    args = _parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except WeComCallbackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return result
