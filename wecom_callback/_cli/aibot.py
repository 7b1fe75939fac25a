"""``aibot connect``: an AI bot's handlers on WeCom's long connection, no public URL."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from typing import Any

from .._app import logs
from .._app.loader import load_target
from ..aibot import AIBotApp
from ..aibot.connection import (
    DEFAULT_URL,
    AIBotConnection,
    AIBotConnectionError,
    AIBotSubscribeError,
)
from ..errors import ConfigurationError

__all__ = ["register"]

SECRET_VARIABLE = "WECOM_AIBOT_SECRET"


def _load(target: str) -> AIBotApp:
    app = load_target(target)
    if not isinstance(app, AIBotApp):
        raise ConfigurationError(f"{target} is not an AIBotApp ({type(app).__name__})")
    return app


async def _serve(app: AIBotApp, connection: AIBotConnection) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # The app's inbox opens here, outside an ASGI lifespan.
    async with app:
        await connection.start()
        print(f"bot {connection.bot_id} connected to {connection.url}", flush=True)
        ended = asyncio.create_task(connection.wait_closed())
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({ended, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            await connection.close()
        if ended.done():
            ended.result()  # kicked, or reconnecting gave up: raised to the one-line report
        else:
            ended.cancel()


def cmd_connect(args: argparse.Namespace) -> int:
    secret = os.environ.get(SECRET_VARIABLE, "")
    if not secret:
        raise ConfigurationError(
            f"set {SECRET_VARIABLE} to the bot's secret (it is never taken from the command line)"
        )
    app = _load(args.app)
    logs.setup(args.log_format)
    connection = AIBotConnection(
        args.bot_id,
        secret,
        app,
        url=args.url,
        heartbeat_interval=args.heartbeat_interval,
        max_reconnects=args.max_reconnects,
    )
    try:
        asyncio.run(_serve(app, connection))
    except AIBotSubscribeError:
        raise  # a configuration error: exit 2
    except AIBotConnectionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def register(sub: Any) -> None:
    """Add the ``aibot`` commands to the ``wecom-callback`` parser."""
    group = sub.add_parser("aibot", help="AI bot (智能机器人) commands: the long connection")
    commands = group.add_subparsers(dest="aibot_command", required=True, metavar="COMMAND")
    p = commands.add_parser(
        "connect",
        help="run an AIBotApp's handlers over WeCom's long connection",
        description="Dial WeCom's long connection for one bot, subscribe with its id and"
        f" secret ({SECRET_VARIABLE}), and answer its callbacks with the app's handlers"
        " through the app's inbox; reconnects with backoff until stopped (SIGTERM, Ctrl+C).",
    )
    p.add_argument("app", help="module:attribute of an AIBotApp")
    p.add_argument(
        "--bot-id",
        required=True,
        help="the bot's id (BotID in the bot's API settings, long-connection mode)",
    )
    p.add_argument(
        "--url",
        default=DEFAULT_URL,
        help="WeCom's long-connection endpoint (%(default)s)",
    )
    p.add_argument(
        "--heartbeat-interval",
        type=float,
        default=30.0,
        help="seconds between ping frames (WeCom expects one every 30 s: %(default)s)",
    )
    p.add_argument(
        "--max-reconnects",
        type=int,
        default=None,
        help="failed reconnects in a row before giving up (default: never give up)",
    )
    p.add_argument(
        "--log-format",
        choices=["text", "json"],
        default=None,
        help="log lines as text or JSON (WECOM_LOG_FORMAT; default: text on a terminal,"
        " JSON otherwise)",
    )
    p.set_defaults(func=cmd_connect)
