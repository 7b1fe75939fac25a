"""Messages a member sends to an app: text, image, voice, video, location, link.

WeCom document: 接收普通消息 (page 90239)
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from ._base import Message, doc_page
from ._types import OptFloat, OptInt, OptStr

__all__ = [
    "ImageMessage",
    "LinkMessage",
    "LocationMessage",
    "TextMessage",
    "VideoMessage",
    "VoiceMessage",
]

_DOC = doc_page(90239)


class TextMessage(Message):
    """A text message (接收普通消息 / 文本消息).

    WeCom doc: 接收普通消息 (page 90239)
    """

    KIND: ClassVar[str] = "text"
    DOC: ClassVar[str] = _DOC

    content: str = Field("", alias="Content")
    """The text, verbatim."""


class ImageMessage(Message):
    """An image message (接收普通消息 / 图片消息).

    WeCom doc: 接收普通消息 (page 90239)
    """

    KIND: ClassVar[str] = "image"
    DOC: ClassVar[str] = _DOC

    pic_url: OptStr = Field(None, alias="PicUrl")
    """A URL of the picture."""
    media_id: OptStr = Field(None, alias="MediaId")
    """The media id to download the picture with (valid 3 days)."""


class VoiceMessage(Message):
    """A voice message (接收普通消息 / 语音消息).

    WeCom doc: 接收普通消息 (page 90239)
    """

    KIND: ClassVar[str] = "voice"
    DOC: ClassVar[str] = _DOC

    media_id: OptStr = Field(None, alias="MediaId")
    """The media id to download the recording with."""
    format: OptStr = Field(None, alias="Format")
    """The audio format, e.g. ``amr``."""


class VideoMessage(Message):
    """A video message (接收普通消息 / 视频消息).

    WeCom doc: 接收普通消息 (page 90239)
    """

    KIND: ClassVar[str] = "video"
    DOC: ClassVar[str] = _DOC

    media_id: OptStr = Field(None, alias="MediaId")
    """The media id to download the video with."""
    thumb_media_id: OptStr = Field(None, alias="ThumbMediaId")
    """The media id of the video's thumbnail."""


class LocationMessage(Message):
    """A location message (接收普通消息 / 位置消息).

    WeCom doc: 接收普通消息 (page 90239)
    """

    KIND: ClassVar[str] = "location"
    DOC: ClassVar[str] = _DOC

    location_x: OptFloat = Field(None, alias="Location_X")
    """Latitude."""
    location_y: OptFloat = Field(None, alias="Location_Y")
    """Longitude."""
    scale: OptInt = Field(None, alias="Scale")
    """Map zoom level."""
    label: OptStr = Field(None, alias="Label")
    """A description of the place."""
    app_type: OptStr = Field(None, alias="AppType")
    """``wxwork`` (WeCom) or ``wx`` (WeChat), where sent."""


class LinkMessage(Message):
    """A link message (接收普通消息 / 链接消息).

    WeCom doc: 接收普通消息 (page 90239)
    """

    KIND: ClassVar[str] = "link"
    DOC: ClassVar[str] = _DOC

    title: OptStr = Field(None, alias="Title")
    """The link's title."""
    description: OptStr = Field(None, alias="Description")
    """The link's description."""
    url: OptStr = Field(None, alias="Url")
    """The link's URL."""
    pic_url: OptStr = Field(None, alias="PicUrl")
    """The link's cover picture."""
