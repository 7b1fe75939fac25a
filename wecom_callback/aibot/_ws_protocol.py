"""The long connection's protocol: commands, errors, and limits checked before a frame leaves.

Facts: OUTBOUND.md 4.6. Proactive sends (``aibot_send_msg``) reach only conversations
whose user wrote within 24 h, at most 30 a minute and 1000 an hour per conversation;
replies carry neither ``msg_item`` nor ``stream_with_template_card``. WeCom allows one
connection per bot, so the process holding it sees every message and can keep this
bookkeeping in memory.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import hashlib
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol

from ..errors import ConfigurationError, WeComAPIError, WeComCallbackError

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

__all__ = [
    "CALLBACKS",
    "CHUNK",
    "CONFLICT",
    "MAX_CHUNKS",
    "MEDIA_TYPES",
    "RATES",
    "SEND_TYPES",
    "STREAM_EXPIRED",
    "WINDOW",
    "AIBotCommandError",
    "AIBotConnectionError",
    "AIBotKickedError",
    "AIBotLimitError",
    "AIBotSubscribeError",
    "Command",
    "CommandNotSent",
    "ProactiveLimits",
    "Respondent",
    "StreamExpiredError",
    "check_reply",
    "check_send",
    "check_timings",
    "conversation_of",
    "media_chunks",
    "new_req_id",
    "open_socket",
    "reply_command",
    "subscribe",
    "upload",
]

#: Seconds after a user's last message during which the bot may write to them.
WINDOW = 24 * 3600.0
#: (seconds, sends) per conversation.
RATES: tuple[tuple[float, int], ...] = ((60.0, 30), (3600.0, 1000))
#: What ``aibot_send_msg`` carries (text is refused by WeCom: markdown instead).
SEND_TYPES = frozenset({"markdown", "template_card", "file", "image", "voice", "video"})
MAX_CONTENT = 20480  # bytes of UTF-8, for stream snapshots and markdown
_CHAT_TYPES = {"single": 1, "group": 2}
#: Media uploads: raw bytes per chunk, chunks per file (media_id valid 3 days).
MEDIA_TYPES = frozenset({"file", "image", "voice", "video"})
CHUNK = 512 * 1024
MAX_CHUNKS = 100
_PRUNE_AT = 10_000  # conversations remembered before expired ones are swept
#: Errcodes: a stream updated after its 6 minutes; a command conflicting with another
#: (retried, as AstrBot does).
STREAM_EXPIRED = 846608
CONFLICT = 6000
CALLBACKS = frozenset({"aibot_msg_callback", "aibot_event_callback"})
#: The reply command for a callback, by its event type; everything else is a message reply.
_REPLY_COMMANDS = {
    "enter_chat": "aibot_respond_welcome_msg",
    "template_card_event": "aibot_respond_update_msg",
}


class AIBotLimitError(WeComCallbackError):
    """A frame the long connection refuses, stopped before it was sent.

    Outside the 24 h window, over 30 sends a minute or 1000 an hour for one conversation,
    or a message this mode cannot carry. ``retry_after`` is the seconds until a rate
    allows the send again (None when waiting does not help).
    """

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class AIBotConnectionError(WeComCallbackError):
    """The long connection is down, could not be opened, or a command got no answer."""


class AIBotSubscribeError(AIBotConnectionError, ConfigurationError):
    """WeCom refused ``aibot_subscribe``: the bot id or the secret is wrong."""

    def __init__(self, bot_id: str, errcode: int, errmsg: str) -> None:
        super().__init__(
            f"WeCom refused the long connection of bot {bot_id!r} (errcode {errcode}: "
            f"{errmsg}): check the bot id and its secret (API mode: long connection)"
        )
        self.errcode = errcode
        self.errmsg = errmsg


class AIBotKickedError(AIBotConnectionError):
    """Another connection subscribed the same bot, and WeCom closed this one.

    WeCom keeps one connection per bot; reconnecting would only kick the other one.
    """


class AIBotCommandError(WeComAPIError):
    """WeCom answered a command (``api``: the cmd) with ``errcode != 0``."""


class StreamExpiredError(AIBotCommandError):
    """846608: the stream can no longer be updated (6 minutes after its first frame)."""


class CommandNotSent(AIBotConnectionError):
    """The command never left: no connection in time, or the socket closed under it."""


def new_req_id(prefix: str) -> str:
    """A fresh req_id for a command of our own (subscribe, ping, send)."""
    return f"{prefix}_{int(time.time() * 1000)}_{secrets.token_hex(4)}"


def reply_command(body: Mapping[str, Any]) -> str:
    """The command that answers a callback body."""
    event = body.get("event")
    kind = event.get("eventtype") if isinstance(event, Mapping) else None
    return _REPLY_COMMANDS.get(str(kind), "aibot_respond_msg")


def conversation_of(body: Mapping[str, Any]) -> tuple[str, int] | None:
    """The (chatid, chat_type) a callback came from: the group's chatid, or the userid."""
    chat_type = _CHAT_TYPES.get(str(body.get("chattype", "")))
    sender = body.get("from")
    if chat_type == 2:
        chatid = body.get("chatid")
    else:
        chatid = sender.get("userid") if isinstance(sender, Mapping) else None
    if not chat_type or not isinstance(chatid, str) or not chatid:
        return None
    return chatid, chat_type


