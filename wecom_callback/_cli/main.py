"""The ``wecom-callback`` command: run, worker, demo, simulate, decrypt, keygen, inbox, aibot."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Iterator, Sequence

from ..errors import WeComCallbackError
from . import aibot, demo, diagnosis, inbox, keys, serving, simulation

__all__ = ["main"]

_EPILOG = (
    "Errors are one line on stderr (exit 2 for a configuration or usage problem, 1 for a "
    "failed check or an unexpected error); --debug shows the traceback."
)

#: Help for options that several commands share, given where a command leaves it out.
_SHARED_HELP = {
    "--host": "interface to listen on (default: WECOM_HOST or %(default)s)",
    "--port": "port to listen on, 0 for any free one (default: WECOM_PORT or %(default)s)",
    "app": "module:attribute of a WeComApp, or of a Starlette/FastAPI site mounting some",
}


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """``parser`` and every sub-command parser under it."""
    # argparse lists actions only in the private _actions (unchanged since 2.7), and the
    # commands in serving.py are registered by their own module.
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                yield from _parsers(child)


def _version() -> str:
    """The package's ``__version__``.

    Python imports a package before any of its modules, so the root is loaded; importing
    it by name from here would reach up the floors (see tests/test_layers.py).
    """
    version: str = sys.modules[__name__.split(".")[0]].__version__
    return version


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wecom-callback", description=__doc__, epilog=_EPILOG)
    parser.add_argument("--version", action="version", version=f"wecom-callback {_version()}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (demo, simulation, serving, diagnosis, keys, inbox, aibot):
        module.register(sub)
    for child in _parsers(parser):
        if child is not parser:
            # Also accepted after the command, where people tend to type it.
            child.add_argument(
                "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
            )
        for action in child._actions:
            if action.help is None:
                name = action.option_strings[0] if action.option_strings else action.dest
                action.help = _SHARED_HELP.get(name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wecom-callback`` command."""
    args = _parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    except WeComCallbackError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        # A failure the package did not name (a module that does not compile, a service
        # that refuses): one line by default, since most users only need the reason.
        if args.debug:
            traceback.print_exc()
        print(f"error: {_one_line(exc)} (--debug shows the traceback)", file=sys.stderr)
        return 1
    return result


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or "(no message)"
    return f"{type(exc).__module__.split('.')[0]}.{type(exc).__qualname__}: {text}".removeprefix(
        "builtins."
    )
