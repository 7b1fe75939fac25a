"""Run an ASGI app under a real uvicorn on 127.0.0.1, on a port the OS picks."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import AsyncIterator, Coroutine
from types import TracebackType
from typing import Any, TypeVar

import uvicorn

from .._app.serving import NotifyingServer

__all__ = ["LiveServer", "serving"]

T = TypeVar("T")


class LiveServer:
    """A real uvicorn server in a background thread, ready when ``start()`` returns.

    Use as a context manager: ``with LiveServer(app) as server: httpx.get(server.url)``.
    It binds port 0 and reports the port it got; readiness is uvicorn's own startup.
    """

    def __init__(self, app: Any, *, timeout: float = 20.0, **config: Any) -> None:
        config.setdefault("log_level", "warning")
        config.setdefault("lifespan", "on")
        self.config = uvicorn.Config(app, host="127.0.0.1", port=0, **config)
        self.server = NotifyingServer(self.config)
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
            self.server.ready.set()

    def start(self) -> LiveServer:
        """Start the server and wait until it accepts connections."""
        self._thread = threading.Thread(target=self._run, name="wecom-live-server", daemon=True)
        self._thread.start()
        if not self.server.ready.wait(self.timeout):
            raise TimeoutError("uvicorn did not start in time")
        if self._error is not None or not self.server.started:
            raise RuntimeError("uvicorn failed to start") from self._error
        self.port = self.server.port
        return self

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run ``coro`` on the server's event loop (e.g. to read the app's inbox)."""
        if self.server.loop is None:
            raise RuntimeError("the server is not running")
        return asyncio.run_coroutine_threadsafe(coro, self.server.loop).result(timeout)

    def stop(self) -> None:
        """Ask uvicorn to shut down gracefully and wait for it."""
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(self.timeout)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@contextlib.asynccontextmanager
async def serving(app: Any, **config: Any) -> AsyncIterator[str]:
    """Serve ``app`` under a real uvicorn in this event loop; yield its URL.

    ``async with serving(app) as url:``, for async code (``LiveServer`` is the threaded
    form). The socket listens before the block starts, so connections queue from then
    on; leaving the block runs uvicorn's graceful shutdown (the app's in-flight handlers
    finish first).
    """
    config.setdefault("log_level", "warning")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    server = uvicorn.Server(uvicorn.Config(app, **config))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()
