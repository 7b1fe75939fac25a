"""What can go wrong on a suite's side: no ticket yet, a corp that is not (or no longer) in."""

from __future__ import annotations

from wecom_callback.errors import WeComCallbackError

__all__ = ["InstallationRevokedError", "NotInstalledError", "SuiteError", "SuiteTicketError"]


class SuiteError(WeComCallbackError):
    """Base of the third-party suite errors."""


class SuiteTicketError(SuiteError):
    """No usable suite_ticket: none received yet, or WeCom refused it (40085).

    Not a configuration error on purpose: the next push (every 10 minutes) fixes it, so
    the failure is never remembered past the moment a new ticket arrives.
    """

    def __init__(self, suite_id: str, why: str) -> None:
        super().__init__(
            f"suite {suite_id}: {why}; WeCom pushes a suite_ticket to the instruction URL"
            " every 10 minutes: wait for the next push, or use 刷新Ticket in the provider"
            " console to push one now"
        )


class NotInstalledError(SuiteError):
    """The suite has no installation in this corp (never installed, or cancelled)."""


class InstallationRevokedError(NotInstalledError):
    """WeCom refused the corp's permanent code (40084, 48004): the authorisation is gone."""
