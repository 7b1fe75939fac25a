"""Passive replies: what a handler returns to answer a callback within its 5 seconds.

WeCom document: 被动回复消息格式, https://developer.work.weixin.qq.com/document/path/90241
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..crypto import cdata

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

# Characters XML 1.0 cannot carry at all, not even in CDATA.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(value: str) -> str:
    if _XML_ILLEGAL.search(value):
        raise ValueError("text contains characters that XML cannot carry")
    return value


class Reply(BaseModel):
    """Base of every passive reply. ``to_xml`` renders the plaintext reply document."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    MSG_TYPE: ClassVar[str] = ""

    @field_validator("*", mode="after")
    @classmethod
    def _no_illegal_chars(cls, value: Any) -> Any:
        if isinstance(value, str):
            return _xml_safe(value)
        return value

    def body_xml(self) -> str:
        """The elements after ``MsgType`` (each reply type renders its own)."""
        raise NotImplementedError

    def to_xml(self, *, to_user: str, from_user: str, create_time: int) -> str:
        """The plaintext reply: to ``to_user`` (a member) from ``from_user`` (the CorpID)."""
        return (
            f"<xml><ToUserName>{cdata(to_user)}</ToUserName>"
            f"<FromUserName>{cdata(from_user)}</FromUserName>"
            f"<CreateTime>{int(create_time)}</CreateTime>"
            f"<MsgType>{cdata(self.MSG_TYPE)}</MsgType>{self.body_xml()}</xml>"
        )


class TextReply(Reply):
    """A text reply (WeCom truncates ``content`` beyond 2048 bytes)."""

    MSG_TYPE: ClassVar[str] = "text"
    content: str
    """The text to send back."""

    def body_xml(self) -> str:
        """``<Content>``."""
        return f"<Content>{cdata(self.content)}</Content>"


class ImageReply(Reply):
    """An image reply, by media id."""

    MSG_TYPE: ClassVar[str] = "image"
    media_id: str
    """The image's media id (from the media upload API)."""

    def body_xml(self) -> str:
        """``<Image><MediaId>``."""
        return f"<Image><MediaId>{cdata(self.media_id)}</MediaId></Image>"


class VoiceReply(Reply):
    """A voice reply, by media id."""

    MSG_TYPE: ClassVar[str] = "voice"
    media_id: str
    """The recording's media id."""

    def body_xml(self) -> str:
        """``<Voice><MediaId>``."""
        return f"<Voice><MediaId>{cdata(self.media_id)}</MediaId></Voice>"


class VideoReply(Reply):
    """A video reply, by media id, with an optional title and description."""

    MSG_TYPE: ClassVar[str] = "video"
    media_id: str
    """The video's media id."""
    title: str = ""
    """The video's title."""
    description: str = ""
    """The video's description."""

    def body_xml(self) -> str:
        """``<Video>`` with MediaId, Title, Description."""
        return (
            f"<Video><MediaId>{cdata(self.media_id)}</MediaId>"
            f"<Title>{cdata(self.title)}</Title>"
            f"<Description>{cdata(self.description)}</Description></Video>"
        )


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
        return _xml_safe(value)


class NewsReply(Reply):
    """A news (articles) reply; WeCom shows at most 8 articles."""

    MSG_TYPE: ClassVar[str] = "news"
    articles: list[Article] = Field(min_length=1, max_length=8)
    """The articles, 1 to 8."""

    def body_xml(self) -> str:
        """``<ArticleCount>`` and ``<Articles><item>...``."""
        items = "".join(
            f"<item><Title>{cdata(a.title)}</Title><Description>{cdata(a.description)}"
            f"</Description><PicUrl>{cdata(a.pic_url)}</PicUrl><Url>{cdata(a.url)}</Url></item>"
            for a in self.articles
        )
        return f"<ArticleCount>{len(self.articles)}</ArticleCount><Articles>{items}</Articles>"


class UpdateButtonReply(Reply):
    """Change the clicked button's text on a template card (for ``template_card_event``)."""

    MSG_TYPE: ClassVar[str] = "update_button"
    replace_name: str
    """The button's new text."""

    def body_xml(self) -> str:
        """``<Button><ReplaceName>``."""
        return f"<Button><ReplaceName>{cdata(self.replace_name)}</ReplaceName></Button>"


_TAG = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _dict_xml(value: Any, tag: str) -> str:
    if not _TAG.fullmatch(tag):
        raise ValueError(f"{tag!r} is not a valid XML element name")
    if isinstance(value, list):
        return "".join(_dict_xml(v, tag) for v in value)
    if isinstance(value, dict):
        inner = "".join(_dict_xml(v, k) for k, v in value.items())
        return f"<{tag}>{inner}</{tag}>"
    if isinstance(value, bool):
        return f"<{tag}>{'true' if value else 'false'}</{tag}>"
    if isinstance(value, int | float):
        return f"<{tag}>{value}</{tag}>"
    return f"<{tag}>{cdata(_xml_safe(str(value)))}</{tag}>"


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
        _dict_xml(value, "TemplateCard")  # fail at construction, not at send time
        return value

    def body_xml(self) -> str:
        """``<TemplateCard>`` rendered from the dict."""
        return _dict_xml(self.template_card, "TemplateCard")
