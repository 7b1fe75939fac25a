"""The Redis store: keys under a prefix, shared by any number of replicas.

Plain ``GET``/``SET``/``DEL`` with ``PX`` expiry; ``add`` is ``SET NX``; the two compare
operations are short Lua scripts, so each is atomic on the server. Imported only when a
Redis URL is opened (it needs ``pip install wecom-callback[redis]``).
"""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript

from wecom_callback._stores._base import Store

__all__ = ["RedisStore"]

_COMPARE_AND_SET = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] == '' then
  redis.call('SET', KEYS[1], ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 1
"""

_COMPARE_AND_DELETE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
"""


def _ms(ttl: float | None) -> int | None:
    return None if ttl is None else max(1, round(ttl * 1000))


class RedisStore(Store):
    """A :class:`~wecom_callback._stores.Store` in Redis (``redis://``, ``rediss://``, ``unix://``).

    Every key is stored as ``prefix + key``. Timeouts (seconds) apply to every command
    and to connecting, so an unreachable Redis fails fast instead of hanging a caller;
    ``socket_timeout=`` and ``socket_connect_timeout=`` in the URL win.
    """

    scheme = "redis"

    def __init__(
        self,
        url: str = "redis://localhost:6379/0",
        *,
        prefix: str = "wecom:",
        socket_timeout: float = 5.0,
        socket_connect_timeout: float = 5.0,
    ) -> None:
        """Configure the store; nothing connects until :meth:`start` or first use."""
        self.url = url
        self.prefix = prefix
        self.socket_timeout = socket_timeout
        self.socket_connect_timeout = socket_connect_timeout
        self._client: aioredis.Redis | None = None
        self._start_lock = asyncio.Lock()
        self._cas: AsyncScript | None = None
        self._cad: AsyncScript | None = None

    def __repr__(self) -> str:
        # Only what follows the credentials: a URL may carry a password.
        return f"RedisStore({self.url.rpartition('@')[2]!r}, prefix={self.prefix!r})"

    async def start(self) -> None:
        """Connect and check the server answers."""
        await (await self._redis()).ping()

    async def close(self) -> None:
        """Close the connection pool."""
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def _redis(self) -> aioredis.Redis:
        if self._client is not None:
            return self._client
        async with self._start_lock:
            if self._client is None:
                client = aioredis.from_url(
                    self.url,
                    socket_timeout=self.socket_timeout,
                    socket_connect_timeout=self.socket_connect_timeout,
                )
                self._cas = client.register_script(_COMPARE_AND_SET)
                self._cad = client.register_script(_COMPARE_AND_DELETE)
                self._client = client
            return self._client

    async def get(self, key: str) -> bytes | None:
        """The value of ``key``, or None."""
        value = await (await self._redis()).get(self.prefix + key)
        return value.encode() if isinstance(value, str) else value

    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        """Store ``value`` under ``key``."""
        await (await self._redis()).set(self.prefix + key, value, px=_ms(ttl))

    async def add(self, key: str, value: bytes, *, ttl: float | None = None) -> bool:
        """Store ``value`` if ``key`` is absent (``SET NX``)."""
        done = await (await self._redis()).set(self.prefix + key, value, px=_ms(ttl), nx=True)
        return bool(done)

    async def delete(self, key: str) -> bool:
        """Remove ``key``."""
        removed: int = await (await self._redis()).delete(self.prefix + key)
        return removed > 0

    async def compare_and_set(
        self, key: str, expected: bytes, value: bytes, *, ttl: float | None = None
    ) -> bool:
        """Replace ``expected`` with ``value`` (one Lua script)."""
        await self._redis()
        assert self._cas is not None
        ms = _ms(ttl)
        args: list[bytes | str] = [expected, value, "" if ms is None else str(ms)]
        return bool(await self._cas(keys=[self.prefix + key], args=args))

    async def compare_and_delete(self, key: str, expected: bytes) -> bool:
        """Remove ``key`` if it holds ``expected`` (one Lua script)."""
        await self._redis()
        assert self._cad is not None
        return bool(await self._cad(keys=[self.prefix + key], args=[expected]))
