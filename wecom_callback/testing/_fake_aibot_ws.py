"""WeCom's side of the AI bot's long connection: a real WebSocket server on 127.0.0.1.

It checks the subscribe frame, answers every command with an acknowledgement frame as
WeCom does (``{"headers": {"req_id"}, "errcode", "errmsg"}``), records what the client
sent, and can push callbacks, kick or drop the connection and refuse stream frames.
Its checks follow OUTBOUND.md 4.6; the error codes it answers for malformed commands
(40058) and a bad secret (40001) are WeCom's generic ones, since the long-connection
pages name none of their own.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from websockets.asyncio.server import Server, ServerConnection

__all__ = ["FakeAIBotServer", "ReceivedFrame"]

#: What each reply command may answer: the kind of callback its req_id came from.
_REPLY_COMMANDS = {
    "aibot_respond_msg": "message",
    "aibot_respond_welcome_msg": "enter_chat",
    "aibot_respond_update_msg": "template_card_event",
}
_MEDIA_TYPES = frozenset({"file", "image", "voice", "video"})
_SEND_TYPES = _MEDIA_TYPES | {"markdown", "template_card"}
_UPLOADS = ("aibot_upload_media_init", "aibot_upload_media_chunk", "aibot_upload_media_finish")
_CHUNK = 512 * 1024
_MAX_CONTENT = 20480  # bytes of UTF-8 in a stream snapshot or a markdown message
STREAM_EXPIRED = 846608
CONFLICT = 6000
BAD_SECRET = 40001
INVALID = 40058


@dataclass(frozen=True)
class ReceivedFrame:
    """One frame the client sent, and what the fake answered."""

    connection: int
    """1 for the first connection accepted, 2 for the next, ..."""
    frame: dict[str, Any]
    """The decoded frame."""
    errcode: int | None
    """The errcode answered (None: not answered, e.g. an ignored ping)."""

    @property
    def cmd(self) -> str:
        """The frame's ``cmd``."""
        return str(self.frame.get("cmd", ""))

    @property
    def req_id(self) -> str:
        """The frame's ``headers.req_id``."""
        headers = self.frame.get("headers")
        return str(headers.get("req_id", "")) if isinstance(headers, dict) else ""

    @property
    def body(self) -> dict[str, Any]:
        """The frame's ``body`` (empty when absent)."""
        body = self.frame.get("body")
        return body if isinstance(body, dict) else {}


@dataclass
class _Peer:
    number: int
    socket: ServerConnection
    subscribed: bool = False
    pushed: dict[str, str] = field(default_factory=dict)  # req_id -> callback kind
    finished: set[str] = field(default_factory=set)  # req_ids whose stream finished


