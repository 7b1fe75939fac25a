"""One Redis connection pool shared by every view of a Redis-backed store, with timeouts."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl, urlsplit

import redis.asyncio as aioredis

__all__ = ["SOCKET_CONNECT_TIMEOUT", "SOCKET_TIMEOUT", "RedisConnection"]

#: Seconds a command or a connect may take unless the URL says otherwise: well below
#: WeCom's 5 s, so a stopped Redis turns into a 503 in time (redis-py may wait forever).
SOCKET_TIMEOUT = 2.0
SOCKET_CONNECT_TIMEOUT = 2.0


class RedisConnection:
    """The client shared by every view of one inbox, opened once, closed with the last."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client: aioredis.Redis | None = None
        self.lock = asyncio.Lock()
        self.users = 0

    def connect(self) -> aioredis.Redis:
        """A client for the URL, with the explicit timeouts unless the URL sets its own."""
        given = {name for name, _ in parse_qsl(urlsplit(self.url).query)}
        options: dict[str, float] = {}
        if "socket_timeout" not in given:
            options["socket_timeout"] = SOCKET_TIMEOUT
        if "socket_connect_timeout" not in given:
            options["socket_connect_timeout"] = SOCKET_CONNECT_TIMEOUT
        return aioredis.from_url(self.url, **options)
