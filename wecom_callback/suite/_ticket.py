"""The suite_ticket: pushed by WeCom every 10 minutes, valid 30, kept apart from tokens.

The ticket cannot be fetched, only received, so it lives under its own key
(``suite:<suite_id>:ticket``), never among the derived tokens (``token:...``): clearing
tokens must not lose it (go-laoji/wecom-go-sdk#13). A newer ticket replaces an older one,
never the reverse, by the callback's ``TimeStamp`` (OUTBOUND.md 3.1).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from wecom_callback._stores import Store

__all__ = ["SuiteTicket", "SuiteTickets"]

#: WeCom says a ticket is valid 30 minutes.
TICKET_TTL = 1800.0


@dataclass(frozen=True)
class SuiteTicket:
    """A ticket and the ``TimeStamp`` of the callback that carried it."""

    value: str = field(repr=False)
    """The ticket itself (a credential: never in reprs or logs)."""
    timestamp: int
    """The callback's TimeStamp, Unix seconds."""


class SuiteTickets:
    """The latest suite_ticket of one suite, in a shared store."""

    def __init__(self, store: Store, suite_id: str) -> None:
        self.store = store
        self.suite_id = suite_id
        self.key = f"suite:{suite_id}:ticket"

    def __repr__(self) -> str:
        return f"SuiteTickets(suite_id={self.suite_id!r})"

    async def latest(self) -> SuiteTicket | None:
        """The newest ticket received (within its 30 minutes), or None."""
        return _load(await self.store.get(self.key))

    async def save(self, value: str, timestamp: int) -> bool:
        """Keep ``value`` unless a ticket at least as new is stored; True if kept."""
        fresh = json.dumps({"value": value, "timestamp": int(timestamp)}).encode()
        while True:
            raw = await self.store.get(self.key)
            current = _load(raw)
            if current is not None and current.timestamp >= timestamp:
                return False
            if raw is None:
                done = await self.store.add(self.key, fresh, ttl=TICKET_TTL)
            else:
                done = await self.store.compare_and_set(self.key, raw, fresh, ttl=TICKET_TTL)
            if done:
                return True


def _load(raw: bytes | None) -> SuiteTicket | None:
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return SuiteTicket(str(data["value"]), int(data["timestamp"]))
    except (ValueError, KeyError, TypeError):
        return None  # unreadable: as if absent, the next push replaces it
