"""Access tokens and tickets: where they come from, and how they are cached and shared.

A :class:`TokenSource` fetches a fresh credential (``gettoken`` for a corp secret; a
suite's ``service/get_corp_token`` can be another source). A :class:`CachedCredential`
wraps a source with the rules OUTBOUND.md (sections 1.1 to 1.4) asks for:

* the credential is cached in the store under a key that never holds the secret in clear,
  for its lifetime minus a margin, and in process memory in front of the store;
* in one process, concurrent callers on a cold cache share one fetch (single flight);
  across processes sharing a store, a short store lock makes the others wait and then
  read what the first one stored, so a cold start costs one fetch in all;
* a credential reported invalid is replaced once, by a credential other than the rejected
  one (another process may already have stored it);
* a fetch that fails with a configuration error (wrong secret: 40001) is remembered for
  a short while, so a burst of calls cannot turn into a burst of ``gettoken`` calls,
  the pattern that earns a one-hour IP ban.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from wecom_callback._stores import Store
from wecom_callback.errors import ConfigurationError, LockTimeoutError

__all__ = ["CachedCredential", "CorpSecret", "Fetch", "IssuedToken", "TokenSource", "secret_id"]

log = logging.getLogger("wecom_callback.client")

#: An unauthenticated call: ``await fetch("GET", "gettoken", params={...})`` -> the JSON.
#: It raises :class:`~wecom_callback.errors.WeComAPIError` when ``errcode`` is not 0.
Fetch = Callable[..., Awaitable[dict[str, Any]]]

#: How long a failed fetch with a configuration error is answered from memory (seconds).
_FAILURE_HOLD = 30.0
#: The store lock around a fetch: held briefly; waited for at most this long.
_LOCK_TTL = 30.0
_LOCK_WAIT = 60.0


def secret_id(corp_id: str, secret: str) -> str:
    """A stable, non-reversible name for a secret: the cache key part, never the secret."""
    return hashlib.sha256(f"{corp_id}\0{secret}".encode()).hexdigest()[:32]


def _margin(lifetime: float) -> float:
    # Five minutes before expiry (a fifth of the lifetime for short-lived ones), so a
    # token is never used in the last moments of its life (WxJava#324).
    return min(300.0, lifetime / 5)


@dataclass(frozen=True)
class IssuedToken:
    """A credential as issued: its value and its lifetime in seconds (``expires_in``)."""

    value: str = field(repr=False)
    """The token or ticket itself (a credential: never in reprs or logs)."""
    expires_in: float
    """Seconds it is valid from now."""


class TokenSource(Protocol):
    """Where a client's access tokens come from (pluggable, e.g. for suites)."""

    @property
    def cache_key(self) -> str:
        """The store key of the token; unique per corp and secret, free of secrets."""
        ...

    async def fetch(self, fetch: Fetch) -> IssuedToken:
        """A fresh token, fetched with ``fetch`` (an unauthenticated call)."""
        ...


class CorpSecret:
    """The token source of a self-built or customised app: ``gettoken`` with a secret."""

    def __init__(self, corp_id: str, secret: str) -> None:
        self.corp_id = corp_id
        self._secret = secret
        self.cache_key = f"token:{corp_id}:{secret_id(corp_id, secret)}"

    def __repr__(self) -> str:
        return f"CorpSecret(corp_id={self.corp_id!r})"

    async def fetch(self, fetch: Fetch) -> IssuedToken:
        """``GET /cgi-bin/gettoken?corpid=&corpsecret=`` (OUTBOUND.md 1.1)."""
        data = await fetch(
            "GET", "gettoken", params={"corpid": self.corp_id, "corpsecret": self._secret}
        )
        return IssuedToken(str(data["access_token"]), float(data.get("expires_in", 7200)))


