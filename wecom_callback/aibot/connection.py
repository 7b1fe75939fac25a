"""The AI bot's long-connection mode: WeCom's callbacks over one WebSocket, no public URL.

:class:`AIBotConnection` dials ``wss://openws.work.weixin.qq.com``, subscribes with the
bot's id and secret, sends the ``ping`` heartbeat, and feeds each ``aibot_msg_callback``
and ``aibot_event_callback`` body to the same :class:`AIBotApp` a webhook serves, through
the same inbox. Each reply body the app yields goes back as a command keyed by the
callback's ``req_id``; proactive messages go out with :meth:`AIBotConnection.send_message`
under the mode's limits (``_ws_protocol.py``). Facts: OUTBOUND.md 4.6 (D-101463, D-101468).
The acknowledgement frame ``{"headers": {"req_id"}, "errcode", "errmsg"}`` (no ``cmd``),
one reply in flight per req_id, two missed heartbeat answers meaning a dead link, and no
reconnect after ``disconnected_event`` are inferred from the official Node SDK.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from ..errors import ConfigurationError
from . import _ws_protocol as wire
from ._ws_protocol import (
    AIBotCommandError,
    AIBotConnectionError,
    AIBotKickedError,
    AIBotLimitError,
    AIBotSubscribeError,
    CommandNotSent,
    Respondent,
    StreamExpiredError,
)

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

__all__ = [
    "DEFAULT_URL",
    "AIBotCommandError",
    "AIBotConnection",
    "AIBotConnectionError",
    "AIBotKickedError",
    "AIBotLimitError",
    "AIBotSubscribeError",
    "Respondent",
    "StreamExpiredError",
]

log = logging.getLogger("wecom_callback.aibot.connection")
#: websockets' own logger: at DEBUG it would write every frame, the secret included.
_wire_log = logging.getLogger("wecom_callback.aibot.wire")
_wire_log.setLevel(logging.INFO)

DEFAULT_URL = "wss://openws.work.weixin.qq.com"


class AIBotConnection:
    """One bot's long connection, feeding ``app``'s handlers; ``async with`` opens it.

    ``await start()`` returns once subscribed and raises :class:`AIBotSubscribeError`
    for a wrong id or secret, :class:`AIBotConnectionError` when WeCom cannot be reached.
    Afterwards a lost connection is dialled again with exponential backoff and jitter
    (``reconnect_delay`` doubling up to ``reconnect_max_delay``; ``max_reconnects``
    attempts in a row, None: forever). :meth:`wait_closed` returns after :meth:`close`
    and raises what ended the connection otherwise (:class:`AIBotKickedError`, or the
    last error once reconnecting gave up).

    ``heartbeat_interval``: seconds between ``ping`` frames; ``missed_heartbeats``
    unanswered in a row mean a dead link. ``ack_timeout``: seconds a command waits for a
    connection and then for its answer. ``answer_within``: seconds WeCom accepts a
    welcome or a card update after its event (later ones are logged, not sent).
    ``close_timeout``: seconds :meth:`close` lets replies in flight finish. ``clock``:
    wall time, for the 24 h window.
    """

    def __init__(
        self,
        bot_id: str,
        secret: str,
        app: Respondent,
        *,
        url: str = DEFAULT_URL,
        heartbeat_interval: float = 30.0,
        missed_heartbeats: int = 2,
        ack_timeout: float = 5.0,
        connect_timeout: float = 10.0,
        reconnect_delay: float = 1.0,
        reconnect_max_delay: float = 30.0,
        max_reconnects: int | None = None,
        conflict_retries: int = 3,
        close_timeout: float = 5.0,
        answer_within: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not bot_id or not secret:
            raise ConfigurationError("the long connection needs the bot id and its secret")
        if not url.startswith(("ws://", "wss://")):
            raise ConfigurationError(f"the long connection's URL is ws:// or wss://, not {url!r}")
        wire.check_timings(heartbeat_interval=heartbeat_interval, ack_timeout=ack_timeout,
                      connect_timeout=connect_timeout, reconnect_delay=reconnect_delay,
                      missed_heartbeats=missed_heartbeats)  # fmt: skip
        self.bot_id = bot_id
        self._secret = secret
        self.app = app
        self.url = url
        self.heartbeat_interval = heartbeat_interval
        self.missed_heartbeats = missed_heartbeats
        self.ack_timeout = ack_timeout
        self.connect_timeout = connect_timeout
        self.reconnect_delay = reconnect_delay
        self.reconnect_max_delay = reconnect_max_delay
        self.max_reconnects = max_reconnects
        self.conflict_retries = conflict_retries
        self.close_timeout = close_timeout
        self.answer_within = answer_within
        self.limits = wire.ProactiveLimits(clock=clock)
        self.subscriptions = 0
        """Subscriptions accepted so far (1 + reconnects)."""
        self.heartbeats = 0
        """``ping`` frames sent so far."""
        self._ws: ClientConnection | None = None
        self._up = asyncio.Event()
        self._stop = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._pings: set[str] = set()
        self._missed = 0
        self._kicked = False

    def __repr__(self) -> str:
        return f"AIBotConnection(bot_id={self.bot_id!r}, url={self.url!r})"

    @property
    def connected(self) -> bool:
        """True while subscribed."""
        return self._up.is_set()

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Connect and subscribe; then keep the connection up in the background."""
        if self._runner is not None:
            raise RuntimeError("the connection is already started")
        self._stop.clear()
        self._kicked = False
        ws = await self._dial()
        self._runner = asyncio.create_task(self._run(ws), name=f"aibot-{self.bot_id}")
        self._runner.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("long connection of bot %s ended: %s", self.bot_id, task.exception())

    async def wait_closed(self) -> None:
        """Wait until the connection ended; raises what ended it, unless :meth:`close` did."""
        if self._runner is not None:
            await asyncio.shield(self._runner)

    async def close(self) -> None:
        """Let in-flight callbacks finish (``close_timeout``), then close the connection.

        Callbacks arriving meanwhile are still admitted and run: nothing WeCom pushed
        is dropped between its frame and the inbox.
        """
        self._stop.set()
        deadline = asyncio.get_running_loop().time() + self.close_timeout
        await self._settle(deadline)
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            with contextlib.suppress(asyncio.CancelledError, AIBotConnectionError):
                await self._runner
            self._runner = None
        await self._settle(deadline)  # those read while the socket was closing
        for task in set(self._tasks):
            task.cancel()

    async def _settle(self, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        while self._tasks and (left := deadline - loop.time()) > 0:
            await asyncio.wait(set(self._tasks), timeout=left)

    async def __aenter__(self) -> AIBotConnection:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _dial(self) -> ClientConnection:
        ws = await wire.open_socket(self.url, self.connect_timeout, _wire_log)
        try:
            await wire.subscribe(ws, self.bot_id, self._secret, self.ack_timeout)
        except BaseException:
            await ws.close()
            raise
        self.subscriptions += 1
        self._missed = 0
        self._ws = ws
        self._up.set()
        log.info("long connection of bot %s subscribed (%d)", self.bot_id, self.subscriptions)
        return ws

    async def _run(self, ws: ClientConnection | None) -> None:
        failures = 0
        reason = "closed"
        while True:
            if ws is not None:
                failures = 0
                reason = await self._serve(ws)
                ws = None
                if self._stop.is_set():
                    return
                if self._kicked:
                    raise AIBotKickedError(
                        f"another connection subscribed bot {self.bot_id!r}, so WeCom closed"
                        " this one (one connection per bot)"
                    )
                log.warning("long connection of bot %s lost: %s", self.bot_id, reason)
            failures += 1
            if self.max_reconnects is not None and failures > self.max_reconnects:
                raise AIBotConnectionError(
                    f"gave up after {self.max_reconnects} reconnects: {reason}"
                )
            delay = min(self.reconnect_max_delay, self.reconnect_delay * 2 ** (failures - 1))
            delay *= random.uniform(0.5, 1.0)  # jitter: replicas do not dial in step
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._stop.wait()
            if self._stop.is_set():
                return
            try:
                ws = await self._dial()
            except AIBotSubscribeError:  # a secret reset since: dialling again cannot help
                raise
            except AIBotConnectionError as exc:
                reason = str(exc)
                continue
            if self._stop.is_set():  # closed while dialling
                await ws.close()
                return

    async def _serve(self, ws: ClientConnection) -> str:
        """Read frames until the socket closes; returns why it closed."""
        heartbeat = asyncio.create_task(self._heartbeat(ws))
        reason = "closed"
        try:
            async for raw in ws:
                self._receive(ws, raw)
        except Exception as exc:  # a reset socket ends the loop with ConnectionClosed
            reason = " ".join(str(exc).split()) or type(exc).__name__
        else:
            reason = f"closed by WeCom ({ws.close_code})" if ws.close_code else reason
        finally:
            heartbeat.cancel()
            self._up.clear()
            self._ws = None
            self._pings.clear()
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(AIBotConnectionError(f"connection lost: {reason}"))
        return reason

    async def _heartbeat(self, ws: ClientConnection) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            if self._missed >= self.missed_heartbeats:
                log.warning("bot %s: %d heartbeats unanswered, reconnecting", self.bot_id,
                            self._missed)  # fmt: skip
                ws.transport.abort()
                return
            self._missed += 1
            req_id = wire.new_req_id("ping")
            self._pings.add(req_id)
            with contextlib.suppress(Exception):  # a closed socket ends the read loop too
                await ws.send(json.dumps({"cmd": "ping", "headers": {"req_id": req_id}}))
                self.heartbeats += 1

    # -- inbound ------------------------------------------------------------------------

    def _receive(self, ws: ClientConnection, raw: str | bytes) -> None:
        try:
            frame = json.loads(raw)
            headers = frame.get("headers") or {}
            req_id = headers.get("req_id", "")
        except (ValueError, AttributeError):
            log.warning("bot %s: a frame that is not a JSON object was ignored", self.bot_id)
            return
        cmd = frame.get("cmd")
        body = frame.get("body")
        if cmd in wire.CALLBACKS and isinstance(body, dict) and isinstance(req_id, str):
            self._callback(ws, str(cmd), req_id, body)
        elif req_id in self._pings:
            self._pings.discard(req_id)
            self._missed = 0
        elif req_id in self._pending:
            future = self._pending.pop(req_id)
            if not future.done():
                future.set_result(frame)
        else:
            log.debug("bot %s: unexpected frame %s ignored", self.bot_id, cmd or req_id)

    def _callback(self, ws: ClientConnection, cmd: str, req_id: str, body: dict[str, Any]) -> None:
        event = body.get("event")
        if isinstance(event, dict) and event.get("eventtype") == "disconnected_event":
            self._kicked = True
            ws.transport.abort()
            return
        if cmd == "aibot_msg_callback":  # the window opens on what a user writes (inferred:
            # events such as enter_chat are not "the user messaged" of the send rule)
            self.limits.saw(body)
        task = asyncio.create_task(self._dispatch(req_id, body))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _dispatch(self, req_id: str, body: dict[str, Any]) -> None:
        """Run the handlers; send each reply body as the app yields it."""
        cmd = wire.reply_command(body)
        loop = asyncio.get_running_loop()
        arrived = loop.time()
        replies = self.app.respond(body, mode="ws")
        try:
            async for reply in replies:
                wire.check_reply(reply)
                took = loop.time() - arrived
                if cmd != "aibot_respond_msg" and took > self.answer_within:
                    raise AIBotLimitError(
                        f"{cmd} is accepted within {self.answer_within:g} s of its event;"
                        f" the handlers took {took:.1f} s"
                    )
                await self._command(cmd, req_id, reply)
        except StreamExpiredError:
            log.warning("bot %s: stream of %s expired (846608); later frames dropped",
                        self.bot_id, req_id)  # fmt: skip
        except (AIBotConnectionError, AIBotCommandError, AIBotLimitError) as exc:
            log.warning("bot %s: reply to %s not sent: %s", self.bot_id, req_id, exc)
        except Exception:
            log.exception("bot %s: the handlers of %s failed", self.bot_id, req_id)
        finally:
            aclose = getattr(replies, "aclose", None)
            if aclose is not None:
                await aclose()

    # -- outbound -----------------------------------------------------------------------

    async def send_message(
        self, chatid: str, body: Mapping[str, Any], *, chat_type: Literal[1, 2] | None = None
    ) -> dict[str, Any]:
        """Send a proactive ``body`` (markdown, template_card, media) to a conversation.

        ``chatid`` is the user's userid (single chat, ``chat_type`` 1) or the group's
        chatid (2); None takes the type of the conversation's last message. Raises
        :class:`AIBotLimitError` outside the 24 h window or over the rates, before
        anything is sent, and :class:`AIBotCommandError` when WeCom refuses it.
        Returns WeCom's acknowledgement frame.
        """
        msgtype = wire.check_send(body)
        resolved = self.limits.reserve(chatid, chat_type)
        frame_body = {"chatid": chatid, "chat_type": resolved, "msgtype": msgtype, **body}
        try:
            return await self._command(
                "aibot_send_msg", wire.new_req_id("aibot_send_msg"), frame_body
            )
        except CommandNotSent:
            self.limits.release(chatid)  # never reached WeCom
            raise

    async def upload_media(
        self, data: bytes, *, kind: Literal["file", "image", "voice", "video"], filename: str
    ) -> str:
        """Upload ``data`` for a media message; returns its ``media_id`` (valid 3 days).

        Sent in chunks of 512 KiB (at most 100), at most 30 uploads a minute and 1000 an
        hour (:class:`AIBotLimitError` past them). Then e.g.
        ``send_message(chatid, {"msgtype": "file", "file": {"media_id": media_id}})``.
        """
        self.limits.reserve_upload()
        return await wire.upload(self._command, data, kind, filename)

    async def _command(self, cmd: str, req_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Send one command and wait for its acknowledgement; 6000 (conflict) is retried.

        Commands of one req_id are in flight one at a time: one dispatch sends them in
        order, each after the previous one's acknowledgement.
        """
        for attempt in range(self.conflict_retries + 1):
            ack = await self._exchange(cmd, req_id, body)
            errcode = ack.get("errcode") or 0
            if errcode == wire.CONFLICT and attempt < self.conflict_retries:
                await asyncio.sleep(min(0.2 * 2**attempt, 2.0))
                continue
            if errcode:
                kind = StreamExpiredError if errcode == wire.STREAM_EXPIRED else AIBotCommandError
                raise kind(errcode, str(ack.get("errmsg", "")), cmd)
            return ack
        raise AssertionError("unreachable")  # pragma: no cover

    async def _exchange(self, cmd: str, req_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        try:
            async with asyncio.timeout(self.ack_timeout):
                await self._up.wait()  # a command waits out a reconnect, within its time
        except TimeoutError:
            raise CommandNotSent(f"{cmd}: not connected within {self.ack_timeout:g} s") from None
        ws = self._ws
        assert ws is not None
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[req_id] = future
        frame = {"cmd": cmd, "headers": {"req_id": req_id}, "body": dict(body)}
        try:
            try:
                await ws.send(json.dumps(frame, ensure_ascii=False))
            except Exception as exc:  # the socket closed before the frame was written
                raise CommandNotSent(f"{cmd}: connection lost, not sent ({exc})") from None
            async with asyncio.timeout(self.ack_timeout):
                return await future
        except TimeoutError:
            raise AIBotConnectionError(
                f"{cmd}: no answer within {self.ack_timeout:g} s (WeCom may have it)"
            ) from None
        except CommandNotSent:
            raise
        except AIBotConnectionError as exc:
            raise AIBotConnectionError(
                f"{cmd}: {exc} before WeCom answered (it may have arrived)"
            ) from None
        finally:
            self._pending.pop(req_id, None)
            if future.done() and not future.cancelled():
                future.exception()  # retrieved: the loss is reported as raised above
