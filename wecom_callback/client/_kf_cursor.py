"""Where a kf pull stands: the sync_msg cursor and the msgids already yielded.

Both live in one store value per (corp, open_kfid), written after every page, so a new
process on the same store resumes where the last one stopped. The remembered msgids are
bounded (the newest :data:`SEEN_LIMIT`): enough to cover a page re-read after a pull
stopped half-way, or a cursor that was saved late.
"""

from __future__ import annotations

import json
from collections import deque

from wecom_callback._stores import Store

__all__ = ["SEEN_LIMIT", "KfCursor"]

#: How many yielded msgids are remembered per account (a page holds at most 1000).
SEEN_LIMIT = 3000


class KfCursor:
    """The pull state of one account, loaded from and saved to ``store[key]``."""

    def __init__(self, store: Store, key: str) -> None:
        self.store = store
        self.key = key
        self.cursor: str | None = None
        self._order: deque[str] = deque()
        self._seen: set[str] = set()
        self._dirty = False

    def __repr__(self) -> str:
        return f"KfCursor({self.key!r}, cursor={self.cursor!r}, seen={len(self._seen)})"

    async def load(self) -> None:
        """Read the saved state (an unreadable value counts as none)."""
        raw = await self.store.get(self.key)
        if raw is None:
            return
        try:
            data = json.loads(raw)
            cursor, seen = data.get("cursor"), [str(m) for m in data.get("seen", [])]
        except (ValueError, AttributeError, TypeError):
            return
        self.cursor = str(cursor) if cursor else None
        for msgid in seen[-SEEN_LIMIT:]:
            self._remember(msgid)

    def first_time(self, msgid: str) -> bool:
        """True (and remembered) if ``msgid`` was never yielded before."""
        if msgid in self._seen:
            return False
        self._remember(msgid)
        self._dirty = True
        return True

    def advance(self, next_cursor: str) -> bool:
        """Move to ``next_cursor``; False if it did not move (a loop would never end)."""
        if not next_cursor or next_cursor == self.cursor:
            return False
        self.cursor = next_cursor
        self._dirty = True
        return True

    async def save(self) -> None:
        """Write the state if it changed since the last save."""
        if not self._dirty:
            return
        data = {"cursor": self.cursor, "seen": list(self._order)}
        await self.store.set(self.key, json.dumps(data, separators=(",", ":")).encode())
        self._dirty = False

    def _remember(self, msgid: str) -> None:
        self._seen.add(msgid)
        self._order.append(msgid)
        while len(self._order) > SEEN_LIMIT:
            self._seen.discard(self._order.popleft())
