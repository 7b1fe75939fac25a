"""App, menu and lifecycle events.

WeCom document: 接收事件, https://developer.work.weixin.qq.com/document/path/90240
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from ._base import Event
from ._types import OptStr

__all__ = ["EnterAgentEvent", "SubscribeEvent", "UnsubscribeEvent"]

_DOC = "https://developer.work.weixin.qq.com/document/path/90240"


class SubscribeEvent(Event):
    """A member joined the app's visible range (成员关注, doc 90240)."""

    KIND: ClassVar[str] = "subscribe"
    DOC: ClassVar[str] = _DOC

    event_key: OptStr = Field(None, alias="EventKey")
    """Unused for this event; kept if sent."""


class UnsubscribeEvent(Event):
    """A member left the app's visible range (成员取消关注, doc 90240)."""

    KIND: ClassVar[str] = "unsubscribe"
    DOC: ClassVar[str] = _DOC

    event_key: OptStr = Field(None, alias="EventKey")
    """Unused for this event; kept if sent."""


class EnterAgentEvent(Event):
    """A member opened the app (进入应用, doc 90240)."""

    KIND: ClassVar[str] = "enter_agent"
    DOC: ClassVar[str] = _DOC

    event_key: OptStr = Field(None, alias="EventKey")
    """Empty for this event."""
