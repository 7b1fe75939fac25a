"""Plaintext XML to typed model, through the kind registry. Nothing is ever dropped."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError

from .._wire.xml import parse_xml
from ._base import Callback, Dialect, Family, UnknownEvent, UnknownMessage, lookup
from .aibot import AIBotUnknownEvent, AIBotUnknownMessage

__all__ = ["aibot_model_from_dict", "classify", "model_from_dict", "parse_message"]

log = logging.getLogger("wecom_callback.parsing")


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) else None


def _where(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(map(str, e['loc']))}: {e['type']}"
        for e in exc.errors(include_input=False, include_url=False)
    )


def classify(data: dict[str, Any]) -> tuple[Family, str, str | None]:
    """``(family, kind, change_type)`` of a parsed callback dict.

    The kind is the InfoType for suite instruction callbacks, the Event for events and
    the MsgType for messages; an unreadable one is the empty string.
    """
    info = _text(data.get("InfoType"))
    if info:
        family: Family = "event"
        kind = info
    else:
        msg_type = _text(data.get("MsgType")) or ""
        if msg_type == "event":
            family, kind = "event", _text(data.get("Event")) or ""
        elif msg_type:
            family, kind = "message", msg_type
        else:
            family, kind = "event", ""
    return family, kind, _text(data.get("ChangeType"))


def model_from_dict(data: dict[str, Any]) -> Callback:
    """Build the typed model for a parsed callback dict (the children of ``<xml>``)."""
    family, kind, change_type = classify(data)
    payload = {**data, "kind": kind, "raw": data}
    return _typed(family, kind, change_type, payload, "xml")


def aibot_model_from_dict(data: dict[str, Any]) -> Callback:
    """Build the typed model for an AI bot's decrypted JSON callback.

    The kind is ``msgtype`` for messages and ``event.eventtype`` for events; an event's
    own object (``event.<eventtype>``) is lifted onto the model beside the header.
    """
    msg_type = _text(data.get("msgtype")) or ""
    payload: dict[str, Any] = {**data, "raw": data}
    if msg_type == "event" or (not msg_type and isinstance(data.get("event"), dict)):
        family: Family = "event"
        event = data.get("event")
        event = event if isinstance(event, dict) else {}
        kind = _text(event.get("eventtype")) or ""
        detail = event.get(kind)
        lifted = (
            {k: v for k, v in detail.items() if k not in data} if isinstance(detail, dict) else {}
        )
        payload = {**lifted, **payload, "eventtype": kind}
    else:
        family, kind = "message", msg_type
    payload["kind"] = kind
    return _typed(family, kind, None, payload, "aibot")


def _typed(
    family: Family, kind: str, change_type: str | None, payload: dict[str, Any], dialect: Dialect
) -> Callback:
    data = payload["raw"]
    cls = lookup(family, kind, change_type, dialect)
    if cls is not None:
        try:
            # The core validator itself: model_validate only adds argument handling.
            model: Callback = cls.__pydantic_validator__.validate_python(payload)
            return model
        except ValidationError as exc:
            # Keep the callback rather than drop it; log where, never the values.
            where = _where(exc)
            log.warning("kind %r did not fit %s (%s); kept as unknown", kind, cls.__name__, where)
            payload["parse_error"] = where
    fallback = _fallback(family, dialect)
    try:
        return fallback.model_validate(payload)
    except ValidationError as exc:
        # Even the header did not fit (say AgentID is not a number): keep kind and raw.
        where = _where(exc)
        log.warning("kind %r header did not fit (%s); kept raw only", kind, where)
        bare: dict[str, Any] = {"kind": kind, "raw": data, "parse_error": where}
        if family == "message" and dialect == "xml":
            bare["MsgType"] = kind
        return fallback.model_validate(bare)


def _fallback(family: Family, dialect: Dialect) -> type[Callback]:
    if dialect == "aibot":
        return AIBotUnknownMessage if family == "message" else AIBotUnknownEvent
    return UnknownMessage if family == "message" else UnknownEvent


def parse_message(xml: bytes | str) -> Callback:
    """Parse a decrypted callback's XML into its typed model.

    Unknown kinds give :class:`~wecom_callback.models.UnknownMessage` or
    :class:`~wecom_callback.models.UnknownEvent` with every field in ``raw``.
    Raises :class:`~wecom_callback.errors.XMLParseError` for XML that is not well formed.
    """
    return model_from_dict(parse_xml(xml))
