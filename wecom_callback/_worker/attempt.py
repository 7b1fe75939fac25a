"""Attempts: running one record's remaining handlers, recording each step in the inbox.

An attempt runs the handlers a record still needs, in order; the first reply is saved
before it can be sent; each handler's completion is recorded when it matters (see the
comment in :meth:`Attempts._run`); failures, of a handler or of the filter guarding it,
are retried with exponential backoff and jitter, then dead-lettered.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .._receiving.context import CallbackContext
from .._receiving.receiver import render_reply
from .._routing.handler import Handler
from .._routing.router import Router
from .._settings.settings import Settings
from ..inbox import Inbox, InboxRecord
from ..models._base import Callback
from .observer import Observer

__all__ = ["Attempts", "Render", "Run", "render_xml"]

#: Turns a handler's result into the plaintext reply (or None): XML for apps, JSON for bots.
Render = Callable[[Any, Callback, CallbackContext], Awaitable[bytes | None]]


async def render_xml(result: Any, model: Callback, ctx: CallbackContext) -> bytes | None:
    """The XML passive reply of an app's handler result (a ``str`` is a text reply)."""
    return render_reply(result, model)


log = logging.getLogger("wecom_callback.runner")


class Run:
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
        """Wake whoever waits for this attempt (the request, a shutdown)."""
        if not self.finished.done():
            self.finished.set_result(None)


class Attempts:
    """The attempts in flight in one process for one endpoint, keyed by dedupe key."""

    def __init__(
        self,
        router: Router,
        inbox: Inbox,
        settings: Settings,
        resources: Callable[[], dict[str, Any]],
        owner: str,
        poke: Callable[[], None],
        observer: Observer,
        render: Render = render_xml,
    ) -> None:
        self.router = router
        self.render = render
        self.inbox = inbox
        self.settings = settings
        self.resources = resources
        self.owner = owner
        self.poke = poke
        """Wakes the recovery loop, when a retry falls due."""
        self.runs: dict[str, Run] = {}
        self.observer = observer

    def launch(self, record: InboxRecord, model: Callback, ctx: CallbackContext) -> Run:
        """Start one attempt at ``record``'s remaining handlers in a task."""
        run = Run()
        self.runs[record.key] = run
        run.task = asyncio.create_task(self._run(record, model, ctx, run))
        run.task.add_done_callback(lambda _t: self.runs.pop(record.key, None))
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
        self, record: InboxRecord, model: Callback, ctx: CallbackContext, run: Run
    ) -> None:
        key = record.key
        try:
            handlers, failed = self._match(record, model)
            if not handlers and not failed and not record.handlers_done:
                log.info("kind=%s key=%s matched no handler", model.kind, key)
            run.reply = record.reply
            await self._call_all(handlers, failed, record, model, ctx, run)
            run.finish()
            if failed:
                await self._failed(record, "; ".join(failed))
            else:
                await self.inbox.complete(key)
                self.observer.finished(model.kind, inline=not run.answered)
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

    async def _call_all(
        self,
        handlers: list[Handler],
        failed: list[str],
        record: InboxRecord,
        model: Callback,
        ctx: CallbackContext,
        run: Run,
    ) -> None:
        """Call ``handlers`` in order; failures go to ``failed``, the first reply to ``run``."""
        key = record.key
        resources = {**self.resources(), "ctx": ctx}
        for i, handler in enumerate(handlers):
            began = time.monotonic()
            try:
                result = await handler.call(model, resources)
                wanted = run.reply is None and result is not None
                rendered = await self.render(result, model, ctx) if wanted else None
            except Exception as exc:
                self.observer.handled(model.kind, time.monotonic() - began, ok=False)
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
            self.observer.handled(model.kind, time.monotonic() - began, ok=True)
            if rendered is not None:
                await self.inbox.save_reply(key, rendered)  # before it can be sent
                run.reply = rendered
                if run.answered:
                    log.warning(
                        "handler %s returned a reply for key=%s after the answer went out;"
                        " it can no longer be sent passively (only to a retry of WeCom's):"
                        " send it with the client instead",
                        handler.id,
                        key,
                    )
            # Completion of the last handler is implied by complete(), so its own write
            # is skipped on the happy path. Once any handler failed, every success must
            # be recorded, or the retry would run it again.
            if failed or i < len(handlers) - 1:
                await self.inbox.handler_done(key, handler.id)

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
        asyncio.get_running_loop().call_later(delay, self.poke)
