"""Rejection log lines, bounded: a flood of junk must not become a flood of log writes.

Each rejection is logged, up to ``burst`` lines per ``window`` seconds; past that they
are counted, and the next line after the window says how many were left out, by status.
"""

from __future__ import annotations

import logging
import time
from collections import Counter

__all__ = ["RejectionLog"]

log = logging.getLogger("wecom_callback")


class RejectionLog:
    """Logs rejections at WARNING, at most ``burst`` a ``window``; counts the rest."""

    __slots__ = ("_logged", "_skipped", "_started", "burst", "window")

    def __init__(self, burst: int = 20, window: float = 60.0) -> None:
        self.burst = burst
        self.window = window
        self._started = 0.0
        self._logged = 0
        self._skipped: Counter[int] = Counter()

    def allow(self, status: int) -> bool:
        """True when this rejection may be logged; else it is counted."""
        now = time.monotonic()
        if now - self._started >= self.window:
            if self._skipped:
                counts = ", ".join(f"{n} x {s}" for s, n in sorted(self._skipped.items()))
                log.warning(
                    "%d more rejections were not logged in the last %.0f s (%s)",
                    sum(self._skipped.values()),
                    now - self._started,
                    counts,
                )
            self._started, self._logged = now, 0
            self._skipped.clear()
        if self._logged < self.burst:
            self._logged += 1
            return True
        self._skipped[status] += 1
        return False