class FakeAIBotServer:
    """WeCom's long-connection endpoint for one bot, played on ``ws://127.0.0.1:PORT``.

    ``async with FakeAIBotServer() as server:`` starts it; point a connection at
    ``server.url`` with ``server.bot_id`` and ``server.secret``. Push callbacks with
    :meth:`push_message` and :meth:`push_event`; end the connection with :meth:`kick`
    (a ``disconnected_event`` first, as when another connection takes over) or
    :meth:`drop` (the socket cut, no close frame); script answers with
    :meth:`expire_stream` (846608) and :meth:`conflict` (6000), and set
    :attr:`ignore_pings` to stop answering heartbeats (:attr:`silent`: any command);
    :meth:`push_raw` sends any text. Uploads (init, chunks, finish) land in
    :attr:`media`. Read :attr:`frames`, or await :meth:`wait_for`, to assert what the
    client sent. It runs in the test's event loop.
    """

    def __init__(self, *, bot_id: str = "aibotTESTID", secret: str | None = None) -> None:
        self.bot_id = bot_id
        self.secret = secret or secrets.token_urlsafe(24)
        self.frames: list[ReceivedFrame] = []
        self.connections = 0
        """Connections accepted so far."""
        self.ignore_pings = False
        """When True, ``ping`` frames are recorded but not answered."""
        self.silent: set[str] = set()
        """Commands recorded but not answered (as if WeCom's answer were lost)."""
        self.media: dict[str, bytes] = {}
        """Uploaded media by media_id."""
        self._uploads: dict[str, tuple[dict[str, Any], dict[int, bytes]]] = {}
        self._extra: dict[str, Any] | None = None  # the body of the answer being built
        self._server: Server | None = None
        self._peer: _Peer | None = None
        self._expired: set[str] = set()
        self._conflicts = 0
        self._changed = asyncio.Condition()
        self.port = 0

    @property
    def url(self) -> str:
        """``ws://127.0.0.1:PORT``."""
        return f"ws://127.0.0.1:{self.port}"

    async def start(self) -> FakeAIBotServer:
        """Listen on 127.0.0.1, on a port the OS picks."""
        from websockets.asyncio.server import serve

        # No protocol-level pings: the heartbeat under test is WeCom's ``ping`` command.
        quiet = logging.getLogger("wecom_callback.testing.aibot_ws")
        quiet.setLevel(logging.WARNING)  # at DEBUG websockets writes every frame: secrets
        self._server = await serve(self._serve, "127.0.0.1", 0, ping_interval=None, logger=quiet)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        """Close every connection and stop listening."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> FakeAIBotServer:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- what the test scripts --------------------------------------------------------

    async def push_message(self, body: Mapping[str, Any], *, req_id: str | None = None) -> str:
        """Send an ``aibot_msg_callback`` with ``body``; returns its req_id."""
        return await self._push("aibot_msg_callback", body, "message", req_id)

    async def push_event(self, body: Mapping[str, Any], *, req_id: str | None = None) -> str:
        """Send an ``aibot_event_callback`` with ``body``; returns its req_id."""
        kind = str(body.get("event", {}).get("eventtype", "event"))
        return await self._push("aibot_event_callback", body, kind, req_id)

    async def push_raw(self, text: str) -> None:
        """Send ``text`` as one frame, as it is (to test what a client makes of junk)."""
        peer = await self._current()
        await peer.socket.send(text)

    async def kick(self) -> None:
        """Tell the client a newer connection took over (``disconnected_event``), then close."""
        peer = await self._current()
        # The body's shape beyond eventtype is inferred: the docs name only the event.
        event = {
            "msgid": secrets.token_hex(8),
            "create_time": int(time.time()),
            "aibotid": self.bot_id,
            "msgtype": "event",
            "event": {"eventtype": "disconnected_event"},
        }
        await self._push("aibot_event_callback", event, "disconnected_event", None)
        await peer.socket.close()

    async def drop(self) -> None:
        """Cut the current connection's socket without a close frame."""
        peer = await self._current()
        peer.socket.transport.abort()

    def expire_stream(self, req_id: str) -> None:
        """Answer 846608 (stream update expired) to later reply frames for ``req_id``."""
        self._expired.add(req_id)

    def conflict(self, times: int = 1) -> None:
        """Answer 6000 (command conflict) to the next ``times`` reply or send commands."""
        self._conflicts += times

    def sent(self, cmd: str | None = None, *, req_id: str | None = None) -> list[ReceivedFrame]:
        """The frames received, optionally only those of ``cmd`` and ``req_id``."""
        return [
            f
            for f in self.frames
            if (cmd is None or f.cmd == cmd) and (req_id is None or f.req_id == req_id)
        ]

    async def wait_for(
        self,
        cmd: str,
        *,
        count: int = 1,
        req_id: str | None = None,
        until: Callable[[ReceivedFrame], bool] | None = None,
        timeout: float = 10.0,
    ) -> list[ReceivedFrame]:
        """Wait until ``count`` frames of ``cmd`` (and ``req_id``) arrived, or ``until`` one.

        Returns the matching frames; raises TimeoutError naming what was received.
        """

        def ready() -> bool:
            found = self.sent(cmd, req_id=req_id)
            return any(until(f) for f in found) if until else len(found) >= count

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(ready)
        except TimeoutError:
            seen = [(f.cmd, f.req_id) for f in self.frames]
            raise TimeoutError(
                f"no {count} x {cmd} ({req_id or 'any req_id'}); got {seen}"
            ) from None
        return self.sent(cmd, req_id=req_id)

    async def wait_subscribed(self, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until ``count`` subscriptions were accepted in all."""
        await self.wait_for(
            "aibot_subscribe",
            until=lambda _: (
                len([f for f in self.sent("aibot_subscribe") if f.errcode == 0]) >= count
            ),
            timeout=timeout,
        )

    # -- WeCom's side -----------------------------------------------------------------

    async def _current(self) -> _Peer:
        async with asyncio.timeout(10), self._changed:
            await self._changed.wait_for(lambda: self._peer is not None and self._peer.subscribed)
        assert self._peer is not None
        return self._peer

    async def _push(self, cmd: str, body: Mapping[str, Any], kind: str, req_id: str | None) -> str:
        peer = await self._current()
        req_id = req_id or f"{cmd}_{secrets.token_hex(6)}"
        peer.pushed[req_id] = kind
        frame = {"cmd": cmd, "headers": {"req_id": req_id}, "body": dict(body)}
        await peer.socket.send(json.dumps(frame, ensure_ascii=False))
        return req_id

    async def _serve(self, socket: ServerConnection) -> None:
        from websockets.exceptions import ConnectionClosed

        self.connections += 1
        peer = _Peer(self.connections, socket)
        try:
            async for raw in socket:
                await self._receive(peer, raw)
        except ConnectionClosed:
            pass
        finally:
            if self._peer is peer:
                self._peer = None

    async def _receive(self, peer: _Peer, raw: str | bytes) -> None:
        try:
            frame = json.loads(raw)
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            await peer.socket.close(1003, "frames are JSON objects")
            return
        self._extra = None
        errcode, errmsg = self._answer(peer, frame)
        async with self._changed:
            self.frames.append(ReceivedFrame(peer.number, frame, errcode))
            self._changed.notify_all()
        if errcode is None:
            return
        req_id = (frame.get("headers") or {}).get("req_id", "")
        ack = {"headers": {"req_id": req_id}, "errcode": errcode, "errmsg": errmsg}
        if self._extra is not None and errcode == 0:
            ack["body"] = self._extra
        await peer.socket.send(json.dumps(ack))
        if frame.get("cmd") == "aibot_subscribe":
            if errcode != 0:
                await peer.socket.close(1008, "subscription refused")
            else:
                await self._take_over(peer)

    async def _take_over(self, peer: _Peer) -> None:
        """One connection per bot: a new subscription kicks the previous one."""
        old = self._peer
        async with self._changed:
            self._peer = peer
            self._changed.notify_all()
        if old is not None and old is not peer:
            event = {"msgid": secrets.token_hex(8), "aibotid": self.bot_id, "msgtype": "event",
                     "event": {"eventtype": "disconnected_event"}}  # fmt: skip
            frame = {"cmd": "aibot_event_callback", "headers": {"req_id": "kick"}, "body": event}
            await old.socket.send(json.dumps(frame))
            await old.socket.close()

    def _answer(self, peer: _Peer, frame: dict[str, Any]) -> tuple[int | None, str]:
        cmd = frame.get("cmd")
        headers = frame.get("headers")
        req_id = headers.get("req_id") if isinstance(headers, dict) else None
        body = frame.get("body")
        if not isinstance(req_id, str) or not req_id:
            return INVALID, "headers.req_id is required"
        if cmd in self.silent:
            return None, ""
        if not peer.subscribed:
            if cmd != "aibot_subscribe":
                return INVALID, "the first frame must be aibot_subscribe"
            if not isinstance(body, dict) or body.get("bot_id") != self.bot_id:
                return BAD_SECRET, "invalid bot_id"
            if body.get("secret") != self.secret:
                return BAD_SECRET, "invalid secret"
            peer.subscribed = True
            return 0, "ok"
        if cmd == "ping":
            return (None, "") if self.ignore_pings else (0, "ok")
        if cmd in _REPLY_COMMANDS:
            return self._reply(peer, str(cmd), req_id, body)
        if cmd == "aibot_send_msg":
            return self._send(body)
        if cmd in _UPLOADS and isinstance(body, dict):
            return self._upload(str(cmd), body)
        return INVALID, f"unknown cmd {cmd!r}"

    def _reply(self, peer: _Peer, cmd: str, req_id: str, body: object) -> tuple[int | None, str]:
        kind = peer.pushed.get(req_id)
        if kind is None:
            # Inferred: a req_id belongs to the connection its callback came on.
            return INVALID, "req_id is not a callback of this connection"
        wanted = _REPLY_COMMANDS[cmd]
        if wanted != kind and (wanted != "message" or kind == "enter_chat"):
            return INVALID, f"{cmd} does not answer a {kind} callback"
        if not isinstance(body, dict):
            return INVALID, "body is required"
        if self._conflicts:
            self._conflicts -= 1
            return CONFLICT, "command conflict, retry"
        # Inferred: a finished stream takes no more frames, like one past its 6 minutes.
        if req_id in self._expired or req_id in peer.finished:
            return STREAM_EXPIRED, "stream message update expired"
        if body.get("msgtype") == "stream_with_template_card":
            return INVALID, "stream_with_template_card is not supported on the long connection"
        stream = body.get("stream")
        if body.get("msgtype") == "stream":
            if not isinstance(stream, dict) or not stream.get("id"):
                return INVALID, "stream.id is required"
            if "msg_item" in stream:
                return INVALID, "msg_item is not supported on the long connection"
            if len(str(stream.get("content", "")).encode()) > _MAX_CONTENT:
                return INVALID, "stream.content is over 20480 bytes"
            if stream.get("finish"):
                peer.finished.add(req_id)
        return 0, "ok"

    def _send(self, body: object) -> tuple[int | None, str]:
        if not isinstance(body, dict) or not body.get("chatid"):
            return INVALID, "chatid is required"
        msgtype = body.get("msgtype")
        if msgtype not in _SEND_TYPES or not isinstance(body.get(msgtype), dict):
            return INVALID, f"msgtype {msgtype!r} cannot be sent"
        if msgtype in _MEDIA_TYPES and body[msgtype].get("media_id") not in self.media:
            return INVALID, "unknown media_id"
        if body.get("chat_type", 0) not in (0, 1, 2):
            return INVALID, "chat_type is 1 (single) or 2 (group)"
        if self._conflicts:
            self._conflicts -= 1
            return CONFLICT, "command conflict, retry"
        return 0, "ok"

    def _upload(self, cmd: str, body: dict[str, Any]) -> tuple[int | None, str]:
        if cmd == "aibot_upload_media_init":
            total = body.get("total_chunks")
            if body.get("type") not in _MEDIA_TYPES or not body.get("filename"):
                return INVALID, "type (file, image, voice or video) and filename are required"
            if not isinstance(total, int) or not 0 < total <= 100:
                return INVALID, "total_chunks is 1 to 100"
            upload_id = secrets.token_hex(8)
            self._uploads[upload_id] = (body, {})
            self._extra = {"upload_id": upload_id}
            return 0, "ok"
        found = self._uploads.get(str(body.get("upload_id")))
        if found is None:
            return INVALID, "unknown upload_id"
        init, chunks = found
        if cmd == "aibot_upload_media_chunk":
            index = body.get("chunk_index")
            try:
                data = base64.b64decode(str(body.get("base64_data")), validate=True)
            except ValueError:
                return INVALID, "base64_data is not base64"
            if not isinstance(index, int) or not 0 <= index < init["total_chunks"]:
                return INVALID, "chunk_index is out of range"
            if len(data) > _CHUNK:
                return INVALID, "a chunk is at most 512 KiB"
            chunks[index] = data
            return 0, "ok"
        data = b"".join(chunks[i] for i in sorted(chunks))
        md5 = hashlib.md5(data).hexdigest()  # WeCom's checksum, not security
        if (len(chunks), len(data), md5) != (init["total_chunks"], init.get("total_size"),
                                             init.get("md5")):  # fmt: skip
            return INVALID, "the chunks do not add up to the declared size and md5"
        del self._uploads[str(body["upload_id"])]
        media_id = f"media_{secrets.token_hex(8)}"
        self.media[media_id] = data
        # created_at as a string, as media/upload answers it (inferred for this mode).
        self._extra = {"type": init["type"], "media_id": media_id,
                       "created_at": str(int(time.time()))}  # fmt: skip
        return 0, "ok"
