"""Counting an inbox outage, so it is logged once with a count rather than per request."""

from __future__ import annotations

import logging
import time

__all__ = ["Outage"]

log = logging.getLogger("wecom_callback.runner")


class Outage:
    """Counts failed admissions so an outage is logged once, with a count, not per request."""

    __slots__ = ("count", "last_report", "since")

    #: Seconds between reminders while the outage lasts.
    REMIND = 60.0

    def __init__(self) -> None:
        self.since: float | None = None
        self.count = 0
        self.last_report = 0.0

    def failed(self, endpoint: str, reason: str, exc: BaseException | None) -> None:
        """Count one refused admission; log the first of an outage, then reminders."""
        now = time.monotonic()
        self.count += 1
        if self.since is None:
            self.since = self.last_report = now
            log.error(
                "endpoint %s: inbox admission failed (%s); answering 503 until it recovers",
                endpoint,
                reason,
                exc_info=exc,
            )
        elif now - self.last_report >= self.REMIND:
            self.last_report = now
            log.error(
                "endpoint %s: inbox still failing (%s): %d admissions refused in %.0f s",
                endpoint,
                reason,
                self.count,
                now - self.since,
            )

    def succeeded(self, endpoint: str) -> None:
        """An admission went through: log the end of an outage, if one was going on."""
        if self.since is not None:
            log.warning(
                "endpoint %s: inbox recovered after %d refused admissions over %.1f s",
                endpoint,
                self.count,
                time.monotonic() - self.since,
            )
            self.since, self.count = None, 0
