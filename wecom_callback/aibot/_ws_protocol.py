"""The long connection's protocol: commands, errors, and limits checked before a frame leaves.

Facts: OUTBOUND.md 4.6. Proactive sends (``aibot_send_msg``) reach only conversations
whose user wrote within 24 h, at most 30 a minute and 1000 an hour per conversation;
replies carry neither ``msg_item`` nor ``stream_with_template_card``. WeCom allows one
connection per bot, so the process holding it sees every message and can keep this
bookkeeping in memory.
"""

from __future__ import annotations

import collections
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ConfigurationError, WeComAPIError, WeComCallbackError

__all__ = [
    "CALLBACKS",
    "CONFLICT",
    "RATES",
    "SEND_TYPES",
    "STREAM_EXPIRED",
    "WINDOW",
    "AIBotCommandError",
    "AIBotConnectionError",
    "AIBotKickedError",
    "AIBotLimitError",
    "AIBotSubscribeError",
    "CommandNotSent",
    "ProactiveLimits",
    "StreamExpiredError",
    "check_reply",
    "check_send",
    "conversation_of",
    "new_req_id",
    "reply_command",
]

#: Seconds after a user's last message during which the bot may write to them.
WINDOW = 24 * 3600.0
#: (seconds, sends) per conversation.
RATES: tuple[tuple[float, int], ...] = ((60.0, 30), (3600.0, 1000))
#: What ``aibot_send_msg`` carries (text is refused by WeCom: markdown instead).
SEND_TYPES = frozenset({"markdown", "template_card", "file", "image", "voice", "video"})
MAX_CONTENT = 20480  # bytes of UTF-8, for stream snapshots and markdown
_CHAT_TYPES = {"single": 1, "group": 2}
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
        longest = max(span for span, _ in self.rates)
        while sent and now - sent[0] >= longest:
            sent.popleft()
        for span, allowed in self.rates:
            recent = [t for t in sent if now - t < span]
            if len(recent) >= allowed:
                wait = span - (now - recent[-allowed])
                raise AIBotLimitError(
                    f"{allowed} messages in {span:g} s to conversation {chatid!r} already:"
                    f" WeCom allows no more; retry in {wait:.0f} s",
                    retry_after=wait,
                )
        sent.append(now)
        return seen[1]

    def release(self, chatid: str) -> None:
        """Give back the last reservation for ``chatid`` (the frame never left)."""
        sent = self._sent.get(chatid)
        if sent:
            sent.pop()


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
