"""The JSON wire format: the ``{"encrypt": ...}`` envelope, JSON plaintexts, JSON replies.

AI bots (and the JSON variant of app callbacks) post ``{"encrypt": "..."}``, optionally
with ``tousername`` and ``agentid``. The envelope is read before its signature is
checked, so the work is bounded as for XML: the flat envelope WeCom sends is matched by
one regex; anything else only when it is at most 64 KiB with at most 4 objects or
arrays in all, and then with duplicate keys refused. Errors carry the JSON samples'
codes (-40002; -40012 for a body that is not JSON at all, such as XML sent to a JSON
endpoint).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import JSONParseError, ProtocolTypeError

__all__ = ["JSONEnvelope", "dump_json", "parse_json", "read_json_envelope"]

_SLOW_PATH_MAX = 64 * 1024
_MAX_OPENERS = 4
_WS = rb"[ \t\r\n]*"
_FLAT = re.compile(
    rb"\A" + _WS + rb"\{" + _WS + rb'"encrypt"' + _WS + rb":" + _WS
    + rb'"([A-Za-z0-9+/=]+)"' + _WS + rb"\}" + _WS + rb"\Z"
)  # fmt: skip
_ENVELOPE_KEYS = frozenset({"encrypt", "tousername", "agentid"})


class JSONEnvelope:
    """The outer, unencrypted JSON of a callback POST."""

    __slots__ = ("agent_id", "encrypt", "to_user_name")

    def __init__(self, encrypt: str, to_user_name: str | None, agent_id: str | None) -> None:
        self.encrypt = encrypt
        self.to_user_name = to_user_name
        self.agent_id = agent_id


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise JSONParseError(f"key {key!r} appears twice")
        out[key] = value
    return out


def _openers_ok(body: bytes) -> bool:
    # An envelope has one object and no arrays; counting is C-speed and bounds the
    # nesting json.loads could recurse into, whatever the strings hold.
    return body.count(b"{") + body.count(b"[") <= _MAX_OPENERS


def parse_json(data: bytes | str, *, what: str = "plaintext") -> dict[str, Any]:
    """One JSON object (duplicate keys refused); raises :class:`JSONParseError`."""
    try:
        value = json.loads(data, object_pairs_hook=_no_duplicates)
    except JSONParseError:
        raise
    except (ValueError, RecursionError) as exc:
        raise JSONParseError(f"{what} is not valid JSON: {type(exc).__name__}") from None
    if not isinstance(value, dict):
        raise JSONParseError(f"{what} is JSON but not an object")
    return value


def read_json_envelope(body: bytes) -> JSONEnvelope:
    """Read ``{"encrypt": "..."}`` (``tousername`` and ``agentid`` allowed beside it).

    Raises :class:`~wecom_callback.errors.ProtocolTypeError` for a body that is no JSON
    object at all and :class:`~wecom_callback.errors.JSONParseError` for anything that
    is not exactly one envelope: other keys, a key twice, an empty or non-string
    ``encrypt``, deeper nesting, or JSON that is not well formed.
    """
    flat = _FLAT.match(body)
    if flat is not None:
        return JSONEnvelope(flat.group(1).decode("ascii"), None, None)
    start = body.lstrip(b" \t\r\n\xef\xbb\xbf")[:1]
    if start != b"{":
        kind = "XML" if start == b"<" else "not a JSON object"
        raise ProtocolTypeError(f'the body is {kind}: this endpoint takes JSON {{"encrypt": ...}}')
    if len(body) > _SLOW_PATH_MAX:
        raise JSONParseError(f"a body over {_SLOW_PATH_MAX} bytes must be the flat envelope")
    if b"\x00" in body:
        raise JSONParseError("the body contains NUL bytes")
    if not _openers_ok(body):
        raise JSONParseError(f"more than {_MAX_OPENERS} objects or arrays: no envelope has them")
    fields = parse_json(body, what="the body")
    unknown = sorted(set(fields) - _ENVELOPE_KEYS)
    if unknown:
        raise JSONParseError(f"the envelope has unexpected keys: {', '.join(unknown)[:200]}")
    encrypt = fields.get("encrypt")
    if not isinstance(encrypt, str) or not encrypt.strip():
        raise JSONParseError("the envelope's encrypt must be a non-empty string")
    to_user, agent = fields.get("tousername"), fields.get("agentid")
    for name, value in (("tousername", to_user), ("agentid", agent)):
        if value is not None and not isinstance(value, str | int):
            raise JSONParseError(f"the envelope's {name} must be text or a number")
    return JSONEnvelope(
        encrypt.strip(),
        None if to_user is None else str(to_user),
        None if agent is None else str(agent),
    )


def dump_json(value: Any) -> bytes:
    """Compact UTF-8 JSON (no spaces, no ASCII escapes), as WeCom's own samples write it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
