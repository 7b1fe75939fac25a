"""AI bot (智能机器人) callbacks: the JSON messages and events of the ``aibot`` dialect.

Their kinds live in a registry of their own (``registered("aibot")``): an AI bot's
``text`` is :class:`AIBotTextMessage`, never the app's XML ``TextMessage``. Messages are
keyed by ``msgtype``; events (``msgtype`` ``event``) by ``event.eventtype``, whose own
object's fields are lifted onto the event model (``event_key``, ``task_id``, ...).

WeCom documents: 接收消息 (page 100719), 接收事件 (page 101031)
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, field_validator

from ._base import Callback, Dialect, Family, WeComModel, doc_page
from ._types import OptInt, OptStr, UtcDatetime

__all__ = [
    "AIBotCallback",
    "AIBotEvent",
    "AIBotFileMessage",
    "AIBotImageMessage",
    "AIBotMedia",
    "AIBotMessage",
    "AIBotMixed",
    "AIBotMixedItem",
    "AIBotMixedMessage",
    "AIBotQuote",
    "AIBotSender",
    "AIBotStreamRef",
    "AIBotStreamRefresh",
    "AIBotText",
    "AIBotTextMessage",
    "AIBotUnknownEvent",
    "AIBotUnknownMessage",
    "AIBotVideoMessage",
    "AIBotVoiceMessage",
    "EnterChatEvent",
    "FeedbackEvent",
    "SelectedItem",
    "TemplateCardEvent",
]

_MESSAGES = doc_page(100719)
_EVENTS = doc_page(101031)


class AIBotSender(WeComModel):
    """The ``from`` object: who wrote (``corpid`` on events, maybe an encrypted ``wp…`` id)."""

    userid: OptStr = None
    """The sender's UserID."""
    corpid: OptStr = None
    """The sender's CorpID (events only)."""


class AIBotText(WeComModel):
    """A ``text`` (or ``voice``: WeCom's transcription) object."""

    content: str = ""
    """The text; in a group it starts with the ``@bot`` mention."""


class AIBotMedia(WeComModel):
    """An ``image``, ``file`` or ``video`` object: a URL to AES-encrypted bytes."""

    url: OptStr = None
    """Where the encrypted bytes are (decrypt with ``AIBotClient.download_media``)."""


class AIBotMixedItem(WeComModel):
    """One part of a mixed message: a text or an image."""

    msgtype: str = ""
    """``text`` or ``image``."""
    text: AIBotText | None = None
    """The text part."""
    image: AIBotMedia | None = None
    """The image part."""


class AIBotMixed(WeComModel):
    """A ``mixed`` object: text and images in order."""

    msg_item: list[AIBotMixedItem] = Field(default_factory=list)
    """The parts, in the order the user wrote them."""


class AIBotQuote(WeComModel):
    """The message a user quoted: one of the payload objects, named by ``msgtype``."""

    msgtype: str = ""
    """The quoted message's type."""
    text: AIBotText | None = None
    """A quoted text."""
    image: AIBotMedia | None = None
    """A quoted image."""
    mixed: AIBotMixed | None = None
    """A quoted mixed message."""
    voice: AIBotText | None = None
    """A quoted voice message (its transcription)."""
    file: AIBotMedia | None = None
    """A quoted file."""
    video: AIBotMedia | None = None
    """A quoted video."""


class AIBotStreamRef(WeComModel):
    """The ``stream`` object of a refresh callback."""

    id: str = ""
    """The stream id the bot chose in its first reply."""


class AIBotCallback(Callback):
    """Any AI bot callback: the fields messages and events share."""

    DIALECT: ClassVar[Dialect] = "aibot"

    msgid: OptStr = None
    """The callback's id: the dedupe key."""
    aibotid: OptStr = None
    """The bot's id."""
    chatid: OptStr = None
    """The group chat's id (group chats only)."""
    chattype: OptStr = None
    """``single`` or ``group``."""
    from_: AIBotSender = Field(default_factory=AIBotSender, alias="from")
    """The JSON key ``from``: the sender."""
    msgtype: str = ""
    """The message type (``event`` for events)."""
    response_url: OptStr = None
    """Where to post one answer later (valid about an hour, usable once)."""
    create_time: UtcDatetime | None = None
    """When WeCom created the callback (events)."""

    @property
    def user_id(self) -> str | None:
        """The sender's UserID (``from.userid``)."""
        return self.from_.userid


class AIBotMessage(AIBotCallback):
    """A user's message to the bot."""

    FAMILY: ClassVar[Family] = "message"

    quote: AIBotQuote | None = None
    """The message the user quoted, if any."""


class AIBotTextMessage(AIBotMessage):
    """A text message."""

    KIND: ClassVar[str] = "text"
    DOC: ClassVar[str] = _MESSAGES

    text: AIBotText = Field(default_factory=AIBotText)
    """The text object."""

    @property
    def content(self) -> str:
        """The text, verbatim (in a group with the ``@bot`` mention)."""
        return self.text.content


