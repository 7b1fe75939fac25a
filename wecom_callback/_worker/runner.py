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
import random
import secrets
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .._receiving.context import CallbackContext
from .._receiving.receiver import Delivery, render_reply
from .._routing.handler import Handler
from .._routing.router import Router
from .._settings.settings import Settings
from ..inbox import Admitted, Inbox, InboxRecord, NewCallback
from ..models._base import Callback
from ..models._parsing import parse_message

__all__ = ["NotAccepting", "Runner"]

log = logging.getLogger("wecom_callback.runner")


class NotAccepting(Exception):
    """The runner is shutting down or its inbox is unreachable: WeCom should retry."""


class _Outage:
    """Counts failed admissions so an outage is logged once, with a count, not per request."""

    __slots__ = ("count", "last_report", "since")

    #: Seconds between reminders while the outage lasts.
    REMIND = 60.0

    def __init__(self) -> None:
        self.since: float | None = None
        self.count = 0
        self.last_report = 0.0

    def failed(self, endpoint: str, reason: str, exc: BaseException | None) -> None:
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
        if self.since is not None:
            log.warning(
                "endpoint %s: inbox recovered after %d refused admissions over %.1f s",
                endpoint,
                self.count,
                time.monotonic() - self.since,
            )
            self.since, self.count = None, 0


class _Run:
    """One attempt at a record's handlers, watched by the request that admitted it."""

    __slots__ = ("answered", "finished", "reply", "started", "task")

    def __init__(self) -> None:
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.reply: bytes | None = None
        self.task: asyncio.Task[None] | None = None
        self.started = time.monotonic()
        self.answered = False
        """True once the request that admitted the work was answered without waiting."""

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
        self._interval = settings.recovery_interval
        self._outage = _Outage()

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
        if not self._accepting:
            raise NotAccepting("shutting down")
        ctx = delivery.ctx
        lease = self.settings.lease_seconds if self.inline else 0.0
        new = NewCallback(
            key=ctx.dedupe_key,
            receive_id=ctx.receive_id,
            kind=delivery.model.kind,
            plaintext=ctx.plaintext,
            received_at=ctx.received_at.timestamp(),
        )
        pending = asyncio.ensure_future(
            self.inbox.admit(new, owner=self.owner, lease_seconds=lease)
        )
        timeout = self.settings.admission_timeout
        done, _ = await asyncio.wait((pending,), timeout=timeout)
        if not done:
            # The commit may still land: then this process runs the work (it holds the
            # lease), and WeCom's retry finds a duplicate.
            pending.add_done_callback(lambda f: self._admitted_late(f, delivery))
            self._outage.failed(self.endpoint, f"no commit within {timeout:g} s", None)
            raise NotAccepting(f"the inbox did not commit within {timeout:g} s")
        exc = pending.exception()
        if exc is not None:
            self._outage.failed(self.endpoint, f"{type(exc).__name__}: {exc}", exc)
            raise NotAccepting(f"inbox unavailable ({type(exc).__name__})") from exc
        self._outage.succeeded(self.endpoint)
        admitted = pending.result()
        if not admitted.new:
            log.info("duplicate delivery of key=%s suppressed", ctx.dedupe_key)
            return admitted.record.reply
        if not self.inline:
            return None
        run = self._launch(admitted.record, delivery.model, ctx)
        if delivery.instruction:
            run.answered = True
            return None  # acknowledged at once; the handlers go on in the background
        await asyncio.wait((run.finished,), timeout=self.settings.reply_budget)
        if not run.finished.done():
            run.answered = True
        return run.reply

    def _admitted_late(self, future: asyncio.Future[Admitted], delivery: Delivery) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        admitted = future.result()
        if admitted.new and self.inline and self._accepting:
            log.info("key=%s committed after its 503; running it now", delivery.ctx.dedupe_key)
            self._launch(admitted.record, delivery.model, delivery.ctx).answered = True

    # -- running handlers ---------------------------------------------------------

    def _launch(self, record: InboxRecord, model: Callback, ctx: CallbackContext) -> _Run:
        run = _Run()
        self._runs[record.key] = run
        run.task = asyncio.create_task(self._run(record, model, ctx, run))
        run.task.add_done_callback(lambda _t: self._runs.pop(record.key, None))
        return run

    def _match(self, record: InboxRecord, model: Callback) -> tuple[list[Handler], list[str]]:
        """The handlers still to run for ``record``, and the failures of broken filters.

        A filter that raises fails the handler it guards, like the handler raising would:
        the attempt is counted, backed off, retried and finally dead-lettered.
        """
        handlers: list[Handler] = []
        failed: list[str] = []
        for handler in self.router.handlers:
            if handler.id in record.handlers_done:
                continue
            try:
                if handler.matches(model):
                    handlers.append(handler)
            except Exception as exc:
                log.error(
                    "filter of handler %s raised on kind=%s key=%s: %s",
                    handler.id,
                    model.kind,
                    record.key,
                    type(exc).__name__,
                    exc_info=exc,
                )
                failed.append(f"{handler.id} (filter): {type(exc).__name__}: {exc}"[:2000])
        return handlers, failed

    async def _run(
        self, record: InboxRecord, model: Callback, ctx: CallbackContext, run: _Run
    ) -> None:
        key = record.key
        try:
            handlers, failed = self._match(record, model)
            if not handlers and not failed and not record.handlers_done:
                log.info("kind=%s key=%s matched no handler", model.kind, key)
            resources = {**self.resources(), "ctx": ctx}
            reply = record.reply
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
                    if run.answered:
                        log.warning(
                            "handler %s returned a reply for key=%s after the answer went out;"
                            " it can no longer be sent passively (only to a retry of WeCom's):"
                            " send it with the client instead",
                            handler.id,
                            key,
                        )
                # Completion of the last handler is implied by complete() below, so its
                # own write is skipped on the happy path. Once any handler failed, every
                # success must be recorded, or the retry would run it again.
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
                await asyncio.wait_for(self._wake.wait(), self._interval)