@dataclass(slots=True)
class _Entry:
    value: str = field(repr=False)
    expires_at: float  # wall clock, comparable across processes

    @property
    def fresh(self) -> bool:
        return self.expires_at > time.time()

    def dump(self) -> bytes:
        return json.dumps({"value": self.value, "expires_at": self.expires_at}).encode()

    @classmethod
    def load(cls, raw: bytes | None) -> _Entry | None:
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            entry = cls(str(data["value"]), float(data["expires_at"]))
        except (ValueError, KeyError, TypeError):
            return None  # unreadable: fetch anew
        return entry if entry.fresh else None


class CachedCredential:
    """One credential (a token, a ticket) cached in memory and in a shared store."""

    def __init__(self, store: Store, key: str, fetch: Callable[[], Awaitable[IssuedToken]]) -> None:
        self.store = store
        self.key = key
        self._fetch = fetch
        self._local: _Entry | None = None
        #: The running load, and the rejected value it replaces (None: a plain load).
        self._inflight: tuple[asyncio.Future[str], str | None] | None = None
        self._failure: tuple[BaseException, float] | None = None
        #: How many times this object fetched (for tests and the benchmark).
        self.fetches = 0

    def __repr__(self) -> str:
        return f"CachedCredential({self.key!r})"

    def peek(self) -> str | None:
        """The value cached in memory, if still fresh; no I/O."""
        local = self._local
        return local.value if local is not None and local.fresh else None

    async def get(self) -> str:
        """A fresh value: from memory, else the store, else one shared fetch."""
        value = self.peek()
        return value if value is not None else await self._load(None)

    async def refresh(self, rejected: str) -> str:
        """A value other than ``rejected`` (which WeCom refused), fetched if need be.

        If WeCom hands the same value out again (it was still valid after all), that
        value is returned: the caller retries once with it, and never loops.
        """
        if self._local is not None and self._local.value == rejected:
            self._local = None
        running = self._inflight
        if running is not None and running[1] != rejected:
            # A load that began before the rejection may bring the rejected value back.
            value = await asyncio.shield(running[0])
            if value != rejected:
                return value
        return await self._load(rejected)

    async def _load(self, rejected: str | None) -> str:
        running = self._inflight
        if running is None or running[1] != rejected:
            future = asyncio.ensure_future(self._obtain(rejected))
            running = self._inflight = (future, rejected)
            future.add_done_callback(self._landed)
        # Shielded: a cancelled caller must not cancel the fetch the others wait for.
        return await asyncio.shield(running[0])

    def _landed(self, future: asyncio.Future[str]) -> None:
        if self._inflight is not None and self._inflight[0] is future:
            self._inflight = None
        if not future.cancelled():
            future.exception()  # retrieved here, so an unawaited failure is never logged

    async def _obtain(self, rejected: str | None) -> str:
        failure = self._failure
        if failure is not None and failure[1] > time.monotonic():
            raise failure[0].with_traceback(None)
        entry = await self._stored(rejected)
        if entry is None:
            try:
                async with self.store.lock(self.key, ttl=_LOCK_TTL, timeout=_LOCK_WAIT):
                    entry = await self._stored(rejected) or await self._renew()
            except LockTimeoutError:
                # The holder is stuck; WeCom hands out the same token anyway.
                log.warning("store lock for %s timed out; fetching without it", self.key)
                entry = await self._renew()
        self._local = entry
        return entry.value

    async def _stored(self, rejected: str | None) -> _Entry | None:
        entry = _Entry.load(await self.store.get(self.key))
        return None if entry is None or entry.value == rejected else entry

    async def _renew(self) -> _Entry:
        self.fetches += 1
        try:
            issued = await self._fetch()
        except ConfigurationError as exc:
            self._failure = (exc, time.monotonic() + _FAILURE_HOLD)
            raise
        self._failure = None
        lifetime = max(issued.expires_in, 1.0)
        ttl = max(lifetime - _margin(lifetime), 1.0)
        entry = _Entry(issued.value, time.time() + ttl)
        await self.store.set(self.key, entry.dump(), ttl=ttl)
        return entry