class AIBotImageMessage(AIBotMessage):
    """An image (single chats only)."""

    KIND: ClassVar[str] = "image"
    DOC: ClassVar[str] = _MESSAGES

    image: AIBotMedia = Field(default_factory=AIBotMedia)
    """The image object."""


class AIBotMixedMessage(AIBotMessage):
    """Text and images in one message."""

    KIND: ClassVar[str] = "mixed"
    DOC: ClassVar[str] = _MESSAGES

    mixed: AIBotMixed = Field(default_factory=AIBotMixed)
    """The mixed object."""

    @property
    def content(self) -> str:
        """The text parts joined by newlines."""
        return "\n".join(i.text.content for i in self.mixed.msg_item if i.text is not None)


class AIBotVoiceMessage(AIBotMessage):
    """A voice message, as WeCom's transcription."""

    KIND: ClassVar[str] = "voice"
    DOC: ClassVar[str] = _MESSAGES

    voice: AIBotText = Field(default_factory=AIBotText)
    """The transcription."""

    @property
    def content(self) -> str:
        """The transcribed text."""
        return self.voice.content


class AIBotFileMessage(AIBotMessage):
    """A file (single chats only)."""

    KIND: ClassVar[str] = "file"
    DOC: ClassVar[str] = _MESSAGES

    file: AIBotMedia = Field(default_factory=AIBotMedia)
    """The file object."""


class AIBotVideoMessage(AIBotMessage):
    """A video (single chats only)."""

    KIND: ClassVar[str] = "video"
    DOC: ClassVar[str] = _MESSAGES

    video: AIBotMedia = Field(default_factory=AIBotMedia)
    """The video object."""


class AIBotStreamRefresh(AIBotMessage):
    """WeCom asking for the current state of a stream (answered by the app itself)."""

    KIND: ClassVar[str] = "stream"
    DOC: ClassVar[str] = _MESSAGES

    stream: AIBotStreamRef = Field(default_factory=AIBotStreamRef)
    """The stream asked about."""


class AIBotUnknownMessage(AIBotMessage):
    """A message type this version does not model; every field is in ``raw``."""

    parse_error: str | None = None
    """Set when a known kind failed validation and was kept here instead of dropped."""


class AIBotEvent(AIBotCallback):
    """An event (``msgtype`` ``event``); its own object's fields are on the model."""

    FAMILY: ClassVar[Family] = "event"

    eventtype: str = ""
    """The event type (``event.eventtype``)."""


class EnterChatEvent(AIBotEvent):
    """The user opened the single chat (first time that day): a welcome may answer it."""

    KIND: ClassVar[str] = "enter_chat"
    DOC: ClassVar[str] = _EVENTS


class SelectedItem(WeComModel):
    """One answered question of a vote or multiple-choice card."""

    question_key: OptStr = None
    """The question's key."""
    option_ids: list[str] = Field(default_factory=list)
    """The chosen options' ids."""

    @field_validator("option_ids", mode="before")
    @classmethod
    def _unnest(cls, value: Any) -> Any:
        # WeCom nests them: {"option_id": [...]}
        return value.get("option_id") or [] if isinstance(value, dict) else value


class TemplateCardEvent(AIBotEvent):
    """A user clicked a button or submitted a choice on a template card."""

    KIND: ClassVar[str] = "template_card_event"
    DOC: ClassVar[str] = _EVENTS

    card_type: OptStr = None
    """The card's type (``button_interaction``, ``vote_interaction``, ...)."""
    event_key: OptStr = None
    """The key of the button clicked."""
    task_id: OptStr = None
    """The card's task id (set when it was sent)."""
    selected_items: list[SelectedItem] = Field(default_factory=list)
    """The answers of a vote or multiple-choice card."""

    @field_validator("selected_items", mode="before")
    @classmethod
    def _unnest(cls, value: Any) -> Any:
        # WeCom nests them: {"selected_item": [...]}
        return value.get("selected_item") or [] if isinstance(value, dict) else value


class FeedbackEvent(AIBotEvent):
    """A user rated a reply that carried a feedback id."""

    KIND: ClassVar[str] = "feedback_event"
    DOC: ClassVar[str] = _EVENTS

    feedback_id: OptStr = Field(None, alias="id")
    """The feedback id the reply carried."""
    type: OptInt = None
    """1 accurate, 2 inaccurate, 3 rating withdrawn."""
    content: OptStr = None
    """The user's comment."""
    inaccurate_reason_list: list[int] = Field(default_factory=list)
    """Why it was inaccurate (WeCom's reason numbers)."""


class AIBotUnknownEvent(AIBotEvent):
    """An event type this version does not model; every field is in ``raw``."""

    parse_error: str | None = None
    """Set when a known kind failed validation and was kept here instead of dropped."""
