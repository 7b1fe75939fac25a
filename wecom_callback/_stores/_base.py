"""The key-value contract every shared store implements, and the lock built on top of it.

Keys are text, values bytes. Every write may carry a ``ttl`` in seconds (``None``: no
expiry); an expired key reads as absent everywhere, including in :meth:`Store.add` and the
compare operations. Each operation is atomic across every process sharing the storage,
which is all :class:`StoreLock` needs to be a cross-process mutex.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import random
import secrets
import time
from types import TracebackType
from typing import ClassVar

from wecom_callback.errors import LockTimeoutError

__all__ = ["Store", "StoreLock"]

log = logging.getLogger("wecom_callback.stores")

#: Waiting for a lock polls with this backoff (seconds): short, since locks are short.
_POLL_FIRST = 0.002
_POLL_MAX = 0.05


class Store(abc.ABC):
    """A small async key-value store shared by the processes that open the same URL.

    Open one with :func:`~wecom_callback._stores.open_store`; ``await store.start()``
    connects (optional: the first operation does it too) and ``await store.close()``
    releases the connection.
    """

    scheme: ClassVar[str]

    async def start(self) -> None:  # noqa: B027 - optional hook, most backends need nothing
        """Connect or create the storage now, so configuration errors surface early."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections and threads; the store is unusable afterwards."""

    @abc.abstractmethod
    async def get(self, key: str) -> bytes | None:
        """The value of ``key``, or None when it is absent or expired."""

    @abc.abstractmethod
    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        """Store ``value`` under ``key``, replacing any value; expire after ``ttl`` seconds."""

    @abc.abstractmethod
    async def add(self, key: str, value: bytes, *, ttl: float | None = None) -> bool:
        """Store ``value`` only if ``key`` is absent (or expired); True if it was stored."""

    @abc.abstractmethod
    async def delete(self, key: str) -> bool:
        """Remove ``key``; True if a live value was removed."""

    @abc.abstractmethod
    async def compare_and_set(
        self, key: str, expected: bytes, value: bytes, *, ttl: float | None = None
    ) -> bool:
        """Replace the value of ``key`` with ``value`` only if it is ``expected`` now."""

    @abc.abstractmethod
    async def compare_and_delete(self, key: str, expected: bytes) -> bool:
        """Remove ``key`` only if its value is ``expected`` now; True if removed."""

    def lock(self, name: str, *, ttl: float = 10.0, timeout: float = 10.0) -> StoreLock:
        """A cross-process lock named ``name``: ``async with store.lock("x"): ...``.

        The holder's claim expires ``ttl`` seconds after it was last renewed (a crashed
        holder frees it); while held it is renewed every ``ttl / 3`` seconds. Waiting
        longer than ``timeout`` raises :class:`~wecom_callback.errors.LockTimeoutError`.
        """
        return StoreLock(self, name, ttl=ttl, timeout=timeout)


class StoreLock:
    """A mutex over a :class:`Store` key, held by at most one task in all processes.

    Not reentrant. The claim is a random token under ``lock:<name>``, set with
    :meth:`Store.add` and removed with :meth:`Store.compare_and_delete`, so a holder
    whose claim expired can never remove its successor's.
    """

    def __init__(self, store: Store, name: str, *, ttl: float, timeout: float) -> None:
        if ttl <= 0 or timeout < 0:
            raise ValueError("a lock needs ttl > 0 and timeout >= 0")
        self.store = store
        self.name = name
        self.key = f"lock:{name}"
        self.ttl = ttl
        self.timeout = timeout
        self._token: bytes | None = None
        self._keeper: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"StoreLock({self.name!r}, held={self.held})"

    @property
    def held(self) -> bool:
        """True between a successful :meth:`acquire` and :meth:`release`."""
        return self._token is not None

    async def acquire(self) -> None:
        """Wait until the lock is ours, or raise ``LockTimeoutError`` after ``timeout``."""
        if self._token is not None:
            raise RuntimeError(f"{self!r} is already held by this object")
        token = secrets.token_hex(16).encode()
        deadline = time.monotonic() + self.timeout
        delay = _POLL_FIRST
        while not await self.store.add(self.key, token, ttl=self.ttl):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LockTimeoutError(f"lock {self.name!r} not acquired in {self.timeout} s")
            # Jitter, so waiters in several processes do not poll in lockstep.
            await asyncio.sleep(min(remaining, delay * (0.5 + random.random())))
            delay = min(delay * 2, _POLL_MAX)
        self._token = token
        self._keeper = asyncio.create_task(self._keep(token), name=f"wecom-lock-{self.name}")

    async def release(self) -> None:
        """Give the lock up (a no-op if it is not held)."""
        token, self._token = self._token, None
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            keeper.cancel()
            await asyncio.wait({keeper})  # unlike awaiting it, never swallows our own cancel
        if token is not None:
            await self.store.compare_and_delete(self.key, token)

    async def _keep(self, token: bytes) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                renewed = await self.store.compare_and_set(self.key, token, token, ttl=self.ttl)
            except Exception as exc:  # the next round tries again; the claim may lapse
                log.warning("renewing lock %r failed: %s", self.name, type(exc).__name__)
                continue
            if not renewed:
                log.warning("lock %r expired while held (the holder ran past its ttl)", self.name)
                return

    async def __aenter__(self) -> StoreLock:
        await self.acquire()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.release()
