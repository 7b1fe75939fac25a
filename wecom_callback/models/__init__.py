"""Typed models of every WeCom callback kind; see ``docs/events.md`` for the catalogue."""

from ._base import Callback, Event, Message, UnknownEvent, UnknownMessage, lookup, registered
from ._types import OpenStrEnum
from .app_events import EnterAgentEvent, SubscribeEvent, UnsubscribeEvent
from .external_contact import (
    AddExternalContactEvent,
    AddHalfExternalContactEvent,
    DelExternalContactEvent,
    DelFollowUserEvent,
    EditExternalContactEvent,
    ExternalContactChangeType,
    ExternalContactEvent,
    MsgAuditApprovedEvent,
    TransferFailEvent,
)
from .messages import (
    ImageMessage,
    LinkMessage,
    LocationMessage,
    TextMessage,
    VideoMessage,
    VoiceMessage,
)

__all__ = [
    "AddExternalContactEvent",
    "AddHalfExternalContactEvent",
    "Callback",
    "DelExternalContactEvent",
    "DelFollowUserEvent",
    "EditExternalContactEvent",
    "EnterAgentEvent",
    "Event",
    "ExternalContactChangeType",
    "ExternalContactEvent",
    "ImageMessage",
    "LinkMessage",
    "LocationMessage",
    "Message",
    "MsgAuditApprovedEvent",
    "OpenStrEnum",
    "SubscribeEvent",
    "TextMessage",
    "TransferFailEvent",
    "UnknownEvent",
    "UnknownMessage",
    "UnsubscribeEvent",
    "VideoMessage",
    "VoiceMessage",
    "lookup",
    "registered",
]
