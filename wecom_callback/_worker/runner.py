"""Durable dispatch: admit to the inbox, run handlers under the reply budget, never lose work.

The receiver hands every verified callback to :meth:`Runner.admit`. A first delivery
is committed to the inbox before anything is answered; its handlers start at once and,
if they all finish within the reply budget, the passive reply goes out with the 200.
Otherwise the 200 goes out empty and the handlers go on in the background. Failures are
retried with exponential backoff and jitter, then dead-lettered. Work whose lease
expires (its process died) is claimed again by the recovery loop of any process.

A runner built with ``inline=False`` is a pure receiver: it admits and answers, and
neither runs handlers nor claims work; :meth:`Runner.run_forever` (the ``worker``
command) is the other half, claiming and running everything the receivers admit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .._receiving.context import CallbackContext
from .._receiving.receiver import Delivery
from .._routing.router import Router
from .._settings.settings import Settings
from ..inbox import Admitted, Inbox, NewCallback
from ..models._base import Callback
from ..models._parsing import parse_message
from .attempt import Attempts, Render, render_xml
from .observer import Observer
from .outage import Outage

__all__ = ["NotAccepting", "Runner"]

log = logging.getLogger("wecom_callback.runner")


async def _settled(future: asyncio.Future[Any], timeout: float) -> bool:
    """Wait up to ``timeout`` for ``future`` without cancelling it; True if it is done.

    ``asyncio.wait`` on one future, without the sets and the second future it builds:
    this runs twice per callback.
    """
    if future.done():
        return True
    waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def wake(_: object = None) -> None:
        if not waiter.done():
            waiter.set_result(None)

    timer = asyncio.get_running_loop().call_later(timeout, wake)
    future.add_done_callback(wake)
    try:
        await waiter
    finally:
        timer.cancel()
        future.remove_done_callback(wake)
    return future.done()


class NotAccepting(Exception):
    """The runner is shutting down or its inbox is unreachable: WeCom should retry."""


class Runner:
    """Admits callbacks to an inbox and runs their handlers durably (see module doc)."""

    def __init__(
        self,
        router: Router,
        inbox: Inbox,
        settings: Settings,
        resources: Callable[[], dict[str, Any]],
        *,
        inline: bool = True,
        observer: Observer | None = None,
        render: Render = render_xml,
        parse: Callable[[bytes], Callback] = parse_message,
    ) -> None:
        self.router = router
        self.inbox = inbox
        self.settings = settings
        self.resources = resources
        self.inline = inline
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.observer = observer or Observer()
        self.parse = parse
        """Plaintext to model, for records claimed back from the inbox."""
        self.attempts = Attempts(
            router, inbox, settings, resources, self.owner, self._poke, self.observer, render
        )
        self._recovery: asyncio.Task[None] | None = None
        self._leases: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._accepting = False
        self._started = False
        self._last_purge = 0.0
        self._interval = settings.recovery_interval
        self._outage = Outage()

    @property
    def endpoint(self) -> str:
        """The endpoint whose records this runner admits and runs."""
        return self.inbox.endpoint

    # -- lifecycle ----------------------------------------------------------------

    async def start(self, *, recover: bool | None = None) -> None:
        """Open the inbox and, unless a pure receiver, start the recovery loop.

        ``recover`` defaults to ``inline``: an inline runner resumes unfinished work; a
        pure receiver (``inline=False``) never claims anything, its workers do. On
        failure nothing is left half-started and the inbox is closed again.
        """
        if self._started:
            return
        recover = self.inline if recover is None else recover
        await self.inbox.start()
        try:
            adopted = await self.inbox.adopt(self.settings.receive_ids)
        except BaseException:
            await self.inbox.close()
            raise
        if adopted:
            log.info(
                "endpoint %s: adopted %d records from before endpoints", self.endpoint, adopted
            )
        self._wake = asyncio.Event()  # bound to the loop that serves
        self._started = True
        self._accepting = True
        self._leases = asyncio.create_task(self._lease_loop(), name="wecom-leases")
        if recover:
            self._recovery = asyncio.create_task(self._recovery_loop(), name="wecom-recovery")

    @property
    def accepting(self) -> bool:
        """True while new callbacks are admitted (False once a shutdown began)."""
        return self._accepting

    @property
    def started(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._started

    def _poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def stop(self) -> None:
        """Stop admitting, wait up to the grace period, leave unfinished work to recovery."""
        if not self._started:
            return
        self._accepting = False
        if self._recovery is not None:
            self._recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recovery
            self._recovery = None
        pending = {r.task for r in self.attempts.runs.values() if r.task is not None}
        if pending:
            _, still = await asyncio.wait(pending, timeout=self.settings.shutdown_grace)
            for task in still:
                task.cancel()
            if still:
                await asyncio.wait(still)
        if self._leases is not None:
            self._leases.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._leases
            self._leases = None
        await self.inbox.close()
        self._started = False

    async def run_forever(self) -> None:
        """Serve as a worker: claim and run work from the inbox until cancelled."""
        self._interval = min(self.settings.recovery_interval, self.settings.worker_poll_interval)
        await self.start(recover=True)
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()

    # -- receiving ----------------------------------------------------------------

    async def admit(self, delivery: Delivery) -> bytes | None:
        """Admit one delivery; return the reply's plaintext XML or None (an empty 200).

        Raises :class:`NotAccepting` (answered 503, so WeCom retries) when shutting down,
        when the inbox fails, or when its commit takes longer than ``admission_timeout``.
        """
        return (await self.admit_once(delivery))[1]

    async def admit_once(self, delivery: Delivery) -> tuple[bool, bytes | None]:
        """Like :meth:`admit`, also saying whether the delivery was new (not a duplicate)."""
        if not self._accepting:
            raise NotAccepting("shutting down")
        ctx = delivery.ctx
        new = NewCallback(
            key=ctx.dedupe_key,
            receive_id=ctx.receive_id,
            kind=delivery.model.kind,
            plaintext=ctx.plaintext,
            received_at=ctx.received_at.timestamp(),
        )
        began = time.monotonic()
        admitted = await self._commit(new, delivery, began)
        if not admitted.new:
            self._log(new, "duplicate", began)
            return False, admitted.record.reply
        if not self.inline:
            self._log(new, "admitted", began)
            return True, None
        run = self.attempts.launch(admitted.record, delivery.model, ctx)
        if delivery.instruction:
            run.answered = True
            self._log(new, "acknowledged", began)
            return True, None  # acknowledged at once; the handlers go on in the background
        await _settled(run.finished, self.settings.reply_budget)
        if not run.finished.done():
            run.answered = True
        outcome = "replied" if run.reply is not None else "handled"
        self._log(new, outcome if run.finished.done() else "background", began)
        return True, run.reply

    def _log(self, new: NewCallback, outcome: str, began: float) -> None:
        """One line per callback: endpoint, kind, dedupe key, outcome, duration."""
        if not log.isEnabledFor(logging.INFO):
            return  # on the hot path: build nothing for a line nobody reads
        ms = (time.monotonic() - began) * 1000
        log.info(
            "callback endpoint=%s kind=%s key=%s outcome=%s duration_ms=%.1f",
            self.endpoint,
            new.kind,
            new.key,
            outcome,
            ms,
            extra={"endpoint": self.endpoint, "kind": new.kind, "dedupe_key": new.key,
                   "outcome": outcome, "duration_ms": round(ms, 1)},
        )  # fmt: skip

    async def _commit(self, new: NewCallback, delivery: Delivery, began: float) -> Admitted:
        """Admit ``new`` within the admission deadline, or raise :class:`NotAccepting`."""
        lease = self.settings.lease_seconds if self.inline else 0.0
        pending = asyncio.ensure_future(
            self.inbox.admit(new, owner=self.owner, lease_seconds=lease)
        )
        timeout = self.settings.admission_timeout
        if not await _settled(pending, timeout):
            # The commit may still land: then this process runs the work (it holds the
            # lease), and WeCom's retry finds a duplicate.
            pending.add_done_callback(lambda f: self._admitted_late(f, delivery))
            self.observer.admitted(new.kind, "refused", time.monotonic() - began)
            self._outage.failed(self.endpoint, f"no commit within {timeout:g} s", None)
            raise NotAccepting(f"the inbox did not commit within {timeout:g} s")
        exc = pending.exception()
        if exc is not None:
            self.observer.admitted(new.kind, "refused", time.monotonic() - began)
            self._outage.failed(self.endpoint, f"{type(exc).__name__}: {exc}", exc)
            raise NotAccepting(f"inbox unavailable ({type(exc).__name__})") from exc
        self._outage.succeeded(self.endpoint)
        admitted = pending.result()
        outcome = "new" if admitted.new else "duplicate"
        self.observer.admitted(new.kind, outcome, time.monotonic() - began)
        return admitted

    def _admitted_late(self, future: asyncio.Future[Admitted], delivery: Delivery) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        admitted = future.result()
        if admitted.new and self.inline and self._accepting:
            log.info("key=%s committed after its 503; running it now", delivery.ctx.dedupe_key)
            self.attempts.launch(admitted.record, delivery.model, delivery.ctx).answered = True

    # -- running handlers ---------------------------------------------------------

    async def _lease_loop(self) -> None:
        # One loop renews every long-running record's lease (not a task per callback).
        lease = self.settings.lease_seconds
        while True:
            await asyncio.sleep(lease / 3)
            horizon = time.monotonic() - lease / 3
            for key, run in list(self.attempts.runs.items()):
                if run.started > horizon or run.finished.done():
                    continue
                try:
                    if not await self.inbox.renew(key, self.owner, lease):
                        log.warning("lease on key=%s was lost; another process may resume", key)
                except Exception as exc:
                    log.warning("lease renewal for key=%s failed: %s", key, type(exc).__name__)

    # -- recovery -----------------------------------------------------------------

    async def recover_once(self, limit: int = 100) -> int:
        """Claim due work (unfinished, lease expired, retry due) and start it; return count."""
        records = await self.inbox.claim(
            self.owner, lease_seconds=self.settings.lease_seconds, limit=limit
        )
        for record in records:
            if record.key in self.attempts.runs:
                continue
            model = self.parse(record.plaintext)
            ctx = CallbackContext(
                received_at=datetime.fromtimestamp(record.received_at, UTC),
                dedupe_key=record.key,
                receive_id=record.receive_id,
                plaintext=record.plaintext,
                attempt=record.attempts + 1,
            )
            self.attempts.launch(record, model, ctx)
        return len(records)

    async def _recovery_loop(self) -> None:
        while True:
            try:
                claimed = await self.recover_once()
                now = time.time()
                if now - self._last_purge > 3600:
                    self._last_purge = now
                    purged = await self.inbox.purge(now - self.settings.retention_days * 86400)
                    if purged:
                        log.info("purged %d records past retention", purged)
            except Exception as exc:
                log.error("recovery pass failed: %s", type(exc).__name__, exc_info=exc)
                claimed = 0
            if claimed:
                continue  # there may be more
            assert self._wake is not None
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