class ProactiveLimits:
    """When each conversation last wrote, and what was sent to it in the last hour."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        window: float = WINDOW,
        rates: tuple[tuple[float, int], ...] = RATES,
    ) -> None:
        self.clock = clock
        self.window = window
        self.rates = rates
        self._seen: dict[str, tuple[float, int]] = {}
        self._sent: dict[str, collections.deque[float]] = {}
        self._uploads: collections.deque[float] = collections.deque()

    def saw(self, body: Mapping[str, Any]) -> None:
        """Note a user's message: its conversation is open for ``window`` seconds."""
        found = conversation_of(body)
        if found is None:
            return
        now = self.clock()
        if len(self._seen) >= _PRUNE_AT:
            self._seen = {k: v for k, v in self._seen.items() if now - v[0] < self.window}
            self._sent = {k: v for k, v in self._sent.items() if k in self._seen}
        self._seen[found[0]] = (now, found[1])

    def reserve(self, chatid: str, chat_type: int | None) -> int:
        """Count one send to ``chatid`` if the limits allow it; returns its chat_type.

        Only ``aibot_send_msg`` counts: the rates are documented for proactive sends,
        and replies to a callback are bounded by WeCom's own flow (inferred).

        Raises :class:`AIBotLimitError` saying which limit, and when a rate frees up.
        """
        now = self.clock()
        seen = self._seen.get(chatid)
        if seen is None or now - seen[0] >= self.window:
            raise AIBotLimitError(
                f"no message from conversation {chatid!r} in the last {self.window / 3600:g} h"
                " (as seen by this connection): WeCom refuses proactive sends outside it"
            )
        if chat_type is not None and chat_type != seen[1]:
            kinds = {1: "single chat", 2: "group"}
            raise AIBotLimitError(
                f"conversation {chatid!r} is a {kinds[seen[1]]}, not chat_type {chat_type}"
            )
        sent = self._sent.setdefault(chatid, collections.deque())
        _take(sent, now, self.rates, f"messages to conversation {chatid!r}")
        return seen[1]

    def reserve_upload(self) -> None:
        """Count one media upload if the rates allow it (30 a minute, 1000 an hour)."""
        _take(self._uploads, self.clock(), self.rates, "media uploads")

    def release(self, chatid: str) -> None:
        """Give back the last reservation for ``chatid`` (the frame never left)."""
        sent = self._sent.get(chatid)
        if sent:
            sent.pop()


def _take(
    sent: collections.deque[float], now: float, rates: tuple[tuple[float, int], ...], what: str
) -> None:
    """Append ``now`` to ``sent`` unless a rate is used up: then say when it frees."""
    longest = max(span for span, _ in rates)
    while sent and now - sent[0] >= longest:
        sent.popleft()
    for span, allowed in rates:
        recent = [t for t in sent if now - t < span]
        if len(recent) >= allowed:
            wait = span - (now - recent[-allowed])
            raise AIBotLimitError(
                f"{allowed} {what} in {span:g} s already: WeCom allows no more;"
                f" retry in {wait:.0f} s",
                retry_after=wait,
            )
    sent.append(now)


def media_chunks(data: bytes, kind: str, filename: str) -> tuple[dict[str, Any], list[bytes]]:
    """The ``aibot_upload_media_init`` body for ``data`` and its chunks (512 KB, at most 100)."""
    if kind not in MEDIA_TYPES:
        raise AIBotLimitError(f"media type is {', '.join(sorted(MEDIA_TYPES))}; not {kind!r}")
    if not filename:
        raise AIBotLimitError("an upload needs its file name")
    chunks = [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]
    if not 0 < len(chunks) <= MAX_CHUNKS:
        raise AIBotLimitError(
            f"an upload is 1 byte to {MAX_CHUNKS * CHUNK // 2**20} MiB"
            f" ({MAX_CHUNKS} chunks of 512 KiB); this one is {len(data)} bytes"
        )
    md5 = hashlib.md5(data).hexdigest()  # WeCom's checksum, not security
    init = {"type": kind, "filename": filename, "total_size": len(data),
            "total_chunks": len(chunks), "md5": md5}  # fmt: skip
    return init, chunks


class Respondent(Protocol):
    """What the connection drives: :meth:`AIBotApp.respond`."""

    def respond(
        self, message: dict[str, Any], *, mode: Literal["webhook", "ws"] = ...
    ) -> AsyncIterator[dict[str, Any]]:
        """Admit one callback body and yield its reply bodies."""
        ...


