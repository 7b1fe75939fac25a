"""Play WeCom's side of a callback: sign, encrypt, URL-encode; decrypt and check replies."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from .._wire.writer import document
from .._wire.xml import parse_xml
from ..crypto import WeComCrypto, signature
from ..errors import SignatureError, XMLParseError

__all__ = ["SimulatedRequest", "Simulator", "callback_xml"]


def callback_xml(fields: Mapping[str, Any]) -> bytes:
    """A plaintext callback ``<xml>...</xml>`` from tag -> value (dicts nest, lists repeat)."""
    return document(fields).encode()


@dataclass(frozen=True)
class SimulatedRequest:
    """A request as WeCom would send it."""

    method: str
    query: dict[str, str]
    body: bytes = b""
    plaintext: bytes = field(default=b"", repr=False)

    @property
    def query_string(self) -> str:
        """The URL-encoded query (``+``, ``/``, ``=`` percent-encoded, as WeCom does)."""
        return urlencode(self.query)

    def url(self, base: str) -> str:
        """``base`` (e.g. ``http://127.0.0.1:8000/wecom``) with this request's query."""
        return f"{base}?{self.query_string}"


class Simulator:
    """Build signed, encrypted GET and POST requests for one token, key and receive id."""

    def __init__(
        self,
        token: str,
        encoding_aes_key: str,
        receive_id: str,
        *,
        agent_id: int | str | None = None,
    ) -> None:
        self.token = token
        self.receive_id = receive_id
        self.agent_id = agent_id
        self.crypto = WeComCrypto(token, encoding_aes_key, receive_id)

    def __repr__(self) -> str:
        return f"Simulator(receive_id={self.receive_id!r})"

    def verify_request(
        self, echo: str | None = None, *, timestamp: str | None = None, nonce: str | None = None
    ) -> SimulatedRequest:
        """The URL-verification GET; ``plaintext`` is the echo the server must answer."""
        plain = echo if echo is not None else str(secrets.randbits(63))
        env = self.crypto.encrypt(plain.encode(), timestamp, nonce)
        query = {
            "msg_signature": env.msg_signature,
            "timestamp": env.timestamp,
            "nonce": env.nonce,
            "echostr": env.encrypt,
        }
        return SimulatedRequest("GET", query, plaintext=plain.encode())

    def callback(
        self,
        plaintext: bytes | str | Mapping[str, Any],
        *,
        timestamp: str | int | None = None,
        nonce: str | None = None,
        random_prefix: bytes | None = None,
    ) -> SimulatedRequest:
        """The POST of a callback: ``plaintext`` is XML, or tag -> value (see callback_xml)."""
        if isinstance(plaintext, Mapping):
            data = callback_xml(plaintext)
        else:
            data = plaintext.encode() if isinstance(plaintext, str) else plaintext
        ts = str(int(time.time()) if timestamp is None else timestamp)
        env = self.crypto.encrypt(data, ts, nonce, random_prefix=random_prefix)
        fields = {"ToUserName": self.receive_id, "Encrypt": env.encrypt}
        if self.agent_id is not None:
            fields["AgentID"] = str(self.agent_id)
        body = document(fields).encode()
        query = {"msg_signature": env.msg_signature, "timestamp": ts, "nonce": env.nonce}
        return SimulatedRequest("POST", query, body, plaintext=data)

    def instruction(
        self,
        info_type: str,
        fields: Mapping[str, Any] | None = None,
        *,
        suite_id: str | None = None,
        timestamp: int | None = None,
    ) -> SimulatedRequest:
        """A third-party instruction callback (``InfoType``) as WeCom posts it.

        The plaintext is ``SuiteId`` (default: this simulator's receive id), ``InfoType``,
        ``TimeStamp`` (default: now) and ``fields`` (``{"AuthCode": ...}``).
        """
        stamp = int(time.time()) if timestamp is None else timestamp
        plain = {"SuiteId": suite_id or self.receive_id, "InfoType": info_type}
        return self.callback({**plain, "TimeStamp": stamp, **(fields or {})})

    def decrypt_reply(self, body: bytes | str) -> bytes:
        """Check a passive reply's envelope and signature; return its plaintext XML."""
        fields = parse_xml(body)
        try:
            encrypt, sig = str(fields["Encrypt"]), str(fields["MsgSignature"])
            ts, nonce = str(fields["TimeStamp"]), str(fields["Nonce"])
        except KeyError as exc:
            raise XMLParseError(f"reply envelope lacks {exc.args[0]}") from None
        if signature(self.token, ts, nonce, encrypt) != sig:
            raise SignatureError("reply signature does not match")
        return self.crypto.decrypt_unsigned(encrypt).message
