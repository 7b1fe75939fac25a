"""Play WeCom's side of an AI bot: JSON callbacks, refreshes, and decrypted JSON replies."""

from __future__ import annotations

import secrets
import time
from typing import Any

from .._wire.json_envelope import dump_json, parse_json
from ..crypto import signature
from ..errors import JSONParseError, SignatureError
from ._simulator import SimulatedRequest, Simulator

__all__ = ["AIBotSimulator"]


class AIBotSimulator(Simulator):
    """Build an AI bot's signed, encrypted JSON callbacks (receive id ``""``).

    ``sim.text("hi")``, ``sim.event("enter_chat")``, ``sim.refresh(stream_id)`` give
    requests to POST; ``sim.decrypt_json_reply(body)`` checks a reply and returns its
    plaintext dict (``{}`` for an empty 200). ``aibotid`` and ``user`` fill the headers.
    """

    def __init__(
        self,
        token: str,
        encoding_aes_key: str,
        *,
        aibotid: str = "AIBOTID",
        user: str = "zhangsan",
        response_url: str
        | None = "https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RC",
    ) -> None:
        super().__init__(token, encoding_aes_key, "")
        self.aibotid = aibotid
        self.user = user
        self.response_url = response_url

    def __repr__(self) -> str:
        return f"AIBotSimulator(aibotid={self.aibotid!r})"

    def json_callback(
        self,
        plaintext: dict[str, Any] | bytes,
        *,
        timestamp: str | int | None = None,
        nonce: str | None = None,
        random_prefix: bytes | None = None,
    ) -> SimulatedRequest:
        """The POST of a JSON callback: body ``{"encrypt": ...}``, signed query."""
        data = plaintext if isinstance(plaintext, bytes) else dump_json(plaintext)
        ts = str(int(time.time()) if timestamp is None else timestamp)
        env = self.crypto.encrypt(data, ts, nonce, random_prefix=random_prefix)
        body = dump_json({"encrypt": env.encrypt})
        query = {"msg_signature": env.msg_signature, "timestamp": ts, "nonce": env.nonce}
        return SimulatedRequest("POST", query, body, plaintext=data)

    def _header(self, msgtype: str, chatid: str | None, msgid: str | None) -> dict[str, Any]:
        head: dict[str, Any] = {"msgid": msgid or secrets.token_hex(16), "aibotid": self.aibotid}
        if chatid is not None:
            head["chatid"] = chatid
        head["chattype"] = "group" if chatid is not None else "single"
        head["from"] = {"userid": self.user}
        if self.response_url is not None and msgtype != "stream":
            head["response_url"] = self.response_url
        head["msgtype"] = msgtype
        return head

    def message(
        self,
        msgtype: str,
        payload: dict[str, Any],
        *,
        chatid: str | None = None,
        msgid: str | None = None,
        quote: dict[str, Any] | None = None,
    ) -> SimulatedRequest:
        """A message of ``msgtype`` whose object is ``payload`` (``{"url": ...}`` for image)."""
        body = self._header(msgtype, chatid, msgid) | {msgtype: payload}
        if quote is not None:
            body["quote"] = quote
        return self.json_callback(body)

    def text(
        self, content: str, *, chatid: str | None = None, msgid: str | None = None
    ) -> SimulatedRequest:
        """A text message."""
        return self.message("text", {"content": content}, chatid=chatid, msgid=msgid)

    def event(
        self,
        eventtype: str,
        detail: dict[str, Any] | None = None,
        *,
        chatid: str | None = None,
        msgid: str | None = None,
    ) -> SimulatedRequest:
        """An event: ``{"msgtype":"event","event":{"eventtype":..., eventtype: detail}}``."""
        body = self._header("event", chatid, msgid)
        body["from"] = {"userid": self.user, "corpid": "wpCORPID"}
        body["create_time"] = int(time.time())
        event: dict[str, Any] = {"eventtype": eventtype}
        if detail is not None:
            event[eventtype] = detail
        return self.json_callback(body | {"event": event})

    def refresh(self, stream_id: str, *, chatid: str | None = None) -> SimulatedRequest:
        """The stream refresh WeCom sends until the bot answers ``finish: true``."""
        body = self._header("stream", chatid, None) | {"stream": {"id": stream_id}}
        return self.json_callback(body)

    def decrypt_json_reply(self, body: bytes | str, *, nonce: str | None = None) -> dict[str, Any]:
        """Check a JSON reply envelope (and that it echoes ``nonce``); return its plaintext."""
        raw = body.encode() if isinstance(body, str) else body
        if not raw:
            return {}
        fields = parse_json(raw, what="the reply envelope")
        try:
            encrypt, sig = str(fields["encrypt"]), str(fields["msgsignature"])
            ts, got_nonce = str(fields["timestamp"]), str(fields["nonce"])
        except KeyError as exc:
            raise JSONParseError(f"reply envelope lacks {exc.args[0]}") from None
        if nonce is not None and got_nonce != nonce:
            raise SignatureError("the reply does not echo the callback's nonce")
        if signature(self.token, ts, got_nonce, encrypt) != sig:
            raise SignatureError("reply signature does not match")
        return parse_json(self.crypto.decrypt_unsigned(encrypt).message, what="the reply")
