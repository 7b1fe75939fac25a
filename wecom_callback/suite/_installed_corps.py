"""The corps a suite is installed in, as a live set the receive-id check consults.

A suite's data callbacks are encrypted for each authorising corp's CorpID, so the set of
acceptable receive ids changes with every install and uninstall. Reading the store per
callback would put I/O on the hot path; instead the set is cached here and reloaded:

* at once in the process that changed an installation;
* in every other process sharing the store, when the version key (rewritten on every
  change) differs from the one last loaded: checked every ``interval`` seconds, and
  sooner, at most every ``_MISS_GAP`` seconds, after a callback from an unknown corp.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time

from wecom_callback._stores import Store

from ._installation import InstallationStore

__all__ = ["InstalledCorps", "bump_version", "version_key"]

log = logging.getLogger("wecom_callback.suite")

#: The least time between two reloads prompted by unknown receive ids, in seconds.
_MISS_GAP = 0.25


def version_key(suite_id: str) -> str:
    """The store key rewritten whenever an installation of ``suite_id`` changes."""
    return f"suite:{suite_id}:corps:version"


async def bump_version(store: Store, suite_id: str) -> None:
    """Tell every process sharing ``store`` that the suite's installations changed."""
    await store.set(version_key(suite_id), secrets.token_hex(8).encode())


class InstalledCorps:
    """A set of corp ids, ``in`` without I/O, kept current from an installation store.

    Give it to :class:`~wecom_callback.crypto.WeComCrypto` as ``more_receive_ids``.
    Revoked installations are left out.
    """

    def __init__(self, *, interval: float = 1.0) -> None:
        self.interval = interval
        self._ids: frozenset[str] = frozenset()
        self._source: tuple[InstallationStore, Store, str] | None = None
        self._version: bytes | None = None
        self._task: asyncio.Task[None] | None = None
        self._missed: asyncio.Event | None = None
        self._last_check = 0.0

    def __repr__(self) -> str:
        return f"InstalledCorps({len(self._ids)} corps)"

    def __contains__(self, receive_id: object) -> bool:
        if receive_id in self._ids:
            return True
        if self._missed is not None:
            self._missed.set()  # another process may have installed it: look soon
        return False

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> frozenset[str]:
        """The corp ids accepted now."""
        return self._ids

    async def attach(self, installations: InstallationStore, store: Store, suite_id: str) -> None:
        """Load the set from ``installations`` and keep it current until :meth:`detach`."""
        await self.detach()
        self._source = (installations, store, suite_id)
        await self.reload()
        self._missed = asyncio.Event()
        self._task = asyncio.create_task(self._watch(), name="wecom-suite-corps")

    async def detach(self) -> None:
        """Stop watching (the set keeps its last contents)."""
        task, self._task = self._task, None
        self._missed = None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def reload(self) -> None:
        """Read the installations now (the version first, so a change meanwhile is seen)."""
        if self._source is None:
            return
        installations, store, suite_id = self._source
        version = await store.get(version_key(suite_id))
        found = await installations.list()
        self._ids = frozenset(i.auth_corp_id for i in found if not i.revoked)
        self._version = version

    async def _watch(self) -> None:
        assert self._source is not None and self._missed is not None
        _, store, suite_id = self._source
        missed = self._missed
        while True:
            # Not wait_for: on 3.11 it can swallow a cancel that meets the event being set.
            waiter = asyncio.ensure_future(missed.wait())
            try:
                await asyncio.wait({waiter}, timeout=self.interval)
            finally:
                waiter.cancel()
            wait = _MISS_GAP - (time.monotonic() - self._last_check)
            if wait > 0:
                await asyncio.sleep(wait)  # a flood of unknown ids costs one read per gap
            missed.clear()
            self._last_check = time.monotonic()
            try:
                if await store.get(version_key(suite_id)) != self._version:
                    await self.reload()
            except Exception as exc:  # the next round tries again
                log.warning("reloading the installed corps failed: %s", type(exc).__name__)
