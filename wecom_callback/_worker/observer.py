"""What the runner reports as it works, for metrics: a no-op base the app may replace."""

from __future__ import annotations

__all__ = ["Observer"]


class Observer:
    """Receives one call per event; every method does nothing here (no metrics)."""

    def admitted(self, kind: str, outcome: str, seconds: float) -> None:
        """A delivery was admitted (``new``), found (``duplicate``) or not (``refused``)."""

    def handled(self, kind: str, seconds: float, ok: bool) -> None:
        """One handler ran for ``seconds`` and succeeded or failed."""

    def finished(self, kind: str, inline: bool) -> None:
        """A record's handlers all finished: within the reply budget, or in the background."""

    def rejected(self, status: int, code: int | None) -> None:
        """A request was refused with ``status`` (and WeCom's ``code``, if one fits)."""
