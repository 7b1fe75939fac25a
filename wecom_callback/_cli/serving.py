"""``run`` and ``worker``: serving callbacks, and running their handlers apart."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
from pathlib import Path
from typing import Any

import uvicorn

from .._app import logs
from .._app.loader import load_apps, load_target
from .._app.protocol import guarded_protocol
from .._app.site import build_site
from .._settings.settings_file import SettingsFile
from ..errors import ConfigurationError

__all__ = ["register"]


#: The serving limits of ``run`` (flag, environment variable, default, help).
LIMITS: list[tuple[str, str, float, str]] = [
    ("--limit-concurrency", "WECOM_LIMIT_CONCURRENCY", 500,
     "connections and requests at once; past it new requests get 503"),
    ("--timeout-keep-alive", "WECOM_TIMEOUT_KEEP_ALIVE", 5,
     "seconds an idle kept-alive connection stays open"),
    ("--header-timeout", "WECOM_HEADER_TIMEOUT", 10,
     "seconds a connection may take to send its request headers"),
    ("--max-header-size", "WECOM_MAX_HEADER_SIZE", 16384,
     "bytes of request headers accepted (past it: 431)"),
    ("--max-waiting", "WECOM_MAX_WAITING", 200,
     "connections waiting for their headers at once; past it the oldest is closed"),
]  # fmt: skip


_FACTORY = "wecom_callback.asgi:create_app"


def _settings_file(args: argparse.Namespace) -> None:
    if args.config and args.app:
        raise ConfigurationError("give either module:attribute or --config, not both")
    if args.config:
        SettingsFile.load(args.config)  # a mistake is one line now, not in every worker
        os.environ["WECOM_CONFIG"] = str(Path(args.config).resolve())


def cmd_run(args: argparse.Namespace) -> int:
    _settings_file(args)
    workers = int(args.workers)
    if workers < 1:
        raise ConfigurationError("--workers must be at least 1")
    # The one loader: the current directory is importable, and a bad target is one line.
    target: Any = load_target(args.app) if args.app else _FACTORY
    if workers > 1 and args.app:
        target = args.app  # worker processes import it themselves (cwd is on sys.path)
    logs.setup(args.log_format)
    protocol: Any = guarded_protocol(
        header_timeout=args.header_timeout,
        max_header_bytes=int(args.max_header_size),
        max_waiting=int(args.max_waiting),
    )
    if workers > 1:
        # Worker processes import the protocol by name and read its limits from these.
        os.environ["WECOM_HEADER_TIMEOUT"] = str(args.header_timeout)
        os.environ["WECOM_MAX_HEADER_SIZE"] = str(int(args.max_header_size))
        os.environ["WECOM_MAX_WAITING"] = str(int(args.max_waiting))
        protocol = "wecom_callback._app.protocol:EnvironmentGuarded"
    uvicorn.run(
        target,
        host=args.host,
        port=args.port,
        factory=target == _FACTORY,
        workers=workers if workers > 1 else None,
        http=protocol,
        limit_concurrency=int(args.limit_concurrency),
        timeout_keep_alive=int(args.timeout_keep_alive),
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS"),
        log_level=args.log_level,
    )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    if bool(args.config) == bool(args.app):
        raise ConfigurationError("give module:attribute or --config FILE (one of them)")
    logs.setup(args.log_format)
    apps = list(build_site(args.config).apps.values()) if args.config else load_apps(args.app)

    async def work() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        for app in apps:
            print(
                f"worker {app.runner.owner} running endpoint {app.name} from {app.inbox!r}",
                flush=True,
            )
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*(app.run_worker() for app in apps))

    asyncio.run(work())
    return 0


def _config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        default=os.environ.get("WECOM_CONFIG") or None,
        help="a TOML settings file describing the endpoints to serve (WECOM_CONFIG)",
    )


def _log_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-format",
        choices=["text", "json"],
        default=None,
        help="log lines as text or JSON (WECOM_LOG_FORMAT; default: text on a terminal,"
        " JSON otherwise)",
    )


def register(sub: Any) -> None:
    """Add this module's commands to the ``wecom-callback`` parser."""
    p = sub.add_parser(
        "run",
        help="serve an app on the public internet (default: the environment's WeComApp)",
        description="Serve under uvicorn with limits for a public URL: slow or idle"
        " connections are closed, headers capped, concurrency bounded. Each limit is also"
        " read from its WECOM_* variable.",
    )
    p.add_argument("app", nargs="?", help="module:attribute of a WeComApp or a site mounting some")
    _config(p)
    p.add_argument("--workers", type=int, default=int(os.environ.get("WECOM_WORKERS", "1")),
                   help="worker processes sharing the port (WECOM_WORKERS; 1). With more"
                   " than one, metrics need PROMETHEUS_MULTIPROC_DIR")  # fmt: skip
    p.add_argument("--host", default=os.environ.get("WECOM_HOST", "127.0.0.1"),
                   help="address to listen on (WECOM_HOST; 0.0.0.0 in a container)")  # fmt: skip
    p.add_argument("--port", type=int, default=int(os.environ.get("WECOM_PORT", "8000")),
                   help="port to listen on (WECOM_PORT; 0: any free port)")  # fmt: skip
    for flag, var, default, text in LIMITS:
        value = float(os.environ.get(var, default))
        p.add_argument(flag, type=float, default=value, help=f"{text} ({var}, {default:g})")
    p.add_argument("--log-level", default="info", help="uvicorn's log level (info)")
    _log_format(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("worker", help="run handlers from the inbox without serving HTTP")
    p.add_argument(
        "app",
        nargs="?",
        help="module:attribute of a WeComApp, or of a Starlette/FastAPI site mounting some",
    )
    _config(p)
    _log_format(p)
    p.set_defaults(func=cmd_worker)
