"""The replay window: a signed request may not outlive the record that dedupes it.

Dedupe records are kept ``retention_days``; a request captured on the wire and replayed
after its record was purged would otherwise run its handlers again. So a POST whose
signed timestamp is older than the retention (less a margin, for records admitted late)
or further in the future than the allowed clock skew is refused with 403. The window is
on by default; ``replay_window=False`` turns it off (for replaying old vectors in tests).
"""

from __future__ import annotations

import time

from ..errors import ReplayError

__all__ = ["ReplayWindow"]

#: Taken off the retention so a record admitted near the window's edge still exists.
MARGIN = 3600.0


class ReplayWindow:
    """Accepts signed timestamps in [now - retention + margin, now + skew]."""

    __slots__ = ("max_age", "max_skew")

    def __init__(self, retention: float, max_skew: float) -> None:
        self.max_age = max(retention - MARGIN, 60.0)
        self.max_skew = max_skew

    def check(self, timestamp: str) -> None:
        """Raise :class:`ReplayError` (403) unless ``timestamp`` is inside the window."""
        try:
            sent = float(timestamp)
        except ValueError:
            raise ReplayError(f"timestamp {timestamp[:20]!r} is not a Unix time") from None
        now = time.time()
        if sent < now - self.max_age:
            raise ReplayError(
                f"timestamp is {now - sent:.0f} s old, past the replay window of"
                f" {self.max_age:.0f} s (records are kept no longer)"
            )
        if sent > now + self.max_skew:
            raise ReplayError(
                f"timestamp is {sent - now:.0f} s in the future, past the allowed clock skew"
                f" of {self.max_skew:.0f} s"
            )
