"""A uvicorn server that signals readiness through a thread-safe event."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import uvicorn

__all__ = ["NotifyingServer"]


class NotifyingServer(uvicorn.Server):
    """uvicorn's server, setting ``ready`` once it is listening (or failed to start)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None

    async def startup(self, sockets: Any = None) -> None:
        """Start listening, then signal."""
        self.loop = asyncio.get_running_loop()
        try:
            await super().startup(sockets)
        finally:
            self.ready.set()

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        port: int = self.servers[0].sockets[0].getsockname()[1]
        return port
