"""What a client and its siblings share: the connection pool, the store, the state."""

from __future__ import annotations

import asyncio
import enum
from typing import Any

import httpx

from wecom_callback._stores import MemoryStore, Store, open_store
from wecom_callback.client._events import ClientEvents
from wecom_callback.client._tokens import CachedCredential

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "MAX_IN_FLIGHT",
    "ClientState",
    "Shared",
    "resolve_store",
]

DEFAULT_BASE_URL = "https://qyapi.weixin.qq.com"
#: Ten seconds to read, five to connect.
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
#: Requests in flight at once (and connections kept). Callers beyond it wait their turn
#: in a semaphore: httpcore's own queue costs time quadratic in its length.
MAX_IN_FLIGHT = 100


class ClientState(enum.Enum):
    """Where a client is in its life: usable until CLOSED (as httpx's clients)."""

    UNOPENED = 1
    OPENED = 2
    CLOSED = 3


class Shared:
    """What a client and its :meth:`WeComClient.with_secret` siblings share."""

    def __init__(
        self, base_url: str, store: Store, owns_store: bool, timeout: Any, events: ClientEvents
    ) -> None:
        self.events = events
        self.base_url = base_url.rstrip("/")
        self.prefix = f"{self.base_url}/cgi-bin/"
        limits = httpx.Limits(
            max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT
        )
        self.http = httpx.AsyncClient(timeout=timeout, limits=limits)
        self.slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self.store = store
        self.owns_store = owns_store
        self.state = ClientState.UNOPENED
        self.entered = False
        self.credentials: dict[str, CachedCredential] = {}


def resolve_store(store: str | Store | None) -> tuple[Store, bool]:
    """The store to use, and whether the client opened it (and so closes it)."""
    if store is None:
        return MemoryStore(), True
    if isinstance(store, str):
        return open_store(store), True
    return store, False
