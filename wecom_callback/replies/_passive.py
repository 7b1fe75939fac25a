"""Passive replies: what a handler returns to answer a callback within its 5 seconds.

WeCom document: 被动回复消息格式, https://developer.work.weixin.qq.com/document/path/90241
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .._wire.writer import document, element, xml_safe

__all__ = [
    "Article",
    "ImageReply",
    "NewsReply",
    "Reply",
    "TextReply",
    "UpdateButtonReply",
    "UpdateTemplateCardReply",
    "VideoReply",
    "VoiceReply",
]


class Reply(BaseModel):
    """Base of every passive reply. ``to_xml`` renders the plaintext reply document."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    MSG_TYPE: ClassVar[str] = ""

    @field_validator("*", mode="after")
    @classmethod
    def _no_illegal_chars(cls, value: Any) -> Any:
        if isinstance(value, str):
            return xml_safe(value)
        return value

    def body(self) -> dict[str, Any]:
        """The elements after ``MsgType``, tag -> value (each reply type names its own)."""
        raise NotImplementedError

    def to_xml(self, *, to_user: str, from_user: str, create_time: int) -> str:
        """The plaintext reply: to ``to_user`` (a member) from ``from_user`` (the CorpID)."""
        header: dict[str, Any] = {"ToUserName": to_user, "FromUserName": from_user}
        header |= {"CreateTime": int(create_time), "MsgType": self.MSG_TYPE}
        return document(header | self.body())


class TextReply(Reply):
    """A text reply (WeCom truncates ``content`` beyond 2048 bytes)."""

    MSG_TYPE: ClassVar[str] = "text"
    content: str
    """The text to send back."""

    def body(self) -> dict[str, Any]:
        """``<Content>``."""
        return {"Content": self.content}


class ImageReply(Reply):
    """An image reply, by media id."""

    MSG_TYPE: ClassVar[str] = "image"
    media_id: str
    """The image's media id (from the media upload API)."""

    def body(self) -> dict[str, Any]:
        """``<Image><MediaId>``."""
        return {"Image": {"MediaId": self.media_id}}


class VoiceReply(Reply):
    """A voice reply, by media id."""

    MSG_TYPE: ClassVar[str] = "voice"
    media_id: str
    """The recording's media id."""

    def body(self) -> dict[str, Any]:
        """``<Voice><MediaId>``."""
        return {"Voice": {"MediaId": self.media_id}}


class VideoReply(Reply):
    """A video reply, by media id, with an optional title and description."""

    MSG_TYPE: ClassVar[str] = "video"
    media_id: str
    """The video's media id."""
    title: str = ""
    """The video's title."""
    description: str = ""
    """The video's description."""

    def body(self) -> dict[str, Any]:
        """``<Video>`` with MediaId, Title, Description."""
        video = {"MediaId": self.media_id, "Title": self.title}
        return {"Video": video | {"Description": self.description}}


class Article(BaseModel):
    """One article of a :class:`NewsReply`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    """The article's title."""
    description: str = ""
    """The article's summary."""
    url: str = ""
    """Where a tap leads."""
    pic_url: str = ""
    """The cover picture's URL."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_illegal_chars(cls, value: str) -> str:
        return xml_safe(value)


class NewsReply(Reply):
    """A news (articles) reply; WeCom shows at most 8 articles."""

    MSG_TYPE: ClassVar[str] = "news"
    articles: list[Article] = Field(min_length=1, max_length=8)
    """The articles, 1 to 8."""

    def body(self) -> dict[str, Any]:
        """``<ArticleCount>`` and ``<Articles><item>...``."""
        items = [
            {"Title": a.title, "Description": a.description, "PicUrl": a.pic_url, "Url": a.url}
            for a in self.articles
        ]
        return {"ArticleCount": len(self.articles), "Articles": {"item": items}}


class UpdateButtonReply(Reply):
    """Change the clicked button's text on a template card (for ``template_card_event``)."""

    MSG_TYPE: ClassVar[str] = "update_button"
    replace_name: str
    """The button's new text."""

    def body(self) -> dict[str, Any]:
        """``<Button><ReplaceName>``."""
        return {"Button": {"ReplaceName": self.replace_name}}


class UpdateTemplateCardReply(Reply):
    """Replace the whole template card for the clicking user.

    ``template_card`` is the card in WeCom's XML form as a dict: keys are XML tags
    (``CardType``, ``MainTitle``, ...), lists become repeated elements.
    """

    MSG_TYPE: ClassVar[str] = "update_template_card"
    template_card: dict[str, Any]
    """The card, tag -> value; it must contain ``CardType``."""

    @field_validator("template_card")
    @classmethod
    def _has_card_type(cls, value: dict[str, Any]) -> dict[str, Any]:
        if "CardType" not in value:
            raise ValueError("template_card needs a CardType")
        element("TemplateCard", value)  # fail at construction, not at send time
        return value

    def body(self) -> dict[str, Any]:
        """``<TemplateCard>`` rendered from the dict."""
        return {"TemplateCard": self.template_card}
