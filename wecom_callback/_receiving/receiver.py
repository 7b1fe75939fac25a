"""The receive path as plain values: query and body in, status and body out.

Nothing here knows about ASGI; :mod:`wecom_callback._app` only converts. The steps of
a POST are listed, in order, in :meth:`Receiver.post`.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from ..crypto import Plaintext, WeComCrypto
from ..errors import CryptoError, MissingParameterError, RequestError, WeComCallbackError
from ..models._base import Callback
from ..replies._passive import Reply, TextReply
from .context import CallbackContext
from .formats import XML, WireFormat
from .rejections import RejectionLog
from .replay import ReplayWindow

__all__ = ["Delivery", "Outcome", "Receiver", "dedupe_key", "render_reply"]

log = logging.getLogger("wecom_callback")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to answer: status, body, content type, and the reason for a rejection."""

    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    reason: str | None = None
    code: int | None = None

    @classmethod
    def reject(cls, exc: WeComCallbackError) -> Outcome:
        """A 4xx whose body says why, with WeCom's code where there is one."""
        code = exc.code if isinstance(exc, CryptoError | RequestError) else None
        text = f"{code} {exc.reason}" if code is not None else exc.reason
        return cls(exc.status_code, text.encode(), reason=exc.reason, code=code)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One verified, decrypted, parsed callback, ready for dispatch."""

    model: Callback
    ctx: CallbackContext
    instruction: bool = False
    """A third-party instruction callback (``InfoType``): answered ``success`` at once,
    never with a passive reply (WeCom wants auth events answered within 1000 ms)."""


Dispatch = Callable[[Delivery], Awaitable[bytes | None]]


def dedupe_key(plain: Plaintext, msg_id: object) -> str:
    """MsgId when the callback has one, else a SHA-256 of the plaintext; per receive id."""
    if isinstance(msg_id, str) and msg_id.strip():
        return f"{plain.receive_id}:msg:{msg_id.strip()}"
    return f"{plain.receive_id}:sha256:{hashlib.sha256(plain.message).hexdigest()}"


def render_reply(reply: Reply | str, model: Callback, create_time: int | None = None) -> bytes:
    """The plaintext reply XML to ``model``'s sender (a ``str`` is a text reply)."""
    if isinstance(reply, str):
        reply = TextReply(content=reply)
    elif not isinstance(reply, Reply):
        raise TypeError(f"a handler returned {type(reply).__name__}: return a Reply, str or None")
    to_user = str(model.raw.get("FromUserName") or "")
    from_user = str(model.raw.get("ToUserName") or "")
    now = int(time.time()) if create_time is None else create_time
    return reply.to_xml(to_user=to_user, from_user=from_user, create_time=now).encode("utf-8")


def _param(query: Mapping[str, str], name: str) -> str:
    value = query.get(name)
    if not value:
        raise MissingParameterError(f"query parameter {name!r} is required")
    return value


class Receiver:
    """Verify, decrypt, parse and hand a callback to ``dispatch``; encrypt its reply."""

    def __init__(
        self,
        crypto: WeComCrypto,
        dispatch: Dispatch,
        replay: ReplayWindow | None = None,
        endpoint: str = "",
        wire: WireFormat = XML,
    ) -> None:
        self.crypto = crypto
        self.wire = wire
        self.dispatch = dispatch
        self.replay = replay
        self.endpoint = endpoint
        self.rejections = RejectionLog()

    def get(self, query: Mapping[str, str]) -> Outcome:
        """Answer the URL-verification GET with the echostr plaintext, verbatim."""
        try:
            echo = self.crypto.verify_url(
                _param(query, "msg_signature"),
                _param(query, "timestamp"),
                _param(query, "nonce"),
                _param(query, "echostr"),
            )
        except WeComCallbackError as exc:
            return self._rejected("GET", exc)
        return Outcome(200, echo.encode("utf-8"))

    async def post(
        self, query: Mapping[str, str], body: bytes, client_addr: str | None = None
    ) -> Outcome:
        """Run the POST steps in order; a failure before dispatch is a 4xx with a reason."""
        try:
            signature = _param(query, "msg_signature")
            timestamp = _param(query, "timestamp")
            nonce = _param(query, "nonce")
            wire = self.wire
            encrypt = wire.read_encrypt(body)
            plain = self.crypto.unseal(signature, timestamp, nonce, encrypt)
            if self.replay is not None:  # the timestamp is signed: now it can be trusted
                self.replay.check(timestamp)
            data = wire.parse(plain.message)
        except WeComCallbackError as exc:
            return self._rejected("POST", exc, client_addr)
        model = wire.model(data)
        ctx = CallbackContext(
            received_at=datetime.now(UTC),
            dedupe_key=dedupe_key(plain, data.get(wire.msg_id)),
            receive_id=plain.receive_id,
            plaintext=plain.message,
            client_addr=client_addr,
        )
        instruction = wire.instructions and "InfoType" in data
        reply = await self.dispatch(Delivery(model, ctx, instruction))
        if instruction:
            return Outcome(200, b"success")  # the literal WeCom requires on instruction URLs
        if reply is None:
            return Outcome(200)
        return self.seal(reply, plain.receive_id, nonce)

    def seal(self, reply: bytes, receive_id: str, nonce: str | None = None) -> Outcome:
        """Encrypt a plaintext reply into the envelope WeCom expects (XML or JSON)."""
        envelope = self.crypto.encrypt(reply, nonce=nonce, receive_id=receive_id)
        return Outcome(200, self.wire.seal(envelope), self.wire.content_type)

    def rejected(self, method: str, exc: WeComCallbackError, peer: str | None = None) -> Outcome:
        """The 4xx for ``exc``, logged with its reason and code (never the payload)."""
        return self._rejected(method, exc, peer)

    def _rejected(self, method: str, exc: WeComCallbackError, peer: str | None = None) -> Outcome:
        outcome = Outcome.reject(exc)
        if not self.rejections.allow(outcome.status):
            return outcome  # counted; the next line after the window says how many
        carried = getattr(exc, "carried", None)
        if isinstance(carried, str):
            carried = carried[:64]  # signed and decrypted with the key, yet kept short
        log.warning(
            "rejected endpoint=%s %s from %s: %s (code %s, status %s)%s",
            self.endpoint,
            method,
            peer or "?",
            exc.reason,
            outcome.code,
            outcome.status,
            "" if carried is None else f"; the payload names receive id {carried!r}",
            extra={"endpoint": self.endpoint, "method": method, "peer": peer,
                   "reason": exc.reason, "code": outcome.code, "status": outcome.status,
                   "receive_id": carried},
        )  # fmt: skip
        return outcome
