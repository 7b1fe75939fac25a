"""The wire formats a receiver speaks: WeCom's XML and the AI bots' JSON.

A format names how the unauthenticated envelope is read, how the decrypted plaintext
becomes a dict and then a typed model, which field is the message id, and how a sealed
reply is written. Everything else of the receive path is shared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .._wire.json_envelope import parse_json, read_json_envelope
from .._wire.xml import parse_xml, read_envelope
from ..crypto import EncryptedEnvelope
from ..models._base import Callback
from ..models._parsing import aibot_model_from_dict, model_from_dict

__all__ = ["JSON", "XML", "WireFormat"]


def _xml_encrypt(body: bytes) -> str:
    return read_envelope(body).encrypt


def _json_encrypt(body: bytes) -> str:
    return read_json_envelope(body).encrypt


def _xml_body(envelope: EncryptedEnvelope) -> bytes:
    return envelope.to_xml().encode()


def _json_body(envelope: EncryptedEnvelope) -> bytes:
    return envelope.to_json()


@dataclass(frozen=True, slots=True)
class WireFormat:
    """One wire format of callbacks and their passive replies."""

    name: str
    read_encrypt: Callable[[bytes], str]
    """The envelope's ``Encrypt`` value, read with bounded work (it is not yet signed)."""
    parse: Callable[[bytes], dict[str, Any]]
    """The decrypted plaintext as a dict."""
    model: Callable[[dict[str, Any]], Callback]
    """The dict as its typed model."""
    msg_id: str
    """The plaintext's message id field: the dedupe key."""
    content_type: str
    """The content type of a sealed reply."""
    seal: Callable[[EncryptedEnvelope], bytes]
    """The sealed reply's body."""
    instructions: bool
    """Suite instruction callbacks (``InfoType``, answered ``success``) exist."""


XML = WireFormat(
    "xml", _xml_encrypt, parse_xml, model_from_dict, "MsgId",
    "application/xml; charset=utf-8", _xml_body, True,
)  # fmt: skip
JSON = WireFormat(
    "json", _json_encrypt, parse_json, aibot_model_from_dict, "msgid",
    "application/json; charset=utf-8", _json_body, False,
)  # fmt: skip
