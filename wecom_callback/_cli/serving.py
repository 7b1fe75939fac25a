"""``run`` and ``worker``: serving callbacks, and running their handlers apart."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
from typing import Any

import uvicorn

from .._app.loader import load_apps, load_target

__all__ = ["register"]


def cmd_run(args: argparse.Namespace) -> int:
    # The one loader: the current directory is importable, and a bad target is one line.
    target: Any = load_target(args.app) if args.app else "wecom_callback.asgi:create_app"
    uvicorn.run(
        target,
        host=args.host,
        port=args.port,
        factory=args.app is None,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS"),
    )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    apps = load_apps(args.app)

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


def register(sub: Any) -> None:
    """Add this module's commands to the ``wecom-callback`` parser."""
    p = sub.add_parser("run", help="serve an app (default: WeComApp.from_env())")
    p.add_argument("app", nargs="?", help="module:attribute of a WeComApp")
    p.add_argument("--host", default=os.environ.get("WECOM_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("WECOM_PORT", "8000")))
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("worker", help="run handlers from the inbox without serving HTTP")
    p.add_argument(
        "app", help="module:attribute of a WeComApp, or of a Starlette/FastAPI site mounting some"
    )
    p.set_defaults(func=cmd_worker)
