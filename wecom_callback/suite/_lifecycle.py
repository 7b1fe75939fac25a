"""The built-in handlers of a suite: ticket, install, change, uninstall (PROTOCOL.md 5.2).

They are handlers like any other, so they run from the inbox: durable, retried, and
resumed after a crash (the install exchange continues from its stored result instead of
spending the single-use code twice). Registered on the app's router before any handler
of the user's, they run first; the user's handlers for the same kinds still run after.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from wecom_callback._routing.router import Router
from wecom_callback.models import (
    CancelAuthEvent,
    ChangeAuthEvent,
    CreateAuthEvent,
    ResetPermanentCodeEvent,
    SuiteTicketEvent,
)

from ._client import SuiteClient

__all__ = ["Lifecycle"]

log = logging.getLogger("wecom_callback.suite")


class Lifecycle:
    """Handlers keeping one suite's ticket and installations in step with WeCom."""

    def __init__(self, suite_id: str, client: Callable[[], SuiteClient]) -> None:
        self.suite_id = suite_id
        self._client = client

    def register(self, router: Router) -> None:
        """Add the handlers to ``router`` (only callbacks of this suite match them)."""
        for kind, handler in (
            ("suite_ticket", self.keep_ticket),
            ("create_auth", self.install),
            ("reset_permanent_code", self.reinstall),
            ("change_auth", self.refresh),
            ("cancel_auth", self.uninstall),
        ):
            router.add_handler(handler, kind, suite_id=self.suite_id)

    async def keep_ticket(self, ev: SuiteTicketEvent) -> None:
        """Keep the ticket, unless a newer one is already stored."""
        if not ev.suite_ticket or ev.time_stamp is None:
            log.warning("suite %s: a suite_ticket callback without ticket or time", self.suite_id)
            return
        kept = await self._client().save_ticket(ev.suite_ticket, int(ev.time_stamp.timestamp()))
        if not kept:
            log.info("suite %s: an older suite_ticket arrived late; kept the newer", self.suite_id)

    async def install(self, ev: CreateAuthEvent) -> None:
        """Exchange the auth code and store the installation."""
        if not ev.auth_code:
            log.warning("suite %s: create_auth without AuthCode", self.suite_id)
            return
        await self._client().install(ev.auth_code, resume=True)

    async def reinstall(self, ev: ResetPermanentCodeEvent) -> None:
        """Exchange the new auth code: the new permanent code replaces the old one."""
        if not ev.auth_code:
            log.warning("suite %s: reset_permanent_code without AuthCode", self.suite_id)
            return
        await self._client().install(ev.auth_code, resume=True)

    async def refresh(self, ev: ChangeAuthEvent) -> None:
        """Read the corp's auth info again."""
        if ev.auth_corp_id and await self._client().refresh(ev.auth_corp_id) is None:
            log.warning(
                "suite %s: change_auth for %s, not installed", self.suite_id, ev.auth_corp_id
            )

    async def uninstall(self, ev: CancelAuthEvent) -> None:
        """Delete the installation and the corp's tokens."""
        if ev.auth_corp_id:
            await self._client().uninstall(ev.auth_corp_id)
