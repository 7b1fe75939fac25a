"""The ASGI lifespan protocol around a start and a stop, with a failed start as one line."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.types import Receive, Send

__all__ = ["serve_lifespan"]

log = logging.getLogger("wecom_callback")


async def serve_lifespan(
    receive: Receive,
    send: Send,
    startup: Callable[[], Awaitable[None]],
    shutdown: Callable[[], Awaitable[None]],
    label: str = "",
) -> None:
    """Answer ``lifespan.startup`` and ``lifespan.shutdown``; ``label`` prefixes the error.

    A failed start is logged and reported to the server as one line, with no traceback:
    the reason is the configuration's or the inbox's, not the code's.
    """
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await startup()
            except Exception as exc:
                why = f"{label}start-up failed: {type(exc).__name__}: {exc}"
                log.error("%s", why)
                await send({"type": "lifespan.startup.failed", "message": why})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await shutdown()
            await send({"type": "lifespan.shutdown.complete"})
            return
