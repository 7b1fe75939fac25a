"""App messages: ``client.message.send``, ``update_template_card``, ``recall``.

The message bodies (:class:`Text`, :class:`Markdown`, ...) are shared with
``client.appchat`` and, where WeCom allows the same shape, ``client.kf``.

WeCom docs: 发送应用消息 https://developer.work.weixin.qq.com/document/path/90236,
更新模版卡片消息 https://developer.work.weixin.qq.com/document/path/94888,
撤回应用消息 https://developer.work.weixin.qq.com/document/path/94867.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import Field

from wecom_callback.client._models import APIModel, APIResponse, IdList, compact, flag, join_ids
from wecom_callback.client._namespace import Namespace

__all__ = [
    "Article",
    "File",
    "Image",
    "Markdown",
    "MessageAPI",
    "MessageBody",
    "News",
    "SendResult",
    "TemplateCard",
    "Text",
    "TextCard",
    "UpdateTemplateCardResult",
    "Video",
    "Voice",
]


class MessageBody(APIModel):
    """A message body; ``MSGTYPE`` names the ``msgtype`` and the key it goes under."""

    MSGTYPE: ClassVar[str]

    def wrap(self) -> dict[str, Any]:
        """``{"msgtype": MSGTYPE, MSGTYPE: {...}}``, the shape every send API takes."""
        return {"msgtype": self.MSGTYPE, self.MSGTYPE: self.body()}


class Text(MessageBody):
    """Text, at most 2048 bytes; ``\\n`` and ``<a href>`` links are allowed."""

    MSGTYPE = "text"
    content: str
    """The text."""


class Markdown(MessageBody):
    """Markdown (WeCom's subset), at most 2048 bytes."""

    MSGTYPE = "markdown"
    content: str
    """The markdown source."""


class TextCard(MessageBody):
    """A text card: title, description (simple HTML), a link and its button text."""

    MSGTYPE = "textcard"
    title: str
    """At most 128 bytes."""
    description: str
    """At most 512 bytes; required (41033 without it)."""
    url: str
    """Opened on a click."""
    btntxt: str | None = None
    """The button text (default 详情)."""


class Image(MessageBody):
    """An image uploaded with ``client.media.upload("image", ...)``."""

    MSGTYPE = "image"
    media_id: str
    """The media id (valid 3 days)."""


class Voice(MessageBody):
    """A voice message (AMR) by media id."""

    MSGTYPE = "voice"
    media_id: str
    """The media id."""


class Video(MessageBody):
    """A video by media id, with an optional title and description."""

    MSGTYPE = "video"
    media_id: str
    """The media id."""
    title: str | None = None
    """At most 128 bytes."""
    description: str | None = None
    """At most 512 bytes."""


class File(MessageBody):
    """A file by media id."""

    MSGTYPE = "file"
    media_id: str
    """The media id."""


class Article(APIModel):
    """One article of a :class:`News` message."""

    title: str
    """At most 128 bytes."""
    description: str | None = None
    """At most 512 bytes."""
    url: str | None = None
    """Opened on a click (or give ``appid`` and ``pagepath`` for a mini program)."""
    picurl: str | None = None
    """The picture."""
    appid: str | None = None
    """A mini program to open instead of ``url``."""
    pagepath: str | None = None
    """The mini program page."""


class News(MessageBody):
    """One to eight articles."""

    MSGTYPE = "news"
    articles: list[Article] = Field(min_length=1, max_length=8)
    """The articles."""


class TemplateCard(MessageBody):
    """A template card; give ``card_type`` and the card's fields as keywords.

    ``TemplateCard(card_type="text_notice", main_title={"title": "..."},
    card_action={"type": 1, "url": "..."}, task_id="t1")``.
    """

    MSGTYPE = "template_card"
    card_type: str
    """text_notice, news_notice, button_interaction, vote_interaction, multiple_interaction."""


class SendResult(APIResponse):
    """What message/send answers; a partial failure is errcode 0 with invalid ids."""

    invaliduser: IdList = Field(default_factory=list)
    """Recipients that do not exist or are out of the app's reach (lower-cased by WeCom)."""
    invalidparty: IdList = Field(default_factory=list)
    """Departments that do not exist or are out of reach."""
    invalidtag: IdList = Field(default_factory=list)
    """Tags that do not exist or are out of reach."""
    unlicenseduser: IdList = Field(default_factory=list)
    """Members without an interoperability licence."""
    msgid: str | None = None
    """The id ``recall`` takes."""
    response_code: str | None = None
    """For interactive template cards: ``update_template_card`` takes it, once, within 72 h."""


class UpdateTemplateCardResult(APIResponse):
    """What update_template_card answers (``invaliduser`` is an array here)."""

    invaliduser: IdList = Field(default_factory=list)
    """Recipients the update did not reach."""


Ids = str | Sequence[str] | None


class MessageAPI(Namespace):
    """``client.message``: send app messages, update template cards, recall."""

    async def send(
        self,
        body: MessageBody,
        *,
        touser: Ids = None,
        toparty: Ids = None,
        totag: Ids = None,
        agent_id: int | None = None,
        safe: int | None = None,
        enable_id_trans: bool | None = None,
        enable_duplicate_check: bool | None = None,
        duplicate_check_interval: int | None = None,
    ) -> SendResult:
        """Send ``body`` to users (``"@all"``), departments and/or tags.

        Ids are lists or ``"|"``-joined strings. Success does not mean delivery: WeCom
        silently drops messages over 30 a minute per member (OUTBOUND.md 1.3).
        """
        if touser is None and toparty is None and totag is None:
            raise ValueError("message.send needs touser, toparty or totag")
        request: dict[str, Any] = {
            "touser": join_ids(touser),
            "toparty": join_ids(toparty),
            "totag": join_ids(totag),
            "agentid": self._agent_id(agent_id),
            "safe": safe,
            "enable_id_trans": flag(enable_id_trans),
            "enable_duplicate_check": flag(enable_duplicate_check),
            "duplicate_check_interval": duplicate_check_interval,
            **body.wrap(),
        }
        return await self._post("message/send", compact(request), SendResult)

    async def update_template_card(
        self,
        response_code: str,
        *,
        userids: Sequence[str] | None = None,
        partyids: Sequence[int] | None = None,
        tagids: Sequence[int] | None = None,
        atall: bool | None = None,
        agent_id: int | None = None,
        button_replace_name: str | None = None,
        template_card: TemplateCard | Mapping[str, Any] | None = None,
        enable_id_trans: bool | None = None,
    ) -> UpdateTemplateCardResult:
        """Grey out a card's button (``button_replace_name``) or replace the whole card.

        ``response_code`` comes from message/send or a template_card_event callback;
        each is usable once, within 72 hours (60140 otherwise).
        """
        if (button_replace_name is None) == (template_card is None):
            raise ValueError("give exactly one of button_replace_name and template_card")
        card = template_card.body() if isinstance(template_card, TemplateCard) else template_card
        request: dict[str, Any] = {
            "userids": userids,
            "partyids": partyids,
            "tagids": tagids,
            "atall": flag(atall),
            "agentid": self._agent_id(agent_id),
            "response_code": response_code,
            "enable_id_trans": flag(enable_id_trans),
            "button": None
            if button_replace_name is None
            else {"replace_name": button_replace_name},
            "template_card": None if card is None else dict(card),
        }
        return await self._post(
            "message/update_template_card", compact(request), UpdateTemplateCardResult
        )

    async def recall(self, msgid: str) -> APIResponse:
        """Recall a message sent in the last 24 hours (42052 after that)."""
        return await self._post("message/recall", {"msgid": msgid}, APIResponse)
