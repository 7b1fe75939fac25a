"""Custom-menu events: click, view, mini programs, scanning, photos, location picker.

WeCom document: 接收事件 (page 90240)
(self-built apps) and 90376 (third-party apps, same shapes).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from ._base import Event, WeComModel, doc_page
from ._types import BlankIsNone, OptFloat, OptInt, OptStr, items_in

__all__ = [
    "ClickEvent",
    "LocationSelectEvent",
    "PicListItem",
    "PicPhotoOrAlbumEvent",
    "PicSysphotoEvent",
    "PicWeixinEvent",
    "ScanCodeInfo",
    "ScancodePushEvent",
    "ScancodeWaitmsgEvent",
    "SendLocationInfo",
    "SendPicsInfo",
    "ViewEvent",
    "ViewMiniprogramEvent",
]

_DOC = doc_page(90240)


class ClickEvent(Event):
    """A member tapped a ``click`` menu button (点击菜单拉取消息的事件推送).

    WeCom doc: 接收事件 (page 90240)
    """

    KIND: ClassVar[str] = "click"
    DOC: ClassVar[str] = _DOC

    event_key: OptStr = Field(None, alias="EventKey")
    """The ``key`` of the menu button."""


class ViewEvent(Event):
    """A member tapped a ``view`` (link) menu button (点击菜单跳转链接的事件推送).

    WeCom doc: 接收事件 (page 90240)
    """

    KIND: ClassVar[str] = "view"
    DOC: ClassVar[str] = _DOC

    event_key: OptStr = Field(None, alias="EventKey")
    """The URL the button opens."""


class ViewMiniprogramEvent(Event):
    """A member tapped a ``view_miniprogram`` menu button (跳转小程序).

    WeCom doc: 创建菜单 (button type view_miniprogram) (page 90231)
    """

    KIND: ClassVar[str] = "view_miniprogram"
    DOC: ClassVar[str] = doc_page(90231)

    event_key: OptStr = Field(None, alias="EventKey")
    """The mini-program page path the button opens."""


class ScanCodeInfo(WeComModel):
    """The ``ScanCodeInfo`` element of the scan-code menu events."""

    scan_type: OptStr = Field(None, alias="ScanType")
    """What was scanned, usually ``qrcode``."""
    scan_result: OptStr = Field(None, alias="ScanResult")
    """The decoded text of the code."""


class _ScanCodeEvent(Event):
    event_key: OptStr = Field(None, alias="EventKey")
    """The ``key`` of the menu button."""
    scan_code_info: Annotated[ScanCodeInfo | None, BlankIsNone] = Field(None, alias="ScanCodeInfo")
    """The scan's type and result."""


class ScancodePushEvent(_ScanCodeEvent):
    """A member scanned a code from a ``scancode_push`` button (扫码推事件的事件推送).

    WeCom doc: 接收事件 (page 90240)
    """

    KIND: ClassVar[str] = "scancode_push"
    DOC: ClassVar[str] = _DOC


class ScancodeWaitmsgEvent(_ScanCodeEvent):
    """A ``scancode_waitmsg`` scan; the client waits for a reply (扫码推事件且弹出提示框).

    WeCom doc: 接收事件 (page 90240)
    """

    KIND: ClassVar[str] = "scancode_waitmsg"
    DOC: ClassVar[str] = _DOC


class PicListItem(WeComModel):
    """One ``PicList/item`` of ``SendPicsInfo``."""

    pic_md5_sum: OptStr = Field(None, alias="PicMd5Sum")
    """The MD5 of the picture sent."""


class SendPicsInfo(WeComModel):
    """The ``SendPicsInfo`` element of the picture menu events."""

    count: OptInt = Field(None, alias="Count")
    """How many pictures were sent."""
    pic_list: Annotated[list[PicListItem], items_in("item")] = Field(
        default_factory=list, alias="PicList"
    )
    """One entry per picture (a list even for one)."""


class _PicsEvent(Event):
    event_key: OptStr = Field(None, alias="EventKey")
    """The ``key`` of the menu button."""
    send_pics_info: Annotated[SendPicsInfo | None, BlankIsNone] = Field(None, alias="SendPicsInfo")
    """The pictures sent."""


class PicSysphotoEvent(_PicsEvent):
    """A member sent photos from a ``pic_sysphoto`` button (弹出系统拍照发图的事件推送).

    WeCom doc: 接收事件 (page 90240)
    """

    KIND: ClassVar[str] = "pic_sysphoto"
    DOC: ClassVar[str] = _DOC


class PicPhotoOrAlbumEvent(_PicsEvent):
    """A member sent photos from a ``pic_photo_or_album`` button (弹出拍照或者相册发图).

    WeCom doc: 接收事件 (page 90240)
    """

    KIND: ClassVar[str] = "pic_photo_or_album"
    DOC: ClassVar[str] = _DOC


class PicWeixinEvent(_PicsEvent):
    """A member sent photos from a ``pic_weixin`` button (弹出微信相册发图器的事件推送).

    WeCom doc: 接收事件 (page 90240)
    """

    KIND: ClassVar[str] = "pic_weixin"
    DOC: ClassVar[str] = _DOC


class SendLocationInfo(WeComModel):
    """The ``SendLocationInfo`` element of ``location_select``."""

    location_x: OptFloat = Field(None, alias="Location_X")
    """Latitude."""
    location_y: OptFloat = Field(None, alias="Location_Y")
    """Longitude."""
    scale: OptInt = Field(None, alias="Scale")
    """Map zoom level."""
    label: OptStr = Field(None, alias="Label")
    """A description of the place."""
    poiname: OptStr = Field(None, alias="Poiname")
    """The name of the point of interest picked."""


class LocationSelectEvent(Event):
    """A member picked a location from a ``location_select`` button (弹出地理位置选择器).

    WeCom doc: 接收事件 (page 90240)
    """

    KIND: ClassVar[str] = "location_select"
    DOC: ClassVar[str] = _DOC

    event_key: OptStr = Field(None, alias="EventKey")
    """The ``key`` of the menu button."""
    send_location_info: Annotated[SendLocationInfo | None, BlankIsNone] = Field(
        None, alias="SendLocationInfo"
    )
    """The location picked."""
    app_type: OptStr = Field(None, alias="AppType")
    """``wxwork`` in the WeCom client; absent in WeChat."""
