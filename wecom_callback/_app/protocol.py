"""uvicorn's HTTP protocol with the limits a public callback URL needs.

Bare uvicorn never closes a connection that has not finished its request headers: an
idle connection, or one sending a byte a second (slowloris), holds a file descriptor
forever, and unfinished headers are buffered without bound. This subclass of uvicorn's
httptools protocol adds three limits, all on the part of a request that comes before
anything is authenticated:

- the headers must be complete within ``header_timeout`` seconds of the connection (or,
  on a kept-alive connection, of the request's first byte), else the connection closes;
- they may take at most ``max_header_bytes``, else 431 and close;
- at most ``max_waiting`` connections may be waiting for their headers at once: past it
  the oldest waiting one is closed, so a flood of idle connections makes room for new
  ones (WeCom's) instead of starving them.

The body's own deadline is the app's (``body_timeout``); concurrency and keep-alive are
uvicorn's settings (``limit_concurrency``, ``timeout_keep_alive``).
"""

from __future__ import annotations

import asyncio
import functools
import os
import weakref
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["EnvironmentGuarded", "guarded_protocol"]

_431 = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain\r\n"
    b"connection: close\r\ncontent-length: 32\r\n\r\nrequest headers are over the cap\n"
)

#: Per server: the connections still waiting for their headers, oldest first.
_WAITING: weakref.WeakKeyDictionary[Any, dict[_Guarded, None]] = weakref.WeakKeyDictionary()


class _Guarded(HttpToolsProtocol):
    header_timeout = 10.0
    max_header_bytes = 16 * 1024
    max_waiting = 256

    _timer: asyncio.TimerHandle | None = None
    _head_bytes = 0
    _in_head = False

    def _waiting(self) -> dict[_Guarded, None]:
        return _WAITING.setdefault(self.server_state, {})

    def _await_head(self) -> None:
        self._in_head, self._head_bytes = True, 0
        if self._timer is None:
            self._timer = self.loop.call_later(self.header_timeout, self._too_slow)
        waiting = self._waiting()
        waiting[self] = None
        while len(waiting) > self.max_waiting:
            oldest = next(iter(waiting))
            waiting.pop(oldest)
            oldest.transport.close()

    def _head_done(self) -> None:
        self._in_head = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._waiting().pop(self, None)

    def _too_slow(self) -> None:
        self._timer = None
        if self._in_head:
            self._waiting().pop(self, None)
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_done()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._in_head and not self.transport.is_closing():
            # Counted after parsing: bytes of a request whose headers completed in this
            # chunk (its body, the next request) do not count against the header cap.
            self._head_bytes += len(data)
            if self._head_bytes > self.max_header_bytes:
                self._head_done()
                self.transport.write(_431)
                self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._in_head:  # a kept-alive connection's next request
            self._await_head()

    def on_headers_complete(self) -> None:
        self._head_done()
        super().on_headers_complete()


def guarded_protocol(
    *, header_timeout: float, max_header_bytes: int, max_waiting: int
) -> type[asyncio.Protocol]:
    """The protocol class to give uvicorn (``http=``), with these limits."""
    limits = {
        "header_timeout": header_timeout,
        "max_header_bytes": max_header_bytes,
        "max_waiting": max_waiting,
    }
    return type("GuardedHttpToolsProtocol", (_Guarded,), limits)


@functools.cache
def _limits_from_env() -> tuple[float, int, int]:
    env = os.environ
    return (
        float(env.get("WECOM_HEADER_TIMEOUT", _Guarded.header_timeout)),
        int(float(env.get("WECOM_MAX_HEADER_SIZE", _Guarded.max_header_bytes))),
        int(float(env.get("WECOM_MAX_WAITING", _Guarded.max_waiting))),
    )


class EnvironmentGuarded(_Guarded):
    """The guarded protocol with the limits of ``WECOM_HEADER_TIMEOUT``,
    ``WECOM_MAX_HEADER_SIZE`` and ``WECOM_MAX_WAITING``, read at the first connection.

    Importable by name, so uvicorn's worker processes can load it: ``run --workers``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout, self.max_header_bytes, self.max_waiting = _limits_from_env()
