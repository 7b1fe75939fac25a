"""Durable dispatch: admit to the inbox, run handlers under the reply budget, never lose work.

The receiver hands every verified callback to :meth:`Runner.receive`. A first delivery
is committed to the inbox before anything is answered; its handlers start at once and,
if they all finish within the reply budget, the passive reply goes out with the 200.
Otherwise the 200 goes out empty and the handlers go on in the background. Failures are
retried with exponential backoff and jitter, then dead-lettered. Work whose lease
expires (its process died) is claimed again by the recovery loop of any process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ._context import CallbackContext
from ._parsing import parse_message
from ._receiver import Delivery, render_reply
from ._routing import Router
from ._settings import Settings
from .inbox import Inbox, InboxRecord, NewCallback
from .models._base import Callback

__all__ = ["NotAccepting", "Runner"]

log = logging.getLogger("wecom_callback.runner")


class NotAccepting(Exception):
    """The runner is shutting down or its inbox is unreachable: WeCom should retry."""


class _Run:
    """One attempt at a record's handlers, watched by the request that admitted it."""

    __slots__ = ("finished", "reply", "started", "task")

    def __init__(self) -> None:
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.reply: bytes | None = None
        self.task: asyncio.Task[None] | None = None
        self.started = time.monotonic()

    def finish(self) -> None:
        if not self.finished.done():
            self.finished.set_result(None)


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
    ) -> None:
        self.router = router
        self.inbox = inbox
        self.settings = settings
        self.resources = resources
        self.inline = inline
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._runs: dict[str, _Run] = {}
        self._recovery: asyncio.Task[None] | None = None
        self._leases: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._accepting = False
        self._started = False
        self._last_purge = 0.0

    # -- lifecycle ----------------------------------------------------------------

    async def start(self, *, recover: bool = True) -> None:
        """Open the inbox and start the recovery loop (which first resumes unfinished work)."""
        if self._started:
            return
        await self.inbox.start()
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
        pending = {r.task for r in self._runs.values() if r.task is not None}
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
        """Serve as a worker: recover and run work from the inbox until cancelled."""
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()

    # -- receiving ----------------------------------------------------------------

    async def receive(self, delivery: Delivery) -> bytes | None:
        """Admit one delivery; return the reply's plaintext XML or None (an empty 200)."""
        if not self._accepting:
            raise NotAccepting("shutting down")
        ctx = delivery.ctx
        lease = self.settings.lease_seconds if self.inline else 0.0
        try:
            admitted = await self.inbox.admit(
                NewCallback(
                    key=ctx.dedupe_key,
                    receive_id=ctx.receive_id,
                    kind=delivery.model.kind,
                    plaintext=ctx.plaintext,
                    received_at=ctx.received_at.timestamp(),
                ),
                owner=self.owner,
                lease_seconds=lease,
            )
        except Exception as exc:
            log.error(
                "inbox admission failed for key=%s: %s",
                ctx.dedupe_key,
                type(exc).__name__,
                exc_info=exc,
            )
            raise NotAccepting("inbox unavailable") from exc
        if not admitted.new:
            log.info("duplicate delivery of key=%s suppressed", ctx.dedupe_key)
            return admitted.record.reply
        if not self.inline:
            self._poke()
            return None
        run = self._launch(admitted.record, delivery.model, ctx)
        if delivery.instruction:
            return None  # acknowledged at once; the handlers go on in the background
        await asyncio.wait((run.finished,), timeout=self.settings.reply_budget)
        return run.reply

    # -- running handlers ---------------------------------------------------------

    def _launch(self, record: InboxRecord, model: Callback, ctx: CallbackContext) -> _Run:
        run = _Run()
        self._runs[record.key] = run
        run.task = asyncio.create_task(self._run(record, model, ctx, run))
        run.task.add_done_callback(lambda _t: self._runs.pop(record.key, None))
        return run

    async def _run(
        self, record: InboxRecord, model: Callback, ctx: CallbackContext, run: _Run
    ) -> None:
        key = record.key
        try:
            handlers = [h for h in self.router.matching(model) if h.id not in record.handlers_done]
            resources = {**self.resources(), "ctx": ctx}
            reply = record.reply
            failed: list[str] = []
            for i, handler in enumerate(handlers):
                try:
                    result = await handler.call(model, resources)
                    rendered = (
                        render_reply(result, model)
                        if reply is None and result is not None
                        else None
                    )
                except Exception as exc:
                    log.error(
                        "handler %s failed on kind=%s key=%s (attempt %d): %s",
                        handler.id,
                        model.kind,
                        key,
                        ctx.attempt,
                        type(exc).__name__,
                        exc_info=exc,
                    )
                    failed.append(f"{handler.id}: {type(exc).__name__}: {exc}"[:2000])
                    continue
                if rendered is not None:
                    reply = rendered
                    await self.inbox.save_reply(key, reply)  # before it can be sent
                    run.reply = reply
                if failed or i < len(handlers) - 1:
                    await self.inbox.handler_done(key, handler.id)
            run.reply = reply
            run.finish()
            if failed:
                await self._failed(record, "; ".join(failed))
            else:
                await self.inbox.complete(key)
        except asyncio.CancelledError:
            # Shutdown: hand the work back at once so another process resumes it.
            await asyncio.shield(self.inbox.release(key, self.owner))
            raise
        except Exception as exc:
            # The inbox failed while recording progress; the lease will expire and the
            # remaining work is resumed then (handlers may run again: at least once).
            log.error(
                "recording progress of key=%s failed: %s", key, type(exc).__name__, exc_info=exc
            )
        finally:
            run.finish()

    async def _failed(self, record: InboxRecord, error: str) -> None:
        attempts = record.attempts + 1
        s = self.settings
        if attempts >= s.max_attempts:
            log.error("key=%s is a dead letter after %d attempts", record.key, attempts)
            await self.inbox.fail(record.key, error, retry_at=None)
            return
        delay = min(s.retry_max_delay, s.retry_base_delay * 2 ** (attempts - 1))
        delay *= 0.5 + random.random() / 2  # jitter spreads retries; not security
        await self.inbox.fail(record.key, error, retry_at=time.time() + delay)
        asyncio.get_running_loop().call_later(delay, self._poke)

    async def _lease_loop(self) -> None:
        # One loop renews every long-running record's lease (not a task per callback).
        lease = self.settings.lease_seconds
        while True:
            await asyncio.sleep(lease / 3)
            horizon = time.monotonic() - lease / 3
            for key, run in list(self._runs.items()):
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
            if record.key in self._runs:
                continue
            model = parse_message(record.plaintext)
            ctx = CallbackContext(
                received_at=datetime.fromtimestamp(record.received_at, UTC),
                dedupe_key=record.key,
                receive_id=record.receive_id,
                plaintext=record.plaintext,
                attempt=record.attempts + 1,
            )
            self._launch(record, model, ctx)
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
                await asyncio.wait_for(self._wake.wait(), self.settings.recovery_interval)
