"""Base classes of every callback model and the kind registry they register in.

A concrete model names the dispatch key it handles in class variables: ``KIND`` (the
MsgType, Event or InfoType) and, where the ChangeType selects the shape, ``CHANGE_TYPE``.
Defining the class registers it; :func:`lookup` finds the class for a parsed callback.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SkipValidation

from ._types import OptInt, OptStr, UtcDatetime

__all__ = [
    "Callback",
    "Event",
    "Message",
    "UnknownEvent",
    "UnknownMessage",
    "WeComModel",
    "lookup",
    "registered",
]

Family = Literal["message", "event"]

#: A wire dialect: ``xml`` (apps, suites) or ``aibot`` (AI bots' JSON). Each has its own
#: kinds, so ``text`` names one model per dialect.
Dialect = Literal["xml", "aibot"]

_REGISTRIES: dict[str, dict[tuple[Family, str, str | None], type[Callback]]] = {
    "xml": {},
    "aibot": {},
}


class WeComModel(BaseModel):
    """Base of every model: frozen, addressed by XML tag, extra fields ignored (see ``raw``)."""

    model_config = ConfigDict(
        frozen=True,
        populate_by_name=True,
        extra="ignore",
        use_attribute_docstrings=True,
    )


#: Where WeCom's developer documentation pages live; a model names its page by number.
DOC_BASE = "https://developer.work.weixin.qq.com/document/path/"


def doc_page(number: int) -> str:
    """The URL of WeCom's documentation page ``number`` (the ``path/NNNNN`` of its URL)."""
    return f"{DOC_BASE}{number}"


class Callback(WeComModel):
    """Any decrypted callback. ``kind`` is its dispatch key; ``raw`` keeps every field."""

    FAMILY: ClassVar[Family] = "event"
    DIALECT: ClassVar[Dialect] = "xml"
    KIND: ClassVar[str | None] = None
    CHANGE_TYPE: ClassVar[str | None] = None
    DOC: ClassVar[str] = ""

    kind: str
    """The dispatch key: MsgType for messages, Event for events, InfoType for suite callbacks."""
    raw: SkipValidation[dict[str, Any]] = Field(repr=False)
    """The children of ``<xml>`` exactly as parsed (xmltodict's shape): nothing is lost."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        own = cls.__dict__
        if cls.DOC and cls.__doc__ and cls.DOC not in cls.__doc__:
            # The page is written once, in DOC; help() and the docs show it from here.
            cls.__doc__ = f"{cls.__doc__.rstrip()}\n\n    Source: {cls.DOC}\n"
        if cls.KIND is not None and ("KIND" in own or "CHANGE_TYPE" in own):
            key = (cls.FAMILY, cls.KIND, own.get("CHANGE_TYPE"))
            registry = _REGISTRIES[cls.DIALECT]
            if key in registry and registry[key] is not cls:
                raise TypeError(f"{key} is registered twice: {registry[key]} and {cls}")
            registry[key] = cls


class Message(Callback):
    """A user's message to an app (``MsgType`` other than ``event``)."""

    FAMILY: ClassVar[Family] = "message"

    to_user_name: OptStr = Field(None, alias="ToUserName")
    """The CorpID that received the message."""
    from_user_name: OptStr = Field(None, alias="FromUserName")
    """The sender's UserID."""
    create_time: UtcDatetime | None = Field(None, alias="CreateTime")
    """When WeCom created the message (UTC)."""
    msg_type: str = Field(alias="MsgType")
    """The message type: text, image, voice, video, location, link, ..."""
    msg_id: OptInt = Field(None, alias="MsgId")
    """The message id, unique per message: the dedupe key."""
    agent_id: OptInt = Field(None, alias="AgentID")
    """The receiving app's AgentID."""


class Event(Callback):
    """An event (``MsgType=event``) or a third-party instruction callback (``InfoType``).

    The header fields of both envelopes are here and optional, so one class serves a
    kind that arrives both as an Event (self-built apps) and as an InfoType (suites).
    """

    to_user_name: OptStr = Field(None, alias="ToUserName")
    """The CorpID (or SuiteID) the event is addressed to."""
    from_user_name: OptStr = Field(None, alias="FromUserName")
    """The member's UserID, or ``sys`` for system events."""
    create_time: UtcDatetime | None = Field(None, alias="CreateTime")
    """When WeCom created the event (UTC); absent on InfoType callbacks."""
    msg_type: OptStr = Field(None, alias="MsgType")
    """``event`` for Event callbacks; absent on InfoType callbacks."""
    event: OptStr = Field(None, alias="Event")
    """The Event name; absent on InfoType callbacks."""
    agent_id: OptInt = Field(None, alias="AgentID")
    """The app's AgentID, where the event concerns one app."""
    suite_id: OptStr = Field(None, alias="SuiteId")
    """InfoType callbacks: the SuiteID (or template id) the callback is for."""
    auth_corp_id: OptStr = Field(None, alias="AuthCorpId")
    """InfoType callbacks: the authorizing corp the change happened in."""
    info_type: OptStr = Field(None, alias="InfoType")
    """InfoType callbacks: the InfoType."""
    time_stamp: UtcDatetime | None = Field(None, alias="TimeStamp")
    """InfoType callbacks: when WeCom sent it (UTC)."""


class UnknownMessage(Message):
    """A message of a type this version does not model; every field is in ``raw``."""

    parse_error: str | None = None
    """Set when a known kind failed validation and was kept here instead of dropped."""


class UnknownEvent(Event):
    """An Event or InfoType this version does not model; every field is in ``raw``."""

    change_type: OptStr = Field(None, alias="ChangeType")
    """The ChangeType, when the callback has one."""
    parse_error: str | None = None
    """Set when a known kind failed validation and was kept here instead of dropped."""


def lookup(
    family: Family, kind: str, change_type: str | None, dialect: Dialect = "xml"
) -> type[Callback] | None:
    """The registered class for a callback, or ``None`` when the kind is unknown."""
    registry = _REGISTRIES[dialect]
    cls = registry.get((family, kind, change_type))
    if cls is None and change_type is not None:
        cls = registry.get((family, kind, None))
    return cls


def registered(dialect: Dialect = "xml") -> dict[tuple[Family, str, str | None], type[Callback]]:
    """A copy of a dialect's registry: ``(family, kind, change_type) -> class``."""
    return dict(_REGISTRIES[dialect])