async def open_socket(url: str, timeout: float, logger: logging.Logger) -> ClientConnection:
    """Open the WebSocket to ``url`` (websockets' frame log goes to ``logger``)."""
    try:
        from websockets.asyncio.client import connect
        from websockets.exceptions import WebSocketException
    except ImportError:
        raise ConfigurationError(
            "the long connection needs the websockets package:"
            " pip install wecom-callback[websockets]"
        ) from None
    try:
        # WeCom's heartbeat is the ``ping`` command, so no protocol-level pings.
        return await connect(url, ping_interval=None, open_timeout=timeout, logger=logger)
    except (OSError, TimeoutError, WebSocketException) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise AIBotConnectionError(f"cannot open {url}: {reason}") from None


async def subscribe(ws: ClientConnection, bot_id: str, secret: str, timeout: float) -> None:
    """Send ``aibot_subscribe`` and read its answer; any errcode but 0 is a refusal."""
    frame = {"cmd": "aibot_subscribe", "headers": {"req_id": new_req_id("aibot_subscribe")},
             "body": {"bot_id": bot_id, "secret": secret}}  # fmt: skip
    try:
        await ws.send(json.dumps(frame))
        async with asyncio.timeout(timeout):
            ack = json.loads(await ws.recv())
    except (TimeoutError, ValueError, OSError) as exc:
        raise AIBotConnectionError(f"no answer to aibot_subscribe: {exc!r}") from None
    except Exception as exc:  # the socket closed before an answer
        raise AIBotConnectionError(f"closed before aibot_subscribe was answered: {exc}") from None
    ack = ack if isinstance(ack, dict) else {}
    errcode = ack.get("errcode")
    if errcode != 0:
        code = errcode if isinstance(errcode, int) else -1
        raise AIBotSubscribeError(bot_id, code, str(ack.get("errmsg", "no errcode")))


#: A connection's way to send one command and get its acknowledgement.
Command = Callable[[str, str, Mapping[str, Any]], Awaitable[dict[str, Any]]]


async def upload(command: Command, data: bytes, kind: str, filename: str) -> str:
    """Upload ``data`` through ``command`` (init, the chunks, finish); returns the media_id."""
    init, chunks = media_chunks(data, kind, filename)
    ack = await command("aibot_upload_media_init", new_req_id("upload_init"), init)
    upload_id = (ack.get("body") or {}).get("upload_id")
    if not upload_id:
        raise AIBotCommandError(-1, "no upload_id in the answer", "aibot_upload_media_init")
    for index, chunk in enumerate(chunks):
        part = {"upload_id": upload_id, "chunk_index": index,
                "base64_data": base64.b64encode(chunk).decode("ascii")}  # fmt: skip
        await command("aibot_upload_media_chunk", new_req_id("upload_chunk"), part)
    done = {"upload_id": upload_id}
    ack = await command("aibot_upload_media_finish", new_req_id("upload_finish"), done)
    media_id = (ack.get("body") or {}).get("media_id")
    if not media_id:
        raise AIBotCommandError(-1, "no media_id in the answer", "aibot_upload_media_finish")
    return str(media_id)


def check_timings(*, missed_heartbeats: int, **seconds: float) -> None:
    """Raise ConfigurationError unless every one of ``seconds`` is above 0."""
    for name, value in seconds.items():
        if not value > 0:
            raise ConfigurationError(f"{name} is a number of seconds above 0, not {value!r}")
    if missed_heartbeats < 1:
        raise ConfigurationError(f"missed_heartbeats is at least 1, not {missed_heartbeats}")


def check_send(body: Mapping[str, Any]) -> str:
    """The msgtype of a proactive message, after checking that this mode can carry it."""
    msgtype = body.get("msgtype")
    if msgtype not in SEND_TYPES:
        allowed = ", ".join(sorted(SEND_TYPES))
        raise AIBotLimitError(f"aibot_send_msg carries msgtype {allowed}; not {msgtype!r}")
    payload = body.get(msgtype)
    if not isinstance(payload, Mapping):
        raise AIBotLimitError(f"a {msgtype} message needs its {msgtype!r} object")
    if "chatid" in body or "chat_type" in body:
        raise AIBotLimitError("give chatid and chat_type as arguments, not in the body")
    if msgtype == "markdown" and len(str(payload.get("content", "")).encode()) > MAX_CONTENT:
        raise AIBotLimitError(f"markdown content is over {MAX_CONTENT} bytes")
    return str(msgtype)


def check_reply(body: Mapping[str, Any]) -> None:
    """Refuse a reply body the long connection cannot carry (the app's ws mode avoids them)."""
    if body.get("msgtype") == "stream_with_template_card":
        raise AIBotLimitError("stream_with_template_card is for webhook mode only")
    stream = body.get("stream")
    if isinstance(stream, Mapping) and "msg_item" in stream:
        raise AIBotLimitError("stream msg_item (images) is for webhook mode only")
