"""Streams whose state lives in the shared store, so any replica answers a refresh.

The replica whose handler returned a :class:`~wecom_callback.replies.aibot.StreamReply`
runs its source (a *pump*) and writes the snapshot to the store under
``aibot:stream:<endpoint>:<id>``: throttled while pieces arrive, and at least every
third of ``lease`` as a heartbeat (``beat``, the writer's wall clock). A refresh, on
any replica, reads that one key and answers at once:

- a finished state: its final frame (``finish: true``, images on it in webhook mode);
- a live state (beat within ``lease``): its snapshot, ``finish: false``;
- a state whose beat is older than ``lease`` (its replica died or was restarted): the
  snapshot so far with :data:`INTERRUPTED`, finished, and written back so every replica
  answers the same from then on;
- no state (an unknown or expired id): a finished frame saying so.

Every write is a compare-and-set on the previous value, so a pump that was declared
dead never overwrites the verdict. Snapshots only grow: the pump only appends (or takes
the source's next snapshot), and content is capped at 20,480 bytes by keeping a prefix.

WeCom stops refreshing 6 minutes after the user's message. A source still running
``window`` seconds after it finishes its stream with :data:`HANDED_OVER`, and its whole
answer goes to the message's ``response_url`` when the source ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

from .._stores import Store, open_store
from ..client.aibot import AIBotClient
from ..replies.aibot import MAX_CONTENT_BYTES, StreamReply, check_images, image_item, stream_frame

__all__ = ["HANDED_OVER", "INTERRUPTED", "UNKNOWN", "Mode", "Streams", "for_mode"]

log = logging.getLogger("wecom_callback.aibot")

Mode = Literal["webhook", "ws"]

#: Appended when the stream's source died with its replica, or raised.
INTERRUPTED = "\n\n(The answer was interrupted. Please ask again.)"
#: Appended when the source outlived WeCom's refresh window; the rest goes to response_url.
HANDED_OVER = "\n\n(The full answer follows in a separate message.)"
#: The whole content of a refresh for a stream nobody knows (never started, or expired).
UNKNOWN = "(This answer is no longer available.)"


def _with_note(content: str, note: str) -> str:
    # The note must show: at the cap it replaces the content's tail.
    room = MAX_CONTENT_BYTES - len(note.encode())
    raw = content.encode()
    if len(raw) > room:
        content = raw[:room].decode("utf-8", errors="ignore")
    return content + note


def for_mode(body: dict[str, Any], mode: Mode) -> dict[str, Any]:
    """``body`` as ``mode`` may send it: the long connection takes no ``msg_item``."""
    stream = body.get("stream")
    if mode == "ws" and isinstance(stream, dict) and "msg_item" in stream:
        stream = {k: v for k, v in stream.items() if k != "msg_item"}
        return {**body, "stream": stream}
    return body


async def _pieces(reply: StreamReply) -> AsyncIterator[str]:
    source = reply.source
    if hasattr(source, "__aiter__"):
        async for piece in source:
            yield piece
    else:
        for piece in source:
            yield piece
            await asyncio.sleep(0)  # a plain iterable must not hold the loop


class _Pump:
    """One running source and what it last wrote."""

    __slots__ = (
        "content", "dirty", "finished", "handed_over", "key", "last", "lock",
        "received_at", "response_url", "stream_id", "task", "wrote_at",
    )  # fmt: skip

    def __init__(self, stream_id: str, key: str, received_at: float, response_url: str | None):
        self.stream_id = stream_id
        self.key = key
        self.content = ""
        self.dirty = False
        self.finished = False
        self.handed_over = False
        self.lock = asyncio.Lock()  # the source's task and the ticker both write
        self.last: bytes | None = None
        self.wrote_at = 0.0
        self.received_at = received_at
        self.response_url = response_url
        self.task: asyncio.Task[None] | None = None


class Streams:
    """The streams of one AI bot endpoint: running sources, and refreshes from the store.

    ``store`` is a URL, opened by :meth:`open` and closed by :meth:`close` (a fresh one
    each time), or a store of the caller's, used as is and never closed here.
    """

    def __init__(
        self,
        store: Store | str,
        endpoint: str,
        client: Callable[[], AIBotClient | None],
        *,
        lease: float = 10.0,
        window: float = 330.0,
        write_interval: float = 0.3,
        first_wait: float = 0.3,
    ) -> None:
        self._url = store if isinstance(store, str) else None
        self.store: Store = open_store(store) if isinstance(store, str) else store
        self.endpoint = endpoint
        self.client = client
        self.lease = lease
        self.window = window
        self.write_interval = write_interval
        self.first_wait = first_wait
        self.ttl = window + 3600.0
        self.pumps: dict[str, _Pump] = {}
        self._ticker: asyncio.Task[None] | None = None
        self._closed = False

    def key(self, stream_id: str) -> str:
        """The store key of a stream's state."""
        return f"aibot:stream:{self.endpoint}:{stream_id}"

    # -- lifecycle ----------------------------------------------------------------

    async def open(self) -> None:
        """Connect the store and start the writer's ticker."""
        if self._url is not None and self._closed:
            self.store = open_store(self._url)  # a closed store is unusable: a new one
        self._closed = False
        await self.store.start()
        if self._ticker is None:
            self._ticker = asyncio.create_task(self._tick_loop(), name="wecom-aibot-streams")

    async def close(self) -> None:
        """Stop every source; their streams end with :data:`INTERRUPTED`."""
        ticker, self._ticker = self._ticker, None
        if ticker is not None:
            ticker.cancel()
            await asyncio.wait({ticker})
        pumps = list(self.pumps.values())
        for pump in pumps:
            if pump.task is not None:
                pump.task.cancel()
        tasks = {p.task for p in pumps if p.task is not None}
        if tasks:
            await asyncio.wait(tasks)
        for pump in pumps:  # best effort: a refresh elsewhere would say the same later
            with contextlib.suppress(Exception):
                await self._write(pump, _with_note(pump.content, INTERRUPTED), finish=True)
        self.pumps.clear()
        if self._url is not None and not self._closed:
            self._closed = True
            await self.store.close()

    # -- writing ------------------------------------------------------------------

    def _state(self, content: str, finish: bool, images: list[dict[str, Any]] | None) -> bytes:
        state: dict[str, Any] = {"content": content, "finish": finish, "beat": time.time()}
        if images:
            state["images"] = images
        return json.dumps(state, ensure_ascii=False).encode()

    async def _write(
        self,
        pump: _Pump,
        content: str,
        *,
        finish: bool = False,
        images: list[dict[str, Any]] | None = None,
    ) -> bool:
        """Write ``pump``'s state over its last one; False when someone finished it."""
        async with pump.lock:
            if pump.finished:
                return False
            value = self._state(content, finish, images)
            if pump.last is None:
                ok = await self.store.add(pump.key, value, ttl=self.ttl)
            else:
                ok = await self.store.compare_and_set(pump.key, pump.last, value, ttl=self.ttl)
            if ok:
                pump.last = value
                pump.wrote_at = time.monotonic()
                pump.dirty = False
                pump.finished = finish
            return ok

    async def start(
        self, reply: StreamReply, *, received_at: float, response_url: str | None
    ) -> dict[str, Any]:
        """Start ``reply``'s source; return the first frame (the stream id, content so far)."""
        stream_id = secrets.token_urlsafe(12)
        pump = _Pump(stream_id, self.key(stream_id), received_at, response_url)
        first = asyncio.Event()
        self.pumps[stream_id] = pump
        pump.task = asyncio.create_task(self._run(pump, reply, first), name="wecom-aibot-pump")
        pump.task.add_done_callback(lambda _t: self.pumps.pop(stream_id, None))
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(first.wait(), self.first_wait)
            if pump.last is None:  # nothing written yet: write what is ready now
                await self._write(pump, pump.content)
        except BaseException:
            pump.task.cancel()  # no stream id went out: nobody will ever refresh it
            raise
        frame = self._frame(stream_id, pump.last, "webhook")
        if reply.feedback_id is not None:  # WeCom reads it from the first reply only
            frame["stream"]["feedback"] = {"id": reply.feedback_id}
        return frame

    async def _run(self, pump: _Pump, reply: StreamReply, first: asyncio.Event) -> None:
        try:
            async for piece in _pieces(reply):
                if not isinstance(piece, str):
                    raise TypeError(f"a stream source yielded {type(piece).__name__}, not str")
                pump.content = piece if reply.snapshots else pump.content + piece
                pump.dirty = True
                first.set()
                await self._hand_over_if_late(pump)
            first.set()
            if pump.handed_over:
                await self._hand_over(pump)
                return
            images: list[dict[str, Any]] = []
            note = ""
            try:
                check_images(reply.images)
                images = [image_item(bytes(data)) for data in reply.images]
            except ValueError as exc:
                log.error("stream %s: images not attached: %s", pump.stream_id, exc)
                note = "\n\n(Images could not be attached.)"
            content = _with_note(pump.content, note) if note else pump.content
            if pump.last is None:
                await self._write(pump, content, finish=True, images=images)
            elif not await self._write(pump, content, finish=True, images=images):
                log.warning("stream %s was finished elsewhere first", pump.stream_id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error(
                "stream %s: its source raised %s", pump.stream_id, type(exc).__name__, exc_info=exc
            )
            first.set()
            with contextlib.suppress(Exception):
                await self._write(pump, _with_note(pump.content, INTERRUPTED), finish=True)
            if pump.handed_over:  # the stream ended already: what there is goes out
                pump.content = _with_note(pump.content, INTERRUPTED)
                await self._hand_over(pump)

    async def _hand_over_if_late(self, pump: _Pump) -> None:
        """Past the window: end the stream with :data:`HANDED_OVER` (once)."""
        if pump.handed_over or pump.finished or time.time() - pump.received_at <= self.window:
            return
        pump.handed_over = True
        await self._write(pump, _with_note(pump.content, HANDED_OVER), finish=True)

    async def _hand_over(self, pump: _Pump) -> None:
        client = self.client()
        if pump.response_url is None or client is None:
            log.warning("stream %s outlived its window and has no response_url", pump.stream_id)
            return
        try:
            await client.post_response_url(pump.response_url, pump.content)
        except Exception as exc:  # nothing left to retry with: response_url takes one post
            log.error("stream %s: posting to response_url failed: %s", pump.stream_id, exc)

    async def _tick_loop(self) -> None:
        # One loop flushes every pump: throttled snapshots and the heartbeat.
        beat_every = self.lease / 3
        while True:
            await asyncio.sleep(self.write_interval)
            now = time.monotonic()
            for pump in list(self.pumps.values()):
                if pump.last is None or pump.finished:
                    continue
                with contextlib.suppress(Exception):  # a failed write is retried next tick
                    await self._hand_over_if_late(pump)
                if pump.finished:
                    continue
                if not pump.dirty and now - pump.wrote_at < beat_every:
                    continue
                try:
                    if not await self._write(pump, pump.content) and pump.task is not None:
                        log.warning("stream %s was declared dead; stopping it", pump.stream_id)
                        pump.task.cancel()
                except Exception as exc:  # the next tick tries again; the lease may lapse
                    log.warning("stream %s: write failed: %s", pump.stream_id, type(exc).__name__)

    # -- reading ------------------------------------------------------------------

    def _frame(self, stream_id: str, value: bytes | None, mode: Mode) -> dict[str, Any]:
        if value is None:
            return stream_frame(stream_id, UNKNOWN, True)
        state = json.loads(value)
        finish = bool(state.get("finish"))
        images = state.get("images") if finish and mode == "webhook" else None
        return stream_frame(stream_id, str(state.get("content", "")), finish, msg_item=images)

    async def frame(self, stream_id: str, mode: Mode = "webhook") -> dict[str, Any]:
        """The current frame of a stream, as a refresh is answered (never waits for the source)."""
        key = self.key(stream_id)
        value = await self.store.get(key)
        try:
            state = json.loads(value) if value is not None else None
        except ValueError:
            state = None  # not ours: answered like an unknown stream
        if value is None or not isinstance(state, dict):
            return self._frame(stream_id, None, mode)
        if not state.get("finish") and time.time() - float(state.get("beat", 0)) > self.lease:
            content = _with_note(str(state.get("content", "")), INTERRUPTED)
            final = self._state(content, True, None)
            if await self.store.compare_and_set(key, value, final, ttl=self.ttl):
                log.warning("stream %s lost its writer; finished with a note", stream_id)
                value = final
            else:  # the writer was alive after all, or another replica decided first
                value = await self.store.get(key)
        return self._frame(stream_id, value, mode)
