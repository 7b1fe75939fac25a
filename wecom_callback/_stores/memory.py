"""The in-memory store: a dict with expiry times, for tests and single-process apps."""

from __future__ import annotations

import threading
import time

from wecom_callback._stores._base import Store

__all__ = ["MemoryStore"]


class MemoryStore(Store):
    """A :class:`~wecom_callback._stores.Store` in a dict (``memory://``).

    Shared only within its process; safe to use from several threads and event loops.
    """

    scheme = "memory"

    def __init__(self) -> None:
        self._data: dict[str, tuple[bytes, float | None]] = {}
        self._mutex = threading.Lock()

    def __repr__(self) -> str:
        return "MemoryStore()"

    def _live(self, key: str, now: float) -> bytes | None:
        """The value of ``key`` if it has not expired (expired entries are dropped)."""
        entry = self._data.get(key)
        if entry is None:
            return None
        value, expires_at = entry
        if expires_at is not None and expires_at <= now:
            del self._data[key]
            return None
        return value

    def _put(self, key: str, value: bytes, ttl: float | None, now: float) -> None:
        self._data[key] = (bytes(value), None if ttl is None else now + ttl)

    async def get(self, key: str) -> bytes | None:
        """The value of ``key``, or None."""
        with self._mutex:
            return self._live(key, time.monotonic())

    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        """Store ``value`` under ``key``."""
        with self._mutex:
            self._put(key, value, ttl, time.monotonic())

    async def add(self, key: str, value: bytes, *, ttl: float | None = None) -> bool:
        """Store ``value`` if ``key`` is absent."""
        with self._mutex:
            now = time.monotonic()
            if self._live(key, now) is not None:
                return False
            self._put(key, value, ttl, now)
            return True

    async def delete(self, key: str) -> bool:
        """Remove ``key``."""
        with self._mutex:
            found = self._live(key, time.monotonic()) is not None
            self._data.pop(key, None)
            return found

    async def compare_and_set(
        self, key: str, expected: bytes, value: bytes, *, ttl: float | None = None
    ) -> bool:
        """Replace ``expected`` with ``value``."""
        with self._mutex:
            now = time.monotonic()
            if self._live(key, now) != expected:
                return False
            self._put(key, value, ttl, now)
            return True

    async def compare_and_delete(self, key: str, expected: bytes) -> bool:
        """Remove ``key`` if it holds ``expected``."""
        with self._mutex:
            if self._live(key, time.monotonic()) != expected:
                return False
            del self._data[key]
            return True
