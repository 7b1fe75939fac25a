"""What a client reports as it works, for metrics: a no-op base to replace."""

from __future__ import annotations

__all__ = ["ClientEvents"]


class ClientEvents:
    """Receives one call per event; every method does nothing here.

    ``WeComClient(..., events=...)``; an app's own client reports to the app's metrics.
    Labels are API paths and codes only, never ids or tokens.
    """

    def token_fetched(self, api: str, ok: bool) -> None:
        """An access token was fetched from ``api`` (``gettoken``), or the fetch failed."""

    def api_error(self, api: str, code: str) -> None:
        """A call to ``api`` failed: WeCom's ``errcode``, or ``transport`` when no answer."""
