"""Run an ASGI app under a real uvicorn on 127.0.0.1, on a port the OS picks."""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType
from typing import Any

import uvicorn

__all__ = ["LiveServer"]


class _Server(uvicorn.Server):
    """uvicorn's server, signalling a thread-safe event once it is listening."""

    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self.ready = ready

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.ready.set()


class LiveServer:
    """A real uvicorn server in a background thread, ready when ``start()`` returns.

    Use as a context manager: ``with LiveServer(app) as server: httpx.get(server.url)``.
    It binds port 0 and reports the port it got; readiness is uvicorn's own flag.
    """

    def __init__(self, app: Any, *, timeout: float = 20.0, **config: Any) -> None:
        config.setdefault("log_level", "warning")
        config.setdefault("lifespan", "on")
        self.config = uvicorn.Config(app, host="127.0.0.1", port=0, **config)
        self._ready = threading.Event()
        self.server = _Server(self.config, self._ready)
        self.timeout = timeout
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        try:
            asyncio.run(self.server.serve())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
        finally:
            self._ready.set()

    def start(self) -> LiveServer:
        """Start the server and wait until it accepts connections."""
        self._thread = threading.Thread(target=self._run, name="wecom-live-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(self.timeout):
            raise TimeoutError("uvicorn did not start in time")
        if self._error is not None or not self.server.started:
            raise RuntimeError("uvicorn failed to start") from self._error
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        """Ask uvicorn to shut down gracefully and wait for it."""
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(self.timeout)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
